/*
 * The API router: /api/v1/info and the hand-off to the route files. Each route file answers
 * the paths it knows and returns 0 for the others, so that adding a capability (library,
 * recommendations, history) is adding a file and one line here.
 */
#include "../core/internal.h"
#include "../io/json_util.h"
#include "server_internal.h"

#include <string.h>

static void route_info(mood_server *s, srv_response *rs)
{
    /* The audio analyser and the recommendation engine are part of this build; analysing a
     * folder also needs a catalog to record the tracks in. */
    json_t *caps =
        json_pack("{s:b,s:b,s:b,s:b,s:b,s:b}", "explore", 1, "snapshots", 1, "library", 1,
                  "analyze", s->catalog != NULL, "recommend", 1, "history", s->catalog != NULL);
    json_t *o =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:b,s:o}", "name", "moodscope", "version",
                  mood_version(), "data_dir", s->data_dir, "runs_dir", s->runs_dir, "snapshots_dir",
                  s->snapshots_dir, "max_upload_bytes", (json_int_t)s->max_upload_bytes,
                  "token_required", s->token != NULL, "capabilities", caps);
    if (o)
        json_object_set_new(o, "library_dir", mood__json_str_or_null(s->library_dir));
    mood__srv_json(rs, 200, o);
}

void mood__srv_api_dispatch(mood_server *s, const srv_request *rq, srv_response *rs)
{
    /* The path arrives percent-decoded, so "%2e%2e%2f" is seen here as "../": any ".."
     * segment is an escape attempt whatever route it would reach. */
    const char *p = rq->path;
    for (;;) {
        p = strstr(p, "..");
        if (p == NULL)
            break;
        if ((p == rq->path || p[-1] == '/') && (p[2] == '/' || p[2] == '\0')) {
            mood__srv_error(rs, 403, "EFORBIDDEN", "path '%.200s': '..' is refused", rq->path);
            return;
        }
        p += 2;
    }
    if (strcmp(rq->path, "/info") == 0 || strcmp(rq->path, "/") == 0 || rq->path[0] == '\0') {
        if (strcmp(rq->method, "GET") != 0) {
            mood__srv_error(rs, 405, "EMETHOD", "%s %s: use GET", rq->method, rq->path);
            return;
        }
        route_info(s, rs);
        return;
    }
    if (mood__srv_api_jobs(s, rq, rs))
        return;
    if (mood__srv_api_explore(s, rq, rs))
        return;
    if (mood__srv_api_library(s, rq, rs))
        return;
    if (mood__srv_api_history(s, rq, rs))
        return;
    mood__srv_error(rs, 404, "ENOTFOUND", "no API route %s %.200s", rq->method, rq->path);
}
