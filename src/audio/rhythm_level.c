/*
 * The metrical level (octave) decision. Candidate beat periods are the tempogram peak times
 * 1/3, 1/2, 2/3, 1, 3/2, 2 and 3 (duple and triple groupings). The beat level is the fastest
 * level P whose pulses are all present: the onsets half-way between the pulses of 2P (the
 * other beats) reach half the strength of those on the pulses, and beat P's own half-way
 * points are weaker. At the beat level kick and snare alternate on the beats with lighter
 * events between them; one level faster the "beats" alternate strong/weak. Without that
 * evidence a perceptual prior (log-normal around 120 BPM) weighting the tempogram decides.
 * At fast levels (110 BPM and up, nothing faster admissible) off-beats as strong as the beats
 * do not demote the level (four-on-the-floor with open hi-hats, samba), unless the level's
 * pulses are weak between those of three times its period: then they are the eighths of a
 * compound (6/8) beat. Each candidate is refined to the tempogram peak within 6%.
 * The rejected alternative is the neighbouring level (factor 2, or 3/2 for triple groupings)
 * that scores best; its confidence is how close its score came.
 */
#include "audio_internal.h"

#include "../core/internal.h"

#include <math.h>

#define PRIOR_BPM     120.0
#define MIN_BPM       50.0
#define MAX_BPM       210.0
#define DENSE_MIN_BPM 110.0 /* slowest level the strong-off-beat rule keeps */
#define DOTTED_MIN    1.0   /* tempogram share a 2:3 level needs (of the peak) */

double mood__tempo_prior(double bpm)
{
    double z = log2(bpm / PRIOR_BPM);
    return exp(-0.5 * z * z);
}

double mood__lag_at(const double *g, size_t n, double lag)
{
    if (lag < 0)
        return 0;
    size_t i = (size_t)lag;
    if (i + 1 >= n)
        return i < n ? g[i] : 0;
    double f = lag - (double)i;
    return g[i] * (1 - f) + g[i + 1] * f;
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

/* Best phase of period @p P in [s, e): mean onset on its pulses and @p frac of a period later. */
static void best_phase(const float *o, size_t n, size_t s, size_t e, double P, double frac,
                       double *out_on, double *out_mid)
{
    *out_on = -1;
    *out_mid = 0;
    for (int ph = 0; ph < (int)ceil(P); ph++) {
        double on = 0, mid = 0;
        int k = 0;
        for (double x = (double)s + ph; x + P * frac < (double)e; x += P, k++) {
            on += sample_max(o, n, x);
            mid += sample_max(o, n, x + P * frac);
        }
        if (k && on / k > *out_on) {
            *out_on = on / k;
            *out_mid = mid / k;
        }
    }
}

double mood__offbeat_ratio(const float *o, size_t n, size_t win, size_t hop, double P, double frac)
{
    double on_sum = 0, mid_sum = 0;
    if (P < 2)
        return 1.0;
    for (size_t s = 0; s + win <= n || s == 0; s += hop) {
        size_t e = s + win < n ? s + win : n;
        double on, mid;
        best_phase(o, n, s, e, P, frac, &on, &mid);
        if (on > 0) {
            on_sum += on;
            mid_sum += mid;
        }
        if (e == n)
            break;
    }
    return on_sum > 0 ? mid_sum / on_sum : 1.0;
}

/* Score of level @p P when no onset evidence decides: tempogram strength times the prior. */
static double prior_score(const double *g, size_t nl, double P, double fr)
{
    return MOOD_MAX(0.0, mood__lag_at(g, nl, P)) * mood__tempo_prior(60.0 * fr / P);
}

/* The neighbouring level of @p P that scores best: alt_bpm and alt_conf of @p out. */
static void alternative(const double *g, size_t nl, double P, double fr, an_rhythm *out)
{
    static const double f[4] = {0.5, 2.0, 2.0 / 3, 1.5};
    double sp = prior_score(g, nl, P, fr), best = -1, bp = 0;
    for (int k = 0; k < 4; k++) {
        double Q = P * f[k], bpm = 60.0 * fr / Q;
        if (bpm < 30 || bpm > 300 || Q + 1 >= (double)nl)
            continue;
        double sc = prior_score(g, nl, Q, fr) * (k < 2 ? 1.0 : 0.7);
        if (sc > best) {
            best = sc;
            bp = Q;
        }
    }
    if (bp <= 0)
        return;
    out->alt_bpm = (float)(60.0 * fr / bp);
    double c = sp > 0 ? best / sp : 1.0;
    c = MOOD_MIN(1.0, c) * (1.0 - 0.5 * (double)out->octave_conf);
    out->alt_conf = (float)MOOD_MAX(0.0, c);
}

/* The tempogram peak nearest lag @p Q (within 6%), parabolically refined; @p Q when none. */
static double refine(const double *g, size_t nl, double Q)
{
    size_t lo = (size_t)floor(Q * 0.94), hi = (size_t)ceil(Q * 1.06), bi = 0;
    for (size_t l = MOOD_MAX(lo, (size_t)1); l <= hi && l + 1 < nl; l++)
        if (g[l] >= g[l - 1] && g[l] >= g[l + 1] && (bi == 0 || g[l] > g[bi]))
            bi = l;
    if (bi == 0)
        return Q;
    double a = g[bi - 1], b = g[bi], c = g[bi + 1], den = a - 2 * b + c, sh = 0;
    if (fabs(den) > 1e-12)
        sh = MOOD_MAX(-0.5, MOOD_MIN(0.5, 0.5 * (a - c) / den));
    return (double)bi + sh;
}

double mood__rhythm_level(const float *o, size_t n, const double *g, size_t nl, double fr,
                          double P0, size_t win, size_t hop, an_rhythm *out)
{
    enum { NC = 7 };
    static const double mult[NC] = {1.0 / 3, 0.5, 2.0 / 3, 1.0, 1.5, 2.0, 3.0};
    /* Thresholds set on synthesised drum patterns: midpoints at 2P must reach half the
     * on-beat onset strength and exceed those at P by 0.15. */
    const double th = 0.5, margin = 0.15, th3 = 0.5;
    double P = P0;
    out->octave_conf = 0.0f;
    for (int c = 0; c < NC; c++) {
        double Q = c == 3 ? P0 : refine(g, nl, P0 * mult[c]), bpm = 60.0 * fr / Q;
        if (bpm < MIN_BPM || bpm > MAX_BPM || 2 * Q >= (double)nl || mood__lag_at(g, nl, Q) <= 0)
            continue;
        /* A level 2:3 away from the peak (a dotted grouping) must be nearly as periodic. */
        if ((c == 2 || c == 4) && mood__lag_at(g, nl, Q) < DOTTED_MIN * mood__lag_at(g, nl, P0))
            continue;
        double r1 = mood__offbeat_ratio(o, n, win, hop, Q, 0.5);
        double r2 = mood__offbeat_ratio(o, n, win, hop, 2 * Q, 0.5);
        /* Off-beats as strong as the beats at a fast level (four-on-the-floor with open
         * hi-hats, samba): nothing faster is admissible, so the level is the beat, unless its
         * pulses are weak between those of 3Q (the eighths of a 6/8 bar). */
        int dense = r1 >= th && bpm >= DENSE_MIN_BPM && 2 * bpm > MAX_BPM;
        if (dense && r2 >= th && r2 <= r1 + margin)
            dense = 0.5 * (mood__offbeat_ratio(o, n, win, hop, 3 * Q, 1.0 / 3) +
                           mood__offbeat_ratio(o, n, win, hop, 3 * Q, 2.0 / 3)) >=
                    th3;
        if (r2 >= th && (r2 > r1 + margin || dense)) {
            P = Q;
            /* Octave confidence: how clearly the level below is weak and the level above
             * strong (a fixed low value when only the fast-level rule decided). */
            out->octave_conf = r2 > r1 + margin ? (float)MOOD_MIN(1.0, r2 - r1) : 0.2f;
            break;
        }
    }
    /* No onset evidence and a weak pulse (legato strings, ballads): soft articulation is heard
     * slower, so a fast prior pick is halved. */
    if (out->octave_conf == 0.0f && mood__lag_at(g, nl, P0) < 0.25 && 60.0 * fr / P0 > 120.0)
        P = refine(g, nl, 2 * P0);
    alternative(g, nl, P, fr, out);
    return P;
}
