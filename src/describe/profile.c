/*
 * Group profiles: for each group its size, the mean of every feature and how far that mean sits
 * from the overall mean in units of the overall (population) standard deviation. The features
 * with the largest |z| become the group's traits ("energy +1.3σ") and, through the vocabulary
 * in words.c, its short name ("energetic, electronic"). Names must tell groups apart, so a name
 * shared by several groups gets the next distinguishing word and, as a last resort, an ordinal.
 *
 * Means use two passes with double accumulators (mean, then squared deviations) because the
 * one-pass sum-of-squares formula loses precision on large-offset features such as tempo or
 * duration in milliseconds.
 */
#include "describe_internal.h"

#include "../core/internal.h"

#include <moodscope/describe.h>
#include <moodscope/fileio.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A trait must stand at least this far from the mean to be named. */
#define TRAIT_MIN_Z 0.5
/* Weaker differences may still separate two groups that would otherwise share a name. */
#define EXTRA_MIN_Z 0.25
#define MAX_TRAITS  3
#define NAME_WORDS  2
#define NAME_CAP    512

struct mood_profile {
    size_t k, d, n_used;
    char **features;  /* d names */
    size_t *sizes;    /* k */
    double *mean;     /* k×d group means (NaN for an empty group or all-missing cells) */
    double *z;        /* k×d */
    double *all_mean; /* d overall means */
    double *all_std;  /* d overall population standard deviations */
    char **names;     /* k */
    char **traits;    /* k */
};

void mood_profile_destroy(mood_profile *p)
{
    if (!p)
        return;
    for (size_t j = 0; p->features && j < p->d; j++)
        mood__free(p->features[j]);
    for (size_t c = 0; p->names && c < p->k; c++)
        mood__free(p->names[c]);
    for (size_t c = 0; p->traits && c < p->k; c++)
        mood__free(p->traits[c]);
    mood__free(p->features);
    mood__free(p->names);
    mood__free(p->traits);
    mood__free(p->sizes);
    mood__free(p->mean);
    mood__free(p->z);
    mood__free(p->all_mean);
    mood__free(p->all_std);
    mood__free(p);
}

static mood_status validate(const float *x, size_t n, size_t d, const int32_t *labels, size_t k)
{
    if (n == 0)
        return mood__error(MOOD_EINVAL, "profile: no rows (n=0)");
    if (d == 0)
        return mood__error(MOOD_EINVAL, "profile: no features (d=0)");
    if (k == 0)
        return mood__error(MOOD_EINVAL, "profile: no groups (k=0)");
    if (!x || !labels)
        return mood__error(MOOD_EINVAL, "profile: %s is NULL", !x ? "x" : "labels");
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        if (labels[i] < -1 || (labels[i] >= 0 && (size_t)labels[i] >= k))
            return mood__error(MOOD_EINVAL, "profile: labels[%zu]=%d outside -1..%zu", i,
                               (int)labels[i], k - 1);
        used += labels[i] >= 0;
    }
    if (used == 0)
        return mood__error(MOOD_EINVAL, "profile: every row is noise (label -1)");
    return MOOD_OK;
}

/* Group means, overall means and standard deviations, and z-scores; NaN cells are skipped. */
static mood_status compute_stats(mood_profile *p, const float *x, size_t n, const int32_t *labels)
{
    size_t k = p->k, d = p->d;
    size_t *cnt = mood__malloc_array(k * d, sizeof *cnt);
    size_t *all_cnt = mood__malloc_array(d, sizeof *all_cnt);
    double *var = mood__malloc_array(d, sizeof *var);
    if (!cnt || !all_cnt || !var) {
        mood__free(cnt);
        mood__free(all_cnt);
        mood__free(var);
        return mood__enomem("profile");
    }
    memset(cnt, 0, k * d * sizeof *cnt);
    memset(all_cnt, 0, d * sizeof *all_cnt);
    for (size_t j = 0; j < d; j++)
        var[j] = p->all_mean[j] = 0;
    for (size_t i = 0; i < k * d; i++)
        p->mean[i] = 0;
    for (size_t i = 0; i < n; i++) {
        if (labels[i] < 0)
            continue;
        size_t g = (size_t)labels[i];
        const float *row = x + i * d;
        p->sizes[g]++;
        p->n_used++;
        for (size_t j = 0; j < d; j++) {
            if (isnan(row[j]))
                continue;
            p->mean[g * d + j] += (double)row[j];
            cnt[g * d + j]++;
            p->all_mean[j] += (double)row[j];
            all_cnt[j]++;
        }
    }
    for (size_t j = 0; j < d; j++)
        p->all_mean[j] = all_cnt[j] ? p->all_mean[j] / (double)all_cnt[j] : (double)NAN;
    for (size_t i = 0; i < k * d; i++)
        p->mean[i] = cnt[i] ? p->mean[i] / (double)cnt[i] : (double)NAN;
    for (size_t i = 0; i < n; i++) {
        if (labels[i] < 0)
            continue;
        for (size_t j = 0; j < d; j++) {
            double v = (double)x[i * d + j];
            if (!isnan(v))
                var[j] += (v - p->all_mean[j]) * (v - p->all_mean[j]);
        }
    }
    for (size_t j = 0; j < d; j++)
        p->all_std[j] = all_cnt[j] ? sqrt(var[j] / (double)all_cnt[j]) : (double)NAN;
    for (size_t c = 0; c < k; c++) {
        for (size_t j = 0; j < d; j++) {
            double m = p->mean[c * d + j], s = p->all_std[j];
            /* A constant feature (std 0) or a missing mean says nothing about the group. */
            p->z[c * d + j] = isfinite(m) && s > 0 ? (m - p->all_mean[j]) / s : 0.0;
        }
    }
    mood__free(cnt);
    mood__free(all_cnt);
    mood__free(var);
    return MOOD_OK;
}

/* Features of group @p c ordered by |z| (ties: column order), keeping |z| ≥ EXTRA_MIN_Z. */
typedef struct ranked {
    size_t j;
    double az;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->az != y->az)
        return x->az > y->az ? -1 : 1;
    return x->j < y->j ? -1 : x->j > y->j;
}

static size_t rank_features(const mood_profile *p, size_t c, ranked *out)
{
    size_t m = 0;
    for (size_t j = 0; j < p->d; j++) {
        double az = fabs(p->z[c * p->d + j]);
        if (az >= EXTRA_MIN_Z) {
            out[m].j = j;
            out[m].az = az;
            m++;
        }
    }
    qsort(out, m, sizeof *out, cmp_ranked);
    return m;
}

/* "energy +1.3σ, acousticness −0.9σ" for the first traits of group @p c. */
static void traits_text(const mood_profile *p, size_t c, const ranked *r, size_t n_traits,
                        char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t t = 0; t < n_traits && o < cap; t++) {
        double z = p->z[c * p->d + r[t].j];
        int w = snprintf(buf + o, cap - o, "%s%s %s%.1f\xCF\x83", t ? ", " : "",
                         p->features[r[t].j], z >= 0 ? "+" : "\xE2\x88\x92", fabs(z));
        if (w < 0)
            break;
        o += (size_t)w;
    }
}

/*
 * Base name of group @p c from its traits, and the next word that could tell it apart from a
 * group with the same name (empty when there is none).
 */
static void group_name(const mood_profile *p, size_t c, const ranked *r, size_t m, size_t n_traits,
                       char *name, char *extra, size_t cap)
{
    char words[MAX_TRAITS + 8][128];
    size_t nw = 0, from_traits = 0;
    name[0] = extra[0] = '\0';
    if (p->sizes[c] == 0) {
        snprintf(name, cap, "empty");
        return;
    }
    if (n_traits == 0) {
        snprintf(name, cap, "balanced");
        return;
    }
    for (size_t t = 0; t < m && nw < sizeof words / sizeof words[0]; t++) {
        char w[128];
        int high = p->z[c * p->d + r[t].j] > 0;
        if (mood__feature_word(p->features[r[t].j], high, w, sizeof w) == MOOD_WORD_NONE)
            continue;
        int dup = 0;
        for (size_t u = 0; u < nw; u++)
            dup |= strcmp(words[u], w) == 0;
        if (dup)
            continue;
        snprintf(words[nw], sizeof words[nw], "%s", w);
        nw++;
        if (t < n_traits)
            from_traits++;
    }
    if (from_traits == 0) {
        /* Every trait is a direction without a word (low speechiness): say it plainly. */
        int high = p->z[c * p->d + r[0].j] > 0;
        snprintf(name, cap, "%s %s", high ? "high" : "low", p->features[r[0].j]);
        return;
    }
    size_t use = from_traits < NAME_WORDS ? from_traits : NAME_WORDS;
    size_t o = 0;
    for (size_t u = 0; u < use && o < cap; u++) {
        int w = snprintf(name + o, cap - o, "%s%s", u ? ", " : "", words[u]);
        if (w < 0)
            break;
        o += (size_t)w;
    }
    if (use < nw)
        snprintf(extra, cap, "%s", words[use]);
}

/*
 * Do two names say the same thing? "calm, acoustic" and "acoustic, calm" do: the words are
 * compared as sets, since the order only reflects which trait is a little stronger.
 */
static int same_words(const char *a, const char *b)
{
    char wa[16][128], wb[16][128];
    size_t na = 0, nb = 0;
    for (int side = 0; side < 2; side++) {
        const char *s = side ? b : a;
        char(*w)[128] = side ? wb : wa;
        size_t *nw = side ? &nb : &na;
        while (*s && *nw < 16) {
            const char *e = strstr(s, ", ");
            size_t len = e ? (size_t)(e - s) : strlen(s);
            snprintf(w[*nw], sizeof w[*nw], "%.*s", (int)len, s);
            (*nw)++;
            s += len;
            if (*s)
                s += 2;
        }
    }
    if (na != nb)
        return 0;
    for (size_t i = 0; i < na; i++) {
        int found = 0;
        for (size_t j = 0; j < nb && !found; j++)
            found = strcmp(wa[i], wb[j]) == 0;
        if (!found)
            return 0;
    }
    return 1;
}

static int same_as_other(char *const *names, size_t k, size_t c)
{
    for (size_t o = 0; o < k; o++)
        if (o != c && same_words(names[o], names[c]))
            return 1;
    return 0;
}

static mood_status set_owned(char **slot, const char *s)
{
    char *copy = mood__strdup(s);
    if (!copy)
        return mood__enomem("profile");
    mood__free(*slot);
    *slot = copy;
    return MOOD_OK;
}

/* Names and trait texts of every group, made unique. */
static mood_status name_groups(mood_profile *p)
{
    size_t k = p->k;
    ranked *r = mood__malloc_array(p->d, sizeof *r);
    char(*extra)[NAME_CAP] = mood__malloc_array(k, sizeof *extra);
    int *dup = mood__malloc_array(k, sizeof *dup);
    char name[NAME_CAP], buf[NAME_CAP + 64];
    mood_status s = MOOD_OK;
    if (!r || !extra || !dup) {
        s = mood__enomem("profile");
        goto done;
    }
    for (size_t c = 0; c < k; c++) {
        size_t m = rank_features(p, c, r), n_traits = 0;
        while (n_traits < m && n_traits < MAX_TRAITS && r[n_traits].az >= TRAIT_MIN_Z)
            n_traits++;
        traits_text(p, c, r, n_traits, buf, sizeof buf);
        group_name(p, c, r, m, n_traits, name, extra[c], NAME_CAP);
        s = set_owned(&p->traits[c], buf);
        if (s == MOOD_OK)
            s = set_owned(&p->names[c], name);
        if (s != MOOD_OK)
            goto done;
    }
    /* Groups sharing a name each take their next word... */
    for (size_t c = 0; c < k; c++)
        dup[c] = same_as_other(p->names, k, c);
    for (size_t c = 0; c < k; c++) {
        if (!dup[c] || !extra[c][0])
            continue;
        snprintf(buf, sizeof buf, "%s, %s", p->names[c], extra[c]);
        s = set_owned(&p->names[c], buf);
        if (s != MOOD_OK)
            goto done;
    }
    /* ...and whatever still collides is numbered in group order: "calm", "calm (2)". The
     * ordinals are counted on the unnumbered names first (dup[] is reused for them). */
    for (size_t c = 0; c < k; c++) {
        dup[c] = 0;
        for (size_t o = 0; o < c; o++)
            dup[c] += same_words(p->names[o], p->names[c]);
    }
    for (size_t c = 0; c < k; c++) {
        if (dup[c] == 0)
            continue;
        snprintf(buf, sizeof buf, "%s (%d)", p->names[c], dup[c] + 1);
        s = set_owned(&p->names[c], buf);
        if (s != MOOD_OK)
            goto done;
    }
done:
    mood__free(r);
    mood__free(extra);
    mood__free(dup);
    return s;
}

mood_status mood_profile_compute(const float *x, size_t n, size_t d,
                                 const char *const *feature_names, const int32_t *labels, size_t k,
                                 mood_profile **out)
{
    mood_profile *p = NULL;
    mood_status s;
    if (!out)
        return mood__error(MOOD_EINVAL, "profile: out is NULL");
    *out = NULL;
    s = validate(x, n, d, labels, k);
    if (s != MOOD_OK)
        return s;
    p = mood__calloc(1, sizeof *p);
    if (!p)
        return mood__enomem("profile");
    p->k = k;
    p->d = d;
    p->features = mood__calloc(d, sizeof *p->features);
    p->names = mood__calloc(k, sizeof *p->names);
    p->traits = mood__calloc(k, sizeof *p->traits);
    p->sizes = mood__calloc(k, sizeof *p->sizes);
    p->mean = mood__malloc_array(k * d, sizeof *p->mean);
    p->z = mood__malloc_array(k * d, sizeof *p->z);
    p->all_mean = mood__malloc_array(d, sizeof *p->all_mean);
    p->all_std = mood__malloc_array(d, sizeof *p->all_std);
    if (!p->features || !p->names || !p->traits || !p->sizes || !p->mean || !p->z || !p->all_mean ||
        !p->all_std) {
        s = mood__enomem("profile");
        goto fail;
    }
    for (size_t j = 0; j < d; j++) {
        char fallback[32];
        const char *nm = feature_names && feature_names[j] ? feature_names[j] : NULL;
        if (!nm) {
            snprintf(fallback, sizeof fallback, "feature_%zu", j);
            nm = fallback;
        }
        p->features[j] = mood__strdup(nm);
        if (!p->features[j]) {
            s = mood__enomem("profile");
            goto fail;
        }
    }
    s = compute_stats(p, x, n, labels);
    if (s == MOOD_OK)
        s = name_groups(p);
    if (s != MOOD_OK)
        goto fail;
    *out = p;
    return MOOD_OK;
fail:
    mood_profile_destroy(p);
    return s;
}

size_t mood_profile_k(const mood_profile *p)
{
    return p->k;
}

size_t mood_profile_d(const mood_profile *p)
{
    return p->d;
}

size_t mood_profile_size(const mood_profile *p, size_t c)
{
    return c < p->k ? p->sizes[c] : 0;
}

double mood_profile_mean(const mood_profile *p, size_t c, size_t j)
{
    return c < p->k && j < p->d ? p->mean[c * p->d + j] : (double)NAN;
}

double mood_profile_z(const mood_profile *p, size_t c, size_t j)
{
    return c < p->k && j < p->d ? p->z[c * p->d + j] : (double)NAN;
}

const char *mood_profile_name(const mood_profile *p, size_t c)
{
    return c < p->k ? p->names[c] : "";
}

const char *mood_profile_traits(const mood_profile *p, size_t c)
{
    return c < p->k ? p->traits[c] : "";
}

mood_status mood_profile_set_name(mood_profile *p, size_t c, const char *name)
{
    if (!p || !name)
        return mood__error(MOOD_EINVAL, "profile: set_name: %s is NULL", !p ? "profile" : "name");
    if (c >= p->k)
        return mood__error(MOOD_EINVAL, "profile: set_name: group %zu outside 0..%zu", c, p->k - 1);
    return set_owned(&p->names[c], name);
}

const char *mood_profile_feature(const mood_profile *p, size_t j)
{
    return j < p->d ? p->features[j] : "";
}

double mood_profile_share(const mood_profile *p, size_t c)
{
    return c < p->k && p->n_used ? (double)p->sizes[c] / (double)p->n_used : 0.0;
}

double mood_profile_overall_mean(const mood_profile *p, size_t j)
{
    return j < p->d ? p->all_mean[j] : (double)NAN;
}

double mood_profile_overall_std(const mood_profile *p, size_t j)
{
    return j < p->d ? p->all_std[j] : (double)NAN;
}

/* A CSV number: empty for NaN (the reader's missing value), else shortest round-trip form. */
static void csv_number(FILE *fp, double v, const char *fmt)
{
    if (isfinite(v))
        fprintf(fp, fmt, v);
}

mood_status mood_profile_write_csv(const mood_profile *p, const char *path)
{
    mood_atomic_file *af;
    FILE *fp;
    mood_status s;
    if (!p || !path)
        return mood__error(MOOD_EINVAL, "profile: write_csv: %s is NULL", !p ? "profile" : "path");
    s = mood_atomic_open(path, &af, &fp);
    if (s != MOOD_OK)
        return mood__error_context(s, "profile");
    fputs("cluster,name,size,share,traits", fp);
    for (size_t j = 0; j < p->d; j++) {
        char col[600];
        snprintf(col, sizeof col, "mean_%s", p->features[j]);
        fputc(',', fp);
        mood__csv_field(fp, col);
    }
    for (size_t j = 0; j < p->d; j++) {
        char col[600];
        snprintf(col, sizeof col, "z_%s", p->features[j]);
        fputc(',', fp);
        mood__csv_field(fp, col);
    }
    fputc('\n', fp);
    for (size_t c = 0; c < p->k; c++) {
        fprintf(fp, "%zu,", c);
        mood__csv_field(fp, p->names[c]);
        fprintf(fp, ",%zu,%.6f,", p->sizes[c], mood_profile_share(p, c));
        mood__csv_field(fp, p->traits[c]);
        for (size_t j = 0; j < p->d; j++) {
            fputc(',', fp);
            csv_number(fp, p->mean[c * p->d + j], "%.9g");
        }
        for (size_t j = 0; j < p->d; j++) {
            fputc(',', fp);
            csv_number(fp, p->z[c * p->d + j], "%.6f");
        }
        fputc('\n', fp);
    }
    return mood_atomic_commit(af);
}

void mood_profile_print(const mood_profile *p, FILE *fp)
{
    size_t wname = 4;
    char num[32];
    for (size_t c = 0; c < p->k; c++) {
        size_t w = mood__utf8_width(p->names[c]);
        wname = w > wname ? w : wname;
    }
    fputs("group  ", fp);
    mood__print_padded(fp, "name", wname + 2);
    fputs("    size   share  traits\n", fp);
    for (size_t c = 0; c < p->k; c++) {
        fprintf(fp, "%5zu  ", c);
        mood__print_padded(fp, p->names[c], wname + 2);
        snprintf(num, sizeof num, "%zu", p->sizes[c]);
        fprintf(fp, "%8s  %5.1f%%  %s\n", num, 100.0 * mood_profile_share(p, c),
                p->traits[c][0] ? p->traits[c] : "(close to the overall mean)");
    }
}
