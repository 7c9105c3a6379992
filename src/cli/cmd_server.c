/* `moodscope server add | list | remove | test`: Subsonic / OpenSubsonic media servers. */
#include "cli_subsonic.h"

#include <moodscope/catalog.h>
#include <moodscope/fileio.h>

#include <stdlib.h>
#include <string.h>

const char mood_cmd_server_summary[] = "media servers (Subsonic/OpenSubsonic): add, list, remove";

static void help(FILE *fp)
{
    fprintf(
        fp,
        "Usage: moodscope server add NAME URL --user USER [--password-file FILE] [--api-key]\n"
        "       moodscope server list\n"
        "       moodscope server test NAME\n"
        "       moodscope server remove NAME\n\n"
        "A media server that speaks the Subsonic or OpenSubsonic API (Navidrome, Gonic,\n"
        "Airsonic, Supysonic, ...). `add` checks the server (ping), chooses the login: a\n"
        "token (md5 of password + a fresh salt per request) where the server offers it\n"
        "(API 1.13 and later), the hex-encoded password (enc:) otherwise, or an API key\n"
        "(--api-key, OpenSubsonic apiKeyAuthentication); and reads the OpenSubsonic\n"
        "extensions it lists.\n\n"
        "The password or key is read from --password-file FILE (its first line) or from\n"
        "$MOODSCOPE_SUBSONIC_PASSWORD, never from the command line. It is kept only in the\n"
        "credentials file (mode 0600, $XDG_CONFIG_HOME/moodscope/subsonic-credentials, or\n"
        "$MOODSCOPE_SUBSONIC_CREDENTIALS); the catalog keeps the definition (URL, user,\n"
        "login method) without it, and nothing prints it. $MOODSCOPE_SUBSONIC_PASSWORD,\n"
        "when set, overrides the stored secret.\n\n"
        "Then: `moodscope library sync NAME`, `moodscope playlists RUN --to NAME`,\n"
        "`moodscope next TRACK --to NAME`.\n\n"
        "Options:\n"
        "      --user USER          user name on the server\n"
        "      --password-file FILE file whose first line is the password (or API key)\n"
        "      --api-key            the secret is an OpenSubsonic API key\n\n" MOOD_CLI_COMMON_HELP
        "\nOutput of list: name,url,user,auth,api_version,server_type,extensions,last_sync.\n"
        "Exit codes: 0 success, 1 runtime error (unreachable, refused), 2 usage.\n");
}

enum { OPT_USER = MOOD_OPT_FIRST_FREE, OPT_PWFILE, OPT_APIKEY };

typedef struct server_args {
    const char *user, *pwfile;
    int api_key;
} server_args;

/* The secret from --password-file (first line) or the environment; 0 or an exit code. */
static int read_secret(const server_args *a, char *out, size_t cap)
{
    const char *env = getenv("MOODSCOPE_SUBSONIC_PASSWORD");
    if (a->pwfile) {
        char *text;
        size_t len;
        if (mood_read_file(a->pwfile, &text, &len) != MOOD_OK)
            return mood_cli_fail("--password-file");
        text[strcspn(text, "\r\n")] = '\0';
        snprintf(out, cap, "%s", text);
        memset(text, 0, len);
        mood_free(text);
    } else if (env && env[0]) {
        snprintf(out, cap, "%s", env);
    } else {
        return mood_cli_usage("server", "expected --password-file FILE or "
                                        "$MOODSCOPE_SUBSONIC_PASSWORD");
    }
    if (!out[0])
        return mood_cli_usage("server", "the password is empty");
    return MOOD_EXIT_OK;
}

static int add(mood_catalog *cat, const server_args *a, const char *name, const char *url)
{
    char secret[512], cred[4096];
    mood_subsonic_server_info info;
    int rc = read_secret(a, secret, sizeof secret);
    mood_status s;
    if (rc != MOOD_EXIT_OK)
        return rc;
    s = mood_subsonic_server_add(cat, name, url, a->user, secret, a->api_key, &info);
    memset(secret, 0, sizeof secret);
    if (s != MOOD_OK)
        return mood_cli_fail("server add %s", name);
    mood_subsonic_credentials_path(cred, sizeof cred);
    mood_cli_info("server %s: %s, user %s, login %s, Subsonic API %s%s%s%s%s", info.name, info.url,
                  info.user[0] ? info.user : "-",
                  strcmp(info.auth, "token") == 0      ? "token + salt"
                  : strcmp(info.auth, "password") == 0 ? "password (enc:hex; the server offers "
                                                         "no token login)"
                                                       : "API key",
                  info.api_version, info.server_type[0] ? ", " : "", info.server_type,
                  info.extensions[0] ? ", OpenSubsonic extensions: " : "", info.extensions);
    mood_cli_info("definition stored in the catalog %s; the secret only in %s (mode 0600)",
                  mood_catalog_path(cat), cred);
    return MOOD_EXIT_OK;
}

static int list(mood_catalog *cat)
{
    mood_subsonic_server_info *v;
    size_t n;
    if (mood_subsonic_server_list(cat, &v, &n) != MOOD_OK)
        return mood_cli_fail("server list");
    printf("name,url,user,auth,api_version,server_type,extensions,last_sync\n");
    for (size_t i = 0; i < n; i++)
        printf("%s,%s,%s,%s,%s,%s,\"%s\",%s\n", v[i].name, v[i].url, v[i].user, v[i].auth,
               v[i].api_version, v[i].server_type, v[i].extensions, v[i].last_sync_utc);
    mood_free(v);
    return MOOD_EXIT_OK;
}

static int test(mood_catalog *cat, const char *name)
{
    mood_subsonic *c;
    int rc = MOOD_EXIT_OK;
    if (mood_subsonic_open(cat, name, &c) != MOOD_OK)
        return mood_cli_fail("server test");
    if (mood_subsonic_ping(c) != MOOD_OK)
        rc = mood_cli_fail("server test");
    else
        mood_cli_info("server %s: %s answers (login %s)", name, mood_subsonic_info(c)->url,
                      mood_subsonic_info(c)->auth);
    mood_subsonic_close(c);
    return rc;
}

static int parse(int argc, char **argv, mood_cli_common *com, server_args *a)
{
    static const struct option opts[] = {{"user", required_argument, NULL, OPT_USER},
                                         {"password-file", required_argument, NULL, OPT_PWFILE},
                                         {"api-key", no_argument, NULL, OPT_APIKEY},
                                         MOOD_CLI_COMMON_LONGOPTS,
                                         {NULL, 0, NULL, 0}};
    int opt;
    for (;;) {
        opt = mood_cli_next_option(com, argc, argv, "vh", opts);
        if (opt == -1)
            break;
        if (opt == OPT_USER)
            a->user = optarg;
        else if (opt == OPT_PWFILE)
            a->pwfile = optarg;
        else if (opt == OPT_APIKEY)
            a->api_key = 1;
        else if (opt == 'h') {
            help(stdout);
            return MOOD_EXIT_OK;
        } else
            return mood_cli_usage("server", "unknown option");
    }
    mood_cli_set_verbosity(com->quiet, com->verbose);
    return -1;
}

int mood_cmd_server(int argc, char **argv)
{
    mood_cli_common com;
    server_args a = {NULL, NULL, 0};
    mood_catalog *cat;
    const char *sub;
    int rc, ops;
    mood_cli_common_init(&com);
    rc = parse(argc, argv, &com, &a);
    if (rc >= 0)
        return rc;
    sub = optind < argc ? argv[optind] : "list";
    ops = argc - optind - 1;
    if (strcmp(sub, "add") == 0 && ops != 2)
        return mood_cli_usage("server", "server add expects NAME URL");
    if ((strcmp(sub, "remove") == 0 || strcmp(sub, "test") == 0) && ops != 1)
        return mood_cli_usage("server", "server %s expects NAME", sub);
    if (strcmp(sub, "add") != 0 && strcmp(sub, "list") != 0 && strcmp(sub, "remove") != 0 &&
        strcmp(sub, "test") != 0)
        return mood_cli_usage("server", "unknown sub-command '%s' (add, list, test, remove)", sub);
    if (mood_catalog_open(com.catalog, &cat) != MOOD_OK)
        return mood_cli_fail("server: catalog");
    if (strcmp(sub, "add") == 0)
        rc = add(cat, &a, argv[optind + 1], argv[optind + 2]);
    else if (strcmp(sub, "list") == 0)
        rc = list(cat);
    else if (strcmp(sub, "test") == 0)
        rc = test(cat, argv[optind + 1]);
    else if (mood_subsonic_server_remove(cat, argv[optind + 1]) != MOOD_OK)
        rc = mood_cli_fail("server remove");
    else
        mood_cli_info("server %s removed (definition, songs, playlist links, secret)",
                      argv[optind + 1]);
    mood_catalog_close(cat);
    return rc;
}
