/*
 * The track space: one standardised vector per track plus the metadata columns that the
 * recommenders need, recognised from the spellings real exports use (track_id / id / uri,
 * title / track_name / Track, artist / artists / Artist, tempo_bpm / tempo / bpm, ...).
 */
#include "../core/dist.h"
#include "../core/internal.h"
#include "rec_internal.h"

#include <moodscope/features.h>
#include <moodscope/prep.h>
#include <moodscope/recommend.h>

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Column spellings, most specific first. Matching is case-insensitive. */
static const char *const id_names[] = {"track_id",          "id", "track_uri", "uri",
                                       "spotify_track_uri", NULL};
static const char *const title_names[] = {"title", "track_name", "name", "song",
                                          "track", "trackName",  NULL};
static const char *const artist_names[] = {"artist", "artist_name", "artists", "artistName", NULL};
static const char *const path_names[] = {"path", "file", "filepath", "file_path", "location", NULL};
static const char *const album_names[] = {"album", "album_name", NULL};
static const char *const tempo_names[] = {"tempo_bpm", "tempo", "bpm", NULL};
static const char *const key_names[] = {"key_index", "key", NULL};
static const char *const mode_names[] = {"mode", NULL};
static const char *const energy_names[] = {"energy", NULL};
static const char *const camelot_names[] = {"camelot", NULL};

/*
 * The audio mood descriptors that Spotify-style exports and the analyser share. Identifiers,
 * years, popularity and key numbers say little about how a track sounds, so when these exist
 * the space uses them rather than "every numeric column".
 */
static const char *const audio_features[] = {
    "danceability",     "energy",      "valence",  "acousticness",
    "instrumentalness", "speechiness", "liveness", "loudness_lufs",
    "loudness",         "tempo_bpm",   "tempo",    NULL};

void mood_space_options_default(mood_space_options *o)
{
    memset(o, 0, sizeof *o);
    o->metric = MOOD_METRIC_AUTO;
}

mood_status mood_metric_parse(const char *name, mood_metric *out)
{
    if (name && strcmp(name, "cosine") == 0)
        *out = MOOD_METRIC_COSINE;
    else if (name && strcmp(name, "euclidean") == 0)
        *out = MOOD_METRIC_EUCLIDEAN;
    else if (name && strcmp(name, "auto") == 0)
        *out = MOOD_METRIC_AUTO;
    else
        return mood__error(MOOD_EINVAL, "metric: expected cosine, euclidean or auto, found '%s'",
                           name ? name : "(null)");
    return MOOD_OK;
}

const char *mood_metric_name(mood_metric m)
{
    return m == MOOD_METRIC_COSINE ? "cosine" : m == MOOD_METRIC_EUCLIDEAN ? "euclidean" : "auto";
}

size_t mood__find_col(const mood_table *t, const char *const *names, int want_num)
{
    size_t nc = mood_table_cols(t);
    for (size_t k = 0; names[k]; k++) {
        for (size_t j = 0; j < nc; j++) {
            int is_num = mood_table_col_kind(t, j) == MOOD_COL_NUM;
            if (want_num >= 0 && is_num != want_num)
                continue;
            if (strcasecmp(mood_table_col_name(t, j), names[k]) == 0)
                return j;
        }
    }
    return SIZE_MAX;
}

/* A usable feature column: numeric, at least one value and not constant. */
static int column_usable(const mood_table *t, size_t j)
{
    const float *v = mood_table_num_const(t, j);
    size_t n = mood_table_rows(t);
    float first = NAN;
    int varies = 0;
    if (!v)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i]))
            continue;
        if (isnan(first))
            first = v[i];
        else if (v[i] != first)
            varies = 1;
    }
    return varies;
}

static mood_status add_name(char ***names, size_t *k, const char *name)
{
    char **nn = mood__realloc(*names, (*k + 1) * sizeof *nn);
    if (!nn)
        return mood__enomem("space");
    *names = nn;
    nn[*k] = mood__strdup(name);
    if (!nn[*k])
        return mood__enomem("space");
    (*k)++;
    return MOOD_OK;
}

/*
 * Choose the feature columns. Returns the names (owned) and whether they are precomputed
 * similarity vectors (sim_*), which are already standardised by the analyser.
 */
static mood_status choose_features(const mood_table *t, const char *spec, char ***out_names,
                                   size_t *out_k, int *out_sim)
{
    size_t nc = mood_table_cols(t);
    mood_status st = MOOD_OK;
    *out_names = NULL;
    *out_k = 0;
    *out_sim = 0;
    if (spec && spec[0]) {
        mood_feature_list fl;
        memset(&fl, 0, sizeof fl);
        st = mood_features_select(t, spec, &fl);
        if (st != MOOD_OK)
            return st;
        for (size_t j = 0; j < fl.k && st == MOOD_OK; j++)
            st = add_name(out_names, out_k, fl.names[j]);
        mood_feature_list_free(&fl);
        return st;
    }
    for (size_t j = 0; j < nc && st == MOOD_OK; j++) {
        const char *nm = mood_table_col_name(t, j);
        if (strncmp(nm, "sim_", 4) == 0 && mood_table_col_kind(t, j) == MOOD_COL_NUM &&
            column_usable(t, j))
            st = add_name(out_names, out_k, nm);
    }
    if (st != MOOD_OK || *out_k > 0) {
        *out_sim = *out_k > 0;
        return st;
    }
    int have_tempo = 0, have_loud = 0;
    for (size_t a = 0; audio_features[a] && st == MOOD_OK; a++) {
        const char *const one[] = {audio_features[a], NULL};
        size_t j = mood__find_col(t, one, 1);
        int is_tempo = strncmp(audio_features[a], "tempo", 5) == 0;
        int is_loud = strncmp(audio_features[a], "loudness", 8) == 0;
        if (j == SIZE_MAX || !column_usable(t, j))
            continue;
        if ((is_tempo && have_tempo) || (is_loud && have_loud))
            continue; /* tempo_bpm and tempo are the same quantity: keep the first */
        have_tempo |= is_tempo;
        have_loud |= is_loud;
        st = add_name(out_names, out_k, mood_table_col_name(t, j));
    }
    if (st != MOOD_OK || *out_k >= 2)
        return st;
    for (size_t j = 0; j < *out_k; j++)
        mood__free((*out_names)[j]);
    mood__free(*out_names);
    *out_names = NULL;
    *out_k = 0;
    return choose_features(t, "all-numeric", out_names, out_k, out_sim);
}

void mood_space_destroy(mood_space *s)
{
    if (!s)
        return;
    mood_table_destroy(s->t);
    mood__free(s->x);
    if (s->features) {
        for (size_t j = 0; j < s->d; j++)
            mood__free(s->features[j]);
        mood__free(s->features);
    }
    if (s->ids) {
        for (size_t i = 0; i < s->n; i++)
            mood__free(s->ids[i]);
        mood__free(s->ids);
    }
    if (s->norm_title) {
        for (size_t i = 0; i < s->n; i++)
            mood__free(s->norm_title[i]);
        mood__free(s->norm_title);
    }
    if (s->norm_artist) {
        for (size_t i = 0; i < s->n; i++)
            mood__free(s->norm_artist[i]);
        mood__free(s->norm_artist);
    }
    mood__free(s);
}

/* Track ids as strings: the id column (text or numeric) or "row:<1-based row>". */
static mood_status fill_ids(mood_space *s)
{
    size_t jt = mood__find_col(s->t, id_names, 0);
    size_t jn = jt == SIZE_MAX ? mood__find_col(s->t, id_names, 1) : SIZE_MAX;
    const float *num = jn != SIZE_MAX ? mood_table_num_const(s->t, jn) : NULL;
    s->ids = mood__calloc(s->n, sizeof *s->ids);
    if (!s->ids)
        return mood__enomem("space ids");
    for (size_t i = 0; i < s->n; i++) {
        char buf[64];
        const char *v = NULL;
        if (jt != SIZE_MAX)
            v = mood_table_str(s->t, jt, i);
        if (!v || !v[0]) {
            if (num && !isnan(num[i]))
                snprintf(buf, sizeof buf, "%.0f", (double)num[i]);
            else
                snprintf(buf, sizeof buf, "row:%zu", i + 1);
            v = buf;
        }
        s->ids[i] = mood__strdup(v);
        if (!s->ids[i])
            return mood__enomem("space ids");
    }
    return MOOD_OK;
}

static mood_status fill_norms(mood_space *s)
{
    char buf[1024];
    s->norm_title = mood__calloc(s->n, sizeof *s->norm_title);
    s->norm_artist = mood__calloc(s->n, sizeof *s->norm_artist);
    if (!s->norm_title || !s->norm_artist)
        return mood__enomem("space");
    for (size_t i = 0; i < s->n; i++) {
        mood_text_normalize(mood_space_title(s, i), buf, sizeof buf);
        s->norm_title[i] = mood__strdup(buf);
        mood_text_normalize(mood_space_artist(s, i), buf, sizeof buf);
        s->norm_artist[i] = mood__strdup(buf);
        if (!s->norm_title[i] || !s->norm_artist[i])
            return mood__enomem("space");
    }
    return MOOD_OK;
}

static void find_meta(mood_space *s)
{
    const mood_table *t = s->t;
    s->c_title = mood__find_col(t, title_names, 0);
    s->c_artist = mood__find_col(t, artist_names, 0);
    s->c_path = mood__find_col(t, path_names, 0);
    s->c_album = mood__find_col(t, album_names, 0);
    s->c_tempo = mood__find_col(t, tempo_names, 1);
    s->c_key = mood__find_col(t, key_names, 1);
    s->c_mode = mood__find_col(t, mode_names, 1);
    s->c_energy = mood__find_col(t, energy_names, 1);
    s->c_camelot = mood__find_col(t, camelot_names, 0);
    {
        static const char *const s_names[] = {"duration_s", NULL};
        static const char *const ms_names[] = {"duration_ms", NULL};
        static const char *const any_names[] = {"duration", NULL};
        s->duration_scale = 1.0f;
        s->c_duration = mood__find_col(t, s_names, 1);
        if (s->c_duration == SIZE_MAX) {
            s->c_duration = mood__find_col(t, ms_names, 1);
            s->duration_scale = 0.001f;
        }
        if (s->c_duration == SIZE_MAX) {
            /* A bare "Duration" column: milliseconds in Spotify exports, seconds elsewhere;
             * no song lasts 3000 s, so a median above that means milliseconds. */
            s->c_duration = mood__find_col(t, any_names, 1);
            if (s->c_duration != SIZE_MAX) {
                const float *v = mood_table_num_const(t, s->c_duration);
                size_t big = 0, seen = 0;
                for (size_t i = 0; i < s->n; i++)
                    if (!isnan(v[i])) {
                        seen++;
                        big += v[i] > 3000.0f;
                    }
                s->duration_scale = (seen && big * 2 > seen) ? 0.001f : 1.0f;
            }
        }
    }
}

mood_status mood_space_create(const mood_table *t, const mood_space_options *o, mood_space **out)
{
    mood_space_options defaults;
    mood_space *s = NULL;
    mood_status st;
    int sim = 0;
    float *median = NULL;
    *out = NULL;
    if (!o) {
        mood_space_options_default(&defaults);
        o = &defaults;
    }
    if (!t || mood_table_rows(t) == 0)
        return mood__error(MOOD_EINVAL, "space: the track table has no rows");
    s = mood__calloc(1, sizeof *s);
    if (!s)
        return mood__enomem("space");
    s->n = mood_table_rows(t);
    st = mood_table_clone(t, &s->t);
    if (st != MOOD_OK)
        goto fail;
    st = choose_features(s->t, o->features, &s->features, &s->d, &sim);
    if (st != MOOD_OK)
        goto fail;
    if (s->d == 0) {
        st = mood__error(MOOD_EINVAL, "space: the track table has no usable numeric feature");
        goto fail;
    }
    s->metric = o->metric != MOOD_METRIC_AUTO ? o->metric
                                              : (sim ? MOOD_METRIC_COSINE : MOOD_METRIC_EUCLIDEAN);
    s->x = mood__malloc_array(s->n * s->d, sizeof *s->x);
    median = mood__malloc_array(s->d, sizeof *median);
    if (!s->x || !median) {
        st = mood__enomem("space vectors");
        goto fail;
    }
    st = mood_table_matrix(s->t, (const char *const *)s->features, s->d, s->x);
    if (st != MOOD_OK)
        goto fail;
    st = mood_impute_fit(s->x, s->n, s->d, median, NULL);
    if (st != MOOD_OK)
        goto fail;
    mood_impute_apply(s->x, s->n, s->d, median);
    if (!sim) {
        mood_scaler sc;
        memset(&sc, 0, sizeof sc);
        st = mood_scaler_fit(MOOD_SCALER_STANDARD, s->x, s->n, s->d, &sc);
        if (st != MOOD_OK)
            goto fail;
        mood_scaler_transform(&sc, s->x, s->n);
        mood_scaler_free(&sc);
    }
    if (s->metric == MOOD_METRIC_COSINE)
        mood__normalize_rows(s->x, s->n, s->d);
    find_meta(s);
    st = fill_ids(s);
    if (st == MOOD_OK)
        st = fill_norms(s);
    if (st != MOOD_OK)
        goto fail;
    mood__free(median);
    *out = s;
    return MOOD_OK;
fail:
    mood__free(median);
    mood_space_destroy(s);
    return st;
}

void mood__normalize_rows(float *x, size_t n, size_t d)
{
    for (size_t i = 0; i < n; i++) {
        float *r = x + i * d;
        const double ss = mood__sqnorm_f64(r, d);
        if (ss > 0.0) {
            float inv = (float)(1.0 / sqrt(ss));
            for (size_t j = 0; j < d; j++)
                r[j] *= inv;
        }
    }
}

size_t mood_space_size(const mood_space *s)
{
    return s->n;
}

size_t mood_space_dim(const mood_space *s)
{
    return s->d;
}

mood_metric mood_space_metric(const mood_space *s)
{
    return s->metric;
}

const float *mood_space_vectors(const mood_space *s)
{
    return s->x;
}

const char *mood_space_feature(const mood_space *s, size_t j)
{
    return j < s->d ? s->features[j] : "";
}

const mood_table *mood_space_table(const mood_space *s)
{
    return s->t;
}

const char *mood_space_id(const mood_space *s, size_t i)
{
    return s->ids[i];
}

static const char *str_or_empty(const mood_space *s, size_t j, size_t i)
{
    return j == SIZE_MAX ? "" : mood_table_str(s->t, j, i);
}

static float num_or_nan(const mood_space *s, size_t j, size_t i)
{
    return j == SIZE_MAX ? NAN : mood_table_num_const(s->t, j)[i];
}

const char *mood_space_title(const mood_space *s, size_t i)
{
    return str_or_empty(s, s->c_title, i);
}

const char *mood_space_artist(const mood_space *s, size_t i)
{
    return str_or_empty(s, s->c_artist, i);
}

const char *mood_space_path(const mood_space *s, size_t i)
{
    return str_or_empty(s, s->c_path, i);
}

const char *mood_space_album(const mood_space *s, size_t i)
{
    return str_or_empty(s, s->c_album, i);
}

float mood_space_tempo(const mood_space *s, size_t i)
{
    float v = num_or_nan(s, s->c_tempo, i);
    return v > 0.0f ? v : NAN;
}

float mood_space_energy(const mood_space *s, size_t i)
{
    return num_or_nan(s, s->c_energy, i);
}

float mood_space_duration(const mood_space *s, size_t i)
{
    return num_or_nan(s, s->c_duration, i) * s->duration_scale;
}

char mood_space_camelot(const mood_space *s, size_t i, int *out_num)
{
    *out_num = 0;
    if (s->c_camelot != SIZE_MAX) {
        const char *c = mood_table_str(s->t, s->c_camelot, i);
        int num = 0;
        while (isdigit((unsigned char)*c))
            num = num * 10 + (*c++ - '0');
        char letter = (char)toupper((unsigned char)*c);
        if (num >= 1 && num <= 12 && (letter == 'A' || letter == 'B')) {
            *out_num = num;
            return letter;
        }
    }
    float key = num_or_nan(s, s->c_key, i);
    float mode = num_or_nan(s, s->c_mode, i);
    if (isnan(key) || isnan(mode) || key < 0.0f || key > 11.0f)
        return 0; /* Spotify writes key = -1 when no key was detected */
    return mood_camelot((int)lrintf(key), mode >= 0.5f, out_num);
}

float mood_space_distance_to(const mood_space *s, const float *q, size_t b)
{
    const float *y = s->x + b * s->d;
    double acc = 0.0;
    if (s->metric == MOOD_METRIC_COSINE) {
        for (size_t j = 0; j < s->d; j++)
            acc += (double)q[j] * (double)y[j];
        return (float)(1.0 - acc);
    }
    for (size_t j = 0; j < s->d; j++) {
        double dd = (double)q[j] - (double)y[j];
        acc += dd * dd;
    }
    return (float)sqrt(acc);
}

float mood_space_distance(const mood_space *s, size_t a, size_t b)
{
    return mood_space_distance_to(s, s->x + a * s->d, b);
}
