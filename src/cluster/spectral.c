/*
 * Spectral clustering (Ng, Jordan & Weiss 2001; von Luxburg, "A tutorial on spectral
 * clustering", 2007) as scikit-learn's SpectralClustering(affinity="nearest_neighbors") does
 * it: a symmetrised k-NN connectivity graph A = ½(C + Cᵀ) (each row counted among its own
 * neighbours), the normalised Laplacian, its k eigenvectors of smallest eigenvalue (the
 * largest of M = D^-½ A D^-½), rows scaled by D^-½, signs fixed, then k-means on them.
 *
 * Eigenvectors: up to 1000 rows a dense LAPACK dsyevr on M; above, Chebyshev-filtered
 * subspace iteration on the sparse M, up to 20000 rows. Beyond
 * 20000 rows the fit is refused with a clear error: use kmeans, minibatch or gmm, or a sample.
 * Centroids are the means of the members in the input space, so predict assigns new rows to
 * the nearest such centre.
 */
#include "cluster_internal.h"

#include "../core/internal.h"
#include "kdtree.h"
#include "kmeans_internal.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#define SPECTRAL_MAX_N   20000
#define SPECTRAL_DENSE_N 1000

/* Sparse symmetric matrix in CSR form. */
typedef struct csr {
    size_t n;
    size_t *rp;
    int32_t *ci;
    double *v;
} csr;

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Build M = D^-½ A D^-½ with A = ½(C + Cᵀ), C the k-NN connectivity (self included). */
static mood_status build_graph(const float *x, size_t n, size_t d, size_t nn, int nt, csr *g,
                               double *dinv_sqrt)
{
    (void)nt; /* read only by the OpenMP pragmas */
    kdtree *t;
    mood_status st = mood__kdtree_build(x, n, d, &t);
    if (st != MOOD_OK)
        return st;
    int32_t *knn = mood__malloc_array(n * nn, sizeof(int32_t));
    /* Edges of C and Cᵀ as (row, col) pairs, sorted per row to merge duplicates. */
    size_t *cnt = mood__calloc(n + 1, sizeof(size_t));
    int failed = 0;
    if (!knn || !cnt) {
        st = mood__enomem("spectral graph");
        goto fail;
    }
    long long N = (long long)n;
#ifdef _OPENMP
#pragma omp parallel num_threads(mood__par_threads(nt, (double)n *(double)d * 64.0))
#endif
    {
        const size_t sz[][2] = {{nn, sizeof(double)}};
        mood_scratch w;
        const int ok = mood__scratch_alloc(&w, sz, 1, &failed);
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 64)
#endif
        for (long long i = 0; i < N; i++)
            if (ok)
                mood__kdtree_knn(t, x + (size_t)i * d, nn, knn + (size_t)i * nn, w.p[0]);
        mood__scratch_free(&w);
    }
    if (failed) {
        st = mood__enomem("spectral graph");
        goto fail;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t q = 0; q < nn; q++) {
            cnt[i]++;
            cnt[knn[i * nn + q]]++;
        }
    g->n = n;
    g->rp = mood__malloc_array(n + 1, sizeof(size_t));
    size_t tot = 0;
    for (size_t i = 0; i < n; i++)
        tot += cnt[i];
    g->ci = mood__malloc_array(tot + 1, sizeof(int32_t));
    g->v = mood__malloc_array(tot + 1, sizeof(double));
    if (!g->rp || !g->ci || !g->v) {
        st = mood__enomem("spectral graph");
        goto fail;
    }
    g->rp[0] = 0;
    for (size_t i = 0; i < n; i++)
        g->rp[i + 1] = g->rp[i] + cnt[i];
    memset(cnt, 0, (n + 1) * sizeof(size_t));
    for (size_t i = 0; i < n; i++)
        for (size_t q = 0; q < nn; q++) {
            size_t j = (size_t)knn[i * nn + q];
            g->ci[g->rp[i] + cnt[i]++] = (int32_t)j;
            g->ci[g->rp[j] + cnt[j]++] = (int32_t)i;
        }
    /* Sort and merge: weight ½ per direction, so a mutual edge weighs 1. */
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        size_t a = g->rp[i], b = g->rp[i + 1];
        qsort(g->ci + a, b - a, sizeof(int32_t), cmp_i32);
        size_t start = w;
        for (size_t q = a; q < b; q++) {
            if (w > start && g->ci[w - 1] == g->ci[q]) {
                g->v[w - 1] += 0.5;
            } else {
                g->ci[w] = g->ci[q];
                g->v[w] = 0.5;
                w++;
            }
        }
        g->rp[i] = start;
    }
    g->rp[n] = w;
    for (size_t i = 0; i < n; i++) {
        double deg = 0.0;
        for (size_t q = g->rp[i]; q < g->rp[i + 1]; q++)
            deg += g->v[q];
        dinv_sqrt[i] = deg > 0.0 ? 1.0 / sqrt(deg) : 0.0;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t q = g->rp[i]; q < g->rp[i + 1]; q++)
            g->v[q] *= dinv_sqrt[i] * dinv_sqrt[g->ci[q]];
    mood__free(knn);
    mood__free(cnt);
    mood__kdtree_free(t);
    return MOOD_OK;
fail:
    mood__free(knn);
    mood__free(cnt);
    mood__kdtree_free(t);
    return st;
}

static void csr_free(csr *g)
{
    mood__free(g->rp);
    mood__free(g->ci);
    mood__free(g->v);
}

/* Dense route: the k largest eigenvectors of M (n×n) by dsyevr, into V (n×k, column j = j-th). */
static mood_status eig_dense(const csr *g, size_t k, double *V)
{
    size_t n = g->n;
    double *A = mood__calloc(n * n, sizeof(double));
    double *w = mood__malloc_array(n, sizeof(double));
    double *Z = mood__malloc_array(n * k, sizeof(double));
    lapack_int *isuppz = mood__malloc_array(2 * k, sizeof(lapack_int));
    mood_status st = MOOD_OK;
    if (!A || !w || !Z || !isuppz) {
        st = mood__enomem("spectral eigensolver");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t q = g->rp[i]; q < g->rp[i + 1]; q++)
            A[i * n + (size_t)g->ci[q]] = g->v[q];
    lapack_int m_found = 0;
    lapack_int info = LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'I', 'U', (lapack_int)n, A,
                                     (lapack_int)n, 0.0, 0.0, (lapack_int)(n - k + 1),
                                     (lapack_int)n, 0.0, &m_found, w, Z, (lapack_int)k, isuppz);
    if (info != 0 || (size_t)m_found != k) {
        st = mood__error(MOOD_EINTERNAL, "spectral: LAPACK dsyevr failed (info %d)", (int)info);
        goto done;
    }
    /* Ascending eigenvalues: reverse so column 0 is the largest of M (smallest of L). */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < k; j++)
            V[i * k + j] = Z[i * k + (k - 1 - j)];
done:
    mood__free(A);
    mood__free(w);
    mood__free(Z);
    mood__free(isuppz);
    return st;
}

/* Y = (M + shift·I)·X for n×b X (row-major). */
static void csr_mul(const csr *g, const double *X, size_t b, double shift, double *Y, int nt)
{
    long long N = (long long)g->n;
    (void)nt;
#ifdef _OPENMP
#pragma omp parallel for num_threads(mood__par_threads(nt, (double)g->rp[g->n] * (double)b))       \
    schedule(static)
#endif
    for (long long ii = 0; ii < N; ii++) {
        size_t i = (size_t)ii;
        double *y = Y + i * b;
        for (size_t c = 0; c < b; c++)
            y[c] = shift * X[i * b + c];
        for (size_t q = g->rp[i]; q < g->rp[i + 1]; q++) {
            const double *xr = X + (size_t)g->ci[q] * b;
            double v = g->v[q];
            for (size_t c = 0; c < b; c++)
                y[c] += v * xr[c];
        }
    }
}

/* Orthonormalise the b columns of n×b X in place (QR through LAPACK). */
static mood_status orthonormalise(double *X, size_t n, size_t b, double *tau)
{
    lapack_int info =
        LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, (lapack_int)n, (lapack_int)b, X, (lapack_int)b, tau);
    if (info == 0)
        info = LAPACKE_dorgqr(LAPACK_ROW_MAJOR, (lapack_int)n, (lapack_int)b, (lapack_int)b, X,
                              (lapack_int)b, tau);
    if (info != 0)
        return mood__error(MOOD_EINTERNAL, "spectral: LAPACK QR failed (info %d)", (int)info);
    return MOOD_OK;
}

/* X ← X·Q for n×b X and b×b Q (columns of Q taken in reverse: descending eigenvalues). */
static void rotate(double *X, size_t n, size_t b, const double *Q)
{
    for (size_t i = 0; i < n; i++) {
        double row[256];
        for (size_t c = 0; c < b; c++) {
            double s = 0.0;
            for (size_t a = 0; a < b; a++)
                s += X[i * b + a] * Q[a * b + (b - 1 - c)];
            row[c] = s;
        }
        memcpy(X + i * b, row, b * sizeof(double));
    }
}

/*
 * Iterative route: Chebyshev-filtered subspace iteration (Zhou & Saad, "Chebyshev-filtered
 * subspace iteration", 2007) with b = k + 10 vectors. The spectrum of M lies in [-1, 1]; a
 * degree-10 Chebyshev polynomial damps the unwanted interval [-1, θ_b] (θ_b the smallest Ritz
 * value of the block) while amplifying the wanted eigenvalues near 1, so the clustered
 * spectra of k-NN graphs converge in tens of steps instead of thousands of power steps.
 * Rayleigh-Ritz after each filter; stops when the k wanted residuals ‖Mx − θx‖ < 1e-8.
 */
static mood_status eig_iterative(const csr *g, size_t k, uint64_t seed, int nt, double *V)
{
    size_t n = g->n, b = MOOD_MIN(n, k + 10);
    double *X = mood__malloc_array(n * b, sizeof(double));
    double *Y = mood__malloc_array(n * b, sizeof(double));
    double *Z = mood__malloc_array(n * b, sizeof(double));
    double *H = mood__malloc_array(b * b, sizeof(double));
    double *ev = mood__malloc_array(b, sizeof(double));
    double *tau = mood__malloc_array(b, sizeof(double));
    mood_status st = MOOD_OK;
    if (!X || !Y || !Z || !H || !ev || !tau) {
        st = mood__enomem("spectral eigensolver");
        goto done;
    }
    mood_rng rng;
    mood_rng_seed(&rng, seed);
    for (size_t i = 0; i < n * b; i++)
        X[i] = mood_rng_normal(&rng);
    st = orthonormalise(X, n, b, tau);
    if (st != MOOD_OK)
        goto done;
    double lo = -1.0, cut = 0.0;
    for (int outer = 0; outer < 500; outer++) {
        /* Filter: T_m((M − c)/e) X on the unwanted interval [lo, cut]. */
        double e = (cut - lo) / 2.0, c = (cut + lo) / 2.0;
        csr_mul(g, X, b, -c, Y, nt);
        for (size_t i = 0; i < n * b; i++)
            Y[i] /= e;
        for (int deg = 2; deg <= 10; deg++) {
            csr_mul(g, Y, b, -c, Z, nt);
            for (size_t i = 0; i < n * b; i++) {
                double v = 2.0 * Z[i] / e - X[i];
                X[i] = Y[i];
                Y[i] = v;
            }
        }
        memcpy(X, Y, n * b * sizeof(double));
        st = orthonormalise(X, n, b, tau);
        if (st != MOOD_OK)
            goto done;
        /* Rayleigh-Ritz: H = Xᵀ M X. */
        csr_mul(g, X, b, 0.0, Y, nt);
        for (size_t a = 0; a < b; a++)
            for (size_t cc = a; cc < b; cc++) {
                double s = 0.0;
                for (size_t i = 0; i < n; i++)
                    s += X[i * b + a] * Y[i * b + cc];
                H[a * b + cc] = H[cc * b + a] = s;
            }
        if (LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)b, H, (lapack_int)b, ev) != 0) {
            st = mood__error(MOOD_EINTERNAL, "spectral: LAPACK dsyev failed");
            goto done;
        }
        rotate(X, n, b, H);
        rotate(Y, n, b, H);
        double worst = 0.0;
        for (size_t j = 0; j < k; j++) {
            double th = ev[b - 1 - j], r = 0.0;
            for (size_t i = 0; i < n; i++) {
                double t = Y[i * b + j] - th * X[i * b + j];
                r += t * t;
            }
            worst = fmax(worst, sqrt(r));
        }
        if (worst < 1e-8)
            break;
        cut = ev[0]; /* the smallest Ritz value bounds the part to damp */
        if (cut >= ev[b - k] - 1e-12)
            cut = ev[b - k] - 1e-6;
        if (mood_cancel_requested()) {
            st = mood__error(MOOD_ECANCELED, "spectral: canceled");
            goto done;
        }
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < k; j++)
            V[i * k + j] = X[i * b + j];
done:
    mood__free(X);
    mood__free(Y);
    mood__free(Z);
    mood__free(H);
    mood__free(ev);
    mood__free(tau);
    return st;
}

mood_status mood__fit_spectral(const mood_cluster_params *p, const float *x, size_t n, size_t d,
                               mood_cluster_model *m, int32_t *labels)
{
    const size_t k = p->k;
    if (n > SPECTRAL_MAX_N)
        return mood__error(MOOD_EINVAL,
                           "spectral: n=%zu rows exceeds the %d-row limit of its eigensolver; "
                           "use kmeans, minibatch or gmm, or cluster a sample",
                           n, SPECTRAL_MAX_N);
    if (k + 10 > 256)
        return mood__error(MOOD_EINVAL, "spectral: k=%zu, at most 246 groups", k);
    const size_t nn = MOOD_MIN(p->n_neighbors ? p->n_neighbors : 10, n);
    const int nt = mood__km_threads(p->n_threads);
    csr g;
    memset(&g, 0, sizeof g);
    double *dis = mood__malloc_array(n, sizeof(double));
    double *V = mood__malloc_array(n * k, sizeof(double));
    float *emb = mood__malloc_array(n * k, sizeof(float));
    float *ec = mood__malloc_array(k * k, sizeof(float));
    mood_status st = MOOD_OK;
    if (!dis || !V || !emb || !ec) {
        st = mood__enomem("spectral");
        goto done;
    }
    st = build_graph(x, n, d, nn, nt, &g, dis);
    if (st != MOOD_OK)
        goto done;
    st = mood__progress(p->progress, p->progress_user, "spectral", 1, 3);
    if (st != MOOD_OK)
        goto done;
    st = n <= SPECTRAL_DENSE_N ? eig_dense(&g, k, V) : eig_iterative(&g, k, p->seed, nt, V);
    if (st != MOOD_OK)
        goto done;
    st = mood__progress(p->progress, p->progress_user, "spectral", 2, 3);
    if (st != MOOD_OK)
        goto done;
    /* Embedding rows: eigenvectors scaled by D^-½, each column's sign fixed so that its
     * largest-magnitude entry is positive (scikit-learn's _deterministic_vector_sign_flip). */
    for (size_t j = 0; j < k; j++) {
        size_t am = 0;
        for (size_t i = 1; i < n; i++)
            if (fabs(V[i * k + j]) > fabs(V[am * k + j]))
                am = i;
        double sg = V[am * k + j] < 0.0 ? -1.0 : 1.0;
        for (size_t i = 0; i < n; i++)
            emb[i * k + j] = (float)(sg * V[i * k + j] * dis[i]);
    }
    mood_kmeans_params kp;
    mood_kmeans_params_default(&kp);
    kp.k = k;
    kp.seed = p->seed;
    kp.n_init = p->n_init ? p->n_init : 10;
    kp.n_threads = p->n_threads;
    st = mood_kmeans_fit(&kp, emb, n, k, ec, labels, NULL);
    if (st != MOOD_OK)
        goto done;
    mood__member_means(x, n, d, labels, k, m->centroids, &m->inertia);
    m->n_iter = 0;
done:
    csr_free(&g);
    mood__free(dis);
    mood__free(V);
    mood__free(emb);
    mood__free(ec);
    return st;
}
