/*
 * Private drawing helpers shared by the chart files of src/plot: the output surface (PNG or SVG,
 * written atomically), fonts and text placement, "nice" axis ticks, the categorical palette and
 * marker shapes. Never installed.
 */
#ifndef MOOD_PLOT_CANVAS_H
#define MOOD_PLOT_CANVAS_H

#include <moodscope/fileio.h>
#include <moodscope/status.h>

#include <cairo.h>
#include <stdio.h>

/* Largest side we accept: a 20000×20000 ARGB image is already 1.6 GB. */
#define MOOD_PLOT_MAX_SIDE 16384

/* An open chart: a cairo context drawing into an image (PNG) or a stream to a temp file (SVG). */
typedef struct plot_canvas {
    cairo_surface_t *surface;
    cairo_t *cr;
    mood_atomic_file *af;
    FILE *fp;
    const char *path;
    int width, height;
    int is_svg;
    int write_failed;
    double scale; /* font and line scale relative to a 1000×600 chart */
    /* SVG only: the document is assembled in memory so that the chart's text can be added as
     * <title> and <desc> (cairo draws text as glyph outlines, which nothing can search or read
     * aloud). */
    unsigned char *svg;
    size_t svg_len, svg_cap;
    char *texts; /* every string drawn, newline-separated */
    size_t texts_len, texts_cap;
    const char *title;
} plot_canvas;

/* Axis-aligned rectangle in device units. */
typedef struct plot_rect {
    double x, y, w, h;
} plot_rect;

/* A linear axis: data range [lo, hi] and its ticks tick0 + i*step, i < nticks. */
typedef struct plot_axis {
    double lo, hi;
    double tick0, step;
    int nticks;
    int decimals;  /* digits after the point in tick labels */
    int thousands; /* 1: labels in k (÷1e3), 2: in M (÷1e6), 0: plain */
} plot_axis;

/* RGB colour in [0, 1]. */
typedef struct plot_rgb {
    double r, g, b;
} plot_rgb;

/* Marker shapes, cycled every 10 groups so that colours repeat with a different shape. */
enum { PLOT_CIRCLE, PLOT_SQUARE, PLOT_TRIANGLE, PLOT_DIAMOND, PLOT_TRIANGLE_DOWN, PLOT_N_SHAPES };

/*
 * Check the extension of @p path (.png or .svg, any case) and the size, open the atomic output
 * and create the surface with a white background. @p what names the chart in messages.
 * Default sizes apply when width or height is 0.
 */
mood_status mood__canvas_open(plot_canvas *c, const char *what, const char *path, int width,
                              int height, int default_width, int default_height);
/* Encode (PNG) or finish (SVG), then commit the atomic file; aborts everything on failure. */
mood_status mood__canvas_finish(plot_canvas *c, const char *what);
/* Drop the chart and remove the temporary file; accepts a zeroed canvas. */
void mood__canvas_abort(plot_canvas *c);

/* Fonts: sans ("DejaVu Sans" through fontconfig), size in pixels before scaling. */
void mood__font(plot_canvas *c, double size_px, int bold);
double mood__text_width(plot_canvas *c, const char *s);
/*
 * Draw @p s with its anchor at (x, y): ha 0 left, 0.5 centre, 1 right; va 0 top, 0.5 middle,
 * 1 bottom of the font's line box. @p angle in radians (counter-clockwise is negative).
 */
void mood__text(plot_canvas *c, double x, double y, const char *s, double ha, double va,
                double angle);
/*
 * Copy @p s into @p buf (size @p cap), shortened with "…" on a UTF-8 boundary so that it is at
 * most @p max_w wide in the current font.
 */
void mood__text_fit(plot_canvas *c, const char *s, double max_w, char *buf, size_t cap);

/* Choose ticks for [lo, hi] with about @p target ticks at steps 1, 2, 2.5 or 5 × 10^e. */
void mood__axis_ticks(plot_axis *a, double lo, double hi, int target);
/* Integer-only ticks (for k on an x axis). */
void mood__axis_ticks_int(plot_axis *a, double lo, double hi, int target);
/* Format tick value @p v of axis @p a into @p buf ("0.25", "−1.5", "120k"). */
void mood__axis_label(const plot_axis *a, double v, char *buf, size_t cap);
/* Map a data value to device coordinates along [p0, p1]. */
double mood__axis_map(const plot_axis *a, double v, double p0, double p1);
/* Expand [lo, hi] by @p frac on both sides; a zero or non-finite span becomes ±1 around lo. */
void mood__pad_range(double *lo, double *hi, double frac);

/* Grid, frame, tick marks and tick labels of a plot area; x axis below, y axis on the left. */
void mood__draw_grid(plot_canvas *c, plot_rect r, const plot_axis *x, const plot_axis *y);
void mood__draw_x_ticks(plot_canvas *c, plot_rect r, const plot_axis *x);
void mood__draw_y_ticks(plot_canvas *c, plot_rect r, const plot_axis *y, int right_side,
                        double *out_label_w);
void mood__draw_frame(plot_canvas *c, plot_rect r);
/* Title centred at the top; returns its bottom edge. */
double mood__draw_title(plot_canvas *c, const char *title);

/* The i-th categorical colour (Okabe-Ito then Paul Tol, colour-blind friendly; cycles at 10). */
plot_rgb mood__palette(size_t i);
/* Grey used for noise points. */
plot_rgb mood__noise_grey(void);
/* Shape of the i-th group: circles for the first 10, then squares, triangles, ... */
int mood__palette_shape(size_t i);
/* Append the path of a marker of radius @p r centred at (x, y). */
void mood__marker_path(cairo_t *cr, int shape, double x, double y, double r);

/* "15,150" */
void mood__format_count(size_t v, char *buf, size_t cap);
/* Case-insensitive check that @p path ends in @p ext (".png"). */
int mood__has_ext(const char *path, const char *ext);

#endif
