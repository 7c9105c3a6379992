/**
 * @file subsonic.h
 * @brief Media servers that speak the Subsonic / OpenSubsonic API (Navidrome, Gonic, Airsonic,
 * Supysonic, ...): server definitions, library sync, analysis of the server's songs (local files
 * through a path map, or streamed into the decoder), listening history, playlists pushed to the
 * server; and stable playlists that keep their identity across recomputations.
 * @code
 * mood_catalog *cat;
 * mood_catalog_open("catalog.db", &cat);
 * mood_subsonic_server_add(cat, "home", "http://127.0.0.1:4533", "alice", secret, 0, NULL);
 * mood_subsonic *c;
 * mood_subsonic_open(cat, "home", &c);
 * mood_subsonic_sync_report rep;
 * mood_subsonic_sync(c, cat, NULL, &rep);      // artists, albums, songs, plays (incremental)
 * mood_subsonic_analyze_report ar;
 * mood_subsonic_analyze(c, cat, NULL, &ar);    // analyse every song not yet analysed
 * mood_subsonic_close(c);
 * @endcode
 * Protocol: every request is GET <url>/rest/<method>?...&v=1.16.1&c=moodscope&f=json. The
 * client authenticates with a token (t = md5(password + salt), s = a fresh random salt) when the
 * server's API version is at least 1.13.0 and it accepts it; otherwise with the password
 * hex-encoded (p=enc:...); with an API key (apiKey=...) when the server lists the OpenSubsonic
 * extension apiKeyAuthentication. OpenSubsonic extensions are read from
 * getOpenSubsonicExtensions when the ping says openSubsonic. There is no server-specific code.
 *
 * Secrets: the server definition (name, URL, user, auth method, API version, extensions) is kept
 * in the catalog table subsonic_servers; the password or API key is kept only in the credentials
 * file (mood_subsonic_credentials_path(), mode 0600, one "name<TAB>hex(secret)" line per server)
 * and the environment variable MOODSCOPE_SUBSONIC_PASSWORD overrides it. Neither is ever printed
 * or written into run metadata; error messages name the server and the method, never a URL with
 * credentials.
 *
 * Handles are used by one thread at a time.
 */
#ifndef MOODSCOPE_SUBSONIC_H
#define MOODSCOPE_SUBSONIC_H

#include "catalog.h"
#include "playlist.h"
#include "status.h"

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/** @name Server definitions */

/** A stored server definition (no secret). */
typedef struct mood_subsonic_server_info {
    char name[64];          /**< the user's name for it ("home") */
    char url[1024];         /**< base URL without /rest ("http://127.0.0.1:4533") */
    char user[256];         /**< user name ("" with an API key) */
    char auth[16];          /**< "token", "password" (enc:hex) or "apikey" */
    char api_version[32];   /**< the server's Subsonic API version ("1.16.1") */
    char server_type[64];   /**< OpenSubsonic server type ("navidrome"), "" when not given */
    char extensions[1024];  /**< OpenSubsonic extensions, comma-separated, "" when none */
    char last_sync_utc[32]; /**< last complete sync, "" before the first */
} mood_subsonic_server_info;

/**
 * @brief The credentials file: $MOODSCOPE_SUBSONIC_CREDENTIALS, else
 * $XDG_CONFIG_HOME/moodscope/subsonic-credentials, else
 * ~/.config/moodscope/subsonic-credentials.
 * @return ::MOOD_EINVAL when @p cap is too small or no HOME is set.
 */
MOOD_API mood_status mood_subsonic_credentials_path(char *buf, size_t cap);

/**
 * @brief Check a server and store it as @p name: ping, choose the authentication (token where
 * offered, enc:hex password otherwise, or API key), read the OpenSubsonic extensions, then save
 * the definition in the catalog and the secret in the credentials file (both replaced when
 * @p name exists).
 * @param secret the password, or the API key when @p api_key is non-zero (borrowed).
 * @param out receives the stored definition, may be NULL.
 * @return ::MOOD_EINVAL (bad name or URL, empty secret), ::MOOD_EIO (unreachable, wrong
 * credentials: the message names the server and its error), ::MOOD_EFORMAT (not a Subsonic
 * server).
 */
MOOD_API mood_status mood_subsonic_server_add(mood_catalog *cat, const char *name, const char *url,
                                              const char *user, const char *secret, int api_key,
                                              mood_subsonic_server_info *out);
/** @brief The definition of server @p name; ::MOOD_ENOTFOUND when there is none. */
MOOD_API mood_status mood_subsonic_server_get(mood_catalog *cat, const char *name,
                                              mood_subsonic_server_info *out);
/**
 * @brief Every stored server, by name.
 * @param out receives an array of @p out_n entries (release with mood_free()); NULL when none.
 */
MOOD_API mood_status mood_subsonic_server_list(mood_catalog *cat, mood_subsonic_server_info **out,
                                               size_t *out_n);
/** @brief Forget server @p name: its definition, secret, songs and playlist links. */
MOOD_API mood_status mood_subsonic_server_remove(mood_catalog *cat, const char *name);

/* ------------------------------------------------------------------------------------------ */
/** @name Connection, sync and analysis */

typedef struct mood_subsonic mood_subsonic;

/**
 * @brief Connect to stored server @p name (its secret from MOODSCOPE_SUBSONIC_PASSWORD or the
 * credentials file). Nothing is sent until the first request.
 * @return ::MOOD_ENOTFOUND (no such server, or no secret), ::MOOD_ENOMEM.
 */
MOOD_API mood_status mood_subsonic_open(mood_catalog *cat, const char *name, mood_subsonic **out);
/** @brief Release @p c; accepts NULL. */
MOOD_API void mood_subsonic_close(mood_subsonic *c);
/** @brief Ping the server with the stored login; ::MOOD_EIO names its error. */
MOOD_API mood_status mood_subsonic_ping(mood_subsonic *c);
/** @brief The definition @p c was opened with (valid until close). */
MOOD_API const mood_subsonic_server_info *mood_subsonic_info(const mood_subsonic *c);

/** Sync options; zeroed means the defaults. */
typedef struct mood_subsonic_sync_options {
    int full;         /**< fetch every album again, not only new and changed ones */
    size_t page_size; /**< getAlbumList2 page size (0: 500) */
    int no_history;   /**< do not read play counts, starred songs and album lists */
    mood_progress_fn progress;
    void *progress_user;
} mood_subsonic_sync_options;

/** What a sync did. */
typedef struct mood_subsonic_sync_report {
    size_t artists;          /**< artists listed by getArtists */
    size_t albums;           /**< albums listed by getAlbumList2 */
    size_t albums_fetched;   /**< albums read with getAlbum (new or changed) */
    size_t albums_unchanged; /**< albums skipped: same song count, duration and dates */
    size_t albums_removed;   /**< albums the server no longer lists */
    size_t songs;            /**< songs known after the sync */
    size_t songs_added, songs_changed, songs_removed;
    size_t tracks_removed;    /**< streamed catalog tracks of removed songs, deleted */
    size_t songs_with_counts; /**< songs whose play count the server gave */
    size_t plays_added;       /**< plays written to the listening history */
    size_t starred;           /**< starred songs (getStarred2) */
    size_t frequent_albums;   /**< albums of getAlbumList2 type=frequent */
    size_t recent_albums;     /**< albums of getAlbumList2 type=recent */
    int incremental;          /**< 1 when an earlier sync was found */
} mood_subsonic_sync_report;

/**
 * @brief Read artists (getArtists), albums (getAlbumList2 alphabeticalByName, paged) and the
 * songs of new or changed albums (getAlbum) into the catalog tables subsonic_artists,
 * subsonic_albums and subsonic_songs (ids, paths, durations, tags). Each album is committed on
 * its own, so an interrupted sync keeps what it read and the next one resumes; removals are
 * applied only after a complete listing, and the streamed catalog tracks of removed songs are
 * deleted from the catalog. Then the listening history: per-song play counts
 * (playCount, when the server gives it) become plays in the history's plays table (only the
 * increase since the last sync, at the song's last play time or now); starred songs
 * (getStarred2) without plays count as one play; where no song carries a play count, each song
 * of an album listed by getAlbumList2 type=recent counts as one play at the sync time, and
 * type=frequent / recent ranks are stored with the albums.
 * @param o options or NULL.
 * @return ::MOOD_EIO (server or catalog), ::MOOD_EFORMAT (malformed answer), ::MOOD_ECANCELED.
 */
MOOD_API mood_status mood_subsonic_sync(mood_subsonic *c, mood_catalog *cat,
                                        const mood_subsonic_sync_options *o,
                                        mood_subsonic_sync_report *out);

/** One prefix substitution: a server path starting with @c server_prefix is read locally. */
typedef struct mood_subsonic_path_map {
    const char *server_prefix; /**< as the server reports paths ("" matches all) */
    const char *local_prefix;  /**< where the same files are here ("/srv/music") */
} mood_subsonic_path_map;

/** Analysis options; zeroed means the defaults. */
typedef struct mood_subsonic_analyze_options {
    const mood_subsonic_path_map *maps; /**< tried in order; may be NULL */
    size_t n_maps;
    int no_stream;           /**< only local files: songs without a local file are skipped */
    int overwrite;           /**< analyse again songs already analysed */
    int jobs;                /**< threads for local files (0: every core) */
    const char *reports_dir; /**< see mood_analyze_options; streamed songs: catalog only */
    size_t limit;            /**< at most this many streamed songs (0: all) */
    mood_progress_fn progress;
    void *progress_user;
} mood_subsonic_analyze_options;

/** What an analysis did. */
typedef struct mood_subsonic_analyze_report {
    size_t songs;    /**< songs of the server considered */
    size_t local;    /**< analysed (or found analysed) from local files */
    size_t streamed; /**< analysed from the server's download endpoint */
    size_t skipped;  /**< already analysed and linked */
    size_t failed;   /**< could not be analysed (the first reason in @c first_error) */
    size_t linked;   /**< songs linked to a catalog track after the run */
    double stream_s; /**< seconds of streamed audio analysed */
    double elapsed_s;
    char first_error[512];
} mood_subsonic_analyze_report;

/**
 * @brief Analyse the server's songs into the catalog and link them to catalog tracks. A song
 * whose path maps to an existing local file is analysed with mood_library_analyze() (parallel,
 * resumable); any other song is streamed from the server's download endpoint straight into the
 * decoder (no temporary file) and stored under the path "subsonic://NAME/SONG_ID". Failures are
 * recorded and the run goes on.
 * @return ::MOOD_EIO, ::MOOD_ECANCELED, ::MOOD_ENOMEM.
 */
MOOD_API mood_status mood_subsonic_analyze(mood_subsonic *c, mood_catalog *cat,
                                           const mood_subsonic_analyze_options *o,
                                           mood_subsonic_analyze_report *out);

/* ------------------------------------------------------------------------------------------ */
/** @name Playlists on the server */

/** What a push did. */
typedef struct mood_subsonic_push_report {
    char playlist_id[128]; /**< the server's id of the playlist */
    int created;           /**< 1: new playlist; 0: an existing one was updated */
    int replaced;          /**< 1: contents replaced; 0: only the difference was sent */
    size_t songs;          /**< songs in the playlist now */
    size_t added, removed; /**< entries added / removed on the server */
    size_t unknown;        /**< tracks with no song on this server (left out) */
} mood_subsonic_push_report;

/**
 * @brief Make the server's playlist @p name hold @p n tracks in order. Tracks are given as
 * catalog track ids or paths (the space's id or path) and mapped to the server's songs through
 * the sync's links; unknown ones are left out. The playlist created earlier under this name
 * (remembered in subsonic_playlists) is updated: when the wanted list is the current one minus
 * some entries plus some appended ones, only those are sent (updatePlaylist songIndexToRemove
 * / songIdToAdd); otherwise its contents are replaced (createPlaylist playlistId). The comment
 * is set on every push.
 * @return ::MOOD_EIO, ::MOOD_EFORMAT, ::MOOD_ENOMEM.
 */
MOOD_API mood_status mood_subsonic_playlist_push(mood_subsonic *c, mood_catalog *cat,
                                                 const char *name, const char *comment,
                                                 const char *const *tracks, size_t n,
                                                 mood_subsonic_push_report *out);

/* ------------------------------------------------------------------------------------------ */
/** @name Stable playlists */

/** Update options; mood_stable_options_default() fills them. */
typedef struct mood_stable_options {
    double max_change_frac;      /**< at most this share of a playlist changes per update (0.2) */
    size_t max_change_abs;       /**< or at most this many tracks when non-zero (overrides frac) */
    const char *catalog_library; /**< drop tracks whose id is not an analysed track here
                                      (NULL: keep every track of the run) */
} mood_stable_options;

/** @brief Fill @p o with the defaults. */
MOOD_API void mood_stable_options_default(mood_stable_options *o);

/** @brief The Subsonic mirror tables (servers, artists, albums, songs, pushed playlists), for
 * mood_catalog_copy(). */
MOOD_API const mood_catalog_part *mood_subsonic_catalog_part(void);
/** @brief The stable playlists' tables (identities, tracks, versions), for mood_catalog_copy(). */
MOOD_API const mood_catalog_part *mood_stable_catalog_part(void);

/** The outcome for one stable playlist. */
typedef struct mood_stable_change {
    char name[256];  /**< the playlist's identity (its first name, kept) */
    char group[256]; /**< name of the group it follows in this update */
    int version;     /**< version after the update */
    int created;     /**< 1: first version */
    int changed;     /**< 1: a new version was recorded */
    size_t before, after, added, removed;
    size_t deferred; /**< changes held back by the churn cap (done by later updates) */
} mood_stable_change;

/**
 * @brief Update the stable playlists from a freshly built @p set. Each playlist of @p set is
 * matched to the stored playlist sharing most tracks with it (one to one, largest overlap
 * first); a match keeps its name and the order of the tracks that stay, loses the tracks that
 * left its group (or the library), and gets the new ones appended in the set's order, at most
 * max_change per update (removals and additions interleaved; tracks gone from the library are
 * always removed). An unmatched playlist of @p set becomes a new stable playlist. Each change is
 * recorded as a version with its diff, in one transaction.
 * @param source what the set was built from (recorded), e.g. the run directory.
 * @param out receives one entry per playlist of @p set (release with mood_free()).
 */
MOOD_API mood_status mood_stable_update(mood_catalog *cat, const char *source,
                                        const mood_playlist_set *set, const mood_stable_options *o,
                                        mood_stable_change **out, size_t *out_n);
/**
 * @brief The current tracks of stable playlist @p name (track keys: catalog ids or paths).
 * @param out receives a NULL-terminated array (release with mood_free(), one block).
 */
MOOD_API mood_status mood_stable_tracks(mood_catalog *cat, const char *name, char ***out,
                                        size_t *out_n);
/**
 * @brief Print the versions of stable playlist @p name to @p fp: one line per version
 * (version, time, source, tracks, +added, -removed, deferred) followed by its "+ track" and
 * "- track" lines. ::MOOD_ENOTFOUND when there is no such playlist.
 */
MOOD_API mood_status mood_stable_history(mood_catalog *cat, const char *name, FILE *fp);
/**
 * @brief Names of every stable playlist and the source of its latest version.
 * @param out_names, out_sources NULL-terminated arrays, released with mood_free() (one block each).
 */
MOOD_API mood_status mood_stable_list(mood_catalog *cat, char ***out_names, char ***out_sources,
                                      size_t *out_n);

#ifdef __cplusplus
}
#endif
#endif
