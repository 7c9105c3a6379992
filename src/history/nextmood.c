/*
 * Next-mood model: XGBoost multi-class (softprob) on the next-mood dataset (datasets.c), the
 * newest share of rows held out, compared with two baselines that need no training beyond
 * counting: repeat the last cluster, and a first-order Markov chain over clusters (transition
 * counts on the training rows, Laplace-smoothed).
 */
#define _POSIX_C_SOURCE 200809L
#include "history_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* k and names of the stored mood model. */
mood_status mood__hist_mood_names(mood_catalog *cat, size_t *out_k, json_t **out_names);

mood_status mood__hist_mood_names(mood_catalog *cat, size_t *out_k, json_t **out_names)
{
    char *text = NULL;
    json_error_t err;
    json_t *j;
    mood_status s = mood__hist_model_load(cat, "moods", &text, NULL, NULL);
    *out_k = 0;
    if (out_names)
        *out_names = NULL;
    if (s != MOOD_OK)
        return s;
    j = json_loads(text, 0, &err);
    mood__free(text);
    if (!j || !json_is_integer(json_object_get(j, "k")))
        return json_decref(j), mood__error(MOOD_EFORMAT, "mood model: expected an integer 'k'");
    *out_k = (size_t)json_integer_value(json_object_get(j, "k"));
    if (out_names)
        *out_names = json_incref(json_object_get(j, "names"));
    json_decref(j);
    return MOOD_OK;
}

static json_t *metrics_json(const int32_t *y, const int32_t *pred, const float *probs, size_t n,
                            size_t k)
{
    json_t *m = json_object();
    json_object_set_new(m, "accuracy", mood__hist_jreal(mood__hist_accuracy(y, pred, n)));
    json_object_set_new(m, "macro_f1", mood__hist_jreal(mood__hist_macro_f1(y, pred, n, k)));
    json_object_set_new(m, "roc_auc_ovr", mood__hist_jreal(mood__hist_ovr_auc(probs, y, n, k)));
    return m;
}

static int32_t argmax(const float *p, size_t k)
{
    size_t b = 0;
    for (size_t c = 1; c < k; c++)
        if (p[c] > p[b])
            b = c;
    return (int32_t)b;
}

/* Test-set predictions of the model and of the two baselines (repeat the last mood; the
 * Laplace-smoothed first-order Markov chain of the training transitions). */
typedef struct nm_eval {
    float *probs, *p_rep, *p_mk; /* n_test×k */
    int32_t *pred, *pred_rep, *pred_mk;
} nm_eval;

static mood_status nm_eval_alloc(nm_eval *e, size_t n_test, size_t k)
{
    e->probs = mood__malloc_array(n_test * k + 1, sizeof *e->probs);
    e->p_rep = mood__calloc(n_test * k + 1, sizeof *e->p_rep);
    e->p_mk = mood__malloc_array(n_test * k + 1, sizeof *e->p_mk);
    e->pred = mood__malloc_array(n_test + 1, sizeof *e->pred);
    e->pred_rep = mood__malloc_array(n_test + 1, sizeof *e->pred_rep);
    e->pred_mk = mood__malloc_array(n_test + 1, sizeof *e->pred_mk);
    if (!e->probs || !e->p_rep || !e->p_mk || !e->pred || !e->pred_rep || !e->pred_mk)
        return mood__enomem("next-mood");
    return MOOD_OK;
}

static void nm_eval_free(nm_eval *e)
{
    mood__free(e->probs);
    mood__free(e->p_rep);
    mood__free(e->p_mk);
    mood__free(e->pred);
    mood__free(e->pred_rep);
    mood__free(e->pred_mk);
}

/* Square-root class-balanced weights: rare moods are not drowned by the common ones
 * (macro-F1), without giving up the accuracy that full balancing costs. */
static mood_status class_weights(const hist_nm_data *ds, size_t n_train, size_t k, float **out)
{
    double *cnt = mood__calloc(k, sizeof *cnt), pw = 0.5;
    float *wt = mood__malloc_array(n_train, sizeof *wt);
    if (!cnt || !wt) {
        mood__free(cnt);
        mood__free(wt);
        return mood__enomem("next-mood");
    }
    for (size_t i = 0; i < n_train; i++)
        cnt[ds->y[i]] += 1;
    for (size_t i = 0; i < n_train; i++)
        wt[i] = (float)pow((double)n_train / ((double)k * cnt[ds->y[i]]), pw);
    mood__free(cnt);
    *out = wt;
    return MOOD_OK;
}

/* The model's picks (from e->probs) and the baselines' on the test rows. */
static void predict_baselines(const hist_nm_data *ds, size_t n_train, size_t n_test, size_t k,
                              const double *trans, nm_eval *e)
{
    for (size_t i = 0; i < n_test; i++) {
        size_t r = n_train + i;
        int32_t last = ds->last[r];
        double tot = 0;
        e->pred[i] = argmax(e->probs + i * k, k);
        e->pred_rep[i] = last;
        e->p_rep[i * k + (size_t)last] = 1.0f;
        for (size_t c = 0; c < k; c++)
            tot += trans[(size_t)last * k + c] + 1.0;
        for (size_t c = 0; c < k; c++)
            e->p_mk[i * k + c] = (float)((trans[(size_t)last * k + c] + 1.0) / tot);
        e->pred_mk[i] = argmax(e->p_mk + i * k, k);
    }
}

/* The report: split, the model's and the baselines' metrics, and whether it beats them. */
static json_t *nm_report(const hist_nm_data *ds, size_t n_train, size_t n_test, size_t k,
                         const nm_eval *e, const mood_history_train_options *o, const hist_xgb *xgb)
{
    const int32_t *yt = ds->y + n_train;
    json_t *mm = metrics_json(yt, e->pred, e->probs, n_test, k);
    json_t *mr = metrics_json(yt, e->pred_rep, e->p_rep, n_test, k);
    json_t *mk = metrics_json(yt, e->pred_mk, e->p_mk, n_test, k);
    double am = json_real_value(json_object_get(mm, "accuracy"));
    double fm = json_real_value(json_object_get(mm, "macro_f1"));
    double um = json_number_value(json_object_get(mm, "roc_auc_ovr"));
    int beats_acc = am > json_real_value(json_object_get(mr, "accuracy")) &&
                    am > json_real_value(json_object_get(mk, "accuracy"));
    int beats_f1 = fm > json_real_value(json_object_get(mr, "macro_f1")) &&
                   fm > json_real_value(json_object_get(mk, "macro_f1"));
    int beats_auc = um > json_number_value(json_object_get(mr, "roc_auc_ovr")) &&
                    um > json_number_value(json_object_get(mk, "roc_auc_ovr"));
    json_t *base = json_object(), *rep = json_object();
    json_object_set_new(rep, "model", json_string("nextmood"));
    json_object_set_new(rep, "k", json_integer((json_int_t)k));
    mood__hist_report_split(rep, ds->n, n_train, n_test, ds->t[n_train], o, xgb);
    json_object_set_new(rep, "xgboost", mm);
    json_object_set_new(base, "repeat_last", mr);
    json_object_set_new(base, "markov", mk);
    json_object_set_new(rep, "baselines", base);
    json_object_set_new(rep, "beats_baselines_accuracy", json_boolean(beats_acc));
    json_object_set_new(rep, "beats_baselines_macro_f1", json_boolean(beats_f1));
    json_object_set_new(rep, "beats_baselines_roc_auc", json_boolean(beats_auc));
    json_object_set_new(rep, "beats_baselines", json_boolean(beats_acc && beats_f1));
    return rep;
}

/* The training examples of the next-mood model: EINVAL below 50. */
static mood_status nm_examples(mood_catalog *cat, const mood_history *h, size_t *out_k,
                               hist_nm_data *ds)
{
    mood_status s = mood__hist_mood_names(cat, out_k, NULL);
    if (s == MOOD_OK)
        s = mood__hist_nm_build(h, *out_k, 0, ds);
    if (s != MOOD_OK)
        return s;
    if (ds->n < 50) {
        size_t n = ds->n;
        mood__hist_nm_free(ds);
        return mood__error(MOOD_EINVAL,
                           "next-mood: %zu examples (clustered plays after a clustered play in "
                           "the same session); at least 50 needed",
                           n);
    }
    return MOOD_OK;
}

mood_status mood_history_nextmood_train(mood_catalog *cat, const mood_history *h,
                                        const mood_history_train_options *o, char **out_json)
{
    mood_history_train_options def;
    hist_nm_data ds;
    size_t k, n_train, n_test;
    float *wt = NULL, *yf = NULL;
    double *trans = NULL;
    nm_eval e;
    hist_xgb *xgb = NULL;
    hist_xgb_params xp;
    json_t *rep = NULL, *meta = NULL;
    mood_status s;
    *out_json = NULL;
    memset(&e, 0, sizeof e);
    o = mood__hist_train_opts(o, &def);
    s = nm_examples(cat, h, &k, &ds);
    if (s != MOOD_OK)
        return s;
    n_train = (size_t)((double)ds.n * (1.0 - o->test_share));
    if (n_train < 1)
        n_train = 1;
    n_test = ds.n - n_train;
    yf = mood__malloc_array(ds.n, sizeof *yf);
    trans = mood__calloc(k * k, sizeof *trans);
    s = nm_eval_alloc(&e, n_test, k);
    if (s == MOOD_OK && (!yf || !trans))
        s = mood__enomem("next-mood");
    if (s != MOOD_OK)
        goto done;
    for (size_t i = 0; i < ds.n; i++)
        yf[i] = (float)ds.y[i];
    /* first-order transitions of the training rows: the Markov baseline, and features */
    for (size_t i = 0; i < n_train; i++)
        if (ds.last[i] >= 0)
            trans[(size_t)ds.last[i] * k + (size_t)ds.y[i]] += 1.0;
    s = mood__hist_nm_add_markov(&ds, trans, n_train);
    mood__hist_xgb_params_init(&xp, o, "multi:softprob", k);
    if (s == MOOD_OK)
        s = class_weights(&ds, n_train, k, &wt);
    xp.weights = wt;
    if (s == MOOD_OK)
        s = mood__hist_xgb_train(&xp, ds.x, yf, n_train, ds.d, &xgb);
    if (s == MOOD_OK)
        s = mood__hist_xgb_predict(xgb, ds.x + n_train * ds.d, n_test, ds.d, e.probs);
    if (s != MOOD_OK)
        goto done;
    predict_baselines(&ds, n_train, n_test, k, trans, &e);
    rep = nm_report(&ds, n_train, n_test, k, &e, o, xgb);
    meta = mood__hist_model_meta(rep, ds.names, ds.d);
    {
        json_t *tc = json_array();
        for (size_t i = 0; i < k * k; i++)
            json_array_append_new(tc, json_real(trans[i]));
        json_object_set_new(meta, "transitions", tc);
    }
    s = mood__hist_model_store(cat, "nextmood", "next-mood", xgb, meta, rep, out_json);
done:
    json_decref(rep);
    json_decref(meta);
    mood__hist_xgb_destroy(xgb);
    mood__hist_nm_free(&ds);
    mood__free(yf);
    mood__free(wt);
    mood__free(trans);
    nm_eval_free(&e);
    return s;
}
