/*
 * Executing one run configuration on a table: features → median imputation → scaler →
 * optional PCA → (automatic k) → clustering → scores → profiles and names → 2-D map.
 * Everything stays in memory; run_write.c turns the result into a run directory.
 */
#define _POSIX_C_SOURCE 200809L
#include "run_internal.h"

#include "../core/clock.h"
#include "../core/hash.h"
#include "../core/internal.h"
#include "../io/json_util.h"

#include <moodscope/search.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void mood_run_config_default(mood_run_config *c)
{
    memset(c, 0, sizeof *c);
    c->scaler = MOOD_SCALER_STANDARD;
    mood_cluster_params_default(&c->cluster);
    mood_autok_params_default(&c->autok);
}

void mood_run_destroy(mood_run *r)
{
    if (!r)
        return;
    mood_table_destroy(r->table);
    mood_feature_list_free(&r->flist);
    mood__free(r->raw);
    mood_pipeline_destroy(r->pipe);
    mood__free(r->labels);
    mood__free(r->dist);
    mood_autok_result_free(&r->autok);
    mood_profile_destroy(r->profile);
    mood_label_profile_destroy(r->lprof);
    mood__free(r->label_column);
    mood__free(r->map_xy);
    mood__free(r->centroid_xy);
    json_decref(r->meta);
    free(r->meta_text);
    mood__free(r);
}

size_t mood_run_k(const mood_run *r)
{
    return r->k;
}

size_t mood_run_rows(const mood_run *r)
{
    return r->n;
}

const int32_t *mood_run_labels(const mood_run *r)
{
    return r->labels;
}

const char *mood_run_metadata_json(const mood_run *r)
{
    return r->meta_text ? r->meta_text : "{}";
}

const char *mood_run_group_name(const mood_run *r, size_t c)
{
    return mood_pipeline_group_name(r->pipe, c);
}

size_t mood_run_group_size(const mood_run *r, size_t c)
{
    return c < r->k ? r->pipe->sizes[c] : 0;
}

const mood_pipeline *mood_run_pipeline(const mood_run *r)
{
    return r->pipe;
}

const char *mood_run_id(const mood_run *r)
{
    return r->id;
}

static double seconds_since(const double *t0)
{
    return mood__now() - *t0;
}

/* The configuration as recorded in run_metadata.json (and hashed into the run id). */
json_t *mood__run_config_json(const mood_run_config *c, const mood_feature_list *fl)
{
    const mood_cluster_params *p = &c->cluster;
    json_t *used = json_array();
    for (size_t j = 0; j < fl->k; j++)
        json_array_append_new(used, json_string(fl->names[j]));
    json_t *o = json_pack(
        "{s:s?, s:s, s:o, s:s, s:s, s:o, s:b, s:{s:I, s:I}, s:o, s:I, s:I, s:f, s:f, s:I, s:s, "
        "s:I, s:I, s:I, s:s?}",
        "name", c->name, "features_spec", c->features ? c->features : "all-numeric",
        "features_used", used, "scaler", mood_scaler_kind_name(c->scaler), "algorithm",
        mood_algorithm_name(p->algorithm), "n_clusters",
        c->auto_k ? json_null() : json_integer((json_int_t)p->k), "auto_k", c->auto_k, "k_range",
        "min", (json_int_t)c->autok.k_min, "max", (json_int_t)c->autok.k_max, "seed",
        mood__json_seed(p->seed), "n_init", (json_int_t)p->n_init, "max_iter",
        (json_int_t)p->max_iter, "tol", p->tol, "eps", p->eps, "min_samples",
        (json_int_t)p->min_samples, "covariance", p->covariance == MOOD_COV_DIAG ? "diag" : "full",
        "n_neighbors", (json_int_t)p->n_neighbors, "batch_size", (json_int_t)p->batch_size,
        "pca_components", (json_int_t)c->pca_components, "label_column", c->label_column);
    if (o)
        json_object_set_new(o, "search", json_boolean(c->search));
    if (o && c->auto_k) {
        json_object_set_new(o, "k_criterion",
                            json_string(mood_k_criterion_name(c->autok.criterion)));
        json_object_set_new(o, "min_clusters", json_integer((json_int_t)c->autok.min_clusters));
    }
    return o;
}

/* Fit the imputation, scaler and optional PCA of the pipeline on the raw matrix. */
static mood_status fit_preprocessing(const mood_run_config *c, mood_run *r, size_t *missing)
{
    mood_pipeline *p = r->pipe;
    size_t n = r->n, d = r->d;
    mood_status s;
    p->median = mood__malloc_array(d, sizeof(float));
    if (!p->median)
        return mood__enomem("run");
    s = mood_impute_fit(r->raw, n, d, p->median, missing);
    if (s != MOOD_OK)
        return s;
    mood_impute_apply(r->raw, n, d, p->median);
    s = mood_scaler_fit(c->scaler, r->raw, n, d, &p->scaler);
    if (s != MOOD_OK)
        return s;
    if (c->pca_components) {
        mood_pca pca;
        float *xs;
        size_t dim;
        if (c->pca_components > d)
            return mood__error(MOOD_EINVAL, "pca_components=%zu exceeds the %zu features",
                               c->pca_components, d);
        s = mood__pipeline_transform(p, r->raw, n, &xs, &dim);
        if (s != MOOD_OK)
            return s;
        s = mood_pca_fit(xs, n, d, c->pca_components, &pca);
        mood__free(xs);
        if (s != MOOD_OK)
            return s;
        p->r = c->pca_components;
        p->pca_mean = mood__malloc_array(d, sizeof(float));
        p->pca_components = mood__malloc_array(p->r * d, sizeof(float));
        if (p->pca_mean && p->pca_components) {
            for (size_t j = 0; j < d; j++)
                p->pca_mean[j] = (float)pca.mean[j];
            for (size_t i = 0; i < p->r * d; i++)
                p->pca_components[i] = (float)pca.components[i];
        }
        mood_pca_free(&pca);
        if (!p->pca_mean || !p->pca_components)
            return mood__enomem("run");
    }
    return MOOD_OK;
}

/* "PC1 (41.2%): energy +0.61, acousticness -0.55" from a component's two largest loadings. */
static void axis_label(char *buf, size_t cap, int pc, double ratio, const double *w, size_t d,
                       char **names)
{
    size_t best[2] = {0, 0};
    int n = snprintf(buf, cap, "PC%d (%.1f%% of variance)", pc, 100 * ratio);
    if (d == 0 || n < 0)
        return;
    for (size_t j = 1; j < d; j++)
        if (fabs(w[j]) > fabs(w[best[0]]))
            best[0] = j;
    best[1] = best[0] == 0 && d > 1 ? 1 : 0;
    for (size_t j = 0; j < d; j++)
        if (j != best[0] && fabs(w[j]) > fabs(w[best[1]]))
            best[1] = j;
    for (size_t b = 0; b < (d > 1 ? 2u : 1u) && (size_t)n < cap; b++)
        n += snprintf(buf + n, cap - (size_t)n, "%s%s %+.2f", b ? ", " : ": ", names[best[b]],
                      w[best[b]]);
}

/* Group centres on the map: the mean of each group's points (noise left out). */
static void map_centres(mood_run *r)
{
    double *acc = mood__calloc(r->k * 3 + 3, sizeof(double));
    if (!acc)
        return;
    for (size_t i = 0; i < r->n; i++) {
        if (r->labels[i] < 0)
            continue;
        size_t c = (size_t)r->labels[i];
        acc[3 * c] += (double)r->map_xy[2 * i];
        acc[3 * c + 1] += (double)r->map_xy[2 * i + 1];
        acc[3 * c + 2] += 1;
    }
    for (size_t c = 0; c < r->k; c++) {
        double m = acc[3 * c + 2] > 0 ? acc[3 * c + 2] : 1;
        r->centroid_xy[2 * c] = (float)(acc[3 * c] / m);
        r->centroid_xy[2 * c + 1] = (float)(acc[3 * c + 1] / m);
    }
    mood__free(acc);
}

/* The map's "pca" metadata: explained variance and loadings; names the axes. */
static void map_meta(mood_run *r, const mood_pca *pca, size_t nc)
{
    const size_t d = r->d;
    json_t *jp = json_object(), *loadings = json_object();
    json_object_set_new(jp, "explained_variance_ratio",
                        mood__json_doubles(pca->explained_ratio, nc));
    for (size_t c = 0; c < nc; c++) {
        json_t *lc = json_object();
        char key[8];
        for (size_t j = 0; j < d; j++)
            json_object_set_new(lc, r->flist.names[j], json_real(pca->components[c * d + j]));
        snprintf(key, sizeof key, "PC%zu", c + 1);
        json_object_set_new(loadings, key, lc);
        axis_label(r->axis_label[c], sizeof r->axis_label[c], (int)c + 1, pca->explained_ratio[c],
                   pca->components + c * d, d, r->flist.names);
    }
    if (nc == 1)
        snprintf(r->axis_label[1], sizeof r->axis_label[1], "(one feature: no second axis)");
    json_object_set_new(jp, "loadings", loadings);
    json_object_set_new(r->meta, "pca", jp);
}

/* The 2-D map: PCA of the scaled features @p xs (n×d), with loadings named on the axes. */
mood_status mood__run_build_map(mood_run *r, const float *xs)
{
    const size_t n = r->n, d = r->d, nc = d >= 2 ? 2 : 1;
    mood_pca pca;
    r->map_xy = mood__calloc(n * 2 + 2, sizeof(float));
    r->centroid_xy = mood__calloc(r->k * 2 + 2, sizeof(float));
    float *proj = mood__malloc_array(n + 1, nc * sizeof(float));
    mood_status s = r->map_xy && r->centroid_xy && proj ? MOOD_OK : mood__enomem("run map");
    if (s == MOOD_OK)
        s = mood_pca_fit(xs, n, d, nc, &pca);
    if (s != MOOD_OK) {
        mood__free(proj);
        return s;
    }
    mood_pca_transform(&pca, xs, n, proj);
    for (size_t i = 0; i < n; i++) {
        r->map_xy[2 * i] = proj[i * nc];
        r->map_xy[2 * i + 1] = nc > 1 ? proj[i * nc + 1] : 0.0f;
    }
    map_centres(r);
    map_meta(r, &pca, nc);
    mood__free(proj);
    mood_pca_free(&pca);
    return MOOD_OK;
}

/* The map of a run whose pipeline may end in PCA: imputation + scaling only. */
static mood_status build_map(mood_run *r)
{
    size_t dim;
    float *xs;
    mood_pipeline scaled = *r->pipe;
    scaled.r = 0;
    mood_status s = mood__pipeline_transform(&scaled, r->raw, r->n, &xs, &dim);
    if (s != MOOD_OK)
        return s;
    s = mood__run_build_map(r, xs);
    mood__free(xs);
    return s;
}

static json_t *scores_json(const mood_run *r)
{
    char method[64];
    if (r->scores.silhouette_sampled)
        snprintf(method, sizeof method, "sampled (%zu rows, seeded)", r->scores.silhouette_n);
    else
        snprintf(method, sizeof method, "exact (%zu rows)", r->scores.silhouette_n);
    return json_pack("{s:o, s:s, s:o, s:o, s:o, s:o, s:I, s:I}", "silhouette",
                     mood__json_real(r->scores.silhouette), "silhouette_method", method,
                     "calinski_harabasz", mood__json_real(r->scores.calinski_harabasz),
                     "davies_bouldin", mood__json_real(r->scores.davies_bouldin), "inertia",
                     mood__json_real(r->scores.inertia), "composite_score",
                     mood__json_real(r->composite), "k", (json_int_t)r->k, "n_noise",
                     (json_int_t)r->scores.n_noise);
}

static json_t *autok_json(const mood_autok_result *a)
{
    json_t *curve = json_array();
    for (size_t i = 0; i < a->n_points; i++) {
        const mood_k_point *p = &a->points[i];
        json_array_append_new(
            curve, json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "k",
                             (json_int_t)p->k, "silhouette", mood__json_real(p->silhouette),
                             "inertia", mood__json_real(p->inertia), "calinski_harabasz",
                             mood__json_real(p->calinski_harabasz), "davies_bouldin",
                             mood__json_real(p->davies_bouldin), "bic", mood__json_real(p->bic),
                             "stability", mood__json_real(p->stability), "gap",
                             mood__json_real(p->gap), "gap_sd", mood__json_real(p->gap_sd),
                             "bic_kmeans", mood__json_real(p->bic_kmeans)));
    }
    return json_pack("{s:s, s:I, s:o, s:b, s:o, s:s, s:I, s:I, s:s, s:s}", "criterion",
                     a->criterion ? a->criterion : "", "k_best", (json_int_t)a->k_best, "k_elbow",
                     a->k_elbow ? json_integer((json_int_t)a->k_elbow) : json_null(),
                     "silhouette_sampled", a->silhouette_sampled, "curve", curve, "rule",
                     a->rule ? a->rule : "", "k_rule", (json_int_t)a->k_rule, "min_clusters",
                     (json_int_t)a->min_clusters, "decided_by", a->decided_by ? a->decided_by : "",
                     "reason", a->reason);
}

static mood_status label_profile(mood_run *r, const char *column)
{
    size_t j;
    mood_status s = mood_table_find(r->table, column, &j);
    const char **vals;
    char buf[32];
    char **owned = NULL;
    if (s != MOOD_OK)
        return mood__error(MOOD_ENOTFOUND, "label column '%s' not found", column);
    vals = mood__calloc(r->n, sizeof(char *));
    if (!vals)
        return mood__enomem("labels");
    if (mood_table_col_kind(r->table, j) == MOOD_COL_STR) {
        for (size_t i = 0; i < r->n; i++)
            vals[i] = mood_table_str(r->table, j, i);
    } else {
        /* Numeric labels (a 0/1 target, a year): format them as text. */
        const float *v = mood_table_num_const(r->table, j);
        owned = mood__calloc(r->n, sizeof(char *));
        for (size_t i = 0; owned && i < r->n; i++) {
            if (isnan(v[i]))
                buf[0] = '\0';
            else
                snprintf(buf, sizeof buf, "%.9g", (double)v[i]);
            owned[i] = mood__strdup(buf);
            vals[i] = owned[i] ? owned[i] : "";
        }
    }
    s = mood_label_profile_compute(vals, r->labels, r->n, r->k, &r->lprof);
    for (size_t i = 0; owned && i < r->n; i++)
        mood__free(owned[i]);
    mood__free(owned);
    mood__free(vals);
    return s;
}

/* Label ids of the label column (for the search's purity and diversity terms). */
static mood_status label_ids(const mood_table *t, const char *column, int32_t **out_ids,
                             size_t *out_k)
{
    size_t j, n = mood_table_rows(t), k = 0;
    const char **vals;
    char **names = NULL;
    mood_status s;
    *out_ids = NULL;
    s = mood_table_find(t, column, &j);
    if (s != MOOD_OK)
        return mood__error(MOOD_ENOTFOUND, "label column '%s' not found", column);
    if (mood_table_col_kind(t, j) != MOOD_COL_STR)
        return mood__error(MOOD_EINVAL, "label column '%s' must be text for --search", column);
    vals = mood__calloc(n + 1, sizeof(char *));
    *out_ids = mood__malloc_array(n + 1, sizeof(int32_t));
    if (!vals || !*out_ids) {
        mood__free(vals);
        mood__free(*out_ids);
        *out_ids = NULL;
        return mood__enomem("search labels");
    }
    for (size_t i = 0; i < n; i++)
        vals[i] = mood_table_str(t, j, i);
    s = mood_labels_encode(vals, n, *out_ids, &names, &k);
    for (size_t i = 0; names && i < k; i++)
        mood_free(names[i]);
    mood_free(names);
    mood__free(vals);
    if (s != MOOD_OK) {
        mood__free(*out_ids);
        *out_ids = NULL;
    }
    *out_k = k;
    return s;
}

static json_t *candidate_json(const mood_search_candidate *c)
{
    return json_pack("{s:s, s:I, s:f, s:o, s:o, s:o, s:o, s:o, s:f, s:I, s:o, s:f, s:I}",
                     "algorithm", mood_algorithm_name(c->params.algorithm), "k_found",
                     (json_int_t)c->k_found, "score", c->score, "silhouette",
                     mood__json_real(c->silhouette), "davies_bouldin",
                     mood__json_real(c->davies_bouldin), "calinski_harabasz",
                     mood__json_real(c->calinski_harabasz), "purity", mood__json_real(c->purity),
                     "diversity", mood__json_real(c->diversity), "noise_share", c->noise_share, "k",
                     (json_int_t)c->params.k, "seed", mood__json_seed(c->params.seed), "eps",
                     c->params.eps, "generation", (json_int_t)c->generation);
}

/* Evolutionary search for the configuration; @p cp receives the winner's parameters. */
static mood_status run_search(const mood_run_config *c, const mood_table *t, const float *x,
                              size_t n, size_t dim, mood_cluster_params *cp, json_t *meta)
{
    mood_search_params sp;
    mood_search_result res;
    int32_t *ids = NULL;
    size_t n_labels = 0;
    mood_status s;
    mood_search_params_default(&sp);
    sp.seed = c->cluster.seed;
    sp.progress = cp->progress;
    sp.progress_user = cp->progress_user;
    if (c->search_generations)
        sp.generations = c->search_generations;
    if (c->search_population)
        sp.population = c->search_population;
    if (c->autok.k_min)
        sp.k_min = c->autok.k_min;
    if (c->autok.k_max)
        sp.k_max = c->autok.k_max;
    if (c->label_column && c->label_column[0]) {
        s = label_ids(t, c->label_column, &ids, &n_labels);
        if (s != MOOD_OK)
            return s;
        sp.labels = ids;
        sp.n_labels = n_labels;
    }
    s = mood_cluster_search(&sp, x, n, dim, &res);
    mood__free(ids);
    if (s != MOOD_OK)
        return s;
    *cp = res.best.params;
    cp->progress = sp.progress;
    cp->progress_user = sp.progress_user;
    /* The ten best evaluations, best first, for the metadata. */
    json_t *top = json_array();
    int *taken = mood__calloc(res.n_history + 1, sizeof(int));
    for (size_t r = 0; taken && r < 10 && r < res.n_history; r++) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < res.n_history; i++)
            if (!taken[i] && (best == SIZE_MAX || res.history[i].score > res.history[best].score))
                best = i;
        taken[best] = 1;
        json_array_append_new(top, candidate_json(&res.history[best]));
    }
    mood__free(taken);
    json_object_set_new(
        meta, "search",
        json_pack("{s:o, s:I, s:I, s:I, s:I, s:o}", "best", candidate_json(&res.best),
                  "evaluations", (json_int_t)res.n_history, "generations",
                  (json_int_t)sp.generations, "population", (json_int_t)sp.population,
                  "sample_rows", (json_int_t)res.sample_rows, "top", top));
    mood_search_result_free(&res);
    return MOOD_OK;
}

/* The scores of the fitted labels on the matrix the model saw (x, n×dim), and the composite. */
mood_status mood__run_scores(mood_run *r, const float *x, size_t dim, uint64_t seed)
{
    mood_silhouette_params sp;
    memset(&sp, 0, sizeof sp);
    sp.seed = seed;
    if (r->k >= 2) {
        mood_status s =
            mood_internal_scores_compute(x, r->n, dim, r->labels, r->k, &sp, &r->scores);
        if (s != MOOD_OK)
            return s;
    } else {
        memset(&r->scores, 0, sizeof r->scores);
        r->scores.silhouette = r->scores.calinski_harabasz = r->scores.davies_bouldin = NAN;
        r->scores.k = 1;
        mood_inertia(x, r->n, dim, r->labels, 1, &r->scores.inertia);
    }
    r->composite = r->k >= 2 ? mood_composite_score(&r->scores, r->n) : (double)NAN;
    return MOOD_OK;
}

/* run_metadata.json's "data": input files, size, fingerprint, imputed and skipped columns. */
static json_t *data_json(const mood_run *r, const mood_run_meta_in *in)
{
    json_t *data = json_object(), *files = json_array(), *miss = json_object();
    json_t *skipped = json_array();
    size_t total = 0;
    char hash[32];
    for (size_t f = 0; f < in->config->n_input_files; f++)
        json_array_append_new(files, json_string(in->config->input_files[f]));
    for (size_t j = 0; j < r->d; j++) {
        total += in->missing[j];
        if (in->missing[j])
            json_object_set_new(miss, r->flist.names[j], json_integer((json_int_t)in->missing[j]));
    }
    for (size_t j = 0; j < r->flist.n_skipped; j++)
        json_array_append_new(skipped, json_pack("{s:s, s:s}", "column", r->flist.skipped[j],
                                                 "reason", r->flist.skip_reasons[j]));
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)r->data_hash);
    json_object_set_new(data, "files", files);
    json_object_set_new(data, "rows", json_integer((json_int_t)in->rows));
    json_object_set_new(data, "columns", json_integer((json_int_t)in->cols));
    json_object_set_new(data, "features_hash", json_string(hash));
    json_object_set_new(data, "missing_imputed_total", json_integer((json_int_t)total));
    json_object_set_new(data, "missing_imputed", miss);
    json_object_set_new(data, "skipped_columns", skipped);
    return data;
}

static json_t *groups_json(const mood_run *r, size_t rows)
{
    json_t *groups = json_array();
    for (size_t g = 0; g < r->k; g++)
        json_array_append_new(groups,
                              json_pack("{s:I, s:s, s:I, s:f, s:s}", "id", (json_int_t)g, "name",
                                        r->pipe->names[g], "size", (json_int_t)r->pipe->sizes[g],
                                        "share", (double)r->pipe->sizes[g] / (double)rows, "traits",
                                        mood_profile_traits(r->profile, g)));
    return groups;
}

void mood__run_meta_build(mood_run *r, mood_run_meta_in *in)
{
    json_t *cfg = mood__run_config_json(in->config, &r->flist);
    char *cfg_text = json_dumps(cfg, JSON_SORT_KEYS | JSON_COMPACT);
    r->config_hash = cfg_text ? mood__fnv1a(cfg_text, strlen(cfg_text), MOOD_FNV_OFFSET) : 0;
    free(cfg_text);
    json_object_set_new(r->meta, "created_utc", json_string(r->created_utc));
    json_object_set_new(r->meta, "config", cfg);
    json_object_set_new(r->meta, "data", data_json(r, in));
    json_object_set_new(r->meta, "metrics", scores_json(r));
    json_object_set_new(r->meta, "composite_score_definition",
                        json_string("0.5*(silhouette+1)/2 + 0.25/(1+davies_bouldin) + "
                                    "0.25*CH/(CH+n/k): each term in [0,1], higher is better"));
    if (r->lprof) {
        double pur, nmi, ari;
        mood_label_profile_scores(r->lprof, &pur, &nmi, &ari);
        json_object_set_new(r->meta, "labels",
                            json_pack("{s:s, s:f, s:f, s:f}", "column", r->label_column, "purity",
                                      pur, "nmi", nmi, "ari", ari));
    }
    json_object_set_new(r->meta, "k_selection", r->has_autok ? autok_json(&r->autok) : json_null());
    json_object_set_new(r->meta, "groups", groups_json(r, in->rows));
    json_object_set_new(r->meta, "iterations",
                        json_integer((json_int_t)mood_cluster_model_iterations(r->pipe->model)));
    json_object_set_new(r->meta, "timings_s", in->timings);
    in->timings = NULL;
    if (in->extra_key)
        json_object_set_new(r->meta, in->extra_key, in->extra);
    in->extra = NULL;
    json_object_set_new(
        r->meta, "versions",
        json_pack("{s:s, s:s}", "moodscope", mood_version(), "jansson", JANSSON_VERSION));
}

/* Stage 1, features: select the columns, copy the table and its feature matrix, hash it. */
static mood_status run_stage_features(const mood_run_config *c, const mood_cluster_params *cp,
                                      const mood_table *t, mood_run *r, size_t **out_missing)
{
    mood_status s = mood_features_select(t, c->features, &r->flist);
    if (s != MOOD_OK)
        return s;
    r->n = mood_table_rows(t);
    r->d = r->flist.k;
    if (r->n == 0)
        return mood__error(MOOD_EINVAL, "the data has no rows");
    if (!c->auto_k && cp->algorithm != MOOD_ALGO_DBSCAN && cp->k > r->n)
        return mood__error(MOOD_EINVAL, "%zu groups asked for but the data has only %zu rows",
                           cp->k, r->n);
    s = mood_table_clone(t, &r->table);
    if (s != MOOD_OK)
        return s;
    r->raw = mood__malloc_array(r->n, r->d * sizeof(float));
    *out_missing = mood__calloc(r->d, sizeof(size_t));
    r->pipe->features = mood__calloc(r->d, sizeof(char *));
    if (!r->raw || !*out_missing || !r->pipe->features)
        return mood__enomem("run");
    r->pipe->d = r->d;
    for (size_t j = 0; j < r->d; j++) {
        r->pipe->features[j] = mood__strdup(r->flist.names[j]);
        if (!r->pipe->features[j])
            return mood__enomem("run");
    }
    s = mood_table_matrix(t, (const char *const *)r->flist.names, r->d, r->raw);
    if (s != MOOD_OK)
        return s;
    r->data_hash = mood__fnv1a(r->raw, r->n * r->d * sizeof(float), MOOD_FNV_OFFSET);
    return MOOD_OK;
}

/* Stage 3, fit. The training labels are the fitted model's own predictions for the training
 * rows (k-means family and GMM), so that a snapshot reproduces them exactly. */
static mood_status run_stage_fit(const mood_cluster_params *cp, const float *x, size_t dim,
                                 mood_run *r)
{
    mood_status s;
    r->labels = mood__malloc_array(r->n, sizeof(int32_t));
    r->dist = mood__malloc_array(r->n, sizeof(float));
    if (!r->labels || !r->dist)
        return mood__enomem("run");
    s = mood_cluster_fit(cp, x, r->n, dim, &r->pipe->model, r->labels);
    if (s != MOOD_OK)
        return s;
    r->k = mood_cluster_model_k(r->pipe->model);
    if (cp->algorithm == MOOD_ALGO_KMEANS || cp->algorithm == MOOD_ALGO_MINIBATCH ||
        cp->algorithm == MOOD_ALGO_GMM)
        return mood_cluster_predict(r->pipe->model, x, r->n, dim, r->labels, r->dist);
    int32_t *tmp = mood__malloc_array(r->n, sizeof(int32_t));
    s = tmp ? mood_cluster_predict(r->pipe->model, x, r->n, dim, tmp, r->dist)
            : mood__enomem("run");
    for (size_t i = 0; tmp && s == MOOD_OK && i < r->n; i++)
        if (r->labels[i] < 0 || tmp[i] != r->labels[i])
            r->dist[i] = NAN;
    mood__free(tmp);
    return s;
}

/* Stage 5: group sizes, profiles and names (in original units), the label profile. */
static mood_status run_stage_profiles(const mood_run_config *c, mood_run *r)
{
    mood_status s;
    r->pipe->k = r->k;
    r->pipe->sizes = mood__calloc(r->k, sizeof(size_t));
    r->pipe->names = mood__calloc(r->k, sizeof(char *));
    if (!r->pipe->sizes || !r->pipe->names)
        return mood__enomem("run");
    for (size_t i = 0; i < r->n; i++)
        if (r->labels[i] >= 0 && (size_t)r->labels[i] < r->k)
            r->pipe->sizes[r->labels[i]]++;
    s = mood_profile_compute(r->raw, r->n, r->d, (const char *const *)r->flist.names, r->labels,
                             r->k, &r->profile);
    if (s != MOOD_OK)
        return s;
    for (size_t g = 0; g < r->k; g++) {
        r->pipe->names[g] = mood__strdup(mood_profile_name(r->profile, g));
        if (!r->pipe->names[g])
            return mood__enomem("run");
    }
    if (c->label_column && c->label_column[0]) {
        r->label_column = mood__strdup(c->label_column);
        if (!r->label_column)
            return mood__enomem("run");
        return label_profile(r, c->label_column);
    }
    return MOOD_OK;
}

/* Stage 2b: the parameter search or the automatic choice of k (updates @p cp). */
static mood_status run_stage_choose(const mood_run_config *c, const mood_table *t, const float *x,
                                    size_t dim, mood_cluster_params *cp, mood_run *r,
                                    json_t *timings)
{
    double ts = mood__now();
    mood_status s;
    if (c->search) {
        s = run_search(c, t, x, r->n, dim, cp, r->meta);
        if (s != MOOD_OK)
            return s;
        json_object_set_new(timings, "search", json_real(seconds_since(&ts)));
    } else if (c->auto_k && cp->algorithm != MOOD_ALGO_DBSCAN) {
        s = mood_cluster_auto_k(cp, &c->autok, x, r->n, dim, &r->autok);
        if (s != MOOD_OK)
            return s;
        r->has_autok = 1;
        cp->k = r->autok.k_best;
        json_object_set_new(timings, "k_selection", json_real(seconds_since(&ts)));
    }
    return MOOD_OK;
}

/* The stages after the features, each timed into @p timings. */
static mood_status run_stages(const mood_run_config *c, const mood_table *t,
                              mood_cluster_params *cp, size_t *missing, mood_run *r,
                              json_t *timings, float **x, size_t *dim)
{
    double ts = mood__now();
    mood_status s = fit_preprocessing(c, r, missing);
    if (s != MOOD_OK)
        return s;
    s = mood__pipeline_transform(r->pipe, r->raw, r->n, x, dim);
    if (s != MOOD_OK)
        return s;
    json_object_set_new(timings, "prepare", json_real(seconds_since(&ts)));
    s = run_stage_choose(c, t, *x, *dim, cp, r, timings);
    if (s != MOOD_OK)
        return s;
    ts = mood__now();
    s = run_stage_fit(cp, *x, *dim, r);
    if (s != MOOD_OK)
        return s;
    json_object_set_new(timings, "fit", json_real(seconds_since(&ts)));
    if (r->k < 1)
        return mood__error(MOOD_EINVAL, "%s found no groups (every row is noise); try a larger eps",
                           mood_algorithm_name(cp->algorithm));
    s = mood__progress(cp->progress, cp->progress_user, "scoring", 0, 1);
    if (s != MOOD_OK)
        return s;
    ts = mood__now();
    s = mood__run_scores(r, *x, *dim, cp->seed);
    if (s != MOOD_OK)
        return s;
    json_object_set_new(timings, "scores", json_real(seconds_since(&ts)));
    ts = mood__now();
    s = run_stage_profiles(c, r);
    if (s != MOOD_OK)
        return s;
    json_object_set_new(timings, "profiles", json_real(seconds_since(&ts)));
    ts = mood__now();
    s = build_map(r);
    if (s != MOOD_OK)
        return s;
    json_object_set_new(timings, "map", json_real(seconds_since(&ts)));
    return MOOD_OK;
}

mood_status mood_run_execute(const mood_run_config *c, const mood_table *t,
                             mood_progress_fn progress, void *progress_user, mood_run **out)
{
    mood_run *r = mood__calloc(1, sizeof *r);
    mood_cluster_params cp = c->cluster;
    double t0;
    json_t *timings = json_object();
    size_t *missing = NULL;
    float *x = NULL;
    size_t dim = 0;
    mood_status s;
    *out = NULL;
    t0 = mood__now();
    if (!r || !timings) {
        mood__free(r);
        json_decref(timings);
        return mood__enomem("run");
    }
    r->meta = json_object();
    r->pipe = mood__calloc(1, sizeof *r->pipe);
    if (!r->meta || !r->pipe) {
        s = mood__enomem("run");
        goto fail;
    }
    cp.progress = progress;
    cp.progress_user = progress_user;
    mood__utc_now(r->created_utc, sizeof r->created_utc, r->created_compact,
                  sizeof r->created_compact);
    s = run_stage_features(c, &cp, t, r, &missing);
    if (s != MOOD_OK)
        goto fail;
    s = run_stages(c, t, &cp, missing, r, timings, &x, &dim);
    if (s != MOOD_OK)
        goto fail;
    json_object_set_new(timings, "total", json_real(seconds_since(&t0)));

    /* Metadata (completed with the id and artifacts when written). */
    {
        mood_run_config used = *c;
        used.cluster = cp; /* what was fitted (after a search, the winner) */
        mood_run_meta_in mi = {&used, missing, r->n, mood_table_cols(t), timings, NULL, NULL};
        timings = NULL;
        mood__run_meta_build(r, &mi);
    }
    mood__free(missing);
    mood__free(x);
    *out = r;
    return MOOD_OK;
fail:
    json_decref(timings);
    mood__free(missing);
    mood__free(x);
    mood_run_destroy(r);
    return s;
}
