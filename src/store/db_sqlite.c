/*
 * The SQLite backend of the database layer: WAL journal and a busy timeout so that several
 * local processes (analysis workers) can share one catalog file, BEGIN IMMEDIATE so that a
 * writer takes the write lock when its transaction starts rather than failing at its first
 * write.
 */
#define _POSIX_C_SOURCE 200809L
#include "db_internal.h"

#include "../core/internal.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sqlite3 *handle(mood_db *db)
{
    return db->impl;
}

static mood_status sq_error(mood_db *db, const char *what)
{
    return mood__error(MOOD_EIO, "catalog %s: %s: %s", db->name, what, sqlite3_errmsg(handle(db)));
}

static mood_status sq_exec(mood_db *db, const char *what, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(handle(db), sql, NULL, NULL, &msg) != SQLITE_OK) {
        mood_status s =
            mood__error(MOOD_EIO, "catalog %s: %s: %s", db->name, what, msg ? msg : "error");
        sqlite3_free(msg);
        return s;
    }
    return MOOD_OK;
}

static mood_status sq_prepare(mood_db *db, const char *sql, mood_db_stmt **out)
{
    sqlite3_stmt *raw;
    *out = NULL;
    if (sqlite3_prepare_v2(handle(db), sql, -1, &raw, NULL) != SQLITE_OK)
        return sq_error(db, "prepare");
    mood_db_stmt *st = mood__calloc(1, sizeof *st);
    if (!st) {
        sqlite3_finalize(raw);
        return mood__enomem("catalog: statement");
    }
    st->db = db;
    st->impl = raw;
    *out = st;
    return MOOD_OK;
}

static void bind_all(mood_db_stmt *st)
{
    sqlite3_stmt *raw = st->impl;
    for (int i = 0; i < st->n_params; i++) {
        const mood_db_param *p = &st->params[i];
        if (p->type == 1)
            sqlite3_bind_text(raw, i + 1, p->p, (int)p->n, SQLITE_STATIC);
        else if (p->type == 2)
            sqlite3_bind_int64(raw, i + 1, p->i);
        else if (p->type == 3)
            sqlite3_bind_double(raw, i + 1, p->d);
        else if (p->type == 4)
            sqlite3_bind_blob(raw, i + 1, p->p, (int)p->n, SQLITE_STATIC);
        else
            sqlite3_bind_null(raw, i + 1);
    }
}

static mood_status sq_step(mood_db_stmt *st, int *out_row)
{
    if (!st->started) {
        bind_all(st);
        st->started = 1;
    }
    int rc = sqlite3_step(st->impl);
    *out_row = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return MOOD_OK;
    return sq_error(st->db, "step");
}

static int sq_col_null(mood_db_stmt *st, int col)
{
    return sqlite3_column_type(st->impl, col) == SQLITE_NULL;
}

static const char *sq_col_text(mood_db_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st->impl, col);
}

static const void *sq_col_blob(mood_db_stmt *st, int col, size_t *out_n)
{
    const void *b = sqlite3_column_blob(st->impl, col);
    *out_n = (size_t)sqlite3_column_bytes(st->impl, col);
    return b;
}

static int sq_column_count(mood_db_stmt *st)
{
    return sqlite3_column_count(st->impl);
}

static void sq_finalize(mood_db_stmt *st)
{
    sqlite3_finalize(st->impl);
}

static void sq_reset(mood_db_stmt *st)
{
    sqlite3_reset(st->impl);
}

static double sq_col_double(mood_db_stmt *st, int col)
{
    return sqlite3_column_double(st->impl, col);
}

static int64_t sq_changes(mood_db *db)
{
    return sqlite3_changes64(handle(db));
}

static const char *sq_last_error(mood_db *db)
{
    return sqlite3_errmsg(handle(db));
}

static void sq_close(mood_db *db)
{
    sqlite3_close(handle(db));
    db->impl = NULL;
}

static const mood_db_ops sqlite_ops = {
    .exec = sq_exec,
    .prepare = sq_prepare,
    .step = sq_step,
    .col_null = sq_col_null,
    .col_text = sq_col_text,
    .col_blob = sq_col_blob,
    .column_count = sq_column_count,
    .finalize = sq_finalize,
    .reset = sq_reset,
    .col_double = sq_col_double,
    .changes = sq_changes,
    .last_error = sq_last_error,
    .close = sq_close,
    .begin_sql = "BEGIN IMMEDIATE",
};

mood_status mood__db_sqlite_open(const char *path, mood_db *db)
{
    sqlite3 *h = NULL;
    db->ops = &sqlite_ops;
    db->kind = MOOD_DB_SQLITE;
    int rc = sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    db->impl = h;
    if (rc != SQLITE_OK)
        return h ? sq_error(db, "open")
                 : mood__error(MOOD_ENOMEM, "catalog %s: open: out of memory", db->name);
    sqlite3_busy_timeout(h, 30000);
    mood_status s = sq_exec(db, "open",
                            "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;"
                            "PRAGMA synchronous=NORMAL;"
                            "CREATE TABLE IF NOT EXISTS schema_versions("
                            "  component TEXT PRIMARY KEY, version INTEGER NOT NULL);");
    if (s != MOOD_OK)
        /* SQLite reports a non-database file only when it first reads it. */
        return mood__error(MOOD_EFORMAT, "catalog %s: not a moodscope catalog (%s)", db->name,
                           sqlite3_errmsg(h));
    return MOOD_OK;
}
