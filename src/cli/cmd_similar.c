/* `moodscope similar TRACK`: the nearest tracks in the standardised feature space. */
#include "cli_subsonic.h"
#include "cli_tracks.h"

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
            "  -n, --count N        how many tracks (default 20)\n" MOOD_CLI_TO_HELP
                MOOD_CLI_TRACKS_HELP MOOD_CLI_HITS_HELP);
}

int mood_cmd_similar(int argc, char **argv)
{
    static const struct option longopts[] = {MOOD_CLI_TRACKS_LONGOPTS,
                                             MOOD_CLI_TO_LONGOPT,
                                             MOOD_CLI_COMMON_LONGOPTS,
                                             {NULL, 0, NULL, 0}};
    mood_cli_tracks t;
    size_t row, found;
    const char *to = NULL;
    int rc = mood_cli_tracks_parse(argc, argv, longopts, help, 20, &t, mood_cli_to_option, &to);
    if (rc >= 0)
        return rc;
    if (optind != argc - 1)
        return mood_cli_usage(argv[0], "expected one TRACK");
    if (mood_cli_tracks_open(&t, "similar") != MOOD_EXIT_OK)
        return MOOD_EXIT_ERROR;
    rc = mood_cli_tracks_resolve(&t, argv[optind], "track", &row);
    if (rc == MOOD_EXIT_OK &&
        mood_similar(t.space, t.index, row, t.count, t.hits, &found) != MOOD_OK)
        rc = mood_cli_fail("similar");
    if (rc == MOOD_EXIT_OK) {
        const mood_space *s = t.space;
        char graph[64] = "";
        if (mood_index_is_approximate(t.index))
            snprintf(graph, sizeof graph, ", %zu tracks added to the graph",
                     mood_index_added(t.index));
        mood_cli_info("similar to %s: %s - %s (%s search%s, %s distance over %zu features)",
                      mood_space_id(s, row), mood_space_artist(s, row), mood_space_title(s, row),
                      mood_index_is_approximate(t.index) ? "HNSW" : "exact", graph,
                      mood_metric_name(mood_space_metric(s)), mood_space_dim(s));
        rc = mood_cli_tracks_write(&t, t.hits, found);
        if (rc == MOOD_EXIT_OK && to)
            rc = mood_cli_subsonic_queue(t.com.catalog, to, s, t.hits, found, "similar tracks");
    }
    mood_cli_tracks_close(&t);
    return rc;
}
