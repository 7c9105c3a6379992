/*
 * The row × centre squared-distance block every centroid algorithm shares: the centres
 * prepared once per step (transposed copy, norms, the fused kernel's packing) and the choice
 * per shape between the two kernels of core/dist.h, OpenBLAS sgemm (‖x‖² − 2x·c + ‖c‖², as
 * faiss and scikit-learn do) where k·d is large enough for a matrix product to beat a loop,
 * and the plain loop over the transposed centres. Both are always built; tests force each and
 * compare them. Also the thread-count and chunking helpers of the engine.
 */
#include "kmeans_internal.h"

#include "../core/internal.h"

#include <math.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

int mood__km_threads(int requested)
{
#ifdef _OPENMP
    if (requested > 0)
        return requested;
    return omp_get_max_threads();
#else
    (void)requested;
    return 1;
#endif
}

static double par_threshold = 3.2e7;

void mood__km_set_par_threshold(double flops)
{
    par_threshold = flops;
}

int mood__par_threads(int requested, double work)
{
    return work < par_threshold ? 1 : mood__km_threads(requested);
}

/*
 * Chunks of at least 2048 rows, at most ~1024 of them, and at most 64 MB of per-chunk partial
 * state in total: all three depend on the problem only, so the summation order is fixed.
 */
void mood__km_chunks(size_t n, size_t partial_bytes, km_chunks *out)
{
    size_t rows = (n + 1023) / 1024;
    if (rows < 2048)
        rows = 2048;
    size_t max_chunks = partial_bytes ? (size_t)(64u << 20) / partial_bytes : SIZE_MAX;
    if (max_chunks < 16)
        max_chunks = 16;
    size_t count = (n + rows - 1) / rows;
    if (count > max_chunks)
        rows = (n + max_chunks - 1) / max_chunks;
    if (rows == 0)
        rows = 1;
    out->n = n;
    out->rows = rows;
    out->count = n ? (n + rows - 1) / rows : 0;
}

size_t mood__km_block_rows(size_t k)
{
    size_t b = (size_t)32768 / (k ? k : 1);
    if (b > 256)
        b = 256;
    if (b < 16)
        b = 16;
    return b;
}

/*
 * sgemm pays once the product has enough work per row; below k·d = 256 (k = 8, d = 32) the
 * call overhead and the packing of the centre matrix dominate and the plain loop is faster
 * (measured by bench/cluster/bench_kernel.c on this machine).
 */
int mood__km_use_blas(mood_kmeans_kernel kern, size_t k, size_t d)
{
#ifdef MOOD_WITH_BLAS
    if (kern == MOOD_KMEANS_KERNEL_PLAIN)
        return 0;
    if (kern == MOOD_KMEANS_KERNEL_BLAS)
        return 1;
    return k >= 16 && k * d >= 256 ? 2 : 0;
#else
    (void)kern;
    (void)k;
    (void)d;
    return 0;
#endif
}

mood_status mood__km_centres_init(km_centres *cs, size_t k, size_t d, int blas)
{
    memset(cs, 0, sizeof *cs);
    cs->k = k;
    cs->d = d;
    cs->blas = blas;
    cs->ct = mood__malloc_array(k * d, sizeof(float));
    cs->cnorm = mood__malloc_array(k, sizeof(float));
    /* Automatic choice: the fused kernel (kmeans_assign.c) where it fits; faster than sgemm
     * at 1M × 32, k = 64 (notes/issue14-I.md) and independent of OPENBLAS_CORETYPE. */
    cs->fused = blas == 2 && k <= 256 && d <= 64 && mood__km_fused_cpu();
    if (cs->fused) {
        cs->ctp = mood__malloc_array(mood__km_fused_kp(k) * d, sizeof(float));
        cs->cnp = mood__malloc_array(mood__km_fused_kp(k), sizeof(float));
    }
    if (!cs->ct || !cs->cnorm || (cs->fused && (!cs->ctp || !cs->cnp))) {
        mood__km_centres_free(cs);
        return mood__enomem("kmeans: centres");
    }
    return MOOD_OK;
}

void mood__km_centres_set(km_centres *cs, const float *c)
{
    size_t k = cs->k, d = cs->d;
    cs->c = c;
    for (size_t j = 0; j < k; j++) {
        double s = 0.0;
        for (size_t l = 0; l < d; l++) {
            float v = c[j * d + l];
            cs->ct[l * k + j] = v;
            s += (double)v * (double)v;
        }
        cs->cnorm[j] = (float)s;
    }
    if (cs->fused)
        mood__km_fused_pack(c, k, d, cs->ctp, cs->cnp, cs->cnorm);
}

void mood__km_centres_free(km_centres *cs)
{
    mood__free(cs->ct);
    mood__free(cs->cnorm);
    mood__free(cs->ctp);
    mood__free(cs->cnp);
    cs->ct = NULL;
    cs->cnorm = NULL;
    cs->ctp = NULL;
    cs->cnp = NULL;
}

void mood__km_dots_block(const km_centres *cs, const float *x, size_t b, float *D)
{
    size_t k = cs->k, d = cs->d;
    if (cs->blas) {
        memset(D, 0, b * k * sizeof(float)); /* beta = 1: see mood__km_dots_block_t */
        mood__dots_gemm(x, b, cs->c, k, d, D, k);
        return;
    }
    mood__dots_plain(x, b, d, cs->ct, k, D);
}

void mood__km_dots_block_t(const km_centres *cs, const float *x, size_t b, float *xt, float *Dt)
{
    size_t k = cs->k, d = cs->d;
    if (cs->fused) {
        /* the fused kernel's chains, so that every caller agrees with mood__km_assign_block */
        (void)xt;
        mood__km_fused_dots_t(cs, x, b, Dt);
        return;
    }
    if (cs->blas) {
        /*
         * beta = 1 on a block we zero ourselves: with beta = 0 OpenBLAS 0.3.21 first clears C
         * with a scalar store loop (sgemm_beta_ZEN), which profiled at 12% of an iteration;
         * memset plus beta = 1 makes the call 21% faster at this shape.
         */
        memset(Dt, 0, k * b * sizeof(float));
        mood__dots_gemm(cs->c, k, x, b, d, Dt, b);
        return;
    }
    mood__dots_plain_t(x, b, d, cs->c, k, xt, Dt);
}

void mood__km_dist_block(const km_centres *cs, const float *x, const float *xnorm, size_t b,
                         float *D)
{
    mood__km_dots_block(cs, x, b, D);
    mood__dots_finish(D, b, cs->k, xnorm, cs->cnorm);
}

void mood__km_row_norms(const float *x, size_t n, size_t d, int n_threads, float *out)
{
    (void)n_threads;
    long long nn = (long long)n;
#ifdef _OPENMP
#pragma omp parallel for num_threads(mood__par_threads(n_threads, (double)n *(double)d))           \
    schedule(static)
#endif
    for (long long ii = 0; ii < nn; ii++) {
        const float *xi = x + (size_t)ii * d;
        out[ii] = (float)mood__sqnorm_f64(xi, d);
    }
}

mood_status mood__check_finite(const char *what, const float *x, size_t n, size_t d, int n_threads)
{
    (void)n_threads;
    size_t total = n * d;
    long long first = (long long)total;
    long long nt = (long long)total;
#ifdef _OPENMP
#pragma omp parallel for num_threads(mood__par_threads(n_threads, (double)total)) schedule(static) \
    reduction(min                                                                                  \
              : first)
#endif
    for (long long i = 0; i < nt; i++) {
        if (!isfinite(x[i]) && i < first)
            first = i;
    }
    if ((size_t)first < total)
        return mood__error(MOOD_EINVAL, "%s: row %zu column %zu is %s (impute or drop it first)",
                           what, (size_t)first / d, (size_t)first % d,
                           isnan(x[first]) ? "NaN" : "infinite");
    return MOOD_OK;
}
