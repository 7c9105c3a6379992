/*
 * k-means: seeded blobs recovered, scikit-learn's stopping semantics, thread independence,
 * sgemm and plain kernels agreeing, Hamerly bounds agreeing with the full computation, the
 * model file round trip, and every error path including allocation failures.
 */
#include "test_util.h"

#include <moodscope/cluster.h>
#include <moodscope/kmeans.h>

#include "core/cpu.h"
#include "kmeans_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Adjusted Rand index, written here so the test does not depend on the metrics library. */
static double ari(const int32_t *a, const int32_t *b, size_t n, size_t ka, size_t kb)
{
    double *t = calloc(ka * kb, sizeof(double)), *ra = calloc(ka, sizeof(double)),
           *rb = calloc(kb, sizeof(double));
    for (size_t i = 0; i < n; i++) {
        t[(size_t)a[i] * kb + (size_t)b[i]] += 1.0;
        ra[a[i]] += 1.0;
        rb[b[i]] += 1.0;
    }
    double s = 0.0, sa = 0.0, sb = 0.0;
    for (size_t i = 0; i < ka * kb; i++)
        s += t[i] * (t[i] - 1.0) / 2.0;
    for (size_t i = 0; i < ka; i++)
        sa += ra[i] * (ra[i] - 1.0) / 2.0;
    for (size_t i = 0; i < kb; i++)
        sb += rb[i] * (rb[i] - 1.0) / 2.0;
    double tot = (double)n * ((double)n - 1.0) / 2.0, e = sa * sb / tot;
    free(t);
    free(ra);
    free(rb);
    return (s - e) / (0.5 * (sa + sb) - e);
}

static void test_blobs_recovered(void **state)
{
    (void)state;
    const size_t n = 3000, d = 5, k = 4;
    float *x = malloc(n * d * sizeof(float));
    int32_t *truth = malloc(n * sizeof(int32_t)), *lab = malloc(n * sizeof(int32_t));
    mood_test_blobs(7, n, d, k, 10.0f, 1.0f, x, truth);
    mood_cluster_params p;
    mood_cluster_params_default(&p);
    p.k = k;
    p.seed = 42;
    mood_cluster_model *m;
    MOOD_ASSERT_OK(mood_cluster_fit(&p, x, n, d, &m, lab));
    assert_true(ari(lab, truth, n, k, k) >= 0.95);
    assert_int_equal(mood_cluster_model_k(m), k);
    assert_int_equal(mood_cluster_model_dim(m), d);
    /* Each centre is the mean of its members: inertia equals the direct sum. */
    const float *c = mood_cluster_model_centroids(m);
    double in = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t l = 0; l < d; l++) {
            double t = (double)x[i * d + l] - (double)c[(size_t)lab[i] * d + l];
            in += t * t;
        }
    MOOD_ASSERT_NEAR(mood_cluster_model_inertia(m), in, 1e-6, 0.0);
    /* sigma = 1 in 5-D: the within-group variance is close to n·d. */
    MOOD_ASSERT_NEAR(in, (double)(n * d), 0.06, 0.0);
    assert_true(mood_cluster_model_iterations(m) >= 1);
    assert_true(isnan(mood_cluster_model_log_likelihood(m)));
    mood_cluster_model_destroy(m);
    free(x);
    free(truth);
    free(lab);
}

/* Overlapping blobs with many iterations: the strongest check of determinism. */
static void test_threads_kernels_bounds(void **state)
{
    (void)state;
    /* Small fixture, but every loop threaded: the thread-independence checks must bite. */
    mood__km_set_par_threshold(0.0);
    const size_t n = 8000, d = 12, k = 16;
    float *x = malloc(n * d * sizeof(float));
    mood_test_blobs(3, n, d, k, 3.0f, 1.5f, x, NULL);
    int32_t *l1 = malloc(n * sizeof(int32_t)), *l2 = malloc(n * sizeof(int32_t));
    float *c1 = malloc(k * d * sizeof(float)), *c2 = malloc(k * d * sizeof(float));
    mood_kmeans_params p;
    mood_kmeans_params_default(&p);
    p.k = k;
    p.seed = 9;
    p.n_init = 2;
    p.n_threads = 1;
    mood_kmeans_result r1, r2;
    MOOD_ASSERT_OK(mood_kmeans_fit(&p, x, n, d, c1, l1, &r1));
    assert_true(r1.n_iter > 5);
    p.n_threads = 2;
    MOOD_ASSERT_OK(mood_kmeans_fit(&p, x, n, d, c2, l2, &r2));
    assert_memory_equal(l1, l2, n * sizeof(int32_t));
    assert_memory_equal(c1, c2, k * d * sizeof(float));
    assert_true(r1.inertia == r2.inertia);
    assert_int_equal(r1.n_iter, r2.n_iter);
    p.n_threads = 3;
    MOOD_ASSERT_OK(mood_kmeans_fit(&p, x, n, d, c2, l2, &r2));
    assert_memory_equal(l1, l2, n * sizeof(int32_t));
    /* The AVX2 kernels and the portable ones (the one dispatch forced down): bit-identical fits. */
    int simd_was = mood__simd_force(MOOD_SIMD_PORTABLE);
    MOOD_ASSERT_OK(mood_kmeans_fit(&p, x, n, d, c2, l2, &r2));
    mood__simd_force(simd_was);
    assert_memory_equal(l1, l2, n * sizeof(int32_t));
    assert_memory_equal(c1, c2, k * d * sizeof(float));

    /* Hamerly bounds against every distance, from the same start: same fit. */
    p.n_threads = 2;
    p.n_init = 1;
    p.init = MOOD_KMEANS_INIT_GIVEN;
    float *c0 = malloc(k * d * sizeof(float));
    MOOD_ASSERT_OK(mood_kmeans_seed(x, n, d, k, MOOD_KMEANS_INIT_PLUSPLUS, 5, 2, c0));
    p.init_centroids = c0;
    p.bounds = MOOD_KMEANS_BOUNDS_NONE;
    MOOD_ASSERT_OK(mood_kmeans_fit(&p, x, n, d, c1, l1, &r1));
    p.bounds = MOOD_KMEANS_BOUNDS_HAMERLY;
    MOOD_ASSERT_OK(mood_kmeans_fit(&p, x, n, d, c2, l2, &r2));
    size_t diff = 0;
    for (size_t i = 0; i < n; i++)
        diff += l1[i] != l2[i];
    assert_true(diff <= n / 500);
    MOOD_ASSERT_NEAR(r2.inertia, r1.inertia, 1e-6, 0.0);
    assert_true(r2.distance_evals < r1.distance_evals / 2);

    /* sgemm and the plain loop: same labels up to float rounding near ties. */
    p.bounds = MOOD_KMEANS_BOUNDS_NONE;
    p.kernel = MOOD_KMEANS_KERNEL_PLAIN;
    MOOD_ASSERT_OK(mood_kmeans_fit(&p, x, n, d, c2, l2, &r2));
    diff = 0;
    for (size_t i = 0; i < n; i++)
        diff += l1[i] != l2[i];
    assert_true(diff <= n / 500);
    MOOD_ASSERT_NEAR(r2.inertia, r1.inertia, 1e-6, 0.0);
    p.kernel = MOOD_KMEANS_KERNEL_BLAS;
    MOOD_ASSERT_OK(mood_kmeans_fit(&p, x, n, d, c2, l2, &r2));
    MOOD_ASSERT_NEAR(r2.inertia, r1.inertia, 1e-6, 0.0);

    /* Assignment agrees between kernels and reports the inertia of the labels. */
    double in1, in2;
    MOOD_ASSERT_OK(mood_kmeans_assign(c1, k, x, n, d, MOOD_KMEANS_KERNEL_PLAIN, 2, l1, NULL, &in1));
    MOOD_ASSERT_OK(mood_kmeans_assign(c1, k, x, n, d, MOOD_KMEANS_KERNEL_BLAS, 1, l2, NULL, &in2));
    MOOD_ASSERT_NEAR(in1, in2, 1e-6, 0.0);
    free(c0);
    free(x);
    free(l1);
    free(l2);
    free(c1);
    free(c2);
    mood__km_set_par_threshold(3.2e7);
}

/* Seeding: k-means|| and ++ both give k distinct data rows / sensible starts. */
static void test_seeding(void **state)
{
    (void)state;
    const size_t n = 4000, d = 3, k = 5;
    float *x = malloc(n * d * sizeof(float));
    int32_t *truth = malloc(n * sizeof(int32_t)), *lab = malloc(n * sizeof(int32_t));
    mood_test_blobs(11, n, d, k, 20.0f, 0.5f, x, truth);
    float c[5 * 3];
    mood_kmeans_init inits[] = {MOOD_KMEANS_INIT_PLUSPLUS, MOOD_KMEANS_INIT_PARALLEL};
    for (int t = 0; t < 2; t++) {
        MOOD_ASSERT_OK(mood_kmeans_seed(x, n, d, k, inits[t], 1, 2, c));
        /* Well-separated blobs: one seed per blob, so assignment alone recovers them. */
        MOOD_ASSERT_OK(
            mood_kmeans_assign(c, k, x, n, d, MOOD_KMEANS_KERNEL_AUTO, 1, lab, NULL, NULL));
        assert_true(ari(lab, truth, n, k, k) >= 0.99);
    }
    MOOD_ASSERT_OK(mood_kmeans_seed(x, n, d, k, MOOD_KMEANS_INIT_RANDOM, 1, 2, c));
    free(x);
    free(truth);
    free(lab);
}

/* Empty clusters: duplicated points with k larger than the distinct values. */
static void test_empty_and_tiny(void **state)
{
    (void)state;
    float x[] = {0, 0, 0, 0, 1, 1, 1, 1, 5, 5, 5, 5.5f};
    int32_t lab[6];
    float c[3 * 2];
    mood_kmeans_params p;
    mood_kmeans_params_default(&p);
    p.k = 3;
    mood_kmeans_result r;
    MOOD_ASSERT_OK(mood_kmeans_fit(&p, x, 6, 2, c, lab, &r));
    MOOD_ASSERT_NEAR(r.inertia, 0.125, 1e-6, 1e-9);
    assert_int_equal(lab[0], lab[1]);
    assert_int_equal(lab[2], lab[3]);
    assert_int_equal(lab[4], lab[5]);
    /* Starting with two centres on the same point forces a relocation. */
    float c0[] = {0, 0, 0, 0, 1, 1};
    p.init = MOOD_KMEANS_INIT_GIVEN;
    p.init_centroids = c0;
    MOOD_ASSERT_OK(mood_kmeans_fit(&p, x, 6, 2, c, lab, &r));
    MOOD_ASSERT_NEAR(r.inertia, 0.125, 1e-6, 1e-9);
    /* k = n: every row its own group. */
    p.init = MOOD_KMEANS_INIT_AUTO;
    p.k = 6;
    float c6[12];
    MOOD_ASSERT_OK(mood_kmeans_fit(&p, x, 6, 2, c6, lab, &r));
    MOOD_ASSERT_NEAR(r.inertia, 0.0, 0.0, 1e-9);
}

static void test_json_round_trip(void **state)
{
    (void)state;
    const size_t n = 2000, d = 6, k = 5;
    float *x = malloc(n * d * sizeof(float));
    int32_t *lab = malloc(n * sizeof(int32_t)), *lab2 = malloc(n * sizeof(int32_t));
    float *dist = malloc(n * sizeof(float));
    mood_test_blobs(21, n, d, k, 4.0f, 1.0f, x, NULL);
    mood_algorithm algos[] = {MOOD_ALGO_KMEANS, MOOD_ALGO_MINIBATCH};
    for (int a = 0; a < 2; a++) {
        mood_cluster_params p;
        mood_cluster_params_default(&p);
        p.algorithm = algos[a];
        p.k = k;
        p.seed = 1234567890123ULL;
        p.batch_size = 256;
        mood_cluster_model *m, *m2;
        MOOD_ASSERT_OK(mood_cluster_fit(&p, x, n, d, &m, lab));
        char *js;
        MOOD_ASSERT_OK(mood_cluster_model_to_json(m, &js));
        assert_non_null(strstr(js, "\"seed\":\"1234567890123\""));
        MOOD_ASSERT_OK(mood_cluster_model_from_json(js, &m2));
        assert_int_equal(mood_cluster_model_algorithm(m2), algos[a]);
        MOOD_ASSERT_OK(mood_cluster_predict(m2, x, n, d, lab2, dist));
        assert_memory_equal(lab, lab2, n * sizeof(int32_t));
        assert_memory_equal(mood_cluster_model_centroids(m), mood_cluster_model_centroids(m2),
                            k * d * sizeof(float));
        MOOD_ASSERT_NEAR(mood_cluster_model_inertia(m2), mood_cluster_model_inertia(m), 0, 0);
        double s = 0.0;
        for (size_t i = 0; i < n; i++)
            s += (double)dist[i] * (double)dist[i];
        MOOD_ASSERT_NEAR(s, mood_cluster_model_inertia(m), 1e-4, 0.0);
        /* Errors: wrong dimension, soft labels from a hard model, malformed files. */
        assert_int_equal(mood_cluster_predict(m2, x, n, d - 1, lab2, NULL), MOOD_EDIM);
        float pr[5];
        assert_int_equal(mood_cluster_predict_proba(m2, x, 1, d, pr), MOOD_EUNSUPPORTED);
        mood_free(js);
        mood_cluster_model_destroy(m);
        mood_cluster_model_destroy(m2);
    }
    mood_cluster_model *bad = NULL;
    assert_int_equal(mood_cluster_model_from_json("{", &bad), MOOD_EFORMAT);
    assert_int_equal(mood_cluster_model_from_json("{\"format\":\"x\"}", &bad), MOOD_EFORMAT);
    assert_int_equal(mood_cluster_model_from_json(
                         "{\"format\":\"moodscope-cluster-model\",\"version\":1,\"algorithm\":"
                         "\"kmeans\",\"k\":2,\"d\":2,\"centroids\":[[1,2],[3]]}",
                         &bad),
                     MOOD_EFORMAT);
    assert_non_null(strstr(mood_last_error(), "centroids"));
    assert_null(bad);
    free(x);
    free(lab);
    free(lab2);
    free(dist);
}

static void test_errors(void **state)
{
    (void)state;
    float x[] = {0, 1, 2, 3, 4, 5, 6, 7};
    int32_t lab[4];
    mood_cluster_params p;
    mood_cluster_params_default(&p);
    mood_cluster_model *m = NULL;
    p.k = 5;
    assert_int_equal(mood_cluster_fit(&p, x, 4, 2, &m, lab), MOOD_EINVAL);
    assert_non_null(strstr(mood_last_error(), "k=5 exceeds n=4"));
    p.k = 0;
    assert_int_equal(mood_cluster_fit(&p, x, 4, 2, &m, lab), MOOD_EINVAL);
    p.k = 2;
    x[5] = NAN;
    assert_int_equal(mood_cluster_fit(&p, x, 4, 2, &m, lab), MOOD_EINVAL);
    assert_non_null(strstr(mood_last_error(), "row 2 column 1"));
    x[5] = 5;
    p.tol = -1;
    assert_int_equal(mood_cluster_fit(&p, x, 4, 2, &m, lab), MOOD_EINVAL);
    p.tol = 1e-4;
    assert_int_equal(mood_cluster_fit(&p, x, 4, 0, &m, lab), MOOD_EINVAL);
    assert_null(m);
    mood_algorithm a;
    MOOD_ASSERT_OK(mood_algorithm_parse("gmm", &a));
    assert_int_equal(a, MOOD_ALGO_GMM);
    assert_int_equal(mood_algorithm_parse("kmedoids", &a), MOOD_EINVAL);
    assert_string_equal(mood_algorithm_name(MOOD_ALGO_SPECTRAL), "spectral");
    assert_int_equal(mood_cluster_predict(NULL, x, 4, 2, lab, NULL), MOOD_ENOTFIT);
    mood_kmeans_params kp;
    mood_kmeans_params_default(&kp);
    kp.k = 2;
    kp.init = MOOD_KMEANS_INIT_GIVEN;
    float c[4];
    assert_int_equal(mood_kmeans_fit(&kp, x, 4, 2, c, lab, NULL), MOOD_EINVAL);
}

/* Every allocation failing in turn gives ENOMEM and no leak (ASan checks the leaks). */
static void test_enomem(void **state)
{
    (void)state;
    const size_t n = 300, d = 3;
    float *x = malloc(n * d * sizeof(float));
    int32_t *lab = malloc(n * sizeof(int32_t));
    mood_test_blobs(5, n, d, 3, 5.0f, 1.0f, x, NULL);
    mood_algorithm algos[] = {MOOD_ALGO_KMEANS, MOOD_ALGO_MINIBATCH};
    for (int a = 0; a < 2; a++) {
        mood_cluster_params p;
        mood_cluster_params_default(&p);
        p.algorithm = algos[a];
        p.k = 3;
        p.n_init = 2;
        p.n_threads = 1;
        p.batch_size = 64;
        mood_status st = MOOD_ENOMEM;
        long fail;
        for (fail = 1; fail < 500 && st == MOOD_ENOMEM; fail++) {
            mood_cluster_model *m = NULL;
            mood_test_fail_alloc_after(fail);
            st = mood_cluster_fit(&p, x, n, d, &m, lab);
            mood_test_fail_alloc_after(0);
            if (st == MOOD_OK) {
                char *js = NULL;
                mood_cluster_model_destroy(m);
                break;
                mood_free(js);
            }
            assert_int_equal(st, MOOD_ENOMEM);
            assert_null(m);
        }
        assert_int_equal(st, MOOD_OK);
        assert_true(fail > 3);
    }
    free(x);
    free(lab);
}

/*
 * Heavily overlapping blobs, where tightening the Hamerly bound rarely settles a row and the
 * fit switches it off for some iterations (kmeans.c, tighten_policy): the labels and the
 * inertia stay those of the fit without bounds, for one and two threads.
 */
static void test_bounds_overlap_same(void **state)
{
    (void)state;
    size_t n = 20000, d = 32, k = 64;
    float *x = malloc(n * d * sizeof *x), *c[3];
    int32_t *lab[3];
    double inertia[3];
    mood_test_blobs(3, n, d, k, 1.0f, 1.0f, x, NULL);
    for (int v = 0; v < 3; v++) {
        mood_kmeans_params p;
        mood_kmeans_result r;
        mood_kmeans_params_default(&p);
        p.k = k;
        p.n_init = 1;
        p.seed = 5;
        p.max_iter = 60;
        p.n_threads = v == 2 ? 2 : 1;
        p.bounds = v == 0 ? MOOD_KMEANS_BOUNDS_NONE : MOOD_KMEANS_BOUNDS_HAMERLY;
        c[v] = malloc(k * d * sizeof(float));
        lab[v] = malloc(n * sizeof(int32_t));
        MOOD_ASSERT_OK(mood_kmeans_fit(&p, x, n, d, c[v], lab[v], &r));
        inertia[v] = r.inertia;
    }
    for (int v = 1; v < 3; v++) {
        assert_memory_equal(lab[0], lab[v], n * sizeof(int32_t));
        MOOD_ASSERT_NEAR(inertia[v], inertia[0], 1e-12, 0.0);
    }
    for (int v = 0; v < 3; v++) {
        free(c[v]);
        free(lab[v]);
    }
    free(x);
}

/*
 * The fused distance + argmin kernel (kmeans_assign.c) against a double-precision scalar
 * reference on random data: labels equal (rows whose two best reference distances are within
 * 1e-5 relative, true near-ties, are only checked for an equal distance), best and second-best
 * squared distances within 1e-4 relative. Every form of the kernel (portable fmaf, AVX2,
 * AVX-512, rows read through an index, the transposed block + mood__km_argmin_t used by the
 * MPI engine and seeding) must give the same bits.
 */
static void test_fused_kernel(void **state)
{
    (void)state;
    const size_t shapes[][2] = {{32, 64}, {13, 20}, {64, 256}, {8, 16}, {40, 33}};
    const size_t n = 1003; /* not a multiple of the 4-row tile */
    mood_rng rng;
    mood_rng_seed(&rng, 17);
    for (size_t sh = 0; sh < sizeof shapes / sizeof shapes[0]; sh++) {
        const size_t d = shapes[sh][0], k = shapes[sh][1];
        km_centres cs;
        MOOD_ASSERT_OK(mood__km_centres_init(&cs, k, d, 2));
        if (!cs.fused) {
            mood__km_centres_free(&cs);
            print_message("fused kernel not used here (no AVX2/FMA or not a BLAS build)\n");
            return;
        }
        float *x = malloc(n * d * sizeof(float)), *c = malloc(k * d * sizeof(float));
        float *xn = malloc(n * sizeof(float)), *D = malloc(k * n * sizeof(float));
        float *xt = malloc(n * d * sizeof(float));
        float *b1[5], *b2[5];
        int32_t *lab[5];
        for (int v = 0; v < 5; v++) {
            b1[v] = malloc(n * sizeof(float));
            b2[v] = malloc(n * sizeof(float));
            lab[v] = malloc(n * sizeof(int32_t));
        }
        for (size_t i = 0; i < n * d; i++)
            x[i] = (float)(mood_rng_uniform(&rng) * 4.0 - 2.0);
        for (size_t i = 0; i < k * d; i++)
            c[i] = (float)(mood_rng_uniform(&rng) * 4.0 - 2.0);
        mood__km_row_norms(x, n, d, 1, xn);
        mood__km_centres_set(&cs, c);
        /* 0: automatic, 1: portable, 2: AVX2, 3: AVX-512 (AVX2 where missing), 4: Dt + argmin_t */
        for (int v = 0; v < 4; v++) {
            int old = mood__km_fused_force(v == 0 ? -1 : v - 1);
            mood__km_assign_block(&cs, x, xn, n, xt, D, lab[v], b1[v], b2[v]);
            mood__km_fused_force(old);
        }
        mood__km_dots_block_t(&cs, x, n, xt, D);
        mood__argmin_cols(D, cs.cnorm, k, n, xn, lab[4], b1[4], b2[4]);
        for (int v = 1; v < 5; v++) {
            assert_memory_equal(lab[0], lab[v], n * sizeof(int32_t));
            assert_memory_equal(b1[0], b1[v], n * sizeof(float));
            assert_memory_equal(b2[0], b2[v], n * sizeof(float));
        }
        /* rows in place through an index (reversed order), as the Hamerly pass calls it */
        size_t *idx = malloc(n * sizeof(size_t));
        for (size_t r = 0; r < n; r++)
            idx[r] = n - 1 - r;
        mood__km_assign_rows(&cs, x, xn, idx, n, lab[1], b1[1], b2[1]);
        for (size_t r = 0; r < n; r++) {
            assert_int_equal(lab[1][r], lab[0][idx[r]]);
            assert_true(b1[1][r] == b1[0][idx[r]] && b2[1][r] == b2[0][idx[r]]);
        }
        size_t ties = 0;
        for (size_t i = 0; i < n; i++) {
            double r1 = INFINITY, r2 = INFINITY;
            size_t rb = 0;
            for (size_t j = 0; j < k; j++) {
                double s = 0.0;
                for (size_t l = 0; l < d; l++) {
                    double t = (double)x[i * d + l] - (double)c[j * d + l];
                    s += t * t;
                }
                if (s < r1) {
                    r2 = r1;
                    r1 = s;
                    rb = j;
                } else if (s < r2) {
                    r2 = s;
                }
            }
            MOOD_ASSERT_NEAR(b1[0][i], r1, 1e-4, 1e-4);
            MOOD_ASSERT_NEAR(b2[0][i], r2, 1e-4, 1e-4);
            if (r2 - r1 > 1e-5 * r1)
                assert_int_equal(lab[0][i], (int32_t)rb);
            else
                ties++;
        }
        assert_true(ties <= n / 200);
        for (int v = 0; v < 5; v++) {
            free(b1[v]);
            free(b2[v]);
            free(lab[v]);
        }
        free(idx);
        free(x);
        free(c);
        free(xn);
        free(D);
        free(xt);
        mood__km_centres_free(&cs);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blobs_recovered), cmocka_unit_test(test_threads_kernels_bounds),
        cmocka_unit_test(test_seeding),         cmocka_unit_test(test_empty_and_tiny),
        cmocka_unit_test(test_json_round_trip), cmocka_unit_test(test_errors),
        cmocka_unit_test(test_enomem),          cmocka_unit_test(test_bounds_overlap_same),
        cmocka_unit_test(test_fused_kernel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
