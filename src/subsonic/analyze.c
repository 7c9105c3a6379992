/*
 * Analysis of a server's songs. A song whose server path maps to a local file goes through the
 * ordinary library analysis (parallel, resumable, reports next to the files); any other song is
 * streamed from the server's download endpoint: FFmpeg's http protocol reads the answer as it
 * arrives and the decoder pushes blocks to the analyser, so no copy of the song, let alone the
 * library, is written. Streamed songs are stored under "subsonic://SERVER/SONG_ID" with the
 * song's size and date as the change check, so a rerun skips them. Every song is then linked to
 * its catalog track (subsonic_songs.track_id).
 */
#define _POSIX_C_SOURCE 200809L
#include "subsonic_internal.h"

#include "../audio/library_store.h"
#include "../core/internal.h"
#include "../store/catalog_internal.h"

#include <moodscope/fileio.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct song_job {
    char id[128];
    char path[PATH_MAX]; /* the local file, or the pseudo path of a streamed song */
    int64_t size, mtime_ns;
    double duration_s;
} song_job;

typedef struct job_list {
    song_job *v;
    size_t n, cap;
} job_list;

static mood_status job_push(job_list *l, const song_job *j)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        song_job *v = mood__realloc(l->v, cap * sizeof *v);
        if (!v)
            return mood__enomem("subsonic analyze");
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *j;
    return MOOD_OK;
}

/* The local file of server path @p sp through the first map whose prefix matches, if any. */
static int map_path(const mood_subsonic_analyze_options *o, const char *sp, char *out, size_t cap)
{
    for (size_t i = 0; i < o->n_maps; i++) {
        const char *pre = o->maps[i].server_prefix, *loc = o->maps[i].local_prefix;
        size_t n = strlen(pre);
        char cand[PATH_MAX];
        if (strncmp(sp, pre, n) != 0)
            continue;
        snprintf(cand, sizeof cand, "%s%s%s", loc,
                 (n == 0 || pre[n - 1] == '/') && sp[n] != '/' && loc[0] &&
                         loc[strlen(loc) - 1] != '/'
                     ? "/"
                     : "",
                 sp + n);
        if (mood_path_exists(cand) && realpath(cand, out) && strlen(out) < cap)
            return 1;
    }
    return 0;
}

static mood_status link_song(mood_catalog *cat, const char *server, const char *song_id,
                             const char *path)
{
    mood_status s = mood__db_run_sql(mood__catalog_dbh(cat),
                                     "UPDATE subsonic_songs SET track_id = (SELECT id FROM tracks "
                                     "WHERE path = ?3 AND status = 'ok') WHERE server = ?1 AND "
                                     "song_id = ?2",
                                     "ttt", server, song_id, path);
    return s == MOOD_OK ? MOOD_OK : mood__catalog_error(cat, "link song");
}

/* Sort every song of the server into local files and streams; linked ones are skipped. */
static mood_status plan(mood_subsonic *c, mood_catalog *cat, const mood_subsonic_analyze_options *o,
                        job_list *local, job_list *stream, mood_subsonic_analyze_report *r)
{
    mood_db_stmt *st;
    mood_status s = MOOD_OK;
    if (mood__db_prepare(
            mood__catalog_dbh(cat),
            "SELECT s.song_id, COALESCE(s.path, ''), COALESCE(s.size_bytes, 0), s.created, "
            "COALESCE(s.duration_s, 0), t.id IS NOT NULL AND t.status = 'ok' AND "
            "t.analysis_version = ?2 FROM subsonic_songs s LEFT JOIN tracks t ON t.id = "
            "s.track_id WHERE s.server = ?1 ORDER BY s.album_id NULLS FIRST, s.disc_no NULLS "
            "FIRST, "
            "s.track_no NULLS FIRST, s.song_id",
            &st) != MOOD_OK)
        return mood__catalog_error(cat, "subsonic analyze");
    mood__db_bind_text(st, 1, c->info.name);
    mood__db_bind_int64(st, 2, MOOD_AUDIO_ANALYSIS_VERSION);
    while (s == MOOD_OK && mood__db_step_rc(st) == MOOD_DB_ROW) {
        song_job j;
        memset(&j, 0, sizeof j);
        snprintf(j.id, sizeof j.id, "%s", mood__db_col_text(st, 0));
        j.size = mood__db_col_int64(st, 2);
        j.mtime_ns = mood__sub_parse_time(mood__db_col_text(st, 3)) * 1000000000;
        j.duration_s = mood__db_col_double(st, 4);
        r->songs++;
        if (mood__db_col_int(st, 5) && !o->overwrite) {
            r->skipped++;
            continue;
        }
        if (map_path(o, mood__db_col_text(st, 1), j.path, sizeof j.path)) {
            s = job_push(local, &j);
        } else if (!o->no_stream && (!o->limit || stream->n < o->limit)) {
            snprintf(j.path, sizeof j.path, "subsonic://%s/%s", c->info.name, j.id);
            s = job_push(stream, &j);
        }
    }
    mood__db_finalize(st);
    return s;
}

static mood_status analyze_local(mood_subsonic *c, mood_catalog *cat,
                                 const mood_subsonic_analyze_options *o, const job_list *l,
                                 mood_subsonic_analyze_report *r)
{
    mood_analyze_options ao;
    mood_analyze_summary sum;
    const char **paths;
    mood_status s;
    if (!l->n)
        return MOOD_OK;
    paths = mood__malloc_array(l->n, sizeof *paths);
    if (!paths)
        return mood__enomem("subsonic analyze");
    for (size_t i = 0; i < l->n; i++)
        paths[i] = l->v[i].path;
    mood_analyze_options_default(&ao);
    ao.jobs = o->jobs;
    ao.overwrite = o->overwrite;
    ao.reports_dir = o->reports_dir;
    memset(&sum, 0, sizeof sum);
    s = mood_library_analyze(cat, paths, l->n, &ao, &sum);
    mood__free(paths);
    r->local += sum.analyzed + sum.skipped;
    r->failed += sum.failed;
    if (sum.n_failures && !r->first_error[0])
        snprintf(r->first_error, sizeof r->first_error, "%s: %s", sum.failures[0].path,
                 sum.failures[0].reason);
    mood_analyze_summary_free(&sum);
    for (size_t i = 0; s == MOOD_OK && i < l->n; i++)
        s = link_song(cat, c->info.name, l->v[i].id, l->v[i].path);
    return s;
}

/*
 * Why a stream failed: ask the download endpoint as an API call. A server that refuses answers
 * with a Subsonic error document, whose code and message are clearer than the decoder's.
 */
static void explain_refusal(mood_subsonic *c, const char *id, char *reason, size_t cap)
{
    sub_params p = {0};
    json_t *resp = NULL;
    if (mood__sub_param(&p, "id", id) == MOOD_OK &&
        mood__sub_call(c, "download", &p, &resp) == MOOD_EIO && resp)
        snprintf(reason, cap, "the server refused to stream it: %s", mood_last_error());
    json_decref(resp);
    mood__sub_params_free(&p);
}

/* Stream and analyse one song; a failure is recorded in the catalog and returns MOOD_OK. */
static mood_status stream_one(mood_subsonic *c, mood_catalog *cat, mood_audio_analyzer *az,
                              const song_job *j, mood_subsonic_analyze_report *r)
{
    char *url = NULL, *json = NULL, label[256], reason[1024];
    mood_audio_result *res = NULL;
    sub_params p = {0};
    mood_status s = mood__sub_param(&p, "id", j->id);
    snprintf(label, sizeof label, "%s: song %s (download)", c->info.name, j->id);
    if (s == MOOD_OK)
        s = mood__sub_url(c, "download", &p, &url);
    mood__sub_params_free(&p);
    if (s != MOOD_OK)
        return s;
    s = mood_audio_analyze_file(az, url, &res);
    if (s != MOOD_OK)
        mood__sub_scrub_error(s, url, label);
    mood__free(url);
    if (s == MOOD_ECANCELED || s == MOOD_ENOMEM)
        return s;
    if (s == MOOD_OK)
        s = mood_audio_result_report(res, j->path, &json);
    if (s == MOOD_OK) {
        s = mood__library_store_ok(cat, j->path, j->size, j->mtime_ns, res, json, NULL);
        r->streamed += s == MOOD_OK;
        r->stream_s += mood_audio_result_info(res)->duration_s;
        mood__free(json);
        mood_audio_result_destroy(res);
        return s == MOOD_OK ? link_song(cat, c->info.name, j->id, j->path) : s;
    }
    snprintf(reason, sizeof reason, "%s", mood_last_error());
    explain_refusal(c, j->id, reason, sizeof reason);
    r->failed++;
    if (!r->first_error[0])
        snprintf(r->first_error, sizeof r->first_error, "%s: %s", label, reason);
    return mood__library_store_failed(cat, j->path, j->size, j->mtime_ns, reason);
}

static mood_status analyze_streams(mood_subsonic *c, mood_catalog *cat,
                                   const mood_subsonic_analyze_options *o, const job_list *l,
                                   mood_subsonic_analyze_report *r)
{
    mood_audio_analyzer *az = NULL;
    mood_status s = MOOD_OK;
    if (!l->n)
        return MOOD_OK;
    s = mood_audio_analyzer_create(NULL, &az);
    if (s != MOOD_OK)
        return s;
    for (size_t i = 0; s == MOOD_OK && i < l->n; i++) {
        lib_known k;
        const song_job *j = &l->v[i];
        s = mood__library_lookup(cat, j->path, &k);
        if (s == MOOD_OK && k.found && k.ok && !o->overwrite && k.size_bytes == j->size &&
            k.mtime_ns == j->mtime_ns && k.analysis_version == MOOD_AUDIO_ANALYSIS_VERSION) {
            r->skipped++;
            s = link_song(cat, c->info.name, j->id, j->path);
        } else if (s == MOOD_OK) {
            s = stream_one(c, cat, az, j, r);
        }
        if (s == MOOD_OK)
            s = mood__progress(o->progress, o->progress_user, "stream", (double)(i + 1),
                               (double)l->n);
    }
    mood_audio_analyzer_destroy(az);
    return s;
}

static size_t count_linked(mood_subsonic *c, mood_catalog *cat)
{
    mood_db_stmt *st;
    size_t n = 0;
    if (mood__db_prepare(mood__catalog_dbh(cat),
                         "SELECT count(*) FROM subsonic_songs WHERE server = ? AND track_id IS "
                         "NOT NULL",
                         &st) != MOOD_OK)
        return 0;
    mood__db_bind_text(st, 1, c->info.name);
    if (mood__db_step_rc(st) == MOOD_DB_ROW)
        n = (size_t)mood__db_col_int64(st, 0);
    mood__db_finalize(st);
    return n;
}

mood_status mood_subsonic_analyze(mood_subsonic *c, mood_catalog *cat,
                                  const mood_subsonic_analyze_options *o,
                                  mood_subsonic_analyze_report *out)
{
    static const mood_subsonic_analyze_options defaults;
    job_list local = {0}, stream = {0};
    double t0;
    mood_status s;
    memset(out, 0, sizeof *out);
    if (!o)
        o = &defaults;
    t0 = mood__now();
    s = mood__sub_migrate(cat);
    if (s == MOOD_OK)
        s = mood__library_migrate(cat);
    if (s != MOOD_OK)
        return s;
    s = plan(c, cat, o, &local, &stream, out);
    if (s == MOOD_OK)
        s = analyze_local(c, cat, o, &local, out);
    if (s == MOOD_OK)
        s = analyze_streams(c, cat, o, &stream, out);
    out->linked = count_linked(c, cat);
    out->elapsed_s = mood__now() - t0;
    mood__free(local.v);
    mood__free(stream.v);
    return s;
}
