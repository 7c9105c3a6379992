/*
 * GMM, DBSCAN, spectral clustering, the kd-tree under them, and automatic k: known answers
 * (a single Gaussian's log-likelihood, a brute-force DBSCAN and k-NN oracle, rings that only
 * spectral separates, the kneedle of a hand-computed curve), model file round trips and
 * error paths.
 */
#include "test_util.h"

#include "kdtree.h"
#include "kmeans_internal.h"

#include <moodscope/cluster.h>
#include <moodscope/metrics.h>
#include <moodscope/rng.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double ari(const int32_t *a, const int32_t *b, size_t n)
{
    double v = 0.0;
    MOOD_ASSERT_OK(mood_ari(a, b, n, &v));
    return v;
}

static mood_cluster_model *fit(mood_cluster_params *p, const float *x, size_t n, size_t d,
                               int32_t *lab)
{
    mood_cluster_model *m = NULL;
    MOOD_ASSERT_OK(mood_cluster_fit(p, x, n, d, &m, lab));
    return m;
}

/* Model → JSON → model predicts the same labels on the training rows. */
static void round_trip(const mood_cluster_model *m, const float *x, size_t n, size_t d,
                       const int32_t *lab)
{
    char *js;
    mood_cluster_model *m2;
    int32_t *l2 = malloc(n * sizeof(int32_t));
    MOOD_ASSERT_OK(mood_cluster_model_to_json(m, &js));
    MOOD_ASSERT_OK(mood_cluster_model_from_json(js, &m2));
    MOOD_ASSERT_OK(mood_cluster_predict(m2, x, n, d, l2, NULL));
    assert_memory_equal(l2, lab, n * sizeof(int32_t));
    assert_int_equal(mood_cluster_model_k(m2), mood_cluster_model_k(m));
    mood_free(js);
    mood_cluster_model_destroy(m2);
    free(l2);
}

static void test_gmm(void **state)
{
    (void)state;
    /* Small fixture, but every loop threaded: the thread-independence checks must bite. */
    mood__km_set_par_threshold(0.0);
    const size_t n = 3000, d = 4, k = 3;
    float *x = malloc(n * d * sizeof(float));
    int32_t *truth = malloc(n * sizeof(int32_t)), *lab = malloc(n * sizeof(int32_t)),
            *lab2 = malloc(n * sizeof(int32_t));
    float *pr = malloc(n * k * sizeof(float));
    mood_test_blobs(1, n, d, k, 6.0f, 1.0f, x, truth);
    mood_covariance covs[] = {MOOD_COV_FULL, MOOD_COV_DIAG};
    for (int c = 0; c < 2; c++) {
        mood_cluster_params p;
        mood_cluster_params_default(&p);
        p.algorithm = MOOD_ALGO_GMM;
        p.covariance = covs[c];
        p.k = k;
        p.n_init = 2;
        p.seed = 3;
        p.n_threads = 1;
        mood_cluster_model *m = fit(&p, x, n, d, lab);
        assert_true(ari(lab, truth, n) >= 0.95);
        /* Separated unit-variance blobs, weights ⅓: −½d(log 2π + 1) − log 3. */
        MOOD_ASSERT_NEAR(mood_cluster_model_log_likelihood(m),
                         -0.5 * 4 * (log(2 * M_PI) + 1) - log(3.0), 0.03, 0.0);
        MOOD_ASSERT_OK(mood_cluster_predict_proba(m, x, n, d, pr));
        for (size_t i = 0; i < n; i += 97) {
            double s = 0.0;
            for (size_t j = 0; j < k; j++)
                s += (double)pr[i * k + j];
            MOOD_ASSERT_NEAR(s, 1.0, 1e-5, 0.0);
            assert_true(pr[i * k + (size_t)lab[i]] >= 0.3f);
        }
        round_trip(m, x, n, d, lab);
        /* Thread independence. */
        p.n_threads = 2;
        mood_cluster_model *m2 = fit(&p, x, n, d, lab2);
        assert_memory_equal(lab, lab2, n * sizeof(int32_t));
        assert_true(mood_cluster_model_log_likelihood(m) == mood_cluster_model_log_likelihood(m2));
        mood_cluster_model_destroy(m);
        mood_cluster_model_destroy(m2);
    }
    /* One component: the log-likelihood of the MLE Gaussian, in closed form for d = 2. */
    {
        const size_t n1 = 2000;
        float *y = malloc(n1 * 2 * sizeof(float));
        mood_rng r;
        mood_rng_seed(&r, 5);
        double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
        for (size_t i = 0; i < n1; i++) {
            double a = mood_rng_normal(&r), b = mood_rng_normal(&r);
            y[2 * i] = (float)(2.0 * a);
            y[2 * i + 1] = (float)(a + 0.5 * b);
            sx += (double)y[2 * i];
            sy += (double)y[2 * i + 1];
        }
        sx /= (double)n1;
        sy /= (double)n1;
        for (size_t i = 0; i < n1; i++) {
            double a = (double)y[2 * i] - sx, b = (double)y[2 * i + 1] - sy;
            sxx += a * a;
            syy += b * b;
            sxy += a * b;
        }
        sxx /= (double)n1;
        syy /= (double)n1;
        sxy /= (double)n1;
        double det = sxx * syy - sxy * sxy;
        double want = -0.5 * (2 * log(2 * M_PI) + log(det) + 2.0);
        mood_cluster_params p;
        mood_cluster_params_default(&p);
        p.algorithm = MOOD_ALGO_GMM;
        p.k = 1;
        p.reg_covar = 0.0;
        int32_t *l1 = malloc(n1 * sizeof(int32_t));
        mood_cluster_model *m = fit(&p, y, n1, 2, l1);
        MOOD_ASSERT_NEAR(mood_cluster_model_log_likelihood(m), want, 1e-9, 0.0);
        mood_cluster_model_destroy(m);
        free(l1);
        free(y);
    }
    /* A degenerate column without regularisation is refused with a clear message. */
    {
        float z[40];
        int32_t lz[20];
        for (int i = 0; i < 20; i++) {
            z[2 * i] = (float)i;
            z[2 * i + 1] = 0.0f;
        }
        mood_cluster_params p;
        mood_cluster_params_default(&p);
        p.algorithm = MOOD_ALGO_GMM;
        p.k = 2;
        p.reg_covar = 0.0;
        mood_cluster_model *m = NULL;
        assert_int_equal(mood_cluster_fit(&p, z, 20, 2, &m, lz), MOOD_EINVAL);
        assert_non_null(strstr(mood_last_error(), "reg_covar"));
        p.reg_covar = -1;
        assert_int_equal(mood_cluster_fit(&p, z, 20, 2, &m, lz), MOOD_EINVAL);
    }
    free(x);
    free(truth);
    free(lab);
    free(lab2);
    free(pr);
    mood__km_set_par_threshold(3.2e7);
}

/* Brute-force DBSCAN (scikit-learn's definition) as the oracle. */
static void dbscan_oracle(const float *x, size_t n, size_t d, double eps, size_t ms, int32_t *lab)
{
    uint8_t *core = calloc(n, 1);
    size_t *stack = malloc(n * n * sizeof(size_t) + 8);
    for (size_t i = 0; i < n; i++) {
        size_t c = 0;
        for (size_t j = 0; j < n; j++) {
            double s = 0;
            for (size_t l = 0; l < d; l++) {
                double t = (double)x[i * d + l] - (double)x[j * d + l];
                s += t * t;
            }
            c += s <= eps * eps;
        }
        core[i] = c >= ms;
        lab[i] = -1;
    }
    int32_t label = 0;
    for (size_t i0 = 0; i0 < n; i0++) {
        if (lab[i0] != -1 || !core[i0])
            continue;
        size_t sp = 0;
        stack[sp++] = i0;
        while (sp) {
            size_t i = stack[--sp];
            if (lab[i] != -1)
                continue;
            lab[i] = label;
            if (!core[i])
                continue;
            for (size_t j = 0; j < n; j++) {
                double s = 0;
                for (size_t l = 0; l < d; l++) {
                    double t = (double)x[i * d + l] - (double)x[j * d + l];
                    s += t * t;
                }
                if (s <= eps * eps && lab[j] == -1)
                    stack[sp++] = j;
            }
        }
        label++;
    }
    free(core);
    free(stack);
}

static void test_dbscan(void **state)
{
    (void)state;
    const size_t nb = 900, d = 2, k = 3, n = nb + 12;
    float *x = malloc(n * d * sizeof(float));
    int32_t *truth = malloc(n * sizeof(int32_t)), *lab = malloc(n * sizeof(int32_t)),
            *want = malloc(n * sizeof(int32_t));
    mood_test_blobs(1, nb, d, k, 10.0f, 0.5f, x, truth);
    /* Twelve isolated rows far from everything: noise. */
    for (size_t i = 0; i < 12; i++) {
        x[(nb + i) * d] = 40.0f + 7.0f * (float)i;
        x[(nb + i) * d + 1] = -40.0f;
        truth[nb + i] = -1;
    }
    mood_cluster_params p;
    mood_cluster_params_default(&p);
    p.algorithm = MOOD_ALGO_DBSCAN;
    p.eps = 0.4;
    p.min_samples = 5;
    mood_cluster_model *m = fit(&p, x, n, d, lab);
    dbscan_oracle(x, n, d, 0.4, 5, want);
    assert_memory_equal(lab, want, n * sizeof(int32_t));
    for (size_t i = nb; i < n; i++)
        assert_int_equal(lab[i], -1);
    round_trip(m, x + nb * d, 12, d, lab + nb);
    /* Predict: a core point's own position gets its label. */
    int32_t l1;
    float dist;
    MOOD_ASSERT_OK(mood_cluster_predict(m, x, 1, d, &l1, &dist));
    if (lab[0] >= 0)
        assert_int_equal(l1, lab[0]);
    mood_cluster_model_destroy(m);

    /*
     * eps suggested from the k-distance knee: the knee sits where the sorted distances start
     * to climb, so the blobs' cores are found and their sparse tails (under 15%) are noise.
     */
    double eps;
    MOOD_ASSERT_OK(mood_dbscan_suggest_eps(x, n, d, 5, &eps));
    assert_true(eps > 0.15 && eps < 1.0);
    p.eps = 0.0;
    m = fit(&p, x, n, d, lab);
    size_t kept = 0, noise = 0;
    for (size_t i = 0; i < nb; i++) {
        if (lab[i] < 0) {
            noise++;
            continue;
        }
        lab[kept] = lab[i];
        want[kept++] = truth[i];
    }
    assert_true(noise < nb * 15 / 100);
    assert_true(ari(lab, want, kept) >= 0.95);
    assert_true(mood_cluster_model_k(m) >= k && mood_cluster_model_k(m) <= k + 2);
    mood_cluster_model_destroy(m);
    p.min_samples = 0;
    assert_int_equal(mood_cluster_fit(&p, x, n, d, &m, lab), MOOD_EINVAL);
    assert_int_equal(mood_dbscan_suggest_eps(x, 3, d, 5, &eps), MOOD_EINVAL);
    free(x);
    free(truth);
    free(lab);
    free(want);
}

static void test_kdtree_oracle(void **state)
{
    (void)state;
    const size_t n = 2000, d = 5, kk = 7;
    float *x = malloc(n * d * sizeof(float));
    mood_test_blobs(4, n, d, 6, 3.0f, 1.0f, x, NULL);
    for (size_t i = 0; i < 100; i++) /* duplicates */
        memcpy(x + (1000 + i) * d, x + i * d, d * sizeof(float));
    kdtree *t;
    MOOD_ASSERT_OK(mood__kdtree_build(x, n, d, &t));
    int32_t idx[7];
    double dd[7];
    for (size_t q = 0; q < n; q += 37) {
        mood__kdtree_knn(t, x + q * d, kk, idx, dd);
        /* Brute force: the kk-th smallest distance must match, and the list be sorted. */
        double *all = malloc(n * sizeof(double));
        for (size_t j = 0; j < n; j++) {
            double s = 0;
            for (size_t l = 0; l < d; l++) {
                double v = (double)x[q * d + l] - (double)x[j * d + l];
                s += v * v;
            }
            all[j] = s;
        }
        for (size_t a = 0; a < kk; a++) {
            size_t smaller = 0;
            for (size_t j = 0; j < n; j++)
                smaller += all[j] < dd[a];
            assert_true(smaller <= a);
            MOOD_ASSERT_NEAR(all[idx[a]], dd[a], 0, 0);
            if (a)
                assert_true(dd[a] >= dd[a - 1]);
        }
        size_t c = 0;
        for (size_t j = 0; j < n; j++)
            c += all[j] <= 2.0;
        assert_int_equal(mood__kdtree_radius_count(t, x + q * d, 2.0), c);
        free(all);
    }
    mood__kdtree_free(t);
    free(x);
}

/* Two concentric rings: k-means cannot separate them, spectral does. */
static void test_spectral(void **state)
{
    (void)state;
    const size_t n = 600;
    float *x = malloc(n * 2 * sizeof(float));
    int32_t *truth = malloc(n * sizeof(int32_t)), *lab = malloc(n * sizeof(int32_t));
    mood_rng r;
    mood_rng_seed(&r, 8);
    for (size_t i = 0; i < n; i++) {
        double a = 6.283185307179586 * mood_rng_uniform(&r), rad = i % 2 ? 1.0 : 4.0;
        rad += 0.1 * mood_rng_normal(&r);
        x[2 * i] = (float)(rad * cos(a));
        x[2 * i + 1] = (float)(rad * sin(a));
        truth[i] = (int32_t)(i % 2);
    }
    mood_cluster_params p;
    mood_cluster_params_default(&p);
    p.algorithm = MOOD_ALGO_SPECTRAL;
    p.k = 2;
    p.seed = 1;
    mood_cluster_model *m = fit(&p, x, n, 2, lab);
    assert_true(ari(lab, truth, n) >= 0.95);
    mood_cluster_model_destroy(m);
    p.algorithm = MOOD_ALGO_KMEANS;
    m = fit(&p, x, n, 2, lab);
    assert_true(ari(lab, truth, n) < 0.2);
    mood_cluster_model_destroy(m);

    /* Above the dense limit: the iterative eigensolver, on blobs. */
    const size_t n2 = 1300, d = 3, k = 4;
    float *y = malloc(n2 * d * sizeof(float));
    int32_t *t2 = malloc(n2 * sizeof(int32_t)), *l2 = malloc(n2 * sizeof(int32_t));
    mood_test_blobs(9, n2, d, k, 8.0f, 1.0f, y, t2);
    p.algorithm = MOOD_ALGO_SPECTRAL;
    p.k = k;
    p.n_init = 3;
    m = fit(&p, y, n2, d, l2);
    assert_true(ari(l2, t2, n2) >= 0.95);
    /* Predict goes through the member means in input space. */
    int32_t *l3 = malloc(n2 * sizeof(int32_t));
    MOOD_ASSERT_OK(mood_cluster_predict(m, y, n2, d, l3, NULL));
    assert_true(ari(l2, l3, n2) >= 0.95);
    round_trip(m, y, n2, d, l3);
    mood_cluster_model_destroy(m);
    /* Too many rows: a clear error, nothing allocated for the caller. */
    float *big = calloc(20001 * 1, sizeof(float));
    int32_t *lb = malloc(20001 * sizeof(int32_t));
    m = NULL;
    p.k = 2;
    assert_int_equal(mood_cluster_fit(&p, big, 20001, 1, &m, lb), MOOD_EINVAL);
    assert_non_null(strstr(mood_last_error(), "20000"));
    assert_null(m);
    free(big);
    free(lb);
    free(x);
    free(truth);
    free(lab);
    free(y);
    free(t2);
    free(l2);
    free(l3);
}

static void test_autok(void **state)
{
    (void)state;
    size_t xs[] = {2, 3, 4, 5, 6, 7};
    double ys[] = {100, 50, 20, 15, 12, 10};
    assert_int_equal(mood_kneedle(xs, ys, 6), 4);
    double flat[] = {10, 9, 8, 7, 6, 5};
    assert_int_equal(mood_kneedle(xs, flat, 6), 0);

    const size_t n = 1200, d = 3, k = 4;
    float *x = malloc(n * d * sizeof(float));
    mood_test_blobs(12, n, d, k, 10.0f, 1.0f, x, NULL);
    mood_cluster_params p;
    mood_cluster_params_default(&p);
    p.seed = 2;
    p.n_init = 3;
    mood_autok_params a;
    memset(&a, 0, sizeof a);
    a.k_max = 7;
    a.stability_boot = 2;
    mood_autok_result r;
    MOOD_ASSERT_OK(mood_cluster_auto_k(&p, &a, x, n, d, &r));
    assert_int_equal(r.k_best, 4);
    assert_int_equal(r.k_elbow, 4);
    assert_string_equal(r.criterion, "silhouette");
    assert_int_equal(r.n_points, 6);
    assert_int_equal(r.points[2].k, 4);
    assert_true(r.points[2].stability > 0.95);
    assert_true(r.points[2].silhouette > r.points[1].silhouette);
    assert_true(isnan(r.points[0].bic));
    assert_int_equal(r.silhouette_sampled, 0);
    mood_autok_result_free(&r);
    /* GMM by BIC. */
    p.algorithm = MOOD_ALGO_GMM;
    p.n_init = 1;
    a.use_bic = 1;
    a.stability_boot = 0;
    MOOD_ASSERT_OK(mood_cluster_auto_k(&p, &a, x, n, d, &r));
    assert_int_equal(r.k_best, 4);
    assert_string_equal(r.criterion, "bic");
    assert_true(isfinite(r.points[2].aic) && r.points[2].aic < r.points[0].aic);
    mood_autok_result_free(&r);
    p.algorithm = MOOD_ALGO_DBSCAN;
    assert_int_equal(mood_cluster_auto_k(&p, &a, x, n, d, &r), MOOD_EINVAL);
    free(x);
}

static void test_enomem_algorithms(void **state)
{
    (void)state;
    const size_t n = 90, d = 2;
    float *x = malloc(n * d * sizeof(float));
    int32_t *lab = malloc(n * sizeof(int32_t));
    mood_test_blobs(5, n, d, 3, 5.0f, 0.5f, x, NULL);
    mood_algorithm algos[] = {MOOD_ALGO_GMM, MOOD_ALGO_DBSCAN, MOOD_ALGO_SPECTRAL};
    for (int a = 0; a < 3; a++) {
        mood_cluster_params p;
        mood_cluster_params_default(&p);
        p.algorithm = algos[a];
        p.k = 3;
        p.n_init = 1;
        p.n_threads = 1;
        p.eps = 0.5;
        mood_status st = MOOD_ENOMEM;
        for (long fail = 1; fail < 2000 && st == MOOD_ENOMEM; fail++) {
            mood_cluster_model *m = NULL;
            mood_test_fail_alloc_after(fail);
            st = mood_cluster_fit(&p, x, n, d, &m, lab);
            mood_test_fail_alloc_after(0);
            if (st == MOOD_OK) {
                mood_cluster_model_destroy(m);
                break;
            }
            assert_int_equal(st, MOOD_ENOMEM);
            assert_null(m);
        }
        assert_int_equal(st, MOOD_OK);
    }
    free(x);
    free(lab);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gmm),           cmocka_unit_test(test_dbscan),
        cmocka_unit_test(test_kdtree_oracle), cmocka_unit_test(test_spectral),
        cmocka_unit_test(test_autok),         cmocka_unit_test(test_enomem_algorithms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
