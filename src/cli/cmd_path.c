/* `moodscope path A B`: a chain of tracks from A to B at even steps. */
#include "cli_subsonic.h"
#include "cli_tracks.h"

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
            "  -n, --count N        longest path, endpoints included (default "
            "25)\n" MOOD_CLI_TO_HELP MOOD_CLI_TRACKS_HELP
            "\nOutput: rank,id,artist,title,distance (to the waypoint),score (progress 0..1),\n"
            "reasons[,path] as csv (default), tsv or json. Exit codes: 0 success, 1 data or "
            "runtime error (track not found or\n"
            "ambiguous), 2 usage.\n");
}

int mood_cmd_path(int argc, char **argv)
{
    static const struct option longopts[] = {MOOD_CLI_TRACKS_LONGOPTS,
                                             MOOD_CLI_TO_LONGOPT,
                                             MOOD_CLI_COMMON_LONGOPTS,
                                             {NULL, 0, NULL, 0}};
    mood_cli_tracks t;
    size_t a, b;
    mood_path_info info;
    const char *to = NULL;
    int rc = mood_cli_tracks_parse(argc, argv, longopts, help, 25, &t, mood_cli_to_option, &to);
    if (rc >= 0)
        return rc;
    if (optind != argc - 2)
        return mood_cli_usage(argv[0], "expected two tracks, A and B");
    if (t.count < 2)
        return mood_cli_usage(argv[0], "-n must be at least 2");
    if (mood_cli_tracks_open(&t, "path") != MOOD_EXIT_OK)
        return MOOD_EXIT_ERROR;
    rc = mood_cli_tracks_resolve(&t, argv[optind], "start track", &a);
    if (rc == MOOD_EXIT_OK)
        rc = mood_cli_tracks_resolve(&t, argv[optind + 1], "end track", &b);
    if (rc == MOOD_EXIT_OK &&
        mood_song_path(t.space, t.index, a, b, t.count, t.hits, &info) != MOOD_OK)
        rc = mood_cli_fail("path");
    if (rc == MOOD_EXIT_OK) {
        if (info.requested < t.count)
            mood_cli_info("path sized to %zu steps: A and B are %.3g apart and neighbours in "
                          "this part of the library lie %.3g apart",
                          info.requested, (double)mood_space_distance(t.space, a, b),
                          (double)info.local_nn);
        if (info.found < info.requested)
            mood_cli_warn("shorter path: %zu of %zu steps; the library has no track near %zu "
                          "of the waypoints",
                          info.found, info.requested, info.requested - info.found);
        rc = mood_cli_tracks_write(&t, t.hits, info.found);
        if (rc == MOOD_EXIT_OK && to)
            rc = mood_cli_subsonic_queue(t.com.catalog, to, t.space, t.hits, info.found,
                                         "a path between two tracks");
    }
    mood_cli_tracks_close(&t);
    return rc;
}
