/*
 * Clocks (private to libmoodscope, never installed): a monotonic clock for timings and deadlines,
 * and the wall-clock UTC stamps written into run directories and reports.
 */
#ifndef MOOD_CORE_CLOCK_H
#define MOOD_CORE_CLOCK_H

#include <stddef.h>

/* Seconds on CLOCK_MONOTONIC (an arbitrary origin; only differences mean anything). */
double mood__now(void);
/* Processor time of the whole process (all threads), in seconds. */
double mood__cpu_seconds(void);
/* Current UTC time as "2026-11-21T06:34:11Z" (iso_cap ≥ 21) and compact "20261121T063411Z"
 * (compact_cap ≥ 17); either buffer may be NULL. */
void mood__utc_now(char *iso, size_t iso_cap, char *compact, size_t compact_cap);

#endif
