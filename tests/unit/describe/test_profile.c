/*
 * Group profiles with known answers: means, z-scores, traits, names from the vocabulary,
 * anonymous fallbacks, duplicate-name disambiguation, profiles.csv line by line, ENOMEM.
 */
#include "test_util.h"

#include "describe/describe_internal.h"

#include <moodscope/describe.h>
#include <moodscope/fileio.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Two groups of 4 rows, features energy and acousticness, dyadic values so means are exact. */
static const float two_x[16] = {
    1.0f,  0.125f, 0.75f,  0.25f, 0.875f, 0.125f, 0.875f, 0.0f,   /* group 0 */
    0.25f, 0.75f,  0.125f, 0.5f,  0.375f, 0.625f, 0.25f,  0.625f, /* group 1 */
};
static const int32_t two_labels[8] = {0, 0, 0, 0, 1, 1, 1, 1};
static const char *const two_names[2] = {"Energy", "acousticness"};

/* Population z-score of group mean @p gm for feature column @p j of two_x. */
static double expected_z(size_t j, double gm)
{
    double m = 0, v = 0;
    for (size_t i = 0; i < 8; i++)
        m += (double)two_x[i * 2 + j];
    m /= 8;
    for (size_t i = 0; i < 8; i++)
        v += ((double)two_x[i * 2 + j] - m) * ((double)two_x[i * 2 + j] - m);
    return (gm - m) / sqrt(v / 8);
}

static void test_two_groups(void **state)
{
    (void)state;
    mood_profile *p;
    MOOD_ASSERT_OK(mood_profile_compute(two_x, 8, 2, two_names, two_labels, 2, &p));
    assert_int_equal(mood_profile_k(p), 2);
    assert_int_equal(mood_profile_d(p), 2);
    assert_int_equal(mood_profile_size(p, 0), 4);
    assert_int_equal(mood_profile_size(p, 1), 4);
    MOOD_ASSERT_NEAR(mood_profile_mean(p, 0, 0), 0.875, 0, 1e-12);
    MOOD_ASSERT_NEAR(mood_profile_mean(p, 0, 1), 0.125, 0, 1e-12);
    MOOD_ASSERT_NEAR(mood_profile_mean(p, 1, 0), 0.25, 0, 1e-12);
    MOOD_ASSERT_NEAR(mood_profile_mean(p, 1, 1), 0.625, 0, 1e-12);
    MOOD_ASSERT_NEAR(mood_profile_z(p, 0, 0), expected_z(0, 0.875), 1e-12, 0);
    MOOD_ASSERT_NEAR(mood_profile_z(p, 0, 0), 0.9622504486, 1e-9, 0);
    MOOD_ASSERT_NEAR(mood_profile_z(p, 0, 1), -0.9428090416, 1e-9, 0);
    MOOD_ASSERT_NEAR(mood_profile_z(p, 1, 1), 0.9428090416, 1e-9, 0);
    MOOD_ASSERT_NEAR(mood_profile_overall_mean(p, 0), 0.5625, 0, 1e-12);
    MOOD_ASSERT_NEAR(mood_profile_overall_std(p, 1), sqrt(0.0703125), 1e-12, 0);
    MOOD_ASSERT_NEAR(mood_profile_share(p, 1), 0.5, 0, 1e-12);
    assert_string_equal(mood_profile_feature(p, 0), "Energy");
    assert_string_equal(mood_profile_name(p, 0), "energetic, electronic");
    assert_string_equal(mood_profile_name(p, 1), "calm, acoustic");
    assert_string_equal(mood_profile_traits(p, 0), "Energy +1.0\xCF\x83, acousticness \xE2\x88\x92"
                                                   "0.9\xCF\x83");
    assert_string_equal(mood_profile_traits(p, 1), "Energy \xE2\x88\x92"
                                                   "1.0\xCF\x83, acousticness +0.9\xCF\x83");

    MOOD_ASSERT_OK(mood_profile_set_name(p, 1, "Folk"));
    assert_string_equal(mood_profile_name(p, 1), "Folk");
    assert_int_equal(mood_profile_set_name(p, 2, "x"), MOOD_EINVAL);
    assert_int_equal(mood_profile_set_name(p, 0, NULL), MOOD_EINVAL);
    mood_profile_destroy(p);
    mood_profile_destroy(NULL);
}

static void test_csv_and_print(void **state)
{
    (void)state;
    const char *dir = mood_test_tmpdir("describe-csv");
    char path[1100], *text, expect[512], z0[32], z1[32];
    mood_profile *p;
    MOOD_ASSERT_OK(mood_profile_compute(two_x, 8, 2, two_names, two_labels, 2, &p));
    snprintf(path, sizeof path, "%s/profiles.csv", dir);
    MOOD_ASSERT_OK(mood_profile_write_csv(p, path));
    MOOD_ASSERT_OK(mood_read_file(path, &text, NULL));

    char *save = NULL, *line = strtok_r(text, "\n", &save);
    assert_string_equal(line, "cluster,name,size,share,traits,mean_Energy,mean_acousticness,"
                              "z_Energy,z_acousticness");
    line = strtok_r(NULL, "\n", &save);
    snprintf(z0, sizeof z0, "%.6f", expected_z(0, 0.875));
    snprintf(z1, sizeof z1, "%.6f", expected_z(1, 0.125));
    snprintf(expect, sizeof expect,
             "0,\"energetic, electronic\",4,0.500000,\"Energy +1.0\xCF\x83, acousticness "
             "\xE2\x88\x92"
             "0.9\xCF\x83\",0.875,0.125,%s,%s",
             z0, z1);
    assert_string_equal(line, expect);
    assert_string_equal(z0, "0.962250");
    line = strtok_r(NULL, "\n", &save);
    assert_non_null(strstr(line, "1,\"calm, acoustic\",4,0.500000,"));
    assert_non_null(strstr(line, ",0.25,0.625,-0.962250,0.942809"));
    assert_null(strtok_r(NULL, "\n", &save));
    mood_free(text);

    /* Terminal table: a header and one aligned row per group. */
    snprintf(path, sizeof path, "%s/print.txt", dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    mood_profile_print(p, fp);
    fclose(fp);
    MOOD_ASSERT_OK(mood_read_file(path, &text, NULL));
    assert_non_null(strstr(text, "group  name                       size   share  traits\n"));
    assert_non_null(strstr(text, "    0  energetic, electronic         4   50.0%  Energy +1.0"));
    assert_non_null(strstr(text, "    1  calm, acoustic                4   50.0%  Energy "));
    mood_free(text);

    snprintf(path, sizeof path, "%s/missing/profiles.csv", dir);
    assert_int_equal(mood_profile_write_csv(p, path), MOOD_EIO);
    assert_non_null(strstr(mood_last_error(), "missing/profiles.csv"));
    mood_profile_destroy(p);
}

static void test_anonymous_features(void **state)
{
    (void)state;
    /* Unknown names fall back to "high <name>" / "low <name>". */
    const float x[8] = {5, 1, 6, 0, 1, 5, 0, 6};
    const int32_t labels[4] = {0, 0, 1, 1};
    const char *names[2] = {"feature_2", "feature_3"};
    mood_profile *p;
    MOOD_ASSERT_OK(mood_profile_compute(x, 4, 2, names, labels, 2, &p));
    assert_string_equal(mood_profile_name(p, 0), "high feature_2, low feature_3");
    assert_string_equal(mood_profile_name(p, 1), "low feature_2, high feature_3");
    mood_profile_destroy(p);
    /* No names at all: "feature_<j>". */
    MOOD_ASSERT_OK(mood_profile_compute(x, 4, 2, NULL, labels, 2, &p));
    assert_string_equal(mood_profile_name(p, 0), "high feature_0, low feature_1");
    mood_profile_destroy(p);
}

static void test_vocabulary(void **state)
{
    (void)state;
    char w[128];
    assert_int_equal(mood__feature_word("ENERGY", 1, w, sizeof w), MOOD_WORD_KNOWN);
    assert_string_equal(w, "energetic");
    mood__feature_word("avg_energy", 0, w, sizeof w);
    assert_string_equal(w, "calm");
    mood__feature_word("Acousticness", 0, w, sizeof w);
    assert_string_equal(w, "electronic");
    mood__feature_word("valence", 0, w, sizeof w);
    assert_string_equal(w, "melancholic");
    mood__feature_word("Danceability", 0, w, sizeof w);
    assert_string_equal(w, "still");
    mood__feature_word("tempo_bpm", 1, w, sizeof w);
    assert_string_equal(w, "fast");
    mood__feature_word("key_mode", 0, w, sizeof w);
    assert_string_equal(w, "minor");
    mood__feature_word("skip_rate", 1, w, sizeof w);
    assert_string_equal(w, "restless");
    mood__feature_word("repeats", 0, w, sizeof w);
    assert_string_equal(w, "varied");
    mood__feature_word("tracks_per_hour", 1, w, sizeof w);
    assert_string_equal(w, "busy");
    mood__feature_word("session_length", 0, w, sizeof w);
    assert_string_equal(w, "short sessions");
    mood__feature_word("duration_ms", 1, w, sizeof w);
    assert_string_equal(w, "long");
    mood__feature_word("loudness_range", 1, w, sizeof w);
    assert_string_equal(w, "dynamic");
    mood__feature_word("Loudness", 0, w, sizeof w);
    assert_string_equal(w, "quiet");
    mood__feature_word("rmse", 0, w, sizeof w);
    assert_string_equal(w, "soft");
    mood__feature_word("zero_crossing_rate", 1, w, sizeof w);
    assert_string_equal(w, "noisy");
    mood__feature_word("spectral_centroid", 0, w, sizeof w);
    assert_string_equal(w, "dark");
    mood__feature_word("hour", 1, w, sizeof w);
    assert_string_equal(w, "late");
    mood__feature_word("start_hour", 0, w, sizeof w);
    assert_string_equal(w, "early");
    mood__feature_word("start_hour_entropy_bits", 1, w, sizeof w);
    assert_string_equal(w, "irregular");
    mood__feature_word("sessions_per_day", 0, w, sizeof w);
    assert_string_equal(w, "occasional");
    mood__feature_word("session_duration_min", 1, w, sizeof w);
    assert_string_equal(w, "long sessions");
    mood__feature_word("Time_Signature", 0, w, sizeof w);
    assert_string_equal(w, "triple-time");
    mood__feature_word("energy_std", 1, w, sizeof w);
    assert_string_equal(w, "changeable");
    mood__feature_word("loudness_std", 0, w, sizeof w);
    assert_string_equal(w, "steady");
    mood__feature_word("user_initiated_share", 1, w, sizeof w);
    assert_string_equal(w, "deliberate");
    mood__feature_word("shuffle_share", 0, w, sizeof w);
    assert_string_equal(w, "in order");
    mood__feature_word("onset_rate_hz", 0, w, sizeof w);
    assert_string_equal(w, "sparse");
    mood__feature_word("percussive_ratio", 1, w, sizeof w);
    assert_string_equal(w, "percussive");
    mood__feature_word("weekend", 1, w, sizeof w);
    assert_string_equal(w, "weekend");
    assert_int_equal(mood__feature_word("Key", 1, w, sizeof w), MOOD_WORD_NONE);
    /* Known feature, no word for that direction. */
    assert_int_equal(mood__feature_word("speechiness", 0, w, sizeof w), MOOD_WORD_NONE);
    assert_string_equal(w, "");
    /* Anonymous coefficients and names that only look like a short pattern. */
    assert_int_equal(mood__feature_word("mfcc3", 1, w, sizeof w), MOOD_WORD_GENERIC);
    assert_string_equal(w, "high mfcc3");
    mood__feature_word("model_score", 1, w, sizeof w);
    assert_string_equal(w, "high model_score");
    mood__feature_word("distance_to_centroid", 0, w, sizeof w);
    assert_string_equal(w, "low distance_to_centroid");
}

static void test_no_word_and_balanced(void **state)
{
    (void)state;
    /* Group 0: low speechiness only (no word) → "low speechiness"; group 2 sits at the mean. */
    const float x[6] = {0.0f, 0.0f, 2.0f, 2.0f, 1.0f, 1.0f};
    const int32_t labels[6] = {0, 0, 1, 1, 2, 2};
    const char *names[1] = {"speechiness"};
    mood_profile *p;
    MOOD_ASSERT_OK(mood_profile_compute(x, 6, 1, names, labels, 3, &p));
    assert_string_equal(mood_profile_name(p, 0), "low speechiness");
    assert_string_equal(mood_profile_name(p, 1), "wordy");
    assert_string_equal(mood_profile_name(p, 2), "balanced");
    assert_string_equal(mood_profile_traits(p, 2), "");
    mood_profile_destroy(p);
}

static void test_duplicate_names(void **state)
{
    (void)state;
    /*
     * Groups 0 and 1 are both energetic and electronic (|z| 0.71 and 0.70) and differ in tempo
     * (z +0.67 / -0.67), which becomes their third word. Group 2 is calm and acoustic.
     */
    const char *names[3] = {"energy", "acousticness", "tempo"};
    const float g[3][4][3] = {
        {{1, 0.05f, 108}, {1, 0.15f, 128}, {1, 0.05f, 108}, {1, 0.15f, 128}},
        {{1, 0.05f, 92}, {1, 0.15f, 112}, {1, 0.05f, 92}, {1, 0.15f, 112}},
        {{0, 0.75f, 100}, {0, 0.85f, 120}, {0, 0.75f, 100}, {0, 0.85f, 120}},
    };
    int32_t labels[12];
    for (int i = 0; i < 12; i++)
        labels[i] = i / 4;
    mood_profile *p;
    MOOD_ASSERT_OK(mood_profile_compute(&g[0][0][0], 12, 3, names, labels, 3, &p));
    assert_string_equal(mood_profile_name(p, 0), "energetic, electronic, fast");
    assert_string_equal(mood_profile_name(p, 1), "energetic, electronic, slow");
    assert_string_equal(mood_profile_name(p, 2), "calm, acoustic");
    mood_profile_destroy(p);

    /* Identical groups have nothing to tell them apart: numbered in group order. */
    const float y[16] = {1, 0, 1, 0.25f, 1, 0, 1, 0.25f, 0, 1, 0, 1, 1, 0, 1, 0.25f};
    const int32_t yl[8] = {0, 0, 1, 1, 2, 2, 3, 3};
    MOOD_ASSERT_OK(mood_profile_compute(y, 8, 2, names, yl, 4, &p));
    assert_string_equal(mood_profile_name(p, 0), "energetic, electronic");
    assert_string_equal(mood_profile_name(p, 1), "energetic, electronic (2)");
    assert_string_equal(mood_profile_name(p, 2), "calm, acoustic");
    assert_string_equal(mood_profile_name(p, 3), "energetic, electronic (3)");
    mood_profile_destroy(p);

    /* The same words in another order are the same name: "acoustic, calm" vs "calm, acoustic"
     * (group 0 is more acoustic than calm, group 1 the reverse; both also differ in tempo). */
    const float w[24] = {0.5f, 1, 90, 0.5f, 1, 110, 0.3f, 0.7f, 130, 0.3f, 0.7f, 150,
                         1,    0, 60, 1,    0, 180, 1,    0,    60,  1,    0,    180};
    const int32_t wl[8] = {0, 0, 1, 1, 2, 2, 2, 2};
    MOOD_ASSERT_OK(mood_profile_compute(w, 8, 3, names, wl, 3, &p));
    assert_string_equal(mood_profile_name(p, 0), "acoustic, calm, slow");
    assert_string_equal(mood_profile_name(p, 1), "calm, acoustic, fast");
    assert_string_equal(mood_profile_name(p, 2), "energetic, electronic");
    mood_profile_destroy(p);
}

static void test_noise_nan_constant_empty(void **state)
{
    (void)state;
    /* Row 4 is noise (left out), a NaN cell is skipped, the constant column gets z = 0, group 2
     * is empty. */
    const float x[10] = {1, 7, NAN, 7, 3, 7, 5, 7, 100, 7};
    const int32_t labels[5] = {0, 0, 1, 1, -1};
    const char *names[2] = {"energy", "mode"};
    mood_profile *p;
    MOOD_ASSERT_OK(mood_profile_compute(x, 5, 2, names, labels, 3, &p));
    assert_int_equal(mood_profile_size(p, 0), 2);
    assert_int_equal(mood_profile_size(p, 2), 0);
    MOOD_ASSERT_NEAR(mood_profile_mean(p, 0, 0), 1.0, 0, 1e-12);
    MOOD_ASSERT_NEAR(mood_profile_mean(p, 1, 0), 4.0, 0, 1e-12);
    MOOD_ASSERT_NEAR(mood_profile_overall_mean(p, 0), 3.0, 0, 1e-12);
    MOOD_ASSERT_NEAR(mood_profile_z(p, 0, 1), 0.0, 0, 0);
    assert_true(isnan(mood_profile_mean(p, 2, 0)));
    MOOD_ASSERT_NEAR(mood_profile_z(p, 2, 0), 0.0, 0, 0);
    assert_string_equal(mood_profile_name(p, 2), "empty");
    MOOD_ASSERT_NEAR(mood_profile_share(p, 0), 0.5, 0, 1e-12);
    mood_profile_destroy(p);
}

static void test_errors(void **state)
{
    (void)state;
    mood_profile *p = (mood_profile *)1;
    int32_t bad[8] = {0, 0, 0, 0, 1, 1, 1, 2};
    int32_t noise[8] = {-1, -1, -1, -1, -1, -1, -1, -1};
    assert_int_equal(mood_profile_compute(two_x, 0, 2, two_names, two_labels, 2, &p), MOOD_EINVAL);
    assert_null(p);
    assert_int_equal(mood_profile_compute(two_x, 8, 0, two_names, two_labels, 2, &p), MOOD_EINVAL);
    assert_int_equal(mood_profile_compute(two_x, 8, 2, two_names, two_labels, 0, &p), MOOD_EINVAL);
    assert_int_equal(mood_profile_compute(NULL, 8, 2, two_names, two_labels, 2, &p), MOOD_EINVAL);
    assert_int_equal(mood_profile_compute(two_x, 8, 2, two_names, bad, 2, &p), MOOD_EINVAL);
    assert_non_null(strstr(mood_last_error(), "labels[7]=2"));
    assert_int_equal(mood_profile_compute(two_x, 8, 2, two_names, noise, 2, &p), MOOD_EINVAL);
    assert_non_null(strstr(mood_last_error(), "noise"));
}

static void test_enomem(void **state)
{
    (void)state;
    const char *dir = mood_test_tmpdir("describe-enomem");
    char path[1100];
    snprintf(path, sizeof path, "%s/profiles.csv", dir);
    for (long fail = 1;; fail++) {
        mood_profile *p = NULL;
        mood_test_fail_alloc_after(fail);
        mood_status s = mood_profile_compute(two_x, 8, 2, two_names, two_labels, 2, &p);
        if (s == MOOD_OK)
            s = mood_profile_write_csv(p, path);
        long used = mood_test_alloc_count();
        mood_test_fail_alloc_after(0);
        mood_profile_destroy(p);
        if (s == MOOD_OK) {
            assert_true(used < fail);
            break;
        }
        assert_int_equal(s, MOOD_ENOMEM);
        assert_false(mood_path_exists(path));
        assert_true(fail < 500);
    }
    assert_true(mood_path_exists(path));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_groups),
        cmocka_unit_test(test_csv_and_print),
        cmocka_unit_test(test_anonymous_features),
        cmocka_unit_test(test_vocabulary),
        cmocka_unit_test(test_no_word_and_balanced),
        cmocka_unit_test(test_duplicate_names),
        cmocka_unit_test(test_noise_nan_constant_empty),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_enomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
