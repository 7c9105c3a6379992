/**
 * @file describe.h
 * @brief Describing groups in words: per-group profiles (size, mean, z-score of every feature),
 * strongest traits, short mood names ("energetic, danceable"), and label make-up.
 * @code
 * mood_profile *p;
 * mood_profile_compute(x, n, d, names, labels, k, &p);
 * for (size_t c = 0; c < k; c++) printf("%s\n", mood_profile_name(p, c));
 * mood_profile_destroy(p);
 * @endcode
 */
#ifndef MOODSCOPE_DESCRIBE_H
#define MOODSCOPE_DESCRIBE_H

#include "status.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mood_profile mood_profile;

/**
 * @brief Profile @p k groups of rows of @p x (n×d, the features in their original units, after
 * imputation). z-scores are (group mean − overall mean) / overall std. Each group gets up to 3
 * traits with |z| ≥ 0.5 and a name built from them; known feature names (energy, valence,
 * tempo, danceability, acousticness, loudness, instrumentalness, speechiness, liveness, skips,
 * repeats, ...) get words ("energetic", "calm", "acoustic", "fast"), others fall back to
 * "high feature_2". Names are made unique across groups. Rows labelled -1 are left out.
 */
MOOD_API mood_status mood_profile_compute(const float *x, size_t n, size_t d,
                                          const char *const *feature_names,
                                          const int32_t *labels, size_t k, mood_profile **out);
/** @brief Release @p p; accepts NULL. */
MOOD_API void mood_profile_destroy(mood_profile *p);
/** @brief Number of groups. */
MOOD_API size_t mood_profile_k(const mood_profile *p);
/** @brief Number of features. */
MOOD_API size_t mood_profile_d(const mood_profile *p);
/** @brief Rows in group @p c. */
MOOD_API size_t mood_profile_size(const mood_profile *p, size_t c);
/** @brief Mean of feature @p j in group @p c. */
MOOD_API double mood_profile_mean(const mood_profile *p, size_t c, size_t j);
/** @brief z-score of feature @p j in group @p c. */
MOOD_API double mood_profile_z(const mood_profile *p, size_t c, size_t j);
/** @brief Short name of group @p c ("energetic, danceable"). */
MOOD_API const char *mood_profile_name(const mood_profile *p, size_t c);
/** @brief Strongest traits of group @p c as text ("energy +1.3σ, acousticness −0.9σ"). */
MOOD_API const char *mood_profile_traits(const mood_profile *p, size_t c);
/** @brief Override the name of group @p c (copied), e.g. with a label-based name. */
MOOD_API mood_status mood_profile_set_name(mood_profile *p, size_t c, const char *name);
/**
 * @brief Write profiles.csv atomically: one row per group with cluster, name, size, share,
 * traits, then mean_<feature> and z_<feature> for every feature.
 */
MOOD_API mood_status mood_profile_write_csv(const mood_profile *p, const char *path);
/** @brief A readable table of the profiles (names, sizes, traits) for a terminal. */
MOOD_API void mood_profile_print(const mood_profile *p, FILE *fp);

/** Label make-up of the groups (from a column of known labels such as Genre). */
typedef struct mood_label_profile mood_label_profile;

/**
 * @brief Count the labels inside each group: top labels with counts and shares, a name from the
 * dominant labels ("Rock / Metal"), and purity, NMI and ARI of the groups against the labels.
 * Empty labels are counted as "(none)".
 */
MOOD_API mood_status mood_label_profile_compute(const char *const *label_values,
                                                const int32_t *groups, size_t n, size_t k,
                                                mood_label_profile **out);
/** @brief Release @p lp; accepts NULL. */
MOOD_API void mood_label_profile_destroy(mood_label_profile *lp);
/** @brief Name of group @p c from its dominant labels. */
MOOD_API const char *mood_label_profile_name(const mood_label_profile *lp, size_t c);
/** @brief Purity, NMI, ARI of groups vs labels. */
MOOD_API void mood_label_profile_scores(const mood_label_profile *lp, double *out_purity,
                                        double *out_nmi, double *out_ari);
/** @brief Print each group's top @p top labels with counts and shares. */
MOOD_API void mood_label_profile_print(const mood_label_profile *lp, size_t top, FILE *fp);
/** @brief Write label_profiles.csv (cluster, label, count, share) atomically. */
MOOD_API mood_status mood_label_profile_write_csv(const mood_label_profile *lp, const char *path);

#ifdef __cplusplus
}
#endif
#endif
