/*
 * Rhythm from the onset-strength envelope (spectral flux of the log-mel spectrogram, one value
 * per hop), its low/high band split and the chroma rows. The stages:
 *  - harmonic rhythm: the period of the chord changes, when regular (rhythm_harmony.c);
 *  - tempogram (here): autocorrelation of the envelope in 12 s windows (hop 3 s); the global
 *    tempogram is their mean, local tempi are the per-window peaks;
 *  - metrical level and its rejected alternative (rhythm_level.c), decided again on each half
 *    of a song whose tempo changes (here);
 *  - beats by dynamic programming at the local period, the tempo curve (rhythm_beats.c);
 *  - compound metre, swing, beats per bar and downbeats (rhythm_meter.c);
 *  - micro-timing, inter-beat-interval spread, beat strength and onset rate (here).
 */
#include "audio_internal.h"

#include "../core/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MIN_BPM    50.0
#define MAX_BPM    210.0
#define LOW_WEIGHT 0.3f /* weight of the low band in the tracking envelope */
#define CHANGE_MIN 1.06 /* local/global period ratio that counts as another tempo */
#define CHANGE_RUN 2    /* consecutive windows at another tempo that make a tempo change */

/* Peak lag of g·prior in [lo, hi] with parabolic refinement; returns 0 when none. */
static double best_lag(const double *g, size_t nl, double lo, double hi, double fr)
{
    double best = -HUGE_VAL;
    size_t bi = 0;
    for (size_t l = (size_t)ceil(lo); l <= (size_t)hi && l + 1 < nl; l++) {
        double sc = g[l] * mood__tempo_prior(60.0 * fr / (double)l);
        if (sc > best && g[l] >= g[l - 1] && g[l] >= g[l + 1]) {
            best = sc;
            bi = l;
        }
    }
    if (bi == 0)
        return 0;
    double a = g[bi - 1], b = g[bi], c = g[bi + 1], den = a - 2 * b + c, sh = 0;
    if (fabs(den) > 1e-12)
        sh = 0.5 * (a - c) / den;
    if (sh > 0.5 || sh < -0.5)
        sh = 0;
    return (double)bi + sh;
}

/* Normalised envelope: mean removed, negative parts clipped, unit standard deviation. */
static void normalise(const float *x, size_t n, float *o)
{
    double m = 0, v = 0;
    for (size_t i = 0; i < n; i++)
        m += (double)x[i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++)
        v += ((double)x[i] - m) * ((double)x[i] - m);
    double sd = sqrt(v / (double)n) + 1e-9;
    for (size_t i = 0; i < n; i++)
        o[i] = (double)x[i] > m ? (float)(((double)x[i] - m) / sd) : 0.0f;
}

int mood__window_acf(const float *o, size_t s, size_t e, double *a, size_t nl)
{
    size_t len = e - s;
    double m = 0;
    for (size_t i = s; i < e; i++)
        m += (double)o[i];
    m /= (double)len;
    for (size_t l = 0; l < nl; l++) {
        double acc = 0;
        const float *x = o + s;
        size_t lim = l < len ? len - l : 0;
#pragma omp simd reduction(+ : acc)
        for (size_t i = 0; i < lim; i++)
            acc += ((double)x[i] - m) * ((double)x[i + l] - m);
        a[l] = l < len ? acc / (double)(len - l) : 0;
    }
    if (a[0] <= 0)
        return 0;
    for (size_t l = nl; l-- > 0;)
        a[l] /= a[0];
    return 1;
}

/* Number of tempogram windows of @p win frames, hop @p hop, over @p n frames. */
static size_t window_count(size_t n, size_t win, size_t hop)
{
    size_t nwin = 1;
    for (size_t s = 0; s + win < n; s += hop)
        nwin++;
    return nwin;
}

/* Tempogram: the mean window ACF into @p g, each window's peak lag into @p local, and the mean
 * ACF of the first and the second half of the windows into @p gh (2·nl; a half without a
 * window is all zero). */
static void tempogram(const float *o, size_t n, double fr, size_t win, size_t hop, double *g,
                      double *a, size_t nl, double *local, double *gh, size_t *out_nwin)
{
    double lag_lo = 60.0 * fr / MAX_BPM, lag_hi = 60.0 * fr / MIN_BPM;
    size_t nwin = 0, nacc = 0, half = window_count(n, win, hop) / 2, cnt[2] = {0, 0};
    for (size_t s = 0;; s += hop) {
        size_t e = s + win < n ? s + win : n, h = nwin < half ? 0 : 1;
        local[nwin++] = 0;
        if (mood__window_acf(o, s, e, a, nl)) {
            for (size_t l = 0; l < nl; l++) {
                g[l] += a[l];
                gh[h * nl + l] += a[l];
            }
            local[nwin - 1] = best_lag(a, nl, lag_lo, lag_hi, fr);
            nacc++;
            cnt[h]++;
        }
        if (e == n)
            break;
    }
    for (size_t l = nacc ? nl : 0; l-- > 0;)
        g[l] /= (double)nacc;
    for (size_t h = 0; h < 2; h++)
        for (size_t l = cnt[h] ? nl : 0; l-- > 0;)
            gh[h * nl + l] /= (double)cnt[h];
    *out_nwin = nwin;
}

/* Each window's ACF peak within 35% of the global period @p P into @p near (0 when none): the
 * local tempo at the song's own metrical level, where a window's overall peak may sit at 3:2
 * or 4:3 of it in a steady song. */
static void near_peaks(const float *o, size_t n, size_t win, size_t hop, double P, double fr,
                       double *a, size_t nl, double *near)
{
    size_t w = 0;
    for (size_t s = 0;; s += hop) {
        size_t e = s + win < n ? s + win : n;
        near[w++] = mood__window_acf(o, s, e, a, nl) ? best_lag(a, nl, P / 1.35, P * 1.35, fr) : 0;
        if (e == n)
            break;
    }
}

/* Fold lag @p L by octaves to within a factor sqrt(2) of @p P. */
static double fold(double L, double P)
{
    while (L > P * 1.41)
        L /= 2;
    while (L < P / 1.41 && L > 0)
        L *= 2;
    return L;
}

/* Whether the local windows show a tempo change rather than scattered misreadings: a run of
 * CHANGE_RUN consecutive windows whose folded period departs from @p P by more than
 * CHANGE_MIN (and less than 35%), all on the same side. Following the local period in a steady
 * song lets the beat tracker wander to a wrong window's period, so only then is it followed. */
static int tempo_changes(const double *local, size_t nwin, double P)
{
    int run = 0, side = 0;
    for (size_t w = 0; w < nwin; w++) {
        double d = local[w] > 0 ? log(fold(local[w], P) / P) : 0;
        int s = fabs(d) > log(CHANGE_MIN) && fabs(d) < log(1.35) ? (d > 0 ? 1 : -1) : 0;
        run = s != 0 && s == side ? run + 1 : (s != 0);
        side = s;
        if (run >= CHANGE_RUN)
            return 1;
    }
    return 0;
}

/* Local tempo statistics and the per-frame period the beat tracker follows. */
static void local_tempo(const double *local, const double *near, size_t nwin, size_t win,
                        size_t hop, size_t n, double P, double fr, an_rhythm *out, double *period)
{
    an_stat ls = {0};
    double mn = HUGE_VAL, mx = 0;
    for (size_t w = 0; w < nwin; w++) {
        if (local[w] <= 0)
            continue;
        double bpm = 60.0 * fr / fold(local[w], P);
        mood__stat_add(&ls, bpm);
        mn = MOOD_MIN(mn, bpm);
        mx = MOOD_MAX(mx, bpm);
    }
    if (ls.n) {
        out->local_mean = (float)mood__stat_mean(&ls);
        out->local_std = (float)mood__stat_std(&ls);
        out->local_min = (float)mn;
        out->local_max = (float)mx;
    }
    /* Period at frame t: the window centred nearest, when within 35% of the global period and
     * the song changes tempo; a steady song is tracked at the global period throughout. */
    int follow = tempo_changes(near, nwin, P);
    for (size_t t = 0; t < n; t++) {
        size_t w = t > win / 2 ? (t - win / 2 + hop / 2) / hop : 0;
        w = MOOD_MIN(w, nwin - 1);
        double L = near[w] > 0 ? near[w] : P;
        period[t] = follow && fabs(log(L / P)) < log(1.35) ? L : P;
    }
}

/* The metrical level of each half of a song that changes tempo, on the tempogram of that
 * half's windows: a song that speeds up or slows down smears the global tempogram over two
 * periods, where each half alone is as clear as a steady song. When both halves pick the
 * level twice as fast as the global decision @p P, that level is taken. Only that way: on the
 * tuning songs the other direction changed nothing, and on the wesnoth music it halved one
 * track and moved the laments' group. @p a holds nl lags of scratch, @p gh 2·nl. Returns the
 * period. */
static double halves_level(const an_level_in *lin, const double *gh, double P, double rate)
{
    size_t nl = lin->nl;
    double fr = lin->fr;
    int vote[2] = {0, 0}; /* +1: this half's level is twice as fast as P, -1: half as fast */
    for (int h = 0; h < 2; h++) {
        const double *g = gh + (size_t)h * nl;
        double P0 = g[0] > 0 ? best_lag(g, nl, 60.0 * fr / MAX_BPM, 60.0 * fr / MIN_BPM, fr) : 0;
        if (P0 <= 0)
            return P;
        an_level_in lh = *lin;
        lh.g = g;
        an_rhythm tmp;
        memset(&tmp, 0, sizeof tmp);
        double Ph = mood__rhythm_level(&lh, P0, rate, &tmp);
        double r = P / Ph;
        vote[h] = fabs(log(r / 2.0)) < log(1.3) ? 1 : fabs(log(r * 2.0)) < log(1.3) ? -1 : 0;
    }
    return vote[0] == vote[1] && vote[0] > 0 ? P / 2.0 : P;
}

/* The three strongest tempogram peaks, 30-300 BPM. */
static void tempogram_peaks(const double *g, size_t nl, double fr, an_rhythm *out)
{
    size_t lo = (size_t)floor(60.0 * fr / 300.0), hi = (size_t)ceil(60.0 * fr / 30.0);
    for (size_t l = lo > 1 ? lo : 1; l <= hi && l + 1 < nl; l++) {
        if (!(g[l] > g[l - 1] && g[l] >= g[l + 1]) || g[l] <= 0)
            continue;
        float val = (float)g[l], bpm = (float)(60.0 * fr / (double)l);
        for (int k = 0; k < 3; k++) {
            if (val > out->peak_val[k]) {
                for (int j = 2; j > k; j--) {
                    out->peak_val[j] = out->peak_val[j - 1];
                    out->peak_bpm[j] = out->peak_bpm[j - 1];
                }
                out->peak_val[k] = val;
                out->peak_bpm[k] = bpm;
                break;
            }
        }
    }
    out->ratio2 = out->peak_bpm[1] > 0 ? out->peak_bpm[1] / out->tempo_bpm : 0.0f;
    out->ratio3 = out->peak_bpm[2] > 0 ? out->peak_bpm[2] / out->tempo_bpm : 0.0f;
}

/* Beat strength, inter-beat-interval spread and micro-timing from the beat frames. */
static void beat_stats(const float *o, size_t n, const size_t *b, size_t nb, double fr,
                       an_rhythm *out)
{
    double on_beats = 0, on_all = 0;
    for (size_t i = 0; i < n; i++)
        on_all += (double)o[i];
    for (size_t i = 0; i < nb; i++) {
        double m = o[b[i]];
        m = MOOD_MAX(m, b[i] > 0 ? (double)o[b[i] - 1] : 0.0);
        on_beats += MOOD_MAX(m, b[i] + 1 < n ? (double)o[b[i] + 1] : 0.0);
    }
    out->beat_strength =
        nb && on_all > 0 ? (float)((on_beats / (double)nb) / (on_all / (double)n)) : 0.0f;
    if (nb < 3)
        return;
    an_stat is = {0};
    double jit = 0;
    for (size_t i = 0; i + 1 < nb; i++)
        mood__stat_add(&is, 1000.0 * (double)(b[i + 1] - b[i]) / fr);
    for (size_t i = 1; i + 1 < nb; i++)
        jit += fabs((double)b[i] - 0.5 * (double)(b[i - 1] + b[i + 1])) / fr;
    out->ibi_std_ms = (float)mood__stat_std(&is);
    out->microtiming_ms = (float)(1000.0 * jit / (double)(nb - 2));
}

/* Onset rate: peaks of the envelope above a 1 s moving mean plus half a deviation. */
static float onset_rate(const float *o, size_t n, double fr)
{
    size_t half = (size_t)(fr * 0.5), count = 0, last = 0, lo = 0, hi = 0;
    double run = 0;
    for (size_t i = 1; i + 1 < n; i++) {
        while (hi < n && hi <= i + half)
            run += (double)o[hi++];
        while (lo + half < i)
            run -= (double)o[lo++];
        double mean = run / (double)(hi - lo);
        if (o[i] > o[i - 1] && o[i] >= o[i + 1] && (double)o[i] > mean + 0.5 &&
            (count == 0 || i - last >= 2)) {
            count++;
            last = i;
        }
    }
    return (float)((double)count / ((double)n / fr));
}

/* The envelope the beat tracker follows: full band plus the normalised low band @p low (kick
 * and bass, or NULL), whose onsets mark the beat where loud off-beat hi-hats would pull the
 * phase. Written into @p ob. */
static void tracking_envelope(const float *o, const float *low, size_t n, float *ob)
{
    for (size_t i = 0; i < n; i++)
        ob[i] = o[i] + (low ? LOW_WEIGHT * low[i] : 0.0f);
}

/* The normalised low-band envelope into @p low; returns NULL when there are no bands. */
static const float *low_band(const an_rhythm_in *in, float *low)
{
    if (!in->bands)
        return NULL;
    for (size_t i = 0; i < in->n; i++)
        low[i] = in->bands[2 * i];
    normalise(low, in->n, low);
    return low;
}

/* Drop the beats (times in s) the tracker carries on through silence before the first and
 * after the last onset (the envelope @p o is zero below its mean: a lead-in, a silent tail):
 * more than half a period @p P from any onset, a beat there marks nothing. The metre and the
 * tempo curve are found on the whole regular grid first. Returns the new count. */
static size_t trim_silent(const float *o, size_t n, double fr, double P, float *t, size_t nt)
{
    size_t first = 0, last = n;
    while (first < n && !(o[first] > 0.0f))
        first++;
    while (last > first && !(o[last - 1] > 0.0f))
        last--;
    if (first >= last)
        return nt;
    double lo = ((double)first - 0.5 * P) / fr, hi = ((double)(last - 1) + 0.5 * P) / fr;
    size_t k = 0;
    for (size_t i = 0; i < nt; i++)
        if ((double)t[i] >= lo && (double)t[i] <= hi)
            t[k++] = t[i];
    return k;
}

#define END_ONSET_SHARE 0.5 /* of the median onset at the beats: a beat that still has an onset */

/*
 * Time (s) of the last beat of @p t that lands on an onset of at least END_ONSET_SHARE of
 * the median onset at the beats: where the played beats end. A final chord held over its
 * bar and the release after it keep the tracker's beats going but hold no tempo.
 */
static double last_played_beat(const float *o, size_t n, double fr, const float *t, size_t nt)
{
    if (nt == 0)
        return 0.0;
    double *v = mood__malloc_array(nt, sizeof(double));
    double *s = mood__malloc_array(nt, sizeof(double));
    if (!v || !s) {
        mood__free(v);
        mood__free(s);
        return (double)t[nt - 1]; /* out of memory: every beat counts */
    }
    for (size_t i = 0; i < nt; i++) {
        long f = lround((double)t[i] * fr);
        double m = 0.0;
        for (long j = f - 2; j <= f + 2; j++)
            if (j >= 0 && (size_t)j < n && (double)o[j] > m)
                m = (double)o[j];
        v[i] = s[i] = m;
    }
    qsort(s, nt, sizeof(double), mood__cmp_double);
    double thr = END_ONSET_SHARE * s[nt / 2], end = (double)t[nt - 1];
    for (size_t i = nt; i-- > 0;)
        if (v[i] >= thr && thr > 0.0) {
            end = (double)t[i];
            break;
        }
    mood__free(v);
    mood__free(s);
    return end;
}

/* Period (frames) of the chord changes (see rhythm_harmony.c) and into @p out_strength its
 * normalised autocorrelation, 0 when there is no chroma; rhythm_level.c decides whether it is
 * regular enough to constrain the beat. @p scratch holds in->n values. */
static double harmonic_bar(const an_rhythm_in *in, float *scratch, double *out_strength)
{
    *out_strength = 0.0;
    if (!mood__harmonic_novelty(in, scratch))
        return 0.0;
    double B = mood__bar_period(scratch, in->n, in->frame_rate_hz, out_strength);
    const char *trace = getenv("MOOD_RHYTHM_TRACE");
    if (trace && *trace)
        fprintf(stderr, "rhythm-bar %.4f s strength %.3f\n", B / in->frame_rate_hz, *out_strength);
    return B;
}

/* Beats at the chosen period, their statistics, metre and tempo curve. */
static mood_status beats_and_metre(const an_rhythm_in *in, const float *o, const float *of,
                                   const float *low, const double *period, double P, an_rhythm *out)
{
    size_t n = in->n, cap = n / (size_t)MOOD_MAX(1.0, floor(P * 0.6)) + 2, nb = 0;
    double fr = in->frame_rate_hz;
    size_t *b = mood__malloc_array(cap, sizeof(size_t));
    float *ob = mood__malloc_array(n, sizeof(float));
    if (!b || !ob) {
        mood__free(b);
        mood__free(ob);
        return mood__enomem("rhythm: beats");
    }
    tracking_envelope(o, low, n, ob);
    mood_status st = mood__track_beats(ob, n, period, b, cap, &nb);
    mood__free(ob);
    if (st == MOOD_OK)
        mood__beat_phase_check(in, o, b, nb);
    if (st == MOOD_OK) {
        out->beats = mood__malloc_array(nb ? nb : 1, sizeof(float));
        if (!out->beats)
            st = mood__enomem("rhythm: beats");
    }
    if (st == MOOD_OK) {
        out->n_beats = nb;
        for (size_t i = 0; i < nb; i++)
            out->beats[i] = (float)((double)b[i] / fr);
        beat_stats(of, n, b, nb, fr, out);
        st = mood__rhythm_meter(in, o, b, nb, out);
    }
    if (st == MOOD_OK)
        st = mood__tempo_curve(out->beats, nb, out->tempo_bpm, out->local_min, out->local_max, out);
    if (st == MOOD_OK) {
        out->n_beats = trim_silent(o, n, fr, P, out->beats, out->n_beats);
        out->n_downbeats = trim_silent(o, n, fr, P, out->downbeats, out->n_downbeats);
        mood__held_tempo(out, last_played_beat(o, n, fr, out->beats, out->n_beats));
    }
    mood__free(b);
    return st;
}

mood_status mood__rhythm(const an_rhythm_in *in, an_rhythm *out)
{
    size_t n = in->n;
    double fr = in->frame_rate_hz;
    memset(out, 0, sizeof *out);
    out->swing = 1.0f;
    if (n < 16)
        return MOOD_OK;
    size_t nl = (size_t)ceil(fr * 4.0) + 2; /* lags up to 4 s: 2P checks at 40 BPM */
    size_t win = MOOD_MIN((size_t)lround(fr * 12.0), n), hop = MOOD_MAX(win / 4, (size_t)1);
    size_t nwin = 0;
    float *o = mood__malloc_array(n, sizeof(float)), *lowbuf = mood__malloc_array(n, sizeof(float));
    float *of = in->flux ? mood__malloc_array(n, sizeof(float)) : NULL;
    double *g = mood__calloc(4 * nl, sizeof(double)); /* tempogram, scratch, two halves */
    double *local = mood__malloc_array(n / hop + 2, sizeof(double));
    double *near = mood__malloc_array(n / hop + 2, sizeof(double));
    double *period = mood__malloc_array(n, sizeof(double));
    float *o3 = mood__malloc_array(2 * (n + 1), sizeof(float)); /* o, then low, after max3 */
    mood_status st = MOOD_OK;
    if (!o || !lowbuf || !g || !local || !near || !period || !o3 || (in->flux && !of)) {
        st = mood__enomem("rhythm");
        goto done;
    }
    normalise(in->onset, n, o);
    if (of)
        normalise(in->flux, n, of);
    const float *odesc = of ? of : o;
    tempogram(o, n, fr, win, hop, g, g + nl, nl, local, g + 2 * nl, &nwin);
    double P0 = g[0] > 0 ? best_lag(g, nl, 60.0 * fr / MAX_BPM, 60.0 * fr / MIN_BPM, fr) : 0;
    if (P0 <= 0) /* silence or no periodicity: no rhythm */
        goto done;
    double bar_strength; /* lowbuf is scratch until the low band fills it */
    double bar = harmonic_bar(in, lowbuf, &bar_strength);
    const float *low = low_band(in, lowbuf);
    out->onset_rate_hz = onset_rate(odesc, n, fr);
    mood__max3(o, n, o3);
    if (low)
        mood__max3(low, n, o3 + n + 1);
    an_level_in lin = {o3, low ? o3 + n + 1 : NULL, n, fr, g, nl, win, hop, bar, bar_strength};
    double P = mood__rhythm_level(&lin, P0, (double)out->onset_rate_hz, out);
    /* Only where the windows' own peaks show a change: on the 1,280 tuning songs no steady
     * song moved, and of the 128 that change tempo 21 more are right at Acc1 (2 fewer at Acc2:
     * the level is now right but the half held longer is the other one). */
    if (tempo_changes(local, nwin, P)) {
        double Pn = halves_level(&lin, g + 2 * nl, P, (double)out->onset_rate_hz);
        if (Pn != P && 2 * Pn < (double)nl && 60.0 * fr / Pn <= MAX_BPM &&
            60.0 * fr / Pn >= MIN_BPM) {
            out->alt_bpm = (float)(60.0 * fr / P);
            P = Pn;
        }
    }
    out->tempo_bpm = (float)(60.0 * fr / P);
    out->tempo_conf = (float)MOOD_MAX(0.0, MOOD_MIN(1.0, mood__lag_at(g, nl, P)));
    /* A periodicity is only evidence of a tempo when there are onsets to carry it: with fewer
     * than one onset every four beats (a held chord, a drone) the confidence falls with the
     * onset rate, whatever the autocorrelation of the near-flat envelope says. */
    double need_hz = 0.25 * (double)out->tempo_bpm / 60.0;
    if ((double)out->onset_rate_hz < need_hz) {
        double f = (double)out->onset_rate_hz / need_hz;
        out->tempo_conf *= (float)f;
        out->octave_conf *= (float)f;
    }
    near_peaks(o, n, win, hop, P, fr, g + nl, nl, near);
    local_tempo(local, near, nwin, win, hop, n, P, fr, out, period);
    tempogram_peaks(g, nl, fr, out);
    st = beats_and_metre(in, o, odesc, low, period, P, out);
done:
    if (st != MOOD_OK)
        mood__rhythm_free(out);
    mood__free(o);
    mood__free(of);
    mood__free(lowbuf);
    mood__free(g);
    mood__free(local);
    mood__free(near);
    mood__free(period);
    mood__free(o3);
    return st;
}

void mood__rhythm_free(an_rhythm *r)
{
    mood__free(r->beats);
    mood__free(r->downbeats);
    mood__free(r->curve);
    r->beats = r->downbeats = NULL;
    r->curve = NULL;
    r->n_beats = r->n_downbeats = r->n_curve = 0;
}
