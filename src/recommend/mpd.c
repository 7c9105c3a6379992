/*
 * Pushing a playlist to a real player: MPD through libmpdclient. A stored playlist is replaced
 * (rm, then playlistadd per track, which creates it); the queue is appended to. MPD names songs
 * by their path inside its music_directory, so that prefix is stripped from the library's
 * absolute paths; a track MPD refuses (not in its database) is skipped and counted, not fatal.
 */
#include "../core/internal.h"
#include "rec_internal.h"

#include <moodscope/playlist.h>

#include <mpd/client.h>
#include <string.h>

/* MPD's URI for a track, or NULL when the track has no path or lies outside music_dir. */
static const char *mpd_uri(const char *path, const char *music_dir)
{
    size_t len;
    if (!path[0])
        return NULL;
    if (!music_dir || !music_dir[0])
        return path;
    len = strlen(music_dir);
    while (len > 1 && music_dir[len - 1] == '/')
        len--;
    if (strncmp(path, music_dir, len) != 0 || path[len] != '/')
        return path[0] == '/' ? NULL : path; /* relative paths are already MPD URIs */
    return path + len + 1;
}

static mood_status mpd_fail(struct mpd_connection *c, const char *what, const mood_mpd_options *o)
{
    mood_status st =
        mood__error(MOOD_EIO, "mpd %s:%u: %s: %s", o->host ? o->host : "(default)", o->port, what,
                    c ? mpd_connection_get_error_message(c) : "out of memory");
    if (c)
        mpd_connection_free(c);
    return st;
}

mood_status mood_mpd_push(const mood_space *s, const size_t *rows, size_t n, const char *name,
                          const mood_mpd_options *o, size_t *out_added, size_t *out_skipped)
{
    struct mpd_connection *c;
    size_t added = 0, skipped = 0;
    if (out_added)
        *out_added = 0;
    if (out_skipped)
        *out_skipped = 0;
    if (!o->queue && (!name || !name[0]))
        return mood__error(MOOD_EINVAL, "mpd: a stored playlist needs a name");
    c = mpd_connection_new(o->host, o->port, o->timeout_ms ? o->timeout_ms : 5000);
    if (!c || mpd_connection_get_error(c) != MPD_ERROR_SUCCESS)
        return mpd_fail(c, "cannot connect", o);
    if (o->password && !mpd_run_password(c, o->password))
        return mpd_fail(c, "password refused", o);
    if (!o->queue && !mpd_run_rm(c, name)) {
        /* "No such playlist" is fine: we are about to create it */
        if (mpd_connection_get_error(c) != MPD_ERROR_SERVER || !mpd_connection_clear_error(c))
            return mpd_fail(c, "removing the old playlist", o);
    }
    for (size_t i = 0; i < n; i++) {
        const char *uri = mpd_uri(mood_space_path(s, rows[i]), o->music_dir);
        bool ok;
        if (!uri) {
            skipped++;
            continue;
        }
        ok = o->queue ? mpd_run_add(c, uri) : mpd_run_playlist_add(c, name, uri);
        if (ok) {
            added++;
        } else if (mpd_connection_get_error(c) == MPD_ERROR_SERVER &&
                   mpd_connection_clear_error(c)) {
            skipped++; /* e.g. not in MPD's database yet */
        } else {
            return mpd_fail(c, "adding a track", o);
        }
    }
    mpd_connection_free(c);
    if (out_added)
        *out_added = added;
    if (out_skipped)
        *out_skipped = skipped;
    return MOOD_OK;
}
