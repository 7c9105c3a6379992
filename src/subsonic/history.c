/*
 * The listening-history half of a sync: starred songs (getStarred2), the frequent and recent
 * album lists (getAlbumList2), and plays written into the history's plays table, where
 * `fingerprint` and the history commands read them.
 *
 * The Subsonic API gives a play count per song (Child.playCount, API 1.14 and OpenSubsonic) but
 * no individual plays, so each sync adds only the increase since the previous one, dated at the
 * song's last play (Child.played) or at the sync, one second apart so that they stay distinct
 * plays. Servers that give no per-song count still order albums by plays: each song of an album
 * in the recent list then counts as one play, once. A starred song without plays counts as one.
 */
#define _POSIX_C_SOURCE 200809L
#include "subsonic_internal.h"

#include "../core/internal.h"
#include "../history/history_internal.h"
#include "../store/catalog_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static mood_status exec_bound(mood_catalog *cat, const char *sql, const char *server,
                              const char *arg2, sqlite3_int64 arg3)
{
    sqlite3_stmt *st;
    int rc;
    if (sqlite3_prepare_v2(mood__catalog_db(cat), sql, -1, &st, NULL) != SQLITE_OK)
        return mood__catalog_error(cat, "subsonic history");
    sqlite3_bind_text(st, 1, server, -1, SQLITE_STATIC);
    if (arg2)
        sqlite3_bind_text(st, 2, arg2, -1, SQLITE_TRANSIENT);
    if (sqlite3_bind_parameter_count(st) >= 3)
        sqlite3_bind_int64(st, 3, arg3);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? MOOD_OK : mood__catalog_error(cat, "subsonic history");
}

static mood_status sync_starred(mood_subsonic *c, mood_catalog *cat, mood_subsonic_sync_report *r)
{
    json_t *resp = NULL, *songs, *g;
    size_t i;
    mood_status s = mood__sub_call(c, "getStarred2", NULL, &resp);
    if (s != MOOD_OK) {
        json_decref(resp);
        return s;
    }
    s = exec_bound(cat, "UPDATE subsonic_songs SET starred = NULL WHERE server = ?", c->info.name,
                   NULL, 0);
    songs = mood__sub_jarray(json_object_get(resp, "starred2"), "song");
    json_array_foreach(songs, i, g)
    {
        if (s != MOOD_OK)
            break;
        s = exec_bound(cat,
                       "UPDATE subsonic_songs SET starred = 'yes' WHERE server = ?1 AND "
                       "song_id = ?2",
                       c->info.name, mood__sub_jstr(g, "id"), 0);
        r->starred++;
    }
    json_decref(songs);
    json_decref(resp);
    return s;
}

/* Ranks of getAlbumList2 @p type (frequent / recent) into subsonic_albums.<column>. */
static mood_status sync_album_list(mood_subsonic *c, mood_catalog *cat, const char *type,
                                   const char *column, size_t *out_n)
{
    char sql[256], num[32];
    mood_status s = MOOD_OK;
    size_t offset = 0, n;
    snprintf(sql, sizeof sql, "UPDATE subsonic_albums SET %s = NULL WHERE server = ?", column);
    if ((s = exec_bound(cat, sql, c->info.name, NULL, 0)) != MOOD_OK)
        return s;
    snprintf(sql, sizeof sql,
             "UPDATE subsonic_albums SET %s = ?3 WHERE server = ?1 AND album_id = ?2", column);
    do { /* at most 2,000 albums: enough to weigh a history, cheap for a large library */
        sub_params p = {0};
        json_t *resp = NULL, *albums, *a;
        size_t i;
        s = mood__sub_param(&p, "type", type);
        if (s == MOOD_OK)
            s = mood__sub_param(&p, "size", "500");
        snprintf(num, sizeof num, "%zu", offset);
        if (s == MOOD_OK)
            s = mood__sub_param(&p, "offset", num);
        if (s == MOOD_OK)
            s = mood__sub_call(c, "getAlbumList2", &p, &resp);
        mood__sub_params_free(&p);
        albums =
            s == MOOD_OK ? mood__sub_jarray(json_object_get(resp, "albumList2"), "album") : NULL;
        n = json_array_size(albums);
        json_array_foreach(albums, i, a)
        {
            if (s == MOOD_OK)
                s = exec_bound(cat, sql, c->info.name, mood__sub_jstr(a, "id"),
                               (sqlite3_int64)(offset + i + 1));
        }
        *out_n += n;
        json_decref(albums);
        json_decref(resp);
        offset += 500;
    } while (s == MOOD_OK && n == 500 && offset < 2000);
    return s;
}

typedef struct play_row {
    const char *artist, *title, *album;
    double duration_s;
    int64_t when;
    int64_t count;
} play_row;

static mood_status insert_plays(mood_catalog *cat, sqlite3_stmt *ins, const char *server,
                                const char *now, const play_row *p, size_t *added)
{
    char key[1024], iso[32];
    mood__hist_track_key(p->artist, p->title, key, sizeof key);
    for (int64_t k = 0; k < p->count; k++) {
        int64_t t = p->when - k;
        mood__hist_format_utc(t, iso, sizeof iso);
        sqlite3_reset(ins);
        sqlite3_clear_bindings(ins);
        sqlite3_bind_text(ins, 1, p->artist, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, p->title, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, p->album, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, iso, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ins, 5, t);
        if (p->duration_s > 0)
            sqlite3_bind_int64(ins, 6, (sqlite3_int64)(p->duration_s * 1000.0));
        sqlite3_bind_text(ins, 7, server, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 8, key, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 9, now, -1, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE)
            return mood__catalog_error(cat, "subsonic plays");
        *added += (size_t)sqlite3_changes(mood__catalog_db(cat));
    }
    return MOOD_OK;
}

/*
 * The plays each song is owed: its play count minus what earlier syncs wrote; without any
 * per-song count on the server, one for the songs of recently played albums; one for starred
 * songs that have none.
 */
static const char owed_sql[] =
    "SELECT song_id, COALESCE(artist, ''), COALESCE(title, ''), COALESCE(album, ''), "
    "COALESCE(duration_s, 0), last_played, "
    "  MAX(CASE WHEN play_count IS NOT NULL THEN play_count - plays_synced "
    "           WHEN NOT EXISTS (SELECT 1 FROM subsonic_songs WHERE server = ?1 AND "
    "                play_count IS NOT NULL) AND album_id IN (SELECT album_id FROM subsonic_albums "
    "                WHERE server = ?1 AND recent_rank IS NOT NULL) THEN 1 - plays_synced "
    "           ELSE 0 END, "
    "      CASE WHEN starred IS NOT NULL THEN 1 - plays_synced ELSE 0 END) "
    "FROM subsonic_songs WHERE server = ?1";

static mood_status sync_plays(mood_subsonic *c, mood_catalog *cat, const char *now,
                              mood_subsonic_sync_report *r)
{
    sqlite3 *db = mood__catalog_db(cat);
    sqlite3_stmt *st = NULL, *ins = NULL, *upd = NULL;
    int64_t now_t = mood__sub_parse_time(now);
    mood_status s = mood__catalog_exec(cat, "subsonic plays", "BEGIN IMMEDIATE");
    if (s != MOOD_OK)
        return s;
    if (sqlite3_prepare_v2(db, owed_sql, -1, &st, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT OR IGNORE INTO plays(kind, artist_name, track_name, album_name, "
                           "played_at_utc, played_at_unix, ms_played, source_format, source_file, "
                           "track_key, imported_utc) VALUES('track',?1,?2,?3,?4,?5,?6,'subsonic',"
                           "?7,?8,?9)",
                           -1, &ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "UPDATE subsonic_songs SET plays_synced = plays_synced + ?3 WHERE "
                           "server = ?1 AND song_id = ?2",
                           -1, &upd, NULL) != SQLITE_OK) {
        s = mood__catalog_error(cat, "subsonic plays");
        goto done;
    }
    sqlite3_bind_text(st, 1, c->info.name, -1, SQLITE_STATIC);
    while (s == MOOD_OK && sqlite3_step(st) == SQLITE_ROW) {
        play_row p;
        int64_t played = mood__sub_parse_time((const char *)sqlite3_column_text(st, 5));
        p.count = sqlite3_column_int64(st, 6);
        if (p.count <= 0)
            continue;
        p.artist = (const char *)sqlite3_column_text(st, 1);
        p.title = (const char *)sqlite3_column_text(st, 2);
        p.album = (const char *)sqlite3_column_text(st, 3);
        p.duration_s = sqlite3_column_double(st, 4);
        p.when = played > 0 ? played : now_t;
        s = insert_plays(cat, ins, c->info.name, now, &p, &r->plays_added);
        sqlite3_reset(upd);
        sqlite3_bind_text(upd, 1, c->info.name, -1, SQLITE_STATIC);
        sqlite3_bind_text(upd, 2, (const char *)sqlite3_column_text(st, 0), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(upd, 3, p.count);
        if (s == MOOD_OK && sqlite3_step(upd) != SQLITE_DONE)
            s = mood__catalog_error(cat, "subsonic plays");
    }
done:
    sqlite3_finalize(st);
    sqlite3_finalize(ins);
    sqlite3_finalize(upd);
    if (s == MOOD_OK)
        return mood__catalog_exec(cat, "subsonic plays", "COMMIT");
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return s;
}

mood_status mood__sub_sync_history(mood_subsonic *c, mood_catalog *cat, const char *now,
                                   mood_subsonic_sync_report *r)
{
    mood_status s = sync_starred(c, cat, r);
    if (s == MOOD_OK)
        s = sync_album_list(c, cat, "frequent", "frequent_rank", &r->frequent_albums);
    if (s == MOOD_OK)
        s = sync_album_list(c, cat, "recent", "recent_rank", &r->recent_albums);
    if (s == MOOD_OK)
        s = sync_plays(c, cat, now, r);
    return s;
}
