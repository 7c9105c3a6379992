/**
 * @file history.h
 * @brief Listening history: importing play logs, sessions and behaviour features, track mood
 * clusters, next-mood and session-start prediction (XGBoost), drift and reports.
 *
 * Everything starts from the export files people download (Spotify account data, Spotify
 * extended streaming history, Last.fm scrobble CSVs) and lives in the catalog:
 * @code
 * mood_catalog *cat;
 * mood_catalog_open("catalog.db", &cat);
 * mood_history_import_report r;
 * mood_history_import(cat, "StreamingHistory0.json", NULL, NULL, &r);  // twice adds nothing
 * mood_history_options o;
 * mood_history_options_default(&o);
 * o.tz = "Europe/Berlin";
 * mood_history *h;
 * mood_history_load(cat, &o, &h);          // plays, joined features, sessions in memory
 * mood_table *sessions;
 * mood_history_session_table(h, &sessions); // one row per session, ready for clustering
 * @endcode
 * Sessions split where the gap between the end of one play and the start of the next exceeds
 * @c gap_min minutes. Times are stored in UTC; hours and weekdays are computed in @c tz.
 * Objects are not thread-safe; functions that take a time-zone name set the process's TZ
 * for the duration of the call and restore it.
 */
#ifndef MOODSCOPE_HISTORY_H
#define MOODSCOPE_HISTORY_H

#include "catalog.h"
#include "table.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Export formats, detected from the content of a file. */
typedef enum mood_history_format {
    MOOD_HISTORY_UNKNOWN = 0,
    MOOD_HISTORY_SPOTIFY_ACCOUNT = 1,  /**< StreamingHistory*.json: endTime, msPlayed */
    MOOD_HISTORY_SPOTIFY_EXTENDED = 2, /**< Streaming_History_Audio_*.json, endsong_*.json: ts */
    MOOD_HISTORY_LASTFM = 3            /**< scrobble CSV: uts/utc_time, date/artist/track, ... */
} mood_history_format;

/** @brief "spotify-account", "spotify-extended", "lastfm", "unknown". */
MOOD_API const char *mood_history_format_name(mood_history_format f);
/**
 * @brief Detect the format of @p path from its first bytes (never from its name).
 * @return ::MOOD_EIO (cannot read), ::MOOD_EFORMAT naming what was found when unknown.
 */
MOOD_API mood_status mood_history_detect(const char *path, mood_history_format *out);

/** What one import did. */
typedef struct mood_history_import_report {
    mood_history_format format;
    size_t rows;               /**< records read */
    size_t added;              /**< new plays stored (music and kept-apart kinds) */
    size_t duplicates;         /**< already in the catalog (includes @c merged) */
    size_t merged;             /**< of which: the same play already imported from the other
                                    Spotify export (account vs extended), stored once */
    size_t kept_apart;         /**< podcast, audiobook and video rows (stored with their kind) */
    size_t missing_essentials; /**< rows not stored: no time, or no artist/track name */
    size_t missing_time;       /**< of which: time absent or unreadable */
    size_t missing_artist;     /**< of which: artist absent */
    size_t missing_track;      /**< of which: track absent */
} mood_history_import_report;

/** A play reported by another source than an export file (a media server's play count). */
typedef struct mood_history_play {
    const char *artist, *title, *album; /**< album may be NULL */
    int64_t played_at_utc;              /**< start of the play, seconds since the epoch */
    int64_t ms_played;                  /**< time played, -1 when unknown */
} mood_history_play;

/**
 * @brief Bring the history tables of @p cat up to date (create them on first use). Call it
 * before a transaction in which mood_history_add_plays() runs.
 * @return the catalog's errors; ::MOOD_EFORMAT for a newer history schema.
 */
MOOD_API mood_status mood_history_prepare_catalog(mood_catalog *cat);

/**
 * @brief Store @p n music plays (borrowed) in the plays table, deduplicated as imports are
 * (a play already stored adds nothing). Runs inside the caller's transaction when one is open.
 * @p source_format / @p source_file say where they come from ("subsonic", the server name);
 * @p imported_utc is the time to record (NULL: now). *out_added (may be NULL) = rows added.
 * @return the catalog's errors.
 */
MOOD_API mood_status mood_history_add_plays(mood_catalog *cat, const mood_history_play *plays,
                                            size_t n, const char *source_format,
                                            const char *source_file, const char *imported_utc,
                                            size_t *out_added);

/** @brief The listening history's tables (plays, sessions, models, ...), for
 * mood_catalog_copy(). */
MOOD_API const mood_catalog_part *mood_history_catalog_part(void);

/**
 * @brief Import one export file into the catalog's plays table (UTC, deduplicated on track and
 * played-at time). One transaction: a failing file adds nothing.
 * @return ::MOOD_EIO, ::MOOD_EFORMAT naming file and record, ::MOOD_ECANCELED.
 */
MOOD_API mood_status mood_history_import(mood_catalog *cat, const char *path,
                                         mood_progress_fn progress, void *progress_user,
                                         mood_history_import_report *out);

/** Result of joining audio features to the played tracks. */
typedef struct mood_history_join_report {
    size_t tracks;           /**< distinct played tracks (music only) */
    size_t matched_uri;      /**< matched by Spotify URI */
    size_t matched_name;     /**< matched by normalised artist + title */
    size_t plays;            /**< music plays */
    size_t plays_matched;    /**< plays of matched tracks */
    size_t table_rows;       /**< rows read from the feature tables */
    double track_match_rate; /**< (matched_uri + matched_name) / tracks */
    double play_match_rate;  /**< plays_matched / plays */
} mood_history_join_report;

/**
 * @brief Join audio features (danceability, energy, loudness, speechiness, acousticness,
 * instrumentalness, liveness, valence, tempo, duration) to every played track, first by
 * Spotify URI, then by normalised artist + title, from the CSV @p tables (URI in a column
 * uri / track_uri / spotify_track_uri / track_id / id; names in artist / track / name /
 * title). With no tables, the catalog's analysed library is used when present. Earlier
 * matches are kept; a later table only fills tracks still unmatched.
 * @return ::MOOD_EIO, ::MOOD_EFORMAT (a table without usable columns), ::MOOD_ENOTFOUND (no
 * table given and no analysed library).
 */
MOOD_API mood_status mood_history_join(mood_catalog *cat, const char *const *tables,
                                       size_t n_tables, mood_history_join_report *out);

/** Options of sessions and behaviour features; fill with mood_history_options_default(). */
typedef struct mood_history_options {
    double gap_min;       /**< session gap in minutes (default 30) */
    const char *tz;       /**< IANA name ("Europe/Berlin") or offset ("+05:30"); NULL = UTC */
    size_t repeat_window; /**< a play repeats a track among the previous N plays (default 10) */
    double skip_ms;       /**< plays shorter than this count as skipped (default 30000) */
} mood_history_options;

/** @brief Fill @p o with the defaults. */
MOOD_API void mood_history_options_default(mood_history_options *o);

/**
 * @brief Remember @p o's gap and time zone in the catalog, so that later commands split
 * sessions the same way.
 */
MOOD_API mood_status mood_history_settings_save(mood_catalog *cat, const mood_history_options *o);
/**
 * @brief Fill @p o's gap and time zone from the catalog when they were saved; the zone name is
 * copied into @p tz_buf (@p cap bytes) and @p o->tz points to it. Nothing saved: @p o unchanged.
 */
MOOD_API mood_status mood_history_settings_load(mood_catalog *cat, mood_history_options *o,
                                                char *tz_buf, size_t cap);

/** Plays, tracks and sessions of the catalog, in memory. */
typedef struct mood_history mood_history;

/**
 * @brief Load the music plays (podcasts and videos left apart), their joined features and
 * clusters, and split them into sessions with behaviour features.
 * @return ::MOOD_EINVAL (bad options or time zone), ::MOOD_ENOTFOUND (no plays imported).
 */
MOOD_API mood_status mood_history_load(mood_catalog *cat, const mood_history_options *o,
                                       mood_history **out);
/** @brief Release @p h; accepts NULL. */
MOOD_API void mood_history_destroy(mood_history *h);
/** @brief Music plays loaded. */
MOOD_API size_t mood_history_n_plays(const mood_history *h);
/** @brief Sessions found. */
MOOD_API size_t mood_history_n_sessions(const mood_history *h);
/**
 * @brief One row per play: time (UTC and local), artist, track, session, position, skipped,
 * completion, user_initiated, repeat, cluster.
 */
MOOD_API mood_status mood_history_play_table(const mood_history *h, mood_table **out);
/**
 * @brief One row per session: session_id, start_utc (text), session_tracks, duration,
 * tracks_per_hour, skip_rate, completion, repeat_rate, user_initiated, shuffle, start_hour,
 * weekday, weekend, and <feature>_mean / <feature>_std of the joined audio features. Column names
 * are the words the profile vocabulary knows, so that `moodscope cluster` names session moods.
 */
MOOD_API mood_status mood_history_session_table(const mood_history *h, mood_table **out);
/** @brief Replace the catalog's sessions table with @p h's sessions (one transaction). */
MOOD_API mood_status mood_history_store_sessions(mood_catalog *cat, const mood_history *h);

/** Training options; fill with mood_history_train_options_default(). */
typedef struct mood_history_train_options {
    uint64_t seed;       /**< default 42 */
    size_t rounds;       /**< most boosting rounds (default 200); the newest 15% of the training
                              rows stop it early, then it is refitted on all of them */
    int max_depth;       /**< default 3 */
    double eta;          /**< learning rate (default 0.1) */
    int n_threads;       /**< XGBoost and k-means threads (default 1: listening logs are
                              small, and idle OpenMP workers spinning on a busy machine cost more
                              than a second thread gains) */
    size_t k_min, k_max; /**< track mood k scan (default 3..15) */
    double test_share;   /**< newest share held out (default 0.2) */
    mood_progress_fn progress;
    void *progress_user;
} mood_history_train_options;

/** @brief Fill @p o with the defaults. */
MOOD_API void mood_history_train_options_default(mood_history_train_options *o);

/**
 * @brief Fit track mood clusters on the joined audio features (standard-scaled, automatic k by
 * silhouette, elbow fallback), name them (energy high/medium/low, valence
 * positive/neutral/negative, acoustic/electronic), store the model in the catalog and assign
 * every track.
 * @param out_json receives a JSON report (k, curve, names, sizes); release with mood_free().
 * @return ::MOOD_EINVAL when fewer than 20 tracks have features.
 */
MOOD_API mood_status mood_history_moods_fit(mood_catalog *cat, mood_history *h,
                                            const mood_history_train_options *o, char **out_json);
/**
 * @brief Assign tracks with features but no cluster to the nearest stored centroid, without
 * refitting; updates @p h and the catalog. @p out_assigned counts them.
 * @return ::MOOD_ENOTFIT when no mood model is stored.
 */
MOOD_API mood_status mood_history_moods_assign(mood_catalog *cat, mood_history *h,
                                               size_t *out_assigned);

/**
 * @brief Train the next-mood model (XGBoost multi-class on the last 3 clusters, the session's
 * cluster shares so far, first-order transition probabilities from earlier plays, window audio
 * statistics, cyclic hour/weekday, weekend, position, minutes since start; newest 20% held
 * out, early stopping on the newest 15% of the rest, square-root class-balanced weights) and
 * compare it with two baselines (repeat the last cluster, first-order Markov) on accuracy,
 * macro-F1 and one-vs-rest ROC-AUC.
 * Stores the booster and its feature list in the catalog.
 * @param out_json receives the report (metrics of model and baselines, beats flags).
 * @return ::MOOD_ENOTFIT without mood clusters, ::MOOD_EINVAL with too few examples.
 */
MOOD_API mood_status mood_history_nextmood_train(mood_catalog *cat, const mood_history *h,
                                                 const mood_history_train_options *o,
                                                 char **out_json);
/**
 * @brief Train the session-start model (one row per hour; hour/day encodings, 7- and 30-day
 * counts for that hour, hours since the last session, recent durations and track counts) and
 * report PR-AUC, ROC-AUC, F1 at 0.1..0.9, calibration error and per-daypart scores against
 * always-no and the historical hour-of-week rate. Stores the booster in the catalog.
 */
MOOD_API mood_status mood_history_sessionstart_train(mood_catalog *cat, const mood_history *h,
                                                     const mood_history_train_options *o,
                                                     char **out_json);
/**
 * @brief Reload the stored models and predict: the next track's mood after the latest session
 * with a known mood, and
 * the session-start probability for each of the @p hours hours after the last play.
 * @return ::MOOD_ENOTFIT naming the missing model.
 */
MOOD_API mood_status mood_history_predict(mood_catalog *cat, const mood_history *h, size_t hours,
                                          char **out_json);

/**
 * @brief Drift of the last 7 days against the 30 before (ending at the last play, or at
 * @p now_utc when > 0): session duration, sessions and tracks per day, start-hour entropy,
 * cluster shares (population stability index). Changes over 20% (PSI over 0.2) are flagged.
 * The report is kept in the catalog and, when @p reports_dir is set, written there as
 * drift_<time>.json.
 */
MOOD_API mood_status mood_history_drift(mood_catalog *cat, const mood_history *h, int64_t now_utc,
                                        const char *reports_dir, char **out_json);

/**
 * @brief Write @p dir/history_report.json and PNG charts: listening_clock.png (weekday × hour),
 * mood_shares.png (cluster shares by month), session_lengths.png, model_metrics.png.
 */
MOOD_API mood_status mood_history_report(mood_catalog *cat, const mood_history *h, const char *dir,
                                         char **out_json);

#ifdef __cplusplus
}
#endif
#endif
