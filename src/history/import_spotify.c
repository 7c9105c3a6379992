/*
 * Spotify exports (jansson): the account-data StreamingHistory*.json (endTime, artistName,
 * trackName, msPlayed; endTime is the UTC minute the play ended) and the extended streaming
 * history Streaming_History_Audio_*.json / endsong_*.json (ts = UTC end of the play, ms_played,
 * master_metadata_*, spotify_track_uri, reason_start/end, shuffle, skipped, offline,
 * incognito_mode; podcast episodes and audiobook chapters in the same files).
 * Plays are stored by their start: end minus the time played.
 */
#define _POSIX_C_SOURCE 200809L
#include "history_internal.h"

#include <string.h>

static const char *jstr(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) && json_string_length(v) > 0 ? json_string_value(v) : NULL;
}

static int jflag(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (json_is_true(v))
        return 1;
    if (json_is_false(v))
        return 0;
    if (json_is_integer(v))
        return json_integer_value(v) != 0;
    return -1;
}

static int64_t jms(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (json_is_integer(v) && json_integer_value(v) >= 0)
        return (int64_t)json_integer_value(v);
    if (json_is_real(v) && json_real_value(v) >= 0)
        return (int64_t)json_real_value(v);
    return -1;
}

/*
 * Both layouts give the time a play ended: set p->start_utc from it and the time played.
 * 1 when the record has its essentials; 0 after reporting the missing ones to the sink.
 */
static int complete_play(hist_sink *sink, hist_raw_play *p, const char *end_text)
{
    int64_t end;
    unsigned miss = 0;
    if (!mood__hist_parse_time(end_text, &end))
        miss |= 1;
    if (!p->artist)
        miss |= 2;
    if (!p->track)
        miss |= 4;
    if (miss) {
        mood__hist_sink_missing(sink, miss);
        return 0;
    }
    p->start_utc = end - (p->ms_played > 0 ? p->ms_played / 1000 : 0);
    return 1;
}

static mood_status put_account(hist_sink *sink, const json_t *o)
{
    hist_raw_play p;
    memset(&p, 0, sizeof p);
    p.artist = jstr(o, "artistName");
    p.track = jstr(o, "trackName");
    p.ms_played = jms(o, "msPlayed");
    if (!complete_play(sink, &p, jstr(o, "endTime")))
        return MOOD_OK;
    p.kind = HIST_TRACK;
    p.shuffle = p.skipped = p.offline = p.incognito = -1;
    return mood__hist_sink_put(sink, &p);
}

static mood_status put_extended(hist_sink *sink, const json_t *o)
{
    hist_raw_play p;
    memset(&p, 0, sizeof p);
    p.ms_played = jms(o, "ms_played");
    p.uri = jstr(o, "spotify_track_uri");
    if (jstr(o, "spotify_episode_uri") || jstr(o, "episode_name")) {
        p.kind = HIST_PODCAST;
        p.artist = jstr(o, "episode_show_name");
        p.track = jstr(o, "episode_name");
        p.uri = jstr(o, "spotify_episode_uri");
    } else if (jstr(o, "audiobook_uri") || jstr(o, "audiobook_title")) {
        p.kind = HIST_AUDIOBOOK;
        p.artist = jstr(o, "audiobook_title");
        p.track = jstr(o, "audiobook_chapter_title");
        p.uri = jstr(o, "audiobook_chapter_uri");
    } else {
        p.kind = HIST_TRACK;
        p.artist = jstr(o, "master_metadata_album_artist_name");
        p.track = jstr(o, "master_metadata_track_name");
        p.album = jstr(o, "master_metadata_album_album_name");
    }
    if (!complete_play(sink, &p, jstr(o, "ts")))
        return MOOD_OK;
    p.reason_start = jstr(o, "reason_start");
    p.reason_end = jstr(o, "reason_end");
    p.platform = jstr(o, "platform");
    p.shuffle = jflag(o, "shuffle");
    p.skipped = jflag(o, "skipped");
    p.offline = jflag(o, "offline");
    p.incognito = jflag(o, "incognito_mode");
    return mood__hist_sink_put(sink, &p);
}

mood_status mood__hist_import_spotify(const char *path, hist_sink *sink,
                                      mood_history_format *out_fmt)
{
    json_error_t err;
    json_t *doc = json_load_file(path, 0, &err);
    const json_t *arr;
    mood_status s = MOOD_OK;
    if (!doc)
        return mood__error(MOOD_EFORMAT, "%s:%d:%d: %s", path, err.line, err.column, err.text);
    arr = doc;
    /* Some tools wrap the list: {"plays": [...]} / {"items": [...]} — accept the first array. */
    if (json_is_object(doc)) {
        const char *k;
        json_t *v;
        arr = NULL;
        json_object_foreach(doc, k, v)
        {
            if (json_is_array(v)) {
                arr = v;
                break;
            }
        }
    }
    if (!json_is_array(arr)) {
        json_decref(doc);
        return mood__error(MOOD_EFORMAT, "%s: expected a JSON array of plays", path);
    }
    *out_fmt = MOOD_HISTORY_UNKNOWN;
    mood__hist_sink_total(sink, json_array_size(arr));
    for (size_t i = 0; i < json_array_size(arr) && s == MOOD_OK; i++) {
        const json_t *o = json_array_get(arr, i);
        if (!json_is_object(o)) {
            s = mood__error(MOOD_EFORMAT, "%s: record %zu: expected an object", path, i + 1);
            break;
        }
        if (json_object_get(o, "endTime") || json_object_get(o, "msPlayed")) {
            *out_fmt = MOOD_HISTORY_SPOTIFY_ACCOUNT;
            s = put_account(sink, o);
        } else {
            *out_fmt = MOOD_HISTORY_SPOTIFY_EXTENDED;
            s = put_extended(sink, o);
        }
    }
    json_decref(doc);
    return s;
}
