/*
 * The analysed library for DJ software. Rekordbox imports a collection XML (File > Import >
 * rekordbox xml; the format is Pioneer's "rekordbox XML format" list of DJ_PLAYLISTS /
 * COLLECTION / TRACK attributes with TEMPO beat-grid children). Mixxx reads BPM and key from
 * the files' tags, so its path is `library write-tags` plus a playlist it can import (M3U).
 */
#include "tags_internal.h"

#include "../core/internal.h"

#include <moodscope/fileio.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Text for an XML attribute: markup characters escaped, control characters as spaces. */
static void xml_attr(FILE *fp, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '&')
            fputs("&amp;", fp);
        else if (c == '<')
            fputs("&lt;", fp);
        else if (c == '>')
            fputs("&gt;", fp);
        else if (c == '"')
            fputs("&quot;", fp);
        else if (c < 0x20)
            fputc(' ', fp);
        else
            fputc(c, fp);
    }
}

/* file://localhost/ + the path with every byte but unreserved characters and '/' encoded. */
static void location_url(FILE *fp, const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    fputs("file://localhost", fp);
    if (path[0] != '/')
        fputc('/', fp);
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~/", *p))
            fputc(*p, fp);
        else
            fprintf(fp, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
    }
}

static const char *str_or(const mood_table *t, const char *name, size_t i)
{
    size_t j;
    if (mood_table_find(t, name, &j) != MOOD_OK || mood_table_col_kind(t, j) != MOOD_COL_STR)
        return "";
    return mood_table_str(t, j, i);
}

static double num_or(const mood_table *t, const char *name, size_t i, double fallback)
{
    size_t j;
    if (mood_table_find(t, name, &j) != MOOD_OK || mood_table_col_kind(t, j) != MOOD_COL_NUM)
        return fallback;
    double v = (double)mood_table_num_const(t, j)[i];
    return isfinite(v) ? v : fallback;
}

/* Rekordbox's Kind from the file name ("MP3 File", "FLAC File", ...). */
static void kind_of(const char *path, char *buf, size_t cap)
{
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    size_t n = 0;
    if (!dot || (slash && dot < slash))
        dot = ".";
    for (const char *p = dot + 1; *p && n + 1 < cap && n < 8; p++)
        buf[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    snprintf(buf + n, cap - n, "%s", n ? " File" : "File");
}

/* The mood group of row @p i: the run's group when known, else the analysis label. */
static const char *group_of(const mood_table *t, size_t i)
{
    const char *g = str_or(t, "group_name", i);
    return g[0] ? g : str_or(t, "mood_label", i);
}

static long track_id(const mood_table *t, size_t i)
{
    long id = atol(str_or(t, "track_id", i));
    return id > 0 ? id : (long)i + 1;
}

/* Metre for the beat grid: "4/4", "3/4", or "6/8" and "12/8" for compound metres. */
static void metro(const mood_table *t, size_t i, char *buf, size_t cap)
{
    double bpb = num_or(t, "beats_per_bar", i, 4.0);
    int beats = bpb >= 1.0 && bpb <= 16.0 ? (int)lround(bpb) : 4;
    if (num_or(t, "compound_meter", i, 0.0) > 0.5)
        snprintf(buf, cap, "%d/8", 3 * beats);
    else
        snprintf(buf, cap, "%d/4", beats);
}

static void rekordbox_track(FILE *fp, const mood_table *t, size_t i, mood_key_notation kn)
{
    const char *path = str_or(t, "path", i);
    double bpm = num_or(t, "tempo_bpm", i, 0.0);
    char kind[32], key[16], met[16];
    const char *attrs[][2] = {{"Name", str_or(t, "title", i)},
                              {"Artist", str_or(t, "artist", i)},
                              {"Album", str_or(t, "album", i)},
                              {"Genre", str_or(t, "genre", i)},
                              {"Comments", group_of(t, i)}};
    kind_of(path, kind, sizeof kind);
    mood_key_spell((int)num_or(t, "key_index", i, -1.0), num_or(t, "mode", i, 1.0) > 0.5, kn, key,
                   sizeof key);
    metro(t, i, met, sizeof met);
    fprintf(fp, "    <TRACK TrackID=\"%ld\"", track_id(t, i));
    for (size_t a = 0; a < sizeof attrs / sizeof *attrs; a++) {
        fprintf(fp, " %s=\"", attrs[a][0]);
        xml_attr(fp, attrs[a][1]);
        fputc('"', fp);
    }
    fprintf(fp, " Kind=\"%s\" TotalTime=\"%ld\" Year=\"%ld\" AverageBpm=\"%.2f\"", kind,
            lround(num_or(t, "duration_s", i, 0.0)), lround(num_or(t, "year", i, 0.0)), bpm);
    fprintf(fp, " SampleRate=\"%ld\" BitRate=\"%ld\" Tonality=\"%s\" Location=\"",
            lround(num_or(t, "sample_rate_hz", i, 0.0)), lround(num_or(t, "bitrate_kbps", i, 0.0)),
            key);
    location_url(fp, path);
    fputs("\">\n", fp);
    if (bpm > 0)
        fprintf(fp, "      <TEMPO Inizio=\"%.3f\" Bpm=\"%.2f\" Metro=\"%s\" Battito=\"1\"/>\n",
                num_or(t, "first_downbeat_s", i, 0.0), bpm, met);
    fputs("    </TRACK>\n", fp);
}

/* One playlist per mood group, in order of first appearance, under the ROOT node. */
static mood_status rekordbox_playlists(FILE *fp, const mood_table *t)
{
    size_t n = mood_table_rows(t), k = 0;
    size_t *first = mood__calloc(n ? n : 1, sizeof *first);
    if (!first)
        return mood__enomem("rekordbox export");
    for (size_t i = 0; i < n; i++) {
        size_t g = 0;
        while (g < k && strcmp(group_of(t, first[g]), group_of(t, i)) != 0)
            g++;
        if (g == k && group_of(t, i)[0])
            first[k++] = i;
    }
    fprintf(fp, "  <PLAYLISTS>\n    <NODE Type=\"0\" Name=\"ROOT\" Count=\"%zu\">\n", k);
    for (size_t g = 0; g < k; g++) {
        const char *name = group_of(t, first[g]);
        size_t count = 0;
        for (size_t i = 0; i < n; i++)
            count += strcmp(group_of(t, i), name) == 0;
        fputs("      <NODE Name=\"", fp);
        xml_attr(fp, name);
        fprintf(fp, "\" Type=\"1\" KeyType=\"0\" Entries=\"%zu\">\n", count);
        for (size_t i = 0; i < n; i++)
            if (strcmp(group_of(t, i), name) == 0)
                fprintf(fp, "        <TRACK Key=\"%ld\"/>\n", track_id(t, i));
        fputs("      </NODE>\n", fp);
    }
    fputs("    </NODE>\n  </PLAYLISTS>\n", fp);
    mood__free(first);
    return MOOD_OK;
}

mood_status mood_dj_export_rekordbox(const mood_table *t, mood_key_notation key_notation,
                                     const char *path)
{
    size_t j;
    mood_atomic_file *af;
    FILE *fp;
    if (mood_table_find(t, "path", &j) != MOOD_OK || mood_table_find(t, "tempo_bpm", &j) != MOOD_OK)
        return mood__error(MOOD_EINVAL, "rekordbox export: the table needs path and tempo_bpm");
    mood_status s = mood_atomic_open(path, &af, &fp);
    if (s != MOOD_OK)
        return s;
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DJ_PLAYLISTS Version=\"1.0.0\">\n", fp);
    fprintf(fp, "  <PRODUCT Name=\"moodscope\" Version=\"%s\" Company=\"moodscope\"/>\n",
            MOOD_VERSION_STRING);
    fprintf(fp, "  <COLLECTION Entries=\"%zu\">\n", mood_table_rows(t));
    for (size_t i = 0; i < mood_table_rows(t); i++)
        rekordbox_track(fp, t, i, key_notation);
    fputs("  </COLLECTION>\n", fp);
    s = rekordbox_playlists(fp, t);
    fputs("</DJ_PLAYLISTS>\n", fp);
    if (s != MOOD_OK) {
        mood_atomic_abort(af);
        return s;
    }
    return mood_atomic_commit(af);
}

mood_status mood_dj_export_m3u(const mood_table *t, const char *path)
{
    size_t j;
    mood_atomic_file *af;
    FILE *fp;
    if (mood_table_find(t, "path", &j) != MOOD_OK)
        return mood__error(MOOD_EINVAL, "m3u export: the table needs a path column");
    mood_status s = mood_atomic_open(path, &af, &fp);
    if (s != MOOD_OK)
        return s;
    fputs("#EXTM3U\n", fp);
    for (size_t i = 0; i < mood_table_rows(t); i++) {
        const char *title = str_or(t, "title", i), *artist = str_or(t, "artist", i);
        const char *p = str_or(t, "path", i), *base = strrchr(p, '/');
        fprintf(fp, "#EXTINF:%ld,", lround(num_or(t, "duration_s", i, -1.0)));
        if (title[0])
            fprintf(fp, "%s%s%s\n", artist, artist[0] ? " - " : "", title);
        else
            fprintf(fp, "%s\n", base ? base + 1 : p);
        fprintf(fp, "%s\n", p);
    }
    return mood_atomic_commit(af);
}
