/*
 * The analyser object, the per-track result and its JSON report (jansson).
 */
#include "audio_internal.h"

#include "../core/internal.h"

#include <jansson.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/log.h>
#include <libswresample/swresample.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const feature_names[] = {
#define MOOD_AF_NAME(id, name, section) name,
    MOOD_AUDIO_FEATURES(MOOD_AF_NAME)
#undef MOOD_AF_NAME
};
static const char *const feature_sections[] = {
#define MOOD_AF_SECTION(id, name, section) section,
    MOOD_AUDIO_FEATURES(MOOD_AF_SECTION)
#undef MOOD_AF_SECTION
};

const char *mood_audio_feature_name(mood_audio_feature f)
{
    return (unsigned)f < MOOD_AF_COUNT ? feature_names[f] : NULL;
}

const char *mood_audio_feature_section(mood_audio_feature f)
{
    return (unsigned)f < MOOD_AF_COUNT ? feature_sections[f] : NULL;
}

void mood_audio_options_default(mood_audio_options *o)
{
    o->analysis_rate_hz = 22050;
    o->with_true_peak = 1;
}

mood_status mood_audio_analyzer_create(const mood_audio_options *o, mood_audio_analyzer **out)
{
    mood_audio_analyzer *az;
    mood_status s;
    *out = NULL;
    mood_audio_options def;
    mood_audio_options_default(&def);
    if (!o)
        o = &def;
    if (o->analysis_rate_hz < 8000 || o->analysis_rate_hz > 48000)
        return mood__error(MOOD_EINVAL, "audio: analysis rate %d Hz outside 8000..48000",
                           o->analysis_rate_hz);
    /* FFmpeg logs to stderr by default; the library never prints, so silence it. */
    av_log_set_level(AV_LOG_QUIET);
    az = mood__calloc(1, sizeof *az);
    if (!az)
        return mood__enomem("audio: analyser");
    az->opt = *o;
    az->rate = o->analysis_rate_hz;
    az->onset_gamma = 70.0f; /* set on the drum patterns of bench/audio */
    s = mood__stft_setup(az);
    if (s != MOOD_OK) {
        mood_audio_analyzer_destroy(az);
        return s;
    }
    *out = az;
    return MOOD_OK;
}

void mood_audio_analyzer_destroy(mood_audio_analyzer *az)
{
    if (!az)
        return;
    mood__frames_release(az);
    mood__stft_teardown(az);
    mood__free(az);
}

void mood_audio_result_destroy(mood_audio_result *r)
{
    if (!r)
        return;
    mood__free(r->beats);
    mood__free(r->downbeats);
    mood__free(r->curve);
    mood__free(r->chords);
    mood__free(r->keysegs);
    mood__free(r);
}

static mood_status finish(mood_audio_analyzer *az, mood_audio_result *r, mood_audio_result **out)
{
    mood_status s = mood__frames_finish(az, r);
    mood__frames_release(az);
    if (s != MOOD_OK) {
        mood_audio_result_destroy(r);
        return s;
    }
    *out = r;
    return MOOD_OK;
}

mood_status mood_audio_analyze_file(mood_audio_analyzer *az, const char *path,
                                    mood_audio_result **out)
{
    mood_status s;
    *out = NULL;
    if (!az || !path)
        return mood__error(MOOD_EINVAL, "audio: NULL analyser or path");
    mood_audio_result *r = mood__calloc(1, sizeof *r);
    if (!r)
        return mood__enomem("audio: result");
    s = mood__decode_file(az, path, &r->info);
    if (s != MOOD_OK) {
        mood__frames_release(az);
        mood_audio_result_destroy(r);
        return s;
    }
    s = finish(az, r, out);
    if (s != MOOD_OK)
        return mood__error_context(s, "%s", path);
    return MOOD_OK;
}

mood_status mood_audio_analyze_file_sampled(mood_audio_analyzer *az, const char *path,
                                            size_t n_windows, double window_s, uint64_t seed,
                                            mood_audio_result **out)
{
    mood_status s;
    an_sample sm;
    *out = NULL;
    if (!az || !path)
        return mood__error(MOOD_EINVAL, "audio: NULL analyser or path");
    if (n_windows == 0 || n_windows > MOOD_AUDIO_MAX_WINDOWS || !(window_s >= 5))
        return mood__error(MOOD_EINVAL,
                           "audio: %zu windows of %g s (expected 1..%d windows of at least 5 s)",
                           n_windows, window_s, MOOD_AUDIO_MAX_WINDOWS);
    memset(&sm, 0, sizeof sm);
    sm.n = n_windows;
    sm.win_s = window_s;
    sm.seed = seed;
    mood_audio_result *r = mood__calloc(1, sizeof *r);
    if (!r)
        return mood__enomem("audio: result");
    if ((s = mood__decode_file_sampled(az, path, &r->info, &sm)) != MOOD_OK) {
        mood__frames_release(az);
        mood_audio_result_destroy(r);
        return s;
    }
    if ((s = finish(az, r, out)) != MOOD_OK)
        return mood__error_context(s, "%s", path);
    mood__sample_finish(&sm, *out);
    return MOOD_OK;
}

mood_status mood_audio_analyze_pcm(mood_audio_analyzer *az, const float *pcm, size_t n_frames,
                                   int channels, int sample_rate_hz, const mood_audio_info *info,
                                   mood_audio_result **out)
{
    mood_status s;
    *out = NULL;
    if (!az || !pcm)
        return mood__error(MOOD_EINVAL, "audio: NULL analyser or samples");
    if (channels < 1 || channels > 8)
        return mood__error(MOOD_EINVAL, "audio: %d channels outside 1..8", channels);
    if (sample_rate_hz < 8000 || sample_rate_hz > 384000)
        return mood__error(MOOD_EINVAL, "audio: sample rate %d Hz outside 8000..384000",
                           sample_rate_hz);
    if ((double)n_frames < sample_rate_hz)
        return mood__error(MOOD_EINVAL, "audio: %zu frames is shorter than 1 s", n_frames);
    mood_audio_result *r = mood__calloc(1, sizeof *r);
    if (!r)
        return mood__enomem("audio: result");
    if (info)
        r->info = *info;
    r->info.sample_rate_hz = sample_rate_hz;
    r->info.channels = channels;
    if (!r->info.codec[0])
        snprintf(r->info.codec, sizeof r->info.codec, "pcm_f32");
    /* More than two channels: fold odd channels left and even channels right, block-wise. */
    int out_ch = channels >= 2 ? 2 : 1;
    s = mood__frames_begin(az, sample_rate_hz, out_ch);
    if (s != MOOD_OK)
        goto fail;
    if (channels <= 2) {
        const size_t blk = 8192;
        for (size_t i = 0; i < n_frames && s == MOOD_OK; i += blk)
            s = mood__frames_push(az, pcm + i * (size_t)channels,
                                  n_frames - i < blk ? n_frames - i : blk);
    } else {
        float buf[2 * 1024];
        for (size_t i = 0; i < n_frames && s == MOOD_OK;) {
            size_t k = n_frames - i < 1024 ? n_frames - i : 1024;
            for (size_t j = 0; j < k; j++) {
                float l = 0, rr = 0;
                for (int c = 0; c < channels; c++) {
                    float x = pcm[(i + j) * (size_t)channels + (size_t)c];
                    if (c % 2 == 0)
                        l += x;
                    else
                        rr += x;
                }
                buf[2 * j] = l / (float)((channels + 1) / 2);
                buf[2 * j + 1] = rr / (float)(channels / 2);
            }
            s = mood__frames_push(az, buf, k);
            i += k;
        }
    }
    if (s != MOOD_OK)
        goto fail;
    return finish(az, r, out);
fail:
    mood__frames_release(az);
    mood_audio_result_destroy(r);
    return s;
}

const mood_audio_info *mood_audio_result_info(const mood_audio_result *r)
{
    return &r->info;
}

const float *mood_audio_result_values(const mood_audio_result *r)
{
    return r->values;
}

const float *mood_audio_result_sim(const mood_audio_result *r)
{
    return r->sim;
}

const float *mood_audio_result_chroma(const mood_audio_result *r)
{
    return r->chroma;
}

const char *mood_audio_result_camelot(const mood_audio_result *r)
{
    return r->camelot;
}

const char *mood_audio_result_key_name(const mood_audio_result *r)
{
    return r->key_name;
}

const char *mood_audio_result_mood_label(const mood_audio_result *r)
{
    return r->mood_label;
}

const float *mood_audio_result_beats(const mood_audio_result *r, size_t *out_n)
{
    *out_n = r->n_beats;
    return r->beats;
}

const float *mood_audio_result_downbeats(const mood_audio_result *r, size_t *out_n)
{
    *out_n = r->n_downbeats;
    return r->downbeats;
}

const char *mood_audio_result_meter(const mood_audio_result *r)
{
    return r->meter;
}

const mood_tempo_segment *mood_audio_result_tempo_curve(const mood_audio_result *r, size_t *out_n)
{
    *out_n = r->n_curve;
    return r->curve;
}

const mood_key_segment *mood_audio_result_key_segments(const mood_audio_result *r, size_t *out_n)
{
    *out_n = r->n_keysegs;
    return r->keysegs;
}

const char *mood_audio_result_key_alt_name(const mood_audio_result *r)
{
    return r->key_alt_name;
}

const char *mood_audio_result_open_key(const mood_audio_result *r)
{
    return r->open_key;
}

/* A JSON real rounded to 4 significant decimals; NaN/inf become null (JSON has neither). */
static json_t *num(double x)
{
    if (!isfinite(x))
        return json_null();
    return json_real(round(x * 1e4) / 1e4);
}

static json_t *farray(const float *x, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, num(x[i]));
    return a;
}

/* "sampling" (only in the report of a long file analysed from windows): sampled true, the
 * file's duration, the seconds analysed, the seed and the windows [[start_s, end_s], ...]. */
static json_t *sampling_json(const mood_audio_result *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "sampled", json_true());
    json_t *w = json_array();
    double analysed = 0;
    for (size_t k = 0; k < r->n_windows; k++) {
        json_t *pair = json_array();
        json_array_append_new(pair, json_real(round(r->windows[k].start_s * 1000) / 1000));
        json_array_append_new(pair, json_real(round(r->windows[k].end_s * 1000) / 1000));
        json_array_append_new(w, pair);
        analysed += r->windows[k].end_s - r->windows[k].start_s;
    }
    json_object_set_new(o, "file_duration_s", json_real(r->file_duration_s));
    json_object_set_new(o, "analysed_s", json_real(round(analysed * 1000) / 1000));
    json_object_set_new(o, "seed",
                        json_integer((json_int_t)(r->sample_seed & 0x7fffffffffffffffULL)));
    json_object_set_new(o, "windows_s", w);
    return o;
}

mood_status mood_audio_result_report(const mood_audio_result *r, const char *path, char **out)
{
    static const char *const sections[] = {"metadata", "rhythm", "tonal",           "dynamics",
                                           "spatial",  "timbre", "instrumentation", "mood"};
    const mood_audio_info *in = &r->info;
    json_t *root = json_object(), *sec[8];
    char libs[256];
    *out = NULL;
    if (!root)
        return mood__enomem("report");
    for (int i = 0; i < 8; i++) {
        sec[i] = json_object();
        json_object_set_new(root, sections[i], sec[i]);
    }
    json_object_set_new(root, "analysis_version", json_integer(MOOD_AUDIO_ANALYSIS_VERSION));
    json_object_set_new(root, "moodscope_version", json_string(mood_version()));
    snprintf(libs, sizeof libs,
             "libavformat %s, libavcodec %s, libswresample %s, FFTW %s, "
             "jansson %s; BS.1770 meter: moodscope (checked against libebur128)",
             AV_STRINGIFY(LIBAVFORMAT_VERSION), AV_STRINGIFY(LIBAVCODEC_VERSION),
             AV_STRINGIFY(LIBSWRESAMPLE_VERSION), fftwf_version, JANSSON_VERSION);
    json_object_set_new(root, "libraries", json_string(libs));
    json_object_set_new(root, "analysis_rate_hz", json_integer(r->analysis_rate_hz));
    if (r->sampled)
        json_object_set_new(root, "sampling", sampling_json(r));
    if (path)
        json_object_set_new(sec[0], "path", json_string(path));
    json_object_set_new(sec[0], "title", json_string(in->title));
    json_object_set_new(sec[0], "artist", json_string(in->artist));
    json_object_set_new(sec[0], "album", json_string(in->album));
    json_object_set_new(sec[0], "genre", json_string(in->genre));
    json_object_set_new(sec[0], "year", json_integer(in->year));
    json_object_set_new(sec[0], "track", json_integer(in->track_no));
    json_object_set_new(sec[0], "codec", json_string(in->codec));
    for (int f = 0; f < MOOD_AF_COUNT; f++) {
        for (int i = 0; i < 8; i++)
            if (strcmp(feature_sections[f], sections[i]) == 0)
                json_object_set_new(sec[i], feature_names[f], num(r->values[f]));
    }
    /* Rhythm details. */
    json_t *peaks = json_array();
    for (int i = 0; i < 3; i++)
        if (r->peak_bpm[i] > 0) {
            json_t *p = json_object();
            json_object_set_new(p, "bpm", num(r->peak_bpm[i]));
            json_object_set_new(p, "strength", num(r->peak_val[i]));
            json_array_append_new(peaks, p);
        }
    json_object_set_new(sec[1], "tempogram_peaks", peaks);
    json_object_set_new(sec[1], "beats_s", farray(r->beats, r->n_beats));
    json_object_set_new(sec[1], "meter", json_string(r->meter));
    json_object_set_new(sec[1], "downbeats_s", farray(r->downbeats, r->n_downbeats));
    json_t *curve = json_array();
    for (size_t i = 0; i < r->n_curve; i++) {
        json_t *c = json_object();
        json_object_set_new(c, "start_s", num(r->curve[i].start_s));
        json_object_set_new(c, "bpm", num(r->curve[i].bpm));
        json_array_append_new(curve, c);
    }
    json_object_set_new(sec[1], "tempo_curve", curve);
    /* Tonal details. */
    json_object_set_new(sec[2], "key", json_string(r->key_name));
    json_object_set_new(sec[2], "camelot", json_string(r->camelot));
    json_object_set_new(sec[2], "open_key", json_string(r->open_key));
    json_object_set_new(sec[2], "key_alt", json_string(r->key_alt_name));
    json_object_set_new(sec[2], "chroma", farray(r->chroma, 12));
    json_t *chords = json_array();
    for (size_t i = 0; i < r->n_chords; i++) {
        char name[8] = "N";
        json_t *c = json_object();
        if (r->chords[i].root >= 0)
            snprintf(name, sizeof name, "%s%s", mood__pitch_class_name(r->chords[i].root),
                     r->chords[i].quality ? "" : "m");
        json_object_set_new(c, "start_s", num(r->chords[i].start_s));
        json_object_set_new(c, "end_s", num(r->chords[i].end_s));
        json_object_set_new(c, "chord", json_string(name));
        json_array_append_new(chords, c);
    }
    json_object_set_new(sec[2], "chords", chords);
    json_t *keys = json_array();
    for (size_t i = 0; i < r->n_keysegs; i++) {
        char name[16];
        json_t *k = json_object();
        mood__key_name(r->keysegs[i].key_index, r->keysegs[i].mode, name, sizeof name);
        json_object_set_new(k, "start_s", num(r->keysegs[i].start_s));
        json_object_set_new(k, "key", json_string(name));
        json_object_set_new(
            k, "camelot",
            json_string(mood_audio_camelot(r->keysegs[i].key_index, r->keysegs[i].mode)));
        json_object_set_new(k, "confidence", num(r->keysegs[i].confidence));
        json_array_append_new(keys, k);
    }
    json_object_set_new(sec[2], "key_segments", keys);
    /* Timbre details. */
    json_object_set_new(sec[5], "mfcc_mean", farray(r->mfcc_mean, MOOD_AUDIO_N_MFCC));
    json_object_set_new(sec[5], "mfcc_std", farray(r->mfcc_std, MOOD_AUDIO_N_MFCC));
    json_object_set_new(sec[5], "mfcc_cov",
                        farray(r->mfcc_cov, MOOD_AUDIO_N_MFCC * MOOD_AUDIO_N_MFCC));
    json_object_set_new(sec[5], "contrast_bands_db", farray(r->contrast_bands, AN_NCONTRAST));
    json_object_set_new(sec[4], "mono", json_boolean(r->values[MOOD_AF_IS_MONO] > 0.5f));
    json_object_set_new(sec[7], "label", json_string(r->mood_label));
    json_t *sim = json_object();
    for (size_t i = 0; i < MOOD_AUDIO_SIM_DIMS; i++)
        json_object_set_new(sim, mood_audio_sim_dim_name(i), num(r->sim[i]));
    json_object_set_new(root, "similarity_raw", sim);
    char *text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(7));
    json_decref(root);
    if (!text)
        return mood__enomem("report");
    *out = mood__strdup(text);
    free(text);
    return *out ? MOOD_OK : mood__enomem("report");
}
