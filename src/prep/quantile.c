/*
 * Exact quantiles by selection (Hoare's quickselect with median-of-three pivots and a
 * three-way partition), O(n) expected per quantile instead of a full sort. Hand-written
 * because C has no nth_element and the median / IQR of a 10-million-row column should not
 * cost a sort; the three-way partition keeps columns with many equal values (counts, flags,
 * imputed cells) linear too.
 */
#include "quantile.h"

#include <math.h>

static void swapf(float *a, float *b)
{
    float t = *a;
    *a = *b;
    *b = t;
}

/* Put the k-th smallest value of v[0..n-1] at v[k], smaller ones before, larger after. */
static void select_kth(float *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        /* Median of three as pivot: sorted input stays O(n). */
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < v[lo])
            swapf(&v[mid], &v[lo]);
        if (v[hi] < v[lo])
            swapf(&v[hi], &v[lo]);
        if (v[hi] < v[mid])
            swapf(&v[hi], &v[mid]);
        const float pivot = v[mid];
        /* Dutch-flag partition: [lo, lt) < pivot, [lt, i) == pivot, (gt, hi] > pivot. */
        size_t lt = lo, i = lo, gt = hi;
        while (i <= gt) {
            if (v[i] < pivot) {
                swapf(&v[i++], &v[lt++]);
            } else if (v[i] > pivot) {
                swapf(&v[i], &v[gt]);
                if (gt == 0)
                    break;
                gt--;
            } else {
                i++;
            }
        }
        if (k < lt)
            hi = lt - 1;
        else if (k > gt)
            lo = gt + 1;
        else
            return; /* v[k] equals the pivot */
    }
}

double mood__quantile_select(float *v, size_t n, double q)
{
    const double pos = q * (double)(n - 1);
    const size_t k = (size_t)floor(pos);
    const double frac = pos - (double)k;
    select_kth(v, n, k);
    const double lo = (double)v[k];
    if (frac == 0.0 || k + 1 >= n)
        return lo;
    /* The next order statistic is the smallest value right of k. */
    float next = v[k + 1];
    for (size_t i = k + 2; i < n; i++)
        if (v[i] < next)
            next = v[i];
    /* numpy's linear method: lo + (hi − lo)·frac. */
    return lo + ((double)next - lo) * frac;
}
