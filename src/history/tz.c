/*
 * Local time in a named zone without touching the process environment.
 *
 * The history reports bucket plays by local hour, weekday and month. The first version set
 * TZ, called tzset() and localtime_r(), and restored TZ afterwards; with the server's worker
 * threads running that is a data race on the environment and on the C library's zone state.
 * Here the zone's TZif file (RFC 8536, /usr/share/zoneinfo/<Zone> or $TZDIR/<Zone>) is read
 * once into an immutable table: transition times, the UTC offset after each, and the POSIX
 * TZ rule of the footer for times after the last transition (slim files end their table in
 * 2007, Debian's fat ones in 2037). The tables live in a process-wide list guarded by a mutex
 * and are never changed or freed once published, so lookups need no lock.
 */
#define _POSIX_C_SOURCE 200809L
#include "history_internal.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One DST switch of a POSIX TZ rule: Jn (1..365, no Feb 29), n (0..365) or Mm.w.d. */
typedef struct tz_switch {
    char kind;   /* 'J', 'D' (zero-based day) or 'M' */
    int a, b, c; /* day; or month, week, weekday */
    long secs;   /* local time of the switch, seconds after midnight (may be <0 or >24 h) */
} tz_switch;

/* The footer rule: standard offset, optional DST offset and its start and end. */
typedef struct tz_rule {
    int present;
    int has_dst;
    long std_off, dst_off; /* seconds east of UTC */
    tz_switch start, end;
} tz_rule;

struct hist_zone {
    struct hist_zone *next;
    char *name;
    size_t n_trans;
    int64_t *trans;     /* ascending UTC transition times */
    int32_t *off_after; /* offset in force from trans[i] on */
    int32_t before_off; /* offset before the first transition */
    tz_rule rule;
};

/* ---- big-endian readers -------------------------------------------------------------------- */

static int64_t be64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return (int64_t)v;
}

static int32_t be32(const unsigned char *p)
{
    uint32_t v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return (int32_t)v;
}

/* ---- POSIX TZ rule ("CET-1CEST,M3.5.0,M10.5.0/3") ------------------------------------------ */

static int rule_name(const char **p)
{
    const char *s = *p;
    if (*s == '<') {
        s++;
        while (*s && *s != '>')
            s++;
        if (*s != '>' || s - *p < 4)
            return 0;
        *p = s + 1;
        return 1;
    }
    while (isalpha((unsigned char)*s))
        s++;
    if (s - *p < 3)
        return 0;
    *p = s;
    return 1;
}

static int rule_num(const char **p, int max_digits, int *out)
{
    int v = 0, n = 0;
    while (isdigit((unsigned char)**p) && n < max_digits) {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    *out = v;
    return n > 0;
}

/* [+-]hh[:mm[:ss]] with hh up to 167 (RFC 8536 extension); seconds, sign as written. */
static int rule_hms(const char **p, long *out)
{
    int sign = 1, h = 0, m = 0, s = 0;
    if (**p == '+' || **p == '-') {
        sign = **p == '-' ? -1 : 1;
        (*p)++;
    }
    if (!rule_num(p, 3, &h) || h > 167)
        return 0;
    if (**p == ':') {
        (*p)++;
        if (!rule_num(p, 2, &m) || m > 59)
            return 0;
        if (**p == ':') {
            (*p)++;
            if (!rule_num(p, 2, &s) || s > 59)
                return 0;
        }
    }
    *out = sign * (h * 3600L + m * 60L + s);
    return 1;
}

static int rule_switch(const char **p, tz_switch *sw)
{
    sw->secs = 7200;
    if (**p == 'M') {
        (*p)++;
        sw->kind = 'M';
        if (!rule_num(p, 2, &sw->a) || **p != '.' || sw->a < 1 || sw->a > 12)
            return 0;
        (*p)++;
        if (!rule_num(p, 1, &sw->b) || **p != '.' || sw->b < 1 || sw->b > 5)
            return 0;
        (*p)++;
        if (!rule_num(p, 1, &sw->c) || sw->c > 6)
            return 0;
    } else if (**p == 'J') {
        (*p)++;
        sw->kind = 'J';
        if (!rule_num(p, 3, &sw->a) || sw->a < 1 || sw->a > 365)
            return 0;
    } else {
        sw->kind = 'D';
        if (!rule_num(p, 3, &sw->a) || sw->a > 365)
            return 0;
    }
    if (**p == '/') {
        (*p)++;
        if (!rule_hms(p, &sw->secs))
            return 0;
    }
    return 1;
}

/* Parse a footer rule of @p len bytes; 1 when it is well formed. */
static int rule_parse(const char *text, size_t len, tz_rule *r)
{
    char buf[128];
    const char *p = buf;
    long off;
    memset(r, 0, sizeof *r);
    if (len == 0 || len >= sizeof buf)
        return len == 0;
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (!rule_name(&p) || !rule_hms(&p, &off))
        return 0;
    r->std_off = -off; /* POSIX counts hours west of Greenwich */
    r->present = 1;
    if (*p == '\0')
        return r->std_off >= -89999 && r->std_off <= 93599;
    if (!rule_name(&p))
        return 0;
    r->has_dst = 1;
    r->dst_off = r->std_off + 3600;
    if (*p && *p != ',') {
        if (!rule_hms(&p, &off))
            return 0;
        r->dst_off = -off;
    }
    /* RFC 8536 3.2: offsets lie in [-89999, 93599] s (-25..+26 h), like the TZif types. */
    if (r->std_off < -89999 || r->std_off > 93599 || r->dst_off < -89999 || r->dst_off > 93599)
        return 0;
    if (*p != ',') /* a DST name without switch rules: tzcode's default is US rules; refuse */
        return 0;
    p++;
    if (!rule_switch(&p, &r->start) || *p != ',')
        return 0;
    p++;
    if (!rule_switch(&p, &r->end) || *p != '\0')
        return 0;
    return 1;
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Year of a day count since the epoch. */
static int64_t year_of_days(int64_t z)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    return yoe + era * 400 + (m <= 2);
}

/* Local seconds since the epoch (in the offset before the switch) at which @p sw happens. */
static int64_t switch_local(const tz_switch *sw, int64_t year)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t day;
    if (sw->kind == 'J') {
        day = mood__days_from_civil(year, 1, 1) + sw->a - 1;
        if (is_leap(year) && sw->a >= 60)
            day++;
    } else if (sw->kind == 'D') {
        day = mood__days_from_civil(year, 1, 1) + sw->a;
    } else {
        int64_t first = mood__days_from_civil(year, sw->a, 1);
        int wday0 = (int)((first % 7 + 11) % 7); /* 1970-01-01 was a Thursday (4) */
        int dim = mdays[sw->a - 1] + (sw->a == 2 && is_leap(year));
        int dom = 1 + (sw->c - wday0 + 7) % 7 + 7 * (sw->b - 1);
        while (dom > dim)
            dom -= 7;
        day = first + dom - 1;
    }
    return day * 86400 + sw->secs;
}

static long rule_offset(const tz_rule *r, int64_t t)
{
    if (!r->has_dst)
        return r->std_off;
    int64_t year = year_of_days(floor_div(t + r->std_off, 86400));
    int64_t start = switch_local(&r->start, year) - r->std_off;
    int64_t end = switch_local(&r->end, year) - r->dst_off;
    int dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
    return dst ? r->dst_off : r->std_off;
}

/* ---- TZif ------------------------------------------------------------------------------------ */

void mood__hist_zone_free(hist_zone *z)
{
    if (!z)
        return;
    mood__free(z->name);
    mood__free(z->trans);
    mood__free(z->off_after);
    mood__free(z);
}

/* The six counts of a TZif header at @p h. */
typedef struct tzif_counts {
    uint32_t isut, isstd, leap, time, type, chars;
} tzif_counts;

static void read_counts(const unsigned char *h, tzif_counts *c)
{
    c->isut = (uint32_t)be32(h + 20);
    c->isstd = (uint32_t)be32(h + 24);
    c->leap = (uint32_t)be32(h + 28);
    c->time = (uint32_t)be32(h + 32);
    c->type = (uint32_t)be32(h + 36);
    c->chars = (uint32_t)be32(h + 40);
}

/* Bytes of the data block after a header, or 0 when the counts are impossible. */
static size_t block_size(const tzif_counts *c, size_t tsize)
{
    if (c->type == 0 || c->type > 256 || c->chars == 0 || c->time > 100000 || c->leap > 10000 ||
        (c->isut != 0 && c->isut != c->type) || (c->isstd != 0 && c->isstd != c->type))
        return 0;
    return c->time * tsize + c->time + c->type * 6u + c->chars + c->leap * (tsize + 4) + c->isstd +
           c->isut;
}

mood_status mood__hist_tzif_parse(const char *name, const unsigned char *buf, size_t len,
                                  hist_zone **out)
{
    tzif_counts c;
    size_t tsize = 4, blk;
    const unsigned char *d;
    hist_zone *z;
    *out = NULL;
    if (len < 44 || memcmp(buf, "TZif", 4) != 0)
        return mood__error(MOOD_EFORMAT, "time zone '%s': not a TZif file", name);
    read_counts(buf, &c);
    blk = block_size(&c, 4);
    if (!blk || len - 44 < blk)
        return mood__error(MOOD_EFORMAT, "time zone '%s': truncated or invalid TZif header", name);
    d = buf + 44;
    if (buf[4] >= '2') { /* skip the 32-bit block: the second header has 64-bit times */
        const unsigned char *h2 = d + blk;
        if ((size_t)(h2 - buf) + 44 > len || memcmp(h2, "TZif", 4) != 0)
            return mood__error(MOOD_EFORMAT, "time zone '%s': missing 64-bit TZif block", name);
        read_counts(h2, &c);
        tsize = 8;
        blk = block_size(&c, 8);
        d = h2 + 44;
        if (!blk || (size_t)(d - buf) > len || len - (size_t)(d - buf) < blk)
            return mood__error(MOOD_EFORMAT, "time zone '%s': truncated 64-bit TZif block", name);
    }
    z = mood__calloc(1, sizeof *z);
    if (!z || !(z->name = mood__strdup(name)))
        goto nomem;
    z->n_trans = c.time;
    if (c.time) {
        z->trans = mood__malloc_array(c.time, sizeof *z->trans);
        z->off_after = mood__malloc_array(c.time, sizeof *z->off_after);
        if (!z->trans || !z->off_after)
            goto nomem;
    }
    {
        const unsigned char *tt = d, *ix = d + c.time * tsize, *types = ix + c.time;
        for (uint32_t i = 0; i < c.time; i++) {
            z->trans[i] = tsize == 8 ? be64(tt + 8 * i) : be32(tt + 4 * i);
            if (ix[i] >= c.type || (i > 0 && z->trans[i] <= z->trans[i - 1])) {
                mood__hist_zone_free(z);
                return mood__error(MOOD_EFORMAT,
                                   "time zone '%s': transition %u out of order or of unknown type",
                                   name, (unsigned)i);
            }
            z->off_after[i] = be32(types + 6 * ix[i]);
        }
        for (uint32_t k = 0; k < c.type; k++) {
            int32_t off = be32(types + 6 * k);
            if (off < -25 * 3600 || off > 26 * 3600) {
                mood__hist_zone_free(z);
                return mood__error(MOOD_EFORMAT, "time zone '%s': UTC offset %ld out of range",
                                   name, (long)off);
            }
        }
        z->before_off = be32(types); /* RFC 8536 3.2: time type 0 */
    }
    if (tsize == 8) { /* footer: "\n<rule>\n" */
        const unsigned char *f = d + blk, *end = buf + len;
        if (f < end && *f == '\n') {
            const unsigned char *nl = memchr(f + 1, '\n', (size_t)(end - f - 1));
            if (!nl || !rule_parse((const char *)f + 1, (size_t)(nl - f - 1), &z->rule)) {
                mood__hist_zone_free(z);
                return mood__error(MOOD_EFORMAT, "time zone '%s': unreadable TZ rule footer", name);
            }
        }
    }
    *out = z;
    return MOOD_OK;
nomem:
    mood__hist_zone_free(z);
    return mood__enomem("time zone");
}

long mood__hist_zone_offset(const hist_zone *z, int64_t t)
{
    size_t lo = 0, hi = z->n_trans;
    if (z->n_trans == 0 || t < z->trans[0])
        return z->n_trans == 0 && z->rule.present ? rule_offset(&z->rule, t) : z->before_off;
    if (t >= z->trans[z->n_trans - 1] && z->rule.present)
        return rule_offset(&z->rule, t);
    while (hi - lo > 1) { /* largest i with trans[i] <= t */
        size_t mid = lo + (hi - lo) / 2;
        if (z->trans[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return z->off_after[lo];
}

/* ---- the process-wide cache --------------------------------------------------------------------
 */

static pthread_mutex_t zones_lock = PTHREAD_MUTEX_INITIALIZER;
static hist_zone *zones;

static mood_status zone_load(const char *name, hist_zone **out)
{
    char path[512];
    const char *dir = getenv("TZDIR");
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0;
    FILE *f;
    mood_status s;
    *out = NULL;
    snprintf(path, sizeof path, "%s/%s", dir && dir[0] ? dir : "/usr/share/zoneinfo", name);
    f = fopen(path, "rb");
    if (!f)
        return mood__error(MOOD_EINVAL,
                           "time zone '%s': unknown (expected an IANA name such as "
                           "Europe/Berlin or an offset such as +05:30)",
                           name);
    for (;;) {
        if (len == cap) {
            unsigned char *nb;
            if (cap >= (1u << 20)) {
                fclose(f);
                mood__free(buf);
                return mood__error(MOOD_EFORMAT, "time zone '%s': %s is too large", name, path);
            }
            cap = cap ? cap * 2 : 4096;
            nb = mood__realloc(buf, cap);
            if (!nb) {
                fclose(f);
                mood__free(buf);
                return mood__enomem("time zone");
            }
            buf = nb;
        }
        size_t r = fread(buf + len, 1, cap - len, f);
        len += r;
        if (r == 0)
            break;
    }
    if (ferror(f)) {
        fclose(f);
        mood__free(buf);
        return mood__error(MOOD_EINVAL, "time zone '%s': %s is not a readable file", name, path);
    }
    fclose(f);
    s = mood__hist_tzif_parse(name, buf, len, out);
    mood__free(buf);
    return s;
}

mood_status mood__hist_zone_get(const char *name, const hist_zone **out)
{
    hist_zone *z;
    mood_status s = MOOD_OK;
    *out = NULL;
    pthread_mutex_lock(&zones_lock);
    for (z = zones; z; z = z->next)
        if (strcmp(z->name, name) == 0)
            break;
    if (!z) {
        s = zone_load(name, &z);
        if (s == MOOD_OK) {
            z->next = zones;
            zones = z;
        }
    }
    pthread_mutex_unlock(&zones_lock);
    *out = z;
    return s;
}

/* ---- the conversion used by reports, sessions and data sets ------------------------------------
 */

/* An offset spelled "+05:30", "-0800", "UTC+2", "UTC-03:30"; 1 when @p tz is one. */
static int parse_offset(const char *tz, long *out)
{
    const char *p = tz;
    int hh = 0, mm = 0, sign;
    if (strncmp(p, "UTC", 3) == 0 || strncmp(p, "GMT", 3) == 0)
        p += 3;
    if (*p != '+' && *p != '-')
        return 0;
    sign = *p == '-' ? -1 : 1;
    p++;
    if (!rule_num(&p, 2, &hh))
        return 0;
    if (*p == ':')
        p++;
    if (*p) {
        const char *q = p;
        if (!rule_num(&p, 2, &mm) || p - q != 2)
            return 0;
    }
    if (*p || hh > 14 || mm > 59)
        return 0;
    *out = sign * (hh * 3600L + mm * 60L);
    return 1;
}

/*
 * An IANA name is loaded (once per process) from the zone database; a name with ".." or a
 * leading "/" is refused so that the option cannot read arbitrary files.
 */
mood_status mood__hist_tz_begin(const char *tz, hist_tz *st)
{
    memset(st, 0, sizeof *st);
    if (!tz || !tz[0] || strcmp(tz, "UTC") == 0 || strcmp(tz, "Z") == 0 || strcmp(tz, "GMT") == 0) {
        st->use_offset = 1;
        return MOOD_OK;
    }
    if (parse_offset(tz, &st->offset_s)) {
        st->use_offset = 1;
        return MOOD_OK;
    }
    if (strstr(tz, "..") || tz[0] == '/')
        return mood__error(MOOD_EINVAL,
                           "time zone '%s': expected an IANA name or an offset "
                           "such as +05:30",
                           tz);
    return mood__hist_zone_get(tz, &st->zone);
}

void mood__hist_tz_local(const hist_tz *st, int64_t t, int *hour, int *wday, int *mday, int *mon,
                         int *year)
{
    struct tm tm;
    long off = st->use_offset || !st->zone ? st->offset_s : mood__hist_zone_offset(st->zone, t);
    time_t tt = (time_t)(t + off);
    gmtime_r(&tt, &tm);
    if (hour)
        *hour = tm.tm_hour;
    if (wday)
        *wday = (tm.tm_wday + 6) % 7; /* Monday = 0 */
    if (mday)
        *mday = tm.tm_mday;
    if (mon)
        *mon = tm.tm_mon;
    if (year)
        *year = tm.tm_year + 1900;
}

void mood__hist_tz_end(hist_tz *st)
{
    st->zone = NULL; /* the zone table belongs to the process-wide cache */
}
