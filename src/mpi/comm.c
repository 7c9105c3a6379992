/*
 * MPI plumbing of the engine: initialisation, counted collective wrappers, the coordinated
 * status that lets every rank stop together with the failing rank's message, the global row
 * layout, and the ordered chunk reduction.
 *
 * Why an ordered chain rather than MPI_Allreduce for the sums: the single-process k-means
 * adds rows inside fixed chunks and the chunk partials in chunk order (kmeans.c, for
 * thread-count independence). An allreduce adds per-rank partials in a tree, which rounds
 * differently; the centres then differ in the last bit and, rarely, a near-tie row changes
 * group. The chain passes the running total and the open partial of a chunk that straddles a
 * rank boundary (2·S doubles, S = k·d + k for Lloyd) from rank to rank, so the result is
 * bit-identical to one process. Every rank adds its own rows before the chain; in the chain
 * it only finishes a chunk begun on the previous rank (at most one chunk of rows, none when the
 * shares are aligned to the chunk grid, as for the binary table) and adds chunk totals. The
 * price is N − 1 sequential hops per reduction instead of log N; the cost model
 * (bench/mpi/COST_MODEL.md) counts both.
 */
#ifdef MOOD_WITH_MPI
#define _POSIX_C_SOURCE 200809L
#include "mpi_internal.h"

#include "../cluster/kmeans_step.h"
#include "../core/hash.h"
#include "../core/internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

mpi_counters mood__mpi_count;
static int inited_here;

int mood_mpi_compiled(void)
{
    return 1;
}

mood_status mood_mpi_init(int *argc, char ***argv)
{
    int flag = 0;
    MPI_Initialized(&flag);
    if (flag)
        return MOOD_OK;
    if (MPI_Init(argc, argv) != MPI_SUCCESS)
        return mood__error(MOOD_EINTERNAL, "MPI_Init failed");
    inited_here = 1;
    return MOOD_OK;
}

void mood_mpi_finalize(void)
{
    int fin = 0;
    if (!inited_here)
        return;
    MPI_Finalized(&fin);
    if (!fin)
        MPI_Finalize();
    inited_here = 0;
}

int mood_mpi_rank(void)
{
    int flag = 0, r = 0;
    MPI_Initialized(&flag);
    if (flag)
        MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
}

int mood_mpi_size(void)
{
    int flag = 0, s = 1;
    MPI_Initialized(&flag);
    if (flag)
        MPI_Comm_size(MPI_COMM_WORLD, &s);
    return s;
}

static mood_status check(int rc, const char *what)
{
    if (rc == MPI_SUCCESS)
        return MOOD_OK;
    return mood__error(MOOD_EINTERNAL, "MPI %s failed (code %d)", what, rc);
}

static int type_size(MPI_Datatype t)
{
    int s = 0;
    MPI_Type_size(t, &s);
    return s;
}

mood_status mood__mpi_allreduce(const void *in, void *out, size_t count, MPI_Datatype t, MPI_Op op)
{
    if (count > INT_MAX)
        return mood__error(MOOD_EINVAL, "MPI allreduce: %zu items is too many", count);
    mood__mpi_count.calls++;
    mood__mpi_count.bytes += (unsigned long long)count * (unsigned long long)type_size(t);
    return check(
        MPI_Allreduce(in == out ? MPI_IN_PLACE : in, out, (int)count, t, op, MPI_COMM_WORLD),
        "allreduce");
}

mood_status mood__mpi_bcast(void *buf, size_t count, MPI_Datatype t, int root)
{
    if (count > INT_MAX)
        return mood__error(MOOD_EINVAL, "MPI bcast: %zu items is too many", count);
    mood__mpi_count.calls++;
    if (mood_mpi_rank() == root)
        mood__mpi_count.bytes += (unsigned long long)count * (unsigned long long)type_size(t);
    return check(MPI_Bcast(buf, (int)count, t, root, MPI_COMM_WORLD), "bcast");
}

/* Large messages go in pieces of at most 1 GiB (MPI counts are int). */
mood_status mood__mpi_send(const void *buf, size_t count, MPI_Datatype t, int to, int tag)
{
    const size_t es = (size_t)type_size(t), piece = ((size_t)1 << 30) / es;
    const char *p = buf;
    do {
        size_t m = count < piece ? count : piece;
        mood__mpi_count.calls++;
        mood__mpi_count.bytes += (unsigned long long)(m * es);
        mood_status s = check(MPI_Send(p, (int)m, t, to, tag, MPI_COMM_WORLD), "send");
        if (s != MOOD_OK)
            return s;
        p += m * es;
        count -= m;
    } while (count > 0);
    return MOOD_OK;
}

mood_status mood__mpi_recv(void *buf, size_t count, MPI_Datatype t, int from, int tag)
{
    const size_t es = (size_t)type_size(t), piece = ((size_t)1 << 30) / es;
    char *p = buf;
    do {
        size_t m = count < piece ? count : piece;
        mood_status s =
            check(MPI_Recv(p, (int)m, t, from, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "recv");
        if (s != MOOD_OK)
            return s;
        p += m * es;
        count -= m;
    } while (count > 0);
    return MOOD_OK;
}

mood_status mood__mpi_allgather(const void *in, void *out, size_t count, MPI_Datatype t)
{
    mood__mpi_count.calls++;
    mood__mpi_count.bytes += (unsigned long long)count * (unsigned long long)type_size(t);
    return check(MPI_Allgather(in, (int)count, t, out, (int)count, t, MPI_COMM_WORLD), "allgather");
}

mood_status mood__mpi_allgatherv(const void *in, size_t my_count, void *out, const size_t *counts,
                                 MPI_Datatype t)
{
    int size = mood_mpi_size();
    int *rc = mood__malloc_array((size_t)size, 2 * sizeof(int)), *disp = rc ? rc + size : NULL;
    size_t tot = 0;
    if (!rc)
        return mood__enomem("MPI allgatherv");
    for (int r = 0; r < size; r++) {
        rc[r] = (int)counts[r];
        disp[r] = (int)tot;
        tot += counts[r];
    }
    if (tot > INT_MAX) {
        mood__free(rc);
        return mood__error(MOOD_EINVAL, "MPI allgatherv: %zu items is too many", tot);
    }
    mood__mpi_count.calls++;
    mood__mpi_count.bytes += (unsigned long long)my_count * (unsigned long long)type_size(t);
    mood_status s =
        check(MPI_Allgatherv(in, (int)my_count, t, out, rc, disp, t, MPI_COMM_WORLD), "allgatherv");
    mood__free(rc);
    return s;
}

/*
 * Agreement on a status: an allreduce of the failing ranks (MIN of the rank that failed, or
 * size when none), then that rank broadcasts its status and message. Two small collectives
 * per check point; the engine calls it after every step that can fail locally (reading,
 * allocation), so no rank waits forever in a collective another rank never reaches.
 */
mood_status(mood_mpi_agree)(mood_status local)
{
    int rank = mood_mpi_rank(), size = mood_mpi_size();
    int mine = local == MOOD_OK ? size : rank, first = size;
    if (MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD) != MPI_SUCCESS)
        return mood__error(MOOD_EINTERNAL, "MPI allreduce failed");
    mood__mpi_count.calls++;
    mood__mpi_count.bytes += sizeof(int);
    if (first == size)
        return MOOD_OK;
    char msg[1024];
    int st = (int)local;
    snprintf(msg, sizeof msg, "%s", rank == first ? mood_last_error() : "");
    MPI_Bcast(&st, 1, MPI_INT, first, MPI_COMM_WORLD);
    MPI_Bcast(msg, (int)sizeof msg, MPI_CHAR, first, MPI_COMM_WORLD);
    msg[sizeof msg - 1] = '\0';
    if (size > 1)
        return mood__error((mood_status)st, "rank %d: %s", first, msg);
    return mood__error((mood_status)st, "%s", msg);
}

mood_status mood__mpi_layout_init(size_t n_local, mpi_layout *out)
{
    memset(out, 0, sizeof *out);
    out->rank = mood_mpi_rank();
    out->size = mood_mpi_size();
    unsigned long long mine = n_local;
    unsigned long long *all = mood__malloc_array((size_t)out->size, sizeof *all);
    out->off = mood__malloc_array((size_t)out->size + 1, sizeof(size_t));
    mood_status s = all && out->off ? MOOD_OK : mood__enomem("MPI layout");
    s = mood_mpi_agree(s);
    if (s == MOOD_OK)
        s = mood__mpi_allgather(&mine, all, 1, MPI_UNSIGNED_LONG_LONG);
    if (s == MOOD_OK) {
        out->off[0] = 0;
        for (int r = 0; r < out->size; r++)
            out->off[r + 1] = out->off[r] + (size_t)all[r];
        out->n = out->off[out->size];
        out->g0 = out->off[out->rank];
        out->g1 = out->off[out->rank + 1];
    }
    mood__free(all);
    if (s != MOOD_OK)
        mood__mpi_layout_free(out);
    return s;
}

void mood__mpi_layout_free(mpi_layout *l)
{
    mood__free(l->off);
    l->off = NULL;
}

int mood__mpi_owner(const mpi_layout *l, size_t i)
{
    int lo = 0, hi = l->size - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (l->off[mid] <= i)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

mood_status mood__mpi_fetch_rows(const mpi_layout *l, const float *x_local, size_t d, size_t a,
                                 size_t b, float *out)
{
    size_t *counts = mood__calloc((size_t)l->size, sizeof(size_t));
    if (!counts)
        return mood__enomem("MPI fetch rows");
    for (int r = 0; r < l->size; r++) {
        size_t lo = l->off[r] > a ? l->off[r] : a, hi = l->off[r + 1] < b ? l->off[r + 1] : b;
        counts[r] = hi > lo ? (hi - lo) * d : 0;
    }
    size_t lo = l->g0 > a ? l->g0 : a;
    const float *src = counts[l->rank] ? x_local + (lo - l->g0) * d : x_local;
    mood_status s = mood__mpi_allgatherv(src, counts[l->rank], out, counts, MPI_FLOAT);
    mood__free(counts);
    return s;
}

void mood__mpi_grid(const mpi_layout *l, size_t partial_bytes, mpi_grid *out)
{
    km_chunks ch;
    mood__km_chunks(l->n, partial_bytes, &ch);
    out->rows = ch.rows;
    out->count = ch.count;
}

void mood__mpi_grid_single(const mpi_layout *l, mpi_grid *out)
{
    out->rows = l->n ? l->n : 1;
    out->count = l->n ? 1 : 0;
}

static void add_into(double *t, const double *v, size_t S)
{
    for (size_t i = 0; i < S; i++)
        t[i] += v[i];
}

/* Chunks this rank finishes (their last row is local), as [c_lo, c_hi). */
static void finished_range(const mpi_layout *l, const mpi_grid *g, size_t *c_lo, size_t *c_hi)
{
    *c_lo = *c_hi = 0;
    if (l->g1 <= l->g0)
        return;
    /* Chunk c ends at min(n, (c+1)·rows) − 1; it is finished here when that row is local. */
    size_t first = l->g0 / g->rows, last = (l->g1 - 1) / g->rows;
    size_t end_first = (first + 1) * g->rows;
    if (end_first > l->n)
        end_first = l->n;
    *c_lo = end_first <= l->g1 ? first : first + 1;
    size_t end_last = (last + 1) * g->rows;
    if (end_last > l->n)
        end_last = l->n;
    *c_hi = end_last <= l->g1 ? last + 1 : last;
    if (*c_hi < *c_lo)
        *c_hi = *c_lo;
}

/* Chunk c's end row (exclusive). */
static size_t chunk_end(const mpi_layout *l, const mpi_grid *g, size_t c)
{
    size_t e = (c + 1) * g->rows;
    return e < l->n ? e : l->n;
}

/*
 * Before the chain: the partial of every local segment except the first when that one
 * continues a chunk begun on an earlier rank (it needs that rank's open partial). Segment t
 * covers chunk c_first + t. This is where the rows are added, in parallel on all ranks.
 */
static void local_partials(const mpi_layout *l, const mpi_grid *g, size_t S, mpi_acc_fn acc,
                           void *user, double *P)
{
    size_t i = l->g0, t = 0;
    while (i < l->g1) {
        size_t c = i / g->rows, stop = chunk_end(l, g, c);
        stop = stop < l->g1 ? stop : l->g1;
        if (!(t == 0 && l->g0 % g->rows != 0)) {
            memset(P + t * S, 0, S * sizeof(double));
            acc(user, c, i - l->g0, stop - l->g0, P + t * S);
        }
        i = stop;
        t++;
    }
}

/*
 * The chain step: continue the open partial O with the first segment when it belongs to an
 * earlier rank's chunk (the only rows added here, at most one chunk), then add the finished
 * chunk partials to the running total T in chunk order and leave the last open one in O.
 */
static void chain_local(const mpi_layout *l, const mpi_grid *g, size_t S, mpi_acc_fn acc,
                        void *user, const double *P, double *T, double *O, double *fin)
{
    size_t i = l->g0, t = 0, nf = 0;
    while (i < l->g1) {
        size_t c = i / g->rows, end = chunk_end(l, g, c);
        size_t stop = end < l->g1 ? end : l->g1;
        if (t == 0 && l->g0 % g->rows != 0)
            acc(user, c, i - l->g0, stop - l->g0, O);
        else
            memcpy(O, P + t * S, S * sizeof(double));
        if (stop == end) {
            add_into(T, O, S);
            if (fin)
                memcpy(fin + (nf++) * S, O, S * sizeof(double));
            memset(O, 0, S * sizeof(double));
        }
        i = stop;
        t++;
    }
}

mood_status mood__mpi_chunk_reduce(const mpi_layout *l, const mpi_grid *g, size_t S, mpi_acc_fn acc,
                                   void *user, double *total, double *chunks)
{
    size_t c_lo, c_hi;
    finished_range(l, g, &c_lo, &c_hi);
    size_t nseg = l->g1 > l->g0 ? (l->g1 - 1) / g->rows - l->g0 / g->rows + 1 : 0;
    double *TO = mood__calloc(2 * S, sizeof(double));
    double *P = mood__malloc_array(nseg + 1, S * sizeof(double));
    double *fin = chunks ? mood__malloc_array(c_hi - c_lo + 1, S * sizeof(double)) : NULL;
    size_t *counts = chunks ? mood__calloc((size_t)l->size, sizeof(size_t)) : NULL;
    mood_status s = TO && P && (!chunks || (fin && counts)) ? MOOD_OK : mood__enomem("MPI reduce");
    s = mood_mpi_agree(s);
    if (s != MOOD_OK)
        goto done;
    local_partials(l, g, S, acc, user, P);
    if (l->rank > 0)
        s = mood__mpi_recv(TO, 2 * S, MPI_DOUBLE, l->rank - 1, 71);
    if (s == MOOD_OK) {
        chain_local(l, g, S, acc, user, P, TO, TO + S, fin);
        if (l->rank + 1 < l->size)
            s = mood__mpi_send(TO, 2 * S, MPI_DOUBLE, l->rank + 1, 71);
    }
    if (s == MOOD_OK)
        s = mood__mpi_bcast(TO, S, MPI_DOUBLE, l->size - 1);
    if (s == MOOD_OK)
        memcpy(total, TO, S * sizeof(double));
    if (s == MOOD_OK && chunks) {
        for (int r = 0; r < l->size; r++) {
            mpi_layout lr = *l;
            size_t a, b;
            lr.rank = r;
            lr.g0 = l->off[r];
            lr.g1 = l->off[r + 1];
            finished_range(&lr, g, &a, &b);
            counts[r] = (b - a) * S;
        }
        s = mood__mpi_allgatherv(fin, counts[l->rank], chunks, counts, MPI_DOUBLE);
    }
done:
    mood__free(TO);
    mood__free(P);
    mood__free(fin);
    mood__free(counts);
    return s;
}

mood_status mood__mpi_fnv_chain(const void *data, size_t len, uint64_t *h)
{
    int rank = mood_mpi_rank(), size = mood_mpi_size();
    unsigned long long v = *h;
    mood_status s = MOOD_OK;
    if (rank > 0)
        s = mood__mpi_recv(&v, 1, MPI_UNSIGNED_LONG_LONG, rank - 1, 72);
    if (s == MOOD_OK) {
        v = mood__fnv1a(data, len, v);
        if (rank + 1 < size)
            s = mood__mpi_send(&v, 1, MPI_UNSIGNED_LONG_LONG, rank + 1, 72);
    }
    if (s == MOOD_OK)
        s = mood__mpi_bcast(&v, 1, MPI_UNSIGNED_LONG_LONG, size - 1);
    *h = v;
    return s;
}
#else
/* Built without MPI: without_mpi.c defines the entry points (they say how to build the engine). */
typedef int mood_mpi_comm_unused;
#endif
