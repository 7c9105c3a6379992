/*
 * Evolutionary search: finds the planted groups, uses labels for purity and diversity, is
 * reproducible from its seed (same winner; the winner refitted on its rebuilt sample gives
 * the reported silhouette), reports progress, stops on cancel, and rejects bad options.
 */
#include "test_util.h"

#include <moodscope/cluster.h>
#include <moodscope/metrics.h>
#include <moodscope/search.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int calls;
static int count_progress(void *user, const char *stage, double done, double total)
{
    (void)user;
    assert_string_equal(stage, "search");
    assert_true(done <= total);
    calls++;
    return 0;
}

static int cancel_at_3(void *user, const char *stage, double done, double total)
{
    (void)user;
    (void)stage;
    (void)total;
    return done >= 3;
}

static void test_search(void **state)
{
    (void)state;
    const size_t n = 1500, d = 4, k = 4;
    float *x = malloc(n * d * sizeof(float));
    int32_t *truth = malloc(n * sizeof(int32_t));
    mood_test_blobs(1, n, d, k, 8.0f, 1.0f, x, truth);
    mood_search_params sp;
    mood_search_params_default(&sp);
    sp.population = 8;
    sp.generations = 3;
    sp.elites = 3;
    sp.sample_size = 500;
    sp.k_max = 8;
    sp.seed = 11;
    sp.labels = truth;
    sp.n_labels = k;
    sp.progress = count_progress;
    calls = 0;
    mood_search_result r, r2;
    MOOD_ASSERT_OK(mood_cluster_search(&sp, x, n, d, &r));
    assert_int_equal(calls, 24);
    assert_int_equal(r.n_history, 24);
    assert_int_equal(r.sample_rows, 500);
    assert_int_equal(r.best.k_found, k);
    assert_true(r.best.score > 0.7);
    assert_true(r.best.purity > 0.95);
    MOOD_ASSERT_NEAR(r.best.diversity, 1.0, 0, 1e-12);
    for (size_t i = 0; i < r.n_history; i++)
        assert_true(r.history[i].score <= r.best.score);

    /* Same seed, same search. */
    sp.progress = NULL;
    MOOD_ASSERT_OK(mood_cluster_search(&sp, x, n, d, &r2));
    assert_true(r2.best.score == r.best.score);
    assert_int_equal(r2.best.params.algorithm, r.best.params.algorithm);
    assert_true(r2.best.params.seed == r.best.params.seed);
    assert_int_equal(r2.n_history, r.n_history);

    /* The winner refitted on its rebuilt sample reproduces its silhouette. */
    size_t m = r.sample_rows;
    size_t *rows = malloc(m * sizeof(size_t));
    MOOD_ASSERT_OK(mood_search_sample(&sp, x, n, d, r.best.sample_seed, m, rows));
    float *xs = malloc(m * d * sizeof(float));
    for (size_t i = 0; i < m; i++)
        memcpy(xs + i * d, x + rows[i] * d, d * sizeof(float));
    int32_t *lab = malloc(m * sizeof(int32_t));
    mood_cluster_model *mod;
    MOOD_ASSERT_OK(mood_cluster_fit(&r.best.params, xs, m, d, &mod, lab));
    double sil;
    int sampled;
    MOOD_ASSERT_OK(mood_silhouette(xs, m, d, lab, mood_cluster_model_k(mod), NULL, &sil, &sampled));
    MOOD_ASSERT_NEAR(sil, r.best.silhouette, 1e-12, 0);
    mood_cluster_model_destroy(mod);
    mood_search_result_free(&r2);

    /* Without labels: internal scores only, purity NaN; still finds the groups. */
    sp.labels = NULL;
    sp.seed = 3;
    sp.algorithms = (1u << MOOD_ALGO_KMEANS) | (1u << MOOD_ALGO_GMM);
    MOOD_ASSERT_OK(mood_cluster_search(&sp, x, n, d, &r2));
    assert_true(isnan(r2.best.purity));
    assert_int_equal(r2.best.k_found, k);
    assert_true(r2.best.params.algorithm == MOOD_ALGO_KMEANS ||
                r2.best.params.algorithm == MOOD_ALGO_GMM);
    mood_search_result_free(&r2);

    /* Cancel from the progress callback. */
    sp.progress = cancel_at_3;
    assert_int_equal(mood_cluster_search(&sp, x, n, d, &r2), MOOD_ECANCELED);
    assert_null(r2.history);
    sp.progress = NULL;

    /* Bad options. */
    sp.elites = sp.population;
    assert_int_equal(mood_cluster_search(&sp, x, n, d, &r2), MOOD_EINVAL);
    sp.elites = 2;
    assert_int_equal(mood_cluster_search(&sp, x, 10, d, &r2), MOOD_EINVAL);
    sp.w_silhouette = -1;
    assert_int_equal(mood_cluster_search(&sp, x, n, d, &r2), MOOD_EINVAL);
    sp.w_silhouette = 0.4;
    truth[7] = 9;
    sp.labels = truth;
    assert_int_equal(mood_cluster_search(&sp, x, n, d, &r2), MOOD_EINVAL);
    assert_non_null(strstr(mood_last_error(), "row 7"));
    assert_int_equal(mood_search_sample(&sp, x, n, d, 1, 3, rows), MOOD_EINVAL);

    mood_search_result_free(&r);
    free(rows);
    free(xs);
    free(lab);
    free(x);
    free(truth);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_search)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
