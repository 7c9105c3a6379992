/*
 * The DJ transition: B is time-stretched to A's tempo (or half/double it) with Rubber Band's
 * offline engine, which keeps the pitch; the crossfade starts on one of A's beats, late enough
 * that `beats` beats of A still follow, and B enters on its own first beat so that the two beat
 * grids coincide through the fade; the gains are cos/sin of a quarter turn, so the summed power
 * of two uncorrelated tracks stays constant (equal-power crossfade).
 *
 * Beats come from the catalog's tempo when given, else from a small estimator: a half-wave
 * rectified log-energy flux (5.8 ms frames), its autocorrelation over 60-180 BPM weighted by
 * a log-normal preference around 120 BPM (the octave choice of Ellis, "Beat tracking by dynamic
 * programming", 2007), and the phase that puts the most onset strength on the beat grid.
 */
#include "../core/internal.h"
#include "mix_internal.h"

#include <moodscope/mix.h>

#include <math.h>
#include <rubberband/rubberband-c.h>
#include <string.h>

enum { HOP = 256 };

void mood_mix_options_default(mood_mix_options *o)
{
    memset(o, 0, sizeof *o);
    o->beats = 16;
    o->tempo_a_bpm = NAN;
    o->tempo_b_bpm = NAN;
    o->match_tempo = 1;
    o->sample_rate_hz = 44100;
}

/* Onset strength per HOP-sample frame; returns the frame count. */
static mood_status onset_envelope(const float *x, size_t frames, float **out, size_t *out_n)
{
    size_t n = frames / HOP;
    float *e = mood__malloc_array(n ? n : 1, sizeof *e);
    float *o = mood__calloc(n ? n : 1, sizeof *o);
    if (!e || !o) {
        mood__free(e);
        mood__free(o);
        return mood__enomem("beats");
    }
    for (size_t t = 0; t < n; t++) {
        double acc = 0.0;
        for (size_t i = t * HOP; i < (t + 1) * HOP; i++) {
            double m = 0.5 * ((double)x[2 * i] + (double)x[2 * i + 1]);
            acc += m * m;
        }
        e[t] = (float)log(1e-10 + acc / HOP);
    }
    for (size_t t = 1; t < n; t++)
        o[t] = MOOD_MAX(0.0f, e[t] - e[t - 1]);
    /* remove the slowly varying part so that loud passages do not dominate */
    {
        size_t w = 86; /* about half a second each side */
        double run = 0.0;
        float *tmp = e;
        for (size_t t = 0; t < n; t++) {
            size_t lo = t > w ? t - w : 0, hi = MOOD_MIN(n - 1, t + w);
            if (t == 0)
                for (size_t i = lo; i <= hi; i++)
                    run += (double)o[i];
            else {
                if (t + w < n)
                    run += (double)o[t + w];
                if (t > w)
                    run -= (double)o[t - w - 1];
            }
            tmp[t] = (float)MOOD_MAX(0.0, (double)o[t] - run / (double)(hi - lo + 1));
        }
        memcpy(o, tmp, n * sizeof *o);
    }
    mood__free(e);
    *out = o;
    *out_n = n;
    return MOOD_OK;
}

/*
 * The beat grid (period and phase, in frames) that puts the most onset strength on its beats:
 * the period is refined within ±1% of the autocorrelation's (a small period error would drift
 * the grid by a whole beat over a song) and the phase searched in quarter frames.
 */
static double best_grid(const float *o, size_t n, double *period, int refine)
{
    double best = 0.0, best_s = -1.0, best_p = *period;
    double p0 = *period, lo = refine ? 0.99 * p0 : p0, hi = refine ? 1.01 * p0 : p0;
    for (double p = lo; p <= hi + 1e-9; p += refine ? 0.02 : 1.0) {
        for (double ph = 0.0; ph < p; ph += 0.25) {
            double s = 0.0;
            for (double t = ph; t < (double)n; t += p) {
                size_t i = (size_t)lround(t);
                if (i < n)
                    s += (double)o[i];
            }
            if (s > best_s) {
                best_s = s;
                best = ph;
                best_p = p;
            }
        }
    }
    *period = best_p;
    return best;
}

static mood_status estimate(const float *x, size_t frames, int rate, double given_bpm,
                            double *out_bpm, double *out_first)
{
    float *o = NULL;
    size_t n = 0;
    double fps = (double)rate / HOP, bpm = given_bpm, period;
    mood_status st;
    if (frames < 4 * (size_t)rate)
        return mood__error(MOOD_EINVAL, "beats: %.1f s of audio is too short to find the beat",
                           (double)frames / rate);
    st = onset_envelope(x, frames, &o, &n);
    if (st != MOOD_OK)
        return st;
    if (!(bpm > 0.0)) {
        size_t lo = (size_t)floor(60.0 * fps / 180.0), hi = (size_t)ceil(60.0 * fps / 60.0);
        double best = -1.0, r_prev = 0.0, r_best_prev = 0.0, r_best_next = 0.0;
        size_t best_lag = lo;
        for (size_t lag = lo; lag <= hi + 1 && lag < n; lag++) {
            double r = 0.0, b = 60.0 * fps / (double)lag, w;
            for (size_t t = lag; t < n; t++)
                r += (double)o[t] * (double)o[t - lag];
            r /= (double)(n - lag);
            w = exp(-0.5 * pow(log2(b / 120.0) / 1.0, 2.0));
            if (lag <= hi && r * w > best) {
                best = r * w;
                best_lag = lag;
                r_best_prev = r_prev;
                r_best_next = -1.0;
            } else if (lag == best_lag + 1) {
                r_best_next = r;
            }
            r_prev = r;
        }
        period = (double)best_lag;
        /* parabolic refinement of the peak between frames */
        if (r_best_next >= 0.0 && best_lag > lo) {
            double r0 = r_best_prev, r2 = r_best_next, r1;
            double acc = 0.0;
            for (size_t t = best_lag; t < n; t++)
                acc += (double)o[t] * (double)o[t - best_lag];
            r1 = acc / (double)(n - best_lag);
            if (2.0 * r1 - r0 - r2 > 0.0)
                period += 0.5 * (r0 - r2) / (r0 - 2.0 * r1 + r2);
        }
        bpm = 60.0 * fps / period;
    }
    period = 60.0 * fps / bpm;
    {
        /* a frame's onset marks a rise inside it: its centre is the best guess of the beat */
        double ph = best_grid(o, n, &period, !(given_bpm > 0.0));
        *out_first = (ph + 0.5) * HOP / (double)rate;
    }
    *out_bpm = 60.0 * fps / period;
    mood__free(o);
    return MOOD_OK;
}

mood_status mood_mix_estimate_beats(const float *x, size_t frames, int rate_hz, double *out_bpm,
                                    double *out_first_beat_s)
{
    return estimate(x, frames, rate_hz, NAN, out_bpm, out_first_beat_s);
}

/* Rubber Band, offline: study the whole input, then process it, keeping the pitch. */
static mood_status stretch(const mood__audio *in, double ratio, mood__audio *out)
{
    enum { CHUNK = 8192 };
    RubberBandState rb;
    float *lr[2], *ol[2];
    size_t expect = (size_t)ceil((double)in->frames * ratio) + CHUNK;
    mood_status st = MOOD_OK;
    memset(out, 0, sizeof *out);
    out->rate = in->rate;
    lr[0] = mood__malloc_array(CHUNK, sizeof(float));
    lr[1] = mood__malloc_array(CHUNK, sizeof(float));
    ol[0] = mood__malloc_array(CHUNK, sizeof(float));
    ol[1] = mood__malloc_array(CHUNK, sizeof(float));
    out->x = mood__malloc_array(expect * 2, sizeof(float));
    out->cap = expect;
    /* no worker threads: with them, output can still be pending when available() says 0 */
    rb =
        rubberband_new((unsigned)in->rate, 2,
                       RubberBandOptionProcessOffline | RubberBandOptionThreadingNever, ratio, 1.0);
    if (!lr[0] || !lr[1] || !ol[0] || !ol[1] || !out->x || !rb) {
        st = mood__enomem("stretch");
        goto done;
    }
    rubberband_set_expected_input_duration(rb, (unsigned)in->frames);
    rubberband_set_max_process_size(rb, CHUNK);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t pos = 0; pos < in->frames; pos += CHUNK) {
            size_t n = MOOD_MIN((size_t)CHUNK, in->frames - pos);
            int final = pos + n >= in->frames;
            for (size_t i = 0; i < n; i++) {
                lr[0][i] = in->x[2 * (pos + i)];
                lr[1][i] = in->x[2 * (pos + i) + 1];
            }
            if (pass == 0) {
                rubberband_study(rb, (const float *const *)lr, (unsigned)n, final);
                continue;
            }
            rubberband_process(rb, (const float *const *)lr, (unsigned)n, final);
            for (int avail; (avail = rubberband_available(rb)) > 0;) {
                unsigned got = rubberband_retrieve(rb, ol, (unsigned)MOOD_MIN(avail, CHUNK));
                if (out->frames + got > out->cap) {
                    size_t cap = 2 * (out->frames + got);
                    float *nb = mood__realloc(out->x, cap * 2 * sizeof(float));
                    if (!nb) {
                        st = mood__enomem("stretch");
                        goto done;
                    }
                    out->x = nb;
                    out->cap = cap;
                }
                for (unsigned i = 0; i < got; i++) {
                    out->x[2 * (out->frames + i)] = ol[0][i];
                    out->x[2 * (out->frames + i) + 1] = ol[1][i];
                }
                out->frames += got;
            }
        }
    }
done:
    if (rb)
        rubberband_delete(rb);
    for (int c = 0; c < 2; c++) {
        mood__free(lr[c]);
        mood__free(ol[c]);
    }
    if (st != MOOD_OK)
        mood__audio_free(out);
    return st;
}

mood_status mood_mix_render(const char *path_a, const char *path_b, const mood_mix_options *o,
                            const char *out_path, mood_mix_info *info)
{
    mood_mix_options def;
    mood__audio a, b, bs, mix;
    double first_a, first_b, beat_s, target, xfade_s, t_start, b_off_s, len_a;
    size_t t0, xf, boff;
    int rate;
    mood_status st;
    memset(info, 0, sizeof *info);
    memset(&bs, 0, sizeof bs);
    memset(&mix, 0, sizeof mix);
    memset(&b, 0, sizeof b);
    if (!o) {
        mood_mix_options_default(&def);
        o = &def;
    }
    if (o->beats == 0 || o->sample_rate_hz < 8000)
        return mood__error(MOOD_EINVAL, "mix: beats=%zu and rate=%d Hz are out of range", o->beats,
                           o->sample_rate_hz);
    rate = o->sample_rate_hz;
    st = mood__audio_decode(path_a, rate, &a);
    if (st != MOOD_OK)
        return st;
    st = mood__audio_decode(path_b, rate, &b);
    if (st == MOOD_OK)
        st = estimate(a.x, a.frames, rate, (double)o->tempo_a_bpm, &info->tempo_a_bpm, &first_a);
    if (st == MOOD_OK)
        st = estimate(b.x, b.frames, rate, (double)o->tempo_b_bpm, &info->tempo_b_bpm, &first_b);
    if (st != MOOD_OK)
        goto done;
    info->a_duration_s = (double)a.frames / rate;
    info->b_duration_s = (double)b.frames / rate;
    /* B plays at A's tempo, or at double/half of it when that is the smaller change */
    target = info->tempo_a_bpm;
    if (fabs(info->tempo_b_bpm / (2.0 * target) - 1.0) < fabs(info->tempo_b_bpm / target - 1.0))
        target *= 2.0;
    else if (fabs(info->tempo_b_bpm / (0.5 * target) - 1.0) <
             fabs(info->tempo_b_bpm / target - 1.0))
        target *= 0.5;
    info->stretch = o->match_tempo ? info->tempo_b_bpm / target : 1.0;
    info->tempo_b_out_bpm = info->tempo_b_bpm / info->stretch;
    if (fabs(info->stretch - 1.0) > 1e-4) {
        st = stretch(&b, info->stretch, &bs);
        if (st != MOOD_OK)
            goto done;
    } else {
        bs = b;
        memset(&b, 0, sizeof b);
    }
    beat_s = 60.0 / info->tempo_a_bpm;
    xfade_s = (double)o->beats * beat_s;
    len_a = info->a_duration_s - (double)o->tail_s;
    b_off_s = first_b * info->stretch;
    /* the last beat of A that still leaves the whole crossfade inside A */
    if (first_a + xfade_s > len_a) {
        st = mood__error(MOOD_EINVAL,
                         "mix: %s lasts %.1f s, too short for a %zu-beat crossfade (%.1f s)",
                         path_a, len_a, o->beats, xfade_s);
        goto done;
    }
    t_start = first_a + floor((len_a - xfade_s - first_a) / beat_s) * beat_s;
    t0 = (size_t)llround(t_start * rate);
    xf = (size_t)llround(xfade_s * rate);
    boff = (size_t)llround(b_off_s * rate);
    if (boff + xf > bs.frames) {
        st = mood__error(MOOD_EINVAL, "mix: %s is shorter than the crossfade after its first beat",
                         path_b);
        goto done;
    }
    mix.rate = rate;
    mix.frames = t0 + (bs.frames - boff);
    mix.x = mood__malloc_array(mix.frames * 2, sizeof *mix.x);
    if (!mix.x) {
        st = mood__enomem("mix");
        goto done;
    }
    memcpy(mix.x, a.x, t0 * 2 * sizeof *mix.x);
    for (size_t i = 0; i < xf; i++) {
        double u = ((double)i + 0.5) / (double)xf;
        float ga = (float)cos(0.5 * M_PI * u), gb = (float)sin(0.5 * M_PI * u);
        for (int c = 0; c < 2; c++)
            mix.x[2 * (t0 + i) + c] = ga * a.x[2 * (t0 + i) + c] + gb * bs.x[2 * (boff + i) + c];
    }
    memcpy(mix.x + 2 * (t0 + xf), bs.x + 2 * (boff + xf),
           (bs.frames - boff - xf) * 2 * sizeof *mix.x);
    info->transition_s = (double)t0 / rate;
    info->crossfade_s = (double)xf / rate;
    info->b_offset_s = (double)boff / rate;
    info->duration_s = (double)mix.frames / rate;
    st = mood__audio_encode(&mix, out_path);
done:
    mood__audio_free(&a);
    mood__audio_free(&b);
    mood__audio_free(&bs);
    mood__audio_free(&mix);
    return st;
}
