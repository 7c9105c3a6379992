/*
 * Process-wide cancellation flag and the progress check point used by long loops. The flag is
 * a volatile sig_atomic_t so that a SIGINT handler may set it.
 */
#include "internal.h"

#include <signal.h>

static volatile sig_atomic_t cancel_flag;

void mood_cancel_request(void)
{
    cancel_flag = 1;
}

int mood_cancel_requested(void)
{
    return cancel_flag != 0;
}

void mood_cancel_reset(void)
{
    cancel_flag = 0;
}

mood_status mood__progress(mood_progress_fn fn, void *user, const char *stage, double done,
                           double total)
{
    if (cancel_flag)
        return mood__error(MOOD_ECANCELED, "%s: interrupted", stage);
    if (fn && fn(user, stage, done, total) != 0)
        return mood__error(MOOD_ECANCELED, "%s: canceled", stage);
    return MOOD_OK;
}
