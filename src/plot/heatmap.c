/*
 * Heatmaps for z-score profiles (signed: a diverging blue-white-red scale centred on 0) and
 * contingency tables (non-negative: a sequential white-to-blue scale from 0). Both scales are
 * ColorBrewer's RdBu and Blues, which stay readable for colour-blind readers and in greyscale;
 * every cell also prints its value, so the colour is never the only carrier of the number.
 */
#include "canvas.h"

#include "../core/internal.h"

#include <moodscope/plot.h>

#include <math.h>
#include <string.h>

#define WHAT "heatmap"

static plot_rgb hex_rgb(unsigned h)
{
    plot_rgb c = {((h >> 16) & 0xFF) / 255.0, ((h >> 8) & 0xFF) / 255.0, (h & 0xFF) / 255.0};
    return c;
}

/* Piecewise-linear interpolation through 5 stops, t in [0, 1]. */
static plot_rgb ramp(const unsigned stops[5], double t)
{
    t = fmax(0, fmin(1, t));
    double f = t * 4;
    int i = (int)fmin(3, floor(f));
    double u = f - i;
    plot_rgb a = hex_rgb(stops[i]), b = hex_rgb(stops[i + 1]);
    plot_rgb c = {a.r + u * (b.r - a.r), a.g + u * (b.g - a.g), a.b + u * (b.b - a.b)};
    return c;
}

static const unsigned rdbu[5] = {0x2166AC, 0x67A9CF, 0xF7F7F7, 0xEF8A62, 0xB2182B};
static const unsigned blues[5] = {0xF7FBFF, 0xC6DBEF, 0x6BAED6, 0x2171B5, 0x08306B};

typedef struct scale {
    int diverging;
    double lo, hi;
} scale;

static plot_rgb value_colour(const scale *sc, double v)
{
    return ramp(sc->diverging ? rdbu : blues, (v - sc->lo) / (sc->hi - sc->lo));
}

/* Cell text: whole numbers as such, others with 2, 1 or 0 decimals by magnitude. */
static void cell_text(double v, int all_int, double biggest, char *buf, size_t cap)
{
    char tmp[64];
    int dec = all_int ? 0 : biggest < 10 ? 2 : biggest < 1000 ? 1 : 0;
    if (!isfinite(v)) {
        snprintf(buf, cap, "\xE2\x80\x93"); /* en dash */
        return;
    }
    snprintf(tmp, sizeof tmp, "%.*f", dec, v);
    if (tmp[0] == '-' && strspn(tmp + 1, "0.") == strlen(tmp + 1))
        memmove(tmp, tmp + 1, strlen(tmp)); /* "-0.00" → "0.00" */
    if (tmp[0] == '-')
        snprintf(buf, cap, "\xE2\x88\x92%s", tmp + 1);
    else
        snprintf(buf, cap, "%s", tmp);
}

static const char *label_or_index(const char *const *labels, size_t i, char *buf, size_t cap)
{
    if (labels && labels[i])
        return labels[i];
    snprintf(buf, cap, "%zu", i);
    return buf;
}

/* The colour scale: diverging around 0 when any value is negative, else from 0 up. */
static void heat_scale(const mood_heatmap_spec *s, scale *cs, int *all_int, double *biggest)
{
    double vmin = INFINITY, vmax = -INFINITY;
    *all_int = 1;
    for (size_t i = 0; i < s->rows * s->cols; i++) {
        double v = s->values[i];
        if (!isfinite(v))
            continue;
        vmin = fmin(vmin, v);
        vmax = fmax(vmax, v);
        *all_int &= v == floor(v) && fabs(v) < 1e15;
    }
    if (!(vmin <= vmax)) {
        vmin = 0;
        vmax = 1;
    }
    if (vmin < 0) {
        double m = fmax(fabs(vmin), fabs(vmax));
        cs->diverging = 1;
        cs->lo = -(m > 0 ? m : 1);
        cs->hi = -cs->lo;
    } else {
        cs->diverging = 0;
        cs->lo = 0;
        cs->hi = vmax > 0 ? vmax : 1;
    }
    *biggest = fmax(fabs(vmin), fabs(vmax));
}

/* Cell geometry shared by the drawing stages. */
typedef struct heat_layout {
    plot_rect area;
    double cell_w, cell_h, row_w, col_w, fs;
    int slant, show_values;
} heat_layout;

/* The cells, each with its value in a font that fits (dark text on light cells, white on dark:
 * relative luminance, sRGB weights), then thin white separators. */
static void heat_cells(plot_canvas *cv, const mood_heatmap_spec *s, const scale *cs, int all_int,
                       double biggest, const heat_layout *L)
{
    cairo_t *cr = cv->cr;
    double sc = cv->scale;
    char buf[512];
    for (size_t r = 0; r < s->rows; r++) {
        for (size_t c = 0; c < s->cols; c++) {
            double v = s->values[r * s->cols + c];
            double x0 = L->area.x + (double)c * L->cell_w, y0 = L->area.y + (double)r * L->cell_h;
            plot_rgb col = isfinite(v) ? value_colour(cs, v) : hex_rgb(0xDDDDDD);
            cairo_set_source_rgb(cr, col.r, col.g, col.b);
            cairo_rectangle(cr, x0, y0, L->cell_w + 0.5, L->cell_h + 0.5);
            cairo_fill(cr);
            if (!L->show_values)
                continue;
            double lum = 0.2126 * col.r + 0.7152 * col.g + 0.0722 * col.b;
            if (lum > 0.5)
                cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
            else
                cairo_set_source_rgb(cr, 1, 1, 1);
            mood__font(cv, L->fs, 0);
            cell_text(v, all_int, biggest, buf, sizeof buf);
            mood__text(cv, x0 + L->cell_w / 2, y0 + L->cell_h / 2, buf, 0.5, 0.5, 0);
        }
    }
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_set_line_width(cr, fmax(1.0, 1.5 * sc));
    for (size_t c = 1; c < s->cols; c++) {
        cairo_move_to(cr, L->area.x + (double)c * L->cell_w, L->area.y);
        cairo_line_to(cr, L->area.x + (double)c * L->cell_w, L->area.y + L->area.h);
    }
    for (size_t r = 1; r < s->rows; r++) {
        cairo_move_to(cr, L->area.x, L->area.y + (double)r * L->cell_h);
        cairo_line_to(cr, L->area.x + L->area.w, L->area.y + (double)r * L->cell_h);
    }
    cairo_stroke(cr);
}

/* Row labels on the left; column labels below, horizontal or slanted at 45°. */
static void heat_labels(plot_canvas *cv, const mood_heatmap_spec *s, const heat_layout *L)
{
    double sc = cv->scale;
    char buf[512], tmp[64];
    cairo_set_source_rgb(cv->cr, 0.1, 0.1, 0.1);
    mood__font(cv, fmin(13, L->cell_h * 0.8 / sc), 0);
    for (size_t r = 0; r < s->rows; r++) {
        mood__text_fit(cv, label_or_index(s->row_labels, r, tmp, sizeof tmp), L->row_w, buf,
                       sizeof buf);
        mood__text(cv, L->area.x - 8 * sc, L->area.y + ((double)r + 0.5) * L->cell_h, buf, 1, 0.5,
                   0);
    }
    mood__font(cv, fmin(13, L->slant ? L->cell_w * 0.9 / sc : 13), 0);
    for (size_t c = 0; c < s->cols; c++) {
        double cx = L->area.x + ((double)c + 0.5) * L->cell_w, cy = L->area.y + L->area.h + 6 * sc;
        mood__text_fit(cv, label_or_index(s->col_labels, c, tmp, sizeof tmp),
                       L->slant ? L->col_w : L->cell_w - 4 * sc, buf, sizeof buf);
        if (L->slant)
            mood__text(cv, cx, cy, buf, 1, 0.5, -M_PI / 4);
        else
            mood__text(cv, cx, cy, buf, 0.5, 0, 0);
    }
}

/* The colour bar at the right edge, with its ticks. */
static void heat_colour_bar(plot_canvas *cv, const scale *cs, const plot_axis *bar_axis,
                            plot_rect area)
{
    cairo_t *cr = cv->cr;
    double sc = cv->scale;
    double bx = area.x + area.w + 24 * sc, bw = 18 * sc;
    int steps = 128;
    for (int i = 0; i < steps; i++) {
        double t0 = (double)i / steps;
        plot_rgb col = value_colour(cs, cs->lo + (t0 + 0.5 / steps) * (cs->hi - cs->lo));
        cairo_set_source_rgb(cr, col.r, col.g, col.b);
        cairo_rectangle(cr, bx, area.y + area.h * (1 - t0 - 1.0 / steps), bw, area.h / steps + 0.5);
        cairo_fill(cr);
    }
    plot_rect bar = {bx, area.y, bw, area.h};
    mood__draw_frame(cv, bar);
    mood__draw_y_ticks(cv, bar, bar_axis, 1, NULL);
}

/* Label widths, the colour bar's axis, the plot area and cells, the cell font. */
static void heat_layout_compute(plot_canvas *cv, const mood_heatmap_spec *s, const scale *cs,
                                int all_int, double biggest, double top, plot_axis *bar_axis,
                                heat_layout *L)
{
    double sc = cv->scale;
    char buf[512], tmp[64];
    mood__font(cv, 13, 0);
    double row_w = 0, col_w = 0;
    for (size_t r = 0; r < s->rows; r++)
        row_w =
            fmax(row_w, mood__text_width(cv, label_or_index(s->row_labels, r, tmp, sizeof tmp)));
    for (size_t c = 0; c < s->cols; c++)
        col_w =
            fmax(col_w, mood__text_width(cv, label_or_index(s->col_labels, c, tmp, sizeof tmp)));
    L->row_w = fmin(row_w, 0.3 * cv->width);
    L->col_w = fmin(col_w, 0.3 * cv->height);
    /* The colour bar and its tick labels take the right edge. */
    mood__axis_ticks(bar_axis, cs->lo, cs->hi, 5);
    double bar_lab_w = 0;
    for (int i = 0; i < bar_axis->nticks; i++) {
        mood__axis_label(bar_axis, bar_axis->tick0 + i * bar_axis->step, buf, sizeof buf);
        bar_lab_w = fmax(bar_lab_w, mood__text_width(cv, buf));
    }
    L->area.x = 16 * sc + L->row_w + 10 * sc;
    L->area.y = top;
    L->area.w = cv->width - L->area.x - (24 * sc + 18 * sc + 8 * sc + bar_lab_w + 16 * sc);
    L->cell_w = L->area.w / (double)s->cols;
    /* Column labels: horizontal when they fit their cell, else slanted at 45°. */
    L->slant = L->col_w > L->cell_w - 6 * sc;
    double col_h = L->slant ? L->col_w * M_SQRT1_2 + 16 * sc : 24 * sc;
    L->area.h = cv->height - top - col_h - 14 * sc;
    L->cell_h = L->area.h / (double)s->rows;
    /* Cell font: the largest of 13 px (scaled) that fits the widest value in a cell. */
    double fs = 13;
    double widest = 0;
    mood__font(cv, fs, 0);
    for (size_t i = 0; i < s->rows * s->cols; i++) {
        cell_text(s->values[i], all_int, biggest, buf, sizeof buf);
        widest = fmax(widest, mood__text_width(cv, buf));
    }
    if (widest > L->cell_w - 6 * sc)
        fs *= (L->cell_w - 6 * sc) / widest;
    L->fs = fmin(fs, L->cell_h * 0.55 / sc);
    L->show_values = L->fs * sc >= 7;
}

mood_status mood_plot_heatmap(const mood_heatmap_spec *s, const char *path)
{
    plot_canvas cv;
    mood_status st;
    if (!s)
        return mood__error(MOOD_EINVAL, WHAT ": spec is NULL");
    if (!s->values || s->rows == 0 || s->cols == 0)
        return mood__error(MOOD_EINVAL, WHAT ": no values (rows=%zu, cols=%zu)", s->rows, s->cols);
    if (s->rows > 4096 || s->cols > 4096)
        return mood__error(MOOD_EINVAL, WHAT ": %zux%zu cells is too many to read (at most 4096)",
                           s->rows, s->cols);
    /* Natural size: about 84×40 px per cell plus room for labels and the colour bar. */
    int dw = (int)fmin(2400, fmax(640, 300 + 84.0 * (double)s->cols));
    int dh = (int)fmin(2400, fmax(420, 230 + 40.0 * (double)s->rows));
    st = mood__canvas_open(&cv, WHAT, path, s->width, s->height, dw, dh);
    if (st != MOOD_OK)
        return st;
    if (s->width == 0 && s->height == 0)
        cv.scale = 1.0;
    double sc = cv.scale;
    scale cs;
    int all_int;
    double biggest;
    heat_scale(s, &cs, &all_int, &biggest);
    double top = mood__draw_title(&cv, s->title) + 16 * sc;
    plot_axis bar_axis;
    heat_layout L;
    heat_layout_compute(&cv, s, &cs, all_int, biggest, top, &bar_axis, &L);
    heat_cells(&cv, s, &cs, all_int, biggest, &L);
    heat_labels(&cv, s, &L);
    heat_colour_bar(&cv, &cs, &bar_axis, L.area);
    return mood__canvas_finish(&cv, WHAT);
}
