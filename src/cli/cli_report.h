/* Terminal summaries of runs (formatting only). */
#ifndef MOOD_CLI_REPORT_H
#define MOOD_CLI_REPORT_H

#include <stdio.h>

/* Print a run's summary from its run_metadata.json text; -1 if the text is not JSON. */
int mood_cli_print_run(FILE *fp, const char *meta_text, const char *runs_dir);

#endif
