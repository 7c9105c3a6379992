/*
 * Known-answer tests for feature selection: the default rule with the reason for every column
 * it leaves out, explicit lists with their error messages, the name rules, allocation failures
 * and the real ClassicHit table.
 */
#include "test_util.h"

#include "csv_internal.h"

#include <moodscope/csv.h>
#include <moodscope/features.h>
#include <moodscope/table.h>

#include <math.h>
#include <string.h>

/* energy, valence usable; the rest each left out for one reason. */
static mood_table *make_table(void)
{
    mood_table *t;
    float energy[4] = {0.1f, 0.9f, NAN, 0.5f};
    float valence[4] = {1, 2, 3, 4};
    float rowid[4] = {1, 2, 3, 4};
    float genre_code[4] = {0, 1, 0, 1};
    float constant[4] = {0.5f, 0.5f, NAN, 0.5f};
    float empty[4] = {NAN, NAN, NAN, NAN};
    float sim[4] = {0.3f, -1.2f, 0.8f, 0.1f};
    const char *title[4] = {"a", "b", "c", "d"};
    MOOD_ASSERT_OK(mood_table_create(4, &t));
    MOOD_ASSERT_OK(mood_table_add_num(t, "track_id", rowid));
    MOOD_ASSERT_OK(mood_table_add_str(t, "title", title));
    MOOD_ASSERT_OK(mood_table_add_num(t, "energy", energy));
    MOOD_ASSERT_OK(mood_table_add_num(t, "Genre", genre_code));
    MOOD_ASSERT_OK(mood_table_add_num(t, "speechiness", constant));
    MOOD_ASSERT_OK(mood_table_add_num(t, "liveness", empty));
    MOOD_ASSERT_OK(mood_table_add_num(t, "Popularity", valence)); /* metadata, any values */
    MOOD_ASSERT_OK(mood_table_add_num(t, "valence", valence));
    MOOD_ASSERT_OK(mood_table_add_num(t, "sim_07", sim));
    MOOD_ASSERT_OK(mood_table_add_num(t, "sim_ilarity", sim));
    return t;
}

static void test_default_rule(void **state)
{
    (void)state;
    mood_table *t = make_table();
    mood_feature_list l;
    const char *skipped[6] = {"track_id", "Genre",      "speechiness",
                              "liveness", "Popularity", "sim_07"};
    const char *reasons[6] = {"identifier", "label", "constant", "empty", "metadata", "embedding"};
    MOOD_ASSERT_OK(mood_features_select(t, NULL, &l));
    assert_int_equal(l.k, 3); /* "sim_ilarity" is not an embedding coordinate */
    assert_string_equal(l.names[0], "energy");
    assert_string_equal(l.names[1], "valence");
    assert_string_equal(l.names[2], "sim_ilarity");
    assert_int_equal(l.n_skipped, 6);
    for (size_t i = 0; i < 6; i++) {
        assert_string_equal(l.skipped[i], skipped[i]);
        assert_string_equal(l.skip_reasons[i], reasons[i]);
    }
    mood_feature_list_free(&l);
    assert_int_equal(l.k, 0);
    mood_feature_list_free(&l); /* a zeroed list is fine */
    MOOD_ASSERT_OK(mood_features_select(t, " all-numeric", &l));
    assert_int_equal(l.k, 3);
    mood_feature_list_free(&l);
    MOOD_ASSERT_OK(mood_features_select(t, "", &l));
    assert_int_equal(l.k, 3);
    mood_feature_list_free(&l);
    MOOD_ASSERT_OK(mood_features_select(t, "sim_07,energy", &l)); /* explicit: allowed */
    assert_int_equal(l.k, 2);
    mood_feature_list_free(&l);
    mood_table_destroy(t);
}

static void test_explicit_list(void **state)
{
    (void)state;
    mood_table *t = make_table();
    mood_feature_list l;
    MOOD_ASSERT_OK(mood_features_select(t, " valence , energy,track_id", &l));
    assert_int_equal(l.k, 3);
    assert_string_equal(l.names[0], "valence");
    assert_string_equal(l.names[1], "energy");
    assert_string_equal(l.names[2], "track_id");
    assert_int_equal(l.n_skipped, 0);
    mood_feature_list_free(&l);

    assert_int_equal(mood_features_select(t, "energy,tempo", &l), MOOD_ENOTFOUND);
    assert_string_equal(mood_last_error(),
                        "column 'tempo' not found; numeric columns: track_id, energy, Genre, "
                        "speechiness, liveness, Popularity, valence, sim_07, sim_ilarity");
    assert_null(l.names);
    assert_int_equal(mood_features_select(t, "title", &l), MOOD_EINVAL);
    assert_string_equal(mood_last_error(), "column 'title' is text, expected numbers");
    assert_int_equal(mood_features_select(t, "energy, speechiness", &l), MOOD_EINVAL);
    assert_string_equal(mood_last_error(), "column 'speechiness' is constant (every value 0.5)");
    MOOD_ASSERT_OK(mood_features_select(t, "energy,Popularity", &l)); /* metadata, when named */
    assert_int_equal(l.k, 2);
    mood_feature_list_free(&l);
    assert_int_equal(mood_features_select(t, "liveness", &l), MOOD_EINVAL);
    assert_string_equal(mood_last_error(), "column 'liveness' is entirely missing");
    assert_int_equal(mood_features_select(t, "energy,,valence", &l), MOOD_EINVAL);
    assert_non_null(strstr(mood_last_error(), "empty name"));
    assert_int_equal(mood_features_select(t, "energy,energy", &l), MOOD_EINVAL);
    assert_string_equal(mood_last_error(), "column 'energy' is listed twice");
    mood_table_destroy(t);
}

static void test_nothing_left(void **state)
{
    (void)state;
    mood_table *t;
    mood_feature_list l;
    float c[2] = {3, 3};
    const char *s[2] = {"x", "y"};
    MOOD_ASSERT_OK(mood_table_create(2, &t));
    MOOD_ASSERT_OK(mood_table_add_num(t, "id", c));
    MOOD_ASSERT_OK(mood_table_add_num(t, "flat", c));
    MOOD_ASSERT_OK(mood_table_add_str(t, "name", s));
    assert_int_equal(mood_features_select(t, NULL, &l), MOOD_EINVAL);
    assert_string_equal(mood_last_error(), "no usable numeric feature columns (left out: id "
                                           "(identifier), flat (constant))");
    assert_int_equal(l.k, 0);
    assert_null(l.names);
    mood_table_destroy(t);
    MOOD_ASSERT_OK(mood_table_create(2, &t));
    MOOD_ASSERT_OK(mood_table_add_str(t, "name", s));
    assert_int_equal(mood_features_select(t, NULL, &l), MOOD_EINVAL);
    assert_non_null(strstr(mood_last_error(), "no usable numeric feature columns"));
    assert_int_equal(mood_features_select(t, "nope", &l), MOOD_ENOTFOUND);
    assert_string_equal(mood_last_error(), "column 'nope' not found; numeric columns: (none)");
    mood_table_destroy(t);
}

static void test_name_rules(void **state)
{
    (void)state;
    const char *ids[] = {"id",    "ID",         "track_id",  "Spotify_ID", "id_track",
                         "index", "uri",        "track_uri", "url",        "preview_url",
                         "isrc",  "Unnamed: 0", "unnamed_3", NULL};
    const char *not_ids[] = {"energy", "valid", "idle", "hidden", "video", "danceability", NULL};
    const char *labels[] = {"label",    "Genre", "class", "target", "cluster", "cluster_name",
                            "category", "y",     "HIT",   "decade", NULL};
    const char *not_labels[] = {"labels_count", "genres", "x", "hits", "energy", NULL};
    for (const char *const *p = ids; *p; p++)
        assert_true(mood_features_is_identifier(*p));
    for (const char *const *p = not_ids; *p; p++)
        assert_false(mood_features_is_identifier(*p));
    for (const char *const *p = labels; *p; p++)
        assert_true(mood_features_is_label(*p));
    for (const char *const *p = not_labels; *p; p++)
        assert_false(mood_features_is_label(*p));
    assert_true(mood__csv_is_text_name("Artist"));
    assert_true(mood__csv_is_text_name("track_name"));
    assert_true(mood__csv_is_text_name("source"));
    assert_true(mood__csv_is_text_name("id"));
    assert_false(mood__csv_is_text_name("tempo"));
    assert_false(mood__csv_is_text_name("year"));
}

static void test_alloc_failures(void **state)
{
    (void)state;
    mood_table *t = make_table();
    const char *specs[2] = {NULL, "valence,energy"};
    for (int k = 0; k < 2; k++) {
        int ok = 0;
        for (long n = 1; n < 200 && !ok; n++) {
            mood_feature_list l;
            mood_test_fail_alloc_after(n);
            mood_status s = mood_features_select(t, specs[k], &l);
            mood_test_fail_alloc_after(0);
            if (s == MOOD_OK) {
                ok = 1;
                assert_int_equal(l.k, k == 0 ? 3 : 2);
                mood_feature_list_free(&l);
            } else {
                assert_int_equal(s, MOOD_ENOMEM);
                assert_null(l.names);
            }
        }
        assert_true(ok);
    }
    mood_table_destroy(t);
}

static void test_classichits(void **state)
{
    (void)state;
    const char *p = mood_test_dataset("spotify_classichits_genre/ClassicHit.csv");
    mood_table *t;
    mood_feature_list l;
    if (!p)
        skip();
    MOOD_ASSERT_OK(mood_csv_read(p, NULL, &t));
    MOOD_ASSERT_OK(mood_features_select(t, NULL, &l));
    /* The sound features of STATS.json's numeric columns; Track, Artist and Genre are text,
     * and the release metadata is left out with its reason. */
    const char *want[] = {"Danceability",     "Energy",   "Loudness", "Speechiness", "Acousticness",
                          "Instrumentalness", "Liveness", "Valence",  "Tempo"};
    const char *meta[] = {"Year", "Duration", "Time_Signature", "Key", "Mode", "Popularity"};
    assert_int_equal(l.k, 9);
    for (size_t i = 0; i < 9; i++)
        assert_string_equal(l.names[i], want[i]);
    assert_int_equal(l.n_skipped, 6);
    for (size_t i = 0; i < 6; i++) {
        assert_string_equal(l.skipped[i], meta[i]);
        assert_string_equal(l.skip_reasons[i], "metadata");
    }
    mood_feature_list_free(&l);
    mood_table_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_rule),   cmocka_unit_test(test_explicit_list),
        cmocka_unit_test(test_nothing_left),   cmocka_unit_test(test_name_rules),
        cmocka_unit_test(test_alloc_failures), cmocka_unit_test(test_classichits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
