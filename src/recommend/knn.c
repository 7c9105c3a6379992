/*
 * Exact k-nearest-neighbour search. Distances for a batch of queries come from blocks of
 * ‖q‖² − 2 q·x + ‖x‖² computed with cblas_sgemm (the faiss recipe: BLAS only pays off from
 * about 20 queries; blocks keep the distance tile in cache); a plain unit-stride loop serves
 * single queries and is the reference the BLAS path is tested against. Each query keeps a
 * bounded max-heap of its k best candidates; ties are broken by row index so that results do
 * not depend on the block size or the thread count.
 */
#include "../core/dist.h"
#include "../core/internal.h"
#include "rec_internal.h"

#include <math.h>
#include <string.h>

#ifdef MOOD_WITH_BLAS
#include <cblas.h>
#endif

enum { QUERY_BLOCK = 256, BASE_BLOCK = 4096, BLAS_MIN_QUERIES = 20 };

/* Max-heap on (dist, row): the root is the worst kept candidate. */
static int worse(float da, size_t ra, float db, size_t rb)
{
    return da > db || (da == db && ra > rb);
}

static void heap_push(float *hd, size_t *hr, size_t *len, size_t k, float d, size_t r)
{
    size_t i;
    if (*len == k) {
        if (!worse(hd[0], hr[0], d, r))
            return;
        /* replace the root and sift down */
        i = 0;
        for (;;) {
            size_t l = 2 * i + 1, rr = l + 1, m = i;
            float md = d;
            size_t mr = r;
            if (l < k && worse(hd[l], hr[l], md, mr)) {
                m = l;
                md = hd[l];
                mr = hr[l];
            }
            if (rr < k && worse(hd[rr], hr[rr], md, mr))
                m = rr;
            if (m == i)
                break;
            hd[i] = hd[m];
            hr[i] = hr[m];
            i = m;
        }
        hd[i] = d;
        hr[i] = r;
        return;
    }
    i = (*len)++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!worse(d, r, hd[p], hr[p]))
            break;
        hd[i] = hd[p];
        hr[i] = hr[p];
        i = p;
    }
    hd[i] = d;
    hr[i] = r;
}

/* Sort the heap contents ascending into the output rows (insertion sort: k is small). */
static void heap_finish(float *hd, size_t *hr, size_t len, size_t k, mood_metric metric,
                        size_t *out_rows, float *out_dist)
{
    for (size_t i = 1; i < len; i++) {
        float d = hd[i];
        size_t r = hr[i], j = i;
        while (j > 0 && worse(hd[j - 1], hr[j - 1], d, r)) {
            hd[j] = hd[j - 1];
            hr[j] = hr[j - 1];
            j--;
        }
        hd[j] = d;
        hr[j] = r;
    }
    for (size_t i = 0; i < k; i++) {
        if (i < len) {
            out_rows[i] = hr[i];
            out_dist[i] = metric == MOOD_METRIC_COSINE ? hd[i] : sqrtf(MOOD_MAX(hd[i], 0.0f));
        } else {
            out_rows[i] = SIZE_MAX;
            out_dist[i] = INFINITY;
        }
    }
}

/* Distance in the heap's units: squared euclidean, or 1 − dot for cosine (sequential sums: the
 * reference the BLAS path is tested against). */
static float plain_dist(const float *restrict q, const float *restrict x, size_t d,
                        mood_metric metric)
{
    return metric == MOOD_METRIC_COSINE ? 1.0f - mood__dot_seq_f32(q, x, d)
                                        : mood__sqdist_seq_f32(q, x, d);
}

static mood_status knn_plain(const float *base, size_t n, size_t d, mood_metric metric,
                             const float *queries, size_t nq, size_t k, size_t *out_rows,
                             float *out_dist)
{
    int failed = 0;
#ifdef _OPENMP
#pragma omp parallel if (nq > 1)
#endif
    {
        const size_t sz[][2] = {{k, sizeof(float)}, {k, sizeof(size_t)}};
        mood_scratch w;
        const int ok = mood__scratch_alloc(&w, sz, 2, &failed);
        float *hd = w.p[0];
        size_t *hr = w.p[1];
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
        for (size_t qi = 0; qi < nq; qi++) {
            if (!ok)
                continue;
            size_t len = 0;
            const float *q = queries + qi * d;
            for (size_t i = 0; i < n; i++)
                heap_push(hd, hr, &len, k, plain_dist(q, base + i * d, d, metric), i);
            heap_finish(hd, hr, len, k, metric, out_rows + qi * k, out_dist + qi * k);
        }
        mood__scratch_free(&w);
    }
    return failed ? mood__enomem("knn") : MOOD_OK;
}

#ifdef MOOD_WITH_BLAS
static mood_status knn_blas(const float *base, size_t n, size_t d, mood_metric metric,
                            const float *queries, size_t nq, size_t k, size_t *out_rows,
                            float *out_dist)
{
    float *xn = mood__malloc_array(n, sizeof *xn);
    float *qn = mood__malloc_array(nq, sizeof *qn);
    float *tile = mood__malloc_array((size_t)QUERY_BLOCK * BASE_BLOCK, sizeof *tile);
    float *hd = mood__malloc_array(nq * k, sizeof *hd);
    size_t *hr = mood__malloc_array(nq * k, sizeof *hr);
    size_t *hl = mood__calloc(nq, sizeof *hl);
    mood_status st = MOOD_OK;
    if (!xn || !qn || !tile || !hd || !hr || !hl) {
        st = mood__enomem("knn");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        xn[i] = (float)mood__sqnorm_f64(base + i * d, d);
    for (size_t i = 0; i < nq; i++)
        qn[i] = (float)mood__sqnorm_f64(queries + i * d, d);
    for (size_t q0 = 0; q0 < nq; q0 += QUERY_BLOCK) {
        size_t bq = MOOD_MIN((size_t)QUERY_BLOCK, nq - q0);
        for (size_t b0 = 0; b0 < n; b0 += BASE_BLOCK) {
            size_t bb = MOOD_MIN((size_t)BASE_BLOCK, n - b0);
            /* tile[bq×bb] = Q_block · X_blockᵀ */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)bq, (int)bb, (int)d, 1.0f,
                        queries + q0 * d, (int)d, base + b0 * d, (int)d, 0.0f, tile, (int)bb);
#ifdef _OPENMP
#pragma omp parallel for schedule(static)
#endif
            for (size_t qi = 0; qi < bq; qi++) {
                size_t g = q0 + qi;
                const float *row = tile + qi * bb;
                for (size_t i = 0; i < bb; i++) {
                    float dist = metric == MOOD_METRIC_COSINE ? 1.0f - row[i]
                                                              : qn[g] - 2.0f * row[i] + xn[b0 + i];
                    heap_push(hd + g * k, hr + g * k, &hl[g], k, dist, b0 + i);
                }
            }
        }
        for (size_t qi = 0; qi < bq; qi++) {
            size_t g = q0 + qi;
            heap_finish(hd + g * k, hr + g * k, hl[g], k, metric, out_rows + g * k,
                        out_dist + g * k);
        }
    }
done:
    mood__free(xn);
    mood__free(qn);
    mood__free(tile);
    mood__free(hd);
    mood__free(hr);
    mood__free(hl);
    return st;
}
#endif

/*
 * One query against the whole base, the path `similar` takes on libraries up to 100k tracks:
 * dot products of a block of rows (mood__dots_rows_f32), distances from the cached squared norms,
 * and only candidates better than the current k-th reach the heap, so the cost is one streaming
 * pass over the vectors. A matrix-vector product is memory-bound, so BLAS (whose threads only
 * contend with the caller's on a busy machine) brings nothing here.
 */
mood_status mood__knn_one(const float *base, const float *sqnorm, size_t n, size_t d,
                          mood_metric metric, const float *q, size_t k, size_t *out_rows,
                          float *out_dist)
{
    enum { BLOCK = 4096 };
    float *dots = mood__malloc_array(BLOCK, sizeof *dots);
    float *hd = mood__malloc_array(k, sizeof *hd);
    size_t *hr = mood__malloc_array(k, sizeof *hr), len = 0;
    double qq = 0.0;
    float qn;
    if (!dots || !hd || !hr) {
        mood__free(dots);
        mood__free(hd);
        mood__free(hr);
        return mood__enomem("knn");
    }
    for (size_t j = 0; j < d; j++)
        qq += (double)q[j] * (double)q[j];
    qn = (float)qq;
    for (size_t b0 = 0; b0 < n; b0 += BLOCK) {
        size_t bb = MOOD_MIN((size_t)BLOCK, n - b0);
        mood__dots_rows_f32(base + b0 * d, bb, d, q, dots);
        for (size_t i = 0; i < bb; i++) {
            float dist = metric == MOOD_METRIC_COSINE ? 1.0f - dots[i]
                                                      : qn - 2.0f * dots[i] + sqnorm[b0 + i];
            if (len < k || dist <= hd[0])
                heap_push(hd, hr, &len, k, dist, b0 + i);
        }
    }
    heap_finish(hd, hr, len, k, metric, out_rows, out_dist);
    mood__free(dots);
    mood__free(hd);
    mood__free(hr);
    return MOOD_OK;
}

mood_status mood_knn_exact(const float *base, size_t n, size_t d, mood_metric metric,
                           const float *queries, size_t nq, size_t k, int force_plain,
                           size_t *out_rows, float *out_dist)
{
    if (!base || !queries || !out_rows || !out_dist || d == 0 || k == 0)
        return mood__error(MOOD_EINVAL, "knn: null buffer, d=%zu or k=%zu is zero", d, k);
    if (metric == MOOD_METRIC_AUTO)
        metric = MOOD_METRIC_EUCLIDEAN;
#ifdef MOOD_WITH_BLAS
    if (!force_plain && nq >= BLAS_MIN_QUERIES)
        return knn_blas(base, n, d, metric, queries, nq, k, out_rows, out_dist);
#else
    (void)force_plain;
#endif
    return knn_plain(base, n, d, metric, queries, nq, k, out_rows, out_dist);
}
