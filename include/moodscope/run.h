/**
 * @file run.h
 * @brief The explorer workflow: run configurations, fitted pipelines (features → imputation →
 * scaler → model → names), the run directory (ARCHITECTURE.md §4), snapshots, prediction and
 * comparison of runs.
 * @code
 * mood_run_config c;
 * mood_run_config_default(&c);
 * c.auto_k = 1;
 * mood_run *r;
 * if (mood_run_execute(&c, table, &r) == MOOD_OK) {
 *     char id[128];
 *     mood_run_write(r, "runs", id, sizeof id);
 *     mood_run_destroy(r);
 * }
 * @endcode
 */
#ifndef MOODSCOPE_RUN_H
#define MOODSCOPE_RUN_H

#include "cluster.h"
#include "prep.h"
#include "table.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One run's configuration. Strings are borrowed for the duration of mood_run_execute(). */
typedef struct mood_run_config {
    const char *name;            /**< optional label (from a config file entry) */
    const char *features;        /**< NULL / "all-numeric" / "a,b,c" (see features.h) */
    mood_scaler_kind scaler;     /**< default standard */
    mood_cluster_params cluster; /**< algorithm, k, seed, n_init, max_iter, tol, ... */
    int auto_k;                  /**< choose k by mood_cluster_auto_k() */
    mood_autok_params autok;     /**< k range etc. when auto_k */
    size_t pca_components;    /**< reduce to this many PCA components before clustering; 0 = no */
    const char *label_column; /**< optional known-label column for label make-up and purity */
    const char *const *input_files; /**< the files the table came from (for the fingerprint) */
    size_t n_input_files;
    int search;                /**< choose algorithm and parameters by mood_cluster_search() */
    size_t search_generations; /**< 0 = the search default */
    size_t search_population;  /**< 0 = the search default */
} mood_run_config;

/** @brief Defaults: all-numeric features, standard scaler, k-means k=8 seed 0 n_init 10. */
MOOD_API void mood_run_config_default(mood_run_config *c);

/**
 * @brief Parse a JSON list of run configs (the old tool's runs.json; `//` and `/ * * /` comments
 * allowed). Each entry may hold: name, features_used (list or "all-numeric"), preprocessing
 * {scaler}, model {algorithm, n_clusters (null = auto), random_state/seed, n_init, max_iter,
 * tol, eps, min_samples, covariance_type, n_neighbors, batch_size}, pca_components, label_column.
 * Top-level keys of an entry are accepted too (n_clusters, scaler, algorithm, ...).
 * @param out receives n configs whose strings point into an arena owned by @p out_arena
 * (release both with mood_run_configs_free()). Errors name the file, entry and field.
 */
MOOD_API mood_status mood_run_configs_parse(const char *path, mood_run_config **out, size_t *n,
                                            void **out_arena);
/** @brief Release what mood_run_configs_parse() returned. */
MOOD_API void mood_run_configs_free(mood_run_config *configs, void *arena);

typedef struct mood_pipeline mood_pipeline;
typedef struct mood_run mood_run;

/**
 * @brief Execute @p c on @p t: select features, impute (median), scale, optionally reduce,
 * choose k when asked, fit, score (silhouette, CH, DB, inertia, composite), profile and name
 * groups, PCA 2-D map. Nothing is written.
 * @param progress may be NULL; returning non-zero cancels (::MOOD_ECANCELED).
 */
MOOD_API mood_status mood_run_execute(const mood_run_config *c, const mood_table *t,
                                      mood_progress_fn progress, void *progress_user,
                                      mood_run **out);
/**
 * @brief Write the run directory runs_dir/<run_id>/ (clustered_output.csv, clusters_plot.png,
 * k_selection.json/.png when auto, run_metadata.json, model.json, profiles.csv,
 * label_profiles.csv when a label column was given). Assembled under a temporary name and
 * renamed into place, so a failure leaves nothing. run_id = UTC time + short hash of config
 * and data.
 */
MOOD_API mood_status mood_run_write(mood_run *r, const char *runs_dir, char *out_run_id,
                                    size_t cap);
/** @brief Release @p r; accepts NULL. */
MOOD_API void mood_run_destroy(mood_run *r);
/** @brief Groups found. */
MOOD_API size_t mood_run_k(const mood_run *r);
/** @brief Rows clustered. */
MOOD_API size_t mood_run_rows(const mood_run *r);
/** @brief Training labels (n). */
MOOD_API const int32_t *mood_run_labels(const mood_run *r);
/** @brief run_metadata.json content as text (valid until destroy). */
MOOD_API const char *mood_run_metadata_json(const mood_run *r);
/** @brief Name of group @p c. */
MOOD_API const char *mood_run_group_name(const mood_run *r, size_t c);
/** @brief Size of group @p c. */
MOOD_API size_t mood_run_group_size(const mood_run *r, size_t c);
/** @brief The fitted pipeline (owned by the run). */
MOOD_API const mood_pipeline *mood_run_pipeline(const mood_run *r);
/** @brief The run's id once written ("" before). */
MOOD_API const char *mood_run_id(const mood_run *r);

/**
 * @brief Load a pipeline from a model.json (verifying its format version and checksum).
 * @return ::MOOD_EFORMAT naming the file and field.
 */
MOOD_API mood_status mood_pipeline_load(const char *model_json_path, mood_pipeline **out);
/** @brief Release @p p; accepts NULL. */
MOOD_API void mood_pipeline_destroy(mood_pipeline *p);
/** @brief Number of groups of the pipeline's model. */
MOOD_API size_t mood_pipeline_k(const mood_pipeline *p);
/** @brief Feature names the pipeline needs. */
MOOD_API const char *const *mood_pipeline_features(const mood_pipeline *p, size_t *out_k);
/** @brief Name of group @p c. */
MOOD_API const char *mood_pipeline_group_name(const mood_pipeline *p, size_t c);
/**
 * @brief Apply the pipeline (saved imputation, scaler, model) to the rows of @p t.
 * @param out_labels n labels; @param out_dist n distances to the group centre, or NULL.
 * @return ::MOOD_ENOTFOUND listing every model feature missing from @p t.
 */
MOOD_API mood_status mood_pipeline_predict(const mood_pipeline *p, const mood_table *t,
                                           int32_t *out_labels, float *out_dist);

/** Summary of one stored run (from its run_metadata.json). */
typedef struct mood_run_summary {
    char run_id[96];
    char created_utc[32];
    char algorithm[16];
    char name[64];
    size_t k, n_rows, n_features;
    double silhouette, calinski_harabasz, davies_bouldin, score;
} mood_run_summary;

/** @brief List runs under @p runs_dir, newest first; release with mood_free(). */
MOOD_API mood_status mood_runs_list(const char *runs_dir, mood_run_summary **out, size_t *n);
/** @brief Read runs_dir/run_id/run_metadata.json (release with mood_free()). ENOTFOUND names it. */
MOOD_API mood_status mood_run_read_metadata(const char *runs_dir, const char *run_id,
                                            char **out_json);
/**
 * @brief Compare two runs: metrics side by side, configuration differences, adjusted Rand index
 * on the rows common to both (matched by id column when present, else by row order when the
 * data fingerprints agree), and the contingency table. JSON text, release with mood_free().
 */
MOOD_API mood_status mood_runs_compare(const char *runs_dir, const char *run_a, const char *run_b,
                                       char **out_json);

/** @brief Freeze run @p run_id as snapshots_dir/name/ (model.json + run_metadata.json). */
MOOD_API mood_status mood_snapshot_save(const char *runs_dir, const char *run_id,
                                        const char *snapshots_dir, const char *name);
/** Summary of a snapshot. */
typedef struct mood_snapshot_summary {
    char name[128];
    char run_id[96];
    char created_utc[32];
    size_t k, n_features;
} mood_snapshot_summary;
/** @brief List snapshots (release with mood_free()). */
MOOD_API mood_status mood_snapshots_list(const char *snapshots_dir, mood_snapshot_summary **out,
                                         size_t *n);
/** @brief Path of a snapshot's model.json into @p buf; ENOTFOUND names the snapshot. */
MOOD_API mood_status mood_snapshot_model_path(const char *snapshots_dir, const char *name,
                                              char *buf, size_t cap);
/**
 * @brief Predict the rows of @p t with snapshot @p name and write them (input columns +
 * cluster, cluster_name, distance) atomically to @p output_path.
 */
MOOD_API mood_status mood_snapshot_predict(const char *snapshots_dir, const char *name,
                                           const mood_table *t, const char *output_path);

/* Forward declarations from describe.h. */
typedef struct mood_profile mood_profile;
typedef struct mood_label_profile mood_label_profile;

/**
 * @brief Profile the groups of an already clustered table (a numeric `cluster` column, as in
 * clustered_output.csv). Missing feature values are imputed with the column median first.
 * @param features NULL/"all-numeric" (numeric columns except cluster and distance) or a list.
 * @param label_column NULL or a column of known labels; then @p out_labels receives their
 * make-up (else it is set to NULL).
 * @return ::MOOD_EINVAL when there is no usable `cluster` column.
 */
MOOD_API mood_status mood_clustered_profile(const mood_table *t, const char *features,
                                            const char *label_column, mood_profile **out_profile,
                                            mood_label_profile **out_labels);
/**
 * @brief Write the row → group table (id, cluster, cluster_name, and label_group when @p lp is
 * given: the group's name from its dominant labels) atomically to @p path. The id is the first
 * identifier-like text column, else the row number.
 */
MOOD_API mood_status mood_group_table_write(const mood_table *t, const mood_profile *p,
                                            const mood_label_profile *lp, const char *path);

#ifdef __cplusplus
}
#endif
#endif
