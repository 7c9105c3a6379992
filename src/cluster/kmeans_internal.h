/*
 * Private pieces of the k-means engine shared by kmeans.c, kmeans_seed.c, minibatch.c, gmm.c
 * and spectral.c: the row × centre distance kernel (sgemm or plain), the fixed row chunking
 * that keeps results independent of the thread count, and thread-count helpers.
 */
#ifndef MOOD_KMEANS_INTERNAL_H
#define MOOD_KMEANS_INTERNAL_H

#include <moodscope/kmeans.h>
#include <moodscope/rng.h>

#include <stddef.h>
#include <stdint.h>

/*
 * Rows are processed in chunks whose size depends only on (n, bytes of partial state per
 * chunk), never on the thread count; partial sums are kept per chunk and added in chunk order.
 */
typedef struct km_chunks {
    size_t n;     /* rows */
    size_t rows;  /* rows per chunk (the last may be shorter) */
    size_t count; /* number of chunks */
} km_chunks;
void mood__km_chunks(size_t n, size_t partial_bytes, km_chunks *out);

/* Threads to use for @p requested (0 = all cores). */
int mood__km_threads(int requested);

/*
 * Threads for a parallel loop of about @p work flops: one below 32M (a few milliseconds),
 * because on a loaded machine a team's barrier can wait a scheduler time slice for a
 * descheduled thread, far longer than such a loop takes (measured: the 100k × 8, k = 8 bench
 * spent four times its CPU time in wall time with two threads).
 * Never changes results (chunking, not threads, fixes the summation order).
 */
int mood__par_threads(int requested, double work);
/* Tests: change that threshold (0 = every loop parallel) to exercise the threaded paths. */
void mood__km_set_par_threshold(double flops);

/* Rows per distance block for k centres (bounded so that a block of distances stays in L2). */
size_t mood__km_block_rows(size_t k);

/* Centres prepared for the distance kernel. */
typedef struct km_centres {
    const float *c; /* k×d, borrowed */
    float *ct;      /* d×k transposed (plain kernel) */
    float *cnorm;   /* k squared norms */
    size_t k, d;
    int blas;   /* 1: cblas_sgemm; 2: chosen automatically (fused kernel when it fits) */
    int fused;  /* the fused FMA distance + argmin kernel (kmeans_assign.c) */
    float *ctp; /* fused: d×kp, −2·cᵀ padded with zeros to kp = ⌈k/16⌉·16 columns */
    float *cnp; /* fused: kp norms, +INFINITY in the padding */
} km_centres;
/* Allocate ct/cnorm for k×d centres; MOOD_ENOMEM with a message. */
mood_status mood__km_centres_init(km_centres *cs, size_t k, size_t d, int blas);
/* Point at @p c and refresh the transposed copy and the norms. */
void mood__km_centres_set(km_centres *cs, const float *c);
void mood__km_centres_free(km_centres *cs);
/*
 * Whether the kernel choice @p kern means sgemm for k×d centres: 0 plain loop, 1 sgemm
 * (forced), 2 automatic choice, which mood__km_centres_init turns into the fused kernel when
 * k ≤ 256, d ≤ 64 and the CPU has AVX2 and FMA (otherwise sgemm).
 */
int mood__km_use_blas(mood_kmeans_kernel kern, size_t k, size_t d);

/*
 * Fused assignment (kmeans_assign.c): per row of the b rows at @p x (stride d, squared norms
 * @p xn) its best centre, squared distance and second-best squared distance (b2 may be NULL),
 * clamped at 0 — what mood__km_dots_block_t + mood__km_argmin_t give, to the bit, for the same
 * centres. Without cs->fused it calls those two (xt: d×b and D: k×b scratch).
 */
void mood__km_assign_block(const km_centres *cs, const float *x, const float *xn, size_t b,
                           float *xt, float *D, int32_t *lab, float *b1, float *b2);
/* Fused only (cs->fused): rows x + idx[r]·d with norms xnorm[idx[r]], read in place. */
void mood__km_assign_rows(const km_centres *cs, const float *x, const float *xnorm,
                          const size_t *idx, size_t m, int32_t *lab, float *b1, float *b2);
/* Fused centres: the CPU can run the kernel (AVX2+FMA, MOOD_KMEANS_FUSED not 0). */
int mood__km_fused_cpu(void);
size_t mood__km_fused_kp(size_t k);
void mood__km_fused_pack(const float *c, size_t k, size_t d, float *ctp, float *cnp,
                         const float *cnorm);
/* Dt (k×b) = −2·c·xᵀ with the fused kernel's chains (mood__km_dots_block_t when fused). */
void mood__km_fused_dots_t(const km_centres *cs, const float *x, size_t b, float *Dt);
/* Tests: force the fused kernel's form (-1 automatic, 0 portable fmaf, 1 AVX2, 2 AVX-512 if
 * the CPU has it); returns the previous setting. All forms give the same bits. */
int mood__km_fused_force(int isa);

/*
 * D[i*k + j] = ‖x_i − c_j‖² for the b rows at @p x (row stride d) through
 * ‖x‖² − 2x·c + ‖c‖², clamped at 0. @p xnorm holds the b rows' squared norms.
 */
void mood__km_dist_block(const km_centres *cs, const float *x, const float *xnorm, size_t b,
                         float *D);

/* Squared norms of n rows (float result, double accumulation). */
void mood__km_row_norms(const float *x, size_t n, size_t d, int n_threads, float *out);

/* Vectorised kernels (kernels.c, AVX2 and baseline clones chosen at load time). */
float mood__km_sqdist_v(const float *restrict a, const float *restrict b, size_t d);
/* Index of the smallest of D[0..k) (lowest index on ties), its value, and the second smallest
 * value (INFINITY when k = 1) when out_b2 is not NULL. */
size_t mood__km_argmin2(const float *restrict D, size_t k, float *out_b1, float *out_b2);
void mood__km_plain_block(const float *restrict x, size_t b, size_t d, const float *restrict ct,
                          size_t k, float *restrict D);
void mood__km_finish_block(float *restrict D, size_t b, size_t k, const float *restrict xnorm,
                           const float *restrict cnorm);
void mood__km_add_row(double *restrict s, const float *restrict x, size_t d);
/* Dot products of row x with L ≤ 8 candidate rows c (L×d) into out[L]. */
void mood__km_dots(const float *restrict x, size_t d, const float *restrict c, size_t L,
                   float *restrict out);
/* argmin over D[j] + cnorm[j] (D = −2x·c from mood__km_dots_block), returning the squared
 * distances (+ xn, clamped at 0) of the best and, when out_b2, the second best. */
size_t mood__km_argmin2c(const float *restrict D, const float *restrict cnorm, size_t k, float xn,
                         float *out_b1, float *out_b2);
/* D = −2·x·cᵀ for b rows (sgemm or plain): the part of ‖x − c‖² that needs the product. */
void mood__km_dots_block(const km_centres *cs, const float *x, size_t b, float *D);

/* Transposed block: Dt (k×b) = −2·c·xᵀ, by sgemm or the plain loop (xt: d×b scratch). */
void mood__km_dots_block_t(const km_centres *cs, const float *x, size_t b, float *xt, float *Dt);
void mood__km_plain_block_t(const float *restrict x, size_t b, size_t d, const float *restrict c,
                            size_t k, float *restrict xt, float *restrict Dt);
/* Per data row of Dt: best centre, its squared distance, second-best distance (b2 may be NULL). */
void mood__km_argmin_t(const float *restrict Dt, const float *restrict cn, size_t k, size_t b,
                       const float *restrict xn, int32_t *restrict lab, float *restrict b1,
                       float *restrict b2);

/* Tests: force the portable argmin even where AVX2 is present (1), or not (0). */
void mood__km_force_scalar(int on);

/* ‖a − b‖² over d floats (eight-lane float accumulation). */
static inline float mood__km_sqdist(const float *restrict a, const float *restrict b, size_t d)
{
    return mood__km_sqdist_v(a, b, d);
}

/*
 * OpenBLAS here is the pthread build: it must run single-threaded inside our OpenMP regions
 * (each thread calls sgemm on its own block). Returns the previous setting for restore.
 */
int mood__blas_threads_single(void);
void mood__blas_threads_restore(int saved);

/* First row/column holding NaN or Inf, MOOD_EINVAL naming it; MOOD_OK when all finite. */
mood_status mood__check_finite(const char *what, const float *x, size_t n, size_t d, int n_threads);

/*
 * Weighted greedy k-means++ on a small set (k-means|| candidates, mini-batch init):
 * @p w may be NULL (all 1). Sequential; m is small.
 */
mood_status mood__kmeans_pp_weighted(const float *x, const double *w, size_t m, size_t d, size_t k,
                                     mood_rng *rng, float *out);

/* ---- seeding pieces shared with the distributed k-means (src/mpi/kmeans.c) ---- */
/*
 * Squared distance through ‖x‖² − 2x·c + ‖c‖² (as scikit-learn computes it), the dot product
 * from mood__km_dots so that one candidate gives the same value alone or among others.
 */
static inline float mood__km_dist_from_dot(float xn, float cn, float dot)
{
    float v = xn + cn - 2.0f * dot;
    return v > 0.0f ? v : 0.0f;
}
/* ‖c‖² of one row (double accumulation). */
float mood__km_sqnorm(const float *c, size_t d);
/*
 * D² sampling over chunked potentials: the chunk c holding cumulative potential @p r (the
 * last when r is beyond the total); *acc receives the potential of chunks [0, c).
 */
size_t mood__km_pot_chunk(const double *chunk_pot, size_t count, double r, double *acc);
/* splitmix64's finaliser of @p z as a uniform in [0, 1). */
double mood__km_mix_unit(uint64_t z);
/* A uniform in [0, 1) per (seed, round, row), thread- and rank-independent (k-means||). */
double mood__km_hash_uniform(uint64_t seed, uint64_t round, uint64_t row);
/*
 * A few weighted Lloyd steps on the k-means|| candidates @p c (m×d, weights @p w): the
 * candidates stand for the rows nearest to them, so this refines the seeds @p centres (k×d,
 * in place) at the cost of m·k·d per step (m ≈ 10k).
 */
mood_status mood__km_weighted_lloyd(const float *c, const double *w, size_t m, size_t d, size_t k,
                                    float *centres);

/* ---- Lloyd pieces shared with the distributed k-means ---- */
/* Largest and second largest centre shift of a step (the Hamerly bounds' update). */
typedef struct km_shifts {
    float max1, max2;
    size_t max1_idx;
} km_shifts;
/*
 * New centres @p c (k×d) from @p sum (k×d sums then k counts; a centre with count 0 stays),
 * the old ones saved in @p c_old; shift[j] = ‖Δc_j‖ rounded up a little so that float bounds
 * stay conservative. Returns Σ‖Δc‖².
 */
double mood__km_move_centres(const double *sum, size_t k, size_t d, float *c, float *c_old,
                             float *shift, km_shifts *mx);
/* Index of the largest of v[0..n) (lowest on ties; 0 when n = 0), its value in *out_v (−1
 * when n = 0): the row an empty cluster takes. */
size_t mood__km_farthest(const float *v, size_t n, float *out_v);
/* Empty cluster j takes the row @p xf from cluster @p old in @p sum (k×d sums, then k counts). */
void mood__km_take_row(double *sum, size_t k, size_t d, size_t old, size_t j, const float *xf);
/* s_half[j]: half the distance from centre j to its nearest other centre (slightly shrunk). */
void mood__km_centre_gaps(const float *c, size_t k, size_t d, float *s_half);

/* k-means seeding (kmeans_seed.c) from a caller's RNG: shared by mood_kmeans_seed() and
 * mood_kmeans_fit(), which keeps one RNG across restarts. @p out is k×d. */
mood_status mood__kmeans_seed_rng(const float *x, size_t n, size_t d, size_t k,
                                  mood_kmeans_init init, mood_rng *rng, int nt, float *out);

#endif
