/* src/io/json_util.c: the one "number or null" helper set and the JSON file helpers. */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"

#include "json_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_real_or_null(void **state)
{
    (void)state;
    json_t *a = mood__json_real(1.5), *b = mood__json_real(NAN), *c = mood__json_real(INFINITY);
    assert_true(json_is_real(a));
    MOOD_ASSERT_NEAR(json_real_value(a), 1.5, 0, 0);
    assert_true(json_is_null(b));
    assert_true(json_is_null(c));
    json_t *s = mood__json_str_or_null("x"), *n = mood__json_str_or_null(NULL);
    assert_string_equal(json_string_value(s), "x");
    assert_true(json_is_null(n));
    float v[3] = {1.0f, NAN, -2.0f};
    json_t *arr = mood__json_floats(v, 3);
    char *text = json_dumps(arr, JSON_COMPACT);
    assert_string_equal(text, "[1.0,null,-2.0]");
    free(text);
    json_decref(arr);
    json_decref(a);
    json_decref(b);
    json_decref(c);
    json_decref(s);
    json_decref(n);
}

static void test_write_load_round_trip(void **state)
{
    (void)state;
    char path[512];
    const char *tmp = getenv("MOOD_TEST_TMP");
    snprintf(path, sizeof path, "%s/json_util_%d.json", tmp ? tmp : "/tmp", (int)getpid());
    json_t *j = json_pack("{s:f, s:[i,i]}", "x", 0.1, "k", 2, 3);
    MOOD_ASSERT_OK(mood__json_write(path, j, 17));
    json_t *back;
    MOOD_ASSERT_OK(mood__json_load(path, &back));
    assert_true(json_equal(j, back));
    float f[2];
    MOOD_ASSERT_OK(mood__json_read_floats(json_object_get(back, "k"), 2, f, path, "k"));
    MOOD_ASSERT_NEAR(f[1], 3.0, 0, 0);
    assert_int_equal(mood__json_read_floats(json_object_get(back, "k"), 3, f, path, "k"),
                     MOOD_EFORMAT);
    assert_non_null(strstr(mood_last_error(), "'k' must be a list of 3 numbers"));
    json_decref(back);
    json_decref(j);
    FILE *fp = fopen(path, "w");
    fputs("{\"x\": ", fp);
    fclose(fp);
    assert_int_equal(mood__json_load(path, &back), MOOD_EFORMAT);
    assert_non_null(strstr(mood_last_error(), path));
    remove(path);
    assert_int_equal(mood__json_load(path, &back), MOOD_ENOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_or_null),
        cmocka_unit_test(test_write_load_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
