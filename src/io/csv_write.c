/*
 * The CSV/TSV writer: the inverse of csv_read.c for everything the reader keeps.
 *
 * Each row is formatted into one reusable buffer and written with one fwrite, which keeps the
 * stdio locking per row rather than per cell. Text cells are quoted only when they must be
 * (RFC 4180: a delimiter, quote or line break inside; and leading or trailing blanks, which the
 * reader would otherwise keep but many tools trim), so that the output diffs cleanly against
 * what pandas writes. Numbers use %.*g with 9 significant digits by default, enough for a float
 * to read back bit for bit (written in their shortest such form, see put_number); NaN is an
 * empty cell.
 */
#include "../core/internal.h"
#include "csv_internal.h"

#include <moodscope/csv.h>
#include <moodscope/fileio.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* A growable output line. */
typedef struct line_buf {
    char *p;
    size_t len, cap;
} line_buf;

static int reserve(line_buf *b, size_t extra)
{
    size_t need = b->len + extra;
    if (need <= b->cap && b->p)
        return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    char *p = mood__realloc(b->p, cap);
    if (!p)
        return 0;
    b->p = p;
    b->cap = cap;
    return 1;
}

/*
 * Whether a cell must be quoted to read back as itself: it holds the delimiter, a quote or a
 * line break, starts or ends with a blank, or starts with a UTF-8 BOM (which a reader would
 * strip from the first cell of the file).
 */
static int needs_quotes(const char *s, char delim)
{
    size_t n = strlen(s);
    if (n == 0)
        return 0;
    if (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t' ||
        strncmp(s, "\xEF\xBB\xBF", 3) == 0)
        return 1;
    for (; *s; s++)
        if (*s == delim || *s == '"' || *s == '\n' || *s == '\r')
            return 1;
    return 0;
}

/* Append a text cell, quoted and with doubled quotes when needed. */
static int put_text(line_buf *b, const char *s, char delim)
{
    size_t n = strlen(s);
    if (!needs_quotes(s, delim)) {
        if (!reserve(b, n))
            return 0;
        memcpy(b->p + b->len, s, n);
        b->len += n;
        return 1;
    }
    if (!reserve(b, 2 * n + 2)) /* worst case: every byte a quote */
        return 0;
    b->p[b->len++] = '"';
    for (; *s; s++) {
        if (*s == '"')
            b->p[b->len++] = '"';
        b->p[b->len++] = *s;
    }
    b->p[b->len++] = '"';
    return 1;
}

/*
 * A number with @p digits significant digits. At the default 9, which identifies every float,
 * the shortest of 6, 7, 8 or 9 digits that the reader parses back to the same float is used, so
 * that 0.616f is written "0.616", not "0.615999997", and the file still reads back bit for bit.
 * Most feature values need the first try only.
 */
static int put_number(line_buf *b, float v, int digits)
{
    int w = 0;
    if (isnan(v))
        return 1;
    if (!reserve(b, 48))
        return 0;
    for (int k = digits == 9 ? 6 : digits; k <= digits; k++) {
        float back = NAN;
        w = snprintf(b->p + b->len, b->cap - b->len, "%.*g", k, (double)v);
        if (w < 0 || (size_t)w >= b->cap - b->len)
            return 0;
        if (k == digits ||
            (mood__csv_classify(b->p + b->len, (size_t)w, &back) == CSV_CELL_NUMBER && back == v))
            break;
    }
    b->len += (size_t)w;
    return 1;
}

mood_status mood_csv_write_fp(FILE *fp, const mood_table *t, const mood_csv_write_options *o)
{
    char delim = (o && o->delimiter) ? o->delimiter : ',';
    int digits = (o && o->digits > 0) ? o->digits : 9;
    size_t n, ncols;
    line_buf b = {NULL, 0, 0};
    mood_status s = MOOD_OK;
    void *locale;
    if (!fp || !t)
        return mood__error(MOOD_EINVAL, "csv write: no stream or no table given");
    if (delim == '"' || delim == '\n' || delim == '\r')
        return mood__error(MOOD_EINVAL, "csv write: delimiter cannot be a quote or a line break");
    if (digits > 17)
        digits = 17;
    n = mood_table_rows(t);
    ncols = mood_table_cols(t);
    locale = mood__csv_c_locale_push(); /* "0.5" whatever setlocale() chose */
    /* r == 0 is the header line, r == i + 1 is data row i. */
    for (size_t r = 0; r <= n && s == MOOD_OK; r++) {
        int ok = 1;
        b.len = 0;
        for (size_t j = 0; j < ncols && ok; j++) {
            if (j) {
                ok = reserve(&b, 1);
                if (ok)
                    b.p[b.len++] = delim;
            }
            if (!ok)
                break;
            if (r == 0)
                ok = put_text(&b, mood_table_col_name(t, j), delim);
            else if (mood_table_col_kind(t, j) == MOOD_COL_NUM)
                ok = put_number(&b, mood_table_num_const(t, j)[r - 1], digits);
            else
                ok = put_text(&b, mood_table_str(t, j, r - 1), delim);
        }
        if (ok) {
            ok = reserve(&b, 1);
            if (ok)
                b.p[b.len++] = '\n';
        }
        if (!ok)
            s = mood__enomem("csv write");
        else if (fwrite(b.p, 1, b.len, fp) != b.len)
            s = mood__error(MOOD_EIO, "csv write: %s", strerror(errno));
    }
    mood__csv_c_locale_pop(locale);
    mood__free(b.p);
    if (s == MOOD_OK && (fflush(fp) != 0 || ferror(fp)))
        s = mood__error(MOOD_EIO, "csv write: %s", strerror(errno));
    return s;
}

mood_status mood_csv_write(const char *path, const mood_table *t, const mood_csv_write_options *o)
{
    mood_atomic_file *af;
    FILE *fp;
    mood_status s;
    if (!path || !t)
        return mood__error(MOOD_EINVAL, "csv write: no path or no table given");
    s = mood_atomic_open(path, &af, &fp);
    if (s != MOOD_OK)
        return s;
    s = mood_csv_write_fp(fp, t, o);
    if (s != MOOD_OK) {
        mood_atomic_abort(af);
        return mood__error_context(s, "%s", path);
    }
    return mood_atomic_commit(af);
}
