/*
 * Automatic k with the mood defaults (gap statistic, at least 3 groups): seeded Gaussian blobs
 * with a known number of groups, the minimum-group policy, the other criteria, the reason
 * text, and the error paths.
 */
#include <moodscope/cluster.h>

#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Auto-k on n seeded blobs of k groups in d dimensions, centres in [-spread, spread]^d. */
static void run_spread(uint64_t seed, size_t n, size_t d, size_t k, float spread,
                       const mood_autok_params *a, mood_autok_result *r)
{
    float *x = malloc(n * d * sizeof(float));
    assert_non_null(x);
    mood_test_blobs(seed, n, d, k, spread, 1.0f, x, NULL);
    mood_cluster_params p;
    mood_cluster_params_default(&p);
    p.seed = 3;
    p.n_init = 3;
    MOOD_ASSERT_OK(mood_cluster_auto_k(&p, a, x, n, d, r));
    free(x);
}

/* Well separated blobs (centres in [-10, 10]^d, sigma 1). */
static void run_blobs(uint64_t seed, size_t n, size_t d, size_t k, const mood_autok_params *a,
                      mood_autok_result *r)
{
    run_spread(seed, n, d, k, 10.0f, a, r);
}

static void test_defaults(void **state)
{
    (void)state;
    mood_autok_params a;
    mood_autok_params_default(&a);
    assert_int_equal(a.criterion, MOOD_KCRIT_GAP);
    assert_int_equal(a.min_clusters, 3);
    assert_int_equal(a.gap_refs, 10);
    assert_true(a.gap_se == 0.0); /* each gap rule's own c */
    mood_k_criterion c;
    MOOD_ASSERT_OK(mood_k_criterion_parse("stability", &c));
    assert_int_equal(c, MOOD_KCRIT_STABILITY);
    MOOD_ASSERT_OK(mood_k_criterion_parse("bic", &c));
    assert_int_equal(c, MOOD_KCRIT_BIC);
    assert_int_equal(mood_k_criterion_parse("elbow", &c), MOOD_EINVAL);
    assert_string_equal(mood_k_criterion_name(MOOD_KCRIT_GAP), "gap");
    assert_string_equal(mood_k_criterion_name(MOOD_KCRIT_LEGACY), "silhouette");
}

/* Five and seven well separated blobs: the gap rule finds them and says so. */
static void test_gap_finds_blobs(void **state)
{
    (void)state;
    const size_t ks[2] = {5, 7};
    for (int t = 0; t < 2; t++) {
        mood_autok_params a;
        mood_autok_params_default(&a);
        mood_autok_result r;
        run_blobs(40 + (uint64_t)t, 300 * ks[t], 6, ks[t], &a, &r);
        assert_int_equal(r.k_best, ks[t]);
        assert_int_equal(r.k_rule, ks[t]);
        assert_string_equal(r.criterion, "gap");
        assert_string_equal(r.decided_by, "criterion");
        assert_int_equal(r.min_clusters, 3);
        assert_non_null(strstr(r.reason, "Gap("));
        assert_non_null(strstr(r.rule, "max Gap"));
        for (size_t i = 0; i < r.n_points; i++) {
            assert_true(isfinite(r.points[i].gap) && r.points[i].gap_sd > 0.0);
            assert_true(isfinite(r.points[i].bic_kmeans));
        }
        mood_autok_result_free(&r);
    }
}

/* Overlapping blobs (centres in [-4, 4]^d), where the silhouette merges neighbours. */
static void test_gap_finds_overlapping_blobs(void **state)
{
    (void)state;
    const size_t ks[2] = {5, 7};
    for (int t = 0; t < 2; t++) {
        mood_autok_params a;
        mood_autok_params_default(&a);
        mood_autok_result r;
        run_spread(60 + 2 * (uint64_t)t, 300 * ks[t], 6, ks[t], 4.0f, &a, &r);
        assert_int_equal(r.k_best, ks[t]);
        assert_string_equal(r.criterion, "gap");
        mood_autok_result_free(&r);
    }
}

/* Two blobs: the rule alone says 2, the policy raises it to 3 and says why; 2 = no policy. */
static void test_min_clusters_policy(void **state)
{
    (void)state;
    mood_autok_params a;
    mood_autok_params_default(&a);
    a.k_max = 8;
    mood_autok_result r;
    run_blobs(7, 800, 4, 2, &a, &r);
    assert_int_equal(r.k_rule, 2);
    assert_int_equal(r.k_best, 3);
    assert_string_equal(r.decided_by, "min_clusters");
    assert_non_null(strstr(r.reason, "below the minimum of 3"));
    assert_int_equal(r.points[0].k, 2);
    mood_autok_result_free(&r);
    a.min_clusters = 2;
    run_blobs(7, 800, 4, 2, &a, &r);
    assert_int_equal(r.k_best, 2);
    assert_string_equal(r.decided_by, "criterion");
    mood_autok_result_free(&r);
    /* A minimum above the range widens it. */
    a.min_clusters = 10;
    run_blobs(7, 800, 4, 2, &a, &r);
    assert_int_equal(r.k_best, 10);
    assert_int_equal(r.points[r.n_points - 1].k, 10);
    mood_autok_result_free(&r);
}

/* Tibshirani's first-step rule ("gap-first", c = 1.5) finds the same clear blobs and says
 * which step decided; on one Gaussian cloud (no groups) it stops at 2 and the minimum-group
 * policy decides, saying so, where the global rule follows the slow rise of the gap. */
static void test_gap_first(void **state)
{
    (void)state;
    mood_k_criterion c;
    MOOD_ASSERT_OK(mood_k_criterion_parse("gap-first", &c));
    assert_int_equal(c, MOOD_KCRIT_GAP_FIRST);
    assert_string_equal(mood_k_criterion_name(MOOD_KCRIT_GAP_FIRST), "gap-first");
    mood_autok_params a;
    mood_autok_params_default(&a);
    a.criterion = MOOD_KCRIT_GAP_FIRST;
    mood_autok_result r;
    run_blobs(40, 1500, 6, 5, &a, &r);
    assert_int_equal(r.k_best, 5);
    assert_string_equal(r.criterion, "gap-first");
    assert_non_null(strstr(r.rule, "Gap(k+1)"));
    assert_non_null(strstr(r.reason, "Gap(5) = ")); /* the deciding step, with c = 1.5 */
    assert_non_null(strstr(r.reason, "- 1.5 s"));
    mood_autok_result_free(&r);

    a.k_max = 10;
    a.min_clusters = 4;
    run_spread(77, 1200, 5, 1, 0.0f, &a, &r); /* one cloud */
    print_message("one cloud, gap-first: k %zu (rule %zu): %s\n", r.k_best, r.k_rule, r.reason);
    assert_true(r.k_rule < 4);
    assert_int_equal(r.k_best, 4);
    assert_string_equal(r.decided_by, "min_clusters");
    mood_autok_result_free(&r);
}

/* Stability, BIC and silhouette as chosen criteria on four clear blobs. */
static void test_other_criteria(void **state)
{
    (void)state;
    const mood_k_criterion cs[3] = {MOOD_KCRIT_STABILITY, MOOD_KCRIT_BIC, MOOD_KCRIT_SILHOUETTE};
    const char *names[3] = {"stability", "bic", "silhouette"};
    for (int t = 0; t < 3; t++) {
        mood_autok_params a;
        mood_autok_params_default(&a);
        a.criterion = cs[t];
        a.k_max = 6;
        a.stability_boot = cs[t] == MOOD_KCRIT_STABILITY ? 3 : 0;
        mood_autok_result r;
        run_blobs(12, 1200, 3, 4, &a, &r);
        assert_string_equal(r.criterion, names[t]);
        if (cs[t] == MOOD_KCRIT_STABILITY) {
            /* Over-splitting clear blobs can stay stable; the rule takes the largest stable
             * k, which is never below the true one. */
            assert_true(r.k_best >= 4);
            assert_true(r.points[2].stability > 0.9);
            assert_true(isnan(r.points[2].gap));
        } else {
            assert_int_equal(r.k_best, 4);
        }
        mood_autok_result_free(&r);
    }
}

static void test_errors(void **state)
{
    (void)state;
    const size_t n = 200, d = 3;
    float *x = malloc(n * d * sizeof(float));
    assert_non_null(x);
    mood_test_blobs(5, n, d, 3, 10.0f, 1.0f, x, NULL);
    mood_cluster_params p;
    mood_cluster_params_default(&p);
    p.n_init = 1;
    mood_autok_params a;
    mood_autok_params_default(&a);
    mood_autok_result r;
    a.min_clusters = n;
    assert_int_equal(mood_cluster_auto_k(&p, &a, x, n, d, &r), MOOD_EINVAL);
    assert_non_null(strstr(mood_last_error(), "min_clusters"));
    assert_null(r.points);
    mood_autok_params_default(&a);
    a.criterion = (mood_k_criterion)42;
    assert_int_equal(mood_cluster_auto_k(&p, &a, x, n, d, &r), MOOD_EINVAL);
    mood_autok_params_default(&a);
    a.k_max = 5;
    /* Every allocation failing in turn leaves nothing behind (ASan checks the leaks). */
    for (long f = 1; f < 400; f++) {
        mood_test_fail_alloc_after(f);
        mood_status s = mood_cluster_auto_k(&p, &a, x, n, d, &r);
        mood_test_fail_alloc_after(0);
        if (s == MOOD_OK) {
            mood_autok_result_free(&r);
            break;
        }
        assert_int_equal(s, MOOD_ENOMEM);
        assert_null(r.points);
    }
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_gap_finds_blobs),
        cmocka_unit_test(test_gap_finds_overlapping_blobs),
        cmocka_unit_test(test_min_clusters_policy),
        cmocka_unit_test(test_gap_first),
        cmocka_unit_test(test_other_criteria),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
