/* Options, loading, TRACK resolution and output shared by the recommendation commands. */
#include "cli_tracks.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Handle a track-source option: MOOD_EXIT_OK, a usage exit code, or MOOD_CLI_UNKNOWN_OPTION. */
static int tracks_option(mood_cli_tracks *t, const char *cmd, int opt, const char *arg)
{
    char *end;
    switch (opt) {
    case 'n':
        errno = 0;
        t->count = (size_t)strtoull(arg, &end, 10);
        if (errno || *end || t->count == 0 || arg[0] == '-')
            return mood_cli_usage(cmd, "-n expects a positive integer, got '%s'", arg);
        return MOOD_EXIT_OK;
    case MOOD_OPT_TRACKS_TABLE:
        t->src.table_csv = arg;
        return MOOD_EXIT_OK;
    case MOOD_OPT_TRACKS_FEATURES:
        t->src.features = arg;
        return MOOD_EXIT_OK;
    case MOOD_OPT_TRACKS_METRIC:
        if (mood_metric_parse(arg, &t->src.metric) != MOOD_OK)
            return mood_cli_usage(cmd, "%s", mood_last_error());
        return MOOD_EXIT_OK;
    case MOOD_OPT_TRACKS_EXACT:
        t->src.index_mode = 1;
        return MOOD_EXIT_OK;
    case MOOD_OPT_TRACKS_HNSW:
        t->src.index_mode = 2;
        return MOOD_EXIT_OK;
    default:
        return MOOD_CLI_UNKNOWN_OPTION;
    }
}

int mood_cli_tracks_parse(int argc, char **argv, const struct option *longopts,
                          void (*help)(FILE *), size_t default_count, mood_cli_tracks *t,
                          mood_cli_tracks_option_fn extra, void *user)
{
    int opt, rc;
    memset(t, 0, sizeof *t);
    mood_cli_common_init(&t->com);
    t->count = default_count;
    for (;;) {
        opt = mood_cli_next_option(&t->com, argc, argv, "n:vh", longopts);
        if (opt == -1)
            break;
        if (opt == 'h') {
            help(stdout);
            return MOOD_EXIT_OK;
        }
        rc = tracks_option(t, argv[0], opt, optarg);
        if (rc == MOOD_CLI_UNKNOWN_OPTION && extra)
            rc = extra(user, argv[0], opt, optarg);
        if (rc == MOOD_CLI_UNKNOWN_OPTION)
            return mood_cli_usage(argv[0], "unknown option");
        if (rc != MOOD_EXIT_OK)
            return rc;
    }
    mood_cli_set_verbosity(t->com.quiet, t->com.verbose);
    return -1;
}

int mood_cli_tracks_open(mood_cli_tracks *t, const char *cmd)
{
    t->src.catalog_path = t->com.catalog;
    mood_cli_install_signals();
    if (mood_tracks_open(&t->src, mood_cli_progress, NULL, &t->space, &t->index) != MOOD_OK) {
        mood_cli_progress_done();
        t->space = NULL;
        t->index = NULL;
        return mood_cli_fail("%s", t->src.table_csv ? t->src.table_csv : t->src.catalog_path);
    }
    mood_cli_progress_done();
    t->hits = calloc(t->count, sizeof *t->hits);
    if (!t->hits) {
        int rc = mood_cli_fail("%s: out of memory", cmd);
        mood_cli_tracks_close(t);
        return rc;
    }
    return MOOD_EXIT_OK;
}

void mood_cli_tracks_close(mood_cli_tracks *t)
{
    free(t->hits);
    mood_index_destroy(t->index);
    mood_space_destroy(t->space);
    t->hits = NULL;
    t->index = NULL;
    t->space = NULL;
}

int mood_cli_tracks_resolve(const mood_cli_tracks *t, const char *arg, const char *what,
                            size_t *row)
{
    if (mood_space_resolve(t->space, arg, row) != MOOD_OK)
        return mood_cli_fail("%s", what);
    return MOOD_EXIT_OK;
}

int mood_cli_tracks_write(const mood_cli_tracks *t, const mood_hit *hits, size_t n)
{
    if (mood_hits_write(stdout, t->space, hits, n, t->com.format) != MOOD_OK)
        return mood_cli_fail("output");
    return MOOD_EXIT_OK;
}
