/*
 * Blocked squared Euclidean distance kernels for the exact silhouette.
 *
 * The BLAS kernel computes ‖a‖² − 2a·b + ‖b‖² with one cblas_sgemm per block (faiss's
 * approach in faiss/utils/distances.cpp): the O(na·nb·d) work runs at the machine's FMA rate
 * and only O(na·nb) passes remain. Its weakness is cancellation for points far from the
 * origin, which the silhouette avoids by centring the data first; the result may be slightly
 * negative, so consumers clamp at 0 before the square root. The plain kernel is the
 * always-built reference: it sums the squared differences directly, looping over the features
 * outside and over b's rows inside, on a transposed copy of b, so that the inner loop is
 * unit-stride and vectorises. The element loops have AVX2 twins in distance_avx2.c, chosen at
 * run time.
 */
#include "metrics_internal.h"

#include "../core/cpu.h"

#include <string.h>

#ifdef MOOD_WITH_BLAS
#include <cblas.h> /* OpenBLAS's: also declares openblas_{set,get}_num_threads */
#endif

static int force_scalar;

void mood__simd_force_scalar(int on)
{
    force_scalar = on;
}

int mood__simd_avx2(void)
{
#ifdef MOOD__AVX2_KERNELS
    return !force_scalar && mood__cpu_has(MOOD_CPU_AVX2 | MOOD_CPU_FMA);
#else
    return 0;
#endif
}

int mood__have_blas_kernel(void)
{
#ifdef MOOD_WITH_BLAS
    return 1;
#else
    return 0;
#endif
}

int mood__blas_threads_set(int n)
{
#ifdef MOOD_WITH_BLAS
    int prev = openblas_get_num_threads();
    openblas_set_num_threads(n);
    return prev;
#else
    (void)n;
    return 1;
#endif
}

static void sqdist_plain(const float *restrict a, size_t na, const float *restrict b, size_t nb,
                         size_t d, float *restrict out, size_t ldo, float *restrict bt, int avx2)
{
    for (size_t j = 0; j < nb; j++)
        for (size_t t = 0; t < d; t++)
            bt[t * nb + j] = b[j * d + t];
    for (size_t i = 0; i < na; i++) {
        float *restrict row = out + i * ldo;
        const float *ai = a + i * d;
        memset(row, 0, nb * sizeof *row);
        for (size_t t = 0; t < d; t++) {
            const float xv = ai[t];
            const float *restrict col = bt + t * nb;
#ifdef MOOD__AVX2_KERNELS
            if (avx2) {
                mood__sqdiff_acc_avx2(row, xv, col, nb);
                continue;
            }
#else
            (void)avx2;
#endif
#ifdef _OPENMP
#pragma omp simd
#endif
            for (size_t j = 0; j < nb; j++) {
                float diff = xv - col[j];
                row[j] += diff * diff;
            }
        }
    }
}

#ifdef MOOD_WITH_BLAS
static void sqdist_blas(const float *restrict a, const float *restrict an, size_t na,
                        const float *restrict b, const float *restrict bn, size_t nb, size_t d,
                        float *restrict out, size_t ldo, int avx2)
{
    /* The norms go in first and sgemm adds −2a·b with beta = 1: OpenBLAS then skips its
     * separate pass that scales C by beta, and one pass over the tile is saved. */
    for (size_t i = 0; i < na; i++) {
        float *restrict row = out + i * ldo;
        const float ni = an[i];
#ifdef MOOD__AVX2_KERNELS
        if (avx2) {
            mood__fill_norms_avx2(row, ni, bn, nb);
            continue;
        }
#else
        (void)avx2;
#endif
#ifdef _OPENMP
#pragma omp simd
#endif
        for (size_t j = 0; j < nb; j++)
            row[j] = ni + bn[j];
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)na, (blasint)nb, (blasint)d,
                -2.0f, a, (blasint)d, b, (blasint)d, 1.0f, out, (blasint)ldo);
}
#endif

void mood__sqdist_block(mood__dist_kernel kernel, const float *a, const float *an, size_t na,
                        const float *b, const float *bn, size_t nb, size_t d, float *out,
                        size_t ldo, float *scratch)
{
    const int avx2 = mood__simd_avx2();
#ifdef MOOD_WITH_BLAS
    if (kernel != MOOD__KERNEL_PLAIN) {
        sqdist_blas(a, an, na, b, bn, nb, d, out, ldo, avx2);
        return;
    }
#else
    (void)an;
    (void)bn;
    (void)kernel;
#endif
    sqdist_plain(a, na, b, nb, d, out, ldo, scratch, avx2);
}
