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

/* Profiles fitted on the tuning set (mean tonic-rotated HPCP of the single-key songs per
 * mode, scaled to a maximum of 1): treble and bass, C major / C minor. */
static const double prof_major[12] = {1.000, 0.038, 0.554, 0.040, 0.544, 0.507,
                                      0.069, 0.899, 0.052, 0.505, 0.089, 0.299};
static const double prof_minor[12] = {1.000, 0.099, 0.369, 0.719, 0.069, 0.724,
                                      0.041, 0.798, 0.455, 0.089, 0.592, 0.089};
static const double bass_major[12] = {1.000, 0.076, 0.263, 0.063, 0.257, 0.416,
                                      0.068, 0.681, 0.048, 0.273, 0.042, 0.068};
static const double bass_minor[12] = {1.000, 0.062, 0.133, 0.375, 0.063, 0.524,
                                      0.056, 0.510, 0.244, 0.060, 0.423, 0.070};
#define BASS_WEIGHT 0.5

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
    /* Scaled by the strength of the best match (its score over the largest possible score),
     * so that a non-tonal signal is not confidently in a key. */
    double strength = sc[b] > 0 ? sc[b] / (1.0 + BASS_WEIGHT) : 0.0;
    strength = strength > 1.0 ? 1.0 : strength;
    *out_conf = (float)(strength / z);
    *out_conf2 = (float)(strength * exp((sc[s] - sc[b]) / temp) / z);
}
