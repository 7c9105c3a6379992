/*
 * The table: named columns, one array each. Numeric columns are float arrays (NaN = missing);
 * text columns are arrays of heap strings, with a shared "" for empty cells so that wide
 * exports with many blank cells cost one pointer per cell.
 */
#include "internal.h"

#include <moodscope/table.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct column {
    char *name;
    mood_col_kind kind;
    float *num; /* n floats, kind == NUM */
    char **str; /* n strings, kind == STR; empty cells point to empty_cell */
} column;

struct mood_table {
    size_t n;
    size_t ncols;
    size_t cap;
    column *cols;
};

static char empty_cell[1] = "";

static void column_free(column *c, size_t n)
{
    mood__free(c->name);
    mood__free(c->num);
    if (c->str) {
        for (size_t i = 0; i < n; i++)
            if (c->str[i] != empty_cell)
                mood__free(c->str[i]);
        mood__free(c->str);
    }
    memset(c, 0, sizeof *c);
}

static char *cell_dup(const char *s)
{
    if (!s || !s[0])
        return empty_cell;
    return mood__strdup(s);
}

mood_status mood_table_create(size_t n_rows, mood_table **out)
{
    mood_table *t = mood__calloc(1, sizeof *t);
    *out = NULL;
    if (!t)
        return mood__enomem("table");
    t->n = n_rows;
    *out = t;
    return MOOD_OK;
}

void mood_table_destroy(mood_table *t)
{
    if (!t)
        return;
    for (size_t j = 0; j < t->ncols; j++)
        column_free(&t->cols[j], t->n);
    mood__free(t->cols);
    mood__free(t);
}

size_t mood_table_rows(const mood_table *t)
{
    return t->n;
}

size_t mood_table_cols(const mood_table *t)
{
    return t->ncols;
}

const char *mood_table_col_name(const mood_table *t, size_t j)
{
    return j < t->ncols ? t->cols[j].name : "";
}

mood_col_kind mood_table_col_kind(const mood_table *t, size_t j)
{
    return t->cols[j].kind;
}

mood_status mood_table_find(const mood_table *t, const char *name, size_t *out_j)
{
    for (size_t j = 0; j < t->ncols; j++) {
        if (strcmp(t->cols[j].name, name) == 0) {
            *out_j = j;
            return MOOD_OK;
        }
    }
    return mood__error(MOOD_ENOTFOUND, "column '%s' not found", name);
}

/* Make room for one more column and check the name; returns the new slot (not yet counted). */
static mood_status column_slot(mood_table *t, const char *name, column **out)
{
    size_t j;
    if (!name || !name[0])
        return mood__error(MOOD_EINVAL, "table: empty column name");
    if (mood_table_find(t, name, &j) == MOOD_OK)
        return mood__error(MOOD_EINVAL, "table: duplicate column '%s'", name);
    mood_clear_error();
    column *c = mood__grow(t->cols, &t->cap, t->ncols + 1, sizeof *c, 8);
    if (!c)
        return mood__enomem("table");
    t->cols = c;
    memset(&t->cols[t->ncols], 0, sizeof(column));
    *out = &t->cols[t->ncols];
    return MOOD_OK;
}

mood_status mood_table_add_num(mood_table *t, const char *name, const float *values)
{
    column *c;
    mood_status s = column_slot(t, name, &c);
    if (s != MOOD_OK)
        return s;
    c->kind = MOOD_COL_NUM;
    c->name = mood__strdup(name);
    c->num = mood__malloc_array(t->n, sizeof(float));
    if (!c->name || !c->num) {
        column_free(c, 0);
        return mood__enomem("table");
    }
    for (size_t i = 0; i < t->n; i++)
        c->num[i] = values ? values[i] : NAN;
    t->ncols++;
    return MOOD_OK;
}

mood_status mood_table_add_str(mood_table *t, const char *name, const char *const *values)
{
    column *c;
    mood_status s = column_slot(t, name, &c);
    if (s != MOOD_OK)
        return s;
    c->kind = MOOD_COL_STR;
    c->name = mood__strdup(name);
    c->str = mood__calloc(t->n ? t->n : 1, sizeof(char *));
    if (!c->name || !c->str) {
        column_free(c, 0);
        return mood__enomem("table");
    }
    for (size_t i = 0; i < t->n; i++) {
        c->str[i] = cell_dup(values ? values[i] : NULL);
        if (!c->str[i]) {
            column_free(c, i);
            return mood__enomem("table");
        }
    }
    t->ncols++;
    return MOOD_OK;
}

mood_status mood_table_drop(mood_table *t, size_t j)
{
    if (j >= t->ncols)
        return mood__error(MOOD_EINVAL, "table: no column %zu", j);
    column_free(&t->cols[j], t->n);
    memmove(&t->cols[j], &t->cols[j + 1], (t->ncols - j - 1) * sizeof(column));
    t->ncols--;
    return MOOD_OK;
}

float *mood_table_num(mood_table *t, size_t j)
{
    return j < t->ncols ? t->cols[j].num : NULL;
}

const float *mood_table_num_const(const mood_table *t, size_t j)
{
    return j < t->ncols ? t->cols[j].num : NULL;
}

const char *mood_table_str(const mood_table *t, size_t j, size_t i)
{
    if (j >= t->ncols || i >= t->n || t->cols[j].kind != MOOD_COL_STR)
        return "";
    return t->cols[j].str[i];
}

mood_status mood_table_set_str(mood_table *t, size_t j, size_t i, const char *value)
{
    char *v;
    if (j >= t->ncols || i >= t->n || t->cols[j].kind != MOOD_COL_STR)
        return mood__error(MOOD_EINVAL, "table: cell (%zu, %zu) is not a text cell", i, j);
    v = cell_dup(value);
    if (!v)
        return mood__enomem("table");
    if (t->cols[j].str[i] != empty_cell)
        mood__free(t->cols[j].str[i]);
    t->cols[j].str[i] = v;
    return MOOD_OK;
}

mood_status mood_table_matrix(const mood_table *t, const char *const *names, size_t k, float *out_x)
{
    for (size_t f = 0; f < k; f++) {
        size_t j = 0;
        mood_status s = mood_table_find(t, names[f], &j);
        if (s != MOOD_OK)
            return s;
        if (t->cols[j].kind != MOOD_COL_NUM)
            return mood__error(MOOD_EINVAL, "column '%s' is text, expected numbers", names[f]);
        const float *col = t->cols[j].num;
        for (size_t i = 0; i < t->n; i++)
            out_x[i * k + f] = col[i];
    }
    return MOOD_OK;
}

/* Turn numeric column c into a text column, formatting each value (NaN becomes ""). */
static mood_status column_to_text(column *c, size_t n)
{
    char **str = mood__calloc(n ? n : 1, sizeof(char *));
    if (!str)
        return mood__enomem("table");
    for (size_t i = 0; i < n; i++) {
        char buf[32];
        if (isnan(c->num[i])) {
            str[i] = empty_cell;
            continue;
        }
        snprintf(buf, sizeof buf, "%.9g", (double)c->num[i]);
        str[i] = mood__strdup(buf);
        if (!str[i]) {
            for (size_t k = 0; k < i; k++)
                if (str[k] != empty_cell)
                    mood__free(str[k]);
            mood__free(str);
            return mood__enomem("table");
        }
    }
    mood__free(c->num);
    c->num = NULL;
    c->str = str;
    c->kind = MOOD_COL_STR;
    return MOOD_OK;
}

/* Grow every column of t to n_new rows, filling new cells with NaN or "". */
static mood_status grow_rows(mood_table *t, size_t n_new)
{
    for (size_t j = 0; j < t->ncols; j++) {
        column *c = &t->cols[j];
        if (c->kind == MOOD_COL_NUM) {
            float *v = mood__realloc(c->num, n_new * sizeof(float));
            if (!v)
                return mood__enomem("table");
            for (size_t i = t->n; i < n_new; i++)
                v[i] = NAN;
            c->num = v;
        } else {
            char **v = mood__realloc(c->str, n_new * sizeof(char *));
            if (!v)
                return mood__enomem("table");
            for (size_t i = t->n; i < n_new; i++)
                v[i] = empty_cell;
            c->str = v;
        }
    }
    return MOOD_OK;
}

mood_status mood_table_append(mood_table *dst, const mood_table *src)
{
    size_t n0 = dst->n, n1 = dst->n + src->n;
    mood_status s;
    /* Add the columns dst lacks (sized n0, filled missing) and reconcile kinds first. */
    for (size_t js = 0; js < src->ncols; js++) {
        const column *sc = &src->cols[js];
        size_t jd = 0;
        if (mood_table_find(dst, sc->name, &jd) != MOOD_OK) {
            mood_clear_error();
            s = sc->kind == MOOD_COL_NUM ? mood_table_add_num(dst, sc->name, NULL)
                                         : mood_table_add_str(dst, sc->name, NULL);
            if (s != MOOD_OK)
                return s;
        } else if (dst->cols[jd].kind == MOOD_COL_NUM && sc->kind == MOOD_COL_STR) {
            s = column_to_text(&dst->cols[jd], n0);
            if (s != MOOD_OK)
                return s;
        }
    }
    s = grow_rows(dst, n1);
    if (s != MOOD_OK)
        return s;
    dst->n = n1;
    for (size_t js = 0; js < src->ncols; js++) {
        const column *sc = &src->cols[js];
        size_t jd = 0;
        mood_table_find(dst, sc->name, &jd);
        column *dc = &dst->cols[jd];
        for (size_t i = 0; i < src->n; i++) {
            if (dc->kind == MOOD_COL_NUM) {
                dc->num[n0 + i] = sc->num[i];
            } else if (sc->kind == MOOD_COL_STR) {
                dc->str[n0 + i] = cell_dup(sc->str[i]);
            } else {
                char buf[32];
                if (isnan(sc->num[i]))
                    continue;
                snprintf(buf, sizeof buf, "%.9g", (double)sc->num[i]);
                dc->str[n0 + i] = cell_dup(buf);
            }
            if (dc->kind == MOOD_COL_STR && !dc->str[n0 + i]) {
                dc->str[n0 + i] = empty_cell;
                return mood__enomem("table");
            }
        }
    }
    return MOOD_OK;
}

mood_status mood_table_select_rows(const mood_table *t, const size_t *rows, size_t n,
                                   mood_table **out)
{
    mood_table *r;
    mood_status s = mood_table_create(n, &r);
    *out = NULL;
    if (s != MOOD_OK)
        return s;
    for (size_t j = 0; j < t->ncols; j++) {
        const column *c = &t->cols[j];
        if (c->kind == MOOD_COL_NUM) {
            s = mood_table_add_num(r, c->name, NULL);
            if (s != MOOD_OK)
                break;
            float *v = r->cols[j].num;
            for (size_t i = 0; i < n; i++)
                v[i] = rows[i] < t->n ? c->num[rows[i]] : NAN;
        } else {
            s = mood_table_add_str(r, c->name, NULL);
            if (s != MOOD_OK)
                break;
            for (size_t i = 0; i < n && s == MOOD_OK; i++)
                if (rows[i] < t->n)
                    s = mood_table_set_str(r, j, i, c->str[rows[i]]);
            if (s != MOOD_OK)
                break;
        }
    }
    if (s != MOOD_OK) {
        mood_table_destroy(r);
        return s;
    }
    *out = r;
    return MOOD_OK;
}

mood_status mood_table_clone(const mood_table *t, mood_table **out)
{
    size_t *rows = mood__malloc_array(t->n, sizeof(size_t));
    mood_status s;
    if (!rows) {
        *out = NULL;
        return mood__enomem("table");
    }
    for (size_t i = 0; i < t->n; i++)
        rows[i] = i;
    s = mood_table_select_rows(t, rows, t->n, out);
    mood__free(rows);
    return s;
}
