/*
 * Known-answer audio fixtures synthesised in code (shared by tests/unit/audio and
 * bench/audio): sines, click tracks, drum patterns at a known tempo and chord progressions in
 * a known key. Mono float at any rate; deterministic (seeded xorshift noise).
 */
#ifndef MOOD_TEST_SYNTH_H
#define MOOD_TEST_SYNTH_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static inline float synth_noise(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return (float)((double)*s / 4294967296.0 * 2.0 - 1.0);
}

/* Sine of @p hz at amplitude @p amp into @p x (n samples at @p rate), added. */
static inline void synth_sine(float *x, size_t n, int rate, double hz, double amp)
{
    for (size_t i = 0; i < n; i++)
        x[i] += (float)(amp * sin(2.0 * M_PI * hz * (double)i / rate));
}

/* Drum voices added at sample @p at. */
static inline void synth_kick(float *x, size_t n, int rate, size_t at, double amp)
{
    double ph = 0;
    for (size_t i = 0; i < (size_t)(0.25 * rate) && at + i < n; i++) {
        double t = (double)i / rate, f = 50.0 + 100.0 * exp(-t / 0.03);
        ph += 2.0 * M_PI * f / rate;
        x[at + i] += (float)(amp * sin(ph) * exp(-t / 0.12));
    }
}

static inline void synth_snare(float *x, size_t n, int rate, size_t at, double amp, uint32_t *seed)
{
    for (size_t i = 0; i < (size_t)(0.2 * rate) && at + i < n; i++) {
        double t = (double)i / rate;
        x[at + i] += (float)(amp * (0.7 * (double)synth_noise(seed) * exp(-t / 0.06) +
                                    0.4 * sin(2.0 * M_PI * 190.0 * t) * exp(-t / 0.05)));
    }
}

static inline void synth_hat(float *x, size_t n, int rate, size_t at, double amp, double decay_s,
                             uint32_t *seed)
{
    float prev = 0;
    for (size_t i = 0; i < (size_t)(4 * decay_s * rate) && at + i < n; i++) {
        double t = (double)i / rate;
        float w = synth_noise(seed), hp = w - prev; /* first difference: a crude high-pass */
        prev = w;
        x[at + i] += (float)(amp * (double)hp * exp(-t / decay_s));
    }
}

/*
 * A drum pattern at @p bpm in 4/4. style 0 "rock": kick 1 and 3, snare 2 and 4, closed hi-hat
 * on eighths. style 1 "four on the floor": kick every beat, snare 2 and 4, open hi-hat on the
 * off-beats. style 2 "breakbeat": kick 1 and the "and" of 2, snare 2 and 4, hi-hat eighths.
 * Returns a malloc'd buffer of *out_n samples (@p seconds long).
 */
static inline float *synth_drums(double bpm, int style, double seconds, int rate, size_t *out_n)
{
    size_t n = (size_t)(seconds * rate);
    float *x = calloc(n, sizeof(float));
    uint32_t seed = 12345u + (uint32_t)(bpm * 10) + (uint32_t)style;
    double beat = 60.0 / bpm;
    if (!x)
        return NULL;
    for (int e = 0; e * beat / 2 < seconds; e++) { /* eighth notes */
        size_t at = (size_t)(e * beat / 2 * rate);
        int b = e / 2 % 4, off = e % 2;
        if (style == 0) {
            if (!off && (b == 0 || b == 2))
                synth_kick(x, n, rate, at, 0.9);
            if (!off && (b == 1 || b == 3))
                synth_snare(x, n, rate, at, 0.6, &seed);
            synth_hat(x, n, rate, at, 0.15, 0.02, &seed);
        } else if (style == 1) {
            if (!off)
                synth_kick(x, n, rate, at, 0.9);
            if (!off && (b == 1 || b == 3))
                synth_snare(x, n, rate, at, 0.5, &seed);
            if (off)
                synth_hat(x, n, rate, at, 0.2, 0.08, &seed);
        } else {
            if ((!off && b == 0) || (off && b == 1))
                synth_kick(x, n, rate, at, 0.9);
            if (!off && (b == 1 || b == 3))
                synth_snare(x, n, rate, at, 0.6, &seed);
            synth_hat(x, n, rate, at, 0.15, 0.02, &seed);
        }
    }
    *out_n = n;
    return x;
}

/* A click track: 10 ms 1 kHz bursts every beat. */
static inline float *synth_clicks(double bpm, double seconds, int rate, size_t *out_n)
{
    size_t n = (size_t)(seconds * rate);
    float *x = calloc(n, sizeof(float));
    if (!x)
        return NULL;
    for (double t = 0; t < seconds; t += 60.0 / bpm) {
        size_t at = (size_t)(t * rate);
        for (size_t i = 0; i < (size_t)(0.01 * rate) && at + i < n; i++)
            x[at + i] += (float)(0.8 * sin(2.0 * M_PI * 1000.0 * (double)i / rate));
    }
    *out_n = n;
    return x;
}

/* A tone with 6 decaying harmonics (a soft sawtooth) at MIDI note @p midi. */
static inline void synth_note(float *x, size_t n, int rate, size_t at, size_t len, int midi,
                              double amp)
{
    double f = 440.0 * pow(2.0, (midi - 69) / 12.0);
    for (size_t i = 0; i < len && at + i < n; i++) {
        double t = (double)i / rate, env = fmin(1.0, t / 0.02) * exp(-t / 1.5), v = 0;
        for (int h = 1; h <= 6; h++)
            v += sin(2.0 * M_PI * f * h * t) / h;
        x[at + i] += (float)(amp * env * v);
    }
}

/*
 * A chord progression in key @p key (0 = C .. 11 = B), @p major 1 or 0: I-IV-V-I (major) or
 * i-iv-V-i (minor, harmonic V), repeated; triads around C4 plus the root in the bass, one chord
 * per second.
 */
static inline float *synth_progression(int key, int major, double seconds, int rate, size_t *out_n)
{
    static const int deg_major[4][3] = {{0, 4, 7}, {5, 9, 12}, {7, 11, 14}, {0, 4, 7}};
    static const int deg_minor[4][3] = {{0, 3, 7}, {5, 8, 12}, {7, 11, 14}, {0, 3, 7}};
    size_t n = (size_t)(seconds * rate);
    float *x = calloc(n, sizeof(float));
    if (!x)
        return NULL;
    int c = 0;
    for (double t = 0; t < seconds; t += 1.0, c++) {
        const int *tri = major ? deg_major[c % 4] : deg_minor[c % 4];
        size_t at = (size_t)(t * rate), len = (size_t)rate;
        int base = 60 + key;
        if (base > 65)
            base -= 12; /* keep the chords between F3 and F5 */
        for (int i = 0; i < 3; i++)
            synth_note(x, n, rate, at, len, base + tri[i], 0.12);
        synth_note(x, n, rate, at, len, base - 12 + tri[0], 0.15);
    }
    *out_n = n;
    return x;
}

/* Write @p n frames of @p ch interleaved channels as 16-bit PCM WAV; returns 0 on success. */
static inline int synth_write_wav(const char *path, const float *x, size_t n, int ch, int rate)
{
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return -1;
    uint32_t data = (uint32_t)(n * (size_t)ch * 2), riff = 36 + data, fmt = 16, sr = (uint32_t)rate,
             br = sr * 2 * (uint32_t)ch;
    uint16_t pcm = 1, nch = (uint16_t)ch, align = (uint16_t)(2 * ch), bits = 16;
    fwrite("RIFF", 1, 4, fp);
    fwrite(&riff, 4, 1, fp);
    fwrite("WAVEfmt ", 1, 8, fp);
    fwrite(&fmt, 4, 1, fp);
    fwrite(&pcm, 2, 1, fp);
    fwrite(&nch, 2, 1, fp);
    fwrite(&sr, 4, 1, fp);
    fwrite(&br, 4, 1, fp);
    fwrite(&align, 2, 1, fp);
    fwrite(&bits, 2, 1, fp);
    fwrite("data", 1, 4, fp);
    fwrite(&data, 4, 1, fp);
    for (size_t i = 0; i < n * (size_t)ch; i++) {
        float v = x[i] * 32767.0f;
        int16_t s = (int16_t)(v > 32767.0f ? 32767 : (v < -32768.0f ? -32768 : v));
        fwrite(&s, 2, 1, fp);
    }
    return fclose(fp);
}

#endif
