/*
 * The rhythm stage against known answers on synthesised signals (synth.h): the metrical
 * level of click tracks and drum patterns from slow to fast, swing, 3/4, downbeats on the
 * accented beats and the tempo curve of a song that changes tempo.
 */
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

static mood_audio_result *analyze_mono(const float *x, size_t n)
{
    mood_audio_result *r = NULL;
    MOOD_ASSERT_OK(mood_audio_analyze_pcm(az, x, n, 1, RATE, NULL, &r));
    return r;
}

/* A bar-structured pattern: @p bpb beats per bar from @p t0_s to @p t1_s at @p bpm, kick on the
 * downbeat (and beat 3 of 4), snare on the other beats, hi-hat on the beat and at @p off
 * (fraction of the beat: 0.5 straight, 2/3 triplet swing; 0 for none). */
static void pattern(float *x, size_t n, double bpm, int bpb, double off, double t0_s, double t1_s,
                    uint32_t *seed)
{
    double beat = 60.0 / bpm;
    int k = 0;
    for (double t = t0_s; t < t1_s - 1e-9; t += beat, k++) {
        size_t at = (size_t)(t * RATE);
        int b = k % bpb;
        if (b == 0 || (bpb == 4 && b == 2))
            synth_kick(x, n, RATE, at, 0.9);
        else
            synth_snare(x, n, RATE, at, 0.5, seed);
        synth_hat(x, n, RATE, at, 0.15, 0.02, seed);
        if (off > 0)
            synth_hat(x, n, RATE, at + (size_t)(off * beat * RATE), 0.12, 0.02, seed);
    }
}

static void test_octave_clicks_and_drums(void **state)
{
    (void)state;
    static const double bpms[] = {60, 120, 174, 185};
    for (size_t i = 0; i < 4; i++) {
        for (int kind = 0; kind < 2; kind++) {
            size_t n;
            float *x = kind ? synth_drums(bpms[i], 0, 20.0, RATE, &n)
                            : synth_clicks(bpms[i], 20.0, RATE, &n);
            mood_audio_result *r = analyze_mono(x, n);
            const float *v = mood_audio_result_values(r);
            print_message("%s %.0f BPM -> %.2f (alt %.2f, %.2f)\n", kind ? "drums" : "clicks",
                          bpms[i], (double)v[MOOD_AF_TEMPO_BPM], (double)v[MOOD_AF_TEMPO_ALT_BPM],
                          (double)v[MOOD_AF_TEMPO_ALT_CONFIDENCE]);
            MOOD_ASSERT_NEAR(v[MOOD_AF_TEMPO_BPM], bpms[i], 0.03, 0.0);
            /* The rejected level is a factor away and never as likely. */
            assert_true(v[MOOD_AF_TEMPO_ALT_BPM] > 0.0f);
            assert_true(fabs((double)(v[MOOD_AF_TEMPO_ALT_BPM] / v[MOOD_AF_TEMPO_BPM]) - 1.0) >
                        0.3);
            assert_true(v[MOOD_AF_TEMPO_ALT_CONFIDENCE] >= 0.0f &&
                        v[MOOD_AF_TEMPO_ALT_CONFIDENCE] <= 1.0f);
            mood_audio_result_destroy(r);
            free(x);
        }
    }
}

static void test_swing(void **state)
{
    (void)state;
    size_t n = 20 * RATE;
    float *x = calloc(n, sizeof(float));
    uint32_t seed = 7;
    pattern(x, n, 110.0, 4, 2.0 / 3.0, 0.0, 20.0, &seed);
    mood_audio_result *r = analyze_mono(x, n);
    const float *v = mood_audio_result_values(r);
    print_message("swing: %.2f BPM, swing %.2f, meter %s\n", (double)v[MOOD_AF_TEMPO_BPM],
                  (double)v[MOOD_AF_SWING_RATIO], mood_audio_result_meter(r));
    MOOD_ASSERT_NEAR(v[MOOD_AF_TEMPO_BPM], 110.0, 0.03, 0.0);
    assert_true(v[MOOD_AF_SWING_RATIO] > 1.4f);
    assert_true(v[MOOD_AF_COMPOUND_METER] == 0.0f);
    mood_audio_result_destroy(r);
    /* The same groove played straight: no swing. */
    memset(x, 0, n * sizeof(float));
    pattern(x, n, 110.0, 4, 0.5, 0.0, 20.0, &seed);
    r = analyze_mono(x, n);
    v = mood_audio_result_values(r);
    MOOD_ASSERT_NEAR(v[MOOD_AF_SWING_RATIO], 1.0, 0.0, 0.15);
    mood_audio_result_destroy(r);
    free(x);
}

static void test_three_four_and_downbeats(void **state)
{
    (void)state;
    size_t n = 24 * RATE, nd;
    float *x = calloc(n, sizeof(float));
    uint32_t seed = 11;
    pattern(x, n, 120.0, 3, 0.0, 0.0, 24.0, &seed);
    mood_audio_result *r = analyze_mono(x, n);
    const float *v = mood_audio_result_values(r);
    const float *d = mood_audio_result_downbeats(r, &nd);
    print_message("3/4: %.2f BPM, %g beats per bar, %zu downbeats\n", (double)v[MOOD_AF_TEMPO_BPM],
                  (double)v[MOOD_AF_BEATS_PER_BAR], nd);
    MOOD_ASSERT_NEAR(v[MOOD_AF_TEMPO_BPM], 120.0, 0.03, 0.0);
    assert_int_equal((int)v[MOOD_AF_BEATS_PER_BAR], 3);
    assert_string_equal(mood_audio_result_meter(r), "3/4");
    /* Downbeats on the kicks: every 1.5 s from 0, within 50 ms. */
    assert_true(nd >= 12);
    for (size_t i = 1; i + 1 < nd; i++) {
        double ph = fmod((double)d[i] + 0.75, 1.5) - 0.75;
        MOOD_ASSERT_NEAR(ph, 0.0, 0.0, 0.05);
    }
    mood_audio_result_destroy(r);
    free(x);
}

static void test_four_four_downbeats(void **state)
{
    (void)state;
    size_t n = 24 * RATE, nd;
    float *x = calloc(n, sizeof(float));
    uint32_t seed = 5;
    /* A bar of 4 at 100 BPM with a crash-like accent (loud kick and hat) on beat 1, starting
     * half a bar in so that the first beat is not the downbeat. */
    pattern(x, n, 100.0, 4, 0.5, 0.0, 24.0, &seed);
    for (double t = 0.0; t < 24.0; t += 2.4)
        synth_kick(x, n, RATE, (size_t)(t * RATE), 0.9);
    mood_audio_result *r = analyze_mono(x, n);
    const float *v = mood_audio_result_values(r);
    const float *d = mood_audio_result_downbeats(r, &nd);
    assert_int_equal((int)v[MOOD_AF_BEATS_PER_BAR], 4);
    assert_true(nd >= 8);
    for (size_t i = 1; i + 1 < nd; i++) {
        double ph = fmod((double)d[i] + 1.2, 2.4) - 1.2;
        MOOD_ASSERT_NEAR(ph, 0.0, 0.0, 0.05);
    }
    mood_audio_result_destroy(r);
    free(x);
}

static void test_tempo_change_curve(void **state)
{
    (void)state;
    size_t n = 40 * RATE, nc;
    float *x = calloc(n, sizeof(float));
    uint32_t seed = 3;
    pattern(x, n, 100.0, 4, 0.5, 0.0, 19.2, &seed);
    pattern(x, n, 130.0, 4, 0.5, 19.2, 40.0, &seed);
    mood_audio_result *r = analyze_mono(x, n);
    const mood_tempo_segment *c = mood_audio_result_tempo_curve(r, &nc);
    for (size_t i = 0; i < nc; i++)
        print_message("segment %zu: %.2f s %.2f BPM\n", i, (double)c[i].start_s, (double)c[i].bpm);
    assert_int_equal(nc, 2);
    MOOD_ASSERT_NEAR(c[0].bpm, 100.0, 0.03, 0.0);
    MOOD_ASSERT_NEAR(c[1].bpm, 130.0, 0.03, 0.0);
    MOOD_ASSERT_NEAR(c[1].start_s, 19.2, 0.0, 3.0);
    mood_audio_result_destroy(r);
    /* A steady song has one segment at the global tempo. */
    memset(x, 0, n * sizeof(float));
    pattern(x, n, 100.0, 4, 0.5, 0.0, 40.0, &seed);
    r = analyze_mono(x, n);
    c = mood_audio_result_tempo_curve(r, &nc);
    assert_int_equal(nc, 1);
    MOOD_ASSERT_NEAR(c[0].bpm, 100.0, 0.02, 0.0);
    mood_audio_result_destroy(r);
    free(x);
}

static void test_fast_tempo_change_octave(void **state)
{
    (void)state;
    /* A fast song that slows down (190 then 171 BPM, a step halfway) keeps the beat level of
     * either half: the smeared global tempogram once read it at half speed. */
    size_t n = 34 * RATE;
    float *x = calloc(n, sizeof(float));
    uint32_t seed = 11;
    pattern(x, n, 190.0, 4, 0.5, 0.0, 16.0, &seed);
    pattern(x, n, 171.0, 4, 0.5, 16.0, 34.0, &seed);
    mood_audio_result *r = analyze_mono(x, n);
    double t = (double)mood_audio_result_values(r)[MOOD_AF_TEMPO_BPM];
    print_message("190 -> 171 BPM -> %.2f\n", t);
    assert_true(fabs(t - 190.0) <= 0.04 * 190.0 || fabs(t - 171.0) <= 0.04 * 171.0);
    mood_audio_result_destroy(r);
    free(x);
}

/* A held tone with a slow attack and a 5.7 Hz tremolo of depth @p trem (a string pad), 3
 * harmonics, at MIDI note @p midi. */
static void pad_note(float *x, size_t n, size_t at, size_t len, int midi, double amp, double trem)
{
    double f = 440.0 * pow(2.0, (midi - 69) / 12.0);
    for (size_t i = 0; i < len && at + i < n; i++) {
        double t = (double)i / RATE,
               env = fmin(1.0, t / 0.25) * fmin(1.0, (double)(len - i) / RATE / 0.1);
        double am = 1.0 - trem * 0.5 * (1.0 - cos(2.0 * M_PI * 5.7 * t)), v = 0;
        for (int h = 1; h <= 3; h++)
            v += sin(2.0 * M_PI * f * h * t) / h;
        x[at + i] += (float)(amp * env * am * v);
    }
}

static void test_drumless_harmonic_bar(void **state)
{
    (void)state;
    /* A string piece without drums or a pulse: pad chords that change every 4-beat bar, a bass
     * note per bar, a soft melody on some beats; the pad's tremolo and the held notes make
     * periodicities that are no level of the beat. The tempo must be a metrical level of the
     * 72 BPM beat (Acc2), as the chord changes divide the bar. */
    static const int chords[4][3] = {{60, 64, 67}, {57, 60, 64}, {53, 57, 60}, {55, 59, 62}};
    static const double mel_beats[4][3] = {{0, 2, -1}, {0, 3, -1}, {0, 1, 2}, {0, -1, -1}};
    static const int mel[4][3] = {{72, 76, 0}, {72, 69, 0}, {69, 72, 74}, {74, 0, 0}};
    const double bpm = 72.0, beat = 60.0 / bpm;
    size_t n = (size_t)(9 * 4 * beat * RATE), bar_len = (size_t)(4 * beat * RATE);
    float *x = calloc(n, sizeof(float));
    for (int b = 0; b < 8; b++) {
        size_t at = (size_t)(b * 4 * beat * RATE);
        for (int i = 0; i < 3; i++)
            pad_note(x, n, at, bar_len, chords[b % 4][i], 0.08, 0.6);
        pad_note(x, n, at, bar_len, chords[b % 4][0] - 24, 0.12, 0.0);
        for (int k = 0; k < 3 && mel_beats[b % 4][k] >= 0; k++)
            pad_note(x, n, at + (size_t)(mel_beats[b % 4][k] * beat * RATE), (size_t)(beat * RATE),
                     mel[b % 4][k], 0.1, 0.3);
    }
    mood_audio_result *r = analyze_mono(x, n);
    const float *v = mood_audio_result_values(r);
    double t = (double)v[MOOD_AF_TEMPO_BPM];
    print_message("drumless strings 72 BPM -> %.2f (alt %.2f)\n", t,
                  (double)v[MOOD_AF_TEMPO_ALT_BPM]);
    int level = 0;
    static const double m[] = {1.0, 2.0, 0.5, 3.0, 1.0 / 3.0};
    for (size_t i = 0; i < sizeof m / sizeof *m; i++)
        level |= fabs(t - bpm * m[i]) <= 0.04 * bpm * m[i];
    assert_true(level);
    assert_true(v[MOOD_AF_TEMPO_OCTAVE_CONFIDENCE] >= 0.0f &&
                v[MOOD_AF_TEMPO_OCTAVE_CONFIDENCE] <= 1.0f);
    mood_audio_result_destroy(r);
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_octave_clicks_and_drums),
        cmocka_unit_test(test_swing),
        cmocka_unit_test(test_three_four_and_downbeats),
        cmocka_unit_test(test_four_four_downbeats),
        cmocka_unit_test(test_tempo_change_curve),
        cmocka_unit_test(test_drumless_harmonic_bar),
        cmocka_unit_test(test_fast_tempo_change_octave),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
