/*
 * Private pieces of the listening-history subsystem: the in-memory history, parsed plays,
 * time helpers, the catalog schema, evaluation metrics and the XGBoost wrapper.
 */
#ifndef MOOD_HISTORY_INTERNAL_H
#define MOOD_HISTORY_INTERNAL_H

#include <moodscope/history.h>

#include "../core/clock.h"
#include "../core/internal.h"
#include "../store/catalog_internal.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <time.h>

/* ---- audio features joined to tracks ---------------------------------------------------- */
#define HIST_NF   10
#define HIST_DNAN ((double)NAN)
extern const char *const mood__hist_feature_names[HIST_NF]; /* last one: duration_ms */
#define HIST_NF_AUDIO 9 /* features used for moods and windows (duration excluded) */

/* ---- a parsed play, before storage ------------------------------------------------------ */
typedef enum hist_kind { HIST_TRACK = 0, HIST_PODCAST, HIST_AUDIOBOOK, HIST_VIDEO } hist_kind;
const char *mood__hist_kind_name(hist_kind k);

typedef struct hist_raw_play {
    int64_t start_utc; /* seconds since the epoch */
    int64_t ms_played; /* -1 unknown */
    hist_kind kind;
    const char *artist, *track, *album, *uri; /* borrowed from the parser's document */
    const char *reason_start, *reason_end, *platform;
    int shuffle, skipped, offline, incognito; /* -1 unknown, 0, 1 */
} hist_raw_play;

/* Sink that stores parsed plays (plays_store.c); the parsers call it once per record. */
typedef struct hist_sink hist_sink;
mood_status mood__hist_sink_put(hist_sink *s, const hist_raw_play *p);
/* Number of records the parser expects, for progress. */
void mood__hist_sink_total(hist_sink *s, size_t n);
/* A record without its essentials: which ones were missing (bit 1 time, 2 artist, 4 track). */
void mood__hist_sink_missing(hist_sink *s, unsigned what);

/* Bind a play's columns to ?1..?18 of an INSERT/UPDATE of plays (plays_store.c order). */
void mood__hist_bind_play(mood_db_stmt *st, const hist_raw_play *p, hist_kind kind, const char *key,
                          const char *format, const char *file);

/*
 * Merging the two Spotify exports (merge.c): a play of one export that the other already
 * stored (same track, end within a minute and a few seconds, time played within 3 s) is kept
 * once, with the extended export's fields. open gives *out = NULL for other formats.
 */
typedef struct hist_merge hist_merge;
mood_status mood__hist_merge_open(mood_catalog *cat, mood_history_format fmt, const char *file,
                                  hist_merge **out);
void mood__hist_merge_close(hist_merge *m);
/* *out_stored = 1 when p is already stored (as itself, or merged now: *out_merged = 1). */
mood_status mood__hist_merge_play(hist_merge *m, const hist_raw_play *p, hist_kind kind,
                                  const char *key, int *out_stored, int *out_merged);

mood_status mood__hist_import_spotify(const char *path, hist_sink *sink,
                                      mood_history_format *out_fmt);
mood_status mood__hist_import_lastfm(const char *path, const char *text, size_t len,
                                     hist_sink *sink);

/* ---- time -------------------------------------------------------------------------------- */
/* Parse the time formats of the exports: "2020-01-05 21:44[:ss]", ISO-8601 "...T...Z" with
 * optional offset, "31 Jan 2021, 12:34" / "31 Jan 2021 12:34", epoch seconds. UTC result. */
int mood__hist_parse_time(const char *s, int64_t *out_utc);

/* Local time in a zone (tz.c): an IANA name is read once per process from its TZif file into
 * an immutable table; the process environment (TZ) is never touched, so threads may convert
 * concurrently. begin resolves the name or offset, end releases nothing (kept for symmetry). */
typedef struct hist_zone hist_zone;
typedef struct hist_tz {
    int use_offset;
    long offset_s;
    const hist_zone *zone; /* process-wide cache entry, immutable */
} hist_tz;
mood_status mood__hist_tz_begin(const char *tz, hist_tz *st);
void mood__hist_tz_local(const hist_tz *st, int64_t t, int *hour, int *wday, int *mday, int *mon,
                         int *year);
/* Parse a TZif buffer (RFC 8536, versions 1-4) into a new zone table (tests, fuzzing). */
mood_status mood__hist_tzif_parse(const char *name, const unsigned char *buf, size_t len,
                                  hist_zone **out);
void mood__hist_zone_free(hist_zone *z);
/* Offset east of UTC, in seconds, in force at UTC time @p t. */
long mood__hist_zone_offset(const hist_zone *z, int64_t t);
/* The cached table of an IANA zone name, loaded on first use (thread-safe). */
mood_status mood__hist_zone_get(const char *name, const hist_zone **out);
void mood__hist_tz_end(hist_tz *st);

/* ---- normalisation for joins ------------------------------------------------------------- */
/* Lower-case, drop bracketed parts and " - remaster..." suffixes, keep letters and digits. */
void mood__hist_norm(const char *s, char *out, size_t cap);
/* track_key = norm(artist) + "\x1f" + norm(track). */
void mood__hist_track_key(const char *artist, const char *track, char *out, size_t cap);

/* ---- catalog schema ---------------------------------------------------------------------- */
mood_status mood__hist_migrate(mood_catalog *cat);
/* Add the tracks of new music plays to history_tracks, in key order (both backends). */
extern const char *const mood__hist_sync_tracks_sql;
/* Store / load a model: meta JSON text and an optional booster blob. */
mood_status mood__hist_model_save(mood_catalog *cat, const char *name, const char *meta,
                                  const void *blob, size_t blob_len);
/* *out_meta (mood_free) and *out_blob (mood_free, may be NULL); ENOTFIT when absent. */
mood_status mood__hist_model_load(mood_catalog *cat, const char *name, char **out_meta,
                                  void **out_blob, size_t *out_blob_len);

/* ---- the in-memory history --------------------------------------------------------------- */
typedef struct hist_track {
    char *artist, *title, *uri, *key;
    float feat[HIST_NF]; /* NaN when not joined */
    int has_feat;
    int32_t cluster; /* -1 none */
    int64_t db_id;
} hist_track;

typedef struct hist_play {
    int64_t start_utc, end_utc;
    int64_t ms_played; /* -1 unknown */
    int32_t track;
    int8_t shuffle, skipped_flag, user_init; /* -1 unknown */
    char reason_end[16];
    /* local time of the start */
    int8_t hour, wday;
    /* derived */
    int32_t session, pos;
    uint8_t skipped, repeat;
    uint8_t skip_known; /* 0 when the export says nothing about it (Last.fm) */
    float completion;   /* NaN unknown */
} hist_play;

typedef struct hist_session {
    size_t first, n;
    int64_t start_utc, end_utc;
    int8_t hour, wday;
    double duration_min, skip_rate, completion, repeat_rate, user_share, shuffle_share;
} hist_session;

struct mood_history {
    mood_history_options opt;
    char *tz;
    hist_track *tracks;
    size_t n_tracks;
    hist_play *plays;
    size_t n_plays;
    hist_session *sessions;
    size_t n_sessions;
};

/* Split plays into sessions and compute per-play behaviour (sessions.c). */
mood_status mood__hist_sessionize(mood_history *h);
/* Build a history from arrays (tests, and load); takes ownership of tracks and plays. */
mood_status mood__hist_from_arrays(const mood_history_options *o, hist_track *tracks,
                                   size_t n_tracks, hist_play *plays, size_t n_plays,
                                   mood_history **out);

/* ---- evaluation (eval.c) ----------------------------------------------------------------- */
double mood__hist_accuracy(const int32_t *y, const int32_t *pred, size_t n);
double mood__hist_macro_f1(const int32_t *y, const int32_t *pred, size_t n, size_t k);
/* Binary ROC-AUC with ties averaged; NaN when one class is absent. */
double mood__hist_roc_auc(const float *score, const uint8_t *y, size_t n);
/* Average precision (scikit-learn's average_precision_score); NaN without positives. */
double mood__hist_pr_auc(const float *score, const uint8_t *y, size_t n);
/* Macro one-vs-rest ROC-AUC over classes present with both outcomes; probs is n×k. */
double mood__hist_ovr_auc(const float *probs, const int32_t *y, size_t n, size_t k);
/* Expected calibration error over @p bins equal-width bins. */
double mood__hist_ece(const float *p, const uint8_t *y, size_t n, size_t bins);
double mood__hist_f1_at(const float *p, const uint8_t *y, size_t n, double thr);
/* Population stability index of two share vectors (epsilon-floored). */
double mood__hist_psi(const double *expected, const double *actual, size_t k);
/* Shannon entropy (bits) of counts. */
double mood__hist_entropy(const double *counts, size_t k);

/* ---- XGBoost wrapper (xgb.c) ------------------------------------------------------------- */
typedef struct hist_xgb hist_xgb;
typedef struct hist_xgb_params {
    const char *objective; /* "multi:softprob" or "binary:logistic" */
    size_t num_class;
    size_t rounds;
    int max_depth;
    double eta;
    int n_threads;
    uint64_t seed;
    const float *weights; /* n row weights, or NULL */
    double valid_share;   /* > 0: newest share of rows picks the round count (early stop) */
    mood_progress_fn progress;
    void *progress_user;
} hist_xgb_params;
mood_status mood__hist_xgb_train(const hist_xgb_params *p, const float *x, const float *y, size_t n,
                                 size_t d, hist_xgb **out);
/* out: n×num_class (multi) or n (binary) probabilities. */
mood_status mood__hist_xgb_predict(hist_xgb *m, const float *x, size_t n, size_t d, float *out);
mood_status mood__hist_xgb_save(hist_xgb *m, char **out_buf, size_t *out_len);
/* Boosting rounds of the fitted model (after early stopping). */
size_t mood__hist_xgb_rounds(const hist_xgb *m);
mood_status mood__hist_xgb_load(const void *buf, size_t len, hist_xgb **out);
void mood__hist_xgb_destroy(hist_xgb *m);

/* ---- shared model plumbing (model_common.c) ---------------------------------------------- */
/* @p o, or the defaults written to *def when @p o is NULL. */
const mood_history_train_options *mood__hist_train_opts(const mood_history_train_options *o,
                                                        mood_history_train_options *def);
/* XGBoost parameters from the training options; 15% newest training rows pick the rounds. */
void mood__hist_xgb_params_init(hist_xgb_params *xp, const mood_history_train_options *o,
                                const char *objective, size_t num_class);
/* Add rows, train_rows, test_rows, test_from_utc, max_rounds and rounds to a model report. */
void mood__hist_report_split(json_t *rep, size_t n, size_t n_train, size_t n_test,
                             int64_t test_from_utc, const mood_history_train_options *o,
                             const hist_xgb *xgb);
/* Model metadata: a deep copy of the report with the d feature names under "features". */
json_t *mood__hist_model_meta(const json_t *rep, char *const *names, size_t d);
/* Store the booster and @p meta under @p name; *out_json = the report text (NULL on failure).
 * @p what names the model in error messages. */
mood_status mood__hist_model_store(mood_catalog *cat, const char *name, const char *what,
                                   hist_xgb *xgb, const json_t *meta, const json_t *rep,
                                   char **out_json);

/* ---- shared feature builders (features.c) ------------------------------------------------ */
/* Next-mood examples: rows of clustered plays with a clustered predecessor in a session. */
typedef struct hist_nm_data {
    size_t n, d, k;
    float *x;      /* n×d */
    int32_t *y;    /* next cluster */
    int32_t *last; /* last cluster (baseline) */
    int64_t *t;    /* time of the predicted play */
    char **names;  /* d feature names (static strings or owned; see free) */
} hist_nm_data;
mood_status mood__hist_nm_build(const mood_history *h, size_t k, int include_last_play,
                                hist_nm_data *out);
void mood__hist_nm_free(hist_nm_data *d);
/*
 * Append k columns P(next = c | last cluster), Laplace smoothed. The first @p n_online rows
 * (training rows, in time order) see only the transitions of the rows before them, so that no
 * row's feature contains its own target; later rows use the k×k @p counts.
 */
mood_status mood__hist_nm_add_markov(hist_nm_data *d, const double *counts, size_t n_online);

typedef struct hist_ss_data {
    size_t n, d;
    float *x;        /* n×d */
    uint8_t *y;      /* a session started in this hour */
    int64_t *hour_t; /* UTC start of each hour */
    uint8_t *how;    /* local hour of week 0..167 */
    int8_t *hod;     /* local hour of day */
    char **names;
} hist_ss_data;
/* Rows from the first session's hour to @p until_utc (exclusive); 0 = last play's hour + 1. */
mood_status mood__hist_ss_build(const mood_history *h, int64_t until_utc, hist_ss_data *out);
void mood__hist_ss_free(hist_ss_data *d);

/* JSON helpers */
char *mood__hist_json_dump(const json_t *j); /* mood__malloc'd text, NULL on failure */
json_t *mood__hist_jreal(double v);          /* null for NaN */

#endif
