/*
 * `moodscope library` without the tags component (MOOD_WITH_TAGS=OFF): the sub-commands that
 * read or write tags, or export for DJ software, say which option builds them; every other
 * `library` sub-command goes on as usual (cli_library_tags.c is the real dispatcher).
 */
#include "cli_library_tags.h"
#include "components.h"

#include <string.h>

int mood_cli_library_tags_dispatch(int argc, char **argv)
{
    int exporting = 0;
    for (int a = 1; a < argc; a++) {
        const char *s = argv[a];
        if (strcmp(s, "write-tags") == 0 || strcmp(s, "read-tags") == 0)
            return mood_cli_not_built(s, MOOD_HINT_TAGS);
        exporting |= strcmp(s, "export") == 0;
        if (strcmp(s, "--format") == 0 && a + 1 < argc)
            s = argv[a + 1];
        else if (strncmp(s, "--format=", 9) == 0)
            s += 9;
        else
            continue;
        if (exporting && (strcmp(s, "rekordbox") == 0 || strcmp(s, "mixxx") == 0))
            return mood_cli_not_built("library export --format rekordbox|mixxx", MOOD_HINT_TAGS);
    }
    return -1;
}
