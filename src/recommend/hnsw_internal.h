/*
 * Private pieces of the HNSW graph (hnsw.c): the distance kernels, a portable reference in
 * hnsw.c and an AVX2+FMA build in hnsw_avx2.c picked at run time by __builtin_cpu_supports.
 * MOOD_HNSW_BASELINE=1 in the environment forces the portable kernels (tests compare them).
 */
#ifndef MOOD_HNSW_INTERNAL_H
#define MOOD_HNSW_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* Distance between two stored or query vectors of d floats: squared L2, or 1 − dot. */
typedef float (*mood__hnsw_dist_fn)(const float *a, const float *b, size_t d);
/*
 * out[i] = distance of q to the vector at base + ids[i]·stride (bytes), for cnt ids: one call
 * per expanded node, so that the per-call cost is paid once for all its neighbours.
 */
typedef void (*mood__hnsw_batch_fn)(const float *q, const char *base, size_t stride,
                                    const uint32_t *ids, size_t cnt, size_t d, float *out);

float mood__hnsw_l2_avx2(const float *a, const float *b, size_t d);
float mood__hnsw_ip_avx2(const float *a, const float *b, size_t d);
void mood__hnsw_l2_batch_avx2(const float *q, const char *base, size_t stride, const uint32_t *ids,
                              size_t cnt, size_t d, float *out);
void mood__hnsw_ip_batch_avx2(const float *q, const char *base, size_t stride, const uint32_t *ids,
                              size_t cnt, size_t d, float *out);

#endif
