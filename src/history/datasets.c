/*
 * The model datasets built from a history:
 *  - next-mood: one row per clustered play that has a clustered predecessor in its session;
 *    features are the clusters of the last 3 clustered plays (one-hot), the session's cluster
 *    shares so far and the current same-cluster streak, window mean/std of the last 3 plays'
 *    audio features, cyclic hour and weekday and the weekend flag of the last play, position
 *    in the session, clustered tracks so far and minutes since the session started, and
 *    whether the last play was skipped; the target is the next play's cluster. Only what is
 *    known before the next track starts enters a row (the session's final length is not).
 *  - session-start: one row per hour from the first session to the last play; hour/day
 *    encodings, sessions started at this hour of day over the previous 7 and 30 days,
 *    sessions in the previous 24 hours, hours since the last session, mean duration and
 *    track count of the last 3 sessions; the target is whether a session started in it.
 */
#define _POSIX_C_SOURCE 200809L
#include "history_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define TWO_PI 6.283185307179586

static char *fmt_name(const char *fmt, const char *a, size_t b)
{
    char buf[96];
    if (a)
        snprintf(buf, sizeof buf, fmt, a);
    else
        snprintf(buf, sizeof buf, fmt, b);
    return mood__strdup(buf);
}

static void free_names(char **names, size_t d)
{
    if (!names)
        return;
    for (size_t j = 0; j < d; j++)
        mood__free(names[j]);
    mood__free(names);
}

/* ---- next mood --------------------------------------------------------------------------- */

static size_t nm_dim(size_t k)
{
    return 4 * k + 2 * HIST_NF_AUDIO + 5 + 3 + 2;
}

static mood_status nm_names(size_t k, char ***out)
{
    size_t d = nm_dim(k), j = 0;
    char **n = mood__calloc(d, sizeof *n);
    if (!n)
        return mood__enomem("next-mood features");
    for (size_t l = 1; l <= 3; l++)
        for (size_t c = 0; c < k; c++) {
            char buf[48];
            snprintf(buf, sizeof buf, "last%zu_cluster_%zu", l, c);
            n[j++] = mood__strdup(buf);
        }
    for (size_t c = 0; c < k; c++)
        n[j++] = fmt_name("session_share_cluster_%zu", NULL, c);
    for (int f = 0; f < HIST_NF_AUDIO; f++) {
        n[j++] = fmt_name("window_%s_mean", mood__hist_feature_names[f], 0);
        n[j++] = fmt_name("window_%s_std", mood__hist_feature_names[f], 0);
    }
    static const char *const rest[] = {
        "hour_sin", "hour_cos",      "weekday_sin",         "weekday_cos",  "weekend",
        "position", "tracks_so_far", "minutes_since_start", "last_skipped", "streak"};
    for (size_t r = 0; r < sizeof rest / sizeof *rest; r++)
        n[j++] = mood__strdup(rest[r]);
    for (size_t i = 0; i < d; i++)
        if (!n[i]) {
            free_names(n, d);
            return mood__enomem("next-mood features");
        }
    *out = n;
    return MOOD_OK;
}

/*
 * One row from the clustered plays prev[0..m-1] (oldest first, m ≤ 3) of one session, the
 * session's cluster counts so far (@p counts, @p seen plays) and the current same-cluster
 * streak.
 */
static void nm_fill(const mood_history *h, size_t k, const size_t *prev, size_t m,
                    const double *counts, size_t seen, size_t streak, float *row)
{
    size_t j = 0;
    const hist_play *last = &h->plays[prev[m - 1]];
    const hist_session *se = &h->sessions[last->session];
    for (size_t l = 0; l < 3; l++)
        for (size_t c = 0; c < k; c++) {
            float v = 0.0f;
            if (l < m && h->tracks[h->plays[prev[m - 1 - l]].track].cluster == (int32_t)c)
                v = 1.0f;
            row[j++] = v;
        }
    for (size_t c = 0; c < k; c++)
        row[j++] = seen ? (float)(counts[c] / (double)seen) : 0.0f;
    for (int f = 0; f < HIST_NF_AUDIO; f++) {
        double sum = 0, sq = 0;
        size_t cnt = 0;
        for (size_t l = 0; l < m; l++) {
            float v = h->tracks[h->plays[prev[l]].track].feat[f];
            if (isfinite(v)) {
                sum += (double)v;
                sq += (double)v * (double)v;
                cnt++;
            }
        }
        double mean = cnt ? sum / (double)cnt : HIST_DNAN;
        row[j++] = (float)mean;
        row[j++] = cnt ? (float)sqrt(fmax(0.0, sq / (double)cnt - mean * mean)) : NAN;
    }
    row[j++] = (float)sin(TWO_PI * last->hour / 24.0);
    row[j++] = (float)cos(TWO_PI * last->hour / 24.0);
    row[j++] = (float)sin(TWO_PI * last->wday / 7.0);
    row[j++] = (float)cos(TWO_PI * last->wday / 7.0);
    row[j++] = last->wday >= 5 ? 1.0f : 0.0f;
    row[j++] = (float)(last->pos + 1);
    row[j++] = (float)seen;
    row[j++] = (float)((double)(last->start_utc - se->start_utc) / 60.0);
    row[j++] = last->skip_known ? (float)last->skipped : NAN;
    row[j++] = (float)streak;
}

mood_status mood__hist_nm_build(const mood_history *h, size_t k, int include_last_play,
                                hist_nm_data *out)
{
    size_t d = nm_dim(k), cap = 0, n = 0;
    double *counts;
    mood_status s;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < h->n_plays; i++)
        cap += h->tracks[h->plays[i].track].cluster >= 0;
    cap += 1;
    out->x = mood__malloc_array(cap * d, sizeof *out->x);
    out->y = mood__malloc_array(cap, sizeof *out->y);
    out->last = mood__malloc_array(cap, sizeof *out->last);
    out->t = mood__malloc_array(cap, sizeof *out->t);
    if (!out->x || !out->y || !out->last || !out->t) {
        mood__hist_nm_free(out);
        return mood__enomem("next-mood dataset");
    }
    if ((s = nm_names(k, &out->names)) != MOOD_OK) {
        mood__hist_nm_free(out);
        return s;
    }
    out->d = d;
    out->k = k;
    counts = mood__calloc(k ? k : 1, sizeof *counts);
    if (!counts) {
        mood__hist_nm_free(out);
        return mood__enomem("next-mood dataset");
    }
    for (size_t si = 0; si < h->n_sessions; si++) {
        const hist_session *se = &h->sessions[si];
        size_t prev[3], m = 0, seen = 0, streak = 0;
        int32_t last_c = -1;
        memset(counts, 0, k * sizeof *counts);
        for (size_t i = se->first; i < se->first + se->n; i++) {
            int32_t c = h->tracks[h->plays[i].track].cluster;
            if (c < 0 || (size_t)c >= k)
                continue;
            if (m > 0 && !include_last_play) {
                nm_fill(h, k, prev, m, counts, seen, streak, out->x + n * d);
                out->y[n] = c;
                out->last[n] = h->tracks[h->plays[prev[m - 1]].track].cluster;
                out->t[n] = h->plays[i].start_utc;
                n++;
            }
            if (m == 3) {
                prev[0] = prev[1];
                prev[1] = prev[2];
                m = 2;
            }
            prev[m++] = i;
            counts[c] += 1;
            seen++;
            streak = c == last_c ? streak + 1 : 1;
            last_c = c;
        }
        if (include_last_play && m > 0) { /* the latest session with a known mood wins */
            nm_fill(h, k, prev, m, counts, seen, streak, out->x);
            out->y[0] = -1;
            out->last[0] = h->tracks[h->plays[prev[m - 1]].track].cluster;
            out->t[0] = h->plays[prev[m - 1]].start_utc;
            n = 1;
        }
    }
    mood__free(counts);
    out->n = n;
    return MOOD_OK;
}

mood_status mood__hist_nm_add_markov(hist_nm_data *d, const double *counts, size_t n_online)
{
    size_t k = d->k, nd = d->d + k;
    float *x = mood__malloc_array(d->n * nd + 1, sizeof *x);
    double *run = mood__calloc(k * k + 1, sizeof *run);
    char **names = mood__realloc(d->names, nd * sizeof *names);
    if (names)
        d->names = names;
    if (!x || !run || !names) {
        mood__free(x);
        mood__free(run);
        return mood__enomem("next-mood dataset");
    }
    for (size_t c = 0; c < k; c++) {
        d->names[d->d + c] = fmt_name("markov_p_cluster_%zu", NULL, c);
        if (!d->names[d->d + c]) {
            for (size_t c2 = 0; c2 < c; c2++)
                mood__free(d->names[d->d + c2]);
            mood__free(x);
            mood__free(run);
            return mood__enomem("next-mood dataset");
        }
    }
    for (size_t i = 0; i < d->n; i++) {
        size_t last = (size_t)d->last[i];
        const double *cnt = i < n_online ? run : counts;
        double tot = 0;
        memcpy(x + i * nd, d->x + i * d->d, d->d * sizeof *x);
        for (size_t c = 0; c < k; c++)
            tot += cnt[last * k + c] + 1.0;
        for (size_t c = 0; c < k; c++)
            x[i * nd + d->d + c] = (float)((cnt[last * k + c] + 1.0) / tot);
        if (i < n_online && d->y[i] >= 0)
            run[last * k + (size_t)d->y[i]] += 1.0;
    }
    mood__free(run);
    mood__free(d->x);
    d->x = x;
    d->d = nd;
    return MOOD_OK;
}

void mood__hist_nm_free(hist_nm_data *d)
{
    mood__free(d->x);
    mood__free(d->y);
    mood__free(d->last);
    mood__free(d->t);
    free_names(d->names, d->d);
    memset(d, 0, sizeof *d);
}

/* ---- session start ------------------------------------------------------------------------ */

static const char *const ss_feature_names[] = {
    "hour_sin",          "hour_cos",         "weekday_sin",        "weekday_cos",
    "weekend",           "hour_of_day",      "count_7d_this_hour", "count_30d_this_hour",
    "sessions_last_24h", "hours_since_last", "recent_duration",    "recent_tracks"};
#define SS_D (sizeof ss_feature_names / sizeof *ss_feature_names)

mood_status mood__hist_ss_build(const mood_history *h, int64_t until_utc, hist_ss_data *out)
{
    int64_t h0, h1;
    size_t n, d = SS_D;
    uint16_t *starts = NULL;
    hist_tz tz;
    mood_status s;
    memset(out, 0, sizeof *out);
    if (h->n_sessions == 0)
        return mood__error(MOOD_EINVAL, "session-start dataset: no sessions");
    h0 = h->sessions[0].start_utc / 3600 * 3600;
    h1 = until_utc > 0 ? until_utc : (h->plays[h->n_plays - 1].start_utc / 3600 + 1) * 3600;
    if (h1 <= h0)
        return mood__error(MOOD_EINVAL, "session-start dataset: empty time range");
    n = (size_t)((h1 - h0) / 3600);
    out->x = mood__malloc_array(n * d, sizeof *out->x);
    out->y = mood__malloc_array(n, 1);
    out->hour_t = mood__malloc_array(n, sizeof *out->hour_t);
    out->how = mood__malloc_array(n, 1);
    out->hod = mood__malloc_array(n, 1);
    out->names = mood__calloc(d, sizeof *out->names);
    starts = mood__calloc(n, sizeof *starts);
    if (!out->x || !out->y || !out->hour_t || !out->how || !out->hod || !out->names || !starts) {
        mood__free(starts);
        mood__hist_ss_free(out);
        return mood__enomem("session-start dataset");
    }
    out->d = d;
    for (size_t j = 0; j < d; j++)
        if (!(out->names[j] = mood__strdup(ss_feature_names[j]))) {
            mood__free(starts);
            mood__hist_ss_free(out);
            return mood__enomem("session-start dataset");
        }
    for (size_t si = 0; si < h->n_sessions; si++) {
        int64_t idx = (h->sessions[si].start_utc - h0) / 3600;
        if (idx >= 0 && (size_t)idx < n && starts[idx] < UINT16_MAX)
            starts[idx]++;
    }
    if ((s = mood__hist_tz_begin(h->tz, &tz)) != MOOD_OK) {
        mood__free(starts);
        mood__hist_ss_free(out);
        return s;
    }
    {
        size_t next_session = 0; /* sessions with start < hour start are "before" */
        for (size_t i = 0; i < n; i++) {
            int64_t t = h0 + (int64_t)i * 3600;
            float *row = out->x + i * d;
            int hour, wday;
            double c7 = 0, c30 = 0, c24 = 0;
            mood__hist_tz_local(&tz, t, &hour, &wday, NULL, NULL, NULL);
            while (next_session < h->n_sessions && h->sessions[next_session].start_utc < t)
                next_session++;
            for (size_t dd = 1; dd <= 30; dd++)
                if (i >= dd * 24 && starts[i - dd * 24]) {
                    c30 += 1;
                    if (dd <= 7)
                        c7 += 1;
                }
            for (size_t b = 1; b <= 24 && b <= i; b++)
                c24 += starts[i - b];
            row[0] = (float)sin(TWO_PI * hour / 24.0);
            row[1] = (float)cos(TWO_PI * hour / 24.0);
            row[2] = (float)sin(TWO_PI * wday / 7.0);
            row[3] = (float)cos(TWO_PI * wday / 7.0);
            row[4] = wday >= 5 ? 1.0f : 0.0f;
            row[5] = (float)hour;
            row[6] = (float)c7;
            row[7] = (float)c30;
            row[8] = (float)c24;
            if (next_session > 0) {
                double dur = 0, trk = 0;
                size_t m = 0;
                row[9] = (float)((double)(t - h->sessions[next_session - 1].start_utc) / 3600.0);
                /* only sessions already over at t: a running session's length is future */
                for (size_t b = next_session; b > 0 && m < 3; b--) {
                    if (h->sessions[b - 1].end_utc > t)
                        continue;
                    dur += h->sessions[b - 1].duration_min;
                    trk += (double)h->sessions[b - 1].n;
                    m++;
                }
                row[10] = m ? (float)(dur / (double)m) : NAN;
                row[11] = m ? (float)(trk / (double)m) : NAN;
            } else {
                row[9] = row[10] = row[11] = NAN;
            }
            out->y[i] = starts[i] > 0;
            out->hour_t[i] = t;
            out->hod[i] = (int8_t)hour;
            out->how[i] = (uint8_t)(wday * 24 + hour);
        }
    }
    mood__hist_tz_end(&tz);
    mood__free(starts);
    out->n = n;
    return MOOD_OK;
}

void mood__hist_ss_free(hist_ss_data *d)
{
    mood__free(d->x);
    mood__free(d->y);
    mood__free(d->hour_t);
    mood__free(d->how);
    mood__free(d->hod);
    free_names(d->names, d->d ? d->d : SS_D);
    memset(d, 0, sizeof *d);
}
