/* `moodscope analyze PATH...`: analyse audio files into the catalog (library.h). */
#include "cli.h"
#include "cli_report.h"

#include "cli_queue.h"
#include <moodscope/catalog.h>
#include <moodscope/library.h>
#include <moodscope/table.h>
#include <sys/resource.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char mood_cmd_analyze_summary[] = "analyse a music folder into features (catalog + reports)";

enum { OPT_PATTERN = MOOD_OPT_FIRST_FREE, OPT_JOBS, OPT_OVERWRITE, OPT_REPORTS, OPT_NO_TP };

static void help(FILE *fp)
{
    fprintf(fp, "Usage: moodscope analyze PATH... [--pattern GLOB] [--jobs N] [--overwrite]\n"
                "                         [--reports DIR] [--catalog FILE|postgresql://...]\n"
                "       moodscope analyze --enqueue PATH... | --worker [--path-map FROM=TO]\n\n"
                "Finds audio files under each PATH (folders are searched recursively), decodes\n"
                "them with FFmpeg and computes rhythm, tonal, timbre, dynamics, spatial,\n"
                "instrumentation and mood features. Each track is recorded in the catalog with\n"
                "its JSON report and feature vector; `moodscope library export features.csv`\n"
                "then writes the table that `moodscope cluster` reads.\n\n"
                "Each file named on the command line is then shown with its tempo (confidence,\n"
                "rejected alternative), metre and key (Camelot, Open Key, confidence, second-best\n"
                "key), and each folder with the number of doubtful values (`moodscope library\n"
                "doubtful` lists them, `moodscope library set` fixes one).\n\n"
                "Files already analysed (or failed) with the same size, modification time\n"
                "and analysis version are skipped. Ctrl-C stops cleanly: finished tracks are\n"
                "kept and a rerun continues. Files that cannot be analysed are recorded with\n"
                "the reason and listed at the end; the run goes on.\n\n"
                "Options:\n"
                "  --pattern GLOB   file-name glob (matched on the path when it contains '/');\n"
                "                   default: mp3 flac ogg oga opus m4a mp4 aac alac wav aif aiff\n"
                "                   wma wv ape mka webm. Files named on the command line are\n"
                "                   always analysed.\n"
                "  --jobs N         worker threads (default: every core)\n"
                "  --overwrite      analyse again even when nothing changed (also --force);\n"
                "                   corrections made with `moodscope library set` are kept\n"
                "  --reports DIR    write the JSON reports under DIR (default: next to each\n"
                "                   file as FILE.moodscope.json; kept in the catalog only when\n"
                "                   that folder is not writable)\n"
                "  --no-true-peak   skip 4x-oversampled true peak (sample peak "
                "instead)\n\n" MOOD_CLI_QUEUE_HELP MOOD_CLI_COMMON_HELP);
}

/* Files named on the command line get their tempo and key printed, up to this many. */
#define MAX_TRACK_REPORTS 20

static int progress_shown;

/* The progress line (only on a terminal): files, audio hours, speed, failures, ETA. */
static int show_progress(void *user, const mood_analyze_progress *p)
{
    (void)user;
    fprintf(stderr,
            "\r\033[Kanalyze: %zu/%zu files, %.2f h audio, %.0fx realtime, %zu failed, ETA %.0f s",
            p->files_done, p->files_total, p->audio_s_done / 3600.0, p->speed_x, p->failed,
            p->eta_s);
    progress_shown = 1;
    return 0;
}

static void clear_progress(void)
{
    if (progress_shown)
        fprintf(stderr, "\r\033[K");
    progress_shown = 0;
}

/* The number of doubtful tempos and keys of the tracks under folder @p dir. */
static size_t doubtful_under(mood_catalog *cat, const char *dir)
{
    char abs[PATH_MAX + 2];
    mood_library_doubtful_options o;
    mood_table *t;
    if (!realpath(dir, abs))
        return 0;
    size_t len = strlen(abs);
    if (len == 0 || abs[len - 1] != '/')
        snprintf(abs + len, sizeof abs - len, "/");
    mood_library_doubtful_options_default(&o);
    o.under = abs;
    if (mood_library_doubtful(cat, &o, &t) != MOOD_OK)
        return 0;
    size_t n = mood_table_rows(t);
    mood_table_destroy(t);
    return n;
}

/*
 * After the run: each file named on the command line with its tempo, metre and key (confidence,
 * runner-up), and for each folder how many of its values look doubtful.
 */
static void report_tracks(mood_catalog *cat, char *const *paths, int n)
{
    int shown = 0;
    for (int i = 0; i < n; i++) {
        struct stat sb;
        if (stat(paths[i], &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode)) {
            size_t d = doubtful_under(cat, paths[i]);
            if (d)
                printf("doubtful: %zu tempo or key value%s under %s: `moodscope library "
                       "doubtful %s` lists them, `moodscope library set` fixes one\n",
                       d, d == 1 ? "" : "s", paths[i], paths[i]);
            continue;
        }
        mood_library_musical m;
        if (shown >= MAX_TRACK_REPORTS || mood_library_musical_get(cat, paths[i], &m) != MOOD_OK)
            continue;
        mood_cli_print_musical(stdout, &m);
        shown++;
    }
}

/* The parsed command line of analyze. */
typedef struct analyze_args {
    mood_cli_common com;
    mood_analyze_options o;
    mood_worker_options w;
    int mode; /* 0, MOOD_OPT_Q_ENQUEUE or MOOD_OPT_Q_WORKER */
    int nice_value;
} analyze_args;

/* Parse the options into @p a; -1 to go on, or the exit code (help, usage error). */
static int parse_args(int argc, char **argv, analyze_args *a)
{
    static const struct option opts[] = {MOOD_CLI_COMMON_LONGOPTS,
                                         {"pattern", required_argument, NULL, OPT_PATTERN},
                                         {"jobs", required_argument, NULL, 'j'},
                                         {"overwrite", no_argument, NULL, OPT_OVERWRITE},
                                         {"force", no_argument, NULL, OPT_OVERWRITE},
                                         {"reports", required_argument, NULL, OPT_REPORTS},
                                         {"no-true-peak", no_argument, NULL, OPT_NO_TP},
                                         MOOD_CLI_QUEUE_LONGOPTS,
                                         {NULL, 0, NULL, 0}};
    int opt;
    for (;;) {
        opt = mood_cli_next_option(&a->com, argc, argv, "vhj:", opts);
        if (opt == -1)
            break;
        int q = mood_cli_queue_option(opt, optarg, &a->w, &a->nice_value);
        if (q < 0)
            return MOOD_EXIT_USAGE;
        if (q > 0)
            continue;
        switch (opt) {
        case MOOD_OPT_Q_ENQUEUE:
        case MOOD_OPT_Q_WORKER:
            if (a->mode && a->mode != opt)
                return mood_cli_usage("analyze", "--enqueue and --worker go separately");
            a->mode = opt;
            break;
        case 'h':
            help(stdout);
            return MOOD_EXIT_OK;
        case OPT_PATTERN:
            a->o.pattern = optarg;
            break;
        case 'j': {
            char *end;
            long j = strtol(optarg, &end, 10);
            if (*end || j < 1 || j > 1024)
                return mood_cli_usage("analyze", "--jobs expects a number from 1 to 1024, got '%s'",
                                      optarg);
            a->o.jobs = (int)j;
            break;
        }
        case OPT_OVERWRITE:
            a->o.overwrite = 1;
            break;
        case OPT_REPORTS:
            a->o.reports_dir = optarg;
            break;
        case OPT_NO_TP:
            a->o.audio.with_true_peak = 0;
            break;
        default:
            return mood_cli_usage("analyze", "unknown option");
        }
    }
    if (a->mode == MOOD_OPT_Q_WORKER && optind < argc)
        return mood_cli_usage("analyze", "--worker takes its files from the queue, not '%s'",
                              argv[optind]);
    if (optind >= argc && a->mode != MOOD_OPT_Q_WORKER)
        return mood_cli_usage("analyze", "give at least one file or folder to analyse");
    return -1;
}

/* The closing lines of a plain analyze run. */
static void print_summary(const mood_analyze_summary *sum, const analyze_args *a)
{
    double speed = sum->elapsed_s > 0 ? sum->audio_s / sum->elapsed_s : 0;
    double cpu_speed = sum->cpu_s > 0 ? sum->audio_s / sum->cpu_s : 0;
    printf("files: %zu found, %zu analysed, %zu skipped (unchanged), %zu failed\n",
           sum->files_total, sum->analyzed, sum->skipped, sum->failed);
    if (sum->analyzed + sum->failed == 0)
        printf("audio: nothing new to analyse (%.2f s)\n", sum->elapsed_s);
    else
        printf("audio: %.2f h in %.2f s wall (%.0fx realtime), %.2f s CPU (%.0fx realtime "
               "per core), %d jobs\n",
               sum->audio_s / 3600.0, sum->elapsed_s, speed, sum->cpu_s, cpu_speed, sum->jobs);
    if (sum->sampled)
        printf("sampled: %zu long file%s analysed from %d windows of at most %g s (--long-files "
               "sample; the report's \"sampling\" lists them)\n",
               sum->sampled, sum->sampled == 1 ? "" : "s", a->w.sample_windows,
               a->w.sample_window_s);
    if (sum->skipped_failed)
        printf("note: %zu skipped file(s) had failed before and did not change; "
               "`moodscope library list` shows why, --overwrite retries them\n",
               sum->skipped_failed);
    if (sum->reports_catalog_only)
        printf("reports: %zu written, %zu kept in the catalog only (folder not writable; "
               "use --reports DIR)\n",
               sum->reports_written, sum->reports_catalog_only);
    else if (sum->reports_written)
        printf("reports: %zu written%s%s\n", sum->reports_written,
               a->o.reports_dir ? " under " : " next to the audio files",
               a->o.reports_dir ? a->o.reports_dir : "");
    if (sum->n_failures) {
        printf("failed:\n");
        for (size_t i = 0; i < sum->n_failures; i++)
            printf("  %s: %s\n", sum->failures[i].path, sum->failures[i].reason);
    }
}

/* analyze --enqueue / --worker. */
static int run_queue(mood_catalog *cat, analyze_args *a, char **paths, int n)
{
    mood_cli_install_signals();
    int rc = a->mode == MOOD_OPT_Q_WORKER ? mood_cli_analyze_worker(cat, &a->o, &a->w)
                                          : mood_cli_analyze_enqueue(cat, paths, n, &a->o);
    mood_catalog_close(cat);
    return rc;
}

int mood_cmd_analyze(int argc, char **argv)
{
    analyze_args a;
    memset(&a, 0, sizeof a);
    mood_worker_options_default(&a.w);
    mood_cli_common_init(&a.com);
    mood_analyze_options_default(&a.o);
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    if (a.nice_value > 0 && setpriority(PRIO_PROCESS, 0, a.nice_value) != 0)
        mood_cli_warn("--nice %d: cannot lower the priority", a.nice_value);
    a.o.limits = &a.w;
    mood_catalog *cat;
    if (mood_catalog_open(a.com.catalog, &cat) != MOOD_OK)
        return mood_cli_fail("analyze: catalog");
    if (a.mode)
        return run_queue(cat, &a, argv + optind, argc - optind);
    if (!a.com.quiet && isatty(STDERR_FILENO))
        a.o.progress = show_progress;
    mood_cli_install_signals();
    mood_analyze_summary sum;
    mood_status s = mood_library_analyze(cat, (const char *const *)argv + optind,
                                         (size_t)(argc - optind), &a.o, &sum);
    clear_progress();
    rc = MOOD_EXIT_OK;
    if (s != MOOD_OK && s != MOOD_ECANCELED) {
        rc = mood_cli_fail("analyze");
    } else {
        print_summary(&sum, &a);
        if (s == MOOD_OK)
            report_tracks(cat, argv + optind, argc - optind);
        if (s == MOOD_ECANCELED) {
            mood_cli_warn("interrupted: finished tracks are kept; run the same command again "
                          "to continue");
            rc = MOOD_EXIT_ERROR;
        }
    }
    mood_analyze_summary_free(&sum);
    mood_catalog_close(cat);
    return rc;
}
