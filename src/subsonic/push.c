/*
 * Playlists on the server. A playlist moodscope made is remembered by (server, name) with the
 * server's id, so the next push updates it instead of adding a twin. The update sends only the
 * difference when the wanted list is the current one with some entries removed and some
 * appended (what a stable update produces): songIndexToRemove, highest index first in chunks so
 * that earlier indices stay valid, then songIdToAdd in chunks. Any other change replaces the
 * contents (createPlaylist with playlistId). Chunks keep every URL short on every server.
 */
#define _POSIX_C_SOURCE 200809L
#include "subsonic_internal.h"

#include "../core/internal.h"
#include "../store/catalog_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 100

typedef struct id_list {
    char **v;
    size_t n, cap;
} id_list;

static mood_status ids_push(id_list *l, const char *id)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        char **v = mood__realloc(l->v, cap * sizeof *v);
        if (!v)
            return mood__enomem("subsonic playlist");
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n] = mood__strdup(id);
    return l->v[l->n++] ? MOOD_OK : mood__enomem("subsonic playlist");
}

static void ids_free(id_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        mood__free(l->v[i]);
    mood__free(l->v);
    memset(l, 0, sizeof *l);
}

/* 1 when @p s is a non-empty string of decimal digits (a catalog track id). */
static int all_digits(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* Song ids of @p tracks (catalog ids or paths) on this server; unknown ones are counted. */
static mood_status resolve(mood_subsonic *c, mood_catalog *cat, const char *const *tracks, size_t n,
                           id_list *out, size_t *unknown)
{
    mood_db *db = mood__catalog_dbh(cat);
    mood_db_stmt *by_id = NULL, *by_path = NULL;
    mood_status s = MOOD_OK;
    if (mood__db_prepare(db,
                         "SELECT song_id FROM subsonic_songs WHERE server = ?1 AND track_id = ?2 "
                         "LIMIT 1",
                         &by_id) != MOOD_OK ||
        mood__db_prepare(db,
                         "SELECT song_id FROM subsonic_songs WHERE server = ?1 AND track_id = "
                         "(SELECT id FROM tracks WHERE path = ?2) LIMIT 1",
                         &by_path) != MOOD_OK) {
        mood__db_finalize(by_id);
        return mood__catalog_error(cat, "subsonic playlist: the server's songs (run `moodscope "
                                        "library sync` first)");
    }
    for (size_t i = 0; s == MOOD_OK && i < n; i++) {
        const char *t = tracks[i] ? tracks[i] : "";
        mood_db_stmt *st = all_digits(t) ? by_id : by_path;
        mood__db_reset(st);
        mood__db_bind_text(st, 1, c->info.name);
        if (st == by_id)
            mood__db_bind_int64(st, 2, strtoll(t, NULL, 10));
        else
            mood__db_bind_text(st, 2, t);
        if (mood__db_step_rc(st) == MOOD_DB_ROW)
            s = ids_push(out, mood__db_col_text(st, 0));
        else
            (*unknown)++;
    }
    mood__db_finalize(by_id);
    mood__db_finalize(by_path);
    return s;
}

/* The remembered server id of playlist @p name, or "" */
static void remembered(mood_subsonic *c, mood_catalog *cat, const char *name, char *out, size_t cap)
{
    mood_db_stmt *st;
    out[0] = '\0';
    if (mood__db_prepare(mood__catalog_dbh(cat),
                         "SELECT remote_id FROM subsonic_playlists WHERE server = ? AND name = ?",
                         &st) != MOOD_OK)
        return;
    mood__db_bind_text(st, 1, c->info.name);
    mood__db_bind_text(st, 2, name);
    if (mood__db_step_rc(st) == MOOD_DB_ROW)
        snprintf(out, cap, "%s", mood__db_col_text(st, 0));
    mood__db_finalize(st);
}

static mood_status remember(mood_subsonic *c, mood_catalog *cat, const char *name,
                            const char *remote_id, const id_list *songs, const char *comment)
{
    mood_db_stmt *st;
    char now[32], *joined;
    size_t len = 1, o = 0;
    int rc;
    for (size_t i = 0; i < songs->n; i++)
        len += strlen(songs->v[i]) + 1;
    joined = mood__malloc(len);
    if (!joined)
        return mood__enomem("subsonic playlist");
    joined[0] = '\0';
    for (size_t i = 0; i < songs->n; i++)
        o += (size_t)snprintf(joined + o, len - o, "%s\n", songs->v[i]);
    mood__utc_now(now, sizeof now, NULL, 0);
    if (mood__db_prepare(mood__catalog_dbh(cat),
                         "INSERT INTO subsonic_playlists(server, name, remote_id, songs, "
                         "comment, pushed_utc) VALUES(?,?,?,?,?,?) ON CONFLICT(server, name) DO "
                         "UPDATE SET remote_id = excluded.remote_id, songs = excluded.songs, "
                         "comment = excluded.comment, pushed_utc = excluded.pushed_utc",
                         &st) != MOOD_OK) {
        mood__free(joined);
        return mood__catalog_error(cat, "subsonic playlist");
    }
    mood__db_bind_text(st, 1, c->info.name);
    mood__db_bind_text(st, 2, name);
    mood__db_bind_text(st, 3, remote_id);
    mood__db_bind_text(st, 4, joined);
    mood__db_bind_text(st, 5, comment ? comment : "");
    mood__db_bind_text(st, 6, now);
    rc = mood__db_step_rc(st);
    mood__db_finalize(st);
    mood__free(joined);
    return rc == MOOD_DB_DONE ? MOOD_OK : mood__catalog_error(cat, "subsonic playlist");
}

/* The song ids of server playlist @p id in order; ENOTFOUND when the server has no such one. */
static mood_status current_entries(mood_subsonic *c, const char *id, id_list *out)
{
    sub_params p = {0};
    json_t *resp = NULL, *entries, *e;
    size_t i;
    mood_status s = mood__sub_param(&p, "id", id);
    if (s == MOOD_OK)
        s = mood__sub_call(c, "getPlaylist", &p, &resp);
    mood__sub_params_free(&p);
    if (s == MOOD_EIO && resp) {
        int code = (int)mood__sub_jnum(json_object_get(resp, "error"), "code", 0);
        if (code == 70 || code == 0 || code == 50)
            s = MOOD_ENOTFOUND; /* deleted on the server (or no longer ours): make a new one */
    }
    if (s != MOOD_OK) {
        json_decref(resp);
        return s;
    }
    entries = mood__sub_jarray(json_object_get(resp, "playlist"), "entry");
    json_array_foreach(entries, i, e)
    {
        if (s == MOOD_OK)
            s = ids_push(out, mood__sub_jstr(e, "id"));
    }
    json_decref(entries);
    json_decref(resp);
    return s;
}

/* The ids of the server playlists called @p name. */
static mood_status ids_named(mood_subsonic *c, const char *name, id_list *out)
{
    json_t *resp = NULL, *lists, *l;
    size_t i;
    mood_status s = mood__sub_call(c, "getPlaylists", NULL, &resp);
    if (s != MOOD_OK) {
        json_decref(resp);
        return s;
    }
    lists = mood__sub_jarray(json_object_get(resp, "playlists"), "playlist");
    json_array_foreach(lists, i, l)
    {
        if (s == MOOD_OK && strcmp(mood__sub_jstr(l, "name"), name) == 0)
            s = ids_push(out, mood__sub_jstr(l, "id"));
    }
    json_decref(lists);
    json_decref(resp);
    return s;
}

static int listed(const id_list *l, const char *id)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], id) == 0)
            return 1;
    return 0;
}

/* updatePlaylist with the comment and the song ids songs[from, to) to add. */
static mood_status add_songs(mood_subsonic *c, const char *id, const char *comment,
                             const id_list *songs, size_t from, size_t to)
{
    mood_status s = MOOD_OK;
    size_t i = from;
    do {
        sub_params p = {0};
        json_t *resp = NULL;
        s = mood__sub_param(&p, "playlistId", id);
        if (s == MOOD_OK && comment && comment[0] && i == from)
            s = mood__sub_param(&p, "comment", comment);
        for (size_t k = 0; s == MOOD_OK && k < CHUNK && i < to; k++, i++)
            s = mood__sub_param(&p, "songIdToAdd", songs->v[i]);
        if (s == MOOD_OK)
            s = mood__sub_call(c, "updatePlaylist", &p, &resp);
        json_decref(resp);
        mood__sub_params_free(&p);
    } while (s == MOOD_OK && i < to);
    return s;
}

/* createPlaylist with the first chunk; *out_id the new playlist's id. */
static mood_status create(mood_subsonic *c, const char *name, const char *replace_id,
                          const id_list *songs, char *out_id, size_t cap)
{
    sub_params p = {0};
    json_t *resp = NULL;
    id_list before = {0}, after = {0};
    mood_status s = replace_id ? MOOD_OK : ids_named(c, name, &before);
    if (s == MOOD_OK)
        s = replace_id ? mood__sub_param(&p, "playlistId", replace_id)
                       : mood__sub_param(&p, "name", name);
    for (size_t i = 0; s == MOOD_OK && i < songs->n && i < CHUNK; i++)
        s = mood__sub_param(&p, "songId", songs->v[i]);
    if (s == MOOD_OK)
        s = mood__sub_call(c, "createPlaylist", &p, &resp);
    mood__sub_params_free(&p);
    if (s == MOOD_OK && replace_id)
        snprintf(out_id, cap, "%s", replace_id);
    else if (s == MOOD_OK && mood__sub_jstr(json_object_get(resp, "playlist"), "id")[0])
        snprintf(out_id, cap, "%s", mood__sub_jstr(json_object_get(resp, "playlist"), "id"));
    else if (s == MOOD_OK) { /* before API 1.14 the answer is empty: find the new id */
        s = ids_named(c, name, &after);
        out_id[0] = '\0';
        for (size_t i = 0; s == MOOD_OK && i < after.n && !out_id[0]; i++)
            if (!listed(&before, after.v[i]))
                snprintf(out_id, cap, "%s", after.v[i]);
        if (s == MOOD_OK && !out_id[0])
            s = mood__error(MOOD_EFORMAT,
                            "%s: createPlaylist: the new playlist '%s' is not "
                            "listed by getPlaylists",
                            c->info.name, name);
    }
    json_decref(resp);
    ids_free(&before);
    ids_free(&after);
    return s;
}

/* Remove entries @p idx (ascending, indices of the current list) highest first, in chunks. */
static mood_status remove_entries(mood_subsonic *c, const char *id, const size_t *idx, size_t n)
{
    mood_status s = MOOD_OK;
    size_t left = n;
    char num[32];
    while (s == MOOD_OK && left > 0) {
        sub_params p = {0};
        json_t *resp = NULL;
        s = mood__sub_param(&p, "playlistId", id);
        for (size_t k = 0; s == MOOD_OK && k < CHUNK && left > 0; k++) {
            snprintf(num, sizeof num, "%zu", idx[--left]);
            s = mood__sub_param(&p, "songIndexToRemove", num);
        }
        if (s == MOOD_OK)
            s = mood__sub_call(c, "updatePlaylist", &p, &resp);
        json_decref(resp);
        mood__sub_params_free(&p);
    }
    return s;
}

/*
 * Bring existing playlist @p id from @p cur to @p want: keep the entries of cur that match want
 * in order, remove the rest, append want's tail. Replace instead when that is not cheaper.
 */
static mood_status update(mood_subsonic *c, const char *id, const char *comment, const id_list *cur,
                          const id_list *want, mood_subsonic_push_report *r)
{
    size_t j = 0, n_rm = 0, *rm = mood__malloc_array(cur->n + 1, sizeof *rm);
    mood_status s = MOOD_OK;
    char same_id[128];
    if (!rm)
        return mood__enomem("subsonic playlist");
    for (size_t i = 0; i < cur->n; i++) {
        if (j < want->n && strcmp(cur->v[i], want->v[j]) == 0)
            j++;
        else
            rm[n_rm++] = i;
    }
    if (n_rm + (want->n - j) >= want->n && want->n > 0 && n_rm + (want->n - j) > 0) {
        r->replaced = 1;
        r->removed = cur->n;
        r->added = want->n;
        s = create(c, "", id, want, same_id, sizeof same_id);
        if (s == MOOD_OK)
            s = add_songs(c, id, comment, want, want->n < CHUNK ? want->n : CHUNK, want->n);
    } else {
        r->removed = n_rm;
        r->added = want->n - j;
        s = remove_entries(c, id, rm, n_rm);
        if (s == MOOD_OK)
            s = add_songs(c, id, comment, want, j, want->n);
    }
    mood__free(rm);
    return s;
}

mood_status mood_subsonic_playlist_push(mood_subsonic *c, mood_catalog *cat, const char *name,
                                        const char *comment, const char *const *tracks, size_t n,
                                        mood_subsonic_push_report *out)
{
    id_list want = {0}, cur = {0};
    char id[128];
    mood_status s;
    memset(out, 0, sizeof *out);
    s = mood__sub_migrate(cat);
    if (s != MOOD_OK)
        return s;
    s = resolve(c, cat, tracks, n, &want, &out->unknown);
    remembered(c, cat, name, id, sizeof id);
    if (s == MOOD_OK && id[0]) {
        s = current_entries(c, id, &cur);
        if (s == MOOD_ENOTFOUND) {
            id[0] = '\0';
            s = MOOD_OK;
        }
    }
    if (s == MOOD_OK && id[0]) {
        s = update(c, id, comment, &cur, &want, out);
    } else if (s == MOOD_OK) {
        out->created = 1;
        out->added = want.n;
        s = create(c, name, NULL, &want, id, sizeof id);
        if (s == MOOD_OK)
            s = add_songs(c, id, comment, &want, want.n < CHUNK ? want.n : CHUNK, want.n);
    }
    if (s == MOOD_OK)
        s = remember(c, cat, name, id, &want, comment);
    if (s == MOOD_OK) {
        snprintf(out->playlist_id, sizeof out->playlist_id, "%s", id);
        out->songs = want.n;
    }
    ids_free(&want);
    ids_free(&cur);
    return s;
}
