/*
 * The command line of the MPI engine: option parsing for `cluster` and `predict` when they
 * run under mpirun, then the collective library calls (moodscope/mpi.h). Only rank 0 speaks:
 * the other ranks' stdout and stderr are closed, and every failure is agreed across ranks so
 * that rank 0 prints one line naming the rank that failed and all ranks exit 1 together.
 */
#include "cli_mpi.h"
#include "cli.h"
#include "cli_report.h"

#include <moodscope/mpi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mood_cli_mpi_wanted(int argc, char **argv)
{
    if (mood_mpi_launched())
        return 1;
    for (int a = 1; a < argc; a++)
        if (strcmp(argv[a], "--mpi") == 0 || strncmp(argv[a], "--input-per-rank", 16) == 0)
            return 1;
    return 0;
}

static void help(FILE *fp)
{
    fprintf(
        fp,
        "Usage: mpirun -n N moodscope cluster -i FILE.csv -k K [options]\n"
        "       mpirun -n N moodscope cluster --input-per-rank 'part-%%d.csv' -k K\n\n"
        "Distributed k-means: each rank reads its share of the rows (a byte range of\n"
        "FILE, or its own file), statistics and k-means sums are reduced across ranks in\n"
        "the single-process order (same seed, same model), rank 0 writes runs/<run_id>/.\n\n"
        "Options (as for cluster):\n"
        "  -i, --input FILE        one CSV/TSV, or a .f32 binary table (bench/mpi)\n"
        "      --input-per-rank P  one file per rank; %%d or {rank} is the rank number\n"
        "  -k, --clusters K        number of groups (auto is single-process only)\n"
        "      --features LIST     --scaler NAME  --seed N  --n-init N  --max-iter N  --tol X\n"
        "      --algorithm kmeans  (the only distributed algorithm so far)\n"
        "      --gather-max N      rows rank 0 gathers for scores, map and profiles\n"
        "                          (default 200000; more rows: a seeded sample)\n"
        "      --skip-clustered-output  no clustered_output.csv (benchmarks)\n"
        "      --mpi-stats FILE    write this run's MPI counters as JSON (rank 0)\n"
        "      --mpi               use the MPI path even with one rank\n\n" MOOD_CLI_COMMON_HELP);
}

enum {
    OPT_FEATURES = MOOD_OPT_FIRST_FREE,
    OPT_SCALER,
    OPT_SEED,
    OPT_NINIT,
    OPT_MAXITER,
    OPT_TOL,
    OPT_ALGO,
    OPT_PER_RANK,
    OPT_GATHER,
    OPT_SKIP,
    OPT_STATS,
    OPT_MPI,
    OPT_UNSUPPORTED
};

typedef struct mpi_args {
    mood_cli_common com;
    mood_run_config c;
    mood_mpi_input in;
    mood_mpi_options o;
    const char *stats_path;
    const char *inputs[2];
} mpi_args;

/* Only rank 0 prints; the others write to /dev/null. */
static void quiet_others(void)
{
    if (mood_mpi_rank() == 0)
        return;
    if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
        return;
}

static int parse_value(mpi_args *a, int opt, const char *name, const char *arg)
{
    size_t z;
    double x;
    int rc = 0;
    if (opt == OPT_TOL) {
        rc = mood_cli_parse_real("cluster", name, arg, &x);
        a->c.cluster.tol = x;
        return rc;
    }
    rc = mood_cli_parse_size("cluster", name, arg, &z);
    if (rc != 0)
        return rc;
    if (opt == 'k')
        a->c.cluster.k = z;
    else if (opt == OPT_SEED)
        a->c.cluster.seed = z;
    else if (opt == OPT_NINIT)
        a->c.cluster.n_init = z;
    else if (opt == OPT_MAXITER)
        a->c.cluster.max_iter = z;
    else if (opt == OPT_GATHER)
        a->o.gather_max_rows = z;
    return 0;
}

static int parse_one(mpi_args *a, int opt, char **argv)
{
    const char *name = argv[optind - 1];
    switch (opt) {
    case 'i':
        if (a->in.path)
            return mood_cli_usage("cluster", "under MPI give one -i FILE (or --input-per-rank)");
        a->in.path = a->inputs[0] = optarg;
        return 0;
    case 'k':
        if (strcmp(optarg, "auto") == 0)
            return mood_cli_usage("cluster", "--clusters auto is single-process; give K");
        return parse_value(a, opt, name, optarg);
    case OPT_FEATURES:
        a->c.features = optarg;
        return 0;
    case OPT_SCALER:
        if (mood_scaler_kind_parse(optarg, &a->c.scaler) != MOOD_OK)
            return mood_cli_usage("cluster", "--scaler must be standard, minmax, robust or none");
        return 0;
    case OPT_ALGO:
        if (mood_algorithm_parse(optarg, &a->c.cluster.algorithm) != MOOD_OK ||
            a->c.cluster.algorithm != MOOD_ALGO_KMEANS)
            return mood_cli_usage("cluster", "under MPI --algorithm must be kmeans");
        return 0;
    case OPT_PER_RANK:
        a->in.per_rank_pattern = a->inputs[0] = optarg;
        return 0;
    case OPT_SKIP:
        a->o.skip_clustered_output = 1;
        return 0;
    case OPT_STATS:
        a->stats_path = optarg;
        return 0;
    case OPT_MPI:
        return 0;
    case OPT_UNSUPPORTED:
        return mood_cli_usage("cluster", "%s is single-process only (not under MPI)", name);
    default:
        return parse_value(a, opt, name, optarg);
    }
}

static int parse_cluster(int argc, char **argv, mpi_args *a)
{
    static const struct option opts[] = {
        MOOD_CLI_CLUSTER_KMEANS_LONGOPTS,
        {"input-per-rank", required_argument, NULL, OPT_PER_RANK},
        {"gather-max", required_argument, NULL, OPT_GATHER},
        {"skip-clustered-output", no_argument, NULL, OPT_SKIP},
        {"mpi-stats", required_argument, NULL, OPT_STATS},
        {"mpi", no_argument, NULL, OPT_MPI},
        {"config", required_argument, NULL, OPT_UNSUPPORTED},
        {"config_file", required_argument, NULL, OPT_UNSUPPORTED},
        {"search", no_argument, NULL, OPT_UNSUPPORTED},
        {"pca", required_argument, NULL, OPT_UNSUPPORTED},
        {"labels", required_argument, NULL, OPT_UNSUPPORTED},
        MOOD_CLI_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    int opt, rc;
    optind = 1;
    for (;;) {
        opt = mood_cli_next_option(&a->com, argc, argv, "i:k:vh", opts);
        if (opt == -1)
            break;
        if (opt == 'h') {
            help(stdout);
            return -1;
        }
        if (opt == '?')
            return mood_cli_usage("cluster", "unknown option");
        rc = parse_one(a, opt, argv);
        if (rc != 0)
            return rc;
    }
    if (optind < argc && !a->in.path)
        a->in.path = a->inputs[0] = argv[optind++];
    if (optind < argc)
        return mood_cli_usage("cluster", "under MPI give one input table");
    if (!a->in.path && !a->in.per_rank_pattern)
        return mood_cli_usage("cluster", "no input table: give -i FILE.csv");
    return 0;
}

static void write_stats(const char *path, const mood_mpi_stats *st)
{
    FILE *fp = fopen(path, "w");
    if (!fp) {
        mood_cli_warn("cannot write %s", path);
        return;
    }
    fprintf(fp,
            "{\"ranks\": %d, \"rows\": %zu, \"iterations\": %zu, \"n_init\": %zu,\n"
            " \"seconds_total\": %.3f, \"seconds_prepare\": %.3f, \"seconds_seed\": %.3f,\n"
            " \"seconds_lloyd\": %.3f, \"cpu_seconds_rank0\": %.3f, \"cpu_seconds_all_ranks\": "
            "%.3f,\n \"lloyd_bytes_per_iter_rank0\": %.1f, \"lloyd_bytes_per_iter_all_ranks\": "
            "%.1f,\n \"lloyd_calls_per_iter\": %.1f, \"bytes_all_ranks\": %llu,\n"
            " \"cpu_seconds_fit_all_ranks\": %.3f}\n",
            st->ranks, st->rows_global, st->iterations, st->n_init, st->seconds_total,
            st->seconds_prep, st->seconds_seed, st->seconds_lloyd, st->cpu_seconds,
            st->cpu_seconds_all_ranks, st->lloyd_bytes_per_iter, st->lloyd_bytes_per_iter_all_ranks,
            st->lloyd_calls_per_iter, st->bytes_all_ranks, st->cpu_seconds_fit_all_ranks);
    fclose(fp);
}

/* Read, execute, write, report: the collective part. */
static int cluster_run(mpi_args *a)
{
    mood_table *t = NULL;
    mood_mpi_run *r = NULL;
    size_t first = 0, n = 0;
    char id[128] = "";
    a->c.input_files = a->inputs;
    a->c.n_input_files = 1;
    a->in.add_source = 1;
    if (mood_mpi_read_share(&a->in, &t, &first, &n) != MOOD_OK)
        return mood_cli_fail("reading input");
    mood_status s = mood_mpi_run_execute(&a->c, t, &a->o, &r);
    if (s != MOOD_OK) {
        mood_table_destroy(t);
        return mood_cli_fail("cluster");
    }
    s = mood_mpi_run_write(r, a->com.runs_dir, id, sizeof id);
    if (s != MOOD_OK) {
        mood_mpi_run_destroy(r);
        mood_table_destroy(t);
        return mood_cli_fail("writing the run");
    }
    mood_mpi_stats st;
    mood_mpi_run_stats(r, &st);
    if (mood_mpi_rank() == 0) {
        if (a->com.format && strcmp(a->com.format, "json") == 0)
            printf("%s\n", mood_mpi_run_metadata_json(r));
        else
            mood_cli_print_run(stdout, mood_mpi_run_metadata_json(r), a->com.runs_dir);
        mood_cli_info("mpi: %d ranks, %zu rows, %zu Lloyd iterations (all restarts), %.0f bytes "
                      "per iteration from rank 0, %.2f s CPU over all ranks",
                      st.ranks, st.rows_global, st.iterations, st.lloyd_bytes_per_iter,
                      st.cpu_seconds_all_ranks);
        if (a->stats_path)
            write_stats(a->stats_path, &st);
    }
    mood_mpi_run_destroy(r);
    mood_table_destroy(t);
    return MOOD_EXIT_OK;
}

/* Without MPI built in: say how to get it (every copy mpirun started says it once). */
static int no_mpi(const char *cmd)
{
    mood_mpi_init(NULL, NULL);
    return mood_cli_fail("%s under MPI", cmd);
}

int mood_cli_cluster_mpi(int argc, char **argv)
{
    mpi_args a;
    memset(&a, 0, sizeof a);
    if (!mood_mpi_compiled())
        return no_mpi("cluster");
    if (mood_mpi_init(&argc, &argv) != MOOD_OK)
        return mood_cli_fail("MPI");
    quiet_others();
    mood_cli_common_init(&a.com);
    mood_run_config_default(&a.c);
    int rc = parse_cluster(argc, argv, &a);
    mood_cli_set_verbosity(a.com.quiet, a.com.verbose);
    if (rc == 0)
        rc = cluster_run(&a);
    mood_mpi_finalize();
    return rc < 0 ? MOOD_EXIT_OK : rc;
}

int mood_cli_predict_mpi(int argc, char **argv)
{
    static const struct option opts[] = {
        MOOD_CLI_PREDICT_LONGOPTS,
        {"input-per-rank", required_argument, NULL, 'P'},
        {"mpi", no_argument, NULL, 'M'},
        MOOD_CLI_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    mood_cli_common com;
    mood_mpi_input in = {NULL, NULL, 0};
    const char *output = "active_run/predicted_clusters.csv";
    int opt, rc = MOOD_EXIT_OK;
    if (!mood_mpi_compiled())
        return no_mpi("predict");
    if (mood_mpi_init(&argc, &argv) != MOOD_OK)
        return mood_cli_fail("MPI");
    quiet_others();
    mood_cli_common_init(&com);
    optind = 1;
    for (;;) {
        if (rc != MOOD_EXIT_OK)
            break;
        opt = mood_cli_next_option(&com, argc, argv, "i:o:vh", opts);
        if (opt == -1)
            break;
        if (opt == 'M')
            continue;
        if (opt == 'i')
            in.path = optarg;
        else if (opt == 'P')
            in.per_rank_pattern = optarg;
        else if (opt == 'o')
            output = optarg;
        else if (opt == 'h') {
            printf("Usage: mpirun -n N moodscope predict NAME --input FILE.csv|--input-per-rank "
                   "P [--output FILE]\n");
            rc = -1;
        } else
            rc = mood_cli_usage("predict", "unknown option");
    }
    if (rc == MOOD_EXIT_OK && argc - optind != 1)
        rc = mood_cli_usage("predict", "predict needs one snapshot NAME");
    else if (rc == MOOD_EXIT_OK && !in.path && !in.per_rank_pattern)
        rc = mood_cli_usage("predict", "predict needs --input FILE.csv");
    else if (rc == MOOD_EXIT_OK && strcmp(output, "-") == 0)
        rc = mood_cli_usage("predict", "under MPI --output must be a file");
    mood_table *t = NULL;
    size_t first = 0, n = 0;
    if (rc == MOOD_EXIT_OK && mood_mpi_read_share(&in, &t, &first, &n) != MOOD_OK)
        rc = mood_cli_fail("predict");
    if (rc == MOOD_EXIT_OK &&
        mood_mpi_snapshot_predict(com.snapshots_dir, argv[optind], t, output) != MOOD_OK)
        rc = mood_cli_fail("predict");
    if (rc == MOOD_EXIT_OK)
        mood_cli_info("predicted %zu rows on %d ranks with snapshot '%s': %s", n, mood_mpi_size(),
                      argv[optind], output);
    mood_table_destroy(t);
    mood_mpi_finalize();
    return rc < 0 ? MOOD_EXIT_OK : rc;
}
