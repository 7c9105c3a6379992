/*
 * Process-wide cancellation flag and the progress check point used by long loops. The flag is
 * a lock-free C11 atomic: a SIGINT handler may set it (C11 7.14.1.1) and the analysis worker
 * threads read it (a volatile sig_atomic_t is only safe within one thread; TSan reported the
 * handler's write against the workers' reads).
 */
#include "internal.h"

#include <stdatomic.h>

_Static_assert(ATOMIC_INT_LOCK_FREE == 2,
               "the cancel flag must be lock-free to be set from a signal handler");
static atomic_int cancel_flag;

void mood_cancel_request(void)
{
    atomic_store(&cancel_flag, 1);
}

int mood_cancel_requested(void)
{
    return atomic_load(&cancel_flag) != 0;
}

void mood_cancel_reset(void)
{
    atomic_store(&cancel_flag, 0);
}

mood_status mood__progress(mood_progress_fn fn, void *user, const char *stage, double done,
                           double total)
{
    if (atomic_load(&cancel_flag))
        return mood__error(MOOD_ECANCELED, "%s: interrupted", stage);
    if (fn && fn(user, stage, done, total) != 0)
        return mood__error(MOOD_ECANCELED, "%s: canceled", stage);
    return MOOD_OK;
}
