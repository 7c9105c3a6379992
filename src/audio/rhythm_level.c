/*
 * The metrical level (octave) decision. Candidate beat periods are the tempogram peak times
 * 1/3, 1/2, 2/3, 1, 3/2, 2 and 3 (duple and triple groupings), each refined to the tempogram
 * peak within 6%, plus the other tempogram peaks in 50-210 BPM (up to 11 in all). Each gets a
 * feature vector (level_features): the log-tempo prior terms, tempogram strength at the level
 * and at twice it, off-beat ratios of the full and the low band (onsets half-way between the
 * pulses of P and of 2P, and at the thirds of P), pulse salience, onsets per beat and the
 * verdict of the onset rule below. A linear score over the features, fitted as a conditional
 * logit on the tuning material (bench/audio/fit_rhythm.py), picks the level; its softmax gives
 * the confidence and the rejected alternative. A confident onset rule on a strongly periodic
 * pulse overrules a score pick at twice its tempo (see mood__rhythm_level). When the chords
 * change at a regular period (the bar, or two), the pick must divide it into a whole number
 * of beats: otherwise the best-scored level that does wins. A sustained voice's vibrato or a
 * pad's tremolo makes a periodicity that no bar is made of (3:2, 10:7 of the beat), where
 * drumless music marks its metre by the harmony alone. When no level fits, the bar's own
 * divisions are scored instead. On the 1,280 tuning songs (six sets) this gains Acc1 +1.0 and
 * Acc2 +0.7 points per set, mostly string pieces and ballads.
 * The onset rule: the beat level is the fastest level P whose pulses are all present: the
 * onsets half-way between the pulses of 2P reach half the strength of those on the pulses,
 * and beat P's own half-way points are weaker. At fast levels (110 BPM and up, nothing faster
 * admissible) off-beats as strong as the beats do not demote the level (four-on-the-floor with
 * open hi-hats, samba), unless the level's pulses are weak between those of three times its
 * period (the eighths of a 6/8 bar). Without such evidence the prior peak, halved when the
 * pulse is weak and fast.
 */
#include "audio_internal.h"

#include "../core/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define PRIOR_BPM     120.0
#define MIN_BPM       50.0
#define MAX_BPM       210.0
#define DENSE_MIN_BPM 110.0 /* slowest level the strong-off-beat rule keeps */
#define DOTTED_MIN    1.0   /* tempogram share a 2:3 level needs (of the peak) */
#define RULE_WIN_CONF 0.3f  /* onset-rule confidence that overrules a double-time score pick */
#define RULE_WIN_G    0.6   /* tempogram at the peak needed for that */
/* The harmonic-change period constrains the beat when its normalised autocorrelation reaches
 * BAR_MIN_STRENGTH; when the pulse is weak (tempogram at the peak below WEAK_PULSE_G: drumless
 * strings, whose strongest periodicities are tremolo and vibrato) from BAR_WEAK_STRENGTH, and
 * then the beat must divide it metrically (1, 2, 3, 4, 6, 8, 12 or 16 beats), not in 5 or 7.
 * Set on the tuning songs (bench/audio/SPLIT.md). */
#define BAR_MIN_STRENGTH  0.35
#define BAR_WEAK_STRENGTH 0.30
#define WEAK_PULSE_G      0.12

double mood__tempo_prior(double bpm)
{
    double z = log2(bpm / PRIOR_BPM);
    return exp(-0.5 * z * z);
}

double mood__peak_shift(double a, double b, double c)
{
    double den = a - 2 * b + c;
    return fabs(den) > 1e-12 ? MOOD_MAX(-0.5, MOOD_MIN(0.5, 0.5 * (a - c) / den)) : 0.0;
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

enum { NF = 17, MAX_CAND = 11, BAR_MAX_DIV = 6 };

/* One candidate metrical level: its period (frames), its ratio to the tempogram peak and the
 * onset evidence at it. */
typedef struct an_level_cand {
    double Q, mult;
    int dotted_weak;  /* a 2:3 level less periodic than the peak */
    double r1, r2;    /* off-beat ratios: half-way between pulses of Q and of 2Q */
    double r3;        /* at the thirds of Q (compound subdivision) */
    double lr1, lr2;  /* r1, r2 of the low band (kick and bass) */
    double sal, lsal; /* mean onset on the best-phase pulses of Q, full and low band */
    int extra;        /* another tempogram peak, not a multiple of the main one */
} an_level_cand;

void mood__max3(const float *o, size_t n, float *out)
{
    for (size_t i = 0; i <= n; i++) {
        float m = 0.0f;
        for (size_t j = i ? i - 1 : 0; j <= i + 1 && j < n; j++)
            m = o[j] > m ? o[j] : m;
        out[i] = m;
    }
}

/* Largest envelope value within one frame of position @p x (x >= 0), read off the mood__max3
 * envelope @p o3 (n + 1 values). The nearest frame is rounded half away from zero as lround
 * does, inline: this runs for every pulse of every phase and candidate period. */
static double sample_max(const float *o3, size_t n, double x)
{
    size_t i = (size_t)x;
    i += x - (double)i >= 0.5;
    return i <= n ? (double)o3[i] : 0.0;
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

/* Mean onset on the pulses of period @p P at their best phase, averaged over the windows. */
static double pulse_salience(const float *o, size_t n, size_t win, size_t hop, double P)
{
    double sum = 0;
    size_t k = 0;
    for (size_t s = 0; s + win <= n || s == 0; s += hop) {
        size_t e = s + win < n ? s + win : n;
        double on, mid;
        best_phase(o, n, s, e, P, 0.5, &on, &mid);
        if (on > 0) {
            sum += on;
            k++;
        }
        if (e == n)
            break;
    }
    return k ? sum / (double)k : 0.0;
}

/* Softmax of the level scores: octave_conf is the chosen level's probability minus the
 * runner-up's; the rejected alternative is the best level at least 30% away (alt_bpm) and
 * alt_conf its probability relative to the chosen one (1 = as likely); when there is none, the
 * octave nearer the prior's centre with confidence 0. */
static void level_confidence(const an_level_cand *c, const double *sc, int nc, int b1, double fr,
                             an_rhythm *out)
{
    int b2 = -1, ba = -1;
    double z = 0;
    for (int k = 0; k < nc; k++) {
        z += exp(sc[k] - sc[b1]);
        if (k != b1 && (b2 < 0 || sc[k] > sc[b2]))
            b2 = k;
        if (fabs(log(c[k].Q / c[b1].Q)) > log(1.3) && (ba < 0 || sc[k] > sc[ba]))
            ba = k;
    }
    double p1 = 1.0 / z, p2 = b2 >= 0 ? exp(sc[b2] - sc[b1]) / z : 0.0;
    out->octave_conf = (float)(p1 - p2);
    double bpm = 60.0 * fr / c[b1].Q;
    if (ba >= 0) {
        out->alt_bpm = (float)(60.0 * fr / c[ba].Q);
        out->alt_conf = (float)exp(sc[ba] - sc[b1]);
    } else {
        out->alt_bpm = (float)(bpm > PRIOR_BPM ? bpm / 2 : bpm * 2);
        out->alt_conf = 0.0f;
    }
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
    return (double)bi + mood__peak_shift(g[bi - 1], g[bi], g[bi + 1]);
}

/* The onset-evidence rule: the fastest candidate level whose pulses are all present (see the
 * header comment); -1 when no candidate qualifies. Fills r1/r2 of the candidates. */
static int rule_pick(const float *o, size_t n, size_t win, size_t hop, an_level_cand *c, int nc,
                     double fr, float *out_conf)
{
    /* Thresholds set on synthesised drum patterns: midpoints at 2P must reach half the
     * on-beat onset strength and exceed those at P by 0.15. */
    const double th = 0.5, margin = 0.15, th3 = 0.5;
    for (int k = 0; k < nc; k++) {
        double Q = c[k].Q, bpm = 60.0 * fr / Q, r1 = c[k].r1, r2 = c[k].r2;
        if (c[k].dotted_weak || c[k].extra)
            continue;
        /* Off-beats as strong as the beats at a fast level (four-on-the-floor with open
         * hi-hats, samba): nothing faster is admissible, so the level is the beat, unless its
         * pulses are weak between those of 3Q (the eighths of a 6/8 bar). */
        int dense = r1 >= th && bpm >= DENSE_MIN_BPM && 2 * bpm > MAX_BPM;
        if (dense && r2 >= th && r2 <= r1 + margin)
            dense = 0.5 * (mood__offbeat_ratio(o, n, win, hop, 3 * Q, 1.0 / 3) +
                           mood__offbeat_ratio(o, n, win, hop, 3 * Q, 2.0 / 3)) >=
                    th3;
        if (r2 >= th && (r2 > r1 + margin || dense)) {
            *out_conf = r2 > r1 + margin ? (float)MOOD_MIN(1.0, r2 - r1) : 0.2f;
            return k;
        }
    }
    return -1;
}

/* The onset evidence of candidate level @p k (period k->Q set). */
static void measure(const an_level_in *L, an_level_cand *k)
{
    double Q = k->Q;
    k->r1 = mood__offbeat_ratio(L->o, L->n, L->win, L->hop, Q, 0.5);
    k->r2 = mood__offbeat_ratio(L->o, L->n, L->win, L->hop, 2 * Q, 0.5);
    k->r3 = 0.5 * (mood__offbeat_ratio(L->o, L->n, L->win, L->hop, Q, 1.0 / 3) +
                   mood__offbeat_ratio(L->o, L->n, L->win, L->hop, Q, 2.0 / 3));
    k->lr1 = L->low ? mood__offbeat_ratio(L->low, L->n, L->win, L->hop, Q, 0.5) : 1.0;
    k->lr2 = L->low ? mood__offbeat_ratio(L->low, L->n, L->win, L->hop, 2 * Q, 0.5) : 1.0;
    k->sal = pulse_salience(L->o, L->n, L->win, L->hop, Q);
    k->lsal = L->low ? pulse_salience(L->low, L->n, L->win, L->hop, Q) : 0.0;
}

/* Whether lag @p Q is an admissible level: in the tempo range and positively periodic. */
static int admissible(const an_level_in *L, double Q)
{
    double bpm = 60.0 * L->fr / Q;
    return bpm >= MIN_BPM && bpm <= MAX_BPM && 2 * Q < (double)L->nl &&
           mood__lag_at(L->g, L->nl, Q) > 0;
}

/* Other tempogram peaks in the tempo range, not within 6% of a candidate so far, up to
 * MAX_CAND candidates in all, strongest first. */
static int extra_peaks(const an_level_in *L, double P0, an_level_cand *c, int nc)
{
    const double *g = L->g;
    /* Peaks already tried: one whose refined lag lands near a candidate is not tried again
     * (it used to be picked once per free slot, filling them all with copies). */
    size_t tried[MAX_CAND * 4];
    int nt = 0;
    while (nc < MAX_CAND && nt < MAX_CAND * 4) {
        size_t bi = 0;
        for (size_t l = 2; l + 1 < L->nl; l++) {
            int near = 0;
            for (int k = 0; k < nc; k++)
                near |= fabs(log((double)l / c[k].Q)) < log(1.06);
            for (int k = 0; k < nt; k++)
                near |= l == tried[k];
            if (!near && g[l] > g[l - 1] && g[l] >= g[l + 1] && admissible(L, (double)l) &&
                (bi == 0 || g[l] > g[bi]))
                bi = l;
        }
        if (bi == 0)
            break;
        tried[nt++] = bi;
        double Q = refine(g, L->nl, (double)bi);
        int dup = 0;
        for (int k = 0; k < nc; k++)
            dup |= fabs(log(Q / c[k].Q)) < log(1.06);
        if (dup || !admissible(L, Q))
            continue;
        c[nc] = (an_level_cand){.Q = Q, .extra = 1};
        c[nc].mult = c[nc].Q / P0;
        nc++;
    }
    return nc;
}

/* Candidate levels of the tempogram peak @p P0 and their features; returns their count. */
static int candidates(const an_level_in *L, double P0, an_level_cand *c)
{
    static const double mult[7] = {1.0 / 3, 0.5, 2.0 / 3, 1.0, 1.5, 2.0, 3.0};
    const double *g = L->g;
    size_t nl = L->nl;
    int nc = 0;
    for (int m = 0; m < 7; m++) {
        double Q = m == 3 ? P0 : refine(g, nl, P0 * mult[m]);
        if (!admissible(L, Q))
            continue;
        /* A level 2:3 away from the peak (a dotted grouping) must be nearly as periodic. */
        double gq = mood__lag_at(g, nl, Q), g0 = mood__lag_at(g, nl, P0);
        int dw = (m == 2 || m == 4) && gq < DOTTED_MIN * g0;
        c[nc++] = (an_level_cand){.Q = Q, .mult = mult[m], .dotted_weak = dw};
    }
    nc = extra_peaks(L, P0, c, nc);
    for (int k = 0; k < nc; k++)
        measure(L, &c[k]);
    return nc;
}

/* Weights of the linear level score over the features of level_features. Fitted by
 * bench/audio/fit_rhythm.py: conditional logit (softmax over a song's candidates, the
 * candidate within 4% of the labelled beat tempo is the target), L2 1e-2, on the tuning set
 * (seeds 1000-1119) plus 300 songs of seeds 2000-2299 (pick accuracy 0.821 in 10-fold
 * cross-validation over songs, the rule alone 0.710). */
static const double W[NF] = {0.1708,  -1.354, -0.6804, -0.2638, 2.711,   1.446,
                             -3.645,  -3.854, -3.377,  0.6489,  -0.1734, -0.6115,
                             -0.1116, 8.258,  5.045,   -0.9983, -0.9786};

/* Feature vector of candidate @p c (gP0: tempogram at the peak; rate: onsets per second). */
static void level_features(const an_level_in *L, const an_level_cand *c, int rule, double gP0,
                           double rate, double *f)
{
    double bpm = 60.0 * L->fr / c->Q, z = log2(bpm / PRIOR_BPM), gp = MOOD_MAX(gP0, 1e-6);
    f[0] = z;
    f[1] = z * z;
    f[2] = MOOD_MAX(0.0, mood__lag_at(L->g, L->nl, c->Q)) / gp;
    f[3] = MOOD_MAX(0.0, mood__lag_at(L->g, L->nl, 2 * c->Q)) / gp;
    f[4] = c->r1;
    f[5] = c->r2;
    f[6] = c->r3;
    f[7] = c->lr1;
    f[8] = c->lr2;
    f[9] = rule;
    f[10] = log2(MOOD_MAX(0.05, rate * 60.0 / bpm));
    f[11] = fabs(c->mult - 2.0 / 3) < 1e-6 || fabs(c->mult - 1.5) < 1e-6;
    f[12] = fabs(c->mult - 1.0 / 3) < 1e-6 || fabs(c->mult - 3.0) < 1e-6;
    f[13] = z * gP0;
    f[14] = c->sal;
    f[15] = c->lsal;
    f[16] = c->extra;
}

/* Index of the rule's level among @p c: the onset rule, else the prior peak (halved when the
 * pulse is weak and fast: soft articulation is heard slower); *conf the rule's confidence. */
static int rule_level(const an_level_in *L, an_level_cand *c, int nc, double P0, float *conf)
{
    *conf = 0.0f;
    int k = rule_pick(L->o, L->n, L->win, L->hop, c, nc, L->fr, conf);
    if (k >= 0)
        return k;
    double P = P0;
    if (mood__lag_at(L->g, L->nl, P0) < 0.25 && 60.0 * L->fr / P0 > 120.0)
        P = 2 * P0;
    int best = 0;
    for (int j = 1; j < nc; j++)
        if (fabs(log(c[j].Q / P)) < fabs(log(c[best].Q / P)))
            best = j;
    return best;
}

/* Whether beat period @p Q divides the harmonic-change period @p bar into a whole number of
 * beats (1-16; chords may change every two bars of a fast 4/4). The tolerance grows with the
 * count: the bar period is measured to about 1%. */
static int bar_fits(double bar, double Q, int metrical)
{
    double q = bar / Q, r = round(q);
    if (r < 1 || r > 16 || fabs(q - r) > 0.1 + 0.012 * q)
        return 0;
    return !metrical || (0x1115e & (1 << (int)r)); /* bits 1, 2, 3, 4, 6, 8, 12, 16 */
}

/* Index of the best-scored of c[k0, k1) that fits @p bar, -1 when none. */
static int best_fitting(double bar, int metrical, const an_level_cand *c, const double *sc, int k0,
                        int k1)
{
    int bb = -1;
    for (int k = k0; k < k1; k++)
        if (bar_fits(bar, c[k].Q, metrical) && (bb < 0 || sc[k] > sc[bb]))
            bb = k;
    return bb;
}

/* The admissible metrical divisions (2, 3, 4, 8, 12, 16 beats; 6 gained less on the tuning
 * songs: it is the eighth level of 3/4, rarely the beat) of the harmonic-change
 * period, measured, into @p c; returns their count. Not refined to the tempogram: in drumless
 * music its peaks are the pad's tremolo and the voice's vibrato, and the bar is measured to
 * about 1%. */
static int bar_candidates(const an_level_in *L, double P0, an_level_cand *c)
{
    static const int div[BAR_MAX_DIV] = {2, 3, 4, 8, 12, 16};
    int nb = 0;
    for (int m = 0; m < BAR_MAX_DIV; m++) {
        double Q = L->bar / div[m], bpm = 60.0 * L->fr / Q;
        /* The tempogram need not be positive there: the tremolo's periodicity may swamp it. */
        if (bpm < MIN_BPM || bpm > MAX_BPM || 2 * Q >= (double)L->nl)
            continue;
        c[nb] = (an_level_cand){.Q = Q, .mult = Q / P0, .extra = 1};
        measure(L, &c[nb]);
        nb++;
    }
    return nb;
}

/* Linear level scores of c[k0, k1) into @p sc (@p rk: the onset rule's candidate). */
static void score(const an_level_in *L, const an_level_cand *c, int k0, int k1, int rk, double gP0,
                  double rate, double *sc)
{
    const char *trace = getenv("MOOD_RHYTHM_TRACE");
    double f[NF];
    for (int k = k0; k < k1; k++) {
        level_features(L, &c[k], k == rk, gP0, rate, f);
        sc[k] = 0;
        for (int j = 0; j < NF; j++)
            sc[k] += W[j] * f[j];
        if (trace && *trace) {
            fprintf(stderr, "rhythm-level %.3f", 60.0 * L->fr / c[k].Q);
            for (int j = 0; j < NF; j++)
                fprintf(stderr, " %.5g", f[j]);
            fprintf(stderr, "\n");
        }
    }
}

double mood__rhythm_level(const an_level_in *L, double P0, double rate, an_rhythm *out)
{
    an_level_cand c[MAX_CAND + BAR_MAX_DIV];
    double sc[MAX_CAND + BAR_MAX_DIV];
    int nc = candidates(L, P0, c);
    out->octave_conf = 0.0f;
    if (nc == 0)
        return P0;
    float rconf;
    int rk = rule_level(L, c, nc, P0, &rconf);
    double gP0 = mood__lag_at(L->g, L->nl, P0);
    score(L, c, 0, nc, rk, gP0, rate, sc);
    int b1 = 0;
    for (int k = 1; k < nc; k++)
        if (sc[k] > sc[b1])
            b1 = k;
    /* The onset rule's verdict wins over a double-time pick of the score when the rule decided
     * on clear onset evidence (r2 - r1 >= RULE_WIN_CONF) and the pulse is strongly periodic
     * (g(P0) >= RULE_WIN_G): machine-exact four-on-the-floor at 60-100 BPM (kick every beat,
     * open hi-hat on the off-beats) sits outside the songs the score was fitted on and reads
     * as double. On the tuning songs (420) this changes 2 picks, one right and one wrong. */
    int over = rk != b1 && rconf >= RULE_WIN_CONF && gP0 >= RULE_WIN_G &&
               fabs(log(c[rk].Q / c[b1].Q / 2.0)) < log(1.06);
    int weak = gP0 < WEAK_PULSE_G;
    int use_bar = L->bar > 0.0 && L->bar_strength >= (weak ? BAR_WEAK_STRENGTH : BAR_MIN_STRENGTH);
    if (use_bar && !bar_fits(L->bar, c[over ? rk : b1].Q, weak)) {
        int bb = best_fitting(L->bar, weak, c, sc, 0, nc);
        if (bb < 0) { /* no tempogram level fits: the bar's own divisions are the candidates */
            int nb = bar_candidates(L, P0, c + nc);
            score(L, c, nc, nc + nb, -1, gP0, rate, sc);
            nc += nb;
            bb = best_fitting(L->bar, weak, c, sc, 0, nc);
        }
        if (bb >= 0) {
            level_confidence(c, sc, nc, bb, L->fr, out);
            /* Chosen over better-scored levels: no margin to report (it would be negative). */
            out->octave_conf = MOOD_MAX(0.0f, out->octave_conf);
            return c[bb].Q;
        }
    }
    if (over) {
        level_confidence(c, sc, nc, rk, L->fr, out);
        out->octave_conf = rconf;
        out->alt_bpm = (float)(60.0 * L->fr / c[b1].Q);
        out->alt_conf = 1.0f - rconf;
        return c[rk].Q;
    }
    level_confidence(c, sc, nc, b1, L->fr, out);
    return c[b1].Q;
}
