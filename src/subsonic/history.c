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
#include "../store/catalog_internal.h"

#include <moodscope/history.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static mood_status exec_bound(mood_catalog *cat, const char *sql, const char *server,
                              const char *arg2, int64_t arg3)
{
    mood_db_stmt *st;
    int rc;
    if (mood__db_prepare(mood__catalog_dbh(cat), sql, &st) != MOOD_OK)
        return mood__catalog_error(cat, "subsonic history");
    mood__db_bind_text(st, 1, server);
    if (arg2)
        mood__db_bind_text(st, 2, arg2);
    if (strstr(sql, "?3"))
        mood__db_bind_int64(st, 3, arg3);
    rc = mood__db_step_rc(st);
    mood__db_finalize(st);
    return rc == MOOD_DB_DONE ? MOOD_OK : mood__catalog_error(cat, "subsonic history");
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
    s = exec_bound(cat, sql, c->info.name, NULL, 0);
    if (s != MOOD_OK)
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
                               (int64_t)(offset + i + 1));
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

/* The plays song @p p is owed, one second apart before its last play, into the history. */
static mood_status insert_plays(mood_catalog *cat, const char *server, const char *now,
                                const play_row *p, size_t *added)
{
    mood_status s = MOOD_OK;
    for (int64_t k = 0; s == MOOD_OK && k < p->count; k++) {
        mood_history_play h = {p->artist, p->title, p->album, p->when - k,
                               p->duration_s > 0 ? (int64_t)(p->duration_s * 1000.0) : -1};
        size_t n = 0;
        s = mood_history_add_plays(cat, &h, 1, "subsonic", server, now, &n);
        *added += n;
    }
    return s;
}

/*
 * The plays each song is owed: its play count minus what earlier syncs wrote; without any
 * per-song count on the server, one for the songs of recently played albums; one for starred
 * songs that have none.
 */
#define OWED_SQL(GREATEST)                                                                         \
    "SELECT song_id, COALESCE(artist, ''), COALESCE(title, ''), COALESCE(album, ''), "             \
    "COALESCE(duration_s, 0), last_played, " GREATEST                                              \
    "(CASE WHEN play_count IS NOT NULL THEN play_count - plays_synced "                            \
    "      WHEN NOT EXISTS (SELECT 1 FROM subsonic_songs WHERE server = ?1 AND "                   \
    "           play_count IS NOT NULL) AND album_id IN (SELECT album_id FROM subsonic_albums "    \
    "           WHERE server = ?1 AND recent_rank IS NOT NULL) THEN 1 - plays_synced "             \
    "      ELSE 0 END, "                                                                           \
    " CASE WHEN starred IS NOT NULL THEN 1 - plays_synced ELSE 0 END) "                            \
    "FROM subsonic_songs WHERE server = ?1 ORDER BY song_id"
/* The larger of two values: SQLite's two-argument MAX is PostgreSQL's GREATEST. */
static const char owed_sql[] = OWED_SQL("MAX");
static const char owed_sql_pg[] = OWED_SQL("GREATEST");

static mood_status sync_plays(mood_subsonic *c, mood_catalog *cat, const char *now,
                              mood_subsonic_sync_report *r)
{
    mood_db *db = mood__catalog_dbh(cat);
    mood_db_stmt *st = NULL, *upd = NULL;
    int64_t now_t = mood__sub_parse_time(now);
    mood_status s = mood__db_begin(mood__catalog_dbh(cat));
    if (s != MOOD_OK)
        return s;
    if (mood__db_prepare(db, mood__db_pick(db, owed_sql, owed_sql_pg), &st) != MOOD_OK ||
        mood__db_prepare(db,
                         "UPDATE subsonic_songs SET plays_synced = plays_synced + ?3 WHERE "
                         "server = ?1 AND song_id = ?2",
                         &upd) != MOOD_OK) {
        s = mood__catalog_error(cat, "subsonic plays");
        goto done;
    }
    mood__db_bind_text(st, 1, c->info.name);
    while (s == MOOD_OK && mood__db_step_rc(st) == MOOD_DB_ROW) {
        play_row p;
        int64_t played = mood__sub_parse_time(mood__db_col_text(st, 5));
        p.count = mood__db_col_int64(st, 6);
        if (p.count <= 0)
            continue;
        p.artist = mood__db_col_text(st, 1);
        p.title = mood__db_col_text(st, 2);
        p.album = mood__db_col_text(st, 3);
        p.duration_s = mood__db_col_double(st, 4);
        p.when = played > 0 ? played : now_t;
        s = insert_plays(cat, c->info.name, now, &p, &r->plays_added);
        mood__db_reset(upd);
        mood__db_bind_text(upd, 1, c->info.name);
        mood__db_bind_text(upd, 2, mood__db_col_text(st, 0));
        mood__db_bind_int64(upd, 3, p.count);
        if (s == MOOD_OK && mood__db_step_rc(upd) != MOOD_DB_DONE)
            s = mood__catalog_error(cat, "subsonic plays");
    }
done:
    mood__db_finalize(st);
    mood__db_finalize(upd);
    if (s == MOOD_OK)
        return mood__db_commit(db);
    mood__db_rollback(db);
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
