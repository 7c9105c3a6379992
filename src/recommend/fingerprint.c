/*
 * The sonic fingerprint: where a listener's recent favourites sit in the track space. Plays
 * come from the catalog's `plays` table (written by the history importers) or from a CSV; each
 * play counts 2^(−age / half-life), age measured from the latest play, so that last month's
 * favourites outweigh last year's. The weighted centroid of the most played tracks is then
 * searched like any other query, leaving out the favourites themselves.
 */
#define _POSIX_C_SOURCE 200809L
#include "../core/clock.h"
#include "../core/hash.h"
#include "../core/internal.h"
#include "../store/db_internal.h"
#include "rec_internal.h"

#include <moodscope/csv.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mood_plays_free(mood_plays *p)
{
    if (!p)
        return;
    mood__free(p->plays);
    mood__free(p->strings);
    memset(p, 0, sizeof *p);
}

/* "2020-04-13 05:01:31", "2020-04-13T05:01:31Z", "2024-01-02T03:04:05.123+00:00", "2020-04-13",
 * or seconds / milliseconds since the epoch. Times without a zone are taken as UTC. */
static int parse_time(const char *s, double *out)
{
    int y, mo, d, h = 0, mi = 0, n = 0;
    double sec = 0.0;
    char *end;
    double v = strtod(s, &end);
    if (end != s && *end == '\0') {
        *out = v > 1e11 ? v / 1000.0 : v;
        return 1;
    }
    if (sscanf(s, "%d-%d-%d%n", &y, &mo, &d, &n) != 3)
        return 0;
    if (s[n] == 'T' || s[n] == ' ')
        sscanf(s + n + 1, "%d:%d:%lf", &h, &mi, &sec);
    if (y <= 1900 || mo < 1 || mo > 12 || d < 1 || d > 31)
        return 0;
    *out = (double)mood__utc_seconds(y, mo, d, h, mi, 0) + sec;
    return 1;
}

/* Pack (artist, title, time) triples: strings in one buffer, pointers fixed up at the end. */
typedef struct plays_builder {
    mood_plays *p;
    size_t cap, str_len, str_cap;
    size_t *artist_off, *title_off;
} plays_builder;

static mood_status builder_add(plays_builder *b, const char *artist, const char *title, double t)
{
    size_t la = strlen(artist) + 1, lt = strlen(title) + 1;
    if (b->p->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 256;
        mood_play *np = mood__realloc(b->p->plays, cap * sizeof *np);
        size_t *ao, *to;
        if (!np)
            return mood__enomem("plays");
        b->p->plays = np;
        ao = mood__realloc(b->artist_off, cap * sizeof *ao);
        if (!ao)
            return mood__enomem("plays");
        b->artist_off = ao;
        to = mood__realloc(b->title_off, cap * sizeof *to);
        if (!to)
            return mood__enomem("plays");
        b->title_off = to;
        b->cap = cap;
    }
    while (b->str_len + la + lt > b->str_cap) {
        size_t cap = b->str_cap ? 2 * b->str_cap : 4096;
        char *ns = mood__realloc(b->p->strings, cap);
        if (!ns)
            return mood__enomem("plays");
        b->p->strings = ns;
        b->str_cap = cap;
    }
    /* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): grown with plays above */
    b->artist_off[b->p->n] = b->str_len;
    memcpy(b->p->strings + b->str_len, artist, la);
    b->str_len += la;
    b->title_off[b->p->n] = b->str_len;
    memcpy(b->p->strings + b->str_len, title, lt);
    b->str_len += lt;
    b->p->plays[b->p->n].played_at = t;
    b->p->n++;
    return MOOD_OK;
}

static void builder_finish(plays_builder *b)
{
    for (size_t i = 0; i < b->p->n; i++) {
        /* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): one per play */
        b->p->plays[i].artist = b->p->strings + b->artist_off[i];
        b->p->plays[i].title = b->p->strings + b->title_off[i];
    }
    mood__free(b->artist_off);
    mood__free(b->title_off);
}

mood_status mood_plays_read_csv(const char *path, mood_plays *out)
{
    static const char *const artist_names[] = {"artist", "artist_name", "artistName",
                                               "master_metadata_album_artist_name", NULL};
    static const char *const title_names[] = {
        "title", "track", "track_name", "trackName", "master_metadata_track_name", "name", NULL};
    static const char *const time_names[] = {"played_at", "played_at_utc", "ts",       "endTime",
                                             "date",      "uts",           "utc_time", NULL};
    mood_csv_options co;
    mood_table *t = NULL;
    plays_builder b;
    size_t ja, jt, jw;
    mood_status st;
    memset(out, 0, sizeof *out);
    memset(&b, 0, sizeof b);
    b.p = out;
    mood_csv_options_default(&co);
    co.text_columns = time_names; /* keep full precision: float32 cannot hold epoch seconds */
    co.n_text_columns = 7;
    st = mood_csv_read(path, &co, &t);
    if (st != MOOD_OK)
        return st;
    ja = mood__find_col(t, artist_names, 0);
    jt = mood__find_col(t, title_names, 0);
    jw = mood__find_col(t, time_names, 0);
    if (ja == SIZE_MAX || jt == SIZE_MAX || jw == SIZE_MAX) {
        mood_table_destroy(t);
        return mood__error(MOOD_EFORMAT,
                           "%s: expected artist, title and played_at columns (found %s%s%s)", path,
                           ja == SIZE_MAX ? "no artist " : "", jt == SIZE_MAX ? "no title " : "",
                           jw == SIZE_MAX ? "no time" : "");
    }
    for (size_t i = 0; i < mood_table_rows(t) && st == MOOD_OK; i++) {
        double when;
        const char *ts = mood_table_str(t, jw, i);
        if (!parse_time(ts, &when)) {
            st = mood__error(MOOD_EFORMAT, "%s:%zu: played_at '%s' is not a date and time", path,
                             i + 2, ts);
            break;
        }
        st = builder_add(&b, mood_table_str(t, ja, i), mood_table_str(t, jt, i), when);
    }
    builder_finish(&b);
    mood_table_destroy(t);
    if (st != MOOD_OK)
        mood_plays_free(out);
    return st;
}

/* 1 when the catalog has a plays table (SQLite's or PostgreSQL's own catalog of tables). */
static int has_plays_table(mood_db *db)
{
    mood_db_stmt *st = NULL;
    int row = 0, n = 0;
    if (mood__db_prepare(db,
                         mood__db_pick(db,
                                       "SELECT count(*) FROM sqlite_master WHERE type IN "
                                       "('table','view') AND name = 'plays'",
                                       "SELECT count(*) FROM information_schema.tables WHERE "
                                       "table_schema = current_schema() AND table_name = "
                                       "'plays'"),
                         &st) == MOOD_OK &&
        mood__db_step(st, &row) == MOOD_OK && row)
        n = mood__db_col_int(st, 0);
    mood__db_finalize(st);
    return n > 0;
}

/* The time of a play: ISO text as the importers write it, or epoch seconds (milliseconds
 * above 1e11) from other layouts; 0 when it is neither. */
static int play_time(const char *text, double *when)
{
    char *end = NULL;
    if (!text)
        return 0;
    if (parse_time(text, when))
        return 1;
    *when = strtod(text, &end);
    if (end == text || *end)
        return 0;
    if (*when > 1e11)
        *when /= 1000.0;
    return 1;
}

/*
 * Plays from a catalog (a SQLite file or postgresql://...), opened through the store's
 * database layer. A SQLite path must exist: reading never creates a catalog.
 */
mood_status mood_plays_read_catalog(const char *catalog_path, mood_plays *out)
{
    mood_db *db = NULL;
    mood_db_stmt *stmt = NULL;
    plays_builder b;
    mood_status st = MOOD_OK;
    int row = 0;
    FILE *probe;
    memset(out, 0, sizeof *out);
    memset(&b, 0, sizeof b);
    b.p = out;
    if (!mood__db_is_pg_target(catalog_path)) {
        probe = catalog_path ? fopen(catalog_path, "rb") : NULL;
        if (!probe)
            return mood__error(MOOD_EIO, "%s: unable to open database file",
                               catalog_path ? catalog_path : "(null)");
        fclose(probe);
    }
    st = mood__db_open(catalog_path, &db);
    if (st != MOOD_OK)
        return st;
    if (!has_plays_table(db)) {
        mood__db_close(db);
        return mood__error(MOOD_ENOTFOUND, "%s: the catalog has no plays (import a history)",
                           catalog_path);
    }
    /* podcasts and videos share the table under another kind; in file order */
    st = mood__db_prepare(db,
                          "SELECT artist_name, track_name, played_at_utc FROM plays "
                          "WHERE artist_name IS NOT NULL AND track_name IS NOT NULL "
                          "AND kind = 'track' ORDER BY id",
                          &stmt);
    while (st == MOOD_OK) {
        double when = 0.0;
        st = mood__db_step(stmt, &row);
        if (st != MOOD_OK || !row)
            break;
        if (!play_time(mood__db_col_text(stmt, 2), &when))
            continue;
        st = builder_add(&b, mood__db_col_text(stmt, 0), mood__db_col_text(stmt, 1), when);
    }
    if (st != MOOD_OK && mood_last_error()[0] == '\0')
        st = mood__error(MOOD_EIO, "%s: reading plays: %s", catalog_path, mood__db_last_error(db));
    mood__db_finalize(stmt);
    mood__db_close(db);
    builder_finish(&b);
    if (st != MOOD_OK)
        mood_plays_free(out);
    return st;
}

/* A small string -> row map on "artist\ttitle" keys, linear probing. */
typedef struct song_map {
    size_t cap;
    size_t *slot; /* row + 1 */
} song_map;

static uint64_t hash2(const char *a, const char *b)
{
    uint64_t h = mood__fnv1a(a, strlen(a), MOOD_FNV_OFFSET_REPORTS);
    h = mood__fnv1a("\t", 1, h);
    return mood__fnv1a(b, strlen(b), h);
}

static size_t song_find(const mood_space *s, const song_map *m, const char *na, const char *nt)
{
    size_t h = (size_t)hash2(na, nt) & (m->cap - 1);
    while (m->slot[h]) {
        size_t r = m->slot[h] - 1;
        if (strcmp(s->norm_artist[r], na) == 0 && strcmp(s->norm_title[r], nt) == 0)
            return r;
        h = (h + 1) & (m->cap - 1);
    }
    return SIZE_MAX;
}

static int cmp_weight_desc(const void *a, const void *b)
{
    const mood_hit *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

/* Every song of the library into @p map (open addressing by artist and title); the first
 * listing of a song stands for it. */
static void map_songs(const mood_space *s, song_map *map)
{
    for (size_t i = 0; i < s->n; i++) {
        size_t h = (size_t)hash2(s->norm_artist[i], s->norm_title[i]) & (map->cap - 1);
        if (!s->norm_title[i][0] ||
            song_find(s, map, s->norm_artist[i], s->norm_title[i]) != SIZE_MAX)
            continue;
        while (map->slot[h])
            h = (h + 1) & (map->cap - 1);
        map->slot[h] = i + 1;
    }
}

mood_status mood_fingerprint(const mood_space *s, const mood_index *ix, const mood_plays *plays,
                             size_t top, float half_life_days, size_t n, mood_hit *out,
                             size_t *out_found, mood_hit *out_top, size_t *out_top_found,
                             mood_fingerprint_info *info)
{
    song_map map = {16, NULL};
    double *weight = NULL, latest = -INFINITY;
    mood_hit *fav = NULL;
    size_t n_fav = 0, *rows = NULL, found = 0, m = 0;
    float *c = NULL, *dist = NULL;
    mood_status st = MOOD_OK;
    char na[512], nt[512];
    *out_found = 0;
    if (out_top_found)
        *out_top_found = 0;
    memset(info, 0, sizeof *info);
    info->plays = plays->n;
    if (top == 0 || !(half_life_days > 0.0f))
        return mood__error(MOOD_EINVAL, "fingerprint: top=%zu and half-life %g must be positive",
                           top, (double)half_life_days);
    while (map.cap < 2 * s->n)
        map.cap *= 2;
    map.slot = mood__calloc(map.cap, sizeof *map.slot);
    weight = mood__calloc(s->n, sizeof *weight);
    c = mood__calloc(s->d, sizeof *c);
    if (!map.slot || !weight || !c) {
        st = mood__enomem("fingerprint");
        goto done;
    }
    map_songs(s, &map);
    for (size_t p = 0; p < plays->n; p++)
        if (plays->plays[p].played_at > latest)
            latest = plays->plays[p].played_at;
    for (size_t p = 0; p < plays->n; p++) {
        size_t r;
        double age_days;
        mood_text_normalize(plays->plays[p].artist, na, sizeof na);
        mood_text_normalize(plays->plays[p].title, nt, sizeof nt);
        r = song_find(s, &map, na, nt);
        if (r == SIZE_MAX)
            continue;
        info->matched_plays++;
        age_days = (latest - plays->plays[p].played_at) / 86400.0;
        weight[r] += exp2(-age_days / (double)half_life_days);
    }
    if (info->matched_plays == 0) {
        st = mood__error(MOOD_ENOTFOUND,
                         "fingerprint: none of %zu plays matches a track of the library by "
                         "artist and title",
                         plays->n);
        goto done;
    }
    fav = mood__malloc_array(s->n, sizeof *fav);
    if (!fav) {
        st = mood__enomem("fingerprint");
        goto done;
    }
    for (size_t i = 0; i < s->n; i++) {
        if (weight[i] <= 0.0)
            continue;
        memset(&fav[n_fav], 0, sizeof fav[n_fav]);
        fav[n_fav].row = i;
        fav[n_fav].score = (float)weight[i];
        n_fav++;
    }
    qsort(fav, n_fav, sizeof *fav, cmp_weight_desc);
    if (n_fav > top)
        n_fav = top;
    info->tracks_used = n_fav;
    {
        double wsum = 0.0;
        for (size_t k = 0; k < n_fav; k++)
            wsum += (double)fav[k].score;
        for (size_t j = 0; j < s->d; j++) {
            double acc = 0.0;
            for (size_t k = 0; k < n_fav; k++)
                acc += (double)fav[k].score * (double)s->x[fav[k].row * s->d + j];
            c[j] = (float)(acc / wsum);
        }
    }
    if (s->metric == MOOD_METRIC_COSINE)
        mood__normalize_rows(c, 1, s->d);
    if (out_top) {
        memcpy(out_top, fav, n_fav * sizeof *fav);
        for (size_t k = 0; k < n_fav; k++) {
            out_top[k].distance = mood_space_distance_to(s, c, fav[k].row);
            mood__reason(out_top[k].reasons, sizeof out_top[k].reasons, "weight %.2f",
                         (double)fav[k].score);
        }
        if (out_top_found)
            *out_top_found = n_fav;
    }
    st = mood__search_alloc(ix, c, n + n_fav + 16, &rows, &dist, &found);
    for (size_t i = 0; i < found && m < n && st == MOOD_OK; i++) {
        int is_fav = weight[rows[i]] > 0.0;
        for (size_t k = 0; k < n_fav && !is_fav; k++)
            is_fav = mood__same_song(s, fav[k].row, rows[i]);
        if (is_fav)
            continue;
        memset(&out[m], 0, sizeof out[m]);
        out[m].row = rows[i];
        out[m].distance = dist[i];
        out[m].score = dist[i];
        m++;
    }
    *out_found = m;
done:
    mood__free(map.slot);
    mood__free(weight);
    mood__free(c);
    mood__free(fav);
    mood__free(rows);
    mood__free(dist);
    return st;
}
