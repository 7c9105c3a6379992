/*
 * A run from a fit done elsewhere (run_fit.h): the pipeline is filled from the fitted pieces,
 * then the same steps as mood_run_execute() (run.c) score, profile, name and map the rows.
 */
#include "run_fit.h"

#include "run_internal.h"

#include "../core/clock.h"
#include "../core/internal.h"
#include "../io/json_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static mood_status fill_pipe(mood_run *r, mood_run_fit *in)
{
    mood_pipeline *p = r->pipe;
    p->d = r->d;
    p->features = mood__calloc(r->d, sizeof(char *));
    p->median = mood__malloc_array(r->d, sizeof(float));
    p->k = r->k;
    p->sizes = mood__calloc(r->k, sizeof(size_t));
    p->names = mood__calloc(r->k, sizeof(char *));
    if (!p->features || !p->median || !p->sizes || !p->names)
        return mood__enomem("run");
    for (size_t j = 0; j < r->d; j++) {
        p->features[j] = mood__strdup(r->flist.names[j]);
        if (!p->features[j])
            return mood__enomem("run");
    }
    memcpy(p->median, in->median, r->d * sizeof(float));
    memcpy(p->sizes, in->sizes, r->k * sizeof(size_t));
    p->scaler = *in->scaler;
    memset(in->scaler, 0, sizeof *in->scaler);
    p->model = in->model;
    in->model = NULL;
    return MOOD_OK;
}

static mood_status score_and_name(mood_run *r, const float *xs, const mood_run_fit *in)
{
    mood_status s = mood__run_scores(r, xs, r->d, in->config->cluster.seed);
    if (s != MOOD_OK)
        return s;
    if (!isnan(in->inertia))
        r->scores.inertia = in->inertia;
    s = mood_profile_compute(r->raw, r->n, r->d, (const char *const *)r->flist.names, r->labels,
                             r->k, &r->profile);
    for (size_t g = 0; s == MOOD_OK && g < r->k; g++) {
        r->pipe->names[g] = mood__strdup(mood_profile_name(r->profile, g));
        if (!r->pipe->names[g])
            s = mood__enomem("run");
    }
    return s;
}

static void build_meta(mood_run *r, mood_run_fit *in)
{
    mood_run_meta_in mi = {in->config,  in->missing,   in->rows, in->cols,
                           in->timings, in->extra_key, in->extra};
    in->timings = NULL;
    in->extra = NULL;
    r->data_hash = in->data_hash;
    mood__run_meta_build(r, &mi);
}

mood_status mood__run_from_fit(mood_run_fit *in, mood_run **out)
{
    mood_run *r = mood__calloc(1, sizeof *r);
    float *xs = NULL;
    size_t dim = 0;
    *out = NULL;
    if (!r) {
        mood__free(in->raw);
        mood__free(in->labels);
        mood__free(in->dist);
        in->raw = in->dist = NULL;
        in->labels = NULL;
        return mood__enomem("run");
    }
    r->raw = in->raw;
    r->labels = in->labels;
    r->dist = in->dist;
    in->raw = in->dist = NULL;
    in->labels = NULL;
    r->n = in->n;
    r->d = in->d;
    r->k = in->k;
    r->flist = *in->flist;
    memset(in->flist, 0, sizeof *in->flist);
    r->meta = json_object();
    r->pipe = mood__calloc(1, sizeof *r->pipe);
    mood__utc_now(r->created_utc, sizeof r->created_utc, r->created_compact,
                  sizeof r->created_compact);
    mood_status s = r->meta && r->pipe ? mood_table_create(r->n, &r->table) : mood__enomem("run");
    if (s == MOOD_OK)
        s = fill_pipe(r, in);
    if (s == MOOD_OK)
        s = mood__pipeline_transform(r->pipe, r->raw, r->n, &xs, &dim);
    if (s == MOOD_OK)
        s = score_and_name(r, xs, in);
    if (s == MOOD_OK)
        s = mood__run_build_map(r, xs);
    if (s == MOOD_OK)
        build_meta(r, in);
    mood__free(xs);
    json_decref(in->timings);
    json_decref(in->extra);
    in->timings = in->extra = NULL;
    if (s != MOOD_OK) {
        mood_run_destroy(r);
        return s;
    }
    *out = r;
    return MOOD_OK;
}

void mood__run_restamp(mood_run *r)
{
    mood__utc_now(r->created_utc, sizeof r->created_utc, r->created_compact,
                  sizeof r->created_compact);
    json_object_set_new(r->meta, "created_utc", json_string(r->created_utc));
}

mood_status mood__run_drop_rows_output(mood_run *r, const char *dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/clustered_output.csv", dir);
    remove(path);
    json_object_del(json_object_get(r->meta, "artifacts"), "clustered_output");
    snprintf(path, sizeof path, "%s/run_metadata.json", dir);
    return mood__json_write(path, r->meta, 9);
}

mood_status mood__pipeline_parse(const char *text, size_t len, const char *file,
                                 mood_pipeline **out)
{
    json_error_t err;
    json_t *j = json_loadb(text, len, 0, &err);
    *out = NULL;
    if (!j)
        return mood__error(MOOD_EFORMAT, "%s:%d: %s", file, err.line, err.text);
    mood_status s = mood__pipeline_from_json(j, file, out);
    json_decref(j);
    return s;
}

char *const *mood__pipeline_names(const mood_pipeline *p)
{
    return p->names;
}
