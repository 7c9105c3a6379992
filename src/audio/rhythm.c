/*
 * Rhythm from the onset-strength envelope (spectral flux of the log-mel spectrogram, one value
 * per hop):
 *  - tempogram: autocorrelation of the envelope in 12 s windows (hop 3 s); the global
 *    tempogram is their mean, local tempi are the per-window peaks;
 *  - global tempo: the tempogram peak weighted by a broad log-normal prior (120 BPM, one octave)
 *    then an explicit metrical-level decision among the levels related to that period by
 *    factors 2 and 3. The beat level is the fastest level P whose pulses are all present:
 *    the onsets half-way between the pulses of 2P (the other beats) reach half the strength of
 *    those on the pulses, and beat P's own half-way points are weaker. At the beat level kick
 *    and snare alternate on the beats with lighter events between them; one level faster the
 *    "beats" alternate strong/weak. This is what keeps 70 BPM drums with busy hi-hats from
 *    being read as 140 BPM and 160 BPM four-on-the-floor from being read as 80;
 *  - beats: dynamic-programming beat tracking (Ellis, J. New Music Research 2007);
 *  - swing ratio, micro-timing and inter-beat-interval spread from the beats.
 */
#include "audio_internal.h"

#include "../core/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PRIOR_BPM 120.0
#define MIN_BPM   50.0
#define MAX_BPM   210.0

static double prior(double bpm)
{
    double z = log2(bpm / PRIOR_BPM);
    return exp(-0.5 * z * z);
}

/* Value of @p g at fractional lag by linear interpolation. */
static double at(const double *g, size_t n, double lag)
{
    if (lag < 0)
        return 0;
    size_t i = (size_t)lag;
    if (i + 1 >= n)
        return i < n ? g[i] : 0;
    double f = lag - (double)i;
    return g[i] * (1 - f) + g[i + 1] * f;
}

/* Peak lag of g·prior in [lo, hi] with parabolic refinement; returns 0 when none. */
static double best_lag(const double *g, size_t nl, double lo, double hi, double fr, int use_prior)
{
    double best = -HUGE_VAL;
    size_t bi = 0;
    for (size_t l = (size_t)ceil(lo); l <= (size_t)hi && l + 1 < nl; l++) {
        double w = use_prior ? prior(60.0 * fr / (double)l) : 1.0;
        double sc = g[l] * w;
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

/* Largest envelope value within one frame of position @p x. */
static double sample_max(const float *o, size_t n, double x)
{
    long i = lround(x);
    double m = 0;
    for (long j = i - 1; j <= i + 1; j++)
        if (j >= 0 && (size_t)j < n && (double)o[j] > m)
            m = o[j];
    return m;
}

/*
 * Off-beat ratio of period @p P: in each window, the phase whose beat positions collect the
 * most onset energy is taken, and the energy half a period later is compared with it.
 */
static double offbeat_ratio(const float *o, size_t n, size_t win, size_t hop, double P)
{
    double on_sum = 0, mid_sum = 0;
    if (P < 2)
        return 1.0;
    for (size_t s = 0; s + win <= n || s == 0; s += hop) {
        size_t e = s + win < n ? s + win : n;
        double best_on = -1, best_mid = 0;
        for (int ph = 0; ph < (int)ceil(P); ph++) {
            double on = 0, mid = 0;
            int k = 0;
            for (double x = (double)s + ph; x + P / 2 < (double)e; x += P, k++) {
                on += sample_max(o, n, x);
                mid += sample_max(o, n, x + P / 2);
            }
            if (k && on / k > best_on) {
                best_on = on / k;
                best_mid = mid / k;
            }
        }
        if (best_on > 0) {
            on_sum += best_on;
            mid_sum += best_mid;
        }
        if (e == n)
            break;
    }
    return on_sum > 0 ? mid_sum / on_sum : 1.0;
}

/* Dynamic-programming beat tracker; writes beat frame indices, returns their number. */
static size_t track_beats(const float *o, size_t n, double P, size_t *beats)
{
    double *C = mood__malloc_array(n, sizeof(double));
    long *back = mood__malloc_array(n, sizeof(long));
    size_t nb = 0;
    if (!C || !back) {
        mood__free(C);
        mood__free(back);
        return 0;
    }
    const double tight = 100.0; /* Ellis' tightness: weight of tempo consistency */
    long lo = (long)floor(P / 2), hi = (long)ceil(2 * P);
    double pen[1024];
    if (hi > 1023)
        hi = 1023;
    if (lo < 1)
        lo = 1;
    for (long d = lo; d <= hi; d++) {
        double lr = log((double)d / P);
        pen[d] = tight * lr * lr;
    }
    for (size_t t = 0; t < n; t++) {
        double best = 0;
        long bi = -1;
        for (long d = lo; d <= hi; d++) {
            long tau = (long)t - d;
            if (tau < 0)
                break;
            double sc = C[tau] - pen[d];
            if (bi < 0 || sc > best) {
                best = sc;
                bi = tau;
            }
        }
        C[t] = (double)o[t] + (bi >= 0 && best > 0 ? best : 0);
        back[t] = (bi >= 0 && best > 0) ? bi : -1;
    }
    /* The last beat: the best cumulative score in the final period. */
    size_t start = n > (size_t)P ? n - (size_t)P : 0, last = start;
    for (size_t t = start; t < n; t++)
        if (C[t] > C[last])
            last = t;
    long b = (long)last;
    while (b >= 0) {
        beats[nb++] = (size_t)b;
        b = back[b];
    }
    for (size_t i = 0; i < nb / 2; i++) {
        size_t tmp = beats[i];
        beats[i] = beats[nb - 1 - i];
        beats[nb - 1 - i] = tmp;
    }
    mood__free(C);
    mood__free(back);
    return nb;
}

mood_status mood__rhythm(const float *onset, size_t n, double fr, an_rhythm *out)
{
    memset(out, 0, sizeof *out);
    out->swing = 1.0f;
    if (n < 16)
        return MOOD_OK;
    /* Normalised envelope: mean removed, negative parts clipped, unit standard deviation. */
    float *o = mood__malloc_array(n, sizeof(float));
    size_t nl = (size_t)ceil(fr * 4.0) + 2; /* lags up to 4 s: 2P checks at 40 BPM */
    double *g = mood__calloc(nl, sizeof(double));
    double *a = mood__calloc(nl, sizeof(double));
    size_t win = (size_t)lround(fr * 12.0), hop;
    size_t nwin_cap = n / 1 + 2, nwin = 0;
    double *local = NULL;
    size_t *beats = NULL;
    mood_status st = MOOD_OK;
    if (!o || !g || !a) {
        st = mood__enomem("rhythm");
        goto done;
    }
    {
        double m = 0, v = 0;
        for (size_t i = 0; i < n; i++)
            m += (double)onset[i];
        m /= (double)n;
        for (size_t i = 0; i < n; i++)
            v += ((double)onset[i] - m) * ((double)onset[i] - m);
        double sd = sqrt(v / (double)n) + 1e-9;
        for (size_t i = 0; i < n; i++)
            o[i] = (double)onset[i] > m ? (float)(((double)onset[i] - m) / sd) : 0.0f;
    }
    if (win > n)
        win = n;
    hop = win / 4 ? win / 4 : 1;
    nwin_cap = n / hop + 2;
    local = mood__malloc_array(nwin_cap, sizeof(double));
    if (!local) {
        st = mood__enomem("rhythm");
        goto done;
    }
    double lag_lo = 60.0 * fr / MAX_BPM, lag_hi = 60.0 * fr / MIN_BPM;
    /* Tempogram. */
    for (size_t s = 0;; s += hop) {
        size_t e = s + win < n ? s + win : n, len = e - s;
        double m = 0;
        for (size_t i = s; i < e; i++)
            m += (double)o[i];
        m /= (double)len;
        for (size_t l = 0; l < nl; l++) {
            double acc = 0;
            if (l < len) {
                const float *x = o + s;
                for (size_t i = 0; i + l < len; i++)
                    acc += ((double)x[i] - m) * ((double)x[i + l] - m);
                acc /= (double)(len - l);
            }
            a[l] = acc;
        }
        if (a[0] > 0) {
            for (size_t l = 0; l < nl; l++) {
                a[l] /= a[0];
                g[l] += a[l];
            }
            double L = best_lag(a, nl, lag_lo, lag_hi, fr, 1);
            if (L > 0 && nwin < nwin_cap)
                local[nwin++] = L;
        }
        if (e == n)
            break;
    }
    if (g[0] <= 0) /* silence: no rhythm */
        goto done;
    for (size_t l = nl; l-- > 0;)
        g[l] /= g[0];

    /* Global tempo and its metrical level. */
    double P0 = best_lag(g, nl, lag_lo, lag_hi, fr, 1);
    if (P0 <= 0)
        goto done;
    /* Candidate metrical levels related to the tempogram peak by 2 and 3 (duple and triple
     * groupings), fastest first. */
    enum { NC = 7 };
    static const double mult[NC] = {1.0 / 3, 0.5, 2.0 / 3, 1.0, 1.5, 2.0, 3.0};
    double cand[NC], r1v[NC], r2v[NC];
    int best = -1;
    /* Thresholds set on the synthesised drum patterns of bench/audio (60-200 BPM, three
     * styles): midpoints at 2P must reach half the on-beat onset strength and exceed those at P. */
    const double th = 0.5, margin = 0.05;
    for (int c = 0; c < NC; c++) {
        double P = P0 * mult[c], bpm = 60.0 * fr / P;
        cand[c] = P;
        r1v[c] = r2v[c] = -1;
        if (bpm < MIN_BPM || bpm > MAX_BPM || 2 * P >= (double)nl || at(g, nl, P) <= 0)
            continue;
        r1v[c] = offbeat_ratio(o, n, win, hop, P);
        r2v[c] = offbeat_ratio(o, n, win, hop, 2 * P);
        if (best < 0 && r2v[c] >= th && r2v[c] > r1v[c] + margin)
            best = c;
    }
    double P = P0;
    /* Weak evidence (below 0.15) is not allowed to move the prior's pick by a factor. */
    if (best >= 0 && r2v[best] - r1v[best] < 0.15)
        best = -1;
    if (best >= 0) {
        P = cand[best];
        /* Octave confidence: how clearly the level below is weak and the level above strong. */
        out->octave_conf = (float)MOOD_MAX(0.0, MOOD_MIN(1.0, r2v[best] - r1v[best]));
    } else {
        /* No metrical evidence either way (legato or arrhythmic music): keep the prior's pick. */
        out->octave_conf = 0.0f;
    }
    out->tempo_bpm = (float)(60.0 * fr / P);
    out->tempo_conf = (float)MOOD_MAX(0.0, MOOD_MIN(1.0, at(g, nl, P)));

    /* Local tempo, each window's peak folded by octaves to the global level. */
    if (nwin) {
        an_stat ls = {0};
        double mn = HUGE_VAL, mx = 0;
        for (size_t w = 0; w < nwin; w++) {
            double L = local[w];
            while (L > P * 1.41)
                L /= 2;
            while (L < P / 1.41)
                L *= 2;
            double bpm = 60.0 * fr / L;
            mood__stat_add(&ls, bpm);
            mn = MOOD_MIN(mn, bpm);
            mx = MOOD_MAX(mx, bpm);
        }
        out->local_mean = (float)mood__stat_mean(&ls);
        out->local_std = (float)mood__stat_std(&ls);
        out->local_min = (float)mn;
        out->local_max = (float)mx;
    }

    /* Tempogram peaks (polyrhythm hints): the three strongest local maxima, 30-300 BPM. */
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

    /* Beats and what they tell. */
    beats = mood__malloc_array(n / (size_t)MOOD_MAX(1.0, floor(P / 2)) + 2, sizeof(size_t));
    if (!beats) {
        st = mood__enomem("rhythm: beats");
        goto done;
    }
    size_t nb = track_beats(o, n, P, beats);
    out->beats = mood__malloc_array(nb ? nb : 1, sizeof(float));
    if (!out->beats) {
        st = mood__enomem("rhythm: beats");
        goto done;
    }
    out->n_beats = nb;
    double on_beats = 0, on_all = 0;
    for (size_t i = 0; i < n; i++)
        on_all += (double)o[i];
    for (size_t i = 0; i < nb; i++) {
        out->beats[i] = (float)((double)beats[i] / fr);
        on_beats += sample_max(o, n, (double)beats[i]);
    }
    out->beat_strength =
        nb && on_all > 0 ? (float)((on_beats / (double)nb) / (on_all / (double)n)) : 0.0f;
    if (nb >= 3) {
        double *ibi = mood__malloc_array(nb, sizeof(double));
        if (!ibi) {
            st = mood__enomem("rhythm: beats");
            goto done;
        }
        an_stat is = {0};
        double jit = 0, sw = 0, omax = 0;
        size_t nsw = 0;
        for (size_t i = 0; i + 1 < nb; i++) {
            ibi[i] = (double)(beats[i + 1] - beats[i]) / fr;
            mood__stat_add(&is, ibi[i] * 1000.0);
        }
        for (size_t i = 1; i + 1 < nb; i++)
            jit += fabs((double)beats[i] - 0.5 * (double)(beats[i - 1] + beats[i + 1])) / fr;
        out->ibi_std_ms = (float)mood__stat_std(&is);
        out->microtiming_ms = (float)(1000.0 * jit / (double)(nb - 2));
        for (size_t i = 0; i < nb; i++)
            omax = MOOD_MAX(omax, (double)o[beats[i]]);
        /* Swing: position of the strongest onset between two beats, as long:short ratio. */
        for (size_t i = 0; i + 1 < nb; i++) {
            size_t b0 = beats[i], b1 = beats[i + 1], span = b1 - b0, bi = 0;
            double bv = 0;
            for (size_t j = b0 + (size_t)(0.3 * (double)span);
                 j <= b0 + (size_t)(0.8 * (double)span); j++)
                if ((double)o[j] > bv) {
                    bv = o[j];
                    bi = j;
                }
            if (bi && bv > 0.2 * omax) {
                double f = (double)(bi - b0) / (double)span;
                sw += f / (1 - f);
                nsw++;
            }
        }
        out->swing = nsw ? (float)(sw / (double)nsw) : 1.0f;
        mood__free(ibi);
    }
    /* Onset rate: peaks of the envelope above a 1 s moving mean plus half a deviation. */
    {
        size_t half = (size_t)(fr * 0.5), count = 0, last = 0;
        double run = 0;
        size_t lo = 0, hi = 0;
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
        out->onset_rate_hz = (float)((double)count / ((double)n / fr));
    }
done:
    if (st != MOOD_OK) {
        mood__free(out->beats);
        out->beats = NULL;
        out->n_beats = 0;
    }
    mood__free(o);
    mood__free(g);
    mood__free(a);
    mood__free(local);
    mood__free(beats);
    return st;
}
