/*
 * Private helpers of src/describe: the feature-to-word vocabulary used for group names, and
 * small text utilities (CSV fields, UTF-8 display width) shared by the profile writers.
 */
#ifndef MOOD_DESCRIBE_INTERNAL_H
#define MOOD_DESCRIBE_INTERNAL_H

#include <stddef.h>
#include <stdio.h>

/* What the vocabulary says about a feature in one direction. */
typedef enum feature_word_kind {
    MOOD_WORD_KNOWN,   /* a word such as "energetic" */
    MOOD_WORD_NONE,    /* a known feature with no word for this direction: skip it in names */
    MOOD_WORD_GENERIC, /* unknown or anonymous (mfcc, chroma): "high <name>" / "low <name>" */
} feature_word_kind;

/*
 * The word for feature @p name when its group is above (@p high = 1) or below the overall mean.
 * Writes the word (or the generic "high name"/"low name") into @p buf (size @p cap) unless the
 * kind is MOOD_WORD_NONE, in which case @p buf is "".
 */
feature_word_kind mood__feature_word(const char *name, int high, char *buf, size_t cap);

/* Write @p s as one CSV field: quoted when it holds a comma, quote, CR or LF. */
void mood__csv_field(FILE *fp, const char *s);
/* Display width of a UTF-8 string in terminal columns (one per code point). */
size_t mood__utf8_width(const char *s);
/* Print @p s left-aligned in @p width columns (UTF-8 aware). */
void mood__print_padded(FILE *fp, const char *s, size_t width);

#endif
