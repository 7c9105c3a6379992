/*
 * Private pieces of the Subsonic client: the connection, one request = one JSON document, the
 * schema of the subsonic_* and stable_* catalog tables, and helpers shared by the files of this
 * folder. Never installed.
 */
#ifndef MOOD_SUBSONIC_INTERNAL_H
#define MOOD_SUBSONIC_INTERNAL_H

#include <moodscope/subsonic.h>

#include "../core/clock.h"

#include <jansson.h>
#include <stdint.h>

/* The API version the client speaks and its client name (the c= parameter). */
#define SUB_API_VERSION "1.16.1"
#define SUB_CLIENT      "moodscope"

struct mood_subsonic {
    mood_subsonic_server_info info;
    char secret[512];
    void *curl; /* CURL *, reused for keep-alive */
    char *buf;  /* the last answer */
    size_t len, cap;
};

/* Query parameters of one request: "key=value" pairs, values URL-escaped when added. */
typedef struct sub_params {
    char *text;
    size_t len, cap;
} sub_params;

mood_status mood__sub_param(sub_params *p, const char *key, const char *value);
void mood__sub_params_free(sub_params *p);

/*
 * GET <url>/rest/<method>?<auth>&<params> and parse the answer: *out receives the
 * "subsonic-response" object's reference (release with json_decref()). A failed status gives
 * EIO "<server>: <method>: error <code>: <message>"; a non-JSON answer EFORMAT. The message never
 * holds the URL's credentials.
 */
mood_status mood__sub_call(mood_subsonic *c, const char *method, const sub_params *p, json_t **out);
/* The full URL of @p method with authentication (for the decoder); mood__free() it. */
mood_status mood__sub_url(mood_subsonic *c, const char *method, const sub_params *p, char **out);
/* Lowercase hex MD5 of @p text (33 bytes). */
mood_status mood__sub_md5_hex(const char *text, char out[33]);
/* Compare API versions "1.13.0" >= "1.13": non-zero when @p have >= @p want. */
int mood__sub_version_at_least(const char *have, const char *want);
/* Whether the server listed OpenSubsonic extension @p name. */
int mood__sub_has_extension(const mood_subsonic *c, const char *name);
/* Replace every occurrence of @p secret_text in the last error message by @p label. */
void mood__sub_scrub_error(mood_status s, const char *secret_text, const char *label);

/* The history part of a sync (history.c): starred songs, album lists, plays. */
mood_status mood__sub_sync_history(mood_subsonic *c, mood_catalog *cat, const char *now,
                                   mood_subsonic_sync_report *r);

/* Bring the "subsonic" component's tables up to date. */
mood_status mood__sub_migrate(mood_catalog *cat);
/* Bring the "stable_playlists" component's tables up to date. */
mood_status mood__stable_migrate(mood_catalog *cat);
/* ISO-8601 "2024-01-02T03:04:05[.fff][Z|+hh:mm]" to seconds since the epoch; 0 when unreadable. */
int64_t mood__sub_parse_time(const char *iso);
/* A json string member or "" (never NULL). */
const char *mood__sub_jstr(const json_t *obj, const char *key);
/* A json integer/real member, or @p dflt. */
double mood__sub_jnum(const json_t *obj, const char *key, double dflt);
/* A json member that must be an array (a single object is wrapped: some servers do that). */
json_t *mood__sub_jarray(json_t *obj, const char *key);

/* The churn plan of one stable playlist update (stable_plan.c), exposed for the unit tests. */
typedef struct stable_plan {
    size_t *keep; /* indices into old, in old order: the tracks that stay */
    size_t n_keep;
    size_t *add; /* indices into new, in new order: the tracks appended */
    size_t n_add;
    size_t *remove; /* indices into old: the tracks removed */
    size_t n_remove;
    size_t deferred; /* changes held back by the cap */
} stable_plan;
/*
 * Plan the update of @p old (n_old keys) towards @p wanted (n_new keys): tracks of old that are
 * in wanted stay in old order; those not in wanted leave (the ones with gone[i] set always);
 * wanted tracks not in old are appended; at most @p cap changes (removals and additions
 * alternating, forced removals first) unless @p cap is SIZE_MAX.
 */
mood_status mood__stable_plan(const char *const *old, size_t n_old, const unsigned char *gone,
                              const char *const *wanted, size_t n_new, size_t cap,
                              stable_plan *out);
void mood__stable_plan_free(stable_plan *p);
/* The change cap for a playlist of @p n tracks. */
size_t mood__stable_cap(const mood_stable_options *o, size_t n);

#endif
