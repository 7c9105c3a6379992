#define _POSIX_C_SOURCE 200809L
#include "test_util.h"

#include <moodscope/rng.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void mood_test_assert_near(double a, double b, double rtol, double atol, const char *ea,
                           const char *eb, const char *file, int line)
{
    double tol = atol + rtol * fabs(b);
    if (!(fabs(a - b) <= tol) && !(isnan(a) && isnan(b))) {
        print_error("%s:%d: %s = %.9g, expected %s = %.9g (tol %.3g)\n", file, line, ea, a, eb, b,
                    tol);
        fail();
    }
}

void mood_test_assert_ok(mood_status s, const char *expr, const char *file, int line)
{
    if (s != MOOD_OK) {
        print_error("%s:%d: %s returned %s: %s\n", file, line, expr, mood_status_name(s),
                    mood_last_error());
        fail();
    }
}

const char *mood_test_tmpdir(const char *name)
{
    static char buf[8][1024];
    static int slot;
    const char *base = getenv("MOOD_TEST_TMP");
    char *p = buf[slot++ % 8];
    char cmd[2100];
    if (!base || !base[0])
        base = "/tmp/moodscope-tests";
    snprintf(p, 1024, "%s/%s-%ld", base, name, (long)getpid());
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", p, p);
    if (system(cmd) != 0) {
        print_error("cannot create %s\n", p);
        fail();
    }
    return p;
}

const char *mood_test_dataset(const char *rel)
{
    static char buf[8][1024];
    static int slot;
    const char *shared = getenv("MOOD_SHARED_DIR");
    char *p = buf[slot++ % 8];
    struct stat st;
    if (!shared || !shared[0])
        shared = "../shared";
    snprintf(p, 1024, "%s/datasets/%s", shared, rel);
    if (stat(p, &st) != 0) {
        printf("SKIP: dataset %s not found (needs ../shared beside the checkout)\n", p);
        return NULL;
    }
    return p;
}

void mood_test_blobs(uint64_t seed, size_t n, size_t d, size_t k, float spread, float sigma,
                     float *out_x, int32_t *out_truth)
{
    mood_rng r;
    float *centres = malloc(k * d * sizeof(float));
    mood_rng_seed(&r, seed);
    for (size_t c = 0; c < k * d; c++)
        centres[c] = (float)((2.0 * mood_rng_uniform(&r) - 1.0) * (double)spread);
    for (size_t i = 0; i < n; i++) {
        size_t c = i % k;
        for (size_t j = 0; j < d; j++)
            out_x[i * d + j] = centres[c * d + j] + (float)((double)sigma * mood_rng_normal(&r));
        if (out_truth)
            out_truth[i] = (int32_t)c;
    }
    free(centres);
}

static long fail_at;
static long alloc_count;

static int should_fail(void)
{
    alloc_count++;
    return fail_at > 0 && alloc_count >= fail_at;
}
static void *t_malloc(size_t n)
{
    return should_fail() ? NULL : malloc(n);
}
static void *t_realloc(void *p, size_t n)
{
    return should_fail() ? NULL : realloc(p, n);
}
static void *t_calloc(size_t a, size_t b)
{
    return should_fail() ? NULL : calloc(a, b);
}

void mood_test_fail_alloc_after(long n)
{
    fail_at = n;
    alloc_count = 0;
    if (n > 0)
        mood_set_allocator(t_malloc, t_realloc, t_calloc, free);
    else
        mood_set_allocator(NULL, NULL, NULL, NULL);
}

long mood_test_alloc_count(void)
{
    return alloc_count;
}
