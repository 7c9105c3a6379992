/*
 * Song alchemy: "like these, but not like those". Candidates come from around the add-centroid;
 * each is scored d(x, add) − w·d(x, subtract) and dropped when it sits nearer the subtract
 * centroid than the add one. At temperature 0 the best scores win (ties by row, so the answer
 * is reproducible); above it, picks are drawn without replacement with probability
 * ∝ exp(−(score − best) / (T·spread)), the spread being the scores' standard deviation so that
 * the temperature means the same on every library.
 */
#include "../core/internal.h"
#include "rec_internal.h"

#include <moodscope/rng.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

void mood_alchemy_options_default(mood_alchemy_options *o)
{
    o->temperature = 0.0f;
    o->subtract_weight = 0.5f;
    o->seed = 42;
}

static mood_status centroid(const mood_space *s, const size_t *rows, size_t n, float *out)
{
    for (size_t j = 0; j < s->d; j++) {
        double acc = 0.0;
        for (size_t i = 0; i < n; i++)
            acc += (double)s->x[rows[i] * s->d + j];
        out[j] = (float)(acc / (double)n);
    }
    if (s->metric == MOOD_METRIC_COSINE)
        mood__normalize_rows(out, 1, s->d);
    return MOOD_OK;
}

static int cmp_hit(const void *a, const void *b)
{
    const mood_hit *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

static int is_input(const mood_space *s, const size_t *rows, size_t n, size_t r)
{
    for (size_t i = 0; i < n; i++)
        if (rows[i] == r || mood__same_song(s, rows[i], r))
            return 1;
    return 0;
}

/* Gumbel-top-k: adding Gumbel noise to the logits and keeping the @p n best samples without
 * replacement from the softmax of the @p m sorted candidates, in one pass, into @p out. */
static mood_status gumbel_top_k(const mood_hit *cand, size_t m, size_t n,
                                const mood_alchemy_options *o, mood_hit *out)
{
    double mean = 0.0, var = 0.0, spread;
    mood_rng rng;
    for (size_t i = 0; i < m; i++)
        mean += (double)cand[i].score;
    mean /= (double)m;
    for (size_t i = 0; i < m; i++)
        var += ((double)cand[i].score - mean) * ((double)cand[i].score - mean);
    spread = sqrt(var / (double)m);
    if (spread <= 0.0)
        spread = 1.0;
    double *key = mood__malloc_array(m, sizeof *key);
    size_t *order = mood__malloc_array(m, sizeof *order);
    if (!key || !order) {
        mood__free(key);
        mood__free(order);
        return mood__enomem("alchemy");
    }
    mood_rng_seed(&rng, o->seed);
    for (size_t i = 0; i < m; i++) {
        double u = mood_rng_uniform(&rng);
        key[i] =
            -((double)cand[i].score - (double)cand[0].score) / ((double)o->temperature * spread) -
            log(-log(u > 0.0 ? u : 1e-300));
        order[i] = i;
    }
    /* selection of the n largest keys (n is small) */
    for (size_t k = 0; k < n; k++) {
        size_t best = k;
        for (size_t i = k + 1; i < m; i++)
            if (key[order[i]] > key[order[best]])
                best = i;
        size_t tmp = order[k];
        order[k] = order[best];
        order[best] = tmp;
        out[k] = cand[order[k]];
    }
    mood__free(key);
    mood__free(order);
    return MOOD_OK;
}

mood_status mood_alchemy(const mood_space *s, const mood_index *ix, const size_t *add, size_t n_add,
                         const size_t *sub, size_t n_sub, const mood_alchemy_options *o, size_t n,
                         mood_hit *out, size_t *out_found)
{
    mood_alchemy_options def;
    float *ca = NULL, *cs = NULL, *dist = NULL;
    size_t *rows = NULL, found = 0, m = 0, pool;
    mood_hit *cand = NULL;
    mood_status st;
    *out_found = 0;
    if (!o) {
        mood_alchemy_options_default(&def);
        o = &def;
    }
    if (n_add == 0)
        return mood__error(MOOD_EINVAL, "alchemy: at least one track to add is needed");
    if (o->temperature < 0.0f)
        return mood__error(MOOD_EINVAL, "alchemy: temperature %g must be >= 0",
                           (double)o->temperature);
    for (size_t i = 0; i < n_add; i++)
        if (add[i] >= s->n)
            return mood__error(MOOD_EINVAL, "alchemy: row %zu out of range", add[i]);
    for (size_t i = 0; i < n_sub; i++)
        if (sub[i] >= s->n)
            return mood__error(MOOD_EINVAL, "alchemy: row %zu out of range", sub[i]);
    ca = mood__malloc_array(s->d, sizeof *ca);
    cs = mood__malloc_array(s->d, sizeof *cs);
    if (!ca || !cs) {
        st = mood__enomem("alchemy");
        goto done;
    }
    centroid(s, add, n_add, ca);
    if (n_sub)
        centroid(s, sub, n_sub, cs);
    pool = MOOD_MAX((size_t)200, 10 * n) + n_add + n_sub;
    st = mood__search_alloc(ix, ca, pool, &rows, &dist, &found);
    if (st != MOOD_OK)
        goto done;
    cand = mood__malloc_array(found ? found : 1, sizeof *cand);
    if (!cand) {
        st = mood__enomem("alchemy");
        goto done;
    }
    for (size_t i = 0; i < found; i++) {
        size_t r = rows[i];
        float ds = n_sub ? mood_space_distance_to(s, cs, r) : 0.0f;
        if (is_input(s, add, n_add, r) || (n_sub && is_input(s, sub, n_sub, r)))
            continue;
        if (n_sub && ds <= dist[i])
            continue; /* nearer what was subtracted than what was added */
        memset(&cand[m], 0, sizeof cand[m]);
        cand[m].row = r;
        cand[m].distance = dist[i];
        cand[m].score = dist[i] - o->subtract_weight * ds;
        if (n_sub)
            mood__reason(cand[m].reasons, sizeof cand[m].reasons, "d(add)=%.3f; d(subtract)=%.3f",
                         (double)dist[i], (double)ds);
        else
            mood__reason(cand[m].reasons, sizeof cand[m].reasons, "d(add)=%.3f", (double)dist[i]);
        m++;
    }
    qsort(cand, m, sizeof *cand, cmp_hit);
    if (o->temperature == 0.0f || m <= n) {
        size_t k = MOOD_MIN(m, n);
        memcpy(out, cand, k * sizeof *out);
        *out_found = k;
    } else {
        st = gumbel_top_k(cand, m, n, o, out);
        if (st == MOOD_OK)
            *out_found = n;
    }
done:
    mood__free(ca);
    mood__free(cs);
    mood__free(rows);
    mood__free(dist);
    mood__free(cand);
    return st;
}
