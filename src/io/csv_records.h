/*
 * Private to libmoodscope: the one RFC 4180 record reader, for callers that want raw text
 * records rather than typed columns (the listening-history importers: Last.fm exports come
 * headerless as well as with headers). The typed table reader is csv_read.c.
 */
#ifndef MOOD_IO_CSV_RECORDS_H
#define MOOD_IO_CSV_RECORDS_H

#include <stddef.h>

typedef struct csv_records {
    const char *p, *end;
    char **fields; /* the current record's fields, NUL-terminated, valid until the next call */
    size_t n, cap;
    char *buf;
    size_t buf_cap;
    size_t line; /* physical line (1-based) the current record ends on */
} csv_records;

/* Read @p len bytes at @p text (borrowed until mood__csv_records_free), a UTF-8 BOM skipped. */
void mood__csv_records_init(csv_records *c, const char *text, size_t len);
/* Next record: 1 with fields set, 0 at end, -1 on allocation failure. Fields are separated by
 * ',', may be quoted ("" is a quote), and records end at LF, CRLF or CR. */
int mood__csv_records_next(csv_records *c);
void mood__csv_records_free(csv_records *c);

#endif
