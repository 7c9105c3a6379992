/*
 * Playlist files: extended M3U in UTF-8 (.m3u8, #EXTM3U / #PLAYLIST / #EXTINF), XSPF 1
 * (xspf.org/xspf-v1.html: file:// URIs percent-encoded, relative references allowed) and a
 * JSON document for scripts and the web page. Written atomically.
 */
#include "../core/internal.h"
#include "rec_internal.h"

#include <moodscope/fileio.h>
#include <moodscope/playlist.h>

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

mood_status mood_playlist_format_parse(const char *name, mood_playlist_format *out)
{
    if (name && (strcmp(name, "m3u8") == 0 || strcmp(name, "m3u") == 0))
        *out = MOOD_PLAYLIST_M3U8;
    else if (name && strcmp(name, "xspf") == 0)
        *out = MOOD_PLAYLIST_XSPF;
    else if (name && strcmp(name, "json") == 0)
        *out = MOOD_PLAYLIST_JSON;
    else
        return mood__error(MOOD_EINVAL, "playlist format: expected m3u8, xspf or json, found '%s'",
                           name ? name : "(null)");
    return MOOD_OK;
}

const char *mood_playlist_format_ext(mood_playlist_format f)
{
    return f == MOOD_PLAYLIST_XSPF ? "xspf" : f == MOOD_PLAYLIST_JSON ? "json" : "m3u8";
}

/* Absolute directory of the file @p path (which need not exist yet). */
static void dir_of(const char *path, char *out, size_t cap)
{
    char tmp[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(tmp, sizeof tmp, ".");
    else if (slash == path)
        snprintf(tmp, sizeof tmp, "/");
    else
        snprintf(tmp, sizeof tmp, "%.*s", (int)(slash - path), path);
    if (!realpath(tmp, out))
        snprintf(out, cap, "%s", tmp);
}

/* @p target relative to directory @p base (both absolute): "../music/a.ogg". */
static void relative_to(const char *base, const char *target, char *out, size_t cap)
{
    size_t common = 0, i = 0, o = 0;
    /* longest common prefix ending at a path separator */
    while (base[i] && target[i] && base[i] == target[i]) {
        i++;
        if (target[i - 1] == '/')
            common = i;
    }
    if (!base[i] && target[i] == '/')
        common = i + 1;
    for (const char *p = base + common; *p; p++) {
        if (p == base + common || p[-1] == '/') {
            if (*p == '/')
                continue;
            o += (size_t)snprintf(out + o, o < cap ? cap - o : 0, "../");
        }
    }
    snprintf(out + (o < cap ? o : cap - 1), o < cap ? cap - o : 1, "%s", target + common);
}

/* The path to write for row r, or NULL when the track has no file. */
static const char *track_location(const mood_space *s, size_t r, const char *base, int relative,
                                  char *buf, size_t cap)
{
    const char *p = mood_space_path(s, r);
    char abs[PATH_MAX];
    if (!p[0])
        return NULL;
    if (p[0] != '/') {
        if (!realpath(p, abs))
            return p;
        p = abs;
    }
    if (!relative)
        return p == abs ? (snprintf(buf, cap, "%s", abs), buf) : p;
    relative_to(base, p, buf, cap);
    return buf;
}

static void xml_text(FILE *fp, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", fp);
            break;
        case '<':
            fputs("&lt;", fp);
            break;
        case '>':
            fputs("&gt;", fp);
            break;
        case '"':
            fputs("&quot;", fp);
            break;
        default:
            if ((unsigned char)*s >= 0x20 || *s == '\t' || *s == '\n')
                fputc(*s, fp);
        }
    }
}

/* Percent-encode a path for a URI (RFC 3986 unreserved characters and '/' kept). */
static void uri_path(FILE *fp, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~/", *p))
            fputc(*p, fp);
        else
            fprintf(fp, "%%%02X", *p);
    }
}

static mood_status write_m3u8(FILE *fp, const mood_space *s, const size_t *rows, size_t n,
                              const char *name, const char *base, int relative, size_t *skipped)
{
    char buf[PATH_MAX];
    fprintf(fp, "#EXTM3U\n#PLAYLIST:%s\n", name);
    for (size_t i = 0; i < n; i++) {
        size_t r = rows[i];
        const char *loc = track_location(s, r, base, relative, buf, sizeof buf);
        float dur = mood_space_duration(s, r);
        const char *artist = mood_space_artist(s, r), *title = mood_space_title(s, r);
        if (!loc) {
            (*skipped)++;
            continue;
        }
        fprintf(fp, "#EXTINF:%ld,%s%s%s\n%s\n", isnan(dur) ? -1L : lrintf(dur), artist,
                artist[0] ? " - " : "", title[0] ? title : mood_space_id(s, r), loc);
    }
    return MOOD_OK;
}

static mood_status write_xspf(FILE *fp, const mood_space *s, const size_t *rows, size_t n,
                              const char *name, const char *base, int relative, size_t *skipped)
{
    char buf[PATH_MAX];
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<playlist version=\"1\" xmlns=\"http://xspf.org/ns/0/\">\n  <title>",
          fp);
    xml_text(fp, name);
    fputs("</title>\n  <creator>moodscope</creator>\n  <trackList>\n", fp);
    for (size_t i = 0; i < n; i++) {
        size_t r = rows[i];
        const char *loc = track_location(s, r, base, relative, buf, sizeof buf);
        float dur = mood_space_duration(s, r);
        if (!loc) {
            (*skipped)++;
            continue;
        }
        fputs("    <track>\n      <location>", fp);
        if (loc[0] == '/')
            fputs("file://", fp);
        uri_path(fp, loc);
        fputs("</location>\n", fp);
        if (mood_space_title(s, r)[0]) {
            fputs("      <title>", fp);
            xml_text(fp, mood_space_title(s, r));
            fputs("</title>\n", fp);
        }
        if (mood_space_artist(s, r)[0]) {
            fputs("      <creator>", fp);
            xml_text(fp, mood_space_artist(s, r));
            fputs("</creator>\n", fp);
        }
        if (mood_space_album(s, r)[0]) {
            fputs("      <album>", fp);
            xml_text(fp, mood_space_album(s, r));
            fputs("</album>\n", fp);
        }
        if (!isnan(dur))
            fprintf(fp, "      <duration>%ld</duration>\n", lrint(1000.0 * (double)dur));
        fputs("    </track>\n", fp);
    }
    fputs("  </trackList>\n</playlist>\n", fp);
    return MOOD_OK;
}

static mood_status write_json(FILE *fp, const mood_space *s, const size_t *rows, size_t n,
                              const char *name)
{
    json_t *doc = json_object(), *tracks = json_array();
    char *text;
    if (!doc || !tracks) {
        json_decref(doc);
        json_decref(tracks);
        return mood__enomem("playlist json");
    }
    json_object_set_new(doc, "name", json_string(name));
    json_object_set_new(doc, "count", json_integer((json_int_t)n));
    for (size_t i = 0; i < n; i++) {
        size_t r = rows[i];
        float dur = mood_space_duration(s, r);
        json_t *o = json_object();
        if (!o)
            break;
        json_object_set_new(o, "id", json_string(mood_space_id(s, r)));
        json_object_set_new(o, "artist", json_string(mood_space_artist(s, r)));
        json_object_set_new(o, "title", json_string(mood_space_title(s, r)));
        if (mood_space_path(s, r)[0])
            json_object_set_new(o, "path", json_string(mood_space_path(s, r)));
        if (!isnan(dur))
            json_object_set_new(o, "duration_s", json_real((double)dur));
        json_array_append_new(tracks, o);
    }
    json_object_set_new(doc, "tracks", tracks);
    text = json_dumps(doc, JSON_INDENT(2));
    json_decref(doc);
    if (!text)
        return mood__enomem("playlist json");
    fputs(text, fp);
    fputc('\n', fp);
    free(text);
    return MOOD_OK;
}

mood_status mood_playlist_write_rows(const mood_space *s, const size_t *rows, size_t n,
                                     const char *name, mood_playlist_format f, const char *path,
                                     int relative, size_t *out_skipped)
{
    mood_atomic_file *af;
    FILE *fp;
    char base[PATH_MAX];
    size_t skipped = 0;
    mood_status st;
    if (out_skipped)
        *out_skipped = 0;
    dir_of(path, base, sizeof base);
    st = mood_atomic_open(path, &af, &fp);
    if (st != MOOD_OK)
        return st;
    if (f == MOOD_PLAYLIST_M3U8)
        st = write_m3u8(fp, s, rows, n, name, base, relative, &skipped);
    else if (f == MOOD_PLAYLIST_XSPF)
        st = write_xspf(fp, s, rows, n, name, base, relative, &skipped);
    else
        st = write_json(fp, s, rows, n, name);
    if (st != MOOD_OK) {
        mood_atomic_abort(af);
        return st;
    }
    if (out_skipped)
        *out_skipped = skipped;
    return mood_atomic_commit(af);
}

mood_status mood_playlist_write(const mood_playlist_set *set, size_t i, mood_playlist_format f,
                                const char *path, int relative, size_t *out_skipped)
{
    size_t n;
    const size_t *rows = mood_playlist_rows(set, i, &n);
    return mood_playlist_write_rows(mood_playlist_space(set), rows, n, mood_playlist_name(set, i),
                                    f, path, relative, out_skipped);
}
