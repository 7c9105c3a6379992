/*
 * Prediction with the stored models: the mood of the next track after the last play, and the
 * chance that a session starts in each of the next hours. Models are reloaded from the
 * catalog with their feature lists, and a list that no longer matches what the history
 * produces (moods refitted with another k) is an error asking for a retrain. A model that is
 * not stored at all leaves its part null with the reason; only both missing is an error.
 */
#define _POSIX_C_SOURCE 200809L
#include "history_internal.h"

#include <stdio.h>
#include <string.h>

mood_status mood__hist_mood_names(mood_catalog *cat, size_t *out_k, json_t **out_names);

/* Load model @p name: booster and meta; check its feature list against @p names. */
static mood_status load_checked(mood_catalog *cat, const char *name, char *const *names, size_t d,
                                hist_xgb **out_xgb, json_t **out_meta)
{
    char *meta_text = NULL;
    void *blob = NULL;
    size_t len = 0;
    json_error_t err;
    json_t *meta, *feats;
    mood_status s;
    *out_xgb = NULL;
    *out_meta = NULL;
    if ((s = mood__hist_model_load(cat, name, &meta_text, &blob, &len)) != MOOD_OK)
        return s;
    meta = json_loads(meta_text, 0, &err);
    mood__free(meta_text);
    if (!meta || !blob) {
        json_decref(meta);
        mood__free(blob);
        return mood__error(MOOD_EFORMAT, "history model '%s': damaged record", name);
    }
    feats = json_object_get(meta, "features");
    if (json_array_size(feats) != d) {
        mood__free(blob);
        json_decref(meta);
        return mood__error(MOOD_EDIM,
                           "history model '%s' was trained on %zu features, the history now "
                           "gives %zu (moods refitted?): run 'moodscope history retrain'",
                           name, json_array_size(feats), d);
    }
    for (size_t j = 0; j < d; j++) {
        const char *f = json_string_value(json_array_get(feats, j));
        if (!f || strcmp(f, names[j]) != 0) {
            mood__free(blob);
            json_decref(meta);
            return mood__error(MOOD_EDIM,
                               "history model '%s': feature %zu is '%s', expected '%s': run "
                               "'moodscope history retrain'",
                               name, j, f ? f : "?", names[j]);
        }
    }
    s = mood__hist_xgb_load(blob, len, out_xgb);
    mood__free(blob);
    if (s != MOOD_OK) {
        json_decref(meta);
        return s;
    }
    *out_meta = meta;
    return MOOD_OK;
}

/* The training transitions kept with the next-mood model (k×k). */
static mood_status load_transitions(mood_catalog *cat, size_t k, double **out)
{
    char *text = NULL;
    json_error_t err;
    json_t *meta, *tc;
    mood_status s = mood__hist_model_load(cat, "nextmood", &text, NULL, NULL);
    *out = NULL;
    if (s != MOOD_OK)
        return s;
    meta = json_loads(text, 0, &err);
    mood__free(text);
    tc = meta ? json_object_get(meta, "transitions") : NULL;
    if (!json_is_array(tc) || json_array_size(tc) != k * k) {
        json_decref(meta);
        return mood__error(MOOD_EDIM,
                           "history model 'nextmood' has no %zux%zu transitions for the current "
                           "moods: run 'moodscope history retrain'",
                           k, k);
    }
    *out = mood__malloc_array(k * k, sizeof **out);
    if (!*out) {
        json_decref(meta);
        return mood__enomem("predict");
    }
    for (size_t i = 0; i < k * k; i++)
        (*out)[i] = json_number_value(json_array_get(tc, i));
    json_decref(meta);
    return MOOD_OK;
}

static mood_status predict_next(mood_catalog *cat, const mood_history *h, json_t *rep)
{
    size_t k;
    json_t *names = NULL, *meta = NULL, *o = json_object(), *arr = json_array();
    hist_nm_data ds;
    hist_xgb *x = NULL;
    float probs[64];
    mood_status s;
    json_object_set_new(rep, "next_mood", o);
    json_object_set_new(o, "probabilities", arr);
    if ((s = mood__hist_mood_names(cat, &k, &names)) != MOOD_OK)
        return s;
    if (k > 64) {
        json_decref(names);
        return mood__error(MOOD_EFORMAT, "mood model: k=%zu exceeds 64", k);
    }
    if ((s = mood__hist_nm_build(h, k, 1, &ds)) != MOOD_OK) {
        json_decref(names);
        return s;
    }
    {
        double *trans = NULL;
        if ((s = load_transitions(cat, k, &trans)) != MOOD_OK)
            goto done;
        s = mood__hist_nm_add_markov(&ds, trans, 0);
        mood__free(trans);
        if (s != MOOD_OK)
            goto done;
    }
    if ((s = load_checked(cat, "nextmood", ds.names, ds.d, &x, &meta)) != MOOD_OK)
        goto done;
    if (ds.n == 0) {
        json_object_set_new(o, "predicted", json_null());
        json_object_set_new(o, "reason",
                            json_string("the last session has no play with a known mood"));
        goto done;
    }
    if ((s = mood__hist_xgb_predict(x, ds.x, 1, ds.d, probs)) != MOOD_OK)
        goto done;
    {
        char t[32];
        size_t best = 0;
        mood__utc_format(ds.t[0], t, sizeof t);
        for (size_t c = 0; c < k; c++) {
            json_t *e = json_object();
            json_object_set_new(e, "cluster", json_integer((json_int_t)c));
            json_object_set_new(e, "name", json_incref(json_array_get(names, c)));
            json_object_set_new(e, "probability", json_real((double)probs[c]));
            json_array_append_new(arr, e);
            if (probs[c] > probs[best])
                best = c;
        }
        json_object_set_new(o, "after_play_utc", json_string(t));
        json_object_set_new(o, "last_cluster", json_integer(ds.last[0]));
        json_object_set_new(o, "predicted", json_integer((json_int_t)best));
        json_object_set_new(o, "predicted_name", json_incref(json_array_get(names, best)));
    }
done:
    json_decref(names);
    json_decref(meta);
    mood__hist_xgb_destroy(x);
    mood__hist_nm_free(&ds);
    return s;
}

static mood_status predict_start(mood_catalog *cat, const mood_history *h, size_t hours,
                                 json_t *rep)
{
    hist_ss_data ds;
    hist_xgb *x = NULL;
    json_t *meta = NULL, *arr = json_array();
    float *p = NULL;
    int64_t last_hour = h->plays[h->n_plays - 1].start_utc / 3600 * 3600;
    mood_status s;
    json_object_set_new(rep, "session_start", arr);
    if ((s = mood__hist_ss_build(h, last_hour + 3600 * (int64_t)(hours + 1), &ds)) != MOOD_OK)
        return s;
    if ((s = load_checked(cat, "sessionstart", ds.names, ds.d, &x, &meta)) != MOOD_OK)
        goto done;
    p = mood__malloc_array(hours, sizeof *p);
    if (!p) {
        s = mood__enomem("predict");
        goto done;
    }
    {
        size_t first = ds.n - hours;
        if ((s = mood__hist_xgb_predict(x, ds.x + first * ds.d, hours, ds.d, p)) != MOOD_OK)
            goto done;
        for (size_t i = 0; i < hours; i++) {
            json_t *e = json_object();
            char t[32];
            mood__utc_format(ds.hour_t[first + i], t, sizeof t);
            json_object_set_new(e, "hour_utc", json_string(t));
            json_object_set_new(e, "local_hour", json_integer(ds.hod[first + i]));
            json_object_set_new(e, "probability", json_real((double)p[i]));
            json_array_append_new(arr, e);
        }
    }
done:
    mood__free(p);
    json_decref(meta);
    mood__hist_xgb_destroy(x);
    mood__hist_ss_free(&ds);
    return s;
}

/*
 * A model that was never trained (train skips the next-mood model without audio features):
 * its part of the prediction is empty with the reason, and the other part still runs.
 */
static mood_status not_trained(json_t *rep, int next_mood, int *missing)
{
    char text[1024];
    snprintf(text, sizeof text, "%s%s", mood_last_error(),
             next_mood ? " (the next-mood model needs audio features: history join "
                         "--features-table FILE.csv, then history train)"
                       : "");
    json_t *why = json_string(text);
    if (next_mood) {
        json_t *o = json_object();
        json_object_set_new(o, "probabilities", json_array());
        json_object_set_new(o, "predicted", json_null());
        json_object_set_new(o, "reason", why);
        json_object_set_new(rep, "next_mood", o);
    } else {
        json_object_set_new(rep, "session_start", json_array());
        json_object_set_new(rep, "session_start_reason", why);
    }
    mood_clear_error();
    (*missing)++;
    return MOOD_OK;
}

mood_status mood_history_predict(mood_catalog *cat, const mood_history *h, size_t hours,
                                 char **out_json)
{
    json_t *rep = json_object();
    mood_status s;
    int missing = 0;
    *out_json = NULL;
    if (hours == 0 || hours > 24 * 14) {
        json_decref(rep);
        return mood__error(MOOD_EINVAL, "predict: hours must be 1..336, got %zu", hours);
    }
    s = predict_next(cat, h, rep);
    if (s == MOOD_ENOTFIT)
        s = not_trained(rep, 1, &missing);
    if (s == MOOD_OK)
        s = predict_start(cat, h, hours, rep);
    if (s == MOOD_ENOTFIT)
        s = not_trained(rep, 0, &missing);
    if (s == MOOD_OK && missing == 2)
        s = mood__error(MOOD_ENOTFIT, "predict: no history model is trained: run 'moodscope "
                                      "history retrain' (the next-mood model needs audio "
                                      "features, the session-start model 72 hours of plays)");
    if (s == MOOD_OK) {
        json_object_set_new(rep, "tz", json_string(h->tz ? h->tz : "UTC"));
        *out_json = mood__hist_json_dump(rep);
        if (!*out_json)
            s = mood__enomem("predict");
    }
    json_decref(rep);
    return s;
}
