/*
 * The AVX2 builds of the distance kernels, called by dist.c when mood__simd() says so; the
 * functions carry target attributes so that the rest of the library stays baseline x86-64.
 *  - dist_loops.h with target("avx2") (no FMA): the same bits as the portable build;
 *  - the argmin kernels (eight lanes keep their minima; only comparisons) and the dot products
 *    of a row with a few candidates (the same eight-lane sums): the same bits as well;
 *  - AVX2 + FMA loops where the portable form is not the bit reference: the silhouette's
 *    element loops (gcc cannot vectorise sqrtf at -O2 without -fno-math-errno) and the HNSW
 *    graph kernels (d = 32, the feature spaces `similar` builds, keeps the query in four
 *    registers for a whole batch).
 */
#include "dist_simd.h"

#include "dist.h"

#ifdef MOOD_DIST_AVX2
#include <immintrin.h>
#include <math.h>

#define AVX2           __attribute__((target("avx2")))
#define AVX2_FMA       __attribute__((target("avx2,fma")))
#define DIST_MIN(a, b) ((a) < (b) ? (a) : (b))

#define DIST_FN(name) name##_avx2
#define DIST_TARGET   AVX2
#include "dist_loops.h"

/* ---- exact kernels ---- */
/*
 * Eight lanes each keep their smallest value, its index and their second smallest; the lanes
 * are then merged (smallest value, lowest index on ties). Only comparisons: the result is
 * exactly the scalar one.
 */
AVX2 size_t mood__argmin2_avx2(const float *restrict D, const float *restrict cn, size_t k,
                               float *out_b1, float *out_b2)
{
    if (k < 16)
        return argmin2_scalar_avx2(D, cn, k, out_b1, out_b2);
    __m256 m1 = _mm256_set1_ps(INFINITY), m2 = m1;
    __m256i mi = _mm256_setzero_si256(), idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i step = _mm256_set1_epi32(8);
    size_t j = 0;
    for (; j + 8 <= k; j += 8) {
        __m256 v = _mm256_loadu_ps(D + j);
        if (cn)
            v = _mm256_add_ps(v, _mm256_loadu_ps(cn + j));
        __m256 lt = _mm256_cmp_ps(v, m1, _CMP_LT_OQ);
        m2 = _mm256_min_ps(m2, _mm256_max_ps(v, m1));
        m1 = _mm256_blendv_ps(m1, v, lt);
        mi = _mm256_blendv_epi8(mi, idx, _mm256_castps_si256(lt));
        idx = _mm256_add_epi32(idx, step);
    }
    float a1[8], a2[8];
    int ai[8];
    _mm256_storeu_ps(a1, m1);
    _mm256_storeu_ps(a2, m2);
    _mm256_storeu_si256((__m256i *)ai, mi);
    size_t lane = 0;
    for (size_t u = 1; u < 8; u++)
        if (a1[u] < a1[lane] || (a1[u] == a1[lane] && ai[u] < ai[lane]))
            lane = u;
    float b1 = a1[lane], b2 = a2[lane];
    size_t best = (size_t)ai[lane];
    for (size_t u = 0; u < 8; u++)
        if (u != lane && a1[u] < b2)
            b2 = a1[u];
    for (; j < k; j++) {
        mood__min2_step(D[j] + (cn ? cn[j] : 0.0f), j, &b1, &b2, &best);
    }
    *out_b1 = b1;
    if (out_b2)
        *out_b2 = b2;
    return best;
}
AVX2 void mood__argmin_cols_avx2(const float *restrict Dt, const float *restrict cn, size_t k,
                                 size_t b, const float *restrict xn, int32_t *restrict lab,
                                 float *restrict b1, float *restrict b2)
{
    size_t i0 = 0;
    const __m256 zero = _mm256_setzero_ps();
    for (; i0 + 8 <= b; i0 += 8) {
        __m256 m1 = _mm256_set1_ps(INFINITY), m2 = m1;
        __m256i mi = _mm256_setzero_si256();
        for (size_t j = 0; j < k; j++) {
            __m256 v = _mm256_add_ps(_mm256_loadu_ps(Dt + j * b + i0), _mm256_set1_ps(cn[j]));
            m2 = _mm256_min_ps(m2, _mm256_max_ps(v, m1));
            __m256 lt = _mm256_cmp_ps(v, m1, _CMP_LT_OQ);
            m1 = _mm256_blendv_ps(m1, v, lt);
            mi = _mm256_blendv_epi8(mi, _mm256_set1_epi32((int)j), _mm256_castps_si256(lt));
        }
        __m256 x = _mm256_loadu_ps(xn + i0);
        _mm256_storeu_si256((__m256i *)(lab + i0), mi);
        _mm256_storeu_ps(b1 + i0, _mm256_max_ps(_mm256_add_ps(m1, x), zero));
        if (b2)
            _mm256_storeu_ps(b2 + i0, _mm256_max_ps(_mm256_add_ps(m2, x), zero));
    }
    argmin_cols_scalar_avx2(Dt, cn, k, b, i0, xn, lab, b1, b2);
}

static inline float hsum256(__m256 v) __attribute__((target("avx2")));
static inline float hsum256(__m256 v)
{
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    __m128 s = _mm_add_ps(lo, hi);
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/*
 * Four candidates per pass over the row, in four named accumulators (a runtime-sized array of
 * vectors would live in memory); the row's 8-float pieces are loaded once per group.
 */
AVX2 static void dots4_avx2(const float *restrict x, size_t d, const float *restrict c0,
                            const float *restrict c1, const float *restrict c2,
                            const float *restrict c3, float *out)
{
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    size_t j = 0;
    for (; j + 8 <= d; j += 8) {
        __m256 xv = _mm256_loadu_ps(x + j);
        a0 = _mm256_add_ps(a0, _mm256_mul_ps(xv, _mm256_loadu_ps(c0 + j)));
        a1 = _mm256_add_ps(a1, _mm256_mul_ps(xv, _mm256_loadu_ps(c1 + j)));
        a2 = _mm256_add_ps(a2, _mm256_mul_ps(xv, _mm256_loadu_ps(c2 + j)));
        a3 = _mm256_add_ps(a3, _mm256_mul_ps(xv, _mm256_loadu_ps(c3 + j)));
    }
    float s0 = hsum256(a0), s1 = hsum256(a1), s2 = hsum256(a2), s3 = hsum256(a3);
    for (; j < d; j++) {
        s0 += x[j] * c0[j];
        s1 += x[j] * c1[j];
        s2 += x[j] * c2[j];
        s3 += x[j] * c3[j];
    }
    out[0] = s0;
    out[1] = s1;
    out[2] = s2;
    out[3] = s3;
}

AVX2 void mood__dots_avx2(const float *restrict x, size_t d, const float *restrict c, size_t L,
                          float *restrict out)
{
    for (size_t t = 0; t < L; t += 4) {
        float tmp[4];
        /* A short last group repeats its last candidate; the extra results are dropped. */
        size_t t1 = DIST_MIN(t + 1, L - 1), t2 = DIST_MIN(t + 2, L - 1),
               t3 = DIST_MIN(t + 3, L - 1);
        dots4_avx2(x, d, c + t * d, c + t1 * d, c + t2 * d, c + t3 * d, tmp);
        for (size_t u = 0; u < 4 && t + u < L; u++)
            out[t + u] = tmp[u];
    }
}
/* ---- AVX2 + FMA ---- */
AVX2_FMA void mood__fill_norms_avx2(float *row, float ni, const float *bn, size_t n)
{
    const __m256 vi = _mm256_set1_ps(ni);
    size_t j = 0;
    for (; j + 8 <= n; j += 8)
        _mm256_storeu_ps(row + j, _mm256_add_ps(vi, _mm256_loadu_ps(bn + j)));
    for (; j < n; j++)
        row[j] = ni + bn[j];
}

AVX2_FMA void mood__sqdiff_acc_avx2(float *row, float xv, const float *col, size_t n)
{
    const __m256 vx = _mm256_set1_ps(xv);
    size_t j = 0;
    for (; j + 8 <= n; j += 8) {
        __m256 diff = _mm256_sub_ps(vx, _mm256_loadu_ps(col + j));
        _mm256_storeu_ps(row + j, _mm256_fmadd_ps(diff, diff, _mm256_loadu_ps(row + j)));
    }
    for (; j < n; j++) {
        float diff = xv - col[j];
        row[j] += diff * diff;
    }
}

/* v = sqrt(max(q, 0)) for 8 squared distances at once. */
static inline AVX2_FMA __m256 dist8(const float *q)
{
    return _mm256_sqrt_ps(_mm256_max_ps(_mm256_loadu_ps(q), _mm256_setzero_ps()));
}

AVX2_FMA void mood__sqrt_run_sums_avx2(const float *row, const size_t *runs, size_t n_runs,
                                       double *run_sums, double *colacc)
{
    for (size_t r = 0; r < n_runs; r++) {
        __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
        size_t j = runs[r];
        const size_t end = runs[r + 1];
        for (; j + 8 <= end; j += 8) {
            const __m256 v = dist8(row + j);
            const __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
            const __m256d hi = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
            s0 = _mm256_add_pd(s0, lo);
            s1 = _mm256_add_pd(s1, hi);
            if (colacc) {
                _mm256_storeu_pd(colacc + j, _mm256_add_pd(_mm256_loadu_pd(colacc + j), lo));
                _mm256_storeu_pd(colacc + j + 4,
                                 _mm256_add_pd(_mm256_loadu_pd(colacc + j + 4), hi));
            }
        }
        double lanes[4];
        _mm256_storeu_pd(lanes, _mm256_add_pd(s0, s1));
        double sum = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
        for (; j < end; j++) {
            const __m128 q = _mm_max_ss(_mm_load_ss(row + j), _mm_setzero_ps());
            const double v = (double)_mm_cvtss_f32(_mm_sqrt_ss(q));
            sum += v;
            if (colacc)
                colacc[j] += v;
        }
        run_sums[r] = sum;
    }
}

AVX2_FMA float mood__graph_l2_avx2(const float *a, const float *b, size_t d)
{
    __m256 s0 = _mm256_setzero_ps(), s1 = s0;
    size_t j = 0;
    for (; j + 16 <= d; j += 16) {
        __m256 t0 = _mm256_sub_ps(_mm256_loadu_ps(a + j), _mm256_loadu_ps(b + j));
        __m256 t1 = _mm256_sub_ps(_mm256_loadu_ps(a + j + 8), _mm256_loadu_ps(b + j + 8));
        s0 = _mm256_fmadd_ps(t0, t0, s0);
        s1 = _mm256_fmadd_ps(t1, t1, s1);
    }
    for (; j + 8 <= d; j += 8) {
        __m256 t0 = _mm256_sub_ps(_mm256_loadu_ps(a + j), _mm256_loadu_ps(b + j));
        s0 = _mm256_fmadd_ps(t0, t0, s0);
    }
    float s = hsum256(_mm256_add_ps(s0, s1));
    for (; j < d; j++) {
        float t = a[j] - b[j];
        s += t * t;
    }
    return s;
}

AVX2_FMA float mood__graph_ip_avx2(const float *a, const float *b, size_t d)
{
    __m256 s0 = _mm256_setzero_ps(), s1 = s0;
    size_t j = 0;
    for (; j + 16 <= d; j += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + j), _mm256_loadu_ps(b + j), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + j + 8), _mm256_loadu_ps(b + j + 8), s1);
    }
    for (; j + 8 <= d; j += 8)
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + j), _mm256_loadu_ps(b + j), s0);
    float s = hsum256(_mm256_add_ps(s0, s1));
    for (; j < d; j++)
        s += a[j] * b[j];
    return 1.0f - s;
}

/* Squared L2 of q to cnt stored vectors; the d = 32 path keeps q in registers. */
AVX2_FMA void mood__graph_l2_batch_avx2(const float *q, const char *base, size_t stride,
                                        const uint32_t *ids, size_t cnt, size_t d, float *out)
{
    if (d != 32) {
        for (size_t i = 0; i < cnt; i++)
            out[i] = mood__graph_l2_avx2(q, (const float *)(base + (size_t)ids[i] * stride), d);
        return;
    }
    const __m256 q0 = _mm256_loadu_ps(q), q1 = _mm256_loadu_ps(q + 8);
    const __m256 q2 = _mm256_loadu_ps(q + 16), q3 = _mm256_loadu_ps(q + 24);
    for (size_t i = 0; i < cnt; i++) {
        const float *v = (const float *)(base + (size_t)ids[i] * stride);
        __m256 t0 = _mm256_sub_ps(_mm256_load_ps(v), q0);
        __m256 t1 = _mm256_sub_ps(_mm256_load_ps(v + 8), q1);
        __m256 t2 = _mm256_sub_ps(_mm256_load_ps(v + 16), q2);
        __m256 t3 = _mm256_sub_ps(_mm256_load_ps(v + 24), q3);
        __m256 s0 = _mm256_mul_ps(t0, t0), s1 = _mm256_mul_ps(t1, t1);
        s0 = _mm256_fmadd_ps(t2, t2, s0);
        s1 = _mm256_fmadd_ps(t3, t3, s1);
        out[i] = hsum256(_mm256_add_ps(s0, s1));
    }
}

/* 1 − q·v for cnt stored vectors (unit vectors: the cosine distance). */
AVX2_FMA void mood__graph_ip_batch_avx2(const float *q, const char *base, size_t stride,
                                        const uint32_t *ids, size_t cnt, size_t d, float *out)
{
    if (d != 32) {
        for (size_t i = 0; i < cnt; i++)
            out[i] = mood__graph_ip_avx2(q, (const float *)(base + (size_t)ids[i] * stride), d);
        return;
    }
    const __m256 q0 = _mm256_loadu_ps(q), q1 = _mm256_loadu_ps(q + 8);
    const __m256 q2 = _mm256_loadu_ps(q + 16), q3 = _mm256_loadu_ps(q + 24);
    for (size_t i = 0; i < cnt; i++) {
        const float *v = (const float *)(base + (size_t)ids[i] * stride);
        __m256 s0 = _mm256_mul_ps(_mm256_load_ps(v), q0);
        __m256 s1 = _mm256_mul_ps(_mm256_load_ps(v + 8), q1);
        s0 = _mm256_fmadd_ps(_mm256_load_ps(v + 16), q2, s0);
        s1 = _mm256_fmadd_ps(_mm256_load_ps(v + 24), q3, s1);
        out[i] = 1.0f - hsum256(_mm256_add_ps(s0, s1));
    }
}
#else
/* Keeps the translation unit non-empty on other targets. */
typedef int mood__no_avx2_kernels;
#endif
