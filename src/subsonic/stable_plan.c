/*
 * The churn plan of a stable playlist update: what stays (in its old order), what leaves, what
 * is appended, and what waits for a later update because of the cap. Kept apart from the store
 * so that the unit tests exercise it on plain arrays.
 *
 * Why append rather than insert new tracks where they fit best: listeners learn a playlist's
 * order, and a player or server applies "remove these entries, append those" without touching
 * the rest (Subsonic's updatePlaylist does exactly that), so the update stays minimal end to end.
 * Removals and additions alternate under the cap so that a capped playlist neither shrinks nor
 * swells while it converges.
 */
#include "subsonic_internal.h"

#include "../core/internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct key_ref {
    const char *key;
    size_t i;
} key_ref;

static int cmp_ref(const void *a, const void *b)
{
    return strcmp(((const key_ref *)a)->key, ((const key_ref *)b)->key);
}

/* Sorted references to @p keys for bsearch (NULL keys read as ""). */
static key_ref *index_keys(const char *const *keys, size_t n)
{
    key_ref *r = mood__malloc_array(n ? n : 1, sizeof *r);
    if (!r)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        r[i].key = keys[i] ? keys[i] : "";
        r[i].i = i;
    }
    qsort(r, n, sizeof *r, cmp_ref);
    return r;
}

static int has_key(const key_ref *idx, size_t n, const char *key)
{
    key_ref q = {key ? key : "", 0};
    return n && bsearch(&q, idx, n, sizeof *idx, cmp_ref) != NULL;
}

size_t mood__stable_cap(const mood_stable_options *o, size_t n)
{
    double c;
    if (n == 0)
        return SIZE_MAX; /* a first version is built whole */
    if (o->max_change_abs)
        return o->max_change_abs;
    if (!(o->max_change_frac > 0.0) || o->max_change_frac >= 1.0)
        return SIZE_MAX;
    c = o->max_change_frac * (double)n;
    return c < 1.0 ? 1 : (size_t)c;
}

void mood__stable_plan_free(stable_plan *p)
{
    mood__free(p->keep);
    mood__free(p->add);
    mood__free(p->remove);
    memset(p, 0, sizeof *p);
}

/* Choose the removals and additions within @p cap; *drop[i] marks old tracks that leave. */
static void choose(const size_t *opt_rm, size_t n_opt, const size_t *adds, size_t n_adds,
                   size_t forced, size_t cap, unsigned char *drop, stable_plan *p)
{
    size_t budget = cap > forced ? cap - forced : 0, r = 0, a = 0;
    int turn_remove = 1;
    if (cap == SIZE_MAX)
        budget = SIZE_MAX;
    while (budget > 0 && (r < n_opt || a < n_adds)) {
        if ((turn_remove && r < n_opt) || a >= n_adds)
            drop[opt_rm[r++]] = 1;
        else
            p->add[p->n_add++] = adds[a++];
        turn_remove = !turn_remove;
        budget--;
    }
    p->deferred = (n_opt - r) + (n_adds - a);
}

mood_status mood__stable_plan(const char *const *old, size_t n_old, const unsigned char *gone,
                              const char *const *wanted, size_t n_new, size_t cap, stable_plan *out)
{
    key_ref *iold = index_keys(old, n_old), *inew = index_keys(wanted, n_new);
    size_t *opt_rm = mood__malloc_array(n_old + 1, sizeof *opt_rm);
    size_t *adds = mood__malloc_array(n_new + 1, sizeof *adds);
    unsigned char *drop = mood__calloc(n_old + 1, 1);
    size_t n_opt = 0, n_adds = 0, forced = 0;
    mood_status s = MOOD_OK;
    memset(out, 0, sizeof *out);
    out->keep = mood__malloc_array(n_old + 1, sizeof *out->keep);
    out->remove = mood__malloc_array(n_old + 1, sizeof *out->remove);
    out->add = mood__malloc_array(n_new + 1, sizeof *out->add);
    if (!iold || !inew || !opt_rm || !adds || !drop || !out->keep || !out->remove || !out->add) {
        s = mood__enomem("stable playlist plan");
        goto done;
    }
    for (size_t i = 0; i < n_old; i++) {
        if (gone && gone[i]) {
            drop[i] = 1;
            forced++;
        } else if (!has_key(inew, n_new, old[i])) {
            opt_rm[n_opt++] = i;
        }
    }
    for (size_t j = 0; j < n_new; j++)
        if (!has_key(iold, n_old, wanted[j]))
            adds[n_adds++] = j;
    choose(opt_rm, n_opt, adds, n_adds, forced, cap, drop, out);
    for (size_t i = 0; i < n_old; i++) {
        if (drop[i])
            out->remove[out->n_remove++] = i;
        else
            out->keep[out->n_keep++] = i;
    }
done:
    mood__free(iold);
    mood__free(inew);
    mood__free(opt_rm);
    mood__free(adds);
    mood__free(drop);
    if (s != MOOD_OK)
        mood__stable_plan_free(out);
    return s;
}
