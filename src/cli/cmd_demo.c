/*
 * `moodscope demo`: the quick start's main job on embedded data. Writes two demo tables,
 * finds their mood groups with automatic k and prints what it found.
 */
#include "cli.h"
#include "cli_report.h"

#include <moodscope/csv.h>
#include <moodscope/demo.h>
#include <moodscope/fileio.h>
#include <moodscope/run.h>

#include <stdlib.h>
#include <string.h>

const char mood_cmd_demo_summary[] = "write two demo tables and find their mood groups";

static void help(FILE *fp)
{
    fprintf(fp, "Usage: moodscope demo [--dir DIR] [--seed N]\n\n"
                "Writes DIR/A_calm_clean.csv and DIR/B_energetic_noisy.csv (600 tracks, 5\n"
                "features), then runs 'moodscope cluster -i A -i B --clusters auto' and prints\n"
                "the metrics, the group names and where the plot is. DIR defaults to ./demo.\n\n"
                "Options:\n"
                "      --dir DIR   where the demo tables go (default demo)\n"
                "      --seed N    seed of the demo data and of k-means (default "
                "42)\n\n" MOOD_CLI_COMMON_HELP);
}

enum { OPT_DIR = MOOD_OPT_FIRST_FREE, OPT_SEED };

int mood_cmd_demo(int argc, char **argv)
{
    static const struct option opts[] = {
        {"dir", required_argument, NULL, OPT_DIR},
        {"seed", required_argument, NULL, OPT_SEED},
        MOOD_CLI_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    mood_cli_common com;
    const char *dir = "demo";
    unsigned long long seed = 42;
    char pa[4096], pb[4096], id[128];
    mood_table *a, *b, *t;
    mood_run_config c;
    mood_run *r;
    int opt;
    mood_cli_common_init(&com);
    for (;;) {
        opt = mood_cli_next_option(&com, argc, argv, "vh", opts);
        if (opt == -1)
            break;
        switch (opt) {
        case 'h':
            help(stdout);
            return MOOD_EXIT_OK;
        case OPT_DIR:
            dir = optarg;
            break;
        case OPT_SEED:
            seed = strtoull(optarg, NULL, 10);
            break;
        default:
            return mood_cli_usage("demo", "unknown option");
        }
    }
    mood_cli_install_signals();
    snprintf(pa, sizeof pa, "%s/A_calm_clean.csv", dir);
    snprintf(pb, sizeof pb, "%s/B_energetic_noisy.csv", dir);
    if (mood_mkdirs(dir) != MOOD_OK || mood_demo_tables(seed, &a, &b) != MOOD_OK)
        return mood_cli_fail("demo");
    mood_status s = mood_csv_write(pa, a, NULL);
    if (s == MOOD_OK)
        s = mood_csv_write(pb, b, NULL);
    mood_table_destroy(a);
    mood_table_destroy(b);
    if (s != MOOD_OK)
        return mood_cli_fail("demo");
    printf("demo tables: %s (calm, clean) and %s (energetic, noisy)\n", pa, pb);
    printf("running: moodscope cluster -i %s -i %s --clusters auto --seed %llu\n\n", pa, pb, seed);
    const char *inputs[2] = {pa, pb};
    if (mood_csv_read_many(inputs, 2, NULL, &t) != MOOD_OK)
        return mood_cli_fail("demo");
    mood_run_config_default(&c);
    c.auto_k = 1;
    c.cluster.seed = seed;
    c.input_files = inputs;
    c.n_input_files = 2;
    s = mood_run_execute(&c, t, mood_cli_progress, NULL, &r);
    mood_cli_progress_done();
    mood_table_destroy(t);
    if (s != MOOD_OK)
        return mood_cli_fail("demo");
    if (mood_run_write(r, com.runs_dir, id, sizeof id) != MOOD_OK) {
        mood_run_destroy(r);
        return mood_cli_fail("demo: writing the run");
    }
    mood_cli_print_run(stdout, mood_run_metadata_json(r), com.runs_dir);
    printf("\nnext: moodscope profile %s --runs-dir %s\n      moodscope snapshot save %s demo "
           "&& moodscope predict demo --input %s\n",
           id, com.runs_dir, id, pb);
    mood_run_destroy(r);
    return MOOD_EXIT_OK;
}
