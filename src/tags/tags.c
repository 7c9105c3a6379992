/*
 * Which tags moodscope writes and when: field names, key spellings, container detection by
 * content, the values wanted for a library row and the difference against what a file holds.
 */
#include "tags_internal.h"

#include "../core/internal.h"

#include <moodscope/audio.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *mood_tag_field_name(mood_tag_field f)
{
    static const char *const names[MOOD_TAG_FIELD_COUNT] = {
        "BPM", "INITIALKEY", "MOOD", "MOODSCOPE_MOOD", "MOODSCOPE_ENERGY", "MOODSCOPE_VALENCE"};
    return f >= 0 && f < MOOD_TAG_FIELD_COUNT ? names[f] : "";
}

const char *mood_tag_format_name(mood_tag_format f)
{
    static const char *const names[] = {"unknown", "mp3", "flac", "ogg", "opus", "m4a"};
    return f >= MOOD_TAG_FORMAT_UNKNOWN && f <= MOOD_TAG_FORMAT_MP4 ? names[f] : "unknown";
}

mood_status mood_key_notation_parse(const char *s, mood_key_notation *out)
{
    if (s && strcmp(s, "standard") == 0)
        *out = MOOD_KEY_STANDARD;
    else if (s && strcmp(s, "camelot") == 0)
        *out = MOOD_KEY_CAMELOT;
    else if (s && (strcmp(s, "openkey") == 0 || strcmp(s, "open-key") == 0))
        *out = MOOD_KEY_OPENKEY;
    else
        return mood__error(MOOD_EINVAL, "key notation '%s': expected standard, camelot or openkey",
                           s ? s : "");
    return MOOD_OK;
}

/*
 * The spelling DJ software and taggers use for TKEY / INITIALKEY: flats for the major keys
 * usually written with flats (Db, Eb, Ab, Bb), sharps for F# and the sharp minors; three
 * characters at most, as ID3v2.4 requires.
 */
void mood_key_spell(int key_index, int mode, mood_key_notation n, char *buf, size_t cap)
{
    static const char *const major[12] = {"C",  "Db", "D",  "Eb", "E",  "F",
                                          "F#", "G",  "Ab", "A",  "Bb", "B"};
    static const char *const minor[12] = {"Cm",  "C#m", "Dm",  "Ebm", "Em",  "Fm",
                                          "F#m", "Gm",  "G#m", "Am",  "Bbm", "Bm"};
    const char *s = "";
    if (key_index >= 0 && key_index < 12) {
        if (n == MOOD_KEY_CAMELOT)
            s = mood_audio_camelot(key_index, mode);
        else if (n == MOOD_KEY_OPENKEY)
            s = mood_audio_open_key(key_index, mode);
        else
            s = mode ? major[key_index] : minor[key_index];
    }
    snprintf(buf, cap, "%s", s);
}

/* The container of an Ogg stream from the first packet of its first page. */
static mood_tag_format ogg_kind(const unsigned char *b, size_t n)
{
    if (n < 28)
        return MOOD_TAG_FORMAT_UNKNOWN;
    size_t body = 27 + (size_t)b[26];
    if (body + 8 <= n && memcmp(b + body, "\x01vorbis", 7) == 0)
        return MOOD_TAG_FORMAT_OGG_VORBIS;
    if (body + 8 <= n && memcmp(b + body, "OpusHead", 8) == 0)
        return MOOD_TAG_FORMAT_OPUS;
    return MOOD_TAG_FORMAT_UNKNOWN;
}

/* Past a leading ID3v2 tag (which some encoders put even before fLaC). */
static mood_tag_format after_id3(FILE *fp, const unsigned char *b)
{
    long size = 10 + ((long)(b[6] & 0x7f) << 21 | (long)(b[7] & 0x7f) << 14 |
                      (long)(b[8] & 0x7f) << 7 | (long)(b[9] & 0x7f));
    unsigned char m[4];
    if (b[5] & 0x10)
        size += 10;
    if (fseek(fp, size, SEEK_SET) == 0 && fread(m, 1, 4, fp) == 4 && memcmp(m, "fLaC", 4) == 0)
        return MOOD_TAG_FORMAT_FLAC;
    return MOOD_TAG_FORMAT_MP3;
}

mood_status mood_tags_detect(const char *path, mood_tag_format *out)
{
    unsigned char b[512];
    mood_tag_format f = MOOD_TAG_FORMAT_UNKNOWN;
    *out = MOOD_TAG_FORMAT_UNKNOWN;
    int fd = mood__open_noatime(path);
    FILE *fp = fd >= 0 ? fdopen(fd, "rb") : NULL;
    if (!fp) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return mood__error(MOOD_EIO, "%s: cannot open: %s", path, strerror(e));
    }
    size_t n = fread(b, 1, sizeof b, fp);
    if (n >= 10 && memcmp(b, "ID3", 3) == 0)
        f = after_id3(fp, b);
    else if (n >= 4 && memcmp(b, "fLaC", 4) == 0)
        f = MOOD_TAG_FORMAT_FLAC;
    else if (n >= 4 && memcmp(b, "OggS", 4) == 0)
        f = ogg_kind(b, n);
    else if (n >= 8 && memcmp(b + 4, "ftyp", 4) == 0)
        f = MOOD_TAG_FORMAT_MP4;
    else if (n >= 2 && b[0] == 0xff && (b[1] & 0xe0) == 0xe0)
        f = MOOD_TAG_FORMAT_MP3;
    fclose(fp);
    if (f == MOOD_TAG_FORMAT_UNKNOWN)
        return mood__error(MOOD_EFORMAT,
                           "%s: not an MP3, FLAC, Ogg Vorbis, Opus or M4A file (corrupt, or a "
                           "container without supported tags)",
                           path);
    *out = f;
    return MOOD_OK;
}

mood_status mood__tags_bridge_status(int rc, const char *path, const char *err)
{
    if (rc == MOOD__TAGLIB_NOMEM)
        return mood__enomem(path);
    if (rc == MOOD__TAGLIB_UNSUPPORTED)
        return mood__error(MOOD_EUNSUPPORTED, "%s: %s", path, err);
    if (rc == MOOD__TAGLIB_SAVE || rc == MOOD__TAGLIB_OPEN)
        return mood__error(MOOD_EIO, "%s: %s", path, err);
    return mood__error(MOOD_EFORMAT, "%s: %s (corrupt file?)", path, err);
}

mood_status mood_tags_read(const char *path, mood_tag_set *out)
{
    mood_tag_format fmt;
    char err[256] = "";
    memset(out, 0, sizeof *out);
    mood_status s = mood_tags_detect(path, &fmt);
    if (s != MOOD_OK)
        return s;
    int rc = mood__taglib_read(path, fmt, out, err, sizeof err);
    return rc == MOOD__TAGLIB_OK ? MOOD_OK : mood__tags_bridge_status(rc, path, err);
}

mood_status mood_tags_check(const char *path)
{
    mood_tag_format fmt;
    char err[256] = "";
    mood_status s = mood_tags_detect(path, &fmt);
    if (s != MOOD_OK)
        return s;
    int rc = mood__taglib_write(path, fmt, NULL, err, sizeof err);
    return rc == MOOD__TAGLIB_OK ? MOOD_OK : mood__tags_bridge_status(rc, path, err);
}

/* Numeric cell @p name of row @p i, NaN when the column is absent. */
static double num_cell(const mood_table *t, const char *name, size_t i)
{
    size_t j;
    if (mood_table_find(t, name, &j) != MOOD_OK || mood_table_col_kind(t, j) != MOOD_COL_NUM)
        return NAN;
    return (double)mood_table_num_const(t, j)[i];
}

static const char *str_cell(const mood_table *t, const char *name, size_t i)
{
    size_t j;
    if (mood_table_find(t, name, &j) != MOOD_OK || mood_table_col_kind(t, j) != MOOD_COL_STR)
        return "";
    const char *s = mood_table_str(t, j, i);
    return s ? s : "";
}

/* ID3 TBPM and MP4 tmpo hold integers; Vorbis comments keep up to two decimals. */
static void format_bpm(double bpm, mood_tag_format fmt, char *buf, size_t cap)
{
    if (!(bpm > 0) || !isfinite(bpm)) {
        buf[0] = '\0';
        return;
    }
    if (fmt == MOOD_TAG_FORMAT_MP3 || fmt == MOOD_TAG_FORMAT_MP4) {
        snprintf(buf, cap, "%ld", lround(bpm));
        return;
    }
    snprintf(buf, cap, "%.2f", bpm);
    char *end = buf + strlen(buf);
    while (end > buf && end[-1] == '0')
        *--end = '\0';
    if (end > buf && end[-1] == '.')
        end[-1] = '\0';
}

static void format_unit(double v, char *buf, size_t cap)
{
    if (isfinite(v))
        snprintf(buf, cap, "%.3f", v);
    else
        buf[0] = '\0';
}

mood_status mood_tags_wanted(const mood_table *t, size_t row, mood_tag_format fmt,
                             mood_key_notation n, mood_tag_set *out)
{
    size_t j;
    memset(out, 0, sizeof *out);
    if (mood_table_find(t, "tempo_bpm", &j) != MOOD_OK ||
        mood_table_find(t, "key_index", &j) != MOOD_OK)
        return mood__error(MOOD_EINVAL, "tags: the table needs tempo_bpm and key_index columns");
    if (row >= mood_table_rows(t))
        return mood__error(MOOD_EINVAL, "tags: row %zu of %zu", row, mood_table_rows(t));
    format_bpm(num_cell(t, "tempo_bpm", row), fmt, out->value[MOOD_TAG_BPM], MOOD_TAG_VALUE_MAX);
    double key = num_cell(t, "key_index", row), mode = num_cell(t, "mode", row);
    if (isfinite(key) && isfinite(mode))
        mood_key_spell((int)key, mode > 0.5, n, out->value[MOOD_TAG_KEY], MOOD_TAG_VALUE_MAX);
    const char *mood = str_cell(t, "group_name", row);
    if (!mood[0])
        mood = str_cell(t, "mood_label", row);
    snprintf(out->value[MOOD_TAG_MOOD], MOOD_TAG_VALUE_MAX, "%s", mood);
    snprintf(out->value[MOOD_TAG_MOODSCOPE_MOOD], MOOD_TAG_VALUE_MAX, "%s", mood);
    format_unit(num_cell(t, "energy", row), out->value[MOOD_TAG_ENERGY], MOOD_TAG_VALUE_MAX);
    format_unit(num_cell(t, "valence", row), out->value[MOOD_TAG_VALENCE], MOOD_TAG_VALUE_MAX);
    return MOOD_OK;
}

/* Equal as numbers to 0.01 (BPM "120" and "120.00" are the same tempo). */
static int same_number(const char *a, const char *b)
{
    char *ea, *eb;
    double x = strtod(a, &ea), y = strtod(b, &eb);
    if (ea == a || eb == b || *ea != '\0' || *eb != '\0')
        return 0;
    return fabs(x - y) < 0.005;
}

/* Whether field @p f should change from @p old to @p want under the rules of tags.h. */
static int should_change(const mood_tag_set *old, const mood_tag_set *want, int f, int only_empty)
{
    const char *o = old->value[f], *w = want->value[f];
    if (!w[0] || strcmp(o, w) == 0)
        return 0;
    if ((f == MOOD_TAG_BPM || f == MOOD_TAG_KEY) && o[0] && only_empty)
        return 0;
    if (f == MOOD_TAG_BPM && o[0] && same_number(o, w))
        return 0;
    if (f == MOOD_TAG_MOOD && o[0] && strcmp(o, old->value[MOOD_TAG_MOODSCOPE_MOOD]) != 0)
        return 0;
    return 1;
}

size_t mood_tags_diff(const mood_tag_set *old, const mood_tag_set *want, int only_empty,
                      mood_tag_set *out_changes)
{
    size_t n = 0;
    memset(out_changes, 0, sizeof *out_changes);
    for (int f = 0; f < MOOD_TAG_FIELD_COUNT; f++) {
        if (!should_change(old, want, f, only_empty))
            continue;
        memcpy(out_changes->value[f], want->value[f], MOOD_TAG_VALUE_MAX);
        n++;
    }
    return n;
}

/* One clustered row, sorted by path for the lookups of mood_tags_add_groups(). */
typedef struct group_row {
    const char *path, *name;
} group_row;

static int group_row_cmp(const void *a, const void *b)
{
    return strcmp(((const group_row *)a)->path, ((const group_row *)b)->path);
}

/* The cluster names of @p library's rows, looked up by path in @p rows (sorted, @p m). */
static void match_groups(const mood_table *library, size_t lp, const group_row *rows, size_t m,
                         const char **names, size_t *hits)
{
    for (size_t i = 0; i < mood_table_rows(library); i++) {
        group_row key = {mood_table_str(library, lp, i), NULL};
        const group_row *g = m ? bsearch(&key, rows, m, sizeof *rows, group_row_cmp) : NULL;
        names[i] = g ? g->name : "";
        *hits += g != NULL;
    }
}

mood_status mood_tags_add_groups(mood_table *library, const mood_table *clustered,
                                 size_t *out_matched)
{
    size_t lp, cp, cn, old, n = mood_table_rows(library), m = mood_table_rows(clustered), hits = 0;
    if (out_matched)
        *out_matched = 0;
    if (mood_table_find(library, "path", &lp) != MOOD_OK ||
        mood_table_find(clustered, "path", &cp) != MOOD_OK ||
        mood_table_find(clustered, "cluster_name", &cn) != MOOD_OK ||
        mood_table_col_kind(clustered, cp) != MOOD_COL_STR ||
        mood_table_col_kind(clustered, cn) != MOOD_COL_STR)
        return mood__error(MOOD_EINVAL, "tags: the run's table has no path and cluster_name "
                                        "columns (cluster a `library export` table)");
    const char **names = mood__calloc(n ? n : 1, sizeof *names);
    group_row *rows = mood__calloc(m ? m : 1, sizeof *rows);
    if (!names || !rows) {
        mood__free(names);
        mood__free(rows);
        return mood__enomem("tags");
    }
    for (size_t r = 0; r < m; r++) {
        rows[r].path = mood_table_str(clustered, cp, r);
        rows[r].name = mood_table_str(clustered, cn, r);
    }
    qsort(rows, m, sizeof *rows, group_row_cmp);
    match_groups(library, lp, rows, m, names, &hits);
    if (mood_table_find(library, "group_name", &old) == MOOD_OK)
        mood_table_drop(library, old);
    mood_status s = mood_table_add_str(library, "group_name", names);
    mood__free(names);
    mood__free(rows);
    if (s == MOOD_OK && out_matched)
        *out_matched = hits;
    return s;
}
