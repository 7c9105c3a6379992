/* `moodscope library migrate FROM TO`: copy a catalog between SQLite and PostgreSQL. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "cli_queue.h"

#include <moodscope/history.h>
#include <moodscope/library.h>
#include <moodscope/subsonic.h>

#include <stdio.h>
#include <string.h>

static void print_line(void *user, const char *line)
{
    (void)user;
    printf("%s\n", line);
}

int mood_cli_library_migrate(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("Usage: moodscope library migrate FROM TO\n\n"
               "Copies the audio library (tracks, analyses, feature vectors, overrides), the\n"
               "job queue, the listening history (plays, sessions, models, drift reports), the\n"
               "Subsonic mirrors and the stable playlists from catalog FROM to the new catalog\n"
               "TO; each is a SQLite file or postgresql://user@host/db. Row counts and a\n"
               "checksum per table are compared before the copy is committed; a SQLite TO is\n"
               "written to a temporary file and renamed, a PostgreSQL TO (which must be empty)\n"
               "is filled in one transaction.\n");
        return MOOD_EXIT_OK;
    }
    if (argc != 3)
        return mood_cli_usage("library", "library migrate expects FROM TO");
    const mood_catalog_part *parts[] = {mood_library_catalog_part(), mood_history_catalog_part(),
                                        mood_subsonic_catalog_part(), mood_stable_catalog_part()};
    if (mood_catalog_copy(argv[1], argv[2], parts, sizeof parts / sizeof(parts[0]), print_line,
                          NULL) != MOOD_OK)
        return mood_cli_fail("library migrate");
    printf("migrated %s -> %s\n", argv[1], argv[2]);
    return MOOD_EXIT_OK;
}
