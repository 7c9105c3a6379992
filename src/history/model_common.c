/*
 * Plumbing shared by the history models (moods.c, nextmood.c, sessionstart.c): default training
 * options, XGBoost parameters from them, the split description at the head of a report, the
 * model metadata (report plus feature names), and storing the booster with its metadata.
 * Kept in one place so that the models describe and store themselves the same way.
 */
#define _POSIX_C_SOURCE 200809L
#include "history_internal.h"

#include <string.h>

const mood_history_train_options *mood__hist_train_opts(const mood_history_train_options *o,
                                                        mood_history_train_options *def)
{
    if (o)
        return o;
    mood_history_train_options_default(def);
    return def;
}

void mood__hist_xgb_params_init(hist_xgb_params *xp, const mood_history_train_options *o,
                                const char *objective, size_t num_class)
{
    memset(xp, 0, sizeof *xp);
    xp->objective = objective;
    xp->num_class = num_class;
    xp->rounds = o->rounds;
    xp->max_depth = o->max_depth;
    xp->eta = o->eta;
    xp->n_threads = o->n_threads;
    xp->seed = o->seed;
    xp->progress = o->progress;
    xp->progress_user = o->progress_user;
    xp->valid_share = 0.15;
}

void mood__hist_report_split(json_t *rep, size_t n, size_t n_train, size_t n_test,
                             int64_t test_from_utc, const mood_history_train_options *o,
                             const hist_xgb *xgb)
{
    char t0[32];
    json_object_set_new(rep, "rows", json_integer((json_int_t)n));
    json_object_set_new(rep, "train_rows", json_integer((json_int_t)n_train));
    json_object_set_new(rep, "test_rows", json_integer((json_int_t)n_test));
    mood__utc_format(test_from_utc, t0, sizeof t0);
    json_object_set_new(rep, "test_from_utc", json_string(t0));
    json_object_set_new(rep, "max_rounds", json_integer((json_int_t)o->rounds));
    json_object_set_new(rep, "rounds", json_integer((json_int_t)mood__hist_xgb_rounds(xgb)));
}

json_t *mood__hist_model_meta(const json_t *rep, char *const *names, size_t d)
{
    json_t *feats = json_array();
    json_t *meta = json_deep_copy(rep);
    for (size_t j = 0; j < d; j++)
        json_array_append_new(feats, json_string(names[j]));
    json_object_set_new(meta, "features", feats);
    return meta;
}

mood_status mood__hist_model_store(mood_catalog *cat, const char *name, const char *what,
                                   hist_xgb *xgb, const json_t *meta, const json_t *rep,
                                   char **out_json)
{
    char *booster = NULL, *meta_text = NULL;
    size_t booster_len = 0;
    mood_status s;
    *out_json = NULL;
    if ((s = mood__hist_xgb_save(xgb, &booster, &booster_len)) != MOOD_OK)
        goto done;
    meta_text = mood__hist_json_dump(meta);
    *out_json = mood__hist_json_dump(rep);
    if (!meta_text || !*out_json) {
        s = mood__enomem(what);
        goto done;
    }
    s = mood__hist_model_save(cat, name, meta_text, booster, booster_len);
done:
    if (s != MOOD_OK) {
        mood__free(*out_json);
        *out_json = NULL;
    }
    mood__free(booster);
    mood__free(meta_text);
    return s;
}
