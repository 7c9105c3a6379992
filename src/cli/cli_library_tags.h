/*
 * `library write-tags`, `library read-tags` and `library export --format rekordbox|mixxx`,
 * kept apart from cmd_library.c (cli_library_tags.c, cli_library_dj.c).
 */
#ifndef MOOD_CLI_LIBRARY_TAGS_H
#define MOOD_CLI_LIBRARY_TAGS_H

#include "cli.h"

#include <moodscope/catalog.h>
#include <moodscope/tags.h>

/* Options of the tag and DJ sub-commands. */
typedef struct mood_cli_tags_options {
    mood_cli_common com;
    int apply;                  /* --apply: write (default: dry run) */
    int only_empty;             /* --only-empty: keep BPM and key that are set */
    mood_key_notation notation; /* --key-notation */
    const char *run;            /* --run RUN|latest: mood groups from a run */
} mood_cli_tags_options;

/*
 * Run the sub-command when @p argv (the `library` command line) names write-tags, read-tags,
 * or export with --format rekordbox|mixxx; returns its exit code, or -1 when it names none of
 * these (cmd_library.c goes on).
 */
int mood_cli_library_tags_dispatch(int argc, char **argv);

/* The library table of the catalog, filtered to the files under @p prefixes (all when none),
 * with the run's groups joined as group_name when o->run is set. */
int mood_cli_tags_load(mood_catalog *cat, const mood_cli_tags_options *o, char **prefixes,
                       int n_prefixes, mood_table **out);
/* `library export --format rekordbox|mixxx FILE`. */
int mood_cli_library_export_dj(const mood_cli_tags_options *o, const char *file);

/* The lines `moodscope library --help` adds for these sub-commands. */
#define MOOD_CLI_LIBRARY_TAGS_SUMMARY                                                              \
    "\nTags and DJ software (details: moodscope library write-tags --help):\n"                     \
    "  library write-tags [PATH...] [--apply] [--only-empty] [--key-notation N] [--run RUN]\n"     \
    "  library read-tags FILE...\n"                                                                \
    "  library export --format rekordbox FILE.xml | --format mixxx FILE.m3u\n"

/* Help of the sub-commands. */
#define MOOD_CLI_LIBRARY_TAGS_HELP                                                                 \
    "write-tags [PATH...] [--apply] [--only-empty] [--key-notation standard|camelot|openkey]\n"    \
    "        [--run RUN|latest]\n"                                                                 \
    "        write BPM, INITIALKEY, MOOD, MOODSCOPE_MOOD, MOODSCOPE_ENERGY and\n"                  \
    "        MOODSCOPE_VALENCE into the analysed files (MP3 ID3v2.4, FLAC/Ogg/Opus Vorbis\n"       \
    "        comments, M4A atoms) under PATH (default all). Without --apply it only prints\n"      \
    "        what would change (file: field: old → new). --only-empty keeps BPM and key\n"       \
    "        that are set; MOOD is changed only when empty or written by moodscope. The\n"         \
    "        mood is the group of run RUN (--run latest: the newest run under --runs-dir)\n"       \
    "        when given, else the analysis mood label. Writes are atomic, keep the\n"              \
    "        permissions and times, and are checked to leave the audio data unchanged.\n"          \
    "read-tags FILE...\n"                                                                          \
    "        the moodscope fields of FILE as TagLib reads them (FIELD=value)\n"                    \
    "export --format rekordbox FILE.xml [--key-notation N] [--run RUN|latest]\n"                   \
    "        Rekordbox collection XML: tracks with BPM, key, duration, location and the\n"         \
    "        beat grid (first downbeat, tempo, metre), one playlist per mood group\n"              \
    "export --format mixxx FILE.m3u\n"                                                             \
    "        an M3U playlist for Mixxx, which reads BPM and key from the tags written by\n"        \
    "        write-tags --apply\n"

#endif
