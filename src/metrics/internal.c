/*
 * Internal scores from the group means: Calinski-Harabasz (Caliński & Harabasz 1974),
 * Davies-Bouldin (Davies & Bouldin 1979), inertia, and the composite score that ranks runs.
 * Definitions and edge cases follow scikit-learn 1.2 (calinski_harabasz_score,
 * davies_bouldin_score): only non-empty groups count, rows labelled -1 are left out.
 *
 * Everything comes from two passes over the data: one for the group sums, one for each row's
 * distance to its group mean (squared for inertia and CH's within dispersion, plain for DB's
 * intra-group spread). Both passes run over a fixed number of row chunks, independent of the
 * thread count, whose partial sums are combined in chunk order: the results are the same for
 * any number of threads.
 */
#include "metrics_internal.h"

#include "../core/internal.h"

#include <moodscope/metrics.h>

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Rows per chunk at least, and at most this many chunks (bounds the partials' memory). */
#define STATS_CHUNK_MIN  4096
#define STATS_MAX_CHUNKS 64

mood_status mood__check_labels(const char *fn, const int32_t *labels, size_t n, size_t k,
                               size_t *counts, size_t *n_noise)
{
    size_t noise = 0;
    if (counts)
        memset(counts, 0, k * sizeof *counts);
    for (size_t i = 0; i < n; i++) {
        const int32_t c = labels[i];
        if (c == -1) {
            noise++;
            continue;
        }
        if (c < -1 || (size_t)c >= k)
            return mood__error(MOOD_EINVAL, "%s: label %d at row %zu is outside -1..%zu (k=%zu)",
                               fn, (int)c, i, k - 1, k);
        if (counts)
            counts[c]++;
    }
    if (n_noise)
        *n_noise = noise;
    return MOOD_OK;
}

void mood__group_stats_free(mood__group_stats *st)
{
    mood__free(st->counts);
    mood__free(st->means);
    mood__free(st->mean_all);
    mood__free(st->sqdist);
    mood__free(st->dist);
    memset(st, 0, sizeof *st);
}

/* Pass 1: group sums per chunk (combined in chunk order), the group means and the overall
 * mean; EINVAL naming the first row with a non-finite value. */
static mood_status stats_means(const char *fn, const float *x, size_t n, size_t d,
                               const int32_t *labels, size_t nchunks, size_t chunk, double *part,
                               size_t *bad, mood__group_stats *st)
{
    const size_t k = st->k;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (n > 2 * STATS_CHUNK_MIN)
#endif
    for (size_t ch = 0; ch < nchunks; ch++) {
        double *ps = part + ch * k * d;
        const size_t end = MOOD_MIN(n, (ch + 1) * chunk);
        bad[ch] = SIZE_MAX;
        for (size_t i = ch * chunk; i < end; i++) {
            if (labels[i] < 0)
                continue;
            double *restrict acc = ps + (size_t)labels[i] * d;
            const float *restrict xi = x + i * d;
            double row_sum = 0.0;
            for (size_t t = 0; t < d; t++) {
                acc[t] += (double)xi[t];
                row_sum += (double)xi[t];
            }
            /* NaN or infinity in a row makes its sum non-finite: remember the first such row. */
            if (bad[ch] == SIZE_MAX && !isfinite(row_sum))
                bad[ch] = i;
        }
    }
    for (size_t ch = 0; ch < nchunks; ch++)
        if (bad[ch] != SIZE_MAX)
            return mood__error(MOOD_EINVAL, "%s: row %zu has a value that is not finite", fn,
                               bad[ch]);
    for (size_t ch = 0; ch < nchunks; ch++)
        for (size_t v = 0; v < k * d; v++)
            st->means[v] += part[ch * k * d + v];
    for (size_t c = 0; c < k; c++) {
        for (size_t t = 0; t < d; t++) {
            st->mean_all[t] += st->means[c * d + t];
            if (st->counts[c] > 0)
                st->means[c * d + t] /= (double)st->counts[c];
        }
    }
    for (size_t t = 0; t < d; t++)
        st->mean_all[t] /= (double)st->n_scored;
    return MOOD_OK;
}

/* Pass 2: each row's squared and plain distance to its group mean, summed per group. */
static void stats_dists(const float *x, size_t n, size_t d, const int32_t *labels, size_t nchunks,
                        size_t chunk, double *part2, mood__group_stats *st)
{
    const size_t k = st->k;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (n > 2 * STATS_CHUNK_MIN)
#endif
    for (size_t ch = 0; ch < nchunks; ch++) {
        double *ps = part2 + ch * 2 * k;
        const size_t end = MOOD_MIN(n, (ch + 1) * chunk);
        for (size_t i = ch * chunk; i < end; i++) {
            if (labels[i] < 0)
                continue;
            const size_t c = (size_t)labels[i];
            const double *restrict mu = st->means + c * d;
            const float *restrict xi = x + i * d;
            double sq = 0.0;
            for (size_t t = 0; t < d; t++) {
                double diff = (double)xi[t] - mu[t];
                sq += diff * diff;
            }
            ps[2 * c] += sq;
            ps[2 * c + 1] += sqrt(sq);
        }
    }
    for (size_t ch = 0; ch < nchunks; ch++) {
        for (size_t c = 0; c < k; c++) {
            st->sqdist[c] += part2[ch * 2 * k + 2 * c];
            st->dist[c] += part2[ch * 2 * k + 2 * c + 1];
        }
    }
}

mood_status mood__group_stats_compute(const char *fn, const float *x, size_t n, size_t d,
                                      const int32_t *labels, size_t k, mood__group_stats *st)
{
    mood_status s;
    size_t n_noise = 0;
    memset(st, 0, sizeof *st);
    if (!x || !labels)
        return mood__error(MOOD_EINVAL, "%s: NULL data or labels", fn);
    if (n == 0 || d == 0)
        return mood__error(MOOD_EINVAL, "%s: empty data (n=%zu, d=%zu)", fn, n, d);
    if (k == 0)
        return mood__error(MOOD_EINVAL, "%s: k=0", fn);

    size_t nchunks = (n + STATS_CHUNK_MIN - 1) / STATS_CHUNK_MIN;
    if (nchunks > STATS_MAX_CHUNKS)
        nchunks = STATS_MAX_CHUNKS;
    const size_t chunk = (n + nchunks - 1) / nchunks;

    st->k = k;
    st->counts = mood__malloc_array(k, sizeof(size_t));
    st->means = mood__calloc(k, d * sizeof(double));
    st->mean_all = mood__calloc(d, sizeof(double));
    st->sqdist = mood__calloc(k, sizeof(double));
    st->dist = mood__calloc(k, sizeof(double));
    double *part = mood__calloc(nchunks, k * d * sizeof(double));
    double *part2 = mood__calloc(nchunks, 2 * k * sizeof(double));
    size_t *bad = mood__malloc_array(nchunks, sizeof(size_t));
    if (!st->counts || !st->means || !st->mean_all || !st->sqdist || !st->dist || !part || !part2 ||
        !bad) {
        s = mood__enomem(fn);
        goto fail;
    }
    s = mood__check_labels(fn, labels, n, k, st->counts, &n_noise);
    if (s != MOOD_OK)
        goto fail;
    st->n_scored = n - n_noise;
    if (st->n_scored == 0) {
        s = mood__error(MOOD_EINVAL, "%s: every row is noise (-1)", fn);
        goto fail;
    }
    for (size_t c = 0; c < k; c++)
        st->k_nonempty += st->counts[c] > 0;
    s = stats_means(fn, x, n, d, labels, nchunks, chunk, part, bad, st);
    if (s != MOOD_OK)
        goto fail;
    stats_dists(x, n, d, labels, nchunks, chunk, part2, st);
    mood__free(part);
    mood__free(part2);
    mood__free(bad);
    return MOOD_OK;
fail:
    mood__free(part);
    mood__free(part2);
    mood__free(bad);
    mood__group_stats_free(st);
    return s;
}

/* scikit-learn's check_number_of_labels: 1 < groups < rows. */
static mood_status check_groups(const char *fn, const mood__group_stats *st)
{
    if (st->k_nonempty < 2 || st->k_nonempty >= st->n_scored)
        return mood__error(MOOD_EINVAL,
                           "%s: %zu non-empty group(s) for %zu scored rows; need "
                           "2..rows-1",
                           fn, st->k_nonempty, st->n_scored);
    return MOOD_OK;
}

static double ch_from_stats(const mood__group_stats *st, size_t d)
{
    double extra = 0.0, intra = 0.0;
    for (size_t c = 0; c < st->k; c++) {
        if (st->counts[c] == 0)
            continue;
        double sq = 0.0;
        for (size_t t = 0; t < d; t++) {
            double diff = st->means[c * d + t] - st->mean_all[t];
            sq += diff * diff;
        }
        extra += (double)st->counts[c] * sq;
        intra += st->sqdist[c];
    }
    if (intra == 0.0)
        return 1.0; /* scikit-learn's convention for zero within-group dispersion */
    const double g = (double)st->k_nonempty;
    return extra * ((double)st->n_scored - g) / (intra * (g - 1.0));
}

static double db_from_stats(const mood__group_stats *st, size_t d)
{
    const size_t k = st->k;
    int all_intra_zero = 1, all_centroid_zero = 1;
    double total = 0.0;
    /* scikit-learn returns 0 when every spread or every centroid distance is ~0
     * (np.allclose(·, 0), i.e. within 1e-8). */
    for (size_t c = 0; c < k; c++)
        if (st->counts[c] > 0 && fabs(st->dist[c] / (double)st->counts[c]) > 1e-8)
            all_intra_zero = 0;
    for (size_t a = 0; a < k; a++) {
        if (st->counts[a] == 0)
            continue;
        double worst = 0.0;
        const double sa = st->dist[a] / (double)st->counts[a];
        for (size_t b = 0; b < k; b++) {
            if (b == a || st->counts[b] == 0)
                continue;
            double sq = 0.0;
            for (size_t t = 0; t < d; t++) {
                double diff = st->means[a * d + t] - st->means[b * d + t];
                sq += diff * diff;
            }
            const double m = sqrt(sq);
            if (m > 1e-8)
                all_centroid_zero = 0;
            if (m == 0.0)
                continue; /* scikit-learn sets zero distances to inf: the ratio is 0 */
            const double r = (sa + st->dist[b] / (double)st->counts[b]) / m;
            if (r > worst)
                worst = r;
        }
        total += worst;
    }
    if (all_intra_zero || all_centroid_zero)
        return 0.0;
    return total / (double)st->k_nonempty;
}

static double inertia_from_stats(const mood__group_stats *st)
{
    double s = 0.0;
    for (size_t c = 0; c < st->k; c++)
        s += st->sqdist[c];
    return s;
}

mood_status mood_calinski_harabasz(const float *x, size_t n, size_t d, const int32_t *labels,
                                   size_t k, double *out)
{
    mood__group_stats st;
    if (!out)
        return mood__error(MOOD_EINVAL, "calinski_harabasz: NULL output");
    mood_status s = mood__group_stats_compute("calinski_harabasz", x, n, d, labels, k, &st);
    if (s != MOOD_OK)
        return s;
    s = check_groups("calinski_harabasz", &st);
    if (s == MOOD_OK)
        *out = ch_from_stats(&st, d);
    mood__group_stats_free(&st);
    return s;
}

mood_status mood_davies_bouldin(const float *x, size_t n, size_t d, const int32_t *labels, size_t k,
                                double *out)
{
    mood__group_stats st;
    if (!out)
        return mood__error(MOOD_EINVAL, "davies_bouldin: NULL output");
    mood_status s = mood__group_stats_compute("davies_bouldin", x, n, d, labels, k, &st);
    if (s != MOOD_OK)
        return s;
    s = check_groups("davies_bouldin", &st);
    if (s == MOOD_OK)
        *out = db_from_stats(&st, d);
    mood__group_stats_free(&st);
    return s;
}

mood_status mood_inertia(const float *x, size_t n, size_t d, const int32_t *labels, size_t k,
                         double *out)
{
    mood__group_stats st;
    if (!out)
        return mood__error(MOOD_EINVAL, "inertia: NULL output");
    mood_status s = mood__group_stats_compute("inertia", x, n, d, labels, k, &st);
    if (s != MOOD_OK)
        return s;
    *out = inertia_from_stats(&st);
    mood__group_stats_free(&st);
    return MOOD_OK;
}

mood_status mood_internal_scores_compute(const float *x, size_t n, size_t d, const int32_t *labels,
                                         size_t k, const mood_silhouette_params *p,
                                         mood_internal_scores *out)
{
    mood__group_stats st;
    mood_internal_scores r;
    int sampled = 0;
    if (!out)
        return mood__error(MOOD_EINVAL, "internal_scores: NULL output");
    mood_status s = mood__group_stats_compute("internal_scores", x, n, d, labels, k, &st);
    if (s != MOOD_OK)
        return s;
    s = check_groups("internal_scores", &st);
    if (s != MOOD_OK)
        goto done;
    memset(&r, 0, sizeof r);
    r.calinski_harabasz = ch_from_stats(&st, d);
    r.davies_bouldin = db_from_stats(&st, d);
    r.inertia = inertia_from_stats(&st);
    r.k = st.k_nonempty;
    r.n_noise = n - st.n_scored;
    s = mood__silhouette(x, n, d, labels, k, p, &r.silhouette, &sampled, &r.silhouette_n);
    if (s != MOOD_OK)
        goto done;
    r.silhouette_sampled = sampled;
    *out = r;
done:
    mood__group_stats_free(&st);
    return s;
}

double mood_composite_score(const mood_internal_scores *s, size_t n)
{
    if (!s)
        return 0.0;
    const double k = s->k > 0 ? (double)s->k : 1.0;
    const double n_eff = (double)n / k;
    const double sil = 0.5 * (s->silhouette + 1.0) / 2.0;
    const double db = 0.25 * (1.0 / (1.0 + s->davies_bouldin));
    const double chd = s->calinski_harabasz + n_eff;
    const double ch = chd > 0.0 ? 0.25 * s->calinski_harabasz / chd : 0.0;
    return sil + db + ch;
}
