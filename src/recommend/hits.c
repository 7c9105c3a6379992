/*
 * Writing recommendation results as CSV, TSV or JSON (the data a command prints on stdout and
 * the web API returns). JSON goes through jansson so that every title is escaped correctly.
 */
#include "../core/internal.h"
#include "rec_internal.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* One CSV/TSV cell: quoted when it holds the separator, a quote or a line break. */
static void cell(FILE *fp, const char *v, char sep)
{
    if (sep == '\t') {
        for (; *v; v++)
            fputc(*v == '\t' || *v == '\n' || *v == '\r' ? ' ' : *v, fp);
        return;
    }
    if (!strpbrk(v, ",\"\n\r")) {
        fputs(v, fp);
        return;
    }
    fputc('"', fp);
    for (; *v; v++) {
        if (*v == '"')
            fputc('"', fp);
        fputc(*v, fp);
    }
    fputc('"', fp);
}

mood_status mood_hits_write(FILE *fp, const mood_space *s, const mood_hit *hits, size_t n,
                            const char *format)
{
    int with_path = s->c_path != SIZE_MAX;
    if (!format || strcmp(format, "csv") == 0 || strcmp(format, "tsv") == 0) {
        char sep = format && strcmp(format, "tsv") == 0 ? '\t' : ',';
        fprintf(fp, "rank%cid%cartist%ctitle%cdistance%cscore%creasons%s\n", sep, sep, sep, sep,
                sep, sep, with_path ? (sep == ',' ? ",path" : "\tpath") : "");
        for (size_t i = 0; i < n; i++) {
            size_t r = hits[i].row;
            fprintf(fp, "%zu%c", i + 1, sep);
            cell(fp, mood_space_id(s, r), sep);
            fputc(sep, fp);
            cell(fp, mood_space_artist(s, r), sep);
            fputc(sep, fp);
            cell(fp, mood_space_title(s, r), sep);
            fprintf(fp, "%c%.6g%c%.6g%c", sep, (double)hits[i].distance, sep, (double)hits[i].score,
                    sep);
            cell(fp, hits[i].reasons, sep);
            if (with_path) {
                fputc(sep, fp);
                cell(fp, mood_space_path(s, r), sep);
            }
            fputc('\n', fp);
        }
    } else if (strcmp(format, "json") == 0) {
        json_t *arr = json_array();
        char *text;
        if (!arr)
            return mood__enomem("json");
        for (size_t i = 0; i < n; i++) {
            size_t r = hits[i].row;
            json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:f, s:f, s:s}", "rank", (json_int_t)i + 1,
                                  "id", mood_space_id(s, r), "artist", mood_space_artist(s, r),
                                  "title", mood_space_title(s, r), "distance",
                                  isfinite(hits[i].distance) ? (double)hits[i].distance : 0.0,
                                  "score", isfinite(hits[i].score) ? (double)hits[i].score : 0.0,
                                  "reasons", hits[i].reasons);
            if (!o) {
                json_decref(arr);
                return mood__enomem("json");
            }
            if (with_path)
                json_object_set_new(o, "path", json_string(mood_space_path(s, r)));
            json_array_append_new(arr, o);
        }
        text = json_dumps(arr, JSON_INDENT(2));
        json_decref(arr);
        if (!text)
            return mood__enomem("json");
        fputs(text, fp);
        fputc('\n', fp);
        free(text);
    } else {
        return mood__error(MOOD_EINVAL, "format: expected csv, tsv or json, found '%s'", format);
    }
    if (ferror(fp))
        return mood__error(MOOD_EIO, "writing results failed");
    return MOOD_OK;
}
