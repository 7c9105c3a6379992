/*
 * Processor feature detection and the SIMD level, done once per process. __builtin_cpu_supports
 * reads the table libgcc fills at load time; asking through one pthread_once keeps the answer
 * in one place and makes the first call from several threads safe.
 */
#include "cpu.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;
static unsigned cpu_bits;
static mood_simd_level cpu_level;
static int forced = -1;
_Atomic int mood__simd_now = -1;

static int level_now(void)
{
    return forced >= 0 && forced < (int)cpu_level ? forced : (int)cpu_level;
}

static void cpu_detect(void)
{
    unsigned bits = 0;
#if defined(__GNUC__) && defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2"))
        bits |= MOOD_CPU_AVX2;
    if (__builtin_cpu_supports("fma"))
        bits |= MOOD_CPU_FMA;
    if (__builtin_cpu_supports("avx512f"))
        bits |= MOOD_CPU_AVX512F;
#endif
    cpu_bits = bits;
    mood_simd_level level = MOOD_SIMD_PORTABLE;
    if ((bits & (MOOD_CPU_AVX2 | MOOD_CPU_FMA)) == (MOOD_CPU_AVX2 | MOOD_CPU_FMA))
        level = bits & MOOD_CPU_AVX512F ? MOOD_SIMD_AVX512 : MOOD_SIMD_AVX2;
#ifdef MOOD_NO_CLONES
    level = MOOD_SIMD_PORTABLE;
#endif
    const char *e = getenv("MOOD_SIMD");
    if (e && strcmp(e, "portable") == 0)
        level = MOOD_SIMD_PORTABLE;
    cpu_level = level;
    atomic_store_explicit(&mood__simd_now, level_now(), memory_order_relaxed);
}

unsigned mood__cpu_features(void)
{
    pthread_once(&cpu_once, cpu_detect);
    return cpu_bits;
}

int mood__cpu_has(unsigned mask)
{
    return (mood__cpu_features() & mask) == mask;
}

mood_simd_level mood__simd_cpu(void)
{
    pthread_once(&cpu_once, cpu_detect);
    return cpu_level;
}

mood_simd_level mood__simd(void)
{
    pthread_once(&cpu_once, cpu_detect);
    return (mood_simd_level)level_now();
}

int mood__simd_force(int level)
{
    pthread_once(&cpu_once, cpu_detect);
    int old = forced;
    forced = level;
    atomic_store_explicit(&mood__simd_now, level_now(), memory_order_relaxed);
    return old;
}
