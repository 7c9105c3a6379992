/*
 * Harmonic pitch class profile (HPCP) of one hop and the tuning-frequency estimate, after
 * Gómez (2006), "Tonal description of music audio signals", ch. 3:
 *  - spectral peaks (local maxima within 40 dB of the loudest) with parabolic interpolation of
 *    the log magnitude, so that a peak's frequency is known to a few cents;
 *  - each treble peak (100 Hz - 5 kHz) adds its energy to the pitch of its first four
 *    subharmonics f/h with weights 0.6^(h-1), so that a note's fundamental collects the support
 *    of its harmonics; each contribution is spread by a cos² window 4/3 semitone wide over a
 *    fine 36-bin chroma laid on the 440 Hz semitone grid. The spreading is linear, so the
 *    contributions of a block (4 hops) are first gathered by position on a grid 16 times finer
 *    (shared linearly between its two nearest points) and the window is applied once per block
 *    as a circular convolution: a few hundred peaks per hop each touching two values instead of
 *    five window evaluations, for a window sampled every 1/48 semitone;
 *  - tuning: the circular mean of the peaks' deviations from that grid, weighted by magnitude,
 *    kept as two running sums; the fine chroma is folded to 12 pitch classes at the end, when
 *    the tuning is known (mood__fold_fine), so one pass over the audio suffices;
 *  - bass peaks (40-250 Hz) make a separate 12-bin profile mapped with the running tuning
 *    estimate (the bass window is wide enough that its early error does not matter).
 */
#include "audio_internal.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

#define HPCP_DECAY    0.6f
#define HPCP_HALF_WIN (2.0f / 3.0f) /* half-width of the cos² window, semitones */

/* The subharmonics f/h, h = 1..4, lie 12 log2(h) = 0, 12, 19.02 and 24 semitones below a
 * peak. On a chroma that wraps at the octave, h = 1, 2 and 4 land on the peak's own pitch
 * class, so their weights are summed and added once; h = 3 (a twelfth below: an octave and a
 * fifth) is the one other position. */
#define HPCP_TWELFTH 19.019550f

/* Position in fine bins (0..AN_FINE) of a pitch @p semis above A440, counted from C. */
static float fine_pos(float semis)
{
    /* Wrapped by whole octaves: exact (as fmodf is) for the few octaves of the HPCP range,
     * and without fmodf's cost, which showed in the profile. */
    float x = (semis + 9.0f) * (AN_FINE / 12.0f);
    while (x >= (float)AN_FINE)
        x -= (float)AN_FINE;
    while (x < 0.0f)
        x += (float)AN_FINE;
    return x;
}

/* cos²(pi/2 d) for |d| <= 1, tabulated (WIN_N + 1 steps over 0..1), for the bass peaks and
 * for the treble window sampled on the position grid. */
#define WIN_N 256
static float win_tab[WIN_N + 2];
/* The window on the position grid: weight of a position t grid steps from a fine bin's centre,
 * t = -HW_SUB..HW_SUB (zero at both ends). */
#define HW_SUB (2 * AN_HPCP_SUB) /* the half-width, 2 fine bins, in grid steps */
#define N_POS  (AN_FINE * AN_HPCP_SUB)
static float kern[2 * HW_SUB + 1];
static pthread_once_t win_once = PTHREAD_ONCE_INIT;

static float win(float d)
{
    float x = fabsf(d) * WIN_N;
    int i = (int)x;
    return i >= WIN_N ? 0.0f : win_tab[i] + (x - (float)i) * (win_tab[i + 1] - win_tab[i]);
}

static void win_init(void)
{
    for (int i = 0; i <= WIN_N + 1; i++) {
        double c = cos(0.5 * M_PI * (i > WIN_N ? WIN_N : i) / WIN_N);
        win_tab[i] = (float)(c * c);
    }
    for (int t = -HW_SUB; t <= HW_SUB; t++)
        kern[t + HW_SUB] = win((float)t / HW_SUB);
}

/* Gather energy @p e at fine position @p pos (0..AN_FINE) on the position grid. */
static void add_fine(float *grid, float pos, float e)
{
    float u = pos * AN_HPCP_SUB;
    int i = (int)u;
    float f = u - (float)i;
    i = i >= N_POS ? i - N_POS : i;
    grid[i] += e * (1.0f - f);
    grid[i + 1 == N_POS ? 0 : i + 1] += e * f;
}

void mood__hpcp_block(mood_audio_analyzer *az, float *row)
{
    float *grid = az->t.hpcp_pos, ext[N_POS + 2 * HW_SUB];
    pthread_once(&win_once, win_init);
    /* The grid with HW_SUB positions of wrap-around on each side: the convolution is circular. */
    memcpy(ext, grid + N_POS - HW_SUB, HW_SUB * sizeof(float));
    memcpy(ext + HW_SUB, grid, N_POS * sizeof(float));
    memcpy(ext + HW_SUB + N_POS, grid, HW_SUB * sizeof(float));
    for (int j = 0; j < AN_FINE; j++) {
        const float *g = ext + j * AN_HPCP_SUB; /* g[HW_SUB] is bin j's centre */
        float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
        for (int t = 0; t <= 2 * HW_SUB; t++)
            acc += kern[t] * g[t];
        row[j] += acc;
    }
    memset(grid, 0, N_POS * sizeof(float));
}

/* Spread energy @p e of a bass pitch @p pc_pos (pitch classes from C, real) over 12 bins. */
static void add_bass(float *bass, float pc_pos, float e)
{
    int j0 = (int)ceilf(pc_pos - HPCP_HALF_WIN), j1 = (int)floorf(pc_pos + HPCP_HALF_WIN);
    for (int j = j0; j <= j1; j++)
        bass[((j % 12) + 12) % 12] += e * win(((float)j - pc_pos) / HPCP_HALF_WIN);
}

/* One interpolated peak at bin @p k: its pitch in semitones from A440 and its magnitude. */
static void peak_at(const mood_audio_analyzer *az, const float *mag, int k, float *out_semis,
                    float *out_amp)
{
    /* Only differences of the log magnitudes enter, so two logarithms of ratios do. */
    float ma = mag[k - 1] + 1e-12f, mb = mag[k], mc = mag[k + 1] + 1e-12f;
    float amc = logf(ma / mc), den = logf(ma * mc / (mb * mb));
    float p = den < 0.0f ? 0.5f * amc / den : 0.0f;
    if (p > 0.5f)
        p = 0.5f;
    if (p < -0.5f)
        p = -0.5f;
    const float *bs = az->bin_semis;
    float slope = p >= 0.0f ? bs[k + 1] - bs[k] : bs[k] - bs[k - 1];
    *out_semis = bs[k] + p * slope;
    *out_amp = mb * expf(-0.25f * amc * p);
}

float mood__tuning_semis(double re, double im)
{
    if (re == 0.0 && im == 0.0)
        return 0.0f;
    return (float)(atan2(im, re) / (2.0 * M_PI));
}

void mood__hpcp_hop(mood_audio_analyzer *az, const float *mag, float *row)
{
    an_track *t = &az->t;
    const int k0 = az->bass_k0 < az->hpcp_k0 ? az->bass_k0 : az->hpcp_k0;
    const int k1 = az->bass_k1 > az->hpcp_k1 ? az->bass_k1 : az->hpcp_k1;
    float mx = 0.0f;
#pragma omp simd reduction(max : mx)
    for (int k = k0; k < k1; k++)
        mx = mag[k] > mx ? mag[k] : mx;
    if (mx < 1e-5f)
        return; /* below -100 dBFS: silence */
    pthread_once(&win_once, win_init);
    const float thr = 0.01f * mx;
    const float octave_w = 1.0f + HPCP_DECAY + HPCP_DECAY * HPCP_DECAY * HPCP_DECAY;
    const float twelfth_w = HPCP_DECAY * HPCP_DECAY;
    double re = 0.0, im = 0.0;
    /* The peaks are listed first without branches (a spectrum's local maxima are too irregular
     * for the branch predictor), then interpolated. */
    int peaks[AN_NBINS], np = 0;
    for (int k = k0; k < k1; k++) {
        peaks[np] = k;
        np += (mag[k] > thr) & (mag[k] > mag[k - 1]) & (mag[k] >= mag[k + 1]);
    }
    for (int q = 0; q < np; q++) {
        int k = peaks[q];
        float semis, amp;
        peak_at(az, mag, k, &semis, &amp);
        float e = amp * amp;
        if (k >= az->hpcp_k0 && k < az->hpcp_k1) {
            add_fine(t->hpcp_pos, fine_pos(semis), e * octave_w);
            add_fine(t->hpcp_pos, fine_pos(semis - HPCP_TWELFTH), e * twelfth_w);
            if (semis > -13.65f) { /* above 200 Hz, where bins are narrower than a semitone */
                float dev = semis - roundf(semis);
                re += (double)(amp * cosf(2.0f * (float)M_PI * dev));
                im += (double)(amp * sinf(2.0f * (float)M_PI * dev));
            }
        }
        if (k >= az->bass_k0 && k < az->bass_k1)
            add_bass(row + AN_FINE, semis - t->tune_semis + 9.0f, e);
    }
    t->tune_re += re;
    t->tune_im += im;
}

void mood__fold_fine(const float *fine, float tuning_semis, float *out12)
{
    const float per = AN_FINE / 12.0f, hw = 0.5f * per; /* triangles tile the octave */
    for (int p = 0; p < 12; p++) {
        float c = per * ((float)p + tuning_semis), acc = 0.0f;
        int j0 = (int)ceilf(c - hw), j1 = (int)floorf(c + hw);
        for (int j = j0; j <= j1; j++) {
            float w = 1.0f - fabsf((float)j - c) / hw;
            if (w > 0.0f)
                acc += w * fine[((j % AN_FINE) + AN_FINE) % AN_FINE];
        }
        out12[p] = acc;
    }
}
