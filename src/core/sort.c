/*
 * The one qsort comparator of doubles (ascending; NaN-free input) that medians and quantiles
 * across the library sort with.
 */
#include "internal.h"

int mood__cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
