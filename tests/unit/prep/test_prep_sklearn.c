/*
 * Agreement with scikit-learn 1.2 (Debian's /usr/bin/python3): SimpleImputer(median),
 * StandardScaler, MinMaxScaler, RobustScaler and PCA(svd_solver="full") on synthetic columns
 * (skewed, tied, constant, with missing cells) and on the 9 audio features of the real
 * ClassicHit table, to 1e-4 relative. Components are compared up to sign (scikit-learn flips
 * by the scores, moodscope by the largest loading). Skips visibly without sklearn or data.
 */
#include "test_util.h"

#include "../metrics/sk_ref.h"

#include <moodscope/csv.h>
#include <moodscope/prep.h>
#include <moodscope/rng.h>
#include <moodscope/table.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NC   3 /* PCA components compared */
#define NT   5 /* rows whose projections are compared */
#define DMAX 9 /* widest table */

static const char *SCRIPT =
    "import sys, numpy as np\n"
    "from sklearn.impute import SimpleImputer\n"
    "from sklearn.preprocessing import StandardScaler, MinMaxScaler, RobustScaler\n"
    "from sklearn.decomposition import PCA\n"
    "X = np.loadtxt(sys.argv[1], delimiter=',', ndmin=2)\n"
    "imp = SimpleImputer(strategy='median').fit(X)\n"
    "Xi = imp.transform(X)\n"
    "ss, mm, rb = StandardScaler().fit(Xi), MinMaxScaler().fit(Xi), RobustScaler().fit(Xi)\n"
    "Xs = ss.transform(Xi)\n"
    "p = PCA(n_components=3, svd_solver='full').fit(Xs)\n"
    "rng = np.where(mm.data_range_ == 0, 1, mm.data_range_)\n"
    "for a in (imp.statistics_, ss.mean_, ss.scale_, mm.data_min_, rng, rb.center_, rb.scale_,\n"
    "          p.explained_variance_, p.explained_variance_ratio_, p.components_,\n"
    "          p.transform(Xs[:5])):\n"
    "    for v in np.ravel(a):\n"
    "        print(repr(float(v)))\n";

/* Column scale for absolute tolerances: centres near 0 are compared against the spread. */
static void compare(const char *name, const float *raw, size_t n, size_t d)
{
    const char *dir = mood_test_tmpdir(name);
    char csv[1100];
    snprintf(csv, sizeof csv, "%s/data.csv", dir);
    assert_int_equal(sk_write_csv(csv, raw, n, d, NULL, NULL), 0);
    const size_t want = 7 * d + 2 * NC + NC * d + NT * NC;
    double ref[7 * DMAX + 2 * NC + NC * DMAX + NT * NC];
    assert_int_equal(sk_run(dir, SCRIPT, csv, ref, want), (long)want);
    const double *r_med = ref, *r_mean = ref + d, *r_std = ref + 2 * d, *r_min = ref + 3 * d,
                 *r_rng = ref + 4 * d, *r_rc = ref + 5 * d, *r_rs = ref + 6 * d,
                 *r_ev = ref + 7 * d, *r_ratio = r_ev + NC, *r_comp = r_ratio + NC,
                 *r_t = r_comp + NC * d;

    float *x = malloc(n * d * sizeof *x);
    memcpy(x, raw, n * d * sizeof *x);
    float med[DMAX];
    size_t miss[DMAX];
    MOOD_ASSERT_OK(mood_impute_fit(x, n, d, med, miss));
    mood_impute_apply(x, n, d, med);
    mood_scaler ss, mm, rb;
    MOOD_ASSERT_OK(mood_scaler_fit(MOOD_SCALER_STANDARD, x, n, d, &ss));
    MOOD_ASSERT_OK(mood_scaler_fit(MOOD_SCALER_MINMAX, x, n, d, &mm));
    MOOD_ASSERT_OK(mood_scaler_fit(MOOD_SCALER_ROBUST, x, n, d, &rb));
    for (size_t j = 0; j < d; j++) {
        const double spread = r_std[j];
        MOOD_ASSERT_NEAR(med[j], r_med[j], 1e-4, 1e-6 * spread);
        MOOD_ASSERT_NEAR(ss.center[j], r_mean[j], 1e-4, 1e-6 * spread);
        MOOD_ASSERT_NEAR(ss.scale[j], r_std[j], 1e-4, 0);
        MOOD_ASSERT_NEAR(mm.center[j], r_min[j], 1e-4, 1e-6 * spread);
        MOOD_ASSERT_NEAR(mm.scale[j], r_rng[j], 1e-4, 0);
        MOOD_ASSERT_NEAR(rb.center[j], r_rc[j], 1e-4, 1e-6 * spread);
        MOOD_ASSERT_NEAR(rb.scale[j], r_rs[j], 1e-4, 0);
    }
    mood_scaler_transform(&ss, x, n);
    mood_pca p;
    MOOD_ASSERT_OK(mood_pca_fit(x, n, d, NC, &p));
    float t[NT * NC];
    mood_pca_transform(&p, x, NT, t);
    for (size_t c = 0; c < NC; c++) {
        MOOD_ASSERT_NEAR(p.explained_variance[c], r_ev[c], 1e-4, 0);
        MOOD_ASSERT_NEAR(p.explained_ratio[c], r_ratio[c], 1e-4, 0);
        double dot = 0;
        for (size_t j = 0; j < d; j++)
            dot += p.components[c * d + j] * r_comp[c * d + j];
        MOOD_ASSERT_NEAR(fabs(dot), 1.0, 0, 1e-5); /* same unit direction */
        const double sign = dot < 0 ? -1.0 : 1.0;
        for (size_t j = 0; j < d; j++)
            MOOD_ASSERT_NEAR(p.components[c * d + j], sign * r_comp[c * d + j], 0, 1e-4);
        for (size_t i = 0; i < NT; i++)
            MOOD_ASSERT_NEAR(t[i * NC + c], sign * r_t[i * NC + c], 1e-4, 1e-5);
    }
    printf("%s: PCA explained ratio %.6f %.6f %.6f (sklearn %.6f %.6f %.6f)\n", name,
           p.explained_ratio[0], p.explained_ratio[1], p.explained_ratio[2], r_ratio[0], r_ratio[1],
           r_ratio[2]);
    mood_pca_free(&p);
    mood_scaler_free(&ss);
    mood_scaler_free(&mm);
    mood_scaler_free(&rb);
    free(x);
}

static void test_synthetic(void **state)
{
    (void)state;
    if (!sk_available()) {
        skip();
        return;
    }
    const size_t n = 801, d = 6; /* odd n: medians are order statistics; even n below */
    float *x = malloc(n * d * sizeof *x);
    mood_rng r;
    mood_rng_seed(&r, 2024);
    for (size_t i = 0; i < n; i++) {
        const double a = mood_rng_normal(&r);
        x[i * d + 0] = (float)(10 + 3 * a);                          /* normal */
        x[i * d + 1] = (float)(-log(1 - mood_rng_uniform(&r)));      /* skewed */
        x[i * d + 2] = (float)mood_rng_below(&r, 5);                 /* ties */
        x[i * d + 3] = 7.0f;                                         /* constant */
        x[i * d + 4] = (float)(0.5 * a + 0.2 * mood_rng_normal(&r)); /* correlated */
        x[i * d + 5] = (float)(1000 * mood_rng_uniform(&r) - 400);   /* wide, uniform */
        for (size_t j = 0; j < d; j++)
            if (j != 3 && mood_rng_below(&r, 20) == 0)
                x[i * d + j] = NAN;
    }
    compare("sk_prep_odd", x, n, d);
    compare("sk_prep_even", x, n - 1, d);
    free(x);
}

static void test_classichits(void **state)
{
    (void)state;
    const char *path = mood_test_dataset("spotify_classichits_genre/ClassicHit.csv");
    if (!path || !sk_available()) {
        skip();
        return;
    }
    static const char *const cols[9] = {"Danceability", "Energy",       "Loudness",
                                        "Speechiness",  "Acousticness", "Instrumentalness",
                                        "Liveness",     "Valence",      "Tempo"};
    /* Read through moodscope's own CSV reader, cross-checked against the test's small one. */
    mood_table *t;
    MOOD_ASSERT_OK(mood_csv_read(path, NULL, &t));
    const size_t n = mood_table_rows(t);
    assert_int_equal(n, 15150);
    float *x = malloc(n * 9 * sizeof *x);
    MOOD_ASSERT_OK(mood_table_matrix(t, cols, 9, x));
    mood_table_destroy(t);
    size_t n2 = 0;
    float *raw = sk_load_columns(path, cols, 9, NULL, NULL, &n2);
    assert_non_null(raw);
    assert_int_equal(n2, n);
    for (size_t i = 0; i < n * 9; i++)
        MOOD_ASSERT_NEAR(x[i], raw[i], 1e-7, 0);
    compare("sk_prep_classichits", x, n, 9);
    free(raw);
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_synthetic),
        cmocka_unit_test(test_classichits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
