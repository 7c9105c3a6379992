/*
 * libFuzzer target for the CSV reader (built by tests/fuzz/build.sh with clang
 * -fsanitize=fuzzer,address,undefined). Besides "never crash, never leak", it checks two
 * properties on every input the reader accepts:
 *   - feature selection runs on the table (it must succeed or fail with EINVAL);
 *   - writing the table and reading it back gives the same shape, names and numbers (the
 *     writer quotes whatever the reader would otherwise split or trim);
 *   - reading the same bytes as a file, in chunks as small as the first byte chooses, gives the
 *     same table or the same error message as reading them from memory.
 * The first input byte picks reader options so that the fuzzer explores them too.
 */
#define _GNU_SOURCE /* memfd_create */
#include "csv_scan.h"

#include <moodscope/csv.h>
#include <moodscope/features.h>
#include <moodscope/table.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

static int same_tables(const mood_table *a, const mood_table *b)
{
    if (mood_table_rows(a) != mood_table_rows(b) || mood_table_cols(a) != mood_table_cols(b))
        return 0;
    for (size_t j = 0; j < mood_table_cols(a); j++) {
        if (strcmp(mood_table_col_name(a, j), mood_table_col_name(b, j)) != 0 ||
            mood_table_col_kind(a, j) != mood_table_col_kind(b, j))
            return 0;
        for (size_t i = 0; i < mood_table_rows(a); i++) {
            if (mood_table_col_kind(a, j) == MOOD_COL_STR) {
                if (strcmp(mood_table_str(a, j, i), mood_table_str(b, j, i)) != 0)
                    return 0;
            } else {
                float x = mood_table_num_const(a, j)[i], y = mood_table_num_const(b, j)[i];
                if (!((isnan(x) && isnan(y)) || x == y))
                    return 0;
            }
        }
    }
    return 1;
}

/* The same bytes through the chunked file reader (a memfd is a regular file). */
static void file_vs_memory(const uint8_t *data, size_t size, const mood_csv_options *o,
                           size_t chunk)
{
    static int fd = -1;
    char path[64], want[1024];
    mood_table *a = NULL, *b = NULL;
    if (fd < 0)
        fd = memfd_create("fuzz_csv", 0);
    check(fd >= 0, "memfd_create");
    check(ftruncate(fd, 0) == 0 && pwrite(fd, data, size, 0) == (ssize_t)size, "memfd write");
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    mood_status sa = mood_csv_read_buffer(path, (const char *)data, size, o, &a);
    snprintf(want, sizeof want, "%s", mood_last_error());
    size_t saved = mood__csv_chunk_bytes;
    mood__csv_chunk_bytes = chunk;
    mood_status sb = mood_csv_read(path, o, &b);
    mood__csv_chunk_bytes = saved;
    /* A NUL byte is found up front in memory but only when its chunk is read from a file. */
    if (!memchr(data, 0, size)) {
        check(sa == sb, "same status from a file");
        if (sa == MOOD_OK)
            check(same_tables(a, b), "same table from a file");
        else
            check(strcmp(want, mood_last_error()) == 0, "same message from a file");
    }
    mood_table_destroy(a);
    mood_table_destroy(b);
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
    file_vs_memory(data, size, &o, 1 + ((flags >> 5) & 7) * 5);
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
