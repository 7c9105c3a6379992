/* `moodscope predict NAME --input new.csv [--output FILE]` (old: load_snapshot --predict_csv). */
#include "cli.h"
#include "cli_mpi.h"

#include <moodscope/csv.h>
#include <moodscope/run.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char mood_cmd_predict_summary[] = "assign new rows to the groups of a snapshot";

static void help(FILE *fp)
{
    fprintf(fp, "Usage: moodscope predict NAME --input new.csv [--output FILE]\n\n"
                "Applies snapshot NAME (its saved imputation, scaler and model) to the rows of\n"
                "new.csv and writes them with cluster, cluster_name and distance columns to\n"
                "FILE (default active_run/predicted_clusters.csv).\n\n"
                "Options:\n"
                "  -i, --input FILE   rows to predict (old spelling: --predict_csv)\n"
                "  -o, --output FILE  where to write (- for stdout)\n\n" MOOD_CLI_COMMON_HELP);
}

int mood_cmd_predict(int argc, char **argv)
{
    /* Under mpirun (or --mpi / --input-per-rank) every rank runs the MPI engine. */
    if (mood_cli_mpi_wanted(argc, argv))
        return mood_cli_predict_mpi(argc, argv);
    static const struct option opts[] = {
        MOOD_CLI_PREDICT_LONGOPTS,
        MOOD_CLI_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    mood_cli_common com;
    const char *input = NULL, *output = "active_run/predicted_clusters.csv";
    mood_table *t;
    int opt;
    mood_cli_common_init(&com);
    for (;;) {
        opt = mood_cli_next_option(&com, argc, argv, "i:o:vh", opts);
        if (opt == -1)
            break;
        switch (opt) {
        case 'h':
            help(stdout);
            return MOOD_EXIT_OK;
        case 'i':
            input = optarg;
            break;
        case 'o':
            output = optarg;
            break;
        default:
            return mood_cli_usage("predict", "unknown option");
        }
    }
    if (argc - optind != 1)
        return mood_cli_usage("predict", "predict needs one snapshot NAME");
    if (!input)
        return mood_cli_usage("predict", "predict needs --input FILE.csv");
    if (mood_csv_read(input, NULL, &t) != MOOD_OK)
        return mood_cli_fail("predict");
    const char *name = argv[optind];
    if (strcmp(output, "-") == 0) {
        /* Predict into a temporary file, then stream it: the library writes atomically. */
        char tmp[] = "/tmp/moodscope-predict-XXXXXX";
        int fd = mkstemp(tmp);
        if (fd < 0) {
            mood_table_destroy(t);
            return mood_cli_fail("predict: temporary file");
        }
        close(fd);
        if (mood_snapshot_predict(com.snapshots_dir, name, t, tmp) != MOOD_OK) {
            unlink(tmp);
            mood_table_destroy(t);
            return mood_cli_fail("predict");
        }
        FILE *fp = fopen(tmp, "rb");
        char buf[65536];
        size_t got;
        got = fp ? fread(buf, 1, sizeof buf, fp) : 0;
        while (got > 0) {
            fwrite(buf, 1, got, stdout);
            got = fread(buf, 1, sizeof buf, fp);
        }
        if (fp)
            fclose(fp);
        unlink(tmp);
    } else {
        if (mood_snapshot_predict(com.snapshots_dir, name, t, output) != MOOD_OK) {
            mood_table_destroy(t);
            return mood_cli_fail("predict");
        }
        mood_cli_info("predicted %zu rows with snapshot '%s': %s", mood_table_rows(t), name,
                      output);
    }
    mood_table_destroy(t);
    return MOOD_EXIT_OK;
}
