/*
 * Label make-up of groups: given a column of known labels (Genre, a tag), count the labels in
 * each group, rank them, name each group after its dominant labels and score the grouping
 * against the labels (purity, NMI, ARI from metrics.h).
 *
 * Labels are mapped to dense ids by mood_labels_encode (a hash map over the strings); the
 * (group, label) pairs of all rows are then sorted and run-length counted. That costs
 * O(n log n) time and O(n) memory whatever the number of distinct labels, whereas a k×labels
 * count matrix would explode when a column of near-unique values (track ids) is passed.
 */
#include "describe_internal.h"

#include "../core/internal.h"

#include <moodscope/describe.h>
#include <moodscope/fileio.h>
#include <moodscope/metrics.h>

#include <stdlib.h>
#include <string.h>

#define NONE_LABEL "(none)"
/* A single label names its group when it holds at least this share of the group. */
#define DOMINANT_SHARE 0.5

typedef struct label_count {
    size_t label; /* index into lp->labels */
    size_t count;
    const char *text; /* lp->labels[label], for sorting without global state */
} label_count;

struct mood_label_profile {
    size_t k, n_labels, n_used;
    char **labels;        /* n_labels distinct label strings */
    size_t *sizes;        /* k rows per group */
    size_t *start;        /* k+1 offsets into entries */
    label_count *entries; /* per group, most frequent first */
    char **names;         /* k */
    double purity, nmi, ari;
};

void mood_label_profile_destroy(mood_label_profile *lp)
{
    if (!lp)
        return;
    for (size_t i = 0; lp->labels && i < lp->n_labels; i++)
        mood__free(lp->labels[i]);
    for (size_t c = 0; lp->names && c < lp->k; c++)
        mood__free(lp->names[c]);
    mood__free(lp->labels);
    mood__free(lp->names);
    mood__free(lp->sizes);
    mood__free(lp->start);
    mood__free(lp->entries);
    mood__free(lp);
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Labels inside a group: more rows first, then alphabetical, so the order is reproducible. */
static int cmp_entry(const void *a, const void *b)
{
    const label_count *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->text, y->text);
}

/* "Rock" when it holds half the group or more, else "Rock / Pop" for the top two. */
static mood_status name_group(mood_label_profile *lp, size_t c)
{
    size_t n = lp->start[c + 1] - lp->start[c];
    const label_count *e = lp->entries + lp->start[c];
    char buf[1024];
    if (n == 0)
        snprintf(buf, sizeof buf, "(empty)");
    else if (n == 1 || (double)e[0].count >= DOMINANT_SHARE * (double)lp->sizes[c])
        snprintf(buf, sizeof buf, "%s", lp->labels[e[0].label]);
    else
        snprintf(buf, sizeof buf, "%s / %s", lp->labels[e[0].label], lp->labels[e[1].label]);
    lp->names[c] = mood__strdup(buf);
    return lp->names[c] ? MOOD_OK : mood__enomem("label profile");
}

static mood_status compute_scores(mood_label_profile *lp, const int32_t *ids, const int32_t *groups,
                                  size_t n)
{
    int32_t *pred = mood__malloc_array(lp->n_used, sizeof *pred);
    int32_t *truth = mood__malloc_array(lp->n_used, sizeof *truth);
    mood_status s = MOOD_OK;
    size_t m = 0;
    if (!pred || !truth) {
        s = mood__enomem("label profile");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (groups[i] < 0)
            continue;
        pred[m] = groups[i];
        truth[m] = ids[i];
        m++;
    }
    s = mood_purity(pred, truth, m, &lp->purity);
    if (s == MOOD_OK)
        s = mood_nmi(pred, truth, m, &lp->nmi);
    if (s == MOOD_OK)
        s = mood_ari(pred, truth, m, &lp->ari);
    if (s != MOOD_OK)
        s = mood__error_context(s, "label profile");
done:
    mood__free(pred);
    mood__free(truth);
    return s;
}

mood_status mood_label_profile_compute(const char *const *label_values, const int32_t *groups,
                                       size_t n, size_t k, mood_label_profile **out)
{
    mood_label_profile *lp = NULL;
    const char **vals = NULL;
    int32_t *ids = NULL;
    size_t *keys = NULL;
    mood_status s = MOOD_OK;
    if (!out)
        return mood__error(MOOD_EINVAL, "label profile: out is NULL");
    *out = NULL;
    if (n == 0 || k == 0)
        return mood__error(MOOD_EINVAL, "label profile: no %s",
                           n == 0 ? "rows (n=0)" : "groups (k=0)");
    if (!label_values || !groups)
        return mood__error(MOOD_EINVAL, "label profile: %s is NULL",
                           !label_values ? "label_values" : "groups");
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        if (groups[i] < -1 || (groups[i] >= 0 && (size_t)groups[i] >= k))
            return mood__error(MOOD_EINVAL, "label profile: groups[%zu]=%d outside -1..%zu", i,
                               (int)groups[i], k - 1);
        used += groups[i] >= 0;
    }
    if (used == 0)
        return mood__error(MOOD_EINVAL, "label profile: every row is noise (group -1)");

    lp = mood__calloc(1, sizeof *lp);
    vals = mood__malloc_array(n, sizeof *vals);
    ids = mood__malloc_array(n, sizeof *ids);
    keys = mood__malloc_array(used, sizeof *keys);
    if (!lp || !vals || !ids || !keys) {
        s = mood__enomem("label profile");
        goto fail;
    }
    lp->k = k;
    lp->n_used = used;
    for (size_t i = 0; i < n; i++)
        vals[i] = label_values[i] && label_values[i][0] ? label_values[i] : NONE_LABEL;
    s = mood_labels_encode(vals, n, ids, &lp->labels, &lp->n_labels);
    if (s != MOOD_OK) {
        s = mood__error_context(s, "label profile");
        goto fail;
    }
    lp->sizes = mood__calloc(k, sizeof *lp->sizes);
    lp->start = mood__calloc(k + 1, sizeof *lp->start);
    lp->names = mood__calloc(k, sizeof *lp->names);
    lp->entries = mood__malloc_array(used, sizeof *lp->entries);
    if (!lp->sizes || !lp->start || !lp->names || !lp->entries) {
        s = mood__enomem("label profile");
        goto fail;
    }
    /* key = group·L + label orders the pairs by group, then label id. */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (groups[i] < 0)
            continue;
        keys[m++] = (size_t)groups[i] * lp->n_labels + (size_t)ids[i];
        lp->sizes[groups[i]]++;
    }
    qsort(keys, used, sizeof *keys, cmp_size);
    size_t ne = 0;
    for (size_t i = 0; i < used;) {
        size_t j = i;
        while (j < used && keys[j] == keys[i])
            j++;
        size_t g = keys[i] / lp->n_labels;
        lp->entries[ne].label = keys[i] % lp->n_labels;
        lp->entries[ne].count = j - i;
        lp->entries[ne].text = lp->labels[lp->entries[ne].label];
        lp->start[g + 1]++;
        ne++;
        i = j;
    }
    for (size_t c = 0; c < k; c++)
        lp->start[c + 1] += lp->start[c];
    for (size_t c = 0; c < k; c++)
        qsort(lp->entries + lp->start[c], lp->start[c + 1] - lp->start[c], sizeof *lp->entries,
              cmp_entry);
    for (size_t c = 0; c < k; c++) {
        s = name_group(lp, c);
        if (s != MOOD_OK)
            goto fail;
    }
    s = compute_scores(lp, ids, groups, n);
    if (s != MOOD_OK)
        goto fail;
    mood__free(vals);
    mood__free(ids);
    mood__free(keys);
    *out = lp;
    return MOOD_OK;
fail:
    mood__free(vals);
    mood__free(ids);
    mood__free(keys);
    mood_label_profile_destroy(lp);
    return s;
}

const char *mood_label_profile_name(const mood_label_profile *lp, size_t c)
{
    return c < lp->k ? lp->names[c] : "";
}

void mood_label_profile_scores(const mood_label_profile *lp, double *out_purity, double *out_nmi,
                               double *out_ari)
{
    if (out_purity)
        *out_purity = lp->purity;
    if (out_nmi)
        *out_nmi = lp->nmi;
    if (out_ari)
        *out_ari = lp->ari;
}

size_t mood_label_profile_k(const mood_label_profile *lp)
{
    return lp->k;
}

size_t mood_label_profile_size(const mood_label_profile *lp, size_t c)
{
    return c < lp->k ? lp->sizes[c] : 0;
}

size_t mood_label_profile_n_labels(const mood_label_profile *lp, size_t c)
{
    return c < lp->k ? lp->start[c + 1] - lp->start[c] : 0;
}

const char *mood_label_profile_label(const mood_label_profile *lp, size_t c, size_t i,
                                     size_t *out_count, double *out_share)
{
    if (c >= lp->k || i >= lp->start[c + 1] - lp->start[c]) {
        if (out_count)
            *out_count = 0;
        if (out_share)
            *out_share = 0;
        return NULL;
    }
    const label_count *e = lp->entries + lp->start[c] + i;
    if (out_count)
        *out_count = e->count;
    if (out_share)
        *out_share = (double)e->count / (double)lp->sizes[c];
    return lp->labels[e->label];
}

void mood_label_profile_print(const mood_label_profile *lp, size_t top, FILE *fp)
{
    size_t wlab = 5;
    for (size_t c = 0; c < lp->k; c++)
        for (size_t i = 0; i < top && i < mood_label_profile_n_labels(lp, c); i++) {
            size_t w = mood__utf8_width(mood_label_profile_label(lp, c, i, NULL, NULL));
            wlab = w > wlab ? w : wlab;
        }
    for (size_t c = 0; c < lp->k; c++) {
        size_t nl = mood_label_profile_n_labels(lp, c);
        fprintf(fp, "group %zu: %s (n=%zu)\n", c, lp->names[c], lp->sizes[c]);
        for (size_t i = 0; i < top && i < nl; i++) {
            size_t count;
            double share;
            const char *label = mood_label_profile_label(lp, c, i, &count, &share);
            fputs("    ", fp);
            mood__print_padded(fp, label, wlab + 2);
            fprintf(fp, "%8zu  %5.1f%%\n", count, 100.0 * share);
        }
        if (nl > top)
            fprintf(fp, "    ... %zu more label%s\n", nl - top, nl - top == 1 ? "" : "s");
    }
    fprintf(fp, "purity %.4f  NMI %.4f  ARI %.4f  (%zu rows, %zu labels)\n", lp->purity, lp->nmi,
            lp->ari, lp->n_used, lp->n_labels);
}

mood_status mood_label_profile_write_csv(const mood_label_profile *lp, const char *path)
{
    mood_atomic_file *af;
    FILE *fp;
    mood_status s;
    if (!lp || !path)
        return mood__error(MOOD_EINVAL, "label profile: write_csv: %s is NULL",
                           !lp ? "profile" : "path");
    s = mood_atomic_open(path, &af, &fp);
    if (s != MOOD_OK)
        return mood__error_context(s, "label profile");
    fputs("cluster,label,count,share\n", fp);
    for (size_t c = 0; c < lp->k; c++) {
        for (size_t i = 0; i < mood_label_profile_n_labels(lp, c); i++) {
            size_t count;
            double share;
            const char *label = mood_label_profile_label(lp, c, i, &count, &share);
            fprintf(fp, "%zu,", c);
            mood__csv_field(fp, label);
            fprintf(fp, ",%zu,%.6f\n", count, share);
        }
    }
    return mood_atomic_commit(af);
}
