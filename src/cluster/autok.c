/*
 * Automatic choice of k: fit every k in a range, score each fit (silhouette, inertia,
 * Calinski-Harabasz, Davies-Bouldin, BIC, and on request the gap statistic and bootstrap
 * stability), choose k by one criterion's rule, then apply the minimum-group policy. The result
 * carries the rule in words and one sentence saying which values decided, so that a run can
 * show why it has the groups it has.
 *
 * Gap statistic: Tibshirani, Walther & Hastie, "Estimating the number of clusters in a data
 * set via the gap statistic", JRSS B 63(2), 2001: reference sets uniform over the box aligned
 * with the data's principal components (their method b). The default rule is Dudoit &
 * Fridlyand's (the smallest k within c·s of the best gap); "gap-first" is Tibshirani's own,
 * the smallest k with Gap(k) ≥ Gap(k+1) − c·s(k+1).
 * Stability: Ben-Hur, Elisseeff & Guyon, PSB 2002 (pairwise ARI of resampled refits).
 * Spherical BIC for hard k-means: Pelleg & Moore, "X-means", ICML 2000.
 * Kneedle: Satopää, Albrecht, Irwin & Raghavan, "Finding a 'Kneedle' in a Haystack", 2011,
 * with sensitivity S = 1 as in the kneed package's defaults.
 */
#include "cluster_internal.h"

#include "../core/internal.h"

#include <moodscope/metrics.h>
#include <moodscope/prep.h>
#include <moodscope/rng.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The gap rules' c, chosen on the tuning tables of bench/cluster/KSELECT.md: 3 for the global
 * rule (GTZAN, five blob tables), 1.5 for the first-step rule (with the mood table). */
#define GAP_SE_FIRST  1.5
#define GAP_SE_GLOBAL 3.0
/*
 * Knee of a decreasing convex curve: the point farthest below the chord of the normalised
 * curve, accepted only if the difference curve then falls below its threshold (so a curve
 * that is still steep at its end has no knee). Returns the index, or SIZE_MAX.
 */
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
        q.n_init = MOOD_MIN(p->n_init, (size_t)3);
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

/* ---------------------------------------------------------------------------------------------
 * Parameters and names
 * ------------------------------------------------------------------------------------------- */

void mood_autok_params_default(mood_autok_params *a)
{
    if (!a)
        return;
    memset(a, 0, sizeof *a);
    a->criterion = MOOD_KCRIT_GAP;
    a->min_clusters = 3;
    a->gap_refs = 10;
    a->gap_se = 0.0; /* the rule's own c: GAP_SE_FIRST or GAP_SE_GLOBAL */
}

static const char *const crit_names[] = {"silhouette", "silhouette", "gap",
                                         "stability",  "bic",        "gap-first"};

mood_status mood_k_criterion_parse(const char *name, mood_k_criterion *out)
{
    if (!name || !out)
        return mood__error(MOOD_EINVAL, "k criterion: NULL argument");
    for (int c = MOOD_KCRIT_SILHOUETTE; c <= MOOD_KCRIT_GAP_FIRST; c++)
        if (strcmp(name, crit_names[c]) == 0) {
            *out = (mood_k_criterion)c;
            return MOOD_OK;
        }
    return mood__error(MOOD_EINVAL,
                       "k criterion '%s': expected gap, gap-first, stability, bic or silhouette",
                       name);
}

const char *mood_k_criterion_name(mood_k_criterion c)
{
    return (int)c >= 0 && c <= MOOD_KCRIT_GAP_FIRST ? crit_names[c] : "unknown";
}

/* ---------------------------------------------------------------------------------------------
 * Gap statistic
 * ------------------------------------------------------------------------------------------- */

/*
 * B reference sets of m rows each, uniform over the box that the data span along their
 * principal axes (Tibshirani's method b): a box aligned with the raw features would put mass
 * where correlated features (energy and loudness) never go and inflate every gap.
 */
static mood_status gap_refs_make(const float *x, size_t n, size_t d, size_t m, size_t nb,
                                 uint64_t seed, float **out)
{
    mood_pca pca;
    memset(&pca, 0, sizeof pca);
    float *z = mood__malloc_array(n * d, sizeof(float));
    double *lo = mood__malloc_array(d, sizeof(double)), *hi = mood__malloc_array(d, sizeof(double));
    float *r = mood__malloc_array(nb * m * d, sizeof(float));
    mood_status st = MOOD_OK;
    *out = NULL;
    if (!z || !lo || !hi || !r) {
        st = mood__enomem("auto-k gap references");
        goto done;
    }
    st = mood_pca_fit(x, n, d, d, &pca);
    if (st != MOOD_OK)
        goto done;
    mood_pca_transform(&pca, x, n, z);
    for (size_t j = 0; j < d; j++)
        lo[j] = hi[j] = (double)z[j];
    for (size_t i = 1; i < n; i++)
        for (size_t j = 0; j < d; j++) {
            lo[j] = fmin(lo[j], (double)z[i * d + j]);
            hi[j] = fmax(hi[j], (double)z[i * d + j]);
        }
    mood_rng rng;
    mood_rng_seed(&rng, seed ^ 0x6a09e667f3bcc909ULL);
    for (size_t i = 0; i < nb * m; i++) {
        float *row = r + i * d;
        for (size_t c = 0; c < d; c++)
            row[c] = (float)pca.mean[c];
        for (size_t j = 0; j < d; j++) {
            double v = lo[j] + (hi[j] - lo[j]) * mood_rng_uniform(&rng);
            const double *comp = pca.components + j * d;
            for (size_t c = 0; c < d; c++)
                row[c] += (float)(v * comp[c]);
        }
    }
    *out = r;
    r = NULL;
done:
    mood_pca_free(&pca);
    mood__free(z);
    mood__free(lo);
    mood__free(hi);
    mood__free(r);
    return st;
}

/*
 * Gap at one k: the mean over the reference sets of log(W_ref / m) minus log(W/n) of the data, with
 * W the within-group sum of squares (per row, so that references smaller than the data compare
 * fairly), and s = sd·sqrt(1 + 1/B). The references get plain k-means with @p ref_init starts.
 */
static mood_status gap_at_k(const mood_cluster_params *p, const float *refs, size_t nb, size_t m,
                            size_t d, size_t k, size_t ref_init, double data_inertia, size_t n,
                            int32_t *scratch, mood_k_point *pt)
{
    double sum = 0.0, sum2 = 0.0;
    for (size_t b = 0; b < nb; b++) {
        mood_cluster_params q;
        mood_cluster_params_default(&q);
        q.k = k;
        q.n_init = ref_init;
        q.seed = p->seed + 7919u * (b + 1) + 104729u * k;
        q.n_threads = p->n_threads;
        q.max_iter = 100;
        mood_cluster_model *mm;
        mood_status st = mood_cluster_fit(&q, refs + b * m * d, m, d, &mm, scratch);
        if (st != MOOD_OK)
            return st;
        double lw = log(mood_cluster_model_inertia(mm) / (double)m);
        mood_cluster_model_destroy(mm);
        sum += lw;
        sum2 += lw * lw;
    }
    double mean = sum / (double)nb;
    double var = fmax(0.0, sum2 / (double)nb - mean * mean);
    pt->gap = mean - log(data_inertia / (double)n);
    pt->gap_sd = sqrt(var) * sqrt(1.0 + 1.0 / (double)nb);
    return MOOD_OK;
}

/*
 * BIC of hard k-means read as a mixture of k spherical Gaussians with one pooled variance
 * σ² = W / (d(n − k)) and weights n_j / n (X-means): −2·log L + p·log n, p = k − 1 + k·d + 1.
 */
static double kmeans_bic(const int32_t *labels, size_t n, size_t d, size_t k, double inertia)
{
    if (n <= k || !(inertia > 0.0))
        return NAN;
    size_t *cnt = mood__calloc(k, sizeof(size_t));
    if (!cnt)
        return NAN;
    for (size_t i = 0; i < n; i++)
        if (labels[i] >= 0 && (size_t)labels[i] < k)
            cnt[labels[i]]++;
    double nd = (double)n, dd = (double)d;
    double var = inertia / (dd * (nd - (double)k));
    double ll = -0.5 * nd * dd * log(2.0 * M_PI * var) - 0.5 * dd * (nd - (double)k);
    for (size_t j = 0; j < k; j++)
        if (cnt[j])
            ll += (double)cnt[j] * log((double)cnt[j] / nd);
    mood__free(cnt);
    double np = (double)k - 1.0 + (double)k * dd + 1.0;
    return -2.0 * ll + np * log(nd);
}

/* ---------------------------------------------------------------------------------------------
 * The scan
 * ------------------------------------------------------------------------------------------- */

/* Everything the scan needs besides the caller's arguments. */
typedef struct scan_ctx {
    mood_autok_params ap;
    mood_k_criterion crit;
    size_t kmin, kmax; /* the scanned range */
    size_t kmax_pick;  /* the largest k that may be chosen (kmax less the gap's extra k) */
    int want_gap, want_stab;
    float *refs; /* nb × m × d, when want_gap */
    size_t m;
    int32_t *lab, *ref_lab;
    mood_silhouette_params sp;
} scan_ctx;

/* Resolve zeroed fields, the range and the policy; validate. */
static mood_status scan_setup(const mood_cluster_params *p, const mood_autok_params *a, size_t n,
                              scan_ctx *c)
{
    memset(c, 0, sizeof *c);
    if (a)
        c->ap = *a;
    c->crit = c->ap.criterion;
    if ((int)c->crit < 0 || c->crit > MOOD_KCRIT_GAP_FIRST)
        return mood__error(MOOD_EINVAL, "auto-k: unknown criterion %d", (int)c->crit);
    if (c->crit == MOOD_KCRIT_LEGACY)
        c->crit =
            c->ap.use_bic && p->algorithm == MOOD_ALGO_GMM ? MOOD_KCRIT_BIC : MOOD_KCRIT_SILHOUETTE;
    c->kmin = c->ap.k_min ? c->ap.k_min : 2;
    c->kmax = c->ap.k_max ? c->ap.k_max : MOOD_MIN((size_t)15, n / 10);
    if (c->kmax < c->kmin)
        c->kmax = c->kmin;
    if (c->kmin < 2 || c->kmin >= n)
        return mood__error(MOOD_EINVAL, "auto-k: k_min=%zu must be at least 2 and below n=%zu",
                           c->kmin, n);
    if (c->ap.min_clusters >= n)
        return mood__error(MOOD_EINVAL, "auto-k: min_clusters=%zu must be below n=%zu",
                           c->ap.min_clusters, n);
    if (c->ap.min_clusters > c->kmax)
        c->kmax = c->ap.min_clusters;
    if (c->kmax >= n)
        c->kmax = n - 1;
    if (c->ap.gap_refs == 0)
        c->ap.gap_refs = 10;
    if (c->ap.gap_max_rows == 0)
        c->ap.gap_max_rows = 5000;
    if (!(c->ap.stability_min > 0.0))
        c->ap.stability_min = 0.75;
    if (c->crit == MOOD_KCRIT_STABILITY && c->ap.stability_boot == 0)
        c->ap.stability_boot = 5;
    if (!(c->ap.gap_se > 0.0))
        c->ap.gap_se = c->crit == MOOD_KCRIT_GAP_FIRST ? GAP_SE_FIRST : GAP_SE_GLOBAL;
    c->kmax_pick = c->kmax;
    c->want_gap = c->crit == MOOD_KCRIT_GAP || c->crit == MOOD_KCRIT_GAP_FIRST;
    c->want_stab = c->ap.stability_boot > 0;
    c->m = MOOD_MIN(n, c->ap.gap_max_rows);
    c->sp.max_exact = 20000;
    c->sp.sample_size = 10000;
    c->sp.seed = p->seed;
    c->sp.n_threads = p->n_threads;
    return MOOD_OK;
}

/* Fit and score one k into @p pt. */
static mood_status scan_one(const mood_cluster_params *p, scan_ctx *c, const float *x, size_t n,
                            size_t d, size_t k, mood_k_point *pt, int *sil_sampled)
{
    mood_cluster_params q = *p;
    q.k = k;
    q.progress = NULL;
    mood_cluster_model *m;
    mood_status st = mood_cluster_fit(&q, x, n, d, &m, c->lab);
    if (st != MOOD_OK)
        return st;
    pt->k = k;
    pt->bic = pt->aic = pt->stability = pt->gap = pt->gap_sd = NAN;
    pt->inertia = mood_cluster_model_inertia(m);
    if (p->algorithm == MOOD_ALGO_GMM) {
        double ll = mood_cluster_model_log_likelihood(m) * (double)n;
        pt->bic = -2.0 * ll + gmm_n_params(p->covariance, k, d) * log((double)n);
        pt->aic = -2.0 * ll + 2.0 * gmm_n_params(p->covariance, k, d);
    }
    mood_cluster_model_destroy(m);
    mood_internal_scores sc;
    st = mood_internal_scores_compute(x, n, d, c->lab, k, &c->sp, &sc);
    if (st != MOOD_OK) {
        /* A fit that left fewer than two groups has no silhouette; record NaN. */
        pt->silhouette = pt->calinski_harabasz = pt->davies_bouldin = NAN;
        st = MOOD_OK;
    } else {
        pt->silhouette = sc.silhouette;
        pt->calinski_harabasz = sc.calinski_harabasz;
        pt->davies_bouldin = sc.davies_bouldin;
        *sil_sampled |= sc.silhouette_sampled;
        if (!isfinite(pt->inertia))
            pt->inertia = sc.inertia;
    }
    pt->bic_kmeans = kmeans_bic(c->lab, n, d, k, pt->inertia);
    if (c->want_stab) {
        st = stability(&q, x, n, d, c->ap.stability_boot, c->lab, &pt->stability);
        if (st != MOOD_OK)
            return st;
    }
    if (c->want_gap && pt->inertia > 0.0)
        st = gap_at_k(p, c->refs, c->ap.gap_refs, c->m, d, k, 1, pt->inertia, n, c->ref_lab, pt);
    return st;
}

/* ---------------------------------------------------------------------------------------------
 * Choosing
 * ------------------------------------------------------------------------------------------- */

/* Index of the best finite value of field @p get over points [from, to]; SIZE_MAX if none. */
static size_t best_index(const mood_k_point *pts, size_t from, size_t to, int maximise,
                         double (*get)(const mood_k_point *))
{
    size_t best = SIZE_MAX;
    for (size_t i = from; i <= to; i++) {
        double v = get(&pts[i]);
        if (!isfinite(v))
            continue;
        if (best == SIZE_MAX || (maximise ? v > get(&pts[best]) : v < get(&pts[best])))
            best = i;
    }
    return best;
}

static double get_sil(const mood_k_point *p)
{
    return p->silhouette;
}

static double get_gap(const mood_k_point *p)
{
    return p->gap;
}

static double get_stab(const mood_k_point *p)
{
    return p->stability;
}

static double get_bic(const mood_k_point *p)
{
    return isfinite(p->bic) ? p->bic : p->bic_kmeans;
}

/* Tibshirani's rule ("firstSEmax"): the smallest k in [from, to] with
 * Gap(k) >= Gap(k+1) - c s(k+1), the first k after which one more group does not raise the gap
 * by more than c standard errors; the last k when the curve keeps rising. */
static size_t first_se(const scan_ctx *c, const mood_k_point *pts, size_t from, size_t to,
                       char *why, size_t cap)
{
    for (size_t i = from; i < to; i++) {
        const mood_k_point *a = &pts[i], *b = &pts[i + 1];
        if (isfinite(a->gap) && isfinite(b->gap) && a->gap >= b->gap - c->ap.gap_se * b->gap_sd) {
            snprintf(why, cap, "Gap(%zu) = %.4f >= Gap(%zu) - %.2g s = %.4f - %.4f", a->k, a->gap,
                     b->k, c->ap.gap_se, b->gap, c->ap.gap_se * b->gap_sd);
            return i;
        }
    }
    snprintf(why, cap, "the gap rises by more than %.2g s at every step up to k=%zu", c->ap.gap_se,
             pts[to].k);
    return to;
}

/* Dudoit & Fridlyand's rule ("globalSEmax"): the smallest k up to @p top, the largest gap, with
 * Gap(k) >= Gap(top) - c s(top). */
static size_t global_se(const scan_ctx *c, const mood_k_point *pts, size_t from, size_t top,
                        char *why, size_t cap)
{
    double bar = pts[top].gap - c->ap.gap_se * pts[top].gap_sd;
    for (size_t i = from; i <= top; i++)
        if (isfinite(pts[i].gap) && pts[i].gap >= bar) {
            snprintf(why, cap, "Gap(%zu) = %.4f >= max Gap(%zu) - %.2g s = %.4f - %.4f", pts[i].k,
                     pts[i].gap, pts[top].k, c->ap.gap_se, pts[top].gap,
                     c->ap.gap_se * pts[top].gap_sd);
            return i;
        }
    return top;
}

/*
 * The criterion's rule over points [from, to] (indices; to is the last choosable one).
 * Returns the index, or SIZE_MAX when no k meets the rule; @p fallback then gets the index to
 * use instead (best value), and @p why a short account of the deciding values.
 */
static size_t rule_pick(mood_k_criterion crit, const scan_ctx *c, const mood_k_point *pts,
                        size_t from, size_t to, size_t *fallback, char *why, size_t cap)
{
    why[0] = '\0';
    if (crit == MOOD_KCRIT_GAP || crit == MOOD_KCRIT_GAP_FIRST) {
        *fallback = best_index(pts, from, to, 1, get_gap); /* the largest gap */
        if (*fallback == SIZE_MAX)
            return SIZE_MAX;
        return crit == MOOD_KCRIT_GAP ? global_se(c, pts, from, *fallback, why, cap)
                                      : first_se(c, pts, from, to, why, cap);
    }
    if (crit == MOOD_KCRIT_STABILITY) {
        for (size_t i = to + 1; i-- > from;)
            if (isfinite(pts[i].stability) && pts[i].stability >= c->ap.stability_min) {
                snprintf(why, cap, "stability(%zu) = %.3f >= %.2f", pts[i].k, pts[i].stability,
                         c->ap.stability_min);
                return i;
            }
        *fallback = best_index(pts, from, to, 1, get_stab);
        return SIZE_MAX;
    }
    size_t i = crit == MOOD_KCRIT_BIC ? best_index(pts, from, to, 0, get_bic)
                                      : best_index(pts, from, to, 1, get_sil);
    if (i != SIZE_MAX)
        snprintf(why, cap, "%s(%zu) = %.4f", crit == MOOD_KCRIT_BIC ? "BIC" : "silhouette",
                 pts[i].k, crit == MOOD_KCRIT_BIC ? get_bic(&pts[i]) : pts[i].silhouette);
    *fallback = from;
    return i;
}

static const char *rule_text(mood_k_criterion crit)
{
    switch (crit) {
    case MOOD_KCRIT_GAP:
        return "gap statistic: the smallest k with Gap(k) >= max Gap - c s";
    case MOOD_KCRIT_GAP_FIRST:
        return "gap statistic: the smallest k with Gap(k) >= Gap(k+1) - c s(k+1)";
    case MOOD_KCRIT_STABILITY:
        return "bootstrap stability: the largest k whose mean pairwise ARI reaches the threshold";
    case MOOD_KCRIT_BIC:
        return "BIC: the k with the lowest BIC";
    default:
        return "silhouette: the k with the highest mean silhouette";
    }
}

/* Apply the rule over the whole range, then within the policy's range; fill the result. */
static void choose(const scan_ctx *c, const mood_k_point *pts, mood_autok_result *out)
{
    char why[160], why2[160];
    size_t last = c->kmax_pick - c->kmin, fb = 0, fb2 = 0;
    size_t min_k = c->ap.min_clusters > c->kmin ? c->ap.min_clusters : c->kmin;
    size_t from = min_k - c->kmin;
    mood_k_criterion crit = c->crit;
    size_t i_all = rule_pick(crit, c, pts, 0, last, &fb, why, sizeof why);
    size_t i = i_all;
    out->decided_by = "criterion";
    out->k_rule = pts[i_all != SIZE_MAX ? i_all : fb].k;
    if (i_all == SIZE_MAX || pts[i_all].k < min_k) {
        i = rule_pick(crit, c, pts, from, last, &fb2, why2, sizeof why2);
        if (i_all != SIZE_MAX && pts[i_all].k < min_k)
            out->decided_by = "min_clusters";
        else
            memcpy(why2, why, sizeof why2);
        if (i == SIZE_MAX) {
            i = fb2 != SIZE_MAX ? fb2 : from;
            if (i_all == SIZE_MAX)
                out->decided_by = "fallback";
        }
        memcpy(why, why2, sizeof why);
    }
    out->k_best = pts[i].k;
    out->criterion = mood_k_criterion_name(crit);
    out->rule = rule_text(crit);
    out->min_clusters = c->ap.min_clusters;
    int len = snprintf(out->reason, sizeof out->reason, "%s; ", out->rule);
    size_t off = len > 0 ? (size_t)len : 0, cap = sizeof out->reason;
    if (off >= cap)
        return;
    if (strcmp(out->decided_by, "fallback") == 0)
        snprintf(out->reason + off, cap - off,
                 "no k in %zu..%zu meets it, so the best value, k=%zu, was taken", min_k,
                 c->kmax_pick, out->k_best);
    else if (strcmp(out->decided_by, "min_clusters") == 0)
        snprintf(out->reason + off, cap - off,
                 "alone it gives k=%zu, below the minimum of %zu groups, so the rule was applied "
                 "from k=%zu: k=%zu (%s)",
                 out->k_rule, min_k, min_k, out->k_best, why);
    else
        snprintf(out->reason + off, cap - off, "k=%zu (%s)%s", out->k_best, why,
                 c->ap.min_clusters ? ", at or above the minimum number of groups" : "");
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
    scan_ctx c;
    mood_status st = scan_setup(p, a, n, &c);
    if (st != MOOD_OK)
        return st;
    size_t np = c.kmax - c.kmin + 1;
    mood_k_point *pts = mood__calloc(np, sizeof(mood_k_point));
    double *ks = mood__malloc_array(np, sizeof(double)),
           *in = mood__malloc_array(np, sizeof(double));
    c.lab = mood__malloc_array(n, sizeof(int32_t));
    c.ref_lab = c.want_gap ? mood__malloc_array(c.m, sizeof(int32_t)) : NULL;
    if (!pts || !ks || !in || !c.lab || (c.want_gap && !c.ref_lab)) {
        st = mood__enomem("auto-k");
        goto done;
    }
    if (c.want_gap) {
        st = gap_refs_make(x, n, d, c.m, c.ap.gap_refs, p->seed, &c.refs);
        if (st != MOOD_OK)
            goto done;
    }
    for (size_t i = 0; i < np; i++) {
        st = scan_one(p, &c, x, n, d, c.kmin + i, &pts[i], &out->silhouette_sampled);
        if (st != MOOD_OK)
            goto done;
        ks[i] = (double)pts[i].k;
        in[i] = pts[i].inertia;
        st = mood__progress(p->progress, p->progress_user, "auto-k", (double)(i + 1), (double)np);
        if (st != MOOD_OK)
            goto done;
    }
    choose(&c, pts, out);
    size_t ki = mood__kneedle_index(ks, in, np);
    out->k_elbow = ki == SIZE_MAX ? 0 : pts[ki].k;
    out->n_points = np;
    out->points = pts;
    pts = NULL;
done:
    mood__free(pts);
    mood__free(ks);
    mood__free(in);
    mood__free(c.lab);
    mood__free(c.ref_lab);
    mood__free(c.refs);
    if (st != MOOD_OK)
        memset(out, 0, sizeof *out);
    return st;
}
