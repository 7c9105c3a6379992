/*
 * Agreement with scikit-learn 1.2 (Debian's /usr/bin/python3): silhouette_score,
 * calinski_harabasz_score, davies_bouldin_score, adjusted_rand_score,
 * normalized_mutual_info_score and purity on seeded blobs and on the real ClassicHit table
 * (15,150 tracks, 9 audio features), to 1e-4 relative. The data go to Python through a CSV of
 * exact float text, so both sides score the same numbers. Skips visibly without sklearn or the
 * dataset.
 */
#include "test_util.h"

#include "sk_ref.h"

#include <moodscope/metrics.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Columns 0..d-1 features, then the predicted labels, then the reference labels. Noise (-1)
 * rows are dropped for the internal scores, as moodscope does. */
static const char *SCRIPT =
    "import sys, numpy as np\n"
    "from sklearn import metrics as M\n"
    "a = np.loadtxt(sys.argv[1], delimiter=',', ndmin=2)\n"
    "X, p, t = a[:, :-2], a[:, -2].astype(int), a[:, -1].astype(int)\n"
    "keep = p >= 0\n"
    "Xk, pk = X[keep], p[keep]\n"
    "inertia = sum(((Xk[pk == c] - Xk[pk == c].mean(0)) ** 2).sum() for c in np.unique(pk))\n"
    "C = M.cluster.contingency_matrix(p, t)\n"
    "for v in (M.silhouette_score(Xk, pk), M.calinski_harabasz_score(Xk, pk),\n"
    "          M.davies_bouldin_score(Xk, pk), inertia, M.adjusted_rand_score(t, p),\n"
    "          M.normalized_mutual_info_score(t, p), C.max(1).sum() / C.sum()):\n"
    "    print(repr(float(v)))\n";

/* Score x / pred against sklearn (truth: reference labels for ARI/NMI/purity). */
static void compare(const char *name, const float *x, size_t n, size_t d, const int32_t *pred,
                    size_t k, const int32_t *truth)
{
    const char *dir = mood_test_tmpdir(name);
    char csv[1100];
    snprintf(csv, sizeof csv, "%s/data.csv", dir);
    assert_int_equal(sk_write_csv(csv, x, n, d, pred, truth), 0);
    double ref[7];
    long got = sk_run(dir, SCRIPT, csv, ref, 7);
    assert_int_equal(got, 7);

    mood_internal_scores sc;
    mood_silhouette_params p = {0};
    p.max_exact = n; /* exact, as sklearn without sample_size */
    MOOD_ASSERT_OK(mood_internal_scores_compute(x, n, d, pred, k, &p, &sc));
    assert_int_equal(sc.silhouette_sampled, 0);
    double ari, nmi, pur;
    MOOD_ASSERT_OK(mood_ari(truth, pred, n, &ari));
    MOOD_ASSERT_OK(mood_nmi(truth, pred, n, &nmi));
    MOOD_ASSERT_OK(mood_purity(pred, truth, n, &pur));
    printf("%s: silhouette %.8f (sklearn %.8f), CH %.6f (%.6f), DB %.8f (%.8f), "
           "ARI %.8f (%.8f), NMI %.8f (%.8f)\n",
           name, sc.silhouette, ref[0], sc.calinski_harabasz, ref[1], sc.davies_bouldin, ref[2],
           ari, ref[4], nmi, ref[5]);
    MOOD_ASSERT_NEAR(sc.silhouette, ref[0], 1e-4, 1e-7);
    MOOD_ASSERT_NEAR(sc.calinski_harabasz, ref[1], 1e-4, 0);
    MOOD_ASSERT_NEAR(sc.davies_bouldin, ref[2], 1e-4, 0);
    MOOD_ASSERT_NEAR(sc.inertia, ref[3], 1e-4, 0);
    MOOD_ASSERT_NEAR(ari, ref[4], 1e-9, 1e-12);
    MOOD_ASSERT_NEAR(nmi, ref[5], 1e-9, 1e-12);
    MOOD_ASSERT_NEAR(pur, ref[6], 1e-12, 0);
}

static void test_blobs(void **state)
{
    (void)state;
    if (!sk_available()) {
        skip();
        return;
    }
    const size_t n = 2400, d = 6, k = 5;
    float *x = malloc(n * d * sizeof *x);
    int32_t *truth = malloc(n * sizeof *truth), *pred = malloc(n * sizeof *pred);
    mood_test_blobs(21, n, d, k, 4.0f, 1.0f, x, truth);
    /* A prediction that disagrees on some rows, with a few noise rows and one empty group. */
    for (size_t i = 0; i < n; i++) {
        pred[i] = truth[i] == 4 ? 5 : truth[i];
        if (i % 13 == 0)
            pred[i] = (int32_t)((i / 13) % 4);
        if (i % 101 == 0)
            pred[i] = -1;
    }
    compare("sk_blobs", x, n, d, pred, 6, truth);
    free(x);
    free(truth);
    free(pred);
}

static const char *const FEATURES[9] = {"Danceability", "Energy",       "Loudness",
                                        "Speechiness",  "Acousticness", "Instrumentalness",
                                        "Liveness",     "Valence",      "Tempo"};

static void test_classichits(void **state)
{
    (void)state;
    const char *path = mood_test_dataset("spotify_classichits_genre/ClassicHit.csv");
    if (!path || !sk_available()) {
        skip();
        return;
    }
    size_t n = 0;
    char **genre = NULL;
    float *raw = sk_load_columns(path, FEATURES, 9, "Genre", &genre, &n);
    assert_non_null(raw);
    assert_int_equal(n, 15150);
    const size_t d = 9;

    int32_t *gid = malloc(n * sizeof *gid);
    char **names;
    size_t ng;
    MOOD_ASSERT_OK(mood_labels_encode((const char *const *)genre, n, gid, &names, &ng));
    assert_int_equal(ng, 19);
    assert_string_equal(names[gid[0]], "Alt. Rock");

    /* z-scores, as the pipeline feeds the metrics. */
    float *z = malloc(n * d * sizeof *z);
    for (size_t j = 0; j < d; j++) {
        double m = 0, v = 0;
        for (size_t i = 0; i < n; i++)
            m += (double)raw[i * d + j];
        m /= (double)n;
        for (size_t i = 0; i < n; i++)
            v += ((double)raw[i * d + j] - m) * ((double)raw[i * d + j] - m);
        const double sd = sqrt(v / (double)n);
        for (size_t i = 0; i < n; i++)
            z[i * d + j] = (float)(((double)raw[i * d + j] - m) / sd);
    }
    /* A mood grouping: energy × valence quadrants (columns 1 and 7). */
    int32_t *mood = malloc(n * sizeof *mood);
    for (size_t i = 0; i < n; i++)
        mood[i] = (int32_t)((raw[i * d + 1] > 0.6f ? 2 : 0) + (raw[i * d + 7] > 0.5f ? 1 : 0));

    compare("sk_classichits_mood", z, n, d, mood, 4, gid);
    /* The other checks on every 4th track keep the test short: scikit-learn's silhouette is
     * the slow side. */
    const size_t m = n / 4;
    for (size_t i = 0; i < m; i++) {
        memmove(z + i * d, z + 4 * i * d, d * sizeof *z);
        memmove(raw + i * d, raw + 4 * i * d, d * sizeof *raw);
        gid[i] = gid[4 * i];
        mood[i] = mood[4 * i];
    }
    compare("sk_classichits_genre", z, m, d, gid, ng, mood);
    /* Unscaled features (tempo ~120 next to shares in 0..1): float distances must hold up. */
    compare("sk_classichits_raw", raw, m, d, mood, 4, gid);

    for (size_t i = 0; i < ng; i++)
        mood_free(names[i]);
    mood_free(names);
    for (size_t i = 0; i < n; i++)
        free(genre[i]);
    free(genre);
    free(raw);
    free(z);
    free(gid);
    free(mood);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blobs),
        cmocka_unit_test(test_classichits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
