/*
 * Comparing two runs: metrics side by side, configuration differences, the adjusted Rand index
 * on the rows both runs clustered, and the group-by-group contingency table.
 */
#define _POSIX_C_SOURCE 200809L
#include "../core/internal.h"
#include "../io/json_util.h"

#include <moodscope/csv.h>
#include <moodscope/features.h>
#include <moodscope/metrics.h>
#include <moodscope/run.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct side {
    json_t *meta;
    mood_table *rows;
    size_t n, k;
    const float *cluster;
    size_t id_col;
    int has_id;
} side;

static mood_status load_side(const char *runs_dir, const char *run_id, side *sd)
{
    char *text, path[4096];
    json_error_t err;
    size_t j;
    mood_status s = mood_run_read_metadata(runs_dir, run_id, &text);
    if (s != MOOD_OK)
        return s;
    sd->meta = json_loads(text, 0, &err);
    mood_free(text);
    if (!sd->meta)
        return mood__error(MOOD_EFORMAT, "run %s: run_metadata.json:%d: %s", run_id, err.line,
                           err.text);
    snprintf(path, sizeof path, "%s/%s/clustered_output.csv", runs_dir, run_id);
    s = mood_csv_read(path, NULL, &sd->rows);
    if (s != MOOD_OK)
        return s;
    s = mood_table_find(sd->rows, "cluster", &j);
    if (s != MOOD_OK || mood_table_col_kind(sd->rows, j) != MOOD_COL_NUM)
        return mood__error(MOOD_EFORMAT, "%s: no numeric 'cluster' column", path);
    sd->cluster = mood_table_num_const(sd->rows, j);
    sd->n = mood_table_rows(sd->rows);
    sd->k = (size_t)json_integer_value(json_object_get(json_object_get(sd->meta, "metrics"), "k"));
    for (size_t c = 0; c < mood_table_cols(sd->rows); c++) {
        if (mood_table_col_kind(sd->rows, c) == MOOD_COL_STR &&
            mood_features_is_identifier(mood_table_col_name(sd->rows, c))) {
            sd->id_col = c;
            sd->has_id = 1;
            break;
        }
    }
    return MOOD_OK;
}

static void side_free(side *sd)
{
    json_decref(sd->meta);
    mood_table_destroy(sd->rows);
}

typedef struct id_index {
    const char *id;
    size_t row;
} id_index;

static int by_id(const void *a, const void *b)
{
    return strcmp(((const id_index *)a)->id, ((const id_index *)b)->id);
}

/* Pairs of rows (ia[m], ib[m]) clustered by both runs: by a shared id column if both have one
 * with unique values, else by row order when the row counts agree. */
static mood_status match_rows(const side *a, const side *b, size_t *ia, size_t *ib, size_t *m,
                              const char **how)
{
    *m = 0;
    if (a->has_id && b->has_id &&
        strcmp(mood_table_col_name(a->rows, a->id_col), mood_table_col_name(b->rows, b->id_col)) ==
            0) {
        id_index *idx = mood__malloc_array(b->n, sizeof *idx);
        if (!idx)
            return mood__enomem("compare");
        for (size_t i = 0; i < b->n; i++) {
            idx[i].id = mood_table_str(b->rows, b->id_col, i);
            idx[i].row = i;
        }
        qsort(idx, b->n, sizeof *idx, by_id);
        int unique = 1;
        for (size_t i = 1; i < b->n; i++)
            if (strcmp(idx[i].id, idx[i - 1].id) == 0)
                unique = 0;
        if (unique) {
            for (size_t i = 0; i < a->n; i++) {
                id_index key = {mood_table_str(a->rows, a->id_col, i), 0};
                id_index *hit = bsearch(&key, idx, b->n, sizeof *idx, by_id);
                if (hit && key.id[0]) {
                    ia[*m] = i;
                    ib[*m] = hit->row;
                    (*m)++;
                }
            }
            *how = mood_table_col_name(a->rows, a->id_col);
            mood__free(idx);
            return MOOD_OK;
        }
        mood__free(idx);
    }
    if (a->n != b->n)
        return mood__error(MOOD_EINVAL,
                           "the runs share no id column and have different row counts (%zu vs "
                           "%zu): no common rows to compare",
                           a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        ia[i] = ib[i] = i;
    }
    *m = a->n;
    *how = "row order";
    return MOOD_OK;
}

static json_t *config_diff(const json_t *ca, const json_t *cb)
{
    json_t *diff = json_array();
    const char *key;
    json_t *va;
    json_object_foreach((json_t *)ca, key, va)
    {
        json_t *vb = json_object_get(cb, key);
        if (!vb || !json_equal(va, vb))
            json_array_append_new(diff, json_pack("{s:s, s:O, s:O}", "key", key, "a", va, "b",
                                                  vb ? vb : json_null()));
    }
    json_object_foreach((json_t *)cb, key, va)
    {
        if (!json_object_get(ca, key))
            json_array_append_new(diff, json_pack("{s:s, s:n, s:O}", "key", key, "b", va));
    }
    return diff;
}

static const char *group_name(const json_t *groups, size_t i)
{
    const char *v = json_string_value(json_object_get(json_array_get(groups, i), "name"));
    return v ? v : "";
}

mood_status mood_runs_compare(const char *runs_dir, const char *run_a, const char *run_b,
                              char **out_json)
{
    side a, b;
    size_t *ia = NULL, *ib = NULL, m = 0;
    int32_t *la = NULL, *lb = NULL;
    size_t *cont = NULL;
    const char *how = "";
    double ari = NAN;
    mood_status s;
    json_t *out = NULL;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    *out_json = NULL;
    s = load_side(runs_dir, run_a, &a);
    if (s == MOOD_OK)
        s = load_side(runs_dir, run_b, &b);
    if (s != MOOD_OK)
        goto done;
    ia = mood__malloc_array(a.n + 1, sizeof(size_t));
    ib = mood__malloc_array(a.n + 1, sizeof(size_t));
    if (!ia || !ib) {
        s = mood__enomem("compare");
        goto done;
    }
    s = match_rows(&a, &b, ia, ib, &m, &how);
    if (s != MOOD_OK)
        goto done;
    la = mood__malloc_array(m + 1, sizeof(int32_t));
    lb = mood__malloc_array(m + 1, sizeof(int32_t));
    cont = mood__calloc((a.k + 1) * (b.k + 1), sizeof(size_t));
    if (!la || !lb || !cont) {
        s = mood__enomem("compare");
        goto done;
    }
    for (size_t i = 0; i < m; i++) {
        la[i] = (int32_t)a.cluster[ia[i]];
        lb[i] = (int32_t)b.cluster[ib[i]];
    }
    if (m > 0) {
        s = mood_ari(la, lb, m, &ari);
        if (s != MOOD_OK)
            goto done;
    }
    s = mood_contingency(la, a.k, lb, b.k, m, cont);
    if (s != MOOD_OK)
        goto done;
    {
        json_t *counts = json_array(), *rows = json_array(), *cols = json_array();
        const json_t *ga = json_object_get(a.meta, "groups"),
                     *gb = json_object_get(b.meta, "groups");
        for (size_t i = 0; i < a.k; i++) {
            json_t *row = json_array();
            for (size_t j = 0; j < b.k; j++)
                json_array_append_new(row, json_integer((json_int_t)cont[i * b.k + j]));
            json_array_append_new(counts, row);
            json_array_append_new(rows, json_string(group_name(ga, i)));
        }
        for (size_t j = 0; j < b.k; j++)
            json_array_append_new(cols, json_string(group_name(gb, j)));
        out = json_pack(
            "{s:{s:s, s:O, s:O}, s:{s:s, s:O, s:O}, s:o, s:I, s:s, s:o, "
            "s:{s:o, s:o, s:o}}",
            "a", "run_id", run_a, "metrics", json_object_get(a.meta, "metrics"), "groups",
            json_object_get(a.meta, "groups"), "b", "run_id", run_b, "metrics",
            json_object_get(b.meta, "metrics"), "groups", json_object_get(b.meta, "groups"),
            "config_diff",
            config_diff(json_object_get(a.meta, "config"), json_object_get(b.meta, "config")),
            "common_rows", (json_int_t)m, "matched_by", how, "ari", mood__json_real(ari),
            "contingency", "rows", rows, "cols", cols, "counts", counts);
        if (!out) {
            s = mood__enomem("compare");
            goto done;
        }
        *out_json = mood__json_dumps(out, JSON_INDENT(2) | JSON_REAL_PRECISION(9));
        if (!*out_json)
            s = mood__enomem("compare");
    }
done:
    json_decref(out);
    mood__free(ia);
    mood__free(ib);
    mood__free(la);
    mood__free(lb);
    mood__free(cont);
    side_free(&a);
    side_free(&b);
    return s;
}
