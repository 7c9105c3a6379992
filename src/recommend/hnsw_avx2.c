/*
 * AVX2+FMA distance kernels of the HNSW graph. Only hnsw.c calls them, and only when
 * __builtin_cpu_supports says the processor has both; the functions carry the target
 * attribute so that the rest of the library stays baseline x86-64.
 *
 * Dimension 32 (the feature spaces `similar` builds and the bench) is the common case: the
 * query lives in four registers for a whole batch, each stored vector is four loads and four
 * FMAs. Other dimensions run eight floats at a time with a scalar tail.
 */
#include "hnsw_internal.h"

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>

#define MOOD_AVX2 __attribute__((target("avx2,fma")))

MOOD_AVX2 static inline float hsum(__m256 v)
{
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    __m128 s = _mm_add_ps(lo, hi);
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

MOOD_AVX2 float mood__hnsw_l2_avx2(const float *a, const float *b, size_t d)
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
    float s = hsum(_mm256_add_ps(s0, s1));
    for (; j < d; j++) {
        float t = a[j] - b[j];
        s += t * t;
    }
    return s;
}

MOOD_AVX2 float mood__hnsw_ip_avx2(const float *a, const float *b, size_t d)
{
    __m256 s0 = _mm256_setzero_ps(), s1 = s0;
    size_t j = 0;
    for (; j + 16 <= d; j += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + j), _mm256_loadu_ps(b + j), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + j + 8), _mm256_loadu_ps(b + j + 8), s1);
    }
    for (; j + 8 <= d; j += 8)
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + j), _mm256_loadu_ps(b + j), s0);
    float s = hsum(_mm256_add_ps(s0, s1));
    for (; j < d; j++)
        s += a[j] * b[j];
    return 1.0f - s;
}

/* Squared L2 of q to cnt stored vectors; the d = 32 path keeps q in registers. */
MOOD_AVX2 void mood__hnsw_l2_batch_avx2(const float *q, const char *base, size_t stride,
                                        const uint32_t *ids, size_t cnt, size_t d, float *out)
{
    if (d != 32) {
        for (size_t i = 0; i < cnt; i++)
            out[i] = mood__hnsw_l2_avx2(q, (const float *)(base + (size_t)ids[i] * stride), d);
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
        out[i] = hsum(_mm256_add_ps(s0, s1));
    }
}

/* 1 − q·v for cnt stored vectors (unit vectors: the cosine distance). */
MOOD_AVX2 void mood__hnsw_ip_batch_avx2(const float *q, const char *base, size_t stride,
                                        const uint32_t *ids, size_t cnt, size_t d, float *out)
{
    if (d != 32) {
        for (size_t i = 0; i < cnt; i++)
            out[i] = mood__hnsw_ip_avx2(q, (const float *)(base + (size_t)ids[i] * stride), d);
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
        out[i] = 1.0f - hsum(_mm256_add_ps(s0, s1));
    }
}
#endif
