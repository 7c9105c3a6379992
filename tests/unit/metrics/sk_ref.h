/*
 * Helpers for the metrics and prep tests that compare with scikit-learn: write a matrix to a
 * CSV, run a script with Debian's /usr/bin/python3 (which has numpy and sklearn; the python3
 * on PATH may not), read back the numbers it prints, and load numeric columns of a real CSV
 * with a small quote-aware reader (the tests must not depend on the io subsystem).
 */
#ifndef MOOD_TEST_SK_REF_H
#define MOOD_TEST_SK_REF_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SK_PYTHON "/usr/bin/python3"

/* Non-zero when /usr/bin/python3 can import numpy and sklearn; prints a SKIP line if not. */
static inline int sk_available(void)
{
    if (system(SK_PYTHON " -c 'import numpy, sklearn' >/dev/null 2>&1") == 0)
        return 1;
    printf("SKIP: " SK_PYTHON " with numpy and scikit-learn not available\n");
    return 0;
}

/* Rows of x (n×d) with optional integer label columns appended, %.9g (exact for floats). */
static inline int sk_write_csv(const char *path, const float *x, size_t n, size_t d,
                               const int32_t *lab, const int32_t *lab2)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < d; j++)
            fprintf(f, "%s%.9g", j ? "," : "", (double)x[i * d + j]);
        if (lab)
            fprintf(f, ",%d", (int)lab[i]);
        if (lab2)
            fprintf(f, ",%d", (int)lab2[i]);
        fputc('\n', f);
    }
    return fclose(f);
}

/*
 * Write script to dir/ref.py, run it with the CSV path as argv[1], and parse up to max numbers
 * (whitespace-separated) from its stdout. Returns how many were read, or -1.
 */
static inline long sk_run(const char *dir, const char *script, const char *csv, double *out,
                          size_t max)
{
    char py[1200], cmd[2600];
    snprintf(py, sizeof py, "%s/ref.py", dir);
    FILE *f = fopen(py, "w");
    if (!f)
        return -1;
    fputs(script, f);
    fclose(f);
    /* One BLAS thread: the machine is shared and numpy's spinning threads only cost time. */
    snprintf(cmd, sizeof cmd, "OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 " SK_PYTHON " '%s' '%s'",
             py, csv);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t k = 0;
    while (k < max && fscanf(p, "%lf", &out[k]) == 1)
        k++;
    int rc = pclose(p);
    return rc == 0 ? (long)k : -1;
}

/* Split one CSV record starting at *pos into fields (quotes, "" escapes, CRLF). */
static inline size_t sk_csv_record(char *buf, size_t len, size_t *pos, char **fields,
                                   size_t max_fields)
{
    size_t nf = 0, i = *pos;
    char *w = buf + i;
    if (i >= len)
        return 0;
    fields[nf++] = w;
    int quoted = 0;
    while (i < len) {
        char c = buf[i];
        if (quoted) {
            if (c == '"' && i + 1 < len && buf[i + 1] == '"') {
                *w++ = '"';
                i += 2;
                continue;
            }
            if (c == '"') {
                quoted = 0;
                i++;
                continue;
            }
            *w++ = c;
            i++;
            continue;
        }
        if (c == '"') {
            quoted = 1;
            i++;
        } else if (c == ',') {
            *w++ = '\0';
            i++;
            if (nf < max_fields)
                fields[nf++] = buf + i;
            w = buf + i;
        } else if (c == '\r' || c == '\n') {
            *w = '\0';
            i++;
            if (c == '\r' && i < len && buf[i] == '\n')
                i++;
            break;
        } else {
            *w++ = c;
            i++;
        }
    }
    if (i >= len)
        *w = '\0';
    *pos = i;
    return nf;
}

/*
 * Load the named numeric columns of a CSV (row-major n×ncols floats, malloc'd) and, when
 * text_col is not NULL, that text column as malloc'd strings in *out_text. NULL on failure.
 */
static inline float *sk_load_columns(const char *path, const char *const *cols, size_t ncols,
                                     const char *text_col, char ***out_text, size_t *out_n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)sz + 1);
    if (!buf || fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    buf[sz] = '\0';
    size_t len = (size_t)sz, pos = 0, idx[64], tidx = (size_t)-1;
    char *fields[64];
    size_t nf = sk_csv_record(buf, len, &pos, fields, 64);
    for (size_t c = 0; c < ncols; c++) {
        idx[c] = (size_t)-1;
        for (size_t q = 0; q < nf; q++)
            if (strcmp(fields[q], cols[c]) == 0)
                idx[c] = q;
        if (idx[c] == (size_t)-1) {
            free(buf);
            return NULL;
        }
    }
    for (size_t q = 0; text_col && q < nf; q++)
        if (strcmp(fields[q], text_col) == 0)
            tidx = q;
    size_t cap = 1024, n = 0;
    float *x = malloc(cap * ncols * sizeof *x);
    char **text = text_col ? malloc(cap * sizeof *text) : NULL;
    while (pos < len) {
        nf = sk_csv_record(buf, len, &pos, fields, 64);
        if (nf <= 1)
            continue;
        if (n == cap) {
            cap *= 2;
            x = realloc(x, cap * ncols * sizeof *x);
            if (text)
                text = realloc(text, cap * sizeof *text);
        }
        for (size_t c = 0; c < ncols; c++)
            x[n * ncols + c] = idx[c] < nf ? strtof(fields[idx[c]], NULL) : 0.0f;
        if (text)
            text[n] = strdup(tidx < nf ? fields[tidx] : "");
        n++;
    }
    free(buf);
    *out_n = n;
    if (out_text)
        *out_text = text;
    return x;
}

#endif
