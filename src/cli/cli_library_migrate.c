/* `moodscope library migrate FROM TO`: copy a catalog between SQLite and PostgreSQL. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "cli_queue.h"

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
               "Copies the audio library (tracks, analyses, feature vectors, overrides) and the\n"
               "job queue from catalog FROM to the new catalog TO; each is a SQLite file or\n"
               "postgresql://user@host/db. Row counts and a checksum per table are compared\n"
               "before the copy is committed; a SQLite TO is written to a temporary file and\n"
               "renamed, a PostgreSQL TO (which must be empty) is filled in one transaction.\n");
        return MOOD_EXIT_OK;
    }
    if (argc != 3)
        return mood_cli_usage("library", "library migrate expects FROM TO");
    if (mood_library_migrate_catalog(argv[1], argv[2], print_line, NULL) != MOOD_OK)
        return mood_cli_fail("library migrate");
    printf("migrated %s -> %s\n", argv[1], argv[2]);
    return MOOD_EXIT_OK;
}
