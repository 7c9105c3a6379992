/*
 * History routes: upload listening-history exports, run the history pipeline as a background
 * job, and read the dashboard it leaves.
 *   POST /history/uploads?name=F       raw export file (Spotify JSON, Last.fm CSV) ->
 * uploads/history/F POST /jobs {"kind": "history", "files": [...], "tables": [...], "tz": "...",
 * "gap_min": 30} GET  /history/dashboard            the last dashboard (report, models, drift) +
 * chart names GET  /history/files/{name}         a chart or report file The job chains the
 * library's steps: import each file, join audio features (the given tables or the analysed
 * library), sessions, track moods, next-mood and session-start models, drift and the report with
 * its charts. A step that cannot run (too few tracks with features for the mood model, say) is
 * recorded in the dashboard with its reason and the rest goes on.
 */
#include "../core/internal.h"
#include "server_internal.h"

#include <moodscope/catalog.h>
#include <moodscope/fileio.h>
#include <moodscope/history.h>

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILES 32

typedef struct history_job {
    char *catalog, *out_dir;
    char *files[MAX_FILES], *tables[MAX_FILES];
    size_t n_files, n_tables;
    char tz[64];
    double gap_min;
} history_job;

static void history_job_free(void *arg)
{
    history_job *hj = arg;
    for (size_t i = 0; i < hj->n_files; i++)
        mood__free(hj->files[i]);
    for (size_t i = 0; i < hj->n_tables; i++)
        mood__free(hj->tables[i]);
    mood__free(hj->catalog);
    mood__free(hj->out_dir);
    mood__free(hj);
}

/* Record one step's JSON report (parsed) or its failure under @p key. */
static void step_result(json_t *dash, const char *key, mood_status st, char *json)
{
    if (st == MOOD_OK) {
        json_error_t err;
        json_t *j = json ? json_loads(json, JSON_DECODE_ANY, &err) : NULL;
        if (!j && json)
            j = json_pack("{s:s,s:s}", "error", "EFORMAT", "message", err.text);
        json_object_set_new(dash, key, j ? j : json_object());
    } else {
        json_object_set_new(
            dash, key,
            json_pack("{s:s,s:s}", "error", mood_status_name(st), "message", mood_last_error()));
    }
    mood_free(json);
}

static mood_status history_job_run(srv_job *j, void *arg)
{
    history_job *hj = arg;
    mood_catalog *cat = NULL;
    mood_history *h = NULL;
    json_t *dash = json_object(), *imports = json_array();
    mood_status st;
    char *json = NULL;
    if (!dash || !imports) {
        json_decref(dash);
        json_decref(imports);
        return mood__enomem("history");
    }
    json_object_set_new(dash, "imports", imports);
    st = mood_catalog_open(hj->catalog, &cat);
    if (st != MOOD_OK)
        goto done;
    for (size_t i = 0; i < hj->n_files; i++) {
        mood_history_import_report r;
        st = mood_history_import(cat, hj->files[i], mood__srv_job_progress, j, &r);
        if (st != MOOD_OK)
            goto done;
        const char *base = strrchr(hj->files[i], '/');
        json_array_append_new(
            imports,
            json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I}", "file", base ? base + 1 : "", "format",
                      mood_history_format_name(r.format), "rows", (json_int_t)r.rows, "added",
                      (json_int_t)r.added, "duplicates", (json_int_t)r.duplicates, "merged",
                      (json_int_t)r.merged, "kept_apart", (json_int_t)r.kept_apart,
                      "missing_essentials", (json_int_t)r.missing_essentials));
    }
    if (mood__srv_job_progress(j, "joining audio features", 0, 1)) {
        st = mood__error(MOOD_ECANCELED, "canceled");
        goto done;
    }
    {
        mood_history_join_report r;
        mood_status js = mood_history_join(cat, (const char *const *)hj->tables, hj->n_tables, &r);
        if (js == MOOD_OK)
            json_object_set_new(dash, "join",
                                json_pack("{s:I,s:I,s:I,s:f,s:f}", "tracks", (json_int_t)r.tracks,
                                          "matched_uri", (json_int_t)r.matched_uri, "matched_name",
                                          (json_int_t)r.matched_name, "track_match_rate",
                                          r.track_match_rate, "play_match_rate",
                                          r.play_match_rate));
        else
            step_result(dash, "join", js, NULL);
    }
    {
        mood_history_options o;
        char tz_buf[128];
        mood_history_options_default(&o);
        (void)mood_history_settings_load(cat, &o, tz_buf, sizeof tz_buf);
        if (hj->tz[0])
            o.tz = hj->tz;
        if (hj->gap_min > 0)
            o.gap_min = hj->gap_min;
        st = mood_history_load(cat, &o, &h);
        if (st != MOOD_OK)
            goto done;
        if (hj->tz[0] || hj->gap_min > 0)
            (void)mood_history_settings_save(cat, &o);
    }
    st = mood_history_store_sessions(cat, h);
    if (st != MOOD_OK)
        goto done;
    json_object_set_new(dash, "plays", json_integer((json_int_t)mood_history_n_plays(h)));
    json_object_set_new(dash, "sessions", json_integer((json_int_t)mood_history_n_sessions(h)));

    /* Each step's report comes back through json; call first, then record (the order in
     * which function arguments are evaluated is unspecified). */
    mood_status step;
    mood_history_train_options to;
    mood_history_train_options_default(&to);
    to.progress = mood__srv_job_progress;
    to.progress_user = j;
    json = NULL;
    mood__srv_job_progress(j, "track moods", 0, 1);
    step = mood_history_moods_fit(cat, h, &to, &json);
    step_result(dash, "moods", step, json);
    json = NULL;
    mood__srv_job_progress(j, "next-mood model", 0, 1);
    step = mood_history_nextmood_train(cat, h, &to, &json);
    step_result(dash, "nextmood", step, json);
    json = NULL;
    mood__srv_job_progress(j, "session-start model", 0, 1);
    step = mood_history_sessionstart_train(cat, h, &to, &json);
    step_result(dash, "sessionstart", step, json);
    json = NULL;
    step = mood_history_drift(cat, h, 0, NULL, &json);
    step_result(dash, "drift", step, json);
    json = NULL;
    if (mood__srv_job_progress(j, "report", 0, 1)) {
        st = mood__error(MOOD_ECANCELED, "canceled");
        goto done;
    }
    st = mood_history_report(cat, h, hj->out_dir, &json);
    if (st != MOOD_OK)
        goto done;
    step_result(dash, "report", MOOD_OK, json);
    {
        char *path = mood__srv_join(hj->out_dir, "dashboard.json");
        char *text = json_dumps(dash, JSON_INDENT(1) | JSON_REAL_PRECISION(8));
        st = path && text ? mood_atomic_write(path, text, strlen(text)) : mood__enomem("history");
        free(text);
        mood__free(path);
    }
    if (st == MOOD_OK)
        mood__srv_job_set_result(
            j, json_pack("{s:O,s:O,s:s}", "plays", json_object_get(dash, "plays"), "sessions",
                         json_object_get(dash, "sessions"), "link", "#/history"));
done:
    mood_history_destroy(h);
    mood_catalog_close(cat);
    json_decref(dash);
    return st;
}

static int confine_list(mood_server *s, json_t *arr, const char *field, char **out, size_t *n,
                        srv_response *rs)
{
    *n = 0;
    if (!arr || json_is_null(arr))
        return 1;
    if (!json_is_array(arr) || json_array_size(arr) > MAX_FILES) {
        mood__srv_error(rs, 400, "EINVAL", "field '%s': expected a list of at most %d files", field,
                        MAX_FILES);
        return 0;
    }
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const char *rel = json_string_value(json_array_get(arr, i));
        if (!rel) {
            mood__srv_error(rs, 400, "EINVAL", "field '%s'[%zu]: expected a string", field, i);
            return 0;
        }
        if (!mood__srv_confine_data(s, rel, &out[*n], rs))
            return 0;
        (*n)++;
    }
    return 1;
}

void mood__srv_submit_history(mood_server *s, json_t *body, srv_response *rs)
{
    if (!s->catalog) {
        mood__srv_error(rs, 400, "EINVAL", "history: this server has no catalog (--catalog)");
        return;
    }
    history_job *hj = mood__calloc(1, sizeof *hj);
    if (hj) {
        hj->catalog = mood__strdup(s->catalog);
        hj->out_dir = hj->catalog ? mood__srv_join(s->data_dir, "history") : NULL;
    }
    if (!hj || !hj->catalog || !hj->out_dir) {
        if (hj)
            history_job_free(hj);
        mood__srv_error(rs, 500, "ENOMEM", "out of memory");
        return;
    }
    if (!confine_list(s, json_object_get(body, "files"), "files", hj->files, &hj->n_files, rs) ||
        !confine_list(s, json_object_get(body, "tables"), "tables", hj->tables, &hj->n_tables,
                      rs)) {
        history_job_free(hj);
        return;
    }
    if (hj->n_files == 0) {
        mood__srv_error(rs, 400, "EINVAL", "field 'files': expected at least one uploaded export");
        history_job_free(hj);
        return;
    }
    json_t *tz = json_object_get(body, "tz"), *gap = json_object_get(body, "gap_min");
    if (tz && !json_is_null(tz)) {
        if (!json_is_string(tz) || json_string_length(tz) >= sizeof hj->tz) {
            mood__srv_error(rs, 400, "EINVAL", "field 'tz': expected a time-zone name");
            history_job_free(hj);
            return;
        }
        snprintf(hj->tz, sizeof hj->tz, "%s", json_string_value(tz));
    }
    if (gap && !json_is_null(gap)) {
        if (!json_is_number(gap) || json_number_value(gap) <= 0 || json_number_value(gap) > 1440) {
            mood__srv_error(rs, 400, "EINVAL", "field 'gap_min': expected minutes in (0, 1440]");
            history_job_free(hj);
            return;
        }
        hj->gap_min = json_number_value(gap);
    }
    if (mood_mkdirs(hj->out_dir) != MOOD_OK) {
        mood__srv_status_error(rs, MOOD_EIO, "history");
        history_job_free(hj);
        return;
    }
    mood__srv_job_accepted(s, rs, "history", body, history_job_run, hj, history_job_free);
}

/* Store an export as uploads/history/<name> after checking that its format is known. */
static void route_upload(mood_server *s, const srv_request *rq, srv_response *rs)
{
    char name[128], final[160];
    const char *given = mood__srv_query(rq, "name");
    /* Keep .json for Spotify exports; everything else is stored as .csv. */
    size_t gl = given ? strlen(given) : 0;
    int is_json = gl > 5 && strcmp(given + gl - 5, ".json") == 0;
    mood__srv_sanitize_upload_name(given, name, sizeof name);
    if (is_json) {
        size_t n = strlen(name);
        if (n > 4 && strcmp(name + n - 4, ".csv") == 0)
            name[n - 4] = '\0';
    }
    if (rq->body_len == 0) {
        mood__srv_error(rs, 400, "EFORMAT", "history upload: the file is empty");
        return;
    }
    char *dir = mood__srv_join(s->uploads_dir, "history");
    if (!dir || mood_mkdirs(dir) != MOOD_OK) {
        mood__free(dir);
        mood__srv_error(rs, 500, "EIO", "history upload: cannot create the uploads folder");
        return;
    }
    pthread_mutex_lock(&s->uploads_lock);
    snprintf(final, sizeof final, "%s", name);
    const char *dot = strrchr(name, '.');
    size_t stem = dot ? (size_t)(dot - name) : strlen(name);
    for (int i = 2; i < 10000; i++) {
        char *p = mood__srv_join(dir, final);
        int exists = p ? mood_path_exists(p) : 1;
        mood__free(p);
        if (!exists)
            break;
        snprintf(final, sizeof final, "%.*s-%d%s", (int)stem, name, i, name + stem);
    }
    char *path = mood__srv_join(dir, final);
    mood_status st =
        path ? mood_atomic_write(path, rq->body, rq->body_len) : mood__enomem("upload");
    pthread_mutex_unlock(&s->uploads_lock);
    mood__free(dir);
    mood_history_format f = MOOD_HISTORY_UNKNOWN;
    if (st == MOOD_OK)
        st = mood_history_detect(path, &f);
    if (st != MOOD_OK) {
        if (path)
            unlink(path);
        mood__srv_status_error(rs, st, "history upload");
    } else {
        char rel[220];
        snprintf(rel, sizeof rel, "uploads/history/%s", final);
        mood__srv_json(rs, 201,
                       json_pack("{s:s,s:s}", "path", rel, "format", mood_history_format_name(f)));
    }
    mood__free(path);
}

static void route_dashboard(mood_server *s, srv_response *rs)
{
    char *dir = mood__srv_join(s->data_dir, "history");
    char *path = dir ? mood__srv_join(dir, "dashboard.json") : NULL;
    json_t *d = path && mood_path_exists(path) ? json_load_file(path, 0, NULL) : NULL;
    json_t *files = json_array();
    DIR *dd = dir ? opendir(dir) : NULL;
    struct dirent *e;
    for (;;) {
        if (!dd)
            break;
        e = readdir(dd);
        if (e == NULL)
            break;
        size_t n = strlen(e->d_name);
        if (mood__srv_safe_name(e->d_name, 200) && n > 4 && strcmp(e->d_name + n - 4, ".png") == 0)
            json_array_append_new(files, json_string(e->d_name));
    }
    if (dd)
        closedir(dd);
    mood__free(path);
    mood__free(dir);
    mood__srv_json(rs, 200,
                   json_pack("{s:o,s:o}", "dashboard", d ? d : json_null(), "charts", files));
}

int mood__srv_api_history(mood_server *s, const srv_request *rq, srv_response *rs)
{
    char seg[4][256];
    size_t n = mood__srv_split(rq->path, seg, 3);
    if (n < 2 || n > 3 || strcmp(seg[0], "history") != 0)
        return 0;
    int get = strcmp(rq->method, "GET") == 0, post = strcmp(rq->method, "POST") == 0;
    if (n == 2 && strcmp(seg[1], "uploads") == 0 && post)
        route_upload(s, rq, rs);
    else if (n == 2 && strcmp(seg[1], "dashboard") == 0 && get)
        route_dashboard(s, rs);
    else if (n == 3 && strcmp(seg[1], "files") == 0 && get)
        mood__srv_data_file(s, "history", seg[2], rs);
    else
        mood__srv_error(rs, 404, "ENOTFOUND", "no API route %s %.200s", rq->method, rq->path);
    return 1;
}
