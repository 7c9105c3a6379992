/* `moodscope similar TRACK`: the nearest tracks in the standardised feature space. */
#include "cli.h"

#include <moodscope/recommend.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char mood_cmd_similar_summary[] = "tracks most similar to a track (exact or HNSW search)";

static void help(FILE *fp)
{
    fprintf(fp,
            "Usage: moodscope similar TRACK [-n 20] [--table FILE.csv] [options]\n\n"
            "Lists the tracks nearest to TRACK in the standardised feature space (the\n"
            "analyser's sim_* vectors with cosine distance, else the audio mood features\n"
            "standardised, euclidean). Libraries up to 100k tracks are searched exactly, larger\n"
            "ones through an HNSW graph kept next to the catalog and updated incrementally.\n"
            "TRACK is a track id, an audio path, or \"artist - title\" (matched ignoring case,\n"
            "accents, feat. credits and remaster/live suffixes); an ambiguous name lists the\n"
            "candidates.\n\n"
            "Options:\n"
            "  -n, --count N        how many tracks (default 20)\n"
            "      --table FILE     a CSV track table instead of the catalog\n"
            "      --features LIST  feature columns (default: sim_*, else audio features)\n"
            "      --metric M       cosine, euclidean or auto (default)\n"
            "      --exact | --hnsw force exact search or the HNSW graph\n\n" MOOD_CLI_COMMON_HELP
            "\nOutput: rank,id,artist,title,distance,score,reasons[,path] as csv (default), tsv\n"
            "or json. Exit codes: 0 success, 1 data or runtime error (track not found or\n"
            "ambiguous), 2 usage.\n");
}

enum { OPT_TABLE = MOOD_OPT_FIRST_FREE, OPT_FEATURES, OPT_METRIC, OPT_EXACT, OPT_HNSW };

int mood_cmd_similar(int argc, char **argv)
{
    static const struct option longopts[] = {{"count", required_argument, NULL, 'n'},
                                             {"table", required_argument, NULL, OPT_TABLE},
                                             {"features", required_argument, NULL, OPT_FEATURES},
                                             {"metric", required_argument, NULL, OPT_METRIC},
                                             {"exact", no_argument, NULL, OPT_EXACT},
                                             {"hnsw", no_argument, NULL, OPT_HNSW},
                                             MOOD_CLI_COMMON_LONGOPTS,
                                             {NULL, 0, NULL, 0}};
    mood_cli_common com;
    mood_tracks_source src;
    mood_space *s;
    mood_index *ix;
    mood_hit *hits;
    size_t n = 20, row, found;
    int opt, rc = MOOD_EXIT_OK;
    char *end;
    mood_cli_common_init(&com);
    memset(&src, 0, sizeof src);
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
        default:
            return mood_cli_usage(argv[0], "unknown option");
        }
    }
    mood_cli_set_verbosity(com.quiet, com.verbose);
    if (optind != argc - 1)
        return mood_cli_usage(argv[0], "expected one TRACK");
    src.catalog_path = com.catalog;
    mood_cli_install_signals();
    if (mood_tracks_open(&src, mood_cli_progress, NULL, &s, &ix) != MOOD_OK) {
        mood_cli_progress_done();
        return mood_cli_fail("%s", src.table_csv ? src.table_csv : src.catalog_path);
    }
    mood_cli_progress_done();
    hits = calloc(n, sizeof *hits);
    if (!hits) {
        rc = mood_cli_fail("similar: out of memory");
    } else if (mood_space_resolve(s, argv[optind], &row) != MOOD_OK) {
        rc = mood_cli_fail("track");
    } else if (mood_similar(s, ix, row, n, hits, &found) != MOOD_OK) {
        rc = mood_cli_fail("similar");
    } else {
        char graph[64] = "";
        if (mood_index_is_approximate(ix))
            snprintf(graph, sizeof graph, ", %zu tracks added to the graph", mood_index_added(ix));
        mood_cli_info("similar to %s: %s - %s (%s search%s, %s distance over %zu features)",
                      mood_space_id(s, row), mood_space_artist(s, row), mood_space_title(s, row),
                      mood_index_is_approximate(ix) ? "HNSW" : "exact", graph,
                      mood_metric_name(mood_space_metric(s)), mood_space_dim(s));
        if (mood_hits_write(stdout, s, hits, found, com.format) != MOOD_OK)
            rc = mood_cli_fail("output");
    }
    free(hits);
    mood_index_destroy(ix);
    mood_space_destroy(s);
    return rc;
}
