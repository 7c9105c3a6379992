/*
 * Tonal description from chroma blocks (93 ms each; tonal_hpcp.c makes them):
 *  - the fine treble HPCP is folded to 12 pitch classes at the estimated tuning;
 *  - key and mode from the whole-track treble and bass profiles (tonal_key.c), with the
 *    second-best key and softmax confidences; key segments by Viterbi over 8 s windows
 *    (tonal_segments.c);
 *  - chords: 0.46 s chroma frames matched to the 24 major/minor triad templates by cosine
 *    similarity, consecutive equal labels merged into segments;
 *  - tonal tension: mean distance between consecutive 6-D tonal centroids (Harte, Sandler &
 *    Gasser 2006), i.e. how far harmony moves on the Tonnetz.
 */
#include "audio_internal.h"

#include "../core/internal.h"

#include <math.h>
#include <string.h>

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

#define KEY_TEMP 1.0 /* the key scores are log-posteriors up to a constant (tonal_key.c) */

/*
 * Chord frames (@p CF blocks each) into @p frames (nf×24: treble, then bass): each block's
 * chroma is max-normalised and averaged, the bass by its own maximum; blocks 60 dB below the
 * loudest are silence and do not vote. Returns the number of voiced frames.
 */
static size_t chord_frames(const float *rows, size_t n, size_t CF, float tuning_semis,
                           float *frames, unsigned char *voiced)
{
    double emax = 0;
    size_t nf = n / CF, used = 0;
    for (size_t b = 0; b < n; b++)
        for (int i = 0; i < AN_FINE; i++)
            emax = MOOD_MAX(emax, (double)rows[b * AN_CHROMA_ROW + i]);
    for (size_t f = 0; f < nf; f++) {
        float acc[24] = {0};
        int cnt = 0;
        for (size_t b = f * CF; b < (f + 1) * CF; b++) {
            const float *row = rows + b * AN_CHROMA_ROW;
            float c[12], mx = 0, bmx = 0;
            mood__fold_fine(row, tuning_semis, c);
            for (int i = 0; i < 12; i++) {
                mx = c[i] > mx ? c[i] : mx;
                bmx = row[AN_FINE + i] > bmx ? row[AN_FINE + i] : bmx;
            }
            if ((double)mx <= 1e-6 * emax || mx <= 0)
                continue;
            for (int i = 0; i < 12; i++) {
                acc[i] += c[i] / mx;
                acc[12 + i] += bmx > 0 ? row[AN_FINE + i] / bmx : 0.0f;
            }
            cnt++;
        }
        for (int i = 0; i < 24; i++)
            frames[f * 24 + i] = cnt ? acc[i] / (float)cnt : 0.0f;
        voiced[f] = cnt > 0;
        used += cnt > 0;
    }
    return used;
}

/* Track key, second key, confidences, mean chroma and clarity from the voiced frames. */
static void track_key(const float *frames, const unsigned char *voiced, size_t nf, double fdur,
                      an_tonal *out)
{
    double mean[12] = {0}, s = 0, ent = 0, sc[24];
    for (size_t f = 0; f < nf; f++)
        if (voiced[f])
            for (int i = 0; i < 12; i++)
                mean[i] += (double)frames[f * 24 + i];
    for (int i = 0; i < 12; i++)
        s += mean[i];
    for (int i = 0; i < 12; i++) {
        out->chroma[i] = (float)(mean[i] / s);
        if (out->chroma[i] > 0)
            ent -= (double)out->chroma[i] * log((double)out->chroma[i]);
    }
    out->clarity = (float)(1.0 - ent / log(12.0));
    double strength = mood__key_span_scores(frames, voiced, 0, nf, fdur, sc);
    int b, b2;
    mood__key_pick(sc, KEY_TEMP, strength, &b, &b2, &out->key_conf, &out->key2_conf);
    out->key = b % 12;
    out->mode = b / 12;
    out->key2 = b2 % 12;
    out->mode2 = b2 / 12;
}

/* Chord segments, tonal tension, chord-change rate and major share from the chord frames. */
static void chords_and_tension(const float *frames, const unsigned char *voiced, size_t nf,
                               double fdur, an_tonal *out)
{
    double prev_tc[6] = {0}, dsum = 0, major_t = 0, chord_t = 0;
    size_t nd = 0, changes = 0;
    int have_prev = 0;
    for (size_t f = 0; f < nf; f++) {
        int root = -1, quality = 1;
        if (voiced[f]) {
            const float *c = frames + f * 24;
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
            /* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): sized for every frame */
            out->chords[out->n_chords++] = (an_chord){t0, t1, root, quality};
        }
        if (root >= 0) {
            chord_t += fdur;
            if (quality)
                major_t += fdur;
        }
    }
    out->tension = nd ? (float)(dsum / (double)nd) : 0.0f;
    out->chord_rate_hz = nf ? (float)((double)changes / ((double)nf * fdur)) : 0.0f;
    out->major_share = chord_t > 0 ? (float)(major_t / chord_t) : 0.0f;
}

/* Start frame of key segment @p i. */
static size_t seg_frame(const an_tonal *out, size_t i, size_t nf, double fdur)
{
    if (i >= out->n_keysegs)
        return nf;
    size_t f = (size_t)lround((double)out->keysegs[i].start_s / fdur);
    return f > nf ? nf : f;
}

#define SEG_MIN_F 4 /* frames (1.8 s) a segment keeps on either side of a moved change */

/* Window-model score difference of key @p k2 over key @p k1 for frame @p f (with its two
 * neighbours): the evidence of one frame for the later key. */
static double frame_evidence(const float *frames, const unsigned char *voiced, size_t nf, size_t f,
                             int k1, int k2)
{
    float tr[12] = {0}, bs[12] = {0};
    int any = 0;
    for (size_t g = f > 0 ? f - 1 : 0; g <= f + 1 && g < nf; g++) {
        if (!voiced[g])
            continue;
        any = 1;
        for (int i = 0; i < 12; i++) {
            tr[i] += frames[g * 24 + i];
            bs[i] += frames[g * 24 + 12 + i];
        }
    }
    if (!any)
        return 0.0;
    double sc[24];
    mood__key_scores(tr, bs, sc);
    return sc[k2] - sc[k1];
}

/*
 * Viterbi places the key changes on a 2-second grid; each segment's key is then chosen again
 * from all of its frames, with its opening and its ending (mood__key_span_scores), neighbours
 * that end up equal are merged, and every change is moved to the frame between its neighbouring
 * changes after which the frames' evidence for the later key over the earlier one sums highest
 * (a change point at the resolution of a chord frame, 0.46 s).
 */
static void refine_segments(const float *frames, const unsigned char *voiced, size_t nf,
                            double fdur, an_tonal *out)
{
    size_t k = 0;
    for (size_t i = 0; i < out->n_keysegs; i++) {
        an_keyseg g = out->keysegs[i];
        size_t f0 = seg_frame(out, i, nf, fdur), f1 = seg_frame(out, i + 1, nf, fdur);
        if (f1 > f0) {
            double sc[24];
            int b, b2;
            float c2;
            double st = mood__key_span_scores(frames, voiced, f0, f1, fdur, sc);
            mood__key_pick(sc, KEY_TEMP, st, &b, &b2, &g.confidence, &c2);
            g.key_index = b % 12;
            g.mode = b / 12;
        }
        if (k > 0 && out->keysegs[k - 1].key_index == g.key_index &&
            out->keysegs[k - 1].mode == g.mode)
            continue;
        out->keysegs[k++] = g;
    }
    out->n_keysegs = k;
    for (size_t i = 1; i < out->n_keysegs; i++) {
        size_t a = seg_frame(out, i - 1, nf, fdur), z = seg_frame(out, i + 1, nf, fdur);
        if (z < a + 2 * SEG_MIN_F)
            continue;
        int k1 = out->keysegs[i - 1].mode * 12 + out->keysegs[i - 1].key_index;
        int k2 = out->keysegs[i].mode * 12 + out->keysegs[i].key_index;
        /* Suffix sums of the evidence from z-1 down to the lowest admissible change. */
        double acc = 0.0, best = -HUGE_VAL;
        size_t best_c = seg_frame(out, i, nf, fdur);
        for (size_t c = z; c-- > a + SEG_MIN_F;) {
            acc += frame_evidence(frames, voiced, nf, c, k1, k2);
            if (c <= z - SEG_MIN_F && acc >= best) {
                best = acc;
                best_c = c;
            }
        }
        out->keysegs[i].start_s = (float)((double)best_c * fdur);
    }
}

#define BAR_SNAP_S 0.5 /* a key change moves to a downbeat at most this far (one chord frame) */

/*
 * Keys change at bar lines: each change found at chord-frame resolution moves to the nearest
 * downbeat within BAR_SNAP_S, as long as the segments keep their order. The track key below is
 * the key held longest, so a change 0.46 s off can hand a song that modulates midway to the
 * wrong half; the beat tracker's downbeats are an order of magnitude finer.
 */
static void snap_to_bars(an_tonal *out, const float *bars, size_t n_bars)
{
    size_t j = 0;
    for (size_t i = 1; i < out->n_keysegs && n_bars > 0; i++) {
        float c = out->keysegs[i].start_s;
        while (j + 1 < n_bars && bars[j + 1] <= c)
            j++;
        float best = bars[j];
        if (j + 1 < n_bars && fabsf(bars[j + 1] - c) < fabsf(best - c))
            best = bars[j + 1];
        float lo = out->keysegs[i - 1].start_s;
        float hi = i + 1 < out->n_keysegs ? out->keysegs[i + 1].start_s : HUGE_VALF;
        if (fabsf(best - c) <= (float)BAR_SNAP_S && best > lo && best < hi)
            out->keysegs[i].start_s = best;
    }
}

#define HELD_TIE_S 2.0 /* a later key must be held this much longer to take the track key */

/*
 * The segment list and the track key must agree: one segment takes the track key; with
 * several, the track key is the one held longest. A later key has to be held longer by
 * HELD_TIE_S: the last segment also holds the release of the final chord, and two halves of
 * a song that modulates midway are a tie that goes to the key it starts in.
 */
static void reconcile_segments(an_tonal *out, double dur_s)
{
    if (out->n_keysegs == 1) {
        out->keysegs[0].key_index = out->key;
        out->keysegs[0].mode = out->mode;
        out->keysegs[0].confidence = out->key_conf;
        return;
    }
    double held[24] = {0};
    for (size_t i = 0; i < out->n_keysegs; i++) {
        const an_keyseg *g = &out->keysegs[i];
        double end = i + 1 < out->n_keysegs ? (double)out->keysegs[i + 1].start_s : dur_s;
        held[g->mode * 12 + g->key_index] += end - (double)g->start_s;
    }
    int best = out->keysegs[0].mode * 12 + out->keysegs[0].key_index;
    for (size_t i = 1; i < out->n_keysegs; i++) {
        int k = out->keysegs[i].mode * 12 + out->keysegs[i].key_index;
        best = held[k] > held[best] + HELD_TIE_S ? k : best;
    }
    if (best == out->mode * 12 + out->key)
        return;
    /* The track-wide choice becomes the second key; the held key's confidence is that of its
     * longest segment. */
    out->key2 = out->key;
    out->mode2 = out->mode;
    out->key2_conf = out->key_conf;
    out->key = best % 12;
    out->mode = best / 12;
    out->key_conf = 0.0f;
    for (size_t i = 0; i < out->n_keysegs; i++)
        if (out->keysegs[i].mode * 12 + out->keysegs[i].key_index == best)
            out->key_conf = MOOD_MAX(out->key_conf, out->keysegs[i].confidence);
    if (out->key2_conf > out->key_conf)
        out->key2_conf = out->key_conf;
}

mood_status mood__tonal(const float *rows, size_t n, double block_rate, float tuning_semis,
                        const float *bars, size_t n_bars, an_tonal *out)
{
    memset(out, 0, sizeof *out);
    out->key2 = -1;
    out->tuning_hz = (float)(440.0 * pow(2.0, (double)tuning_semis / 12.0));
    const size_t CF = 5; /* blocks per chord frame (0.46 s) */
    size_t nf = n / CF;
    double fdur = (double)CF / block_rate;
    mood_status st = MOOD_OK;
    float *frames = mood__malloc_array(nf ? nf * 24 : 1, sizeof(float));
    unsigned char *voiced = mood__calloc(nf ? nf : 1, 1);
    out->chords = mood__malloc_array(nf ? nf : 1, sizeof(an_chord));
    out->keysegs = mood__malloc_array(nf ? nf : 1, sizeof(an_keyseg));
    if (!frames || !voiced || !out->chords || !out->keysegs) {
        st = mood__enomem("tonal");
        goto done;
    }
    if (!chord_frames(rows, n, CF, tuning_semis, frames, voiced)) {
        out->key = 0;
        out->mode = 1;
        goto done;
    }
    track_key(frames, voiced, nf, fdur, out);
    chords_and_tension(frames, voiced, nf, fdur, out);
    mood__key_segments(frames, voiced, nf, fdur, out);
    refine_segments(frames, voiced, nf, fdur, out);
    if (bars)
        snap_to_bars(out, bars, n_bars);
    reconcile_segments(out, (double)nf * fdur);
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
