/*
 * A small database layer under the catalog: one API, two backends (SQLite, the embedded
 * default, in db_sqlite.c; PostgreSQL through libpq in db_pg.c), dispatched in db.c. SQL is
 * written once with `?` / `?N` parameters (translated to `$N` for libpq) in the dialect both
 * engines share (ON CONFLICT ... DO NOTHING / DO UPDATE, RETURNING, CASE, subqueries). Where
 * the dialects differ (a catalog lookup, a table definition) the caller picks one of two texts
 * with mood__db_pick(); table definitions differ per backend through mood__catalog_migrate_any()'s
 * two step lists. Never installed.
 *
 * This header and catalog_internal.h are the store's API for the layers above it (audio,
 * history, recommend, subsonic): they reach the catalog's tables only through these calls,
 * never through a backend's own library (sqlite3_*, PQ*), which only db_sqlite.c / db_pg.c use.
 *
 * Portable SQL rules the callers follow: parameters reach PostgreSQL untyped (as text), so an
 * expression of parameters only (`? - ?`) is written CAST(? AS BIGINT) - ...; ORDER BY on a
 * nullable column says NULLS FIRST (SQLite's order); text ordered or grouped in SQL is declared
 * COLLATE "C" in the PostgreSQL tables (SQLite compares bytes); a two-argument MAX is
 * PostgreSQL's GREATEST (mood__db_pick).
 *
 * Not thread-safe: one connection is used by one thread at a time (callers hold a lock).
 */
#ifndef MOOD_DB_INTERNAL_H
#define MOOD_DB_INTERNAL_H

#include <moodscope/status.h>

#include <stddef.h>
#include <stdint.h>

typedef struct mood_db mood_db;
typedef struct mood_db_stmt mood_db_stmt;

typedef enum mood_db_kind { MOOD_DB_SQLITE = 1, MOOD_DB_PG = 2 } mood_db_kind;

/* 1 when @p target names a PostgreSQL server (postgresql:// or postgres://). */
int mood__db_is_pg_target(const char *target);

/*
 * Open @p target: a PostgreSQL URI selects libpq, anything else is a SQLite file (created).
 * A server that cannot be reached is retried with exponential back-off a bounded number of
 * times ($MOODSCOPE_DB_RETRIES, default 4); authentication and unknown-database errors are
 * reported at once. Errors: EIO (unreachable, refused), EUNSUPPORTED (built without libpq).
 */
mood_status mood__db_open(const char *target, mood_db **out);
void mood__db_close(mood_db *db);
mood_db_kind mood__db_kind(const mood_db *db);
/* The target as given, with any password in a URI replaced by "***" (safe to print). */
const char *mood__db_name(const mood_db *db);

/* @p sqlite_sql on a SQLite connection, @p pg_sql on a PostgreSQL one (dialect choice). */
const char *mood__db_pick(const mood_db *db, const char *sqlite_sql, const char *pg_sql);

/* Run SQL without results (several statements allowed); errors name @p what. */
mood_status mood__db_exec(mood_db *db, const char *what, const char *sql);
/* BEGIN (SQLite: BEGIN IMMEDIATE, so that a writer takes the lock at once), COMMIT, ROLLBACK. */
mood_status mood__db_begin(mood_db *db);
mood_status mood__db_commit(mood_db *db);
void mood__db_rollback(mood_db *db);
/* Rows changed by the last INSERT/UPDATE/DELETE stepped on @p db. */
int64_t mood__db_changes(mood_db *db);
/* The backend's last message ("" when none). */
const char *mood__db_last_error(mood_db *db);

/* Prepared statements: parameters are numbered from 1, columns from 0. Text and blobs are
 * copied at bind time. */
mood_status mood__db_prepare(mood_db *db, const char *sql, mood_db_stmt **out);
void mood__db_bind_null(mood_db_stmt *st, int i);
void mood__db_bind_text(mood_db_stmt *st, int i, const char *v); /* NULL binds NULL */
void mood__db_bind_int64(mood_db_stmt *st, int i, int64_t v);
void mood__db_bind_double(mood_db_stmt *st, int i, double v);
void mood__db_bind_blob(mood_db_stmt *st, int i, const void *v, size_t n);
/* Execute (first call) or advance: *out_row = 1 with a row to read, 0 when done. */
mood_status mood__db_step(mood_db_stmt *st, int *out_row);
/* Step returning MOOD_DB_ROW, MOOD_DB_DONE or MOOD_DB_ERROR (message in mood_last_error()). */
enum { MOOD_DB_ERROR = -1, MOOD_DB_DONE = 0, MOOD_DB_ROW = 1 };
int mood__db_step_rc(mood_db_stmt *st);
/* Step a statement without result rows to completion. */
mood_status mood__db_run(mood_db_stmt *st);
/*
 * One statement in one call: prepare @p sql, bind one argument per letter of @p types
 * ('t' const char * (NULL binds NULL), 'i' int64_t, 'd' double; pass exactly these types),
 * run it to completion and finalize. mood__db_changes(db) tells the rows it changed.
 */
mood_status mood__db_run_sql(mood_db *db, const char *sql, const char *types, ...);
int mood__db_column_count(mood_db_stmt *st);
int mood__db_col_null(mood_db_stmt *st, int col);
int64_t mood__db_col_int64(mood_db_stmt *st, int col);
int mood__db_col_int(mood_db_stmt *st, int col);
double mood__db_col_double(mood_db_stmt *st, int col);
const char *mood__db_col_text(mood_db_stmt *st, int col); /* NULL for NULL; valid until step */
const void *mood__db_col_blob(mood_db_stmt *st, int col, size_t *out_n);
/* Blob pointer and size of a column as two calls (pointer first). */
const void *mood__db_blob(mood_db_stmt *st, int col);
int mood__db_bytes(mood_db_stmt *st, int col);
void mood__db_finalize(mood_db_stmt *st);
/* Make @p st ready to run again from the start, keeping its bound values (rebind any). */
void mood__db_reset(mood_db_stmt *st);
/* Set every bound value of @p st back to NULL. */
void mood__db_clear_bindings(mood_db_stmt *st);
/*
 * Step an INSERT ... RETURNING <one integer column>: *out_id = that value and *out_row = 1, or
 * *out_row = 0 when no row was inserted (ON CONFLICT DO NOTHING). The portable last-insert-id.
 */
mood_status mood__db_insert_id(mood_db_stmt *st, int64_t *out_id, int *out_row);

/* Schema version of @p component (0 when absent) and migrations: steps[v] upgrades v to v+1,
 * each in one transaction with its version bump; a newer version than n_steps is EFORMAT. */
int mood__db_schema_version(mood_db *db, const char *component);
mood_status mood__db_migrate(mood_db *db, const char *component, const char *const *steps,
                             size_t n_steps);

/*
 * LISTEN / NOTIFY and the server's clock (PostgreSQL only; db_pg.c). A listener is a separate
 * connection to the same server that LISTENs on @p channel (an SQL identifier); waiting on it
 * never touches @p db's connection. On SQLite mood__db_listen() is EUNSUPPORTED (callers poll)
 * and mood__db_notify() does nothing.
 */
typedef struct mood_db_listener mood_db_listener;
mood_status mood__db_listen(mood_db *db, const char *channel, mood_db_listener **out);
/* Wait up to @p timeout_s (poll(2) on the listener's socket): 1 when a notification arrived
 * (all pending ones are consumed), 0 on timeout or signal, -1 when the connection is lost (the
 * next call reconnects and LISTENs again). */
int mood__db_listener_wait(mood_db_listener *l, double timeout_s);
void mood__db_listener_close(mood_db_listener *l); /* accepts NULL */
/* NOTIFY @p channel (inside a transaction: delivered at COMMIT, not at all on ROLLBACK). */
mood_status mood__db_notify(mood_db *db, const char *channel);
/* The server's clock, now() as seconds since the epoch (the start of the current transaction);
 * EUNSUPPORTED on SQLite. */
mood_status mood__db_server_now(mood_db *db, double *out_epoch_s);

/* ---- backend vtable (db.c dispatches; db_sqlite.c and db_pg.c implement) ---- */
typedef struct mood_db_ops {
    mood_status (*exec)(mood_db *db, const char *what, const char *sql);
    mood_status (*prepare)(mood_db *db, const char *sql, mood_db_stmt **out);
    mood_status (*step)(mood_db_stmt *st, int *out_row);
    int (*col_null)(mood_db_stmt *st, int col);
    const char *(*col_text)(mood_db_stmt *st, int col);
    const void *(*col_blob)(mood_db_stmt *st, int col, size_t *out_n);
    int (*column_count)(mood_db_stmt *st);
    void (*finalize)(mood_db_stmt *st);
    void (*reset)(mood_db_stmt *st);
    /* Native double read, or NULL to parse the text (exact for PostgreSQL's float8 output). */
    double (*col_double)(mood_db_stmt *st, int col);
    int64_t (*changes)(mood_db *db);
    const char *(*last_error)(mood_db *db);
    void (*close)(mood_db *db);
    const char *begin_sql;
} mood_db_ops;

/* Bound parameter values, kept by db.c for both backends. */
typedef struct mood_db_param {
    int type; /* 0 null, 1 text, 2 int, 3 double, 4 blob */
    int64_t i;
    double d;
    char *p; /* text (NUL-terminated) or blob bytes */
    size_t n;
} mood_db_param;

struct mood_db {
    const mood_db_ops *ops;
    mood_db_kind kind;
    char *name;
    void *impl;
};

struct mood_db_stmt {
    mood_db *db;
    mood_db_param *params;
    int n_params;
    int started;
    void *impl;
};

mood_status mood__db_sqlite_open(const char *path, mood_db *db);
mood_status mood__db_pg_open(const char *uri, mood_db *db);
/* Grow @p st's parameter array to hold index @p i (1-based); 0 on allocation failure. */
int mood__db_param_slot(mood_db_stmt *st, int i);

#endif
