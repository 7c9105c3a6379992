/*
 * The model file: a JSON object (jansson) with the algorithm, its parameters and everything
 * predict needs. Floats are written with 17 significant digits, so a loaded model reproduces
 * the fitted centres bit for bit and predicts the same labels.
 *
 * {"format": "moodscope-cluster-model", "version": 1, "algorithm": "kmeans", "k": 4, "d": 5,
 *  "params": {...}, "inertia": ..., "n_iter": ..., "centroids": [[...], ...],
 *  "gmm": {"covariance": "full", "weights": [...], "means": [[...]], "covariances": [...],
 *          "log_likelihood": ...},
 *  "dbscan": {"eps": ..., "min_samples": ..., "core_points": [[...]], "core_labels": [...]}}
 */
#include "cluster_internal.h"

#include "../core/internal.h"
#include "../io/json_util.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

#define MODEL_FORMAT  "moodscope-cluster-model"
#define MODEL_VERSION 1

static json_t *float_matrix(const float *v, size_t rows, size_t cols)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < rows; i++) {
        json_t *r = json_array();
        for (size_t j = 0; r && j < cols; j++)
            if (json_array_append_new(r, json_real((double)v[i * cols + j])) != 0) {
                json_decref(r);
                r = NULL;
            }
        if (!r || json_array_append_new(a, r) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *double_array(const double *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, json_real(v[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

mood_status mood_cluster_model_to_json(const mood_cluster_model *m, char **out_json)
{
    if (!m || !out_json)
        return mood__error(MOOD_EINVAL, "model to_json: NULL argument");
    *out_json = NULL;
    const mood_cluster_params *p = &m->params;
    json_t *root = json_object(), *par = json_object();
    int bad = !root || !par;
    if (!bad) {
        bad |= json_object_set_new(root, "format", json_string(MODEL_FORMAT));
        bad |= json_object_set_new(root, "version", json_integer(MODEL_VERSION));
        bad |=
            json_object_set_new(root, "algorithm", json_string(mood_algorithm_name(m->algorithm)));
        bad |= json_object_set_new(root, "k", json_integer((json_int_t)m->k));
        bad |= json_object_set_new(root, "d", json_integer((json_int_t)m->d));
        bad |= json_object_set_new(par, "k", json_integer((json_int_t)p->k));
        /* Seeds are 64-bit unsigned: stored as a decimal string so no bit is lost. */
        char seed[32];
        snprintf(seed, sizeof seed, "%llu", (unsigned long long)p->seed);
        bad |= json_object_set_new(par, "seed", json_string(seed));
        bad |= json_object_set_new(par, "n_init", json_integer((json_int_t)p->n_init));
        bad |= json_object_set_new(par, "max_iter", json_integer((json_int_t)p->max_iter));
        bad |= json_object_set_new(par, "tol", json_real(p->tol));
        bad |= json_object_set_new(par, "batch_size", json_integer((json_int_t)p->batch_size));
        bad |= json_object_set_new(par, "covariance",
                                   json_string(p->covariance == MOOD_COV_DIAG ? "diag" : "full"));
        bad |= json_object_set_new(par, "reg_covar", json_real(p->reg_covar));
        bad |= json_object_set_new(par, "eps", json_real(p->eps));
        bad |= json_object_set_new(par, "min_samples", json_integer((json_int_t)p->min_samples));
        bad |= json_object_set_new(par, "n_neighbors", json_integer((json_int_t)p->n_neighbors));
        bad |= json_object_set(root, "params", par);
        bad |= json_object_set_new(root, "inertia", mood__json_real(m->inertia));
        bad |= json_object_set_new(root, "n_iter", json_integer((json_int_t)m->n_iter));
        bad |= json_object_set_new(root, "centroids", float_matrix(m->centroids, m->k, m->d));
    }
    if (!bad && m->algorithm == MOOD_ALGO_GMM) {
        json_t *g = json_object();
        size_t csz = m->covariance == MOOD_COV_FULL ? m->k * m->d * m->d : m->k * m->d;
        bad |= !g;
        if (g) {
            bad |= json_object_set_new(
                g, "covariance", json_string(m->covariance == MOOD_COV_DIAG ? "diag" : "full"));
            bad |= json_object_set_new(g, "weights", double_array(m->weights, m->k));
            bad |= json_object_set_new(g, "means", double_array(m->means, m->k * m->d));
            bad |= json_object_set_new(g, "covariances", double_array(m->covariances, csz));
            bad |= json_object_set_new(g, "log_likelihood", mood__json_real(m->log_likelihood));
            bad |= json_object_set_new(root, "gmm", g);
        }
    }
    if (!bad && m->algorithm == MOOD_ALGO_DBSCAN) {
        json_t *g = json_object(), *cl = json_array();
        bad |= !g || !cl;
        for (size_t i = 0; !bad && i < m->n_core; i++)
            bad |= json_array_append_new(cl, json_integer(m->core_label[i]));
        if (g) {
            bad |= json_object_set_new(g, "eps", json_real(m->eps));
            bad |= json_object_set_new(g, "min_samples", json_integer((json_int_t)p->min_samples));
            bad |= json_object_set_new(g, "core_points", float_matrix(m->core, m->n_core, m->d));
            bad |= json_object_set(g, "core_labels", cl);
            bad |= json_object_set_new(root, "dbscan", g);
        }
        json_decref(cl);
    }
    json_decref(par);
    char *txt = bad ? NULL : json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!txt)
        return mood__enomem("model to_json");
    /* Hand back memory the caller can release with mood_free(). */
    *out_json = mood__strdup(txt);
    free(txt);
    if (!*out_json)
        return mood__enomem("model to_json");
    return MOOD_OK;
}

/* Field readers: each failure names the field and what was expected. */
static mood_status get_size(json_t *o, const char *key, size_t *out, int required)
{
    json_t *v = json_object_get(o, key);
    if (!v) {
        if (required)
            return mood__error(MOOD_EFORMAT, "model: field '%s' missing", key);
        return MOOD_OK;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return mood__error(MOOD_EFORMAT, "model: field '%s' must be a non-negative integer", key);
    *out = (size_t)json_integer_value(v);
    return MOOD_OK;
}

static mood_status get_real(json_t *o, const char *key, double *out, int required)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) {
        if (required && !v)
            return mood__error(MOOD_EFORMAT, "model: field '%s' missing", key);
        if (v)
            *out = NAN;
        return MOOD_OK;
    }
    if (!json_is_number(v))
        return mood__error(MOOD_EFORMAT, "model: field '%s' must be a number", key);
    *out = json_number_value(v);
    return MOOD_OK;
}

static mood_status get_floats(json_t *a, const char *key, size_t rows, size_t cols, float *out)
{
    if (!json_is_array(a) || json_array_size(a) != rows)
        return mood__error(MOOD_EFORMAT, "model: field '%s' must be an array of %zu rows", key,
                           rows);
    for (size_t i = 0; i < rows; i++) {
        json_t *r = json_array_get(a, i);
        if (!json_is_array(r) || json_array_size(r) != cols)
            return mood__error(MOOD_EFORMAT, "model: field '%s' row %zu must hold %zu numbers", key,
                               i, cols);
        for (size_t j = 0; j < cols; j++) {
            json_t *v = json_array_get(r, j);
            if (!json_is_number(v))
                return mood__error(MOOD_EFORMAT, "model: field '%s'[%zu][%zu] is not a number", key,
                                   i, j);
            out[i * cols + j] = (float)json_number_value(v);
        }
    }
    return MOOD_OK;
}

static mood_status get_doubles(json_t *o, const char *key, size_t n, double **out)
{
    json_t *a = json_object_get(o, key);
    if (!json_is_array(a) || json_array_size(a) != n)
        return mood__error(MOOD_EFORMAT, "model: field 'gmm.%s' must be an array of %zu numbers",
                           key, n);
    *out = mood__malloc_array(n ? n : 1, sizeof(double));
    if (!*out)
        return mood__enomem("model from_json");
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(a, i);
        if (!json_is_number(v))
            return mood__error(MOOD_EFORMAT, "model: field 'gmm.%s'[%zu] is not a number", key, i);
        (*out)[i] = json_number_value(v);
    }
    return MOOD_OK;
}

/* "format", "version", "algorithm", "k" and "d", checked. */
static mood_status read_header(json_t *root, mood_algorithm *algo, size_t *k, size_t *d)
{
    size_t version = 0;
    mood_status st;
    json_t *f = json_object_get(root, "format");
    if (!json_is_object(root) || !json_is_string(f) ||
        strcmp(json_string_value(f), MODEL_FORMAT) != 0)
        return mood__error(MOOD_EFORMAT, "model: field 'format' must be \"%s\"", MODEL_FORMAT);
    st = get_size(root, "version", &version, 1);
    if (st != MOOD_OK)
        return st;
    if (version != MODEL_VERSION)
        return mood__error(MOOD_EFORMAT, "model: version %zu, this build reads version %d", version,
                           MODEL_VERSION);
    json_t *an = json_object_get(root, "algorithm");
    if (!json_is_string(an))
        return mood__error(MOOD_EFORMAT, "model: field 'algorithm' must be a string");
    st = mood_algorithm_parse(json_string_value(an), algo);
    if (st != MOOD_OK)
        return mood__error(MOOD_EFORMAT, "model: field 'algorithm': %s", mood_last_error());
    st = get_size(root, "k", k, 1);
    if (st == MOOD_OK)
        st = get_size(root, "d", d, 1);
    if (st != MOOD_OK)
        return st;
    if (*d == 0 || (*k == 0 && *algo != MOOD_ALGO_DBSCAN) || *d > 1000000 || *k > 10000000)
        return mood__error(MOOD_EFORMAT, "model: k=%zu d=%zu out of range", *k, *d);
    return MOOD_OK;
}

/* The optional "params" object into @p p (defaults for what is absent). */
static mood_status read_params(json_t *par, mood_cluster_params *p)
{
    mood_status st;
    if (!json_is_object(par))
        return MOOD_OK;
    json_t *sd = json_object_get(par, "seed");
    if (json_is_string(sd))
        p->seed = strtoull(json_string_value(sd), NULL, 10);
    else if (json_is_integer(sd))
        p->seed = (uint64_t)json_integer_value(sd);
    json_t *cv = json_object_get(par, "covariance");
    if (json_is_string(cv))
        p->covariance = strcmp(json_string_value(cv), "diag") == 0 ? MOOD_COV_DIAG : MOOD_COV_FULL;
    st = get_size(par, "k", &p->k, 0);
    if (st == MOOD_OK)
        st = get_size(par, "n_init", &p->n_init, 0);
    if (st == MOOD_OK)
        st = get_size(par, "max_iter", &p->max_iter, 0);
    if (st == MOOD_OK)
        st = get_real(par, "tol", &p->tol, 0);
    if (st == MOOD_OK)
        st = get_size(par, "batch_size", &p->batch_size, 0);
    if (st == MOOD_OK)
        st = get_real(par, "reg_covar", &p->reg_covar, 0);
    if (st == MOOD_OK)
        st = get_real(par, "eps", &p->eps, 0);
    if (st == MOOD_OK)
        st = get_size(par, "min_samples", &p->min_samples, 0);
    if (st == MOOD_OK)
        st = get_size(par, "n_neighbors", &p->n_neighbors, 0);
    return st;
}

/* The "gmm" object: weights, means, covariances, log-likelihood, then the Cholesky factors. */
static mood_status read_gmm(json_t *root, mood_cluster_model *m, size_t k, size_t d)
{
    mood_status st;
    json_t *g = json_object_get(root, "gmm");
    if (!json_is_object(g))
        return mood__error(MOOD_EFORMAT, "model: field 'gmm' missing for algorithm gmm");
    json_t *cv = json_object_get(g, "covariance");
    m->covariance = json_is_string(cv) && strcmp(json_string_value(cv), "diag") == 0
                        ? MOOD_COV_DIAG
                        : MOOD_COV_FULL;
    size_t csz = m->covariance == MOOD_COV_FULL ? k * d * d : k * d;
    st = get_doubles(g, "weights", k, &m->weights);
    if (st == MOOD_OK)
        st = get_doubles(g, "means", k * d, &m->means);
    if (st == MOOD_OK)
        st = get_doubles(g, "covariances", csz, &m->covariances);
    if (st == MOOD_OK)
        st = get_real(g, "log_likelihood", &m->log_likelihood, 0);
    if (st != MOOD_OK)
        return st;
    st = mood__gmm_prepare(m);
    if (st != MOOD_OK)
        return mood__error(MOOD_EFORMAT, "model: field 'gmm.covariances': %s", mood_last_error());
    return MOOD_OK;
}

/* The "dbscan" object: eps, the core points and their labels (each in 0..k-1). */
static mood_status read_dbscan(json_t *root, mood_cluster_model *m, size_t k, size_t d)
{
    mood_status st;
    json_t *g = json_object_get(root, "dbscan");
    if (!json_is_object(g))
        return mood__error(MOOD_EFORMAT, "model: field 'dbscan' missing for algorithm dbscan");
    st = get_real(g, "eps", &m->eps, 1);
    if (st != MOOD_OK)
        return st;
    json_t *cp = json_object_get(g, "core_points"), *cl = json_object_get(g, "core_labels");
    if (!json_is_array(cp) || !json_is_array(cl) || json_array_size(cp) != json_array_size(cl))
        return mood__error(MOOD_EFORMAT,
                           "model: fields 'dbscan.core_points' and 'dbscan.core_labels' must "
                           "be arrays of equal length");
    m->n_core = json_array_size(cp);
    m->core = mood__malloc_array(m->n_core * d + 1, sizeof(float));
    m->core_label = mood__malloc_array(m->n_core + 1, sizeof(int32_t));
    if (!m->core || !m->core_label)
        return mood__enomem("model from_json");
    st = get_floats(cp, "dbscan.core_points", m->n_core, d, m->core);
    if (st != MOOD_OK)
        return st;
    for (size_t i = 0; i < m->n_core; i++) {
        json_t *v = json_array_get(cl, i);
        if (!json_is_integer(v) || json_integer_value(v) < 0 || (size_t)json_integer_value(v) >= k)
            return mood__error(MOOD_EFORMAT,
                               "model: field 'dbscan.core_labels'[%zu] must be "
                               "in 0..%zu",
                               i, k ? k - 1 : 0);
        m->core_label[i] = (int32_t)json_integer_value(v);
    }
    return MOOD_OK;
}

/* Everything after the header and the parameters: the model and its algorithm's part. */
static mood_status read_model(json_t *root, mood_algorithm algo, size_t k, size_t d,
                              const mood_cluster_params *p, mood_cluster_model **out)
{
    mood_cluster_model *m = NULL;
    mood_status st = mood__model_new(algo, k, d, p, &m);
    if (st != MOOD_OK)
        return st;
    st = get_real(root, "inertia", &m->inertia, 0);
    if (st == MOOD_OK)
        st = get_size(root, "n_iter", &m->n_iter, 0);
    if (st == MOOD_OK && k)
        st = get_floats(json_object_get(root, "centroids"), "centroids", k, d, m->centroids);
    if (st == MOOD_OK && algo == MOOD_ALGO_GMM)
        st = read_gmm(root, m, k, d);
    if (st == MOOD_OK && algo == MOOD_ALGO_DBSCAN)
        st = read_dbscan(root, m, k, d);
    if (st != MOOD_OK) {
        mood_cluster_model_destroy(m);
        return st;
    }
    *out = m;
    return MOOD_OK;
}

mood_status mood_cluster_model_from_json(const char *json, mood_cluster_model **out)
{
    if (!json || !out)
        return mood__error(MOOD_EINVAL, "model from_json: NULL argument");
    *out = NULL;
    json_error_t jerr;
    json_t *root = json_loads(json, 0, &jerr);
    if (!root)
        return mood__error(MOOD_EFORMAT, "model: line %d column %d: %s", jerr.line, jerr.column,
                           jerr.text);
    size_t k = 0, d = 0;
    mood_algorithm algo;
    mood_cluster_params p;
    mood_status st = read_header(root, &algo, &k, &d);
    if (st == MOOD_OK) {
        mood_cluster_params_default(&p);
        p.algorithm = algo;
        st = read_params(json_object_get(root, "params"), &p);
    }
    if (st == MOOD_OK)
        st = read_model(root, algo, k, d, &p, out);
    json_decref(root);
    return st;
}
