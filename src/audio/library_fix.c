/*
 * Seeing and fixing the musical analysis of the library: user overrides of tempo, key and metre
 * (table "overrides", applied by every reader of library_store.c), the musical summary of one
 * track, and the list of doubtful values.
 *
 * Overrides are keyed by the track id, which survives re-analysis (the tracks row is updated in
 * place), and are applied when the catalog is read, never written into the analysis: clearing
 * one brings the analysed value back without analysing again.
 */
#define _POSIX_C_SOURCE 200809L
#include "library_internal.h"

#include "../core/clock.h"
#include "../core/internal.h"
#include "../store/catalog_internal.h"
#include "audio_internal.h"

#include <ctype.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static mood_status prep(mood_catalog *cat, const char *sql, mood_db_stmt **st)
{
    return mood__db_prepare(mood__catalog_dbh(cat), sql, st);
}

void mood_library_fix_init(mood_library_fix *f)
{
    memset(f, 0, sizeof *f);
}

void mood_library_doubtful_options_default(mood_library_doubtful_options *o)
{
    memset(o, 0, sizeof *o);
    o->threshold = 0.3;
    o->margin = 0.1;
}

void mood__meter_name(int beats_per_bar, int compound, char *buf, size_t cap)
{
    if (beats_per_bar <= 0) {
        snprintf(buf, cap, "%s", "");
        return;
    }
    snprintf(buf, cap, "%d/%d", compound ? 3 * beats_per_bar : beats_per_bar, compound ? 8 : 4);
}

/* "N/4" (simple, N beats) or "6/8", "9/8", "12/8" (compound, N/3 dotted beats). */
static int parse_meter(const char *s, int *out_bpb, int *out_compound)
{
    char *end;
    long num = strtol(s, &end, 10);
    if (end == s || *end != '/')
        return 0;
    const char *den_s = end + 1;
    long den = strtol(den_s, &end, 10);
    if (end == den_s || *end != '\0')
        return 0;
    if (den == 4 && num >= 1 && num <= 12) {
        *out_bpb = (int)num;
        *out_compound = 0;
        return 1;
    }
    if (den == 8 && (num == 6 || num == 9 || num == 12)) {
        *out_bpb = (int)(num / 3);
        *out_compound = 1;
        return 1;
    }
    return 0;
}

void mood__library_override_read(mood_db_stmt *st, int col, lib_override *out)
{
    memset(out, 0, sizeof *out);
    const char *bpm = mood__db_col_text(st, col);
    if (bpm) {
        char *end;
        double v = strtod(bpm, &end);
        if (end != bpm && isfinite(v) && v > 0) {
            out->tempo_bpm = (float)v;
            out->set |= MOOD_FIX_TEMPO;
        }
    }
    const char *key = mood__db_col_text(st, col + 1);
    if (key && mood_audio_parse_key(key, &out->key_index, &out->mode) == MOOD_OK)
        out->set |= MOOD_FIX_KEY;
    const char *meter = mood__db_col_text(st, col + 2);
    if (meter && parse_meter(meter, &out->beats_per_bar, &out->compound))
        out->set |= MOOD_FIX_METER;
}

void mood__library_override_apply(const lib_override *o, float *v)
{
    if (o->set & MOOD_FIX_TEMPO) {
        v[MOOD_AF_TEMPO_BPM] = o->tempo_bpm;
        v[MOOD_AF_TEMPO_CONFIDENCE] = 1.0f;
        v[MOOD_AF_TEMPO_OCTAVE_CONFIDENCE] = 1.0f;
        v[MOOD_AF_TEMPO_ALT_CONFIDENCE] = 0.0f;
    }
    if (o->set & MOOD_FIX_KEY) {
        v[MOOD_AF_KEY_INDEX] = (float)o->key_index;
        v[MOOD_AF_MODE] = (float)o->mode;
        v[MOOD_AF_KEY_CONFIDENCE] = 1.0f;
        v[MOOD_AF_KEY_ALT_CONFIDENCE] = 0.0f;
    }
    if (o->set & MOOD_FIX_METER) {
        v[MOOD_AF_BEATS_PER_BAR] = (float)o->beats_per_bar;
        v[MOOD_AF_COMPOUND_METER] = (float)o->compound;
    }
}

/* Replace member @p key of @p obj by @p value (taken), keeping the analysed one as key_analysed. */
static void patch(json_t *obj, const char *key, json_t *value)
{
    char name[64];
    json_t *old = json_object_get(obj, key);
    snprintf(name, sizeof name, "%s_analysed", key);
    if (old)
        json_object_set(obj, name, old);
    json_object_set_new(obj, key, value);
}

static void patch_key(json_t *tonal, const lib_override *o)
{
    char name[16];
    mood__key_name(o->key_index, o->mode, name, sizeof name);
    patch(tonal, "key", json_string(name));
    json_object_set_new(tonal, "camelot", json_string(mood_audio_camelot(o->key_index, o->mode)));
    json_object_set_new(tonal, "open_key", json_string(mood_audio_open_key(o->key_index, o->mode)));
    json_object_set_new(tonal, "key_index", json_integer(o->key_index));
    json_object_set_new(tonal, "mode", json_integer(o->mode));
    json_object_set_new(tonal, "key_confidence", json_real(1.0));
    json_object_set_new(tonal, "key_source", json_string("user"));
}

mood_status mood__library_override_report(const char *report_json, const lib_override *o,
                                          char **out)
{
    json_error_t err;
    *out = NULL;
    json_t *root = json_loads(report_json, 0, &err);
    if (!root)
        return mood__error(MOOD_EFORMAT, "library: stored report is not JSON: %s", err.text);
    json_t *rhythm = json_object_get(root, "rhythm"), *tonal = json_object_get(root, "tonal");
    if (json_is_object(rhythm) && (o->set & MOOD_FIX_TEMPO)) {
        patch(rhythm, "tempo_bpm", json_real(round((double)o->tempo_bpm * 1e4) / 1e4));
        json_object_set_new(rhythm, "tempo_confidence", json_real(1.0));
        json_object_set_new(rhythm, "tempo_source", json_string("user"));
    }
    if (json_is_object(rhythm) && (o->set & MOOD_FIX_METER)) {
        char m[8];
        mood__meter_name(o->beats_per_bar, o->compound, m, sizeof m);
        patch(rhythm, "meter", json_string(m));
        json_object_set_new(rhythm, "beats_per_bar", json_integer(o->beats_per_bar));
        json_object_set_new(rhythm, "compound_meter", json_integer(o->compound));
        json_object_set_new(rhythm, "meter_source", json_string("user"));
    }
    if (json_is_object(tonal) && (o->set & MOOD_FIX_KEY))
        patch_key(tonal, o);
    char *text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(7));
    json_decref(root);
    if (!text)
        return mood__enomem("library show");
    *out = mood__strdup(text);
    free(text);
    return *out ? MOOD_OK : mood__enomem("library show");
}

/* ---------------------------------------------------------------------------------------- */
/* Finding a track                                                                           */
/* ---------------------------------------------------------------------------------------- */

static int is_integer(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

mood_status mood__library_resolve(mood_catalog *cat, const char *track, int64_t *out_id)
{
    mood_db_stmt *st = NULL;
    char abs[PATH_MAX];
    *out_id = -1;
    if (!track || !track[0])
        return mood__error(MOOD_EINVAL, "library: empty track");
    if (!realpath(track, abs))
        snprintf(abs, sizeof abs, "%s", track);
    /* Exact id or path first, then a unique substring of path or title. */
    mood_status s =
        prep(cat,
             "SELECT t.id, t.path FROM tracks t WHERE (?1 AND t.id = ?2) OR t.path = ?3 OR "
             "t.path = ?4 UNION ALL SELECT t.id, t.path FROM tracks t WHERE NOT EXISTS (SELECT 1 "
             "FROM tracks u WHERE (?1 AND u.id = ?2) OR u.path = ?3 OR u.path = ?4) AND "
             "(instr(lower(t.path), lower(?3)) > 0 OR instr(lower(t.title), lower(?3)) > 0) "
             "ORDER BY 1 LIMIT 6",
             &st);
    if (s != MOOD_OK)
        return s;
    mood__db_bind_int64(st, 1, is_integer(track));
    mood__db_bind_int64(st, 2, is_integer(track) ? strtoll(track, NULL, 10) : -1);
    mood__db_bind_text(st, 3, track);
    mood__db_bind_text(st, 4, abs);
    char list[1024] = "";
    int count = 0, rc = mood__db_step_rc(st);
    for (; rc == MOOD_DB_ROW; rc = mood__db_step_rc(st)) {
        count++;
        if (count == 1)
            *out_id = mood__db_col_int64(st, 0);
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s%lld %s", count > 1 ? ", " : "",
                 (long long)mood__db_col_int64(st, 0), mood__db_col_text(st, 1));
    }
    mood__db_finalize(st);
    if (rc != MOOD_DB_DONE)
        return mood__catalog_error(cat, "library: find track");
    if (count == 0)
        return mood__error(MOOD_ENOTFOUND, "library: no track matches '%s'", track);
    if (count > 1)
        return mood__error(MOOD_EINVAL, "library: '%s' matches several tracks (%s%s); give an id",
                           track, list, count > 5 ? ", ..." : "");
    return MOOD_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Setting and clearing overrides                                                            */
/* ---------------------------------------------------------------------------------------- */

/* Check @p f and turn it into the stored texts; EINVAL names the bad value. */
static mood_status fix_values(const mood_library_fix *f, char *bpm, char *key, char *meter,
                              size_t cap)
{
    bpm[0] = key[0] = meter[0] = '\0';
    if (f->tempo_bpm != 0) {
        if (!isfinite(f->tempo_bpm) || f->tempo_bpm < MOOD_FIX_MIN_BPM ||
            f->tempo_bpm > MOOD_FIX_MAX_BPM)
            return mood__error(MOOD_EINVAL, "library set: tempo %g BPM is outside %g..%g",
                               f->tempo_bpm, MOOD_FIX_MIN_BPM, MOOD_FIX_MAX_BPM);
        snprintf(bpm, cap, "%.10g", f->tempo_bpm);
    }
    if (f->key) {
        int k, m;
        if (mood_audio_parse_key(f->key, &k, &m) != MOOD_OK)
            return MOOD_EINVAL; /* the parser's message names the key and what was expected */
        mood__key_name(k, m, key, cap);
    }
    if (f->meter) {
        int b, c;
        if (!parse_meter(f->meter, &b, &c))
            return mood__error(MOOD_EINVAL,
                               "library set: metre '%s': expected N/4 (N = 1..12), 6/8, 9/8 or "
                               "12/8",
                               f->meter);
        mood__meter_name(b, c, meter, cap);
    }
    if (!bpm[0] && !key[0] && !meter[0] && !(f->clear & MOOD_FIX_ALL))
        return mood__error(MOOD_EINVAL, "library set: nothing to set (give a tempo, key, metre "
                                        "or fields to clear)");
    return MOOD_OK;
}

static mood_status put_override(mood_catalog *cat, int64_t id, const char *field, const char *value,
                                const char *now)
{
    mood_db_stmt *st = NULL;
    mood_status s = prep(cat,
                         "INSERT INTO overrides(track_id, field, value, set_at) VALUES(?,?,?,?) "
                         "ON CONFLICT(track_id, field) DO UPDATE SET value = excluded.value, "
                         "set_at = excluded.set_at",
                         &st);
    if (s != MOOD_OK)
        return s;
    mood__db_bind_int64(st, 1, id);
    mood__db_bind_text(st, 2, field);
    mood__db_bind_text(st, 3, value);
    mood__db_bind_text(st, 4, now);
    if (mood__db_step_rc(st) != MOOD_DB_DONE)
        s = mood__catalog_error(cat, "library set");
    mood__db_finalize(st);
    return s;
}

static mood_status drop_overrides(mood_catalog *cat, int64_t id, unsigned fields)
{
    static const char *const names[3] = {"tempo_bpm", "key", "meter"};
    for (unsigned i = 0; i < 3; i++) {
        if (!(fields & (1u << i)))
            continue;
        mood_db_stmt *st = NULL;
        mood_status s = prep(cat, "DELETE FROM overrides WHERE track_id = ? AND field = ?", &st);
        if (s != MOOD_OK)
            return s;
        mood__db_bind_int64(st, 1, id);
        mood__db_bind_text(st, 2, names[i]);
        if (mood__db_step_rc(st) != MOOD_DB_DONE)
            s = mood__catalog_error(cat, "library set: clear");
        mood__db_finalize(st);
        if (s != MOOD_OK)
            return s;
    }
    return MOOD_OK;
}

mood_status mood_library_set(mood_catalog *cat, const char *track, const mood_library_fix *f,
                             int64_t *out_track_id)
{
    char bpm[32], key[32], meter[32], now[32];
    int64_t id;
    if (out_track_id)
        *out_track_id = -1;
    mood_status s = fix_values(f, bpm, key, meter, sizeof bpm);
    if (s == MOOD_OK)
        s = mood__library_migrate(cat);
    if (s == MOOD_OK)
        s = mood__library_resolve(cat, track, &id);
    if (s != MOOD_OK)
        return s;
    mood__utc_now(now, sizeof now, NULL, 0);
    s = mood__db_begin(mood__catalog_dbh(cat));
    if (s != MOOD_OK)
        return s;
    s = drop_overrides(cat, id, f->clear & MOOD_FIX_ALL);
    if (s == MOOD_OK && bpm[0])
        s = put_override(cat, id, "tempo_bpm", bpm, now);
    if (s == MOOD_OK && key[0])
        s = put_override(cat, id, "key", key, now);
    if (s == MOOD_OK && meter[0])
        s = put_override(cat, id, "meter", meter, now);
    if (s == MOOD_OK)
        s = mood__db_commit(mood__catalog_dbh(cat));
    if (s != MOOD_OK) {
        mood__db_rollback(mood__catalog_dbh(cat));
        return s;
    }
    if (out_track_id)
        *out_track_id = id;
    return MOOD_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* The musical summary of one track                                                          */
/* ---------------------------------------------------------------------------------------- */

static int alt_key_of(const float *v)
{
    float k = v[MOOD_AF_KEY_ALT_INDEX];
    if (!isfinite(k) || k < 0 || k > 11 || !(v[MOOD_AF_KEY_ALT_CONFIDENCE] != 0))
        return -1;
    return (int)lrintf(k);
}

static int finite_int(float x)
{
    return isfinite(x) ? (int)lrintf(x) : 0;
}

/* Fill @p m from the analysed scalars @p v (MOOD_AF_COUNT) and the overrides @p o. */
static void musical_fill(mood_library_musical *m, float *v, const lib_override *o)
{
    m->analysed_tempo_bpm = v[MOOD_AF_TEMPO_BPM];
    mood__key_name(finite_int(v[MOOD_AF_KEY_INDEX]), finite_int(v[MOOD_AF_MODE]), m->analysed_key,
                   sizeof m->analysed_key);
    mood__meter_name(finite_int(v[MOOD_AF_BEATS_PER_BAR]), finite_int(v[MOOD_AF_COMPOUND_METER]),
                     m->analysed_meter, sizeof m->analysed_meter);
    mood__library_override_apply(o, v);
    m->user = o->set;
    m->tempo_bpm = v[MOOD_AF_TEMPO_BPM];
    m->tempo_confidence = v[MOOD_AF_TEMPO_CONFIDENCE];
    m->tempo_octave_confidence = v[MOOD_AF_TEMPO_OCTAVE_CONFIDENCE];
    m->tempo_alt_bpm = isfinite(v[MOOD_AF_TEMPO_ALT_BPM]) ? v[MOOD_AF_TEMPO_ALT_BPM] : 0.0f;
    m->tempo_alt_confidence = v[MOOD_AF_TEMPO_ALT_CONFIDENCE];
    m->tempo_changes = finite_int(v[MOOD_AF_TEMPO_CHANGES]);
    mood__meter_name(finite_int(v[MOOD_AF_BEATS_PER_BAR]), finite_int(v[MOOD_AF_COMPOUND_METER]),
                     m->meter, sizeof m->meter);
    m->key_index = finite_int(v[MOOD_AF_KEY_INDEX]);
    m->mode = finite_int(v[MOOD_AF_MODE]);
    m->key_confidence = v[MOOD_AF_KEY_CONFIDENCE];
    mood__key_name(m->key_index, m->mode, m->key, sizeof m->key);
    snprintf(m->camelot, sizeof m->camelot, "%s", mood_audio_camelot(m->key_index, m->mode));
    snprintf(m->open_key, sizeof m->open_key, "%s", mood_audio_open_key(m->key_index, m->mode));
    m->key_alt_index = alt_key_of(v);
    m->key_alt_mode = finite_int(v[MOOD_AF_KEY_ALT_MODE]);
    m->key_alt_confidence = m->key_alt_index >= 0 ? v[MOOD_AF_KEY_ALT_CONFIDENCE] : 0.0f;
    mood__key_name(m->key_alt_index, m->key_alt_mode, m->key_alt, sizeof m->key_alt);
    snprintf(m->key_alt_camelot, sizeof m->key_alt_camelot, "%s",
             mood_audio_camelot(m->key_alt_index, m->key_alt_mode));
    m->key_segments = finite_int(v[MOOD_AF_KEY_CHANGES]) + 1;
    m->tuning_hz = isfinite(v[MOOD_AF_TUNING_HZ]) ? v[MOOD_AF_TUNING_HZ] : 0.0f;
}

/* The analysed scalars of a blob column into @p v; 0 when absent or malformed. */
static int read_scalars(mood_db_stmt *st, int col, float *v)
{
    const void *x = mood__db_blob(st, col);
    if (!x || mood__db_bytes(st, col) != MOOD_AF_COUNT * (int)sizeof(float))
        return 0;
    memcpy(v, x, MOOD_AF_COUNT * sizeof(float));
    return 1;
}

mood_status mood_library_musical_get(mood_catalog *cat, const char *track,
                                     mood_library_musical *out)
{
    mood_db_stmt *st = NULL;
    int64_t id;
    memset(out, 0, sizeof *out);
    out->key_alt_index = -1;
    mood_status s = mood__library_migrate(cat);
    if (s == MOOD_OK)
        s = mood__library_resolve(cat, track, &id);
    if (s == MOOD_OK)
        s = prep(cat,
                 "SELECT t.path, t.title, t.status = 'ok' AND a.analysis_version = ?2, "
                 "fs.data, " LIB_OVERRIDE_COLS
                 " FROM tracks t LEFT JOIN analyses a ON a.track_id = t.id "
                 "LEFT JOIN feature_vectors fs ON fs.track_id = t.id AND fs.kind = 'scalars' "
                 "WHERE t.id = ?1",
                 &st);
    if (s != MOOD_OK)
        return s;
    mood__db_bind_int64(st, 1, id);
    mood__db_bind_int64(st, 2, MOOD_AUDIO_ANALYSIS_VERSION);
    float v[MOOD_AF_COUNT];
    if (mood__db_step_rc(st) != MOOD_DB_ROW) {
        s = mood__catalog_error(cat, "library: read track");
    } else {
        const char *path = mood__db_col_text(st, 0);
        const char *title = mood__db_col_text(st, 1);
        out->track_id = id;
        snprintf(out->path, sizeof out->path, "%s", path ? path : "");
        snprintf(out->title, sizeof out->title, "%s", title ? title : "");
        if (!mood__db_col_int(st, 2) || !read_scalars(st, 3, v)) {
            s = mood__error(MOOD_EFORMAT,
                            "library: %s is not analysed with this version (failed or outdated: "
                            "run moodscope analyze)",
                            out->path);
        } else {
            lib_override o;
            mood__library_override_read(st, 4, &o);
            musical_fill(out, v, &o);
        }
    }
    mood__db_finalize(st);
    return s;
}

/* ---------------------------------------------------------------------------------------- */
/* Doubtful values                                                                           */
/* ---------------------------------------------------------------------------------------- */

typedef struct doubt {
    int64_t id;
    char *path, *title;
    int is_key;
    char value[40], alt[40];
    float conf, alt_conf, certainty;
} doubt;

typedef struct doubt_list {
    doubt *d;
    size_t n, cap;
} doubt_list;

/*
 * Certainty of a value on the scale "1 = just at the limits": its confidence over the
 * threshold, and the margin by which the runner-up lost (1 - closeness) over the margin
 * limit. Doubtful below 1.
 */
static float certainty_of(double conf, double closeness, const mood_library_doubtful_options *o)
{
    double c = isfinite(conf) ? conf / o->threshold : 0;
    if (closeness > 0 && isfinite(closeness)) {
        double m = (1.0 - closeness) / o->margin;
        c = m < c ? m : c;
    }
    return (float)c;
}

static void tempo_doubt(const float *v, const mood_library_doubtful_options *o, doubt *d)
{
    float alt = v[MOOD_AF_TEMPO_ALT_BPM];
    int has_alt = isfinite(alt) && alt > 0;
    double conf = v[MOOD_AF_TEMPO_CONFIDENCE];
    /* The octave confidence counts once the analysis names an alternative metrical level. */
    if (has_alt && (double)v[MOOD_AF_TEMPO_OCTAVE_CONFIDENCE] < conf)
        conf = v[MOOD_AF_TEMPO_OCTAVE_CONFIDENCE];
    d->is_key = 0;
    d->conf = (float)conf;
    d->alt_conf = has_alt ? v[MOOD_AF_TEMPO_ALT_CONFIDENCE] : 0.0f;
    snprintf(d->value, sizeof d->value, "%.1f BPM", (double)v[MOOD_AF_TEMPO_BPM]);
    d->alt[0] = '\0';
    if (has_alt)
        snprintf(d->alt, sizeof d->alt, "%.1f BPM", (double)alt);
    d->certainty = certainty_of(conf, d->alt_conf, o);
}

static void key_doubt(const float *v, const mood_library_doubtful_options *o, doubt *d)
{
    char name[16];
    int k = finite_int(v[MOOD_AF_KEY_INDEX]), m = finite_int(v[MOOD_AF_MODE]);
    int ak = alt_key_of(v), am = finite_int(v[MOOD_AF_KEY_ALT_MODE]);
    double conf = v[MOOD_AF_KEY_CONFIDENCE];
    d->is_key = 1;
    d->conf = (float)conf;
    d->alt_conf = ak >= 0 ? v[MOOD_AF_KEY_ALT_CONFIDENCE] : 0.0f;
    mood__key_name(k, m, name, sizeof name);
    snprintf(d->value, sizeof d->value, "%s %s", name, mood_audio_camelot(k, m));
    d->alt[0] = '\0';
    if (ak >= 0) {
        mood__key_name(ak, am, name, sizeof name);
        snprintf(d->alt, sizeof d->alt, "%s %s", name, mood_audio_camelot(ak, am));
    }
    /* The runner-up's confidence is on the key's scale: how close it came is their ratio. */
    double closeness = ak >= 0 && conf > 0 ? (double)d->alt_conf / conf : 0;
    d->certainty = certainty_of(conf, closeness, o);
}

static mood_status doubt_push(doubt_list *l, const doubt *d, mood_db_stmt *st)
{
    doubt *nd = mood__grow(l->d, &l->cap, l->n + 1, sizeof *nd, 64);
    if (!nd)
        return mood__enomem("library doubtful");
    l->d = nd;
    doubt *x = &l->d[l->n];
    *x = *d;
    const char *path = mood__db_col_text(st, 1);
    const char *title = mood__db_col_text(st, 2);
    x->path = mood__strdup(path ? path : "");
    x->title = mood__strdup(title ? title : "");
    l->n++;
    if (!x->path || !x->title)
        return mood__enomem("library doubtful");
    return MOOD_OK;
}

static void doubt_list_free(doubt_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        mood__free(l->d[i].path);
        mood__free(l->d[i].title);
    }
    mood__free(l->d);
}

/* Most doubtful first; ties by track id, tempo before key, so the order is reproducible. */
static int doubt_cmp(const void *a, const void *b)
{
    const doubt *x = a, *y = b;
    if (x->certainty != y->certainty)
        return x->certainty < y->certainty ? -1 : 1;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->is_key - y->is_key;
}

/* Every doubtful value of the analysed tracks (under @p o->under) into @p l. */
static mood_status doubt_collect(mood_catalog *cat, const mood_library_doubtful_options *o,
                                 doubt_list *l)
{
    mood_db_stmt *st = NULL;
    mood_status s =
        prep(cat,
             "SELECT t.id, t.path, t.title, fs.data, " LIB_OVERRIDE_COLS
             " FROM tracks t JOIN analyses a ON a.track_id = t.id "
             "JOIN feature_vectors fs ON fs.track_id = t.id AND fs.kind = 'scalars' "
             "WHERE t.status = 'ok' AND a.analysis_version = ?1 AND "
             "(CAST(?2 AS TEXT) IS NULL OR substr(t.path, 1, length(?2)) = ?2) ORDER BY t.id",
             &st);
    if (s != MOOD_OK)
        return s;
    mood__db_bind_int64(st, 1, MOOD_AUDIO_ANALYSIS_VERSION);
    mood__db_bind_text(st, 2, o->under); /* NULL binds NULL: every track */
    int rc = mood__db_step_rc(st);
    for (; rc == MOOD_DB_ROW && s == MOOD_OK; rc = mood__db_step_rc(st)) {
        float v[MOOD_AF_COUNT];
        lib_override ov;
        doubt d;
        if (!read_scalars(st, 3, v))
            continue;
        mood__library_override_read(st, 4, &ov);
        d.id = mood__db_col_int64(st, 0);
        tempo_doubt(v, o, &d);
        if (!(ov.set & MOOD_FIX_TEMPO) && d.certainty < 1.0f)
            s = doubt_push(l, &d, st);
        key_doubt(v, o, &d);
        if (s == MOOD_OK && !(ov.set & MOOD_FIX_KEY) && d.certainty < 1.0f)
            s = doubt_push(l, &d, st);
    }
    if (s == MOOD_OK && rc != MOOD_DB_DONE && rc != MOOD_DB_ROW)
        s = mood__catalog_error(cat, "library doubtful");
    mood__db_finalize(st);
    return s;
}

/* The table of mood_library_doubtful() from the first @p n entries of @p l. */
static mood_status doubt_table(const doubt_list *l, size_t n, mood_table **out)
{
    static const char *const tn[6] = {"track_id", "path", "title", "field", "value", "alternative"};
    static const char *const nn[3] = {"confidence", "alt_confidence", "certainty"};
    mood_table *t = NULL;
    char(*ids)[24] = mood__malloc_array(n ? n : 1, sizeof *ids);
    const char **colv = mood__malloc_array(n ? n : 1, sizeof(char *));
    float *colf = mood__malloc_array(n ? n : 1, sizeof(float));
    mood_status s = ids && colv && colf ? mood_table_create(n, &t) : mood__enomem("doubtful");
    for (int c = 0; c < 6 && s == MOOD_OK; c++) {
        for (size_t i = 0; i < n; i++) {
            const doubt *d = &l->d[i];
            snprintf(ids[i], sizeof ids[i], "%lld", (long long)d->id);
            const char *cols[6] = {ids[i],   d->path, d->title, d->is_key ? "key" : "tempo",
                                   d->value, d->alt};
            colv[i] = cols[c];
        }
        s = mood_table_add_str(t, tn[c], colv);
    }
    for (int c = 0; c < 3 && s == MOOD_OK; c++) {
        for (size_t i = 0; i < n; i++)
            colf[i] = c == 0 ? l->d[i].conf : c == 1 ? l->d[i].alt_conf : l->d[i].certainty;
        s = mood_table_add_num(t, nn[c], colf);
    }
    mood__free(ids);
    mood__free(colv);
    mood__free(colf);
    if (s != MOOD_OK) {
        mood_table_destroy(t);
        t = NULL;
    }
    *out = t;
    return s;
}

mood_status mood_library_doubtful(mood_catalog *cat, const mood_library_doubtful_options *o,
                                  mood_table **out)
{
    mood_library_doubtful_options def;
    doubt_list l = {0};
    *out = NULL;
    if (!o) {
        mood_library_doubtful_options_default(&def);
        o = &def;
    }
    if (!(o->threshold > 0 && o->threshold <= 1) || !(o->margin > 0 && o->margin <= 1))
        return mood__error(MOOD_EINVAL,
                           "library doubtful: threshold %g and margin %g must be in (0, 1]",
                           o->threshold, o->margin);
    mood_status s = mood__library_migrate(cat);
    if (s == MOOD_OK)
        s = doubt_collect(cat, o, &l);
    if (s == MOOD_OK) {
        if (l.n > 1)
            qsort(l.d, l.n, sizeof *l.d, doubt_cmp);
        size_t n = o->limit && o->limit < l.n ? o->limit : l.n;
        s = doubt_table(&l, n, out);
    }
    doubt_list_free(&l);
    return s;
}
