/*
 * The catalog: a SQLite file (the embedded default) or a PostgreSQL database
 * (postgresql://...), both through the database layer (db.c). This file opens it, keeps the
 * per-component schema versions and runs migrations; each kind of record has its own file.
 */
#define _POSIX_C_SOURCE 200809L
#include "catalog_internal.h"

#include "../core/internal.h"

#include <moodscope/fileio.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mood_catalog {
    mood_db *db;
    char *path;
};

mood_db *mood__catalog_dbh(mood_catalog *cat)
{
    return cat->db;
}

int mood__catalog_is_pg(const mood_catalog *cat)
{
    return mood__db_kind(cat->db) == MOOD_DB_PG;
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
    return mood__error(MOOD_EIO, "catalog %s: %s: %s", cat->path, what,
                       mood__db_last_error(cat->db));
}

mood_status mood__catalog_exec(mood_catalog *cat, const char *what, const char *sql)
{
    return mood__db_exec(cat->db, what, sql);
}

int mood_catalog_schema_version(mood_catalog *cat, const char *component)
{
    return mood__db_schema_version(cat->db, component);
}

mood_status mood__catalog_migrate_any(mood_catalog *cat, const char *component,
                                      const char *const *sqlite_steps, const char *const *pg_steps,
                                      size_t n_steps)
{
    return mood__db_migrate(cat->db, component, mood__catalog_is_pg(cat) ? pg_steps : sqlite_steps,
                            n_steps);
}

static const char *const core_steps[] = {
    /* v1: the runs index (the run files themselves stay under runs/). */
    "CREATE TABLE runs ("
    "  run_id TEXT PRIMARY KEY, created_utc TEXT NOT NULL, dir TEXT NOT NULL,"
    "  algorithm TEXT, k INTEGER, n_rows INTEGER, silhouette REAL, score REAL);",
};

static const char *const core_steps_pg[] = {
    "CREATE TABLE runs ("
    "  run_id TEXT PRIMARY KEY, created_utc TEXT NOT NULL, dir TEXT NOT NULL,"
    "  algorithm TEXT, k BIGINT, n_rows BIGINT, silhouette DOUBLE PRECISION,"
    "  score DOUBLE PRECISION);",
};

/* The folder of a SQLite catalog file is created on first use. */
static mood_status make_parent(const char *path)
{
    mood_status s = MOOD_OK;
    char *dir = mood__strdup(path);
    if (!dir)
        return mood__enomem("catalog");
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        s = mood_mkdirs(dir);
    }
    mood__free(dir);
    return s;
}

mood_status mood_catalog_open(const char *path, mood_catalog **out)
{
    mood_catalog *cat;
    mood_status s;
    *out = NULL;
    if (!path || !path[0])
        return mood__error(MOOD_EINVAL, "catalog: empty path");
    if (!mood__db_is_pg_target(path)) {
        s = make_parent(path);
        if (s != MOOD_OK)
            return s;
    }
    cat = mood__calloc(1, sizeof *cat);
    if (!cat)
        return mood__enomem("catalog");
    s = mood__db_open(path, &cat->db);
    if (s != MOOD_OK) {
        mood__free(cat);
        return s;
    }
    cat->path = mood__strdup(mood__db_name(cat->db));
    if (!cat->path) {
        mood_catalog_close(cat);
        return mood__enomem("catalog");
    }
    s = mood__catalog_migrate_any(cat, "core", core_steps, core_steps_pg,
                                  sizeof core_steps / sizeof *core_steps);
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
    mood__db_close(cat->db);
    mood__free(cat->path);
    mood__free(cat);
}
