/* `moodscope serve`: the web page and JSON API (src/server) on a local address. */
#include "cli.h"

#include <moodscope/server.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char mood_cmd_serve_summary[] = "serve the web page and JSON API (127.0.0.1 by default)";

enum {
    OPT_BIND = MOOD_OPT_FIRST_FREE,
    OPT_PORT,
    OPT_DATA,
    OPT_LIBRARY,
    OPT_TOKEN,
    OPT_MAX_UPLOAD,
    OPT_JOBS,
};

static void help(void)
{
    printf(
        "Usage: moodscope serve [--bind 127.0.0.1] [--port 8080] [--data DIR] [options]\n\n"
        "Serve the moodscope page and its JSON API (/api/v1/, see docs/api.md) until\n"
        "Ctrl-C. The address to open is printed on stdout.\n\n"
        "Options:\n"
        "  --bind ADDR           address to listen on (default 127.0.0.1); any other\n"
        "                        than loopback requires a token\n"
        "  --port N              TCP port (default 8080; 0 picks a free one)\n"
        "  --data DIR            data folder: CSVs to pick, uploads/, jobs/, predictions/;\n"
        "                        runs and snapshots go to DIR/runs and DIR/snapshots unless\n"
        "                        --runs-dir/--snapshots-dir say otherwise (default .)\n"
        "  --library DIR         music folder the page may read (optional)\n"
        "  --token TOKEN         required on every API call (default $MOODSCOPE_TOKEN);\n"
        "                        at least 8 characters\n"
        "  --max-upload MB       largest upload in MiB (default 64)\n"
        "  --jobs N              background jobs run at once (default 2)\n\n" MOOD_CLI_COMMON_HELP);
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v > max || s[0] == '-')
        return 0;
    *out = v;
    return 1;
}

int mood_cmd_serve(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"bind", required_argument, NULL, OPT_BIND},
        {"port", required_argument, NULL, OPT_PORT},
        {"data", required_argument, NULL, OPT_DATA},
        {"library", required_argument, NULL, OPT_LIBRARY},
        {"token", required_argument, NULL, OPT_TOKEN},
        {"max-upload", required_argument, NULL, OPT_MAX_UPLOAD},
        {"jobs", required_argument, NULL, OPT_JOBS},
        MOOD_CLI_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    mood_cli_common common;
    mood_server_config c;
    int runs_given = 0, snaps_given = 0, opt;
    unsigned long v;
    mood_cli_common_init(&common);
    mood_server_config_default(&c);
    c.token = getenv("MOODSCOPE_TOKEN");
    for (;;) {
        opt = getopt_long(argc, argv, "hv", longopts, NULL);
        if (opt == -1)
            break;
        switch (opt) {
        case 'h':
            help();
            return MOOD_EXIT_OK;
        case OPT_BIND:
            c.bind = optarg;
            break;
        case OPT_PORT:
            if (!parse_uint(optarg, 65535, &v))
                return mood_cli_usage("serve", "--port: expected 0..65535, found '%s'", optarg);
            c.port = (unsigned)v;
            break;
        case OPT_DATA:
            c.data_dir = optarg;
            break;
        case OPT_LIBRARY:
            c.library_dir = optarg;
            break;
        case OPT_TOKEN:
            c.token = optarg;
            break;
        case OPT_MAX_UPLOAD:
            if (!parse_uint(optarg, 4096, &v) || v == 0)
                return mood_cli_usage("serve", "--max-upload: expected 1..4096 (MiB), found '%s'",
                                      optarg);
            c.max_upload_bytes = (size_t)v << 20;
            break;
        case OPT_JOBS:
            if (!parse_uint(optarg, 64, &v) || v == 0)
                return mood_cli_usage("serve", "--jobs: expected 1..64, found '%s'", optarg);
            c.job_threads = (unsigned)v;
            break;
        default:
            if (opt == MOOD_OPT_RUNS_DIR)
                runs_given = 1;
            if (opt == MOOD_OPT_SNAPSHOTS_DIR)
                snaps_given = 1;
            if (!mood_cli_common_option(&common, opt, optarg))
                return mood_cli_usage("serve", "unknown option");
        }
    }
    if (optind < argc)
        return mood_cli_usage("serve", "unexpected argument '%s'", argv[optind]);
    if (runs_given)
        c.runs_dir = common.runs_dir;
    if (snaps_given)
        c.snapshots_dir = common.snapshots_dir;
    /* The library pages read (and an analysis writes) the usual catalog unless told otherwise. */
    c.catalog = common.catalog;

    mood_server *s;
    if (mood_server_start(&c, &s) != MOOD_OK)
        return mood_cli_fail("cannot start");
    mood_cli_install_signals();
    if (c.token && *c.token)
        printf("%s#token=%s\n", mood_server_url(s), c.token);
    else
        printf("%s\n", mood_server_url(s));
    fflush(stdout);
    mood_cli_info("serving %s (data folder %s); Ctrl-C stops", mood_server_url(s), c.data_dir);
    mood_server_wait(s);
    mood_cli_info("stopping");
    mood_server_stop(s);
    return MOOD_EXIT_OK;
}
