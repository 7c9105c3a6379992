/*
 * Private pieces of the tags subsystem: the TagLib bridge (taglib_io.cc, C++ behind a C
 * interface) and the per-container field spellings. Never installed.
 */
#ifndef MOOD_TAGS_INTERNAL_H
#define MOOD_TAGS_INTERNAL_H

#include <moodscope/tags.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Results of the TagLib bridge. */
enum {
    MOOD__TAGLIB_OK = 0,
    MOOD__TAGLIB_INVALID = -1,    /* TagLib does not accept the file as its container */
    MOOD__TAGLIB_SAVE = -2,       /* TagLib could not save */
    MOOD__TAGLIB_NOMEM = -3,      /* an allocation (std::bad_alloc) failed */
    MOOD__TAGLIB_OPEN = -4,       /* the file cannot be opened (err has the system error) */
    MOOD__TAGLIB_UNSUPPORTED = -5 /* writing would lose other metadata: refused */
};

/*
 * Read the moodscope fields of @p path, a file of container @p fmt, into @p out (cleared
 * first). On failure @p err (capacity @p cap) gets a short reason. C++ exceptions never leave.
 */
int mood__taglib_read(const char *path, mood_tag_format fmt, mood_tag_set *out, char *err,
                      size_t cap);
/* open(2) for reading with O_NOATIME where permitted (the file's owner, root); -1 + errno. */
int mood__open_noatime(const char *path);
/*
 * Set the non-empty fields of @p changes in @p path in place and save (ID3v2.4 for MP3). With
 * @p changes NULL, only check that the file can be written without losing other metadata.
 */
int mood__taglib_write(const char *path, mood_tag_format fmt, const mood_tag_set *changes,
                       char *err, size_t cap);

/* The mood_status (with message naming @p path) of a failed bridge call @p rc. */
mood_status mood__tags_bridge_status(int rc, const char *path, const char *err);

#ifdef __cplusplus
}
#endif
#endif
