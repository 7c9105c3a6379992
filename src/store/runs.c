/*
 * Reading stored runs: listing runs/ and reading one run's metadata.
 */
#define _POSIX_C_SOURCE 200809L
#include "../core/internal.h"
#include "../io/json_util.h"

#include <moodscope/fileio.h>
#include <moodscope/run.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A run id or snapshot name must be one plain path component. */
static int safe_component(const char *s)
{
    return s && s[0] && s[0] != '.' && !strchr(s, '/') && !strchr(s, '\\') && strlen(s) < 200;
}

mood_status mood_run_read_metadata(const char *runs_dir, const char *run_id, char **out_json)
{
    char path[4096];
    if (!safe_component(run_id))
        return mood__error(MOOD_EINVAL, "'%s' is not a run id", run_id ? run_id : "");
    snprintf(path, sizeof path, "%s/%s/run_metadata.json", runs_dir, run_id);
    if (!mood_path_exists(path))
        return mood__error(MOOD_ENOTFOUND, "run '%s' not found in %s", run_id, runs_dir);
    return mood_read_file(path, out_json, NULL);
}

static double num_or_nan(const json_t *v)
{
    return json_is_number(v) ? json_number_value(v) : (double)NAN;
}

static void fill_summary(const json_t *m, mood_run_summary *s)
{
    const json_t *cfg = json_object_get(m, "config");
    const json_t *met = json_object_get(m, "metrics");
    const json_t *data = json_object_get(m, "data");
    mood__json_copy_str(m, "created_utc", s->created_utc, sizeof s->created_utc);
    mood__json_copy_str(cfg, "algorithm", s->algorithm, sizeof s->algorithm);
    mood__json_copy_str(cfg, "name", s->name, sizeof s->name);
    s->k = (size_t)json_integer_value(json_object_get(met, "k"));
    s->n_rows = (size_t)json_integer_value(json_object_get(data, "rows"));
    s->n_features = json_array_size(json_object_get(cfg, "features_used"));
    s->silhouette = num_or_nan(json_object_get(met, "silhouette"));
    s->calinski_harabasz = num_or_nan(json_object_get(met, "calinski_harabasz"));
    s->davies_bouldin = num_or_nan(json_object_get(met, "davies_bouldin"));
    s->score = num_or_nan(json_object_get(met, "composite_score"));
}

static int newest_first(const void *a, const void *b)
{
    return -strcmp(((const mood_run_summary *)a)->run_id, ((const mood_run_summary *)b)->run_id);
}

mood_status mood_runs_list(const char *runs_dir, mood_run_summary **out, size_t *n)
{
    DIR *dir = opendir(runs_dir);
    struct dirent *e;
    size_t cap = 16;
    *out = NULL;
    *n = 0;
    if (!dir)
        return MOOD_OK; /* no runs yet */
    mood_run_summary *v = mood__calloc(cap, sizeof *v);
    if (!v) {
        closedir(dir);
        return mood__enomem("runs");
    }
    for (;;) {
        e = readdir(dir);
        if (!e)
            break;
        char path[4096];
        json_t *m;
        if (!safe_component(e->d_name))
            continue;
        snprintf(path, sizeof path, "%s/%s/run_metadata.json", runs_dir, e->d_name);
        if (mood__json_load(path, &m) != MOOD_OK)
            continue; /* not a run directory */
        if (*n == cap) {
            mood_run_summary *nv = mood__realloc(v, 2 * cap * sizeof *v);
            if (!nv) {
                json_decref(m);
                closedir(dir);
                mood__free(v);
                return mood__enomem("runs");
            }
            v = nv;
            cap *= 2;
        }
        memset(&v[*n], 0, sizeof *v);
        snprintf(v[*n].run_id, sizeof v[*n].run_id, "%s", e->d_name);
        fill_summary(m, &v[*n]);
        json_decref(m);
        (*n)++;
    }
    closedir(dir);
    mood_clear_error();
    qsort(v, *n, sizeof *v, newest_first);
    *out = v;
    return MOOD_OK;
}
