/*
 * libFuzzer target for the Subsonic answer readers (src/subsonic: the JSON envelope, artists,
 * album pages, albums and their songs, starred songs, play counts; the catalog writes behind
 * them). A small HTTP responder thread in this process plays the media server on 127.0.0.1;
 * libcurl talks to it for real. The input is split at NUL bytes into answers: the first is
 * served for getArtists, the second for getAlbumList2, the third for getAlbum, the fourth for
 * getStarred2 and search3, cycling when there are fewer. ping and getOpenSubsonicExtensions
 * always get a valid answer, so every input reaches a full mood_subsonic_sync() into a real
 * SQLite catalog (re-created every 100 inputs). Never crash or leak; a failed sync has a
 * message; the sync report is consistent.
 */
#include "fuzz_util.h"

#include <moodscope/catalog.h>
#include <moodscope/subsonic.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char *answers[4];
static size_t answer_len[4];
static unsigned port;
static mood_catalog *cat;
static unsigned uses;

static const char ok_ping[] =
    "{\"subsonic-response\": {\"status\": \"ok\", \"version\": \"1.16.1\", "
    "\"type\": \"fuzz\", \"openSubsonic\": true}}";
static const char ok_ext[] =
    "{\"subsonic-response\": {\"status\": \"ok\", \"version\": \"1.16.1\", "
    "\"openSubsonicExtensions\": [{\"name\": \"apiKeyAuthentication\", \"versions\": [1]}]}}";

static int slot_of(const char *req)
{
    if (strstr(req, "/rest/getArtists"))
        return 0;
    if (strstr(req, "/rest/getAlbumList2"))
        return 1;
    if (strstr(req, "/rest/getAlbum"))
        return 2;
    return 3;
}

static void *responder(void *arg)
{
    int ls = *(int *)arg;
    for (;;) {
        char req[8192], head[256];
        size_t got = 0;
        ssize_t r;
        const char *body;
        size_t len;
        char *copy = NULL;
        int fd = accept(ls, NULL, NULL);
        if (fd < 0)
            continue;
        while (got < sizeof req - 1 && (r = recv(fd, req + got, sizeof req - 1 - got, 0)) > 0) {
            got += (size_t)r;
            req[got] = '\0';
            if (strstr(req, "\r\n\r\n"))
                break;
        }
        req[got] = '\0';
        if (strstr(req, "/rest/ping")) {
            body = ok_ping;
            len = sizeof ok_ping - 1;
        } else if (strstr(req, "/rest/getOpenSubsonicExtensions")) {
            body = ok_ext;
            len = sizeof ok_ext - 1;
        } else {
            int k = slot_of(req);
            pthread_mutex_lock(&lock);
            len = answer_len[k];
            copy = malloc(len + 1);
            if (copy && len)
                memcpy(copy, answers[k], len);
            pthread_mutex_unlock(&lock);
            body = copy ? copy : "";
            len = copy ? len : 0;
        }
        int n = snprintf(head, sizeof head,
                         "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                         len);
        send(fd, head, (size_t)n, MSG_NOSIGNAL);
        for (size_t off = 0; off < len;) {
            r = send(fd, body + off, len - off, MSG_NOSIGNAL);
            if (r <= 0)
                break;
            off += (size_t)r;
        }
        free(copy);
        close(fd);
    }
    return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static int ls;
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    pthread_t th;
    char creds[700];
    (void)argc;
    (void)argv;
    ls = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 64) != 0 ||
        getsockname(ls, (struct sockaddr *)&a, &al) != 0)
        abort();
    port = ntohs(a.sin_port);
    snprintf(creds, sizeof creds, "%s/credentials", fuzz_dir());
    setenv("MOODSCOPE_SUBSONIC_CREDENTIALS", creds, 1); /* before any thread starts */
    if (pthread_create(&th, NULL, responder, &ls) != 0)
        abort();
    pthread_detach(th);
    return 0;
}

static void fresh_catalog(void)
{
    char db[600], url[64];
    mood_catalog_close(cat);
    snprintf(db, sizeof db, "%s/catalog.db", fuzz_dir());
    remove(db);
    fuzz_check(mood_catalog_open(db, &cat) == MOOD_OK, "catalog");
    snprintf(url, sizeof url, "http://127.0.0.1:%u", port);
    fuzz_check(mood_subsonic_server_add(cat, "fz", url, "user", "secret-pass", 0, NULL) == MOOD_OK,
               "server add against the responder");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    mood_subsonic *c = NULL;
    mood_subsonic_sync_options o;
    mood_subsonic_sync_report r;
    mood_status s;
    size_t k = 0;
    if (!cat || ++uses % 100 == 0)
        fresh_catalog();
    pthread_mutex_lock(&lock);
    for (int i = 0; i < 4; i++) {
        free(answers[i]);
        answers[i] = NULL;
        answer_len[i] = 0;
    }
    while (k < 4) {
        const uint8_t *z = memchr(p, 0, (size_t)(end - p));
        const uint8_t *e = z ? z : end;
        answers[k] = malloc((size_t)(e - p) + 1);
        if (!answers[k])
            abort();
        memcpy(answers[k], p, (size_t)(e - p));
        answer_len[k++] = (size_t)(e - p);
        if (!z)
            break;
        p = z + 1;
    }
    for (size_t i = k; i < 4; i++) { /* fewer parts: cycle */
        answers[i] = malloc(answer_len[i % k] + 1);
        if (!answers[i])
            abort();
        memcpy(answers[i], answers[i % k], answer_len[i % k]);
        answer_len[i] = answer_len[i % k];
    }
    pthread_mutex_unlock(&lock);

    fuzz_check(mood_subsonic_open(cat, "fz", &c) == MOOD_OK, "open");
    memset(&o, 0, sizeof o);
    memset(&r, 0, sizeof r);
    s = mood_subsonic_sync(c, cat, &o, &r);
    fuzz_error_named(s);
    if (s == MOOD_OK) {
        fuzz_check(r.albums_fetched + r.albums_unchanged <= r.albums, "albums counted once");
    }
    mood_subsonic_close(c);
    return 0;
}
