/**
 * @file fileio.h
 * @brief Atomic file and directory writes: a failure never leaves a half-written output.
 *
 * A file is written to a temporary name beside its destination, flushed, fsync'd and renamed
 * over the destination only on commit:
 * @code
 * mood_atomic_file *af;
 * FILE *fp;
 * if (mood_atomic_open("runs/x/model.json", &af, &fp) != MOOD_OK) return ...;
 * fprintf(fp, "...");
 * return mood_atomic_commit(af);   // or mood_atomic_abort(af) on error
 * @endcode
 */
#ifndef MOODSCOPE_FILEIO_H
#define MOODSCOPE_FILEIO_H

#include "status.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mood_atomic_file mood_atomic_file;

/**
 * @brief Open a temporary file beside @p path for writing.
 * @param out receives the handle; @p out_fp the stream to write to (owned by the handle).
 * @return ::MOOD_EIO naming the path and the system error.
 */
MOOD_API mood_status mood_atomic_open(const char *path, mood_atomic_file **out, FILE **out_fp);
/** @brief Flush, fsync and rename over the destination; releases the handle in every case. */
MOOD_API mood_status mood_atomic_commit(mood_atomic_file *af);
/** @brief Remove the temporary file and release the handle; accepts NULL. */
MOOD_API void mood_atomic_abort(mood_atomic_file *af);
/** @brief Write @p len bytes to @p path atomically. */
MOOD_API mood_status mood_atomic_write(const char *path, const void *data, size_t len);

/** @brief mkdir -p: create @p path and its parents (mode 0755). Existing directories are fine. */
MOOD_API mood_status mood_mkdirs(const char *path);
/** @brief Remove a directory tree (for abandoning a temporary run directory). */
MOOD_API mood_status mood_rmtree(const char *path);
/**
 * @brief Rename directory @p tmp_dir to @p final_dir, which must not exist yet
 * (publishing a run or snapshot that was assembled under a temporary name).
 */
MOOD_API mood_status mood_dir_publish(const char *tmp_dir, const char *final_dir);
/** @brief Non-zero when @p path exists (any type). */
MOOD_API int mood_path_exists(const char *path);
/**
 * @brief Read a whole file into a NUL-terminated buffer.
 * @param out receives the buffer (release with mood_free()); @p out_len its length, or NULL.
 */
MOOD_API mood_status mood_read_file(const char *path, char **out, size_t *out_len);

#ifdef __cplusplus
}
#endif
#endif
