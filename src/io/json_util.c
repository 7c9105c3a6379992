/*
 * jansson helpers shared by every subsystem that writes JSON: arrays of numbers, NaN as null,
 * atomic JSON files, loading with a position on syntax errors.
 */
#define _POSIX_C_SOURCE 200809L
#include "json_util.h"

#include "../core/internal.h"

#include <moodscope/fileio.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *mood__json_real(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

json_t *mood__json_str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

void mood__json_copy_str(const json_t *obj, const char *key, char *dst, size_t cap)
{
    const char *v = json_string_value(json_object_get(obj, key));
    if (v)
        snprintf(dst, cap, "%s", v);
}

json_t *mood__json_seed(uint64_t seed)
{
    char buf[32];
    if (seed <= (uint64_t)INT64_MAX)
        return json_integer((json_int_t)seed);
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)seed);
    return json_string(buf);
}

json_t *mood__json_floats(const float *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, mood__json_real((double)v[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

json_t *mood__json_doubles(const double *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, mood__json_real(v[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

mood_status mood__json_read_floats(const json_t *a, size_t n, float *out, const char *file,
                                   const char *what)
{
    if (!json_is_array(a) || json_array_size(a) != n)
        return mood__error(MOOD_EFORMAT, "%s: '%s' must be a list of %zu numbers", file, what, n);
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_array_get(a, i);
        if (json_is_null(v))
            out[i] = NAN;
        else if (json_is_number(v))
            out[i] = (float)json_number_value(v);
        else
            return mood__error(MOOD_EFORMAT, "%s: '%s'[%zu] is not a number", file, what, i);
    }
    return MOOD_OK;
}

mood_status mood__json_write(const char *path, const json_t *j, int digits)
{
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_REAL_PRECISION(digits));
    mood_status s;
    if (!text)
        return mood__enomem("json");
    size_t len = strlen(text);
    text[len] = '\n';
    s = mood_atomic_write(path, text, len + 1);
    free(text);
    return s;
}

mood_status mood__json_load(const char *path, json_t **out)
{
    json_error_t err;
    *out = json_load_file(path, JSON_DECODE_ANY, &err);
    if (!*out) {
        if (!mood_path_exists(path))
            return mood__error(MOOD_ENOTFOUND, "%s: no such file", path);
        return mood__error(MOOD_EFORMAT, "%s:%d:%d: %s", path, err.line, err.column, err.text);
    }
    return MOOD_OK;
}

char *mood__json_dumps(const json_t *j, size_t flags)
{
    char *text = json_dumps(j, flags), *copy;
    if (!text)
        return NULL;
    copy = mood__strdup(text);
    free(text);
    return copy;
}
