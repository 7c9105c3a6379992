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
 *
 * Details: overall mean and std are over the non-noise rows, std is the population one (ddof 0),
 * and a feature with std 0 gets z = 0. NaN cells are skipped (a group whose cells are all NaN
 * has mean NaN and z 0). Feature names are matched case-insensitively, exactly or by
 * containment ("avg_energy"); the name is the first two words of the strongest traits joined by
 * ", " ("energetic, electronic"); a group with no trait is "balanced", an empty group "empty".
 * Names shared by several groups get their next distinguishing word (from features with
 * |z| ≥ 0.25), then " (2)", " (3)" in group order. @p feature_names may be NULL ("feature_0"...).
 * Inputs are borrowed for the call only.
 * @return ::MOOD_EINVAL for n, d or k = 0, x or labels NULL, a label outside -1..k-1 (naming
 * its row) or only noise rows; ::MOOD_ENOMEM.
 */
MOOD_API mood_status mood_profile_compute(const float *x, size_t n, size_t d,
                                          const char *const *feature_names, const int32_t *labels,
                                          size_t k, mood_profile **out);
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
/**
 * @brief Strongest traits of group @p c as text ("energy +1.3σ, acousticness −0.9σ": UTF-8,
 * U+2212 for minus, one decimal); "" when no feature has |z| ≥ 0.5.
 */
MOOD_API const char *mood_profile_traits(const mood_profile *p, size_t c);
/** @brief Override the name of group @p c (copied), e.g. with a label-based name. */
MOOD_API mood_status mood_profile_set_name(mood_profile *p, size_t c, const char *name);
/**
 * @brief Write profiles.csv atomically: one row per group with cluster, name, size, share,
 * traits, then mean_<feature> and z_<feature> for every feature (all means first, then all
 * z-scores; share in [0, 1]; a NaN mean is an empty cell). Fields with commas or quotes are
 * quoted (RFC 4180).
 * @return ::MOOD_EIO naming @p path; ::MOOD_EINVAL for NULL arguments.
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
 *
 * A group is named after its top label when that label holds ≥ 50% of it, else "A / B" from its
 * top two, "(empty)" when it has no rows; names are not made unique. Within a group labels are
 * ordered by count, then alphabetically. Rows with group -1 (noise) are left out of the counts
 * and the scores. Memory and time are O(n log n) whatever the number of distinct labels.
 * @return ::MOOD_EINVAL for n or k = 0, NULL arrays, a group outside -1..k-1 or only noise;
 * ::MOOD_ENOMEM.
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

/** @brief Name of feature @p j as given (or "feature_<j>"). */
MOOD_API const char *mood_profile_feature(const mood_profile *p, size_t j);
/** @brief Share of the non-noise rows in group @p c, in [0, 1]. */
MOOD_API double mood_profile_share(const mood_profile *p, size_t c);
/** @brief Overall mean of feature @p j over the non-noise rows. */
MOOD_API double mood_profile_overall_mean(const mood_profile *p, size_t j);
/** @brief Overall population standard deviation of feature @p j over the non-noise rows. */
MOOD_API double mood_profile_overall_std(const mood_profile *p, size_t j);

/** @brief Number of groups. */
MOOD_API size_t mood_label_profile_k(const mood_label_profile *lp);
/** @brief Rows in group @p c. */
MOOD_API size_t mood_label_profile_size(const mood_label_profile *lp, size_t c);
/** @brief Distinct labels in group @p c. */
MOOD_API size_t mood_label_profile_n_labels(const mood_label_profile *lp, size_t c);
/**
 * @brief The @p i-th most frequent label of group @p c with its count and share of the group
 * (either out-pointer may be NULL).
 * @return the label, valid until mood_label_profile_destroy(); NULL when @p c or @p i is out
 * of range.
 */
MOOD_API const char *mood_label_profile_label(const mood_label_profile *lp, size_t c, size_t i,
                                              size_t *out_count, double *out_share);

#ifdef __cplusplus
}
#endif
#endif
