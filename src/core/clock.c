/*
 * The one monotonic clock of the library (timings in run.json, job deadlines, progress rates)
 * and the UTC stamps of run directories. gmtime_r does not read TZ, so both are thread-safe.
 */
#define _POSIX_C_SOURCE 200809L
#include "clock.h"

#include <moodscope/status.h>

#include <time.h>

double mood__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double mood_monotonic_seconds(void)
{
    return mood__now();
}

double mood__cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int64_t mood__days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t mood__utc_seconds(int64_t y, int mo, int d, int h, int mi, int s)
{
    return mood__days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 + s;
}

void mood__utc_format(int64_t t, char *iso, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(iso, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void mood__utc_now(char *iso, size_t iso_cap, char *compact, size_t compact_cap)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    if (iso)
        strftime(iso, iso_cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (compact)
        strftime(compact, compact_cap, "%Y%m%dT%H%M%SZ", &tm);
}
