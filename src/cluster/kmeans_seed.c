/*
 * Seeding for k-means.
 *
 * Greedy k-means++ follows scikit-learn 1.2's `_kmeans_plusplus` step for step: the first
 * centre uniformly, then at each step 2 + ⌊ln k⌋ candidates drawn with probability
 * proportional to the squared distance to the nearest chosen centre, and the candidate that
 * lowers the potential most is kept. It is several times faster than scikit-learn's for the
 * same arithmetic because a row only needs a distance to a candidate when the triangle
 * inequality allows the candidate to be closer than the row's current centre:
 * ‖x − t‖ ≥ ‖t − c_a(x)‖ − ‖x − c_a(x)‖, so when ‖t − c_a(x)‖² ≥ 4·‖x − c_a(x)‖² the row keeps
 * its distance. After the first few centres most rows are skipped without reading their
 * features.
 *
 * k-means|| (Bahmani et al. 2012) replaces the k sequential passes by 5 passes that each
 * sample about 2k rows in proportion to their potential, then reduces the weighted candidates
 * to k with weighted greedy k-means++ and a few weighted Lloyd steps. AUTO uses it above 500k
 * rows: greedy k-means++ makes k passes over the data and on overlapping data (where the
 * triangle test prunes little) each pass is bound by memory bandwidth, while k-means|| makes 5
 * passes whose work is sgemm. Row sampling uses a hash of (seed, round, row), so it does not depend
 * on threads.
 */
#include "kmeans_internal.h"

#include "../core/internal.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif
#ifdef MOOD_WITH_BLAS
#include <cblas.h>
#endif

/* State shared by the ++ and || passes: nearest chosen centre and squared distance per row. */
typedef struct seed_state {
    const float *x;
    size_t n, d;
    float *closest;    /* n squared distances */
    float *xnorm;      /* n squared row norms */
    int32_t *assign;   /* n indices into centres */
    double *chunk_pot; /* per chunk potential */
    km_chunks ch;
    int nt;
} seed_state;

static double pot_total(const seed_state *s)
{
    double t = 0.0;
    for (size_t c = 0; c < s->ch.count; c++)
        t += s->chunk_pot[c];
    return t;
}

size_t mood__km_pot_chunk(const double *chunk_pot, size_t count, double r, double *acc)
{
    size_t c = 0;
    *acc = 0.0;
    for (; c + 1 < count; c++) {
        if (*acc + chunk_pot[c] >= r)
            break;
        *acc += chunk_pot[c];
    }
    return c;
}

/* Index i with cumsum(closest)[i-1] < r ≤ cumsum(closest)[i] (numpy searchsorted, clipped). */
static size_t sample_row(const seed_state *s, double r)
{
    double acc;
    const size_t c = mood__km_pot_chunk(s->chunk_pot, s->ch.count, r, &acc);
    size_t lo = c * s->ch.rows, hi = MOOD_MIN(s->n, lo + s->ch.rows);
    for (size_t i = lo; i < hi; i++) {
        acc += (double)s->closest[i];
        if (acc >= r)
            return i;
    }
    /* r beyond the total through rounding: the last row with a positive distance. */
    for (size_t i = hi; i-- > 0;)
        if (s->closest[i] > 0.0f)
            return i;
    return hi - 1;
}

float mood__km_sqnorm(const float *c, size_t d)
{
    return (float)mood__sqnorm_f64(c, d);
}

/* Distances of every row to the first centre. */
static void seed_first(seed_state *s, const float *c0)
{
    const float *x = s->x;
    size_t d = s->d;
    const float cn0 = mood__km_sqnorm(c0, d);
    long long nc = (long long)s->ch.count;
#ifdef _OPENMP
#pragma omp parallel for num_threads(mood__par_threads(s->nt, (double)s->n *(double)d))            \
    schedule(dynamic, 1)
#endif
    for (long long cc = 0; cc < nc; cc++) {
        size_t lo = (size_t)cc * s->ch.rows, hi = MOOD_MIN(s->n, lo + s->ch.rows);
        double pot = 0.0;
        for (size_t i = lo; i < hi; i++) {
            float dot;
            mood__dots_f32(x + i * d, d, c0, 1, &dot);
            float v = mood__km_dist_from_dot(s->xnorm[i], cn0, dot);
            s->closest[i] = v;
            s->assign[i] = 0;
            pot += (double)v;
        }
        s->chunk_pot[cc] = pot;
    }
}

static mood_status seed_alloc(seed_state *s, const float *x, size_t n, size_t d, int nt)
{
    memset(s, 0, sizeof *s);
    s->x = x;
    s->n = n;
    s->d = d;
    s->nt = nt;
    mood__km_chunks(n, 0, &s->ch);
    s->closest = mood__malloc_array(n, sizeof(float));
    s->assign = mood__malloc_array(n, sizeof(int32_t));
    s->chunk_pot = mood__malloc_array(s->ch.count, sizeof(double));
    s->xnorm = mood__malloc_array(n, sizeof(float));
    if (!s->closest || !s->assign || !s->chunk_pot || !s->xnorm)
        return mood__enomem("kmeans seeding");
    mood__km_row_norms(x, n, d, nt, s->xnorm);
    return MOOD_OK;
}

static void seed_free(seed_state *s)
{
    mood__free(s->closest);
    mood__free(s->assign);
    mood__free(s->chunk_pot);
    mood__free(s->xnorm);
}

/* The L candidates of one greedy k-means++ step and their scratch. */
typedef struct pp_cands {
    size_t L, k;
    size_t *cand;
    float *cbuf; /* candidate rows */
    float cnorm[8];
    float *cc;   /* candidate-centre distances² */
    double *red; /* per chunk and candidate: potential reduction */
} pp_cands;

/* Potential reduction of each candidate over the rows of chunk @p ch. When most rows of a chunk
 * need candidate distances (overlapping data, early steps), one sgemm gives them all
 * (L × rows); otherwise only the rows that need them are computed one by one. */
static void pp_chunk_reduction(const seed_state *s, const pp_cands *pc, size_t ch, float *Dt)
{
    const size_t L = pc->L, k = pc->k, d = s->d;
    const float *x = s->x, *cc = pc->cc;
    size_t lo = ch * s->ch.rows, hi = MOOD_MIN(s->n, lo + s->ch.rows);
    double r[8];
    for (size_t t = 0; t < L; t++)
        r[t] = 0.0;
    size_t needing = 0;
    for (size_t i = lo; i < hi; i++) {
        float lim = 4.0f * s->closest[i];
        size_t a = (size_t)s->assign[i];
        for (size_t t = 0; t < L; t++)
            if (cc[t * k + a] < lim) {
                needing++;
                break;
            }
    }
    int dense = 0;
#ifdef MOOD_WITH_BLAS
    if (needing * 4 > hi - lo && hi - lo >= 64) {
        /* beta = 1 on a zeroed block: see mood__km_dots_block_t (dist.c). */
        memset(Dt, 0, L * (hi - lo) * sizeof(float));
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)L, (int)(hi - lo), (int)d, 1.0f,
                    pc->cbuf, (int)d, x + lo * d, (int)d, 1.0f, Dt, (int)(hi - lo));
        dense = 1;
    }
#else
    (void)Dt;
#endif
    for (size_t i = lo; i < hi && needing; i++) {
        float cl = s->closest[i];
        size_t a = (size_t)s->assign[i];
        float lim = 4.0f * cl;
        unsigned need = 0;
        for (size_t t = 0; t < L; t++)
            need |= (unsigned)(cc[t * k + a] < lim) << t;
        if (!need)
            continue;
        float dot[8];
        if (dense)
            for (size_t t = 0; t < L; t++)
                dot[t] = Dt[t * (hi - lo) + (i - lo)];
        else
            mood__dots_f32(x + i * d, d, pc->cbuf, L, dot);
        for (size_t t = 0; t < L; t++) {
            if (!((need >> t) & 1u))
                continue;
            float v = mood__km_dist_from_dot(s->xnorm[i], pc->cnorm[t], dot[t]);
            if (v < cl)
                r[t] += (double)(cl - v);
        }
    }
    for (size_t t = 0; t < L; t++)
        pc->red[ch * L + t] = r[t];
}

/* Pass 1 over every chunk in parallel; the index of the candidate with the largest total
 * reduction (strictly larger: the first of equal candidates wins), or SIZE_MAX when a thread's
 * scratch could not be allocated. */
static size_t pp_best_candidate(const seed_state *s, const pp_cands *pc)
{
    const size_t L = pc->L;
    long long nc = (long long)s->ch.count;
    int failed = 0;
#ifdef _OPENMP
#pragma omp parallel num_threads(mood__par_threads(s->nt, (double)s->n *(double)s->d))
#endif
    {
        const size_t sz[][2] = {{L * s->ch.rows, sizeof(float)}};
        mood_scratch w;
        const int ok = mood__scratch_alloc(&w, sz, 1, &failed);
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
        for (long long ch = 0; ch < nc; ch++) {
            if (!ok)
                continue;
            pp_chunk_reduction(s, pc, (size_t)ch, w.p[0]);
        }
        mood__scratch_free(&w);
    }
    if (failed)
        return SIZE_MAX;
    size_t best = 0;
    double best_red = -1.0;
    for (size_t t = 0; t < L; t++) {
        double rt = 0.0;
        for (size_t ch = 0; ch < s->ch.count; ch++)
            rt += pc->red[ch * L + t];
        if (rt > best_red) {
            best_red = rt;
            best = t;
        }
    }
    return best;
}

/* Pass 2: rows that move to the new centre @p c (candidate @p best). */
static void pp_move_rows(seed_state *s, const pp_cands *pc, size_t best, size_t c)
{
    const size_t k = pc->k, d = s->d, n = s->n;
    const float *x = s->x, *cb = pc->cbuf + best * d;
    const float cnb = pc->cnorm[best];
    long long nc = (long long)s->ch.count;
#ifdef _OPENMP
#pragma omp parallel for num_threads(mood__par_threads(s->nt, (double)n *(double)d))               \
    schedule(dynamic, 1)
#endif
    for (long long ch = 0; ch < nc; ch++) {
        size_t lo = (size_t)ch * s->ch.rows, hi = MOOD_MIN(n, lo + s->ch.rows);
        double p = 0.0;
        for (size_t i = lo; i < hi; i++) {
            float cl = s->closest[i];
            if (pc->cc[best * k + (size_t)s->assign[i]] < 4.0f * cl) {
                float dot;
                mood__dots_f32(x + i * d, d, cb, 1, &dot);
                float v = mood__km_dist_from_dot(s->xnorm[i], cnb, dot);
                if (v < cl) {
                    cl = v;
                    s->closest[i] = v;
                    s->assign[i] = (int32_t)c;
                }
            }
            p += (double)cl;
        }
        s->chunk_pot[ch] = p;
    }
}

static mood_status seed_plusplus(const float *x, size_t n, size_t d, size_t k, mood_rng *rng,
                                 int nt, float *out)
{
    seed_state s;
    mood_status st = seed_alloc(&s, x, n, d, nt);
    pp_cands pc;
    memset(&pc, 0, sizeof pc);
    pc.k = k;
    pc.L = 2 + (size_t)log((double)k);
    if (pc.L > 8)
        pc.L = 8; /* 2 + ln k > 8 only for k > 1096: the kernel takes 8 candidates at a time */
    const size_t L = pc.L;
    pc.cand = mood__malloc_array(L, sizeof(size_t));
    pc.cbuf = mood__malloc_array(L * d + 1, sizeof(float));
    pc.cc = mood__malloc_array(L * k, sizeof(float));
    pc.red = mood__malloc_array(s.ch.count * L, sizeof(double));
    if (st == MOOD_OK && (!pc.cand || !pc.cc || !pc.red || !pc.cbuf))
        st = mood__enomem("kmeans++");
    if (st != MOOD_OK)
        goto done;

    size_t first = (size_t)mood_rng_below(rng, n);
    memcpy(out, x + first * d, d * sizeof(float));
    seed_first(&s, out);

    for (size_t c = 1; c < k; c++) {
        double pot = pot_total(&s);
        for (size_t t = 0; t < L; t++) {
            double r = mood_rng_uniform(rng) * pot;
            pc.cand[t] = sample_row(&s, r);
            memcpy(pc.cbuf + t * d, x + pc.cand[t] * d, d * sizeof(float));
            pc.cnorm[t] = s.xnorm[pc.cand[t]];
            for (size_t j = 0; j < c; j++)
                pc.cc[t * k + j] = mood__sqdist_f32(x + pc.cand[t] * d, out + j * d, d);
        }
        size_t best = pp_best_candidate(&s, &pc);
        if (best == SIZE_MAX) {
            st = mood__enomem("kmeans++ scratch");
            goto done;
        }
        memcpy(out + c * d, pc.cbuf + best * d, d * sizeof(float));
        pp_move_rows(&s, &pc, best, c);
        if (mood_cancel_requested()) {
            st = mood__error(MOOD_ECANCELED, "kmeans++: canceled");
            goto done;
        }
    }
done:
    mood__free(pc.cand);
    mood__free(pc.cbuf);
    mood__free(pc.cc);
    mood__free(pc.red);
    seed_free(&s);
    return st;
}

mood_status mood__kmeans_pp_weighted(const float *x, const double *w, size_t m, size_t d, size_t k,
                                     mood_rng *rng, float *out)
{
    size_t L = 2 + (size_t)log((double)k);
    double *closest = mood__malloc_array(m, sizeof(double));
    double *trial = mood__malloc_array(m * L, sizeof(double));
    size_t *cand = mood__malloc_array(L, sizeof(size_t));
    mood_status st = MOOD_OK;
    if (!closest || !trial || !cand) {
        st = mood__enomem("kmeans++ (weighted)");
        goto done;
    }
    double wsum = 0.0;
    for (size_t i = 0; i < m; i++)
        wsum += w ? w[i] : 1.0;
    /* First centre: drawn in proportion to the weights. */
    double r = mood_rng_uniform(rng) * wsum, acc = 0.0;
    size_t first = m - 1;
    for (size_t i = 0; i < m; i++) {
        acc += w ? w[i] : 1.0;
        if (acc >= r) {
            first = i;
            break;
        }
    }
    memcpy(out, x + first * d, d * sizeof(float));
    double pot = 0.0;
    for (size_t i = 0; i < m; i++) {
        closest[i] = (double)mood__sqdist_f32(x + i * d, out, d);
        pot += (w ? w[i] : 1.0) * closest[i];
    }
    for (size_t c = 1; c < k; c++) {
        size_t best = 0;
        double best_pot = INFINITY;
        for (size_t t = 0; t < L; t++) {
            double rv = mood_rng_uniform(rng) * pot;
            acc = 0.0;
            cand[t] = m - 1;
            for (size_t i = 0; i < m; i++) {
                acc += (w ? w[i] : 1.0) * closest[i];
                if (acc >= rv) {
                    cand[t] = i;
                    break;
                }
            }
            double p = 0.0;
            for (size_t i = 0; i < m; i++) {
                double v = (double)mood__sqdist_f32(x + i * d, x + cand[t] * d, d);
                if (v > closest[i])
                    v = closest[i];
                trial[t * m + i] = v;
                p += (w ? w[i] : 1.0) * v;
            }
            if (p < best_pot) {
                best_pot = p;
                best = t;
            }
        }
        memcpy(out + c * d, x + cand[best] * d, d * sizeof(float));
        memcpy(closest, trial + best * m, m * sizeof(double));
        pot = best_pot;
    }
done:
    mood__free(closest);
    mood__free(trial);
    mood__free(cand);
    return st;
}

double mood__km_mix_unit(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53;
}

double mood__km_hash_uniform(uint64_t seed, uint64_t round, uint64_t row)
{
    return mood__km_mix_unit(seed ^ (round * 0xd1342543de82ef95ULL) ^
                             (row * 0x9e3779b97f4a7c15ULL));
}

/*
 * A few weighted Lloyd steps on the k-means|| candidates: the candidates stand for the rows
 * nearest to them, so this refines the seeds at the cost of m·k·d per step (m ≈ 10k).
 */
mood_status mood__km_weighted_lloyd(const float *c, const double *w, size_t m, size_t d, size_t k,
                                    float *centres)
{
    double *sum = mood__calloc(k * d + k, sizeof(double));
    if (!sum)
        return mood__enomem("k-means|| refinement");
    double *cnt = sum + k * d;
    for (int it = 0; it < 20; it++) {
        memset(sum, 0, (k * d + k) * sizeof(double));
        for (size_t i = 0; i < m; i++) {
            size_t best = 0;
            float bd = INFINITY;
            for (size_t j = 0; j < k; j++) {
                float v = mood__sqdist_f32(c + i * d, centres + j * d, d);
                if (v < bd) {
                    bd = v;
                    best = j;
                }
            }
            for (size_t l = 0; l < d; l++)
                sum[best * d + l] += w[i] * (double)c[i * d + l];
            cnt[best] += w[i];
        }
        double shift = 0.0;
        for (size_t j = 0; j < k; j++) {
            if (cnt[j] <= 0.0)
                continue; /* keep an unused seed where it is */
            for (size_t l = 0; l < d; l++) {
                float v = (float)(sum[j * d + l] / cnt[j]);
                double t = (double)v - (double)centres[j * d + l];
                shift += t * t;
                centres[j * d + l] = v;
            }
        }
        if (shift == 0.0)
            break;
    }
    mood__free(sum);
    return MOOD_OK;
}

/* Nearest among the @p add_n new candidates at @p cands (indices from @p base): ~2k of them
 * per round, so the sgemm block kernel (the same one Lloyd uses) does the work. */
static mood_status par_nearest_new(seed_state *s, const float *cands, size_t base, size_t add_n)
{
    const size_t n = s->n, d = s->d;
    const float *x = s->x;
    km_centres cs;
    mood_status st =
        mood__km_centres_init(&cs, add_n, d, mood__km_use_blas(MOOD_KMEANS_KERNEL_AUTO, add_n, d));
    if (st != MOOD_OK)
        return st;
    mood__km_centres_set(&cs, cands);
    const size_t B = mood__km_block_rows(add_n);
    long long nc = (long long)s->ch.count;
    int failed = 0;
#ifdef _OPENMP
#pragma omp parallel num_threads(mood__par_threads(s->nt, (double)n *(double)d *(double)add_n))
#endif
    {
        const size_t sz[][2] = {{B * add_n, sizeof(float)},
                                {B * d, sizeof(float)},
                                {B, sizeof(float)},
                                {B, sizeof(int32_t)}};
        mood_scratch w;
        const int ok = mood__scratch_alloc(&w, sz, 4, &failed);
        float *Dt = w.p[0], *xt = w.p[1], *v1 = w.p[2];
        int32_t *lb = w.p[3];
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
        for (long long ch = 0; ch < nc; ch++) {
            if (!ok)
                continue;
            size_t lo = (size_t)ch * s->ch.rows, hi = MOOD_MIN(n, lo + s->ch.rows);
            double p = 0.0;
            for (size_t b0 = lo; b0 < hi; b0 += B) {
                size_t bb = MOOD_MIN(B, hi - b0);
                mood__km_dots_block_t(&cs, x + b0 * d, bb, xt, Dt);
                mood__argmin_cols(Dt, cs.cnorm, add_n, bb, s->xnorm + b0, lb, v1, NULL);
                for (size_t r = 0; r < bb; r++) {
                    size_t i = b0 + r;
                    if (v1[r] < s->closest[i]) {
                        s->closest[i] = v1[r];
                        s->assign[i] = (int32_t)(base + (size_t)lb[r]);
                    }
                    p += (double)s->closest[i];
                }
            }
            s->chunk_pot[ch] = p;
        }
        mood__scratch_free(&w);
    }
    mood__km_centres_free(&cs);
    if (failed)
        return mood__enomem("k-means|| scratch");
    return MOOD_OK;
}

/* One oversampling round: each row is picked with probability ell·closest/potential (a hash of
 * the seed, the round and the row, so the thread count does not matter); the picks are
 * appended to *cands (grown as needed) and the rows' nearest candidates updated. */
static mood_status par_round(seed_state *s, size_t round, size_t ell, uint64_t hseed, uint8_t *pick,
                             size_t *chunk_cnt, float **cands, size_t *cap, size_t *m)
{
    const size_t n = s->n, d = s->d;
    double pot = pot_total(s);
    if (pot <= 0.0)
        return MOOD_OK;
    double scale = (double)ell / pot;
    long long nc = (long long)s->ch.count;
#ifdef _OPENMP
#pragma omp parallel for num_threads(mood__par_threads(s->nt, (double)n *(double)d))               \
    schedule(dynamic, 1)
#endif
    for (long long ch = 0; ch < nc; ch++) {
        size_t lo = (size_t)ch * s->ch.rows, hi = MOOD_MIN(n, lo + s->ch.rows), cnt = 0;
        for (size_t i = lo; i < hi; i++) {
            pick[i] = mood__km_hash_uniform(hseed, round, i) < scale * (double)s->closest[i];
            cnt += pick[i];
        }
        chunk_cnt[ch] = cnt;
    }
    size_t add = 0;
    for (size_t ch = 0; ch < s->ch.count; ch++)
        add += chunk_cnt[ch];
    if (*m + add > *cap) {
        float *nb = mood__realloc(*cands, (*m + add) * d * sizeof(float));
        if (!nb)
            return mood__enomem("k-means||");
        *cands = nb;
        *cap = *m + add;
    }
    size_t base = *m;
    for (size_t i = 0; i < n; i++)
        if (pick[i])
            memcpy(*cands + (*m)++ * d, s->x + i * d, d * sizeof(float));
    if (*m - base == 0)
        return MOOD_OK;
    return par_nearest_new(s, *cands + base * d, base, *m - base);
}

static mood_status seed_parallel(const float *x, size_t n, size_t d, size_t k, mood_rng *rng,
                                 int nt, float *out)
{
    const size_t rounds = 5, ell = 2 * k;
    seed_state s;
    mood_status st = seed_alloc(&s, x, n, d, nt);
    size_t cap = 1 + rounds * ell * 2 + 64, m = 0;
    float *cands = mood__malloc_array(cap * d, sizeof(float));
    double *w = NULL;
    uint8_t *pick = mood__malloc_array(n, 1);
    size_t *chunk_cnt = mood__malloc_array(s.ch.count + 1, sizeof(size_t));
    if (st == MOOD_OK && (!cands || !pick || !chunk_cnt))
        st = mood__enomem("k-means||");
    if (st != MOOD_OK)
        goto done;
    uint64_t hseed = mood_rng_next(rng);
    size_t first = (size_t)mood_rng_below(rng, n);
    memcpy(cands, x + first * d, d * sizeof(float));
    m = 1;
    seed_first(&s, cands);
    for (size_t round = 0; round < rounds; round++) {
        if (pot_total(&s) <= 0.0)
            break;
        st = par_round(&s, round, ell, hseed, pick, chunk_cnt, &cands, &cap, &m);
        if (st != MOOD_OK)
            goto done;
        if (mood_cancel_requested()) {
            st = mood__error(MOOD_ECANCELED, "k-means||: canceled");
            goto done;
        }
    }
    w = mood__calloc(m, sizeof(double));
    if (!w) {
        st = mood__enomem("k-means||");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        w[s.assign[i]] += 1.0;
    if (m <= k) {
        /* Fewer candidates than centres (tiny or duplicated data): fall back to greedy ++. */
        st = seed_plusplus(x, n, d, k, rng, nt, out);
        goto done;
    }
    st = mood__kmeans_pp_weighted(cands, w, m, d, k, rng, out);
    if (st == MOOD_OK)
        st = mood__km_weighted_lloyd(cands, w, m, d, k, out);
done:
    mood__free(cands);
    mood__free(w);
    mood__free(pick);
    mood__free(chunk_cnt);
    seed_free(&s);
    return st;
}

static mood_status seed_random(const float *x, size_t n, size_t d, size_t k, mood_rng *rng,
                               float *out)
{
    size_t *idx = mood__malloc_array(k, sizeof(size_t));
    if (!idx)
        return mood__enomem("kmeans random init");
    for (size_t c = 0; c < k; c++) {
        size_t i;
        int dup;
        do {
            i = (size_t)mood_rng_below(rng, n);
            dup = 0;
            for (size_t j = 0; j < c; j++)
                dup |= idx[j] == i;
        } while (dup);
        idx[c] = i;
        memcpy(out + c * d, x + i * d, d * sizeof(float));
    }
    mood__free(idx);
    return MOOD_OK;
}

/* Shared by mood_kmeans_seed() and mood_kmeans_fit() (which keeps one RNG across restarts). */
mood_status mood__kmeans_seed_rng(const float *x, size_t n, size_t d, size_t k,
                                  mood_kmeans_init init, mood_rng *rng, int nt, float *out)
{
    if (init == MOOD_KMEANS_INIT_AUTO)
        init = n > 500000 ? MOOD_KMEANS_INIT_PARALLEL : MOOD_KMEANS_INIT_PLUSPLUS;
    switch (init) {
    case MOOD_KMEANS_INIT_PLUSPLUS:
        return seed_plusplus(x, n, d, k, rng, nt, out);
    case MOOD_KMEANS_INIT_PARALLEL:
        return seed_parallel(x, n, d, k, rng, nt, out);
    case MOOD_KMEANS_INIT_RANDOM:
        return seed_random(x, n, d, k, rng, out);
    default:
        return mood__error(MOOD_EINVAL, "kmeans: init %d is not a seeding method", (int)init);
    }
}

mood_status mood_kmeans_seed(const float *x, size_t n, size_t d, size_t k, mood_kmeans_init init,
                             uint64_t seed, int n_threads, float *out_centroids)
{
    if (!x || !out_centroids || d == 0)
        return mood__error(MOOD_EINVAL, "kmeans seed: NULL data or d = 0");
    if (k == 0 || k > n)
        return mood__error(MOOD_EINVAL, "kmeans seed: k=%zu must be in 1..n=%zu", k, n);
    mood_rng rng;
    mood_rng_seed(&rng, seed);
    int nt = mood__km_threads(n_threads);
    mood_status st = mood__check_finite("kmeans seed", x, n, d, nt);
    if (st != MOOD_OK)
        return st;
    int saved = mood__blas_threads_single();
    st = mood__kmeans_seed_rng(x, n, d, k, init, &rng, nt, out_centroids);
    mood__blas_threads_restore(saved);
    return st;
}
