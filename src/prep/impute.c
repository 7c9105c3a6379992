/*
 * Median imputation (scikit-learn's SimpleImputer(strategy="median")): each column's median
 * of its non-missing values, kept in the model so that new data are filled with the training
 * medians. Medians are exact (selection on a copy of the column, see quantile.c); a column
 * with no value at all cannot be imputed and is reported by index.
 */
#include "quantile.h"

#include "../core/internal.h"

#include <moodscope/prep.h>

#include <math.h>

mood_status mood_impute_fit(const float *x, size_t n, size_t d, float *out_median,
                            size_t *out_missing)
{
    if (!x || !out_median)
        return mood__error(MOOD_EINVAL, "impute: NULL data or output");
    if (n == 0 || d == 0)
        return mood__error(MOOD_EINVAL, "impute: empty data (n=%zu, d=%zu)", n, d);
    float *col = mood__malloc_array(n, sizeof *col);
    if (!col)
        return mood__enomem("impute");
    for (size_t j = 0; j < d; j++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            const float v = x[i * d + j];
            if (!isnan(v))
                col[m++] = v;
        }
        if (out_missing)
            out_missing[j] = n - m;
        if (m == 0) {
            mood__free(col);
            return mood__error(MOOD_EINVAL, "impute: column %zu has no values (all %zu missing)", j,
                               n);
        }
        out_median[j] = (float)mood__quantile_select(col, m, 0.5);
    }
    mood__free(col);
    return MOOD_OK;
}

size_t mood_impute_apply(float *x, size_t n, size_t d, const float *median)
{
    size_t replaced = 0;
    if (!x || !median)
        return 0;
    for (size_t i = 0; i < n; i++) {
        float *row = x + i * d;
        for (size_t j = 0; j < d; j++) {
            if (isnan(row[j])) {
                row[j] = median[j];
                replaced++;
            }
        }
    }
    return replaced;
}
