/*
 * The model pipeline on a hand-made history whose answers are known: 30 tracks in three
 * well-separated mood groups, one session every evening at 20:00 UTC for 60 days, each
 * session cycling group 0 → 1 → 2 → 0 ... So the moods come out as 3 groups with the
 * expected names, the next mood is fully predictable from the last one (repeat-last scores 0,
 * the model and the Markov chain close to 1), sessions start only at 20:00 (the model ranks
 * that hour first), predictions reload the stored models, and a new track is assigned to its
 * nearest mood without refitting.
 */
#include "test_util.h"

#include "history/history_internal.h"

#include <moodscope/fileio.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAYS        60
#define PER_SESSION 9
#define TRACKS      30

static const float group_feat[3][3] = {
    /* energy, valence, acousticness */
    {0.90f, 0.90f, 0.05f},
    {0.20f, 0.20f, 0.90f},
    {0.55f, 0.50f, 0.35f},
};

static void write_fixture(const char *dir, char *hist_path, char *feat_path, size_t cap)
{
    size_t len = 0, bufcap = 1 << 22;
    char *buf = malloc(bufcap);
    FILE *fp;
    assert_non_null(buf);
    snprintf(hist_path, cap, "%s/Streaming_History_Audio_2024.json", dir);
    snprintf(feat_path, cap, "%s/features.csv", dir);
    len += (size_t)snprintf(buf + len, bufcap - len, "[\n");
    for (int d = 0; d < DAYS; d++)
        for (int i = 0; i < PER_SESSION; i++) {
            int g = i % 3, t = g * 10 + (d + i / 3) % 10;
            /* 2024-01-01T20:00Z = 1704139200; a play lasts 200 s, ts is its end */
            long long end = 1704139200LL + d * 86400LL + i * 210LL + 200;
            time_t tt = (time_t)end;
            struct tm tm;
            char ts[32];
            gmtime_r(&tt, &tm);
            strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
            len += (size_t)snprintf(
                buf + len, bufcap - len,
                "%s{\"ts\": \"%s\", \"ms_played\": 200000, \"master_metadata_track_name\": "
                "\"Song %d\", \"master_metadata_album_artist_name\": \"Artist %d\", "
                "\"spotify_track_uri\": \"spotify:track:%022d\", \"reason_start\": "
                "\"trackdone\", \"reason_end\": \"trackdone\", \"shuffle\": false, "
                "\"skipped\": false}\n",
                d || i ? "," : "", ts, t, g, t);
        }
    len += (size_t)snprintf(buf + len, bufcap - len, "]\n");
    MOOD_ASSERT_OK(mood_atomic_write(hist_path, buf, len));
    fp = fopen(feat_path, "w");
    assert_non_null(fp);
    fprintf(fp, "uri,energy,valence,acousticness,danceability,duration_ms\n");
    for (int t = 0; t < TRACKS; t++) {
        int g = t / 10;
        float jitter = 0.01f * (float)(t % 5);
        fprintf(fp, "spotify:track:%022d,%.3f,%.3f,%.3f,%.3f,200000\n", t,
                (double)(group_feat[g][0] + jitter), (double)(group_feat[g][1] - jitter),
                (double)(group_feat[g][2] + jitter), 0.5 + 0.01 * t);
    }
    fclose(fp);
    free(buf);
}

static void test_pipeline_known_answers(void **state)
{
    (void)state;
    const char *dir = mood_test_tmpdir("hist-models");
    char hist[2048], feat[2048], dbp[2048];
    const char *tables[1] = {feat};
    mood_catalog *cat;
    mood_history_import_report ir;
    mood_history_join_report jr;
    mood_history_options o;
    mood_history_train_options to;
    mood_history *h;
    char *json;
    json_t *j;
    json_error_t err;
    int32_t group_cluster[3];

    write_fixture(dir, hist, feat, sizeof hist);
    snprintf(dbp, sizeof dbp, "%s/catalog.db", dir);
    MOOD_ASSERT_OK(mood_catalog_open(dbp, &cat));
    MOOD_ASSERT_OK(mood_history_import(cat, hist, NULL, NULL, &ir));
    assert_int_equal(ir.added, DAYS * PER_SESSION);
    MOOD_ASSERT_OK(mood_history_join(cat, tables, 1, &jr));
    assert_int_equal(jr.tracks, TRACKS);
    assert_int_equal(jr.matched_uri, TRACKS);
    MOOD_ASSERT_NEAR(jr.play_match_rate, 1.0, 0, 1e-12);

    mood_history_options_default(&o);
    MOOD_ASSERT_OK(mood_history_load(cat, &o, &h));
    assert_int_equal(mood_history_n_sessions(h), DAYS);

    mood_history_train_options_default(&to);
    to.rounds = 15;
    MOOD_ASSERT_OK(mood_history_moods_fit(cat, h, &to, &json));
    j = json_loads(json, 0, &err);
    mood_free(json);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "k")), 3);
    /* each group of 10 tracks is one cluster, and the names read its centroid */
    for (int g = 0; g < 3; g++) {
        int32_t c = -1;
        for (size_t t = 0; t < h->n_tracks; t++)
            if (!strncmp(h->tracks[t].artist, "Artist ", 7) && atoi(h->tracks[t].artist + 7) == g) {
                if (c < 0)
                    c = h->tracks[t].cluster;
                assert_int_equal(h->tracks[t].cluster, c);
            }
        group_cluster[g] = c;
    }
    assert_int_not_equal(group_cluster[0], group_cluster[1]);
    assert_int_not_equal(group_cluster[1], group_cluster[2]);
    {
        const json_t *names = json_object_get(j, "names");
        assert_string_equal(json_string_value(json_array_get(names, (size_t)group_cluster[0])),
                            "high energy, positive, electronic");
        assert_string_equal(json_string_value(json_array_get(names, (size_t)group_cluster[1])),
                            "low energy, negative, acoustic");
        assert_string_equal(json_string_value(json_array_get(names, (size_t)group_cluster[2])),
                            "medium energy, neutral");
    }
    json_decref(j);

    /* next mood: the cycle is learnt; repeating the last mood is always wrong */
    MOOD_ASSERT_OK(mood_history_nextmood_train(cat, h, &to, &json));
    j = json_loads(json, 0, &err);
    mood_free(json);
    assert_non_null(j);
    {
        double acc = json_real_value(json_object_get(json_object_get(j, "xgboost"), "accuracy"));
        const json_t *b = json_object_get(j, "baselines");
        double rep =
            json_real_value(json_object_get(json_object_get(b, "repeat_last"), "accuracy"));
        double mk = json_real_value(json_object_get(json_object_get(b, "markov"), "accuracy"));
        assert_int_equal(json_integer_value(json_object_get(j, "rows")), DAYS * (PER_SESSION - 1));
        assert_true(acc >= 0.99);
        MOOD_ASSERT_NEAR(rep, 0.0, 0, 1e-12);
        assert_true(mk >= 0.99);
    }
    json_decref(j);

    /* Ctrl-C during training stops cleanly and stores nothing */
    mood_cancel_request();
    assert_int_equal(mood_history_sessionstart_train(cat, h, &to, &json), MOOD_ECANCELED);
    assert_null(json);
    mood_cancel_reset();
    /* Without the session-start model, predict gives the next mood and says why the hourly
     * chances are missing. */
    MOOD_ASSERT_OK(mood_history_predict(cat, h, 24, &json));
    j = json_loads(json, 0, &err);
    mood_free(json);
    assert_non_null(j);
    assert_int_equal(json_array_size(json_object_get(j, "session_start")), 0);
    assert_non_null(
        strstr(json_string_value(json_object_get(j, "session_start_reason")), "sessionstart"));
    assert_true(json_is_integer(json_object_get(json_object_get(j, "next_mood"), "predicted")));
    json_decref(j);

    /* session start: only 20:00 hours have sessions */
    MOOD_ASSERT_OK(mood_history_sessionstart_train(cat, h, &to, &json));
    j = json_loads(json, 0, &err);
    mood_free(json);
    assert_non_null(j);
    {
        const json_t *x = json_object_get(j, "xgboost");
        double pr = json_real_value(json_object_get(x, "pr_auc"));
        double no = json_real_value(json_object_get(
            json_object_get(json_object_get(j, "baselines"), "always_no"), "pr_auc"));
        assert_true(pr >= 0.95);
        MOOD_ASSERT_NEAR(no, 1.0 / 24.0, 0.05, 0.002);
        assert_true(json_is_true(json_object_get(j, "beats_baselines")) ||
                    pr >= 0.99); /* the hour-of-week rate is also perfect here */
        assert_int_equal(json_object_size(json_object_get(x, "dayparts")), 4);
    }
    json_decref(j);

    /* predictions reload the models: after ... 0,1,2 the next mood is group 0; a session is
     * most likely at 20:00 */
    MOOD_ASSERT_OK(mood_history_predict(cat, h, 24, &json));
    j = json_loads(json, 0, &err);
    mood_free(json);
    assert_non_null(j);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(j, "next_mood"), "predicted")),
        group_cluster[0]);
    {
        const json_t *arr = json_object_get(j, "session_start");
        size_t best = 0;
        assert_int_equal(json_array_size(arr), 24);
        for (size_t i = 1; i < 24; i++)
            if (json_real_value(json_object_get(json_array_get(arr, i), "probability")) >
                json_real_value(json_object_get(json_array_get(arr, best), "probability")))
                best = i;
        assert_int_equal(
            json_integer_value(json_object_get(json_array_get(arr, best), "local_hour")), 20);
    }
    json_decref(j);

    /* a track that lost its mood is assigned to the nearest centroid, no refit */
    {
        size_t t0 = 0, assigned = 0;
        while (h->tracks[t0].cluster != group_cluster[1])
            t0++;
        h->tracks[t0].cluster = -1;
        MOOD_ASSERT_OK(mood_history_moods_assign(cat, h, &assigned));
        assert_int_equal(assigned, 1);
        assert_int_equal(h->tracks[t0].cluster, group_cluster[1]);
    }

    /* drift: the last 7 days look like the 30 before */
    MOOD_ASSERT_OK(mood_history_drift(cat, h, 0, NULL, &json));
    j = json_loads(json, 0, &err);
    mood_free(json);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "flagged")), 0);
    assert_int_equal(json_integer_value(json_object_get(j, "sessions_last_7d")), 7);
    json_decref(j);

    /* the report writes its JSON and four charts */
    {
        char out[2048], p[2200];
        static const char *const files[] = {"history_report.json", "listening_clock.png",
                                            "mood_shares.png", "session_lengths.png",
                                            "model_metrics.png"};
        snprintf(out, sizeof out, "%s/report", dir);
        MOOD_ASSERT_OK(mood_history_report(cat, h, out, &json));
        mood_free(json);
        for (size_t i = 0; i < 5; i++) {
            snprintf(p, sizeof p, "%s/%s", out, files[i]);
            assert_true(mood_path_exists(p));
        }
    }
    mood_history_destroy(h);
    mood_catalog_close(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipeline_known_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
