/*
 * Private helpers of the prep subsystem: exact quantiles of columns by selection.
 */
#ifndef MOOD_PREP_QUANTILE_H
#define MOOD_PREP_QUANTILE_H

#include <moodscope/status.h>

/*
 * The q-quantile (0 ≤ q ≤ 1) of v[0..n-1] with linear interpolation between order statistics
 * (numpy's default "linear" method: position q·(n−1)). v is reordered. n ≥ 1.
 */
double mood__quantile_select(float *v, size_t n, double q);

/*
 * Quantiles qs[0..nq-1] of every column of x (n×d, row-major), NaN cells skipped:
 * out[j*nq + t] is column j's qs[t]-quantile, or NaN when the column has no value; counts
 * (d entries, may be NULL) receives each column's number of non-NaN cells. Columns are
 * gathered a few at a time (one pass over the rows per group, memory for the group only) and
 * selected in parallel; the result does not depend on the thread count. fn names the caller
 * in the ENOMEM message.
 */
mood_status mood__column_quantiles(const char *fn, const float *x, size_t n, size_t d,
                                   const double *qs, size_t nq, double *out, size_t *counts);

#endif
