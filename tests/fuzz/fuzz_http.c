/*
 * libFuzzer target for the embedded server (src/server: request handling, routing, path
 * confinement, query strings, JSON and CSV bodies, uploads, jobs). One real server runs in
 * this process on 127.0.0.1 (port chosen by the system, a data folder with a small CSV and a
 * catalog); every input becomes one request over a real TCP connection:
 *   byte 0 bit 7 set: the rest is sent as raw bytes (request line, headers, anything);
 *   otherwise: method = byte0 % 5 (GET POST DELETE PUT HEAD), bit 6 prefixes "/api/v1/",
 *   the bytes up to the first '\n' are the path and query, bit 5 says the bytes up to the
 *   next blank line are extra header lines, the rest is the body (Content-Length set).
 * A crash or sanitizer report in any server thread fails the run, and every 64 inputs the
 * server must still answer GET /api/v1/info with 200.
 */
#include "fuzz_util.h"

#include <moodscope/server.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

static mood_server *srv;
static unsigned port;
static char *req;
static size_t req_cap;

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char dir[700], path[800], cmd[1600];
    mood_server_config c;
    (void)argc;
    (void)argv;
    snprintf(dir, sizeof dir, "%s/data", fuzz_dir());
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s/sub'", dir, dir);
    if (system(cmd) != 0)
        abort();
    snprintf(path, sizeof path, "%s/sub/ok.csv", dir);
    {
        static const char csv[] = "id,energy,valence,tempo\na,0.1,0.2,90\nb,0.9,0.8,128\n"
                                  "c,0.5,0.4,100\nd,0.3,0.9,70\ne,0.7,0.1,140\n";
        fuzz_write(path, csv, sizeof csv - 1);
    }
    snprintf(path, sizeof path, "%s/catalog.db", fuzz_dir());
    mood_server_config_default(&c);
    c.port = 0;
    c.data_dir = dir;
    c.catalog = path;
    c.max_upload_bytes = 1u << 20;
    c.job_threads = 1;
    c.http_threads = 2;
    if (mood_server_start(&c, &srv) != MOOD_OK) {
        fprintf(stderr, "fuzz_http: server did not start: %s\n", mood_last_error());
        abort();
    }
    port = mood_server_port(srv);
    return 0;
}

static size_t req_len;

static void append(const void *d, size_t n)
{
    if (req_cap < req_len + n + 1) {
        req_cap = 2 * (req_len + n + 1) + 256;
        req = realloc(req, req_cap);
        if (!req)
            abort();
    }
    memcpy(req + req_len, d, n);
    req_len += n;
    req[req_len] = '\0';
}

/* Send @p n bytes and read the answer (up to 64 KiB kept); returns the HTTP status or 0. */
static int exchange(const char *data, size_t n)
{
    struct sockaddr_in a;
    struct timeval tv = {5, 0};
    char head[65536];
    size_t got = 0;
    ssize_t r;
    int fd = socket(AF_INET, SOCK_STREAM, 0), status = 0;
    fuzz_check(fd >= 0, "socket");
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    fuzz_check(connect(fd, (struct sockaddr *)&a, sizeof a) == 0, "connect to the server");
    for (size_t off = 0; off < n;) {
        r = send(fd, data + off, n - off, MSG_NOSIGNAL);
        if (r <= 0)
            break; /* the server may close early on a bad request */
        off += (size_t)r;
    }
    shutdown(fd, SHUT_WR);
    while ((r = recv(fd, head + got, sizeof head - 1 - got, 0)) > 0) {
        if (got == 0) {
            /* A keep-alive connection stays open after the answer (the server does not close
             * on a half-closed socket): once the answer has started, a pause ends it. */
            struct timeval quick = {0, 50000};
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &quick, sizeof quick);
        }
        got += (size_t)r;
        if (got == sizeof head - 1)
            got = 0; /* keep reading; only the start matters and it was parsed below */
        if (status == 0 && got >= 12 && memcmp(head, "HTTP/1.", 7) == 0)
            status = atoi(head + 9);
    }
    close(fd);
    return status;
}

static void still_serving(void)
{
    char r[256];
    int n = snprintf(r, sizeof r,
                     "GET /api/v1/info HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n\r\n",
                     port);
    fuzz_check(exchange(r, (size_t)n) == 200, "server still answers /api/v1/info");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const methods[] = {"GET", "POST", "DELETE", "PUT", "HEAD"};
    static unsigned count;
    const uint8_t *p = data + 1, *end = data + size;
    char line[128];
    if (size == 0)
        return 0;
    req_len = 0;
    if (data[0] & 0x80) {
        exchange((const char *)p, size - 1);
    } else {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        const uint8_t *path_end = nl ? nl : end;
        append(methods[data[0] % 5], strlen(methods[data[0] % 5]));
        append(data[0] & 0x40 ? " /api/v1/" : " /", data[0] & 0x40 ? 9 : 2);
        append(p, (size_t)(path_end - p));
        p = nl ? nl + 1 : end;
        snprintf(line, sizeof line, " HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n",
                 port);
        append(line, strlen(line));
        if (data[0] & 0x20) {
            const uint8_t *blank = NULL;
            for (const uint8_t *q = p; q + 1 < end; q++)
                if (q[0] == '\n' && q[1] == '\n') {
                    blank = q;
                    break;
                }
            const uint8_t *hend = blank ? blank : end;
            for (const uint8_t *q = p; q < hend;) {
                const uint8_t *e = memchr(q, '\n', (size_t)(hend - q));
                e = e ? e : hend;
                append(q, (size_t)(e - q));
                append("\r\n", 2);
                q = e + 1;
            }
            p = blank ? blank + 2 : end;
        }
        snprintf(line, sizeof line, "Content-Length: %zu\r\n\r\n", (size_t)(end - p));
        append(line, strlen(line));
        append(p, (size_t)(end - p));
        exchange(req, req_len);
    }
    if (++count % 64 == 0)
        still_serving();
    return 0;
}
