/*
 * Names of keys: "C major", Camelot ("8B"), Open Key ("1d"), and the parser that accepts any of
 * them (plus "Am", "F#m", "Bb major") for `library set --key`.
 */
#include "audio_internal.h"

#include "../core/internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const pc_names[12] = {"C",  "C#", "D",  "D#", "E",  "F",
                                         "F#", "G",  "G#", "A",  "A#", "B"};

const char *mood__pitch_class_name(int pc)
{
    return pc >= 0 && pc < 12 ? pc_names[pc] : "";
}

void mood__key_name(int key_index, int mode, char *buf, size_t cap)
{
    if (key_index < 0 || key_index > 11) {
        snprintf(buf, cap, "%s", "");
        return;
    }
    snprintf(buf, cap, "%s %s", pc_names[key_index], mode ? "major" : "minor");
}

const char *mood_audio_camelot(int key_index, int mode)
{
    static const char *const major[12] = {"8B", "3B", "10B", "5B",  "12B", "7B",
                                          "2B", "9B", "4B",  "11B", "6B",  "1B"};
    static const char *const minor[12] = {"5A",  "12A", "7A", "2A", "9A", "4A",
                                          "11A", "6A",  "1A", "8A", "3A", "10A"};
    if (key_index < 0 || key_index > 11)
        return "";
    return mode ? major[key_index] : minor[key_index];
}

const char *mood_audio_open_key(int key_index, int mode)
{
    /* Open Key numbers C major and A minor 1, then up the circle of fifths. */
    static const char *const major[12] = {"1d", "8d", "3d", "10d", "5d",  "12d",
                                          "7d", "2d", "9d", "4d",  "11d", "6d"};
    static const char *const minor[12] = {"10m", "5m",  "12m", "7m", "2m", "9m",
                                          "4m",  "11m", "6m",  "1m", "8m", "3m"};
    if (key_index < 0 || key_index > 11)
        return "";
    return mode ? major[key_index] : minor[key_index];
}

/* "C", "c#", "Db", "A" ...: pitch class of a note name at @p s; *len gets the chars used. */
static int parse_note(const char *s, size_t *len)
{
    static const int base[7] = {9, 11, 0, 2, 4, 5, 7}; /* A..G */
    int c = toupper((unsigned char)s[0]);
    if (c < 'A' || c > 'G')
        return -1;
    int pc = base[c - 'A'];
    *len = 1;
    if (s[1] == '#' || s[1] == 's') {
        pc = (pc + 1) % 12;
        *len = 2;
    } else if (s[1] == 'b') {
        pc = (pc + 11) % 12;
        *len = 2;
    }
    return pc;
}

/* Camelot ("8B", "5A") or Open Key ("1d", "10m"). */
static int parse_wheel(const char *s, int *key, int *mode)
{
    char *end;
    long n = strtol(s, &end, 10);
    if (end == s || n < 1 || n > 12 || end[1] != '\0')
        return 0;
    char w = (char)tolower((unsigned char)end[0]);
    for (int k = 0; k < 12; k++) {
        for (int m = 0; m < 2; m++) {
            const char *code =
                (w == 'a' || w == 'b') ? mood_audio_camelot(k, m) : mood_audio_open_key(k, m);
            if (strtol(code, NULL, 10) == n &&
                tolower((unsigned char)code[strlen(code) - 1]) == w) {
                *key = k;
                *mode = m;
                return 1;
            }
        }
    }
    return 0;
}

mood_status mood_audio_parse_key(const char *name, int *out_key_index, int *out_mode)
{
    size_t len = 0;
    if (!name || !*name)
        return mood__error(MOOD_EINVAL, "key: empty key name");
    if (isdigit((unsigned char)name[0])) {
        if (parse_wheel(name, out_key_index, out_mode))
            return MOOD_OK;
        return mood__error(MOOD_EINVAL,
                           "key: '%s' is not a Camelot (1A..12B) or Open Key (1d..12m) code", name);
    }
    int pc = parse_note(name, &len);
    if (pc < 0)
        return mood__error(MOOD_EINVAL, "key: '%s' does not start with a note name A..G", name);
    const char *rest = name + len;
    while (*rest == ' ')
        rest++;
    int mode;
    if (!*rest || !strcmp(rest, "major") || !strcmp(rest, "maj") || !strcmp(rest, "M"))
        mode = 1;
    else if (!strcmp(rest, "m") || !strcmp(rest, "minor") || !strcmp(rest, "min"))
        mode = 0;
    else
        return mood__error(MOOD_EINVAL,
                           "key: '%s': expected 'major', 'minor' or 'm' after the note", name);
    *out_key_index = pc;
    *out_mode = mode;
    return MOOD_OK;
}
