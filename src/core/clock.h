/*
 * Clocks (private to libmoodscope, never installed): a monotonic clock for timings and deadlines,
 * and the wall-clock UTC stamps written into run directories and reports.
 */
#ifndef MOOD_CORE_CLOCK_H
#define MOOD_CORE_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Seconds on CLOCK_MONOTONIC (an arbitrary origin; only differences mean anything). */
double mood__now(void);
/* Processor time of the whole process (all threads), in seconds. */
double mood__cpu_seconds(void);
/* Current UTC time as "2026-11-21T06:34:11Z" (iso_cap ≥ 21) and compact "20261121T063411Z"
 * (compact_cap ≥ 17); either buffer may be NULL. */
void mood__utc_now(char *iso, size_t iso_cap, char *compact, size_t compact_cap);
/* @p t (seconds since the epoch) as "2026-11-21T06:34:11Z" (cap ≥ 21). */
void mood__utc_format(int64_t t, char *iso, size_t cap);
/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil), month
 * 1..12; a day past the month's end carries over as timegm() does. */
int64_t mood__days_from_civil(int64_t y, int m, int d);
/* Seconds since the epoch of the UTC time y-mo-d h:mi:s (month 1..12; the other fields carry
 * over like timegm's), without reading TZ or the process environment. */
int64_t mood__utc_seconds(int64_t y, int mo, int d, int h, int mi, int s);

#endif
