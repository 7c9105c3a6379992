/*
 * Known-answer tests of the prep subsystem: median imputation, the three scalers (values
 * checked by hand against numpy/scikit-learn definitions), PCA on a line and on independent
 * axes, the selection-based quantiles against a sort, every error path, and ENOMEM at every
 * allocation.
 */
#include "test_util.h"

#include "quantile.h"

#include <moodscope/prep.h>
#include <moodscope/rng.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void expect_einval(mood_status s, const char *needle)
{
    assert_int_equal(s, MOOD_EINVAL);
    if (!strstr(mood_last_error(), needle)) {
        print_error("message '%s' lacks '%s'\n", mood_last_error(), needle);
        fail();
    }
}

static void test_impute(void **state)
{
    (void)state;
    float x[8] = {1, NAN, NAN, 2, 3, 4, 10, NAN};
    float med[2];
    size_t miss[2];
    MOOD_ASSERT_OK(mood_impute_fit(x, 4, 2, med, miss));
    MOOD_ASSERT_NEAR(med[0], 3.0, 0, 0); /* median of 1, 3, 10 */
    MOOD_ASSERT_NEAR(med[1], 3.0, 0, 0); /* mean of the middle pair 2, 4 */
    assert_int_equal(miss[0], 1);
    assert_int_equal(miss[1], 2);
    assert_int_equal(mood_impute_apply(x, 4, 2, med), 3);
    const float want[8] = {1, 3, 3, 2, 3, 4, 10, 3};
    assert_memory_equal(x, want, sizeof want);
    assert_int_equal(mood_impute_apply(x, 4, 2, med), 0);

    float empty[6] = {1, NAN, 2, NAN, 3, NAN};
    expect_einval(mood_impute_fit(empty, 3, 2, med, NULL), "column 1 has no values");
    expect_einval(mood_impute_fit(empty, 0, 2, med, NULL), "n=0");
    expect_einval(mood_impute_fit(NULL, 3, 2, med, NULL), "NULL");
    assert_int_equal(mood_impute_apply(NULL, 3, 2, med), 0);
}

static void test_scalers(void **state)
{
    (void)state;
    /* Column 0: 1, 2, 3, 4; column 1 constant. */
    const float x[8] = {1, 5, 2, 5, 3, 5, 4, 5};
    mood_scaler s;
    MOOD_ASSERT_OK(mood_scaler_fit(MOOD_SCALER_STANDARD, x, 4, 2, &s));
    MOOD_ASSERT_NEAR(s.center[0], 2.5, 1e-7, 0);
    MOOD_ASSERT_NEAR(s.scale[0], sqrt(1.25), 1e-7, 0); /* population std */
    MOOD_ASSERT_NEAR(s.center[1], 5.0, 0, 0);
    MOOD_ASSERT_NEAR(s.scale[1], 1.0, 0, 0); /* constant column: scale 1 */
    float y[8];
    memcpy(y, x, sizeof y);
    mood_scaler_transform(&s, y, 4);
    MOOD_ASSERT_NEAR(y[0], -1.5 / sqrt(1.25), 1e-6, 0);
    MOOD_ASSERT_NEAR(y[1], 0.0, 0, 0);
    mood_scaler_inverse(&s, y, 4);
    for (int i = 0; i < 8; i++)
        MOOD_ASSERT_NEAR(y[i], x[i], 1e-6, 0);
    mood_scaler_free(&s);
    mood_scaler_free(&s); /* idempotent */

    MOOD_ASSERT_OK(mood_scaler_fit(MOOD_SCALER_MINMAX, x, 4, 2, &s));
    MOOD_ASSERT_NEAR(s.center[0], 1.0, 0, 0);
    MOOD_ASSERT_NEAR(s.scale[0], 3.0, 0, 0);
    MOOD_ASSERT_NEAR(s.scale[1], 1.0, 0, 0);
    memcpy(y, x, sizeof y);
    mood_scaler_transform(&s, y, 4);
    MOOD_ASSERT_NEAR(y[6], 1.0, 1e-7, 0);
    MOOD_ASSERT_NEAR(y[2], 1.0 / 3.0, 1e-7, 0);
    mood_scaler_free(&s);

    MOOD_ASSERT_OK(mood_scaler_fit(MOOD_SCALER_ROBUST, x, 4, 2, &s));
    MOOD_ASSERT_NEAR(s.center[0], 2.5, 0, 0);
    MOOD_ASSERT_NEAR(s.scale[0], 1.5, 0, 0); /* np.percentile([1,2,3,4], [25,75]) = 1.75, 3.25 */
    MOOD_ASSERT_NEAR(s.center[1], 5.0, 0, 0);
    MOOD_ASSERT_NEAR(s.scale[1], 1.0, 0, 0);
    assert_int_equal(s.kind, MOOD_SCALER_ROBUST);
    mood_scaler_free(&s);

    MOOD_ASSERT_OK(mood_scaler_fit(MOOD_SCALER_NONE, x, 4, 2, &s));
    memcpy(y, x, sizeof y);
    mood_scaler_transform(&s, y, 4);
    assert_memory_equal(y, x, sizeof y);
    mood_scaler_free(&s);

    const float c[2] = {1, 2}, sc[2] = {4, 0.5f};
    MOOD_ASSERT_OK(mood_scaler_init(MOOD_SCALER_STANDARD, 2, c, sc, &s));
    float r[2] = {9, 3};
    mood_scaler_transform(&s, r, 1);
    MOOD_ASSERT_NEAR(r[0], 2.0, 0, 0);
    MOOD_ASSERT_NEAR(r[1], 2.0, 0, 0);
    mood_scaler_free(&s);
    MOOD_ASSERT_OK(mood_scaler_init(MOOD_SCALER_NONE, 2, NULL, NULL, &s));
    mood_scaler_free(&s);

    const float zero[2] = {1, 0};
    expect_einval(mood_scaler_init(MOOD_SCALER_STANDARD, 2, c, zero, &s), "scale[1]");
    expect_einval(mood_scaler_init(MOOD_SCALER_ROBUST, 2, NULL, sc, &s), "NULL center");
    expect_einval(mood_scaler_init(MOOD_SCALER_ROBUST, 0, c, sc, &s), "d=0");
    expect_einval(mood_scaler_init((mood_scaler_kind)9, 2, c, sc, &s), "invalid kind 9");
    const float nan[4] = {1, 2, NAN, 4};
    expect_einval(mood_scaler_fit(MOOD_SCALER_STANDARD, nan, 2, 2, &s),
                  "row 1 column 0 is missing (NaN); impute");
    const float inf[2] = {1, INFINITY};
    expect_einval(mood_scaler_fit(MOOD_SCALER_MINMAX, inf, 1, 2, &s), "infinite");
    expect_einval(mood_scaler_fit(MOOD_SCALER_MINMAX, x, 0, 2, &s), "n=0");
    assert_null(s.center);
}

static void test_scaler_names(void **state)
{
    (void)state;
    mood_scaler_kind k;
    const char *names[4] = {"none", "standard", "minmax", "robust"};
    for (int i = 0; i < 4; i++) {
        MOOD_ASSERT_OK(mood_scaler_kind_parse(names[i], &k));
        assert_int_equal(k, i);
        assert_string_equal(mood_scaler_kind_name(k), names[i]);
    }
    MOOD_ASSERT_OK(mood_scaler_kind_parse("min-max", &k));
    assert_int_equal(k, MOOD_SCALER_MINMAX);
    expect_einval(mood_scaler_kind_parse("zscale", &k), "unknown kind 'zscale'");
    assert_string_equal(mood_scaler_kind_name((mood_scaler_kind)42), "unknown");
}

/* numpy's linear quantile on a sorted copy, the reference for the selection. */
static int cmpf(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static void test_quantile_select(void **state)
{
    (void)state;
    mood_rng r;
    mood_rng_seed(&r, 99);
    float v[300], s[300];
    const double qs[6] = {0, 0.25, 0.5, 0.75, 0.9, 1};
    for (size_t trial = 0; trial < 200; trial++) {
        const size_t n = 1 + (size_t)mood_rng_below(&r, 300);
        const int ties = trial % 3 == 0;
        for (size_t i = 0; i < n; i++)
            v[i] = ties ? (float)mood_rng_below(&r, 5) : (float)mood_rng_normal(&r);
        if (trial % 7 == 0) /* sorted and reversed inputs */
            qsort(v, n, sizeof *v, cmpf);
        memcpy(s, v, n * sizeof *v);
        qsort(s, n, sizeof *s, cmpf);
        for (int q = 0; q < 6; q++) {
            const double pos = qs[q] * (double)(n - 1);
            const size_t lo = (size_t)floor(pos);
            const size_t hi = lo + 1 < n ? lo + 1 : lo;
            const double want =
                (double)s[lo] + ((double)s[hi] - (double)s[lo]) * (pos - (double)lo);
            MOOD_ASSERT_NEAR(mood__quantile_select(v, n, qs[q]), want, 1e-12, 1e-12);
        }
    }
}

static void test_column_quantiles(void **state)
{
    (void)state;
    /* Large enough for the parallel path, 10 columns (two groups), NaN cells, one empty. */
    const size_t n = 120000, d = 10;
    float *x = malloc(n * d * sizeof *x), *col = malloc(n * sizeof *col);
    mood_rng r;
    mood_rng_seed(&r, 5);
    for (size_t i = 0; i < n * d; i++)
        x[i] = mood_rng_below(&r, 10) == 0 ? NAN : (float)mood_rng_normal(&r);
    for (size_t i = 0; i < n; i++)
        x[i * d + 9] = NAN;
    const double qs[3] = {0.5, 0.25, 0.75};
    double out[30];
    size_t cnt[10];
    MOOD_ASSERT_OK(mood__column_quantiles("test", x, n, d, qs, 3, out, cnt));
    for (size_t j = 0; j < 9; j++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (!isnan(x[i * d + j]))
                col[m++] = x[i * d + j];
        assert_int_equal(cnt[j], m);
        qsort(col, m, sizeof *col, cmpf);
        for (int t = 0; t < 3; t++) {
            const double pos = qs[t] * (double)(m - 1);
            const size_t lo = (size_t)floor(pos);
            const double want =
                (double)col[lo] + ((double)col[lo + 1] - (double)col[lo]) * (pos - (double)lo);
            MOOD_ASSERT_NEAR(out[j * 3 + t], want, 1e-12, 1e-12);
        }
    }
    assert_int_equal(cnt[9], 0);
    assert_true(isnan(out[27]));
    free(x);
    free(col);
}

static void test_pca_hand(void **state)
{
    (void)state;
    /* Points on y = 2x: all variance along (1, 2)/√5. */
    const float x[8] = {0, 0, 1, 2, 2, 4, 3, 6};
    mood_pca p;
    MOOD_ASSERT_OK(mood_pca_fit(x, 4, 2, 2, &p));
    assert_int_equal(p.n_components, 2);
    MOOD_ASSERT_NEAR(p.explained_variance[0], 25.0 / 3.0, 1e-12, 0); /* (1.25 + 5)·4/3 */
    MOOD_ASSERT_NEAR(p.explained_variance[1], 0.0, 0, 1e-12);
    MOOD_ASSERT_NEAR(p.explained_ratio[0], 1.0, 1e-12, 0);
    MOOD_ASSERT_NEAR(p.components[0], 1 / sqrt(5.0), 1e-12, 0);
    MOOD_ASSERT_NEAR(p.components[1], 2 / sqrt(5.0), 1e-12, 0); /* largest loading positive */
    MOOD_ASSERT_NEAR(p.mean[0], 1.5, 0, 0);
    float t[8];
    mood_pca_transform(&p, x, 4, t);
    MOOD_ASSERT_NEAR(t[0], -1.5 * sqrt(5.0), 1e-6, 0);
    MOOD_ASSERT_NEAR(t[1], 0.0, 0, 1e-6);
    mood_pca_free(&p);
    mood_pca_free(&p);

    /* Independent axes with variances 9, 4, 1 (±3, ±2, ±1 patterns): sorted decreasing. */
    float y[24];
    for (int i = 0; i < 8; i++) {
        y[i * 3 + 0] = (i & 1) ? 1.f : -1.f;
        y[i * 3 + 1] = (i & 2) ? -3.f : 3.f;
        y[i * 3 + 2] = (i & 4) ? 2.f : -2.f;
    }
    MOOD_ASSERT_OK(mood_pca_fit(y, 8, 3, 3, &p));
    MOOD_ASSERT_NEAR(p.explained_variance[0], 9.0 * 8 / 7, 1e-12, 0);
    MOOD_ASSERT_NEAR(p.explained_variance[1], 4.0 * 8 / 7, 1e-12, 0);
    MOOD_ASSERT_NEAR(p.explained_variance[2], 1.0 * 8 / 7, 1e-12, 0);
    MOOD_ASSERT_NEAR(p.explained_ratio[0], 9.0 / 14, 1e-12, 0);
    MOOD_ASSERT_NEAR(p.components[0 * 3 + 1], 1.0, 1e-12, 0);
    MOOD_ASSERT_NEAR(p.components[1 * 3 + 2], 1.0, 1e-12, 0);
    MOOD_ASSERT_NEAR(p.components[2 * 3 + 0], 1.0, 1e-12, 0);
    mood_pca_free(&p);

    expect_einval(mood_pca_fit(x, 1, 2, 1, &p), "n=1");
    expect_einval(mood_pca_fit(x, 4, 2, 3, &p), "n_components=3 outside 1..d=2");
    expect_einval(mood_pca_fit(x, 4, 2, 0, &p), "n_components=0");
    const float nan[4] = {1, 2, NAN, 4};
    expect_einval(mood_pca_fit(nan, 2, 2, 1, &p), "row 1 column 0 is not finite");
    assert_null(p.mean);
}

#define ENOMEM_LOOP(call)                                                                          \
    do {                                                                                           \
        mood_status s_;                                                                            \
        long i_ = 1;                                                                               \
        for (;; i_++) {                                                                            \
            mood_test_fail_alloc_after(i_);                                                        \
            s_ = (call);                                                                           \
            mood_test_fail_alloc_after(0);                                                         \
            if (s_ == MOOD_OK)                                                                     \
                break;                                                                             \
            assert_int_equal(s_, MOOD_ENOMEM);                                                     \
            assert_non_null(strstr(mood_last_error(), "out of memory"));                           \
            assert_true(i_ < 100);                                                                 \
        }                                                                                          \
        assert_true(i_ > 1);                                                                       \
    } while (0)

static void test_enomem(void **state)
{
    (void)state;
    const float x[8] = {1, 5, 2, NAN, 3, 5, 4, 6};
    const float full[8] = {1, 5, 2, 7, 3, 5, 4, 6};
    float med[2];
    mood_scaler s;
    mood_pca p;
    ENOMEM_LOOP(mood_impute_fit(x, 4, 2, med, NULL));
    MOOD_ASSERT_NEAR(med[1], 5.0, 0, 0);
    for (int kind = 0; kind <= 3; kind++) {
        ENOMEM_LOOP(mood_scaler_fit((mood_scaler_kind)kind, full, 4, 2, &s));
        mood_scaler_free(&s);
    }
    const float c[2] = {1, 2}, sc[2] = {4, 0.5f};
    ENOMEM_LOOP(mood_scaler_init(MOOD_SCALER_MINMAX, 2, c, sc, &s));
    mood_scaler_free(&s);
    ENOMEM_LOOP(mood_pca_fit(full, 4, 2, 1, &p));
    mood_pca_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_impute),           cmocka_unit_test(test_scalers),
        cmocka_unit_test(test_scaler_names),     cmocka_unit_test(test_quantile_select),
        cmocka_unit_test(test_column_quantiles), cmocka_unit_test(test_pca_hand),
        cmocka_unit_test(test_enomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
