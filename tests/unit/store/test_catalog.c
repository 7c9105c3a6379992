#include "test_util.h"

#include "db_internal.h"

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

/* The database layer's statement helpers on SQLite: reset keeps the bindings, clear_bindings
 * sets them to NULL, insert_id returns the RETURNING id or no row on a conflict, doubles read
 * back exactly, and pick chooses the SQLite text. */
static void test_db_statement_helpers(void **state)
{
    char path[4096];
    mood_db *db;
    mood_db_stmt *st;
    int64_t id = -1;
    int row = -1;
    (void)state;
    snprintf(path, sizeof path, "%s/db.db", mood_test_tmpdir("db-helpers"));
    remove(path);
    MOOD_ASSERT_OK(mood__db_open(path, &db));
    assert_string_equal(mood__db_pick(db, "sqlite", "pg"), "sqlite");
    MOOD_ASSERT_OK(mood__db_exec(
        db, "t", "CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT UNIQUE, v REAL, n INTEGER)"));
    MOOD_ASSERT_OK(mood__db_prepare(
        db, "INSERT INTO t(k, v, n) VALUES(?, ?, ?) ON CONFLICT DO NOTHING RETURNING id", &st));
    mood__db_bind_text(st, 1, "a");
    mood__db_bind_double(st, 2, 0.1 + 0.2);
    mood__db_bind_int64(st, 3, 7);
    MOOD_ASSERT_OK(mood__db_insert_id(st, &id, &row));
    assert_int_equal(row, 1);
    assert_int_equal(id, 1);
    mood__db_reset(st); /* the same values again: a conflict, no row */
    MOOD_ASSERT_OK(mood__db_insert_id(st, &id, &row));
    assert_int_equal(row, 0);
    mood__db_reset(st);
    mood__db_clear_bindings(st);
    mood__db_bind_text(st, 1, "b"); /* v and n unbound: NULL */
    MOOD_ASSERT_OK(mood__db_insert_id(st, &id, &row));
    assert_int_equal(row, 1);
    assert_int_equal(id, 2);
    mood__db_finalize(st);
    MOOD_ASSERT_OK(mood__db_prepare(db, "SELECT v, n FROM t ORDER BY id", &st));
    assert_int_equal(mood__db_step_rc(st), MOOD_DB_ROW);
    assert_true(mood__db_col_double(st, 0) == 0.1 + 0.2); /* exact, not 15 digits */
    assert_int_equal(mood__db_col_int64(st, 1), 7);
    assert_int_equal(mood__db_step_rc(st), MOOD_DB_ROW);
    assert_true(mood__db_col_null(st, 0) && mood__db_col_null(st, 1));
    assert_int_equal(mood__db_step_rc(st), MOOD_DB_DONE);
    mood__db_finalize(st);
    mood__db_close(db);
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
        cmocka_unit_test(test_db_statement_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
