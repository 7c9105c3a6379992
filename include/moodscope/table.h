/**
 * @file table.h
 * @brief The table: the one data type that carries rows from every source to every consumer.
 *
 * A table has @c n rows and an ordered list of named columns. A column is either numeric
 * (float32, NaN = missing) or text (UTF-8 strings: ids, titles, artists, labels, source files).
 * Columns are stored one array per column so that readers and importers can add them cheaply;
 * algorithms take a row-major @c n×d float matrix built with mood_table_matrix().
 * @code
 * mood_table *t;
 * mood_table_create(3, &t);
 * float energy[3] = {0.1f, 0.9f, 0.5f};
 * mood_table_add_num(t, "energy", energy);
 * const char *ids[3] = {"a", "b", "c"};
 * mood_table_add_str(t, "id", ids);
 * mood_table_destroy(t);
 * @endcode
 * Not thread-safe for mutation; concurrent readers are fine.
 */
#ifndef MOODSCOPE_TABLE_H
#define MOODSCOPE_TABLE_H

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Column kinds. */
typedef enum mood_col_kind { MOOD_COL_NUM = 0, MOOD_COL_STR = 1 } mood_col_kind;

typedef struct mood_table mood_table;

/**
 * @brief Create an empty table of @p n_rows rows and no columns.
 * @param out receives the table (owned by the caller; release with mood_table_destroy()).
 * @return ::MOOD_ENOMEM.
 */
MOOD_API mood_status mood_table_create(size_t n_rows, mood_table **out);
/** @brief Release @p t; accepts NULL. */
MOOD_API void mood_table_destroy(mood_table *t);
/** @brief Deep copy of @p t. */
MOOD_API mood_status mood_table_clone(const mood_table *t, mood_table **out);

/** @brief Number of rows. */
MOOD_API size_t mood_table_rows(const mood_table *t);
/** @brief Number of columns (numeric and text). */
MOOD_API size_t mood_table_cols(const mood_table *t);
/** @brief Name of column @p j (< cols). */
MOOD_API const char *mood_table_col_name(const mood_table *t, size_t j);
/** @brief Kind of column @p j. */
MOOD_API mood_col_kind mood_table_col_kind(const mood_table *t, size_t j);
/**
 * @brief Index of the column named @p name (exact match).
 * @return ::MOOD_ENOTFOUND (with a message naming the column) when absent.
 */
MOOD_API mood_status mood_table_find(const mood_table *t, const char *name, size_t *out_j);

/**
 * @brief Append a numeric column. @p values: @c n floats, copied; NULL fills with NaN.
 * @return ::MOOD_EINVAL for a duplicate or empty name, ::MOOD_ENOMEM.
 */
MOOD_API mood_status mood_table_add_num(mood_table *t, const char *name, const float *values);
/**
 * @brief Append a text column. @p values: @c n strings, each copied; NULL (the array or an
 * element) stands for "".
 */
MOOD_API mood_status mood_table_add_str(mood_table *t, const char *name, const char *const *values);
/** @brief Remove column @p j. */
MOOD_API mood_status mood_table_drop(mood_table *t, size_t j);

/**
 * @brief The values of numeric column @p j: @c n floats, valid until the table changes.
 * Writable so that importers can fill a column in place. NULL when @p j is a text column.
 */
MOOD_API float *mood_table_num(mood_table *t, size_t j);
/** @brief Read-only view of numeric column @p j, or NULL when it is a text column. */
MOOD_API const float *mood_table_num_const(const mood_table *t, size_t j);
/** @brief Text cell (row @p i, column @p j); "" for a numeric column. Valid until the table
 * changes. */
MOOD_API const char *mood_table_str(const mood_table *t, size_t j, size_t i);
/** @brief Replace a text cell (copied). */
MOOD_API mood_status mood_table_set_str(mood_table *t, size_t j, size_t i, const char *value);

/**
 * @brief Build a row-major @c n×k matrix of the numeric columns named in @p names.
 * @param out_x caller buffer of n*k floats; row i starts at out_x + i*k.
 * @return ::MOOD_ENOTFOUND naming the first absent column, ::MOOD_EINVAL for a text column.
 */
MOOD_API mood_status mood_table_matrix(const mood_table *t, const char *const *names, size_t k,
                                       float *out_x);
/**
 * @brief Append the rows of @p src to @p dst, matching columns by name. Columns of @p src that
 * @p dst lacks are added (earlier rows get NaN / ""); columns @p dst has and @p src lacks get
 * NaN / "" for the new rows. A column that is numeric in one and text in the other becomes text.
 */
MOOD_API mood_status mood_table_append(mood_table *dst, const mood_table *src);
/**
 * @brief New table with the rows listed in @p rows (indices may repeat), all columns.
 */
MOOD_API mood_status mood_table_select_rows(const mood_table *t, const size_t *rows, size_t n,
                                            mood_table **out);

#ifdef __cplusplus
}
#endif
#endif
