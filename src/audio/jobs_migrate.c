/*
 * `library migrate FROM TO`: copy a catalog's audio library, job queue and analysis runs
 * between backends (SQLite file <-> PostgreSQL, or like to like). Each table is read in
 * primary-key order and inserted into the target inside one transaction; a checksum (FNV-1a over
 * every value, with its type) is taken of the rows read and of the rows read back from the target,
 * and the copy is committed only when counts and checksums agree. A SQLite target is built in a
 * temporary file that is renamed into place; a PostgreSQL target must be empty and is filled in one
 * transaction, so a failed copy leaves nothing behind.
 */
#define _POSIX_C_SOURCE 200809L
#include "library_internal.h"

#include "../core/internal.h"
#include "../store/catalog_internal.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct table_spec {
    const char *name, *cols, *types, *order; /* types: i int, d double, t text, b blob */
} table_spec;

static const table_spec tables[] = {
    {"tracks",
     "id, path, size_bytes, mtime_ns, status, error, analysis_version, analyzed_utc, title, "
     "artist, album, genre, year, track_no, duration_s, codec, sample_rate_hz, channels, "
     "bitrate_bps, report_path",
     "itiittittttttidtiiit", "id"},
    {"analyses", "track_id, analysis_version, key_name, camelot, mood_label, report_json", "iitttt",
     "track_id"},
    {"feature_vectors", "track_id, kind, analysis_version, dims, data", "itiib", "track_id, kind"},
    {"overrides", "track_id, field, value, set_at", "ittt", "track_id, field"},
    {"jobs",
     "id, path, state, worker, lease_until, heartbeat, attempts, error, enqueued, started, "
     "finished",
     "ittdddidddd", "id"},
    {"analysis_runs",
     "id, mode, worker, host, pid, started, finished, status, moodscope_version, "
     "analysis_version, jobs, nice, max_load, max_duration_s, long_files, sample_windows, "
     "sample_window_s, max_memory_mb, path_map, lease_s, poll_s, waiting, files, analysed, "
     "failed, skipped, sampled, limited, audio_s, cpu_s, elapsed_s",
     "itttiddttiiiddtiddtddtiiiiiiddd", "id"},
};

static void fnv(uint64_t *h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        *h ^= b[i];
        *h *= 1099511628211ULL;
    }
}

/* Hash column @p c of the current row and, with @p ins, bind it as parameter c + 1. */
static void take_value(mood_db_stmt *st, int c, char type, uint64_t *h, mood_db_stmt *ins)
{
    char buf[40];
    size_t n = 0;
    const void *b;
    if (mood__db_col_null(st, c)) {
        fnv(h, "N", 1);
        if (ins)
            mood__db_bind_null(ins, c + 1);
        return;
    }
    fnv(h, &type, 1);
    if (type == 'i') {
        int64_t v = mood__db_col_int64(st, c);
        n = (size_t)snprintf(buf, sizeof buf, "%lld", (long long)v);
        fnv(h, buf, n);
        if (ins)
            mood__db_bind_int64(ins, c + 1, v);
    } else if (type == 'd') {
        double v = mood__db_col_double(st, c);
        /* SQLite prints a REAL with 15 significant digits, PostgreSQL with all of them (epoch
         * times with microseconds have 16): values are compared on the 15 both give back. */
        n = (size_t)snprintf(buf, sizeof buf, "%.15g", v);
        fnv(h, buf, n);
        if (ins)
            mood__db_bind_double(ins, c + 1, v);
    } else if (type == 't') {
        const char *v = mood__db_col_text(st, c);
        fnv(h, v, strlen(v) + 1);
        if (ins)
            mood__db_bind_text(ins, c + 1, v);
    } else {
        b = mood__db_col_blob(st, c, &n);
        fnv(h, b, n);
        if (ins)
            mood__db_bind_blob(ins, c + 1, b, n);
    }
}

/* Read every row of @p t from @p src (counting and hashing) and insert it into @p dst. */
static mood_status scan(mood_db *src, mood_db *dst, const table_spec *t, int64_t *out_n,
                        uint64_t *out_h)
{
    char sel[1024], ins_sql[1536], marks[160] = "";
    mood_db_stmt *st = NULL;
    int nc = (int)strlen(t->types), row = 1;
    *out_n = 0;
    *out_h = 1469598103934665603ULL;
    for (int c = 0; c < nc; c++)
        strcat(marks, c ? ", ?" : "?");
    snprintf(sel, sizeof sel, "SELECT %s FROM %s ORDER BY %s", t->cols, t->name, t->order);
    snprintf(ins_sql, sizeof ins_sql, "INSERT INTO %s(%s) VALUES(%s)", t->name, t->cols, marks);
    mood_status s = mood__db_prepare(src, sel, &st);
    while (s == MOOD_OK && (s = mood__db_step(st, &row)) == MOOD_OK && row) {
        mood_db_stmt *ins = NULL;
        if (dst && (s = mood__db_prepare(dst, ins_sql, &ins)) != MOOD_OK)
            break;
        for (int c = 0; c < nc; c++)
            take_value(st, c, t->types[c], out_h, ins);
        if (ins)
            s = mood__db_run(ins);
        mood__db_finalize(ins);
        (*out_n)++;
    }
    mood__db_finalize(st);
    return s;
}

static mood_status copy_all(mood_catalog *from, mood_catalog *to,
                            void (*report)(void *, const char *), void *user)
{
    mood_db *src = mood__catalog_dbh(from), *dst = mood__catalog_dbh(to);
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
        int64_t n1, n2;
        uint64_t h1, h2;
        char line[256];
        mood_status s = scan(src, dst, &tables[i], &n1, &h1);
        if (s == MOOD_OK)
            s = scan(dst, NULL, &tables[i], &n2, &h2);
        if (s != MOOD_OK)
            return s;
        if (n1 != n2 || h1 != h2)
            return mood__error(MOOD_EINTERNAL,
                               "library migrate: %s: %lld rows (checksum %016llx) read, %lld "
                               "(%016llx) in the target; nothing written",
                               tables[i].name, (long long)n1, (unsigned long long)h1, (long long)n2,
                               (unsigned long long)h2);
        snprintf(line, sizeof line, "%s: %lld rows, checksum %016llx (verified)", tables[i].name,
                 (long long)n1, (unsigned long long)h1);
        if (report)
            report(user, line);
    }
    if (mood__catalog_is_pg(to))
        return mood__db_exec(dst, "sequences",
                             "SELECT setval(pg_get_serial_sequence('tracks', 'id'), "
                             "COALESCE((SELECT max(id) FROM tracks), 0) + 1, false);"
                             "SELECT setval(pg_get_serial_sequence('jobs', 'id'), "
                             "COALESCE((SELECT max(id) FROM jobs), 0) + 1, false);"
                             "SELECT setval(pg_get_serial_sequence('analysis_runs', 'id'), "
                             "COALESCE((SELECT max(id) FROM analysis_runs), 0) + 1, false);");
    return MOOD_OK;
}

static mood_status open_migrated(const char *target, mood_catalog **out)
{
    mood_status s = mood_catalog_open(target, out);
    if (s == MOOD_OK && (s = mood__library_migrate(*out)) == MOOD_OK &&
        (s = mood__jobs_migrate(*out)) == MOOD_OK)
        s = mood__runs_migrate(*out);
    if (s != MOOD_OK) {
        mood_catalog_close(*out);
        *out = NULL;
    }
    return s;
}

static mood_status target_empty(mood_catalog *to, const char *name)
{
    mood_db_stmt *st;
    int row = 0;
    mood_status s = mood__db_prepare(mood__catalog_dbh(to),
                                     "SELECT (SELECT count(*) FROM tracks) + (SELECT count(*) "
                                     "FROM jobs)",
                                     &st);
    if (s == MOOD_OK && (s = mood__db_step(st, &row)) == MOOD_OK && row &&
        mood__db_col_int64(st, 0) > 0)
        s = mood__error(MOOD_EINVAL,
                        "library migrate: target %s already holds tracks or jobs (expected an "
                        "empty catalog)",
                        name);
    mood__db_finalize(st);
    return s;
}

static void unlink_sqlite(const char *path)
{
    char p[4200];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

mood_status mood_library_migrate_catalog(const char *from, const char *to,
                                         void (*report)(void *, const char *), void *user)
{
    mood_catalog *src = NULL, *dst = NULL;
    char tmp[4200];
    struct stat sb;
    int to_pg = mood__db_is_pg_target(to);
    if (!to_pg && stat(to, &sb) == 0)
        return mood__error(MOOD_EINVAL, "library migrate: %s exists (expected a new file)", to);
    snprintf(tmp, sizeof tmp, "%s.migrate-%ld", to, (long)getpid());
    mood_status s = open_migrated(from, &src);
    if (s == MOOD_OK)
        s = open_migrated(to_pg ? to : tmp, &dst);
    if (s == MOOD_OK && to_pg)
        s = target_empty(dst, to);
    if (s == MOOD_OK && (s = mood__db_begin(mood__catalog_dbh(dst))) == MOOD_OK) {
        s = copy_all(src, dst, report, user);
        if (s == MOOD_OK)
            s = mood__db_commit(mood__catalog_dbh(dst));
        else
            mood__db_rollback(mood__catalog_dbh(dst));
    }
    mood_catalog_close(src);
    mood_catalog_close(dst);
    if (!to_pg && s == MOOD_OK && rename(tmp, to) != 0)
        s = mood__error(MOOD_EIO, "library migrate: cannot rename %s to %s", tmp, to);
    if (!to_pg && s != MOOD_OK)
        unlink_sqlite(tmp);
    return s;
}
