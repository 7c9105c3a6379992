/*
 * Private pieces of the k-means engine shared by kmeans.c, kmeans_seed.c, minibatch.c, gmm.c
 * and spectral.c: thread-count helpers, the fused assignment kernel and the seeding entry.
 * What the distributed k-means (src/mpi) also calls is the engine-level API kmeans_step.h.
 */
#ifndef MOOD_KMEANS_INTERNAL_H
#define MOOD_KMEANS_INTERNAL_H

#include "kmeans_step.h"

#include <moodscope/kmeans.h>
#include <moodscope/rng.h>

#include <stddef.h>
#include <stdint.h>

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

/* D = −2·x·cᵀ for b rows (sgemm or plain): the part of ‖x − c‖² that needs the product. */
void mood__km_dots_block(const km_centres *cs, const float *x, size_t b, float *D);

/* First row/column holding NaN or Inf, MOOD_EINVAL naming it; MOOD_OK when all finite. */
mood_status mood__check_finite(const char *what, const float *x, size_t n, size_t d, int n_threads);

/* k-means seeding (kmeans_seed.c) from a caller's RNG: shared by mood_kmeans_seed() and
 * mood_kmeans_fit(), which keeps one RNG across restarts. @p out is k×d. */
mood_status mood__kmeans_seed_rng(const float *x, size_t n, size_t d, size_t k,
                                  mood_kmeans_init init, mood_rng *rng, int nt, float *out);

#endif
