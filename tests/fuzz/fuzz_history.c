/*
 * libFuzzer target for the listening-history imports (src/history/import_spotify.c,
 * import_lastfm.c, the time parser and the shared plays store): the input is written as an
 * export file, its format detected from the content, and imported into a real SQLite catalog
 * (re-created every 200 inputs so it stays small). Never crash or leak; a failure has a
 * message and adds nothing; the import report is consistent (each missing field counted at
 * most once per skipped row, merged plays among the duplicates).
 */
#include "fuzz_util.h"

#include <moodscope/catalog.h>
#include <moodscope/history.h>

static mood_catalog *cat;
static unsigned uses;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[600], db[600];
    mood_history_format fmt;
    mood_history_import_report r;
    mood_status s;
    snprintf(path, sizeof path, "%s/export.json", fuzz_dir());
    snprintf(db, sizeof db, "%s/catalog.db", fuzz_dir());
    if (!cat || ++uses % 200 == 0) {
        mood_catalog_close(cat);
        remove(db);
        fuzz_check(mood_catalog_open(db, &cat) == MOOD_OK, "catalog");
    }
    fuzz_write(path, data, size);
    s = mood_history_detect(path, &fmt);
    fuzz_error_named(s);
    memset(&r, 0, sizeof r);
    s = mood_history_import(cat, path, NULL, NULL, &r);
    fuzz_error_named(s);
    if (s == MOOD_OK) {
        fuzz_check(r.missing_essentials <= r.rows, "missing <= rows");
        fuzz_check(r.missing_time <= r.missing_essentials &&
                       r.missing_artist <= r.missing_essentials &&
                       r.missing_track <= r.missing_essentials,
                   "missing parts <= missing rows");
        fuzz_check(r.merged <= r.duplicates, "merged among duplicates");
        fuzz_check(r.kept_apart <= r.added, "kept-apart plays among the added");
        fuzz_check(r.added + r.duplicates + r.missing_essentials <= r.rows,
                   "every row counted at most once");
    }
    return 0;
}
