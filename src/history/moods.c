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

/* The state of one mood fit, passed between its stages (mood_history_moods_fit). */
typedef struct fit_state {
    size_t n, d, k;
    size_t *rows; /* the tracks with features, n */
    int feat_idx[HIST_NF];
    float *x, *raw, median[HIST_NF]; /* n×d scaled and imputed-unscaled features */
    int32_t *labels;
    mood_scaler sc;
    mood_autok_result ar;
    mood_cluster_model *cm;
} fit_state;

static void fit_free(fit_state *f)
{
    mood_cluster_model_destroy(f->cm);
    mood_autok_result_free(&f->ar);
    mood_scaler_free(&f->sc);
    mood__free(f->rows);
    mood__free(f->x);
    mood__free(f->raw);
    mood__free(f->labels);
}

/* Stage 1: the features present for at least half of the matched tracks, and those tracks. */
static mood_status fit_select(const mood_history *h, fit_state *f)
{
    for (int j = 0; j < HIST_NF_AUDIO; j++) {
        size_t have = 0, matched = 0;
        for (size_t t = 0; t < h->n_tracks; t++)
            if (h->tracks[t].has_feat) {
                matched++;
                have += isfinite(h->tracks[t].feat[j]) != 0;
            }
        if (matched && have * 2 >= matched)
            f->feat_idx[f->d++] = j;
    }
    f->rows = mood__malloc_array(h->n_tracks ? h->n_tracks : 1, sizeof *f->rows);
    if (!f->rows)
        return mood__enomem("moods");
    for (size_t t = 0; t < h->n_tracks; t++)
        if (h->tracks[t].has_feat)
            f->rows[f->n++] = t;
    if (f->d == 0 || f->n < 20)
        return mood__error(MOOD_EINVAL,
                           "moods: %zu played tracks have audio features, at least 20 needed: "
                           "join a feature table first (--features-table FILE.csv)",
                           f->n);
    return MOOD_OK;
}

/* Stage 2: the feature matrix, median-imputed (raw) and standard-scaled (x). */
static mood_status fit_matrix(const mood_history *h, fit_state *f)
{
    size_t n = f->n, d = f->d;
    mood_status s;
    f->x = mood__malloc_array(n * d, sizeof *f->x);
    f->raw = mood__malloc_array(n * d, sizeof *f->raw);
    f->labels = mood__malloc_array(n, sizeof *f->labels);
    if (!f->x || !f->raw || !f->labels)
        return mood__enomem("moods");
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            f->x[i * d + j] = h->tracks[f->rows[i]].feat[f->feat_idx[j]];
    s = mood_impute_fit(f->x, n, d, f->median, NULL);
    if (s != MOOD_OK)
        return s;
    mood_impute_apply(f->x, n, d, f->median);
    memcpy(f->raw, f->x, n * d * sizeof *f->x);
    s = mood_scaler_fit(MOOD_SCALER_STANDARD, f->x, n, d, &f->sc);
    if (s != MOOD_OK)
        return s;
    mood_scaler_transform(&f->sc, f->x, n);
    return MOOD_OK;
}

/* Stage 3: k by silhouette (the elbow when it gives no answer), then k-means with that k. */
static mood_status fit_kmeans(const mood_history_train_options *o, fit_state *f)
{
    mood_cluster_params cp;
    mood_autok_params ap;
    mood_status s;
    size_t k;
    int sil_ok = 0;
    mood_cluster_params_default(&cp);
    cp.algorithm = MOOD_ALGO_KMEANS;
    cp.seed = o->seed;
    cp.n_init = 4;
    cp.n_threads = o->n_threads;
    cp.progress = o->progress;
    cp.progress_user = o->progress_user;
    memset(&ap, 0, sizeof ap);
    ap.k_min = o->k_min ? o->k_min : 3;
    ap.k_max = MOOD_MIN(o->k_max ? o->k_max : 15, f->n / 5);
    if (ap.k_max < ap.k_min)
        ap.k_max = ap.k_min;
    s = mood_cluster_auto_k(&cp, &ap, f->x, f->n, f->d, &f->ar);
    if (s != MOOD_OK)
        return s;
    k = f->ar.k_best;
    for (size_t i = 0; i < f->ar.n_points; i++)
        sil_ok |= isfinite(f->ar.points[i].silhouette) != 0;
    if (!sil_ok || k < ap.k_min)
        k = f->ar.k_elbow >= ap.k_min ? f->ar.k_elbow : ap.k_min;
    cp.k = k;
    s = mood_cluster_fit(&cp, f->x, f->n, f->d, &f->cm, f->labels);
    if (s != MOOD_OK)
        return s;
    f->k = mood_cluster_model_k(f->cm);
    return MOOD_OK;
}

/* Cluster @p c's size and mean of every used feature in original units (mean[feature]). */
static size_t cluster_mean(const fit_state *f, size_t c, double *mean)
{
    size_t cnt = 0;
    for (size_t i = 0; i < f->n; i++)
        if (f->labels[i] == (int32_t)c) {
            cnt++;
            for (size_t j = 0; j < f->d; j++)
                mean[f->feat_idx[j]] += (double)f->raw[i * f->d + j];
        }
    for (size_t j = 0; j < f->d && cnt; j++)
        mean[f->feat_idx[j]] /= (double)cnt;
    return cnt;
}

/* Stage 4: names, sizes and centroids of the clusters (into @p rep) and their JSON names. */
static mood_status fit_describe(const fit_state *f, json_t *rep, json_t **out_names)
{
    size_t k = f->k, d = f->d;
    char(*names)[96] = mood__calloc(k, sizeof *names);
    double *zc = mood__calloc(k * HIST_NF, sizeof *zc);
    json_t *jnames = json_array(), *jsizes = json_array(), *jcent = json_array();
    if (!names || !zc) {
        mood__free(names);
        mood__free(zc);
        json_decref(jnames);
        json_decref(jsizes);
        json_decref(jcent);
        return mood__enomem("moods");
    }
    for (size_t c = 0; c < k; c++) {
        double mean[HIST_NF] = {0};
        int has[HIST_NF] = {0};
        json_t *jc = json_object();
        size_t cnt = cluster_mean(f, c, mean);
        for (size_t j = 0; j < d; j++) {
            int fi = f->feat_idx[j];
            has[fi] = 1;
            json_object_set_new(jc, mood__hist_feature_names[fi], json_real(mean[fi]));
            zc[c * HIST_NF + (size_t)fi] =
                (mean[fi] - (double)f->sc.center[j]) / (double)f->sc.scale[j];
        }
        centroid_name(mean, has, names[c], sizeof names[c]);
        json_array_append_new(jsizes, json_integer((json_int_t)cnt));
        json_array_append_new(jcent, jc);
    }
    disambiguate(names, k, zc, f->feat_idx, d);
    for (size_t c = 0; c < k; c++)
        json_array_append_new(jnames, json_string(names[c]));
    mood__free(names);
    mood__free(zc);
    json_object_set_new(rep, "names", json_deep_copy(jnames));
    json_object_set_new(rep, "sizes", jsizes);
    json_object_set_new(rep, "centroids", jcent);
    *out_names = jnames;
    return MOOD_OK;
}

/* Stage 5: the model metadata (what mood_model_load reads) and the fit report. */
static mood_status fit_json(const fit_state *f, json_t *meta, json_t *rep)
{
    json_t *jfeat = json_array(), *jmed = json_array(), *jcen = json_array(), *jsca = json_array(),
           *jcurve = json_array(), *jnames = NULL;
    char *cm_json = NULL;
    mood_status s;
    for (size_t j = 0; j < f->d; j++) {
        json_array_append_new(jfeat, json_string(mood__hist_feature_names[f->feat_idx[j]]));
        json_array_append_new(jmed, json_real((double)f->median[j]));
        json_array_append_new(jcen, json_real((double)f->sc.center[j]));
        json_array_append_new(jsca, json_real((double)f->sc.scale[j]));
    }
    for (size_t i = 0; i < f->ar.n_points; i++) {
        json_t *pt = json_object();
        json_object_set_new(pt, "k", json_integer((json_int_t)f->ar.points[i].k));
        json_object_set_new(pt, "silhouette", mood__hist_jreal(f->ar.points[i].silhouette));
        json_object_set_new(pt, "inertia", mood__hist_jreal(f->ar.points[i].inertia));
        json_array_append_new(jcurve, pt);
    }
    json_object_set_new(rep, "tracks", json_integer((json_int_t)f->n));
    json_object_set_new(rep, "features", json_deep_copy(jfeat));
    json_object_set_new(rep, "k", json_integer((json_int_t)f->k));
    json_object_set_new(rep, "k_silhouette", json_integer((json_int_t)f->ar.k_best));
    json_object_set_new(rep, "k_elbow", json_integer((json_int_t)f->ar.k_elbow));
    s = fit_describe(f, rep, &jnames);
    json_object_set_new(rep, "k_curve", jcurve);
    if (s == MOOD_OK)
        s = mood_cluster_model_to_json(f->cm, &cm_json);
    json_object_set_new(meta, "kind", json_string("moods"));
    json_object_set_new(meta, "features", jfeat);
    json_object_set_new(meta, "median", jmed);
    json_object_set_new(meta, "scaler_center", jcen);
    json_object_set_new(meta, "scaler_scale", jsca);
    json_object_set_new(meta, "k", json_integer((json_int_t)f->k));
    if (jnames)
        json_object_set_new(meta, "names", jnames);
    if (cm_json)
        json_object_set_new(meta, "cluster_model", json_string(cm_json));
    mood_free(cm_json);
    return s;
}

/* Stage 6: the tracks' clusters, in memory and in history_tracks (one transaction). */
static mood_status store_labels(mood_catalog *cat, mood_history *h, const fit_state *f)
{
    mood_db *db = mood__catalog_dbh(cat);
    mood_db_stmt *st = NULL;
    mood_status s;
    for (size_t t = 0; t < h->n_tracks; t++)
        h->tracks[t].cluster = -1;
    for (size_t i = 0; i < f->n; i++)
        h->tracks[f->rows[i]].cluster = f->labels[i];
    s = mood__db_begin(db);
    if (s != MOOD_OK)
        return s;
    s = mood__db_exec(db, "moods", "UPDATE history_tracks SET cluster = NULL");
    if (s == MOOD_OK &&
        mood__db_prepare(db, "UPDATE history_tracks SET cluster = ? WHERE id = ?", &st) != MOOD_OK)
        s = mood__catalog_error(cat, "moods");
    for (size_t i = 0; i < f->n && s == MOOD_OK; i++) {
        mood__db_reset(st);
        mood__db_bind_int64(st, 1, f->labels[i]);
        mood__db_bind_int64(st, 2, h->tracks[f->rows[i]].db_id);
        if (mood__db_step_rc(st) != MOOD_DB_DONE)
            s = mood__catalog_error(cat, "moods");
    }
    mood__db_finalize(st);
    if (s == MOOD_OK)
        return mood__db_commit(db);
    mood__db_rollback(db);
    return s;
}

mood_status mood_history_moods_fit(mood_catalog *cat, mood_history *h,
                                   const mood_history_train_options *o, char **out_json)
{
    mood_history_train_options def;
    fit_state f;
    json_t *meta = json_object(), *rep = json_object();
    char *meta_text = NULL;
    mood_status s;
    memset(&f, 0, sizeof f);
    *out_json = NULL;
    o = mood__hist_train_opts(o, &def);
    s = fit_select(h, &f);
    if (s == MOOD_OK)
        s = fit_matrix(h, &f);
    if (s == MOOD_OK)
        s = fit_kmeans(o, &f);
    if (s == MOOD_OK)
        s = fit_json(&f, meta, rep);
    if (s == MOOD_OK) {
        meta_text = mood__hist_json_dump(meta);
        *out_json = mood__hist_json_dump(rep);
        if (!meta_text || !*out_json)
            s = mood__enomem("moods");
    }
    if (s == MOOD_OK)
        s = mood__hist_model_save(cat, "moods", meta_text, NULL, 0);
    if (s == MOOD_OK)
        s = store_labels(cat, h, &f);
    if (s != MOOD_OK) {
        mood__free(*out_json);
        *out_json = NULL;
    }
    json_decref(meta);
    json_decref(rep);
    mood__free(meta_text);
    fit_free(&f);
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
    s = mood__hist_model_load(cat, "moods", &text, NULL, NULL);
    if (s != MOOD_OK)
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
    mood_db_stmt *st = NULL;
    mood_db *db = mood__catalog_dbh(cat);
    size_t assigned = 0;
    if (out_assigned)
        *out_assigned = 0;
    s = mood_model_load(cat, &m);
    if (s != MOOD_OK)
        return s;
    s = mood__db_begin(mood__catalog_dbh(cat));
    if (s != MOOD_OK) {
        mood_model_free(&m);
        return s;
    }
    if (mood__db_prepare(db, "UPDATE history_tracks SET cluster = ? WHERE id = ?", &st) != MOOD_OK)
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
        s = mood_cluster_predict(m.cm, row, 1, m.d, &lab, NULL);
        if (s != MOOD_OK)
            break;
        tr->cluster = lab;
        mood__db_reset(st);
        mood__db_bind_int64(st, 1, lab);
        mood__db_bind_int64(st, 2, tr->db_id);
        if (mood__db_step_rc(st) != MOOD_DB_DONE)
            s = mood__catalog_error(cat, "assign moods");
        assigned++;
    }
    if (st)
        mood__db_finalize(st);
    if (s == MOOD_OK)
        s = mood__db_commit(db);
    else
        mood__db_rollback(db);
    mood_model_free(&m);
    if (out_assigned)
        *out_assigned = assigned;
    return s;
}
