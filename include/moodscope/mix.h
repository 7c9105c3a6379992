/**
 * @file mix.h
 * @brief Rendering a DJ transition: the end of track A crossfaded into track B, tempo-matched
 * with Rubber Band (time-stretch without pitch change), beat-aligned and equal-power, encoded
 * through FFmpeg (.wav, .flac or .mp3 from the output name).
 * @code
 * mood_mix_options o;
 * mood_mix_options_default(&o);
 * o.beats = 16;
 * mood_mix_info info;
 * if (mood_mix_render("a.ogg", "b.ogg", &o, "mix.flac", &info) == MOOD_OK)
 *     printf("transition at %.2f s\n", info.transition_s);
 * @endcode
 */
#ifndef MOODSCOPE_MIX_H
#define MOODSCOPE_MIX_H

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Mix options; mood_mix_options_default() fills them. */
typedef struct mood_mix_options {
    size_t beats;       /**< crossfade length in beats (default 16) */
    float tempo_a_bpm;  /**< A's tempo, NaN: estimated from the audio */
    float tempo_b_bpm;  /**< B's tempo, NaN: estimated */
    int match_tempo;    /**< stretch B to A's tempo (default 1) */
    int sample_rate_hz; /**< output rate (default 44100) */
    float tail_s;       /**< seconds of A's end left out of the transition (default 0) */
} mood_mix_options;

/** @brief Fill @p o with the defaults. */
MOOD_API void mood_mix_options_default(mood_mix_options *o);

/** What the renderer did. */
typedef struct mood_mix_info {
    double tempo_a_bpm, tempo_b_bpm; /**< tempos used (given or estimated) */
    double stretch;                  /**< B's time ratio (> 1: B slowed down) */
    double tempo_b_out_bpm;          /**< B's tempo after stretching (A's, or its half/double) */
    double transition_s;             /**< where the crossfade starts, in A and in the output */
    double crossfade_s;              /**< crossfade length */
    double b_offset_s; /**< where in the stretched B the crossfade starts (its first beat) */
    double duration_s; /**< length of the output */
    double a_duration_s, b_duration_s; /**< input lengths (B before stretching) */
} mood_mix_info;

/**
 * @brief Estimate the tempo (BPM, 60..180) and the first beat (s) of interleaved stereo audio
 * from the autocorrelation of an onset-strength envelope.
 * @param x frames×2 floats. @return ::MOOD_EINVAL for audio shorter than 4 s.
 */
MOOD_API mood_status mood_mix_estimate_beats(const float *x, size_t frames, int rate_hz,
                                             double *out_bpm, double *out_first_beat_s);

/**
 * @brief Render the transition from @p path_a into @p path_b to @p out_path.
 * @return ::MOOD_EIO/::MOOD_EFORMAT for unreadable inputs, ::MOOD_EINVAL when A is shorter
 * than the crossfade or the output type is unknown, ::MOOD_EUNSUPPORTED without an encoder.
 */
MOOD_API mood_status mood_mix_render(const char *path_a, const char *path_b,
                                     const mood_mix_options *o, const char *out_path,
                                     mood_mix_info *info);

#ifdef __cplusplus
}
#endif
#endif
