/*
 * The fitted pipeline's insides, shared by run.c (which builds one), pipeline.c (load, save,
 * predict) and snapshot.c. Never installed.
 */
#ifndef MOOD_PIPELINE_INTERNAL_H
#define MOOD_PIPELINE_INTERNAL_H

#include <moodscope/cluster.h>
#include <moodscope/prep.h>
#include <moodscope/run.h>

#include <jansson.h>

struct mood_pipeline {
    size_t d;              /* input features */
    char **features;       /* d names */
    float *median;         /* d imputation values */
    mood_scaler scaler;    /* fitted on imputed data */
    size_t r;              /* PCA components used before clustering; 0 = none */
    float *pca_mean;       /* d */
    float *pca_components; /* r×d */
    mood_cluster_model *model;
    size_t k;
    char **names;  /* k group names */
    size_t *sizes; /* k training sizes */
};

/* Free everything; accepts NULL. (Public: mood_pipeline_destroy.) */

/* Features → imputed, scaled, reduced matrix of n×dim floats (dim = r or d), allocated. */
mood_status mood__pipeline_transform(const mood_pipeline *p, const float *raw, size_t n,
                                     float **out, size_t *out_dim);
/* model.json as a JSON object (new reference). */
mood_status mood__pipeline_to_json(const mood_pipeline *p, json_t **out);
/* (Re)compute and set the "checksum" member of a model.json object. */
void mood__model_json_seal(json_t *j);
/* Parse a model.json object; @p file names errors. */
mood_status mood__pipeline_from_json(const json_t *j, const char *file, mood_pipeline **out);

#endif
