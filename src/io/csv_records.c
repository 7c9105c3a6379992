/*
 * A small RFC 4180 record reader (see csv_records.h): the fields of a record are copied into
 * one buffer and their offsets fixed up into pointers at the end of the record; the buffer and
 * the field array are reused (and grown) from record to record.
 */
#include "csv_records.h"

#include "../core/internal.h"

#include <stdint.h>
#include <string.h>

void mood__csv_records_init(csv_records *c, const char *text, size_t len)
{
    memset(c, 0, sizeof *c);
    c->p = text;
    c->end = text + len;
    if (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB &&
        (unsigned char)text[2] == 0xBF)
        c->p += 3;
}

static int rec_push(csv_records *c, size_t start)
{
    char **f = mood__grow(c->fields, &c->cap, c->n + 1, sizeof *f, 16);
    if (!f)
        return 0;
    c->fields = f;
    /* NOLINTNEXTLINE(performance-no-int-to-ptr): an offset, fixed up at the end */
    c->fields[c->n++] = (char *)(uintptr_t)start;
    return 1;
}

static int rec_putc(csv_records *c, size_t *len, char ch)
{
    char *b = mood__grow(c->buf, &c->buf_cap, *len + 2, 1, 256);
    if (!b)
        return 0;
    c->buf = b;
    c->buf[(*len)++] = ch;
    return 1;
}

int mood__csv_records_next(csv_records *c)
{
    size_t len = 0;
    if (c->p >= c->end)
        return 0;
    c->n = 0;
    c->line++;
    if (!rec_push(c, 0))
        return -1;
    for (;;) {
        if (c->p >= c->end || *c->p == '\n' || *c->p == '\r') {
            if (c->p < c->end && *c->p == '\r')
                c->p++;
            if (c->p < c->end && *c->p == '\n')
                c->p++;
            break;
        }
        if (*c->p == ',') {
            c->p++;
            if (!rec_putc(c, &len, '\0') || !rec_push(c, len))
                return -1;
            continue;
        }
        if (*c->p == '"') {
            c->p++;
            while (c->p < c->end) {
                if (*c->p == '"') {
                    if (c->p + 1 < c->end && c->p[1] == '"') {
                        if (!rec_putc(c, &len, '"'))
                            return -1;
                        c->p += 2;
                        continue;
                    }
                    c->p++;
                    break;
                }
                if (*c->p == '\n')
                    c->line++;
                if (!rec_putc(c, &len, *c->p++))
                    return -1;
            }
            continue;
        }
        if (!rec_putc(c, &len, *c->p++))
            return -1;
    }
    if (!rec_putc(c, &len, '\0'))
        return -1;
    for (size_t i = 0; i < c->n; i++)
        c->fields[i] = c->buf + (size_t)(uintptr_t)c->fields[i];
    return 1;
}

void mood__csv_records_free(csv_records *c)
{
    mood__free(c->fields);
    mood__free(c->buf);
    memset(c, 0, sizeof *c);
}
