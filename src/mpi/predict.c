/*
 * `predict` under MPI: rank 0 reads the snapshot's model.json and broadcasts its text (the
 * other ranks need no shared file system for it); every rank predicts its own rows with the
 * same pipeline; rank 0 writes all rows in global row order, atomically.
 */
#ifdef MOOD_WITH_MPI
#define _POSIX_C_SOURCE 200809L
#include "mpi_internal.h"

#include "../core/internal.h"
#include "../store/run_fit.h"

#include <moodscope/fileio.h>

#include <stdlib.h>
#include <string.h>

/* Rank 0 reads the model file; every rank parses the broadcast text. */
static mood_status load_pipeline(const char *snapshots_dir, const char *name, mood_pipeline **out)
{
    char path[4096] = "";
    char *text = NULL;
    size_t len = 0;
    unsigned long long l = 0;
    mood_status s = MOOD_OK;
    *out = NULL;
    if (mood_mpi_rank() == 0) {
        s = mood_snapshot_model_path(snapshots_dir, name, path, sizeof path);
        if (s == MOOD_OK)
            s = mood_read_file(path, &text, &len);
        l = len;
    }
    s = mood_mpi_agree(s);
    if (s == MOOD_OK)
        s = mood__mpi_bcast(&l, 1, MPI_UNSIGNED_LONG_LONG, 0);
    if (s == MOOD_OK && mood_mpi_rank() != 0) {
        text = mood__malloc((size_t)l + 1);
        s = text ? MOOD_OK : mood__enomem("model");
    }
    s = mood_mpi_agree(s);
    if (s == MOOD_OK)
        s = mood__mpi_bcast(text, (size_t)l, MPI_CHAR, 0);
    if (s == MOOD_OK)
        s = mood__mpi_bcast(path, sizeof path, MPI_CHAR, 0);
    if (s == MOOD_OK)
        s = mood__pipeline_parse(text, (size_t)l, path, out);
    if (mood_mpi_rank() == 0)
        mood_free(text);
    else
        mood__free(text);
    return mood_mpi_agree(s);
}

static mood_status make_parent(const char *output_path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", output_path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return MOOD_OK;
    *slash = '\0';
    return mood_mkdirs(dir);
}

mood_status mood_mpi_snapshot_predict(const char *snapshots_dir, const char *name,
                                      const mood_table *local, const char *output_path)
{
    const size_t n = mood_table_rows(local);
    mood_pipeline *p = NULL;
    int32_t *lab = mood__malloc_array(n + 1, sizeof(int32_t));
    float *dist = mood__malloc_array(n + 1, sizeof(float));
    mood_status s = mood_mpi_agree(lab && dist ? MOOD_OK : mood__enomem("predict"));
    if (s == MOOD_OK)
        s = load_pipeline(snapshots_dir, name, &p);
    if (s == MOOD_OK) {
        s = n ? mood_pipeline_predict(p, local, lab, dist) : MOOD_OK;
        if (s != MOOD_OK)
            mood__error_context(s, "snapshot '%s'", name);
        s = mood_mpi_agree(s);
    }
    if (s == MOOD_OK)
        s = mood_mpi_agree(mood_mpi_rank() == 0 ? make_parent(output_path) : MOOD_OK);
    if (s == MOOD_OK)
        s = mood__mpi_stream_rows(local, lab, dist, mood__pipeline_names(p), output_path);
    mood_pipeline_destroy(p);
    mood__free(lab);
    mood__free(dist);
    return s;
}
#else
/* Built without MPI: without_mpi.c defines the entry points (they say how to build the engine). */
typedef int mood_mpi_predict_unused;
#endif
