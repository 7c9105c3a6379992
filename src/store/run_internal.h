/*
 * A run in memory, shared by run.c (execute) and run_write.c (the run directory).
 */
#ifndef MOOD_RUN_INTERNAL_H
#define MOOD_RUN_INTERNAL_H

#include "pipeline_internal.h"

#include <moodscope/describe.h>
#include <moodscope/features.h>
#include <moodscope/metrics.h>
#include <moodscope/run.h>
#include <moodscope/table.h>

#include <jansson.h>

struct mood_run {
    mood_table *table;       /* copy of the input rows */
    mood_feature_list flist; /* features used and skipped */
    size_t n, d;
    float *raw; /* n×d features after imputation, original units */
    mood_pipeline *pipe;
    int32_t *labels; /* n */
    float *dist;     /* n distances to the assigned centre (NaN for noise) */
    size_t k;
    mood_internal_scores scores;
    double composite;
    int has_autok;
    mood_autok_result autok;
    mood_profile *profile;
    mood_label_profile *lprof;
    char *label_column;
    float *map_xy;      /* n×2 PCA coordinates of the scaled features */
    float *centroid_xy; /* k×2 */
    char axis_label[2][256];
    json_t *meta; /* run_metadata.json being built */
    char *meta_text;
    char id[96];
    char created_utc[32];
    char created_compact[32];
    uint64_t config_hash, data_hash;
};

/*
 * Pieces of mood_run_execute() shared with the distributed run (src/mpi/run.c), so that both
 * record a run the same way.
 */
/* The configuration as recorded in run_metadata.json (and hashed into the run id). */
json_t *mood__run_config_json(const mood_run_config *c, const mood_feature_list *fl);
/* r->scores and r->composite for r->labels on @p x (r->n × dim, what the model saw). */
mood_status mood__run_scores(mood_run *r, const float *x, size_t dim, uint64_t seed);
/* r->map_xy, r->centroid_xy, the axis labels and r->meta's "pca" from @p xs (r->n × r->d,
 * imputed and scaled). */
mood_status mood__run_build_map(mood_run *r, const float *xs);

/* What run_metadata.json needs besides the run. */
typedef struct mood_run_meta_in {
    const mood_run_config *config; /* as fitted */
    const size_t *missing;         /* r->d cells imputed per feature */
    size_t rows, cols;             /* of the whole input (group shares are of rows) */
    json_t *timings;               /* taken */
    const char *extra_key;         /* NULL, or a key set just before "versions" */
    json_t *extra;                 /* its value (taken) */
} mood_run_meta_in;
/* Fills r->meta (created, config, data, metrics, labels, k, groups, timings, versions) and
 * r->config_hash; r->data_hash must be set. */
void mood__run_meta_build(mood_run *r, mood_run_meta_in *in);

#endif
