/**
 * @file mpi.h
 * @brief The engine under MPI: `mpirun -n N moodscope cluster|predict` (issue 12).
 *
 * Each rank reads its own share of the rows (a byte range of one CSV aligned to line starts,
 * one file per rank, or a row range of a binary float table), the preprocessing statistics
 * and every k-means reduction are combined across ranks, and rank 0 writes the outputs once,
 * atomically. The reductions follow the single-process chunk order exactly (an ordered chain
 * over ranks for the chunk partial sums), so that the same seed gives the same seeds, centres
 * and labels as one process (comm.c explains the ordered chain).
 * @code
 * mood_mpi_init(&argc, &argv);
 * mood_table *local; size_t first, n;
 * if (mood_mpi_agree(mood_mpi_read_share(&in, &local, &first, &n)) == MOOD_OK) {
 *     mood_mpi_run *r;
 *     if (mood_mpi_run_execute(&cfg, local, &opt, &r) == MOOD_OK)
 *         mood_mpi_run_write(r, "runs", id, sizeof id);
 *     mood_mpi_run_destroy(r);
 * }
 * mood_mpi_finalize();
 * @endcode
 * Every function here is collective: all ranks call it in the same order. A failure on any
 * rank is returned on every rank (the message names the rank), so all exit together.
 */
#ifndef MOODSCOPE_MPI_H
#define MOODSCOPE_MPI_H

#include "run.h"
#include "status.h"
#include "table.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief 1 when this binary was built with MPI (MOOD_WITH_MPI), else 0. */
MOOD_API int mood_mpi_compiled(void);
/**
 * @brief 1 when the environment says we were started by mpirun/srun with more than one rank
 * (OMPI_COMM_WORLD_SIZE, PMI_SIZE or PMIX_SIZE), whether or not MPI was compiled in.
 */
MOOD_API int mood_mpi_launched(void);
/** @brief MPI_Init (idempotent). ::MOOD_EUNSUPPORTED, saying how to build it, without MPI. */
MOOD_API mood_status mood_mpi_init(int *argc, char ***argv);
/** @brief MPI_Finalize when mood_mpi_init() initialised MPI; safe to call always. */
MOOD_API void mood_mpi_finalize(void);
/** @brief This rank (0 without MPI). */
MOOD_API int mood_mpi_rank(void);
/** @brief Number of ranks (1 without MPI). */
MOOD_API int mood_mpi_size(void);
/**
 * @brief Collective status: the first failing rank's status on every rank, with its message
 * prefixed "rank R: " (others keep MOOD_OK only when every rank succeeded).
 */
MOOD_API mood_status mood_mpi_agree(mood_status local);

/** Where each rank's rows come from. */
typedef struct mood_mpi_input {
    const char *path;             /**< one CSV/TSV shared by all ranks (split by byte ranges), or a
                                       binary table (".f32": see mood_mpi_read_share()) */
    const char *per_rank_pattern; /**< or one file per rank: "%d" (or "{rank}") = the rank */
    int add_source; /**< add the "source" column (the file's base name), as `cluster` reads */
} mood_mpi_input;

/**
 * @brief Read this rank's share. A CSV of size S is split so that rank r takes the data lines
 * whose first byte lies in [r·S/N, (r+1)·S/N) (every rank also reads the header line; quoted
 * fields must not contain newlines). Column kinds are agreed across ranks (a column that is
 * text on any rank is text on all). A ".f32" file is "MOODF32\0", uint64 n, uint64 d, d
 * NUL-terminated names, then n×d little-endian float32; rank r takes rows
 * [r·n/N, (r+1)·n/N), each end rounded to the k-means chunk grid (max(2048, ⌈n/1024⌉) rows).
 * @param out_first_row global index of the first local row; @param out_n_global all rows.
 */
MOOD_API mood_status mood_mpi_read_share(const mood_mpi_input *in, mood_table **out,
                                         size_t *out_first_row, size_t *out_n_global);

/** Options of the distributed run. */
typedef struct mood_mpi_options {
    size_t gather_max_rows;    /**< up to this many rows, rank 0 gathers every row's features for
                                    the map, profiles and silhouette (exactly the single-process
                                    values); above it, a seeded sample of this size. 0 = 200000 */
    int skip_clustered_output; /**< 1: no clustered_output.csv (benchmarks) */
} mood_mpi_options;

typedef struct mood_mpi_run mood_mpi_run;

/** Communication and time counters of a run (this rank's view). */
typedef struct mood_mpi_stats {
    int ranks;
    size_t rows_global, rows_local, iterations, n_init;
    double seconds_read, seconds_prep, seconds_seed, seconds_lloyd, seconds_total;
    double cpu_seconds;               /**< this rank's process CPU time */
    double cpu_seconds_fit_all_ranks; /**< CPU time of seeding + Lloyd, summed over the ranks */
    double lloyd_bytes_per_iter;      /**< payload bytes this rank sent per Lloyd iteration */
    double lloyd_calls_per_iter;      /**< MPI calls per Lloyd iteration */
    unsigned long long bytes_total, calls_total;
    double cpu_seconds_all_ranks;          /**< CPU time summed over the ranks (execute) */
    unsigned long long bytes_all_ranks;    /**< payload bytes sent by all ranks (execute) */
    double lloyd_bytes_per_iter_all_ranks; /**< Lloyd payload bytes per iteration, all ranks */
} mood_mpi_stats;

/**
 * @brief Distributed counterpart of mood_run_execute() for k-means with a fixed k: feature
 * choice, median imputation (exact distributed medians), scaler (standard, minmax, robust,
 * none), seeding (greedy k-means++, or k-means|| above 500k rows, as one process), Lloyd with
 * the same stopping rule, restarts, then scores and profiles on rank 0.
 * @return ::MOOD_EUNSUPPORTED for what has no distributed version (other algorithms, auto k,
 * search, PCA, label columns).
 */
MOOD_API mood_status mood_mpi_run_execute(const mood_run_config *c, const mood_table *local,
                                          const mood_mpi_options *o, mood_mpi_run **out);
/**
 * @brief Write the run directory once (rank 0; the others send their clustered rows in
 * order). Staged under a temporary name and renamed, so a failure leaves nothing.
 * @param out_run_id receives the id on rank 0.
 */
MOOD_API mood_status mood_mpi_run_write(mood_mpi_run *r, const char *runs_dir, char *out_run_id,
                                        size_t cap);
/** @brief run_metadata.json text on rank 0 (valid until destroy), "{}" elsewhere. */
MOOD_API const char *mood_mpi_run_metadata_json(const mood_mpi_run *r);
/** @brief Counters of the run. */
MOOD_API void mood_mpi_run_stats(const mood_mpi_run *r, mood_mpi_stats *out);
/** @brief Release @p r; accepts NULL. Not collective. */
MOOD_API void mood_mpi_run_destroy(mood_mpi_run *r);

/**
 * @brief Distributed mood_snapshot_predict(): rank 0 reads the snapshot's model and sends it
 * to all; each rank predicts its rows; rank 0 writes all rows in global order atomically.
 */
MOOD_API mood_status mood_mpi_snapshot_predict(const char *snapshots_dir, const char *name,
                                               const mood_table *local, const char *output_path);

#ifdef __cplusplus
}
#endif
#endif
