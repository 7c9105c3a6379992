/*
 * Known answers for the Subsonic client's pure parts and the stable-playlist plan: the token of
 * the API documentation's example, query escaping, version comparison, ISO times, the churn
 * plan (order kept, forced removals, cap alternating removals and additions), the cap, server
 * definitions kept without their secret, the 0600 credentials file, and a server that cannot
 * be reached giving one line that names it.
 */
#include "test_util.h"

#include "subsonic/subsonic_internal.h"

#include <moodscope/fileio.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void test_token(void **state)
{
    char hex[33];
    (void)state;
    /* The API documentation's example: password "sesame", salt "c19b2d". */
    MOOD_ASSERT_OK(mood__sub_md5_hex("sesamec19b2d", hex));
    assert_string_equal(hex, "26719a1196d2a940705a59634eb18eab");
}

static void test_params(void **state)
{
    sub_params p = {0};
    (void)state;
    MOOD_ASSERT_OK(mood__sub_param(&p, "query", ""));
    MOOD_ASSERT_OK(mood__sub_param(&p, "name", "Calm & Slow/ü"));
    assert_string_equal(p.text, "query=&name=Calm%20%26%20Slow%2F%C3%BC");
    mood__sub_params_free(&p);
}

static void test_versions_and_times(void **state)
{
    (void)state;
    assert_true(mood__sub_version_at_least("1.16.1", "1.13.0"));
    assert_true(mood__sub_version_at_least("1.13", "1.13.0"));
    assert_false(mood__sub_version_at_least("1.10.2", "1.13.0"));
    assert_true(mood__sub_version_at_least("2.0.0", "1.13.0"));
    assert_int_equal(mood__sub_parse_time("1970-01-02T00:00:00Z"), 86400);
    assert_int_equal(mood__sub_parse_time("2024-03-01T12:00:00.123+02:00"), 1709287200);
    assert_int_equal(mood__sub_parse_time("2024-03-01T10:00:00"), 1709287200);
    assert_int_equal(mood__sub_parse_time("garbage"), 0);
}

static void test_plan_keeps_order(void **state)
{
    const char *old[] = {"a", "b", "c", "d", "e"};
    const char *want[] = {"e", "x", "c", "a", "y"}; /* b, d left; x, y are new */
    stable_plan p;
    (void)state;
    MOOD_ASSERT_OK(mood__stable_plan(old, 5, NULL, want, 5, SIZE_MAX, &p));
    assert_int_equal(p.n_keep, 3);
    assert_int_equal(p.keep[0], 0); /* a, c, e in the old order */
    assert_int_equal(p.keep[1], 2);
    assert_int_equal(p.keep[2], 4);
    assert_int_equal(p.n_remove, 2);
    assert_int_equal(p.n_add, 2);
    assert_int_equal(p.add[0], 1); /* x then y, in the new order */
    assert_int_equal(p.add[1], 4);
    assert_int_equal(p.deferred, 0);
    mood__stable_plan_free(&p);
}

static void test_plan_cap_and_forced(void **state)
{
    const char *old[] = {"a", "b", "c", "d", "e"};
    const unsigned char gone[] = {0, 0, 0, 0, 1}; /* e left the library */
    const char *want[] = {"a", "x", "y", "z"};    /* b, c, d left the group */
    stable_plan p;
    (void)state;
    /* Cap 3: e goes anyway (1), then one removal and one addition alternate. */
    MOOD_ASSERT_OK(mood__stable_plan(old, 5, gone, want, 4, 3, &p));
    assert_int_equal(p.n_remove, 2);
    assert_int_equal(p.remove[0], 1); /* b */
    assert_int_equal(p.remove[1], 4); /* e */
    assert_int_equal(p.n_add, 1);
    assert_int_equal(p.add[0], 1); /* x */
    assert_int_equal(p.deferred, 4);
    mood__stable_plan_free(&p);
    /* Nothing to change. */
    MOOD_ASSERT_OK(mood__stable_plan(old, 5, NULL, old, 5, 1, &p));
    assert_int_equal(p.n_keep, 5);
    assert_int_equal(p.n_add + p.n_remove + p.deferred, 0);
    mood__stable_plan_free(&p);
}

static void test_cap(void **state)
{
    mood_stable_options o;
    (void)state;
    mood_stable_options_default(&o);
    assert_int_equal(mood__stable_cap(&o, 100), 20);
    assert_int_equal(mood__stable_cap(&o, 3), 1);
    assert_true(mood__stable_cap(&o, 0) == SIZE_MAX);
    o.max_change_abs = 7;
    assert_int_equal(mood__stable_cap(&o, 100), 7);
    o.max_change_abs = 0;
    o.max_change_frac = 1.0;
    assert_true(mood__stable_cap(&o, 100) == SIZE_MAX);
}

static void test_unreachable_and_secret(void **state)
{
    const char *dir = mood_test_tmpdir("subsonic_servers");
    char path[2048], cred[2048];
    mood_catalog *cat;
    mood_subsonic_server_info *v;
    size_t n;
    struct stat st;
    (void)state;
    snprintf(path, sizeof path, "%s/catalog.db", dir);
    snprintf(cred, sizeof cred, "%s/cred", dir);
    setenv("MOODSCOPE_SUBSONIC_CREDENTIALS", cred, 1);
    MOOD_ASSERT_OK(mood_catalog_open(path, &cat));
    assert_int_equal(mood_subsonic_server_add(cat, "bad name", "http://x", "u", "p", 0, NULL),
                     MOOD_EINVAL);
    assert_int_equal(mood_subsonic_server_add(cat, "ok", "ftp://x", "u", "p", 0, NULL),
                     MOOD_EINVAL);
    assert_int_equal(mood_subsonic_server_add(cat, "ok", "http://127.0.0.1:1", "u", "pw", 0, NULL),
                     MOOD_EIO);
    assert_non_null(strstr(mood_last_error(), "ok: ping: cannot reach http://127.0.0.1:1"));
    assert_null(strstr(mood_last_error(), "pw"));
    MOOD_ASSERT_OK(mood_subsonic_server_list(cat, &v, &n));
    assert_int_equal(n, 0); /* nothing stored when the check fails */
    mood_free(v);
    assert_int_equal(stat(cred, &st), -1);
    assert_int_equal(mood_subsonic_open(cat, "ok", (mood_subsonic **)&v), MOOD_ENOTFOUND);
    mood_catalog_close(cat);
    unsetenv("MOODSCOPE_SUBSONIC_CREDENTIALS");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token),
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_versions_and_times),
        cmocka_unit_test(test_plan_keeps_order),
        cmocka_unit_test(test_plan_cap_and_forced),
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_unreachable_and_secret),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
