/* `moodscope fingerprint`: the listener's sonic fingerprint and the tracks around it. */
#include "cli.h"

#include <moodscope/recommend.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char mood_cmd_fingerprint_summary[] =
    "tracks near the recency-weighted centre of your most played";

static void help(FILE *fp)
{
    fprintf(fp,
            "Usage: moodscope fingerprint [--plays FILE.csv] [-n 25] [--top 50] [options]\n\n"
            "Matches the listening history (the catalog's imported plays, or --plays, a CSV\n"
            "with artist, title and played_at columns) to the library by normalised artist and\n"
            "title, weights each play by 2^(-age/half-life), and lists the tracks nearest to the\n"
            "weighted centroid of the most played ones (those themselves left out).\n\n"
            "Options:\n"
            "  -n, --count N        how many tracks (default 25)\n"
            "      --plays FILE     plays from a CSV instead of the catalog\n"
            "      --top N          most played tracks in the centroid (default 50)\n"
            "      --half-life D    days for a play's weight to halve (default 30)\n"
            "      --show-top       print the weighted favourites instead\n"
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
    OPT_PLAYS,
    OPT_TOP,
    OPT_HALF,
    OPT_SHOWTOP
};

int mood_cmd_fingerprint(int argc, char **argv)
{
    static const struct option longopts[] = {{"count", required_argument, NULL, 'n'},
                                             {"table", required_argument, NULL, OPT_TABLE},
                                             {"features", required_argument, NULL, OPT_FEATURES},
                                             {"metric", required_argument, NULL, OPT_METRIC},
                                             {"exact", no_argument, NULL, OPT_EXACT},
                                             {"hnsw", no_argument, NULL, OPT_HNSW},
                                             {"plays", required_argument, NULL, OPT_PLAYS},
                                             {"top", required_argument, NULL, OPT_TOP},
                                             {"half-life", required_argument, NULL, OPT_HALF},
                                             {"show-top", no_argument, NULL, OPT_SHOWTOP},
                                             MOOD_CLI_COMMON_LONGOPTS,
                                             {NULL, 0, NULL, 0}};
    mood_cli_common com;
    mood_tracks_source src;
    mood_space *s;
    mood_index *ix;
    mood_hit *hits;
    size_t n = 25, found, top = 50, top_found;
    const char *plays_csv = NULL;
    float half_life = 30.0f;
    int show_top = 0;
    mood_plays plays;
    mood_fingerprint_info info;
    mood_hit *tops = NULL;
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
        case OPT_PLAYS:
            plays_csv = optarg;
            break;
        case OPT_TOP:
            errno = 0;
            top = (size_t)strtoull(optarg, &end, 10);
            if (errno || *end || top == 0 || optarg[0] == '-')
                return mood_cli_usage(argv[0], "--top expects a positive integer, got '%s'",
                                      optarg);
            break;
        case OPT_HALF:
            half_life = strtof(optarg, &end);
            if (*end || !(half_life > 0.0f))
                return mood_cli_usage(argv[0], "--half-life expects days > 0, got '%s'", optarg);
            break;
        case OPT_SHOWTOP:
            show_top = 1;
            break;
        default:
            return mood_cli_usage(argv[0], "unknown option");
        }
    }
    mood_cli_set_verbosity(com.quiet, com.verbose);
    if (optind != argc)
        return mood_cli_usage(argv[0], "unexpected argument '%s'", argv[optind]);
    src.catalog_path = com.catalog;
    if ((plays_csv ? mood_plays_read_csv(plays_csv, &plays)
                   : mood_plays_read_catalog(com.catalog, &plays)) != MOOD_OK)
        return mood_cli_fail("plays");
    mood_cli_install_signals();
    if (mood_tracks_open(&src, mood_cli_progress, NULL, &s, &ix) != MOOD_OK) {
        mood_cli_progress_done();
        mood_plays_free(&plays);
        return mood_cli_fail("%s", src.table_csv ? src.table_csv : src.catalog_path);
    }
    mood_cli_progress_done();
    hits = calloc(n, sizeof *hits);
    tops = calloc(top, sizeof *tops);
    if (!hits || !tops) {
        rc = mood_cli_fail("fingerprint: out of memory");
    } else if (mood_fingerprint(s, ix, &plays, top, half_life, n, hits, &found, tops, &top_found,
                                &info) != MOOD_OK) {
        rc = mood_cli_fail("fingerprint");
    } else {
        mood_cli_info("fingerprint: %zu plays, %zu matched the library, centroid of %zu tracks",
                      info.plays, info.matched_plays, info.tracks_used);
        if (mood_hits_write(stdout, s, show_top ? tops : hits, show_top ? top_found : found,
                            com.format) != MOOD_OK)
            rc = mood_cli_fail("output");
    }
    free(tops);
    mood_plays_free(&plays);
    free(hits);
    mood_index_destroy(ix);
    mood_space_destroy(s);
    return rc;
}
