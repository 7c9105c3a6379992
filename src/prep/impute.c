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
    const double half = 0.5;
    double *med = mood__malloc_array(d, sizeof *med);
    size_t *have = mood__malloc_array(d, sizeof *have);
    mood_status s = MOOD_OK;
    if (!med || !have) {
        s = mood__enomem("impute");
        goto done;
    }
    s = mood__column_quantiles("impute", x, n, d, &half, 1, med, have);
    if (s != MOOD_OK)
        goto done;
    for (size_t j = 0; j < d; j++) {
        if (have[j] == 0) {
            s = mood__error(MOOD_EINVAL, "impute: column %zu has no values (all %zu missing)", j,
                            n);
            goto done;
        }
    }
    for (size_t j = 0; j < d; j++) {
        out_median[j] = (float)med[j];
        if (out_missing)
            out_missing[j] = n - have[j];
    }
done:
    mood__free(med);
    mood__free(have);
    return s;
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
