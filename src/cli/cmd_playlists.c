/* `moodscope playlists RUN`: one smooth playlist per mood group, exported and/or pushed to MPD. */
#include "cli.h"
#include "cli_subsonic.h"

#include <moodscope/fileio.h>
#include <moodscope/playlist.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char mood_cmd_playlists_summary[] = "playlists from a run's groups (M3U8/XSPF/JSON, MPD)";

static void help(FILE *fp)
{
    fprintf(fp,
            "Usage: moodscope playlists RUN [--out-dir DIR] [--export m3u8,xspf,json] [options]\n\n"
            "Makes one playlist per group of RUN (a run id under --runs-dir, or a directory\n"
            "holding clustered_output.csv): near-duplicates removed (same artist and title up to\n"
            "Live/Remaster/feat. variants, or closer than --dedup-distance), at most\n"
            "--max-per-artist songs per artist, ordered by a short tour through the group's\n"
            "feature space for smooth transitions, named from the group's traits\n"
            "(\"Calm_Slow_Acoustic\") and split into equal parts of at most --max-length.\n"
            "The same data and seed give the same playlists.\n\n"
            "Options:\n"
            "      --out-dir DIR        where to write (default RUN/playlists)\n"
            "      --export LIST        m3u8, xspf, json, comma-separated (default m3u8)\n"
            "      --relative           paths relative to the playlist files (M3U8, XSPF)\n"
            "      --max-length N       longest playlist, larger groups split (default 100, 0 = "
            "no limit)\n"
            "      --max-per-artist N   songs per artist per group (default no limit)\n"
            "      --dedup-distance X   tracks closer than X are duplicates (default 1e-4)\n"
            "      --keep-variants      keep Live/Remaster/feat. variants of one song\n"
            "      --seed N             seed of the ordering sweeps (default 0)\n"
            "      --features LIST      feature columns of the ordering space\n"
            "      --metric M           cosine, euclidean or auto\n"
            "      --mpd HOST[:PORT]    also push each playlist to MPD as a stored playlist\n"
            "      --mpd-music-dir DIR  MPD's music_directory (stripped from track paths)\n"
            "      --mpd-queue          add the first playlist to MPD's queue instead\n"
            "      --mpd-password PW    MPD password\n" MOOD_CLI_PLAYLISTS_TO_HELP
            "\n" MOOD_CLI_COMMON_HELP
            "\nOutput: playlist,group,tracks,tour_length,file as csv (default), tsv or json.\n"
            "Exit codes: 0 success, 1 data or runtime error, 2 usage.\n");
}

enum {
    OPT_OUTDIR = MOOD_OPT_FIRST_FREE,
    OPT_EXPORT,
    OPT_RELATIVE,
    OPT_MAXLEN,
    OPT_MAXART,
    OPT_DEDUP,
    OPT_KEEPVAR,
    OPT_SEED,
    OPT_FEATURES,
    OPT_METRIC,
    OPT_MPD,
    OPT_MPDDIR,
    OPT_MPDQUEUE,
    OPT_MPDPW
};

/* Everything the command line sets. */
typedef struct pl_args {
    mood_cli_common com;
    mood_playlist_options po;
    mood_mpd_options mo;
    mood_cli_playlists_to pt;
    const char *out_dir, *export_list;
    char mpd_host[1024];
    int formats[3], relative, use_mpd;
} pl_args;

/* --mpd HOST[:PORT] (a leading '/' is a socket path, whose colons are not a port). */
static int parse_mpd(pl_args *a, const char *cmd, const char *arg)
{
    char *colon, *end;
    snprintf(a->mpd_host, sizeof a->mpd_host, "%s", arg);
    colon = strrchr(a->mpd_host, ':');
    if (colon && a->mpd_host[0] != '/') {
        *colon = '\0';
        a->mo.port = (unsigned)strtoul(colon + 1, &end, 10);
        if (*end || a->mo.port == 0 || a->mo.port > 65535)
            return mood_cli_usage(cmd, "--mpd expects HOST[:PORT], got '%s'", arg);
    }
    a->mo.host = a->mpd_host;
    a->use_mpd = 1;
    return -1;
}

/* One option of the command; -1 to go on, else the exit code. */
static int parse_option(pl_args *a, char **argv, int opt)
{
    size_t seed;
    char *end;
    int rc;
    switch (opt) {
    case 'h':
        help(stdout);
        return MOOD_EXIT_OK;
    case OPT_OUTDIR:
        a->out_dir = optarg;
        break;
    case OPT_EXPORT:
        a->export_list = optarg;
        break;
    case OPT_RELATIVE:
        a->relative = 1;
        break;
    case OPT_MAXLEN:
        if (mood_cli_parse_size(argv[0], "--max-length", optarg, &a->po.max_length))
            return MOOD_EXIT_USAGE;
        break;
    case OPT_MAXART:
        if (mood_cli_parse_size(argv[0], "--max-per-artist", optarg, &a->po.max_per_artist))
            return MOOD_EXIT_USAGE;
        break;
    case OPT_DEDUP:
        a->po.dedup_distance = strtof(optarg, &end);
        if (*end || !(a->po.dedup_distance >= 0.0f))
            return mood_cli_usage(argv[0], "--dedup-distance expects a number >= 0, got '%s'",
                                  optarg);
        break;
    case OPT_KEEPVAR:
        a->po.dedup_names = 0;
        break;
    case OPT_SEED:
        if (mood_cli_parse_size(argv[0], "--seed", optarg, &seed))
            return MOOD_EXIT_USAGE;
        a->po.seed = seed;
        break;
    case OPT_FEATURES:
        a->po.features = optarg;
        break;
    case OPT_METRIC:
        if (mood_metric_parse(optarg, &a->po.metric) != MOOD_OK)
            return mood_cli_usage(argv[0], "%s", mood_last_error());
        break;
    case OPT_MPD:
        return parse_mpd(a, argv[0], optarg);
    case OPT_MPDDIR:
        a->mo.music_dir = optarg;
        break;
    case OPT_MPDQUEUE:
        a->mo.queue = 1;
        break;
    case OPT_MPDPW:
        a->mo.password = optarg;
        break;
    default:
        rc = mood_cli_playlists_to_option(&a->pt, argv[0], opt, optarg);
        if (rc < 0)
            return -rc;
        if (rc == 0)
            return mood_cli_usage(argv[0], "unknown option");
    }
    return -1;
}

/* The whole command line: -1 when the command should run, else the exit code. */
static int parse_args(pl_args *a, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"out-dir", required_argument, NULL, OPT_OUTDIR},
        {"export", required_argument, NULL, OPT_EXPORT},
        {"relative", no_argument, NULL, OPT_RELATIVE},
        {"max-length", required_argument, NULL, OPT_MAXLEN},
        {"max-per-artist", required_argument, NULL, OPT_MAXART},
        {"dedup-distance", required_argument, NULL, OPT_DEDUP},
        {"keep-variants", no_argument, NULL, OPT_KEEPVAR},
        {"seed", required_argument, NULL, OPT_SEED},
        {"features", required_argument, NULL, OPT_FEATURES},
        {"metric", required_argument, NULL, OPT_METRIC},
        {"mpd", required_argument, NULL, OPT_MPD},
        {"mpd-music-dir", required_argument, NULL, OPT_MPDDIR},
        {"mpd-queue", no_argument, NULL, OPT_MPDQUEUE},
        {"mpd-password", required_argument, NULL, OPT_MPDPW},
        {"to", required_argument, NULL, MOOD_OPT_TO},
        {"update", no_argument, NULL, MOOD_OPT_UPDATE},
        {"all", no_argument, NULL, MOOD_OPT_ALL},
        {"max-change", required_argument, NULL, MOOD_OPT_MAX_CHANGE},
        MOOD_CLI_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}};
    int opt, rc;
    for (;;) {
        opt = mood_cli_next_option(&a->com, argc, argv, "vh", longopts);
        if (opt == -1)
            break;
        rc = parse_option(a, argv, opt);
        if (rc >= 0)
            return rc;
    }
    mood_cli_set_verbosity(a->com.quiet, a->com.verbose);
    if (a->pt.all && !a->pt.update)
        return mood_cli_usage(argv[0], "--all goes with --update");
    if (a->pt.all && optind == argc) {
        static char latest[4096];
        rc = mood_cli_latest_run(a->com.runs_dir, latest, sizeof latest);
        if (rc != MOOD_EXIT_OK)
            return rc;
        argv[--optind] = latest;
    }
    if (optind != argc - 1)
        return mood_cli_usage(argv[0], "expected one RUN");
    char list[256];
    snprintf(list, sizeof list, "%s", a->export_list);
    for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
        mood_playlist_format f;
        if (mood_playlist_format_parse(tok, &f) != MOOD_OK)
            return mood_cli_usage(argv[0], "%s", mood_last_error());
        a->formats[f] = 1;
    }
    return -1;
}

/* Write playlist @p i in every chosen format (path of the last one into @p path), push it to
 * MPD when asked; adds the entries without an audio file to *no_file. */
static int write_one(const pl_args *a, const mood_playlist_set *set, size_t i, char *path,
                     size_t path_cap, size_t *no_file)
{
    size_t n, skipped = 0;
    const size_t *rows = mood_playlist_rows(set, i, &n);
    const char *name = mood_playlist_name(set, i);
    int rc = MOOD_EXIT_OK;
    for (int f = 0; f < 3 && rc == MOOD_EXIT_OK; f++) {
        if (!a->formats[f])
            continue;
        snprintf(path, path_cap, "%s/%s.%s", a->out_dir, name,
                 mood_playlist_format_ext((mood_playlist_format)f));
        if (mood_playlist_write(set, i, (mood_playlist_format)f, path, a->relative, &skipped) !=
            MOOD_OK)
            rc = mood_cli_fail("writing %s", path);
        else if (f != MOOD_PLAYLIST_JSON)
            *no_file += skipped;
    }
    if (rc == MOOD_EXIT_OK && a->use_mpd && (!a->mo.queue || i == 0)) {
        size_t added, refused;
        if (mood_mpd_push(mood_playlist_space(set), rows, n, name, &a->mo, &added, &refused) !=
            MOOD_OK)
            rc = mood_cli_fail("mpd");
        else
            mood_cli_info("mpd: %s: %zu tracks added%s, %zu skipped", name, added,
                          a->mo.queue ? " to the queue" : "", refused);
    }
    return rc;
}

/* Write every playlist and print one line (or JSON object) per playlist on stdout. */
static int write_all(const pl_args *a, const mood_playlist_set *set)
{
    const char *fmt = a->com.format ? a->com.format : "csv";
    size_t no_file = 0;
    int rc = MOOD_EXIT_OK;
    if (strcmp(fmt, "json") == 0)
        printf("[\n");
    else
        printf(strcmp(fmt, "tsv") == 0 ? "playlist\tgroup\ttracks\ttour_length\tfile\n"
                                       : "playlist,group,tracks,tour_length,file\n");
    for (size_t i = 0; i < mood_playlist_count(set) && rc == MOOD_EXIT_OK; i++) {
        size_t n;
        const char *name = mood_playlist_name(set, i);
        char path[4096] = "";
        (void)mood_playlist_rows(set, i, &n);
        rc = write_one(a, set, i, path, sizeof path, &no_file);
        if (strcmp(fmt, "json") == 0) {
            printf("  {\"playlist\": \"%s\", \"group\": %ld, \"tracks\": %zu, \"tour_length\": "
                   "%.6g, \"file\": \"",
                   name, mood_playlist_group(set, i), n, mood_playlist_tour_length(set, i));
            for (const char *c = path; *c; c++) /* paths may hold quotes or backslashes */
                printf(*c == '"' || *c == '\\' ? "\\%c" : "%c", *c);
            printf("\"}%s\n", i + 1 < mood_playlist_count(set) ? "," : "");
        }
        if (strcmp(fmt, "json") != 0)
            printf(strcmp(fmt, "tsv") == 0 ? "%s\t%ld\t%zu\t%.6g\t%s\n" : "%s,%ld,%zu,%.6g,%s\n",
                   name, mood_playlist_group(set, i), n, mood_playlist_tour_length(set, i), path);
    }
    if (strcmp(fmt, "json") == 0)
        printf("]\n");
    if (no_file)
        mood_cli_warn("%zu entries have no audio file and were left out of the M3U8/XSPF files "
                      "(JSON lists every track by id)",
                      no_file);
    return rc;
}

int mood_cmd_playlists(int argc, char **argv)
{
    pl_args a;
    mood_playlist_set *set;
    char run_dir[4096], dir_buf[4096];
    size_t dups, limited;
    int rc;
    if (argc > 1 && strcmp(argv[1], "history") == 0)
        return mood_cli_playlists_history(argc - 1, argv + 1);
    memset(&a, 0, sizeof a);
    a.export_list = "m3u8";
    mood_cli_playlists_to_init(&a.pt);
    mood_cli_common_init(&a.com);
    mood_playlist_options_default(&a.po);
    rc = parse_args(&a, argc, argv);
    if (rc >= 0)
        return rc;
    /* RUN is a directory, or a run id under --runs-dir */
    snprintf(run_dir, sizeof run_dir, "%s", argv[optind]);
    if (!mood_path_exists(run_dir) || strchr(argv[optind], '/') == NULL) {
        char cand[4096];
        snprintf(cand, sizeof cand, "%s/%s", a.com.runs_dir, argv[optind]);
        if (mood_path_exists(cand))
            snprintf(run_dir, sizeof run_dir, "%s", cand);
    }
    if (!a.out_dir) {
        snprintf(dir_buf, sizeof dir_buf, "%s/playlists", run_dir);
        a.out_dir = dir_buf;
    }
    if (mood_playlists_from_run(run_dir, &a.po, &set) != MOOD_OK)
        return mood_cli_fail("run %s", argv[optind]);
    if (mood_mkdirs(a.out_dir) != MOOD_OK) {
        mood_playlist_set_destroy(set);
        return mood_cli_fail("%s", a.out_dir);
    }
    if (a.pt.update) {
        rc = mood_cli_playlists_publish(&a.com, &a.pt, set, run_dir, a.out_dir, a.formats,
                                        a.relative);
        mood_playlist_set_destroy(set);
        return rc;
    }
    rc = write_all(&a, set);
    if (rc == MOOD_EXIT_OK && a.pt.to)
        rc = mood_cli_playlists_publish(&a.com, &a.pt, set, run_dir, a.out_dir, a.formats,
                                        a.relative);
    mood_playlist_removed(set, &dups, &limited);
    mood_cli_info("%zu playlists; %zu near-duplicates removed, %zu tracks over the artist limit",
                  mood_playlist_count(set), dups, limited);
    mood_playlist_set_destroy(set);
    return rc;
}
