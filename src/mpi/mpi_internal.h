/*
 * Private pieces of the MPI engine: the communicator with byte counters, the coordinated
 * status, the global row layout, and the ordered chunk reduction that reproduces the
 * single-process summation order (comm.c). Never installed.
 */
#ifndef MOOD_MPI_INTERNAL_H
#define MOOD_MPI_INTERNAL_H

#include <moodscope/mpi.h>

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __clang_analyzer__
/* For clang-tidy's static analyzer only: a rank whose own status is an error gets an error
 * back from the agreement (the worst status over all ranks), so the analyzer does not explore
 * failed allocations as if every rank had agreed on MOOD_OK. */
#define mood_mpi_agree(local) ((local) != MOOD_OK ? (local) : mood_mpi_agree(local))
#endif

/* Counters of what this rank sent (payload bytes as passed to MPI, and calls). */
typedef struct mpi_counters {
    unsigned long long bytes, calls;
} mpi_counters;
extern mpi_counters mood__mpi_count;

/* Row layout: rank r holds global rows [off[r], off[r+1]). */
typedef struct mpi_layout {
    int rank, size;
    size_t n;      /* global rows */
    size_t g0, g1; /* this rank's rows */
    size_t *off;   /* size + 1 offsets (owned) */
} mpi_layout;

mood_status mood__mpi_layout_init(size_t n_local, mpi_layout *out);
void mood__mpi_layout_free(mpi_layout *l);
/* Rank holding global row i. */
int mood__mpi_owner(const mpi_layout *l, size_t i);

/* Counted wrappers (MPI_COMM_WORLD). They return MOOD_EINTERNAL on an MPI error. */
mood_status mood__mpi_allreduce(const void *in, void *out, size_t count, MPI_Datatype t, MPI_Op op);
mood_status mood__mpi_bcast(void *buf, size_t count, MPI_Datatype t, int root);
mood_status mood__mpi_send(const void *buf, size_t count, MPI_Datatype t, int to, int tag);
mood_status mood__mpi_recv(void *buf, size_t count, MPI_Datatype t, int from, int tag);
/* Every rank's @p count items of @p in, in rank order, into @p out (size×count). */
mood_status mood__mpi_allgather(const void *in, void *out, size_t count, MPI_Datatype t);
/* Variable-count allgather; @p counts (size entries) known on every rank. */
mood_status mood__mpi_allgatherv(const void *in, size_t my_count, void *out, const size_t *counts,
                                 MPI_Datatype t);
/* Rows [a, b) of the global row order, d floats each, gathered from their owners. */
mood_status mood__mpi_fetch_rows(const mpi_layout *l, const float *x_local, size_t d, size_t a,
                                 size_t b, float *out);

/*
 * The ordered chunk reduction. Global rows are cut into chunks of @c rows (the same grid the
 * single-process code uses, mood__km_chunks); within a chunk rows are added in order starting
 * from zero, and chunk partials are added in chunk order. A chunk split between ranks is
 * finished by the next rank, which receives the open partial; the running total travels down
 * the ranks with it. The result is bit-identical to the single-process loop.
 * acc(user, c, a, b, v): add local rows [a, b) (local indices, all inside chunk c) into v[S].
 */
typedef void (*mpi_acc_fn)(void *user, size_t chunk, size_t a, size_t b, double *v);
typedef struct mpi_grid {
    size_t rows, count; /* rows per chunk, number of chunks (global) */
} mpi_grid;
void mood__mpi_grid(const mpi_layout *l, size_t partial_bytes, mpi_grid *out);
/* Whole-data grid: one chunk (a plain sequential loop over all rows). */
void mood__mpi_grid_single(const mpi_layout *l, mpi_grid *out);
/*
 * @p total (S) receives Σ_chunks in chunk order on every rank; @p chunks (count×S, may be
 * NULL) receives every chunk's partial on every rank.
 */
mood_status mood__mpi_chunk_reduce(const mpi_layout *l, const mpi_grid *g, size_t S, mpi_acc_fn acc,
                                   void *user, double *total, double *chunks);
/* Sequential FNV-1a over every rank's bytes in rank order (the single-process hash). */
mood_status mood__mpi_fnv_chain(const void *data, size_t len, uint64_t *h);

/* ---- distributed preprocessing (prep.c) ---- */
/* Quantiles q[0..nq) of each column over all ranks, exact (numpy linear), NaN skipped. */
mood_status mood__mpi_column_quantiles(const float *x, size_t n, size_t d, const double *qs,
                                       size_t nq, double *out, size_t *counts);

/* ---- distributed k-means (kmeans.c) ---- */
typedef struct mpi_kmeans_out {
    float *centroids; /* k×d (caller-allocated) */
    int32_t *labels;  /* local n (caller-allocated) */
    double inertia;
    size_t n_iter, best_init;
    double seed_seconds, iter_seconds;
    unsigned long long lloyd_bytes, lloyd_calls;
    size_t lloyd_iters_total;
} mpi_kmeans_out;
mood_status mood__mpi_kmeans_fit(const mpi_layout *l, const float *x, size_t d, size_t k,
                                 uint64_t seed, size_t n_init, size_t max_iter, double tol,
                                 mpi_kmeans_out *out);

/* ---- output (stream.c) ---- */
/*
 * Collective: every rank's rows of @p t with cluster, cluster_name (@p names, k entries) and
 * distance, written by rank 0 to @p path atomically in global row order.
 */
mood_status mood__mpi_stream_rows(const mood_table *t, const int32_t *lab, const float *dist,
                                  char *const *names, const char *path);
#endif
