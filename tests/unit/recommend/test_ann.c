/*
 * The HNSW graph (src/recommend/hnsw.c) against brute force: recall@10 on seeded blobs for
 * both distance kernels and both metrics, one-thread reproducibility, persistence (and
 * damaged files), deletion, revival and replacement, and allocation failures.
 */
#include "test_util.h"

#include "core/cpu.h"
#include <moodscope/ann.h>
#include <moodscope/recommend.h>

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* recall@k of h on nq queries (rows of x at a stride, perturbed) against exact search */
static double recall_of(const mood_hnsw *h, const float *x, size_t n, size_t d, mood_metric metric,
                        size_t nq, size_t k)
{
    size_t hits = 0, top1_misses = 0;
    float *q = malloc(d * sizeof *q);
    for (size_t qi = 0; qi < nq; qi++) {
        uint64_t lab[16];
        float dist[16], ed[16];
        size_t er[16], found;
        for (size_t j = 0; j < d; j++)
            q[j] = x[(qi * 37 % n) * d + j] + 0.05f * (float)((int)(qi + j) % 7 - 3);
        if (metric == MOOD_METRIC_COSINE) {
            double s = 0.0;
            for (size_t j = 0; j < d; j++)
                s += (double)q[j] * (double)q[j];
            for (size_t j = 0; j < d; j++)
                q[j] = (float)((double)q[j] / sqrt(s));
        }
        MOOD_ASSERT_OK(mood_hnsw_search(h, q, k, lab, dist, &found));
        MOOD_ASSERT_OK(mood_knn_exact(x, n, d, metric, q, 1, k, 1, er, ed));
        assert_int_equal(found, k);
        for (size_t a = 1; a < found; a++)
            assert_true(dist[a] >= dist[a - 1]);
        /* The index is approximate (and a graph built by several threads differs from run to
         * run): the first hit is the exact nearest neighbour for at least 98% of the queries,
         * and when it is, its distance is the exact one. */
        if (fabsf(dist[0] - ed[0]) > 1e-3f + 1e-3f * fabsf(ed[0]))
            top1_misses++;
        for (size_t a = 0; a < found; a++)
            for (size_t b = 0; b < k; b++)
                hits += lab[a] == er[b];
    }
    free(q);
    assert_true(top1_misses * 50 <= nq);
    return (double)hits / (double)(nq * k);
}

static float *blobs(size_t n, size_t d, int unit)
{
    float *x = malloc(n * d * sizeof *x);
    mood_test_blobs(11, n, d, 40, 3.0f, 1.0f, x, NULL);
    for (size_t i = 0; unit && i < n; i++) {
        double s = 0.0;
        for (size_t j = 0; j < d; j++)
            s += (double)x[i * d + j] * (double)x[i * d + j];
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = (float)((double)x[i * d + j] / sqrt(s));
    }
    return x;
}

static mood_hnsw *build(const float *x, size_t n, size_t d, mood_metric metric, int threads)
{
    mood_hnsw_params p;
    mood_hnsw *h;
    mood_hnsw_params_default(&p);
    p.ef_construction = 100;
    MOOD_ASSERT_OK(mood_hnsw_create(d, metric, 100, &p, &h)); /* grows on demand */
    MOOD_ASSERT_OK(mood_hnsw_add(h, x, n, NULL, threads, NULL, NULL));
    assert_int_equal(mood_hnsw_size(h), n);
    return h;
}

/* Both kernels (AVX2+FMA and the portable one), d = 32 (the unrolled path) and d = 20. */
static void test_recall_kernels(void **state)
{
    (void)state;
    static const size_t dims[2] = {32, 20};
    for (int base = 0; base < 2; base++) {
        if (base)
            mood__simd_force(MOOD_SIMD_PORTABLE);
        for (int di = 0; di < 2; di++) {
            size_t n = 4000, d = dims[di];
            float *x = blobs(n, d, 0);
            mood_hnsw *h = build(x, n, d, MOOD_METRIC_EUCLIDEAN, 1);
            mood_hnsw_set_ef(h, 64);
            assert_true(recall_of(h, x, n, d, MOOD_METRIC_EUCLIDEAN, 200, 10) >= 0.97);
            mood_hnsw_set_ef(h, 10);
            assert_true(recall_of(h, x, n, d, MOOD_METRIC_EUCLIDEAN, 200, 10) >= 0.80);
            mood_hnsw_destroy(h);
            free(x);
        }
    }
    mood__simd_force(-1);
}

static void test_recall_cosine_threads(void **state)
{
    (void)state;
    size_t n = 5000, d = 32;
    float *x = blobs(n, d, 1);
    mood_hnsw *h = build(x, n, d, MOOD_METRIC_COSINE, 2);
    mood_hnsw_set_ef(h, 64);
    assert_true(recall_of(h, x, n, d, MOOD_METRIC_COSINE, 200, 10) >= 0.97);
    mood_hnsw_destroy(h);
    free(x);
}

/* One thread: the same graph every time, so the same answers. */
static void test_reproducible(void **state)
{
    (void)state;
    size_t n = 3000, d = 32;
    float *x = blobs(n, d, 0);
    mood_hnsw *a = build(x, n, d, MOOD_METRIC_EUCLIDEAN, 1);
    mood_hnsw *b = build(x, n, d, MOOD_METRIC_EUCLIDEAN, 1);
    mood_hnsw_set_ef(a, 16);
    mood_hnsw_set_ef(b, 16);
    for (size_t qi = 0; qi < 100; qi++) {
        uint64_t la[10], lb[10];
        float da[10], db[10];
        size_t fa, fb;
        MOOD_ASSERT_OK(mood_hnsw_search(a, x + qi * 29 * d, 10, la, da, &fa));
        MOOD_ASSERT_OK(mood_hnsw_search(b, x + qi * 29 * d, 10, lb, db, &fb));
        assert_int_equal(fa, fb);
        assert_memory_equal(la, lb, fa * sizeof *la);
        assert_int_equal(la[0], qi * 29); /* a stored point finds itself */
    }
    mood_hnsw_destroy(a);
    mood_hnsw_destroy(b);
    free(x);
}

static void test_save_load(void **state)
{
    (void)state;
    size_t n = 2000, d = 32;
    char path[1024], bad[1100];
    float *x = blobs(n, d, 0);
    mood_hnsw *h = build(x, n, d, MOOD_METRIC_EUCLIDEAN, 2), *g;
    snprintf(path, sizeof path, "%s/g.hnsw", mood_test_tmpdir("ann-save"));
    MOOD_ASSERT_OK(mood_hnsw_mark_deleted(h, 5));
    MOOD_ASSERT_OK(mood_hnsw_save(h, path));
    MOOD_ASSERT_OK(mood_hnsw_load(path, d, MOOD_METRIC_EUCLIDEAN, NULL, &g));
    assert_int_equal(mood_hnsw_size(g), n);
    mood_hnsw_set_ef(h, 32);
    mood_hnsw_set_ef(g, 32);
    for (size_t qi = 0; qi < 50; qi++) {
        uint64_t la[10], lb[10];
        float da[10], db[10];
        size_t fa, fb;
        MOOD_ASSERT_OK(mood_hnsw_search(h, x + qi * 13 * d, 10, la, da, &fa));
        MOOD_ASSERT_OK(mood_hnsw_search(g, x + qi * 13 * d, 10, lb, db, &fb));
        assert_int_equal(fa, fb);
        assert_memory_equal(la, lb, fa * sizeof *la);
        for (size_t a = 0; a < fa; a++)
            assert_true(la[a] != 5);
    }
    mood_hnsw_destroy(g); /* the failing loads below set g to NULL */
    assert_int_equal(mood_hnsw_load(path, d + 1, MOOD_METRIC_EUCLIDEAN, NULL, &g), MOOD_EFORMAT);
    assert_null(g);
    assert_int_equal(mood_hnsw_load(path, d, MOOD_METRIC_COSINE, NULL, &g), MOOD_EFORMAT);
    /* truncated, then garbage */
    snprintf(bad, sizeof bad, "%s.bad", path);
    FILE *in = fopen(path, "rb"), *out = fopen(bad, "wb");
    char buf[4096];
    size_t got = fread(buf, 1, sizeof buf, in);
    fwrite(buf, 1, got, out);
    fclose(in);
    fclose(out);
    assert_int_equal(mood_hnsw_load(bad, d, MOOD_METRIC_EUCLIDEAN, NULL, &g), MOOD_EFORMAT);
    out = fopen(bad, "wb");
    fputs("not a graph at all, just some text that is long enough", out);
    fclose(out);
    assert_int_equal(mood_hnsw_load(bad, d, MOOD_METRIC_EUCLIDEAN, NULL, &g), MOOD_EFORMAT);
    assert_int_equal(mood_hnsw_load("/nonexistent/g.hnsw", d, MOOD_METRIC_EUCLIDEAN, NULL, &g),
                     MOOD_EIO);
    mood_hnsw_destroy(h);
    mood_hnsw_destroy(g);
    free(x);
}

/* Hidden labels never come back; re-adding the same vector revives; a new vector replaces. */
static void test_delete_revive_replace(void **state)
{
    (void)state;
    size_t n = 1500, d = 20;
    float *x = blobs(n, d, 0), v[20];
    uint64_t lab[5], one = 7;
    float dist[5];
    size_t found;
    mood_hnsw *h = build(x, n, d, MOOD_METRIC_EUCLIDEAN, 1);
    MOOD_ASSERT_OK(mood_hnsw_mark_deleted(h, 7));
    assert_int_equal(mood_hnsw_get(h, 7, v), MOOD_ENOTFOUND);
    MOOD_ASSERT_OK(mood_hnsw_search(h, x + 7 * d, 5, lab, dist, &found));
    assert_int_equal(found, 5);
    for (size_t a = 0; a < found; a++)
        assert_true(lab[a] != 7);
    MOOD_ASSERT_OK(mood_hnsw_add(h, x + 7 * d, 1, &one, 1, NULL, NULL));
    MOOD_ASSERT_OK(mood_hnsw_search(h, x + 7 * d, 1, lab, dist, &found));
    assert_int_equal(lab[0], 7);
    /* replace label 7 by point 900's vector: found there, not at its old place */
    MOOD_ASSERT_OK(mood_hnsw_add(h, x + 900 * d, 1, &one, 1, NULL, NULL));
    assert_int_equal(mood_hnsw_size(h), n);
    MOOD_ASSERT_OK(mood_hnsw_get(h, 7, v));
    assert_memory_equal(v, x + 900 * d, d * sizeof *v);
    MOOD_ASSERT_OK(mood_hnsw_search(h, x + 7 * d, 1, lab, dist, &found));
    assert_true(lab[0] != 7 || dist[0] > 0.0f);
    assert_int_equal(mood_hnsw_get(h, 99999, v), MOOD_ENOTFOUND);
    assert_int_equal(mood_hnsw_mark_deleted(h, 99999), MOOD_ENOTFOUND);
    mood_hnsw_destroy(h);
    free(x);
}

static void test_errors_and_alloc(void **state)
{
    (void)state;
    mood_hnsw_params p;
    mood_hnsw *h;
    size_t n = 300, d = 8;
    float *x = blobs(n, d, 0);
    mood_hnsw_params_default(&p);
    p.m = 1;
    assert_int_equal(mood_hnsw_create(8, MOOD_METRIC_EUCLIDEAN, 10, &p, &h), MOOD_EINVAL);
    assert_int_equal(mood_hnsw_create(0, MOOD_METRIC_EUCLIDEAN, 10, NULL, &h), MOOD_EINVAL);
    /* the N-th allocation failing: an error, never a crash or a leak (ASan/valgrind) */
    for (long fail = 1; fail < 40; fail++) {
        mood_test_fail_alloc_after(fail);
        mood_status st = mood_hnsw_create(d, MOOD_METRIC_EUCLIDEAN, 16, NULL, &h);
        if (st == MOOD_OK) {
            st = mood_hnsw_add(h, x, n, NULL, 1, NULL, NULL);
            mood_hnsw_destroy(h);
        }
        mood_test_fail_alloc_after(0);
        assert_true(st == MOOD_OK || st == MOOD_ENOMEM);
    }
    /* an empty graph answers nothing */
    MOOD_ASSERT_OK(mood_hnsw_create(d, MOOD_METRIC_EUCLIDEAN, 0, NULL, &h));
    uint64_t lab[3];
    float dist[3];
    size_t found = 9;
    MOOD_ASSERT_OK(mood_hnsw_search(h, x, 3, lab, dist, &found));
    assert_int_equal(found, 0);
    mood_hnsw_destroy(h);
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recall_kernels),        cmocka_unit_test(test_recall_cosine_threads),
        cmocka_unit_test(test_reproducible),          cmocka_unit_test(test_save_load),
        cmocka_unit_test(test_delete_revive_replace), cmocka_unit_test(test_errors_and_alloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
