/*
 * Status names and the thread-local "last error" message (after vlfeat's vl_set_last_error,
 * with C11 _Thread_local instead of a pthread key).
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#define MOOD_ERRMSG_SIZE 1024

static _Thread_local char errmsg[MOOD_ERRMSG_SIZE];

const char *mood_status_name(mood_status s)
{
    switch (s) {
#define MOOD_STATUS_NAME(name, value, text)                                                        \
    case MOOD_##name:                                                                              \
        return #name;
        MOOD_STATUS_MAP(MOOD_STATUS_NAME)
#undef MOOD_STATUS_NAME
    }
    return "UNKNOWN";
}

const char *mood_strerror(mood_status s)
{
    switch (s) {
#define MOOD_STATUS_TEXT(name, value, text)                                                        \
    case MOOD_##name:                                                                              \
        return text;
        MOOD_STATUS_MAP(MOOD_STATUS_TEXT)
#undef MOOD_STATUS_TEXT
    }
    return "unknown status";
}

const char *mood_last_error(void)
{
    return errmsg;
}

void mood_clear_error(void)
{
    errmsg[0] = '\0';
}

mood_status mood__verror(mood_status s, const char *fmt, va_list ap)
{
    vsnprintf(errmsg, sizeof errmsg, fmt, ap);
    return s;
}

mood_status(mood__error)(mood_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mood__verror(s, fmt, ap);
    va_end(ap);
    return s;
}

mood_status mood__error_context(mood_status s, const char *fmt, ...)
{
    char prefix[200];
    char old[MOOD_ERRMSG_SIZE - 260];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    snprintf(old, sizeof old, "%.700s", errmsg);
    if (old[0] == '\0')
        snprintf(errmsg, sizeof errmsg, "%s: %s", prefix, mood_strerror(s));
    else
        snprintf(errmsg, sizeof errmsg, "%s: %s", prefix, old);
    return s;
}

const char *mood_version(void)
{
    return MOOD_VERSION_STRING;
}
