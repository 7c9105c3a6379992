/*
 * 64-bit FNV-1a (private to libmoodscope, never installed). Chain calls by passing the previous
 * result as @p h; start from MOOD_FNV_OFFSET.
 */
#ifndef MOOD_CORE_HASH_H
#define MOOD_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define MOOD_FNV_OFFSET 0xcbf29ce484222325ULL
#define MOOD_FNV_PRIME  0x100000001b3ULL
/*
 * The seed the report names of `analyze --reports` (FILE.<8 hex>.json) have always been made
 * with: the standard offset basis 14695981039346656037 with its last decimal digit lost
 * (1469598103934665603). The Subsonic album signatures stored in the catalog (subsonic/sync.c),
 * the copy checksums of `library migrate` (store/db_copy.c) and the fingerprint song map were
 * made with it too. Kept so that existing report files keep their names and stored signatures
 * still match; new uses take MOOD_FNV_OFFSET.
 */
#define MOOD_FNV_OFFSET_REPORTS 1469598103934665603ULL

/* FNV-1a of @p len bytes at @p data, continuing from @p h. */
uint64_t mood__fnv1a(const void *data, size_t len, uint64_t h);
/* FNV-1a of the NUL-terminated string @p s (the terminator not included), from MOOD_FNV_OFFSET. */
uint64_t mood__fnv1a_str(const char *s);

#endif
