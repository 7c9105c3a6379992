/*
 * The one 64-bit FNV-1a of the library (http://www.isthe.com/chongo/tech/comp/fnv/): checksums of
 * model files and feature blocks, short run-id and report-name hashes, and the open-addressing
 * string tables of the CSV reader, the label metrics and the id sidecar. FNV-1a is not a
 * cryptographic hash; it is short, well spread for short strings and the same on every platform.
 */
#include "hash.h"

uint64_t mood__fnv1a(const void *data, size_t len, uint64_t h)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= MOOD_FNV_PRIME;
    }
    return h;
}

uint64_t mood__fnv1a_str(const char *s)
{
    uint64_t h = MOOD_FNV_OFFSET;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= MOOD_FNV_PRIME;
    }
    return h;
}
