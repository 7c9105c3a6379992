/*
 * mood_catalog_copy (`library migrate FROM TO`): copy the tables of the given subsystems
 * between catalogs (SQLite file <-> PostgreSQL, or like to like). Each table is read in key
 * order and inserted into the target inside one transaction; a checksum (FNV-1a over every
 * value, with its type) is taken of the rows read and of the rows read back from the target,
 * and the copy is committed only when counts and checksums agree. A SQLite target is built in a
 * temporary file that is renamed into place; a PostgreSQL target must be empty and is filled in
 * one transaction, so a failed copy leaves nothing behind. The subsystems' own migrations
 * create their tables on both sides first (so an older source catalog is brought up to date).
 */
#define _POSIX_C_SOURCE 200809L
#include "catalog_internal.h"

#include "../core/hash.h"
#include "../core/internal.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void fnv(uint64_t *h, const void *p, size_t n)
{
    *h = mood__fnv1a(p, n, *h);
}

/* Hash column @p c of the current row and, with @p ins, bind it as parameter c + 1. */
static void take_value(mood_db_stmt *st, int c, char type, uint64_t *h, mood_db_stmt *ins)
{
    char buf[40];
    size_t n = 0;
    const void *b;
    if (mood__db_col_null(st, c)) {
        fnv(h, "N", 1);
        if (ins)
            mood__db_bind_null(ins, c + 1);
        return;
    }
    fnv(h, &type, 1);
    if (type == 'i') {
        int64_t v = mood__db_col_int64(st, c);
        n = (size_t)snprintf(buf, sizeof buf, "%lld", (long long)v);
        fnv(h, buf, n);
        if (ins)
            mood__db_bind_int64(ins, c + 1, v);
    } else if (type == 'd') {
        double v = mood__db_col_double(st, c);
        n = (size_t)snprintf(buf, sizeof buf, "%.17g", v);
        fnv(h, buf, n);
        if (ins)
            mood__db_bind_double(ins, c + 1, v);
    } else if (type == 't') {
        const char *v = mood__db_col_text(st, c);
        fnv(h, v, strlen(v) + 1);
        if (ins)
            mood__db_bind_text(ins, c + 1, v);
    } else {
        b = mood__db_col_blob(st, c, &n);
        fnv(h, b, n);
        if (ins)
            mood__db_bind_blob(ins, c + 1, b, n);
    }
}

/* Read every row of @p t from @p src (counting and hashing) and insert it into @p dst. */
static mood_status scan(mood_db *src, mood_db *dst, const mood_catalog_table *t, int64_t *out_n,
                        uint64_t *out_h)
{
    char sel[1024], ins_sql[2048], marks[256] = "";
    mood_db_stmt *st = NULL, *ins = NULL;
    int nc = (int)strlen(t->types), row = 1;
    *out_n = 0;
    *out_h = MOOD_FNV_OFFSET_REPORTS;
    for (int c = 0; c < nc; c++)
        strcat(marks, c ? ", ?" : "?");
    snprintf(sel, sizeof sel, "SELECT %s FROM %s ORDER BY %s", t->cols, t->name, t->order);
    snprintf(ins_sql, sizeof ins_sql, "INSERT INTO %s(%s) VALUES(%s)", t->name, t->cols, marks);
    mood_status s = mood__db_prepare(src, sel, &st);
    if (s == MOOD_OK && dst)
        s = mood__db_prepare(dst, ins_sql, &ins);
    while (s == MOOD_OK) {
        s = mood__db_step(st, &row);
        if (s != MOOD_OK || !row)
            break;
        if (ins) {
            mood__db_reset(ins);
            mood__db_clear_bindings(ins);
        }
        for (int c = 0; c < nc; c++)
            take_value(st, c, t->types[c], out_h, ins);
        if (ins)
            s = mood__db_run(ins);
        (*out_n)++;
    }
    mood__db_finalize(ins);
    mood__db_finalize(st);
    return s;
}

/* Copy and verify one table; one report line. */
static mood_status copy_table(mood_db *src, mood_db *dst, const mood_catalog_table *t,
                              void (*report)(void *, const char *), void *user)
{
    int64_t n1, n2;
    uint64_t h1, h2;
    char line[256];
    mood_status s = scan(src, dst, t, &n1, &h1);
    if (s == MOOD_OK)
        s = scan(dst, NULL, t, &n2, &h2);
    if (s != MOOD_OK)
        return s;
    if (n1 != n2 || h1 != h2)
        return mood__error(MOOD_EINTERNAL,
                           "library migrate: %s: %lld rows (checksum %016llx) read, %lld "
                           "(%016llx) in the target; nothing written",
                           t->name, (long long)n1, (unsigned long long)h1, (long long)n2,
                           (unsigned long long)h2);
    snprintf(line, sizeof line, "%s: %lld rows, checksum %016llx (verified)", t->name,
             (long long)n1, (unsigned long long)h1);
    if (report)
        report(user, line);
    if (!t->serial || mood__db_kind(dst) != MOOD_DB_PG)
        return MOOD_OK;
    /* New rows on PostgreSQL take ids after the copied ones. */
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT setval(pg_get_serial_sequence('%s', '%s'), "
             "COALESCE((SELECT max(%s) FROM %s), 0) + 1, false)",
             t->name, t->serial, t->serial, t->name);
    return mood__db_exec(dst, "sequences", sql);
}

static mood_status copy_all(mood_catalog *from, mood_catalog *to,
                            const mood_catalog_part *const *parts, size_t n_parts,
                            void (*report)(void *, const char *), void *user)
{
    mood_db *src = mood__catalog_dbh(from), *dst = mood__catalog_dbh(to);
    mood_status s = MOOD_OK;
    for (size_t p = 0; s == MOOD_OK && p < n_parts; p++)
        for (size_t i = 0; s == MOOD_OK && i < parts[p]->n_tables; i++)
            s = copy_table(src, dst, &parts[p]->tables[i], report, user);
    return s;
}

static mood_status open_migrated(const char *target, const mood_catalog_part *const *parts,
                                 size_t n_parts, mood_catalog **out)
{
    mood_status s = mood_catalog_open(target, out);
    for (size_t p = 0; s == MOOD_OK && p < n_parts; p++)
        s = parts[p]->migrate(*out);
    if (s != MOOD_OK) {
        mood_catalog_close(*out);
        *out = NULL;
    }
    return s;
}

/* A PostgreSQL target must hold no rows of the copied tables. */
static mood_status target_empty(mood_catalog *to, const char *name,
                                const mood_catalog_part *const *parts, size_t n_parts)
{
    mood_status s = MOOD_OK;
    for (size_t p = 0; s == MOOD_OK && p < n_parts; p++)
        for (size_t i = 0; s == MOOD_OK && i < parts[p]->n_tables; i++) {
            const char *t = parts[p]->tables[i].name;
            char sql[256];
            mood_db_stmt *st = NULL;
            int row = 0;
            snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", t);
            s = mood__db_prepare(mood__catalog_dbh(to), sql, &st);
            if (s == MOOD_OK)
                s = mood__db_step(st, &row);
            if (s == MOOD_OK && row && mood__db_col_int64(st, 0) > 0)
                s = mood__error(MOOD_EINVAL,
                                "library migrate: target %s already holds %s (table %s; "
                                "expected an empty catalog)",
                                name, parts[p]->what, t);
            mood__db_finalize(st);
        }
    return s;
}

static void unlink_sqlite(const char *path)
{
    char p[4200];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

mood_status mood_catalog_copy(const char *from, const char *to,
                              const mood_catalog_part *const *parts, size_t n_parts,
                              void (*report)(void *user, const char *line), void *user)
{
    mood_catalog *src = NULL, *dst = NULL;
    char tmp[4200];
    struct stat sb;
    if (!from || !to)
        return mood__error(MOOD_EINVAL, "library migrate: expected FROM and TO");
    int to_pg = mood__db_is_pg_target(to);
    if (!to_pg && stat(to, &sb) == 0)
        return mood__error(MOOD_EINVAL, "library migrate: %s exists (expected a new file)", to);
    snprintf(tmp, sizeof tmp, "%s.migrate-%ld", to, (long)getpid());
    mood_status s = open_migrated(from, parts, n_parts, &src);
    if (s == MOOD_OK)
        s = open_migrated(to_pg ? to : tmp, parts, n_parts, &dst);
    if (s == MOOD_OK && to_pg)
        s = target_empty(dst, to, parts, n_parts);
    if (s == MOOD_OK)
        s = mood__db_begin(mood__catalog_dbh(dst));
    if (s == MOOD_OK) {
        s = copy_all(src, dst, parts, n_parts, report, user);
        if (s == MOOD_OK)
            s = mood__db_commit(mood__catalog_dbh(dst));
        else
            mood__db_rollback(mood__catalog_dbh(dst));
    }
    mood_catalog_close(src);
    mood_catalog_close(dst);
    if (!to_pg && s == MOOD_OK && rename(tmp, to) != 0)
        s = mood__error(MOOD_EIO, "library migrate: cannot rename %s to %s", tmp, to);
    if (!to_pg && s != MOOD_OK)
        unlink_sqlite(tmp);
    return s;
}
