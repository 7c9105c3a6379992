/**
 * @file features.h
 * @brief Choosing the feature columns a model uses, with clear errors.
 * @code
 * mood_feature_list fl;
 * if (mood_features_select(t, NULL, &fl) != MOOD_OK)    // or "energy, valence, tempo"
 *     return fprintf(stderr, "error: %s\n", mood_last_error()), 1;
 * for (size_t i = 0; i < fl.n_skipped; i++)
 *     printf("left out %s (%s)\n", fl.skipped[i], fl.skip_reasons[i]);
 * float *x = malloc(mood_table_rows(t) * fl.k * sizeof *x);
 * mood_table_matrix(t, (const char *const *)fl.names, fl.k, x);
 * mood_feature_list_free(&fl);
 * @endcode
 */
#ifndef MOODSCOPE_FEATURES_H
#define MOODSCOPE_FEATURES_H

#include "table.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A list of feature names, plus the columns the default rule passed over and why. */
typedef struct mood_feature_list {
    size_t k;            /**< number of features */
    char **names;        /**< k names (owned) */
    size_t n_skipped;    /**< columns left out by the default rule */
    char **skipped;      /**< n_skipped names (owned) */
    char **skip_reasons; /**< n_skipped reasons: "identifier", "embedding", "label", "metadata",
                          "empty", "constant" */
} mood_feature_list;

/**
 * @brief Choose features from @p t.
 * @param spec NULL, "" or "all-numeric": every numeric column that is not an identifier
 * (id, *_id, index, uri, url, ...), a label (label, genre, class, target, cluster, ...), release
 * metadata (mood_features_is_metadata(): popularity, duration, year, key, mode, ...), constant
 * or entirely missing. Otherwise a comma-separated list of column names, each of which must be
 * numeric, not entirely missing and not constant.
 * @param out filled on success; release with mood_feature_list_free().
 * @return ::MOOD_ENOTFOUND naming the absent column (and listing the available ones),
 * ::MOOD_EINVAL for a text, empty or constant requested column or when nothing is left.
 *
 * The default rule keeps the table's column order and records, in order, every numeric column
 * it leaves out with the first reason that applies (identifier, embedding, label, metadata,
 * empty, constant); text columns are not features and are not listed. A column is constant when all
 * its non-missing values are equal. An explicit list keeps the order given, names are trimmed of
 * blanks and may name identifier, label or metadata columns on purpose. Messages: "column 'x' not
 * found; numeric columns: a, b", "column 'x' is text, expected numbers", "column 'x' is entirely
 * missing", "column 'x' is constant (every value 0.5)", "column 'x' is listed twice", "feature list
 * 'a,,b' has an empty name", "no usable numeric feature columns (left out: id (identifier), ...)".
 * ::MOOD_ENOMEM; on any error @p out is left zeroed. Thread-safe (no shared state).
 */
MOOD_API mood_status mood_features_select(const mood_table *t, const char *spec,
                                          mood_feature_list *out);
/** @brief Release the lists in @p l (not @p l itself); accepts a zeroed list. */
MOOD_API void mood_feature_list_free(mood_feature_list *l);
/** @brief Non-zero when @p name looks like an identifier column. */
MOOD_API int mood_features_is_identifier(const char *name);
/** @brief Non-zero when @p name looks like a label column. */
MOOD_API int mood_features_is_label(const char *name);
/**
 * @brief Non-zero when @p name is release or catalogue metadata rather than a sound feature:
 * popularity, duration/length, year, key, mode, time_signature, explicit, track or disc number,
 * chorus_hit, sections (case-insensitive, exact names).
 */
MOOD_API int mood_features_is_metadata(const char *name);

#ifdef __cplusplus
}
#endif
#endif
