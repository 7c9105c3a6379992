/*
 * YIN fundamental-frequency estimation (de Cheveigné & Kawahara, JASA 2002) with the
 * difference function computed through one FFT autocorrelation, so a frame costs
 * O(W log W) instead of O(W * tau_max). Hand-written: no Debian C library offers YIN with
 * a per-frame voicing probability that we can drive from our own frame loop.
 */
#include "audio_internal.h"

#include <math.h>

/* Threshold on the cumulative-mean-normalised difference: the paper's 0.10-0.15 range. */
#define YIN_THRESHOLD 0.15f

float mood__yin(mood_audio_analyzer *az, const float *x, float *out_prob)
{
    const int W = AN_YIN_W;
    double prefix[AN_YIN_W + 1];
    float d[AN_YIN_W / 2 + 1];
    int tau_min = az->rate / 1000, tau_max = az->rate / 60;
    if (tau_max > W / 2)
        tau_max = W / 2;
    if (tau_min < 2)
        tau_min = 2;
    prefix[0] = 0;
    for (int i = 0; i < W; i++) {
        az->yin_in[i] = x[i];
        az->yin_in[W + i] = 0.0f;
        prefix[i + 1] = prefix[i] + (double)x[i] * (double)x[i];
    }
    *out_prob = 0.0f;
    /* Quieter than about -60 dBFS RMS: silence is unvoiced by definition. */
    if (prefix[W] / W < 1e-6)
        return 0.0f;
    fftwf_execute(az->yin_fwd);
    for (int k = 0; k <= W; k++) {
        float re = az->yin_spec[k][0], im = az->yin_spec[k][1];
        az->yin_spec[k][0] = re * re + im * im;
        az->yin_spec[k][1] = 0.0f;
    }
    fftwf_execute(az->yin_inv);
    const double inv = 1.0 / (2.0 * W);
    double running = 0.0;
    d[0] = 1.0f;
    float best = 1.0f;
    int best_tau = 0, found = 0;
    for (int tau = 1; tau <= tau_max; tau++) {
        double r = (double)az->yin_acf[tau] * inv;
        double e0 = prefix[W - tau], e1 = prefix[W] - prefix[tau];
        double diff = e0 + e1 - 2.0 * r;
        if (diff < 0)
            diff = 0;
        running += diff;
        d[tau] = running > 0 ? (float)(diff * tau / running) : 1.0f;
    }
    for (int tau = tau_min; tau <= tau_max; tau++) {
        if (d[tau] < best) {
            best = d[tau];
            best_tau = tau;
        }
        if (d[tau] < YIN_THRESHOLD) {
            /* Follow the dip to its bottom: the first minimum under the threshold. */
            while (tau + 1 <= tau_max && d[tau + 1] < d[tau])
                tau++;
            best = d[tau];
            best_tau = tau;
            found = 1;
            break;
        }
    }
    *out_prob = best < 1.0f ? 1.0f - best : 0.0f;
    if (!found || best_tau <= tau_min - 1 || best_tau >= tau_max)
        return 0.0f;
    /* Parabolic interpolation of the dip for sub-sample period. */
    float a = d[best_tau - 1], b = d[best_tau], c = d[best_tau + 1];
    float den = a - 2.0f * b + c, shift = 0.0f;
    if (fabsf(den) > 1e-12f)
        shift = 0.5f * (a - c) / den;
    if (shift > 0.5f || shift < -0.5f)
        shift = 0.0f;
    return (float)az->rate / ((float)best_tau + shift);
}
