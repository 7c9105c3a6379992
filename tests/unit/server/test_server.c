/*
 * Unit tests of the embedded server: path confinement, name and UTF-8 sanitising, path
 * splitting, start-up refusals, and an in-process server answering raw loopback requests
 * (page, JSON, 403 for a foreign Host, 413 for an oversized body, 400 with the line of a CSV
 * error, 401 without the token). Run under AddressSanitizer by `make asan`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "server_internal.h"
#include "test_util.h"

#include <moodscope/fileio.h>
#include <moodscope/server.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* The binary embeds web/ (cmake/embed_web.cmake); this test brings a one-page stand-in. */
static const unsigned char page[] = "<!doctype html><title>moodscope</title>";
const mood_web_asset mood__web_assets[] = {
    {"/index.html", page, sizeof page - 1, "text/html; charset=utf-8"},
    {NULL, NULL, 0, NULL},
};

static void test_safe_name(void **state)
{
    (void)state;
    assert_true(mood__srv_safe_name("run-1_2.csv", 100));
    assert_false(mood__srv_safe_name("", 100));
    assert_false(mood__srv_safe_name(".hidden", 100));
    assert_false(mood__srv_safe_name("a/b", 100));
    assert_false(mood__srv_safe_name("..", 100));
    assert_false(mood__srv_safe_name("a b", 100));
    assert_false(mood__srv_safe_name("abcdef", 5));
    assert_false(mood__srv_safe_name(NULL, 5));
}

static void test_sanitize_upload_name(void **state)
{
    char buf[128];
    (void)state;
    mood__srv_sanitize_upload_name("../../etc/passwd", buf, sizeof buf);
    assert_string_equal(buf, "passwd.csv");
    mood__srv_sanitize_upload_name("my songs (1).tsv", buf, sizeof buf);
    assert_string_equal(buf, "my_songs__1_.tsv");
    mood__srv_sanitize_upload_name("...", buf, sizeof buf);
    assert_string_equal(buf, "upload.csv");
    mood__srv_sanitize_upload_name(NULL, buf, sizeof buf);
    assert_string_equal(buf, "upload.csv");
}

static void test_utf8_sanitize(void **state)
{
    (void)state;
    char ok[] = "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x8e\xb5";
    char bad[] = "a\xc0\xae"
                 "b\xff"
                 "c\xe2\x80"
                 "d\xed\xa0\x80";
    mood__srv_utf8_sanitize(ok);
    assert_string_equal(ok, "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x8e\xb5");
    mood__srv_utf8_sanitize(bad);
    /* Overlong, stray, truncated and surrogate sequences all become '?'. */
    assert_null(strchr(bad, '\xc0'));
    assert_null(strchr(bad, '\xff'));
    assert_non_null(strchr(bad, 'd'));
    json_t *j = json_string(bad);
    assert_non_null(j);
    json_decref(j);
}

static void test_split(void **state)
{
    char seg[4][256];
    (void)state;
    assert_int_equal(mood__srv_split("/runs/x/files/y", seg, 4), 4);
    assert_string_equal(seg[0], "runs");
    assert_string_equal(seg[3], "y");
    assert_int_equal(mood__srv_split("//a//b/", seg, 4), 2);
    assert_int_equal(mood__srv_split("/a/b/c/d/e", seg, 4), 5);
    assert_int_equal(mood__srv_split("", seg, 4), 0);
}

static void test_confine(void **state)
{
    (void)state;
    const char *base = mood_test_tmpdir("server_confine");
    char data[600], outside[600], path[800];
    snprintf(data, sizeof data, "%s/data", base);
    snprintf(outside, sizeof outside, "%s/outside", base);
    MOOD_ASSERT_OK(mood_mkdirs(data));
    MOOD_ASSERT_OK(mood_mkdirs(outside));
    snprintf(path, sizeof path, "%s/secret.csv", outside);
    MOOD_ASSERT_OK(mood_atomic_write(path, "x\n", 2));
    snprintf(path, sizeof path, "%s/in.csv", data);
    MOOD_ASSERT_OK(mood_atomic_write(path, "x\n", 2));
    snprintf(path, sizeof path, "%s/escape", data);
    unlink(path);
    assert_int_equal(symlink(outside, path), 0);
    char *root = realpath(data, NULL);
    assert_non_null(root);

    srv_response rs;
    char *out = NULL;
    static const struct {
        const char *rel;
        unsigned status;
    } cases[] = {
        {"in.csv", 200},
        {"../outside/secret.csv", 403},
        {"/etc/passwd", 403},
        {"escape/secret.csv", 403},
        {"a/../../x", 403},
        {"missing.csv", 404},
        {"", 400},
        {"~/x", 403},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        memset(&rs, 0, sizeof rs);
        rs.fd = -1;
        int ok = mood__srv_confine(root, cases[i].rel, &out, &rs);
        if (cases[i].status == 200) {
            assert_true(ok);
            assert_non_null(out);
            assert_int_equal(strncmp(out, root, strlen(root)), 0);
            mood_free(out);
        } else {
            assert_false(ok);
            assert_null(out);
            assert_int_equal(rs.status, cases[i].status);
        }
        free(rs.body);
    }
    free(root);
}

static void test_start_refusals(void **state)
{
    (void)state;
    mood_server_config c;
    mood_server *s = NULL;
    mood_server_config_default(&c);
    c.data_dir = mood_test_tmpdir("server_refuse");
    c.port = 0;
    c.bind = "0.0.0.0";
    assert_int_equal(mood_server_start(&c, &s), MOOD_EINVAL);
    assert_non_null(strstr(mood_last_error(), "requires a token"));
    assert_null(s);
    c.bind = "127.0.0.1";
    c.token = "short";
    assert_int_equal(mood_server_start(&c, &s), MOOD_EINVAL);
    c.token = NULL;
    c.bind = "not-an-address";
    assert_int_equal(mood_server_start(&c, &s), MOOD_EINVAL);
    assert_null(s);
}

/* Send @p req to 127.0.0.1:port and read the whole answer into @p buf; returns the status. */
static int http(unsigned port, const char *req, size_t req_len, char *buf, size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    size_t off = 0;
    while (off < req_len) {
        ssize_t w = send(fd, req + off, req_len - off, MSG_NOSIGNAL);
        if (w <= 0)
            break; /* the server may answer and close before reading an oversized body */
        off += (size_t)w;
    }
    size_t got = 0;
    ssize_t r;
    while (got + 1 < cap && (r = recv(fd, buf + got, cap - 1 - got, 0)) > 0)
        got += (size_t)r;
    buf[got] = '\0';
    close(fd);
    int status = 0;
    sscanf(buf, "HTTP/1.%*d %d", &status);
    return status;
}

static void test_server_roundtrip(void **state)
{
    (void)state;
    static char buf[1 << 16];
    char req[4096];
    mood_server_config c;
    mood_server *s = NULL;
    mood_server_config_default(&c);
    c.data_dir = mood_test_tmpdir("server_roundtrip");
    c.port = 0;
    c.max_upload_bytes = 4096;
    c.job_threads = 1;
    c.http_threads = 2;
    MOOD_ASSERT_OK(mood_server_start(&c, &s));
    unsigned port = mood_server_port(s);
    assert_true(port > 0);
    assert_non_null(strstr(mood_server_url(s), "http://127.0.0.1:"));

    const char *get_page = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    assert_int_equal(http(port, get_page, strlen(get_page), buf, sizeof buf), 200);
    assert_non_null(strstr(buf, "<!doctype html>"));
    assert_non_null(strstr(buf, "Content-Security-Policy"));

    const char *info = "GET /api/v1/info HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    assert_int_equal(http(port, info, strlen(info), buf, sizeof buf), 200);
    assert_non_null(strstr(buf, "\"token_required\":false"));

    const char *evil =
        "GET /api/v1/info HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n";
    assert_int_equal(http(port, evil, strlen(evil), buf, sizeof buf), 403);

    snprintf(req, sizeof req,
             "POST /api/v1/uploads?name=x.csv HTTP/1.1\r\nHost: 127.0.0.1\r\n"
             "Content-Length: 100000\r\nConnection: close\r\n\r\n");
    assert_int_equal(http(port, req, strlen(req), buf, sizeof buf), 413);

    const char *csv = "id,energy\na,0.1\nb,0.2,9\n";
    snprintf(req, sizeof req,
             "POST /api/v1/uploads?name=x.csv HTTP/1.1\r\nHost: 127.0.0.1\r\n"
             "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
             strlen(csv), csv);
    assert_int_equal(http(port, req, strlen(req), buf, sizeof buf), 400);
    assert_non_null(strstr(buf, "\"line\":3"));

    const char *dotdot =
        "GET /api/v1/datasets/columns?path=../x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: "
        "close\r\n\r\n";
    assert_int_equal(http(port, dotdot, strlen(dotdot), buf, sizeof buf), 403);

    const char *garbage = "\x01\x02 NOT HTTP\r\n\r\n";
    http(port, garbage, strlen(garbage), buf, sizeof buf);
    assert_int_equal(http(port, info, strlen(info), buf, sizeof buf), 200);
    mood_server_stop(s);

    /* With a token. */
    c.token = "unit-test-token";
    MOOD_ASSERT_OK(mood_server_start(&c, &s));
    port = mood_server_port(s);
    assert_int_equal(http(port, info, strlen(info), buf, sizeof buf), 401);
    const char *auth = "GET /api/v1/info HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                       "unit-test-token\r\nConnection: close\r\n\r\n";
    assert_int_equal(http(port, auth, strlen(auth), buf, sizeof buf), 200);
    mood_server_stop(s);
    mood_server_stop(NULL);
}

/* A job a previous server left running is reported as failed ("interrupted") after a restart. */
static void test_interrupted_job(void **state)
{
    (void)state;
    static char buf[1 << 14];
    char path[800];
    mood_server_config c;
    mood_server *s = NULL;
    mood_server_config_default(&c);
    c.data_dir = mood_test_tmpdir("server_jobs");
    c.port = 0;
    snprintf(path, sizeof path, "%s/jobs", c.data_dir);
    MOOD_ASSERT_OK(mood_mkdirs(path));
    snprintf(path, sizeof path, "%s/jobs/20260101T000000Z-0001.json", c.data_dir);
    const char *job = "{\"id\":\"20260101T000000Z-0001\",\"kind\":\"cluster\","
                      "\"state\":\"running\",\"progress\":0.4,\"stage\":\"kmeans\"}";
    MOOD_ASSERT_OK(mood_atomic_write(path, job, strlen(job)));
    MOOD_ASSERT_OK(mood_server_start(&c, &s));
    const char *get = "GET /api/v1/jobs/20260101T000000Z-0001 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      "Connection: close\r\n\r\n";
    assert_int_equal(http(mood_server_port(s), get, strlen(get), buf, sizeof buf), 200);
    assert_non_null(strstr(buf, "\"state\":\"failed\""));
    assert_non_null(strstr(buf, "interrupted"));
    mood_server_stop(s);
    /* The file on disk says so too. */
    char *text = NULL;
    MOOD_ASSERT_OK(mood_read_file(path, &text, NULL));
    assert_non_null(strstr(text, "\"failed\""));
    mood_free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_safe_name),        cmocka_unit_test(test_sanitize_upload_name),
        cmocka_unit_test(test_utf8_sanitize),    cmocka_unit_test(test_split),
        cmocka_unit_test(test_confine),          cmocka_unit_test(test_start_refusals),
        cmocka_unit_test(test_server_roundtrip), cmocka_unit_test(test_interrupted_job),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
