/*
 * The drawing toolkit under every chart: an output surface that becomes a PNG or SVG file
 * atomically (fileio.h: temp file + fsync + rename), text through cairo's toy font API with a
 * sans face resolved by fontconfig, "nice" axis ticks (Heckbert, "Nice numbers for graph
 * labels", Graphics Gems 1990), and a colour-blind-friendly categorical palette.
 */
#define _GNU_SOURCE /* RTLD_DEFAULT for dlsym */
#include "canvas.h"

#include "../core/internal.h"

#include <moodscope/plot.h>

#include <cairo-svg.h>
#include <dlfcn.h>
#include <math.h>
#include <string.h>
#include <strings.h>

/* ============================================================ output */

int mood__has_ext(const char *path, const char *ext)
{
    size_t lp = strlen(path), le = strlen(ext);
    return lp > le && strcasecmp(path + lp - le, ext) == 0;
}

/* Grow a byte buffer geometrically; 0 on success. */
static int buf_append(unsigned char **buf, size_t *len, size_t *cap, const void *data, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t ncap = *cap ? *cap : 4096;
        while (ncap < *len + n + 1)
            ncap *= 2;
        unsigned char *nb = mood__realloc(*buf, ncap);
        if (!nb)
            return -1;
        *buf = nb;
        *cap = ncap;
    }
    memcpy(*buf + *len, data, n);
    *len += n;
    (*buf)[*len] = '\0';
    return 0;
}

/* cairo's write callback: PNG bytes go straight to the temp file, SVG bytes to memory. */
static cairo_status_t write_fn(void *closure, const unsigned char *data, unsigned int len)
{
    plot_canvas *c = closure;
    if (c->is_svg) {
        if (buf_append(&c->svg, &c->svg_len, &c->svg_cap, data, len) != 0) {
            c->write_failed = 2;
            return CAIRO_STATUS_NO_MEMORY;
        }
        return CAIRO_STATUS_SUCCESS;
    }
    if (fwrite(data, 1, len, c->fp) != len) {
        c->write_failed = 1;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
}

static mood_status cairo_error(cairo_status_t st, const char *what, const char *path)
{
    if (st == CAIRO_STATUS_NO_MEMORY)
        return mood__error(MOOD_ENOMEM, "%s: %s: out of memory while drawing", what, path);
    return mood__error(MOOD_EINTERNAL, "%s: %s: cairo: %s", what, path, cairo_status_to_string(st));
}

mood_status mood__canvas_open(plot_canvas *c, const char *what, const char *path, int width,
                              int height, int default_width, int default_height)
{
    mood_status s;
    memset(c, 0, sizeof *c);
    if (!path || !path[0])
        return mood__error(MOOD_EINVAL, "%s: no output path", what);
    if (mood__has_ext(path, ".png"))
        c->is_svg = 0;
    else if (mood__has_ext(path, ".svg"))
        c->is_svg = 1;
    else
        return mood__error(MOOD_EINVAL, "%s: %s: unsupported extension (expected .png or .svg)",
                           what, path);
    if (width < 0 || height < 0 || width > MOOD_PLOT_MAX_SIDE || height > MOOD_PLOT_MAX_SIDE)
        return mood__error(MOOD_EINVAL, "%s: size %dx%d outside 0..%d pixels", what, width, height,
                           MOOD_PLOT_MAX_SIDE);
    c->width = width ? width : default_width;
    c->height = height ? height : default_height;
    if (c->width < 200 || c->height < 150)
        return mood__error(MOOD_EINVAL, "%s: size %dx%d too small (at least 200x150)", what,
                           c->width, c->height);
    c->path = path;
    c->scale = fmin((double)c->width / 1000.0, (double)c->height / 600.0);
    c->scale = fmax(0.6, fmin(4.0, c->scale));
    s = mood_atomic_open(path, &c->af, &c->fp);
    if (s != MOOD_OK)
        return mood__error_context(s, "%s", what);
    if (c->is_svg) {
        c->surface = cairo_svg_surface_create_for_stream(write_fn, c, c->width, c->height);
        /* Pixels, not cairo's default points, so that browsers show the chart at its size. */
        cairo_svg_surface_set_document_unit(c->surface, CAIRO_SVG_UNIT_PX);
    } else
        c->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, c->width, c->height);
    if (cairo_surface_status(c->surface) != CAIRO_STATUS_SUCCESS) {
        s = cairo_error(cairo_surface_status(c->surface), what, path);
        mood__canvas_abort(c);
        return s;
    }
    c->cr = cairo_create(c->surface);
    if (cairo_status(c->cr) != CAIRO_STATUS_SUCCESS) {
        s = cairo_error(cairo_status(c->cr), what, path);
        mood__canvas_abort(c);
        return s;
    }
    cairo_set_source_rgb(c->cr, 1, 1, 1);
    cairo_paint(c->cr);
    return MOOD_OK;
}

void mood__canvas_abort(plot_canvas *c)
{
    if (c->cr)
        cairo_destroy(c->cr);
    /* Destroying an SVG surface still emits its document through write_fn, into memory that is
     * released just below; nothing reaches the temporary file, which is then removed. */
    if (c->surface)
        cairo_surface_destroy(c->surface);
    mood_atomic_abort(c->af);
    mood__free(c->svg);
    mood__free(c->texts);
    memset(c, 0, sizeof *c);
}

/* Append @p s to @p out with the five XML special characters escaped; 0 on success. */
static int xml_escape(unsigned char **out, size_t *len, size_t *cap, const char *s)
{
    for (; *s; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '&':
            rep = "&amp;";
            break;
        case '"':
            rep = "&quot;";
            break;
        default:
            break;
        }
        int rc =
            rep ? buf_append(out, len, cap, rep, strlen(rep)) : buf_append(out, len, cap, s, 1);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/*
 * Write the SVG document with <title> and <desc> inserted right after the <svg ...> start tag.
 * SVG 1.1 allows both as the first children of <svg>; browsers show the title as the tab name
 * and screen readers and text search find the chart's words in <desc>.
 */
static int write_svg(plot_canvas *c)
{
    unsigned char *head = NULL;
    size_t hlen = 0, hcap = 0, split = c->svg_len;
    const char *svg_tag = strstr((const char *)c->svg, "<svg");
    if (svg_tag) {
        const char *end = strchr(svg_tag, '>');
        if (end)
            split = (size_t)(end + 1 - (const char *)c->svg);
    }
    if (buf_append(&head, &hlen, &hcap, "\n<title>", 8) != 0 ||
        xml_escape(&head, &hlen, &hcap, c->title ? c->title : "") != 0 ||
        buf_append(&head, &hlen, &hcap, "</title>\n<desc>", 15) != 0 ||
        xml_escape(&head, &hlen, &hcap, c->texts ? c->texts : "") != 0 ||
        buf_append(&head, &hlen, &hcap, "</desc>", 7) != 0) {
        mood__free(head);
        return -2;
    }
    int ok = fwrite(c->svg, 1, split, c->fp) == split && fwrite(head, 1, hlen, c->fp) == hlen &&
             fwrite(c->svg + split, 1, c->svg_len - split, c->fp) == c->svg_len - split;
    mood__free(head);
    return ok ? 0 : -1;
}

mood_status mood__canvas_finish(plot_canvas *c, const char *what)
{
    cairo_status_t st = cairo_status(c->cr);
    mood_status s;
    if (c->texts == NULL && c->texts_cap == (size_t)-1)
        st = CAIRO_STATUS_NO_MEMORY;
    if (st != CAIRO_STATUS_SUCCESS) {
        s = cairo_error(st, what, c->path);
        mood__canvas_abort(c);
        return s;
    }
    cairo_destroy(c->cr);
    c->cr = NULL;
    if (c->is_svg) {
        cairo_surface_finish(c->surface);
        st = cairo_surface_status(c->surface);
    } else {
        cairo_surface_flush(c->surface);
        st = cairo_surface_write_to_png_stream(c->surface, write_fn, c);
    }
    if (st == CAIRO_STATUS_SUCCESS && c->is_svg) {
        int rc = write_svg(c);
        if (rc == -2)
            st = CAIRO_STATUS_NO_MEMORY;
        else if (rc == -1)
            c->write_failed = 1;
    }
    if (c->write_failed == 1) {
        s = mood__error(MOOD_EIO, "%s: %s: write failed", what, c->path);
        mood__canvas_abort(c);
        return s;
    }
    if (st != CAIRO_STATUS_SUCCESS || c->write_failed) {
        s = cairo_error(st == CAIRO_STATUS_SUCCESS ? CAIRO_STATUS_NO_MEMORY : st, what, c->path);
        mood__canvas_abort(c);
        return s;
    }
    cairo_surface_destroy(c->surface);
    c->surface = NULL;
    s = mood_atomic_commit(c->af);
    c->af = NULL;
    mood__free(c->svg);
    mood__free(c->texts);
    c->svg = NULL;
    c->texts = NULL;
    if (s != MOOD_OK)
        return mood__error_context(s, "%s", what);
    return MOOD_OK;
}

void mood_plot_cleanup(void)
{
    /* fontconfig is cairo's dependency, not ours: FcFini is found at run time rather than
     * linked, so that the plot library needs nothing beyond cairo. */
    void *sym = dlsym(RTLD_DEFAULT, "FcFini");
    void (*fc_fini)(void) = NULL;
    cairo_debug_reset_static_data();
    memcpy(&fc_fini, &sym, sizeof fc_fini < sizeof sym ? sizeof fc_fini : sizeof sym);
    if (fc_fini)
        fc_fini();
}

/* ============================================================ text */

void mood__font(plot_canvas *c, double size_px, int bold)
{
    /* The toy API goes through fontconfig, which maps "DejaVu Sans" to the closest sans face
     * when DejaVu is absent; Debian's fontconfig pulls in fonts-dejavu-core by default. */
    cairo_select_font_face(c->cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(c->cr, size_px * c->scale);
}

double mood__text_width(plot_canvas *c, const char *s)
{
    cairo_text_extents_t te;
    cairo_text_extents(c->cr, s, &te);
    return te.x_advance;
}

/* Remember each drawn string for the SVG <desc>; an allocation failure marks the canvas. */
static void record_text(plot_canvas *c, const char *s)
{
    if (!c->is_svg || c->texts_cap == (size_t)-1)
        return;
    if (buf_append((unsigned char **)&c->texts, &c->texts_len, &c->texts_cap, s, strlen(s)) != 0 ||
        buf_append((unsigned char **)&c->texts, &c->texts_len, &c->texts_cap, "\n", 1) != 0) {
        mood__free(c->texts);
        c->texts = NULL;
        c->texts_cap = (size_t)-1;
    }
}

void mood__text(plot_canvas *c, double x, double y, const char *s, double ha, double va,
                double angle)
{
    cairo_t *cr = c->cr;
    cairo_font_extents_t fe;
    double w = mood__text_width(c, s);
    if (!s[0])
        return;
    record_text(c, s);
    cairo_font_extents(cr, &fe);
    cairo_save(cr);
    cairo_translate(cr, x, y);
    if (angle != 0.0)
        cairo_rotate(cr, angle);
    cairo_move_to(cr, -ha * w, -va * (fe.ascent + fe.descent) + fe.ascent);
    cairo_show_text(cr, s);
    cairo_restore(cr);
}

void mood__text_fit(plot_canvas *c, const char *s, double max_w, char *buf, size_t cap)
{
    size_t len = strlen(s);
    if (cap == 0)
        return;
    if (len >= cap)
        len = cap - 1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (mood__text_width(c, buf) <= max_w && len == strlen(s))
        return;
    /* Drop whole UTF-8 characters from the end until "prefix…" fits. */
    while (len > 0) {
        do
            len--;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80);
        if (len + 4 > cap)
            continue;
        memcpy(buf, s, len);
        memcpy(buf + len, "\xE2\x80\xA6", 4); /* "…" and the terminator */
        if (mood__text_width(c, buf) <= max_w)
            return;
    }
    snprintf(buf, cap, "\xE2\x80\xA6");
}

/* ============================================================ axes */

void mood__pad_range(double *lo, double *hi, double frac)
{
    if (!isfinite(*lo) || !isfinite(*hi)) {
        *lo = 0;
        *hi = 1;
        return;
    }
    double span = *hi - *lo;
    if (span <= 0) {
        double w = fabs(*lo) > 0 ? 0.1 * fabs(*lo) : 1.0;
        *lo -= w;
        *hi += w;
        return;
    }
    *lo -= frac * span;
    *hi += frac * span;
}

/* Digits after the point needed to print multiples of @p step exactly (at most 8). */
static int step_decimals(double step)
{
    for (int d = 0; d < 8; d++) {
        double v = step * pow(10.0, d);
        if (fabs(v - round(v)) < 1e-6 * fmax(1.0, fabs(v)))
            return d;
    }
    return 8;
}

static void finish_axis(plot_axis *a, double lo, double hi, double step)
{
    double biggest = fmax(fabs(lo), fabs(hi));
    a->lo = lo;
    a->hi = hi;
    a->step = step;
    a->tick0 = ceil(lo / step - 1e-9) * step;
    a->nticks = (int)floor((hi - a->tick0) / step + 1e-9) + 1;
    if (a->nticks < 0)
        a->nticks = 0;
    a->thousands = 0;
    if (biggest >= 1e6 && step >= 1e5)
        a->thousands = 2;
    else if (biggest >= 1e4 && step >= 1e3)
        a->thousands = 1;
    a->decimals = step_decimals(step / (a->thousands == 2 ? 1e6 : a->thousands == 1 ? 1e3 : 1.0));
}

void mood__axis_ticks(plot_axis *a, double lo, double hi, int target)
{
    static const double nice[] = {1, 2, 2.5, 5, 10};
    double raw, mag, step = 1;
    if (target < 2)
        target = 2;
    raw = (hi - lo) / target;
    if (!(raw > 0) || !isfinite(raw))
        raw = 1;
    mag = pow(10.0, floor(log10(raw)));
    for (size_t i = 0; i < sizeof nice / sizeof nice[0]; i++) {
        step = nice[i] * mag;
        if (step >= raw * 0.999)
            break;
    }
    finish_axis(a, lo, hi, step);
}

void mood__axis_ticks_int(plot_axis *a, double lo, double hi, int target)
{
    mood__axis_ticks(a, lo, hi, target);
    if (a->step < 1)
        finish_axis(a, lo, hi, 1);
    else if (a->step != floor(a->step))
        finish_axis(a, lo, hi, ceil(a->step));
}

void mood__axis_label(const plot_axis *a, double v, char *buf, size_t cap)
{
    const char *suffix = a->thousands == 2 ? "M" : a->thousands == 1 ? "k" : "";
    char tmp[64];
    if (a->thousands)
        v /= a->thousands == 2 ? 1e6 : 1e3;
    if (fabs(v) < 1e-9 * fmax(1.0, a->step))
        v = 0; /* no "-0" */
    snprintf(tmp, sizeof tmp, "%.*f%s", a->decimals, v, suffix);
    if (tmp[0] == '-')
        snprintf(buf, cap, "\xE2\x88\x92%s", tmp + 1); /* U+2212 minus sign */
    else
        snprintf(buf, cap, "%s", tmp);
}

double mood__axis_map(const plot_axis *a, double v, double p0, double p1)
{
    return p0 + (v - a->lo) / (a->hi - a->lo) * (p1 - p0);
}

void mood__draw_grid(plot_canvas *c, plot_rect r, const plot_axis *x, const plot_axis *y)
{
    cairo_t *cr = c->cr;
    cairo_save(cr);
    cairo_set_source_rgb(cr, 0.90, 0.90, 0.90);
    cairo_set_line_width(cr, 1.0);
    for (int i = 0; x && i < x->nticks; i++) {
        double px = round(mood__axis_map(x, x->tick0 + i * x->step, r.x, r.x + r.w)) + 0.5;
        cairo_move_to(cr, px, r.y);
        cairo_line_to(cr, px, r.y + r.h);
    }
    for (int i = 0; y && i < y->nticks; i++) {
        double py = round(mood__axis_map(y, y->tick0 + i * y->step, r.y + r.h, r.y)) + 0.5;
        cairo_move_to(cr, r.x, py);
        cairo_line_to(cr, r.x + r.w, py);
    }
    cairo_stroke(cr);
    cairo_restore(cr);
}

void mood__draw_frame(plot_canvas *c, plot_rect r)
{
    cairo_t *cr = c->cr;
    cairo_save(cr);
    cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
    cairo_set_line_width(cr, 1.0);
    cairo_rectangle(cr, round(r.x) + 0.5, round(r.y) + 0.5, round(r.w), round(r.h));
    cairo_stroke(cr);
    cairo_restore(cr);
}

void mood__draw_x_ticks(plot_canvas *c, plot_rect r, const plot_axis *x)
{
    cairo_t *cr = c->cr;
    char buf[64];
    double len = 5 * c->scale;
    cairo_save(cr);
    cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
    cairo_set_line_width(cr, 1.0);
    mood__font(c, 13, 0);
    for (int i = 0; i < x->nticks; i++) {
        double v = x->tick0 + i * x->step;
        double px = round(mood__axis_map(x, v, r.x, r.x + r.w)) + 0.5;
        cairo_move_to(cr, px, r.y + r.h);
        cairo_line_to(cr, px, r.y + r.h + len);
        cairo_stroke(cr);
        mood__axis_label(x, v, buf, sizeof buf);
        mood__text(c, px, r.y + r.h + len + 2 * c->scale, buf, 0.5, 0, 0);
    }
    cairo_restore(cr);
}

void mood__draw_y_ticks(plot_canvas *c, plot_rect r, const plot_axis *y, int right_side,
                        double *out_label_w)
{
    cairo_t *cr = c->cr;
    char buf[64];
    double len = 5 * c->scale, maxw = 0;
    double edge = right_side ? r.x + r.w : r.x;
    double dir = right_side ? 1 : -1;
    cairo_save(cr);
    cairo_set_line_width(cr, 1.0);
    mood__font(c, 13, 0);
    for (int i = 0; i < y->nticks; i++) {
        double v = y->tick0 + i * y->step;
        double py = round(mood__axis_map(y, v, r.y + r.h, r.y)) + 0.5;
        cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
        cairo_move_to(cr, edge, py);
        cairo_line_to(cr, edge + dir * len, py);
        cairo_stroke(cr);
        mood__axis_label(y, v, buf, sizeof buf);
        maxw = fmax(maxw, mood__text_width(c, buf));
        mood__text(c, edge + dir * (len + 3 * c->scale), py, buf, right_side ? 0 : 1, 0.5, 0);
    }
    cairo_restore(cr);
    if (out_label_w)
        *out_label_w = maxw + len + 3 * c->scale;
}

double mood__draw_title(plot_canvas *c, const char *title)
{
    cairo_font_extents_t fe;
    char buf[512];
    double top = 14 * c->scale;
    c->title = title;
    mood__font(c, 20, 1);
    cairo_font_extents(c->cr, &fe);
    if (!title || !title[0])
        return top;
    cairo_set_source_rgb(c->cr, 0.1, 0.1, 0.1);
    mood__text_fit(c, title, c->width - 40 * c->scale, buf, sizeof buf);
    mood__text(c, c->width / 2.0, top, buf, 0.5, 0, 0);
    return top + fe.ascent + fe.descent;
}

/* ============================================================ palette */

plot_rgb mood__palette(size_t i)
{
    /* Okabe & Ito (2008) "Color Universal Design" without its pale yellow, then three of Paul
     * Tol's muted colours and black: ten hues distinguishable under the common colour-vision
     * deficiencies and readable on white. */
    static const unsigned hex[10] = {0x0072B2, 0xE69F00, 0x009E73, 0xD55E00, 0xCC79A7,
                                     0x56B4E9, 0x882255, 0x999933, 0x332288, 0x000000};
    unsigned h = hex[i % 10];
    plot_rgb c = {((h >> 16) & 0xFF) / 255.0, ((h >> 8) & 0xFF) / 255.0, (h & 0xFF) / 255.0};
    return c;
}

plot_rgb mood__noise_grey(void)
{
    plot_rgb c = {0.62, 0.62, 0.62};
    return c;
}

int mood__palette_shape(size_t i)
{
    return (int)((i / 10) % PLOT_N_SHAPES);
}

void mood__marker_path(cairo_t *cr, int shape, double x, double y, double r)
{
    switch (shape) {
    case PLOT_SQUARE:
        cairo_rectangle(cr, x - 0.89 * r, y - 0.89 * r, 1.78 * r, 1.78 * r);
        break;
    case PLOT_TRIANGLE:
        cairo_move_to(cr, x, y - 1.25 * r);
        cairo_line_to(cr, x + 1.1 * r, y + 0.7 * r);
        cairo_line_to(cr, x - 1.1 * r, y + 0.7 * r);
        cairo_close_path(cr);
        break;
    case PLOT_DIAMOND:
        cairo_move_to(cr, x, y - 1.25 * r);
        cairo_line_to(cr, x + 1.25 * r, y);
        cairo_line_to(cr, x, y + 1.25 * r);
        cairo_line_to(cr, x - 1.25 * r, y);
        cairo_close_path(cr);
        break;
    case PLOT_TRIANGLE_DOWN:
        cairo_move_to(cr, x, y + 1.25 * r);
        cairo_line_to(cr, x + 1.1 * r, y - 0.7 * r);
        cairo_line_to(cr, x - 1.1 * r, y - 0.7 * r);
        cairo_close_path(cr);
        break;
    default:
        cairo_new_sub_path(cr);
        cairo_arc(cr, x, y, r, 0, 2 * M_PI);
        cairo_close_path(cr);
        break;
    }
}

void mood__format_count(size_t v, char *buf, size_t cap)
{
    char digits[32];
    size_t nd, o = 0;
    snprintf(digits, sizeof digits, "%zu", v);
    nd = strlen(digits);
    for (size_t i = 0; i < nd && o + 2 < cap; i++) {
        if (i > 0 && (nd - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
}
