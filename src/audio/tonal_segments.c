/*
 * Key segments: a hidden Markov model whose 24 states are the keys, observed through 8-second
 * windows (hop 2 s) of the chord-frame chroma. A window's log-likelihood for a key is its key
 * score (tonal_key.c) over a temperature; leaving a key costs a fixed penalty, so that a passing
 * tonicisation or a few bars on the dominant stay inside the key and only a sustained move to
 * another key (a modulation) opens a new segment. Viterbi decoding gives the segment list; each
 * segment's confidence is the mean posterior of its key over its windows.
 */
#include "audio_internal.h"

#include "../core/internal.h"

#include <math.h>
#include <string.h>

#define SEG_WIN_S   8.0
#define SEG_HOP_S   2.0
#define SEG_TEMP    1.0  /* the window scores are log-posteriors (tonal_key.c) */
#define SEG_PENALTY 10.0 /* log-likelihood cost of a key change */

/* Key scores of every window into @p sc (nw×24) and the window posteriors into @p post. */
static void window_scores(const float *frames, const unsigned char *voiced, size_t nf, size_t W,
                          size_t H, size_t nw, double *sc, float *post)
{
    for (size_t w = 0; w < nw; w++) {
        float tr[12] = {0}, bs[12] = {0};
        size_t s = w * H, e = s + W < nf ? s + W : nf;
        for (size_t f = s; f < e; f++) {
            if (!voiced[f])
                continue;
            for (int i = 0; i < 12; i++) {
                tr[i] += frames[f * 24 + i];
                bs[i] += frames[f * 24 + 12 + i];
            }
        }
        mood__key_scores(tr, bs, sc + w * 24);
        double mx = sc[w * 24], z = 0;
        for (int k = 1; k < 24; k++)
            mx = sc[w * 24 + k] > mx ? sc[w * 24 + k] : mx;
        for (int k = 0; k < 24; k++)
            z += exp((sc[w * 24 + k] - mx) / SEG_TEMP);
        for (int k = 0; k < 24; k++)
            post[w * 24 + k] = (float)(exp((sc[w * 24 + k] - mx) / SEG_TEMP) / z);
    }
}

/* Viterbi over the windows; the best state path into @p path (nw). */
static void viterbi(const double *sc, size_t nw, double *delta, int *back, int *path)
{
    for (int k = 0; k < 24; k++)
        delta[k] = sc[k] / SEG_TEMP;
    for (size_t w = 1; w < nw; w++) {
        const double *prev = delta + (w - 1) * 24;
        int arg = 0;
        for (int k = 1; k < 24; k++)
            arg = prev[k] > prev[arg] ? k : arg;
        for (int k = 0; k < 24; k++) {
            double stay = prev[k], move = prev[arg] - SEG_PENALTY;
            int from = stay >= move ? k : arg;
            delta[w * 24 + k] = (stay >= move ? stay : move) + sc[w * 24 + k] / SEG_TEMP;
            back[w * 24 + k] = from;
        }
    }
    int k = 0;
    for (int j = 1; j < 24; j++)
        k = delta[(nw - 1) * 24 + j] > delta[(nw - 1) * 24 + k] ? j : k;
    for (size_t w = nw; w-- > 0;) {
        path[w] = k;
        k = back[w * 24 + k];
    }
}

void mood__key_segments(const float *frames, const unsigned char *voiced, size_t nf, double fdur_s,
                        an_tonal *out)
{
    size_t W = (size_t)lround(SEG_WIN_S / fdur_s), H = (size_t)lround(SEG_HOP_S / fdur_s);
    out->n_keysegs = 0;
    if (nf == 0)
        return;
    if (H < 1)
        H = 1;
    if (W > nf)
        W = nf;
    size_t nw = 1 + (nf - W) / H;
    double *sc = mood__malloc_array(nw * 24, sizeof(double));
    double *delta = mood__malloc_array(nw * 24, sizeof(double));
    int *back = mood__malloc_array(nw * 24, sizeof(int)),
        *path = mood__malloc_array(nw, sizeof(int));
    float *post = mood__malloc_array(nw * 24, sizeof(float));
    if (!sc || !delta || !back || !path || !post) {
        /* Out of memory for the segmentation: one segment in the global key. */
        out->keysegs[0] = (an_keyseg){0.0f, out->key, out->mode, out->key_conf};
        out->n_keysegs = 1;
        goto done;
    }
    window_scores(frames, voiced, nf, W, H, nw, sc, post);
    viterbi(sc, nw, delta, back, path);
    double conf_sum = 0;
    size_t conf_n = 0;
    for (size_t w = 0; w < nw; w++) {
        if (w == 0 || path[w] != path[w - 1]) {
            if (out->n_keysegs)
                out->keysegs[out->n_keysegs - 1].confidence = (float)(conf_sum / (double)conf_n);
            /* A change is placed half a hop before the centre of the first window in the new
             * key: that window is the first whose larger part lies after the change. */
            double t =
                w == 0 ? 0.0
                       : floor((double)(w * H) + 0.5 * (double)W - 0.5 * (double)H + 0.5) * fdur_s;
            out->keysegs[out->n_keysegs++] =
                (an_keyseg){(float)t, path[w] % 12, path[w] / 12, 0.0f};
            conf_sum = 0;
            conf_n = 0;
        }
        conf_sum += (double)post[w * 24 + path[w]];
        conf_n++;
    }
    out->keysegs[out->n_keysegs - 1].confidence = (float)(conf_sum / (double)conf_n);
done:
    mood__free(sc);
    mood__free(delta);
    mood__free(back);
    mood__free(path);
    mood__free(post);
}
