/*
 * Key scoring. A span of chord frames is described by four 12-bin pitch-class profiles: the
 * treble HPCP of the whole span, the treble and the bass of its last 8 seconds (a piece, and a
 * section before a modulation, closes on a cadence to its tonic) and the treble of its first
 * 8 seconds (it usually opens in its key). Each profile is centred and scaled to unit norm, so
 * that only its shape counts, as in Krumhansl's correlation method. A key's score is linear in
 * the profiles rotated to its tonic: one weight vector per profile and mode, plus a mode bias.
 * The weights are a multinomial logistic regression over the 24 keys (softmax of the scores),
 * fitted on single-key songs of the tuning material (bench/audio/corpus.py, seeds disjoint from
 * the held-out set) with an L2 penalty chosen by 10-fold cross-validation; the scores are
 * therefore log-posteriors up to a constant, and their softmax is the key confidence.
 *
 * Key segments use a second model of the same form on 8-second windows (treble and bass of the
 * window), fitted on windows of the same songs.
 */
#include "audio_internal.h"

#include <math.h>

#include "tonal_key_weights.h"

/* Centre @p x (12 bins) and scale it to unit L2 norm (zero stays zero). */
static void unit_shape(const float *x, double out[12])
{
    double m = 0, n = 0;
    for (int i = 0; i < 12; i++)
        m += (double)x[i];
    m /= 12;
    for (int i = 0; i < 12; i++) {
        out[i] = (double)x[i] - m;
        n += out[i] * out[i];
    }
    n = sqrt(n);
    for (int i = 0; i < 12; i++)
        out[i] = n > 0 ? out[i] / n : 0.0;
}

/* Linear scores of @p nb unit-shape profiles @p z under weights @p w[2][nb][12], bias @p b. */
static void linear_scores(const double (*z)[12], int nb, const float *w, const float *b,
                          double out[24])
{
    for (int mode = 0; mode < 2; mode++)
        for (int key = 0; key < 12; key++) {
            double s = (double)b[mode];
            for (int j = 0; j < nb; j++) {
                const float *wj = w + (mode * nb + j) * 12;
                for (int i = 0; i < 12; i++)
                    s += (double)wj[i] * z[j][(i + key) % 12];
            }
            out[mode * 12 + key] = s;
        }
}

void mood__key_scores(const float *treble12, const float *bass12, double out[24])
{
    double z[2][12];
    const float zero[12] = {0};
    unit_shape(treble12, z[0]);
    unit_shape(bass12 ? bass12 : zero, z[1]);
    linear_scores((const double(*)[12])z, 2, &win_w[0][0][0], win_b, out);
}

#define END_S   8.0 /* the closing stretch of a span */
#define START_S 8.0 /* the opening stretch */

double mood__key_span_scores(const float *frames, const unsigned char *voiced, size_t f0, size_t f1,
                             double fdur, double out[24])
{
    float blk[KEY_NBLK][12] = {{0}};
    size_t first = f1, last = f0;
    for (size_t f = f0; f < f1; f++)
        if (voiced[f]) {
            first = first == f1 ? f : first;
            last = f;
        }
    if (first == f1) {
        for (int k = 0; k < 24; k++)
            out[k] = 0.0;
        return 0.0;
    }
    const double ne = (double)lround(END_S / fdur), ns = (double)lround(START_S / fdur);
    for (size_t f = first; f <= last; f++) {
        if (!voiced[f])
            continue;
        const float *tr = frames + f * 24, *bs = tr + 12;
        int end = (double)f > (double)last - ne, start = (double)f < (double)first + ns;
        for (int i = 0; i < 12; i++) {
            blk[0][i] += tr[i];
            if (end) {
                blk[1][i] += tr[i];
                blk[2][i] += bs[i];
            }
            if (start)
                blk[3][i] += tr[i];
        }
    }
    double z[KEY_NBLK][12];
    for (int j = 0; j < KEY_NBLK; j++)
        unit_shape(blk[j], z[j]);
    linear_scores((const double(*)[12])z, KEY_NBLK, &key_w[0][0][0], key_b, out);
    /* Tonal strength: the correlation of the whole-span treble with the best key's treble
     * weights, and the clarity of that treble (one minus its normalised entropy); both are low
     * for drums and noise, whose profiles are flat or shapeless. Each counts in full from about
     * its 2% quantile over the tuning songs. */
    int b = 0;
    for (int k = 1; k < 24; k++)
        b = out[k] > out[b] ? k : b;
    double wz[12], c = 0, sum = 0, ent = 0;
    unit_shape(key_w[b / 12][0], wz);
    for (int i = 0; i < 12; i++) {
        c += wz[i] * z[0][(i + b % 12) % 12];
        sum += (double)blk[0][i];
    }
    for (int i = 0; i < 12; i++) {
        double p = sum > 0 ? (double)blk[0][i] / sum : 0.0;
        ent -= p > 0 ? p * log(p) : 0.0;
    }
    double fc = c > 0 ? c / KEY_STRENGTH_FULL : 0.0,
           fk = (1.0 - ent / log(12.0)) / KEY_CLARITY_FULL;
    return (fc < 1.0 ? fc : 1.0) * (fk < 1.0 ? (fk > 0.0 ? fk : 0.0) : 1.0);
}

void mood__key_pick(const double sc[24], double temp, double strength, int *out_best,
                    int *out_second, float *out_conf, float *out_conf2)
{
    int b = 0, s = -1;
    for (int i = 1; i < 24; i++)
        if (sc[i] > sc[b])
            b = i;
    for (int i = 0; i < 24; i++)
        if (i != b && (s < 0 || sc[i] > sc[s]))
            s = i;
    double z = 0;
    for (int i = 0; i < 24; i++)
        z += exp((sc[i] - sc[b]) / temp);
    *out_best = b;
    *out_second = s;
    /* The posterior of the best key, scaled down when the span is hardly tonal at all. */
    double f = strength > 1.0 ? 1.0 : strength;
    *out_conf = (float)(f / z);
    *out_conf2 = (float)(f * exp((sc[s] - sc[b]) / temp) / z);
}
