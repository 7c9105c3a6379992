/*
 * The CSV tokenizer: rows of raw cells out of a buffer or a file read in chunks.
 *
 * Hand-written rather than taken from libcsv (Debian's libcsv3): the reader needs the physical
 * line of every cell for its messages, a lenient reading of real exports (blanks before an
 * opening quote, text after a closing one, lone CR line ends) and zero-copy cells for numbers,
 * none of which libcsv's callback interface gives.
 *
 * A file is read into a window of at least mood__csv_chunk_bytes (1 MiB). When a row runs past the
 * end of the window and the file has more, the scanner reports SCAN_MORE without consuming
 * anything; the unread tail (the partial row) moves to the front of the buffer, more bytes are read
 * behind it (the buffer doubles when one row fills half of it) and the row is scanned again. A row
 * is therefore scanned at most a few times, and memory stays at one chunk plus the longest row.
 */
#define _POSIX_C_SOURCE 200809L
#include "csv_scan.h"

#include "../core/internal.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

/* The first window size; tests lower it to put chunk boundaries everywhere. */
size_t mood__csv_chunk_bytes = (size_t)1 << 20;

enum { SCAN_END, SCAN_ROW, SCAN_MORE, SCAN_ERROR };

/* Count the line breaks (CRLF, LF or lone CR) in [p, end). */
static size_t count_line_breaks(const char *p, const char *end)
{
    size_t n = 0;
    for (; p < end; p++)
        if (*p == '\n' || (*p == '\r' && !(p + 1 < end && p[1] == '\n')))
            n++;
    return n;
}

/* Whether the input starts with a UTF-16 byte order mark (when its start is still in view). */
static int utf16_bom(const csv_scanner *sc)
{
    const unsigned char *s = (const unsigned char *)(sc->fp ? sc->buf : sc->mem);
    size_t n = (size_t)(sc->end - (const char *)s);
    if (sc->fp && sc->buf_off != 0)
        return 0;
    return n >= 2 && ((s[0] == 0xFF && s[1] == 0xFE) || (s[0] == 0xFE && s[1] == 0xFF));
}

/*
 * A NUL byte means a binary file, UTF-16 text (Excel's "Unicode text" export) or a broken
 * export; memchr finds one at memory speed.
 */
static mood_status check_nul(const csv_scanner *sc, const char *from, const char *to)
{
    const char *nul = from < to ? memchr(from, '\0', (size_t)(to - from)) : NULL;
    if (!nul)
        return MOOD_OK;
    if (utf16_bom(sc))
        return mood__error(MOOD_EFORMAT,
                           "%s:1: UTF-16 text is not supported; save the file as UTF-8 CSV",
                           sc->name);
    return mood__error(MOOD_EFORMAT, "%s:%zu: NUL byte in the input (not a text file?)", sc->name,
                       sc->line + count_line_breaks(sc->p, nul));
}

mood_status mood__csv_open_buffer(csv_scanner *sc, const char *name, const char *data, size_t len)
{
    memset(sc, 0, sizeof *sc);
    sc->name = name;
    sc->mem = sc->p = data;
    sc->mem_end = sc->end = data + len;
    sc->line = 1;
    sc->eof = 1;
    return check_nul(sc, sc->p, sc->end);
}

mood_status mood__csv_open_file(csv_scanner *sc, const char *name, FILE *fp, size_t max_bytes)
{
    memset(sc, 0, sizeof *sc);
    sc->name = name;
    sc->fp = fp;
    sc->max_bytes = max_bytes;
    sc->line = 1;
    sc->cap = mood__csv_chunk_bytes ? mood__csv_chunk_bytes : 1;
    sc->buf = mood__malloc(sc->cap);
    if (!sc->buf)
        return mood__error(MOOD_ENOMEM, "%s: out of memory", name);
    sc->p = sc->end = sc->buf;
    return MOOD_OK;
}

void mood__csv_close(csv_scanner *sc)
{
    mood__free(sc->buf);
    sc->buf = NULL;
}

/*
 * Keep the unread bytes [p, end), move them to the front and read more behind them. Sets eof at
 * the end of the file. Only called for a file source that is not at eof.
 */
static mood_status refill(csv_scanner *sc)
{
    size_t keep = (size_t)(sc->end - sc->p), want, got;
    sc->buf_off += (uint64_t)(sc->p - sc->buf);
    memmove(sc->buf, sc->p, keep);
    if (2 * keep >= sc->cap) {
        char *nb = sc->cap < SIZE_MAX / 2 ? mood__realloc(sc->buf, 2 * sc->cap) : NULL;
        if (!nb) {
            sc->p = sc->buf;
            sc->end = sc->buf + keep;
            return mood__error(MOOD_ENOMEM, "%s: out of memory (a row longer than %zu bytes)",
                               sc->name, keep);
        }
        sc->buf = nb;
        sc->cap *= 2;
    }
    sc->p = sc->buf;
    sc->end = sc->buf + keep;
    want = sc->cap - keep;
    got = fread(sc->buf + keep, 1, want, sc->fp);
    if (got < want) {
        if (ferror(sc->fp))
            return mood__error(MOOD_EIO, "%s: read failed: %s", sc->name, strerror(errno));
        sc->eof = 1;
    }
    sc->end += got;
    if (sc->max_bytes && sc->buf_off + (uint64_t)(sc->end - sc->buf) > sc->max_bytes)
        return mood__error(MOOD_EINVAL, "%s: input is more than the limit of %zu bytes", sc->name,
                           sc->max_bytes);
    return check_nul(sc, sc->buf + keep, sc->end);
}

csv_mark mood__csv_tell(const csv_scanner *sc)
{
    csv_mark m;
    m.offset = sc->fp ? sc->buf_off + (uint64_t)(sc->p - sc->buf) : (uint64_t)(sc->p - sc->mem);
    m.line = sc->line;
    return m;
}

mood_status mood__csv_seek(csv_scanner *sc, csv_mark m)
{
    sc->line = m.line;
    if (!sc->fp) {
        sc->p = sc->mem + m.offset;
        return MOOD_OK;
    }
    if (m.offset >= sc->buf_off && m.offset <= sc->buf_off + (uint64_t)(sc->end - sc->buf)) {
        sc->p = sc->buf + (m.offset - sc->buf_off);
        return MOOD_OK;
    }
    if (m.offset > (uint64_t)INT64_MAX || fseeko(sc->fp, (off_t)m.offset, SEEK_SET) != 0)
        return mood__error(MOOD_EIO, "%s: cannot seek: %s", sc->name, strerror(errno));
    clearerr(sc->fp);
    sc->buf_off = m.offset;
    sc->p = sc->end = sc->buf;
    sc->eof = 0;
    return MOOD_OK;
}

/*
 * Scan one row starting at sc->p.
 *
 * The state machine, per field:
 *   FIELD_START  blanks (space/tab) followed by '"' open a quoted field (a lenient reading of
 *                `a, "b"`); anything else starts an unquoted field.
 *   UNQUOTED     every byte up to the delimiter, CR or LF belongs to the field (a '"' in the
 *                middle is literal, as pandas reads `5'11"`).
 *   QUOTED       every byte belongs to the field, newlines included (they advance the line
 *                count); '""' is one quote; a lone '"' closes the field. Reaching the end of
 *                the input here is an "unterminated quoted field" error naming the line where
 *                the field started.
 *   AFTER_QUOTE  bytes up to the delimiter or line end are appended literally (`"ab"c` is abc).
 *   FIELD_END    the delimiter starts the next field; CRLF, LF or a lone CR ends the row; the
 *                end of the input ends the row (a last line without a newline).
 * Blank lines before the row are skipped (and consumed). Wherever the decision needs a byte
 * beyond the window and the input has more, the row is left unconsumed and SCAN_MORE returned.
 */
static int scan_row(csv_scanner *sc, csv_cell *cells, size_t max_cells, size_t *out_nf,
                    size_t *out_line)
{
    const char *p = sc->p, *end = sc->end;
    const unsigned char *stop = sc->stop;
    const int eof = sc->eof;
    size_t line = sc->line, nf;
    for (;;) {
        if (p == end) {
            sc->p = p;
            sc->line = line;
            return eof ? SCAN_END : SCAN_MORE;
        }
        if (*p == '\n') {
            p++;
        } else if (*p == '\r') {
            if (p + 1 == end && !eof) {
                sc->p = p;
                sc->line = line;
                return SCAN_MORE;
            }
            p += (p + 1 < end && p[1] == '\n') ? 2 : 1;
        } else {
            break;
        }
        line++;
    }
    sc->p = p; /* blank lines consumed; the row starts here */
    sc->line = line;
    *out_line = line;
    for (nf = 0;; nf++) {
        const char *start = p, *q = p;
        size_t fline = line;
        int quoted = 0;
        while (q < end && (*q == ' ' || *q == '\t') && *q != sc->delim)
            q++;
        if (q == end && !eof)
            return SCAN_MORE;
        if (q < end && *q == '"') {
            quoted = 1;
            for (p = q + 1;; p++) {
                if (p == end) {
                    if (!eof)
                        return SCAN_MORE;
                    mood__error(MOOD_EFORMAT,
                                "%s:%zu: unterminated quoted field (the quote opened on this "
                                "line is never closed)",
                                sc->name, fline);
                    return SCAN_ERROR;
                }
                if (*p == '"' || *p == '\r') {
                    if (p + 1 == end && !eof)
                        return SCAN_MORE;
                    if (*p == '"') {
                        if (p + 1 < end && p[1] == '"') {
                            p++;
                            continue;
                        }
                        p++;
                        break;
                    }
                    if (!(p + 1 < end && p[1] == '\n'))
                        line++; /* a lone CR */
                } else if (*p == '\n') {
                    line++;
                }
            }
        }
        while (p < end && !stop[(unsigned char)*p])
            p++;
        if (nf < max_cells) {
            cells[nf].p = start;
            cells[nf].len = (size_t)(p - start);
            cells[nf].line = fline;
            cells[nf].quoted = quoted;
        }
        if (p == end) {
            if (!eof)
                return SCAN_MORE;
            break;
        }
        if (*p == sc->delim) {
            p++;
            continue;
        }
        if (*p == '\r') {
            if (p + 1 == end && !eof)
                return SCAN_MORE;
            p += (p + 1 < end && p[1] == '\n') ? 2 : 1;
        } else {
            p++;
        }
        line++;
        break;
    }
    sc->p = p;
    sc->line = line;
    *out_nf = nf + 1;
    return SCAN_ROW;
}

mood_status mood__csv_next_row(csv_scanner *sc, csv_cell *cells, size_t max_cells, size_t *out_nf,
                               size_t *out_line, int *out_row)
{
    *out_row = 0;
    for (;;) {
        mood_status s;
        switch (scan_row(sc, cells, max_cells, out_nf, out_line)) {
        case SCAN_ROW:
            *out_row = 1;
            return MOOD_OK;
        case SCAN_END:
            return MOOD_OK;
        case SCAN_ERROR:
            return MOOD_EFORMAT;
        default:
            s = refill(sc);
            if (s != MOOD_OK)
                return s;
        }
    }
}

size_t mood__csv_cell_value(const csv_cell *c, char *dst)
{
    const char *p = c->p, *end = c->p + c->len;
    size_t n = 0, tail;
    if (!c->quoted) {
        memcpy(dst, p, c->len);
        dst[c->len] = '\0';
        return c->len;
    }
    while (*p != '"')
        p++;
    for (p++;;) { /* the scanner guarantees the closing quote */
        if (*p == '"') {
            if (p + 1 < end && p[1] == '"') {
                dst[n++] = '"';
                p += 2;
                continue;
            }
            p++;
            break;
        }
        dst[n++] = *p++;
    }
    tail = n;
    while (p < end)
        dst[n++] = *p++;
    while (n > tail && (dst[n - 1] == ' ' || dst[n - 1] == '\t'))
        n--;
    dst[n] = '\0';
    return n;
}

/*
 * Whether [p, end) holds the whole header line: a line break outside quotes after some
 * content. Sets *out_counts to the candidate delimiters' counts in that line.
 */
static int header_line(const char *p, const char *end, size_t counts[4])
{
    static const char cand[4] = {',', '\t', ';', '|'};
    int inq = 0, seen = 0;
    memset(counts, 0, 4 * sizeof counts[0]);
    for (; p < end; p++) {
        char c = *p;
        if (c == '"') {
            inq = !inq;
        } else if (!inq && (c == '\n' || c == '\r')) {
            if (seen)
                return 1;
            continue;
        } else if (!inq) {
            for (int k = 0; k < 4; k++)
                counts[k] += c == cand[k];
        }
        seen = 1;
    }
    return 0;
}

mood_status mood__csv_start(csv_scanner *sc, char delim)
{
    /* Callers check that delim is not a quote or a line break; so does "sep=" below. */
    static const char cand[4] = {',', '\t', ';', '|'};
    size_t counts[4], len = strlen(sc->name);
    mood_status s;
    /* Enough bytes for the BOM and "sep=;", then the whole header line (or the whole file). */
    while (!sc->eof && (size_t)(sc->end - sc->p) < 10) {
        s = refill(sc);
        if (s != MOOD_OK)
            return s;
    }
    if (sc->end - sc->p >= 3 && (unsigned char)sc->p[0] == 0xEF &&
        (unsigned char)sc->p[1] == 0xBB && (unsigned char)sc->p[2] == 0xBF)
        sc->p += 3;
    /* Excel's "sep=;" first line names the delimiter; it is not the header. */
    if (sc->end - sc->p >= 6 && strncasecmp(sc->p, "sep=", 4) == 0 && sc->p[4] != '"' &&
        sc->p[4] != '\n' && sc->p[4] != '\r' && (sc->p[5] == '\n' || sc->p[5] == '\r')) {
        if (!delim)
            delim = sc->p[4];
        sc->p += (sc->p[5] == '\r' && sc->end - sc->p >= 7 && sc->p[6] == '\n') ? 7 : 6;
        sc->line++;
    }
    while (!header_line(sc->p, sc->end, counts) && !sc->eof) {
        s = refill(sc);
        if (s != MOOD_OK)
            return s;
    }
    if (!delim) {
        if (len >= 4 && (strcasecmp(sc->name + len - 4, ".tsv") == 0 ||
                         strcasecmp(sc->name + len - 4, ".tab") == 0)) {
            delim = '\t';
        } else {
            int best = 0;
            for (int k = 1; k < 4; k++)
                if (counts[k] > counts[best])
                    best = k;
            delim = cand[best];
        }
    }
    sc->delim = delim;
    memset(sc->stop, 0, sizeof sc->stop);
    sc->stop[(unsigned char)delim] = 1;
    sc->stop['\n'] = 1;
    sc->stop['\r'] = 1;
    return MOOD_OK;
}
