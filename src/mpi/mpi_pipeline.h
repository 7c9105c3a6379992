/*
 * Distributed preparation steps (pipeline.c) used by the run (run.c). Never installed.
 */
#ifndef MOOD_MPI_PIPELINE_H
#define MOOD_MPI_PIPELINE_H

#include "mpi_internal.h"

#include <moodscope/features.h>
#include <moodscope/prep.h>

/* mood_features_select() on the global column statistics. */
mood_status mood__mpi_features(const mood_table *local, const char *spec, mood_feature_list *out);
/* Exact global medians of @p raw's columns; missing cells of the local rows filled. */
mood_status mood__mpi_impute(const mpi_layout *l, float *raw, size_t d, float *median,
                             size_t *missing);
/* The scaler of @p kind fitted on every rank's (imputed) rows. */
mood_status mood__mpi_scaler_fit(const mpi_layout *l, mood_scaler_kind kind, const float *x,
                                 size_t d, mood_scaler *out);

#endif
