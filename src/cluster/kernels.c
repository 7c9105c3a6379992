/*
 * The innermost loops of the centroid algorithms, written so that gcc vectorises them: eight
 * independent accumulators (a float reduction is otherwise kept in order and stays scalar)
 * and branch-free minima. Each is compiled twice through target_clones — for AVX2 (chosen by
 * __builtin_cpu_supports, so AMD and Intel alike) and for the x86-64 baseline — and the loader
 * picks the clone the CPU supports, so one binary runs everywhere. No FMA: a fused multiply-add
 * rounds differently, and the clones must give the same results as the baseline tests check.
 */
#include "kmeans_internal.h"

#include "../core/cpu.h"
#include "../core/internal.h"

#include <math.h>

#define MOOD_KMIN(a, b) ((a) < (b) ? (a) : (b))

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(MOOD_NO_CLONES)
#define MOOD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define MOOD_CLONES
#endif

float mood__km_sqdist_v(const float *restrict a, const float *restrict b, size_t d)
{
    return mood__sqdist_f32(a, b, d);
}

/* Portable argmin: the reference, and the path on CPUs without AVX2. */
static size_t argmin2_scalar(const float *restrict D, const float *restrict cn, size_t k,
                             float *out_b1, float *out_b2)
{
    size_t best = 0;
    float b1 = D[0] + (cn ? cn[0] : 0.0f), b2 = INFINITY;
    for (size_t j = 1; j < k; j++) {
        float v = D[j] + (cn ? cn[j] : 0.0f);
        if (v < b1) {
            b2 = b1;
            b1 = v;
            best = j;
        } else if (v < b2) {
            b2 = v;
        }
    }
    *out_b1 = b1;
    if (out_b2)
        *out_b2 = b2;
    return best;
}

#if defined(__GNUC__) && defined(__x86_64__) && !defined(MOOD_NO_CLONES)
#include <immintrin.h>
#define HAVE_AVX2_ARGMIN 1
/*
 * Eight lanes each keep their smallest value, its index and their second smallest; the lanes
 * are then merged (smallest value, lowest index on ties). Only comparisons: the result is
 * exactly the scalar one.
 */
__attribute__((target("avx2"))) static size_t argmin2_avx2(const float *restrict D,
                                                           const float *restrict cn, size_t k,
                                                           float *out_b1, float *out_b2)
{
    if (k < 16)
        return argmin2_scalar(D, cn, k, out_b1, out_b2);
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
        float v = D[j] + (cn ? cn[j] : 0.0f);
        if (v < b1) {
            b2 = b1;
            b1 = v;
            best = j;
        } else if (v < b2) {
            b2 = v;
        }
    }
    *out_b1 = b1;
    if (out_b2)
        *out_b2 = b2;
    return best;
}
#endif

static int force_scalar = 0;

void mood__km_force_scalar(int on)
{
    force_scalar = on;
}

size_t mood__km_argmin2(const float *restrict D, size_t k, float *out_b1, float *out_b2)
{
#ifdef HAVE_AVX2_ARGMIN
    if (mood__cpu_has(MOOD_CPU_AVX2) && !force_scalar)
        return argmin2_avx2(D, NULL, k, out_b1, out_b2);
#endif
    return argmin2_scalar(D, NULL, k, out_b1, out_b2);
}

MOOD_CLONES
void mood__km_plain_block(const float *restrict x, size_t b, size_t d, const float *restrict ct,
                          size_t k, float *restrict D)
{
    for (size_t i = 0; i < b; i++) {
        float *restrict Di = D + i * k;
        const float *xi = x + i * d;
        for (size_t j = 0; j < k; j++)
            Di[j] = 0.0f;
        for (size_t l = 0; l < d; l++) {
            float xl = -2.0f * xi[l];
            const float *restrict ctl = ct + l * k;
            for (size_t j = 0; j < k; j++)
                Di[j] += xl * ctl[j];
        }
    }
}

MOOD_CLONES
void mood__km_finish_block(float *restrict D, size_t b, size_t k, const float *restrict xnorm,
                           const float *restrict cnorm)
{
    for (size_t i = 0; i < b; i++) {
        float *restrict Di = D + i * k;
        float xn = xnorm[i];
        for (size_t j = 0; j < k; j++) {
            float v = Di[j] + xn + cnorm[j];
            Di[j] = v > 0.0f ? v : 0.0f;
        }
    }
}

MOOD_CLONES
void mood__km_add_row(double *restrict s, const float *restrict x, size_t d)
{
    for (size_t l = 0; l < d; l++)
        s[l] += (double)x[l];
}

/* Portable dot products of one row with L candidates (L ≤ 8). */
static void dots_scalar(const float *restrict x, size_t d, const float *restrict c, size_t L,
                        float *restrict out)
{
    for (size_t t = 0; t < L; t++)
        out[t] = 0.0f;
    for (size_t t = 0; t < L; t++) {
        float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        size_t j = 0;
        for (; j + 8 <= d; j += 8)
            for (size_t u = 0; u < 8; u++)
                acc[u] += x[j + u] * c[t * d + j + u];
        float s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
        for (; j < d; j++)
            s += x[j] * c[t * d + j];
        out[t] = s;
    }
}

#ifdef HAVE_AVX2_ARGMIN
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
__attribute__((target("avx2"))) static void
dots4_avx2(const float *restrict x, size_t d, const float *restrict c0, const float *restrict c1,
           const float *restrict c2, const float *restrict c3, float *out)
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

__attribute__((target("avx2"))) static void
dots_avx2(const float *restrict x, size_t d, const float *restrict c, size_t L, float *restrict out)
{
    for (size_t t = 0; t < L; t += 4) {
        float tmp[4];
        /* A short last group repeats its last candidate; the extra results are dropped. */
        size_t t1 = MOOD_KMIN(t + 1, L - 1), t2 = MOOD_KMIN(t + 2, L - 1),
               t3 = MOOD_KMIN(t + 3, L - 1);
        dots4_avx2(x, d, c + t * d, c + t1 * d, c + t2 * d, c + t3 * d, tmp);
        for (size_t u = 0; u < 4 && t + u < L; u++)
            out[t + u] = tmp[u];
    }
}
#endif

void mood__km_dots(const float *restrict x, size_t d, const float *restrict c, size_t L,
                   float *restrict out)
{
#ifdef HAVE_AVX2_ARGMIN
    if (mood__cpu_has(MOOD_CPU_AVX2) && !force_scalar && d >= 8) {
        dots_avx2(x, d, c, L, out);
        return;
    }
#endif
    dots_scalar(x, d, c, L, out);
}

size_t mood__km_argmin2c(const float *restrict D, const float *restrict cnorm, size_t k, float xn,
                         float *out_b1, float *out_b2)
{
    size_t best;
#ifdef HAVE_AVX2_ARGMIN
    if (mood__cpu_has(MOOD_CPU_AVX2) && !force_scalar)
        best = argmin2_avx2(D, cnorm, k, out_b1, out_b2);
    else
#endif
        best = argmin2_scalar(D, cnorm, k, out_b1, out_b2);
    /* ‖x‖² is the same for every centre: added to the two minima only, then clamped. */
    float b1 = *out_b1 + xn;
    *out_b1 = b1 > 0.0f ? b1 : 0.0f;
    if (out_b2) {
        float b2 = *out_b2 + xn;
        *out_b2 = b2 > 0.0f ? b2 : 0.0f;
    }
    return best;
}

/*
 * Column-wise argmin for the transposed distance block Dt (k×b, row j = centre j, column
 * i = data row i): each data row's best centre, squared distance and second-best distance.
 * With rows as SIMD lanes every step is a vertical compare, no horizontal reduction.
 * Values are Dt[j][i] + cnorm[j] + xnorm[i], clamped at 0, exactly as the scalar form.
 */
static void argmin_t_scalar(const float *restrict Dt, const float *restrict cn, size_t k, size_t b,
                            size_t i0, const float *restrict xn, int32_t *restrict lab,
                            float *restrict b1, float *restrict b2)
{
    for (size_t i = i0; i < b; i++) {
        size_t best = 0;
        float m1 = Dt[i] + cn[0], m2 = INFINITY;
        for (size_t j = 1; j < k; j++) {
            float v = Dt[j * b + i] + cn[j];
            if (v < m1) {
                m2 = m1;
                m1 = v;
                best = j;
            } else if (v < m2) {
                m2 = v;
            }
        }
        lab[i] = (int32_t)best;
        float v1 = m1 + xn[i], v2 = m2 + xn[i];
        b1[i] = v1 > 0.0f ? v1 : 0.0f;
        if (b2)
            b2[i] = v2 > 0.0f ? v2 : 0.0f;
    }
}

#ifdef HAVE_AVX2_ARGMIN
__attribute__((target("avx2"))) static void argmin_t_avx2(const float *restrict Dt,
                                                          const float *restrict cn, size_t k,
                                                          size_t b, const float *restrict xn,
                                                          int32_t *restrict lab, float *restrict b1,
                                                          float *restrict b2)
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
    argmin_t_scalar(Dt, cn, k, b, i0, xn, lab, b1, b2);
}
#endif

void mood__km_argmin_t(const float *restrict Dt, const float *restrict cn, size_t k, size_t b,
                       const float *restrict xn, int32_t *restrict lab, float *restrict b1,
                       float *restrict b2)
{
#ifdef HAVE_AVX2_ARGMIN
    if (mood__cpu_has(MOOD_CPU_AVX2) && !force_scalar) {
        argmin_t_avx2(Dt, cn, k, b, xn, lab, b1, b2);
        return;
    }
#endif
    argmin_t_scalar(Dt, cn, k, b, 0, xn, lab, b1, b2);
}

/* Plain Dt = −2·c·xᵀ through a transposed copy of the block (xt: d×b scratch). */
MOOD_CLONES
void mood__km_plain_block_t(const float *restrict x, size_t b, size_t d, const float *restrict c,
                            size_t k, float *restrict xt, float *restrict Dt)
{
    for (size_t i = 0; i < b; i++)
        for (size_t l = 0; l < d; l++)
            xt[l * b + i] = x[i * d + l];
    for (size_t j = 0; j < k; j++) {
        float *restrict row = Dt + j * b;
        for (size_t i = 0; i < b; i++)
            row[i] = 0.0f;
        for (size_t l = 0; l < d; l++) {
            float cl = -2.0f * c[j * d + l];
            const float *restrict xl = xt + l * b;
            for (size_t i = 0; i < b; i++)
                row[i] += cl * xl[i];
        }
    }
}
