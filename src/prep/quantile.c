/*
 * Exact quantiles by selection (Hoare's quickselect with median-of-three pivots and a
 * three-way partition), O(n) expected per quantile instead of a full sort. Hand-written
 * because C has no nth_element and the median / IQR of a 10-million-row column should not
 * cost a sort; the three-way partition keeps columns with many equal values (counts, flags,
 * imputed cells) linear too.
 */
#include "quantile.h"

#include "../core/internal.h"

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

/* Columns gathered per pass: 8 floats of a row share one cache line in most tables. */
#define QUANTILE_GROUP 8

mood_status mood__column_quantiles(const char *fn, const float *x, size_t n, size_t d,
                                   const double *qs, size_t nq, double *out, size_t *counts)
{
    const size_t g = d < QUANTILE_GROUP ? d : QUANTILE_GROUP;
    float *buf = mood__malloc_array(g, n * sizeof(float));
    if (!buf)
        return mood__enomem(fn);
    size_t m[QUANTILE_GROUP];
    for (size_t j0 = 0; j0 < d; j0 += g) {
        const size_t gn = d - j0 < g ? d - j0 : g;
        for (size_t c = 0; c < gn; c++)
            m[c] = 0;
        for (size_t i = 0; i < n; i++) {
            const float *row = x + i * d + j0;
            for (size_t c = 0; c < gn; c++)
                if (!isnan(row[c]))
                    buf[c * n + m[c]++] = row[c];
        }
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) if (n >= 100000)
#endif
        for (size_t c = 0; c < gn; c++) {
            for (size_t t = 0; t < nq; t++)
                out[(j0 + c) * nq + t] =
                    m[c] > 0 ? mood__quantile_select(buf + c * n, m[c], qs[t]) : (double)NAN;
        }
        if (counts)
            for (size_t c = 0; c < gn; c++)
                counts[j0 + c] = m[c];
    }
    mood__free(buf);
    return MOOD_OK;
}
