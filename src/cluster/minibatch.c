/*
 * Mini-batch k-means (Sculley, "Web-scale k-means clustering", WWW 2010), scikit-learn's
 * variant: per-centre running counts so that each centre is the mean of every row it has
 * seen, and early stopping when the smoothed batch inertia has not improved for 10 batches.
 *
 * Memory stays at the labels plus a batch: the data are only read, which is what lets
 * n = 10M × 32 run in 1.5× the float32 data size. Seeding is k-means++ on a sample of
 * 3·batch_size rows (at least 3k). A final full pass assigns every row; the centres are then
 * replaced by the means of their members and the rows assigned once more, so the model's
 * centroids predict the training labels exactly.
 */
#include "cluster_internal.h"

#include "../core/internal.h"
#include "kmeans_internal.h"

#include <math.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* The buffers of one fit: the seeding sample and candidate, the running counts, a batch. */
typedef struct mb_work {
    size_t k, d, bs, init_n;
    float *sample, *cand;
    double *wsum, *bsum;
    float *xb, *xn, *D, *bd;
    int32_t *bl;
    km_centres cs;
} mb_work;

/* Seeding: best of n_init k-means++ runs on one random sample, judged on that sample. */
static mood_status mb_seed(const mood_cluster_params *p, const float *x, size_t n, mb_work *w,
                           mood_rng *rng, float *c)
{
    const size_t k = w->k, d = w->d, init_n = w->init_n;
    mood_status st;
    for (size_t i = 0; i < init_n; i++) {
        size_t r = init_n == n ? i : (size_t)mood_rng_below(rng, n);
        memcpy(w->sample + i * d, x + r * d, d * sizeof(float));
    }
    size_t n_init = p->init_labels ? 0 : (p->n_init ? MOOD_MIN(p->n_init, 3) : 3);
    if (p->init_labels) {
        st = mood__init_from_labels(p, x, n, d, c);
        if (st != MOOD_OK)
            return st;
    }
    double best = INFINITY;
    for (size_t t = 0; t < n_init; t++) {
        st = mood__kmeans_pp_weighted(w->sample, NULL, init_n, d, k, rng, w->cand);
        if (st != MOOD_OK)
            return st;
        double in = 0.0;
        for (size_t i = 0; i < init_n; i++) {
            float b = INFINITY;
            for (size_t j = 0; j < k; j++) {
                float v = mood__sqdist_f32(w->sample + i * d, w->cand + j * d, d);
                if (v < b)
                    b = v;
            }
            in += (double)b;
        }
        if (in < best) {
            best = in;
            memcpy(c, w->cand, k * d * sizeof(float));
        }
    }
    return MOOD_OK;
}

/* One mini-batch: draw it, assign it, move the centres; returns the batch inertia per row. */
static double mb_step(const float *x, size_t n, mb_work *w, mood_rng *rng, int nt, float *c)
{
    (void)nt; /* read only by the OpenMP pragmas */
    const size_t k = w->k, d = w->d, bs = w->bs;
    float *xb = w->xb, *xn = w->xn, *D = w->D, *bd = w->bd;
    int32_t *bl = w->bl;
    double *bsum = w->bsum, *wsum = w->wsum;
    for (size_t i = 0; i < bs; i++) {
        size_t r = (size_t)mood_rng_below(rng, n);
        memcpy(xb + i * d, x + r * d, d * sizeof(float));
        double q = 0.0;
        for (size_t l = 0; l < d; l++)
            q += (double)xb[i * d + l] * (double)xb[i * d + l];
        xn[i] = (float)q;
    }
    mood__km_centres_set(&w->cs, c);
    /* The batch is small: split it over threads in fixed 64-row blocks. */
    long long nb = (long long)((bs + 63) / 64);
#ifdef _OPENMP
#pragma omp parallel for num_threads(mood__par_threads(nt, (double)bs *(double)k *(double)d))      \
    schedule(static)
#endif
    for (long long b = 0; b < nb; b++) {
        size_t lo = (size_t)b * 64, cnt = MOOD_MIN(64, bs - lo);
        mood__km_dist_block(&w->cs, xb + lo * d, xn + lo, cnt, D + lo * k);
        for (size_t r = lo; r < lo + cnt; r++) {
            const float *Dr = D + r * k;
            size_t a = 0;
            for (size_t j = 1; j < k; j++)
                if (Dr[j] < Dr[a])
                    a = j;
            bl[r] = (int32_t)a;
            bd[r] = Dr[a];
        }
    }
    memset(bsum, 0, (k * d + k) * sizeof(double));
    double binert = 0.0;
    for (size_t r = 0; r < bs; r++) {
        size_t a = (size_t)bl[r];
        for (size_t l = 0; l < d; l++)
            bsum[a * d + l] += (double)xb[r * d + l];
        bsum[k * d + a] += 1.0;
        binert += (double)bd[r];
    }
    for (size_t j = 0; j < k; j++) {
        double cnt = bsum[k * d + j];
        if (cnt <= 0.0)
            continue;
        double wj = wsum[j];
        for (size_t l = 0; l < d; l++)
            c[j * d + l] = (float)(((double)c[j * d + l] * wj + bsum[j * d + l]) / (wj + cnt));
        wsum[j] = wj + cnt;
    }
    return binert / (double)bs;
}

/* Centres to the means of their members (per-chunk partial sums combined in order). */
static mood_status mb_member_means(const float *x, size_t n, size_t d, size_t k,
                                   const int32_t *labels, int nt, float *c)
{
    (void)nt; /* read only by the OpenMP pragmas */
    km_chunks ch;
    mood__km_chunks(n, (k * d + k) * sizeof(double), &ch);
    double *part = mood__calloc(ch.count * (k * d + k), sizeof(double));
    if (!part)
        return mood__enomem("minibatch: final means");
    long long ncc = (long long)ch.count;
#ifdef _OPENMP
#pragma omp parallel for num_threads(mood__par_threads(nt, (double)n *(double)d))                  \
    schedule(dynamic, 1)
#endif
    for (long long cc = 0; cc < ncc; cc++) {
        double *ps = part + (size_t)cc * (k * d + k);
        size_t lo = (size_t)cc * ch.rows, hi = MOOD_MIN(n, lo + ch.rows);
        for (size_t i = lo; i < hi; i++) {
            size_t a = (size_t)labels[i];
            for (size_t l = 0; l < d; l++)
                ps[a * d + l] += (double)x[i * d + l];
            ps[k * d + a] += 1.0;
        }
    }
    for (size_t cc = 1; cc < ch.count; cc++)
        for (size_t t = 0; t < k * d + k; t++)
            part[t] += part[cc * (k * d + k) + t];
    for (size_t j = 0; j < k; j++)
        if (part[k * d + j] > 0.0)
            for (size_t l = 0; l < d; l++)
                c[j * d + l] = (float)(part[j * d + l] / part[k * d + j]);
    mood__free(part);
    return MOOD_OK;
}

/* The batches, until max_iter epochs or early stopping on the smoothed batch inertia. */
static mood_status mb_batches(const mood_cluster_params *p, const float *x, size_t n, mb_work *w,
                              mood_rng *rng, int nt, mood_cluster_model *m)
{
    const size_t bs = w->bs;
    const size_t max_epochs = p->max_iter ? p->max_iter : 100;
    mood_status st = MOOD_OK;
    size_t steps = (size_t)((double)max_epochs * (double)n / (double)bs);
    if (steps < 1)
        steps = 1;
    double ewa = -1.0, ewa_min = INFINITY,
           alpha = MOOD_MIN(1.0, 2.0 * (double)bs / (double)(n + 1));
    size_t no_improve = 0;
    int saved = mood__blas_threads_single();
    for (size_t s = 0; s < steps; s++) {
        double binert = mb_step(x, n, w, rng, nt, m->centroids);
        /* Early stopping on the exponentially weighted batch inertia (per row). */
        ewa = ewa < 0.0 ? binert : ewa * (1.0 - alpha) + binert * alpha;
        if (ewa < ewa_min) {
            ewa_min = ewa;
            no_improve = 0;
        } else if (++no_improve >= 10 && s >= (size_t)(n / bs)) {
            m->n_iter = s + 1;
            break;
        }
        m->n_iter = s + 1;
        if (s % 64 == 0) {
            st = mood__progress(p->progress, p->progress_user, "minibatch", (double)s,
                                (double)steps);
            if (st != MOOD_OK)
                break;
        }
    }
    mood__blas_threads_restore(saved);
    return st;
}

mood_status mood__fit_minibatch(const mood_cluster_params *p, const float *x, size_t n, size_t d,
                                mood_cluster_model *m, int32_t *labels)
{
    const size_t k = p->k;
    const size_t bs = MOOD_MIN(n, p->batch_size ? p->batch_size : 1024);
    const int nt = mood__km_threads(p->n_threads);
    mood_status st = MOOD_OK;
    mood_rng rng;
    mb_work w;
    float *c = m->centroids;
    mood_rng_seed(&rng, p->seed);
    memset(&w, 0, sizeof w);
    w.k = k;
    w.d = d;
    w.bs = bs;
    w.init_n = MOOD_MIN(n, MOOD_MAX(3 * bs, 3 * k));
    w.sample = mood__malloc_array(w.init_n * d, sizeof(float));
    w.cand = mood__malloc_array(k * d, sizeof(float));
    w.wsum = mood__calloc(k, sizeof(double));
    w.bsum = mood__malloc_array(k * d + k, sizeof(double));
    w.xb = mood__malloc_array(bs * d, sizeof(float));
    w.xn = mood__malloc_array(bs, sizeof(float));
    w.D = mood__malloc_array(bs * k, sizeof(float));
    w.bl = mood__malloc_array(bs, sizeof(int32_t));
    w.bd = mood__malloc_array(bs, sizeof(float));
    if (!w.sample || !w.cand || !w.wsum || !w.bsum || !w.xb || !w.xn || !w.D || !w.bl || !w.bd) {
        st = mood__enomem("minibatch");
        goto done;
    }
    st = mood__km_centres_init(&w.cs, k, d, mood__km_use_blas(MOOD_KMEANS_KERNEL_AUTO, k, d));
    if (st != MOOD_OK)
        goto done;
    st = mb_seed(p, x, n, &w, &rng, c);
    if (st != MOOD_OK)
        goto done;
    st = mb_batches(p, x, n, &w, &rng, nt, m);
    if (st != MOOD_OK)
        goto done;
    /* Final full pass, centres to member means, and the labels predict() will give. */
    st = mood_kmeans_assign(c, k, x, n, d, MOOD_KMEANS_KERNEL_AUTO, nt, labels, NULL, NULL);
    if (st != MOOD_OK)
        goto done;
    st = mb_member_means(x, n, d, k, labels, nt, c);
    if (st != MOOD_OK)
        goto done;
    st = mood_kmeans_assign(c, k, x, n, d, MOOD_KMEANS_KERNEL_AUTO, nt, labels, NULL, &m->inertia);
done:
    mood__km_centres_free(&w.cs);
    mood__free(w.sample);
    mood__free(w.cand);
    mood__free(w.wsum);
    mood__free(w.bsum);
    mood__free(w.xb);
    mood__free(w.xn);
    mood__free(w.D);
    mood__free(w.bl);
    mood__free(w.bd);
    return st;
}
