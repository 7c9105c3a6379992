/*
 * Profiles of an already clustered table (a run's clustered_output.csv or any CSV with a
 * `cluster` column), and the row → group name table.
 */
#include "../core/internal.h"

#include <moodscope/csv.h>
#include <moodscope/describe.h>
#include <moodscope/features.h>
#include <moodscope/prep.h>
#include <moodscope/run.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

static mood_status cluster_labels(const mood_table *t, int32_t *labels, size_t *out_k)
{
    size_t j, n = mood_table_rows(t), k = 0;
    if (mood_table_find(t, "cluster", &j) != MOOD_OK || mood_table_col_kind(t, j) != MOOD_COL_NUM)
        return mood__error(MOOD_EINVAL, "the table has no numeric 'cluster' column (expected a "
                                        "clustered_output.csv)");
    const float *c = mood_table_num_const(t, j);
    for (size_t i = 0; i < n; i++) {
        if (isnan(c[i]) || c[i] < -1 || c[i] != floorf(c[i]))
            return mood__error(MOOD_EINVAL, "row %zu: cluster '%g' is not a group number", i + 1,
                               (double)c[i]);
        labels[i] = (int32_t)c[i];
        if (labels[i] >= 0 && (size_t)labels[i] + 1 > k)
            k = (size_t)labels[i] + 1;
    }
    if (k == 0)
        return mood__error(MOOD_EINVAL, "no row belongs to a group");
    *out_k = k;
    return MOOD_OK;
}

/* all-numeric, minus the columns a run adds. */
static mood_status choose_features(const mood_table *t, const char *spec, mood_feature_list *fl)
{
    mood_status s = mood_features_select(t, spec, fl);
    if (s != MOOD_OK || (spec && spec[0] && strcmp(spec, "all-numeric") != 0))
        return s;
    for (size_t j = 0; j < fl->k;) {
        if (strcmp(fl->names[j], "distance") == 0 || strcmp(fl->names[j], "cluster") == 0) {
            mood__free(fl->names[j]);
            memmove(&fl->names[j], &fl->names[j + 1], (fl->k - j - 1) * sizeof(char *));
            fl->k--;
        } else {
            j++;
        }
    }
    if (fl->k == 0)
        return mood__error(MOOD_EINVAL, "no numeric feature columns to profile");
    return MOOD_OK;
}

mood_status mood_clustered_profile(const mood_table *t, const char *features,
                                   const char *label_column, mood_profile **out_profile,
                                   mood_label_profile **out_labels)
{
    size_t n = mood_table_rows(t), k = 0;
    mood_feature_list fl;
    int32_t *labels = mood__malloc_array(n + 1, sizeof(int32_t));
    float *x = NULL, *med = NULL;
    const char **vals = NULL;
    mood_status s;
    memset(&fl, 0, sizeof fl);
    *out_profile = NULL;
    if (out_labels)
        *out_labels = NULL;
    if (!labels)
        return mood__enomem("profile");
    s = cluster_labels(t, labels, &k);
    if (s != MOOD_OK)
        goto done;
    s = choose_features(t, features, &fl);
    if (s != MOOD_OK)
        goto done;
    x = mood__malloc_array(n, fl.k * sizeof(float));
    med = mood__malloc_array(fl.k, sizeof(float));
    if (!x || !med) {
        s = mood__enomem("profile");
        goto done;
    }
    s = mood_table_matrix(t, (const char *const *)fl.names, fl.k, x);
    if (s == MOOD_OK)
        s = mood_impute_fit(x, n, fl.k, med, NULL);
    if (s != MOOD_OK)
        goto done;
    mood_impute_apply(x, n, fl.k, med);
    s = mood_profile_compute(x, n, fl.k, (const char *const *)fl.names, labels, k, out_profile);
    if (s != MOOD_OK)
        goto done;
    if (label_column && out_labels) {
        size_t j;
        char buf[32];
        s = mood_table_find(t, label_column, &j);
        if (s != MOOD_OK)
            goto done;
        vals = mood__calloc(n + 1, sizeof(char *));
        char **owned = mood__calloc(n + 1, sizeof(char *));
        if (!vals || !owned) {
            mood__free(owned);
            s = mood__enomem("profile");
            goto done;
        }
        for (size_t i = 0; i < n; i++) {
            if (mood_table_col_kind(t, j) == MOOD_COL_STR) {
                vals[i] = mood_table_str(t, j, i);
            } else {
                float v = mood_table_num_const(t, j)[i];
                if (isnan(v))
                    buf[0] = '\0';
                else
                    snprintf(buf, sizeof buf, "%.9g", (double)v);
                owned[i] = mood__strdup(buf);
                vals[i] = owned[i] ? owned[i] : "";
            }
        }
        s = mood_label_profile_compute(vals, labels, n, k, out_labels);
        for (size_t i = 0; i < n; i++)
            mood__free(owned[i]);
        mood__free(owned);
    }
done:
    if (s != MOOD_OK) {
        mood_profile_destroy(*out_profile);
        *out_profile = NULL;
    }
    mood_feature_list_free(&fl);
    mood__free(labels);
    mood__free(x);
    mood__free(med);
    mood__free(vals);
    return s;
}

mood_status mood_group_table_write(const mood_table *t, const mood_profile *p,
                                   const mood_label_profile *lp, const char *path)
{
    size_t n = mood_table_rows(t), j, id_col = 0, k = mood_profile_k(p);
    int has_id = 0;
    mood_table *out;
    mood_status s;
    const char **ids = mood__calloc(n + 1, sizeof(char *));
    const char **names = mood__calloc(n + 1, sizeof(char *));
    const char **lnames = mood__calloc(n + 1, sizeof(char *));
    char(*rowbuf)[24] = NULL;
    float *cl = mood__malloc_array(n + 1, sizeof(float));
    if (!ids || !names || !lnames || !cl) {
        s = mood__enomem("group table");
        goto done;
    }
    if (mood_table_find(t, "cluster", &j) != MOOD_OK) {
        s = mood__error(MOOD_EINVAL, "the table has no 'cluster' column");
        goto done;
    }
    const float *c = mood_table_num_const(t, j);
    for (size_t col = 0; col < mood_table_cols(t); col++)
        if (mood_table_col_kind(t, col) == MOOD_COL_STR &&
            mood_features_is_identifier(mood_table_col_name(t, col))) {
            id_col = col;
            has_id = 1;
            break;
        }
    if (!has_id)
        rowbuf = mood__calloc(n + 1, sizeof *rowbuf);
    if (!has_id && !rowbuf) {
        s = mood__enomem("group table");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        int32_t g = (int32_t)c[i];
        if (has_id) {
            ids[i] = mood_table_str(t, id_col, i);
        } else {
            snprintf(rowbuf[i], sizeof rowbuf[i], "%zu", i);
            ids[i] = rowbuf[i];
        }
        cl[i] = c[i];
        names[i] = g >= 0 && (size_t)g < k ? mood_profile_name(p, (size_t)g) : "noise";
        lnames[i] = lp && g >= 0 && (size_t)g < k ? mood_label_profile_name(lp, (size_t)g) : "";
    }
    s = mood_table_create(n, &out);
    if (s != MOOD_OK)
        goto done;
    s = mood_table_add_str(out, has_id ? mood_table_col_name(t, id_col) : "row", ids);
    if (s == MOOD_OK)
        s = mood_table_add_num(out, "cluster", cl);
    if (s == MOOD_OK)
        s = mood_table_add_str(out, "cluster_name", names);
    if (s == MOOD_OK && lp)
        s = mood_table_add_str(out, "label_group", lnames);
    if (s == MOOD_OK)
        s = mood_csv_write(path, out, NULL);
    mood_table_destroy(out);
done:
    mood__free(ids);
    mood__free(names);
    mood__free(lnames);
    mood__free(rowbuf);
    mood__free(cl);
    return s;
}
