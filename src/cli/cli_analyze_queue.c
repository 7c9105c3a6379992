/* `moodscope analyze --enqueue PATH...` and `moodscope analyze --worker`: the shared queue. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "cli_queue.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static int number(const char *opt, const char *arg, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(arg, &end);
    if (errno || end == arg || *end || !(v >= lo && v <= hi)) {
        mood_cli_usage("analyze", "%s expects a number from %g to %g, got '%s'", opt, lo, hi, arg);
        return -1;
    }
    *out = v;
    return 1;
}

static int path_map(const char *arg, mood_worker_options *w)
{
    static char from[4096];
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || !eq[1] || (size_t)(eq - arg) >= sizeof from) {
        mood_cli_usage("analyze", "--path-map expects FROM=TO, got '%s'", arg);
        return -1;
    }
    snprintf(from, sizeof from, "%.*s", (int)(eq - arg), arg);
    w->path_from = from;
    w->path_to = eq + 1;
    return 1;
}

int mood_cli_queue_option(int opt, const char *arg, mood_worker_options *w, int *nice_value)
{
    double v = 0.0;
    int r;
    switch (opt) {
    case MOOD_OPT_Q_PATH_MAP:
        return path_map(arg, w);
    case MOOD_OPT_Q_LEASE:
        return number("--lease", arg, 1, 86400, &w->lease_s);
    case MOOD_OPT_Q_ATTEMPTS:
        r = number("--max-attempts", arg, 1, 1000, &v);
        w->max_attempts = (int)v;
        return r;
    case MOOD_OPT_Q_WORKER_ID:
        w->worker_id = arg;
        return 1;
    case MOOD_OPT_Q_FOLLOW:
        w->follow = 1;
        return 1;
    case MOOD_OPT_Q_POLL:
        return number("--poll", arg, 0.01, 3600, &w->poll_s);
    case MOOD_OPT_Q_NICE:
        r = number("--nice", arg, 0, 19, &v);
        *nice_value = (int)v;
        return r;
    case MOOD_OPT_Q_MAX_LOAD:
        return number("--max-load", arg, 0.01, 1e6, &w->max_load);
    case MOOD_OPT_Q_MAX_DURATION:
        return number("--max-duration", arg, 1, 1e7, &w->max_duration_s);
    case MOOD_OPT_Q_MAX_MEMORY:
        return number("--max-memory", arg, 1, 1e9, &w->max_memory_mb);
    case MOOD_OPT_Q_IDLE_EXIT:
        return number("--idle-exit", arg, 0.01, 1e7, &w->idle_exit_s);
    case MOOD_OPT_Q_LONG_FILES:
        if (strcmp(arg, "sample") == 0 || strcmp(arg, "skip") == 0) {
            w->long_files = arg[1] == 'a' ? MOOD_LONG_FILES_SAMPLE : MOOD_LONG_FILES_SKIP;
            return 1;
        }
        mood_cli_usage("analyze", "--long-files expects sample or skip, got '%s'", arg);
        return -1;
    default:
        return 0;
    }
}

int mood_cli_analyze_enqueue(mood_catalog *cat, char **paths, int n, const mood_analyze_options *o)
{
    size_t added = 0;
    if (mood_library_enqueue(cat, (const char *const *)paths, (size_t)n, o, &added) != MOOD_OK)
        return mood_cli_fail("analyze --enqueue");
    printf("queued: %zu jobs in %s; start workers with `moodscope analyze --worker "
           "--catalog ...`\n",
           added, mood_catalog_path(cat));
    return MOOD_EXIT_OK;
}

/* The limits as given (the catalog's analysis_runs row has them too: library runs). */
static void print_limits(const mood_analyze_options *o, const mood_worker_options *w)
{
    int prio = getpriority(PRIO_PROCESS, 0);
    printf("limits: jobs=%d nice=%d max_load=%g max_duration_s=%g long_files=%s "
           "max_memory_mb=%g lease_s=%g poll_s=%g max_attempts=%d\n",
           o->jobs, prio, w->max_load, w->max_duration_s,
           w->long_files == MOOD_LONG_FILES_SKIP ? "skip" : "sample", w->max_memory_mb, w->lease_s,
           w->poll_s, w->max_attempts);
}

int mood_cli_analyze_worker(mood_catalog *cat, const mood_analyze_options *o,
                            const mood_worker_options *w)
{
    mood_analyze_summary sum;
    mood_status s = mood_library_work(cat, o, w, &sum);
    int rc = MOOD_EXIT_OK;
    if (s != MOOD_OK && s != MOOD_ECANCELED) {
        rc = mood_cli_fail("analyze --worker");
    } else {
        printf("worker: %zu jobs taken, %zu analysed, %zu failed, %zu unchanged, %zu taken over "
               "by another worker; %.1f h audio in %.1f s\n",
               sum.files_total, sum.analyzed, sum.failed, sum.skipped, sum.lease_lost,
               sum.audio_s / 3600.0, sum.elapsed_s);
        printf("waiting: %s, %zu wake-ups by NOTIFY, %zu jobs put back in the queue\n",
               sum.listening ? "LISTEN moodscope_jobs (PostgreSQL), --poll as the timeout"
                             : "polling every --poll seconds",
               sum.wakeups, sum.released);
        if (sum.sampled)
            printf("sampled: %zu long files analysed from %d windows of %g s\n", sum.sampled,
                   w->sample_windows, w->sample_window_s);
        print_limits(o, w);
        if (sum.limited || sum.load_pauses)
            printf("limited: %zu files skipped or refused, %zu s paused for --max-load\n",
                   sum.limited, sum.load_pauses);
        for (size_t i = 0; i < sum.n_failures; i++)
            printf("  failed %s: %s\n", sum.failures[i].path, sum.failures[i].reason);
        if (s == MOOD_ECANCELED)
            rc = MOOD_EXIT_ERROR;
    }
    mood_analyze_summary_free(&sum);
    return rc;
}
