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

/* FNV-1a of @p len bytes at @p data, continuing from @p h. */
uint64_t mood__fnv1a(const void *data, size_t len, uint64_t h);
/* FNV-1a of the NUL-terminated string @p s (the terminator not included), from MOOD_FNV_OFFSET. */
uint64_t mood__fnv1a_str(const char *s);

#endif
