/*
 * The neighbour index of a space: exact search (knn.c) for libraries up to exact_max tracks,
 * an HNSW graph (ann.h) above. A graph persisted next to the catalog is reused: its sidecar
 * "<graph>.ids" names the track id of every label, so that a re-analysed library only adds its
 * new tracks, re-inserts the ones whose vectors changed and hides the ones that disappeared,
 * instead of rebuilding a million-point graph.
 */
#include "../core/hash.h"
#include "../core/internal.h"
#include "rec_internal.h"

#include <moodscope/ann.h>
#include <moodscope/fileio.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

struct mood_index {
    const mood_space *s;
    mood_hnsw *h;      /* NULL: exact */
    size_t *label_row; /* label -> row (SIZE_MAX: deleted), n_labels entries */
    size_t n_labels;
    size_t added;
    float *sqnorm; /* exact mode: squared norm of every row */
};

void mood_index_options_default(mood_index_options *o)
{
    memset(o, 0, sizeof *o);
    o->exact_max = MOOD_INDEX_EXACT_MAX;
    o->hnsw_m = 16;
    o->hnsw_ef_construction = 200;
    o->hnsw_ef_search = 64;
    o->seed = 100;
}

void mood_index_destroy(mood_index *ix)
{
    if (!ix)
        return;
    mood_hnsw_destroy(ix->h);
    mood__free(ix->label_row);
    mood__free(ix->sqnorm);
    mood__free(ix);
}

int mood_index_is_approximate(const mood_index *ix)
{
    return ix->h != NULL;
}

size_t mood_index_added(const mood_index *ix)
{
    return ix->added;
}

/* ---- a string -> row hash for the id sidecar (FNV-1a, open addressing) ---- */

typedef struct id_map {
    size_t cap;
    size_t *slot; /* row + 1, 0 = empty */
} id_map;

static mood_status id_map_build(const mood_space *s, id_map *m)
{
    m->cap = 16;
    while (m->cap < 2 * s->n)
        m->cap *= 2;
    m->slot = mood__calloc(m->cap, sizeof *m->slot);
    if (!m->slot)
        return mood__enomem("index ids");
    for (size_t i = 0; i < s->n; i++) {
        size_t h = (size_t)mood__fnv1a_str(s->ids[i]) & (m->cap - 1);
        while (m->slot[h])
            h = (h + 1) & (m->cap - 1);
        m->slot[h] = i + 1;
    }
    return MOOD_OK;
}

static size_t id_map_find(const mood_space *s, const id_map *m, const char *id)
{
    size_t h = (size_t)mood__fnv1a_str(id) & (m->cap - 1);
    while (m->slot[h]) {
        if (strcmp(s->ids[m->slot[h] - 1], id) == 0)
            return m->slot[h] - 1;
        h = (h + 1) & (m->cap - 1);
    }
    return SIZE_MAX;
}

/* The sidecar's first line identifies the space, so a graph of other features is rebuilt. */
static void space_signature(const mood_space *s, char *buf, size_t cap)
{
    size_t len = (size_t)snprintf(buf, cap, "moodscope-hnsw-ids 1 %s %zu",
                                  mood_metric_name(s->metric), s->d);
    for (size_t j = 0; j < s->d && len + 2 < cap; j++)
        len += (size_t)snprintf(buf + len, cap - len, "%c%s", j ? ',' : ' ', s->features[j]);
}

static mood_status save_ids(const mood_index *ix, const char *graph_path, char **label_ids)
{
    char path[4096], sig[4096];
    mood_atomic_file *af;
    FILE *fp;
    mood_status st;
    snprintf(path, sizeof path, "%s.ids", graph_path);
    st = mood_atomic_open(path, &af, &fp);
    if (st != MOOD_OK)
        return st;
    space_signature(ix->s, sig, sizeof sig);
    fprintf(fp, "%s\n", sig);
    for (size_t l = 0; l < ix->n_labels; l++)
        fprintf(fp, "%s\n", label_ids[l] ? label_ids[l] : "");
    return mood_atomic_commit(af);
}

/* Read the sidecar; returns MOOD_EFORMAT when it belongs to another space. */
static mood_status load_ids(const mood_space *s, const char *graph_path, char **out_buf,
                            char ***out_ids, size_t *out_n)
{
    char path[4096], sig[4096];
    char *buf = NULL, **ids = NULL, *p, *nl;
    size_t len, n = 0, cap = 0;
    mood_status st;
    *out_buf = NULL;
    *out_ids = NULL;
    *out_n = 0;
    snprintf(path, sizeof path, "%s.ids", graph_path);
    st = mood_read_file(path, &buf, &len);
    if (st != MOOD_OK)
        return st;
    space_signature(s, sig, sizeof sig);
    nl = strchr(buf, '\n');
    if (!nl || (size_t)(nl - buf) != strlen(sig) || strncmp(buf, sig, strlen(sig)) != 0) {
        mood_free(buf);
        return mood__error(MOOD_EFORMAT, "%s: index of another feature space", path);
    }
    for (p = nl + 1; *p; p = nl + 1) {
        nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = '\0';
        if (n == cap) {
            char **g;
            cap = cap ? 2 * cap : 1024;
            g = mood__realloc(ids, cap * sizeof *g);
            if (!g) {
                mood__free(ids);
                mood_free(buf);
                return mood__enomem("index ids");
            }
            ids = g;
        }
        ids[n++] = p;
    }
    *out_buf = buf;
    *out_ids = ids;
    *out_n = n;
    return MOOD_OK;
}

/* Bring a loaded graph up to date with the space; fills label_row and counts what changed. */
static mood_status sync_graph(mood_index *ix, char **old_ids, size_t n_old, int threads,
                              mood_progress_fn progress, void *user, char ***out_label_ids)
{
    const mood_space *s = ix->s;
    id_map map = {0, NULL};
    size_t *row_label = NULL, n_new = 0, cap_labels;
    uint64_t *new_labels = NULL;
    float *new_x = NULL, *tmp = NULL;
    char **label_ids = NULL;
    mood_status st = id_map_build(s, &map);
    if (st != MOOD_OK)
        return st;
    cap_labels = n_old + s->n;
    row_label = mood__malloc_array(s->n, sizeof *row_label);
    ix->label_row = mood__malloc_array(cap_labels, sizeof *ix->label_row);
    label_ids = mood__calloc(cap_labels, sizeof *label_ids);
    new_labels = mood__malloc_array(s->n, sizeof *new_labels);
    new_x = mood__malloc_array(s->n * s->d, sizeof *new_x);
    tmp = mood__malloc_array(s->d, sizeof *tmp);
    if (!row_label || !ix->label_row || !label_ids || !new_labels || !new_x || !tmp) {
        st = mood__enomem("index");
        goto done;
    }
    for (size_t i = 0; i < s->n; i++)
        row_label[i] = SIZE_MAX;
    for (size_t l = 0; l < n_old; l++) {
        size_t r = old_ids[l][0] ? id_map_find(s, &map, old_ids[l]) : SIZE_MAX;
        ix->label_row[l] = SIZE_MAX;
        if (r != SIZE_MAX && row_label[r] == SIZE_MAX) {
            row_label[r] = l;
            ix->label_row[l] = r;
            label_ids[l] = s->ids[r];
        } else if (l < mood_hnsw_size(ix->h)) {
            mood_hnsw_mark_deleted(ix->h, l); /* the track left the library */
            mood_clear_error();
        }
    }
    ix->n_labels = n_old;
    for (size_t i = 0; i < s->n; i++) {
        const float *v = s->x + i * s->d;
        uint64_t label;
        if (row_label[i] != SIZE_MAX) {
            /*
             * A vector that moved by less than 0.1% of its length is kept: the catalog's
             * standardisation shifts every vector a little when a track is added, and
             * re-inserting a whole large library for that would defeat the incremental update.
             */
            double diff = 0.0, norm = 0.0;
            int same = mood_hnsw_get(ix->h, row_label[i], tmp) == MOOD_OK;
            for (size_t j = 0; same && j < s->d; j++) {
                diff += ((double)tmp[j] - (double)v[j]) * ((double)tmp[j] - (double)v[j]);
                norm += (double)v[j] * (double)v[j];
            }
            same = same && diff <= 1e-6 * (norm > 1.0 ? norm : 1.0);
            mood_clear_error();
            if (same)
                continue;
            label = row_label[i]; /* re-analysed: replace its vector */
        } else {
            label = ix->n_labels++;
            ix->label_row[label] = i;
            label_ids[label] = s->ids[i];
        }
        memcpy(new_x + n_new * s->d, v, s->d * sizeof *v);
        new_labels[n_new++] = label;
    }
    ix->added = n_new;
    if (n_new)
        st = mood_hnsw_add(ix->h, new_x, n_new, new_labels, threads, progress, user);
done:
    mood__free(map.slot);
    mood__free(row_label);
    mood__free(new_labels);
    mood__free(new_x);
    mood__free(tmp);
    if (st == MOOD_OK)
        *out_label_ids = label_ids;
    else
        mood__free(label_ids);
    return st;
}

static int worker_threads(void)
{
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

mood_status mood_index_build(const mood_space *s, const mood_index_options *o,
                             mood_progress_fn progress, void *user, mood_index **out)
{
    mood_index_options def;
    mood_index *ix;
    mood_hnsw_params hp;
    mood_status st = MOOD_OK;
    char *id_buf = NULL, **old_ids = NULL, **label_ids = NULL;
    size_t n_old = 0;
    *out = NULL;
    if (!o) {
        mood_index_options_default(&def);
        o = &def;
    }
    ix = mood__calloc(1, sizeof *ix);
    if (!ix)
        return mood__enomem("index");
    ix->s = s;
    if (o->force == 1 ||
        (o->force == 0 && s->n <= (o->exact_max ? o->exact_max : MOOD_INDEX_EXACT_MAX))) {
        ix->sqnorm = mood__malloc_array(s->n, sizeof *ix->sqnorm);
        if (!ix->sqnorm) {
            mood__free(ix);
            return mood__enomem("index");
        }
        for (size_t i = 0; i < s->n; i++) {
            double acc = 0.0;
            for (size_t j = 0; j < s->d; j++)
                acc += (double)s->x[i * s->d + j] * (double)s->x[i * s->d + j];
            ix->sqnorm[i] = (float)acc;
        }
        *out = ix;
        return MOOD_OK;
    }
    mood_hnsw_params_default(&hp);
    if (o->hnsw_m)
        hp.m = o->hnsw_m;
    if (o->hnsw_ef_construction)
        hp.ef_construction = o->hnsw_ef_construction;
    if (o->hnsw_ef_search)
        hp.ef_search = o->hnsw_ef_search;
    if (o->seed)
        hp.seed = o->seed;
    if (o->hnsw_path && mood_path_exists(o->hnsw_path)) {
        if (load_ids(s, o->hnsw_path, &id_buf, &old_ids, &n_old) != MOOD_OK ||
            mood_hnsw_load(o->hnsw_path, s->d, s->metric, &hp, &ix->h) != MOOD_OK ||
            mood_hnsw_size(ix->h) != n_old) {
            /* unreadable or of another space: rebuild from scratch below */
            mood_hnsw_destroy(ix->h);
            ix->h = NULL;
            n_old = 0;
            mood_clear_error();
        }
    }
    if (!ix->h)
        st = mood_hnsw_create(s->d, s->metric, s->n, &hp, &ix->h);
    if (st == MOOD_OK)
        st = sync_graph(ix, old_ids, n_old, worker_threads(), progress, user, &label_ids);
    if (st == MOOD_OK && o->hnsw_path && ix->added > 0) {
        st = mood_hnsw_save(ix->h, o->hnsw_path);
        if (st == MOOD_OK)
            st = save_ids(ix, o->hnsw_path, label_ids);
    }
    mood__free(label_ids);
    mood__free(old_ids);
    mood_free(id_buf);
    if (st != MOOD_OK) {
        mood_index_destroy(ix);
        return st;
    }
    *out = ix;
    return MOOD_OK;
}

mood_status mood_index_search(const mood_index *ix, const float *q, size_t k, size_t *out_rows,
                              float *out_dist, size_t *out_found)
{
    const mood_space *s = ix->s;
    mood_status st;
    *out_found = 0;
    if (k == 0)
        return MOOD_OK;
    if (!ix->h) {
        st = mood__knn_one(s->x, ix->sqnorm, s->n, s->d, s->metric, q, k, out_rows, out_dist);
        if (st != MOOD_OK)
            return st;
        while (*out_found < k && out_rows[*out_found] != SIZE_MAX)
            (*out_found)++;
        return MOOD_OK;
    }
    uint64_t *labels = mood__malloc_array(k, sizeof *labels);
    size_t m = 0;
    if (!labels)
        return mood__enomem("index search");
    st = mood_hnsw_search(ix->h, q, k, labels, out_dist, &m);
    for (size_t i = 0; i < m && st == MOOD_OK; i++) {
        size_t r = labels[i] < ix->n_labels ? ix->label_row[labels[i]] : SIZE_MAX;
        if (r == SIZE_MAX)
            continue;
        out_rows[*out_found] = r;
        out_dist[*out_found] = out_dist[i];
        (*out_found)++;
    }
    mood__free(labels);
    return st;
}

mood_status mood__search_alloc(const mood_index *ix, const float *q, size_t k, size_t **out_rows,
                               float **out_dist, size_t *out_found)
{
    size_t n = ix->s->n;
    mood_status st;
    if (k > n)
        k = n;
    *out_rows = mood__malloc_array(k ? k : 1, sizeof **out_rows);
    *out_dist = mood__malloc_array(k ? k : 1, sizeof **out_dist);
    if (!*out_rows || !*out_dist) {
        mood__free(*out_rows);
        mood__free(*out_dist);
        *out_rows = NULL;
        *out_dist = NULL;
        return mood__enomem("search");
    }
    st = mood_index_search(ix, q, k, *out_rows, *out_dist, out_found);
    if (st != MOOD_OK) {
        mood__free(*out_rows);
        mood__free(*out_dist);
        *out_rows = NULL;
        *out_dist = NULL;
    }
    return st;
}
