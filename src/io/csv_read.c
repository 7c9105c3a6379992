/*
 * The CSV/TSV reader: a file or buffer in, one table out.
 *
 * Real exports (pandas to_csv, Spotify API dumps, spreadsheets) need RFC 4180 quoting, CRLF, a
 * UTF-8 BOM, a leading unnamed index column, many spellings of "missing" and exponents. Rows
 * come from the tokenizer (csv_scan.c), which reads a regular file in chunks, so a file never
 * sits in memory whole, and numeric cells are parsed in place with no allocation per cell:
 *
 *   1. Sniff the delimiter from the header line (outside quotes) unless given or implied by a
 *      .tsv/.tab name, and tokenize the header into column names (index column, "Unnamed: j",
 *      pandas-style ".1" suffixes for duplicates).
 *   2. Pass 1 tokenizes every data row. Cells of candidate numeric columns are classified and
 *      parsed straight into per-column float arrays (csv_number.c); cells of columns that are
 *      text by name (ids, titles, artists, genres, options.text_columns) are copied into a
 *      string pool.
 *   3. Typing: a candidate column is numeric when every non-missing cell is a finite number.
 *      When most (more than half) of its non-missing cells are numbers, the others are data
 *      errors ("file:line:column: expected a number, found 'abc'"); otherwise the column is text.
 *   4. Pass 2, only when step 3 turned some candidate column into text: read the data rows
 *      again (seeking back in the file) and copy just those columns' cells into the pool.
 *   5. Move the columns into a mood_table.
 *
 * Line numbers in messages are physical 1-based lines of the file: a newline inside a quoted
 * field counts, so that an editor's "go to line" lands on the reported row.
 */
#define _POSIX_C_SOURCE 200809L
#include "../core/hash.h"
#include "../core/internal.h"
#include "csv_internal.h"
#include "csv_scan.h"

#include <moodscope/csv.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* ------------------------------------------------------------------------------------------ */
/* String pool: text cells are copied into large chunks that never move, so that a cell's     */
/* pointer stays valid while more cells arrive; freed in one sweep after the table copies it. */
/* ------------------------------------------------------------------------------------------ */

typedef struct pool_chunk {
    struct pool_chunk *next;
    size_t used, cap;
    char data[];
} pool_chunk;

#define POOL_CHUNK_BYTES ((size_t)1 << 20)

static char *pool_alloc(pool_chunk **head, size_t n)
{
    pool_chunk *c = *head;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > POOL_CHUNK_BYTES ? n : POOL_CHUNK_BYTES;
        c = mood__malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->cap = cap;
        c->used = 0;
        c->next = *head;
        *head = c;
    }
    c->used += n;
    return c->data + c->used - n;
}

static void pool_free(pool_chunk *c)
{
    while (c) {
        pool_chunk *next = c->next;
        mood__free(c);
        c = next;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Columns and the reader state                                                               */
/* ------------------------------------------------------------------------------------------ */

enum col_role {
    ROLE_NUMBER, /* candidate numeric column: parsed in pass 1 */
    ROLE_TEXT,   /* text column */
    ROLE_DROP    /* the leading unnamed index column */
};

#define CELL_SHOWN 48 /* characters of an offending cell quoted in a message */

typedef struct colinfo {
    char *name;
    int role;
    int text_pass1;   /* text by name: copied in pass 1 (else in pass 2) */
    float *num;       /* ROLE_NUMBER: one value per row, NaN when missing or not a number */
    const char **str; /* ROLE_TEXT: one pooled string per row */
    size_t n_num, n_bad, n_nonfinite;
    size_t bad_line, nf_line;
    csv_cell_kind nf_kind;
    char bad_text[CELL_SHOWN + 4], nf_text[CELL_SHOWN + 4];
} colinfo;

typedef struct reader {
    csv_scanner sc;
    size_t ncols; /* fields per row, the dropped index column included */
    colinfo *cols;
    csv_cell *cells;
    size_t n, cap; /* rows read, rows allocated */
    csv_mark data; /* where the first data row starts (for pass 2) */
    pool_chunk *pool;
    char *scratch; /* unescaped value of a quoted numeric cell */
    size_t scratch_cap;
} reader;

static void reader_free(reader *r)
{
    if (r->cols) {
        for (size_t j = 0; j < r->ncols; j++) {
            mood__free(r->cols[j].name);
            mood__free(r->cols[j].num);
            mood__free(r->cols[j].str);
        }
    }
    mood__free(r->cols);
    mood__free(r->cells);
    mood__free(r->scratch);
    pool_free(r->pool);
}

/* Keep the first offending cell of a column for its message: one line, at most CELL_SHOWN. */
static void remember_cell(char *dst, const char *v, size_t len)
{
    size_t n = len < CELL_SHOWN ? len : CELL_SHOWN;
    for (size_t i = 0; i < n; i++)
        dst[i] = ((unsigned char)v[i] < 0x20 || v[i] == 0x7f) ? '?' : v[i];
    if (len > CELL_SHOWN) {
        memcpy(dst + n, "...", 3);
        n += 3;
    }
    dst[n] = '\0';
}

static mood_status ensure_scratch(reader *r, size_t need)
{
    if (need <= r->scratch_cap)
        return MOOD_OK;
    size_t cap = need < 256 ? 256 : need * 2;
    char *s = mood__realloc(r->scratch, cap);
    if (!s)
        return mood__error(MOOD_ENOMEM, "%s: out of memory", r->sc.name);
    r->scratch = s;
    r->scratch_cap = cap;
    return MOOD_OK;
}

/* Parse a cell of a candidate numeric column into c->num[row] and keep the typing counts. */
static mood_status take_number(reader *r, colinfo *c, size_t row, const csv_cell *cl)
{
    const char *v = cl->p;
    size_t len = cl->len;
    float x = NAN;
    csv_cell_kind k;
    if (cl->quoted) {
        mood_status s = ensure_scratch(r, cl->len + 1);
        if (s != MOOD_OK)
            return s;
        len = mood__csv_cell_value(cl, r->scratch);
        v = r->scratch;
    }
    k = mood__csv_classify(v, len, &x);
    switch (k) {
    case CSV_CELL_NUMBER:
        c->n_num++;
        break;
    case CSV_CELL_MISSING:
        x = NAN;
        break;
    case CSV_CELL_INFINITE:
    case CSV_CELL_RANGE:
        x = NAN;
        if (c->n_nonfinite++ == 0) {
            c->nf_line = cl->line;
            c->nf_kind = k;
            remember_cell(c->nf_text, v, len);
        }
        break;
    case CSV_CELL_TEXT:
        x = NAN;
        if (c->n_bad++ == 0) {
            c->bad_line = cl->line;
            remember_cell(c->bad_text, v, len);
        }
        break;
    }
    c->num[row] = x;
    return MOOD_OK;
}

/* Copy a cell of a text column into the pool; missing tokens become "". */
static mood_status take_text(reader *r, colinfo *c, size_t row, const csv_cell *cl)
{
    char *d;
    size_t len;
    c->str[row] = "";
    if (cl->len == 0)
        return MOOD_OK;
    d = pool_alloc(&r->pool, cl->len + 1);
    if (!d)
        return mood__error(MOOD_ENOMEM, "%s: out of memory", r->sc.name);
    len = mood__csv_cell_value(cl, d);
    if (!mood__csv_is_missing_token(d, len))
        c->str[row] = d;
    return MOOD_OK;
}

/* Double the per-row arrays of the pass-1 columns. */
static mood_status grow_rows(reader *r)
{
    size_t cap = r->cap ? 2 * r->cap : 1024;
    if (cap < r->cap || cap > SIZE_MAX / sizeof(const char *))
        return mood__error(MOOD_ENOMEM, "%s: too many rows", r->sc.name);
    for (size_t j = 0; j < r->ncols; j++) {
        colinfo *c = &r->cols[j];
        if (c->role == ROLE_NUMBER) {
            float *v = mood__realloc(c->num, cap * sizeof *v);
            if (!v)
                return mood__error(MOOD_ENOMEM, "%s: out of memory", r->sc.name);
            c->num = v;
        } else if (c->role == ROLE_TEXT && c->text_pass1) {
            const char **v = mood__realloc(c->str, cap * sizeof *v);
            if (!v)
                return mood__error(MOOD_ENOMEM, "%s: out of memory", r->sc.name);
            c->str = v;
        }
    }
    r->cap = cap;
    return MOOD_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Header                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static int is_forced_text(const char *name, const mood_csv_options *o)
{
    for (size_t i = 0; i < o->n_text_columns; i++)
        if (o->text_columns[i] && strcmp(o->text_columns[i], name) == 0)
            return 1;
    return mood__csv_is_text_name(name);
}

/*
 * Pandas-style names for repeated columns: the second "a" becomes "a.1", the third "a.2", and a
 * ".k" that is itself taken moves on. An open-addressing hash set of the names given so far,
 * each with the next suffix to try, keeps this linear in the number of columns (a hostile
 * header of 100k identical names must not take quadratic time).
 */
typedef struct name_slot {
    const char *name;
    size_t next;
} name_slot;

static name_slot *name_find(name_slot *set, size_t mask, const char *s)
{
    uint64_t h = mood__fnv1a_str(s);
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask)
        if (!set[i].name || strcmp(set[i].name, s) == 0)
            return &set[i];
}

static mood_status dedupe_names(reader *r)
{
    size_t cap = 16;
    name_slot *set;
    mood_status s = MOOD_OK;
    while (cap < 2 * r->ncols) /* load factor at most 1/2: probes stay short */
        cap *= 2;
    set = mood__calloc(cap, sizeof *set);
    if (!set)
        return mood__error(MOOD_ENOMEM, "%s: out of memory", r->sc.name);
    for (size_t j = 0; j < r->ncols; j++) {
        colinfo *c = &r->cols[j];
        name_slot *base, *slot;
        size_t room, k;
        char *cand;
        if (c->role == ROLE_DROP)
            continue;
        base = name_find(set, cap - 1, c->name);
        if (!base->name) {
            base->name = c->name;
            base->next = 1;
            continue;
        }
        room = strlen(c->name) + 24;
        cand = mood__malloc(room);
        if (!cand) {
            s = mood__error(MOOD_ENOMEM, "%s: out of memory", r->sc.name);
            break;
        }
        for (k = base->next;; k++) {
            snprintf(cand, room, "%s.%zu", c->name, k);
            slot = name_find(set, cap - 1, cand);
            if (!slot->name)
                break;
        }
        base->next = k + 1;
        mood__free(c->name);
        c->name = cand;
        slot->name = cand;
        slot->next = 1;
    }
    mood__free(set);
    return s;
}

/*
 * Tokenize the header row and set up the columns: names trimmed of blanks, empty names become
 * "Unnamed: j" as in pandas, a leading unnamed column is the index (dropped unless
 * keep_index), and repeated names get ".1", ".2", ... suffixes (dedupe_names).
 */
static mood_status read_header(reader *r, const mood_csv_options *o)
{
    csv_mark at = mood__csv_tell(&r->sc);
    size_t nf = 0, line = 0;
    int got;
    /* Count the fields first, then read them again into cells of the right number. */
    mood_status s = mood__csv_next_row(&r->sc, NULL, 0, &nf, &line, &got);
    if (s != MOOD_OK)
        return s;
    if (!got)
        return mood__error(MOOD_EFORMAT, "%s:%zu: empty file, expected a header row", r->sc.name,
                           r->sc.line);
    r->ncols = nf;
    r->cells = mood__calloc(nf, sizeof *r->cells);
    r->cols = mood__calloc(nf, sizeof *r->cols);
    if (!r->cells || !r->cols)
        return mood__error(MOOD_ENOMEM, "%s: out of memory", r->sc.name);
    s = mood__csv_seek(&r->sc, at);
    if (s == MOOD_OK)
        s = mood__csv_next_row(&r->sc, r->cells, nf, &nf, &line, &got);
    if (s != MOOD_OK)
        return s;
    for (size_t j = 0; j < r->ncols; j++) {
        colinfo *c = &r->cols[j];
        const csv_cell *cl = &r->cells[j];
        char *raw = mood__malloc(cl->len + 1), *b;
        size_t len;
        if (!raw)
            return mood__error(MOOD_ENOMEM, "%s: out of memory", r->sc.name);
        len = mood__csv_cell_value(cl, raw);
        b = raw;
        while (len && (*b == ' ' || *b == '\t')) {
            b++;
            len--;
        }
        while (len && (b[len - 1] == ' ' || b[len - 1] == '\t'))
            len--;
        b[len] = '\0';
        if (j == 0 && r->ncols > 1 && (len == 0 || strcasecmp(b, "Unnamed: 0") == 0))
            c->role = o->keep_index ? ROLE_TEXT : ROLE_DROP;
        else
            c->role = is_forced_text(b, o) ? ROLE_TEXT : ROLE_NUMBER;
        c->text_pass1 = c->role == ROLE_TEXT;
        if (len == 0) {
            char unnamed[40];
            snprintf(unnamed, sizeof unnamed, "Unnamed: %zu", j);
            c->name = mood__strdup(unnamed);
        } else {
            c->name = mood__strdup(b);
        }
        if (!c->name) {
            mood__free(raw);
            return mood__error(MOOD_ENOMEM, "%s: out of memory", r->sc.name);
        }
        mood__free(raw);
    }
    return dedupe_names(r);
}

/* ------------------------------------------------------------------------------------------ */
/* Passes                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static mood_status ragged(const reader *r, size_t line, size_t nf)
{
    return mood__error(MOOD_EFORMAT, "%s:%zu: expected %zu field%s, found %zu", r->sc.name, line,
                       r->ncols, r->ncols == 1 ? "" : "s", nf);
}

/* Pass 1: every data row; numbers into the float arrays, text-by-name cells into the pool. */
static mood_status pass_one(reader *r, size_t max_rows)
{
    for (;;) {
        size_t nf = 0, line = 0;
        int got;
        mood_status s;
        if (max_rows && r->n >= max_rows)
            break;
        s = mood__csv_next_row(&r->sc, r->cells, r->ncols, &nf, &line, &got);
        if (s != MOOD_OK)
            return s;
        if (!got)
            break;
        if (nf != r->ncols)
            return ragged(r, line, nf);
        if (r->n == r->cap) {
            s = grow_rows(r);
            if (s != MOOD_OK)
                return s;
        }
        for (size_t j = 0; j < r->ncols; j++) {
            colinfo *c = &r->cols[j];
            if (c->role == ROLE_NUMBER)
                s = take_number(r, c, r->n, &r->cells[j]);
            else if (c->role == ROLE_TEXT)
                s = take_text(r, c, r->n, &r->cells[j]);
            if (s != MOOD_OK)
                return s;
        }
        r->n++;
    }
    return MOOD_OK;
}

/*
 * Decide each candidate column's type (see the file comment). Returns the data error with the
 * earliest line (leftmost column on a tie), or MOOD_OK; sets *out_need_pass2 when a candidate
 * became text.
 */
static mood_status decide_types(reader *r, int *out_need_pass2)
{
    const colinfo *worst = NULL;
    size_t worst_line = 0;
    int worst_is_bad = 0;
    *out_need_pass2 = 0;
    for (size_t j = 0; j < r->ncols; j++) {
        colinfo *c = &r->cols[j];
        size_t numeric_like, line;
        int is_bad;
        if (c->role != ROLE_NUMBER)
            continue;
        numeric_like = c->n_num + c->n_nonfinite;
        if (c->n_bad > 0 && 2 * numeric_like <= numeric_like + c->n_bad) {
            /* Mostly text: a text column. Its numbers stay as they were written. */
            c->role = ROLE_TEXT;
            mood__free(c->num);
            c->num = NULL;
            *out_need_pass2 = 1;
            continue;
        }
        if (c->n_bad == 0 && c->n_nonfinite == 0)
            continue;
        /* A numeric column with offending cells: report its first one. */
        is_bad = c->n_bad > 0 && (c->n_nonfinite == 0 || c->bad_line <= c->nf_line);
        line = is_bad ? c->bad_line : c->nf_line;
        if (!worst || line < worst_line) {
            worst = c;
            worst_line = line;
            worst_is_bad = is_bad;
        }
    }
    if (!worst)
        return MOOD_OK;
    if (worst_is_bad)
        return mood__error(MOOD_EFORMAT, "%s:%zu:%s: expected a number, found '%s'", r->sc.name,
                           worst_line, worst->name, worst->bad_text);
    if (worst->nf_kind == CSV_CELL_RANGE)
        return mood__error(MOOD_EFORMAT,
                           "%s:%zu:%s: number '%s' is out of range (beyond +-3.4e38, the float "
                           "limit)",
                           r->sc.name, worst_line, worst->name, worst->nf_text);
    return mood__error(MOOD_EFORMAT, "%s:%zu:%s: expected a finite number, found '%s'", r->sc.name,
                       worst_line, worst->name, worst->nf_text);
}

/*
 * Pass 2: read the data rows again from the start (the same rows pass 1 took, in order) and
 * copy the cells of the columns typed as text after pass 1.
 */
static mood_status pass_two(reader *r)
{
    mood_status s;
    for (size_t j = 0; j < r->ncols; j++) {
        colinfo *c = &r->cols[j];
        if (c->role == ROLE_TEXT && !c->text_pass1) {
            c->str = mood__malloc_array(r->n, sizeof *c->str);
            if (!c->str)
                return mood__error(MOOD_ENOMEM, "%s: out of memory", r->sc.name);
        }
    }
    s = mood__csv_seek(&r->sc, r->data);
    if (s != MOOD_OK)
        return s;
    for (size_t i = 0; i < r->n; i++) {
        size_t nf = 0, line = 0;
        int got = 0;
        s = mood__csv_next_row(&r->sc, r->cells, r->ncols, &nf, &line, &got);
        if (s != MOOD_OK)
            return s;
        if (!got || nf != r->ncols)
            return mood__error(MOOD_EIO, "%s:%zu: the file changed while being read", r->sc.name,
                               line);
        for (size_t j = 0; j < r->ncols; j++) {
            colinfo *c = &r->cols[j];
            if (c->role != ROLE_TEXT || c->text_pass1)
                continue;
            s = take_text(r, c, i, &r->cells[j]);
            if (s != MOOD_OK)
                return s;
        }
    }
    return MOOD_OK;
}

/* Move the columns into a new table, releasing each parse array as soon as it is copied. */
static mood_status build_table(reader *r, mood_table **out)
{
    mood_table *t;
    mood_status s = mood_table_create(r->n, &t);
    if (s != MOOD_OK)
        return s;
    for (size_t j = 0; j < r->ncols && s == MOOD_OK; j++) {
        colinfo *c = &r->cols[j];
        if (c->role == ROLE_NUMBER) {
            s = mood_table_add_num(t, c->name, c->num);
            mood__free(c->num);
            c->num = NULL;
        } else if (c->role == ROLE_TEXT) {
            s = mood_table_add_str(t, c->name, c->str);
            mood__free(c->str);
            c->str = NULL;
        }
    }
    if (s != MOOD_OK) {
        mood_table_destroy(t);
        return s;
    }
    *out = t;
    return MOOD_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Public entry points                                                                         */
/* ------------------------------------------------------------------------------------------ */

void mood_csv_options_default(mood_csv_options *o)
{
    memset(o, 0, sizeof *o);
}

/* Check the options; fills *o_used with the defaults when @p o is NULL. */
static mood_status check_options(const char *name, const mood_csv_options *o)
{
    if (o->delimiter == '"' || o->delimiter == '\n' || o->delimiter == '\r')
        return mood__error(MOOD_EINVAL, "%s: delimiter cannot be a quote or a line break", name);
    if (o->n_text_columns && !o->text_columns)
        return mood__error(MOOD_EINVAL, "%s: n_text_columns=%zu without text_columns", name,
                           o->n_text_columns);
    return MOOD_OK;
}

/* Steps 1-5 of the file comment, on an opened scanner. */
static mood_status read_table(reader *r, const mood_csv_options *o, mood_table **out)
{
    int need_pass2 = 0;
    void *locale = mood__csv_c_locale_push(); /* numbers always use '.' */
    mood_status s = mood__csv_start(&r->sc, o->delimiter);
    if (s == MOOD_OK)
        s = read_header(r, o);
    r->data = mood__csv_tell(&r->sc);
    if (s == MOOD_OK)
        s = pass_one(r, o->max_rows);
    if (s == MOOD_OK && r->n == 0)
        s = mood__error(MOOD_EFORMAT, "%s:%zu: no data rows after the header", r->sc.name,
                        r->data.line);
    if (s == MOOD_OK)
        s = decide_types(r, &need_pass2);
    if (s == MOOD_OK && need_pass2)
        s = pass_two(r);
    if (s == MOOD_OK)
        s = build_table(r, out);
    mood__csv_c_locale_pop(locale);
    return s;
}

mood_status mood_csv_read_buffer(const char *name, const char *data, size_t len,
                                 const mood_csv_options *o, mood_table **out)
{
    mood_csv_options defaults;
    reader r;
    mood_status s;
    if (out)
        *out = NULL;
    if (!out || (!data && len))
        return mood__error(MOOD_EINVAL, "csv: no data or no output given");
    if (!name)
        name = "<buffer>";
    if (!o) {
        mood_csv_options_default(&defaults);
        o = &defaults;
    }
    s = check_options(name, o);
    if (s != MOOD_OK)
        return s;
    if (o->max_bytes && len > o->max_bytes)
        return mood__error(MOOD_EINVAL, "%s: input is %zu bytes, more than the limit of %zu", name,
                           len, o->max_bytes);
    memset(&r, 0, sizeof r);
    s = mood__csv_open_buffer(&r.sc, name, data ? data : "", len);
    if (s == MOOD_OK)
        s = read_table(&r, o, out);
    reader_free(&r);
    return s;
}

/*
 * Read a whole stream into memory (pipes and other streams that cannot seek back for pass 2),
 * refusing more than max_bytes (0: no limit).
 */
static mood_status read_stream(FILE *fp, const char *path, size_t max_bytes, char **out,
                               size_t *out_len)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    *out = NULL;
    for (;;) {
        size_t want, got;
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            char *nb;
            if (max_bytes && ncap > max_bytes + 1)
                ncap = max_bytes + 1;
            nb = ncap > cap ? mood__realloc(buf, ncap) : NULL;
            if (!nb) {
                mood__free(buf);
                return mood__error(MOOD_ENOMEM, "%s: out of memory", path);
            }
            buf = nb;
            cap = ncap;
        }
        want = cap - len;
        got = fread(buf + len, 1, want, fp);
        len += got;
        if (max_bytes && len > max_bytes) {
            mood__free(buf);
            return mood__error(MOOD_EINVAL, "%s: input is more than the limit of %zu bytes", path,
                               max_bytes);
        }
        if (got < want) {
            if (ferror(fp)) {
                mood__free(buf);
                return mood__error(MOOD_EIO, "%s: read failed: %s", path, strerror(errno));
            }
            break;
        }
    }
    *out = buf;
    *out_len = len;
    return MOOD_OK;
}

/*
 * A regular file is scanned in chunks straight from disk (memory: the table plus one chunk);
 * anything else (a pipe, /dev/stdin) is read into memory first, since pass 2 must read it
 * again.
 */
mood_status mood_csv_read(const char *path, const mood_csv_options *o, mood_table **out)
{
    mood_csv_options defaults;
    struct stat st;
    FILE *fp;
    reader r;
    mood_status s;
    if (out)
        *out = NULL;
    if (!path || !out)
        return mood__error(MOOD_EINVAL, "csv: no path or no output given");
    if (!o) {
        mood_csv_options_default(&defaults);
        o = &defaults;
    }
    s = check_options(path, o);
    if (s != MOOD_OK)
        return s;
    fp = fopen(path, "rb");
    if (!fp)
        return mood__error(MOOD_EIO, "%s: cannot open: %s", path, strerror(errno));
    if (fstat(fileno(fp), &st) != 0 || S_ISDIR(st.st_mode)) {
        int err = S_ISDIR(st.st_mode) ? EISDIR : errno;
        fclose(fp);
        return mood__error(MOOD_EIO, "%s: cannot read: %s", path, strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
        char *buf;
        size_t len = 0;
        s = read_stream(fp, path, o->max_bytes, &buf, &len);
        fclose(fp);
        if (s == MOOD_OK) {
            s = mood_csv_read_buffer(path, buf, len, o, out);
            mood__free(buf);
        }
        return s;
    }
    if (o->max_bytes && (uintmax_t)st.st_size > o->max_bytes) {
        fclose(fp);
        return mood__error(MOOD_EINVAL, "%s: file is %jd bytes, more than the limit of %zu", path,
                           (intmax_t)st.st_size, o->max_bytes);
    }
    memset(&r, 0, sizeof r);
    s = mood__csv_open_file(&r.sc, path, fp, o->max_bytes);
    if (s == MOOD_OK)
        s = read_table(&r, o, out);
    reader_free(&r);
    mood__csv_close(&r.sc);
    fclose(fp);
    return s;
}

/* Add the text column "source" = @p path's base name to every row, unless t has one. */
static mood_status add_source(mood_table *t, const char *path)
{
    const char *base = strrchr(path, '/');
    const char **vals;
    size_t j, n = mood_table_rows(t);
    mood_status s;
    if (mood_table_find(t, "source", &j) == MOOD_OK)
        return MOOD_OK;
    mood_clear_error();
    base = base ? base + 1 : path;
    vals = mood__malloc_array(n, sizeof *vals);
    if (!vals)
        return mood__error(MOOD_ENOMEM, "%s: out of memory", path);
    for (size_t i = 0; i < n; i++)
        vals[i] = base;
    s = mood_table_add_str(t, "source", vals);
    mood__free(vals);
    return s;
}

mood_status mood_csv_read_many(const char *const *paths, size_t n_paths, const mood_csv_options *o,
                               mood_table **out)
{
    mood_table *all = NULL;
    mood_status s = MOOD_OK;
    if (out)
        *out = NULL;
    if (!out || !paths || n_paths == 0)
        return mood__error(MOOD_EINVAL, "csv: no input files given");
    for (size_t f = 0; f < n_paths && s == MOOD_OK; f++) {
        mood_table *t = NULL;
        s = mood_csv_read(paths[f], o, &t);
        if (s == MOOD_OK)
            s = add_source(t, paths[f]);
        if (s == MOOD_OK && !all) {
            all = t;
            t = NULL;
        } else if (s == MOOD_OK) {
            s = mood_table_append(all, t);
            if (s != MOOD_OK)
                mood__error_context(s, "%s", paths[f]);
        }
        mood_table_destroy(t);
    }
    if (s != MOOD_OK) {
        mood_table_destroy(all);
        return s;
    }
    *out = all;
    return MOOD_OK;
}
