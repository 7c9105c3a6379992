/* `moodscope alchemy --add T1,T2 --subtract T3`: like these, not like those. */
#include "cli.h"

#include <moodscope/recommend.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char mood_cmd_alchemy_summary[] = "tracks like some and unlike others (song alchemy)";

static void help(FILE *fp)
{
    fprintf(fp,
            "Usage: moodscope alchemy --add T1[,T2...] [--subtract T3[,...]] [-n 25]\n"
            "                         [--temperature 0] [--seed N] [options]\n\n"
            "Finds tracks near the centroid of the added tracks and away from the centroid of\n"
            "the subtracted ones (score = d(add) - w*d(subtract); tracks nearer the subtract\n"
            "centroid are left out). Temperature 0 gives the best scores, deterministically;\n"
            "above 0 the picks are sampled (reproducibly for a seed). Tracks are separated by\n"
            "commas; --add and --subtract may be repeated (useful when a title has a comma).\n\n"
            "Options:\n"
            "  -n, --count N        how many tracks (default 25)\n"
            "      --add LIST       tracks to move towards (required)\n"
            "      --subtract LIST  tracks to move away from\n"
            "      --temperature T  0 = deterministic (default 0)\n"
            "      --weight W       weight of the subtract distance (default 0.5)\n"
            "      --seed N         sampling seed (default 42)\n"
            "      --table FILE     a CSV track table instead of the catalog\n"
            "      --features LIST  feature columns (default: sim_*, else audio features)\n"
            "      --metric M       cosine, euclidean or auto (default)\n"
            "      --exact | --hnsw force exact search or the HNSW graph\n\n" MOOD_CLI_COMMON_HELP
            "\nOutput: rank,id,artist,title,distance,score,reasons[,path] as csv (default), tsv\n"
            "or json. Exit codes: 0 success, 1 data or runtime error (track not found or\n"
            "ambiguous), 2 usage.\n");
}

enum {
    OPT_TABLE = MOOD_OPT_FIRST_FREE,
    OPT_FEATURES,
    OPT_METRIC,
    OPT_EXACT,
    OPT_HNSW,
    OPT_ADD,
    OPT_SUB,
    OPT_TEMP,
    OPT_WEIGHT,
    OPT_SEED
};

enum { MAX_TRACKS = 64 };

/*
 * Resolve one --add/--subtract argument: the whole text first (names like "10,000 Maniacs -
 * Like the Weather" contain commas), else its comma-separated parts.
 */
static int resolve_list(const mood_space *s, const char *what, char *arg, size_t *rows, size_t *n)
{
    size_t row;
    if (mood_space_resolve(s, arg, &row) == MOOD_OK) {
        if (*n == MAX_TRACKS)
            return mood_cli_usage("alchemy", "at most %d tracks on each side", MAX_TRACKS);
        rows[(*n)++] = row;
        return MOOD_EXIT_OK;
    }
    if (!strchr(arg, ','))
        return mood_cli_fail("%s", what);
    for (char *tok = strtok(arg, ","); tok; tok = strtok(NULL, ",")) {
        while (*tok == ' ')
            tok++;
        if (!*tok)
            continue;
        if (*n == MAX_TRACKS)
            return mood_cli_usage("alchemy", "at most %d tracks on each side", MAX_TRACKS);
        if (mood_space_resolve(s, tok, &rows[*n]) != MOOD_OK)
            return mood_cli_fail("%s", what);
        (*n)++;
    }
    return MOOD_EXIT_OK;
}

int mood_cmd_alchemy(int argc, char **argv)
{
    static const struct option longopts[] = {{"count", required_argument, NULL, 'n'},
                                             {"table", required_argument, NULL, OPT_TABLE},
                                             {"features", required_argument, NULL, OPT_FEATURES},
                                             {"metric", required_argument, NULL, OPT_METRIC},
                                             {"exact", no_argument, NULL, OPT_EXACT},
                                             {"hnsw", no_argument, NULL, OPT_HNSW},
                                             {"add", required_argument, NULL, OPT_ADD},
                                             {"subtract", required_argument, NULL, OPT_SUB},
                                             {"temperature", required_argument, NULL, OPT_TEMP},
                                             {"weight", required_argument, NULL, OPT_WEIGHT},
                                             {"seed", required_argument, NULL, OPT_SEED},
                                             MOOD_CLI_COMMON_LONGOPTS,
                                             {NULL, 0, NULL, 0}};
    mood_cli_common com;
    mood_tracks_source src;
    mood_space *s;
    mood_index *ix;
    mood_hit *hits;
    size_t n = 25, found, n_add = 0, n_sub = 0, add[MAX_TRACKS], sub[MAX_TRACKS];
    char *add_args[MAX_TRACKS], *sub_args[MAX_TRACKS];
    size_t n_add_args = 0, n_sub_args = 0;
    mood_alchemy_options ao;
    int opt, rc = MOOD_EXIT_OK;
    char *end;
    mood_cli_common_init(&com);
    memset(&src, 0, sizeof src);
    mood_alchemy_options_default(&ao);
    while ((opt = getopt_long(argc, argv, "n:vh", longopts, NULL)) != -1) {
        if (mood_cli_common_option(&com, opt, optarg))
            continue;
        switch (opt) {
        case 'h':
            help(stdout);
            return MOOD_EXIT_OK;
        case 'n':
            errno = 0;
            n = (size_t)strtoull(optarg, &end, 10);
            if (errno || *end || n == 0 || optarg[0] == '-')
                return mood_cli_usage(argv[0], "-n expects a positive integer, got '%s'", optarg);
            break;
        case OPT_TABLE:
            src.table_csv = optarg;
            break;
        case OPT_FEATURES:
            src.features = optarg;
            break;
        case OPT_METRIC:
            if (mood_metric_parse(optarg, &src.metric) != MOOD_OK)
                return mood_cli_usage(argv[0], "%s", mood_last_error());
            break;
        case OPT_EXACT:
            src.index_mode = 1;
            break;
        case OPT_HNSW:
            src.index_mode = 2;
            break;
        case OPT_ADD:
            if (n_add_args == MAX_TRACKS)
                return mood_cli_usage(argv[0], "too many --add options");
            add_args[n_add_args++] = optarg;
            break;
        case OPT_SUB:
            if (n_sub_args == MAX_TRACKS)
                return mood_cli_usage(argv[0], "too many --subtract options");
            sub_args[n_sub_args++] = optarg;
            break;
        case OPT_TEMP:
            ao.temperature = strtof(optarg, &end);
            if (*end || !(ao.temperature >= 0.0f))
                return mood_cli_usage(argv[0], "--temperature expects a number >= 0, got '%s'",
                                      optarg);
            break;
        case OPT_WEIGHT:
            ao.subtract_weight = strtof(optarg, &end);
            if (*end || !(ao.subtract_weight >= 0.0f))
                return mood_cli_usage(argv[0], "--weight expects a number >= 0, got '%s'", optarg);
            break;
        case OPT_SEED:
            errno = 0;
            ao.seed = strtoull(optarg, &end, 10);
            if (errno || *end)
                return mood_cli_usage(argv[0], "--seed expects an integer, got '%s'", optarg);
            break;
        default:
            return mood_cli_usage(argv[0], "unknown option");
        }
    }
    mood_cli_set_verbosity(com.quiet, com.verbose);
    if (optind != argc)
        return mood_cli_usage(argv[0], "unexpected argument '%s' (use --add/--subtract)",
                              argv[optind]);
    if (n_add_args == 0)
        return mood_cli_usage(argv[0], "--add needs at least one track");
    src.catalog_path = com.catalog;
    mood_cli_install_signals();
    if (mood_tracks_open(&src, mood_cli_progress, NULL, &s, &ix) != MOOD_OK) {
        mood_cli_progress_done();
        return mood_cli_fail("%s", src.table_csv ? src.table_csv : src.catalog_path);
    }
    mood_cli_progress_done();
    hits = calloc(n, sizeof *hits);
    if (!hits) {
        rc = mood_cli_fail("alchemy: out of memory");
    } else {
        for (size_t i = 0; i < n_add_args && rc == MOOD_EXIT_OK; i++)
            rc = resolve_list(s, "--add", add_args[i], add, &n_add);
        for (size_t i = 0; i < n_sub_args && rc == MOOD_EXIT_OK; i++)
            rc = resolve_list(s, "--subtract", sub_args[i], sub, &n_sub);
        if (rc == MOOD_EXIT_OK &&
            mood_alchemy(s, ix, add, n_add, sub, n_sub, &ao, n, hits, &found) != MOOD_OK)
            rc = mood_cli_fail("alchemy");
        if (rc == MOOD_EXIT_OK && mood_hits_write(stdout, s, hits, found, com.format) != MOOD_OK)
            rc = mood_cli_fail("output");
    }
    free(hits);
    mood_index_destroy(ix);
    mood_space_destroy(s);
    return rc;
}
