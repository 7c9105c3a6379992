/*
 * Gaussian mixture by expectation-maximisation, following scikit-learn 1.2's
 * GaussianMixture step for step so that log-likelihoods agree: k-means initialisation
 * (one k-means run per restart), responsibilities through log-sum-exp, covariances
 * regularised by reg_covar on the diagonal, precisions through the Cholesky factor
 * (LAPACK dpotrf/dtrtri), convergence when the mean log-likelihood changes by less than tol,
 * the restart with the highest final lower bound kept, and labels from a last E-step.
 * Everything is computed in double; rows are split into fixed chunks whose partial sums are
 * combined in order, so results do not depend on the thread count.
 * Reference: Bishop, "Pattern Recognition and Machine Learning", §9.2.
 */
#include "cluster_internal.h"

#include "../core/internal.h"
#include "kmeans_internal.h"

#include <lapacke.h>
#include <math.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#define LOG_2PI 1.8378770664093453

static size_t cov_size(const mood_cluster_model *m)
{
    return m->covariance == MOOD_COV_FULL ? m->k * m->d * m->d : m->k * m->d;
}

mood_status mood__gmm_prepare(mood_cluster_model *m)
{
    const size_t k = m->k, d = m->d;
    if (!m->prec_chol)
        m->prec_chol = mood__malloc_array(cov_size(m), sizeof(double));
    if (!m->log_det)
        m->log_det = mood__malloc_array(k, sizeof(double));
    if (!m->prec_chol || !m->log_det)
        return mood__enomem("gmm precisions");
    for (size_t j = 0; j < k; j++) {
        double ld = 0.0;
        if (m->covariance == MOOD_COV_DIAG) {
            for (size_t l = 0; l < d; l++) {
                double v = m->covariances[j * d + l];
                if (!(v > 0.0))
                    return mood__error(MOOD_EINVAL,
                                       "gmm: variance %zu of component %zu is %g; increase "
                                       "reg_covar or lower k",
                                       l, j, v);
                double pc = 1.0 / sqrt(v);
                m->prec_chol[j * d + l] = pc;
                ld += log(pc);
            }
        } else {
            double *L = m->prec_chol + j * d * d;
            memcpy(L, m->covariances + j * d * d, d * d * sizeof(double));
            lapack_int info =
                LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (lapack_int)d, L, (lapack_int)d);
            if (info == 0)
                info = LAPACKE_dtrtri(LAPACK_ROW_MAJOR, 'L', 'N', (lapack_int)d, L, (lapack_int)d);
            if (info != 0)
                return mood__error(MOOD_EINVAL,
                                   "gmm: covariance of component %zu is not positive definite; "
                                   "increase reg_covar or lower k",
                                   j);
            /* prec_chol = (L⁻¹)ᵀ: upper triangular, precision = P·Pᵀ. */
            for (size_t a = 0; a < d; a++)
                for (size_t b = a + 1; b < d; b++) {
                    L[a * d + b] = L[b * d + a];
                    L[b * d + a] = 0.0;
                }
            for (size_t a = 0; a < d; a++)
                ld += log(L[a * d + a]);
        }
        m->log_det[j] = ld;
    }
    return MOOD_OK;
}

/* log N(x | μ_j, Σ_j) + log w_j for one row, all components, into lp[k]. */
static void row_log_prob(const mood_cluster_model *m, const float *xi, double *diff, double *lp)
{
    const size_t k = m->k, d = m->d;
    for (size_t j = 0; j < k; j++) {
        const double *mu = m->means + j * d;
        double q = 0.0;
        if (m->covariance == MOOD_COV_DIAG) {
            const double *pc = m->prec_chol + j * d;
            for (size_t l = 0; l < d; l++) {
                double y = ((double)xi[l] - mu[l]) * pc[l];
                q += y * y;
            }
        } else {
            const double *P = m->prec_chol + j * d * d;
            for (size_t l = 0; l < d; l++)
                diff[l] = (double)xi[l] - mu[l];
            for (size_t c = 0; c < d; c++) {
                double y = 0.0;
                for (size_t l = 0; l <= c; l++)
                    y += diff[l] * P[l * d + c];
                q += y * y;
            }
        }
        lp[j] = -0.5 * ((double)d * LOG_2PI + q) + m->log_det[j] + log(m->weights[j]);
    }
}

/*
 * E-step over all rows: normalised log responsibilities into resp (n×k, may be NULL when only
 * labels/proba are wanted), labels, proba (float), and the mean log-likelihood.
 */
static mood_status e_step(const mood_cluster_model *m, const float *x, size_t n, int nt,
                          double *resp, int32_t *labels, float *proba, double *out_mean)
{
    const size_t k = m->k, d = m->d;
    (void)nt; /* read only by the OpenMP pragmas */
    km_chunks ch;
    mood__km_chunks(n, sizeof(double), &ch);
    double *part = mood__malloc_array(ch.count, sizeof(double));
    if (!part)
        return mood__enomem("gmm E-step");
    int failed = 0;
    long long nc = (long long)ch.count;
#ifdef _OPENMP
#pragma omp parallel num_threads(mood__par_threads(nt, (double)n *(double)k *(double)d *(double)d))
#endif
    {
        const size_t sz[][2] = {{k + d, sizeof(double)}};
        mood_scratch w;
        const int ok = mood__scratch_alloc(&w, sz, 1, &failed);
        double *lp = w.p[0];
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
        for (long long cc = 0; cc < nc; cc++) {
            if (!ok)
                continue;
            size_t lo = (size_t)cc * ch.rows, hi = MOOD_MIN(n, lo + ch.rows);
            double s = 0.0;
            for (size_t i = lo; i < hi; i++) {
                row_log_prob(m, x + i * d, lp + k, lp);
                double mx = lp[0];
                size_t best = 0;
                for (size_t j = 1; j < k; j++)
                    if (lp[j] > mx) {
                        mx = lp[j];
                        best = j;
                    }
                double se = 0.0;
                for (size_t j = 0; j < k; j++)
                    se += exp(lp[j] - mx);
                double lse = mx + log(se);
                s += lse;
                if (labels)
                    labels[i] = (int32_t)best;
                for (size_t j = 0; j < k; j++) {
                    double lr = lp[j] - lse;
                    if (resp)
                        resp[i * k + j] = exp(lr);
                    if (proba)
                        proba[i * k + j] = (float)exp(lr);
                }
            }
            part[cc] = s;
        }
        mood__scratch_free(&w);
    }
    double tot = 0.0;
    for (size_t c = 0; c < ch.count; c++)
        tot += part[c];
    mood__free(part);
    if (failed)
        return mood__enomem("gmm E-step");
    if (out_mean)
        *out_mean = tot / (double)n;
    return MOOD_OK;
}

/* M-step (scikit-learn's _estimate_gaussian_parameters), two passes for stable covariances. */
static mood_status m_step(mood_cluster_model *m, const float *x, size_t n, int nt,
                          const double *resp, double reg)
{
    (void)nt; /* read only by the OpenMP pragmas */
    const size_t k = m->k, d = m->d;
    const int full = m->covariance == MOOD_COV_FULL;
    const size_t cw = full ? d * d : d, stride = k * (1 + d + cw);
    km_chunks ch;
    mood__km_chunks(n, stride * sizeof(double), &ch);
    double *part = mood__malloc_array(ch.count * stride, sizeof(double));
    double *acc = mood__malloc_array(stride + k + d, sizeof(double));
    if (!part || !acc) {
        mood__free(part);
        mood__free(acc);
        return mood__enomem("gmm M-step");
    }
    double *nk = acc + stride;
    long long nc = (long long)ch.count;
    for (int pass = 0; pass < 2; pass++) {
#ifdef _OPENMP
#pragma omp parallel for num_threads(                                                              \
    mood__par_threads(nt, (double)n *(double)k *(double)d *(double)d)) schedule(dynamic, 1)
#endif
        for (long long cc = 0; cc < nc; cc++) {
            double *ps = part + (size_t)cc * stride;
            double *pn = ps, *sx = ps + k, *sc = ps + k + k * d;
            memset(ps, 0, stride * sizeof(double));
            size_t lo = (size_t)cc * ch.rows, hi = MOOD_MIN(n, lo + ch.rows);
            for (size_t i = lo; i < hi; i++) {
                const float *xi = x + i * d;
                for (size_t j = 0; j < k; j++) {
                    double r = resp[i * k + j];
                    if (pass == 0) {
                        pn[j] += r;
                        for (size_t l = 0; l < d; l++)
                            sx[j * d + l] += r * (double)xi[l];
                        continue;
                    }
                    if (r == 0.0)
                        continue;
                    const double *mu = m->means + j * d;
                    double *c = sc + j * cw;
                    if (full) {
                        for (size_t a = 0; a < d; a++) {
                            double ra = r * ((double)xi[a] - mu[a]);
                            for (size_t b = 0; b <= a; b++)
                                c[a * d + b] += ra * ((double)xi[b] - mu[b]);
                        }
                    } else {
                        for (size_t l = 0; l < d; l++) {
                            double t = (double)xi[l] - mu[l];
                            c[l] += r * t * t;
                        }
                    }
                }
            }
        }
        memset(acc, 0, stride * sizeof(double));
        for (size_t c = 0; c < ch.count; c++)
            for (size_t t = 0; t < stride; t++)
                acc[t] += part[c * stride + t];
        if (pass == 0) {
            double wsum = 0.0;
            for (size_t j = 0; j < k; j++) {
                nk[j] = acc[j] + 10.0 * 2.220446049250313e-16;
                wsum += nk[j];
            }
            for (size_t j = 0; j < k; j++) {
                m->weights[j] = nk[j] / wsum;
                for (size_t l = 0; l < d; l++)
                    m->means[j * d + l] = acc[k + j * d + l] / nk[j];
            }
        } else {
            const double *sc = acc + k + k * d;
            for (size_t j = 0; j < k; j++) {
                double *cv = m->covariances + j * cw;
                if (full) {
                    for (size_t a = 0; a < d; a++)
                        for (size_t b = 0; b <= a; b++) {
                            double v = sc[j * cw + a * d + b] / nk[j];
                            cv[a * d + b] = v;
                            cv[b * d + a] = v;
                        }
                    for (size_t a = 0; a < d; a++)
                        cv[a * d + a] += reg;
                } else {
                    for (size_t l = 0; l < d; l++)
                        cv[l] = sc[j * cw + l] / nk[j] + reg;
                }
            }
        }
    }
    mood__free(part);
    mood__free(acc);
    return mood__gmm_prepare(m);
}

mood_status mood__gmm_predict(const mood_cluster_model *m, const float *x, size_t n,
                              int32_t *labels, float *proba, double *out_mean_loglik)
{
    mood_status st = mood__check_finite("gmm predict", x, n, m->d, m->params.n_threads);
    if (st != MOOD_OK)
        return st;
    return e_step(m, x, n, mood__km_threads(m->params.n_threads), NULL, labels, proba,
                  out_mean_loglik);
}

mood_status mood__fit_gmm(const mood_cluster_params *p, const float *x, size_t n, size_t d,
                          mood_cluster_model *m, int32_t *labels)
{
    const size_t k = p->k;
    const size_t max_iter = p->max_iter ? p->max_iter : 100;
    const size_t n_init = p->init_labels ? 1 : (p->n_init ? p->n_init : 1);
    const int nt = mood__km_threads(p->n_threads);
    m->covariance = p->covariance;
    const size_t csz = cov_size(m);
    mood_status st = MOOD_OK;
    double *resp = mood__malloc_array(n * k, sizeof(double));
    float *kc = mood__malloc_array(k * d, sizeof(float));
    double *best = mood__malloc_array(k + k * d + csz, sizeof(double));
    m->weights = mood__malloc_array(k, sizeof(double));
    m->means = mood__malloc_array(k * d, sizeof(double));
    m->covariances = mood__malloc_array(csz, sizeof(double));
    if (!resp || !kc || !best || !m->weights || !m->means || !m->covariances) {
        st = mood__enomem("gmm");
        goto done;
    }
    mood_rng rng;
    mood_rng_seed(&rng, p->seed);
    double best_lb = -INFINITY;
    size_t best_iter = 0;
    for (size_t run = 0; run < n_init; run++) {
        /* Initial responsibilities: one-hot labels of a single k-means run. */
        mood_kmeans_params kp;
        mood_kmeans_params_default(&kp);
        kp.k = k;
        kp.seed = mood_rng_next(&rng);
        kp.n_init = 1;
        kp.n_threads = p->n_threads;
        if (p->init_labels) {
            st = mood__init_from_labels(p, x, n, d, kc);
            if (st != MOOD_OK)
                goto done;
            memmove(labels, p->init_labels, n * sizeof(int32_t));
        } else {
            st = mood_kmeans_fit(&kp, x, n, d, kc, labels, NULL);
            if (st != MOOD_OK)
                goto done;
        }
        memset(resp, 0, n * k * sizeof(double));
        for (size_t i = 0; i < n; i++)
            resp[i * k + (size_t)labels[i]] = 1.0;
        st = m_step(m, x, n, nt, resp, p->reg_covar);
        if (st != MOOD_OK)
            goto done;
        double lb = -INFINITY;
        size_t it;
        for (it = 1; it <= max_iter; it++) {
            double prev = lb;
            st = e_step(m, x, n, nt, resp, NULL, NULL, &lb);
            if (st != MOOD_OK)
                goto done;
            st = m_step(m, x, n, nt, resp, p->reg_covar);
            if (st != MOOD_OK)
                goto done;
            st = mood__progress(p->progress, p->progress_user, "gmm", (double)(run * max_iter + it),
                                (double)(n_init * max_iter));
            if (st != MOOD_OK)
                goto done;
            if (fabs(lb - prev) < p->tol)
                break;
        }
        if (it > max_iter)
            it = max_iter;
        if (lb > best_lb || run == 0) {
            best_lb = lb;
            best_iter = it;
            memcpy(best, m->weights, k * sizeof(double));
            memcpy(best + k, m->means, k * d * sizeof(double));
            memcpy(best + k + k * d, m->covariances, csz * sizeof(double));
        }
    }
    memcpy(m->weights, best, k * sizeof(double));
    memcpy(m->means, best + k, k * d * sizeof(double));
    memcpy(m->covariances, best + k + k * d, csz * sizeof(double));
    st = mood__gmm_prepare(m);
    if (st != MOOD_OK)
        goto done;
    /* Final E-step: the labels, and the mean log-likelihood of the kept parameters. */
    st = e_step(m, x, n, nt, NULL, labels, NULL, &m->log_likelihood);
    if (st != MOOD_OK)
        goto done;
    m->n_iter = best_iter;
    mood__member_means(x, n, d, labels, k, m->centroids, &m->inertia);
    /* A component that owns no row keeps its Gaussian mean as its centre. */
    {
        size_t *cnt = mood__calloc(k, sizeof(size_t));
        if (cnt) {
            for (size_t i = 0; i < n; i++)
                cnt[labels[i]]++;
            for (size_t j = 0; j < k; j++)
                if (!cnt[j])
                    for (size_t l = 0; l < d; l++)
                        m->centroids[j * d + l] = (float)m->means[j * d + l];
            mood__free(cnt);
        }
    }
done:
    mood__free(resp);
    mood__free(kc);
    mood__free(best);
    return st;
}
