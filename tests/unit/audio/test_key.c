/*
 * Key against known answers on synthesised harmonic tones: every one of the 24 keys playing a
 * cadential progression, the same music tuned to A = 435 Hz (key kept, tuning measured), a piece
 * that modulates from C major to E major halfway (two key segments), and the key-name helpers
 * (Open Key, Camelot, mood_audio_parse_key) round-tripping all 24 keys.
 */
#define _POSIX_C_SOURCE 200809L
#include "synth.h"
#include "test_util.h"

#include <moodscope/audio.h>

#include <stdio.h>
#include <string.h>

#define RATE 22050

static mood_audio_analyzer *az;

static int setup(void **state)
{
    (void)state;
    return mood_audio_analyzer_create(NULL, &az) == MOOD_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    mood_audio_analyzer_destroy(az);
    return 0;
}

/* A note of 6 decaying harmonics at MIDI @p midi with concert A at @p a4_hz. */
static void note(float *x, size_t n, size_t at, size_t len, int midi, double a4_hz, double amp)
{
    double f = a4_hz * pow(2.0, (midi - 69) / 12.0);
    for (size_t i = 0; i < len && at + i < n; i++) {
        double t = (double)i / RATE, env = fmin(1.0, t / 0.02) * exp(-t / 1.2), v = 0;
        for (int h = 1; h <= 6; h++)
            v += sin(2.0 * M_PI * f * h * t) / h;
        x[at + i] += (float)(amp * env * v);
    }
}

/*
 * Cadential progression in @p key / @p major from second @p t0 for @p seconds: I-IV-V-I
 * (i-iv-V-i with the raised leading tone in minor), triads around middle C, root in the bass,
 * one chord per second.
 */
static void progression(float *x, size_t n, double t0, double seconds, int key, int major,
                        double a4_hz)
{
    static const int maj[4][3] = {{0, 4, 7}, {5, 9, 12}, {7, 11, 14}, {0, 4, 7}};
    static const int min[4][3] = {{0, 3, 7}, {5, 8, 12}, {7, 11, 14}, {0, 3, 7}};
    int base = 60 + key > 65 ? 48 + key : 60 + key;
    int c = 0;
    for (double t = 0; t + 0.5 < seconds; t += 1.0, c++) {
        const int *tri = major ? maj[c % 4] : min[c % 4];
        size_t at = (size_t)((t0 + t) * RATE), len = RATE;
        for (int i = 0; i < 3; i++)
            note(x, n, at, len, base + tri[i], a4_hz, 0.12);
        note(x, n, at, len, base - 12 + tri[0], a4_hz, 0.15);
    }
}

static mood_audio_result *analyze(const float *x, size_t n)
{
    mood_audio_result *r = NULL;
    MOOD_ASSERT_OK(mood_audio_analyze_pcm(az, x, n, 1, RATE, NULL, &r));
    return r;
}

static void test_24_keys(void **state)
{
    (void)state;
    size_t n = 16 * RATE;
    float *x = malloc(n * sizeof(float));
    for (int key = 0; key < 12; key++)
        for (int major = 0; major <= 1; major++) {
            memset(x, 0, n * sizeof(float));
            progression(x, n, 0.0, 16.0, key, major, 440.0);
            mood_audio_result *r = analyze(x, n);
            const float *v = mood_audio_result_values(r);
            char want[16];
            snprintf(want, sizeof want, "%s %s",
                     (const char *[]){"C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#",
                                      "B"}[key],
                     major ? "major" : "minor");
            assert_string_equal(mood_audio_result_key_name(r), want);
            assert_int_equal((int)v[MOOD_AF_KEY_INDEX], key);
            assert_int_equal((int)v[MOOD_AF_MODE], major);
            MOOD_ASSERT_NEAR(v[MOOD_AF_TUNING_HZ], 440.0, 0.0, 1.0);
            size_t ns;
            mood_audio_result_key_segments(r, &ns);
            assert_int_equal(ns, 1);
            /* The second key is a different key with a lower confidence. */
            int k2 = (int)v[MOOD_AF_KEY_ALT_INDEX], m2 = (int)v[MOOD_AF_KEY_ALT_MODE];
            assert_true(k2 >= 0 && k2 < 12 && (k2 != key || m2 != major));
            assert_true(v[MOOD_AF_KEY_ALT_CONFIDENCE] <= v[MOOD_AF_KEY_CONFIDENCE]);
            mood_audio_result_destroy(r);
        }
    free(x);
}

static void test_tuned_435(void **state)
{
    (void)state;
    size_t n = 20 * RATE;
    const int keys[3][2] = {{0, 1}, {9, 0}, {7, 1}}; /* C major, A minor, G major */
    float *x = malloc(n * sizeof(float));
    for (int i = 0; i < 3; i++) {
        memset(x, 0, n * sizeof(float));
        progression(x, n, 0.0, 20.0, keys[i][0], keys[i][1], 435.0);
        mood_audio_result *r = analyze(x, n);
        const float *v = mood_audio_result_values(r);
        assert_int_equal((int)v[MOOD_AF_KEY_INDEX], keys[i][0]);
        assert_int_equal((int)v[MOOD_AF_MODE], keys[i][1]);
        MOOD_ASSERT_NEAR(v[MOOD_AF_TUNING_HZ], 435.0, 0.0, 1.0);
        mood_audio_result_destroy(r);
    }
    free(x);
}

static void test_modulation(void **state)
{
    (void)state;
    size_t n = 48 * RATE, ns;
    float *x = calloc(n, sizeof(float));
    progression(x, n, 0.0, 24.0, 0, 1, 440.0);  /* C major */
    progression(x, n, 24.0, 24.0, 4, 1, 440.0); /* E major */
    mood_audio_result *r = analyze(x, n);
    const mood_key_segment *seg = mood_audio_result_key_segments(r, &ns);
    assert_int_equal(ns, 2);
    assert_int_equal(seg[0].key_index, 0);
    assert_int_equal(seg[0].mode, 1);
    assert_int_equal(seg[1].key_index, 4);
    assert_int_equal(seg[1].mode, 1);
    MOOD_ASSERT_NEAR(seg[0].start_s, 0.0, 0.0, 1e-6);
    MOOD_ASSERT_NEAR(seg[1].start_s, 24.0, 0.0, 4.0);
    assert_true(seg[0].confidence > 0.0f && seg[1].confidence > 0.0f);
    mood_audio_result_destroy(r);
    free(x);
}

static void test_key_names_round_trip(void **state)
{
    (void)state;
    /* Known answers: C major 8B / 1d, A minor 8A / 1m, F# minor 11A / 4m. */
    assert_string_equal(mood_audio_camelot(0, 1), "8B");
    assert_string_equal(mood_audio_open_key(0, 1), "1d");
    assert_string_equal(mood_audio_camelot(9, 0), "8A");
    assert_string_equal(mood_audio_open_key(9, 0), "1m");
    assert_string_equal(mood_audio_camelot(6, 0), "11A");
    assert_string_equal(mood_audio_open_key(6, 0), "4m");
    static const char *const names[12] = {"C",  "C#", "D",  "D#", "E",  "F",
                                          "F#", "G",  "G#", "A",  "A#", "B"};
    for (int key = 0; key < 12; key++)
        for (int mode = 0; mode <= 1; mode++) {
            char full[16], shrt[8];
            const char *codes[4] = {mood_audio_camelot(key, mode), mood_audio_open_key(key, mode),
                                    full, shrt};
            snprintf(full, sizeof full, "%s %s", names[key], mode ? "major" : "minor");
            snprintf(shrt, sizeof shrt, "%s%s", names[key], mode ? "" : "m");
            for (int c = 0; c < 4; c++) {
                int k = -1, m = -1;
                MOOD_ASSERT_OK(mood_audio_parse_key(codes[c], &k, &m));
                assert_int_equal(k, key);
                assert_int_equal(m, mode);
            }
        }
    int k, m;
    assert_int_equal(mood_audio_parse_key("H minor", &k, &m), MOOD_EINVAL);
    assert_int_equal(mood_audio_parse_key("13A", &k, &m), MOOD_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_24_keys),
        cmocka_unit_test(test_tuned_435),
        cmocka_unit_test(test_modulation),
        cmocka_unit_test(test_key_names_round_trip),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
