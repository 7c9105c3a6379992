/**
 * @file playlist.h
 * @brief Playlists from mood groups, their export (M3U8, XSPF, JSON) and a real player (MPD).
 *
 * One playlist per group of a run, ordered for smooth transitions by a short tour through the
 * group's feature space (nearest neighbour from the most central track, improved by 2-opt),
 * named from the group's traits ("Calm_Slow_Acoustic"), split into parts of at most
 * max_length, with at most max_per_artist songs per artist and near-duplicates removed (the
 * same artist and title up to "Live"/"Remaster"/"feat." variants, or closer than a distance).
 * @code
 * mood_playlist_set *set;
 * mood_playlists_from_run("runs/20250101T000000Z-ab12cd", NULL, &set);
 * for (size_t i = 0; i < mood_playlist_count(set); i++)
 *     mood_playlist_write(set, i, MOOD_PLAYLIST_M3U8, "out/x.m3u8", 0);
 * mood_playlist_set_destroy(set);
 * @endcode
 */
#ifndef MOODSCOPE_PLAYLIST_H
#define MOODSCOPE_PLAYLIST_H

#include "recommend.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Playlist building options; mood_playlist_options_default() fills them. */
typedef struct mood_playlist_options {
    size_t max_length;     /**< longest playlist; larger groups are split (default 100; 0 none) */
    size_t max_per_artist; /**< songs per artist in one group (default 0 = no limit) */
    float dedup_distance;  /**< tracks closer than this are duplicates (default 1e-4) */
    int dedup_names;       /**< drop same artist + normalised title (default 1) */
    uint64_t seed;         /**< order of the 2-opt sweeps (default 0) */
    const char *features;  /**< space features (see mood_space_options) */
    mood_metric metric;    /**< space metric */
} mood_playlist_options;

/** @brief Fill @p o with the defaults. */
MOOD_API void mood_playlist_options_default(mood_playlist_options *o);

typedef struct mood_playlist_set mood_playlist_set;

/**
 * @brief Build playlists from a table with a group column.
 * @param group_col numeric column of group numbers (rows with a negative or missing group, e.g.
 * DBSCAN noise, are left out).
 * @param name_col text column holding each group's name, or NULL / absent: names from the
 * group profiles (describe.h).
 * @return ::MOOD_ENOTFOUND (no group column), ::MOOD_EINVAL, ::MOOD_ENOMEM.
 */
MOOD_API mood_status mood_playlists_build(const mood_table *t, const char *group_col,
                                          const char *name_col, const mood_playlist_options *o,
                                          mood_playlist_set **out);
/**
 * @brief Build playlists from a run directory (its clustered_output.csv: input rows, `cluster`,
 * `cluster_name`).
 */
MOOD_API mood_status mood_playlists_from_run(const char *run_dir, const mood_playlist_options *o,
                                             mood_playlist_set **out);
/** @brief Release @p set; accepts NULL. */
MOOD_API void mood_playlist_set_destroy(mood_playlist_set *set);
/** @brief The track space the playlists index into. */
MOOD_API const mood_space *mood_playlist_space(const mood_playlist_set *set);
/** @brief Number of playlists. */
MOOD_API size_t mood_playlist_count(const mood_playlist_set *set);
/** @brief Name of playlist @p i ("Calm_Slow_Acoustic", "Calm_Slow_Acoustic_2" for parts). */
MOOD_API const char *mood_playlist_name(const mood_playlist_set *set, size_t i);
/** @brief Group number of playlist @p i. */
MOOD_API long mood_playlist_group(const mood_playlist_set *set, size_t i);
/** @brief Rows (in the space) of playlist @p i in play order; @p out_n receives the length. */
MOOD_API const size_t *mood_playlist_rows(const mood_playlist_set *set, size_t i, size_t *out_n);
/** @brief Tracks dropped as near-duplicates and by the artist limit. */
MOOD_API void mood_playlist_removed(const mood_playlist_set *set, size_t *out_duplicates,
                                    size_t *out_artist_limit);
/** @brief Sum of consecutive distances of playlist @p i (the tour length). */
MOOD_API double mood_playlist_tour_length(const mood_playlist_set *set, size_t i);

/** Export formats. */
typedef enum mood_playlist_format {
    MOOD_PLAYLIST_M3U8 = 0,
    MOOD_PLAYLIST_XSPF = 1,
    MOOD_PLAYLIST_JSON = 2
} mood_playlist_format;

/** @brief "m3u8"/"m3u", "xspf", "json" to a format; ::MOOD_EINVAL otherwise. */
MOOD_API mood_status mood_playlist_format_parse(const char *name, mood_playlist_format *out);
/** @brief File extension of @p f ("m3u8"). */
MOOD_API const char *mood_playlist_format_ext(mood_playlist_format f);

/**
 * @brief Write @p n rows of @p s as a playlist named @p name to @p path (atomically).
 * Tracks without an audio path are written by id in JSON and left out of M3U8/XSPF (counted in
 * @p out_skipped, may be NULL).
 * @param relative non-zero: paths relative to the playlist's directory (M3U8, XSPF).
 */
MOOD_API mood_status mood_playlist_write_rows(const mood_space *s, const size_t *rows, size_t n,
                                              const char *name, mood_playlist_format f,
                                              const char *path, int relative, size_t *out_skipped);
/** @brief mood_playlist_write_rows() for playlist @p i of @p set. */
MOOD_API mood_status mood_playlist_write(const mood_playlist_set *set, size_t i,
                                         mood_playlist_format f, const char *path, int relative,
                                         size_t *out_skipped);

/** Where and how to push to MPD. */
typedef struct mood_mpd_options {
    const char *host;      /**< host name, IP or socket path (NULL: libmpdclient default) */
    unsigned port;         /**< 0: default (6600) */
    const char *password;  /**< or NULL */
    const char *music_dir; /**< MPD's music_directory, stripped from track paths (or NULL:
                                paths are sent as given, which MPD accepts for absolute
                                paths only over a local socket) */
    int queue;             /**< non-zero: add to the play queue instead of a stored playlist */
    unsigned timeout_ms;   /**< 0: 5000 */
} mood_mpd_options;

/**
 * @brief Push @p n rows as the stored playlist @p name (replacing it) or onto the queue.
 * @param out_added tracks MPD accepted; @p out_skipped tracks without a path, outside
 * music_dir, or that MPD refused (e.g. not in its database). Either may be NULL.
 * @return ::MOOD_EIO (cannot connect, naming host and port, or a protocol error).
 */
MOOD_API mood_status mood_mpd_push(const mood_space *s, const size_t *rows, size_t n,
                                   const char *name, const mood_mpd_options *o, size_t *out_added,
                                   size_t *out_skipped);

#ifdef __cplusplus
}
#endif
#endif
