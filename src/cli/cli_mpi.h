/*
 * `cluster` and `predict` under mpirun (cli_mpi.c). Not registered as commands of their own
 * (the file is not cmd_*.c): cmd_cluster.c and cmd_predict.c hand over when MPI is wanted.
 */
#ifndef MOOD_CLI_MPI_H
#define MOOD_CLI_MPI_H

/* 1 when started by mpirun with more than one rank, or given --mpi / --input-per-rank. */
int mood_cli_mpi_wanted(int argc, char **argv);
/* `moodscope cluster` on every rank; returns the exit code. */
int mood_cli_cluster_mpi(int argc, char **argv);
/* `moodscope predict` on every rank; returns the exit code. */
int mood_cli_predict_mpi(int argc, char **argv);

/*
 * getopt_long entries that `cluster` and `predict` share with their MPI paths, so that both
 * accept the same spellings. The cluster entries use the including file's OPT_FEATURES,
 * OPT_SCALER, OPT_SEED, OPT_NINIT, OPT_MAXITER, OPT_TOL and OPT_ALGO codes.
 */
#define MOOD_CLI_CLUSTER_KMEANS_LONGOPTS                                                           \
    {"input", required_argument, NULL, 'i'}, {"clusters", required_argument, NULL, 'k'},           \
        {"n-clusters", required_argument, NULL, 'k'},                                              \
        {"n_clusters", required_argument, NULL, 'k'},                                              \
        {"features", required_argument, NULL, OPT_FEATURES},                                       \
        {"scaler", required_argument, NULL, OPT_SCALER},                                           \
        {"seed", required_argument, NULL, OPT_SEED},                                               \
        {"random-state", required_argument, NULL, OPT_SEED},                                       \
        {"random_state", required_argument, NULL, OPT_SEED},                                       \
        {"n-init", required_argument, NULL, OPT_NINIT},                                            \
        {"n_init", required_argument, NULL, OPT_NINIT},                                            \
        {"max-iter", required_argument, NULL, OPT_MAXITER},                                        \
        {"max_iter", required_argument, NULL, OPT_MAXITER},                                        \
        {"tol", required_argument, NULL, OPT_TOL},                                                 \
    {                                                                                              \
        "algorithm", required_argument, NULL, OPT_ALGO                                             \
    }

/* `predict`: the rows to predict (old spellings too) and where to write. */
#define MOOD_CLI_PREDICT_LONGOPTS                                                                  \
    {"input", required_argument, NULL, 'i'}, {"predict_csv", required_argument, NULL, 'i'},        \
        {"predict-csv", required_argument, NULL, 'i'},                                             \
    {                                                                                              \
        "output", required_argument, NULL, 'o'                                                     \
    }

#endif
