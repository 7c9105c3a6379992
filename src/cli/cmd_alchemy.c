/* `moodscope alchemy --add T1,T2 --subtract T3`: like these, not like those. */
#include "cli_tracks.h"

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
            "      --seed N         sampling seed (default 42)\n" MOOD_CLI_TRACKS_HELP
                MOOD_CLI_HITS_HELP);
}

enum { OPT_ADD = MOOD_OPT_TRACKS_FIRST_FREE, OPT_SUB, OPT_TEMP, OPT_WEIGHT, OPT_SEED };

enum { MAX_TRACKS = 64 };

/* The alchemy options as given: --add/--subtract texts are resolved once the tracks are open. */
typedef struct alchemy_args {
    mood_alchemy_options ao;
    char *add_args[MAX_TRACKS], *sub_args[MAX_TRACKS];
    size_t n_add_args, n_sub_args;
} alchemy_args;

/* The alchemy options (mood_cli_tracks_option_fn on an alchemy_args). */
static int alchemy_option(void *user, const char *cmd, int opt, char *arg)
{
    alchemy_args *a = user;
    char *end;
    switch (opt) {
    case OPT_ADD:
        if (a->n_add_args == MAX_TRACKS)
            return mood_cli_usage(cmd, "too many --add options");
        a->add_args[a->n_add_args++] = arg;
        return MOOD_EXIT_OK;
    case OPT_SUB:
        if (a->n_sub_args == MAX_TRACKS)
            return mood_cli_usage(cmd, "too many --subtract options");
        a->sub_args[a->n_sub_args++] = arg;
        return MOOD_EXIT_OK;
    case OPT_TEMP:
        a->ao.temperature = strtof(arg, &end);
        if (*end || !(a->ao.temperature >= 0.0f))
            return mood_cli_usage(cmd, "--temperature expects a number >= 0, got '%s'", arg);
        return MOOD_EXIT_OK;
    case OPT_WEIGHT:
        a->ao.subtract_weight = strtof(arg, &end);
        if (*end || !(a->ao.subtract_weight >= 0.0f))
            return mood_cli_usage(cmd, "--weight expects a number >= 0, got '%s'", arg);
        return MOOD_EXIT_OK;
    case OPT_SEED:
        errno = 0;
        a->ao.seed = strtoull(arg, &end, 10);
        if (errno || *end)
            return mood_cli_usage(cmd, "--seed expects an integer, got '%s'", arg);
        return MOOD_EXIT_OK;
    default:
        return MOOD_CLI_UNKNOWN_OPTION;
    }
}

/*
 * Resolve one --add/--subtract argument: the whole text first (names like "10,000 Maniacs -
 * Like the Weather" contain commas), else its comma-separated parts.
 */
static int resolve_list(const mood_cli_tracks *t, const char *what, char *arg, size_t *rows,
                        size_t *n)
{
    size_t row;
    if (mood_space_resolve(t->space, arg, &row) == MOOD_OK) {
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
        if (mood_cli_tracks_resolve(t, tok, what, &rows[*n]) != MOOD_EXIT_OK)
            return MOOD_EXIT_ERROR;
        (*n)++;
    }
    return MOOD_EXIT_OK;
}

int mood_cmd_alchemy(int argc, char **argv)
{
    static const struct option longopts[] = {MOOD_CLI_TRACKS_LONGOPTS,
                                             {"add", required_argument, NULL, OPT_ADD},
                                             {"subtract", required_argument, NULL, OPT_SUB},
                                             {"temperature", required_argument, NULL, OPT_TEMP},
                                             {"weight", required_argument, NULL, OPT_WEIGHT},
                                             {"seed", required_argument, NULL, OPT_SEED},
                                             MOOD_CLI_COMMON_LONGOPTS,
                                             {NULL, 0, NULL, 0}};
    mood_cli_tracks t;
    alchemy_args a;
    size_t found, n_add = 0, n_sub = 0, add[MAX_TRACKS], sub[MAX_TRACKS];
    int rc;
    memset(&a, 0, sizeof a);
    mood_alchemy_options_default(&a.ao);
    rc = mood_cli_tracks_parse(argc, argv, longopts, help, 25, &t, alchemy_option, &a);
    if (rc >= 0)
        return rc;
    if (optind != argc)
        return mood_cli_usage(argv[0], "unexpected argument '%s' (use --add/--subtract)",
                              argv[optind]);
    if (a.n_add_args == 0)
        return mood_cli_usage(argv[0], "--add needs at least one track");
    rc = mood_cli_tracks_open(&t, "alchemy");
    if (rc != MOOD_EXIT_OK)
        return rc;
    for (size_t i = 0; i < a.n_add_args && rc == MOOD_EXIT_OK; i++)
        rc = resolve_list(&t, "--add", a.add_args[i], add, &n_add);
    for (size_t i = 0; i < a.n_sub_args && rc == MOOD_EXIT_OK; i++)
        rc = resolve_list(&t, "--subtract", a.sub_args[i], sub, &n_sub);
    if (rc == MOOD_EXIT_OK && mood_alchemy(t.space, t.index, add, n_add, sub, n_sub, &a.ao, t.count,
                                           t.hits, &found) != MOOD_OK)
        rc = mood_cli_fail("alchemy");
    if (rc == MOOD_EXIT_OK)
        rc = mood_cli_tracks_write(&t, t.hits, found);
    mood_cli_tracks_close(&t);
    return rc;
}
