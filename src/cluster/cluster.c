/*
 * One entry point over every clustering algorithm: parameter defaults, validation, dispatch to
 * the algorithm's fit, and prediction from a fitted model. The model file lives in
 * cluster_json.c, each algorithm in its own file.
 */
#include "cluster_internal.h"

#include "../core/internal.h"
#include "kmeans_internal.h"

#include <math.h>
#include <string.h>

static const char *const algo_names[] = {"kmeans", "minibatch", "gmm", "dbscan", "spectral"};

void mood_cluster_params_default(mood_cluster_params *p)
{
    memset(p, 0, sizeof *p);
    p->algorithm = MOOD_ALGO_KMEANS;
    p->k = 8;
    p->seed = 0;
    p->n_init = 10;
    p->max_iter = 0;
    p->tol = 1e-4;
    p->batch_size = 1024;
    p->covariance = MOOD_COV_FULL;
    p->reg_covar = 1e-6;
    p->eps = 0.0;
    p->min_samples = 5;
    p->n_neighbors = 10;
}

mood_status mood_algorithm_parse(const char *name, mood_algorithm *out)
{
    if (!name || !out)
        return mood__error(MOOD_EINVAL, "algorithm: NULL name");
    for (size_t i = 0; i < sizeof algo_names / sizeof *algo_names; i++)
        if (strcmp(name, algo_names[i]) == 0) {
            *out = (mood_algorithm)i;
            return MOOD_OK;
        }
    if (strcmp(name, "k-means") == 0 || strcmp(name, "KMeans") == 0) {
        *out = MOOD_ALGO_KMEANS;
        return MOOD_OK;
    }
    if (strcmp(name, "mini-batch") == 0 || strcmp(name, "MiniBatchKMeans") == 0) {
        *out = MOOD_ALGO_MINIBATCH;
        return MOOD_OK;
    }
    return mood__error(MOOD_EINVAL,
                       "algorithm '%s': expected kmeans, minibatch, gmm, dbscan or spectral", name);
}

const char *mood_algorithm_name(mood_algorithm a)
{
    if ((unsigned)a < sizeof algo_names / sizeof *algo_names)
        return algo_names[a];
    return "unknown";
}

mood_status mood__model_new(mood_algorithm a, size_t k, size_t d, const mood_cluster_params *p,
                            mood_cluster_model **out)
{
    mood_cluster_model *m = mood__calloc(1, sizeof *m);
    if (!m)
        return mood__enomem("cluster model");
    m->algorithm = a;
    m->k = k;
    m->d = d;
    if (p)
        m->params = *p;
    m->params.progress = NULL;
    m->params.progress_user = NULL;
    m->log_likelihood = NAN;
    if (k) {
        m->centroids = mood__calloc(k * d, sizeof(float));
        if (!m->centroids) {
            mood__free(m);
            return mood__enomem("cluster model centroids");
        }
    }
    *out = m;
    return MOOD_OK;
}

mood_status mood__kmeans_model(const mood_cluster_params *p, const float *centroids, size_t k,
                               size_t d, size_t n_iter, double inertia, mood_cluster_model **out)
{
    mood_cluster_model *m = NULL;
    mood_status st = mood__model_new(MOOD_ALGO_KMEANS, k, d, p, &m);
    if (st != MOOD_OK)
        return st;
    if (k)
        memcpy(m->centroids, centroids, k * d * sizeof(float));
    m->n_iter = n_iter;
    m->inertia = inertia;
    *out = m;
    return MOOD_OK;
}

void mood_cluster_model_destroy(mood_cluster_model *m)
{
    if (!m)
        return;
    mood__free(m->centroids);
    mood__free(m->weights);
    mood__free(m->means);
    mood__free(m->covariances);
    mood__free(m->prec_chol);
    mood__free(m->log_det);
    mood__free(m->core);
    mood__free(m->core_label);
    mood__free(m);
}

void mood__member_means(const float *x, size_t n, size_t d, const int32_t *labels, size_t k,
                        float *out, double *out_inertia)
{
    double *s = mood__calloc(k * d + k, sizeof(double));
    if (!s) {
        /* Fall back to a slower two-loop form that needs no memory. */
        for (size_t j = 0; j < k; j++) {
            double cnt = 0.0;
            for (size_t l = 0; l < d; l++) {
                double acc = 0.0;
                cnt = 0.0;
                for (size_t i = 0; i < n; i++)
                    if (labels[i] == (int32_t)j) {
                        acc += (double)x[i * d + l];
                        cnt += 1.0;
                    }
                out[j * d + l] = cnt > 0.0 ? (float)(acc / cnt) : 0.0f;
            }
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            if (labels[i] < 0)
                continue;
            size_t a = (size_t)labels[i];
            for (size_t l = 0; l < d; l++)
                s[a * d + l] += (double)x[i * d + l];
            s[k * d + a] += 1.0;
        }
        for (size_t j = 0; j < k; j++)
            for (size_t l = 0; l < d; l++)
                out[j * d + l] = s[k * d + j] > 0.0 ? (float)(s[j * d + l] / s[k * d + j]) : 0.0f;
        mood__free(s);
    }
    if (out_inertia) {
        double in = 0.0;
        for (size_t i = 0; i < n; i++) {
            if (labels[i] < 0)
                continue;
            const float *c = out + (size_t)labels[i] * d;
            for (size_t l = 0; l < d; l++) {
                double t = (double)x[i * d + l] - (double)c[l];
                in += t * t;
            }
        }
        *out_inertia = in;
    }
}

mood_status mood__init_from_labels(const mood_cluster_params *p, const float *x, size_t n, size_t d,
                                   float *out)
{
    const size_t k = p->k;
    size_t *cnt = mood__calloc(k, sizeof(size_t));
    if (!cnt)
        return mood__enomem("init_labels");
    for (size_t i = 0; i < n; i++) {
        int32_t l = p->init_labels[i];
        if (l < 0 || (size_t)l >= k) {
            mood__free(cnt);
            return mood__error(MOOD_EINVAL, "init_labels: row %zu has label %d, expected 0..%zu", i,
                               (int)l, k - 1);
        }
        cnt[l]++;
    }
    for (size_t j = 0; j < k; j++)
        if (!cnt[j]) {
            mood__free(cnt);
            return mood__error(MOOD_EINVAL, "init_labels: group %zu has no row", j);
        }
    mood__free(cnt);
    mood__member_means(x, n, d, p->init_labels, k, out, NULL);
    return MOOD_OK;
}

mood_status mood__fit_kmeans(const mood_cluster_params *p, const float *x, size_t n, size_t d,
                             mood_cluster_model *m, int32_t *labels)
{
    mood_kmeans_params kp;
    mood_kmeans_params_default(&kp);
    kp.k = p->k;
    kp.seed = p->seed;
    kp.n_init = p->n_init ? p->n_init : 10;
    kp.max_iter = p->max_iter ? p->max_iter : 300;
    kp.tol = p->tol;
    kp.n_threads = p->n_threads;
    kp.progress = p->progress;
    kp.progress_user = p->progress_user;
    mood_kmeans_result r;
    mood_status st;
    if (p->init_labels) {
        st = mood__init_from_labels(p, x, n, d, m->centroids);
        if (st != MOOD_OK)
            return st;
        kp.init = MOOD_KMEANS_INIT_GIVEN;
        kp.init_centroids = m->centroids; /* copied before the first iteration writes */
    }
    st = mood_kmeans_fit(&kp, x, n, d, m->centroids, labels, &r);
    if (st != MOOD_OK)
        return st;
    /*
     * The labels a model file promises are the ones predict() gives: one assignment pass with
     * the final centres through the same kernel predict uses (the bounds of the last
     * iterations can settle a near-tie the other way in the last bit).
     */
    st = mood_kmeans_assign(m->centroids, m->k, x, n, d, MOOD_KMEANS_KERNEL_AUTO, p->n_threads,
                            labels, NULL, &m->inertia);
    if (st != MOOD_OK)
        return st;
    m->n_iter = r.n_iter;
    return MOOD_OK;
}

static mood_status check_params(const mood_cluster_params *p, size_t n, size_t d)
{
    if ((unsigned)p->algorithm > MOOD_ALGO_SPECTRAL)
        return mood__error(MOOD_EINVAL, "cluster: unknown algorithm %d", (int)p->algorithm);
    const char *an = mood_algorithm_name(p->algorithm);
    if (d == 0)
        return mood__error(MOOD_EINVAL, "%s: d = 0 (no feature columns)", an);
    if (n == 0)
        return mood__error(MOOD_EINVAL, "%s: no rows", an);
    if (p->algorithm != MOOD_ALGO_DBSCAN) {
        if (p->k == 0)
            return mood__error(MOOD_EINVAL, "%s: k = 0, expected at least 1 group", an);
        if (p->k > n)
            return mood__error(MOOD_EINVAL, "%s: k=%zu exceeds n=%zu rows", an, p->k, n);
    }
    if (!(p->tol >= 0.0) || !isfinite(p->tol))
        return mood__error(MOOD_EINVAL, "%s: tol=%g, expected a finite value >= 0", an, p->tol);
    if (p->algorithm == MOOD_ALGO_GMM && (!(p->reg_covar >= 0.0) || !isfinite(p->reg_covar)))
        return mood__error(MOOD_EINVAL, "gmm: reg_covar=%g, expected >= 0", p->reg_covar);
    if (p->algorithm == MOOD_ALGO_GMM && (unsigned)p->covariance > MOOD_COV_DIAG)
        return mood__error(MOOD_EINVAL, "gmm: unknown covariance type %d", (int)p->covariance);
    if (p->algorithm == MOOD_ALGO_DBSCAN && (!(p->eps >= 0.0) || !isfinite(p->eps)))
        return mood__error(MOOD_EINVAL, "dbscan: eps=%g, expected > 0 (or 0 to suggest)", p->eps);
    if (p->algorithm == MOOD_ALGO_DBSCAN && p->min_samples == 0)
        return mood__error(MOOD_EINVAL, "dbscan: min_samples = 0, expected at least 1");
    if (p->algorithm == MOOD_ALGO_SPECTRAL && p->n_neighbors == 0)
        return mood__error(MOOD_EINVAL, "spectral: n_neighbors = 0, expected at least 1");
    return MOOD_OK;
}

mood_status mood_cluster_fit(const mood_cluster_params *p, const float *x, size_t n, size_t d,
                             mood_cluster_model **out_model, int32_t *out_labels)
{
    if (!p || !x || !out_model || !out_labels)
        return mood__error(MOOD_EINVAL, "cluster: NULL argument");
    *out_model = NULL;
    mood_status st = check_params(p, n, d);
    if (st != MOOD_OK)
        return st;
    st = mood__check_finite(mood_algorithm_name(p->algorithm), x, n, d, p->n_threads);
    if (st != MOOD_OK)
        return st;
    if (p->algorithm == MOOD_ALGO_DBSCAN)
        return mood__fit_dbscan(p, x, n, d, out_model, out_labels);
    mood_cluster_model *m;
    st = mood__model_new(p->algorithm, p->k, d, p, &m);
    if (st != MOOD_OK)
        return st;
    switch (p->algorithm) {
    case MOOD_ALGO_KMEANS:
        st = mood__fit_kmeans(p, x, n, d, m, out_labels);
        break;
    case MOOD_ALGO_MINIBATCH:
        st = mood__fit_minibatch(p, x, n, d, m, out_labels);
        break;
    case MOOD_ALGO_GMM:
        st = mood__fit_gmm(p, x, n, d, m, out_labels);
        break;
    case MOOD_ALGO_SPECTRAL:
        st = mood__fit_spectral(p, x, n, d, m, out_labels);
        break;
    default:
        st = mood__error(MOOD_EINTERNAL, "cluster: algorithm dispatch");
        break;
    }
    if (st != MOOD_OK) {
        mood_cluster_model_destroy(m);
        return st;
    }
    *out_model = m;
    return MOOD_OK;
}

mood_status mood_cluster_predict(const mood_cluster_model *m, const float *x, size_t n, size_t d,
                                 int32_t *out_labels, float *out_dist)
{
    if (!m)
        return mood__error(MOOD_ENOTFIT, "predict: no fitted model");
    if (!x || !out_labels)
        return mood__error(MOOD_EINVAL, "predict: NULL argument");
    if (d != m->d)
        return mood__error(MOOD_EDIM, "predict: data has %zu features, the model was fitted on %zu",
                           d, m->d);
    if (n == 0)
        return MOOD_OK;
    mood_status st;
    switch (m->algorithm) {
    case MOOD_ALGO_GMM:
        st = mood__gmm_predict(m, x, n, out_labels, NULL, NULL);
        if (st == MOOD_OK && out_dist)
            for (size_t i = 0; i < n; i++)
                out_dist[i] =
                    sqrtf(mood__sqdist_f32(x + i * d, m->centroids + (size_t)out_labels[i] * d, d));
        return st;
    case MOOD_ALGO_DBSCAN:
        return mood__dbscan_predict(m, x, n, out_labels, out_dist);
    default:
        st = mood_kmeans_assign(m->centroids, m->k, x, n, d, MOOD_KMEANS_KERNEL_AUTO,
                                m->params.n_threads, out_labels, out_dist, NULL);
        if (st == MOOD_OK && out_dist)
            for (size_t i = 0; i < n; i++)
                out_dist[i] = sqrtf(out_dist[i]);
        return st;
    }
}

mood_status mood_cluster_predict_proba(const mood_cluster_model *m, const float *x, size_t n,
                                       size_t d, float *out)
{
    if (!m)
        return mood__error(MOOD_ENOTFIT, "predict_proba: no fitted model");
    if (!x || !out)
        return mood__error(MOOD_EINVAL, "predict_proba: NULL argument");
    if (m->algorithm != MOOD_ALGO_GMM)
        return mood__error(MOOD_EUNSUPPORTED,
                           "predict_proba: %s gives hard labels; soft memberships need gmm",
                           mood_algorithm_name(m->algorithm));
    if (d != m->d)
        return mood__error(MOOD_EDIM,
                           "predict_proba: data has %zu features, the model was fitted on %zu", d,
                           m->d);
    if (n == 0)
        return MOOD_OK;
    int32_t *lab = mood__malloc_array(n, sizeof(int32_t));
    if (!lab)
        return mood__enomem("predict_proba");
    mood_status st = mood__gmm_predict(m, x, n, lab, out, NULL);
    mood__free(lab);
    return st;
}

size_t mood_cluster_model_k(const mood_cluster_model *m)
{
    return m ? m->k : 0;
}

size_t mood_cluster_model_dim(const mood_cluster_model *m)
{
    return m ? m->d : 0;
}

mood_algorithm mood_cluster_model_algorithm(const mood_cluster_model *m)
{
    return m ? m->algorithm : MOOD_ALGO_KMEANS;
}

const float *mood_cluster_model_centroids(const mood_cluster_model *m)
{
    return m ? m->centroids : NULL;
}

double mood_cluster_model_inertia(const mood_cluster_model *m)
{
    return m ? m->inertia : (double)NAN;
}

size_t mood_cluster_model_iterations(const mood_cluster_model *m)
{
    return m ? m->n_iter : 0;
}

double mood_cluster_model_log_likelihood(const mood_cluster_model *m)
{
    return m ? m->log_likelihood : (double)NAN;
}
