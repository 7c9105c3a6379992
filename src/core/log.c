/*
 * Optional logging callback, off by default: the library itself never prints
 * (aubio's aubio_log_set_function).
 */
#include "internal.h"

#include <stdio.h>

static mood_log_fn log_fn;
static void *log_user;
static mood_log_level log_max = MOOD_LOG_WARN;

void mood_set_log_callback(mood_log_fn fn, void *user, mood_log_level max_level)
{
    log_fn = fn;
    log_user = user;
    log_max = max_level;
}

void mood__log(mood_log_level level, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    if (!log_fn || level > log_max)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    log_fn(log_user, level, buf);
}
