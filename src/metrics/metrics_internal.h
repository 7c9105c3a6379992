/*
 * Private helpers of the metrics subsystem: label validation, per-group statistics shared by
 * Calinski-Harabasz / Davies-Bouldin / inertia, and the blocked distance kernels behind the
 * exact silhouette. Tests include this header to force one kernel or the other.
 */
#ifndef MOOD_METRICS_INTERNAL_H
#define MOOD_METRICS_INTERNAL_H

#include <moodscope/status.h>

/* Which distance kernel the exact silhouette uses. */
typedef enum mood__dist_kernel {
    MOOD__KERNEL_AUTO = 0,  /* BLAS when built with it, plain otherwise */
    MOOD__KERNEL_PLAIN = 1, /* direct differences, always built */
    MOOD__KERNEL_BLAS = 2 /* ‖x‖² − 2x·y + ‖y‖² through cblas_sgemm (MOOD_WITH_BLAS only) */
} mood__dist_kernel;

/* Non-zero when the library was built with the BLAS kernel. */
int mood__have_blas_kernel(void);
/*
 * Set OpenBLAS's own thread count and return the previous one (no-op returning 1 without
 * BLAS). The silhouette runs one single-threaded sgemm per tile inside its OpenMP region.
 */
int mood__blas_threads_set(int n);

/*
 * AVX2 + FMA loops (distance_avx2.c), used when mood__simd_avx2() says so.
 * fill_norms: row[j] = ni + bn[j]; sqdiff_acc: row[j] += (xv - col[j])²;
 * tile_row: for each run r of columns runs[r]..runs[r+1]-1 of a row of squared distances,
 * run_sums[r] = Σ sqrt(max(q, 0)) in double, and colacc[j] += sqrt(max(q_j, 0)) unless colacc
 * is NULL.
 */
#if defined(__x86_64__) && defined(__GNUC__)
#define MOOD__AVX2_KERNELS 1
void mood__fill_norms_avx2(float *row, float ni, const float *bn, size_t n);
void mood__sqdiff_acc_avx2(float *row, float xv, const float *col, size_t n);
void mood__tile_row_avx2(const float *row, const size_t *runs, size_t n_runs, double *run_sums,
                         double *colacc);
#endif
/* Non-zero when the AVX2 loops are built, the CPU has AVX2 and FMA, and they are not forced
 * off. */
int mood__simd_avx2(void);
/* Tests: 1 forces the portable loops, 0 allows AVX2 again. Not thread-safe. */
void mood__simd_force_scalar(int on);

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
 * Check that labels are in -1..k-1 (fn names the caller in the message). counts (k entries,
 * may be NULL) receives the rows per group, n_noise (may be NULL) the rows labelled -1.
 */
mood_status mood__check_labels(const char *fn, const int32_t *labels, size_t n, size_t k,
                               size_t *counts, size_t *n_noise);

/*
 * Exact mean silhouette of the rows listed in rows (m entries; NULL = rows 0..m-1 of x), whose
 * labels are all in 0..k-1 and span at least 2 groups with fewer groups than rows.
 * n_threads 0 = OpenMP default. The result does not depend on the thread count.
 */
mood_status mood__silhouette_exact(const float *x, size_t d, const size_t *rows, size_t m,
                                   const int32_t *labels, size_t k, mood__dist_kernel kernel,
                                   int n_threads, double *out);

/* mood_silhouette() that also reports the rows it scored (out_used may be NULL). */
struct mood_silhouette_params;
mood_status mood__silhouette(const float *x, size_t n, size_t d, const int32_t *labels, size_t k,
                             const struct mood_silhouette_params *p, double *out, int *out_sampled,
                             size_t *out_used);

/* Per-group statistics of the non-noise rows, computed in two passes over the data. */
typedef struct mood__group_stats {
    size_t k;          /* groups as given (some may be empty) */
    size_t k_nonempty; /* groups with at least one row */
    size_t n_scored;   /* rows not labelled -1 */
    size_t *counts;    /* k */
    double *means;     /* k×d group means (0 for empty groups) */
    double *mean_all;  /* d, mean of the scored rows */
    double *sqdist;    /* k, Σ‖x − μ_c‖² per group */
    double *dist;      /* k, Σ‖x − μ_c‖ per group */
} mood__group_stats;

/* Validate inputs (fn names the caller) and fill st; release with mood__group_stats_free(). */
mood_status mood__group_stats_compute(const char *fn, const float *x, size_t n, size_t d,
                                      const int32_t *labels, size_t k, mood__group_stats *st);
void mood__group_stats_free(mood__group_stats *st);

#endif
