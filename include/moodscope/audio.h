/**
 * @file audio.h
 * @brief Audio decoding and per-track analysis: rhythm, tonal, timbre, dynamics, spatial,
 * voice/instrumentation and mood features, a similarity vector and a JSON report.
 *
 * A file is decoded through FFmpeg (libavformat, libavcodec, libswresample) in blocks and
 * streamed through one analyser; nothing holds the whole signal, so memory stays bounded by
 * the per-frame descriptors (a few floats per 23 ms hop) whatever the track length.
 * @code
 * mood_audio_analyzer *az;
 * mood_audio_result *r;
 * mood_audio_analyzer_create(NULL, &az);
 * if (mood_audio_analyze_file(az, "song.flac", &r) == MOOD_OK) {
 *     printf("%.1f BPM, %s, %.1f LUFS\n", mood_audio_result_values(r)[MOOD_AF_TEMPO_BPM],
 *            mood_audio_result_camelot(r), mood_audio_result_values(r)[MOOD_AF_LOUDNESS_LUFS]);
 *     mood_audio_result_destroy(r);
 * }
 * mood_audio_analyzer_destroy(az);
 * @endcode
 * References: ITU-R BS.1770-4 / EBU R128 (loudness, through libebur128); Krumhansl & Kessler
 * (1982) key profiles; de Cheveigné & Kawahara (2002) YIN; Fitzgerald (2010) median-filter
 * HPSS; Ellis (2007) dynamic-programming beat tracking; Harte et al. (2006) tonal centroid.
 */
#ifndef MOODSCOPE_AUDIO_H
#define MOODSCOPE_AUDIO_H

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Bumped whenever a feature's definition changes; stored analyses of another version are redone.
 */
#define MOOD_AUDIO_ANALYSIS_VERSION 2

/**
 * X-macro of the scalar features: X(ID, "column_name", "report_section"). The order is the
 * storage order of the catalog's feature blob for ::MOOD_AUDIO_ANALYSIS_VERSION.
 */
#define MOOD_AUDIO_FEATURES(X)                                                                     \
    X(DURATION_S, "duration_s", "metadata")                                                        \
    X(SAMPLE_RATE_HZ, "sample_rate_hz", "metadata")                                                \
    X(CHANNELS, "channels", "metadata")                                                            \
    X(BITRATE_KBPS, "bitrate_kbps", "metadata")                                                    \
    X(TEMPO_BPM, "tempo_bpm", "rhythm")                                                            \
    X(TEMPO_CONFIDENCE, "tempo_confidence", "rhythm")                                              \
    X(TEMPO_OCTAVE_CONFIDENCE, "tempo_octave_confidence", "rhythm")                                \
    X(TEMPO_LOCAL_MEAN, "tempo_local_mean", "rhythm")                                              \
    X(TEMPO_LOCAL_STD, "tempo_local_std", "rhythm")                                                \
    X(TEMPO_LOCAL_MIN, "tempo_local_min", "rhythm")                                                \
    X(TEMPO_LOCAL_MAX, "tempo_local_max", "rhythm")                                                \
    X(TEMPOGRAM_RATIO_2, "tempogram_ratio_2", "rhythm")                                            \
    X(TEMPOGRAM_RATIO_3, "tempogram_ratio_3", "rhythm")                                            \
    X(BEAT_COUNT, "beat_count", "rhythm")                                                          \
    X(BEAT_STRENGTH, "beat_strength", "rhythm")                                                    \
    X(ONSET_RATE, "onset_rate_hz", "rhythm")                                                       \
    X(SWING_RATIO, "swing_ratio", "rhythm")                                                        \
    X(MICROTIMING_MS, "microtiming_ms", "rhythm")                                                  \
    X(IBI_STD_MS, "ibi_std_ms", "rhythm")                                                          \
    X(TEMPO_ALT_BPM, "tempo_alt_bpm", "rhythm")                                                    \
    X(TEMPO_ALT_CONFIDENCE, "tempo_alt_confidence", "rhythm")                                      \
    X(BEATS_PER_BAR, "beats_per_bar", "rhythm")                                                    \
    X(COMPOUND_METER, "compound_meter", "rhythm")                                                  \
    X(FIRST_DOWNBEAT_S, "first_downbeat_s", "rhythm")                                              \
    X(TEMPO_CHANGES, "tempo_changes", "rhythm")                                                    \
    X(KEY_INDEX, "key_index", "tonal")                                                             \
    X(MODE, "mode", "tonal")                                                                       \
    X(KEY_CONFIDENCE, "key_confidence", "tonal")                                                   \
    X(KEY_CHANGES, "key_changes", "tonal")                                                         \
    X(CHORD_CHANGE_RATE, "chord_change_rate_hz", "tonal")                                          \
    X(CHORD_MAJOR_SHARE, "chord_major_share", "tonal")                                             \
    X(TONAL_TENSION, "tonal_tension", "tonal")                                                     \
    X(CHROMA_CLARITY, "chroma_clarity", "tonal")                                                   \
    X(KEY_ALT_INDEX, "key_alt_index", "tonal")                                                     \
    X(KEY_ALT_MODE, "key_alt_mode", "tonal")                                                       \
    X(KEY_ALT_CONFIDENCE, "key_alt_confidence", "tonal")                                           \
    X(TUNING_HZ, "tuning_hz", "tonal")                                                             \
    X(CENTROID_MEAN, "spectral_centroid_hz", "timbre")                                             \
    X(CENTROID_STD, "spectral_centroid_std_hz", "timbre")                                          \
    X(BANDWIDTH_MEAN, "spectral_bandwidth_hz", "timbre")                                           \
    X(BANDWIDTH_STD, "spectral_bandwidth_std_hz", "timbre")                                        \
    X(ROLLOFF_MEAN, "spectral_rolloff_hz", "timbre")                                               \
    X(ROLLOFF_STD, "spectral_rolloff_std_hz", "timbre")                                            \
    X(FLATNESS_MEAN, "spectral_flatness", "timbre")                                                \
    X(FLATNESS_STD, "spectral_flatness_std", "timbre")                                             \
    X(CONTRAST_MEAN, "spectral_contrast_db", "timbre")                                             \
    X(CONTRAST_STD, "spectral_contrast_std_db", "timbre")                                          \
    X(ZCR_MEAN, "zero_crossing_rate", "timbre")                                                    \
    X(ZCR_STD, "zero_crossing_rate_std", "timbre")                                                 \
    X(MFCC_COV_LOGDET, "mfcc_cov_logdet", "timbre")                                                \
    X(LOUDNESS_LUFS, "loudness_lufs", "dynamics")                                                  \
    X(LOUDNESS_RANGE_LU, "loudness_range_lu", "dynamics")                                          \
    X(TRUE_PEAK_DBTP, "true_peak_dbtp", "dynamics")                                                \
    X(SAMPLE_PEAK_DBFS, "sample_peak_dbfs", "dynamics")                                            \
    X(RMS_MEAN_DB, "rms_mean_db", "dynamics")                                                      \
    X(RMS_STD_DB, "rms_std_db", "dynamics")                                                        \
    X(CREST_FACTOR_DB, "crest_factor_db", "dynamics")                                              \
    X(ATTACK_DB_S, "attack_db_per_s", "dynamics")                                                  \
    X(DECAY_DB_S, "decay_db_per_s", "dynamics")                                                    \
    X(DYNAMIC_CONTRAST_DB, "dynamic_contrast_db", "dynamics")                                      \
    X(STEREO_WIDTH, "stereo_width", "spatial")                                                     \
    X(CHANNEL_BALANCE_DB, "channel_balance_db", "spatial")                                         \
    X(PHASE_COHERENCE, "phase_coherence", "spatial")                                               \
    X(IS_MONO, "is_mono", "spatial")                                                               \
    X(VOICED_RATIO, "voiced_ratio", "instrumentation")                                             \
    X(F0_MEDIAN_HZ, "f0_median_hz", "instrumentation")                                             \
    X(BASS_SHARE, "bass_share", "instrumentation")                                                 \
    X(MID_SHARE, "mid_share", "instrumentation")                                                   \
    X(TREBLE_SHARE, "treble_share", "instrumentation")                                             \
    X(HARMONIC_RATIO, "harmonic_ratio", "instrumentation")                                         \
    X(PERCUSSIVE_RATIO, "percussive_ratio", "instrumentation")                                     \
    X(ACOUSTICNESS, "acousticness", "instrumentation")                                             \
    X(INSTRUMENTALNESS, "instrumentalness", "instrumentation")                                     \
    X(ENERGY, "energy", "mood")                                                                    \
    X(VALENCE, "valence", "mood")                                                                  \
    X(AROUSAL, "arousal", "mood")                                                                  \
    X(DANCEABILITY, "danceability", "mood")

/** Indices of the scalar features in mood_audio_result_values(). */
typedef enum mood_audio_feature {
#define MOOD_AF_ENUM(id, name, section) MOOD_AF_##id,
    MOOD_AUDIO_FEATURES(MOOD_AF_ENUM)
#undef MOOD_AF_ENUM
        MOOD_AF_COUNT
} mood_audio_feature;

/** Number of MFCC coefficients (c0 excluded from the similarity vector). */
#define MOOD_AUDIO_N_MFCC 13
/** Dimensions of the similarity vector. */
#define MOOD_AUDIO_SIM_DIMS 64

/** @brief Column name of scalar feature @p f ("tempo_bpm"); NULL when out of range. */
MOOD_API const char *mood_audio_feature_name(mood_audio_feature f);
/** @brief Report section of scalar feature @p f ("rhythm"). */
MOOD_API const char *mood_audio_feature_section(mood_audio_feature f);
/** @brief Name of similarity dimension @p i (< ::MOOD_AUDIO_SIM_DIMS), e.g. "mfcc_mean_03". */
MOOD_API const char *mood_audio_sim_dim_name(size_t i);

/** Tags and stream facts of a decoded file. Strings are UTF-8, "" when absent. */
typedef struct mood_audio_info {
    char title[256];
    char artist[256];
    char album[256];
    char genre[128];
    char codec[32];      /**< FFmpeg codec name ("vorbis", "mp3", "flac") */
    int year;            /**< 0 when absent */
    int track_no;        /**< 0 when absent */
    double duration_s;   /**< decoded duration (samples / rate) */
    int sample_rate_hz;  /**< native rate of the stream */
    int channels;        /**< channels of the stream (analysis uses at most 2) */
    int64_t bitrate_bps; /**< container or stream bit rate; 0 when unknown */
} mood_audio_info;

/** Analyser options; fill with mood_audio_options_default(). */
typedef struct mood_audio_options {
    int analysis_rate_hz; /**< internal mono rate of the frame features (default 22050) */
    int with_true_peak;   /**< compute true peak by 4x oversampling (default 1) */
} mood_audio_options;

/** @brief Fill @p o with the defaults. */
MOOD_API void mood_audio_options_default(mood_audio_options *o);

/** A reusable analyser (FFT plans and scratch); one per thread. */
typedef struct mood_audio_analyzer mood_audio_analyzer;
/** The analysis of one track. */
typedef struct mood_audio_result mood_audio_result;

/**
 * @brief Create an analyser. FFTW plans are made here, under a process-wide lock because the
 * FFTW planner is not thread-safe; the analyser itself is used by one thread at a time.
 * @param o options (copied) or NULL for the defaults.
 * @return ::MOOD_EINVAL (rate outside 8000..48000), ::MOOD_ENOMEM.
 */
MOOD_API mood_status mood_audio_analyzer_create(const mood_audio_options *o,
                                                mood_audio_analyzer **out);
/** @brief Release @p az; accepts NULL. */
MOOD_API void mood_audio_analyzer_destroy(mood_audio_analyzer *az);

/**
 * @brief Decode and analyse one file, streaming it in blocks.
 * @param out receives the result (release with mood_audio_result_destroy()).
 * @return ::MOOD_EIO (cannot open), ::MOOD_EFORMAT (not audio, no audio stream, undecodable,
 * truncated: fewer than 90% of the declared duration decoded, or shorter than 1 s),
 * ::MOOD_ECANCELED when mood_cancel_request() was called meanwhile, ::MOOD_ENOMEM. The message
 * names the file and the reason.
 */
MOOD_API mood_status mood_audio_analyze_file(mood_audio_analyzer *az, const char *path,
                                             mood_audio_result **out);
/**
 * @brief Analyse interleaved float PCM already in memory (for synthesised test signals).
 * @param pcm @p n_frames × @p channels samples in [-1, 1], borrowed for the call.
 * @param info optional tags to copy into the result, or NULL.
 * @return ::MOOD_EINVAL (channels outside 1..8, rate outside 8000..384000, fewer than 1 s).
 */
MOOD_API mood_status mood_audio_analyze_pcm(mood_audio_analyzer *az, const float *pcm,
                                            size_t n_frames, int channels, int sample_rate_hz,
                                            const mood_audio_info *info, mood_audio_result **out);

/** One decoded window of a sampled analysis, in seconds from the start of the file. */
typedef struct mood_audio_window {
    double start_s, end_s;
} mood_audio_window;
/** The most windows mood_audio_analyze_file_sampled() takes. */
#define MOOD_AUDIO_MAX_WINDOWS 16

/**
 * @brief Analyse a long file from @p n_windows windows of @p window_s seconds instead of the
 * whole of it (DJ mixes, audiobooks). The file is cut into @p n_windows equal parts and each
 * window sits at a position inside its part drawn from @p seed, so the same seed gives the
 * same windows; each window is reached by seeking (the rest is never decoded). The features
 * are those of the windows played one after the other; beat, tempo-curve, key-segment and
 * chord times are given on the file's time line, duration_s is the file's, and
 * mood_audio_result_windows() lists the windows (the report has a "sampling" section). A file
 * not longer than the windows together is analysed whole (not sampled).
 * @return as mood_audio_analyze_file(); ::MOOD_EINVAL when @p n_windows is 0 or above
 * ::MOOD_AUDIO_MAX_WINDOWS or @p window_s is below 5 s.
 */
MOOD_API mood_status mood_audio_analyze_file_sampled(mood_audio_analyzer *az, const char *path,
                                                     size_t n_windows, double window_s,
                                                     uint64_t seed, mood_audio_result **out);
/** @brief The windows of a sampled analysis (NULL and 0 when the whole file was analysed). */
MOOD_API const mood_audio_window *mood_audio_result_windows(const mood_audio_result *r,
                                                            size_t *out_n);

/** @brief Release @p r; accepts NULL. */
MOOD_API void mood_audio_result_destroy(mood_audio_result *r);
/** @brief Tags and stream facts. */
MOOD_API const mood_audio_info *mood_audio_result_info(const mood_audio_result *r);
/** @brief The ::MOOD_AF_COUNT scalar features, indexed by ::mood_audio_feature. */
MOOD_API const float *mood_audio_result_values(const mood_audio_result *r);
/** @brief The raw (not yet standardised) similarity vector, ::MOOD_AUDIO_SIM_DIMS floats. */
MOOD_API const float *mood_audio_result_sim(const mood_audio_result *r);
/** @brief The 12-bin mean chroma profile (C..B, sums to 1). */
MOOD_API const float *mood_audio_result_chroma(const mood_audio_result *r);
/** @brief Camelot code of the key ("8B" for C major, "5A" for C minor). */
MOOD_API const char *mood_audio_result_camelot(const mood_audio_result *r);
/** @brief Key name ("C major", "F# minor"). */
MOOD_API const char *mood_audio_result_key_name(const mood_audio_result *r);
/** @brief Short mood label ("energetic & positive", "calm & dark", ...). */
MOOD_API const char *mood_audio_result_mood_label(const mood_audio_result *r);
/** @brief Beat times in seconds; @p out_n receives their number. Valid until destroy. */
MOOD_API const float *mood_audio_result_beats(const mood_audio_result *r, size_t *out_n);
/** @brief Downbeat (first beat of each bar) times in seconds; @p out_n receives their number. */
MOOD_API const float *mood_audio_result_downbeats(const mood_audio_result *r, size_t *out_n);
/** @brief Metre as a time signature ("4/4", "3/4", "6/8"); "" when no metre was found. */
MOOD_API const char *mood_audio_result_meter(const mood_audio_result *r);

/** One segment of the tempo curve: from @c start_s (until the next segment) at @c bpm. */
typedef struct mood_tempo_segment {
    float start_s;
    float bpm;
} mood_tempo_segment;
/** @brief The tempo curve (at least one segment when a tempo was found). */
MOOD_API const mood_tempo_segment *mood_audio_result_tempo_curve(const mood_audio_result *r,
                                                                 size_t *out_n);

/** One key segment: from @c start_s (until the next segment) in @c key_index / @c mode. */
typedef struct mood_key_segment {
    float start_s;
    int key_index; /**< 0 = C .. 11 = B */
    int mode;      /**< 1 major, 0 minor */
    float confidence;
} mood_key_segment;
/** @brief The key segments in time order (one when the key never changes). */
MOOD_API const mood_key_segment *mood_audio_result_key_segments(const mood_audio_result *r,
                                                                size_t *out_n);
/** @brief Name of the second-best key ("A minor"). */
MOOD_API const char *mood_audio_result_key_alt_name(const mood_audio_result *r);
/** @brief Open Key notation of the key ("1d" for C major, "10m" for A minor). */
MOOD_API const char *mood_audio_result_open_key(const mood_audio_result *r);
/**
 * @brief The JSON report (sections metadata, rhythm, tonal, dynamics, spatial, timbre,
 * instrumentation, mood, plus analysis version and libraries), as a new string.
 * @param path the audio path to record in the report (borrowed), or NULL.
 * @param out receives the text (release with mood_free()).
 */
MOOD_API mood_status mood_audio_result_report(const mood_audio_result *r, const char *path,
                                              char **out);

/** @brief Open Key code of key @p key_index (0..11) in @p mode ("1d" C major, "1m" A minor). */
MOOD_API const char *mood_audio_open_key(int key_index, int mode);
/**
 * @brief Parse a key name: "C", "Am", "F# minor", "Bb major", "8B" (Camelot) or "1d" (Open Key).
 * @return ::MOOD_OK, or ::MOOD_EINVAL when @p name is not a key.
 */
MOOD_API mood_status mood_audio_parse_key(const char *name, int *out_key_index, int *out_mode);

/** @brief Camelot code of key @p key_index (0 = C .. 11 = B) in @p mode (1 major, 0 minor). */
MOOD_API const char *mood_audio_camelot(int key_index, int mode);

#ifdef __cplusplus
}
#endif
#endif
