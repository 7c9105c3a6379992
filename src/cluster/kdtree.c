/*
 * kd-tree (Friedman, Bentley & Finkel 1977): split on the widest dimension at the median,
 * leaves of up to 32 rows, each node keeping its bounding box so that a query prunes a node
 * whose box is farther than the search radius. Hand-written because Debian ships no C kd-tree
 * library (FLANN and nanoflann are C++), and this one is ~250 lines.
 */
#include "kdtree.h"

#include "../core/dist.h"
#include "../core/internal.h"

#include <math.h>
#include <string.h>

#define LEAF 32

typedef struct node {
    size_t lo, hi;      /* rows [lo, hi) in tree order */
    size_t left, right; /* child node indices; 0 = leaf */
} node;

struct kdtree {
    size_t n, d, n_nodes, cap;
    float *x;    /* rows in tree order */
    int32_t *id; /* original row of each tree-order row */
    node *nodes;
    float *box; /* per node: d minima then d maxima */
};

static void swap_rows(kdtree *t, size_t a, size_t b)
{
    size_t d = t->d;
    for (size_t l = 0; l < d; l++) {
        float v = t->x[a * d + l];
        t->x[a * d + l] = t->x[b * d + l];
        t->x[b * d + l] = v;
    }
    int32_t i = t->id[a];
    t->id[a] = t->id[b];
    t->id[b] = i;
}

/* Quickselect: rows [lo, hi) partitioned so that row m holds the median along dim. */
static void select_median(kdtree *t, size_t lo, size_t hi, size_t m, size_t dim)
{
    size_t d = t->d;
    while (hi - lo > 1) {
        float pivot = t->x[((lo + hi) / 2) * d + dim];
        size_t i = lo, j = hi - 1;
        while (i <= j) {
            while (t->x[i * d + dim] < pivot)
                i++;
            while (t->x[j * d + dim] > pivot)
                j--;
            if (i <= j) {
                swap_rows(t, i, j);
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (m <= j)
            hi = j + 1;
        else if (m >= i)
            lo = i;
        else
            return;
    }
}

static size_t build(kdtree *t, size_t lo, size_t hi)
{
    size_t me = t->n_nodes++;
    size_t d = t->d;
    float *bmin = t->box + me * 2 * d, *bmax = bmin + d;
    for (size_t l = 0; l < d; l++) {
        bmin[l] = INFINITY;
        bmax[l] = -INFINITY;
    }
    for (size_t i = lo; i < hi; i++)
        for (size_t l = 0; l < d; l++) {
            float v = t->x[i * d + l];
            bmin[l] = v < bmin[l] ? v : bmin[l];
            bmax[l] = v > bmax[l] ? v : bmax[l];
        }
    t->nodes[me].lo = lo;
    t->nodes[me].hi = hi;
    t->nodes[me].left = t->nodes[me].right = 0;
    if (hi - lo <= LEAF)
        return me;
    size_t dim = 0;
    float w = -1.0f;
    for (size_t l = 0; l < d; l++)
        if (bmax[l] - bmin[l] > w) {
            w = bmax[l] - bmin[l];
            dim = l;
        }
    if (!(w > 0.0f))
        return me; /* all rows equal: keep as one leaf */
    size_t mid = lo + (hi - lo) / 2;
    select_median(t, lo, hi, mid, dim);
    size_t left = build(t, lo, mid);
    size_t right = build(t, mid, hi);
    t->nodes[me].left = left;
    t->nodes[me].right = right;
    return me;
}

mood_status mood__kdtree_build(const float *x, size_t n, size_t d, kdtree **out)
{
    *out = NULL;
    kdtree *t = mood__calloc(1, sizeof *t);
    if (!t)
        return mood__enomem("kd-tree");
    t->n = n;
    t->d = d;
    /* A median split tree over n rows with leaves ≥ LEAF/2 has fewer than 4n/LEAF + 2 nodes. */
    t->cap = 4 * (n / LEAF + 1) + 2;
    t->x = mood__malloc_array(n * d, sizeof(float));
    t->id = mood__malloc_array(n, sizeof(int32_t));
    t->nodes = mood__malloc_array(t->cap, sizeof(node));
    t->box = mood__malloc_array(t->cap * 2 * d, sizeof(float));
    if (!t->x || !t->id || !t->nodes || !t->box) {
        mood__kdtree_free(t);
        return mood__enomem("kd-tree");
    }
    memcpy(t->x, x, n * d * sizeof(float));
    for (size_t i = 0; i < n; i++)
        t->id[i] = (int32_t)i;
    if (n)
        build(t, 0, n);
    *out = t;
    return MOOD_OK;
}

void mood__kdtree_free(kdtree *t)
{
    if (!t)
        return;
    mood__free(t->x);
    mood__free(t->id);
    mood__free(t->nodes);
    mood__free(t->box);
    mood__free(t);
}

static double box_dist2(const kdtree *t, size_t nd, const float *q)
{
    size_t d = t->d;
    const float *bmin = t->box + nd * 2 * d, *bmax = bmin + d;
    double s = 0.0;
    for (size_t l = 0; l < d; l++) {
        double v = (double)q[l], e = 0.0;
        if (v < (double)bmin[l])
            e = (double)bmin[l] - v;
        else if (v > (double)bmax[l])
            e = v - (double)bmax[l];
        s += e * e;
    }
    return s;
}

static double row_dist2(const kdtree *t, size_t i, const float *q)
{
    return mood__sqdist_f64(t->x + i * t->d, q, t->d);
}

static size_t radius_rec(const kdtree *t, size_t nd, const float *q, double r2, int32_t *out,
                         size_t cap, size_t cnt)
{
    if (box_dist2(t, nd, q) > r2)
        return cnt;
    const node *N = &t->nodes[nd];
    if (!N->left) {
        for (size_t i = N->lo; i < N->hi; i++)
            if (row_dist2(t, i, q) <= r2) {
                if (out && cnt < cap)
                    out[cnt] = t->id[i];
                cnt++;
            }
        return cnt;
    }
    cnt = radius_rec(t, N->left, q, r2, out, cap, cnt);
    return radius_rec(t, N->right, q, r2, out, cap, cnt);
}

size_t mood__kdtree_radius_count(const kdtree *t, const float *q, double r2)
{
    return t->n ? radius_rec(t, 0, q, r2, NULL, 0, 0) : 0;
}

size_t mood__kdtree_radius(const kdtree *t, const float *q, double r2, int32_t *out, size_t cap)
{
    return t->n ? radius_rec(t, 0, q, r2, out, cap, 0) : 0;
}

/* Bounded max-heap of (dist2, id): the root is the current k-th nearest. */
typedef struct heap {
    double *dist;
    int32_t *id;
    size_t size, cap;
} heap;

static int worse(double da, int32_t ia, double db, int32_t ib)
{
    return da > db || (da == db && ia > ib);
}

static void heap_push(heap *h, double dd, int32_t id)
{
    if (h->size == h->cap) {
        if (!worse(h->dist[0], h->id[0], dd, id))
            return;
        /* Replace the root and sift down. */
        size_t i = 0;
        for (;;) {
            size_t l = 2 * i + 1, r = l + 1, m = i;
            double md = dd;
            int32_t mi = id;
            if (l < h->size && worse(h->dist[l], h->id[l], md, mi)) {
                m = l;
                md = h->dist[l];
                mi = h->id[l];
            }
            if (r < h->size && worse(h->dist[r], h->id[r], md, mi))
                m = r;
            if (m == i)
                break;
            h->dist[i] = h->dist[m];
            h->id[i] = h->id[m];
            i = m;
        }
        h->dist[i] = dd;
        h->id[i] = id;
        return;
    }
    size_t i = h->size++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!worse(dd, id, h->dist[p], h->id[p]))
            break;
        h->dist[i] = h->dist[p];
        h->id[i] = h->id[p];
        i = p;
    }
    h->dist[i] = dd;
    h->id[i] = id;
}

static void knn_rec(const kdtree *t, size_t nd, const float *q, heap *h)
{
    const node *N = &t->nodes[nd];
    if (!N->left) {
        for (size_t i = N->lo; i < N->hi; i++)
            heap_push(h, row_dist2(t, i, q), t->id[i]);
        return;
    }
    double dl = box_dist2(t, N->left, q), dr = box_dist2(t, N->right, q);
    size_t first = dl <= dr ? N->left : N->right, second = dl <= dr ? N->right : N->left;
    double d1 = dl <= dr ? dl : dr, d2 = dl <= dr ? dr : dl;
    if (h->size < h->cap || d1 <= h->dist[0])
        knn_rec(t, first, q, h);
    if (h->size < h->cap || d2 <= h->dist[0])
        knn_rec(t, second, q, h);
}

void mood__kdtree_knn(const kdtree *t, const float *q, size_t kk, int32_t *idx, double *dist2)
{
    heap h = {dist2, idx, 0, kk};
    if (t->n && kk)
        knn_rec(t, 0, q, &h);
    /* Heap to ascending order: repeatedly move the root to the end. */
    for (size_t end = h.size; end > 1; end--) {
        double dd = h.dist[0];
        int32_t id = h.id[0];
        double ld = h.dist[end - 1];
        int32_t li = h.id[end - 1];
        h.dist[end - 1] = dd;
        h.id[end - 1] = id;
        size_t i = 0, sz = end - 1;
        for (;;) {
            size_t l = 2 * i + 1, r = l + 1, m = i;
            double md = ld;
            int32_t mi = li;
            if (l < sz && worse(h.dist[l], h.id[l], md, mi)) {
                m = l;
                md = h.dist[l];
                mi = h.id[l];
            }
            if (r < sz && worse(h.dist[r], h.id[r], md, mi))
                m = r;
            if (m == i)
                break;
            h.dist[i] = h.dist[m];
            h.id[i] = h.id[m];
            i = m;
        }
        h.dist[i] = ld;
        h.id[i] = li;
    }
}
