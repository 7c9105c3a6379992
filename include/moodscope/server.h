/**
 * @file server.h
 * @brief The embedded web server behind `moodscope serve`: the page (embedded at build time)
 * and the JSON API under /api/v1/ (docs/api.md), with background jobs.
 *
 * The server is a thin layer: it parses requests, calls the library and formats JSON. Every
 * request is untrusted input: bodies have a size limit, file names are confined to the data
 * folder (and the library folder when one is given), and binding to anything but loopback
 * requires a token that every API call must carry.
 * @code
 * mood_server_config c;
 * mood_server_config_default(&c);
 * c.data_dir = "data";
 * mood_server *s;
 * if (mood_server_start(&c, &s) == MOOD_OK) {
 *     printf("%s\n", mood_server_url(s));
 *     mood_server_wait(s);          // until mood_cancel_request() (SIGINT)
 *     mood_server_stop(s);
 * }
 * @endcode
 */
#ifndef MOODSCOPE_SERVER_H
#define MOODSCOPE_SERVER_H

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Server configuration; fill with mood_server_config_default(). Strings are copied. */
typedef struct mood_server_config {
    const char *bind;          /**< address to listen on; default "127.0.0.1" */
    unsigned port;             /**< TCP port; default 8080; 0 = any free port */
    const char *data_dir;      /**< data folder (uploads, jobs, CSVs to pick); default "." */
    const char *runs_dir;      /**< default <data_dir>/runs */
    const char *snapshots_dir; /**< default <data_dir>/snapshots */
    const char *library_dir;   /**< optional second readable folder (music), or NULL */
    const char *catalog;       /**< SQLite catalog path, or NULL */
    const char *token;         /**< required on every API call when set; mandatory when
                                    @c bind is not a loopback address */
    size_t max_upload_bytes;   /**< largest request body; default 64 MiB */
    unsigned job_threads;      /**< background job workers; default 2 */
    unsigned http_threads;     /**< HTTP worker threads; default 4 */
} mood_server_config;

typedef struct mood_server mood_server;

/** @brief Fill @p c with the documented defaults. */
MOOD_API void mood_server_config_default(mood_server_config *c);

/**
 * @brief Start listening and serving in background threads.
 * @param out receives the server (release with mood_server_stop()).
 * @return ::MOOD_EINVAL (non-loopback bind without a token, bad address), ::MOOD_EIO (cannot
 * listen, data folder not usable), ::MOOD_ENOMEM. Jobs left queued or running by a previous
 * server on the same data folder are marked failed ("interrupted").
 */
MOOD_API mood_status mood_server_start(const mood_server_config *c, mood_server **out);
/** @brief The address to open in a browser ("http://127.0.0.1:8080/"), valid until stop. */
MOOD_API const char *mood_server_url(const mood_server *s);
/** @brief The port actually bound (useful with port 0). */
MOOD_API unsigned mood_server_port(const mood_server *s);
/** @brief Block until mood_cancel_request() is called (SIGINT/SIGTERM in the CLI). */
MOOD_API void mood_server_wait(mood_server *s);
/**
 * @brief Stop accepting requests, cancel running jobs, wait for the workers and release
 * everything; accepts NULL.
 */
MOOD_API void mood_server_stop(mood_server *s);

#ifdef __cplusplus
}
#endif
#endif
