/*
 * The analysed library in the SQLite catalog: schema, per-track writes (one transaction per
 * track), and the read side: export table, list, show, stats. Every reader applies the user
 * overrides (library_fix.c) to what it returns.
 */
#define _POSIX_C_SOURCE 200809L
#include "library_internal.h"

#include "../core/clock.h"
#include "../core/internal.h"
#include "../store/catalog_internal.h"
#include "audio_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const char *const track_steps[] = {
    /* v1 */
    "CREATE TABLE tracks ("
    "  id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, size_bytes INTEGER NOT NULL,"
    "  mtime_ns INTEGER NOT NULL, status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),"
    "  error TEXT, analysis_version INTEGER NOT NULL, analyzed_utc TEXT NOT NULL,"
    "  title TEXT, artist TEXT, album TEXT, genre TEXT, year INTEGER, track_no INTEGER,"
    "  duration_s REAL, codec TEXT, sample_rate_hz INTEGER, channels INTEGER,"
    "  bitrate_bps INTEGER, report_path TEXT);"
    "CREATE TABLE analyses ("
    "  track_id INTEGER PRIMARY KEY REFERENCES tracks(id) ON DELETE CASCADE,"
    "  analysis_version INTEGER NOT NULL, key_name TEXT, camelot TEXT, mood_label TEXT,"
    "  report_json TEXT NOT NULL);"
    "CREATE TABLE feature_vectors ("
    "  track_id INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,"
    "  kind TEXT NOT NULL, analysis_version INTEGER NOT NULL, dims INTEGER NOT NULL,"
    "  data BLOB NOT NULL, PRIMARY KEY (track_id, kind));",
    /* v2: user corrections (library set), keyed by track so that they survive re-analysis. */
    "CREATE TABLE overrides ("
    "  track_id INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,"
    "  field TEXT NOT NULL CHECK (field IN ('tempo_bpm', 'key', 'meter')),"
    "  value TEXT NOT NULL, set_at TEXT NOT NULL, PRIMARY KEY (track_id, field));",
};

/* The same tables in PostgreSQL types; instr() is SQLite's, which the shared SQL uses. */
static const char *const track_steps_pg[] = {
    /* v1 */
    "CREATE TABLE tracks ("
    "  id BIGSERIAL PRIMARY KEY, path TEXT NOT NULL UNIQUE, size_bytes BIGINT NOT NULL,"
    "  mtime_ns BIGINT NOT NULL, status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),"
    "  error TEXT, analysis_version INTEGER NOT NULL, analyzed_utc TEXT NOT NULL,"
    "  title TEXT, artist TEXT, album TEXT, genre TEXT, year INTEGER, track_no INTEGER,"
    "  duration_s DOUBLE PRECISION, codec TEXT, sample_rate_hz INTEGER, channels INTEGER,"
    "  bitrate_bps BIGINT, report_path TEXT);"
    "CREATE TABLE analyses ("
    "  track_id BIGINT PRIMARY KEY REFERENCES tracks(id) ON DELETE CASCADE,"
    "  analysis_version INTEGER NOT NULL, key_name TEXT, camelot TEXT, mood_label TEXT,"
    "  report_json TEXT NOT NULL);"
    "CREATE TABLE feature_vectors ("
    "  track_id BIGINT NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,"
    "  kind TEXT NOT NULL, analysis_version INTEGER NOT NULL, dims INTEGER NOT NULL,"
    "  data BYTEA NOT NULL, PRIMARY KEY (track_id, kind));"
    "CREATE OR REPLACE FUNCTION instr(text, text) RETURNS integer"
    "  AS 'SELECT strpos($1, $2)' LANGUAGE sql IMMUTABLE;",
    /* v2 */
    "CREATE TABLE overrides ("
    "  track_id BIGINT NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,"
    "  field TEXT NOT NULL CHECK (field IN ('tempo_bpm', 'key', 'meter')),"
    "  value TEXT NOT NULL, set_at TEXT NOT NULL, PRIMARY KEY (track_id, field));",
};

mood_status mood__library_migrate(mood_catalog *cat)
{
    return mood__catalog_migrate_any(cat, "tracks", track_steps, track_steps_pg,
                                     sizeof track_steps / sizeof *track_steps);
}

static mood_status prep(mood_catalog *cat, const char *sql, mood_db_stmt **st)
{
    return mood__db_prepare(mood__catalog_dbh(cat), sql, st);
}

mood_status mood__library_lookup(mood_catalog *cat, const char *path, lib_known *out)
{
    mood_db_stmt *st;
    mood_status s;
    memset(out, 0, sizeof *out);
    s = prep(cat,
             "SELECT size_bytes, mtime_ns, analysis_version, status = 'ok' FROM tracks "
             "WHERE path = ?",
             &st);
    if (s != MOOD_OK)
        return s;
    mood__db_bind_text(st, 1, path);
    int rc = mood__db_step_rc(st);
    if (rc == MOOD_DB_ROW) {
        out->found = 1;
        out->size_bytes = mood__db_col_int64(st, 0);
        out->mtime_ns = mood__db_col_int64(st, 1);
        out->analysis_version = mood__db_col_int(st, 2);
        out->ok = mood__db_col_int(st, 3);
    } else if (rc != MOOD_DB_DONE) {
        s = mood__catalog_error(cat, "lookup");
    }
    mood__db_finalize(st);
    return s;
}

mood_status mood_library_retagged(mood_catalog *cat, const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return mood__error(MOOD_EIO, "%s: %s", path, strerror(errno));
    return mood__db_run_sql(mood__catalog_dbh(cat),
                            "UPDATE tracks SET size_bytes = ?, mtime_ns = ? WHERE path = ?", "iit",
                            (int64_t)sb.st_size,
                            (int64_t)(sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec), path);
}

/* Insert or update the tracks row of @p path and return its id. */
static mood_status upsert_track(mood_catalog *cat, const char *path, int64_t size, int64_t mtime,
                                const char *status, const char *error, const mood_audio_info *in,
                                const char *report_path, int64_t *out_id)
{
    mood_db_stmt *st;
    mood_status s;
    char now[32];
    mood__utc_now(now, sizeof now, NULL, 0);
    s = prep(cat,
             "INSERT INTO tracks(path, size_bytes, mtime_ns, status, error, "
             "analysis_version, analyzed_utc, title, artist, album, genre, year, track_no, "
             "duration_s, codec, sample_rate_hz, channels, bitrate_bps, report_path) "
             "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19) "
             "ON CONFLICT(path) DO UPDATE SET size_bytes=?2, mtime_ns=?3, status=?4, "
             "error=?5, analysis_version=?6, analyzed_utc=?7, title=?8, artist=?9, "
             "album=?10, genre=?11, year=?12, track_no=?13, duration_s=?14, codec=?15, "
             "sample_rate_hz=?16, channels=?17, bitrate_bps=?18, report_path=?19 "
             "RETURNING id",
             &st);
    if (s != MOOD_OK)
        return s;
    /* Every parameter exists (NULL unless bound below): libpq needs all 19 even when a failed
     * file has no tags or report (SQLite reads unbound parameters as NULL). */
    mood__db_bind_null(st, 19);
    mood__db_bind_text(st, 1, path);
    mood__db_bind_int64(st, 2, size);
    mood__db_bind_int64(st, 3, mtime);
    mood__db_bind_text(st, 4, status);
    if (error)
        mood__db_bind_text(st, 5, error);
    mood__db_bind_int64(st, 6, MOOD_AUDIO_ANALYSIS_VERSION);
    mood__db_bind_text(st, 7, now);
    if (in) {
        mood__db_bind_text(st, 8, in->title);
        mood__db_bind_text(st, 9, in->artist);
        mood__db_bind_text(st, 10, in->album);
        mood__db_bind_text(st, 11, in->genre);
        if (in->year)
            mood__db_bind_int64(st, 12, in->year);
        if (in->track_no)
            mood__db_bind_int64(st, 13, in->track_no);
        mood__db_bind_double(st, 14, in->duration_s);
        mood__db_bind_text(st, 15, in->codec);
        mood__db_bind_int64(st, 16, in->sample_rate_hz);
        mood__db_bind_int64(st, 17, in->channels);
        mood__db_bind_int64(st, 18, in->bitrate_bps);
    }
    if (report_path)
        mood__db_bind_text(st, 19, report_path);
    if (mood__db_step_rc(st) == MOOD_DB_ROW)
        *out_id = mood__db_col_int64(st, 0);
    else
        s = mood__catalog_error(cat, "store track");
    mood__db_finalize(st);
    return s;
}

static mood_status store_vector(mood_catalog *cat, int64_t id, const char *kind, const float *x,
                                int dims)
{
    mood_db_stmt *st;
    mood_status s;
    s = prep(cat,
             "INSERT INTO feature_vectors(track_id, kind, analysis_version, dims, data) "
             "VALUES(?,?,?,?,?) ON CONFLICT(track_id, kind) DO UPDATE SET "
             "analysis_version = excluded.analysis_version, dims = excluded.dims, "
             "data = excluded.data",
             &st);
    if (s != MOOD_OK)
        return s;
    mood__db_bind_int64(st, 1, id);
    mood__db_bind_text(st, 2, kind);
    mood__db_bind_int64(st, 3, MOOD_AUDIO_ANALYSIS_VERSION);
    mood__db_bind_int64(st, 4, dims);
    mood__db_bind_blob(st, 5, x, (size_t)dims * sizeof(float));
    if (mood__db_step_rc(st) != MOOD_DB_DONE)
        s = mood__catalog_error(cat, "store features");
    mood__db_finalize(st);
    return s;
}

mood_status mood__library_store_ok(mood_catalog *cat, const char *path, int64_t size_bytes,
                                   int64_t mtime_ns, const mood_audio_result *r,
                                   const char *report_json, const char *report_path)
{
    return mood__library_store_ok_fenced(cat, path, size_bytes, mtime_ns, r, report_json,
                                         report_path, NULL);
}

mood_status mood__library_store_failed(mood_catalog *cat, const char *path, int64_t size_bytes,
                                       int64_t mtime_ns, const char *reason)
{
    return mood__library_store_failed_fenced(cat, path, size_bytes, mtime_ns, reason, NULL);
}

/* Finish the fenced job (with @p fence) and commit; roll back instead when @p s is an error. */
static mood_status store_end(mood_catalog *cat, mood_status s, const lib_fence *fence,
                             const char *state, const char *reason)
{
    if (s == MOOD_OK && fence)
        s = mood__jobs_finish(cat, fence, state, reason);
    if (s != MOOD_OK) {
        mood__db_rollback(mood__catalog_dbh(cat));
        return s;
    }
    return mood__db_commit(mood__catalog_dbh(cat));
}

mood_status mood__library_store_ok_fenced(mood_catalog *cat, const char *path, int64_t size_bytes,
                                          int64_t mtime_ns, const mood_audio_result *r,
                                          const char *report_json, const char *report_path,
                                          const lib_fence *fence)
{
    int64_t id = 0;
    mood_status s = mood__db_begin(mood__catalog_dbh(cat));
    if (s != MOOD_OK)
        return s;
    s = upsert_track(cat, path, size_bytes, mtime_ns, "ok", NULL, mood_audio_result_info(r),
                     report_path, &id);
    if (s == MOOD_OK &&
        mood__db_run_sql(mood__catalog_dbh(cat),
                         "INSERT INTO analyses(track_id, analysis_version, key_name, camelot, "
                         "mood_label, report_json) VALUES(?,?,?,?,?,?) ON CONFLICT(track_id) DO "
                         "UPDATE SET analysis_version = excluded.analysis_version, key_name = "
                         "excluded.key_name, camelot = excluded.camelot, mood_label = "
                         "excluded.mood_label, report_json = excluded.report_json",
                         "iitttt", id, (int64_t)MOOD_AUDIO_ANALYSIS_VERSION,
                         mood_audio_result_key_name(r), mood_audio_result_camelot(r),
                         mood_audio_result_mood_label(r), report_json) != MOOD_OK)
        s = mood__catalog_error(cat, "store analysis");
    if (s == MOOD_OK)
        s = store_vector(cat, id, "scalars", mood_audio_result_values(r), MOOD_AF_COUNT);
    if (s == MOOD_OK)
        s = store_vector(cat, id, "sim_raw", mood_audio_result_sim(r), MOOD_AUDIO_SIM_DIMS);
    return store_end(cat, s, fence, "done", NULL);
}

mood_status mood__library_store_failed_fenced(mood_catalog *cat, const char *path,
                                              int64_t size_bytes, int64_t mtime_ns,
                                              const char *reason, const lib_fence *fence)
{
    int64_t id = 0;
    char sql[128];
    mood_status s = mood__db_begin(mood__catalog_dbh(cat));
    if (s != MOOD_OK)
        return s;
    s = upsert_track(cat, path, size_bytes, mtime_ns, "failed", reason, NULL, NULL, &id);
    if (s == MOOD_OK) {
        snprintf(sql, sizeof sql,
                 "DELETE FROM analyses WHERE track_id = %lld; "
                 "DELETE FROM feature_vectors WHERE track_id = %lld;",
                 (long long)id, (long long)id);
        s = mood__catalog_exec(cat, "store failure", sql);
    }
    return store_end(cat, s, fence, "failed", reason);
}

/* ---------------------------------------------------------------------------------------- */
/* Read side                                                                                 */
/* ---------------------------------------------------------------------------------------- */

/* Text columns of the export, in order. */
enum {
    TX_ID,
    TX_PATH,
    TX_TITLE,
    TX_ARTIST,
    TX_ALBUM,
    TX_GENRE,
    TX_CAMELOT,
    TX_KEY,
    TX_MOOD,
    TX_TEMPO_SRC,
    TX_KEY_SRC,
    TX_COUNT
};
static const char *const text_cols[TX_COUNT] = {"track_id",   "path",         "title",     "artist",
                                                "album",      "genre",        "camelot",   "key",
                                                "mood_label", "tempo_source", "key_source"};

static char *dup_col(mood_db_stmt *st, int i)
{
    const char *t = mood__db_col_text(st, i);
    return mood__strdup(t ? t : "");
}

/*
 * One exported track from the export query's row: text columns (with the overridden key's
 * names and the value sources), year, track_no, the scalars with the overrides applied, the raw
 * similarity vector.
 */
static mood_status export_row(mood_catalog *cat, mood_db_stmt *st, char **tr, float *nr)
{
    lib_override ov;
    mood__library_override_read(st, 15, &ov);
    for (int i = 0; i <= TX_MOOD; i++) {
        if (i == TX_CAMELOT && (ov.set & MOOD_FIX_KEY)) {
            tr[i] = mood__strdup(mood_audio_camelot(ov.key_index, ov.mode));
        } else if (i == TX_KEY && (ov.set & MOOD_FIX_KEY)) {
            char name[16];
            mood__key_name(ov.key_index, ov.mode, name, sizeof name);
            tr[i] = mood__strdup(name);
        } else {
            tr[i] = dup_col(st, i);
        }
    }
    tr[TX_TEMPO_SRC] = mood__strdup(ov.set & MOOD_FIX_TEMPO ? "user" : "analysis");
    tr[TX_KEY_SRC] = mood__strdup(ov.set & MOOD_FIX_KEY ? "user" : "analysis");
    for (int i = 0; i < TX_COUNT; i++)
        if (!tr[i])
            return mood__enomem("library export");
    nr[0] = mood__db_col_null(st, 9) ? NAN : (float)mood__db_col_int(st, 9);
    nr[1] = mood__db_col_null(st, 10) ? NAN : (float)mood__db_col_int(st, 10);
    const void *fs = mood__db_blob(st, 11), *fv = mood__db_blob(st, 13);
    int ds = mood__db_col_int(st, 12), dv = mood__db_col_int(st, 14);
    if (!fs || !fv || ds != MOOD_AF_COUNT || dv != MOOD_AUDIO_SIM_DIMS ||
        mood__db_bytes(st, 11) != ds * (int)sizeof(float) ||
        mood__db_bytes(st, 13) != dv * (int)sizeof(float))
        return mood__error(MOOD_EFORMAT, "catalog %s: track %s has a malformed feature vector",
                           mood_catalog_path(cat), tr[TX_ID]);
    memcpy(nr + 2, fs, (size_t)ds * sizeof(float));
    memcpy(nr + 2 + MOOD_AF_COUNT, fv, (size_t)dv * sizeof(float));
    mood__library_override_apply(&ov, nr + 2);
    return MOOD_OK;
}

/* Rows read from the catalog before they become a table: n × nt strings, n × nn numbers. */
typedef struct lib_rows {
    size_t n, cap, nt, nn;
    char **text;
    float *num;
} lib_rows;

/* Room for one more row (its strings NULL); *out_i its index. */
static mood_status rows_push(lib_rows *r, const char *what, size_t *out_i)
{
    if (r->n == r->cap) {
        size_t nc = r->cap ? 2 * r->cap : 256;
        char **t2 = mood__realloc(r->text, nc * r->nt * sizeof(char *));
        if (!t2)
            return mood__enomem(what);
        r->text = t2;
        float *n2 = mood__realloc(r->num, nc * r->nn * sizeof(float));
        if (!n2)
            return mood__enomem(what);
        r->num = n2;
        r->cap = nc;
    }
    memset(r->text + r->n * r->nt, 0, r->nt * sizeof(char *));
    *out_i = r->n++;
    return MOOD_OK;
}

/* The table of @p r: the string columns named @p tnames, then the number columns @p nnames. */
static mood_status rows_table(const lib_rows *r, const char *const *tnames,
                              const char *const *nnames, const char *what, mood_table **out)
{
    mood_table *t = NULL;
    const char **colv = mood__malloc_array(r->n ? r->n : 1, sizeof(char *));
    float *colf = mood__malloc_array(r->n ? r->n : 1, sizeof(float));
    mood_status s = colv && colf ? mood_table_create(r->n, &t) : mood__enomem(what);
    for (size_t c = 0; c < r->nt && s == MOOD_OK; c++) {
        for (size_t i = 0; i < r->n; i++)
            colv[i] = r->text[i * r->nt + c];
        s = mood_table_add_str(t, tnames[c], colv);
    }
    for (size_t c = 0; c < r->nn && s == MOOD_OK; c++) {
        for (size_t i = 0; i < r->n; i++)
            colf[i] = r->num[i * r->nn + c];
        s = mood_table_add_num(t, nnames[c], colf);
    }
    mood__free(colv);
    mood__free(colf);
    if (s != MOOD_OK) {
        mood_table_destroy(t);
        return s;
    }
    *out = t;
    return MOOD_OK;
}

static void rows_free(lib_rows *r)
{
    for (size_t i = 0; i < r->n * r->nt; i++)
        mood__free(r->text[i]);
    mood__free(r->text);
    mood__free(r->num);
}

/* Standardise the similarity dimensions (the columns after year, track_no and the scalars). */
static void standardise_sim(lib_rows *r)
{
    const size_t n = r->n, NN = r->nn;
    float *num = r->num;
    for (size_t d = 0; d < MOOD_AUDIO_SIM_DIMS; d++) {
        double m = 0, v = 0;
        size_t col = 2 + MOOD_AF_COUNT + d;
        for (size_t i = 0; i < n; i++)
            m += (double)num[i * NN + col];
        m = n ? m / (double)n : 0;
        for (size_t i = 0; i < n; i++)
            v += ((double)num[i * NN + col] - m) * ((double)num[i * NN + col] - m);
        double sd = n > 1 ? sqrt(v / (double)(n - 1)) : 0;
        for (size_t i = 0; i < n; i++)
            num[i * NN + col] = sd > 1e-12 ? (float)(((double)num[i * NN + col] - m) / sd) : 0.0f;
    }
}

#define EXPORT_NN (2 + MOOD_AF_COUNT + MOOD_AUDIO_SIM_DIMS)

/* Rows come in path order, so the table (and a seeded clustering of it) does not depend on
 * the order in which parallel analysis finished and numbered the tracks. */
mood_status mood_library_export_table(mood_catalog *cat, mood_table **out)
{
    mood_db_stmt *st = NULL;
    lib_rows r = {.nt = TX_COUNT, .nn = EXPORT_NN}; /* year, track_no, scalars, similarity */
    const char *nnames[EXPORT_NN];
    char sim_names[MOOD_AUDIO_SIM_DIMS][8];
    size_t row;
    *out = NULL;
    mood_status s = mood__library_migrate(cat);
    if (s != MOOD_OK)
        return s;
    s = prep(cat,
             "SELECT t.id, t.path, t.title, t.artist, t.album, t.genre, a.camelot, "
             "a.key_name, a.mood_label, t.year, t.track_no, fs.data, fs.dims, fv.data, "
             "fv.dims, " LIB_OVERRIDE_COLS " FROM tracks t JOIN analyses a ON a.track_id = t.id "
             "JOIN feature_vectors fs ON fs.track_id = t.id AND fs.kind = 'scalars' "
             "JOIN feature_vectors fv ON fv.track_id = t.id AND fv.kind = 'sim_raw' "
             "WHERE t.status = 'ok' AND a.analysis_version = ? ORDER BY t.path",
             &st);
    if (s != MOOD_OK)
        return s;
    mood__db_bind_int64(st, 1, MOOD_AUDIO_ANALYSIS_VERSION);
    int rc;
    for (;;) {
        rc = mood__db_step_rc(st);
        if (rc != MOOD_DB_ROW)
            break;
        s = rows_push(&r, "library export", &row);
        if (s == MOOD_OK)
            s = export_row(cat, st, r.text + row * TX_COUNT, r.num + row * EXPORT_NN);
        if (s != MOOD_OK)
            goto done;
    }
    if (rc != MOOD_DB_DONE) {
        s = mood__catalog_error(cat, "export");
        goto done;
    }
    standardise_sim(&r);
    nnames[0] = "year";
    nnames[1] = "track_no";
    for (size_t c = 0; c < MOOD_AF_COUNT; c++)
        nnames[2 + c] = mood_audio_feature_name((mood_audio_feature)c);
    for (size_t c = 0; c < MOOD_AUDIO_SIM_DIMS; c++) {
        snprintf(sim_names[c], sizeof sim_names[c], "sim_%02zu", c);
        nnames[2 + MOOD_AF_COUNT + c] = sim_names[c];
    }
    s = rows_table(&r, text_cols, nnames, "library export", out);
done:
    mood__db_finalize(st);
    rows_free(&r);
    return s;
}

/* Value of scalar feature @p f from a blob column, NaN when absent. */
static float blob_feature(mood_db_stmt *st, int col, mood_audio_feature f)
{
    const float *x = mood__db_blob(st, col);
    if (!x || mood__db_bytes(st, col) != MOOD_AF_COUNT * (int)sizeof(float))
        return NAN;
    return x[f];
}

mood_status mood_library_list(mood_catalog *cat, mood_table **out)
{
    enum { L_ID, L_STATUS, L_PATH, L_TITLE, L_ARTIST, L_CAMELOT, L_MOOD, L_ERROR, L_NT };
    static const char *const tn[L_NT] = {"track_id", "status",  "path",       "title",
                                         "artist",   "camelot", "mood_label", "error"};
    static const char *const nn[5] = {"duration_s", "tempo_bpm", "loudness_lufs", "energy",
                                      "valence"};
    static const mood_audio_feature nf[5] = {MOOD_AF_DURATION_S, MOOD_AF_TEMPO_BPM,
                                             MOOD_AF_LOUDNESS_LUFS, MOOD_AF_ENERGY,
                                             MOOD_AF_VALENCE};
    mood_db_stmt *st = NULL;
    lib_rows r = {.nt = L_NT, .nn = 5};
    size_t row;
    *out = NULL;
    mood_status s = mood__library_migrate(cat);
    if (s != MOOD_OK)
        return s;
    s = prep(cat,
             "SELECT t.id, CASE WHEN t.status = 'failed' THEN 'failed' WHEN "
             "t.analysis_version = ?1 THEN 'ok' ELSE 'outdated' END, t.path, t.title, "
             "t.artist, a.camelot, a.mood_label, t.error, fs.data, " LIB_OVERRIDE_COLS
             " FROM tracks t "
             "LEFT JOIN analyses a ON a.track_id = t.id LEFT JOIN feature_vectors fs ON "
             "fs.track_id = t.id AND fs.kind = 'scalars' ORDER BY t.id",
             &st);
    if (s != MOOD_OK)
        return s;
    mood__db_bind_int64(st, 1, MOOD_AUDIO_ANALYSIS_VERSION);
    int rc;
    for (;;) {
        rc = mood__db_step_rc(st);
        if (rc != MOOD_DB_ROW)
            break;
        s = rows_push(&r, "library list", &row);
        if (s != MOOD_OK)
            goto done;
        char **tr = r.text + row * L_NT;
        for (int i = 0; i < L_NT; i++) {
            tr[i] = dup_col(st, i);
            if (!tr[i]) {
                s = mood__enomem("library list");
                goto done;
            }
        }
        lib_override ov;
        float v[MOOD_AF_COUNT];
        mood__library_override_read(st, 9, &ov);
        for (int f = 0; f < MOOD_AF_COUNT; f++)
            v[f] = blob_feature(st, 8, (mood_audio_feature)f);
        mood__library_override_apply(&ov, v);
        for (int j = 0; j < 5; j++)
            r.num[row * 5 + (size_t)j] = v[nf[j]];
        if ((ov.set & MOOD_FIX_KEY) && tr[L_CAMELOT][0]) {
            mood__free(tr[L_CAMELOT]);
            tr[L_CAMELOT] = mood__strdup(mood_audio_camelot(ov.key_index, ov.mode));
            if (!tr[L_CAMELOT]) {
                s = mood__enomem("library list");
                goto done;
            }
        }
    }
    if (rc != MOOD_DB_DONE) {
        s = mood__catalog_error(cat, "list");
        goto done;
    }
    s = rows_table(&r, tn, nn, "library list", out);
done:
    mood__db_finalize(st);
    rows_free(&r);
    return s;
}

mood_status mood_library_show(mood_catalog *cat, const char *track, char **out)
{
    mood_db_stmt *st = NULL;
    int64_t id;
    *out = NULL;
    mood_status s = mood__library_migrate(cat);
    if (s == MOOD_OK)
        s = mood__library_resolve(cat, track, &id);
    if (s == MOOD_OK)
        s = prep(cat,
                 "SELECT t.path, t.status, t.error, a.report_json, " LIB_OVERRIDE_COLS
                 " FROM tracks t LEFT JOIN analyses a ON a.track_id = t.id WHERE t.id = ?",
                 &st);
    if (s != MOOD_OK)
        return s;
    mood__db_bind_int64(st, 1, id);
    if (mood__db_step_rc(st) != MOOD_DB_ROW) {
        s = mood__catalog_error(cat, "show");
        mood__db_finalize(st);
        return s;
    }
    const char *path = mood__db_col_text(st, 0);
    const char *status = mood__db_col_text(st, 1);
    const char *error = mood__db_col_text(st, 2);
    const char *report = mood__db_col_text(st, 3);
    lib_override ov;
    mood__library_override_read(st, 4, &ov);
    if (!status || strcmp(status, "ok") != 0)
        s = mood__error(MOOD_EFORMAT, "library: %s failed to analyse: %s", path,
                        error ? error : "");
    else if (!report || !report[0])
        s = mood__error(MOOD_ENOTFOUND, "library: %s has no stored report", path);
    else if (ov.set)
        s = mood__library_override_report(report, &ov, out);
    else
        *out = mood__strdup(report);
    if (s == MOOD_OK && !*out)
        s = mood__enomem("library show");
    mood__db_finalize(st);
    return s;
}

mood_status mood_library_stats_get(mood_catalog *cat, mood_library_stats *out)
{
    mood_db_stmt *st = NULL;
    mood_status s;
    an_stat tempo = {0}, loud = {0};
    memset(out, 0, sizeof *out);
    s = mood__library_migrate(cat);
    if (s != MOOD_OK)
        return s;
    s = prep(cat,
             "SELECT t.status, t.analysis_version, t.duration_s, a.mood_label, "
             "fs.data, " LIB_OVERRIDE_COLS
             " FROM tracks t LEFT JOIN analyses a ON a.track_id = t.id LEFT JOIN "
             "feature_vectors fs ON fs.track_id = t.id AND fs.kind = 'scalars'",
             &st);
    if (s != MOOD_OK)
        return s;
    static const char *const labels[4] = {"energetic & positive", "energetic & dark",
                                          "calm & positive", "calm & dark"};
    int rc;
    for (;;) {
        rc = mood__db_step_rc(st);
        if (rc != MOOD_DB_ROW)
            break;
        out->tracks++;
        const char *status = mood__db_col_text(st, 0);
        if (status && strcmp(status, "failed") == 0) {
            out->failed++;
            continue;
        }
        if (mood__db_col_int(st, 1) != MOOD_AUDIO_ANALYSIS_VERSION) {
            out->outdated++;
            continue;
        }
        out->ok++;
        out->audio_hours += mood__db_col_double(st, 2) / 3600.0;
        const char *label = mood__db_col_text(st, 3);
        for (int i = 0; label && i < 4; i++)
            if (strcmp(label, labels[i]) == 0)
                out->mood_counts[i]++;
        lib_override ov;
        mood__library_override_read(st, 5, &ov);
        float bpm = ov.set & MOOD_FIX_TEMPO ? ov.tempo_bpm : blob_feature(st, 4, MOOD_AF_TEMPO_BPM),
              lufs = blob_feature(st, 4, MOOD_AF_LOUDNESS_LUFS);
        if (isfinite(bpm))
            mood__stat_add(&tempo, bpm);
        if (isfinite(lufs))
            mood__stat_add(&loud, lufs);
    }
    if (rc != MOOD_DB_DONE)
        s = mood__catalog_error(cat, "stats");
    mood__db_finalize(st);
    out->mean_tempo_bpm = mood__stat_mean(&tempo);
    out->mean_loudness_lufs = mood__stat_mean(&loud);
    return s;
}
