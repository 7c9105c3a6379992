/*
 * The HNSW graph of ann.h: hierarchical navigable small-world graphs (Malkov & Yashunin,
 * "Efficient and robust approximate nearest neighbor search using Hierarchical Navigable Small
 * World graphs", TPAMI 2018), written here in C11.
 *
 *   mood_hnsw *h;
 *   mood_hnsw_create(32, MOOD_METRIC_EUCLIDEAN, n, NULL, &h);
 *   mood_hnsw_add(h, x, n, NULL, 2, NULL, NULL);
 *   mood_hnsw_search(h, q, 10, labels, dist, &found);
 *
 * Choices, each for speed at equal recall:
 * - Layout: node i owns one 64-byte-aligned block at base + i·stride holding its vector first
 *   and then its level-0 links (2M ids, unused slots UINT32_MAX), so for d = 32, M = 16 a node
 *   is exactly four cache lines and a hop reads only the lines it needs. Upper levels (a few
 *   percent of the nodes) keep their links in a separate array per node.
 * - Neighbour selection: the paper's heuristic (algorithm 4) for the new node and for a
 *   neighbour whose list overflows; pruned candidates are not kept (keepPrunedConnections off,
 *   as in the paper's experiments: the extra links cost more distance evaluations per hop than
 *   they win in recall at M = 16).
 * - Search: the ef best found so far live in one sorted array with a "checked" bit per entry
 *   instead of the paper's two heaps: expanding the closest unchecked entry and stopping when
 *   every entry is checked is the same algorithm (a candidate farther than the ef-th result
 *   would end the heap loop), and a short sorted array is cheaper than two binary heaps.
 * - Each expansion first gathers the unvisited neighbours (visited set: a 16-bit epoch per
 *   node, never cleared between searches), prefetches their vectors and the next node's links,
 *   then computes all their distances in one kernel call (core/dist.h, AVX2+FMA where the
 *   one SIMD dispatch allows it).
 * - Construction runs on OpenMP threads with one spin lock per node around its link list;
 *   one thread gives a reproducible graph.
 */
#include <moodscope/ann.h>
#include <moodscope/rng.h>

#include "../core/dist.h"
#include "../core/internal.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#define NONE      UINT32_MAX
#define CHECKED   0x80000000u
#define MAX_LEVEL 48
#define MAX_NODES 0x7fffffffu

typedef struct cand {
    float d;
    uint32_t id; /* high bit: expanded */
} cand;

/* Per-thread search state, reused across searches (a query-time pool, or one per builder). */
typedef struct scratch {
    uint16_t *vis;
    size_t vis_n;
    uint16_t epoch;
    cand *pool;
    size_t pool_cap;
    uint32_t *nb; /* m0 + 1 neighbour ids */
    float *nd;    /* their distances */
    cand *sel;    /* m0 + 1 selected or shrinking candidates */
    struct scratch *next;
} scratch;

struct mood_hnsw {
    size_t d, m, m0, efc, ef;
    mood_metric metric;
    double mult;
    mood_rng rng;
    size_t cap, count, n_deleted;
    size_t stride, link_off;
    char *base, *base_raw;
    uint64_t *labels;
    uint8_t *level;
    uint8_t *deleted;
    uint32_t **upper;
    atomic_uchar *locks;
    uint32_t entry;
    int max_level;
    uint64_t *map_key;
    uint32_t *map_val;
    size_t map_cap, map_used;
    pthread_mutex_t glock;
    pthread_mutex_t pool_lock;
    scratch *pool;
    mood__pair_fn dist;
    mood__batch_fn batch;
};

/* ---------------------------------------------------------------- distance kernels ------ */

static void pick_kernels(mood_hnsw *h)
{
    mood__graph_kernels(h->metric == MOOD_METRIC_COSINE, &h->dist, &h->batch);
}

/* ---------------------------------------------------------------- node storage ---------- */

static inline const float *vec(const mood_hnsw *h, uint32_t i)
{
    return (const float *)(h->base + (size_t)i * h->stride);
}

static inline uint32_t *links(const mood_hnsw *h, uint32_t i, int lev)
{
    if (lev == 0)
        return (uint32_t *)(h->base + (size_t)i * h->stride + h->link_off);
    return h->upper[i] + (size_t)(lev - 1) * h->m;
}

static inline size_t max_links(const mood_hnsw *h, int lev)
{
    return lev == 0 ? h->m0 : h->m;
}

static inline void node_lock(const mood_hnsw *h, uint32_t i)
{
    int spins = 0;
    while (atomic_exchange_explicit(&h->locks[i], 1, memory_order_acquire)) {
        /* A holder descheduled on a busy machine would make a pure spin burn its slice. */
        while (atomic_load_explicit(&h->locks[i], memory_order_relaxed))
            if (++spins > 64)
                sched_yield();
    }
}

static inline void node_unlock(const mood_hnsw *h, uint32_t i)
{
    atomic_store_explicit(&h->locks[i], 0, memory_order_release);
}

/* Grow every per-node array to @p cap slots (not thread-safe: called before building). */
static mood_status grow(mood_hnsw *h, size_t cap)
{
    if (cap <= h->cap)
        return MOOD_OK;
    if (cap > MAX_NODES)
        return mood__error(MOOD_EINVAL, "hnsw: %zu points exceed the 2^31 limit", cap);
    /* one block more than needed: mood__malloc gives 16-byte alignment, the blocks want 64 */
    char *raw = mood__malloc_array(cap + 1, h->stride);
    uint64_t *lab = mood__realloc(h->labels, cap * sizeof *lab);
    if (lab)
        h->labels = lab;
    uint8_t *lev = mood__realloc(h->level, cap);
    if (lev)
        h->level = lev;
    uint8_t *del = mood__realloc(h->deleted, cap);
    if (del)
        h->deleted = del;
    uint32_t **up = mood__realloc(h->upper, cap * sizeof *up);
    if (up)
        h->upper = up;
    atomic_uchar *lk = mood__realloc((void *)h->locks, cap * sizeof *lk);
    if (lk)
        h->locks = lk;
    if (!raw || !lab || !lev || !del || !up || !lk) {
        mood__free(raw);
        return mood__enomem("hnsw: growing the graph");
    }
    /* NOLINTNEXTLINE(performance-no-int-to-ptr): rounding a real address up to 64 bytes */
    char *base = (char *)(((uintptr_t)raw + 63) & ~(uintptr_t)63);
    if (h->count)
        memcpy(base, h->base, h->count * h->stride);
    mood__free(h->base_raw);
    h->base_raw = raw;
    h->base = base;
    for (size_t i = h->cap; i < cap; i++) {
        h->upper[i] = NULL;
        atomic_init(&h->locks[i], 0);
    }
    h->cap = cap;
    return MOOD_OK;
}

/* ---------------------------------------------------------------- label map -------------- */

static size_t map_slot(uint64_t key, size_t cap)
{
    uint64_t x = key * 0x9E3779B97F4A7C15ull;
    return (size_t)(x >> 17) & (cap - 1);
}

/* Node of @p label, or NONE. */
static uint32_t map_find(const mood_hnsw *h, uint64_t label)
{
    if (!h->map_cap)
        return NONE;
    for (size_t s = map_slot(label, h->map_cap);; s = (s + 1) & (h->map_cap - 1)) {
        if (h->map_val[s] == NONE)
            return NONE;
        if (h->map_key[s] == label)
            return h->map_val[s];
    }
}

static mood_status map_rehash(mood_hnsw *h, size_t cap)
{
    uint64_t *k = mood__malloc_array(cap, sizeof *k);
    uint32_t *v = mood__malloc_array(cap, sizeof *v);
    if (!k || !v) {
        mood__free(k);
        mood__free(v);
        return mood__enomem("hnsw: label map");
    }
    for (size_t i = 0; i < cap; i++)
        v[i] = NONE;
    for (size_t i = 0; i < h->map_cap; i++) {
        if (h->map_val[i] == NONE)
            continue;
        size_t s = map_slot(h->map_key[i], cap);
        while (v[s] != NONE)
            s = (s + 1) & (cap - 1);
        k[s] = h->map_key[i];
        v[s] = h->map_val[i];
    }
    mood__free(h->map_key);
    mood__free(h->map_val);
    h->map_key = k;
    h->map_val = v;
    h->map_cap = cap;
    return MOOD_OK;
}

/* Map @p label to @p node (insert or overwrite); the map must have room (map_reserve). */
static void map_put(mood_hnsw *h, uint64_t label, uint32_t node)
{
    size_t s = map_slot(label, h->map_cap);
    while (h->map_val[s] != NONE && h->map_key[s] != label)
        s = (s + 1) & (h->map_cap - 1);
    if (h->map_val[s] == NONE)
        h->map_used++;
    h->map_key[s] = label;
    h->map_val[s] = node;
}

/* Room for @p extra more labels at a load of at most one half. */
static mood_status map_reserve(mood_hnsw *h, size_t extra)
{
    size_t need = 2 * (h->map_used + extra), cap = h->map_cap ? h->map_cap : 64;
    while (cap < need)
        cap *= 2;
    return cap == h->map_cap ? MOOD_OK : map_rehash(h, cap);
}

/* ---------------------------------------------------------------- scratch --------------- */

static void scratch_free(scratch *s)
{
    if (!s)
        return;
    mood__free(s->vis);
    mood__free(s->pool);
    mood__free(s->nb);
    mood__free(s->nd);
    mood__free(s->sel);
    mood__free(s);
}

/* Make @p s fit a graph of h->cap nodes and a pool of @p L entries; 0 on allocation failure. */
static int scratch_fit(const mood_hnsw *h, scratch *s, size_t L)
{
    if (s->vis_n < h->cap) {
        uint16_t *v = mood__calloc(h->cap, sizeof *v);
        if (!v)
            return 0;
        mood__free(s->vis);
        s->vis = v;
        s->vis_n = h->cap;
        s->epoch = 0;
    }
    if (s->pool_cap < L + 1) {
        cand *p = mood__malloc_array(L + 1, sizeof *p);
        if (!p)
            return 0;
        mood__free(s->pool);
        s->pool = p;
        s->pool_cap = L + 1;
    }
    return 1;
}

static scratch *scratch_new(const mood_hnsw *h, size_t L)
{
    scratch *s = mood__calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->nb = mood__malloc_array(h->m0 + 1, sizeof *s->nb);
    s->nd = mood__malloc_array(h->m0 + 1, sizeof *s->nd);
    s->sel = mood__malloc_array(h->m0 + 1, sizeof *s->sel);
    if (!s->nb || !s->nd || !s->sel || !scratch_fit(h, s, L)) {
        scratch_free(s);
        return NULL;
    }
    return s;
}

/* A new visited epoch; the tags are cleared only when the 16-bit counter wraps. */
static inline void new_epoch(scratch *s)
{
    if (++s->epoch == 0) {
        memset(s->vis, 0, s->vis_n * sizeof *s->vis);
        s->epoch = 1;
    }
}

/* ---------------------------------------------------------------- search ---------------- */

/*
 * Copy node i's links at level lev into out (at most max_links ids); under the node's lock
 * while the graph is being built, when another thread may be rewriting the list.
 */
static inline size_t read_links(const mood_hnsw *h, uint32_t i, int lev, int locked, uint32_t *out)
{
    const uint32_t *l = links(h, i, lev);
    size_t mx = max_links(h, lev), c = 0;
    if (locked)
        node_lock(h, i);
    while (c < mx && l[c] != NONE) {
        out[c] = l[c];
        c++;
    }
    if (locked)
        node_unlock(h, i);
    return c;
}

/* Greedy descent from *cur through levels top..stop+1 (the upper layers of the paper). */
static void greedy(const mood_hnsw *h, scratch *s, const float *q, int top, int stop, int locked,
                   uint32_t *cur, float *curd)
{
    for (int lev = top; lev > stop; lev--) {
        int moved = 1;
        while (moved) {
            moved = 0;
            size_t c = read_links(h, *cur, lev, locked, s->nb);
            h->batch(q, h->base, h->stride, s->nb, c, h->d, s->nd);
            for (size_t t = 0; t < c; t++)
                if (s->nd[t] < *curd) {
                    *curd = s->nd[t];
                    *cur = s->nb[t];
                    moved = 1;
                }
        }
    }
}

/* Insert (dist, id) into the sorted pool of *n ≤ L entries; returns its position. */
static inline size_t pool_insert(cand *pool, size_t *n, size_t L, float dist, uint32_t id)
{
    size_t lo = 0, hi = *n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (pool[mid].d <= dist)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t move = (*n < L ? *n : L - 1) - lo;
    memmove(pool + lo + 1, pool + lo, move * sizeof *pool);
    pool[lo].d = dist;
    pool[lo].id = id;
    if (*n < L)
        (*n)++;
    return lo;
}

/*
 * Unvisited neighbours of node c at level lev into s->nb (marked visited now), with their
 * vectors prefetched; returns their count.
 */
static inline size_t fresh_neighbours(const mood_hnsw *h, scratch *s, uint32_t c, int lev,
                                      int locked)
{
    size_t cnt = read_links(h, c, lev, locked, s->nb), u = 0;
    const uint16_t ep = s->epoch;
    for (size_t t = 0; t < cnt; t++)
        __builtin_prefetch(s->vis + s->nb[t]);
    for (size_t t = 0; t < cnt; t++) {
        uint32_t id = s->nb[t];
        if (s->vis[id] == ep)
            continue;
        s->vis[id] = ep;
        s->nb[u++] = id;
        const char *p = h->base + (size_t)id * h->stride;
        __builtin_prefetch(p);
        __builtin_prefetch(p + 64);
    }
    return u;
}

/*
 * The ef-search of one level (algorithm 2 of the paper) from the nep entries in s->pool:
 * leaves the L closest found in s->pool, sorted, and returns their count.
 */
static size_t search_level(const mood_hnsw *h, scratch *s, const float *q, size_t nep, size_t L,
                           int lev, int locked)
{
    cand *pool = s->pool;
    size_t n = nep, cur = 0;
    while (cur < n) {
        uint32_t c = pool[cur].id;
        pool[cur].id = c | CHECKED;
        size_t u = fresh_neighbours(h, s, c, lev, locked);
        if (cur + 1 < n && lev == 0) {
            const char *nx = h->base + (size_t)(pool[cur + 1].id & ~CHECKED) * h->stride;
            __builtin_prefetch(nx + h->link_off);
        }
        h->batch(q, h->base, h->stride, s->nb, u, h->d, s->nd);
        size_t lowest = cur + 1;
        for (size_t t = 0; t < u; t++) {
            if (n == L && s->nd[t] >= pool[n - 1].d)
                continue;
            size_t pos = pool_insert(pool, &n, L, s->nd[t], s->nb[t]);
            if (pos < lowest)
                lowest = pos;
        }
        cur = lowest;
        while (cur < n && (pool[cur].id & CHECKED))
            cur++;
    }
    for (size_t i = 0; i < n; i++)
        pool[i].id &= ~CHECKED;
    return n;
}

/* Start a level search at the single entry (id, dist). */
static size_t search_from(const mood_hnsw *h, scratch *s, const float *q, uint32_t id, float dist,
                          size_t L, int lev, int locked)
{
    new_epoch(s);
    s->vis[id] = s->epoch;
    s->pool[0].d = dist;
    s->pool[0].id = id;
    return search_level(h, s, q, 1, L, lev, locked);
}

/* ---------------------------------------------------------------- construction ---------- */

/*
 * The neighbour-selection heuristic (algorithm 4 of the paper) over n candidates sorted by
 * distance to the base point: a candidate is kept only if it is closer to the base than to
 * every candidate kept before it, up to mx. Writes the kept ones into out; returns how many.
 */
static size_t select_heuristic(const mood_hnsw *h, const cand *c, size_t n, size_t mx, cand *out)
{
    size_t k = 0;
    if (n <= mx) {
        memcpy(out, c, n * sizeof *c);
        return n;
    }
    for (size_t i = 0; i < n && k < mx; i++) {
        const float *v = vec(h, c[i].id);
        int good = 1;
        for (size_t j = 0; j < k && good; j++)
            good = h->dist(v, vec(h, out[j].id), h->d) >= c[i].d;
        if (good)
            out[k++] = c[i];
    }
    return k;
}

static void sort_cands(cand *c, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        cand t = c[i];
        size_t j = i;
        while (j > 0 && c[j - 1].d > t.d) {
            c[j] = c[j - 1];
            j--;
        }
        c[j] = t;
    }
}

/* Link @p from → @p to at level lev, shrinking from's list with the heuristic when full. */
static void add_link(const mood_hnsw *h, scratch *s, uint32_t from, uint32_t to, int lev)
{
    uint32_t *l = links(h, from, lev);
    size_t mx = max_links(h, lev), c = 0;
    node_lock(h, from);
    while (c < mx && l[c] != NONE && l[c] != to)
        c++;
    if (c < mx && l[c] == to) {
        node_unlock(h, from);
        return;
    }
    if (c < mx) {
        l[c] = to;
        node_unlock(h, from);
        return;
    }
    /* full: the heuristic over the old links and the new one, by distance to `from` */
    cand *all = s->sel, kept[257];
    const float *vf = vec(h, from);
    for (size_t i = 0; i < mx; i++) {
        all[i].id = l[i];
        all[i].d = h->dist(vf, vec(h, l[i]), h->d);
    }
    all[mx].id = to;
    all[mx].d = h->dist(vf, vec(h, to), h->d);
    sort_cands(all, mx + 1);
    size_t k = select_heuristic(h, all, mx + 1, mx, kept);
    for (size_t i = 0; i < mx; i++)
        l[i] = i < k ? kept[i].id : NONE;
    node_unlock(h, from);
}

/*
 * Connect the new node id (level `level`, vector already stored) into the graph: greedy
 * descent to its level, then on each of its levels an ef_construction search, the heuristic
 * for its own links and a back link from each chosen neighbour.
 */
static void insert_node(mood_hnsw *h, scratch *s, uint32_t id, int level)
{
    pthread_mutex_lock(&h->glock);
    uint32_t cur = h->entry;
    int top = h->max_level, hold = level > top;
    if (cur == NONE) {
        h->entry = id;
        h->max_level = level;
        pthread_mutex_unlock(&h->glock);
        return;
    }
    if (!hold)
        pthread_mutex_unlock(&h->glock);
    const float *q = vec(h, id);
    float curd = h->dist(q, vec(h, cur), h->d);
    greedy(h, s, q, top, level, 1, &cur, &curd);
    for (int lev = MOOD_MIN(level, top); lev >= 0; lev--) {
        size_t n = search_from(h, s, q, cur, curd, h->efc, lev, 1);
        size_t w = 0;
        for (size_t i = 0; i < n; i++)
            if (s->pool[i].id != id)
                s->pool[w++] = s->pool[i];
        cand kept[257];
        size_t k = select_heuristic(h, s->pool, w, h->m, kept);
        /*
         * Through add_link, not a plain copy: once id is linked at a higher level, another
         * thread may already have added itself to id's list at this one, and a copy would
         * overwrite that link (the node it came from could then become unreachable).
         */
        for (size_t i = 0; i < k; i++)
            add_link(h, s, id, kept[i].id, lev);
        for (size_t i = 0; i < k; i++)
            add_link(h, s, kept[i].id, id, lev);
        if (k) {
            cur = kept[0].id;
            curd = kept[0].d;
        }
    }
    if (hold) {
        h->entry = id;
        h->max_level = level;
        pthread_mutex_unlock(&h->glock);
    }
}

/* A level drawn from the paper's exponential distribution (scale 1/ln M), capped. */
static int draw_level(mood_hnsw *h)
{
    double u = mood_rng_uniform(&h->rng);
    double l = -log(u > 1e-300 ? u : 1e-300) * h->mult;
    return l < (double)MAX_LEVEL ? (int)l : MAX_LEVEL;
}

/*
 * Claim a node for @p label under the global lock: a label already present with the same
 * vector is only revived; otherwise the old node (if any) is hidden and a new one is taken.
 * Returns the new node or NONE when nothing is to be inserted; *level its level.
 */
static uint32_t claim_node(mood_hnsw *h, const float *x, uint64_t label, int *level)
{
    pthread_mutex_lock(&h->glock);
    uint32_t old = map_find(h, label);
    if (old != NONE && memcmp(vec(h, old), x, h->d * sizeof *x) == 0) {
        if (h->deleted[old]) {
            h->deleted[old] = 0;
            h->n_deleted--;
        }
        pthread_mutex_unlock(&h->glock);
        return NONE;
    }
    if (old != NONE && !h->deleted[old]) {
        h->deleted[old] = 1;
        h->n_deleted++;
    }
    uint32_t id = (uint32_t)h->count++;
    *level = draw_level(h);
    map_put(h, label, id);
    h->labels[id] = label;
    h->level[id] = (uint8_t)*level;
    h->deleted[id] = 0;
    pthread_mutex_unlock(&h->glock);
    return id;
}

/* Store and connect one point; 0 when its upper-level links could not be allocated. */
static int add_one(mood_hnsw *h, scratch *s, const float *x, uint64_t label)
{
    int level = 0;
    uint32_t id = claim_node(h, x, label, &level);
    if (id == NONE)
        return 1;
    char *blk = h->base + (size_t)id * h->stride;
    memset(blk, 0, h->link_off);
    memcpy(blk, x, h->d * sizeof *x);
    uint32_t *l0 = (uint32_t *)(blk + h->link_off);
    for (size_t i = 0; i < h->m0; i++)
        l0[i] = NONE;
    if (level > 0) {
        uint32_t *up = mood__malloc_array((size_t)level * h->m, sizeof *up);
        if (!up) {
            level = 0; /* still reachable through level 0 */
            h->level[id] = 0;
        } else {
            for (size_t i = 0; i < (size_t)level * h->m; i++)
                up[i] = NONE;
        }
        h->upper[id] = up;
    }
    insert_node(h, s, id, level);
    return 1;
}

/* One chunk of points on the OpenMP team; returns 0 when a thread's scratch failed. */
static int add_chunk(mood_hnsw *h, const float *x, size_t c0, size_t c1, const uint64_t *labels,
                     size_t base, int threads)
{
    int ok = 1;
    (void)threads;
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
#endif
    {
        scratch *s = scratch_new(h, h->efc);
        if (!s) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
            ok = 0;
        }
        long long lo = (long long)c0, hi = (long long)c1;
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 16)
#endif
        for (long long ii = lo; ii < hi; ii++) {
            size_t i = (size_t)ii;
            if (s)
                add_one(h, s, x + i * h->d, labels ? labels[i] : base + i);
        }
        scratch_free(s);
    }
    return ok;
}

/* ---------------------------------------------------------------- public API ------------ */

void mood_hnsw_params_default(mood_hnsw_params *p)
{
    p->m = 16;
    p->ef_construction = 200;
    p->ef_search = 64;
    p->seed = 100;
}

/* The empty object for d, metric and M (no node arrays yet). */
static mood_hnsw *hnsw_new(size_t d, mood_metric metric, size_t m, size_t efc, size_t ef,
                           uint64_t seed)
{
    mood_hnsw *h = mood__calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->d = d;
    h->metric = metric == MOOD_METRIC_COSINE ? MOOD_METRIC_COSINE : MOOD_METRIC_EUCLIDEAN;
    h->m = m;
    h->m0 = 2 * m;
    h->efc = efc < m ? m : efc;
    h->ef = ef ? ef : 10;
    h->mult = 1.0 / log((double)(m > 2 ? m : 2));
    mood_rng_seed(&h->rng, seed);
    h->link_off = (d * sizeof(float) + 63) & ~(size_t)63;
    h->stride = (h->link_off + h->m0 * sizeof(uint32_t) + 63) & ~(size_t)63;
    h->entry = NONE;
    h->max_level = -1;
    pthread_mutex_init(&h->glock, NULL);
    pthread_mutex_init(&h->pool_lock, NULL);
    pick_kernels(h);
    return h;
}

static mood_status check_params(size_t d, const mood_hnsw_params *p)
{
    if (d == 0 || p->m < 2 || p->m > 128)
        return mood__error(MOOD_EINVAL, "hnsw: d=%zu must be positive and M=%zu in 2..128", d,
                           p->m);
    return MOOD_OK;
}

mood_status mood_hnsw_create(size_t d, mood_metric metric, size_t capacity,
                             const mood_hnsw_params *p, mood_hnsw **out)
{
    mood_hnsw_params def;
    *out = NULL;
    if (!p) {
        mood_hnsw_params_default(&def);
        p = &def;
    }
    mood_status st = check_params(d, p);
    if (st != MOOD_OK)
        return st;
    mood_hnsw *h = hnsw_new(d, metric, p->m, p->ef_construction, p->ef_search, p->seed);
    if (!h)
        return mood__enomem("hnsw");
    st = grow(h, capacity > 16 ? capacity : 16);
    if (st == MOOD_OK)
        st = map_reserve(h, capacity > 16 ? capacity : 16);
    if (st != MOOD_OK) {
        mood_hnsw_destroy(h);
        return st;
    }
    *out = h;
    return MOOD_OK;
}

void mood_hnsw_destroy(mood_hnsw *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->count; i++)
        mood__free(h->upper[i]);
    while (h->pool) {
        scratch *s = h->pool;
        h->pool = s->next;
        scratch_free(s);
    }
    mood__free(h->base_raw);
    mood__free(h->labels);
    mood__free(h->level);
    mood__free(h->deleted);
    mood__free(h->upper);
    mood__free((void *)h->locks);
    mood__free(h->map_key);
    mood__free(h->map_val);
    pthread_mutex_destroy(&h->glock);
    pthread_mutex_destroy(&h->pool_lock);
    mood__free(h);
}

size_t mood_hnsw_size(const mood_hnsw *h)
{
    return h->map_used;
}

mood_status mood_hnsw_add(mood_hnsw *h, const float *x, size_t n, const uint64_t *labels,
                          int threads, mood_progress_fn progress, void *user)
{
    size_t base = h->map_used;
    mood_status st = MOOD_OK;
    if (h->count + n > h->cap)
        st = grow(h, MOOD_MAX(h->count + n, 2 * h->cap));
    if (st == MOOD_OK)
        st = map_reserve(h, n);
    if (st != MOOD_OK)
        return st;
    if (threads < 1)
        threads = 1;
    /* Chunks keep cancellation and progress responsive without per-point overhead. */
    const size_t chunk = 32768;
    for (size_t c0 = 0; c0 < n; c0 += chunk) {
        size_t c1 = MOOD_MIN(n, c0 + chunk);
        int t = c1 - c0 < 64 ? 1 : threads;
        if (!add_chunk(h, x, c0, c1, labels, base, t))
            return mood__enomem("hnsw: build scratch");
        st = mood__progress(progress, user, "hnsw", (double)c1, (double)n);
        if (st != MOOD_OK)
            return mood__error(MOOD_ECANCELED, "hnsw: canceled after %zu of %zu points", c1, n);
    }
    return MOOD_OK;
}

mood_status mood_hnsw_get(const mood_hnsw *h, uint64_t label, float *out)
{
    uint32_t i = map_find(h, label);
    if (i == NONE || h->deleted[i])
        return mood__error(MOOD_ENOTFOUND, "hnsw: no point labelled %llu",
                           (unsigned long long)label);
    memcpy(out, vec(h, i), h->d * sizeof *out);
    return MOOD_OK;
}

mood_status mood_hnsw_mark_deleted(mood_hnsw *h, uint64_t label)
{
    uint32_t i = map_find(h, label);
    if (i == NONE)
        return mood__error(MOOD_ENOTFOUND, "hnsw: no point labelled %llu",
                           (unsigned long long)label);
    if (!h->deleted[i]) {
        h->deleted[i] = 1;
        h->n_deleted++;
    }
    return MOOD_OK;
}

void mood_hnsw_set_ef(mood_hnsw *h, size_t ef)
{
    h->ef = ef ? ef : 1;
}

/* A searcher from the graph's pool (searches may run on several threads at once). */
static scratch *pool_take(const mood_hnsw *hc, size_t L)
{
    mood_hnsw *h = (mood_hnsw *)hc; /* the pool is the only state a search changes */
    pthread_mutex_lock(&h->pool_lock);
    scratch *s = h->pool;
    if (s)
        h->pool = s->next;
    pthread_mutex_unlock(&h->pool_lock);
    if (!s)
        return scratch_new(h, L);
    if (!scratch_fit(h, s, L)) {
        scratch_free(s);
        return NULL;
    }
    return s;
}

static void pool_give(const mood_hnsw *hc, scratch *s)
{
    mood_hnsw *h = (mood_hnsw *)hc;
    pthread_mutex_lock(&h->pool_lock);
    s->next = h->pool;
    h->pool = s;
    pthread_mutex_unlock(&h->pool_lock);
}

mood_status mood_hnsw_search(const mood_hnsw *h, const float *q, size_t k, uint64_t *out_labels,
                             float *out_dist, size_t *out_found)
{
    *out_found = 0;
    if (h->entry == NONE || k == 0)
        return MOOD_OK;
    /* hidden points still route the search but take pool places: widen it by up to ef */
    size_t L = MOOD_MAX(h->ef, k);
    if (h->n_deleted)
        L += MOOD_MIN(h->n_deleted, L);
    scratch *s = pool_take(h, L);
    if (!s)
        return mood__enomem("hnsw: searcher");
    uint32_t cur = h->entry;
    float curd = h->dist(q, vec(h, cur), h->d);
    greedy(h, s, q, h->max_level, 0, 0, &cur, &curd);
    size_t n = search_from(h, s, q, cur, curd, L, 0, 0), f = 0;
    for (size_t i = 0; i < n && f < k; i++) {
        uint32_t id = s->pool[i].id;
        if (h->deleted[id])
            continue;
        float dd = s->pool[i].d;
        out_labels[f] = h->labels[id];
        out_dist[f++] = h->metric == MOOD_METRIC_EUCLIDEAN ? sqrtf(dd > 0.0f ? dd : 0.0f) : dd;
    }
    pool_give(h, s);
    *out_found = f;
    return MOOD_OK;
}

/* ---------------------------------------------------------------- persistence ----------- */

/*
 * File layout (native byte order, version 1): "MOODHNSW", u32 version, u32 metric, u64 d, m,
 * efc, count, entry, i64 max_level; then labels (count u64), levels and deleted flags (count
 * bytes each), every node's vector and level-0 links (d floats, 2M u32), and the upper links
 * (level·M u32) of the nodes above level 0.
 */
static const char magic[8] = {'M', 'O', 'O', 'D', 'H', 'N', 'S', 'W'};

static int write_graph(const mood_hnsw *h, FILE *f)
{
    uint32_t hv[2] = {1, (uint32_t)h->metric};
    uint64_t hd[6] = {h->d, h->m, h->efc, h->count, h->entry, (uint64_t)(int64_t)h->max_level};
    int ok = fwrite(magic, 1, 8, f) == 8 && fwrite(hv, sizeof hv, 1, f) == 1 &&
             fwrite(hd, sizeof hd, 1, f) == 1;
    if (ok && h->count)
        ok = fwrite(h->labels, sizeof *h->labels, h->count, f) == h->count &&
             fwrite(h->level, 1, h->count, f) == h->count &&
             fwrite(h->deleted, 1, h->count, f) == h->count;
    for (size_t i = 0; ok && i < h->count; i++) {
        const char *blk = h->base + i * h->stride;
        ok = fwrite(blk, sizeof(float), h->d, f) == h->d &&
             fwrite(blk + h->link_off, sizeof(uint32_t), h->m0, f) == h->m0;
    }
    for (size_t i = 0; ok && i < h->count; i++) {
        size_t c = (size_t)h->level[i] * h->m;
        if (c)
            ok = fwrite(h->upper[i], sizeof(uint32_t), c, f) == c;
    }
    return ok;
}

mood_status mood_hnsw_save(const mood_hnsw *h, const char *path)
{
    /* written beside and renamed, so that a crash never leaves half a graph */
    size_t len = strlen(path);
    char *tmp = mood__malloc(len + 5);
    if (!tmp)
        return mood__enomem("hnsw: save");
    memcpy(tmp, path, len);
    memcpy(tmp + len, ".tmp", 5);
    FILE *f = fopen(tmp, "wb");
    int ok = f && write_graph(h, f);
    if (f && fclose(f) != 0)
        ok = 0;
    if (ok && rename(tmp, path) != 0)
        ok = 0;
    if (!ok)
        remove(tmp);
    mood__free(tmp);
    if (!ok)
        return mood__error(MOOD_EIO, "%s: cannot write the HNSW graph", path);
    return MOOD_OK;
}

/* Every stored id must name a node (or be the empty slot): a damaged file fails cleanly. */
static int links_valid(const uint32_t *l, size_t c, size_t count)
{
    for (size_t i = 0; i < c; i++)
        if (l[i] != NONE && l[i] >= count)
            return 0;
    return 1;
}

/* Read the node arrays of a graph whose header is already in h (count nodes); 0 on failure. */
static int read_nodes(mood_hnsw *h, FILE *f, size_t count)
{
    if (count && (fread(h->labels, sizeof *h->labels, count, f) != count ||
                  fread(h->level, 1, count, f) != count || fread(h->deleted, 1, count, f) != count))
        return 0;
    h->count = count;
    for (size_t i = 0; i < count; i++) {
        char *blk = h->base + i * h->stride;
        memset(blk, 0, h->link_off);
        if (h->level[i] > MAX_LEVEL || (int)h->level[i] > h->max_level ||
            fread(blk, sizeof(float), h->d, f) != h->d ||
            fread(blk + h->link_off, sizeof(uint32_t), h->m0, f) != h->m0 ||
            !links_valid((uint32_t *)(blk + h->link_off), h->m0, count))
            return 0;
        h->n_deleted += h->deleted[i] != 0;
    }
    for (size_t i = 0; i < count; i++) {
        size_t c = (size_t)h->level[i] * h->m;
        if (!c)
            continue;
        h->upper[i] = mood__malloc_array(c, sizeof(uint32_t));
        if (!h->upper[i] || fread(h->upper[i], sizeof(uint32_t), c, f) != c ||
            !links_valid(h->upper[i], c, count))
            return 0;
    }
    return fgetc(f) == EOF;
}

/* Header checks and the object; NULL with the error set. */
static mood_status read_header(FILE *f, const char *path, size_t d, mood_metric metric,
                               const mood_hnsw_params *p, mood_hnsw **out, size_t *count)
{
    char mg[8];
    uint32_t hv[2];
    uint64_t hd[6];
    if (fread(mg, 1, 8, f) != 8 || memcmp(mg, magic, 8) != 0 || fread(hv, sizeof hv, 1, f) != 1 ||
        fread(hd, sizeof hd, 1, f) != 1 || hv[0] != 1) {
        return mood__error(MOOD_EFORMAT, "%s: not a moodscope HNSW graph (version 1)", path);
    }
    mood_metric want = metric == MOOD_METRIC_COSINE ? MOOD_METRIC_COSINE : MOOD_METRIC_EUCLIDEAN;
    if (hd[0] != d || hv[1] != (uint32_t)want) {
        return mood__error(MOOD_EFORMAT, "%s: HNSW graph of another dimension or metric", path);
    }
    int64_t top = (int64_t)hd[5];
    if (hd[1] < 2 || hd[1] > 128 || hd[3] > MAX_NODES || top > MAX_LEVEL ||
        (hd[3] == 0) != (hd[4] == NONE) || (hd[3] && hd[4] >= hd[3]) || (hd[3] && top < 0)) {
        return mood__error(MOOD_EFORMAT, "%s: damaged HNSW graph header", path);
    }
    mood_hnsw *h = hnsw_new(d, want, (size_t)hd[1], (size_t)hd[2], p->ef_search, p->seed);
    if (!h || grow(h, hd[3] > 16 ? (size_t)hd[3] : 16) != MOOD_OK) {
        mood_hnsw_destroy(h);
        return mood__enomem("hnsw: load");
    }
    h->entry = (uint32_t)hd[4];
    h->max_level = (int)top;
    *count = (size_t)hd[3];
    *out = h;
    return MOOD_OK;
}

mood_status mood_hnsw_load(const char *path, size_t d, mood_metric metric,
                           const mood_hnsw_params *p, mood_hnsw **out)
{
    mood_hnsw_params def;
    size_t count = 0;
    *out = NULL;
    if (!p) {
        mood_hnsw_params_default(&def);
        p = &def;
    }
    FILE *f = fopen(path, "rb");
    if (!f)
        return mood__error(MOOD_EIO, "%s: cannot open the HNSW graph", path);
    mood_hnsw *h = NULL;
    mood_status st = read_header(f, path, d, metric, p, &h, &count);
    if (st == MOOD_OK && !read_nodes(h, f, count))
        st = mood__error(MOOD_EFORMAT, "%s: truncated or damaged HNSW graph", path);
    fclose(f);
    if (st == MOOD_OK)
        st = map_reserve(h, count > 16 ? count : 16);
    for (size_t i = 0; st == MOOD_OK && i < count; i++)
        map_put(h, h->labels[i], (uint32_t)i); /* a replaced label: its newest node wins */
    if (st != MOOD_OK) {
        mood_hnsw_destroy(h);
        return st;
    }
    *out = h;
    return MOOD_OK;
}
