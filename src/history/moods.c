/*
 * Track mood clusters: k-means on the standard-scaled audio features of the played tracks,
 * k chosen by silhouette over 3..15 (the kneedle elbow when the silhouette gives no answer),
 * readable names from the centroids in original units, and assignment of new tracks to the
 * nearest stored centroid without refitting.
 */
#define _POSIX_C_SOURCE 200809L
#include "history_internal.h"

#include <moodscope/cluster.h>
#include <moodscope/prep.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mood_history_train_options_default(mood_history_train_options *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 42;
    o->rounds = 200;
    o->max_depth = 3;
    o->eta = 0.1;
    o->n_threads = 1;
    o->k_min = 3;
    o->k_max = 15;
    o->test_share = 0.2;
}

/* The stored mood model, parsed. */
typedef struct mood_model {
    size_t d, k;
    int feat_idx[HIST_NF];
    float median[HIST_NF];
    mood_scaler scaler;
    mood_cluster_model *cm;
} mood_model;

static void mood_model_free(mood_model *m)
{
    mood_scaler_free(&m->scaler);
    mood_cluster_model_destroy(m->cm);
    memset(m, 0, sizeof *m);
}

/* Readable parts from a centroid in original units; empty when the feature is absent. */
static void centroid_name(const double *mean, const int *has, char *out, size_t cap)
{
    enum { ENERGY = 1, ACOUSTIC = 4, VALENCE = 7 };
    char parts[3][32];
    int np = 0;
    if (has[ENERGY])
        snprintf(parts[np++], sizeof parts[0], "%s energy",
                 mean[ENERGY] > 0.7   ? "high"
                 : mean[ENERGY] < 0.4 ? "low"
                                      : "medium");
    if (has[VALENCE])
        snprintf(parts[np++], sizeof parts[0], "%s",
                 mean[VALENCE] > 0.6   ? "positive"
                 : mean[VALENCE] < 0.4 ? "negative"
                                       : "neutral");
    if (has[ACOUSTIC] && (mean[ACOUSTIC] > 0.5 || mean[ACOUSTIC] < 0.2))
        snprintf(parts[np++], sizeof parts[0], "%s",
                 mean[ACOUSTIC] > 0.5 ? "acoustic" : "electronic");
    out[0] = '\0';
    for (int i = 0; i < np; i++) {
        size_t o = strlen(out);
        snprintf(out + o, cap - o, "%s%s", i ? ", " : "", parts[i]);
    }
    if (!out[0])
        snprintf(out, cap, "mixed");
}

/*
 * Groups that read the same ("high energy, neutral, electronic") get a qualifier from their
 * most distinctive other feature (largest |z| of the centroid among danceability, loudness,
 * speechiness, instrumentalness, liveness, tempo); a number only when that still collides.
 */
static void disambiguate(char (*names)[96], size_t k, const double *zc, const int *feat_idx,
                         size_t d)
{
    static const char *const up[HIST_NF] = {"danceable",    NULL,   "loud", "spoken", NULL,
                                            "instrumental", "live", NULL,   "fast",   NULL};
    static const char *const down[HIST_NF] = {"less danceable", NULL,     "quiet", "sung", NULL,
                                              "vocal",          "studio", NULL,    "slow", NULL};
    char base[64][96];
    size_t kk = MOOD_MIN(k, 64);
    for (size_t c = 0; c < kk; c++)
        memcpy(base[c], names[c], sizeof base[c]);
    for (size_t c = 0; c < kk; c++) {
        int dup = 0;
        for (size_t c2 = 0; c2 < kk; c2++)
            dup |= c2 != c && !strcmp(base[c], base[c2]);
        if (!dup)
            continue;
        {
            double best = 0;
            int bf = -1;
            for (size_t j = 0; j < d; j++) {
                int f = feat_idx[j];
                double z = zc[c * HIST_NF + (size_t)f];
                if (up[f] && fabs(z) > fabs(best)) {
                    best = z;
                    bf = f;
                }
            }
            if (bf >= 0) {
                size_t l = strlen(names[c]);
                snprintf(names[c] + l, 96 - l, ", %s", best > 0 ? up[bf] : down[bf]);
            }
        }
    }
    for (size_t c = 1; c < k; c++)
        for (size_t c2 = 0; c2 < c; c2++)
            if (!strcmp(names[c2], names[c])) {
                size_t l = strlen(names[c]);
                snprintf(names[c] + l, 96 - l, " #%zu", c + 1);
                break;
            }
}

mood_status mood_history_moods_fit(mood_catalog *cat, mood_history *h,
                                   const mood_history_train_options *o, char **out_json)
{
    mood_history_train_options def;
    size_t n = 0, d = 0, *rows = NULL, k;
    int feat_idx[HIST_NF];
    float *x = NULL, *raw = NULL, median[HIST_NF];
    int32_t *labels = NULL;
    mood_scaler sc;
    mood_cluster_params cp;
    mood_autok_params ap;
    mood_autok_result ar;
    mood_cluster_model *cm = NULL;
    json_t *meta = NULL, *rep = NULL;
    char *cm_json = NULL, *meta_text = NULL;
    char(*names)[96] = NULL;
    double *zc = NULL;
    mood_status s;
    memset(&sc, 0, sizeof sc);
    memset(&ar, 0, sizeof ar);
    *out_json = NULL;
    o = mood__hist_train_opts(o, &def);
    /* features present for at least half of the matched tracks */
    for (int j = 0; j < HIST_NF_AUDIO; j++) {
        size_t have = 0, matched = 0;
        for (size_t t = 0; t < h->n_tracks; t++)
            if (h->tracks[t].has_feat) {
                matched++;
                have += isfinite(h->tracks[t].feat[j]) != 0;
            }
        if (matched && have * 2 >= matched)
            feat_idx[d++] = j;
    }
    rows = mood__malloc_array(h->n_tracks ? h->n_tracks : 1, sizeof *rows);
    if (!rows)
        return mood__enomem("moods");
    for (size_t t = 0; t < h->n_tracks; t++)
        if (h->tracks[t].has_feat)
            rows[n++] = t;
    if (d == 0 || n < 20) {
        mood__free(rows);
        return mood__error(MOOD_EINVAL,
                           "moods: %zu played tracks have audio features, at least 20 needed: "
                           "join a feature table first (--features-table FILE.csv)",
                           n);
    }
    x = mood__malloc_array(n * d, sizeof *x);
    raw = mood__malloc_array(n * d, sizeof *raw);
    labels = mood__malloc_array(n, sizeof *labels);
    if (!x || !raw || !labels) {
        s = mood__enomem("moods");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = h->tracks[rows[i]].feat[feat_idx[j]];
    if ((s = mood_impute_fit(x, n, d, median, NULL)) != MOOD_OK)
        goto done;
    mood_impute_apply(x, n, d, median);
    memcpy(raw, x, n * d * sizeof *x);
    if ((s = mood_scaler_fit(MOOD_SCALER_STANDARD, x, n, d, &sc)) != MOOD_OK)
        goto done;
    mood_scaler_transform(&sc, x, n);
    mood_cluster_params_default(&cp);
    cp.algorithm = MOOD_ALGO_KMEANS;
    cp.seed = o->seed;
    cp.n_init = 4;
    cp.n_threads = o->n_threads;
    cp.progress = o->progress;
    cp.progress_user = o->progress_user;
    memset(&ap, 0, sizeof ap);
    ap.k_min = o->k_min ? o->k_min : 3;
    ap.k_max = MOOD_MIN(o->k_max ? o->k_max : 15, n / 5);
    if (ap.k_max < ap.k_min)
        ap.k_max = ap.k_min;
    if ((s = mood_cluster_auto_k(&cp, &ap, x, n, d, &ar)) != MOOD_OK)
        goto done;
    k = ar.k_best;
    {
        int sil_ok = 0;
        for (size_t i = 0; i < ar.n_points; i++)
            sil_ok |= isfinite(ar.points[i].silhouette) != 0;
        if (!sil_ok || k < ap.k_min)
            k = ar.k_elbow >= ap.k_min ? ar.k_elbow : ap.k_min;
    }
    cp.k = k;
    if ((s = mood_cluster_fit(&cp, x, n, d, &cm, labels)) != MOOD_OK)
        goto done;
    k = mood_cluster_model_k(cm);
    /* names from the centroids in original units */
    names = mood__calloc(k, sizeof *names);
    zc = mood__calloc(k * HIST_NF, sizeof *zc);
    if (!names || !zc) {
        s = mood__enomem("moods");
        goto done;
    }
    rep = json_object();
    meta = json_object();
    json_t *jnames = json_array(), *jsizes = json_array(), *jcent = json_array(),
           *jfeat = json_array(), *jmed = json_array(), *jcen = json_array(), *jsca = json_array(),
           *jcurve = json_array();
    for (size_t j = 0; j < d; j++) {
        json_array_append_new(jfeat, json_string(mood__hist_feature_names[feat_idx[j]]));
        json_array_append_new(jmed, json_real((double)median[j]));
        json_array_append_new(jcen, json_real((double)sc.center[j]));
        json_array_append_new(jsca, json_real((double)sc.scale[j]));
    }
    for (size_t c = 0; c < k; c++) {
        double mean[HIST_NF] = {0};
        int has[HIST_NF] = {0};
        size_t cnt = 0;
        json_t *jc = json_object();
        for (size_t i = 0; i < n; i++)
            if (labels[i] == (int32_t)c) {
                cnt++;
                for (size_t j = 0; j < d; j++)
                    mean[feat_idx[j]] += (double)raw[i * d + j];
            }
        for (size_t j = 0; j < d; j++) {
            if (cnt)
                mean[feat_idx[j]] /= (double)cnt;
            has[feat_idx[j]] = 1;
            json_object_set_new(jc, mood__hist_feature_names[feat_idx[j]],
                                json_real(mean[feat_idx[j]]));
        }
        centroid_name(mean, has, names[c], sizeof names[c]);
        for (size_t j = 0; j < d; j++)
            zc[c * HIST_NF + (size_t)feat_idx[j]] =
                (mean[feat_idx[j]] - (double)sc.center[j]) / (double)sc.scale[j];
        json_array_append_new(jsizes, json_integer((json_int_t)cnt));
        json_array_append_new(jcent, jc);
    }
    disambiguate(names, k, zc, feat_idx, d);
    for (size_t c = 0; c < k; c++)
        json_array_append_new(jnames, json_string(names[c]));
    for (size_t i = 0; i < ar.n_points; i++) {
        json_t *pt = json_object();
        json_object_set_new(pt, "k", json_integer((json_int_t)ar.points[i].k));
        json_object_set_new(pt, "silhouette", mood__hist_jreal(ar.points[i].silhouette));
        json_object_set_new(pt, "inertia", mood__hist_jreal(ar.points[i].inertia));
        json_array_append_new(jcurve, pt);
    }
    if ((s = mood_cluster_model_to_json(cm, &cm_json)) != MOOD_OK)
        goto done;
    json_object_set_new(meta, "kind", json_string("moods"));
    json_object_set_new(meta, "features", jfeat);
    json_object_set_new(meta, "median", jmed);
    json_object_set_new(meta, "scaler_center", jcen);
    json_object_set_new(meta, "scaler_scale", jsca);
    json_object_set_new(meta, "k", json_integer((json_int_t)k));
    json_object_set_new(meta, "names", json_deep_copy(jnames));
    json_object_set_new(meta, "cluster_model", json_string(cm_json));
    json_object_set_new(rep, "tracks", json_integer((json_int_t)n));
    json_object_set_new(rep, "features", json_deep_copy(jfeat));
    json_object_set_new(rep, "k", json_integer((json_int_t)k));
    json_object_set_new(rep, "k_silhouette", json_integer((json_int_t)ar.k_best));
    json_object_set_new(rep, "k_elbow", json_integer((json_int_t)ar.k_elbow));
    json_object_set_new(rep, "names", jnames);
    json_object_set_new(rep, "sizes", jsizes);
    json_object_set_new(rep, "centroids", jcent);
    json_object_set_new(rep, "k_curve", jcurve);
    meta_text = mood__hist_json_dump(meta);
    *out_json = mood__hist_json_dump(rep);
    if (!meta_text || !*out_json) {
        s = mood__enomem("moods");
        goto done;
    }
    if ((s = mood__hist_model_save(cat, "moods", meta_text, NULL, 0)) != MOOD_OK)
        goto done;
    /* assign every track */
    for (size_t t = 0; t < h->n_tracks; t++)
        h->tracks[t].cluster = -1;
    for (size_t i = 0; i < n; i++)
        h->tracks[rows[i]].cluster = labels[i];
    {
        sqlite3 *db = mood__catalog_db(cat);
        sqlite3_stmt *st;
        if ((s = mood__catalog_exec(cat, "moods",
                                    "BEGIN IMMEDIATE; UPDATE history_tracks SET "
                                    "cluster = NULL")) != MOOD_OK)
            goto done;
        if (sqlite3_prepare_v2(db, "UPDATE history_tracks SET cluster = ? WHERE rowid = ?", -1, &st,
                               NULL) != SQLITE_OK) {
            s = mood__catalog_error(cat, "moods");
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            goto done;
        }
        for (size_t i = 0; i < n && s == MOOD_OK; i++) {
            sqlite3_reset(st);
            sqlite3_bind_int(st, 1, labels[i]);
            sqlite3_bind_int64(st, 2, h->tracks[rows[i]].db_id);
            if (sqlite3_step(st) != SQLITE_DONE)
                s = mood__catalog_error(cat, "moods");
        }
        sqlite3_finalize(st);
        if (s == MOOD_OK)
            s = mood__catalog_exec(cat, "moods", "COMMIT");
        else
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    }
done:
    if (s != MOOD_OK) {
        mood__free(*out_json);
        *out_json = NULL;
    }
    json_decref(meta);
    json_decref(rep);
    mood_free(cm_json);
    mood__free(meta_text);
    mood__free(names);
    mood__free(zc);
    mood_cluster_model_destroy(cm);
    mood_autok_result_free(&ar);
    mood_scaler_free(&sc);
    mood__free(rows);
    mood__free(x);
    mood__free(raw);
    mood__free(labels);
    return s;
}

static mood_status read_floats(const json_t *a, size_t d, float *out, const char *what)
{
    if (!json_is_array(a) || json_array_size(a) != d)
        return mood__error(MOOD_EFORMAT, "mood model: '%s' must be an array of %zu numbers", what,
                           d);
    for (size_t j = 0; j < d; j++)
        out[j] = (float)json_number_value(json_array_get(a, j));
    return MOOD_OK;
}

static mood_status mood_model_load(mood_catalog *cat, mood_model *m)
{
    char *text = NULL;
    json_t *j;
    json_error_t err;
    const json_t *feats;
    float center[HIST_NF], scale[HIST_NF];
    mood_status s;
    memset(m, 0, sizeof *m);
    if ((s = mood__hist_model_load(cat, "moods", &text, NULL, NULL)) != MOOD_OK)
        return s;
    j = json_loads(text, 0, &err);
    mood__free(text);
    if (!j)
        return mood__error(MOOD_EFORMAT, "mood model: %s", err.text);
    feats = json_object_get(j, "features");
    m->d = json_array_size(feats);
    if (m->d == 0 || m->d > HIST_NF) {
        json_decref(j);
        return mood__error(MOOD_EFORMAT, "mood model: 'features' must list 1..%d names", HIST_NF);
    }
    for (size_t i = 0; i < m->d; i++) {
        const char *name = json_string_value(json_array_get(feats, i));
        m->feat_idx[i] = -1;
        for (int f = 0; f < HIST_NF; f++)
            if (name && !strcmp(name, mood__hist_feature_names[f]))
                m->feat_idx[i] = f;
        if (m->feat_idx[i] < 0) {
            json_decref(j);
            return mood__error(MOOD_EFORMAT, "mood model: unknown feature '%s'",
                               name ? name : "(not a string)");
        }
    }
    if ((s = read_floats(json_object_get(j, "median"), m->d, m->median, "median")) != MOOD_OK ||
        (s = read_floats(json_object_get(j, "scaler_center"), m->d, center, "scaler_center")) !=
            MOOD_OK ||
        (s = read_floats(json_object_get(j, "scaler_scale"), m->d, scale, "scaler_scale")) !=
            MOOD_OK ||
        (s = mood_scaler_init(MOOD_SCALER_STANDARD, m->d, center, scale, &m->scaler)) != MOOD_OK ||
        (s = mood_cluster_model_from_json(
             json_string_value(json_object_get(j, "cluster_model"))
                 ? json_string_value(json_object_get(j, "cluster_model"))
                 : "",
             &m->cm)) != MOOD_OK) {
        json_decref(j);
        mood_model_free(m);
        return s;
    }
    m->k = mood_cluster_model_k(m->cm);
    json_decref(j);
    return MOOD_OK;
}

mood_status mood_history_moods_assign(mood_catalog *cat, mood_history *h, size_t *out_assigned)
{
    mood_model m;
    mood_status s;
    sqlite3_stmt *st = NULL;
    sqlite3 *db = mood__catalog_db(cat);
    size_t assigned = 0;
    if (out_assigned)
        *out_assigned = 0;
    if ((s = mood_model_load(cat, &m)) != MOOD_OK)
        return s;
    if ((s = mood__catalog_exec(cat, "assign moods", "BEGIN IMMEDIATE")) != MOOD_OK) {
        mood_model_free(&m);
        return s;
    }
    if (sqlite3_prepare_v2(db, "UPDATE history_tracks SET cluster = ? WHERE rowid = ?", -1, &st,
                           NULL) != SQLITE_OK)
        s = mood__catalog_error(cat, "assign moods");
    for (size_t t = 0; t < h->n_tracks && s == MOOD_OK; t++) {
        hist_track *tr = &h->tracks[t];
        float row[HIST_NF];
        int32_t lab;
        if (!tr->has_feat || tr->cluster >= 0)
            continue;
        for (size_t j = 0; j < m.d; j++) {
            float v = tr->feat[m.feat_idx[j]];
            row[j] = isfinite(v) ? v : m.median[j];
        }
        mood_scaler_transform(&m.scaler, row, 1);
        if ((s = mood_cluster_predict(m.cm, row, 1, m.d, &lab, NULL)) != MOOD_OK)
            break;
        tr->cluster = lab;
        sqlite3_reset(st);
        sqlite3_bind_int(st, 1, lab);
        sqlite3_bind_int64(st, 2, tr->db_id);
        if (sqlite3_step(st) != SQLITE_DONE)
            s = mood__catalog_error(cat, "assign moods");
        assigned++;
    }
    if (st)
        sqlite3_finalize(st);
    if (s == MOOD_OK)
        s = mood__catalog_exec(cat, "assign moods", "COMMIT");
    else
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    mood_model_free(&m);
    if (out_assigned)
        *out_assigned = assigned;
    return s;
}
