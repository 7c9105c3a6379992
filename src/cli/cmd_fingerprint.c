/* `moodscope fingerprint`: the listener's sonic fingerprint and the tracks around it. */
#include "cli_tracks.h"

#include <errno.h>
#include <stdlib.h>

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
            "      --show-top       print the weighted favourites instead\n" MOOD_CLI_TRACKS_HELP
                MOOD_CLI_HITS_HELP);
}

enum { OPT_PLAYS = MOOD_OPT_TRACKS_FIRST_FREE, OPT_TOP, OPT_HALF, OPT_SHOWTOP };

/* The fingerprint options as given. */
typedef struct fingerprint_args {
    const char *plays_csv;
    size_t top;
    float half_life;
    int show_top;
} fingerprint_args;

/* The fingerprint options (mood_cli_tracks_option_fn on a fingerprint_args). */
static int fingerprint_option(void *user, const char *cmd, int opt, char *arg)
{
    fingerprint_args *f = user;
    char *end;
    switch (opt) {
    case OPT_PLAYS:
        f->plays_csv = arg;
        return MOOD_EXIT_OK;
    case OPT_TOP:
        errno = 0;
        f->top = (size_t)strtoull(arg, &end, 10);
        if (errno || *end || f->top == 0 || arg[0] == '-')
            return mood_cli_usage(cmd, "--top expects a positive integer, got '%s'", arg);
        return MOOD_EXIT_OK;
    case OPT_HALF:
        f->half_life = strtof(arg, &end);
        if (*end || !(f->half_life > 0.0f))
            return mood_cli_usage(cmd, "--half-life expects days > 0, got '%s'", arg);
        return MOOD_EXIT_OK;
    case OPT_SHOWTOP:
        f->show_top = 1;
        return MOOD_EXIT_OK;
    default:
        return MOOD_CLI_UNKNOWN_OPTION;
    }
}

int mood_cmd_fingerprint(int argc, char **argv)
{
    static const struct option longopts[] = {MOOD_CLI_TRACKS_LONGOPTS,
                                             {"plays", required_argument, NULL, OPT_PLAYS},
                                             {"top", required_argument, NULL, OPT_TOP},
                                             {"half-life", required_argument, NULL, OPT_HALF},
                                             {"show-top", no_argument, NULL, OPT_SHOWTOP},
                                             MOOD_CLI_COMMON_LONGOPTS,
                                             {NULL, 0, NULL, 0}};
    mood_cli_tracks t;
    fingerprint_args f = {NULL, 50, 30.0f, 0};
    size_t found, top_found;
    mood_plays plays;
    mood_fingerprint_info info;
    mood_hit *tops;
    int rc = mood_cli_tracks_parse(argc, argv, longopts, help, 25, &t, fingerprint_option, &f);
    if (rc >= 0)
        return rc;
    if (optind != argc)
        return mood_cli_usage(argv[0], "unexpected argument '%s'", argv[optind]);
    if ((f.plays_csv ? mood_plays_read_csv(f.plays_csv, &plays)
                     : mood_plays_read_catalog(t.com.catalog, &plays)) != MOOD_OK)
        return mood_cli_fail("plays");
    if (mood_cli_tracks_open(&t, "fingerprint") != MOOD_EXIT_OK) {
        mood_plays_free(&plays);
        return MOOD_EXIT_ERROR;
    }
    tops = calloc(f.top, sizeof *tops);
    if (!tops) {
        rc = mood_cli_fail("fingerprint: out of memory");
    } else if (mood_fingerprint(t.space, t.index, &plays, f.top, f.half_life, t.count, t.hits,
                                &found, tops, &top_found, &info) != MOOD_OK) {
        rc = mood_cli_fail("fingerprint");
    } else {
        mood_cli_info("fingerprint: %zu plays, %zu matched the library, centroid of %zu tracks",
                      info.plays, info.matched_plays, info.tracks_used);
        rc = mood_cli_tracks_write(&t, f.show_top ? tops : t.hits, f.show_top ? top_found : found);
    }
    free(tops);
    mood_plays_free(&plays);
    mood_cli_tracks_close(&t);
    return rc;
}
