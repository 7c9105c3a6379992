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

mood_status mood_history_nextmood_train(mood_catalog *cat, const mood_history *h,
                                        const mood_history_train_options *o, char **out_json)
{
    mood_history_train_options def;
    hist_nm_data ds;
    size_t k, n_train, n_test;
    float *wt = NULL, *yf = NULL, *probs = NULL, *p_rep = NULL, *p_mk = NULL;
    int32_t *pred = NULL, *pred_rep = NULL, *pred_mk = NULL;
    double *trans = NULL;
    hist_xgb *xgb = NULL;
    hist_xgb_params xp;
    json_t *rep = NULL, *meta = NULL;
    mood_status s;
    *out_json = NULL;
    o = mood__hist_train_opts(o, &def);
    if ((s = mood__hist_mood_names(cat, &k, NULL)) != MOOD_OK)
        return s;
    if ((s = mood__hist_nm_build(h, k, 0, &ds)) != MOOD_OK)
        return s;
    if (ds.n < 50) {
        size_t n = ds.n;
        mood__hist_nm_free(&ds);
        return mood__error(MOOD_EINVAL,
                           "next-mood: %zu examples (clustered plays after a clustered play in "
                           "the same session); at least 50 needed",
                           n);
    }
    n_train = (size_t)((double)ds.n * (1.0 - o->test_share));
    if (n_train < 1)
        n_train = 1;
    n_test = ds.n - n_train;
    yf = mood__malloc_array(ds.n, sizeof *yf);
    probs = mood__malloc_array(n_test * k + 1, sizeof *probs);
    p_rep = mood__calloc(n_test * k + 1, sizeof *p_rep);
    p_mk = mood__malloc_array(n_test * k + 1, sizeof *p_mk);
    pred = mood__malloc_array(n_test + 1, sizeof *pred);
    pred_rep = mood__malloc_array(n_test + 1, sizeof *pred_rep);
    pred_mk = mood__malloc_array(n_test + 1, sizeof *pred_mk);
    trans = mood__calloc(k * k, sizeof *trans);
    if (!yf || !probs || !p_rep || !p_mk || !pred || !pred_rep || !pred_mk || !trans) {
        s = mood__enomem("next-mood");
        goto done;
    }
    for (size_t i = 0; i < ds.n; i++)
        yf[i] = (float)ds.y[i];
    /* first-order transitions of the training rows: the Markov baseline, and features */
    for (size_t i = 0; i < n_train; i++)
        if (ds.last[i] >= 0)
            trans[(size_t)ds.last[i] * k + (size_t)ds.y[i]] += 1.0;
    if ((s = mood__hist_nm_add_markov(&ds, trans, n_train)) != MOOD_OK)
        goto done;
    mood__hist_xgb_params_init(&xp, o, "multi:softprob", k);
    {
        /* Square-root class-balanced weights: rare moods are not drowned by the common ones
         * (macro-F1), without giving up the accuracy that full balancing costs. */
        double *cnt = mood__calloc(k, sizeof *cnt), pw = 0.5;
        wt = mood__malloc_array(n_train, sizeof *wt);
        if (!cnt || !wt) {
            mood__free(cnt);
            s = mood__enomem("next-mood");
            goto done;
        }
        for (size_t i = 0; i < n_train; i++)
            cnt[ds.y[i]] += 1;
        for (size_t i = 0; i < n_train; i++)
            wt[i] = (float)pow((double)n_train / ((double)k * cnt[ds.y[i]]), pw);
        mood__free(cnt);
        xp.weights = wt;
    }
    if ((s = mood__hist_xgb_train(&xp, ds.x, yf, n_train, ds.d, &xgb)) != MOOD_OK)
        goto done;
    if ((s = mood__hist_xgb_predict(xgb, ds.x + n_train * ds.d, n_test, ds.d, probs)) != MOOD_OK)
        goto done;
    /* baselines */
    for (size_t i = 0; i < n_test; i++) {
        size_t r = n_train + i;
        int32_t last = ds.last[r];
        double tot = 0;
        pred[i] = argmax(probs + i * k, k);
        pred_rep[i] = last;
        p_rep[i * k + (size_t)last] = 1.0f;
        for (size_t c = 0; c < k; c++)
            tot += trans[(size_t)last * k + c] + 1.0;
        for (size_t c = 0; c < k; c++)
            p_mk[i * k + c] = (float)((trans[(size_t)last * k + c] + 1.0) / tot);
        pred_mk[i] = argmax(p_mk + i * k, k);
    }
    {
        const int32_t *yt = ds.y + n_train;
        json_t *mm = metrics_json(yt, pred, probs, n_test, k);
        json_t *mr = metrics_json(yt, pred_rep, p_rep, n_test, k);
        json_t *mk = metrics_json(yt, pred_mk, p_mk, n_test, k);
        double am = json_real_value(json_object_get(mm, "accuracy"));
        double fm = json_real_value(json_object_get(mm, "macro_f1"));
        int beats_acc = am > json_real_value(json_object_get(mr, "accuracy")) &&
                        am > json_real_value(json_object_get(mk, "accuracy"));
        int beats_f1 = fm > json_real_value(json_object_get(mr, "macro_f1")) &&
                       fm > json_real_value(json_object_get(mk, "macro_f1"));
        json_t *base = json_object();
        rep = json_object();
        json_object_set_new(rep, "model", json_string("nextmood"));
        json_object_set_new(rep, "k", json_integer((json_int_t)k));
        mood__hist_report_split(rep, ds.n, n_train, n_test, ds.t[n_train], o, xgb);
        json_object_set_new(rep, "xgboost", mm);
        json_object_set_new(base, "repeat_last", mr);
        json_object_set_new(base, "markov", mk);
        json_object_set_new(rep, "baselines", base);
        json_object_set_new(rep, "beats_baselines_accuracy", json_boolean(beats_acc));
        json_object_set_new(rep, "beats_baselines_macro_f1", json_boolean(beats_f1));
        {
            double um = json_number_value(json_object_get(mm, "roc_auc_ovr"));
            json_object_set_new(
                rep, "beats_baselines_roc_auc",
                json_boolean(um > json_number_value(json_object_get(mr, "roc_auc_ovr")) &&
                             um > json_number_value(json_object_get(mk, "roc_auc_ovr"))));
        }
        json_object_set_new(rep, "beats_baselines", json_boolean(beats_acc && beats_f1));
        meta = mood__hist_model_meta(rep, ds.names, ds.d);
        {
            json_t *tc = json_array();
            for (size_t i = 0; i < k * k; i++)
                json_array_append_new(tc, json_real(trans[i]));
            json_object_set_new(meta, "transitions", tc);
        }
    }
    s = mood__hist_model_store(cat, "nextmood", "next-mood", xgb, meta, rep, out_json);
done:
    json_decref(rep);
    json_decref(meta);
    mood__hist_xgb_destroy(xgb);
    mood__hist_nm_free(&ds);
    mood__free(yf);
    mood__free(wt);
    mood__free(probs);
    mood__free(p_rep);
    mood__free(p_mk);
    mood__free(pred);
    mood__free(pred_rep);
    mood__free(pred_mk);
    mood__free(trans);
    return s;
}
