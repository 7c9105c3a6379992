/*
 * A run in memory, shared by run.c (execute) and run_write.c (the run directory).
 */
#ifndef MOOD_RUN_INTERNAL_H
#define MOOD_RUN_INTERNAL_H

#include "pipeline_internal.h"

#include <moodscope/describe.h>
#include <moodscope/features.h>
#include <moodscope/metrics.h>
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

#endif
