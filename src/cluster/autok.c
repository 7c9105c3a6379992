/*
 * Automatic choice of k: fit every k in a range, score each fit (silhouette, inertia,
 * Calinski-Harabasz, Davies-Bouldin, BIC for GMM, optional bootstrap stability) and pick the
 * best by silhouette or BIC; the kneedle elbow of the inertia curve is recorded beside it.
 *
 * Kneedle: Satopää, Albrecht, Irwin & Raghavan, "Finding a 'Kneedle' in a Haystack", 2011,
 * with sensitivity S = 1 as in the kneed package's defaults.
 */
#include "cluster_internal.h"

#include "../core/internal.h"

#include <moodscope/metrics.h>
#include <moodscope/rng.h>

#include <math.h>
#include <string.h>

/*
 * Knee of a decreasing convex curve: the point farthest below the chord of the normalised
 * curve, accepted only if the difference curve then falls below its threshold (so a curve
 * that is still steep at its end has no knee). Returns the index, or SIZE_MAX.
 */
size_t mood__kneedle_index(const double *xs, const double *ys, size_t n);
size_t mood__kneedle_index(const double *xs, const double *ys, size_t n)
{
    if (n < 3)
        return SIZE_MAX;
    double xmin = xs[0], xmax = xs[n - 1], ymin = ys[0], ymax = ys[0];
    for (size_t i = 1; i < n; i++) {
        ymin = ys[i] < ymin ? ys[i] : ymin;
        ymax = ys[i] > ymax ? ys[i] : ymax;
    }
    if (!(xmax > xmin) || !(ymax > ymin))
        return SIZE_MAX;
    double best = -INFINITY;
    size_t bi = SIZE_MAX;
    double mean_dx = 1.0 / (double)(n - 1);
    /* Difference curve for convex decreasing data: (1 − y_n) − x_n. */
    for (size_t i = 0; i < n; i++) {
        double xn = (xs[i] - xmin) / (xmax - xmin), yn = (ys[i] - ymin) / (ymax - ymin);
        double dd = 1.0 - yn - xn;
        if (dd > best) {
            best = dd;
            bi = i;
        }
    }
    if (bi == SIZE_MAX || best <= 0.0 || bi == n - 1)
        return SIZE_MAX;
    double thr = best - 1.0 * mean_dx;
    for (size_t i = bi + 1; i < n; i++) {
        double xn = (xs[i] - xmin) / (xmax - xmin), yn = (ys[i] - ymin) / (ymax - ymin);
        if (1.0 - yn - xn < thr)
            return bi;
    }
    return SIZE_MAX;
}

size_t mood_kneedle(const size_t *xs, const double *ys, size_t n)
{
    if (!xs || !ys || n < 3)
        return 0;
    double *xd = mood__malloc_array(n, sizeof(double));
    if (!xd)
        return 0;
    for (size_t i = 0; i < n; i++)
        xd[i] = (double)xs[i];
    size_t i = mood__kneedle_index(xd, ys, n);
    mood__free(xd);
    return i == SIZE_MAX ? 0 : xs[i];
}

void mood_autok_result_free(mood_autok_result *r)
{
    if (!r)
        return;
    mood__free(r->points);
    r->points = NULL;
    r->n_points = 0;
}

/* Free parameters of a GMM (scikit-learn's _n_parameters). */
static double gmm_n_params(mood_covariance cov, size_t k, size_t d)
{
    double kd = (double)k, dd = (double)d;
    double c = cov == MOOD_COV_FULL ? kd * dd * (dd + 1.0) / 2.0 : kd * dd;
    return c + kd * dd + kd - 1.0;
}

/*
 * Bootstrap stability at one k: B fits on resamples (with replacement, at most 20000 rows)
 * each predict a fixed evaluation set; the result is the mean ARI over all pairs of fits.
 */
static mood_status stability(const mood_cluster_params *p, const float *x, size_t n, size_t d,
                             size_t boots, const int32_t *full_labels, double *out)
{
    size_t m = MOOD_MIN(n, (size_t)20000), ne = MOOD_MIN(n, (size_t)20000);
    size_t nb = boots < 2 ? 2 : boots;
    float *xs = mood__malloc_array(m * d, sizeof(float));
    float *xe = ne < n ? mood__malloc_array(ne * d, sizeof(float)) : NULL;
    int32_t *lab = mood__malloc_array(m, sizeof(int32_t));
    int32_t *pred = mood__malloc_array(nb * ne, sizeof(int32_t));
    int32_t *efull = mood__malloc_array(ne, sizeof(int32_t));
    mood_status st = MOOD_OK;
    if (!xs || (ne < n && !xe) || !lab || !pred || !efull) {
        st = mood__enomem("auto-k stability");
        goto done;
    }
    mood_rng rng;
    mood_rng_seed(&rng, p->seed ^ 0x5bd1e995u ^ (uint64_t)p->k * 0x9e3779b97f4a7c15ULL);
    /* Evaluation rows: every row, or a seeded sample above 20000. */
    const float *ev = x;
    if (ne < n) {
        for (size_t i = 0; i < ne; i++) {
            size_t r = (size_t)mood_rng_below(&rng, n);
            memcpy(xe + i * d, x + r * d, d * sizeof(float));
            efull[i] = full_labels[r];
        }
        ev = xe;
    } else {
        memcpy(efull, full_labels, n * sizeof(int32_t));
    }
    size_t fits = boots;
    for (size_t b = 0; b < boots; b++) {
        for (size_t i = 0; i < m; i++) {
            size_t r = (size_t)mood_rng_below(&rng, n);
            memcpy(xs + i * d, x + r * d, d * sizeof(float));
        }
        mood_cluster_params q = *p;
        q.seed = p->seed + 1000003u * (b + 1);
        q.progress = NULL;
        mood_cluster_model *mm;
        st = mood_cluster_fit(&q, xs, m, d, &mm, lab);
        if (st != MOOD_OK)
            goto done;
        st = mood_cluster_predict(mm, ev, ne, d, pred + b * ne, NULL);
        mood_cluster_model_destroy(mm);
        if (st != MOOD_OK)
            goto done;
    }
    if (boots == 1) {
        /* One resample: compare it with the fit on all rows. */
        memcpy(pred + ne, efull, ne * sizeof(int32_t));
        fits = 2;
    }
    double sum = 0.0;
    size_t pairs = 0;
    for (size_t a = 0; a < fits; a++)
        for (size_t b = a + 1; b < fits; b++) {
            double v;
            st = mood_ari(pred + a * ne, pred + b * ne, ne, &v);
            if (st != MOOD_OK)
                goto done;
            sum += v;
            pairs++;
        }
    *out = pairs ? sum / (double)pairs : (double)NAN;
done:
    mood__free(xs);
    mood__free(xe);
    mood__free(lab);
    mood__free(pred);
    mood__free(efull);
    return st;
}

mood_status mood_cluster_auto_k(const mood_cluster_params *p, const mood_autok_params *a,
                                const float *x, size_t n, size_t d, mood_autok_result *out)
{
    if (!p || !x || !out)
        return mood__error(MOOD_EINVAL, "auto-k: NULL argument");
    memset(out, 0, sizeof *out);
    if (p->algorithm == MOOD_ALGO_DBSCAN)
        return mood__error(MOOD_EINVAL,
                           "auto-k: dbscan finds the number of groups itself; tune eps instead");
    mood_autok_params ap;
    if (a)
        ap = *a;
    else
        memset(&ap, 0, sizeof ap);
    size_t kmin = ap.k_min ? ap.k_min : 2;
    size_t kmax = ap.k_max ? ap.k_max : MOOD_MIN((size_t)15, n / 10);
    if (kmax < kmin)
        kmax = kmin;
    if (kmin < 2 || kmin >= n)
        return mood__error(MOOD_EINVAL, "auto-k: k_min=%zu must be at least 2 and below n=%zu",
                           kmin, n);
    if (kmax >= n)
        kmax = n - 1;
    const int by_bic = ap.use_bic && p->algorithm == MOOD_ALGO_GMM;
    size_t np = kmax - kmin + 1;
    int32_t *lab = mood__malloc_array(n, sizeof(int32_t));
    mood_k_point *pts = mood__calloc(np, sizeof(mood_k_point));
    double *ks = mood__malloc_array(np, sizeof(double)),
           *in = mood__malloc_array(np, sizeof(double));
    mood_status st = MOOD_OK;
    if (!lab || !pts || !ks || !in) {
        st = mood__enomem("auto-k");
        goto fail;
    }
    mood_silhouette_params sp;
    memset(&sp, 0, sizeof sp);
    sp.max_exact = 20000;
    sp.sample_size = 10000;
    sp.seed = p->seed;
    sp.n_threads = p->n_threads;
    for (size_t i = 0; i < np; i++) {
        size_t k = kmin + i;
        mood_cluster_params q = *p;
        q.k = k;
        q.progress = NULL;
        mood_cluster_model *m;
        st = mood_cluster_fit(&q, x, n, d, &m, lab);
        if (st != MOOD_OK)
            goto fail;
        mood_k_point *pt = &pts[i];
        pt->k = k;
        pt->bic = NAN;
        pt->aic = NAN;
        pt->stability = NAN;
        pt->inertia = mood_cluster_model_inertia(m);
        if (p->algorithm == MOOD_ALGO_GMM) {
            double ll = mood_cluster_model_log_likelihood(m) * (double)n;
            pt->bic = -2.0 * ll + gmm_n_params(p->covariance, k, d) * log((double)n);
            pt->aic = -2.0 * ll + 2.0 * gmm_n_params(p->covariance, k, d);
        }
        mood_cluster_model_destroy(m);
        mood_internal_scores sc;
        st = mood_internal_scores_compute(x, n, d, lab, k, &sp, &sc);
        if (st != MOOD_OK) {
            /* A fit that left fewer than two groups has no silhouette; record NaN. */
            pt->silhouette = pt->calinski_harabasz = pt->davies_bouldin = NAN;
            st = MOOD_OK;
        } else {
            pt->silhouette = sc.silhouette;
            pt->calinski_harabasz = sc.calinski_harabasz;
            pt->davies_bouldin = sc.davies_bouldin;
            out->silhouette_sampled |= sc.silhouette_sampled;
            if (!isfinite(pt->inertia))
                pt->inertia = sc.inertia;
        }
        if (ap.stability_boot) {
            st = stability(&q, x, n, d, ap.stability_boot, lab, &pt->stability);
            if (st != MOOD_OK)
                goto fail;
        }
        ks[i] = (double)k;
        in[i] = pt->inertia;
        st = mood__progress(p->progress, p->progress_user, "auto-k", (double)(i + 1), (double)np);
        if (st != MOOD_OK)
            goto fail;
    }
    size_t best = 0;
    for (size_t i = 1; i < np; i++) {
        if (by_bic ? pts[i].bic < pts[best].bic
                   : (pts[i].silhouette > pts[best].silhouette || isnan(pts[best].silhouette)))
            best = i;
    }
    size_t ki = mood__kneedle_index(ks, in, np);
    out->k_best = pts[best].k;
    out->k_elbow = ki == SIZE_MAX ? 0 : pts[ki].k;
    out->criterion = by_bic ? "bic" : "silhouette";
    out->n_points = np;
    out->points = pts;
    mood__free(lab);
    mood__free(ks);
    mood__free(in);
    return MOOD_OK;
fail:
    mood__free(lab);
    mood__free(pts);
    mood__free(ks);
    mood__free(in);
    memset(out, 0, sizeof *out);
    return st;
}
