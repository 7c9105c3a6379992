/*
 * Feature scalers with scikit-learn 1.2's definitions: StandardScaler (population standard
 * deviation, near-constant columns detected as in sklearn's _is_constant_feature), MinMaxScaler
 * to [0, 1], RobustScaler (median and the 25th-75th percentile range with linear
 * interpolation). Every one is stored as x' = (x − center) / scale so that a model file keeps
 * two vectors whatever the kind. Statistics accumulate in double.
 */
#include "quantile.h"
#include "scaler_stats.h"

#include "../core/internal.h"

#include <moodscope/prep.h>

#include <float.h>
#include <math.h>
#include <string.h>

static const struct {
    const char *name;
    mood_scaler_kind kind;
} kind_names[] = {
    {"none", MOOD_SCALER_NONE},
    {"standard", MOOD_SCALER_STANDARD},
    {"minmax", MOOD_SCALER_MINMAX},
    {"robust", MOOD_SCALER_ROBUST},
    /* Spellings users type: scikit-learn's class names without "Scaler", and common ones. */
    {"std", MOOD_SCALER_STANDARD},
    {"zscore", MOOD_SCALER_STANDARD},
    {"min-max", MOOD_SCALER_MINMAX},
    {"min_max", MOOD_SCALER_MINMAX},
    {"identity", MOOD_SCALER_NONE},
};

mood_status mood_scaler_kind_parse(const char *name, mood_scaler_kind *out)
{
    if (!name || !out)
        return mood__error(MOOD_EINVAL, "scaler: NULL name");
    for (size_t i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++) {
        if (strcmp(name, kind_names[i].name) == 0) {
            *out = kind_names[i].kind;
            return MOOD_OK;
        }
    }
    return mood__error(
        MOOD_EINVAL, "scaler: unknown kind '%s'; expected standard, minmax, robust or none", name);
}

const char *mood_scaler_kind_name(mood_scaler_kind kind)
{
    switch (kind) {
    case MOOD_SCALER_NONE:
        return "none";
    case MOOD_SCALER_STANDARD:
        return "standard";
    case MOOD_SCALER_MINMAX:
        return "minmax";
    case MOOD_SCALER_ROBUST:
        return "robust";
    }
    return "unknown";
}

static int kind_valid(mood_scaler_kind kind)
{
    return kind == MOOD_SCALER_NONE || kind == MOOD_SCALER_STANDARD || kind == MOOD_SCALER_MINMAX ||
           kind == MOOD_SCALER_ROBUST;
}

static mood_status scaler_alloc(mood_scaler_kind kind, size_t d, mood_scaler *out)
{
    memset(out, 0, sizeof *out);
    out->kind = kind;
    out->d = d;
    out->center = mood__malloc_array(d, sizeof(float));
    out->scale = mood__malloc_array(d, sizeof(float));
    if (!out->center || !out->scale) {
        mood_scaler_free(out);
        return mood__enomem("scaler");
    }
    return MOOD_OK;
}

void mood__scaler_standard_finish(const double *mean, const double *ssd, size_t n, size_t d,
                                  float *center, float *scale)
{
    const double nn = (double)n;
    for (size_t j = 0; j < d; j++) {
        const double v = ssd[j] / nn;
        /* scikit-learn's _is_constant_feature: a variance within rounding of 0 is 0, so that
         * a constant column is not divided by a rounding residue. */
        const double bound =
            nn * DBL_EPSILON * v + (nn * mean[j] * DBL_EPSILON) * (nn * mean[j] * DBL_EPSILON);
        center[j] = (float)mean[j];
        scale[j] = v <= bound ? 1.0f : (float)sqrt(v);
    }
}

void mood__scaler_minmax_finish(const float *mn, const float *mx, size_t d, float *center,
                                float *scale)
{
    for (size_t j = 0; j < d; j++) {
        const double range = (double)mx[j] - (double)mn[j];
        center[j] = mn[j];
        scale[j] = range > 0.0 ? (float)range : 1.0f;
    }
}

void mood__scaler_robust_finish(const double *q, size_t d, float *center, float *scale)
{
    for (size_t j = 0; j < d; j++) {
        const double iqr = q[j * 3 + 2] - q[j * 3 + 1];
        center[j] = (float)q[j * 3];
        scale[j] = iqr > 0.0 ? (float)iqr : 1.0f;
    }
}

/* Standard: mean and population variance, two row-major passes in double. */
static mood_status fit_standard(const float *x, size_t n, size_t d, float *center, float *scale)
{
    double *mean = mood__calloc(d, sizeof *mean), *var = mood__calloc(d, sizeof *var);
    if (!mean || !var) {
        mood__free(mean);
        mood__free(var);
        return mood__enomem("scaler");
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            mean[j] += (double)x[i * d + j];
    for (size_t j = 0; j < d; j++)
        mean[j] /= (double)n;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < d; j++) {
            const double diff = (double)x[i * d + j] - mean[j];
            var[j] += diff * diff;
        }
    }
    mood__scaler_standard_finish(mean, var, n, d, center, scale);
    mood__free(mean);
    mood__free(var);
    return MOOD_OK;
}

/* Min-max: one row-major pass; center holds the minima, scale the maxima until the end. */
static void fit_minmax(const float *x, size_t n, size_t d, float *center, float *scale)
{
    for (size_t j = 0; j < d; j++)
        center[j] = scale[j] = x[j];
    for (size_t i = 1; i < n; i++) {
        for (size_t j = 0; j < d; j++) {
            const float v = x[i * d + j];
            center[j] = v < center[j] ? v : center[j];
            scale[j] = v > scale[j] ? v : scale[j];
        }
    }
    mood__scaler_minmax_finish(center, scale, d, center, scale);
}

/* Robust: median and 25th/75th percentiles of every column by selection. */
static mood_status fit_robust(const float *x, size_t n, size_t d, float *center, float *scale)
{
    static const double qs[3] = {0.5, 0.25, 0.75};
    double *q = mood__malloc_array(d, 3 * sizeof *q);
    if (!q)
        return mood__enomem("scaler");
    mood_status s = mood__column_quantiles("scaler", x, n, d, qs, 3, q, NULL);
    if (s == MOOD_OK)
        mood__scaler_robust_finish(q, d, center, scale);
    mood__free(q);
    return s;
}

mood_status mood_scaler_fit(mood_scaler_kind kind, const float *x, size_t n, size_t d,
                            mood_scaler *out)
{
    if (!out)
        return mood__error(MOOD_EINVAL, "scaler: NULL output");
    memset(out, 0, sizeof *out);
    if (!kind_valid(kind))
        return mood__error(MOOD_EINVAL, "scaler: invalid kind %d", (int)kind);
    if (!x)
        return mood__error(MOOD_EINVAL, "scaler: NULL data");
    if (n == 0 || d == 0)
        return mood__error(MOOD_EINVAL, "scaler: empty data (n=%zu, d=%zu)", n, d);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            if (!isfinite(x[i * d + j]))
                return mood__error(MOOD_EINVAL,
                                   "scaler: row %zu column %zu is %s; impute missing values first",
                                   i, j, isnan(x[i * d + j]) ? "missing (NaN)" : "infinite");
    mood_status s = scaler_alloc(kind, d, out);
    if (s != MOOD_OK)
        return s;
    switch (kind) {
    case MOOD_SCALER_NONE:
        for (size_t j = 0; j < d; j++) {
            out->center[j] = 0.0f;
            out->scale[j] = 1.0f;
        }
        break;
    case MOOD_SCALER_STANDARD:
        s = fit_standard(x, n, d, out->center, out->scale);
        break;
    case MOOD_SCALER_MINMAX:
        fit_minmax(x, n, d, out->center, out->scale);
        break;
    case MOOD_SCALER_ROBUST:
        s = fit_robust(x, n, d, out->center, out->scale);
        break;
    }
    if (s != MOOD_OK)
        mood_scaler_free(out);
    return s;
}

mood_status mood_scaler_init(mood_scaler_kind kind, size_t d, const float *center,
                             const float *scale, mood_scaler *out)
{
    if (!out)
        return mood__error(MOOD_EINVAL, "scaler: NULL output");
    memset(out, 0, sizeof *out);
    if (!kind_valid(kind))
        return mood__error(MOOD_EINVAL, "scaler: invalid kind %d", (int)kind);
    if (d == 0)
        return mood__error(MOOD_EINVAL, "scaler: d=0");
    if (kind != MOOD_SCALER_NONE && (!center || !scale))
        return mood__error(MOOD_EINVAL, "scaler: NULL center or scale for a '%s' scaler",
                           mood_scaler_kind_name(kind));
    for (size_t j = 0; j < d && center; j++) {
        if (!isfinite(center[j]))
            return mood__error(MOOD_EINVAL, "scaler: center[%zu] is not finite", j);
        if (!scale || !isfinite(scale[j]) || scale[j] == 0.0f)
            return mood__error(MOOD_EINVAL, "scaler: scale[%zu] must be finite and non-zero", j);
    }
    mood_status s = scaler_alloc(kind, d, out);
    if (s != MOOD_OK)
        return s;
    for (size_t j = 0; j < d; j++) {
        out->center[j] = center ? center[j] : 0.0f;
        out->scale[j] = scale ? scale[j] : 1.0f;
    }
    return MOOD_OK;
}

void mood_scaler_transform(const mood_scaler *s, float *x, size_t n)
{
    if (!s || !x || !s->center || !s->scale)
        return;
    const size_t d = s->d;
    for (size_t i = 0; i < n; i++) {
        float *row = x + i * d;
        for (size_t j = 0; j < d; j++)
            row[j] = (float)(((double)row[j] - (double)s->center[j]) / (double)s->scale[j]);
    }
}

void mood_scaler_inverse(const mood_scaler *s, float *x, size_t n)
{
    if (!s || !x || !s->center || !s->scale)
        return;
    const size_t d = s->d;
    for (size_t i = 0; i < n; i++) {
        float *row = x + i * d;
        for (size_t j = 0; j < d; j++)
            row[j] = (float)((double)row[j] * (double)s->scale[j] + (double)s->center[j]);
    }
}

void mood_scaler_free(mood_scaler *s)
{
    if (!s)
        return;
    mood__free(s->center);
    mood__free(s->scale);
    s->center = NULL;
    s->scale = NULL;
}
