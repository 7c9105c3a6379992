/*
 * Atomic writes by temp file + fsync + rename(2), which POSIX guarantees to replace the target
 * in one step; directories are assembled under a temporary name and renamed into place.
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE   700
#include "../core/internal.h"

#include <moodscope/fileio.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct mood_atomic_file {
    FILE *fp;
    char *path;
    char *tmp;
};

mood_status mood_atomic_open(const char *path, mood_atomic_file **out, FILE **out_fp)
{
    mood_atomic_file *af = mood__calloc(1, sizeof *af);
    size_t len = strlen(path);
    int fd;
    *out = NULL;
    *out_fp = NULL;
    if (!af)
        return mood__enomem("atomic write");
    af->path = mood__strdup(path);
    af->tmp = mood__malloc(len + 16);
    if (!af->path || !af->tmp) {
        mood_atomic_abort(af);
        return mood__enomem("atomic write");
    }
    snprintf(af->tmp, len + 16, "%s.tmp.XXXXXX", path);
    fd = mkstemp(af->tmp);
    if (fd < 0) {
        mood_status s = mood__error(MOOD_EIO, "%s: cannot create: %s", path, strerror(errno));
        mood__free(af->tmp);
        af->tmp = NULL;
        mood_atomic_abort(af);
        return s;
    }
    fchmod(fd, 0644);
    af->fp = fdopen(fd, "wb");
    if (!af->fp) {
        close(fd);
        mood_atomic_abort(af);
        return mood__error(MOOD_EIO, "%s: cannot open: %s", path, strerror(errno));
    }
    *out = af;
    *out_fp = af->fp;
    return MOOD_OK;
}

void mood_atomic_abort(mood_atomic_file *af)
{
    if (!af)
        return;
    if (af->fp)
        fclose(af->fp);
    if (af->tmp)
        unlink(af->tmp);
    mood__free(af->tmp);
    mood__free(af->path);
    mood__free(af);
}

mood_status mood_atomic_commit(mood_atomic_file *af)
{
    mood_status s = MOOD_OK;
    int failed = ferror(af->fp) || fflush(af->fp) != 0 || fsync(fileno(af->fp)) != 0;
    int err = errno;
    if (fclose(af->fp) != 0 && !failed) {
        failed = 1;
        err = errno;
    }
    af->fp = NULL;
    if (failed)
        s = mood__error(MOOD_EIO, "%s: write failed: %s", af->path, strerror(err));
    else if (rename(af->tmp, af->path) != 0)
        s = mood__error(MOOD_EIO, "%s: cannot rename into place: %s", af->path, strerror(errno));
    else {
        mood__free(af->tmp);
        af->tmp = NULL;
    }
    mood_atomic_abort(af);
    return s;
}

mood_status mood_atomic_write(const char *path, const void *data, size_t len)
{
    mood_atomic_file *af;
    FILE *fp;
    mood_status s = mood_atomic_open(path, &af, &fp);
    if (s != MOOD_OK)
        return s;
    if (len && fwrite(data, 1, len, fp) != len) {
        mood_atomic_abort(af);
        return mood__error(MOOD_EIO, "%s: write failed: %s", path, strerror(errno));
    }
    return mood_atomic_commit(af);
}

mood_status mood_mkdirs(const char *path)
{
    char *p = mood__strdup(path);
    if (!p)
        return mood__enomem("mkdir");
    for (char *c = p + 1;; c++) {
        if (*c == '/' || *c == '\0') {
            char saved = *c;
            *c = '\0';
            if (mkdir(p, 0755) != 0 && errno != EEXIST) {
                mood_status s =
                    mood__error(MOOD_EIO, "%s: cannot create directory: %s", p, strerror(errno));
                mood__free(p);
                return s;
            }
            *c = saved;
            if (saved == '\0')
                break;
        }
    }
    mood__free(p);
    return MOOD_OK;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

mood_status mood_rmtree(const char *path)
{
    if (nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT)
        return mood__error(MOOD_EIO, "%s: cannot remove: %s", path, strerror(errno));
    return MOOD_OK;
}

mood_status mood_dir_publish(const char *tmp_dir, const char *final_dir)
{
    if (mood_path_exists(final_dir))
        return mood__error(MOOD_EIO, "%s: already exists", final_dir);
    if (rename(tmp_dir, final_dir) != 0)
        return mood__error(MOOD_EIO, "%s: cannot rename into place: %s", final_dir,
                           strerror(errno));
    return MOOD_OK;
}

int mood_path_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

mood_status mood_read_file(const char *path, char **out, size_t *out_len)
{
    FILE *fp = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0;
    *out = NULL;
    if (!fp)
        return mood__error(MOOD_EIO, "%s: cannot open: %s", path, strerror(errno));
    for (;;) {
        if (cap - len < 65536) {
            size_t ncap = cap ? cap * 2 : 65536 * 2;
            char *nb = mood__realloc(buf, ncap + 1);
            if (!nb) {
                mood__free(buf);
                fclose(fp);
                return mood__enomem("read file");
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(fp)) {
        mood__free(buf);
        fclose(fp);
        return mood__error(MOOD_EIO, "%s: read failed", path);
    }
    fclose(fp);
    buf[len] = '\0';
    *out = buf;
    if (out_len)
        *out_len = len;
    return MOOD_OK;
}
