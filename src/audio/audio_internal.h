/*
 * Private pieces of the audio analyser: the streaming frame state, the per-track result and
 * the stages that turn per-frame descriptors into track features. Never installed.
 *
 * Data flow of one track:
 *   decode.c   FFmpeg -> interleaved float blocks at the native rate (at most 2 channels)
 *   frames.c   per block: libebur128, stereo statistics, downmix + resample to the analysis
 *              rate (libswresample), then per hop: one windowed FFT (stft.c) shared by the
 *              spectral, mel/MFCC, onset, chroma, band-energy, HPSS (hpss.c) and YIN (pitch.c)
 *              descriptors. Only a few floats per hop are kept; the rest are running sums.
 *   rhythm.c   onset envelope -> tempogram, tempo + octave decision, beats, swing, ...
 *   tonal.c    chroma blocks -> key, chords, tonal tension, key changes
 *   mood.c     combinations -> energy, valence, arousal, danceability, label, similarity vector
 *   report.c   result accessors and the JSON report
 */
#ifndef MOOD_AUDIO_INTERNAL_H
#define MOOD_AUDIO_INTERNAL_H

#include <moodscope/audio.h>

#include <fftw3.h>
#include <stddef.h>

/* Frame geometry at the analysis rate (22050 Hz by default: 93 ms frames, 23 ms hops). */
#define AN_NFFT         2048
#define AN_NBINS        (AN_NFFT / 2 + 1)
#define AN_HOP          512
#define AN_NMEL         40
#define AN_CHROMA_BLOCK 4  /* chroma is stored summed over 4 hops (93 ms) */
#define AN_FINE         36 /* fine chroma bins per octave (1/3 semitone) on the 440 Hz grid */
#define AN_CHROMA_ROW   (AN_FINE + 12) /* per block: fine treble HPCP, then 12-bin bass */
#define AN_HPCP_SUB     16             /* HPCP grid points per fine bin (tonal_hpcp.c) */
#define AN_PITCH_EVERY  4              /* YIN runs on every 4th hop */
#define AN_HPSS_EVERY   8              /* HPSS masks are evaluated on every 8th hop */
#define AN_HPSS_T       17             /* time median length (hops) */
#define AN_HPSS_F       7              /* frequency median length (mel bands) */
#define AN_YIN_W        1024           /* YIN integration window (samples) */
#define AN_NCONTRAST    6              /* octave bands of spectral contrast */
#define AN_CD_BINS      372 /* bins below 4 kHz at 22050 Hz: the complex-domain onset function */
#define AN_ONSET_LOW    5   /* mel bands 0..4 (30-350 Hz): kick and bass onsets */
#define AN_ONSET_HIGH   24  /* mel bands 24.. (above ~3 kHz): hi-hats, cymbals */

/* A growable float array (per-hop descriptor series). */
typedef struct an_fvec {
    float *v;
    size_t n, cap;
} an_fvec;
/* Append k floats; ENOMEM naming @p what when the array cannot grow. */
mood_status mood__fvec_push(an_fvec *a, const float *x, size_t k, const char *what);
void mood__fvec_free(an_fvec *a);

/* Per-feature running mean/variance accumulator. */
typedef struct an_stat {
    double sum, sum2;
    size_t n;
} an_stat;
void mood__stat_add(an_stat *s, double x);
double mood__stat_mean(const an_stat *s);
double mood__stat_std(const an_stat *s);

/* Output of the rhythm stage. */
typedef struct an_rhythm {
    float tempo_bpm, tempo_conf, octave_conf;
    float local_mean, local_std, local_min, local_max;
    float peak_bpm[3], peak_val[3];
    float ratio2, ratio3;
    float beat_strength, onset_rate_hz, swing, microtiming_ms, ibi_std_ms;
    float *beats; /* seconds, owned */
    size_t n_beats;
    /* The metrical level one factor away that was rejected, and how close it came (0..1:
     * 1 = as likely as the chosen level). */
    float alt_bpm, alt_conf;
    int beats_per_bar; /* 2, 3 or 4; 0 when no metre was found */
    int compound;      /* 1 when the beats divide in three (6/8, 12/8, shuffle) */
    float *downbeats;  /* seconds, owned */
    size_t n_downbeats;
    mood_tempo_segment *curve; /* tempo curve, owned; at least one segment when a tempo exists */
    size_t n_curve;
} an_rhythm;

/* A chord segment and a key segment. */
typedef struct an_chord {
    float start_s, end_s;
    int root;    /* 0..11, -1 = no chord */
    int quality; /* 1 major, 0 minor */
} an_chord;
typedef mood_key_segment an_keyseg; /* {start_s, key_index, mode, confidence} */

typedef struct an_tonal {
    int key, mode;
    int key2, mode2; /* second-best key */
    float key2_conf; /* its confidence, same scale as key_conf */
    float tuning_hz; /* estimated concert A */
    float key_conf, chroma[12], clarity, tension, chord_rate_hz, major_share;
    an_chord *chords;
    size_t n_chords;
    an_keyseg *keysegs;
    size_t n_keysegs;
} an_tonal;

struct mood_audio_result {
    mood_audio_info info;
    float values[MOOD_AF_COUNT];
    float sim[MOOD_AUDIO_SIM_DIMS];
    float chroma[12];
    float mfcc_mean[MOOD_AUDIO_N_MFCC], mfcc_std[MOOD_AUDIO_N_MFCC];
    float mfcc_cov[MOOD_AUDIO_N_MFCC * MOOD_AUDIO_N_MFCC];
    float contrast_bands[AN_NCONTRAST];
    float peak_bpm[3], peak_val[3];
    char camelot[4], key_name[16], mood_label[32];
    float *beats;
    size_t n_beats;
    float *downbeats;
    size_t n_downbeats;
    mood_tempo_segment *curve;
    size_t n_curve;
    char meter[8], key_alt_name[16], open_key[4];
    an_chord *chords;
    size_t n_chords;
    an_keyseg *keysegs;
    size_t n_keysegs;
    int analysis_rate_hz;
    /* Sampled analysis of a long file (sample.c): the windows decoded, in file time. */
    int sampled;
    double file_duration_s;
    uint64_t sample_seed;
    size_t n_windows;
    mood_audio_window windows[MOOD_AUDIO_MAX_WINDOWS];
};

/* BS.1770 loudness meter with true peak (loudness.c). */
typedef struct an_loud {
    int ch, rate;
    double b1[3], a1[3], b2[3], a2[3]; /* K-weighting: shelf, then high-pass */
    struct kw_state {
        double x1, x2, u1, u2, v1, v2;
    } kw[2];    /* filter states per channel */
    double acc; /* weighted energy of the current 100 ms sub-block */
    size_t sub_len, sub_fill;
    double *sub; /* mean-square energy of every 100 ms sub-block */
    size_t n_sub, cap_sub;
    float ring[2][32]; /* last samples per channel, for true-peak interpolation */
    unsigned w;
    float tp_h[3][12];
    float tp; /* running true peak (linear) */
} an_loud;
void mood__loud_begin(an_loud *L, int rate, int ch);
mood_status mood__loud_push(an_loud *L, const float *pcm, size_t n);
void mood__loud_result(const an_loud *L, double *out_lufs, double *out_lra, double *out_tp);
void mood__loud_free(an_loud *L);

/* Streaming state of one track (reset by mood__frames_begin). */
typedef struct an_track {
    int in_rate, in_ch;
    struct SwrContext *swr;
    an_loud loud;
    float *mono; /* analysis-rate samples not yet consumed by a full frame */
    size_t mono_n, mono_cap;
    float *rs_out; /* resampler output scratch */
    size_t rs_cap;
    size_t n_in; /* native frames seen */
    double sum_l2, sum_r2, sum_lr, sum_m2, sum_s2, sum_all2;
    double peak;
    size_t n_frames; /* hops processed */
    float prev_mel_db[AN_NMEL];
    an_stat centroid, bandwidth, rolloff, flatness, contrast, zcr;
    double contrast_band[AN_NCONTRAST];
    size_t contrast_n;
    double mfcc_sum[MOOD_AUDIO_N_MFCC], mfcc_outer[MOOD_AUDIO_N_MFCC * MOOD_AUDIO_N_MFCC];
    size_t mfcc_n;
    double band_e[3];
    double harm_e, perc_e;
    an_fvec onset;    /* one per hop */
    an_fvec onset_cd; /* one per hop: rectified complex-domain onset function */
    /* The two previous spectra below AN_CD_BINS, real and imaginary parts apart so that the
     * bins load as vectors; slot cd_new holds the newer one, the other is overwritten next. */
    float cd_re[2][AN_CD_BINS], cd_im[2][AN_CD_BINS];
    int cd_new;
    an_fvec onset_bands; /* 2 per hop: onset flux of the low and the high mel bands */
    an_fvec rms;         /* linear RMS, one per hop */
    an_fvec chroma;      /* AN_CHROMA_ROW per AN_CHROMA_BLOCK hops */
    float chroma_acc[AN_CHROMA_ROW];
    float hpcp_pos[AN_FINE * AN_HPCP_SUB]; /* treble peak energy by position, this block */
    int chroma_acc_n;
    double tune_re, tune_im; /* weighted circular sum of peak deviations from the 440 Hz grid */
    float tune_semis;        /* running tuning estimate (semitones), used for the bass bins */
    an_fvec f0;              /* f0 of voiced YIN frames */
    size_t pitch_frames, voiced_frames;
    float hp_ring[AN_HPSS_T][AN_NMEL];
} an_track;

struct mood_audio_analyzer {
    mood_audio_options opt;
    int rate; /* analysis rate */
    float window[AN_NFFT];
    float *fft_in;
    fftwf_complex *fft_out;
    fftwf_plan plan;
    float *yin_in;
    fftwf_complex *yin_spec;
    float *yin_acf;
    fftwf_plan yin_fwd, yin_inv;
    float power[AN_NBINS];
    float mag[AN_NBINS];
    /* Mel filterbank: band b covers bins mel_lo[b]..mel_lo[b]+mel_len[b]-1 with weights at
     * mel_w + mel_off[b]. */
    int mel_lo[AN_NMEL], mel_len[AN_NMEL], mel_off[AN_NMEL];
    float *mel_w;
    float dct[MOOD_AUDIO_N_MFCC][AN_NMEL];
    /* HPCP (tonal_hpcp.c): peaks are searched in bins hpcp_k0..hpcp_k1-1; bass peaks in
     * bass_k0..bass_k1-1; bin_semis[k] = 12 log2(k bin_hz / 440) of each bin. */
    int hpcp_k0, hpcp_k1, bass_k0, bass_k1;
    float bin_semis[AN_NBINS];
    float onset_gamma; /* log(1 + gamma * mel) compression of the onset flux */
    int contrast_lo[AN_NCONTRAST + 1];
    int band_edge[2]; /* bins of 250 Hz and 4 kHz */
    an_track t;
};

/* frames.c */
mood_status mood__frames_begin(mood_audio_analyzer *az, int in_rate, int in_ch);
/* Push @p n interleaved frames of in_ch channels at in_rate. */
mood_status mood__frames_push(mood_audio_analyzer *az, const float *pcm, size_t n);
/* Flush, derive every feature into @p r (info must already be filled). */
mood_status mood__frames_finish(mood_audio_analyzer *az, mood_audio_result *r);
void mood__frames_release(mood_audio_analyzer *az);

/* stft.c */
mood_status mood__stft_setup(mood_audio_analyzer *az);
void mood__stft_teardown(mood_audio_analyzer *az);
/* Windowed FFT of az->fft_in (already filled) into az->power (az->mag is filled by the caller). */
void mood__stft_frame(mood_audio_analyzer *az);

/* pitch.c: YIN on AN_YIN_W samples; returns f0 in Hz or 0 when unvoiced, *out_prob voicing. */
float mood__yin(mood_audio_analyzer *az, const float *x, float *out_prob);

/* hpss.c: harmonic and percussive energy of the centre frame of the mel ring. */
void mood__hpss_frame(const float ring[AN_HPSS_T][AN_NMEL], size_t newest, double *out_h,
                      double *out_p);

/* Input of the rhythm stage (all borrowed for the call). */
typedef struct an_rhythm_in {
    const float *onset; /* onset strength, n values at frame_rate_hz: tempo, beats, metre */
    const float *flux;  /* the mel flux alone (n values), or NULL for @p onset: the onset rate
                         * and beat strength, descriptors whose scale the mood model knows */
    const float *bands; /* n×2: onset flux of the low and the high mel bands, or NULL */
    size_t n;
    double frame_rate_hz;
    const float *chroma; /* n_chroma rows of chroma_dim values (any pitch layout), or NULL */
    size_t n_chroma, chroma_dim;
    size_t chroma_hops; /* onset frames per chroma row */
} an_rhythm_in;
/* rhythm.c: fills @p out (beats, downbeats and curve owned by out, freed by
 * mood__rhythm_free). */
mood_status mood__rhythm(const an_rhythm_in *in, an_rhythm *out);
void mood__rhythm_free(an_rhythm *r);
/* rhythm_level.c: perceptual tempo prior (1 at 120 BPM); @p g at a fractional lag. */
double mood__tempo_prior(double bpm);
double mood__lag_at(const double *g, size_t n, double lag);
/* Offset (-0.5..0.5) of the vertex of the parabola through (-1, a), (0, b), (1, c): where a
 * sampled peak b really is. */
double mood__peak_shift(double a, double b, double c);
/* rhythm.c: normalised autocorrelation of o[s, e), mean removed, into @p a (nl lags); returns 0
 * for a silent stretch. */
int mood__window_acf(const float *o, size_t s, size_t e, double *a, size_t nl);
/* The largest of o[i-1], o[i], o[i+1] (those that exist, and 0) for i = 0..n, into @p out
 * (n + 1 values): the onset near a pulse, computed once per envelope instead of per pulse. */
void mood__max3(const float *o, size_t n, float *out);
/* Mean onset @p frac of a period after the pulses of period @p P (best phase per window of
 * @p win frames, hop @p hop) relative to the mean onset on the pulses; @p o3 is the envelope
 * after mood__max3. */
double mood__offbeat_ratio(const float *o3, size_t n, size_t win, size_t hop, double P,
                           double frac);
/* Input of the metrical-level decision: the normalised envelope @p o and low band @p low
 * (or NULL), both after mood__max3 (n + 1 values), n frames at fr Hz, the tempogram @p g (nl
 * lags) and its window and hop. */
typedef struct an_level_in {
    const float *o, *low;
    size_t n;
    double fr;
    const double *g;
    size_t nl, win, hop;
    double bar;          /* period of the harmonic changes (frames), 0 when none */
    double bar_strength; /* its normalised autocorrelation */
} an_level_in;
/* rhythm_harmony.c: harmonic novelty (chord and bass changes) of the chroma rows of @p in at the
 * onset frame rate into @p h (in->n values); returns 0 when there is no chroma. */
int mood__harmonic_novelty(const an_rhythm_in *in, float *h);
/* Autocorrelation peak of @p h in the bar range (0.9-5 s) in frames, 0 when none; its
 * normalised autocorrelation into @p out_strength. */
double mood__bar_period(const float *h, size_t n, double fr, double *out_strength);
/* Beat period (frames) chosen among the metrical levels of the tempogram peak @p P0 (@p rate:
 * onsets per second); fills octave_conf, alt_bpm and alt_conf of @p out. */
double mood__rhythm_level(const an_level_in *in, double P0, double rate, an_rhythm *out);
/* rhythm_beats.c: beat frames of envelope @p o following @p period (frames, per frame) into
 * @p beats (cap entries). */
mood_status mood__track_beats(const float *o, size_t n, const double *period, size_t *beats,
                              size_t cap, size_t *out_nb);
/* Tempo curve of beat times @p beats_s into out->curve (allocated), within the local tempo
 * range [@p lo_bpm, @p hi_bpm] of the tempogram; one segment at @p tempo_bpm when that range is
 * narrower than 5%. */
mood_status mood__tempo_curve(const float *beats_s, size_t nb, float tempo_bpm, float lo_bpm,
                              float hi_bpm, an_rhythm *out);
/* rhythm_beats.c: a song whose tempo changes is labelled with the tempo it holds longest (as
 * its key is): the curve's change times move to the beat where the inter-beat intervals split
 * best, and when the global tempo is one of the curve's tempi (same metrical level) and the
 * tempo confidence is at least HELD_MIN_CONF, tempo_bpm becomes the longest-held one. Beat
 * intervals ending after @p played_end_s (the last beat on an onset) hold no tempo. */
void mood__held_tempo(an_rhythm *out, double played_end_s);
/* rhythm_meter.c: move the beat frames @p b half a beat when the chords change between them
 * rather than on them and the envelope @p o leaves the phase ambiguous (tracking locked to
 * loud off-beats). */
void mood__beat_phase_check(const an_rhythm_in *in, const float *o, size_t *b, size_t nb);
/* Compound, swing, beats_per_bar and downbeats (allocated) of @p out from the
 * beat frames @p b of the normalised envelope @p o. */
mood_status mood__rhythm_meter(const an_rhythm_in *in, const float *o, const size_t *b, size_t nb,
                               an_rhythm *out);

/* tonal_hpcp.c: add the HPCP of the magnitude spectrum @p mag (AN_NBINS) to the block: the
 * treble peaks to the track's hpcp_pos, the bass to @p row (AN_CHROMA_ROW: fine treble chroma,
 * then bass), and the tuning sums of the track. */
void mood__hpcp_hop(mood_audio_analyzer *az, const float *mag, float *row);
/* Spread the block's treble peaks (hpcp_pos) over the fine chroma of @p row with the HPCP window
 * and clear them; once per block, before the row is stored. */
void mood__hpcp_block(mood_audio_analyzer *az, float *row);
/* Tuning deviation in semitones (-0.5..0.5) from the sums of mood__hpcp_hop. */
float mood__tuning_semis(double re, double im);
/* Fold a fine chroma (AN_FINE bins on the 440 Hz grid) to 12 pitch classes at @p tuning_semis. */
void mood__fold_fine(const float *fine, float tuning_semis, float *out12);

/* tonal.c: @p rows n×AN_CHROMA_ROW blocks at @p block_rate_hz, tuned @p tuning_semis away from
 * the 440 Hz grid. @p bars (n_bars downbeat times on the same time line, ascending; may be NULL)
 * are where key changes may land. */
mood_status mood__tonal(const float *rows, size_t n, double block_rate_hz, float tuning_semis,
                        const float *bars, size_t n_bars, an_tonal *out);

/* tonal_key.c: window scores of the 24 keys (index mode*12 + tonic; log-posteriors up to a
 * constant) for a treble and a bass chroma (12 bins each, any scale; bass may be NULL). */
void mood__key_scores(const float *treble12, const float *bass12, double out[24]);
/* Scores of the 24 keys for chord frames f0..f1-1 (@p frames n×24: treble then bass chroma,
 * @p voiced flags, frame length @p fdur): the whole span, its opening and its ending. Returns the
 * tonal strength of the span (0..1). */
double mood__key_span_scores(const float *frames, const unsigned char *voiced, size_t f0, size_t f1,
                             double fdur, double out[24]);
/* Best and second-best of 24 scores, with softmax posteriors at @p temp, scaled down for a tonal
 * @p strength below full, as confidences. */
void mood__key_pick(const double sc[24], double temp, double strength, int *out_best,
                    int *out_second, float *out_conf, float *out_conf2);

/* tonal_segments.c: key segments by Viterbi over 24 keys on windows of the chord frames
 * (@p frames nf×24: treble then bass chroma, @p voiced flags, frame length @p fdur_s). Fills
 * out->keysegs (allocated for nf entries by the caller) and out->n_keysegs. */
void mood__key_segments(const float *frames, const unsigned char *voiced, size_t nf, double fdur_s,
                        an_tonal *out);

/* keyname.c: "C#" for 1; "C# minor" into @p buf. */
const char *mood__pitch_class_name(int pc);
void mood__key_name(int key_index, int mode, char *buf, size_t cap);

/* mood.c: fills MOOD_AF_ENERGY..DANCEABILITY, acousticness, label and the similarity vector. */
void mood__mood_and_sim(mood_audio_result *r);

/* decode.c: stream @p path through the analyser, filling info. */
mood_status mood__decode_file(mood_audio_analyzer *az, const char *path, mood_audio_info *info);

/* A sampled decode (sample.c, decode.c): the request, the plan in file time, and how much of
 * each window was decoded. */
typedef struct an_sample {
    size_t n;      /* windows requested */
    double win_s;  /* seconds per window */
    uint64_t seed; /* window placement */
    int active;    /* the file was long enough: windows planned */
    double file_s; /* declared duration of the file */
    mood_audio_window w[MOOD_AUDIO_MAX_WINDOWS];
    double got_s[MOOD_AUDIO_MAX_WINDOWS]; /* decoded seconds of each window */
    size_t cur;                           /* window being decoded */
    int need_seek, done;
} an_sample;
/* Plan @p sm's windows over @p file_s seconds: one per equal part of the file, at a seeded
 * position inside it; inactive when the file is not longer than the windows together. */
void mood__sample_plan(an_sample *sm, double file_s);
/* What to do with a decoded frame starting at @p t_s (negative: no timestamp) lasting @p dur_s:
 * 0 drop (before the window), 1 push, 2 push and the window is complete, 3 complete without
 * pushing (past the window's end). Updates got_s, cur, need_seek and done. */
int mood__sample_take(an_sample *sm, double t_s, double dur_s);
/* decode.c: decode only @p sm's windows (seeking to each) when the file is long enough,
 * else the whole file. */
mood_status mood__decode_file_sampled(mood_audio_analyzer *az, const char *path,
                                      mood_audio_info *info, an_sample *sm);
/* Move the result's times (beats, downbeats, tempo curve, key segments, chords) from the
 * concatenated windows to the file's time line, and record the windows and the duration. */
void mood__sample_finish(const an_sample *sm, mood_audio_result *r);

#endif
