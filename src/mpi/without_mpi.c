/*
 * The MPI engine's entry points when moodscope is built without MPI: whether we were started
 * by mpirun is still detected (so that N copies of a non-MPI binary do not each run the whole
 * job), and every entry point says how to build the MPI engine.
 */
#define _POSIX_C_SOURCE 200809L
#include <moodscope/mpi.h>

#include "../core/internal.h"

#include <stdlib.h>
#include <string.h>

/* mpirun / srun export the world size to every rank before MPI_Init. */
int mood_mpi_launched(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE",
                                       "MPI_LOCALNRANKS"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && atoi(v) > 1)
            return 1;
    }
    return 0;
}

#ifndef MOOD_WITH_MPI
#define NO_MPI                                                                                     \
    mood__error(MOOD_EUNSUPPORTED,                                                                 \
                "this moodscope was built without MPI; install libopenmpi-dev (Debian: "           \
                "apt-get install libopenmpi-dev openmpi-bin) and rebuild (cmake -S . -B build "    \
                "-DMOOD_WITH_MPI=ON)")

int mood_mpi_compiled(void)
{
    return 0;
}

mood_status mood_mpi_init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return NO_MPI;
}

void mood_mpi_finalize(void)
{
}

int mood_mpi_rank(void)
{
    return 0;
}

int mood_mpi_size(void)
{
    return 1;
}

mood_status mood_mpi_agree(mood_status local)
{
    return local;
}

mood_status mood_mpi_read_share(const mood_mpi_input *in, mood_table **out, size_t *out_first_row,
                                size_t *out_n_global)
{
    (void)in;
    (void)out_first_row;
    (void)out_n_global;
    *out = NULL;
    return NO_MPI;
}

mood_status mood_mpi_run_execute(const mood_run_config *c, const mood_table *local,
                                 const mood_mpi_options *o, mood_mpi_run **out)
{
    (void)c;
    (void)local;
    (void)o;
    *out = NULL;
    return NO_MPI;
}

mood_status mood_mpi_run_write(mood_mpi_run *r, const char *runs_dir, char *out_run_id, size_t cap)
{
    (void)r;
    (void)runs_dir;
    (void)out_run_id;
    (void)cap;
    return NO_MPI;
}

const char *mood_mpi_run_metadata_json(const mood_mpi_run *r)
{
    (void)r;
    return "{}";
}

void mood_mpi_run_stats(const mood_mpi_run *r, mood_mpi_stats *out)
{
    (void)r;
    memset(out, 0, sizeof *out);
}

void mood_mpi_run_destroy(mood_mpi_run *r)
{
    (void)r;
}

mood_status mood_mpi_snapshot_predict(const char *snapshots_dir, const char *name,
                                      const mood_table *local, const char *output_path)
{
    (void)snapshots_dir;
    (void)name;
    (void)local;
    (void)output_path;
    return NO_MPI;
}
#endif
