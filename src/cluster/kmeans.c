/*
 * Lloyd k-means with Hamerly's bounds (Hamerly 2010), scikit-learn's stopping rule and
 * empty-cluster handling, and results that do not depend on the thread count.
 *
 * Why Hamerly rather than Elkan or Yinyang: with sgemm doing the full distance blocks, the
 * win of a bound is to skip rows entirely; Hamerly keeps two floats per row (Elkan keeps k),
 * which the 10M-row memory target allows, and on the bench data (overlapping blobs, k = 64)
 * it skips most rows after a few iterations (bench/RESULTS.md lists the distance counts).
 * Rows whose bounds fail are gathered into a block and sent through the same sgemm kernel.
 *
 * Determinism: rows are split into fixed chunks (kmeans_internal.h); every chunk writes its
 * own partial centre sums and they are added in chunk order, so any number of threads gives
 * bit-identical centres and labels.
 */
#include "kmeans_internal.h"

#include "../core/clock.h"
#include "../core/internal.h"

#include <math.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

void mood_kmeans_params_default(mood_kmeans_params *p)
{
    memset(p, 0, sizeof *p);
    p->k = 8;
    p->n_init = 10;
    p->max_iter = 300;
    p->tol = 1e-4;
}

/* Everything one Lloyd run needs; allocated once per fit and reused by the restarts. */
typedef struct lloyd {
    const float *x;
    const float *xnorm;
    size_t n, d, k, B;
    int nt, bounds;
    km_chunks ch;
    km_centres cs;
    float *c;         /* k×d current centres */
    float *c_old;     /* k×d previous centres */
    double *psum;     /* ch.count × (k·d + k): per-chunk sums and counts */
    double *sum;      /* k·d + k combined */
    size_t *pchanged; /* per chunk: labels that changed */
    size_t *pevals;   /* per chunk: distances computed */
    size_t *ptried;   /* per chunk: bounds tightened by one exact distance */
    size_t *psaved;   /* per chunk: rows the tightened bound kept out of the block */
    int skip_tight;   /* iterations left without tightening (see tighten_policy) */
    int32_t *lab;     /* n */
    float *up, *lo;   /* n each (bounds) */
    float *shift;     /* k centre moves (for the bounds) */
    float *s_half;    /* k: half the distance to the nearest other centre */
    float *tmp;       /* n squared distances, only for empty-cluster relocation */
    km_shifts mx;     /* largest and second largest shift */
    int alloc_failed;
} lloyd;

static void lloyd_free(lloyd *L)
{
    mood__km_centres_free(&L->cs);
    mood__free(L->c_old);
    mood__free(L->psum);
    mood__free(L->sum);
    mood__free(L->pchanged);
    mood__free(L->pevals);
    mood__free(L->ptried);
    mood__free(L->psaved);
    mood__free(L->lab);
    mood__free(L->up);
    mood__free(L->lo);
    mood__free(L->shift);
    mood__free(L->s_half);
    mood__free(L->tmp);
}

/*
 * Hamerly's test for the b rows from b0: a row whose upper bound exceeds both its lower bound
 * and half the distance from its centre to the nearest other one may change label. Normally
 * its upper bound is first tightened with the exact distance to its own centre, which often
 * settles it; on heavily overlapping data that rarely helps and the tightening is pure extra
 * work (measured: 13% of the fit at n = 1M, d = 32, k = 64), so tighten_policy can switch it
 * off for a few iterations: the row then goes straight to the distance block, which gives it
 * exact bounds anyway. Writes the rows for the block into idx and returns their count.
 */
static size_t bound_filter(lloyd *L, size_t b0, size_t b, size_t *idx, size_t *evals, size_t *tried,
                           size_t *saved)
{
    const size_t d = L->d;
    const int tight = L->skip_tight == 0;
    size_t m = 0;
    for (size_t r = 0; r < b; r++) {
        size_t i = b0 + r;
        size_t a = (size_t)L->lab[i];
        float u = L->up[i] + L->shift[a];
        float l = L->lo[i] - (a == L->mx.max1_idx ? L->mx.max2 : L->mx.max1);
        float z = l > L->s_half[a] ? l : L->s_half[a];
        if (u > z && tight) {
            u = sqrtf(mood__sqdist_f32(L->x + i * d, L->c + a * d, d));
            (*evals)++;
            (*tried)++;
            *saved += u <= z;
        }
        if (u > z)
            idx[m++] = i;
        L->up[i] = u;
        L->lo[i] = l;
    }
    return m;
}

/*
 * Tightening costs one distance per tried row and saves a row of the block (k distances
 * through sgemm, several times dearer per row) when it settles the row: below one success in
 * five tries it does not pay, and it is switched off for the next four iterations, after which
 * one iteration measures again. Decided from totals over all chunks, so the choice, like
 * everything else, does not depend on the thread count.
 */
static void tighten_policy(lloyd *L, size_t tried, size_t saved)
{
    if (L->skip_tight > 0)
        L->skip_tight--;
    else if (tried > 0 && saved * 5 < tried)
        L->skip_tight = 4;
}

/*
 * One assignment pass over all rows. first: every distance is computed (no valid bounds).
 * update: accumulate the per-chunk centre sums. Returns the number of changed labels.
 */
static size_t assign_pass(lloyd *L, int first, int update, size_t *evals_out)
{
    const size_t n = L->n, d = L->d, k = L->k, B = L->B, stride = k * d + k;
    const float *x = L->x;
    const long long nc = (long long)L->ch.count;
    L->alloc_failed = 0;
#ifdef _OPENMP
#pragma omp parallel num_threads(mood__par_threads(L->nt, (double)n *(double)k *(double)d))
#endif
    {
        const size_t sz[][2] = {{B * k, sizeof(float)}, {B * d, sizeof(float)},
                                {B, sizeof(float)},     {B, sizeof(size_t)},
                                {B * d, sizeof(float)}, {2 * B, sizeof(float)},
                                {B, sizeof(int32_t)}};
        mood_scratch w;
        const int ok = mood__scratch_alloc(&w, sz, 7, &L->alloc_failed);
        float *D = w.p[0], *xb = w.p[1], *xnb = w.p[2], *xt = w.p[4], *v1 = w.p[5];
        float *v2 = v1 ? v1 + B : NULL;
        size_t *idx = w.p[3];
        int32_t *labb = w.p[6];
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
        for (long long cc = 0; cc < nc; cc++) {
            if (!ok)
                continue;
            size_t lo = (size_t)cc * L->ch.rows, hi = MOOD_MIN(n, lo + L->ch.rows);
            double *ps = L->psum + (size_t)cc * stride;
            size_t changed = 0, evals = 0, tried = 0, saved = 0;
            if (update)
                memset(ps, 0, stride * sizeof(double));
            for (size_t b0 = lo; b0 < hi; b0 += B) {
                size_t b = MOOD_MIN(B, hi - b0), m = 0;
                const float *blk;
                const float *blkn;
                if (first || !L->bounds) {
                    for (size_t r = 0; r < b; r++)
                        idx[r] = b0 + r;
                    m = b;
                    blk = x + b0 * d;
                    blkn = L->xnorm + b0;
                } else {
                    m = bound_filter(L, b0, b, idx, &evals, &tried, &saved);
                    blk = x + b0 * d;
                    blkn = L->xnorm + b0;
                    if (m < b && L->cs.fused) {
                        /* the fused kernel reads the rows in place through idx */
                        mood__km_assign_rows(&L->cs, x, L->xnorm, idx, m, labb, v1,
                                             L->bounds ? v2 : NULL);
                        blk = NULL;
                    } else if (m < b) {
                        /* gather the rows that need the block; when all do, use them in place */
                        for (size_t r = 0; r < m; r++) {
                            memcpy(xb + r * d, x + idx[r] * d, d * sizeof(float));
                            xnb[r] = L->xnorm[idx[r]];
                        }
                        blk = xb;
                        blkn = xnb;
                    }
                }
                if (m) {
                    if (blk)
                        mood__km_assign_block(&L->cs, blk, blkn, m, xt, D, labb, v1,
                                              L->bounds ? v2 : NULL);
                    evals += m * k;
                    for (size_t r = 0; r < m; r++) {
                        size_t i = idx[r];
                        if (L->lab[i] != labb[r]) {
                            changed++;
                            L->lab[i] = labb[r];
                        }
                        if (L->bounds) {
                            /* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): set with lab */
                            L->up[i] = sqrtf(v1[r]);
                            L->lo[i] = sqrtf(v2[r]);
                        }
                    }
                }
                if (update) {
                    for (size_t r = 0; r < b; r++) {
                        size_t i = b0 + r;
                        size_t a = (size_t)L->lab[i];
                        mood__add_row_f64(ps + a * d, x + i * d, d);
                        ps[k * d + a] += 1.0;
                    }
                }
            }
            L->pchanged[cc] = changed;
            L->pevals[cc] = evals;
            L->ptried[cc] = tried;
            L->psaved[cc] = saved;
        }
        mood__scratch_free(&w);
    }
    size_t changed = 0, evals = 0, tried = 0, saved = 0;
    for (size_t c = 0; c < L->ch.count; c++) {
        changed += L->pchanged[c];
        evals += L->pevals[c];
        tried += L->ptried[c];
        saved += L->psaved[c];
    }
    *evals_out += evals;
    if (!first && L->bounds)
        tighten_policy(L, tried, saved);
    return changed;
}

/*
 * Empty clusters take the rows farthest from their current centre (scikit-learn's
 * _relocate_empty_clusters_dense): the row leaves its old cluster's sums and starts the empty
 * one. Ties in distance go to the lower row index so that the choice is deterministic.
 */
static void relocate_empty(lloyd *L, size_t n_empty)
{
    const size_t n = L->n, d = L->d, k = L->k;
    const long long nn = (long long)n;
#ifdef _OPENMP
#pragma omp parallel for num_threads(mood__par_threads(L->nt, (double)n *(double)d))               \
    schedule(static)
#endif
    for (long long ii = 0; ii < nn; ii++) {
        size_t i = (size_t)ii;
        L->tmp[i] = mood__sqdist_f32(L->x + i * d, L->c + (size_t)L->lab[i] * d, d);
    }
    double *cnt = L->sum + k * d;
    size_t j = 0;
    for (size_t e = 0; e < n_empty; e++) {
        while (j < k && cnt[j] > 0.0)
            j++;
        if (j >= k)
            break;
        float fd;
        size_t far = mood__km_farthest(L->tmp, n, &fd);
        L->tmp[far] = -2.0f; /* taken */
        mood__km_take_row(L->sum, k, d, (size_t)L->lab[far], j, L->x + far * d);
    }
}

size_t mood__km_farthest(const float *v, size_t n, float *out_v)
{
    size_t far = 0;
    float fd = -1.0f;
    for (size_t i = 0; i < n; i++)
        if (v[i] > fd) {
            fd = v[i];
            far = i;
        }
    *out_v = fd;
    return far;
}

void mood__km_take_row(double *sum, size_t k, size_t d, size_t old, size_t j, const float *xf)
{
    double *cnt = sum + k * d;
    for (size_t l = 0; l < d; l++) {
        sum[old * d + l] -= (double)xf[l];
        sum[j * d + l] = (double)xf[l];
    }
    cnt[old] -= 1.0;
    cnt[j] = 1.0;
}

double mood__km_move_centres(const double *sum, size_t k, size_t d, float *c, float *c_old,
                             float *shift, km_shifts *mx)
{
    const double *cnt = sum + k * d;
    double tot = 0.0;
    memcpy(c_old, c, k * d * sizeof(float));
    mx->max1 = mx->max2 = 0.0f;
    mx->max1_idx = 0;
    for (size_t j = 0; j < k; j++) {
        double sh = 0.0;
        if (cnt[j] > 0.0) {
            for (size_t l = 0; l < d; l++) {
                float v = (float)(sum[j * d + l] / cnt[j]);
                double t = (double)v - (double)c_old[j * d + l];
                sh += t * t;
                c[j * d + l] = v;
            }
        }
        tot += sh;
        /* Rounded up a little so that float bounds stay conservative. */
        float s = (float)(sqrt(sh) * (1.0 + 1e-6));
        shift[j] = s;
        if (s > mx->max1) {
            mx->max2 = mx->max1;
            mx->max1 = s;
            mx->max1_idx = j;
        } else if (s > mx->max2) {
            mx->max2 = s;
        }
    }
    return tot;
}

void mood__km_centre_gaps(const float *c, size_t k, size_t d, float *s_half)
{
    for (size_t j = 0; j < k; j++) {
        float m = INFINITY;
        for (size_t j2 = 0; j2 < k; j2++) {
            if (j2 == j)
                continue;
            float v = mood__sqdist_f32(c + j * d, c + j2 * d, d);
            if (v < m)
                m = v;
        }
        s_half[j] = 0.5f * sqrtf(m) * (1.0f - 1e-6f);
    }
}

/* New centres from the chunk sums; returns Σ‖Δc‖² and prepares the bounds' shift data. */
static double update_centres(lloyd *L)
{
    const size_t d = L->d, k = L->k, stride = k * d + k;
    memset(L->sum, 0, stride * sizeof(double));
    for (size_t c = 0; c < L->ch.count; c++) {
        const double *ps = L->psum + c * stride;
        for (size_t t = 0; t < stride; t++)
            L->sum[t] += ps[t];
    }
    double *cnt = L->sum + k * d;
    size_t n_empty = 0;
    for (size_t j = 0; j < k; j++)
        n_empty += cnt[j] <= 0.0;
    if (n_empty)
        relocate_empty(L, n_empty);
    double tot = mood__km_move_centres(L->sum, k, d, L->c, L->c_old, L->shift, &L->mx);
    mood__km_centres_set(&L->cs, L->c);
    if (L->bounds)
        mood__km_centre_gaps(L->c, k, d, L->s_half);
    return tot;
}

/* Σ‖x_i − c_lab(i)‖² in double, chunk-ordered. */
static double exact_inertia(const lloyd *L, const int32_t *lab, const float *c)
{
    const size_t n = L->n, d = L->d;
    const long long nc = (long long)L->ch.count;
    double *part = L->psum; /* one slot per chunk, at the chunk's partial-sum offset */
#ifdef _OPENMP
#pragma omp parallel for num_threads(mood__par_threads(L->nt, (double)n *(double)d))               \
    schedule(dynamic, 1)
#endif
    for (long long cc = 0; cc < nc; cc++) {
        size_t lo = (size_t)cc * L->ch.rows, hi = MOOD_MIN(n, lo + L->ch.rows);
        double s = 0.0;
        for (size_t i = lo; i < hi; i++) {
            const float *xi = L->x + i * d, *ci = c + (size_t)lab[i] * d;
            for (size_t l = 0; l < d; l++) {
                double t = (double)xi[l] - (double)ci[l];
                s += t * t;
            }
        }
        part[cc * (L->k * d + L->k)] = s;
    }
    double tot = 0.0;
    for (size_t cc = 0; cc < L->ch.count; cc++)
        tot += part[cc * (L->k * d + L->k)];
    return tot;
}

/* Mean of the column variances (scikit-learn scales tol by it), two-pass, chunk-ordered. */
static mood_status mean_variance(const float *x, size_t n, size_t d, int nt, double *out)
{
    (void)nt; /* read only by the OpenMP pragmas */
    km_chunks ch;
    mood__km_chunks(n, d * sizeof(double), &ch);
    double *part = mood__calloc(ch.count * d + 2 * d, sizeof(double));
    if (!part)
        return mood__enomem("kmeans: variance");
    double *mean = part + ch.count * d, *var = mean + d;
    for (int pass = 0; pass < 2; pass++) {
        long long nc = (long long)ch.count;
#ifdef _OPENMP
#pragma omp parallel for num_threads(mood__par_threads(nt, (double)n *(double)d))                  \
    schedule(dynamic, 1)
#endif
        for (long long cc = 0; cc < nc; cc++) {
            size_t lo = (size_t)cc * ch.rows, hi = MOOD_MIN(n, lo + ch.rows);
            double *p = part + (size_t)cc * d;
            for (size_t l = 0; l < d; l++)
                p[l] = 0.0;
            for (size_t i = lo; i < hi; i++)
                for (size_t l = 0; l < d; l++) {
                    double v = (double)x[i * d + l];
                    if (pass) {
                        v -= mean[l];
                        v *= v;
                    }
                    p[l] += v;
                }
        }
        double *dst = pass ? var : mean;
        for (size_t l = 0; l < d; l++) {
            double s = 0.0;
            for (size_t c = 0; c < ch.count; c++)
                s += part[c * d + l];
            dst[l] = s / (double)n;
        }
    }
    double m = 0.0;
    for (size_t l = 0; l < d; l++)
        m += var[l];
    *out = m / (double)d;
    mood__free(part);
    return MOOD_OK;
}

/* The arguments of mood_kmeans_fit(), checked before any allocation. */
static mood_status kmeans_validate(const mood_kmeans_params *p, const float *x, size_t n, size_t d,
                                   int nt)
{
    const size_t k = p->k;
    if (d == 0)
        return mood__error(MOOD_EINVAL, "kmeans: d = 0 (no feature columns)");
    if (k == 0)
        return mood__error(MOOD_EINVAL, "kmeans: k = 0, expected at least 1 group");
    if (k > n)
        return mood__error(MOOD_EINVAL, "kmeans: k=%zu exceeds n=%zu rows", k, n);
    if (p->init == MOOD_KMEANS_INIT_GIVEN && !p->init_centroids)
        return mood__error(MOOD_EINVAL, "kmeans: init GIVEN without init_centroids");
    if (p->tol < 0.0 || !isfinite(p->tol))
        return mood__error(MOOD_EINVAL, "kmeans: tol=%g must be finite and >= 0", p->tol);
    mood_status st = mood__check_finite("kmeans", x, n, d, nt);
    if (st != MOOD_OK)
        return st;
    if (p->init == MOOD_KMEANS_INIT_GIVEN)
        return mood__check_finite("kmeans: init_centroids", p->init_centroids, k, d, 1);
    return MOOD_OK;
}

/* Every buffer of the Lloyd state (the row norms and centres included). */
static mood_status lloyd_alloc(lloyd *L, const mood_kmeans_params *p, const float *x, size_t n,
                               size_t d, int nt, float **out_xnorm)
{
    const size_t k = p->k;
    memset(L, 0, sizeof *L);
    L->x = x;
    L->n = n;
    L->d = d;
    L->k = k;
    L->nt = nt;
    L->B = mood__km_block_rows(k);
    L->bounds = p->bounds != MOOD_KMEANS_BOUNDS_NONE && k > 1;
    const size_t stride = k * d + k;
    mood__km_chunks(n, stride * sizeof(double), &L->ch);
    *out_xnorm = mood__malloc_array(n, sizeof(float));
    L->xnorm = *out_xnorm;
    L->c = mood__malloc_array(k * d, sizeof(float));
    L->c_old = mood__malloc_array(k * d, sizeof(float));
    L->psum = mood__malloc_array(L->ch.count * stride, sizeof(double));
    L->sum = mood__malloc_array(stride, sizeof(double));
    L->pchanged = mood__malloc_array(L->ch.count, sizeof(size_t));
    L->pevals = mood__malloc_array(L->ch.count, sizeof(size_t));
    L->ptried = mood__calloc(L->ch.count, sizeof(size_t));
    L->psaved = mood__calloc(L->ch.count, sizeof(size_t));
    L->lab = mood__malloc_array(n, sizeof(int32_t));
    L->shift = mood__calloc(k, sizeof(float));
    L->s_half = mood__calloc(k, sizeof(float));
    if (L->bounds) {
        L->up = mood__malloc_array(n, sizeof(float));
        L->lo = mood__malloc_array(n, sizeof(float));
    }
    if (!L->xnorm || !L->c || !L->c_old || !L->psum || !L->sum || !L->pchanged || !L->pevals ||
        !L->ptried || !L->psaved || !L->lab || !L->shift || !L->s_half ||
        (L->bounds && (!L->up || !L->lo)))
        return mood__enomem("kmeans");
    return mood__km_centres_init(&L->cs, k, d, mood__km_use_blas(p->kernel, k, d));
}

/* The relocation buffer is allocated the first time a cluster empties. */
static mood_status lloyd_relocation_buffer(lloyd *L)
{
    const size_t k = L->k, d = L->d, stride = k * d + k;
    if (L->tmp)
        return MOOD_OK;
    int any_empty = 0;
    for (size_t j = 0; j < k && !any_empty; j++) {
        double c = 0.0;
        for (size_t cc = 0; cc < L->ch.count; cc++)
            c += L->psum[cc * stride + k * d + j];
        any_empty = c <= 0.0;
    }
    if (any_empty) {
        L->tmp = mood__malloc_array(L->n, sizeof(float));
        if (!L->tmp)
            return mood__enomem("kmeans: empty-cluster relocation");
    }
    return MOOD_OK;
}

/* One run of Lloyd's iterations from the centres in L->c; the iteration count in *out_it. */
static mood_status lloyd_iterate(lloyd *L, const mood_kmeans_params *p, size_t run, size_t n_init,
                                 size_t max_iter, double tol, mood_kmeans_result *res,
                                 size_t *out_it)
{
    mood_status st;
    int strict = 0;
    size_t it = 0;
    for (size_t i = 0; i < L->n; i++)
        L->lab[i] = -1;
    while (it < max_iter) {
        size_t changed = assign_pass(L, it == 0, 1, &res->distance_evals);
        if (L->alloc_failed)
            return mood__enomem("kmeans: thread scratch");
        st = lloyd_relocation_buffer(L);
        if (st != MOOD_OK)
            return st;
        double shift = update_centres(L);
        it++;
        st = mood__progress(p->progress, p->progress_user, "kmeans", (double)(run * max_iter + it),
                            (double)(n_init * max_iter));
        if (st != MOOD_OK)
            return st;
        if (changed == 0) {
            strict = 1;
            break;
        }
        if (shift <= tol)
            break;
    }
    *out_it = it;
    if (!strict) {
        /* Labels for the final centres (scikit-learn's last E-step). */
        assign_pass(L, 0, 0, &res->distance_evals);
        if (L->alloc_failed)
            return mood__enomem("kmeans: thread scratch");
    }
    return MOOD_OK;
}

mood_status mood_kmeans_fit(const mood_kmeans_params *p, const float *x, size_t n, size_t d,
                            float *out_centroids, int32_t *out_labels, mood_kmeans_result *out)
{
    if (!p || !x || !out_centroids || !out_labels)
        return mood__error(MOOD_EINVAL, "kmeans: NULL argument");
    const size_t k = p->k;
    const int nt = mood__km_threads(p->n_threads);
    mood_status st = kmeans_validate(p, x, n, d, nt);
    if (st != MOOD_OK)
        return st;
    const size_t n_init = p->init == MOOD_KMEANS_INIT_GIVEN ? 1 : (p->n_init ? p->n_init : 10);
    const size_t max_iter = p->max_iter ? p->max_iter : 300;
    lloyd L;
    float *xnorm = NULL;
    int blas_saved = 1;
    st = lloyd_alloc(&L, p, x, n, d, nt, &xnorm);
    if (st != MOOD_OK)
        goto done;
    double mv = 0.0;
    st = mean_variance(x, n, d, nt, &mv);
    if (st != MOOD_OK)
        goto done;
    const double tol = p->tol * mv;
    mood__km_row_norms(x, n, d, nt, xnorm);
    blas_saved = mood__blas_threads_single();

    mood_rng rng;
    mood_rng_seed(&rng, p->seed);
    mood_kmeans_result res;
    memset(&res, 0, sizeof res);
    double best_inertia = INFINITY;
    for (size_t run = 0; run < n_init; run++) {
        double t0 = mood__now();
        L.skip_tight = 0;
        if (p->init == MOOD_KMEANS_INIT_GIVEN)
            memcpy(L.c, p->init_centroids, k * d * sizeof(float));
        else {
            st = mood__kmeans_seed_rng(x, n, d, k, p->init, &rng, nt, L.c);
            if (st != MOOD_OK)
                goto done;
        }
        double t1 = mood__now();
        res.seed_seconds += t1 - t0;
        mood__km_centres_set(&L.cs, L.c);
        size_t it = 0;
        st = lloyd_iterate(&L, p, run, n_init, max_iter, tol, &res, &it);
        if (st != MOOD_OK)
            goto done;
        double inertia = exact_inertia(&L, L.lab, L.c);
        res.iter_seconds += mood__now() - t1;
        if (inertia < best_inertia) {
            best_inertia = inertia;
            res.inertia = inertia;
            res.n_iter = it;
            res.best_init = run;
            memcpy(out_centroids, L.c, k * d * sizeof(float));
            memcpy(out_labels, L.lab, n * sizeof(int32_t));
        }
    }
    if (out)
        *out = res;
done:
    mood__blas_threads_restore(blas_saved);
    mood__free(xnorm);
    mood__free(L.c);
    lloyd_free(&L);
    return st;
}

mood_status mood_kmeans_assign(const float *centroids, size_t k, const float *x, size_t n, size_t d,
                               mood_kmeans_kernel kernel, int n_threads, int32_t *out_labels,
                               float *out_dist_sq, double *out_inertia)
{
    if (!centroids || !x || !out_labels || k == 0 || d == 0)
        return mood__error(MOOD_EINVAL, "kmeans assign: NULL argument, k = 0 or d = 0");
    if (n == 0) {
        if (out_inertia)
            *out_inertia = 0.0;
        return MOOD_OK;
    }
    const int nt = mood__km_threads(n_threads);
    mood_status st = mood__check_finite("predict", x, n, d, nt);
    if (st != MOOD_OK)
        return st;
    km_centres cs;
    st = mood__km_centres_init(&cs, k, d, mood__km_use_blas(kernel, k, d));
    if (st != MOOD_OK)
        return st;
    mood__km_centres_set(&cs, centroids);
    km_chunks ch;
    mood__km_chunks(n, sizeof(double), &ch);
    double *part = mood__malloc_array(ch.count, sizeof(double));
    if (!part) {
        mood__km_centres_free(&cs);
        return mood__enomem("kmeans assign");
    }
    const size_t B = mood__km_block_rows(k);
    int failed = 0, saved = mood__blas_threads_single();
    const long long nc = (long long)ch.count;
#ifdef _OPENMP
#pragma omp parallel num_threads(mood__par_threads(nt, (double)n *(double)k *(double)d))
#endif
    {
        const size_t sz[][2] = {
            {B * k, sizeof(float)}, {B, sizeof(float)}, {B * d, sizeof(float)}, {B, sizeof(float)}};
        mood_scratch w;
        const int ok = mood__scratch_alloc(&w, sz, 4, &failed);
        float *D = w.p[0], *xn = w.p[1], *xt = w.p[2], *v1 = w.p[3];
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
        for (long long cc = 0; cc < nc; cc++) {
            if (!ok)
                continue;
            size_t lo = (size_t)cc * ch.rows, hi = MOOD_MIN(n, lo + ch.rows);
            double s = 0.0;
            for (size_t b0 = lo; b0 < hi; b0 += B) {
                size_t b = MOOD_MIN(B, hi - b0);
                for (size_t r = 0; r < b; r++) {
                    xn[r] = (float)mood__sqnorm_f64(x + (b0 + r) * d, d);
                }
                mood__km_assign_block(&cs, x + b0 * d, xn, b, xt, D, out_labels + b0, v1, NULL);
                for (size_t r = 0; r < b; r++) {
                    size_t i = b0 + r;
                    float dist =
                        mood__sqdist_f32(x + i * d, centroids + (size_t)out_labels[i] * d, d);
                    if (out_dist_sq)
                        out_dist_sq[i] = dist;
                    s += (double)dist;
                }
            }
            part[cc] = s;
        }
        mood__scratch_free(&w);
    }
    mood__blas_threads_restore(saved);
    double tot = 0.0;
    for (size_t c = 0; c < ch.count; c++)
        tot += part[c];
    mood__free(part);
    mood__km_centres_free(&cs);
    if (failed)
        return mood__enomem("kmeans assign: thread scratch");
    if (out_inertia)
        *out_inertia = tot;
    return MOOD_OK;
}
