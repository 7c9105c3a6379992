/*
 * Playlists from mood groups. Each group is cleaned (near-duplicates, then the per-artist
 * limit, keeping the most central listing), ordered by a short open tour through its feature
 * space, and cut into parts of at most max_length consecutive tracks, so every part is itself
 * smooth. The tour starts at the track nearest the group centroid, grows by nearest neighbour
 * and is improved by 2-opt segment reversals (Croes 1958) until no reversal shortens it or the
 * pass budget is spent; the budget keeps groups of thousands of tracks within a second.
 * Tour lengths are reported so that the gain over the input order can be checked.
 * Hand-written because the problem is tiny and no Debian C library offers an open-path TSP.
 */
#include "../core/internal.h"
#include "rec_internal.h"

#include <moodscope/csv.h>
#include <moodscope/describe.h>
#include <moodscope/playlist.h>
#include <moodscope/prep.h>
#include <moodscope/rng.h>

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct playlist {
    char *name;
    long group;
    size_t n;
    size_t *rows;
} playlist;

struct mood_playlist_set {
    mood_space *s;
    size_t n, cap;
    playlist *lists;
    size_t removed_dups, removed_artist;
};

void mood_playlist_options_default(mood_playlist_options *o)
{
    memset(o, 0, sizeof *o);
    o->max_length = 100;
    o->dedup_distance = 1e-4f;
    o->dedup_names = 1;
}

void mood_playlist_set_destroy(mood_playlist_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n; i++) {
        mood__free(set->lists[i].name);
        mood__free(set->lists[i].rows);
    }
    mood__free(set->lists);
    mood_space_destroy(set->s);
    mood__free(set);
}

const mood_space *mood_playlist_space(const mood_playlist_set *set)
{
    return set->s;
}

size_t mood_playlist_count(const mood_playlist_set *set)
{
    return set->n;
}

const char *mood_playlist_name(const mood_playlist_set *set, size_t i)
{
    return set->lists[i].name;
}

long mood_playlist_group(const mood_playlist_set *set, size_t i)
{
    return set->lists[i].group;
}

const size_t *mood_playlist_rows(const mood_playlist_set *set, size_t i, size_t *out_n)
{
    *out_n = set->lists[i].n;
    return set->lists[i].rows;
}

void mood_playlist_removed(const mood_playlist_set *set, size_t *out_duplicates,
                           size_t *out_artist_limit)
{
    *out_duplicates = set->removed_dups;
    *out_artist_limit = set->removed_artist;
}

double mood_playlist_tour_length(const mood_playlist_set *set, size_t i)
{
    double len = 0.0;
    const playlist *p = &set->lists[i];
    for (size_t k = 1; k < p->n; k++)
        len += (double)mood_space_distance(set->s, p->rows[k - 1], p->rows[k]);
    return len;
}

/* "energetic, electronic" -> "Energetic_Electronic": safe as a file name, readable. */
static void playlist_name(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    int start = 1;
    for (const unsigned char *p = (const unsigned char *)in; *p && o + 2 < cap; p++) {
        if (isalnum(*p) || *p >= 0x80) {
            out[o++] = (char)(start && *p < 0x80 ? toupper(*p) : *p);
            start = 0;
        } else if (!start) {
            out[o++] = '_';
            start = 1;
        }
    }
    while (o && out[o - 1] == '_')
        o--;
    out[o] = '\0';
    if (!o)
        snprintf(out, cap, "Group");
}

static mood_status add_list(mood_playlist_set *set, const char *name, long group,
                            const size_t *rows, size_t n)
{
    playlist *p;
    playlist *l = mood__grow(set->lists, &set->cap, set->n + 1, sizeof *l, 16);
    if (!l)
        return mood__enomem("playlists");
    set->lists = l;
    p = &set->lists[set->n];
    memset(p, 0, sizeof *p);
    p->name = mood__strdup(name);
    p->rows = mood__malloc_array(n ? n : 1, sizeof *p->rows);
    if (!p->name || !p->rows) {
        mood__free(p->name);
        mood__free(p->rows);
        return mood__enomem("playlists");
    }
    memcpy(p->rows, rows, n * sizeof *rows);
    p->n = n;
    p->group = group;
    set->n++;
    return MOOD_OK;
}

static const mood_space *sort_space;
static const float *sort_center;

/* Most central first; ties by row for reproducibility. */
static int by_centrality(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    float dx = mood_space_distance_to(sort_space, sort_center, x);
    float dy = mood_space_distance_to(sort_space, sort_center, y);
    if (dx != dy)
        return dx < dy ? -1 : 1;
    return (x > y) - (x < y);
}

/* Nearest-neighbour tour from rows[0], in place. */
static void nn_tour(const mood_space *s, size_t *rows, size_t m)
{
    for (size_t i = 1; i < m; i++) {
        size_t best = i;
        float bd = INFINITY;
        for (size_t j = i; j < m; j++) {
            float d = mood_space_distance(s, rows[i - 1], rows[j]);
            if (d < bd || (d == bd && rows[j] < rows[best])) {
                bd = d;
                best = j;
            }
        }
        size_t t = rows[i];
        rows[i] = rows[best];
        rows[best] = t;
    }
}

/* 2-opt on an open path (both ends free); returns the number of improving moves. */
static size_t two_opt(const mood_space *s, size_t *rows, size_t m, uint64_t seed)
{
    size_t moves = 0, passes = 0;
    /* about 3e7 distance evaluations at most, whatever the group size */
    size_t max_passes = m < 2 ? 0 : MOOD_MAX((size_t)1, (size_t)(3e7 / ((double)m * (double)m)));
    mood_rng rng;
    int improved = 1;
    mood_rng_seed(&rng, seed);
    if (max_passes > 50)
        max_passes = 50;
    while (improved && passes++ < max_passes) {
        size_t off = m > 2 ? (size_t)mood_rng_below(&rng, m - 2) : 0;
        improved = 0;
        /* reversing a prefix rows[0..j] moves the open start: edge (j,j+1) becomes (0,j+1) */
        for (size_t j = 1; j + 1 < m; j++) {
            float before = mood_space_distance(s, rows[j], rows[j + 1]);
            float after = mood_space_distance(s, rows[0], rows[j + 1]);
            if (after < before - 1e-6f) {
                for (size_t a = 0, b = j; a < b; a++, b--) {
                    size_t t = rows[a];
                    rows[a] = rows[b];
                    rows[b] = t;
                }
                improved = 1;
                moves++;
            }
        }
        for (size_t ii = 0; ii + 2 < m; ii++) {
            size_t i = (ii + off) % (m - 2);
            float dij1 = mood_space_distance(s, rows[i], rows[i + 1]);
            for (size_t j = i + 2; j < m; j++) {
                /* reverse rows[i+1..j]: edges (i,i+1),(j,j+1) become (i,j),(i+1,j+1) */
                float before = dij1, after = mood_space_distance(s, rows[i], rows[j]);
                if (j + 1 < m) {
                    before += mood_space_distance(s, rows[j], rows[j + 1]);
                    after += mood_space_distance(s, rows[i + 1], rows[j + 1]);
                }
                if (after < before - 1e-6f) {
                    for (size_t a = i + 1, b = j; a < b; a++, b--) {
                        size_t t = rows[a];
                        rows[a] = rows[b];
                        rows[b] = t;
                    }
                    dij1 = mood_space_distance(s, rows[i], rows[i + 1]);
                    improved = 1;
                    moves++;
                }
            }
        }
    }
    return moves;
}

static int artist_count_over(const mood_space *s, const size_t *kept, size_t n_kept, size_t r,
                             size_t limit)
{
    size_t c = 0;
    if (!limit || !s->norm_artist[r][0])
        return 0;
    for (size_t k = 0; k < n_kept; k++)
        c += strcmp(s->norm_artist[kept[k]], s->norm_artist[r]) == 0;
    return c >= limit;
}

/* Clean, order and split one group into the set. */
static mood_status build_group(mood_playlist_set *set, const mood_playlist_options *o, long group,
                               const char *name, size_t *rows, size_t m)
{
    const mood_space *s = set->s;
    float *center = mood__calloc(s->d, sizeof *center);
    size_t *kept = mood__malloc_array(m ? m : 1, sizeof *kept), n_kept = 0;
    mood_status st = MOOD_OK;
    if (!center || !kept) {
        st = mood__enomem("playlists");
        goto done;
    }
    for (size_t j = 0; j < s->d; j++) {
        double acc = 0.0;
        for (size_t i = 0; i < m; i++)
            acc += (double)s->x[rows[i] * s->d + j];
        center[j] = (float)(acc / (double)m);
    }
    sort_space = s;
    sort_center = center;
    qsort(rows, m, sizeof *rows, by_centrality);
    for (size_t i = 0; i < m; i++) {
        size_t r = rows[i];
        int dup = 0;
        for (size_t k = 0; k < n_kept && !dup; k++) {
            if (o->dedup_names && mood__same_song(s, kept[k], r)) {
                /* keep the plain listing: "Song" rather than "Song - Live" or a remaster */
                if (strlen(mood_space_title(s, r)) < strlen(mood_space_title(s, kept[k])))
                    kept[k] = r;
                dup = 1;
            } else {
                dup = mood_space_distance(s, kept[k], r) < o->dedup_distance;
            }
        }
        if (dup) {
            set->removed_dups++;
            continue;
        }
        if (artist_count_over(s, kept, n_kept, r, o->max_per_artist)) {
            set->removed_artist++;
            continue;
        }
        kept[n_kept++] = r;
    }
    nn_tour(s, kept, n_kept);
    two_opt(s, kept, n_kept, o->seed ^ (uint64_t)group);
    {
        char pname[256], base[200];
        size_t maxlen = o->max_length ? o->max_length : n_kept;
        size_t parts = n_kept ? (n_kept + maxlen - 1) / maxlen : 0;
        playlist_name(name, base, sizeof base);
        for (size_t p = 0; p < parts && st == MOOD_OK; p++) {
            /* equal parts rather than full ones and a short remainder */
            size_t lo = p * n_kept / parts, hi = (p + 1) * n_kept / parts;
            if (parts > 1)
                snprintf(pname, sizeof pname, "%s_%zu", base, p + 1);
            else
                snprintf(pname, sizeof pname, "%s", base);
            st = add_list(set, pname, group, kept + lo, hi - lo);
        }
    }
done:
    mood__free(center);
    mood__free(kept);
    return st;
}

/* Names of groups from their profiles, when the table carries none. */
static mood_status profile_names(const mood_space *s, const int32_t *labels, size_t k, char ***out)
{
    float *x = mood__malloc_array(s->n * s->d, sizeof *x);
    float *med = mood__malloc_array(s->d, sizeof *med);
    mood_profile *p = NULL;
    mood_status st;
    *out = mood__calloc(k, sizeof **out);
    if (!x || !med || !*out) {
        st = mood__enomem("playlists");
        goto done;
    }
    st = mood_table_matrix(s->t, (const char *const *)s->features, s->d, x);
    if (st == MOOD_OK)
        st = mood_impute_fit(x, s->n, s->d, med, NULL);
    if (st == MOOD_OK) {
        mood_impute_apply(x, s->n, s->d, med);
        st = mood_profile_compute(x, s->n, s->d, (const char *const *)s->features, labels, k, &p);
    }
    for (size_t c = 0; c < k && st == MOOD_OK; c++) {
        (*out)[c] = mood__strdup(mood_profile_name(p, c));
        if (!(*out)[c])
            st = mood__enomem("playlists");
    }
done:
    mood_profile_destroy(p);
    mood__free(x);
    mood__free(med);
    return st;
}

/* The ordering space of the table without its result columns (the group columns are results,
 * not features). */
static mood_status playlists_space(const mood_table *t, const char *group_col,
                                   const mood_playlist_options *o, mood_space **out)
{
    mood_space_options so;
    mood_table *copy = NULL;
    mood_status st = mood_table_clone(t, &copy);
    if (st == MOOD_OK) {
        static const char *const drop[] = {"cluster", "cluster_name", "distance",
                                           "distance_to_centroid", NULL};
        size_t j;
        for (size_t d = 0; drop[d]; d++)
            if (mood_table_find(copy, drop[d], &j) == MOOD_OK)
                mood_table_drop(copy, j);
        if (strcmp(group_col, "cluster") != 0 && mood_table_find(copy, group_col, &j) == MOOD_OK)
            mood_table_drop(copy, j);
        mood_clear_error();
        mood_space_options_default(&so);
        so.features = o->features;
        so.metric = o->metric;
        st = mood_space_create(copy, &so, out);
    }
    mood_table_destroy(copy);
    return st;
}

/* One playlist per non-empty group, named from the name column, the profile, or "Group N". */
static mood_status playlists_groups(mood_playlist_set *set, const mood_table *t, size_t jn,
                                    const mood_playlist_options *o, const int32_t *labels, size_t k,
                                    char *const *pnames, size_t *rows)
{
    mood_status st = MOOD_OK;
    for (size_t c = 0; c < k && st == MOOD_OK; c++) {
        size_t m = 0;
        char fallback[32];
        const char *name = NULL;
        for (size_t i = 0; i < set->s->n; i++) {
            if (labels[i] == (int32_t)c) {
                if (!name && jn != SIZE_MAX)
                    name = mood_table_str(t, jn, i);
                rows[m++] = i;
            }
        }
        if (m == 0)
            continue;
        if (!name || !name[0])
            name = pnames && pnames[c] ? pnames[c] : NULL;
        if (!name) {
            snprintf(fallback, sizeof fallback, "Group %zu", c);
            name = fallback;
        }
        st = build_group(set, o, (long)c, name, rows, m);
    }
    return st;
}

/* Two groups with one name: suffix the later ones so that files do not collide. */
static mood_status playlists_unique_names(mood_playlist_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        size_t dup = 1;
        for (size_t j = 0; j < i; j++)
            dup += strcmp(set->lists[j].name, set->lists[i].name) == 0 &&
                   set->lists[j].group != set->lists[i].group;
        if (dup > 1) {
            char buf[300];
            char *nn;
            snprintf(buf, sizeof buf, "%s_g%ld", set->lists[i].name, set->lists[i].group);
            nn = mood__strdup(buf);
            if (!nn)
                return mood__enomem("playlists");
            mood__free(set->lists[i].name);
            set->lists[i].name = nn;
        }
    }
    return MOOD_OK;
}

mood_status mood_playlists_build(const mood_table *t, const char *group_col, const char *name_col,
                                 const mood_playlist_options *o, mood_playlist_set **out)
{
    mood_playlist_options def;
    mood_playlist_set *set;
    size_t jg, jn = SIZE_MAX, k = 0, *rows = NULL;
    const float *g;
    int32_t *labels = NULL;
    char **pnames = NULL;
    mood_status st;
    *out = NULL;
    if (!o) {
        mood_playlist_options_default(&def);
        o = &def;
    }
    st = mood_table_find(t, group_col, &jg);
    if (st != MOOD_OK)
        return st;
    if (mood_table_col_kind(t, jg) != MOOD_COL_NUM)
        return mood__error(MOOD_EINVAL, "playlists: column '%s' must hold group numbers",
                           group_col);
    if (name_col && mood_table_find(t, name_col, &jn) != MOOD_OK) {
        jn = SIZE_MAX;
        mood_clear_error();
    }
    set = mood__calloc(1, sizeof *set);
    if (!set)
        return mood__enomem("playlists");
    st = playlists_space(t, group_col, o, &set->s);
    if (st != MOOD_OK)
        goto done;
    g = mood_table_num_const(t, jg);
    for (size_t i = 0; i < set->s->n; i++)
        if (g[i] >= 0.0f && g[i] + 1.0f > (float)k)
            k = (size_t)g[i] + 1;
    rows = mood__malloc_array(set->s->n ? set->s->n : 1, sizeof *rows);
    labels = mood__malloc_array(set->s->n ? set->s->n : 1, sizeof *labels);
    if (!rows || !labels) {
        st = mood__enomem("playlists");
        goto done;
    }
    for (size_t i = 0; i < set->s->n; i++)
        labels[i] = g[i] >= 0.0f ? (int32_t)g[i] : -1;
    if (jn == SIZE_MAX && k > 0) {
        st = profile_names(set->s, labels, k, &pnames);
        if (st != MOOD_OK)
            goto done;
    }
    st = playlists_groups(set, t, jn, o, labels, k, pnames, rows);
    if (st == MOOD_OK)
        st = playlists_unique_names(set);
done:
    if (pnames) {
        for (size_t c = 0; c < k; c++)
            mood__free(pnames[c]);
        mood__free(pnames);
    }
    mood__free(rows);
    mood__free(labels);
    if (st != MOOD_OK) {
        mood_playlist_set_destroy(set);
        return st;
    }
    *out = set;
    return MOOD_OK;
}

mood_status mood_playlists_from_run(const char *run_dir, const mood_playlist_options *o,
                                    mood_playlist_set **out)
{
    char path[4096];
    mood_table *t = NULL;
    mood_status st;
    *out = NULL;
    snprintf(path, sizeof path, "%s/clustered_output.csv", run_dir);
    st = mood_csv_read(path, NULL, &t);
    if (st != MOOD_OK)
        return st;
    st = mood_playlists_build(t, "cluster", "cluster_name", o, out);
    if (st != MOOD_OK)
        mood__error_context(st, "%s", path);
    mood_table_destroy(t);
    return st;
}
