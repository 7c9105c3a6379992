/*
 * Harmonic rhythm: where the chords change. Music without drums (string pads, choirs, organ)
 * marks its bars by chord changes more than by attacks (Goto & Muraoka 1999 track the beats of
 * drumless music from chord-change possibilities). The harmonic novelty is the positive change of
 * the max-normalised 12-bin treble and bass chroma from one chroma block to the next; its
 * autocorrelation peak in the bar range is the period of the harmonic changes, which a beat
 * period must divide into a whole number of beats.
 */
#include "audio_internal.h"

#include "../core/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Max-normalised 24 values (treble then bass) of one chroma row into @p out; 0 when silent. */
static int chroma24(const float *row, size_t dim, float *out)
{
    float t12[12];
    if (dim == AN_CHROMA_ROW) {
        mood__fold_fine(row, 0.0f, t12);
        for (int i = 0; i < 12; i++)
            out[12 + i] = row[AN_FINE + i];
    } else {
        for (int i = 0; i < 12; i++) {
            t12[i] = i < (int)dim ? row[i] : 0.0f;
            out[12 + i] = 0.0f;
        }
    }
    memcpy(out, t12, sizeof t12);
    float m1 = 0.0f, m2 = 0.0f;
    for (int i = 0; i < 12; i++) {
        m1 = out[i] > m1 ? out[i] : m1;
        m2 = out[12 + i] > m2 ? out[12 + i] : m2;
    }
    for (int i = 0; i < 12; i++) {
        out[i] = m1 > 0.0f ? out[i] / m1 : 0.0f;
        out[12 + i] = m2 > 0.0f ? out[12 + i] / m2 : 0.0f;
    }
    return m1 > 0.0f;
}

int mood__harmonic_novelty(const an_rhythm_in *in, float *h)
{
    size_t nr = in->n_chroma, dim = in->chroma_dim, hops = in->chroma_hops;
    if (!in->chroma || nr < 4 || hops == 0)
        return 0;
    double esum = 0.0;
    for (size_t i = 0; i < nr * dim; i++)
        esum += (double)in->chroma[i];
    double gate = 1e-3 * esum / (double)nr;
    float prev[24] = {0}, cur[24];
    memset(h, 0, in->n * sizeof(float));
    for (size_t r = 0; r < nr; r++) {
        const float *row = in->chroma + r * dim;
        double e = 0.0;
        for (size_t i = 0; i < dim; i++)
            e += (double)row[i];
        if (!(e > gate) || !chroma24(row, dim, cur))
            memset(cur, 0, sizeof cur);
        double d = 0.0;
        for (int i = 0; i < 24; i++)
            d += cur[i] > prev[i] ? (double)(cur[i] - prev[i]) : 0.0;
        for (size_t k = 0; r > 0 && k < hops; k++)
            if (r * hops + k < in->n)
                h[r * hops + k] = (float)d;
        memcpy(prev, cur, sizeof prev);
    }
    return 1;
}

double mood__bar_period(const float *h, size_t n, double fr, double *out_strength)
{
    *out_strength = 0.0;
    size_t lo = (size_t)floor(fr * 0.9), hi = (size_t)ceil(fr * 5.0);
    if (n < 2 * hi)
        return 0.0;
    double *a = mood__malloc_array(hi + 2, sizeof(double));
    if (!a)
        return 0.0; /* out of memory: no bar evidence, the level stands on the tempogram */
    double P = 0.0;
    if (mood__window_acf(h, 0, n, a, hi + 2)) {
        size_t bi = 0;
        for (size_t l = lo; l <= hi; l++)
            if (a[l] > a[l - 1] && a[l] >= a[l + 1] && a[l] > (bi ? a[bi] : 0.0))
                bi = l;
        if (bi) {
            P = (double)bi + mood__peak_shift(a[bi - 1], a[bi], a[bi + 1]);
            *out_strength = a[bi];
        }
    }
    mood__free(a);
    return P;
}
