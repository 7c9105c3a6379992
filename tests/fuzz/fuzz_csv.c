/*
 * libFuzzer target for the CSV reader (built by tests/fuzz/build.sh with clang
 * -fsanitize=fuzzer,address,undefined). Besides "never crash, never leak", it checks two
 * properties on every input the reader accepts:
 *   - feature selection runs on the table (it must succeed or fail with EINVAL);
 *   - writing the table and reading it back gives the same shape, names and numbers (the
 *     writer quotes whatever the reader would otherwise split or trim).
 * The first input byte picks reader options so that the fuzzer explores them too.
 */
#define _POSIX_C_SOURCE 200809L
#include <moodscope/csv.h>
#include <moodscope/features.h>
#include <moodscope/table.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort (a crash for libFuzzer) with a note when a property fails. */
static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "property failed: %s (%s)\n", what, mood_last_error());
        abort();
    }
}

static void round_trip(const mood_table *t)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    mood_table *back = NULL;
    mood_csv_options o;
    size_t n = mood_table_rows(t), ncols = mood_table_cols(t);
    check(fp != NULL, "open_memstream");
    check(mood_csv_write_fp(fp, t, NULL) == MOOD_OK, "write");
    fclose(fp);
    mood_csv_options_default(&o);
    o.delimiter = ',';
    o.keep_index = 1;
    /* A one-column table's empty cells are written as blank lines, which readers skip. */
    if (ncols > 1) {
        check(mood_csv_read_buffer("roundtrip.csv", buf, len, &o, &back) == MOOD_OK, "read back");
        check(mood_table_rows(back) == n, "row count");
        check(mood_table_cols(back) == ncols, "column count");
        for (size_t j = 0; j < ncols; j++) {
            check(strcmp(mood_table_col_name(t, j), mood_table_col_name(back, j)) == 0, "name");
            if (mood_table_col_kind(t, j) != MOOD_COL_NUM ||
                mood_table_col_kind(back, j) != MOOD_COL_NUM)
                continue;
            const float *a = mood_table_num_const(t, j), *b = mood_table_num_const(back, j);
            for (size_t i = 0; i < n; i++)
                check((isnan(a[i]) && isnan(b[i])) || a[i] == b[i], "number");
        }
        mood_table_destroy(back);
    }
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char delims[4] = {0, ',', ';', '\t'};
    mood_csv_options o;
    mood_table *t = NULL;
    unsigned flags = 0;
    mood_csv_options_default(&o);
    if (size > 0) {
        flags = data[0];
        data++;
        size--;
    }
    o.keep_index = flags & 1;
    o.delimiter = delims[(flags >> 1) & 3];
    o.max_rows = (flags & 8) ? 3 : 0;
    const char *name = (flags & 16) ? "fuzz.tsv" : "fuzz.csv";
    mood_status s = mood_csv_read_buffer(name, (const char *)data, size, &o, &t);
    if (s != MOOD_OK) {
        check(t == NULL, "no table on error");
        check(mood_last_error()[0] != '\0', "message on error");
        return 0;
    }
    mood_feature_list fl;
    s = mood_features_select(t, NULL, &fl);
    check(s == MOOD_OK || s == MOOD_EINVAL, "feature selection status");
    mood_feature_list_free(&fl);
    round_trip(t);
    mood_table_destroy(t);
    return 0;
}
