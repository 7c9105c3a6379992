/*
 * Private helper of the prep subsystem: exact quantiles of a column by selection.
 */
#ifndef MOOD_PREP_QUANTILE_H
#define MOOD_PREP_QUANTILE_H

#include <stddef.h>

/*
 * The q-quantile (0 ≤ q ≤ 1) of v[0..n-1] with linear interpolation between order statistics
 * (numpy's default "linear" method: position q·(n−1)). v is reordered. n ≥ 1.
 */
double mood__quantile_select(float *v, size_t n, double q);

#endif
