/* The shared work queue and catalog copies on the command line (cli_analyze_queue.c,
 * cli_library_jobs.c, cli_library_migrate.c). */
#ifndef MOOD_CLI_QUEUE_H
#define MOOD_CLI_QUEUE_H

#include <moodscope/catalog.h>
#include <moodscope/library.h>

/* analyze --enqueue PATH...: exit code. */
int mood_cli_analyze_enqueue(mood_catalog *cat, char **paths, int n, const mood_analyze_options *o);
/* analyze --worker: exit code. */
int mood_cli_analyze_worker(mood_catalog *cat, const mood_analyze_options *o,
                            const mood_worker_options *w);
/* Parse one of the queue / limit options of analyze into @p w (and @p nice); 1 when taken,
 * 0 when not one of them, -1 on a bad value (usage printed). */
int mood_cli_queue_option(int opt, const char *arg, mood_worker_options *w, int *nice_value);
/* library jobs [--catalog C], library migrate FROM TO. */
int mood_cli_library_jobs(int argc, char **argv);
/* library runs [--limit N]: the analysis runs with their limits (cli_library_jobs.c). */
int mood_cli_library_runs(int argc, char **argv);
int mood_cli_library_migrate(int argc, char **argv);

enum {
    MOOD_OPT_Q_ENQUEUE = 300,
    MOOD_OPT_Q_WORKER,
    MOOD_OPT_Q_PATH_MAP,
    MOOD_OPT_Q_LEASE,
    MOOD_OPT_Q_ATTEMPTS,
    MOOD_OPT_Q_WORKER_ID,
    MOOD_OPT_Q_FOLLOW,
    MOOD_OPT_Q_POLL,
    MOOD_OPT_Q_NICE,
    MOOD_OPT_Q_MAX_LOAD,
    MOOD_OPT_Q_MAX_DURATION,
    MOOD_OPT_Q_MAX_MEMORY,
    MOOD_OPT_Q_IDLE_EXIT,
    MOOD_OPT_Q_LONG_FILES
};

#define MOOD_CLI_QUEUE_LONGOPTS                                                                    \
    {"enqueue", no_argument, NULL, MOOD_OPT_Q_ENQUEUE},                                            \
        {"worker", no_argument, NULL, MOOD_OPT_Q_WORKER},                                          \
        {"path-map", required_argument, NULL, MOOD_OPT_Q_PATH_MAP},                                \
        {"lease", required_argument, NULL, MOOD_OPT_Q_LEASE},                                      \
        {"max-attempts", required_argument, NULL, MOOD_OPT_Q_ATTEMPTS},                            \
        {"worker-id", required_argument, NULL, MOOD_OPT_Q_WORKER_ID},                              \
        {"follow", no_argument, NULL, MOOD_OPT_Q_FOLLOW},                                          \
        {"poll", required_argument, NULL, MOOD_OPT_Q_POLL},                                        \
        {"nice", required_argument, NULL, MOOD_OPT_Q_NICE},                                        \
        {"max-load", required_argument, NULL, MOOD_OPT_Q_MAX_LOAD},                                \
        {"max-duration", required_argument, NULL, MOOD_OPT_Q_MAX_DURATION},                        \
        {"max-memory", required_argument, NULL, MOOD_OPT_Q_MAX_MEMORY},                            \
        {"idle-exit", required_argument, NULL, MOOD_OPT_Q_IDLE_EXIT},                              \
    {                                                                                              \
        "long-files", required_argument, NULL, MOOD_OPT_Q_LONG_FILES                               \
    }

#define MOOD_CLI_QUEUE_HELP                                                                        \
    "Shared queue (several processes or machines, one catalog; see README):\n"                     \
    "  --enqueue        record a job per file that needs analysis; analyse nothing\n"              \
    "  --worker         claim queued jobs and analyse them until none is queued or running\n"      \
    "  --path-map FROM=TO  a queued path starting with FROM is read at TO on this machine\n"       \
    "  --lease S        seconds a claimed job stays ours without a heartbeat (default 60)\n"       \
    "  --max-attempts N  a job whose worker died N times is failed (default 3)\n"                  \
    "  --worker-id NAME  name shown by `library jobs` (default host:pid)\n"                        \
    "  --follow         keep waiting for new jobs (stop with Ctrl-C or SIGTERM: a job in\n"        \
    "                   progress goes back to the queue)\n"                                        \
    "  --idle-exit S    like --follow, but leave after S seconds without a new job\n"              \
    "  --poll S         idle wait between looks at the queue (default 1); on PostgreSQL\n"         \
    "                   idle workers LISTEN and wake at once when jobs are enqueued\n"             \
    "Limits:\n"                                                                                    \
    "  --nice N         lower this process's priority (0..19)\n"                                   \
    "  --max-load L     pause while the 1-minute load average is above L\n"                        \
    "  --max-duration S files longer than S seconds are handled by --long-files\n"                 \
    "  --long-files sample|skip  sample (default): analyse 3 seeded 60 s windows spread\n"         \
    "                   over the file, decoded by seeking (the report says \"sampled\");\n"        \
    "                   skip: record the file as skipped without decoding\n"                       \
    "  --max-memory MB  sample (or refuse, with --long-files skip) files whose whole\n"            \
    "                   analysis would need more than MB\n"                                        \
    "Each run and each worker is recorded in the catalog with these limits (worker, host,\n"       \
    "pid, start, finish on the server's clock): `moodscope library runs`.\n\n"

#endif
