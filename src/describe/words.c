/*
 * The vocabulary that turns a group's strongest traits into words: "energy" above the mean reads
 * "energetic", below it "calm". Feature names come from real exports (Spotify's audio features,
 * librosa/GTZAN summaries, listening-history behaviour, moodscope's own analyzer), so a name is
 * matched case-insensitively, first exactly against every entry and then by containment
 * ("avg_energy", "Energy_mean"). Short, ambiguous patterns such as "rms" or "mode" must match a
 * whole token (delimited by anything that is not a letter or digit) so that "model_score" does
 * not read as a musical mode. Entries are ordered from specific to general ("loudness_range"
 * before "loudness", "session_length" before "length").
 */
#include "describe_internal.h"

#include <ctype.h>
#include <string.h>

typedef struct vocab_entry {
    const char *patterns[6]; /* NULL-terminated */
    const char *high, *low;  /* NULL: no word for that direction */
    int token;               /* 1: patterns must match whole tokens when contained */
    int anonymous;           /* 1: no words; always "high <name>" / "low <name>" */
} vocab_entry;

static const vocab_entry vocab[] = {
    /* Spread statistics first, so that "energy_std" reads as variability, not as energy. */
    {{"_std", "std_", "_sd", "stdev", "_variance", NULL}, "changeable", "steady", 0, 0},
    {{"user_initiated", "initiated", "clickrow", NULL}, "deliberate", "autoplayed", 0, 0},
    {{"shuffle", NULL}, "shuffled", "in order", 0, 0},
    {{"weekend", NULL}, "weekend", "weekday", 1, 0},
    {{"onset_rate", "onset_density", "onsets_per", NULL}, "rhythmic", "sparse", 0, 0},
    {{"percussive", NULL}, "percussive", "smooth", 0, 0},
    {{"tracks_per_hour", "tracks_per_h", "tph", NULL}, "busy", "unhurried", 0, 0},
    {{"session_length", "session_duration", "session_len", "session_minutes", "session_tracks",
      NULL},
     "long sessions",
     "short sessions",
     0,
     0},
    {{"loudness_range", "dynamic_range", "dynamic_complexity", "lra", "crest", NULL},
     "dynamic",
     "compressed",
     1,
     0},
    {{"skip", NULL}, "restless", "attentive", 0, 0},
    {{"repeat", NULL}, "repetitive", "varied", 0, 0},
    {{"completion", "completed", "listen_ratio", "played_ratio", NULL},
     "full listens",
     "partial listens",
     0,
     0},
    {{"entropy", NULL}, "irregular", "regular", 0, 0},
    {{"sessions_per_day", "tracks_per_day", "plays_per_day", "per_day", "per_week", NULL},
     "frequent",
     "occasional",
     0,
     0},
    {{"hour", "hour_of_day", "time_of_day", NULL}, "late", "early", 1, 0},
    {{"danceability", "danceable", "dance", NULL}, "danceable", "still", 0, 0},
    {{"energy", "arousal", NULL}, "energetic", "calm", 0, 0},
    {{"valence", "positivity", "happiness", NULL}, "happy", "melancholic", 0, 0},
    {{"acousticness", "acoustic", NULL}, "acoustic", "electronic", 0, 0},
    {{"instrumentalness", "instrumental", NULL}, "instrumental", "vocal", 0, 0},
    {{"speechiness", "speech", NULL}, "wordy", NULL, 0, 0},
    {{"liveness", NULL}, "live", "studio", 0, 0},
    {{"loudness", "lufs", NULL}, "loud", "quiet", 0, 0},
    {{"rms", "rmse", "rms_energy", NULL}, "loud", "soft", 1, 0},
    {{"tempo", "bpm", NULL}, "fast", "slow", 1, 0},
    {{"spectral_centroid", "centroid_mean", "brightness", "rolloff", NULL}, "bright", "dark", 0, 0},
    {{"zero_crossing", "zcr", NULL}, "noisy", "smooth", 1, 0},
    {{"bandwidth", NULL}, "rich", "thin", 0, 0},
    {{"duration", "length", NULL}, "long", "short", 0, 0},
    {{"popularity", "popular", "playcount", "play_count", "plays", NULL}, "popular", "niche", 1, 0},
    {{"mode", NULL}, "major", "minor", 1, 0},
    {{"year", "release_year", NULL}, "recent", "older", 1, 0},
    {{"time_signature", "time_sig", "meter", NULL}, "odd-time", "triple-time", 0, 0},
    /* A key number (0 = C ... 11 = B) has no "more" or "less": traits show it, names skip it. */
    {{"key", NULL}, NULL, NULL, 1, 0},
    /* Coefficients whose direction has no everyday meaning keep their own names. */
    {{"mfcc", "chroma", NULL}, NULL, NULL, 1, 1},
};

#define N_VOCAB (sizeof vocab / sizeof vocab[0])

static void lower_copy(const char *s, char *out, size_t cap)
{
    size_t i = 0;
    for (; s[i] && i + 1 < cap; i++)
        out[i] = (char)tolower((unsigned char)s[i]);
    out[i] = '\0';
}

/* Does @p pat occur in @p name, on token boundaries when @p token is set? */
static int contains(const char *name, const char *pat, int token)
{
    size_t lp = strlen(pat);
    for (const char *p = strstr(name, pat); p; p = strstr(p + 1, pat)) {
        if (!token)
            return 1;
        int left_ok = p == name || !isalnum((unsigned char)p[-1]);
        int right_ok = !isalnum((unsigned char)p[lp]);
        if (left_ok && right_ok)
            return 1;
    }
    return 0;
}

static const vocab_entry *lookup(const char *name)
{
    char low[256];
    lower_copy(name, low, sizeof low);
    for (size_t e = 0; e < N_VOCAB; e++)
        for (const char *const *p = vocab[e].patterns; *p; p++)
            if (strcmp(low, *p) == 0)
                return &vocab[e];
    for (size_t e = 0; e < N_VOCAB; e++)
        for (const char *const *p = vocab[e].patterns; *p; p++)
            if (contains(low, *p, vocab[e].token))
                return &vocab[e];
    return NULL;
}

feature_word_kind mood__feature_word(const char *name, int high, char *buf, size_t cap)
{
    const vocab_entry *e = lookup(name);
    if (cap)
        buf[0] = '\0';
    if (e && !e->anonymous) {
        const char *w = high ? e->high : e->low;
        if (!w)
            return MOOD_WORD_NONE;
        snprintf(buf, cap, "%s", w);
        return MOOD_WORD_KNOWN;
    }
    snprintf(buf, cap, "%s %s", high ? "high" : "low", name);
    return MOOD_WORD_GENERIC;
}

/* ------------------------------------------------------------ text helpers */

void mood__csv_field(FILE *fp, const char *s)
{
    if (!s)
        s = "";
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

size_t mood__utf8_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    return w;
}

void mood__print_padded(FILE *fp, const char *s, size_t width)
{
    size_t w = mood__utf8_width(s);
    fputs(s, fp);
    for (; w < width; w++)
        fputc(' ', fp);
}
