/*
 * Choosing the feature columns of a model.
 *
 * The default rule takes every numeric column that can carry a mood signal: identifiers (row
 * numbers, Spotify ids), labels (genre, the answer a user wants to discover) and columns with
 * no information (constant or entirely missing) are left out, and each one left out is
 * recorded with its reason so that the CLI can print and save the choice. An explicit list is
 * checked column by column with messages that say what is wrong and what is available.
 */
#include "../core/internal.h"
#include "csv_internal.h"

#include <moodscope/features.h>

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Case-insensitive suffix / prefix tests. */
static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static int starts_with(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static int in_list(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (strcasecmp(name, *list) == 0)
            return 1;
    return 0;
}

/*
 * An embedding coordinate (sim_00, emb_12: the analyzer's similarity vector): meaningful for
 * nearest-neighbour search as a whole, not as a readable feature, so the default rule leaves it
 * to an explicit --features list.
 */
static int is_embedding(const char *name)
{
    const char *p;
    if (strncmp(name, "sim_", 4) == 0 || strncmp(name, "emb_", 4) == 0)
        p = name + 4;
    else
        return 0;
    if (!*p)
        return 0;
    for (; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return 1;
}

int mood_features_is_identifier(const char *name)
{
    static const char *const exact[] = {"id",       "index",      "uri",  "url",
                                        "track_id", "spotify_id", "isrc", NULL};
    if (!name)
        return 0;
    return in_list(name, exact) || ends_with(name, "_id") || starts_with(name, "id_") ||
           ends_with(name, "_uri") || ends_with(name, "_url") || starts_with(name, "unnamed");
}

int mood_features_is_label(const char *name)
{
    static const char *const exact[] = {"label",   "genre",        "class",    "target",
                                        "cluster", "cluster_name", "category", "y",
                                        "hit",     "decade",       NULL};
    return name && in_list(name, exact);
}

/*
 * Release and catalogue metadata that Spotify-style tables carry beside the audio features:
 * how popular or long a track is, when it came out, and the key, mode and time signature as
 * category codes (pitch class 11 is not "far" from 0). None describes how a song sounds, and
 * k-means on standard-scaled columns splits on them as readily as on energy or valence: on the
 * mood table of bench/cluster/KSELECT.md leaving them out raises scikit-learn's NMI at the
 * true k by about 0.03. They stay usable when named in --features.
 */
int mood_features_is_metadata(const char *name)
{
    static const char *const exact[] = {"popularity",
                                        "track_popularity",
                                        "artist_popularity",
                                        "followers",
                                        "duration",
                                        "duration_ms",
                                        "duration_s",
                                        "length",
                                        "year",
                                        "release_year",
                                        "key",
                                        "mode",
                                        "time_signature",
                                        "explicit",
                                        "track_number",
                                        "disc_number",
                                        "chorus_hit",
                                        "sections",
                                        NULL};
    return name && in_list(name, exact);
}

int mood__csv_is_text_name(const char *name)
{
    /* Free-text and naming columns: titles, people, albums, categories, provenance. */
    static const char *const exact[] = {
        "title",      "name",        "artist",      "artists", "album",     "album_name", "track",
        "track_name", "track_title", "artist_name", "song",    "song_name", "genre",      "label",
        "source",     "filename",    "file",        "path",    NULL};
    return mood_features_is_identifier(name) || in_list(name, exact);
}

void mood_feature_list_free(mood_feature_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; l->names && i < l->k; i++)
        mood__free(l->names[i]);
    for (size_t i = 0; l->skipped && l->skip_reasons && i < l->n_skipped; i++) {
        mood__free(l->skipped[i]);
        mood__free(l->skip_reasons[i]);
    }
    mood__free(l->names);
    mood__free(l->skipped);
    mood__free(l->skip_reasons);
    memset(l, 0, sizeof *l);
}

/* Statistics of one numeric column: how many values are present, and whether all are equal. */
typedef struct col_stats {
    size_t present;
    int constant;
    float first;
} col_stats;

static col_stats column_stats(const mood_table *t, size_t j)
{
    const float *v = mood_table_num_const(t, j);
    size_t n = mood_table_rows(t);
    col_stats st = {0, 1, NAN};
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i]))
            continue;
        if (st.present++ == 0)
            st.first = v[i];
        else if (v[i] != st.first)
            st.constant = 0;
    }
    return st;
}

/* Append a name (copied) to a growing list; lists are sized for every column up front. */
static mood_status push(char **list, size_t *n, const char *s)
{
    char *d = mood__strdup(s);
    if (!d)
        return mood__enomem("features");
    list[(*n)++] = d;
    return MOOD_OK;
}

/* Record a column the default rule leaves out, with its reason. */
static mood_status skip(mood_feature_list *out, const char *name, const char *reason)
{
    char *nm = mood__strdup(name), *rs = mood__strdup(reason);
    if (!nm || !rs) {
        mood__free(nm);
        mood__free(rs);
        return mood__enomem("features");
    }
    out->skipped[out->n_skipped] = nm;
    out->skip_reasons[out->n_skipped] = rs;
    out->n_skipped++;
    return MOOD_OK;
}

static mood_status select_default(const mood_table *t, mood_feature_list *out)
{
    size_t ncols = mood_table_cols(t);
    mood_status s = MOOD_OK;
    for (size_t j = 0; j < ncols && s == MOOD_OK; j++) {
        const char *name = mood_table_col_name(t, j), *reason = NULL;
        col_stats st;
        if (mood_table_col_kind(t, j) != MOOD_COL_NUM)
            continue;
        st = column_stats(t, j);
        if (mood_features_is_identifier(name))
            reason = "identifier";
        else if (is_embedding(name))
            reason = "embedding";
        else if (mood_features_is_label(name))
            reason = "label";
        else if (mood_features_is_metadata(name))
            reason = "metadata";
        else if (st.present == 0)
            reason = "empty";
        else if (st.constant)
            reason = "constant";
        if (!reason) {
            s = push(out->names, &out->k, name);
            continue;
        }
        s = skip(out, name, reason);
    }
    if (s == MOOD_OK && out->k == 0) {
        char detail[600] = "";
        size_t used = 0;
        for (size_t i = 0; i < out->n_skipped && used < sizeof detail - 1; i++) {
            int w = snprintf(detail + used, sizeof detail - used, "%s%s (%s)", i ? ", " : "",
                             out->skipped[i], out->skip_reasons[i]);
            if (w < 0)
                break;
            used += (size_t)w;
        }
        if (used >= sizeof detail)
            memcpy(detail + sizeof detail - 4, "...", 4);
        if (out->n_skipped)
            return mood__error(MOOD_EINVAL, "no usable numeric feature columns (left out: %s)",
                               detail);
        return mood__error(MOOD_EINVAL, "no usable numeric feature columns (the table has no "
                                        "numeric column)");
    }
    return s;
}

/* "column 'x' not found; numeric columns: a, b, c" (the list cut to fit one message). */
static mood_status not_found(const mood_table *t, const char *name)
{
    char avail[700] = "";
    size_t used = 0, ncols = mood_table_cols(t);
    for (size_t j = 0; j < ncols && used < sizeof avail - 1; j++) {
        int w;
        if (mood_table_col_kind(t, j) != MOOD_COL_NUM)
            continue;
        w = snprintf(avail + used, sizeof avail - used, "%s%s", used ? ", " : "",
                     mood_table_col_name(t, j));
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (used >= sizeof avail)
        memcpy(avail + sizeof avail - 4, "...", 4);
    return mood__error(MOOD_ENOTFOUND, "column '%s' not found; numeric columns: %s", name,
                       used ? avail : "(none)");
}

static mood_status check_requested(const mood_table *t, const char *name)
{
    size_t j;
    col_stats st;
    if (mood_table_find(t, name, &j) != MOOD_OK)
        return not_found(t, name);
    if (mood_table_col_kind(t, j) != MOOD_COL_NUM)
        return mood__error(MOOD_EINVAL, "column '%s' is text, expected numbers", name);
    st = column_stats(t, j);
    if (st.present == 0)
        return mood__error(MOOD_EINVAL, "column '%s' is entirely missing", name);
    if (st.constant)
        return mood__error(MOOD_EINVAL, "column '%s' is constant (every value %.9g)", name,
                           (double)st.first);
    return MOOD_OK;
}

/* Parse "a, b ,c" (blanks trimmed) and check every name. */
static mood_status select_list(const mood_table *t, const char *spec, mood_feature_list *out)
{
    const char *p = spec;
    char name[512];
    for (;;) {
        const char *comma = strchr(p, ','), *e = comma ? comma : p + strlen(p);
        const char *b = p;
        size_t len;
        mood_status s;
        while (b < e && isspace((unsigned char)*b))
            b++;
        while (e > b && isspace((unsigned char)e[-1]))
            e--;
        len = (size_t)(e - b);
        if (len == 0)
            return mood__error(MOOD_EINVAL, "feature list '%s' has an empty name", spec);
        if (len >= sizeof name)
            return mood__error(MOOD_EINVAL, "feature name '%.40s...' is too long", b);
        memcpy(name, b, len);
        name[len] = '\0';
        for (size_t i = 0; i < out->k; i++)
            if (strcmp(out->names[i], name) == 0)
                return mood__error(MOOD_EINVAL, "column '%s' is listed twice", name);
        s = check_requested(t, name);
        if (s != MOOD_OK)
            return s;
        s = push(out->names, &out->k, name);
        if (s != MOOD_OK)
            return s;
        if (!comma)
            break;
        p = comma + 1;
    }
    return MOOD_OK;
}

/* Number of comma-separated items in spec (an upper bound for the list's length). */
static size_t count_items(const char *spec)
{
    size_t n = 1;
    for (; *spec; spec++)
        n += *spec == ',';
    return n;
}

static int is_default_spec(const char *spec)
{
    const char *p = spec;
    if (!spec)
        return 1;
    while (isspace((unsigned char)*p))
        p++;
    return *p == '\0' || strcasecmp(p, "all-numeric") == 0;
}

mood_status mood_features_select(const mood_table *t, const char *spec, mood_feature_list *out)
{
    size_t ncols, cap;
    mood_status s;
    if (!out)
        return mood__error(MOOD_EINVAL, "features: no output list given");
    memset(out, 0, sizeof *out);
    if (!t)
        return mood__error(MOOD_EINVAL, "features: no table given");
    ncols = mood_table_cols(t);
    cap = is_default_spec(spec) ? ncols : count_items(spec);
    out->names = mood__calloc(cap, sizeof *out->names);
    out->skipped = mood__calloc(ncols, sizeof *out->skipped);
    out->skip_reasons = mood__calloc(ncols, sizeof *out->skip_reasons);
    if (!out->names || !out->skipped || !out->skip_reasons) {
        mood_feature_list_free(out);
        return mood__enomem("features");
    }
    s = is_default_spec(spec) ? select_default(t, out) : select_list(t, spec, out);
    if (s != MOOD_OK)
        mood_feature_list_free(out);
    return s;
}
