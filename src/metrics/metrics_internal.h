/*
 * Private helpers of the metrics subsystem: label validation, per-group statistics shared by
 * Calinski-Harabasz / Davies-Bouldin / inertia, and the exact silhouette with a choice of
 * distance kernel (core/dist.h). Tests include this header to force one kernel or the other.
 */
#ifndef MOOD_METRICS_INTERNAL_H
#define MOOD_METRICS_INTERNAL_H

#include "../core/dist.h" /* mood__dist_kernel: the exact silhouette's kernel choice */

#include <moodscope/status.h>

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
