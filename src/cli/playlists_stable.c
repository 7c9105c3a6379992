/*
 * `playlists --update [--all] [--max-change 20%]`, `playlists --to SERVER`, `playlists history
 * NAME`, and `--to SERVER` queueing for similar / next / path.
 *
 * Exit codes (STYLE.md §7): `--update` exits 0 whether or not a playlist changed, because a
 * change is a success and 1 is kept for errors; for cron, `--update --all` prints nothing on
 * stdout when nothing changed and one row per changed playlist otherwise, so the mail cron
 * sends on output says exactly what changed.
 */
#include "cli_subsonic.h"

#include <moodscope/catalog.h>
#include <moodscope/fileio.h>
#include <moodscope/run.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

void mood_cli_playlists_to_init(mood_cli_playlists_to *pt)
{
    memset(pt, 0, sizeof *pt);
    mood_stable_options_default(&pt->stable);
}

/* "20%", "0.2" (a share) or "15" (tracks). */
static int parse_change(const char *cmd, const char *arg, mood_stable_options *o)
{
    char *end;
    double v = strtod(arg, &end);
    if (end == arg || !(v >= 0.0) || (*end && strcmp(end, "%") != 0))
        return mood_cli_usage(cmd,
                              "--max-change expects a share (20%% or 0.2) or a number of "
                              "tracks, got '%s'",
                              arg);
    o->max_change_abs = 0;
    if (*end == '%')
        o->max_change_frac = v / 100.0;
    else if (v < 1.0)
        o->max_change_frac = v;
    else
        o->max_change_abs = (size_t)v;
    return MOOD_EXIT_OK;
}

int mood_cli_playlists_to_option(mood_cli_playlists_to *pt, const char *cmd, int opt,
                                 const char *arg)
{
    switch (opt) {
    case MOOD_OPT_TO:
        pt->to = arg;
        return 1;
    case MOOD_OPT_UPDATE:
        pt->update = 1;
        return 1;
    case MOOD_OPT_ALL:
        pt->all = 1;
        return 1;
    case MOOD_OPT_MAX_CHANGE: {
        int rc = parse_change(cmd, arg, &pt->stable);
        return rc == MOOD_EXIT_OK ? 1 : -rc;
    }
    default:
        return 0;
    }
}

int mood_cli_latest_run(const char *runs_dir, char *buf, size_t cap)
{
    mood_run_summary *v;
    size_t n, best = 0;
    if (mood_runs_list(runs_dir, &v, &n) != MOOD_OK)
        return mood_cli_fail("runs in %s", runs_dir);
    if (n == 0) {
        mood_free(v);
        return mood_cli_usage("playlists", "--update --all without RUN needs a run under %s",
                              runs_dir);
    }
    for (size_t i = 1; i < n; i++)
        if (strcmp(v[i].run_id, v[best].run_id) > 0) /* run ids start with the UTC time */
            best = i;
    snprintf(buf, cap, "%s/%s", runs_dir, v[best].run_id);
    mood_free(v);
    return MOOD_EXIT_OK;
}

/* ---- server ------------------------------------------------------------------------------- */

static int push(mood_catalog *cat, mood_subsonic *c, const char *name, const char *comment,
                const char *const *keys, size_t n)
{
    mood_subsonic_push_report r;
    if (mood_subsonic_playlist_push(c, cat, name, comment, keys, n, &r) != MOOD_OK)
        return mood_cli_fail("--to %s: playlist %s", mood_subsonic_info(c)->name, name);
    mood_cli_info("%s: playlist %s %s (id %s): %zu songs, %zu added, %zu removed%s%s",
                  mood_subsonic_info(c)->name, name,
                  r.created    ? "created"
                  : r.replaced ? "replaced"
                               : "updated",
                  r.playlist_id, r.songs, r.added, r.removed,
                  r.unknown ? "; tracks not on the server: " : "",
                  r.unknown ? "some (run `library sync --analyze`)" : "");
    return MOOD_EXIT_OK;
}

static void comment_for(char *buf, size_t cap, const char *group, const char *run_dir, int stable,
                        int version)
{
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%d %H:%M UTC", &tm);
    snprintf(buf, cap,
             "moodscope mood group \"%s\" of run %s, ordered by a smooth tour through the "
             "group's audio features%s%d; pushed %s",
             group, run_dir, stable ? "; stable playlist version " : "", stable ? version : 0, now);
    if (!stable) /* drop the "0" of the version slot */
        snprintf(buf, cap,
                 "moodscope mood group \"%s\" of run %s, ordered by a smooth tour through the "
                 "group's audio features; pushed %s",
                 group, run_dir, now);
}

static int open_server(const mood_cli_common *com, const char *to, mood_catalog **cat,
                       mood_subsonic **c)
{
    if (mood_catalog_open(com->catalog, cat) != MOOD_OK)
        return mood_cli_fail("--to %s: catalog", to);
    if (mood_subsonic_open(*cat, to, c) != MOOD_OK) {
        mood_catalog_close(*cat);
        *cat = NULL;
        *c = NULL;
        return mood_cli_fail("--to %s", to);
    }
    return MOOD_EXIT_OK;
}

/* The fresh playlists of @p set pushed as they are. */
static int push_set(const mood_cli_common *com, const char *to, const mood_playlist_set *set,
                    const char *run_dir)
{
    mood_catalog *cat = NULL;
    mood_subsonic *c = NULL;
    int rc = open_server(com, to, &cat, &c);
    const mood_space *sp = mood_playlist_space(set);
    for (size_t i = 0; rc == MOOD_EXIT_OK && i < mood_playlist_count(set); i++) {
        size_t n;
        const size_t *rows = mood_playlist_rows(set, i, &n);
        const char **keys = calloc(n + 1, sizeof *keys);
        char comment[1024];
        if (!keys) {
            rc = mood_cli_fail("--to: out of memory");
            break;
        }
        for (size_t k = 0; k < n; k++)
            keys[k] = mood_space_id(sp, rows[k])[0] ? mood_space_id(sp, rows[k])
                                                    : mood_space_path(sp, rows[k]);
        comment_for(comment, sizeof comment, mood_playlist_name(set, i), run_dir, 0, 0);
        rc = push(cat, c, mood_playlist_name(set, i), comment, keys, n);
        free(keys);
    }
    mood_subsonic_close(c);
    mood_catalog_close(cat);
    return rc;
}

/* ---- stable playlists --------------------------------------------------------------------- */

typedef struct key_row {
    const char *key;
    size_t row;
} key_row;

static int cmp_key_row(const void *a, const void *b)
{
    return strcmp(((const key_row *)a)->key, ((const key_row *)b)->key);
}

/* Write stable playlist @p name (keys @p keys) in each wanted format under @p out_dir. */
static int write_files(const mood_space *sp, const key_row *idx, const char *name,
                       char *const *keys, size_t n, const char *out_dir, const int *formats,
                       int relative)
{
    size_t *rows = calloc(n + 1, sizeof *rows), m = 0, skipped;
    int rc = MOOD_EXIT_OK;
    char path[4096];
    if (!rows)
        return mood_cli_fail("playlists: out of memory");
    for (size_t k = 0; k < n; k++) {
        key_row q = {keys[k], 0};
        const key_row *hit = bsearch(&q, idx, mood_space_size(sp), sizeof *idx, cmp_key_row);
        if (hit)
            rows[m++] = hit->row;
    }
    for (int f = 0; f < 3 && rc == MOOD_EXIT_OK; f++) {
        if (!formats[f])
            continue;
        snprintf(path, sizeof path, "%s/%s.%s", out_dir, name,
                 mood_playlist_format_ext((mood_playlist_format)f));
        if (mood_playlist_write_rows(sp, rows, m, name, (mood_playlist_format)f, path, relative,
                                     &skipped) != MOOD_OK)
            rc = mood_cli_fail("writing %s", path);
    }
    free(rows);
    return rc;
}

typedef struct stable_ctx {
    const mood_cli_common *com;
    const mood_cli_playlists_to *pt;
    const mood_playlist_set *set;
    const char *run_dir, *out_dir;
    const int *formats;
    int relative;
    mood_catalog *cat;
    mood_subsonic *c;
    key_row *idx;
} stable_ctx;

/* Files, the stdout row and the server push of one updated stable playlist. */
static int publish_one(stable_ctx *x, const mood_stable_change *ch)
{
    char **keys = NULL, comment[1024];
    size_t n;
    int rc = MOOD_EXIT_OK;
    if (x->pt->all && !ch->changed)
        return MOOD_EXIT_OK;
    printf("%s,%s,%d,%zu,%zu,%zu,%zu,%s\n", ch->name, ch->group, ch->version, ch->after, ch->added,
           ch->removed, ch->deferred,
           ch->created   ? "created"
           : ch->changed ? "updated"
                         : "unchanged");
    if (!ch->changed && !x->pt->to)
        return MOOD_EXIT_OK;
    if (mood_stable_tracks(x->cat, ch->name, &keys, &n) != MOOD_OK)
        return mood_cli_fail("stable playlist %s", ch->name);
    if (ch->changed)
        rc = write_files(mood_playlist_space(x->set), x->idx, ch->name, keys, n, x->out_dir,
                         x->formats, x->relative);
    if (rc == MOOD_EXIT_OK && x->c) {
        comment_for(comment, sizeof comment, ch->group, x->run_dir, 1, ch->version);
        rc = push(x->cat, x->c, ch->name, comment, (const char *const *)keys, n);
    }
    mood_free(keys);
    return rc;
}

static int stable_update(stable_ctx *x)
{
    const mood_space *sp = mood_playlist_space(x->set);
    mood_stable_change *ch = NULL;
    mood_stable_options so = x->pt->stable;
    size_t n = 0, changed = 0, ns = mood_space_size(sp);
    int rc = MOOD_EXIT_OK;
    x->idx = calloc(ns + 1, sizeof *x->idx);
    if (!x->idx)
        return mood_cli_fail("playlists: out of memory");
    for (size_t i = 0; i < ns; i++) {
        x->idx[i].key = mood_space_id(sp, i)[0] ? mood_space_id(sp, i) : mood_space_path(sp, i);
        x->idx[i].row = i;
    }
    qsort(x->idx, ns, sizeof *x->idx, cmp_key_row);
    if (mood_stable_update(x->cat, x->run_dir, x->set, &so, &ch, &n) != MOOD_OK)
        rc = mood_cli_fail("playlists --update");
    for (size_t i = 0; i < n; i++)
        changed += ch[i].changed;
    if (rc == MOOD_EXIT_OK && (!x->pt->all || changed))
        printf("playlist,group,version,tracks,added,removed,deferred,status\n");
    for (size_t i = 0; rc == MOOD_EXIT_OK && i < n; i++)
        rc = publish_one(x, &ch[i]);
    if (rc == MOOD_EXIT_OK)
        mood_cli_info("%zu stable playlists, %zu changed (exit code 0 either way)", n, changed);
    mood_free(ch);
    free(x->idx);
    return rc;
}

int mood_cli_playlists_publish(const mood_cli_common *com, const mood_cli_playlists_to *pt,
                               const mood_playlist_set *set, const char *run_dir,
                               const char *out_dir, const int *formats, int relative)
{
    stable_ctx x = {com, pt, set, run_dir, out_dir, formats, relative, NULL, NULL, NULL};
    int rc;
    if (!pt->update)
        return pt->to ? push_set(com, pt->to, set, run_dir) : MOOD_EXIT_OK;
    if (pt->to)
        rc = open_server(com, pt->to, &x.cat, &x.c);
    else
        rc = mood_catalog_open(com->catalog, &x.cat) == MOOD_OK
                 ? MOOD_EXIT_OK
                 : mood_cli_fail("playlists --update: catalog");
    if (rc == MOOD_EXIT_OK)
        rc = stable_update(&x);
    mood_subsonic_close(x.c);
    mood_catalog_close(x.cat);
    return rc;
}

static void history_help(FILE *fp)
{
    fprintf(fp, "Usage: moodscope playlists history NAME [--catalog FILE]\n\n"
                "Every version of stable playlist NAME (see `playlists --update`): version,\n"
                "time, tracks, +added -removed, changes deferred by --max-change, the group it\n"
                "followed and the run it came from, then one \"+ artist - title (id)\" or\n"
                "\"- ...\" line per change.\n");
}

int mood_cli_playlists_history(int argc, char **argv)
{
    mood_cli_common com;
    mood_catalog *cat;
    int rc;
    mood_cli_common_init(&com);
    optind = 1;
    rc = mood_cli_parse_common_only(argc, argv, "playlists", history_help, &com);
    if (rc >= 0)
        return rc;
    if (optind != argc - 1)
        return mood_cli_usage("playlists", "playlists history expects one NAME");
    if (mood_catalog_open(com.catalog, &cat) != MOOD_OK)
        return mood_cli_fail("playlists history: catalog");
    rc = mood_stable_history(cat, argv[optind], stdout) == MOOD_OK
             ? MOOD_EXIT_OK
             : mood_cli_fail("playlists history");
    mood_catalog_close(cat);
    return rc;
}

int mood_cli_subsonic_queue(const char *catalog, const char *to, const mood_space *s,
                            const mood_hit *hits, size_t n, const char *what)
{
    mood_cli_common com;
    mood_catalog *cat = NULL;
    mood_subsonic *c = NULL;
    const char **keys = calloc(n + 1, sizeof *keys);
    char comment[512];
    int rc;
    if (!keys)
        return mood_cli_fail("--to: out of memory");
    mood_cli_common_init(&com);
    com.catalog = catalog;
    for (size_t i = 0; i < n; i++)
        keys[i] = mood_space_id(s, hits[i].row)[0] ? mood_space_id(s, hits[i].row)
                                                   : mood_space_path(s, hits[i].row);
    snprintf(comment, sizeof comment, "moodscope queue: %s", what);
    rc = open_server(&com, to, &cat, &c);
    if (rc == MOOD_EXIT_OK)
        rc = push(cat, c, "moodscope queue", comment, keys, n);
    mood_subsonic_close(c);
    mood_catalog_close(cat);
    free(keys);
    return rc;
}

int mood_cli_to_option(void *user, const char *cmd, int opt, char *arg)
{
    (void)cmd;
    if (opt != MOOD_OPT_TO)
        return -1; /* MOOD_CLI_UNKNOWN_OPTION */
    *(const char **)user = arg;
    return MOOD_EXIT_OK;
}
