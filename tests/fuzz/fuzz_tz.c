/*
 * libFuzzer target for the TZif reader (src/history/tz.c): transition tables, version 2+
 * 64-bit blocks and the POSIX TZ rule of the footer. Never crash or leak; a refused file has a
 * message; an accepted zone gives offsets within -25..+26 hours at instants spread over
 * 1900..2100 and around its own transitions, and the same offset twice.
 */
#include "fuzz_util.h"

#include "history/history_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hist_zone *z = NULL;
    mood_status s = mood__hist_tzif_parse("fuzz", data, size, &z);
    fuzz_error_named(s);
    if (s != MOOD_OK) {
        fuzz_check(z == NULL, "no zone on failure");
        return 0;
    }
    for (int64_t t = -2208988800LL; t < 4102444800LL; t += 86400LL * 97 + 3601) {
        long off = mood__hist_zone_offset(z, t);
        fuzz_check(off >= -25 * 3600L && off <= 26 * 3600L, "offset in range");
        fuzz_check(off == mood__hist_zone_offset(z, t), "same offset twice");
    }
    for (size_t i = 0; i + 8 <= size && i < 4096; i += 8) {
        int64_t t = 0;
        memcpy(&t, data + i, 8);
        long off = mood__hist_zone_offset(z, t / 2); /* halved: no overflow at +-2^63 */
        fuzz_check(off >= -25 * 3600L && off <= 26 * 3600L, "offset in range (any instant)");
    }
    mood__hist_zone_free(z);
    return 0;
}
