/*
 * Known answers for playlists and their files: near-duplicate removal, the artist limit, the
 * tour through a line (optimal length), splitting into equal parts, names, determinism, and the
 * content of M3U8 (absolute and relative paths) and XSPF files.
 */
#include "test_util.h"

#include <moodscope/fileio.h>
#include <moodscope/playlist.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Group 0: 10 tracks on a line at energy = valence = 0..9 in shuffled row order, plus a live
 * version of track "Song 3" (a near-duplicate) and two more songs by "Artist 1".
 * Group 1: 3 tracks far away. Rows 0..14.
 */
static mood_table *group_table(int with_names)
{
    enum { N = 15 };
    static const float pos[N] = {5, 2, 8, 0, 9, 3, 7, 1, 6, 4, 3.02f, 50, 51, 52, 5.5f};
    static const char *const titles[N] = {"Song 5",        "Song 2", "Song 8", "Song 0", "Song 9",
                                          "Song 3",        "Song 7", "Song 1", "Song 6", "Song 4",
                                          "Song 3 - Live", "Far A",  "Far B",  "Far C",  "Other"};
    static const char *const artists[N] = {"Artist 5", "Artist 2", "Artist 8", "Artist 0",
                                           "Artist 9", "Artist 3", "Artist 7", "Artist 1",
                                           "Artist 6", "Artist 4", "Artist 3", "X & Y",
                                           "Z",        "W",        "Artist 5"};
    float e[N], v[N], g[N], dur[N];
    const char *paths[N], *names[N];
    char pbuf[N][64];
    mood_table *t;
    for (size_t i = 0; i < N; i++) {
        e[i] = pos[i];
        v[i] = pos[i];
        g[i] = i >= 11 && i <= 13 ? 1.0f : 0.0f;
        dur[i] = 180.0f + (float)i;
        snprintf(pbuf[i], sizeof pbuf[i], "/music/lib/%s %zu.ogg", i == 11 ? "a&b" : "t", i);
        paths[i] = pbuf[i];
        names[i] = g[i] > 0.5f ? "far, loud" : "calm, slow, acoustic";
    }
    MOOD_ASSERT_OK(mood_table_create(N, &t));
    MOOD_ASSERT_OK(mood_table_add_str(t, "title", titles));
    MOOD_ASSERT_OK(mood_table_add_str(t, "artist", artists));
    MOOD_ASSERT_OK(mood_table_add_str(t, "path", paths));
    MOOD_ASSERT_OK(mood_table_add_num(t, "energy", e));
    MOOD_ASSERT_OK(mood_table_add_num(t, "valence", v));
    MOOD_ASSERT_OK(mood_table_add_num(t, "duration_s", dur));
    MOOD_ASSERT_OK(mood_table_add_num(t, "cluster", g));
    if (with_names)
        MOOD_ASSERT_OK(mood_table_add_str(t, "cluster_name", names));
    return t;
}

static const char *title_of(const mood_playlist_set *set, size_t row)
{
    return mood_space_title(mood_playlist_space(set), row);
}

static void test_groups_dedup_tour(void **state)
{
    (void)state;
    mood_table *t = group_table(1);
    mood_playlist_options o;
    mood_playlist_set *set, *again;
    size_t n, n2, dups, lim;
    const size_t *rows, *rows2;
    mood_playlist_options_default(&o);
    o.features = "energy,valence";
    o.max_per_artist = 1; /* "Other" by Artist 5 goes */
    MOOD_ASSERT_OK(mood_playlists_build(t, "cluster", "cluster_name", &o, &set));
    assert_int_equal(mood_playlist_count(set), 2);
    assert_string_equal(mood_playlist_name(set, 0), "Calm_Slow_Acoustic");
    assert_string_equal(mood_playlist_name(set, 1), "Far_Loud");
    mood_playlist_removed(set, &dups, &lim);
    assert_int_equal(dups, 1); /* "Song 3 - Live" */
    assert_int_equal(lim, 1);  /* the second Artist 5 song */
    rows = mood_playlist_rows(set, 0, &n);
    assert_int_equal(n, 10);
    /* the tour through a line is the line itself: Song 0..9 in one direction */
    {
        int up = strcmp(title_of(set, rows[0]), "Song 0") == 0;
        for (size_t i = 0; i < n; i++) {
            char want[16];
            snprintf(want, sizeof want, "Song %zu", up ? i : 9 - i);
            assert_string_equal(title_of(set, rows[i]), want);
        }
    }
    /* standardised, the line's step is constant: the tour length is 9 steps */
    MOOD_ASSERT_NEAR(mood_playlist_tour_length(set, 0),
                     9.0 * (double)mood_space_distance(mood_playlist_space(set), 3, 7), 1e-4, 1e-5);
    /* same data and seed: same playlists */
    MOOD_ASSERT_OK(mood_playlists_build(t, "cluster", "cluster_name", &o, &again));
    rows2 = mood_playlist_rows(again, 0, &n2);
    assert_int_equal(n, n2);
    assert_memory_equal(rows, rows2, n * sizeof *rows);
    mood_playlist_set_destroy(again);
    mood_playlist_set_destroy(set);
    /* split into equal parts of at most 4: 3 + 3 + 4 */
    o.max_length = 4;
    MOOD_ASSERT_OK(mood_playlists_build(t, "cluster", "cluster_name", &o, &set));
    assert_int_equal(mood_playlist_count(set), 4);
    assert_string_equal(mood_playlist_name(set, 0), "Calm_Slow_Acoustic_1");
    assert_string_equal(mood_playlist_name(set, 2), "Calm_Slow_Acoustic_3");
    mood_playlist_rows(set, 0, &n);
    assert_int_equal(n, 3);
    mood_playlist_rows(set, 2, &n);
    assert_int_equal(n, 4);
    mood_playlist_set_destroy(set);
    /* keeping variants and a zero distance threshold keeps the live version */
    o.max_length = 0;
    o.max_per_artist = 0;
    o.dedup_names = 0;
    o.dedup_distance = 0.0f;
    MOOD_ASSERT_OK(mood_playlists_build(t, "cluster", "cluster_name", &o, &set));
    mood_playlist_rows(set, 0, &n);
    assert_int_equal(n, 12); /* the 10, the live version and the second Artist 5 song */
    mood_playlist_set_destroy(set);
    /* a distance threshold alone catches it too (3.02 is 0.02 from 3 in raw units) */
    o.dedup_distance = 0.01f; /* standardised units: the live take is 0.002 away, Other 0.04 */
    MOOD_ASSERT_OK(mood_playlists_build(t, "cluster", "cluster_name", &o, &set));
    mood_playlist_rows(set, 0, &n);
    assert_int_equal(n, 11);
    mood_playlist_set_destroy(set);
    mood_table_destroy(t);
}

static void test_names_from_profiles(void **state)
{
    (void)state;
    mood_table *t = group_table(0);
    mood_playlist_set *set;
    mood_playlist_options o;
    mood_playlist_options_default(&o);
    o.features = "energy,valence";
    MOOD_ASSERT_OK(mood_playlists_build(t, "cluster", NULL, &o, &set));
    assert_int_equal(mood_playlist_count(set), 2);
    /* group 1 is far higher in energy and valence than group 0 */
    assert_non_null(strstr(mood_playlist_name(set, 1), "Energetic"));
    assert_null(strchr(mood_playlist_name(set, 1), ' '));
    mood_playlist_set_destroy(set);
    assert_int_equal(mood_playlists_build(t, "nogroup", NULL, &o, &set), MOOD_ENOTFOUND);
    mood_table_destroy(t);
}

static char *slurp(const char *path)
{
    char *buf;
    MOOD_ASSERT_OK(mood_read_file(path, &buf, NULL));
    return buf;
}

static void test_exports(void **state)
{
    (void)state;
    mood_table *t = group_table(1);
    mood_playlist_options o;
    mood_playlist_set *set;
    char path[1024], *text;
    const char *dir = mood_test_tmpdir("rec-export");
    mood_playlist_options_default(&o);
    o.features = "energy,valence";
    MOOD_ASSERT_OK(mood_playlists_build(t, "cluster", "cluster_name", &o, &set));
    /* group 1, in tour order Far A, Far B, Far C (or reversed) */
    snprintf(path, sizeof path, "%s/far.m3u8", dir);
    MOOD_ASSERT_OK(mood_playlist_write(set, 1, MOOD_PLAYLIST_M3U8, path, 0, NULL));
    text = slurp(path);
    assert_true(strncmp(text, "#EXTM3U\n#PLAYLIST:Far_Loud\n", 27) == 0);
    assert_non_null(strstr(text, "#EXTINF:191,X & Y - Far A\n/music/lib/a&b 11.ogg\n"));
    assert_non_null(strstr(text, "#EXTINF:192,Z - Far B\n/music/lib/t 12.ogg\n"));
    mood_free(text);
    /* relative to the playlist's directory */
    MOOD_ASSERT_OK(mood_mkdirs("/tmp/mood-rec-rel/lists"));
    MOOD_ASSERT_OK(mood_playlist_write(set, 1, MOOD_PLAYLIST_M3U8,
                                       "/tmp/mood-rec-rel/lists/far.m3u8", 1, NULL));
    text = slurp("/tmp/mood-rec-rel/lists/far.m3u8");
    assert_non_null(strstr(text, "\n../../../music/lib/t 12.ogg\n"));
    mood_free(text);
    snprintf(path, sizeof path, "%s/far.xspf", dir);
    MOOD_ASSERT_OK(mood_playlist_write(set, 1, MOOD_PLAYLIST_XSPF, path, 0, NULL));
    text = slurp(path);
    assert_non_null(strstr(text, "<playlist version=\"1\" xmlns=\"http://xspf.org/ns/0/\">"));
    assert_non_null(strstr(text, "<title>Far_Loud</title>"));
    assert_non_null(strstr(text, "<location>file:///music/lib/a%26b%2011.ogg</location>"));
    assert_non_null(strstr(text, "<creator>X &amp; Y</creator>"));
    assert_non_null(strstr(text, "<duration>191000</duration>"));
    mood_free(text);
    snprintf(path, sizeof path, "%s/far.json", dir);
    MOOD_ASSERT_OK(mood_playlist_write(set, 1, MOOD_PLAYLIST_JSON, path, 0, NULL));
    text = slurp(path);
    assert_non_null(strstr(text, "\"name\": \"Far_Loud\""));
    assert_non_null(strstr(text, "\"count\": 3"));
    assert_non_null(strstr(text, "\"path\": \"/music/lib/t 13.ogg\""));
    mood_free(text);
    mood_playlist_format f;
    assert_int_equal(mood_playlist_format_parse("pls", &f), MOOD_EINVAL);
    assert_int_equal(
        mood_playlist_write(set, 1, MOOD_PLAYLIST_M3U8, "/nonexistent/dir/x.m3u8", 0, NULL),
        MOOD_EIO);
    mood_playlist_set_destroy(set);
    mood_table_destroy(t);
}

static void test_mpd_unreachable(void **state)
{
    (void)state;
    mood_table *t = group_table(1);
    mood_playlist_set *set;
    mood_mpd_options mo;
    size_t n, added, skipped;
    const size_t *rows;
    MOOD_ASSERT_OK(mood_playlists_build(t, "cluster", "cluster_name", NULL, &set));
    rows = mood_playlist_rows(set, 0, &n);
    memset(&mo, 0, sizeof mo);
    mo.host = "127.0.0.1";
    mo.port = 1; /* nothing listens there */
    mo.timeout_ms = 500;
    assert_int_equal(mood_mpd_push(mood_playlist_space(set), rows, n, "x", &mo, &added, &skipped),
                     MOOD_EIO);
    assert_non_null(strstr(mood_last_error(), "127.0.0.1:1"));
    mood_playlist_set_destroy(set);
    mood_table_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_groups_dedup_tour),
        cmocka_unit_test(test_names_from_profiles),
        cmocka_unit_test(test_exports),
        cmocka_unit_test(test_mpd_unreachable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
