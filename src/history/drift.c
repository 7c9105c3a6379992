/*
 * Drift: the last 7 days against the 30 days before them. Compared are the mean session
 * duration, sessions per day, tracks per day, the entropy of session start hours and the
 * shares of the mood clusters among plays (population stability index). A relative change
 * over 20% (or a PSI over 0.2, the usual "significant shift" level) is flagged. Every report
 * is kept: a row in history_drift and, when asked, a file drift_<time>.json.
 */
#define _POSIX_C_SOURCE 200809L
#include "history_internal.h"

#include "../core/clock.h"
#include "../core/hash.h"
#include "../io/json_util.h"

#include <moodscope/fileio.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#define DAY 86400

typedef struct window {
    int64_t from, to;
    double sessions, plays, duration_sum;
    double hours[24];
    double *clusters;
} window;

static void window_fill(const mood_history *h, window *w, size_t k)
{
    for (size_t s = 0; s < h->n_sessions; s++) {
        const hist_session *se = &h->sessions[s];
        if (se->start_utc < w->from || se->start_utc >= w->to)
            continue;
        w->sessions += 1;
        w->duration_sum += se->duration_min;
        w->hours[se->hour] += 1;
    }
    for (size_t i = 0; i < h->n_plays; i++) {
        const hist_play *p = &h->plays[i];
        int32_t c;
        if (p->start_utc < w->from || p->start_utc >= w->to)
            continue;
        w->plays += 1;
        c = h->tracks[p->track].cluster;
        if (c >= 0 && (size_t)c < k)
            w->clusters[c] += 1;
    }
}

static json_t *compare(const char *name, double ref, double cur, int *flagged)
{
    json_t *o = json_object();
    double change = ref != 0 ? (cur - ref) / fabs(ref) : (cur != 0 ? HUGE_VAL : 0.0);
    int flag = isfinite(ref) && isfinite(cur) && fabs(change) > 0.2;
    json_object_set_new(o, "metric", json_string(name));
    json_object_set_new(o, "previous_30d", mood__hist_jreal(ref));
    json_object_set_new(o, "last_7d", mood__hist_jreal(cur));
    json_object_set_new(o, "relative_change", mood__hist_jreal(change));
    json_object_set_new(o, "flagged", json_boolean(flag));
    *flagged += flag;
    return o;
}

/* The cluster shares of both windows and their population stability index, into @p rep;
 * the number of flags raised (0 or 1). */
static int cluster_shares(json_t *rep, window *cur, window *ref, size_t k)
{
    json_t *shares = json_object();
    int flagged = 0;
    if (k > 0) {
        double tr = 0, tc = 0, psi;
        json_t *arr = json_array();
        for (size_t c = 0; c < k; c++) {
            tr += ref->clusters[c];
            tc += cur->clusters[c];
        }
        for (size_t c = 0; c < k; c++) {
            json_t *e = json_object();
            ref->clusters[c] = tr > 0 ? ref->clusters[c] / tr : 0;
            cur->clusters[c] = tc > 0 ? cur->clusters[c] / tc : 0;
            json_object_set_new(e, "cluster", json_integer((json_int_t)c));
            json_object_set_new(e, "previous_30d", json_real(ref->clusters[c]));
            json_object_set_new(e, "last_7d", json_real(cur->clusters[c]));
            json_array_append_new(arr, e);
        }
        psi = tr > 0 && tc > 0 ? mood__hist_psi(ref->clusters, cur->clusters, k) : HIST_DNAN;
        json_object_set_new(shares, "shares", arr);
        json_object_set_new(shares, "psi", mood__hist_jreal(psi));
        json_object_set_new(shares, "flagged", json_boolean(isfinite(psi) && psi > 0.2));
        flagged = isfinite(psi) && psi > 0.2;
    } else {
        json_object_set_new(shares, "psi", json_null());
        json_object_set_new(shares, "note", json_string("no mood clusters: run history retrain"));
        json_object_set_new(shares, "flagged", json_false());
    }
    json_object_set_new(rep, "cluster_shares", shares);
    return flagged;
}

/* The report of the two windows ending at cur->to (without created_utc); *out_flagged counts
 * the flags. */
static json_t *drift_report(window *cur, window *ref, size_t k, int *out_flagged)
{
    json_t *rep = json_object(), *metrics = json_array();
    char end_iso[32];
    int flagged = 0;
    mood__utc_format(cur->to, end_iso, sizeof end_iso);
    json_object_set_new(rep, "window_end_utc", json_string(end_iso));
    json_object_set_new(rep, "recent_days", json_integer(7));
    json_object_set_new(rep, "reference_days", json_integer(30));
    json_object_set_new(rep, "threshold", json_real(0.2));
    json_object_set_new(rep, "sessions_last_7d", json_integer((json_int_t)cur->sessions));
    json_object_set_new(rep, "sessions_previous_30d", json_integer((json_int_t)ref->sessions));
    json_array_append_new(
        metrics,
        compare("session_duration_min",
                ref->sessions != 0.0 ? ref->duration_sum / ref->sessions : HIST_DNAN,
                cur->sessions != 0.0 ? cur->duration_sum / cur->sessions : HIST_DNAN, &flagged));
    json_array_append_new(
        metrics, compare("sessions_per_day", ref->sessions / 30.0, cur->sessions / 7.0, &flagged));
    json_array_append_new(metrics,
                          compare("tracks_per_day", ref->plays / 30.0, cur->plays / 7.0, &flagged));
    json_array_append_new(metrics,
                          compare("start_hour_entropy_bits", mood__hist_entropy(ref->hours, 24),
                                  mood__hist_entropy(cur->hours, 24), &flagged));
    json_object_set_new(rep, "metrics", metrics);
    flagged += cluster_shares(rep, cur, ref, k);
    json_object_set_new(rep, "flagged", json_integer(flagged));
    *out_flagged = flagged;
    return rep;
}

/* Keep the report: a row of history_drift. */
static mood_status store_drift(mood_catalog *cat, const char *now_iso, const char *end_iso,
                               int flagged, const char *text)
{
    mood_status s = mood__hist_migrate(cat);
    if (s != MOOD_OK)
        return s;
    s = mood__db_run_sql(mood__catalog_dbh(cat),
                         "INSERT INTO history_drift(created_utc, window_end_utc, flagged, "
                         "report) VALUES(?,?,?,?)",
                         "ttit", now_iso, end_iso, (int64_t)flagged, text);
    return s == MOOD_OK ? MOOD_OK : mood__catalog_error(cat, "drift");
}

/* Write the report as drift_<time>[_N].json in @p dir. */
static mood_status write_drift_file(const char *dir, const char *compact, const json_t *rep)
{
    char path[4096];
    mood_status s = mood_mkdirs(dir);
    if (s != MOOD_OK)
        return s;
    snprintf(path, sizeof path, "%s/drift_%s.json", dir, compact);
    for (int i = 2; mood_path_exists(path) && i < 1000; i++)
        snprintf(path, sizeof path, "%s/drift_%s_%d.json", dir, compact, i);
    return mood__json_write(path, rep, 6);
}

mood_status mood_history_drift(mood_catalog *cat, const mood_history *h, int64_t now_utc,
                               const char *reports_dir, char **out_json)
{
    window cur, ref;
    size_t k = 0;
    int flagged = 0;
    json_t *rep;
    char end_iso[32], now_iso[32], compact[32];
    mood_status s;
    *out_json = NULL;
    if (h->n_plays == 0)
        return mood__error(MOOD_EINVAL, "drift: no plays");
    for (size_t t = 0; t < h->n_tracks; t++)
        if (h->tracks[t].cluster >= 0 && (size_t)h->tracks[t].cluster + 1 > k)
            k = (size_t)h->tracks[t].cluster + 1;
    memset(&cur, 0, sizeof cur);
    memset(&ref, 0, sizeof ref);
    cur.clusters = mood__calloc(k + 1, sizeof *cur.clusters);
    ref.clusters = mood__calloc(k + 1, sizeof *ref.clusters);
    if (!cur.clusters || !ref.clusters) {
        mood__free(cur.clusters);
        mood__free(ref.clusters);
        return mood__enomem("drift");
    }
    cur.to = now_utc > 0 ? now_utc : h->plays[h->n_plays - 1].start_utc + 1;
    cur.from = cur.to - 7 * DAY;
    ref.to = cur.from;
    ref.from = ref.to - 30 * DAY;
    window_fill(h, &cur, k);
    window_fill(h, &ref, k);
    rep = drift_report(&cur, &ref, k, &flagged);
    mood__free(cur.clusters);
    mood__free(ref.clusters);
    mood__utc_format(cur.to, end_iso, sizeof end_iso);
    mood__utc_now(now_iso, sizeof now_iso, compact, sizeof compact);
    json_object_set_new(rep, "created_utc", json_string(now_iso));
    *out_json = mood__hist_json_dump(rep);
    if (!*out_json)
        s = mood__enomem("drift");
    else
        s = store_drift(cat, now_iso, end_iso, flagged, *out_json);
    if (s == MOOD_OK && reports_dir)
        s = write_drift_file(reports_dir, compact, rep);
    json_decref(rep);
    if (s != MOOD_OK) {
        mood__free(*out_json);
        *out_json = NULL;
    }
    return s;
}
