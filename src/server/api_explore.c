/*
 * Explorer routes: data files, uploads, runs, comparisons, snapshots and predictions.
 *   GET  /datasets                     CSV/TSV files under the data folder
 *   GET  /datasets/columns?path=P      columns of one file (kind, default feature or why not)
 *   POST /uploads?name=F               raw CSV body -> uploads/F (parsed first: 400 with line)
 *   GET  /runs                         stored runs, newest first
 *   GET  /runs/{id}                    run_metadata.json + the run's file names
 *   GET  /runs/{id}/files/{name}       one file of the run (?download=1 for an attachment)
 *   POST /runs/{id}/playlists          {"format": "m3u8"|"xspf"|"json"}: one playlist per group
 *   GET  /compare?a=RUN&b=RUN          metrics side by side, ARI, contingency, config diff
 *   GET  /snapshots                    snapshots
 *   POST /snapshots                    {"run": RUN, "name": NAME}
 *   POST /snapshots/{name}/predict     raw CSV body -> predictions/<file>.csv
 *   GET  /predictions/{file}           download a prediction
 * Only file names the server chose or confined reach the file system (paths.c).
 */
#include "../core/clock.h"
#include "../core/internal.h"
#include "../io/json_util.h"
#include "server_internal.h"

#include <moodscope/csv.h>
#include <moodscope/features.h>
#include <moodscope/fileio.h>
#include <moodscope/playlist.h>
#include <moodscope/run.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* Columns of @p t with their kind and whether the default rule picks them as features. */
static json_t *columns_json(const mood_table *t)
{
    mood_feature_list fl;
    memset(&fl, 0, sizeof fl);
    int have = mood_features_select(t, NULL, &fl) == MOOD_OK;
    json_t *arr = json_array();
    for (size_t j = 0; arr && j < mood_table_cols(t); j++) {
        const char *name = mood_table_col_name(t, j);
        int numeric = mood_table_col_kind(t, j) == MOOD_COL_NUM;
        int feature = 0;
        const char *reason = numeric ? NULL : "text";
        for (size_t f = 0; have && f < fl.k; f++)
            if (strcmp(fl.names[f], name) == 0)
                feature = 1;
        for (size_t f = 0; have && f < fl.n_skipped; f++)
            if (strcmp(fl.skipped[f], name) == 0)
                reason = fl.skip_reasons[f];
        json_t *c = json_pack("{s:o,s:s,s:b}", "name", mood__srv_jstr(name), "kind",
                              numeric ? "number" : "text", "feature", feature);
        if (c && reason && !feature)
            json_object_set_new(c, "excluded", json_string(reason));
        json_array_append_new(arr, c);
    }
    mood_feature_list_free(&fl);
    return arr;
}

/* ---- data files ------------------------------------------------------------------------ */

static int skip_dir(const char *name, int depth)
{
    static const char *const skip[] = {"runs", "snapshots", "jobs", "predictions", "node_modules"};
    if (name[0] == '.')
        return 1;
    for (size_t i = 0; depth == 0 && i < sizeof skip / sizeof *skip; i++)
        if (strcmp(name, skip[i]) == 0)
            return 1;
    return 0;
}

/* Depth-limited walk; only regular files (not symlinks) are listed. */
static void walk(const char *root, const char *rel, int depth, json_t *out)
{
    char *dir = rel[0] ? mood__srv_join(root, rel) : mood__strdup(root);
    DIR *d = dir ? opendir(dir) : NULL;
    struct dirent *e;
    if (!d) {
        mood__free(dir);
        return;
    }
    for (;;) {
        e = readdir(d);
        if (e == NULL)
            break;
        if (!(json_array_size(out) < 1000))
            break;
        if (e->d_name[0] == '.')
            continue;
        char relp[1024];
        if (snprintf(relp, sizeof relp, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name) >=
            (int)sizeof relp)
            continue;
        char *full = mood__srv_join(root, relp);
        struct stat st;
        if (!full || lstat(full, &st) != 0) {
            mood__free(full);
            continue;
        }
        mood__free(full);
        if (S_ISDIR(st.st_mode)) {
            if (depth < 3 && !skip_dir(e->d_name, depth))
                walk(root, relp, depth + 1, out);
            continue;
        }
        size_t n = strlen(e->d_name);
        if (!S_ISREG(st.st_mode) || n < 5 ||
            (strcmp(e->d_name + n - 4, ".csv") != 0 && strcmp(e->d_name + n - 4, ".tsv") != 0))
            continue;
        char when[32];
        mood__utc_format((int64_t)st.st_mtime, when, sizeof when);
        json_array_append_new(out, json_pack("{s:o,s:I,s:s}", "path", mood__srv_jstr(relp), "size",
                                             (json_int_t)st.st_size, "modified", when));
    }
    closedir(d);
    mood__free(dir);
}

static void route_datasets(mood_server *s, srv_response *rs)
{
    json_t *arr = json_array();
    if (arr)
        walk(s->data_dir, "", 0, arr);
    mood__srv_json(rs, 200, json_pack("{s:o}", "datasets", arr));
}

static void route_columns(mood_server *s, const srv_request *rq, srv_response *rs)
{
    char *path = NULL;
    mood_table *t = NULL;
    const char *rel = mood__srv_query(rq, "path");
    if (!mood__srv_confine_data(s, rel, &path, rs))
        return;
    mood_status st = mood_csv_read(path, NULL, &t);
    if (st != MOOD_OK) {
        mood__srv_csv_error(rs, st, path);
    } else {
        mood__srv_json(rs, 200,
                       json_pack("{s:o,s:I,s:o}", "path", mood__srv_jstr(rel), "rows",
                                 (json_int_t)mood_table_rows(t), "columns", columns_json(t)));
    }
    mood_table_destroy(t);
    mood__free(path);
}

static void route_upload(mood_server *s, const srv_request *rq, srv_response *rs)
{
    char name[128];
    mood_table *t = NULL;
    mood__srv_sanitize_upload_name(mood__srv_query(rq, "name"), name, sizeof name);
    if (rq->body_len == 0) {
        mood__srv_json(rs, 400,
                       json_pack("{s:{s:i,s:s,s:s,s:i,s:n}}", "error", "status", 400, "code",
                                 "EFORMAT", "message", "upload: the file is empty", "line", 1,
                                 "column"));
        rs->status = 400;
        return;
    }
    mood_csv_options o;
    mood_csv_options_default(&o);
    o.max_bytes = s->max_upload_bytes;
    if (strcmp(name + strlen(name) - 4, ".tsv") == 0)
        o.delimiter = '\t';
    mood_status st = mood_csv_read_buffer(name, rq->body, rq->body_len, &o, &t);
    if (st != MOOD_OK) {
        mood__srv_csv_error(rs, st, name);
        return;
    }
    /* Pick a free name (a.csv, a-2.csv, ...) and write it while holding the lock, so that two
     * uploads of the same name never overwrite each other. */
    pthread_mutex_lock(&s->uploads_lock);
    char final[160];
    size_t stem = strlen(name) - 4;
    snprintf(final, sizeof final, "%s", name);
    for (int i = 2; i < 10000; i++) {
        char *p = mood__srv_join(s->uploads_dir, final);
        int exists = p ? mood_path_exists(p) : 1;
        mood__free(p);
        if (!exists)
            break;
        snprintf(final, sizeof final, "%.*s-%d%s", (int)stem, name, i, name + stem);
    }
    char *path = mood__srv_join(s->uploads_dir, final);
    st = path ? mood_atomic_write(path, rq->body, rq->body_len) : mood__enomem("upload");
    pthread_mutex_unlock(&s->uploads_lock);
    mood__free(path);
    if (st != MOOD_OK) {
        mood__srv_status_error(rs, st, "upload");
    } else {
        char rel[200];
        snprintf(rel, sizeof rel, "uploads/%s", final);
        mood__srv_json(rs, 201,
                       json_pack("{s:s,s:I,s:o}", "path", rel, "rows",
                                 (json_int_t)mood_table_rows(t), "columns", columns_json(t)));
    }
    mood_table_destroy(t);
}

/* ---- runs ------------------------------------------------------------------------------ */

static void route_runs(mood_server *s, srv_response *rs)
{
    mood_run_summary *runs = NULL;
    size_t n = 0;
    mood_status st = mood_runs_list(s->runs_dir, &runs, &n);
    if (st != MOOD_OK) {
        mood__srv_status_error(rs, st, "runs");
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        const mood_run_summary *r = &runs[i];
        json_t *o =
            json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:I}", "id", r->run_id, "created", r->created_utc,
                      "algorithm", r->algorithm, "name", r->name, "k", (json_int_t)r->k, "rows",
                      (json_int_t)r->n_rows, "features", (json_int_t)r->n_features);
        if (o) {
            json_object_set_new(o, "silhouette", mood__json_real(r->silhouette));
            json_object_set_new(o, "calinski_harabasz", mood__json_real(r->calinski_harabasz));
            json_object_set_new(o, "davies_bouldin", mood__json_real(r->davies_bouldin));
            json_object_set_new(o, "score", mood__json_real(r->score));
        }
        json_array_append_new(arr, o);
    }
    mood_free(runs);
    mood__srv_json(rs, 200, json_pack("{s:o}", "runs", arr));
}

static json_t *dir_files(const char *dir)
{
    json_t *arr = json_array();
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d)
        return arr;
    for (;;) {
        e = readdir(d);
        if (e == NULL)
            break;
        if (!mood__srv_safe_name(e->d_name, 200))
            continue;
        char *p = mood__srv_join(dir, e->d_name);
        struct stat st;
        if (p && lstat(p, &st) == 0 && S_ISREG(st.st_mode))
            json_array_append_new(
                arr, json_pack("{s:s,s:I}", "name", e->d_name, "size", (json_int_t)st.st_size));
        mood__free(p);
    }
    closedir(d);
    return arr;
}

static void route_run(mood_server *s, const char *id, srv_response *rs)
{
    char *meta = NULL;
    mood_status st = mood_run_read_metadata(s->runs_dir, id, &meta);
    if (st != MOOD_OK) {
        mood__srv_status_error(rs, st, "run");
        return;
    }
    json_t *m = json_loads(meta, 0, NULL);
    mood_free(meta);
    if (!m) {
        mood__srv_error(rs, 500, "EFORMAT", "run %s: run_metadata.json is not valid JSON", id);
        return;
    }
    char *dir = mood__srv_join(s->runs_dir, id);
    json_t *files = dir ? dir_files(dir) : json_array();
    mood__free(dir);
    mood__srv_json(rs, 200, json_pack("{s:s,s:o,s:o}", "id", id, "metadata", m, "files", files));
}

static void route_run_file(mood_server *s, const srv_request *rq, const char *id, const char *name,
                           srv_response *rs)
{
    char rel[600];
    char *path = NULL;
    if (!mood__srv_safe_name(name, 200)) {
        mood__srv_error(rs, 403, "EFORBIDDEN", "file name '%.60s' refused", name);
        return;
    }
    snprintf(rel, sizeof rel, "%s/%s", id, name);
    if (!mood__srv_confine(s->runs_dir, rel, &path, rs))
        return;
    const char *dl = mood__srv_query(rq, "download");
    char dname[300];
    snprintf(dname, sizeof dname, "%.90s-%.200s", id, name);
    mood__srv_file(rs, path, mood__srv_mime(name), dl && strcmp(dl, "0") != 0 ? dname : NULL);
    mood__free(path);
}

/* One playlist per group of the run (ordered for smooth transitions by the library), written
 * to the playlists folder as <run>-<name>.<ext>. */
static void route_run_playlists(mood_server *s, const srv_request *rq, const char *id,
                                srv_response *rs)
{
    mood_playlist_format f = MOOD_PLAYLIST_M3U8;
    mood_playlist_set *set = NULL;
    json_t *body = rq->body_len ? mood__srv_body_json(rq, rs) : json_object();
    if (!body)
        return;
    const char *fmt = json_string_value(json_object_get(body, "format"));
    if (fmt && mood_playlist_format_parse(fmt, &f) != MOOD_OK) {
        mood__srv_error(rs, 400, "EINVAL", "field 'format': expected m3u8, xspf or json");
        json_decref(body);
        return;
    }
    json_decref(body);
    char *dir = mood__srv_join(s->runs_dir, id);
    mood_status st = dir ? mood_playlists_from_run(dir, NULL, &set) : mood__enomem("playlists");
    mood__free(dir);
    if (st != MOOD_OK) {
        mood__srv_status_error(rs, st, "playlists");
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < mood_playlist_count(set); i++) {
        char name[120], file[260], url[320];
        snprintf(name, sizeof name, "%s", mood_playlist_name(set, i));
        for (char *c = name; *c; c++)
            if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                  (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
                *c = '_';
        snprintf(file, sizeof file, "%.90s-%s.%s", id, name, mood_playlist_format_ext(f));
        char *path = mood__srv_join(s->playlists_dir, file);
        size_t n = 0, skipped = 0;
        mood_playlist_rows(set, i, &n);
        st = path ? mood_playlist_write(set, i, f, path, 0, &skipped) : mood__enomem("playlists");
        mood__free(path);
        if (st != MOOD_OK)
            break;
        snprintf(url, sizeof url, "/api/v1/playlists/%s", file);
        json_array_append_new(arr, json_pack("{s:o,s:I,s:I,s:I,s:s,s:s}", "name",
                                             mood__srv_jstr(mood_playlist_name(set, i)), "group",
                                             (json_int_t)mood_playlist_group(set, i), "tracks",
                                             (json_int_t)(n - skipped), "skipped",
                                             (json_int_t)skipped, "file", file, "url", url));
    }
    mood_playlist_set_destroy(set);
    if (st != MOOD_OK) {
        json_decref(arr);
        mood__srv_status_error(rs, st, "playlists");
        return;
    }
    mood__srv_json(rs, 201, json_pack("{s:o}", "playlists", arr));
}

static void route_compare(mood_server *s, const srv_request *rq, srv_response *rs)
{
    const char *a = mood__srv_query(rq, "a"), *b = mood__srv_query(rq, "b");
    char *json = NULL;
    if (!mood__srv_safe_name(a, 95) || !mood__srv_safe_name(b, 95)) {
        mood__srv_error(rs, 400, "EINVAL", "compare: expected two run ids as ?a=RUN&b=RUN");
        return;
    }
    mood_status st = mood_runs_compare(s->runs_dir, a, b, &json);
    if (st != MOOD_OK) {
        mood__srv_status_error(rs, st, "compare");
        return;
    }
    mood__srv_json_text(rs, 200, json);
    mood_free(json);
}

/* ---- snapshots and predictions --------------------------------------------------------- */

static void route_snapshots(mood_server *s, srv_response *rs)
{
    mood_snapshot_summary *sn = NULL;
    size_t n = 0;
    mood_status st = mood_snapshots_list(s->snapshots_dir, &sn, &n);
    if (st != MOOD_OK) {
        mood__srv_status_error(rs, st, "snapshots");
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++)
        json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:I,s:I}", "name", sn[i].name, "run",
                                             sn[i].run_id, "created", sn[i].created_utc, "k",
                                             (json_int_t)sn[i].k, "features",
                                             (json_int_t)sn[i].n_features));
    mood_free(sn);
    mood__srv_json(rs, 200, json_pack("{s:o}", "snapshots", arr));
}

static void route_snapshot_save(mood_server *s, const srv_request *rq, srv_response *rs)
{
    json_t *body = mood__srv_body_json(rq, rs);
    if (!body)
        return;
    const char *run = json_string_value(json_object_get(body, "run"));
    const char *name = json_string_value(json_object_get(body, "name"));
    if (!mood__srv_safe_name(run, 95)) {
        mood__srv_error(rs, 400, "EINVAL", "field 'run': expected a run id");
    } else if (!mood__srv_safe_name(name, 100)) {
        mood__srv_error(rs, 400, "EINVAL",
                        "field 'name': expected 1..100 characters of A-Z a-z 0-9 . _ - "
                        "(not starting with a dot)");
    } else {
        char *existing = mood__srv_join(s->snapshots_dir, name);
        if (existing && mood_path_exists(existing)) {
            mood__srv_error(rs, 409, "EEXIST", "snapshot '%s' exists already", name);
        } else {
            mood_status st = mood_snapshot_save(s->runs_dir, run, s->snapshots_dir, name);
            if (st != MOOD_OK)
                mood__srv_status_error(rs, st, "snapshot");
            else
                mood__srv_json(rs, 201, json_pack("{s:s,s:s}", "name", name, "run", run));
        }
        mood__free(existing);
    }
    json_decref(body);
}

static void route_predict(mood_server *s, const srv_request *rq, const char *snap, srv_response *rs)
{
    char name[128];
    mood_table *t = NULL, *out = NULL;
    if (!mood__srv_safe_name(snap, 100)) {
        mood__srv_error(rs, 404, "ENOTFOUND", "snapshot '%.60s': no such snapshot", snap);
        return;
    }
    mood__srv_sanitize_upload_name(mood__srv_query(rq, "name"), name, sizeof name);
    if (rq->body_len == 0) {
        mood__srv_json(rs, 400,
                       json_pack("{s:{s:i,s:s,s:s,s:i,s:n}}", "error", "status", 400, "code",
                                 "EFORMAT", "message", "predict: the file is empty", "line", 1,
                                 "column"));
        rs->status = 400;
        return;
    }
    mood_csv_options o;
    mood_csv_options_default(&o);
    o.max_bytes = s->max_upload_bytes;
    mood_status st = mood_csv_read_buffer(name, rq->body, rq->body_len, &o, &t);
    if (st != MOOD_OK) {
        mood__srv_csv_error(rs, st, name);
        return;
    }
    char stamp[32], file[260];
    static unsigned counter;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    unsigned c = __atomic_add_fetch(&counter, 1u, __ATOMIC_RELAXED);
    snprintf(file, sizeof file, "%.100s-%s-%u.csv", snap, stamp, c);
    char *path = mood__srv_join(s->predictions_dir, file);
    if (!path) {
        mood__srv_error(rs, 500, "ENOMEM", "out of memory");
        mood_table_destroy(t);
        return;
    }
    st = mood_snapshot_predict(s->snapshots_dir, snap, t, path);
    if (st != MOOD_OK) {
        mood__srv_status_error(rs, st, "predict");
        goto done;
    }
    /* Read the written file back: the counts shown come from what the user downloads. */
    st = mood_csv_read(path, NULL, &out);
    if (st != MOOD_OK) {
        mood__srv_status_error(rs, st, "predict");
        goto done;
    }
    size_t jc;
    json_t *counts = json_object();
    if (mood_table_find(out, "cluster", &jc) == MOOD_OK) {
        for (size_t i = 0; i < mood_table_rows(out); i++) {
            char key[64];
            if (mood_table_col_kind(out, jc) == MOOD_COL_NUM)
                snprintf(key, sizeof key, "%.0f", (double)mood_table_num_const(out, jc)[i]);
            else
                snprintf(key, sizeof key, "%.60s", mood_table_str(out, jc, i));
            json_t *v = json_object_get(counts, key);
            json_object_set_new(counts, key, json_integer(v ? json_integer_value(v) + 1 : 1));
        }
    }
    char url[400];
    snprintf(url, sizeof url, "/api/v1/predictions/%s", file);
    mood__srv_json(rs, 200,
                   json_pack("{s:s,s:s,s:s,s:I,s:o}", "snapshot", snap, "file", file, "url", url,
                             "rows", (json_int_t)mood_table_rows(out), "counts", counts));
done:
    mood_table_destroy(out);
    mood_table_destroy(t);
    mood__free(path);
}

static void route_prediction_file(mood_server *s, const char *file, srv_response *rs)
{
    char *path = NULL;
    if (!mood__srv_safe_name(file, 250)) {
        mood__srv_error(rs, 403, "EFORBIDDEN", "file name '%.60s' refused", file);
        return;
    }
    if (!mood__srv_confine(s->predictions_dir, file, &path, rs))
        return;
    mood__srv_file(rs, path, mood__srv_mime(file), file);
    mood__free(path);
}

/* ---- dispatch -------------------------------------------------------------------------- */

int mood__srv_api_explore(mood_server *s, const srv_request *rq, srv_response *rs)
{
    char seg[5][256];
    size_t n = mood__srv_split(rq->path, seg, 4);
    int get = strcmp(rq->method, "GET") == 0, post = strcmp(rq->method, "POST") == 0;
    if (n == 0 || n > 4)
        return 0;
    const char *top = seg[0];
    if (strcmp(top, "datasets") == 0 && n == 1 && get)
        route_datasets(s, rs);
    else if (strcmp(top, "datasets") == 0 && n == 2 && get && strcmp(seg[1], "columns") == 0)
        route_columns(s, rq, rs);
    else if (strcmp(top, "uploads") == 0 && n == 1 && post)
        route_upload(s, rq, rs);
    else if (strcmp(top, "runs") == 0 && n == 1 && get)
        route_runs(s, rs);
    else if (strcmp(top, "runs") == 0 && n >= 2 && !mood__srv_safe_name(seg[1], 95))
        mood__srv_error(rs, 404, "ENOTFOUND", "run '%.60s': no such run", seg[1]);
    else if (strcmp(top, "runs") == 0 && n == 2 && get)
        route_run(s, seg[1], rs);
    else if (strcmp(top, "runs") == 0 && n == 3 && post && strcmp(seg[2], "playlists") == 0)
        route_run_playlists(s, rq, seg[1], rs);
    else if (strcmp(top, "runs") == 0 && n == 4 && get && strcmp(seg[2], "files") == 0)
        route_run_file(s, rq, seg[1], seg[3], rs);
    else if (strcmp(top, "compare") == 0 && n == 1 && get)
        route_compare(s, rq, rs);
    else if (strcmp(top, "snapshots") == 0 && n == 1 && get)
        route_snapshots(s, rs);
    else if (strcmp(top, "snapshots") == 0 && n == 1 && post)
        route_snapshot_save(s, rq, rs);
    else if (strcmp(top, "snapshots") == 0 && n == 3 && post && strcmp(seg[2], "predict") == 0)
        route_predict(s, rq, seg[1], rs);
    else if (strcmp(top, "predictions") == 0 && n == 2 && get)
        route_prediction_file(s, seg[1], rs);
    else if (strcmp(top, "datasets") == 0 || strcmp(top, "uploads") == 0 ||
             strcmp(top, "runs") == 0 || strcmp(top, "compare") == 0 ||
             strcmp(top, "snapshots") == 0 || strcmp(top, "predictions") == 0)
        mood__srv_error(rs, 405, "EMETHOD", "no API route %s %.200s", rq->method, rq->path);
    else
        return 0;
    return 1;
}
