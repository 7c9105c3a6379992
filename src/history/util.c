/*
 * Small helpers of the history subsystem: the time formats of the exports (local time in a
 * chosen zone is tz.c), name normalisation for joins and JSON helpers (CSV records are read by
 * the io reader, src/io/csv_records.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "history_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- time parsing ------------------------------------------------------------------------ */

static const char *const month_abbr[12] = {"jan", "feb", "mar", "apr", "may", "jun",
                                           "jul", "aug", "sep", "oct", "nov", "dec"};

static int read_int(const char **p, int min_digits, int max_digits, int *out)
{
    int v = 0, nd = 0;
    while (isdigit((unsigned char)**p) && nd < max_digits) {
        v = v * 10 + (**p - '0');
        (*p)++;
        nd++;
    }
    if (nd < min_digits)
        return 0;
    *out = v;
    return 1;
}

static void skip_spaces(const char **p)
{
    while (**p == ' ' || **p == '\t')
        (*p)++;
}

static int valid_tm(int y, int mo, int d, int h, int mi, int s)
{
    return y >= 1970 && y < 2200 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h <= 23 &&
           mi >= 0 && mi <= 59 && s >= 0 && s <= 60;
}

/* Optional "Z", "+hh:mm", "+hhmm", "-hh" after a time; returns the offset in seconds. */
static int read_zone(const char **p, long *off)
{
    *off = 0;
    skip_spaces(p);
    if (**p == 'Z' || **p == 'z') {
        (*p)++;
        return 1;
    }
    if (strncmp(*p, "UTC", 3) == 0 || strncmp(*p, "GMT", 3) == 0) {
        *p += 3;
        if (**p != '+' && **p != '-')
            return 1;
    }
    if (**p == '+' || **p == '-') {
        int sign = **p == '-' ? -1 : 1, hh = 0, mm = 0;
        (*p)++;
        if (!read_int(p, 1, 2, &hh))
            return 0;
        if (**p == ':')
            (*p)++;
        read_int(p, 2, 2, &mm);
        *off = sign * (hh * 3600L + mm * 60L);
    }
    return 1;
}

/* "hh:mm[:ss]"; with @p frac a fractional second after ss is accepted and dropped. */
static int read_clock(const char **p, int *h, int *mi, int *sec, int frac)
{
    if (!read_int(p, 1, 2, h) || **p != ':')
        return 0;
    (*p)++;
    if (!read_int(p, 2, 2, mi))
        return 0;
    if (**p == ':') {
        (*p)++;
        if (!read_int(p, 2, 2, sec))
            return 0;
        if (frac && **p == '.')
            for ((*p)++; isdigit((unsigned char)**p); (*p)++)
                ;
    }
    return 1;
}

int mood__hist_parse_time(const char *s, int64_t *out_utc)
{
    const char *p = s;
    int y, mo, d, h = 0, mi = 0, sec = 0;
    long off = 0;
    if (!s)
        return 0;
    skip_spaces(&p);
    if (!*p)
        return 0;
    /* Epoch seconds (Last.fm uts) or milliseconds. */
    {
        const char *q = p;
        int nd = 0;
        while (isdigit((unsigned char)*q)) {
            q++;
            nd++;
        }
        const char *r = q;
        skip_spaces(&r);
        if (nd >= 9 && *r == '\0') {
            long long v = strtoll(p, NULL, 10);
            if (nd >= 13)
                v /= 1000;
            *out_utc = (int64_t)v;
            return 1;
        }
    }
    if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) &&
        isdigit((unsigned char)p[2]) && isdigit((unsigned char)p[3]) &&
        (p[4] == '-' || p[4] == '/')) {
        /* 2020-01-05[ T]21:44[:31[.123]][Z|+01:00] */
        if (!read_int(&p, 4, 4, &y))
            return 0;
        p++;
        if (!read_int(&p, 1, 2, &mo) || (*p != '-' && *p != '/'))
            return 0;
        p++;
        if (!read_int(&p, 1, 2, &d))
            return 0;
        if (*p == 'T' || *p == ' ') {
            p++;
            skip_spaces(&p);
            if (!read_clock(&p, &h, &mi, &sec, 1))
                return 0;
        }
        if (!read_zone(&p, &off))
            return 0;
    } else if (isdigit((unsigned char)p[0])) {
        /* 31 Jan 2021, 12:34 / 31 Jan 2021 12:34 */
        char mon[4];
        if (!read_int(&p, 1, 2, &d))
            return 0;
        skip_spaces(&p);
        for (int i = 0; i < 3; i++) {
            if (!isalpha((unsigned char)p[i]))
                return 0;
            mon[i] = (char)tolower((unsigned char)p[i]);
        }
        mon[3] = '\0';
        mo = 0;
        for (int i = 0; i < 12; i++)
            if (strcmp(mon, month_abbr[i]) == 0)
                mo = i + 1;
        if (!mo)
            return 0;
        while (isalpha((unsigned char)*p))
            p++;
        skip_spaces(&p);
        if (!read_int(&p, 4, 4, &y))
            return 0;
        if (*p == ',')
            p++;
        skip_spaces(&p);
        if (*p) {
            if (!read_clock(&p, &h, &mi, &sec, 0))
                return 0;
            if (!read_zone(&p, &off))
                return 0;
        }
    } else {
        return 0;
    }
    skip_spaces(&p);
    if (*p != '\0' || !valid_tm(y, mo, d, h, mi, sec))
        return 0;
    *out_utc = mood__utc_seconds(y, mo, d, h, mi, sec) - off;
    return 1;
}

/* ---- normalisation ------------------------------------------------------------------------ */
/*
 * Titles differ between services in decoration rather than substance: "Song - Remastered
 * 2009", "Song (feat. X)", "Song [Live]". Dropping bracketed parts and anything after " - "
 * and keeping only letters and digits (ASCII lower-cased, other UTF-8 bytes kept) lets the
 * same recording match across exports and feature tables.
 */
void mood__hist_norm(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    int depth = 0, space = 0;
    if (cap == 0)
        return;
    for (const char *p = s ? s : ""; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '(' || ch == '[') {
            depth++;
            continue;
        }
        if ((ch == ')' || ch == ']') && depth > 0) {
            depth--;
            continue;
        }
        if (depth > 0)
            continue;
        if (ch == ' ' && p[1] == '-' && p[2] == ' ' && o > 0)
            break;
        if (isalnum(ch) || ch >= 0x80) {
            if (space && o > 0 && o + 1 < cap)
                out[o++] = ' ';
            space = 0;
            if (o + 1 < cap)
                out[o++] = (char)(ch < 0x80 ? tolower(ch) : ch);
        } else {
            space = 1;
        }
    }
    out[o] = '\0';
}

void mood__hist_track_key(const char *artist, const char *track, char *out, size_t cap)
{
    char a[512], t[512];
    mood__hist_norm(artist, a, sizeof a);
    mood__hist_norm(track, t, sizeof t);
    if (!t[0]) /* a title that is all decoration keeps its raw lower-case form */
        mood__hist_norm(track && track[0] == '(' ? track + 1 : track, t, sizeof t);
    snprintf(out, cap, "%s\x1f%s", a, t);
}

/* ---- JSON --------------------------------------------------------------------------------- */

char *mood__hist_json_dump(const json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    char *copy;
    if (!s)
        return NULL;
    copy = mood__strdup(s);
    free(s);
    return copy;
}

json_t *mood__hist_jreal(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}
