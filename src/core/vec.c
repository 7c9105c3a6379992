/*
 * The portable float kernels every distance engine falls back to: squared euclidean distance and
 * dot product with eight float lanes combined in a fixed order, so that k-means, the HNSW index
 * and their tests get the same bits for the same vectors. GCC builds an AVX2 and a baseline clone
 * and picks one at load time; the summation order is the same in both.
 */
#include "internal.h"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(MOOD_NO_CLONES)
#define VEC_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define VEC_CLONES
#endif

VEC_CLONES
float mood__sqdist_f32(const float *restrict a, const float *restrict b, size_t d)
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

VEC_CLONES
float mood__dot_f32(const float *restrict a, const float *restrict b, size_t d)
{
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t j = 0;
    for (; j + 8 <= d; j += 8)
        for (size_t u = 0; u < 8; u++)
            acc[u] += a[j + u] * b[j + u];
    float s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (; j < d; j++)
        s += a[j] * b[j];
    return s;
}
