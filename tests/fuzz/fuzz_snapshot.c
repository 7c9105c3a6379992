/*
 * libFuzzer target for stored runs and snapshots (src/store/snapshot.c, runs.c, compare.c):
 * the input is split at its first NUL byte into a snapshot.json / run_metadata.json and a
 * model.json (re-sealed with a fresh checksum when the first byte is odd, as in fuzz_model.c),
 * written as runs/r1 and snapshots/s1; then the snapshots and runs are listed, the run's
 * metadata read, the run compared with itself, and the snapshot asked to predict a small
 * table. Never crash or leak; every failure has a message; a prediction file, when written,
 * is complete (atomic write).
 */
#include "fuzz_util.h"

#include "store/pipeline_internal.h"

#include <moodscope/csv.h>
#include <moodscope/fileio.h>
#include <moodscope/run.h>
#include <moodscope/table.h>

#include <jansson.h>

static void put(const char *dir, const char *sub, const char *file, const void *d, size_t n)
{
    char path[800];
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    fuzz_check(mood_mkdirs(path) == MOOD_OK, "mkdir");
    snprintf(path, sizeof path, "%s/%s/%s", dir, sub, file);
    fuzz_write(path, d, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char runs[600], snaps[600], out[700];
    const uint8_t *nul = size ? memchr(data + 1, 0, size - 1) : NULL;
    size_t meta_len = nul ? (size_t)(nul - data) : size;
    const uint8_t *model = nul ? nul + 1 : (const uint8_t *)"";
    size_t model_len = nul ? size - meta_len - 1 : 0;
    char *sealed = NULL;
    mood_snapshot_summary *sv = NULL;
    mood_run_summary *rv = NULL;
    size_t n = 0;
    char *json = NULL;
    mood_table *t = NULL;
    mood_status s;
    if (size && (data[0] & 1) && model_len) {
        json_t *j = json_loadb((const char *)model, model_len, 0, NULL);
        if (json_is_object(j)) {
            mood__model_json_seal(j);
            sealed = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(17));
        }
        json_decref(j);
    }
    snprintf(runs, sizeof runs, "%s/runs", fuzz_dir());
    snprintf(snaps, sizeof snaps, "%s/snapshots", fuzz_dir());
    snprintf(out, sizeof out, "%s/pred/out.csv", fuzz_dir());
    put(snaps, "s1", "snapshot.json", data, meta_len);
    put(snaps, "s1", "model.json", sealed ? sealed : (const char *)model,
        sealed ? strlen(sealed) : model_len);
    put(runs, "r1", "run_metadata.json", data, meta_len);
    put(runs, "r1", "model.json", sealed ? sealed : (const char *)model,
        sealed ? strlen(sealed) : model_len);
    free(sealed);

    s = mood_snapshots_list(snaps, &sv, &n);
    fuzz_check(s == MOOD_OK && n <= 1,
               "at most the one snapshot listed (unreadable ones are skipped)");
    mood_free(sv);
    s = mood_runs_list(runs, &rv, &n);
    fuzz_error_named(s);
    mood_free(rv);
    s = mood_run_read_metadata(runs, "r1", &json);
    fuzz_error_named(s);
    mood_free(json);
    json = NULL;
    s = mood_runs_compare(runs, "r1", "r1", &json);
    fuzz_error_named(s);
    mood_free(json);

    {
        static const float v[4] = {0.1f, 0.5f, 0.9f, 0.3f};
        static const char *const names[] = {"energy", "valence", "tempo", "x", "a", "b"};
        fuzz_check(mood_table_create(4, &t) == MOOD_OK, "table");
        for (size_t j = 0; j < sizeof names / sizeof *names; j++)
            fuzz_check(mood_table_add_num(t, names[j], v) == MOOD_OK, "column");
    }
    remove(out);
    s = mood_snapshot_predict(snaps, "s1", t, out);
    fuzz_error_named(s);
    if (s == MOOD_OK) {
        mood_table *back = NULL;
        fuzz_check(mood_csv_read(out, NULL, &back) == MOOD_OK, "prediction readable");
        fuzz_check(mood_table_rows(back) == 4, "all rows predicted");
        mood_table_destroy(back);
    }
    mood_table_destroy(t);
    return 0;
}
