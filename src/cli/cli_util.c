/*
 * Messages, common options and the terminal progress line shared by every command
 * (curl's tool_msgs.c: one prefix, one place that decides what is shown).
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <moodscope/catalog.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cli_quiet;
static int cli_verbose;
static int progress_showing;

void mood_cli_set_verbosity(int quiet, int verbose)
{
    cli_quiet = quiet;
    cli_verbose = verbose;
}

void mood_cli_common_init(mood_cli_common *c)
{
    memset(c, 0, sizeof *c);
    c->runs_dir = "runs";
    c->snapshots_dir = "snapshots";
    if (mood_catalog_default_path(c->catalog_buf, sizeof c->catalog_buf) == MOOD_OK)
        c->catalog = c->catalog_buf;
    else
        c->catalog = "catalog.db";
}

int mood_cli_common_option(mood_cli_common *c, int opt, const char *arg)
{
    switch (opt) {
    case MOOD_OPT_RUNS_DIR:
        c->runs_dir = arg;
        return 1;
    case MOOD_OPT_SNAPSHOTS_DIR:
        c->snapshots_dir = arg;
        return 1;
    case MOOD_OPT_CATALOG:
        c->catalog = arg;
        return 1;
    case MOOD_OPT_FORMAT:
        c->format = arg;
        return 1;
    case MOOD_OPT_QUIET:
        c->quiet = 1;
        mood_cli_set_verbosity(c->quiet, c->verbose);
        return 1;
    case 'v':
        c->verbose = 1;
        mood_cli_set_verbosity(c->quiet, c->verbose);
        return 1;
    default:
        return 0;
    }
}

int mood_cli_next_option(mood_cli_common *c, int argc, char **argv, const char *shortopts,
                         const struct option *opts)
{
    for (;;) {
        int opt = getopt_long(argc, argv, shortopts, opts, NULL);
        if (opt == -1 || !mood_cli_common_option(c, opt, optarg))
            return opt;
    }
}

int mood_cli_parse_common_only(int argc, char **argv, const char *cmd, void (*help)(FILE *),
                               mood_cli_common *c)
{
    static const struct option opts[] = {MOOD_CLI_COMMON_LONGOPTS, {NULL, 0, NULL, 0}};
    int opt;
    mood_cli_common_init(c);
    for (;;) {
        opt = mood_cli_next_option(c, argc, argv, "vh", opts);
        if (opt == -1)
            break;
        if (opt == 'h') {
            help(stdout);
            return MOOD_EXIT_OK;
        }
        return mood_cli_usage(cmd, "unknown option");
    }
    return -1;
}

int mood_cli_parse_size(const char *cmd, const char *opt, const char *arg, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(arg, &end, 10);
    if (errno || end == arg || *end || arg[0] == '-')
        return mood_cli_usage(cmd, "%s expects a non-negative integer, got '%s'", opt, arg);
    *out = (size_t)v;
    return 0;
}

int mood_cli_parse_real(const char *cmd, const char *opt, const char *arg, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(arg, &end);
    if (errno || end == arg || *end)
        return mood_cli_usage(cmd, "%s expects a number, got '%s'", opt, arg);
    return 0;
}

/* One message line on stderr (after clearing the progress line): @p prefix, then the text. */
static void message_line(const char *prefix, const char *fmt, va_list ap)
{
    mood_cli_progress_done();
    fputs(prefix, stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int mood_cli_fail(const char *context_fmt, ...)
{
    char ctx[512];
    va_list ap;
    mood_cli_progress_done();
    va_start(ap, context_fmt);
    vsnprintf(ctx, sizeof ctx, context_fmt, ap);
    va_end(ap);
    if (mood_last_error()[0])
        fprintf(stderr, "moodscope: error: %s: %s\n", ctx, mood_last_error());
    else
        fprintf(stderr, "moodscope: error: %s\n", ctx);
    return MOOD_EXIT_ERROR;
}

int mood_cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    message_line("moodscope: ", fmt, ap);
    va_end(ap);
    fprintf(stderr, "Try 'moodscope %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
    return MOOD_EXIT_USAGE;
}

static void cli_log(void *user, mood_log_level level, const char *msg)
{
    (void)user;
    if (level <= MOOD_LOG_WARN)
        mood_cli_warn("%s", msg);
}

void mood_cli_install_log(void)
{
    mood_set_log_callback(cli_log, NULL, MOOD_LOG_WARN);
}

void mood_cli_warn(const char *fmt, ...)
{
    va_list ap;
    if (cli_quiet)
        return;
    va_start(ap, fmt);
    message_line("moodscope: warning: ", fmt, ap);
    va_end(ap);
}

void mood_cli_info(const char *fmt, ...)
{
    va_list ap;
    if (cli_quiet)
        return;
    va_start(ap, fmt);
    message_line("", fmt, ap);
    va_end(ap);
}

void mood_cli_debug(const char *fmt, ...)
{
    va_list ap;
    if (!cli_verbose)
        return;
    va_start(ap, fmt);
    message_line("", fmt, ap);
    va_end(ap);
}

int mood_cli_progress(void *user, const char *stage, double done, double total)
{
    static double last, start;
    static char last_stage[64];
    double t = mood_monotonic_seconds();
    (void)user;
    if (cli_quiet || !isatty(STDERR_FILENO))
        return 0;
    if (strncmp(last_stage, stage, sizeof last_stage - 1) != 0) {
        snprintf(last_stage, sizeof last_stage, "%s", stage);
        start = t;
        last = 0;
    }
    if (t - last < 0.1 && done < total)
        return 0;
    last = t;
    if (total > 0) {
        double frac = done / total;
        double eta = frac > 0 ? (t - start) * (1 - frac) / frac : 0;
        fprintf(stderr, "\r\033[K%s: %3.0f%% (%.0f/%.0f) %.1f s, ETA %.0f s", stage, 100 * frac,
                done, total, t - start, eta);
    } else {
        fprintf(stderr, "\r\033[K%s: %.0f done, %.1f s", stage, done, t - start);
    }
    progress_showing = 1;
    return 0;
}

void mood_cli_progress_done(void)
{
    if (progress_showing) {
        fprintf(stderr, "\r\033[K");
        progress_showing = 0;
    }
}

static void on_signal(int sig)
{
    int saved = errno; /* the interrupted code may be about to read errno */
    (void)sig;
    mood_cancel_request();
    errno = saved;
}

void mood_cli_install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}
