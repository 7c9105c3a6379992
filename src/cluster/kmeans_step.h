/*
 * The k-means engine's steps, as an engine-level API for the distributed k-means (src/mpi):
 * the fixed row chunking, the centres prepared for the row × centre distance block, the
 * seeding pieces (k-means++ / k-means|| potentials, candidate weighting) and the Lloyd pieces
 * (centre update, empty clusters, Hamerly gaps). One process and many ranks call the same
 * functions in the same chunk order, which is what makes `mpirun -n N` give the bits of one
 * process. Declared as API of cluster in CMakeLists.txt; never installed. What only the
 * single-process fit uses stays in kmeans_internal.h.
 */
#ifndef MOOD_KMEANS_STEP_H
#define MOOD_KMEANS_STEP_H

#include "../core/dist.h" /* the distance kernels the steps use */

#include <moodscope/cluster.h>
#include <moodscope/kmeans.h>
#include <moodscope/rng.h>

#include <stddef.h>
#include <stdint.h>

/* ---- chunking ---- */
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

/* ---- the distance block ---- */
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
 * D[i*k + j] = ‖x_i − c_j‖² for the b rows at @p x (row stride d) through
 * ‖x‖² − 2x·c + ‖c‖², clamped at 0. @p xnorm holds the b rows' squared norms.
 */
void mood__km_dist_block(const km_centres *cs, const float *x, const float *xnorm, size_t b,
                         float *D);

/* Squared norms of n rows (float result, double accumulation). */
void mood__km_row_norms(const float *x, size_t n, size_t d, int n_threads, float *out);

/* Transposed block: Dt (k×b) = −2·c·xᵀ, by sgemm or the plain loop (xt: d×b scratch). */
void mood__km_dots_block_t(const km_centres *cs, const float *x, size_t b, float *xt, float *Dt);

/* ---- seeding ---- */
/*
 * Weighted greedy k-means++ on a small set (k-means|| candidates, mini-batch init):
 * @p w may be NULL (all 1). Sequential; m is small.
 */
mood_status mood__kmeans_pp_weighted(const float *x, const double *w, size_t m, size_t d, size_t k,
                                     mood_rng *rng, float *out);

/*
 * Squared distance through ‖x‖² − 2x·c + ‖c‖² (as scikit-learn computes it), the dot product
 * from mood__dots_f32 so that one candidate gives the same value alone or among others.
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

/* ---- Lloyd ---- */
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

/*
 * A fitted k-means model behind the opaque handle: @p k×@p d centroids (copied), the
 * iterations and the inertia of the fit that produced them (params as fitted).
 */
mood_status mood__kmeans_model(const mood_cluster_params *p, const float *centroids, size_t k,
                               size_t d, size_t n_iter, double inertia, mood_cluster_model **out);

#endif
