/*
 * Resource limits of analysis workers: the container's declared duration read without
 * decoding (for --max-duration and --max-memory), the memory estimate of one analysis, and the
 * load-average pause.
 */
#include "library_internal.h"

#include "../core/internal.h"

#include <libavformat/avformat.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

mood_status mood__audio_probe_duration(const char *path, double *out_s)
{
    AVFormatContext *fc = NULL;
    *out_s = 0;
    if (avformat_open_input(&fc, path, NULL, NULL) < 0)
        return mood__error(MOOD_EIO, "%s: cannot open", path);
    if (fc->duration <= 0 && avformat_find_stream_info(fc, NULL) < 0) {
        avformat_close_input(&fc);
        return mood__error(MOOD_EFORMAT, "%s: no stream information", path);
    }
    if (fc->duration > 0)
        *out_s = (double)fc->duration / AV_TIME_BASE;
    avformat_close_input(&fc);
    return MOOD_OK;
}

/*
 * Peak memory of analysing @p duration_s of audio at @p rate_hz: the mono signal and its
 * harmonic/percussive copies (4 bytes a sample, 3 copies) plus the spectrogram frames kept for
 * the track (about 2 floats per sample at hop 512, 1025 bins) and a fixed 64 MB for plans,
 * decoder and report: roughly 20 bytes per analysed sample. Measured peaks on 5-minute tracks
 * stay below this estimate.
 */
double mood__analysis_memory_mb(double duration_s, int rate_hz)
{
    return 64.0 + duration_s * (double)rate_hz * 20.0 / (1024.0 * 1024.0);
}

/* The windows of a sampled analysis under @p w: sample_windows windows of sample_window_s,
 * shortened so that they fit in max_duration_s together (at least 5 s each). */
static void sample_shape(const mood_worker_options *w, lib_sample_plan *plan)
{
    plan->n = w->sample_windows > 0 ? (size_t)w->sample_windows : 3;
    if (plan->n > MOOD_AUDIO_MAX_WINDOWS)
        plan->n = MOOD_AUDIO_MAX_WINDOWS;
    plan->window_s = w->sample_window_s >= 5 ? w->sample_window_s : 60;
    if (w->max_duration_s > 0 && (double)plan->n * plan->window_s > w->max_duration_s)
        plan->window_s = w->max_duration_s / (double)plan->n;
    if (plan->window_s < 5)
        plan->window_s = 5;
}

int mood__limits_check(const mood_worker_options *w, int rate_hz, const char *path, char *buf,
                       size_t cap, lib_sample_plan *plan)
{
    double d = 0;
    if (!w || (w->max_duration_s <= 0 && w->max_memory_mb <= 0))
        return LIB_LIMITS_WHOLE;
    if (mood__audio_probe_duration(path, &d) != MOOD_OK || d <= 0)
        return LIB_LIMITS_WHOLE; /* the analysis itself reports files it cannot read */
    int too_long = w->max_duration_s > 0 && d > w->max_duration_s;
    double mb = mood__analysis_memory_mb(d, rate_hz);
    int too_big = w->max_memory_mb > 0 && mb > w->max_memory_mb;
    if (!too_long && !too_big)
        return LIB_LIMITS_WHOLE;
    if (w->long_files == MOOD_LONG_FILES_SKIP) {
        if (too_long)
            snprintf(buf, cap, "skipped: %.0f s is longer than --max-duration %.0f s", d,
                     w->max_duration_s);
        else
            snprintf(buf, cap,
                     "refused: analysing %.0f s would need about %.0f MB, above --max-memory "
                     "%.0f MB",
                     d, mb, w->max_memory_mb);
        return LIB_LIMITS_REFUSE;
    }
    sample_shape(w, plan);
    double sampled_s = (double)plan->n * plan->window_s;
    double smb = mood__analysis_memory_mb(sampled_s, rate_hz);
    if (sampled_s >= d || (w->max_memory_mb > 0 && smb > w->max_memory_mb)) {
        snprintf(buf, cap,
                 "refused: analysing %.0f s would need about %.0f MB, above --max-memory %.0f MB "
                 "(%zu windows of %.0f s: about %.0f MB)",
                 d, mb, w->max_memory_mb, plan->n, plan->window_s, smb);
        return LIB_LIMITS_REFUSE;
    }
    return LIB_LIMITS_SAMPLE;
}

/* Wait while the 1-minute load average is above w->max_load; returns the pauses taken. */
int mood__limits_wait_load(const mood_worker_options *w)
{
    int pauses = 0;
    double la[1];
    while (w && w->max_load > 0 && getloadavg(la, 1) == 1 && la[0] > w->max_load &&
           !mood_cancel_requested()) {
        struct timespec ts = {1, 0};
        nanosleep(&ts, NULL);
        pauses++;
    }
    return pauses;
}
