/*
 * Similar tracks and the DJ's next track. The DJ rules are the ones mixing software teaches:
 * tempo within ±6% (the range a pitch fader covers without audible artefacts) or at half/double
 * time, keys adjacent on the Camelot wheel (same key, relative major/minor, one fifth up or
 * down), the energy going the way the set needs, and no artist twice.
 */
#include "../core/internal.h"
#include "rec_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mood_dj_options_default(mood_dj_options *o)
{
    memset(o, 0, sizeof *o);
    o->tempo_tolerance = 0.06f;
    o->allow_half_double = 1;
    o->require_key = 1;
    o->energy = MOOD_ENERGY_ANY;
    o->energy_steady = 0.05f;
}

mood_status mood_energy_dir_parse(const char *name, mood_energy_dir *out)
{
    static const char *const names[] = {"any", "up", "down", "steady"};
    for (int i = 0; i < 4; i++) {
        if (name && strcmp(name, names[i]) == 0) {
            *out = (mood_energy_dir)i;
            return MOOD_OK;
        }
    }
    return mood__error(MOOD_EINVAL, "energy: expected up, down, steady or any, found '%s'",
                       name ? name : "(null)");
}

/*
 * Camelot numbers follow the circle of fifths: C major is 8B and each fifth up adds one, so
 * the number of pitch class p in major is 8 + 7p (mod 12); a minor key shares the number of its
 * relative major (three semitones up).
 */
char mood_camelot(int key_index, int major, int *out_num)
{
    int pc = ((key_index % 12) + 12) % 12;
    int rel = major ? pc : (pc + 3) % 12;
    *out_num = (7 * rel + 7) % 12 + 1;
    return major ? 'B' : 'A';
}

int mood_camelot_compatible(int num_a, char letter_a, int num_b, char letter_b)
{
    int diff;
    if (num_a < 1 || num_b < 1)
        return 0;
    if (num_a == num_b)
        return 1; /* same key or relative major/minor */
    if (letter_a != letter_b)
        return 0;
    diff = ((num_b - num_a) % 12 + 12) % 12;
    return diff == 1 || diff == 11;
}

int mood_tempo_compatible(float from_bpm, float to_bpm, float tolerance, int allow_half_double,
                          float *out_change)
{
    static const float ratios[3] = {1.0f, 2.0f, 0.5f};
    static const int kinds[3] = {1, 2, -2};
    float best = INFINITY;
    int kind = 0;
    *out_change = NAN;
    if (!(from_bpm > 0.0f) || !(to_bpm > 0.0f))
        return 0;
    for (int r = 0; r < (allow_half_double ? 3 : 1); r++) {
        /* the change a deck applies to play `to` in step with `from` at this ratio */
        float change = to_bpm / (from_bpm * ratios[r]) - 1.0f;
        if (fabsf(change) <= tolerance + 1e-6f && fabsf(change) < fabsf(best)) {
            best = change;
            kind = kinds[r];
        }
    }
    if (kind)
        *out_change = best;
    return kind;
}

static int same_artist(const mood_space *s, size_t a, size_t b)
{
    return s->norm_artist[a][0] && strcmp(s->norm_artist[a], s->norm_artist[b]) == 0;
}

mood_status mood_similar(const mood_space *s, const mood_index *ix, size_t row, size_t n,
                         mood_hit *out, size_t *out_found)
{
    size_t *rows = NULL, found = 0, m = 0;
    float *dist = NULL;
    mood_status st;
    *out_found = 0;
    if (row >= s->n)
        return mood__error(MOOD_EINVAL, "similar: row %zu outside 0..%zu", row, s->n - 1);
    /* room for the track itself and a few duplicate listings of it */
    st = mood__search_alloc(ix, s->x + row * s->d, n + 16, &rows, &dist, &found);
    if (st != MOOD_OK)
        return st;
    for (size_t i = 0; i < found && m < n; i++) {
        size_t r = rows[i];
        if (r == row || strcmp(s->ids[r], s->ids[row]) == 0 || mood__same_song(s, r, row))
            continue;
        memset(&out[m], 0, sizeof out[m]);
        out[m].row = r;
        out[m].distance = dist[i];
        out[m].score = dist[i];
        m++;
    }
    mood__free(rows);
    mood__free(dist);
    *out_found = m;
    return MOOD_OK;
}

mood_status mood_dj_next(const mood_space *s, const mood_index *ix, size_t row,
                         const mood_dj_options *o, size_t n, mood_hit *out, size_t *out_found)
{
    mood_dj_options def;
    size_t *rows = NULL, found = 0, m = 0, pool;
    float *dist = NULL;
    float t0, e0;
    int k0num;
    char k0;
    mood_status st;
    static const char *const dir_names[] = {"any", "up", "down", "steady"};
    *out_found = 0;
    if (!o) {
        mood_dj_options_default(&def);
        o = &def;
    }
    if (row >= s->n)
        return mood__error(MOOD_EINVAL, "next: row %zu outside 0..%zu", row, s->n - 1);
    pool = o->pool ? o->pool : MOOD_MAX((size_t)200, 25 * n);
retry:
    m = 0;
    st = mood__search_alloc(ix, s->x + row * s->d, pool, &rows, &dist, &found);
    if (st != MOOD_OK)
        return st;
    t0 = mood_space_tempo(s, row);
    e0 = mood_space_energy(s, row);
    k0 = mood_space_camelot(s, row, &k0num);
    for (size_t i = 0; i < found && m < n; i++) {
        size_t r = rows[i];
        mood_hit h;
        float t1 = mood_space_tempo(s, r), e1 = mood_space_energy(s, r), change;
        int k1num, rel, dup = 0;
        char k1 = mood_space_camelot(s, r, &k1num);
        if (r == row || mood__same_song(s, r, row) || same_artist(s, r, row))
            continue;
        for (size_t j = 0; j < m && !dup; j++)
            dup = same_artist(s, out[j].row, r);
        if (dup)
            continue;
        memset(&h, 0, sizeof h);
        h.row = r;
        h.distance = dist[i];
        h.score = dist[i];
        mood__reason(h.reasons, sizeof h.reasons, "similar (d=%.3f)", (double)dist[i]);
        if (isnan(t0) || isnan(t1)) {
            mood__reason(h.reasons, sizeof h.reasons, "tempo unknown");
        } else {
            rel = mood_tempo_compatible(t0, t1, o->tempo_tolerance, o->allow_half_double, &change);
            if (!rel)
                continue;
            mood__reason(h.reasons, sizeof h.reasons, "tempo %.1f->%.1f BPM (%s%+.1f%%)",
                         (double)t0, (double)t1,
                         rel == 2    ? "double time, "
                         : rel == -2 ? "half time, "
                                     : "",
                         100.0 * (double)change);
        }
        if (!k0 || !k1) {
            mood__reason(h.reasons, sizeof h.reasons, "key unknown");
        } else {
            int compatible = mood_camelot_compatible(k0num, k0, k1num, k1);
            if (o->require_key && !compatible)
                continue;
            mood__reason(h.reasons, sizeof h.reasons, "key %d%c->%d%c (%s)", k0num, k0, k1num, k1,
                         !compatible                    ? "clash"
                         : (k0num == k1num && k0 == k1) ? "same key"
                         : k0num == k1num               ? "relative key"
                                                        : "adjacent on the wheel");
        }
        if (o->energy != MOOD_ENERGY_ANY) {
            if (isnan(e0) || isnan(e1)) {
                mood__reason(h.reasons, sizeof h.reasons, "energy unknown");
            } else {
                float de = e1 - e0;
                int ok = o->energy == MOOD_ENERGY_UP     ? de > o->energy_steady
                         : o->energy == MOOD_ENERGY_DOWN ? de < -o->energy_steady
                                                         : fabsf(de) <= o->energy_steady;
                if (!ok)
                    continue;
                mood__reason(h.reasons, sizeof h.reasons, "energy %.2f->%.2f (%s)", (double)e0,
                             (double)e1, dir_names[o->energy]);
            }
        }
        mood__reason(h.reasons, sizeof h.reasons, "new artist");
        out[m++] = h;
    }
    /* strict rules can empty a neighbourhood: look further out before giving fewer picks */
    if (m < n && !o->pool && found == pool && pool < s->n && pool < 51200) {
        mood__free(rows);
        mood__free(dist);
        pool *= 4;
        goto retry;
    }
    mood__free(rows);
    mood__free(dist);
    *out_found = m;
    return MOOD_OK;
}
