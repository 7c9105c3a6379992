/*
 * Shared pieces of the command line: exit codes, messages, common options, progress line.
 * Commands live in cmd_<name>.c and define
 *     int mood_cmd_<name>(int argc, char **argv);      argv[0] is the command name
 *     const char mood_cmd_<name>_summary[];            one line for `moodscope --help`
 * The build registers every cmd_*.c file by its name; no algorithm code belongs here.
 */
#ifndef MOOD_CLI_H
#define MOOD_CLI_H

#include <moodscope/status.h>

#include <getopt.h>
#include <stdio.h>

/* Every registered command (generated from the cmd_*.c file names). */
#define MOOD_CMD(name)                                                                             \
    int mood_cmd_##name(int argc, char **argv);                                                    \
    extern const char mood_cmd_##name##_summary[];
#define MOOD_CMD_ABSENT(name, hint, option) /* not built: main.c says which option builds it */
#include "commands.inc"
#undef MOOD_CMD
#undef MOOD_CMD_ABSENT

/* Exit codes, listed in `moodscope --help`. */
enum { MOOD_EXIT_OK = 0, MOOD_EXIT_ERROR = 1, MOOD_EXIT_USAGE = 2 };

/* Options every command that touches stored state accepts. */
typedef struct mood_cli_common {
    const char *runs_dir;      /* --runs-dir, default "runs" */
    const char *snapshots_dir; /* --snapshots-dir, default "snapshots" */
    const char *catalog;       /* --catalog, default from mood_catalog_default_path() */
    const char *format;        /* --format csv|tsv|json, default NULL (command's own) */
    int quiet;                 /* --quiet: no warnings or progress */
    int verbose;               /* -v: more detail on stderr */
    char catalog_buf[4096];
} mood_cli_common;

/* getopt_long codes for the common options; commands add MOOD_CLI_COMMON_LONGOPTS. */
enum {
    MOOD_OPT_RUNS_DIR = 1000,
    MOOD_OPT_SNAPSHOTS_DIR,
    MOOD_OPT_CATALOG,
    MOOD_OPT_FORMAT,
    MOOD_OPT_QUIET,
    MOOD_OPT_HELP,
    MOOD_OPT_FIRST_FREE = 1100 /* commands number their own long-only options from here */
};
#define MOOD_CLI_COMMON_LONGOPTS                                                                   \
    {"runs-dir", required_argument, NULL, MOOD_OPT_RUNS_DIR},                                      \
        {"snapshots-dir", required_argument, NULL, MOOD_OPT_SNAPSHOTS_DIR},                        \
        {"catalog", required_argument, NULL, MOOD_OPT_CATALOG},                                    \
        {"format", required_argument, NULL, MOOD_OPT_FORMAT},                                      \
        {"quiet", no_argument, NULL, MOOD_OPT_QUIET}, {"verbose", no_argument, NULL, 'v'},         \
    {                                                                                              \
        "help", no_argument, NULL, 'h'                                                             \
    }
#define MOOD_CLI_COMMON_HELP                                                                       \
    "Common options:\n"                                                                            \
    "  --runs-dir DIR        where runs live (default ./runs)\n"                                   \
    "  --snapshots-dir DIR   where snapshots live (default ./snapshots)\n"                         \
    "  --catalog FILE        SQLite catalog (default $MOODSCOPE_CATALOG, else\n"                   \
    "                        $XDG_DATA_HOME/moodscope/catalog.db, else\n"                          \
    "                        ~/.local/share/moodscope/catalog.db)\n"                               \
    "  --format csv|tsv|json output format of tables on stdout\n"                                  \
    "  --quiet, -v           fewer / more messages on stderr\n"                                    \
    "  -h, --help            this help\n"

/*
 * A command or option of an optional component that this build leaves out: prints
 * "moodscope: error: WHAT is not built in this moodscope; reconfigure with HINT" and returns
 * MOOD_EXIT_ERROR. HINT is one of the MOOD_HINT_* strings of the generated components.h.
 */
int mood_cli_not_built(const char *what, const char *hint);

/* Fill defaults (runs, snapshots, catalog path). */
void mood_cli_common_init(mood_cli_common *c);
/* Handle a common option code from getopt_long: 1 if it was one, 0 otherwise. */
int mood_cli_common_option(mood_cli_common *c, int opt, const char *arg);
/*
 * getopt_long(argc, argv, shortopts, opts) until an option that is not a common one (those are
 * taken into @p c): that option's code (optarg set), or -1 after the last option.
 */
int mood_cli_next_option(mood_cli_common *c, int argc, char **argv, const char *shortopts,
                         const struct option *opts);
/*
 * Parse a command that takes only the common options: fills @p c and leaves optind at the first
 * operand. Returns -1 to go on, or the exit code to return (help printed: 0; usage error: 2).
 */
int mood_cli_parse_common_only(int argc, char **argv, const char *cmd, void (*help)(FILE *),
                               mood_cli_common *c);
/*
 * Parse a non-negative integer / a number given to option @p opt of command @p cmd. Returns 0,
 * or prints the usage error and returns MOOD_EXIT_USAGE.
 */
int mood_cli_parse_size(const char *cmd, const char *opt, const char *arg, size_t *out);
int mood_cli_parse_real(const char *cmd, const char *opt, const char *arg, double *out);
/* The global --quiet / -v state used by the message functions below. */
void mood_cli_set_verbosity(int quiet, int verbose);

/* "moodscope: error: <context>: <mood_last_error()>" to stderr; returns MOOD_EXIT_ERROR. */
int mood_cli_fail(const char *context_fmt, ...) MOOD_PRINTF(1, 2);
/* A usage problem: message, "Try 'moodscope <cmd> --help'." to stderr; returns MOOD_EXIT_USAGE. */
int mood_cli_usage(const char *cmd, const char *fmt, ...) MOOD_PRINTF(2, 3);
/* "moodscope: warning: ..." unless --quiet. */
void mood_cli_warn(const char *fmt, ...) MOOD_PRINTF(1, 2);
/* Route the library's log callback (warnings; the library never prints) to mood_cli_warn. */
void mood_cli_install_log(void);
/* Informational line on stderr unless --quiet. */
void mood_cli_info(const char *fmt, ...) MOOD_PRINTF(1, 2);
/* Detail on stderr only with -v. */
void mood_cli_debug(const char *fmt, ...) MOOD_PRINTF(1, 2);

/*
 * Progress line on stderr when it is a terminal ("stage: 42% (420/1000) 3.1 s"), redrawn at
 * most 10 times a second and cleared at the end; silent otherwise or with --quiet.
 * Matches mood_progress_fn; pass NULL as user.
 */
int mood_cli_progress(void *user, const char *stage, double done, double total);
/* Clear a progress line if one is showing. */
void mood_cli_progress_done(void);
/* SIGINT/SIGTERM request cancellation (mood_cancel_request) instead of killing the process. */
void mood_cli_install_signals(void);

#endif
