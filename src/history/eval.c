/*
 * Evaluation of the history models: accuracy, macro-F1, ROC-AUC (binary and one-vs-rest),
 * average precision (PR-AUC), F1 at a threshold, expected calibration error, and the
 * population stability index and entropy used by drift. Definitions follow scikit-learn
 * (roc_auc_score with tied scores averaged, average_precision_score, f1_score(average="macro")
 * over the labels present in truth or prediction).
 */
#define _POSIX_C_SOURCE 200809L
#include "history_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double mood__hist_accuracy(const int32_t *y, const int32_t *pred, size_t n)
{
    size_t ok = 0;
    if (n == 0)
        return HIST_DNAN;
    for (size_t i = 0; i < n; i++)
        ok += y[i] == pred[i];
    return (double)ok / (double)n;
}

double mood__hist_macro_f1(const int32_t *y, const int32_t *pred, size_t n, size_t k)
{
    double sum = 0;
    size_t used = 0;
    if (n == 0 || k == 0)
        return HIST_DNAN;
    for (size_t c = 0; c < k; c++) {
        size_t tp = 0, fp = 0, fn = 0;
        for (size_t i = 0; i < n; i++) {
            int yt = y[i] == (int32_t)c, yp = pred[i] == (int32_t)c;
            tp += yt && yp;
            fp += !yt && yp;
            fn += yt && !yp;
        }
        if (tp + fp + fn == 0)
            continue; /* label absent from both: not part of the average */
        sum += 2.0 * (double)tp / (double)(2 * tp + fp + fn);
        used++;
    }
    return used ? sum / (double)used : HIST_DNAN;
}

typedef struct scored {
    float s;
    uint8_t y;
} scored;

static int cmp_desc(const void *a, const void *b)
{
    float x = ((const scored *)a)->s, z = ((const scored *)b)->s;
    return x > z ? -1 : x < z;
}

static double count_pos(const uint8_t *y, size_t n)
{
    double pos = 0;
    for (size_t i = 0; i < n; i++)
        pos += y[i] != 0;
    return pos;
}

static scored *sorted_desc(const float *score, const uint8_t *y, size_t n)
{
    scored *v = mood__malloc_array(n ? n : 1, sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        v[i].s = score[i];
        v[i].y = y[i];
    }
    qsort(v, n, sizeof *v, cmp_desc);
    return v;
}

double mood__hist_roc_auc(const float *score, const uint8_t *y, size_t n)
{
    scored *v;
    double pos = count_pos(y, n), neg = 0, rank_sum = 0;
    neg = (double)n - pos;
    if (pos == 0 || neg == 0)
        return HIST_DNAN;
    v = sorted_desc(score, y, n);
    if (!v)
        return HIST_DNAN;
    /* Mann-Whitney U with average ranks (ascending ranks: the last element has rank 1). */
    for (size_t i = 0; i < n;) {
        size_t j = i;
        double npos = 0;
        while (j < n && v[j].s == v[i].s) {
            npos += v[j].y != 0;
            j++;
        }
        /* ranks ascending: element at sorted position p has rank n - p */
        double avg_rank = ((double)(n - i) + (double)(n - j + 1)) / 2.0;
        rank_sum += npos * avg_rank;
        i = j;
    }
    mood__free(v);
    return (rank_sum - pos * (pos + 1) / 2.0) / (pos * neg);
}

double mood__hist_pr_auc(const float *score, const uint8_t *y, size_t n)
{
    scored *v;
    double pos = count_pos(y, n), tp = 0, seen = 0, prev_recall = 0, ap = 0;
    if (pos == 0)
        return HIST_DNAN;
    v = sorted_desc(score, y, n);
    if (!v)
        return HIST_DNAN;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && v[j].s == v[i].s) {
            tp += v[j].y != 0;
            seen += 1;
            j++;
        }
        double recall = tp / pos, precision = tp / seen;
        ap += (recall - prev_recall) * precision;
        prev_recall = recall;
        i = j;
    }
    mood__free(v);
    return ap;
}

double mood__hist_ovr_auc(const float *probs, const int32_t *y, size_t n, size_t k)
{
    float *s = mood__malloc_array(n ? n : 1, sizeof *s);
    uint8_t *b = mood__malloc_array(n ? n : 1, 1);
    double sum = 0;
    size_t used = 0;
    if (!s || !b) {
        mood__free(s);
        mood__free(b);
        return HIST_DNAN;
    }
    for (size_t c = 0; c < k; c++) {
        for (size_t i = 0; i < n; i++) {
            s[i] = probs[i * k + c];
            b[i] = y[i] == (int32_t)c;
        }
        double a = mood__hist_roc_auc(s, b, n);
        if (isfinite(a)) {
            sum += a;
            used++;
        }
    }
    mood__free(s);
    mood__free(b);
    return used ? sum / (double)used : HIST_DNAN;
}

double mood__hist_ece(const float *p, const uint8_t *y, size_t n, size_t bins)
{
    double ece = 0;
    if (n == 0 || bins == 0)
        return HIST_DNAN;
    for (size_t b = 0; b < bins; b++) {
        double lo = (double)b / (double)bins, hi = (double)(b + 1) / (double)bins;
        double sp = 0, sy = 0;
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            double v = (double)p[i];
            if (v >= lo && (v < hi || (b + 1 == bins && v <= hi))) {
                sp += v;
                sy += y[i] != 0;
                m++;
            }
        }
        if (m)
            ece += (double)m / (double)n * fabs(sp / (double)m - sy / (double)m);
    }
    return ece;
}

double mood__hist_f1_at(const float *p, const uint8_t *y, size_t n, double thr)
{
    size_t tp = 0, fp = 0, fn = 0;
    for (size_t i = 0; i < n; i++) {
        int yp = (double)p[i] >= thr, yt = y[i] != 0;
        tp += yt && yp;
        fp += !yt && yp;
        fn += yt && !yp;
    }
    if (2 * tp + fp + fn == 0)
        return 0.0;
    return 2.0 * (double)tp / (double)(2 * tp + fp + fn);
}

double mood__hist_psi(const double *expected, const double *actual, size_t k)
{
    double psi = 0;
    for (size_t i = 0; i < k; i++) {
        double e = fmax(expected[i], 1e-4), a = fmax(actual[i], 1e-4);
        psi += (a - e) * log(a / e);
    }
    return psi;
}

double mood__hist_entropy(const double *counts, size_t k)
{
    double total = 0, h = 0;
    for (size_t i = 0; i < k; i++)
        total += counts[i];
    if (total <= 0)
        return HIST_DNAN;
    for (size_t i = 0; i < k; i++)
        if (counts[i] > 0) {
            double q = counts[i] / total;
            h -= q * log2(q);
        }
    return h;
}
