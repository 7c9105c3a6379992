/*
 * Replaceable allocator (libuv's uv_replace_allocator): tests swap in a failing allocator to
 * walk every ENOMEM path.
 */
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void *(*alloc_malloc)(size_t) = malloc;
static void *(*alloc_realloc)(void *, size_t) = realloc;
static void *(*alloc_calloc)(size_t, size_t) = calloc;
static void (*alloc_free)(void *) = free;

mood_status mood_set_allocator(void *(*malloc_fn)(size_t), void *(*realloc_fn)(void *, size_t),
                               void *(*calloc_fn)(size_t, size_t), void (*free_fn)(void *))
{
    if (!malloc_fn && !realloc_fn && !calloc_fn && !free_fn) {
        alloc_malloc = malloc;
        alloc_realloc = realloc;
        alloc_calloc = calloc;
        alloc_free = free;
        return MOOD_OK;
    }
    if (!malloc_fn || !realloc_fn || !calloc_fn || !free_fn)
        return mood__error(MOOD_EINVAL, "set_allocator: give all four functions or none");
    alloc_malloc = malloc_fn;
    alloc_realloc = realloc_fn;
    alloc_calloc = calloc_fn;
    alloc_free = free_fn;
    return MOOD_OK;
}

void *mood__malloc(size_t size)
{
    return alloc_malloc(size ? size : 1);
}

void *mood__calloc(size_t n, size_t size)
{
    return alloc_calloc(n ? n : 1, size ? size : 1);
}

void *mood__realloc(void *p, size_t size)
{
    return alloc_realloc(p, size ? size : 1);
}

void mood__free(void *p)
{
    if (p)
        alloc_free(p);
}

void mood_free(void *p)
{
    mood__free(p);
}

void *mood__malloc_array(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    return mood__malloc(n * size);
}

void *mood__grow(void *p, size_t *cap, size_t need, size_t elem, size_t first)
{
    size_t nc = *cap ? *cap : first;
    if (need <= *cap)
        return p;
    while (nc < need) {
        if (nc > SIZE_MAX / 2)
            return NULL;
        nc *= 2;
    }
    if (elem && nc > SIZE_MAX / elem)
        return NULL;
    void *q = mood__realloc(p, nc * elem);
    if (q)
        *cap = nc;
    return q;
}

char *mood__strdup(const char *s)
{
    size_t len = strlen(s) + 1;
    char *d = mood__malloc(len);
    if (d)
        memcpy(d, s, len);
    return d;
}

int mood__scratch_alloc(mood_scratch *s, const size_t (*spec)[2], size_t n, int *failed)
{
    int ok = n <= MOOD_SCRATCH_MAX;
    s->n = ok ? n : 0;
    for (size_t i = 0; i < s->n; i++) {
        s->p[i] = spec[i][0] ? mood__malloc_array(spec[i][0], spec[i][1]) : NULL;
        if (spec[i][0] && !s->p[i])
            ok = 0;
    }
    if (!ok) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
        *failed = 1;
    }
    return ok;
}

void mood__scratch_free(mood_scratch *s)
{
    for (size_t i = 0; i < s->n; i++) {
        mood__free(s->p[i]);
        s->p[i] = NULL;
    }
    s->n = 0;
}
