/**
 * @file tags.h
 * @brief Analysis results written back into audio files as tags (BPM, key, mood, energy,
 * valence), and the analysed library exported for DJ software (Rekordbox XML, an M3U for
 * Mixxx).
 * @code
 * mood_tag_set old, want, change;
 * mood_tags_read("song.flac", &old);                  // what the file holds now
 * mood_tags_wanted(table, row, MOOD_KEY_STANDARD, &want);  // from mood_library_export_table()
 * if (mood_tags_diff(&old, &want, 0, &change) > 0)
 *     mood_tags_write("song.flac", &change);           // atomic, audio checked unchanged
 * @endcode
 * Tags are read and written with TagLib (the C++ library: TagLib 1.13's C API, tag_c.h, has
 * only title, artist, album, comment, genre, year and track, so it cannot write TBPM, TKEY or
 * custom fields). Field spellings per container:
 *
 * - BPM: TBPM (integer) / BPM (at most 2 decimals) / tmpo (integer)
 * - INITIALKEY: TKEY / INITIALKEY / ----:com.apple.iTunes:initialkey
 * - MOOD: TMOO / MOOD / ----:com.apple.iTunes:MOOD
 * - MOODSCOPE_MOOD, MOODSCOPE_ENERGY, MOODSCOPE_VALENCE: TXXX frames with that description /
 *   fields of that name / ----:com.apple.iTunes: freeform atoms of that name
 *
 * (in MP3 ID3v2.4 / FLAC, Ogg Vorbis and Opus Vorbis comments / M4A atoms).
 *
 * Every other frame, comment or atom of a file is left as it is.
 */
#ifndef MOODSCOPE_TAGS_H
#define MOODSCOPE_TAGS_H

#include "status.h"
#include "table.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The fields moodscope writes, in the order they are listed and compared. */
typedef enum mood_tag_field {
    MOOD_TAG_BPM = 0,        /**< tempo */
    MOOD_TAG_KEY,            /**< initial key in the chosen notation */
    MOOD_TAG_MOOD,           /**< the standard mood field: written only when it is empty or
                                  still holds what moodscope wrote (MOODSCOPE_MOOD) */
    MOOD_TAG_MOODSCOPE_MOOD, /**< moodscope's own copy of the mood group name */
    MOOD_TAG_ENERGY,         /**< energy in [0, 1], 3 decimals */
    MOOD_TAG_VALENCE,        /**< valence in [0, 1], 3 decimals */
    MOOD_TAG_FIELD_COUNT
} mood_tag_field;

/** Longest field value kept, including the NUL. */
#define MOOD_TAG_VALUE_MAX 256

/** One value per field; an empty string means absent (read) or leave alone (write). */
typedef struct mood_tag_set {
    char value[MOOD_TAG_FIELD_COUNT][MOOD_TAG_VALUE_MAX];
} mood_tag_set;

/** Containers whose tags moodscope can read and write. */
typedef enum mood_tag_format {
    MOOD_TAG_FORMAT_UNKNOWN = 0,
    MOOD_TAG_FORMAT_MP3,  /**< MPEG audio with ID3v2 */
    MOOD_TAG_FORMAT_FLAC, /**< native FLAC with a Vorbis comment block */
    MOOD_TAG_FORMAT_OGG_VORBIS,
    MOOD_TAG_FORMAT_OPUS, /**< Ogg Opus (OpusTags) */
    MOOD_TAG_FORMAT_MP4   /**< MP4 / M4A (AAC, ALAC) with an ilst atom */
} mood_tag_format;

/** How keys are spelt. */
typedef enum mood_key_notation {
    MOOD_KEY_STANDARD = 0, /**< "Am", "F#", "Bbm" (ID3 TKEY spelling, 3 characters at most) */
    MOOD_KEY_CAMELOT,      /**< "8A", "8B" */
    MOOD_KEY_OPENKEY       /**< "1m", "1d" */
} mood_key_notation;

/** @brief The field's neutral name ("BPM", "INITIALKEY", "MOOD", "MOODSCOPE_ENERGY", ...). */
MOOD_API const char *mood_tag_field_name(mood_tag_field f);
/** @brief "mp3", "flac", "ogg", "opus", "m4a" or "unknown". */
MOOD_API const char *mood_tag_format_name(mood_tag_format f);
/**
 * @brief Parse "standard", "camelot" or "openkey".
 * @return ::MOOD_EINVAL for anything else.
 */
MOOD_API mood_status mood_key_notation_parse(const char *s, mood_key_notation *out);
/**
 * @brief Spell key @p key_index (0 = C .. 11 = B) in @p mode (1 major, 0 minor).
 * @param buf receives the name ("" when the key is out of range); @p cap at least 8.
 */
MOOD_API void mood_key_spell(int key_index, int mode, mood_key_notation n, char *buf, size_t cap);

/**
 * @brief Recognise the container of @p path by its first bytes (not its name).
 * @return ::MOOD_EIO (cannot read, naming the file and the system error), ::MOOD_EFORMAT (not
 * one of ::mood_tag_format: corrupt, or a container without supported tags such as WAV).
 */
MOOD_API mood_status mood_tags_detect(const char *path, mood_tag_format *out);
/**
 * @brief Read the moodscope fields of @p path with TagLib.
 * @return ::MOOD_EIO, ::MOOD_EFORMAT (not a valid file of its container; the message names the
 * file).
 */
MOOD_API mood_status mood_tags_read(const char *path, mood_tag_set *out);
/**
 * @brief Check that the tags of @p path can be written without losing other metadata.
 * @return ::MOOD_EUNSUPPORTED for an M4A with QuickTime 'mdta' metadata (a keys atom, as
 * `ffmpeg -movflags use_metadata_tags` writes), which TagLib 1.13 would drop; the errors of
 * mood_tags_read().
 */
MOOD_API mood_status mood_tags_check(const char *path);
/**
 * @brief Write the non-empty fields of @p changes into @p path, leaving everything else alone.
 *
 * The file is copied to a temporary file in its directory, tagged there, fsync'd, checked (the
 * audio packets must hash the same as the original's), given the original's permissions,
 * owner, and access and modification times, and renamed over the original. Any failure leaves
 * the original untouched and removes the temporary file.
 * @return ::MOOD_EIO (the file or its directory is not writable, disk full...; the message
 * names the file and the system error), ::MOOD_EFORMAT (corrupt file), ::MOOD_EUNSUPPORTED
 * (see mood_tags_check()), ::MOOD_EINTERNAL (the
 * audio would have changed: nothing was written).
 * Thread-safety: separate files may be written from separate threads.
 */
MOOD_API mood_status mood_tags_write(const char *path, const mood_tag_set *changes);
/**
 * @brief MD5 of the audio packets of @p path (every audio stream, attached pictures excluded),
 * the digest `ffmpeg -i F -map 0:a -c copy -f md5 -` prints for a single audio stream.
 * @param out receives 16 bytes.
 * @return ::MOOD_EFORMAT when FFmpeg cannot open the file or finds no audio stream.
 */
MOOD_API mood_status mood_tags_audio_digest(const char *path, unsigned char out[16]);

/**
 * @brief What moodscope would write for row @p row of a library table (the columns of
 * mood_library_export_table(): tempo_bpm, key_index, mode, energy, valence, mood_label, plus
 * an optional text column group_name that replaces mood_label; see mood_tags_add_groups()).
 * @param fmt the container, which decides how BPM is rounded.
 * @return ::MOOD_EINVAL when a required column is missing.
 */
MOOD_API mood_status mood_tags_wanted(const mood_table *t, size_t row, mood_tag_format fmt,
                                      mood_key_notation n, mood_tag_set *out);
/**
 * @brief The fields of @p want that differ from @p old, into @p out_changes (others empty).
 * BPM compares as a number (to 0.01). With @p only_empty, BPM and INITIALKEY that already
 * hold a value are left alone. MOOD is changed only when it is empty or equals the old
 * MOODSCOPE_MOOD, so a mood a user typed in is never overwritten.
 * @return the number of fields to change.
 */
MOOD_API size_t mood_tags_diff(const mood_tag_set *old, const mood_tag_set *want, int only_empty,
                               mood_tag_set *out_changes);
/**
 * @brief Add (or replace) a text column group_name in @p library: for each row, the
 * cluster_name of the row of @p clustered (a run's clustered_output.csv) with the same path,
 * "" when the track was not in the run.
 * @param out_matched receives how many rows matched (may be NULL).
 * @return ::MOOD_EINVAL when either table lacks a path column or @p clustered lacks
 * cluster_name; ::MOOD_ENOMEM.
 */
MOOD_API mood_status mood_tags_add_groups(mood_table *library, const mood_table *clustered,
                                          size_t *out_matched);

/**
 * @brief Write a Rekordbox collection XML (DJ_PLAYLISTS version 1.0.0, PRODUCT, COLLECTION of
 * TRACK elements with TrackID, Name, Artist, Album, Genre, Kind, TotalTime (s), AverageBpm,
 * Tonality, Location as a file://localhost/ URL with percent-encoding, Comments = mood group,
 * and a TEMPO beat grid element: Inizio = first downbeat (s), Bpm, Metro "N/4" or "N/8", Battito 1;
 * then a PLAYLISTS ROOT node with one playlist per mood group) for the rows of @p t (a
 * library table as for mood_tags_wanted()) to @p path, atomically.
 * @param key_notation how Tonality is spelt (Rekordbox itself writes ::MOOD_KEY_STANDARD).
 * @return ::MOOD_EINVAL (a required column is missing), ::MOOD_EIO.
 */
MOOD_API mood_status mood_dj_export_rekordbox(const mood_table *t, mood_key_notation key_notation,
                                              const char *path);
/**
 * @brief Write an extended M3U (UTF-8, #EXTM3U, #EXTINF:seconds,Artist - Title, absolute
 * paths) of the rows of @p t, atomically: Mixxx imports it as a playlist or crate and reads
 * BPM and key from the tags `library write-tags` put in the files.
 */
MOOD_API mood_status mood_dj_export_m3u(const mood_table *t, const char *path);

#ifdef __cplusplus
}
#endif
#endif
