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

#endif
