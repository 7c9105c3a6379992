/*
 * DBSCAN (Ester, Kriegel, Sander & Xu, KDD 1996) as scikit-learn 1.2 runs it: a row is core
 * when its eps-neighbourhood (distance ≤ eps, the row itself included) holds at least
 * min_samples rows; clusters grow depth-first from core rows in row order, so cluster numbers
 * follow the first core row of each cluster, and a border row joins the first cluster that
 * reaches it. Noise is -1. Neighbourhoods come from a kd-tree (kdtree.c), never O(n²).
 *
 * The eps suggestion is the kneedle knee of the sorted distance of each row to its
 * min_samples-th nearest row (itself counted, as scikit-learn counts min_samples).
 */
#include "cluster_internal.h"

#include "../core/internal.h"
#include "kdtree.h"
#include "kmeans_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

size_t mood__kneedle_index(const double *xs, const double *ys, size_t n);

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

mood_status mood_dbscan_suggest_eps(const float *x, size_t n, size_t d, size_t min_samples,
                                    double *out_eps)
{
    if (!x || !out_eps || d == 0)
        return mood__error(MOOD_EINVAL, "dbscan eps: NULL data or d = 0");
    if (min_samples < 1 || min_samples > n)
        return mood__error(MOOD_EINVAL, "dbscan eps: min_samples=%zu must be in 1..n=%zu",
                           min_samples, n);
    mood_status st = mood__check_finite("dbscan eps", x, n, d, 0);
    if (st != MOOD_OK)
        return st;
    kdtree *t;
    st = mood__kdtree_build(x, n, d, &t);
    if (st != MOOD_OK)
        return st;
    /* Query at most 20000 rows, evenly spaced, so the curve is deterministic and cheap. */
    size_t m = MOOD_MIN(n, (size_t)20000);
    double *kd = mood__malloc_array(m, sizeof(double));
    double *xs = mood__malloc_array(m, sizeof(double));
    double *ys = mood__malloc_array(m, sizeof(double));
    int failed = 0;
    if (!kd || !xs || !ys) {
        st = mood__enomem("dbscan eps");
        goto done;
    }
    long long mm = (long long)m;
#ifdef _OPENMP
#pragma omp parallel num_threads(mood__par_threads(0, (double)m *(double)d * 64.0))
#endif
    {
        int32_t *idx = mood__malloc_array(min_samples, sizeof(int32_t));
        double *dd = mood__malloc_array(min_samples, sizeof(double));
        if (!idx || !dd) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
            failed = 1;
        }
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 64)
#endif
        for (long long qi = 0; qi < mm; qi++) {
            if (!idx || !dd)
                continue;
            size_t r = (size_t)((double)qi * (double)n / (double)m);
            mood__kdtree_knn(t, x + r * d, min_samples, idx, dd);
            kd[qi] = sqrt(dd[min_samples - 1]);
        }
        mood__free(idx);
        mood__free(dd);
    }
    if (failed) {
        st = mood__enomem("dbscan eps");
        goto done;
    }
    qsort(kd, m, sizeof(double), cmp_double);
    /* Increasing convex curve → mirrored to the decreasing convex form kneedle expects. */
    for (size_t i = 0; i < m; i++) {
        xs[i] = (double)i;
        ys[i] = kd[m - 1 - i];
    }
    size_t ki = mood__kneedle_index(xs, ys, m);
    double eps = ki == SIZE_MAX ? kd[(size_t)(0.9 * (double)(m - 1))] : kd[m - 1 - ki];
    if (!(eps > 0.0)) {
        /* Duplicated rows: fall back to the smallest positive k-distance. */
        for (size_t i = 0; i < m && !(eps > 0.0); i++)
            eps = kd[i];
        if (!(eps > 0.0))
            eps = 1e-6;
    }
    *out_eps = eps;
done:
    mood__free(kd);
    mood__free(xs);
    mood__free(ys);
    mood__kdtree_free(t);
    return st;
}

mood_status mood__fit_dbscan(const mood_cluster_params *p, const float *x, size_t n, size_t d,
                             mood_cluster_model **out, int32_t *labels)
{
    const size_t ms = p->min_samples ? p->min_samples : 5;
    double eps = p->eps;
    mood_status st = MOOD_OK;
    if (eps <= 0.0) {
        st = mood_dbscan_suggest_eps(x, n, d, MOOD_MIN(ms, n), &eps);
        if (st != MOOD_OK)
            return st;
    }
    const double r2 = eps * eps;
    const int nt = mood__km_threads(p->n_threads);
    kdtree *t = NULL;
    size_t *cnt = mood__malloc_array(n + 1, sizeof(size_t));
    size_t *off = mood__malloc_array(n + 1, sizeof(size_t));
    int32_t *nb = NULL, *stack = mood__malloc_array(n + 1, sizeof(int32_t));
    uint8_t *core = mood__calloc(n + 1, 1);
    mood_cluster_model *m = NULL;
    if (!cnt || !off || !stack || !core) {
        st = mood__enomem("dbscan");
        goto done;
    }
    st = mood__kdtree_build(x, n, d, &t);
    if (st != MOOD_OK)
        goto done;
    long long nn = (long long)n;
    /* Pass 1: neighbourhood sizes → core rows. */
#ifdef _OPENMP
#pragma omp parallel for num_threads(mood__par_threads(nt, (double)n *(double)d * 64.0))           \
    schedule(dynamic, 256)
#endif
    for (long long i = 0; i < nn; i++) {
        size_t c = mood__kdtree_radius_count(t, x + (size_t)i * d, r2);
        cnt[i] = c;
        core[i] = c >= ms;
    }
    /* Pass 2: the neighbour lists of core rows (the only ones the expansion walks). */
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        off[i] = total;
        if (core[i])
            total += cnt[i];
    }
    off[n] = total;
    if (total > ((size_t)1 << 31)) {
        st = mood__error(MOOD_EINVAL,
                         "dbscan: eps=%g gives %zu neighbour pairs; choose a smaller eps", eps,
                         total);
        goto done;
    }
    nb = mood__malloc_array(total + 1, sizeof(int32_t));
    if (!nb) {
        st = mood__enomem("dbscan neighbour lists");
        goto done;
    }
#ifdef _OPENMP
#pragma omp parallel for num_threads(mood__par_threads(nt, (double)n *(double)d * 64.0))           \
    schedule(dynamic, 256)
#endif
    for (long long i = 0; i < nn; i++)
        if (core[i])
            mood__kdtree_radius(t, x + (size_t)i * d, r2, nb + off[i], cnt[i]);
    /*
     * Expansion as scikit-learn's dbscan_inner (depth-first from core rows in row order). A row
     * is pushed at most once (bit 1 of core[] marks it): every row reached while growing one
     * cluster gets that cluster's number whatever the visiting order, so the labels equal
     * scikit-learn's, and the stack never exceeds n.
     */
    for (size_t i = 0; i < n; i++)
        labels[i] = -1;
    int32_t label = 0;
    for (size_t i0 = 0; i0 < n; i0++) {
        if (labels[i0] != -1 || !(core[i0] & 1))
            continue;
        size_t sp = 0, i = i0;
        for (;;) {
            if (labels[i] == -1) {
                labels[i] = label;
                if (core[i] & 1)
                    for (size_t q = off[i]; q < off[i] + cnt[i]; q++) {
                        int32_t v = nb[q];
                        if (labels[v] == -1 && !(core[v] & 2)) {
                            core[v] |= 2;
                            stack[sp++] = v;
                        }
                    }
            }
            if (sp == 0)
                break;
            i = (size_t)stack[--sp];
        }
        label++;
    }
    for (size_t i = 0; i < n; i++)
        core[i] &= 1;
    size_t k = (size_t)label, n_core = 0;
    for (size_t i = 0; i < n; i++)
        n_core += core[i];
    st = mood__model_new(MOOD_ALGO_DBSCAN, k, d, p, &m);
    if (st != MOOD_OK)
        goto done;
    m->eps = eps;
    m->params.eps = eps;
    m->params.k = k;
    m->n_core = n_core;
    m->core = mood__malloc_array(n_core * d + 1, sizeof(float));
    m->core_label = mood__malloc_array(n_core + 1, sizeof(int32_t));
    if (!m->core || !m->core_label) {
        st = mood__enomem("dbscan model");
        goto done;
    }
    for (size_t i = 0, c = 0; i < n; i++)
        if (core[i]) {
            memcpy(m->core + c * d, x + i * d, d * sizeof(float));
            m->core_label[c++] = labels[i];
        }
    if (k)
        mood__member_means(x, n, d, labels, k, m->centroids, &m->inertia);
    else
        m->inertia = 0.0;
done:
    mood__kdtree_free(t);
    mood__free(cnt);
    mood__free(off);
    mood__free(nb);
    mood__free(stack);
    mood__free(core);
    if (st != MOOD_OK) {
        mood_cluster_model_destroy(m);
        return st;
    }
    *out = m;
    return MOOD_OK;
}

mood_status mood__dbscan_predict(const mood_cluster_model *m, const float *x, size_t n,
                                 int32_t *labels, float *dist)
{
    const size_t d = m->d;
    kdtree *t = NULL;
    mood_status st = mood__check_finite("dbscan predict", x, n, d, 0);
    if (st != MOOD_OK)
        return st;
    if (m->n_core == 0) {
        for (size_t i = 0; i < n; i++) {
            labels[i] = -1;
            if (dist)
                dist[i] = INFINITY;
        }
        return MOOD_OK;
    }
    st = mood__kdtree_build(m->core, m->n_core, d, &t);
    if (st != MOOD_OK)
        return st;
    const double r2 = m->eps * m->eps;
    long long nn = (long long)n;
#ifdef _OPENMP
#pragma omp parallel for num_threads(mood__par_threads(0, (double)n *(double)d * 64.0))            \
    schedule(dynamic, 256)
#endif
    for (long long i = 0; i < nn; i++) {
        int32_t id;
        double dd;
        mood__kdtree_knn(t, x + (size_t)i * d, 1, &id, &dd);
        labels[i] = dd <= r2 ? m->core_label[id] : -1;
        if (dist)
            dist[i] = (float)sqrt(dd);
    }
    mood__kdtree_free(t);
    return MOOD_OK;
}
