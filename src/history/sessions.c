/*
 * The in-memory history: music plays and their tracks loaded from the catalog, split into
 * sessions, with per-play behaviour (skipped, completion, user-initiated, repeat).
 *
 * A session ends where the silence between the end of one play and the start of the next
 * exceeds the gap (30 minutes by default): exactly the gap still continues the session. The
 * end of a play is its start plus the time played, or plus the track's duration when the
 * export does not say how long it played (Last.fm), or its start when neither is known.
 */
#define _POSIX_C_SOURCE 200809L
#include "history_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mood_history_options_default(mood_history_options *o)
{
    memset(o, 0, sizeof *o);
    o->gap_min = 30.0;
    o->tz = NULL;
    o->repeat_window = 10;
    o->skip_ms = 30000.0;
}

/* Free n tracks' strings and the array. */
static void free_tracks(hist_track *tracks, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        mood__free(tracks[i].artist);
        mood__free(tracks[i].title);
        mood__free(tracks[i].uri);
        mood__free(tracks[i].key);
    }
    mood__free(tracks);
}

void mood_history_destroy(mood_history *h)
{
    if (!h)
        return;
    free_tracks(h->tracks, h->n_tracks);
    mood__free(h->plays);
    mood__free(h->sessions);
    mood__free(h->tz);
    mood__free(h);
}

size_t mood_history_n_plays(const mood_history *h)
{
    return h ? h->n_plays : 0;
}

size_t mood_history_n_sessions(const mood_history *h)
{
    return h ? h->n_sessions : 0;
}

/* reason_start values by which the listener chose the track; others are the player's choice. */
static int user_reason(const char *r)
{
    static const char *const user[] = {"clickrow", "search", "playbtn", "backbtn", NULL};
    static const char *const autop[] = {"trackdone", "autoplay", "fwdbtn", "appload", "trackerror",
                                        "endplay",   "remote",   "popup",  NULL};
    if (!r || !r[0])
        return -1;
    for (int i = 0; user[i]; i++)
        if (!strcmp(r, user[i]))
            return 1;
    for (int i = 0; autop[i]; i++)
        if (!strcmp(r, autop[i]))
            return 0;
    return -1;
}

static int play_skipped(const hist_play *p, double skip_ms)
{
    if (p->skipped_flag == 1)
        return 1;
    if (!strcmp(p->reason_end, "fwdbtn") || !strcmp(p->reason_end, "backbtn"))
        return 1;
    if (p->ms_played >= 0 && (double)p->ms_played < skip_ms)
        return 1;
    return 0;
}

mood_status mood__hist_sessionize(mood_history *h)
{
    const mood_history_options *o = &h->opt;
    hist_tz tz;
    size_t ns = 0;
    mood_status s;
    double gap_s = o->gap_min * 60.0;
    mood__free(h->sessions);
    h->sessions = NULL;
    h->n_sessions = 0;
    s = mood__hist_tz_begin(h->tz, &tz);
    if (s != MOOD_OK)
        return s;
    /* per play: end time, local time, behaviour */
    for (size_t i = 0; i < h->n_plays; i++) {
        hist_play *p = &h->plays[i];
        const hist_track *t = &h->tracks[p->track];
        float dur = t->feat[HIST_NF - 1];
        int hour, wday;
        if (p->ms_played >= 0)
            p->end_utc = p->start_utc + p->ms_played / 1000;
        else if (isfinite(dur) && dur > 0)
            p->end_utc = p->start_utc + (int64_t)(dur / 1000.0f);
        else
            p->end_utc = p->start_utc;
        mood__hist_tz_local(&tz, p->start_utc, &hour, &wday, NULL, NULL, NULL);
        p->hour = (int8_t)hour;
        p->wday = (int8_t)wday;
        p->skipped = (uint8_t)play_skipped(p, o->skip_ms);
        p->skip_known = p->skipped_flag >= 0 || p->ms_played >= 0 || p->reason_end[0];
        if (p->ms_played >= 0 && isfinite(dur) && dur > 0)
            p->completion = fminf(1.0f, (float)p->ms_played / dur);
        else if (!strcmp(p->reason_end, "trackdone"))
            p->completion = 1.0f;
        else
            p->completion = NAN;
        p->repeat = 0;
        for (size_t b = 1; b <= o->repeat_window && b <= i; b++)
            if (h->plays[i - b].track == p->track) {
                p->repeat = 1;
                break;
            }
        if (i == 0 || (double)(p->start_utc - h->plays[i - 1].end_utc) > gap_s)
            ns++;
        p->session = (int32_t)ns - 1;
        p->pos = i == 0 || h->plays[i - 1].session != p->session ? 0 : h->plays[i - 1].pos + 1;
    }
    if (ns) {
        h->sessions = mood__calloc(ns, sizeof *h->sessions);
        if (!h->sessions) {
            mood__hist_tz_end(&tz);
            return mood__enomem("sessions");
        }
    }
    h->n_sessions = ns;
    for (size_t i = 0; i < h->n_plays; i++) {
        hist_session *se = &h->sessions[h->plays[i].session];
        if (se->n == 0)
            se->first = i;
        se->n++;
    }
    for (size_t k = 0; k < ns; k++) {
        hist_session *se = &h->sessions[k];
        double skip = 0, comp = 0, rep = 0, user = 0, shuf = 0;
        size_t n_comp = 0, n_user = 0, n_shuf = 0, n_skip = 0;
        int hour, wday;
        se->start_utc = h->plays[se->first].start_utc;
        se->end_utc = se->start_utc;
        for (size_t i = se->first; i < se->first + se->n; i++) {
            const hist_play *p = &h->plays[i];
            if (p->end_utc > se->end_utc)
                se->end_utc = p->end_utc;
            if (p->skip_known) {
                skip += p->skipped;
                n_skip++;
            }
            rep += p->repeat;
            if (isfinite(p->completion)) {
                comp += (double)p->completion;
                n_comp++;
            }
            if (p->user_init >= 0) {
                user += p->user_init;
                n_user++;
            }
            if (p->shuffle >= 0) {
                shuf += p->shuffle;
                n_shuf++;
            }
        }
        se->duration_min = (double)(se->end_utc - se->start_utc) / 60.0;
        se->skip_rate = n_skip ? skip / (double)n_skip : HIST_DNAN;
        se->repeat_rate = rep / (double)se->n;
        se->completion = n_comp ? comp / (double)n_comp : HIST_DNAN;
        se->user_share = n_user ? user / (double)n_user : HIST_DNAN;
        se->shuffle_share = n_shuf ? shuf / (double)n_shuf : HIST_DNAN;
        mood__hist_tz_local(&tz, se->start_utc, &hour, &wday, NULL, NULL, NULL);
        se->hour = (int8_t)hour;
        se->wday = (int8_t)wday;
    }
    mood__hist_tz_end(&tz);
    return MOOD_OK;
}

mood_status mood__hist_from_arrays(const mood_history_options *o, hist_track *tracks,
                                   size_t n_tracks, hist_play *plays, size_t n_plays,
                                   mood_history **out)
{
    mood_history *h;
    mood_status s;
    *out = NULL;
    h = mood__calloc(1, sizeof *h);
    if (!h) {
        for (size_t i = 0; i < n_tracks; i++) {
            mood__free(tracks[i].key);
            mood__free(tracks[i].artist);
            mood__free(tracks[i].title);
            mood__free(tracks[i].uri);
        }
        mood__free(tracks);
        mood__free(plays);
        return mood__enomem("history");
    }
    h->tracks = tracks;
    h->n_tracks = n_tracks;
    h->plays = plays;
    h->n_plays = n_plays;
    h->opt = *o;
    h->opt.tz = NULL;
    if (o->gap_min <= 0 || !isfinite(o->gap_min)) {
        mood_history_destroy(h);
        return mood__error(
            MOOD_EINVAL, "sessions: gap must be a positive number of minutes, got %g", o->gap_min);
    }
    if (o->tz && !(h->tz = mood__strdup(o->tz))) {
        mood_history_destroy(h);
        return mood__enomem("history");
    }
    h->opt.tz = h->tz;
    s = mood__hist_sessionize(h);
    if (s != MOOD_OK) {
        mood_history_destroy(h);
        return s;
    }
    *out = h;
    return MOOD_OK;
}

/* ---- loading from the catalog ------------------------------------------------------------- */

static char *col_dup(mood_db_stmt *st, int i)
{
    const char *v = mood__db_col_text(st, i);
    return mood__strdup(v ? v : "");
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static mood_status prepare(mood_catalog *cat, const char *sql, mood_db_stmt **st)
{
    if (mood__db_prepare(mood__catalog_dbh(cat), sql, st) != MOOD_OK)
        return mood__catalog_error(cat, "load history");
    return MOOD_OK;
}

/* The single integer that the aggregate query @p sql returns. */
static mood_status count_rows(mood_catalog *cat, const char *sql, size_t *out)
{
    mood_db_stmt *st = NULL;
    mood_status s = prepare(cat, sql, &st);
    if (s == MOOD_OK && mood__db_step_rc(st) != MOOD_DB_ROW)
        s = mood__catalog_error(cat, "load history");
    if (s == MOOD_OK)
        *out = (size_t)mood__db_col_int64(st, 0);
    mood__db_finalize(st);
    return s;
}

mood_status mood_history_load(mood_catalog *cat, const mood_history_options *o, mood_history **out)
{
    mood_db_stmt *st = NULL;
    hist_track *tracks = NULL;
    hist_play *plays = NULL;
    int64_t *ids = NULL;
    size_t nt = 0, np = 0, cap = 0;
    mood_status s;
    mood_history_options def;
    *out = NULL;
    if (!o) {
        mood_history_options_default(&def);
        o = &def;
    }
    s = mood__hist_migrate(cat);
    if (s != MOOD_OK)
        return s;
    s = mood__catalog_exec(cat, "load history", mood__hist_sync_tracks_sql);
    if (s != MOOD_OK)
        return s;
    /* tracks */
    s = count_rows(cat, "SELECT COUNT(*) FROM history_tracks", &cap);
    if (s != MOOD_OK)
        goto fail;
    tracks = mood__calloc(cap ? cap : 1, sizeof *tracks);
    ids = mood__calloc(cap ? cap : 1, sizeof *ids);
    if (!tracks || !ids) {
        s = mood__enomem("load history");
        goto fail;
    }
    s = prepare(cat,
                "SELECT id, track_key, artist_name, track_name, spotify_track_uri, "
                "matched_by, danceability, energy, loudness, speechiness, acousticness, "
                "instrumentalness, liveness, valence, tempo, duration_ms, cluster FROM "
                "history_tracks ORDER BY id",
                &st);
    if (s != MOOD_OK)
        goto fail;
    while (nt < cap && mood__db_step_rc(st) == MOOD_DB_ROW) {
        hist_track *t = &tracks[nt];
        ids[nt] = mood__db_col_int64(st, 0);
        t->db_id = ids[nt];
        t->key = col_dup(st, 1);
        t->artist = col_dup(st, 2);
        t->title = col_dup(st, 3);
        t->uri = col_dup(st, 4);
        nt++;
        if (!t->key || !t->artist || !t->title || !t->uri) {
            s = mood__enomem("load history");
            goto fail;
        }
        t->has_feat = !mood__db_col_null(st, 5);
        for (int j = 0; j < HIST_NF; j++)
            t->feat[j] = mood__db_col_null(st, 6 + j) ? NAN : (float)mood__db_col_double(st, 6 + j);
        t->cluster = mood__db_col_null(st, 16) ? -1 : mood__db_col_int(st, 16);
    }
    mood__db_finalize(st);
    st = NULL;
    /* plays */
    s = count_rows(cat, "SELECT COUNT(*) FROM plays WHERE kind = 'track'", &cap);
    if (s != MOOD_OK)
        goto fail;
    if (cap == 0) {
        s = mood__error(MOOD_ENOTFOUND,
                        "catalog %s has no music plays: run 'moodscope history import FILE...'",
                        mood_catalog_path(cat));
        goto fail;
    }
    plays = mood__calloc(cap, sizeof *plays);
    if (!plays) {
        s = mood__enomem("load history");
        goto fail;
    }
    s = prepare(cat,
                "SELECT p.played_at_unix, p.ms_played, p.shuffle, p.skipped, "
                "p.reason_start, p.reason_end, t.id FROM plays p JOIN "
                "history_tracks t ON t.track_key = p.track_key WHERE p.kind = 'track' "
                "ORDER BY p.played_at_unix, p.id",
                &st);
    if (s != MOOD_OK)
        goto fail;
    while (np < cap && mood__db_step_rc(st) == MOOD_DB_ROW) {
        hist_play *p = &plays[np];
        int64_t id = mood__db_col_int64(st, 6);
        const int64_t *hit = bsearch(&id, ids, nt, sizeof *ids, cmp_i64);
        const char *re = mood__db_col_text(st, 5);
        if (!hit)
            continue;
        p->start_utc = mood__db_col_int64(st, 0);
        p->ms_played = mood__db_col_null(st, 1) ? -1 : mood__db_col_int64(st, 1);
        p->shuffle = (int8_t)(mood__db_col_null(st, 2) ? -1 : mood__db_col_int(st, 2));
        p->skipped_flag = (int8_t)(mood__db_col_null(st, 3) ? -1 : mood__db_col_int(st, 3));
        p->user_init = (int8_t)user_reason(mood__db_col_text(st, 4));
        snprintf(p->reason_end, sizeof p->reason_end, "%s", re ? re : "");
        p->track = (int32_t)(hit - ids);
        np++;
    }
    mood__db_finalize(st);
    st = NULL;
    mood__free(ids);
    ids = NULL;
    return mood__hist_from_arrays(o, tracks, nt, plays, np, out);
fail:
    if (st)
        mood__db_finalize(st);
    free_tracks(tracks, nt);
    mood__free(plays);
    mood__free(ids);
    return s;
}

/* ---- tables --------------------------------------------------------------------------------- */

/* A table under construction: scratch for one text and one numeric column, and n UTC times. */
typedef struct table_build {
    mood_table *t;
    const char **sv;
    float *fv;
    char *times;
} table_build;

static int64_t play_start(const mood_history *h, size_t i)
{
    return h->plays[i].start_utc;
}

static int64_t session_start(const mood_history *h, size_t k)
{
    return h->sessions[k].start_utc;
}

/* Create a table of n rows whose first column @p time_col holds start(h, i) as UTC text;
 * @p what names the table in errors. On failure call table_end all the same. */
static mood_status table_begin(table_build *b, const mood_history *h, size_t n, const char *what,
                               const char *time_col, int64_t (*start)(const mood_history *, size_t))
{
    mood_status s;
    memset(b, 0, sizeof *b);
    s = mood_table_create(n, &b->t);
    if (s != MOOD_OK)
        return s;
    b->sv = mood__malloc_array(n ? n : 1, sizeof *b->sv);
    b->fv = mood__malloc_array(n ? n : 1, sizeof *b->fv);
    b->times = mood__malloc_array(n ? n : 1, 24);
    if (!b->sv || !b->fv || !b->times)
        return mood__enomem(what);
    for (size_t i = 0; i < n; i++) {
        mood__utc_format(start(h, i), b->times + i * 24, 24);
        b->sv[i] = b->times + i * 24;
    }
    return mood_table_add_str(b->t, time_col, b->sv);
}

/* Free the scratch; hand the table to *out when s is MOOD_OK, else destroy it. Returns s. */
static mood_status table_end(table_build *b, mood_status s, mood_table **out)
{
    mood__free(b->sv);
    mood__free(b->fv);
    mood__free(b->times);
    if (s != MOOD_OK) {
        mood_table_destroy(b->t);
        return s;
    }
    *out = b->t;
    return MOOD_OK;
}

/* NOLINTBEGIN(bugprone-macro-parentheses): type and var are a type name and a declared
 * identifier, which cannot be parenthesised. */
/* Add column @p name: (float)(expr) for each row idx of @p rows, with var = &rows[idx]. */
#define TABLE_COL(type, rows, var, idx, name, expr)                                                \
    do {                                                                                           \
        for (size_t idx = 0; idx < n; idx++) {                                                     \
            const type *var = &(rows)[idx];                                                        \
            (void)var;                                                                             \
            b.fv[idx] = (float)(expr);                                                             \
        }                                                                                          \
        s = mood_table_add_num(b.t, name, b.fv);                                                   \
        if (s != MOOD_OK)                                                                          \
            goto done;                                                                             \
    } while (0)
/* NOLINTEND(bugprone-macro-parentheses) */

mood_status mood_history_play_table(const mood_history *h, mood_table **out)
{
    table_build b;
    size_t n = h->n_plays;
    mood_status s;
    *out = NULL;
    s = table_begin(&b, h, n, "play table", "played_at_utc", play_start);
    if (s != MOOD_OK)
        goto done;
    for (size_t i = 0; i < n; i++)
        b.sv[i] = h->tracks[h->plays[i].track].artist;
    s = mood_table_add_str(b.t, "artist", b.sv);
    if (s != MOOD_OK)
        goto done;
    for (size_t i = 0; i < n; i++)
        b.sv[i] = h->tracks[h->plays[i].track].title;
    s = mood_table_add_str(b.t, "track", b.sv);
    if (s != MOOD_OK)
        goto done;
#define PLAY_COL(name, expr) TABLE_COL(hist_play, h->plays, p, i, name, expr)
    PLAY_COL("session_id", p->session);
    PLAY_COL("position", p->pos);
    PLAY_COL("hour", p->hour);
    PLAY_COL("weekday", p->wday);
    PLAY_COL("ms_played", p->ms_played >= 0 ? (double)p->ms_played : HIST_DNAN);
    PLAY_COL("skipped", p->skip_known ? (double)p->skipped : HIST_DNAN);
    PLAY_COL("completion", p->completion);
    PLAY_COL("user_initiated", p->user_init >= 0 ? (double)p->user_init : HIST_DNAN);
    PLAY_COL("repeat", p->repeat);
    PLAY_COL("cluster", h->tracks[p->track].cluster);
#undef PLAY_COL
done:
    return table_end(&b, s, out);
}

mood_status mood_history_session_table(const mood_history *h, mood_table **out)
{
    table_build b;
    size_t n = h->n_sessions;
    mood_status s;
    *out = NULL;
    s = table_begin(&b, h, n, "session table", "start_utc", session_start);
    if (s != MOOD_OK)
        goto done;
#define SES_COL(name, expr) TABLE_COL(hist_session, h->sessions, se, k, name, expr)
    SES_COL("session_id", k);
    SES_COL("session_tracks", se->n);
    SES_COL("duration", se->duration_min);
    SES_COL("tracks_per_hour", (double)se->n / (fmax(se->duration_min, 1.0) / 60.0));
    SES_COL("skip_rate", se->skip_rate);
    SES_COL("completion", se->completion);
    SES_COL("repeat_rate", se->repeat_rate);
    SES_COL("user_initiated", se->user_share);
    SES_COL("shuffle", se->shuffle_share);
    SES_COL("start_hour", se->hour);
    SES_COL("weekday", se->wday);
    SES_COL("weekend", se->wday >= 5);
    /* mean and std of the joined audio features over the session's matched plays */
    for (int j = 0; j < HIST_NF_AUDIO; j++) {
        char name[64];
        float *sd = mood__malloc_array(n ? n : 1, sizeof *sd);
        if (!sd) {
            s = mood__enomem("session table");
            goto done;
        }
        for (size_t k = 0; k < n; k++) {
            const hist_session *se = &h->sessions[k];
            double sum = 0, sq = 0;
            size_t m = 0;
            for (size_t i = se->first; i < se->first + se->n; i++) {
                float v = h->tracks[h->plays[i].track].feat[j];
                if (isfinite(v)) {
                    sum += (double)v;
                    sq += (double)v * (double)v;
                    m++;
                }
            }
            b.fv[k] = m ? (float)(sum / (double)m) : NAN;
            sd[k] =
                m ? (float)sqrt(fmax(0.0, sq / (double)m - (sum / (double)m) * (sum / (double)m)))
                  : NAN;
        }
        snprintf(name, sizeof name, "%s_mean", mood__hist_feature_names[j]);
        s = mood_table_add_num(b.t, name, b.fv);
        snprintf(name, sizeof name, "%s_std", mood__hist_feature_names[j]);
        if (s == MOOD_OK)
            s = mood_table_add_num(b.t, name, sd);
        mood__free(sd);
        if (s != MOOD_OK)
            goto done;
    }
    SES_COL("matched_share", 0);
    {
        size_t j;
        s = mood_table_find(b.t, "matched_share", &j);
        if (s != MOOD_OK)
            goto done;
        float *col = mood_table_num(b.t, j);
        for (size_t k = 0; k < n; k++) {
            const hist_session *se = &h->sessions[k];
            size_t m = 0;
            for (size_t i = se->first; i < se->first + se->n; i++)
                m += h->tracks[h->plays[i].track].has_feat != 0;
            col[k] = (float)m / (float)se->n;
        }
    }
#undef SES_COL
#undef TABLE_COL
done:
    return table_end(&b, s, out);
}

mood_status mood_history_store_sessions(mood_catalog *cat, const mood_history *h)
{
    mood_db *db = mood__catalog_dbh(cat);
    mood_db_stmt *st;
    mood_status s;
    s = mood__hist_migrate(cat);
    if (s != MOOD_OK)
        return s;
    s = mood__db_begin(db);
    if (s != MOOD_OK)
        return s;
    s = mood__catalog_exec(cat, "store sessions", "DELETE FROM sessions");
    if (s != MOOD_OK) {
        mood__db_rollback(db);
        return s;
    }
    if (mood__db_prepare(db,
                         "INSERT INTO sessions(session_id, start_utc, end_utc, start_unix, "
                         "end_unix, n_tracks, duration_min, skip_rate, completion, repeat_rate, "
                         "user_initiated, shuffle, start_hour, weekday, tz, gap_min) "
                         "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                         &st) != MOOD_OK) {
        s = mood__catalog_error(cat, "store sessions");
        mood__db_rollback(db);
        return s;
    }
    for (size_t k = 0; k < h->n_sessions && s == MOOD_OK; k++) {
        const hist_session *se = &h->sessions[k];
        char a[32], b[32];
        const double vals[6] = {se->duration_min, se->skip_rate,  se->completion,
                                se->repeat_rate,  se->user_share, se->shuffle_share};
        mood__utc_format(se->start_utc, a, sizeof a);
        mood__utc_format(se->end_utc, b, sizeof b);
        mood__db_reset(st);
        mood__db_bind_int64(st, 1, k);
        mood__db_bind_text(st, 2, a);
        mood__db_bind_text(st, 3, b);
        mood__db_bind_int64(st, 4, se->start_utc);
        mood__db_bind_int64(st, 5, se->end_utc);
        mood__db_bind_int64(st, 6, se->n);
        for (int j = 0; j < 6; j++) {
            if (isfinite(vals[j]))
                mood__db_bind_double(st, 7 + j, vals[j]);
            else
                mood__db_bind_null(st, 7 + j);
        }
        mood__db_bind_int64(st, 13, se->hour);
        mood__db_bind_int64(st, 14, se->wday);
        mood__db_bind_text(st, 15, h->tz ? h->tz : "UTC");
        mood__db_bind_double(st, 16, h->opt.gap_min);
        if (mood__db_step_rc(st) != MOOD_DB_DONE)
            s = mood__catalog_error(cat, "store sessions");
    }
    mood__db_finalize(st);
    if (s == MOOD_OK)
        return mood__db_commit(db);
    mood__db_rollback(db);
    return s;
}
