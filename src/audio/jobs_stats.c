/*
 * `library jobs`: the queue's counts by state, the running jobs by worker, the rate over the
 * last ten minutes and the ETA it implies, and the failed jobs with their errors.
 */
#define _POSIX_C_SOURCE 200809L
#include "library_internal.h"

#include "../core/internal.h"
#include "../store/catalog_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mood_jobs_stats_free(mood_jobs_stats *s)
{
    for (size_t i = 0; i < s->n_workers; i++)
        mood__free(s->workers[i]);
    for (size_t i = 0; i < s->n_failures; i++)
        mood__free(s->failures[i]);
    mood__free(s->workers);
    mood__free(s->failures);
    memset(s, 0, sizeof *s);
}

static mood_status push_line(char ***v, size_t *n, const char *a, const char *b)
{
    size_t len = strlen(a) + strlen(b) + 3;
    char **v2 = mood__realloc(*v, (*n + 1) * sizeof(char *));
    if (!v2)
        return mood__enomem("library jobs");
    *v = v2;
    if (!(v2[*n] = mood__malloc(len)))
        return mood__enomem("library jobs");
    snprintf(v2[*n], len, "%s: %s", a, b);
    (*n)++;
    return MOOD_OK;
}

/* Run @p sql (two columns: text, text) and add "a: b" lines. */
static mood_status lines(mood_catalog *cat, const char *sql, char ***v, size_t *n)
{
    mood_db_stmt *st;
    int row = 1;
    mood_status s = mood__db_prepare(mood__catalog_dbh(cat), sql, &st);
    while (s == MOOD_OK && (s = mood__db_step(st, &row)) == MOOD_OK && row) {
        const char *a = mood__db_col_text(st, 0), *b = mood__db_col_text(st, 1);
        s = push_line(v, n, a ? a : "?", b ? b : "");
    }
    mood__db_finalize(st);
    return s;
}

static mood_status counts(mood_catalog *cat, double now, mood_jobs_stats *out)
{
    mood_db_stmt *st;
    int row = 0;
    mood_status s = mood__db_prepare(
        mood__catalog_dbh(cat),
        "SELECT sum(CASE WHEN state = 'queued' THEN 1 ELSE 0 END), sum(CASE WHEN state = "
        "'running' THEN 1 ELSE 0 END), sum(CASE WHEN state = 'done' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN state = 'failed' THEN 1 ELSE 0 END), sum(CASE WHEN state = 'done' AND "
        "finished > ?1 THEN 1 ELSE 0 END), min(CASE WHEN state = 'done' AND finished > ?1 "
        "THEN started END), max(CASE WHEN state = 'done' AND finished > ?1 THEN finished END) "
        "FROM jobs",
        &st);
    if (s != MOOD_OK)
        return s;
    mood__db_bind_double(st, 1, now - 600);
    s = mood__db_step(st, &row);
    if (s == MOOD_OK && row) {
        out->queued = (size_t)mood__db_col_int64(st, 0);
        out->running = (size_t)mood__db_col_int64(st, 1);
        out->done = (size_t)mood__db_col_int64(st, 2);
        out->failed = (size_t)mood__db_col_int64(st, 3);
        out->done_last_10min = (size_t)mood__db_col_int64(st, 4);
        double span = mood__db_col_double(st, 6) - mood__db_col_double(st, 5);
        if (out->done_last_10min > 0 && span > 0)
            out->rate_per_min = 60.0 * (double)out->done_last_10min / span;
        if (out->rate_per_min > 0)
            out->eta_s = 60.0 * (double)(out->queued + out->running) / out->rate_per_min;
    }
    mood__db_finalize(st);
    return s;
}

mood_status mood_library_jobs_stats(mood_catalog *cat, mood_jobs_stats *out)
{
    memset(out, 0, sizeof *out);
    double now = 0;
    mood_status s = mood__jobs_migrate(cat);
    if (s == MOOD_OK)
        s = mood__jobs_now(cat, &now);
    if (s == MOOD_OK)
        s = counts(cat, now, out);
    if (s == MOOD_OK)
        s = lines(cat,
                  "SELECT worker, count(*) || ' running' FROM jobs WHERE state = 'running' "
                  "GROUP BY worker ORDER BY worker",
                  &out->workers, &out->n_workers);
    if (s == MOOD_OK)
        s = lines(cat, "SELECT path, error FROM jobs WHERE state = 'failed' ORDER BY id LIMIT 20",
                  &out->failures, &out->n_failures);
    if (s != MOOD_OK)
        mood_jobs_stats_free(out);
    return s;
}
