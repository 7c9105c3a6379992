/**
 * @file search.h
 * @brief Evolutionary search over clustering algorithms and their parameters (the idea of
 * AudioMuse-AI's clustering search, made reproducible).
 *
 * Each generation draws a stratified sample of the rows (strata: the label column when given,
 * else the groups of a quick seeded k-means, so that small groups are represented), fits every
 * candidate configuration on it and scores the result; the best (elites) survive unchanged
 * into the next generation, the rest of the population are mutations of elites plus a few
 * fresh random configurations. The score is a weighted mean of
 * - silhouette, mapped to [0, 1] as (s + 1) / 2;
 * - Davies-Bouldin, as 1 / (1 + DB);
 * - Calinski-Harabasz normalised as CH / (CH + m/k) (m sample rows, k groups), so that it
 *   cannot swamp the others as m grows;
 * - with labels (genre, mood tags): purity (share of rows carrying their group's dominant
 *   label) and diversity (distinct dominant labels / groups: groups should not all be "rock");
 * multiplied by the share of rows that are not DBSCAN noise. Fits with fewer than two groups
 * score 0.
 *
 * Reproducibility: the whole search is a function of (x, params). The winner carries its
 * complete mood_cluster_params (seed included) and the seed of the sample it was scored on:
 * mood_search_sample() rebuilds that sample, and mood_cluster_fit() with best.params on it
 * gives the same labels and score; on all rows it gives the final grouping.
 * @code
 * mood_search_params sp;
 * mood_search_params_default(&sp);
 * sp.seed = 7;
 * sp.labels = genre_ids; sp.n_labels = n_genres; // optional
 * mood_search_result r;
 * if (mood_cluster_search(&sp, x, n, d, &r) == MOOD_OK) {
 *     printf("best %s k=%zu score %.3f\n", mood_algorithm_name(r.best.params.algorithm),
 *            r.best.k_found, r.best.score);
 *     mood_cluster_fit(&r.best.params, x, n, d, &model, labels); // the final fit, all rows
 *     mood_search_result_free(&r);
 * }
 * @endcode
 */
#ifndef MOODSCOPE_SEARCH_H
#define MOODSCOPE_SEARCH_H

#include "cluster.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Search options; fill with mood_search_params_default(). */
typedef struct mood_search_params {
    size_t population;  /**< candidates per generation; default 16 */
    size_t generations; /**< default 6 */
    size_t elites;      /**< best kept unchanged into the next generation; default 4 */
    size_t sample_size; /**< rows per stratified sample; default 4000 (all rows when fewer) */
    size_t k_min;       /**< default 2 */
    size_t k_max;       /**< default min(15, sample/10) */
    /** Algorithms to try: bit (1u << MOOD_ALGO_x) each; 0 = all five. Spectral is skipped
     *  when the sample exceeds its 20000-row limit. */
    unsigned algorithms;
    uint64_t seed;             /**< the whole search is a function of this seed and the data */
    int n_threads;             /**< 0 = all cores */
    double w_silhouette;       /**< default 0.4 */
    double w_davies_bouldin;   /**< default 0.2 */
    double w_calinski;         /**< default 0.2 */
    double w_purity;           /**< default 0.1 (used only with labels) */
    double w_diversity;        /**< default 0.1 (used only with labels) */
    const int32_t *labels;     /**< optional n label ids in 0..n_labels-1, -1 = none (borrowed) */
    size_t n_labels;           /**< distinct label ids */
    mood_progress_fn progress; /**< stage "search", done/total candidates; may be NULL */
    void *progress_user;
} mood_search_params;

/** One evaluated configuration. */
typedef struct mood_search_candidate {
    mood_cluster_params params; /**< complete (seed, eps resolved); progress fields NULL */
    double score;               /**< weighted score in [0, 1] */
    double silhouette;          /**< NaN when undefined (fewer than 2 groups) */
    double davies_bouldin;
    double calinski_harabasz;
    double purity;        /**< NaN without labels */
    double diversity;     /**< NaN without labels */
    double noise_share;   /**< rows labelled -1 (DBSCAN), in [0, 1] */
    size_t k_found;       /**< groups found (noise excluded) */
    size_t generation;    /**< 0-based generation of the evaluation */
    uint64_t sample_seed; /**< seed of the sample it was scored on (mood_search_sample()) */
} mood_search_candidate;

/** Search outcome. */
typedef struct mood_search_result {
    mood_search_candidate best;     /**< highest score over every evaluation */
    mood_search_candidate *history; /**< every evaluation in order (owned) */
    size_t n_history;
    size_t sample_rows; /**< rows per sample actually used */
} mood_search_result;

/** @brief Fill @p p with the documented defaults. */
MOOD_API void mood_search_params_default(mood_search_params *p);

/**
 * @brief Run the search on @p x (n×d row-major, finite values).
 * @param out receives the result; release with mood_search_result_free().
 * @return ::MOOD_EINVAL (n < 20, bad weights or ranges, labels out of range), ::MOOD_ENOMEM,
 * ::MOOD_ECANCELED (progress callback or mood_cancel_request()). Candidates whose fit fails
 * (a singular GMM, say) are scored 0 and the search goes on.
 */
MOOD_API mood_status mood_cluster_search(const mood_search_params *p, const float *x, size_t n,
                                         size_t d, mood_search_result *out);

/**
 * @brief Rebuild the stratified sample a candidate was scored on.
 * @param sample_seed mood_search_candidate::sample_seed.
 * @param out_rows caller buffer of @p m row indices (m = mood_search_result::sample_rows).
 */
MOOD_API mood_status mood_search_sample(const mood_search_params *p, const float *x, size_t n,
                                        size_t d, uint64_t sample_seed, size_t m, size_t *out_rows);

/** @brief Release @p r's history; accepts a zeroed struct. */
MOOD_API void mood_search_result_free(mood_search_result *r);

#ifdef __cplusplus
}
#endif
#endif
