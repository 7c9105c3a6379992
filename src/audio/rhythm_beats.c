/*
 * Beat tracking and the tempo curve.
 *  - beats: dynamic programming over the onset envelope (after Ellis, J. New Music Research
 *    2007): every frame's score is its onset strength plus the best predecessor one beat
 *    earlier, the inter-beat interval penalised by its log distance to the local period. The
 *    local period follows the tempogram windows, so songs that speed up keep their phase;
 *  - tempo curve: the median inter-beat interval over sliding groups of beats, cut into
 *    segments where it moves by more than 3%, short segments merged into their neighbours; one
 *    segment when the tempogram's local tempi agree within 5% (steady songs); groups outside
 *    the range of those local tempi or at 4:3 or more from the global tempo are ignored.
 */
#include "audio_internal.h"

#include "../core/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TIGHTNESS  100.0 /* weight of tempo consistency (Ellis' alpha) */
#define MAX_CHANGE 1.32  /* largest tempo-curve ratio to the global tempo (below 4:3) */
#define HELD_MIN_CONF                                                                              \
    0.15 /* tempo confidence below which beat intervals are too noisy to                           \
          * say which tempo is held longest */

/* Best predecessor of frame @p t for local period @p P; *out_sc gets its score. */
static long predecessor(const double *C, size_t t, double P, double *out_sc)
{
    long lo = (long)floor(P * 0.6), hi = (long)ceil(P * 1.6), bi = -1;
    double best = 0;
    if (lo < 1)
        lo = 1;
    for (long d = lo; d <= hi; d++) {
        long tau = (long)t - d;
        if (tau < 0)
            break;
        double lr = log((double)d / P), sc = C[tau] - TIGHTNESS * lr * lr;
        if (bi < 0 || sc > best) {
            best = sc;
            bi = tau;
        }
    }
    *out_sc = best;
    return bi;
}

mood_status mood__track_beats(const float *o, size_t n, const double *period, size_t *beats,
                              size_t cap, size_t *out_nb)
{
    double *C = mood__malloc_array(n, sizeof(double));
    long *back = mood__malloc_array(n, sizeof(long));
    size_t nb = 0;
    *out_nb = 0;
    if (!C || !back) {
        mood__free(C);
        mood__free(back);
        return mood__enomem("rhythm: beats");
    }
    for (size_t t = 0; t < n; t++) {
        double best;
        long bi = predecessor(C, t, period[t], &best);
        int use = bi >= 0 && best > 0;
        C[t] = (double)o[t] + (use ? best : 0);
        back[t] = use ? bi : -1;
    }
    /* The last beat: the best cumulative score in the final period. */
    size_t P_end = (size_t)period[n - 1];
    size_t start = n > P_end ? n - P_end : 0, last = start;
    for (size_t t = start; t < n; t++)
        if (C[t] > C[last])
            last = t;
    for (long b = (long)last; b >= 0 && nb < cap; b = back[b])
        beats[nb++] = (size_t)b;
    for (size_t i = 0; i < nb / 2; i++) {
        size_t tmp = beats[i];
        beats[i] = beats[nb - 1 - i];
        beats[nb - 1 - i] = tmp;
    }
    mood__free(C);
    mood__free(back);
    *out_nb = nb;
    return MOOD_OK;
}

/* Median of @p x[0..n) (sorted in place); @p dflt when n is 0. */
static double median_of(double *x, size_t n, double dflt)
{
    if (n == 0)
        return dflt;
    qsort(x, n, sizeof(double), mood__cmp_double);
    return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

/* Median inter-beat interval (s) of beats i0..i1 (inclusive, i1 > i0). */
static double median_ibi(const float *b, size_t i0, size_t i1, double *scratch)
{
    size_t k = 0;
    for (size_t i = i0; i < i1; i++)
        scratch[k++] = (double)b[i + 1] - (double)b[i];
    return median_of(scratch, k, 0.0);
}

/* Merge runs of segments within 3% of the run's mean tempo; returns the new count. */
static size_t merge_similar(mood_tempo_segment *s, size_t k)
{
    size_t m = 0, run = 0;
    double sum = 0;
    for (size_t i = 0; i < k; i++) {
        if (m > 0 && fabs(log((double)s[i].bpm / (sum / (double)run))) < log(1.03)) {
            sum += (double)s[i].bpm;
            run++;
            s[m - 1].bpm = (float)(sum / (double)run);
            continue;
        }
        s[m++] = s[i];
        sum = (double)s[i].bpm;
        run = 1;
    }
    return m;
}

/* Merge similar neighbours, fold segments shorter than @p min_s (a transition) into the
 * following one, and merge again. */
static size_t merge_segments(mood_tempo_segment *s, size_t k, double end_s, double min_s)
{
    k = merge_similar(s, k);
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        double len = (i + 1 < k ? (double)s[i + 1].start_s : end_s) - (double)s[i].start_s;
        if (len < min_s && i + 1 < k) {
            s[i + 1].start_s = s[i].start_s;
            continue;
        }
        if (len < min_s && m > 0)
            continue;
        s[m++] = s[i];
    }
    return merge_similar(s, m);
}

mood_status mood__tempo_curve(const float *beats_s, size_t nb, float tempo_bpm, float lo_bpm,
                              float hi_bpm, an_rhythm *out)
{
    const size_t G = 12; /* beats per group */
    out->n_curve = 0;
    out->curve = mood__malloc_array(nb / 4 + 2, sizeof(mood_tempo_segment));
    double *scratch = mood__malloc_array(G + 1, sizeof(double));
    if (!out->curve || !scratch) {
        mood__free(scratch);
        return mood__enomem("rhythm: tempo curve");
    }
    size_t k = 0;
    if (nb < 2 * G || hi_bpm < 1.05f * lo_bpm) {
        out->curve[k++] = (mood_tempo_segment){0.0f, tempo_bpm};
    } else {
        for (size_t i = 0; i + G < nb; i += G / 2) {
            double bpm = 60.0 / median_ibi(beats_s, i, i + G, scratch);
            /* Fold to the level of the global tempo (the tracker may skip or double a beat). */
            while (bpm > 1.41 * (double)tempo_bpm)
                bpm /= 2;
            while (bpm < (double)tempo_bpm / 1.41)
                bpm *= 2;
            /* Groups outside the tempogram's local range are tracking errors, not tempo. */
            if (bpm < 0.97 * (double)lo_bpm || bpm > 1.03 * (double)hi_bpm)
                continue;
            /* So are groups at 3:4 or 4:3 (a tempo change is taken to stay under 32%). */
            if (fabs(log(bpm / (double)tempo_bpm)) > log(MAX_CHANGE))
                continue;
            float st = k == 0 ? 0.0f : beats_s[i + G / 2];
            out->curve[k++] = (mood_tempo_segment){st, (float)bpm};
        }
        k = merge_segments(out->curve, k, (double)beats_s[nb - 1], 8.0);
    }
    if (k == 0)
        out->curve[k++] = (mood_tempo_segment){0.0f, tempo_bpm};
    /* One segment: the global tempo is the better estimate of it. */
    if (k == 1)
        out->curve[0].bpm = tempo_bpm;
    out->n_curve = k;
    mood__free(scratch);
    return MOOD_OK;
}

/* The beat index in b[i0..i1) after which the log inter-beat intervals split best into two
 * constant runs (least squares), each at least 3 intervals long; i0 when there is no room. */
static size_t ibi_change_point(const float *b, size_t i0, size_t i1)
{
    size_t n = i1 > i0 + 1 ? i1 - i0 - 1 : 0, best_c = 0;
    double tot = 0.0, tot2 = 0.0, best = HUGE_VAL;
    for (size_t j = 0; j < n; j++) {
        double x = log(MOOD_MAX(1e-3, (double)(b[i0 + j + 1] - b[i0 + j])));
        tot += x;
        tot2 += x * x;
    }
    double left = 0.0, left2 = 0.0;
    for (size_t c = 0; c + 3 <= n; c++) {
        if (c >= 3) {
            /* Within-run squared error of runs [0, c) and [c, n). */
            double r = tot - left, r2 = tot2 - left2;
            double e = left2 - left * left / (double)c + r2 - r * r / (double)(n - c);
            if (e < best) {
                best = e;
                best_c = c;
            }
        }
        double x = log(MOOD_MAX(1e-3, (double)(b[i0 + c + 1] - b[i0 + c])));
        left += x;
        left2 += x * x;
    }
    return best_c ? i0 + best_c : i0;
}

/* First beat index at or after @p t_s. */
static size_t beat_at(const float *b, size_t nb, double t_s)
{
    size_t i = 0;
    while (i < nb && (double)b[i] < t_s)
        i++;
    return i;
}

#define HELD_SPAN 4    /* beat intervals a local tempo is measured over */
#define HELD_TOL  1.03 /* local tempo ratio that still holds a curve tempo */

/* Local tempo (BPM) of beat interval @p m, over HELD_SPAN intervals centred on it, folded by
 * octaves to within 1.41 of @p ref (the tracker may skip or double a beat). */
static double local_bpm(const float *b, size_t nb, size_t m, double ref)
{
    size_t i0 = m >= HELD_SPAN / 2 ? m - HELD_SPAN / 2 : 0, i1 = i0 + HELD_SPAN;
    if (i1 > nb - 1) {
        i1 = nb - 1;
        i0 = i1 > HELD_SPAN ? i1 - HELD_SPAN : 0;
    }
    double bpm = 60.0 * (double)(i1 - i0) / MOOD_MAX(1e-3, (double)(b[i1] - b[i0]));
    while (bpm > 1.41 * ref)
        bpm /= 2;
    while (bpm < ref / 1.41)
        bpm *= 2;
    return bpm;
}

/*
 * The curve segment whose tempo is held longest (k when no beat interval holds any). Each
 * segment's tempo is first the median local tempo of the intervals in its span [at[i],
 * at[i+1]) (a group median of a tracker that alternates between two frame-rounded intervals
 * is one of them, up to 4% off); every interval then holds the nearest segment tempo within
 * HELD_TOL, and the segment's tempo becomes the median local tempo of the intervals it holds.
 */
static size_t held_pick(const float *b, size_t nb, const float *at, mood_tempo_segment *c, size_t k,
                        float tempo, double end_s)
{
    size_t best = k;
    double *loc = mood__malloc_array(nb, sizeof(double));
    double *tmp = mood__malloc_array(nb, sizeof(double));
    double *held = mood__calloc(k, sizeof(double));
    size_t *own = mood__malloc_array(nb, sizeof(size_t));
    if (!loc || !tmp || !held || !own)
        goto done; /* out of memory: no pick, the global tempo stays */
    for (size_t m = 0; m + 1 < nb; m++)
        loc[m] = local_bpm(b, nb, m, (double)tempo);
    for (size_t i = 0; i < k; i++) {
        double s = (double)at[i], e = i + 1 < k ? (double)at[i + 1] : HUGE_VAL;
        size_t n = 0;
        for (size_t m = 0; m + 1 < nb; m++) {
            double mid = 0.5 * ((double)b[m] + (double)b[m + 1]);
            if (mid >= s && mid < e)
                tmp[n++] = loc[m];
        }
        c[i].bpm = (float)median_of(tmp, n, (double)c[i].bpm);
    }
    for (size_t m = 0; m + 1 < nb; m++) {
        own[m] = k;
        double d = log(HELD_TOL);
        for (size_t i = 0; i < k; i++) {
            double e = fabs(log(loc[m] / (double)c[i].bpm));
            if (e < d) {
                d = e;
                own[m] = i;
            }
        }
        if ((double)b[m + 1] > end_s + 1e-3)
            own[m] = k;
        if (own[m] < k)
            held[own[m]] += (double)(b[m + 1] - b[m]);
    }
    /* Segments at one tempo (a song that returns to it) hold it together. */
    for (size_t i = 0; i < k; i++)
        for (size_t j = i + 1; j < k; j++)
            if (fabs(log((double)c[j].bpm / (double)c[i].bpm)) < log(1.005)) {
                held[i] += held[j];
                held[j] = 0.0;
                for (size_t m = 0; m + 1 < nb; m++)
                    own[m] = own[m] == j ? i : own[m];
            }
    for (size_t i = 0; i < k; i++) {
        if (held[i] <= 0.0)
            continue;
        if (best == k || held[i] > held[best])
            best = i;
        size_t n = 0;
        for (size_t m = 0; m + 1 < nb; m++)
            if (own[m] == i)
                tmp[n++] = loc[m];
        c[i].bpm = (float)median_of(tmp, n, (double)c[i].bpm);
    }
done:
    mood__free(loc);
    mood__free(tmp);
    mood__free(held);
    mood__free(own);
    return best;
}

void mood__held_tempo(an_rhythm *out, double played_end_s)
{
    size_t k = out->n_curve, nb = out->n_beats;
    const float *b = out->beats;
    if (k < 2 || nb <= 8 || out->tempo_conf < (float)HELD_MIN_CONF)
        return;
    mood_tempo_segment *c = out->curve;
    /* Each change moves to the beat where the intervals between its neighbouring changes split
     * best: the curve's 12-beat groups place it only within half a group. */
    float *at = mood__malloc_array(k, sizeof(float));
    if (!at)
        return; /* out of memory: the global tempo stays */
    at[0] = c[0].start_s;
    for (size_t i = 1; i < k; i++) {
        size_t lo = beat_at(b, nb, i > 1 ? (double)c[i - 1].start_s : (double)b[0]);
        size_t hi = i + 1 < k ? beat_at(b, nb, (double)c[i + 1].start_s) : nb - 1;
        size_t cp = hi > lo + 8 ? ibi_change_point(b, lo, hi + 1) : lo;
        at[i] = cp > lo ? b[cp] : c[i].start_s;
    }
    /* Time held at each tempo: the beat intervals whose local tempo (over HELD_SPAN intervals
     * around them) is within HELD_TOL of it and nearer to it than to any other of the curve's
     * tempi. Ramps and the intervals around a change hold no tempo, and a last segment does not
     * own the release. The held tempo is the median of those local tempi. */
    size_t best = held_pick(b, nb, at, c, k, out->tempo_bpm, played_end_s), nearest = 0;
    for (size_t i = 0; i < k; i++)
        if (fabs(log((double)out->tempo_bpm / (double)c[i].bpm)) <
            fabs(log((double)out->tempo_bpm / (double)c[nearest].bpm)))
            nearest = i;
    for (size_t i = 1; i < k; i++)
        c[i].start_s = at[i];
    mood__free(at);
    /* Only when the global tempo is one of the curve's (the same metrical level). */
    if (best < k && fabs(log((double)out->tempo_bpm / (double)c[nearest].bpm)) < log(1.04))
        out->tempo_bpm = c[best].bpm;
}
