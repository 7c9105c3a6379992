/*
 * bench_similar: the speed figures of `moodscope similar`.
 *   1. writes N×D seeded vectors (a mixture of Gaussian blobs, like standardised audio features)
 *      and Q queries as raw float32 files, so python3-hnswlib can read the very same data;
 *   2. exact ground truth with mood_knn_exact (blocked sgemm);
 *   3. HNSW build time and, for each ef, recall@K and single-thread queries per second; with
 *      --serve 1 it prints "ready" after the build and then answers "ef N" lines on stdin with
 *      one timed pass each, so that run.sh can interleave its passes with python3-hnswlib's;
 *   4. exact search latency for single queries on the first EXACT_N vectors (the path `similar`
 *      takes for libraries up to 100k tracks).
 * Output: key=value lines on stdout (read by bench/similar/run.sh).
 */
#include <moodscope/ann.h>
#include <moodscope/recommend.h>
#include <moodscope/rng.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU time of the calling thread: the queries run on one thread, on both sides. */
static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One pass over the queries at the current ef: hits, wall and thread CPU seconds. */
static size_t query_pass(const mood_hnsw *h, const float *q, size_t nq, size_t d, size_t k,
                         const size_t *gt, uint64_t *lab, float *dist, double *wall, double *cpu)
{
    size_t hits = 0, found;
    double t0 = now_s(), c0 = thread_cpu_s();
    for (size_t i = 0; i < nq; i++) {
        mood_hnsw_search(h, q + i * d, k, lab, dist, &found);
        for (size_t a = 0; a < found; a++)
            for (size_t b = 0; b < k; b++)
                hits += lab[a] == gt[i * k + b];
    }
    *wall = now_s() - t0;
    *cpu = thread_cpu_s() - c0;
    return hits;
}

/* --serve: answer "ef N" lines with one pass each until end of input. */
static void serve(mood_hnsw *h, const float *q, size_t nq, size_t d, size_t k, const size_t *gt,
                  uint64_t *lab, float *dist)
{
    char line[128];
    printf("ready\n");
    fflush(stdout);
    while (fgets(line, sizeof line, stdin)) {
        size_t ef = 0;
        double w, c;
        if (sscanf(line, "ef %zu", &ef) != 1)
            break;
        mood_hnsw_set_ef(h, ef);
        size_t hits = query_pass(h, q, nq, d, k, gt, lab, dist, &w, &c);
        printf("ef=%zu recall=%.4f wall_s=%.6f cpu_s=%.6f\n", ef, (double)hits / (double)(nq * k),
               w, c);
        fflush(stdout);
    }
}

/* CPU time of the whole process (all threads): stable on a shared machine, unlike wall time. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static size_t arg_size(int argc, char **argv, const char *name, size_t def)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return (size_t)strtoull(argv[i + 1], NULL, 10);
    return def;
}

static const char *arg_str(int argc, char **argv, const char *name, const char *def)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return def;
}

static void gen(mood_rng *r, const float *centres, size_t k, float *x, size_t n, size_t d)
{
    for (size_t i = 0; i < n; i++) {
        const float *c = centres + mood_rng_below(r, k) * d;
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = c[j] + (float)(0.6 * mood_rng_normal(r));
    }
}

static int write_raw(const char *path, const void *p, size_t bytes)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, bytes, f) != bytes) {
        fprintf(stderr, "bench_similar: cannot write %s\n", path);
        if (f)
            fclose(f);
        return 1;
    }
    return fclose(f) != 0;
}

int main(int argc, char **argv)
{
    size_t n = arg_size(argc, argv, "--n", 1000000), d = arg_size(argc, argv, "--d", 32);
    size_t nq = arg_size(argc, argv, "--nq", 1000), k = arg_size(argc, argv, "--k", 10);
    size_t m = arg_size(argc, argv, "--m", 16), efc = arg_size(argc, argv, "--efc", 100);
    size_t threads = arg_size(argc, argv, "--threads", 2);
    size_t exact_n = arg_size(argc, argv, "--exact-n", 100000);
    const char *dir = arg_str(argc, argv, "--dir", ".");
    size_t do_serve = arg_size(argc, argv, "--serve", 0);
    static const size_t efs[] = {10, 16, 24, 32, 48, 64, 96, 128, 192, 256};
    size_t n_centres = 2000;
    float *x = malloc(n * d * sizeof *x), *q = malloc(nq * d * sizeof *q);
    float *centres = malloc(n_centres * d * sizeof *centres);
    size_t *gt = malloc(nq * k * sizeof *gt);
    float *gd = malloc(nq * k * sizeof *gd);
    int32_t *gt32 = malloc(nq * k * sizeof *gt32);
    uint64_t *lab = malloc(k * sizeof *lab);
    float *dist = malloc(k * sizeof *dist);
    char path[4096];
    mood_rng r;
    mood_hnsw *h;
    mood_hnsw_params hp;
    double t0, c0;
    if (!x || !q || !centres || !gt || !gd || !gt32 || !lab || !dist)
        return 1;
    mood_rng_seed(&r, 2024);
    for (size_t i = 0; i < n_centres * d; i++)
        centres[i] = (float)(2.0 * mood_rng_normal(&r));
    gen(&r, centres, n_centres, x, n, d);
    gen(&r, centres, n_centres, q, nq, d);
    snprintf(path, sizeof path, "%s/base.f32", dir);
    if (write_raw(path, x, n * d * sizeof *x))
        return 1;
    snprintf(path, sizeof path, "%s/queries.f32", dir);
    if (write_raw(path, q, nq * d * sizeof *q))
        return 1;
    printf("n=%zu\nd=%zu\nnq=%zu\nk=%zu\nm=%zu\nef_construction=%zu\nthreads=%zu\n", n, d, nq, k, m,
           efc, threads);

    t0 = now_s();
    if (mood_knn_exact(x, n, d, MOOD_METRIC_EUCLIDEAN, q, nq, k, 0, gt, gd) != MOOD_OK) {
        fprintf(stderr, "bench_similar: %s\n", mood_last_error());
        return 1;
    }
    printf("exact_batch_s=%.3f\n", now_s() - t0);
    for (size_t i = 0; i < nq * k; i++)
        gt32[i] = (int32_t)gt[i];
    snprintf(path, sizeof path, "%s/gt.i32", dir);
    if (write_raw(path, gt32, nq * k * sizeof *gt32))
        return 1;
    fflush(stdout);

    /* exact search, one query at a time, on the first exact_n vectors */
    if (exact_n > n)
        exact_n = n;
    {
        /* through the same index `similar` builds for a library of exact_n tracks */
        size_t reps = 200, rows[10], found;
        float dd[10];
        mood_table *t;
        mood_space *s;
        mood_index *ix;
        mood_index_options io;
        mood_space_options so;
        float *col = malloc(exact_n * sizeof *col);
        char name[16];
        mood_table_create(exact_n, &t);
        for (size_t j = 0; j < d; j++) {
            for (size_t i = 0; i < exact_n; i++)
                col[i] = x[i * d + j];
            snprintf(name, sizeof name, "f%02zu", j);
            mood_table_add_num(t, name, col);
        }
        free(col);
        mood_space_options_default(&so);
        so.features = "all-numeric";
        so.metric = MOOD_METRIC_EUCLIDEAN;
        mood_index_options_default(&io);
        io.force = 1;
        if (mood_space_create(t, &so, &s) != MOOD_OK ||
            mood_index_build(s, &io, NULL, NULL, &ix) != MOOD_OK) {
            fprintf(stderr, "bench_similar: %s\n", mood_last_error());
            return 1;
        }
        t0 = now_s();
        for (size_t i = 0; i < reps; i++)
            mood_index_search(ix, mood_space_vectors(s) + (i * 37 % exact_n) * d, 10, rows, dd,
                              &found);
        printf("exact_n=%zu\nexact_ms_per_query=%.3f\n", exact_n,
               1e3 * (now_s() - t0) / (double)reps);
        mood_index_destroy(ix);
        mood_space_destroy(s);
        mood_table_destroy(t);
        fflush(stdout);
    }

    mood_hnsw_params_default(&hp);
    hp.m = m;
    hp.ef_construction = efc;
    if (mood_hnsw_create(d, MOOD_METRIC_EUCLIDEAN, n, &hp, &h) != MOOD_OK)
        return 1;
    t0 = now_s();
    c0 = cpu_s();
    if (mood_hnsw_add(h, x, n, NULL, (int)threads, NULL, NULL) != MOOD_OK) {
        fprintf(stderr, "bench_similar: %s\n", mood_last_error());
        return 1;
    }
    printf("build_s=%.3f\nbuild_cpu_s=%.3f\n", now_s() - t0, cpu_s() - c0);
    fflush(stdout);
    if (do_serve)
        serve(h, q, nq, d, k, gt, lab, dist);
    for (size_t e = 0; !do_serve && e < sizeof efs / sizeof efs[0]; e++) {
        size_t hits = 0;
        double el = 1e30, cel = 1e30;
        mood_hnsw_set_ef(h, efs[e]);
        /* best of three passes: other processes on a shared machine only ever slow a pass */
        for (int rep = 0; rep < 3; rep++) {
            double w, c;
            hits = query_pass(h, q, nq, d, k, gt, lab, dist, &w, &c);
            el = w < el ? w : el;
            cel = c < cel ? c : cel;
        }
        printf("ef=%zu recall=%.4f qps=%.0f cpu_qps=%.0f\n", efs[e],
               (double)hits / (double)(nq * k), (double)nq / el, (double)nq / cel);
        fflush(stdout);
    }
    mood_hnsw_destroy(h);
    free(x);
    free(q);
    free(centres);
    free(gt);
    free(gd);
    free(gt32);
    free(lab);
    free(dist);
    return 0;
}
