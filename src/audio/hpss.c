/*
 * Harmonic-percussive separation by median filtering (Fitzgerald, DAFx 2010), evaluated on the
 * mel spectrogram rather than on linear bins: the harmonic/percussive energy ratio is a global
 * statistic, and 40 mel bands make the two medians about 25 times cheaper than 1025 bins while
 * keeping the "horizontal ridges versus vertical lines" contrast the method relies on.
 */
#include "audio_internal.h"

#include <string.h>

/* Median of n <= 32 values by insertion sort (n is 7 or 17: faster than a select). */
static float small_median(float *v, int n)
{
    for (int i = 1; i < n; i++) {
        float x = v[i];
        int j = i - 1;
        while (j >= 0 && v[j] > x) {
            v[j + 1] = v[j];
            j--;
        }
        v[j + 1] = x;
    }
    return v[n / 2];
}

void mood__hpss_frame(const float ring[AN_HPSS_T][AN_NMEL], size_t newest, double *out_h,
                      double *out_p)
{
    /* The centre frame of the ring (newest - T/2) is the one being classified. */
    size_t centre = (newest + AN_HPSS_T - AN_HPSS_T / 2) % AN_HPSS_T;
    const float *frame = ring[centre];
    double h = 0, p = 0;
    float tmp[32];
    for (int b = 0; b < AN_NMEL; b++) {
        for (int t = 0; t < AN_HPSS_T; t++)
            tmp[t] = ring[t][b];
        float mh = small_median(tmp, AN_HPSS_T);
        int n = 0;
        for (int j = b - AN_HPSS_F / 2; j <= b + AN_HPSS_F / 2; j++)
            tmp[n++] = (j >= 0 && j < AN_NMEL) ? frame[j] : 0.0f;
        float mp = small_median(tmp, n);
        /* Soft (Wiener) masks with power 2, as in the paper's soft-mask variant. */
        double h2 = (double)mh * (double)mh, p2 = (double)mp * (double)mp, den = h2 + p2;
        if (den <= 0)
            continue;
        h += (double)frame[b] * h2 / den;
        p += (double)frame[b] * p2 / den;
    }
    *out_h = h;
    *out_p = p;
}
