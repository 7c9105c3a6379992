/*
 * The streaming frame loop of one track. Decoded blocks arrive at the native rate; loudness and
 * stereo statistics are taken there (the loudness meter needs the native signal to agree with
 * other BS.1770 meters), then the block is downmixed and resampled to the analysis rate and cut
 * into hops. Every hop gets one windowed FFT whose power spectrum feeds all spectral descriptors.
 * Only the onset strength, the RMS and a 48-bin chroma row (36 fine treble bins, 12 bass) every 4
 * hops are kept (about 56 bytes per 23 ms hop, 17 MB for a 2-hour set); everything else is a
 * running sum.
 */
#include "audio_internal.h"

#include "../core/internal.h"

#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ONSET_PEAK_DELAY_S 0.010 /* onset flux peak after the note onset (s) */

mood_status mood__fvec_push(an_fvec *a, const float *x, size_t k, const char *what)
{
    if (a->n + k > a->cap) {
        size_t cap = a->cap ? a->cap : 1024;
        while (cap < a->n + k)
            cap *= 2;
        float *v = mood__realloc(a->v, cap * sizeof(float));
        if (!v)
            return mood__enomem(what);
        a->v = v;
        a->cap = cap;
    }
    memcpy(a->v + a->n, x, k * sizeof(float));
    a->n += k;
    return MOOD_OK;
}

void mood__fvec_free(an_fvec *a)
{
    mood__free(a->v);
    a->v = NULL;
    a->n = a->cap = 0;
}

void mood__stat_add(an_stat *s, double x)
{
    s->sum += x;
    s->sum2 += x * x;
    s->n++;
}

double mood__stat_mean(const an_stat *s)
{
    return s->n ? s->sum / (double)s->n : 0.0;
}

double mood__stat_std(const an_stat *s)
{
    if (s->n < 2)
        return 0.0;
    double m = s->sum / (double)s->n, v = s->sum2 / (double)s->n - m * m;
    return v > 0 ? sqrt(v) : 0.0;
}

void mood__frames_release(mood_audio_analyzer *az)
{
    an_track *t = &az->t;
    swr_free(&t->swr);
    mood__loud_free(&t->loud);
    mood__free(t->mono);
    mood__free(t->rs_out);
    mood__fvec_free(&t->onset);
    mood__fvec_free(&t->onset_bands);
    mood__fvec_free(&t->onset_cd);
    mood__fvec_free(&t->rms);
    mood__fvec_free(&t->chroma);
    mood__fvec_free(&t->f0);
    memset(t, 0, sizeof *t);
}

mood_status mood__frames_begin(mood_audio_analyzer *az, int in_rate, int in_ch)
{
    an_track *t = &az->t;
    AVChannelLayout in_layout, out_layout = AV_CHANNEL_LAYOUT_MONO;
    mood__frames_release(az);
    if (in_ch < 1 || in_ch > 2)
        return mood__error(MOOD_EINVAL, "audio: %d channels (expected 1 or 2 after downmix)",
                           in_ch);
    t->in_rate = in_rate;
    t->in_ch = in_ch;
    av_channel_layout_default(&in_layout, in_ch);
    if (swr_alloc_set_opts2(&t->swr, &out_layout, AV_SAMPLE_FMT_FLT, az->rate, &in_layout,
                            AV_SAMPLE_FMT_FLT, in_rate, 0, NULL) < 0 ||
        !t->swr)
        return mood__enomem("audio: resampler");
    /* A 16-tap polyphase filter: the analysis only needs content up to about 10 kHz and the
     * default 32 taps double the resampling cost for no visible change in the features. */
    av_opt_set_int(t->swr, "filter_size", 16, 0);
    if (swr_init(t->swr) < 0)
        return mood__error(MOOD_EINTERNAL, "audio: resampler %d Hz -> %d Hz failed to start",
                           in_rate, az->rate);
    mood__loud_begin(&t->loud, in_rate, in_ch);
    t->mono_cap = AN_NFFT * 4;
    t->mono = mood__malloc_array(t->mono_cap, sizeof(float));
    if (!t->mono)
        return mood__enomem("audio: frame buffer");
    return MOOD_OK;
}

/* RMS and zero crossings over the hop at the frame centre (consecutive hops then tile the
 * signal exactly, so the RMS envelope has no overlap bias), and the pitch on voiced slots. */
static mood_status hop_time_domain(mood_audio_analyzer *az, const float *x, float *out_rms,
                                   int *out_zc)
{
    an_track *t = &az->t;
    const float *c = x + (AN_NFFT - AN_HOP) / 2;
    float e = 0.0f;
    int zc = 0;
#pragma omp simd reduction(+ : e)
    for (int i = 0; i < AN_HOP; i++)
        e += c[i] * c[i];
#pragma omp simd reduction(+ : zc)
    for (int i = 1; i < AN_HOP; i++)
        zc += (c[i] >= 0.0f) != (c[i - 1] >= 0.0f);
    float rms = sqrtf(e / AN_HOP);
    *out_rms = rms;
    *out_zc = zc;
    if (mood__fvec_push(&t->rms, &rms, 1, "audio: RMS envelope") != MOOD_OK)
        return MOOD_ENOMEM;
    int voiced_slot = (t->n_frames % AN_PITCH_EVERY) == 0;
    if (voiced_slot && rms > 1e-3f) {
        float prob, f0 = mood__yin(az, x + (AN_NFFT - AN_YIN_W) / 2, &prob);
        t->pitch_frames++;
        if (f0 > 0.0f) {
            t->voiced_frames++;
            if (mood__fvec_push(&t->f0, &f0, 1, "audio: pitch track") != MOOD_OK)
                return MOOD_ENOMEM;
        }
    }
    return MOOD_OK;
}

/* Mel bands, their dB values (for MFCCs) and the onset strength: the summed positive rise
 * of log(1 + gamma * mel), a compressed spectral flux (Böck & Widmer 2013) in which quiet
 * broadband events such as hi-hats weigh much less than kicks and snares, unlike a flux
 * of dB values where any event rising out of silence counts fully. Then HPSS on the mel ring. */
static mood_status hop_mel(mood_audio_analyzer *az, const float *P, float *mel_db)
{
    an_track *t = &az->t;
    float mel[AN_NMEL];
    float flux = 0.0f, band_flux[2] = {0.0f, 0.0f}; /* low, high bands (rhythm) */
    for (int b = 0; b < AN_NMEL; b++) {
        const float *w = az->mel_w + az->mel_off[b];
        const float *p = P + az->mel_lo[b];
        float acc = 0;
#pragma omp simd reduction(+ : acc)
        for (int j = 0; j < az->mel_len[b]; j++)
            acc += w[j] * p[j];
        mel[b] = acc;
        float db = (float)(10.0 / M_LN10) * logf(acc + 1e-10f); /* logf: log10f is a wrapper */
        if (db < -80.0f)
            db = -80.0f;
        mel_db[b] = db;
        float lc = logf(1.0f + az->onset_gamma * acc);
        if (t->n_frames > 0 && lc > t->prev_mel_db[b]) {
            flux += lc - t->prev_mel_db[b];
            if (b < AN_ONSET_LOW || b >= AN_ONSET_HIGH)
                band_flux[b < AN_ONSET_LOW ? 0 : 1] += lc - t->prev_mel_db[b];
        }
        t->prev_mel_db[b] = lc;
    }
    float onset = flux / AN_NMEL;
    if (mood__fvec_push(&t->onset, &onset, 1, "audio: onset envelope") != MOOD_OK)
        return MOOD_ENOMEM;
    if (mood__fvec_push(&t->onset_bands, band_flux, 2, "audio: onset envelope") != MOOD_OK)
        return MOOD_ENOMEM;
    memcpy(t->hp_ring[t->n_frames % AN_HPSS_T], mel, sizeof mel);
    if (t->n_frames + 1 >= AN_HPSS_T && t->n_frames % AN_HPSS_EVERY == 0) {
        double h, p;
        mood__hpss_frame((const float(*)[AN_NMEL])t->hp_ring, t->n_frames % AN_HPSS_T, &h, &p);
        t->harm_e += h;
        t->perc_e += p;
    }
    return MOOD_OK;
}

/* Sums over the spectrum of one hop. */
typedef struct hop_sums {
    float sS, sP, sfS, sf2S, band[3];
} hop_sums;

/* One branch-free pass for magnitudes and the sums of centroid and bandwidth; band
 * energies over their bin ranges; the HPCP from the spectral peaks (tonal_hpcp.c). */
static mood_status hop_spectrum(mood_audio_analyzer *az, const float *P, float *S, hop_sums *h)
{
    an_track *t = &az->t;
    const float bin_hz = (float)az->rate / AN_NFFT;
    float sS = 0, sfS = 0, sf2S = 0, b0 = 0, b1 = 0, b2 = 0;
    const int e0 = az->band_edge[0], e1 = az->band_edge[1];
#pragma omp simd reduction(+ : sS, sfS, sf2S)
    for (int k = 1; k < AN_NBINS; k++) {
        float p = P[k], m = sqrtf(p), f = (float)k * bin_hz;
        S[k] = m;
        sS += m;
        sfS += f * m;
        sf2S += f * f * m;
    }
#pragma omp simd reduction(+ : b0)
    for (int k = 1; k < e0; k++)
        b0 += P[k];
#pragma omp simd reduction(+ : b1)
    for (int k = e0; k < e1; k++)
        b1 += P[k];
#pragma omp simd reduction(+ : b2)
    for (int k = e1; k < AN_NBINS; k++)
        b2 += P[k];
    h->sS = sS;
    h->sfS = sfS;
    h->sf2S = sf2S;
    h->band[0] = b0;
    h->band[1] = b1;
    h->band[2] = b2;
    h->sP = b0 + b1 + b2;
    mood__hpcp_hop(az, S, t->chroma_acc);
    if (++t->chroma_acc_n == AN_CHROMA_BLOCK) {
        mood__hpcp_block(az, t->chroma_acc);
        if (mood__fvec_push(&t->chroma, t->chroma_acc, AN_CHROMA_ROW, "audio: chroma") != MOOD_OK)
            return MOOD_ENOMEM;
        memset(t->chroma_acc, 0, sizeof t->chroma_acc);
        t->chroma_acc_n = 0;
        t->tune_semis = mood__tuning_semis(t->tune_re, t->tune_im);
    }
    return MOOD_OK;
}

/* Flatness (geometric over arithmetic mean of the power spectrum) and the contrast per octave
 * band: dB gap between the mean power of bins above and of bins below the band mean (a
 * sort-free stand-in for the quantile definition). Every 4th hop. */
static void hop_flatness_contrast(mood_audio_analyzer *az, const float *P, float sP)
{
    an_track *t = &az->t;
    /* The sum of the bins' logarithms as the logarithm of their product, kept as a mantissa
     * and a binary exponent renormalised every 16 bins (16 values >= 1e-12 stay far from the
     * double range): one logarithm per hop instead of one per bin. */
    double mant = 1.0, lsum;
    int ex = 0;
    for (int k = 1; k < AN_NBINS; k += 16) {
        double prod = 1.0;
        for (int j = k; j < k + 16 && j < AN_NBINS; j++)
            prod *= (double)P[j] + 1e-12;
        int e;
        mant = frexp(mant * prod, &e);
        ex += e;
    }
    lsum = log(mant) + (double)ex * M_LN2;
    double g = exp(lsum / (AN_NBINS - 1)), a = (double)sP / (AN_NBINS - 1) + 1e-12;
    mood__stat_add(&t->flatness, g / a);
    double csum = 0;
    for (int i = 0; i < AN_NCONTRAST; i++) {
        int lo = az->contrast_lo[i], hi = az->contrast_lo[i + 1];
        float m = 0, up = 0, dn = 0;
        int nu = 0, nd = 0;
        for (int k = lo; k < hi; k++)
            m += P[k];
        m /= (float)(hi - lo > 0 ? hi - lo : 1);
        for (int k = lo; k < hi; k++) {
            if (P[k] >= m) {
                up += P[k];
                nu++;
            } else {
                dn += P[k];
                nd++;
            }
        }
        double cdb = 10.0 * log10(((double)up / (nu ? nu : 1) + 1e-12) /
                                  ((double)dn / (nd ? nd : 1) + 1e-12));
        t->contrast_band[i] += cdb;
        csum += cdb;
    }
    t->contrast_n++;
    mood__stat_add(&t->contrast, csum / AN_NCONTRAST);
}

/* Timbre statistics of a non-silent hop: centroid, bandwidth, roll-off, ZCR, band energies,
 * MFCC sums and outer products. */
static void hop_timbre(mood_audio_analyzer *az, const float *S, const float *mel_db, int zc,
                       const hop_sums *h)
{
    an_track *t = &az->t;
    const float bin_hz = (float)az->rate / AN_NFFT;
    double cen = (double)h->sfS / (double)h->sS, var = (double)h->sf2S / (double)h->sS - cen * cen;
    double cum = 0, target = 0.85 * (double)h->sS;
    int roll = AN_NBINS - 1;
    for (int k = 1; k < AN_NBINS; k++) {
        cum += (double)S[k];
        if (cum >= target) {
            roll = k;
            break;
        }
    }
    mood__stat_add(&t->centroid, cen);
    mood__stat_add(&t->bandwidth, var > 0 ? sqrt(var) : 0.0);
    mood__stat_add(&t->rolloff, roll * (double)bin_hz);
    mood__stat_add(&t->zcr, (double)zc / (AN_HOP - 1));
    for (int i = 0; i < 3; i++)
        t->band_e[i] += (double)h->band[i];
    float mf[MOOD_AUDIO_N_MFCC];
    for (int i = 0; i < MOOD_AUDIO_N_MFCC; i++) {
        float acc = 0;
#pragma omp simd reduction(+ : acc)
        for (int b = 0; b < AN_NMEL; b++)
            acc += az->dct[i][b] * mel_db[b];
        mf[i] = acc;
        t->mfcc_sum[i] += (double)acc;
    }
    for (int i = 0; i < MOOD_AUDIO_N_MFCC; i++)
        for (int j = i; j < MOOD_AUDIO_N_MFCC; j++)
            t->mfcc_outer[i * MOOD_AUDIO_N_MFCC + j] += (double)(mf[i] * mf[j]);
    t->mfcc_n++;
}

/*
 * Rectified complex-domain onset function (Bello et al. 2004; Dixon 2006): the distance of each
 * bin below 4 kHz from its prediction, the previous value advanced by the previous phase step
 * (magnitude kept), summed over the bins whose magnitude rose. Sustained partials, also bowed
 * ones with vibrato, are predictable and add little; a new note is not. The prediction is
 * a·u/|u| with a, b the two previous spectra and u = a·conj(b), so no trigonometry is needed.
 */
static mood_status hop_complex_domain(mood_audio_analyzer *az)
{
    an_track *t = &az->t;
    const float scale = 2.0f / (0.5f * AN_NFFT);
    const int na = t->cd_new, nb = 1 - na;
    /* Restrict-qualified views of the distinct arrays, so the vector loop needs no run-time
     * overlap check. The oldest spectrum's slot receives the new one. */
    const float(*restrict X)[2] = (const float(*)[2])az->fft_out;
    const float *restrict P = az->power, *restrict Ar = t->cd_re[na], *restrict Ai = t->cd_im[na];
    float *restrict Br = t->cd_re[nb], *restrict Bi = t->cd_im[nb];
    float acc = 0.0f;
    /* Branch-free, so that the bins vectorise: every bin is evaluated and the falling ones
     * count zero. */
#pragma omp simd reduction(+ : acc)
    for (int k = 1; k < AN_CD_BINS; k++) {
        float xr = X[k][0] * scale, xi = X[k][1] * scale;
        float ar = Ar[k], ai = Ai[k], br = Br[k], bi = Bi[k];
        float x2 = P[k], a2 = ar * ar + ai * ai; /* power: the same scaled |X|^2 */
        float ur = ar * br + ai * bi, ui = ai * br - ar * bi;
        /* The divisions run in every lane (by 1 where u vanishes); with -fno-trapping-math
         * (CMakeLists.txt) the compiler may do so, and the loop vectorises. */
        float un = sqrtf(ur * ur + ui * ui);
        int ok = un > 1e-20f;
        float den = ok ? un : 1.0f;
        float qr = (ar * ur - ai * ui) / den, qi = (ar * ui + ai * ur) / den;
        float tr = ok ? qr : ar, ti = ok ? qi : ai;
        float dr = xr - tr, di = xi - ti, d = sqrtf(dr * dr + di * di);
        acc += x2 >= a2 ? d : 0.0f;
        Br[k] = xr;
        Bi[k] = xi;
    }
    t->cd_new = nb;
    float v = t->n_frames >= 2 ? acc : 0.0f;
    return mood__fvec_push(&t->onset_cd, &v, 1, "audio: onset envelope");
}

/* All descriptors of one hop; @p x holds AN_NFFT samples at the analysis rate. The spectrum is
 * walked once for the sums every descriptor needs (this loop is most of the analysis cost). */
static mood_status process_hop(mood_audio_analyzer *az, const float *x)
{
    an_track *t = &az->t;
    float rms, mel_db[AN_NMEL];
    int zc;
    hop_sums h;
    int slow_slot = (t->n_frames % 4) == 2; /* flatness and contrast every 4th hop */
    mood_status s = hop_time_domain(az, x, &rms, &zc);
    if (s != MOOD_OK)
        return s;
    memcpy(az->fft_in, x, AN_NFFT * sizeof(float));
    mood__stft_frame(az);
    s = hop_mel(az, az->power, mel_db);
    if (s != MOOD_OK)
        return s;
    s = hop_complex_domain(az);
    if (s != MOOD_OK)
        return s;
    s = hop_spectrum(az, az->power, az->mag, &h);
    if (s != MOOD_OK)
        return s;
    /* Timbre statistics skip silent hops (below -60 dBFS), which would only measure noise. */
    if (rms > 1e-3f && h.sS > 0.0f) {
        hop_timbre(az, az->mag, mel_db, zc, &h);
        if (slow_slot)
            hop_flatness_contrast(az, az->power, h.sP);
    }
    t->n_frames++;
    return MOOD_OK;
}

/* Cut every complete frame out of the mono buffer, keeping the overlap. */
static mood_status drain_frames(mood_audio_analyzer *az)
{
    an_track *t = &az->t;
    size_t pos = 0;
    mood_status s = MOOD_OK;
    while (pos + AN_NFFT <= t->mono_n) {
        s = process_hop(az, t->mono + pos);
        if (s != MOOD_OK)
            break;
        pos += AN_HOP;
    }
    memmove(t->mono, t->mono + pos, (t->mono_n - pos) * sizeof(float));
    t->mono_n -= pos;
    return s;
}

/* Append resampled samples to the mono buffer, draining frames whenever it fills. */
static mood_status feed_mono(mood_audio_analyzer *az, const float *x, size_t n)
{
    an_track *t = &az->t;
    while (n > 0) {
        size_t room = t->mono_cap - t->mono_n, k = n < room ? n : room;
        memcpy(t->mono + t->mono_n, x, k * sizeof(float));
        t->mono_n += k;
        x += k;
        n -= k;
        mood_status s = drain_frames(az);
        if (s != MOOD_OK)
            return s;
    }
    return MOOD_OK;
}

static mood_status resample(mood_audio_analyzer *az, const float *pcm, size_t n)
{
    an_track *t = &az->t;
    int want = swr_get_out_samples(t->swr, (int)n);
    if (want < 0)
        return mood__error(MOOD_EINTERNAL, "audio: resampler state");
    if ((size_t)want > t->rs_cap) {
        float *p = mood__realloc(t->rs_out, (size_t)want * sizeof(float));
        if (!p)
            return mood__enomem("audio: resampler buffer");
        t->rs_out = p;
        t->rs_cap = (size_t)want;
    }
    uint8_t *out[1] = {(uint8_t *)t->rs_out};
    const uint8_t *in[1] = {(const uint8_t *)pcm};
    int got = swr_convert(t->swr, out, want, pcm ? in : NULL, (int)n);
    if (got < 0)
        return mood__error(MOOD_EINTERNAL, "audio: resampling failed");
    return feed_mono(az, t->rs_out, (size_t)got);
}

mood_status mood__frames_push(mood_audio_analyzer *az, const float *pcm, size_t n)
{
    an_track *t = &az->t;
    if (n == 0)
        return MOOD_OK;
    if (mood_cancel_requested())
        return mood__error(MOOD_ECANCELED, "analyze: interrupted");
    mood_status s = mood__loud_push(&t->loud, pcm, n);
    if (s != MOOD_OK)
        return s;
    /* Stereo statistics (mid/side energies, correlation) and the native-rate peak/RMS. The sums
     * of one decoded frame (a few thousand samples) are taken in float, four lanes wide, and
     * added to the track's double totals. */
    float l2 = 0, r2 = 0, lr = 0, pk = (float)t->peak;
    if (t->in_ch == 2) {
#pragma omp simd reduction(+ : l2, r2, lr) reduction(max : pk)
        for (size_t i = 0; i < n; i++) {
            float l = pcm[2 * i], r = pcm[2 * i + 1];
            l2 += l * l;
            r2 += r * r;
            lr += l * r;
            float al = fabsf(l), ar = fabsf(r), m = al > ar ? al : ar;
            pk = m > pk ? m : pk;
        }
        double dl2 = l2, dr2 = r2, dlr = lr;
        t->sum_l2 += dl2;
        t->sum_r2 += dr2;
        t->sum_lr += dlr;
        t->sum_m2 += 0.25 * (dl2 + dr2 + 2 * dlr);
        t->sum_s2 += 0.25 * (dl2 + dr2 - 2 * dlr);
        t->sum_all2 += 0.5 * (dl2 + dr2);
    } else {
#pragma omp simd reduction(+ : l2) reduction(max : pk)
        for (size_t i = 0; i < n; i++) {
            float v = pcm[i], a = fabsf(v);
            l2 += v * v;
            pk = a > pk ? a : pk;
        }
        t->sum_l2 += (double)l2;
        t->sum_all2 += (double)l2;
    }
    t->peak = (double)pk;
    t->n_in += n;
    return resample(az, pcm, n);
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static float to_db(double x)
{
    return (float)(10.0 * log10(x + 1e-20));
}

/* Dynamics from the hop RMS series: level statistics, attack/decay, section contrast. */
static void dynamics_from_rms(const an_fvec *rms, double hop_s, float *v)
{
    an_stat lvl = {0};
    size_t n = rms->n;
    for (size_t i = 0; i < n; i++)
        if (rms->v[i] > 1e-4f)
            mood__stat_add(&lvl, 20.0 * log10((double)rms->v[i]));
    v[MOOD_AF_RMS_MEAN_DB] = (float)mood__stat_mean(&lvl);
    v[MOOD_AF_RMS_STD_DB] = (float)mood__stat_std(&lvl);
    /* Attack/decay: mean rise and fall rates (dB/s) of the envelope smoothed to 4-hop blocks
     * (93 ms), counting only changes faster than 6 dB/s so that steady passages do not dilute
     * them. */
    const size_t blk = 4;
    double prev = 0, up = 0, dn = 0;
    size_t nu = 0, nd = 0;
    double blk_s = hop_s * (double)blk;
    for (size_t i = 0; i + blk <= n; i += blk) {
        double e = 0;
        for (size_t j = 0; j < blk; j++)
            e += (double)rms->v[i + j] * (double)rms->v[i + j];
        double db = 10.0 * log10(e / (double)blk + 1e-10);
        if (i > 0) {
            double rate = (db - prev) / blk_s;
            if (rate > 6.0) {
                up += rate;
                nu++;
            } else if (rate < -6.0) {
                dn -= rate;
                nd++;
            }
        }
        prev = db;
    }
    v[MOOD_AF_ATTACK_DB_S] = nu ? (float)(up / (double)nu) : 0.0f;
    v[MOOD_AF_DECAY_DB_S] = nd ? (float)(dn / (double)nd) : 0.0f;
    /* Dynamic contrast: spread (90th minus 10th percentile) of 10-second section levels. */
    size_t sec = (size_t)(10.0 / hop_s), ns = sec ? n / sec : 0;
    v[MOOD_AF_DYNAMIC_CONTRAST_DB] = 0.0f;
    if (ns >= 2) {
        float *lv = mood__malloc_array(ns, sizeof(float));
        if (lv) {
            for (size_t s = 0; s < ns; s++) {
                double e = 0;
                for (size_t j = 0; j < sec; j++)
                    e += (double)rms->v[s * sec + j] * (double)rms->v[s * sec + j];
                lv[s] = to_db(e / (double)sec);
            }
            qsort(lv, ns, sizeof(float), cmp_float);
            v[MOOD_AF_DYNAMIC_CONTRAST_DB] =
                lv[(size_t)(0.9 * (double)(ns - 1))] - lv[(size_t)(0.1 * (double)(ns - 1))];
            mood__free(lv);
        }
    }
}

/* Timbre: spectral shape statistics, contrast per band, MFCC mean, covariance and the
 * log-determinant of the covariance by Cholesky (with a small ridge): the volume of the timbre
 * cloud. */
static void finish_timbre(const an_track *t, mood_audio_result *r, float *v)
{
    v[MOOD_AF_CENTROID_MEAN] = (float)mood__stat_mean(&t->centroid);
    v[MOOD_AF_CENTROID_STD] = (float)mood__stat_std(&t->centroid);
    v[MOOD_AF_BANDWIDTH_MEAN] = (float)mood__stat_mean(&t->bandwidth);
    v[MOOD_AF_BANDWIDTH_STD] = (float)mood__stat_std(&t->bandwidth);
    v[MOOD_AF_ROLLOFF_MEAN] = (float)mood__stat_mean(&t->rolloff);
    v[MOOD_AF_ROLLOFF_STD] = (float)mood__stat_std(&t->rolloff);
    v[MOOD_AF_FLATNESS_MEAN] = (float)mood__stat_mean(&t->flatness);
    v[MOOD_AF_FLATNESS_STD] = (float)mood__stat_std(&t->flatness);
    v[MOOD_AF_CONTRAST_MEAN] = (float)mood__stat_mean(&t->contrast);
    v[MOOD_AF_CONTRAST_STD] = (float)mood__stat_std(&t->contrast);
    v[MOOD_AF_ZCR_MEAN] = (float)mood__stat_mean(&t->zcr);
    v[MOOD_AF_ZCR_STD] = (float)mood__stat_std(&t->zcr);
    for (int i = 0; i < AN_NCONTRAST; i++)
        r->contrast_bands[i] =
            t->contrast_n ? (float)(t->contrast_band[i] / (double)t->contrast_n) : 0.0f;
    const int D = MOOD_AUDIO_N_MFCC;
    double nn = t->mfcc_n ? (double)t->mfcc_n : 1.0, logdet = 0;
    double cov[MOOD_AUDIO_N_MFCC * MOOD_AUDIO_N_MFCC];
    for (int i = 0; i < D; i++)
        r->mfcc_mean[i] = (float)(t->mfcc_sum[i] / nn);
    for (int i = 0; i < D; i++)
        for (int j = 0; j < D; j++) {
            double o = i <= j ? t->mfcc_outer[i * D + j] : t->mfcc_outer[j * D + i];
            cov[i * D + j] = o / nn - (t->mfcc_sum[i] / nn) * (t->mfcc_sum[j] / nn);
            r->mfcc_cov[i * D + j] = (float)cov[i * D + j];
        }
    for (int i = 0; i < D; i++)
        r->mfcc_std[i] = (float)sqrt(cov[i * D + i] > 0 ? cov[i * D + i] : 0);
    for (int i = 0; i < D; i++)
        cov[i * D + i] += 1e-3;
    for (int j = 0; j < D && logdet == logdet; j++) {
        double d = cov[j * D + j];
        for (int k = 0; k < j; k++)
            d -= cov[j * D + k] * cov[j * D + k];
        if (d <= 0) {
            logdet = NAN;
            break;
        }
        double l = sqrt(d);
        cov[j * D + j] = l;
        logdet += 2 * log(l);
        for (int i = j + 1; i < D; i++) {
            double a = cov[i * D + j];
            for (int k = 0; k < j; k++)
                a -= cov[i * D + k] * cov[j * D + k];
            cov[i * D + j] = a / l;
        }
    }
    v[MOOD_AF_MFCC_COV_LOGDET] = (float)logdet;
}

/* Dynamics: BS.1770 loudness, range and peaks (loudness.c). Digital silence (every 400 ms
 * block under -70 LUFS) has no rhythm, key or timbre: every other feature would be noise, and
 * in a feature table such a track is an outlier that captures a cluster of its own. It is
 * reported as not analysable instead. */
static mood_status finish_dynamics(mood_audio_analyzer *az, float *v)
{
    an_track *t = &az->t;
    double lufs, lra, tp, sp = t->peak;
    mood__loud_result(&t->loud, &lufs, &lra, &tp);
    if (!az->opt.with_true_peak)
        tp = sp;
    if (!isfinite(lufs))
        return mood__error(MOOD_EFORMAT,
                           "silent (no 400 ms block above -70 LUFS): nothing to analyse");
    v[MOOD_AF_LOUDNESS_LUFS] = (float)lufs;
    v[MOOD_AF_LOUDNESS_RANGE_LU] = (float)lra;
    v[MOOD_AF_TRUE_PEAK_DBTP] = (float)(20.0 * log10(tp + 1e-10));
    v[MOOD_AF_SAMPLE_PEAK_DBFS] = (float)(20.0 * log10(sp + 1e-10));
    double ms = t->n_in ? t->sum_all2 / (double)t->n_in : 0;
    v[MOOD_AF_CREST_FACTOR_DB] = (float)(20.0 * log10(t->peak + 1e-10) - 10.0 * log10(ms + 1e-20));
    dynamics_from_rms(&t->rms, (double)AN_HOP / az->rate, v);
    return MOOD_OK;
}

/* Spatial (stereo width, balance, phase coherence), voice and instrumentation. */
static void finish_spatial_voice(an_track *t, float *v)
{
    if (t->in_ch == 2) {
        v[MOOD_AF_STEREO_WIDTH] = (float)sqrt(t->sum_s2 / (t->sum_m2 + 1e-20));
        v[MOOD_AF_CHANNEL_BALANCE_DB] = to_db(t->sum_l2 + 1e-20) - to_db(t->sum_r2 + 1e-20);
        v[MOOD_AF_PHASE_COHERENCE] = (float)(t->sum_lr / (sqrt(t->sum_l2 * t->sum_r2) + 1e-20));
        v[MOOD_AF_IS_MONO] = t->sum_s2 < 1e-6 * (t->sum_m2 + 1e-20) ? 1.0f : 0.0f;
    } else {
        v[MOOD_AF_STEREO_WIDTH] = 0.0f;
        v[MOOD_AF_CHANNEL_BALANCE_DB] = 0.0f;
        v[MOOD_AF_PHASE_COHERENCE] = 1.0f;
        v[MOOD_AF_IS_MONO] = 1.0f;
    }
    v[MOOD_AF_VOICED_RATIO] =
        t->pitch_frames ? (float)((double)t->voiced_frames / (double)t->pitch_frames) : 0.0f;
    v[MOOD_AF_F0_MEDIAN_HZ] = 0.0f;
    if (t->f0.n) {
        qsort(t->f0.v, t->f0.n, sizeof(float), cmp_float);
        v[MOOD_AF_F0_MEDIAN_HZ] = t->f0.v[t->f0.n / 2];
    }
    double be = t->band_e[0] + t->band_e[1] + t->band_e[2] + 1e-20;
    v[MOOD_AF_BASS_SHARE] = (float)(t->band_e[0] / be);
    v[MOOD_AF_MID_SHARE] = (float)(t->band_e[1] / be);
    v[MOOD_AF_TREBLE_SHARE] = (float)(t->band_e[2] / be);
    double hp = t->harm_e + t->perc_e;
    v[MOOD_AF_HARMONIC_RATIO] = hp > 0 ? (float)(t->harm_e / hp) : 0.5f;
    v[MOOD_AF_PERCUSSIVE_RATIO] = hp > 0 ? (float)(t->perc_e / hp) : 0.5f;
}

/*
 * The envelope rhythm works on: the compressed mel flux and the complex-domain function, each
 * scaled to unit RMS, summed (in place of onset_cd). The flux carries drums and plucked
 * attacks, the complex-domain function the soft onsets of bowed, blown and sung notes whose
 * magnitude rises too slowly, or wobbles with vibrato, for the flux to mark them. On the 800
 * tuning songs (bench/audio/SPLIT.md) the sum beats either alone: Acc2 +1.6 points per set
 * against the flux (the complex-domain function alone: +2.2, but Acc1 -2.2), Acc1 +2.1 and
 * beat F +0.027, ballads and waltzes most.
 */
static const float *rhythm_envelope(an_track *t)
{
    size_t n = t->onset.n;
    if (t->onset_cd.n != n || n == 0)
        return t->onset.v;
    double s1 = 0.0, s2 = 0.0;
    for (size_t i = 0; i < n; i++) {
        s1 += (double)t->onset.v[i] * (double)t->onset.v[i];
        s2 += (double)t->onset_cd.v[i] * (double)t->onset_cd.v[i];
    }
    if (s1 <= 0.0 || s2 <= 0.0)
        return t->onset.v;
    s1 = sqrt(s1 / (double)n);
    s2 = sqrt(s2 / (double)n);
    for (size_t i = 0; i < n; i++)
        t->onset_cd.v[i] = (float)((double)t->onset.v[i] / s1 + (double)t->onset_cd.v[i] / s2);
    return t->onset_cd.v;
}

/* Rhythm (rhythm.c): tempo, beats, downbeats, meter; times shifted by @p t0. */
static mood_status finish_rhythm(mood_audio_analyzer *az, double t0, mood_audio_result *r, float *v)
{
    an_track *t = &az->t;
    an_rhythm rh;
    const float *env = rhythm_envelope(t);
    an_rhythm_in rin = {.onset = env,
                        .flux = t->onset.v,
                        .bands = t->onset_bands.v,
                        .n = t->onset.n,
                        .frame_rate_hz = (double)az->rate / AN_HOP,
                        .chroma = t->chroma.v,
                        .n_chroma = t->chroma.n / AN_CHROMA_ROW,
                        .chroma_dim = AN_CHROMA_ROW,
                        .chroma_hops = AN_CHROMA_BLOCK};
    mood_status s = mood__rhythm(&rin, &rh);
    if (s != MOOD_OK)
        return s;
    for (size_t i = 0; i < rh.n_beats; i++)
        rh.beats[i] += (float)t0;
    r->beats = rh.beats;
    r->n_beats = rh.n_beats;
    v[MOOD_AF_TEMPO_BPM] = rh.tempo_bpm;
    v[MOOD_AF_TEMPO_CONFIDENCE] = rh.tempo_conf;
    v[MOOD_AF_TEMPO_OCTAVE_CONFIDENCE] = rh.octave_conf;
    v[MOOD_AF_TEMPO_LOCAL_MEAN] = rh.local_mean;
    v[MOOD_AF_TEMPO_LOCAL_STD] = rh.local_std;
    v[MOOD_AF_TEMPO_LOCAL_MIN] = rh.local_min;
    v[MOOD_AF_TEMPO_LOCAL_MAX] = rh.local_max;
    v[MOOD_AF_TEMPOGRAM_RATIO_2] = rh.ratio2;
    v[MOOD_AF_TEMPOGRAM_RATIO_3] = rh.ratio3;
    v[MOOD_AF_BEAT_COUNT] = (float)rh.n_beats;
    v[MOOD_AF_BEAT_STRENGTH] = rh.beat_strength;
    v[MOOD_AF_ONSET_RATE] = rh.onset_rate_hz;
    v[MOOD_AF_SWING_RATIO] = rh.swing;
    v[MOOD_AF_MICROTIMING_MS] = rh.microtiming_ms;
    v[MOOD_AF_IBI_STD_MS] = rh.ibi_std_ms;
    memcpy(r->peak_bpm, rh.peak_bpm, sizeof r->peak_bpm);
    memcpy(r->peak_val, rh.peak_val, sizeof r->peak_val);
    for (size_t i = 0; i < rh.n_downbeats; i++)
        rh.downbeats[i] += (float)t0;
    r->downbeats = rh.downbeats;
    r->n_downbeats = rh.n_downbeats;
    r->curve = rh.curve;
    r->n_curve = rh.n_curve;
    v[MOOD_AF_TEMPO_ALT_BPM] = rh.alt_bpm;
    v[MOOD_AF_TEMPO_ALT_CONFIDENCE] = rh.alt_conf;
    v[MOOD_AF_BEATS_PER_BAR] = (float)rh.beats_per_bar;
    v[MOOD_AF_COMPOUND_METER] = (float)rh.compound;
    v[MOOD_AF_FIRST_DOWNBEAT_S] = rh.n_downbeats ? rh.downbeats[0] : 0.0f;
    v[MOOD_AF_TEMPO_CHANGES] = rh.n_curve > 0 ? (float)(rh.n_curve - 1) : 0.0f;
    r->meter[0] = '\0';
    if (rh.beats_per_bar > 0)
        snprintf(r->meter, sizeof r->meter, "%d/%d",
                 rh.compound ? 3 * rh.beats_per_bar : rh.beats_per_bar, rh.compound ? 8 : 4);
    return MOOD_OK;
}

/* Tonal (tonal.c): key, chords, key segments, tuning; times shifted by @p t0. */
static mood_status finish_tonal(mood_audio_analyzer *az, double t0, mood_audio_result *r, float *v)
{
    an_track *t = &az->t;
    an_tonal to;
    /* The downbeats on the tonal time line (finish_rhythm shifted them by t0). */
    float *bars = mood__malloc_array(r->n_downbeats ? r->n_downbeats : 1, sizeof(float));
    if (!bars)
        return mood__enomem("tonal");
    for (size_t i = 0; i < r->n_downbeats; i++)
        bars[i] = r->downbeats[i] - (float)t0;
    mood_status s = mood__tonal(
        t->chroma.v, t->chroma.n / AN_CHROMA_ROW, (double)az->rate / (AN_HOP * AN_CHROMA_BLOCK),
        mood__tuning_semis(t->tune_re, t->tune_im), bars, r->n_downbeats, &to);
    mood__free(bars);
    if (s != MOOD_OK)
        return s;
    for (size_t i = 0; i < to.n_chords; i++) {
        to.chords[i].start_s += (float)t0;
        to.chords[i].end_s += (float)t0;
    }
    r->chords = to.chords;
    r->n_chords = to.n_chords;
    r->keysegs = to.keysegs;
    r->n_keysegs = to.n_keysegs;
    memcpy(r->chroma, to.chroma, sizeof r->chroma);
    v[MOOD_AF_KEY_INDEX] = (float)to.key;
    v[MOOD_AF_MODE] = (float)to.mode;
    v[MOOD_AF_KEY_CONFIDENCE] = to.key_conf;
    v[MOOD_AF_KEY_CHANGES] = to.n_keysegs > 0 ? (float)(to.n_keysegs - 1) : 0.0f;
    v[MOOD_AF_CHORD_CHANGE_RATE] = to.chord_rate_hz;
    v[MOOD_AF_CHORD_MAJOR_SHARE] = to.major_share;
    v[MOOD_AF_TONAL_TENSION] = to.tension;
    v[MOOD_AF_CHROMA_CLARITY] = to.clarity;
    v[MOOD_AF_KEY_ALT_INDEX] = (float)to.key2;
    v[MOOD_AF_KEY_ALT_MODE] = (float)to.mode2;
    v[MOOD_AF_KEY_ALT_CONFIDENCE] = to.key2_conf;
    v[MOOD_AF_TUNING_HZ] = to.tuning_hz;
    snprintf(r->camelot, sizeof r->camelot, "%s", mood_audio_camelot(to.key, to.mode));
    snprintf(r->open_key, sizeof r->open_key, "%s", mood_audio_open_key(to.key, to.mode));
    mood__key_name(to.key, to.mode, r->key_name, sizeof r->key_name);
    mood__key_name(to.key2, to.mode2, r->key_alt_name, sizeof r->key_alt_name);
    return MOOD_OK;
}

mood_status mood__frames_finish(mood_audio_analyzer *az, mood_audio_result *r)
{
    an_track *t = &az->t;
    float *v = r->values;
    mood_status s;
    /* Flush the resampler, then pad the tail so that the last partial frame is analysed. */
    s = resample(az, NULL, 0);
    if (s != MOOD_OK)
        return s;
    if (t->mono_n > AN_HOP) {
        float zeros[AN_NFFT] = {0};
        size_t pad = AN_NFFT - (t->mono_n % AN_HOP == 0 ? AN_HOP : t->mono_n % AN_HOP);
        s = feed_mono(az, zeros, pad < AN_NFFT ? pad : AN_NFFT - 1);
        if (s != MOOD_OK)
            return s;
    }
    r->analysis_rate_hz = az->rate;
    double dur = t->in_rate > 0 ? (double)t->n_in / t->in_rate : 0.0;
    r->info.duration_s = dur;
    v[MOOD_AF_DURATION_S] = (float)dur;
    v[MOOD_AF_SAMPLE_RATE_HZ] = (float)r->info.sample_rate_hz;
    v[MOOD_AF_CHANNELS] = (float)r->info.channels;
    v[MOOD_AF_BITRATE_KBPS] = (float)((double)r->info.bitrate_bps / 1000.0);
    if (t->n_frames < 8)
        return mood__error(MOOD_EFORMAT, "audio: %.2f s of audio is too short to analyse", dur);
    finish_timbre(t, r, v);
    s = finish_dynamics(az, v);
    if (s != MOOD_OK)
        return s;
    finish_spatial_voice(t, v);
    /* Frame centre, less the delay of the flux peak after the note onset (median 10 ms on the
     * tuning set, beat labels at the rendered onsets). */
    double t0 = (double)(AN_NFFT / 2) / az->rate - ONSET_PEAK_DELAY_S;
    s = finish_rhythm(az, t0, r, v);
    if (s != MOOD_OK)
        return s;
    s = finish_tonal(az, t0, r, v);
    if (s != MOOD_OK)
        return s;
    mood__mood_and_sim(r);
    return MOOD_OK;
}
