/*
 * The shared work queue in the catalog: the jobs table, enqueueing, claiming with a lease,
 * the heartbeat that renews it, the fenced end of a job, and the counts of `library jobs`.
 *
 * A job is claimed in a short transaction: on PostgreSQL `SELECT ... FOR UPDATE SKIP LOCKED`
 * lets concurrent workers each take a different row without waiting; on SQLite BEGIN
 * IMMEDIATE serialises the claims of local processes. The claim sets worker and lease_until;
 * the end of a job (done or failed) is written only where worker is still this worker and
 * state still running, inside the transaction that records the track, so a worker whose lease
 * was taken over cannot record the file a second time.
 *
 * Times (seconds since the epoch) come from the database: on PostgreSQL the server's now(),
 * so workers on machines whose clocks disagree still agree on when a lease expires; on SQLite
 * (one machine) the local clock. Enqueueing and releasing a job NOTIFY the channel
 * MOOD_JOBS_CHANNEL, on which idle workers LISTEN (jobs_wait.c).
 */
#define _POSIX_C_SOURCE 200809L
#include "library_internal.h"

#include "../core/internal.h"
#include "../store/catalog_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

static const char *const jobs_steps[] = {
    "CREATE TABLE jobs ("
    "  id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE,"
    "  state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),"
    "  worker TEXT, lease_until REAL, heartbeat REAL, attempts INTEGER NOT NULL DEFAULT 0,"
    "  error TEXT, enqueued REAL NOT NULL, started REAL, finished REAL);"
    "CREATE INDEX jobs_state ON jobs(state, id);",
};
static const char *const jobs_steps_pg[] = {
    "CREATE TABLE jobs ("
    "  id BIGSERIAL PRIMARY KEY, path TEXT NOT NULL UNIQUE,"
    "  state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),"
    "  worker TEXT, lease_until DOUBLE PRECISION, heartbeat DOUBLE PRECISION,"
    "  attempts INTEGER NOT NULL DEFAULT 0, error TEXT, enqueued DOUBLE PRECISION NOT NULL,"
    "  started DOUBLE PRECISION, finished DOUBLE PRECISION);"
    "CREATE INDEX jobs_state ON jobs(state, id);",
};

mood_status mood__jobs_migrate(mood_catalog *cat)
{
    return mood__catalog_migrate_any(cat, "jobs", jobs_steps, jobs_steps_pg,
                                     sizeof jobs_steps / sizeof *jobs_steps);
}

double mood__wall_now(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + 1e-6 * (double)tv.tv_usec;
}

void mood_worker_options_default(mood_worker_options *o)
{
    memset(o, 0, sizeof *o);
    o->lease_s = 60;
    o->max_attempts = 3;
    o->poll_s = 1;
    o->long_files = MOOD_LONG_FILES_SAMPLE;
    o->sample_windows = 3;
    o->sample_window_s = 60;
}

mood_status mood__jobs_now(mood_catalog *cat, double *out_s)
{
    if (!mood__catalog_is_pg(cat)) {
        *out_s = mood__wall_now();
        return MOOD_OK;
    }
    return mood__db_server_now(mood__catalog_dbh(cat), out_s);
}

mood_status mood__jobs_notify(mood_catalog *cat)
{
    return mood__db_notify(mood__catalog_dbh(cat), MOOD_JOBS_CHANNEL);
}

static mood_status prep(mood_catalog *cat, const char *sql, mood_db_stmt **st)
{
    return mood__db_prepare(mood__catalog_dbh(cat), sql, st);
}

mood_status mood__jobs_add(mood_catalog *cat, const char *path, double now, int *out_added)
{
    mood_db *db = mood__catalog_dbh(cat);
    mood_status s =
        mood__db_run_sql(db,
                         "INSERT INTO jobs(path, state, attempts, enqueued) VALUES(?1, 'queued', "
                         "0, ?2) ON CONFLICT(path) DO UPDATE SET state = 'queued', attempts = 0, "
                         "error = NULL, worker = NULL, enqueued = ?2 WHERE jobs.state IN "
                         "('done', 'failed')",
                         "td", path, now);
    *out_added = s == MOOD_OK && mood__db_changes(db) > 0;
    return s;
}

/* Jobs whose worker was lost max_attempts times: failed, with the reason. */
static mood_status fail_abandoned(mood_catalog *cat, double now, int max_attempts)
{
    return mood__db_run_sql(mood__catalog_dbh(cat),
                            "UPDATE jobs SET state = 'failed', finished = ?1, error = 'worker lost "
                            "during ' || attempts || ' attempts (lease expired)' WHERE state = "
                            "'running' AND lease_until < ?1 AND attempts >= ?2",
                            "di", now, (int64_t)max_attempts);
}

/* The next claimable job (queued, or running with an expired lease), locked on PostgreSQL. */
static mood_status pick(mood_catalog *cat, double now, lib_claim *out)
{
    mood_db_stmt *st;
    int row = 0;
    const char *sql = mood__catalog_is_pg(cat)
                          ? "SELECT id, path, attempts FROM jobs WHERE state = 'queued' OR "
                            "(state = 'running' AND lease_until < ?1) ORDER BY id LIMIT 1 "
                            "FOR UPDATE SKIP LOCKED"
                          : "SELECT id, path, attempts FROM jobs WHERE state = 'queued' OR "
                            "(state = 'running' AND lease_until < ?1) ORDER BY id LIMIT 1";
    mood_status s = prep(cat, sql, &st);
    if (s != MOOD_OK)
        return s;
    mood__db_bind_double(st, 1, now);
    s = mood__db_step(st, &row);
    if (s == MOOD_OK && row) {
        out->found = 1;
        out->job_id = mood__db_col_int64(st, 0);
        snprintf(out->path, sizeof out->path, "%s", mood__db_col_text(st, 1));
        out->attempts = mood__db_col_int(st, 2) + 1;
    }
    mood__db_finalize(st);
    return s;
}

static mood_status take(mood_catalog *cat, const lib_claim *c, const char *worker, double now,
                        double lease_s)
{
    return mood__db_run_sql(mood__catalog_dbh(cat),
                            "UPDATE jobs SET state = 'running', worker = ?1, lease_until = ?2, "
                            "heartbeat = ?3, started = ?3, attempts = attempts + 1, error = NULL "
                            "WHERE id = ?4",
                            "tddi", worker, now + lease_s, now, c->job_id);
}

mood_status mood__jobs_claim(mood_catalog *cat, const char *worker, double lease_s,
                             int max_attempts, lib_claim *out)
{
    mood_db *db = mood__catalog_dbh(cat);
    double now = 0;
    memset(out, 0, sizeof *out);
    mood_status s = mood__db_begin(db);
    if (s != MOOD_OK)
        return s;
    s = mood__jobs_now(cat, &now);
    if (s == MOOD_OK)
        s = fail_abandoned(cat, now, max_attempts);
    if (s == MOOD_OK)
        s = pick(cat, now, out);
    if (s == MOOD_OK && out->found)
        s = take(cat, out, worker, now, lease_s);
    if (s != MOOD_OK) {
        mood__db_rollback(db);
        return s;
    }
    return mood__db_commit(db);
}

mood_status mood__jobs_heartbeat(mood_catalog *cat, const char *worker, double lease_s)
{
    double now = 0;
    mood_status s = mood__jobs_now(cat, &now);
    if (s != MOOD_OK)
        return s;
    return mood__db_run_sql(mood__catalog_dbh(cat),
                            "UPDATE jobs SET heartbeat = ?1, lease_until = ?2 WHERE worker = ?3 "
                            "AND state = 'running'",
                            "ddt", now, now + lease_s, worker);
}

mood_status mood__jobs_finish(mood_catalog *cat, const lib_fence *f, const char *state,
                              const char *error)
{
    mood_db *db = mood__catalog_dbh(cat);
    double now = 0;
    mood_status s = mood__jobs_now(cat, &now);
    if (s == MOOD_OK)
        s = mood__db_run_sql(db,
                             "UPDATE jobs SET state = ?1, error = ?2, finished = ?3 WHERE id = ?4 "
                             "AND worker = ?5 AND state = 'running'",
                             "ttdit", state, error, now, f->job_id, f->worker);
    if (s == MOOD_OK && mood__db_changes(db) != 1)
        s = mood__error(MOOD_ENOTFOUND,
                        "job %lld: lease lost (another worker took it over); not recorded here",
                        (long long)f->job_id);
    return s;
}

mood_status mood__jobs_release(mood_catalog *cat, const lib_fence *f)
{
    mood_status s =
        mood__db_run_sql(mood__catalog_dbh(cat),
                         "UPDATE jobs SET state = 'queued', worker = NULL, lease_until = NULL, "
                         "attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END "
                         "WHERE id = ?1 AND worker = ?2 AND state = 'running'",
                         "it", f->job_id, f->worker);
    if (s == MOOD_OK)
        s = mood__jobs_notify(cat);
    return s;
}

mood_status mood__jobs_open_count(mood_catalog *cat, int64_t *out_n)
{
    mood_db_stmt *st;
    int row = 0;
    *out_n = 0;
    mood_status s =
        prep(cat, "SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')", &st);
    if (s != MOOD_OK)
        return s;
    s = mood__db_step(st, &row);
    if (s == MOOD_OK && row)
        *out_n = mood__db_col_int64(st, 0);
    mood__db_finalize(st);
    return s;
}
