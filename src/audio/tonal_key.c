/*
 * Key scoring: a treble and a bass pitch-class profile are each correlated (Pearson, as in
 * Krumhansl 1990) with the 12 rotations of a major and a minor key profile; a key's score is
 * the treble correlation plus a weighted bass correlation. The bass term separates keys that
 * share most of their pitch classes (relative major/minor, neighbours on the circle of fifths):
 * the tonic and the dominant dominate the bass line of a tonal piece far more than they dominate
 * the harmony above it.
 */
#include "audio_internal.h"

#include <math.h>

/* Profiles fitted on the tuning set (bench/audio/corpus.py, split "tune"): the mean
 * tonic-rotated HPCP of its 108 single-key songs per mode, scaled to a maximum of 1; treble
 * and bass, C major / C minor. The bass weight and the ending weight (tonal.c) were chosen on
 * the same set by leave-one-out. */
static const double prof_major[12] = {1.000, 0.077, 0.660, 0.057, 0.648, 0.518,
                                      0.142, 0.982, 0.066, 0.599, 0.111, 0.497};
static const double prof_minor[12] = {1.000, 0.121, 0.533, 0.630, 0.121, 0.551,
                                      0.096, 0.960, 0.482, 0.121, 0.386, 0.237};
static const double bass_major[12] = {1.000, 0.148, 0.478, 0.125, 0.312, 0.447,
                                      0.174, 0.964, 0.125, 0.329, 0.111, 0.218};
static const double bass_minor[12] = {1.000, 0.186, 0.409, 0.444, 0.150, 0.459,
                                      0.164, 0.933, 0.384, 0.144, 0.290, 0.227};
#define BASS_WEIGHT 0.25

/* Pearson correlation of @p x with profile @p prof rotated to tonic @p key. */
static double corr_rot(const double *x, const double *prof, int key)
{
    double mx = 0, mp = 0, sxy = 0, sxx = 0, spp = 0;
    for (int i = 0; i < 12; i++) {
        mx += x[i];
        mp += prof[i];
    }
    mx /= 12;
    mp /= 12;
    for (int i = 0; i < 12; i++) {
        double a = x[(i + key) % 12] - mx, b = prof[i] - mp;
        sxy += a * b;
        sxx += a * a;
        spp += b * b;
    }
    return sxx > 0 && spp > 0 ? sxy / sqrt(sxx * spp) : 0.0;
}

void mood__key_scores(const float *treble12, const float *bass12, double out[24])
{
    double tr[12], bs[12];
    for (int i = 0; i < 12; i++) {
        tr[i] = treble12[i];
        bs[i] = bass12 ? (double)bass12[i] : 0.0;
    }
    for (int mode = 0; mode < 2; mode++)
        for (int key = 0; key < 12; key++) {
            double s = corr_rot(tr, mode ? prof_major : prof_minor, key);
            if (bass12)
                s += BASS_WEIGHT * corr_rot(bs, mode ? bass_major : bass_minor, key);
            out[mode * 12 + key] = s;
        }
}

/* Softmax posteriors at temperature @p temp make the confidences comparable across songs. */
void mood__key_pick(const double sc[24], double temp, int *out_best, int *out_second,
                    float *out_conf, float *out_conf2)
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
    *out_conf = (float)(1.0 / z);
    *out_conf2 = (float)(exp((sc[s] - sc[b]) / temp) / z);
}
