/*
 * The catalog side of the analysed library that audio offers to the subsystems above it
 * (declared as API in CMakeLists.txt, scripts/check-layers.sh): bring the "tracks" tables up
 * to date, look a file's stored facts up, and record one analysis (or failure) in one
 * transaction. Subsonic's analysis of streamed songs goes through these. Never installed.
 */
#ifndef MOOD_LIBRARY_STORE_H
#define MOOD_LIBRARY_STORE_H

#include <moodscope/library.h>

#include <stdint.h>

/* Bring the "tracks" component's tables up to date. */
mood_status mood__library_migrate(mood_catalog *cat);

/* Stored facts of @p path; out->found = 0 when the catalog has no row for it. */
typedef struct lib_known {
    int found;
    int64_t size_bytes, mtime_ns;
    int analysis_version;
    int ok; /* status "ok" */
} lib_known;
mood_status mood__library_lookup(mood_catalog *cat, const char *path, lib_known *out);

/* Record a successful analysis (tracks + analyses + feature_vectors) in one transaction. */
mood_status mood__library_store_ok(mood_catalog *cat, const char *path, int64_t size_bytes,
                                   int64_t mtime_ns, const mood_audio_result *r,
                                   const char *report_json, const char *report_path);
/* Record a failure (and drop any earlier analysis of the file) in one transaction. */
mood_status mood__library_store_failed(mood_catalog *cat, const char *path, int64_t size_bytes,
                                       int64_t mtime_ns, const char *reason);

#endif
