/*
 * `moodscope library export --format rekordbox FILE.xml | --format mixxx FILE.m3u`: the
 * analysed library for DJ software (the writers are in src/tags/dj_export.c).
 */
#include "cli_library_tags.h"

#include <moodscope/table.h>

#include <string.h>

int mood_cli_library_export_dj(const mood_cli_tags_options *o, const char *file)
{
    mood_catalog *cat;
    mood_table *t;
    int rekordbox = strcmp(o->com.format, "rekordbox") == 0;
    if (mood_catalog_open(o->com.catalog, &cat) != MOOD_OK)
        return mood_cli_fail("library: catalog");
    int rc = mood_cli_tags_load(cat, o, NULL, 0, &t);
    mood_catalog_close(cat);
    if (rc != MOOD_EXIT_OK)
        return rc;
    mood_status s =
        rekordbox ? mood_dj_export_rekordbox(t, o->notation, file) : mood_dj_export_m3u(t, file);
    size_t n = mood_table_rows(t);
    mood_table_destroy(t);
    if (s != MOOD_OK)
        return mood_cli_fail("library export: %s", file);
    if (rekordbox)
        mood_cli_info("wrote %zu tracks to %s (Rekordbox: File > Import > rekordbox xml, or "
                      "Preferences > Advanced > rekordbox xml)",
                      n, file);
    else
        mood_cli_info("wrote %zu tracks to %s; Mixxx reads BPM and key from the files' tags: run "
                      "`moodscope library write-tags --apply` first, then import the playlist",
                      n, file);
    return MOOD_EXIT_OK;
}
