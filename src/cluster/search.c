/*
 * Evolutionary search over algorithms and parameters (search.h explains the score and the
 * reproducibility contract). A genome is a mood_cluster_params plus DBSCAN's eps as a
 * multiple of the eps suggested on each sample, so that one genome means the same thing on
 * every sample. Every random choice comes from one RNG seeded by params.seed, consumed in a
 * fixed order; fits run with the caller's thread count and are thread-independent, so the
 * whole search is too.
 */
#include "cluster_internal.h"

#include "../core/internal.h"
#include "kmeans_internal.h"

#include <moodscope/metrics.h>
#include <moodscope/search.h>

#include <math.h>
#include <string.h>

#define SPECTRAL_LIMIT 20000

void mood_search_params_default(mood_search_params *p)
{
    memset(p, 0, sizeof *p);
    p->population = 16;
    p->generations = 6;
    p->elites = 4;
    p->sample_size = 4000;
    p->k_min = 2;
    p->w_silhouette = 0.4;
    p->w_davies_bouldin = 0.2;
    p->w_calinski = 0.2;
    p->w_purity = 0.1;
    p->w_diversity = 0.1;
}

void mood_search_result_free(mood_search_result *r)
{
    if (!r)
        return;
    mood__free(r->history);
    r->history = NULL;
    r->n_history = 0;
}

typedef struct genome {
    mood_cluster_params p;
    double eps_mult;
} genome;

/* Strata: the label ids (unlabelled rows together), or the groups of a seeded 8-means. */
static mood_status build_strata(const mood_search_params *sp, const float *x, size_t n, size_t d,
                                int32_t *strata, size_t *out_h)
{
    if (sp->labels) {
        for (size_t i = 0; i < n; i++)
            strata[i] = sp->labels[i] < 0 ? (int32_t)sp->n_labels : sp->labels[i];
        *out_h = sp->n_labels + 1;
        return MOOD_OK;
    }
    size_t h = MOOD_MIN((size_t)8, n);
    size_t m = MOOD_MIN(n, (size_t)20000);
    float *xs = mood__malloc_array(m * d, sizeof(float));
    float *c = mood__malloc_array(h * d, sizeof(float));
    int32_t *lab = mood__malloc_array(m, sizeof(int32_t));
    mood_status st = MOOD_OK;
    if (!xs || !c || !lab) {
        st = mood__enomem("search strata");
        goto done;
    }
    for (size_t i = 0; i < m; i++)
        memcpy(xs + i * d, x + (size_t)((double)i * (double)n / (double)m) * d, d * sizeof(float));
    mood_kmeans_params kp;
    mood_kmeans_params_default(&kp);
    kp.k = h;
    kp.n_init = 1;
    kp.seed = sp->seed;
    kp.n_threads = sp->n_threads;
    st = mood_kmeans_fit(&kp, xs, m, d, c, lab, NULL);
    if (st == MOOD_OK)
        st = mood_kmeans_assign(c, h, x, n, d, MOOD_KMEANS_KERNEL_AUTO, sp->n_threads, strata, NULL,
                                NULL);
    *out_h = h;
done:
    mood__free(xs);
    mood__free(c);
    mood__free(lab);
    return st;
}

/* Proportional allocation (largest remainders), uniform without replacement inside strata. */
static mood_status draw_sample(const int32_t *strata, size_t H, size_t n, size_t m, uint64_t seed,
                               size_t *rows)
{
    size_t *cnt = mood__calloc(H, sizeof(size_t)), *take = mood__calloc(H, sizeof(size_t));
    size_t *start = mood__calloc(H + 1, sizeof(size_t)),
           *idx = mood__malloc_array(n, sizeof(size_t));
    double *rem = mood__malloc_array(H, sizeof(double));
    if (!cnt || !take || !start || !idx || !rem) {
        mood__free(cnt);
        mood__free(take);
        mood__free(start);
        mood__free(idx);
        mood__free(rem);
        return mood__enomem("search sample");
    }
    for (size_t i = 0; i < n; i++)
        cnt[strata[i]]++;
    size_t given = 0;
    for (size_t h = 0; h < H; h++) {
        double want = (double)m * (double)cnt[h] / (double)n;
        take[h] = (size_t)want;
        rem[h] = want - (double)take[h];
        given += take[h];
    }
    while (given < m) {
        size_t best = 0;
        for (size_t h = 1; h < H; h++)
            if (rem[h] > rem[best] && take[h] < cnt[h])
                best = h;
        take[best]++;
        rem[best] = -1.0;
        given++;
    }
    for (size_t h = 0; h < H; h++)
        start[h + 1] = start[h] + cnt[h];
    memset(cnt, 0, H * sizeof(size_t));
    for (size_t i = 0; i < n; i++)
        idx[start[strata[i]] + cnt[strata[i]]++] = i;
    mood_rng r;
    mood_rng_seed(&r, seed);
    size_t o = 0;
    for (size_t h = 0; h < H; h++) {
        size_t *g = idx + start[h], gn = cnt[h];
        for (size_t t = 0; t < take[h] && t < gn; t++) {
            size_t j = t + (size_t)mood_rng_below(&r, gn - t);
            size_t v = g[t];
            g[t] = g[j];
            g[j] = v;
            rows[o++] = g[t];
        }
    }
    /* Ascending row order: the sample reads the data front to back. */
    for (size_t i = 1; i < o; i++) {
        size_t v = rows[i], j = i;
        while (j > 0 && rows[j - 1] > v) {
            rows[j] = rows[j - 1];
            j--;
        }
        rows[j] = v;
    }
    mood__free(cnt);
    mood__free(take);
    mood__free(start);
    mood__free(idx);
    mood__free(rem);
    return MOOD_OK;
}

static mood_status check_params(const mood_search_params *p, size_t n, size_t d)
{
    if (n < 20)
        return mood__error(MOOD_EINVAL, "search: n=%zu rows, need at least 20", n);
    if (d == 0)
        return mood__error(MOOD_EINVAL, "search: d = 0 (no feature columns)");
    if (p->population < 2 || p->generations < 1 || p->elites < 1 || p->elites >= p->population)
        return mood__error(MOOD_EINVAL,
                           "search: population=%zu generations=%zu elites=%zu, expected "
                           "population >= 2, generations >= 1, 1 <= elites < population",
                           p->population, p->generations, p->elites);
    double w[] = {p->w_silhouette, p->w_davies_bouldin, p->w_calinski, p->w_purity, p->w_diversity};
    double s = 0.0;
    for (int i = 0; i < 5; i++) {
        if (!(w[i] >= 0.0) || !isfinite(w[i]))
            return mood__error(MOOD_EINVAL, "search: weight %d is %g, expected >= 0", i, w[i]);
        s += w[i];
    }
    if (!(s > 0.0))
        return mood__error(MOOD_EINVAL, "search: all score weights are 0");
    if (p->labels)
        for (size_t i = 0; i < n; i++)
            if (p->labels[i] >= (int32_t)p->n_labels)
                return mood__error(MOOD_EINVAL, "search: label id %d on row %zu, expected < %zu",
                                   (int)p->labels[i], i, p->n_labels);
    if (p->algorithms >> 5)
        return mood__error(MOOD_EINVAL, "search: algorithm mask 0x%x has unknown bits",
                           p->algorithms);
    return MOOD_OK;
}

static size_t sample_rows(const mood_search_params *p, size_t n)
{
    size_t m = p->sample_size ? p->sample_size : 4000;
    return MOOD_MIN(m, n);
}

mood_status mood_search_sample(const mood_search_params *p, const float *x, size_t n, size_t d,
                               uint64_t sample_seed, size_t m, size_t *out_rows)
{
    if (!p || !x || !out_rows)
        return mood__error(MOOD_EINVAL, "search sample: NULL argument");
    mood_status st = check_params(p, n, d);
    if (st != MOOD_OK)
        return st;
    if (m != sample_rows(p, n))
        return mood__error(MOOD_EINVAL, "search sample: m=%zu, the search used %zu rows", m,
                           sample_rows(p, n));
    int32_t *strata = mood__malloc_array(n, sizeof(int32_t));
    if (!strata)
        return mood__enomem("search sample");
    size_t H = 0;
    st = build_strata(p, x, n, d, strata, &H);
    if (st == MOOD_OK)
        st = draw_sample(strata, H, n, m, sample_seed, out_rows);
    mood__free(strata);
    return st;
}

/* A random configuration among the allowed algorithms. */
static void random_genome(mood_rng *r, const unsigned *algos, size_t na, size_t kmin, size_t kmax,
                          const mood_search_params *sp, genome *g)
{
    mood_cluster_params_default(&g->p);
    g->p.algorithm = (mood_algorithm)algos[mood_rng_below(r, na)];
    g->p.k = kmin + (size_t)mood_rng_below(r, kmax - kmin + 1);
    g->p.seed = mood_rng_next(r);
    g->p.n_threads = sp->n_threads;
    g->p.n_init = g->p.algorithm == MOOD_ALGO_GMM ? 1 : 3;
    g->p.covariance = mood_rng_below(r, 2) ? MOOD_COV_DIAG : MOOD_COV_FULL;
    g->p.min_samples = 3 + (size_t)mood_rng_below(r, 13);
    g->p.n_neighbors = 5 + (size_t)mood_rng_below(r, 26);
    static const size_t batches[] = {256, 512, 1024};
    g->p.batch_size = batches[mood_rng_below(r, 3)];
    g->eps_mult = exp(1.4 * mood_rng_uniform(r) - 0.7);
}

static size_t step(mood_rng *r, size_t v, size_t lo, size_t hi, size_t max_step)
{
    long delta = (long)mood_rng_below(r, max_step) + 1;
    if (mood_rng_below(r, 2))
        delta = -delta;
    long nv = (long)v + delta;
    if (nv < (long)lo)
        nv = (long)lo;
    if (nv > (long)hi)
        nv = (long)hi;
    return (size_t)nv;
}

static void mutate(mood_rng *r, const unsigned *algos, size_t na, size_t kmin, size_t kmax,
                   genome *g)
{
    if (na > 1 && mood_rng_uniform(r) < 0.15) {
        g->p.algorithm = (mood_algorithm)algos[mood_rng_below(r, na)];
        g->p.n_init = g->p.algorithm == MOOD_ALGO_GMM ? 1 : 3;
    }
    if (kmax > kmin)
        g->p.k = step(r, g->p.k, kmin, kmax, 2);
    if (mood_rng_uniform(r) < 0.2)
        g->p.covariance = g->p.covariance == MOOD_COV_FULL ? MOOD_COV_DIAG : MOOD_COV_FULL;
    g->eps_mult *= exp(0.25 * mood_rng_normal(r));
    g->p.min_samples = step(r, g->p.min_samples, 2, 30, 2);
    g->p.n_neighbors = step(r, g->p.n_neighbors, 3, 50, 4);
    g->p.seed = mood_rng_next(r);
}

/* Fit one genome on the sample and score it. Only ENOMEM and ECANCELED stop the search. */
static mood_status evaluate(const mood_search_params *sp, genome *g, const float *xs,
                            const int32_t *ls, size_t m, size_t d, int32_t *lab,
                            mood_search_candidate *out)
{
    memset(out, 0, sizeof *out);
    out->silhouette = out->davies_bouldin = out->calinski_harabasz = NAN;
    out->purity = out->diversity = NAN;
    mood_cluster_params q = g->p;
    mood_status st;
    if (q.algorithm == MOOD_ALGO_DBSCAN) {
        double e;
        st = mood_dbscan_suggest_eps(xs, m, d, MOOD_MIN(q.min_samples, m), &e);
        if (st == MOOD_ENOMEM || st == MOOD_ECANCELED)
            return st;
        q.eps = st == MOOD_OK ? e * g->eps_mult : 1.0;
    }
    q.progress = NULL;
    q.progress_user = NULL;
    out->params = q;
    mood_cluster_model *model = NULL;
    st = mood_cluster_fit(&q, xs, m, d, &model, lab);
    if (st == MOOD_ENOMEM || st == MOOD_ECANCELED)
        return st;
    if (st != MOOD_OK)
        return MOOD_OK; /* an unfit configuration scores 0 */
    size_t k = mood_cluster_model_k(model);
    mood_cluster_model_destroy(model);
    size_t noise = 0;
    for (size_t i = 0; i < m; i++)
        noise += lab[i] < 0;
    out->k_found = k;
    out->noise_share = (double)noise / (double)m;
    if (k < 2 || m - noise <= k)
        return MOOD_OK;
    mood_silhouette_params silp;
    memset(&silp, 0, sizeof silp);
    silp.max_exact = m;
    silp.n_threads = sp->n_threads;
    mood_internal_scores sc;
    st = mood_internal_scores_compute(xs, m, d, lab, k, &silp, &sc);
    if (st == MOOD_ENOMEM)
        return st;
    if (st != MOOD_OK)
        return MOOD_OK;
    out->silhouette = sc.silhouette;
    out->davies_bouldin = sc.davies_bouldin;
    out->calinski_harabasz = sc.calinski_harabasz;
    double n_eff = (double)(m - noise) / (double)k;
    double ws = sp->w_silhouette, wd = sp->w_davies_bouldin, wc = sp->w_calinski;
    double num = ws * (sc.silhouette + 1.0) / 2.0 + wd / (1.0 + sc.davies_bouldin) +
                 wc * sc.calinski_harabasz / (sc.calinski_harabasz + n_eff);
    double den = ws + wd + wc;
    if (ls && sp->n_labels > 0) {
        /* Dominant label per group over rows that have both a group and a label. */
        size_t L = sp->n_labels;
        size_t *ct = mood__calloc(k * L, sizeof(size_t));
        if (!ct)
            return mood__enomem("search scoring");
        size_t tot = 0;
        for (size_t i = 0; i < m; i++)
            if (lab[i] >= 0 && ls[i] >= 0) {
                ct[(size_t)lab[i] * L + (size_t)ls[i]]++;
                tot++;
            }
        size_t dom_sum = 0, distinct = 0;
        uint8_t *seen = mood__calloc(L, 1);
        if (!seen) {
            mood__free(ct);
            return mood__enomem("search scoring");
        }
        for (size_t j = 0; j < k; j++) {
            size_t bi = 0;
            for (size_t l = 1; l < L; l++)
                if (ct[j * L + l] > ct[j * L + bi])
                    bi = l;
            if (ct[j * L + bi] == 0)
                continue;
            dom_sum += ct[j * L + bi];
            if (!seen[bi]) {
                seen[bi] = 1;
                distinct++;
            }
        }
        mood__free(ct);
        mood__free(seen);
        if (tot > 0) {
            out->purity = (double)dom_sum / (double)tot;
            out->diversity = (double)distinct / (double)k;
            num += sp->w_purity * out->purity + sp->w_diversity * out->diversity;
            den += sp->w_purity + sp->w_diversity;
        }
    }
    out->score = den > 0.0 ? num / den * (1.0 - out->noise_share) : 0.0;
    return MOOD_OK;
}

/* Indices of @p c (P candidates) by descending score into @p order; stable: ties keep
 * population order. */
static void rank_by_score(const mood_search_candidate *c, size_t P, size_t *order)
{
    for (size_t i = 0; i < P; i++)
        order[i] = i;
    for (size_t i = 1; i < P; i++) {
        size_t v = order[i], j = i;
        while (j > 0 && c[order[j - 1]].score < c[v].score) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
}

mood_status mood_cluster_search(const mood_search_params *sp, const float *x, size_t n, size_t d,
                                mood_search_result *out)
{
    if (!sp || !x || !out)
        return mood__error(MOOD_EINVAL, "search: NULL argument");
    memset(out, 0, sizeof *out);
    mood_status st = check_params(sp, n, d);
    if (st != MOOD_OK)
        return st;
    st = mood__check_finite("search", x, n, d, sp->n_threads);
    if (st != MOOD_OK)
        return st;
    const size_t m = sample_rows(sp, n);
    const size_t kmin = sp->k_min ? sp->k_min : 2;
    size_t kmax = sp->k_max ? sp->k_max : MOOD_MIN((size_t)15, m / 10);
    if (kmax < kmin)
        kmax = kmin;
    if (kmin < 2 || kmax >= m)
        return mood__error(MOOD_EINVAL, "search: k range %zu..%zu, expected 2 <= k < %zu rows",
                           kmin, kmax, m);
    unsigned mask = sp->algorithms ? sp->algorithms : 0x1fu, algos[5];
    size_t na = 0;
    for (unsigned a = 0; a < 5; a++)
        if ((mask >> a) & 1u) {
            if (a == MOOD_ALGO_SPECTRAL && m > SPECTRAL_LIMIT)
                continue;
            algos[na++] = a;
        }
    if (na == 0)
        return mood__error(MOOD_EINVAL, "search: no algorithm left to try (mask 0x%x)", mask);

    const size_t P = sp->population, G = sp->generations, E = sp->elites;
    int32_t *strata = mood__malloc_array(n, sizeof(int32_t));
    size_t *rows = mood__malloc_array(m, sizeof(size_t));
    float *xs = mood__malloc_array(m * d, sizeof(float));
    int32_t *ls = sp->labels ? mood__malloc_array(m, sizeof(int32_t)) : NULL;
    int32_t *lab = mood__malloc_array(m, sizeof(int32_t));
    genome *pop = mood__malloc_array(P, sizeof(genome)),
           *next = mood__malloc_array(P, sizeof(genome));
    size_t *order = mood__malloc_array(P, sizeof(size_t));
    mood_search_candidate *hist = mood__calloc(P * G, sizeof(mood_search_candidate));
    if (!strata || !rows || !xs || (sp->labels && !ls) || !lab || !pop || !next || !order ||
        !hist) {
        st = mood__enomem("search");
        goto fail;
    }
    size_t H = 0;
    st = build_strata(sp, x, n, d, strata, &H);
    if (st != MOOD_OK)
        goto fail;
    mood_rng rng;
    mood_rng_seed(&rng, sp->seed);
    for (size_t i = 0; i < P; i++)
        random_genome(&rng, algos, na, kmin, kmax, sp, &pop[i]);
    size_t nh = 0, best = 0;
    for (size_t gen = 0; gen < G; gen++) {
        uint64_t sseed = mood_rng_next(&rng);
        st = draw_sample(strata, H, n, m, sseed, rows);
        if (st != MOOD_OK)
            goto fail;
        for (size_t i = 0; i < m; i++) {
            memcpy(xs + i * d, x + rows[i] * d, d * sizeof(float));
            if (ls)
                ls[i] = sp->labels[rows[i]];
        }
        mood_search_candidate *gc = hist + nh;
        for (size_t i = 0; i < P; i++) {
            st = evaluate(sp, &pop[i], xs, ls, m, d, lab, &gc[i]);
            if (st != MOOD_OK)
                goto fail;
            gc[i].generation = gen;
            gc[i].sample_seed = sseed;
            if (gc[i].score > hist[best].score)
                best = nh + i;
            st = mood__progress(sp->progress, sp->progress_user, "search", (double)(nh + i + 1),
                                (double)(P * G));
            if (st != MOOD_OK)
                goto fail;
        }
        /* Rank, keep elites, refill by mutation. */
        rank_by_score(gc, P, order);
        nh += P;
        for (size_t i = 0; i < E; i++)
            next[i] = pop[order[i]];
        for (size_t i = E; i < P; i++) {
            if (mood_rng_uniform(&rng) < 0.25) {
                random_genome(&rng, algos, na, kmin, kmax, sp, &next[i]);
            } else {
                next[i] = pop[order[mood_rng_below(&rng, E)]];
                mutate(&rng, algos, na, kmin, kmax, &next[i]);
            }
        }
        genome *t = pop;
        pop = next;
        next = t;
    }
    out->best = hist[best];
    out->history = hist;
    out->n_history = nh;
    out->sample_rows = m;
    hist = NULL;
fail:
    mood__free(strata);
    mood__free(rows);
    mood__free(xs);
    mood__free(ls);
    mood__free(lab);
    mood__free(pop);
    mood__free(next);
    mood__free(order);
    mood__free(hist);
    return st;
}
