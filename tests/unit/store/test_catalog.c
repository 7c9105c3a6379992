#include "test_util.h"

#include <moodscope/catalog.h>
#include <moodscope/fileio.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_catalog_create_and_reopen(void **state)
{
    (void)state;
    char path[2048];
    mood_catalog *cat;
    snprintf(path, sizeof path, "%s/deep/dir/catalog.db", mood_test_tmpdir("catalog"));
    MOOD_ASSERT_OK(mood_catalog_open(path, &cat));
    assert_int_equal(mood_catalog_schema_version(cat, "core"), 1);
    mood_catalog_close(cat);
    MOOD_ASSERT_OK(mood_catalog_open(path, &cat));
    assert_int_equal(mood_catalog_schema_version(cat, "core"), 1);
    mood_catalog_close(cat);
}

static void test_catalog_not_a_database(void **state)
{
    (void)state;
    char path[2048];
    mood_catalog *cat;
    const char junk[] = "this is not sqlite, just text that is long enough to be a header....";
    snprintf(path, sizeof path, "%s/junk.db", mood_test_tmpdir("catalog-junk"));
    MOOD_ASSERT_OK(mood_atomic_write(path, junk, sizeof junk));
    assert_int_equal(mood_catalog_open(path, &cat), MOOD_EFORMAT);
    assert_non_null(strstr(mood_last_error(), "junk.db"));
}

static void test_default_path(void **state)
{
    (void)state;
    char buf[512];
    setenv("MOODSCOPE_CATALOG", "/x/y.db", 1);
    MOOD_ASSERT_OK(mood_catalog_default_path(buf, sizeof buf));
    assert_string_equal(buf, "/x/y.db");
    unsetenv("MOODSCOPE_CATALOG");
    setenv("XDG_DATA_HOME", "/data", 1);
    MOOD_ASSERT_OK(mood_catalog_default_path(buf, sizeof buf));
    assert_string_equal(buf, "/data/moodscope/catalog.db");
}

static void test_atomic_write_abort(void **state)
{
    (void)state;
    char path[2048];
    mood_atomic_file *af;
    FILE *fp;
    char *back;
    snprintf(path, sizeof path, "%s/out.txt", mood_test_tmpdir("atomic"));
    MOOD_ASSERT_OK(mood_atomic_write(path, "old", 3));
    MOOD_ASSERT_OK(mood_atomic_open(path, &af, &fp));
    fputs("half-written", fp);
    mood_atomic_abort(af);
    MOOD_ASSERT_OK(mood_read_file(path, &back, NULL));
    assert_string_equal(back, "old");
    mood_free(back);
    assert_int_equal(mood_atomic_write("/nonexistent-dir/x", "a", 1), MOOD_EIO);
    assert_non_null(strstr(mood_last_error(), "/nonexistent-dir/x"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalog_create_and_reopen),
        cmocka_unit_test(test_catalog_not_a_database),
        cmocka_unit_test(test_default_path),
        cmocka_unit_test(test_atomic_write_abort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
