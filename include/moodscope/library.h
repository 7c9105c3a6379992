/**
 * @file library.h
 * @brief The analysed music library in the catalog: analyse folders in parallel with resume,
 * list and show tracks, and export the feature table that `moodscope cluster` and the
 * recommendation commands read.
 * @code
 * mood_catalog *cat;
 * mood_catalog_open("catalog.db", &cat);
 * const char *paths[] = {"/music"};
 * mood_analyze_options o;
 * mood_analyze_options_default(&o);
 * mood_analyze_summary sum;
 * if (mood_library_analyze(cat, paths, 1, &o, &sum) == MOOD_OK)
 *     printf("%zu analysed, %zu skipped, %zu failed\n", sum.analyzed, sum.skipped, sum.failed);
 * mood_analyze_summary_free(&sum);
 * mood_table *t;
 * mood_library_export_table(cat, &t);   // one row per analysed track
 * @endcode
 * Catalog tables (component "tracks"): tracks (one row per file: path, size, mtime, status,
 * error, tags, stream facts), analyses (report JSON per track), feature_vectors (scalar
 * features and the raw similarity vector as float blobs). A track's rows are written in one
 * transaction, after its report file was renamed into place, so an interrupted run (Ctrl-C or
 * kill -9) leaves either the whole track or nothing.
 */
#ifndef MOODSCOPE_LIBRARY_H
#define MOODSCOPE_LIBRARY_H

#include "audio.h"
#include "catalog.h"
#include "table.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Progress of a running analysis, passed to ::mood_analyze_progress_fn. */
typedef struct mood_analyze_progress {
    size_t files_total; /**< files found */
    size_t files_done;  /**< analysed + skipped + failed so far */
    size_t analyzed, skipped, failed;
    double audio_s_done; /**< seconds of audio analysed in this run */
    double elapsed_s;    /**< wall time since the start */
    double speed_x;      /**< audio_s_done / elapsed_s */
    double eta_s;        /**< estimated seconds left (from the files still to do) */
} mood_analyze_progress;

/** Progress callback, called from the calling thread about 5 times a second; non-zero stops. */
typedef int (*mood_analyze_progress_fn)(void *user, const mood_analyze_progress *p);

/** Options of mood_library_analyze(); fill with mood_analyze_options_default(). */
typedef struct mood_analyze_options {
    const char *pattern;     /**< glob on the file name (on the path when it has a '/'), or
                                  NULL: the usual audio extensions (mp3 flac ogg oga opus m4a
                                  mp4 aac alac wav aif aiff wma wv ape mka webm) */
    int jobs;                /**< worker threads; 0 = every online core */
    int overwrite;           /**< analyse again even when size, mtime and version match
                                  (unchanged files, including ones that failed, are skipped
                                  otherwise) */
    const char *reports_dir; /**< where JSON reports go; NULL = next to each audio file
                                  ("song.mp3.moodscope.json"), or in the catalog only when
                                  that folder is not writable */
    mood_audio_options audio;
    mood_analyze_progress_fn progress;
    void *progress_user;
} mood_analyze_options;

/** @brief Fill @p o with the defaults. */
MOOD_API void mood_analyze_options_default(mood_analyze_options *o);

/** One file that could not be analysed. */
typedef struct mood_analyze_failure {
    char *path;
    char *reason;
} mood_analyze_failure;

/** What a run did; release with mood_analyze_summary_free(). */
typedef struct mood_analyze_summary {
    size_t files_total, analyzed, skipped, failed;
    size_t skipped_failed;          /**< skipped files whose earlier analysis had failed */
    size_t reports_written;         /**< report files written */
    size_t reports_catalog_only;    /**< reports kept only in the catalog (folder not writable) */
    double audio_s;                 /**< audio analysed in this run (s) */
    double elapsed_s;               /**< wall time (s) */
    double cpu_s;                   /**< process CPU time used (s) */
    int jobs;                       /**< worker threads used */
    int interrupted;                /**< stopped by mood_cancel_request() or the callback */
    mood_analyze_failure *failures; /**< the files that failed in this run */
    size_t n_failures;
} mood_analyze_summary;

/** @brief Release the arrays of @p s (not @p s itself); accepts a zeroed summary. */
MOOD_API void mood_analyze_summary_free(mood_analyze_summary *s);

/**
 * @brief Find audio files under @p paths (files or folders, recursively), analyse those not
 * yet analysed (or all with @c overwrite) in parallel, and record each in the catalog.
 * Files that fail are recorded with their reason and the run goes on. Cancelling
 * (mood_cancel_request(), e.g. from SIGINT) stops after the tracks being analysed are
 * abandoned; finished tracks stay.
 * @param out filled in every case where the run started (also on ::MOOD_ECANCELED).
 * @return ::MOOD_EINVAL (no paths), ::MOOD_ENOTFOUND (a path does not exist),
 * ::MOOD_EIO (catalog write failed), ::MOOD_ECANCELED, ::MOOD_ENOMEM.
 */
MOOD_API mood_status mood_library_analyze(mood_catalog *cat, const char *const *paths,
                                          size_t n_paths, const mood_analyze_options *o,
                                          mood_analyze_summary *out);

/**
 * @brief The feature table of the analysed library: one row per successfully analysed track
 * of the current analysis version, ordered by track id.
 *
 * Text columns: track_id (catalog id as decimal text), path (absolute), title, artist, album,
 * genre, camelot ("8B"), key ("C major"), mood_label. Numeric columns: year, track_no, every
 * scalar feature of audio.h (::MOOD_AUDIO_FEATURES: duration_s, sample_rate_hz, tempo_bpm,
 * tempo_confidence, key_index (0 = C .. 11 = B), mode (1 major, 0 minor), key_confidence,
 * loudness_lufs, loudness_range_lu, true_peak_dbtp, energy, valence, arousal, danceability,
 * acousticness, spectral_centroid_hz, ...), then sim_00 .. sim_63: the similarity vector with
 * each dimension standardised (z-score) over the exported rows.
 * @param out receives the table (release with mood_table_destroy()); a library with no
 * analysed track gives a table with the columns and 0 rows.
 * @return ::MOOD_EIO, ::MOOD_EFORMAT (catalog written by a newer moodscope), ::MOOD_ENOMEM.
 */
MOOD_API mood_status mood_library_export_table(mood_catalog *cat, mood_table **out);

/**
 * @brief Every track of the catalog, analysed or failed: text columns track_id, status
 * ("ok" / "failed" / "outdated"), path, title, artist, camelot, mood_label, error; numeric
 * duration_s, tempo_bpm, loudness_lufs, energy, valence.
 */
MOOD_API mood_status mood_library_list(mood_catalog *cat, mood_table **out);

/**
 * @brief The JSON report of one track, found by catalog id, exact path, or a case-insensitive
 * substring of the path or title (which must match exactly one track).
 * @param out receives the text (release with mood_free()).
 * @return ::MOOD_ENOTFOUND, ::MOOD_EINVAL (the substring matches several tracks; the message
 * lists some), ::MOOD_EFORMAT (the track failed: the message gives the reason).
 */
MOOD_API mood_status mood_library_show(mood_catalog *cat, const char *track, char **out);

/** Catalog-wide counts of mood_library_stats(). */
typedef struct mood_library_stats {
    size_t tracks;      /**< files known */
    size_t ok;          /**< analysed with the current version */
    size_t outdated;    /**< analysed with an older version */
    size_t failed;      /**< failed */
    double audio_hours; /**< duration of the analysed tracks */
    double mean_tempo_bpm, mean_loudness_lufs;
    size_t mood_counts[4]; /**< energetic & positive, energetic & dark, calm & positive,
                                calm & dark */
} mood_library_stats;

/** @brief Counts and totals of the library. */
MOOD_API mood_status mood_library_stats_get(mood_catalog *cat, mood_library_stats *out);

#ifdef __cplusplus
}
#endif
#endif
