/*
 * The HTTP transport of `moodscope serve`: libmicrohttpd (Debian libmicrohttpd-dev) with an
 * internal thread pool, request bodies gathered under a size limit, the transport-level safety
 * checks (Host, Origin, token), the embedded page, and the JSON response helpers the routes use.
 *
 * Every request is untrusted: a body larger than the limit is refused with 413 before or while
 * it is read, the Host header must name the loopback address when bound to loopback (so that a
 * web page elsewhere cannot reach the API through DNS rebinding), a cross-origin request that
 * changes state is refused, and with a token every API call must carry it.
 */
#include "../core/internal.h"
#include "server_internal.h"

#include <moodscope/fileio.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Per-connection state while a request body arrives. */
typedef struct conn_ctx {
    char *buf;
    size_t len, cap;
    int too_large; /* 1 over the per-request limit, 2 over the server-wide budget, -1 answered */
    mood_server *server;
} conn_ctx;

/* All bodies being received at once may use this many times the per-request limit, so that
 * many parallel uploads cannot exhaust memory; past it a request gets 503 and may retry. */
#define INFLIGHT_FACTOR 4

#define CSP                                                                                        \
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "                    \
    "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; "                     \
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

/* ---- response helpers ------------------------------------------------------------------- */

/* Response bodies are released by libmicrohttpd with free(), so they come from the C
 * library's allocator (jansson's json_dumps() allocates with malloc too). */
static void set_body(srv_response *rs, unsigned status, char *body, size_t len, const char *type)
{
    free(rs->body);
    rs->body = body;
    rs->len = len;
    rs->status = status;
    rs->type = type;
}

/*
 * JSON strings must be UTF-8, but request paths, CSV cells and file names need not be. Bytes
 * that do not form a valid sequence are replaced by '?' so that an error message quoting them
 * still goes out (jansson refuses invalid UTF-8, and the response would otherwise be lost).
 */
void mood__srv_utf8_sanitize(char *p)
{
    unsigned char *s = (unsigned char *)p;
    while (*s) {
        size_t len = 0;
        unsigned cp = 0;
        if (*s < 0x80) {
            s++;
            continue;
        } else if ((*s & 0xe0) == 0xc0) {
            len = 2;
            cp = *s & 0x1fu;
        } else if ((*s & 0xf0) == 0xe0) {
            len = 3;
            cp = *s & 0x0fu;
        } else if ((*s & 0xf8) == 0xf0) {
            len = 4;
            cp = *s & 0x07u;
        }
        size_t k = 1;
        while (len && k < len && (s[k] & 0xc0) == 0x80) {
            cp = (cp << 6) | (s[k] & 0x3fu);
            k++;
        }
        /* Reject truncated, overlong, surrogate and out-of-range sequences. */
        int ok = len && k == len && !(len == 2 && cp < 0x80) && !(len == 3 && cp < 0x800) &&
                 !(len == 4 && (cp < 0x10000 || cp > 0x10ffff)) && !(cp >= 0xd800 && cp <= 0xdfff);
        if (ok) {
            s += len;
        } else {
            *s = '?';
            s++;
        }
    }
}

json_t *mood__srv_jstr(const char *s)
{
    s = s ? s : "";
    json_t *j = json_string(s);
    if (j)
        return j;
    char *copy = strdup(s);
    if (!copy)
        return NULL;
    mood__srv_utf8_sanitize(copy);
    j = json_string(copy);
    free(copy);
    return j;
}

void mood__srv_json(srv_response *rs, unsigned status, json_t *j)
{
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
    json_decref(j);
    if (!text) {
        static const char oom[] = "{\"error\":{\"status\":500,\"code\":\"ENOMEM\","
                                  "\"message\":\"out of memory\"}}";
        text = strdup(oom);
        status = 500;
        if (!text) {
            set_body(rs, 500, NULL, 0, "application/json");
            return;
        }
    }
    set_body(rs, status, text, strlen(text), "application/json");
}

void mood__srv_json_text(srv_response *rs, unsigned status, const char *text)
{
    char *copy = strdup(text);
    if (!copy) {
        mood__srv_error(rs, 500, "ENOMEM", "out of memory");
        return;
    }
    set_body(rs, status, copy, strlen(copy), "application/json");
}

void mood__srv_error(srv_response *rs, unsigned status, const char *code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mood__srv_utf8_sanitize(msg);
    json_t *e = json_pack("{s:{s:i,s:s,s:s}}", "error", "status", (json_int_t)status, "code", code,
                          "message", msg);
    mood__srv_json(rs, status, e);
    if (rs->status != status && e)
        rs->status = status;
}

void mood__srv_status_error(srv_response *rs, mood_status st, const char *context)
{
    unsigned http = 500;
    switch (st) {
    case MOOD_EINVAL:
    case MOOD_EDIM:
    case MOOD_EFORMAT:
        http = 400;
        break;
    case MOOD_ENOTFOUND:
        http = 404;
        break;
    case MOOD_ECANCELED:
        http = 409;
        break;
    case MOOD_EUNSUPPORTED:
        http = 501;
        break;
    default:
        http = 500;
    }
    const char *msg = mood_last_error();
    mood__srv_error(rs, http, mood_status_name(st), "%s: %s", context,
                    msg && *msg ? msg : mood_strerror(st));
}

/*
 * The CSV reader's messages read "name:line: ..." or "name:line:column ...". The page shows
 * the line and column next to the message, so they are parsed out here rather than asking
 * the reader for a second error channel.
 */
void mood__srv_csv_error(srv_response *rs, mood_status st, const char *name)
{
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", mood_last_error());
    mood__srv_utf8_sanitize(msg);
    long line = -1, column = -1;
    size_t nl = strlen(name);
    const char *p = strstr(msg, name);
    if (p && p[nl] == ':' && isdigit((unsigned char)p[nl + 1])) {
        char *end;
        line = strtol(p + nl + 1, &end, 10);
        if (*end == ':' && isdigit((unsigned char)end[1]))
            column = strtol(end + 1, NULL, 10);
    }
    unsigned http = (st == MOOD_ENOMEM || st == MOOD_EINTERNAL) ? 500 : 400;
    json_t *err = json_pack("{s:i,s:s,s:s}", "status", (json_int_t)http, "code",
                            mood_status_name(st), "message", *msg ? msg : mood_strerror(st));
    if (err) {
        json_object_set_new(err, "line", line >= 0 ? json_integer(line) : json_null());
        json_object_set_new(err, "column", column >= 0 ? json_integer(column) : json_null());
    }
    mood__srv_json(rs, http, err ? json_pack("{s:o}", "error", err) : NULL);
    rs->status = http;
}

void mood__srv_file(srv_response *rs, const char *path, const char *type, const char *download_name)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0) {
        mood__srv_error(rs, 404, "ENOTFOUND", "file not found");
        return;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        mood__srv_error(rs, 404, "ENOTFOUND", "not a regular file");
        return;
    }
    set_body(rs, 200, NULL, (size_t)st.st_size, type);
    rs->fd = fd;
    if (download_name)
        snprintf(rs->disposition, sizeof rs->disposition, "attachment; filename=\"%s\"",
                 download_name);
}

const char *mood__srv_query(const srv_request *rq, const char *key)
{
    return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, key);
}

json_t *mood__srv_body_json(const srv_request *rq, srv_response *rs)
{
    json_error_t err;
    if (!rq->body_len) {
        mood__srv_error(rs, 400, "EFORMAT", "request body: expected a JSON object, found nothing");
        return NULL;
    }
    json_t *j = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &err);
    if (!j) {
        json_t *e = json_pack("{s:{s:i,s:s,s:s,s:i,s:i}}", "error", "status", 400, "code",
                              "EFORMAT", "message", err.text, "line", (json_int_t)err.line,
                              "column", (json_int_t)err.column);
        mood__srv_json(rs, 400, e);
        rs->status = 400;
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        mood__srv_error(rs, 400, "EFORMAT", "request body: expected a JSON object");
        return NULL;
    }
    return j;
}

const char *mood__srv_mime(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot)
        return "application/octet-stream";
    if (strcmp(dot, ".csv") == 0)
        return "text/csv; charset=utf-8";
    if (strcmp(dot, ".tsv") == 0)
        return "text/tab-separated-values; charset=utf-8";
    if (strcmp(dot, ".json") == 0)
        return "application/json";
    if (strcmp(dot, ".png") == 0)
        return "image/png";
    if (strcmp(dot, ".svg") == 0)
        return "image/svg+xml";
    if (strcmp(dot, ".m3u") == 0 || strcmp(dot, ".m3u8") == 0)
        return "audio/x-mpegurl";
    if (strcmp(dot, ".xspf") == 0)
        return "application/xspf+xml";
    if (strcmp(dot, ".wav") == 0)
        return "audio/wav";
    if (strcmp(dot, ".txt") == 0 || strcmp(dot, ".md") == 0)
        return "text/plain; charset=utf-8";
    return "application/octet-stream";
}

/* ---- transport checks ------------------------------------------------------------------- */

/* Host header without its port; 1 when it names the loopback address. */
static int host_is_loopback(const char *host)
{
    char h[256];
    size_t n;
    if (!host)
        return 0;
    if (host[0] == '[') {
        const char *end = strchr(host, ']');
        if (!end)
            return 0;
        n = (size_t)(end - host - 1);
        if (n >= sizeof h)
            return 0;
        memcpy(h, host + 1, n);
    } else {
        const char *colon = strchr(host, ':');
        n = colon ? (size_t)(colon - host) : strlen(host);
        if (n >= sizeof h)
            return 0;
        memcpy(h, host, n);
    }
    h[n] = '\0';
    return strcmp(h, "127.0.0.1") == 0 || strcasecmp(h, "localhost") == 0 || strcmp(h, "::1") == 0;
}

/* An Origin header, when present, must be this server ("http://" + Host). */
static int origin_ok(const char *origin, const char *host)
{
    if (!origin || strcmp(origin, "null") == 0)
        return origin == NULL;
    if (!host)
        return 0;
    if (strncmp(origin, "http://", 7) != 0)
        return 0;
    return strcasecmp(origin + 7, host) == 0;
}

/* Compare without an early exit so that timing does not reveal how much of a token matched. */
static int token_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = (unsigned char)(la != lb);
    for (size_t i = 0; i < lb; i++)
        diff |= (unsigned char)(a[i < la ? i : 0] ^ b[i]);
    return diff == 0 && la > 0;
}

static int token_ok(mood_server *s, struct MHD_Connection *c)
{
    if (!s->token)
        return 1;
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (h && strncasecmp(h, "Bearer ", 7) == 0)
        return token_equal(h + 7, s->token);
    h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Moodscope-Token");
    if (h)
        return token_equal(h, s->token);
    /* Download links (<a href>) cannot carry headers, so the query string may hold it. */
    h = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
    return h && token_equal(h, s->token);
}

/* ---- sending ---------------------------------------------------------------------------- */

static enum MHD_Result send_response(struct MHD_Connection *c, srv_response *rs, int api)
{
    struct MHD_Response *r;
    if (rs->fd >= 0) {
        r = MHD_create_response_from_fd(rs->len, rs->fd);
        if (!r)
            close(rs->fd);
        rs->fd = -1;
    } else if (rs->body) {
        r = MHD_create_response_from_buffer_with_free_callback(rs->len, rs->body, free);
        if (!r)
            free(rs->body);
        rs->body = NULL;
    } else {
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", rs->type ? rs->type : "application/json");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Content-Security-Policy", CSP);
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Cache-Control", api ? "no-store" : "no-cache");
    if (rs->disposition[0])
        MHD_add_response_header(r, "Content-Disposition", rs->disposition);
    enum MHD_Result ret = MHD_queue_response(c, rs->status ? rs->status : 200, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *code,
                                  const char *msg)
{
    srv_response rs = {0};
    rs.fd = -1;
    mood__srv_error(&rs, status, code, "%s", msg);
    return send_response(c, &rs, 1);
}

static enum MHD_Result serve_asset(struct MHD_Connection *c, const char *url)
{
    if (strcmp(url, "/") == 0)
        url = "/index.html";
    for (const mood_web_asset *a = mood__web_assets; a->path; a++) {
        if (strcmp(a->path, url) != 0)
            continue;
        struct MHD_Response *r =
            MHD_create_response_from_buffer(a->size, (void *)a->data, MHD_RESPMEM_PERSISTENT);
        if (!r)
            return MHD_NO;
        MHD_add_response_header(r, "Content-Type", a->type);
        MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
        MHD_add_response_header(r, "Content-Security-Policy", CSP);
        MHD_add_response_header(r, "X-Frame-Options", "DENY");
        MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
        MHD_add_response_header(r, "Cache-Control", "no-cache");
        enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
        MHD_destroy_response(r);
        return ret;
    }
    srv_response rs = {0};
    rs.fd = -1;
    mood__srv_error(&rs, 404, "ENOTFOUND", "no page at this address");
    return send_response(c, &rs, 0);
}

/* ---- the request handler ---------------------------------------------------------------- */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    mood_server *s = cls;
    conn_ctx *ctx = *con_cls;
    (void)version;
    if (!ctx) {
        /* First call: headers only. Refuse early what can be refused without the body. */
        ctx = calloc(1, sizeof *ctx);
        if (!ctx)
            return MHD_NO;
        ctx->server = s;
        *con_cls = ctx;
        const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
        if (s->loopback && !host_is_loopback(host)) {
            ctx->too_large = -1;
            return send_error(c, 403, "EFORBIDDEN",
                              "Host header must name the loopback address this server is on");
        }
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl) {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(cl, &end, 10);
            if (errno || *end || v > s->max_upload_bytes) {
                ctx->too_large = -1;
                char msg[160];
                snprintf(msg, sizeof msg, "request body larger than the limit of %zu bytes",
                         s->max_upload_bytes);
                return send_error(c, 413, "ETOOLARGE", msg);
            }
        }
        return MHD_YES;
    }
    if (ctx->too_large < 0) {
        /* A response was already queued; drop whatever body still arrives. */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (!ctx->too_large && n > s->max_upload_bytes - ctx->len)
            ctx->too_large = 1;
        if (!ctx->too_large) {
            size_t total = __atomic_add_fetch(&s->inflight_bytes, n, __ATOMIC_RELAXED);
            if (total > INFLIGHT_FACTOR * s->max_upload_bytes) {
                __atomic_sub_fetch(&s->inflight_bytes, n, __ATOMIC_RELAXED);
                ctx->too_large = 2;
            }
        }
        if (ctx->too_large) {
            __atomic_sub_fetch(&s->inflight_bytes, ctx->len, __ATOMIC_RELAXED);
            free(ctx->buf);
            ctx->buf = NULL;
            ctx->len = ctx->cap = 0;
            return MHD_YES;
        }
        if (ctx->len + n + 1 > ctx->cap) {
            size_t cap = ctx->cap ? ctx->cap : 8192;
            while (cap < ctx->len + n + 1)
                cap *= 2;
            char *nb = realloc(ctx->buf, cap);
            if (!nb) {
                __atomic_sub_fetch(&s->inflight_bytes, n, __ATOMIC_RELAXED);
                return MHD_NO;
            }
            ctx->buf = nb;
            ctx->cap = cap;
        }
        memcpy(ctx->buf + ctx->len, upload_data, n);
        ctx->len += n;
        ctx->buf[ctx->len] = '\0';
        return MHD_YES;
    }

    /* The whole request is here. */
    if (ctx->too_large == 2)
        return send_error(c, 503, "EBUSY", "too many uploads at once; try again");
    if (ctx->too_large) {
        char msg[160];
        snprintf(msg, sizeof msg, "request body larger than the limit of %zu bytes",
                 s->max_upload_bytes);
        return send_error(c, 413, "ETOOLARGE", msg);
    }
    int is_api = strncmp(url, "/api/", 5) == 0 || strcmp(url, "/api") == 0;
    if (!is_api) {
        if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
            return send_error(c, 405, "EMETHOD", "the page is read-only: use GET");
        return serve_asset(c, url);
    }
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
    const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    int safe_method = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (!safe_method && origin && !origin_ok(origin, host))
        return send_error(c, 403, "EFORBIDDEN", "cross-origin request refused");
    if (!token_ok(s, c))
        return send_error(c, 401, "EAUTH",
                          "missing or wrong token (send 'Authorization: Bearer TOKEN')");
    if (strncmp(url, "/api/v1/", 8) != 0 && strcmp(url, "/api/v1") != 0)
        return send_error(c, 404, "ENOTFOUND", "unknown API version: use /api/v1/");

    srv_request rq = {c, strcmp(method, "HEAD") == 0 ? "GET" : method, url + 7,
                      ctx->buf ? ctx->buf : "", ctx->len};
    srv_response rs = {0};
    rs.fd = -1;
    mood_clear_error();
    mood__srv_api_dispatch(s, &rq, &rs);
    if (!rs.status && !rs.body && rs.fd < 0)
        mood__srv_error(&rs, 500, "EINTERNAL", "route produced no response");
    return send_response(c, &rs, 1);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    conn_ctx *ctx = *con_cls;
    (void)cls;
    (void)c;
    (void)toe;
    if (ctx) {
        if (ctx->len && ctx->too_large >= 0 && ctx->server)
            __atomic_sub_fetch(&ctx->server->inflight_bytes, ctx->len, __ATOMIC_RELAXED);
        free(ctx->buf);
        free(ctx);
        *con_cls = NULL;
    }
}

/* ---- lifecycle -------------------------------------------------------------------------- */

void mood_server_config_default(mood_server_config *c)
{
    memset(c, 0, sizeof *c);
    c->bind = "127.0.0.1";
    c->port = 8080;
    c->data_dir = ".";
    c->max_upload_bytes = (size_t)64 << 20;
    c->job_threads = 2;
    c->http_threads = 4;
}

static int is_loopback_addr(const char *bind)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, bind, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, bind, &a6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&a6);
    return strcmp(bind, "localhost") == 0;
}

/* Make @p path (created when missing) absolute and symlink-free. */
static mood_status real_dir(const char *path, char **out)
{
    mood_status st = mood_mkdirs(path);
    if (st != MOOD_OK)
        return st;
    char *rp = realpath(path, NULL);
    if (!rp)
        return mood__error(MOOD_EIO, "serve: %s: %s", path, strerror(errno));
    *out = mood__strdup(rp);
    free(rp);
    return *out ? MOOD_OK : mood__enomem("serve");
}

static void free_server(mood_server *s)
{
    if (!s)
        return;
    mood__free(s->bind);
    mood__free(s->token);
    mood__free(s->url);
    mood__free(s->data_dir);
    mood__free(s->runs_dir);
    mood__free(s->snapshots_dir);
    mood__free(s->library_dir);
    mood__free(s->catalog);
    mood__free(s->uploads_dir);
    mood__free(s->jobs_dir);
    mood__free(s->predictions_dir);
    mood__free(s->playlists_dir);
    mood__srv_library_close(s);
    pthread_rwlock_destroy(&s->library_lock);
    pthread_mutex_destroy(&s->uploads_lock);
    mood__free(s);
}

/* The data folder and its sub-folders (runs, snapshots, uploads, jobs, predictions,
 * playlists), created when missing, absolute and symlink-free; the library folder. */
static mood_status server_dirs(mood_server *s, const mood_server_config *c)
{
    mood_status st = real_dir(c->data_dir, &s->data_dir);
    if (st != MOOD_OK)
        return st;
    char *runs = c->runs_dir ? mood__strdup(c->runs_dir) : mood__srv_join(s->data_dir, "runs");
    char *snaps = c->snapshots_dir ? mood__strdup(c->snapshots_dir)
                                   : mood__srv_join(s->data_dir, "snapshots");
    char *up = mood__srv_join(s->data_dir, "uploads");
    char *jobs = mood__srv_join(s->data_dir, "jobs");
    char *pred = mood__srv_join(s->data_dir, "predictions");
    char *pl = mood__srv_join(s->data_dir, "playlists");
    if (!runs || !snaps || !up || !jobs || !pred || !pl)
        st = mood__enomem("serve");
    if (st == MOOD_OK)
        st = real_dir(runs, &s->runs_dir);
    if (st == MOOD_OK)
        st = real_dir(snaps, &s->snapshots_dir);
    if (st == MOOD_OK)
        st = real_dir(up, &s->uploads_dir);
    if (st == MOOD_OK)
        st = real_dir(jobs, &s->jobs_dir);
    if (st == MOOD_OK)
        st = real_dir(pred, &s->predictions_dir);
    if (st == MOOD_OK)
        st = real_dir(pl, &s->playlists_dir);
    mood__free(pl);
    mood__free(runs);
    mood__free(snaps);
    mood__free(up);
    mood__free(jobs);
    mood__free(pred);
    if (st != MOOD_OK || !c->library_dir)
        return st;
    char *rp = realpath(c->library_dir, NULL);
    if (!rp)
        return mood__error(MOOD_EIO, "serve: library folder %s: %s", c->library_dir,
                           strerror(errno));
    s->library_dir = mood__strdup(rp);
    free(rp);
    return s->library_dir ? MOOD_OK : mood__enomem("serve");
}

/* Start libmicrohttpd on the bind address (IPv4, IPv6 or "localhost") and record the URL. */
static mood_status server_listen(mood_server *s, const mood_server_config *c)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    const char *addr = strcmp(c->bind, "localhost") == 0 ? "127.0.0.1" : c->bind;
    if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)c->port);
    } else if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)c->port);
        flags |= MHD_USE_IPv6;
    } else {
        return mood__error(MOOD_EINVAL, "serve: bind address '%s': expected an IP address",
                           c->bind);
    }
    unsigned pool = c->http_threads ? c->http_threads : 4;
    s->daemon = MHD_start_daemon(
        flags, (uint16_t)c->port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&ss, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_THREAD_POOL_SIZE, pool, MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)(64 * 1024), MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1, MHD_OPTION_END);
    if (!s->daemon)
        return mood__error(MOOD_EIO, "serve: cannot listen on %s port %u (in use?)", c->bind,
                           c->port);
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : c->port;
    char url[300];
    if (flags & MHD_USE_IPv6)
        snprintf(url, sizeof url, "http://[%s]:%u/", addr, s->port);
    else
        snprintf(url, sizeof url, "http://%s:%u/", addr, s->port);
    s->url = mood__strdup(url);
    return s->url ? MOOD_OK : mood__enomem("serve");
}

mood_status mood_server_start(const mood_server_config *c, mood_server **out)
{
    mood_status st = MOOD_OK;
    mood_server *s = NULL;
    *out = NULL;
    if (!c || !c->bind || !c->data_dir)
        return mood__error(MOOD_EINVAL, "serve: bind address and data folder are required");
    int loopback = is_loopback_addr(c->bind);
    if (!loopback && (!c->token || !*c->token))
        return mood__error(MOOD_EINVAL,
                           "serve: binding to %s (not loopback) requires a token "
                           "(--token or MOODSCOPE_TOKEN)",
                           c->bind);
    if (c->token && strlen(c->token) < 8)
        return mood__error(MOOD_EINVAL, "serve: token: expected at least 8 characters");
    if (c->port > 65535)
        return mood__error(MOOD_EINVAL, "serve: port %u: expected 0..65535", c->port);

    s = mood__calloc(1, sizeof *s);
    if (!s)
        return mood__enomem("serve");
    pthread_mutex_init(&s->uploads_lock, NULL);
    pthread_rwlock_init(&s->library_lock, NULL);
    s->loopback = loopback;
    s->max_upload_bytes = c->max_upload_bytes ? c->max_upload_bytes : (size_t)64 << 20;
    s->bind = mood__strdup(c->bind);
    s->token = c->token && *c->token ? mood__strdup(c->token) : NULL;
    s->catalog = c->catalog ? mood__strdup(c->catalog) : NULL;
    if (!s->bind || (c->token && *c->token && !s->token) || (c->catalog && !s->catalog)) {
        st = mood__enomem("serve");
        goto fail;
    }
    st = server_dirs(s, c);
    if (st != MOOD_OK)
        goto fail;
    st = mood__srv_jobs_create(s->jobs_dir, c->job_threads ? c->job_threads : 2, &s->jobs);
    if (st != MOOD_OK)
        goto fail;
    st = server_listen(s, c);
    if (st != MOOD_OK)
        goto fail;
    *out = s;
    return MOOD_OK;
fail:
    if (s && s->daemon)
        MHD_stop_daemon(s->daemon);
    if (s && s->jobs)
        mood__srv_jobs_destroy(s->jobs);
    free_server(s);
    return st;
}

const char *mood_server_url(const mood_server *s)
{
    return s->url;
}

unsigned mood_server_port(const mood_server *s)
{
    return s->port;
}

void mood_server_wait(mood_server *s)
{
    (void)s;
    struct timespec ts = {0, 100 * 1000 * 1000};
    while (!mood_cancel_requested())
        nanosleep(&ts, NULL);
}

void mood_server_stop(mood_server *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->daemon);
    mood__srv_jobs_destroy(s->jobs);
    free_server(s);
}
