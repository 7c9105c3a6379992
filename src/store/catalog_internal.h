/*
 * Private access to the catalog's SQLite handle for the store's own files
 * (catalog_tracks.c, catalog_plays.c, ...). Never installed.
 */
#ifndef MOOD_CATALOG_INTERNAL_H
#define MOOD_CATALOG_INTERNAL_H

#include <moodscope/catalog.h>

#include "db_internal.h"

#include <sqlite3.h>

/* The SQLite handle; NULL on a PostgreSQL catalog (whose components use mood__catalog_dbh). */
sqlite3 *mood__catalog_db(mood_catalog *cat);
/* The catalog's connection in the database layer (db_internal.h), for either backend. */
mood_db *mood__catalog_dbh(mood_catalog *cat);
/* 1 on a PostgreSQL catalog. */
int mood__catalog_is_pg(const mood_catalog *cat);

/*
 * Migrations of a component ported to the database layer: @p sqlite_steps on a SQLite
 * catalog, @p pg_steps (the same tables in PostgreSQL types) on a PostgreSQL one.
 */
mood_status mood__catalog_migrate_any(mood_catalog *cat, const char *component,
                                      const char *const *sqlite_steps, const char *const *pg_steps,
                                      size_t n_steps);

/*
 * Bring @p component's tables to the newest version: steps[v] upgrades version v to v+1 and is
 * run, with the version bump, inside one transaction. A catalog at a version newer than
 * n_steps is refused (EFORMAT). On a PostgreSQL catalog a component not yet ported to the
 * database layer (history, Subsonic) is refused with one line saying so (EUNSUPPORTED). Call it at
 * the start of every public function that touches the component's tables; it costs one indexed
 * lookup when nothing is to do.
 */
mood_status mood__catalog_migrate(mood_catalog *cat, const char *component,
                                  const char *const *steps, size_t n_steps);

/* Run one or more SQL statements without results; errors name @p what and SQLite's message. */
mood_status mood__catalog_exec(mood_catalog *cat, const char *what, const char *sql);
/* Set an error from the connection's last SQLite message. */
mood_status mood__catalog_error(mood_catalog *cat, const char *what);

#endif
