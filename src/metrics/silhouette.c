/*
 * Mean silhouette (Rousseeuw 1987; scikit-learn's silhouette_score with the euclidean metric).
 *
 * For row i in group A, a(i) is the mean distance to the other rows of A, b(i) the smallest
 * mean distance to the rows of another group, and s(i) = (b − a) / max(a, b); rows alone in
 * their group score 0, as scikit-learn does. The score is the mean of s(i).
 *
 * Exact computation is O(n²d) work but only O(n·k) memory: the rows are copied once, centred
 * (to keep the ‖x‖² − 2x·y + ‖y‖² form accurate in float) and sorted by group, so that any
 * block of columns splits into at most k runs of one group each. Distances are computed tile
 * by tile (SIL_BLOCK × SIL_BLOCK) and reduced at once into per-row, per-group sums in double;
 * the full n×n matrix never exists.
 *
 * The distance matrix is symmetric, so only tiles (I, J) with I ≤ J are computed, and each
 * one feeds both its rows (row sums) and its columns (column sums). Within a tile, sums run in
 * double. Across tiles, threads add their partial sums into one shared table, and the order of
 * those additions depends on scheduling; floating-point addition is not associative, so the
 * table holds fixed-point int64 values instead (scale chosen from a bound on any row's total,
 * resolution ~1e-13 of a sum in practice), added atomically. Integer addition is exact and
 * order-free, so the result is bit-identical for any thread count, without barriers between
 * tiles (barriers cost a lot on a loaded machine, where a descheduled thread stalls the rest).
 *
 * Sampling follows scikit-learn's sample_size: a deterministic uniform sample of rows (seeded
 * partial Fisher-Yates) is scored against itself, so sampled values are comparable with
 * silhouette_score(X, labels, sample_size=...).
 */
#include "metrics_internal.h"

#include "../core/internal.h"

#include <moodscope/metrics.h>
#include <moodscope/rng.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* 256×256 floats = 256 KiB: a tile stays in L2 while its rows and columns are reduced. */
#define SIL_BLOCK 256

#define SIL_DEFAULT_MAX_EXACT   20000
#define SIL_DEFAULT_SAMPLE_SIZE 10000

/* The rows, centred and sorted by group, with what the tile loop needs. */
typedef struct sil_data {
    size_t m, d, k, nb;
    float *xs;     /* m×d, sorted by group, centred */
    float *norms;  /* m squared norms */
    int32_t *ls;   /* m sorted labels */
    size_t *start; /* k+1: group c occupies sorted rows start[c]..start[c+1]-1 */
    int64_t *acc;  /* m×k fixed-point sums of distances: row i to the rows of group c */
    double scale;  /* fixed-point units per distance unit */
    mood__dist_kernel kernel;
} sil_data;

/* Per-thread scratch of the tile loop, allocated inside the parallel region. */
typedef struct sil_scratch {
    float *tile;      /* SIL_BLOCK² squared distances */
    float *bt;        /* d×SIL_BLOCK transposed block (plain kernel only) */
    double *colacc;   /* SIL_BLOCK column sums of one row run */
    size_t *runs;     /* column run offsets within the tile (≤ SIL_BLOCK + 1) */
    int32_t *run_lab; /* group of each column run */
    double *run_sums; /* one row's sum over each column run */
} sil_scratch;

/* Add a partial sum to the shared fixed-point table (see the file comment). */
static void acc_add(const sil_data *s, size_t row, size_t c, double v)
{
    const int64_t q = (int64_t)(v * s->scale + 0.5);
    int64_t *cell = s->acc + row * s->k + c;
#ifdef _OPENMP
#pragma omp atomic
#endif
    *cell += q;
}

/* Compute tile (bi, bj), bi ≤ bj, and add it to the row sums of block bi and, off the
 * diagonal, to the column sums of block bj. Distances are taken and reduced in one pass. */
static void sil_tile(const sil_data *s, size_t bi, size_t bj, sil_scratch *w)
{
    const size_t d = s->d;
    const size_t i0 = bi * SIL_BLOCK, j0 = bj * SIL_BLOCK;
    const size_t ni = MOOD_MIN(SIL_BLOCK, s->m - i0), nj = MOOD_MIN(SIL_BLOCK, s->m - j0);
    const int diag = bi == bj;
    float *tile = w->tile;

    mood__sqdist_block(s->kernel, s->xs + i0 * d, s->norms + i0, ni, s->xs + j0 * d, s->norms + j0,
                       nj, d, tile, nj, w->bt);
    if (diag) {
        /* A row's distance to itself is exactly 0; the BLAS form can leave rounding there. */
        for (size_t t = 0; t < ni; t++)
            tile[t * nj + t] = 0.0f;
    }

    /* The tile's columns split into runs of one group (rows are sorted by group). */
    size_t n_runs = 0;
    for (size_t j = j0; j < j0 + nj;) {
        const int32_t c = s->ls[j];
        const size_t e = MOOD_MIN(j0 + nj, s->start[c + 1]);
        w->runs[n_runs] = j - j0;
        w->run_lab[n_runs++] = c;
        j = e;
    }
    w->runs[n_runs] = nj;

    /* Rows go run by run too: the column sums of one row run belong to that run's group. */
    for (size_t i = i0; i < i0 + ni;) {
        const int32_t c = s->ls[i];
        const size_t e = MOOD_MIN(i0 + ni, s->start[c + 1]);
        if (!diag)
            memset(w->colacc, 0, nj * sizeof *w->colacc);
        for (size_t r = i; r < e; r++) {
            mood__sqrt_run_sums(tile + (r - i0) * nj, w->runs, n_runs, w->run_sums,
                                diag ? NULL : w->colacc);
            for (size_t q = 0; q < n_runs; q++)
                acc_add(s, r, (size_t)w->run_lab[q], w->run_sums[q]);
        }
        if (!diag)
            for (size_t jj = 0; jj < nj; jj++)
                acc_add(s, j0 + jj, (size_t)c, w->colacc[jj]);
        i = e;
    }
}

/* Run every tile (bi ≤ bj). Returns MOOD_ENOMEM or MOOD_ECANCELED on failure. */
static mood_status sil_tiles(const sil_data *s, int n_threads)
{
    int failed = 0, canceled = 0;
    const int plain = s->kernel == MOOD__KERNEL_PLAIN || !mood__have_blas();
    int nt = 1;
#ifdef _OPENMP
    nt = n_threads > 0 ? n_threads : omp_get_max_threads();
#else
    (void)n_threads;
#endif
    /* One sgemm per tile on each OpenMP thread: OpenBLAS's own threads would oversubscribe. */
    int blas_prev = mood__blas_threads_single();

#ifdef _OPENMP
#pragma omp parallel num_threads(nt) if (s->nb > 1)
#endif
    {
        /* Per-thread scratch, allocated inside the region (never in the tile loop). */
        const size_t max_runs = MOOD_MIN(s->k, SIL_BLOCK);
        const size_t sz[][2] = {{(size_t)SIL_BLOCK * SIL_BLOCK, sizeof(float)},
                                {plain ? (size_t)SIL_BLOCK * s->d : 0, sizeof(float)},
                                {SIL_BLOCK, sizeof(double)},
                                {max_runs + 1, sizeof(size_t)},
                                {max_runs, sizeof(int32_t)},
                                {max_runs, sizeof(double)}};
        mood_scratch mem;
        const int ok = mood__scratch_alloc(&mem, sz, 6, &failed);
        sil_scratch w = {mem.p[0], mem.p[1], mem.p[2], mem.p[3], mem.p[4], mem.p[5]};
        /* Row blocks in order with their tiles to the right: the first tasks are the longest,
         * so dynamic scheduling ends with small ones and balances the threads. */
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
        for (size_t bi = 0; bi < s->nb; bi++) {
            int stop;
#ifdef _OPENMP
#pragma omp atomic read
#endif
            stop = failed;
            if (!ok || stop)
                continue;
            if (mood_cancel_requested()) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
                canceled = 1;
                continue;
            }
            for (size_t bj = bi; bj < s->nb; bj++)
                sil_tile(s, bi, bj, &w);
        }
        mood__scratch_free(&mem);
    }
    mood__blas_threads_restore(blas_prev);
    (void)nt;
    if (failed)
        return mood__enomem("silhouette: tile buffers");
    if (canceled)
        return mood__error(MOOD_ECANCELED, "silhouette: canceled");
    return MOOD_OK;
}

/* Mean of s(i) from the per-group distance sums, in sorted-row order. */
static double sil_mean(const sil_data *s, const size_t *counts)
{
    const size_t k = s->k;
    double total = 0.0;
    for (size_t i = 0; i < s->m; i++) {
        const size_t own = (size_t)s->ls[i];
        const int64_t *acc = s->acc + i * k;
        if (counts[own] <= 1)
            continue; /* a row alone in its group scores 0 */
        double a = (double)acc[own] / s->scale / (double)(counts[own] - 1);
        double b = INFINITY;
        for (size_t c = 0; c < k; c++) {
            if (c == own || counts[c] == 0)
                continue;
            double v = (double)acc[c] / s->scale / (double)counts[c];
            if (v < b)
                b = v;
        }
        double den = a > b ? a : b;
        if (den > 0.0)
            total += (b - a) / den;
    }
    return total / (double)s->m;
}

mood_status mood__silhouette_exact(const float *x, size_t d, const size_t *rows, size_t m,
                                   const int32_t *labels, size_t k, mood__dist_kernel kernel,
                                   int n_threads, double *out)
{
    mood_status st = MOOD_OK;
    sil_data s;
    memset(&s, 0, sizeof s);
    s.m = m;
    s.d = d;
    s.k = k;
    s.nb = (m + SIL_BLOCK - 1) / SIL_BLOCK;
    s.kernel = kernel;
    size_t *counts = mood__calloc(k, sizeof *counts);
    size_t *fill = mood__malloc_array(k, sizeof *fill);
    double *mean = mood__calloc(d, sizeof *mean);
    s.start = mood__malloc_array(k + 1, sizeof *s.start);
    s.xs = mood__malloc_array(m, d * sizeof(float));
    s.norms = mood__malloc_array(m, sizeof(float));
    s.ls = mood__malloc_array(m, sizeof(int32_t));
    s.acc = mood__calloc(m, k * sizeof(int64_t));
    if (!counts || !fill || !mean || !s.start || !s.xs || !s.norms || !s.ls || !s.acc) {
        st = mood__enomem("silhouette");
        goto done;
    }

    /* Group sizes and the column means (for centring). */
    for (size_t r = 0; r < m; r++) {
        const size_t row = rows ? rows[r] : r;
        const float *xr = x + row * d;
        counts[labels[row]]++;
        for (size_t t = 0; t < d; t++) {
            if (!isfinite(xr[t])) {
                st = mood__error(MOOD_EINVAL, "silhouette: row %zu column %zu is not finite", row,
                                 t);
                goto done;
            }
            mean[t] += (double)xr[t];
        }
    }
    for (size_t t = 0; t < d; t++)
        mean[t] /= (double)m;
    s.start[0] = 0;
    for (size_t c = 0; c < k; c++) {
        s.start[c + 1] = s.start[c] + counts[c];
        fill[c] = s.start[c];
    }
    /* Counting sort by group (stable), centring on the way. */
    for (size_t r = 0; r < m; r++) {
        const size_t row = rows ? rows[r] : r;
        const int32_t c = labels[row];
        const size_t pos = fill[c]++;
        const float *xr = x + row * d;
        float *xo = s.xs + pos * d;
        double nrm = 0.0;
        for (size_t t = 0; t < d; t++) {
            xo[t] = (float)((double)xr[t] - mean[t]);
            nrm += (double)xo[t] * (double)xo[t];
        }
        s.norms[pos] = (float)nrm;
        s.ls[pos] = c;
    }

    /* Any row's total distance to the others is at most m·2·max‖x‖ (the data are centred);
     * twice that leaves room for rounding, and 2^62 keeps the int64 table from overflowing. */
    double max_norm2 = 0.0;
    for (size_t i = 0; i < m; i++)
        max_norm2 = (double)s.norms[i] > max_norm2 ? (double)s.norms[i] : max_norm2;
    double bound = 4.0 * (double)m * sqrt(max_norm2);
    if (!(bound > 1e-30))
        bound = 1e-30; /* all rows (nearly) equal: any small positive bound keeps scale finite */
    s.scale = ldexp(1.0, 62) / bound;

    st = sil_tiles(&s, n_threads);
    if (st == MOOD_OK)
        *out = sil_mean(&s, counts);
done:
    mood__free(counts);
    mood__free(fill);
    mood__free(mean);
    mood__free(s.start);
    mood__free(s.xs);
    mood__free(s.norms);
    mood__free(s.ls);
    mood__free(s.acc);
    return st;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* Groups with at least one row among the listed rows (NULL: all rows 0..m-1). */
static size_t groups_present(const int32_t *labels, const size_t *rows, size_t m, size_t k,
                             size_t *counts)
{
    size_t g = 0;
    memset(counts, 0, k * sizeof *counts);
    for (size_t r = 0; r < m; r++)
        counts[labels[rows ? rows[r] : r]]++;
    for (size_t c = 0; c < k; c++)
        g += counts[c] > 0;
    return g;
}

mood_status mood__silhouette(const float *x, size_t n, size_t d, const int32_t *labels, size_t k,
                             const mood_silhouette_params *p, double *out, int *out_sampled,
                             size_t *out_used)
{
    mood_status st;
    size_t n_noise = 0, *counts = NULL, *rows = NULL;
    if (!x || !labels || !out)
        return mood__error(MOOD_EINVAL, "silhouette: NULL data, labels or output");
    if (n == 0 || d == 0)
        return mood__error(MOOD_EINVAL, "silhouette: empty data (n=%zu, d=%zu)", n, d);
    if (k < 2)
        return mood__error(MOOD_EINVAL, "silhouette: k=%zu; need at least 2 groups", k);
    const size_t max_exact = p && p->max_exact ? p->max_exact : SIL_DEFAULT_MAX_EXACT;
    const size_t sample = p && p->sample_size ? p->sample_size : SIL_DEFAULT_SAMPLE_SIZE;
    const int n_threads = p ? p->n_threads : 0;

    counts = mood__malloc_array(k, sizeof *counts);
    if (!counts)
        return mood__enomem("silhouette");
    st = mood__check_labels("silhouette", labels, n, k, counts, &n_noise);
    if (st != MOOD_OK)
        goto done;
    const size_t m = n - n_noise;
    size_t groups = 0;
    for (size_t c = 0; c < k; c++)
        groups += counts[c] > 0;
    if (groups < 2) {
        st = mood__error(MOOD_EINVAL,
                         "silhouette: the scored rows fall in %zu group(s); need at "
                         "least 2",
                         groups);
        goto done;
    }
    if (groups >= m) {
        st = mood__error(MOOD_EINVAL,
                         "silhouette: %zu groups for %zu scored rows; need fewer "
                         "groups than rows",
                         groups, m);
        goto done;
    }

    const int sampled = m > max_exact && sample < m;
    if (n_noise > 0 || sampled) {
        rows = mood__malloc_array(m, sizeof *rows);
        if (!rows) {
            st = mood__enomem("silhouette");
            goto done;
        }
        size_t r = 0;
        for (size_t i = 0; i < n; i++)
            if (labels[i] >= 0)
                rows[r++] = i;
    }
    size_t m_used = m;
    if (sampled) {
        if (sample < 2) {
            st = mood__error(MOOD_EINVAL, "silhouette: sample_size=%zu; need at least 2", sample);
            goto done;
        }
        /* Partial Fisher-Yates: the first `sample` slots become a uniform sample. Sorting it
         * back into row order keeps memory access sequential and the result seed-determined. */
        mood_rng rng;
        mood_rng_seed(&rng, p ? p->seed : 0);
        for (size_t i = 0; i < sample; i++) {
            size_t j = i + (size_t)mood_rng_below(&rng, (uint64_t)(m - i));
            size_t tmp = rows[i];
            rows[i] = rows[j];
            rows[j] = tmp;
        }
        qsort(rows, sample, sizeof *rows, cmp_size);
        m_used = sample;
        groups = groups_present(labels, rows, m_used, k, counts);
        if (groups < 2 || groups >= m_used) {
            st = mood__error(MOOD_EINVAL,
                             "silhouette: the sample of %zu rows holds %zu group(s); "
                             "need 2..%zu",
                             m_used, groups, m_used - 1);
            goto done;
        }
    }
    st = mood__silhouette_exact(x, d, rows, m_used, labels, k, MOOD__KERNEL_AUTO, n_threads, out);
    if (st == MOOD_OK && out_sampled)
        *out_sampled = sampled;
    if (st == MOOD_OK && out_used)
        *out_used = m_used;
done:
    mood__free(counts);
    mood__free(rows);
    return st;
}

mood_status mood_silhouette(const float *x, size_t n, size_t d, const int32_t *labels, size_t k,
                            const mood_silhouette_params *p, double *out, int *out_sampled)
{
    return mood__silhouette(x, n, d, labels, k, p, out, out_sampled, NULL);
}
