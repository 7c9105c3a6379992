/**
 * @file recommend.h
 * @brief Putting mood groups to work: a track space, nearest neighbours, DJ next-track picks,
 * song paths, alchemy and the sonic fingerprint.
 *
 * Everything starts from a track table (a CSV export or the catalog's analysed tracks). A
 * ::mood_space holds one vector per track in a standardised feature space plus the track's
 * metadata (id, title, artist, path, tempo, key, mode, energy), recognised from flexible column
 * names. A ::mood_index answers k-nearest-neighbour queries: exactly (blocked BLAS) for
 * libraries up to ::MOOD_INDEX_EXACT_MAX tracks and through an HNSW graph above that.
 * @code
 * mood_table *t;                       // from mood_csv_read() or mood_library_export_table()
 * mood_space *s;
 * mood_space_create(t, NULL, &s);
 * mood_index *ix;
 * mood_index_build(s, NULL, NULL, NULL, &ix);
 * size_t row;
 * if (mood_space_resolve(s, "Queen - Bohemian Rhapsody", &row) == MOOD_OK) {
 *     mood_hit hits[20]; size_t found;
 *     mood_similar(s, ix, row, 20, hits, &found);
 * }
 * mood_index_destroy(ix);
 * mood_space_destroy(s);
 * @endcode
 * Objects are not thread-safe; a built index may be searched from several threads.
 */
#ifndef MOODSCOPE_RECOMMEND_H
#define MOODSCOPE_RECOMMEND_H

#include "status.h"
#include "table.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Distance used in a space. */
typedef enum mood_metric {
    MOOD_METRIC_AUTO = 0,      /**< cosine for sim_* vectors, euclidean for standardised features */
    MOOD_METRIC_EUCLIDEAN = 1, /**< ‖a − b‖ */
    MOOD_METRIC_COSINE = 2     /**< 1 − cos(a, b); vectors are stored unit-normalised */
} mood_metric;

/** @brief "cosine"/"euclidean"/"auto" to a metric; ::MOOD_EINVAL otherwise. */
MOOD_API mood_status mood_metric_parse(const char *name, mood_metric *out);
/** @brief Name of @p m. */
MOOD_API const char *mood_metric_name(mood_metric m);

/* ------------------------------------------------------------------------------------------ */
/** @name Track space */

/** Options of mood_space_create(); zero or mood_space_options_default() for the defaults. */
typedef struct mood_space_options {
    const char *features; /**< comma list of columns, "all-numeric", or NULL: sim_* columns when
                               present, else the usual audio mood features found in the table
                               (danceability, energy, valence, acousticness, ...), else every
                               numeric feature (mood_features_select) */
    mood_metric metric;   /**< ::MOOD_METRIC_AUTO by default */
} mood_space_options;

/** @brief Fill @p o with the defaults. */
MOOD_API void mood_space_options_default(mood_space_options *o);

typedef struct mood_space mood_space;

/**
 * @brief Build the space of @p t: pick features, impute medians, standardise (unless they are
 * sim_* columns, which are already standardised) and, for cosine, normalise rows.
 * @param t borrowed; the space keeps its own copy.
 * @return ::MOOD_EINVAL (no rows, no usable feature), ::MOOD_ENOTFOUND (a requested feature is
 * absent), ::MOOD_ENOMEM.
 */
MOOD_API mood_status mood_space_create(const mood_table *t, const mood_space_options *o,
                                       mood_space **out);
/** @brief Release @p s; accepts NULL. */
MOOD_API void mood_space_destroy(mood_space *s);
/** @brief Number of tracks. */
MOOD_API size_t mood_space_size(const mood_space *s);
/** @brief Vector dimension. */
MOOD_API size_t mood_space_dim(const mood_space *s);
/** @brief The metric in use (never AUTO). */
MOOD_API mood_metric mood_space_metric(const mood_space *s);
/** @brief Row-major n×d vectors, valid for the life of @p s. */
MOOD_API const float *mood_space_vectors(const mood_space *s);
/** @brief Name of feature @p j (< dim). */
MOOD_API const char *mood_space_feature(const mood_space *s, size_t j);
/** @brief The copy of the input table the space keeps (read-only). */
MOOD_API const mood_table *mood_space_table(const mood_space *s);
/** @brief Track id of row @p i (the id column, else "row:<i+1>"). */
MOOD_API const char *mood_space_id(const mood_space *s, size_t i);
/** @brief Title of row @p i, "" when the table has no title column. */
MOOD_API const char *mood_space_title(const mood_space *s, size_t i);
/** @brief Artist of row @p i, "" when absent. */
MOOD_API const char *mood_space_artist(const mood_space *s, size_t i);
/** @brief Audio file path of row @p i, "" when absent. */
MOOD_API const char *mood_space_path(const mood_space *s, size_t i);
/** @brief Album of row @p i, "" when absent. */
MOOD_API const char *mood_space_album(const mood_space *s, size_t i);
/** @brief Tempo in BPM of row @p i, NaN when unknown. */
MOOD_API float mood_space_tempo(const mood_space *s, size_t i);
/** @brief Camelot code of row @p i: 1..12 in @p *out_num, 'A' (minor) / 'B' (major) returned;
 * 0 when the key is unknown. */
MOOD_API char mood_space_camelot(const mood_space *s, size_t i, int *out_num);
/** @brief Energy of row @p i (the table's energy column, raw), NaN when unknown. */
MOOD_API float mood_space_energy(const mood_space *s, size_t i);
/** @brief Duration in seconds of row @p i (duration_s, or duration_ms / 1000, or a Duration
 * column in ms when its values are large), NaN when unknown. */
MOOD_API float mood_space_duration(const mood_space *s, size_t i);
/** @brief Distance between rows @p a and @p b in the space's metric. */
MOOD_API float mood_space_distance(const mood_space *s, size_t a, size_t b);
/** @brief Distance between a vector @p q (dim floats, already in the space) and row @p b. */
MOOD_API float mood_space_distance_to(const mood_space *s, const float *q, size_t b);

/**
 * @brief Find the row a user means by @p query: an exact track id, an audio path (as given or
 * resolved to an absolute path), or "artist - title" / "title" text matched after normalising
 * case, accents, punctuation, "feat." credits and "(Remaster…)"/"- Live" suffixes; a close
 * spelling is accepted when it is the single best match.
 * @return ::MOOD_ENOTFOUND ("no track matches 'x'"), ::MOOD_EINVAL when ambiguous, with the
 * message listing up to 8 candidates as "id: artist - title".
 */
MOOD_API mood_status mood_space_resolve(const mood_space *s, const char *query, size_t *out_row);

/**
 * @brief Normalise a title or artist for matching: lower case, accents folded, "feat."/"ft."
 * credits, bracketed and " - " suffixes about remasters, live, versions, edits and mono/stereo
 * removed, punctuation to single spaces.
 * @param out buffer of @p cap bytes (always NUL-terminated).
 */
MOOD_API void mood_text_normalize(const char *in, char *out, size_t cap);

/* ------------------------------------------------------------------------------------------ */
/** @name Nearest neighbours */

/** Libraries up to this many tracks are searched exactly; larger ones through HNSW. */
#define MOOD_INDEX_EXACT_MAX 100000

/**
 * @brief Exact k nearest neighbours of @p nq queries among @p n base vectors.
 * For ::MOOD_METRIC_COSINE both sides must be unit-normalised. With MOOD_WITH_BLAS and at least
 * 20 queries, distances come from cblas_sgemm blocks (‖q‖² − 2 q·x + ‖x‖²); otherwise from a
 * plain loop (@p force_plain selects it always, for tests).
 * @param out_rows nq×k indices, sorted by distance (ties by index); SIZE_MAX past n.
 * @param out_dist nq×k distances (euclidean, not squared; or 1 − cos); INFINITY past n.
 */
MOOD_API mood_status mood_knn_exact(const float *base, size_t n, size_t d, mood_metric metric,
                                    const float *queries, size_t nq, size_t k, int force_plain,
                                    size_t *out_rows, float *out_dist);

/** Options of mood_index_build(). */
typedef struct mood_index_options {
    size_t exact_max;      /**< exact search up to this size (default ::MOOD_INDEX_EXACT_MAX) */
    int force;             /**< 0 auto, 1 exact, 2 HNSW */
    const char *hnsw_path; /**< persist the HNSW graph here (plus "<path>.ids"), reusing and
                                updating an existing file incrementally; NULL: in memory */
    size_t hnsw_m;         /**< graph degree (default 16) */
    size_t hnsw_ef_construction; /**< default 200 */
    size_t hnsw_ef_search;       /**< default 64 (raised to k when smaller) */
    uint64_t seed;               /**< level generator seed (default 100) */
} mood_index_options;

/** @brief Fill @p o with the defaults. */
MOOD_API void mood_index_options_default(mood_index_options *o);

typedef struct mood_index mood_index;

/**
 * @brief Build (or load and update) the index of @p s.
 * @param s retained; must stay valid and unchanged until destroy.
 * @return ::MOOD_EIO/::MOOD_EFORMAT for an unreadable persisted index (it is then rebuilt, not
 * returned, unless it cannot be written either), ::MOOD_ECANCELED, ::MOOD_ENOMEM.
 */
MOOD_API mood_status mood_index_build(const mood_space *s, const mood_index_options *o,
                                      mood_progress_fn progress, void *user, mood_index **out);
/** @brief Release @p ix; accepts NULL. */
MOOD_API void mood_index_destroy(mood_index *ix);
/** @brief Non-zero when @p ix answers through HNSW. */
MOOD_API int mood_index_is_approximate(const mood_index *ix);
/** @brief Tracks added to a persisted HNSW graph by the last build (0 when it was current). */
MOOD_API size_t mood_index_added(const mood_index *ix);
/**
 * @brief The @p k rows nearest to vector @p q (dim floats in the space, unit for cosine).
 * @param out_rows, out_dist caller buffers of k; @p out_found receives how many were filled.
 */
MOOD_API mood_status mood_index_search(const mood_index *ix, const float *q, size_t k,
                                       size_t *out_rows, float *out_dist, size_t *out_found);

/** One recommended track. */
typedef struct mood_hit {
    size_t row;        /**< row in the space */
    float distance;    /**< distance to the query in the space's metric */
    float score;       /**< command-specific score (lower is better) */
    char reasons[256]; /**< why it was picked, "; "-separated (empty for plain similarity) */
} mood_hit;

/**
 * @brief Tracks nearest to row @p row, the track itself and exact duplicates of its id left out.
 * @param out caller buffer of @p n hits; @p out_found receives the count.
 */
MOOD_API mood_status mood_similar(const mood_space *s, const mood_index *ix, size_t row, size_t n,
                                  mood_hit *out, size_t *out_found);

/* ------------------------------------------------------------------------------------------ */
/** @name DJ next-track */

/** Energy direction asked of the next track. */
typedef enum mood_energy_dir {
    MOOD_ENERGY_ANY = 0,
    MOOD_ENERGY_UP = 1,
    MOOD_ENERGY_DOWN = 2,
    MOOD_ENERGY_STEADY = 3
} mood_energy_dir;

/** DJ rules; mood_dj_options_default() fills them. */
typedef struct mood_dj_options {
    float tempo_tolerance; /**< relative, default 0.06 (±6%) */
    int allow_half_double; /**< accept half or double time (default 1) */
    int require_key;       /**< Camelot-compatible key required (default 1) */
    mood_energy_dir energy;
    float energy_steady; /**< |Δenergy| within this counts as steady (default 0.05) */
    size_t pool;         /**< neighbours examined (default max(200, 25 n)) */
} mood_dj_options;

/** @brief Fill @p o with the defaults. */
MOOD_API void mood_dj_options_default(mood_dj_options *o);
/** @brief "up"/"down"/"steady"/"any" to a direction. */
MOOD_API mood_status mood_energy_dir_parse(const char *name, mood_energy_dir *out);
/** @brief Camelot code of a key (0=C..11=B) and mode (1 major, 0 minor): number in 1..12,
 * letter returned ('B' major, 'A' minor). */
MOOD_API char mood_camelot(int key_index, int major, int *out_num);
/** @brief Non-zero when Camelot keys are mix-compatible (same, relative, ±1 on the wheel). */
MOOD_API int mood_camelot_compatible(int num_a, char letter_a, int num_b, char letter_b);
/**
 * @brief Tempo relation of @p to against @p from: 1 same time, 2 double, -2 half, 0 outside
 * the tolerance. @p out_change receives the relative change applied (e.g. +0.021).
 */
MOOD_API int mood_tempo_compatible(float from_bpm, float to_bpm, float tolerance,
                                   int allow_half_double, float *out_change);

/**
 * @brief The next track after @p row for a DJ: similar tracks passing the tempo, key and energy
 * rules, no artist twice (nor the current artist), each with its reasons. Rules whose data the
 * table lacks (no tempo, no key) are skipped and said so in the reasons.
 */
MOOD_API mood_status mood_dj_next(const mood_space *s, const mood_index *ix, size_t row,
                                  const mood_dj_options *o, size_t n, mood_hit *out,
                                  size_t *out_found);

/* ------------------------------------------------------------------------------------------ */
/** @name Song path, alchemy, fingerprint */

/** Result details of mood_song_path(). */
typedef struct mood_path_info {
    size_t requested; /**< steps asked for (after sizing from local distances) */
    size_t found;     /**< tracks in the path, endpoints included */
    float step;       /**< target distance between consecutive waypoints */
    float local_nn;   /**< median nearest-neighbour distance around the endpoints */
} mood_path_info;

/**
 * @brief A chain from row @p a to row @p b of at most @p n tracks (endpoints included) at even
 * steps along the straight line between them; each waypoint takes the nearest unused track that
 * moves forward along the line, never repeating a track id, title or artist-title pair. When
 * the line is short for the library's local neighbour distances, fewer steps are asked; when no
 * track fits a waypoint, it is left out and @p info says so (found < requested).
 * @param out caller buffer of @p n hits (distance = to the waypoint, score = progress 0..1).
 */
MOOD_API mood_status mood_song_path(const mood_space *s, const mood_index *ix, size_t a, size_t b,
                                    size_t n, mood_hit *out, mood_path_info *info);

/** Alchemy parameters. */
typedef struct mood_alchemy_options {
    float temperature;     /**< 0: best first, deterministic; > 0: sampled (default 0) */
    float subtract_weight; /**< weight of the distance from the subtract centroid (default 0.5) */
    uint64_t seed;         /**< sampling seed (default 42) */
} mood_alchemy_options;

/** @brief Fill @p o with the defaults. */
MOOD_API void mood_alchemy_options_default(mood_alchemy_options *o);
/**
 * @brief Tracks near the centroid of @p add rows and away from the centroid of @p sub rows:
 * score = d(x, add) − w·d(x, sub); a track nearer the subtract centroid than the add centroid
 * is dropped. The input tracks are never returned.
 */
MOOD_API mood_status mood_alchemy(const mood_space *s, const mood_index *ix, const size_t *add,
                                  size_t n_add, const size_t *sub, size_t n_sub,
                                  const mood_alchemy_options *o, size_t n, mood_hit *out,
                                  size_t *out_found);

/** One play of the user's listening history. */
typedef struct mood_play {
    const char *artist;
    const char *title;
    double played_at; /**< seconds since the epoch, UTC */
} mood_play;

/** Listening history loaded from a file or the catalog; release with mood_plays_free(). */
typedef struct mood_plays {
    size_t n;
    mood_play *plays; /**< owned, with the strings */
    char *strings;    /**< owned storage behind the strings */
} mood_plays;

/**
 * @brief Read plays from a CSV (artist / artistName / artist_name, title / track / trackName /
 * track_name, played_at / played_at_utc / ts / endTime / date / uts columns).
 * @return ::MOOD_EFORMAT naming the missing column or the bad timestamp (file:line).
 */
MOOD_API mood_status mood_plays_read_csv(const char *path, mood_plays *out);
/**
 * @brief Read the catalog's `plays` table (artist_name, track_name, played_at_utc) from the
 * SQLite file at @p catalog_path, read-only. ::MOOD_ENOTFOUND when it has no such table.
 */
MOOD_API mood_status mood_plays_read_catalog(const char *catalog_path, mood_plays *out);
/** @brief Release @p p's arrays; accepts a zeroed struct. */
MOOD_API void mood_plays_free(mood_plays *p);

/** Result details of mood_fingerprint(). */
typedef struct mood_fingerprint_info {
    size_t plays;         /**< plays read */
    size_t matched_plays; /**< plays matched to a track of the space */
    size_t tracks_used;   /**< distinct tracks in the centroid */
} mood_fingerprint_info;

/**
 * @brief The sonic fingerprint: a centroid of the @p top most played tracks, each weighted by
 * its plays decayed with @p half_life_days (relative to the latest play), and the @p n tracks
 * nearest to it that are not among the most played.
 * @param out_top optional buffer of @p top hits: the tracks used with score = weight.
 */
MOOD_API mood_status mood_fingerprint(const mood_space *s, const mood_index *ix,
                                      const mood_plays *plays, size_t top, float half_life_days,
                                      size_t n, mood_hit *out, size_t *out_found, mood_hit *out_top,
                                      size_t *out_top_found, mood_fingerprint_info *info);

/* ------------------------------------------------------------------------------------------ */
/** @name Loading the track table */

/**
 * @brief The universal input: the track table from a CSV (@p table_csv non-NULL) or from the
 * catalog at @p catalog_path (one row per analysed track).
 * @param out receives the table (release with mood_table_destroy()).
 */
MOOD_API mood_status mood_tracks_load(const char *table_csv, const char *catalog_path,
                                      mood_table **out);

/** Where the tracks come from and how they are searched (the options every command shares). */
typedef struct mood_tracks_source {
    const char *table_csv;    /**< a CSV track table, or NULL for the catalog */
    const char *catalog_path; /**< the catalog (its HNSW graph lives at "<catalog>.hnsw") */
    const char *features;     /**< see mood_space_options */
    mood_metric metric;       /**< see mood_space_options */
    int index_mode;           /**< 0 auto, 1 exact, 2 HNSW */
} mood_tracks_source;

/**
 * @brief Load the tracks, build their space and index (the catalog's graph persisted and
 * updated next to it).
 * @param out_space, out_index released with mood_space_destroy() / mood_index_destroy().
 */
MOOD_API mood_status mood_tracks_open(const mood_tracks_source *src, mood_progress_fn progress,
                                      void *user, mood_space **out_space, mood_index **out_index);

/**
 * @brief Write hits as a table: rank, id, artist, title, distance, score, reasons (and path
 * when the space has paths).
 * @param format "csv" (default for NULL), "tsv" or "json" (an array of objects).
 * @return ::MOOD_EINVAL for another format, ::MOOD_EIO on a write error.
 */
MOOD_API mood_status mood_hits_write(FILE *fp, const mood_space *s, const mood_hit *hits, size_t n,
                                     const char *format);

#ifdef __cplusplus
}
#endif
#endif
