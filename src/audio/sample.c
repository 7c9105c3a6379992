/*
 * Sampled analysis of long files (DJ mixes, audiobooks, concerts): instead of decoding two
 * hours, decode a few windows spread over the file and analyse them one after the other.
 *
 * Placement is stratified: the file is cut into n equal parts and window k starts at a
 * position drawn (seeded xoshiro256**) inside part k, so the windows cover the beginning,
 * the middle and the end of a mix, never overlap, and the same seed gives the same windows.
 * decode.c seeks to each window (AVSEEK_FLAG_BACKWARD, then drops the frames before it), so
 * the cost is that of the windows, not of the file. The times of the result are then moved
 * from the concatenation back to the file's time line.
 */
#include "audio_internal.h"

#include "../core/internal.h"

#include <moodscope/rng.h>
#include <string.h>

void mood__sample_plan(an_sample *sm, double file_s)
{
    mood_rng rng;
    sm->active = 0;
    sm->file_s = file_s;
    sm->cur = 0;
    sm->need_seek = sm->done = 0;
    if (sm->n == 0 || sm->n > MOOD_AUDIO_MAX_WINDOWS || !(file_s > (double)sm->n * sm->win_s))
        return;
    mood_rng_seed(&rng, sm->seed);
    double part = file_s / (double)sm->n;
    for (size_t k = 0; k < sm->n; k++) {
        double start = (double)k * part + mood_rng_uniform(&rng) * (part - sm->win_s);
        sm->w[k].start_s = start;
        sm->w[k].end_s = start + sm->win_s;
        sm->got_s[k] = 0;
    }
    sm->active = 1;
}

static void complete(an_sample *sm)
{
    sm->cur++;
    if (sm->cur >= sm->n)
        sm->done = 1;
    else
        sm->need_seek = 1;
}

int mood__sample_take(an_sample *sm, double t_s, double dur_s)
{
    const mood_audio_window *w = &sm->w[sm->cur];
    if (sm->done)
        return 3;
    /* Frames without a timestamp are counted from the seek point. */
    if (t_s >= 0 && t_s + dur_s <= w->start_s)
        return 0;
    if (t_s >= 0 && t_s >= w->end_s) {
        complete(sm);
        return 3;
    }
    sm->got_s[sm->cur] += dur_s;
    if (sm->got_s[sm->cur] >= sm->win_s) {
        complete(sm);
        return 2;
    }
    return 1;
}

/* The file time of @p t seconds into the concatenated windows. */
static double to_file(const an_sample *sm, double t)
{
    double off = 0;
    for (size_t k = 0; k < sm->n; k++) {
        if (t < off + sm->got_s[k] || k + 1 == sm->n)
            return sm->w[k].start_s + (t - off);
        off += sm->got_s[k];
    }
    return t;
}

static void map_floats(const an_sample *sm, float *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        v[i] = (float)to_file(sm, v[i]);
}

void mood__sample_finish(const an_sample *sm, mood_audio_result *r)
{
    if (!sm->active)
        return;
    map_floats(sm, r->beats, r->n_beats);
    map_floats(sm, r->downbeats, r->n_downbeats);
    for (size_t i = 0; i < r->n_curve; i++)
        r->curve[i].start_s = (float)to_file(sm, r->curve[i].start_s);
    for (size_t i = 0; i < r->n_keysegs; i++)
        r->keysegs[i].start_s = (float)to_file(sm, r->keysegs[i].start_s);
    for (size_t i = 0; i < r->n_chords; i++) {
        r->chords[i].start_s = (float)to_file(sm, r->chords[i].start_s);
        r->chords[i].end_s = (float)to_file(sm, r->chords[i].end_s);
    }
    if (r->n_downbeats)
        r->values[MOOD_AF_FIRST_DOWNBEAT_S] = r->downbeats[0];
    r->sampled = 1;
    r->file_duration_s = sm->file_s;
    r->sample_seed = sm->seed;
    r->n_windows = sm->n;
    for (size_t k = 0; k < sm->n; k++) {
        r->windows[k].start_s = sm->w[k].start_s;
        r->windows[k].end_s = sm->w[k].start_s + sm->got_s[k];
    }
    r->info.duration_s = sm->file_s;
    r->values[MOOD_AF_DURATION_S] = (float)sm->file_s;
}

const mood_audio_window *mood_audio_result_windows(const mood_audio_result *r, size_t *out_n)
{
    *out_n = r && r->sampled ? r->n_windows : 0;
    return *out_n ? r->windows : NULL;
}
