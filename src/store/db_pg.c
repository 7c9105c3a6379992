/*
 * The PostgreSQL backend of the database layer (libpq). Statements are prepared on the server
 * once per connection (cached by SQL text), with the `?` / `?N` parameters translated to
 * `$N`; text, integers and doubles travel as text parameters, blobs as binary BYTEA. Results
 * come back as text (BYTEA in hex, decoded on read).
 *
 * A connection that drops is reported with the server's words. Outside a transaction the
 * statement is retried on a new connection with exponential back-off (0.1 s, 0.2 s, ...) a
 * bounded number of times; inside one the caller's transaction is gone, so the error goes up
 * and the caller's work (one track) is not recorded.
 */
#define _POSIX_C_SOURCE 200809L
#include "db_internal.h"

#include "../core/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef MOOD_HAVE_LIBPQ
#include <libpq-fe.h>
#include <poll.h>

#define PG_CACHE 96

typedef struct pg_conn {
    PGconn *conn;
    char *uri;
    char *sql[PG_CACHE]; /* prepared statements: SQL text, named s<index> */
    int n_cached;
    int64_t changes;
    char msg[512];
    int retries;
} pg_conn;

typedef struct pg_stmt {
    char *sql;
    int cache_slot;
    PGresult *res;
    int row, n_rows;
    unsigned char **blobs; /* decoded BYTEA of the current row, per column */
    size_t *blob_n;
} pg_stmt;

static pg_conn *pc(mood_db *db)
{
    return db->impl;
}

/* libpq messages span lines ("...failed: ...\n\tIs the server running ...?\n"): one line. */
static void one_line(char *dst, size_t cap, const char *src)
{
    size_t k = 0;
    for (; src && *src && k + 1 < cap; src++) {
        char c = *src == '\n' || *src == '\t' ? ' ' : *src;
        if (c == ' ' && (k == 0 || dst[k - 1] == ' '))
            continue;
        dst[k++] = c;
    }
    while (k > 0 && dst[k - 1] == ' ')
        k--;
    dst[k] = '\0';
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* Connection failures worth retrying: the server did not answer (a FATAL reply such as a bad
 * password or an unknown database will not change by waiting). */
static int transient(const char *msg)
{
    return strstr(msg, "FATAL") == NULL && strstr(msg, "password") == NULL;
}

static mood_status pg_connect(mood_db *db)
{
    pg_conn *c = pc(db);
    double wait = 0.1;
    for (int attempt = 0;; attempt++) {
        c->conn = PQconnectdb(c->uri);
        if (c->conn && PQstatus(c->conn) == CONNECTION_OK)
            break;
        one_line(c->msg, sizeof c->msg, c->conn ? PQerrorMessage(c->conn) : "out of memory");
        PQfinish(c->conn);
        c->conn = NULL;
        if (!transient(c->msg) || attempt >= c->retries)
            return mood__error(MOOD_EIO, "catalog %s: cannot connect%s: %s", db->name,
                               attempt ? " (retried with back-off)" : "", c->msg);
        sleep_s(wait);
        wait *= 2;
    }
    PGresult *r = PQexec(c->conn, "SET client_min_messages = warning");
    PQclear(r);
    for (int i = 0; i < c->n_cached; i++)
        mood__free(c->sql[i]);
    c->n_cached = 0;
    return MOOD_OK;
}

/* After a failure on a dropped connection outside a transaction: reconnect; 1 when the
 * caller may retry. */
static int recover(mood_db *db, int was_idle)
{
    pg_conn *c = pc(db);
    if (PQstatus(c->conn) != CONNECTION_BAD || !was_idle)
        return 0;
    PQfinish(c->conn);
    c->conn = NULL;
    return pg_connect(db) == MOOD_OK;
}

static mood_status lost(mood_db *db, const char *what)
{
    pg_conn *c = pc(db);
    if (!c->conn || PQstatus(c->conn) == CONNECTION_BAD)
        return mood__error(MOOD_EIO, "catalog %s: %s: connection to the server lost: %s", db->name,
                           what, c->msg);
    return mood__error(MOOD_EIO, "catalog %s: %s: %s", db->name, what, c->msg);
}

static int result_ok(PGresult *r)
{
    ExecStatusType t = PQresultStatus(r);
    return t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK;
}

static void take_message(pg_conn *c, PGresult *r)
{
    const char *m = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    one_line(c->msg, sizeof c->msg, m ? m : PQerrorMessage(c->conn));
}

static mood_status pg_exec(mood_db *db, const char *what, const char *sql)
{
    pg_conn *c = pc(db);
    for (;;) {
        int idle = c->conn && PQtransactionStatus(c->conn) == PQTRANS_IDLE;
        if (!c->conn && pg_connect(db) != MOOD_OK)
            return MOOD_EIO;
        PGresult *r = PQexec(c->conn, sql);
        int ok = result_ok(r);
        if (ok)
            c->changes = strtoll(PQcmdTuples(r), NULL, 10);
        else
            take_message(c, r);
        PQclear(r);
        if (ok)
            return MOOD_OK;
        /* A ROLLBACK after a lost connection has nothing left to undo. */
        if (strcmp(sql, "ROLLBACK") == 0 || !recover(db, idle))
            return lost(db, what);
    }
}

/* `?` and `?N` outside quotes become `$N`. */
static char *translate(const char *sql)
{
    size_t len = strlen(sql), k = 0;
    char *out = mood__malloc(len * 4 + 1);
    int next = 1, quote = 0;
    if (!out)
        return NULL;
    for (const char *p = sql; *p; p++) {
        if (*p == '\'')
            quote = !quote;
        if (*p != '?' || quote) {
            out[k++] = *p;
            continue;
        }
        if (p[1] >= '0' && p[1] <= '9') {
            out[k++] = '$';
            continue;
        }
        k += (size_t)sprintf(out + k, "$%d", next++);
    }
    out[k] = '\0';
    return out;
}

/* The cache slot of @p sql, preparing it on the server when new; -1 on failure. */
static int prepared_slot(mood_db *db, const char *sql)
{
    pg_conn *c = pc(db);
    char name[16];
    for (int i = 0; i < c->n_cached; i++)
        if (strcmp(c->sql[i], sql) == 0)
            return i;
    if (c->n_cached == PG_CACHE) {
        PGresult *r = PQexec(c->conn, "DEALLOCATE ALL");
        PQclear(r);
        for (int i = 0; i < c->n_cached; i++)
            mood__free(c->sql[i]);
        c->n_cached = 0;
    }
    char *tr = translate(sql);
    if (!tr) {
        snprintf(c->msg, sizeof c->msg, "out of memory");
        return -1;
    }
    snprintf(name, sizeof name, "s%d", c->n_cached);
    PGresult *r = PQprepare(c->conn, name, tr, 0, NULL);
    mood__free(tr);
    int ok = result_ok(r);
    if (!ok)
        take_message(c, r);
    PQclear(r);
    if (!ok || !(c->sql[c->n_cached] = mood__strdup(sql)))
        return -1;
    return c->n_cached++;
}

static mood_status pg_prepare(mood_db *db, const char *sql, mood_db_stmt **out)
{
    *out = NULL;
    mood_db_stmt *st = mood__calloc(1, sizeof *st);
    pg_stmt *ps = mood__calloc(1, sizeof *ps);
    if (!st || !ps || !(ps->sql = mood__strdup(sql))) {
        mood__free(st);
        mood__free(ps);
        return mood__enomem("catalog: statement");
    }
    st->db = db;
    st->impl = ps;
    *out = st;
    return MOOD_OK;
}

static void clear_row(pg_stmt *ps)
{
    int nc = ps->res ? PQnfields(ps->res) : 0;
    for (int i = 0; ps->blobs && i < nc; i++) {
        if (ps->blobs[i])
            PQfreemem(ps->blobs[i]);
        ps->blobs[i] = NULL;
    }
}

/* The number of parameters @p sql takes: the highest `?N`, counting a bare `?` as the next. */
static int sql_param_count(const char *sql)
{
    int next = 1, max = 0, quote = 0;
    for (const char *p = sql; *p; p++) {
        if (*p == '\'')
            quote = !quote;
        if (*p != '?' || quote)
            continue;
        int k = p[1] >= '0' && p[1] <= '9' ? atoi(p + 1) : next++;
        if (k > max)
            max = k;
    }
    return max;
}

/* Send the statement with its parameters; on success ps->res holds the result. */
static mood_status pg_execute(mood_db_stmt *st)
{
    pg_conn *c = pc(st->db);
    pg_stmt *ps = st->impl;
    /* Parameters never bound are NULL, as in SQLite (libpq wants all of them). */
    int want = sql_param_count(ps->sql);
    if (want > st->n_params && !mood__db_param_slot(st, want))
        return mood__enomem("catalog: parameters");
    int n = st->n_params;
    const char **vals = mood__calloc((size_t)(n ? n : 1), sizeof(char *));
    int *lens = mood__calloc((size_t)(n ? n : 1), sizeof(int));
    int *fmts = mood__calloc((size_t)(n ? n : 1), sizeof(int));
    char(*num)[32] = mood__calloc((size_t)(n ? n : 1), 32);
    mood_status s = MOOD_OK;
    if (!vals || !lens || !fmts || !num)
        s = mood__enomem("catalog: parameters");
    for (int i = 0; s == MOOD_OK && i < n; i++) {
        const mood_db_param *p = &st->params[i];
        if (p->type == 1 || p->type == 4)
            vals[i] = p->p;
        if (p->type == 2)
            snprintf(num[i], 32, "%lld", (long long)p->i);
        if (p->type == 3)
            snprintf(num[i], 32, "%.17g", p->d);
        if (p->type == 2 || p->type == 3)
            vals[i] = num[i];
        lens[i] = (int)p->n;
        fmts[i] = p->type == 4;
    }
    while (s == MOOD_OK) {
        int idle = c->conn && PQtransactionStatus(c->conn) == PQTRANS_IDLE;
        if (!c->conn)
            s = pg_connect(st->db);
        if (s != MOOD_OK)
            break;
        char name[16];
        int slot = prepared_slot(st->db, ps->sql);
        if (slot >= 0) {
            snprintf(name, sizeof name, "s%d", slot);
            ps->res = PQexecPrepared(c->conn, name, n, vals, lens, fmts, 0);
            if (result_ok(ps->res))
                break;
            take_message(c, ps->res);
            PQclear(ps->res);
            ps->res = NULL;
        }
        if (!recover(st->db, idle))
            s = lost(st->db, "statement");
    }
    mood__free(vals);
    mood__free(lens);
    mood__free(fmts);
    mood__free(num);
    return s;
}

static mood_status pg_step(mood_db_stmt *st, int *out_row)
{
    pg_stmt *ps = st->impl;
    pg_conn *c = pc(st->db);
    *out_row = 0;
    if (!st->started) {
        st->started = 1;
        mood_status s = pg_execute(st);
        if (s != MOOD_OK)
            return s;
        ps->n_rows = PQntuples(ps->res);
        ps->row = -1;
        c->changes = strtoll(PQcmdTuples(ps->res), NULL, 10);
        int nc = PQnfields(ps->res);
        ps->blobs = mood__calloc((size_t)(nc ? nc : 1), sizeof(unsigned char *));
        ps->blob_n = mood__calloc((size_t)(nc ? nc : 1), sizeof(size_t));
        if (!ps->blobs || !ps->blob_n)
            return mood__enomem("catalog: result");
    }
    clear_row(ps);
    if (ps->row + 1 < ps->n_rows) {
        ps->row++;
        *out_row = 1;
    }
    return MOOD_OK;
}

/* Forget the result so that the next step executes the statement again. */
static void pg_reset(mood_db_stmt *st)
{
    pg_stmt *ps = st->impl;
    clear_row(ps);
    PQclear(ps->res);
    ps->res = NULL;
    mood__free(ps->blobs);
    mood__free(ps->blob_n);
    ps->blobs = NULL;
    ps->blob_n = NULL;
    ps->row = ps->n_rows = 0;
}

static int pg_col_null(mood_db_stmt *st, int col)
{
    pg_stmt *ps = st->impl;
    if (!ps->res || ps->row < 0 || col >= PQnfields(ps->res))
        return 1;
    return PQgetisnull(ps->res, ps->row, col);
}

static const char *pg_col_text(mood_db_stmt *st, int col)
{
    pg_stmt *ps = st->impl;
    if (pg_col_null(st, col))
        return NULL;
    return PQgetvalue(ps->res, ps->row, col);
}

static const void *pg_col_blob(mood_db_stmt *st, int col, size_t *out_n)
{
    pg_stmt *ps = st->impl;
    *out_n = 0;
    if (pg_col_null(st, col))
        return NULL;
    if (!ps->blobs[col])
        ps->blobs[col] = PQunescapeBytea((const unsigned char *)PQgetvalue(ps->res, ps->row, col),
                                         &ps->blob_n[col]);
    *out_n = ps->blobs[col] ? ps->blob_n[col] : 0;
    return ps->blobs[col];
}

static int pg_column_count(mood_db_stmt *st)
{
    pg_stmt *ps = st->impl;
    return ps->res ? PQnfields(ps->res) : 0;
}

static void pg_finalize(mood_db_stmt *st)
{
    pg_stmt *ps = st->impl;
    clear_row(ps);
    PQclear(ps->res);
    mood__free(ps->blobs);
    mood__free(ps->blob_n);
    mood__free(ps->sql);
    mood__free(ps);
}

static int64_t pg_changes(mood_db *db)
{
    return pc(db)->changes;
}

static const char *pg_last_error(mood_db *db)
{
    return pc(db)->msg;
}

static void pg_close(mood_db *db)
{
    pg_conn *c = pc(db);
    PQfinish(c->conn);
    for (int i = 0; i < c->n_cached; i++)
        mood__free(c->sql[i]);
    mood__free(c->uri);
    mood__free(c);
    db->impl = NULL;
}

static const mood_db_ops pg_ops = {
    .exec = pg_exec,
    .prepare = pg_prepare,
    .step = pg_step,
    .col_null = pg_col_null,
    .col_text = pg_col_text,
    .col_blob = pg_col_blob,
    .column_count = pg_column_count,
    .finalize = pg_finalize,
    .reset = pg_reset,
    .col_double = NULL,
    .changes = pg_changes,
    .last_error = pg_last_error,
    .close = pg_close,
    .begin_sql = "BEGIN",
};

mood_status mood__db_pg_open(const char *uri, mood_db *db)
{
    pg_conn *c = mood__calloc(1, sizeof *c);
    const char *env = getenv("MOODSCOPE_DB_RETRIES");
    if (!c || !(c->uri = mood__strdup(uri))) {
        mood__free(c);
        return mood__enomem("catalog");
    }
    c->retries = env && env[0] ? atoi(env) : 4;
    db->ops = &pg_ops;
    db->kind = MOOD_DB_PG;
    db->impl = c;
    mood_status s = pg_connect(db);
    if (s != MOOD_OK)
        return s;
    /* Workers starting together: the advisory lock makes the first one create the table. */
    return pg_exec(db, "open",
                   "BEGIN; SELECT pg_advisory_xact_lock(7261);"
                   "CREATE TABLE IF NOT EXISTS schema_versions("
                   "  component TEXT PRIMARY KEY, version INTEGER NOT NULL); COMMIT");
}

/* ---------------------------------------------------------------------------------------- */
/* LISTEN / NOTIFY                                                                           */
/* ---------------------------------------------------------------------------------------- */

/*
 * A listener is a connection of its own (same URI as the catalog's) that only LISTENs, so
 * that waiting on its socket never races with the statements other threads run on the
 * catalog's connection (libpq would read a notification there and queue it where nobody looks).
 */
struct mood_db_listener {
    PGconn *conn;
    char *uri;
    char channel[64];
};

static int listener_connect(mood_db_listener *l)
{
    char sql[96];
    l->conn = PQconnectdb(l->uri);
    if (!l->conn || PQstatus(l->conn) != CONNECTION_OK) {
        PQfinish(l->conn);
        l->conn = NULL;
        return 0;
    }
    snprintf(sql, sizeof sql, "LISTEN %s", l->channel);
    PGresult *r = PQexec(l->conn, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok;
}

mood_status mood__db_listen(mood_db *db, const char *channel, mood_db_listener **out)
{
    *out = NULL;
    if (db->kind != MOOD_DB_PG)
        return mood__error(MOOD_EUNSUPPORTED, "catalog %s: LISTEN needs PostgreSQL", db->name);
    mood_db_listener *l = mood__calloc(1, sizeof *l);
    if (!l || !(l->uri = mood__strdup(pc(db)->uri))) {
        mood__free(l);
        return mood__enomem("catalog: listener");
    }
    snprintf(l->channel, sizeof l->channel, "%s", channel);
    if (!listener_connect(l)) {
        char msg[512];
        one_line(msg, sizeof msg, l->conn ? PQerrorMessage(l->conn) : "cannot connect");
        mood__db_listener_close(l);
        return mood__error(MOOD_EIO, "catalog %s: LISTEN %s: %s", db->name, channel, msg);
    }
    *out = l;
    return MOOD_OK;
}

/* Drain the notifications libpq has read; the number drained. */
static int drain(PGconn *conn)
{
    int n = 0;
    PGnotify *nf;
    while ((nf = PQnotifies(conn)) != NULL) {
        PQfreemem(nf);
        n++;
    }
    return n;
}

int mood__db_listener_wait(mood_db_listener *l, double timeout_s)
{
    if (!l->conn && !listener_connect(l))
        return -1;
    if (!PQconsumeInput(l->conn))
        goto lost;
    if (drain(l->conn))
        return 1;
    struct pollfd pfd = {PQsocket(l->conn), POLLIN, 0};
    int ms = timeout_s <= 0 ? 0 : (int)(timeout_s * 1000.0 + 0.5);
    int rc = poll(&pfd, 1, ms);
    if (rc <= 0)
        return 0; /* timeout, or a signal: the caller looks at the queue again */
    if (!PQconsumeInput(l->conn))
        goto lost;
    return drain(l->conn) > 0;
lost:
    /* The server went away: reconnect (and LISTEN again) on the next wait. */
    PQfinish(l->conn);
    l->conn = NULL;
    return -1;
}

void mood__db_listener_close(mood_db_listener *l)
{
    if (!l)
        return;
    PQfinish(l->conn);
    mood__free(l->uri);
    mood__free(l);
}

mood_status mood__db_notify(mood_db *db, const char *channel)
{
    char sql[96];
    if (db->kind != MOOD_DB_PG)
        return MOOD_OK;
    snprintf(sql, sizeof sql, "NOTIFY %s", channel);
    return pg_exec(db, "notify", sql);
}

mood_status mood__db_server_now(mood_db *db, double *out_epoch_s)
{
    mood_db_stmt *st;
    int row = 0;
    *out_epoch_s = 0;
    if (db->kind != MOOD_DB_PG)
        return mood__error(MOOD_EUNSUPPORTED, "catalog %s: not a server", db->name);
    mood_status s = mood__db_prepare(db, "SELECT extract(epoch FROM now())::float8", &st);
    if (s == MOOD_OK)
        s = mood__db_step(st, &row);
    if (s == MOOD_OK && row)
        *out_epoch_s = mood__db_col_double(st, 0);
    else if (s == MOOD_OK)
        s = mood__error(MOOD_EIO, "catalog %s: the server returned no time", db->name);
    mood__db_finalize(st);
    return s;
}

#else /* !MOOD_HAVE_LIBPQ */

mood_status mood__db_listen(mood_db *db, const char *channel, mood_db_listener **out)
{
    (void)channel;
    *out = NULL;
    return mood__error(MOOD_EUNSUPPORTED, "catalog %s: LISTEN needs PostgreSQL", db->name);
}

int mood__db_listener_wait(mood_db_listener *l, double timeout_s)
{
    (void)l;
    (void)timeout_s;
    return -1;
}

void mood__db_listener_close(mood_db_listener *l)
{
    (void)l;
}

mood_status mood__db_notify(mood_db *db, const char *channel)
{
    (void)db;
    (void)channel;
    return MOOD_OK;
}

mood_status mood__db_server_now(mood_db *db, double *out_epoch_s)
{
    *out_epoch_s = 0;
    return mood__error(MOOD_EUNSUPPORTED, "catalog %s: not a server", db->name);
}

mood_status mood__db_pg_open(const char *uri, mood_db *db)
{
    (void)uri;
    return mood__error(MOOD_EUNSUPPORTED,
                       "catalog %s: this moodscope was built without PostgreSQL (libpq-dev)",
                       db->name);
}

#endif
