/*
 * The two Spotify exports of one account overlap: users request the account data
 * (StreamingHistory*.json: endTime = the UTC minute a play ended, msPlayed) and the extended
 * streaming history (ts = the UTC second it ended, ms_played, URIs, reasons, flags) and import
 * both. Their plays cannot share an identity (kind, track_key, start second, ms_played): the
 * account start comes from the end minute. So a play arriving from one export is matched to
 * the other export's stored plays by track key, time played within MERGE_MS milliseconds and
 * the extended end within a minute after the account end minute (which truncates; a few
 * seconds either way, and a rounded minute, are accepted too). The closest time played wins,
 * then the end that fits the truncated minute (a replay a few seconds later is often nearer in
 * plain distance), and each stored play is matched at most once.
 *
 * A match keeps one row: the extended export's (it has exact seconds, the URI, and tells
 * podcasts from music). When the extended play arrives second, the account row is rewritten
 * with its fields. The identity that is not in plays goes to play_aliases, so that importing
 * either file again still finds every play stored.
 */
#define _POSIX_C_SOURCE 200809L
#include "history_internal.h"

#include <string.h>

/* end(extended) − end(account minute) in [MERGE_EARLY_S, MERGE_LATE_S] seconds: a truncated
 * minute puts it in [0, 60), a rounded one in [−30, 30], plus a few seconds either way. */
#define MERGE_EARLY_S (-33)
#define MERGE_LATE_S  63
#define MERGE_MS      3000 /* |msPlayed − ms_played| at most */
#define MERGE_START_S (MERGE_LATE_S + MERGE_MS / 1000 + 4)

enum { Q_EXACT, Q_ALIAS, Q_CAND, Q_ALIAS_INS, Q_UPDATE, N_Q };

struct hist_merge {
    mood_catalog *cat;
    mood_history_format fmt;
    const char *format, *other, *file;
    mood_db_stmt *q[N_Q];
};

static const char *const merge_sql[N_Q] = {
    "SELECT p.id, p.kind, p.played_at_unix, p.ms_played, p.source_file, p.source_format, "
    "EXISTS(SELECT 1 FROM play_aliases a WHERE a.play_id = p.id) FROM plays p "
    "WHERE p.kind = ?1 AND p.track_key = ?2 AND p.played_at_unix = ?3 AND "
    "COALESCE(p.ms_played, -1) = ?4",
    "SELECT 1 FROM play_aliases WHERE kind = ?1 AND track_key = ?2 AND played_at_unix = ?3 AND "
    "COALESCE(ms_played, -1) = ?4",
    /* d = end(extended) − end(account minute), ?9 = +1 (account arriving) or −1 (extended) */
    "SELECT id, kind, start, ms, file FROM (SELECT p.id AS id, p.kind AS kind, "
    "p.played_at_unix AS start, p.ms_played AS ms, p.source_file AS file, "
    "?9 * (p.played_at_unix + p.ms_played / 1000 - ?5) AS d FROM plays p "
    "WHERE p.kind IN ('track', 'podcast', 'audiobook', 'video') AND p.track_key = ?1 AND "
    "p.source_format = ?2 AND p.played_at_unix BETWEEN CAST(?3 AS BIGINT) - CAST(?6 AS BIGINT) "
    "AND CAST(?3 AS BIGINT) + CAST(?6 AS BIGINT) AND "
    "p.ms_played IS NOT NULL AND ABS(p.ms_played - ?4) <= ?7 AND "
    "NOT EXISTS (SELECT 1 FROM play_aliases a WHERE a.play_id = p.id)) AS c "
    "WHERE d BETWEEN ?10 AND ?8 ORDER BY ABS(ms - ?4), "
    "CASE WHEN d < 0 THEN -d WHEN d > 59 THEN d - 59 ELSE 0 END, ABS(d), id LIMIT 1",
    "INSERT INTO play_aliases(play_id, kind, track_key, played_at_unix, ms_played, "
    "source_format, source_file) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
    "UPDATE plays SET kind = ?1, artist_name = ?2, track_name = ?3, album_name = ?4, "
    "played_at_utc = ?5, played_at_unix = ?6, ms_played = ?7, spotify_track_uri = ?8, "
    "reason_start = ?9, reason_end = ?10, shuffle = ?11, skipped = ?12, offline = ?13, "
    "incognito = ?14, platform = ?15, source_format = ?16, source_file = ?17, track_key = ?18 "
    "WHERE id = ?19",
};

mood_status mood__hist_merge_open(mood_catalog *cat, mood_history_format fmt, const char *file,
                                  hist_merge **out)
{
    hist_merge *m;
    *out = NULL;
    if (fmt != MOOD_HISTORY_SPOTIFY_ACCOUNT && fmt != MOOD_HISTORY_SPOTIFY_EXTENDED)
        return MOOD_OK;
    m = mood__calloc(1, sizeof *m);
    if (!m)
        return mood__enomem("import merge");
    m->cat = cat;
    m->fmt = fmt;
    m->file = file;
    m->format = mood_history_format_name(fmt);
    m->other = mood_history_format_name(fmt == MOOD_HISTORY_SPOTIFY_ACCOUNT
                                            ? MOOD_HISTORY_SPOTIFY_EXTENDED
                                            : MOOD_HISTORY_SPOTIFY_ACCOUNT);
    for (int i = 0; i < N_Q; i++) {
        if (mood__db_prepare(mood__catalog_dbh(cat), merge_sql[i], &m->q[i]) != MOOD_OK) {
            mood_status s = mood__catalog_error(cat, "import merge");
            mood__hist_merge_close(m);
            return s;
        }
    }
    *out = m;
    return MOOD_OK;
}

void mood__hist_merge_close(hist_merge *m)
{
    if (!m)
        return;
    for (int i = 0; i < N_Q; i++)
        mood__db_finalize(m->q[i]);
    mood__free(m);
}

/*
 * 1 when the identity (kind, key, start, ms) is a row of query q (plays or aliases); the
 * statement stays on that row for the caller to read.
 */
static int identity_found(hist_merge *m, int q, const char *kind, const char *key, int64_t start,
                          int64_t ms, mood_status *st)
{
    mood_db_stmt *s = m->q[q];
    mood__db_reset(s);
    mood__db_bind_text(s, 1, kind);
    mood__db_bind_text(s, 2, key);
    mood__db_bind_int64(s, 3, start);
    mood__db_bind_int64(s, 4, ms >= 0 ? ms : -1);
    int rc = mood__db_step_rc(s);
    if (rc != MOOD_DB_ROW && rc != MOOD_DB_DONE)
        *st = mood__catalog_error(m->cat, "import merge");
    return rc == MOOD_DB_ROW;
}

/* Record an identity that is not a row of plays as another name of play @p id. */
static mood_status add_alias(hist_merge *m, int64_t id, const char *kind, const char *key,
                             int64_t start, int64_t ms, const char *format, const char *file)
{
    mood_db_stmt *s = m->q[Q_ALIAS_INS];
    mood__db_reset(s);
    mood__db_clear_bindings(s);
    mood__db_bind_int64(s, 1, id);
    mood__db_bind_text(s, 2, kind);
    mood__db_bind_text(s, 3, key);
    mood__db_bind_int64(s, 4, start);
    if (ms >= 0)
        mood__db_bind_int64(s, 5, ms);
    mood__db_bind_text(s, 6, format);
    if (file)
        mood__db_bind_text(s, 7, file);
    if (mood__db_step_rc(s) != MOOD_DB_DONE)
        return mood__catalog_error(m->cat, "import merge");
    return MOOD_OK;
}

/*
 * Merge @p p into the other export's play on the current row of @p row (columns id, kind,
 * start, ms, file). An account play becomes an alias of the extended row; an extended play
 * replaces the account row, whose identity becomes the alias.
 */
static mood_status merge_into(hist_merge *m, mood_db_stmt *row, const hist_raw_play *p,
                              hist_kind kind, const char *key)
{
    if (m->fmt == MOOD_HISTORY_SPOTIFY_ACCOUNT)
        return add_alias(m, mood__db_col_int64(row, 0), mood__hist_kind_name(kind), key,
                         p->start_utc, p->ms_played, m->format, m->file);
    int64_t id = mood__db_col_int64(row, 0);
    mood_status s = add_alias(m, id, mood__db_col_text(row, 1), key, mood__db_col_int64(row, 2),
                              mood__db_col_int64(row, 3), m->other, mood__db_col_text(row, 4));
    if (s != MOOD_OK)
        return s;
    mood_db_stmt *u = m->q[Q_UPDATE];
    mood__db_reset(u);
    mood__db_clear_bindings(u);
    mood__hist_bind_play(u, p, kind, key, m->format, m->file);
    mood__db_bind_int64(u, 19, id);
    if (mood__db_step_rc(u) != MOOD_DB_DONE)
        return mood__catalog_error(m->cat, "import merge");
    return MOOD_OK;
}

mood_status mood__hist_merge_play(hist_merge *m, const hist_raw_play *p, hist_kind kind,
                                  const char *key, int *out_stored, int *out_merged)
{
    mood_status st = MOOD_OK;
    const char *kname = mood__hist_kind_name(kind);
    const int64_t ms = p->ms_played, end = p->start_utc + (ms > 0 ? ms / 1000 : 0);
    mood_db_stmt *x = m->q[Q_EXACT], *c = m->q[Q_CAND];
    *out_stored = *out_merged = 0;
    if (identity_found(m, Q_EXACT, kname, key, p->start_utc, ms, &st)) {
        /* The same identity from the other export (an end exactly on a minute) is a merge. */
        const char *f = mood__db_col_text(x, 5);
        int other = f && strcmp(f, m->other) == 0 && !mood__db_col_int(x, 6);
        if (other)
            st = merge_into(m, x, p, kind, key);
        mood__db_reset(x);
        *out_stored = st == MOOD_OK;
        *out_merged = other && st == MOOD_OK;
        return st;
    }
    if (st == MOOD_OK && identity_found(m, Q_ALIAS, kname, key, p->start_utc, ms, &st))
        *out_stored = 1;
    if (st != MOOD_OK || *out_stored || ms < 0)
        return st;
    mood__db_reset(c);
    mood__db_bind_text(c, 1, key);
    mood__db_bind_text(c, 2, m->other);
    mood__db_bind_int64(c, 3, p->start_utc);
    mood__db_bind_int64(c, 4, ms);
    mood__db_bind_int64(c, 5, end);
    mood__db_bind_int64(c, 6, MERGE_START_S);
    mood__db_bind_int64(c, 7, MERGE_MS);
    mood__db_bind_int64(c, 8, MERGE_LATE_S);
    mood__db_bind_int64(c, 9, m->fmt == MOOD_HISTORY_SPOTIFY_ACCOUNT ? 1 : -1);
    mood__db_bind_int64(c, 10, MERGE_EARLY_S);
    int rc = mood__db_step_rc(c);
    if (rc == MOOD_DB_DONE)
        return MOOD_OK;
    if (rc != MOOD_DB_ROW)
        return mood__catalog_error(m->cat, "import merge");
    st = merge_into(m, c, p, kind, key);
    mood__db_reset(c);
    if (st == MOOD_OK)
        *out_stored = *out_merged = 1;
    return st;
}
