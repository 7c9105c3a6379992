/*
 * Catalog side of the analysed library (library_store.c), used by the parallel driver
 * (analyze.c). Never installed.
 */
#ifndef MOOD_LIBRARY_INTERNAL_H
#define MOOD_LIBRARY_INTERNAL_H

#include "library_store.h"

#include <moodscope/library.h>

#include <stdint.h>

/* A queue job held by a worker: its end is recorded only while the lease is still ours. */
typedef struct lib_fence {
    int64_t job_id;
    const char *worker;
} lib_fence;

/* The fenced forms of mood__library_store_ok/_failed (library_store.h): with @p fence (may be
 * NULL) the job's end goes in the same transaction (ENOTFOUND and nothing written when the
 * lease was lost). */
mood_status mood__library_store_ok_fenced(mood_catalog *cat, const char *path, int64_t size_bytes,
                                          int64_t mtime_ns, const mood_audio_result *r,
                                          const char *report_json, const char *report_path,
                                          const lib_fence *fence);
mood_status mood__library_store_failed_fenced(mood_catalog *cat, const char *path,
                                              int64_t size_bytes, int64_t mtime_ns,
                                              const char *reason, const lib_fence *fence);

/* ---- Work queue (jobs.c) ---- */

typedef struct lib_claim {
    int found;
    int64_t job_id;
    int attempts; /* including this one */
    char path[4096];
} lib_claim;

mood_status mood__jobs_migrate(mood_catalog *cat);
double mood__wall_now(void);
/* The queue's clock: the PostgreSQL server's now(), or the local clock on SQLite. */
mood_status mood__jobs_now(mood_catalog *cat, double *out_s);
/* The channel idle workers LISTEN on; NOTIFY it after queueing work (no-op on SQLite). */
#define MOOD_JOBS_CHANNEL "moodscope_jobs"
mood_status mood__jobs_notify(mood_catalog *cat);
/* Queue @p path at time @p now (mood__jobs_now) (*out_added = 1), or leave a queued/running
 * job as it is (0). */
mood_status mood__jobs_add(mood_catalog *cat, const char *path, double now, int *out_added);
/* Claim the next job in one transaction; out->found = 0 when there is none. */
mood_status mood__jobs_claim(mood_catalog *cat, const char *worker, double lease_s,
                             int max_attempts, lib_claim *out);
/* Renew the leases of every job @p worker is running. */
mood_status mood__jobs_heartbeat(mood_catalog *cat, const char *worker, double lease_s);
/* End a job (state "done" or "failed"); ENOTFOUND when the lease is no longer ours. */
mood_status mood__jobs_finish(mood_catalog *cat, const lib_fence *f, const char *state,
                              const char *error);
/* Put a job this worker holds back in the queue (an interrupted worker), with NOTIFY. */
mood_status mood__jobs_release(mood_catalog *cat, const lib_fence *f);

/* ---- Waiting for work (jobs_wait.c) ---- */

/*
 * Idle worker threads wait here for new jobs. On PostgreSQL one listener connection LISTENs
 * on MOOD_JOBS_CHANNEL: one thread at a time waits on its socket, the others on a condition
 * variable, and every notification bumps a generation counter that wakes them all. On SQLite
 * (or when LISTEN fails) the wait is a sleep: workers poll.
 */
typedef struct lib_waiter lib_waiter;
/* Open the waiter of @p cat (a listener on PostgreSQL); *out_listening = 1 when it LISTENs. */
mood_status mood__waiter_create(mood_catalog *cat, lib_waiter **out, int *out_listening);
void mood__waiter_destroy(lib_waiter *w);
/* The generation: read it before looking at the queue, pass it to mood__waiter_wait(). */
uint64_t mood__waiter_gen(lib_waiter *w);
/* Wait until a notification newer than @p seen arrives, @p timeout_s pass, or a cancel is
 * requested; 1 when woken by a notification. */
int mood__waiter_wait(lib_waiter *w, uint64_t seen, double timeout_s);

/* ---- Run metadata (jobs_runs.c) ---- */

typedef struct lib_run_info {
    int worker_mode;                   /* analyze --worker (1) or analyze PATH (0) */
    const char *worker_id;             /* "host:pid" or --worker-id */
    int jobs;                          /* threads */
    const mood_worker_options *limits; /* may be NULL */
    const char *waiting;               /* "listen", "poll", or NULL */
} lib_run_info;
mood_status mood__runs_migrate(mood_catalog *cat);
/* Insert the run's row (status "running") with its limits; *out_id its id. */
mood_status mood__runs_begin(mood_catalog *cat, const lib_run_info *ri, int64_t *out_id);
/* Complete the row: finish time, status (done, interrupted, failed) and the counts. */
mood_status mood__runs_end(mood_catalog *cat, int64_t id, const mood_analyze_summary *sum,
                           mood_status result);

/* ---- Limits (jobs_limits.c) ---- */
mood_status mood__audio_probe_duration(const char *path, double *out_s);
double mood__analysis_memory_mb(double duration_s, int rate_hz);
/* How a file is analysed under the limits: whole, refused (the reason in @p buf), or sampled
 * from @p plan's windows (--long-files sample, when longer than --max-duration or when its
 * whole analysis would pass --max-memory). */
enum { LIB_LIMITS_WHOLE = 0, LIB_LIMITS_REFUSE = 1, LIB_LIMITS_SAMPLE = 2 };
typedef struct lib_sample_plan {
    size_t n;
    double window_s;
} lib_sample_plan;
int mood__limits_check(const mood_worker_options *w, int rate_hz, const char *path, char *buf,
                       size_t cap, lib_sample_plan *plan);
int mood__limits_wait_load(const mood_worker_options *w);

/* Jobs queued or running. */
mood_status mood__jobs_open_count(mood_catalog *cat, int64_t *out_n);

/* ---- User overrides (library_fix.c) ---- */

#include "../store/db_internal.h"

/* A track's user overrides: which are set (MOOD_FIX_* bits) and their values. */
typedef struct lib_override {
    unsigned set;
    float tempo_bpm;
    int key_index, mode;
    int beats_per_bar, compound;
} lib_override;

/* Three result columns (tempo_bpm, key, meter override texts, NULL when unset) of the tracks
 * row aliased "t"; read them back with mood__library_override_read(). */
#define LIB_OVERRIDE_COLS                                                                          \
    "(SELECT value FROM overrides o WHERE o.track_id = t.id AND o.field = 'tempo_bpm'), "          \
    "(SELECT value FROM overrides o WHERE o.track_id = t.id AND o.field = 'key'), "                \
    "(SELECT value FROM overrides o WHERE o.track_id = t.id AND o.field = 'meter')"

/* Parse the LIB_OVERRIDE_COLS columns starting at @p col; values that do not parse are ignored. */
void mood__library_override_read(mood_db_stmt *st, int col, lib_override *out);
/* Put the overridden values into @p values (MOOD_AF_COUNT scalars): the value, confidence 1. */
void mood__library_override_apply(const lib_override *o, float *values);
/* The report JSON with the overrides applied and marked (source "user"), as a new string. */
mood_status mood__library_override_report(const char *report_json, const lib_override *o,
                                          char **out);
/* "4/4", "3/4", "6/8" of a metre; "" when beats_per_bar is not positive. */
void mood__meter_name(int beats_per_bar, int compound, char *buf, size_t cap);
/*
 * The id of @p track: catalog id, exact path (a relative path of an existing file is made
 * absolute), or a case-insensitive substring of the path or title matching exactly one track.
 * ENOTFOUND when nothing matches, EINVAL (listing some) when several do.
 */
mood_status mood__library_resolve(mood_catalog *cat, const char *track, int64_t *out_id);

#endif
