/*
 * External scores of a grouping against known labels: adjusted Rand index (Hubert & Arabie
 * 1985), normalised mutual information (arithmetic-mean normalisation), purity, the dense
 * contingency table, and the encoding of text labels into ids.
 *
 * Formulas and edge cases follow scikit-learn 1.2 (adjusted_rand_score through the pair
 * confusion matrix, normalized_mutual_info_score with its per-term epsilon cut and its special
 * cases). Labels may be any int32 ≥ -1; -1 is a group like any other here. They are mapped to
 * dense ids (a direct table when their range is small, sort + binary search otherwise) and the
 * contingency table is kept sparse (only non-zero cells, found by sorting pair keys) when the
 * dense table would be large, so memory stays O(n) whatever the labels.
 */
#include "metrics_internal.h"

#include "../core/hash.h"
#include "../core/internal.h"

#include <moodscope/metrics.h>

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A dense table is used while it has at most this many cells (or 4 per row). */
#define DENSE_CELLS_MIN ((size_t)1 << 20)

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Map labels to ids 0..g-1 in increasing label order (np.unique's return_inverse). */
static mood_status dense_ids(const char *fn, const char *which, const int32_t *lab, size_t n,
                             int32_t *ids, size_t *out_g)
{
    int32_t lo = lab[0], hi = lab[0];
    for (size_t i = 0; i < n; i++) {
        if (lab[i] < -1)
            return mood__error(MOOD_EINVAL, "%s: %s label %d at row %zu; labels must be >= -1", fn,
                               which, (int)lab[i], i);
        lo = lab[i] < lo ? lab[i] : lo;
        hi = lab[i] > hi ? lab[i] : hi;
    }
    const size_t range = (size_t)((int64_t)hi - (int64_t)lo + 1);
    size_t g = 0;
    if (range <= MOOD_MAX(DENSE_CELLS_MIN, 4 * n)) {
        int32_t *map = mood__malloc_array(range, sizeof *map);
        if (!map)
            return mood__enomem(fn);
        for (size_t v = 0; v < range; v++)
            map[v] = -1;
        for (size_t i = 0; i < n; i++)
            map[lab[i] - lo] = 0;
        for (size_t v = 0; v < range; v++)
            if (map[v] == 0)
                map[v] = (int32_t)g++;
            else
                map[v] = -1;
        for (size_t i = 0; i < n; i++)
            ids[i] = map[lab[i] - lo];
        mood__free(map);
    } else {
        int32_t *u = mood__malloc_array(n, sizeof *u);
        if (!u)
            return mood__enomem(fn);
        memcpy(u, lab, n * sizeof *u);
        qsort(u, n, sizeof *u, cmp_i32);
        for (size_t i = 0; i < n; i++)
            if (i == 0 || u[i] != u[i - 1])
                u[g++] = u[i];
        for (size_t i = 0; i < n; i++) {
            const int32_t *hit = bsearch(&lab[i], u, g, sizeof *u, cmp_i32);
            ids[i] = (int32_t)(hit - u);
        }
        mood__free(u);
    }
    *out_g = g;
    return MOOD_OK;
}

/* Sparse contingency table of two labellings: the non-zero cells and the margins. */
typedef struct cont {
    size_t n, ga, gb, nnz;
    size_t *ri, *cj; /* nnz cell coordinates, rows (a) major */
    double *v;       /* nnz counts */
    double *asum;    /* ga row sums */
    double *bsum;    /* gb column sums */
} cont;

static void cont_free(cont *c)
{
    mood__free(c->ri);
    mood__free(c->cj);
    mood__free(c->v);
    mood__free(c->asum);
    mood__free(c->bsum);
    memset(c, 0, sizeof *c);
}

static mood_status cont_build(const char *fn, const int32_t *a, const int32_t *b, size_t n, cont *c)
{
    mood_status s;
    memset(c, 0, sizeof *c);
    if (!a || !b)
        return mood__error(MOOD_EINVAL, "%s: NULL labels", fn);
    if (n == 0)
        return mood__error(MOOD_EINVAL, "%s: no rows (n=0)", fn);
    int32_t *ia = mood__malloc_array(n, sizeof *ia);
    int32_t *ib = mood__malloc_array(n, sizeof *ib);
    uint64_t *keys = NULL;
    size_t *dense = NULL;
    c->n = n;
    if (!ia || !ib) {
        s = mood__enomem(fn);
        goto fail;
    }
    s = dense_ids(fn, "first", a, n, ia, &c->ga);
    if (s != MOOD_OK)
        goto fail;
    s = dense_ids(fn, "second", b, n, ib, &c->gb);
    if (s != MOOD_OK)
        goto fail;
    c->asum = mood__calloc(c->ga, sizeof(double));
    c->bsum = mood__calloc(c->gb, sizeof(double));
    if (!c->asum || !c->bsum) {
        s = mood__enomem(fn);
        goto fail;
    }
    const size_t cells = c->ga * c->gb; /* ga, gb ≤ n ≤ SIZE_MAX^(1/2) in practice */
    /* NOLINTNEXTLINE(clang-analyzer-core.DivideZero): n >= 1, so ga, gb >= 1 */
    if (c->ga <= SIZE_MAX / c->gb && cells <= MOOD_MAX(DENSE_CELLS_MIN, 4 * n)) {
        dense = mood__calloc(cells, sizeof *dense);
        if (!dense) {
            s = mood__enomem(fn);
            goto fail;
        }
        for (size_t i = 0; i < n; i++)
            dense[(size_t)ia[i] * c->gb + (size_t)ib[i]]++;
        for (size_t q = 0; q < cells; q++)
            c->nnz += dense[q] > 0;
    } else {
        keys = mood__malloc_array(n, sizeof *keys);
        if (!keys) {
            s = mood__enomem(fn);
            goto fail;
        }
        for (size_t i = 0; i < n; i++)
            keys[i] = (uint64_t)ia[i] * (uint64_t)c->gb + (uint64_t)ib[i];
        qsort(keys, n, sizeof *keys, cmp_u64);
        for (size_t i = 0; i < n; i++)
            c->nnz += i == 0 || keys[i] != keys[i - 1];
    }
    c->ri = mood__malloc_array(c->nnz, sizeof(size_t));
    c->cj = mood__malloc_array(c->nnz, sizeof(size_t));
    c->v = mood__malloc_array(c->nnz, sizeof(double));
    if (!c->ri || !c->cj || !c->v) {
        s = mood__enomem(fn);
        goto fail;
    }
    size_t z = 0;
    if (dense) {
        for (size_t q = 0; q < cells; q++) {
            if (dense[q] == 0)
                continue;
            c->ri[z] = q / c->gb;
            c->cj[z] = q % c->gb;
            c->v[z++] = (double)dense[q];
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            if (i > 0 && keys[i] == keys[i - 1]) {
                c->v[z - 1] += 1.0;
                continue;
            }
            c->ri[z] = (size_t)(keys[i] / c->gb);
            c->cj[z] = (size_t)(keys[i] % c->gb);
            c->v[z++] = 1.0;
        }
    }
    for (size_t q = 0; q < c->nnz; q++) {
        c->asum[c->ri[q]] += c->v[q];
        c->bsum[c->cj[q]] += c->v[q];
    }
    mood__free(ia);
    mood__free(ib);
    mood__free(keys);
    mood__free(dense);
    return MOOD_OK;
fail:
    mood__free(ia);
    mood__free(ib);
    mood__free(keys);
    mood__free(dense);
    cont_free(c);
    return s;
}

mood_status mood_ari(const int32_t *a, const int32_t *b, size_t n, double *out)
{
    cont c;
    if (!out)
        return mood__error(MOOD_EINVAL, "ari: NULL output");
    mood_status s = cont_build("ari", a, b, n, &c);
    if (s != MOOD_OK)
        return s;
    /* scikit-learn's pair_confusion_matrix, in double: counts of row pairs together in both
     * labellings (tp), in one only (fp, fn) or in neither (tn). */
    double sum_sq = 0.0, sa = 0.0, sb = 0.0, nn = (double)n;
    for (size_t q = 0; q < c.nnz; q++)
        sum_sq += c.v[q] * c.v[q];
    for (size_t i = 0; i < c.ga; i++)
        sa += c.asum[i] * c.asum[i];
    for (size_t j = 0; j < c.gb; j++)
        sb += c.bsum[j] * c.bsum[j];
    const double tp = sum_sq - nn;
    const double fp = sb - sum_sq;
    const double fn = sa - sum_sq;
    const double tn = nn * nn - fp - fn - sum_sq;
    if (fn == 0.0 && fp == 0.0)
        *out = 1.0;
    else
        *out = 2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn));
    cont_free(&c);
    return MOOD_OK;
}

/* Entropy of a labelling from its group sizes (natural log, as scikit-learn). */
static double entropy(const double *sizes, size_t g, double total)
{
    double h = 0.0;
    const double lt = log(total);
    for (size_t i = 0; i < g; i++)
        if (sizes[i] > 0.0)
            h -= (sizes[i] / total) * (log(sizes[i]) - lt);
    return h;
}

mood_status mood_nmi(const int32_t *a, const int32_t *b, size_t n, double *out)
{
    cont c;
    if (!out)
        return mood__error(MOOD_EINVAL, "nmi: NULL output");
    mood_status s = cont_build("nmi", a, b, n, &c);
    if (s != MOOD_OK)
        return s;
    if (c.ga == 1 && c.gb == 1) {
        *out = 1.0; /* nothing split in either labelling: scikit-learn calls it a perfect match */
        cont_free(&c);
        return MOOD_OK;
    }
    double mi = 0.0;
    if (c.ga > 1 && c.gb > 1) {
        const double nn = (double)n, ln = log(nn);
        for (size_t q = 0; q < c.nnz; q++) {
            const double pnm = c.v[q] / nn;
            const double log_outer = -log(c.asum[c.ri[q]] * c.bsum[c.cj[q]]) + ln + ln;
            double term = pnm * (log(c.v[q]) - ln) + pnm * log_outer;
            if (fabs(term) < DBL_EPSILON)
                term = 0.0; /* scikit-learn drops terms below machine epsilon */
            mi += term;
        }
        if (mi < 0.0)
            mi = 0.0;
    }
    if (mi == 0.0) {
        *out = 0.0;
    } else {
        const double ha = entropy(c.asum, c.ga, (double)n);
        const double hb = entropy(c.bsum, c.gb, (double)n);
        *out = mi / (0.5 * (ha + hb));
    }
    cont_free(&c);
    return MOOD_OK;
}

mood_status mood_purity(const int32_t *pred, const int32_t *truth, size_t n, double *out)
{
    cont c;
    if (!out)
        return mood__error(MOOD_EINVAL, "purity: NULL output");
    mood_status s = cont_build("purity", pred, truth, n, &c);
    if (s != MOOD_OK)
        return s;
    double *best = mood__calloc(c.ga, sizeof *best);
    if (!best) {
        cont_free(&c);
        return mood__enomem("purity");
    }
    for (size_t q = 0; q < c.nnz; q++)
        if (c.v[q] > best[c.ri[q]])
            best[c.ri[q]] = c.v[q];
    double hit = 0.0;
    for (size_t i = 0; i < c.ga; i++)
        hit += best[i];
    *out = hit / (double)n;
    mood__free(best);
    cont_free(&c);
    return MOOD_OK;
}

mood_status mood_contingency(const int32_t *a, size_t ka, const int32_t *b, size_t kb, size_t n,
                             size_t *out)
{
    if (!a || !b || !out)
        return mood__error(MOOD_EINVAL, "contingency: NULL labels or output");
    if (n == 0)
        return mood__error(MOOD_EINVAL, "contingency: no rows (n=0)");
    if (ka == 0 || kb == 0)
        return mood__error(MOOD_EINVAL, "contingency: empty table (ka=%zu, kb=%zu)", ka, kb);
    if (ka > SIZE_MAX / kb)
        return mood__error(MOOD_EINVAL, "contingency: table %zu x %zu too large", ka, kb);
    memset(out, 0, ka * kb * sizeof *out);
    for (size_t i = 0; i < n; i++) {
        if (a[i] < 0 || b[i] < 0 || (size_t)a[i] >= ka || (size_t)b[i] >= kb)
            continue;
        out[(size_t)a[i] * kb + (size_t)b[i]]++;
    }
    return MOOD_OK;
}

/* ---- text labels -------------------------------------------------------------------- */

/* Open-addressing table of indices into the names array (-1 = empty slot). */
static int32_t *slots_new(size_t cap)
{
    int32_t *t = mood__malloc_array(cap, sizeof *t);
    if (t)
        for (size_t i = 0; i < cap; i++)
            t[i] = -1;
    return t;
}

mood_status mood_labels_encode(const char *const *labels, size_t n, int32_t *out_ids,
                               char ***out_names, size_t *out_k)
{
    if (!labels || !out_ids || !out_names || !out_k)
        return mood__error(MOOD_EINVAL, "labels_encode: NULL argument");
    *out_names = NULL;
    *out_k = 0;
    if (n == 0)
        return mood__error(MOOD_EINVAL, "labels_encode: no rows (n=0)");
    size_t cap = 64, g = 0, names_cap = 16;
    int32_t *slots = slots_new(cap);
    char **names = mood__malloc_array(names_cap, sizeof *names);
    mood_status s = MOOD_OK;
    if (!slots || !names) {
        s = mood__enomem("labels_encode");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        const char *lab = labels[i] ? labels[i] : ""; /* a missing text cell reads as "" */
        size_t pos = (size_t)mood__fnv1a_str(lab) & (cap - 1);
        while (slots[pos] >= 0 && strcmp(names[slots[pos]], lab) != 0)
            pos = (pos + 1) & (cap - 1);
        if (slots[pos] >= 0) {
            out_ids[i] = slots[pos];
            continue;
        }
        if (g >= (size_t)INT32_MAX) {
            s = mood__error(MOOD_EINVAL, "labels_encode: more than %d distinct labels", INT32_MAX);
            goto fail;
        }
        if (g == names_cap) {
            char **nn = mood__realloc(names, 2 * names_cap * sizeof *names);
            if (!nn) {
                s = mood__enomem("labels_encode");
                goto fail;
            }
            names = nn;
            names_cap *= 2;
        }
        names[g] = mood__strdup(lab);
        if (!names[g]) {
            s = mood__enomem("labels_encode");
            goto fail;
        }
        slots[pos] = (int32_t)g;
        out_ids[i] = (int32_t)g;
        g++;
        if (2 * g > cap) {
            /* Keep the load under one half: rehash into a table twice as large. */
            int32_t *bigger = slots_new(2 * cap);
            if (!bigger) {
                s = mood__enomem("labels_encode");
                goto fail;
            }
            cap *= 2;
            for (size_t q = 0; q < g; q++) {
                size_t p2 = (size_t)mood__fnv1a_str(names[q]) & (cap - 1);
                while (bigger[p2] >= 0)
                    p2 = (p2 + 1) & (cap - 1);
                bigger[p2] = (int32_t)q;
            }
            mood__free(slots);
            slots = bigger;
        }
    }
    mood__free(slots);
    *out_names = names;
    *out_k = g;
    return MOOD_OK;
fail:
    for (size_t q = 0; q < g; q++)
        mood__free(names[q]);
    mood__free(names);
    mood__free(slots);
    return s;
}
