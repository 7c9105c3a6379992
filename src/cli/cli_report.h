/* Terminal summaries of runs (formatting only). */
#ifndef MOOD_CLI_REPORT_H
#define MOOD_CLI_REPORT_H

#include <moodscope/library.h>

#include <stdio.h>

/* Print a run's summary from its run_metadata.json text; -1 if the text is not JSON. */
int mood_cli_print_run(FILE *fp, const char *meta_text, const char *runs_dir);

/*
 * Print a track's tempo, metre and key with their confidences and runners-up (three lines:
 * "track ID: PATH", "  tempo: ...", "  key:   ..."), marking the values the user set.
 */
void mood_cli_print_musical(FILE *fp, const mood_library_musical *m);

#endif
