/*
 * The history's catalog tables and the import driver: format detection from content, one
 * transaction per file, INSERT OR IGNORE on (kind, track key, start time) so that importing a
 * file twice adds nothing, plays of one Spotify export that the other already stored merged
 * into one row (merge.c), and the import log.
 */
#define _POSIX_C_SOURCE 200809L
#include "history_internal.h"

#include "../core/clock.h"
#include "../core/hash.h"
#include "../io/csv_records.h"
#include "../io/json_util.h"

#include <moodscope/fileio.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- schema ------------------------------------------------------------------------------ */

static const char *const history_steps[] = {
    /* v1 */
    "CREATE TABLE plays ("
    "  id INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL,"        /* track, podcast, audiobook, video */
    "  artist_name TEXT NOT NULL," /* show / book title for the other kinds */
    "  track_name TEXT NOT NULL,"  /* episode / chapter title for the other kinds */
    "  album_name TEXT,"
    "  played_at_utc TEXT NOT NULL,"     /* start of the play, ISO-8601 UTC */
    "  played_at_unix INTEGER NOT NULL," /* the same, seconds since the epoch */
    "  ms_played INTEGER,"               /* NULL when the export does not say (Last.fm) */
    "  spotify_track_uri TEXT,"
    "  reason_start TEXT, reason_end TEXT,"
    "  shuffle INTEGER, skipped INTEGER, offline INTEGER, incognito INTEGER,"
    "  platform TEXT,"
    "  source_format TEXT NOT NULL, source_file TEXT,"
    "  track_key TEXT NOT NULL,"
    "  imported_utc TEXT NOT NULL);"
    /* ms_played is part of the identity: the account export only gives the end minute, and
     * two different plays of a track can share a computed start second. */
    "CREATE UNIQUE INDEX plays_dedup ON plays(kind, track_key, played_at_unix,"
    "  COALESCE(ms_played, -1));"
    "CREATE INDEX plays_time ON plays(played_at_unix);"
    "CREATE TABLE history_tracks ("
    "  track_key TEXT PRIMARY KEY, artist_name TEXT, track_name TEXT, spotify_track_uri TEXT,"
    "  matched_by TEXT, feature_source TEXT,"
    "  danceability REAL, energy REAL, loudness REAL, speechiness REAL, acousticness REAL,"
    "  instrumentalness REAL, liveness REAL, valence REAL, tempo REAL, duration_ms REAL,"
    "  cluster INTEGER);"
    "CREATE TABLE sessions ("
    "  session_id INTEGER PRIMARY KEY, start_utc TEXT NOT NULL, end_utc TEXT NOT NULL,"
    "  start_unix INTEGER NOT NULL, end_unix INTEGER NOT NULL, n_tracks INTEGER NOT NULL,"
    "  duration_min REAL, skip_rate REAL, completion REAL, repeat_rate REAL,"
    "  user_initiated REAL, shuffle REAL, start_hour INTEGER, weekday INTEGER,"
    "  tz TEXT, gap_min REAL);"
    "CREATE TABLE history_models ("
    "  name TEXT PRIMARY KEY, created_utc TEXT NOT NULL, meta TEXT NOT NULL, booster BLOB);"
    "CREATE TABLE history_imports ("
    "  id INTEGER PRIMARY KEY, imported_utc TEXT NOT NULL, file TEXT NOT NULL,"
    "  format TEXT NOT NULL, rows INTEGER, added INTEGER, duplicates INTEGER,"
    "  kept_apart INTEGER, missing INTEGER);"
    "CREATE TABLE history_drift ("
    "  id INTEGER PRIMARY KEY, created_utc TEXT NOT NULL, window_end_utc TEXT NOT NULL,"
    "  flagged INTEGER NOT NULL, report TEXT NOT NULL);",
    /* v2: the other export's identity of a play stored once from both Spotify exports
     * (merge.c), and how many plays each import merged. */
    "CREATE TABLE play_aliases ("
    "  play_id INTEGER NOT NULL REFERENCES plays(id), kind TEXT NOT NULL,"
    "  track_key TEXT NOT NULL, played_at_unix INTEGER NOT NULL, ms_played INTEGER,"
    "  source_format TEXT NOT NULL, source_file TEXT);"
    "CREATE UNIQUE INDEX play_aliases_identity ON play_aliases(kind, track_key, played_at_unix,"
    "  COALESCE(ms_played, -1));"
    "CREATE INDEX play_aliases_play ON play_aliases(play_id);"
    "ALTER TABLE history_imports ADD COLUMN merged INTEGER;",
    /* v3: history_tracks gets an explicit id (its rowid until now, kept), which PostgreSQL
     * can have too; the key stays unique. */
    "CREATE TABLE history_tracks_v3 ("
    "  id INTEGER PRIMARY KEY, track_key TEXT NOT NULL UNIQUE, artist_name TEXT,"
    "  track_name TEXT, spotify_track_uri TEXT, matched_by TEXT, feature_source TEXT,"
    "  danceability REAL, energy REAL, loudness REAL, speechiness REAL, acousticness REAL,"
    "  instrumentalness REAL, liveness REAL, valence REAL, tempo REAL, duration_ms REAL,"
    "  cluster INTEGER);"
    "INSERT INTO history_tracks_v3 SELECT rowid, track_key, artist_name, track_name,"
    "  spotify_track_uri, matched_by, feature_source, danceability, energy, loudness,"
    "  speechiness, acousticness, instrumentalness, liveness, valence, tempo, duration_ms,"
    "  cluster FROM history_tracks ORDER BY rowid;"
    "DROP TABLE history_tracks;"
    "ALTER TABLE history_tracks_v3 RENAME TO history_tracks;",
};

/* The same tables in PostgreSQL types: BIGINT times and ids, DOUBLE PRECISION, BYTEA, and
 * byte-order (COLLATE "C") keys, as SQLite orders and groups them. */
static const char *const history_steps_pg[] = {
    /* v1 (with v3's history_tracks.id) */
    "CREATE TABLE plays ("
    "  id BIGSERIAL PRIMARY KEY, kind TEXT COLLATE \"C\" NOT NULL, artist_name TEXT COLLATE \"C\" "
    "NOT NULL,"
    "  track_name TEXT COLLATE \"C\" NOT NULL, album_name TEXT COLLATE \"C\", played_at_utc TEXT "
    "COLLATE \"C\" NOT NULL,"
    "  played_at_unix BIGINT NOT NULL, ms_played BIGINT, spotify_track_uri TEXT COLLATE \"C\","
    "  reason_start TEXT COLLATE \"C\", reason_end TEXT COLLATE \"C\","
    "  shuffle INTEGER, skipped INTEGER, offline INTEGER, incognito INTEGER, platform TEXT COLLATE "
    "\"C\","
    "  source_format TEXT COLLATE \"C\" NOT NULL, source_file TEXT COLLATE \"C\", track_key TEXT "
    "COLLATE \"C\" NOT NULL,"
    "  imported_utc TEXT COLLATE \"C\" NOT NULL);"
    "CREATE UNIQUE INDEX plays_dedup ON plays(kind, track_key, played_at_unix,"
    "  COALESCE(ms_played, -1));"
    "CREATE INDEX plays_time ON plays(played_at_unix);"
    "CREATE TABLE history_tracks ("
    "  id BIGSERIAL PRIMARY KEY, track_key TEXT COLLATE \"C\" NOT NULL UNIQUE,"
    "  artist_name TEXT COLLATE \"C\", track_name TEXT COLLATE \"C\","
    "  spotify_track_uri TEXT COLLATE \"C\", matched_by TEXT COLLATE \"C\", feature_source TEXT "
    "COLLATE \"C\","
    "  danceability DOUBLE PRECISION, energy DOUBLE PRECISION, loudness DOUBLE PRECISION,"
    "  speechiness DOUBLE PRECISION, acousticness DOUBLE PRECISION,"
    "  instrumentalness DOUBLE PRECISION, liveness DOUBLE PRECISION, valence DOUBLE PRECISION,"
    "  tempo DOUBLE PRECISION, duration_ms DOUBLE PRECISION, cluster INTEGER);"
    "CREATE TABLE sessions ("
    "  session_id BIGINT PRIMARY KEY, start_utc TEXT COLLATE \"C\" NOT NULL, end_utc TEXT COLLATE "
    "\"C\" NOT NULL,"
    "  start_unix BIGINT NOT NULL, end_unix BIGINT NOT NULL, n_tracks BIGINT NOT NULL,"
    "  duration_min DOUBLE PRECISION, skip_rate DOUBLE PRECISION, completion DOUBLE PRECISION,"
    "  repeat_rate DOUBLE PRECISION, user_initiated DOUBLE PRECISION, shuffle DOUBLE PRECISION,"
    "  start_hour INTEGER, weekday INTEGER, tz TEXT COLLATE \"C\", gap_min DOUBLE PRECISION);"
    "CREATE TABLE history_models ("
    "  name TEXT COLLATE \"C\" PRIMARY KEY, created_utc TEXT COLLATE \"C\" NOT NULL, meta TEXT "
    "COLLATE \"C\" NOT NULL, booster BYTEA);"
    "CREATE TABLE history_imports ("
    "  id BIGSERIAL PRIMARY KEY, imported_utc TEXT COLLATE \"C\" NOT NULL, file TEXT COLLATE \"C\" "
    "NOT NULL,"
    "  format TEXT COLLATE \"C\" NOT NULL, rows BIGINT, added BIGINT, duplicates BIGINT,"
    "  kept_apart BIGINT, missing BIGINT);"
    "CREATE TABLE history_drift ("
    "  id BIGSERIAL PRIMARY KEY, created_utc TEXT COLLATE \"C\" NOT NULL, window_end_utc TEXT "
    "COLLATE \"C\" NOT NULL,"
    "  flagged INTEGER NOT NULL, report TEXT COLLATE \"C\" NOT NULL);",
    /* v2 */
    "CREATE TABLE play_aliases ("
    "  play_id BIGINT NOT NULL REFERENCES plays(id), kind TEXT COLLATE \"C\" NOT NULL,"
    "  track_key TEXT COLLATE \"C\" NOT NULL, played_at_unix BIGINT NOT NULL, ms_played BIGINT,"
    "  source_format TEXT COLLATE \"C\" NOT NULL, source_file TEXT COLLATE \"C\");"
    "CREATE UNIQUE INDEX play_aliases_identity ON play_aliases(kind, track_key, played_at_unix,"
    "  COALESCE(ms_played, -1));"
    "CREATE INDEX play_aliases_play ON play_aliases(play_id);"
    "ALTER TABLE history_imports ADD COLUMN merged BIGINT;",
    /* v3: nothing to do (history_tracks.id is in v1) */
    "SELECT 1",
};

mood_status mood__hist_migrate(mood_catalog *cat)
{
    return mood__catalog_migrate_any(cat, "history", history_steps, history_steps_pg,
                                     sizeof history_steps / sizeof *history_steps);
}

static const mood_catalog_table history_tables[] = {
    {"plays",
     "id, kind, artist_name, track_name, album_name, played_at_utc, played_at_unix, ms_played, "
     "spotify_track_uri, reason_start, reason_end, shuffle, skipped, offline, incognito, "
     "platform, source_format, source_file, track_key, imported_utc",
     "itttttiitttiiiittttt", "id", "id"},
    {"play_aliases",
     "play_id, kind, track_key, played_at_unix, ms_played, source_format, source_file", "ittiitt",
     "kind, track_key, played_at_unix, COALESCE(ms_played, -1)", NULL},
    {"history_tracks",
     "id, track_key, artist_name, track_name, spotify_track_uri, matched_by, feature_source, "
     "danceability, energy, loudness, speechiness, acousticness, instrumentalness, liveness, "
     "valence, tempo, duration_ms, cluster",
     "ittttttddddddddddi", "id", "id"},
    {"sessions",
     "session_id, start_utc, end_utc, start_unix, end_unix, n_tracks, duration_min, skip_rate, "
     "completion, repeat_rate, user_initiated, shuffle, start_hour, weekday, tz, gap_min",
     "ittiiiddddddiitd", "session_id", NULL},
    {"history_models", "name, created_utc, meta, booster", "tttb", "name", NULL},
    {"history_imports",
     "id, imported_utc, file, format, rows, added, duplicates, kept_apart, missing, merged",
     "itttiiiiii", "id", "id"},
    {"history_drift", "id, created_utc, window_end_utc, flagged, report", "ittit", "id", "id"},
};

static const mood_catalog_part history_part = {"listening history", mood__hist_migrate,
                                               history_tables,
                                               sizeof history_tables / sizeof *history_tables};

const mood_catalog_part *mood_history_catalog_part(void)
{
    return &history_part;
}

const char *const mood__hist_sync_tracks_sql =
    "INSERT INTO history_tracks(track_key, artist_name, track_name, spotify_track_uri) "
    "SELECT track_key, MIN(artist_name), MIN(track_name), MAX(spotify_track_uri) FROM plays "
    "WHERE kind = 'track' GROUP BY track_key ORDER BY track_key ON CONFLICT DO NOTHING";

const char *const mood__hist_feature_names[HIST_NF] = {
    "danceability",     "energy",   "loudness", "speechiness", "acousticness",
    "instrumentalness", "liveness", "valence",  "tempo",       "duration_ms"};

const char *mood__hist_kind_name(hist_kind k)
{
    switch (k) {
    case HIST_TRACK:
        return "track";
    case HIST_PODCAST:
        return "podcast";
    case HIST_AUDIOBOOK:
        return "audiobook";
    case HIST_VIDEO:
        return "video";
    }
    return "track";
}

const char *mood_history_format_name(mood_history_format f)
{
    switch (f) {
    case MOOD_HISTORY_SPOTIFY_ACCOUNT:
        return "spotify-account";
    case MOOD_HISTORY_SPOTIFY_EXTENDED:
        return "spotify-extended";
    case MOOD_HISTORY_LASTFM:
        return "lastfm";
    default:
        return "unknown";
    }
}

/* ---- models ------------------------------------------------------------------------------ */

mood_status mood__hist_model_save(mood_catalog *cat, const char *name, const char *meta,
                                  const void *blob, size_t blob_len)
{
    mood_db *db = mood__catalog_dbh(cat);
    mood_db_stmt *st;
    char now[32];
    mood_status s = mood__hist_migrate(cat);
    if (s != MOOD_OK)
        return s;
    mood__utc_now(now, sizeof now, NULL, 0);
    if (mood__db_prepare(db,
                         "INSERT INTO history_models(name, created_utc, meta, booster) "
                         "VALUES(?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET created_utc = "
                         "excluded.created_utc, meta = excluded.meta, booster = excluded.booster",
                         &st) != MOOD_OK)
        return mood__catalog_error(cat, "save model");
    mood__db_bind_text(st, 1, name);
    mood__db_bind_text(st, 2, now);
    mood__db_bind_text(st, 3, meta);
    if (blob)
        mood__db_bind_blob(st, 4, blob, blob_len);
    else
        mood__db_bind_null(st, 4);
    s = mood__db_step_rc(st) == MOOD_DB_DONE ? MOOD_OK : mood__catalog_error(cat, "save model");
    mood__db_finalize(st);
    return s;
}

mood_status mood__hist_model_load(mood_catalog *cat, const char *name, char **out_meta,
                                  void **out_blob, size_t *out_blob_len)
{
    mood_db *db = mood__catalog_dbh(cat);
    mood_db_stmt *st;
    mood_status s = mood__hist_migrate(cat);
    *out_meta = NULL;
    if (out_blob)
        *out_blob = NULL;
    if (out_blob_len)
        *out_blob_len = 0;
    if (s != MOOD_OK)
        return s;
    if (mood__db_prepare(db, "SELECT meta, booster FROM history_models WHERE name = ?", &st) !=
        MOOD_OK)
        return mood__catalog_error(cat, "load model");
    mood__db_bind_text(st, 1, name);
    if (mood__db_step_rc(st) != MOOD_DB_ROW) {
        mood__db_finalize(st);
        return mood__error(MOOD_ENOTFIT,
                           "history model '%s' not found in %s: run 'moodscope history retrain'",
                           name, mood_catalog_path(cat));
    }
    *out_meta = mood__strdup(mood__db_col_text(st, 0));
    if (!*out_meta) {
        mood__db_finalize(st);
        return mood__enomem("load model");
    }
    if (out_blob && !mood__db_col_null(st, 1)) {
        size_t len = (size_t)mood__db_bytes(st, 1);
        void *b = mood__malloc(len ? len : 1);
        if (!b) {
            mood__db_finalize(st);
            mood__free(*out_meta);
            *out_meta = NULL;
            return mood__enomem("load model");
        }
        memcpy(b, mood__db_blob(st, 1), len);
        *out_blob = b;
        *out_blob_len = len;
    }
    mood__db_finalize(st);
    return MOOD_OK;
}

/* ---- detection ----------------------------------------------------------------------------- */

/* A quoted JSON key present in the prefix. */
static int has_key(const char *text, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\"", key);
    return strstr(text, pat) != NULL;
}

static mood_history_format detect_csv_header(const char *text, size_t len)
{
    csv_records c;
    mood_history_format f = MOOD_HISTORY_UNKNOWN;
    int has_time = 0, has_artist = 0, has_track = 0;
    mood__csv_records_init(&c, text, len);
    if (mood__csv_records_next(&c) == 1) {
        for (size_t i = 0; i < c.n; i++) {
            char h[64];
            size_t o = 0;
            for (const char *p = c.fields[i]; *p && o + 1 < sizeof h; p++)
                h[o++] = (char)tolower((unsigned char)*p);
            h[o] = '\0';
            if (!strcmp(h, "uts") || !strcmp(h, "utc_time") || !strcmp(h, "date") ||
                !strcmp(h, "timestamp") || !strcmp(h, "time") || !strcmp(h, "played_at") ||
                !strcmp(h, "datetime") || !strcmp(h, "date_uts"))
                has_time = 1;
            if (!strcmp(h, "artist") || !strcmp(h, "artist_name") || !strcmp(h, "artist name"))
                has_artist = 1;
            if (!strcmp(h, "track") || !strcmp(h, "title") || !strcmp(h, "track_name") ||
                !strcmp(h, "name") || !strcmp(h, "track name") || !strcmp(h, "song"))
                has_track = 1;
        }
        if (has_time && has_artist && has_track)
            f = MOOD_HISTORY_LASTFM;
        else if (c.n == 4) {
            /* The headerless layout of the common Last.fm export sites: artist, album, track,
             * date. */
            int64_t t;
            if (mood__hist_parse_time(c.fields[3], &t))
                f = MOOD_HISTORY_LASTFM;
        }
    }
    mood__csv_records_free(&c);
    return f;
}

static mood_status detect_text(const char *path, const char *text, size_t len,
                               mood_history_format *out)
{
    const char *p = text;
    *out = MOOD_HISTORY_UNKNOWN;
    if (len >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB)
        p += 3;
    while (*p && isspace((unsigned char)*p))
        p++;
    if (*p == '[' || *p == '{') {
        if (has_key(p, "endTime") && has_key(p, "msPlayed"))
            *out = MOOD_HISTORY_SPOTIFY_ACCOUNT;
        else if (has_key(p, "ts") && has_key(p, "ms_played"))
            *out = MOOD_HISTORY_SPOTIFY_EXTENDED;
        else
            return mood__error(MOOD_EFORMAT,
                               "%s: JSON without endTime/msPlayed (Spotify account export) or "
                               "ts/ms_played (Spotify extended history) keys",
                               path);
        return MOOD_OK;
    }
    *out = detect_csv_header(p, len - (size_t)(p - text));
    if (*out == MOOD_HISTORY_UNKNOWN)
        return mood__error(MOOD_EFORMAT,
                           "%s: not a listening history: expected Spotify JSON or a Last.fm CSV "
                           "(header with a time column such as uts/utc_time/date and artist and "
                           "track columns, or headerless artist,album,track,date)",
                           path);
    return MOOD_OK;
}

mood_status mood_history_detect(const char *path, mood_history_format *out)
{
    char buf[65536];
    FILE *fp;
    size_t len;
    *out = MOOD_HISTORY_UNKNOWN;
    fp = fopen(path, "rb");
    if (!fp)
        return mood__error(MOOD_EIO, "%s: cannot open", path);
    len = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[len] = '\0';
    if (len == 0)
        return mood__error(MOOD_EFORMAT, "%s: empty file", path);
    /* Cut the CSV probe at the last full line so that a split record is not misread. */
    if (len == sizeof buf - 1) {
        char *nl = strrchr(buf, '\n');
        if (nl)
            nl[1] = '\0';
        len = strlen(buf);
    }
    return detect_text(path, buf, len, out);
}

/* ---- the sink ------------------------------------------------------------------------------ */

struct hist_sink {
    mood_catalog *cat;
    mood_db_stmt *ins;
    const char *file;
    const char *format;
    char now[32];
    int video_file;
    mood_history_import_report *rep;
    hist_merge *merge; /* NULL unless a Spotify export */
    size_t merged;     /* plays the other Spotify export had stored (counted as duplicates) */
    mood_progress_fn progress;
    void *progress_user;
    size_t total_hint;
};

void mood__hist_sink_total(hist_sink *s, size_t n)
{
    s->total_hint = n;
}

void mood__hist_sink_missing(hist_sink *s, unsigned what)
{
    s->rep->rows++;
    s->rep->missing_essentials++;
    if (what & 1)
        s->rep->missing_time++;
    if (what & 2)
        s->rep->missing_artist++;
    if (what & 4)
        s->rep->missing_track++;
}

static void bind_text_or_null(mood_db_stmt *st, int i, const char *v)
{
    if (v && v[0])
        mood__db_bind_text(st, i, v);
    else
        mood__db_bind_null(st, i);
}

static void bind_flag(mood_db_stmt *st, int i, int v)
{
    if (v < 0)
        mood__db_bind_null(st, i);
    else
        mood__db_bind_int64(st, i, v);
}

void mood__hist_bind_play(mood_db_stmt *st, const hist_raw_play *p, hist_kind kind, const char *key,
                          const char *format, const char *file)
{
    char iso[32];
    mood__utc_format(p->start_utc, iso, sizeof iso);
    mood__db_bind_text(st, 1, mood__hist_kind_name(kind));
    mood__db_bind_text(st, 2, p->artist);
    mood__db_bind_text(st, 3, p->track);
    bind_text_or_null(st, 4, p->album);
    mood__db_bind_text(st, 5, iso);
    mood__db_bind_int64(st, 6, p->start_utc);
    if (p->ms_played >= 0)
        mood__db_bind_int64(st, 7, p->ms_played);
    bind_text_or_null(st, 8, p->uri);
    bind_text_or_null(st, 9, p->reason_start);
    bind_text_or_null(st, 10, p->reason_end);
    bind_flag(st, 11, p->shuffle);
    bind_flag(st, 12, p->skipped);
    bind_flag(st, 13, p->offline);
    bind_flag(st, 14, p->incognito);
    bind_text_or_null(st, 15, p->platform);
    mood__db_bind_text(st, 16, format);
    mood__db_bind_text(st, 17, file);
    mood__db_bind_text(st, 18, key);
}

mood_status mood__hist_sink_put(hist_sink *s, const hist_raw_play *p)
{
    char key[1024];
    hist_kind kind = p->kind;
    int rc;
    if (s->video_file && kind == HIST_TRACK)
        kind = HIST_VIDEO;
    s->rep->rows++;
    if (s->rep->rows % 2000 == 0) {
        mood_status ps = mood__progress(s->progress, s->progress_user, "import",
                                        (double)s->rep->rows, (double)s->total_hint);
        if (ps != MOOD_OK)
            return ps;
    }
    mood__hist_track_key(p->artist, p->track, key, sizeof key);
    if (s->merge) {
        int stored = 0, merged = 0;
        mood_status ms = mood__hist_merge_play(s->merge, p, kind, key, &stored, &merged);
        if (ms != MOOD_OK)
            return ms;
        if (stored) {
            s->rep->duplicates++;
            s->merged += (size_t)merged;
            return MOOD_OK;
        }
    }
    mood__db_reset(s->ins);
    mood__db_clear_bindings(s->ins);
    mood__hist_bind_play(s->ins, p, kind, key, s->format, s->file);
    mood__db_bind_text(s->ins, 19, s->now);
    rc = mood__db_step_rc(s->ins);
    if (rc != MOOD_DB_DONE)
        return mood__catalog_error(s->cat, "store play");
    if (mood__db_changes(mood__catalog_dbh(s->cat)) > 0) {
        s->rep->added++;
        if (kind != HIST_TRACK)
            s->rep->kept_apart++;
    } else {
        s->rep->duplicates++;
    }
    return MOOD_OK;
}

/* ---- import ------------------------------------------------------------------------------- */

static mood_status log_import(mood_catalog *cat, const hist_sink *s)
{
    mood_db_stmt *st;
    mood_status rs = MOOD_OK;
    const mood_history_import_report *r = s->rep;
    if (mood__db_prepare(mood__catalog_dbh(cat),
                         "INSERT INTO history_imports(imported_utc, file, format, rows, added, "
                         "duplicates, kept_apart, missing, merged) VALUES(?,?,?,?,?,?,?,?,?)",
                         &st) != MOOD_OK)
        return mood__catalog_error(cat, "import log");
    mood__db_bind_text(st, 1, s->now);
    mood__db_bind_text(st, 2, s->file);
    mood__db_bind_text(st, 3, s->format);
    mood__db_bind_int64(st, 4, r->rows);
    mood__db_bind_int64(st, 5, r->added);
    mood__db_bind_int64(st, 6, r->duplicates);
    mood__db_bind_int64(st, 7, r->kept_apart);
    mood__db_bind_int64(st, 8, r->missing_essentials);
    mood__db_bind_int64(st, 9, s->merged);
    if (mood__db_step_rc(st) != MOOD_DB_DONE)
        rs = mood__catalog_error(cat, "import log");
    mood__db_finalize(st);
    return rs;
}

/* Parse the file into the sink's statements, inside the caller's transaction. */
static mood_status parse_into(hist_sink *sink, const char *path, mood_history_format fmt)
{
    mood_status s;
    if (fmt == MOOD_HISTORY_LASTFM) {
        char *text = NULL;
        size_t len = 0;
        s = mood_read_file(path, &text, &len);
        if (s == MOOD_OK) {
            /* rows are about 60 bytes; the count only drives the progress line */
            sink->total_hint = len / 60 + 1;
            s = mood__hist_import_lastfm(path, text, len, sink);
        }
        mood_free(text);
        return s;
    }
    mood_history_format got;
    return mood__hist_import_spotify(path, sink, &got);
}

/* One transaction: every row of the file stored (or merged) and logged, or nothing. */
static mood_status import_rows(mood_catalog *cat, hist_sink *sink, const char *path,
                               mood_history_format fmt)
{
    mood_status s;
    if (mood__db_prepare(mood__catalog_dbh(cat),
                         "INSERT INTO plays(kind, artist_name, track_name, album_name, "
                         "played_at_utc, played_at_unix, ms_played, spotify_track_uri, "
                         "reason_start, reason_end, shuffle, skipped, offline, incognito, "
                         "platform, source_format, source_file, track_key, imported_utc) "
                         "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
                         &sink->ins) != MOOD_OK)
        return mood__catalog_error(cat, "import");
    s = mood__hist_merge_open(cat, fmt, sink->file, &sink->merge);
    if (s == MOOD_OK)
        s = mood__db_begin(mood__catalog_dbh(cat));
    if (s != MOOD_OK) {
        mood__db_finalize(sink->ins);
        mood__hist_merge_close(sink->merge);
        return s;
    }
    s = parse_into(sink, path, fmt);
    mood__db_finalize(sink->ins);
    mood__hist_merge_close(sink->merge);
    sink->merge = NULL;
    if (s == MOOD_OK)
        s = log_import(cat, sink);
    if (s == MOOD_OK)
        s = mood__db_commit(mood__catalog_dbh(cat));
    if (s != MOOD_OK) {
        mood_status keep = s;
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", mood_last_error());
        mood__db_rollback(mood__catalog_dbh(cat));
        return mood__error(keep, "%s", msg);
    }
    return MOOD_OK;
}

/*
 * Plays merged with the other Spotify export are counted in duplicates (they were already in
 * the catalog) and, of those, in merged; history_imports.merged keeps them too.
 */
mood_status mood_history_import(mood_catalog *cat, const char *path, mood_progress_fn progress,
                                void *progress_user, mood_history_import_report *out)
{
    hist_sink sink;
    mood_status s;
    mood_history_format fmt;
    const char *base;
    memset(out, 0, sizeof *out);
    memset(&sink, 0, sizeof sink);
    if (!cat || !path)
        return mood__error(MOOD_EINVAL, "history import: no catalog or file");
    s = mood__hist_migrate(cat);
    if (s != MOOD_OK)
        return s;
    s = mood_history_detect(path, &fmt);
    if (s != MOOD_OK)
        return s;
    out->format = fmt;
    base = strrchr(path, '/');
    base = base ? base + 1 : path;
    sink.cat = cat;
    sink.file = base;
    sink.format = mood_history_format_name(fmt);
    sink.rep = out;
    sink.progress = progress;
    sink.progress_user = progress_user;
    /* Spotify names its video history files so; their rows are kept apart from music. The
     * format itself is still detected from content. */
    sink.video_file = strstr(base, "Video") != NULL || strstr(base, "video") != NULL;
    mood__utc_now(sink.now, sizeof sink.now, NULL, 0);
    s = import_rows(cat, &sink, path, fmt);
    if (s != MOOD_OK) {
        out->added = out->duplicates = out->kept_apart = out->merged = 0;
        return s;
    }
    out->merged = sink.merged;
    mood__progress(progress, progress_user, "import", 1, 1);
    return MOOD_OK;
}

/* ---- plays from other sources ------------------------------------------------------------ */

mood_status mood_history_prepare_catalog(mood_catalog *cat)
{
    return mood__hist_migrate(cat);
}

mood_status mood_history_add_plays(mood_catalog *cat, const mood_history_play *plays, size_t n,
                                   const char *source_format, const char *source_file,
                                   const char *imported_utc, size_t *out_added)
{
    mood_db *db = mood__catalog_dbh(cat);
    mood_db_stmt *ins = NULL;
    char now[32], key[1024], iso[32];
    size_t added = 0;
    mood_status s = mood__hist_migrate(cat);
    if (out_added)
        *out_added = 0;
    if (s != MOOD_OK)
        return s;
    if (!imported_utc) {
        mood__utc_now(now, sizeof now, NULL, 0);
        imported_utc = now;
    }
    if (mood__db_prepare(db,
                         "INSERT INTO plays(kind, artist_name, track_name, album_name, "
                         "played_at_utc, played_at_unix, ms_played, source_format, source_file, "
                         "track_key, imported_utc) VALUES('track',?1,?2,?3,?4,?5,?6,?7,?8,?9,?10) "
                         "ON CONFLICT DO NOTHING",
                         &ins) != MOOD_OK)
        return mood__catalog_error(cat, "store plays");
    for (size_t i = 0; s == MOOD_OK && i < n; i++) {
        const mood_history_play *p = &plays[i];
        mood__hist_track_key(p->artist, p->title, key, sizeof key);
        mood__utc_format(p->played_at_utc, iso, sizeof iso);
        mood__db_reset(ins);
        mood__db_clear_bindings(ins);
        mood__db_bind_text(ins, 1, p->artist);
        mood__db_bind_text(ins, 2, p->title);
        mood__db_bind_text(ins, 3, p->album);
        mood__db_bind_text(ins, 4, iso);
        mood__db_bind_int64(ins, 5, p->played_at_utc);
        if (p->ms_played >= 0)
            mood__db_bind_int64(ins, 6, p->ms_played);
        mood__db_bind_text(ins, 7, source_format);
        mood__db_bind_text(ins, 8, source_file);
        mood__db_bind_text(ins, 9, key);
        mood__db_bind_text(ins, 10, imported_utc);
        if (mood__db_step_rc(ins) != MOOD_DB_DONE)
            s = mood__catalog_error(cat, "store plays");
        else
            added += (size_t)mood__db_changes(db);
    }
    mood__db_finalize(ins);
    if (out_added)
        *out_added = added;
    return s;
}

/* ---- settings ------------------------------------------------------------------------------- */

mood_status mood_history_settings_save(mood_catalog *cat, const mood_history_options *o)
{
    json_t *j = json_object();
    char *text;
    mood_status s;
    json_object_set_new(j, "gap_min", json_real(o->gap_min));
    json_object_set_new(j, "tz", json_string(o->tz ? o->tz : "UTC"));
    json_object_set_new(j, "repeat_window", json_integer((json_int_t)o->repeat_window));
    json_object_set_new(j, "skip_ms", json_real(o->skip_ms));
    text = mood__hist_json_dump(j);
    json_decref(j);
    if (!text)
        return mood__enomem("history settings");
    s = mood__hist_model_save(cat, "settings", text, NULL, 0);
    mood__free(text);
    return s;
}

mood_status mood_history_settings_load(mood_catalog *cat, mood_history_options *o, char *tz_buf,
                                       size_t cap)
{
    char *text = NULL;
    json_t *j;
    json_error_t err;
    mood_status s = mood__hist_model_load(cat, "settings", &text, NULL, NULL);
    if (s == MOOD_ENOTFIT) {
        mood_clear_error();
        return MOOD_OK;
    }
    if (s != MOOD_OK)
        return s;
    j = json_loads(text, 0, &err);
    mood__free(text);
    if (!j)
        return mood__error(MOOD_EFORMAT, "history settings: %s", err.text);
    if (json_is_number(json_object_get(j, "gap_min")))
        o->gap_min = json_number_value(json_object_get(j, "gap_min"));
    if (json_is_integer(json_object_get(j, "repeat_window")))
        o->repeat_window = (size_t)json_integer_value(json_object_get(j, "repeat_window"));
    if (json_is_number(json_object_get(j, "skip_ms")))
        o->skip_ms = json_number_value(json_object_get(j, "skip_ms"));
    if (json_is_string(json_object_get(j, "tz")) && cap > 0) {
        snprintf(tz_buf, cap, "%s", json_string_value(json_object_get(j, "tz")));
        o->tz = tz_buf;
    }
    json_decref(j);
    return MOOD_OK;
}
