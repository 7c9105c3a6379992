/*
 * Known answers for the listening-history subsystem on small hand-made histories: time
 * formats and zones, format detection, import with deduplication and missing essentials,
 * session splits exactly at the gap, skip and repeat counts, the feature join, evaluation
 * metrics against scikit-learn's documented values, and the XGBoost wrapper.
 */
#include "test_util.h"

#include "history/history_internal.h"

#include <moodscope/fileio.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void write_text(const char *path, const char *text)
{
    MOOD_ASSERT_OK(mood_atomic_write(path, text, strlen(text)));
}

static mood_catalog *open_cat(const char *dir)
{
    char path[2048];
    mood_catalog *cat;
    snprintf(path, sizeof path, "%s/catalog.db", dir);
    MOOD_ASSERT_OK(mood_catalog_open(path, &cat));
    return cat;
}

/* ---- time --------------------------------------------------------------------------------- */

static void test_parse_time(void **state)
{
    (void)state;
    int64_t t;
    /* 2021-01-31T12:34:00Z = 1612096440 */
    assert_true(mood__hist_parse_time("2021-01-31 12:34", &t));
    assert_int_equal(t, 1612096440);
    assert_true(mood__hist_parse_time("2021-01-31T12:34:00Z", &t));
    assert_int_equal(t, 1612096440);
    assert_true(mood__hist_parse_time("2021-01-31T14:34:00+02:00", &t));
    assert_int_equal(t, 1612096440);
    assert_true(mood__hist_parse_time("31 Jan 2021, 12:34", &t));
    assert_int_equal(t, 1612096440);
    assert_true(mood__hist_parse_time("31 Jan 2021 12:34", &t));
    assert_int_equal(t, 1612096440);
    assert_true(mood__hist_parse_time("1612096440", &t));
    assert_int_equal(t, 1612096440);
    assert_true(mood__hist_parse_time("2020-04-13 05:01:31", &t));
    assert_int_equal(t, 1586754091);
    assert_false(mood__hist_parse_time("yesterday", &t));
    assert_false(mood__hist_parse_time("2021-13-01 10:00", &t));
    assert_false(mood__hist_parse_time("", &t));
    assert_false(mood__hist_parse_time("31 Foo 2021, 12:34", &t));
}

static void test_time_zones(void **state)
{
    (void)state;
    hist_tz tz;
    int hour, wday;
    const char *before = getenv("TZ");
    /* 2021-01-31T23:30Z is a Sunday in UTC */
    int64_t t = 1612096440 + 10 * 3600 + 56 * 60;
    MOOD_ASSERT_OK(mood__hist_tz_begin(NULL, &tz));
    mood__hist_tz_local(&tz, t, &hour, &wday, NULL, NULL, NULL);
    assert_int_equal(hour, 23);
    assert_int_equal(wday, 6);
    mood__hist_tz_end(&tz);
    MOOD_ASSERT_OK(mood__hist_tz_begin("+05:30", &tz));
    mood__hist_tz_local(&tz, t, &hour, &wday, NULL, NULL, NULL);
    assert_int_equal(hour, 5); /* Monday 05:00 */
    assert_int_equal(wday, 0);
    mood__hist_tz_end(&tz);
    MOOD_ASSERT_OK(mood__hist_tz_begin("America/New_York", &tz));
    mood__hist_tz_local(&tz, t, &hour, &wday, NULL, NULL, NULL);
    assert_int_equal(hour, 18); /* EST, UTC-5 */
    assert_int_equal(wday, 6);
    /* July: EDT, UTC-4. 2021-07-04T12:00Z = 1625400000 */
    mood__hist_tz_local(&tz, 1625400000, &hour, &wday, NULL, NULL, NULL);
    assert_int_equal(hour, 8);
    mood__hist_tz_end(&tz);
    /* TZ restored */
    if (before)
        assert_string_equal(getenv("TZ"), before);
    else
        assert_null(getenv("TZ"));
    assert_int_equal(mood__hist_tz_begin("Mars/Olympus_Mons", &tz), MOOD_EINVAL);
    assert_non_null(strstr(mood_last_error(), "Mars/Olympus_Mons"));
    assert_int_equal(mood__hist_tz_begin("../etc/passwd", &tz), MOOD_EINVAL);
}

static void test_normalise(void **state)
{
    (void)state;
    char a[256], b[256];
    mood__hist_track_key("Dark Tranquillity", "The Same - remastered version 2009", a, sizeof a);
    mood__hist_track_key("DARK TRANQUILLITY", "The Same", b, sizeof b);
    assert_string_equal(a, b);
    mood__hist_track_key("Beyoncé", "Halo (Live) [2009]", a, sizeof a);
    mood__hist_track_key("beyoncé", "halo", b, sizeof b);
    assert_string_equal(a, b);
}

/* ---- detection and import ------------------------------------------------------------------ */

static const char account_json[] =
    "[\n"
    " {\"endTime\": \"2020-01-05 21:44\", \"artistName\": \"A\", \"trackName\": \"One\", "
    "\"msPlayed\": 120000},\n"
    " {\"endTime\": \"2020-01-05 21:50\", \"artistName\": \"A\", \"trackName\": \"Two\", "
    "\"msPlayed\": 5000},\n"
    " {\"endTime\": \"2020-01-05 21:55\", \"artistName\": \"\", \"trackName\": \"Three\", "
    "\"msPlayed\": 1000},\n"
    " {\"endTime\": \"not a time\", \"artistName\": \"B\", \"trackName\": \"Four\", "
    "\"msPlayed\": 1000}\n"
    "]\n";

static const char extended_json[] =
    "[{\"ts\": \"2023-02-25T11:20:37Z\", \"ms_played\": 61839, "
    "\"master_metadata_track_name\": \"Forever\", \"master_metadata_album_artist_name\": "
    "\"Labrinth\", \"master_metadata_album_album_name\": \"Euphoria\", \"spotify_track_uri\": "
    "\"spotify:track:6potEImiklXkwD9qFzpu15\", \"episode_name\": null, \"episode_show_name\": "
    "null, \"spotify_episode_uri\": null, \"reason_start\": \"clickrow\", \"reason_end\": "
    "\"trackdone\", \"shuffle\": false, \"skipped\": false, \"offline\": false, "
    "\"incognito_mode\": false},\n"
    " {\"ts\": \"2023-02-25T12:00:00Z\", \"ms_played\": 600000, "
    "\"master_metadata_track_name\": null, \"master_metadata_album_artist_name\": null, "
    "\"spotify_track_uri\": null, \"episode_name\": \"Ep 1\", \"episode_show_name\": \"Show\", "
    "\"spotify_episode_uri\": \"spotify:episode:abc\", \"reason_start\": \"clickrow\", "
    "\"reason_end\": \"endplay\", \"shuffle\": false, \"skipped\": null},\n"
    " {\"ts\": \"2023-02-25T12:05:00Z\", \"ms_played\": 1000, "
    "\"master_metadata_track_name\": null, \"master_metadata_album_artist_name\": null, "
    "\"spotify_track_uri\": null, \"episode_name\": null, \"spotify_episode_uri\": null}]\n";

static const char lastfm_uts[] = "uts,utc_time,artist,artist_mbid,album,album_mbid,track,"
                                 "track_mbid\n"
                                 "1612096440,\"31 Jan 2021, 12:34\",Artist X,,Album,,Song 1,\n"
                                 "1612096680,\"31 Jan 2021, 12:38\",Artist X,,Album,,Song 2,\n";
static const char lastfm_date[] = "\"\",\"date\",\"artist\",\"track\",\"album\"\n"
                                  "\"1\",2020-04-13 05:01:31,\"Band\",\"Tune\",\"LP\"\n"
                                  "\"2\",2020-04-13 04:57:59,\"Band\",\"\",\"LP\"\n";
static const char lastfm_headerless[] = "Artist Y,Album,Song 9,31 Jan 2021 12:34\n"
                                        "Artist Y,Album,Song 10,31 Jan 2021 12:40\n";

static void test_detect(void **state)
{
    (void)state;
    const char *dir = mood_test_tmpdir("hist-detect");
    char p[2048];
    mood_history_format f;
    struct {
        const char *name, *text;
        mood_history_format want;
    } cases[] = {
        /* names deliberately misleading: detection reads content */
        {"a.csv", account_json, MOOD_HISTORY_SPOTIFY_ACCOUNT},
        {"b.txt", extended_json, MOOD_HISTORY_SPOTIFY_EXTENDED},
        {"c.json", lastfm_uts, MOOD_HISTORY_LASTFM},
        {"d", lastfm_date, MOOD_HISTORY_LASTFM},
        {"e", lastfm_headerless, MOOD_HISTORY_LASTFM},
        /* the older endsong_*.json layout */
        {"endsong_0.json",
         "[{\"ts\": \"2019-03-01T10:00:00Z\", \"username\": \"u\", \"platform\": \"Linux\", "
         "\"ms_played\": 5000, \"conn_country\": \"DE\", \"master_metadata_track_name\": "
         "\"T\", \"master_metadata_album_artist_name\": \"A\", \"spotify_track_uri\": "
         "\"spotify:track:x\", \"reason_start\": \"fwdbtn\", \"reason_end\": \"fwdbtn\", "
         "\"shuffle\": true, \"skipped\": null, \"offline\": false, \"incognito_mode\": "
         "false}]",
         MOOD_HISTORY_SPOTIFY_EXTENDED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, cases[i].name);
        write_text(p, cases[i].text);
        MOOD_ASSERT_OK(mood_history_detect(p, &f));
        assert_int_equal(f, cases[i].want);
    }
    snprintf(p, sizeof p, "%s/other.csv", dir);
    write_text(p, "x,y\n1,2\n");
    assert_int_equal(mood_history_detect(p, &f), MOOD_EFORMAT);
    assert_non_null(strstr(mood_last_error(), "other.csv"));
    snprintf(p, sizeof p, "%s/other.json", dir);
    write_text(p, "[{\"a\": 1}]");
    assert_int_equal(mood_history_detect(p, &f), MOOD_EFORMAT);
    snprintf(p, sizeof p, "%s/absent.json", dir);
    assert_int_equal(mood_history_detect(p, &f), MOOD_EIO);
}

static void test_import_dedup_missing(void **state)
{
    (void)state;
    const char *dir = mood_test_tmpdir("hist-import");
    char p[2048];
    mood_history_import_report r;
    mood_catalog *cat = open_cat(dir);
    snprintf(p, sizeof p, "%s/StreamingHistory0.json", dir);
    write_text(p, account_json);
    MOOD_ASSERT_OK(mood_history_import(cat, p, NULL, NULL, &r));
    assert_int_equal(r.format, MOOD_HISTORY_SPOTIFY_ACCOUNT);
    assert_int_equal(r.rows, 4);
    assert_int_equal(r.added, 2);
    assert_int_equal(r.missing_essentials, 2);
    assert_int_equal(r.missing_artist, 1);
    assert_int_equal(r.missing_time, 1);
    /* again: nothing added */
    MOOD_ASSERT_OK(mood_history_import(cat, p, NULL, NULL, &r));
    assert_int_equal(r.added, 0);
    assert_int_equal(r.duplicates, 2);

    snprintf(p, sizeof p, "%s/x.json", dir);
    write_text(p, extended_json);
    MOOD_ASSERT_OK(mood_history_import(cat, p, NULL, NULL, &r));
    assert_int_equal(r.format, MOOD_HISTORY_SPOTIFY_EXTENDED);
    assert_int_equal(r.added, 2);
    assert_int_equal(r.kept_apart, 1); /* the podcast episode */
    assert_int_equal(r.missing_essentials, 1);

    snprintf(p, sizeof p, "%s/uts.csv", dir);
    write_text(p, lastfm_uts);
    MOOD_ASSERT_OK(mood_history_import(cat, p, NULL, NULL, &r));
    assert_int_equal(r.added, 2);
    snprintf(p, sizeof p, "%s/date.csv", dir);
    write_text(p, lastfm_date);
    MOOD_ASSERT_OK(mood_history_import(cat, p, NULL, NULL, &r));
    assert_int_equal(r.added, 1);
    assert_int_equal(r.missing_track, 1);
    snprintf(p, sizeof p, "%s/nohead.csv", dir);
    write_text(p, lastfm_headerless);
    MOOD_ASSERT_OK(mood_history_import(cat, p, NULL, NULL, &r));
    assert_int_equal(r.added, 2);
    MOOD_ASSERT_OK(mood_history_import(cat, p, NULL, NULL, &r));
    assert_int_equal(r.added, 0);

    /* stored in UTC, start = end - played; the podcast is not a music play */
    {
        mood_history *h;
        mood_table *t;
        size_t j;
        MOOD_ASSERT_OK(mood_history_load(cat, NULL, &h));
        assert_int_equal(mood_history_n_plays(h), 2 + 1 + 2 + 1 + 2);
        MOOD_ASSERT_OK(mood_history_play_table(h, &t));
        MOOD_ASSERT_OK(mood_table_find(t, "played_at_utc", &j));
        assert_string_equal(mood_table_str(t, j, 0), "2020-01-05T21:42:00Z");
        mood_table_destroy(t);
        mood_history_destroy(h);
    }
    snprintf(p, sizeof p, "%s/absent.json", dir);
    assert_int_equal(mood_history_import(cat, p, NULL, NULL, &r), MOOD_EIO);
    mood_catalog_close(cat);
}

/* ---- sessions ------------------------------------------------------------------------------ */

static hist_track *make_tracks(size_t n)
{
    hist_track *t = calloc(n, sizeof *t);
    for (size_t i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof name, "T%zu", i);
        t[i].artist = mood__strdup("X");
        t[i].title = mood__strdup(name);
        t[i].uri = mood__strdup("");
        t[i].key = mood__strdup(name);
        t[i].cluster = -1;
        for (int j = 0; j < HIST_NF; j++)
            t[i].feat[j] = NAN;
    }
    return t;
}

static hist_play play(int64_t start, int64_t ms, int32_t track, int8_t skipped_flag,
                      const char *reason_end)
{
    hist_play p;
    memset(&p, 0, sizeof p);
    p.start_utc = start;
    p.ms_played = ms;
    p.track = track;
    p.shuffle = -1;
    p.skipped_flag = skipped_flag;
    p.user_init = -1;
    snprintf(p.reason_end, sizeof p.reason_end, "%s", reason_end);
    return p;
}

/* Five plays: the first gap is exactly 30 minutes (same session), the second one second
 * longer (new session). Skips: p1 (< 30 s), p3 (fwdbtn), p4 (flag). Repeats: p2, p3 (T0). */
static hist_play *make_plays(void)
{
    hist_play *p = calloc(5, sizeof *p);
    const int64_t t0 = 1612137600; /* 2021-02-01T00:00Z, a Monday */
    p[0] = play(t0, 60000, 0, -1, "trackdone");
    p[1] = play(t0 + 60 + 1800, 10000, 1, -1, "");
    p[2] = play(t0 + 1870 + 1801, 200000, 0, -1, "trackdone");
    p[3] = play(t0 + 3671 + 200, 40000, 0, -1, "fwdbtn");
    p[4] = play(t0 + 3871 + 40 + 60, 100000, 2, 1, "");
    return p;
}

static void test_sessions_known_answers(void **state)
{
    (void)state;
    mood_history_options o;
    mood_history *h;
    mood_table *st;
    size_t j;
    mood_history_options_default(&o);
    MOOD_ASSERT_OK(mood__hist_from_arrays(&o, make_tracks(3), 3, make_plays(), 5, &h));
    assert_int_equal(mood_history_n_sessions(h), 2);
    assert_int_equal(h->sessions[0].n, 2);
    assert_int_equal(h->sessions[1].n, 3);
    {
        int skipped = 0, repeats = 0;
        for (size_t i = 0; i < 5; i++) {
            skipped += h->plays[i].skipped;
            repeats += h->plays[i].repeat;
        }
        assert_int_equal(skipped, 3);
        assert_int_equal(repeats, 2);
        assert_int_equal(h->plays[1].skipped, 1);
        assert_int_equal(h->plays[3].skipped, 1);
        assert_int_equal(h->plays[4].skipped, 1);
        assert_int_equal(h->plays[2].repeat, 1);
        assert_int_equal(h->plays[3].repeat, 1);
    }
    MOOD_ASSERT_NEAR(h->sessions[0].duration_min, 1870.0 / 60.0, 1e-9, 1e-9);
    MOOD_ASSERT_NEAR(h->sessions[1].skip_rate, 2.0 / 3.0, 1e-9, 1e-9);
    MOOD_ASSERT_NEAR(h->sessions[1].repeat_rate, 2.0 / 3.0, 1e-9, 1e-9);
    assert_int_equal(h->sessions[0].hour, 0);
    assert_int_equal(h->sessions[0].wday, 0);
    MOOD_ASSERT_OK(mood_history_session_table(h, &st));
    assert_int_equal(mood_table_rows(st), 2);
    MOOD_ASSERT_OK(mood_table_find(st, "skip_rate", &j));
    MOOD_ASSERT_NEAR(mood_table_num_const(st, j)[0], 0.5, 1e-6, 1e-6);
    MOOD_ASSERT_OK(mood_table_find(st, "repeat_rate", &j));
    MOOD_ASSERT_NEAR(mood_table_num_const(st, j)[1], 2.0 / 3.0, 1e-6, 1e-6);
    MOOD_ASSERT_OK(mood_table_find(st, "tracks_per_hour", &j));
    MOOD_ASSERT_NEAR(mood_table_num_const(st, j)[0], 2.0 / (1870.0 / 3600.0), 1e-5, 1e-5);
    mood_table_destroy(st);
    mood_history_destroy(h);

    /* a gap one second longer keeps everything in one session */
    o.gap_min = 1801.0 / 60.0;
    MOOD_ASSERT_OK(mood__hist_from_arrays(&o, make_tracks(3), 3, make_plays(), 5, &h));
    assert_int_equal(mood_history_n_sessions(h), 1);
    mood_history_destroy(h);

    /* local hours follow --tz */
    mood_history_options_default(&o);
    o.tz = "America/New_York";
    MOOD_ASSERT_OK(mood__hist_from_arrays(&o, make_tracks(3), 3, make_plays(), 5, &h));
    assert_int_equal(h->sessions[0].hour, 19);
    assert_int_equal(h->sessions[0].wday, 6); /* Sunday evening in New York */
    mood_history_destroy(h);

    /* Last.fm-like plays say nothing about skips: the rate is unknown, not 0 */
    {
        hist_play *lp = calloc(2, sizeof *lp);
        mood_history_options_default(&o);
        lp[0] = play(1612137600, -1, 0, -1, "");
        lp[1] = play(1612137600 + 240, -1, 1, -1, "");
        MOOD_ASSERT_OK(mood__hist_from_arrays(&o, make_tracks(2), 2, lp, 2, &h));
        assert_int_equal(mood_history_n_sessions(h), 1);
        assert_true(isnan(h->sessions[0].skip_rate));
        mood_history_destroy(h);
    }

    o.tz = "Nowhere/Land";
    assert_int_equal(mood__hist_from_arrays(&o, make_tracks(3), 3, make_plays(), 5, &h),
                     MOOD_EINVAL);
    o.tz = NULL;
    o.gap_min = 0;
    assert_int_equal(mood__hist_from_arrays(&o, make_tracks(3), 3, make_plays(), 5, &h),
                     MOOD_EINVAL);
}

/* ---- join ----------------------------------------------------------------------------------- */

static void test_join(void **state)
{
    (void)state;
    const char *dir = mood_test_tmpdir("hist-join");
    char p[2048], ft[2048];
    const char *tables[1] = {ft};
    mood_history_import_report r;
    mood_history_join_report jr;
    mood_catalog *cat = open_cat(dir);
    snprintf(p, sizeof p, "%s/x.json", dir);
    write_text(p, extended_json);
    MOOD_ASSERT_OK(mood_history_import(cat, p, NULL, NULL, &r));
    snprintf(p, sizeof p, "%s/uts.csv", dir);
    write_text(p, lastfm_uts);
    MOOD_ASSERT_OK(mood_history_import(cat, p, NULL, NULL, &r));
    snprintf(ft, sizeof ft, "%s/features.csv", dir);
    /* Forever by URI (name differs), Song 1 by name (decoration differs), Song 2 unmatched */
    write_text(ft, "track,artist,uri,danceability,energy,valence,duration_ms\n"
                   "Other name,Other,spotify:track:6potEImiklXkwD9qFzpu15,0.5,0.2,0.1,200000\n"
                   "\"Song 1 - Remastered 2011\",ARTIST X,spotify:track:zzz,0.7,0.9,0.8,180000\n");
    MOOD_ASSERT_OK(mood_history_join(cat, tables, 1, &jr));
    assert_int_equal(jr.tracks, 3);
    assert_int_equal(jr.matched_uri, 1);
    assert_int_equal(jr.matched_name, 1);
    assert_int_equal(jr.plays, 3);
    assert_int_equal(jr.plays_matched, 2);
    MOOD_ASSERT_NEAR(jr.track_match_rate, 2.0 / 3.0, 1e-9, 1e-9);
    {
        mood_history *h;
        MOOD_ASSERT_OK(mood_history_load(cat, NULL, &h));
        for (size_t t = 0; t < h->n_tracks; t++)
            if (!strcmp(h->tracks[t].title, "Forever")) {
                assert_true(h->tracks[t].has_feat);
                MOOD_ASSERT_NEAR(h->tracks[t].feat[1], 0.2, 1e-6, 1e-6);
            }
        mood_history_destroy(h);
    }
    write_text(ft, "a,b\n1,2\n");
    assert_int_equal(mood_history_join(cat, tables, 1, &jr), MOOD_EFORMAT);
    assert_int_equal(mood_history_join(cat, NULL, 0, &jr), MOOD_ENOTFOUND);
    mood_catalog_close(cat);
}

/* ---- evaluation ----------------------------------------------------------------------------- */

static void test_eval_known_answers(void **state)
{
    (void)state;
    /* scikit-learn's documented examples */
    const float s[4] = {0.1f, 0.4f, 0.35f, 0.8f};
    const uint8_t y[4] = {0, 0, 1, 1};
    MOOD_ASSERT_NEAR(mood__hist_roc_auc(s, y, 4), 0.75, 1e-9, 1e-9);
    MOOD_ASSERT_NEAR(mood__hist_pr_auc(s, y, 4), 0.8333333333, 1e-6, 1e-9);
    const int32_t yt[6] = {0, 1, 2, 0, 1, 2}, yp[6] = {0, 2, 1, 0, 0, 1};
    MOOD_ASSERT_NEAR(mood__hist_macro_f1(yt, yp, 6, 3), 0.2666666667, 1e-6, 1e-9);
    MOOD_ASSERT_NEAR(mood__hist_accuracy(yt, yp, 6), 2.0 / 6.0, 1e-9, 1e-9);
    /* ties: all scores equal → AUC 0.5, AP = positive rate */
    const float flat[4] = {0, 0, 0, 0};
    MOOD_ASSERT_NEAR(mood__hist_roc_auc(flat, y, 4), 0.5, 1e-9, 1e-9);
    MOOD_ASSERT_NEAR(mood__hist_pr_auc(flat, y, 4), 0.5, 1e-9, 1e-9);
    assert_true(isnan(mood__hist_roc_auc(s, (const uint8_t[]){1, 1, 1, 1}, 4)));
    const float p2[2] = {0.1f, 0.9f};
    const uint8_t y2[2] = {0, 1};
    MOOD_ASSERT_NEAR(mood__hist_ece(p2, y2, 2, 10), 0.1, 1e-6, 1e-7);
    MOOD_ASSERT_NEAR(mood__hist_f1_at(s, y, 4, 0.3), 0.8, 1e-9, 1e-9);
    const double e[2] = {0.5, 0.5}, a[2] = {0.25, 0.75};
    MOOD_ASSERT_NEAR(mood__hist_psi(e, a, 2), 0.25 * log(3.0), 1e-9, 1e-12);
    const double c[4] = {1, 1, 1, 1};
    MOOD_ASSERT_NEAR(mood__hist_entropy(c, 4), 2.0, 1e-12, 1e-12);
    /* one-vs-rest: perfect probabilities give 1 */
    const float probs[6] = {0.8f, 0.1f, 0.1f, 0.1f, 0.8f, 0.1f};
    const int32_t y3[2] = {0, 1};
    MOOD_ASSERT_NEAR(mood__hist_ovr_auc(probs, y3, 2, 3), 1.0, 1e-9, 1e-9);
}

/* ---- XGBoost ----------------------------------------------------------------------------------
 */

static void test_xgb_roundtrip(void **state)
{
    (void)state;
    enum { N = 300, D = 3 };
    static float x[N * D], y[N], p[N], q[N];
    hist_xgb *m, *m2;
    hist_xgb_params xp;
    char *buf;
    size_t len, ok = 0;
    uint64_t r = 12345;
    for (size_t i = 0; i < N; i++) {
        for (size_t j = 0; j < D; j++) {
            r = r * 6364136223846793005ULL + 1442695040888963407ULL;
            x[i * D + j] = (float)((r >> 33) % 1000) / 1000.0f;
        }
        y[i] = x[i * D] + 0.5f * x[i * D + 1] > 0.75f ? 1.0f : 0.0f;
    }
    memset(&xp, 0, sizeof xp);
    xp.objective = "binary:logistic";
    xp.num_class = 1;
    xp.rounds = 20;
    xp.max_depth = 3;
    xp.eta = 0.3;
    xp.n_threads = 2;
    MOOD_ASSERT_OK(mood__hist_xgb_train(&xp, x, y, N, D, &m));
    MOOD_ASSERT_OK(mood__hist_xgb_predict(m, x, N, D, p));
    for (size_t i = 0; i < N; i++)
        ok += (p[i] > 0.5f) == (y[i] > 0.5f);
    assert_true(ok >= 285);
    MOOD_ASSERT_OK(mood__hist_xgb_save(m, &buf, &len));
    MOOD_ASSERT_OK(mood__hist_xgb_load(buf, len, &m2));
    MOOD_ASSERT_OK(mood__hist_xgb_predict(m2, x, N, D, q));
    for (size_t i = 0; i < N; i++)
        MOOD_ASSERT_NEAR(q[i], p[i], 1e-6, 1e-7);
    mood__hist_xgb_destroy(m2);
    assert_int_equal(mood__hist_xgb_load("not a model", 11, &m2) != MOOD_OK, 1);
    assert_null(m2);
    mood__free(buf);
    mood__hist_xgb_destroy(m);
}

/* ---- models need data ------------------------------------------------------------------------ */

static void test_models_need_moods(void **state)
{
    (void)state;
    const char *dir = mood_test_tmpdir("hist-nomodel");
    mood_catalog *cat = open_cat(dir);
    mood_history_options o;
    mood_history *h;
    char *json = NULL;
    mood_history_options_default(&o);
    MOOD_ASSERT_OK(mood__hist_from_arrays(&o, make_tracks(3), 3, make_plays(), 5, &h));
    assert_int_equal(mood_history_nextmood_train(cat, h, NULL, &json), MOOD_ENOTFIT);
    assert_non_null(strstr(mood_last_error(), "retrain"));
    assert_int_equal(mood_history_moods_fit(cat, h, NULL, &json), MOOD_EINVAL);
    assert_int_equal(mood_history_predict(cat, h, 24, &json), MOOD_ENOTFIT);
    assert_int_equal(mood_history_sessionstart_train(cat, h, NULL, &json), MOOD_EINVAL);
    assert_null(json);
    mood_history_destroy(h);
    assert_int_equal(mood_history_load(cat, NULL, &h), MOOD_ENOTFOUND);
    assert_null(h);
    mood_catalog_close(cat);
}

/* Every allocation of the table builders may fail: ENOMEM, never a crash or a leak. */
static void test_alloc_failures(void **state)
{
    (void)state;
    mood_history_options o;
    mood_history *h;
    mood_history_options_default(&o);
    MOOD_ASSERT_OK(mood__hist_from_arrays(&o, make_tracks(3), 3, make_plays(), 5, &h));
    for (long n = 1; n < 400; n++) {
        mood_table *t = NULL;
        mood_status s;
        mood_test_fail_alloc_after(n);
        s = mood_history_session_table(h, &t);
        mood_test_fail_alloc_after(0);
        if (s == MOOD_OK) {
            mood_table_destroy(t);
            break;
        }
        assert_int_equal(s, MOOD_ENOMEM);
        assert_null(t);
    }
    for (long n = 1; n < 400; n++) {
        mood_table *t = NULL;
        mood_status s;
        mood_test_fail_alloc_after(n);
        s = mood_history_play_table(h, &t);
        mood_test_fail_alloc_after(0);
        if (s == MOOD_OK) {
            mood_table_destroy(t);
            break;
        }
        assert_int_equal(s, MOOD_ENOMEM);
    }
    mood_history_destroy(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_time),
        cmocka_unit_test(test_time_zones),
        cmocka_unit_test(test_normalise),
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_import_dedup_missing),
        cmocka_unit_test(test_sessions_known_answers),
        cmocka_unit_test(test_join),
        cmocka_unit_test(test_eval_known_answers),
        cmocka_unit_test(test_xgb_roundtrip),
        cmocka_unit_test(test_models_need_moods),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
