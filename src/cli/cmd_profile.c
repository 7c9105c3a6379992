/*
 * `moodscope profile RUN | --input clustered.csv [--labels COLUMN]` (old spelling:
 * cluster_feature_profiles.py --input_csv FILE).
 */
#include "cli.h"

#include <moodscope/csv.h>
#include <moodscope/describe.h>
#include <moodscope/run.h>

#include <stdlib.h>
#include <string.h>

const char mood_cmd_profile_summary[] = "describe each group: size, means, z-scores, name";

static void help(FILE *fp)
{
    fprintf(fp, "Usage: moodscope profile RUN [--labels COLUMN]\n"
                "       moodscope profile --input clustered.csv [--labels COLUMN]\n\n"
                "Per group: size, mean and z-score of every feature, strongest traits and a\n"
                "short name. With --labels, also the labels inside each group (top labels with\n"
                "counts and shares), a name from the dominant labels, purity, NMI and ARI, and\n"
                "files label_profiles.csv and group_table.csv (id -> group name) in the run\n"
                "directory (or --output-dir).\n\n"
                "Options:\n"
                "  -i, --input FILE     a clustered table (old spelling: --input_csv)\n"
                "      --features LIST  features to profile (default: all numeric)\n"
                "      --labels COLUMN  column of known labels (e.g. Genre)\n"
                "      --top N          labels listed per group (default 5)\n"
                "      --output-dir DIR where to write the CSV files\n\n" MOOD_CLI_COMMON_HELP);
}

enum { OPT_LABELS = MOOD_OPT_FIRST_FREE, OPT_TOP, OPT_OUTDIR, OPT_FEATURES };

int mood_cmd_profile(int argc, char **argv)
{
    static const struct option opts[] = {
        {"input", required_argument, NULL, 'i'},
        {"input_csv", required_argument, NULL, 'i'},
        {"input-csv", required_argument, NULL, 'i'},
        {"labels", required_argument, NULL, OPT_LABELS},
        {"top", required_argument, NULL, OPT_TOP},
        {"output-dir", required_argument, NULL, OPT_OUTDIR},
        {"features", required_argument, NULL, OPT_FEATURES},
        MOOD_CLI_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    mood_cli_common com;
    const char *input = NULL, *labels = NULL, *outdir = NULL, *features = NULL;
    char path[4096], dir[4096], file[4096];
    size_t top = 5;
    int opt;
    mood_table *t;
    mood_profile *p;
    mood_label_profile *lp = NULL;
    mood_cli_common_init(&com);
    for (;;) {
        opt = mood_cli_next_option(&com, argc, argv, "i:vh", opts);
        if (opt == -1)
            break;
        switch (opt) {
        case 'h':
            help(stdout);
            return MOOD_EXIT_OK;
        case 'i':
            input = optarg;
            break;
        case OPT_LABELS:
            labels = optarg;
            break;
        case OPT_TOP:
            top = (size_t)strtoul(optarg, NULL, 10);
            if (top == 0)
                return mood_cli_usage("profile", "--top expects a positive integer");
            break;
        case OPT_OUTDIR:
            outdir = optarg;
            break;
        case OPT_FEATURES:
            features = optarg;
            break;
        default:
            return mood_cli_usage("profile", "unknown option");
        }
    }
    if (!input && argc - optind != 1)
        return mood_cli_usage("profile", "profile needs a RUN id or --input FILE");
    if (!input) {
        snprintf(dir, sizeof dir, "%s/%s", com.runs_dir, argv[optind]);
        snprintf(path, sizeof path, "%s/clustered_output.csv", dir);
        input = path;
        if (!outdir)
            outdir = dir;
    }
    if (mood_csv_read(input, NULL, &t) != MOOD_OK)
        return mood_cli_fail("profile");
    if (mood_clustered_profile(t, features, labels, &p, labels ? &lp : NULL) != MOOD_OK) {
        mood_table_destroy(t);
        return mood_cli_fail("profile %s", input);
    }
    mood_profile_print(p, stdout);
    if (lp) {
        printf("\nlabels '%s' inside each group:\n", labels);
        mood_label_profile_print(lp, top, stdout);
    }
    if (outdir) {
        int rc = MOOD_EXIT_OK;
        snprintf(file, sizeof file, "%s/profiles.csv", outdir);
        if (mood_profile_write_csv(p, file) != MOOD_OK)
            rc = mood_cli_fail("profile");
        if (rc == MOOD_EXIT_OK && lp) {
            snprintf(file, sizeof file, "%s/label_profiles.csv", outdir);
            if (mood_label_profile_write_csv(lp, file) != MOOD_OK)
                rc = mood_cli_fail("profile");
        }
        if (rc == MOOD_EXIT_OK) {
            snprintf(file, sizeof file, "%s/group_table.csv", outdir);
            if (mood_group_table_write(t, p, lp, file) != MOOD_OK)
                rc = mood_cli_fail("profile");
            else
                mood_cli_info("wrote profiles.csv%s and group_table.csv in %s",
                              lp ? ", label_profiles.csv" : "", outdir);
        }
        mood_label_profile_destroy(lp);
        mood_profile_destroy(p);
        mood_table_destroy(t);
        return rc;
    }
    mood_label_profile_destroy(lp);
    mood_profile_destroy(p);
    mood_table_destroy(t);
    return MOOD_EXIT_OK;
}
