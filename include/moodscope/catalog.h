/**
 * @file catalog.h
 * @brief The catalog: a SQLite file or a PostgreSQL database holding tracks, analyses, feature
 * vectors, plays, sessions, Subsonic mirrors and the runs index. Created on first use; each
 * subsystem versions and migrates its own tables.
 * @code
 * char path[4096];
 * mood_catalog_default_path(path, sizeof path);
 * mood_catalog *cat;
 * if (mood_catalog_open(path, &cat) == MOOD_OK) { ...; mood_catalog_close(cat); }
 * @endcode
 * A catalog handle is used by one thread at a time; open one handle per thread.
 */
#ifndef MOODSCOPE_CATALOG_H
#define MOODSCOPE_CATALOG_H

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mood_catalog mood_catalog;

/**
 * @brief The default catalog path: $MOODSCOPE_CATALOG, else $XDG_DATA_HOME/moodscope/catalog.db,
 * else $HOME/.local/share/moodscope/catalog.db.
 * @return ::MOOD_EINVAL when @p cap is too small or no HOME is set.
 */
MOOD_API mood_status mood_catalog_default_path(char *buf, size_t cap);
/**
 * @brief Open (creating file and parent directories if needed) the catalog at @p path and bring
 * the core schema up to date. WAL journal, foreign keys on, 5 s busy timeout.
 * @return ::MOOD_EIO naming the path and SQLite's message; ::MOOD_EFORMAT when the file is not
 * a moodscope catalog or was written by a newer version.
 */
MOOD_API mood_status mood_catalog_open(const char *path, mood_catalog **out);
/** @brief Close @p cat; accepts NULL. */
MOOD_API void mood_catalog_close(mood_catalog *cat);
/** @brief The path the catalog was opened from. */
MOOD_API const char *mood_catalog_path(const mood_catalog *cat);
/** @brief Schema version of @p component ("core", "tracks", "history"...); 0 when absent. */
MOOD_API int mood_catalog_schema_version(mood_catalog *cat, const char *component);

/**
 * @brief The tables of one subsystem as `library migrate` copies them (opaque; each subsystem
 * gives its own: mood_library_catalog_part(), mood_history_catalog_part(),
 * mood_subsonic_catalog_part(), mood_stable_catalog_part()).
 */
typedef struct mood_catalog_part mood_catalog_part;

/**
 * @brief Copy the tables of @p parts from catalog @p from to the new catalog @p to (each a
 * SQLite file or postgresql://...), both directions and like to like. Every table is read in
 * key order and inserted into the target in one transaction; the row count and a checksum
 * (FNV-1a over every value with its type) of the rows read and of the rows read back from the
 * target must agree before it is committed. A SQLite @p to must not exist (it is written to a
 * temporary file and renamed); a PostgreSQL @p to must hold no rows of these tables.
 * @p report (may be NULL) gets one line per table: "NAME: N rows, checksum H (verified)".
 * @return ::MOOD_EINVAL (target exists or is not empty), ::MOOD_EINTERNAL (verification
 * failed; nothing written), or the open / migration errors of either catalog.
 */
MOOD_API mood_status mood_catalog_copy(const char *from, const char *to,
                                       const mood_catalog_part *const *parts, size_t n_parts,
                                       void (*report)(void *user, const char *line), void *user);

#ifdef __cplusplus
}
#endif
#endif
