/*
 * Rows with their groups, written once by rank 0 in global row order: every rank formats its
 * own rows (input columns + cluster, cluster_name, distance, as the single-process writers do)
 * and rank 0 appends them in rank order to one atomically written file.
 */
#ifdef MOOD_WITH_MPI
#define _POSIX_C_SOURCE 200809L
#include "mpi_internal.h"

#include "../core/internal.h"

#include <moodscope/csv.h>
#include <moodscope/fileio.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The local rows with the three added columns, as CSV text (header included). */
static mood_status format_rows(const mood_table *t, const int32_t *lab, const float *dist,
                               char *const *names, char **out, size_t *len)
{
    static const char *const added[] = {"cluster", "cluster_name", "distance"};
    const size_t n = mood_table_rows(t);
    mood_table *c = NULL;
    size_t j;
    float *cl = mood__malloc_array(n + 1, sizeof(float));
    const char **nm = mood__calloc(n + 1, sizeof(char *));
    mood_status s = cl && nm ? mood_table_clone(t, &c) : mood__enomem("clustered rows");
    for (size_t a = 0; s == MOOD_OK && a < 3; a++)
        if (mood_table_find(c, added[a], &j) == MOOD_OK)
            mood_table_drop(c, j);
    mood_clear_error();
    for (size_t i = 0; s == MOOD_OK && i < n; i++) {
        cl[i] = (float)lab[i];
        nm[i] = lab[i] >= 0 ? names[lab[i]] : "noise";
    }
    if (s == MOOD_OK)
        s = mood_table_add_num(c, "cluster", cl);
    if (s == MOOD_OK)
        s = mood_table_add_str(c, "cluster_name", nm);
    if (s == MOOD_OK)
        s = mood_table_add_num(c, "distance", dist);
    *out = NULL;
    *len = 0;
    FILE *fp = s == MOOD_OK ? open_memstream(out, len) : NULL;
    if (s == MOOD_OK && !fp)
        s = mood__enomem("clustered rows");
    if (fp) {
        s = mood_csv_write_fp(fp, c, NULL);
        fclose(fp);
    }
    mood_table_destroy(c);
    mood__free(cl);
    mood__free(nm);
    return s;
}

/* Rank 0: append rank r's text without its header line. */
static mood_status append_rank(FILE *fp, int r)
{
    unsigned long long len = 0;
    mood_status s = mood__mpi_recv(&len, 1, MPI_UNSIGNED_LONG_LONG, r, 81);
    char *buf = s == MOOD_OK ? malloc(len + 1) : NULL;
    if (s == MOOD_OK && !buf)
        return mood__enomem("clustered rows");
    if (s == MOOD_OK && len)
        s = mood__mpi_recv(buf, (size_t)len, MPI_CHAR, r, 82);
    if (s == MOOD_OK && len && fp) {
        char *body = memchr(buf, '\n', (size_t)len);
        body = body ? body + 1 : buf + len;
        size_t m = (size_t)(buf + len - body);
        if (m && fwrite(body, 1, m, fp) != m)
            s = mood__error(MOOD_EIO, "writing clustered rows failed");
    }
    free(buf);
    return s;
}

mood_status mood__mpi_stream_rows(const mood_table *t, const int32_t *lab, const float *dist,
                                  char *const *names, const char *path)
{
    const int rank = mood_mpi_rank(), size = mood_mpi_size();
    char *text = NULL;
    size_t len = 0;
    mood_status s = mood_mpi_agree(format_rows(t, lab, dist, names, &text, &len));
    if (s != MOOD_OK) {
        free(text);
        return s;
    }
    if (rank > 0) {
        unsigned long long l = len;
        s = mood__mpi_send(&l, 1, MPI_UNSIGNED_LONG_LONG, 0, 81);
        if (s == MOOD_OK && len)
            s = mood__mpi_send(text, len, MPI_CHAR, 0, 82);
        free(text);
        return mood_mpi_agree(s);
    }
    mood_atomic_file *af = NULL;
    FILE *fp = NULL;
    s = mood_atomic_open(path, &af, &fp);
    if (s == MOOD_OK && len && fwrite(text, 1, len, fp) != len)
        s = mood__error(MOOD_EIO, "%s: write failed", path);
    free(text);
    /* Every rank's text is received even after a failure, so no sender blocks. */
    for (int r = 1; r < size; r++) {
        mood_status s2 = append_rank(s == MOOD_OK ? fp : NULL, r);
        if (s == MOOD_OK)
            s = s2;
    }
    if (af && s == MOOD_OK)
        s = mood_atomic_commit(af);
    else if (af)
        mood_atomic_abort(af);
    return mood_mpi_agree(s);
}
#else
/* Built without MPI: without_mpi.c defines the entry points (they say how to build the engine). */
typedef int mood_mpi_stream_unused;
#endif
