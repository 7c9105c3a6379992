/*
 * The analysed library in a temporary catalog: parallel analysis with failures recorded,
 * resume (unchanged files skipped, changed ones redone), export/list/show/stats, cancellation;
 * user overrides (library set) seen by every reader and kept over re-analysis, doubtful values.
 */
#define _POSIX_C_SOURCE 200809L
#include "synth.h"
#include "test_util.h"

#include <moodscope/catalog.h>
#include <moodscope/fileio.h>
#include <moodscope/library.h>

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static char dir[4096], music[4096], catpath[4096];

static void write_fixture(const char *name, float *x, size_t n)
{
    char p[8192];
    snprintf(p, sizeof p, "%s/%s", music, name);
    for (size_t i = 0; i < n; i++)
        x[i] *= 0.5f;
    assert_int_equal(synth_write_wav(p, x, n, 1, 22050), 0);
    free(x);
}

static int setup(void **state)
{
    size_t n;
    (void)state;
    snprintf(dir, sizeof dir, "%s", mood_test_tmpdir("audio_library"));
    snprintf(music, sizeof music, "%s/music/sub", dir);
    mood_mkdirs(music);
    snprintf(catpath, sizeof catpath, "%s/catalog.db", dir);
    float *x = synth_drums(100, 0, 6.0, 22050, &n);
    write_fixture("drums100.wav", x, n);
    x = synth_progression(2, 1, 6.0, 22050, &n);
    write_fixture("chordsD.wav", x, n);
    x = synth_drums(140, 1, 6.0, 22050, &n);
    write_fixture("drums140.wav", x, n);
    char p[8192];
    snprintf(p, sizeof p, "%s/broken.mp3", music);
    FILE *fp = fopen(p, "w");
    fputs("ID3 not really an mp3", fp);
    fclose(fp);
    snprintf(p, sizeof p, "%s/readme.txt", music); /* not an audio extension: not looked at */
    fp = fopen(p, "w");
    fputs("hello", fp);
    fclose(fp);
    return 0;
}

static void test_analyze_resume_export(void **state)
{
    (void)state;
    mood_catalog *cat;
    mood_analyze_options o;
    mood_analyze_summary sum;
    char root[4096];
    snprintf(root, sizeof root, "%s/music", dir);
    const char *paths[] = {root};
    MOOD_ASSERT_OK(mood_catalog_open(catpath, &cat));
    mood_analyze_options_default(&o);
    o.jobs = 2;
    MOOD_ASSERT_OK(mood_library_analyze(cat, paths, 1, &o, &sum));
    assert_int_equal(sum.files_total, 4);
    assert_int_equal(sum.analyzed, 3);
    assert_int_equal(sum.failed, 1);
    assert_int_equal(sum.n_failures, 1);
    assert_non_null(strstr(sum.failures[0].path, "broken.mp3"));
    assert_true(strlen(sum.failures[0].reason) > 5);
    assert_int_equal(sum.reports_written, 3); /* next to the audio */
    MOOD_ASSERT_NEAR(sum.audio_s, 18.0, 0.0, 0.01);
    mood_analyze_summary_free(&sum);
    char rep[8192];
    snprintf(rep, sizeof rep, "%s/drums100.wav.moodscope.json", music);
    assert_true(mood_path_exists(rep));

    /* Rerun: every unchanged file is skipped, the broken one included. */
    MOOD_ASSERT_OK(mood_library_analyze(cat, paths, 1, &o, &sum));
    assert_int_equal(sum.skipped, 4);
    assert_int_equal(sum.skipped_failed, 1);
    assert_int_equal(sum.analyzed, 0);
    assert_int_equal(sum.failed, 0);
    mood_analyze_summary_free(&sum);

    /* A changed file (new mtime) is analysed again; --overwrite redoes everything. */
    char p[8192];
    snprintf(p, sizeof p, "%s/chordsD.wav", music);
    struct timespec ts[2] = {{0, UTIME_NOW}, {1000000, 0}};
    assert_int_equal(utimensat(0, p, ts, 0), 0);
    MOOD_ASSERT_OK(mood_library_analyze(cat, paths, 1, &o, &sum));
    assert_int_equal(sum.analyzed, 1);
    assert_int_equal(sum.skipped, 3); /* two analysed and the unchanged broken file */
    mood_analyze_summary_free(&sum);
    o.overwrite = 1;
    o.reports_dir = rep; /* reuse the buffer for a reports folder */
    snprintf(rep, sizeof rep, "%s/reports", dir);
    MOOD_ASSERT_OK(mood_library_analyze(cat, paths, 1, &o, &sum));
    assert_int_equal(sum.analyzed, 3);
    assert_int_equal(sum.reports_written, 3);
    mood_analyze_summary_free(&sum);

    /* Export: one row per analysed track, the contract columns, standardised sim_*. */
    mood_table *t;
    size_t j;
    MOOD_ASSERT_OK(mood_library_export_table(cat, &t));
    assert_int_equal(mood_table_rows(t), 3);
    static const char *const need[] = {"track_id",
                                       "path",
                                       "title",
                                       "artist",
                                       "album",
                                       "genre",
                                       "camelot",
                                       "year",
                                       "duration_s",
                                       "sample_rate_hz",
                                       "tempo_bpm",
                                       "tempo_confidence",
                                       "key_index",
                                       "mode",
                                       "key_confidence",
                                       "loudness_lufs",
                                       "loudness_range_lu",
                                       "true_peak_dbtp",
                                       "energy",
                                       "valence",
                                       "arousal",
                                       "danceability",
                                       "acousticness",
                                       "spectral_centroid_hz",
                                       "sim_00",
                                       "sim_63"};
    for (size_t i = 0; i < sizeof need / sizeof *need; i++)
        MOOD_ASSERT_OK(mood_table_find(t, need[i], &j));
    assert_int_equal(mood_table_find(t, "sim_64", &j), MOOD_ENOTFOUND);
    MOOD_ASSERT_OK(mood_table_find(t, "sim_00", &j));
    const float *s0 = mood_table_num_const(t, j);
    MOOD_ASSERT_NEAR(s0[0] + s0[1] + s0[2], 0.0, 0.0, 1e-4);
    MOOD_ASSERT_OK(mood_table_find(t, "path", &j));
    int found = 0;
    for (size_t i = 0; i < 3; i++)
        if (strstr(mood_table_str(t, j, i), "/music/sub/chordsD.wav") &&
            mood_table_str(t, j, i)[0] == '/')
            found = (int)i + 1;
    assert_true(found);
    size_t jk, jm, jc, jb;
    MOOD_ASSERT_OK(mood_table_find(t, "key_index", &jk));
    MOOD_ASSERT_OK(mood_table_find(t, "mode", &jm));
    MOOD_ASSERT_OK(mood_table_find(t, "camelot", &jc));
    MOOD_ASSERT_OK(mood_table_find(t, "tempo_bpm", &jb));
    assert_int_equal((int)mood_table_num_const(t, jk)[found - 1], 2); /* D major */
    assert_int_equal((int)mood_table_num_const(t, jm)[found - 1], 1);
    assert_string_equal(mood_table_str(t, jc, (size_t)found - 1), "10B");
    mood_table_destroy(t);

    /* List, show, stats. */
    MOOD_ASSERT_OK(mood_library_list(cat, &t));
    assert_int_equal(mood_table_rows(t), 4);
    mood_table_destroy(t);
    char *json;
    MOOD_ASSERT_OK(mood_library_show(cat, "chordsD", &json));
    assert_non_null(strstr(json, "\"tonal\""));
    assert_non_null(strstr(json, "D major"));
    mood_free(json);
    MOOD_ASSERT_OK(mood_library_show(cat, "2", &json)); /* id 1 is broken.mp3 */
    mood_free(json);
    assert_int_equal(mood_library_show(cat, "drums", &json), MOOD_EINVAL); /* two match */
    assert_non_null(strstr(mood_last_error(), "several"));
    assert_int_equal(mood_library_show(cat, "nothing-like-this", &json), MOOD_ENOTFOUND);
    assert_int_equal(mood_library_show(cat, "broken", &json), MOOD_EFORMAT);
    mood_library_stats st;
    MOOD_ASSERT_OK(mood_library_stats_get(cat, &st));
    assert_int_equal(st.tracks, 4);
    assert_int_equal(st.ok, 3);
    assert_int_equal(st.failed, 1);
    MOOD_ASSERT_NEAR(st.audio_hours, 18.0 / 3600.0, 0.0, 1e-5);

    /* Cancellation before the start: nothing is analysed, ECANCELED, finished rows kept. */
    mood_cancel_request();
    assert_int_equal(mood_library_analyze(cat, paths, 1, &o, &sum), MOOD_ECANCELED);
    assert_true(sum.interrupted);
    assert_int_equal(sum.analyzed, 0);
    mood_analyze_summary_free(&sum);
    mood_cancel_reset();
    MOOD_ASSERT_OK(mood_library_stats_get(cat, &st));
    assert_int_equal(st.ok, 3);

    /* Bad arguments. */
    const char *missing[] = {"/nonexistent/folder"};
    assert_int_equal(mood_library_analyze(cat, missing, 1, &o, &sum), MOOD_ENOTFOUND);
    assert_int_equal(mood_library_analyze(cat, paths, 0, &o, &sum), MOOD_EINVAL);
    mood_catalog_close(cat);
}

/* The value of numeric column @p name at the row whose path contains @p part. */
static float export_num(const mood_table *t, const char *part, const char *name)
{
    size_t jp, j;
    MOOD_ASSERT_OK(mood_table_find(t, "path", &jp));
    MOOD_ASSERT_OK(mood_table_find(t, name, &j));
    for (size_t i = 0; i < mood_table_rows(t); i++)
        if (strstr(mood_table_str(t, jp, i), part))
            return mood_table_num_const(t, j)[i];
    fail_msg("no exported row matches %s", part);
    return 0;
}

static const char *export_str(const mood_table *t, const char *part, const char *name)
{
    size_t jp, j;
    MOOD_ASSERT_OK(mood_table_find(t, "path", &jp));
    MOOD_ASSERT_OK(mood_table_find(t, name, &j));
    for (size_t i = 0; i < mood_table_rows(t); i++)
        if (strstr(mood_table_str(t, jp, i), part))
            return mood_table_str(t, j, i);
    fail_msg("no exported row matches %s", part);
    return "";
}

/* Overrides that every reader sees, that survive re-analysis and that --clear removes. */
static void test_overrides(void **state)
{
    (void)state;
    mood_catalog *cat;
    mood_library_fix f;
    mood_table *t;
    int64_t id;
    MOOD_ASSERT_OK(mood_catalog_open(catpath, &cat));
    mood_library_fix_init(&f);
    f.tempo_bpm = 128;
    f.key = "Am";
    f.meter = "6/8";
    MOOD_ASSERT_OK(mood_library_set(cat, "chordsD", &f, &id));
    assert_true(id > 0);

    MOOD_ASSERT_OK(mood_library_export_table(cat, &t));
    MOOD_ASSERT_NEAR(export_num(t, "chordsD", "tempo_bpm"), 128.0, 0.0, 1e-4);
    MOOD_ASSERT_NEAR(export_num(t, "chordsD", "tempo_confidence"), 1.0, 0.0, 1e-6);
    MOOD_ASSERT_NEAR(export_num(t, "chordsD", "key_index"), 9.0, 0.0, 0.0);
    MOOD_ASSERT_NEAR(export_num(t, "chordsD", "mode"), 0.0, 0.0, 0.0);
    MOOD_ASSERT_NEAR(export_num(t, "chordsD", "key_confidence"), 1.0, 0.0, 1e-6);
    MOOD_ASSERT_NEAR(export_num(t, "chordsD", "beats_per_bar"), 2.0, 0.0, 0.0);
    MOOD_ASSERT_NEAR(export_num(t, "chordsD", "compound_meter"), 1.0, 0.0, 0.0);
    assert_string_equal(export_str(t, "chordsD", "camelot"), "8A");
    assert_string_equal(export_str(t, "chordsD", "key"), "A minor");
    assert_string_equal(export_str(t, "chordsD", "tempo_source"), "user");
    assert_string_equal(export_str(t, "chordsD", "key_source"), "user");
    assert_string_equal(export_str(t, "drums100", "key_source"), "analysis");
    mood_table_destroy(t);

    mood_library_musical m;
    MOOD_ASSERT_OK(mood_library_musical_get(cat, "chordsD", &m));
    assert_int_equal(m.user, MOOD_FIX_ALL);
    assert_string_equal(m.key, "A minor");
    assert_string_equal(m.open_key, "1m");
    assert_string_equal(m.analysed_key, "D major");
    assert_string_equal(m.meter, "6/8");
    char *json;
    MOOD_ASSERT_OK(mood_library_show(cat, "chordsD", &json));
    assert_non_null(strstr(json, "\"tempo_source\": \"user\""));
    assert_non_null(strstr(json, "\"key_analysed\": \"D major\""));
    mood_free(json);

    /* Re-analysis keeps the override. */
    mood_analyze_options o;
    mood_analyze_summary sum;
    char file[8192];
    snprintf(file, sizeof file, "%s/chordsD.wav", music);
    const char *paths[] = {file};
    mood_analyze_options_default(&o);
    o.overwrite = 1;
    MOOD_ASSERT_OK(mood_library_analyze(cat, paths, 1, &o, &sum));
    assert_int_equal(sum.analyzed, 1);
    mood_analyze_summary_free(&sum);
    MOOD_ASSERT_OK(mood_library_musical_get(cat, file, &m));
    MOOD_ASSERT_NEAR(m.tempo_bpm, 128.0, 0.0, 1e-4);
    assert_string_equal(m.camelot, "8A");

    /* Doubtful: with the strictest rule everything analysed is listed, the user's values not. */
    mood_library_doubtful_options d;
    mood_library_doubtful_options_default(&d);
    d.threshold = 1.0;
    d.margin = 1.0;
    MOOD_ASSERT_OK(mood_library_doubtful(cat, &d, &t));
    /* At most tempo and key of the two drum tracks (a confidence of exactly 1 is not doubtful). */
    assert_true(mood_table_rows(t) >= 1 && mood_table_rows(t) <= 4);
    size_t jp, jc;
    MOOD_ASSERT_OK(mood_table_find(t, "path", &jp));
    MOOD_ASSERT_OK(mood_table_find(t, "certainty", &jc));
    for (size_t i = 0; i < mood_table_rows(t); i++) {
        assert_null(strstr(mood_table_str(t, jp, i), "chordsD"));
        if (i)
            assert_true(mood_table_num_const(t, jc)[i - 1] <= mood_table_num_const(t, jc)[i]);
    }
    mood_table_destroy(t);
    d.limit = 1;
    MOOD_ASSERT_OK(mood_library_doubtful(cat, &d, &t));
    assert_int_equal(mood_table_rows(t), 1);
    mood_table_destroy(t);
    d.threshold = 0;
    assert_int_equal(mood_library_doubtful(cat, &d, &t), MOOD_EINVAL);

    /* Bad input. */
    mood_library_fix_init(&f);
    f.tempo_bpm = 500;
    assert_int_equal(mood_library_set(cat, "chordsD", &f, NULL), MOOD_EINVAL);
    assert_non_null(strstr(mood_last_error(), "20..400"));
    mood_library_fix_init(&f);
    f.key = "H#";
    assert_int_equal(mood_library_set(cat, "chordsD", &f, NULL), MOOD_EINVAL);
    assert_non_null(strstr(mood_last_error(), "H#"));
    mood_library_fix_init(&f);
    f.meter = "5/7";
    assert_int_equal(mood_library_set(cat, "chordsD", &f, NULL), MOOD_EINVAL);
    mood_library_fix_init(&f);
    assert_int_equal(mood_library_set(cat, "chordsD", &f, NULL), MOOD_EINVAL);
    f.tempo_bpm = 90;
    assert_int_equal(mood_library_set(cat, "no-such-track", &f, NULL), MOOD_ENOTFOUND);
    assert_int_equal(mood_library_set(cat, "drums", &f, NULL), MOOD_EINVAL); /* two match */

    /* Clearing one field, then all: the analysed values come back. */
    mood_library_fix_init(&f);
    f.clear = MOOD_FIX_KEY;
    MOOD_ASSERT_OK(mood_library_set(cat, "chordsD", &f, NULL));
    MOOD_ASSERT_OK(mood_library_musical_get(cat, "chordsD", &m));
    assert_int_equal(m.user, MOOD_FIX_TEMPO | MOOD_FIX_METER);
    assert_string_equal(m.camelot, "10B");
    f.clear = MOOD_FIX_ALL;
    MOOD_ASSERT_OK(mood_library_set(cat, "chordsD", &f, NULL));
    MOOD_ASSERT_OK(mood_library_export_table(cat, &t));
    assert_string_equal(export_str(t, "chordsD", "tempo_source"), "analysis");
    MOOD_ASSERT_NEAR(export_num(t, "chordsD", "key_index"), 2.0, 0.0, 0.0);
    mood_table_destroy(t);
    mood_catalog_close(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_analyze_resume_export),
        cmocka_unit_test(test_overrides),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
