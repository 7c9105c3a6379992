/*
 * The one run-time SIMD dispatch of the library (private, never installed). The processor is
 * asked once (pthread_once) and every kernel family (the distance kernels of dist.h used by
 * k-means, DBSCAN, the silhouette and the HNSW index, and the k-means fused tiles) branches on
 * the same level, mood__simd(), so a process never mixes kernels picked on different grounds.
 * The portable code stays the reference: tests force it with mood__simd_force(), and
 * MOOD_SIMD=portable in the environment (read once) does the same for a whole process.
 */
#ifndef MOOD_CORE_CPU_H
#define MOOD_CORE_CPU_H

#include <stdatomic.h>

enum {
    MOOD_CPU_AVX2 = 1u << 0,
    MOOD_CPU_FMA = 1u << 1,
    MOOD_CPU_AVX512F = 1u << 2,
};

/* Bit set of MOOD_CPU_* the processor supports (0 off x86-64 or without GCC builtins). */
unsigned mood__cpu_features(void);
/* Non-zero when every feature in @p mask is supported. */
int mood__cpu_has(unsigned mask);

/* Kernel levels, each including the ones below. */
typedef enum mood_simd_level {
    MOOD_SIMD_PORTABLE = 0, /* plain C, the reference */
    MOOD_SIMD_AVX2 = 1,     /* AVX2 and FMA */
    MOOD_SIMD_AVX512 = 2    /* AVX2, FMA and AVX-512F */
} mood_simd_level;
/*
 * The level the processor supports (MOOD_SIMD_PORTABLE with MOOD_SIMD=portable, off x86-64,
 * or in a MOOD_NO_CLONES build such as ThreadSanitizer's), ignoring mood__simd_force().
 */
mood_simd_level mood__simd_cpu(void);
/* The level every kernel dispatches on: mood__simd_cpu(), or lower when forced. */
mood_simd_level mood__simd(void);
/* Tests: use at most @p level (-1: as detected); returns the previous setting. Not
 * thread-safe: call it while no kernel runs. */
int mood__simd_force(int level);

/*
 * The hot-path form of mood__simd() for kernels called once per row: the current level as a
 * relaxed atomic load (no call), -1 until the first mood__simd() has detected it.
 */
extern _Atomic int mood__simd_now;
static inline int mood__simd_fast(void)
{
    int l = atomic_load_explicit(&mood__simd_now, memory_order_relaxed);
    return l >= 0 ? l : (int)mood__simd();
}

#endif
