/*
 * The history report: a JSON summary (plays, sessions, match rate, top artists, mood shares,
 * model metrics, latest drift) and four PNG charts: the listening clock (weekday × local
 * hour heatmap of plays), mood shares by month, the distribution of session lengths and the
 * models against their baselines.
 */
#define _POSIX_C_SOURCE 200809L
#include "history_internal.h"

#include "../core/clock.h"
#include "../core/hash.h"
#include "../io/json_util.h"

#include <moodscope/fileio.h>
#include <moodscope/plot.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

mood_status mood__hist_mood_names(mood_catalog *cat, size_t *out_k, json_t **out_names);

static const char *const weekdays[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

static mood_status chart_clock(const mood_history *h, const char *dir, json_t *rep)
{
    double v[7 * 24] = {0};
    char hours[24][4], path[4096];
    const char *hl[24];
    for (size_t i = 0; i < h->n_plays; i++)
        v[h->plays[i].wday * 24 + h->plays[i].hour] += 1;
    for (int i = 0; i < 24; i++) {
        snprintf(hours[i], sizeof hours[i], "%d", i);
        hl[i] = hours[i];
    }
    mood_heatmap_spec sp;
    memset(&sp, 0, sizeof sp);
    sp.values = v;
    sp.rows = 7;
    sp.cols = 24;
    sp.row_labels = weekdays;
    sp.col_labels = hl;
    sp.title = "Listening clock: plays by weekday and hour";
    snprintf(path, sizeof path, "%s/listening_clock.png", dir);
    {
        json_t *clock = json_array();
        for (int d = 0; d < 7; d++) {
            json_t *row = json_array();
            for (int hh = 0; hh < 24; hh++)
                json_array_append_new(row, json_integer((json_int_t)v[d * 24 + hh]));
            json_array_append_new(clock, row);
        }
        json_object_set_new(rep, "listening_clock", clock);
    }
    return mood_plot_heatmap(&sp, path);
}

/* Bar chart of n values to dir/file (x_label may be NULL). */
static mood_status bars(const double *v, size_t n, const char *const *labels, const char *title,
                        const char *x_label, const char *y_label, const char *dir, const char *file)
{
    mood_bars_spec sp;
    char path[4096];
    memset(&sp, 0, sizeof sp);
    sp.values = v;
    sp.n = n;
    sp.labels = labels;
    sp.title = title;
    sp.x_label = x_label;
    sp.y_label = y_label;
    snprintf(path, sizeof path, "%s/%s", dir, file);
    return mood_plot_bars(&sp, path);
}

static mood_status chart_sessions(const mood_history *h, const char *dir, json_t *rep)
{
    static const size_t edges[] = {1, 2, 3, 6, 11, 21, 51, (size_t)-1};
    static const char *const labels[] = {"1", "2", "3-5", "6-10", "11-20", "21-50", "51+"};
    double v[7] = {0};
    json_t *hist = json_object();
    for (size_t s = 0; s < h->n_sessions; s++)
        for (int b = 0; b < 7; b++)
            if (h->sessions[s].n >= edges[b] && h->sessions[s].n < edges[b + 1])
                v[b] += 1;
    for (int b = 0; b < 7; b++)
        json_object_set_new(hist, labels[b], json_integer((json_int_t)v[b]));
    json_object_set_new(rep, "session_length_histogram", hist);
    return bars(v, 7, labels, "Session lengths", "tracks per session", "sessions", dir,
                "session_lengths.png");
}

static mood_status chart_moods(mood_catalog *cat, const mood_history *h, const char *dir,
                               json_t *rep)
{
    size_t k = 0, n_months, m0;
    json_t *names = NULL;
    double *counts = NULL, *x = NULL, **series = NULL, *tot;
    const double **ys = NULL;
    const char **snames = NULL;
    char path[4096];
    hist_tz tz;
    int y0, mo0, y1, mo1;
    mood_status s = mood__hist_mood_names(cat, &k, &names);
    if (s == MOOD_ENOTFIT) {
        json_object_set_new(rep, "mood_shares", json_null());
        return MOOD_OK;
    }
    if (s != MOOD_OK)
        return s;
    s = mood__hist_tz_begin(h->tz, &tz);
    if (s != MOOD_OK) {
        json_decref(names);
        return s;
    }
    mood__hist_tz_local(&tz, h->plays[0].start_utc, NULL, NULL, NULL, &mo0, &y0);
    mood__hist_tz_local(&tz, h->plays[h->n_plays - 1].start_utc, NULL, NULL, NULL, &mo1, &y1);
    m0 = (size_t)y0 * 12 + (size_t)mo0;
    n_months = (size_t)y1 * 12 + (size_t)mo1 - m0 + 1;
    counts = mood__calloc(n_months * (k + 1), sizeof *counts);
    x = mood__malloc_array(n_months, sizeof *x);
    series = mood__calloc(k, sizeof *series);
    ys = mood__calloc(k, sizeof *ys);
    snames = mood__calloc(k, sizeof *snames);
    if (!counts || !x || !series || !ys || !snames) {
        mood__hist_tz_end(&tz);
        s = mood__enomem("report");
        goto done;
    }
    for (size_t i = 0; i < h->n_plays; i++) {
        int32_t c = h->tracks[h->plays[i].track].cluster;
        int yy, mm;
        if (c < 0 || (size_t)c >= k)
            continue;
        mood__hist_tz_local(&tz, h->plays[i].start_utc, NULL, NULL, NULL, &mm, &yy);
        size_t mi = (size_t)(yy * 12 + mm) - m0;
        counts[mi * (k + 1) + (size_t)c] += 1;
        counts[mi * (k + 1) + k] += 1;
    }
    mood__hist_tz_end(&tz);
    {
        json_t *months = json_array();
        for (size_t mi = 0; mi < n_months; mi++) {
            json_t *e = json_object(), *sh = json_array();
            char label[16];
            snprintf(label, sizeof label, "%04zu-%02zu", (m0 + mi) / 12, (m0 + mi) % 12 + 1);
            x[mi] = (double)mi;
            tot = &counts[mi * (k + 1) + k];
            json_object_set_new(e, "month", json_string(label));
            json_object_set_new(e, "plays", json_integer((json_int_t)*tot));
            for (size_t c = 0; c < k; c++)
                json_array_append_new(
                    sh, mood__hist_jreal(*tot > 0 ? counts[mi * (k + 1) + c] / *tot : HIST_DNAN));
            json_object_set_new(e, "shares", sh);
            json_array_append_new(months, e);
        }
        json_object_set_new(rep, "mood_names", json_incref(names));
        json_object_set_new(rep, "mood_shares", months);
    }
    for (size_t c = 0; c < k; c++) {
        series[c] = mood__malloc_array(n_months, sizeof **series);
        if (!series[c]) {
            s = mood__enomem("report");
            goto done;
        }
        for (size_t mi = 0; mi < n_months; mi++) {
            double t = counts[mi * (k + 1) + k];
            series[c][mi] = t > 0 ? counts[mi * (k + 1) + c] / t : HIST_DNAN;
        }
        ys[c] = series[c];
        snames[c] = json_string_value(json_array_get(names, c));
    }
    {
        mood_lines_spec sp;
        memset(&sp, 0, sizeof sp);
        sp.x = x;
        sp.n_points = n_months;
        sp.y = ys;
        sp.n_series = k;
        sp.series_names = snames;
        sp.secondary_axis_from = -1;
        sp.mark_x = HIST_DNAN;
        sp.title = "Mood shares by month";
        sp.x_label = "months since the first play";
        sp.y_label = "share of plays with a known mood";
        snprintf(path, sizeof path, "%s/mood_shares.png", dir);
        s = mood_plot_lines(&sp, path);
    }
done:
    if (series)
        for (size_t c = 0; c < k; c++)
            mood__free(series[c]);
    mood__free(series);
    mood__free(ys);
    mood__free(snames);
    mood__free(counts);
    mood__free(x);
    json_decref(names);
    return s;
}

static json_t *stored_meta(mood_catalog *cat, const char *name)
{
    char *text = NULL;
    json_error_t err;
    json_t *j;
    if (mood__hist_model_load(cat, name, &text, NULL, NULL) != MOOD_OK) {
        mood_clear_error();
        return NULL;
    }
    j = json_loads(text, 0, &err);
    mood__free(text);
    if (j)
        json_object_del(j, "features");
    return j;
}

static double jget(const json_t *o, const char *a, const char *b, const char *c)
{
    const json_t *v = json_object_get(o, a);
    if (b)
        v = json_object_get(v, b);
    if (c)
        v = json_object_get(v, c);
    return json_is_number(v) ? json_number_value(v) : HIST_DNAN;
}

static mood_status chart_models(mood_catalog *cat, const char *dir, json_t *rep)
{
    json_t *nm = stored_meta(cat, "nextmood"), *ss = stored_meta(cat, "sessionstart");
    json_t *models = json_object();
    double v[6];
    static const char *const labels[6] = {"next: xgboost",  "next: repeat", "next: markov",
                                          "start: xgboost", "start: no",    "start: hour-week"};
    json_object_set_new(models, "nextmood", nm ? nm : json_null());
    json_object_set_new(models, "sessionstart", ss ? ss : json_null());
    json_object_set_new(rep, "models", models);
    if (!nm && !ss)
        return MOOD_OK;
    v[0] = jget(nm, "xgboost", "accuracy", NULL);
    v[1] = jget(nm, "baselines", "repeat_last", "accuracy");
    v[2] = jget(nm, "baselines", "markov", "accuracy");
    v[3] = jget(ss, "xgboost", "pr_auc", NULL);
    v[4] = jget(ss, "baselines", "always_no", "pr_auc");
    v[5] = jget(ss, "baselines", "hour_of_week_rate", "pr_auc");
    for (int i = 0; i < 6; i++)
        if (!isfinite(v[i]))
            v[i] = 0;
    return bars(v, 6, labels,
                "Models against baselines (next mood: accuracy; session start: PR-AUC)", NULL,
                "score", dir, "model_metrics.png");
}

static int cmp_count_desc(const void *a, const void *b)
{
    const size_t *x = a, *y = b;
    return x[1] < y[1] ? 1 : x[1] > y[1] ? -1 : (x[0] > y[0]) - (x[0] < y[0]);
}

/* Counts, time span, time zone and the session and skip averages. */
static void report_summary(const mood_history *h, json_t *rep)
{
    char a[32], b[32];
    size_t matched = 0;
    double dur = 0, trk = 0, skip = 0, n_skip = 0;
    mood__utc_format(h->plays[0].start_utc, a, sizeof a);
    mood__utc_format(h->plays[h->n_plays - 1].start_utc, b, sizeof b);
    json_object_set_new(rep, "plays", json_integer((json_int_t)h->n_plays));
    json_object_set_new(rep, "tracks", json_integer((json_int_t)h->n_tracks));
    json_object_set_new(rep, "sessions", json_integer((json_int_t)h->n_sessions));
    json_object_set_new(rep, "first_play_utc", json_string(a));
    json_object_set_new(rep, "last_play_utc", json_string(b));
    json_object_set_new(rep, "tz", json_string(h->tz ? h->tz : "UTC"));
    json_object_set_new(rep, "gap_min", json_real(h->opt.gap_min));
    for (size_t i = 0; i < h->n_plays; i++)
        matched += h->tracks[h->plays[i].track].has_feat != 0;
    json_object_set_new(rep, "play_match_rate", json_real((double)matched / (double)h->n_plays));
    for (size_t i = 0; i < h->n_sessions; i++) {
        dur += h->sessions[i].duration_min;
        trk += (double)h->sessions[i].n;
    }
    for (size_t i = 0; i < h->n_plays; i++)
        if (h->plays[i].skip_known) {
            skip += h->plays[i].skipped;
            n_skip += 1;
        }
    json_object_set_new(rep, "mean_session_minutes",
                        mood__hist_jreal(h->n_sessions ? dur / (double)h->n_sessions : HIST_DNAN));
    json_object_set_new(rep, "mean_session_tracks",
                        mood__hist_jreal(h->n_sessions ? trk / (double)h->n_sessions : HIST_DNAN));
    json_object_set_new(rep, "skip_rate", mood__hist_jreal(n_skip > 0 ? skip / n_skip : HIST_DNAN));
}

/* The ten artists with the most plays. */
static mood_status report_top_artists(const mood_history *h, json_t *rep)
{
    json_t *top;
    size_t na = 0;
    size_t *cnt = mood__calloc(h->n_tracks * 2 + 2, sizeof *cnt);
    /* group tracks by artist name: tracks are few, a quadratic pass over distinct artists is
     * cheaper than a map here */
    size_t *artist_of = mood__malloc_array(h->n_tracks + 1, sizeof *artist_of);
    if (!cnt || !artist_of) {
        mood__free(cnt);
        mood__free(artist_of);
        return mood__enomem("report");
    }
    for (size_t t = 0; t < h->n_tracks; t++) {
        size_t j;
        for (j = 0; j < na; j++)
            if (!strcmp(h->tracks[cnt[j * 2]].artist, h->tracks[t].artist))
                break;
        if (j == na) {
            cnt[na * 2] = t;
            cnt[na * 2 + 1] = 0;
            na++;
        }
        artist_of[t] = j;
        if (na > 5000)
            break;
    }
    for (size_t i = 0; i < h->n_plays; i++)
        if ((size_t)h->plays[i].track < h->n_tracks && artist_of[h->plays[i].track] < na)
            cnt[artist_of[h->plays[i].track] * 2 + 1]++;
    qsort(cnt, na, 2 * sizeof *cnt, cmp_count_desc);
    top = json_array();
    for (size_t j = 0; j < na && j < 10; j++) {
        json_t *e = json_object();
        json_object_set_new(e, "artist", json_string(h->tracks[cnt[j * 2]].artist));
        json_object_set_new(e, "plays", json_integer((json_int_t)cnt[j * 2 + 1]));
        json_array_append_new(top, e);
    }
    json_object_set_new(rep, "top_artists", top);
    mood__free(artist_of);
    mood__free(cnt);
    return MOOD_OK;
}

/* The newest stored drift report, or null. */
static void report_latest_drift(mood_catalog *cat, json_t *rep)
{
    mood_db_stmt *st;
    json_t *drift = json_null();
    if (mood__db_prepare(mood__catalog_dbh(cat),
                         "SELECT report FROM history_drift ORDER BY id DESC LIMIT 1",
                         &st) == MOOD_OK) {
        if (mood__db_step_rc(st) == MOOD_DB_ROW) {
            json_error_t err;
            json_t *d = json_loads(mood__db_col_text(st, 0), 0, &err);
            if (d) {
                json_decref(drift);
                drift = d;
            }
        }
        mood__db_finalize(st);
    }
    mood_clear_error();
    json_object_set_new(rep, "latest_drift", drift);
}

/* The chart files that were written. */
static void report_charts(const char *dir, json_t *rep)
{
    char path[4096];
    json_t *charts = json_array();
    static const char *const files[] = {"listening_clock.png", "session_lengths.png",
                                        "mood_shares.png", "model_metrics.png"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        if (mood_path_exists(path))
            json_array_append_new(charts, json_string(files[i]));
    }
    json_object_set_new(rep, "charts", charts);
}

mood_status mood_history_report(mood_catalog *cat, const mood_history *h, const char *dir,
                                char **out_json)
{
    json_t *rep;
    char path[4096];
    mood_status s;
    *out_json = NULL;
    if (h->n_plays == 0)
        return mood__error(MOOD_EINVAL, "report: no plays");
    s = mood_mkdirs(dir);
    if (s != MOOD_OK)
        return s;
    rep = json_object();
    report_summary(h, rep);
    s = report_top_artists(h, rep);
    if (s == MOOD_OK)
        s = chart_clock(h, dir, rep);
    if (s == MOOD_OK)
        s = chart_sessions(h, dir, rep);
    if (s == MOOD_OK)
        s = chart_moods(cat, h, dir, rep);
    if (s == MOOD_OK)
        s = chart_models(cat, dir, rep);
    if (s == MOOD_OK) {
        report_latest_drift(cat, rep);
        report_charts(dir, rep);
        snprintf(path, sizeof path, "%s/history_report.json", dir);
        s = mood__json_write(path, rep, 6);
    }
    if (s == MOOD_OK) {
        *out_json = mood__hist_json_dump(rep);
        if (!*out_json)
            s = mood__enomem("report");
    }
    json_decref(rep);
    return s;
}
