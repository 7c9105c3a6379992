/*
 * The media-server pieces that other commands call, when the subsonic component is not built
 * (MOOD_WITH_SUBSONIC=OFF): `library sync`, `playlists history`, `--to SERVER` and the stable
 * playlists of `playlists --update` say which option builds them; the rest of each command
 * works as usual. The real versions are library_sync.c and playlists_stable.c.
 */
#include "cli_subsonic.h"
#include "components.h"

#include <string.h>

int mood_cli_library_sync(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return mood_cli_not_built("library sync", MOOD_HINT_SUBSONIC);
}

int mood_cli_playlists_history(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return mood_cli_not_built("playlists history", MOOD_HINT_SUBSONIC);
}

void mood_cli_playlists_to_init(mood_cli_playlists_to *pt)
{
    memset(pt, 0, sizeof *pt);
}

int mood_cli_playlists_to_option(mood_cli_playlists_to *pt, const char *cmd, int opt,
                                 const char *arg)
{
    (void)pt;
    (void)cmd;
    (void)arg;
    if (opt == MOOD_OPT_TO)
        return -mood_cli_not_built("playlists --to", MOOD_HINT_SUBSONIC);
    if (opt == MOOD_OPT_UPDATE || opt == MOOD_OPT_ALL || opt == MOOD_OPT_MAX_CHANGE)
        return -mood_cli_not_built("playlists --update (stable playlists)", MOOD_HINT_SUBSONIC);
    return 0;
}

int mood_cli_latest_run(const char *runs_dir, char *buf, size_t cap)
{
    (void)runs_dir;
    (void)buf;
    (void)cap;
    return mood_cli_not_built("playlists --update --all", MOOD_HINT_SUBSONIC);
}

/* Only reached without --to and --update (the options above refuse them): nothing to do. */
int mood_cli_playlists_publish(const mood_cli_common *com, const mood_cli_playlists_to *pt,
                               const mood_playlist_set *set, const char *run_dir,
                               const char *out_dir, const int *formats, int relative)
{
    (void)com;
    (void)set;
    (void)run_dir;
    (void)out_dir;
    (void)formats;
    (void)relative;
    if (pt->to || pt->update)
        return mood_cli_not_built("playlists --to|--update", MOOD_HINT_SUBSONIC);
    return MOOD_EXIT_OK;
}

int mood_cli_to_option(void *user, const char *cmd, int opt, char *arg)
{
    (void)user;
    (void)cmd;
    (void)arg;
    if (opt != MOOD_OPT_TO)
        return -1; /* MOOD_CLI_UNKNOWN_OPTION */
    return mood_cli_not_built("--to SERVER", MOOD_HINT_SUBSONIC);
}

int mood_cli_subsonic_queue(const char *catalog, const char *to, const mood_space *s,
                            const mood_hit *hits, size_t n, const char *what)
{
    (void)catalog;
    (void)to;
    (void)s;
    (void)hits;
    (void)n;
    (void)what;
    return mood_cli_not_built("--to SERVER", MOOD_HINT_SUBSONIC);
}
