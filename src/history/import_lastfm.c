/*
 * Last.fm scrobble CSVs in their common layouts:
 *   - lastfm-to-csv style: uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid
 *     (uts = epoch seconds, utc_time = "31 Jan 2021, 12:34"), uts preferred;
 *   - date,artist,track,album (and any order of such headers; an unnamed index column is
 *     ignored), date in "2020-04-13 05:01:31" or the other forms the time parser knows;
 *   - headerless artist,album,track,date (lastfm.ghan.nl and similar exporters).
 * Scrobble times are the start of the play, in UTC. ms_played is unknown.
 */
#define _POSIX_C_SOURCE 200809L
#include "history_internal.h"

#include "../io/csv_records.h"

#include <ctype.h>
#include <string.h>

enum { COL_UTS, COL_TIME, COL_ARTIST, COL_TRACK, COL_ALBUM, N_COLS };

static void lower(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    for (; *s && o + 1 < cap; s++)
        out[o++] = (char)tolower((unsigned char)*s);
    out[o] = '\0';
}

static int header_role(const char *name)
{
    char h[64];
    lower(name, h, sizeof h);
    if (!strcmp(h, "uts") || !strcmp(h, "date_uts"))
        return COL_UTS;
    if (!strcmp(h, "utc_time") || !strcmp(h, "date") || !strcmp(h, "timestamp") ||
        !strcmp(h, "time") || !strcmp(h, "played_at") || !strcmp(h, "datetime"))
        return COL_TIME;
    if (!strcmp(h, "artist") || !strcmp(h, "artist_name") || !strcmp(h, "artist name"))
        return COL_ARTIST;
    if (!strcmp(h, "track") || !strcmp(h, "title") || !strcmp(h, "track_name") ||
        !strcmp(h, "name") || !strcmp(h, "track name") || !strcmp(h, "song"))
        return COL_TRACK;
    if (!strcmp(h, "album") || !strcmp(h, "album_name") || !strcmp(h, "album name"))
        return COL_ALBUM;
    return -1;
}

mood_status mood__hist_import_lastfm(const char *path, const char *text, size_t len,
                                     hist_sink *sink)
{
    csv_records c;
    long col[N_COLS];
    int rc, headerless = 0;
    mood_status s = MOOD_OK;
    for (int i = 0; i < N_COLS; i++)
        col[i] = -1;
    mood__csv_records_init(&c, text, len);
    rc = mood__csv_records_next(&c);
    if (rc < 0)
        return mood__enomem("lastfm import");
    if (rc == 0) {
        mood__csv_records_free(&c);
        return mood__error(MOOD_EFORMAT, "%s: empty file", path);
    }
    for (size_t i = 0; i < c.n; i++) {
        int r = header_role(c.fields[i]);
        if (r >= 0 && col[r] < 0)
            col[r] = (long)i;
    }
    if ((col[COL_UTS] < 0 && col[COL_TIME] < 0) || col[COL_ARTIST] < 0 || col[COL_TRACK] < 0) {
        int64_t t;
        if (c.n == 4 && mood__hist_parse_time(c.fields[3], &t)) {
            headerless = 1;
            col[COL_ARTIST] = 0;
            col[COL_ALBUM] = 1;
            col[COL_TRACK] = 2;
            col[COL_TIME] = 3;
            col[COL_UTS] = -1;
        } else {
            mood__csv_records_free(&c);
            return mood__error(MOOD_EFORMAT,
                               "%s:1: expected a Last.fm header with a time column (uts, "
                               "utc_time or date) and artist and track columns",
                               path);
        }
    }
    for (;;) {
        hist_raw_play p;
        unsigned miss = 0;
        int64_t t = 0;
        int ok = 0;
        if (!headerless) {
            rc = mood__csv_records_next(&c);
            if (rc < 0) {
                s = mood__enomem("lastfm import");
                break;
            }
            if (rc == 0)
                break;
        }
        headerless = 0; /* the first record of a headerless file is data, already read */
        if (c.n == 1 && c.fields[0][0] == '\0')
            continue; /* blank line */
        memset(&p, 0, sizeof p);
        if (col[COL_UTS] >= 0 && (size_t)col[COL_UTS] < c.n)
            ok = mood__hist_parse_time(c.fields[col[COL_UTS]], &t);
        if (!ok && col[COL_TIME] >= 0 && (size_t)col[COL_TIME] < c.n)
            ok = mood__hist_parse_time(c.fields[col[COL_TIME]], &t);
        if (!ok)
            miss |= 1;
        p.artist = (size_t)col[COL_ARTIST] < c.n ? c.fields[col[COL_ARTIST]] : "";
        p.track = (size_t)col[COL_TRACK] < c.n ? c.fields[col[COL_TRACK]] : "";
        p.album =
            col[COL_ALBUM] >= 0 && (size_t)col[COL_ALBUM] < c.n ? c.fields[col[COL_ALBUM]] : NULL;
        if (!p.artist[0])
            miss |= 2;
        if (!p.track[0])
            miss |= 4;
        if (miss) {
            mood__hist_sink_missing(sink, miss);
            continue;
        }
        p.start_utc = t;
        p.ms_played = -1;
        p.kind = HIST_TRACK;
        p.shuffle = p.skipped = p.offline = p.incognito = -1;
        if ((s = mood__hist_sink_put(sink, &p)) != MOOD_OK)
            break;
    }
    mood__csv_records_free(&c);
    return s;
}
