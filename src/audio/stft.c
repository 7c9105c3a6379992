/*
 * The shared short-time Fourier transform (FFTW, single precision) and the fixed maps built on
 * its bins: Hann window, mel filterbank, DCT-II for MFCCs, bin-to-pitch-class map for chroma,
 * octave bands for spectral contrast. All are made once per analyser.
 */
#include "audio_internal.h"

#include "../core/internal.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

/* FFTW's planner keeps global state and is documented as not thread-safe: plans are created and
 * destroyed under this lock; executing a plan (fftwf_execute_dft_r2c) is thread-safe. */
static pthread_mutex_t planner_lock = PTHREAD_MUTEX_INITIALIZER;

static double hz_to_mel(double f)
{
    return 2595.0 * log10(1.0 + f / 700.0);
}

static double mel_to_hz(double m)
{
    return 700.0 * (pow(10.0, m / 2595.0) - 1.0);
}

/* Triangular HTK-mel filters from 30 Hz to min(Nyquist, 11 kHz), stored sparsely. */
static mood_status build_mel(mood_audio_analyzer *az)
{
    double fmax = MOOD_MIN(az->rate / 2.0, 11000.0), fmin = 30.0;
    double mlo = hz_to_mel(fmin), mhi = hz_to_mel(fmax);
    double edges[AN_NMEL + 2];
    double bin_hz = (double)az->rate / AN_NFFT;
    size_t total = 0;
    for (int i = 0; i < AN_NMEL + 2; i++)
        edges[i] = mel_to_hz(mlo + (mhi - mlo) * i / (AN_NMEL + 1));
    for (int b = 0; b < AN_NMEL; b++) {
        int lo = (int)ceil(edges[b] / bin_hz), hi = (int)floor(edges[b + 2] / bin_hz);
        if (hi < lo)
            hi = lo; /* narrow low bands still get their nearest bin */
        if (hi > AN_NBINS - 1)
            hi = AN_NBINS - 1;
        az->mel_lo[b] = lo;
        az->mel_len[b] = hi - lo + 1;
        az->mel_off[b] = (int)total;
        total += (size_t)(hi - lo + 1);
    }
    az->mel_w = mood__malloc_array(total, sizeof(float));
    if (!az->mel_w)
        return mood__enomem("audio: mel filterbank");
    for (int b = 0; b < AN_NMEL; b++) {
        for (int j = 0; j < az->mel_len[b]; j++) {
            double f = (az->mel_lo[b] + j) * bin_hz, w;
            if (f <= edges[b + 1])
                w = (f - edges[b]) / (edges[b + 1] - edges[b]);
            else
                w = (edges[b + 2] - f) / (edges[b + 2] - edges[b + 1]);
            if (w < 0)
                w = 0;
            if (az->mel_len[b] == 1)
                w = 1;
            az->mel_w[az->mel_off[b] + j] = (float)w;
        }
    }
    /* Orthonormal DCT-II, as in the usual MFCC definition. */
    for (int c = 0; c < MOOD_AUDIO_N_MFCC; c++)
        for (int b = 0; b < AN_NMEL; b++)
            az->dct[c][b] =
                (float)(cos(M_PI * c * (b + 0.5) / AN_NMEL) * sqrt((c == 0 ? 1.0 : 2.0) / AN_NMEL));
    return MOOD_OK;
}

/*
 * HPCP bands (tonal_hpcp.c): spectral peaks between 100 Hz and 5 kHz make the treble pitch-class
 * profile (Gómez 2006), peaks between 40 and 250 Hz (up to B3) the bass profile. Each bin's pitch
 * in semitones from A440 is tabulated so that the per-peak mapping costs one interpolation.
 */
static void build_chroma(mood_audio_analyzer *az)
{
    double bin_hz = (double)az->rate / AN_NFFT;
    az->bin_semis[0] = -100.0f;
    for (int k = 1; k < AN_NBINS; k++)
        az->bin_semis[k] = (float)(12.0 * log2(k * bin_hz / 440.0));
    az->hpcp_k0 = (int)ceil(100.0 / bin_hz);
    az->hpcp_k1 = MOOD_MIN((int)floor(5000.0 / bin_hz), AN_NBINS - 2) + 1;
    az->bass_k0 = (int)ceil(40.0 / bin_hz);
    az->bass_k1 = (int)floor(250.0 / bin_hz) + 1;
    /* Spectral contrast: octave bands from 200 Hz (200-400, ..., 6.4 kHz-Nyquist). */
    double edge = 200.0;
    for (int i = 0; i <= AN_NCONTRAST; i++) {
        int k = (int)lround(edge / bin_hz);
        if (k > AN_NBINS - 1)
            k = AN_NBINS - 1;
        az->contrast_lo[i] = k;
        edge *= 2;
    }
    az->contrast_lo[AN_NCONTRAST] = AN_NBINS - 1;
    az->band_edge[0] = (int)lround(250.0 / bin_hz);
    az->band_edge[1] = (int)lround(4000.0 / bin_hz);
}

mood_status mood__stft_setup(mood_audio_analyzer *az)
{
    mood_status s;
    for (int i = 0; i < AN_NFFT; i++)
        az->window[i] = (float)(0.5 - 0.5 * cos(2.0 * M_PI * i / AN_NFFT));
    az->fft_in = fftwf_alloc_real(AN_NFFT);
    az->fft_out = fftwf_alloc_complex(AN_NBINS);
    az->yin_in = fftwf_alloc_real(2 * AN_YIN_W);
    az->yin_spec = fftwf_alloc_complex(AN_YIN_W + 1);
    az->yin_acf = fftwf_alloc_real(2 * AN_YIN_W);
    if (!az->fft_in || !az->fft_out || !az->yin_in || !az->yin_spec || !az->yin_acf)
        return mood__enomem("audio: FFT buffers");
    pthread_mutex_lock(&planner_lock);
    /* FFTW_ESTIMATE: measuring would cost more than it saves for a few minutes of audio. */
    az->plan = fftwf_plan_dft_r2c_1d(AN_NFFT, az->fft_in, az->fft_out, FFTW_ESTIMATE);
    az->yin_fwd = fftwf_plan_dft_r2c_1d(2 * AN_YIN_W, az->yin_in, az->yin_spec, FFTW_ESTIMATE);
    az->yin_inv = fftwf_plan_dft_c2r_1d(2 * AN_YIN_W, az->yin_spec, az->yin_acf, FFTW_ESTIMATE);
    pthread_mutex_unlock(&planner_lock);
    if (!az->plan || !az->yin_fwd || !az->yin_inv)
        return mood__error(MOOD_EINTERNAL, "audio: FFTW could not make a plan");
    s = build_mel(az);
    if (s != MOOD_OK)
        return s;
    build_chroma(az);
    return MOOD_OK;
}

void mood__stft_teardown(mood_audio_analyzer *az)
{
    pthread_mutex_lock(&planner_lock);
    if (az->plan)
        fftwf_destroy_plan(az->plan);
    if (az->yin_fwd)
        fftwf_destroy_plan(az->yin_fwd);
    if (az->yin_inv)
        fftwf_destroy_plan(az->yin_inv);
    pthread_mutex_unlock(&planner_lock);
    fftwf_free(az->fft_in);
    fftwf_free(az->fft_out);
    fftwf_free(az->yin_in);
    fftwf_free(az->yin_spec);
    fftwf_free(az->yin_acf);
    mood__free(az->mel_w);
}

void mood__stft_frame(mood_audio_analyzer *az)
{
    float *restrict in = az->fft_in;
    const float *restrict w = az->window;
    for (int i = 0; i < AN_NFFT; i++)
        in[i] *= w[i];
    fftwf_execute(az->plan);
    /* Scale so that a full-scale sine peaks near 1 in magnitude (Hann coherent gain 0.5). */
    const float scale = 2.0f / (0.5f * AN_NFFT);
    for (int k = 0; k < AN_NBINS; k++) {
        float re = az->fft_out[k][0] * scale, im = az->fft_out[k][1] * scale;
        az->power[k] = re * re + im * im;
    }
}
