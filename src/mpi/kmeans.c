/*
 * Distributed k-means that reproduces mood_kmeans_fit() (src/cluster/kmeans.c) step for step:
 * the same RNG stream on every rank, the same seeding (greedy k-means++ below 500k rows,
 * k-means|| above, as MOOD_KMEANS_INIT_AUTO chooses on the global row count), the same
 * Hamerly bounds, empty-cluster relocation, stopping rule and restarts. Every sum that the
 * single-process code forms over chunks is formed by mood__mpi_chunk_reduce() in the same
 * order, so centres and labels are the single-process ones; what can still differ is the last
 * bit of a distance when sgemm sees a distance block cut at a rank boundary (a block of fewer
 * rows), which only matters for a row within one float ulp of a tie.
 *
 * Sampling a row in proportion to D² (k-means++): every rank holds every chunk's potential
 * (an allgather of chunk partials), draws the same uniform, finds the chunk, and the rows of
 * that one chunk are gathered to walk the cumulative sum exactly as sample_row() does.
 */
#ifdef MOOD_WITH_MPI
#define _POSIX_C_SOURCE 200809L
#include "mpi_internal.h"

#include "../cluster/kmeans_step.h"
#include "../core/clock.h"
#include "../core/internal.h"

#include <math.h>
#include <string.h>
#ifdef MOOD_WITH_BLAS
#include <cblas.h>
#endif

/* ---------------------------------------------------------------- shared state */
typedef struct dkm {
    const mpi_layout *l;
    const float *x;
    size_t n, d, k, B; /* n = local rows */
    float *xnorm;
    mpi_grid lg, sg; /* Lloyd chunks (k·d + k doubles each), seeding chunks */
    /* seeding */
    float *closest;
    int32_t *assign;
    double *chunk_pot; /* sg.count */
    double *chunk_need;
    float *cc, *cbuf, *cnorm; /* candidate-centre distances, candidate rows, their norms */
    size_t L;
    unsigned need_best; /* pass 1 / 2 parameters */
    size_t cur_c;
    float *Dt;
    /* Lloyd */
    km_centres cs;
    float *c, *c_old, *up, *lo, *shift, *s_half, *tmp;
    double *sum;
    int32_t *lab;
    km_shifts mx;
    int bounds, first;
    float *xb, *xnb, *xt, *v1, *v2, *Dk;
    size_t *idx;
    int32_t *labb;
} dkm;

static void acc_pot(void *u, size_t c, size_t a, size_t b, double *v)
{
    const dkm *D = u;
    (void)c;
    for (size_t i = a; i < b; i++)
        v[0] += (double)D->closest[i];
}

static mood_status pots(dkm *D)
{
    double tot;
    return mood__mpi_chunk_reduce(D->l, &D->sg, 1, acc_pot, D, &tot, D->chunk_pot);
}

static double pot_total(const dkm *D)
{
    double t = 0.0;
    for (size_t c = 0; c < D->sg.count; c++)
        t += D->chunk_pot[c];
    return t;
}

/* sample_row() of kmeans_seed.c over the global rows. */
static mood_status sample_row(dkm *D, double r, size_t *out)
{
    const mpi_layout *l = D->l;
    double acc;
    const size_t c = mood__km_pot_chunk(D->chunk_pot, D->sg.count, r, &acc);
    size_t lo = c * D->sg.rows, hi = lo + D->sg.rows < l->n ? lo + D->sg.rows : l->n;
    float *cl = mood__malloc_array(hi - lo, sizeof(float));
    if (!cl)
        return mood__enomem("k-means++ sampling");
    mood_status s = mood__mpi_fetch_rows(l, D->closest, 1, lo, hi, cl);
    long long found = -1;
    for (size_t i = lo; s == MOOD_OK && i < hi && found < 0; i++) {
        acc += (double)cl[i - lo];
        if (acc >= r)
            found = (long long)i;
    }
    for (size_t i = hi; s == MOOD_OK && found < 0 && i-- > lo;)
        if (cl[i - lo] > 0.0f)
            found = (long long)i;
    mood__free(cl);
    if (s == MOOD_OK && found < 0) {
        /* The last row before the chunk with a positive distance (rounding beyond the total). */
        long long mine = -1;
        for (size_t i = l->g0; i < l->g1 && i < lo; i++)
            if (D->closest[i - l->g0] > 0.0f)
                mine = (long long)i;
        s = mood__mpi_allreduce(&mine, &found, 1, MPI_LONG_LONG, MPI_MAX);
        if (s == MOOD_OK && found < 0)
            found = (long long)hi - 1;
    }
    *out = (size_t)found;
    return s;
}

static mood_status fetch_row(dkm *D, size_t i, float *out)
{
    return mood__mpi_fetch_rows(D->l, D->x, D->d, i, i + 1, out);
}

/* Distances of every local row to the first centre. */
static void seed_first(dkm *D, const float *c0)
{
    const float cn0 = mood__km_sqnorm(c0, D->d);
    for (size_t i = 0; i < D->n; i++) {
        float dot;
        mood__dots_f32(D->x + i * D->d, D->d, c0, 1, &dot);
        D->closest[i] = mood__km_dist_from_dot(D->xnorm[i], cn0, dot);
        D->assign[i] = 0;
    }
}

/* ---------------------------------------------------------------- greedy k-means++ */
static unsigned need_mask(const dkm *D, size_t i)
{
    float lim = 4.0f * D->closest[i];
    size_t a = (size_t)D->assign[i];
    unsigned need = 0;
    for (size_t t = 0; t < D->L; t++)
        need |= (unsigned)(D->cc[t * D->k + a] < lim) << t;
    return need;
}

static void acc_need(void *u, size_t c, size_t a, size_t b, double *v)
{
    const dkm *D = u;
    (void)c;
    for (size_t i = a; i < b; i++)
        v[0] += need_mask(D, i) ? 1.0 : 0.0;
}

/* Pass 1: potential reduction of each candidate (the dense/sparse choice per global chunk). */
static void acc_red(void *u, size_t c, size_t a, size_t b, double *v)
{
    dkm *D = u;
    const size_t L = D->L, d = D->d, lo = c * D->sg.rows;
    size_t hi = lo + D->sg.rows < D->l->n ? lo + D->sg.rows : D->l->n;
    int dense = 0;
    (void)hi;
#ifdef MOOD_WITH_BLAS
    if ((size_t)D->chunk_need[c] * 4 > hi - lo && hi - lo >= 64) {
        memset(D->Dt, 0, L * (b - a) * sizeof(float));
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)L, (int)(b - a), (int)d, 1.0f,
                    D->cbuf, (int)d, D->x + a * d, (int)d, 1.0f, D->Dt, (int)(b - a));
        dense = 1;
    }
#endif
    for (size_t i = a; i < b; i++) {
        unsigned need = need_mask(D, i);
        if (!need)
            continue;
        float cl = D->closest[i], dot[8];
        if (dense)
            for (size_t t = 0; t < L; t++)
                dot[t] = D->Dt[t * (b - a) + (i - a)];
        else
            mood__dots_f32(D->x + i * d, d, D->cbuf, L, dot);
        for (size_t t = 0; t < L; t++) {
            if (!((need >> t) & 1u))
                continue;
            float w = mood__km_dist_from_dot(D->xnorm[i], D->cnorm[t], dot[t]);
            if (w < cl)
                v[t] += (double)(cl - w);
        }
    }
}

/* Pass 2: rows that move to the new centre @p c (candidate @p best). */
static void move_to(dkm *D, size_t c, size_t best)
{
    const float *cb = D->cbuf + best * D->d;
    const float cnb = D->cnorm[best];
    for (size_t i = 0; i < D->n; i++) {
        float cl = D->closest[i];
        if (D->cc[best * D->k + (size_t)D->assign[i]] < 4.0f * cl) {
            float dot;
            mood__dots_f32(D->x + i * D->d, D->d, cb, 1, &dot);
            float v = mood__km_dist_from_dot(D->xnorm[i], cnb, dot);
            if (v < cl) {
                D->closest[i] = v;
                D->assign[i] = (int32_t)c;
            }
        }
    }
}

/* Draw the L candidates of step c and their distances to the chosen centres. */
static mood_status draw_candidates(dkm *D, size_t c, mood_rng *rng, const float *out)
{
    double pot = pot_total(D);
    mood_status s = MOOD_OK;
    for (size_t t = 0; t < D->L && s == MOOD_OK; t++) {
        double r = mood_rng_uniform(rng) * pot;
        size_t cand = 0;
        s = sample_row(D, r, &cand);
        if (s == MOOD_OK)
            s = fetch_row(D, cand, D->cbuf + t * D->d);
        if (s != MOOD_OK)
            break;
        D->cnorm[t] = mood__km_sqnorm(D->cbuf + t * D->d, D->d);
        for (size_t j = 0; j < c; j++)
            D->cc[t * D->k + j] = mood__sqdist_f32(D->cbuf + t * D->d, out + j * D->d, D->d);
    }
    return s;
}

static mood_status seed_plusplus(dkm *D, mood_rng *rng, float *out)
{
    const size_t k = D->k, d = D->d;
    double red[8];
    mood_status s = MOOD_OK;
    D->L = 2 + (size_t)log((double)k);
    if (D->L > 8)
        D->L = 8;
    size_t first = (size_t)mood_rng_below(rng, D->l->n);
    s = fetch_row(D, first, out);
    if (s == MOOD_OK) {
        seed_first(D, out);
        s = pots(D);
    }
    for (size_t c = 1; c < k && s == MOOD_OK; c++) {
        double tot;
        s = draw_candidates(D, c, rng, out);
        if (s == MOOD_OK)
            s = mood__mpi_chunk_reduce(D->l, &D->sg, 1, acc_need, D, &tot, D->chunk_need);
        if (s == MOOD_OK)
            s = mood__mpi_chunk_reduce(D->l, &D->sg, D->L, acc_red, D, red, NULL);
        if (s != MOOD_OK)
            break;
        size_t best = 0;
        double best_red = -1.0;
        for (size_t t = 0; t < D->L; t++)
            if (red[t] > best_red) {
                best_red = red[t];
                best = t;
            }
        memcpy(out + c * d, D->cbuf + best * d, d * sizeof(float));
        move_to(D, c, best);
        s = pots(D);
    }
    return s;
}

/* ---------------------------------------------------------------- k-means|| */
/* One round's picks, gathered in global row order and appended to *cands. */
static mood_status gather_picks(dkm *D, uint64_t hseed, size_t round, double scale, float **cands,
                                size_t *m)
{
    const mpi_layout *l = D->l;
    const size_t d = D->d;
    size_t mine = 0;
    unsigned long long my = 0, *all = mood__malloc_array((size_t)l->size, sizeof *all);
    size_t *counts = mood__malloc_array((size_t)l->size, sizeof(size_t));
    float *rows = mood__malloc_array(D->n + 1, d * sizeof(float));
    mood_status s = all && counts && rows ? MOOD_OK : mood__enomem("k-means||");
    for (size_t i = 0; s == MOOD_OK && i < D->n; i++)
        if (mood__km_hash_uniform(hseed, round, l->g0 + i) < scale * (double)D->closest[i])
            memcpy(rows + (mine++) * d, D->x + i * d, d * sizeof(float));
    my = mine;
    s = mood_mpi_agree(s);
    if (s == MOOD_OK)
        s = mood__mpi_allgather(&my, all, 1, MPI_UNSIGNED_LONG_LONG);
    size_t add = 0;
    for (int r = 0; s == MOOD_OK && r < l->size; r++) {
        counts[r] = (size_t)all[r] * d;
        add += (size_t)all[r];
    }
    float *nb = s == MOOD_OK ? mood__realloc(*cands, (*m + add + 1) * d * sizeof(float)) : NULL;
    s = mood_mpi_agree(s == MOOD_OK && !nb ? mood__enomem("k-means||") : s);
    if (s == MOOD_OK) {
        *cands = nb;
        s = mood__mpi_allgatherv(rows, mine * d, *cands + *m * d, counts, MPI_FLOAT);
        *m += add;
    }
    mood__free(all);
    mood__free(counts);
    mood__free(rows);
    return s;
}

/* Nearest among the candidates [base, base+add): blocks aligned to the global chunk grid. */
static mood_status nearest_new(dkm *D, const float *cands, size_t base, size_t add)
{
    const size_t d = D->d;
    km_centres cs;
    mood_status s =
        mood__km_centres_init(&cs, add, d, mood__km_use_blas(MOOD_KMEANS_KERNEL_AUTO, add, d));
    const size_t B = mood__km_block_rows(add);
    float *Dt = mood__malloc_array(B * add, sizeof(float));
    float *xt = mood__malloc_array(B * d, sizeof(float));
    float *v1 = mood__malloc_array(B, sizeof(float));
    int32_t *lb = mood__malloc_array(B, sizeof(int32_t));
    if (s == MOOD_OK && (!Dt || !xt || !v1 || !lb))
        s = mood__enomem("k-means|| scratch");
    if (s == MOOD_OK) {
        mood__km_centres_set(&cs, cands + base * d);
        size_t i = D->l->g0;
        while (i < D->l->g1) {
            size_t clo = (i / D->sg.rows) * D->sg.rows, cend = clo + D->sg.rows;
            size_t b0 = clo + ((i - clo) / B) * B, bend = b0 + B;
            bend = bend < cend ? bend : cend;
            bend = bend < D->l->g1 ? bend : D->l->g1;
            size_t a = i - D->l->g0, bb = bend - i;
            mood__km_dots_block_t(&cs, D->x + a * d, bb, xt, Dt);
            mood__argmin_cols(Dt, cs.cnorm, add, bb, D->xnorm + a, lb, v1, NULL);
            for (size_t r = 0; r < bb; r++)
                if (v1[r] < D->closest[a + r]) {
                    D->closest[a + r] = v1[r];
                    D->assign[a + r] = (int32_t)(base + (size_t)lb[r]);
                }
            i = bend;
        }
    }
    mood__km_centres_free(&cs);
    mood__free(Dt);
    mood__free(xt);
    mood__free(v1);
    mood__free(lb);
    return mood_mpi_agree(s);
}

static mood_status seed_parallel(dkm *D, mood_rng *rng, float *out)
{
    const size_t rounds = 5, ell = 2 * D->k, d = D->d;
    size_t m = 1;
    float *cands = mood__malloc_array(1, d * sizeof(float));
    double *w = NULL;
    mood_status s = mood_mpi_agree(cands ? MOOD_OK : mood__enomem("k-means||"));
    if (s != MOOD_OK)
        return s;
    uint64_t hseed = mood_rng_next(rng);
    size_t first = (size_t)mood_rng_below(rng, D->l->n);
    s = fetch_row(D, first, cands);
    if (s == MOOD_OK) {
        seed_first(D, cands);
        s = pots(D);
    }
    for (size_t round = 0; s == MOOD_OK && round < rounds; round++) {
        double pot = pot_total(D);
        if (pot <= 0.0)
            break;
        size_t base = m;
        s = gather_picks(D, hseed, round, (double)ell / pot, &cands, &m);
        if (s == MOOD_OK && m > base)
            s = nearest_new(D, cands, base, m - base);
        if (s == MOOD_OK)
            s = pots(D);
    }
    if (s == MOOD_OK) {
        w = mood__calloc(m, sizeof(double));
        s = mood_mpi_agree(w ? MOOD_OK : mood__enomem("k-means||"));
    }
    if (s == MOOD_OK) {
        for (size_t i = 0; i < D->n; i++)
            w[D->assign[i]] += 1.0;
        s = mood__mpi_allreduce(w, w, m, MPI_DOUBLE, MPI_SUM);
    }
    if (s == MOOD_OK && m <= D->k)
        s = seed_plusplus(D, rng, out);
    else if (s == MOOD_OK) {
        s = mood__kmeans_pp_weighted(cands, w, m, d, D->k, rng, out);
        if (s == MOOD_OK)
            s = mood__km_weighted_lloyd(cands, w, m, d, D->k, out);
    }
    mood__free(cands);
    mood__free(w);
    return s;
}

static mood_status seed_centres(dkm *D, mood_rng *rng, float *out)
{
    if (D->l->n > 500000)
        return seed_parallel(D, rng, out);
    return seed_plusplus(D, rng, out);
}
/* ---------------------------------------------------------------- Lloyd */
/* assign_pass() of kmeans.c for local rows [a, a+b) (one block of the global grid). */
static size_t assign_block(dkm *D, size_t a, size_t b)
{
    const size_t d = D->d, k = D->k;
    const float *x = D->x, *blk, *blkn;
    size_t m = 0, changed = 0;
    if (D->first || !D->bounds) {
        for (size_t r = 0; r < b; r++)
            D->idx[r] = a + r;
        m = b;
        blk = x + a * d;
        blkn = D->xnorm + a;
    } else {
        for (size_t r = 0; r < b; r++) {
            size_t i = a + r, g = (size_t)D->lab[i];
            float u = D->up[i] + D->shift[g];
            float l = D->lo[i] - (g == D->mx.max1_idx ? D->mx.max2 : D->mx.max1);
            float z = l > D->s_half[g] ? l : D->s_half[g];
            if (u > z) {
                u = sqrtf(mood__sqdist_f32(x + i * d, D->c + g * d, d));
                if (u > z) {
                    memcpy(D->xb + m * d, x + i * d, d * sizeof(float));
                    D->xnb[m] = D->xnorm[i];
                    D->idx[m++] = i;
                }
            }
            D->up[i] = u;
            D->lo[i] = l;
        }
        blk = D->xb;
        blkn = D->xnb;
    }
    if (m) {
        mood__km_dots_block_t(&D->cs, blk, m, D->xt, D->Dk);
        mood__argmin_cols(D->Dk, D->cs.cnorm, k, m, blkn, D->labb, D->v1, D->bounds ? D->v2 : NULL);
        for (size_t r = 0; r < m; r++) {
            size_t i = D->idx[r];
            if (D->lab[i] != D->labb[r]) {
                changed++;
                D->lab[i] = D->labb[r];
            }
            if (D->bounds) {
                D->up[i] = sqrtf(D->v1[r]);
                D->lo[i] = sqrtf(D->v2[r]);
            }
        }
    }
    return changed;
}

/* One pass over the local rows in blocks of B aligned to the global Lloyd chunks. */
static mood_status assign_all(dkm *D, unsigned long long *changed)
{
    unsigned long long mine = 0;
    size_t i = D->l->g0;
    while (i < D->l->g1) {
        size_t clo = (i / D->lg.rows) * D->lg.rows, cend = clo + D->lg.rows;
        size_t b0 = clo + ((i - clo) / D->B) * D->B, bend = b0 + D->B;
        bend = bend < cend ? bend : cend;
        bend = bend < D->l->g1 ? bend : D->l->g1;
        mine += assign_block(D, i - D->l->g0, bend - i);
        i = bend;
    }
    return mood__mpi_allreduce(&mine, changed, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM);
}

static void acc_sums(void *u, size_t c, size_t a, size_t b, double *v)
{
    const dkm *D = u;
    (void)c;
    for (size_t i = a; i < b; i++) {
        size_t g = (size_t)D->lab[i];
        mood__add_row_f64(v + g * D->d, D->x + i * D->d, D->d);
        v[D->k * D->d + g] += 1.0;
    }
}

/* relocate_empty() of kmeans.c: the globally farthest rows (lowest index on ties). */
static mood_status relocate_empty(dkm *D, size_t n_empty)
{
    const size_t d = D->d, k = D->k;
    const int size = D->l->size;
    double pair[2], *all = mood__malloc_array((size_t)size, 2 * sizeof(double));
    float *xf = mood__malloc_array(d + 1, sizeof(float));
    mood_status s = mood_mpi_agree(all && xf ? MOOD_OK : mood__enomem("relocation"));
    for (size_t i = 0; s == MOOD_OK && i < D->n; i++)
        D->tmp[i] = mood__sqdist_f32(D->x + i * d, D->c + (size_t)D->lab[i] * d, d);
    double *cnt = D->sum + k * d;
    size_t j = 0;
    for (size_t e = 0; s == MOOD_OK && e < n_empty; e++) {
        while (j < k && cnt[j] > 0.0)
            j++;
        if (j >= k)
            break;
        float fd;
        size_t far = mood__km_farthest(D->tmp, D->n, &fd);
        pair[0] = D->n ? (double)fd : -3.0;
        pair[1] = (double)(D->l->g0 + far);
        s = mood__mpi_allgather(pair, all, 2, MPI_DOUBLE);
        int who = 0;
        for (int r = 1; s == MOOD_OK && r < size; r++)
            if (all[2 * r] > all[2 * who])
                who = r;
        size_t gfar = (size_t)all[2 * who + 1];
        int32_t old = who == D->l->rank ? D->lab[gfar - D->l->g0] : 0;
        if (who == D->l->rank)
            D->tmp[gfar - D->l->g0] = -2.0f;
        if (s == MOOD_OK)
            s = fetch_row(D, gfar, xf);
        if (s == MOOD_OK)
            s = mood__mpi_bcast(&old, 1, MPI_INT32_T, who);
        if (s == MOOD_OK)
            mood__km_take_row(D->sum, k, d, (size_t)old, j, xf);
    }
    mood__free(all);
    mood__free(xf);
    return s;
}

/* update_centres() of kmeans.c; *out_shift = Σ‖Δc‖². */
static mood_status update_centres(dkm *D, double *out_shift)
{
    const size_t d = D->d, k = D->k, stride = k * d + k;
    mood_status s = mood__mpi_chunk_reduce(D->l, &D->lg, stride, acc_sums, D, D->sum, NULL);
    double *cnt = D->sum + k * d;
    size_t n_empty = 0;
    for (size_t j = 0; s == MOOD_OK && j < k; j++)
        n_empty += cnt[j] <= 0.0;
    if (s == MOOD_OK && n_empty)
        s = relocate_empty(D, n_empty);
    if (s != MOOD_OK)
        return s;
    double tot = mood__km_move_centres(D->sum, k, d, D->c, D->c_old, D->shift, &D->mx);
    mood__km_centres_set(&D->cs, D->c);
    if (D->bounds)
        mood__km_centre_gaps(D->c, k, d, D->s_half);
    *out_shift = tot;
    return MOOD_OK;
}

typedef struct inertia_ctx {
    const dkm *D;
    const float *c;
} inertia_ctx;

static void acc_inertia(void *u, size_t ch, size_t a, size_t b, double *v)
{
    const inertia_ctx *q = u;
    const size_t d = q->D->d;
    (void)ch;
    for (size_t i = a; i < b; i++) {
        const float *xi = q->D->x + i * d, *ci = q->c + (size_t)q->D->lab[i] * d;
        for (size_t l = 0; l < d; l++) {
            double t = (double)xi[l] - (double)ci[l];
            v[0] += t * t;
        }
    }
}

typedef struct mv_ctx {
    const dkm *D;
    const double *mean;
} mv_ctx;

static void acc_mean(void *u, size_t ch, size_t a, size_t b, double *v)
{
    const mv_ctx *q = u;
    const size_t d = q->D->d;
    (void)ch;
    for (size_t i = a; i < b; i++)
        for (size_t l = 0; l < d; l++) {
            double x = (double)q->D->x[i * d + l];
            if (q->mean) {
                x -= q->mean[l];
                x *= x;
            }
            v[l] += x;
        }
}

/* mean_variance() of kmeans.c: the mean column variance that scales tol. */
static mood_status mean_variance(dkm *D, double *out)
{
    const size_t d = D->d;
    mpi_grid g;
    mood__mpi_grid(D->l, d * sizeof(double), &g);
    double *mean = mood__calloc(2 * d, sizeof(double)), *var = mean ? mean + d : NULL;
    mood_status s = mood_mpi_agree(mean ? MOOD_OK : mood__enomem("kmeans: variance"));
    mv_ctx q = {D, NULL};
    if (s == MOOD_OK)
        s = mood__mpi_chunk_reduce(D->l, &g, d, acc_mean, &q, mean, NULL);
    for (size_t l = 0; s == MOOD_OK && l < d; l++)
        mean[l] /= (double)D->l->n;
    q.mean = mean;
    if (s == MOOD_OK)
        s = mood__mpi_chunk_reduce(D->l, &g, d, acc_mean, &q, var, NULL);
    double m = 0.0;
    for (size_t l = 0; s == MOOD_OK && l < d; l++)
        m += var[l] / (double)D->l->n;
    *out = m / (double)d;
    mood__free(mean);
    return s;
}
/* ---------------------------------------------------------------- fit */
static void dkm_free(dkm *D)
{
    mood__km_centres_free(&D->cs);
    void *v[] = {D->xnorm,  D->closest, D->assign, D->chunk_pot, D->chunk_need, D->cc,  D->cbuf,
                 D->cnorm,  D->Dt,      D->c,      D->c_old,     D->up,         D->lo,  D->shift,
                 D->s_half, D->tmp,     D->sum,    D->lab,       D->xb,         D->xnb, D->xt,
                 D->v1,     D->Dk,      D->idx,    D->labb};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        mood__free(v[i]);
}

static mood_status dkm_alloc(dkm *D, const mpi_layout *l, const float *x, size_t d, size_t k)
{
    const size_t n = l->g1 - l->g0, n1 = n + 1, stride = k * d + k;
    memset(D, 0, sizeof *D);
    D->l = l;
    D->x = x;
    D->n = n;
    D->d = d;
    D->k = k;
    D->B = mood__km_block_rows(k);
    D->bounds = k > 1;
    mood__mpi_grid(l, stride * sizeof(double), &D->lg);
    mood__mpi_grid(l, 0, &D->sg);
    D->xnorm = mood__malloc_array(n1, sizeof(float));
    D->closest = mood__malloc_array(n1, sizeof(float));
    D->assign = mood__malloc_array(n1, sizeof(int32_t));
    D->chunk_pot = mood__malloc_array(D->sg.count + 1, sizeof(double));
    D->chunk_need = mood__malloc_array(D->sg.count + 1, sizeof(double));
    D->cc = mood__malloc_array(8 * k, sizeof(float));
    D->cbuf = mood__malloc_array(8 * d, sizeof(float));
    D->cnorm = mood__malloc_array(8, sizeof(float));
    D->Dt = mood__malloc_array(8 * D->sg.rows, sizeof(float));
    D->c = mood__malloc_array(k * d, sizeof(float));
    D->c_old = mood__malloc_array(k * d, sizeof(float));
    D->up = mood__malloc_array(n1, sizeof(float));
    D->lo = mood__malloc_array(n1, sizeof(float));
    D->shift = mood__calloc(k, sizeof(float));
    D->s_half = mood__calloc(k, sizeof(float));
    D->tmp = mood__malloc_array(n1, sizeof(float));
    D->sum = mood__malloc_array(stride, sizeof(double));
    D->lab = mood__malloc_array(n1, sizeof(int32_t));
    D->xb = mood__malloc_array(D->B * d, sizeof(float));
    D->xnb = mood__malloc_array(D->B, sizeof(float));
    D->xt = mood__malloc_array(D->B * d, sizeof(float));
    D->v1 = mood__malloc_array(2 * D->B, sizeof(float));
    D->v2 = D->v1 ? D->v1 + D->B : NULL;
    D->Dk = mood__malloc_array(D->B * k, sizeof(float));
    D->idx = mood__malloc_array(D->B, sizeof(size_t));
    D->labb = mood__malloc_array(D->B, sizeof(int32_t));
    if (!D->xnorm || !D->closest || !D->assign || !D->chunk_pot || !D->chunk_need || !D->cc ||
        !D->cbuf || !D->cnorm || !D->Dt || !D->c || !D->c_old || !D->up || !D->lo || !D->shift ||
        !D->s_half || !D->tmp || !D->sum || !D->lab || !D->xb || !D->xnb || !D->xt || !D->v1 ||
        !D->Dk || !D->idx || !D->labb)
        return mood__enomem("MPI kmeans");
    mood_status s =
        mood__km_centres_init(&D->cs, k, d, mood__km_use_blas(MOOD_KMEANS_KERNEL_AUTO, k, d));
    if (s == MOOD_OK)
        mood__km_row_norms(x, n, d, 1, D->xnorm);
    return s;
}

/* One Lloyd run from the centres in D->c; labels for the final centres; inertia. */
static mood_status lloyd_run(dkm *D, size_t max_iter, double tol, size_t *out_it,
                             double *out_inertia, mpi_kmeans_out *o)
{
    size_t it = 0;
    int strict = 0;
    unsigned long long changed = 0, b0 = mood__mpi_count.bytes, c0 = mood__mpi_count.calls;
    mood_status s = MOOD_OK;
    mood__km_centres_set(&D->cs, D->c);
    for (size_t i = 0; i < D->n; i++)
        D->lab[i] = -1;
    while (it < max_iter && s == MOOD_OK) {
        double shift = 0.0;
        D->first = it == 0;
        s = assign_all(D, &changed);
        if (s == MOOD_OK)
            s = update_centres(D, &shift);
        it++;
        if (s == MOOD_OK && mood_cancel_requested())
            s = mood__error(MOOD_ECANCELED, "kmeans: canceled");
        s = mood_mpi_agree(s);
        if (s != MOOD_OK || changed == 0) {
            strict = 1;
            break;
        }
        if (shift <= tol)
            break;
    }
    o->lloyd_bytes += mood__mpi_count.bytes - b0;
    o->lloyd_calls += mood__mpi_count.calls - c0;
    o->lloyd_iters_total += it;
    D->first = 0;
    if (s == MOOD_OK && !strict)
        s = assign_all(D, &changed);
    inertia_ctx q = {D, D->c};
    if (s == MOOD_OK)
        s = mood__mpi_chunk_reduce(D->l, &D->lg, 1, acc_inertia, &q, out_inertia, NULL);
    *out_it = it;
    return s;
}

mood_status mood__mpi_kmeans_fit(const mpi_layout *l, const float *x, size_t d, size_t k,
                                 uint64_t seed, size_t n_init, size_t max_iter, double tol,
                                 mpi_kmeans_out *out)
{
    dkm D;
    mood_rng rng;
    double mv = 0.0, best = INFINITY;
    if (k == 0 || k > l->n)
        return mood__error(MOOD_EINVAL, "kmeans: k=%zu must be in 1..n=%zu", k, l->n);
    mood_status s = mood_mpi_agree(dkm_alloc(&D, l, x, d, k));
    int saved = mood__blas_threads_single();
    if (s == MOOD_OK)
        s = mean_variance(&D, &mv);
    tol *= mv;
    mood_rng_seed(&rng, seed);
    for (size_t run = 0; s == MOOD_OK && run < (n_init ? n_init : 10); run++) {
        double t0 = mood__now(), inertia = 0.0;
        size_t it = 0;
        s = mood_mpi_agree(seed_centres(&D, &rng, D.c));
        double t1 = mood__now();
        out->seed_seconds += t1 - t0;
        if (s == MOOD_OK)
            s = lloyd_run(&D, max_iter ? max_iter : 300, tol, &it, &inertia, out);
        out->iter_seconds += mood__now() - t1;
        if (s == MOOD_OK && inertia < best) {
            best = inertia;
            out->inertia = inertia;
            out->n_iter = it;
            out->best_init = run;
            memcpy(out->centroids, D.c, k * d * sizeof(float));
            memcpy(out->labels, D.lab, D.n * sizeof(int32_t));
        }
    }
    mood__blas_threads_restore(saved);
    dkm_free(&D);
    return s;
}
#else
/* Built without MPI: without_mpi.c defines the entry points (they say how to build the engine). */
typedef int mood_mpi_kmeans_unused;
#endif
