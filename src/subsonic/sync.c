/*
 * `library sync`: the server's artists, albums and songs into the subsonic_* tables, and its
 * play counts, starred songs and album lists into the listening history.
 *
 * Incremental by album: getAlbumList2 lists every album in pages (one request per 500 albums)
 * with its song count, duration and dates; only albums whose signature changed are read with
 * getAlbum. Each album is one transaction, so an interrupted sync keeps what it read and the
 * next one skips it; albums missing from a complete listing are removed at the end.
 */
#define _POSIX_C_SOURCE 200809L
#include "subsonic_internal.h"

#include "../core/hash.h"
#include "../core/internal.h"
#include "../store/catalog_internal.h"

#include <moodscope/history.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct sync_ctx {
    mood_subsonic *c;
    mood_catalog *cat;
    mood_db *db;
    const mood_subsonic_sync_options *o;
    mood_subsonic_sync_report *r;
    char now[32];
    json_t *song_sigs; /* album id -> signature of its songs from search3, or NULL */
} sync_ctx;

static mood_status prep(sync_ctx *x, const char *sql, mood_db_stmt **st)
{
    if (mood__db_prepare(x->db, sql, st) != MOOD_OK)
        return mood__catalog_error(x->cat, "subsonic sync");
    mood__db_bind_text(*st, 1, x->c->info.name);
    return MOOD_OK;
}

static mood_status step_done(sync_ctx *x, mood_db_stmt *st)
{
    int rc = mood__db_step_rc(st);
    mood__db_finalize(st);
    return rc == MOOD_DB_DONE || rc == MOOD_DB_ROW ? MOOD_OK
                                                   : mood__catalog_error(x->cat, "subsonic sync");
}

static void bind_str(mood_db_stmt *st, int i, const json_t *o, const char *key)
{
    const char *v = mood__sub_jstr(o, key);
    if (v[0])
        mood__db_bind_text(st, i, v);
}

static void bind_num(mood_db_stmt *st, int i, const json_t *o, const char *key)
{
    double v = mood__sub_jnum(o, key, -1e300);
    if (v > -1e300)
        mood__db_bind_double(st, i, v);
}

/* ---- artists ------------------------------------------------------------------------------ */

static mood_status sync_artists(sync_ctx *x)
{
    json_t *resp = NULL, *index, *group, *artists, *a;
    size_t i, j;
    mood_db_stmt *st;
    mood_status s = mood__sub_call(x->c, "getArtists", NULL, &resp);
    if (s != MOOD_OK) {
        json_decref(resp);
        return s;
    }
    index = mood__sub_jarray(json_object_get(resp, "artists"), "index");
    s = mood__db_begin(x->db);
    json_array_foreach(index, i, group)
    {
        artists = mood__sub_jarray(group, "artist");
        json_array_foreach(artists, j, a)
        {
            if (s != MOOD_OK)
                break;
            s = prep(x,
                     "INSERT INTO subsonic_artists(server, artist_id, name, album_count) "
                     "VALUES(?1,?2,?3,?4) ON CONFLICT(server, artist_id) DO UPDATE SET "
                     "name = ?3, album_count = ?4",
                     &st);
            if (s != MOOD_OK)
                break;
            bind_str(st, 2, a, "id");
            bind_str(st, 3, a, "name");
            bind_num(st, 4, a, "albumCount");
            s = step_done(x, st);
            x->r->artists++;
        }
        json_decref(artists);
    }
    json_decref(index);
    json_decref(resp);
    if (s == MOOD_OK)
        return mood__db_commit(x->db);
    mood__db_rollback(x->db);
    return s;
}

/* ---- albums and songs --------------------------------------------------------------------- */

/* ---- song signatures ---------------------------------------------------------------------- */

/* Fold one listed song into its album's signature (order-independent: sum of song hashes). */
static mood_status fold_song(json_t *sigs, const json_t *g)
{
    char line[2048], sig[64];
    const char *album = mood__sub_jstr(g, "albumId");
    json_t *old = json_object_get(sigs, album);
    unsigned long long sum = 0, n = 0;
    uint64_t h;
    if (old)
        sscanf(json_string_value(old), "%llx:%llu", &sum, &n);
    snprintf(line, sizeof line, "%s|%s|%.0f|%.0f|%s|%s|%.0f|%s", mood__sub_jstr(g, "id"),
             mood__sub_jstr(g, "path"), mood__sub_jnum(g, "size", -1),
             mood__sub_jnum(g, "duration", -1), mood__sub_jstr(g, "title"),
             mood__sub_jstr(g, "artist"), mood__sub_jnum(g, "track", -1),
             mood__sub_jstr(g, "created"));
    h = mood__fnv1a(line, strlen(line), MOOD_FNV_OFFSET_REPORTS);
    snprintf(sig, sizeof sig, "%llx:%llu", sum + (unsigned long long)h, n + 1);
    return json_object_set_new(sigs, album, json_string(sig)) == 0 ? MOOD_OK
                                                                   : mood__enomem("subsonic sync");
}

/*
 * Every song listed by search3 with an empty query (paged, 500 a request), folded into one
 * signature per album, so that an album whose songs were replaced, retagged or moved is read
 * again even when its song count and duration stayed. A server that refuses the empty query
 * leaves x->song_sigs NULL, and the album list's own fields decide.
 */
static void song_signatures(sync_ctx *x)
{
    size_t offset = 0, n;
    char num[32];
    mood_status s = MOOD_OK;
    x->song_sigs = json_object();
    do {
        sub_params p = {0};
        json_t *resp = NULL, *songs = NULL, *g;
        size_t i;
        snprintf(num, sizeof num, "%zu", offset);
        s = mood__sub_param(&p, "query", "");
        if (s == MOOD_OK)
            s = mood__sub_param(&p, "artistCount", "0");
        if (s == MOOD_OK)
            s = mood__sub_param(&p, "albumCount", "0");
        if (s == MOOD_OK)
            s = mood__sub_param(&p, "songCount", "500");
        if (s == MOOD_OK)
            s = mood__sub_param(&p, "songOffset", num);
        if (s == MOOD_OK)
            s = mood__sub_call(x->c, "search3", &p, &resp);
        mood__sub_params_free(&p);
        if (s == MOOD_OK)
            songs = mood__sub_jarray(json_object_get(resp, "searchResult3"), "song");
        n = json_array_size(songs);
        json_array_foreach(songs, i, g)
        {
            if (s == MOOD_OK)
                s = fold_song(x->song_sigs, g);
        }
        json_decref(songs);
        json_decref(resp);
        offset += 500;
    } while (s == MOOD_OK && n == 500);
    if (s != MOOD_OK || json_object_size(x->song_sigs) == 0) {
        json_decref(x->song_sigs);
        x->song_sigs = NULL;
    }
}

/* What says that an album changed: counts, duration, dates, names and its songs. */
static void album_signature(const sync_ctx *x, const json_t *a, char *out, size_t cap)
{
    const json_t *songs =
        x->song_sigs ? json_object_get(x->song_sigs, mood__sub_jstr(a, "id")) : NULL;
    snprintf(out, cap, "%s|",
             json_is_string(songs) ? json_string_value(songs) : (x->song_sigs ? "none" : "-"));
    size_t used = strlen(out);
    out += used;
    cap -= used;
    snprintf(out, cap, "%.0f|%.0f|%.0f|%s|%s|%s|%s|%s", mood__sub_jnum(a, "songCount", -1),
             mood__sub_jnum(a, "playCount", -1), mood__sub_jnum(a, "duration", -1),
             mood__sub_jstr(a, "created"), mood__sub_jstr(a, "changed"), mood__sub_jstr(a, "name"),
             mood__sub_jstr(a, "artist"), mood__sub_jstr(a, "played"));
}

/* 1 when the stored signature of album @p id equals @p sig. */
static int album_unchanged(sync_ctx *x, const char *id, const char *sig)
{
    mood_db_stmt *st;
    int same = 0;
    if (prep(x, "SELECT signature FROM subsonic_albums WHERE server = ? AND album_id = ?", &st) !=
        MOOD_OK)
        return 0;
    mood__db_bind_text(st, 2, id);
    if (mood__db_step_rc(st) == MOOD_DB_ROW && mood__db_col_text(st, 0))
        same = strcmp(mood__db_col_text(st, 0), sig) == 0;
    mood__db_finalize(st);
    return same;
}

static mood_status mark_seen(sync_ctx *x, const char *id)
{
    mood_db_stmt *st;
    mood_status s = prep(
        x, "UPDATE subsonic_albums SET seen_utc = ?3 WHERE server = ?1 AND album_id = ?2", &st);
    if (s != MOOD_OK)
        return s;
    mood__db_bind_text(st, 2, id);
    mood__db_bind_text(st, 3, x->now);
    return step_done(x, st);
}

static mood_status store_album(sync_ctx *x, const json_t *a, const char *sig)
{
    mood_db_stmt *st;
    mood_status s = prep(x,
                         "INSERT INTO subsonic_albums(server, album_id, name, artist, artist_id, "
                         "song_count, duration_s, created, changed, year, genre, signature, "
                         "seen_utc) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13) "
                         "ON CONFLICT(server, album_id) DO UPDATE SET name=?3, artist=?4, "
                         "artist_id=?5, song_count=?6, duration_s=?7, created=?8, changed=?9, "
                         "year=?10, genre=?11, signature=?12, seen_utc=?13",
                         &st);
    if (s != MOOD_OK)
        return s;
    bind_str(st, 2, a, "id");
    bind_str(st, 3, a, "name");
    bind_str(st, 4, a, "artist");
    bind_str(st, 5, a, "artistId");
    bind_num(st, 6, a, "songCount");
    bind_num(st, 7, a, "duration");
    bind_str(st, 8, a, "created");
    bind_str(st, 9, a, "changed");
    bind_num(st, 10, a, "year");
    bind_str(st, 11, a, "genre");
    mood__db_bind_text(st, 12, sig);
    mood__db_bind_text(st, 13, x->now);
    return step_done(x, st);
}

/* Insert or update one song, keeping its catalog link and synced play count. */
static mood_status store_song(sync_ctx *x, const json_t *g, const char *album_id, int *existed)
{
    mood_db_stmt *st;
    mood_status s = prep(x, "SELECT 1 FROM subsonic_songs WHERE server = ? AND song_id = ?", &st);
    if (s != MOOD_OK)
        return s;
    bind_str(st, 2, g, "id");
    *existed = mood__db_step_rc(st) == MOOD_DB_ROW;
    mood__db_finalize(st);
    s = prep(x,
             "INSERT INTO subsonic_songs(server, song_id, album_id, artist_id, title, artist, "
             "album, path, duration_s, track_no, disc_no, year, genre, suffix, size_bytes, "
             "bit_rate, created, play_count, last_played, starred) "
             "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20) "
             "ON CONFLICT(server, song_id) DO UPDATE SET album_id=?3, artist_id=?4, title=?5, "
             "artist=?6, album=?7, path=?8, duration_s=?9, track_no=?10, disc_no=?11, year=?12, "
             "genre=?13, suffix=?14, size_bytes=?15, bit_rate=?16, created=?17, "
             "play_count=?18, last_played=?19, starred=?20",
             &st);
    if (s != MOOD_OK)
        return s;
    bind_str(st, 2, g, "id");
    mood__db_bind_text(st, 3, album_id);
    bind_str(st, 4, g, "artistId");
    bind_str(st, 5, g, "title");
    bind_str(st, 6, g, "artist");
    bind_str(st, 7, g, "album");
    bind_str(st, 8, g, "path");
    bind_num(st, 9, g, "duration");
    bind_num(st, 10, g, "track");
    bind_num(st, 11, g, "discNumber");
    bind_num(st, 12, g, "year");
    bind_str(st, 13, g, "genre");
    bind_str(st, 14, g, "suffix");
    bind_num(st, 15, g, "size");
    bind_num(st, 16, g, "bitRate");
    bind_str(st, 17, g, "created");
    bind_num(st, 18, g, "playCount");
    bind_str(st, 19, g, "played");
    bind_str(st, 20, g, "starred");
    return step_done(x, st);
}

/* Songs of @p album_id that the answer no longer lists go. */
static mood_status drop_missing_songs(sync_ctx *x, const char *album_id, json_t *songs)
{
    mood_db_stmt *st;
    mood_status s =
        prep(x, "SELECT song_id FROM subsonic_songs WHERE server = ? AND album_id = ?", &st);
    json_t *keep = json_object(), *g;
    size_t i;
    if (s != MOOD_OK || !keep) {
        json_decref(keep);
        return s != MOOD_OK ? s : mood__enomem("subsonic sync");
    }
    json_array_foreach(songs, i, g) json_object_set_new(keep, mood__sub_jstr(g, "id"), json_true());
    mood__db_bind_text(st, 2, album_id);
    while (s == MOOD_OK && mood__db_step_rc(st) == MOOD_DB_ROW) {
        const char *id = mood__db_col_text(st, 0);
        mood_db_stmt *del;
        if (!id || json_object_get(keep, id))
            continue;
        s = prep(x, "DELETE FROM subsonic_songs WHERE server = ? AND song_id = ?", &del);
        if (s == MOOD_OK) {
            mood__db_bind_text(del, 2, id);
            s = step_done(x, del);
            x->r->songs_removed++;
        }
    }
    mood__db_finalize(st);
    json_decref(keep);
    return s;
}

/* Read one album with getAlbum and store it and its songs in one transaction. */
static mood_status fetch_album(sync_ctx *x, const json_t *listed, const char *sig)
{
    sub_params p = {0};
    json_t *resp = NULL, *album, *songs, *g;
    const char *id = mood__sub_jstr(listed, "id");
    size_t i;
    int existed = 0;
    mood_status s = mood__sub_param(&p, "id", id);
    if (s == MOOD_OK)
        s = mood__sub_call(x->c, "getAlbum", &p, &resp);
    mood__sub_params_free(&p);
    if (s != MOOD_OK) {
        json_decref(resp);
        return s;
    }
    album = json_object_get(resp, "album");
    songs = mood__sub_jarray(album, "song");
    s = mood__db_begin(x->db);
    json_array_foreach(songs, i, g)
    {
        if (s != MOOD_OK)
            break;
        s = store_song(x, g, id, &existed);
        if (existed)
            x->r->songs_changed++;
        else
            x->r->songs_added++;
    }
    if (s == MOOD_OK)
        s = drop_missing_songs(x, id, songs);
    if (s == MOOD_OK)
        s = store_album(x, album ? album : listed, sig);
    if (s == MOOD_OK)
        s = mood__db_commit(x->db);
    else
        mood__db_rollback(x->db);
    json_decref(songs);
    json_decref(resp);
    x->r->albums_fetched += s == MOOD_OK;
    return s;
}

/* One page of getAlbumList2 (@p type) at @p offset; *out the album array. */
static mood_status album_page(sync_ctx *x, const char *type, size_t offset, size_t size,
                              json_t **out)
{
    sub_params p = {0};
    char num[32];
    json_t *resp = NULL;
    mood_status s = mood__sub_param(&p, "type", type);
    snprintf(num, sizeof num, "%zu", size);
    if (s == MOOD_OK)
        s = mood__sub_param(&p, "size", num);
    snprintf(num, sizeof num, "%zu", offset);
    if (s == MOOD_OK)
        s = mood__sub_param(&p, "offset", num);
    if (s == MOOD_OK)
        s = mood__sub_call(x->c, "getAlbumList2", &p, &resp);
    mood__sub_params_free(&p);
    *out = s == MOOD_OK ? mood__sub_jarray(json_object_get(resp, "albumList2"), "album") : NULL;
    json_decref(resp);
    return s;
}

static mood_status sync_albums(sync_ctx *x)
{
    size_t page = x->o->page_size ? x->o->page_size : 500, offset = 0, i, n;
    json_t *albums = NULL, *a;
    char sig[1024];
    mood_status s = MOOD_OK;
    do {
        s = album_page(x, "alphabeticalByName", offset, page, &albums);
        if (s != MOOD_OK)
            break;
        n = json_array_size(albums);
        json_array_foreach(albums, i, a)
        {
            const char *id = mood__sub_jstr(a, "id");
            x->r->albums++;
            album_signature(x, a, sig, sizeof sig);
            if (!x->o->full && album_unchanged(x, id, sig)) {
                x->r->albums_unchanged++;
                s = mark_seen(x, id);
            } else {
                s = fetch_album(x, a, sig);
            }
            if (s == MOOD_OK)
                s = mood__progress(x->o->progress, x->o->progress_user, "sync",
                                   (double)x->r->albums, (double)(x->r->albums + (n == page)));
            if (s != MOOD_OK)
                break;
        }
        json_decref(albums);
        albums = NULL;
        offset += page;
    } while (s == MOOD_OK && n == page);
    return s;
}

/* After a complete listing: albums (and their songs) the server did not list go. */
static mood_status drop_missing_albums(sync_ctx *x)
{
    mood_db_stmt *st;
    mood_status s = prep(x,
                         "SELECT count(*) FROM subsonic_songs WHERE server = ?1 AND album_id IN "
                         "(SELECT album_id FROM subsonic_albums WHERE server = ?1 AND "
                         "(seen_utc IS NULL OR seen_utc <> ?2))",
                         &st);
    if (s != MOOD_OK)
        return s;
    mood__db_bind_text(st, 2, x->now);
    if (mood__db_step_rc(st) == MOOD_DB_ROW)
        x->r->songs_removed += (size_t)mood__db_col_int64(st, 0);
    mood__db_finalize(st);
    s = prep(x,
             "DELETE FROM subsonic_songs WHERE server = ?1 AND album_id IN (SELECT album_id "
             "FROM subsonic_albums WHERE server = ?1 AND (seen_utc IS NULL OR "
             "seen_utc <> ?2))",
             &st);
    if (s != MOOD_OK)
        return s;
    mood__db_bind_text(st, 2, x->now);
    s = step_done(x, st);
    if (s != MOOD_OK)
        return s;
    s = prep(x,
             "DELETE FROM subsonic_albums WHERE server = ?1 AND (seen_utc IS NULL OR "
             "seen_utc <> ?2)",
             &st);
    if (s != MOOD_OK)
        return s;
    mood__db_bind_text(st, 2, x->now);
    s = step_done(x, st);
    x->r->albums_removed = (size_t)mood__db_changes(x->db);
    return s;
}

/*
 * Streamed tracks ("subsonic://SERVER/ID") of songs the server no longer has left the library:
 * nothing can play them, so their catalog rows go too (analyses and vectors by cascade).
 */
static mood_status drop_orphan_tracks(sync_ctx *x)
{
    mood_db_stmt *st;
    char prefix[128];
    mood_status s;
    if (mood_catalog_schema_version(x->cat, "tracks") == 0)
        return MOOD_OK; /* no analysed library */
    snprintf(prefix, sizeof prefix, "subsonic://%s/", x->c->info.name);
    s = prep(x,
             "DELETE FROM tracks WHERE substr(path, 1, length(?2)) = ?2 AND substr(path, "
             "length(?2) + 1) NOT IN (SELECT song_id FROM subsonic_songs WHERE server = ?1)",
             &st);
    if (s != MOOD_OK)
        return s;
    mood__db_bind_text(st, 2, prefix);
    s = step_done(x, st);
    x->r->tracks_removed = (size_t)mood__db_changes(x->db);
    return s;
}

static size_t count_songs(sync_ctx *x)
{
    mood_db_stmt *st;
    size_t n = 0;
    if (prep(x, "SELECT count(*) FROM subsonic_songs WHERE server = ?", &st) != MOOD_OK)
        return 0;
    if (mood__db_step_rc(st) == MOOD_DB_ROW)
        n = (size_t)mood__db_col_int64(st, 0);
    mood__db_finalize(st);
    return n;
}

static size_t count_with_plays(sync_ctx *x)
{
    mood_db_stmt *st;
    size_t n = 0;
    if (prep(x, "SELECT count(*) FROM subsonic_songs WHERE server = ? AND play_count IS NOT NULL",
             &st) != MOOD_OK)
        return 0;
    if (mood__db_step_rc(st) == MOOD_DB_ROW)
        n = (size_t)mood__db_col_int64(st, 0);
    mood__db_finalize(st);
    return n;
}

static int had_sync(sync_ctx *x)
{
    return x->c->info.last_sync_utc[0] != '\0';
}

static mood_status finish_sync(sync_ctx *x)
{
    mood_db_stmt *st;
    mood_status s = prep(x, "UPDATE subsonic_servers SET last_sync_utc = ?2 WHERE name = ?1", &st);
    if (s != MOOD_OK)
        return s;
    mood__db_bind_text(st, 2, x->now);
    s = step_done(x, st);
    snprintf(x->c->info.last_sync_utc, sizeof x->c->info.last_sync_utc, "%s", x->now);
    return s;
}

mood_status mood_subsonic_sync(mood_subsonic *c, mood_catalog *cat,
                               const mood_subsonic_sync_options *o, mood_subsonic_sync_report *out)
{
    static const mood_subsonic_sync_options defaults;
    sync_ctx x = {c, cat, NULL, o ? o : &defaults, out, "", NULL};
    mood_status s;
    memset(out, 0, sizeof *out);
    s = mood__sub_migrate(cat);
    if (s == MOOD_OK)
        s = mood_history_prepare_catalog(cat);
    if (s != MOOD_OK)
        return s;
    x.db = mood__catalog_dbh(cat);
    mood__utc_now(x.now, sizeof x.now, NULL, 0);
    out->incremental = had_sync(&x);
    s = sync_artists(&x);
    if (s == MOOD_OK)
        song_signatures(&x);
    if (s == MOOD_OK)
        s = sync_albums(&x);
    json_decref(x.song_sigs);
    if (s == MOOD_OK)
        s = drop_missing_albums(&x);
    if (s == MOOD_OK)
        s = drop_orphan_tracks(&x);
    if (s == MOOD_OK && !x.o->no_history)
        s = mood__sub_sync_history(c, cat, x.now, out);
    if (s == MOOD_OK)
        s = finish_sync(&x);
    out->songs = count_songs(&x);
    out->songs_with_counts = count_with_plays(&x);
    return s;
}
