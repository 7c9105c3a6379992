/* `moodscope snapshot save RUN NAME | list | show NAME` (old spelling: save_snapshot). */
#include "cli.h"

#include <moodscope/run.h>

#include <string.h>

const char mood_cmd_snapshot_summary[] = "freeze a run's model under a name, list or show them";

static void help(FILE *fp)
{
    fprintf(fp,
            "Usage: moodscope snapshot save RUN NAME\n"
            "       moodscope snapshot list\n"
            "       moodscope snapshot show NAME\n\n"
            "A snapshot is a frozen copy of a run's model.json and metadata under\n"
            "--snapshots-dir/NAME/, used by 'moodscope predict NAME'.\n\n" MOOD_CLI_COMMON_HELP);
}

int mood_cmd_snapshot(int argc, char **argv)
{
    mood_cli_common com;
    int rc = mood_cli_parse_common_only(argc, argv, "snapshot", help, &com);
    if (rc >= 0)
        return rc;
    if (optind >= argc)
        return mood_cli_usage("snapshot", "snapshot needs save, list or show");
    const char *sub = argv[optind];
    if (strcmp(sub, "save") == 0) {
        if (argc - optind != 3)
            return mood_cli_usage("snapshot", "snapshot save needs RUN and NAME");
        if (mood_snapshot_save(com.runs_dir, argv[optind + 1], com.snapshots_dir,
                               argv[optind + 2]) != MOOD_OK)
            return mood_cli_fail("snapshot save");
        printf("saved run %s as snapshot '%s' in %s/%s/\n", argv[optind + 1], argv[optind + 2],
               com.snapshots_dir, argv[optind + 2]);
        return MOOD_EXIT_OK;
    }
    if (strcmp(sub, "list") == 0 || strcmp(sub, "show") == 0) {
        mood_snapshot_summary *v;
        size_t n, shown = 0;
        const char *want = NULL;
        if (strcmp(sub, "show") == 0) {
            if (argc - optind != 2)
                return mood_cli_usage("snapshot", "snapshot show needs NAME");
            want = argv[optind + 1];
        }
        if (mood_snapshots_list(com.snapshots_dir, &v, &n) != MOOD_OK)
            return mood_cli_fail("snapshot %s", sub);
        if (!want && n)
            printf("%-24s %-28s %-22s %3s %8s\n", "name", "run", "created", "k", "features");
        for (size_t i = 0; i < n; i++) {
            if (want && strcmp(v[i].name, want) != 0)
                continue;
            if (want)
                printf("name:     %s\nrun:      %s\ncreated:  %s\ngroups:   %zu\nfeatures: "
                       "%zu\nmodel:    %s/%s/model.json\n",
                       v[i].name, v[i].run_id, v[i].created_utc, v[i].k, v[i].n_features,
                       com.snapshots_dir, v[i].name);
            else
                printf("%-24s %-28s %-22s %3zu %8zu\n", v[i].name, v[i].run_id, v[i].created_utc,
                       v[i].k, v[i].n_features);
            shown++;
        }
        mood_free(v);
        if (want && !shown) {
            fprintf(stderr, "moodscope: error: snapshot show: snapshot '%s' not found in %s\n",
                    want, com.snapshots_dir);
            return MOOD_EXIT_ERROR;
        }
        if (!want && !n)
            mood_cli_info("no snapshots in %s", com.snapshots_dir);
        return MOOD_EXIT_OK;
    }
    return mood_cli_usage("snapshot", "unknown sub-command '%s' (save, list or show)", sub);
}
