/*
 * Processor feature detection, done once per process. __builtin_cpu_supports reads the table
 * libgcc fills at load time; asking through one pthread_once keeps the answer in one place and
 * makes the first call from several threads safe.
 */
#include "cpu.h"

#include <pthread.h>

static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;
static unsigned cpu_bits;

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
