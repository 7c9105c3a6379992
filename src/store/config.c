/*
 * Run configuration files: a JSON list of runs (the old tool's runs.json / configs.json), with
 * // and block comments allowed because users paste annotated examples.
 */
#define _POSIX_C_SOURCE 200809L
#include "../core/internal.h"
#include "../io/json_util.h"

#include <moodscope/fileio.h>
#include <moodscope/run.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct arena {
    json_t *root;
    char **strs;
    size_t n;
} arena;

static const char *arena_keep(arena *a, char *s)
{
    char **v = mood__realloc(a->strs, (a->n + 1) * sizeof(char *));
    if (!v) {
        mood__free(s);
        return NULL;
    }
    a->strs = v;
    a->strs[a->n++] = s;
    return s;
}

/*
 * Blank out comments outside strings, keeping newlines so that jansson's line numbers still
 * point at the user's file.
 */
static void strip_comments(char *t)
{
    int in_str = 0;
    for (char *p = t; *p; p++) {
        if (in_str) {
            if (*p == '\\' && p[1])
                p++;
            else if (*p == '"')
                in_str = 0;
        } else if (*p == '"') {
            in_str = 1;
        } else if (p[0] == '/' && p[1] == '/') {
            while (*p && *p != '\n')
                *p++ = ' ';
            if (!*p)
                break;
        } else if (p[0] == '/' && p[1] == '*') {
            *p++ = ' ';
            *p = ' ';
            while (p[1] && !(p[1] == '*' && p[2] == '/')) {
                p++;
                if (*p != '\n')
                    *p = ' ';
            }
            if (p[1]) {
                p[1] = ' ';
                p[2] = ' ';
                p += 2;
            } else {
                break;
            }
        }
    }
}

/* Look a key up in the entry, then in its "model" and "preprocessing" sub-objects. */
static const json_t *field(const json_t *e, const char *key)
{
    const json_t *v = json_object_get(e, key);
    if (!v)
        v = json_object_get(json_object_get(e, "model"), key);
    if (!v)
        v = json_object_get(json_object_get(e, "preprocessing"), key);
    return v;
}

static mood_status want_uint(const json_t *e, const char *key, const char *file, size_t idx,
                             size_t *out)
{
    const json_t *v = field(e, key);
    if (!v || json_is_null(v))
        return MOOD_OK;
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return mood__error(MOOD_EFORMAT, "%s: run %zu: '%s' must be a non-negative integer", file,
                           idx + 1, key);
    *out = (size_t)json_integer_value(v);
    return MOOD_OK;
}

static mood_status want_real(const json_t *e, const char *key, const char *file, size_t idx,
                             double *out)
{
    const json_t *v = field(e, key);
    if (!v || json_is_null(v))
        return MOOD_OK;
    if (!json_is_number(v))
        return mood__error(MOOD_EFORMAT, "%s: run %zu: '%s' must be a number", file, idx + 1, key);
    *out = json_number_value(v);
    return MOOD_OK;
}

static mood_status parse_entry(const json_t *e, const char *file, size_t idx, arena *a,
                               mood_run_config *c)
{
    mood_status s = MOOD_OK;
    const json_t *v;
    size_t seed = 0;
    mood_run_config_default(c);
    if (!json_is_object(e))
        return mood__error(MOOD_EFORMAT, "%s: run %zu: expected an object", file, idx + 1);
    c->name = json_string_value(json_object_get(e, "name"));
    /* features_used: a list of names or a string spec. */
    v = json_object_get(e, "features_used");
    if (!v)
        v = json_object_get(e, "features");
    if (json_is_string(v)) {
        c->features = json_string_value(v);
    } else if (json_is_array(v)) {
        size_t len = 1;
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (!json_is_string(json_array_get(v, i)))
                return mood__error(MOOD_EFORMAT, "%s: run %zu: features_used[%zu] is not a name",
                                   file, idx + 1, i);
            len += strlen(json_string_value(json_array_get(v, i))) + 1;
        }
        char *spec = mood__calloc(len, 1);
        if (!spec || !arena_keep(a, spec))
            return mood__enomem("config");
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                strcat(spec, ",");
            strcat(spec, json_string_value(json_array_get(v, i)));
        }
        c->features = spec;
    } else if (v && !json_is_null(v)) {
        return mood__error(MOOD_EFORMAT, "%s: run %zu: 'features_used' must be a list of names",
                           file, idx + 1);
    }
    v = field(e, "scaler");
    if (v && !json_is_null(v)) {
        if (!json_is_string(v) || mood_scaler_kind_parse(json_string_value(v), &c->scaler) != 0)
            return mood__error(MOOD_EFORMAT,
                               "%s: run %zu: 'scaler' must be standard, minmax, robust or none",
                               file, idx + 1);
    }
    v = field(e, "algorithm");
    if (v && !json_is_null(v)) {
        if (!json_is_string(v) ||
            mood_algorithm_parse(json_string_value(v), &c->cluster.algorithm) != MOOD_OK)
            return mood__error(MOOD_EFORMAT,
                               "%s: run %zu: 'algorithm' must be kmeans, minibatch, gmm, dbscan "
                               "or spectral",
                               file, idx + 1);
    }
    v = field(e, "n_clusters");
    if (!v)
        v = field(e, "clusters");
    if (v && (json_is_null(v) || (json_is_string(v) && strcmp(json_string_value(v), "auto") == 0)))
        c->auto_k = 1;
    else if (v && (!json_is_integer(v) || json_integer_value(v) < 1))
        return mood__error(MOOD_EFORMAT,
                           "%s: run %zu: 'n_clusters' must be a positive integer, \"auto\" or "
                           "null",
                           file, idx + 1);
    else if (v)
        c->cluster.k = (size_t)json_integer_value(v);
    s = want_uint(e, "random_state", file, idx, &seed);
    if (s == MOOD_OK)
        s = want_uint(e, "seed", file, idx, &seed);
    if (s != MOOD_OK)
        return s;
    c->cluster.seed = seed;
    s = want_uint(e, "n_init", file, idx, &c->cluster.n_init);
    if (s == MOOD_OK)
        s = want_uint(e, "max_iter", file, idx, &c->cluster.max_iter);
    if (s == MOOD_OK)
        s = want_uint(e, "min_samples", file, idx, &c->cluster.min_samples);
    if (s == MOOD_OK)
        s = want_uint(e, "n_neighbors", file, idx, &c->cluster.n_neighbors);
    if (s == MOOD_OK)
        s = want_uint(e, "batch_size", file, idx, &c->cluster.batch_size);
    if (s == MOOD_OK)
        s = want_uint(e, "pca_components", file, idx, &c->pca_components);
    if (s == MOOD_OK)
        s = want_uint(e, "k_min", file, idx, &c->autok.k_min);
    if (s == MOOD_OK)
        s = want_uint(e, "k_max", file, idx, &c->autok.k_max);
    if (s == MOOD_OK)
        s = want_real(e, "tol", file, idx, &c->cluster.tol);
    if (s == MOOD_OK)
        s = want_real(e, "eps", file, idx, &c->cluster.eps);
    if (s == MOOD_OK)
        s = want_real(e, "reg_covar", file, idx, &c->cluster.reg_covar);
    if (s != MOOD_OK)
        return s;
    v = field(e, "covariance_type");
    if (json_is_string(v)) {
        if (strcmp(json_string_value(v), "diag") == 0)
            c->cluster.covariance = MOOD_COV_DIAG;
        else if (strcmp(json_string_value(v), "full") == 0)
            c->cluster.covariance = MOOD_COV_FULL;
        else
            return mood__error(MOOD_EFORMAT, "%s: run %zu: 'covariance_type' must be full or diag",
                               file, idx + 1);
    }
    c->label_column = json_string_value(field(e, "label_column"));
    /* scikit-learn's GaussianMixture fits once by default; k-means restarts 10 times. */
    if (c->cluster.algorithm == MOOD_ALGO_GMM && !field(e, "n_init"))
        c->cluster.n_init = 1;
    v = field(e, "search");
    if (json_is_boolean(v))
        c->search = json_is_true(v);
    return MOOD_OK;
}

void mood_run_configs_free(mood_run_config *configs, void *arena_ptr)
{
    arena *a = arena_ptr;
    mood__free(configs);
    if (!a)
        return;
    for (size_t i = 0; i < a->n; i++)
        mood__free(a->strs[i]);
    mood__free(a->strs);
    json_decref(a->root);
    mood__free(a);
}

mood_status mood_run_configs_parse(const char *path, mood_run_config **out, size_t *n,
                                   void **out_arena)
{
    char *text;
    json_error_t err;
    const json_t *list;
    arena *a;
    mood_status s = mood_read_file(path, &text, NULL);
    *out = NULL;
    *n = 0;
    *out_arena = NULL;
    if (s != MOOD_OK)
        return s;
    strip_comments(text);
    a = mood__calloc(1, sizeof *a);
    if (!a) {
        mood_free(text);
        return mood__enomem("config");
    }
    a->root = json_loads(text, 0, &err);
    mood_free(text);
    if (!a->root) {
        mood_run_configs_free(NULL, a);
        return mood__error(MOOD_EFORMAT, "%s:%d:%d: %s", path, err.line, err.column, err.text);
    }
    list = json_is_array(a->root) ? a->root : json_object_get(a->root, "runs");
    if (!list && json_is_object(a->root))
        list = NULL;
    if (json_is_object(a->root) && !list) {
        /* A single run object. */
        json_t *wrap = json_array();
        json_array_append(wrap, a->root);
        json_decref(a->root);
        a->root = wrap;
        list = wrap;
    }
    if (!json_is_array(list) || json_array_size(list) == 0) {
        mood_run_configs_free(NULL, a);
        return mood__error(MOOD_EFORMAT, "%s: expected a non-empty JSON list of run configs", path);
    }
    *out = mood__calloc(json_array_size(list), sizeof(mood_run_config));
    if (!*out) {
        mood_run_configs_free(NULL, a);
        return mood__enomem("config");
    }
    for (size_t i = 0; i < json_array_size(list); i++) {
        s = parse_entry(json_array_get(list, i), path, i, a, &(*out)[i]);
        if (s != MOOD_OK) {
            mood_run_configs_free(*out, a);
            *out = NULL;
            return s;
        }
    }
    *n = json_array_size(list);
    *out_arena = a;
    return MOOD_OK;
}
