/**
 * @file kmeans.h
 * @brief The k-means engine under mood_cluster_fit(): seeding (greedy k-means++ as scikit-learn
 * does it, k-means||), Lloyd iterations with Hamerly bounds, nearest-centre assignment.
 *
 * Use this header when you need what the generic API hides: given initial centroids (the bench
 * starts every peer from the same ones), the choice of distance kernel, timings of the seeding
 * and of the iterations.
 * @code
 * mood_kmeans_params p;
 * mood_kmeans_params_default(&p);
 * p.k = 64; p.seed = 1; p.n_init = 1;
 * float *c = malloc(64 * d * sizeof *c);
 * int32_t *lab = malloc(n * sizeof *lab);
 * mood_kmeans_result r;
 * if (mood_kmeans_fit(&p, x, n, d, c, lab, &r) == MOOD_OK)
 *     printf("inertia %g after %zu iterations\n", r.inertia, r.n_iter);
 * @endcode
 * References: Arthur & Vassilvitskii, "k-means++", SODA 2007 (greedy variant as in
 * scikit-learn 1.2 `_kmeans_plusplus`); Bahmani et al., "Scalable k-means++", VLDB 2012;
 * Hamerly, "Making k-means even faster", SDM 2010.
 *
 * Results for a given seed do not depend on the number of threads: rows are processed in fixed
 * chunks whose partial sums are combined in chunk order.
 */
#ifndef MOODSCOPE_KMEANS_H
#define MOODSCOPE_KMEANS_H

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How the first centroids are chosen. */
typedef enum mood_kmeans_init {
    MOOD_KMEANS_INIT_AUTO = 0,     /**< greedy k-means++ up to 500k rows, k-means|| above */
    MOOD_KMEANS_INIT_PLUSPLUS = 1, /**< greedy k-means++ (2 + ln k candidates per step) */
    MOOD_KMEANS_INIT_PARALLEL = 2, /**< k-means|| (5 rounds, oversampling 2k), then weighted ++ */
    MOOD_KMEANS_INIT_RANDOM = 3,   /**< k distinct rows chosen uniformly */
    MOOD_KMEANS_INIT_GIVEN = 4     /**< params.init_centroids (n_init is then 1) */
} mood_kmeans_init;

/** Distance kernel for the row × centre blocks. */
typedef enum mood_kmeans_kernel {
    MOOD_KMEANS_KERNEL_AUTO = 0,  /**< sgemm where k·d pays, the plain loop elsewhere */
    MOOD_KMEANS_KERNEL_PLAIN = 1, /**< vectorisable C loop (always built) */
    MOOD_KMEANS_KERNEL_BLAS = 2   /**< OpenBLAS cblas_sgemm (plain when built without BLAS) */
} mood_kmeans_kernel;

/** Lloyd variant. */
typedef enum mood_kmeans_bounds {
    MOOD_KMEANS_BOUNDS_AUTO = 0,   /**< Hamerly (chosen by measurement, see bench/RESULTS.md) */
    MOOD_KMEANS_BOUNDS_NONE = 1,   /**< every distance every iteration */
    MOOD_KMEANS_BOUNDS_HAMERLY = 2 /**< one upper and one lower bound per row */
} mood_kmeans_bounds;

/** Options of mood_kmeans_fit(); fill with mood_kmeans_params_default(). */
typedef struct mood_kmeans_params {
    size_t k;              /**< groups; default 8 */
    uint64_t seed;         /**< default 0 */
    size_t n_init;         /**< restarts, lowest inertia kept; default 10 */
    size_t max_iter;       /**< default 300 */
    double tol;            /**< stop when Σ‖Δc‖² ≤ tol · mean column variance; 1e-4 */
    int n_threads;         /**< 0 = all cores */
    mood_kmeans_init init; /**< default AUTO */
    const float *init_centroids; /**< k×d, borrowed for the call, when init == GIVEN */
    mood_kmeans_kernel kernel;   /**< default AUTO */
    mood_kmeans_bounds bounds;   /**< default AUTO */
    mood_progress_fn progress;   /**< stage "kmeans"; may be NULL */
    void *progress_user;
} mood_kmeans_params;

/** What a fit reports beside centroids and labels. */
typedef struct mood_kmeans_result {
    double inertia;        /**< Σ squared distance of each row to its centre (double) */
    size_t n_iter;         /**< Lloyd iterations of the kept restart */
    size_t best_init;      /**< index of the kept restart */
    double seed_seconds;   /**< wall time spent seeding, all restarts */
    double iter_seconds;   /**< wall time spent in Lloyd iterations, all restarts */
    size_t distance_evals; /**< row-centre distances computed, all restarts (bounds skip some) */
} mood_kmeans_result;

/** @brief Fill @p p with the documented defaults. */
MOOD_API void mood_kmeans_params_default(mood_kmeans_params *p);

/**
 * @brief Lloyd k-means with scikit-learn's stopping rule (labels unchanged, or centre shift
 * below tol), empty clusters re-seeded from the rows farthest from their centres.
 * @param x n×d row-major, finite values (borrowed).
 * @param out_centroids caller buffer of k×d floats.
 * @param out_labels caller buffer of n labels in 0..k-1.
 * @param out result figures, or NULL.
 * @return ::MOOD_EINVAL (k = 0, k > n, NaN/Inf in x, missing init_centroids), ::MOOD_ENOMEM,
 * ::MOOD_ECANCELED. Thread-safe for distinct buffers.
 */
MOOD_API mood_status mood_kmeans_fit(const mood_kmeans_params *p, const float *x, size_t n,
                                     size_t d, float *out_centroids, int32_t *out_labels,
                                     mood_kmeans_result *out);

/**
 * @brief Seeding only: @p init (PLUSPLUS, PARALLEL, RANDOM or AUTO) from @p seed.
 * @param out_centroids caller buffer of k×d floats.
 */
MOOD_API mood_status mood_kmeans_seed(const float *x, size_t n, size_t d, size_t k,
                                      mood_kmeans_init init, uint64_t seed, int n_threads,
                                      float *out_centroids);

/**
 * @brief Nearest centre of every row (ties to the lowest index).
 * @param out_labels n labels; @param out_dist_sq n squared distances, or NULL.
 * @param out_inertia sum of the squared distances (double), or NULL.
 */
MOOD_API mood_status mood_kmeans_assign(const float *centroids, size_t k, const float *x, size_t n,
                                        size_t d, mood_kmeans_kernel kernel, int n_threads,
                                        int32_t *out_labels, float *out_dist_sq,
                                        double *out_inertia);

#ifdef __cplusplus
}
#endif
#endif
