/*
 * The database layer's dispatch: picks the backend from the target, keeps bound parameters
 * (so that both backends see the same values), and implements what is common: typed column
 * reads over the backends' text/blob accessors, transactions, and schema migrations.
 */
#define _POSIX_C_SOURCE 200809L
#include "db_internal.h"

#include "../core/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mood__db_is_pg_target(const char *t)
{
    return t && (strncmp(t, "postgresql://", 13) == 0 || strncmp(t, "postgres://", 11) == 0);
}

/* The target with the password of a "scheme://user:password@host" URI masked. */
static char *safe_name(const char *t)
{
    const char *scheme = strstr(t, "://");
    const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
    const char *colon = scheme ? strchr(scheme + 3, ':') : NULL;
    if (!at || !colon || colon > at)
        return mood__strdup(t);
    size_t head = (size_t)(colon - t) + 1, len = head + 3 + strlen(at) + 1;
    char *s = mood__malloc(len);
    if (s)
        snprintf(s, len, "%.*s***%s", (int)head, t, at);
    return s;
}

mood_status mood__db_open(const char *target, mood_db **out)
{
    mood_db *db;
    mood_status s;
    *out = NULL;
    if (!target || !target[0])
        return mood__error(MOOD_EINVAL, "catalog: empty path (expected a file or postgresql://)");
    db = mood__calloc(1, sizeof *db);
    if (!db || !(db->name = safe_name(target))) {
        mood__free(db);
        return mood__enomem("catalog");
    }
    if (mood__db_is_pg_target(target))
        s = mood__db_pg_open(target, db);
    else
        s = mood__db_sqlite_open(target, db);
    if (s != MOOD_OK) {
        mood__db_close(db);
        return s;
    }
    *out = db;
    return MOOD_OK;
}

void mood__db_close(mood_db *db)
{
    if (!db)
        return;
    if (db->ops && db->impl)
        db->ops->close(db);
    mood__free(db->name);
    mood__free(db);
}

mood_db_kind mood__db_kind(const mood_db *db)
{
    return db->kind;
}

const char *mood__db_name(const mood_db *db)
{
    return db->name;
}

const char *mood__db_pick(const mood_db *db, const char *sqlite_sql, const char *pg_sql)
{
    return db->kind == MOOD_DB_PG ? pg_sql : sqlite_sql;
}

mood_status mood__db_exec(mood_db *db, const char *what, const char *sql)
{
    return db->ops->exec(db, what, sql);
}

mood_status mood__db_begin(mood_db *db)
{
    return db->ops->exec(db, "begin", db->ops->begin_sql);
}

mood_status mood__db_commit(mood_db *db)
{
    return db->ops->exec(db, "commit", "COMMIT");
}

void mood__db_rollback(mood_db *db)
{
    char keep[512];
    /* Keep the message of the failure that made the caller roll back. */
    snprintf(keep, sizeof keep, "%s", mood_last_error());
    db->ops->exec(db, "rollback", "ROLLBACK");
    mood__error(MOOD_EIO, "%s", keep);
}

int64_t mood__db_changes(mood_db *db)
{
    return db->ops->changes(db);
}

const char *mood__db_last_error(mood_db *db)
{
    return db->ops->last_error(db);
}

/* ---------------------------------------------------------------------------------------- */
/* Statements                                                                                */
/* ---------------------------------------------------------------------------------------- */

mood_status mood__db_prepare(mood_db *db, const char *sql, mood_db_stmt **out)
{
    return db->ops->prepare(db, sql, out);
}

int mood__db_param_slot(mood_db_stmt *st, int i)
{
    if (i < 1)
        return 0;
    if (i > st->n_params) {
        mood_db_param *p = mood__realloc(st->params, (size_t)i * sizeof *p);
        if (!p)
            return 0;
        memset(p + st->n_params, 0, (size_t)(i - st->n_params) * sizeof *p);
        st->params = p;
        st->n_params = i;
    }
    mood_db_param *p = &st->params[i - 1];
    mood__free(p->p);
    memset(p, 0, sizeof *p);
    return 1;
}

void mood__db_bind_null(mood_db_stmt *st, int i)
{
    mood__db_param_slot(st, i);
}

void mood__db_bind_text(mood_db_stmt *st, int i, const char *v)
{
    if (!mood__db_param_slot(st, i) || !v)
        return;
    mood_db_param *p = &st->params[i - 1];
    p->p = mood__strdup(v);
    if (p->p) {
        p->type = 1;
        p->n = strlen(v);
    }
}

void mood__db_bind_int64(mood_db_stmt *st, int i, int64_t v)
{
    if (!mood__db_param_slot(st, i))
        return;
    st->params[i - 1].type = 2;
    st->params[i - 1].i = v;
}

void mood__db_bind_double(mood_db_stmt *st, int i, double v)
{
    if (!mood__db_param_slot(st, i))
        return;
    st->params[i - 1].type = 3;
    st->params[i - 1].d = v;
}

void mood__db_bind_blob(mood_db_stmt *st, int i, const void *v, size_t n)
{
    if (!mood__db_param_slot(st, i))
        return;
    mood_db_param *p = &st->params[i - 1];
    p->p = mood__malloc(n ? n : 1);
    if (p->p) {
        memcpy(p->p, v, n);
        p->type = 4;
        p->n = n;
    }
}

mood_status mood__db_step(mood_db_stmt *st, int *out_row)
{
    return st->db->ops->step(st, out_row);
}

mood_status mood__db_run(mood_db_stmt *st)
{
    int row = 1;
    mood_status s = MOOD_OK;
    while (s == MOOD_OK && row)
        s = mood__db_step(st, &row);
    return s;
}

mood_status mood__db_run_sql(mood_db *db, const char *sql, const char *types, ...)
{
    mood_db_stmt *st;
    va_list ap;
    mood_status s = mood__db_prepare(db, sql, &st);
    if (s != MOOD_OK)
        return s;
    va_start(ap, types);
    for (int i = 0; types[i]; i++) {
        if (types[i] == 't')
            mood__db_bind_text(st, i + 1, va_arg(ap, const char *));
        else if (types[i] == 'i')
            mood__db_bind_int64(st, i + 1, va_arg(ap, int64_t));
        else
            mood__db_bind_double(st, i + 1, va_arg(ap, double));
    }
    va_end(ap);
    s = mood__db_run(st);
    mood__db_finalize(st);
    return s;
}

int mood__db_step_rc(mood_db_stmt *st)
{
    int row = 0;
    if (mood__db_step(st, &row) != MOOD_OK)
        return MOOD_DB_ERROR;
    return row ? MOOD_DB_ROW : MOOD_DB_DONE;
}

const void *mood__db_blob(mood_db_stmt *st, int col)
{
    size_t n;
    return mood__db_col_blob(st, col, &n);
}

int mood__db_bytes(mood_db_stmt *st, int col)
{
    size_t n;
    mood__db_col_blob(st, col, &n);
    return (int)n;
}

int mood__db_column_count(mood_db_stmt *st)
{
    return st->db->ops->column_count(st);
}

int mood__db_col_null(mood_db_stmt *st, int col)
{
    return st->db->ops->col_null(st, col);
}

const char *mood__db_col_text(mood_db_stmt *st, int col)
{
    return st->db->ops->col_text(st, col);
}

int64_t mood__db_col_int64(mood_db_stmt *st, int col)
{
    const char *t = mood__db_col_text(st, col);
    if (!t)
        return 0;
    /* PostgreSQL prints booleans as t / f. */
    if (t[0] == 't' && !t[1])
        return 1;
    if (t[0] == 'f' && !t[1])
        return 0;
    return strtoll(t, NULL, 10);
}

int mood__db_col_int(mood_db_stmt *st, int col)
{
    return (int)mood__db_col_int64(st, col);
}

double mood__db_col_double(mood_db_stmt *st, int col)
{
    if (st->db->ops->col_double)
        return st->db->ops->col_double(st, col);
    const char *t = mood__db_col_text(st, col);
    return t ? strtod(t, NULL) : 0.0;
}

const void *mood__db_col_blob(mood_db_stmt *st, int col, size_t *out_n)
{
    return st->db->ops->col_blob(st, col, out_n);
}

void mood__db_finalize(mood_db_stmt *st)
{
    if (!st)
        return;
    st->db->ops->finalize(st);
    for (int i = 0; i < st->n_params; i++)
        mood__free(st->params[i].p);
    mood__free(st->params);
    mood__free(st);
}

void mood__db_reset(mood_db_stmt *st)
{
    if (st->started)
        st->db->ops->reset(st);
    st->started = 0;
}

void mood__db_clear_bindings(mood_db_stmt *st)
{
    for (int i = 0; i < st->n_params; i++) {
        mood__free(st->params[i].p);
        memset(&st->params[i], 0, sizeof st->params[i]);
    }
}

mood_status mood__db_insert_id(mood_db_stmt *st, int64_t *out_id, int *out_row)
{
    int row = 0;
    mood_status s = mood__db_step(st, &row);
    *out_id = s == MOOD_OK && row ? mood__db_col_int64(st, 0) : 0;
    *out_row = s == MOOD_OK && row;
    /* Finish the statement so that the insert is complete before the caller moves on. */
    while (s == MOOD_OK && row)
        s = mood__db_step(st, &row);
    return s;
}

/* ---------------------------------------------------------------------------------------- */
/* Schema versions                                                                           */
/* ---------------------------------------------------------------------------------------- */

int mood__db_schema_version(mood_db *db, const char *component)
{
    mood_db_stmt *st;
    int v = 0, row = 0;
    if (mood__db_prepare(db, "SELECT version FROM schema_versions WHERE component = ?", &st) !=
        MOOD_OK)
        return 0;
    mood__db_bind_text(st, 1, component);
    if (mood__db_step(st, &row) == MOOD_OK && row)
        v = mood__db_col_int(st, 0);
    mood__db_finalize(st);
    return v;
}

static mood_status set_version(mood_db *db, const char *component, int v)
{
    return mood__db_run_sql(db,
                            "INSERT INTO schema_versions(component, version) VALUES(?, ?) "
                            "ON CONFLICT(component) DO UPDATE SET version = excluded.version",
                            "ti", component, (int64_t)v);
}

mood_status mood__db_migrate(mood_db *db, const char *component, const char *const *steps,
                             size_t n_steps)
{
    int v = mood__db_schema_version(db, component);
    if (v == (int)n_steps)
        return MOOD_OK;
    if (v > (int)n_steps)
        return mood__error(MOOD_EFORMAT,
                           "catalog %s: '%s' tables are at version %d, this moodscope knows %zu; "
                           "upgrade moodscope",
                           db->name, component, v, n_steps);
    for (size_t i = (size_t)v; i < n_steps; i++) {
        mood_status s = mood__db_begin(db);
        if (s != MOOD_OK)
            return s;
        /* PostgreSQL takes no table lock on BEGIN: an advisory lock serialises migrations. */
        if (db->kind == MOOD_DB_PG &&
            (s = mood__db_exec(db, "migrate", "SELECT pg_advisory_xact_lock(7261)")) != MOOD_OK) {
            mood__db_rollback(db);
            return s;
        }
        /* Another process may have migrated while we waited for the lock. */
        if (mood__db_schema_version(db, component) > (int)i) {
            mood__db_rollback(db);
            continue;
        }
        s = mood__db_exec(db, component, steps[i]);
        if (s == MOOD_OK)
            s = set_version(db, component, (int)i + 1);
        if (s != MOOD_OK) {
            mood__db_rollback(db);
            return s;
        }
        if ((s = mood__db_commit(db)) != MOOD_OK)
            return s;
    }
    return MOOD_OK;
}
