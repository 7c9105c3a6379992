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
 * features and the raw similarity vector as float blobs), overrides (user corrections of
 * tempo, key and metre: mood_library_set()). A track's rows are written in one
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
    const struct mood_worker_options *limits; /**< --max-load, --max-duration, --max-memory
                                                   (mood_worker_options); NULL = none */
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
    size_t limited;     /**< files skipped or refused by --max-duration/--max-memory */
    size_t load_pauses; /**< seconds paused for --max-load */
    size_t lease_lost;  /**< queue jobs taken over by another worker meanwhile */
    size_t sampled;     /**< long files analysed from sampled windows (--long-files sample) */
    size_t released;    /**< queue jobs put back in the queue when interrupted */
    size_t wakeups;     /**< idle waits ended by a NOTIFY (PostgreSQL) */
    int listening;      /**< worker mode: idle threads LISTEN for new jobs (PostgreSQL) */
    int64_t run_id;     /**< the analysis_runs row of this run (library runs), 0 if none */
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
 * genre, camelot ("8B"), key ("C major"), mood_label, tempo_source and key_source ("analysis",
 * or "user" where mood_library_set() overrode the value). Numeric columns: year, track_no, every
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
 * @brief Record that the tags of @p path were rewritten while its audio stayed the same (the tag
 * writer checks the audio packets): the catalog takes the file's new size and modification
 * time, so the next `analyze` does not analyse it again.
 * @return ::MOOD_OK (also when @p path is not in the catalog), ::MOOD_EIO when it cannot be read.
 */
MOOD_API mood_status mood_library_retagged(mood_catalog *cat, const char *path);

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

/* ---------------------------------------------------------------------------------------- */
/* Seeing and fixing the musical analysis: user overrides and doubtful tracks                */
/* ---------------------------------------------------------------------------------------- */

/** Bits naming the values a user can correct (mood_library_fix, mood_library_musical). */
#define MOOD_FIX_TEMPO 1u /**< tempo_bpm */
#define MOOD_FIX_KEY   2u /**< key_index and mode (and so camelot, key, open key) */
#define MOOD_FIX_METER 4u /**< beats_per_bar and compound_meter */
#define MOOD_FIX_ALL   7u

/** Lowest and highest tempo mood_library_set() accepts. */
#define MOOD_FIX_MIN_BPM 20.0
#define MOOD_FIX_MAX_BPM 400.0

/** A user correction of one track; fill with mood_library_fix_init(). */
typedef struct mood_library_fix {
    double tempo_bpm;  /**< MOOD_FIX_MIN_BPM..MOOD_FIX_MAX_BPM, or 0 = leave as is */
    const char *key;   /**< anything mood_audio_parse_key() accepts ("Am", "F# minor", "8B",
                            "1d"), or NULL = leave as is */
    const char *meter; /**< "N/4" (N = 1..12) or "6/8", "9/8", "12/8", or NULL */
    unsigned clear;    /**< MOOD_FIX_* bits: drop these overrides first (the analysed values
                            show again) */
} mood_library_fix;

/** @brief Fill @p f with "change nothing". */
MOOD_API void mood_library_fix_init(mood_library_fix *f);

/**
 * @brief Store a user override of a track's tempo, key or metre in the catalog (table
 * overrides: track_id, field, value, set_at), in one transaction. Every reader of the catalog
 * (mood_library_export_table(), mood_library_list(), mood_library_show(),
 * mood_library_stats_get(), mood_library_musical_get(), and so the recommenders and the server)
 * then sees the user's value with confidence 1 and source "user". Overrides are keyed by the
 * track, not the analysis: re-analysing the file (overwrite, a new analysis version) keeps them.
 * @param track catalog id, path (relative paths of existing files are resolved), or a
 * case-insensitive substring of the path or title that matches exactly one track.
 * @param out_track_id receives the track's id (may be NULL).
 * @return ::MOOD_EINVAL (bad tempo, key or metre; nothing to do; an ambiguous @p track),
 * ::MOOD_ENOTFOUND (no such track), ::MOOD_EIO.
 */
MOOD_API mood_status mood_library_set(mood_catalog *cat, const char *track,
                                      const mood_library_fix *f, int64_t *out_track_id);

/** The musical facts of one track as the catalog serves them (user overrides applied). */
typedef struct mood_library_musical {
    int64_t track_id;
    char path[4096];
    char title[256];
    float tempo_bpm, tempo_confidence, tempo_octave_confidence;
    float tempo_alt_bpm;        /**< the rejected metrical level; 0 when none */
    float tempo_alt_confidence; /**< 0..1, 1 = as likely as the chosen tempo */
    int tempo_changes;          /**< segments of the tempo curve minus one */
    char meter[8];              /**< "4/4", "3/4", "6/8"; "" when unknown */
    int key_index, mode;        /**< 0 = C .. 11 = B; 1 major, 0 minor */
    float key_confidence;
    char key[16], camelot[4], open_key[4];
    int key_alt_index, key_alt_mode; /**< second-best key; key_alt_index -1 when none */
    float key_alt_confidence;
    char key_alt[16], key_alt_camelot[4];
    int key_segments;         /**< key changes plus one */
    float tuning_hz;          /**< estimated concert A; 0 when unknown */
    unsigned user;            /**< MOOD_FIX_* bits of the values that are user overrides */
    float analysed_tempo_bpm; /**< what the analysis said, overridden or not */
    char analysed_key[16], analysed_meter[8];
} mood_library_musical;

/**
 * @brief Tempo, metre and key of one analysed track, found like mood_library_set() does.
 * @return ::MOOD_ENOTFOUND, ::MOOD_EINVAL (ambiguous), ::MOOD_EFORMAT (the track failed or is
 * not analysed with the current version), ::MOOD_EIO.
 */
MOOD_API mood_status mood_library_musical_get(mood_catalog *cat, const char *track,
                                              mood_library_musical *out);

/** Options of mood_library_doubtful(); fill with mood_library_doubtful_options_default(). */
typedef struct mood_library_doubtful_options {
    double threshold;  /**< a confidence below this is doubtful (default 0.3), in (0, 1] */
    double margin;     /**< a runner-up within this share of the winner is doubtful (default
                            0.1), in (0, 1] */
    size_t limit;      /**< at most this many rows, most doubtful first; 0 = all */
    const char *under; /**< only tracks whose path starts with this (a folder), or NULL */
} mood_library_doubtful_options;

/** @brief Fill @p o with the defaults. */
MOOD_API void mood_library_doubtful_options_default(mood_library_doubtful_options *o);

/**
 * @brief The analysed values that are likely wrong, most doubtful first.
 *
 * A tempo is doubtful when tempo_confidence (or tempo_octave_confidence, once the analysis
 * names a rejected alternative) is below @c threshold, or the alternative came within
 * @c margin (tempo_alt_confidence > 1 - margin). A key is doubtful when key_confidence is below
 * @c threshold, or the second-best key came within @c margin (key_alt_confidence /
 * key_confidence > 1 - margin). The certainty that orders the rows is
 * min(confidence / threshold, (1 - closeness) / margin): below 1 is doubtful. A value the user
 * set (mood_library_set()) is never doubtful.
 *
 * @param o options, or NULL for the defaults.
 * @param out one row per doubtful value: text columns track_id, path, title, field ("tempo" or
 * "key"), value ("128.0 BPM", "A minor 8A"), alternative (same form, "" when none); numeric
 * confidence, alt_confidence, certainty. Release with mood_table_destroy().
 * @return ::MOOD_EINVAL (threshold or margin outside (0, 1]), ::MOOD_EIO, ::MOOD_ENOMEM.
 */
MOOD_API mood_status mood_library_doubtful(mood_catalog *cat,
                                           const mood_library_doubtful_options *o,
                                           mood_table **out);

/* ---- Shared work queue (issue 12): many workers, one catalog ---- */

/** Options of mood_library_enqueue() and mood_library_work(); fill with
 * mood_worker_options_default(). */
typedef struct mood_worker_options {
    double lease_s;        /**< a claimed job is this worker's for this long, renewed by a
                                heartbeat every lease_s / 3 (default 60) */
    int max_attempts;      /**< a job whose worker was lost this often is failed (default 3) */
    const char *path_from; /**< --path-map FROM=TO: a queued path starting with FROM is read */
    const char *path_to;   /**<   at TO here (the catalog keeps the queued path); NULL = none */
    const char *worker_id; /**< name in the jobs table; NULL = "host:pid" */
    int follow;            /**< keep waiting for new jobs when the queue is empty (default 0:
                                leave when nothing is queued or running) */
    double poll_s;         /**< idle wait between looks at the queue (default 1); on
                                PostgreSQL an idle worker LISTENs and wakes at once on a NOTIFY
                                from an enqueue, so this only bounds how late it notices an
                                expired lease */
    double idle_exit_s;    /**< keep waiting like follow, but leave after this many seconds
                                without claiming a job; 0 = off */
    double max_load;       /**< pause while the 1-minute load average is above this; 0 = off */
    double max_duration_s; /**< files longer than this are sampled or skipped (long_files);
                                0 = off */
    int long_files;        /**< MOOD_LONG_FILES_SAMPLE (default): a file longer than
                                max_duration_s (or whose whole analysis would pass
                                max_memory_mb) is analysed from sample_windows seeded windows of
                                sample_window_s seconds spread over it, decoded by seeking, and
                                its report says "sampled" with the windows;
                                MOOD_LONG_FILES_SKIP: recorded as skipped without decoding */
    int sample_windows;    /**< windows of a sampled file (default 3) */
    double
        sample_window_s;  /**< seconds per window (default 60; at most max_duration_s / windows) */
    double max_memory_mb; /**< refuse files whose analysis would need more; 0 = off */
} mood_worker_options;

/** Values of mood_worker_options.long_files. */
enum { MOOD_LONG_FILES_SAMPLE = 0, MOOD_LONG_FILES_SKIP = 1 };

/** @brief Fill @p o with the defaults. */
MOOD_API void mood_worker_options_default(mood_worker_options *o);

/**
 * @brief Record a job (state "queued") for every audio file under @p paths that is not yet
 * analysed (or every file with @c o->overwrite); a file already queued or running is left as
 * it is. @p out_added receives the number of jobs queued.
 * @return ::MOOD_ENOTFOUND (a path does not exist), catalog errors (::MOOD_EIO).
 */
MOOD_API mood_status mood_library_enqueue(mood_catalog *cat, const char *const *paths,
                                          size_t n_paths, const mood_analyze_options *o,
                                          size_t *out_added);

/**
 * @brief Work through the catalog's job queue with @c o->jobs threads: claim a job (row lock
 * with SKIP LOCKED on PostgreSQL, BEGIN IMMEDIATE on SQLite), hold its lease with a heartbeat,
 * analyse the file and record the track and the job's end in one transaction, which is
 * refused when the lease was lost meanwhile (so a file is recorded once). Jobs of a dead
 * worker are taken again once their lease has expired. The summary counts this worker's files.
 */
MOOD_API mood_status mood_library_work(mood_catalog *cat, const mood_analyze_options *o,
                                       const mood_worker_options *w, mood_analyze_summary *out);

/** Queue counts for `library jobs`. */
typedef struct mood_jobs_stats {
    size_t queued, running, done, failed;
    size_t done_last_10min; /**< jobs finished in the last 10 minutes */
    double rate_per_min;    /**< done_last_10min over the span they took, per minute */
    double eta_s;           /**< (queued + running) / rate; 0 when unknown */
    char **workers;         /**< "worker: N running" lines, n_workers of them */
    size_t n_workers;
    char **failures; /**< "path: error" of failed jobs (at most 20) */
    size_t n_failures;
} mood_jobs_stats;

/** @brief Read the queue counts; release with mood_jobs_stats_free(). */
MOOD_API mood_status mood_library_jobs_stats(mood_catalog *cat, mood_jobs_stats *out);
/** @brief Release the arrays of @p s; accepts a zeroed struct. */
MOOD_API void mood_jobs_stats_free(mood_jobs_stats *s);

/** One analysis run (`analyze PATH` or `analyze --worker`) as recorded in the catalog. Times
 * are seconds since the epoch on the queue's clock (the PostgreSQL server's, or the local one
 * on SQLite); finished is 0 while running (or when the process was killed). */
typedef struct mood_analysis_run {
    int64_t id;
    char mode[16]; /**< "analyze" or "worker" */
    char worker[160];
    char host[128];
    int64_t pid;
    double started, finished;
    char status[16]; /**< running, done, interrupted, failed */
    char moodscope_version[32];
    int analysis_version;
    int jobs, nice;
    double max_load, max_duration_s;
    char long_files[8]; /**< "sample" or "skip" */
    int sample_windows;
    double sample_window_s, max_memory_mb;
    char path_map[512];     /**< "FROM=TO" or "" */
    double lease_s, poll_s; /**< worker mode only */
    char waiting[16];       /**< "listen" (PostgreSQL NOTIFY) or "poll" (worker mode) */
    size_t files, analysed, failed, skipped, sampled, limited;
    double audio_s, cpu_s, elapsed_s;
} mood_analysis_run;

/**
 * @brief The last @p limit analysis runs (0 = all), oldest first; release with
 * mood_library_runs_free().
 * @return ::MOOD_EIO (catalog), ::MOOD_ENOMEM.
 */
MOOD_API mood_status mood_library_runs(mood_catalog *cat, size_t limit, mood_analysis_run **out,
                                       size_t *out_n);
/** @brief Release the array of mood_library_runs(); accepts NULL. */
MOOD_API void mood_library_runs_free(mood_analysis_run *v);

/**
 * @brief Copy the audio library and job queue of catalog @p from into a new catalog @p to
 * (either may be a SQLite file or postgresql://): mood_catalog_copy() with
 * mood_library_catalog_part() only. `library migrate` copies every subsystem's part.
 */
/** @brief The tables of the audio library and the job queue, for mood_catalog_copy(). */
MOOD_API const mood_catalog_part *mood_library_catalog_part(void);

MOOD_API mood_status mood_library_migrate_catalog(const char *from, const char *to,
                                                  void (*report)(void *user, const char *line),
                                                  void *user);

#ifdef __cplusplus
}
#endif
#endif
