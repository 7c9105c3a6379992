/*
 * Private access to the catalog's SQLite handle for the store's own files
 * (catalog_tracks.c, catalog_plays.c, ...). Never installed.
 */
#ifndef MOOD_CATALOG_INTERNAL_H
#define MOOD_CATALOG_INTERNAL_H

#include <moodscope/catalog.h>

#include <sqlite3.h>

sqlite3 *mood__catalog_db(mood_catalog *cat);

/*
 * Bring @p component's tables to the newest version: steps[v] upgrades version v to v+1 and is
 * run, with the version bump, inside one transaction. A catalog at a version newer than
 * n_steps is refused (EFORMAT). Call it at the start of every public function that touches the
 * component's tables; it costs one indexed lookup when nothing is to do.
 */
mood_status mood__catalog_migrate(mood_catalog *cat, const char *component,
                                  const char *const *steps, size_t n_steps);

/* Run one or more SQL statements without results; errors name @p what and SQLite's message. */
mood_status mood__catalog_exec(mood_catalog *cat, const char *what, const char *sql);
/* Set an error from the connection's last SQLite message. */
mood_status mood__catalog_error(mood_catalog *cat, const char *what);

#endif
