/*
 * The distributed preparation of a run: which features (the single-process rule applied to
 * global column statistics), median imputation and the scaler. Each gives exactly what one
 * process computes on the concatenated rows.
 *
 * Feature choice: the default rule leaves out empty and constant columns, which depends on
 * all rows. Every rank reduces, per numeric column, the count of present values and their
 * minimum and maximum, and then runs mood_features_select() itself on a two-row table
 * holding (min, max): that table has the same names, kinds, emptiness and constancy as the
 * whole data, so the rule, its reasons and its messages are the library's own.
 */
#ifdef MOOD_WITH_MPI
#define _POSIX_C_SOURCE 200809L
#include "mpi_pipeline.h"

#include "../core/internal.h"
#include "../prep/scaler_stats.h"

#include <math.h>
#include <string.h>

/* The two-row stand-in table (min and max of each numeric column over all ranks). */
static mood_status stats_table(const mood_table *t, mood_table **out)
{
    const size_t nc = mood_table_cols(t), n = mood_table_rows(t);
    double *mn = mood__malloc_array(nc + 1, 3 * sizeof(double));
    mood_status s = mood_mpi_agree(mn ? MOOD_OK : mood__enomem("MPI features"));
    if (s != MOOD_OK)
        return s;
    double *mx = mn + nc + 1, *cnt = mx + nc + 1;
    for (size_t j = 0; j < nc; j++) {
        mn[j] = INFINITY;
        mx[j] = -INFINITY;
        cnt[j] = 0.0;
        if (mood_table_col_kind(t, j) != MOOD_COL_NUM)
            continue;
        const float *v = mood_table_num_const(t, j);
        for (size_t i = 0; i < n; i++) {
            if (isnan(v[i]))
                continue;
            cnt[j] += 1.0;
            mn[j] = (double)v[i] < mn[j] ? (double)v[i] : mn[j];
            mx[j] = (double)v[i] > mx[j] ? (double)v[i] : mx[j];
        }
    }
    s = mood__mpi_allreduce(mn, mn, nc, MPI_DOUBLE, MPI_MIN);
    if (s == MOOD_OK)
        s = mood__mpi_allreduce(mx, mx, nc, MPI_DOUBLE, MPI_MAX);
    if (s == MOOD_OK)
        s = mood__mpi_allreduce(cnt, cnt, nc, MPI_DOUBLE, MPI_SUM);
    if (s == MOOD_OK)
        s = mood_table_create(2, out);
    for (size_t j = 0; s == MOOD_OK && j < nc; j++) {
        const char *name = mood_table_col_name(t, j);
        if (mood_table_col_kind(t, j) == MOOD_COL_NUM) {
            float v[2] = {cnt[j] > 0 ? (float)mn[j] : NAN, cnt[j] > 0 ? (float)mx[j] : NAN};
            s = mood_table_add_num(*out, name, v);
        } else {
            const char *e[2] = {"", ""};
            s = mood_table_add_str(*out, name, e);
        }
    }
    mood__free(mn);
    return s;
}

mood_status mood__mpi_features(const mood_table *local, const char *spec, mood_feature_list *out)
{
    mood_table *st = NULL;
    mood_status s = stats_table(local, &st);
    if (s == MOOD_OK)
        s = mood_features_select(st, spec, out);
    mood_table_destroy(st);
    return s;
}

mood_status mood__mpi_impute(const mpi_layout *l, float *raw, size_t d, float *median,
                             size_t *missing)
{
    const double half = 0.5;
    double *med = mood__malloc_array(d, sizeof(double));
    size_t *have = mood__malloc_array(d, sizeof(size_t));
    mood_status s = mood_mpi_agree(med && have ? MOOD_OK : mood__enomem("impute"));
    if (s == MOOD_OK)
        s = mood__mpi_column_quantiles(raw, l->g1 - l->g0, d, &half, 1, med, have);
    for (size_t j = 0; s == MOOD_OK && j < d; j++)
        if (have[j] == 0)
            s = mood__error(MOOD_EINVAL, "impute: column %zu has no values (all %zu missing)", j,
                            l->n);
    for (size_t j = 0; s == MOOD_OK && j < d; j++) {
        median[j] = (float)med[j];
        missing[j] = l->n - have[j];
    }
    if (s == MOOD_OK)
        mood_impute_apply(raw, l->g1 - l->g0, d, median);
    mood__free(med);
    mood__free(have);
    return s;
}

typedef struct std_ctx {
    const float *x;
    size_t d;
    const double *mean;
} std_ctx;

/* fit_standard()'s two row-major passes, continued across ranks in row order. */
static void acc_std(void *u, size_t c, size_t a, size_t b, double *v)
{
    const std_ctx *q = u;
    (void)c;
    for (size_t i = a; i < b; i++)
        for (size_t j = 0; j < q->d; j++) {
            if (q->mean) {
                const double diff = (double)q->x[i * q->d + j] - q->mean[j];
                v[j] += diff * diff;
            } else {
                v[j] += (double)q->x[i * q->d + j];
            }
        }
}

static mood_status fit_standard(const mpi_layout *l, const float *x, size_t d, float *center,
                                float *scale)
{
    mpi_grid g;
    double *mean = mood__calloc(2 * d, sizeof(double)), *var = mean ? mean + d : NULL;
    mood_status s = mood_mpi_agree(mean ? MOOD_OK : mood__enomem("scaler"));
    std_ctx q = {x, d, NULL};
    mood__mpi_grid_single(l, &g);
    if (s == MOOD_OK)
        s = mood__mpi_chunk_reduce(l, &g, d, acc_std, &q, mean, NULL);
    for (size_t j = 0; s == MOOD_OK && j < d; j++)
        mean[j] /= (double)l->n;
    q.mean = mean;
    if (s == MOOD_OK)
        s = mood__mpi_chunk_reduce(l, &g, d, acc_std, &q, var, NULL);
    if (s == MOOD_OK)
        mood__scaler_standard_finish(mean, var, l->n, d, center, scale);
    mood__free(mean);
    return s;
}

static mood_status fit_minmax(const mpi_layout *l, const float *x, size_t d, float *center,
                              float *scale)
{
    float *mn = mood__malloc_array(2 * d, sizeof(float)), *mx = mn ? mn + d : NULL;
    mood_status s = mood_mpi_agree(mn ? MOOD_OK : mood__enomem("scaler"));
    for (size_t j = 0; s == MOOD_OK && j < d; j++) {
        mn[j] = INFINITY;
        mx[j] = -INFINITY;
    }
    for (size_t i = 0; s == MOOD_OK && i < l->g1 - l->g0; i++)
        for (size_t j = 0; j < d; j++) {
            const float v = x[i * d + j];
            mn[j] = v < mn[j] ? v : mn[j];
            mx[j] = v > mx[j] ? v : mx[j];
        }
    if (s == MOOD_OK)
        s = mood__mpi_allreduce(mn, mn, d, MPI_FLOAT, MPI_MIN);
    if (s == MOOD_OK)
        s = mood__mpi_allreduce(mx, mx, d, MPI_FLOAT, MPI_MAX);
    if (s == MOOD_OK)
        mood__scaler_minmax_finish(mn, mx, d, center, scale);
    mood__free(mn);
    return s;
}

static mood_status fit_robust(const mpi_layout *l, const float *x, size_t d, float *center,
                              float *scale)
{
    static const double qs[3] = {0.5, 0.25, 0.75};
    double *q = mood__malloc_array(d, 3 * sizeof(double));
    mood_status s = mood_mpi_agree(q ? MOOD_OK : mood__enomem("scaler"));
    if (s == MOOD_OK)
        s = mood__mpi_column_quantiles(x, l->g1 - l->g0, d, qs, 3, q, NULL);
    if (s == MOOD_OK)
        mood__scaler_robust_finish(q, d, center, scale);
    mood__free(q);
    return s;
}

mood_status mood__mpi_scaler_fit(const mpi_layout *l, mood_scaler_kind kind, const float *x,
                                 size_t d, mood_scaler *out)
{
    float *c = mood__malloc_array(2 * d, sizeof(float)), *sc = c ? c + d : NULL;
    mood_status s = mood_mpi_agree(c ? MOOD_OK : mood__enomem("scaler"));
    for (size_t j = 0; s == MOOD_OK && j < d; j++) {
        c[j] = 0.0f;
        sc[j] = 1.0f;
    }
    if (s == MOOD_OK && kind == MOOD_SCALER_STANDARD)
        s = fit_standard(l, x, d, c, sc);
    else if (s == MOOD_OK && kind == MOOD_SCALER_MINMAX)
        s = fit_minmax(l, x, d, c, sc);
    else if (s == MOOD_OK && kind == MOOD_SCALER_ROBUST)
        s = fit_robust(l, x, d, c, sc);
    if (s == MOOD_OK)
        s = mood_scaler_init(kind, d, c, sc, out);
    mood__free(c);
    return s;
}
#else
/* Built without MPI: without_mpi.c defines the entry points (they say how to build the engine). */
typedef int mood_mpi_pipeline_unused;
#endif
