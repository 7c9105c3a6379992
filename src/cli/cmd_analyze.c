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

int mood_cmd_analyze(int argc, char **argv)
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
    mood_cli_common com;
    mood_analyze_options o;
    mood_worker_options w;
    int opt, mode = 0, nice_value = 0;
    mood_worker_options_default(&w);
    mood_cli_common_init(&com);
    mood_analyze_options_default(&o);
    while ((opt = getopt_long(argc, argv, "vhj:", opts, NULL)) != -1) {
        if (mood_cli_common_option(&com, opt, optarg))
            continue;
        int q = mood_cli_queue_option(opt, optarg, &w, &nice_value);
        if (q < 0)
            return MOOD_EXIT_USAGE;
        if (q > 0)
            continue;
        switch (opt) {
        case MOOD_OPT_Q_ENQUEUE:
        case MOOD_OPT_Q_WORKER:
            if (mode && mode != opt)
                return mood_cli_usage("analyze", "--enqueue and --worker go separately");
            mode = opt;
            break;
        case 'h':
            help(stdout);
            return MOOD_EXIT_OK;
        case OPT_PATTERN:
            o.pattern = optarg;
            break;
        case 'j': {
            char *end;
            long j = strtol(optarg, &end, 10);
            if (*end || j < 1 || j > 1024)
                return mood_cli_usage("analyze", "--jobs expects a number from 1 to 1024, got '%s'",
                                      optarg);
            o.jobs = (int)j;
            break;
        }
        case OPT_OVERWRITE:
            o.overwrite = 1;
            break;
        case OPT_REPORTS:
            o.reports_dir = optarg;
            break;
        case OPT_NO_TP:
            o.audio.with_true_peak = 0;
            break;
        default:
            return mood_cli_usage("analyze", "unknown option");
        }
    }
    if (mode == MOOD_OPT_Q_WORKER && optind < argc)
        return mood_cli_usage("analyze", "--worker takes its files from the queue, not '%s'",
                              argv[optind]);
    if (optind >= argc && mode != MOOD_OPT_Q_WORKER)
        return mood_cli_usage("analyze", "give at least one file or folder to analyse");
    if (nice_value > 0 && setpriority(PRIO_PROCESS, 0, nice_value) != 0)
        mood_cli_warn("--nice %d: cannot lower the priority", nice_value);
    o.limits = &w;
    mood_catalog *cat;
    if (mood_catalog_open(com.catalog, &cat) != MOOD_OK)
        return mood_cli_fail("analyze: catalog");
    if (mode) {
        mood_cli_install_signals();
        int qrc = mode == MOOD_OPT_Q_WORKER
                      ? mood_cli_analyze_worker(cat, &o, &w)
                      : mood_cli_analyze_enqueue(cat, argv + optind, argc - optind, &o);
        mood_catalog_close(cat);
        return qrc;
    }
    if (!com.quiet && isatty(STDERR_FILENO)) {
        o.progress = show_progress;
    }
    mood_cli_install_signals();
    mood_analyze_summary sum;
    mood_status s = mood_library_analyze(cat, (const char *const *)argv + optind,
                                         (size_t)(argc - optind), &o, &sum);
    clear_progress();
    int rc = MOOD_EXIT_OK;
    if (s != MOOD_OK && s != MOOD_ECANCELED) {
        rc = mood_cli_fail("analyze");
    } else {
        double speed = sum.elapsed_s > 0 ? sum.audio_s / sum.elapsed_s : 0;
        double cpu_speed = sum.cpu_s > 0 ? sum.audio_s / sum.cpu_s : 0;
        printf("files: %zu found, %zu analysed, %zu skipped (unchanged), %zu failed\n",
               sum.files_total, sum.analyzed, sum.skipped, sum.failed);
        if (sum.analyzed + sum.failed == 0)
            printf("audio: nothing new to analyse (%.2f s)\n", sum.elapsed_s);
        else
            printf("audio: %.2f h in %.2f s wall (%.0fx realtime), %.2f s CPU (%.0fx realtime "
                   "per core), %d jobs\n",
                   sum.audio_s / 3600.0, sum.elapsed_s, speed, sum.cpu_s, cpu_speed, sum.jobs);
        if (sum.skipped_failed)
            printf("note: %zu skipped file(s) had failed before and did not change; "
                   "`moodscope library list` shows why, --overwrite retries them\n",
                   sum.skipped_failed);
        if (sum.reports_catalog_only)
            printf("reports: %zu written, %zu kept in the catalog only (folder not writable; "
                   "use --reports DIR)\n",
                   sum.reports_written, sum.reports_catalog_only);
        else if (sum.reports_written)
            printf("reports: %zu written%s%s\n", sum.reports_written,
                   o.reports_dir ? " under " : " next to the audio files",
                   o.reports_dir ? o.reports_dir : "");
        if (sum.n_failures) {
            printf("failed:\n");
            for (size_t i = 0; i < sum.n_failures; i++)
                printf("  %s: %s\n", sum.failures[i].path, sum.failures[i].reason);
        }
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
