/*
 * Known-answer tests for the CSV/TSV reader and writer: every dialect feature, every error
 * message (file, line, column), round trips, concatenation, allocation failures and the real
 * datasets in ../shared/datasets (their STATS.json gives the expected counts).
 */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"

#include "csv_internal.h"
#include "csv_scan.h"

#include <moodscope/csv.h>
#include <moodscope/fileio.h>
#include <moodscope/table.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ---------------------------------------------------------------------------- */

static mood_table *read_ok(const char *name, const char *text, const mood_csv_options *o)
{
    mood_table *t = NULL;
    MOOD_ASSERT_OK(mood_csv_read_buffer(name, text, strlen(text), o, &t));
    assert_non_null(t);
    return t;
}

/* Read must fail with @p status and a message containing every one of the NULL-ended parts. */
static void read_fails(const char *name, const char *text, size_t len, const mood_csv_options *o,
                       mood_status status, const char *const *parts)
{
    mood_table *t = (mood_table *)1;
    mood_status s = mood_csv_read_buffer(name, text, len, o, &t);
    if (s != status)
        print_error("expected %s, got %s: %s\n", mood_status_name(status), mood_status_name(s),
                    mood_last_error());
    assert_int_equal(s, status);
    assert_null(t);
    for (; *parts; parts++) {
        if (!strstr(mood_last_error(), *parts))
            print_error("message '%s' lacks '%s'\n", mood_last_error(), *parts);
        assert_non_null(strstr(mood_last_error(), *parts));
    }
}

#define READ_FAILS(name, text, status, ...)                                                        \
    do {                                                                                           \
        const char *parts_[] = {__VA_ARGS__, NULL};                                                \
        read_fails((name), (text), strlen(text), NULL, (status), parts_);                          \
    } while (0)

static size_t col(const mood_table *t, const char *name)
{
    size_t j = 0;
    MOOD_ASSERT_OK(mood_table_find(t, name, &j));
    return j;
}

static float num(const mood_table *t, const char *name, size_t i)
{
    size_t j = col(t, name);
    assert_int_equal(mood_table_col_kind(t, j), MOOD_COL_NUM);
    return mood_table_num_const(t, j)[i];
}

static const char *str(const mood_table *t, const char *name, size_t i)
{
    size_t j = col(t, name);
    assert_int_equal(mood_table_col_kind(t, j), MOOD_COL_STR);
    return mood_table_str(t, j, i);
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
    fclose(fp);
}

/* ---- dialect ----------------------------------------------------------------------------- */

static void test_basic(void **state)
{
    (void)state;
    mood_table *t = read_ok("a.csv", "energy,valence,title\n0.5,1,x\n0.25,-2,y\n", NULL);
    assert_int_equal(mood_table_rows(t), 2);
    assert_int_equal(mood_table_cols(t), 3);
    assert_string_equal(mood_table_col_name(t, 0), "energy");
    MOOD_ASSERT_NEAR(num(t, "energy", 1), 0.25, 0, 0);
    MOOD_ASSERT_NEAR(num(t, "valence", 1), -2, 0, 0);
    assert_string_equal(str(t, "title", 0), "x");
    mood_table_destroy(t);
    /* No newline at the end, blank lines in between, a single column. */
    t = read_ok("b.csv", "v\n1\n\n2\n\n\n3", NULL);
    assert_int_equal(mood_table_rows(t), 3);
    MOOD_ASSERT_NEAR(num(t, "v", 2), 3, 0, 0);
    mood_table_destroy(t);
}

static void test_quoting(void **state)
{
    (void)state;
    const char *text = "title,artist,energy\n"
                       "\"Hello, World\",\"The \"\"Best\"\" Band\",0.5\n"
                       "\"two\nlines\",\"a\r\nb\",\"0.75\"\n"
                       "  \"padded\"  ,say \"hi\",\" 1e-3 \"\n"
                       "\"\",\"x\"y,2\n";
    mood_table *t = read_ok("q.csv", text, NULL);
    assert_int_equal(mood_table_rows(t), 4);
    assert_string_equal(str(t, "title", 0), "Hello, World");
    assert_string_equal(str(t, "artist", 0), "The \"Best\" Band");
    assert_string_equal(str(t, "title", 1), "two\nlines");
    assert_string_equal(str(t, "artist", 1), "a\r\nb");
    MOOD_ASSERT_NEAR(num(t, "energy", 1), 0.75, 0, 0);
    assert_string_equal(str(t, "title", 2), "padded");
    assert_string_equal(str(t, "artist", 2), "say \"hi\"");
    MOOD_ASSERT_NEAR(num(t, "energy", 2), 1e-3, 1e-7, 0);
    assert_string_equal(str(t, "title", 3), "");
    assert_string_equal(str(t, "artist", 3), "xy");
    mood_table_destroy(t);
}

static void test_crlf_bom(void **state)
{
    (void)state;
    mood_table *t = read_ok("w.csv", "\xEF\xBB\xBFid,energy\r\nA,0.5\r\nB,0.25\r\n", NULL);
    assert_int_equal(mood_table_rows(t), 2);
    assert_string_equal(mood_table_col_name(t, 0), "id");
    assert_string_equal(str(t, "id", 1), "B");
    MOOD_ASSERT_NEAR(num(t, "energy", 1), 0.25, 0, 0);
    mood_table_destroy(t);
    /* Old Mac line ends (lone CR) count as lines too. */
    t = read_ok("mac.csv", "a,b\r1,2\r3,4\r", NULL);
    assert_int_equal(mood_table_rows(t), 2);
    MOOD_ASSERT_NEAR(num(t, "b", 1), 4, 0, 0);
    mood_table_destroy(t);
}

static void test_index_column(void **state)
{
    (void)state;
    mood_csv_options o;
    mood_table *t = read_ok("i.csv", ",energy,name\n0,0.5,a\n1,0.7,b\n", NULL);
    assert_int_equal(mood_table_cols(t), 2);
    assert_string_equal(mood_table_col_name(t, 0), "energy");
    mood_table_destroy(t);
    t = read_ok("i.csv", "Unnamed: 0,energy\n0,0.5\n1,0.7\n", NULL);
    assert_int_equal(mood_table_cols(t), 1);
    assert_string_equal(mood_table_col_name(t, 0), "energy");
    mood_table_destroy(t);
    mood_csv_options_default(&o);
    o.keep_index = 1;
    t = read_ok("i.csv", ",energy\n0,0.5\n1,0.7\n", &o);
    assert_int_equal(mood_table_cols(t), 2);
    assert_string_equal(str(t, "Unnamed: 0", 1), "1");
    mood_table_destroy(t);
    /* An unnamed column elsewhere is kept under pandas' name. */
    t = read_ok("i.csv", "a,,b\n1,2,3\n", NULL);
    assert_int_equal(mood_table_cols(t), 3);
    MOOD_ASSERT_NEAR(num(t, "Unnamed: 1", 0), 2, 0, 0);
    mood_table_destroy(t);
}

static void test_missing_tokens(void **state)
{
    (void)state;
    const char *toks[] = {"",     "NA",   "N/A", "NaN",  "nan",  "null", "NULL",
                          "None", "none", "  ",  " na ", "\"\"", "#N/A", "n/a"};
    size_t nt = sizeof toks / sizeof toks[0];
    char text[512] = "v,w,title\n";
    for (size_t i = 0; i < nt; i++) {
        char line[64];
        snprintf(line, sizeof line, "%s,%zu,%s\n", toks[i], i, toks[i]);
        strcat(text, line);
    }
    strcat(text, "1.5,99,real\n");
    mood_table *t = read_ok("m.csv", text, NULL);
    assert_int_equal(mood_table_rows(t), nt + 1);
    for (size_t i = 0; i < nt; i++) {
        assert_true(isnan(num(t, "v", i)));
        assert_string_equal(str(t, "title", i), "");
    }
    MOOD_ASSERT_NEAR(num(t, "v", nt), 1.5, 0, 0);
    MOOD_ASSERT_NEAR(num(t, "w", 3), 3, 0, 0);
    mood_table_destroy(t);
    /* An entirely missing column is numeric (all NaN). */
    t = read_ok("m.csv", "a,b\n,1\nNA,2\n", NULL);
    assert_int_equal(mood_table_col_kind(t, 0), MOOD_COL_NUM);
    assert_true(isnan(num(t, "a", 1)));
    mood_table_destroy(t);
}

static void test_numbers(void **state)
{
    (void)state;
    mood_table *t = read_ok("n.csv",
                            "v\n1.01e-06\n+3\n 2.5 \n1E3\n-4.5e+2\n.5\n7.\n-0\n"
                            "0.34994322061538696\n123456789012345678901234\n1e-40\n",
                            NULL);
    const double want[] = {
        1.01e-06, 3, 2.5, 1000, -450, 0.5, 7, 0, 0.34994322061538696, 1.2345678901234568e23, 1e-40};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_true(num(t, "v", i) == (float)want[i]);
    mood_table_destroy(t);
}

/* The fast path must agree with (float)strtod bit for bit. */
static void test_classify_matches_strtod(void **state)
{
    (void)state;
    char buf[64];
    uint64_t x = 88172645463325252ULL;
    for (int it = 0; it < 200000; it++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int digits = 1 + (int)(x % 19), e = (int)((x >> 8) % 61) - 30;
        unsigned long long m = (x >> 16) % 10000000000000000000ULL;
        switch (it % 4) {
        case 0:
            snprintf(buf, sizeof buf, "%.*g", digits, (double)m * pow(10, e));
            break;
        case 1:
            snprintf(buf, sizeof buf, "%llue%d", m, e);
            break;
        case 2:
            snprintf(buf, sizeof buf, "-%llu.%03u", m % 100000000ULL, (unsigned)(x >> 40) % 1000);
            break;
        default:
            snprintf(buf, sizeof buf, "0.%0*llu", digits, m % 1000000000000ULL);
        }
        float got = 0;
        csv_cell_kind k = mood__csv_classify(buf, strlen(buf), &got);
        float want = (float)strtod(buf, NULL);
        if (isinf(want)) {
            assert_int_equal(k, CSV_CELL_RANGE);
            continue;
        }
        if (k != CSV_CELL_NUMBER || memcmp(&got, &want, sizeof got) != 0) {
            print_error("'%s': got %.9g (kind %d), strtod %.9g\n", buf, (double)got, k,
                        (double)want);
            fail();
        }
    }
    float v;
    assert_int_equal(mood__csv_classify("0x1A", 4, &v), CSV_CELL_TEXT);
    assert_int_equal(mood__csv_classify("1,5", 3, &v), CSV_CELL_TEXT);
    assert_int_equal(mood__csv_classify("1e", 2, &v), CSV_CELL_TEXT);
    assert_int_equal(mood__csv_classify("-", 1, &v), CSV_CELL_TEXT);
    assert_int_equal(mood__csv_classify("inf", 3, &v), CSV_CELL_INFINITE);
    assert_int_equal(mood__csv_classify("-Infinity", 9, &v), CSV_CELL_INFINITE);
    assert_int_equal(mood__csv_classify("3e38", 4, &v), CSV_CELL_NUMBER);
    assert_int_equal(mood__csv_classify("4e38", 4, &v), CSV_CELL_RANGE);
    assert_int_equal(mood__csv_classify("1e999", 5, &v), CSV_CELL_RANGE);
    assert_int_equal(mood__csv_classify(" \t", 2, &v), CSV_CELL_MISSING);
}

static void test_delimiters(void **state)
{
    (void)state;
    mood_csv_options o;
    /* Semicolon (a European spreadsheet): commas are decimal marks in text cells here. */
    mood_table *t = read_ok("eu.csv", "title;energy;valence\n\"a;b\";0.5;1\nc,d;0.25;2\n", NULL);
    assert_int_equal(mood_table_cols(t), 3);
    assert_string_equal(str(t, "title", 0), "a;b");
    assert_string_equal(str(t, "title", 1), "c,d");
    MOOD_ASSERT_NEAR(num(t, "valence", 1), 2, 0, 0);
    mood_table_destroy(t);
    /* Tab sniffed from the header, and implied by the .tsv name even for one column. */
    t = read_ok("x.txt", "a\tb,c\tz\n1\t2\t3\n", NULL);
    assert_int_equal(mood_table_cols(t), 3);
    assert_string_equal(mood_table_col_name(t, 1), "b,c");
    mood_table_destroy(t);
    t = read_ok("x.TSV", "a,b\n1,2\n", NULL);
    assert_int_equal(mood_table_cols(t), 1);
    assert_string_equal(mood_table_col_name(t, 0), "a,b");
    mood_table_destroy(t);
    t = read_ok("dir.v2/x.tab", "a;b\tc\n1;2\t3\n", NULL);
    assert_int_equal(mood_table_cols(t), 2);
    assert_string_equal(str(t, "a;b", 0), "1;2");
    mood_table_destroy(t);
    /* Pipe; delimiters inside a quoted header name do not count. */
    t = read_ok("p.csv", "\"x,y,z\"|b\n1|2\n", NULL);
    assert_int_equal(mood_table_cols(t), 2);
    assert_string_equal(mood_table_col_name(t, 0), "x,y,z");
    mood_table_destroy(t);
    /* Excel's "sep=" line names the delimiter and is not the header; lines still count. */
    t = read_ok("x.csv", "\xEF\xBB\xBFsep=;\r\na;b,c\r\n1;2,5\r\n", NULL);
    assert_int_equal(mood_table_cols(t), 2);
    assert_string_equal(mood_table_col_name(t, 1), "b,c");
    mood_table_destroy(t);
    READ_FAILS("x.csv", "sep=|\na|b\n1|2|3\n", MOOD_EFORMAT, "x.csv:3: expected 2 fields, found 3");
    /* An explicit delimiter wins. */
    mood_csv_options_default(&o);
    o.delimiter = ';';
    t = read_ok("t.tsv", "a;b\n1;2\n", &o);
    assert_int_equal(mood_table_cols(t), 2);
    mood_table_destroy(t);
}

static void test_duplicate_names(void **state)
{
    (void)state;
    mood_table *t = read_ok("d.csv", "a,a, a ,a.1,b\n1,2,3,4,5\n", NULL);
    const char *want[] = {"a", "a.1", "a.2", "a.1.1", "b"};
    assert_int_equal(mood_table_cols(t), 5);
    for (size_t j = 0; j < 5; j++)
        assert_string_equal(mood_table_col_name(t, j), want[j]);
    MOOD_ASSERT_NEAR(num(t, "a.2", 0), 3, 0, 0);
    mood_table_destroy(t);
}

static void test_typing(void **state)
{
    (void)state;
    mood_csv_options o;
    const char *forced[] = {"year"};
    /* Mostly text: a text column that keeps its numbers as written. */
    mood_table *t = read_ok("t.csv", "date,v\n2021-08-25,1\n2020,2\n1999-01-01,3\n", NULL);
    assert_string_equal(str(t, "date", 1), "2020");
    mood_table_destroy(t);
    /* Half numbers, half text: not "most", so text. */
    t = read_ok("t.csv", "k,v\n1,1\nx,2\n", NULL);
    assert_string_equal(str(t, "k", 0), "1");
    mood_table_destroy(t);
    /* Identifier and text names stay text even when numeric; so do options.text_columns. */
    mood_csv_options_default(&o);
    o.text_columns = forced;
    o.n_text_columns = 1;
    t = read_ok("t.csv", "track_id,name,Genre,year,energy\n007,12,3,2001,0.5\n", &o);
    assert_string_equal(str(t, "track_id", 0), "007");
    assert_string_equal(str(t, "name", 0), "12");
    assert_string_equal(str(t, "Genre", 0), "3");
    assert_string_equal(str(t, "year", 0), "2001");
    MOOD_ASSERT_NEAR(num(t, "energy", 0), 0.5, 0, 0);
    mood_table_destroy(t);
}

/* ---- errors ------------------------------------------------------------------------------ */

static void test_errors_structure(void **state)
{
    (void)state;
    mood_table *t = (mood_table *)1;
    mood_csv_options o;

    assert_int_equal(mood_csv_read("/nonexistent/dir/songs.csv", NULL, &t), MOOD_EIO);
    assert_null(t);
    assert_non_null(strstr(mood_last_error(), "/nonexistent/dir/songs.csv: cannot open: No such"));

    READ_FAILS("e.csv", "", MOOD_EFORMAT, "e.csv:1: empty file");
    const char utf16[] = "\xFF\xFE"
                         "a\0,\0b\0\n\0";
    const char *utf16_parts[] = {"w.csv:1: UTF-16 text is not supported", NULL};
    read_fails("w.csv", utf16, sizeof utf16 - 1, NULL, MOOD_EFORMAT, utf16_parts);
    READ_FAILS("e.csv", "\xEF\xBB\xBF\r\n\r\n", MOOD_EFORMAT, "e.csv:", "empty file");
    READ_FAILS("h.csv", "a,b,c\n", MOOD_EFORMAT, "h.csv:2: no data rows");
    READ_FAILS("h.csv", "a,b,c", MOOD_EFORMAT, "h.csv:1: no data rows");
    READ_FAILS("r.csv", "a,b,c\n1,2,3\n4,5\n", MOOD_EFORMAT, "r.csv:3: expected 3 fields, found 2");
    READ_FAILS("r.csv", "a,b\n1,2\n\"x\ny\",2,3\n", MOOD_EFORMAT,
               "r.csv:3: expected 2 fields, found 3");
    /* A ragged row after a quoted newline: the line counts the physical lines. */
    READ_FAILS("r.csv", "title,v\n\"a\nb\nc\",1\nx\n", MOOD_EFORMAT,
               "r.csv:5: expected 2 fields, found 1");
    /* Blank lines before the header still count. */
    READ_FAILS("b.csv", "\n\r\na,b\n1,2\n3\n", MOOD_EFORMAT, "b.csv:5: expected 2 fields, found 1");
    READ_FAILS("u.csv", "a,b\n1,2\n3,\"open\n4,5\n6,7\n", MOOD_EFORMAT,
               "u.csv:3: unterminated quoted field");
    READ_FAILS("u.csv", "\"a,b\n1,2\n", MOOD_EFORMAT, "u.csv:1: unterminated quoted field");
    const char nul[] = "a,b\n1,2\n3\0,4\n";
    const char *nul_parts[] = {"n.csv:3: NUL byte", NULL};
    read_fails("n.csv", nul, sizeof nul - 1, NULL, MOOD_EFORMAT, nul_parts);

    mood_csv_options_default(&o);
    o.max_bytes = 8;
    const char *big_parts[] = {"big.csv:", "limit of 8", NULL};
    read_fails("big.csv", "a,b\n1,2\n3,4\n", 12, &o, MOOD_EINVAL, big_parts);
    o.max_bytes = 0;
    o.delimiter = '"';
    const char *delim_parts[] = {"delimiter", NULL};
    read_fails("d.csv", "a\n1\n", 4, &o, MOOD_EINVAL, delim_parts);
}

static void test_errors_cells(void **state)
{
    (void)state;
    READ_FAILS("songs.csv", "title,energy\na,0.1\nb,0.2\nc,abc\nd,0.4\n", MOOD_EFORMAT,
               "songs.csv:4:energy: expected a number, found 'abc'");
    /* The line of a cell after a multi-line quoted field is its physical line. */
    READ_FAILS("songs.csv", "title,energy\n\"x\ny\",0.1\nb,0.2\nc,0.3\n\"two\r\nlines\",high\n",
               MOOD_EFORMAT, "songs.csv:7:energy: expected a number, found 'high'");
    /* The earliest offending line wins across columns. */
    READ_FAILS("s.csv", "a,b\n1,1\n2,2\n3,x\ny,4\n5,5\n", MOOD_EFORMAT,
               "s.csv:4:b: expected a number, found 'x'");
    READ_FAILS("s.csv", "a,b\n1,1\n-inf,2\n3,3\n", MOOD_EFORMAT,
               "s.csv:3:a: expected a finite number, found '-inf'");
    READ_FAILS("s.csv", "a,b\n1,1\n2,1e39\n3,3\n", MOOD_EFORMAT, "s.csv:3:b: number '1e39'",
               "out of range");
    /* A long offending cell is cut in the message, and control characters are hidden. */
    READ_FAILS("s.csv", "a\n1\n2\n3\n\"x12345678901234567890123456789012345678901234567890\tx\"\n",
               MOOD_EFORMAT, "s.csv:5:a: expected a number, found 'x1234567890123456789", "...'");
}

/* ---- writer ------------------------------------------------------------------------------ */

static void test_round_trip(void **state)
{
    (void)state;
    const char *dir = mood_test_tmpdir("csv_roundtrip");
    char path[1200];
    float e[4] = {0.1f, -3.4e38f, NAN, 1.17549435e-38f};
    float v[4] = {1, 2, 3, 4};
    const char *titles[4] = {"plain", "comma, inside", "quote \"q\" and\nnewline", " padded "};
    const char *ids[4] = {"007", "", "x;y", "a\r\nb"};
    mood_table *t, *back;
    MOOD_ASSERT_OK(mood_table_create(4, &t));
    MOOD_ASSERT_OK(mood_table_add_num(t, "energy", e));
    MOOD_ASSERT_OK(mood_table_add_str(t, "title", titles));
    MOOD_ASSERT_OK(mood_table_add_num(t, "valence", v));
    MOOD_ASSERT_OK(mood_table_add_str(t, "id", ids));
    snprintf(path, sizeof path, "%s/out.csv", dir);
    MOOD_ASSERT_OK(mood_csv_write(path, t, NULL));

    char *text = NULL;
    size_t len = 0;
    MOOD_ASSERT_OK(mood_read_file(path, &text, &len));
    assert_string_equal(text, "energy,title,valence,id\n"
                              "0.1,plain,1,007\n"
                              "-3.4e+38,\"comma, inside\",2,\n"
                              ",\"quote \"\"q\"\" and\nnewline\",3,x;y\n"
                              "1.1754944e-38,\" padded \",4,\"a\r\nb\"\n");
    mood_free(text);

    MOOD_ASSERT_OK(mood_csv_read(path, NULL, &back));
    assert_int_equal(mood_table_rows(back), 4);
    assert_int_equal(mood_table_cols(back), 4);
    for (size_t i = 0; i < 4; i++) {
        float a = num(back, "energy", i);
        assert_true(isnan(e[i]) ? isnan(a) : a == e[i]);
        assert_string_equal(str(back, "title", i), titles[i]);
        assert_string_equal(str(back, "id", i), ids[i]);
        assert_true(num(back, "valence", i) == v[i]);
    }
    mood_table_destroy(back);

    /* TSV with 3 digits through a stream. */
    mood_csv_write_options wo = {'\t', 3};
    FILE *fp = tmpfile();
    char buf[512] = "";
    MOOD_ASSERT_OK(mood_csv_write_fp(fp, t, &wo));
    rewind(fp);
    size_t got = fread(buf, 1, sizeof buf - 1, fp);
    buf[got] = '\0';
    fclose(fp);
    assert_non_null(strstr(buf, "energy\ttitle\tvalence\tid\n0.1\tplain\t1\t007\n"));
    assert_non_null(strstr(buf, "-3.4e+38\tcomma, inside\t2\t\n"));

    /* A first name starting with a BOM (after blank lines, so kept) is quoted so that it
     * reads back as itself rather than losing the BOM (found by the fuzzer). */
    mood_table *bom = read_ok("bom.csv", "\n\n\xEF\xBB\xBFx;y\n1;2\n", NULL);
    assert_string_equal(mood_table_col_name(bom, 0), "\xEF\xBB\xBFx");
    fp = tmpfile();
    MOOD_ASSERT_OK(mood_csv_write_fp(fp, bom, NULL));
    rewind(fp);
    got = fread(buf, 1, sizeof buf - 1, fp);
    buf[got] = '\0';
    fclose(fp);
    assert_string_equal(buf, "\"\xEF\xBB\xBFx\",y\n1,2\n");
    mood_table_destroy(bom);
    /* An unwritable destination is EIO naming it, and leaves nothing behind. */
    snprintf(path, sizeof path, "%s/missing-dir/out.csv", dir);
    assert_int_equal(mood_csv_write(path, t, NULL), MOOD_EIO);
    assert_non_null(strstr(mood_last_error(), "missing-dir/out.csv"));
    mood_table_destroy(t);
}

/* The default writes each float in its shortest exact form; any other digits is plain %.*g. */
static void test_write_numbers(void **state)
{
    (void)state;
    enum { N = 20000 };
    mood_table *t, *back;
    float *v = malloc(N * sizeof *v);
    char *buf = NULL;
    size_t len = 0;
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    assert_non_null(v);
    for (size_t i = 0; i < N; i++) {
        uint32_t bits;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bits = (uint32_t)(x >> 32);
        memcpy(&v[i], &bits, sizeof bits);
        if (!isfinite(v[i]))
            v[i] = (float)(i % 1000) / 7.0f;
    }
    v[0] = 0.616f;
    v[1] = -0.0f;
    v[2] = 1784.4204f;
    MOOD_ASSERT_OK(mood_table_create(N, &t));
    MOOD_ASSERT_OK(mood_table_add_num(t, "v", v));
    MOOD_ASSERT_OK(mood_table_add_num(t, "w", v));
    FILE *fp = open_memstream(&buf, &len);
    assert_non_null(fp);
    MOOD_ASSERT_OK(mood_csv_write_fp(fp, t, NULL));
    fclose(fp);
    assert_memory_equal(buf, "v,w\n0.616,0.616\n-0,-0\n1784.4204,1784.4204\n", 42);
    MOOD_ASSERT_OK(mood_csv_read_buffer("mem.csv", buf, len, NULL, &back));
    free(buf);
    const float *r = mood_table_num_const(back, 0);
    for (size_t i = 0; i < N; i++)
        assert_memory_equal(&r[i], &v[i], sizeof(float));
    mood_table_destroy(back);

    mood_csv_write_options wo = {0, 17};
    buf = NULL;
    fp = open_memstream(&buf, &len);
    MOOD_ASSERT_OK(mood_csv_write_fp(fp, t, &wo));
    fclose(fp);
    assert_memory_equal(buf, "v,w\n0.61599999666213989,0.61599999666213989\n", 44);
    free(buf);
    mood_table_destroy(t);
    free(v);
}

/* ---- several inputs ---------------------------------------------------------------------- */

static void test_read_many(void **state)
{
    (void)state;
    const char *dir = mood_test_tmpdir("csv_many");
    char a[1200], b[1200], c[1200];
    snprintf(a, sizeof a, "%s/calm.csv", dir);
    snprintf(b, sizeof b, "%s/loud.tsv", dir);
    snprintf(c, sizeof c, "%s/own.csv", dir);
    write_file(a, "energy,valence,title\n0.1,0.9,x\n0.2,0.8,y\n");
    write_file(b, "valence\tenergy\ttempo\n0.3\t0.95\t128\n");
    write_file(c, "energy,source\n0.5,radio\n");
    const char *paths[3] = {a, b, c};
    mood_table *t;
    MOOD_ASSERT_OK(mood_csv_read_many(paths, 3, NULL, &t));
    assert_int_equal(mood_table_rows(t), 4);
    MOOD_ASSERT_NEAR(num(t, "energy", 2), 0.95, 0, 1e-7);
    MOOD_ASSERT_NEAR(num(t, "valence", 2), 0.3, 0, 1e-7);
    assert_true(isnan(num(t, "tempo", 0)));
    MOOD_ASSERT_NEAR(num(t, "tempo", 2), 128, 0, 0);
    assert_true(isnan(num(t, "valence", 3)));
    assert_string_equal(str(t, "title", 2), "");
    assert_string_equal(str(t, "source", 0), "calm.csv");
    assert_string_equal(str(t, "source", 1), "calm.csv");
    assert_string_equal(str(t, "source", 2), "loud.tsv");
    assert_string_equal(str(t, "source", 3), "radio");
    mood_table_destroy(t);

    const char *bad[2] = {a, "/nonexistent/x.csv"};
    t = (mood_table *)1;
    assert_int_equal(mood_csv_read_many(bad, 2, NULL, &t), MOOD_EIO);
    assert_null(t);
    assert_non_null(strstr(mood_last_error(), "/nonexistent/x.csv"));
    assert_int_equal(mood_csv_read_many(paths, 0, NULL, &t), MOOD_EINVAL);
}

/* A pipe (not seekable) is read into memory first; max_bytes still applies. */
static void test_pipe(void **state)
{
    (void)state;
    const char *text = "title,energy\n\"a,b\",0.5\nc,0.25\n";
    char path[64];
    int fds[2];
    mood_table *t = NULL;
    mood_csv_options o;
    for (int k = 0; k < 2; k++) {
        assert_int_equal(pipe(fds), 0);
        assert_int_equal(write(fds[1], text, strlen(text)), (ssize_t)strlen(text));
        close(fds[1]);
        snprintf(path, sizeof path, "/proc/self/fd/%d", fds[0]);
        mood_csv_options_default(&o);
        o.max_bytes = k == 0 ? 0 : 10;
        mood_status s = mood_csv_read(path, &o, &t);
        close(fds[0]);
        if (k == 0) {
            MOOD_ASSERT_OK(s);
            assert_int_equal(mood_table_rows(t), 2);
            assert_string_equal(str(t, "title", 0), "a,b");
            MOOD_ASSERT_NEAR(num(t, "energy", 1), 0.25, 0, 0);
            mood_table_destroy(t);
        } else {
            assert_int_equal(s, MOOD_EINVAL);
            assert_null(t);
            assert_non_null(strstr(mood_last_error(), "more than the limit of 10 bytes"));
        }
    }
    /* A regular file over the limit is refused before reading. */
    char file[1200];
    snprintf(file, sizeof file, "%s/limit.csv", mood_test_tmpdir("csv_limit"));
    write_file(file, text);
    mood_csv_options_default(&o);
    o.max_bytes = 5;
    assert_int_equal(mood_csv_read(file, &o, &t), MOOD_EINVAL);
    assert_non_null(
        strstr(mood_last_error(), "limit.csv: file is 30 bytes, more than the limit of 5"));
    /* A directory is EIO with the system's reason. */
    assert_int_equal(mood_csv_read("/", NULL, &t), MOOD_EIO);
    assert_string_equal(mood_last_error(), "/: cannot read: Is a directory");
}

/* ---- reading a file in chunks -------------------------------------------------------------- */

static void assert_same_table(const mood_table *a, const mood_table *b)
{
    assert_int_equal(mood_table_rows(a), mood_table_rows(b));
    assert_int_equal(mood_table_cols(a), mood_table_cols(b));
    for (size_t j = 0; j < mood_table_cols(a); j++) {
        assert_string_equal(mood_table_col_name(a, j), mood_table_col_name(b, j));
        assert_int_equal(mood_table_col_kind(a, j), mood_table_col_kind(b, j));
        for (size_t i = 0; i < mood_table_rows(a); i++) {
            if (mood_table_col_kind(a, j) == MOOD_COL_STR) {
                assert_string_equal(mood_table_str(a, j, i), mood_table_str(b, j, i));
            } else {
                float x = mood_table_num_const(a, j)[i], y = mood_table_num_const(b, j)[i];
                assert_true((isnan(x) && isnan(y)) || x == y);
            }
        }
    }
}

/*
 * A file is read in chunks: with windows from 1 byte up, every row, quoted newline, CRLF,
 * doubled quote and BOM straddles a chunk boundary somewhere, and the table and every error
 * message must match reading the same bytes from memory.
 */
static void test_chunk_boundaries(void **state)
{
    (void)state;
    const char *dir = mood_test_tmpdir("csv_chunks");
    char path[1200];
    const char *good =
        "\xEF\xBB\xBF,title,date,energy,valence\r\n"
        "0,\"Hello, \"\"World\"\"\",2020-01-01,0.5,1e-3\r\n"
        "\r\n"
        "1,\"two\r\nlines\",2021,\" 0.25 \",NA\r\n"
        "2,  \"padded\"  ,2022-03-04,1.5,\"-2\"\r"
        "3,\"a very long title that is longer than the small windows, with \"\"quotes\"\"\","
        "1999-12-31,0.34994322061538696,7\n"
        "4,,,,\n"
        "5,last,2000-01-01,3,4";
    const char *bad[] = {
        "a,b\r\n1,2\r\n3,\"x\r\ny\"\r\n4,5,6\r\n", /* ragged after a quoted CRLF */
        "a,b\n1,2\n3,\"open\n4,5\n",               /* unterminated */
        "t,v\n\"q\nq\",1\nr,2\ns,3\nu,high\n",     /* a bad number */
        "v,w\n1,2\n3,4\n",                         /* fine */
        "\n\r\n\ra,b\n1,2\n3\n",                   /* blank lines before the header */
        "sep=;\r\na;b\n1;2\n",                     /* Excel delimiter line */
        "v\n",                                     /* no data */
        "\r\n\n",                                  /* empty */
    };
    mood_table *ref, *t;
    snprintf(path, sizeof path, "%s/chunks.csv", dir);
    MOOD_ASSERT_OK(mood_csv_read_buffer(path, good, strlen(good), NULL, &ref));
    assert_int_equal(mood_table_rows(ref), 6);
    assert_string_equal(str(ref, "title", 0), "Hello, \"World\"");
    assert_string_equal(str(ref, "title", 1), "two\r\nlines");
    assert_string_equal(str(ref, "date", 1), "2021");
    assert_true(isnan(num(ref, "valence", 1)));
    write_file(path, good);
    size_t saved = mood__csv_chunk_bytes;
    for (size_t chunk = 1; chunk <= 300; chunk += chunk < 64 ? 1 : 37) {
        mood__csv_chunk_bytes = chunk;
        MOOD_ASSERT_OK(mood_csv_read(path, NULL, &t));
        assert_same_table(ref, t);
        mood_table_destroy(t);
    }
    mood_table_destroy(ref);
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char want[1100];
        mood__csv_chunk_bytes = saved;
        mood_status sref = mood_csv_read_buffer(path, bad[k], strlen(bad[k]), NULL, &ref);
        snprintf(want, sizeof want, "%s", mood_last_error());
        write_file(path, bad[k]);
        for (size_t chunk = 1; chunk <= 40; chunk++) {
            mood__csv_chunk_bytes = chunk;
            mood_status s = mood_csv_read(path, NULL, &t);
            assert_int_equal(s, sref);
            if (s == MOOD_OK) {
                assert_same_table(ref, t);
                mood_table_destroy(t);
            } else {
                assert_string_equal(mood_last_error(), want);
            }
        }
        mood_table_destroy(ref);
    }
    /* UTF-16 (its NUL bytes) is recognised whatever the window. */
    const char utf16[] = "\xFF\xFE"
                         "a\0,\0b\0\n\0001\0,\0002\0";
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(utf16, 1, sizeof utf16 - 1, fp), sizeof utf16 - 1);
    fclose(fp);
    for (size_t chunk = 1; chunk <= 20; chunk++) {
        mood__csv_chunk_bytes = chunk;
        assert_int_equal(mood_csv_read(path, NULL, &t), MOOD_EFORMAT);
        assert_non_null(strstr(mood_last_error(), "chunks.csv:1: UTF-16 text is not supported"));
    }
    mood__csv_chunk_bytes = saved;
}

/* ---- allocation failures ----------------------------------------------------------------- */

static void test_alloc_failures(void **state)
{
    (void)state;
    /*
     * Text by name (pass 1), text by data (pass 2), quoted numbers, an index column, and more
     * rows than the first row allocation (1024) so that growing fails too. Text cells are empty
     * after row 20 (empty cells cost no allocation), which keeps the number of failure points,
     * and so the loop, short.
     */
    const char *dir = mood_test_tmpdir("csv_alloc");
    char path[1200], small[1200];
    size_t cap = 200000, used = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    used += (size_t)snprintf(text, cap, ",id,title,date,energy,valence\n");
    for (int i = 0; i < 1100; i++) {
        if (i < 20)
            used += (size_t)snprintf(text + used, cap - used,
                                     "%d,t%d,\"Song, %d\",2020-01-%02d,\"%g\",%d\n", i, i, i,
                                     i % 28 + 1, i * 0.001, i % 7);
        else
            used +=
                (size_t)snprintf(text + used, cap - used, "%d,,,,\"%g\",%d\n", i, i * 0.001, i % 7);
    }
    snprintf(path, sizeof path, "%s/a.csv", dir);
    write_file(path, text);
    text[strchr(strstr(text, "\n19,") + 1, '\n') + 1 - text] = '\0'; /* the first 20 rows */
    snprintf(small, sizeof small, "%s/small.csv", dir);
    write_file(small, text);
    free(text);
    int ok_read = 0, ok_write = 0;
    for (long n = 1; n < 10000 && !ok_read; n++) {
        mood_table *t = NULL;
        mood_test_fail_alloc_after(n);
        mood_status s = mood_csv_read(path, NULL, &t);
        mood_test_fail_alloc_after(0);
        if (s != MOOD_OK) {
            if (s != MOOD_ENOMEM)
                print_error("n=%ld: %s: %s\n", n, mood_status_name(s), mood_last_error());
            assert_int_equal(s, MOOD_ENOMEM);
            assert_null(t);
            continue;
        }
        ok_read = 1;
        assert_int_equal(mood_table_rows(t), 1100);
        assert_string_equal(str(t, "title", 5), "Song, 5");
        assert_string_equal(str(t, "date", 19), "2020-01-20");
        assert_string_equal(str(t, "date", 1099), "");
        MOOD_ASSERT_NEAR(num(t, "energy", 1000), 1.0, 0, 1e-7);
        /* The writer under the same failures. */
        for (long m = 1; m < 200 && !ok_write; m++) {
            char out[1300];
            snprintf(out, sizeof out, "%s/out.csv", dir);
            mood_test_fail_alloc_after(m);
            s = mood_csv_write(out, t, NULL);
            mood_test_fail_alloc_after(0);
            if (s == MOOD_OK)
                ok_write = 1;
            else
                assert_int_equal(s, MOOD_ENOMEM);
        }
        mood_table_destroy(t);
    }
    assert_true(ok_read);
    assert_true(ok_write);

    /* read_many: every failure point of reading two files, adding source and appending. */
    const char *paths[2] = {small, small};
    int ok_many = 0;
    for (long n = 1; n < 4000 && !ok_many; n++) {
        mood_table *t = NULL;
        mood_test_fail_alloc_after(n);
        mood_status s = mood_csv_read_many(paths, 2, NULL, &t);
        mood_test_fail_alloc_after(0);
        if (s == MOOD_OK) {
            ok_many = 1;
            assert_int_equal(mood_table_rows(t), 40);
            assert_string_equal(str(t, "source", 39), "small.csv");
            mood_table_destroy(t);
        } else {
            assert_int_equal(s, MOOD_ENOMEM);
            assert_null(t);
        }
    }
    assert_true(ok_many);

    /* Small read windows: growing the window for a long row fails cleanly too. */
    size_t saved = mood__csv_chunk_bytes;
    int ok_small = 0;
    for (long n = 1; n < 4000 && !ok_small; n++) {
        mood_table *t = NULL;
        mood__csv_chunk_bytes = 16;
        mood_test_fail_alloc_after(n);
        mood_status s = mood_csv_read(small, NULL, &t);
        mood_test_fail_alloc_after(0);
        if (s == MOOD_OK) {
            ok_small = 1;
            assert_int_equal(mood_table_rows(t), 20);
            mood_table_destroy(t);
        } else {
            assert_int_equal(s, MOOD_ENOMEM);
            assert_null(t);
        }
    }
    mood__csv_chunk_bytes = saved;
    assert_true(ok_small);
}

/* ---- real datasets ----------------------------------------------------------------------- */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static size_t count_nan(const mood_table *t, const char *name)
{
    size_t n = 0, j = col(t, name);
    if (mood_table_col_kind(t, j) == MOOD_COL_STR) {
        for (size_t i = 0; i < mood_table_rows(t); i++)
            n += mood_table_str(t, j, i)[0] == '\0';
        return n;
    }
    for (size_t i = 0; i < mood_table_rows(t); i++)
        n += isnan(mood_table_num_const(t, j)[i]);
    return n;
}

static double mean_of(const mood_table *t, const char *name)
{
    const float *v = mood_table_num_const(t, col(t, name));
    double s = 0;
    size_t n = 0;
    for (size_t i = 0; i < mood_table_rows(t); i++)
        if (!isnan(v[i])) {
            s += (double)v[i];
            n++;
        }
    return s / (double)n;
}

static void test_dataset_classichits(void **state)
{
    (void)state;
    const char *p = mood_test_dataset("spotify_classichits_genre/ClassicHit.csv");
    mood_table *t;
    if (!p)
        skip();
    double t0 = now_ms();
    MOOD_ASSERT_OK(mood_csv_read(p, NULL, &t));
    printf("ClassicHit.csv: %zu rows read in %.1f ms\n", mood_table_rows(t), now_ms() - t0);
    /* STATS.json: 15150 rows, 18 columns, nothing missing, Genre 19 distinct (Pop 3669). */
    assert_int_equal(mood_table_rows(t), 15150);
    assert_int_equal(mood_table_cols(t), 18);
    assert_int_equal(mood_table_col_kind(t, col(t, "Genre")), MOOD_COL_STR);
    assert_int_equal(mood_table_col_kind(t, col(t, "Track")), MOOD_COL_STR);
    assert_int_equal(mood_table_col_kind(t, col(t, "Artist")), MOOD_COL_STR);
    const char *numeric[] = {"Year",        "Duration",     "Time_Signature",   "Danceability",
                             "Energy",      "Key",          "Loudness",         "Mode",
                             "Speechiness", "Acousticness", "Instrumentalness", "Liveness",
                             "Valence",     "Tempo",        "Popularity"};
    for (size_t k = 0; k < 15; k++) {
        assert_int_equal(mood_table_col_kind(t, col(t, numeric[k])), MOOD_COL_NUM);
        assert_int_equal(count_nan(t, numeric[k]), 0);
    }
    size_t pop = 0, g = col(t, "Genre");
    for (size_t i = 0; i < mood_table_rows(t); i++)
        pop += strcmp(mood_table_str(t, g, i), "Pop") == 0;
    assert_int_equal(pop, 3669);
    assert_string_equal(str(t, "Artist", 0), "10,000 Maniacs");
    assert_string_equal(str(t, "Track", 0), "Hey Jack Kerouac");
    MOOD_ASSERT_NEAR(num(t, "Energy", 0), 0.511, 0, 1e-7);
    MOOD_ASSERT_NEAR(num(t, "Instrumentalness", 2), 0.0000317, 1e-6, 0);
    mood_table_destroy(t);
}

static void test_dataset_features_10k(void **state)
{
    (void)state;
    const char *p = mood_test_dataset("spotify_features_10k_audiologic/spotify_data.csv");
    mood_table *t;
    if (!p)
        skip();
    MOOD_ASSERT_OK(mood_csv_read(p, NULL, &t));
    /* STATS.json: 10000 rows, CRLF, 19 fields with a leading unnamed index (dropped here). */
    assert_int_equal(mood_table_rows(t), 10000);
    assert_int_equal(mood_table_cols(t), 18);
    assert_string_equal(mood_table_col_name(t, 0), "id");
    /* missing_per_column: id 11, name 12, preview_url 2628, artist 11, duration 11, ... */
    assert_int_equal(count_nan(t, "id"), 11);
    assert_int_equal(count_nan(t, "name"), 12);
    assert_int_equal(count_nan(t, "preview_url"), 2628);
    assert_int_equal(count_nan(t, "artist"), 11);
    assert_int_equal(count_nan(t, "duration"), 11);
    assert_int_equal(count_nan(t, "popularity"), 11);
    assert_int_equal(count_nan(t, "release_date"), 11);
    assert_int_equal(count_nan(t, "energy"), 0);
    assert_int_equal(mood_table_col_kind(t, col(t, "release_date")), MOOD_COL_STR);
    /* numeric_summary means. */
    MOOD_ASSERT_NEAR(mean_of(t, "valence"), 0.4721, 0, 5e-5);
    MOOD_ASSERT_NEAR(mean_of(t, "energy"), 0.6169, 0, 5e-5);
    MOOD_ASSERT_NEAR(mean_of(t, "loudness"), -6.6527, 0, 5e-4);
    MOOD_ASSERT_NEAR(mean_of(t, "tempo"), 116.3876, 0, 5e-3);
    mood_table_destroy(t);
}

static void test_dataset_gtzan(void **state)
{
    (void)state;
    const char *p = mood_test_dataset("genre_gtzan_librosa_features/music_genre.csv");
    mood_table *t;
    if (!p)
        skip();
    MOOD_ASSERT_OK(mood_csv_read(p, NULL, &t));
    /* STATS.json: header filename, chroma_stft, rmse, ..., mfcc1..mfcc20, label; 1000 rows. */
    assert_int_equal(mood_table_rows(t), 1000);
    assert_int_equal(mood_table_cols(t), 28);
    assert_string_equal(mood_table_col_name(t, 0), "filename");
    assert_string_equal(mood_table_col_name(t, 1), "chroma_stft");
    assert_string_equal(mood_table_col_name(t, 7), "mfcc1");
    assert_string_equal(mood_table_col_name(t, 26), "mfcc20");
    assert_string_equal(mood_table_col_name(t, 27), "label");
    assert_string_equal(str(t, "filename", 0), "blues.00000.wav");
    /* label is numeric in the file (0..9, 100 each) but a label: kept as text. */
    assert_string_equal(str(t, "label", 0), "0");
    MOOD_ASSERT_NEAR(num(t, "chroma_stft", 0), 0.34994322061538696, 1e-7, 0);
    MOOD_ASSERT_NEAR(num(t, "spectral_centroid", 0), 1784.4204464946633, 1e-7, 0);
    for (size_t j = 1; j < 27; j++)
        assert_int_equal(mood_table_col_kind(t, j), MOOD_COL_NUM);
    mood_table_destroy(t);
}

static void test_dataset_top_tracks(void **state)
{
    (void)state;
    const char *p = mood_test_dataset("spotify_top_tracks_year/spotify_tracks.csv");
    mood_table *t;
    if (!p)
        skip();
    MOOD_ASSERT_OK(mood_csv_read(p, NULL, &t));
    /* STATS.json: 14369 rows, 20 fields (leading index dropped), no missing cells. */
    assert_int_equal(mood_table_rows(t), 14369);
    assert_int_equal(mood_table_cols(t), 19);
    assert_string_equal(str(t, "track_id", 0), "spotify:track:0nbXyq5TXYPCO7pr3N8S4I");
    assert_string_equal(str(t, "type", 0), "audio_features");
    assert_string_equal(str(t, "track", 1), "ROXANNE");
    MOOD_ASSERT_NEAR(num(t, "danceability", 0), 0.896, 0, 1e-7);
    MOOD_ASSERT_NEAR(mean_of(t, "danceability"), 0.6269, 0, 5e-5);
    size_t y2019 = 0;
    const float *year = mood_table_num_const(t, col(t, "year"));
    for (size_t i = 0; i < mood_table_rows(t); i++)
        y2019 += year[i] == 2019.0f;
    assert_int_equal(y2019, 4806);
    for (size_t j = 0; j < mood_table_cols(t); j++)
        assert_int_equal(count_nan(t, mood_table_col_name(t, j)), 0);
    mood_table_destroy(t);
}

/*
 * Every CSV of every dataset against its STATS.json: row count, columns (the leading unnamed
 * index dropped), missing cells per column, and numeric columns read as numbers (unless their
 * name makes them text, like gtzan's numeric "label").
 */
static void check_against_stats(const char *dir, const char *file, json_t *st)
{
    char path[2048];
    mood_table *t;
    json_t *header = json_object_get(st, "header");
    json_t *missing = json_object_get(st, "missing_per_column");
    json_t *numeric = json_object_get(st, "numeric_columns");
    size_t nh = json_array_size(header), skip_index = 0;
    snprintf(path, sizeof path, "%s/%s", dir, file);
    MOOD_ASSERT_OK(mood_csv_read(path, NULL, &t));
    printf("%s: %zu rows, %zu columns\n", file, mood_table_rows(t), mood_table_cols(t));
    assert_int_equal(mood_table_rows(t), (size_t)json_integer_value(json_object_get(st, "rows")));
    if (nh > 1 && json_string_value(json_array_get(header, 0))[0] == '\0')
        skip_index = 1;
    assert_int_equal(mood_table_cols(t), nh - skip_index);
    for (size_t h = skip_index; h < nh; h++) {
        const char *name = json_string_value(json_array_get(header, h));
        size_t j = col(t, name), want_missing = 0, is_num = 0, idx;
        json_t *m = json_object_get(missing, name), *v;
        if (m)
            want_missing = (size_t)json_integer_value(m);
        assert_int_equal(count_nan(t, name), want_missing);
        json_array_foreach(numeric, idx, v) is_num |= strcmp(json_string_value(v), name) == 0;
        if (is_num && !mood__csv_is_text_name(name))
            assert_int_equal(mood_table_col_kind(t, j), MOOD_COL_NUM);
        if (!is_num && want_missing < mood_table_rows(t))
            assert_int_equal(mood_table_col_kind(t, j), MOOD_COL_STR);
    }
    mood_table_destroy(t);
}

static void test_datasets_stats(void **state)
{
    (void)state;
    const char *root = mood_test_dataset("");
    const char *sets[] = {"spotify_classichits_genre",     "spotify_features_10k_audiologic",
                          "genre_gtzan_librosa_features",  "spotify_top_tracks_year",
                          "spotify_hit_predictor_decades", "listen_lastfm_zsteve"};
    size_t checked = 0;
    if (!root)
        skip();
    for (size_t d = 0; d < sizeof sets / sizeof sets[0]; d++) {
        char dir[1500], stats[1600];
        json_error_t err;
        json_t *js, *st;
        const char *file;
        snprintf(dir, sizeof dir, "%s/%s", root, sets[d]);
        snprintf(stats, sizeof stats, "%s/STATS.json", dir);
        js = json_load_file(stats, 0, &err);
        if (!js) {
            printf("SKIP: %s (%s)\n", stats, err.text);
            continue;
        }
        json_object_foreach(js, file, st)
        {
            size_t n = strlen(file);
            if (n > 4 && strcmp(file + n - 4, ".csv") == 0) {
                check_against_stats(dir, file, st);
                checked++;
            }
        }
        json_decref(js);
    }
    printf("%zu dataset files match their STATS.json\n", checked);
}

static void test_dataset_decades_many(void **state)
{
    (void)state;
    const char *dir = mood_test_dataset("spotify_hit_predictor_decades");
    const char *decades[] = {"60s", "70s", "80s", "90s", "00s", "10s"};
    const size_t rows[] = {8642, 7766, 6908, 5520, 5872, 6398};
    char paths[6][1500];
    const char *p[6];
    mood_table *t;
    if (!dir)
        skip();
    for (size_t i = 0; i < 6; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/dataset-of-%s.csv", dir, decades[i]);
        p[i] = paths[i];
    }
    MOOD_ASSERT_OK(mood_csv_read_many(p, 6, NULL, &t));
    assert_int_equal(mood_table_rows(t), 41106);
    size_t at = 0;
    for (size_t i = 0; i < 6; i++) {
        char want[32];
        snprintf(want, sizeof want, "dataset-of-%s.csv", decades[i]);
        assert_string_equal(str(t, "source", at), want);
        assert_string_equal(str(t, "source", at + rows[i] - 1), want);
        at += rows[i];
    }
    assert_int_equal(mood_table_col_kind(t, col(t, "uri")), MOOD_COL_STR);
    assert_int_equal(mood_table_col_kind(t, col(t, "energy")), MOOD_COL_NUM);
    mood_table_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_crlf_bom),
        cmocka_unit_test(test_index_column),
        cmocka_unit_test(test_missing_tokens),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_classify_matches_strtod),
        cmocka_unit_test(test_delimiters),
        cmocka_unit_test(test_duplicate_names),
        cmocka_unit_test(test_typing),
        cmocka_unit_test(test_errors_structure),
        cmocka_unit_test(test_errors_cells),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_write_numbers),
        cmocka_unit_test(test_read_many),
        cmocka_unit_test(test_chunk_boundaries),
        cmocka_unit_test(test_pipe),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_dataset_classichits),
        cmocka_unit_test(test_dataset_features_10k),
        cmocka_unit_test(test_dataset_gtzan),
        cmocka_unit_test(test_dataset_top_tracks),
        cmocka_unit_test(test_datasets_stats),
        cmocka_unit_test(test_dataset_decades_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
