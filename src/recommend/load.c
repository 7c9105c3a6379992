/*
 * The universal input of the recommenders: a track table read from a CSV export or exported
 * from the catalog's analysed tracks (one row per track, sim_* similarity vector included).
 */
#include "../core/internal.h"

#include <moodscope/catalog.h>
#include <moodscope/csv.h>
#include <moodscope/recommend.h>

#include <stdio.h>

#if defined(__has_include)
#if __has_include(<moodscope/library.h>)
#include <moodscope/library.h>
#define MOOD_HAVE_LIBRARY 1
#endif
#endif

mood_status mood_tracks_load(const char *table_csv, const char *catalog_path, mood_table **out)
{
    *out = NULL;
    if (table_csv)
        return mood_csv_read(table_csv, NULL, out);
    if (!catalog_path)
        return mood__error(MOOD_EINVAL, "tracks: give a table (--table) or a catalog");
#ifdef MOOD_HAVE_LIBRARY
    {
        mood_catalog *cat;
        mood_status st = mood_catalog_open(catalog_path, &cat);
        if (st != MOOD_OK)
            return st;
        st = mood_library_export_table(cat, out);
        mood_catalog_close(cat);
        if (st == MOOD_OK && mood_table_rows(*out) == 0) {
            mood_table_destroy(*out);
            *out = NULL;
            return mood__error(MOOD_ENOTFOUND,
                               "%s: the catalog has no analysed tracks (run moodscope analyze, "
                               "or pass --table FILE.csv)",
                               catalog_path);
        }
        return st;
    }
#else
    return mood__error(MOOD_EUNSUPPORTED,
                       "%s: reading tracks from the catalog needs the audio library; pass "
                       "--table FILE.csv",
                       catalog_path);
#endif
}

mood_status mood_tracks_open(const mood_tracks_source *src, mood_progress_fn progress, void *user,
                             mood_space **out_space, mood_index **out_index)
{
    mood_table *t = NULL;
    mood_space_options so;
    mood_index_options io;
    char graph[4096];
    mood_status st;
    *out_space = NULL;
    *out_index = NULL;
    st = mood_tracks_load(src->table_csv, src->catalog_path, &t);
    if (st != MOOD_OK)
        return st;
    mood_space_options_default(&so);
    so.features = src->features;
    so.metric = src->metric;
    st = mood_space_create(t, &so, out_space);
    mood_table_destroy(t);
    if (st != MOOD_OK)
        return st;
    mood_index_options_default(&io);
    io.force = src->index_mode;
    if (!src->table_csv && src->catalog_path) {
        /* the graph lives beside the catalog so that every command reuses and updates it */
        snprintf(graph, sizeof graph, "%s.hnsw", src->catalog_path);
        io.hnsw_path = graph;
    }
    st = mood_index_build(*out_space, &io, progress, user, out_index);
    if (st != MOOD_OK) {
        mood_space_destroy(*out_space);
        *out_space = NULL;
    }
    return st;
}
