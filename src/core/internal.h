/*
 * Private helpers shared by every subsystem of libmoodscope. Never installed.
 */
#ifndef MOOD_INTERNAL_H
#define MOOD_INTERNAL_H

#include <moodscope/status.h>

#include <stdarg.h>

/* Allocation goes through these so that tests can inject failures (mood_set_allocator). */
void *mood__malloc(size_t size);
void *mood__calloc(size_t n, size_t size);
void *mood__realloc(void *p, size_t size);
void mood__free(void *p);
char *mood__strdup(const char *s);
/* Overflow-checked n*size allocation; NULL on overflow or failure (no error message set). */
void *mood__malloc_array(size_t n, size_t size);
/*
 * The one growable-array step: room for @p need elements of @p elem bytes in @p p (capacity
 * *cap elements, starting at @p first and doubling). Returns the (possibly moved) block and
 * updates *cap, or NULL on overflow or allocation failure with @p p and *cap unchanged (no
 * message set).
 */
void *mood__grow(void *p, size_t *cap, size_t need, size_t elem, size_t first);
/* qsort comparator of doubles, ascending (core/sort.c). */
int mood__cmp_double(const void *a, const void *b);

/*
 * Per-thread scratch of an OpenMP region (the one form of the block every parallel kernel
 * opens with). Inside `#pragma omp parallel` each thread allocates its n ≤ MOOD_SCRATCH_MAX
 * arrays, spec[i] = {count, element size} (count 0 gives NULL and is no failure); on a failure
 * it sets *failed to 1 (an atomic write: the region's flag, turned into MOOD_ENOMEM after the
 * region) and returns 0, and the thread skips its share of the loop. Release with
 * mood__scratch_free (also after a failure). Outside OpenMP it is a plain allocation.
 */
#define MOOD_SCRATCH_MAX 8
typedef struct mood_scratch {
    void *p[MOOD_SCRATCH_MAX];
    size_t n;
} mood_scratch;
int mood__scratch_alloc(mood_scratch *s, const size_t (*spec)[2], size_t n, int *failed);
void mood__scratch_free(mood_scratch *s);

/*
 * Record a message for mood_last_error() and return @p s, so that a failure reads
 *     return mood__error(MOOD_EINVAL, "kmeans: k=%zu exceeds n=%zu", k, n);
 */
mood_status mood__error(mood_status s, const char *fmt, ...) MOOD_PRINTF(2, 3);
#ifdef __clang_analyzer__
/* For clang-tidy's static analyzer only: the returned status is the one passed in, so error
 * paths that continue on `s == MOOD_OK` are not explored as if the error had been MOOD_OK.
 * (The macro's own call is not expanded again; real builds call the function directly.) */
#define mood__error(s, ...) (mood__error((s), __VA_ARGS__), (s))
#endif
mood_status mood__verror(mood_status s, const char *fmt, va_list ap);
/* Prefix the current message with "context: " (for callers adding a file name or a stage). */
mood_status mood__error_context(mood_status s, const char *fmt, ...) MOOD_PRINTF(2, 3);
/* Shorthand for allocation failures. */
#define mood__enomem(what) mood__error(MOOD_ENOMEM, "%s: out of memory", (what))

void mood__log(mood_log_level level, const char *fmt, ...) MOOD_PRINTF(2, 3);

/*
 * Check point for long loops: returns MOOD_ECANCELED (with a message) when a cancellation was
 * requested process-wide or the progress callback asked to stop, MOOD_OK otherwise.
 */
mood_status mood__progress(mood_progress_fn fn, void *user, const char *stage, double done,
                           double total);

#define MOOD_MIN(a, b) ((a) < (b) ? (a) : (b))
#define MOOD_MAX(a, b) ((a) > (b) ? (a) : (b))

#endif
