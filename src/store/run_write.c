/*
 * Writing a run directory (ARCHITECTURE.md §4). Every file is written into a hidden temporary
 * directory beside the final one, which is renamed into place last, so an interrupted or
 * failed write never leaves a half-written run.
 */
#define _POSIX_C_SOURCE 200809L
#include "run_internal.h"

#include "../core/internal.h"
#include "../io/json_util.h"

#include <moodscope/csv.h>
#include <moodscope/fileio.h>
#include <moodscope/plot.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* GMM: the soft membership of every row in every group, as columns p_group_<c>. */
static mood_status add_memberships(mood_run *r, mood_table *t)
{
    size_t dim, k = r->k;
    float *x, *proba, *col;
    mood_status s = mood__pipeline_transform(r->pipe, r->raw, r->n, &x, &dim);
    if (s != MOOD_OK)
        return s;
    proba = mood__malloc_array(r->n, k * sizeof(float));
    col = mood__malloc_array(r->n, sizeof(float));
    if (!proba || !col)
        s = mood__enomem("memberships");
    if (s == MOOD_OK)
        s = mood_cluster_predict_proba(r->pipe->model, x, r->n, dim, proba);
    for (size_t c = 0; s == MOOD_OK && c < k; c++) {
        char name[32];
        snprintf(name, sizeof name, "p_group_%zu", c);
        for (size_t i = 0; i < r->n; i++)
            col[i] = proba[i * k + c];
        s = mood_table_add_num(t, name, col);
    }
    mood__free(x);
    mood__free(proba);
    mood__free(col);
    return s;
}

/* Input rows + cluster, cluster_name, distance (replacing columns of those names). */
static mood_status write_clustered(mood_run *r, const char *path)
{
    static const char *const added[] = {"cluster", "cluster_name", "distance"};
    mood_table *t;
    mood_status s = mood_table_clone(r->table, &t);
    size_t j;
    if (s != MOOD_OK)
        return s;
    for (size_t a = 0; a < 3; a++)
        if (mood_table_find(t, added[a], &j) == MOOD_OK)
            mood_table_drop(t, j);
    mood_clear_error();
    float *cl = mood__malloc_array(r->n, sizeof(float));
    const char **names = mood__calloc(r->n, sizeof(char *));
    if (!cl || !names) {
        s = mood__enomem("clustered_output.csv");
    } else {
        for (size_t i = 0; i < r->n; i++) {
            cl[i] = (float)r->labels[i];
            names[i] = r->labels[i] >= 0 ? mood_pipeline_group_name(r->pipe, (size_t)r->labels[i])
                                         : "noise";
        }
        s = mood_table_add_num(t, "cluster", cl);
        if (s == MOOD_OK)
            s = mood_table_add_str(t, "cluster_name", names);
        if (s == MOOD_OK)
            s = mood_table_add_num(t, "distance", r->dist);
        if (s == MOOD_OK && mood_cluster_model_algorithm(r->pipe->model) == MOOD_ALGO_GMM)
            s = add_memberships(r, t);
        if (s == MOOD_OK)
            s = mood_csv_write(path, t, NULL);
    }
    mood__free(cl);
    mood__free(names);
    mood_table_destroy(t);
    return s;
}

static mood_status write_map(mood_run *r, const char *path)
{
    mood_atomic_file *af;
    FILE *fp;
    mood_status s = mood_atomic_open(path, &af, &fp);
    if (s != MOOD_OK)
        return s;
    fprintf(fp, "row,x,y,cluster\n");
    for (size_t i = 0; i < r->n; i++)
        fprintf(fp, "%zu,%.6g,%.6g,%d\n", i, (double)r->map_xy[2 * i], (double)r->map_xy[2 * i + 1],
                r->labels[i]);
    return mood_atomic_commit(af);
}

static mood_status write_plot(mood_run *r, const char *path)
{
    mood_scatter_spec sp;
    char title[256];
    const char *cfg_name =
        json_string_value(json_object_get(json_object_get(r->meta, "config"), "name"));
    memset(&sp, 0, sizeof sp);
    snprintf(title, sizeof title, "%s%s%zu mood groups, %zu rows (%s)", cfg_name ? cfg_name : "",
             cfg_name ? ": " : "", r->k, r->n,
             mood_algorithm_name(mood_cluster_model_algorithm(r->pipe->model)));
    sp.xy = r->map_xy;
    sp.n = r->n;
    sp.labels = r->labels;
    sp.k = r->k;
    sp.group_names = (const char *const *)r->pipe->names;
    sp.centroids_xy = r->centroid_xy;
    sp.title = title;
    sp.x_label = r->axis_label[0];
    sp.y_label = r->axis_label[1];
    return mood_plot_scatter(&sp, path);
}

/* The curve of the criterion that chose k, as a plotted series; NaN where it has no value. */
static double k_crit_value(const mood_k_point *p, const char *crit, double *err)
{
    *err = NAN;
    if (strcmp(crit, "gap") == 0) {
        *err = p->gap_sd;
        return p->gap;
    }
    if (strcmp(crit, "stability") == 0)
        return p->stability;
    if (strcmp(crit, "bic") == 0)
        return isfinite(p->bic) ? p->bic : p->bic_kmeans;
    return p->silhouette;
}

/*
 * k_selection.json and .png: the criterion that chose k (with its error bars for the gap) on
 * the left axis, inertia on the right, the chosen k and the elbow marked, the rule and the
 * policy under the title.
 */
static mood_status write_k_curve(mood_run *r, const char *dir)
{
    char path[4096], title[96], ylab[64], note[512], mark[64], mark2[64];
    const mood_autok_result *a = &r->autok;
    const char *crit = a->criterion ? a->criterion : "silhouette";
    size_t n = a->n_points, k_sil = 0;
    double *buf = mood__calloc(4 * (n + 1), sizeof(double));
    if (!buf)
        return mood__enomem("k curve");
    double *xs = buf, *cv = buf + (n + 1), *err = buf + 2 * (n + 1), *inertia = buf + 3 * (n + 1);
    double best_sil = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        xs[i] = (double)a->points[i].k;
        cv[i] = k_crit_value(&a->points[i], crit, &err[i]);
        inertia[i] = a->points[i].inertia;
        if (a->points[i].silhouette > best_sil) {
            best_sil = a->points[i].silhouette;
            k_sil = a->points[i].k;
        }
    }
    snprintf(path, sizeof path, "%s/k_selection.json", dir);
    mood_status s = mood__json_write(path, json_object_get(r->meta, "k_selection"), 9);
    if (s == MOOD_OK) {
        const double *ys[2] = {cv, inertia}, *es[2] = {err, NULL};
        const char *names[2] = {ylab, "inertia"};
        mood_lines_spec sp;
        memset(&sp, 0, sizeof sp);
        snprintf(title, sizeof title, "Choosing the number of groups: %s", crit);
        snprintf(ylab, sizeof ylab, "%s%s", crit, strcmp(crit, "gap") == 0 ? " (± s)" : "");
        snprintf(note, sizeof note, "rule: %s; at least %zu groups; decided by %s%s%zu",
                 a->rule ? a->rule : crit, a->min_clusters ? a->min_clusters : 2,
                 a->decided_by ? a->decided_by : "criterion",
                 strcmp(crit, "silhouette") ? "; silhouette's best: k=" : "; k=",
                 strcmp(crit, "silhouette") ? k_sil : a->k_best);
        snprintf(mark, sizeof mark, "chosen k = %zu (%s)", a->k_best, crit);
        snprintf(mark2, sizeof mark2, "elbow k = %zu", a->k_elbow);
        if (a->k_elbow && a->k_elbow != a->k_best) {
            sp.mark2_x = (double)a->k_elbow;
            sp.mark2_label = mark2;
        }
        sp.x = xs;
        sp.n_points = n;
        sp.y = ys;
        sp.y_err = es;
        sp.n_series = 2;
        sp.series_names = names;
        sp.secondary_axis_from = 1;
        sp.mark_x = (double)a->k_best;
        sp.mark_label = mark;
        sp.title = title;
        sp.note = note;
        sp.x_label = "k (groups)";
        sp.y_label = ylab;
        sp.y2_label = "inertia";
        snprintf(path, sizeof path, "%s/k_selection.png", dir);
        s = mood_plot_lines(&sp, path);
    }
    mood__free(buf);
    return s;
}

static mood_status write_model(mood_run *r, const char *path)
{
    json_t *j;
    mood_status s = mood__pipeline_to_json(r->pipe, &j);
    if (s != MOOD_OK)
        return s;
    json_object_set_new(j, "run_id", json_string(r->id));
    mood__model_json_seal(j); /* the run id is part of the checksummed content */
    s = mood__json_write(path, j, 17);
    json_decref(j);
    return s;
}

mood_status mood_run_write(mood_run *r, const char *runs_dir, char *out_run_id, size_t cap)
{
    char tmp[4096], final[4096], path[4096];
    mood_status s;
    json_t *art;
    s = mood_mkdirs(runs_dir);
    if (s != MOOD_OK)
        return s;
    /* Sortable and unique: UTC time + hash of config and data (+ a counter on collision). */
    snprintf(r->id, sizeof r->id, "%s-%08llx", r->created_compact,
             (unsigned long long)((r->config_hash ^ (r->data_hash * 31)) & 0xffffffffULL));
    snprintf(final, sizeof final, "%s/%s", runs_dir, r->id);
    for (int i = 2; mood_path_exists(final) && i < 1000; i++) {
        char base[96];
        snprintf(base, sizeof base, "%.80s", r->id);
        char *dash = strrchr(base, '.');
        if (dash && i > 2)
            *dash = '\0';
        snprintf(r->id, sizeof r->id, "%.80s.%d", base, i);
        snprintf(final, sizeof final, "%s/%s", runs_dir, r->id);
    }
    snprintf(tmp, sizeof tmp, "%s/.tmp-%s-%ld", runs_dir, r->id, (long)getpid());
    mood_rmtree(tmp);
    s = mood_mkdirs(tmp);
    if (s != MOOD_OK)
        return s;

    art = json_object();
    json_object_set_new(r->meta, "run_id", json_string(r->id));
    snprintf(path, sizeof path, "%s/clustered_output.csv", tmp);
    s = write_clustered(r, path);
    if (s != MOOD_OK)
        goto fail;
    json_object_set_new(art, "clustered_output", json_string("clustered_output.csv"));
    snprintf(path, sizeof path, "%s/map.csv", tmp);
    s = write_map(r, path);
    if (s != MOOD_OK)
        goto fail;
    json_object_set_new(art, "map", json_string("map.csv"));
    snprintf(path, sizeof path, "%s/clusters_plot.png", tmp);
    s = write_plot(r, path);
    if (s != MOOD_OK)
        goto fail;
    json_object_set_new(art, "plot", json_string("clusters_plot.png"));
    if (r->has_autok) {
        s = write_k_curve(r, tmp);
        if (s != MOOD_OK)
            goto fail;
        json_object_set_new(art, "k_selection", json_string("k_selection.json"));
        json_object_set_new(art, "k_selection_plot", json_string("k_selection.png"));
    }
    snprintf(path, sizeof path, "%s/profiles.csv", tmp);
    s = mood_profile_write_csv(r->profile, path);
    if (s != MOOD_OK)
        goto fail;
    json_object_set_new(art, "profiles", json_string("profiles.csv"));
    if (r->lprof) {
        snprintf(path, sizeof path, "%s/label_profiles.csv", tmp);
        s = mood_label_profile_write_csv(r->lprof, path);
        if (s != MOOD_OK)
            goto fail;
        json_object_set_new(art, "label_profiles", json_string("label_profiles.csv"));
    }
    snprintf(path, sizeof path, "%s/model.json", tmp);
    s = write_model(r, path);
    if (s != MOOD_OK)
        goto fail;
    json_object_set_new(art, "model", json_string("model.json"));
    json_object_set_new(art, "metadata", json_string("run_metadata.json"));
    json_object_set_new(r->meta, "artifacts", art);
    art = NULL;
    snprintf(path, sizeof path, "%s/run_metadata.json", tmp);
    s = mood__json_write(path, r->meta, 9);
    if (s != MOOD_OK)
        goto fail;
    s = mood_dir_publish(tmp, final);
    if (s != MOOD_OK)
        goto fail;
    free(r->meta_text);
    r->meta_text = json_dumps(r->meta, JSON_INDENT(2) | JSON_REAL_PRECISION(9));
    if (out_run_id)
        snprintf(out_run_id, cap, "%s", r->id);
    return MOOD_OK;
fail:
    json_decref(art);
    mood_rmtree(tmp);
    r->id[0] = '\0';
    return s;
}
