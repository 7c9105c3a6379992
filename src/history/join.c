/*
 * Joining audio features to played tracks: by Spotify URI first (exact), then by normalised
 * artist + title. Feature tables are CSV files with any of the usual Spotify column spellings;
 * without tables, the catalog's analysed library (a `tracks` table with artist/title and
 * feature columns) is used when it exists. Results go to history_tracks; a track matched once
 * keeps its features.
 */
#define _POSIX_C_SOURCE 200809L
#include "history_internal.h"

#include "../core/clock.h"
#include "../core/hash.h"
#include "../io/csv_records.h"
#include "../io/json_util.h"

#include <moodscope/fileio.h>
#include <moodscope/library.h>

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a string → row index map (open addressing), for the two lookups --------------------- */

typedef struct smap {
    char **keys;
    size_t *vals;
    size_t cap, n;
} smap;

static uint64_t shash(const char *s)
{
    return mood__fnv1a(s, strlen(s), MOOD_FNV_OFFSET);
}

static mood_status smap_init(smap *m, size_t expect)
{
    memset(m, 0, sizeof *m);
    m->cap = 64;
    while (m->cap < expect * 2)
        m->cap *= 2;
    m->keys = mood__calloc(m->cap, sizeof *m->keys);
    m->vals = mood__calloc(m->cap, sizeof *m->vals);
    if (!m->keys || !m->vals)
        return mood__enomem("feature join");
    return MOOD_OK;
}

static void smap_free(smap *m)
{
    if (m->keys)
        for (size_t i = 0; i < m->cap; i++)
            mood__free(m->keys[i]);
    mood__free(m->keys);
    mood__free(m->vals);
    memset(m, 0, sizeof *m);
}

/* First value wins: a feature table's first row for a track is kept. */
static mood_status smap_put(smap *m, const char *key, size_t val)
{
    size_t i = (size_t)(shash(key) & (m->cap - 1));
    if (!key[0])
        return MOOD_OK;
    while (m->keys[i]) {
        if (strcmp(m->keys[i], key) == 0)
            return MOOD_OK;
        i = (i + 1) & (m->cap - 1);
    }
    if ((m->n + 1) * 2 > m->cap)
        return mood__error(MOOD_EINTERNAL, "feature join: map full");
    m->keys[i] = mood__strdup(key);
    if (!m->keys[i])
        return mood__enomem("feature join");
    m->vals[i] = val;
    m->n++;
    return MOOD_OK;
}

static int smap_get(const smap *m, const char *key, size_t *val)
{
    size_t i = (size_t)(shash(key) & (m->cap - 1));
    if (!key[0])
        return 0;
    while (m->keys[i]) {
        if (strcmp(m->keys[i], key) == 0) {
            *val = m->vals[i];
            return 1;
        }
        i = (i + 1) & (m->cap - 1);
    }
    return 0;
}

/* ---- feature tables ------------------------------------------------------------------------ */

typedef struct ftable {
    size_t n;
    float *feat; /* n×HIST_NF */
    smap by_uri, by_key;
    char *source;
} ftable;

static void ftable_free(ftable *t)
{
    mood__free(t->feat);
    smap_free(&t->by_uri);
    smap_free(&t->by_key);
    mood__free(t->source);
    memset(t, 0, sizeof *t);
}

static int is_base62_id(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!isalnum((unsigned char)s[n]))
            return 0;
    return n == 22;
}

/* "spotify:track:ID", "https://open.spotify.com/track/ID?..." or a bare 22-character ID. */
static void norm_uri(const char *v, char *out, size_t cap)
{
    const char *p;
    out[0] = '\0';
    if (!v || !v[0])
        return;
    if (strncmp(v, "spotify:track:", 14) == 0) {
        snprintf(out, cap, "%s", v);
        return;
    }
    p = strstr(v, "open.spotify.com/track/");
    if (p) {
        char id[64];
        size_t n = 0;
        p += strlen("open.spotify.com/track/");
        while (p[n] && isalnum((unsigned char)p[n]) && n + 1 < sizeof id) {
            id[n] = p[n];
            n++;
        }
        id[n] = '\0';
        snprintf(out, cap, "spotify:track:%s", id);
        return;
    }
    if (is_base62_id(v))
        snprintf(out, cap, "spotify:track:%s", v);
}

static int col_role(const char *name, int *feature)
{
    char h[64];
    size_t o = 0;
    for (const char *p = name; *p && o + 1 < sizeof h; p++)
        h[o++] = (char)tolower((unsigned char)*p);
    h[o] = '\0';
    *feature = -1;
    if (!strcmp(h, "uri") || !strcmp(h, "track_uri") || !strcmp(h, "spotify_track_uri") ||
        !strcmp(h, "spotify_uri") || !strcmp(h, "track_id") || !strcmp(h, "id") ||
        !strcmp(h, "trackid"))
        return 1;
    if (!strcmp(h, "artist") || !strcmp(h, "artists") || !strcmp(h, "artist_name") ||
        !strcmp(h, "artistname"))
        return 2;
    if (!strcmp(h, "track") || !strcmp(h, "name") || !strcmp(h, "title") ||
        !strcmp(h, "track_name") || !strcmp(h, "trackname") || !strcmp(h, "song"))
        return 3;
    for (int j = 0; j < HIST_NF; j++)
        if (!strcmp(h, mood__hist_feature_names[j])) {
            *feature = j;
            return 4;
        }
    if (!strcmp(h, "duration")) {
        *feature = HIST_NF - 1;
        return 4;
    }
    return 0;
}

static float parse_num(const char *s)
{
    char *end;
    double v;
    if (!s || !s[0])
        return NAN;
    v = strtod(s, &end);
    while (*end == ' ')
        end++;
    return *end ? NAN : (float)v;
}

/* Grow both maps of @p t by rebuilding them: rare, tables are read once. */
static mood_status grow_maps(ftable *t)
{
    smap nu, nk;
    mood_status s = smap_init(&nu, t->by_uri.cap);
    if (s != MOOD_OK)
        return s;
    s = smap_init(&nk, t->by_key.cap);
    if (s != MOOD_OK) {
        smap_free(&nu);
        return s;
    }
    for (size_t i = 0; i < t->by_uri.cap; i++)
        if (t->by_uri.keys[i])
            smap_put(&nu, t->by_uri.keys[i], t->by_uri.vals[i]);
    for (size_t i = 0; i < t->by_key.cap; i++)
        if (t->by_key.keys[i])
            smap_put(&nk, t->by_key.keys[i], t->by_key.vals[i]);
    smap_free(&t->by_uri);
    smap_free(&t->by_key);
    t->by_uri = nu;
    t->by_key = nk;
    return MOOD_OK;
}

static mood_status ftable_read(const char *path, ftable *t)
{
    char *text = NULL;
    size_t len = 0, cap = 0;
    csv_records c;
    long uri_col = -1, artist_col = -1, title_col = -1, fcol[HIST_NF];
    int n_feat = 0, rc;
    mood_status s;
    memset(t, 0, sizeof *t);
    for (int j = 0; j < HIST_NF; j++)
        fcol[j] = -1;
    s = mood_read_file(path, &text, &len);
    if (s != MOOD_OK)
        return s;
    mood__csv_records_init(&c, text, len);
    rc = mood__csv_records_next(&c);
    if (rc <= 0) {
        mood__csv_records_free(&c);
        mood_free(text);
        return rc < 0 ? mood__enomem("feature table")
                      : mood__error(MOOD_EFORMAT, "%s: empty file", path);
    }
    for (size_t i = 0; i < c.n; i++) {
        int f, r = col_role(c.fields[i], &f);
        if (r == 1 && uri_col < 0)
            uri_col = (long)i;
        else if (r == 2 && artist_col < 0)
            artist_col = (long)i;
        else if (r == 3 && title_col < 0)
            title_col = (long)i;
        else if (r == 4 && fcol[f] < 0) {
            fcol[f] = (long)i;
            n_feat++;
        }
    }
    if (n_feat == 0 || (uri_col < 0 && (artist_col < 0 || title_col < 0))) {
        mood__csv_records_free(&c);
        mood_free(text);
        return mood__error(MOOD_EFORMAT,
                           "%s:1: expected audio feature columns (energy, valence, ...) and a "
                           "track URI column or artist and track columns",
                           path);
    }
    {
        size_t est = len / 80 + 16;
        s = smap_init(&t->by_uri, est * 2);
        if (s == MOOD_OK)
            s = smap_init(&t->by_key, est * 2);
        if (s != MOOD_OK)
            goto fail;
    }
    const char *base = strrchr(path, '/');
    t->source = mood__strdup(base ? base + 1 : path);
    if (!t->source) {
        s = mood__enomem("feature table");
        goto fail;
    }
    for (;;) {
        char key[1024], uri[128];
        rc = mood__csv_records_next(&c);
        if (rc != 1)
            break;
        if (c.n == 1 && !c.fields[0][0])
            continue;
        if (t->n == cap) {
            size_t nc = cap ? cap * 2 : 1024;
            float *f = mood__realloc(t->feat, nc * HIST_NF * sizeof *f);
            if (!f) {
                s = mood__enomem("feature table");
                goto fail;
            }
            t->feat = f;
            cap = nc;
        }
        for (int j = 0; j < HIST_NF; j++)
            t->feat[t->n * HIST_NF + j] =
                fcol[j] >= 0 && (size_t)fcol[j] < c.n ? parse_num(c.fields[fcol[j]]) : NAN;
        /* "duration" in seconds in some tables: bring it to ms */
        {
            float *d = &t->feat[t->n * HIST_NF + HIST_NF - 1];
            if (isfinite(*d) && *d > 0 && *d < 3600.0f)
                *d *= 1000.0f;
        }
        if (uri_col >= 0 && (size_t)uri_col < c.n) {
            norm_uri(c.fields[uri_col], uri, sizeof uri);
            s = uri[0] ? smap_put(&t->by_uri, uri, t->n) : MOOD_OK;
            if (s != MOOD_OK)
                goto fail;
        }
        if (artist_col >= 0 && title_col >= 0 && (size_t)artist_col < c.n &&
            (size_t)title_col < c.n) {
            mood__hist_track_key(c.fields[artist_col], c.fields[title_col], key, sizeof key);
            s = smap_put(&t->by_key, key, t->n);
            if (s != MOOD_OK)
                goto fail;
        }
        t->n++;
        if (t->by_uri.n * 2 + 4 > t->by_uri.cap || t->by_key.n * 2 + 4 > t->by_key.cap) {
            s = grow_maps(t);
            if (s != MOOD_OK)
                goto fail;
        }
    }
    if (rc < 0) {
        s = mood__enomem("feature table");
        goto fail;
    }
    mood__csv_records_free(&c);
    mood_free(text);
    return MOOD_OK;
fail:
    mood__csv_records_free(&c);
    mood_free(text);
    ftable_free(t);
    return s;
}

/*
 * The analysed library (moodscope analyze): its exported feature table, matched by normalised
 * artist + title. Its names differ from Spotify's for some features (loudness_lufs, tempo_bpm,
 * duration_s); speechiness and liveness have no counterpart and stay missing.
 */
static mood_status ftable_from_library(mood_catalog *cat, ftable *t)
{
    static const char *const lib_names[HIST_NF] = {
        "danceability",     "energy",   "loudness_lufs", "speechiness", "acousticness",
        "instrumentalness", "liveness", "valence",       "tempo_bpm",   "duration_s"};
    mood_table *lib = NULL;
    size_t ja, jt, jf[HIST_NF], n;
    int have[HIST_NF], n_feat = 0;
    mood_status s;
    memset(t, 0, sizeof *t);
    s = mood_library_export_table(cat, &lib);
    if (s != MOOD_OK)
        return s;
    n = mood_table_rows(lib);
    for (int j = 0; j < HIST_NF; j++) {
        have[j] = mood_table_find(lib, lib_names[j], &jf[j]) == MOOD_OK &&
                  mood_table_col_kind(lib, jf[j]) == MOOD_COL_NUM;
        n_feat += have[j];
    }
    mood_clear_error();
    if (n == 0 || n_feat == 0 || mood_table_find(lib, "artist", &ja) != MOOD_OK ||
        mood_table_find(lib, "title", &jt) != MOOD_OK) {
        mood_table_destroy(lib);
        return mood__error(MOOD_ENOTFOUND,
                           "feature join: no --features-table given and the catalog's analysed "
                           "library is empty (run 'moodscope analyze' or pass --features-table)");
    }
    s = smap_init(&t->by_uri, 16);
    if (s == MOOD_OK)
        s = smap_init(&t->by_key, n * 2);
    if (s != MOOD_OK)
        goto fail;
    t->source = mood__strdup("analysed library");
    t->feat = mood__malloc_array(n * HIST_NF, sizeof *t->feat);
    if (!t->source || !t->feat) {
        s = mood__enomem("feature join");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        char key[1024];
        for (int j = 0; j < HIST_NF; j++)
            t->feat[i * HIST_NF + j] = have[j] ? mood_table_num_const(lib, jf[j])[i] : NAN;
        t->feat[i * HIST_NF + HIST_NF - 1] *= 1000.0f; /* seconds to ms */
        mood__hist_track_key(mood_table_str(lib, ja, i), mood_table_str(lib, jt, i), key,
                             sizeof key);
        s = smap_put(&t->by_key, key, i);
        if (s != MOOD_OK)
            goto fail;
    }
    t->n = n;
    mood_table_destroy(lib);
    return MOOD_OK;
fail:
    mood_table_destroy(lib);
    ftable_free(t);
    return s;
}

/* ---- the join ------------------------------------------------------------------------------ */

static mood_status sync_tracks(mood_catalog *cat)
{
    mood_status s = mood__catalog_exec(cat, "feature join", mood__hist_sync_tracks_sql);
    if (s != MOOD_OK)
        return s;
    return mood__catalog_exec(
        cat, "feature join",
        "UPDATE history_tracks SET spotify_track_uri = (SELECT MAX(p.spotify_track_uri) FROM "
        "plays p WHERE p.track_key = history_tracks.track_key AND p.kind = 'track') WHERE "
        "spotify_track_uri IS NULL;");
}

static mood_status apply_table(mood_catalog *cat, const ftable *t, mood_history_join_report *r)
{
    mood_db *db = mood__catalog_dbh(cat);
    mood_db_stmt *sel, *upd;
    mood_status s = MOOD_OK;
    if (mood__db_prepare(db,
                         "SELECT track_key, spotify_track_uri FROM history_tracks WHERE "
                         "matched_by IS NULL ORDER BY id",
                         &sel) != MOOD_OK)
        return mood__catalog_error(cat, "feature join");
    if (mood__db_prepare(db,
                         "UPDATE history_tracks SET matched_by = ?, feature_source = ?, "
                         "danceability = ?, energy = ?, loudness = ?, speechiness = ?, "
                         "acousticness = ?, instrumentalness = ?, liveness = ?, valence = ?, "
                         "tempo = ?, duration_ms = ?, cluster = NULL WHERE track_key = ?",
                         &upd) != MOOD_OK) {
        mood__db_finalize(sel);
        return mood__catalog_error(cat, "feature join");
    }
    while (mood__db_step_rc(sel) == MOOD_DB_ROW) {
        const char *key = mood__db_col_text(sel, 0);
        const char *uri_raw = mood__db_col_text(sel, 1);
        char uri[128];
        size_t row;
        const char *how = NULL;
        norm_uri(uri_raw, uri, sizeof uri);
        if (uri[0] && smap_get(&t->by_uri, uri, &row)) {
            how = "uri";
            r->matched_uri++;
        } else if (smap_get(&t->by_key, key, &row)) {
            how = "name";
            r->matched_name++;
        }
        if (!how)
            continue;
        mood__db_reset(upd);
        mood__db_bind_text(upd, 1, how);
        mood__db_bind_text(upd, 2, t->source);
        for (int j = 0; j < HIST_NF; j++) {
            float v = t->feat[row * HIST_NF + j];
            if (isfinite(v))
                mood__db_bind_double(upd, 3 + j, (double)v);
            else
                mood__db_bind_null(upd, 3 + j);
        }
        mood__db_bind_text(upd, 3 + HIST_NF, key);
        if (mood__db_step_rc(upd) != MOOD_DB_DONE) {
            s = mood__catalog_error(cat, "feature join");
            break;
        }
    }
    mood__db_finalize(sel);
    mood__db_finalize(upd);
    return s;
}

static mood_status count_rates(mood_catalog *cat, mood_history_join_report *r)
{
    mood_db_stmt *st;
    mood_status s = MOOD_OK;
    if (mood__db_prepare(
            mood__catalog_dbh(cat),
            "SELECT (SELECT COUNT(*) FROM history_tracks),"
            " (SELECT COUNT(*) FROM history_tracks WHERE matched_by = 'uri'),"
            " (SELECT COUNT(*) FROM history_tracks WHERE matched_by = 'name'),"
            " (SELECT COUNT(*) FROM plays WHERE kind = 'track'),"
            " (SELECT COUNT(*) FROM plays p JOIN history_tracks t ON t.track_key = p.track_key"
            "  WHERE p.kind = 'track' AND t.matched_by IS NOT NULL)",
            &st) != MOOD_OK)
        return mood__catalog_error(cat, "feature join");
    if (mood__db_step_rc(st) == MOOD_DB_ROW) {
        r->tracks = (size_t)mood__db_col_int64(st, 0);
        r->matched_uri = (size_t)mood__db_col_int64(st, 1);
        r->matched_name = (size_t)mood__db_col_int64(st, 2);
        r->plays = (size_t)mood__db_col_int64(st, 3);
        r->plays_matched = (size_t)mood__db_col_int64(st, 4);
    } else {
        s = mood__catalog_error(cat, "feature join");
    }
    mood__db_finalize(st);
    r->track_match_rate =
        r->tracks ? (double)(r->matched_uri + r->matched_name) / (double)r->tracks : 0.0;
    r->play_match_rate = r->plays ? (double)r->plays_matched / (double)r->plays : 0.0;
    return s;
}

mood_status mood_history_join(mood_catalog *cat, const char *const *tables, size_t n_tables,
                              mood_history_join_report *out)
{
    mood_status s;
    size_t nt = n_tables ? n_tables : 1, loaded = 0;
    ftable *ft;
    memset(out, 0, sizeof *out);
    s = mood__hist_migrate(cat);
    if (s != MOOD_OK)
        return s;
    /* Read every table first: reading the analysed library may migrate its own tables,
     * which cannot happen inside the join's transaction. */
    ft = mood__calloc(nt, sizeof *ft);
    if (!ft)
        return mood__enomem("feature join");
    for (; loaded < nt; loaded++) {
        s = n_tables ? ftable_read(tables[loaded], &ft[loaded])
                     : ftable_from_library(cat, &ft[loaded]);
        if (s != MOOD_OK)
            break;
        out->table_rows += ft[loaded].n;
    }
    if (s == MOOD_OK)
        s = mood__db_begin(mood__catalog_dbh(cat));
    if (s == MOOD_OK) {
        s = sync_tracks(cat);
        for (size_t i = 0; s == MOOD_OK && i < nt; i++) {
            mood_history_join_report dummy;
            memset(&dummy, 0, sizeof dummy);
            s = apply_table(cat, &ft[i], &dummy);
        }
        if (s == MOOD_OK)
            s = mood__db_commit(mood__catalog_dbh(cat));
        if (s != MOOD_OK) {
            char msg[1024];
            snprintf(msg, sizeof msg, "%s", mood_last_error());
            mood__db_rollback(mood__catalog_dbh(cat));
            mood__error(s, "%s", msg);
        }
    }
    for (size_t i = 0; i < loaded; i++)
        ftable_free(&ft[i]);
    mood__free(ft);
    if (s != MOOD_OK)
        return s;
    {
        size_t rows = out->table_rows;
        s = count_rates(cat, out);
        out->table_rows = rows;
    }
    return s;
}
