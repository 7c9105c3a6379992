/* `moodscope library jobs`: the shared queue's state (queued, running by worker, done,
 * failed, rate, ETA). */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "cli_queue.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

int mood_cli_library_jobs(int argc, char **argv)
{
    static const struct option opts[] = {MOOD_CLI_COMMON_LONGOPTS, {NULL, 0, NULL, 0}};
    mood_cli_common com;
    int opt;
    mood_cli_common_init(&com);
    for (;;) {
        opt = getopt_long(argc, argv, "vh", opts, NULL);
        if (opt == -1)
            break;
        if (mood_cli_common_option(&com, opt, optarg))
            continue;
        if (opt == 'h') {
            printf("Usage: moodscope library jobs [--catalog FILE|postgresql://...]\n\n"
                   "The shared analysis queue (analyze --enqueue / --worker): jobs queued,\n"
                   "running (by worker), done and failed, the rate over the last 10 minutes,\n"
                   "the ETA, and the failed files with their errors.\n\n" MOOD_CLI_COMMON_HELP);
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
    mood_jobs_stats_free(&st);
    mood_catalog_close(cat);
    return MOOD_EXIT_OK;
}
