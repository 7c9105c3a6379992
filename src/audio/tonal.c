/*
 * Tonal description from 12-bin chroma blocks (93 ms each):
 *  - key and mode by correlation of the mean chroma with the 24 rotations of the
 *    Krumhansl-Kessler probe-tone profiles (Krumhansl 1990); confidence = best correlation;
 *  - chords: 0.46 s chroma frames matched to the 24 major/minor triad templates by cosine
 *    similarity, consecutive equal labels merged into segments;
 *  - tonal tension: mean distance between consecutive 6-D tonal centroids (Harte, Sandler &
 *    Gasser 2006), i.e. how far harmony moves on the Tonnetz;
 *  - key changes: the key of 20 s windows (hop 10 s), runs shorter than two windows ignored.
 */
#include "audio_internal.h"

#include "../core/internal.h"

#include <math.h>
#include <string.h>

static const double kk_major[12] = {6.35, 2.23, 3.48, 2.33, 4.38, 4.09,
                                    2.52, 5.19, 2.39, 3.66, 2.29, 2.88};
static const double kk_minor[12] = {6.33, 2.68, 3.52, 5.38, 2.60, 3.53,
                                    2.54, 4.75, 3.98, 2.69, 3.34, 3.17};

static double pearson(const double *x, const double *y)
{
    double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < 12; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= 12;
    my /= 12;
    for (int i = 0; i < 12; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : 0.0;
}

float mood__key_from_chroma(const float *chroma12, int *out_key, int *out_mode, float *out_second)
{
    double c[12], prof[12], best = -2, second = -2;
    int bk = 0, bm = 1;
    for (int i = 0; i < 12; i++)
        c[i] = chroma12[i];
    for (int mode = 1; mode >= 0; mode--) {
        for (int key = 0; key < 12; key++) {
            for (int i = 0; i < 12; i++)
                prof[(i + key) % 12] = mode ? kk_major[i] : kk_minor[i];
            double r = pearson(c, prof);
            if (r > best) {
                second = best;
                best = r;
                bk = key;
                bm = mode;
            } else if (r > second) {
                second = r;
            }
        }
    }
    *out_key = bk;
    *out_mode = bm;
    if (out_second)
        *out_second = (float)second;
    return (float)best;
}

/* Harte's tonal centroid of a chroma vector (L1-normalised). */
static void tonal_centroid(const float *c, double out[6])
{
    static const double r[3] = {1.0, 1.0, 0.5};
    static const double f[3] = {7.0 * M_PI / 6.0, 3.0 * M_PI / 2.0, 2.0 * M_PI / 3.0};
    double s = 0;
    memset(out, 0, 6 * sizeof(double));
    for (int l = 0; l < 12; l++)
        s += (double)c[l];
    if (s <= 0)
        return;
    for (int l = 0; l < 12; l++)
        for (int d = 0; d < 3; d++) {
            out[2 * d] += r[d] * sin(l * f[d]) * (double)c[l] / s;
            out[2 * d + 1] += r[d] * cos(l * f[d]) * (double)c[l] / s;
        }
}

mood_status mood__tonal(const float *chroma, size_t n, double block_rate, an_tonal *out)
{
    memset(out, 0, sizeof *out);
    out->key2 = -1;
    out->tuning_hz = 440.0f;
    const size_t CF = 5; /* blocks per chord frame (0.46 s) */
    size_t nf = n / CF, used = 0;
    double mean[12] = {0};
    float *frames = NULL;
    unsigned char *voiced = NULL;
    double emax = 0;
    mood_status st = MOOD_OK;
    for (size_t i = 0; i < n * 12; i++)
        emax = MOOD_MAX(emax, (double)chroma[i]);
    frames = mood__malloc_array(nf ? nf * 12 : 1, sizeof(float));
    voiced = mood__calloc(nf ? nf : 1, 1);
    out->chords = mood__malloc_array(nf ? nf : 1, sizeof(an_chord));
    out->keysegs = mood__malloc_array(nf ? nf : 1, sizeof(an_keyseg));
    if (!frames || !voiced || !out->chords || !out->keysegs) {
        st = mood__enomem("tonal");
        goto done;
    }
    /* Chord frames: per-block max-normalised chroma averaged over CF blocks; blocks 60 dB
     * below the loudest are silence and do not vote. */
    for (size_t f = 0; f < nf; f++) {
        float acc[12] = {0};
        int cnt = 0;
        for (size_t b = f * CF; b < (f + 1) * CF; b++) {
            const float *c = chroma + b * 12;
            float mx = 0;
            for (int i = 0; i < 12; i++)
                mx = c[i] > mx ? c[i] : mx;
            if ((double)mx <= 1e-6 * emax || mx <= 0)
                continue;
            for (int i = 0; i < 12; i++)
                acc[i] += c[i] / mx;
            cnt++;
        }
        for (int i = 0; i < 12; i++)
            frames[f * 12 + i] = cnt ? acc[i] / (float)cnt : 0.0f;
        if (cnt) {
            voiced[f] = 1;
            used++;
            for (int i = 0; i < 12; i++)
                mean[i] += (double)frames[f * 12 + i];
        }
    }
    if (!used) {
        out->key = 0;
        out->mode = 1;
        goto done;
    }
    {
        double s = 0, ent = 0;
        float m12[12], second;
        for (int i = 0; i < 12; i++)
            s += mean[i];
        for (int i = 0; i < 12; i++) {
            out->chroma[i] = (float)(mean[i] / s);
            m12[i] = out->chroma[i];
            if (out->chroma[i] > 0)
                ent -= (double)out->chroma[i] * log((double)out->chroma[i]);
        }
        out->clarity = (float)(1.0 - ent / log(12.0));
        float best = mood__key_from_chroma(m12, &out->key, &out->mode, &second);
        out->key_conf = best > 0 ? best : 0.0f;
    }
    /* Chords and tonal tension. */
    {
        double prev_tc[6], dsum = 0, major_t = 0, chord_t = 0;
        size_t nd = 0, changes = 0;
        int have_prev = 0;
        double fdur = (double)CF / block_rate;
        for (size_t f = 0; f < nf; f++) {
            int root = -1, quality = 1;
            if (voiced[f]) {
                const float *c = frames + f * 12;
                double best = 0.0, norm = 0;
                for (int i = 0; i < 12; i++)
                    norm += (double)c[i] * (double)c[i];
                norm = sqrt(norm);
                for (int q = 1; q >= 0; q--)
                    for (int r = 0; r < 12; r++) {
                        /* Triad: root, third (major 4 / minor 3 semitones), fifth. */
                        double sc = c[r] + c[(r + (q ? 4 : 3)) % 12] + c[(r + 7) % 12];
                        sc /= sqrt(3.0) * (norm + 1e-12);
                        if (sc > best) {
                            best = sc;
                            root = r;
                            quality = q;
                        }
                    }
                if (best < 0.6)
                    root = -1; /* no triad explains the frame */
                double tc[6];
                tonal_centroid(c, tc);
                if (have_prev) {
                    double d = 0;
                    for (int i = 0; i < 6; i++)
                        d += (tc[i] - prev_tc[i]) * (tc[i] - prev_tc[i]);
                    dsum += sqrt(d);
                    nd++;
                }
                memcpy(prev_tc, tc, sizeof tc);
                have_prev = 1;
            }
            float t0 = (float)((double)f * fdur), t1 = (float)((double)(f + 1) * fdur);
            an_chord *last = out->n_chords ? &out->chords[out->n_chords - 1] : NULL;
            if (last && last->root == root && (root < 0 || last->quality == quality)) {
                last->end_s = t1;
            } else {
                if (last && root >= 0 && last->root >= 0)
                    changes++;
                out->chords[out->n_chords++] = (an_chord){t0, t1, root, quality};
            }
            if (root >= 0) {
                chord_t += fdur;
                if (quality)
                    major_t += fdur;
            }
        }
        out->tension = nd ? (float)(dsum / (double)nd) : 0.0f;
        out->chord_rate_hz = (float)((double)changes / ((double)nf * fdur));
        out->major_share = chord_t > 0 ? (float)(major_t / chord_t) : 0.0f;
    }
    /* Key segments. */
    {
        size_t W = (size_t)lround(20.0 * block_rate / (double)CF), H = W / 2 ? W / 2 : 1;
        int prev_key = -1, prev_mode = -1;
        double fdur = (double)CF / block_rate;
        if (W > nf)
            W = nf;
        for (size_t s = 0;; s += H) {
            size_t e = s + W < nf ? s + W : nf;
            float m12[12] = {0};
            int key, mode;
            for (size_t f = s; f < e; f++)
                for (int i = 0; i < 12; i++)
                    m12[i] += frames[f * 12 + i];
            mood__key_from_chroma(m12, &key, &mode, NULL);
            if (key != prev_key || mode != prev_mode) {
                out->keysegs[out->n_keysegs++] = (an_keyseg){(float)((double)s * fdur), key, mode, 0.0f};
                prev_key = key;
                prev_mode = mode;
            }
            if (e >= nf)
                break;
        }
        /* Drop one-window excursions that return to the previous key. */
        size_t k = 0;
        for (size_t i = 0; i < out->n_keysegs; i++) {
            an_keyseg *cur = &out->keysegs[i];
            int excursion =
                i + 1 < out->n_keysegs && k > 0 &&
                out->keysegs[i + 1].key_index == out->keysegs[k - 1].key_index &&
                out->keysegs[i + 1].mode == out->keysegs[k - 1].mode &&
                out->keysegs[i + 1].start_s - cur->start_s <= (float)((double)H * fdur) + 0.01f;
            if (excursion) {
                i++; /* skip the excursion and the return */
                continue;
            }
            if (k > 0 && out->keysegs[k - 1].key_index == cur->key_index &&
                out->keysegs[k - 1].mode == cur->mode)
                continue;
            out->keysegs[k++] = *cur;
        }
        out->n_keysegs = k;
    }
done:
    mood__free(frames);
    mood__free(voiced);
    if (st != MOOD_OK) {
        mood__free(out->chords);
        mood__free(out->keysegs);
        out->chords = NULL;
        out->keysegs = NULL;
        out->n_chords = out->n_keysegs = 0;
    }
    return st;
}
