/* `moodscope version`: print the version and the libraries compiled in. */
#include "cli.h"

const char mood_cmd_version_summary[] = "print the version";

int mood_cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("moodscope %s\n", mood_version());
    return MOOD_EXIT_OK;
}
