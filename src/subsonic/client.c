/*
 * The Subsonic HTTP client: query building, authentication parameters (token + salt, enc:hex
 * password or API key), one GET per call through libcurl with the answer in memory, and the
 * check of the "subsonic-response" envelope. Error messages name the server and the method and
 * never a URL, because URLs carry the credentials.
 */
#define _POSIX_C_SOURCE 200809L
#include "subsonic_internal.h"

#include "../core/internal.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- query parameters --------------------------------------------------------------------- */

static mood_status params_append(sub_params *p, const char *text, size_t n)
{
    if (p->len + n + 1 > p->cap) {
        size_t cap = p->cap ? p->cap : 256;
        while (cap < p->len + n + 1)
            cap *= 2;
        char *t = mood__realloc(p->text, cap);
        if (!t)
            return mood__enomem("subsonic: query");
        p->text = t;
        p->cap = cap;
    }
    memcpy(p->text + p->len, text, n);
    p->len += n;
    p->text[p->len] = '\0';
    return MOOD_OK;
}

/* Percent-encode everything but RFC 3986 unreserved characters. */
mood_status mood__sub_param(sub_params *p, const char *key, const char *value)
{
    static const char hex[] = "0123456789ABCDEF";
    mood_status s = MOOD_OK;
    if (p->len)
        s = params_append(p, "&", 1);
    if (s == MOOD_OK)
        s = params_append(p, key, strlen(key));
    if (s == MOOD_OK)
        s = params_append(p, "=", 1);
    for (const unsigned char *v = (const unsigned char *)value; s == MOOD_OK && *v; v++) {
        char enc[3] = {'%', hex[*v >> 4], hex[*v & 15]};
        int plain = (*v >= 'A' && *v <= 'Z') || (*v >= 'a' && *v <= 'z') ||
                    (*v >= '0' && *v <= '9') || *v == '-' || *v == '_' || *v == '.' || *v == '~';
        s = plain ? params_append(p, (const char *)v, 1) : params_append(p, enc, 3);
    }
    return s;
}

void mood__sub_params_free(sub_params *p)
{
    mood__free(p->text);
    memset(p, 0, sizeof *p);
}

/* ---- authentication ----------------------------------------------------------------------- */

mood_status mood__sub_md5_hex(const char *text, char out[33])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(text, strlen(text), md, &n, EVP_md5(), NULL) != 1 || n != 16)
        return mood__error(MOOD_EINTERNAL, "subsonic: MD5 is not available in OpenSSL");
    for (unsigned i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return MOOD_OK;
}

/*
 * The authentication parameters of one request. A token request gets a fresh 12-character
 * salt each time, as the API recommends, so that a token seen once cannot be replayed for
 * another salt.
 */
static mood_status auth_params(const mood_subsonic *c, sub_params *p)
{
    mood_status s = MOOD_OK;
    if (strcmp(c->info.auth, "apikey") == 0)
        return mood__sub_param(p, "apiKey", c->secret);
    s = mood__sub_param(p, "u", c->info.user);
    if (s == MOOD_OK && strcmp(c->info.auth, "token") == 0) {
        unsigned char raw[6];
        char salt[13], token[33], *salted;
        if (RAND_bytes(raw, sizeof raw) != 1)
            return mood__error(MOOD_EINTERNAL, "subsonic: no random bytes for the salt");
        for (int i = 0; i < 6; i++)
            snprintf(salt + 2 * i, 3, "%02x", raw[i]);
        salted = mood__malloc(strlen(c->secret) + sizeof salt);
        if (!salted)
            return mood__enomem("subsonic: token");
        snprintf(salted, strlen(c->secret) + sizeof salt, "%s%s", c->secret, salt);
        s = mood__sub_md5_hex(salted, token);
        memset(salted, 0, strlen(salted));
        mood__free(salted);
        if (s == MOOD_OK)
            s = mood__sub_param(p, "t", token);
        if (s == MOOD_OK)
            s = mood__sub_param(p, "s", salt);
    } else if (s == MOOD_OK) {
        char hexpw[2 * sizeof c->secret + 5] = "enc:";
        for (size_t i = 0; c->secret[i]; i++)
            snprintf(hexpw + 4 + 2 * i, 3, "%02x", (unsigned char)c->secret[i]);
        s = mood__sub_param(p, "p", hexpw);
    }
    return s;
}

mood_status mood__sub_url(mood_subsonic *c, const char *method, const sub_params *p, char **out)
{
    sub_params q = {0};
    mood_status s = auth_params(c, &q);
    size_t base = strlen(c->info.url);
    *out = NULL;
    if (s == MOOD_OK)
        s = mood__sub_param(&q, "v", SUB_API_VERSION);
    if (s == MOOD_OK)
        s = mood__sub_param(&q, "c", SUB_CLIENT);
    if (s == MOOD_OK && p && p->len) {
        s = params_append(&q, "&", 1);
        if (s == MOOD_OK)
            s = params_append(&q, p->text, p->len);
    }
    if (s == MOOD_OK) {
        size_t cap = base + strlen(method) + q.len + 16;
        *out = mood__malloc(cap);
        if (!*out)
            s = mood__enomem("subsonic: url");
        else
            snprintf(*out, cap, "%s/rest/%s?%s", c->info.url, method, q.text);
    }
    mood__sub_params_free(&q);
    return s;
}

/* ---- transport ---------------------------------------------------------------------------- */

static size_t on_data(char *data, size_t size, size_t nmemb, void *user)
{
    mood_subsonic *c = user;
    size_t n = size * nmemb;
    if (c->len + n + 1 > c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 65536;
        while (cap < c->len + n + 1)
            cap *= 2;
        if (cap > ((size_t)256 << 20))
            return 0; /* no Subsonic answer is that big: refuse rather than exhaust memory */
        char *b = mood__realloc(c->buf, cap);
        if (!b)
            return 0;
        c->buf = b;
        c->cap = cap;
    }
    memcpy(c->buf + c->len, data, n);
    c->len += n;
    c->buf[c->len] = '\0';
    return n;
}

/* curl_global_init is not thread-safe and must run once per process (libcurl docs). */
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_global_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static mood_status curl_handle(mood_subsonic *c)
{
    if (c->curl)
        return MOOD_OK;
    pthread_once(&curl_once, curl_global_once);
    c->curl = curl_easy_init();
    if (!c->curl)
        return mood__error(MOOD_EINTERNAL, "subsonic: libcurl could not start");
    return MOOD_OK;
}

/* One GET of @p url into c->buf; the error names the server and method only. */
static mood_status http_get(mood_subsonic *c, const char *method, const char *url, long *out_code)
{
    CURL *h;
    CURLcode rc;
    char err[CURL_ERROR_SIZE] = "";
    mood_status s = curl_handle(c);
    if (s != MOOD_OK)
        return s;
    h = c->curl;
    c->len = 0;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 300L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "moodscope/" MOOD_VERSION_STRING);
    rc = curl_easy_perform(h);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    if (rc != CURLE_OK)
        return mood__error(MOOD_EIO, "%s: %s: cannot reach %s (%s)", c->info.name, method,
                           c->info.url, err[0] ? err : curl_easy_strerror(rc));
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, out_code);
    return MOOD_OK;
}

/* Check the envelope of an answer; on success *out holds the response object. */
static mood_status envelope(mood_subsonic *c, const char *method, long http_code, json_t **out)
{
    json_error_t jerr;
    json_t *root = json_loadb(c->buf ? c->buf : "", c->len, 0, &jerr);
    json_t *resp = root ? json_object_get(root, "subsonic-response") : NULL;
    mood_status s = MOOD_OK;
    if (!json_is_object(resp)) {
        s = mood__error(MOOD_EFORMAT,
                        "%s: %s: the answer (HTTP %ld, %zu bytes) is not a Subsonic JSON "
                        "document%s%s",
                        c->info.name, method, http_code, c->len, root ? "" : ": ",
                        root ? "" : jerr.text);
    } else if (strcmp(mood__sub_jstr(resp, "status"), "ok") != 0) {
        json_t *e = json_object_get(resp, "error");
        s = mood__error(MOOD_EIO, "%s: %s: server error %d: %s", c->info.name, method,
                        (int)mood__sub_jnum(e, "code", -1),
                        mood__sub_jstr(e, "message")[0] ? mood__sub_jstr(e, "message")
                                                        : "(no message)");
        *out = json_incref(resp); /* callers read the error code (auth negotiation) */
    } else {
        *out = json_incref(resp);
    }
    json_decref(root);
    return s;
}

mood_status mood__sub_call(mood_subsonic *c, const char *method, const sub_params *p, json_t **out)
{
    char *url = NULL;
    long code = 0;
    sub_params q = {0};
    mood_status s;
    *out = NULL;
    s = mood__sub_param(&q, "f", "json");
    if (s == MOOD_OK && p && p->len) {
        s = params_append(&q, "&", 1);
        if (s == MOOD_OK)
            s = params_append(&q, p->text, p->len);
    }
    if (s == MOOD_OK)
        s = mood__sub_url(c, method, &q, &url);
    if (s == MOOD_OK)
        s = http_get(c, method, url, &code);
    if (s == MOOD_OK)
        s = envelope(c, method, code, out);
    mood__free(url);
    mood__sub_params_free(&q);
    return s;
}

/* ---- small helpers ------------------------------------------------------------------------ */

int mood__sub_version_at_least(const char *have, const char *want)
{
    for (int i = 0; i < 3; i++) {
        long a = strtol(have, (char **)&have, 10), b = strtol(want, (char **)&want, 10);
        if (a != b)
            return a > b;
        if (*have == '.')
            have++;
        if (*want == '.')
            want++;
    }
    return 1;
}

int mood__sub_has_extension(const mood_subsonic *c, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = c->info.extensions; (p = strstr(p, name)) != NULL; p += n)
        if ((p == c->info.extensions || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return 1;
    return 0;
}

void mood__sub_scrub_error(mood_status s, const char *secret_text, const char *label)
{
    char msg[2048], out[2048];
    size_t o = 0, n = strlen(secret_text);
    const char *p, *q;
    snprintf(msg, sizeof msg, "%s", mood_last_error());
    if (!n || !strstr(msg, secret_text))
        return;
    for (p = msg; (q = strstr(p, secret_text)) != NULL && o < sizeof out - 1; p = q + n) {
        o += (size_t)snprintf(out + o, sizeof out - o, "%.*s%s", (int)(q - p), p, label);
        if (o >= sizeof out)
            o = sizeof out - 1;
    }
    snprintf(out + o, sizeof out - o, "%s", p);
    mood__error(s, "%s", out);
}

int64_t mood__sub_parse_time(const char *iso)
{
    int y, mo, d, h = 0, mi = 0, se = 0, n = 0;
    const char *p;
    int64_t t;
    if (!iso || sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &n) < 3)
        return 0;
    t = mood__utc_seconds(y, mo, d, h, mi, se);
    p = iso + n;
    if (n && *p == '.')
        while (*++p >= '0' && *p <= '9')
            ;
    if (n && (*p == '+' || *p == '-')) {
        int oh = 0, om = 0;
        sscanf(p + 1, "%2d:%2d", &oh, &om);
        t -= (*p == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    }
    return t;
}

const char *mood__sub_jstr(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : "";
}

double mood__sub_jnum(const json_t *obj, const char *key, double dflt)
{
    const json_t *v = json_object_get(obj, key);
    if (json_is_number(v))
        return json_number_value(v);
    if (json_is_string(v) && json_string_value(v)[0]) {
        char *end;
        double x = strtod(json_string_value(v), &end);
        return *end ? dflt : x;
    }
    return dflt;
}

json_t *mood__sub_jarray(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_array(v))
        return json_incref(v);
    json_t *a = json_array();
    if (a && json_is_object(v))
        json_array_append(a, v);
    return a;
}

/* ---- connection --------------------------------------------------------------------------- */

const mood_subsonic_server_info *mood_subsonic_info(const mood_subsonic *c)
{
    return &c->info;
}

void mood_subsonic_close(mood_subsonic *c)
{
    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    memset(c->secret, 0, sizeof c->secret);
    mood__free(c->buf);
    mood__free(c);
}
