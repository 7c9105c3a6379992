/* src/io/csv_records.c: the raw RFC 4180 record reader (history imports use it). */
#include "test_util.h"

#include "csv_records.h"

#include <stdio.h>
#include <string.h>

static void test_records(void **state)
{
    (void)state;
    static const char text[] = "\xEF\xBB\xBF"
                               "a,b,c\r\n"
                               "\"x, y\",\"say \"\"hi\"\"\",\n"
                               "\"two\nlines\",z\r"
                               "last";
    csv_records c;
    mood__csv_records_init(&c, text, sizeof text - 1);
    assert_int_equal(mood__csv_records_next(&c), 1);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.fields[0], "a"); /* BOM skipped */
    assert_string_equal(c.fields[2], "c");
    assert_int_equal(c.line, 1);
    assert_int_equal(mood__csv_records_next(&c), 1);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.fields[0], "x, y");
    assert_string_equal(c.fields[1], "say \"hi\"");
    assert_string_equal(c.fields[2], "");
    assert_int_equal(mood__csv_records_next(&c), 1);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.fields[0], "two\nlines");
    assert_string_equal(c.fields[1], "z");
    assert_int_equal(c.line, 4); /* the line the record ends on */
    assert_int_equal(mood__csv_records_next(&c), 1);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.fields[0], "last");
    assert_int_equal(c.line, 5);
    assert_int_equal(mood__csv_records_next(&c), 0);
    mood__csv_records_free(&c);
}

/* Many fields and a long field grow the buffers; the record still reads whole. */
static void test_records_grow(void **state)
{
    (void)state;
    static char text[8192];
    size_t o = 0;
    for (int i = 0; i < 300; i++)
        o += (size_t)snprintf(text + o, sizeof text - o, "%s%d", i ? "," : "", i);
    csv_records c;
    mood__csv_records_init(&c, text, o);
    assert_int_equal(mood__csv_records_next(&c), 1);
    assert_int_equal(c.n, 300);
    assert_string_equal(c.fields[0], "0");
    assert_string_equal(c.fields[299], "299");
    assert_int_equal(mood__csv_records_next(&c), 0);
    mood__csv_records_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_records),
        cmocka_unit_test(test_records_grow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
