/*
 * The run metadata of analysis: every `analyze DIR` and every `analyze --worker` writes one
 * analysis_runs row when it starts (status "running") and completes it when it ends: who ran
 * (worker id, host, pid), when (the queue's clock: the PostgreSQL server's now(), the local
 * clock on SQLite), which moodscope and analysis version, the limits it ran under (jobs, nice,
 * max-load, max-duration with the long-files policy and its windows, max-memory, path-map,
 * lease, poll, how idle threads waited) and what it did. `library runs` lists them.
 * A worker killed with SIGKILL leaves its row "running" with no finish time.
 */
#define _POSIX_C_SOURCE 200809L
#include "library_internal.h"

#include "../core/internal.h"
#include "../store/catalog_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define RUN_COLS                                                                                   \
    "mode, worker, host, pid, started, status, moodscope_version, analysis_version, jobs, nice, "  \
    "max_load, max_duration_s, long_files, sample_windows, sample_window_s, max_memory_mb, "       \
    "path_map, lease_s, poll_s, waiting"

static const char *const runs_steps[] = {
    "CREATE TABLE analysis_runs ("
    "  id INTEGER PRIMARY KEY, mode TEXT NOT NULL, worker TEXT NOT NULL, host TEXT, pid INTEGER,"
    "  started REAL NOT NULL, finished REAL, status TEXT NOT NULL, moodscope_version TEXT,"
    "  analysis_version INTEGER, jobs INTEGER, nice INTEGER, max_load REAL, max_duration_s REAL,"
    "  long_files TEXT, sample_windows INTEGER, sample_window_s REAL, max_memory_mb REAL,"
    "  path_map TEXT, lease_s REAL, poll_s REAL, waiting TEXT, files INTEGER, analysed INTEGER,"
    "  failed INTEGER, skipped INTEGER, sampled INTEGER, limited INTEGER, audio_s REAL,"
    "  cpu_s REAL, elapsed_s REAL);",
};
static const char *const runs_steps_pg[] = {
    "CREATE TABLE analysis_runs ("
    "  id BIGSERIAL PRIMARY KEY, mode TEXT NOT NULL, worker TEXT NOT NULL, host TEXT,"
    "  pid BIGINT, started DOUBLE PRECISION NOT NULL, finished DOUBLE PRECISION,"
    "  status TEXT NOT NULL, moodscope_version TEXT, analysis_version INTEGER, jobs INTEGER,"
    "  nice INTEGER, max_load DOUBLE PRECISION, max_duration_s DOUBLE PRECISION,"
    "  long_files TEXT, sample_windows INTEGER, sample_window_s DOUBLE PRECISION,"
    "  max_memory_mb DOUBLE PRECISION, path_map TEXT, lease_s DOUBLE PRECISION,"
    "  poll_s DOUBLE PRECISION, waiting TEXT, files BIGINT, analysed BIGINT, failed BIGINT,"
    "  skipped BIGINT, sampled BIGINT, limited BIGINT, audio_s DOUBLE PRECISION,"
    "  cpu_s DOUBLE PRECISION, elapsed_s DOUBLE PRECISION);",
};

mood_status mood__runs_migrate(mood_catalog *cat)
{
    return mood__catalog_migrate_any(cat, "analysis_runs", runs_steps, runs_steps_pg,
                                     sizeof runs_steps / sizeof *runs_steps);
}

static void bind_limits(mood_db_stmt *st, int first, const lib_run_info *ri)
{
    const mood_worker_options *w = ri->limits;
    char map[8200] = "";
    int i = first;
    if (w && w->path_from && w->path_to)
        snprintf(map, sizeof map, "%s=%s", w->path_from, w->path_to);
    mood__db_bind_int64(st, i++, ri->jobs);
    mood__db_bind_int64(st, i++, getpriority(PRIO_PROCESS, 0));
    mood__db_bind_double(st, i++, w ? w->max_load : 0);
    mood__db_bind_double(st, i++, w ? w->max_duration_s : 0);
    mood__db_bind_text(st, i++, w && w->long_files == MOOD_LONG_FILES_SKIP ? "skip" : "sample");
    mood__db_bind_int64(st, i++, w ? w->sample_windows : 3);
    mood__db_bind_double(st, i++, w ? w->sample_window_s : 60);
    mood__db_bind_double(st, i++, w ? w->max_memory_mb : 0);
    mood__db_bind_text(st, i++, map);
    if (ri->worker_mode && w) {
        mood__db_bind_double(st, i++, w->lease_s);
        mood__db_bind_double(st, i++, w->poll_s);
    } else {
        mood__db_bind_null(st, i++);
        mood__db_bind_null(st, i++);
    }
    mood__db_bind_text(st, i, ri->waiting);
}

mood_status mood__runs_begin(mood_catalog *cat, const lib_run_info *ri, int64_t *out_id)
{
    mood_db_stmt *st;
    char host[128] = "";
    double now = 0;
    int row = 0;
    *out_id = 0;
    mood_status s = mood__runs_migrate(cat);
    if (s == MOOD_OK)
        s = mood__jobs_now(cat, &now);
    if (s == MOOD_OK)
        s = mood__db_prepare(mood__catalog_dbh(cat),
                             "INSERT INTO analysis_runs(" RUN_COLS ") VALUES(?1, ?2, ?3, ?4, ?5, "
                             "'running', ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
                             "?18, ?19) RETURNING id",
                             &st);
    if (s != MOOD_OK)
        return s;
    gethostname(host, sizeof host - 1);
    mood__db_bind_text(st, 1, ri->worker_mode ? "worker" : "analyze");
    mood__db_bind_text(st, 2, ri->worker_id);
    mood__db_bind_text(st, 3, host);
    mood__db_bind_int64(st, 4, (int64_t)getpid());
    mood__db_bind_double(st, 5, now);
    mood__db_bind_text(st, 6, mood_version());
    mood__db_bind_int64(st, 7, MOOD_AUDIO_ANALYSIS_VERSION);
    bind_limits(st, 8, ri);
    s = mood__db_step(st, &row);
    if (s == MOOD_OK && row)
        *out_id = mood__db_col_int64(st, 0);
    mood__db_finalize(st);
    return s;
}

mood_status mood__runs_end(mood_catalog *cat, int64_t id, const mood_analyze_summary *sum,
                           mood_status result)
{
    double now = 0;
    if (id <= 0)
        return MOOD_OK;
    const char *status = result == MOOD_OK          ? "done"
                         : result == MOOD_ECANCELED ? "interrupted"
                                                    : "failed";
    mood_status s = mood__jobs_now(cat, &now);
    if (s != MOOD_OK)
        return s;
    return mood__db_run_sql(mood__catalog_dbh(cat),
                            "UPDATE analysis_runs SET finished = ?1, status = ?2, files = ?3, "
                            "analysed = ?4, failed = ?5, skipped = ?6, sampled = ?7, limited = "
                            "?8, audio_s = ?9, cpu_s = ?10, elapsed_s = ?11 WHERE id = ?12",
                            "dtiiiiiidddi", now, status, (int64_t)sum->files_total,
                            (int64_t)sum->analyzed, (int64_t)sum->failed, (int64_t)sum->skipped,
                            (int64_t)sum->sampled, (int64_t)sum->limited, sum->audio_s, sum->cpu_s,
                            sum->elapsed_s, id);
}

static void copy_text(char *dst, size_t cap, const char *v)
{
    snprintf(dst, cap, "%s", v ? v : "");
}

static void read_run(mood_db_stmt *st, mood_analysis_run *r)
{
    int c = 0;
    r->id = mood__db_col_int64(st, c++);
    copy_text(r->mode, sizeof r->mode, mood__db_col_text(st, c++));
    copy_text(r->worker, sizeof r->worker, mood__db_col_text(st, c++));
    copy_text(r->host, sizeof r->host, mood__db_col_text(st, c++));
    r->pid = mood__db_col_int64(st, c++);
    r->started = mood__db_col_double(st, c++);
    copy_text(r->status, sizeof r->status, mood__db_col_text(st, c++));
    copy_text(r->moodscope_version, sizeof r->moodscope_version, mood__db_col_text(st, c++));
    r->analysis_version = mood__db_col_int(st, c++);
    r->jobs = mood__db_col_int(st, c++);
    r->nice = mood__db_col_int(st, c++);
    r->max_load = mood__db_col_double(st, c++);
    r->max_duration_s = mood__db_col_double(st, c++);
    copy_text(r->long_files, sizeof r->long_files, mood__db_col_text(st, c++));
    r->sample_windows = mood__db_col_int(st, c++);
    r->sample_window_s = mood__db_col_double(st, c++);
    r->max_memory_mb = mood__db_col_double(st, c++);
    copy_text(r->path_map, sizeof r->path_map, mood__db_col_text(st, c++));
    r->lease_s = mood__db_col_double(st, c++);
    r->poll_s = mood__db_col_double(st, c++);
    copy_text(r->waiting, sizeof r->waiting, mood__db_col_text(st, c++));
    r->finished = mood__db_col_double(st, c++);
    r->files = (size_t)mood__db_col_int64(st, c++);
    r->analysed = (size_t)mood__db_col_int64(st, c++);
    r->failed = (size_t)mood__db_col_int64(st, c++);
    r->skipped = (size_t)mood__db_col_int64(st, c++);
    r->sampled = (size_t)mood__db_col_int64(st, c++);
    r->limited = (size_t)mood__db_col_int64(st, c++);
    r->audio_s = mood__db_col_double(st, c++);
    r->cpu_s = mood__db_col_double(st, c++);
    r->elapsed_s = mood__db_col_double(st, c);
}

mood_status mood_library_runs(mood_catalog *cat, size_t limit, mood_analysis_run **out,
                              size_t *out_n)
{
    mood_db_stmt *st;
    int row = 1;
    size_t n = 0;
    mood_analysis_run *v = NULL;
    *out = NULL;
    *out_n = 0;
    if (!cat)
        return mood__error(MOOD_EINVAL, "library runs: no catalog");
    mood_status s = mood__runs_migrate(cat);
    if (s == MOOD_OK)
        s = mood__db_prepare(mood__catalog_dbh(cat),
                             "SELECT * FROM (SELECT id, " RUN_COLS ", finished, files, analysed, "
                             "failed, skipped, sampled, limited, audio_s, cpu_s, elapsed_s FROM "
                             "analysis_runs ORDER BY id DESC LIMIT ?1) r ORDER BY id",
                             &st);
    if (s != MOOD_OK)
        return s;
    mood__db_bind_int64(st, 1, limit ? (int64_t)limit : INT64_MAX);
    while ((s = mood__db_step(st, &row)) == MOOD_OK && row) {
        mood_analysis_run *v2 = mood__realloc(v, (n + 1) * sizeof *v);
        if (!v2) {
            s = mood__enomem("library runs");
            break;
        }
        v = v2;
        memset(&v[n], 0, sizeof v[n]);
        read_run(st, &v[n++]);
    }
    mood__db_finalize(st);
    if (s != MOOD_OK) {
        mood__free(v);
        return s;
    }
    *out = v;
    *out_n = n;
    return MOOD_OK;
}

void mood_library_runs_free(mood_analysis_run *v)
{
    mood__free(v);
}
