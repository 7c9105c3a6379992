/*
 * Distributed preprocessing: the feature choice, exact column quantiles (medians for the
 * imputation, quartiles for the robust scaler) and the scalers, each giving exactly what one
 * process gives on the concatenated rows.
 *
 * Quantiles: a radix selection over the order-preserving 32-bit keys of the floats, one byte
 * per pass from the top. Each pass every rank histograms the byte of the keys that match the
 * prefix chosen so far (256 bins per column and target order statistic) and one allreduce adds
 * the histograms; four passes give the exact k-th value. Two order statistics per quantile
 * (k and k+1) give numpy's linear interpolation as quantile.c computes it. The cost is four
 * passes over the local data and 4·d·T·256·8 bytes of allreduce, independent of n.
 */
#ifdef MOOD_WITH_MPI
#define _POSIX_C_SOURCE 200809L
#include "mpi_internal.h"

#include "../core/internal.h"

#include <math.h>
#include <string.h>

static uint32_t float_key(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

static float key_float(uint32_t k)
{
    uint32_t u = (k & 0x80000000u) ? (k & 0x7fffffffu) : ~k;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* One radix pass for T targets per column: refine prefix[j*T+t] and rank[j*T+t]. */
static mood_status radix_pass(const float *x, size_t n, size_t d, size_t T, int pass,
                              uint32_t *prefix, unsigned long long *rank, unsigned long long *hist)
{
    const int shift = 24 - 8 * pass;
    const uint32_t mask = pass == 0 ? 0u : ~((1u << (32 - 8 * pass)) - 1u);
    memset(hist, 0, d * T * 256 * sizeof *hist);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < d; j++) {
            float v = x[i * d + j];
            if (isnan(v))
                continue;
            uint32_t key = float_key(v);
            for (size_t t = 0; t < T; t++)
                if ((key & mask) == prefix[j * T + t])
                    hist[(j * T + t) * 256 + ((key >> shift) & 255u)]++;
        }
    }
    mood_status s = mood__mpi_allreduce(hist, hist, d * T * 256, MPI_UNSIGNED_LONG_LONG, MPI_SUM);
    if (s != MOOD_OK)
        return s;
    for (size_t jt = 0; jt < d * T; jt++) {
        unsigned long long acc = 0;
        uint32_t b = 0;
        for (; b < 255; b++) {
            if (acc + hist[jt * 256 + b] > rank[jt])
                break;
            acc += hist[jt * 256 + b];
        }
        rank[jt] -= acc;
        prefix[jt] |= b << shift;
    }
    return MOOD_OK;
}

mood_status mood__mpi_column_quantiles(const float *x, size_t n, size_t d, const double *qs,
                                       size_t nq, double *out, size_t *counts)
{
    const size_t T = 2 * nq;
    unsigned long long *cnt = mood__calloc(d, sizeof *cnt);
    uint32_t *prefix = mood__calloc(d * T, sizeof *prefix);
    unsigned long long *rank = mood__calloc(d * T, sizeof *rank);
    unsigned long long *hist = mood__malloc_array(d * T * 256, sizeof *hist);
    mood_status s = cnt && prefix && rank && hist ? MOOD_OK : mood__enomem("MPI quantiles");
    s = mood_mpi_agree(s);
    for (size_t i = 0; s == MOOD_OK && i < n; i++)
        for (size_t j = 0; j < d; j++)
            cnt[j] += !isnan(x[i * d + j]);
    if (s == MOOD_OK)
        s = mood__mpi_allreduce(cnt, cnt, d, MPI_UNSIGNED_LONG_LONG, MPI_SUM);
    for (size_t j = 0; s == MOOD_OK && j < d; j++) {
        for (size_t q = 0; q < nq; q++) {
            double pos = qs[q] * (double)(cnt[j] ? cnt[j] - 1 : 0);
            size_t k = (size_t)floor(pos);
            rank[j * T + 2 * q] = k;
            rank[j * T + 2 * q + 1] = k + 1 < cnt[j] ? k + 1 : k;
        }
    }
    for (int pass = 0; s == MOOD_OK && pass < 4; pass++)
        s = radix_pass(x, n, d, T, pass, prefix, rank, hist);
    for (size_t j = 0; s == MOOD_OK && j < d; j++) {
        if (counts)
            counts[j] = (size_t)cnt[j];
        for (size_t q = 0; q < nq; q++) {
            if (cnt[j] == 0) {
                out[j * nq + q] = (double)NAN;
                continue;
            }
            const double pos = qs[q] * (double)(cnt[j] - 1);
            const double frac = pos - floor(pos);
            const double lo = (double)key_float(prefix[j * T + 2 * q]);
            const double next = (double)key_float(prefix[j * T + 2 * q + 1]);
            out[j * nq + q] =
                frac == 0.0 || (size_t)floor(pos) + 1 >= cnt[j] ? lo : lo + (next - lo) * frac;
        }
    }
    mood__free(cnt);
    mood__free(prefix);
    mood__free(rank);
    mood__free(hist);
    return s;
}
#else
/* Built without MPI: without_mpi.c defines the entry points (they say how to build the engine). */
typedef int mood_mpi_prep_unused;
#endif
