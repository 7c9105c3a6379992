/*
 * Vertical bar charts (group sizes, label shares, histograms): bars from a zero baseline, the
 * value printed at each bar's end when there is room, category labels under the bars, slanted
 * when they would overlap.
 */
#include "canvas.h"

#include "../core/internal.h"

#include <moodscope/plot.h>

#include <math.h>
#include <string.h>

#define WHAT "bar chart"

/* Bar value text: whole numbers with thousands separators, others with 3 significant digits. */
static void value_text(double v, char *buf, size_t cap)
{
    char tmp[64];
    if (!isfinite(v)) {
        snprintf(buf, cap, "\xE2\x80\x93");
        return;
    }
    if (v == floor(v) && fabs(v) < 1e15) {
        mood__format_count((size_t)fabs(v), tmp, sizeof tmp);
    } else {
        snprintf(tmp, sizeof tmp, "%.3g", fabs(v));
    }
    snprintf(buf, cap, "%s%s", v < 0 ? "\xE2\x88\x92" : "", tmp);
}

/* The value axis: the range of the finite values and zero, with headroom for the labels. */
static void value_axis(const mood_bars_spec *s, plot_axis *ay)
{
    double lo = 0, hi = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (isfinite(s->values[i])) {
            lo = fmin(lo, s->values[i]);
            hi = fmax(hi, s->values[i]);
        }
    }
    if (hi == lo)
        hi = lo + 1;
    /* Headroom for the value labels; the zero baseline stays exactly at an end. */
    double span = hi - lo;
    if (hi > 0)
        hi += 0.08 * span;
    if (lo < 0)
        lo -= 0.08 * span;
    mood__axis_ticks(ay, lo, hi, 6);
}

mood_status mood_plot_bars(const mood_bars_spec *s, const char *path)
{
    plot_canvas cv;
    mood_status st;
    char buf[512], tmp[64];
    if (!s)
        return mood__error(MOOD_EINVAL, WHAT ": spec is NULL");
    if (!s->values || s->n == 0)
        return mood__error(MOOD_EINVAL, WHAT ": no values (n=%zu)", s->n);
    st = mood__canvas_open(&cv, WHAT, path, s->width, s->height, 1000, 600);
    if (st != MOOD_OK)
        return st;
    cairo_t *cr = cv.cr;
    double sc = cv.scale;

    plot_axis ay;
    value_axis(s, &ay);

    double top = mood__draw_title(&cv, s->title) + 16 * sc;
    mood__font(&cv, 13, 0);
    double tick_w = 0, lab_w = 0;
    for (int i = 0; i < ay.nticks; i++) {
        mood__axis_label(&ay, ay.tick0 + i * ay.step, buf, sizeof buf);
        tick_w = fmax(tick_w, mood__text_width(&cv, buf));
    }
    for (size_t i = 0; s->labels && i < s->n; i++)
        if (s->labels[i])
            lab_w = fmax(lab_w, mood__text_width(&cv, s->labels[i]));
    lab_w = fmin(lab_w, 0.3 * cv.height);
    mood__font(&cv, 15, 0);
    cairo_font_extents_t fe;
    cairo_font_extents(cr, &fe);
    double title_h = fe.ascent + fe.descent;

    plot_rect area;
    area.x = 16 * sc + title_h + 10 * sc + tick_w + 10 * sc;
    area.y = top;
    area.w = cv.width - area.x - 30 * sc;
    double slot = area.w / (double)s->n;
    int slant = lab_w > slot - 6 * sc;
    double lab_h = slant ? lab_w * M_SQRT1_2 + 14 * sc : 24 * sc;
    area.h =
        cv.height - top - lab_h - (s->x_label && s->x_label[0] ? title_h + 16 * sc : 0) - 12 * sc;

    mood__draw_grid(&cv, area, NULL, &ay);
    double base = mood__axis_map(&ay, 0, area.y + area.h, area.y);
    plot_rgb col = mood__palette(0);
    mood__font(&cv, 12, 0);
    cairo_font_extents(cr, &fe);
    int show_values = 1;
    for (size_t i = 0; i < s->n; i++) {
        value_text(s->values[i], buf, sizeof buf);
        if (mood__text_width(&cv, buf) > slot * 0.98)
            show_values = 0;
    }
    for (size_t i = 0; i < s->n; i++) {
        double v = s->values[i];
        double x0 = area.x + (double)i * slot + slot * 0.15, w = slot * 0.7;
        if (!isfinite(v))
            continue;
        double y = mood__axis_map(&ay, v, area.y + area.h, area.y);
        cairo_set_source_rgb(cr, col.r, col.g, col.b);
        cairo_rectangle(cr, x0, fmin(y, base), w, fabs(base - y));
        cairo_fill(cr);
        if (show_values) {
            value_text(v, buf, sizeof buf);
            cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
            if (v >= 0)
                mood__text(&cv, x0 + w / 2, y - 3 * sc, buf, 0.5, 1, 0);
            else
                mood__text(&cv, x0 + w / 2, y + 3 * sc, buf, 0.5, 0, 0);
        }
    }
    /* Baseline at zero. */
    cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
    cairo_set_line_width(cr, 1.2);
    cairo_move_to(cr, area.x, round(base) + 0.5);
    cairo_line_to(cr, area.x + area.w, round(base) + 0.5);
    cairo_stroke(cr);
    mood__draw_y_ticks(&cv, area, &ay, 0, NULL);

    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    mood__font(&cv, slant ? fmin(13, slot * 0.9 / sc) : 13, 0);
    for (size_t i = 0; i < s->n; i++) {
        const char *l = s->labels && s->labels[i] ? s->labels[i] : NULL;
        if (!l) {
            snprintf(tmp, sizeof tmp, "%zu", i);
            l = tmp;
        }
        double cx = area.x + ((double)i + 0.5) * slot, cy = area.y + area.h + 6 * sc;
        mood__text_fit(&cv, l, slant ? lab_w : slot - 4 * sc, buf, sizeof buf);
        if (slant)
            mood__text(&cv, cx, cy, buf, 1, 0.5, -M_PI / 4);
        else
            mood__text(&cv, cx, cy, buf, 0.5, 0, 0);
    }
    mood__font(&cv, 15, 0);
    if (s->x_label && s->x_label[0]) {
        mood__text_fit(&cv, s->x_label, area.w, buf, sizeof buf);
        mood__text(&cv, area.x + area.w / 2, cv.height - 12 * sc, buf, 0.5, 1, 0);
    }
    if (s->y_label && s->y_label[0]) {
        mood__text_fit(&cv, s->y_label, area.h, buf, sizeof buf);
        mood__text(&cv, 14 * sc, area.y + area.h / 2, buf, 0.5, 0, -M_PI / 2);
    }
    return mood__canvas_finish(&cv, WHAT);
}
