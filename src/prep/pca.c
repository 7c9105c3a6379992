/*
 * Principal component analysis through the covariance matrix and LAPACK's symmetric
 * eigensolver (dsyevr, which returns only the wanted top eigenpairs). For the tall, narrow
 * tables moodscope sees (n up to millions, d up to ~100) the d×d covariance costs one pass
 * over the data and the eigenproblem is negligible, unlike an SVD of the n×d matrix.
 * Variances use n − 1 like scikit-learn's explained_variance_. The covariance accumulates in
 * double: through cblas_dsyrk on blocks of centred rows when built with BLAS, through a plain
 * upper-triangle loop otherwise.
 *
 * Sign convention: an eigenvector's sign is arbitrary; each component is flipped so that its
 * largest |loading| is positive, which makes plots and loadings stable across runs. (scikit-
 * learn flips by the scores instead, so its components may differ from ours by sign.)
 */
#include "../core/internal.h"

#include <moodscope/prep.h>

#include <lapacke.h>
#include <math.h>
#include <string.h>

#ifdef MOOD_WITH_BLAS
#include <cblas.h>
#endif

/* Rows per block of centred data handed to dsyrk. */
#define PCA_BLOCK 1024

void mood_pca_free(mood_pca *p)
{
    if (!p)
        return;
    mood__free(p->mean);
    mood__free(p->components);
    mood__free(p->explained_variance);
    mood__free(p->explained_ratio);
    memset(p, 0, sizeof *p);
}

/* Upper triangle of Σ (x − mean)(x − mean)ᵀ into cov (d×d, row-major). */
static mood_status scatter_matrix(const float *x, size_t n, size_t d, const double *mean,
                                  double *cov)
{
    const size_t rows = MOOD_MIN(n, (size_t)PCA_BLOCK);
    double *buf = mood__malloc_array(rows, d * sizeof(double));
    if (!buf)
        return mood__enomem("pca");
    memset(cov, 0, d * d * sizeof *cov);
    for (size_t i0 = 0; i0 < n; i0 += rows) {
        const size_t nr = MOOD_MIN(rows, n - i0);
        for (size_t i = 0; i < nr; i++)
            for (size_t t = 0; t < d; t++)
                buf[i * d + t] = (double)x[(i0 + i) * d + t] - mean[t];
#ifdef MOOD_WITH_BLAS
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (blasint)d, (blasint)nr, 1.0, buf,
                    (blasint)d, 1.0, cov, (blasint)d);
#else
        for (size_t i = 0; i < nr; i++) {
            const double *r = buf + i * d;
            for (size_t a = 0; a < d; a++)
                for (size_t b = a; b < d; b++)
                    cov[a * d + b] += r[a] * r[b];
        }
#endif
    }
    mood__free(buf);
    return MOOD_OK;
}

mood_status mood_pca_fit(const float *x, size_t n, size_t d, size_t n_components, mood_pca *out)
{
    mood_status s = MOOD_OK;
    if (!out)
        return mood__error(MOOD_EINVAL, "pca: NULL output");
    memset(out, 0, sizeof *out);
    if (!x)
        return mood__error(MOOD_EINVAL, "pca: NULL data");
    if (n < 2)
        return mood__error(MOOD_EINVAL, "pca: n=%zu rows; need at least 2", n);
    if (d == 0 || n_components == 0 || n_components > d)
        return mood__error(MOOD_EINVAL, "pca: n_components=%zu outside 1..d=%zu", n_components, d);
    const size_t nc = n_components;
    double *cov = mood__malloc_array(d, d * sizeof(double));
    double *w = mood__malloc_array(d, sizeof(double));
    double *z = mood__malloc_array(d, nc * sizeof(double));
    lapack_int *isuppz = mood__malloc_array(2 * nc, sizeof(lapack_int));
    out->d = d;
    out->n_components = nc;
    out->mean = mood__calloc(d, sizeof(double));
    out->components = mood__malloc_array(nc, d * sizeof(double));
    out->explained_variance = mood__malloc_array(nc, sizeof(double));
    out->explained_ratio = mood__malloc_array(nc, sizeof(double));
    if (!cov || !w || !z || !isuppz || !out->mean || !out->components || !out->explained_variance ||
        !out->explained_ratio) {
        s = mood__enomem("pca");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t t = 0; t < d; t++) {
            const float v = x[i * d + t];
            if (!isfinite(v)) {
                s = mood__error(MOOD_EINVAL, "pca: row %zu column %zu is not finite", i, t);
                goto done;
            }
            out->mean[t] += (double)v;
        }
    }
    for (size_t t = 0; t < d; t++)
        out->mean[t] /= (double)n;
    s = scatter_matrix(x, n, d, out->mean, cov);
    if (s != MOOD_OK)
        goto done;
    double total = 0.0;
    for (size_t a = 0; a < d; a++) {
        for (size_t b = a; b < d; b++) {
            cov[a * d + b] /= (double)(n - 1);
            cov[b * d + a] = cov[a * d + b];
        }
        total += cov[a * d + a];
    }

    /* The nc largest eigenpairs: indices d-nc+1..d (1-based, ascending order). */
    lapack_int found = 0;
    lapack_int info = LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'I', 'U', (lapack_int)d, cov,
                                     (lapack_int)d, 0.0, 0.0, (lapack_int)(d - nc + 1),
                                     (lapack_int)d, 0.0, &found, w, z, (lapack_int)nc, isuppz);
    if (info != 0 || (size_t)found != nc) {
        s = mood__error(MOOD_EINTERNAL, "pca: LAPACKE_dsyevr failed (info=%d, found %d of %zu)",
                        (int)info, (int)found, nc);
        goto done;
    }
    for (size_t r = 0; r < nc; r++) {
        const size_t col = nc - 1 - r; /* descending variance */
        double *comp = out->components + r * d;
        size_t arg = 0;
        for (size_t t = 0; t < d; t++) {
            comp[t] = z[t * nc + col];
            if (fabs(comp[t]) > fabs(comp[arg]))
                arg = t;
        }
        if (comp[arg] < 0.0)
            for (size_t t = 0; t < d; t++)
                comp[t] = -comp[t];
        const double ev = w[col] > 0.0 ? w[col] : 0.0; /* rounding can leave -1e-17 */
        out->explained_variance[r] = ev;
        out->explained_ratio[r] = total > 0.0 ? ev / total : 0.0;
    }
done:
    mood__free(cov);
    mood__free(w);
    mood__free(z);
    mood__free(isuppz);
    if (s != MOOD_OK)
        mood_pca_free(out);
    return s;
}

void mood_pca_transform(const mood_pca *p, const float *x, size_t n, float *out)
{
    if (!p || !x || !out || !p->components)
        return;
    const size_t d = p->d, nc = p->n_components;
    for (size_t i = 0; i < n; i++) {
        const float *xi = x + i * d;
        for (size_t r = 0; r < nc; r++) {
            const double *comp = p->components + r * d;
            double v = 0.0;
            for (size_t t = 0; t < d; t++)
                v += ((double)xi[t] - p->mean[t]) * comp[t];
            out[i * nc + r] = (float)v;
        }
    }
}
