/*
 * A kd-tree over float rows for exact radius and k-nearest-neighbour queries (DBSCAN, its eps
 * suggestion, the spectral k-NN graph). Distances are computed in double from the float
 * rows, as scikit-learn's trees do after converting to float64.
 */
#ifndef MOOD_KDTREE_H
#define MOOD_KDTREE_H

#include <moodscope/status.h>

typedef struct kdtree kdtree;

/* Build over n×d rows (copied into tree order). */
mood_status mood__kdtree_build(const float *x, size_t n, size_t d, kdtree **out);
void mood__kdtree_free(kdtree *t);
/* Rows within squared distance r2 of q (≤, the query row itself included when it is a row). */
size_t mood__kdtree_radius_count(const kdtree *t, const float *q, double r2);
/* Same, writing up to cap indices (original row numbers) to out; returns the full count. */
size_t mood__kdtree_radius(const kdtree *t, const float *q, double r2, int32_t *out, size_t cap);
/* The kk nearest rows, ascending squared distance (ties by lower index). kk ≤ n. */
void mood__kdtree_knn(const kdtree *t, const float *q, size_t kk, int32_t *idx, double *dist2);

#endif
