/**
 * @file csv.h
 * @brief CSV/TSV reading and writing for real exports.
 *
 * The reader handles a header row, RFC 4180 quoting (commas, doubled quotes and newlines inside
 * quotes), CRLF, a UTF-8 BOM, a leading unnamed index column (dropped), missing cells (empty,
 * NA, N/A, NaN, nan, null, NULL, None) and numbers with exponents. Each column is detected as
 * numeric (every non-missing cell a finite number) or text. Errors name file:line[:column] and
 * what was expected.
 * @code
 * mood_table *t;
 * if (mood_csv_read("ClassicHit.csv", NULL, &t) != MOOD_OK) puts(mood_last_error());
 * @endcode
 */
#ifndef MOODSCOPE_CSV_H
#define MOODSCOPE_CSV_H

#include "table.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Reader options; fill with mood_csv_options_default(). */
typedef struct mood_csv_options {
    char delimiter;                   /**< 0: detect (".tsv"/".tab" = tab, else sniffed) */
    const char *const *text_columns;  /**< columns always read as text (borrowed), or NULL */
    size_t n_text_columns;            /**< length of @c text_columns */
    int keep_index;                   /**< keep a leading unnamed index column (default 0) */
    size_t max_rows;                  /**< stop after this many data rows; 0 = all */
    size_t max_bytes;                 /**< refuse inputs larger than this; 0 = no limit */
} mood_csv_options;

/** @brief Fill @p o with the defaults. */
MOOD_API void mood_csv_options_default(mood_csv_options *o);

/**
 * @brief Read one CSV/TSV file into a new table.
 * @param o options or NULL for the defaults.
 * @param out receives the table (release with mood_table_destroy()); NULL on error.
 * @return ::MOOD_EIO (cannot open), ::MOOD_EFORMAT ("file:line: expected 12 fields, found 11",
 * "file:line:column 'energy': expected a number, found 'abc'", empty file, no data rows),
 * ::MOOD_ENOMEM.
 */
MOOD_API mood_status mood_csv_read(const char *path, const mood_csv_options *o, mood_table **out);
/** @brief Same as mood_csv_read() from memory; @p name is used in messages. */
MOOD_API mood_status mood_csv_read_buffer(const char *name, const char *data, size_t len,
                                          const mood_csv_options *o, mood_table **out);
/**
 * @brief Read several files and concatenate them by column name (mood_table_append()), adding
 * a text column "source" holding each row's file base name (unless a "source" column exists).
 */
MOOD_API mood_status mood_csv_read_many(const char *const *paths, size_t n_paths,
                                        const mood_csv_options *o, mood_table **out);

/** Writer options; zeroed means comma and 9 significant digits. */
typedef struct mood_csv_write_options {
    char delimiter; /**< 0 = ',' */
    int digits;     /**< significant digits for numbers (%.*g); 0 = 9 */
} mood_csv_write_options;

/** @brief Write @p t to @p path atomically (temp + rename). NaN is written as an empty cell. */
MOOD_API mood_status mood_csv_write(const char *path, const mood_table *t,
                                    const mood_csv_write_options *o);
/** @brief Write @p t to an open stream (quoting cells that need it). */
MOOD_API mood_status mood_csv_write_fp(FILE *fp, const mood_table *t,
                                       const mood_csv_write_options *o);

#ifdef __cplusplus
}
#endif
#endif
