/*
 * The rules of the tags subsystem without audio: key spellings in three notations, the
 * diff (--only-empty, BPM compared as a number, MOOD only when empty or moodscope's),
 * container detection by content, values wanted for a library row, and the Rekordbox XML.
 */
#include "test_util.h"

#include <moodscope/fileio.h>
#include <moodscope/tags.h>

#include <stdio.h>
#include <string.h>

static void test_key_spelling(void **state)
{
    char b[16];
    (void)state;
    mood_key_spell(9, 0, MOOD_KEY_STANDARD, b, sizeof b);
    assert_string_equal(b, "Am");
    mood_key_spell(6, 1, MOOD_KEY_STANDARD, b, sizeof b);
    assert_string_equal(b, "F#");
    mood_key_spell(10, 0, MOOD_KEY_STANDARD, b, sizeof b);
    assert_string_equal(b, "Bbm");
    mood_key_spell(9, 0, MOOD_KEY_CAMELOT, b, sizeof b);
    assert_string_equal(b, "8A");
    mood_key_spell(0, 1, MOOD_KEY_OPENKEY, b, sizeof b);
    assert_string_equal(b, "1d");
    mood_key_spell(12, 1, MOOD_KEY_STANDARD, b, sizeof b);
    assert_string_equal(b, "");
    for (int k = 0; k < 12; k++)
        for (int m = 0; m < 2; m++) {
            mood_key_spell(k, m, MOOD_KEY_STANDARD, b, sizeof b);
            assert_true(strlen(b) >= 1 && strlen(b) <= 3); /* ID3v2.4 TKEY: 3 characters */
        }
    mood_key_notation n;
    MOOD_ASSERT_OK(mood_key_notation_parse("camelot", &n));
    assert_int_equal(n, MOOD_KEY_CAMELOT);
    assert_int_equal(mood_key_notation_parse("roman", &n), MOOD_EINVAL);
}

static void set(mood_tag_set *s, mood_tag_field f, const char *v)
{
    snprintf(s->value[f], MOOD_TAG_VALUE_MAX, "%s", v);
}

static void test_diff_rules(void **state)
{
    mood_tag_set old, want, ch;
    (void)state;
    memset(&old, 0, sizeof old);
    memset(&want, 0, sizeof want);
    set(&want, MOOD_TAG_BPM, "120");
    set(&want, MOOD_TAG_KEY, "Am");
    set(&want, MOOD_TAG_MOOD, "calm");
    set(&want, MOOD_TAG_MOODSCOPE_MOOD, "calm");
    assert_int_equal(mood_tags_diff(&old, &want, 0, &ch), 4);
    set(&old, MOOD_TAG_BPM, "120.00"); /* the same tempo */
    set(&old, MOOD_TAG_KEY, "Gm");
    set(&old, MOOD_TAG_MOOD, "happy"); /* the user's own mood */
    assert_int_equal(mood_tags_diff(&old, &want, 0, &ch), 2);
    assert_string_equal(ch.value[MOOD_TAG_KEY], "Am");
    assert_string_equal(ch.value[MOOD_TAG_MOOD], "");
    assert_int_equal(mood_tags_diff(&old, &want, 1, &ch), 1); /* --only-empty keeps Gm */
    assert_string_equal(ch.value[MOOD_TAG_MOODSCOPE_MOOD], "calm");
    set(&old, MOOD_TAG_MOOD, "dark"); /* written by moodscope before: may change */
    set(&old, MOOD_TAG_MOODSCOPE_MOOD, "dark");
    assert_int_equal(mood_tags_diff(&old, &want, 1, &ch), 2);
    assert_string_equal(ch.value[MOOD_TAG_MOOD], "calm");
}

static void write_bytes(const char *path, const char *data, size_t n)
{
    MOOD_ASSERT_OK(mood_atomic_write(path, data, n));
}

static void test_detect(void **state)
{
    const char *dir = mood_test_tmpdir("tags_detect");
    char p[512];
    mood_tag_format f;
    (void)state;
    snprintf(p, sizeof p, "%s/x.bin", dir);
    write_bytes(p, "fLaC\0\0\0\x22", 8);
    MOOD_ASSERT_OK(mood_tags_detect(p, &f));
    assert_int_equal(f, MOOD_TAG_FORMAT_FLAC);
    write_bytes(p,
                "\0\0\0\x20"
                "ftypM4A ",
                12);
    MOOD_ASSERT_OK(mood_tags_detect(p, &f));
    assert_int_equal(f, MOOD_TAG_FORMAT_MP4);
    write_bytes(p, "RIFF\0\0\0\0WAVE", 12);
    assert_int_equal(mood_tags_detect(p, &f), MOOD_EFORMAT);
    assert_non_null(strstr(mood_last_error(), "x.bin"));
    write_bytes(p, "not audio at all", 16);
    assert_int_equal(mood_tags_read(p, &(mood_tag_set){{{0}}}), MOOD_EFORMAT);
    snprintf(p, sizeof p, "%s/missing.mp3", dir);
    assert_int_equal(mood_tags_detect(p, &f), MOOD_EIO);
}

/* A two-row library table as mood_library_export_table() gives it (the columns used). */
static mood_table *library(void)
{
    mood_table *t;
    const char *paths[] = {"/m/a b&c.mp3", "/m/ü.flac"}, *moods[] = {"calm & dark", "energetic"};
    const char *ids[] = {"7", "9"}, *titles[] = {"A <1>", "B"};
    float bpm[] = {128.25f, 90.0f}, key[] = {9, 6}, mode[] = {0, 1}, en[] = {0.25f, 0.75f};
    float dur[] = {200.4f, 60.0f}, down[] = {0.5f, 1.25f}, bpb[] = {4, 2}, comp[] = {0, 1};
    MOOD_ASSERT_OK(mood_table_create(2, &t));
    MOOD_ASSERT_OK(mood_table_add_str(t, "track_id", ids));
    MOOD_ASSERT_OK(mood_table_add_str(t, "path", paths));
    MOOD_ASSERT_OK(mood_table_add_str(t, "title", titles));
    MOOD_ASSERT_OK(mood_table_add_str(t, "mood_label", moods));
    MOOD_ASSERT_OK(mood_table_add_num(t, "tempo_bpm", bpm));
    MOOD_ASSERT_OK(mood_table_add_num(t, "key_index", key));
    MOOD_ASSERT_OK(mood_table_add_num(t, "mode", mode));
    MOOD_ASSERT_OK(mood_table_add_num(t, "energy", en));
    MOOD_ASSERT_OK(mood_table_add_num(t, "valence", en));
    MOOD_ASSERT_OK(mood_table_add_num(t, "duration_s", dur));
    MOOD_ASSERT_OK(mood_table_add_num(t, "first_downbeat_s", down));
    MOOD_ASSERT_OK(mood_table_add_num(t, "beats_per_bar", bpb));
    MOOD_ASSERT_OK(mood_table_add_num(t, "compound_meter", comp));
    return t;
}

static void test_wanted_and_rekordbox(void **state)
{
    mood_table *t = library();
    mood_tag_set w;
    (void)state;
    MOOD_ASSERT_OK(mood_tags_wanted(t, 0, MOOD_TAG_FORMAT_MP3, MOOD_KEY_STANDARD, &w));
    assert_string_equal(w.value[MOOD_TAG_BPM], "128");
    assert_string_equal(w.value[MOOD_TAG_KEY], "Am");
    assert_string_equal(w.value[MOOD_TAG_MOOD], "calm & dark");
    assert_string_equal(w.value[MOOD_TAG_ENERGY], "0.250");
    MOOD_ASSERT_OK(mood_tags_wanted(t, 0, MOOD_TAG_FORMAT_FLAC, MOOD_KEY_CAMELOT, &w));
    assert_string_equal(w.value[MOOD_TAG_BPM], "128.25");
    assert_string_equal(w.value[MOOD_TAG_KEY], "8A");
    const char *dir = mood_test_tmpdir("tags_rekordbox");
    char p[512], *xml;
    snprintf(p, sizeof p, "%s/rb.xml", dir);
    MOOD_ASSERT_OK(mood_dj_export_rekordbox(t, MOOD_KEY_STANDARD, p));
    MOOD_ASSERT_OK(mood_read_file(p, &xml, NULL));
    assert_non_null(strstr(xml, "Location=\"file://localhost/m/a%20b%26c.mp3\""));
    assert_non_null(strstr(xml, "Location=\"file://localhost/m/%C3%BC.flac\""));
    assert_non_null(strstr(xml, "Name=\"A &lt;1&gt;\""));
    assert_non_null(
        strstr(xml, "<TEMPO Inizio=\"0.500\" Bpm=\"128.25\" Metro=\"4/4\" Battito=\"1\"/>"));
    assert_non_null(strstr(xml, "Metro=\"6/8\""));
    assert_non_null(strstr(xml, "TotalTime=\"200\""));
    assert_non_null(strstr(xml, "Tonality=\"F#\""));
    assert_non_null(strstr(xml, "<TRACK Key=\"9\"/>"));
    mood_free(xml);
    mood_table_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_spelling),
        cmocka_unit_test(test_diff_rules),
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_wanted_and_rekordbox),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
