/**
 * @file demo.h
 * @brief The embedded demo data: two small feature tables with known mood structure.
 */
#ifndef MOODSCOPE_DEMO_H
#define MOODSCOPE_DEMO_H

#include "table.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Make the two demo tables (seeded, identical on every machine):
 * A "calm and clean" (300 rows: calm acoustic ballads and mellow upbeat songs, little noise) and
 * B "energetic and noisy" (300 rows: intense dark tracks and happy dance tracks, more noise and
 * a few missing cells). Columns: track_id, title, energy, valence, tempo, acousticness,
 * loudness.
 * @param out_a, out_b receive the tables (release with mood_table_destroy()).
 */
MOOD_API mood_status mood_demo_tables(uint64_t seed, mood_table **out_a, mood_table **out_b);

#ifdef __cplusplus
}
#endif
#endif
