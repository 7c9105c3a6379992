/*
 * Private to src/io: the cell classifier shared by the CSV reader, its unit tests and the fuzz
 * target, and the column-name rules the reader and the feature selector agree on.
 */
#ifndef MOOD_CSV_INTERNAL_H
#define MOOD_CSV_INTERNAL_H

#include <stddef.h>

/* What one CSV cell holds once surrounding white space is ignored. */
typedef enum csv_cell_kind {
    CSV_CELL_MISSING = 0, /* empty, white space only, NA, N/A, NaN, null, None, ... */
    CSV_CELL_NUMBER,      /* a finite decimal number that fits a float */
    CSV_CELL_INFINITE,    /* inf, -inf, Infinity */
    CSV_CELL_RANGE,       /* a number whose magnitude exceeds FLT_MAX (1e39) */
    CSV_CELL_TEXT         /* anything else */
} csv_cell_kind;

/*
 * Classify the @p len bytes at @p p (not NUL-terminated) and, for CSV_CELL_NUMBER, store the value
 * in @p out: exactly (float)strtod(cell) in the "C" locale. Hexadecimal numbers ("0x1A") are
 * text, as pandas reads them.
 */
csv_cell_kind mood__csv_classify(const char *p, size_t len, float *out);

/*
 * Switch the calling thread to the "C" locale (strtod and snprintf then use '.') and return
 * what to restore with mood__csv_c_locale_pop() (NULL when the switch was not possible).
 */
void *mood__csv_c_locale_push(void);
void mood__csv_c_locale_pop(void *saved);

/* Non-zero when the trimmed cell is one of the missing-value tokens (case-insensitive). */
int mood__csv_is_missing_token(const char *p, size_t len);

/*
 * Non-zero when a column of this name holds identifiers or free text (ids, titles, artists,
 * genres, file names...), which the reader keeps as text even when every cell looks numeric.
 */
int mood__csv_is_text_name(const char *name);

#endif
