/*
 * AVX2 versions of the silhouette's per-element loops, picked at run time when the CPU has
 * AVX2 and FMA (see mood__simd_avx2() in distance.c). They exist because the portable loops
 * cannot be vectorised by gcc at the project's -O2 without -fno-math-errno (sqrtf keeps a
 * scalar errno branch) and only with 16-byte vectors; after the sgemm, these loops are the
 * rest of the silhouette's time. The scalar loops in distance.c and silhouette.c stay the
 * reference and tests force them to compare.
 */
#include "metrics_internal.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))

AVX2 void mood__fill_norms_avx2(float *row, float ni, const float *bn, size_t n)
{
    const __m256 vi = _mm256_set1_ps(ni);
    size_t j = 0;
    for (; j + 8 <= n; j += 8)
        _mm256_storeu_ps(row + j, _mm256_add_ps(vi, _mm256_loadu_ps(bn + j)));
    for (; j < n; j++)
        row[j] = ni + bn[j];
}

AVX2 void mood__sqdiff_acc_avx2(float *row, float xv, const float *col, size_t n)
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
static inline AVX2 __m256 dist8(const float *q)
{
    return _mm256_sqrt_ps(_mm256_max_ps(_mm256_loadu_ps(q), _mm256_setzero_ps()));
}

AVX2 void mood__tile_row_avx2(const float *row, const size_t *runs, size_t n_runs, double *run_sums,
                              double *colacc)
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

#else
/* Keeps the translation unit non-empty on other targets. */
typedef int mood__no_avx2_kernels;
#endif
