/**
 * @file csv.h
 * @brief CSV/TSV reading and writing for real exports.
 *
 * The reader handles a header row, RFC 4180 quoting (commas, doubled quotes and newlines inside
 * quotes), CRLF, a UTF-8 BOM, a leading unnamed index column (dropped), missing cells (empty,
 * NA, N/A, NaN, nan, null, NULL, None) and numbers with exponents. Each column is detected as
 * numeric (every non-missing cell a finite number) or text. Errors name file:line[:column] and
 * what was expected.
 *
 * Details a caller may rely on:
 * - The delimiter, unless given, is tab for ".tsv"/".tab" names, else the most frequent of
 *   `,` `;` TAB `|` in the header line outside quotes (ties in that order). Excel's first
 *   line "sep=;" names the delimiter and is skipped.
 * - Missing-cell tokens are compared case-insensitively after trimming blanks (also "n/a",
 *   "#N/A", "<NA>", "-nan"); a white-space-only cell is missing too. Numeric columns hold NaN
 *   for them, text columns "".
 * - Columns named like identifiers or free text (mood_features_is_identifier(), title, name,
 *   artist, album, track, track_name, artist_name, song, genre, label, source, filename, ...)
 *   and those in mood_csv_options::text_columns are always text, keeping cells as written
 *   ("007" stays "007"). Text cells are otherwise kept verbatim (blanks included).
 * - A column where more than half of the non-missing cells are numbers but some are not is an
 *   error naming the first offending cell; a column that is mostly text is text.
 * - Header names are trimmed of blanks; an empty name becomes "Unnamed: J" (J its 0-based
 *   position) and a repeated one gets ".1", ".2", ... as pandas does. A leading column named ""
 *   or "Unnamed: 0" is dropped unless keep_index (then it is a text column "Unnamed: 0").
 * - Blank lines are skipped. Line numbers in messages are physical lines of the file (newlines
 *   inside quoted fields count), and a cell's line is the line where the cell starts.
 * - Numbers are exactly (float)strtod(cell) in the C locale; hexadecimal is text.
 * The functions keep no global state: calls on distinct tables may run on different threads.
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
    char delimiter;                  /**< 0: detect (".tsv"/".tab" = tab, else sniffed) */
    const char *const *text_columns; /**< columns always read as text (borrowed), or NULL */
    size_t n_text_columns;           /**< length of @c text_columns */
    int keep_index;                  /**< keep a leading unnamed index column (default 0) */
    size_t max_rows;                 /**< stop after this many data rows; 0 = all */
    size_t max_bytes;                /**< refuse inputs larger than this; 0 = no limit */
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
 * Also ::MOOD_EFORMAT for an unterminated quoted field (the line where it opened), a NUL byte
 * (UTF-16 text is named as such),
 * "inf" or a number beyond the float range in a numeric column; ::MOOD_EINVAL for an input
 * larger than max_bytes or a quote / line break as delimiter. The column message reads
 * "file:line:energy: expected a number, found 'abc'".
 */
MOOD_API mood_status mood_csv_read(const char *path, const mood_csv_options *o, mood_table **out);
/**
 * @brief Same as mood_csv_read() from memory; @p name is used in messages (and its extension
 * for the delimiter). @p data need not be NUL-terminated; it is borrowed for the call only.
 */
MOOD_API mood_status mood_csv_read_buffer(const char *name, const char *data, size_t len,
                                          const mood_csv_options *o, mood_table **out);
/**
 * @brief Read several files and concatenate them by column name (mood_table_append()), adding
 * a text column "source" holding each row's file base name (unless a "source" column exists).
 * The check is per file: a file with its own "source" column keeps its values, the rows of the
 * others get their file's base name. Errors are those of mood_csv_read() for the first file
 * that fails; ::MOOD_EINVAL when @p n_paths is 0.
 */
MOOD_API mood_status mood_csv_read_many(const char *const *paths, size_t n_paths,
                                        const mood_csv_options *o, mood_table **out);

/** Writer options; zeroed means comma and 9 significant digits. */
typedef struct mood_csv_write_options {
    char delimiter; /**< 0 = ',' */
    int digits;     /**< significant digits for numbers (%.*g); 0 = 9, where the shortest
                         form of at most 9 digits that reads back as the same float is used
                         (0.616f is "0.616", not "0.615999997") */
} mood_csv_write_options;

/**
 * @brief Write @p t to @p path atomically (temp + rename). NaN is written as an empty cell.
 * Header and text cells are quoted when they hold the delimiter, a quote, CR or LF, or start
 * or end with a blank, or start with a UTF-8 BOM; quotes are doubled. Lines end with LF. Reading
 * the file back gives the same table, except that text cells spelling a missing value ("NA",
 * "null") come back empty and a text column whose cells all look numeric comes back numeric unless
 * its name (or mood_csv_options::text_columns) makes it text.
 * @return ::MOOD_EIO naming the path (nothing is left behind), ::MOOD_ENOMEM.
 */
MOOD_API mood_status mood_csv_write(const char *path, const mood_table *t,
                                    const mood_csv_write_options *o);
/** @brief Write @p t to an open stream (quoting cells that need it). */
MOOD_API mood_status mood_csv_write_fp(FILE *fp, const mood_table *t,
                                       const mood_csv_write_options *o);

#ifdef __cplusplus
}
#endif
#endif
