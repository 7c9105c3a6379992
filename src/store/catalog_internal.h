/*
 * The catalog's connection for the layers above the store (audio library and job queue,
 * history, recommend, Subsonic): with db_internal.h this is the store's API for them. They
 * reach their tables only through the database layer (mood__db_*), on either backend, and
 * version their tables with mood__catalog_migrate_any(). Never installed.
 */
#ifndef MOOD_CATALOG_INTERNAL_H
#define MOOD_CATALOG_INTERNAL_H

#include <moodscope/catalog.h>

#include "db_internal.h"

/* The catalog's connection in the database layer (db_internal.h), for either backend. */
mood_db *mood__catalog_dbh(mood_catalog *cat);
/* 1 on a PostgreSQL catalog. */
int mood__catalog_is_pg(const mood_catalog *cat);

/*
 * Bring @p component's tables to the newest version: @p sqlite_steps on a SQLite catalog,
 * @p pg_steps (the same tables in PostgreSQL types, n_steps of each) on a PostgreSQL one.
 * steps[v] upgrades version v to v+1 and is run, with the version bump, inside one
 * transaction. A catalog at a version newer than n_steps is refused (EFORMAT). Call it at the
 * start of every public function that touches the component's tables; it costs one indexed
 * lookup when nothing is to do.
 */
mood_status mood__catalog_migrate_any(mood_catalog *cat, const char *component,
                                      const char *const *sqlite_steps, const char *const *pg_steps,
                                      size_t n_steps);

/* One table for mood_catalog_copy(): its columns in insert order with their types (one letter
 * per column: i integer, d double, t text, b blob), the ORDER BY giving a stable row order, and
 * the serial id column (PostgreSQL sequence to move past the copied ids) or NULL. */
typedef struct mood_catalog_table {
    const char *name, *cols, *types, *order, *serial;
} mood_catalog_table;

/* A subsystem's tables and the migration that creates them on a catalog. */
struct mood_catalog_part {
    const char *what; /* for messages */
    mood_status (*migrate)(mood_catalog *cat);
    const mood_catalog_table *tables;
    size_t n_tables;
};

/* Run one or more SQL statements without results; errors name @p what and the backend's message. */
mood_status mood__catalog_exec(mood_catalog *cat, const char *what, const char *sql);
/* Set an error from the connection's last backend message. */
mood_status mood__catalog_error(mood_catalog *cat, const char *what);

#endif
