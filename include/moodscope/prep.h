/**
 * @file prep.h
 * @brief Preparing features: median imputation, scalers (standard, minmax, robust) and PCA.
 *
 * All functions take row-major float matrices (@c n×d, row i at x + i*d) and accumulate in
 * double. Fitted values are plain structs so that model files can store them.
 * @code
 * float med[D]; size_t miss[D];
 * mood_impute_fit(x, n, D, med, miss);
 * mood_impute_apply(x, n, D, med);
 * mood_scaler sc;
 * mood_scaler_fit(MOOD_SCALER_STANDARD, x, n, D, &sc);
 * mood_scaler_transform(&sc, x, n);
 * mood_scaler_free(&sc);
 * @endcode
 */
#ifndef MOODSCOPE_PREP_H
#define MOODSCOPE_PREP_H

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Per-column median of the non-missing (non-NaN) values.
 * @param out_median d floats. @param out_missing d counts of NaN cells, or NULL.
 * @return ::MOOD_EINVAL naming the column index when a column has no value at all.
 */
MOOD_API mood_status mood_impute_fit(const float *x, size_t n, size_t d, float *out_median,
                                     size_t *out_missing);
/** @brief Replace every NaN in column j by @p median[j]; returns the number replaced. */
MOOD_API size_t mood_impute_apply(float *x, size_t n, size_t d, const float *median);

/** Scaler kinds. */
typedef enum mood_scaler_kind {
    MOOD_SCALER_NONE = 0,     /**< identity */
    MOOD_SCALER_STANDARD = 1, /**< (x - mean) / std (population std, as scikit-learn) */
    MOOD_SCALER_MINMAX = 2,   /**< (x - min) / (max - min) */
    MOOD_SCALER_ROBUST = 3    /**< (x - median) / IQR (25th-75th percentile, linear) */
} mood_scaler_kind;

/** A fitted scaler: x' = (x - center[j]) / scale[j]. A zero spread gives scale 1. */
typedef struct mood_scaler {
    mood_scaler_kind kind;
    size_t d;
    float *center; /**< d values (owned) */
    float *scale;  /**< d values (owned), never 0 */
} mood_scaler;

/** @brief "standard" / "minmax" / "robust" / "none" to a kind; ::MOOD_EINVAL otherwise. */
MOOD_API mood_status mood_scaler_kind_parse(const char *name, mood_scaler_kind *out);
/** @brief Name of @p kind ("standard"...). */
MOOD_API const char *mood_scaler_kind_name(mood_scaler_kind kind);
/**
 * @brief Fit on @p x (no NaN allowed: impute first). @p out is released with mood_scaler_free().
 * @return ::MOOD_EINVAL naming the row and column of a missing or infinite cell.
 */
MOOD_API mood_status mood_scaler_fit(mood_scaler_kind kind, const float *x, size_t n, size_t d,
                                     mood_scaler *out);
/** @brief Build a scaler from stored center/scale values (copied), e.g. from a model file. */
MOOD_API mood_status mood_scaler_init(mood_scaler_kind kind, size_t d, const float *center,
                                      const float *scale, mood_scaler *out);
/** @brief Scale @p n rows in place (d must equal the fitted d). */
MOOD_API void mood_scaler_transform(const mood_scaler *s, float *x, size_t n);
/** @brief Undo the scaling in place. */
MOOD_API void mood_scaler_inverse(const mood_scaler *s, float *x, size_t n);
/** @brief Release the arrays of @p s; accepts a zeroed struct. */
MOOD_API void mood_scaler_free(mood_scaler *s);

/** A fitted PCA (covariance matrix + LAPACK symmetric eigensolver, double precision). */
typedef struct mood_pca {
    size_t d;                   /**< input dimension */
    size_t n_components;        /**< kept components */
    double *mean;               /**< d (owned) */
    double *components;         /**< n_components×d, unit rows, sign fixed so that the largest
                                     |loading| of each row is positive (owned) */
    double *explained_variance; /**< n_components (owned), sample variance (n-1) */
    double *explained_ratio;    /**< n_components (owned), share of total variance */
} mood_pca;

/**
 * @brief Fit PCA with @p n_components (≤ d) components on @p x (no NaN).
 * @return ::MOOD_EINVAL for n < 2 or n_components outside 1..d.
 */
MOOD_API mood_status mood_pca_fit(const float *x, size_t n, size_t d, size_t n_components,
                                  mood_pca *out);
/** @brief Project @p n rows: @p out is n×n_components floats. */
MOOD_API void mood_pca_transform(const mood_pca *p, const float *x, size_t n, float *out);
/** @brief Release the arrays of @p p; accepts a zeroed struct. */
MOOD_API void mood_pca_free(mood_pca *p);

#ifdef __cplusplus
}
#endif
#endif
