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
