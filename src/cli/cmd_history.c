/*
 * `moodscope history`: listening histories. Sub-commands import, join, sessions, retrain
 * (alias train), predict, drift, report and update; each parses its options and calls the
 * history library (include/moodscope/history.h), printing JSON reports on stdout.
 */
#define _XOPEN_SOURCE 700
#include "cli.h"

#include <moodscope/catalog.h>
#include <moodscope/csv.h>
#include <moodscope/history.h>

#include <jansson.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char mood_cmd_history_summary[] =
    "listening histories: import, sessions, moods, predictions, drift, reports";

static void help(FILE *fp)
{
    fprintf(
        fp,
        "Usage: moodscope history <sub-command> [options] [FILE...]\n\n"
        "Sub-commands:\n"
        "  import FILE...     add Spotify (StreamingHistory*.json, "
        "Streaming_History_Audio_*.json,\n"
        "                     endsong_*.json) or Last.fm CSV plays to the catalog; the format is\n"
        "                     detected from content; importing a file twice adds nothing;\n"
        "                     a play in both Spotify exports is stored once (merged=N, part of\n"
        "                     duplicates): same track, time played within 3 s, end within\n"
        "                     the account export's end minute (plus a few seconds)\n"
        "  join               join audio features to played tracks (--features-table, else the\n"
        "                     analysed library) and print the match rate\n"
        "  sessions           split plays into sessions; --export writes one row per session\n"
        "                     (behaviour + audio features), ready for 'moodscope cluster'\n"
        "  retrain | train    fit track mood clusters, the next-mood and session-start models\n"
        "  predict            next track's mood and session-start chances for the next hours\n"
        "  drift              last 7 days against the 30 before; flags changes over 20%%\n"
        "  report             JSON summary and PNG charts in --out DIR\n"
        "  update [FILE...]   import, assign moods to new tracks, predict, drift, report\n"
        "                     (no retraining)\n\n"
        "Options:\n"
        "      --features-table FILE  CSV of audio features with Spotify URIs or artist+track\n"
        "                             (repeatable; import/join/update)\n"
        "      --gap MIN              session gap in minutes (default 30; remembered)\n"
        "      --tz ZONE              IANA zone or +hh:mm offset for hours and weekdays\n"
        "                             (default UTC; remembered)\n"
        "      --export FILE          sessions: write the session table (CSV)\n"
        "      --plays-export FILE    sessions: write the per-play table (CSV)\n"
        "      --rounds N             most boosting rounds (default 200, early stopping)\n"
        "      --seed N               random seed (default 42)\n"
        "      --k-min N, --k-max N   mood k scan (default 3..15)\n"
        "      --hours N              predict: hours ahead (default 24)\n"
        "      --now TIME             drift: end of the recent window (default: last play)\n"
        "      --reports-dir DIR      where drift reports are kept (default history_reports)\n"
        "      --out DIR              report directory (default "
        "history_report)\n\n" MOOD_CLI_COMMON_HELP
        "\nExit codes: 0 success, 1 data or runtime error, 2 usage.\n");
}

enum {
    OPT_FEATURES_TABLE = MOOD_OPT_FIRST_FREE,
    OPT_GAP,
    OPT_TZ,
    OPT_EXPORT,
    OPT_PLAYS_EXPORT,
    OPT_ROUNDS,
    OPT_SEED,
    OPT_KMIN,
    OPT_KMAX,
    OPT_HOURS,
    OPT_NOW,
    OPT_REPORTS_DIR,
    OPT_OUT
};

typedef struct args {
    mood_cli_common com;
    const char *sub;
    const char **tables;
    size_t n_tables;
    const char **files;
    size_t n_files;
    double gap;
    const char *tz;
    const char *export_path, *plays_export;
    mood_history_train_options train;
    size_t hours;
    long long now;
    const char *reports_dir, *out_dir;
} args;

static int parse_size(const char *s, size_t *out)
{
    char *end;
    unsigned long long v;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end || s[0] == '-' || !s[0])
        return 0;
    *out = (size_t)v;
    return 1;
}

static int parse_args(int argc, char **argv, args *a)
{
    static const struct option longopts[] = {
        MOOD_CLI_COMMON_LONGOPTS,
        {"features-table", required_argument, NULL, OPT_FEATURES_TABLE},
        {"gap", required_argument, NULL, OPT_GAP},
        {"tz", required_argument, NULL, OPT_TZ},
        {"export", required_argument, NULL, OPT_EXPORT},
        {"plays-export", required_argument, NULL, OPT_PLAYS_EXPORT},
        {"rounds", required_argument, NULL, OPT_ROUNDS},
        {"seed", required_argument, NULL, OPT_SEED},
        {"k-min", required_argument, NULL, OPT_KMIN},
        {"k-max", required_argument, NULL, OPT_KMAX},
        {"hours", required_argument, NULL, OPT_HOURS},
        {"now", required_argument, NULL, OPT_NOW},
        {"reports-dir", required_argument, NULL, OPT_REPORTS_DIR},
        {"out", required_argument, NULL, OPT_OUT},
        {NULL, 0, NULL, 0}};
    int opt;
    mood_cli_common_init(&a->com);
    mood_history_train_options_default(&a->train);
    a->gap = -1;
    a->hours = 24;
    a->reports_dir = "history_reports";
    a->out_dir = "history_report";
    a->tables = calloc((size_t)argc + 1, sizeof *a->tables);
    a->files = calloc((size_t)argc + 1, sizeof *a->files);
    if (!a->tables || !a->files) {
        fprintf(stderr, "moodscope: error: out of memory\n");
        return MOOD_EXIT_ERROR;
    }
    for (;;) {
        opt = mood_cli_next_option(&a->com, argc, argv, "hv", longopts);
        if (opt == -1)
            break;
        char *end;
        switch (opt) {
        case 'h':
            help(stdout);
            return -1;
        case OPT_FEATURES_TABLE:
            a->tables[a->n_tables++] = optarg;
            break;
        case OPT_GAP:
            a->gap = strtod(optarg, &end);
            if (*end || !(a->gap > 0))
                return mood_cli_usage("history", "--gap: expected minutes > 0, got '%s'", optarg);
            break;
        case OPT_TZ:
            a->tz = optarg;
            break;
        case OPT_EXPORT:
            a->export_path = optarg;
            break;
        case OPT_PLAYS_EXPORT:
            a->plays_export = optarg;
            break;
        case OPT_ROUNDS:
            if (!parse_size(optarg, &a->train.rounds) || a->train.rounds == 0)
                return mood_cli_usage("history", "--rounds: expected a positive integer, got '%s'",
                                      optarg);
            break;
        case OPT_SEED: {
            size_t v;
            if (!parse_size(optarg, &v))
                return mood_cli_usage("history", "--seed: expected an integer, got '%s'", optarg);
            a->train.seed = (uint64_t)v;
            break;
        }
        case OPT_KMIN:
            if (!parse_size(optarg, &a->train.k_min) || a->train.k_min < 2)
                return mood_cli_usage("history", "--k-min: expected an integer >= 2, got '%s'",
                                      optarg);
            break;
        case OPT_KMAX:
            if (!parse_size(optarg, &a->train.k_max) || a->train.k_max < 2)
                return mood_cli_usage("history", "--k-max: expected an integer >= 2, got '%s'",
                                      optarg);
            break;
        case OPT_HOURS:
            if (!parse_size(optarg, &a->hours) || a->hours == 0 || a->hours > 336)
                return mood_cli_usage("history", "--hours: expected 1..336, got '%s'", optarg);
            break;
        case OPT_NOW: {
            struct tm tm;
            memset(&tm, 0, sizeof tm);
            end = strptime(optarg, "%Y-%m-%dT%H:%M:%S", &tm);
            if (!end)
                end = strptime(optarg, "%Y-%m-%d", &tm);
            if (!end || (*end && strcmp(end, "Z") != 0))
                return mood_cli_usage(
                    "history", "--now: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, got '%s'",
                    optarg);
            a->now = (long long)timegm(&tm);
            break;
        }
        case OPT_REPORTS_DIR:
            a->reports_dir = optarg;
            break;
        case OPT_OUT:
            a->out_dir = optarg;
            break;
        default:
            return mood_cli_usage("history", "unknown option");
        }
    }
    mood_cli_set_verbosity(a->com.quiet, a->com.verbose);
    if (optind >= argc)
        return mood_cli_usage("history", "missing sub-command");
    a->sub = argv[optind++];
    while (optind < argc)
        a->files[a->n_files++] = argv[optind++];
    return 0;
}

/* ---- steps ------------------------------------------------------------------------------- */

static int step_import(mood_catalog *cat, const args *a)
{
    size_t total_added = 0, total_merged = 0;
    if (a->n_files == 0)
        return mood_cli_usage("history", "import: expected one or more FILE arguments");
    for (size_t i = 0; i < a->n_files; i++) {
        mood_history_import_report r;
        mood_status s = mood_history_import(cat, a->files[i], mood_cli_progress, NULL, &r);
        mood_cli_progress_done();
        if (s != MOOD_OK)
            return mood_cli_fail("import %s", a->files[i]);
        printf("%s\tformat=%s\trows=%zu\tadded=%zu\tduplicates=%zu\tmerged=%zu\tkept_apart=%zu\t"
               "missing_essentials=%zu (time %zu, artist %zu, track %zu)\n",
               a->files[i], mood_history_format_name(r.format), r.rows, r.added, r.duplicates,
               r.merged, r.kept_apart, r.missing_essentials, r.missing_time, r.missing_artist,
               r.missing_track);
        if (r.missing_essentials)
            mood_cli_warn("%s: %zu rows without time, artist or track were not stored", a->files[i],
                          r.missing_essentials);
        total_added += r.added;
        total_merged += r.merged;
    }
    mood_cli_info("imported %zu new plays from %zu files", total_added, a->n_files);
    if (total_merged)
        mood_cli_info("merged %zu plays that both Spotify exports hold (stored once; counted in "
                      "duplicates)",
                      total_merged);
    return MOOD_EXIT_OK;
}

static int step_join(mood_catalog *cat, const args *a, int required)
{
    mood_history_join_report r;
    mood_status s;
    if (a->n_tables == 0 && !required)
        return MOOD_EXIT_OK;
    s = mood_history_join(cat, a->tables, a->n_tables, &r);
    if (s != MOOD_OK)
        return mood_cli_fail("join audio features");
    printf("join\ttracks=%zu\tmatched_uri=%zu\tmatched_name=%zu\ttrack_match_rate=%.4f\t"
           "plays=%zu\tplays_matched=%zu\tplay_match_rate=%.4f\n",
           r.tracks, r.matched_uri, r.matched_name, r.track_match_rate, r.plays, r.plays_matched,
           r.play_match_rate);
    return MOOD_EXIT_OK;
}

static int load(mood_catalog *cat, const args *a, mood_history **h)
{
    mood_history_options o;
    char tz_buf[128];
    mood_history_options_default(&o);
    if (mood_history_settings_load(cat, &o, tz_buf, sizeof tz_buf) != MOOD_OK)
        return mood_cli_fail("history settings");
    if (a->gap > 0)
        o.gap_min = a->gap;
    if (a->tz)
        o.tz = a->tz;
    if (mood_history_load(cat, &o, h) != MOOD_OK)
        return mood_cli_fail("load history");
    if ((a->gap > 0 || a->tz) && mood_history_settings_save(cat, &o) != MOOD_OK) {
        mood_history_destroy(*h);
        *h = NULL;
        return mood_cli_fail("history settings");
    }
    return MOOD_EXIT_OK;
}

static int print_json(char *json)
{
    fputs(json, stdout);
    fputc('\n', stdout);
    mood_free(json);
    return MOOD_EXIT_OK;
}

/* Build one of the history's tables with @p make and write it as CSV to @p path. */
static int export_table(mood_status (*make)(const mood_history *, mood_table **),
                        const mood_history *h, const char *what, const char *path)
{
    mood_table *t;
    if (make(h, &t) != MOOD_OK)
        return mood_cli_fail("%s", what);
    mood_status s = mood_csv_write(path, t, NULL);
    mood_table_destroy(t);
    if (s != MOOD_OK)
        return mood_cli_fail("write %s", path);
    return MOOD_EXIT_OK;
}

static int step_sessions(mood_catalog *cat, const args *a, mood_history *h)
{
    int rc;
    if (mood_history_store_sessions(cat, h) != MOOD_OK)
        return mood_cli_fail("store sessions");
    printf("sessions\tplays=%zu\tsessions=%zu\n", mood_history_n_plays(h),
           mood_history_n_sessions(h));
    if (a->export_path) {
        rc = export_table(mood_history_session_table, h, "session table", a->export_path);
        if (rc != MOOD_EXIT_OK)
            return rc;
        mood_cli_info("session table written to %s", a->export_path);
    }
    if (a->plays_export)
        return export_table(mood_history_play_table, h, "play table", a->plays_export);
    return MOOD_EXIT_OK;
}

/* The models of the retrain, in training order (the next-mood model needs the track moods). */
enum { MODEL_MOODS, MODEL_NEXTMOOD, MODEL_SESSIONSTART, N_MODELS };
static const char *const model_keys[N_MODELS] = {"moods", "nextmood", "sessionstart"};
static const char *const model_names[N_MODELS] = {"track moods", "next-mood model",
                                                  "session-start model"};

static mood_status train_model(int i, mood_catalog *cat, mood_history *h,
                               const mood_history_train_options *o, char **json)
{
    if (i == MODEL_MOODS)
        return mood_history_moods_fit(cat, h, o, json);
    if (i == MODEL_NEXTMOOD)
        return mood_history_nextmood_train(cat, h, o, json);
    return mood_history_sessionstart_train(cat, h, o, json);
}

/* A library message without its leading "subject: " (the model is named beside it). */
static const char *without_subject(const char *msg)
{
    const char *colon = strstr(msg, ": ");
    if (colon && colon - msg < 24 && !memchr(msg, ' ', (size_t)(colon - msg)))
        return colon + 2;
    return msg;
}

/*
 * Print the combined report: each trained model's report under its key, null for a skipped
 * one, and "skipped": {key: why} when any was skipped.
 */
static void print_retrain(char *const *json, char (*why)[512])
{
    json_t *skipped = json_object();
    printf("{");
    for (int i = 0; i < N_MODELS; i++) {
        printf("%s\"%s\": %s", i ? ",\n" : "", model_keys[i], json[i] ? json[i] : "null");
        if (!json[i])
            json_object_set_new(skipped, model_keys[i], json_string(why[i]));
    }
    if (json_object_size(skipped)) {
        char *text = json_dumps(skipped, JSON_PRESERVE_ORDER);
        printf(",\n\"skipped\": %s", text ? text : "{}");
        free(text);
    }
    printf("}\n");
    json_decref(skipped);
}

/*
 * Train every model whose inputs exist. A trainer that reports missing inputs (EINVAL: too
 * few tracks with audio features, examples or hours; ENOTFIT: no track moods, as history.h
 * documents) is skipped with its reason, and one line names the skipped models; any other
 * failure stops the retrain. Fails only when no model could be trained.
 */
static int step_retrain(mood_catalog *cat, const args *a, mood_history *h)
{
    char *json[N_MODELS] = {NULL, NULL, NULL};
    char why[N_MODELS][512], line[2048];
    size_t trained = 0, used = 0;
    int rc = MOOD_EXIT_OK;
    mood_history_train_options o = a->train;
    o.progress = mood_cli_progress;
    if (mood_history_store_sessions(cat, h) != MOOD_OK)
        return mood_cli_fail("store sessions");
    line[0] = '\0';
    for (int i = 0; i < N_MODELS && rc == MOOD_EXIT_OK; i++) {
        mood_status s = MOOD_ENOTFIT;
        why[i][0] = '\0';
        if (i == MODEL_NEXTMOOD && !json[MODEL_MOODS])
            snprintf(why[i], sizeof why[i], "needs the track moods");
        else
            s = train_model(i, cat, h, &o, &json[i]);
        mood_cli_progress_done();
        if (s == MOOD_OK) {
            trained++;
            continue;
        }
        if (s != MOOD_EINVAL && s != MOOD_ENOTFIT) {
            rc = mood_cli_fail("%s", model_names[i]);
            break;
        }
        if (!why[i][0])
            snprintf(why[i], sizeof why[i], "%s", without_subject(mood_last_error()));
        mood_clear_error();
        used += (size_t)snprintf(line + used, sizeof line - used, "%s%s (%s)", used ? "; " : "",
                                 model_keys[i], why[i]);
        used = used < sizeof line ? used : sizeof line - 1;
    }
    if (rc == MOOD_EXIT_OK && trained == 0) {
        fprintf(stderr, "moodscope: error: history train: no model could be trained: %s\n", line);
        rc = MOOD_EXIT_ERROR;
    } else if (rc == MOOD_EXIT_OK) {
        if (line[0])
            mood_cli_warn("history train: skipped %s", line);
        print_retrain(json, why);
    }
    for (int i = 0; i < N_MODELS; i++)
        mood_free(json[i]);
    return rc;
}

static int step_predict(mood_catalog *cat, const args *a, mood_history *h)
{
    char *json;
    if (mood_history_predict(cat, h, a->hours, &json) != MOOD_OK)
        return mood_cli_fail("predict");
    return print_json(json);
}

static int step_drift(mood_catalog *cat, const args *a, mood_history *h)
{
    char *json;
    if (mood_history_drift(cat, h, (int64_t)a->now, a->reports_dir, &json) != MOOD_OK)
        return mood_cli_fail("drift");
    return print_json(json);
}

static int step_report(mood_catalog *cat, const args *a, mood_history *h)
{
    char *json;
    if (mood_history_report(cat, h, a->out_dir, &json) != MOOD_OK)
        return mood_cli_fail("report %s", a->out_dir);
    mood_free(json);
    printf("report\t%s/history_report.json\n", a->out_dir);
    return MOOD_EXIT_OK;
}

static int step_update(mood_catalog *cat, const args *a)
{
    mood_history *h = NULL;
    size_t assigned = 0;
    int rc;
    /* without files, update refreshes moods, predictions, drift and the report */
    if (a->n_files) {
        rc = step_import(cat, a);
        if (rc != MOOD_EXIT_OK)
            return rc;
    }
    rc = step_join(cat, a, 0);
    if (rc != MOOD_EXIT_OK)
        return rc;
    rc = load(cat, a, &h);
    if (rc != MOOD_EXIT_OK)
        return rc;
    if (mood_history_store_sessions(cat, h) != MOOD_OK) {
        mood_history_destroy(h);
        return mood_cli_fail("store sessions");
    }
    mood_status s = mood_history_moods_assign(cat, h, &assigned);
    if (s == MOOD_ENOTFIT) {
        /* No mood model (train skips it without audio features): the rest still updates. */
        mood_cli_warn("update: no track moods to assign: %s", mood_last_error());
        mood_clear_error();
    } else if (s != MOOD_OK) {
        mood_history_destroy(h);
        return mood_cli_fail("assign moods");
    }
    printf("moods\tassigned=%zu\n", assigned);
    rc = step_predict(cat, a, h);
    if (rc == MOOD_EXIT_OK)
        rc = step_drift(cat, a, h);
    if (rc == MOOD_EXIT_OK)
        rc = step_report(cat, a, h);
    mood_history_destroy(h);
    return rc;
}

int mood_cmd_history(int argc, char **argv)
{
    args a;
    mood_catalog *cat = NULL;
    mood_history *h = NULL;
    int rc;
    memset(&a, 0, sizeof a);
    rc = parse_args(argc, argv, &a);
    if (rc != 0) {
        free(a.tables);
        free(a.files);
        return rc < 0 ? MOOD_EXIT_OK : rc;
    }
    static const char *const subs[] = {"import",  "join",  "sessions", "retrain", "train",
                                       "predict", "drift", "report",   "update",  NULL};
    int known = 0;
    for (int i = 0; subs[i]; i++)
        known |= strcmp(a.sub, subs[i]) == 0;
    if (!known) {
        rc = mood_cli_usage("history", "unknown sub-command '%s'", a.sub);
        goto done;
    }
    if (a.n_files && strcmp(a.sub, "import") != 0 && strcmp(a.sub, "update") != 0) {
        rc = mood_cli_usage("history", "%s: unexpected argument '%s'", a.sub, a.files[0]);
        goto done;
    }
    mood_cli_install_signals();
    if (mood_catalog_open(a.com.catalog, &cat) != MOOD_OK) {
        rc = mood_cli_fail("catalog %s", a.com.catalog);
        goto done;
    }
    if (!strcmp(a.sub, "import")) {
        rc = step_import(cat, &a);
        if (rc == MOOD_EXIT_OK)
            rc = step_join(cat, &a, 0);
    } else if (!strcmp(a.sub, "join")) {
        rc = step_join(cat, &a, 1);
    } else if (!strcmp(a.sub, "update")) {
        rc = step_update(cat, &a);
    } else {
        rc = load(cat, &a, &h);
        if (rc != MOOD_EXIT_OK)
            goto done;
        if (!strcmp(a.sub, "sessions"))
            rc = step_sessions(cat, &a, h);
        else if (!strcmp(a.sub, "retrain") || !strcmp(a.sub, "train"))
            rc = step_retrain(cat, &a, h);
        else if (!strcmp(a.sub, "predict"))
            rc = step_predict(cat, &a, h);
        else if (!strcmp(a.sub, "drift"))
            rc = step_drift(cat, &a, h);
        else if (!strcmp(a.sub, "report"))
            rc = step_report(cat, &a, h);
    }
done:
    mood_history_destroy(h);
    mood_catalog_close(cat);
    free(a.tables);
    free(a.files);
    return rc;
}
