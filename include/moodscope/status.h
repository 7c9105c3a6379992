/**
 * @file status.h
 * @brief Status codes, the thread-local error message, allocation hooks and cancellation.
 *
 * Every fallible function of libmoodscope returns a ::mood_status: ::MOOD_OK (0) on success, a
 * negative code otherwise. The function that fails also records a one-line message, read back with
 * mood_last_error() on the same thread:
 * @code
 * mood_table *t;
 * if (mood_csv_read("songs.csv", NULL, &t) != MOOD_OK)
 *     fprintf(stderr, "error: %s\n", mood_last_error());
 * @endcode
 */
#ifndef MOODSCOPE_STATUS_H
#define MOODSCOPE_STATUS_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define MOOD_API          __attribute__((visibility("default")))
#define MOOD_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define MOOD_API
#define MOOD_PRINTF(a, b)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** X-macro table of status codes: name, value, default text. */
#define MOOD_STATUS_MAP(X)                                                                         \
    X(OK, 0, "success")                                                                            \
    X(EINVAL, -1, "invalid argument")                                                              \
    X(EDIM, -2, "dimension mismatch")                                                              \
    X(ENOMEM, -3, "out of memory")                                                                 \
    X(EIO, -4, "input/output error")                                                               \
    X(EFORMAT, -5, "malformed input")                                                              \
    X(ENOTFIT, -6, "model not fitted")                                                             \
    X(ENOTFOUND, -7, "not found")                                                                  \
    X(EUNSUPPORTED, -8, "unsupported")                                                             \
    X(EINTERNAL, -9, "internal error")                                                             \
    X(ECANCELED, -10, "canceled")

/** Result of every fallible call. */
typedef enum mood_status {
#define MOOD_STATUS_ENUM(name, value, text) MOOD_##name = (value),
    MOOD_STATUS_MAP(MOOD_STATUS_ENUM)
#undef MOOD_STATUS_ENUM
} mood_status;

/** @brief Symbolic name of @p s ("EINVAL"); "UNKNOWN" for values outside the table. */
MOOD_API const char *mood_status_name(mood_status s);
/** @brief Generic text of @p s ("invalid argument"). */
MOOD_API const char *mood_strerror(mood_status s);
/**
 * @brief The message recorded by the last failing call on this thread.
 * @return a thread-local string valid until the next failing call on this thread; "" if none.
 */
MOOD_API const char *mood_last_error(void);
/** @brief Forget the last error of this thread. */
MOOD_API void mood_clear_error(void);

/**
 * @brief Replace the allocator used by the whole library (for fault injection in tests).
 * Pass all NULL to restore the C library's. Not thread-safe: call before any other function.
 * @return ::MOOD_EINVAL when only some of the four functions are given.
 */
MOOD_API mood_status mood_set_allocator(void *(*malloc_fn)(size_t),
                                        void *(*realloc_fn)(void *, size_t),
                                        void *(*calloc_fn)(size_t, size_t),
                                        void (*free_fn)(void *));
/** @brief Release memory that a libmoodscope function allocated for the caller. Accepts NULL. */
MOOD_API void mood_free(void *p);

/** Log levels for the optional log callback. */
typedef enum mood_log_level {
    MOOD_LOG_ERROR = 0,
    MOOD_LOG_WARN = 1,
    MOOD_LOG_INFO = 2,
    MOOD_LOG_DEBUG = 3
} mood_log_level;
/** Log callback; @p msg has no trailing newline. */
typedef void (*mood_log_fn)(void *user, mood_log_level level, const char *msg);
/** @brief Install a log callback (NULL: logging off, the default). Not thread-safe. */
MOOD_API void mood_set_log_callback(mood_log_fn fn, void *user, mood_log_level max_level);

/**
 * Progress callback for long work. @p stage names the step ("kmeans", "analyze"), @p done and
 * @p total count work units. Return non-zero to cancel: the call then stops cleanly and returns
 * ::MOOD_ECANCELED. Called from the thread that runs the work.
 */
typedef int (*mood_progress_fn)(void *user, const char *stage, double done, double total);

/**
 * @brief Ask every running long operation in the process to stop (async-signal-safe: call it
 * from a SIGINT handler). Operations return ::MOOD_ECANCELED at their next check point.
 */
MOOD_API void mood_cancel_request(void);
/** @brief Non-zero once mood_cancel_request() was called and not reset. */
MOOD_API int mood_cancel_requested(void);
/** @brief Clear a cancellation request. */
MOOD_API void mood_cancel_reset(void);

/**
 * @brief Seconds on the library's monotonic clock (CLOCK_MONOTONIC; an arbitrary origin, only
 * differences mean anything): the clock the library times its own work with.
 */
MOOD_API double mood_monotonic_seconds(void);

/** @brief Library version string, "MAJOR.MINOR.PATCH". */
MOOD_API const char *mood_version(void);

#ifdef __cplusplus
}
#endif
#endif
