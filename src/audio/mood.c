/*
 * Mood scores and the similarity vector, from the other families.
 *
 * Each score is a fixed, documented weighted mean of descriptors mapped linearly onto [0, 1]
 * (clip((x - lo) / (hi - lo))), with ranges chosen to span typical commercial and game music:
 *   loud   = clip((LUFS + 24) / 16)             -24 LUFS quiet .. -8 LUFS loud
 *   onset  = clip(onset_rate / 6 Hz)
 *   bright = clip((centroid - 500 Hz) / 2500 Hz)
 *   perc   = clip((percussive_ratio - 0.2) / 0.5)
 *   tempo  = clip((tempo - 60 BPM) / 100 BPM)
 *   energy       = 0.40 loud + 0.20 onset + 0.20 bright + 0.20 perc
 *   arousal      = 0.60 energy + 0.25 clip((onset_rate - 1 Hz) / 4 Hz)
 *                  + 0.15 tempo * clip(tempo_confidence / 0.3)   (a tempo only counts when the
 *                  pulse is clear: rubato orchestral music often has none)
 *   valence      = 0.40 modality + 0.25 major-chord share + 0.20 tempo + 0.15 (1 - tension)
 *                  where modality = 0.5 ± 0.5·key_confidence (+ major, - minor)
 *   danceability = 0.35 clip((beat_strength - 1) / 2) + 0.25 tempo fit (1 inside 90-135 BPM,
 *                  falling to 0 one octave away) + 0.25 regularity (1 - ibi_std / 100 ms)
 *                  + 0.15 tempo_confidence
 *   acousticness = 0.5 harmonic_ratio + 0.25 (1 - clip(flatness / 0.3)) + 0.25 (1 - bright)
 *   instrumentalness = 1 - voiced_ratio (YIN voices any periodic source, not only singing,
 *                  so this is an acoustic proxy, not a vocal detector)
 * The label combines arousal (energetic / calm) and valence (positive / dark) at 0.5.
 */
#include "audio_internal.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static float clip01(double x)
{
    return (float)(x < 0 ? 0 : (x > 1 ? 1 : x));
}

static float lin(double x, double lo, double hi)
{
    return clip01((x - lo) / (hi - lo));
}

/* Names of the similarity dimensions, in order. */
static const char *const sim_base[] = {
    "centroid",      "bandwidth",   "rolloff",     "flatness",       "contrast",
    "zcr",           "centroid_sd", "flatness_sd", "log2_tempo",     "tempo_conf",
    "beat_strength", "onset_rate",  "swing",       "ibi_std",        "tempo_ratio_2",
    "danceability",  "lufs",        "lra",         "crest",          "dyn_contrast",
    "rms_std",       "bass",        "mid",         "treble",         "harmonic",
    "voiced",        "width",       "modality",    "chroma_clarity", "tension",
};
#define N_BASE (sizeof sim_base / sizeof *sim_base)

/* The dimension names, built once (pthread_once) and constant afterwards, so threads of the
 * server and of a parallel analysis can read them concurrently. */
static char sim_names[MOOD_AUDIO_SIM_DIMS][24];
static pthread_once_t sim_names_once = PTHREAD_ONCE_INIT;

static void sim_names_init(void)
{
    size_t k = 0;
    for (int c = 1; c < MOOD_AUDIO_N_MFCC; c++)
        snprintf(sim_names[k++], sizeof sim_names[0], "mfcc_mean_%02d", c);
    for (int c = 1; c < MOOD_AUDIO_N_MFCC; c++)
        snprintf(sim_names[k++], sizeof sim_names[0], "mfcc_std_%02d", c);
    for (int c = 0; c < 12; c++)
        snprintf(sim_names[k++], sizeof sim_names[0], "chroma_%02d", c);
    for (size_t b = 0; b < N_BASE && k < MOOD_AUDIO_SIM_DIMS; b++)
        snprintf(sim_names[k++], sizeof sim_names[0], "%s", sim_base[b]);
}

const char *mood_audio_sim_dim_name(size_t i)
{
    if (i >= MOOD_AUDIO_SIM_DIMS)
        return NULL;
    pthread_once(&sim_names_once, sim_names_init);
    return sim_names[i];
}

void mood__mood_and_sim(mood_audio_result *r)
{
    float *v = r->values;
    float loud = lin(v[MOOD_AF_LOUDNESS_LUFS], -24, -8);
    float onset = lin(v[MOOD_AF_ONSET_RATE], 0, 6);
    float bright = lin(v[MOOD_AF_CENTROID_MEAN], 500, 3000);
    float perc = lin(v[MOOD_AF_PERCUSSIVE_RATIO], 0.2, 0.7);
    float tempo = lin(v[MOOD_AF_TEMPO_BPM], 60, 160);
    float energy = 0.40f * loud + 0.20f * onset + 0.20f * bright + 0.20f * perc;
    float arousal = 0.60f * energy + 0.25f * lin(v[MOOD_AF_ONSET_RATE], 1, 5) +
                    0.15f * tempo * lin(v[MOOD_AF_TEMPO_CONFIDENCE], 0, 0.3);
    float modality = 0.5f + (v[MOOD_AF_MODE] > 0.5f ? 0.5f : -0.5f) * v[MOOD_AF_KEY_CONFIDENCE];
    float valence = 0.40f * modality + 0.25f * v[MOOD_AF_CHORD_MAJOR_SHARE] + 0.20f * tempo +
                    0.15f * (1.0f - lin(v[MOOD_AF_TONAL_TENSION], 0.05, 0.4));
    double bpm = v[MOOD_AF_TEMPO_BPM], fit = 1.0;
    if (bpm < 90)
        fit = bpm > 0 ? 1.0 - log2(90.0 / bpm) : 0;
    else if (bpm > 135)
        fit = 1.0 - log2(bpm / 135.0);
    float dance = 0.35f * lin(v[MOOD_AF_BEAT_STRENGTH], 1, 3) + 0.25f * clip01(fit) +
                  0.25f * (1.0f - lin(v[MOOD_AF_IBI_STD_MS], 0, 100)) +
                  0.15f * clip01(v[MOOD_AF_TEMPO_CONFIDENCE]);
    v[MOOD_AF_ENERGY] = clip01(energy);
    v[MOOD_AF_AROUSAL] = clip01(arousal);
    v[MOOD_AF_VALENCE] = clip01(valence);
    v[MOOD_AF_DANCEABILITY] = clip01(dance);
    v[MOOD_AF_ACOUSTICNESS] = clip01(0.5 * (double)v[MOOD_AF_HARMONIC_RATIO] +
                                     0.25 * (1.0 - (double)lin(v[MOOD_AF_FLATNESS_MEAN], 0, 0.3)) +
                                     0.25 * (1.0 - (double)bright));
    v[MOOD_AF_INSTRUMENTALNESS] = clip01(1.0 - (double)v[MOOD_AF_VOICED_RATIO]);
    snprintf(r->mood_label, sizeof r->mood_label, "%s & %s",
             v[MOOD_AF_AROUSAL] >= 0.5f ? "energetic" : "calm",
             v[MOOD_AF_VALENCE] >= 0.5f ? "positive" : "dark");

    /* Similarity vector (raw; the library standardises each dimension over the catalog).
     * Scales are compressed where a descriptor spans orders of magnitude. */
    size_t k = 0;
    float *s = r->sim;
    for (int c = 1; c < MOOD_AUDIO_N_MFCC; c++)
        s[k++] = r->mfcc_mean[c];
    for (int c = 1; c < MOOD_AUDIO_N_MFCC; c++)
        s[k++] = r->mfcc_std[c];
    for (int c = 0; c < 12; c++)
        s[k++] = r->chroma[c];
    const float base[N_BASE] = {
        log2f(v[MOOD_AF_CENTROID_MEAN] + 1.0f),
        log2f(v[MOOD_AF_BANDWIDTH_MEAN] + 1.0f),
        log2f(v[MOOD_AF_ROLLOFF_MEAN] + 1.0f),
        log10f(v[MOOD_AF_FLATNESS_MEAN] + 1e-6f),
        v[MOOD_AF_CONTRAST_MEAN],
        v[MOOD_AF_ZCR_MEAN],
        v[MOOD_AF_CENTROID_STD] / (v[MOOD_AF_CENTROID_MEAN] + 1.0f),
        v[MOOD_AF_FLATNESS_STD],
        v[MOOD_AF_TEMPO_BPM] > 0 ? log2f(v[MOOD_AF_TEMPO_BPM]) : 0.0f,
        v[MOOD_AF_TEMPO_CONFIDENCE],
        v[MOOD_AF_BEAT_STRENGTH],
        v[MOOD_AF_ONSET_RATE],
        v[MOOD_AF_SWING_RATIO],
        log2f(v[MOOD_AF_IBI_STD_MS] + 1.0f),
        v[MOOD_AF_TEMPOGRAM_RATIO_2],
        v[MOOD_AF_DANCEABILITY],
        v[MOOD_AF_LOUDNESS_LUFS],
        v[MOOD_AF_LOUDNESS_RANGE_LU],
        v[MOOD_AF_CREST_FACTOR_DB],
        v[MOOD_AF_DYNAMIC_CONTRAST_DB],
        v[MOOD_AF_RMS_STD_DB],
        v[MOOD_AF_BASS_SHARE],
        v[MOOD_AF_MID_SHARE],
        v[MOOD_AF_TREBLE_SHARE],
        v[MOOD_AF_HARMONIC_RATIO],
        v[MOOD_AF_VOICED_RATIO],
        v[MOOD_AF_STEREO_WIDTH],
        modality,
        v[MOOD_AF_CHROMA_CLARITY],
        v[MOOD_AF_TONAL_TENSION],
    };
    for (size_t b = 0; b < N_BASE && k < MOOD_AUDIO_SIM_DIMS; b++)
        s[k++] = isfinite(base[b]) ? base[b] : 0.0f;
    while (k < MOOD_AUDIO_SIM_DIMS)
        s[k++] = 0.0f;
}
