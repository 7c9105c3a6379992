/*
 * Private to src/io: the CSV tokenizer. It hands out one row at a time as raw cells (pointers
 * into its window) from either a caller's buffer or a regular file read in chunks, so that a
 * multi-gigabyte file never has to sit in memory whole. See csv_scan.c for the state machine.
 */
#ifndef MOOD_CSV_SCAN_H
#define MOOD_CSV_SCAN_H

#include <moodscope/status.h>

#include <stdint.h>
#include <stdio.h>

/* One field of a row, as raw bytes of the window (for a quoted field, quotes included). */
typedef struct csv_cell {
    const char *p;
    size_t len;
    size_t line; /* physical 1-based line where the field starts */
    int quoted;
} csv_cell;

/* A position between rows, to come back to (header re-read, second pass). */
typedef struct csv_mark {
    uint64_t offset; /* bytes from the start of the input */
    size_t line;
} csv_mark;

typedef struct csv_scanner {
    const char *name;        /* file name for messages */
    const char *p, *end;     /* the window: unread bytes */
    size_t line;             /* physical line of p */
    int eof;                 /* no bytes exist beyond end */
    char delim;              /* set by mood__csv_scanner_start() */
    unsigned char stop[256]; /* bytes that end an unquoted field: delimiter, CR, LF */
    /* Buffer source: the whole input. */
    const char *mem, *mem_end;
    /* File source: a growing chunk buffer over a seekable stream. */
    FILE *fp;
    char *buf;
    size_t cap;
    uint64_t buf_off; /* file offset of buf[0] */
    size_t max_bytes; /* 0: no limit */
} csv_scanner;

/* Bytes of the first read window of a file source (1 MiB); a test hook, not thread-safe. */
extern size_t mood__csv_chunk_bytes;

/* Scan @p len bytes at @p data (borrowed); fails on a NUL byte (EFORMAT naming the line). */
mood_status mood__csv_open_buffer(csv_scanner *sc, const char *name, const char *data, size_t len);
/* Scan a seekable stream @p fp (borrowed, positioned at 0) in chunks; refuses reading more than
 * @p max_bytes (0: no limit). */
mood_status mood__csv_open_file(csv_scanner *sc, const char *name, FILE *fp, size_t max_bytes);
/* Release the chunk buffer (not the stream). */
void mood__csv_close(csv_scanner *sc);

/*
 * Skip a UTF-8 BOM and fix the delimiter: @p delim if non-zero, tab for .tsv/.tab names, else
 * the most frequent of , TAB ; | in the header line outside quotes (ties in that order).
 */
mood_status mood__csv_start(csv_scanner *sc, char delim);

/*
 * The next row: *out_row = 1 and its fields in @p cells (at most @p max_cells stored, all
 * counted in *out_nf; the cells stay valid until the next call), or *out_row = 0 at the end.
 * Blank lines are skipped. Errors: EFORMAT (unterminated quoted field, NUL byte), EIO,
 * EINVAL (more than max_bytes), ENOMEM.
 */
mood_status mood__csv_next_row(csv_scanner *sc, csv_cell *cells, size_t max_cells, size_t *out_nf,
                               size_t *out_line, int *out_row);

/* The position of the next row, and a return to such a position. */
csv_mark mood__csv_tell(const csv_scanner *sc);
mood_status mood__csv_seek(csv_scanner *sc, csv_mark m);

/*
 * Write the value of @p c into @p dst (room for c->len + 1 bytes; the value is never longer
 * than the raw field) and return its length: quotes removed, '""' made '"', blanks after the
 * closing quote dropped. NUL-terminated.
 */
size_t mood__csv_cell_value(const csv_cell *c, char *dst);

#endif
