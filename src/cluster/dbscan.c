/*
 * DBSCAN (Ester, Kriegel, Sander & Xu, KDD 1996) as scikit-learn 1.2 runs it: a row is core
 * when its eps-neighbourhood (distance ≤ eps, the row itself included) holds at least
 * min_samples rows; clusters grow depth-first from core rows in row order, so cluster numbers
 * follow the first core row of each cluster, and a border row joins the first cluster that
 * reaches it. Noise is -1. Neighbourhoods come from a kd-tree (kdtree.c), never O(n²).
 *
 * The automatic eps (mood_dbscan_suggest_eps) reads density levels rather than the knee of the
 * k-distance curve, whose long Gaussian tail puts the knee inside the blobs and leaves their
 * rims as noise. Every eps of DBSCAN* is one cut of the single-linkage tree of the mutual
 * reachability distance max(core(a), core(b), |a − b|), core = distance to the min_samples-th
 * nearest row (Campello, Moulavi & Sander, HDBSCAN, PAKDD 2013). Walking that tree upwards gives,
 * at each level, the number of groups holding at least 1% of the rows (and min_samples). A
 * partition is persistent when that number holds over an eps range spanning a factor of 1.5 or
 * more; the finest persistent partition wins, and eps is the smallest level of its range at
 * which its groups hold 99.8% of the rows they hold just before the range ends, so the tails
 * join their blob far below the level where blobs join each other. Without a persistent
 * partition (one blob, no structure) eps falls back to the kneedle knee of the sorted core
 * distances. The tree is an exact O(m²) Prim on m ≤ 10000 rows; above, on 10000 evenly spaced
 * rows with min_samples scaled to the sample's density.
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

/* ---- automatic eps: density levels --------------------------------------------------------- */

#define EPS_MAX_ROWS    10000 /* rows of the exact single-linkage tree */
#define EPS_MIN_SHARE   0.01  /* a group counts from this share of the rows */
#define EPS_MIN_PERSIST 1.5   /* eps range (max/min) a partition must span */
#define EPS_COVER       0.998 /* share of its final rows the partition must hold at eps */

typedef struct mst_edge {
    double w;
    int32_t a, b;
} mst_edge;

/* One level of the tree: after every edge of weight w, the groups and the rows they hold. */
typedef struct eps_level {
    double w;
    size_t groups, covered;
} eps_level;

static int cmp_edge(const void *pa, const void *pb)
{
    const mst_edge *a = pa, *b = pb;
    if (a->w != b->w)
        return (a->w > b->w) - (a->w < b->w);
    return (a->b > b->b) - (a->b < b->b);
}

/* Distance of each of the m rows of x to its ms-th nearest row (itself counted), like sklearn. */
static mood_status core_distances(const float *x, size_t m, size_t d, size_t ms, double *core)
{
    kdtree *t;
    int failed = 0;
    mood_status st = mood__kdtree_build(x, m, d, &t);
    if (st != MOOD_OK)
        return st;
    long long mm = (long long)m;
#ifdef _OPENMP
#pragma omp parallel num_threads(mood__par_threads(0, (double)m *(double)d * 64.0))
#endif
    {
        const size_t sz[][2] = {{ms, sizeof(int32_t)}, {ms, sizeof(double)}};
        mood_scratch w;
        const int ok = mood__scratch_alloc(&w, sz, 2, &failed);
        int32_t *idx = w.p[0];
        double *dd = w.p[1];
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 64)
#endif
        for (long long i = 0; i < mm; i++) {
            if (!ok)
                continue;
            mood__kdtree_knn(t, x + (size_t)i * d, ms, idx, dd);
            core[i] = sqrt(dd[ms - 1]);
        }
        mood__scratch_free(&w);
    }
    mood__kdtree_free(t);
    return failed ? mood__enomem("dbscan eps") : MOOD_OK;
}

/*
 * Minimum spanning tree of the mutual reachability graph by Prim's algorithm: O(m²·d) time and
 * O(m) memory, no distance matrix. Squared weights are compared (no square root per pair) and
 * the rows still outside the tree are kept in a packed list. The next row is the one of least
 * weight, the lowest index on ties, so the tree does not depend on the thread count or on the
 * list order. Writes m − 1 edges.
 */
static mood_status mreach_mst(const float *x, size_t m, size_t d, const double *core, mst_edge *out)
{
    double *best = mood__malloc_array(m, sizeof(double));
    double *core2 = mood__malloc_array(m, sizeof(double));
    int32_t *from = mood__malloc_array(m, sizeof(int32_t));
    int32_t *rem = mood__malloc_array(m, sizeof(int32_t));
    if (!best || !core2 || !from || !rem) {
        mood__free(best);
        mood__free(core2);
        mood__free(from);
        mood__free(rem);
        return mood__enomem("dbscan eps tree");
    }
    for (size_t i = 0; i < m; i++) {
        best[i] = INFINITY;
        core2[i] = core[i] * core[i];
        from[i] = 0;
        rem[i] = (int32_t)i;
    }
    size_t cur = 0, r = m;
    rem[0] = (int32_t)(m - 1);
    r--;
    const int nt = mood__par_threads(0, (double)m * (double)d * 4.0);
    (void)nt; /* read only by the OpenMP pragmas */
    for (size_t e = 0; e + 1 < m; e++) {
        const float *xc = x + cur * d;
        const double cc2 = core2[cur];
        const long long rr = (long long)r;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static)
#endif
        for (long long k = 0; k < rr; k++) {
            const size_t j = (size_t)rem[k];
            const float *xj = x + j * d;
            double s = 0.0;
            for (size_t q = 0; q < d; q++) {
                const double diff = (double)xc[q] - (double)xj[q];
                s += diff * diff;
            }
            const double w2 = MOOD_MAX(s, MOOD_MAX(cc2, core2[j]));
            if (w2 < best[j]) {
                best[j] = w2;
                from[j] = (int32_t)cur;
            }
        }
        size_t bk = 0;
        for (size_t k = 1; k < r; k++) {
            const size_t j = (size_t)rem[k], b = (size_t)rem[bk];
            if (best[j] < best[b] || (best[j] == best[b] && j < b))
                bk = k;
        }
        cur = (size_t)rem[bk];
        rem[bk] = rem[--r];
        out[e].w = sqrt(best[cur]);
        out[e].a = from[cur];
        out[e].b = (int32_t)cur;
    }
    mood__free(best);
    mood__free(core2);
    mood__free(from);
    mood__free(rem);
    return MOOD_OK;
}

static size_t uf_find(int32_t *parent, size_t a)
{
    while ((size_t)parent[a] != a) {
        parent[a] = parent[parent[a]];
        a = (size_t)parent[a];
    }
    return a;
}

/*
 * Merge the sorted tree edges bottom-up (union by size) and record, once per distinct weight,
 * how many groups of at least min_size rows exist and how many rows they hold. Returns the
 * number of levels written to lv (at most m − 1), or SIZE_MAX when out of memory.
 */
static size_t tree_levels(const mst_edge *edges, size_t m, size_t min_size, eps_level *lv)
{
    int32_t *parent = mood__malloc_array(m, sizeof(int32_t));
    size_t *size = mood__malloc_array(m, sizeof(size_t));
    size_t nl = 0, groups = 0, covered = 0;
    if (!parent || !size) {
        mood__free(parent);
        mood__free(size);
        return SIZE_MAX;
    }
    for (size_t i = 0; i < m; i++) {
        parent[i] = (int32_t)i;
        size[i] = 1;
    }
    for (size_t e = 0; e + 1 < m; e++) {
        size_t ra = uf_find(parent, (size_t)edges[e].a), rb = uf_find(parent, (size_t)edges[e].b);
        size_t sa = size[ra], sb = size[rb];
        int big_a = sa >= min_size, big_b = sb >= min_size;
        if (sa > sb) {
            size_t tmp = ra;
            ra = rb;
            rb = tmp;
        }
        parent[ra] = (int32_t)rb;
        size[rb] = sa + sb;
        if (sa + sb >= min_size) {
            covered += (big_a ? 0 : sa) + (big_b ? 0 : sb);
            groups = groups + 1 - (size_t)big_a - (size_t)big_b;
        }
        if (nl == 0 || lv[nl - 1].w != edges[e].w)
            nl++;
        lv[nl - 1].w = edges[e].w;
        lv[nl - 1].groups = groups;
        lv[nl - 1].covered = covered;
    }
    mood__free(parent);
    mood__free(size);
    return nl;
}

/*
 * The finest persistent partition (see the top of the file) and its eps: 1 with *out_eps set,
 * 0 when no partition of two or more groups persists.
 */
static int pick_level(const eps_level *lv, size_t nl, double *out_eps)
{
    double floor_w = INFINITY;
    size_t bi = SIZE_MAX, bj = 0, bg = 0;
    double bp = 0.0;
    for (size_t i = 0; i < nl; i++)
        if (lv[i].w > 0.0 && lv[i].w < floor_w)
            floor_w = lv[i].w;
    for (size_t i = 0, j = 0; i < nl; i = j + 1) {
        j = i;
        while (j + 1 < nl && lv[j + 1].groups == lv[i].groups)
            j++;
        if (j + 1 >= nl || lv[i].groups < 2)
            continue;
        double persist = lv[j + 1].w / MOOD_MAX(lv[i].w, floor_w);
        if (persist < EPS_MIN_PERSIST)
            continue;
        if (lv[i].groups > bg || (lv[i].groups == bg && persist > bp)) {
            bi = i;
            bj = j;
            bg = lv[i].groups;
            bp = persist;
        }
    }
    if (bi == SIZE_MAX)
        return 0;
    size_t t = bi;
    const double want = EPS_COVER * (double)lv[bj].covered;
    while (t < bj && (double)lv[t].covered < want)
        t++;
    /* Halfway to the next level, so that no tree distance sits on the radius itself. */
    *out_eps = 0.5 * (lv[t].w + lv[t + 1].w);
    return 1;
}

/* The previous rule, kept for data without a persistent partition: the kneedle knee. */
static double kneedle_eps(double *kd, size_t m, double *xs, double *ys)
{
    qsort(kd, m, sizeof(double), mood__cmp_double);
    /* Increasing convex curve → mirrored to the decreasing convex form kneedle expects. */
    for (size_t i = 0; i < m; i++) {
        xs[i] = (double)i;
        ys[i] = kd[m - 1 - i];
    }
    size_t ki = mood__kneedle_index(xs, ys, m);
    double eps = ki == SIZE_MAX ? kd[(size_t)(0.9 * (double)(m - 1))] : kd[m - 1 - ki];
    /* Duplicated rows: fall back to the smallest positive k-distance. */
    for (size_t i = 0; i < m && !(eps > 0.0); i++)
        eps = kd[i];
    return eps > 0.0 ? eps : 1e-6;
}

/* Density-level eps of the m rows xs (see the top of the file). */
static mood_status levels_eps(const float *xs, size_t m, size_t d, size_t ms, double *out_eps)
{
    double *core = mood__malloc_array(m, sizeof(double));
    double *t1 = mood__malloc_array(m, sizeof(double));
    double *t2 = mood__malloc_array(m, sizeof(double));
    mst_edge *edges = mood__malloc_array(m, sizeof(mst_edge));
    eps_level *lv = mood__malloc_array(m, sizeof(eps_level));
    mood_status st = MOOD_OK;
    if (!core || !t1 || !t2 || !edges || !lv) {
        st = mood__enomem("dbscan eps");
        goto done;
    }
    st = core_distances(xs, m, d, ms, core);
    if (st == MOOD_OK && m >= 3)
        st = mreach_mst(xs, m, d, core, edges);
    if (st != MOOD_OK)
        goto done;
    size_t nl = 0;
    if (m >= 3) {
        qsort(edges, m - 1, sizeof(mst_edge), cmp_edge);
        size_t min_size = MOOD_MAX(ms, (size_t)ceil(EPS_MIN_SHARE * (double)m));
        nl = tree_levels(edges, m, min_size, lv);
        if (nl == SIZE_MAX) {
            st = mood__enomem("dbscan eps levels");
            goto done;
        }
    }
    if (!pick_level(lv, nl, out_eps))
        *out_eps = kneedle_eps(core, m, t1, t2);
done:
    mood__free(core);
    mood__free(t1);
    mood__free(t2);
    mood__free(edges);
    mood__free(lv);
    return st;
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
    if (n <= EPS_MAX_ROWS)
        return levels_eps(x, n, d, min_samples, out_eps);
    /* Evenly spaced rows, so the answer is deterministic; min_samples follows their density. */
    const size_t m = EPS_MAX_ROWS;
    float *xs = mood__malloc_array(m * d, sizeof(float));
    if (!xs)
        return mood__enomem("dbscan eps sample");
    for (size_t i = 0; i < m; i++) {
        size_t r = (size_t)((double)i * (double)n / (double)m);
        memcpy(xs + i * d, x + r * d, d * sizeof(float));
    }
    double scaled = round((double)min_samples * (double)m / (double)n);
    size_t ms = (size_t)MOOD_MAX(2.0, MOOD_MIN((double)min_samples, scaled));
    st = levels_eps(xs, m, d, MOOD_MIN(ms, min_samples), out_eps);
    mood__free(xs);
    return st;
}

/*
 * Expansion as scikit-learn's dbscan_inner (depth-first from core rows in row order). A row
 * is pushed at most once (bit 1 of core[] marks it): every row reached while growing one
 * cluster gets that cluster's number whatever the visiting order, so the labels equal
 * scikit-learn's, and the stack never exceeds n. Returns the number of clusters.
 */
static size_t dbscan_expand(size_t n, const size_t *off, const size_t *cnt, const int32_t *nb,
                            uint8_t *core, int32_t *stack, int32_t *labels)
{
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
    return (size_t)label;
}

/* The fitted model: eps, the core rows with their labels, member means as centroids. */
static mood_status dbscan_model(const mood_cluster_params *p, const float *x, size_t n, size_t d,
                                double eps, size_t k, const uint8_t *core, const int32_t *labels,
                                mood_cluster_model **out)
{
    mood_cluster_model *m = NULL;
    size_t n_core = 0;
    for (size_t i = 0; i < n; i++)
        n_core += core[i];
    mood_status st = mood__model_new(MOOD_ALGO_DBSCAN, k, d, p, &m);
    if (st != MOOD_OK)
        return st;
    m->eps = eps;
    m->params.eps = eps;
    m->params.k = k;
    m->n_core = n_core;
    m->core = mood__malloc_array(n_core * d + 1, sizeof(float));
    m->core_label = mood__malloc_array(n_core + 1, sizeof(int32_t));
    if (!m->core || !m->core_label) {
        mood_cluster_model_destroy(m);
        return mood__enomem("dbscan model");
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
    *out = m;
    return MOOD_OK;
}

/* Neighbourhoods: pass 1 counts them (→ core rows), pass 2 lists those of the core rows (the
 * only ones the expansion walks) into *out_nb at off[i]. */
static mood_status dbscan_neighbours(const kdtree *t, const float *x, size_t n, size_t d,
                                     double eps, size_t ms, int nt, size_t *cnt, size_t *off,
                                     uint8_t *core, int32_t **out_nb)
{
    const double r2 = eps * eps;
    long long nn = (long long)n;
    (void)nt; /* read only by the OpenMP pragmas */
#ifdef _OPENMP
#pragma omp parallel for num_threads(mood__par_threads(nt, (double)n *(double)d * 64.0))           \
    schedule(dynamic, 256)
#endif
    for (long long i = 0; i < nn; i++) {
        size_t c = mood__kdtree_radius_count(t, x + (size_t)i * d, r2);
        cnt[i] = c;
        core[i] = c >= ms;
    }
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        off[i] = total;
        if (core[i])
            total += cnt[i];
    }
    off[n] = total;
    if (total > ((size_t)1 << 31))
        return mood__error(MOOD_EINVAL,
                           "dbscan: eps=%g gives %zu neighbour pairs; choose a smaller eps", eps,
                           total);
    int32_t *nb = mood__malloc_array(total + 1, sizeof(int32_t));
    if (!nb)
        return mood__enomem("dbscan neighbour lists");
    *out_nb = nb;
#ifdef _OPENMP
#pragma omp parallel for num_threads(mood__par_threads(nt, (double)n *(double)d * 64.0))           \
    schedule(dynamic, 256)
#endif
    for (long long i = 0; i < nn; i++)
        if (core[i])
            mood__kdtree_radius(t, x + (size_t)i * d, r2, nb + off[i], cnt[i]);
    return MOOD_OK;
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
    const int nt = mood__km_threads(p->n_threads);
    kdtree *t = NULL;
    size_t *cnt = mood__malloc_array(n + 1, sizeof(size_t));
    size_t *off = mood__malloc_array(n + 1, sizeof(size_t));
    int32_t *nb = NULL, *stack = mood__malloc_array(n + 1, sizeof(int32_t));
    uint8_t *core = mood__calloc(n + 1, 1);
    if (!cnt || !off || !stack || !core) {
        st = mood__enomem("dbscan");
        goto done;
    }
    st = mood__kdtree_build(x, n, d, &t);
    if (st != MOOD_OK)
        goto done;
    st = dbscan_neighbours(t, x, n, d, eps, ms, nt, cnt, off, core, &nb);
    if (st != MOOD_OK)
        goto done;
    size_t k = dbscan_expand(n, off, cnt, nb, core, stack, labels);
    st = dbscan_model(p, x, n, d, eps, k, core, labels, out);
done:
    mood__kdtree_free(t);
    mood__free(cnt);
    mood__free(off);
    mood__free(nb);
    mood__free(stack);
    mood__free(core);
    return st;
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
