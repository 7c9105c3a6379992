/*
 * The one run-time SIMD dispatch of the library (private, never installed). The processor is
 * asked once (pthread_once) and every kernel family (k-means assignment and fused tiles, the
 * argmin kernels, DBSCAN/silhouette distances, the HNSW index) reads the same answer, so a
 * process never mixes kernels picked on different grounds. Each family keeps its own test or
 * environment switch to force its portable version; the portable code stays the reference.
 */
#ifndef MOOD_CORE_CPU_H
#define MOOD_CORE_CPU_H

enum {
    MOOD_CPU_AVX2 = 1u << 0,
    MOOD_CPU_FMA = 1u << 1,
    MOOD_CPU_AVX512F = 1u << 2,
};

/* Bit set of MOOD_CPU_* the processor supports (0 off x86-64 or without GCC builtins). */
unsigned mood__cpu_features(void);
/* Non-zero when every feature in @p mask is supported. */
int mood__cpu_has(unsigned mask);

#endif
