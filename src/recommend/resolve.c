/*
 * Finding the track a user means: by id, by path, or by "artist - title" text normalised the
 * way music libraries need (accents, "feat." credits, remaster and live suffixes), with a
 * close-spelling fallback. Hand-written because no Debian library knows these music-specific
 * rules; the edit distance is the textbook two-row dynamic programme.
 */
#include "../core/internal.h"
#include "rec_internal.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Latin-1 supplement letters (U+00C0..U+00FF) folded to ASCII; "" keeps the byte pair. */
static const char *const latin1_fold[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y"};

/* Words that mark a version of the same recording rather than a different song. */
static const char *const version_words[] = {
    "remaster", "live",   "feat",  "ft.",    "featuring",   "version", "edit",        "mono",
    "stereo",   "deluxe", "bonus", "single", "anniversary", "with ",   "re-recorded", NULL};

static int has_version_word(const char *s, size_t len)
{
    char buf[512];
    if (len >= sizeof buf)
        len = sizeof buf - 1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    for (size_t k = 0; version_words[k]; k++)
        if (strstr(buf, version_words[k]))
            return 1;
    return 0;
}

/* Lower case and fold accents into @p out. */
static void fold(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)in;
    while (*p && o + 3 < cap) {
        if (*p == 0xC3 && p[1] >= 0x80 && p[1] <= 0xBF) {
            const char *f = latin1_fold[p[1] - 0x80];
            if (f[0]) {
                while (*f && o + 3 < cap)
                    out[o++] = *f++;
                p += 2;
                continue;
            }
        }
        out[o++] = (char)tolower(*p);
        p++;
    }
    out[o] = '\0';
}

void mood_text_normalize(const char *in, char *out, size_t cap)
{
    char a[1024], b[1024];
    size_t o = 0;
    if (cap == 0)
        return;
    fold(in ? in : "", a, sizeof a);
    /* Drop bracketed version notes: "(2011 Remaster)", "[Live at Wembley]", "(feat. X)". */
    for (size_t i = 0; a[i] && o + 1 < sizeof b;) {
        if (a[i] == '(' || a[i] == '[') {
            char close = a[i] == '(' ? ')' : ']';
            char *end = strchr(a + i, close);
            if (end && has_version_word(a + i, (size_t)(end - (a + i)))) {
                i = (size_t)(end - a) + 1;
                continue;
            }
        }
        b[o++] = a[i++];
    }
    b[o] = '\0';
    /* Drop a " - 2009 Remaster" / " - Live" suffix. */
    for (char *dash = strstr(b, " - "); dash; dash = strstr(dash + 3, " - ")) {
        if (has_version_word(dash, strlen(dash))) {
            *dash = '\0';
            break;
        }
    }
    /* Punctuation to spaces, "&" to "and", collapse spaces; cut at a bare "feat"/"ft" credit. */
    o = 0;
    for (size_t i = 0; b[i] && o + 5 < cap;) {
        unsigned char c = (unsigned char)b[i];
        if (c == '&') {
            if (o && out[o - 1] != ' ')
                out[o++] = ' ';
            memcpy(out + o, "and ", 4);
            o += 4;
            i++;
            continue;
        }
        if (c == '\'') { /* "don't" and "dont" are the same word */
            i++;
            continue;
        }
        if (c < 0x80 && !isalnum(c)) {
            if (o && out[o - 1] != ' ')
                out[o++] = ' ';
            i++;
            continue;
        }
        if (o == 0 || out[o - 1] == ' ') {
            static const char *const credits[] = {"feat ", "feat.",      "ft ",
                                                  "ft.",   "featuring ", NULL};
            int cut = 0;
            for (size_t k = 0; credits[k]; k++)
                if (strncmp(b + i, credits[k], strlen(credits[k])) == 0 && o > 0)
                    cut = 1;
            if (cut)
                break;
        }
        out[o++] = (char)c;
        i++;
    }
    while (o && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
}

int mood__same_song(const mood_space *s, size_t a, size_t b)
{
    if (!s->norm_title[a][0] || !s->norm_title[b][0])
        return 0;
    return strcmp(s->norm_title[a], s->norm_title[b]) == 0 &&
           strcmp(s->norm_artist[a], s->norm_artist[b]) == 0;
}

void mood__reason(char *buf, size_t cap, const char *fmt, ...)
{
    size_t len = strlen(buf);
    va_list ap;
    if (len && len + 2 < cap) {
        memcpy(buf + len, "; ", 3);
        len += 2;
    }
    if (len + 1 >= cap)
        return;
    va_start(ap, fmt);
    vsnprintf(buf + len, cap - len, fmt, ap);
    va_end(ap);
}

/* Levenshtein distance with two rows; strings are short (titles), so int rows are fine. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t row0[256], row1[256];
    if (la > 255)
        la = 255;
    if (lb > 255)
        lb = 255;
    for (size_t j = 0; j <= lb; j++)
        row0[j] = j;
    for (size_t i = 1; i <= la; i++) {
        row1[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = row0[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = row0[j] + 1, ins = row1[j - 1] + 1;
            row1[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(row0, row1, (lb + 1) * sizeof row0[0]);
    }
    return row0[lb];
}

static mood_status ambiguous(const mood_space *s, const char *query, const size_t *rows, size_t n)
{
    char list[1536] = "";
    size_t len = 0;
    for (size_t k = 0; k < n && k < 8; k++) {
        int w = snprintf(list + len, sizeof list - len, "%s%s: %s - %s", k ? "; " : "",
                         mood_space_id(s, rows[k]), mood_space_artist(s, rows[k]),
                         mood_space_title(s, rows[k]));
        if (w < 0 || (size_t)w >= sizeof list - len)
            break;
        len += (size_t)w;
    }
    return mood__error(MOOD_EINVAL, "'%s' is ambiguous: %zu tracks match (%s%s); give an id", query,
                       n, list, n > 8 ? "; ..." : "");
}

/* Collect rows satisfying a predicate level; returns the count (capped at cap). */
typedef int (*match_fn)(const mood_space *s, size_t i, const char *qa, const char *qt);

static int match_artist_title(const mood_space *s, size_t i, const char *qa, const char *qt)
{
    return qa[0] && strcmp(s->norm_artist[i], qa) == 0 && strcmp(s->norm_title[i], qt) == 0;
}

static int match_title_artist(const mood_space *s, size_t i, const char *qa, const char *qt)
{
    /* "Title - Artist" typed the other way round */
    return qa[0] && strcmp(s->norm_artist[i], qt) == 0 && strcmp(s->norm_title[i], qa) == 0;
}

static int match_title(const mood_space *s, size_t i, const char *qa, const char *qt)
{
    (void)qa;
    return qt[0] && strcmp(s->norm_title[i], qt) == 0;
}

static size_t collect(const mood_space *s, match_fn fn, const char *qa, const char *qt,
                      size_t *rows, size_t cap)
{
    size_t m = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (fn(s, i, qa, qt)) {
            if (m < cap)
                rows[m] = i;
            m++;
        }
    }
    return m;
}

/* Each stage below returns 1 when it decided (*st holds MOOD_OK with *out_row, or the
 * ambiguity error) and 0 when the next stage should try. */

/* The exact id, then the path as given or resolved. */
static int resolve_exact(const mood_space *s, const char *query, size_t *out_row)
{
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->ids[i], query) == 0) {
            *out_row = i;
            return 1;
        }
    }
    if (s->c_path != SIZE_MAX) {
        char abs[PATH_MAX];
        const char *rq = realpath(query, abs) ? abs : NULL;
        for (size_t i = 0; i < s->n; i++) {
            const char *p = mood_space_path(s, i);
            if (p[0] && (strcmp(p, query) == 0 || (rq && strcmp(p, rq) == 0))) {
                *out_row = i;
                return 1;
            }
        }
    }
    return 0;
}

/* Normalised "artist - title", "title - artist", then the title alone. One song listed twice
 * (album and compilation, a remaster) is not an ambiguity: take its first listing. */
static int resolve_levels(const mood_space *s, const char *query, const char *qa, const char *qt,
                          size_t *out_row, mood_status *st)
{
    static const match_fn levels[] = {match_artist_title, match_title_artist, match_title};
    size_t rows[16];
    for (size_t l = 0; l < 3; l++) {
        int all_same = 1;
        size_t m = collect(s, levels[l], qa, qt, rows, 16);
        if (m == 0)
            continue;
        for (size_t k = 1; k < m && k < 16; k++)
            all_same &= mood__same_song(s, rows[0], rows[k]);
        if (m <= 16 && all_same) {
            *out_row = rows[0];
            *st = MOOD_OK;
        } else {
            *st = ambiguous(s, query, rows, m);
        }
        return 1;
    }
    return 0;
}

/* A unique match among @p m rows decides; several are an ambiguity; none lets the next try. */
static int resolve_unique(const mood_space *s, const char *query, const size_t *rows, size_t m,
                          size_t *out_row, mood_status *st)
{
    if (m == 1) {
        *out_row = rows[0];
        *st = MOOD_OK;
        return 1;
    }
    if (m > 1) {
        *st = ambiguous(s, query, rows, m);
        return 1;
    }
    return 0;
}

/* A file name ("battle" for .../battle.ogg). */
static int resolve_file_name(const mood_space *s, const char *query, const char *qfull,
                             size_t *out_row, mood_status *st)
{
    size_t rows[16], m = 0;
    for (size_t i = 0; i < s->n; i++) {
        const char *p = mood_space_path(s, i), *base = strrchr(p, '/');
        char nb[512];
        base = base ? base + 1 : p;
        snprintf(nb, sizeof nb, "%s", base);
        if (strrchr(nb, '.'))
            *strrchr(nb, '.') = '\0';
        mood_text_normalize(nb, nb, sizeof nb);
        if (nb[0] && (strcmp(base, query) == 0 || strcmp(nb, qfull) == 0)) {
            if (m < 16)
                rows[m] = i;
            m++;
        }
    }
    return resolve_unique(s, query, rows, m, out_row, st);
}

/* A unique part of a title. */
static int resolve_title_part(const mood_space *s, const char *query, const char *qfull,
                              size_t *out_row, mood_status *st)
{
    size_t rows[16], m = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (strstr(s->norm_title[i], qfull) && (m == 0 || !mood__same_song(s, rows[0], i))) {
            if (m < 16)
                rows[m] = i;
            m++;
        }
    }
    return resolve_unique(s, query, rows, m, out_row, st);
}

/* Close spelling: the single best "artist title" within 20% edits. */
static int resolve_spelling(const mood_space *s, const char *query, const char *qfull,
                            int with_artist, size_t *out_row, mood_status *st)
{
    size_t rows[16], best = SIZE_MAX, best_d = SIZE_MAX, n_best = 0, lim;
    char cand[1024];
    for (size_t i = 0; i < s->n; i++) {
        size_t dd;
        if (with_artist)
            snprintf(cand, sizeof cand, "%s %s", s->norm_artist[i], s->norm_title[i]);
        else
            snprintf(cand, sizeof cand, "%s", s->norm_title[i]);
        dd = edit_distance(qfull, cand);
        if (dd < best_d) {
            best_d = dd;
            best = i;
            n_best = 1;
            rows[0] = i;
        } else if (dd == best_d && !mood__same_song(s, best, i)) {
            if (n_best < 16)
                rows[n_best] = i;
            n_best++;
        }
    }
    lim = strlen(qfull) / 5;
    if (best != SIZE_MAX && best_d <= lim) {
        if (n_best > 1)
            *st = ambiguous(s, query, rows, n_best);
        else {
            *out_row = best;
            *st = MOOD_OK;
        }
        return 1;
    }
    return 0;
}

/* Exact id, then path, then normalised text at three levels, then a close spelling. */
mood_status mood_space_resolve(const mood_space *s, const char *query, size_t *out_row)
{
    char qa[512] = "", qt[512] = "", qfull[1024];
    const char *dash;
    mood_status st = MOOD_OK;
    if (!query || !query[0])
        return mood__error(MOOD_EINVAL, "track: empty track name");
    if (resolve_exact(s, query, out_row))
        return MOOD_OK;
    mood_text_normalize(query, qfull, sizeof qfull);
    dash = strstr(query, " - ");
    if (dash) {
        char left[512];
        size_t ll = (size_t)(dash - query);
        if (ll >= sizeof left)
            ll = sizeof left - 1;
        memcpy(left, query, ll);
        left[ll] = '\0';
        mood_text_normalize(left, qa, sizeof qa);
        mood_text_normalize(dash + 3, qt, sizeof qt);
    } else {
        snprintf(qt, sizeof qt, "%s", qfull);
    }
    if (resolve_levels(s, query, qa, qt, out_row, &st))
        return st;
    if (!dash && s->c_path != SIZE_MAX && resolve_file_name(s, query, qfull, out_row, &st))
        return st;
    if (!dash && strlen(qfull) >= 3 && resolve_title_part(s, query, qfull, out_row, &st))
        return st;
    if (resolve_spelling(s, query, qfull, dash != NULL, out_row, &st))
        return st;
    return mood__error(MOOD_ENOTFOUND, "no track matches '%s' (by id, path or artist - title)",
                       query);
}
