/* `moodscope runs list | show RUN`: the stored runs. */
#include "cli.h"
#include "cli_report.h"

#include <moodscope/run.h>

#include <string.h>

const char mood_cmd_runs_summary[] = "list stored runs or show one";

static void help(FILE *fp)
{
    fprintf(fp, "Usage: moodscope runs list\n"
                "       moodscope runs show RUN\n\n"
                "Lists the runs under --runs-dir (newest first) or prints one run's summary\n"
                "(--format json prints its run_metadata.json).\n\n" MOOD_CLI_COMMON_HELP);
}

int mood_cmd_runs(int argc, char **argv)
{
    mood_cli_common com;
    int rc = mood_cli_parse_common_only(argc, argv, "runs", help, &com);
    if (rc >= 0)
        return rc;
    const char *sub = optind < argc ? argv[optind] : "list";
    int json = com.format && strcmp(com.format, "json") == 0;
    if (strcmp(sub, "list") == 0) {
        mood_run_summary *v;
        size_t n;
        if (mood_runs_list(com.runs_dir, &v, &n) != MOOD_OK)
            return mood_cli_fail("runs list");
        if (json) {
            printf("[");
            for (size_t i = 0; i < n; i++)
                printf("%s\n  {\"run_id\": \"%s\", \"algorithm\": \"%s\", \"k\": %zu, \"rows\": "
                       "%zu, \"silhouette\": %.6g, \"score\": %.6g}",
                       i ? "," : "", v[i].run_id, v[i].algorithm, v[i].k, v[i].n_rows,
                       v[i].silhouette, v[i].score);
            printf("\n]\n");
        } else {
            if (n == 0)
                mood_cli_info("no runs in %s", com.runs_dir);
            else
                printf("%-28s %-10s %3s %8s %10s %8s  %s\n", "run", "algorithm", "k", "rows",
                       "silhouette", "score", "name");
            for (size_t i = 0; i < n; i++)
                printf("%-28s %-10s %3zu %8zu %10.4f %8.4f  %s\n", v[i].run_id, v[i].algorithm,
                       v[i].k, v[i].n_rows, v[i].silhouette, v[i].score, v[i].name);
        }
        mood_free(v);
        return MOOD_EXIT_OK;
    }
    if (strcmp(sub, "show") == 0) {
        char *meta;
        if (optind + 1 >= argc)
            return mood_cli_usage("runs", "runs show needs a RUN id");
        if (mood_run_read_metadata(com.runs_dir, argv[optind + 1], &meta) != MOOD_OK)
            return mood_cli_fail("runs show");
        if (json)
            fputs(meta, stdout);
        else if (mood_cli_print_run(stdout, meta, com.runs_dir) != 0) {
            mood_free(meta);
            return mood_cli_fail("runs show: %s: run_metadata.json is not valid JSON",
                                 argv[optind + 1]);
        }
        mood_free(meta);
        return MOOD_EXIT_OK;
    }
    return mood_cli_usage("runs", "unknown sub-command '%s' (list or show)", sub);
}
