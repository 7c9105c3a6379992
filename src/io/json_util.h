/*
 * Small jansson helpers (private to libmoodscope): the one set of "number or null" and JSON file
 * helpers for the store, cluster, server, audio and history code.
 */
#ifndef MOOD_IO_JSON_UTIL_H
#define MOOD_IO_JSON_UTIL_H

#include <moodscope/status.h>

#include <jansson.h>

/* JSON array of n floats / doubles / size_t; NULL on allocation failure. */
json_t *mood__json_floats(const float *v, size_t n);
json_t *mood__json_doubles(const double *v, size_t n);
/* A seed: a JSON integer when it fits in int64, else its decimal text (JSON integers are signed).
 */
json_t *mood__json_seed(uint64_t seed);
/* A real, or null for NaN/inf (JSON has no NaN; json_real refuses them). */
json_t *mood__json_real(double v);
/* A string, or null for a NULL pointer. */
json_t *mood__json_str_or_null(const char *s);
/* Copy the string member @p key of @p obj into @p dst (truncated to @p cap); @p dst is left as
 * it is when the member is absent or not a string. */
void mood__json_copy_str(const json_t *obj, const char *key, char *dst, size_t cap);
/* Read exactly n numbers from array @p a into @p out; EFORMAT naming @p what otherwise. */
mood_status mood__json_read_floats(const json_t *a, size_t n, float *out, const char *file,
                                   const char *what);
/*
 * Write @p j to @p path atomically, indented, keys in insertion order, reals with @p digits
 * significant digits (17 round-trips doubles exactly; model files use it).
 */
mood_status mood__json_write(const char *path, const json_t *j, int digits);
/* Load @p path; EFORMAT with file:line:column and jansson's text on a syntax error. */
mood_status mood__json_load(const char *path, json_t **out);
/* json_dumps into memory from mood__malloc (release with mood_free); NULL on failure. */
char *mood__json_dumps(const json_t *j, size_t flags);

#endif
