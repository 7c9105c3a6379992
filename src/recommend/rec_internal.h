/*
 * Private pieces shared by the recommend subsystem's files. Never installed.
 */
#ifndef MOOD_REC_INTERNAL_H
#define MOOD_REC_INTERNAL_H

#include <moodscope/recommend.h>

struct mood_space {
    size_t n, d;
    mood_metric metric;
    float *x;          /* n×d, unit rows for cosine */
    char **features;   /* d names */
    mood_table *t;     /* own copy of the input */
    char **ids;        /* n */
    char **norm_title; /* n, mood_text_normalize()d */
    char **norm_artist;
    size_t c_title, c_artist, c_path, c_album, c_tempo, c_key, c_mode, c_energy, c_camelot;
    size_t c_duration;
    float duration_scale;
};

/* Column of @p t whose name matches one of @p names (case-insensitive, in order of @p names);
 * want_num: 1 numeric, 0 text, -1 either. SIZE_MAX when none. */
size_t mood__find_col(const mood_table *t, const char *const *names, int want_num);
/* Scale each row of x to unit length (zero rows stay zero). */
void mood__normalize_rows(float *x, size_t n, size_t d);
/* Non-zero when rows a and b are the same song: same normalised title and artist. */
int mood__same_song(const mood_space *s, size_t a, size_t b);
/* Append "; "-separated text to a reasons buffer. */
void mood__reason(char *buf, size_t cap, const char *fmt, ...) MOOD_PRINTF(3, 4);
/* Exact k-NN of one query; sqnorm: the rows' squared norms (unused for cosine). */
mood_status mood__knn_one(const float *base, const float *sqnorm, size_t n, size_t d,
                          mood_metric metric, const float *q, size_t k, size_t *out_rows,
                          float *out_dist);
/* Search the index around q for up to k rows; the array is allocated (mood__free). */
mood_status mood__search_alloc(const mood_index *ix, const float *q, size_t k, size_t **out_rows,
                               float **out_dist, size_t *out_found);

#endif
