/*
 * Path confinement: the server reads files only under its data folder (and the library folder
 * when one is given). A request names a file relative to one of them; absolute paths and ".."
 * components are refused outright, and the real path (every symlink resolved) must still lie
 * inside the folder, so a symlink pointing out is refused too (403).
 */
#include "../core/internal.h"
#include "server_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

char *mood__srv_join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *p = mood__malloc(la + lb + 2);
    if (!p)
        return NULL;
    memcpy(p, a, la); /* NOLINT(bugprone-not-null-terminated-result): b's NUL follows */
    p[la] = '/';
    memcpy(p + la + 1, b, lb + 1);
    return p;
}

int mood__srv_safe_name(const char *name, size_t max_len)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > max_len || name[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                 ch == '.' || ch == '_' || ch == '-';
        if (!ok)
            return 0;
    }
    return 1;
}

/* 1 when some "/"-separated component of @p rel is "..". */
static int has_dotdot(const char *rel)
{
    const char *p = rel;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return 1;
        if (!slash)
            break;
        p = slash + 1;
    }
    return 0;
}

int mood__srv_confine(const char *root, const char *rel, char **out, srv_response *rs)
{
    *out = NULL;
    if (!rel || !*rel) {
        mood__srv_error(rs, 400, "EINVAL",
                        "path: expected a file name relative to the data folder");
        return 0;
    }
    if (strlen(rel) > 1024 || strchr(rel, '\\') || rel[0] == '/' || rel[0] == '~') {
        mood__srv_error(rs, 403, "EFORBIDDEN", "path '%.200s': absolute paths are refused", rel);
        return 0;
    }
    if (has_dotdot(rel)) {
        mood__srv_error(rs, 403, "EFORBIDDEN", "path '%.200s': '..' is refused", rel);
        return 0;
    }
    char *joined = mood__srv_join(root, rel);
    if (!joined) {
        mood__srv_error(rs, 500, "ENOMEM", "out of memory");
        return 0;
    }
    char *rp = realpath(joined, NULL);
    mood__free(joined);
    if (!rp) {
        mood__srv_error(rs, 404, "ENOTFOUND", "path '%.200s': %s", rel, strerror(errno));
        return 0;
    }
    size_t lr = strlen(root);
    if (strncmp(rp, root, lr) != 0 || (rp[lr] != '/' && rp[lr] != '\0')) {
        free(rp);
        mood__srv_error(rs, 403, "EFORBIDDEN", "path '%.200s' leads outside the data folder", rel);
        return 0;
    }
    *out = mood__strdup(rp);
    free(rp);
    if (!*out) {
        mood__srv_error(rs, 500, "ENOMEM", "out of memory");
        return 0;
    }
    return 1;
}

int mood__srv_confine_data(const mood_server *s, const char *rel, char **out, srv_response *rs)
{
    if (rel && s->library_dir && strncmp(rel, "library/", 8) == 0)
        return mood__srv_confine(s->library_dir, rel + 8, out, rs);
    return mood__srv_confine(s->data_dir, rel, out, rs);
}

void mood__srv_data_file(const mood_server *s, const char *sub, const char *name, srv_response *rs)
{
    char *path = NULL, *dir = mood__srv_join(s->data_dir, sub);
    if (!mood__srv_safe_name(name, 200))
        mood__srv_error(rs, 403, "EFORBIDDEN", "file name '%.60s' refused", name);
    else if (dir && mood__srv_confine(dir, name, &path, rs))
        mood__srv_file(rs, path, mood__srv_mime(name), NULL);
    mood__free(path);
    mood__free(dir);
}

void mood__srv_sanitize_upload_name(const char *name, char *buf, size_t cap)
{
    size_t o = 0;
    const char *base = name ? strrchr(name, '/') : NULL;
    base = base ? base + 1 : (name ? name : "");
    while (*base == '.')
        base++;
    for (const char *p = base; *p && o + 8 < cap && o < 80; p++) {
        char ch = *p;
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                 ch == '.' || ch == '_' || ch == '-';
        buf[o++] = ok ? ch : '_';
    }
    buf[o] = '\0';
    size_t n = strlen(buf);
    int has_ext = (n > 4 && (strcmp(buf + n - 4, ".csv") == 0 || strcmp(buf + n - 4, ".tsv") == 0));
    if (n == 0)
        snprintf(buf, cap, "upload.csv");
    else if (!has_ext)
        snprintf(buf + n, cap - n, ".csv");
}

size_t mood__srv_split(const char *path, char segs[][256], size_t max)
{
    size_t n = 0;
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (n == max || len >= 256)
            return max + 1;
        memcpy(segs[n], p, len);
        segs[n][len] = '\0';
        n++;
        p += len;
    }
    return n;
}
