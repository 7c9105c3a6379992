/*
 * The fitted pipeline: features → median imputation → scaler → optional PCA → cluster model →
 * group names. Saved as model.json, a versioned file that carries a checksum of its own
 * content so that a truncated or hand-edited model is refused rather than silently misread.
 */
#include "pipeline_internal.h"

#include "../core/hash.h"
#include "../core/internal.h"
#include "../io/json_util.h"

#include <moodscope/table.h>

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define MODEL_FORMAT  "moodscope-model"
#define MODEL_VERSION 1

void mood_pipeline_destroy(mood_pipeline *p)
{
    if (!p)
        return;
    for (size_t j = 0; p->features && j < p->d; j++)
        mood__free(p->features[j]);
    mood__free(p->features);
    mood__free(p->median);
    mood_scaler_free(&p->scaler);
    mood__free(p->pca_mean);
    mood__free(p->pca_components);
    mood_cluster_model_destroy(p->model);
    for (size_t c = 0; p->names && c < p->k; c++)
        mood__free(p->names[c]);
    mood__free(p->names);
    mood__free(p->sizes);
    mood__free(p);
}

size_t mood_pipeline_k(const mood_pipeline *p)
{
    return p->k;
}

const char *const *mood_pipeline_features(const mood_pipeline *p, size_t *out_k)
{
    if (out_k)
        *out_k = p->d;
    return (const char *const *)p->features;
}

const char *mood_pipeline_group_name(const mood_pipeline *p, size_t c)
{
    return c < p->k && p->names && p->names[c] ? p->names[c] : "";
}

mood_status mood__pipeline_transform(const mood_pipeline *p, const float *raw, size_t n,
                                     float **out, size_t *out_dim)
{
    size_t d = p->d;
    float *x = mood__malloc_array(n, d * sizeof(float));
    *out = NULL;
    if (!x)
        return mood__enomem("pipeline");
    memcpy(x, raw, n * d * sizeof(float));
    mood_impute_apply(x, n, d, p->median);
    mood_scaler_transform(&p->scaler, x, n);
    if (p->r == 0) {
        *out = x;
        *out_dim = d;
        return MOOD_OK;
    }
    /* Projection onto the stored components, accumulated in double like mood_pca_transform. */
    float *y = mood__malloc_array(n, p->r * sizeof(float));
    if (!y) {
        mood__free(x);
        return mood__enomem("pipeline");
    }
    for (size_t i = 0; i < n; i++) {
        const float *xi = x + i * d;
        for (size_t c = 0; c < p->r; c++) {
            const float *w = p->pca_components + c * d;
            double acc = 0;
            for (size_t j = 0; j < d; j++)
                acc += ((double)xi[j] - (double)p->pca_mean[j]) * (double)w[j];
            y[i * p->r + c] = (float)acc;
        }
    }
    mood__free(x);
    *out = y;
    *out_dim = p->r;
    return MOOD_OK;
}

mood_status mood_pipeline_predict(const mood_pipeline *p, const mood_table *t, int32_t *out_labels,
                                  float *out_dist)
{
    size_t n = mood_table_rows(t), dim, j;
    char missing[1024] = "";
    size_t n_missing = 0;
    float *raw, *x;
    mood_status s;
    for (size_t f = 0; f < p->d; f++) {
        if (mood_table_find(t, p->features[f], &j) != MOOD_OK ||
            mood_table_col_kind(t, j) != MOOD_COL_NUM) {
            size_t len = strlen(missing);
            snprintf(missing + len, sizeof missing - len, "%s'%s'", n_missing ? ", " : "",
                     p->features[f]);
            n_missing++;
        }
    }
    if (n_missing)
        return mood__error(MOOD_ENOTFOUND,
                           "the data lacks %zu feature%s the model needs (or has them as text): "
                           "%s",
                           n_missing, n_missing > 1 ? "s" : "", missing);
    raw = mood__malloc_array(n, p->d * sizeof(float));
    if (!raw)
        return mood__enomem("predict");
    s = mood_table_matrix(t, (const char *const *)p->features, p->d, raw);
    if (s == MOOD_OK)
        s = mood__pipeline_transform(p, raw, n, &x, &dim);
    mood__free(raw);
    if (s != MOOD_OK)
        return s;
    s = mood_cluster_predict(p->model, x, n, dim, out_labels, out_dist);
    mood__free(x);
    return s;
}

/* The checksum covers the canonical (sorted, compact, 17-digit) text of everything else. */
static uint64_t model_checksum(const json_t *j)
{
    json_t *copy = json_deep_copy(j);
    uint64_t h = 0;
    char *text;
    if (!copy)
        return 0;
    json_object_del(copy, "checksum");
    text = json_dumps(copy, JSON_SORT_KEYS | JSON_COMPACT | JSON_REAL_PRECISION(17));
    if (text) {
        h = mood__fnv1a(text, strlen(text), MOOD_FNV_OFFSET);
        free(text);
    }
    json_decref(copy);
    return h;
}

void mood__model_json_seal(json_t *j)
{
    char sum[32];
    snprintf(sum, sizeof sum, "fnv1a64:%016" PRIx64, model_checksum(j));
    json_object_set_new(j, "checksum", json_string(sum));
}

static json_t *string_array(char **v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(v[i] ? v[i] : ""));
    return a;
}

mood_status mood__pipeline_to_json(const mood_pipeline *p, json_t **out)
{
    json_t *j = json_object(), *model = NULL, *groups;
    char *model_text = NULL;
    mood_status s;
    json_error_t err;
    *out = NULL;
    if (!j)
        return mood__enomem("model.json");
    s = mood_cluster_model_to_json(p->model, &model_text);
    if (s != MOOD_OK) {
        json_decref(j);
        return s;
    }
    model = json_loads(model_text, 0, &err);
    mood_free(model_text);
    if (!model) {
        json_decref(j);
        return mood__error(MOOD_EINTERNAL, "model.json: cluster model JSON unreadable: %s",
                           err.text);
    }
    json_object_set_new(j, "format", json_string(MODEL_FORMAT));
    json_object_set_new(j, "version", json_integer(MODEL_VERSION));
    json_object_set_new(j, "moodscope", json_string(mood_version()));
    json_object_set_new(j, "features", string_array(p->features, p->d));
    json_object_set_new(j, "imputation",
                        json_pack("{s:s, s:o}", "strategy", "median", "values",
                                  mood__json_floats(p->median, p->d)));
    json_object_set_new(j, "scaler",
                        json_pack("{s:s, s:o, s:o}", "kind", mood_scaler_kind_name(p->scaler.kind),
                                  "center", mood__json_floats(p->scaler.center, p->d), "scale",
                                  mood__json_floats(p->scaler.scale, p->d)));
    if (p->r)
        json_object_set_new(j, "reduction",
                            json_pack("{s:s, s:I, s:o, s:o}", "kind", "pca", "components_n",
                                      (json_int_t)p->r, "mean",
                                      mood__json_floats(p->pca_mean, p->d), "components",
                                      mood__json_floats(p->pca_components, p->r * p->d)));
    else
        json_object_set_new(j, "reduction", json_null());
    json_object_set_new(j, "model", model);
    groups = json_array();
    for (size_t c = 0; c < p->k; c++)
        json_array_append_new(groups, json_pack("{s:I, s:s, s:I}", "id", (json_int_t)c, "name",
                                                p->names && p->names[c] ? p->names[c] : "", "size",
                                                (json_int_t)(p->sizes ? p->sizes[c] : 0)));
    json_object_set_new(j, "groups", groups);
    mood__model_json_seal(j);
    *out = j;
    return MOOD_OK;
}

static mood_status read_strings(const json_t *a, const char *file, const char *what, char ***out,
                                size_t *n)
{
    if (!json_is_array(a) || json_array_size(a) == 0)
        return mood__error(MOOD_EFORMAT, "%s: '%s' must be a non-empty list of names", file, what);
    *n = json_array_size(a);
    *out = mood__calloc(*n, sizeof(char *));
    if (!*out)
        return mood__enomem("model.json");
    for (size_t i = 0; i < *n; i++) {
        const char *v = json_string_value(json_array_get(a, i));
        if (!v)
            return mood__error(MOOD_EFORMAT, "%s: '%s'[%zu] is not a string", file, what, i);
        (*out)[i] = mood__strdup(v);
        if (!(*out)[i])
            return mood__enomem("model.json");
    }
    return MOOD_OK;
}

/* "format", "version" and the checksum over the rest of the file. */
static mood_status pipe_check_header(const json_t *j, const char *file)
{
    const char *fmt = json_string_value(json_object_get(j, "format"));
    const char *sum = json_string_value(json_object_get(j, "checksum"));
    char expect[32];
    if (!fmt || strcmp(fmt, MODEL_FORMAT) != 0)
        return mood__error(MOOD_EFORMAT, "%s: not a moodscope model (field 'format')", file);
    if (json_integer_value(json_object_get(j, "version")) != MODEL_VERSION)
        return mood__error(MOOD_EFORMAT, "%s: model version %lld, this moodscope reads version %d",
                           file, (long long)json_integer_value(json_object_get(j, "version")),
                           MODEL_VERSION);
    snprintf(expect, sizeof expect, "fnv1a64:%016" PRIx64, model_checksum(j));
    if (!sum || strcmp(sum, expect) != 0)
        return mood__error(MOOD_EFORMAT,
                           "%s: checksum mismatch (the file was changed or truncated after it was "
                           "written)",
                           file);
    return MOOD_OK;
}

/* The preprocessing: features, imputation values, the scaler and the optional PCA. */
static mood_status pipe_read_prep(const json_t *j, const char *file, mood_pipeline *p)
{
    mood_scaler_kind kind;
    mood_status s =
        read_strings(json_object_get(j, "features"), file, "features", &p->features, &p->d);
    if (s != MOOD_OK)
        return s;
    p->median = mood__malloc_array(p->d, sizeof(float));
    if (!p->median)
        return mood__enomem("model.json");
    s = mood__json_read_floats(json_object_get(json_object_get(j, "imputation"), "values"), p->d,
                               p->median, file, "imputation.values");
    if (s != MOOD_OK)
        return s;
    const json_t *sc = json_object_get(j, "scaler");
    const char *kind_name = json_string_value(json_object_get(sc, "kind"));
    if (!kind_name || mood_scaler_kind_parse(kind_name, &kind) != MOOD_OK)
        return mood__error(MOOD_EFORMAT, "%s: 'scaler.kind' is not a known scaler", file);
    float *center = mood__malloc_array(p->d, sizeof(float));
    float *scale = mood__malloc_array(p->d, sizeof(float));
    if (!center || !scale)
        s = mood__enomem("model.json");
    if (s == MOOD_OK)
        s = mood__json_read_floats(json_object_get(sc, "center"), p->d, center, file,
                                   "scaler.center");
    if (s == MOOD_OK)
        s = mood__json_read_floats(json_object_get(sc, "scale"), p->d, scale, file, "scaler.scale");
    if (s == MOOD_OK)
        s = mood_scaler_init(kind, p->d, center, scale, &p->scaler);
    mood__free(center);
    mood__free(scale);
    if (s != MOOD_OK)
        return s;
    const json_t *red = json_object_get(j, "reduction");
    if (!json_is_object(red))
        return MOOD_OK;
    json_int_t r = json_integer_value(json_object_get(red, "components_n"));
    if (r < 1 || (size_t)r > p->d)
        return mood__error(MOOD_EFORMAT, "%s: 'reduction.components_n' must be 1..%zu", file, p->d);
    p->r = (size_t)r;
    p->pca_mean = mood__malloc_array(p->d, sizeof(float));
    p->pca_components = mood__malloc_array(p->r * p->d, sizeof(float));
    if (!p->pca_mean || !p->pca_components)
        return mood__enomem("model.json");
    s = mood__json_read_floats(json_object_get(red, "mean"), p->d, p->pca_mean, file,
                               "reduction.mean");
    if (s == MOOD_OK)
        s = mood__json_read_floats(json_object_get(red, "components"), p->r * p->d,
                                   p->pca_components, file, "reduction.components");
    return s;
}

/* The clustering model (its dimension must match the preprocessing) and the group names. */
static mood_status pipe_read_model(const json_t *j, const char *file, mood_pipeline *p)
{
    char *text = json_dumps(json_object_get(j, "model"), JSON_REAL_PRECISION(17));
    if (!text)
        return mood__error(MOOD_EFORMAT, "%s: 'model' is missing", file);
    mood_status s = mood_cluster_model_from_json(text, &p->model);
    free(text);
    if (s != MOOD_OK)
        return mood__error_context(s, "%s: model", file);
    if (mood_cluster_model_dim(p->model) != (p->r ? p->r : p->d))
        return mood__error(MOOD_EFORMAT, "%s: model dimension %zu does not match %zu features",
                           file, mood_cluster_model_dim(p->model), p->r ? p->r : p->d);
    p->k = mood_cluster_model_k(p->model);
    const json_t *groups = json_object_get(j, "groups");
    p->names = mood__calloc(p->k ? p->k : 1, sizeof(char *));
    p->sizes = mood__calloc(p->k ? p->k : 1, sizeof(size_t));
    if (!p->names || !p->sizes)
        return mood__enomem("model.json");
    for (size_t c = 0; c < p->k; c++) {
        const json_t *g = json_array_get(groups, c);
        const char *name = json_string_value(json_object_get(g, "name"));
        char fallback[32];
        snprintf(fallback, sizeof fallback, "group %zu", c);
        p->names[c] = mood__strdup(name ? name : fallback);
        p->sizes[c] = (size_t)json_integer_value(json_object_get(g, "size"));
        if (!p->names[c])
            return mood__enomem("model.json");
    }
    return MOOD_OK;
}

mood_status mood__pipeline_from_json(const json_t *j, const char *file, mood_pipeline **out)
{
    mood_pipeline *p = mood__calloc(1, sizeof *p);
    mood_status s;
    *out = NULL;
    if (!p)
        return mood__enomem("model.json");
    s = pipe_check_header(j, file);
    if (s == MOOD_OK)
        s = pipe_read_prep(j, file, p);
    if (s == MOOD_OK)
        s = pipe_read_model(j, file, p);
    if (s != MOOD_OK) {
        mood_pipeline_destroy(p);
        return s;
    }
    *out = p;
    return MOOD_OK;
}

mood_status mood_pipeline_load(const char *model_json_path, mood_pipeline **out)
{
    json_t *j;
    mood_status s = mood__json_load(model_json_path, &j);
    *out = NULL;
    if (s != MOOD_OK)
        return s;
    s = mood__pipeline_from_json(j, model_json_path, out);
    json_decref(j);
    return s;
}
