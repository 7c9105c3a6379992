/*
 * The embedded catalog (SQLite). This file opens the database, keeps the per-component schema
 * versions and runs migrations; each kind of record has its own catalog_<kind>.c.
 */
#define _POSIX_C_SOURCE 200809L
#include "catalog_internal.h"

#include "../core/internal.h"

#include <moodscope/fileio.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mood_catalog {
    sqlite3 *db;
    char *path;
};

sqlite3 *mood__catalog_db(mood_catalog *cat)
{
    return cat->db;
}

const char *mood_catalog_path(const mood_catalog *cat)
{
    return cat->path;
}

mood_status mood_catalog_default_path(char *buf, size_t cap)
{
    const char *env = getenv("MOODSCOPE_CATALOG");
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    int n;
    if (env && env[0])
        n = snprintf(buf, cap, "%s", env);
    else if (xdg && xdg[0])
        n = snprintf(buf, cap, "%s/moodscope/catalog.db", xdg);
    else if (home && home[0])
        n = snprintf(buf, cap, "%s/.local/share/moodscope/catalog.db", home);
    else
        return mood__error(MOOD_EINVAL, "catalog: set MOODSCOPE_CATALOG or HOME");
    if (n < 0 || (size_t)n >= cap)
        return mood__error(MOOD_EINVAL, "catalog: path too long");
    return MOOD_OK;
}

mood_status mood__catalog_error(mood_catalog *cat, const char *what)
{
    return mood__error(MOOD_EIO, "catalog %s: %s: %s", cat->path, what, sqlite3_errmsg(cat->db));
}

mood_status mood__catalog_exec(mood_catalog *cat, const char *what, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(cat->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        mood_status s =
            mood__error(MOOD_EIO, "catalog %s: %s: %s", cat->path, what, msg ? msg : "error");
        sqlite3_free(msg);
        return s;
    }
    return MOOD_OK;
}

int mood_catalog_schema_version(mood_catalog *cat, const char *component)
{
    sqlite3_stmt *st;
    int v = 0;
    if (sqlite3_prepare_v2(cat->db, "SELECT version FROM schema_versions WHERE component = ?", -1,
                           &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, component, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

mood_status mood__catalog_migrate(mood_catalog *cat, const char *component,
                                  const char *const *steps, size_t n_steps)
{
    int v = mood_catalog_schema_version(cat, component);
    if (v == (int)n_steps)
        return MOOD_OK;
    if (v > (int)n_steps)
        return mood__error(MOOD_EFORMAT,
                           "catalog %s: '%s' tables are at version %d, this moodscope knows %zu; "
                           "upgrade moodscope",
                           cat->path, component, v, n_steps);
    for (size_t i = (size_t)v; i < n_steps; i++) {
        sqlite3_stmt *st;
        mood_status s = mood__catalog_exec(cat, "migrate", "BEGIN IMMEDIATE");
        if (s != MOOD_OK)
            return s;
        s = mood__catalog_exec(cat, component, steps[i]);
        if (s == MOOD_OK) {
            if (sqlite3_prepare_v2(
                    cat->db,
                    "INSERT INTO schema_versions(component, version) VALUES(?, ?) "
                    "ON CONFLICT(component) DO UPDATE SET version = excluded.version",
                    -1, &st, NULL) != SQLITE_OK)
                s = mood__catalog_error(cat, "migrate");
            else {
                sqlite3_bind_text(st, 1, component, -1, SQLITE_STATIC);
                sqlite3_bind_int(st, 2, (int)i + 1);
                if (sqlite3_step(st) != SQLITE_DONE)
                    s = mood__catalog_error(cat, "migrate");
                sqlite3_finalize(st);
            }
        }
        if (s != MOOD_OK) {
            sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
            return s;
        }
        if ((s = mood__catalog_exec(cat, "migrate", "COMMIT")) != MOOD_OK)
            return s;
    }
    return MOOD_OK;
}

static const char *const core_steps[] = {
    /* v1: the runs index (the run files themselves stay under runs/). */
    "CREATE TABLE runs ("
    "  run_id TEXT PRIMARY KEY, created_utc TEXT NOT NULL, dir TEXT NOT NULL,"
    "  algorithm TEXT, k INTEGER, n_rows INTEGER, silhouette REAL, score REAL);",
};

mood_status mood_catalog_open(const char *path, mood_catalog **out)
{
    mood_catalog *cat;
    mood_status s;
    char *dir;
    *out = NULL;
    if (!path || !path[0])
        return mood__error(MOOD_EINVAL, "catalog: empty path");
    dir = mood__strdup(path);
    if (!dir)
        return mood__enomem("catalog");
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if ((s = mood_mkdirs(dir)) != MOOD_OK) {
            mood__free(dir);
            return s;
        }
    }
    mood__free(dir);
    cat = mood__calloc(1, sizeof *cat);
    if (!cat || !(cat->path = mood__strdup(path))) {
        mood__free(cat);
        return mood__enomem("catalog");
    }
    if (sqlite3_open_v2(path, &cat->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        s = mood__catalog_error(cat, "open");
        mood_catalog_close(cat);
        return s;
    }
    sqlite3_busy_timeout(cat->db, 5000);
    s = mood__catalog_exec(cat, "open",
                           "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;"
                           "PRAGMA synchronous=NORMAL;"
                           "CREATE TABLE IF NOT EXISTS schema_versions("
                           "  component TEXT PRIMARY KEY, version INTEGER NOT NULL);");
    if (s != MOOD_OK) {
        /* SQLite reports a non-database file only when it first reads it. */
        s = mood__error(MOOD_EFORMAT, "catalog %s: not a moodscope catalog (%s)", path,
                        sqlite3_errmsg(cat->db));
        mood_catalog_close(cat);
        return s;
    }
    s = mood__catalog_migrate(cat, "core", core_steps, sizeof core_steps / sizeof *core_steps);
    if (s != MOOD_OK) {
        mood_catalog_close(cat);
        return s;
    }
    *out = cat;
    return MOOD_OK;
}

void mood_catalog_close(mood_catalog *cat)
{
    if (!cat)
        return;
    if (cat->db)
        sqlite3_close(cat->db);
    mood__free(cat->path);
    mood__free(cat);
}
