/*
 * Private pieces of the embedded server shared by http.c (transport), paths.c (confinement),
 * jobs.c (background jobs) and the api_*.c route files. Never installed.
 */
#ifndef MOOD_SERVER_INTERNAL_H
#define MOOD_SERVER_INTERNAL_H

#include <moodscope/server.h>

#include <jansson.h>
#include <pthread.h>
#include <stddef.h>

struct MHD_Connection;

/* The generated table of embedded web files (cmake/embed_web.cmake); NULL path terminates. */
typedef struct mood_web_asset {
    const char *path;
    const unsigned char *data;
    size_t size;
    const char *type;
} mood_web_asset;
extern const mood_web_asset mood__web_assets[];

typedef struct srv_jobs srv_jobs;
typedef struct srv_job srv_job;

/* Resolved, absolute folders and settings of a running server. */
struct mood_server {
    struct MHD_Daemon *daemon;
    char *bind, *token, *url;
    unsigned port;
    char *data_dir;      /* realpath */
    char *runs_dir;      /* realpath (created at start) */
    char *snapshots_dir; /* realpath (created at start) */
    char *library_dir;   /* realpath or NULL */
    char *catalog;       /* path or NULL */
    char *uploads_dir, *jobs_dir, *predictions_dir;
    size_t max_upload_bytes;
    size_t inflight_bytes; /* request bodies being received, all connections (atomic) */
    int loopback;
    srv_jobs *jobs;
    pthread_mutex_t uploads_lock; /* choosing a free upload name and writing it */
    char *playlists_dir;
    struct srv_library *library; /* the open track space (api_library.c), or NULL */
    pthread_rwlock_t library_lock;
};

/* One API request, after transport-level checks. */
typedef struct srv_request {
    struct MHD_Connection *conn;
    const char *method; /* "GET", "POST", "DELETE" */
    const char *path;   /* after "/api/v1", e.g. "/runs/abc/files/model.json" */
    const char *body;   /* NUL-terminated copy of the request body (may contain NULs) */
    size_t body_len;
} srv_request;

/* The response a route fills: a memory body or a file descriptor. */
typedef struct srv_response {
    unsigned status;
    char *body; /* mood__malloc'd, owned */
    size_t len;
    const char *type;
    int fd; /* >= 0: send this file (owned), len bytes */
    char disposition[300];
} srv_response;

/* ---- responses (http.c) ---------------------------------------------------------------- */
/* Replace bytes that are not valid UTF-8 by '?', in place. */
void mood__srv_utf8_sanitize(char *s);
/* json_string() of text that may not be UTF-8 (file names, CSV headers, request echoes). */
json_t *mood__srv_jstr(const char *s);
/* JSON body from @p j (reference stolen); status as given. */
void mood__srv_json(srv_response *rs, unsigned status, json_t *j);
/* JSON text already formatted (copied). */
void mood__srv_json_text(srv_response *rs, unsigned status, const char *text);
/* {"error": {"status": s, "code": code, "message": ...}} */
void mood__srv_error(srv_response *rs, unsigned status, const char *code, const char *fmt, ...)
    MOOD_PRINTF(4, 5);
/* Map a library status and mood_last_error() to an HTTP error (EINVAL/EDIM/EFORMAT 400,
 * ENOTFOUND 404, ECANCELED 409, the rest 500). */
void mood__srv_status_error(srv_response *rs, mood_status st, const char *context);
/* CSV reader failure: 400 with "line" and "column" parsed from the message when present. */
void mood__srv_csv_error(srv_response *rs, mood_status st, const char *name);
/* Send file @p path (already confined) as @p type; @p download_name sets an attachment. */
void mood__srv_file(srv_response *rs, const char *path, const char *type,
                    const char *download_name);
/* Query-string argument or NULL. */
const char *mood__srv_query(const srv_request *rq, const char *key);
/* Parse the body as a JSON object; on failure fills a 400 in @p rs and returns NULL. */
json_t *mood__srv_body_json(const srv_request *rq, srv_response *rs);
/* Content type of a file name by extension. */
const char *mood__srv_mime(const char *name);

/* ---- paths (paths.c) ------------------------------------------------------------------- */
/* Non-zero when @p name is a safe single path component ([A-Za-z0-9._-], not starting with a
 * dot, 1..max_len bytes). */
int mood__srv_safe_name(const char *name, size_t max_len);
/*
 * Resolve @p rel (relative, no "..") under @p root and check that the real path stays inside
 * it (symlinks out are refused). On success *out is a mood__malloc'd real path. On failure the
 * response gets 403 (escape attempt) or 404 (does not exist) and *out is NULL.
 */
int mood__srv_confine(const char *root, const char *rel, char **out, srv_response *rs);
/* Resolve @p rel under the data folder or, when it starts with "library/", the library
 * folder. Same contract as mood__srv_confine(). */
int mood__srv_confine_data(const mood_server *s, const char *rel, char **out, srv_response *rs);
/* Send the file @p name of the data folder's @p sub folder ("history", "mixes"): 403 when
 * @p name is not a safe single path component, 404 when it does not exist. */
void mood__srv_data_file(const mood_server *s, const char *sub, const char *name, srv_response *rs);
/* Turn an arbitrary upload file name into a safe one ending in .csv or .tsv (buf ≥ 96). */
void mood__srv_sanitize_upload_name(const char *name, char *buf, size_t cap);
/* Split an API path ("/runs/x/files/y") into at most @p max segments of < 256 bytes each;
 * returns the count, or max + 1 when there are more segments or one is too long. */
size_t mood__srv_split(const char *path, char segs[][256], size_t max);
/* Join two path pieces into a mood__malloc'd string. */
char *mood__srv_join(const char *a, const char *b);

/* ---- jobs (jobs.c) --------------------------------------------------------------------- */
/* The work of a job: returns MOOD_OK and sets a result, or an error status (message in
 * mood_last_error()). It reports progress through mood__srv_job_progress(j, ...). */
typedef mood_status (*srv_job_fn)(srv_job *j, void *arg);

mood_status mood__srv_jobs_create(const char *dir, unsigned threads, srv_jobs **out);
void mood__srv_jobs_destroy(srv_jobs *js);
/* Queue a job; @p arg is released with @p free_arg when the job ends (or on failure here). */
mood_status mood__srv_jobs_submit(srv_jobs *js, const char *kind, json_t *params, srv_job_fn fn,
                                  void *arg, void (*free_arg)(void *), char *out_id, size_t cap);
/* The job as JSON (new reference) or NULL when unknown. */
json_t *mood__srv_jobs_get(srv_jobs *js, const char *id);
/* Queue a job of @p kind (mood__srv_jobs_submit, with a copy of the request @p body as its
 * params) and answer 202 with the job, or 500 ENOMEM. */
void mood__srv_job_accepted(mood_server *s, srv_response *rs, const char *kind, const json_t *body,
                            srv_job_fn fn, void *arg, void (*free_arg)(void *));
/* Every job, newest first (new reference). */
json_t *mood__srv_jobs_list(srv_jobs *js);
/* Ask a job to stop; *out_finished is 1 when it had already finished (nothing to stop).
 * MOOD_ENOTFOUND (with a message) for an unknown id. */
mood_status mood__srv_jobs_cancel(srv_jobs *js, const char *id, int *out_finished);
/* mood_progress_fn for a job: records stage and fraction, returns non-zero once canceled. */
int mood__srv_job_progress(void *job, const char *stage, double done, double total);
/* Attach the result object (reference stolen) shown when the job is done. */
void mood__srv_job_set_result(srv_job *j, json_t *result);

/* ---- routes (api_*.c) ------------------------------------------------------------------ */
/* Dispatch one API request; fills @p rs. */
void mood__srv_api_dispatch(mood_server *s, const srv_request *rq, srv_response *rs);
/* Explore, runs, compare, snapshots and predictions (api_explore.c); return 1 when handled. */
int mood__srv_api_explore(mood_server *s, const srv_request *rq, srv_response *rs);
/* Jobs (api_jobs.c); return 1 when handled. */
int mood__srv_api_jobs(mood_server *s, const srv_request *rq, srv_response *rs);
/* Library, recommendations and playlists (api_library.c); return 1 when handled. */
int mood__srv_api_library(mood_server *s, const srv_request *rq, srv_response *rs);
/* Queue a library analysis job from a POST /jobs body of kind "analyze". */
void mood__srv_submit_analyze(mood_server *s, json_t *body, srv_response *rs);
/* Queue a DJ transition render from a POST /jobs body of kind "mix". */
void mood__srv_submit_mix(mood_server *s, json_t *body, srv_response *rs);
/* History uploads, dashboard and files (api_history.c); return 1 when handled. */
int mood__srv_api_history(mood_server *s, const srv_request *rq, srv_response *rs);
/* Queue the history pipeline from a POST /jobs body of kind "history". */
void mood__srv_submit_history(mood_server *s, json_t *body, srv_response *rs);
/* Release the open track space; accepts a server without one. */
void mood__srv_library_close(mood_server *s);

#endif
