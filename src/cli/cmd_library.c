/* `moodscope library list | show TRACK | stats | export FILE.csv`: the analysed library. */
#include "cli.h"

#include <moodscope/catalog.h>
#include <moodscope/csv.h>
#include <moodscope/library.h>
#include <moodscope/table.h>

#include <math.h>
#include <string.h>

const char mood_cmd_library_summary[] = "list, show, count or export the analysed music library";

static void help(FILE *fp)
{
    fprintf(fp,
            "Usage: moodscope library list [--format csv|tsv]\n"
            "       moodscope library show TRACK\n"
            "       moodscope library stats\n"
            "       moodscope library export FILE.csv [--all]\n\n"
            "list    every track of the catalog with its status (ok, failed, outdated)\n"
            "show    the JSON report of a track: catalog id, path, or a unique part of\n"
            "        its path or title\n"
            "stats   counts, hours of audio, mean tempo and loudness, mood labels\n"
            "export  the feature table (one row per analysed track: tags, features,\n"
            "        standardised similarity vector sim_00..) for `moodscope cluster "
            "-i`:\n"
            "        tags, the interpretable mood features (energy, valence, arousal,\n"
            "        danceability, acousticness, instrumentalness, tempo, loudness, loudness\n"
            "        range, onset rate, percussive share, brightness) and sim_*; --all\n"
            "        writes every analysed feature (about 140 columns)\n\n" MOOD_CLI_COMMON_HELP);
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

int mood_cmd_library(int argc, char **argv)
{
    static const struct option opts[] = {{"all", no_argument, NULL, MOOD_OPT_FIRST_FREE},
                                         MOOD_CLI_COMMON_LONGOPTS,
                                         {NULL, 0, NULL, 0}};
    mood_cli_common com;
    int opt, rc = MOOD_EXIT_OK, all = 0;
    mood_cli_common_init(&com);
    while ((opt = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
        if (mood_cli_common_option(&com, opt, optarg))
            continue;
        if (opt == MOOD_OPT_FIRST_FREE) {
            all = 1;
            continue;
        }
        if (opt == 'h') {
            help(stdout);
            return MOOD_EXIT_OK;
        }
        return mood_cli_usage("library", "unknown option");
    }
    const char *sub = optind < argc ? argv[optind] : "list";
    if (strcmp(sub, "list") != 0 && strcmp(sub, "show") != 0 && strcmp(sub, "stats") != 0 &&
        strcmp(sub, "export") != 0)
        return mood_cli_usage("library", "unknown sub-command '%s' (list, show, stats, export)",
                              sub);
    if ((strcmp(sub, "show") == 0 || strcmp(sub, "export") == 0) && optind + 1 >= argc)
        return mood_cli_usage("library", "library %s needs %s", sub,
                              sub[0] == 's' ? "a TRACK (id, path or title)" : "an output FILE");
    mood_catalog *cat;
    if (mood_catalog_open(com.catalog, &cat) != MOOD_OK)
        return mood_cli_fail("library: catalog");
    if (strcmp(sub, "list") == 0) {
        rc = list(cat, &com);
    } else if (strcmp(sub, "show") == 0) {
        char *json;
        if (mood_library_show(cat, argv[optind + 1], &json) != MOOD_OK) {
            rc = mood_cli_fail("library show");
        } else {
            printf("%s\n", json);
            mood_free(json);
        }
    } else if (strcmp(sub, "stats") == 0) {
        mood_library_stats st;
        if (mood_library_stats_get(cat, &st) != MOOD_OK) {
            rc = mood_cli_fail("library stats");
        } else {
            printf("tracks: %zu (%zu analysed, %zu outdated, %zu failed)\n", st.tracks, st.ok,
                   st.outdated, st.failed);
            printf("audio: %.2f h\n", st.audio_hours);
            printf("mean tempo: %.1f BPM\nmean loudness: %.1f LUFS\n", st.mean_tempo_bpm,
                   st.mean_loudness_lufs);
            printf("moods: energetic & positive %zu, energetic & dark %zu, calm & positive %zu, "
                   "calm & dark %zu\n",
                   st.mood_counts[0], st.mood_counts[1], st.mood_counts[2], st.mood_counts[3]);
        }
    } else {
        mood_table *t;
        const char *file = argv[optind + 1];
        if (mood_library_export_table(cat, &t) != MOOD_OK) {
            rc = mood_cli_fail("library export");
        } else {
            for (size_t j = mood_table_cols(t); !all && j-- > 0;)
                if (!keep_column(t, j))
                    mood_table_drop(t, j);
            if (mood_csv_write(file, t, NULL) != MOOD_OK)
                rc = mood_cli_fail("library export: %s", file);
            else
                mood_cli_info("wrote %zu tracks × %zu columns to %s", mood_table_rows(t),
                              mood_table_cols(t), file);
            mood_table_destroy(t);
        }
    }
    mood_catalog_close(cat);
    return rc;
}
