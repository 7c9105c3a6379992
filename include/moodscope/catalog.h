/**
 * @file catalog.h
 * @brief The catalog: one SQLite file holding tracks, analyses, feature vectors, plays,
 * sessions and the runs index. Created on first use; each subsystem versions and migrates its
 * own tables.
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

#ifdef __cplusplus
}
#endif
#endif
