/*
 * Song path: evenly spaced waypoints on the straight line from A to B (normalised back onto the
 * sphere for cosine spaces), each filled by the nearest unused track that lies further along
 * the line than the previous pick. The step count shrinks when the line is short for the
 * library's local neighbour distance (more steps would only repeat the same neighbourhood), and
 * a waypoint no track comes within a step of is dropped, so a sparse library gives a shorter,
 * honest path rather than detours.
 */
#include "../core/internal.h"
#include "rec_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Median distance of the 5 nearest neighbours around a point: the library's local grain. */
static mood_status local_grain(const mood_index *ix, const float *q, float *out)
{
    size_t rows[6], found = 0;
    float dist[6];
    mood_status st = mood_index_search(ix, q, 6, rows, dist, &found);
    *out = 0.0f;
    if (st != MOOD_OK || found < 2)
        return st;
    /* the first hit is the track itself */
    qsort(dist + 1, found - 1, sizeof *dist, cmp_float);
    *out = dist[1 + (found - 1) / 2];
    return MOOD_OK;
}

static int title_used(const mood_space *s, const size_t *used, size_t n_used, size_t r)
{
    for (size_t k = 0; k < n_used; k++) {
        size_t u = used[k];
        if (u == r || strcmp(s->ids[u], s->ids[r]) == 0)
            return 1;
        if (s->norm_title[r][0] && strcmp(s->norm_title[u], s->norm_title[r]) == 0)
            return 1; /* same title, and so also the same artist-title pair */
    }
    return 0;
}

mood_status mood_song_path(const mood_space *s, const mood_index *ix, size_t a, size_t b, size_t n,
                           mood_hit *out, mood_path_info *info)
{
    size_t d = s->d, req, m = 0, *used = NULL, *rows = NULL, pool = 64;
    float *w = NULL, *dir = NULL, *dist = NULL;
    float total, grain_a, grain_b, grain, step, t_prev = 0.0f;
    double dir2 = 0.0;
    mood_status st;
    memset(info, 0, sizeof *info);
    if (a >= s->n || b >= s->n)
        return mood__error(MOOD_EINVAL, "path: rows %zu and %zu must be below %zu", a, b, s->n);
    if (n < 2)
        return mood__error(MOOD_EINVAL, "path: -n %zu must be at least 2 (the two endpoints)", n);
    if (a == b || strcmp(s->ids[a], s->ids[b]) == 0)
        return mood__error(MOOD_EINVAL, "path: start and end are the same track");
    total = mood_space_distance(s, a, b);
    st = local_grain(ix, s->x + a * d, &grain_a);
    if (st == MOOD_OK)
        st = local_grain(ix, s->x + b * d, &grain_b);
    if (st != MOOD_OK)
        return st;
    grain = 0.5f * (grain_a + grain_b);
    req = n;
    if (grain > 0.0f && total / (float)(n - 1) < grain) {
        size_t fit = (size_t)floorf(total / grain) + 1;
        req = MOOD_MAX((size_t)2, MOOD_MIN(n, fit));
    }
    step = total / (float)(req - 1);
    info->requested = req;
    info->step = step;
    info->local_nn = grain;
    w = mood__malloc_array(d, sizeof *w);
    dir = mood__malloc_array(d, sizeof *dir);
    used = mood__malloc_array(req, sizeof *used);
    if (!w || !dir || !used) {
        st = mood__enomem("path");
        goto done;
    }
    for (size_t j = 0; j < d; j++) {
        dir[j] = s->x[b * d + j] - s->x[a * d + j];
        dir2 += (double)dir[j] * (double)dir[j];
    }
    used[m] = a;
    memset(&out[m], 0, sizeof out[m]);
    out[m].row = a;
    m++;
    used[m] = b; /* reserved so that no waypoint takes B or its title */
    for (size_t i = 1; i + 1 < req; i++) {
        float t = (float)i / (float)(req - 1);
        size_t found = 0;
        int placed = 0;
        for (size_t j = 0; j < d; j++)
            w[j] = s->x[a * d + j] + t * dir[j];
        if (s->metric == MOOD_METRIC_COSINE)
            mood__normalize_rows(w, 1, d);
        st = mood__search_alloc(ix, w, pool, &rows, &dist, &found);
        if (st != MOOD_OK)
            goto done;
        for (size_t c = 0; c < found && !placed; c++) {
            size_t r = rows[c];
            double proj = 0.0;
            float tr;
            if (dist[c] > MOOD_MAX(step, grain))
                break; /* sorted: nothing closer follows */
            if (title_used(s, used, m + 1, r))
                continue;
            for (size_t j = 0; j < d; j++)
                proj += ((double)s->x[r * d + j] - (double)s->x[a * d + j]) * (double)dir[j];
            tr = dir2 > 0.0 ? (float)(proj / dir2) : t;
            if (!(tr > t_prev) || !(tr < 1.0f))
                continue; /* keep moving forward, never past B */
            memset(&out[m], 0, sizeof out[m]);
            out[m].row = r;
            out[m].distance = dist[c];
            out[m].score = tr;
            used[m] = r;
            m++;
            used[m] = b;
            t_prev = tr;
            placed = 1;
        }
        mood__free(rows);
        mood__free(dist);
        rows = NULL;
        dist = NULL;
    }
    memset(&out[m], 0, sizeof out[m]);
    out[m].row = b;
    out[m].score = 1.0f;
    m++;
    info->found = m;
done:
    mood__free(w);
    mood__free(dir);
    mood__free(used);
    return st;
}
