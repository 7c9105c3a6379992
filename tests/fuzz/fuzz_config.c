/*
 * libFuzzer target for run configuration files (src/store/config.c): JSON with // and block
 * comments, a list, a {"runs": [...]} object or one run object. Never crash or leak; a
 * rejected file has a message; an accepted one has n >= 1 configs whose strings are readable
 * and whose numbers are in the documented ranges.
 */
#include "fuzz_util.h"

#include <moodscope/run.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[600];
    mood_run_config *c = NULL;
    size_t n = 0;
    void *arena = NULL;
    mood_status s;
    snprintf(path, sizeof path, "%s/runs.json", fuzz_dir());
    fuzz_write(path, data, size);
    s = mood_run_configs_parse(path, &c, &n, &arena);
    fuzz_error_named(s);
    if (s != MOOD_OK) {
        fuzz_check(c == NULL && n == 0 && arena == NULL, "outputs cleared on failure");
        return 0;
    }
    fuzz_check(n >= 1 && c != NULL, "at least one config");
    for (size_t i = 0; i < n; i++) {
        volatile size_t len = 0;
        if (c[i].name)
            len += strlen(c[i].name);
        if (c[i].features)
            len += strlen(c[i].features);
        if (c[i].label_column)
            len += strlen(c[i].label_column);
        (void)len;
        fuzz_check(c[i].auto_k || c[i].cluster.k >= 1 || c[i].search, "k >= 1 unless chosen");
    }
    mood_run_configs_free(c, arena);
    return 0;
}
