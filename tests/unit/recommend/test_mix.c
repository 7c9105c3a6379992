/*
 * Known answers for the mix renderer's beat estimator: synthetic click tracks at known tempo
 * and first beat, with and without a steady tone underneath.
 */
#include "test_util.h"

#include <moodscope/mix.h>

#include <math.h>
#include <stdlib.h>

/* Stereo clicks (5 ms bursts of 1 kHz) every 60/bpm s from first_s, over a 220 Hz tone. */
static float *clicks(double bpm, double first_s, double seconds, int rate, size_t *frames)
{
    size_t n = (size_t)(seconds * rate);
    float *x = calloc(2 * n, sizeof *x);
    double period = 60.0 / bpm;
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / rate, ph = fmod(t - first_s, period);
        double v = 0.2 * sin(2.0 * M_PI * 220.0 * t);
        if (t >= first_s && ph < 0.005)
            v += 0.8 * sin(2.0 * M_PI * 1000.0 * t);
        x[2 * i] = x[2 * i + 1] = (float)v;
    }
    *frames = n;
    return x;
}

static void check_tempo(double bpm, double first)
{
    size_t n;
    double got_bpm, got_first;
    float *x = clicks(bpm, first, 20.0, 44100, &n);
    MOOD_ASSERT_OK(mood_mix_estimate_beats(x, n, 44100, &got_bpm, &got_first));
    MOOD_ASSERT_NEAR(got_bpm, bpm, 0.01, 0.0);
    /* the estimator returns the grid's phase: the first click modulo the beat period */
    {
        double period = 60.0 / bpm, want = fmod(first, period), d = fabs(got_first - want);
        if (d > period / 2)
            d = period - d;
        MOOD_ASSERT_NEAR(d, 0.0, 0.0, 0.012);
    }
    free(x);
}

static void test_estimate_120(void **state)
{
    (void)state;
    check_tempo(120.0, 0.5);
}

static void test_estimate_95(void **state)
{
    (void)state;
    check_tempo(95.0, 0.23);
}

static void test_estimate_140(void **state)
{
    (void)state;
    check_tempo(140.0, 0.1);
}

static void test_errors(void **state)
{
    (void)state;
    size_t n;
    double b, f;
    float *x = clicks(120.0, 0.5, 2.0, 44100, &n);
    mood_mix_options o;
    mood_mix_info info;
    assert_int_equal(mood_mix_estimate_beats(x, n, 44100, &b, &f), MOOD_EINVAL);
    free(x);
    mood_mix_options_default(&o);
    assert_int_equal(
        mood_mix_render("/nonexistent/a.ogg", "/nonexistent/b.ogg", &o, "/tmp/x.wav", &info),
        MOOD_EIO);
    o.beats = 0;
    assert_int_equal(mood_mix_render("a", "b", &o, "/tmp/x.wav", &info), MOOD_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_estimate_120),
        cmocka_unit_test(test_estimate_95),
        cmocka_unit_test(test_estimate_140),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
