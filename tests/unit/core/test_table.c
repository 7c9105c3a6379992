#include "test_util.h"

#include <moodscope/rng.h>
#include <moodscope/table.h>

#include <math.h>
#include <string.h>

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(mood_status_name(MOOD_EINVAL), "EINVAL");
    assert_string_equal(mood_strerror(MOOD_ENOTFOUND), "not found");
    assert_int_equal(MOOD_OK, 0);
}

static void test_table_columns(void **state)
{
    (void)state;
    mood_table *t;
    float e[3] = {0.1f, 0.9f, NAN};
    const char *ids[3] = {"a", NULL, "c"};
    size_t j;
    MOOD_ASSERT_OK(mood_table_create(3, &t));
    MOOD_ASSERT_OK(mood_table_add_num(t, "energy", e));
    MOOD_ASSERT_OK(mood_table_add_str(t, "id", ids));
    assert_int_equal(mood_table_add_num(t, "energy", e), MOOD_EINVAL);
    assert_non_null(strstr(mood_last_error(), "duplicate column 'energy'"));
    assert_int_equal(mood_table_cols(t), 2);
    MOOD_ASSERT_OK(mood_table_find(t, "id", &j));
    assert_int_equal(j, 1);
    assert_string_equal(mood_table_str(t, 1, 1), "");
    assert_string_equal(mood_table_str(t, 1, 2), "c");
    assert_int_equal(mood_table_find(t, "nope", &j), MOOD_ENOTFOUND);
    assert_non_null(strstr(mood_last_error(), "'nope'"));

    float x[3];
    const char *names[1] = {"energy"};
    MOOD_ASSERT_OK(mood_table_matrix(t, names, 1, x));
    MOOD_ASSERT_NEAR(x[1], 0.9, 0, 1e-7);
    assert_true(isnan(x[2]));
    const char *bad[1] = {"id"};
    assert_int_equal(mood_table_matrix(t, bad, 1, x), MOOD_EINVAL);
    mood_table_destroy(t);
}

static void test_table_append(void **state)
{
    (void)state;
    mood_table *a, *b;
    float va[2] = {1, 2}, vb[1] = {3}, w[1] = {7};
    const char *s[1] = {"x"};
    MOOD_ASSERT_OK(mood_table_create(2, &a));
    MOOD_ASSERT_OK(mood_table_add_num(a, "v", va));
    MOOD_ASSERT_OK(mood_table_create(1, &b));
    MOOD_ASSERT_OK(mood_table_add_num(b, "w", w));
    MOOD_ASSERT_OK(mood_table_add_num(b, "v", vb));
    MOOD_ASSERT_OK(mood_table_add_str(b, "name", s));
    MOOD_ASSERT_OK(mood_table_append(a, b));
    assert_int_equal(mood_table_rows(a), 3);
    assert_int_equal(mood_table_cols(a), 3);
    const float *v = mood_table_num_const(a, 0), *wc = mood_table_num_const(a, 1);
    MOOD_ASSERT_NEAR(v[2], 3, 0, 0);
    assert_true(isnan(wc[0]));
    MOOD_ASSERT_NEAR(wc[2], 7, 0, 0);
    assert_string_equal(mood_table_str(a, 2, 2), "x");
    assert_string_equal(mood_table_str(a, 2, 0), "");

    size_t rows[2] = {2, 0};
    mood_table *r;
    MOOD_ASSERT_OK(mood_table_select_rows(a, rows, 2, &r));
    MOOD_ASSERT_NEAR(mood_table_num_const(r, 0)[0], 3, 0, 0);
    assert_string_equal(mood_table_str(r, 2, 0), "x");
    mood_table_destroy(r);
    mood_table_destroy(a);
    mood_table_destroy(b);
}

static void test_table_enomem(void **state)
{
    (void)state;
    /* Every allocation in turn fails; each must give ENOMEM and leak nothing (ASan checks). */
    for (long k = 1; k < 40; k++) {
        mood_table *t = NULL;
        float v[4] = {1, 2, 3, 4};
        const char *s[4] = {"a", "b", "c", "d"};
        mood_status st;
        mood_test_fail_alloc_after(k);
        st = mood_table_create(4, &t);
        if (st == MOOD_OK)
            st = mood_table_add_num(t, "v", v);
        if (st == MOOD_OK)
            st = mood_table_add_str(t, "s", s);
        mood_test_fail_alloc_after(0);
        assert_true(st == MOOD_OK || st == MOOD_ENOMEM);
        mood_table_destroy(t);
        if (st == MOOD_OK)
            break;
    }
}

static void test_rng_reproducible(void **state)
{
    (void)state;
    mood_rng a, b;
    mood_rng_seed(&a, 42);
    mood_rng_seed(&b, 42);
    for (int i = 0; i < 100; i++)
        assert_int_equal(mood_rng_next(&a), mood_rng_next(&b));
    double sum = 0;
    for (int i = 0; i < 100000; i++)
        sum += mood_rng_uniform(&a);
    MOOD_ASSERT_NEAR(sum / 100000, 0.5, 0, 0.01);
    for (int i = 0; i < 1000; i++)
        assert_true(mood_rng_below(&a, 7) < 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_names),     cmocka_unit_test(test_table_columns),
        cmocka_unit_test(test_table_append),     cmocka_unit_test(test_table_enomem),
        cmocka_unit_test(test_rng_reproducible),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
