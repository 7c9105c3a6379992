/*
 * Metre, downbeats and swing from the tracked beats.
 *  - beat subdivision profile: the onset strength at fractional positions of every beat
 *    interval, averaged over the song. Straight beats divide at 1/2; compound beats (6/8,
 *    12/8) at 1/3 and 2/3 with both present; swung beats put the off-beat late (2/3 in a
 *    triplet swing) with the 1/3 position empty. The swing ratio is the long:short ratio of
 *    the strongest off-beat position, f / (1 - f);
 *  - bar-level accent: per beat, the low-band onset (kick and bass), the full-band onset and,
 *    when a chroma is given, the harmonic change (chords change on bar lines). Beats per bar
 *    is the lag (2, 3 or 4) at which this accent series repeats best; the downbeat phase the
 *    residue class with the highest accent.
 */
#include "audio_internal.h"

#include "../core/internal.h"

#include <math.h>
#include <string.h>

#define PHASE_SHIFT_RATIO 1.1 /* off-beat over on-beat harmonic change that shifts the beats */
#define PHASE_CHROMA_W    3.0 /* weight of the harmonic change for the downbeat phase */

/* Largest value of series @p x (stride @p st) within one frame of position @p pos. */
static double peak_at(const float *x, size_t st, size_t n, double pos)
{
    long i = lround(pos);
    double m = 0;
    for (long j = i - 1; j <= i + 1; j++)
        if (j >= 0 && (size_t)j < n && (double)x[(size_t)j * st] > m)
            m = x[(size_t)j * st];
    return m;
}

/* Mean of @p x at fraction @p f of the beat intervals. */
static double profile_at(const float *x, size_t n, const size_t *b, size_t nb, double f)
{
    double s = 0;
    for (size_t i = 0; i + 1 < nb; i++)
        s += peak_at(x, 1, n, (double)b[i] + f * (double)(b[i + 1] - b[i]));
    return nb > 1 ? s / (double)(nb - 1) : 0;
}

/* The subdivision envelope: raw full-band onset plus the high band (hi-hats and ride carry
 * the subdivision), each over its mean, so that quiet off-beats are not clipped away. */
static mood_status subdivision_envelope(const an_rhythm_in *in, float **out_x)
{
    size_t n = in->n;
    float *x = mood__calloc(n, sizeof(float));
    double m0 = 0, m1 = 0;
    if (!x)
        return mood__enomem("rhythm: swing");
    for (size_t i = 0; i < n; i++) {
        m0 += (double)in->onset[i];
        m1 += in->bands ? (double)in->bands[2 * i + 1] : 0.0;
    }
    for (size_t i = 0; i < n; i++) {
        double v = m0 > 0 ? (double)in->onset[i] / (m0 / (double)n) : 0.0;
        if (in->bands && m1 > 0)
            v += (double)in->bands[2 * i + 1] / (m1 / (double)n);
        x[i] = (float)v;
    }
    *out_x = x;
    return MOOD_OK;
}

/* Compound metre and swing from the subdivision profile (24 positions per beat, its minimum
 * taken as the floor). */
static void subdivision(const float *x, size_t n, const size_t *b, size_t nb, an_rhythm *out)
{
    enum { K = 24 };
    double prof[K], floor_v = HUGE_VAL;
    for (int k = 0; k < K; k++) {
        prof[k] = profile_at(x, n, b, nb, (double)k / K);
        floor_v = MOOD_MIN(floor_v, prof[k]);
    }
    for (int k = 0; k < K; k++)
        prof[k] -= floor_v;
    double p0 = prof[0], ph = prof[K / 2], p13 = prof[K / 3], p23 = prof[2 * K / 3];
    /* Triple division: a third-of-a-beat position clearly above the half-beat one. Compound
     * when the first third is present too (at least a third of the second), swung otherwise. */
    double p3 = MOOD_MAX(p13, p23);
    int triple = p0 > 0 && p3 > 1.3 * ph && p3 > 0.05 * p0;
    out->compound = triple && p13 >= 0.33 * p23 && p13 > 0.5 * ph;
    if (!triple || out->compound)
        return;
    /* Swing: the strongest off-beat position from 11/24 to 17/24, refined by a parabola. */
    int bk = K / 2;
    for (int k = 11; k <= 17; k++)
        if (prof[k] > prof[bk])
            bk = k;
    double a = prof[bk - 1], c = prof[bk + 1], den = a - 2 * prof[bk] + c, sh = 0;
    if (fabs(den) > 1e-12)
        sh = MOOD_MAX(-0.5, MOOD_MIN(0.5, 0.5 * (a - c) / den));
    double f = ((double)bk + sh) / K;
    out->swing = (float)(f / (1 - f));
}

/* Harmonic change at chroma row @p r: 1 - cosine of the two rows before and the two after. */
static double chroma_change(const an_rhythm_in *in, size_t r)
{
    size_t d = in->chroma_dim;
    if (r < 2 || r + 2 > in->n_chroma)
        return 0;
    double ab = 0, aa = 0, bb = 0;
    for (size_t j = 0; j < d; j++) {
        const float *c = in->chroma;
        double a = (double)c[(r - 2) * d + j] + (double)c[(r - 1) * d + j];
        double z = (double)c[r * d + j] + (double)c[(r + 1) * d + j];
        ab += a * z;
        aa += a * a;
        bb += z * z;
    }
    return aa > 0 && bb > 0 ? 1 - ab / sqrt(aa * bb) : 0;
}

/* Harmonic change around frame position @p pos (its chroma row and the next). */
static double change_at(const an_rhythm_in *in, double pos)
{
    size_t r = (size_t)(MOOD_MAX(0.0, pos) / (double)in->chroma_hops);
    return MOOD_MAX(chroma_change(in, r), chroma_change(in, r + 1));
}

void mood__beat_phase_check(const an_rhythm_in *in, const float *o, size_t *b, size_t nb)
{
    if (!in->chroma || in->n_chroma < 8 || in->chroma_hops == 0 || nb < 8)
        return;
    double on = 0, off = 0, on_o = 0, off_o = 0;
    for (size_t i = 0; i + 1 < nb; i++) {
        double x = (double)b[i], mid = 0.5 * (double)(b[i] + b[i + 1]);
        on += change_at(in, x);
        off += change_at(in, mid);
        on_o += peak_at(o, 1, in->n, x);
        off_o += peak_at(o, 1, in->n, mid);
    }
    /* The harmony decides only when the onsets leave the phase ambiguous (off-beats at least
     * 0.6 as strong as the beats). */
    if (off <= PHASE_SHIFT_RATIO * on || off_o < 0.6 * on_o)
        return;
    /* Chords change between the tracked beats: they are the off-beats; move each beat to the
     * midpoint that follows it (the last keeps its interval). */
    size_t last = b[nb - 1] + (b[nb - 1] - b[nb - 2]) / 2;
    for (size_t i = 0; i + 1 < nb; i++)
        b[i] = (b[i] + b[i + 1]) / 2;
    b[nb - 1] = MOOD_MIN(last, in->n - 1);
}

/* z-score @p x in place. */
static void zscore(double *x, size_t n)
{
    double m = 0, v = 0;
    for (size_t i = 0; i < n; i++)
        m += x[i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++)
        v += (x[i] - m) * (x[i] - m);
    double sd = sqrt(v / (double)n) + 1e-9;
    for (size_t i = 0; i < n; i++)
        x[i] = (x[i] - m) / sd;
}

/* Per-beat bar-level accent into @p acc (nb values). */
static void beat_accent(const an_rhythm_in *in, const float *o, const size_t *b, size_t nb,
                        double chroma_w, double *acc, double *tmp)
{
    for (size_t i = 0; i < nb; i++)
        acc[i] = 0.5 * peak_at(o, 1, in->n, (double)b[i]);
    zscore(acc, nb);
    if (in->bands) {
        for (size_t i = 0; i < nb; i++)
            tmp[i] = peak_at(in->bands, 2, in->n, (double)b[i]);
        zscore(tmp, nb);
        for (size_t i = 0; i < nb; i++)
            acc[i] += tmp[i];
    }
    if (in->chroma && in->n_chroma > 8 && in->chroma_hops > 0) {
        for (size_t i = 0; i < nb; i++) {
            size_t r = b[i] / in->chroma_hops;
            double m = chroma_change(in, r);
            m = MOOD_MAX(m, chroma_change(in, r + 1));
            tmp[i] = MOOD_MAX(m, r > 0 ? chroma_change(in, r - 1) : 0);
        }
        zscore(tmp, nb);
        for (size_t i = 0; i < nb; i++)
            acc[i] += chroma_w * tmp[i];
    }
}

/* Correlation of @p x with itself @p lag later. */
static double lag_corr(const double *x, size_t n, size_t lag)
{
    double s = 0;
    for (size_t i = 0; i + lag < n; i++)
        s += x[i] * x[i + lag];
    return n > lag ? s / (double)(n - lag) : 0;
}

mood_status mood__rhythm_meter(const an_rhythm_in *in, const float *o, const size_t *b, size_t nb,
                               an_rhythm *out)
{
    out->beats_per_bar = 0;
    out->compound = 0;
    out->swing = 1.0f;
    if (nb < 8)
        return MOOD_OK;
    float *x = NULL;
    mood_status st = subdivision_envelope(in, &x);
    if (st != MOOD_OK)
        return st;
    subdivision(x, in->n, b, nb, out);
    mood__free(x);
    double *acc = mood__malloc_array(3 * nb, sizeof(double));
    if (!acc)
        return mood__enomem("rhythm: metre");
    /* Beats per bar from the accent with the harmonic change weighted as the onsets; the
     * downbeat phase with it weighted higher (kick and snare accents repeat every two beats,
     * chords change on the bar line). */
    beat_accent(in, o, b, nb, 1.0, acc, acc + 2 * nb);
    double r2 = lag_corr(acc, nb, 2), r3 = lag_corr(acc, nb, 3), r4 = lag_corr(acc, nb, 4);
    beat_accent(in, o, b, nb, PHASE_CHROMA_W, acc + nb, acc + 2 * nb);
    int bpb = out->compound ? 2 : (r3 > r4 && r3 > r2 ? 3 : 4);
    /* Downbeat phase: the residue class with the highest mean accent. */
    int phase = 0;
    double best = -HUGE_VAL;
    for (int ph = 0; ph < bpb; ph++) {
        double s = 0;
        size_t k = 0;
        for (size_t i = (size_t)ph; i < nb; i += (size_t)bpb, k++)
            s += acc[nb + i];
        if (k && s / (double)k > best) {
            best = s / (double)k;
            phase = ph;
        }
    }
    mood__free(acc);
    out->beats_per_bar = bpb;
    out->downbeats = mood__malloc_array(nb / (size_t)bpb + 1, sizeof(float));
    if (!out->downbeats)
        return mood__enomem("rhythm: downbeats");
    out->n_downbeats = 0;
    for (size_t i = (size_t)phase; i < nb; i += (size_t)bpb)
        out->downbeats[out->n_downbeats++] = (float)((double)b[i] / in->frame_rate_hz);
    return MOOD_OK;
}
