/*
 * Library routes: the analysed music library (catalog) or a CSV track table, its map, search,
 * similar tracks, song paths, alchemy, DJ next-track picks and playlist export.
 *   GET  /library/sources                     catalog state and counts
 *   GET  /library/tracks?source=S&q=&offset=&limit=
 *   GET  /library/map?source=S                2-D coordinates of every track (PCA of the space)
 *   GET  /library/similar?source=S&track=T&n=
 *   GET  /library/path?source=S&a=T&b=T&n=
 *   POST /library/alchemy {source, add: [T], subtract: [T], n}
 *   GET  /library/next?source=S&track=T&energy=up|down|steady|any&n=
 *   POST /library/playlist {source, rows: [..], name, format: m3u8|xspf|json}
 *   GET  /playlists/{file}
 *   POST /jobs {"kind": "mix", source, a: T, b: T, beats}   render A into B (a job)
 *   GET  /mixes/{file}
 * A source is "catalog" or a CSV file of the data folder; a track T is "@<row>" or anything
 * mood_space_resolve() understands (id, path, "artist - title").
 *
 * One track space and index stay open (the last source asked for) behind a read-write lock:
 * queries share it, opening another source waits for them. Everything here calls the library;
 * the map's coordinates are the library's PCA of the track vectors.
 */
#include "../core/internal.h"
#include "../io/json_util.h"
#include "server_internal.h"

#include <moodscope/catalog.h>
#include <moodscope/fileio.h>
#include <moodscope/library.h>
#include <moodscope/mix.h>
#include <moodscope/playlist.h>
#include <moodscope/prep.h>
#include <moodscope/recommend.h>

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#define MAX_HITS 200

struct srv_library {
    char key[1100]; /* "catalog@<mtimes>" or the confined CSV path */
    mood_space *space;
    mood_index *index;
    float *xy; /* n×2 map coordinates */
};

void mood__srv_library_close(mood_server *s)
{
    struct srv_library *l = s->library;
    if (!l)
        return;
    mood_index_destroy(l->index);
    mood_space_destroy(l->space);
    mood__free(l->xy);
    mood__free(l);
    s->library = NULL;
}

/* Project the track vectors on their first two principal components (the library's PCA). */
static mood_status library_map(struct srv_library *l)
{
    size_t n = mood_space_size(l->space), d = mood_space_dim(l->space);
    mood_pca p;
    memset(&p, 0, sizeof p);
    l->xy = mood__malloc_array(n ? n * 2 : 2, sizeof(float));
    if (!l->xy)
        return mood__enomem("library map");
    if (n < 3 || d < 2) {
        /* Too few tracks or a single feature: lay them on a line by their first value. */
        const float *v = mood_space_vectors(l->space);
        for (size_t i = 0; i < n; i++) {
            l->xy[2 * i] = d ? v[i * d] : (float)i;
            l->xy[2 * i + 1] = 0.0f;
        }
        return MOOD_OK;
    }
    mood_status st = mood_pca_fit(mood_space_vectors(l->space), n, d, 2, &p);
    if (st == MOOD_OK)
        mood_pca_transform(&p, mood_space_vectors(l->space), n, l->xy);
    mood_pca_free(&p);
    return st;
}

/*
 * "catalog@<mtimes>": the catalog's cache key, which changes whenever the catalog is written
 * (a commit touches the WAL file), e.g. by `moodscope library set` from another process, so
 * that the open space never serves stale tempo or key values.
 */
static void catalog_key(const char *path, char *key, size_t cap)
{
    char wal[1100];
    struct stat a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    snprintf(wal, sizeof wal, "%s-wal", path);
    if (stat(path, &a) != 0 || stat(wal, &b) != 0)
        memset(&b, 0, sizeof b);
    snprintf(key, cap, "catalog@%lld.%09ld:%lld.%09ld:%lld", (long long)a.st_mtim.tv_sec,
             a.st_mtim.tv_nsec, (long long)b.st_mtim.tv_sec, b.st_mtim.tv_nsec,
             (long long)b.st_size);
}

/*
 * Open (or reuse) the space of @p source and return with the read lock held on success
 * (release with pthread_rwlock_unlock). On failure the response is filled.
 */
static int library_acquire(mood_server *s, const char *source, srv_response *rs)
{
    char key[1100];
    char *csv = NULL;
    if (!source || !*source || strcmp(source, "catalog") == 0) {
        if (!s->catalog || !mood_path_exists(s->catalog)) {
            mood__srv_error(rs, 404, "ENOTFOUND",
                            "library: no catalog yet: analyse a folder or pick a CSV track table");
            return 0;
        }
        catalog_key(s->catalog, key, sizeof key);
    } else {
        if (!mood__srv_confine_data(s, source, &csv, rs))
            return 0;
        snprintf(key, sizeof key, "%s", csv);
    }
    pthread_rwlock_rdlock(&s->library_lock);
    if (s->library && strcmp(s->library->key, key) == 0) {
        mood__free(csv);
        return 1;
    }
    pthread_rwlock_unlock(&s->library_lock);

    pthread_rwlock_wrlock(&s->library_lock);
    if (!s->library || strcmp(s->library->key, key) != 0) {
        mood__srv_library_close(s);
        struct srv_library *l = mood__calloc(1, sizeof *l);
        mood_status st = l ? MOOD_OK : mood__enomem("library");
        if (st == MOOD_OK) {
            mood_tracks_source src;
            memset(&src, 0, sizeof src);
            src.table_csv = csv;
            src.catalog_path = csv ? NULL : s->catalog;
            snprintf(l->key, sizeof l->key, "%s", key);
            st = mood_tracks_open(&src, NULL, NULL, &l->space, &l->index);
        }
        if (st == MOOD_OK && mood_space_size(l->space) == 0)
            st = mood__error(MOOD_ENOTFOUND, "library: %s has no tracks",
                             csv ? source : "the catalog");
        if (st == MOOD_OK)
            st = library_map(l);
        if (st != MOOD_OK) {
            if (l) {
                mood_index_destroy(l->index);
                mood_space_destroy(l->space);
                mood__free(l->xy);
                mood__free(l);
            }
            pthread_rwlock_unlock(&s->library_lock);
            mood__free(csv);
            mood__srv_status_error(rs, st, "library");
            return 0;
        }
        s->library = l;
    }
    pthread_rwlock_unlock(&s->library_lock);
    mood__free(csv);
    /* Re-take as a reader; if another request switched sources meanwhile, try again. */
    pthread_rwlock_rdlock(&s->library_lock);
    if (s->library && strcmp(s->library->key, key) == 0)
        return 1;
    pthread_rwlock_unlock(&s->library_lock);
    mood__srv_error(rs, 503, "EBUSY", "library: another source is being opened; try again");
    return 0;
}

static json_t *track_json(const mood_space *sp, const struct srv_library *l, size_t row)
{
    int num = 0;
    char letter = mood_space_camelot(sp, row, &num);
    char cam[8] = "";
    if (letter)
        snprintf(cam, sizeof cam, "%d%c", num, letter);
    json_t *o = json_pack("{s:I,s:o,s:o,s:o,s:s}", "row", (json_int_t)row, "id",
                          mood__srv_jstr(mood_space_id(sp, row)), "title",
                          mood__srv_jstr(mood_space_title(sp, row)), "artist",
                          mood__srv_jstr(mood_space_artist(sp, row)), "camelot", cam);
    if (!o)
        return NULL;
    float tempo = mood_space_tempo(sp, row), energy = mood_space_energy(sp, row);
    float dur = mood_space_duration(sp, row);
    json_object_set_new(o, "tempo_bpm", mood__json_real(tempo));
    json_object_set_new(o, "energy", mood__json_real(energy));
    json_object_set_new(o, "duration_s", mood__json_real(dur));
    const char *path = mood_space_path(sp, row);
    const char *base = strrchr(path, '/');
    json_object_set_new(o, "has_audio", json_boolean(path[0] != '\0'));
    json_object_set_new(o, "file", mood__srv_jstr(base ? base + 1 : path));
    json_object_set_new(o, "x", json_real(l->xy[2 * row]));
    json_object_set_new(o, "y", json_real(l->xy[2 * row + 1]));
    return o;
}

static json_t *hits_json(const struct srv_library *l, const mood_hit *h, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        json_t *o = track_json(l->space, l, h[i].row);
        if (o) {
            json_object_set_new(o, "distance", json_real(h[i].distance));
            json_object_set_new(o, "score", json_real(h[i].score));
            json_object_set_new(o, "reasons", mood__srv_jstr(h[i].reasons));
        }
        json_array_append_new(arr, o);
    }
    return arr;
}

/* "@<row>" or a query for mood_space_resolve(); 0 after filling a 4xx. */
static int resolve(const struct srv_library *l, const char *q, const char *field, size_t *row,
                   srv_response *rs)
{
    if (!q || !*q) {
        mood__srv_error(rs, 400, "EINVAL",
                        "%s: expected a track (\"@row\", id or \"artist - title\")", field);
        return 0;
    }
    if (q[0] == '@') {
        char *end;
        unsigned long long v = strtoull(q + 1, &end, 10);
        if (*end || end == q + 1 || v >= mood_space_size(l->space)) {
            mood__srv_error(rs, 404, "ENOTFOUND", "%s: no track at row '%.40s'", field, q + 1);
            return 0;
        }
        *row = (size_t)v;
        return 1;
    }
    mood_status st = mood_space_resolve(l->space, q, row);
    if (st != MOOD_OK) {
        mood__srv_status_error(rs, st, field);
        return 0;
    }
    return 1;
}

static size_t query_n(const srv_request *rq, size_t dflt)
{
    const char *v = mood__srv_query(rq, "n");
    long n = v ? strtol(v, NULL, 10) : (long)dflt;
    return n < 1 ? 1 : (n > MAX_HITS ? MAX_HITS : (size_t)n);
}

/* ---- routes ---------------------------------------------------------------------------- */

static void route_sources(mood_server *s, srv_response *rs)
{
    json_t *cat = json_null();
    if (s->catalog && mood_path_exists(s->catalog)) {
        mood_catalog *c = NULL;
        mood_library_stats st;
        if (mood_catalog_open(s->catalog, &c) == MOOD_OK &&
            mood_library_stats_get(c, &st) == MOOD_OK)
            cat = json_pack("{s:s,s:I,s:I,s:I,s:f}", "path", s->catalog, "tracks",
                            (json_int_t)st.tracks, "analyzed", (json_int_t)st.ok, "failed",
                            (json_int_t)st.failed, "audio_hours", st.audio_hours);
        else
            cat = json_pack("{s:s,s:s}", "path", s->catalog, "error", mood_last_error());
        mood_catalog_close(c);
    }
    json_t *open = json_null();
    pthread_rwlock_rdlock(&s->library_lock);
    if (s->library)
        open = json_pack("{s:I,s:b}", "tracks", (json_int_t)mood_space_size(s->library->space),
                         "approximate", mood_index_is_approximate(s->library->index));
    pthread_rwlock_unlock(&s->library_lock);
    mood__srv_json(rs, 200,
                   json_pack("{s:o,s:o,s:o,s:b}", "catalog", cat, "library_dir",
                             mood__json_str_or_null(s->library_dir), "open", open, "can_analyze",
                             s->catalog != NULL));
}

/* Case-insensitive substring test without allocating. */
static int contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    if (!n)
        return 1;
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return 1;
    return 0;
}

static void route_tracks(mood_server *s, const srv_request *rq, srv_response *rs)
{
    if (!library_acquire(s, mood__srv_query(rq, "source"), rs))
        return;
    const struct srv_library *l = s->library;
    const char *q = mood__srv_query(rq, "q");
    const char *o = mood__srv_query(rq, "offset"), *lim = mood__srv_query(rq, "limit");
    size_t offset = o ? strtoul(o, NULL, 10) : 0;
    size_t limit = lim ? strtoul(lim, NULL, 10) : 100;
    if (limit == 0 || limit > 1000)
        limit = 1000;
    size_t n = mood_space_size(l->space), matched = 0;
    json_t *rows = json_array();
    for (size_t i = 0; rows && i < n; i++) {
        if (q && *q && !contains_ci(mood_space_title(l->space, i), q) &&
            !contains_ci(mood_space_artist(l->space, i), q) &&
            !contains_ci(mood_space_id(l->space, i), q) &&
            !contains_ci(mood_space_path(l->space, i), q))
            continue;
        if (matched >= offset && matched < offset + limit)
            json_array_append_new(rows, track_json(l->space, l, i));
        matched++;
    }
    pthread_rwlock_unlock(&s->library_lock);
    mood__srv_json(rs, 200,
                   json_pack("{s:I,s:I,s:o}", "total", (json_int_t)n, "matched",
                             (json_int_t)matched, "tracks", rows));
}

static void route_map(mood_server *s, const srv_request *rq, srv_response *rs)
{
    if (!library_acquire(s, mood__srv_query(rq, "source"), rs))
        return;
    const struct srv_library *l = s->library;
    size_t n = mood_space_size(l->space);
    /* Plain arrays: a 100k-track map stays a few MB and parses straight into typed arrays. */
    json_t *x = json_array(), *y = json_array(), *mood = json_array(), *title = json_array();
    json_t *energy = json_array(), *tempo = json_array();
    const mood_table *t = mood_space_table(l->space);
    size_t jm = 0;
    int has_mood = mood_table_find(t, "mood_label", &jm) == MOOD_OK &&
                   mood_table_col_kind(t, jm) == MOOD_COL_STR;
    for (size_t i = 0; x && y && mood && title && i < n; i++) {
        json_array_append_new(x, json_real(l->xy[2 * i]));
        json_array_append_new(y, json_real(l->xy[2 * i + 1]));
        if (has_mood)
            json_array_append_new(mood, mood__srv_jstr(mood_table_str(t, jm, i)));
        const char *ti = mood_space_title(l->space, i), *ar = mood_space_artist(l->space, i);
        char label[512];
        if (*ti && *ar) {
            snprintf(label, sizeof label, "%s \xe2\x80\x94 %s", ar, ti);
        } else if (*ti) {
            snprintf(label, sizeof label, "%s", ti);
        } else {
            const char *p = mood_space_path(l->space, i), *b = strrchr(p, '/');
            snprintf(label, sizeof label, "%s", *p ? (b ? b + 1 : p) : mood_space_id(l->space, i));
        }
        json_array_append_new(title, mood__srv_jstr(label));
        float e = mood_space_energy(l->space, i), bpm = mood_space_tempo(l->space, i);
        json_array_append_new(energy, mood__json_real(e));
        json_array_append_new(tempo, mood__json_real(bpm));
    }
    pthread_rwlock_unlock(&s->library_lock);
    if (!has_mood) {
        json_decref(mood);
        mood = json_null();
    }
    mood__srv_json(rs, 200,
                   json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o}", "n", (json_int_t)n, "x", x, "y", y,
                             "mood", mood, "title", title, "energy", energy, "tempo_bpm", tempo));
}

static void route_similar(mood_server *s, const srv_request *rq, srv_response *rs, int dj)
{
    mood_hit *hits = NULL;
    size_t row, found = 0, n = query_n(rq, 10);
    if (!library_acquire(s, mood__srv_query(rq, "source"), rs))
        return;
    const struct srv_library *l = s->library;
    if (!resolve(l, mood__srv_query(rq, "track"), "track", &row, rs))
        goto done;
    hits = mood__calloc(n, sizeof *hits);
    if (!hits) {
        mood__srv_error(rs, 500, "ENOMEM", "out of memory");
        goto done;
    }
    mood_status st;
    if (dj) {
        mood_dj_options o;
        mood_dj_options_default(&o);
        const char *e = mood__srv_query(rq, "energy");
        if (e && mood_energy_dir_parse(e, &o.energy) != MOOD_OK) {
            mood__srv_error(rs, 400, "EINVAL", "energy: expected up, down, steady or any");
            goto done;
        }
        const char *key = mood__srv_query(rq, "key");
        if (key && strcmp(key, "0") == 0)
            o.require_key = 0;
        st = mood_dj_next(l->space, l->index, row, &o, n, hits, &found);
    } else {
        st = mood_similar(l->space, l->index, row, n, hits, &found);
    }
    if (st != MOOD_OK)
        mood__srv_status_error(rs, st, dj ? "next" : "similar");
    else
        mood__srv_json(rs, 200,
                       json_pack("{s:o,s:o}", "track", track_json(l->space, l, row), "hits",
                                 hits_json(l, hits, found)));
done:
    pthread_rwlock_unlock(&s->library_lock);
    mood__free(hits);
}

static void route_path(mood_server *s, const srv_request *rq, srv_response *rs)
{
    mood_hit *hits = NULL;
    size_t a, b, n = query_n(rq, 10);
    mood_path_info info;
    if (n < 2)
        n = 2;
    if (!library_acquire(s, mood__srv_query(rq, "source"), rs))
        return;
    const struct srv_library *l = s->library;
    if (!resolve(l, mood__srv_query(rq, "a"), "a", &a, rs) ||
        !resolve(l, mood__srv_query(rq, "b"), "b", &b, rs))
        goto done;
    hits = mood__calloc(n, sizeof *hits);
    if (!hits) {
        mood__srv_error(rs, 500, "ENOMEM", "out of memory");
        goto done;
    }
    mood_status st = mood_song_path(l->space, l->index, a, b, n, hits, &info);
    if (st != MOOD_OK)
        mood__srv_status_error(rs, st, "path");
    else
        mood__srv_json(rs, 200,
                       json_pack("{s:o,s:{s:I,s:I,s:f,s:f}}", "hits",
                                 hits_json(l, hits, info.found), "info", "requested",
                                 (json_int_t)info.requested, "found", (json_int_t)info.found,
                                 "step", (double)info.step, "local_nn", (double)info.local_nn));
done:
    pthread_rwlock_unlock(&s->library_lock);
    mood__free(hits);
}

/* Resolve a JSON array of tracks into rows (caller buffer of 64). */
static int resolve_list(const struct srv_library *l, json_t *arr, const char *field, size_t *rows,
                        size_t *n, srv_response *rs)
{
    *n = 0;
    if (!arr || json_is_null(arr))
        return 1;
    if (!json_is_array(arr) || json_array_size(arr) > 64) {
        mood__srv_error(rs, 400, "EINVAL", "field '%s': expected a list of at most 64 tracks",
                        field);
        return 0;
    }
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const char *q = json_string_value(json_array_get(arr, i));
        if (!resolve(l, q, field, &rows[*n], rs))
            return 0;
        (*n)++;
    }
    return 1;
}

static void route_alchemy(mood_server *s, const srv_request *rq, srv_response *rs)
{
    size_t add[64], sub[64], n_add, n_sub, found = 0;
    mood_hit *hits = NULL;
    json_t *body = mood__srv_body_json(rq, rs);
    if (!body)
        return;
    const char *source = json_string_value(json_object_get(body, "source"));
    json_int_t want = json_integer_value(json_object_get(body, "n"));
    size_t n = want < 1 ? 10 : (want > MAX_HITS ? MAX_HITS : (size_t)want);
    if (!library_acquire(s, source, rs)) {
        json_decref(body);
        return;
    }
    const struct srv_library *l = s->library;
    if (!resolve_list(l, json_object_get(body, "add"), "add", add, &n_add, rs) ||
        !resolve_list(l, json_object_get(body, "subtract"), "subtract", sub, &n_sub, rs))
        goto done;
    if (n_add == 0) {
        mood__srv_error(rs, 400, "EINVAL", "field 'add': expected at least one track");
        goto done;
    }
    hits = mood__calloc(n, sizeof *hits);
    if (!hits) {
        mood__srv_error(rs, 500, "ENOMEM", "out of memory");
        goto done;
    }
    mood_alchemy_options o;
    mood_alchemy_options_default(&o);
    mood_status st = mood_alchemy(l->space, l->index, add, n_add, sub, n_sub, &o, n, hits, &found);
    if (st != MOOD_OK)
        mood__srv_status_error(rs, st, "alchemy");
    else
        mood__srv_json(rs, 200, json_pack("{s:o}", "hits", hits_json(l, hits, found)));
done:
    pthread_rwlock_unlock(&s->library_lock);
    mood__free(hits);
    json_decref(body);
}

static void route_playlist(mood_server *s, const srv_request *rq, srv_response *rs)
{
    size_t *rows = NULL, n = 0, skipped = 0;
    json_t *body = mood__srv_body_json(rq, rs);
    if (!body)
        return;
    const char *source = json_string_value(json_object_get(body, "source"));
    const char *name = json_string_value(json_object_get(body, "name"));
    const char *fmt = json_string_value(json_object_get(body, "format"));
    json_t *arr = json_object_get(body, "rows");
    mood_playlist_format f = MOOD_PLAYLIST_M3U8;
    if (!mood__srv_safe_name(name, 80)) {
        mood__srv_error(
            rs, 400, "EINVAL",
            "field 'name': expected 1..80 characters of A-Z a-z 0-9 . _ - (not starting "
            "with a dot)");
        json_decref(body);
        return;
    }
    if (fmt && mood_playlist_format_parse(fmt, &f) != MOOD_OK) {
        mood__srv_error(rs, 400, "EINVAL", "field 'format': expected m3u8, xspf or json");
        json_decref(body);
        return;
    }
    if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > 100000) {
        mood__srv_error(rs, 400, "EINVAL", "field 'rows': expected a list of track rows");
        json_decref(body);
        return;
    }
    if (!library_acquire(s, source, rs)) {
        json_decref(body);
        return;
    }
    const struct srv_library *l = s->library;
    size_t total = mood_space_size(l->space);
    rows = mood__malloc_array(json_array_size(arr), sizeof *rows);
    if (!rows) {
        mood__srv_error(rs, 500, "ENOMEM", "out of memory");
        goto done;
    }
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *v = json_array_get(arr, i);
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            (size_t)json_integer_value(v) >= total) {
            mood__srv_error(rs, 400, "EINVAL", "field 'rows'[%zu]: expected a row in 0..%zu", i,
                            total ? total - 1 : 0);
            goto done;
        }
        rows[n++] = (size_t)json_integer_value(v);
    }
    char file[200];
    snprintf(file, sizeof file, "%s.%s", name, mood_playlist_format_ext(f));
    char *path = mood__srv_join(s->playlists_dir, file);
    mood_status st = path ? mood_playlist_write_rows(l->space, rows, n, name, f, path, 0, &skipped)
                          : mood__enomem("playlist");
    mood__free(path);
    if (st != MOOD_OK) {
        mood__srv_status_error(rs, st, "playlist");
    } else {
        char url[300];
        snprintf(url, sizeof url, "/api/v1/playlists/%s", file);
        mood__srv_json(rs, 201,
                       json_pack("{s:s,s:s,s:I,s:I}", "file", file, "url", url, "tracks",
                                 (json_int_t)(n - skipped), "skipped", (json_int_t)skipped));
    }
done:
    pthread_rwlock_unlock(&s->library_lock);
    mood__free(rows);
    json_decref(body);
}

static void route_playlist_file(mood_server *s, const char *file, srv_response *rs)
{
    char *path = NULL;
    if (!mood__srv_safe_name(file, 200)) {
        mood__srv_error(rs, 403, "EFORBIDDEN", "file name '%.60s' refused", file);
        return;
    }
    if (!mood__srv_confine(s->playlists_dir, file, &path, rs))
        return;
    mood__srv_file(rs, path, mood__srv_mime(file), file);
    mood__free(path);
}

/* ---- analysis job ---------------------------------------------------------------------- */

typedef struct analyze_job {
    char *catalog;
    char *paths[32];
    size_t n;
    mood_server *server;
} analyze_job;

static void analyze_job_free(void *arg)
{
    analyze_job *aj = arg;
    for (size_t i = 0; i < aj->n; i++)
        mood__free(aj->paths[i]);
    mood__free(aj->catalog);
    mood__free(aj);
}

static int analyze_progress(void *user, const mood_analyze_progress *p)
{
    char stage[64];
    snprintf(stage, sizeof stage, "analysing %zu/%zu files", p->files_done, p->files_total);
    return mood__srv_job_progress(user, stage, (double)p->files_done,
                                  p->files_total ? (double)p->files_total : 1.0);
}

static mood_status analyze_job_run(srv_job *j, void *arg)
{
    analyze_job *aj = arg;
    mood_catalog *cat = NULL;
    mood_analyze_options o;
    mood_analyze_summary sum;
    memset(&sum, 0, sizeof sum);
    mood_status st = mood_catalog_open(aj->catalog, &cat);
    if (st != MOOD_OK)
        return st;
    mood_analyze_options_default(&o);
    o.progress = analyze_progress;
    o.progress_user = j;
    st = mood_library_analyze(cat, (const char *const *)aj->paths, aj->n, &o, &sum);
    mood_catalog_close(cat);
    if (st == MOOD_OK || st == MOOD_ECANCELED) {
        json_t *fails = json_array();
        for (size_t i = 0; fails && i < sum.n_failures && i < 50; i++)
            json_array_append_new(fails, json_pack("{s:s,s:s}", "path", sum.failures[i].path,
                                                   "reason", sum.failures[i].reason));
        mood__srv_job_set_result(
            j, json_pack("{s:I,s:I,s:I,s:I,s:f,s:f,s:o,s:s}", "files", (json_int_t)sum.files_total,
                         "analyzed", (json_int_t)sum.analyzed, "skipped", (json_int_t)sum.skipped,
                         "failed", (json_int_t)sum.failed, "audio_s", sum.audio_s, "elapsed_s",
                         sum.elapsed_s, "failures", fails, "link", "#/library"));
    }
    mood_analyze_summary_free(&sum);
    /* A new analysis changes the catalog: the open space is stale. */
    pthread_rwlock_wrlock(&aj->server->library_lock);
    if (aj->server->library && strncmp(aj->server->library->key, "catalog@", 8) == 0)
        mood__srv_library_close(aj->server);
    pthread_rwlock_unlock(&aj->server->library_lock);
    return st;
}

void mood__srv_submit_analyze(mood_server *s, json_t *body, srv_response *rs)
{
    if (!s->catalog) {
        mood__srv_error(rs, 400, "EINVAL", "analyze: this server has no catalog (--catalog)");
        return;
    }
    json_t *paths = json_object_get(body, "paths");
    if (!json_is_array(paths) || json_array_size(paths) == 0 || json_array_size(paths) > 32) {
        mood__srv_error(rs, 400, "EINVAL",
                        "field 'paths': expected 1..32 folders or files under the data or library "
                        "folder");
        return;
    }
    analyze_job *aj = mood__calloc(1, sizeof *aj);
    if (aj)
        aj->catalog = mood__strdup(s->catalog);
    if (!aj || !aj->catalog) {
        mood__free(aj);
        mood__srv_error(rs, 500, "ENOMEM", "out of memory");
        return;
    }
    aj->server = s;
    for (size_t i = 0; i < json_array_size(paths); i++) {
        const char *rel = json_string_value(json_array_get(paths, i));
        if (!rel) {
            mood__srv_error(rs, 400, "EINVAL", "field 'paths'[%zu]: expected a string", i);
            analyze_job_free(aj);
            return;
        }
        /* "library" alone names the whole library folder. */
        if (strcmp(rel, "library") == 0 && s->library_dir) {
            aj->paths[aj->n] = mood__strdup(s->library_dir);
        } else if (!mood__srv_confine_data(s, rel, &aj->paths[aj->n], rs)) {
            analyze_job_free(aj);
            return;
        }
        if (!aj->paths[aj->n]) {
            mood__srv_error(rs, 500, "ENOMEM", "out of memory");
            analyze_job_free(aj);
            return;
        }
        aj->n++;
    }
    mood__srv_job_accepted(s, rs, "analyze", body, analyze_job_run, aj, analyze_job_free);
}

/* ---- mix job --------------------------------------------------------------------------- */

typedef struct mix_job {
    char *a, *b, *out, *file;
    mood_mix_options o;
} mix_job;

static void mix_job_free(void *arg)
{
    mix_job *mj = arg;
    mood__free(mj->a);
    mood__free(mj->b);
    mood__free(mj->out);
    mood__free(mj->file);
    mood__free(mj);
}

static mood_status mix_job_run(srv_job *j, void *arg)
{
    mix_job *mj = arg;
    mood_mix_info info;
    if (mood__srv_job_progress(j, "rendering the transition", 0, 1))
        return mood__error(MOOD_ECANCELED, "canceled");
    mood_status st = mood_mix_render(mj->a, mj->b, &mj->o, mj->out, &info);
    if (st == MOOD_OK) {
        char url[300];
        snprintf(url, sizeof url, "/api/v1/mixes/%s", mj->file);
        mood__srv_job_set_result(
            j, json_pack("{s:s,s:s,s:f,s:f,s:f,s:f,s:f,s:f}", "file", mj->file, "url", url,
                         "tempo_a_bpm", info.tempo_a_bpm, "tempo_b_bpm", info.tempo_b_bpm,
                         "stretch", info.stretch, "transition_s", info.transition_s, "crossfade_s",
                         info.crossfade_s, "duration_s", info.duration_s));
    }
    return st;
}

/* The audio file of @p row, which must lie under the data or library folder (a CSV track
 * table may name any path; only those folders are readable). mood__malloc'd or NULL. */
static char *confined_audio(const mood_server *s, const struct srv_library *l, size_t row,
                            const char *field, srv_response *rs)
{
    const char *p = mood_space_path(l->space, row);
    if (!*p) {
        mood__srv_error(rs, 400, "EINVAL", "%s: this track has no audio file", field);
        return NULL;
    }
    char *rp = realpath(p, NULL);
    if (!rp) {
        mood__srv_error(rs, 404, "ENOTFOUND", "%s: audio file not found", field);
        return NULL;
    }
    const char *roots[2] = {s->data_dir, s->library_dir};
    for (int k = 0; k < 2; k++) {
        size_t n = roots[k] ? strlen(roots[k]) : 0;
        if (n && strncmp(rp, roots[k], n) == 0 && rp[n] == '/') {
            char *out = mood__strdup(rp);
            free(rp);
            if (!out)
                mood__srv_error(rs, 500, "ENOMEM", "out of memory");
            return out;
        }
    }
    free(rp);
    mood__srv_error(rs, 403, "EFORBIDDEN",
                    "%s: the audio file is outside the data and library folders", field);
    return NULL;
}

void mood__srv_submit_mix(mood_server *s, json_t *body, srv_response *rs)
{
    size_t a, b;
    mix_job *mj = mood__calloc(1, sizeof *mj);
    if (!mj) {
        mood__srv_error(rs, 500, "ENOMEM", "out of memory");
        return;
    }
    mood_mix_options_default(&mj->o);
    json_t *beats = json_object_get(body, "beats");
    if (beats && !json_is_null(beats)) {
        if (!json_is_integer(beats) || json_integer_value(beats) < 1 ||
            json_integer_value(beats) > 128) {
            mood__srv_error(rs, 400, "EINVAL", "field 'beats': expected 1..128");
            mix_job_free(mj);
            return;
        }
        mj->o.beats = (size_t)json_integer_value(beats);
    }
    if (!library_acquire(s, json_string_value(json_object_get(body, "source")), rs)) {
        mix_job_free(mj);
        return;
    }
    const struct srv_library *l = s->library;
    int ok = resolve(l, json_string_value(json_object_get(body, "a")), "a", &a, rs) &&
             resolve(l, json_string_value(json_object_get(body, "b")), "b", &b, rs) &&
             (mj->a = confined_audio(s, l, a, "a", rs)) != NULL &&
             (mj->b = confined_audio(s, l, b, "b", rs)) != NULL;
    pthread_rwlock_unlock(&s->library_lock);
    if (!ok) {
        mix_job_free(mj);
        return;
    }
    char file[80], *dir = mood__srv_join(s->data_dir, "mixes");
    static unsigned counter;
    snprintf(file, sizeof file, "mix-%ld-%u.wav", (long)time(NULL),
             __atomic_add_fetch(&counter, 1u, __ATOMIC_RELAXED));
    int ready = dir && mood_mkdirs(dir) == MOOD_OK;
    if (ready) {
        mj->out = mood__srv_join(dir, file);
        mj->file = mj->out ? mood__strdup(file) : NULL;
        ready = mj->file != NULL;
    }
    if (!ready) {
        mood__free(dir);
        mix_job_free(mj);
        mood__srv_error(rs, 500, "EIO", "mix: cannot prepare the output folder");
        return;
    }
    mood__free(dir);
    mood__srv_job_accepted(s, rs, "mix", body, mix_job_run, mj, mix_job_free);
}

/* ---- dispatch -------------------------------------------------------------------------- */

int mood__srv_api_library(mood_server *s, const srv_request *rq, srv_response *rs)
{
    char seg[3][256];
    size_t n = mood__srv_split(rq->path, seg, 2);
    int get = strcmp(rq->method, "GET") == 0, post = strcmp(rq->method, "POST") == 0;
    if (n == 2 && strcmp(seg[0], "playlists") == 0 && get) {
        route_playlist_file(s, seg[1], rs);
        return 1;
    }
    if (n == 2 && strcmp(seg[0], "mixes") == 0 && get) {
        mood__srv_data_file(s, "mixes", seg[1], rs);
        return 1;
    }
    if (n != 2 || strcmp(seg[0], "library") != 0)
        return 0;
    const char *r = seg[1];
    if (strcmp(r, "sources") == 0 && get)
        route_sources(s, rs);
    else if (strcmp(r, "tracks") == 0 && get)
        route_tracks(s, rq, rs);
    else if (strcmp(r, "map") == 0 && get)
        route_map(s, rq, rs);
    else if (strcmp(r, "similar") == 0 && get)
        route_similar(s, rq, rs, 0);
    else if (strcmp(r, "next") == 0 && get)
        route_similar(s, rq, rs, 1);
    else if (strcmp(r, "path") == 0 && get)
        route_path(s, rq, rs);
    else if (strcmp(r, "alchemy") == 0 && post)
        route_alchemy(s, rq, rs);
    else if (strcmp(r, "playlist") == 0 && post)
        route_playlist(s, rq, rs);
    else
        mood__srv_error(rs, 404, "ENOTFOUND", "no API route %s %.200s", rq->method, rq->path);
    return 1;
}
