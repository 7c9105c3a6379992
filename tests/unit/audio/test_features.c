/*
 * Feature families against known answers on synthesised signals (synth.h): pitch, spectrum,
 * chroma and key, tempo and beats, stereo image, harmonic/percussive balance, the report, and
 * the error paths (bad arguments, unreadable and non-audio files, allocation failures).
 */
#define _POSIX_C_SOURCE 200809L
#include "synth.h"
#include "test_util.h"

#include <moodscope/audio.h>

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

static mood_audio_result *analyze_mono(const float *x, size_t n, int rate)
{
    mood_audio_result *r = NULL;
    MOOD_ASSERT_OK(mood_audio_analyze_pcm(az, x, n, 1, rate, NULL, &r));
    return r;
}

static void test_sine_pitch_and_spectrum(void **state)
{
    (void)state;
    size_t n = 4 * RATE;
    float *x = calloc(n, sizeof(float));
    synth_sine(x, n, RATE, 440.0, 0.5);
    mood_audio_result *r = analyze_mono(x, n, RATE);
    const float *v = mood_audio_result_values(r);
    MOOD_ASSERT_NEAR(v[MOOD_AF_F0_MEDIAN_HZ], 440.0, 0.01, 0.0);
    assert_true(v[MOOD_AF_VOICED_RATIO] > 0.9f);
    MOOD_ASSERT_NEAR(v[MOOD_AF_CENTROID_MEAN], 440.0, 0.0, 60.0);
    assert_true(v[MOOD_AF_ROLLOFF_MEAN] < 600.0f);
    assert_true(v[MOOD_AF_FLATNESS_MEAN] < 0.01f);
    /* A pure 440 Hz tone: all chroma on A, bass share zero, mid share one. */
    const float *c = mood_audio_result_chroma(r);
    for (int i = 0; i < 12; i++)
        if (i != 9)
            assert_true(c[i] < c[9]);
    MOOD_ASSERT_NEAR(v[MOOD_AF_MID_SHARE], 1.0, 0.0, 0.02);
    MOOD_ASSERT_NEAR(v[MOOD_AF_DURATION_S], 4.0, 0.0, 1e-6);
    /* 0.5 amplitude sine: RMS -9.03 dBFS, crest factor 3.01 dB. */
    MOOD_ASSERT_NEAR(v[MOOD_AF_RMS_MEAN_DB], -9.03, 0.0, 0.1);
    MOOD_ASSERT_NEAR(v[MOOD_AF_CREST_FACTOR_DB], 3.01, 0.0, 0.05);
    mood_audio_result_destroy(r);
    free(x);
}

static void test_click_tempo_and_beats(void **state)
{
    (void)state;
    size_t n, nb;
    float *x = synth_clicks(120.0, 15.0, RATE, &n);
    mood_audio_result *r = analyze_mono(x, n, RATE);
    const float *v = mood_audio_result_values(r), *b = mood_audio_result_beats(r, &nb);
    MOOD_ASSERT_NEAR(v[MOOD_AF_TEMPO_BPM], 120.0, 0.02, 0.0);
    assert_true(nb >= 25 && nb <= 31);
    for (size_t i = 2; i + 2 < nb; i++) {
        MOOD_ASSERT_NEAR(b[i + 1] - b[i], 0.5, 0.0, 0.03);
        /* Beats fall on the clicks (every 0.5 s from 0), within one hop of 23 ms. */
        double ph = fmod((double)b[i] + 0.25, 0.5) - 0.25;
        MOOD_ASSERT_NEAR(ph, 0.0, 0.0, 0.035);
    }
    assert_true(v[MOOD_AF_IBI_STD_MS] < 15.0f);
    MOOD_ASSERT_NEAR(v[MOOD_AF_ONSET_RATE], 2.0, 0.1, 0.0);
    mood_audio_result_destroy(r);
    free(x);
}

static void test_drum_tempo_octaves(void **state)
{
    (void)state;
    /* Slow rock with busy hi-hats must not read as double, fast four-on-the-floor not as half. */
    static const struct {
        int style;
        double bpm;
    } cases[] = {{0, 65}, {0, 95}, {0, 150}, {0, 190}, {1, 75}, {1, 128}, {1, 175}, {2, 100}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t n;
        float *x = synth_drums(cases[i].bpm, cases[i].style, 15.0, RATE, &n);
        mood_audio_result *r = analyze_mono(x, n, RATE);
        const float *v = mood_audio_result_values(r);
        print_message("style %d %.0f BPM -> %.2f\n", cases[i].style, cases[i].bpm,
                      (double)v[MOOD_AF_TEMPO_BPM]);
        MOOD_ASSERT_NEAR(v[MOOD_AF_TEMPO_BPM], cases[i].bpm, 0.04, 0.0);
        assert_true(v[MOOD_AF_TEMPO_OCTAVE_CONFIDENCE] > 0.15f);
        mood_audio_result_destroy(r);
        free(x);
    }
}

static void test_keys(void **state)
{
    (void)state;
    int good = 0;
    for (int key = 0; key < 12; key++)
        for (int major = 0; major <= 1; major++) {
            size_t n;
            float *x = synth_progression(key, major, 12.0, RATE, &n);
            mood_audio_result *r = analyze_mono(x, n, RATE);
            const float *v = mood_audio_result_values(r);
            int ok = (int)v[MOOD_AF_KEY_INDEX] == key && (int)v[MOOD_AF_MODE] == major;
            good += ok;
            if (ok)
                assert_string_equal(mood_audio_result_camelot(r), mood_audio_camelot(key, major));
            if (major)
                assert_true(v[MOOD_AF_CHORD_MAJOR_SHARE] > 0.6f);
            mood_audio_result_destroy(r);
            free(x);
        }
    print_message("keys: %d/24 correct\n", good);
    assert_true(good >= 22); /* the issue asks for 90% */
}

static void test_camelot(void **state)
{
    (void)state;
    assert_string_equal(mood_audio_camelot(0, 1), "8B"); /* C major */
    assert_string_equal(mood_audio_camelot(9, 0), "8A"); /* A minor */
    assert_string_equal(mood_audio_camelot(0, 0), "5A"); /* C minor */
    assert_string_equal(mood_audio_camelot(7, 1), "9B"); /* G major */
    assert_string_equal(mood_audio_camelot(6, 1), "2B"); /* F# major */
    assert_string_equal(mood_audio_camelot(12, 1), "");
}

static mood_audio_result *analyze_stereo(double gl, double gr, int rate)
{
    size_t n = 3 * (size_t)rate;
    float *x = calloc(2 * n, sizeof(float));
    for (size_t i = 0; i < n; i++) {
        float s = (float)(0.3 * sin(2.0 * M_PI * 330.0 * (double)i / rate));
        x[2 * i] = (float)gl * s;
        x[2 * i + 1] = (float)gr * s;
    }
    mood_audio_result *r = NULL;
    MOOD_ASSERT_OK(mood_audio_analyze_pcm(az, x, n, 2, rate, NULL, &r));
    free(x);
    return r;
}

static void test_stereo_image(void **state)
{
    (void)state;
    mood_audio_result *r = analyze_stereo(1.0, 1.0, 44100);
    const float *v = mood_audio_result_values(r);
    MOOD_ASSERT_NEAR(v[MOOD_AF_STEREO_WIDTH], 0.0, 0.0, 1e-3);
    MOOD_ASSERT_NEAR(v[MOOD_AF_PHASE_COHERENCE], 1.0, 0.0, 1e-4);
    assert_true(v[MOOD_AF_IS_MONO] == 1.0f); /* dual mono says so */
    mood_audio_result_destroy(r);
    r = analyze_stereo(1.0, -1.0, 44100);
    v = mood_audio_result_values(r);
    MOOD_ASSERT_NEAR(v[MOOD_AF_PHASE_COHERENCE], -1.0, 0.0, 1e-4);
    assert_true(v[MOOD_AF_STEREO_WIDTH] > 100.0f);
    assert_true(v[MOOD_AF_IS_MONO] == 0.0f);
    mood_audio_result_destroy(r);
    r = analyze_stereo(1.0, 0.5, 48000);
    v = mood_audio_result_values(r);
    MOOD_ASSERT_NEAR(v[MOOD_AF_CHANNEL_BALANCE_DB], 6.02, 0.0, 0.02);
    MOOD_ASSERT_NEAR(v[MOOD_AF_STEREO_WIDTH], 1.0 / 3.0, 0.0, 1e-3);
    mood_audio_result_destroy(r);
}

static void test_harmonic_percussive(void **state)
{
    (void)state;
    size_t n1, n2;
    float *chords = synth_progression(2, 1, 8.0, RATE, &n1);
    float *drums = synth_drums(120, 0, 8.0, RATE, &n2);
    mood_audio_result *a = analyze_mono(chords, n1, RATE), *b = analyze_mono(drums, n2, RATE);
    float ha = mood_audio_result_values(a)[MOOD_AF_HARMONIC_RATIO],
          hb = mood_audio_result_values(b)[MOOD_AF_HARMONIC_RATIO];
    print_message("harmonic ratio: chords %.2f, drums %.2f\n", (double)ha, (double)hb);
    /* HPSS runs on mel bands (see hpss.c), which blurs the separation: the test asks only for
     * the right order with a margin. */
    assert_true(ha > hb + 0.05f);
    /* Chords are more tonal and less percussive than drums on every family that says so. */
    assert_true(mood_audio_result_values(a)[MOOD_AF_ACOUSTICNESS] >
                mood_audio_result_values(b)[MOOD_AF_ACOUSTICNESS]);
    assert_true(mood_audio_result_values(a)[MOOD_AF_KEY_CONFIDENCE] >
                mood_audio_result_values(b)[MOOD_AF_KEY_CONFIDENCE]);
    mood_audio_result_destroy(a);
    mood_audio_result_destroy(b);
    free(chords);
    free(drums);
}

static void test_report_and_ranges(void **state)
{
    (void)state;
    size_t n;
    float *x = synth_drums(100, 0, 8.0, RATE, &n);
    mood_audio_info info;
    memset(&info, 0, sizeof info);
    snprintf(info.title, sizeof info.title, "Drums \"100\"");
    mood_audio_result *r = NULL;
    MOOD_ASSERT_OK(mood_audio_analyze_pcm(az, x, n, 1, RATE, &info, &r));
    const float *v = mood_audio_result_values(r);
    for (int f = MOOD_AF_ENERGY; f <= MOOD_AF_DANCEABILITY; f++)
        assert_true(v[f] >= 0.0f && v[f] <= 1.0f);
    for (int f = 0; f < MOOD_AF_COUNT; f++)
        assert_true(isfinite(v[f]));
    char *text;
    MOOD_ASSERT_OK(mood_audio_result_report(r, "/x/drums.wav", &text));
    json_error_t err;
    json_t *root = json_loads(text, 0, &err);
    assert_non_null(root);
    static const char *const sections[] = {"metadata", "rhythm", "tonal",           "dynamics",
                                           "spatial",  "timbre", "instrumentation", "mood"};
    for (int i = 0; i < 8; i++)
        assert_non_null(json_object_get(root, sections[i]));
    assert_int_equal(json_integer_value(json_object_get(root, "analysis_version")),
                     MOOD_AUDIO_ANALYSIS_VERSION);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(root, "metadata"), "title")),
        "Drums \"100\"");
    MOOD_ASSERT_NEAR(
        json_number_value(json_object_get(json_object_get(root, "rhythm"), "tempo_bpm")),
        v[MOOD_AF_TEMPO_BPM], 0.0, 0.01);
    assert_true(json_array_size(json_object_get(json_object_get(root, "rhythm"), "beats_s")) > 8);
    assert_int_equal(json_object_size(json_object_get(root, "similarity_raw")),
                     MOOD_AUDIO_SIM_DIMS);
    assert_non_null(json_object_get(root, "libraries"));
    json_decref(root);
    mood_free(text);
    for (size_t i = 0; i < MOOD_AUDIO_SIM_DIMS; i++)
        assert_non_null(mood_audio_sim_dim_name(i));
    assert_null(mood_audio_sim_dim_name(MOOD_AUDIO_SIM_DIMS));
    assert_string_equal(mood_audio_feature_name(MOOD_AF_TEMPO_BPM), "tempo_bpm");
    assert_string_equal(mood_audio_feature_section(MOOD_AF_LOUDNESS_LUFS), "dynamics");
    mood_audio_result_destroy(r);
    free(x);
}

static void test_wav_file_matches_pcm(void **state)
{
    (void)state;
    size_t n;
    float *x = synth_drums(128, 1, 10.0, 44100, &n);
    for (size_t i = 0; i < n; i++)
        x[i] *= 0.5f; /* stay clear of 16-bit clipping so that file and memory agree */
    char path[4096];
    snprintf(path, sizeof path, "%s/drums.wav", mood_test_tmpdir("audio_features_wav"));
    assert_int_equal(synth_write_wav(path, x, n, 1, 44100), 0);
    mood_audio_result *a = analyze_mono(x, n, 44100), *b = NULL;
    MOOD_ASSERT_OK(mood_audio_analyze_file(az, path, &b));
    const mood_audio_info *in = mood_audio_result_info(b);
    assert_string_equal(in->codec, "pcm_s16le");
    assert_int_equal(in->sample_rate_hz, 44100);
    assert_int_equal(in->channels, 1);
    MOOD_ASSERT_NEAR(in->duration_s, 10.0, 0.0, 1e-3);
    const float *va = mood_audio_result_values(a), *vb = mood_audio_result_values(b);
    MOOD_ASSERT_NEAR(vb[MOOD_AF_TEMPO_BPM], va[MOOD_AF_TEMPO_BPM], 0.01, 0.0);
    MOOD_ASSERT_NEAR(vb[MOOD_AF_LOUDNESS_LUFS], va[MOOD_AF_LOUDNESS_LUFS], 0.0, 0.02);
    MOOD_ASSERT_NEAR(vb[MOOD_AF_TEMPO_BPM], 128.0, 0.04, 0.0);
    mood_audio_result_destroy(a);
    mood_audio_result_destroy(b);
    free(x);
}

static void test_errors(void **state)
{
    (void)state;
    mood_audio_options o;
    mood_audio_analyzer *bad;
    mood_audio_result *r;
    float x[4000] = {0};
    mood_audio_options_default(&o);
    o.analysis_rate_hz = 1000;
    assert_int_equal(mood_audio_analyzer_create(&o, &bad), MOOD_EINVAL);
    assert_null(bad);
    assert_int_equal(mood_audio_analyze_pcm(az, x, 4000, 1, RATE, NULL, &r), MOOD_EINVAL);
    assert_non_null(strstr(mood_last_error(), "shorter than 1 s"));
    assert_int_equal(mood_audio_analyze_pcm(az, x, 4000, 0, 2000, NULL, &r), MOOD_EINVAL);
    assert_int_equal(mood_audio_analyze_pcm(az, x, 1000, 1, 100, NULL, &r), MOOD_EINVAL);
    assert_int_equal(mood_audio_analyze_file(az, "/nonexistent/x.mp3", &r), MOOD_EIO);
    assert_non_null(strstr(mood_last_error(), "/nonexistent/x.mp3"));
    assert_null(r);
    char path[4096];
    snprintf(path, sizeof path, "%s/notes.mp3", mood_test_tmpdir("audio_features_err"));
    FILE *fp = fopen(path, "w");
    fputs("this is not audio at all, just text pretending to be an mp3\n", fp);
    fclose(fp);
    assert_int_equal(mood_audio_analyze_file(az, path, &r), MOOD_EFORMAT);
    assert_non_null(strstr(mood_last_error(), "notes.mp3"));
    /* A WAV cut to 0.5 s: too short to analyse, said so. (Truncated MP3/FLAC, whose headers
     * declare the length, are tested in tests/cli/test_analyze_formats.sh.) */
    size_t n;
    float *d = synth_drums(100, 0, 10.0, RATE, &n);
    snprintf(path, sizeof path, "%s/cut.wav", mood_test_tmpdir("audio_features_err"));
    synth_write_wav(path, d, n, 1, RATE);
    assert_int_equal(truncate(path, 44 + RATE), 0);
    assert_int_equal(mood_audio_analyze_file(az, path, &r), MOOD_EFORMAT);
    assert_non_null(strstr(mood_last_error(), "s of audio"));
    free(d);
    /* Digital silence is not analysable (its features would be noise). */
    float *z = calloc(3 * RATE, sizeof(float));
    assert_int_equal(mood_audio_analyze_pcm(az, z, 3 * RATE, 1, RATE, NULL, &r), MOOD_EFORMAT);
    assert_non_null(strstr(mood_last_error(), "silent"));
    free(z);
    /* The analyser is still usable after every failure. */
    size_t nn;
    float *c = synth_clicks(90, 4.0, RATE, &nn);
    MOOD_ASSERT_OK(mood_audio_analyze_pcm(az, c, nn, 1, RATE, NULL, &r));
    mood_audio_result_destroy(r);
    /* Allocation failures anywhere give ENOMEM and leak nothing (checked under ASan). */
    int saw_enomem = 0;
    for (long k = 1; k < 400; k += 7) {
        mood_test_fail_alloc_after(k);
        mood_status s = mood_audio_analyze_pcm(az, c, nn, 1, RATE, NULL, &r);
        mood_test_fail_alloc_after(0);
        assert_true(s == MOOD_OK || s == MOOD_ENOMEM);
        if (s == MOOD_OK)
            mood_audio_result_destroy(r);
        else
            saw_enomem = 1;
    }
    assert_true(saw_enomem);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sine_pitch_and_spectrum),
        cmocka_unit_test(test_click_tempo_and_beats),
        cmocka_unit_test(test_drum_tempo_octaves),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_camelot),
        cmocka_unit_test(test_stereo_image),
        cmocka_unit_test(test_harmonic_percussive),
        cmocka_unit_test(test_report_and_ranges),
        cmocka_unit_test(test_wav_file_matches_pcm),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
