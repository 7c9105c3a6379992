/*
 * The innermost loops of the centroid algorithms, written so that gcc vectorises them: eight
 * independent accumulators (a float reduction is otherwise kept in order and stays scalar)
 * and branch-free minima. Each is compiled twice through target_clones — for AVX2 (chosen by
 * __builtin_cpu_supports, so AMD and Intel alike) and for the x86-64 baseline — and the loader
 * picks the clone the CPU supports, so one binary runs everywhere. No FMA: a fused multiply-add
 * rounds differently, and the clones must give the same results as the baseline tests check.
 */
#include "kmeans_internal.h"

#include <math.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(MOOD_NO_CLONES)
#define MOOD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define MOOD_CLONES
#endif

MOOD_CLONES
float mood__km_sqdist_v(const float *restrict a, const float *restrict b, size_t d)
{
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t j = 0;
    for (; j + 8 <= d; j += 8)
        for (size_t u = 0; u < 8; u++) {
            float t = a[j + u] - b[j + u];
            acc[u] += t * t;
        }
    float s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (; j < d; j++) {
        float t = a[j] - b[j];
        s += t * t;
    }
    return s;
}

MOOD_CLONES
size_t mood__km_argmin2(const float *restrict D, size_t k, float *out_b1, float *out_b2)
{
    /* Pass 1: the minimum, eight lanes. */
    float mv[8];
    for (size_t u = 0; u < 8; u++)
        mv[u] = INFINITY;
    size_t j = 0;
    for (; j + 8 <= k; j += 8)
        for (size_t u = 0; u < 8; u++)
            mv[u] = D[j + u] < mv[u] ? D[j + u] : mv[u];
    float m = mv[0];
    for (size_t u = 1; u < 8; u++)
        m = mv[u] < m ? mv[u] : m;
    for (; j < k; j++)
        m = D[j] < m ? D[j] : m;
    /* The first index holding it (ties to the lowest index, as a sequential scan). */
    size_t best = 0;
    while (best < k && D[best] != m)
        best++;
    if (best == k) /* only when D holds NaN: fall back to the first column */
        best = 0;
    if (out_b2) {
        for (size_t u = 0; u < 8; u++)
            mv[u] = INFINITY;
        j = 0;
        for (; j + 8 <= k; j += 8)
            for (size_t u = 0; u < 8; u++) {
                float v = j + u == best ? INFINITY : D[j + u];
                mv[u] = v < mv[u] ? v : mv[u];
            }
        float m2 = mv[0];
        for (size_t u = 1; u < 8; u++)
            m2 = mv[u] < m2 ? mv[u] : m2;
        for (; j < k; j++)
            if (j != best)
                m2 = D[j] < m2 ? D[j] : m2;
        *out_b2 = m2;
    }
    *out_b1 = D[best];
    return best;
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
