/**
 * @file ann.h
 * @brief Approximate nearest neighbours: an HNSW graph (Malkov & Yashunin, "Efficient and
 * robust approximate nearest neighbor search using Hierarchical Navigable Small World graphs",
 * TPAMI 2018), written in C (src/recommend/hnsw.c); graphs are saved in its own format.
 * @code
 * mood_hnsw *h;
 * mood_hnsw_create(32, MOOD_METRIC_EUCLIDEAN, 1000000, NULL, &h);
 * mood_hnsw_add(h, x, n, NULL, 1, NULL, NULL);   // labels 0..n-1
 * uint64_t lab[10]; float dist[10]; size_t found;
 * mood_hnsw_search(h, q, 10, lab, dist, &found);
 * mood_hnsw_save(h, "lib.hnsw");
 * mood_hnsw_destroy(h);
 * @endcode
 * Adding is not thread-safe against searching; a built graph may be searched from several
 * threads at once.
 */
#ifndef MOODSCOPE_ANN_H
#define MOODSCOPE_ANN_H

#include "recommend.h"

#ifdef __cplusplus
extern "C" {
#endif

/** HNSW parameters; mood_hnsw_params_default() fills M 16, ef_construction 200, ef 64. */
typedef struct mood_hnsw_params {
    size_t m;
    size_t ef_construction;
    size_t ef_search;
    uint64_t seed;
} mood_hnsw_params;

/** @brief Fill @p p with the defaults. */
MOOD_API void mood_hnsw_params_default(mood_hnsw_params *p);

typedef struct mood_hnsw mood_hnsw;

/**
 * @brief An empty graph for @p d-dimensional vectors under @p metric (EUCLIDEAN or COSINE; for
 * cosine the vectors given must be unit length) with room for @p capacity points (grown on
 * demand).
 */
MOOD_API mood_status mood_hnsw_create(size_t d, mood_metric metric, size_t capacity,
                                      const mood_hnsw_params *p, mood_hnsw **out);
/**
 * @brief Load a graph saved by mood_hnsw_save().
 * @return ::MOOD_EIO (cannot read), ::MOOD_EFORMAT (not a graph of this dimension and metric).
 */
MOOD_API mood_status mood_hnsw_load(const char *path, size_t d, mood_metric metric,
                                    const mood_hnsw_params *p, mood_hnsw **out);
/** @brief Save atomically to @p path. */
MOOD_API mood_status mood_hnsw_save(const mood_hnsw *h, const char *path);
/** @brief Release @p h; accepts NULL. */
MOOD_API void mood_hnsw_destroy(mood_hnsw *h);
/** @brief Points stored (replaced points count once). */
MOOD_API size_t mood_hnsw_size(const mood_hnsw *h);
/**
 * @brief Add (or replace, for a label already present) @p n points.
 * @param labels n labels, or NULL for size()..size()+n-1.
 * @param threads worker threads (1 gives a reproducible graph).
 */
MOOD_API mood_status mood_hnsw_add(mood_hnsw *h, const float *x, size_t n, const uint64_t *labels,
                                   int threads, mood_progress_fn progress, void *user);
/** @brief Copy the stored vector of @p label into @p out (d floats); ::MOOD_ENOTFOUND. */
MOOD_API mood_status mood_hnsw_get(const mood_hnsw *h, uint64_t label, float *out);
/** @brief Hide @p label from searches (its slot stays; re-adding the label revives it). */
MOOD_API mood_status mood_hnsw_mark_deleted(mood_hnsw *h, uint64_t label);
/** @brief Set the search breadth (at least k is used). Not thread-safe. */
MOOD_API void mood_hnsw_set_ef(mood_hnsw *h, size_t ef);
/**
 * @brief The @p k nearest labels of @p q, closest first.
 * @param out_dist distances (euclidean, not squared; or 1 − cos).
 */
MOOD_API mood_status mood_hnsw_search(const mood_hnsw *h, const float *q, size_t k,
                                      uint64_t *out_labels, float *out_dist, size_t *out_found);

#ifdef __cplusplus
}
#endif
#endif
