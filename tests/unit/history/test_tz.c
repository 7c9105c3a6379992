/*
 * Local time without the process environment (src/history/tz.c): the UTC offset of a zone at
 * thousands of instants, around every DST switch and beyond the last transition of the table
 * (the POSIX rule of the footer), against the answers of the C library's own `date`, run as
 * `TZ=<zone> date -f <file> +%z` by the test. A synthetic TZif with no transitions and only a
 * footer rule must agree with the full Europe/Berlin file; broken TZif headers are refused;
 * and four threads converting in different zones at once must all get the same answers
 * (the ThreadSanitizer job runs this test).
 */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"

#include "history/history_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_T 4096

typedef struct zone_case {
    const char *name;
    size_t n;
    int64_t t[MAX_T];
    long expect[MAX_T]; /* seconds east of UTC, from date(1) */
} zone_case;

/* Instants: every 5 days 23 h 1 s from 1971 to 2060, plus +-1 s around the known switches. */
static size_t instants(int64_t *t)
{
    static const int64_t switches[] = {
        1616893200, /* 2021-03-28 01:00Z Berlin CET -> CEST */
        1635642000, /* 2021-10-31 01:00Z Berlin CEST -> CET */
        1615705200, /* 2021-03-14 07:00Z New York EST -> EDT */
        1636264800, /* 2021-11-07 06:00Z New York EDT -> EST */
        1633190400, /* 2021-10-02 16:00Z Sydney AEST -> AEDT */
        1617465600, /* 2021-04-03 16:00Z Sydney AEDT -> AEST */
        2216250000, /* 2040-03-25 01:00Z Berlin, after the table: footer rule */
        2234998800, /* 2040-10-28 01:00Z Berlin */
    };
    size_t n = 0;
    for (int64_t x = 31536000; x < 2840140800 && n + 40 < MAX_T; x += 5 * 86400 + 23 * 3600 + 1)
        t[n++] = x;
    for (size_t i = 0; i < sizeof switches / sizeof *switches; i++)
        for (int d = -1; d <= 1; d++)
            t[n++] = switches[i] + d;
    return n;
}

/* The offsets `date` reports for @p zc->t in zone @p zc->name ("+0100" -> 3600). */
static void expected_from_date(zone_case *zc)
{
    char in[2048], cmd[4096], line[64];
    FILE *f;
    snprintf(in, sizeof in, "%s/instants.txt", mood_test_tmpdir("tz_date"));
    f = fopen(in, "w");
    assert_non_null(f);
    for (size_t i = 0; i < zc->n; i++)
        fprintf(f, "@%lld\n", (long long)zc->t[i]);
    fclose(f);
    snprintf(cmd, sizeof cmd, "TZ='%s' date -f '%s' +%%z", zc->name, in);
    f = popen(cmd, "r");
    assert_non_null(f);
    for (size_t i = 0; i < zc->n; i++) {
        int sign, hh, mm;
        assert_non_null(fgets(line, sizeof line, f));
        assert_true(strlen(line) >= 5);
        sign = line[0] == '-' ? -1 : 1;
        hh = (line[1] - '0') * 10 + (line[2] - '0');
        mm = (line[3] - '0') * 10 + (line[4] - '0');
        zc->expect[i] = sign * (hh * 3600L + mm * 60L);
    }
    assert_int_equal(pclose(f), 0);
}

static zone_case *make_case(const char *name)
{
    zone_case *zc = calloc(1, sizeof *zc);
    assert_non_null(zc);
    zc->name = name;
    zc->n = instants(zc->t);
    expected_from_date(zc);
    return zc;
}

static size_t mismatches(const hist_zone *z, const zone_case *zc, int verbose)
{
    size_t bad = 0;
    for (size_t i = 0; i < zc->n; i++) {
        long got = mood__hist_zone_offset(z, zc->t[i]);
        if (got != zc->expect[i]) {
            if (verbose && bad < 5)
                fprintf(stderr, "%s at %lld: got %ld, date says %ld\n", zc->name,
                        (long long)zc->t[i], got, zc->expect[i]);
            bad++;
        }
    }
    return bad;
}

static const char *const zones[] = {
    "Europe/Berlin",     "America/New_York",    "Australia/Sydney", "Asia/Kolkata",
    "Asia/Kathmandu",    "Australia/Lord_Howe", "Pacific/Chatham",  "America/Sao_Paulo",
    "Africa/Casablanca", "Europe/London",       "Asia/Tokyo",       "UTC",
};

static void test_offsets_match_date(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof zones / sizeof *zones; k++) {
        const hist_zone *z;
        zone_case *zc = make_case(zones[k]);
        MOOD_ASSERT_OK(mood__hist_zone_get(zones[k], &z));
        assert_int_equal(mismatches(z, zc, 1), 0);
        free(zc);
    }
}

/* The fields the history uses, at the four 2021 switches of Berlin and New York. */
static void test_local_fields(void **state)
{
    (void)state;
    hist_tz tz;
    int hour, wday, mday, mon, year;
    MOOD_ASSERT_OK(mood__hist_tz_begin("Europe/Berlin", &tz));
    mood__hist_tz_local(&tz, 1616893199, &hour, &wday, &mday, &mon, &year); /* 01:59:59 CET */
    assert_int_equal(hour, 1);
    mood__hist_tz_local(&tz, 1616893200, &hour, &wday, &mday, &mon, &year); /* 03:00 CEST */
    assert_int_equal(hour, 3);
    assert_int_equal(wday, 6); /* Sunday, Monday = 0 */
    assert_int_equal(mday, 28);
    assert_int_equal(mon, 2);
    assert_int_equal(year, 2021);
    mood__hist_tz_local(&tz, 1635641999, &hour, NULL, NULL, NULL, NULL); /* 02:59:59 CEST */
    assert_int_equal(hour, 2);
    mood__hist_tz_local(&tz, 1635642000, &hour, NULL, NULL, NULL, NULL); /* 02:00 CET again */
    assert_int_equal(hour, 2);
    mood__hist_tz_end(&tz);
    MOOD_ASSERT_OK(mood__hist_tz_begin("America/New_York", &tz));
    mood__hist_tz_local(&tz, 1615705199, &hour, NULL, NULL, NULL, NULL);
    assert_int_equal(hour, 1);
    mood__hist_tz_local(&tz, 1615705200, &hour, NULL, NULL, NULL, NULL);
    assert_int_equal(hour, 3);
    /* New Year's Eve 23:30 local is still the old year there and already the new in UTC. */
    mood__hist_tz_local(&tz, 1640997000, &hour, &wday, &mday, &mon, &year);
    assert_int_equal(hour, 19);
    assert_int_equal(year, 2021);
    mood__hist_tz_end(&tz);
    assert_int_equal(mood__hist_tz_begin("Europe", &tz), MOOD_EINVAL);       /* a directory */
    assert_int_equal(mood__hist_tz_begin("Nowhere/Land", &tz), MOOD_EINVAL); /* no file */
}

/* A TZif v2 file with no transitions: only the footer rule decides. */
static size_t footer_only(unsigned char *buf, const char *rule)
{
    size_t n = 0;
    for (int part = 0; part < 2; part++) {
        memset(buf + n, 0, 44);
        memcpy(buf + n, "TZif2", 5);
        buf[n + 39] = 1; /* typecnt */
        buf[n + 43] = 4; /* charcnt */
        n += 44;
        /* one type: +01:00 standard, designation "CET" */
        buf[n + 0] = 0;
        buf[n + 1] = 0;
        buf[n + 2] = 0x0e;
        buf[n + 3] = 0x10;
        buf[n + 4] = 0;
        buf[n + 5] = 0;
        memcpy(buf + n + 6, "CET", 4);
        n += 10;
    }
    buf[n++] = '\n';
    memcpy(buf + n, rule, strlen(rule));
    n += strlen(rule);
    buf[n++] = '\n';
    return n;
}

static void test_footer_rule(void **state)
{
    (void)state;
    unsigned char buf[512];
    size_t len = footer_only(buf, "CET-1CEST,M3.5.0,M10.5.0/3");
    hist_zone *z;
    zone_case *zc = make_case("Europe/Berlin");
    MOOD_ASSERT_OK(mood__hist_tzif_parse("synthetic", buf, len, &z));
    /* Berlin has followed the EU rule since 1996; compare from then on. */
    zone_case *late = calloc(1, sizeof *late);
    assert_non_null(late);
    late->name = "Europe/Berlin";
    for (size_t i = 0; i < zc->n; i++)
        if (zc->t[i] >= 820454400) { /* 1996-01-01 */
            late->t[late->n] = zc->t[i];
            late->expect[late->n++] = zc->expect[i];
        }
    assert_true(late->n > 1000);
    assert_int_equal(mismatches(z, late, 1), 0);
    mood__hist_zone_free(z);
    /* The southern hemisphere: DST across New Year (Sydney since 2008). */
    free(zc);
    zc = make_case("Australia/Sydney");
    len = footer_only(buf, "AEST-10AEDT,M10.1.0,M4.1.0/3");
    MOOD_ASSERT_OK(mood__hist_tzif_parse("synthetic", buf, len, &z));
    late->n = 0;
    for (size_t i = 0; i < zc->n; i++)
        if (zc->t[i] >= 1230768000) { /* 2009-01-01 */
            late->t[late->n] = zc->t[i];
            late->expect[late->n++] = zc->expect[i];
        }
    assert_int_equal(mismatches(z, late, 1), 0);
    mood__hist_zone_free(z);
    /* Julian-day and quoted-name forms parse; a zone without DST is its standard offset. */
    len = footer_only(buf, "<+0545>-5:45");
    MOOD_ASSERT_OK(mood__hist_tzif_parse("synthetic", buf, len, &z));
    assert_int_equal(mood__hist_zone_offset(z, 1700000000), 5 * 3600 + 45 * 60);
    mood__hist_zone_free(z);
    len = footer_only(buf, "XST3XDT,J60/2,J300/2");
    MOOD_ASSERT_OK(mood__hist_tzif_parse("synthetic", buf, len, &z));
    assert_int_equal(mood__hist_zone_offset(z, 1700000000), -3 * 3600); /* 2023-11-14 */
    assert_int_equal(mood__hist_zone_offset(z, 1690000000), -2 * 3600); /* 2023-07-22 */
    mood__hist_zone_free(z);
    free(late);
    free(zc);
}

static void test_bad_tzif(void **state)
{
    (void)state;
    unsigned char buf[512];
    hist_zone *z = (hist_zone *)buf;
    size_t len = footer_only(buf, "CET-1CEST,M3.5.0,M10.5.0/3");
    assert_int_equal(mood__hist_tzif_parse("x", buf, 10, &z), MOOD_EFORMAT);
    assert_null(z);
    assert_int_equal(mood__hist_tzif_parse("x", buf, 60, &z), MOOD_EFORMAT); /* no 2nd header */
    buf[0] = 'X';
    assert_int_equal(mood__hist_tzif_parse("x", buf, len, &z), MOOD_EFORMAT);
    assert_non_null(strstr(mood_last_error(), "not a TZif file"));
    len = footer_only(buf, "CET-1CEST,M13.5.0,M10.5.0/3"); /* month 13 */
    assert_int_equal(mood__hist_tzif_parse("x", buf, len, &z), MOOD_EFORMAT);
    assert_non_null(strstr(mood_last_error(), "footer"));
    /* Found by fuzz_tz: footer offsets beyond the TZif range (100 h) were accepted. */
    len = footer_only(buf, "<+1030>-100:3<+1;1>-11,M10.1.0,M2.1.0");
    assert_int_equal(mood__hist_tzif_parse("x", buf, len, &z), MOOD_EFORMAT);
    len = footer_only(buf, "XST-26");
    assert_int_equal(mood__hist_tzif_parse("x", buf, len, &z), MOOD_EFORMAT);
    len = footer_only(buf, "CET-1");
    buf[39] = 0; /* typecnt 0 in the first header */
    assert_int_equal(mood__hist_tzif_parse("x", buf, len, &z), MOOD_EFORMAT);
}

/* ---- threads ----------------------------------------------------------------------------- */

typedef struct thread_arg {
    const zone_case *zc;
    size_t bad;
    mood_status st;
} thread_arg;

static void *convert_all(void *p)
{
    thread_arg *a = p;
    for (int round = 0; round < 3; round++) {
        hist_tz tz;
        a->st = mood__hist_tz_begin(a->zc->name, &tz);
        if (a->st != MOOD_OK)
            return NULL;
        for (size_t i = 0; i < a->zc->n; i++) {
            int hour, mday;
            int64_t local = a->zc->t[i] + a->zc->expect[i];
            mood__hist_tz_local(&tz, a->zc->t[i], &hour, NULL, &mday, NULL, NULL);
            if (hour != (int)((local % 86400) / 3600))
                a->bad++;
        }
        mood__hist_tz_end(&tz);
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    static const char *const names[] = {"Europe/Paris", "America/Chicago", "Asia/Tehran",
                                        "Pacific/Auckland"};
    zone_case *zc[4];
    thread_arg a[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        zc[i] = make_case(names[i]);
        a[i] = (thread_arg){zc[i], 0, MOOD_OK};
    }
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, convert_all, &a[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(a[i].st, MOOD_OK);
        assert_int_equal(a[i].bad, 0);
        free(zc[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offsets_match_date),
        cmocka_unit_test(test_local_fields),
        cmocka_unit_test(test_footer_rule),
        cmocka_unit_test(test_bad_tzif),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
