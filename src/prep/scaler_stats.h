/*
 * The engine-level API of prep for the distributed preparation (src/mpi/pipeline.c): how a
 * scaler's centre and scale follow from column statistics, so that one process (scaler.c) and
 * many ranks (which reduce the statistics first) turn the same statistics into the same
 * scaler. Declared as API of prep in CMakeLists.txt; never installed.
 */
#ifndef MOOD_PREP_SCALER_STATS_H
#define MOOD_PREP_SCALER_STATS_H

#include <stddef.h>

/*
 * Standard: centre = mean, scale = √(ssd/n) from the column means and sums of squared
 * deviations of n rows; a variance within rounding of 0 (scikit-learn's
 * _is_constant_feature) gives scale 1.
 */
void mood__scaler_standard_finish(const double *mean, const double *ssd, size_t n, size_t d,
                                  float *center, float *scale);
/* Min-max: centre = minimum, scale = range (1 for a constant column). @p mn may be @p center
 * and @p mx may be @p scale. */
void mood__scaler_minmax_finish(const float *mn, const float *mx, size_t d, float *center,
                                float *scale);
/* Robust: centre = median, scale = IQR (1 when 0) from q (d×3: median, 25th, 75th). */
void mood__scaler_robust_finish(const double *q, size_t d, float *center, float *scale);

#endif
