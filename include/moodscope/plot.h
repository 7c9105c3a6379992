/**
 * @file plot.h
 * @brief Charts as PNG or SVG files (cairo), chosen by the file extension; written atomically.
 *
 * Every chart has a white background, a title, labelled axes with "nice" ticks (steps of 1, 2,
 * 2.5 or 5 × 10^e) and a colour-blind-friendly categorical palette (Okabe-Ito, then Paul Tol;
 * colours repeat every 10 groups with another marker shape). Text uses the "DejaVu Sans" face
 * through fontconfig. An SVG also carries the chart's title in <title> and all its text in
 * <desc>, because cairo draws glyphs as outlines.
 * @code
 * mood_scatter_spec s = {0};
 * s.xy = xy; s.n = n; s.labels = labels; s.k = k; s.group_names = names;
 * s.title = "Mood groups"; s.x_label = "PC1 (41.2%)"; s.y_label = "PC2 (18.9%)";
 * if (mood_plot_scatter(&s, "runs/x/clusters_plot.png") != MOOD_OK)
 *     fprintf(stderr, "%s\n", mood_last_error());
 * @endcode
 * Common errors of every mood_plot_* function: ::MOOD_EINVAL for a NULL spec or path, an
 * extension other than .png/.svg (the message names the path), a size outside 200×150 ..
 * 16384×16384 (negative sizes included) or empty data; ::MOOD_EIO when the file cannot be
 * created or written (the message names the path); ::MOOD_ENOMEM. On any error no output file
 * is created and an existing file at @p path is left unchanged (temp file + rename).
 * Inputs are borrowed for the call only. Separate calls may run on separate threads.
 */
#ifndef MOODSCOPE_PLOT_H
#define MOODSCOPE_PLOT_H

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A 2-D scatter of groups (the PCA map of a run). */
typedef struct mood_scatter_spec {
    const float *xy; /**< n×2 points */
    size_t n;
    const int32_t *labels; /**< n groups 0..k-1; -1 (noise) drawn grey; NULL = one group */
    size_t k;
    const char *const *group_names; /**< k names for the legend, or NULL ("group 0"...) */
    const float *centroids_xy;      /**< k×2 centres marked with a cross, or NULL */
    const char *title;
    const char *x_label; /**< e.g. "PC1 (41.2%): energy +, acousticness -" */
    const char *y_label;
    int width, height; /**< pixels; 0 = 1200×900 */
} mood_scatter_spec;

/**
 * @brief Draw @p s to @p path (.png or .svg). Legend shows names and group sizes
 * ("calm, acoustic (n=1,234)", "noise (n=12)"). Non-finite points are skipped. Point size and
 * opacity shrink as n grows; 100k points render to PNG in well under a second. An SVG with more
 * than 20,000 points embeds its point layer as one PNG image (2× resolution) to stay small;
 * text, axes and centres stay vector.
 * @return ::MOOD_EINVAL also for xy NULL, n = 0, or a label outside -1..k-1 (naming its row).
 */
MOOD_API mood_status mood_plot_scatter(const mood_scatter_spec *s, const char *path);

/** Line chart of one or more series over shared x values (the k-selection curve). */
typedef struct mood_lines_spec {
    const double *x; /**< n_points */
    size_t n_points;
    const double *const *y; /**< n_series arrays of n_points (NaN = gap) */
    size_t n_series;
    const char *const *series_names;
    int secondary_axis_from; /**< series with index ≥ this use a right-hand axis; -1 none */
    double mark_x;           /**< vertical marker (chosen k), NaN for none */
    const char *mark_label;
    const char *title, *x_label, *y_label, *y2_label;
    int width, height;
    double mark2_x;          /**< second, lighter dotted marker (e.g. the elbow's k) */
    const char *mark2_label; /**< its label; the second marker is drawn only when non-NULL */
    /** Per series, NULL or n_points half-widths drawn as error bars (NaN = none); may be NULL. */
    const double *const *y_err;
    const char *note; /**< a smaller line under the title (the rule that chose k), or NULL */
} mood_lines_spec;

/**
 * @brief Draw @p s to @p path: each series as a line with markers, broken at NaN; a legend row
 * under the title; integer x ticks when every x is whole; a dashed vertical line at @p mark_x
 * labelled @p mark_label ("x = …" when NULL), and a dotted one at @p mark2_x when
 * @p mark2_label is set; error bars where @p y_err gives them; @p note under the title
 * (shortened with "…" to the chart's width). Series on the right axis are marked "(right axis)" in
 * the legend unless their name already mentions "right". Default size (0) 1000×600.
 * @return ::MOOD_EINVAL also for x or y NULL, n_points or n_series 0, a NULL series or a
 * non-finite x (naming its index).
 */
MOOD_API mood_status mood_plot_lines(const mood_lines_spec *s, const char *path);

/** Heatmap with labelled rows and columns and the value printed in each cell. */
typedef struct mood_heatmap_spec {
    const double *values; /**< rows×cols */
    size_t rows, cols;
    const char *const *row_labels, *const *col_labels;
    const char *title;
    int width, height;
} mood_heatmap_spec;

/**
 * @brief Draw @p s to @p path. Data with negative values use a diverging blue-white-red scale
 * symmetric around 0 (z-scores); non-negative data a white-to-blue scale from 0 (counts). A
 * colour bar sits on the right; NaN cells are grey with "–". Labels NULL: row/column indices.
 * Default size (both 0) grows with the table: about 84×40 px per cell, at least 640×420.
 * @return ::MOOD_EINVAL also for values NULL, rows or cols 0, or more than 4096 of either.
 */
MOOD_API mood_status mood_plot_heatmap(const mood_heatmap_spec *s, const char *path);

/** Vertical bar chart (histograms, shares). */
typedef struct mood_bars_spec {
    const double *values;
    size_t n;
    const char *const *labels;
    const char *title, *x_label, *y_label;
    int width, height;
} mood_bars_spec;

/**
 * @brief Draw @p s to @p path: bars from a zero baseline, each value printed at its bar's end,
 * category labels under the bars (slanted when long; indices when @p labels is NULL).
 * Default size (0) 1000×600.
 * @return ::MOOD_EINVAL also for values NULL or n = 0.
 */
MOOD_API mood_status mood_plot_bars(const mood_bars_spec *s, const char *path);

/**
 * @brief Release cairo's and fontconfig's process-wide caches (fonts, glyphs), for a clean
 * report from leak checkers at exit. Optional; call it only when no chart is being drawn on any
 * thread. Drawing again afterwards works (the caches are rebuilt).
 */
MOOD_API void mood_plot_cleanup(void);

#ifdef __cplusplus
}
#endif
#endif
