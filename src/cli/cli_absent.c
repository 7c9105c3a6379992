/*
 * The one message for a command or option whose optional component this build leaves out
 * (CMakeLists.txt, cmake/components.cmake): which option builds it and which Debian packages
 * it needs. It is a runtime condition of this binary, not a usage error, so the exit code is 1.
 */
#include "cli.h"

int mood_cli_not_built(const char *what, const char *hint)
{
    fprintf(stderr, "moodscope: error: %s is not built in this moodscope; reconfigure with %s\n",
            what, hint);
    return MOOD_EXIT_ERROR;
}
