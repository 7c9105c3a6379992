/* `moodscope next TRACK`: the DJ's next track: similar tracks passing tempo, key, energy and
 * artist rules, each with its reasons. */
#include "cli.h"

#include <moodscope/recommend.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char mood_cmd_next_summary[] =
    "DJ next-track picks: similar, tempo and key compatible, with reasons";

static void help(FILE *fp)
{
    fprintf(
        fp,
        "Usage: moodscope next TRACK [-n 10] [--energy up|down|steady|any] [options]\n\n"
        "Suggests what to play after TRACK: its nearest neighbours kept only when the tempo\n"
        "is within the tolerance (default ±6%%, or half/double time), the key is compatible on\n"
        "the Camelot wheel (same, relative, one step), the energy moves as asked, and the\n"
        "artist differs from TRACK's and from every other pick. Each pick lists its reasons;\n"
        "rules whose data the table lacks are skipped and said so.\n\n"
        "Options:\n"
        "  -n, --count N        how many tracks (default 10)\n"
        "      --energy DIR     up, down, steady or any (default)\n"
        "      --tempo-tolerance X  relative tempo range (default 0.06)\n"
        "      --no-half-double only the same time, not half or double\n"
        "      --any-key        do not require a compatible key\n"
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
    OPT_ENERGY,
    OPT_TOL,
    OPT_NOHALF,
    OPT_ANYKEY
};

int mood_cmd_next(int argc, char **argv)
{
    static const struct option longopts[] = {{"count", required_argument, NULL, 'n'},
                                             {"table", required_argument, NULL, OPT_TABLE},
                                             {"features", required_argument, NULL, OPT_FEATURES},
                                             {"metric", required_argument, NULL, OPT_METRIC},
                                             {"exact", no_argument, NULL, OPT_EXACT},
                                             {"hnsw", no_argument, NULL, OPT_HNSW},
                                             {"energy", required_argument, NULL, OPT_ENERGY},
                                             {"tempo-tolerance", required_argument, NULL, OPT_TOL},
                                             {"no-half-double", no_argument, NULL, OPT_NOHALF},
                                             {"any-key", no_argument, NULL, OPT_ANYKEY},
                                             MOOD_CLI_COMMON_LONGOPTS,
                                             {NULL, 0, NULL, 0}};
    mood_cli_common com;
    mood_tracks_source src;
    mood_space *s;
    mood_index *ix;
    mood_hit *hits;
    size_t n = 10, row, found;
    mood_dj_options dj;
    int opt, rc = MOOD_EXIT_OK;
    char *end;
    mood_cli_common_init(&com);
    memset(&src, 0, sizeof src);
    mood_dj_options_default(&dj);
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
        case OPT_ENERGY:
            if (mood_energy_dir_parse(optarg, &dj.energy) != MOOD_OK)
                return mood_cli_usage(argv[0], "%s", mood_last_error());
            break;
        case OPT_TOL:
            dj.tempo_tolerance = strtof(optarg, &end);
            if (*end || !(dj.tempo_tolerance >= 0.0f) || dj.tempo_tolerance > 1.0f)
                return mood_cli_usage(argv[0], "--tempo-tolerance expects 0..1, got '%s'", optarg);
            break;
        case OPT_NOHALF:
            dj.allow_half_double = 0;
            break;
        case OPT_ANYKEY:
            dj.require_key = 0;
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
        rc = mood_cli_fail("next: out of memory");
    } else if (mood_space_resolve(s, argv[optind], &row) != MOOD_OK) {
        rc = mood_cli_fail("track");
    } else if (mood_dj_next(s, ix, row, &dj, n, hits, &found) != MOOD_OK) {
        rc = mood_cli_fail("next");
    } else {
        int num;
        char letter = mood_space_camelot(s, row, &num);
        mood_cli_info("after %s: %s - %s (tempo %.1f BPM, key %d%c): %zu picks",
                      mood_space_id(s, row), mood_space_artist(s, row), mood_space_title(s, row),
                      (double)mood_space_tempo(s, row), num, letter ? letter : '?', found);
        if (mood_hits_write(stdout, s, hits, found, com.format) != MOOD_OK)
            rc = mood_cli_fail("output");
    }
    free(hits);
    mood_index_destroy(ix);
    mood_space_destroy(s);
    return rc;
}
