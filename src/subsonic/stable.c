/*
 * Stable playlists: an identity (a name kept from the first version) with its current tracks
 * and every version's diff, in the catalog tables stable_playlists, stable_playlist_tracks and
 * stable_playlist_versions. An update matches each freshly built playlist to the stored one
 * that shares most tracks with it, because group numbers and trait names move between runs
 * while most of a group's tracks stay; then it applies the churn plan (stable_plan.c).
 */
#define _POSIX_C_SOURCE 200809L
#include "subsonic_internal.h"

#include "../core/internal.h"
#include "../store/catalog_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const stable_steps[] = {
    /* v1 */
    "CREATE TABLE stable_playlists ("
    "  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, version INTEGER NOT NULL,"
    "  created_utc TEXT NOT NULL, updated_utc TEXT NOT NULL, source TEXT, group_name TEXT);"
    "CREATE TABLE stable_playlist_tracks ("
    "  playlist_id INTEGER NOT NULL REFERENCES stable_playlists(id) ON DELETE CASCADE,"
    "  pos INTEGER NOT NULL, track_key TEXT NOT NULL, label TEXT,"
    "  PRIMARY KEY (playlist_id, pos));"
    "CREATE TABLE stable_playlist_versions ("
    "  playlist_id INTEGER NOT NULL REFERENCES stable_playlists(id) ON DELETE CASCADE,"
    "  version INTEGER NOT NULL, created_utc TEXT NOT NULL, source TEXT, group_name TEXT,"
    "  n_tracks INTEGER NOT NULL, added TEXT NOT NULL, removed TEXT NOT NULL,"
    "  deferred INTEGER NOT NULL, PRIMARY KEY (playlist_id, version));",
};

/* The same tables in PostgreSQL types (byte-order text, as SQLite compares). */
static const char *const stable_steps_pg[] = {
    /* v1 */
    "CREATE TABLE stable_playlists ("
    "  id BIGSERIAL PRIMARY KEY, name TEXT COLLATE \"C\" NOT NULL UNIQUE,"
    "  version INTEGER NOT NULL, created_utc TEXT NOT NULL, updated_utc TEXT NOT NULL,"
    "  source TEXT COLLATE \"C\", group_name TEXT COLLATE \"C\");"
    "CREATE TABLE stable_playlist_tracks ("
    "  playlist_id BIGINT NOT NULL REFERENCES stable_playlists(id) ON DELETE CASCADE,"
    "  pos BIGINT NOT NULL, track_key TEXT COLLATE \"C\" NOT NULL, label TEXT COLLATE \"C\","
    "  PRIMARY KEY (playlist_id, pos));"
    "CREATE TABLE stable_playlist_versions ("
    "  playlist_id BIGINT NOT NULL REFERENCES stable_playlists(id) ON DELETE CASCADE,"
    "  version INTEGER NOT NULL, created_utc TEXT NOT NULL, source TEXT COLLATE \"C\","
    "  group_name TEXT COLLATE \"C\", n_tracks BIGINT NOT NULL, added TEXT NOT NULL,"
    "  removed TEXT NOT NULL, deferred BIGINT NOT NULL, PRIMARY KEY (playlist_id, version));",
};

mood_status mood__stable_migrate(mood_catalog *cat)
{
    return mood__catalog_migrate_any(cat, "stable_playlists", stable_steps, stable_steps_pg,
                                     sizeof stable_steps / sizeof *stable_steps);
}

static const mood_catalog_table stable_tables[] = {
    {"stable_playlists", "id, name, version, created_utc, updated_utc, source, group_name",
     "ititttt", "id", "id"},
    {"stable_playlist_tracks", "playlist_id, pos, track_key, label", "iitt", "playlist_id, pos",
     NULL},
    {"stable_playlist_versions",
     "playlist_id, version, created_utc, source, group_name, n_tracks, added, removed, deferred",
     "iitttitti", "playlist_id, version", NULL},
};

static const mood_catalog_part stable_part = {"stable playlists", mood__stable_migrate,
                                              stable_tables,
                                              sizeof stable_tables / sizeof *stable_tables};

const mood_catalog_part *mood_stable_catalog_part(void)
{
    return &stable_part;
}

void mood_stable_options_default(mood_stable_options *o)
{
    memset(o, 0, sizeof *o);
    o->max_change_frac = 0.2;
}

/* ---- loading ------------------------------------------------------------------------------ */

/* One stored playlist with its tracks (keys and labels point into @c strings). */
typedef struct stored {
    int64_t id;
    int version;
    char name[256];
    char **keys, **labels;
    size_t n;
    int matched;
} stored;

static void stored_free(stored *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < v[i].n; k++) {
            mood__free(v[i].keys[k]);
            mood__free(v[i].labels[k]);
        }
        mood__free(v[i].keys);
        mood__free(v[i].labels);
    }
    mood__free(v);
}

static mood_status load_tracks(mood_catalog *cat, stored *p)
{
    mood_db_stmt *st;
    mood_status s = MOOD_OK;
    size_t cap = 0;
    if (mood__db_prepare(mood__catalog_dbh(cat),
                         "SELECT track_key, COALESCE(label, '') FROM stable_playlist_tracks "
                         "WHERE playlist_id = ? ORDER BY pos",
                         &st) != MOOD_OK)
        return mood__catalog_error(cat, "stable playlists");
    mood__db_bind_int64(st, 1, p->id);
    while (s == MOOD_OK && mood__db_step_rc(st) == MOOD_DB_ROW) {
        if (p->n == cap) {
            cap = cap ? 2 * cap : 32;
            char **k = mood__realloc(p->keys, cap * sizeof *k);
            if (k)
                p->keys = k;
            char **l = k ? mood__realloc(p->labels, cap * sizeof *l) : NULL;
            if (!l) {
                s = mood__enomem("stable playlists");
                break;
            }
            p->labels = l;
        }
        p->keys[p->n] = mood__strdup(mood__db_col_text(st, 0));
        p->labels[p->n] = mood__strdup(mood__db_col_text(st, 1));
        if (!p->keys[p->n] || !p->labels[p->n])
            s = mood__enomem("stable playlists");
        p->n++;
    }
    mood__db_finalize(st);
    return s;
}

static mood_status load_all(mood_catalog *cat, stored **out, size_t *out_n)
{
    mood_db_stmt *st;
    stored *v = NULL;
    size_t n = 0, cap = 0;
    mood_status s = MOOD_OK;
    if (mood__db_prepare(mood__catalog_dbh(cat),
                         "SELECT id, version, name FROM stable_playlists ORDER BY id",
                         &st) != MOOD_OK)
        return mood__catalog_error(cat, "stable playlists");
    while (s == MOOD_OK && mood__db_step_rc(st) == MOOD_DB_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            stored *w = mood__realloc(v, cap * sizeof *w);
            if (!w) {
                s = mood__enomem("stable playlists");
                break;
            }
            v = w;
        }
        memset(&v[n], 0, sizeof v[n]);
        v[n].id = mood__db_col_int64(st, 0);
        v[n].version = mood__db_col_int(st, 1);
        snprintf(v[n].name, sizeof v[n].name, "%s", mood__db_col_text(st, 2));
        s = load_tracks(cat, &v[n++]);
    }
    mood__db_finalize(st);
    if (s != MOOD_OK) {
        stored_free(v, n);
        return s;
    }
    *out = v;
    *out_n = n;
    return MOOD_OK;
}

/* ---- the new playlists -------------------------------------------------------------------- */

/* The keys (id, else path) and labels of playlist @p i of @p set, without gone tracks. */
typedef struct fresh {
    const char **keys;
    char **labels;
    size_t n;
} fresh;

static const char *row_key(const mood_space *sp, size_t row)
{
    const char *id = mood_space_id(sp, row);
    return id && id[0] ? id : mood_space_path(sp, row);
}

/* Whether track @p key is an analysed track of the catalog (ids and paths both accepted). */
static int in_library(mood_catalog *cat, const char *key)
{
    mood_db_stmt *st;
    int found = 0;
    /* No analysed library: nothing to check against. (Asked before the query, since a failed
     * statement would end a PostgreSQL transaction.) */
    if (mood_catalog_schema_version(cat, "tracks") == 0)
        return 1;
    if (mood__db_prepare(mood__catalog_dbh(cat),
                         "SELECT 1 FROM tracks WHERE status = 'ok' AND (path = ?1 OR "
                         "CAST(id AS TEXT) = ?1)",
                         &st) != MOOD_OK)
        return 1;
    mood__db_bind_text(st, 1, key);
    found = mood__db_step_rc(st) == MOOD_DB_ROW;
    mood__db_finalize(st);
    return found;
}

static mood_status fresh_build(mood_catalog *cat, const mood_playlist_set *set, size_t i,
                               int check_library, fresh *out)
{
    const mood_space *sp = mood_playlist_space(set);
    size_t n;
    const size_t *rows = mood_playlist_rows(set, i, &n);
    memset(out, 0, sizeof *out);
    out->keys = mood__malloc_array(n + 1, sizeof *out->keys);
    out->labels = mood__calloc(n + 1, sizeof *out->labels);
    if (!out->keys || !out->labels)
        return mood__enomem("stable playlists");
    for (size_t k = 0; k < n; k++) {
        const char *key = row_key(sp, rows[k]);
        char label[600];
        if (!key || !key[0] || (check_library && !in_library(cat, key)))
            continue;
        snprintf(label, sizeof label, "%s - %s", mood_space_artist(sp, rows[k]),
                 mood_space_title(sp, rows[k]));
        out->keys[out->n] = key;
        out->labels[out->n] = mood__strdup(label);
        if (!out->labels[out->n++])
            return mood__enomem("stable playlists");
    }
    return MOOD_OK;
}

static void fresh_free(fresh *f)
{
    for (size_t k = 0; f->labels && k < f->n; k++)
        mood__free(f->labels[k]);
    mood__free(f->labels);
    mood__free((void *)f->keys);
    memset(f, 0, sizeof *f);
}

static size_t overlap(const stored *p, const fresh *f)
{
    size_t c = 0;
    for (size_t a = 0; a < p->n; a++)
        for (size_t b = 0; b < f->n; b++)
            if (strcmp(p->keys[a], f->keys[b]) == 0) {
                c++;
                break;
            }
    return c;
}

/*
 * One to one, largest overlap first: match[i] = the stored playlist of fresh i, or -1. Ties go
 * to the earlier stored playlist, so repeated updates are deterministic.
 */
static mood_status match_all(stored *v, size_t nv, const fresh *f, size_t nf, long *match)
{
    size_t *ov = mood__calloc(nv * nf + 1, sizeof *ov);
    if (!ov)
        return mood__enomem("stable playlists");
    for (size_t i = 0; i < nf; i++) {
        match[i] = -1;
        for (size_t p = 0; p < nv; p++)
            ov[p * nf + i] = overlap(&v[p], &f[i]);
    }
    for (;;) {
        size_t best = 0, bp = 0, bi = 0;
        for (size_t p = 0; p < nv; p++)
            for (size_t i = 0; i < nf; i++)
                if (!v[p].matched && match[i] < 0 && ov[p * nf + i] > best) {
                    best = ov[p * nf + i];
                    bp = p;
                    bi = i;
                }
        if (best == 0)
            break;
        v[bp].matched = 1;
        match[bi] = (long)bp;
    }
    mood__free(ov);
    return MOOD_OK;
}

/* ---- writing ------------------------------------------------------------------------------ */

static mood_status run_sql(mood_catalog *cat, mood_db_stmt *st)
{
    int rc = mood__db_step_rc(st);
    mood__db_finalize(st);
    return rc == MOOD_DB_DONE || rc == MOOD_DB_ROW ? MOOD_OK
                                                   : mood__catalog_error(cat, "stable playlists");
}

static mood_status write_tracks(mood_catalog *cat, int64_t id, char *const *keys,
                                char *const *labels, size_t n)
{
    mood_db_stmt *st;
    mood_status s = MOOD_OK;
    if (mood__db_prepare(mood__catalog_dbh(cat),
                         "DELETE FROM stable_playlist_tracks WHERE playlist_id = ?",
                         &st) != MOOD_OK)
        return mood__catalog_error(cat, "stable playlists");
    mood__db_bind_int64(st, 1, id);
    s = run_sql(cat, st);
    if (s != MOOD_OK)
        return s;
    if (mood__db_prepare(mood__catalog_dbh(cat),
                         "INSERT INTO stable_playlist_tracks(playlist_id, pos, track_key, label) "
                         "VALUES(?,?,?,?)",
                         &st) != MOOD_OK)
        return mood__catalog_error(cat, "stable playlists");
    for (size_t k = 0; s == MOOD_OK && k < n; k++) {
        mood__db_reset(st);
        mood__db_bind_int64(st, 1, id);
        mood__db_bind_int64(st, 2, k);
        mood__db_bind_text(st, 3, keys[k]);
        mood__db_bind_text(st, 4, labels[k]);
        if (mood__db_step_rc(st) != MOOD_DB_DONE)
            s = mood__catalog_error(cat, "stable playlists");
    }
    mood__db_finalize(st);
    return s;
}

/* "key<TAB>label" lines of the entries @p idx of @p keys / @p labels. */
static char *diff_text(char *const *keys, char *const *labels, const size_t *idx, size_t n)
{
    size_t len = 1, o = 0;
    char *t;
    for (size_t k = 0; k < n; k++)
        len += strlen(keys[idx[k]]) + strlen(labels[idx[k]]) + 2;
    t = mood__malloc(len);
    if (!t)
        return NULL;
    t[0] = '\0';
    for (size_t k = 0; k < n; k++)
        o += (size_t)snprintf(t + o, len - o, "%s\t%s\n", keys[idx[k]], labels[idx[k]]);
    return t;
}

typedef struct version_rec {
    int64_t id;
    int version;
    const char *source, *group;
    size_t n_tracks, deferred;
    const char *added, *removed;
} version_rec;

static mood_status write_version(mood_catalog *cat, const version_rec *v)
{
    mood_db *db = mood__catalog_dbh(cat);
    char now[32];
    mood__utc_now(now, sizeof now, NULL, 0);
    mood_status s = mood__db_run_sql(
        db,
        "INSERT INTO stable_playlist_versions(playlist_id, version, created_utc, source, "
        "group_name, n_tracks, added, removed, deferred) VALUES(?,?,?,?,?,?,?,?,?)",
        "iitttitti", v->id, (int64_t)v->version, now, v->source, v->group, (int64_t)v->n_tracks,
        v->added, v->removed, (int64_t)v->deferred);
    if (s == MOOD_OK)
        s = mood__db_run_sql(db,
                             "UPDATE stable_playlists SET version = ?2, updated_utc = ?3, "
                             "source = ?4, group_name = ?5 WHERE id = ?1",
                             "iittt", v->id, (int64_t)v->version, now, v->source, v->group);
    return s == MOOD_OK ? MOOD_OK : mood__catalog_error(cat, "stable playlists");
}

/* A new identity called @p name (or name_2, name_3 ... when taken); *out_id its row. */
static mood_status create_identity(mood_catalog *cat, const char *name, char *out_name, size_t cap,
                                   int64_t *out_id)
{
    mood_db_stmt *st;
    char now[32];
    mood__utc_now(now, sizeof now, NULL, 0);
    for (int k = 1; k < 1000; k++) {
        int inserted = 0;
        if (k == 1)
            snprintf(out_name, cap, "%s", name);
        else
            snprintf(out_name, cap, "%s_%d", name, k);
        if (mood__db_prepare(mood__catalog_dbh(cat),
                             "INSERT INTO stable_playlists(name, version, created_utc, "
                             "updated_utc) VALUES(?, 0, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
                             &st) != MOOD_OK)
            return mood__catalog_error(cat, "stable playlists");
        mood__db_bind_text(st, 1, out_name);
        mood__db_bind_text(st, 2, now);
        mood__db_bind_text(st, 3, now);
        mood_status s = mood__db_insert_id(st, out_id, &inserted);
        mood__db_finalize(st);
        if (s != MOOD_OK)
            return mood__catalog_error(cat, "stable playlists");
        if (inserted)
            return MOOD_OK;
    }
    return mood__error(MOOD_EINVAL, "stable playlists: no free name for '%s'", name);
}

/* ---- one update --------------------------------------------------------------------------- */

typedef struct space_keys {
    const char **v; /* sorted keys of every row of the space */
    size_t n;
} space_keys;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int in_space(const space_keys *sk, const char *key)
{
    return sk->n && bsearch(&key, sk->v, sk->n, sizeof *sk->v, cmp_str) != NULL;
}

/* Record the version of @p p now holding keys/labels (plan @p pl): tracks, diff, version. */
static mood_status record(mood_catalog *cat, const char *source, const char *group, const stored *p,
                          char *const *keys, char *const *labels, const stable_plan *pl,
                          mood_stable_change *ch)
{
    size_t *seq = mood__malloc_array(pl->n_add + 1, sizeof *seq);
    char *added = NULL, *removed = NULL;
    mood_status s = MOOD_OK;
    for (size_t k = 0; seq && k < pl->n_add; k++)
        seq[k] = pl->n_keep + k;
    if (seq)
        added = diff_text(keys, labels, seq, pl->n_add);
    removed = diff_text(p->keys, p->labels, pl->remove, pl->n_remove);
    if (!added || !removed)
        s = mood__enomem("stable playlists");
    if (s == MOOD_OK)
        s = write_tracks(cat, p->id, keys, labels, ch->after);
    if (s == MOOD_OK) {
        version_rec v = {p->id,     ++ch->version, source, group,
                         ch->after, pl->deferred,  added,  removed};
        s = write_version(cat, &v);
    }
    mood__free(seq);
    mood__free(added);
    mood__free(removed);
    return s;
}

/* Apply @p f to stored playlist @p p (NULL: a new identity) and record the version. */
static mood_status update_one(mood_catalog *cat, const char *source, const char *group, stored *p,
                              const fresh *f, const space_keys *sk, int check_library,
                              const mood_stable_options *o, mood_stable_change *ch)
{
    stored fresh_identity;
    unsigned char *gone = NULL;
    stable_plan plan;
    char **keys = NULL, **labels = NULL;
    mood_status s = MOOD_OK;
    if (!p) {
        memset(&fresh_identity, 0, sizeof fresh_identity);
        p = &fresh_identity;
        s = create_identity(cat, group, p->name, sizeof p->name, &p->id);
        ch->created = 1;
    }
    snprintf(ch->name, sizeof ch->name, "%s", p->name);
    snprintf(ch->group, sizeof ch->group, "%s", group);
    ch->before = p->n;
    gone = mood__calloc(p->n + 1, 1);
    if (s == MOOD_OK && !gone)
        s = mood__enomem("stable playlists");
    for (size_t k = 0; s == MOOD_OK && k < p->n; k++)
        gone[k] = !in_space(sk, p->keys[k]) || (check_library && !in_library(cat, p->keys[k]));
    if (s == MOOD_OK)
        s = mood__stable_plan((const char *const *)p->keys, p->n, gone, f->keys, f->n,
                              mood__stable_cap(o, p->n), &plan);
    mood__free(gone);
    if (s != MOOD_OK)
        return s;
    ch->added = plan.n_add;
    ch->removed = plan.n_remove;
    ch->deferred = plan.deferred;
    ch->after = plan.n_keep + plan.n_add;
    ch->version = p->version;
    ch->changed = ch->created || plan.n_add || plan.n_remove;
    keys = mood__malloc_array(ch->after + 1, sizeof *keys);
    labels = mood__malloc_array(ch->after + 1, sizeof *labels);
    if (!keys || !labels)
        s = mood__enomem("stable playlists");
    for (size_t k = 0; s == MOOD_OK && k < plan.n_keep; k++) {
        keys[k] = p->keys[plan.keep[k]];
        labels[k] = p->labels[plan.keep[k]];
    }
    for (size_t k = 0; s == MOOD_OK && k < plan.n_add; k++) {
        keys[plan.n_keep + k] = (char *)f->keys[plan.add[k]];
        labels[plan.n_keep + k] = f->labels[plan.add[k]];
    }
    if (s == MOOD_OK && ch->changed)
        s = record(cat, source, group, p, keys, labels, &plan, ch);
    mood__free(keys);
    mood__free(labels);
    mood__stable_plan_free(&plan);
    return s;
}

static mood_status space_keys_build(const mood_space *sp, space_keys *out)
{
    out->n = mood_space_size(sp);
    out->v = mood__malloc_array(out->n + 1, sizeof *out->v);
    if (!out->v)
        return mood__enomem("stable playlists");
    for (size_t i = 0; i < out->n; i++) {
        out->v[i] = row_key(sp, i);
        if (!out->v[i])
            out->v[i] = "";
    }
    qsort(out->v, out->n, sizeof *out->v, cmp_str);
    return MOOD_OK;
}

/* Build the fresh playlists, match them, and apply each (inside the caller's transaction). */
static mood_status update_all(mood_catalog *cat, const char *source, const mood_playlist_set *set,
                              const mood_stable_options *o, mood_stable_change *ch)
{
    size_t nf = mood_playlist_count(set), nv = 0;
    fresh *f = mood__calloc(nf + 1, sizeof *f);
    long *match = mood__calloc(nf + 1, sizeof *match);
    stored *v = NULL;
    space_keys sk = {0};
    int check = o->catalog_library != NULL;
    mood_status s = f && match ? MOOD_OK : mood__enomem("stable playlists");
    if (s == MOOD_OK)
        s = load_all(cat, &v, &nv);
    if (s == MOOD_OK)
        s = space_keys_build(mood_playlist_space(set), &sk);
    for (size_t i = 0; s == MOOD_OK && i < nf; i++)
        s = fresh_build(cat, set, i, check, &f[i]);
    if (s == MOOD_OK)
        s = match_all(v, nv, f, nf, match);
    for (size_t i = 0; s == MOOD_OK && i < nf; i++)
        s = update_one(cat, source, mood_playlist_name(set, i), match[i] >= 0 ? &v[match[i]] : NULL,
                       &f[i], &sk, check, o, &ch[i]);
    for (size_t i = 0; f && i < nf; i++)
        fresh_free(&f[i]);
    mood__free(f);
    mood__free(match);
    mood__free((void *)sk.v);
    stored_free(v, nv);
    return s;
}

mood_status mood_stable_update(mood_catalog *cat, const char *source, const mood_playlist_set *set,
                               const mood_stable_options *o, mood_stable_change **out,
                               size_t *out_n)
{
    mood_stable_options dflt;
    size_t nf = mood_playlist_count(set);
    mood_stable_change *ch;
    mood_status s;
    *out = NULL;
    *out_n = 0;
    if (!o) {
        mood_stable_options_default(&dflt);
        o = &dflt;
    }
    s = mood__stable_migrate(cat);
    if (s != MOOD_OK)
        return s;
    ch = mood__calloc(nf + 1, sizeof *ch);
    if (!ch)
        return mood__enomem("stable playlists");
    s = mood__db_begin(mood__catalog_dbh(cat));
    if (s == MOOD_OK)
        s = update_all(cat, source ? source : "", set, o, ch);
    if (s == MOOD_OK)
        s = mood__db_commit(mood__catalog_dbh(cat));
    else
        mood__db_rollback(mood__catalog_dbh(cat));
    if (s != MOOD_OK) {
        mood__free(ch);
        return s;
    }
    *out = ch;
    *out_n = nf;
    return MOOD_OK;
}

/* ---- reading ------------------------------------------------------------------------------ */

/* Collect column 0 (and 1 when @p out2) of @p st as NULL-terminated arrays in one block each. */
static mood_status collect(mood_db_stmt *st, char ***out, char ***out2, size_t *out_n)
{
    size_t n = 0, bytes[2] = {0, 0}, cap = 0;
    char **tmp[2] = {NULL, NULL};
    mood_status s = MOOD_OK;
    while (s == MOOD_OK && mood__db_step_rc(st) == MOOD_DB_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 32;
            for (int c = 0; c < 2 && s == MOOD_OK; c++) {
                char **t = mood__realloc(tmp[c], cap * sizeof *t);
                if (!t)
                    s = mood__enomem("stable playlists");
                else
                    tmp[c] = t;
            }
            if (s != MOOD_OK)
                break;
        }
        for (int c = 0; c < 2; c++) {
            const char *v = mood__db_col_text(st, c);
            tmp[c][n] = mood__strdup(v ? v : "");
            bytes[c] += strlen(tmp[c][n] ? tmp[c][n] : "") + 1;
        }
        n++;
    }
    for (int c = 0; c < 2; c++) {
        char ***dst = c == 0 ? out : out2;
        if (dst && s == MOOD_OK) {
            char **blk = mood__malloc((n + 1) * sizeof(char *) + bytes[c] + 1);
            char *w = blk ? (char *)(blk + n + 1) : NULL;
            if (!blk)
                s = mood__enomem("stable playlists");
            for (size_t i = 0; blk && i < n; i++) {
                blk[i] = w;
                strcpy(w, tmp[c][i] ? tmp[c][i] : "");
                w += strlen(w) + 1;
            }
            if (blk)
                blk[n] = NULL;
            *dst = blk;
        }
        for (size_t i = 0; i < n; i++)
            mood__free(tmp[c][i]);
        mood__free(tmp[c]);
    }
    *out_n = n;
    return s;
}

/* The tables up to date, then @p sql prepared with the playlist @p name bound as its parameter
 * (NULL: none). */
static mood_status stable_query(mood_catalog *cat, const char *sql, const char *name,
                                mood_db_stmt **st)
{
    mood_status s = mood__stable_migrate(cat);
    if (s != MOOD_OK)
        return s;
    if (mood__db_prepare(mood__catalog_dbh(cat), sql, st) != MOOD_OK)
        return mood__catalog_error(cat, "stable playlists");
    if (name)
        mood__db_bind_text(*st, 1, name);
    return MOOD_OK;
}

mood_status mood_stable_tracks(mood_catalog *cat, const char *name, char ***out, size_t *out_n)
{
    mood_db_stmt *st;
    *out = NULL;
    *out_n = 0;
    mood_status s = stable_query(cat,
                                 "SELECT t.track_key, t.label FROM stable_playlist_tracks t JOIN "
                                 "stable_playlists p ON p.id = t.playlist_id WHERE p.name = ? "
                                 "ORDER BY t.pos",
                                 name, &st);
    if (s != MOOD_OK)
        return s;
    s = collect(st, out, NULL, out_n);
    mood__db_finalize(st);
    return s;
}

mood_status mood_stable_list(mood_catalog *cat, char ***out_names, char ***out_sources,
                             size_t *out_n)
{
    mood_db_stmt *st;
    *out_names = NULL;
    *out_sources = NULL;
    *out_n = 0;
    mood_status s = stable_query(
        cat, "SELECT name, COALESCE(source, '') FROM stable_playlists ORDER BY id", NULL, &st);
    if (s != MOOD_OK)
        return s;
    s = collect(st, out_names, out_sources, out_n);
    mood__db_finalize(st);
    return s;
}

/* Print each "key<TAB>label" line of @p text as "  <mark> label (key)". */
static void print_diff(FILE *fp, const char *text, char mark)
{
    for (const char *l = text; l && *l;) {
        const char *tab = strchr(l, '\t'), *nl = strchr(l, '\n');
        if (!nl)
            nl = l + strlen(l);
        if (tab && tab < nl)
            fprintf(fp, "  %c %.*s (%.*s)\n", mark, (int)(nl - tab - 1), tab + 1, (int)(tab - l),
                    l);
        l = *nl ? nl + 1 : nl;
    }
}

mood_status mood_stable_history(mood_catalog *cat, const char *name, FILE *fp)
{
    mood_db_stmt *st;
    int rows = 0;
    mood_status s = stable_query(cat,
                                 "SELECT v.version, v.created_utc, COALESCE(v.source, ''), "
                                 "COALESCE(v.group_name, ''), v.n_tracks, v.added, v.removed, "
                                 "v.deferred FROM stable_playlist_versions v JOIN stable_playlists "
                                 "p ON p.id = v.playlist_id WHERE p.name = ? ORDER BY v.version",
                                 name, &st);
    if (s != MOOD_OK)
        return s;
    while (mood__db_step_rc(st) == MOOD_DB_ROW) {
        const char *added = mood__db_col_text(st, 5), *removed = mood__db_col_text(st, 6);
        size_t na = 0, nr = 0;
        for (const char *c = added; c && *c; c++)
            na += *c == '\n';
        for (const char *c = removed; c && *c; c++)
            nr += *c == '\n';
        fprintf(fp, "version %d  %s  %lld tracks  +%zu -%zu  deferred %lld  group %s  from %s\n",
                mood__db_col_int(st, 0), mood__db_col_text(st, 1),
                (long long)mood__db_col_int64(st, 4), na, nr, (long long)mood__db_col_int64(st, 7),
                mood__db_col_text(st, 3), mood__db_col_text(st, 2));
        print_diff(fp, added, '+');
        print_diff(fp, removed, '-');
        rows++;
    }
    mood__db_finalize(st);
    if (!rows)
        return mood__error(MOOD_ENOTFOUND,
                           "stable playlist '%s': no such playlist (see "
                           "`moodscope playlists --update`)",
                           name);
    return MOOD_OK;
}
