/*
 * Background jobs: a table of jobs (id, kind, state, progress, message, result) run by a small
 * pool of worker threads. Each job's state is written as one JSON file per job in the jobs
 * folder (atomically), so a reloaded page, or a restarted server, sees it. Cancellation goes
 * through the progress callback: once a job is asked to stop, its next progress report returns
 * non-zero and the library call returns MOOD_ECANCELED.
 *
 * Jobs found queued or running when the server starts were interrupted by a previous server
 * stopping; they are marked failed rather than silently re-run.
 */
#include "../core/clock.h"
#include "../core/internal.h"
#include "../io/json_util.h"
#include "server_internal.h"

#include <moodscope/fileio.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef enum job_state {
    JOB_QUEUED = 0,
    JOB_RUNNING,
    JOB_DONE,
    JOB_FAILED,
    JOB_CANCELED
} job_state;

static const char *const state_names[] = {"queued", "running", "done", "failed", "canceled"};

struct srv_job {
    srv_jobs *owner;
    char id[48];
    char kind[32];
    json_t *params;
    json_t *result;
    job_state state;
    double progress;
    char stage[64];
    char message[512];
    char created[24], started[24], finished[24];
    int cancel;
    srv_job_fn fn;
    void *arg;
    void (*free_arg)(void *);
    double last_save;
    srv_job *next; /* queue link */
    pthread_mutex_t save_lock;
};

struct srv_jobs {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    srv_job **all;
    size_t n, cap;
    srv_job *qhead, *qtail;
    pthread_t *threads;
    unsigned n_threads;
    int stopping;
    char *dir;
    unsigned counter;
};

/* The job as JSON; the caller holds the table lock. */
static json_t *job_json_locked(const srv_job *j)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "id", json_string(j->id));
    json_object_set_new(o, "kind", json_string(j->kind));
    json_object_set_new(o, "state", json_string(state_names[j->state]));
    json_object_set_new(o, "progress", json_real(j->progress));
    json_object_set_new(o, "stage", json_string(j->stage));
    json_object_set_new(o, "message", json_string(j->message));
    json_object_set_new(o, "created", json_string(j->created));
    json_object_set_new(o, "started", j->started[0] ? json_string(j->started) : json_null());
    json_object_set_new(o, "finished", j->finished[0] ? json_string(j->finished) : json_null());
    json_object_set_new(o, "params", j->params ? json_incref(j->params) : json_object());
    json_object_set_new(o, "result", j->result ? json_incref(j->result) : json_null());
    return o;
}

/* Write the job's file. Serialised per job so that an older snapshot never lands last. */
static void job_save(srv_job *j)
{
    srv_jobs *js = j->owner;
    pthread_mutex_lock(&j->save_lock);
    pthread_mutex_lock(&js->lock);
    json_t *o = job_json_locked(j);
    j->last_save = mood__now();
    pthread_mutex_unlock(&js->lock);
    char *text = o ? json_dumps(o, JSON_INDENT(1)) : NULL;
    json_decref(o);
    if (text) {
        char name[80];
        snprintf(name, sizeof name, "%s.json", j->id);
        char *path = mood__srv_join(js->dir, name);
        /* A failed write only loses persistence of this update; the job itself goes on. */
        if (path)
            (void)mood_atomic_write(path, text, strlen(text));
        mood__free(path);
        free(text);
    }
    pthread_mutex_unlock(&j->save_lock);
}

static void job_free(srv_job *j)
{
    if (!j)
        return;
    if (j->free_arg && j->arg)
        j->free_arg(j->arg);
    json_decref(j->params);
    json_decref(j->result);
    pthread_mutex_destroy(&j->save_lock);
    mood__free(j);
}

static srv_job *job_new(srv_jobs *js)
{
    srv_job *j = mood__calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->owner = js;
    pthread_mutex_init(&j->save_lock, NULL);
    return j;
}

static int table_add_locked(srv_jobs *js, srv_job *j)
{
    srv_job **na = mood__grow(js->all, &js->cap, js->n + 1, sizeof(srv_job *), 32);
    if (!na)
        return 0;
    js->all = na;
    js->all[js->n++] = j;
    return 1;
}

static srv_job *find_locked(srv_jobs *js, const char *id)
{
    for (size_t i = 0; i < js->n; i++)
        if (strcmp(js->all[i]->id, id) == 0)
            return js->all[i];
    return NULL;
}

static void *worker(void *arg)
{
    srv_jobs *js = arg;
    pthread_mutex_lock(&js->lock);
    for (;;) {
        while (!js->stopping && !js->qhead)
            pthread_cond_wait(&js->cond, &js->lock);
        if (js->stopping)
            break;
        srv_job *j = js->qhead;
        js->qhead = j->next;
        if (!js->qhead)
            js->qtail = NULL;
        j->next = NULL;
        j->state = JOB_RUNNING;
        mood__utc_now(j->started, sizeof j->started, NULL, 0);
        snprintf(j->stage, sizeof j->stage, "starting");
        pthread_mutex_unlock(&js->lock);
        job_save(j);

        mood_clear_error();
        mood_status st = j->fn(j, j->arg);
        const char *err = mood_last_error();

        pthread_mutex_lock(&js->lock);
        if (st == MOOD_OK) {
            j->state = JOB_DONE;
            j->progress = 1.0;
            snprintf(j->stage, sizeof j->stage, "done");
        } else if (st == MOOD_ECANCELED || j->cancel) {
            j->state = JOB_CANCELED;
            snprintf(j->message, sizeof j->message, "canceled");
        } else {
            j->state = JOB_FAILED;
            snprintf(j->message, sizeof j->message, "%s: %s", mood_status_name(st),
                     err && *err ? err : mood_strerror(st));
        }
        mood__utc_now(j->finished, sizeof j->finished, NULL, 0);
        void *a = j->arg;
        void (*fa)(void *) = j->free_arg;
        j->arg = NULL;
        j->free_arg = NULL;
        pthread_mutex_unlock(&js->lock);
        if (fa && a)
            fa(a);
        job_save(j);
        pthread_mutex_lock(&js->lock);
    }
    pthread_mutex_unlock(&js->lock);
    return NULL;
}

/* Load the job files of a previous server; unfinished ones were interrupted. */
static void load_previous(srv_jobs *js)
{
    DIR *d = opendir(js->dir);
    struct dirent *e;
    if (!d)
        return;
    for (;;) {
        e = readdir(d);
        if (e == NULL)
            break;
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0 || e->d_name[0] == '.')
            continue;
        char *path = mood__srv_join(js->dir, e->d_name);
        json_t *o = path ? json_load_file(path, 0, NULL) : NULL;
        mood__free(path);
        const char *id = json_string_value(json_object_get(o, "id"));
        const char *state = json_string_value(json_object_get(o, "state"));
        srv_job *j = (o && id && state && mood__srv_safe_name(id, 40)) ? job_new(js) : NULL;
        if (!j) {
            json_decref(o);
            continue;
        }
        snprintf(j->id, sizeof j->id, "%s", id);
        mood__json_copy_str(o, "kind", j->kind, sizeof j->kind);
        mood__json_copy_str(o, "stage", j->stage, sizeof j->stage);
        mood__json_copy_str(o, "message", j->message, sizeof j->message);
        mood__json_copy_str(o, "created", j->created, sizeof j->created);
        mood__json_copy_str(o, "started", j->started, sizeof j->started);
        mood__json_copy_str(o, "finished", j->finished, sizeof j->finished);
        j->progress = json_number_value(json_object_get(o, "progress"));
        j->params = json_incref(json_object_get(o, "params"));
        json_t *r = json_object_get(o, "result");
        j->result = json_is_object(r) ? json_incref(r) : NULL;
        int unfinished = 1;
        for (int k = JOB_DONE; k <= JOB_CANCELED; k++)
            if (strcmp(state, state_names[k]) == 0) {
                j->state = (job_state)k;
                unfinished = 0;
            }
        json_decref(o);
        if (unfinished) {
            j->state = JOB_FAILED;
            snprintf(j->message, sizeof j->message,
                     "interrupted: the server stopped before the job finished");
            mood__utc_now(j->finished, sizeof j->finished, NULL, 0);
        }
        pthread_mutex_lock(&js->lock);
        int ok = table_add_locked(js, j);
        pthread_mutex_unlock(&js->lock);
        if (!ok) {
            job_free(j);
            continue;
        }
        if (unfinished)
            job_save(j);
    }
    closedir(d);
}

mood_status mood__srv_jobs_create(const char *dir, unsigned threads, srv_jobs **out)
{
    *out = NULL;
    srv_jobs *js = mood__calloc(1, sizeof *js);
    if (!js)
        return mood__enomem("jobs");
    pthread_mutex_init(&js->lock, NULL);
    pthread_cond_init(&js->cond, NULL);
    js->dir = mood__strdup(dir);
    js->threads = mood__calloc(threads, sizeof *js->threads);
    js->counter = (unsigned)getpid() & 0xfffu;
    if (!js->dir || !js->threads) {
        mood__srv_jobs_destroy(js);
        return mood__enomem("jobs");
    }
    load_previous(js);
    for (unsigned i = 0; i < threads; i++) {
        if (pthread_create(&js->threads[i], NULL, worker, js) != 0) {
            mood__srv_jobs_destroy(js);
            return mood__error(MOOD_EINTERNAL, "jobs: cannot start worker thread");
        }
        js->n_threads++;
    }
    *out = js;
    return MOOD_OK;
}

void mood__srv_jobs_destroy(srv_jobs *js)
{
    if (!js)
        return;
    pthread_mutex_lock(&js->lock);
    js->stopping = 1;
    for (size_t i = 0; i < js->n; i++)
        js->all[i]->cancel = 1;
    pthread_cond_broadcast(&js->cond);
    pthread_mutex_unlock(&js->lock);
    for (unsigned i = 0; i < js->n_threads; i++)
        pthread_join(js->threads[i], NULL);
    /* Jobs still queued never ran: record that the server stopped. */
    for (srv_job *j = js->qhead; j; j = j->next) {
        j->state = JOB_CANCELED;
        snprintf(j->message, sizeof j->message, "canceled: the server stopped");
        job_save(j);
    }
    for (size_t i = 0; i < js->n; i++)
        job_free(js->all[i]);
    mood__free(js->all);
    mood__free(js->threads);
    mood__free(js->dir);
    pthread_cond_destroy(&js->cond);
    pthread_mutex_destroy(&js->lock);
    mood__free(js);
}

mood_status mood__srv_jobs_submit(srv_jobs *js, const char *kind, json_t *params, srv_job_fn fn,
                                  void *arg, void (*free_arg)(void *), char *out_id, size_t cap)
{
    srv_job *j = job_new(js);
    if (!j) {
        if (free_arg && arg)
            free_arg(arg);
        json_decref(params);
        return mood__enomem("jobs");
    }
    char compact[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(compact, sizeof compact, "%Y%m%dT%H%M%SZ", &tm);
    mood__utc_now(j->created, sizeof j->created, NULL, 0);
    snprintf(j->kind, sizeof j->kind, "%s", kind);
    j->params = params;
    j->fn = fn;
    j->arg = arg;
    j->free_arg = free_arg;
    snprintf(j->stage, sizeof j->stage, "queued");
    pthread_mutex_lock(&js->lock);
    snprintf(j->id, sizeof j->id, "%s-%04x", compact, (js->counter++) & 0xffffu);
    if (js->stopping || !table_add_locked(js, j)) {
        pthread_mutex_unlock(&js->lock);
        job_free(j);
        return mood__error(MOOD_ENOMEM, "jobs: cannot queue the job");
    }
    if (js->qtail)
        js->qtail->next = j;
    else
        js->qhead = j;
    js->qtail = j;
    snprintf(out_id, cap, "%s", j->id);
    pthread_mutex_unlock(&js->lock);
    job_save(j);
    pthread_mutex_lock(&js->lock);
    pthread_cond_signal(&js->cond);
    pthread_mutex_unlock(&js->lock);
    return MOOD_OK;
}

json_t *mood__srv_jobs_get(srv_jobs *js, const char *id)
{
    pthread_mutex_lock(&js->lock);
    srv_job *j = find_locked(js, id);
    json_t *o = j ? job_json_locked(j) : NULL;
    pthread_mutex_unlock(&js->lock);
    return o;
}

static int by_id_desc(const void *a, const void *b)
{
    const srv_job *x = *(const srv_job *const *)a, *y = *(const srv_job *const *)b;
    return strcmp(y->id, x->id);
}

json_t *mood__srv_jobs_list(srv_jobs *js)
{
    json_t *arr = json_array();
    if (!arr)
        return NULL;
    pthread_mutex_lock(&js->lock);
    srv_job **copy = js->n ? mood__malloc_array(js->n, sizeof(srv_job *)) : NULL;
    if (copy) {
        memcpy(copy, js->all, js->n * sizeof(srv_job *));
        qsort(copy, js->n, sizeof(srv_job *), by_id_desc);
        for (size_t i = 0; i < js->n && i < 200; i++)
            json_array_append_new(arr, job_json_locked(copy[i]));
        mood__free(copy);
    }
    pthread_mutex_unlock(&js->lock);
    return arr;
}

mood_status mood__srv_jobs_cancel(srv_jobs *js, const char *id, int *out_finished)
{
    *out_finished = 0;
    pthread_mutex_lock(&js->lock);
    srv_job *j = find_locked(js, id);
    if (!j) {
        pthread_mutex_unlock(&js->lock);
        return mood__error(MOOD_ENOTFOUND, "job '%s': no such job", id);
    }
    if (j->state != JOB_QUEUED && j->state != JOB_RUNNING) {
        pthread_mutex_unlock(&js->lock);
        *out_finished = 1;
        return MOOD_OK;
    }
    j->cancel = 1;
    int was_queued = j->state == JOB_QUEUED;
    if (was_queued) {
        /* Unlink it from the queue: it never starts. */
        srv_job **pp = &js->qhead, *prev = NULL;
        while (*pp && *pp != j) {
            prev = *pp;
            pp = &(*pp)->next;
        }
        if (*pp) {
            *pp = j->next;
            if (js->qtail == j)
                js->qtail = prev;
        }
        j->state = JOB_CANCELED;
        snprintf(j->message, sizeof j->message, "canceled before it started");
        mood__utc_now(j->finished, sizeof j->finished, NULL, 0);
    }
    void *a = was_queued ? j->arg : NULL;
    void (*fa)(void *) = was_queued ? j->free_arg : NULL;
    if (was_queued) {
        j->arg = NULL;
        j->free_arg = NULL;
    }
    pthread_mutex_unlock(&js->lock);
    if (fa && a)
        fa(a);
    if (was_queued)
        job_save(j);
    return MOOD_OK;
}

int mood__srv_job_progress(void *job, const char *stage, double done, double total)
{
    srv_job *j = job;
    srv_jobs *js = j->owner;
    pthread_mutex_lock(&js->lock);
    if (stage)
        snprintf(j->stage, sizeof j->stage, "%s", stage);
    if (total > 0) {
        double f = done / total;
        j->progress = f < 0 ? 0 : (f > 1 ? 1 : f);
    }
    int cancel = j->cancel;
    int save = mood__now() - j->last_save > 1.0;
    pthread_mutex_unlock(&js->lock);
    if (save)
        job_save(j);
    return cancel;
}

void mood__srv_job_set_result(srv_job *j, json_t *result)
{
    srv_jobs *js = j->owner;
    pthread_mutex_lock(&js->lock);
    json_decref(j->result);
    j->result = result;
    pthread_mutex_unlock(&js->lock);
}
