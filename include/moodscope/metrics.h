/**
 * @file metrics.h
 * @brief Judging a grouping: internal scores (silhouette, Calinski-Harabasz, Davies-Bouldin,
 * inertia), external scores against known labels (ARI, NMI, purity, contingency) and the
 * composite score that ranks runs.
 *
 * Labels are int32 in 0..k-1; -1 marks noise (DBSCAN) and such rows are left out of internal
 * scores. Definitions follow scikit-learn 1.2 so that results agree to 1e-4 relative.
 */
#ifndef MOODSCOPE_METRICS_H
#define MOODSCOPE_METRICS_H

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Silhouette options; zeroed = defaults. */
typedef struct mood_silhouette_params {
    size_t max_exact;   /**< exact when the scored rows ≤ this (0 = 20000); sampled above */
    size_t sample_size; /**< rows in the deterministic sample (0 = 10000) */
    uint64_t seed;      /**< seed of the sample */
    int n_threads;      /**< 0 = OpenMP default; results do not depend on it */
} mood_silhouette_params;

/** Internal scores of one labelling. */
typedef struct mood_internal_scores {
    double silhouette;        /**< mean silhouette in [-1, 1] */
    int silhouette_sampled;   /**< 1 when computed on a sample */
    size_t silhouette_n;      /**< rows used for the silhouette */
    double calinski_harabasz; /**< between/within dispersion ratio (unbounded, grows with n) */
    double davies_bouldin;    /**< mean worst-case similarity, ≥ 0, lower is better */
    double inertia;           /**< sum of squared distances to the group means */
    size_t k;                 /**< groups (noise excluded) */
    size_t n_noise;           /**< rows labelled -1 */
} mood_internal_scores;

/**
 * @brief Mean silhouette (scikit-learn's silhouette_score, euclidean). Exact in O(n²d) through
 * blocked distance computation with O(n·k) memory; a deterministic sample above max_exact.
 *
 * Rows labelled -1 are left out, and only groups with rows count. The sample follows
 * scikit-learn's @c sample_size: a uniform sample of the scored rows drawn from @c p->seed,
 * scored against itself (not against all rows), so it is comparable with
 * silhouette_score(X, labels, sample_size=...). The result is bit-identical for any thread
 * count. Distances run in float (BLAS sgemm tiles when built with BLAS), sums in double.
 * @param p NULL for the defaults. @param out_sampled 1 when sampled, 0 when exact; may be NULL.
 * @return ::MOOD_EINVAL when fewer than 2 groups or k ≥ scored rows (also for the sample),
 * ::MOOD_ENOMEM, ::MOOD_ECANCELED after mood_cancel_request().
 */
MOOD_API mood_status mood_silhouette(const float *x, size_t n, size_t d, const int32_t *labels,
                                     size_t k, const mood_silhouette_params *p, double *out,
                                     int *out_sampled);
/** @brief Calinski-Harabasz index (scikit-learn's calinski_harabasz_score). */
MOOD_API mood_status mood_calinski_harabasz(const float *x, size_t n, size_t d,
                                            const int32_t *labels, size_t k, double *out);
/** @brief Davies-Bouldin index (scikit-learn's davies_bouldin_score). */
MOOD_API mood_status mood_davies_bouldin(const float *x, size_t n, size_t d, const int32_t *labels,
                                         size_t k, double *out);
/** @brief Sum of squared distances of each row to its group mean. */
MOOD_API mood_status mood_inertia(const float *x, size_t n, size_t d, const int32_t *labels,
                                  size_t k, double *out);
/**
 * @brief All internal scores at once (the group means computed once).
 * @return ::MOOD_EINVAL when fewer than 2 non-empty groups or as many groups as scored rows;
 * otherwise as mood_silhouette().
 */
MOOD_API mood_status mood_internal_scores_compute(const float *x, size_t n, size_t d,
                                                  const int32_t *labels, size_t k,
                                                  const mood_silhouette_params *p,
                                                  mood_internal_scores *out);
/**
 * @brief The composite score used to rank runs, in [0, 1], higher is better:
 * 0.5·(silhouette+1)/2 + 0.25·1/(1+DB) + 0.25·CH/(CH+n_eff), where n_eff = n/k bounds the
 * Calinski-Harabasz term so that it cannot swamp the others as n grows.
 */
MOOD_API double mood_composite_score(const mood_internal_scores *s, size_t n);

/** @brief Adjusted Rand index of two labellings of @p n rows (labels ≥ 0; -1 is its own group). */
MOOD_API mood_status mood_ari(const int32_t *a, const int32_t *b, size_t n, double *out);
/** @brief Normalised mutual information (arithmetic mean normalisation, as scikit-learn);
 * labels as for mood_ari(). */
MOOD_API mood_status mood_nmi(const int32_t *a, const int32_t *b, size_t n, double *out);
/** @brief Purity of clusters @p pred against classes @p truth: the share of rows in their
 * cluster's majority class; labels as for mood_ari(). */
MOOD_API mood_status mood_purity(const int32_t *pred, const int32_t *truth, size_t n, double *out);
/**
 * @brief Contingency table: out[i*kb + j] = rows with a == i and b == j.
 * Labels outside 0..ka-1 / 0..kb-1 (noise) are not counted.
 */
MOOD_API mood_status mood_contingency(const int32_t *a, size_t ka, const int32_t *b, size_t kb,
                                      size_t n, size_t *out);
/**
 * @brief Map text labels to dense ids in order of first appearance.
 * @param out_ids n ids; @param out_names receives the distinct names (owned array of owned
 * strings; release each and the array with mood_free()); @param out_k their count.
 * A NULL entry in @p labels reads as "" (a missing text cell).
 */
MOOD_API mood_status mood_labels_encode(const char *const *labels, size_t n, int32_t *out_ids,
                                        char ***out_names, size_t *out_k);

#ifdef __cplusplus
}
#endif
#endif
