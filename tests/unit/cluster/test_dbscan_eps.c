/*
 * DBSCAN's automatic eps (density levels, dbscan.c): separated seeded blobs come out whole
 * (ARI >= 0.99 with noise counted as its own group) on the exact path and on the sampled one
 * above 10000 rows, the answer does not depend on the thread count, one blob without
 * structure falls back to the kneedle knee and stays one group, bad arguments and every
 * failing allocation are reported.
 */
#include "test_util.h"

#include <moodscope/cluster.h>
#include <moodscope/metrics.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* DBSCAN with the default eps and min_samples; returns the ARI against truth (noise = -1). */
static double auto_ari(const float *x, size_t n, size_t d, const int32_t *truth, size_t *out_k)
{
    mood_cluster_params p;
    mood_cluster_params_default(&p);
    p.algorithm = MOOD_ALGO_DBSCAN;
    p.eps = 0.0;
    p.min_samples = 5;
    int32_t *lab = malloc(n * sizeof(int32_t));
    mood_cluster_model *m = NULL;
    double v = 0.0;
    MOOD_ASSERT_OK(mood_cluster_fit(&p, x, n, d, &m, lab));
    MOOD_ASSERT_OK(mood_ari(truth, lab, n, &v));
    *out_k = mood_cluster_model_k(m);
    mood_cluster_model_destroy(m);
    free(lab);
    return v;
}

static void test_blobs_exact(void **state)
{
    (void)state;
    const size_t n = 2000, d = 3, k = 4;
    float *x = malloc(n * d * sizeof(float));
    int32_t *truth = malloc(n * sizeof(int32_t));
    size_t got_k = 0;
    /* Seed 3: the four centres in [-10, 10]^3 are more than 8 sigma apart. */
    mood_test_blobs(3, n, d, k, 10.0f, 1.0f, x, truth);
    double v = auto_ari(x, n, d, truth, &got_k);
    assert_true(v >= 0.99);
    assert_int_equal(got_k, k);
    free(x);
    free(truth);
}

static void test_blobs_sampled(void **state)
{
    (void)state;
    const size_t n = 24000, d = 2, k = 3;
    float *x = malloc(n * d * sizeof(float));
    int32_t *truth = malloc(n * sizeof(int32_t));
    size_t got_k = 0;
    /* 8000 rows a blob: sigma 0.25 keeps the nearest two centres 11 sigma apart. */
    mood_test_blobs(5, n, d, k, 10.0f, 0.25f, x, truth);
    double v = auto_ari(x, n, d, truth, &got_k);
    assert_true(v >= 0.99);
    assert_int_equal(got_k, k);
    free(x);
    free(truth);
}

static void test_thread_independent(void **state)
{
    (void)state;
    const size_t n = 1500, d = 4, k = 5;
    float *x = malloc(n * d * sizeof(float));
    double e1 = 0.0, e2 = 0.0;
    mood_test_blobs(9, n, d, k, 10.0f, 1.0f, x, NULL);
#ifdef _OPENMP
    int before = omp_get_max_threads();
    omp_set_num_threads(1);
#endif
    MOOD_ASSERT_OK(mood_dbscan_suggest_eps(x, n, d, 5, &e1));
#ifdef _OPENMP
    omp_set_num_threads(2);
#endif
    MOOD_ASSERT_OK(mood_dbscan_suggest_eps(x, n, d, 5, &e2));
#ifdef _OPENMP
    omp_set_num_threads(before);
#endif
    assert_true(e1 > 0.0);
    assert_true(e1 == e2);
    free(x);
}

static void test_one_blob(void **state)
{
    (void)state;
    const size_t n = 1200, d = 3;
    float *x = malloc(n * d * sizeof(float));
    int32_t *lab = malloc(n * sizeof(int32_t));
    mood_test_blobs(2, n, d, 1, 1.0f, 1.0f, x, NULL);
    mood_cluster_params p;
    mood_cluster_params_default(&p);
    p.algorithm = MOOD_ALGO_DBSCAN;
    p.min_samples = 5;
    mood_cluster_model *m = NULL;
    MOOD_ASSERT_OK(mood_cluster_fit(&p, x, n, d, &m, lab));
    size_t in0 = 0;
    for (size_t i = 0; i < n; i++)
        in0 += lab[i] == 0;
    /* No persistent split: the knee fallback keeps one main group, the rim as noise. */
    assert_true(in0 >= n * 8 / 10);
    mood_cluster_model_destroy(m);
    free(x);
    free(lab);
}

static void test_errors(void **state)
{
    (void)state;
    float x[12] = {0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, NAN};
    double eps = 0.0;
    assert_int_equal(mood_dbscan_suggest_eps(NULL, 6, 2, 2, &eps), MOOD_EINVAL);
    assert_int_equal(mood_dbscan_suggest_eps(x, 6, 0, 2, &eps), MOOD_EINVAL);
    assert_int_equal(mood_dbscan_suggest_eps(x, 5, 2, 6, &eps), MOOD_EINVAL);
    assert_int_equal(mood_dbscan_suggest_eps(x, 5, 2, 0, &eps), MOOD_EINVAL);
    assert_int_not_equal(mood_dbscan_suggest_eps(x, 6, 2, 2, &eps), MOOD_OK);
    /* Tiny inputs and duplicated rows still give a positive radius. */
    MOOD_ASSERT_OK(mood_dbscan_suggest_eps(x, 1, 2, 1, &eps));
    assert_true(eps > 0.0);
    float dup[20] = {0};
    MOOD_ASSERT_OK(mood_dbscan_suggest_eps(dup, 10, 2, 3, &eps));
    assert_true(eps > 0.0);
}

static void test_enomem(void **state)
{
    (void)state;
    const size_t n = 400, d = 2;
    float *x = malloc(n * d * sizeof(float));
    mood_test_blobs(4, n, d, 3, 10.0f, 0.5f, x, NULL);
    double eps = 0.0;
    mood_status st = MOOD_ENOMEM;
    for (long i = 1; st == MOOD_ENOMEM && i < 200; i++) {
        mood_test_fail_alloc_after(i);
        st = mood_dbscan_suggest_eps(x, n, d, 5, &eps);
        mood_test_fail_alloc_after(0);
        assert_true(st == MOOD_OK || st == MOOD_ENOMEM);
    }
    assert_int_equal(st, MOOD_OK);
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blobs_exact),
        cmocka_unit_test(test_blobs_sampled),
        cmocka_unit_test(test_thread_independent),
        cmocka_unit_test(test_one_blob),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_enomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
