/* `moodscope next TRACK`: the DJ's next track: similar tracks passing tempo, key, energy and
 * artist rules, each with its reasons. */
#include "cli_subsonic.h"
#include "cli_tracks.h"

#include <stdlib.h>

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
        "      --any-key        do not require a compatible key\n" MOOD_CLI_TO_HELP
            MOOD_CLI_TRACKS_HELP MOOD_CLI_HITS_HELP);
}

enum { OPT_ENERGY = MOOD_OPT_TRACKS_FIRST_FREE, OPT_TOL, OPT_NOHALF, OPT_ANYKEY };

static const char *to_server; /* --to SERVER */

/* The DJ rule options (mood_cli_tracks_option_fn on a mood_dj_options). */
static int dj_option(void *user, const char *cmd, int opt, char *arg)
{
    mood_dj_options *dj = user;
    char *end;
    switch (opt) {
    case OPT_ENERGY:
        if (mood_energy_dir_parse(arg, &dj->energy) != MOOD_OK)
            return mood_cli_usage(cmd, "%s", mood_last_error());
        return MOOD_EXIT_OK;
    case OPT_TOL:
        dj->tempo_tolerance = strtof(arg, &end);
        if (*end || !(dj->tempo_tolerance >= 0.0f) || dj->tempo_tolerance > 1.0f)
            return mood_cli_usage(cmd, "--tempo-tolerance expects 0..1, got '%s'", arg);
        return MOOD_EXIT_OK;
    case OPT_NOHALF:
        dj->allow_half_double = 0;
        return MOOD_EXIT_OK;
    case OPT_ANYKEY:
        dj->require_key = 0;
        return MOOD_EXIT_OK;
    case MOOD_OPT_TO:
        return mood_cli_to_option(&to_server, cmd, opt, arg);
    default:
        return MOOD_CLI_UNKNOWN_OPTION;
    }
}

int mood_cmd_next(int argc, char **argv)
{
    static const struct option longopts[] = {MOOD_CLI_TRACKS_LONGOPTS,
                                             {"energy", required_argument, NULL, OPT_ENERGY},
                                             {"tempo-tolerance", required_argument, NULL, OPT_TOL},
                                             {"no-half-double", no_argument, NULL, OPT_NOHALF},
                                             {"any-key", no_argument, NULL, OPT_ANYKEY},
                                             MOOD_CLI_TO_LONGOPT,
                                             MOOD_CLI_COMMON_LONGOPTS,
                                             {NULL, 0, NULL, 0}};
    mood_cli_tracks t;
    mood_dj_options dj;
    size_t row, found;
    int rc;
    mood_dj_options_default(&dj);
    rc = mood_cli_tracks_parse(argc, argv, longopts, help, 10, &t, dj_option, &dj);
    if (rc >= 0)
        return rc;
    if (optind != argc - 1)
        return mood_cli_usage(argv[0], "expected one TRACK");
    if (mood_cli_tracks_open(&t, "next") != MOOD_EXIT_OK)
        return MOOD_EXIT_ERROR;
    rc = mood_cli_tracks_resolve(&t, argv[optind], "track", &row);
    if (rc == MOOD_EXIT_OK &&
        mood_dj_next(t.space, t.index, row, &dj, t.count, t.hits, &found) != MOOD_OK)
        rc = mood_cli_fail("next");
    if (rc == MOOD_EXIT_OK) {
        const mood_space *s = t.space;
        int num;
        char letter = mood_space_camelot(s, row, &num);
        mood_cli_info("after %s: %s - %s (tempo %.1f BPM, key %d%c): %zu picks",
                      mood_space_id(s, row), mood_space_artist(s, row), mood_space_title(s, row),
                      (double)mood_space_tempo(s, row), num, letter ? letter : '?', found);
        rc = mood_cli_tracks_write(&t, t.hits, found);
        if (rc == MOOD_EXIT_OK && to_server)
            rc = mood_cli_subsonic_queue(t.com.catalog, to_server, s, t.hits, found,
                                         "DJ next-track picks");
    }
    mood_cli_tracks_close(&t);
    return rc;
}
