/*
 * Line charts over shared x values, made for the k-selection curve: silhouette on the left axis,
 * inertia on an optional right-hand axis, a marker at every point (so single points and gaps
 * stay visible), and a dashed vertical line at the chosen k with its label.
 */
#include "canvas.h"

#include "../core/internal.h"

#include <moodscope/plot.h>

#include <math.h>
#include <string.h>

#define WHAT "line chart"

static mood_status validate(const mood_lines_spec *s)
{
    if (!s)
        return mood__error(MOOD_EINVAL, WHAT ": spec is NULL");
    if (!s->x || s->n_points == 0)
        return mood__error(MOOD_EINVAL, WHAT ": no x values (n_points=%zu)", s->n_points);
    if (!s->y || s->n_series == 0)
        return mood__error(MOOD_EINVAL, WHAT ": no series (n_series=%zu)", s->n_series);
    for (size_t j = 0; j < s->n_series; j++)
        if (!s->y[j])
            return mood__error(MOOD_EINVAL, WHAT ": series %zu is NULL", j);
    for (size_t i = 0; i < s->n_points; i++)
        if (!isfinite(s->x[i]))
            return mood__error(MOOD_EINVAL, WHAT ": x[%zu] is not finite", i);
    return MOOD_OK;
}

static int on_right(const mood_lines_spec *s, size_t j)
{
    return s->secondary_axis_from >= 0 && j >= (size_t)s->secondary_axis_from;
}

static const char *series_name(const mood_lines_spec *s, size_t j, char *buf, size_t cap)
{
    if (s->series_names && s->series_names[j])
        return s->series_names[j];
    snprintf(buf, cap, "series %zu", j + 1);
    return buf;
}

/* Range of the finite values of the series on one side; 0 when there is none. */
static int series_range(const mood_lines_spec *s, int right, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t j = 0; j < s->n_series; j++) {
        if (on_right(s, j) != right)
            continue;
        for (size_t i = 0; i < s->n_points; i++) {
            double v = s->y[j][i];
            double e = s->y_err && s->y_err[j] && isfinite(s->y_err[j][i]) ? s->y_err[j][i] : 0;
            if (isfinite(v)) {
                *lo = fmin(*lo, v - fabs(e));
                *hi = fmax(*hi, v + fabs(e));
            }
        }
    }
    return *lo <= *hi;
}

/* Marker and line sample of series @p j, as drawn in the legend. */
static void legend_sample(plot_canvas *cv, size_t j, double x, double y)
{
    cairo_t *cr = cv->cr;
    plot_rgb col = mood__palette(j);
    cairo_set_source_rgb(cr, col.r, col.g, col.b);
    cairo_set_line_width(cr, 2.2 * cv->scale);
    cairo_move_to(cr, x - 12 * cv->scale, y);
    cairo_line_to(cr, x + 12 * cv->scale, y);
    cairo_stroke(cr);
    mood__marker_path(cr, (int)(j % PLOT_N_SHAPES), x, y, 4.5 * cv->scale);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_set_line_width(cr, 1.2 * cv->scale);
    cairo_stroke(cr);
}

/* A vertical marker line at @p x with its label; @p second draws the lighter, dotted one. */
static void draw_marker(plot_canvas *cv, const plot_axis *ax, plot_rect area, double x,
                        const char *label, int second)
{
    cairo_t *cr = cv->cr;
    double sc = cv->scale;
    double px = round(mood__axis_map(ax, x, area.x, area.x + area.w)) + 0.5;
    double dash[2] = {6 * sc, 4 * sc}, dot[2] = {2 * sc, 3 * sc};
    char buf[256];
    cairo_font_extents_t fe;
    cairo_save(cr);
    if (second)
        cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
    else
        cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    cairo_set_line_width(cr, (second ? 1.4 : 1.6) * sc);
    cairo_set_dash(cr, second ? dot : dash, 2, 0);
    cairo_move_to(cr, px, area.y);
    cairo_line_to(cr, px, area.y + area.h);
    cairo_stroke(cr);
    cairo_restore(cr);
    if (label && label[0])
        snprintf(buf, sizeof buf, "%s", label);
    else
        snprintf(buf, sizeof buf, "x = %g", x);
    mood__font(cv, 13, !second);
    cairo_font_extents(cr, &fe);
    double tw = mood__text_width(cv, buf), bx = px + 6 * sc;
    double by = area.y + 6 * sc + (second ? fe.height + 10 * sc : 0);
    if (bx + tw + 8 * sc > area.x + area.w)
        bx = px - 6 * sc - tw - 8 * sc;
    cairo_set_source_rgba(cr, 1, 1, 1, 0.9);
    cairo_rectangle(cr, bx, by, tw + 8 * sc, fe.height + 4 * sc);
    cairo_fill(cr);
    if (second)
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    else
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    mood__text(cv, bx + 4 * sc, by + 2 * sc, buf, 0, 0, 0);
}

/* Error bars of series @p j (half-widths s->y_err[j]), with small caps. */
static void draw_err(plot_canvas *cv, const mood_lines_spec *s, size_t j, const plot_axis *ax,
                     const plot_axis *yax, plot_rect area)
{
    const double *e = s->y_err ? s->y_err[j] : NULL;
    if (!e)
        return;
    cairo_t *cr = cv->cr;
    double sc = cv->scale, cap = 4 * sc;
    plot_rgb col = mood__palette(j);
    cairo_set_source_rgb(cr, col.r, col.g, col.b);
    cairo_set_line_width(cr, 1.3 * sc);
    for (size_t i = 0; i < s->n_points; i++) {
        double v = s->y[j][i];
        if (!isfinite(v) || !isfinite(e[i]) || !(e[i] > 0))
            continue;
        double px = mood__axis_map(ax, s->x[i], area.x, area.x + area.w);
        double y0 = mood__axis_map(yax, v - e[i], area.y + area.h, area.y);
        double y1 = mood__axis_map(yax, v + e[i], area.y + area.h, area.y);
        cairo_move_to(cr, px, y0);
        cairo_line_to(cr, px, y1);
        cairo_move_to(cr, px - cap, y0);
        cairo_line_to(cr, px + cap, y0);
        cairo_move_to(cr, px - cap, y1);
        cairo_line_to(cr, px + cap, y1);
    }
    cairo_stroke(cr);
}

/* The note under the title, shortened to the width; returns the new top. */
static double draw_note(plot_canvas *cv, const char *note, double top)
{
    char buf[512];
    cairo_font_extents_t fe;
    if (!note || !note[0])
        return top;
    mood__font(cv, 12, 0);
    cairo_font_extents(cv->cr, &fe);
    mood__text_fit(cv, note, cv->width - 40 * cv->scale, buf, sizeof buf);
    cairo_set_source_rgb(cv->cr, 0.3, 0.3, 0.3);
    mood__text(cv, cv->width / 2.0, top, buf, 0.5, 0, 0);
    return top + fe.height + 6 * cv->scale;
}

/* Legend text of series @p j: its name, plus " (right axis)" unless the name says so. */
static void legend_text(const mood_lines_spec *s, size_t j, int has_right, char *buf, size_t cap)
{
    char name_buf[64];
    const char *nm = series_name(s, j, name_buf, sizeof name_buf);
    int says_right = strstr(nm, "right") != NULL || strstr(nm, "Right") != NULL;
    snprintf(buf, cap, "%s%s", nm,
             on_right(s, j) && has_right && !says_right ? " (right axis)" : "");
}

/* The axes: x with integer ticks when every x is a whole number (k, iterations); y left and,
 * with series on the right, a second y axis. */
static void lines_axes(const mood_lines_spec *s, int has_right, plot_axis *ax, plot_axis *ay,
                       plot_axis *ay2)
{
    double xlo = s->x[0], xhi = s->x[0];
    int integral = 1;
    for (size_t i = 0; i < s->n_points; i++) {
        xlo = fmin(xlo, s->x[i]);
        xhi = fmax(xhi, s->x[i]);
        integral &= s->x[i] == floor(s->x[i]);
    }
    if (isfinite(s->mark_x)) {
        xlo = fmin(xlo, s->mark_x);
        xhi = fmax(xhi, s->mark_x);
    }
    if (s->mark2_label && isfinite(s->mark2_x)) {
        xlo = fmin(xlo, s->mark2_x);
        xhi = fmax(xhi, s->mark2_x);
    }
    mood__pad_range(&xlo, &xhi, 0.04);
    if (integral)
        mood__axis_ticks_int(ax, xlo, xhi, 10);
    else
        mood__axis_ticks(ax, xlo, xhi, 8);
    double lo, hi;
    if (!series_range(s, 0, &lo, &hi) && !series_range(s, 1, &lo, &hi)) {
        lo = 0;
        hi = 1;
    }
    mood__pad_range(&lo, &hi, 0.06);
    mood__axis_ticks(ay, lo, hi, 6);
    if (has_right) {
        if (!series_range(s, 1, &lo, &hi)) {
            lo = 0;
            hi = 1;
        }
        mood__pad_range(&lo, &hi, 0.06);
        mood__axis_ticks(ay2, lo, hi, 6);
    }
}

/* Series: a polyline broken at NaN, then markers with a white rim on top. */
static void lines_series(plot_canvas *cv, const mood_lines_spec *s, int has_right,
                         const plot_axis *ax, const plot_axis *ay, const plot_axis *ay2,
                         plot_rect area)
{
    cairo_t *cr = cv->cr;
    double sc = cv->scale;
    cairo_save(cr);
    cairo_rectangle(cr, area.x - 8 * sc, area.y - 8 * sc, area.w + 16 * sc, area.h + 16 * sc);
    cairo_clip(cr);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    for (size_t j = 0; j < s->n_series; j++) {
        const plot_axis *yax = on_right(s, j) && has_right ? ay2 : ay;
        plot_rgb col = mood__palette(j);
        int pen = 0;
        draw_err(cv, s, j, ax, yax, area);
        cairo_set_source_rgb(cr, col.r, col.g, col.b);
        cairo_set_line_width(cr, 2.2 * sc);
        for (size_t i = 0; i < s->n_points; i++) {
            double v = s->y[j][i];
            if (!isfinite(v)) {
                pen = 0;
                continue;
            }
            double px = mood__axis_map(ax, s->x[i], area.x, area.x + area.w);
            double py = mood__axis_map(yax, v, area.y + area.h, area.y);
            if (pen)
                cairo_line_to(cr, px, py);
            else
                cairo_move_to(cr, px, py);
            pen = 1;
        }
        cairo_stroke(cr);
        for (size_t i = 0; i < s->n_points; i++) {
            double v = s->y[j][i];
            if (!isfinite(v))
                continue;
            double px = mood__axis_map(ax, s->x[i], area.x, area.x + area.w);
            double py = mood__axis_map(yax, v, area.y + area.h, area.y);
            mood__marker_path(cr, (int)(j % PLOT_N_SHAPES), px, py, 4.5 * sc);
            cairo_set_source_rgb(cr, col.r, col.g, col.b);
            cairo_fill_preserve(cr);
            cairo_set_source_rgb(cr, 1, 1, 1);
            cairo_set_line_width(cr, 1.2 * sc);
            cairo_stroke(cr);
        }
    }
    cairo_restore(cr);
}

/* Axis titles, shortened with "…" when longer than the plot side. */
static void lines_titles(plot_canvas *cv, const mood_lines_spec *s, int has_right, plot_rect area)
{
    cairo_t *cr = cv->cr;
    double sc = cv->scale;
    char buf[512];
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    mood__font(cv, 15, 0);
    if (s->x_label && s->x_label[0]) {
        mood__text_fit(cv, s->x_label, area.w, buf, sizeof buf);
        mood__text(cv, area.x + area.w / 2, cv->height - 12 * sc, buf, 0.5, 1, 0);
    }
    if (s->y_label && s->y_label[0]) {
        mood__text_fit(cv, s->y_label, area.h, buf, sizeof buf);
        mood__text(cv, 14 * sc, area.y + area.h / 2, buf, 0.5, 0, -M_PI / 2);
    }
    if (has_right && s->y2_label && s->y2_label[0]) {
        mood__text_fit(cv, s->y2_label, area.h, buf, sizeof buf);
        mood__text(cv, cv->width - 14 * sc, area.y + area.h / 2, buf, 0.5, 0, M_PI / 2);
    }
}

mood_status mood_plot_lines(const mood_lines_spec *s, const char *path)
{
    plot_canvas cv;
    mood_status st = validate(s);
    char buf[512];
    if (st != MOOD_OK)
        return st;
    st = mood__canvas_open(&cv, WHAT, path, s->width, s->height, 1000, 600);
    if (st != MOOD_OK)
        return st;
    cairo_t *cr = cv.cr;
    double sc = cv.scale;
    int has_right = 0;
    for (size_t j = 0; j < s->n_series; j++)
        has_right |= on_right(s, j);
    plot_axis ax, ay, ay2 = {0};
    lines_axes(s, has_right, &ax, &ay, &ay2);

    /* Layout: title, a legend row, the plot area between the axis titles. */
    double top = draw_note(&cv, s->note, mood__draw_title(&cv, s->title) + 4 * sc) + 6 * sc;
    cairo_font_extents_t fe;
    mood__font(&cv, 13, 0);
    cairo_font_extents(cr, &fe);
    double legend_y = top + fe.height / 2;
    double entry_w_total = 0;
    for (size_t j = 0; j < s->n_series; j++) {
        legend_text(s, j, has_right, buf, sizeof buf);
        entry_w_total += 40 * sc + mood__text_width(&cv, buf);
    }
    top += fe.height + 12 * sc;
    double tick_w = 0, tick_w2 = 0;
    for (int i = 0; i < ay.nticks; i++) {
        mood__axis_label(&ay, ay.tick0 + i * ay.step, buf, sizeof buf);
        tick_w = fmax(tick_w, mood__text_width(&cv, buf));
    }
    for (int i = 0; has_right && i < ay2.nticks; i++) {
        mood__axis_label(&ay2, ay2.tick0 + i * ay2.step, buf, sizeof buf);
        tick_w2 = fmax(tick_w2, mood__text_width(&cv, buf));
    }
    mood__font(&cv, 15, 0);
    cairo_font_extents(cr, &fe);
    double title_h = fe.ascent + fe.descent;
    plot_rect area;
    area.x = 16 * sc + title_h + 10 * sc + tick_w + 10 * sc;
    area.y = top;
    double right = has_right ? 16 * sc + title_h + 10 * sc + tick_w2 + 10 * sc : 30 * sc;
    area.w = cv.width - area.x - right;
    area.h = cv.height - top - 13 * sc * 1.3 - 12 * sc - title_h - 24 * sc;

    /* Legend row, centred above the plot area. */
    double lx = area.x + fmax(0, (area.w - entry_w_total) / 2);
    mood__font(&cv, 13, 0);
    for (size_t j = 0; j < s->n_series; j++) {
        legend_text(s, j, has_right, buf, sizeof buf);
        legend_sample(&cv, j, lx + 12 * sc, legend_y);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        mood__text(&cv, lx + 30 * sc, legend_y, buf, 0, 0.5, 0);
        lx += 40 * sc + mood__text_width(&cv, buf);
    }

    mood__draw_grid(&cv, area, &ax, &ay);
    lines_series(&cv, s, has_right, &ax, &ay, &ay2, area);

    /* The chosen value: a dashed line and its label in a white box near the top; a second,
     * lighter dotted marker (the elbow's choice) gets its label one row lower. */
    if (isfinite(s->mark_x))
        draw_marker(&cv, &ax, area, s->mark_x, s->mark_label, 0);
    if (s->mark2_label && isfinite(s->mark2_x))
        draw_marker(&cv, &ax, area, s->mark2_x, s->mark2_label, 1);

    mood__draw_frame(&cv, area);
    mood__draw_x_ticks(&cv, area, &ax);
    mood__draw_y_ticks(&cv, area, &ay, 0, NULL);
    if (has_right)
        mood__draw_y_ticks(&cv, area, &ay2, 1, NULL);
    lines_titles(&cv, s, has_right, area);
    return mood__canvas_finish(&cv, WHAT);
}
