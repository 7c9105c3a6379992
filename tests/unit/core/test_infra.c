/* The one-of-each infrastructure of src/core: FNV-1a, the clocks and the CPU feature answer. */
#include "test_util.h"

#include "clock.h"
#include "cpu.h"
#include "hash.h"
#include "internal.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Published FNV-1a 64 test vectors (draft-eastlake-fnv, fnv test suite). */
static void test_fnv1a_vectors(void **state)
{
    (void)state;
    assert_true(mood__fnv1a("", 0, MOOD_FNV_OFFSET) == 0xcbf29ce484222325ULL);
    assert_true(mood__fnv1a("a", 1, MOOD_FNV_OFFSET) == 0xaf63dc4c8601ec8cULL);
    assert_true(mood__fnv1a("foobar", 6, MOOD_FNV_OFFSET) == 0x85944171f73967e8ULL);
    assert_true(mood__fnv1a_str("foobar") == 0x85944171f73967e8ULL);
    /* Chaining over pieces equals one pass over the whole. */
    uint64_t h = mood__fnv1a("foo", 3, MOOD_FNV_OFFSET);
    assert_true(mood__fnv1a("bar", 3, h) == 0x85944171f73967e8ULL);
}

/* Report names of `analyze --reports` keep the seed they were first written with. */
static void test_fnv1a_report_seed(void **state)
{
    (void)state;
    const char *p = "/tmp/tidy15/audio/a.wav";
    assert_true(MOOD_FNV_OFFSET_REPORTS == 1469598103934665603ULL);
    assert_int_equal((unsigned)(mood__fnv1a(p, strlen(p), MOOD_FNV_OFFSET_REPORTS) & 0xffffffffu),
                     0xa8764ad9u);
}

static void test_clocks(void **state)
{
    (void)state;
    double a = mood__now(), b = mood__now();
    assert_true(b >= a);
    double c0 = mood__cpu_seconds();
    volatile double x = 0;
    for (int i = 0; i < 2000000; i++)
        x += (double)i * 1e-9;
    assert_true(x > 0.0);
    assert_true(mood__cpu_seconds() >= c0);
    char iso[32], compact[32];
    mood__utc_now(iso, sizeof iso, compact, sizeof compact);
    assert_int_equal(strlen(iso), 20);
    assert_int_equal(iso[10], 'T');
    assert_int_equal(iso[19], 'Z');
    assert_int_equal(strlen(compact), 16);
    assert_int_equal(compact[8], 'T');
    mood__utc_now(NULL, 0, NULL, 0); /* both buffers optional */
}

/* mood__utc_seconds is timegm() without the environment: the same seconds for every day from
 * 1900 to 2199 at a few clock times, including a day and a second past their ends. */
static void test_utc_seconds(void **state)
{
    (void)state;
    static const int hms[][3] = {{0, 0, 0}, {12, 34, 56}, {23, 59, 60}};
    for (int y = 1900; y < 2200; y++)
        for (int mo = 1; mo <= 12; mo++)
            for (int d = 1; d <= 32; d += 3)
                for (size_t k = 0; k < sizeof hms / sizeof *hms; k++) {
                    struct tm tm;
                    memset(&tm, 0, sizeof tm);
                    tm.tm_year = y - 1900;
                    tm.tm_mon = mo - 1;
                    tm.tm_mday = d;
                    tm.tm_hour = hms[k][0];
                    tm.tm_min = hms[k][1];
                    tm.tm_sec = hms[k][2];
                    assert_int_equal(mood__utc_seconds(y, mo, d, hms[k][0], hms[k][1], hms[k][2]),
                                     (int64_t)timegm(&tm));
                }
    assert_int_equal(mood__days_from_civil(1970, 1, 1), 0);
    assert_int_equal(mood__days_from_civil(2000, 3, 1), 11017);
}

static void *ask_cpu(void *out)
{
    *(unsigned *)out = mood__cpu_features();
    return NULL;
}

/* One answer for every thread, equal to the compiler's own query. */
static void test_cpu_features(void **state)
{
    (void)state;
    unsigned seen[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, ask_cpu, &seen[i]), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    unsigned f = mood__cpu_features();
    for (int i = 0; i < 4; i++)
        assert_int_equal(seen[i], f);
#if defined(__GNUC__) && defined(__x86_64__)
    assert_int_equal(mood__cpu_has(MOOD_CPU_AVX2), __builtin_cpu_supports("avx2") ? 1 : 0);
    assert_int_equal(mood__cpu_has(MOOD_CPU_AVX2 | MOOD_CPU_FMA),
                     __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1 : 0);
    assert_int_equal(mood__cpu_has(MOOD_CPU_AVX512F), __builtin_cpu_supports("avx512f") ? 1 : 0);
#else
    assert_int_equal(f, 0);
#endif
    assert_int_equal(mood__cpu_has(0), 1);
}

/* An allocator whose realloc always fails (the others are the C library's). */
static void *null_realloc(void *p, size_t n)
{
    (void)p;
    (void)n;
    return NULL;
}

/* The growable-array step: doubling from the first capacity, overflow refused, and on an
 * allocation failure the block and the capacity stay as they were. */
static void test_grow(void **state)
{
    (void)state;
    size_t cap = 0;
    int *v = mood__grow(NULL, &cap, 1, sizeof *v, 8);
    assert_non_null(v);
    assert_int_equal(cap, 8);
    assert_ptr_equal(mood__grow(v, &cap, 8, sizeof *v, 8), v); /* enough room: unchanged */
    v = mood__grow(v, &cap, 9, sizeof *v, 8);
    assert_non_null(v);
    assert_int_equal(cap, 16);
    v = mood__grow(v, &cap, 100, sizeof *v, 8);
    assert_int_equal(cap, 128);
    v[127] = 7;
    assert_null(mood__grow(v, &cap, SIZE_MAX / 2, sizeof *v, 8));
    assert_int_equal(cap, 128);
    MOOD_ASSERT_OK(mood_set_allocator(malloc, null_realloc, calloc, free));
    assert_null(mood__grow(v, &cap, 129, sizeof *v, 8));
    assert_int_equal(cap, 128);
    assert_int_equal(v[127], 7);
    MOOD_ASSERT_OK(mood_set_allocator(NULL, NULL, NULL, NULL));
    mood__free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fnv1a_vectors), cmocka_unit_test(test_fnv1a_report_seed),
        cmocka_unit_test(test_clocks),        cmocka_unit_test(test_cpu_features),
        cmocka_unit_test(test_grow),          cmocka_unit_test(test_utc_seconds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
