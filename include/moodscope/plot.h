/**
 * @file plot.h
 * @brief Charts as PNG or SVG files (cairo), chosen by the file extension; written atomically.
 */
#ifndef MOODSCOPE_PLOT_H
#define MOODSCOPE_PLOT_H

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A 2-D scatter of groups (the PCA map of a run). */
typedef struct mood_scatter_spec {
    const float *xy;               /**< n×2 points */
    size_t n;
    const int32_t *labels;         /**< n groups 0..k-1; -1 (noise) drawn grey */
    size_t k;
    const char *const *group_names; /**< k names for the legend, or NULL ("group 0"...) */
    const float *centroids_xy;     /**< k×2 centres marked with a cross, or NULL */
    const char *title;
    const char *x_label;           /**< e.g. "PC1 (41.2%): energy +, acousticness -" */
    const char *y_label;
    int width, height;             /**< pixels; 0 = 1200×900 */
} mood_scatter_spec;

/** @brief Draw @p s to @p path (.png or .svg). Legend shows names and group sizes. */
MOOD_API mood_status mood_plot_scatter(const mood_scatter_spec *s, const char *path);

/** Line chart of one or more series over shared x values (the k-selection curve). */
typedef struct mood_lines_spec {
    const double *x;               /**< n_points */
    size_t n_points;
    const double *const *y;        /**< n_series arrays of n_points (NaN = gap) */
    size_t n_series;
    const char *const *series_names;
    int secondary_axis_from;       /**< series with index ≥ this use a right-hand axis; -1 none */
    double mark_x;                 /**< vertical marker (chosen k), NaN for none */
    const char *mark_label;
    const char *title, *x_label, *y_label, *y2_label;
    int width, height;
} mood_lines_spec;

/** @brief Draw @p s to @p path. */
MOOD_API mood_status mood_plot_lines(const mood_lines_spec *s, const char *path);

/** Heatmap with labelled rows and columns and the value printed in each cell. */
typedef struct mood_heatmap_spec {
    const double *values; /**< rows×cols */
    size_t rows, cols;
    const char *const *row_labels, *const *col_labels;
    const char *title;
    int width, height;
} mood_heatmap_spec;

/** @brief Draw @p s to @p path. */
MOOD_API mood_status mood_plot_heatmap(const mood_heatmap_spec *s, const char *path);

/** Vertical bar chart (histograms, shares). */
typedef struct mood_bars_spec {
    const double *values;
    size_t n;
    const char *const *labels;
    const char *title, *x_label, *y_label;
    int width, height;
} mood_bars_spec;

/** @brief Draw @p s to @p path. */
MOOD_API mood_status mood_plot_bars(const mood_bars_spec *s, const char *path);

#ifdef __cplusplus
}
#endif
#endif
