/*
 * Command-line pieces for media servers and stable playlists: `library sync` (library_sync.c),
 * `playlists --update / --to / history` (playlists_stable.c) and `--to NAME` queueing of
 * similar, next and path. Parsing and formatting only; the work is in include/moodscope/subsonic.h.
 */
#ifndef MOOD_CLI_SUBSONIC_H
#define MOOD_CLI_SUBSONIC_H

#include "cli.h"

#include <moodscope/playlist.h>
#include <moodscope/subsonic.h>

/* getopt_long codes, clear of the codes the commands number from MOOD_OPT_FIRST_FREE. */
enum { MOOD_OPT_TO = MOOD_OPT_FIRST_FREE + 80, MOOD_OPT_UPDATE, MOOD_OPT_ALL, MOOD_OPT_MAX_CHANGE };

/* The --to option of similar / next / path, and its help line. */
#define MOOD_CLI_TO_LONGOPT                                                                        \
    {                                                                                              \
        "to", required_argument, NULL, MOOD_OPT_TO                                                 \
    }
#define MOOD_CLI_TO_HELP                                                                           \
    "      --to SERVER      also queue the tracks on media server SERVER (its playlist\n"          \
    "                       \"moodscope queue\", replaced; see `moodscope server`)\n"

/* Help lines of the --to / --update / --max-change / --all options of `playlists`. */
#define MOOD_CLI_PLAYLISTS_TO_HELP                                                                 \
    "      --to SERVER          create or update one playlist per group on media server\n"         \
    "                           SERVER (see `moodscope server`), with a comment saying\n"          \
    "                           how it was made\n"                                                 \
    "      --update             stable playlists: match each group to the stored playlist\n"       \
    "                           sharing most tracks, keep its name and the order of what\n"        \
    "                           stays, drop tracks that left the group or the library,\n"          \
    "                           append the new ones; each change is a version (see\n"              \
    "                           `moodscope playlists history NAME`)\n"                             \
    "      --max-change X       at most X changes per playlist and update: 20%% (default),\n"      \
    "                           0.2, or a number of tracks; the rest waits for the next\n"         \
    "      --all                with --update: RUN defaults to the newest run, and only\n"         \
    "                           changed playlists are printed (nothing when none changed;\n"

/* `moodscope library sync NAME ...` (argv[0] is "sync"). */
int mood_cli_library_sync(int argc, char **argv);

/* `moodscope playlists history NAME` (argv[0] is "history"). */
int mood_cli_playlists_history(int argc, char **argv);

/* The stable-playlist and server options of `playlists`. */
typedef struct mood_cli_playlists_to {
    const char *to; /* --to SERVER */
    int update;     /* --update */
    int all;        /* --all */
    mood_stable_options stable;
} mood_cli_playlists_to;

void mood_cli_playlists_to_init(mood_cli_playlists_to *pt);
/* Handle @p opt if it is one of these options: 1 handled, 0 not ours, or -(exit code). */
int mood_cli_playlists_to_option(mood_cli_playlists_to *pt, const char *cmd, int opt,
                                 const char *arg);
/* The newest run id under @p runs_dir into @p buf (for `--update --all` without RUN). */
int mood_cli_latest_run(const char *runs_dir, char *buf, size_t cap);
/*
 * After the playlists were built: with --update, update the stable playlists, write their
 * files (when @p formats has any) and print one row per playlist (with --all only the changed
 * ones); with --to, push them (stable ones with --update, the fresh ones otherwise).
 */
int mood_cli_playlists_publish(const mood_cli_common *com, const mood_cli_playlists_to *pt,
                               const mood_playlist_set *set, const char *run_dir,
                               const char *out_dir, const int *formats, int relative);

/* A mood_cli_tracks_option_fn for --to: stores the server name into *(const char **)user. */
int mood_cli_to_option(void *user, const char *cmd, int opt, char *arg);

/* Queue @p n hits of @p s on server @p to as the playlist "moodscope queue". */
int mood_cli_subsonic_queue(const char *catalog, const char *to, const mood_space *s,
                            const mood_hit *hits, size_t n, const char *what);

#endif
