/*
 * Label make-up with known answers: counts, shares, ordering, names from dominant labels,
 * purity/NMI/ARI against scikit-learn's values, the CSV line by line, errors and ENOMEM.
 */
#include "test_util.h"

#include <moodscope/describe.h>
#include <moodscope/fileio.h>

#include <stdio.h>
#include <string.h>

/* Group 0: Rock ×3, Pop; group 1: Pop ×2, Jazz ×2, (none); the last row is noise. */
static const char *const labels[10] = {"Rock", "Rock", "Pop", "Rock", "Pop",
                                       "Jazz", "Jazz", "Pop", "",     "Rock"};
static const int32_t groups[10] = {0, 0, 0, 0, 1, 1, 1, 1, 1, -1};

static void test_counts_names_scores(void **state)
{
    (void)state;
    mood_label_profile *lp;
    size_t count;
    double share, purity, nmi, ari;
    MOOD_ASSERT_OK(mood_label_profile_compute(labels, groups, 10, 3, &lp));
    assert_int_equal(mood_label_profile_k(lp), 3);
    assert_int_equal(mood_label_profile_size(lp, 0), 4);
    assert_int_equal(mood_label_profile_size(lp, 1), 5);
    assert_int_equal(mood_label_profile_size(lp, 2), 0);
    assert_int_equal(mood_label_profile_n_labels(lp, 0), 2);
    assert_int_equal(mood_label_profile_n_labels(lp, 1), 3);

    assert_string_equal(mood_label_profile_label(lp, 0, 0, &count, &share), "Rock");
    assert_int_equal(count, 3);
    MOOD_ASSERT_NEAR(share, 0.75, 0, 1e-12);
    assert_string_equal(mood_label_profile_label(lp, 0, 1, &count, &share), "Pop");
    assert_int_equal(count, 1);
    /* Ties by count are alphabetical; the empty label is "(none)". */
    assert_string_equal(mood_label_profile_label(lp, 1, 0, &count, &share), "Jazz");
    assert_int_equal(count, 2);
    MOOD_ASSERT_NEAR(share, 0.4, 0, 1e-12);
    assert_string_equal(mood_label_profile_label(lp, 1, 1, NULL, NULL), "Pop");
    assert_string_equal(mood_label_profile_label(lp, 1, 2, &count, NULL), "(none)");
    assert_int_equal(count, 1);
    assert_null(mood_label_profile_label(lp, 1, 3, &count, &share));
    assert_int_equal(count, 0);

    assert_string_equal(mood_label_profile_name(lp, 0), "Rock");       /* 75% ≥ 50% */
    assert_string_equal(mood_label_profile_name(lp, 1), "Jazz / Pop"); /* 40% < 50% */
    assert_string_equal(mood_label_profile_name(lp, 2), "(empty)");

    mood_label_profile_scores(lp, &purity, &nmi, &ari);
    MOOD_ASSERT_NEAR(purity, 5.0 / 9.0, 1e-12, 0);
    /* sklearn.metrics on the 9 non-noise rows. */
    MOOD_ASSERT_NEAR(nmi, 0.47532605676264983, 1e-9, 0);
    MOOD_ASSERT_NEAR(ari, 0.2251655629139073, 1e-9, 0);
    mood_label_profile_destroy(lp);
    mood_label_profile_destroy(NULL);
}

static void test_csv_and_print(void **state)
{
    (void)state;
    const char *dir = mood_test_tmpdir("label-csv");
    char path[1100], *text;
    const char *odd[3] = {"Rock, \"Hard\"", "Rock, \"Hard\"", "Pop"};
    const int32_t g3[3] = {0, 0, 1};
    mood_label_profile *lp;
    MOOD_ASSERT_OK(mood_label_profile_compute(labels, groups, 10, 2, &lp));
    snprintf(path, sizeof path, "%s/label_profiles.csv", dir);
    MOOD_ASSERT_OK(mood_label_profile_write_csv(lp, path));
    MOOD_ASSERT_OK(mood_read_file(path, &text, NULL));
    assert_string_equal(text, "cluster,label,count,share\n"
                              "0,Rock,3,0.750000\n"
                              "0,Pop,1,0.250000\n"
                              "1,Jazz,2,0.400000\n"
                              "1,Pop,2,0.400000\n"
                              "1,(none),1,0.200000\n");
    mood_free(text);

    snprintf(path, sizeof path, "%s/print.txt", dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    mood_label_profile_print(lp, 2, fp);
    fclose(fp);
    MOOD_ASSERT_OK(mood_read_file(path, &text, NULL));
    assert_string_equal(text, "group 0: Rock (n=4)\n"
                              "    Rock          3   75.0%\n"
                              "    Pop           1   25.0%\n"
                              "group 1: Jazz / Pop (n=5)\n"
                              "    Jazz          2   40.0%\n"
                              "    Pop           2   40.0%\n"
                              "    ... 1 more label\n"
                              "purity 0.5556  NMI 0.4753  ARI 0.2252  (9 rows, 4 labels)\n");
    mood_free(text);
    mood_label_profile_destroy(lp);

    /* Labels with commas and quotes are quoted in the CSV. */
    MOOD_ASSERT_OK(mood_label_profile_compute(odd, g3, 3, 2, &lp));
    assert_string_equal(mood_label_profile_name(lp, 0), "Rock, \"Hard\"");
    snprintf(path, sizeof path, "%s/odd.csv", dir);
    MOOD_ASSERT_OK(mood_label_profile_write_csv(lp, path));
    MOOD_ASSERT_OK(mood_read_file(path, &text, NULL));
    assert_non_null(strstr(text, "\n0,\"Rock, \"\"Hard\"\"\",2,1.000000\n"));
    mood_free(text);
    snprintf(path, sizeof path, "%s/nodir/odd.csv", dir);
    assert_int_equal(mood_label_profile_write_csv(lp, path), MOOD_EIO);
    mood_label_profile_destroy(lp);
}

static void test_errors(void **state)
{
    (void)state;
    mood_label_profile *lp = (mood_label_profile *)1;
    const int32_t bad[3] = {0, 5, 0};
    const int32_t noise[2] = {-1, -1};
    assert_int_equal(mood_label_profile_compute(labels, groups, 0, 2, &lp), MOOD_EINVAL);
    assert_null(lp);
    assert_int_equal(mood_label_profile_compute(labels, groups, 10, 0, &lp), MOOD_EINVAL);
    assert_int_equal(mood_label_profile_compute(NULL, groups, 10, 2, &lp), MOOD_EINVAL);
    assert_int_equal(mood_label_profile_compute(labels, bad, 3, 2, &lp), MOOD_EINVAL);
    assert_non_null(strstr(mood_last_error(), "groups[1]=5"));
    assert_int_equal(mood_label_profile_compute(labels, noise, 2, 2, &lp), MOOD_EINVAL);
}

static void test_enomem(void **state)
{
    (void)state;
    for (long fail = 1;; fail++) {
        mood_label_profile *lp = NULL;
        mood_test_fail_alloc_after(fail);
        mood_status s = mood_label_profile_compute(labels, groups, 10, 3, &lp);
        long used = mood_test_alloc_count();
        mood_test_fail_alloc_after(0);
        if (s == MOOD_OK) {
            assert_true(used < fail);
            assert_string_equal(mood_label_profile_name(lp, 1), "Jazz / Pop");
            mood_label_profile_destroy(lp);
            break;
        }
        assert_int_equal(s, MOOD_ENOMEM);
        assert_null(lp);
        assert_true(fail < 500);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_names_scores),
        cmocka_unit_test(test_csv_and_print),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_enomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
