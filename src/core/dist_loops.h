/*
 * The loops of the distance kernels that gcc vectorises by itself, written once and compiled
 * twice: in dist.c for the x86-64 baseline (the reference) and in dist_avx2.c with
 * target("avx2"). Eight independent accumulators (a float reduction is otherwise kept in order
 * and stays scalar) combined in a fixed order, branch-free minima, and no FMA (a fused
 * multiply-add rounds differently): both builds give the same bits. Include only from those
 * two files, with DIST_FN(name) (the build's name) and DIST_TARGET (its attribute) defined.
 */
#include "dist.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>

DIST_TARGET float DIST_FN(sqdist_f32)(const float *restrict a, const float *restrict b, size_t d)
{
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t j = 0;
    for (; j + 8 <= d; j += 8)
        for (size_t u = 0; u < 8; u++) {
            float t = a[j + u] - b[j + u];
            acc[u] += t * t;
        }
    float s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (; j < d; j++) {
        float t = a[j] - b[j];
        s += t * t;
    }
    return s;
}

DIST_TARGET float DIST_FN(dot_f32)(const float *restrict a, const float *restrict b, size_t d)
{
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t j = 0;
    for (; j + 8 <= d; j += 8)
        for (size_t u = 0; u < 8; u++)
            acc[u] += a[j + u] * b[j + u];
    float s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (; j < d; j++)
        s += a[j] * b[j];
    return s;
}

DIST_TARGET void DIST_FN(dots_plain)(const float *restrict x, size_t b, size_t d,
                                     const float *restrict ct, size_t k, float *restrict D)
{
    for (size_t i = 0; i < b; i++) {
        float *restrict Di = D + i * k;
        const float *xi = x + i * d;
        for (size_t j = 0; j < k; j++)
            Di[j] = 0.0f;
        for (size_t l = 0; l < d; l++) {
            float xl = -2.0f * xi[l];
            const float *restrict ctl = ct + l * k;
            for (size_t j = 0; j < k; j++)
                Di[j] += xl * ctl[j];
        }
    }
}

DIST_TARGET void DIST_FN(dots_finish)(float *restrict D, size_t b, size_t k,
                                      const float *restrict xnorm, const float *restrict cnorm)
{
    for (size_t i = 0; i < b; i++) {
        float *restrict Di = D + i * k;
        float xn = xnorm[i];
        for (size_t j = 0; j < k; j++) {
            float v = Di[j] + xn + cnorm[j];
            Di[j] = v > 0.0f ? v : 0.0f;
        }
    }
}

DIST_TARGET void DIST_FN(add_row_f64)(double *restrict s, const float *restrict x, size_t d)
{
    for (size_t l = 0; l < d; l++)
        s[l] += (double)x[l];
}

DIST_TARGET void DIST_FN(dots_plain_t)(const float *restrict x, size_t b, size_t d,
                                       const float *restrict c, size_t k, float *restrict xt,
                                       float *restrict Dt)
{
    for (size_t i = 0; i < b; i++)
        for (size_t l = 0; l < d; l++)
            xt[l * b + i] = x[i * d + l];
    for (size_t j = 0; j < k; j++) {
        float *restrict row = Dt + j * b;
        for (size_t i = 0; i < b; i++)
            row[i] = 0.0f;
        for (size_t l = 0; l < d; l++) {
            float cl = -2.0f * c[j * d + l];
            const float *restrict xl = xt + l * b;
            for (size_t i = 0; i < b; i++)
                row[i] += cl * xl[i];
        }
    }
}

/* Portable argmin over D[j] (+ cn[j] when cn): the reference, and the AVX2 kernels' tail. */
DIST_TARGET size_t DIST_FN(argmin2_scalar)(const float *restrict D, const float *restrict cn,
                                           size_t k, float *out_b1, float *out_b2)
{
    size_t best = 0;
    float b1 = D[0] + (cn ? cn[0] : 0.0f), b2 = INFINITY;
    for (size_t j = 1; j < k; j++) {
        mood__min2_step(D[j] + (cn ? cn[j] : 0.0f), j, &b1, &b2, &best);
    }
    *out_b1 = b1;
    if (out_b2)
        *out_b2 = b2;
    return best;
}

/* Column-wise argmin of Dt (k×b) from data row i0 on (see mood__argmin_cols). */
DIST_TARGET void DIST_FN(argmin_cols_scalar)(const float *restrict Dt, const float *restrict cn,
                                             size_t k, size_t b, size_t i0,
                                             const float *restrict xn, int32_t *restrict lab,
                                             float *restrict b1, float *restrict b2)
{
    for (size_t i = i0; i < b; i++) {
        size_t best = 0;
        float m1 = Dt[i] + cn[0], m2 = INFINITY;
        for (size_t j = 1; j < k; j++) {
            mood__min2_step(Dt[j * b + i] + cn[j], j, &m1, &m2, &best);
        }
        lab[i] = (int32_t)best;
        float v1 = m1 + xn[i], v2 = m2 + xn[i];
        b1[i] = v1 > 0.0f ? v1 : 0.0f;
        if (b2)
            b2[i] = v2 > 0.0f ? v2 : 0.0f;
    }
}

/* Dot products of q with n rows; the tail goes into lane 0 before the lanes are combined. */
DIST_TARGET void DIST_FN(dots_rows_f32)(const float *restrict x, size_t n, size_t d,
                                        const float *restrict q, float *restrict out)
{
    for (size_t i = 0; i < n; i++) {
        const float *restrict r = x + i * d;
        float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        size_t j = 0;
        for (; j + 8 <= d; j += 8)
            for (size_t u = 0; u < 8; u++)
                acc[u] += r[j + u] * q[j + u];
        for (; j < d; j++)
            acc[0] += r[j] * q[j];
        out[i] = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    }
}
