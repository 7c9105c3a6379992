/*
 * Session-start model: XGBoost binary (logistic) on the hourly session-start dataset
 * (datasets.c), newest share of hours held out. Ranked events are rare (a few hours a day),
 * so PR-AUC (average precision) comes first, then ROC-AUC, F1 at thresholds 0.1..0.9,
 * expected calibration error and the same scores per daypart (night 0-5, morning 6-11,
 * afternoon 12-17, evening 18-23, local time). Baselines: always-no (score 0) and the
 * historical rate of session starts at each hour of the week on the training hours.
 */
#define _POSIX_C_SOURCE 200809L
#include "history_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const dayparts[4] = {"night", "morning", "afternoon", "evening"};

static json_t *binary_metrics(const float *p, const uint8_t *y, const int8_t *hod, size_t n)
{
    json_t *m = json_object(), *f1 = json_object(), *dp = json_object();
    double pos = 0;
    for (size_t i = 0; i < n; i++)
        pos += y[i] != 0;
    json_object_set_new(m, "pr_auc", mood__hist_jreal(mood__hist_pr_auc(p, y, n)));
    json_object_set_new(m, "roc_auc", mood__hist_jreal(mood__hist_roc_auc(p, y, n)));
    for (int t = 1; t <= 9; t++) {
        char key[8];
        snprintf(key, sizeof key, "%.1f", t / 10.0);
        json_object_set_new(f1, key, json_real(mood__hist_f1_at(p, y, n, t / 10.0)));
    }
    json_object_set_new(m, "f1_at", f1);
    json_object_set_new(m, "calibration_error", mood__hist_jreal(mood__hist_ece(p, y, n, 10)));
    json_object_set_new(m, "positive_rate", mood__hist_jreal(n ? pos / (double)n : HIST_DNAN));
    for (int part = 0; part < 4; part++) {
        float *pp = mood__malloc_array(n ? n : 1, sizeof *pp);
        uint8_t *yy = mood__malloc_array(n ? n : 1, 1);
        size_t m2 = 0, ppos = 0;
        json_t *o = json_object();
        if (pp && yy)
            for (size_t i = 0; i < n; i++)
                if (hod[i] / 6 == part) {
                    pp[m2] = p[i];
                    yy[m2] = y[i];
                    ppos += y[i] != 0;
                    m2++;
                }
        json_object_set_new(o, "hours", json_integer((json_int_t)m2));
        json_object_set_new(o, "sessions", json_integer((json_int_t)ppos));
        json_object_set_new(o, "pr_auc", mood__hist_jreal(mood__hist_pr_auc(pp, yy, m2)));
        json_object_set_new(o, "roc_auc", mood__hist_jreal(mood__hist_roc_auc(pp, yy, m2)));
        json_object_set_new(dp, dayparts[part], o);
        mood__free(pp);
        mood__free(yy);
    }
    json_object_set_new(m, "dayparts", dp);
    return m;
}

mood_status mood_history_sessionstart_train(mood_catalog *cat, const mood_history *h,
                                            const mood_history_train_options *o, char **out_json)
{
    mood_history_train_options def;
    hist_ss_data ds;
    size_t n_train, n_test;
    float *yf = NULL, *p = NULL, *p_no = NULL, *p_how = NULL;
    double rate_pos[168] = {0}, rate_n[168] = {0};
    hist_xgb *xgb = NULL;
    hist_xgb_params xp;
    json_t *rep = NULL, *meta = NULL;
    mood_status s;
    *out_json = NULL;
    o = mood__hist_train_opts(o, &def);
    if ((s = mood__hist_ss_build(h, 0, &ds)) != MOOD_OK)
        return s;
    n_train = (size_t)((double)ds.n * (1.0 - o->test_share));
    n_test = ds.n - n_train;
    if (n_train < 48 || n_test < 24) {
        size_t n = ds.n;
        mood__hist_ss_free(&ds);
        return mood__error(MOOD_EINVAL, "session-start: %zu hours of history; at least 72 needed",
                           n);
    }
    yf = mood__malloc_array(ds.n, sizeof *yf);
    p = mood__malloc_array(n_test, sizeof *p);
    p_no = mood__calloc(n_test, sizeof *p_no);
    p_how = mood__malloc_array(n_test, sizeof *p_how);
    if (!yf || !p || !p_no || !p_how) {
        s = mood__enomem("session-start");
        goto done;
    }
    for (size_t i = 0; i < ds.n; i++)
        yf[i] = (float)ds.y[i];
    mood__hist_xgb_params_init(&xp, o, "binary:logistic", 1);
    if ((s = mood__hist_xgb_train(&xp, ds.x, yf, n_train, ds.d, &xgb)) != MOOD_OK)
        goto done;
    if ((s = mood__hist_xgb_predict(xgb, ds.x + n_train * ds.d, n_test, ds.d, p)) != MOOD_OK)
        goto done;
    for (size_t i = 0; i < n_train; i++) {
        rate_n[ds.how[i]] += 1;
        rate_pos[ds.how[i]] += ds.y[i];
    }
    for (size_t i = 0; i < n_test; i++) {
        size_t w = ds.how[n_train + i];
        p_how[i] = rate_n[w] > 0 ? (float)(rate_pos[w] / rate_n[w]) : 0.0f;
    }
    {
        const uint8_t *yt = ds.y + n_train;
        const int8_t *hod = ds.hod + n_train;
        json_t *mm = binary_metrics(p, yt, hod, n_test);
        json_t *mno = binary_metrics(p_no, yt, hod, n_test);
        json_t *mhw = binary_metrics(p_how, yt, hod, n_test);
        double pm = json_number_value(json_object_get(mm, "pr_auc"));
        double pn = json_number_value(json_object_get(mno, "pr_auc"));
        double ph = json_number_value(json_object_get(mhw, "pr_auc"));
        json_t *base = json_object();
        rep = json_object();
        json_object_set_new(rep, "model", json_string("sessionstart"));
        mood__hist_report_split(rep, ds.n, n_train, n_test, ds.hour_t[n_train], o, xgb);
        json_object_set_new(rep, "xgboost", mm);
        json_object_set_new(base, "always_no", mno);
        json_object_set_new(base, "hour_of_week_rate", mhw);
        json_object_set_new(rep, "baselines", base);
        json_object_set_new(rep, "beats_baselines", json_boolean(pm > pn && pm > ph));
        meta = mood__hist_model_meta(rep, ds.names, ds.d);
    }
    s = mood__hist_model_store(cat, "sessionstart", "session-start", xgb, meta, rep, out_json);
done:
    json_decref(rep);
    json_decref(meta);
    mood__hist_xgb_destroy(xgb);
    mood__hist_ss_free(&ds);
    mood__free(yf);
    mood__free(p);
    mood__free(p_no);
    mood__free(p_how);
    return s;
}
