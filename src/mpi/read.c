/*
 * Reading this rank's share of the rows.
 *
 * One CSV: every rank reads the header line and the data lines whose first byte lies in its
 * byte range [r·S/N, (r+1)·S/N), so that shares are disjoint, cover the file and need no
 * communication to find (a line belongs to the range its start falls in). Column kinds are
 * then agreed: the reader decides text or number per share, so a column that is text on any
 * rank is read again as text everywhere. One file per rank needs the same agreement. A binary
 * ".f32" table (MOODF32) is split by rows; it exists for the 10M-row benchmark, where parsing
 * 3 GB of CSV would dominate what is being measured.
 */
#ifdef MOOD_WITH_MPI
#define _POSIX_C_SOURCE 200809L
#include "mpi_internal.h"

#include "../core/internal.h"

#include <moodscope/csv.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static mood_status read_at(int fd, const char *path, size_t off, size_t len, char *buf)
{
    size_t got = 0;
    while (got < len) {
        ssize_t r = pread(fd, buf + got, len - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return mood__error(MOOD_EIO, "%s: read failed at byte %zu: %s", path, off + got,
                               r < 0 ? strerror(errno) : "unexpected end of file");
        got += (size_t)r;
    }
    return MOOD_OK;
}

/* First line start at or after @p pos (pos itself when pos == 0 or byte pos−1 is '\n'). */
static mood_status line_start_from(int fd, const char *path, size_t size, size_t pos, size_t *out)
{
    char buf[65536];
    if (pos == 0 || pos >= size) {
        *out = pos < size ? pos : size;
        return MOOD_OK;
    }
    size_t at = pos - 1;
    while (at < size) {
        size_t m = size - at < sizeof buf ? size - at : sizeof buf;
        mood_status s = read_at(fd, path, at, m, buf);
        if (s != MOOD_OK)
            return s;
        char *nl = memchr(buf, '\n', m);
        if (nl) {
            *out = at + (size_t)(nl - buf) + 1;
            return MOOD_OK;
        }
        at += m;
    }
    *out = size;
    return MOOD_OK;
}

/* Header line + this rank's data lines, parsed as one buffer. */
static mood_status read_csv_share(const char *path, const mood_csv_options *o, mood_table **out)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0)
        return mood__error(MOOD_EIO, "%s: cannot open: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0) {
        close(fd);
        return mood__error(MOOD_EIO, "%s: cannot stat: %s", path, strerror(errno));
    }
    const size_t size = (size_t)st.st_size, N = (size_t)mood_mpi_size(),
                 r = (size_t)mood_mpi_rank();
    size_t hdr_end, a, b;
    mood_status s = line_start_from(fd, path, size, 1, &hdr_end);
    /* floor(size·r/N) without overflow */
    size_t lo = (size / N) * r + (size % N) * r / N;
    size_t hi = (size / N) * (r + 1) + (size % N) * (r + 1) / N;
    if (s == MOOD_OK)
        s = line_start_from(fd, path, size, lo > hdr_end ? lo : hdr_end, &a);
    if (s == MOOD_OK)
        s = line_start_from(fd, path, size, hi > hdr_end ? hi : hdr_end, &b);
    char *buf = NULL;
    if (s == MOOD_OK) {
        if (b < a)
            b = a;
        buf = mood__malloc(hdr_end + (b - a) + 1);
        if (!buf)
            s = mood__enomem("MPI share");
    }
    if (s == MOOD_OK)
        s = read_at(fd, path, 0, hdr_end, buf);
    if (s == MOOD_OK)
        s = read_at(fd, path, a, b - a, buf + hdr_end);
    close(fd);
    if (s == MOOD_OK) {
        char name[4200];
        snprintf(name, sizeof name, "%s (bytes %zu-%zu)", path, a, b);
        s = mood_csv_read_buffer(name, buf, hdr_end + (b - a), o, out);
    }
    mood__free(buf);
    return s;
}

static mood_status per_rank_path(const char *pattern, char *buf, size_t cap)
{
    const char *p = strstr(pattern, "%d"), *q = strstr(pattern, "{rank}");
    const char *at = p ? p : q;
    size_t skip = p ? 2 : 6;
    if (!at)
        return mood__error(MOOD_EINVAL, "--input-per-rank '%s' has no %%d or {rank}", pattern);
    int w =
        snprintf(buf, cap, "%.*s%d%s", (int)(at - pattern), pattern, mood_mpi_rank(), at + skip);
    if (w < 0 || (size_t)w >= cap)
        return mood__error(MOOD_EINVAL, "--input-per-rank: path too long");
    return MOOD_OK;
}

/*
 * Row r·n/N rounded to the k-means chunk grid (max(2048, ⌈n/1024⌉) rows, mood__km_chunks), so
 * that no chunk straddles two ranks and the ordered reductions only pass totals (comm.c).
 */
static size_t aligned_split(size_t n, size_t r, size_t N)
{
    size_t rows = (n + 1023) / 1024;
    rows = rows < 2048 ? 2048 : rows;
    size_t at = (n / N) * r + (n % N) * r / N;
    at = (at + rows / 2) / rows * rows;
    return r == N || at > n ? n : at;
}

/* The binary table: header, then rows [r·n/N, (r+1)·n/N) aligned to the chunk grid. */
static mood_status read_f32_share(const char *path, mood_table **out)
{
    FILE *fp = fopen(path, "rb");
    char magic[8];
    unsigned long long nd[2];
    if (!fp)
        return mood__error(MOOD_EIO, "%s: cannot open: %s", path, strerror(errno));
    if (fread(magic, 1, 8, fp) != 8 || memcmp(magic, "MOODF32", 8) != 0 ||
        fread(nd, sizeof nd[0], 2, fp) != 2 || nd[1] == 0 || nd[1] > 4096) {
        fclose(fp);
        return mood__error(MOOD_EFORMAT, "%s: not a MOODF32 table", path);
    }
    const size_t n = (size_t)nd[0], d = (size_t)nd[1], N = (size_t)mood_mpi_size(),
                 r = (size_t)mood_mpi_rank();
    const size_t lo = aligned_split(n, r, N), hi = aligned_split(n, r + 1, N), m = hi - lo;
    char **names = mood__calloc(d, sizeof(char *));
    float *rows = mood__malloc_array(m ? m : 1, d * sizeof(float));
    float *col = mood__malloc_array(m ? m : 1, sizeof(float));
    mood_status s = names && rows && col ? MOOD_OK : mood__enomem("MOODF32");
    char nm[256];
    for (size_t j = 0; s == MOOD_OK && j < d; j++) {
        size_t len = 0;
        int ch;
        for (;;) {
            ch = fgetc(fp);
            if (ch <= 0 || len + 1 >= sizeof nm)
                break;
            nm[len++] = (char)ch;
        }
        nm[len] = '\0';
        names[j] = mood__strdup(nm);
        if (ch != 0 || !names[j])
            s = mood__error(MOOD_EFORMAT, "%s: bad column name %zu", path, j);
    }
    long data0 = ftell(fp);
    if (s == MOOD_OK && fseek(fp, data0 + (long)(lo * d * sizeof(float)), SEEK_SET) != 0)
        s = mood__error(MOOD_EIO, "%s: seek failed", path);
    if (s == MOOD_OK && m && fread(rows, sizeof(float) * d, m, fp) != m)
        s = mood__error(MOOD_EFORMAT, "%s: truncated (expected %zu rows)", path, n);
    fclose(fp);
    if (s == MOOD_OK)
        s = mood_table_create(m, out);
    for (size_t j = 0; s == MOOD_OK && j < d; j++) {
        for (size_t i = 0; i < m; i++)
            col[i] = rows[i * d + j];
        s = mood_table_add_num(*out, names[j], col);
    }
    for (size_t j = 0; names && j < d; j++)
        mood__free(names[j]);
    mood__free(names);
    mood__free(rows);
    mood__free(col);
    return s;
}

static int is_f32(const char *path)
{
    size_t n = strlen(path);
    return n > 4 && strcmp(path + n - 4, ".f32") == 0;
}

static mood_status read_local(const mood_mpi_input *in, const mood_csv_options *o, mood_table **out)
{
    char path[4096];
    mood_status s;
    if (in->per_rank_pattern) {
        s = per_rank_path(in->per_rank_pattern, path, sizeof path);
        if (s != MOOD_OK)
            return s;
        return is_f32(path) ? read_f32_share(path, out) : mood_csv_read(path, o, out);
    }
    if (!in->path)
        return mood__error(MOOD_EINVAL, "MPI: no input");
    if (is_f32(in->path))
        return read_f32_share(in->path, out);
    return read_csv_share(in->path, o, out);
}

/* Columns that are text on some rank: read again as text on all. */
static mood_status agree_kinds(const mood_mpi_input *in, mood_table **t)
{
    size_t nc = mood_table_cols(*t);
    unsigned long long mine = nc, lo = 0, hi = 0;
    mood_status s = mood__mpi_allreduce(&mine, &lo, 1, MPI_UNSIGNED_LONG_LONG, MPI_MIN);
    if (s == MOOD_OK)
        s = mood__mpi_allreduce(&mine, &hi, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX);
    if (s == MOOD_OK && lo != hi)
        return mood__error(MOOD_EFORMAT,
                           "the ranks' inputs have different columns (%llu vs "
                           "%llu)",
                           lo, hi);
    int *text = mood__calloc(nc + 1, sizeof(int));
    const char **force = mood__calloc(nc + 1, sizeof(char *));
    size_t nf = 0, differ = 0;
    if (s == MOOD_OK && (!text || !force))
        s = mood__enomem("MPI column kinds");
    for (size_t j = 0; s == MOOD_OK && j < nc; j++)
        text[j] = mood_table_col_kind(*t, j) == MOOD_COL_STR;
    if (s == MOOD_OK)
        s = mood__mpi_allreduce(text, text, nc, MPI_INT, MPI_MAX);
    for (size_t j = 0; s == MOOD_OK && j < nc; j++) {
        if (!text[j])
            continue;
        force[nf++] = mood_table_col_name(*t, j);
        differ += mood_table_col_kind(*t, j) != MOOD_COL_STR;
    }
    if (s == MOOD_OK && differ) {
        mood_csv_options o;
        mood_table *t2 = NULL;
        mood_csv_options_default(&o);
        o.text_columns = force;
        o.n_text_columns = nf;
        s = read_local(in, &o, &t2);
        if (s == MOOD_OK) {
            mood_table_destroy(*t);
            *t = t2;
        }
    }
    mood__free(text);
    mood__free(force);
    return s;
}

/*
 * The "source" column mood_csv_read_many() adds (the file's base name), so that the rows and
 * columns are those of the single-process `cluster -i FILE` (not for the binary table).
 */
static mood_status add_source(const mood_mpi_input *in, mood_table *t)
{
    char path[4096];
    size_t j, n = mood_table_rows(t);
    if (in->per_rank_pattern) {
        mood_status s = per_rank_path(in->per_rank_pattern, path, sizeof path);
        if (s != MOOD_OK)
            return s;
    } else {
        snprintf(path, sizeof path, "%s", in->path);
    }
    if (is_f32(path) || mood_table_find(t, "source", &j) == MOOD_OK) {
        mood_clear_error();
        return MOOD_OK;
    }
    mood_clear_error();
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char **vals = mood__malloc_array(n + 1, sizeof *vals);
    if (!vals)
        return mood__enomem("source column");
    for (size_t i = 0; i < n; i++)
        vals[i] = base;
    mood_status s = mood_table_add_str(t, "source", vals);
    mood__free(vals);
    return s;
}

mood_status mood_mpi_read_share(const mood_mpi_input *in, mood_table **out, size_t *out_first_row,
                                size_t *out_n_global)
{
    mood_table *t = NULL;
    mpi_layout l;
    *out = NULL;
    mood_status s = mood_mpi_agree(read_local(in, NULL, &t));
    if (s == MOOD_OK)
        s = mood_mpi_agree(agree_kinds(in, &t));
    if (s == MOOD_OK && in->add_source)
        s = mood_mpi_agree(add_source(in, t));
    if (s == MOOD_OK)
        s = mood__mpi_layout_init(mood_table_rows(t), &l);
    if (s != MOOD_OK) {
        mood_table_destroy(t);
        return s;
    }
    *out_first_row = l.g0;
    *out_n_global = l.n;
    mood__mpi_layout_free(&l);
    *out = t;
    return MOOD_OK;
}
#else
/* Built without MPI: without_mpi.c defines the entry points (they say how to build the engine). */
typedef int mood_mpi_read_unused;
#endif
