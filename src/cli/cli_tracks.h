/*
 * Command-line pieces shared by the track recommendation commands (similar, next, path, alchemy,
 * fingerprint): the track-source options (-n, --table, --features, --metric, --exact, --hnsw)
 * and their help text, loading the track space and index with a progress line, resolving TRACK
 * arguments and printing result rows. Parsing and formatting only: the work is done by
 * include/moodscope/recommend.h.
 */
#ifndef MOOD_CLI_TRACKS_H
#define MOOD_CLI_TRACKS_H

#include "cli.h"

#include <moodscope/recommend.h>

#include <stddef.h>

/* getopt_long codes of the track-source options; commands number theirs from ..._FIRST_FREE. */
enum {
    MOOD_OPT_TRACKS_TABLE = MOOD_OPT_FIRST_FREE,
    MOOD_OPT_TRACKS_FEATURES,
    MOOD_OPT_TRACKS_METRIC,
    MOOD_OPT_TRACKS_EXACT,
    MOOD_OPT_TRACKS_HNSW,
    MOOD_OPT_TRACKS_FIRST_FREE
};

/*
 * The track-source long options, in the order the commands have always listed them (getopt_long
 * names ambiguous abbreviations in this order). A command's longopts are
 * {MOOD_CLI_TRACKS_LONGOPTS, <its own>, MOOD_CLI_COMMON_LONGOPTS, {NULL, 0, NULL, 0}}.
 */
#define MOOD_CLI_TRACKS_LONGOPTS                                                                   \
    {"count", required_argument, NULL, 'n'},                                                       \
        {"table", required_argument, NULL, MOOD_OPT_TRACKS_TABLE},                                 \
        {"features", required_argument, NULL, MOOD_OPT_TRACKS_FEATURES},                           \
        {"metric", required_argument, NULL, MOOD_OPT_TRACKS_METRIC},                               \
        {"exact", no_argument, NULL, MOOD_OPT_TRACKS_EXACT},                                       \
    {                                                                                              \
        "hnsw", no_argument, NULL, MOOD_OPT_TRACKS_HNSW                                            \
    }

/* Help lines of the track-source options, followed by the common options. */
#define MOOD_CLI_TRACKS_HELP                                                                       \
    "      --table FILE     a CSV track table instead of the catalog\n"                            \
    "      --features LIST  feature columns (default: sim_*, else audio features)\n"               \
    "      --metric M       cosine, euclidean or auto (default)\n"                                 \
    "      --exact | --hnsw force exact search or the HNSW graph\n\n" MOOD_CLI_COMMON_HELP

/* Help paragraph on the output of mood_hits_write and the exit codes. */
#define MOOD_CLI_HITS_HELP                                                                         \
    "\nOutput: rank,id,artist,title,distance,score,reasons[,path] as csv (default), tsv\n"         \
    "or json. Exit codes: 0 success, 1 data or runtime error (track not found or\n"                \
    "ambiguous), 2 usage.\n"

/* Returned by a command's option callback for a code that is not one of its options. */
enum { MOOD_CLI_UNKNOWN_OPTION = -1 };

/*
 * A command's own options: handle @p opt (with @p arg) into @p user. Returns MOOD_EXIT_OK when
 * handled, the exit code after printing a usage error (mood_cli_usage), or
 * MOOD_CLI_UNKNOWN_OPTION.
 */
typedef int (*mood_cli_tracks_option_fn)(void *user, const char *cmd, int opt, char *arg);

/* The parsed options and, once opened, the loaded tracks. */
typedef struct mood_cli_tracks {
    mood_cli_common com;
    mood_tracks_source src;
    size_t count;      /* -n/--count */
    mood_space *space; /* set by mood_cli_tracks_open */
    mood_index *index;
    mood_hit *hits; /* count entries, zeroed */
} mood_cli_tracks;

/*
 * Parse argv with getopt_long ("n:vh" and @p longopts): the common and track-source options
 * here, the others through @p extra (may be NULL), -h prints @p help. Sets the verbosity and
 * leaves optind at the first operand. Returns -1 to go on, or the exit code to return (help
 * printed: 0; usage error: 2).
 */
int mood_cli_tracks_parse(int argc, char **argv, const struct option *longopts,
                          void (*help)(FILE *), size_t default_count, mood_cli_tracks *t,
                          mood_cli_tracks_option_fn extra, void *user);

/*
 * Open the tracks (the --table CSV or the catalog) with a progress line, SIGINT/SIGTERM
 * cancelling, and allocate t->hits. Prints the error ("<cmd>: out of memory" when allocation
 * fails) and returns MOOD_EXIT_ERROR on failure, leaving nothing to close; MOOD_EXIT_OK otherwise.
 */
int mood_cli_tracks_open(mood_cli_tracks *t, const char *cmd);

/* Free what mood_cli_tracks_open made. */
void mood_cli_tracks_close(mood_cli_tracks *t);

/* Resolve a TRACK argument to a row; on failure prints "<what>: <why>" and returns 1. */
int mood_cli_tracks_resolve(const mood_cli_tracks *t, const char *arg, const char *what,
                            size_t *row);

/* Print @p n hits on stdout in the --format; on failure prints "output: <why>" and returns 1. */
int mood_cli_tracks_write(const mood_cli_tracks *t, const mood_hit *hits, size_t n);

#endif
