/*
 * The BS.1770 / EBU R128 meter (loudness.c) against the EBU Tech 3341 and 3342 cases that
 * can be synthesised, and against libebur128 as an oracle on a music-like signal.
 */
#include "audio_internal.h"
#include "core/internal.h"
#include "synth.h"
#include "test_util.h"

#include <ebur128.h>
#include <string.h>

/* Stereo 1 kHz sine segments: (level dBFS, seconds) pairs at @p rate; returns frames. */
static float *segments(const double *spec, int nseg, int rate, size_t *out_n)
{
    size_t n = 0;
    for (int s = 0; s < nseg; s++)
        n += (size_t)(spec[2 * s + 1] * rate);
    float *x = calloc(2 * n, sizeof(float));
    size_t at = 0;
    for (int s = 0; s < nseg; s++) {
        double a = pow(10.0, spec[2 * s] / 20.0);
        size_t len = (size_t)(spec[2 * s + 1] * rate);
        for (size_t i = 0; i < len; i++, at++)
            x[2 * at] = x[2 * at + 1] = (float)(a * sin(2.0 * M_PI * 1000.0 * (double)at / rate));
    }
    *out_n = n;
    return x;
}

static void meter(const float *x, size_t n, int ch, int rate, double *lufs, double *lra, double *tp)
{
    an_loud L;
    mood__loud_begin(&L, rate, ch);
    /* Feed in uneven blocks to exercise the block joins. */
    for (size_t i = 0; i < n;) {
        size_t k = MOOD_MIN(n - i, 777 + i % 5000);
        MOOD_ASSERT_OK(mood__loud_push(&L, x + i * (size_t)ch, k));
        i += k;
    }
    mood__loud_result(&L, lufs, lra, tp);
    mood__loud_free(&L);
}

static void test_tech3341(void **state)
{
    (void)state;
    static const struct {
        double spec[10];
        int nseg;
        double expect;
    } cases[] = {
        {{-23, 20}, 1, -23.0},                                     /* case 1 */
        {{-33, 20}, 1, -33.0},                                     /* case 2 */
        {{-36, 10, -23, 60, -36, 10}, 3, -23.0},                   /* case 3 */
        {{-72, 10, -36, 10, -23, 60, -36, 10, -72, 10}, 5, -23.0}, /* case 4 */
    };
    for (int rate = 44100; rate <= 48000; rate += 3900)
        for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
            size_t n;
            double lufs, lra, tp;
            float *x = segments(cases[c].spec, cases[c].nseg, rate, &n);
            meter(x, n, 2, rate, &lufs, &lra, &tp);
            MOOD_ASSERT_NEAR(lufs, cases[c].expect, 0.0, 0.1);
            free(x);
        }
}

static void test_tech3342_lra(void **state)
{
    (void)state;
    static const double c1[] = {-20, 20, -30, 20}, c2[] = {-20, 20, -15, 20},
                        c3[] = {-40, 20, -20, 20};
    static const double *specs[] = {c1, c2, c3};
    static const double expect[] = {10.0, 5.0, 20.0};
    for (int c = 0; c < 3; c++) {
        size_t n;
        double lufs, lra, tp;
        float *x = segments(specs[c], 2, 48000, &n);
        meter(x, n, 2, 48000, &lufs, &lra, &tp);
        MOOD_ASSERT_NEAR(lra, expect[c], 0.0, 1.0);
        free(x);
    }
}

static void test_true_peak(void **state)
{
    (void)state;
    /* A sine at a quarter of the rate sampled 45 degrees off its crest: samples at 0.707 of
     * the true amplitude. Amplitude 0.5: true peak -6.02 dBTP, sample peak -9.03 dBFS. */
    const int rate = 48000;
    size_t n = 5 * (size_t)rate;
    float *x = calloc(2 * n, sizeof(float));
    for (size_t i = 0; i < n; i++)
        x[2 * i] = x[2 * i + 1] = (float)(0.5 * sin(M_PI / 2 * (double)i + M_PI / 4));
    double lufs, lra, tp;
    meter(x, n, 2, rate, &lufs, &lra, &tp);
    MOOD_ASSERT_NEAR(20 * log10(tp), -6.02, 0.0, 0.4);
    free(x);
}

static void test_against_libebur128(void **state)
{
    (void)state;
    const int rate = 44100;
    size_t n1, n2;
    float *d = synth_drums(124, 0, 30.0, rate, &n1), *c = synth_progression(5, 0, 30.0, rate, &n2);
    size_t n = MOOD_MIN(n1, n2);
    float *x = calloc(2 * n, sizeof(float));
    for (size_t i = 0; i < n; i++) {
        /* Louder middle third so that the range is not trivial. */
        float g = (i > n / 3 && i < 2 * n / 3) ? 1.0f : 0.3f;
        x[2 * i] = g * (0.6f * d[i] + 0.4f * c[i]);
        x[2 * i + 1] = g * (0.3f * d[i] + 0.7f * c[i]);
    }
    double lufs, lra, tp, ref_i, ref_lra, ref_tp = 0, p;
    meter(x, n, 2, rate, &lufs, &lra, &tp);
    ebur128_state *e =
        ebur128_init(2, rate, EBUR128_MODE_I | EBUR128_MODE_LRA | EBUR128_MODE_TRUE_PEAK);
    ebur128_add_frames_float(e, x, n);
    ebur128_loudness_global(e, &ref_i);
    ebur128_loudness_range(e, &ref_lra);
    for (unsigned ch = 0; ch < 2; ch++)
        if (ebur128_true_peak(e, ch, &p) == EBUR128_SUCCESS && p > ref_tp)
            ref_tp = p;
    ebur128_destroy(&e);
    print_message("moodscope I %.3f LRA %.2f TP %.3f | libebur128 I %.3f LRA %.2f TP %.3f\n", lufs,
                  lra, 20 * log10(tp), ref_i, ref_lra, 20 * log10(ref_tp));
    MOOD_ASSERT_NEAR(lufs, ref_i, 0.0, 0.05);
    MOOD_ASSERT_NEAR(lra, ref_lra, 0.0, 0.5);
    MOOD_ASSERT_NEAR(20 * log10(tp), 20 * log10(ref_tp), 0.0, 0.3);
    free(x);
    free(d);
    free(c);
}

static void test_silence(void **state)
{
    (void)state;
    float x[2 * 48000] = {0};
    double lufs, lra, tp;
    meter(x, 48000, 2, 48000, &lufs, &lra, &tp);
    assert_true(isinf(lufs) && lufs < 0); /* all blocks gated out */
    assert_true(lra == 0.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tech3341),  cmocka_unit_test(test_tech3342_lra),
        cmocka_unit_test(test_true_peak), cmocka_unit_test(test_against_libebur128),
        cmocka_unit_test(test_silence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
