/*
 * Job routes: list, show, cancel, and submitting a clustering run as a background job.
 *   GET  /jobs              every job, newest first
 *   POST /jobs              {"kind":"cluster", ...} -> 202 {"job": {...}}
 *   GET  /jobs/{id}         one job
 *   POST /jobs/{id}/cancel  ask it to stop (also DELETE /jobs/{id})
 * The request is validated here, before anything is queued, so that a bad option is a 400 on
 * the spot rather than a failed job later. The job itself only calls the library.
 */
#include "../core/internal.h"
#include "server_internal.h"

#include <moodscope/csv.h>
#include <moodscope/run.h>

#include <stdlib.h>
#include <string.h>

#define MAX_INPUTS 32

/* Everything a cluster job needs, owned by the job. */
typedef struct cluster_job {
    mood_run_config config;
    char *paths[MAX_INPUTS];
    const char *cpaths[MAX_INPUTS];
    size_t n_paths;
    char *features, *label_column, *name, *runs_dir;
} cluster_job;

static void cluster_job_free(void *arg)
{
    cluster_job *cj = arg;
    if (!cj)
        return;
    for (size_t i = 0; i < cj->n_paths; i++)
        mood__free(cj->paths[i]);
    mood__free(cj->features);
    mood__free(cj->label_column);
    mood__free(cj->name);
    mood__free(cj->runs_dir);
    mood__free(cj);
}

static mood_status cluster_job_run(srv_job *j, void *arg)
{
    cluster_job *cj = arg;
    mood_table *t = NULL;
    mood_run *r = NULL;
    char run_id[128];
    if (mood__srv_job_progress(j, "reading", 0, 1))
        return mood__error(MOOD_ECANCELED, "canceled");
    mood_status st = mood_csv_read_many(cj->cpaths, cj->n_paths, NULL, &t);
    if (st != MOOD_OK)
        return st;
    st = mood_run_execute(&cj->config, t, mood__srv_job_progress, j, &r);
    if (st == MOOD_OK) {
        mood__srv_job_progress(j, "writing", 0, 1);
        st = mood_run_write(r, cj->runs_dir, run_id, sizeof run_id);
    }
    if (st == MOOD_OK) {
        char url[200];
        snprintf(url, sizeof url, "#/runs/%s", run_id);
        mood__srv_job_set_result(j, json_pack("{s:s,s:I,s:I,s:s}", "run_id", run_id, "k",
                                              (json_int_t)mood_run_k(r), "rows",
                                              (json_int_t)mood_run_rows(r), "link", url));
    }
    mood_run_destroy(r);
    mood_table_destroy(t);
    return st;
}

/* Read an optional integer field within [lo, hi]; 0 ok (or absent), -1 after a 400. */
static int opt_int(json_t *o, const char *key, long long lo, long long hi, long long *out,
                   srv_response *rs)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        mood__srv_error(rs, 400, "EINVAL", "field '%s': expected an integer in %lld..%lld", key, lo,
                        hi);
        return -1;
    }
    *out = json_integer_value(v);
    return 1;
}

static int opt_str(json_t *o, const char *key, size_t max, const char **out, srv_response *rs)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v) || json_string_length(v) > max ||
        strlen(json_string_value(v)) != json_string_length(v)) {
        mood__srv_error(rs, 400, "EINVAL", "field '%s': expected a string of at most %zu bytes",
                        key, max);
        return -1;
    }
    *out = json_string_value(v);
    return 1;
}

/* "features": "all-numeric" | "a,b" | ["a", "b"] into one comma list (mood__malloc'd). */
static int parse_features(json_t *o, char **out, srv_response *rs)
{
    json_t *v = json_object_get(o, "features");
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_string(v)) {
        if (json_string_length(v) > 65536) {
            mood__srv_error(rs, 400, "EINVAL", "field 'features': too long");
            return -1;
        }
        *out = mood__strdup(json_string_value(v));
        return *out ? 1 : -1;
    }
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > 4096) {
        mood__srv_error(
            rs, 400, "EINVAL",
            "field 'features': expected \"all-numeric\", a comma list or a list of names");
        return -1;
    }
    size_t total = 1, i;
    json_t *e;
    json_array_foreach(v, i, e)
    {
        const char *name = json_string_value(e);
        if (!name || !*name || strchr(name, ',') || json_string_length(e) > 256) {
            mood__srv_error(rs, 400, "EINVAL",
                            "field 'features'[%zu]: expected a column name without commas", i);
            return -1;
        }
        total += strlen(name) + 1;
    }
    char *list = mood__malloc(total);
    if (!list) {
        mood__srv_error(rs, 500, "ENOMEM", "out of memory");
        return -1;
    }
    list[0] = '\0';
    json_array_foreach(v, i, e)
    {
        if (i)
            strcat(list, ",");
        strcat(list, json_string_value(e));
    }
    *out = list;
    return 1;
}

/* "inputs": one file name or a list, each confined to the data folder; -1 with the response
 * set on bad input. */
static int cj_inputs(mood_server *s, json_t *body, cluster_job *cj, srv_response *rs)
{
    json_t *inputs = json_object_get(body, "inputs");
    int ok = 1;
    if (json_is_string(inputs))
        inputs = json_pack("[O]", inputs);
    else
        json_incref(inputs);
    if (!json_is_array(inputs) || json_array_size(inputs) == 0 ||
        json_array_size(inputs) > MAX_INPUTS) {
        json_decref(inputs);
        mood__srv_error(rs, 400, "EINVAL",
                        "field 'inputs': expected 1..%d file names relative to the data folder",
                        MAX_INPUTS);
        return -1;
    }
    for (size_t i = 0; ok && i < json_array_size(inputs); i++) {
        const char *rel = json_string_value(json_array_get(inputs, i));
        if (!rel) {
            mood__srv_error(rs, 400, "EINVAL", "field 'inputs'[%zu]: expected a string", i);
            ok = 0;
        } else if (!mood__srv_confine_data(s, rel, &cj->paths[cj->n_paths], rs)) {
            ok = 0;
        } else {
            cj->cpaths[cj->n_paths] = cj->paths[cj->n_paths];
            cj->n_paths++;
        }
    }
    json_decref(inputs);
    if (!ok)
        return -1;
    cj->config.input_files = cj->cpaths;
    cj->config.n_input_files = cj->n_paths;
    return 0;
}

/* "scaler", "algorithm" and "k" (a number or "auto"); -1 with the response set. */
static int cj_method(json_t *body, mood_run_config *c, srv_response *rs)
{
    const char *str = NULL;
    long long v = 0;
    if (opt_str(body, "scaler", 32, &str, rs) < 0)
        return -1;
    if (str && mood_scaler_kind_parse(str, &c->scaler) != MOOD_OK) {
        mood__srv_error(rs, 400, "EINVAL",
                        "field 'scaler': expected standard, minmax, robust or none, found '%.40s'",
                        str);
        return -1;
    }
    str = NULL;
    if (opt_str(body, "algorithm", 32, &str, rs) < 0)
        return -1;
    if (str && mood_algorithm_parse(str, &c->cluster.algorithm) != MOOD_OK) {
        mood__srv_error(rs, 400, "EINVAL",
                        "field 'algorithm': expected kmeans, minibatch, gmm, dbscan or spectral, "
                        "found '%.40s'",
                        str);
        return -1;
    }
    json_t *k = json_object_get(body, "k");
    if (json_is_string(k) && strcmp(json_string_value(k), "auto") == 0) {
        c->auto_k = 1;
    } else if (k && !json_is_null(k)) {
        if (opt_int(body, "k", 1, 1000, &v, rs) < 0)
            return -1;
        c->auto_k = 0;
        c->cluster.k = (size_t)v;
    }
    return 0;
}

/* The optional count fields and "eps"; -1 with the response set. */
static int cj_counts(json_t *body, mood_run_config *c, srv_response *rs)
{
    long long v = 0;
    int r = opt_int(body, "k_min", 2, 100, &v, rs);
    if (r < 0)
        return -1;
    if (r)
        c->autok.k_min = (size_t)v;
    r = opt_int(body, "k_max", 2, 100, &v, rs);
    if (r < 0)
        return -1;
    if (r)
        c->autok.k_max = (size_t)v;
    if (c->autok.k_min && c->autok.k_max && c->autok.k_min > c->autok.k_max) {
        mood__srv_error(rs, 400, "EINVAL", "fields 'k_min'..'k_max': expected k_min <= k_max");
        return -1;
    }
    r = opt_int(body, "seed", 0, (long long)1 << 53, &v, rs);
    if (r < 0)
        return -1;
    if (r)
        c->cluster.seed = (uint64_t)v;
    r = opt_int(body, "n_init", 1, 100, &v, rs);
    if (r < 0)
        return -1;
    if (r)
        c->cluster.n_init = (size_t)v;
    r = opt_int(body, "max_iter", 1, 100000, &v, rs);
    if (r < 0)
        return -1;
    if (r)
        c->cluster.max_iter = (size_t)v;
    r = opt_int(body, "min_samples", 1, 10000, &v, rs);
    if (r < 0)
        return -1;
    if (r)
        c->cluster.min_samples = (size_t)v;
    r = opt_int(body, "pca_components", 0, 1000, &v, rs);
    if (r < 0)
        return -1;
    if (r)
        c->pca_components = (size_t)v;
    json_t *eps = json_object_get(body, "eps");
    if (eps && !json_is_null(eps)) {
        if (!json_is_number(eps) || json_number_value(eps) < 0) {
            mood__srv_error(rs, 400, "EINVAL", "field 'eps': expected a number >= 0");
            return -1;
        }
        c->cluster.eps = json_number_value(eps);
    }
    return 0;
}

/* "label_column", "name" and the runs folder, copied into the job; -1 with the response set. */
static int cj_names(mood_server *s, json_t *body, cluster_job *cj, srv_response *rs)
{
    mood_run_config *c = &cj->config;
    const char *str = NULL;
    if (opt_str(body, "label_column", 256, &str, rs) < 0)
        return -1;
    if (str && *str) {
        cj->label_column = mood__strdup(str);
        if (!cj->label_column)
            goto oom;
    }
    c->label_column = cj->label_column;
    str = NULL;
    if (opt_str(body, "name", 60, &str, rs) < 0)
        return -1;
    if (str && *str) {
        cj->name = mood__strdup(str);
        if (!cj->name)
            goto oom;
    }
    c->name = cj->name;
    cj->runs_dir = mood__strdup(s->runs_dir);
    if (!cj->runs_dir)
        goto oom;
    return 0;
oom:
    mood__srv_error(rs, 500, "ENOMEM", "out of memory");
    return -1;
}

static void submit_cluster(mood_server *s, json_t *body, srv_response *rs)
{
    cluster_job *cj = mood__calloc(1, sizeof *cj);
    if (!cj) {
        mood__srv_error(rs, 500, "ENOMEM", "out of memory");
        return;
    }
    mood_run_config *c = &cj->config;
    mood_run_config_default(c);
    c->auto_k = 1;
    if (cj_inputs(s, body, cj, rs) < 0)
        goto fail;
    if (parse_features(body, &cj->features, rs) < 0)
        goto fail;
    c->features = cj->features;
    if (cj_method(body, c, rs) < 0 || cj_counts(body, c, rs) < 0 || cj_names(s, body, cj, rs) < 0)
        goto fail;

    mood__srv_job_accepted(s, rs, "cluster", body, cluster_job_run, cj, cluster_job_free);
    return;
fail:
    cluster_job_free(cj);
}

void mood__srv_job_accepted(mood_server *s, srv_response *rs, const char *kind, const json_t *body,
                            srv_job_fn fn, void *arg, void (*free_arg)(void *))
{
    char id[64];
    if (mood__srv_jobs_submit(s->jobs, kind, json_deep_copy(body), fn, arg, free_arg, id,
                              sizeof id) != MOOD_OK) {
        mood__srv_status_error(rs, MOOD_ENOMEM, "jobs");
        return;
    }
    mood__srv_json(rs, 202, json_pack("{s:o}", "job", mood__srv_jobs_get(s->jobs, id)));
}

int mood__srv_api_jobs(mood_server *s, const srv_request *rq, srv_response *rs)
{
    char seg[4][256];
    size_t n = mood__srv_split(rq->path, seg, 3);
    if (n == 0 || n > 3 || strcmp(seg[0], "jobs") != 0)
        return 0;
    int get = strcmp(rq->method, "GET") == 0, post = strcmp(rq->method, "POST") == 0;
    if (n == 1) {
        if (get) {
            mood__srv_json(rs, 200, json_pack("{s:o}", "jobs", mood__srv_jobs_list(s->jobs)));
        } else if (post) {
            json_t *body = mood__srv_body_json(rq, rs);
            if (!body)
                return 1;
            const char *kind = json_string_value(json_object_get(body, "kind"));
            if (kind && strcmp(kind, "cluster") == 0)
                submit_cluster(s, body, rs);
            else if (kind && strcmp(kind, "analyze") == 0)
                mood__srv_submit_analyze(s, body, rs);
            else if (kind && strcmp(kind, "history") == 0)
                mood__srv_submit_history(s, body, rs);
            else if (kind && strcmp(kind, "mix") == 0)
                mood__srv_submit_mix(s, body, rs);
            else
                mood__srv_error(rs, 400, "EINVAL",
                                "field 'kind': expected cluster, analyze, history or mix");
            json_decref(body);
        } else {
            mood__srv_error(rs, 405, "EMETHOD", "/jobs: use GET or POST");
        }
        return 1;
    }
    if (!mood__srv_safe_name(seg[1], 40)) {
        mood__srv_error(rs, 404, "ENOTFOUND", "job '%.60s': no such job", seg[1]);
        return 1;
    }
    int cancel = (n == 3 && strcmp(seg[2], "cancel") == 0 && post) ||
                 (n == 2 && strcmp(rq->method, "DELETE") == 0);
    if (cancel) {
        int finished;
        if (mood__srv_jobs_cancel(s->jobs, seg[1], &finished) != MOOD_OK)
            mood__srv_error(rs, 404, "ENOTFOUND", "job '%s': no such job", seg[1]);
        else
            mood__srv_json(rs, finished ? 200 : 202,
                           json_pack("{s:o}", "job", mood__srv_jobs_get(s->jobs, seg[1])));
        return 1;
    }
    if (n == 2 && get) {
        json_t *j = mood__srv_jobs_get(s->jobs, seg[1]);
        if (!j)
            mood__srv_error(rs, 404, "ENOTFOUND", "job '%s': no such job", seg[1]);
        else
            mood__srv_json(rs, 200, json_pack("{s:o}", "job", j));
        return 1;
    }
    mood__srv_error(rs, n == 3 ? 404 : 405, n == 3 ? "ENOTFOUND" : "EMETHOD",
                    "no API route %s %.200s", rq->method, rq->path);
    return 1;
}
