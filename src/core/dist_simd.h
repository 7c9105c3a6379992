/*
 * The AVX2 builds of the distance kernels (dist_avx2.c), called only by dist.c when
 * mood__simd() is at least MOOD_SIMD_AVX2. Private to core.
 */
#ifndef MOOD_CORE_DIST_SIMD_H
#define MOOD_CORE_DIST_SIMD_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) && defined(__x86_64__)
#define MOOD_DIST_AVX2 1

/* dist_loops.h compiled with target("avx2"): the same bits as the portable build. */
float sqdist_f32_avx2(const float *restrict a, const float *restrict b, size_t d);
float dot_f32_avx2(const float *restrict a, const float *restrict b, size_t d);
void dots_plain_avx2(const float *restrict x, size_t b, size_t d, const float *restrict ct,
                     size_t k, float *restrict D);
void dots_finish_avx2(float *restrict D, size_t b, size_t k, const float *restrict xnorm,
                      const float *restrict cnorm);
void add_row_f64_avx2(double *restrict s, const float *restrict x, size_t d);
void dots_plain_t_avx2(const float *restrict x, size_t b, size_t d, const float *restrict c,
                       size_t k, float *restrict xt, float *restrict Dt);
void dots_rows_f32_avx2(const float *restrict x, size_t n, size_t d, const float *restrict q,
                        float *restrict out);
size_t argmin2_scalar_avx2(const float *restrict D, const float *restrict cn, size_t k,
                           float *out_b1, float *out_b2);
void argmin_cols_scalar_avx2(const float *restrict Dt, const float *restrict cn, size_t k, size_t b,
                             size_t i0, const float *restrict xn, int32_t *restrict lab,
                             float *restrict b1, float *restrict b2);

/* Hand-written kernels: comparisons only (argmin), or the same sums in the same order (dots). */
size_t mood__argmin2_avx2(const float *restrict D, const float *restrict cn, size_t k,
                          float *out_b1, float *out_b2);
void mood__argmin_cols_avx2(const float *restrict Dt, const float *restrict cn, size_t k, size_t b,
                            const float *restrict xn, int32_t *restrict lab, float *restrict b1,
                            float *restrict b2);
void mood__dots_avx2(const float *restrict x, size_t d, const float *restrict c, size_t L,
                     float *restrict out);

/* AVX2 + FMA (rounding differs from the portable loops within float precision). */
void mood__fill_norms_avx2(float *row, float ni, const float *bn, size_t n);
void mood__sqdiff_acc_avx2(float *row, float xv, const float *col, size_t n);
void mood__sqrt_run_sums_avx2(const float *row, const size_t *runs, size_t n_runs, double *run_sums,
                              double *colacc);
float mood__graph_l2_avx2(const float *a, const float *b, size_t d);
float mood__graph_ip_avx2(const float *a, const float *b, size_t d);
void mood__graph_l2_batch_avx2(const float *q, const char *base, size_t stride, const uint32_t *ids,
                               size_t cnt, size_t d, float *out);
void mood__graph_ip_batch_avx2(const float *q, const char *base, size_t stride, const uint32_t *ids,
                               size_t cnt, size_t d, float *out);
#endif

#endif
