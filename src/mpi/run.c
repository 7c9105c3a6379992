/*
 * A distributed run: the counterpart of mood_run_execute() (src/store/run.c) for k-means with
 * a fixed k. The heavy steps (reading, statistics, seeding, Lloyd, assignment) run on every
 * rank over its own rows; rank 0 then assembles a mood_run from the rows it gathers (every
 * row up to gather_max_rows, else a seeded sample) for the scores, profiles, names and map,
 * and mood_run_write() writes the run directory in a staging folder. clustered_output.csv is
 * then streamed there from every rank in global row order and the folder renamed into place.
 */
#ifdef MOOD_WITH_MPI
#define _POSIX_C_SOURCE 200809L
#include "mpi_pipeline.h"

#include "../cluster/kmeans_step.h"
#include "../core/clock.h"
#include "../core/hash.h"
#include "../core/internal.h"
#include "../store/run_fit.h"

#include <moodscope/kmeans.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <moodscope/fileio.h>

struct mood_mpi_run {
    mpi_layout l;
    const mood_table *local; /* borrowed until write */
    mood_run *r;             /* rank 0 */
    int32_t *labels;         /* local */
    float *dist;             /* local */
    size_t d, k, gathered;
    int sampled, skip_rows;
    mood_mpi_stats st;
    char *meta_text;
};

static mood_status check_config(const mood_run_config *c)
{
    if (c->cluster.algorithm != MOOD_ALGO_KMEANS)
        return mood__error(MOOD_EUNSUPPORTED,
                           "under MPI only --algorithm kmeans runs "
                           "distributed (asked: %s)",
                           mood_algorithm_name(c->cluster.algorithm));
    if (c->auto_k || c->search)
        return mood__error(MOOD_EUNSUPPORTED, "under MPI give a fixed --clusters K (auto k and "
                                              "--search are single-process)");
    if (c->pca_components)
        return mood__error(MOOD_EUNSUPPORTED, "--pca is not distributed yet");
    if (c->label_column && c->label_column[0])
        return mood__error(MOOD_EUNSUPPORTED, "--labels is not distributed yet");
    return MOOD_OK;
}

/* Which local rows rank 0 receives: all, or a seeded sample independent of the rank count. */
static int keep_row(const mood_mpi_run *m, uint64_t seed, size_t g, double frac)
{
    if (!m->sampled)
        return 1;
    return mood__km_mix_unit(seed ^ 0x6d6f6f6473636f70ULL ^ (g * 0x9e3779b97f4a7c15ULL)) < frac;
}

/* Gather rows (d floats), labels and distances of the kept rows to rank 0. */
static mood_status gather_rows(mood_mpi_run *m, const float *rows, size_t d, uint64_t seed,
                               double frac, float **g_rows, int32_t **g_lab, float **g_dist,
                               size_t *g_n)
{
    const size_t n = m->l.g1 - m->l.g0;
    float *kr = mood__malloc_array(n + 1, (d + 2) * sizeof(float));
    size_t mine = 0;
    mood_status s = mood_mpi_agree(kr ? MOOD_OK : mood__enomem("MPI gather"));
    for (size_t i = 0; s == MOOD_OK && i < n; i++) {
        if (!keep_row(m, seed, m->l.g0 + i, frac))
            continue;
        float *o = kr + mine * (d + 2);
        memcpy(o, rows + i * d, d * sizeof(float));
        memcpy(o + d, &m->labels[i], sizeof(int32_t));
        o[d + 1] = m->dist[i];
        mine++;
    }
    int cnt = (int)(mine * (d + 2)), *counts = NULL, *disp = NULL;
    float *all = NULL;
    if (m->l.rank == 0) {
        counts = mood__calloc((size_t)m->l.size * 2, sizeof(int));
        disp = counts ? counts + m->l.size : NULL;
    }
    mood__mpi_count.calls += 2;
    if (s == MOOD_OK && MPI_Gather(&cnt, 1, MPI_INT, counts, 1, MPI_INT, 0, MPI_COMM_WORLD))
        s = mood__error(MOOD_EINTERNAL, "MPI gather failed");
    size_t tot = 0;
    for (int r = 0; s == MOOD_OK && counts && r < m->l.size; r++) {
        disp[r] = (int)tot;
        tot += (size_t)counts[r];
    }
    if (m->l.rank == 0 && s == MOOD_OK)
        all = mood__malloc_array(tot + 1, sizeof(float));
    mood__mpi_count.bytes += (unsigned long long)cnt * sizeof(float);
    if (s == MOOD_OK &&
        MPI_Gatherv(kr, cnt, MPI_FLOAT, all, counts, disp, MPI_FLOAT, 0, MPI_COMM_WORLD))
        s = mood__error(MOOD_EINTERNAL, "MPI gatherv failed");
    if (s == MOOD_OK && m->l.rank == 0) {
        *g_n = tot / (d + 2);
        *g_rows = mood__malloc_array(*g_n + 1, d * sizeof(float));
        *g_lab = mood__malloc_array(*g_n + 1, sizeof(int32_t));
        *g_dist = mood__malloc_array(*g_n + 1, sizeof(float));
        if (!*g_rows || !*g_lab || !*g_dist)
            s = mood__enomem("MPI gather");
        for (size_t i = 0; s == MOOD_OK && i < *g_n; i++) {
            memcpy(*g_rows + i * d, all + i * (d + 2), d * sizeof(float));
            memcpy(*g_lab + i, all + i * (d + 2) + d, sizeof(int32_t));
            (*g_dist)[i] = all[i * (d + 2) + d + 1];
        }
    }
    mood__free(kr);
    mood__free(counts);
    mood__free(all);
    return s;
}
static json_t *mpi_json(const mood_mpi_run *m)
{
    return json_pack("{s:I, s:I, s:b, s:s, s:s, s:f, s:f, s:I}", "ranks", (json_int_t)m->l.size,
                     "rows_on_rank0_for_scores", (json_int_t)m->gathered, "scores_on_sample",
                     m->sampled, "reduction", "ordered chain (bit-identical to one process)",
                     "inertia_scope", "exact over all rows", "lloyd_bytes_per_iteration_rank0",
                     m->st.lloyd_bytes_per_iter, "lloyd_calls_per_iteration",
                     m->st.lloyd_calls_per_iter, "iterations", (json_int_t)m->st.iterations);
}

/* ---------------------------------------------------------------- execute */
typedef struct exec_state {
    mood_feature_list fl;
    float *raw, *x, *median, *cent, *dsq;
    size_t *missing, *sizes;
    mood_scaler scaler;
    mood_cluster_model *model;
    uint64_t hash;
    double inertia, inertia_means;
} exec_state;

static void exec_free(exec_state *e)
{
    mood_feature_list_free(&e->fl);
    mood__free(e->raw);
    mood__free(e->x);
    mood__free(e->median);
    mood__free(e->cent);
    mood__free(e->dsq);
    mood__free(e->missing);
    mood__free(e->sizes);
    mood_scaler_free(&e->scaler);
    mood_cluster_model_destroy(e->model);
}

static void acc_dsq(void *u, size_t c, size_t a, size_t b, double *v)
{
    const float *dsq = u;
    (void)c;
    for (size_t i = a; i < b; i++)
        v[0] += (double)dsq[i];
}

typedef struct stats_ctx {
    const float *x;
    const int32_t *lab;
    size_t d, k;
    const double *means; /* NULL: pass 1 (group sums) */
} stats_ctx;

/* mood__group_stats_compute()'s two passes (src/metrics/internal.c), continued across ranks. */
static void acc_stats(void *u, size_t c, size_t a, size_t b, double *v)
{
    const stats_ctx *q = u;
    (void)c;
    for (size_t i = a; i < b; i++) {
        const size_t g = (size_t)q->lab[i];
        const float *xi = q->x + i * q->d;
        if (!q->means) {
            for (size_t t = 0; t < q->d; t++)
                v[g * q->d + t] += (double)xi[t];
            continue;
        }
        double sq = 0.0;
        for (size_t t = 0; t < q->d; t++) {
            double diff = (double)xi[t] - q->means[g * q->d + t];
            sq += diff * diff;
        }
        v[2 * g] += sq;
        v[2 * g + 1] += sqrt(sq);
    }
}

/*
 * The inertia the metrics report (Σ‖x − group mean‖², as mood_inertia() computes it, in its
 * chunk order) over all rows, for runs whose other scores come from a sample.
 */
static mood_status inertia_about_means(mood_mpi_run *m, exec_state *e)
{
    const size_t n = m->l.n, d = m->d, k = m->k;
    size_t nchunks = (n + 4095) / 4096;
    nchunks = nchunks > 64 ? 64 : nchunks;
    mpi_grid g = {(n + nchunks - 1) / nchunks, nchunks};
    double *means = mood__calloc(k * d + 2 * k, sizeof(double)), *sq = means ? means + k * d : NULL;
    mood_status s = mood_mpi_agree(means ? MOOD_OK : mood__enomem("inertia"));
    stats_ctx q = {e->x, m->labels, d, k, NULL};
    if (s == MOOD_OK)
        s = mood__mpi_chunk_reduce(&m->l, &g, k * d, acc_stats, &q, means, NULL);
    for (size_t c = 0; s == MOOD_OK && c < k; c++)
        for (size_t t = 0; t < d && e->sizes[c] > 0; t++)
            means[c * d + t] /= (double)e->sizes[c];
    q.means = means;
    if (s == MOOD_OK)
        s = mood__mpi_chunk_reduce(&m->l, &g, 2 * k, acc_stats, &q, sq, NULL);
    e->inertia_means = 0.0;
    for (size_t c = 0; s == MOOD_OK && c < k; c++)
        e->inertia_means += sq[2 * c];
    mood__free(means);
    return s;
}

/* Features, raw matrix, fingerprint, imputation, scaler, scaled matrix. */
static mood_status exec_prepare(mood_mpi_run *m, const mood_run_config *c, exec_state *e)
{
    const size_t n = m->l.g1 - m->l.g0;
    mood_status s = mood_mpi_agree(mood__mpi_features(m->local, c->features, &e->fl));
    if (s != MOOD_OK)
        return s;
    m->d = e->fl.k;
    if (m->l.n == 0)
        return mood__error(MOOD_EINVAL, "the data has no rows");
    if (c->cluster.k > m->l.n)
        return mood__error(MOOD_EINVAL, "%zu groups asked for but the data has only %zu rows",
                           c->cluster.k, m->l.n);
    const size_t d = m->d;
    e->raw = mood__malloc_array(n + 1, d * sizeof(float));
    e->x = mood__malloc_array(n + 1, d * sizeof(float));
    e->median = mood__malloc_array(d, sizeof(float));
    e->missing = mood__calloc(d, sizeof(size_t));
    s = e->raw && e->x && e->median && e->missing ? MOOD_OK : mood__enomem("run");
    if (s == MOOD_OK)
        s = mood_table_matrix(m->local, (const char *const *)e->fl.names, d, e->raw);
    s = mood_mpi_agree(s);
    e->hash = MOOD_FNV_OFFSET;
    if (s == MOOD_OK)
        s = mood__mpi_fnv_chain(e->raw, n * d * sizeof(float), &e->hash);
    if (s == MOOD_OK)
        s = mood_mpi_agree(mood__mpi_impute(&m->l, e->raw, d, e->median, e->missing));
    if (s == MOOD_OK)
        s = mood_mpi_agree(mood__mpi_scaler_fit(&m->l, c->scaler, e->raw, d, &e->scaler));
    if (s == MOOD_OK) {
        memcpy(e->x, e->raw, n * d * sizeof(float));
        mood_scaler_transform(&e->scaler, e->x, n);
    }
    return s;
}

/* k-means, the model, the labels predict() gives, exact inertia and group sizes. */
static mood_status exec_fit(mood_mpi_run *m, const mood_run_config *c, exec_state *e)
{
    const size_t n = m->l.g1 - m->l.g0, d = m->d, k = c->cluster.k;
    mpi_kmeans_out ko;
    memset(&ko, 0, sizeof ko);
    m->k = k;
    e->cent = mood__malloc_array(k, d * sizeof(float));
    e->dsq = mood__malloc_array(n + 1, sizeof(float));
    e->sizes = mood__calloc(k, sizeof(size_t));
    m->labels = mood__malloc_array(n + 1, sizeof(int32_t));
    m->dist = mood__malloc_array(n + 1, sizeof(float));
    mood_status s =
        e->cent && e->dsq && e->sizes && m->labels && m->dist ? MOOD_OK : mood__enomem("run");
    s = mood_mpi_agree(s);
    ko.centroids = e->cent;
    ko.labels = m->labels;
    double t0 = mood__now(), cpu0 = mood__cpu_seconds();
    if (s == MOOD_OK)
        s = mood__mpi_kmeans_fit(&m->l, e->x, d, k, c->cluster.seed, c->cluster.n_init,
                                 c->cluster.max_iter, c->cluster.tol, &ko);
    m->st.cpu_seconds_fit_all_ranks = mood__cpu_seconds() - cpu0;
    m->st.seconds_seed = ko.seed_seconds;
    m->st.seconds_lloyd = mood__now() - t0 - ko.seed_seconds;
    m->st.iterations = ko.lloyd_iters_total;
    m->st.n_init = c->cluster.n_init ? c->cluster.n_init : 10;
    double its = ko.lloyd_iters_total ? (double)ko.lloyd_iters_total : 1.0;
    m->st.lloyd_bytes_per_iter = (double)ko.lloyd_bytes / its;
    m->st.lloyd_calls_per_iter = (double)ko.lloyd_calls / its;
    if (s == MOOD_OK) {
        s = mood_kmeans_assign(e->cent, k, e->x, n, d, MOOD_KMEANS_KERNEL_AUTO, 1, m->labels,
                               e->dsq, NULL);
        if (n == 0)
            s = MOOD_OK;
    }
    s = mood_mpi_agree(s);
    mpi_grid g;
    mood__mpi_grid(&m->l, sizeof(double), &g);
    if (s == MOOD_OK)
        s = mood__mpi_chunk_reduce(&m->l, &g, 1, acc_dsq, e->dsq, &e->inertia, NULL);
    if (s == MOOD_OK)
        s = mood__kmeans_model(&c->cluster, e->cent, k, d, ko.n_iter, e->inertia, &e->model);
    s = mood_mpi_agree(s);
    for (size_t i = 0; s == MOOD_OK && i < n; i++) {
        m->dist[i] = sqrtf(e->dsq[i]);
        e->sizes[m->labels[i]]++;
    }
    if (s == MOOD_OK)
        s = mood__mpi_allreduce(e->sizes, e->sizes, k, MPI_UNSIGNED_LONG_LONG, MPI_SUM);
    return s;
}

/* Group names from rank 0 to every rank (for the clustered rows each rank formats). */
static mood_status share_names(mood_mpi_run *m, char ***out)
{
    char buf[8192] = "";
    size_t used = 0;
    for (size_t g = 0; m->l.rank == 0 && m->r && g < m->k; g++) {
        int w = snprintf(buf + used, sizeof buf - used, "%s\n", mood_run_group_name(m->r, g));
        used += w > 0 ? (size_t)w : 0;
        if (used >= sizeof buf)
            used = sizeof buf - 1;
    }
    mood_status s = mood__mpi_bcast(buf, sizeof buf, MPI_CHAR, 0);
    char **names = mood__calloc(m->k + 1, sizeof(char *));
    char *p = buf;
    for (size_t g = 0; s == MOOD_OK && names && g < m->k; g++) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        names[g] = mood__strdup(p);
        p = nl ? nl + 1 : p + strlen(p);
    }
    *out = names;
    return mood_mpi_agree(names || s != MOOD_OK ? s : mood__enomem("names"));
}
mood_status mood_mpi_run_execute(const mood_run_config *c, const mood_table *local,
                                 const mood_mpi_options *o, mood_mpi_run **out)
{
    double t0 = mood__now(), c0 = mood__cpu_seconds();
    mood_mpi_run *m = mood__calloc(1, sizeof *m);
    exec_state e;
    memset(&e, 0, sizeof e);
    *out = NULL;
    mood_status s = mood_mpi_agree(m ? check_config(c) : mood__enomem("run"));
    if (s != MOOD_OK) {
        mood__free(m);
        return s;
    }
    m->local = local;
    m->skip_rows = o && o->skip_clustered_output;
    s = mood__mpi_layout_init(mood_table_rows(local), &m->l);
    if (s == MOOD_OK)
        s = exec_prepare(m, c, &e);
    m->st.seconds_prep = mood__now() - t0;
    if (s == MOOD_OK)
        s = exec_fit(m, c, &e);
    size_t gmax = o && o->gather_max_rows ? o->gather_max_rows : 200000;
    float *gr = NULL, *gd = NULL;
    int32_t *gl = NULL;
    size_t ng = 0;
    m->sampled = m->l.n > gmax;
    if (s == MOOD_OK && m->sampled)
        s = inertia_about_means(m, &e);
    if (s == MOOD_OK)
        s = gather_rows(m, e.raw, m->d, c->cluster.seed, (double)gmax / (double)m->l.n, &gr, &gl,
                        &gd, &ng);
    m->gathered = ng;
    m->st.ranks = m->l.size;
    m->st.rows_global = m->l.n;
    m->st.rows_local = m->l.g1 - m->l.g0;
    if (s == MOOD_OK && m->l.rank == 0) {
        json_t *tm =
            json_pack("{s:f, s:f, s:f, s:f}", "prepare", m->st.seconds_prep, "seed",
                      m->st.seconds_seed, "lloyd", m->st.seconds_lloyd, "total", mood__now() - t0);
        mood_run_fit a = {c,
                          &e.fl,
                          gr,
                          gl,
                          gd,
                          ng,
                          m->d,
                          m->k,
                          e.median,
                          &e.scaler,
                          e.model,
                          e.sizes,
                          e.missing,
                          m->l.n,
                          mood_table_cols(local),
                          e.hash,
                          m->sampled ? e.inertia_means : (double)NAN,
                          tm,
                          "mpi",
                          mpi_json(m)};
        s = mood__run_from_fit(&a, &m->r);
        e.model = a.model;
        gr = gd = NULL;
        gl = NULL;
    }
    mood__free(gr);
    mood__free(gl);
    mood__free(gd);
    s = mood_mpi_agree(s);
    exec_free(&e);
    m->st.seconds_total = mood__now() - t0;
    m->st.cpu_seconds = mood__cpu_seconds() - c0;
    double sums[4] = {m->st.cpu_seconds, (double)mood__mpi_count.bytes, m->st.lloyd_bytes_per_iter,
                      m->st.cpu_seconds_fit_all_ranks};
    if (s == MOOD_OK)
        s = mood__mpi_allreduce(sums, sums, 4, MPI_DOUBLE, MPI_SUM);
    m->st.cpu_seconds_all_ranks = sums[0];
    m->st.bytes_all_ranks = (unsigned long long)sums[1];
    m->st.lloyd_bytes_per_iter_all_ranks = sums[2];
    m->st.cpu_seconds_fit_all_ranks = sums[3];
    if (s != MOOD_OK) {
        mood_mpi_run_destroy(m);
        return s;
    }
    *out = m;
    return MOOD_OK;
}

void mood_mpi_run_destroy(mood_mpi_run *m)
{
    if (!m)
        return;
    mood__mpi_layout_free(&m->l);
    mood_run_destroy(m->r);
    mood__free(m->labels);
    mood__free(m->dist);
    free(m->meta_text);
    mood__free(m);
}

const char *mood_mpi_run_metadata_json(const mood_mpi_run *m)
{
    return m && m->r ? mood_run_metadata_json(m->r) : "{}";
}

void mood_mpi_run_stats(const mood_mpi_run *m, mood_mpi_stats *out)
{
    *out = m->st;
    out->bytes_total = mood__mpi_count.bytes;
    out->calls_total = mood__mpi_count.calls;
}
/* ---------------------------------------------------------------- write */
/*
 * Rank 0: mood_run_write() into a staging folder under runs_dir. The id is unique inside the
 * staging folder only, so when runs_dir already has it (the same config and data in the same
 * second, e.g. a single-process run just before) the run is staged again a second later.
 */
static mood_status stage_run(mood_mpi_run *m, const char *runs_dir, char *stage, size_t cap,
                             char *id, size_t id_cap)
{
    mood_status s = MOOD_OK;
    snprintf(stage, cap, "%s/.mpi-stage-%ld", runs_dir, (long)getpid());
    for (int attempt = 0; attempt < 5; attempt++) {
        char final[8300];
        mood_rmtree(stage);
        s = mood_mkdirs(stage);
        if (s == MOOD_OK)
            s = mood_run_write(m->r, stage, id, id_cap);
        if (s != MOOD_OK)
            break;
        snprintf(final, sizeof final, "%s/%s", runs_dir, id);
        if (!mood_path_exists(final))
            return MOOD_OK;
        sleep(1);
        mood__run_restamp(m->r);
    }
    if (s == MOOD_OK)
        s = mood__error(MOOD_EIO, "%s: no free run id", runs_dir);
    mood_rmtree(stage);
    return s;
}

mood_status mood_mpi_run_write(mood_mpi_run *m, const char *runs_dir, char *out_run_id, size_t cap)
{
    char stage[4096] = "", id[128] = "", dir[4300], path[4400], final[4300];
    char **names = NULL;
    const int root = m->l.rank == 0;
    mood_status s = root ? stage_run(m, runs_dir, stage, sizeof stage, id, sizeof id) : MOOD_OK;
    s = mood_mpi_agree(s);
    if (s != MOOD_OK)
        return s;
    snprintf(dir, sizeof dir, "%s/%s", stage, id);
    snprintf(path, sizeof path, "%s/clustered_output.csv", dir);
    snprintf(final, sizeof final, "%s/%s", runs_dir, id);
    s = share_names(m, &names);
    if (s == MOOD_OK && !m->skip_rows)
        s = mood__mpi_stream_rows(m->local, m->labels, m->dist, names, path);
    if (s == MOOD_OK && root && m->skip_rows)
        s = mood__run_drop_rows_output(m->r, dir);
    if (s == MOOD_OK && root && mood_path_exists(final))
        s = mood__error(MOOD_EIO, "%s exists already", final);
    if (s == MOOD_OK && root)
        s = mood_dir_publish(dir, final);
    if (root)
        mood_rmtree(stage);
    for (size_t g = 0; names && g < m->k; g++)
        mood__free(names[g]);
    mood__free(names);
    s = mood_mpi_agree(s);
    if (s == MOOD_OK && root && out_run_id)
        snprintf(out_run_id, cap, "%s", id);
    return s;
}
#else
/* Built without MPI: without_mpi.c defines the entry points (they say how to build the engine). */
typedef int mood_mpi_run_unused;
#endif
