/*
 * The demo tables behind `make demo`: four mood archetypes with realistic Spotify-style
 * feature ranges, split into a calm/clean and an energetic/noisy file.
 */
#include "../core/internal.h"

#include <moodscope/demo.h>
#include <moodscope/rng.h>

#include <math.h>
#include <stdio.h>

typedef struct archetype {
    const char *title;
    double mean[5]; /* energy, valence, tempo, acousticness, loudness */
    double sd[5];
} archetype;

static const char *const feature_names[5] = {"energy", "valence", "tempo", "acousticness",
                                             "loudness"};

static float clamp01(double v)
{
    return (float)(v < 0 ? 0 : v > 1 ? 1 : v);
}

static mood_status make_table(mood_rng *r, const archetype *types, size_t n_types, size_t n,
                              double noise, double missing_rate, const char *prefix,
                              mood_table **out)
{
    mood_table *t;
    float *cols[5] = {NULL};
    char **ids = mood__calloc(n, sizeof(char *));
    char **titles = mood__calloc(n, sizeof(char *));
    mood_status s = mood_table_create(n, &t);
    if (s == MOOD_OK && (!ids || !titles))
        s = mood__enomem("demo");
    for (int f = 0; s == MOOD_OK && f < 5; f++) {
        cols[f] = mood__malloc_array(n, sizeof(float));
        if (!cols[f])
            s = mood__enomem("demo");
    }
    for (size_t i = 0; s == MOOD_OK && i < n; i++) {
        const archetype *a = &types[i % n_types];
        char buf[64];
        for (int f = 0; f < 5; f++) {
            double v = a->mean[f] + a->sd[f] * noise * mood_rng_normal(r);
            cols[f][i] = (f == 2 || f == 4) ? (float)v : clamp01(v);
            if (mood_rng_uniform(r) < missing_rate)
                cols[f][i] = NAN;
        }
        snprintf(buf, sizeof buf, "%s%04zu", prefix, i + 1);
        ids[i] = mood__strdup(buf);
        snprintf(buf, sizeof buf, "%s #%zu", a->title, i / n_types + 1);
        titles[i] = mood__strdup(buf);
        if (!ids[i] || !titles[i])
            s = mood__enomem("demo");
    }
    if (s == MOOD_OK)
        s = mood_table_add_str(t, "track_id", (const char *const *)ids);
    if (s == MOOD_OK)
        s = mood_table_add_str(t, "title", (const char *const *)titles);
    for (int f = 0; s == MOOD_OK && f < 5; f++)
        s = mood_table_add_num(t, feature_names[f], cols[f]);
    for (size_t i = 0; i < n; i++) {
        if (ids)
            mood__free(ids[i]);
        if (titles)
            mood__free(titles[i]);
    }
    mood__free(ids);
    mood__free(titles);
    for (int f = 0; f < 5; f++)
        mood__free(cols[f]);
    if (s != MOOD_OK) {
        mood_table_destroy(t);
        t = NULL;
    }
    *out = t;
    return s;
}

mood_status mood_demo_tables(uint64_t seed, mood_table **out_a, mood_table **out_b)
{
    static const archetype calm[2] = {
        {"Quiet acoustic ballad", {0.22, 0.30, 76, 0.86, -15}, {0.06, 0.08, 6, 0.06, 2}},
        {"Mellow sunny song", {0.45, 0.74, 104, 0.55, -9.5}, {0.07, 0.08, 7, 0.10, 1.5}},
    };
    static const archetype loud[2] = {
        {"Dark intense anthem", {0.92, 0.22, 148, 0.04, -4.5}, {0.04, 0.07, 8, 0.03, 1.2}},
        {"Happy dance track", {0.80, 0.84, 124, 0.10, -5.5}, {0.06, 0.06, 4, 0.06, 1.3}},
    };
    mood_rng r;
    mood_status s;
    *out_a = *out_b = NULL;
    mood_rng_seed(&r, seed);
    s = make_table(&r, calm, 2, 300, 1.0, 0.0, "A", out_a);
    if (s == MOOD_OK)
        s = make_table(&r, loud, 2, 300, 1.6, 0.01, "B", out_b);
    if (s != MOOD_OK) {
        mood_table_destroy(*out_a);
        *out_a = NULL;
    }
    return s;
}
