/*
 * The engine-level API of store for a fit done elsewhere (rank 0 of the distributed k-means,
 * src/mpi): turn the rows it gathered, their labels and the fitted pieces into a mood_run
 * that mood_run_write() records exactly as a single-process run (scores, profiles, group
 * names, map, run_metadata.json), and read a snapshot's model.json text broadcast to every
 * rank. The run and the pipeline stay opaque; their layout is private to store
 * (run_internal.h, pipeline_internal.h). Declared as API of store in CMakeLists.txt; never
 * installed.
 */
#ifndef MOOD_STORE_RUN_FIT_H
#define MOOD_STORE_RUN_FIT_H

#include <moodscope/cluster.h>
#include <moodscope/features.h>
#include <moodscope/prep.h>
#include <moodscope/run.h>

#include <jansson.h>

#include <stddef.h>
#include <stdint.h>

/* What a fit done elsewhere hands over. "moved": the run takes it, the field is cleared. */
typedef struct mood_run_fit {
    const mood_run_config *config; /* as fitted */
    mood_feature_list *flist;      /* the d features used (moved) */
    float *raw;                    /* n×d imputed rows the scores see (taken, also on error) */
    int32_t *labels;               /* n (taken) */
    float *dist;                   /* n distances to the assigned centre (taken) */
    size_t n, d, k;
    const float *median;       /* d imputation values */
    mood_scaler *scaler;       /* fitted on the imputed rows (moved) */
    mood_cluster_model *model; /* moved */
    const size_t *sizes;       /* k group sizes over all rows */
    const size_t *missing;     /* d cells imputed per feature, over all rows */
    size_t rows, cols;         /* of the whole input */
    uint64_t data_hash;
    double inertia;        /* NaN: the scores' own; else it replaces their inertia (rows sampled) */
    json_t *timings;       /* taken */
    const char *extra_key; /* NULL, or a run_metadata.json key set just before "versions" */
    json_t *extra;         /* its value (taken) */
} mood_run_fit;
/* A run from @p in (see mood_run_fit for what is moved); *out NULL on error. */
mood_status mood__run_from_fit(mood_run_fit *in, mood_run **out);
/* A new creation time (and so a new run id) for a run not yet written under that id. */
void mood__run_restamp(mood_run *r);
/* After mood_run_write() into @p dir: drop clustered_output.csv (rows streamed elsewhere or
 * skipped) and rewrite run_metadata.json without it. */
mood_status mood__run_drop_rows_output(mood_run *r, const char *dir);

/* A pipeline from model.json text (@p file names errors, with the line). */
mood_status mood__pipeline_parse(const char *text, size_t len, const char *file,
                                 mood_pipeline **out);
/* The pipeline's k group names (borrowed; mood_pipeline_k() entries). */
char *const *mood__pipeline_names(const mood_pipeline *p);

#endif
