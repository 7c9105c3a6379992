/*
 * Atomic tag writes. TagLib edits files in place, and a crash in the middle of an in-place
 * rewrite (FLAC and Ogg files are rewritten from the tag onwards when the tag grows) would
 * leave a broken file. So the original is copied to a temporary file in the same directory
 * (same file system, so rename(2) replaces it in one step), TagLib edits the copy, the copy is
 * fsync'd, its audio packets are checked against the original's, it gets the original's
 * permissions, owner and times, and only then is renamed over the original.
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE   700
#include "tags_internal.h"

#include "../core/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Copy everything from @p in to @p out (both open file descriptors); EIO naming @p path. */
static mood_status copy_fd(int in, int out, const char *path)
{
    char buf[1 << 16];
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n == 0)
            return MOOD_OK;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return mood__error(MOOD_EIO, "%s: cannot copy: %s", path, strerror(errno));
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(out, buf + done, (size_t)(n - done));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                return mood__error(MOOD_EIO, "%s: cannot copy: %s", path, strerror(errno));
            done += w;
        }
    }
}

/*
 * Create @p tmp (the template is filled in) beside @p path as a copy of it, with its mode and
 * owner. The owner is kept where the process may set it (root); otherwise it is the writer's,
 * as with any editor that saves through a new file.
 */
static mood_status make_copy(const char *path, const struct stat *st, char *tmp)
{
    int in = mood__open_noatime(path), out;
    if (in < 0)
        return mood__error(MOOD_EIO, "%s: cannot read: %s", path, strerror(errno));
    out = mkstemp(tmp);
    if (out < 0) {
        int e = errno;
        close(in);
        return mood__error(MOOD_EIO, "%s: cannot create a temporary file beside it: %s", path,
                           strerror(e));
    }
    mood_status s = copy_fd(in, out, path);
    close(in);
    if (s == MOOD_OK && fchmod(out, st->st_mode & 07777) != 0)
        s = mood__error(MOOD_EIO, "%s: cannot copy: %s", path, strerror(errno));
    if (fchown(out, st->st_uid, st->st_gid) != 0)
        (void)0; /* not permitted for other users' files: keep ours */
    if (close(out) != 0 && s == MOOD_OK)
        s = mood__error(MOOD_EIO, "%s: cannot copy: %s", path, strerror(errno));
    if (s != MOOD_OK)
        unlink(tmp);
    return s;
}

/* fsync a file (or a directory) by name; EIO "@p what: cannot sync @p role: reason". */
static mood_status sync_path(const char *p, int flags, const char *what, const char *role)
{
    int fd = open(p, flags);
    if (fd < 0)
        return mood__error(MOOD_EIO, "%s: cannot sync %s: %s", what, role, strerror(errno));
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    if (rc != 0)
        return mood__error(MOOD_EIO, "%s: cannot sync %s: %s", what, role, strerror(e));
    return MOOD_OK;
}

/*
 * The original must be writable by us: rename(2) would replace a read-only file that sits in
 * a writable directory, which would defeat the user's protection. O_WRONLY without O_TRUNC
 * changes nothing; it fails for a read-only or immutable file and on a read-only mount.
 */
static mood_status check_writable(const char *path)
{
    int fd = open(path, O_WRONLY | O_NOCTTY);
    if (fd < 0)
        return mood__error(MOOD_EIO, "%s: not writable: %s", path, strerror(errno));
    close(fd);
    return MOOD_OK;
}

/* Tag the copy, sync it, compare its audio with @p digest, restore the times. */
static mood_status tag_copy(const char *path, const char *tmp, mood_tag_format fmt,
                            const mood_tag_set *changes, const struct stat *st,
                            const unsigned char *digest)
{
    char err[256] = "";
    unsigned char after[16];
    int rc = mood__taglib_write(tmp, fmt, changes, err, sizeof err);
    if (rc != MOOD__TAGLIB_OK)
        return mood__tags_bridge_status(rc, path, err);
    mood_status s = sync_path(tmp, O_RDONLY, path, "the new copy");
    if (s != MOOD_OK)
        return s;
    s = mood_tags_audio_digest(tmp, after);
    if (s != MOOD_OK)
        return mood__error_context(s, "%s: the tagged copy does not read back", path);
    if (memcmp(digest, after, 16) != 0)
        return mood__error(MOOD_EINTERNAL,
                           "%s: writing the tags would change the audio data; nothing written",
                           path);
    struct timespec times[2] = {st->st_atim, st->st_mtim};
    if (utimensat(AT_FDCWD, tmp, times, 0) != 0)
        return mood__error(MOOD_EIO, "%s: cannot set the times: %s", path, strerror(errno));
    return MOOD_OK;
}

/* Rename @p tmp over @p real and make the rename durable by syncing the directory. */
static mood_status publish(const char *real, const char *tmp, const char *dir)
{
    if (rename(tmp, real) != 0)
        return mood__error(MOOD_EIO, "%s: cannot replace: %s", real, strerror(errno));
    /* Best effort: the rename is done; a directory that cannot be synced is not an error. */
    if (sync_path(dir, O_RDONLY | O_DIRECTORY, real, "its folder") != MOOD_OK)
        mood_clear_error();
    return MOOD_OK;
}

mood_status mood_tags_write(const char *path, const mood_tag_set *changes)
{
    char real[PATH_MAX], dir[PATH_MAX], tmp[PATH_MAX + 32];
    unsigned char digest[16];
    struct stat st;
    mood_tag_format fmt;
    /* A symlink is followed: the file it points to is replaced, the link stays a link. */
    if (!realpath(path, real))
        return mood__error(MOOD_EIO, "%s: %s", path, strerror(errno));
    if (stat(real, &st) != 0 || !S_ISREG(st.st_mode))
        return mood__error(MOOD_EIO, "%s: not a regular file", path);
    mood_status s = mood_tags_detect(real, &fmt);
    if (s == MOOD_OK)
        s = check_writable(real);
    if (s == MOOD_OK)
        s = mood_tags_check(real);
    if (s == MOOD_OK)
        s = mood_tags_audio_digest(real, digest);
    if (s != MOOD_OK)
        return s;
    const char *slash = strrchr(real, '/');
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - real), real);
    if (!dir[0])
        snprintf(dir, sizeof dir, "/");
    snprintf(tmp, sizeof tmp, "%s/.%s.moodscope-XXXXXX", dir, slash + 1);
    s = make_copy(real, &st, tmp);
    if (s != MOOD_OK)
        return s;
    s = tag_copy(path, tmp, fmt, changes, &st, digest);
    if (s == MOOD_OK)
        s = publish(real, tmp, dir);
    if (s != MOOD_OK)
        unlink(tmp);
    return s;
}
