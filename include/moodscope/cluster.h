/**
 * @file cluster.h
 * @brief Clustering: one entry point over every algorithm, fitted models that predict and
 * serialise, and automatic choice of k.
 * @code
 * mood_cluster_params p;
 * mood_cluster_params_default(&p);
 * p.algorithm = MOOD_ALGO_KMEANS; p.k = 4; p.seed = 42;
 * mood_cluster_model *m;
 * int32_t *labels = malloc(n * sizeof *labels);
 * if (mood_cluster_fit(&p, x, n, d, &m, labels) == MOOD_OK) {
 *     mood_cluster_predict(m, x_new, n_new, d, labels_new, NULL);
 *     mood_cluster_model_destroy(m);
 * }
 * @endcode
 * Results for a given seed do not depend on the number of threads.
 */
#ifndef MOODSCOPE_CLUSTER_H
#define MOODSCOPE_CLUSTER_H

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Algorithms. */
typedef enum mood_algorithm {
    MOOD_ALGO_KMEANS = 0,    /**< Lloyd k-means, k-means++ seeding, n_init restarts */
    MOOD_ALGO_MINIBATCH = 1, /**< mini-batch k-means */
    MOOD_ALGO_GMM = 2,       /**< Gaussian mixture, EM */
    MOOD_ALGO_DBSCAN = 3,    /**< density-based; label -1 = noise */
    MOOD_ALGO_SPECTRAL = 4   /**< k-NN graph, normalised Laplacian, k-means on eigenvectors */
} mood_algorithm;

/** GMM covariance types. */
typedef enum mood_covariance { MOOD_COV_FULL = 0, MOOD_COV_DIAG = 1 } mood_covariance;

/** Parameters of every algorithm; fill with mood_cluster_params_default(). */
typedef struct mood_cluster_params {
    mood_algorithm algorithm; /**< default k-means */
    size_t k;                 /**< groups (ignored by DBSCAN); default 8 */
    uint64_t seed;            /**< default 0 */
    size_t n_init;            /**< restarts, best kept (k-means, GMM); default 10 */
    size_t max_iter;          /**< default 300 (k-means), 100 (GMM) when 0 */
    double tol;               /**< relative tolerance (scikit-learn's meaning); default 1e-4 */
    int n_threads;            /**< 0 = all cores */
    /* mini-batch */
    size_t batch_size; /**< default 1024 */
    /* GMM */
    mood_covariance covariance; /**< default full */
    double reg_covar;           /**< added to the diagonal; default 1e-6 */
    /* DBSCAN */
    double eps;         /**< neighbourhood radius; 0 = suggest from the k-distance curve */
    size_t min_samples; /**< default 5 */
    /* spectral */
    size_t n_neighbors; /**< k-NN graph degree; default 10 */
    /* progress and cancellation */
    mood_progress_fn progress; /**< may be NULL */
    void *progress_user;
    /**
     * Optional start (n labels in 0..k-1, borrowed for the call): k-means and mini-batch start
     * from the means of these groups, GMM from their one-hot responsibilities (n_init is then
     * 1). NULL (the default) = seeded start. Lets a benchmark start every peer identically.
     */
    const int32_t *init_labels;
} mood_cluster_params;

/** @brief Fill @p p with the documented defaults. */
MOOD_API void mood_cluster_params_default(mood_cluster_params *p);
/** @brief "kmeans" / "minibatch" / "gmm" / "dbscan" / "spectral" to an algorithm. */
MOOD_API mood_status mood_algorithm_parse(const char *name, mood_algorithm *out);
/** @brief Name of @p a. */
MOOD_API const char *mood_algorithm_name(mood_algorithm a);

typedef struct mood_cluster_model mood_cluster_model;

/**
 * @brief Fit @p p.algorithm on @p x (n×d row-major, no NaN).
 * @param out_model receives the fitted model (release with mood_cluster_model_destroy()).
 * @param out_labels caller buffer of n labels (0..k-1, -1 for DBSCAN noise).
 * @return ::MOOD_EINVAL (k < 1, k > n, bad parameters), ::MOOD_ENOMEM, ::MOOD_ECANCELED.
 */
MOOD_API mood_status mood_cluster_fit(const mood_cluster_params *p, const float *x, size_t n,
                                      size_t d, mood_cluster_model **out_model,
                                      int32_t *out_labels);
/**
 * @brief Assign new rows: nearest centroid (k-means family, spectral through its centroids in
 * input space), most probable component (GMM), nearest core point within eps or -1 (DBSCAN).
 * @param out_dist n distances to the assigned centroid / core point, or NULL.
 * @return ::MOOD_EDIM when d differs from the fitted dimension.
 */
MOOD_API mood_status mood_cluster_predict(const mood_cluster_model *m, const float *x, size_t n,
                                          size_t d, int32_t *out_labels, float *out_dist);
/**
 * @brief Soft memberships (GMM posteriors): @p out is n×k. ::MOOD_EUNSUPPORTED for the others.
 */
MOOD_API mood_status mood_cluster_predict_proba(const mood_cluster_model *m, const float *x,
                                                size_t n, size_t d, float *out);
/** @brief Number of groups found (DBSCAN: clusters found, noise excluded). */
MOOD_API size_t mood_cluster_model_k(const mood_cluster_model *m);
/** @brief Input dimension. */
MOOD_API size_t mood_cluster_model_dim(const mood_cluster_model *m);
/** @brief The algorithm that made @p m. */
MOOD_API mood_algorithm mood_cluster_model_algorithm(const mood_cluster_model *m);
/** @brief k×d group centres in the fitted space (means of members for every algorithm). */
MOOD_API const float *mood_cluster_model_centroids(const mood_cluster_model *m);
/** @brief Inertia of the training labels (sum of squared distances to the centres). */
MOOD_API double mood_cluster_model_inertia(const mood_cluster_model *m);
/** @brief Iterations of the kept fit (0 where not iterative). */
MOOD_API size_t mood_cluster_model_iterations(const mood_cluster_model *m);
/** @brief Average log-likelihood per row on the training data (GMM), NaN otherwise. */
MOOD_API double mood_cluster_model_log_likelihood(const mood_cluster_model *m);
/**
 * @brief Serialise to a JSON object text (algorithm, parameters, everything predict needs).
 * @param out_json receives a NUL-terminated string; release with mood_free().
 */
MOOD_API mood_status mood_cluster_model_to_json(const mood_cluster_model *m, char **out_json);
/** @brief Rebuild a model from mood_cluster_model_to_json() output; ::MOOD_EFORMAT names the field.
 */
MOOD_API mood_status mood_cluster_model_from_json(const char *json, mood_cluster_model **out);
/** @brief Release @p m; accepts NULL. */
MOOD_API void mood_cluster_model_destroy(mood_cluster_model *m);

/** One point of the k-selection curve. NaN where a criterion does not apply. */
typedef struct mood_k_point {
    size_t k;
    double silhouette;
    double inertia;
    double calinski_harabasz;
    double davies_bouldin;
    double bic;        /**< GMM only */
    double stability;  /**< mean ARI between bootstrap refits, when requested */
    double aic;        /**< GMM only: −2·log-likelihood + 2·parameters */
    double gap;        /**< gap statistic E*[log W_k] − log W_k, when computed (else NaN) */
    double gap_sd;     /**< its reference spread s_k = sd·sqrt(1 + 1/B), when computed */
    double bic_kmeans; /**< BIC of the hard-assignment spherical Gaussian model (X-means) */
} mood_k_point;

/** How auto-k chooses among the scanned k. */
typedef enum mood_k_criterion {
    /** Zeroed params: silhouette, or BIC for GMM with use_bic (the historical behaviour). */
    MOOD_KCRIT_LEGACY = 0,
    /** Highest mean silhouette. */
    MOOD_KCRIT_SILHOUETTE = 1,
    /**
     * Gap statistic (Tibshirani, Walther & Hastie 2001) against uniform references in the
     * box of the data's principal components; the smallest k with
     * Gap(k) ≥ max Gap − c·s(k*) over the range (Dudoit & Fridlyand 2002, "globalSEmax" of
     * R's cluster::clusGap), c = gap_se (default 3). The default of mood_autok_params_default().
     */
    MOOD_KCRIT_GAP = 2,
    /** Bootstrap stability: the largest k whose mean pairwise ARI ≥ stability_min. */
    MOOD_KCRIT_STABILITY = 3,
    /** Lowest BIC: the GMM's own for GMM, the spherical hard-assignment model otherwise. */
    MOOD_KCRIT_BIC = 4,
    /**
     * The same gap statistic with Tibshirani's own rule ("firstSEmax"): the smallest k with
     * Gap(k) ≥ Gap(k+1) − c·s(k+1), c = gap_se (default 1.5). Where the gap rises slowly
     * and evenly (a continuum, as on mood tables) it stops early and the minimum decides.
     */
    MOOD_KCRIT_GAP_FIRST = 5
} mood_k_criterion;

/** @brief "gap" / "gap-first" / "stability" / "bic" / "silhouette" to a criterion; else
 * ::MOOD_EINVAL. */
MOOD_API mood_status mood_k_criterion_parse(const char *name, mood_k_criterion *out);
/** @brief Name of @p c ("silhouette" for ::MOOD_KCRIT_LEGACY). */
MOOD_API const char *mood_k_criterion_name(mood_k_criterion c);

/** Automatic k result. */
typedef struct mood_autok_result {
    size_t k_best;         /**< chosen by @c criterion */
    size_t k_elbow;        /**< kneedle elbow on inertia (0 when no knee) */
    const char *criterion; /**< "silhouette", "gap", "gap-first", "stability" or "bic" */
    int silhouette_sampled;
    size_t n_points;
    mood_k_point *points; /**< n_points (owned; release with mood_autok_result_free()) */
    size_t k_rule;        /**< what the criterion's rule alone chose, before the policy */
    size_t min_clusters;  /**< the minimum-group policy that was applied (0 = none) */
    const char *rule;     /**< the criterion's rule in words (static string) */
    /** What decided k_best: "criterion", "min_clusters" or "fallback" (static string). */
    const char *decided_by;
    char reason[512]; /**< one sentence: the rule, the values that decided, the policy */
} mood_autok_result;

/**
 * Options of the k scan. Zeroed = the historical scan (silhouette, or BIC for GMM with use_bic,
 * no policy); mood_autok_params_default() = the mood defaults.
 */
typedef struct mood_autok_params {
    size_t k_min;               /**< default 2 */
    size_t k_max;               /**< default min(15, n/10), at least k_min */
    size_t stability_boot;      /**< bootstrap refits per k for stability (0 = none) */
    int use_bic;                /**< GMM: choose by BIC instead of silhouette */
    mood_k_criterion criterion; /**< ::MOOD_KCRIT_LEGACY when zeroed */
    /**
     * Policy: the chosen k is at least this many groups (0 = no policy). The scan still starts
     * at k_min so that the curve shows what the criterion alone would say.
     */
    size_t min_clusters;
    size_t gap_refs;      /**< gap: uniform reference sets B; 0 = 10 */
    size_t gap_max_rows;  /**< gap: rows per reference set, at most; 0 = 5000 */
    double stability_min; /**< stability: ARI threshold; 0 = 0.75 */
    double gap_se;        /**< gap rules' c in standard errors (tuned, KSELECT.md); 0 = 3 for gap,
                               1.5 for gap-first */
} mood_autok_params;

/**
 * @brief Fill @p a with the defaults that suit mood tables: the gap rule with c = 3, at least
 * 3 groups, k scanned over 2..min(15, n/10), 10 gap reference sets of at most 5000 rows.
 */
MOOD_API void mood_autok_params_default(mood_autok_params *a);

/**
 * @brief Fit @p p.algorithm for every k in [k_min, k_max], score each and pick k by
 * @p a->criterion, then apply the minimum-group policy; @p out->reason says why.
 * Silhouette is sampled deterministically (from p.seed) above 20000 rows. The gap statistic
 * adds B k-means fits (one start each) per k on reference sets of at most gap_max_rows rows;
 * stability adds stability_boot refits per k. @p a NULL = zeroed (legacy silhouette).
 * A min_clusters above k_max raises k_max to it (when below n).
 * @return ::MOOD_EINVAL (DBSCAN, bad range, min_clusters ≥ n), ::MOOD_ENOMEM,
 * ::MOOD_ECANCELED.
 */
MOOD_API mood_status mood_cluster_auto_k(const mood_cluster_params *p, const mood_autok_params *a,
                                         const float *x, size_t n, size_t d,
                                         mood_autok_result *out);
/** @brief Release @p r's points; accepts a zeroed struct. */
MOOD_API void mood_autok_result_free(mood_autok_result *r);
/**
 * @brief The kneedle elbow of a decreasing curve y(x) (Satopää et al., 2011); returns the x of
 * the knee, or 0 when there is none.
 */
MOOD_API size_t mood_kneedle(const size_t *xs, const double *ys, size_t n);
/**
 * @brief Suggest DBSCAN's eps from density levels (HDBSCAN-style): the single-linkage tree of the
 * mutual-reachability distance is cut at the finest partition into groups of at least 1% of the
 * rows that persists over a 1.5x range of eps, at the smallest eps where those groups hold 99.8%
 * of their rows. Exact up to 10000 rows, on 10000 evenly spaced rows above. Falls back to the
 * knee of the sorted min_samples-th-neighbour distance when no partition persists.
 */
MOOD_API mood_status mood_dbscan_suggest_eps(const float *x, size_t n, size_t d, size_t min_samples,
                                             double *out_eps);

#ifdef __cplusplus
}
#endif
#endif
