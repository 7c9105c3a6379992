/*
 * Shared helpers for the cmocka tests: near-equality with readable output, temporary
 * directories, seeded fixtures and the failing allocator for ENOMEM paths.
 */
#ifndef MOOD_TEST_UTIL_H
#define MOOD_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <moodscope/status.h>

/* |a - b| <= atol + rtol * |b|, printing the expression and both values with %.9g. */
#define MOOD_ASSERT_NEAR(a, b, rtol, atol)                                                         \
    mood_test_assert_near((double)(a), (double)(b), (rtol), (atol), #a, #b, __FILE__, __LINE__)
void mood_test_assert_near(double a, double b, double rtol, double atol, const char *ea,
                           const char *eb, const char *file, int line);

/* Assert a call returned MOOD_OK, printing mood_last_error() otherwise. */
#define MOOD_ASSERT_OK(call) mood_test_assert_ok((call), #call, __FILE__, __LINE__)
void mood_test_assert_ok(mood_status s, const char *expr, const char *file, int line);

/* A fresh empty directory under $MOOD_TEST_TMP (or /tmp); returns a static-lifetime string. */
const char *mood_test_tmpdir(const char *name);
/* ../shared/datasets/<rel>, or NULL (after printing a visible SKIP line) when absent. */
const char *mood_test_dataset(const char *rel);

/*
 * Seeded Gaussian blobs: k centres drawn uniformly in [-spread, spread]^d, n points split
 * evenly, each N(centre, sigma^2 I). out_x: n*d floats; out_truth: n labels (may be NULL).
 */
void mood_test_blobs(uint64_t seed, size_t n, size_t d, size_t k, float spread, float sigma,
                     float *out_x, int32_t *out_truth);

/* Install an allocator that fails on the N-th call from now (N >= 1); 0 disables failing. */
void mood_test_fail_alloc_after(long n);
/* Number of allocations made since the last mood_test_fail_alloc_after() call. */
long mood_test_alloc_count(void);

#endif
