/*
 * moodscope: dispatch to the command named by the first argument. Each command is registered
 * from its file name (src/cli/cmd_<name>.c) by the build; the old Python tool's spellings are
 * mapped here so that users' habits carry over.
 */
#include "cli.h"
#include "components.h"

#include <stdlib.h>
#include <string.h>

typedef struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
    const char *absent_hint; /* not built: how to build it (fn is NULL) */
} command;

static const command commands[] = {
#define MOOD_CMD(name) {#name, mood_cmd_##name, mood_cmd_##name##_summary, NULL},
#define MOOD_CMD_ABSENT(name, hint, option)                                                        \
    {#name, NULL, "(not built: needs -D" option "=ON)", hint},
#include "commands.inc"
#undef MOOD_CMD
#undef MOOD_CMD_ABSENT
    {NULL, NULL, NULL, NULL},
};

/* Run command @p c, or say which option builds it when this build left it out. */
static int run_command(const command *c, int argc, char **argv)
{
    char what[64];
    if (c->fn)
        return c->fn(argc, argv);
    snprintf(what, sizeof what, "'%s'", c->name);
    return mood_cli_not_built(what, c->absent_hint);
}

/* Old tool spelling -> (command, inserted sub-command or NULL). */
static const struct {
    const char *old_name;
    const char *command;
    const char *sub;
} aliases[] = {
    {"save_snapshot", "snapshot", "save"},
    {"load_snapshot", "predict", NULL},
    {"compare_runs", "compare", NULL},
    {"cluster_feature_profiles", "profile", NULL},
    {"datacheck", NULL, NULL}, /* `datacheck cluster ...`: drop the old script name */
};

static const command *find_command(const char *name)
{
    for (const command *c = commands; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

static void usage(FILE *fp)
{
    fprintf(fp, "Usage: moodscope <command> [options] [args]\n\n"
                "Discover latent mood groups in music: feature tables, audio files and\n"
                "listening histories in; groups, names, predictions and playlists out.\n\n"
                "Commands:\n");
    for (const command *c = commands; c->name; c++)
        fprintf(fp, "  %-12s %s\n", c->name, c->summary);
    fprintf(fp, "\n'moodscope <command> --help' describes a command.\n"
                "Options: --help, --version.\n\n"
                "Exit codes: 0 success, 1 runtime or data error, 2 usage error.\n");
}

int main(int argc, char **argv)
{
    const command *c;
    char **args = argv + 1;
    int nargs = argc - 1;
    mood_cli_install_log();
    if (nargs < 1) {
        usage(stderr);
        return MOOD_EXIT_USAGE;
    }
    if (strcmp(args[0], "--help") == 0 || strcmp(args[0], "-h") == 0 ||
        strcmp(args[0], "help") == 0) {
        if (nargs > 1 && find_command(args[1])) {
            char *sub[3] = {args[1], "--help", NULL};
            return run_command(find_command(args[1]), 2, sub);
        }
        usage(stdout);
        return MOOD_EXIT_OK;
    }
    if (strcmp(args[0], "--version") == 0 || strcmp(args[0], "version") == 0) {
        printf("moodscope %s\n", mood_version());
        return MOOD_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof aliases / sizeof *aliases; i++) {
        if (strcmp(args[0], aliases[i].old_name) != 0)
            continue;
        if (!aliases[i].command) {
            args++;
            nargs--;
            if (nargs < 1) {
                usage(stderr);
                return MOOD_EXIT_USAGE;
            }
            break;
        }
        /* Rebuild argv as: command [sub] rest... */
        char **nv = calloc((size_t)nargs + 2, sizeof(char *));
        int k = 0;
        if (!nv)
            return MOOD_EXIT_ERROR;
        nv[k++] = (char *)aliases[i].command;
        if (aliases[i].sub)
            nv[k++] = (char *)aliases[i].sub;
        for (int a = 1; a < nargs; a++)
            nv[k++] = args[a];
        nv[k] = NULL;
        c = find_command(aliases[i].command);
        if (!c) {
            free(nv);
            break;
        }
        int rc = run_command(c, k, nv);
        free(nv);
        return rc;
    }
    c = find_command(args[0]);
    if (!c) {
        fprintf(stderr, "moodscope: unknown command '%s'\nTry 'moodscope --help'.\n", args[0]);
        return MOOD_EXIT_USAGE;
    }
    optind = 1;
    return run_command(c, nargs, args);
}
