/*
 * The group map: a 2-D scatter (usually the first two principal components) with one colour per
 * group, noise in grey beneath, group centres as outlined crosses, and a legend that gives each
 * group's name and size. It must stay quick for 100k points, so each point is one small filled
 * path with no stroke, and the radius and opacity shrink as n grows so dense clouds still show
 * their density instead of a solid blob.
 */
#include "canvas.h"

#include "../core/internal.h"

#include <moodscope/plot.h>

#include <math.h>
#include <string.h>

#define WHAT "scatter plot"
/* Above this many points an SVG gets its point layer as an embedded image. */
#define SVG_RASTER_POINTS 20000

/* Point radius (px at scale 1) and opacity for n points: big and solid for a few hundred
 * points, small and translucent for 100k, where overdraw would otherwise hide density. */
static void point_style(size_t n, double *radius, double *alpha)
{
    double nn = (double)(n < 1 ? 1 : n);
    *radius = fmax(1.1, fmin(5.0, 4.2 * pow(1000.0 / nn, 0.25)));
    *alpha = fmax(0.30, fmin(0.85, 0.85 - 0.14 * log10(fmax(1.0, nn / 300.0))));
}

static mood_status validate(const mood_scatter_spec *s)
{
    if (!s)
        return mood__error(MOOD_EINVAL, WHAT ": spec is NULL");
    if (!s->xy)
        return mood__error(MOOD_EINVAL, WHAT ": xy is NULL");
    if (s->n == 0)
        return mood__error(MOOD_EINVAL, WHAT ": no points (n=0)");
    if (s->labels) {
        for (size_t i = 0; i < s->n; i++)
            if (s->labels[i] < -1 || (s->labels[i] >= 0 && (size_t)s->labels[i] >= s->k))
                return mood__error(MOOD_EINVAL, WHAT ": labels[%zu]=%d outside -1..%zu", i,
                                   (int)s->labels[i], s->k ? s->k - 1 : 0);
    }
    return MOOD_OK;
}

/* Legend text of group @p g: its name and its size suffix (" (n=1,234)"), kept apart so that a
 * long name can be shortened without losing the size. */
static const char *entry_parts(const mood_scatter_spec *s, size_t g, size_t count, char *fallback,
                               size_t fcap, char *suffix, size_t scap)
{
    char num[32];
    const char *name = s->group_names && s->group_names[g] ? s->group_names[g] : NULL;
    if (!name) {
        snprintf(fallback, fcap, "group %zu", g);
        name = fallback;
    }
    mood__format_count(count, num, sizeof num);
    snprintf(suffix, scap, " (n=%s)", num);
    return name;
}

/* "name (n=…)" in at most @p max_w: the name gets "…" when the whole does not fit. */
static void fit_entry(plot_canvas *cv, const char *name, const char *suffix, double max_w,
                      char *buf, size_t cap)
{
    char fitted[512];
    double sw = mood__text_width(cv, suffix);
    mood__text_fit(cv, name, fmax(max_w - sw, max_w * 0.3), fitted, sizeof fitted);
    snprintf(buf, cap, "%s%s", fitted, suffix);
}

/* A '+' of half-size @p h: a dark outline under a coloured core, visible on any cloud. */
static void draw_cross(cairo_t *cr, double x, double y, double h, double lw, plot_rgb col)
{
    cairo_move_to(cr, x - h, y);
    cairo_line_to(cr, x + h, y);
    cairo_move_to(cr, x, y - h);
    cairo_line_to(cr, x, y + h);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_SQUARE);
    cairo_set_source_rgb(cr, 0.08, 0.08, 0.08);
    cairo_set_line_width(cr, lw * 2.1);
    cairo_stroke_preserve(cr);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    cairo_set_source_rgb(cr, col.r, col.g, col.b);
    cairo_set_line_width(cr, lw);
    cairo_stroke(cr);
}

/*
 * Points: noise first (beneath), then the groups in row order so that no group is painted
 * wholesale over another. Each point is its own translucent fill, so overlaps darken and dense
 * regions read as dense.
 */
static void draw_points(cairo_t *cr, const mood_scatter_spec *s, const plot_axis *ax,
                        const plot_axis *ay, plot_rect area, double r, double alpha)
{
    cairo_set_antialias(cr, r < 2.0 ? CAIRO_ANTIALIAS_FAST : CAIRO_ANTIALIAS_DEFAULT);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < s->n; i++) {
            int32_t g = s->labels ? s->labels[i] : 0;
            if ((pass == 0) != (g < 0))
                continue;
            double x = s->xy[2 * i], y = s->xy[2 * i + 1];
            if (!isfinite(x) || !isfinite(y))
                continue;
            plot_rgb col = g < 0 ? mood__noise_grey() : mood__palette((size_t)g);
            int shape = g < 0 ? PLOT_CIRCLE : mood__palette_shape((size_t)g);
            double px = mood__axis_map(ax, x, area.x, area.x + area.w);
            double py = mood__axis_map(ay, y, area.y + area.h, area.y);
            cairo_set_source_rgba(cr, col.r, col.g, col.b, g < 0 ? alpha * 0.6 : alpha);
            mood__marker_path(cr, shape, px, py, g < 0 ? r * 0.8 : r);
            cairo_fill(cr);
        }
    }
    cairo_set_antialias(cr, CAIRO_ANTIALIAS_DEFAULT);
}

typedef struct legend_layout {
    size_t shown;    /* entries drawn (the rest summarised as "… N more") */
    size_t total;    /* entries wanted */
    double row_h, w; /* row height and box width */
    double text_w;   /* room for the text */
    double marker_w, pad;
} legend_layout;

/* Group sizes, the noise count and the data range of the points and centres. */
static void scatter_ranges(const mood_scatter_spec *s, size_t k, size_t *counts, size_t *n_noise,
                           double *xlo, double *xhi, double *ylo, double *yhi)
{
    for (size_t i = 0; i < s->n; i++) {
        double x = s->xy[2 * i], y = s->xy[2 * i + 1];
        int32_t g = s->labels ? s->labels[i] : 0;
        if (g < 0)
            (*n_noise)++;
        else
            counts[g]++;
        if (!isfinite(x) || !isfinite(y))
            continue;
        *xlo = fmin(*xlo, x);
        *xhi = fmax(*xhi, x);
        *ylo = fmin(*ylo, y);
        *yhi = fmax(*yhi, y);
    }
    for (size_t c = 0; s->centroids_xy && c < k; c++) {
        double x = s->centroids_xy[2 * c], y = s->centroids_xy[2 * c + 1];
        if (!isfinite(x) || !isfinite(y))
            continue;
        *xlo = fmin(*xlo, x);
        *xhi = fmax(*xhi, x);
        *ylo = fmin(*ylo, y);
        *yhi = fmax(*yhi, y);
    }
    mood__pad_range(xlo, xhi, 0.04);
    mood__pad_range(ylo, yhi, 0.04);
}

/* Legend: measure every entry, then size the box (at most 32% of the width). */
static void legend_measure(plot_canvas *cv, const mood_scatter_spec *s, size_t k,
                           const size_t *counts, size_t n_noise, double top, legend_layout *lg)
{
    cairo_font_extents_t fe;
    double sc = cv->scale, widest = 0;
    memset(lg, 0, sizeof *lg);
    lg->total = k + (n_noise > 0) + (s->centroids_xy != NULL);
    mood__font(cv, 13, 0);
    cairo_font_extents(cv->cr, &fe);
    lg->marker_w = 26 * sc;
    lg->pad = 10 * sc;
    for (size_t g = 0; g < k; g++) {
        char fb[32], suffix[48];
        const char *nm = entry_parts(s, g, counts[g], fb, sizeof fb, suffix, sizeof suffix);
        widest = fmax(widest, mood__text_width(cv, nm) + mood__text_width(cv, suffix));
    }
    lg->text_w = fmin(widest + 2, 0.32 * cv->width - lg->marker_w - 2 * lg->pad);
    lg->text_w = fmax(lg->text_w, mood__text_width(cv, "noise (n=000,000)"));
    lg->w = lg->marker_w + lg->text_w + 2 * lg->pad;
    lg->row_h = fmax(fe.height * 1.35, 12);
    double legend_h_max = cv->height - top - 20 * sc;
    lg->shown = lg->total;
    if ((double)lg->total * lg->row_h + 2 * lg->pad > legend_h_max) {
        lg->row_h = fmax(fe.height * 1.05, (legend_h_max - 2 * lg->pad) / (double)lg->total);
        if ((double)lg->total * lg->row_h + 2 * lg->pad > legend_h_max)
            lg->shown = (size_t)((legend_h_max - 2 * lg->pad) / lg->row_h) - 1;
    }
}

/* The points (one embedded PNG in a dense SVG) and the group centres, clipped to @p area. */
static void scatter_layer(plot_canvas *cv, const mood_scatter_spec *s, size_t k,
                          const plot_axis *ax, const plot_axis *ay, plot_rect area)
{
    cairo_t *cr = cv->cr;
    double sc = cv->scale, r, alpha;
    point_style(s->n, &r, &alpha);
    r *= sc;
    cairo_save(cr);
    cairo_rectangle(cr, area.x, area.y, area.w, area.h);
    cairo_clip(cr);
    if (cv->is_svg && s->n > SVG_RASTER_POINTS) {
        /* One SVG element per point would make a 100k-point map tens of megabytes that
         * browsers render slowly; the dense point layer goes in as one embedded PNG at twice
         * the nominal resolution while text, axes and centres stay vector. */
        int iw = (int)ceil(area.w * 2), ih = (int)ceil(area.h * 2);
        cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, iw, ih);
        cairo_t *icr = cairo_create(img);
        cairo_scale(icr, 2, 2);
        cairo_translate(icr, -area.x, -area.y);
        draw_points(icr, s, ax, ay, area, r, alpha);
        cairo_destroy(icr);
        cairo_save(cr);
        cairo_translate(cr, area.x, area.y);
        cairo_scale(cr, 0.5, 0.5);
        cairo_set_source_surface(cr, img, 0, 0); /* an error surface puts cr in error */
        cairo_paint(cr);
        cairo_restore(cr);
        cairo_surface_destroy(img);
    } else {
        draw_points(cr, s, ax, ay, area, r, alpha);
    }
    cairo_set_antialias(cr, CAIRO_ANTIALIAS_DEFAULT);
    for (size_t c = 0; s->centroids_xy && c < k; c++) {
        double x = s->centroids_xy[2 * c], y = s->centroids_xy[2 * c + 1];
        if (!isfinite(x) || !isfinite(y))
            continue;
        draw_cross(cr, mood__axis_map(ax, x, area.x, area.x + area.w),
                   mood__axis_map(ay, y, area.y + area.h, area.y), 11 * sc, 3.5 * sc,
                   mood__palette(c));
    }
    cairo_restore(cr);
}

/* Legend box to the right of the plot area. */
static void legend_draw(plot_canvas *cv, const mood_scatter_spec *s, size_t k, const size_t *counts,
                        size_t n_noise, const legend_layout *lg, plot_rect area)
{
    cairo_t *cr = cv->cr;
    double sc = cv->scale, pad = lg->pad, marker_w = lg->marker_w;
    char buf[512];
    size_t rows = lg->shown + (lg->shown < lg->total);
    double lx = area.x + area.w + 18 * sc, ly = area.y;
    double lh = (double)rows * lg->row_h + 2 * pad;
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, round(lx) + 0.5, round(ly) + 0.5, round(lg->w), round(lh));
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.7, 0.7, 0.7);
    cairo_set_line_width(cr, 1.0);
    cairo_stroke(cr);
    mood__font(cv, 13, 0);
    size_t row = 0;
    for (size_t e = 0; e < lg->total && row < lg->shown; e++, row++) {
        double cy = ly + pad + ((double)row + 0.5) * lg->row_h, mx = lx + pad + marker_w * 0.4;
        char text[512], fb[32], suffix[48];
        if (e < k) {
            plot_rgb col = mood__palette(e);
            const char *nm = entry_parts(s, e, counts[e], fb, sizeof fb, suffix, sizeof suffix);
            fit_entry(cv, nm, suffix, lg->text_w, text, sizeof text);
            cairo_set_source_rgb(cr, col.r, col.g, col.b);
            mood__marker_path(cr, mood__palette_shape(e), mx, cy, 5.5 * sc);
            cairo_fill(cr);
        } else if (e == k && n_noise > 0) {
            plot_rgb col = mood__noise_grey();
            char num[32];
            mood__format_count(n_noise, num, sizeof num);
            snprintf(text, sizeof text, "noise (n=%s)", num);
            cairo_set_source_rgb(cr, col.r, col.g, col.b);
            mood__marker_path(cr, PLOT_CIRCLE, mx, cy, 4.5 * sc);
            cairo_fill(cr);
        } else {
            plot_rgb white = {1, 1, 1};
            snprintf(text, sizeof text, "group centre");
            draw_cross(cr, mx, cy, 6 * sc, 2.5 * sc, white);
        }
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        mood__text_fit(cv, text, lg->text_w, buf, sizeof buf);
        mood__text(cv, lx + pad + marker_w, cy, buf, 0, 0.5, 0);
    }
    if (lg->shown < lg->total) {
        double cy = ly + pad + ((double)row + 0.5) * lg->row_h;
        snprintf(buf, sizeof buf, "\xE2\x80\xA6 %zu more", lg->total - lg->shown);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        mood__text(cv, lx + pad + marker_w, cy, buf, 0, 0.5, 0);
    }
}

mood_status mood_plot_scatter(const mood_scatter_spec *s, const char *path)
{
    plot_canvas cv;
    mood_status st = validate(s);
    size_t k, *counts = NULL, n_noise = 0;
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    if (st != MOOD_OK)
        return st;
    k = s->labels ? s->k : MOOD_MAX(s->k, 1);
    st = mood__canvas_open(&cv, WHAT, path, s->width, s->height, 1200, 900);
    if (st != MOOD_OK)
        return st;
    counts = mood__calloc(k ? k : 1, sizeof *counts);
    if (!counts) {
        mood__canvas_abort(&cv);
        return mood__enomem(WHAT);
    }
    scatter_ranges(s, k, counts, &n_noise, &xlo, &xhi, &ylo, &yhi);

    cairo_t *cr = cv.cr;
    double sc = cv.scale;
    double top = mood__draw_title(&cv, s->title) + 14 * sc;
    char buf[512];
    cairo_font_extents_t fe;
    legend_layout lg;
    legend_measure(&cv, s, k, counts, n_noise, top, &lg);

    /* Axes: ticks first, so that the left margin fits the widest tick label. */
    plot_axis ax, ay;
    mood__axis_ticks(&ax, xlo, xhi, 8);
    mood__axis_ticks(&ay, ylo, yhi, 8);
    double ylab_w = 0;
    mood__font(&cv, 13, 0);
    for (int i = 0; i < ay.nticks; i++) {
        mood__axis_label(&ay, ay.tick0 + i * ay.step, buf, sizeof buf);
        ylab_w = fmax(ylab_w, mood__text_width(&cv, buf));
    }
    mood__font(&cv, 15, 0);
    cairo_font_extents(cr, &fe);
    double axis_title_h = fe.ascent + fe.descent;
    plot_rect area;
    area.x = 18 * sc + axis_title_h + 12 * sc + ylab_w + 8 * sc;
    area.y = top;
    area.w = cv.width - area.x - lg.w - 36 * sc;
    area.h = cv.height - top - (13 * sc * 1.3 + 12 * sc) - axis_title_h - 26 * sc;

    mood__draw_grid(&cv, area, &ax, &ay);
    scatter_layer(&cv, s, k, &ax, &ay, area);
    mood__draw_frame(&cv, area);
    mood__draw_x_ticks(&cv, area, &ax);
    mood__draw_y_ticks(&cv, area, &ay, 0, NULL);

    /* Axis titles, shortened with "…" when longer than the plot side. */
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    mood__font(&cv, 15, 0);
    if (s->x_label && s->x_label[0]) {
        mood__text_fit(&cv, s->x_label, area.w, buf, sizeof buf);
        mood__text(&cv, area.x + area.w / 2, cv.height - 14 * sc, buf, 0.5, 1, 0);
    }
    if (s->y_label && s->y_label[0]) {
        mood__text_fit(&cv, s->y_label, area.h, buf, sizeof buf);
        mood__text(&cv, 16 * sc, area.y + area.h / 2, buf, 0.5, 0, -M_PI / 2);
    }
    legend_draw(&cv, s, k, counts, n_noise, &lg, area);
    mood__free(counts);
    return mood__canvas_finish(&cv, WHAT);
}
