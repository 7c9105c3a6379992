/*
 * `moodscope library write-tags | read-tags`: analysis results written into the audio files,
 * dry run first. Parsing and printing only; the rules live in the tags subsystem (tags.h).
 */
#include "cli_library_tags.h"

#include <moodscope/csv.h>
#include <moodscope/library.h>
#include <moodscope/run.h>
#include <moodscope/table.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
    OPT_APPLY = MOOD_OPT_FIRST_FREE,
    OPT_ONLY_EMPTY,
    OPT_KEY_NOTATION,
    OPT_RUN,
};

static void help(FILE *fp)
{
    fprintf(fp, "Usage: moodscope library " MOOD_CLI_LIBRARY_TAGS_HELP "\n" MOOD_CLI_COMMON_HELP);
}

/* Parse the options of the sub-command @p sub; -1 to go on, else the exit code. */
static int parse(int argc, char **argv, const char *sub, mood_cli_tags_options *o)
{
    static const struct option opts[] = {
        {"apply", no_argument, NULL, OPT_APPLY},
        {"only-empty", no_argument, NULL, OPT_ONLY_EMPTY},
        {"key-notation", required_argument, NULL, OPT_KEY_NOTATION},
        {"run", required_argument, NULL, OPT_RUN},
        MOOD_CLI_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}};
    int opt;
    memset(o, 0, sizeof *o);
    mood_cli_common_init(&o->com);
    optind = 1;
    for (;;) {
        opt = mood_cli_next_option(&o->com, argc, argv, "vh", opts);
        if (opt == -1)
            break;
        if (opt == 'h') {
            help(stdout);
            return MOOD_EXIT_OK;
        }
        if (opt == OPT_APPLY || opt == OPT_ONLY_EMPTY) {
            if (strcmp(sub, "write-tags") != 0)
                return mood_cli_usage("library", "%s is an option of write-tags",
                                      opt == OPT_APPLY ? "--apply" : "--only-empty");
            *(opt == OPT_APPLY ? &o->apply : &o->only_empty) = 1;
        } else if (opt == OPT_KEY_NOTATION) {
            if (mood_key_notation_parse(optarg, &o->notation) != MOOD_OK)
                return mood_cli_usage("library",
                                      "--key-notation %s: expected standard, camelot "
                                      "or openkey",
                                      optarg);
        } else if (opt == OPT_RUN) {
            o->run = optarg;
        } else {
            return mood_cli_usage("library", "unknown option");
        }
    }
    return -1;
}

/* The run directory's clustered table joined into @p t as group_name. */
static int join_run(mood_table *t, const mood_cli_tags_options *o)
{
    char run[128], path[4096];
    mood_table *c;
    size_t matched;
    snprintf(run, sizeof run, "%s", o->run);
    if (strcmp(o->run, "latest") == 0) {
        mood_run_summary *runs;
        size_t n;
        if (mood_runs_list(o->com.runs_dir, &runs, &n) != MOOD_OK)
            return mood_cli_fail("library: runs in %s", o->com.runs_dir);
        if (n == 0) {
            mood_free(runs);
            return mood_cli_usage("library", "--run latest: no runs under %s", o->com.runs_dir);
        }
        snprintf(run, sizeof run, "%s", runs[0].run_id);
        mood_free(runs);
    }
    snprintf(path, sizeof path, "%s/%s/clustered_output.csv", o->com.runs_dir, run);
    if (mood_csv_read(path, NULL, &c) != MOOD_OK)
        return mood_cli_fail("library: run %s", run);
    mood_status s = mood_tags_add_groups(t, c, &matched);
    mood_table_destroy(c);
    if (s != MOOD_OK)
        return mood_cli_fail("library: run %s", run);
    mood_cli_info("mood groups from run %s (%zu of %zu tracks in it; the others keep their "
                  "mood label)",
                  run, matched, mood_table_rows(t));
    return MOOD_EXIT_OK;
}

/* Non-zero when @p path is one of @p prefixes or lies under one (all paths are absolute). */
static int under(const char *path, char **prefixes, int n)
{
    if (n == 0)
        return 1;
    for (int i = 0; i < n; i++) {
        char real[PATH_MAX];
        const char *p = realpath(prefixes[i], real) ? real : prefixes[i];
        size_t len = strlen(p);
        if (strncmp(path, p, len) == 0 && (path[len] == '\0' || path[len] == '/' || len == 1))
            return 1;
    }
    return 0;
}

int mood_cli_tags_load(mood_catalog *cat, const mood_cli_tags_options *o, char **prefixes,
                       int n_prefixes, mood_table **out)
{
    mood_table *t;
    size_t pj, k = 0;
    *out = NULL;
    if (mood_library_export_table(cat, &t) != MOOD_OK)
        return mood_cli_fail("library: catalog %s", o->com.catalog);
    mood_table_find(t, "path", &pj);
    size_t n = mood_table_rows(t), *rows = malloc((n ? n : 1) * sizeof *rows);
    if (!rows) {
        mood_table_destroy(t);
        return mood_cli_fail("library: out of memory");
    }
    for (size_t i = 0; i < n; i++)
        if (under(mood_table_str(t, pj, i), prefixes, n_prefixes))
            rows[k++] = i;
    mood_table *sel = NULL;
    mood_status s = mood_table_select_rows(t, rows, k, &sel);
    free(rows);
    mood_table_destroy(t);
    if (s != MOOD_OK)
        return mood_cli_fail("library");
    int rc = o->run ? join_run(sel, o) : MOOD_EXIT_OK;
    if (rc != MOOD_EXIT_OK) {
        mood_table_destroy(sel);
        return rc;
    }
    *out = sel;
    return MOOD_EXIT_OK;
}

/* Containers the analyser reads but tags are not written to (no supported tag format). */
static int untaggable(const char *path)
{
    static const char *const ext[] = {".wav", ".aif", ".aiff", ".wma", ".wv",
                                      ".ape", ".mka", ".webm", ".aac"};
    size_t n = strlen(path);
    for (size_t i = 0; i < sizeof ext / sizeof *ext; i++) {
        size_t m = strlen(ext[i]);
        if (n > m && strcasecmp(path + n - m, ext[i]) == 0)
            return 1;
    }
    return 0;
}

/* Counts for the summary line. */
typedef struct tag_counts {
    size_t tracks, changed, fields, unchanged, skipped, errors;
} tag_counts;

static void print_changes(const char *path, const mood_tag_set *old, const mood_tag_set *ch)
{
    for (int f = 0; f < MOOD_TAG_FIELD_COUNT; f++)
        if (ch->value[f][0])
            printf("%s: %s: %s → %s\n", path, mood_tag_field_name((mood_tag_field)f),
                   old->value[f][0] ? old->value[f] : "(none)", ch->value[f]);
}

/* Plan (and with --apply, write) the tags of one track. */
static void tag_track(mood_catalog *cat, const mood_table *t, size_t i, const char *path,
                      const mood_cli_tags_options *o, tag_counts *c)
{
    mood_tag_set old, want, ch;
    mood_tag_format fmt;
    if (untaggable(path)) {
        c->skipped++;
        mood_cli_debug("%s: no supported tag format, skipped", path);
        return;
    }
    if (mood_tags_detect(path, &fmt) != MOOD_OK || mood_tags_read(path, &old) != MOOD_OK ||
        mood_tags_wanted(t, i, fmt, o->notation, &want) != MOOD_OK) {
        c->errors++;
        mood_cli_fail("write-tags (file left unchanged)");
        return;
    }
    size_t n = mood_tags_diff(&old, &want, o->only_empty, &ch);
    if (n == 0) {
        c->unchanged++;
        return;
    }
    print_changes(path, &old, &ch);
    if (!o->apply && mood_tags_check(path) != MOOD_OK) {
        c->errors++;
        mood_cli_fail("write-tags (would be left unchanged)");
        return;
    }
    if (o->apply && mood_tags_write(path, &ch) != MOOD_OK) {
        c->errors++;
        mood_cli_fail("write-tags (file left unchanged)");
        return;
    }
    /* The audio is unchanged (the writer checked it): keep the catalog's size and time in step
     * so that the next analyze does not redo the file. */
    if (o->apply && mood_library_retagged(cat, path) != MOOD_OK)
        mood_cli_warn("%s: tags written, but the catalog still has the old size: the next "
                      "analyze will analyse it again (%s)",
                      path, mood_last_error());
    c->changed++;
    c->fields += n;
}

static int write_tags(const mood_cli_tags_options *o, char **paths, int n_paths)
{
    mood_catalog *cat;
    mood_table *t;
    tag_counts c = {0};
    size_t pj;
    if (mood_catalog_open(o->com.catalog, &cat) != MOOD_OK)
        return mood_cli_fail("library: catalog");
    int rc = mood_cli_tags_load(cat, o, paths, n_paths, &t);
    if (rc != MOOD_EXIT_OK) {
        mood_catalog_close(cat);
        return rc;
    }
    mood_table_find(t, "path", &pj);
    c.tracks = mood_table_rows(t);
    for (size_t i = 0; i < c.tracks; i++)
        tag_track(cat, t, i, mood_table_str(t, pj, i), o, &c);
    mood_table_destroy(t);
    mood_catalog_close(cat);
    mood_cli_info("write-tags: %zu tracks: %zu %s (%zu fields), %zu unchanged, %zu skipped (no "
                  "tag support), %zu errors%s",
                  c.tracks, c.changed, o->apply ? "written" : "to change", c.fields, c.unchanged,
                  c.skipped, c.errors, o->apply ? "" : "; dry run, --apply writes");
    return c.errors ? MOOD_EXIT_ERROR : MOOD_EXIT_OK;
}

static int read_tags(char **files, int n)
{
    int errors = 0;
    if (n == 0)
        return mood_cli_usage("library", "read-tags needs a FILE");
    for (int i = 0; i < n; i++) {
        mood_tag_set s;
        if (mood_tags_read(files[i], &s) != MOOD_OK) {
            errors++;
            mood_cli_fail("read-tags");
            continue;
        }
        for (int f = 0; f < MOOD_TAG_FIELD_COUNT; f++)
            if (s.value[f][0])
                printf("%s%s%s=%s\n", n > 1 ? files[i] : "", n > 1 ? ": " : "",
                       mood_tag_field_name((mood_tag_field)f), s.value[f]);
    }
    return errors ? MOOD_EXIT_ERROR : MOOD_EXIT_OK;
}

/* The index of the sub-command word in @p argv, or 0 when there is none of ours. */
static int find_sub(int argc, char **argv)
{
    int export_at = 0, dj = 0;
    for (int a = 1; a < argc; a++) {
        const char *s = argv[a];
        if (!export_at && (strcmp(s, "write-tags") == 0 || strcmp(s, "read-tags") == 0))
            return a;
        if (!export_at && strcmp(s, "export") == 0)
            export_at = a;
        if (strcmp(s, "--format") == 0 && a + 1 < argc)
            s = argv[a + 1];
        else if (strncmp(s, "--format=", 9) == 0)
            s += 9;
        else
            continue;
        dj |= strcmp(s, "rekordbox") == 0 || strcmp(s, "mixxx") == 0;
    }
    return export_at && dj ? export_at : 0;
}

int mood_cli_library_tags_dispatch(int argc, char **argv)
{
    int at = find_sub(argc, argv), rc;
    if (at == 0)
        return -1;
    char *sub = argv[at], **nv = malloc((size_t)argc * sizeof *nv);
    mood_cli_tags_options o;
    if (!nv)
        return MOOD_EXIT_ERROR;
    int k = 0;
    for (int a = 0; a < argc; a++)
        if (a != at)
            nv[k++] = argv[a];
    nv[k] = NULL;
    rc = parse(k, nv, sub, &o);
    if (rc < 0 && strcmp(sub, "write-tags") == 0)
        rc = write_tags(&o, nv + optind, k - optind);
    else if (rc < 0 && strcmp(sub, "read-tags") == 0)
        rc = read_tags(nv + optind, k - optind);
    else if (rc < 0 && k - optind != 1)
        rc = mood_cli_usage("library", "library export --format %s needs one output FILE",
                            o.com.format);
    else if (rc < 0)
        rc = mood_cli_library_export_dj(&o, nv[optind]);
    free(nv);
    return rc;
}
