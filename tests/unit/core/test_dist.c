/*
 * The distance kernel module (core/dist.h) and its one SIMD dispatch (core/cpu.h): every
 * kernel whose AVX2 form is documented as exact gives the same bits as the portable form
 * (forced through mood__simd_force), for dimensions around the 8-lane blocks and with ties;
 * and the per-thread scratch helper reports a failed allocation in the region's flag.
 */
#include "test_util.h"

#include "cpu.h"
#include "dist.h"
#include "internal.h"

#include <moodscope/rng.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static float *rand_rows(size_t n, size_t d, uint64_t seed)
{
    mood_rng r;
    mood_rng_seed(&r, seed);
    float *x = malloc(n * d * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < n * d; i++)
        x[i] = (float)(mood_rng_uniform(&r) * 4.0 - 2.0);
    return x;
}

/* Runs every exact kernel on the same inputs; out receives all results in one buffer. */
static void run_kernels(const float *x, const float *c, size_t b, size_t k, size_t d, float *out)
{
    float *o = out;
    for (size_t i = 0; i < b; i++)
        for (size_t j = 0; j < k; j++) {
            *o++ = mood__sqdist_f32(x + i * d, c + j * d, d);
            *o++ = mood__dot_f32(x + i * d, c + j * d, d);
        }
    size_t L = k < 8 ? k : 8;
    for (size_t i = 0; i < b; i++, o += L)
        mood__dots_f32(x + i * d, d, c, L, o);
    float *ct = malloc(d * k * sizeof *ct), *xt = malloc(d * b * sizeof *xt);
    float *cn = malloc(k * sizeof *cn), *xn = malloc(b * sizeof *xn);
    assert_true(ct && xt && cn && xn);
    for (size_t j = 0; j < k; j++) {
        cn[j] = (float)mood__sqnorm_f64(c + j * d, d);
        for (size_t l = 0; l < d; l++)
            ct[l * k + j] = c[j * d + l];
    }
    for (size_t i = 0; i < b; i++)
        xn[i] = (float)mood__sqnorm_f64(x + i * d, d);
    mood__dots_plain(x, b, d, ct, k, o);
    for (size_t i = 0; i < b; i++) {
        float b1, b2;
        size_t best = mood__argmin2_norms(o + i * k, cn, k, xn[i], &b1, &b2);
        o[b * k + 3 * i] = (float)best;
        o[b * k + 3 * i + 1] = b1;
        o[b * k + 3 * i + 2] = b2;
    }
    mood__dots_finish(o, b, k, xn, cn);
    o += b * k + 3 * b;
    mood__dots_plain_t(x, b, d, c, k, xt, o);
    int32_t *lab = malloc(b * sizeof *lab);
    assert_non_null(lab);
    mood__argmin_cols(o, cn, k, b, xn, lab, o + k * b, o + k * b + b);
    for (size_t i = 0; i < b; i++)
        o[k * b + 2 * b + i] = (float)lab[i];
    o += k * b + 3 * b;
    float m1, m2;
    o[0] = (float)mood__argmin2(c, k * d, &m1, &m2);
    o[1] = m1;
    o[2] = m2;
    mood__dots_rows_f32(c, k, d, x, o + 3);
    free(ct);
    free(xt);
    free(cn);
    free(xn);
    free(lab);
}

static size_t out_len(size_t b, size_t k)
{
    return 2 * b * k + b * 8 + (b * k + 3 * b) + (k * b + 3 * b) + 3 + k;
}

static void test_portable_equals_avx2(void **state)
{
    (void)state;
    static const size_t dims[] = {1, 7, 8, 9, 16, 27, 32, 33};
    const size_t b = 21, k = 19;
    for (size_t t = 0; t < sizeof dims / sizeof dims[0]; t++) {
        const size_t d = dims[t];
        float *x = rand_rows(b, d, 1 + t), *c = rand_rows(k, d, 100 + t);
        memcpy(c + 5 * d, c + 2 * d, d * sizeof *c); /* a tie: the lower index must win */
        float *a = calloc(out_len(b, k), sizeof *a), *p = calloc(out_len(b, k), sizeof *p);
        assert_true(a && p);
        run_kernels(x, c, b, k, d, a);
        int was = mood__simd_force(MOOD_SIMD_PORTABLE);
        assert_int_equal(mood__simd(), MOOD_SIMD_PORTABLE);
        run_kernels(x, c, b, k, d, p);
        mood__simd_force(was);
        assert_memory_equal(a, p, out_len(b, k) * sizeof *a);
        free(x);
        free(c);
        free(a);
        free(p);
    }
}

/* The dispatch level never exceeds what the processor has and follows the forcing. */
static void test_simd_levels(void **state)
{
    (void)state;
    mood_simd_level cpu = mood__simd_cpu();
    if (cpu >= MOOD_SIMD_AVX2)
        assert_true(mood__cpu_has(MOOD_CPU_AVX2 | MOOD_CPU_FMA));
    assert_int_equal(mood__simd(), cpu);
    int was = mood__simd_force(MOOD_SIMD_AVX512); /* asking for more gives what there is */
    assert_int_equal(mood__simd(), cpu);
    mood__simd_force(MOOD_SIMD_PORTABLE);
    assert_int_equal(mood__simd(), MOOD_SIMD_PORTABLE);
    mood__simd_force(was);
    assert_int_equal(mood__simd(), cpu);
}

/* Double-accumulated sums are in index order: exactly the sequential loop. */
static void test_f64_sums(void **state)
{
    (void)state;
    float *x = rand_rows(2, 37, 7);
    double s = 0.0, q = 0.0;
    for (size_t l = 0; l < 37; l++) {
        double e = (double)x[l] - (double)x[37 + l];
        s += e * e;
        q += (double)x[l] * (double)x[l];
    }
    assert_true(mood__sqdist_f64(x, x + 37, 37) == s);
    assert_true(mood__sqnorm_f64(x, 37) == q);
    float fs = 0.0f, fd = 0.0f;
    for (size_t l = 0; l < 37; l++) {
        float t = x[l] - x[37 + l];
        fs += t * t;
        fd += x[l] * x[37 + l];
    }
    assert_true(mood__sqdist_seq_f32(x, x + 37, 37) == fs);
    assert_true(mood__dot_seq_f32(x, x + 37, 37) == fd);
    double acc[37] = {0};
    mood__add_row_f64(acc, x, 37);
    for (size_t l = 0; l < 37; l++)
        assert_true(acc[l] == (double)x[l]);
    free(x);
}

static int fail_after;
static void *failing_malloc(size_t n)
{
    return fail_after-- > 0 ? malloc(n) : NULL;
}

/* The scratch helper: count 0 is NULL without failure; a failed array sets the flag. */
static void test_scratch(void **state)
{
    (void)state;
    int failed = 0;
    const size_t sz[][2] = {{16, sizeof(float)}, {0, sizeof(double)}, {4, sizeof(int32_t)}};
    mood_scratch w;
    assert_int_equal(mood__scratch_alloc(&w, sz, 3, &failed), 1);
    assert_int_equal(failed, 0);
    assert_non_null(w.p[0]);
    assert_null(w.p[1]);
    assert_non_null(w.p[2]);
    mood__scratch_free(&w);
    fail_after = 1;
    MOOD_ASSERT_OK(mood_set_allocator(failing_malloc, realloc, calloc, free));
    assert_int_equal(mood__scratch_alloc(&w, sz, 3, &failed), 0);
    MOOD_ASSERT_OK(mood_set_allocator(NULL, NULL, NULL, NULL));
    assert_int_equal(failed, 1);
    assert_non_null(w.p[0]);
    assert_null(w.p[2]);
    mood__scratch_free(&w);
    failed = 0;
    assert_int_equal(mood__scratch_alloc(&w, sz, MOOD_SCRATCH_MAX + 1, &failed), 0);
    assert_int_equal(failed, 1);
    mood__scratch_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_portable_equals_avx2),
        cmocka_unit_test(test_simd_levels),
        cmocka_unit_test(test_f64_sums),
        cmocka_unit_test(test_scratch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
