/**
 * @file rng.h
 * @brief Seeded pseudo-random numbers (xoshiro256**, seeded through splitmix64).
 *
 * The generator is a small value type so that algorithms can keep one per object or per thread;
 * every random choice in libmoodscope comes from one of these, never from rand().
 * Reference: Blackman & Vigna, "Scrambled linear pseudorandom number generators", 2021.
 */
#ifndef MOODSCOPE_RNG_H
#define MOODSCOPE_RNG_H

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Generator state; copy it to fork a stream. */
typedef struct mood_rng {
    uint64_t s[4];
} mood_rng;

/** @brief Seed @p r from @p seed; equal seeds give equal streams on every platform. */
MOOD_API void mood_rng_seed(mood_rng *r, uint64_t seed);
/** @brief Next 64 random bits. */
MOOD_API uint64_t mood_rng_next(mood_rng *r);
/** @brief Uniform double in [0, 1). */
MOOD_API double mood_rng_uniform(mood_rng *r);
/** @brief Uniform integer in [0, n); @p n must be > 0. Unbiased (rejection). */
MOOD_API uint64_t mood_rng_below(mood_rng *r, uint64_t n);
/** @brief Standard normal deviate (Box-Muller, no cached second value). */
MOOD_API double mood_rng_normal(mood_rng *r);
/** @brief Fisher-Yates shuffle of @p n indices in place. */
MOOD_API void mood_rng_shuffle(mood_rng *r, size_t *idx, size_t n);

#ifdef __cplusplus
}
#endif
#endif
