/*
 * `moodscope library list | show TRACK | stats | export FILE.csv | set TRACK ... | doubtful`:
 * the analysed library, and the user's corrections of its tempo, key and metre.
 */
#include "cli.h"
#include "cli_library_tags.h"
#include "cli_queue.h"
#include "cli_report.h"
#include "cli_subsonic.h"

#include <moodscope/catalog.h>
#include <moodscope/csv.h>
#include <moodscope/library.h>
#include <moodscope/table.h>

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char mood_cmd_library_summary[] =
    "list, show, count, export, fix or check the analysed music library";

static void help(FILE *fp)
{
    fprintf(fp,
            "Usage: moodscope library list [--format csv|tsv]\n"
            "       moodscope library show TRACK\n"
            "       moodscope library stats\n"
            "       moodscope library export FILE.csv [--all]\n"
            "       moodscope library sync SERVER [--analyze] (a media server; sync --help)\n"
            "       moodscope library jobs | runs [--limit N] | migrate FROM TO (the shared\n"
            "                             analysis queue, its runs and limits; jobs --help)\n"
            "       moodscope library set TRACK [--bpm N] [--key KEY] [--meter M]\n"
            "                             [--clear[=bpm,key,meter]]\n"
            "       moodscope library doubtful [FOLDER] [--threshold X] [--margin M]\n"
            "                                  [--limit N] [--format csv|tsv]\n\n"
            "TRACK is a catalog id, a path, or a unique part of the path or title.\n\n"
            "list    every track of the catalog with its status (ok, failed, outdated)\n"
            "show    the JSON report of a track (with the user's corrections applied and\n"
            "        marked \"source\": \"user\"); --format text: tempo and key with their\n"
            "        confidences and runners-up, metre, key segments, tempo changes\n"
            "stats   counts, hours of audio, mean tempo and loudness, mood labels\n"
            "export  the feature table (one row per analysed track: tags, features,\n"
            "        standardised similarity vector sim_00..) for `moodscope cluster "
            "-i`:\n"
            "        tags, the interpretable mood features (energy, valence, arousal,\n"
            "        danceability, acousticness, instrumentalness, tempo, loudness, loudness\n"
            "        range, onset rate, percussive share, brightness) and sim_*; --all\n"
            "        writes every analysed feature (about 140 columns)\n"
            "set     correct the analysis of a track; every reader of the catalog (export,\n"
            "        cluster, similar, next, path, mix, serve, show) then sees the user's\n"
            "        value with confidence 1, also after the file is analysed again:\n"
            "          --bpm N      tempo, 20 to 400 BPM\n"
            "          --key KEY    Am, F# minor, Bb major, C, 8B (Camelot), 1d (Open Key)\n"
            "          --meter M    4/4, 3/4, 2/4, 6/8, 9/8, 12/8 (N/4 for N = 1..12)\n"
            "          --clear      drop every correction of the track (the analysed values\n"
            "                       come back); --clear=bpm,key drops only those\n"
            "doubtful  the tempos and keys that are likely wrong, most doubtful first: a\n"
            "        confidence below X (--threshold, default 0.3; for tempo also the\n"
            "        octave confidence once an alternative tempo is given), or a runner-up\n"
            "        within M of the winner (--margin, default 0.1: alternative tempo\n"
            "        confidence above 1 - M, or second key confidence above (1 - M) times\n"
            "        the key's). Values the user set are never listed. FOLDER keeps the\n"
            "        tracks under it; --limit N (default 50, 0 = all)\n\n" MOOD_CLI_COMMON_HELP);
    fputs(MOOD_CLI_LIBRARY_TAGS_SUMMARY, fp);
}

static void cell(FILE *fp, const char *s, int width)
{
    int len = (int)strlen(s);
    if (len > width)
        fprintf(fp, "%.*s… ", width - 1, s);
    else
        fprintf(fp, "%-*s ", width, s);
}

static int list(mood_catalog *cat, const mood_cli_common *com)
{
    mood_table *t;
    if (mood_library_list(cat, &t) != MOOD_OK)
        return mood_cli_fail("library list");
    if (com->format && (strcmp(com->format, "csv") == 0 || strcmp(com->format, "tsv") == 0)) {
        mood_csv_write_options wo = {com->format[0] == 't' ? '\t' : ',', 6};
        mood_status s = mood_csv_write_fp(stdout, t, &wo);
        mood_table_destroy(t);
        return s == MOOD_OK ? MOOD_EXIT_OK : mood_cli_fail("library list");
    }
    size_t n = mood_table_rows(t), j[13];
    static const char *const names[13] = {
        "track_id", "status",     "path",      "title",         "artist", "camelot", "mood_label",
        "error",    "duration_s", "tempo_bpm", "loudness_lufs", "energy", "valence"};
    for (int c = 0; c < 13; c++)
        mood_table_find(t, names[c], &j[c]);
    if (n == 0)
        mood_cli_info("the catalog has no tracks yet: run `moodscope analyze FOLDER`");
    else
        printf("%-5s %-7s %7s %6s %4s %6s %-21s %s\n", "id", "status", "dur_s", "bpm", "key",
               "LUFS", "mood", "title / path");
    for (size_t i = 0; i < n; i++) {
        const float *dur = mood_table_num_const(t, j[8]), *bpm = mood_table_num_const(t, j[9]),
                    *lu = mood_table_num_const(t, j[10]);
        const char *title = mood_table_str(t, j[3], i), *status = mood_table_str(t, j[1], i);
        printf("%-5s %-7s ", mood_table_str(t, j[0], i), status);
        if (strcmp(status, "failed") == 0) {
            printf("%s: %s\n", mood_table_str(t, j[2], i), mood_table_str(t, j[7], i));
            continue;
        }
        printf("%7.1f %6.1f %4s %6.1f ", (double)dur[i], (double)bpm[i], mood_table_str(t, j[5], i),
               (double)lu[i]);
        cell(stdout, mood_table_str(t, j[6], i), 21);
        printf("%s\n", title[0] ? title : mood_table_str(t, j[2], i));
    }
    mood_table_destroy(t);
    return MOOD_EXIT_OK;
}

/*
 * The numeric columns a default export keeps: the interpretable mood-level features. With all
 * ~70 analysis statistics a k-means scan on a small library splits on incidental measures
 * (true peak, spectral contrast spread); these twelve separate moods (measured on the wesnoth
 * corpus: battle themes apart from laments).
 */
static const char *const mood_columns[] = {
    "energy",        "valence",          "arousal",
    "danceability",  "acousticness",     "instrumentalness",
    "tempo_bpm",     "loudness_lufs",    "loudness_range_lu",
    "onset_rate_hz", "percussive_ratio", "spectral_centroid_hz",
};

static int keep_column(const mood_table *t, size_t j)
{
    const char *name = mood_table_col_name(t, j);
    if (mood_table_col_kind(t, j) == MOOD_COL_STR || strncmp(name, "sim_", 4) == 0)
        return 1;
    for (size_t i = 0; i < sizeof mood_columns / sizeof *mood_columns; i++)
        if (strcmp(name, mood_columns[i]) == 0)
            return 1;
    return 0;
}

enum {
    OPT_ALL = MOOD_OPT_FIRST_FREE,
    OPT_BPM,
    OPT_KEY,
    OPT_METER,
    OPT_CLEAR,
    OPT_THRESHOLD,
    OPT_MARGIN,
    OPT_LIMIT
};

/* Everything the sub-commands take besides the common options. */
typedef struct library_args {
    int all;
    int fixing; /* a set option was given */
    mood_library_fix fix;
    mood_library_doubtful_options doubt;
    int doubt_given; /* a doubtful option was given */
} library_args;

/* The fields of --clear=bpm,key,meter (all of them without a list). */
static int parse_clear(const char *arg, unsigned *out)
{
    *out = 0;
    if (!arg) {
        *out = MOOD_FIX_ALL;
        return 0;
    }
    char buf[128];
    snprintf(buf, sizeof buf, "%s", arg);
    for (char *save = NULL, *f = strtok_r(buf, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
        if (strcmp(f, "bpm") == 0 || strcmp(f, "tempo") == 0)
            *out |= MOOD_FIX_TEMPO;
        else if (strcmp(f, "key") == 0)
            *out |= MOOD_FIX_KEY;
        else if (strcmp(f, "meter") == 0 || strcmp(f, "metre") == 0)
            *out |= MOOD_FIX_METER;
        else
            return mood_cli_usage("library", "--clear expects bpm, key or meter, got '%s'", f);
    }
    return 0;
}

/* --bpm, --key, --meter: checked here so that a bad value is a usage error naming the option. */
static int parse_fix_option(int opt, const char *arg, mood_library_fix *f)
{
    if (opt == OPT_BPM) {
        char *end;
        double v = strtod(arg, &end);
        if (end == arg || *end || !isfinite(v) || v < MOOD_FIX_MIN_BPM || v > MOOD_FIX_MAX_BPM)
            return mood_cli_usage("library",
                                  "--bpm expects a tempo from %g to %g beats per minute, got '%s'",
                                  MOOD_FIX_MIN_BPM, MOOD_FIX_MAX_BPM, arg);
        f->tempo_bpm = v;
        return 0;
    }
    if (opt == OPT_KEY) {
        int k, m;
        if (mood_audio_parse_key(arg, &k, &m) != MOOD_OK)
            return mood_cli_usage("library",
                                  "--key '%s': %s; expected a key such as Am, F# minor, Bb major, "
                                  "8B (Camelot) or 1d (Open Key)",
                                  arg, mood_last_error());
        f->key = arg;
        return 0;
    }
    int num = 0, den = 0;
    char tail = 0;
    int n = sscanf(arg, "%d/%d%c", &num, &den, &tail);
    int simple = den == 4 && num >= 1 && num <= 12;
    int compound = den == 8 && (num == 6 || num == 9 || num == 12);
    if (n != 2 || !(simple || compound))
        return mood_cli_usage("library",
                              "--meter expects N/4 (N = 1..12), 6/8, 9/8 or 12/8, got '%s'", arg);
    f->meter = arg;
    return 0;
}

/* Parse the options into @p a; -1 to go on, or the exit code (help: 0, usage error: 2). */
static int parse_args(int argc, char **argv, mood_cli_common *com, library_args *a)
{
    static const struct option opts[] = {{"all", no_argument, NULL, OPT_ALL},
                                         {"bpm", required_argument, NULL, OPT_BPM},
                                         {"key", required_argument, NULL, OPT_KEY},
                                         {"meter", required_argument, NULL, OPT_METER},
                                         {"clear", optional_argument, NULL, OPT_CLEAR},
                                         {"threshold", required_argument, NULL, OPT_THRESHOLD},
                                         {"margin", required_argument, NULL, OPT_MARGIN},
                                         {"limit", required_argument, NULL, OPT_LIMIT},
                                         MOOD_CLI_COMMON_LONGOPTS,
                                         {NULL, 0, NULL, 0}};
    int opt, rc = 0;
    for (;;) {
        if (rc != 0)
            break;
        opt = mood_cli_next_option(com, argc, argv, "vh", opts);
        if (opt == -1)
            break;
        if (opt == 'h') {
            help(stdout);
            return MOOD_EXIT_OK;
        }
        if (opt == OPT_ALL) {
            a->all = 1;
        } else if (opt == OPT_BPM || opt == OPT_KEY || opt == OPT_METER) {
            a->fixing = 1;
            rc = parse_fix_option(opt, optarg, &a->fix);
        } else if (opt == OPT_CLEAR) {
            a->fixing = 1;
            rc = parse_clear(optarg, &a->fix.clear);
        } else if (opt == OPT_THRESHOLD || opt == OPT_MARGIN) {
            double *x = opt == OPT_THRESHOLD ? &a->doubt.threshold : &a->doubt.margin;
            a->doubt_given = 1;
            rc = mood_cli_parse_real("library", opt == OPT_THRESHOLD ? "--threshold" : "--margin",
                                     optarg, x);
            if (rc == 0 && !(*x > 0 && *x <= 1))
                rc = mood_cli_usage("library", "--%s expects a number in (0, 1], got '%s'",
                                    opt == OPT_THRESHOLD ? "threshold" : "margin", optarg);
        } else if (opt == OPT_LIMIT) {
            a->doubt_given = 1;
            rc = mood_cli_parse_size("library", "--limit", optarg, &a->doubt.limit);
        } else {
            return mood_cli_usage("library", "unknown option");
        }
    }
    return rc ? rc : -1;
}

static int show(mood_catalog *cat, const char *track, const mood_cli_common *com)
{
    if (com->format && strcmp(com->format, "text") == 0) {
        mood_library_musical m;
        if (mood_library_musical_get(cat, track, &m) != MOOD_OK)
            return mood_cli_fail("library show");
        mood_cli_print_musical(stdout, &m);
        return MOOD_EXIT_OK;
    }
    char *json;
    if (mood_library_show(cat, track, &json) != MOOD_OK)
        return mood_cli_fail("library show");
    printf("%s\n", json);
    mood_free(json);
    return MOOD_EXIT_OK;
}

static int stats(mood_catalog *cat)
{
    mood_library_stats st;
    if (mood_library_stats_get(cat, &st) != MOOD_OK)
        return mood_cli_fail("library stats");
    printf("tracks: %zu (%zu analysed, %zu outdated, %zu failed)\n", st.tracks, st.ok, st.outdated,
           st.failed);
    printf("audio: %.2f h\n", st.audio_hours);
    printf("mean tempo: %.1f BPM\nmean loudness: %.1f LUFS\n", st.mean_tempo_bpm,
           st.mean_loudness_lufs);
    printf("moods: energetic & positive %zu, energetic & dark %zu, calm & positive %zu, "
           "calm & dark %zu\n",
           st.mood_counts[0], st.mood_counts[1], st.mood_counts[2], st.mood_counts[3]);
    return MOOD_EXIT_OK;
}

static int export(mood_catalog *cat, const char *file, int all)
{
    mood_table *t;
    if (mood_library_export_table(cat, &t) != MOOD_OK)
        return mood_cli_fail("library export");
    for (size_t j = mood_table_cols(t); !all && j-- > 0;)
        if (!keep_column(t, j))
            mood_table_drop(t, j);
    int rc = MOOD_EXIT_OK;
    if (mood_csv_write(file, t, NULL) != MOOD_OK)
        rc = mood_cli_fail("library export: %s", file);
    else
        mood_cli_info("wrote %zu tracks × %zu columns to %s", mood_table_rows(t),
                      mood_table_cols(t), file);
    mood_table_destroy(t);
    return rc;
}

/* `library set TRACK ...`: store the correction, then print the track as readers now see it. */
static int set(mood_catalog *cat, const char *track, const mood_library_fix *f)
{
    int64_t id;
    mood_library_musical m;
    if (mood_library_set(cat, track, f, &id) != MOOD_OK)
        return mood_cli_fail("library set");
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    if (mood_library_musical_get(cat, ids, &m) == MOOD_OK)
        mood_cli_print_musical(stdout, &m);
    else
        mood_cli_info("library set: track %s updated (not analysed with this version yet)", ids);
    return MOOD_EXIT_OK;
}

static void print_doubtful(const mood_table *t)
{
    static const char *const names[9] = {"track_id",   "path",           "title",
                                         "field",      "value",          "alternative",
                                         "confidence", "alt_confidence", "certainty"};
    size_t j[9], n = mood_table_rows(t);
    for (int c = 0; c < 9; c++)
        mood_table_find(t, names[c], &j[c]);
    const float *conf = mood_table_num_const(t, j[6]), *alt = mood_table_num_const(t, j[7]);
    printf("%-5s %-5s %-16s %5s %-16s %5s %s\n", "id", "field", "value", "conf", "alternative",
           "alt", "path");
    for (size_t i = 0; i < n; i++) {
        const char *a = mood_table_str(t, j[5], i);
        printf("%-5s %-5s ", mood_table_str(t, j[0], i), mood_table_str(t, j[3], i));
        cell(stdout, mood_table_str(t, j[4], i), 16);
        printf("%5.2f ", (double)conf[i]);
        cell(stdout, a[0] ? a : "-", 16);
        if (a[0])
            printf("%5.2f ", (double)alt[i]);
        else
            printf("%5s ", "-");
        printf("%s\n", mood_table_str(t, j[1], i));
    }
}

/* `library doubtful [FOLDER]`: the likely wrong tempos and keys, most doubtful first. */
static int doubtful(mood_catalog *cat, mood_library_doubtful_options *o, const char *folder,
                    const mood_cli_common *com)
{
    char abs[PATH_MAX + 2];
    mood_table *t;
    if (folder) {
        if (!realpath(folder, abs))
            snprintf(abs, sizeof abs, "%s", folder);
        o->under = abs;
    }
    mood_status st = mood_library_doubtful(cat, o, &t);
    o->under = NULL; /* abs ends with this call */
    if (st != MOOD_OK)
        return mood_cli_fail("library doubtful");
    int rc = MOOD_EXIT_OK;
    if (com->format && (strcmp(com->format, "csv") == 0 || strcmp(com->format, "tsv") == 0)) {
        mood_csv_write_options wo = {com->format[0] == 't' ? '\t' : ',', 6};
        if (mood_csv_write_fp(stdout, t, &wo) != MOOD_OK)
            rc = mood_cli_fail("library doubtful");
    } else if (mood_table_rows(t) == 0) {
        mood_cli_info("library doubtful: no doubtful tempo or key (confidence below %g or "
                      "runner-up within %g)",
                      o->threshold, o->margin);
    } else {
        print_doubtful(t);
        mood_cli_info("%zu doubtful value%s (confidence below %g or runner-up within %g); fix one "
                      "with `moodscope library set TRACK --bpm N --key KEY`",
                      mood_table_rows(t), mood_table_rows(t) == 1 ? "" : "s", o->threshold,
                      o->margin);
    }
    mood_table_destroy(t);
    return rc;
}

/* The sub-command's operands, checked before the catalog is opened. */
static int check_operands(const char *sub, int n_operands, const char *extra, const library_args *a)
{
    static const char *const subs[] = {"list", "show", "stats", "export", "set", "doubtful"};
    int known = 0;
    for (size_t i = 0; i < sizeof subs / sizeof *subs; i++)
        known |= strcmp(sub, subs[i]) == 0;
    if (!known)
        return mood_cli_usage(
            "library", "unknown sub-command '%s' (list, show, stats, export, set, doubtful)", sub);
    int needs = strcmp(sub, "show") == 0 || strcmp(sub, "export") == 0 || strcmp(sub, "set") == 0;
    if (needs && n_operands < 1)
        return mood_cli_usage("library", "library %s needs %s", sub,
                              sub[1] == 'x' ? "an output FILE" : "a TRACK (id, path or title)");
    if (strcmp(sub, "set") == 0 && n_operands > 1)
        return mood_cli_usage("library",
                              "library set takes one TRACK, got '%s' too (fields to clear go "
                              "as --clear=bpm,key)",
                              extra);
    if (a->fixing && strcmp(sub, "set") != 0)
        return mood_cli_usage("library", "--bpm, --key, --meter and --clear go with library set");
    if (a->doubt_given && strcmp(sub, "doubtful") != 0)
        return mood_cli_usage("library",
                              "--threshold, --margin and --limit go with library doubtful");
    if (strcmp(sub, "set") == 0 && a->fix.tempo_bpm == 0.0 && !a->fix.key && !a->fix.meter &&
        !a->fix.clear)
        return mood_cli_usage("library", "library set needs --bpm, --key, --meter or --clear");
    return -1;
}

int mood_cmd_library(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "sync") == 0) /* media servers: library_sync.c */
        return mood_cli_library_sync(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "jobs") == 0) /* the shared queue: cli_library_jobs.c */
        return mood_cli_library_jobs(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "runs") == 0) /* analysis run metadata: cli_library_jobs.c */
        return mood_cli_library_runs(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "migrate") == 0) /* catalog copies: cli_library_migrate.c */
        return mood_cli_library_migrate(argc - 1, argv + 1);
    int tags_rc = mood_cli_library_tags_dispatch(argc, argv);
    if (tags_rc >= 0) /* write-tags, read-tags, export --format rekordbox|mixxx */
        return tags_rc;
    mood_cli_common com;
    library_args a;
    memset(&a, 0, sizeof a);
    mood_library_fix_init(&a.fix);
    mood_library_doubtful_options_default(&a.doubt);
    a.doubt.limit = 50;
    mood_cli_common_init(&com);
    int rc = parse_args(argc, argv, &com, &a);
    if (rc >= 0)
        return rc;
    const char *sub = optind < argc ? argv[optind] : "list";
    const char *arg = optind + 1 < argc ? argv[optind + 1] : NULL;
    rc = check_operands(sub, argc - optind - 1, optind + 2 < argc ? argv[optind + 2] : NULL, &a);
    if (rc >= 0)
        return rc;
    mood_catalog *cat;
    if (mood_catalog_open(com.catalog, &cat) != MOOD_OK)
        return mood_cli_fail("library: catalog");
    if (strcmp(sub, "list") == 0)
        rc = list(cat, &com);
    else if (strcmp(sub, "show") == 0)
        rc = show(cat, arg, &com);
    else if (strcmp(sub, "stats") == 0)
        rc = stats(cat);
    else if (strcmp(sub, "export") == 0)
        rc = export(cat, arg, a.all);
    else if (strcmp(sub, "set") == 0)
        rc = set(cat, arg, &a.fix);
    else
        rc = doubtful(cat, &a.doubt, arg, &com);
    mood_catalog_close(cat);
    return rc;
}
