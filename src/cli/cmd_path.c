/* `moodscope path A B`: a chain of tracks from A to B at even steps. */
#include "cli.h"

#include <moodscope/recommend.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char mood_cmd_path_summary[] = "a smooth chain of tracks from one track to another";

static void help(FILE *fp)
{
    fprintf(fp,
            "Usage: moodscope path A B [-n 25] [options]\n\n"
            "Builds a chain of at most N tracks (A and B included) along the straight line from\n"
            "A to B in the feature space, at even steps sized from the library's local neighbour\n"
            "distances; each step takes the nearest unused track that moves forward. No track,\n"
            "title or artist-title pair appears twice. When the library has nothing near some\n"
            "steps the path is shorter, and says so on stderr.\n\n"
            "Options:\n"
            "  -n, --count N        longest path, endpoints included (default 25)\n"
            "      --table FILE     a CSV track table instead of the catalog\n"
            "      --features LIST  feature columns (default: sim_*, else audio features)\n"
            "      --metric M       cosine, euclidean or auto (default)\n"
            "      --exact | --hnsw force exact search or the HNSW graph\n\n" MOOD_CLI_COMMON_HELP
            "\nOutput: rank,id,artist,title,distance (to the waypoint),score (progress 0..1),\n"
            "reasons[,path] as csv (default), tsv or json. Exit codes: 0 success, 1 data or "
            "runtime error (track not found or\n"
            "ambiguous), 2 usage.\n");
}

enum { OPT_TABLE = MOOD_OPT_FIRST_FREE, OPT_FEATURES, OPT_METRIC, OPT_EXACT, OPT_HNSW };

int mood_cmd_path(int argc, char **argv)
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
    size_t n = 25, a, b;
    mood_path_info info;
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
    if (optind != argc - 2)
        return mood_cli_usage(argv[0], "expected two tracks, A and B");
    if (n < 2)
        return mood_cli_usage(argv[0], "-n must be at least 2");
    src.catalog_path = com.catalog;
    mood_cli_install_signals();
    if (mood_tracks_open(&src, mood_cli_progress, NULL, &s, &ix) != MOOD_OK) {
        mood_cli_progress_done();
        return mood_cli_fail("%s", src.table_csv ? src.table_csv : src.catalog_path);
    }
    mood_cli_progress_done();
    hits = calloc(n, sizeof *hits);
    if (!hits) {
        rc = mood_cli_fail("path: out of memory");
    } else if (mood_space_resolve(s, argv[optind], &a) != MOOD_OK) {
        rc = mood_cli_fail("start track");
    } else if (mood_space_resolve(s, argv[optind + 1], &b) != MOOD_OK) {
        rc = mood_cli_fail("end track");
    } else if (mood_song_path(s, ix, a, b, n, hits, &info) != MOOD_OK) {
        rc = mood_cli_fail("path");
    } else {
        if (info.requested < n)
            mood_cli_info("path sized to %zu steps: A and B are %.3g apart and neighbours in "
                          "this part of the library lie %.3g apart",
                          info.requested, (double)mood_space_distance(s, a, b),
                          (double)info.local_nn);
        if (info.found < info.requested)
            mood_cli_warn("shorter path: %zu of %zu steps; the library has no track near %zu "
                          "of the waypoints",
                          info.found, info.requested, info.requested - info.found);
        if (mood_hits_write(stdout, s, hits, info.found, com.format) != MOOD_OK)
            rc = mood_cli_fail("output");
    }
    free(hits);
    mood_index_destroy(ix);
    mood_space_destroy(s);
    return rc;
}
