/*
 * A thin wrapper over XGBoost's C API (Debian libxgboost-dev): train gradient-boosted trees
 * on a dense float matrix, predict probabilities, and save/load the model as JSON bytes so
 * that the catalog can keep it. Errors carry XGBGetLastError()'s text.
 */
#define _POSIX_C_SOURCE 200809L
#include "history_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/c_api.h>

struct hist_xgb {
    BoosterHandle booster;
    size_t num_class;
    size_t rounds_used;
};

static mood_status xgb_fail(const char *what)
{
    return mood__error(MOOD_EINTERNAL, "xgboost %s: %s", what, XGBGetLastError());
}

/*
 * Train @p rounds rounds on (x, y, w). With validation rows, stop once the validation loss
 * has not improved for 10 rounds and report the best round count in *best_rounds.
 */
static mood_status train_rounds(const hist_xgb_params *p, const float *x, const float *y,
                                const float *w, size_t n, size_t d, size_t rounds, const float *xv,
                                const float *yv, size_t nv, size_t *best_rounds, hist_xgb **out)
{
    DMatrixHandle dm = NULL, dv = NULL, both[2];
    hist_xgb *m;
    char buf[64];
    mood_status s = MOOD_OK;
    *out = NULL;
    if (n == 0 || d == 0)
        return mood__error(MOOD_EINVAL, "xgboost: no training rows");
    m = mood__calloc(1, sizeof *m);
    if (!m)
        return mood__enomem("xgboost");
    m->num_class = p->num_class;
    if (XGDMatrixCreateFromMat(x, (bst_ulong)n, (bst_ulong)d, NAN, &dm) != 0) {
        s = xgb_fail("matrix");
        goto fail;
    }
    if (XGDMatrixSetFloatInfo(dm, "label", y, (bst_ulong)n) != 0) {
        s = xgb_fail("labels");
        goto fail;
    }
    if (w && XGDMatrixSetFloatInfo(dm, "weight", w, (bst_ulong)n) != 0) {
        s = xgb_fail("weights");
        goto fail;
    }
    /* The validation matrix is handed to the booster too, so that XGBoost keeps its
     * predictions cached and each round's evaluation costs one tree, not all of them. */
    if (xv && (XGDMatrixCreateFromMat(xv, (bst_ulong)nv, (bst_ulong)d, NAN, &dv) != 0 ||
               XGDMatrixSetFloatInfo(dv, "label", yv, (bst_ulong)nv) != 0)) {
        s = xgb_fail("validation matrix");
        goto fail;
    }
    both[0] = dm;
    both[1] = dv;
    if (XGBoosterCreate(both, dv ? 2 : 1, &m->booster) != 0) {
        s = xgb_fail("create");
        goto fail;
    }
    XGBoosterSetParam(m->booster, "objective", p->objective);
    if (p->num_class > 1) {
        snprintf(buf, sizeof buf, "%zu", p->num_class);
        XGBoosterSetParam(m->booster, "num_class", buf);
        XGBoosterSetParam(m->booster, "eval_metric", "mlogloss");
    } else {
        XGBoosterSetParam(m->booster, "eval_metric", "logloss");
    }
    snprintf(buf, sizeof buf, "%d", p->max_depth > 0 ? p->max_depth : 4);
    XGBoosterSetParam(m->booster, "max_depth", buf);
    snprintf(buf, sizeof buf, "%g", p->eta > 0 ? p->eta : 0.2);
    XGBoosterSetParam(m->booster, "eta", buf);
    snprintf(buf, sizeof buf, "%d", p->n_threads > 0 ? p->n_threads : 2);
    XGBoosterSetParam(m->booster, "nthread", buf);
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)(p->seed % 2147483647ULL));
    XGBoosterSetParam(m->booster, "seed", buf);
    XGBoosterSetParam(m->booster, "tree_method", "hist");
    XGBoosterSetParam(m->booster, "verbosity", "0");
    /* Listening logs are small and noisy: leaves need a few examples, and row and column
     * subsampling (seeded, so deterministic) keeps the trees from memorising sessions. */
    XGBoosterSetParam(m->booster, "min_child_weight", "5");
    XGBoosterSetParam(m->booster, "subsample", "0.8");
    XGBoosterSetParam(m->booster, "colsample_bytree", "0.8");
    {
        size_t since_best = 0;
        double best = HUGE_VAL;
        if (best_rounds)
            *best_rounds = rounds;
        for (size_t r = 0; r < rounds; r++) {
            if ((s = mood__progress(p->progress, p->progress_user, "xgboost", (double)r,
                                    (double)rounds)) != MOOD_OK)
                break;
            if (XGBoosterUpdateOneIter(m->booster, (int)r, dm) != 0) {
                s = xgb_fail("training");
                break;
            }
            if (dv) {
                const char *names[1] = {"val"}, *res = NULL, *colon;
                double loss;
                if (XGBoosterEvalOneIter(m->booster, (int)r, &dv, names, 1, &res) != 0 || !res ||
                    !(colon = strchr(res, ':'))) {
                    s = xgb_fail("evaluation");
                    break;
                }
                loss = strtod(colon + 1, NULL);
                if (loss < best - 1e-6) {
                    best = loss;
                    since_best = 0;
                    *best_rounds = r + 1;
                } else if (++since_best >= 10) {
                    break;
                }
            }
        }
        if (s != MOOD_OK)
            goto fail;
    }
    m->rounds_used = rounds;
    XGDMatrixFree(dm);
    if (dv)
        XGDMatrixFree(dv);
    *out = m;
    return MOOD_OK;
fail:
    if (dm)
        XGDMatrixFree(dm);
    if (dv)
        XGDMatrixFree(dv);
    mood__hist_xgb_destroy(m);
    return s;
}

mood_status mood__hist_xgb_train(const hist_xgb_params *p, const float *x, const float *y, size_t n,
                                 size_t d, hist_xgb **out)
{
    size_t n_val = (size_t)((double)n * p->valid_share), best = p->rounds;
    hist_xgb *probe = NULL;
    mood_status s;
    *out = NULL;
    if (p->valid_share <= 0 || n_val < 30 || n - n_val < 30)
        return train_rounds(p, x, y, p->weights, n, d, p->rounds, NULL, NULL, 0, NULL, out);
    /* Early stopping: the newest rows of the training part pick the number of rounds, then
     * the model is refitted on every training row with that many rounds. */
    s = train_rounds(p, x, y, p->weights, n - n_val, d, p->rounds, x + (n - n_val) * d,
                     y + (n - n_val), n_val, &best, &probe);
    mood__hist_xgb_destroy(probe);
    if (s != MOOD_OK)
        return s;
    return train_rounds(p, x, y, p->weights, n, d, best ? best : 1, NULL, NULL, 0, NULL, out);
}

size_t mood__hist_xgb_rounds(const hist_xgb *m)
{
    return m->rounds_used;
}

mood_status mood__hist_xgb_predict(hist_xgb *m, const float *x, size_t n, size_t d, float *out)
{
    DMatrixHandle dm = NULL;
    bst_ulong len = 0;
    const float *res = NULL;
    size_t want = n * (m->num_class > 1 ? m->num_class : 1);
    if (n == 0)
        return MOOD_OK;
    if (XGDMatrixCreateFromMat(x, (bst_ulong)n, (bst_ulong)d, NAN, &dm) != 0)
        return xgb_fail("matrix");
    if (XGBoosterPredict(m->booster, dm, 0, 0, 0, &len, &res) != 0) {
        XGDMatrixFree(dm);
        return xgb_fail("predict");
    }
    if ((size_t)len != want) {
        XGDMatrixFree(dm);
        return mood__error(MOOD_EDIM, "xgboost predict: expected %zu values, got %zu", want,
                           (size_t)len);
    }
    memcpy(out, res, want * sizeof *out);
    XGDMatrixFree(dm);
    return MOOD_OK;
}

mood_status mood__hist_xgb_save(hist_xgb *m, char **out_buf, size_t *out_len)
{
    bst_ulong len = 0;
    const char *buf = NULL;
    *out_buf = NULL;
    *out_len = 0;
    if (XGBoosterSaveModelToBuffer(m->booster, "{\"format\": \"json\"}", &len, &buf) != 0)
        return xgb_fail("save");
    *out_buf = mood__malloc((size_t)len + 1);
    if (!*out_buf)
        return mood__enomem("xgboost save");
    memcpy(*out_buf, buf, (size_t)len);
    (*out_buf)[len] = '\0';
    *out_len = (size_t)len;
    return MOOD_OK;
}

mood_status mood__hist_xgb_load(const void *buf, size_t len, hist_xgb **out)
{
    hist_xgb *m = mood__calloc(1, sizeof *m);
    bst_ulong olen = 0;
    const char *cfg = NULL;
    *out = NULL;
    if (!m)
        return mood__enomem("xgboost load");
    if (XGBoosterCreate(NULL, 0, &m->booster) != 0 ||
        XGBoosterLoadModelFromBuffer(m->booster, buf, (bst_ulong)len) != 0) {
        mood_status s = xgb_fail("load");
        mood__hist_xgb_destroy(m);
        return s;
    }
    XGBoosterSetParam(m->booster, "nthread", "1");
    /* The number of classes lives in the learner's configuration. */
    m->num_class = 1;
    if (XGBoosterSaveJsonConfig(m->booster, &olen, &cfg) == 0 && cfg) {
        json_error_t err;
        json_t *j = json_loadb(cfg, (size_t)olen, 0, &err);
        json_t *nc = j ? json_object_get(
                             json_object_get(json_object_get(j, "learner"), "learner_model_param"),
                             "num_class")
                       : NULL;
        if (json_is_string(nc))
            m->num_class = (size_t)strtoul(json_string_value(nc), NULL, 10);
        if (m->num_class < 1)
            m->num_class = 1;
        json_decref(j);
    }
    *out = m;
    return MOOD_OK;
}

void mood__hist_xgb_destroy(hist_xgb *m)
{
    if (!m)
        return;
    if (m->booster)
        XGBoosterFree(m->booster);
    mood__free(m);
}
