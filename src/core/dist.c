/*
 * The distance kernels of dist.h: the portable builds (the reference), the dispatch of each
 * kernel on mood__simd() (cpu.h) to its AVX2 build in dist_avx2.c, and the BLAS blocks.
 *
 * The silhouette's blocked kernel computes ‖a‖² − 2a·b + ‖b‖² with one cblas_sgemm per block
 * (faiss's approach in faiss/utils/distances.cpp): the O(na·nb·d) work runs at the machine's
 * FMA rate and only O(na·nb) passes remain. Its weakness is cancellation for points far from
 * the origin, which the silhouette avoids by centring the data first. Its plain form sums the
 * squared differences directly, features outside and b's rows inside on a transposed copy of
 * b, so that the inner loop is unit-stride and vectorises.
 */
#include "dist.h"

#include "cpu.h"
#include "dist_simd.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

#ifdef MOOD_WITH_BLAS
#include <cblas.h> /* OpenBLAS's: also declares openblas_{set,get}_num_threads */
#endif

#define DIST_FN(name) name##_portable
#define DIST_TARGET   static inline
#include "dist_loops.h"

/* Non-zero when the AVX2 builds may run (built, and mood__simd() at least AVX2). */
static inline int use_avx2(void)
{
#ifdef MOOD_DIST_AVX2
    return mood__simd_fast() >= MOOD_SIMD_AVX2;
#else
    return 0;
#endif
}

#ifdef MOOD_DIST_AVX2
#define DISPATCH(call) (use_avx2() ? call##_avx2 : call##_portable)
#else
#define DISPATCH(call) call##_portable
#endif

/* ---------------------------------------------------------------- one pair of rows */
float mood__sqdist_f32(const float *restrict a, const float *restrict b, size_t d)
{
    return DISPATCH(sqdist_f32)(a, b, d);
}

float mood__dot_f32(const float *restrict a, const float *restrict b, size_t d)
{
    return DISPATCH(dot_f32)(a, b, d);
}

double mood__sqdist_f64(const float *a, const float *b, size_t d)
{
    double s = 0.0;
    for (size_t l = 0; l < d; l++) {
        double e = (double)a[l] - (double)b[l];
        s += e * e;
    }
    return s;
}

double mood__sqnorm_f64(const float *a, size_t d)
{
    double s = 0.0;
    for (size_t l = 0; l < d; l++)
        s += (double)a[l] * (double)a[l];
    return s;
}

float mood__sqdist_seq_f32(const float *a, const float *b, size_t d)
{
    float acc = 0.0f;
    for (size_t j = 0; j < d; j++) {
        float t = a[j] - b[j];
        acc += t * t;
    }
    return acc;
}

float mood__dot_seq_f32(const float *a, const float *b, size_t d)
{
    float acc = 0.0f;
    for (size_t j = 0; j < d; j++)
        acc += a[j] * b[j];
    return acc;
}

void mood__dots_rows_f32(const float *restrict x, size_t n, size_t d, const float *restrict q,
                         float *restrict out)
{
    DISPATCH(dots_rows_f32)(x, n, d, q, out);
}

void mood__add_row_f64(double *restrict s, const float *restrict x, size_t d)
{
    DISPATCH(add_row_f64)(s, x, d);
}

/* Portable dot products of one row with L candidates: eight lanes combined as the AVX2
 * kernel's horizontal sum does, ((0+4) + (2+6)) + ((1+5) + (3+7)), so both give the same bits. */
static void dots_portable(const float *restrict x, size_t d, const float *restrict c, size_t L,
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
        float s = ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]));
        for (; j < d; j++)
            s += x[j] * c[t * d + j];
        out[t] = s;
    }
}

void mood__dots_f32(const float *restrict x, size_t d, const float *restrict c, size_t L,
                    float *restrict out)
{
#ifdef MOOD_DIST_AVX2
    if (use_avx2() && d >= 8) {
        mood__dots_avx2(x, d, c, L, out);
        return;
    }
#endif
    dots_portable(x, d, c, L, out);
}

/* ---------------------------------------------------------------- minima */
size_t mood__argmin2(const float *restrict D, size_t k, float *out_b1, float *out_b2)
{
#ifdef MOOD_DIST_AVX2
    if (use_avx2())
        return mood__argmin2_avx2(D, NULL, k, out_b1, out_b2);
#endif
    return argmin2_scalar_portable(D, NULL, k, out_b1, out_b2);
}

size_t mood__argmin2_norms(const float *restrict D, const float *restrict cnorm, size_t k, float xn,
                           float *out_b1, float *out_b2)
{
    size_t best;
#ifdef MOOD_DIST_AVX2
    if (use_avx2())
        best = mood__argmin2_avx2(D, cnorm, k, out_b1, out_b2);
    else
#endif
        best = argmin2_scalar_portable(D, cnorm, k, out_b1, out_b2);
    /* ‖x‖² is the same for every centre: added to the two minima only, then clamped. */
    float b1 = *out_b1 + xn;
    *out_b1 = b1 > 0.0f ? b1 : 0.0f;
    if (out_b2) {
        float b2 = *out_b2 + xn;
        *out_b2 = b2 > 0.0f ? b2 : 0.0f;
    }
    return best;
}

void mood__argmin_cols(const float *restrict Dt, const float *restrict cn, size_t k, size_t b,
                       const float *restrict xn, int32_t *restrict lab, float *restrict b1,
                       float *restrict b2)
{
#ifdef MOOD_DIST_AVX2
    if (use_avx2()) {
        mood__argmin_cols_avx2(Dt, cn, k, b, xn, lab, b1, b2);
        return;
    }
#endif
    argmin_cols_scalar_portable(Dt, cn, k, b, 0, xn, lab, b1, b2);
}

/* ---------------------------------------------------------------- rows × centres */
void mood__dots_plain(const float *restrict x, size_t b, size_t d, const float *restrict ct,
                      size_t k, float *restrict D)
{
    DISPATCH(dots_plain)(x, b, d, ct, k, D);
}

void mood__dots_plain_t(const float *restrict x, size_t b, size_t d, const float *restrict c,
                        size_t k, float *restrict xt, float *restrict Dt)
{
    DISPATCH(dots_plain_t)(x, b, d, c, k, xt, Dt);
}

void mood__dots_finish(float *restrict D, size_t b, size_t k, const float *restrict xnorm,
                       const float *restrict cnorm)
{
    DISPATCH(dots_finish)(D, b, k, xnorm, cnorm);
}

int mood__have_blas(void)
{
#ifdef MOOD_WITH_BLAS
    return 1;
#else
    return 0;
#endif
}

void mood__dots_gemm(const float *a, size_t na, const float *b, size_t nb, size_t d, float *out,
                     size_t ldo)
{
#ifdef MOOD_WITH_BLAS
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)na, (blasint)nb, (blasint)d,
                -2.0f, a, (blasint)d, b, (blasint)d, 1.0f, out, (blasint)ldo);
#else
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            out[i * ldo + j] += -2.0f * mood__dot_f32(a + i * d, b + j * d, d);
#endif
}

#ifdef MOOD_WITH_BLAS
/*
 * OpenBLAS's thread count is process-wide. Fits running at once in server jobs used to save
 * and restore it independently, so an interleaving (A saves 4 and sets 1, B saves 1, A
 * restores 4 while B still runs, B restores 1) left it wrong or changed it under a running
 * sgemm. The first caller saves it and sets 1, the last one restores it.
 */
static pthread_mutex_t blas_lock = PTHREAD_MUTEX_INITIALIZER;
static int blas_users, blas_saved = 1;

int mood__blas_threads_single(void)
{
    int saved;
    pthread_mutex_lock(&blas_lock);
    if (blas_users++ == 0) {
        blas_saved = openblas_get_num_threads();
        if (blas_saved != 1)
            openblas_set_num_threads(1);
    }
    saved = blas_saved;
    pthread_mutex_unlock(&blas_lock);
    return saved;
}

void mood__blas_threads_restore(int saved)
{
    (void)saved; /* the first caller's value is the one restored */
    pthread_mutex_lock(&blas_lock);
    if (blas_users > 0 && --blas_users == 0 && blas_saved != 1)
        openblas_set_num_threads(blas_saved);
    pthread_mutex_unlock(&blas_lock);
}
#else
int mood__blas_threads_single(void)
{
    return 1;
}

void mood__blas_threads_restore(int saved)
{
    (void)saved;
}
#endif

/* ---------------------------------------------------------------- rows × rows */
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
#ifdef MOOD_DIST_AVX2
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
    /* The norms go in first and sgemm adds −2a·b with beta = 1. */
    for (size_t i = 0; i < na; i++) {
        float *restrict row = out + i * ldo;
        const float ni = an[i];
#ifdef MOOD_DIST_AVX2
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
    mood__dots_gemm(a, na, b, nb, d, out, ldo);
}
#endif

void mood__sqdist_block(mood__dist_kernel kernel, const float *a, const float *an, size_t na,
                        const float *b, const float *bn, size_t nb, size_t d, float *out,
                        size_t ldo, float *scratch)
{
    const int avx2 = use_avx2();
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

void mood__sqrt_run_sums(const float *row, const size_t *runs, size_t n_runs, double *run_sums,
                         double *colacc)
{
#ifdef MOOD_DIST_AVX2
    if (use_avx2()) {
        mood__sqrt_run_sums_avx2(row, runs, n_runs, run_sums, colacc);
        return;
    }
#endif
    for (size_t r = 0; r < n_runs; r++) {
        double sum = 0.0;
        for (size_t j = runs[r]; j < runs[r + 1]; j++) {
            const float q = row[j] > 0.0f ? row[j] : 0.0f;
            const double v = (double)sqrtf(q);
            sum += v;
            if (colacc)
                colacc[j] += v;
        }
        run_sums[r] = sum;
    }
}

/* ---------------------------------------------------------------- graph search */
static float l2_ref(const float *a, const float *b, size_t d)
{
    return mood__sqdist_f32(a, b, d);
}

static float ip_ref(const float *a, const float *b, size_t d)
{
    return 1.0f - mood__dot_f32(a, b, d);
}

static void l2_batch_ref(const float *q, const char *base, size_t stride, const uint32_t *ids,
                         size_t cnt, size_t d, float *out)
{
    for (size_t i = 0; i < cnt; i++)
        out[i] = l2_ref(q, (const float *)(base + (size_t)ids[i] * stride), d);
}

static void ip_batch_ref(const float *q, const char *base, size_t stride, const uint32_t *ids,
                         size_t cnt, size_t d, float *out)
{
    for (size_t i = 0; i < cnt; i++)
        out[i] = ip_ref(q, (const float *)(base + (size_t)ids[i] * stride), d);
}

void mood__graph_kernels(int cosine, mood__pair_fn *pair, mood__batch_fn *batch)
{
    *pair = cosine ? ip_ref : l2_ref;
    *batch = cosine ? ip_batch_ref : l2_batch_ref;
#ifdef MOOD_DIST_AVX2
    if (use_avx2()) {
        *pair = cosine ? mood__graph_ip_avx2 : mood__graph_l2_avx2;
        *batch = cosine ? mood__graph_ip_batch_avx2 : mood__graph_l2_batch_avx2;
    }
#endif
}
