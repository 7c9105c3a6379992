/* `moodscope library sync NAME`: a media server's library and history into the catalog. */
#include "cli_subsonic.h"

#include <moodscope/catalog.h>

#include <stdlib.h>
#include <string.h>

static void help(FILE *fp)
{
    fprintf(fp,
            "Usage: moodscope library sync SERVER [--analyze] [--path-map SERVER=LOCAL]...\n"
            "                              [--no-stream] [--full] [--no-history] [options]\n\n"
            "Reads the artists, albums and songs of media server SERVER (see `moodscope\n"
            "server add`) with their ids, paths, durations and tags into the catalog. Later\n"
            "syncs read only new and changed albums; an interrupted sync resumes. Play counts,\n"
            "starred songs and the frequent / recent album lists go into the listening\n"
            "history (used by `moodscope fingerprint`).\n\n"
            "With --analyze, every song not yet analysed is analysed: from the local file when\n"
            "a --path-map prefix turns its server path into an existing file, else streamed\n"
            "from the server's download endpoint straight into the decoder (no temporary\n"
            "copy). Songs are linked to their catalog tracks, so playlists and picks can be\n"
            "pushed back with --to SERVER.\n\n"
            "Options:\n"
            "      --analyze            analyse the songs after the sync\n"
            "      --path-map S=L       server path prefix S is local prefix L (repeatable)\n"
            "      --no-stream          only local files (songs without one are skipped)\n"
            "      --limit N            stream at most N songs in this run\n"
            "      --jobs N             threads for local files (default every core)\n"
            "      --overwrite          analyse again songs already analysed\n"
            "      --full               read every album again\n"
            "      --no-history         skip play counts, starred songs and album lists\n\n"
            "Common options: --catalog FILE, --quiet, -v (see `moodscope library --help`).\n"
            "Exit codes: 0 success, 1 runtime error (server, catalog), 2 usage.\n");
}

enum {
    OPT_ANALYZE = MOOD_OPT_FIRST_FREE + 60,
    OPT_MAP,
    OPT_NOSTREAM,
    OPT_LIMIT,
    OPT_JOBS,
    OPT_OVERWRITE,
    OPT_FULL,
    OPT_NOHIST
};

typedef struct sync_args {
    int analyze;
    mood_subsonic_sync_options so;
    mood_subsonic_analyze_options ao;
    mood_subsonic_path_map maps[16];
} sync_args;

static int option(sync_args *a, int opt, char *arg)
{
    size_t v;
    char *eq;
    switch (opt) {
    case OPT_ANALYZE:
        a->analyze = 1;
        return 0;
    case OPT_MAP:
        eq = strchr(arg, '=');
        if (!eq || a->ao.n_maps >= 16)
            return mood_cli_usage("library",
                                  "--path-map expects SERVERPREFIX=LOCALPREFIX (at "
                                  "most 16), got '%s'",
                                  arg);
        *eq = '\0';
        a->maps[a->ao.n_maps].server_prefix = arg;
        a->maps[a->ao.n_maps++].local_prefix = eq + 1;
        return 0;
    case OPT_NOSTREAM:
        a->ao.no_stream = 1;
        return 0;
    case OPT_LIMIT:
        return mood_cli_parse_size("library", "--limit", arg, &a->ao.limit);
    case OPT_JOBS:
        if (mood_cli_parse_size("library", "--jobs", arg, &v))
            return MOOD_EXIT_USAGE;
        a->ao.jobs = (int)v;
        return 0;
    case OPT_OVERWRITE:
        a->ao.overwrite = 1;
        return 0;
    case OPT_FULL:
        a->so.full = 1;
        return 0;
    case OPT_NOHIST:
        a->so.no_history = 1;
        return 0;
    default:
        return mood_cli_usage("library", "unknown option");
    }
}

static int parse(int argc, char **argv, mood_cli_common *com, sync_args *a)
{
    static const struct option opts[] = {{"analyze", no_argument, NULL, OPT_ANALYZE},
                                         {"path-map", required_argument, NULL, OPT_MAP},
                                         {"no-stream", no_argument, NULL, OPT_NOSTREAM},
                                         {"limit", required_argument, NULL, OPT_LIMIT},
                                         {"jobs", required_argument, NULL, OPT_JOBS},
                                         {"overwrite", no_argument, NULL, OPT_OVERWRITE},
                                         {"full", no_argument, NULL, OPT_FULL},
                                         {"no-history", no_argument, NULL, OPT_NOHIST},
                                         MOOD_CLI_COMMON_LONGOPTS,
                                         {NULL, 0, NULL, 0}};
    int opt, rc;
    optind = 1;
    for (;;) {
        opt = mood_cli_next_option(com, argc, argv, "vh", opts);
        if (opt == -1)
            break;
        if (opt == 'h') {
            help(stdout);
            return MOOD_EXIT_OK;
        }
        rc = option(a, opt, optarg);
        if (rc != 0)
            return rc;
    }
    mood_cli_set_verbosity(com->quiet, com->verbose);
    if (optind != argc - 1)
        return mood_cli_usage("library", "library sync expects one SERVER");
    a->ao.maps = a->maps;
    return -1;
}

static void report_sync(const char *name, const mood_subsonic_sync_report *r)
{
    mood_cli_info(
        "%s: %s sync: %zu artists, %zu albums (%zu read, %zu unchanged, %zu removed), "
        "%zu songs (%zu new, %zu changed, %zu removed; %zu streamed tracks left the catalog)",
        name, r->incremental ? "incremental" : "first", r->artists, r->albums, r->albums_fetched,
        r->albums_unchanged, r->albums_removed, r->songs, r->songs_added, r->songs_changed,
        r->songs_removed, r->tracks_removed);
    mood_cli_info("%s: history: %zu plays added, %zu starred songs, %zu frequent and %zu recent "
                  "albums, %zu songs with a play count",
                  name, r->plays_added, r->starred, r->frequent_albums, r->recent_albums,
                  r->songs_with_counts);
}

static void report_analysis(const char *name, const mood_subsonic_analyze_report *r)
{
    mood_cli_info("%s: analysis: %zu songs: %zu from local files, %zu streamed (%.1f s of audio), "
                  "%zu already analysed, %zu failed; %zu linked to catalog tracks; %.1f s",
                  name, r->songs, r->local, r->streamed, r->stream_s, r->skipped, r->failed,
                  r->linked, r->elapsed_s);
    if (r->failed)
        mood_cli_warn("%zu songs could not be analysed; first: %s", r->failed, r->first_error);
}

int mood_cli_library_sync(int argc, char **argv)
{
    mood_cli_common com;
    sync_args a;
    mood_catalog *cat;
    mood_subsonic *c;
    int rc;
    memset(&a, 0, sizeof a);
    mood_cli_common_init(&com);
    rc = parse(argc, argv, &com, &a);
    if (rc >= 0)
        return rc;
    if (mood_catalog_open(com.catalog, &cat) != MOOD_OK)
        return mood_cli_fail("library sync: catalog");
    if (mood_subsonic_open(cat, argv[optind], &c) != MOOD_OK) {
        mood_catalog_close(cat);
        return mood_cli_fail("library sync");
    }
    mood_cli_install_signals();
    a.so.progress = mood_cli_progress;
    a.ao.progress = mood_cli_progress;
    mood_subsonic_sync_report sr;
    rc = MOOD_EXIT_OK;
    if (mood_subsonic_sync(c, cat, &a.so, &sr) != MOOD_OK)
        rc = mood_cli_fail("library sync %s (what was read is kept; run it again to resume)",
                           argv[optind]);
    mood_cli_progress_done();
    report_sync(argv[optind], &sr);
    if (rc == MOOD_EXIT_OK && a.analyze) {
        mood_subsonic_analyze_report ar;
        if (mood_subsonic_analyze(c, cat, &a.ao, &ar) != MOOD_OK)
            rc = mood_cli_fail("library sync %s: analysis", argv[optind]);
        mood_cli_progress_done();
        report_analysis(argv[optind], &ar);
    }
    mood_subsonic_close(c);
    mood_catalog_close(cat);
    return rc;
}
