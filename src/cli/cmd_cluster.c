/*
 * `moodscope cluster`: read tables, run one configuration (or every entry of a config file),
 * write the run directories and print what was found.
 */
#include "cli.h"
#include "cli_mpi.h"
#include "cli_report.h"

#include <moodscope/csv.h>
#include <moodscope/run.h>

#include <jansson.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char mood_cmd_cluster_summary[] = "find the mood groups of one or more feature tables";

static void help(FILE *fp)
{
    fprintf(fp,
            "Usage: moodscope cluster -i FILE [-i FILE...] [options]\n"
            "       moodscope cluster --config runs.json -i FILE...\n\n"
            "Finds latent mood groups in CSV/TSV tables (several inputs are joined by column\n"
            "name with a 'source' column) and writes runs/<run_id>/ with clustered_output.csv,\n"
            "clusters_plot.png, run_metadata.json, model.json, profiles.csv.\n\n"
            "Options:\n"
            "  -i, --input FILE        input table (repeatable; bare FILE arguments work too)\n"
            "      --features LIST     comma-separated columns, or all-numeric (default: numeric\n"
            "                          sound features; identifiers, labels and release\n"
            "                          metadata such as popularity, duration, year, key, mode\n"
            "                          and time_signature are left out unless named)\n"
            "      --scaler NAME       standard (default), minmax, robust, none\n"
            "  -k, --clusters K|auto   number of groups, or auto (default 8)\n"
            "      --k-min N --k-max N range scanned by auto (default 2..min(15, n/10))\n"
            "      --k-criterion NAME  how auto chooses k: gap (default: the smallest k whose\n"
            "                          gap statistic is within 3 standard errors of the best),\n"
            "                          gap-first (the smallest k after which one more group\n"
            "                          raises the gap by less than 1.5 standard errors; on a\n"
            "                          continuum of moods the minimum then decides), stability\n"
            "                          (bootstrap ARI), bic, silhouette (prefers the coarsest\n"
            "                          split on real tables)\n"
            "      --min-clusters N    auto chooses at least N groups (default 3; 2 = no policy)\n"
            "      --k-boot N          auto: bootstrap refits per k for stability (default 0;\n"
            "                          5 with --k-criterion stability)\n"
            "      --algorithm NAME    kmeans (default), minibatch, gmm, dbscan, spectral\n"
            "      --seed N            random seed (default 0)\n"
            "      --n-init N          restarts, best kept (default 10)\n"
            "      --max-iter N        iteration cap (default 300)\n"
            "      --tol X             convergence tolerance (default 1e-4)\n"
            "      --eps X             DBSCAN radius (default: chosen from the data's density\n"
            "                          levels: the finest partition that persists over a\n"
            "                          1.5x range of eps, at the smallest eps where it holds\n"
            "                          99.8%% of its rows; printed as 'dbscan eps')\n"
            "      --min-samples N     DBSCAN core size (default 5)\n"
            "      --covariance full|diag  GMM covariance (default full)\n"
            "      --n-neighbors N     spectral k-NN graph degree (default 10)\n"
            "      --batch-size N      mini-batch size (default 1024)\n"
            "      --pca N             reduce to N principal components before clustering\n"
            "      --labels COLUMN     known labels: group make-up, purity, NMI, ARI\n"
            "      --config FILE       JSON list of run configs; runs all, ranks them\n"
            "      --search            evolutionary search over algorithms and parameters\n"
            "                          (silhouette, Davies-Bouldin, CH and, with --labels,\n"
            "                          purity and diversity); reproducible from --seed\n"
            "      --generations N --population N   search size (default 6 x 16)\n"
            "  Old spellings: --n_clusters, --config_file, --random_state, --n_init, "
            "--max_iter.\n\n" MOOD_CLI_COMMON_HELP
            "\nExit codes: 0 success, 1 data or runtime error (nothing written), 2 usage.\n");
}

enum {
    OPT_FEATURES = MOOD_OPT_FIRST_FREE,
    OPT_SCALER,
    OPT_KMIN,
    OPT_KMAX,
    OPT_ALGO,
    OPT_SEED,
    OPT_NINIT,
    OPT_MAXITER,
    OPT_TOL,
    OPT_EPS,
    OPT_MINSAMPLES,
    OPT_COV,
    OPT_NEIGH,
    OPT_BATCH,
    OPT_PCA,
    OPT_LABELS,
    OPT_CONFIG,
    OPT_SEARCH,
    OPT_GENERATIONS,
    OPT_POPULATION,
    OPT_KCRIT,
    OPT_MINCLUSTERS,
    OPT_KBOOT
};

/* The auto-k verdict in words, from the run's metadata (the report above has the k line). */
static void print_k_reason(FILE *fp, const char *meta_text)
{
    json_t *m = json_loads(meta_text, 0, NULL);
    const json_t *ks = json_object_get(m, "k_selection");
    const char *why = json_string_value(json_object_get(ks, "reason"));
    if (why)
        fprintf(fp, "  why this k:  %s\n", why);
    json_decref(m);
}

/*
 * DBSCAN's radius as the model recorded it (from the run's model.json): with no --eps it was
 * chosen from the data, and this line is where the user learns it.
 */
static void print_dbscan_eps(FILE *fp, const mood_run_config *c, const char *runs_dir,
                             const char *id)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/model.json", runs_dir, id);
    json_t *m = json_load_file(path, 0, NULL);
    const json_t *cm = json_object_get(m, "model");
    const json_t *eps = json_object_get(json_object_get(cm, "dbscan"), "eps");
    const char *algo = json_string_value(json_object_get(cm, "algorithm"));
    if (algo && strcmp(algo, "dbscan") == 0 && json_is_number(eps))
        fprintf(fp, "  dbscan eps:  %.9g (%s)\n", json_number_value(eps),
                c->cluster.eps > 0.0 ? "given"
                                     : "automatic: density levels of the data, see --help");
    json_decref(m);
}

/* Execute one config on the table, write it, print it. Returns an exit code. */
static int run_one(const mood_run_config *c, const mood_table *t, const mood_cli_common *com,
                   mood_run_summary *out_summary, int print)
{
    mood_run *r;
    char id[128];
    mood_status s = mood_run_execute(c, t, mood_cli_progress, NULL, &r);
    mood_cli_progress_done();
    if (s != MOOD_OK)
        return mood_cli_fail("cluster%s%s", c->name ? " " : "", c->name ? c->name : "");
    s = mood_run_write(r, com->runs_dir, id, sizeof id);
    if (s != MOOD_OK) {
        mood_run_destroy(r);
        return mood_cli_fail("writing the run");
    }
    if (print) {
        if (com->format && strcmp(com->format, "json") == 0)
            printf("%s\n", mood_run_metadata_json(r));
        else {
            mood_cli_print_run(stdout, mood_run_metadata_json(r), com->runs_dir);
            print_k_reason(stdout, mood_run_metadata_json(r));
            print_dbscan_eps(stdout, c, com->runs_dir, id);
        }
    }
    if (out_summary) {
        mood_run_summary *v;
        size_t n;
        memset(out_summary, 0, sizeof *out_summary);
        if (mood_runs_list(com->runs_dir, &v, &n) == MOOD_OK) {
            for (size_t i = 0; i < n; i++)
                if (strcmp(v[i].run_id, id) == 0)
                    *out_summary = v[i];
            mood_free(v);
        }
    }
    mood_run_destroy(r);
    return MOOD_EXIT_OK;
}

static int by_score(const void *a, const void *b)
{
    double x = ((const mood_run_summary *)a)->score, y = ((const mood_run_summary *)b)->score;
    return (x < y) - (x > y);
}

static int run_config_file(const char *path, const mood_table *t, const char *const *inputs,
                           size_t n_inputs, const mood_cli_common *com)
{
    mood_run_config *cfgs;
    size_t n;
    void *arena;
    int rc = MOOD_EXIT_OK;
    if (mood_run_configs_parse(path, &cfgs, &n, &arena) != MOOD_OK)
        return mood_cli_fail("config");
    mood_run_summary *sums = calloc(n, sizeof *sums);
    if (!sums) {
        mood_run_configs_free(cfgs, arena);
        return MOOD_EXIT_ERROR;
    }
    for (size_t i = 0; i < n && rc == MOOD_EXIT_OK; i++) {
        cfgs[i].input_files = inputs;
        cfgs[i].n_input_files = n_inputs;
        mood_cli_info("run %zu/%zu%s%s", i + 1, n, cfgs[i].name ? ": " : "",
                      cfgs[i].name ? cfgs[i].name : "");
        rc = run_one(&cfgs[i], t, com, &sums[i], com->verbose);
        if (mood_cancel_requested())
            rc = MOOD_EXIT_ERROR;
    }
    if (rc == MOOD_EXIT_OK) {
        qsort(sums, n, sizeof *sums, by_score);
        printf("rank  %-28s %-10s %3s %10s %10s %8s %8s  %s\n", "run", "algorithm", "k",
               "silhouette", "CH", "DB", "score", "name");
        for (size_t i = 0; i < n; i++)
            printf("%s%-3zu  %-28s %-10s %3zu %10.4f %10.1f %8.4f %8.4f  %s\n", i == 0 ? "*" : " ",
                   i + 1, sums[i].run_id, sums[i].algorithm, sums[i].k, sums[i].silhouette,
                   sums[i].calinski_harabasz, sums[i].davies_bouldin, sums[i].score, sums[i].name);
        printf("* best by composite score: %s (%s/%s/)\n", sums[0].run_id, com->runs_dir,
               sums[0].run_id);
    }
    free(sums);
    mood_run_configs_free(cfgs, arena);
    return rc;
}

/* What the command line sets besides the common options. */
typedef struct cl_args {
    mood_run_config c;
    const char **inputs;
    size_t n_inputs;
    const char *config;
    int n_init_given;
} cl_args;

/* The options that take a count; -1 to go on, else the exit code. */
static int size_option(cl_args *a, const char *cmd, int opt, const char *name, const char *arg)
{
    mood_run_config *c = &a->c;
    size_t z;
    int rc = mood_cli_parse_size(cmd, name, arg, &z);
    if (rc != 0)
        return rc;
    switch (opt) {
    case OPT_MINCLUSTERS:
        if (z < 1)
            return mood_cli_usage(cmd, "--min-clusters must be at least 1");
        c->autok.min_clusters = z;
        break;
    case OPT_KBOOT:
        c->autok.stability_boot = z;
        break;
    case OPT_GENERATIONS:
        c->search_generations = z;
        break;
    case OPT_POPULATION:
        c->search_population = z;
        break;
    case OPT_KMIN:
        c->autok.k_min = z;
        break;
    case OPT_KMAX:
        c->autok.k_max = z;
        break;
    case OPT_SEED:
        c->cluster.seed = z;
        break;
    case OPT_NINIT:
        c->cluster.n_init = z;
        a->n_init_given = 1;
        break;
    case OPT_MAXITER:
        c->cluster.max_iter = z;
        break;
    case OPT_MINSAMPLES:
        c->cluster.min_samples = z;
        break;
    case OPT_NEIGH:
        c->cluster.n_neighbors = z;
        break;
    case OPT_BATCH:
        c->cluster.batch_size = z;
        break;
    default: /* OPT_PCA */
        c->pca_components = z;
    }
    return -1;
}

/* -k N|auto. */
static int clusters_option(mood_run_config *c, const char *cmd, const char *arg)
{
    size_t z;
    int rc;
    if (strcmp(arg, "auto") == 0) {
        c->auto_k = 1;
        return -1;
    }
    rc = mood_cli_parse_size(cmd, "--clusters", arg, &z);
    if (rc != 0)
        return rc;
    if (z < 1)
        return mood_cli_usage(cmd, "--clusters must be at least 1 or 'auto'");
    c->cluster.k = z;
    c->auto_k = 0;
    return -1;
}

/* One option of the command; -1 to go on, else the exit code. */
static int cluster_option(cl_args *a, const char *cmd, int opt, char **argv)
{
    mood_run_config *c = &a->c;
    double x;
    int rc;
    switch (opt) {
    case 'h':
        help(stdout);
        return MOOD_EXIT_OK;
    case 'i':
        a->inputs[a->n_inputs++] = optarg;
        return -1;
    case 'k':
        return clusters_option(c, cmd, optarg);
    case OPT_FEATURES:
        c->features = optarg;
        return -1;
    case OPT_SCALER:
        if (mood_scaler_kind_parse(optarg, &c->scaler) != MOOD_OK)
            return mood_cli_usage(cmd, "--scaler must be standard, minmax, robust or none");
        return -1;
    case OPT_ALGO:
        if (mood_algorithm_parse(optarg, &c->cluster.algorithm) != MOOD_OK)
            return mood_cli_usage(cmd,
                                  "--algorithm must be kmeans, minibatch, gmm, dbscan or spectral");
        return -1;
    case OPT_SEARCH:
        c->search = 1;
        return -1;
    case OPT_KCRIT:
        if (mood_k_criterion_parse(optarg, &c->autok.criterion) != MOOD_OK)
            return mood_cli_usage(
                cmd, "--k-criterion must be gap, gap-first, stability, bic or silhouette");
        return -1;
    case OPT_MINCLUSTERS:
    case OPT_KBOOT:
    case OPT_GENERATIONS:
    case OPT_POPULATION:
    case OPT_KMIN:
    case OPT_KMAX:
    case OPT_SEED:
    case OPT_NINIT:
    case OPT_MAXITER:
    case OPT_MINSAMPLES:
    case OPT_NEIGH:
    case OPT_BATCH:
    case OPT_PCA:
        return size_option(a, cmd, opt, argv[optind - 1], optarg);
    case OPT_TOL:
    case OPT_EPS:
        rc = mood_cli_parse_real(cmd, argv[optind - 1], optarg, &x);
        if (rc != 0)
            return rc;
        if (opt == OPT_TOL)
            c->cluster.tol = x;
        else
            c->cluster.eps = x;
        return -1;
    case OPT_COV:
        if (strcmp(optarg, "full") == 0)
            c->cluster.covariance = MOOD_COV_FULL;
        else if (strcmp(optarg, "diag") == 0)
            c->cluster.covariance = MOOD_COV_DIAG;
        else
            return mood_cli_usage(cmd, "--covariance must be full or diag");
        return -1;
    case OPT_LABELS:
        c->label_column = optarg;
        return -1;
    case OPT_CONFIG:
        a->config = optarg;
        return -1;
    default:
        return mood_cli_usage(cmd, "unknown option");
    }
}

int mood_cmd_cluster(int argc, char **argv)
{
    /* Under mpirun (or --mpi / --input-per-rank) every rank runs the MPI engine. */
    if (mood_cli_mpi_wanted(argc, argv))
        return mood_cli_cluster_mpi(argc, argv);
    static const struct option opts[] = {
        MOOD_CLI_CLUSTER_KMEANS_LONGOPTS,
        {"k-min", required_argument, NULL, OPT_KMIN},
        {"k-max", required_argument, NULL, OPT_KMAX},
        {"eps", required_argument, NULL, OPT_EPS},
        {"min-samples", required_argument, NULL, OPT_MINSAMPLES},
        {"covariance", required_argument, NULL, OPT_COV},
        {"n-neighbors", required_argument, NULL, OPT_NEIGH},
        {"batch-size", required_argument, NULL, OPT_BATCH},
        {"pca", required_argument, NULL, OPT_PCA},
        {"labels", required_argument, NULL, OPT_LABELS},
        {"label-column", required_argument, NULL, OPT_LABELS},
        {"config", required_argument, NULL, OPT_CONFIG},
        {"config_file", required_argument, NULL, OPT_CONFIG},
        {"config-file", required_argument, NULL, OPT_CONFIG},
        {"search", no_argument, NULL, OPT_SEARCH},
        {"generations", required_argument, NULL, OPT_GENERATIONS},
        {"population", required_argument, NULL, OPT_POPULATION},
        {"k-criterion", required_argument, NULL, OPT_KCRIT},
        {"min-clusters", required_argument, NULL, OPT_MINCLUSTERS},
        {"k-boot", required_argument, NULL, OPT_KBOOT},
        MOOD_CLI_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    const char *cmd = "cluster";
    mood_cli_common com;
    cl_args a = {.inputs = calloc((size_t)argc + 1, sizeof(char *))};
    mood_table *t = NULL;
    int opt, rc;
    if (!a.inputs)
        return MOOD_EXIT_ERROR;
    mood_cli_common_init(&com);
    mood_run_config_default(&a.c);
    for (;;) {
        opt = mood_cli_next_option(&com, argc, argv, "i:k:vh", opts);
        if (opt == -1)
            break;
        rc = cluster_option(&a, cmd, opt, argv);
        if (rc >= 0)
            goto usage_out;
    }
    for (int i = optind; i < argc; i++)
        a.inputs[a.n_inputs++] = argv[i];
    /* scikit-learn's GaussianMixture fits once by default; k-means restarts 10 times. */
    if (a.c.cluster.algorithm == MOOD_ALGO_GMM && !a.n_init_given)
        a.c.cluster.n_init = 1;
    if (a.n_inputs == 0) {
        rc = mood_cli_usage(cmd, "no input table: give -i FILE.csv");
        goto usage_out;
    }
    mood_cli_install_signals();
    if (mood_csv_read_many(a.inputs, a.n_inputs, NULL, &t) != MOOD_OK) {
        free(a.inputs);
        return mood_cli_fail("reading input");
    }
    a.c.input_files = a.inputs;
    a.c.n_input_files = a.n_inputs;
    if (a.config)
        rc = run_config_file(a.config, t, a.inputs, a.n_inputs, &com);
    else
        rc = run_one(&a.c, t, &com, NULL, 1);
    mood_table_destroy(t);
    free(a.inputs);
    return rc;
usage_out:
    free(a.inputs);
    return rc;
}
