/*
 * Known-answer tests of the metrics subsystem: hand-computed silhouette / CH / DB / inertia /
 * ARI / NMI / purity cases (values checked against scikit-learn 1.2), kernel agreement (BLAS
 * vs plain, AVX2 vs portable), thread-count independence, the deterministic sample, every
 * error path, and ENOMEM at every allocation.
 */
#include "test_util.h"

#include "core/cpu.h"
#include "metrics_internal.h"

#include <moodscope/metrics.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Two tight pairs 3 apart: a = 1, b = (3 + √10)/2 for every point. */
static const float SQ_X[8] = {0, 0, 0, 1, 3, 0, 3, 1};
static const int32_t SQ_L[4] = {0, 0, 1, 1};
#define SQ_SIL 0.6754446796632414

static void test_silhouette_hand(void **state)
{
    (void)state;
    double s = 0;
    int sampled = -1;
    MOOD_ASSERT_OK(mood_silhouette(SQ_X, 4, 2, SQ_L, 2, NULL, &s, &sampled));
    MOOD_ASSERT_NEAR(s, SQ_SIL, 1e-6, 0);
    assert_int_equal(sampled, 0);

    /* 1-D: 0,1,2 | 10,11; per-row values 6/7, 17/19, 14/17, 8/9, 9/10. */
    const float x1[5] = {0, 1, 2, 10, 11};
    const int32_t l1[5] = {0, 0, 0, 1, 1};
    const double want = (6.0 / 7 + 17.0 / 19 + 14.0 / 17 + 8.0 / 9 + 0.9) / 5;
    MOOD_ASSERT_OK(mood_silhouette(x1, 5, 1, l1, 2, NULL, &s, NULL));
    MOOD_ASSERT_NEAR(s, want, 1e-6, 0);
    MOOD_ASSERT_NEAR(want, 0.872859599980343, 1e-12, 0);
    for (int kern = MOOD__KERNEL_PLAIN; kern <= MOOD__KERNEL_BLAS; kern++) {
        MOOD_ASSERT_OK(
            mood__silhouette_exact(x1, 1, NULL, 5, l1, 2, (mood__dist_kernel)kern, 1, &s));
        MOOD_ASSERT_NEAR(s, want, 1e-6, 0);
    }

    /* A row alone in its group scores 0: (0.8 + 0.75 + 0) / 3. */
    const float x2[3] = {0, 1, 5};
    const int32_t l2[3] = {0, 0, 1};
    MOOD_ASSERT_OK(mood_silhouette(x2, 3, 1, l2, 2, NULL, &s, NULL));
    MOOD_ASSERT_NEAR(s, (0.8 + 0.75) / 3, 1e-6, 0);

    /* All rows equal: a = b = 0 scores 0 (scikit-learn's nan_to_num), not NaN. */
    const float flat[6] = {2, 2, 2, 2, 2, 2};
    const int32_t lf[6] = {0, 1, 0, 1, 0, 1};
    MOOD_ASSERT_OK(mood_silhouette(flat, 6, 1, lf, 2, NULL, &s, NULL));
    MOOD_ASSERT_NEAR(s, 0.0, 0, 0);

    /* Noise rows (-1) are left out, and empty groups do not count. */
    const float x3[12] = {0, 0, 0, 1, 100, 100, 3, 0, 3, 1, -50, 7};
    const int32_t l3[6] = {0, 0, -1, 2, 2, -1};
    MOOD_ASSERT_OK(mood_silhouette(x3, 6, 2, l3, 3, NULL, &s, NULL));
    MOOD_ASSERT_NEAR(s, SQ_SIL, 1e-6, 0);
}

static void test_internal_hand(void **state)
{
    (void)state;
    double v;
    MOOD_ASSERT_OK(mood_calinski_harabasz(SQ_X, 4, 2, SQ_L, 2, &v));
    MOOD_ASSERT_NEAR(v, 18.0, 1e-12, 0);
    MOOD_ASSERT_OK(mood_davies_bouldin(SQ_X, 4, 2, SQ_L, 2, &v));
    MOOD_ASSERT_NEAR(v, 1.0 / 3.0, 1e-12, 0);
    MOOD_ASSERT_OK(mood_inertia(SQ_X, 4, 2, SQ_L, 2, &v));
    MOOD_ASSERT_NEAR(v, 1.0, 1e-12, 0);

    mood_internal_scores sc;
    MOOD_ASSERT_OK(mood_internal_scores_compute(SQ_X, 4, 2, SQ_L, 2, NULL, &sc));
    MOOD_ASSERT_NEAR(sc.silhouette, SQ_SIL, 1e-6, 0);
    MOOD_ASSERT_NEAR(sc.calinski_harabasz, 18.0, 1e-12, 0);
    MOOD_ASSERT_NEAR(sc.davies_bouldin, 1.0 / 3.0, 1e-12, 0);
    MOOD_ASSERT_NEAR(sc.inertia, 1.0, 1e-12, 0);
    assert_int_equal(sc.k, 2);
    assert_int_equal(sc.n_noise, 0);
    assert_int_equal(sc.silhouette_n, 4);
    assert_int_equal(sc.silhouette_sampled, 0);
    /* 0.5·(s+1)/2 + 0.25/(1+DB) + 0.25·CH/(CH + n/k) with n/k = 2. */
    const double want = 0.5 * (SQ_SIL + 1) / 2 + 0.25 / (1 + 1.0 / 3) + 0.25 * 18 / (18 + 2);
    MOOD_ASSERT_NEAR(mood_composite_score(&sc, 4), want, 1e-6, 0);
    MOOD_ASSERT_NEAR(mood_composite_score(&sc, 4), 0.8313611699, 1e-6, 0);

    /* Identical points: zero within-dispersion gives CH = 1 and DB = 0 (scikit-learn). */
    const float same[8] = {1, 1, 1, 1, 2, 2, 2, 2};
    MOOD_ASSERT_OK(mood_calinski_harabasz(same, 4, 2, SQ_L, 2, &v));
    MOOD_ASSERT_NEAR(v, 1.0, 0, 0);
    MOOD_ASSERT_OK(mood_davies_bouldin(same, 4, 2, SQ_L, 2, &v));
    MOOD_ASSERT_NEAR(v, 0.0, 0, 0);

    /* Noise excluded from CH/DB/inertia and counted. */
    const float x3[12] = {0, 0, 0, 1, 100, 100, 3, 0, 3, 1, -50, 7};
    const int32_t l3[6] = {0, 0, -1, 1, 1, -1};
    MOOD_ASSERT_OK(mood_internal_scores_compute(x3, 6, 2, l3, 2, NULL, &sc));
    MOOD_ASSERT_NEAR(sc.calinski_harabasz, 18.0, 1e-12, 0);
    MOOD_ASSERT_NEAR(sc.inertia, 1.0, 1e-12, 0);
    assert_int_equal(sc.n_noise, 2);
    assert_int_equal(sc.silhouette_n, 4);
}

static void blobs(size_t n, size_t d, size_t k, uint64_t seed, float **x, int32_t **l)
{
    *x = malloc(n * d * sizeof **x);
    *l = malloc(n * sizeof **l);
    assert_non_null(*x);
    assert_non_null(*l);
    mood_test_blobs(seed, n, d, k, 10.0f, 0.6f, *x, *l);
}

static void test_kernels_and_threads(void **state)
{
    (void)state;
    const size_t n = 1500, d = 7, k = 5; /* 6 tiles of 256: ragged last tile, many runs */
    float *x;
    int32_t *l;
    blobs(n, d, k, 11, &x, &l);
    /* Shift far from the origin: the BLAS form must stay accurate (the data are centred). */
    for (size_t i = 0; i < n * d; i++)
        x[i] += 1000.0f;
    double plain, blas, t1, t2, t3, scalar;
    MOOD_ASSERT_OK(mood__silhouette_exact(x, d, NULL, n, l, k, MOOD__KERNEL_PLAIN, 2, &plain));
    MOOD_ASSERT_OK(mood__silhouette_exact(x, d, NULL, n, l, k, MOOD__KERNEL_BLAS, 2, &blas));
    if (!mood__have_blas())
        printf("SKIP: built without BLAS; the BLAS kernel fell back to the plain one\n");
    MOOD_ASSERT_NEAR(blas, plain, 1e-5, 0);
    assert_true(plain > 0.8); /* well-separated blobs */

    MOOD_ASSERT_OK(mood__silhouette_exact(x, d, NULL, n, l, k, MOOD__KERNEL_AUTO, 1, &t1));
    MOOD_ASSERT_OK(mood__silhouette_exact(x, d, NULL, n, l, k, MOOD__KERNEL_AUTO, 2, &t2));
    MOOD_ASSERT_OK(mood__silhouette_exact(x, d, NULL, n, l, k, MOOD__KERNEL_AUTO, 3, &t3));
    assert_memory_equal(&t1, &t2, sizeof t1); /* bit-identical for any thread count */
    assert_memory_equal(&t1, &t3, sizeof t1);

    mood__simd_force(MOOD_SIMD_PORTABLE);
    assert_int_equal(mood__simd(), MOOD_SIMD_PORTABLE);
    MOOD_ASSERT_OK(mood__silhouette_exact(x, d, NULL, n, l, k, MOOD__KERNEL_AUTO, 2, &scalar));
    mood__simd_force(-1);
    MOOD_ASSERT_NEAR(scalar, t1, 1e-9, 0);

    /* The public entry point with explicit thread counts agrees too. */
    mood_silhouette_params p = {0};
    p.n_threads = 1;
    MOOD_ASSERT_OK(mood_silhouette(x, n, d, l, k, &p, &t2, NULL));
    assert_memory_equal(&t1, &t2, sizeof t1);
    free(x);
    free(l);
}

/* Direct O(n²) silhouette in double: the oracle for the tiled code. */
static double naive_silhouette(const float *x, size_t n, size_t d, const int32_t *l, size_t k)
{
    double *sum = calloc(k, sizeof *sum), total = 0;
    size_t *cnt = calloc(k, sizeof *cnt), m = 0;
    for (size_t i = 0; i < n; i++)
        if (l[i] >= 0)
            cnt[l[i]]++;
    for (size_t i = 0; i < n; i++) {
        if (l[i] < 0)
            continue;
        m++;
        memset(sum, 0, k * sizeof *sum);
        for (size_t j = 0; j < n; j++) {
            if (l[j] < 0)
                continue;
            double q = 0;
            for (size_t t = 0; t < d; t++) {
                double diff = (double)x[i * d + t] - (double)x[j * d + t];
                q += diff * diff;
            }
            sum[l[j]] += sqrt(q);
        }
        const size_t own = (size_t)l[i];
        if (cnt[own] < 2)
            continue;
        double a = sum[own] / (double)(cnt[own] - 1), b = INFINITY;
        for (size_t c = 0; c < k; c++)
            if (c != own && cnt[c] > 0 && sum[c] / (double)cnt[c] < b)
                b = sum[c] / (double)cnt[c];
        double den = a > b ? a : b;
        if (den > 0)
            total += (b - a) / den;
    }
    free(sum);
    free(cnt);
    return total / (double)m;
}

static void test_many_groups_oracle(void **state)
{
    (void)state;
    /* 40 groups over 700 rows: tiles hold many runs; unsorted labels, singletons, noise, an
     * empty group. */
    const size_t n = 700, d = 5, k = 41;
    float *x;
    int32_t *l;
    blobs(n, d, 40, 13, &x, &l);
    for (size_t i = 0; i < n; i++) {
        l[i] = (int32_t)((i * 7919) % 39);
        if (i % 50 == 0)
            l[i] = -1;
    }
    l[3] = 40; /* a singleton */
    const double want = naive_silhouette(x, n, d, l, k);
    double got;
    mood_silhouette_params p = {0};
    for (int t = 1; t <= 2; t++) {
        p.n_threads = t;
        MOOD_ASSERT_OK(mood_silhouette(x, n, d, l, k, &p, &got, NULL));
        MOOD_ASSERT_NEAR(got, want, 1e-5, 1e-7);
    }
    mood__simd_force(MOOD_SIMD_PORTABLE);
    MOOD_ASSERT_OK(mood_silhouette(x, n, d, l, k, &p, &got, NULL));
    mood__simd_force(-1);
    MOOD_ASSERT_NEAR(got, want, 1e-5, 1e-7);

    /* Cancellation stops the tile loop cleanly. */
    mood_cancel_request();
    assert_int_equal(mood_silhouette(x, n, d, l, k, &p, &got, NULL), MOOD_ECANCELED);
    mood_cancel_reset();
    free(x);
    free(l);
}

static void test_sampled(void **state)
{
    (void)state;
    const size_t n = 5000, d = 4, k = 3;
    float *x;
    int32_t *l;
    blobs(n, d, k, 5, &x, &l);
    for (size_t i = 0; i < n; i += 3)
        x[i * d] += 2.0f; /* overlap a little so the score is not ~1 */
    l[17] = -1;
    mood_silhouette_params p = {0};
    double exact, s1, s2, s3;
    int sampled = -1;
    MOOD_ASSERT_OK(mood_silhouette(x, n, d, l, k, &p, &exact, &sampled));
    assert_int_equal(sampled, 0); /* 4999 scored rows ≤ default max_exact 20000 */
    p.max_exact = 1000;
    p.sample_size = 1500;
    p.seed = 7;
    MOOD_ASSERT_OK(mood_silhouette(x, n, d, l, k, &p, &s1, &sampled));
    assert_int_equal(sampled, 1);
    MOOD_ASSERT_OK(mood_silhouette(x, n, d, l, k, &p, &s2, NULL));
    assert_memory_equal(&s1, &s2, sizeof s1); /* same seed, same sample */
    p.seed = 8;
    MOOD_ASSERT_OK(mood_silhouette(x, n, d, l, k, &p, &s3, NULL));
    assert_true(s3 != s1);
    MOOD_ASSERT_NEAR(s1, exact, 0, 0.02);
    MOOD_ASSERT_NEAR(s3, exact, 0, 0.02);

    mood_internal_scores sc;
    MOOD_ASSERT_OK(mood_internal_scores_compute(x, n, d, l, k, &p, &sc));
    assert_int_equal(sc.silhouette_sampled, 1);
    assert_int_equal(sc.silhouette_n, 1500);
    assert_int_equal(sc.n_noise, 1);
    MOOD_ASSERT_NEAR(sc.silhouette, s3, 0, 0);
    /* A sample at least as large as the data means exact. */
    p.sample_size = n;
    MOOD_ASSERT_OK(mood_silhouette(x, n, d, l, k, &p, &s1, &sampled));
    assert_int_equal(sampled, 0);
    MOOD_ASSERT_NEAR(s1, exact, 0, 0);
    free(x);
    free(l);
}

static void expect_einval(mood_status s, const char *needle)
{
    assert_int_equal(s, MOOD_EINVAL);
    if (!strstr(mood_last_error(), needle)) {
        print_error("message '%s' lacks '%s'\n", mood_last_error(), needle);
        fail();
    }
}

static void test_errors(void **state)
{
    (void)state;
    double v;
    const int32_t bad[4] = {0, 0, 5, 1};
    const int32_t one[4] = {1, 1, 1, -1};
    const int32_t own[3] = {0, 1, 2};
    expect_einval(mood_silhouette(NULL, 4, 2, SQ_L, 2, NULL, &v, NULL), "NULL");
    expect_einval(mood_silhouette(SQ_X, 0, 2, SQ_L, 2, NULL, &v, NULL), "n=0");
    expect_einval(mood_silhouette(SQ_X, 4, 2, SQ_L, 1, NULL, &v, NULL), "k=1");
    expect_einval(mood_silhouette(SQ_X, 4, 2, bad, 2, NULL, &v, NULL), "label 5 at row 2");
    expect_einval(mood_silhouette(SQ_X, 4, 2, one, 2, NULL, &v, NULL), "1 group");
    expect_einval(mood_silhouette(SQ_X, 3, 2, own, 3, NULL, &v, NULL), "fewer groups than rows");
    mood_silhouette_params p = {.max_exact = 2, .sample_size = 1};
    expect_einval(mood_silhouette(SQ_X, 4, 2, SQ_L, 2, &p, &v, NULL), "sample_size=1");
    expect_einval(mood_calinski_harabasz(SQ_X, 4, 2, one, 2, &v), "calinski_harabasz: 1 non-empty");
    expect_einval(mood_davies_bouldin(SQ_X, 4, 0, SQ_L, 2, &v), "d=0");
    expect_einval(mood_davies_bouldin(SQ_X, 4, 2, bad, 2, &v), "label 5 at row 2");
    expect_einval(mood_inertia(SQ_X, 4, 2, SQ_L, 0, &v), "k=0");
    const int32_t noise[2] = {-1, -1};
    expect_einval(mood_inertia(SQ_X, 2, 2, noise, 2, &v), "noise");
    expect_einval(mood_inertia(SQ_X, 4, 2, SQ_L, 2, NULL), "NULL");
    mood_internal_scores sc;
    expect_einval(mood_internal_scores_compute(SQ_X, 4, 2, one, 2, NULL, &sc), "non-empty");

    const int32_t neg[3] = {0, -2, 1};
    expect_einval(mood_ari(neg, own, 3, &v), "label -2 at row 1");
    expect_einval(mood_nmi(own, neg, 3, &v), "second label -2");
    expect_einval(mood_ari(own, own, 0, &v), "n=0");
    expect_einval(mood_purity(NULL, own, 3, &v), "NULL");
    size_t tab[4];
    expect_einval(mood_contingency(own, 0, own, 2, 3, tab), "ka=0");
    expect_einval(mood_contingency(own, 2, own, 2, 0, tab), "n=0");
    int32_t ids[1];
    char **names;
    size_t kk;
    const char *labs[1] = {"a"};
    expect_einval(mood_labels_encode(labs, 0, ids, &names, &kk), "n=0");
    expect_einval(mood_labels_encode(NULL, 1, ids, &names, &kk), "NULL");
    MOOD_ASSERT_NEAR(mood_composite_score(NULL, 4), 0.0, 0, 0);
    const float nanx[8] = {0, 0, 0, 1, 3, NAN, 3, 1};
    expect_einval(mood_silhouette(nanx, 4, 2, SQ_L, 2, NULL, &v, NULL),
                  "row 2 column 1 is not finite");
    expect_einval(mood_calinski_harabasz(nanx, 4, 2, SQ_L, 2, &v),
                  "row 2 has a value that is not finite");
}

static void test_external_hand(void **state)
{
    (void)state;
    double v;
    const int32_t a[4] = {0, 0, 1, 2}, b[4] = {0, 0, 1, 1};
    MOOD_ASSERT_OK(mood_ari(a, b, 4, &v));
    MOOD_ASSERT_NEAR(v, 0.5714285714285714, 1e-12, 0);
    MOOD_ASSERT_OK(mood_nmi(a, b, 4, &v));
    MOOD_ASSERT_NEAR(v, 0.7999999999999999, 1e-12, 0);
    MOOD_ASSERT_OK(mood_purity(a, b, 4, &v));
    MOOD_ASSERT_NEAR(v, 1.0, 0, 0);
    MOOD_ASSERT_OK(mood_purity(b, a, 4, &v));
    MOOD_ASSERT_NEAR(v, 0.75, 0, 0);

    const int32_t c[4] = {0, 0, 1, 1}, e[4] = {0, 1, 0, 1}, swapped[4] = {1, 1, 0, 0};
    MOOD_ASSERT_OK(mood_ari(c, e, 4, &v));
    MOOD_ASSERT_NEAR(v, -0.5, 1e-12, 0);
    MOOD_ASSERT_OK(mood_nmi(c, e, 4, &v));
    MOOD_ASSERT_NEAR(v, 0.0, 0, 0);
    MOOD_ASSERT_OK(mood_ari(c, swapped, 4, &v));
    MOOD_ASSERT_NEAR(v, 1.0, 0, 0);
    MOOD_ASSERT_OK(mood_nmi(c, swapped, 4, &v));
    MOOD_ASSERT_NEAR(v, 1.0, 1e-12, 0);
    const int32_t all0[4] = {0, 0, 0, 0}, all5[4] = {5, 5, 5, 5};
    MOOD_ASSERT_OK(mood_ari(all0, all5, 4, &v));
    MOOD_ASSERT_NEAR(v, 1.0, 0, 0);
    MOOD_ASSERT_OK(mood_nmi(all0, all5, 4, &v));
    MOOD_ASSERT_NEAR(v, 1.0, 0, 0);
    MOOD_ASSERT_OK(mood_nmi(all0, c, 4, &v));
    MOOD_ASSERT_NEAR(v, 0.0, 0, 0);

    /* -1 is a group of its own; labels far apart take the sort path (range > 4n). */
    const int32_t f[6] = {-1, -1, 5, 5, 7, 100000000}, g[6] = {3, 3, 3, 1, 1, 1};
    MOOD_ASSERT_OK(mood_ari(f, g, 6, &v));
    MOOD_ASSERT_NEAR(v, 0.0625, 1e-12, 0);
    MOOD_ASSERT_OK(mood_nmi(f, g, 6, &v));
    MOOD_ASSERT_NEAR(v, 0.45688765264105763, 1e-12, 0);

    /* Many groups: the contingency table goes sparse. a = row, b = row/2. */
    const size_t n = 3000;
    int32_t *ra = malloc(n * sizeof *ra), *rb = malloc(n * sizeof *rb);
    for (size_t i = 0; i < n; i++) {
        ra[i] = (int32_t)i;
        rb[i] = (int32_t)(i / 2);
    }
    MOOD_ASSERT_OK(mood_ari(ra, rb, n, &v));
    MOOD_ASSERT_NEAR(v, 0.0, 0, 1e-12);
    MOOD_ASSERT_OK(mood_nmi(ra, rb, n, &v));
    MOOD_ASSERT_NEAR(v, log(1500.0) / (0.5 * (log(3000.0) + log(1500.0))), 1e-12, 0);
    MOOD_ASSERT_OK(mood_purity(ra, rb, n, &v));
    MOOD_ASSERT_NEAR(v, 1.0, 0, 0);
    MOOD_ASSERT_OK(mood_purity(rb, ra, n, &v));
    MOOD_ASSERT_NEAR(v, 0.5, 0, 0);
    free(ra);
    free(rb);

    /* Contingency: out-of-range labels (noise) are not counted. */
    const int32_t p[5] = {0, 1, 1, -1, 2}, q[5] = {1, 1, 0, 0, 9};
    size_t tab[6];
    MOOD_ASSERT_OK(mood_contingency(p, 3, q, 2, 5, tab));
    const size_t want[6] = {0, 1, 1, 1, 0, 0};
    assert_memory_equal(tab, want, sizeof want);
}

static void test_labels_encode(void **state)
{
    (void)state;
    const char *labs[6] = {"rock", "pop", "rock", NULL, "jazz", ""};
    int32_t ids[6];
    char **names;
    size_t k;
    MOOD_ASSERT_OK(mood_labels_encode(labs, 6, ids, &names, &k));
    assert_int_equal(k, 4);
    const int32_t want[6] = {0, 1, 0, 2, 3, 2};
    assert_memory_equal(ids, want, sizeof want);
    assert_string_equal(names[0], "rock");
    assert_string_equal(names[1], "pop");
    assert_string_equal(names[2], "");
    assert_string_equal(names[3], "jazz");
    for (size_t i = 0; i < k; i++)
        mood_free(names[i]);
    mood_free(names);

    /* Enough distinct names to grow the table several times. */
    const size_t n = 5000;
    char(*buf)[16] = malloc(n * sizeof *buf);
    const char **many = malloc(n * sizeof *many);
    int32_t *mid = malloc(n * sizeof *mid);
    for (size_t i = 0; i < n; i++) {
        snprintf(buf[i], sizeof buf[i], "g%zu", (i * 7) % 1234);
        many[i] = buf[i];
    }
    MOOD_ASSERT_OK(mood_labels_encode(many, n, mid, &names, &k));
    assert_int_equal(k, 1234);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(names[mid[i]], many[i]);
    for (size_t i = 0; i < k; i++)
        mood_free(names[i]);
    mood_free(names);
    free(buf);
    free(many);
    free(mid);
}

/* Call f with the allocator failing at the 1st, 2nd, ... allocation until it succeeds. */
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
            assert_true(i_ < 1000);                                                                \
        }                                                                                          \
        assert_true(i_ > 1);                                                                       \
    } while (0)

static void test_enomem(void **state)
{
    (void)state;
    const size_t n = 600, d = 3, k = 3;
    float *x;
    int32_t *l;
    blobs(n, d, k, 3, &x, &l);
    l[4] = -1;
    mood_silhouette_params p = {.n_threads = 1, .max_exact = 300, .sample_size = 280};
    double v, want;
    MOOD_ASSERT_OK(mood_silhouette(x, n, d, l, k, &p, &want, NULL));
    ENOMEM_LOOP(mood_silhouette(x, n, d, l, k, &p, &v, NULL));
    MOOD_ASSERT_NEAR(v, want, 0, 0);
    ENOMEM_LOOP(mood__silhouette_exact(x, d, NULL, 4, l, k, MOOD__KERNEL_PLAIN, 1, &v));
    mood_internal_scores sc;
    ENOMEM_LOOP(mood_internal_scores_compute(x, n, d, l, k, &p, &sc));
    ENOMEM_LOOP(mood_calinski_harabasz(x, n, d, l, k, &v));
    ENOMEM_LOOP(mood_davies_bouldin(x, n, d, l, k, &v));
    ENOMEM_LOOP(mood_inertia(x, n, d, l, k, &v));
    int32_t *big = malloc(n * sizeof *big);
    for (size_t i = 0; i < n; i++)
        big[i] = (int32_t)(i * 100000); /* sort path and sparse table */
    ENOMEM_LOOP(mood_ari(l, big, n, &v));
    ENOMEM_LOOP(mood_nmi(big, l, n, &v));
    ENOMEM_LOOP(mood_purity(l, big, n, &v));
    ENOMEM_LOOP(mood_ari(l, l, n, &v));
    MOOD_ASSERT_NEAR(v, 1.0, 0, 0);
    const char *labs[5] = {"a", "b", "c", "a", "d"};
    int32_t ids[5];
    char **names;
    size_t kk;
    ENOMEM_LOOP(mood_labels_encode(labs, 5, ids, &names, &kk));
    assert_int_equal(kk, 4);
    for (size_t i = 0; i < kk; i++)
        mood_free(names[i]);
    mood_free(names);
    free(big);
    free(x);
    free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_silhouette_hand),
        cmocka_unit_test(test_internal_hand),
        cmocka_unit_test(test_kernels_and_threads),
        cmocka_unit_test(test_many_groups_oracle),
        cmocka_unit_test(test_sampled),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_external_hand),
        cmocka_unit_test(test_labels_encode),
        cmocka_unit_test(test_enomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
