/*
 * Helpers shared by the libFuzzer targets: write the input to a file under $FUZZ_WORK (the
 * parsers under test take paths), and abort with a note when a property fails.
 */
#ifndef MOOD_FUZZ_UTIL_H
#define MOOD_FUZZ_UTIL_H

#include <moodscope/status.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A folder for this process's files: $FUZZ_WORK/<pid> (or /tmp/moodscope-fuzz-<pid>). */
static inline const char *fuzz_dir(void)
{
    static char dir[512];
    if (!dir[0]) {
        const char *w = getenv("FUZZ_WORK");
        char cmd[600];
        snprintf(dir, sizeof dir, "%s/%ld", w && w[0] ? w : "/tmp/moodscope-fuzz", (long)getpid());
        snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
        if (system(cmd) != 0)
            abort();
    }
    return dir;
}

/* Write @p n bytes to <fuzz_dir>/<name>; returns the path (static buffer per call site). */
static inline void fuzz_write(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(data, 1, n, f) != n) || fclose(f) != 0)
        abort();
}

static inline void fuzz_check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "property failed: %s (%s)\n", what, mood_last_error());
        abort();
    }
}

/* A failed call must leave a message that names something (never an empty error). */
static inline void fuzz_error_named(mood_status s)
{
    if (s != MOOD_OK)
        fuzz_check(mood_last_error() && mood_last_error()[0], "error without a message");
}

#endif
