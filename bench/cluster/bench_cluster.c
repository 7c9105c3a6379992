/*
 * moodscope's side of the clustering benchmark. One program, one mode per call, so that each
 * measurement runs in its own process and /usr/bin/time -v reports its own peak memory.
 * Data and starts come from raw little-endian float32 / int32 files that the peers' script
 * (peers.py) reads too, so every tool sees the same bytes. Each mode prints one JSON object.
 *
 *   bench_cluster gen OUT.f32 N D K SEED SPREAD SIGMA      overlapping Gaussian blobs
 *   bench_cluster seed DATA N D K THREADS SEED OUT.f32 [parallel]   k-means++ (or ||) centroids
 *   bench_cluster kmeans DATA N D K THREADS MAX_ITER TOL [INIT.f32|-] [SEED] [KERNEL] [BOUNDS]
 *                        [plusplus|parallel]
 *                                                          writes centroids to $BENCH_CENTROIDS
 *   bench_cluster minibatch DATA N D K THREADS BATCH SEED
 *   bench_cluster gmm DATA N D K THREADS LABELS.i32 TOL MAX_ITER
 *   bench_cluster dbscan DATA N D EPS MIN_SAMPLES THREADS OUT_LABELS.i32
 *   bench_cluster silhouette DATA N D LABELS.i32 K THREADS
 *   bench_cluster sgemm THREADS                           sgemm GFLOP/s at k-means shapes
 */
#include "test_util.h"

#include <moodscope/cluster.h>
#include <moodscope/kmeans.h>
#include <moodscope/metrics.h>
#include <moodscope/rng.h>

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_cluster: %s: %s\n", what, mood_last_error());
    exit(1);
}

static void *read_raw(const char *path, size_t bytes)
{
    FILE *f = fopen(path, "rb");
    void *p = malloc(bytes ? bytes : 1);
    if (!f || !p || fread(p, 1, bytes, f) != bytes) {
        fprintf(stderr, "bench_cluster: cannot read %zu bytes from %s\n", bytes, path);
        exit(1);
    }
    fclose(f);
    return p;
}

static void write_raw(const char *path, const void *p, size_t bytes)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, bytes, f) != bytes || fclose(f) != 0) {
        fprintf(stderr, "bench_cluster: cannot write %s\n", path);
        exit(1);
    }
}

static size_t arg_z(const char *s)
{
    return (size_t)strtoull(s, NULL, 10);
}

/* Overlapping blobs: centres uniform in [-spread, spread]^d, rows N(centre, sigma²). */
static int mode_gen(int argc, char **argv)
{
    if (argc < 9)
        return 2;
    size_t n = arg_z(argv[3]), d = arg_z(argv[4]), k = arg_z(argv[5]);
    uint64_t seed = arg_z(argv[6]);
    float spread = strtof(argv[7], NULL), sigma = strtof(argv[8], NULL);
    float *x = malloc(n * d * sizeof(float));
    if (!x)
        return 1;
    mood_rng r;
    mood_rng_seed(&r, seed);
    float *c = malloc(k * d * sizeof(float));
    for (size_t i = 0; i < k * d; i++)
        c[i] = (float)((2.0 * mood_rng_uniform(&r) - 1.0) * (double)spread);
        /* Rows in a seeded random order of groups, each from its own stream (parallel-safe). */
#pragma omp parallel for schedule(static)
    for (long long ii = 0; ii < (long long)n; ii++) {
        mood_rng rr;
        mood_rng_seed(&rr, seed * 0x9e3779b97f4a7c15ULL + (uint64_t)ii);
        size_t g = (size_t)mood_rng_below(&rr, k);
        for (size_t l = 0; l < d; l++)
            x[(size_t)ii * d + l] = c[g * d + l] + (float)((double)sigma * mood_rng_normal(&rr));
    }
    write_raw(argv[2], x, n * d * sizeof(float));
    printf("{\"mode\":\"gen\",\"n\":%zu,\"d\":%zu,\"k\":%zu}\n", n, d, k);
    free(x);
    free(c);
    return 0;
}

static int mode_seed(int argc, char **argv)
{
    if (argc < 9)
        return 2;
    size_t n = arg_z(argv[3]), d = arg_z(argv[4]), k = arg_z(argv[5]);
    int threads = atoi(argv[6]);
    float *x = read_raw(argv[2], n * d * sizeof(float));
    float *c = malloc(k * d * sizeof(float));
    double t0 = now();
    mood_kmeans_init init = MOOD_KMEANS_INIT_PLUSPLUS;
    if (argc > 9 && strcmp(argv[9], "parallel") == 0)
        init = MOOD_KMEANS_INIT_PARALLEL;
    if (mood_kmeans_seed(x, n, d, k, init, arg_z(argv[7]), threads, c))
        die("seed");
    double t = now() - t0;
    write_raw(argv[8], c, k * d * sizeof(float));
    printf("{\"mode\":\"seed\",\"tool\":\"moodscope\",\"threads\":%d,\"seed_s\":%.4f}\n", threads,
           t);
    return 0;
}

static int mode_kmeans(int argc, char **argv)
{
    if (argc < 10)
        return 2;
    size_t n = arg_z(argv[3]), d = arg_z(argv[4]), k = arg_z(argv[5]);
    int threads = atoi(argv[6]);
    mood_kmeans_params p;
    mood_kmeans_params_default(&p);
    p.k = k;
    p.n_threads = threads;
    p.max_iter = arg_z(argv[7]);
    p.tol = strtod(argv[8], NULL);
    p.n_init = 1;
    float *x = read_raw(argv[2], n * d * sizeof(float));
    float *init = NULL;
    if (argc > 9 && strcmp(argv[9], "-") != 0) {
        init = read_raw(argv[9], k * d * sizeof(float));
        p.init = MOOD_KMEANS_INIT_GIVEN;
        p.init_centroids = init;
    }
    if (argc > 10)
        p.seed = arg_z(argv[10]);
    if (argc > 11)
        p.kernel = strcmp(argv[11], "plain") == 0  ? MOOD_KMEANS_KERNEL_PLAIN
                   : strcmp(argv[11], "blas") == 0 ? MOOD_KMEANS_KERNEL_BLAS
                                                   : MOOD_KMEANS_KERNEL_AUTO;
    if (argc > 12)
        p.bounds =
            strcmp(argv[12], "none") == 0 ? MOOD_KMEANS_BOUNDS_NONE : MOOD_KMEANS_BOUNDS_HAMERLY;
    if (argc > 13 && strcmp(argv[13], "parallel") == 0)
        p.init = MOOD_KMEANS_INIT_PARALLEL;
    if (argc > 13 && strcmp(argv[13], "plusplus") == 0)
        p.init = MOOD_KMEANS_INIT_PLUSPLUS;
    float *c = malloc(k * d * sizeof(float));
    int32_t *lab = malloc(n * sizeof(int32_t));
    mood_kmeans_result r;
    double c0 = cpu_now(), t0 = now();
    if (mood_kmeans_fit(&p, x, n, d, c, lab, &r))
        die("kmeans");
    double t = now() - t0, tc = cpu_now() - c0;
    const char *out = getenv("BENCH_CENTROIDS");
    if (out && *out)
        write_raw(out, c, k * d * sizeof(float));
    printf("{\"mode\":\"kmeans\",\"tool\":\"moodscope\",\"n\":%zu,\"d\":%zu,\"k\":%zu,"
           "\"threads\":%d,\"time_s\":%.4f,\"fit_cpu_s\":%.4f,\"seed_s\":%.4f,\"iter_s\":%.4f,"
           "\"iters\":%zu,\"inertia\":%.10g,\"distance_evals\":%zu,\"kernel\":\"%s\","
           "\"bounds\":\"%s\"}\n",
           n, d, k, threads, t, tc, r.seed_seconds, r.iter_seconds, r.n_iter, r.inertia,
           r.distance_evals,
           p.kernel == MOOD_KMEANS_KERNEL_PLAIN  ? "plain"
           : p.kernel == MOOD_KMEANS_KERNEL_BLAS ? "blas"
                                                 : "auto",
           p.bounds == MOOD_KMEANS_BOUNDS_NONE ? "none" : "hamerly");
    return 0;
}

static int mode_minibatch(int argc, char **argv)
{
    if (argc < 9)
        return 2;
    size_t n = arg_z(argv[3]), d = arg_z(argv[4]), k = arg_z(argv[5]);
    mood_cluster_params p;
    mood_cluster_params_default(&p);
    p.algorithm = MOOD_ALGO_MINIBATCH;
    p.k = k;
    p.n_threads = atoi(argv[6]);
    p.batch_size = arg_z(argv[7]);
    p.seed = arg_z(argv[8]);
    p.n_init = 3;
    float *x = read_raw(argv[2], n * d * sizeof(float));
    int32_t *lab = malloc(n * sizeof(int32_t));
    mood_cluster_model *m;
    double t0 = now();
    if (mood_cluster_fit(&p, x, n, d, &m, lab))
        die("minibatch");
    double t = now() - t0;
    printf("{\"mode\":\"minibatch\",\"tool\":\"moodscope\",\"n\":%zu,\"d\":%zu,\"k\":%zu,"
           "\"threads\":%d,\"time_s\":%.4f,\"steps\":%zu,\"inertia\":%.10g}\n",
           n, d, k, p.n_threads, t, mood_cluster_model_iterations(m),
           mood_cluster_model_inertia(m));
    mood_cluster_model_destroy(m);
    return 0;
}

static int mode_gmm(int argc, char **argv)
{
    if (argc < 11)
        return 2;
    size_t n = arg_z(argv[3]), d = arg_z(argv[4]), k = arg_z(argv[5]);
    mood_cluster_params p;
    mood_cluster_params_default(&p);
    p.algorithm = MOOD_ALGO_GMM;
    p.k = k;
    p.n_threads = atoi(argv[6]);
    p.tol = strtod(argv[8], NULL);
    p.max_iter = arg_z(argv[9]);
    p.covariance = strcmp(argv[10], "diag") == 0 ? MOOD_COV_DIAG : MOOD_COV_FULL;
    float *x = read_raw(argv[2], n * d * sizeof(float));
    int32_t *init = read_raw(argv[7], n * sizeof(int32_t));
    p.init_labels = init;
    int32_t *lab = malloc(n * sizeof(int32_t));
    mood_cluster_model *m;
    double t0 = now();
    if (mood_cluster_fit(&p, x, n, d, &m, lab))
        die("gmm");
    double t = now() - t0;
    printf("{\"mode\":\"gmm\",\"tool\":\"moodscope\",\"n\":%zu,\"d\":%zu,\"k\":%zu,"
           "\"threads\":%d,\"time_s\":%.4f,\"iters\":%zu,\"loglik\":%.12g}\n",
           n, d, k, p.n_threads, t, mood_cluster_model_iterations(m),
           mood_cluster_model_log_likelihood(m));
    const char *out = getenv("BENCH_LABELS");
    if (out && *out)
        write_raw(out, lab, n * sizeof(int32_t));
    mood_cluster_model_destroy(m);
    return 0;
}

static int mode_dbscan(int argc, char **argv)
{
    if (argc < 9)
        return 2;
    size_t n = arg_z(argv[3]), d = arg_z(argv[4]);
    mood_cluster_params p;
    mood_cluster_params_default(&p);
    p.algorithm = MOOD_ALGO_DBSCAN;
    p.eps = strtod(argv[5], NULL);
    p.min_samples = arg_z(argv[6]);
    p.n_threads = atoi(argv[7]);
    float *x = read_raw(argv[2], n * d * sizeof(float));
    int32_t *lab = malloc(n * sizeof(int32_t));
    mood_cluster_model *m;
    double t0 = now();
    if (mood_cluster_fit(&p, x, n, d, &m, lab))
        die("dbscan");
    double t = now() - t0;
    size_t noise = 0;
    for (size_t i = 0; i < n; i++)
        noise += lab[i] < 0;
    write_raw(argv[8], lab, n * sizeof(int32_t));
    printf("{\"mode\":\"dbscan\",\"tool\":\"moodscope\",\"n\":%zu,\"d\":%zu,\"threads\":%d,"
           "\"time_s\":%.4f,\"clusters\":%zu,\"noise\":%zu}\n",
           n, d, p.n_threads, t, mood_cluster_model_k(m), noise);
    mood_cluster_model_destroy(m);
    return 0;
}

static int mode_silhouette(int argc, char **argv)
{
    if (argc < 8)
        return 2;
    size_t n = arg_z(argv[3]), d = arg_z(argv[4]), k = arg_z(argv[6]);
    float *x = read_raw(argv[2], n * d * sizeof(float));
    int32_t *lab = read_raw(argv[5], n * sizeof(int32_t));
    mood_silhouette_params sp;
    memset(&sp, 0, sizeof sp);
    sp.max_exact = n;
    sp.n_threads = atoi(argv[7]);
    double s;
    int sampled;
    double t0 = now();
    if (mood_silhouette(x, n, d, lab, k, &sp, &s, &sampled))
        die("silhouette");
    double t = now() - t0;
    printf("{\"mode\":\"silhouette\",\"tool\":\"moodscope\",\"n\":%zu,\"d\":%zu,\"threads\":%d,"
           "\"time_s\":%.4f,\"silhouette\":%.10g,\"sampled\":%d}\n",
           n, d, sp.n_threads, t, s, sampled);
    return 0;
}

/* sgemm GFLOP/s: the k-means block shape (4096 rows × k centres × d) and a square 2048³. */
static int mode_sgemm(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    int threads = atoi(argv[2]);
    openblas_set_num_threads(threads);
    size_t shapes[][3] = {{4096, 64, 32}, {2048, 2048, 2048}};
    printf("{\"mode\":\"sgemm\",\"threads\":%d,\"coretype\":\"%s\"", threads,
           openblas_get_corename());
    for (int s = 0; s < 2; s++) {
        size_t M = shapes[s][0], N = shapes[s][1], K = shapes[s][2];
        float *a = calloc(M * K, sizeof(float)), *b = calloc(N * K, sizeof(float)),
              *c = calloc(M * N, sizeof(float));
        for (size_t i = 0; i < M * K; i++)
            a[i] = (float)(i % 13) * 0.1f;
        for (size_t i = 0; i < N * K; i++)
            b[i] = (float)(i % 7) * 0.1f;
        double flop = 2.0 * (double)M * (double)N * (double)K, best = 1e30;
        /* Enough repetitions for ~0.1 s; the best run is the machine's rate. */
        int reps = (int)(1e10 / flop) + 1;
        for (int r = 0; r < reps + 2; r++) {
            double t0 = now();
            if (s == 0) {
                /* Many independent blocks, split over OpenMP threads as k-means does. */
                int saved = openblas_get_num_threads();
                openblas_set_num_threads(1);
#pragma omp parallel for num_threads(threads) schedule(static)
                for (int blk = 0; blk < 16; blk++)
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)M / 16, (int)N,
                                (int)K, -2.0f, a + (size_t)blk * (M / 16) * K, (int)K, b, (int)K,
                                0.0f, c + (size_t)blk * (M / 16) * N, (int)N);
                openblas_set_num_threads(saved);
            } else {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)M, (int)N, (int)K, 1.0f,
                            a, (int)K, b, (int)K, 0.0f, c, (int)N);
            }
            double t = now() - t0;
            if (t < best)
                best = t;
        }
        printf(",\"gflops_%zux%zux%zu\":%.2f", M, N, K, flop / best * 1e-9);
        free(a);
        free(b);
        free(c);
    }
    printf("}\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_cluster gen|seed|kmeans|minibatch|gmm|dbscan|silhouette|"
                        "sgemm ARGS (see the top of bench/cluster/bench_cluster.c)\n");
        return 2;
    }
    const char *m = argv[1];
    int rc = 2;
    if (!strcmp(m, "gen"))
        rc = mode_gen(argc, argv);
    else if (!strcmp(m, "seed"))
        rc = mode_seed(argc, argv);
    else if (!strcmp(m, "kmeans"))
        rc = mode_kmeans(argc, argv);
    else if (!strcmp(m, "minibatch"))
        rc = mode_minibatch(argc, argv);
    else if (!strcmp(m, "gmm"))
        rc = mode_gmm(argc, argv);
    else if (!strcmp(m, "dbscan"))
        rc = mode_dbscan(argc, argv);
    else if (!strcmp(m, "silhouette"))
        rc = mode_silhouette(argc, argv);
    else if (!strcmp(m, "sgemm"))
        rc = mode_sgemm(argc, argv);
    if (rc == 2)
        fprintf(stderr, "bench_cluster %s: wrong arguments (see bench/cluster/bench_cluster.c)\n",
                m);
    return rc;
}
