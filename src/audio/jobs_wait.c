/*
 * How idle queue workers wait for work. On PostgreSQL a listener connection LISTENs on
 * MOOD_JOBS_CHANNEL (`analyze --enqueue` and a released job NOTIFY it), and the wait is a
 * poll(2) on its socket with the poll interval as the timeout, so an idle worker starts within
 * milliseconds of an enqueue and otherwise looks at the queue once per interval (to pick up
 * jobs whose lease expired, which nobody announces). On SQLite the wait is a plain sleep.
 *
 * Several threads of one worker share the listener: the first idle thread waits on the
 * socket, the others on a condition variable; each notification bumps a generation counter
 * and wakes them all. A thread reads the generation before it looks at the queue, so a
 * notification that arrives between its look and its wait is not missed.
 */
#define _POSIX_C_SOURCE 200809L
#include "library_internal.h"

#include "../core/clock.h"
#include "../core/internal.h"
#include "../store/catalog_internal.h"

#include <pthread.h>
#include <time.h>

/* The longest single wait: a cancel request (Ctrl-C, SIGTERM) is seen within this. */
#define WAIT_SLICE_S 0.25

struct lib_waiter {
    mood_db_listener *l; /* NULL: poll by sleeping */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int polling; /* a thread is waiting on the listener's socket */
    uint64_t gen;
};

mood_status mood__waiter_create(mood_catalog *cat, lib_waiter **out, int *out_listening)
{
    lib_waiter *w = mood__calloc(1, sizeof *w);
    *out = NULL;
    *out_listening = 0;
    if (!w)
        return mood__enomem("analyze --worker: waiter");
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    /* Without a listener (SQLite, or LISTEN refused) the worker polls: not an error. */
    if (mood__catalog_is_pg(cat) &&
        mood__db_listen(mood__catalog_dbh(cat), MOOD_JOBS_CHANNEL, &w->l) == MOOD_OK)
        *out_listening = 1;
    *out = w;
    return MOOD_OK;
}

void mood__waiter_destroy(lib_waiter *w)
{
    if (!w)
        return;
    mood__db_listener_close(w->l);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    mood__free(w);
}

uint64_t mood__waiter_gen(lib_waiter *w)
{
    pthread_mutex_lock(&w->mu);
    uint64_t g = w->gen;
    pthread_mutex_unlock(&w->mu);
    return g;
}

static void sleep_s(double sec)
{
    struct timespec ts = {(time_t)sec, (long)((sec - (double)(time_t)sec) * 1e9)};
    nanosleep(&ts, NULL);
}

/* Wait on the condition variable for at most @p sec (w->mu held). */
static void cond_wait_s(lib_waiter *w, double sec)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    long ns = until.tv_nsec + (long)(sec * 1e9);
    until.tv_sec += ns / 1000000000L;
    until.tv_nsec = ns % 1000000000L;
    pthread_cond_timedwait(&w->cv, &w->mu, &until);
}

int mood__waiter_wait(lib_waiter *w, uint64_t seen, double timeout_s)
{
    double end = mood__now() + timeout_s;
    int woken = 0;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        if (w->gen != seen) {
            woken = 1;
            break;
        }
        double left = end - mood__now();
        if (left <= 0 || mood_cancel_requested())
            break;
        double slice = left < WAIT_SLICE_S ? left : WAIT_SLICE_S;
        if (!w->l) {
            pthread_mutex_unlock(&w->mu);
            sleep_s(slice);
            pthread_mutex_lock(&w->mu);
        } else if (!w->polling) {
            w->polling = 1;
            pthread_mutex_unlock(&w->mu);
            int r = mood__db_listener_wait(w->l, slice);
            if (r < 0)
                sleep_s(slice); /* server away: the listener reconnects on the next call */
            pthread_mutex_lock(&w->mu);
            w->polling = 0;
            if (r > 0)
                w->gen++;
            pthread_cond_broadcast(&w->cv);
        } else {
            cond_wait_s(w, slice);
        }
    }
    pthread_mutex_unlock(&w->mu);
    return woken;
}
