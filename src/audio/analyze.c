/*
 * The parallel analysis driver: find audio files, skip those already analysed (same size,
 * mtime and analysis version), analyse the rest on a pool of pthreads (one analyser, hence one
 * set of FFT plans, per worker), and record each track as it finishes.
 *
 * Crash safety: a track's report file is written to a temporary name and renamed into place,
 * then its catalog rows are written in one transaction. A Ctrl-C (mood_cancel_request) makes
 * workers abandon the track they are decoding; kill -9 loses at most the tracks in flight. A
 * rerun sees the committed tracks as done and continues with the rest.
 */
#define _POSIX_C_SOURCE 200809L
#include "library_internal.h"

#include "../core/clock.h"
#include "../core/hash.h"
#include "../core/internal.h"
#include "../store/catalog_internal.h"

#include <moodscope/fileio.h>

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const default_exts[] = {"mp3", "flac", "ogg",  "oga", "opus", "m4a",
                                           "mp4", "aac",  "alac", "wav", "aif",  "aiff",
                                           "wma", "wv",   "ape",  "mka", "webm", NULL};

void mood_analyze_options_default(mood_analyze_options *o)
{
    memset(o, 0, sizeof *o);
    mood_audio_options_default(&o->audio);
}

void mood_analyze_summary_free(mood_analyze_summary *s)
{
    for (size_t i = 0; i < s->n_failures; i++) {
        mood__free(s->failures[i].path);
        mood__free(s->failures[i].reason);
    }
    mood__free(s->failures);
    s->failures = NULL;
    s->n_failures = 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Finding files                                                                             */
/* ---------------------------------------------------------------------------------------- */

typedef struct file_list {
    char **v;
    size_t n, cap;
} file_list;

static mood_status list_add(file_list *l, const char *path)
{
    char **v = mood__grow(l->v, &l->cap, l->n + 1, sizeof *v, 256);
    if (!v)
        return mood__enomem("analyze: file list");
    l->v = v;
    l->v[l->n] = mood__strdup(path);
    if (!l->v[l->n])
        return mood__enomem("analyze: file list");
    l->n++;
    return MOOD_OK;
}

static void list_free(file_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        mood__free(l->v[i]);
    mood__free(l->v);
}

static int wanted(const char *path, const char *pattern)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (pattern)
        return fnmatch(pattern, strchr(pattern, '/') ? path : base, 0) == 0;
    const char *dot = strrchr(base, '.');
    if (!dot)
        return 0;
    for (int i = 0; default_exts[i]; i++)
        if (strcasecmp(dot + 1, default_exts[i]) == 0)
            return 1;
    return 0;
}

/* Recursive walk; hidden entries (".name") are skipped, symlinked folders are not followed. */
static mood_status walk(const char *dir, const char *pattern, file_list *out, int depth)
{
    DIR *d;
    struct dirent *e;
    mood_status s = MOOD_OK;
    if (depth > 64)
        return MOOD_OK;
    d = opendir(dir);
    if (!d)
        return MOOD_OK; /* unreadable folder: nothing to find there */
    for (;;) {
        if (s != MOOD_OK)
            break;
        e = readdir(d);
        if (!e)
            break;
        if (e->d_name[0] == '.')
            continue;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *p = mood__malloc(len);
        if (!p) {
            s = mood__enomem("analyze: walk");
            break;
        }
        snprintf(p, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0) {
            if (S_ISDIR(st.st_mode))
                s = walk(p, pattern, out, depth + 1);
            else if ((S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) && wanted(p, pattern))
                s = list_add(out, p);
        }
        mood__free(p);
    }
    closedir(d);
    return s;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static mood_status find_files(const char *const *paths, size_t n, const char *pattern,
                              file_list *out)
{
    mood_status s = MOOD_OK;
    for (size_t i = 0; i < n && s == MOOD_OK; i++) {
        char abs[PATH_MAX];
        struct stat st;
        if (!realpath(paths[i], abs) || stat(abs, &st) != 0)
            return mood__error(MOOD_ENOTFOUND, "analyze: %s: %s", paths[i], strerror(errno));
        if (S_ISDIR(st.st_mode))
            s = walk(abs, pattern, out, 0);
        else
            s = list_add(out, abs); /* a named file is analysed whatever its name */
    }
    if (s != MOOD_OK)
        return s;
    if (out->n > 1)
        qsort(out->v, out->n, sizeof(char *), cmp_str);
    size_t k = 0; /* drop duplicates (a file named and also inside a named folder) */
    for (size_t i = 0; i < out->n; i++) {
        if (k > 0 && strcmp(out->v[k - 1], out->v[i]) == 0) {
            mood__free(out->v[i]);
            continue;
        }
        out->v[k++] = out->v[i];
    }
    out->n = k;
    return MOOD_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* The worker pool                                                                           */
/* ---------------------------------------------------------------------------------------- */

typedef struct job {
    char *path;        /* as recorded in the catalog */
    const char *local; /* where this machine reads it (--path-map); NULL = path */
    int64_t size, mtime_ns;
    int64_t job_id; /* queue job, 0 outside worker mode */
} job;

typedef struct pool {
    mood_catalog *cat;
    const mood_analyze_options *o;
    job *jobs;
    size_t n_jobs, next;
    pthread_mutex_t lock; /* guards next, the counters, the failures and the catalog */
    pthread_cond_t cond;
    int running, stop;
    mood_status fatal; /* a catalog write failure stops the run */
    char fatal_msg[512];
    mood_analyze_summary *sum;
    size_t done;
    const mood_worker_options *w; /* worker mode (jobs from the catalog's queue), or NULL */
    const mood_worker_options *lim;
    char worker_id[160];
    lib_waiter *waiter;  /* worker mode: where idle threads wait for new jobs */
    double last_claim_s; /* monotonic time of the last job claimed (or the start) */
} pool;

/* Where the report of @p audio goes; NULL in @p buf means "next to the audio". */
static void report_path(const mood_analyze_options *o, const char *audio, char *buf, size_t cap)
{
    if (o->reports_dir) {
        const char *base = strrchr(audio, '/');
        base = base ? base + 1 : audio;
        snprintf(
            buf, cap, "%s/%s.%08x.json", o->reports_dir, base,
            (unsigned)(mood__fnv1a(audio, strlen(audio), MOOD_FNV_OFFSET_REPORTS) & 0xffffffffu));
    } else {
        snprintf(buf, cap, "%s.moodscope.json", audio);
    }
}

/* Remove temporary files a killed run left beside @p rpath (mood_atomic_write names them
 * "<path>.tmp.XXXXXX"), so that a rerun leaves nothing half-written behind. */
static void remove_stale_temps(const char *rpath)
{
    char pat[PATH_MAX + 80];
    glob_t g;
    snprintf(pat, sizeof pat, "%s.tmp.??????", rpath);
    if (glob(pat, GLOB_NOSORT, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++)
            unlink(g.gl_pathv[i]);
        globfree(&g);
    }
}

static mood_status add_failure(mood_analyze_summary *sum, const char *path, const char *reason)
{
    mood_analyze_failure *f =
        mood__realloc(sum->failures, (sum->n_failures + 1) * sizeof(mood_analyze_failure));
    if (!f)
        return mood__enomem("analyze: failure list");
    sum->failures = f;
    f[sum->n_failures].path = mood__strdup(path);
    f[sum->n_failures].reason = mood__strdup(reason);
    if (!f[sum->n_failures].path || !f[sum->n_failures].reason) {
        mood__free(f[sum->n_failures].path);
        mood__free(f[sum->n_failures].reason);
        return mood__enomem("analyze: failure list");
    }
    sum->n_failures++;
    return MOOD_OK;
}

/* Analyse one file and record it; returns non-OK only for errors that must stop the run. */
static mood_status run_job(pool *p, mood_audio_analyzer *az, const job *j)
{
    mood_audio_result *r = NULL;
    char *json = NULL, rpath[PATH_MAX + 64];
    int report_written = 0;
    char limited[256];
    mood_status s = MOOD_OK;
    lib_sample_plan plan = {0, 0};
    size_t n_windows = 0;
    const char *local = j->local ? j->local : j->path;
    int how = mood__limits_check(p->lim, p->o->audio.analysis_rate_hz, local, limited,
                                 sizeof limited, &plan);
    /* Sampled windows are seeded by the catalog path: the same on every worker and every run. */
    if (how == LIB_LIMITS_REFUSE)
        s = mood__error(MOOD_EUNSUPPORTED, "%s", limited);
    else if (how == LIB_LIMITS_SAMPLE)
        s = mood_audio_analyze_file_sampled(
            az, local, plan.n, plan.window_s,
            mood__fnv1a(j->path, strlen(j->path), MOOD_FNV_OFFSET_REPORTS), &r);
    else
        s = mood_audio_analyze_file(az, local, &r);
    if (s == MOOD_OK)
        mood_audio_result_windows(r, &n_windows);
    if (s == MOOD_ECANCELED)
        return s;
    if (s == MOOD_OK)
        s = mood_audio_result_report(r, j->path, &json);
    if (s == MOOD_ENOMEM) {
        mood_audio_result_destroy(r);
        return s;
    }
    if (s == MOOD_OK) {
        report_path(p->o, j->path, rpath, sizeof rpath);
        remove_stale_temps(rpath);
        /* An unwritable music folder is not an error: the catalog keeps the report. */
        report_written = mood_atomic_write(rpath, json, strlen(json)) == MOOD_OK;
        if (!report_written && p->o->reports_dir) {
            s = mood__error(MOOD_EIO, "analyze: cannot write report %s", rpath);
            mood__free(json);
            mood_audio_result_destroy(r);
            return s;
        }
    }
    /* Take the message now: mood_last_error() is per thread and the next call may reset it. */
    char reason[512];
    const char *msg = s == MOOD_OK ? "" : mood_last_error();
    size_t plen = strlen(j->path);
    /* The row already names the file: drop a leading "path: " from the message. */
    if (strncmp(msg, j->path, plen) == 0 && msg[plen] == ':' && msg[plen + 1] == ' ')
        msg += plen + 2;
    snprintf(reason, sizeof reason, "%s", msg);
    pthread_mutex_lock(&p->lock);
    mood_status ws;
    lib_fence fence = {j->job_id, p->worker_id};
    const lib_fence *fp = j->job_id ? &fence : NULL;
    if (s == MOOD_EUNSUPPORTED)
        p->sum->limited++;
    if (s == MOOD_OK) {
        ws = mood__library_store_ok_fenced(p->cat, j->path, j->size, j->mtime_ns, r, json,
                                           report_written ? rpath : NULL, fp);
        if (ws == MOOD_OK) {
            p->sum->analyzed++;
            p->sum->sampled += n_windows > 0;
            p->sum->audio_s += mood_audio_result_info(r)->duration_s;
            if (report_written)
                p->sum->reports_written++;
            else
                p->sum->reports_catalog_only++;
        }
    } else {
        ws = mood__library_store_failed_fenced(p->cat, j->path, j->size, j->mtime_ns, reason, fp);
        if (ws == MOOD_OK) {
            p->sum->failed++;
            ws = add_failure(p->sum, j->path, reason);
        }
    }
    if (ws == MOOD_ENOTFOUND && fp) {
        p->sum->lease_lost++; /* another worker has the job now: its record counts */
        ws = MOOD_OK;
    }
    if (ws != MOOD_OK && p->fatal == MOOD_OK) {
        p->fatal = ws;
        snprintf(p->fatal_msg, sizeof p->fatal_msg, "%s", mood_last_error());
        p->stop = 1;
    }
    p->done++;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    mood__free(json);
    mood_audio_result_destroy(r);
    return MOOD_OK;
}

/* Fill @p j from @p c: the local path (--path-map), size and mtime; 0 when unchanged since its
 * last analysis (the job is then ended as done without analysing). */
static int queue_job_fill(pool *p, const lib_claim *c, job *j, char *local, size_t cap)
{
    const mood_worker_options *w = p->w;
    size_t n = w->path_from ? strlen(w->path_from) : 0;
    struct stat st;
    lib_known k;
    if (n && strncmp(c->path, w->path_from, n) == 0)
        snprintf(local, cap, "%s%s", w->path_to, c->path + n);
    else
        snprintf(local, cap, "%s", c->path);
    j->path = mood__strdup(c->path);
    j->local = local;
    j->job_id = c->job_id;
    j->size = j->mtime_ns = 0;
    if (stat(local, &st) == 0) {
        j->size = (int64_t)st.st_size;
        j->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    }
    if (p->o->overwrite || mood__library_lookup(p->cat, c->path, &k) != MOOD_OK)
        return 1;
    return !(k.found && k.size_bytes == j->size && k.mtime_ns == j->mtime_ns &&
             k.analysis_version == MOOD_AUDIO_ANALYSIS_VERSION);
}

/* 1 when an idle worker should leave: nothing queued or running (without follow), or no job
 * claimed for idle_exit_s (with it). */
static int idle_leave(pool *p, int64_t open)
{
    const mood_worker_options *w = p->w;
    if (!w->follow && w->idle_exit_s <= 0)
        return open == 0;
    if (w->idle_exit_s <= 0)
        return 0;
    pthread_mutex_lock(&p->lock);
    double idle = mood__now() - p->last_claim_s;
    pthread_mutex_unlock(&p->lock);
    return idle >= w->idle_exit_s;
}

/* How long an idle thread waits before looking again: the poll interval, cut to what is
 * left of --idle-exit. */
static double idle_wait_s(pool *p)
{
    double wait = p->w->poll_s;
    if (p->w->idle_exit_s > 0) {
        pthread_mutex_lock(&p->lock);
        double left = p->w->idle_exit_s - (mood__now() - p->last_claim_s);
        pthread_mutex_unlock(&p->lock);
        if (left < wait)
            wait = left > 0.01 ? left : 0.01;
    }
    return wait;
}

/* The next job from the catalog's queue into @p j (j->path NULL: no more work). Idle workers
 * wait for a NOTIFY (PostgreSQL) or poll (SQLite), at most poll_s between looks; see
 * idle_leave() for when they go. */
static mood_status next_queue_job(pool *p, job *j, char *local, size_t cap)
{
    memset(j, 0, sizeof *j);
    for (;;) {
        lib_claim c;
        int64_t open = 0;
        p->sum->load_pauses += (size_t)mood__limits_wait_load(p->lim);
        uint64_t gen = mood__waiter_gen(p->waiter);
        pthread_mutex_lock(&p->lock);
        if (p->stop || mood_cancel_requested()) {
            pthread_mutex_unlock(&p->lock);
            return MOOD_OK;
        }
        mood_status s =
            mood__jobs_claim(p->cat, p->worker_id, p->w->lease_s, p->w->max_attempts, &c);
        if (s == MOOD_OK && c.found)
            p->last_claim_s = mood__now();
        if (s == MOOD_OK && c.found && !queue_job_fill(p, &c, j, local, cap)) {
            lib_fence f = {c.job_id, p->worker_id};
            s = mood__jobs_finish(p->cat, &f, "done", NULL);
            p->sum->skipped++;
            mood__free(j->path);
            j->path = NULL;
            s = s == MOOD_ENOTFOUND ? MOOD_OK : s;
            pthread_mutex_unlock(&p->lock);
            if (s != MOOD_OK)
                return s;
            continue;
        }
        if (s == MOOD_OK && !c.found)
            s = mood__jobs_open_count(p->cat, &open);
        if (s == MOOD_OK && c.found)
            p->sum->files_total++;
        pthread_mutex_unlock(&p->lock);
        if (s != MOOD_OK || c.found)
            return s == MOOD_OK && !j->path ? mood__enomem("analyze: job") : s;
        if (idle_leave(p, open))
            return MOOD_OK;
        if (mood__waiter_wait(p->waiter, gen, idle_wait_s(p)))
            p->sum->wakeups++;
    }
}

/* An interrupted worker puts the job it was analysing back in the queue (with NOTIFY), so
 * that another worker takes it at once instead of after the lease. */
static void release_job(pool *p, const job *j)
{
    lib_fence f = {j->job_id, p->worker_id};
    pthread_mutex_lock(&p->lock);
    if (mood__jobs_release(p->cat, &f) == MOOD_OK)
        p->sum->released++;
    pthread_mutex_unlock(&p->lock);
}

static void *worker(void *arg)
{
    pool *p = arg;
    mood_audio_analyzer *az = NULL;
    mood_status s = mood_audio_analyzer_create(&p->o->audio, &az);
    pthread_mutex_lock(&p->lock);
    if (s != MOOD_OK && p->fatal == MOOD_OK) {
        p->fatal = s;
        snprintf(p->fatal_msg, sizeof p->fatal_msg, "%s", mood_last_error());
        p->stop = 1;
    }
    pthread_mutex_unlock(&p->lock);
    job qj = {0};
    char local[PATH_MAX + 1];
    while (az) {
        const job *j = NULL;
        if (p->w) {
            s = next_queue_job(p, &qj, local, sizeof local);
            j = s == MOOD_OK && qj.path ? &qj : NULL;
        } else {
            pthread_mutex_lock(&p->lock);
            if (!p->stop && !mood_cancel_requested() && p->next < p->n_jobs)
                j = &p->jobs[p->next++];
            pthread_mutex_unlock(&p->lock);
        }
        if (!j) {
            pthread_mutex_lock(&p->lock);
            if (s != MOOD_OK && p->fatal == MOOD_OK) {
                p->fatal = s;
                snprintf(p->fatal_msg, sizeof p->fatal_msg, "%s", mood_last_error());
                p->stop = 1;
            }
            pthread_mutex_unlock(&p->lock);
            break;
        }
        s = run_job(p, az, j);
        if (p->w && s == MOOD_ECANCELED)
            release_job(p, j);
        if (p->w)
            mood__free(qj.path);
        if (s != MOOD_OK) {
            pthread_mutex_lock(&p->lock);
            if (s != MOOD_ECANCELED && p->fatal == MOOD_OK) {
                p->fatal = s;
                snprintf(p->fatal_msg, sizeof p->fatal_msg, "%s", mood_last_error());
            }
            p->stop = 1;
            pthread_mutex_unlock(&p->lock);
            break;
        }
    }
    mood_audio_analyzer_destroy(az);
    pthread_mutex_lock(&p->lock);
    p->running--;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

static void fill_progress(const pool *p, double t0, mood_analyze_progress *pr)
{
    const mood_analyze_summary *s = p->sum;
    memset(pr, 0, sizeof *pr);
    pr->files_total = s->files_total;
    pr->analyzed = s->analyzed;
    pr->skipped = s->skipped;
    pr->failed = s->failed;
    pr->files_done = s->skipped + p->done;
    pr->audio_s_done = s->audio_s;
    pr->elapsed_s = mood__now() - t0;
    pr->speed_x = pr->elapsed_s > 0 ? s->audio_s / pr->elapsed_s : 0;
    pr->eta_s =
        p->done > 0 && !p->w ? pr->elapsed_s * (double)(p->n_jobs - p->done) / (double)p->done : 0;
}

/* Heartbeat of worker mode: renew this worker's leases every lease_s / 3. */
static void heartbeat_due(pool *p, double *last)
{
    double now = mood__now();
    if (!p->w || now - *last < p->w->lease_s / 3.0)
        return;
    *last = now;
    if (mood__jobs_heartbeat(p->cat, p->worker_id, p->w->lease_s) != MOOD_OK && p->o->progress)
        mood__log(MOOD_LOG_WARN, "heartbeat: %s", mood_last_error());
}

/*
 * Start @p jobs worker threads; the calling thread reports progress (and, in worker mode,
 * renews the leases) until every worker has left.
 */
static mood_status run_pool(pool *p, int jobs, double t0)
{
    const mood_analyze_options *o = p->o;
    mood_status s = MOOD_OK;
    double last_beat = mood__now();
    pthread_t *th = mood__calloc((size_t)jobs, sizeof(pthread_t));
    if (!th)
        return mood__enomem("analyze: threads");
    for (int i = 0; i < jobs; i++) {
        pthread_mutex_lock(&p->lock);
        p->running++;
        pthread_mutex_unlock(&p->lock);
        if (pthread_create(&th[i], NULL, worker, p) != 0) {
            pthread_mutex_lock(&p->lock);
            p->running--;
            p->stop = 1;
            pthread_mutex_unlock(&p->lock);
            jobs = i;
            s = mood__error(MOOD_EINTERNAL, "analyze: cannot start worker thread %d", i);
            break;
        }
    }
    /* The calling thread reports progress until every worker has left. */
    pthread_mutex_lock(&p->lock);
    while (p->running > 0) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 200000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&p->cond, &p->lock, &until);
        if (o->progress) {
            mood_analyze_progress pr;
            fill_progress(p, t0, &pr);
            pthread_mutex_unlock(&p->lock);
            int stop = o->progress(o->progress_user, &pr);
            pthread_mutex_lock(&p->lock);
            if (stop)
                p->stop = 1;
        }
        if (mood_cancel_requested())
            p->stop = 1;
        heartbeat_due(p, &last_beat);
    }
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < jobs; i++)
        pthread_join(th[i], NULL);
    mood__free(th);
    return s;
}

/* "host:pid": the default worker id, and the id of a plain analyze run. */
static void host_pid_id(char *buf, size_t cap)
{
    char host[128] = "host";
    gethostname(host, sizeof host - 1);
    snprintf(buf, cap, "%s:%ld", host, (long)getpid());
}

/* Complete the run's analysis_runs row. The run's own error (and message) wins; when the run
 * went well a failure to record its end is the result. */
static mood_status end_run(mood_catalog *cat, const mood_analyze_summary *out, mood_status s)
{
    char keep[512];
    if (out->run_id <= 0)
        return s;
    snprintf(keep, sizeof keep, "%s", mood_last_error());
    mood_status e = mood__runs_end(cat, out->run_id, out, s);
    if (s != MOOD_OK)
        return mood__error(s, "%s", keep);
    return e;
}

mood_status mood_library_analyze(mood_catalog *cat, const char *const *paths, size_t n_paths,
                                 const mood_analyze_options *o, mood_analyze_summary *out)
{
    mood_analyze_options def;
    file_list files = {0};
    pool p;
    mood_status s;
    double t0 = mood__now(), c0 = mood__cpu_seconds();
    memset(out, 0, sizeof *out);
    memset(&p, 0, sizeof p);
    if (!o) {
        mood_analyze_options_default(&def);
        o = &def;
    }
    if (!cat || !paths || n_paths == 0)
        return mood__error(MOOD_EINVAL, "analyze: no paths given");
    if (o->jobs < 0)
        return mood__error(MOOD_EINVAL, "analyze: jobs=%d (expected 0 for all cores, or >= 1)",
                           o->jobs);
    s = mood__library_migrate(cat);
    if (s != MOOD_OK)
        return s;
    if (o->reports_dir) {
        s = mood_mkdirs(o->reports_dir);
        if (s != MOOD_OK)
            return s;
    }
    s = find_files(paths, n_paths, o->pattern, &files);
    if (s != MOOD_OK)
        goto done;
    out->files_total = files.n;
    p.jobs = mood__calloc(files.n ? files.n : 1, sizeof(job));
    if (!p.jobs) {
        s = mood__enomem("analyze");
        goto done;
    }
    for (size_t i = 0; i < files.n; i++) {
        struct stat st;
        lib_known k;
        int64_t size = 0, mtime = 0;
        if (stat(files.v[i], &st) == 0) {
            size = (int64_t)st.st_size;
            mtime = (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
        }
        s = mood__library_lookup(cat, files.v[i], &k);
        if (s != MOOD_OK)
            goto done;
        /* Unchanged since its last analysis: skipped, whether that analysis succeeded or
         * failed (a failure is deterministic; --overwrite retries it). */
        if (!o->overwrite && k.found && k.size_bytes == size && k.mtime_ns == mtime &&
            k.analysis_version == MOOD_AUDIO_ANALYSIS_VERSION) {
            out->skipped++;
            if (!k.ok)
                out->skipped_failed++;
            continue;
        }
        p.jobs[p.n_jobs].path = files.v[i];
        p.jobs[p.n_jobs].size = size;
        p.jobs[p.n_jobs].mtime_ns = mtime;
        p.n_jobs++;
    }
    int jobs = o->jobs;
    if (jobs == 0) {
        long nc = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = nc > 0 ? (int)nc : 1;
    }
    if ((size_t)jobs > p.n_jobs)
        jobs = p.n_jobs ? (int)p.n_jobs : 1;
    out->jobs = jobs;
    p.cat = cat;
    p.o = o;
    p.sum = out;
    p.lim = o->limits;
    pthread_mutex_init(&p.lock, NULL);
    pthread_cond_init(&p.cond, NULL);
    host_pid_id(p.worker_id, sizeof p.worker_id);
    lib_run_info ri = {0, p.worker_id, jobs, o->limits, NULL};
    if (p.n_jobs > 0 && (s = mood__runs_begin(cat, &ri, &out->run_id)) == MOOD_OK)
        s = run_pool(&p, jobs, t0);
    if (o->progress) {
        mood_analyze_progress pr;
        fill_progress(&p, t0, &pr);
        o->progress(o->progress_user, &pr);
    }
    if (s == MOOD_OK && p.fatal != MOOD_OK)
        s = mood__error(p.fatal, "%s", p.fatal_msg);
    else if (s == MOOD_OK && (p.stop || mood_cancel_requested()) &&
             out->analyzed + out->failed < p.n_jobs) {
        out->interrupted = 1;
        s = mood__error(MOOD_ECANCELED, "analyze: interrupted after %zu of %zu files",
                        out->analyzed + out->failed, p.n_jobs);
    }
    pthread_mutex_destroy(&p.lock);
    pthread_cond_destroy(&p.cond);
done:
    out->elapsed_s = mood__now() - t0;
    out->cpu_s = mood__cpu_seconds() - c0;
    s = end_run(cat, out, s);
    mood__free(p.jobs);
    list_free(&files);
    return s;
}

/* ---------------------------------------------------------------------------------------- */
/* The shared queue: enqueue and worker mode                                                 */
/* ---------------------------------------------------------------------------------------- */

mood_status mood_library_enqueue(mood_catalog *cat, const char *const *paths, size_t n_paths,
                                 const mood_analyze_options *o, size_t *out_added)
{
    file_list files = {0};
    mood_status s;
    *out_added = 0;
    if (!cat || !paths || n_paths == 0)
        return mood__error(MOOD_EINVAL, "analyze --enqueue: no paths given");
    s = mood__library_migrate(cat);
    if (s == MOOD_OK)
        s = mood__jobs_migrate(cat);
    if (s != MOOD_OK)
        return s;
    s = find_files(paths, n_paths, o ? o->pattern : NULL, &files);
    if (s != MOOD_OK)
        goto done;
    /* One transaction for the whole folder: a failure queues nothing. */
    double now = 0;
    s = mood__db_begin(mood__catalog_dbh(cat));
    if (s != MOOD_OK)
        goto done;
    s = mood__jobs_now(cat, &now);
    for (size_t i = 0; i < files.n && s == MOOD_OK; i++) {
        struct stat st;
        lib_known k;
        int added = 0;
        s = mood__library_lookup(cat, files.v[i], &k);
        if (s == MOOD_OK && !(o && o->overwrite) && k.found && stat(files.v[i], &st) == 0 &&
            k.size_bytes == (int64_t)st.st_size &&
            k.mtime_ns == (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec &&
            k.analysis_version == MOOD_AUDIO_ANALYSIS_VERSION)
            continue; /* analysed and unchanged */
        if (s == MOOD_OK)
            s = mood__jobs_add(cat, files.v[i], now, &added);
        *out_added += (size_t)added;
    }
    /* Idle workers LISTEN: the notification goes out with the COMMIT (PostgreSQL). */
    if (s == MOOD_OK && *out_added)
        s = mood__jobs_notify(cat);
    if (s == MOOD_OK)
        s = mood__db_commit(mood__catalog_dbh(cat));
    else
        mood__db_rollback(mood__catalog_dbh(cat));
    if (s != MOOD_OK)
        *out_added = 0;
done:
    list_free(&files);
    return s;
}

static mood_status check_worker_options(const mood_worker_options *w)
{
    if (!(w->lease_s >= 1))
        return mood__error(MOOD_EINVAL, "analyze --worker: lease %.3g s (expected >= 1 s)",
                           w->lease_s);
    if (w->max_attempts < 1)
        return mood__error(MOOD_EINVAL, "analyze --worker: max attempts %d (expected >= 1)",
                           w->max_attempts);
    if (!(w->poll_s > 0))
        return mood__error(MOOD_EINVAL, "analyze --worker: poll %.3g s (expected > 0)", w->poll_s);
    if (w->idle_exit_s < 0)
        return mood__error(MOOD_EINVAL, "analyze --worker: idle exit %.3g s (expected >= 0)",
                           w->idle_exit_s);
    if ((w->path_from == NULL) != (w->path_to == NULL))
        return mood__error(MOOD_EINVAL, "analyze --worker: --path-map expects FROM=TO");
    return MOOD_OK;
}

mood_status mood_library_work(mood_catalog *cat, const mood_analyze_options *o,
                              const mood_worker_options *w, mood_analyze_summary *out)
{
    pool p;
    mood_status s;
    double t0 = mood__now(), c0 = mood__cpu_seconds();
    memset(out, 0, sizeof *out);
    memset(&p, 0, sizeof p);
    if (!cat || !o || !w)
        return mood__error(MOOD_EINVAL, "analyze --worker: no catalog or options");
    s = check_worker_options(w);
    if (s != MOOD_OK)
        return s;
    s = mood__library_migrate(cat);
    if (s == MOOD_OK)
        s = mood__jobs_migrate(cat);
    if (s != MOOD_OK)
        return s;
    if (o->reports_dir) {
        s = mood_mkdirs(o->reports_dir);
        if (s != MOOD_OK)
            return s;
    }
    if (w->worker_id && w->worker_id[0])
        snprintf(p.worker_id, sizeof p.worker_id, "%s", w->worker_id);
    else
        host_pid_id(p.worker_id, sizeof p.worker_id);
    int jobs = o->jobs;
    if (jobs <= 0) {
        long nc = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = nc > 0 ? (int)nc : 1;
    }
    out->jobs = jobs;
    p.cat = cat;
    p.o = o;
    p.sum = out;
    p.w = w;
    p.lim = w;
    p.last_claim_s = t0;
    int listening = 0;
    if ((s = mood__waiter_create(cat, &p.waiter, &listening)) != MOOD_OK)
        return s;
    out->listening = listening;
    lib_run_info ri = {1, p.worker_id, jobs, w, listening ? "listen" : "poll"};
    if ((s = mood__runs_begin(cat, &ri, &out->run_id)) != MOOD_OK) {
        mood__waiter_destroy(p.waiter);
        return s;
    }
    pthread_mutex_init(&p.lock, NULL);
    pthread_cond_init(&p.cond, NULL);
    s = run_pool(&p, jobs, t0);
    mood__waiter_destroy(p.waiter);
    if (s == MOOD_OK && p.fatal != MOOD_OK)
        s = mood__error(p.fatal, "%s", p.fatal_msg);
    else if (s == MOOD_OK && (p.stop || mood_cancel_requested())) {
        out->interrupted = 1;
        s = mood__error(MOOD_ECANCELED, "analyze --worker: interrupted after %zu files",
                        out->analyzed + out->failed);
    }
    pthread_mutex_destroy(&p.lock);
    pthread_cond_destroy(&p.cond);
    out->elapsed_s = mood__now() - t0;
    out->cpu_s = mood__cpu_seconds() - c0;
    s = end_run(cat, out, s);
    return s;
}
