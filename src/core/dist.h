/*
 * The distance kernels of the engine (private, declared as API of core, never installed): one
 * module for k-means (assignment, seeding, Lloyd), DBSCAN and spectral (through the k-d tree),
 * the silhouette and the HNSW index, so that each loop exists once and all of them follow the
 * one SIMD dispatch of cpu.h (mood__simd()).
 *
 * Every kernel has a portable form (the reference, dist.c) and, where it pays, an AVX2 form
 * (dist_avx2.c) that gives the same bits: the loops gcc vectorises are the same C compiled
 * twice (dist_loops.h, AVX2 without FMA, so that no multiply-add is contracted), the
 * hand-written argmin kernels only compare, and the candidate dot products combine their
 * eight lanes in the same order in both forms (tests/unit/core/test_dist.c checks all of it). The
 * exceptions say so: the BLAS blocks (sgemm's own order) and the graph kernels (FMA; the index is
 * checked by recall, not bits).
 */
#ifndef MOOD_CORE_DIST_H
#define MOOD_CORE_DIST_H

#include <stddef.h>
#include <stdint.h>

/* ---- one pair of rows ---- */
/* ‖a − b‖² and a·b over d floats, eight float lanes summed in a fixed order. */
float mood__sqdist_f32(const float *restrict a, const float *restrict b, size_t d);
float mood__dot_f32(const float *restrict a, const float *restrict b, size_t d);
/* ‖a − b‖² and ‖a‖² with double accumulation in index order (exact-order reference sums). */
double mood__sqdist_f64(const float *a, const float *b, size_t d);
double mood__sqnorm_f64(const float *a, size_t d);
/* s[l] += x[l] for l < d (a row into double sums). */
void mood__add_row_f64(double *restrict s, const float *restrict x, size_t d);
/* Sequential sums in index order (the exact k-NN search's reference, recommend/knn.c). */
float mood__sqdist_seq_f32(const float *a, const float *b, size_t d);
float mood__dot_seq_f32(const float *a, const float *b, size_t d);
/* out[i] = x_i·q for n rows of x (eight lanes, the tail into lane 0; recommend/knn.c's BLAS-free
 * blocks). */
void mood__dots_rows_f32(const float *restrict x, size_t n, size_t d, const float *restrict q,
                         float *restrict out);
/* Dot products of row x with L ≤ 8 candidate rows c (L×d) into out[L]; each value is the
 * same whether the candidate comes alone or among others. */
void mood__dots_f32(const float *restrict x, size_t d, const float *restrict c, size_t L,
                    float *restrict out);

/* ---- minima ---- */
/* One step of a running minimum and second minimum: value v of candidate j (exact: only
 * comparisons, lowest index kept on ties). */
static inline void mood__min2_step(float v, size_t j, float *m1, float *m2, size_t *best)
{
    if (v < *m1) {
        *m2 = *m1;
        *m1 = v;
        *best = j;
    } else if (v < *m2) {
        *m2 = v;
    }
}
/* Index of the smallest of D[0..k) (lowest index on ties), its value, and the second smallest
 * value (INFINITY when k = 1) when out_b2 is not NULL. */
size_t mood__argmin2(const float *restrict D, size_t k, float *out_b1, float *out_b2);
/* argmin over D[j] + cnorm[j] (D = −2x·c), returning the squared distances (+ xn, clamped at
 * 0) of the best and, when out_b2, the second best. */
size_t mood__argmin2_norms(const float *restrict D, const float *restrict cnorm, size_t k, float xn,
                           float *out_b1, float *out_b2);
/* Per data row i of the transposed block Dt (k×b): best centre, its squared distance
 * Dt[j][i] + cn[j] + xn[i] clamped at 0, and the second best (b2 may be NULL). */
void mood__argmin_cols(const float *restrict Dt, const float *restrict cn, size_t k, size_t b,
                       const float *restrict xn, int32_t *restrict lab, float *restrict b1,
                       float *restrict b2);

/* ---- blocks of rows × centres ---- */
/* D (b×k) = −2·x·c through the transposed centres ct (d×k). */
void mood__dots_plain(const float *restrict x, size_t b, size_t d, const float *restrict ct,
                      size_t k, float *restrict D);
/* Dt (k×b) = −2·c·xᵀ through a transposed copy of the rows (xt: d×b scratch). */
void mood__dots_plain_t(const float *restrict x, size_t b, size_t d, const float *restrict c,
                        size_t k, float *restrict xt, float *restrict Dt);
/* D[i][j] = max(D[i][j] + xnorm[i] + cnorm[j], 0): −2x·c into squared distances. */
void mood__dots_finish(float *restrict D, size_t b, size_t k, const float *restrict xnorm,
                       const float *restrict cnorm);
/* Non-zero when the library was built with OpenBLAS (MOOD_WITH_BLAS). */
int mood__have_blas(void);
/* out (na×nb, row stride ldo) += −2·a·bᵀ by one cblas_sgemm (beta = 1: OpenBLAS then skips
 * its separate pass over C). Without BLAS, the same through mood__dots_plain-like loops. */
void mood__dots_gemm(const float *a, size_t na, const float *b, size_t nb, size_t d, float *out,
                     size_t ldo);
/*
 * OpenBLAS here is the pthread build: it must run single-threaded inside our OpenMP regions
 * (each thread calls sgemm on its own block). The first caller sets one thread, the last one
 * restores the setting (fits and silhouettes run at once in server jobs).
 */
int mood__blas_threads_single(void);
void mood__blas_threads_restore(int saved);

/* ---- blocks of rows × rows (the exact silhouette) ---- */
typedef enum mood__dist_kernel {
    MOOD__KERNEL_AUTO = 0,  /* BLAS when built with it, plain otherwise */
    MOOD__KERNEL_PLAIN = 1, /* direct differences, always built */
    MOOD__KERNEL_BLAS = 2 /* ‖x‖² − 2x·y + ‖y‖² through cblas_sgemm (MOOD_WITH_BLAS only) */
} mood__dist_kernel;
/*
 * Squared Euclidean distances between the rows of a (na×d) and b (nb×d), both row-major and
 * contiguous, into out (na×nb, row stride ldo). an / bn are the rows' squared norms (used by
 * the BLAS kernel only). scratch holds at least d*nb floats (the plain kernel transposes b into
 * it). The BLAS kernel's rounding can leave small negative values: clamp before sqrt.
 * Single-threaded: callers parallelise over blocks.
 */
void mood__sqdist_block(mood__dist_kernel kernel, const float *a, const float *an, size_t na,
                        const float *b, const float *bn, size_t nb, size_t d, float *out,
                        size_t ldo, float *scratch);
/*
 * One row of squared distances reduced per column run: run_sums[r] = Σ sqrt(max(q, 0)) in
 * double over columns runs[r]..runs[r+1]-1, and colacc[j] += each distance unless colacc is
 * NULL.
 */
void mood__sqrt_run_sums(const float *row, const size_t *runs, size_t n_runs, double *run_sums,
                         double *colacc);

/* ---- graph search (HNSW) ---- */
/* Distance of two rows (squared euclidean, or 1 − a·b for unit rows). */
typedef float (*mood__pair_fn)(const float *a, const float *b, size_t d);
/* out[i] = distance of q to the row at base + ids[i]·stride, for cnt ids. */
typedef void (*mood__batch_fn)(const float *q, const char *base, size_t stride, const uint32_t *ids,
                               size_t cnt, size_t d, float *out);
/* The graph kernels for the metric (@p cosine: 1 − a·b), AVX2+FMA at MOOD_SIMD_AVX2. */
void mood__graph_kernels(int cosine, mood__pair_fn *pair, mood__batch_fn *batch);

#endif
