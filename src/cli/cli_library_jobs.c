/* `moodscope library jobs`: the shared queue's state (queued, running by worker, done,
 * failed, rate, ETA). */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "cli_queue.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* "2026-12-06 22:40:01 UTC" of an epoch time. */
static void utc(double t, char *buf, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (t <= 0 || !gmtime_r(&tt, &tm))
        snprintf(buf, cap, "-");
    else
        strftime(buf, cap, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

/* The limits of a run, in the words of the options. */
static void print_run_limits(const mood_analysis_run *r)
{
    printf("  limits: jobs=%d nice=%d max_load=%g max_duration_s=%g long_files=%s", r->jobs,
           r->nice, r->max_load, r->max_duration_s, r->long_files);
    if (strcmp(r->long_files, "sample") == 0)
        printf(" (%d x %g s windows)", r->sample_windows, r->sample_window_s);
    printf(" max_memory_mb=%g path_map=%s", r->max_memory_mb, r->path_map[0] ? r->path_map : "-");
    if (strcmp(r->mode, "worker") == 0)
        printf(" lease_s=%g poll_s=%g waiting=%s", r->lease_s, r->poll_s, r->waiting);
    printf("\n");
}

static void print_run(const mood_analysis_run *r)
{
    char t0[40], t1[40];
    utc(r->started, t0, sizeof t0);
    utc(r->finished, t1, sizeof t1);
    printf("run %lld: %s %s (host %s, pid %lld), %s; started %s, finished %s\n", (long long)r->id,
           r->mode, r->worker, r->host, (long long)r->pid, r->status, t0, t1);
    printf("  moodscope %s, analysis version %d\n", r->moodscope_version, r->analysis_version);
    print_run_limits(r);
    if (r->finished > 0)
        printf("  files: %zu taken, %zu analysed, %zu failed, %zu unchanged, %zu sampled, %zu "
               "skipped or refused by limits; %.2f h audio, %.1f s wall, %.1f s CPU\n",
               r->files, r->analysed, r->failed, r->skipped, r->sampled, r->limited,
               r->audio_s / 3600.0, r->elapsed_s, r->cpu_s);
}

int mood_cli_library_runs(int argc, char **argv)
{
    static const struct option opts[] = {
        MOOD_CLI_COMMON_LONGOPTS, {"limit", required_argument, NULL, 'n'}, {NULL, 0, NULL, 0}};
    mood_cli_common com;
    int opt;
    long limit = 20;
    mood_cli_common_init(&com);
    for (;;) {
        opt = mood_cli_next_option(&com, argc, argv, "vh", opts);
        if (opt == -1)
            break;
        if (opt == 'h') {
            printf("Usage: moodscope library runs [--limit N] [--catalog FILE|postgresql://...]\n\n"
                   "The analysis runs recorded in the catalog (each `analyze PATH` and each\n"
                   "`analyze --worker`), oldest first: worker, host, pid, start and finish\n"
                   "(the queue's clock: the PostgreSQL server's), versions, the limits it ran\n"
                   "under and what it did. --limit N: the last N runs (default 20, 0 = all).\n\n"
                   "" MOOD_CLI_COMMON_HELP);
            return MOOD_EXIT_OK;
        }
        if (opt == 'n') {
            char *end;
            limit = strtol(optarg, &end, 10);
            if (*end || limit < 0)
                return mood_cli_usage("library", "--limit expects a count >= 0, got '%s'", optarg);
            continue;
        }
        return mood_cli_usage("library", "unknown option");
    }
    mood_catalog *cat;
    mood_analysis_run *v;
    size_t n;
    if (mood_catalog_open(com.catalog, &cat) != MOOD_OK)
        return mood_cli_fail("library runs: catalog");
    if (mood_library_runs(cat, (size_t)limit, &v, &n) != MOOD_OK) {
        mood_catalog_close(cat);
        return mood_cli_fail("library runs");
    }
    if (n == 0)
        printf("no analysis runs recorded in %s\n", mood_catalog_path(cat));
    for (size_t i = 0; i < n; i++)
        print_run(&v[i]);
    mood_library_runs_free(v);
    mood_catalog_close(cat);
    return MOOD_EXIT_OK;
}

/* The workers whose run is still open, with their limits (a killed worker's stays open). */
static void print_running_workers(mood_catalog *cat)
{
    mood_analysis_run *v;
    size_t n;
    if (mood_library_runs(cat, 100, &v, &n) != MOOD_OK)
        return;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i].status, "running") != 0 || strcmp(v[i].mode, "worker") != 0)
            continue;
        char t0[40];
        utc(v[i].started, t0, sizeof t0);
        printf("  run %lld: worker %s since %s\n", (long long)v[i].id, v[i].worker, t0);
        print_run_limits(&v[i]);
    }
    mood_library_runs_free(v);
}

int mood_cli_library_jobs(int argc, char **argv)
{
    static const struct option opts[] = {MOOD_CLI_COMMON_LONGOPTS, {NULL, 0, NULL, 0}};
    mood_cli_common com;
    int opt;
    mood_cli_common_init(&com);
    for (;;) {
        opt = mood_cli_next_option(&com, argc, argv, "vh", opts);
        if (opt == -1)
            break;
        if (opt == 'h') {
            printf("Usage: moodscope library jobs [--catalog FILE|postgresql://...]\n\n"
                   "The shared analysis queue (analyze --enqueue / --worker): jobs queued,\n"
                   "running (by worker), done and failed, the rate over the last 10 minutes,\n"
                   "the ETA, the failed files with their errors, and the workers whose run is\n"
                   "open with the limits they run under (`library runs` lists every "
                   "run).\n\n" MOOD_CLI_COMMON_HELP);
            return MOOD_EXIT_OK;
        }
        return mood_cli_usage("library", "unknown option");
    }
    mood_catalog *cat;
    mood_jobs_stats st;
    if (mood_catalog_open(com.catalog, &cat) != MOOD_OK)
        return mood_cli_fail("library jobs: catalog");
    if (mood_library_jobs_stats(cat, &st) != MOOD_OK) {
        mood_catalog_close(cat);
        return mood_cli_fail("library jobs");
    }
    printf("queued: %zu\nrunning: %zu\ndone: %zu\nfailed: %zu\n", st.queued, st.running, st.done,
           st.failed);
    for (size_t i = 0; i < st.n_workers; i++)
        printf("  worker %s\n", st.workers[i]);
    if (st.rate_per_min > 0)
        printf("rate: %.1f files/min (last 10 min)\neta: %.0f s\n", st.rate_per_min, st.eta_s);
    else
        printf("rate: -\neta: -\n");
    for (size_t i = 0; i < st.n_failures; i++)
        printf("  failed %s\n", st.failures[i]);
    printf("runs (open; `library runs` lists all):\n");
    print_running_workers(cat);
    mood_jobs_stats_free(&st);
    mood_catalog_close(cat);
    return MOOD_EXIT_OK;
}
