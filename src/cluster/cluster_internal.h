/*
 * The fitted model behind the opaque mood_cluster_model handle, shared by the dispatcher
 * (cluster.c), the model file (cluster_json.c) and each algorithm's fit function.
 */
#ifndef MOOD_CLUSTER_INTERNAL_H
#define MOOD_CLUSTER_INTERNAL_H

#include <moodscope/cluster.h>

struct mood_cluster_model {
    mood_algorithm algorithm;
    size_t k, d;
    mood_cluster_params params; /* as fitted; progress callback cleared */
    float *centroids;           /* k×d means of members */
    double inertia;
    size_t n_iter;
    double log_likelihood; /* GMM; NaN otherwise */
    /* GMM */
    mood_covariance covariance;
    double *weights;     /* k */
    double *means;       /* k×d */
    double *covariances; /* full: k×d×d; diag: k×d */
    double *prec_chol;   /* derived: full: k×d×d upper-triangular; diag: k×d (1/sqrt(var)) */
    double *log_det;     /* derived: k, Σ log diag(prec_chol) */
    /* DBSCAN */
    double eps;
    size_t n_core;
    float *core;         /* n_core×d */
    int32_t *core_label; /* n_core */
};

/* Zeroed model with everything owned NULL; MOOD_ENOMEM with a message. */
mood_status mood__model_new(mood_algorithm a, size_t k, size_t d, const mood_cluster_params *p,
                            mood_cluster_model **out);

/* Per-algorithm fits: fill *m (already allocated with centroids for k×d) and labels. */
mood_status mood__fit_kmeans(const mood_cluster_params *p, const float *x, size_t n, size_t d,
                             mood_cluster_model *m, int32_t *labels);
mood_status mood__fit_minibatch(const mood_cluster_params *p, const float *x, size_t n, size_t d,
                                mood_cluster_model *m, int32_t *labels);
mood_status mood__fit_gmm(const mood_cluster_params *p, const float *x, size_t n, size_t d,
                          mood_cluster_model *m, int32_t *labels);
mood_status mood__fit_dbscan(const mood_cluster_params *p, const float *x, size_t n, size_t d,
                             mood_cluster_model **out, int32_t *labels);
mood_status mood__fit_spectral(const mood_cluster_params *p, const float *x, size_t n, size_t d,
                               mood_cluster_model *m, int32_t *labels);

/* GMM: derive prec_chol/log_det from covariances (after fit or load). */
mood_status mood__gmm_prepare(mood_cluster_model *m);
/* GMM: per-row log responsibilities (n×k, normalised) and per-row log-likelihood. */
mood_status mood__gmm_predict(const mood_cluster_model *m, const float *x, size_t n,
                              int32_t *labels, float *proba, double *out_mean_loglik);
/* DBSCAN: nearest core point within eps. */
mood_status mood__dbscan_predict(const mood_cluster_model *m, const float *x, size_t n,
                                 int32_t *labels, float *dist);

/* Means of the p->init_labels groups (validated: labels in range, no empty group). */
mood_status mood__init_from_labels(const mood_cluster_params *p, const float *x, size_t n, size_t d,
                                   float *out);

/* Centroids = member means (labels -1 skipped), inertia to them. */
void mood__member_means(const float *x, size_t n, size_t d, const int32_t *labels, size_t k,
                        float *out, double *out_inertia);

/*
 * Knee of a decreasing convex curve (autok.c; the k-distance knee of DBSCAN uses it too): the
 * index of the point farthest below the chord of the normalised curve, or SIZE_MAX.
 */
size_t mood__kneedle_index(const double *xs, const double *ys, size_t n);

#endif
