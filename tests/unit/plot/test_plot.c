/*
 * Charts: files have the right format and size, the groups' colours are where their points are,
 * SVGs carry their text, and every error leaves no file behind.
 */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"

#include <moodscope/fileio.h>
#include <moodscope/plot.h>

#include <cairo.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The palette's first three colours (Okabe-Ito blue, orange, bluish green). */
static const unsigned group_rgb[3] = {0x0072B2, 0xE69F00, 0x009E73};

static size_t dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static int has_png_signature(const char *path)
{
    unsigned char sig[8] = {0};
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return 0;
    size_t got = fread(sig, 1, 8, fp);
    fclose(fp);
    return got == 8 && memcmp(sig, "\x89PNG\r\n\x1a\n", 8) == 0;
}

/* Number of pixels within @p tol (per channel, 0..255) of @p rgb inside the given box. */
static size_t count_colour(cairo_surface_t *img, unsigned rgb, int tol, int x0, int y0, int x1,
                           int y1)
{
    int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
    int stride = cairo_image_surface_get_stride(img);
    const unsigned char *data = cairo_image_surface_get_data(img);
    size_t n = 0;
    int r = (int)(rgb >> 16) & 0xFF, g = (int)(rgb >> 8) & 0xFF, b = (int)rgb & 0xFF;
    for (int y = y0 < 0 ? 0 : y0; y < y1 && y < h; y++) {
        const uint32_t *row = (const uint32_t *)(const void *)(data + (size_t)y * stride);
        for (int x = x0 < 0 ? 0 : x0; x < x1 && x < w; x++) {
            uint32_t p = row[x];
            int pr = (int)(p >> 16) & 0xFF, pg = (int)(p >> 8) & 0xFF, pb = (int)p & 0xFF;
            if (abs(pr - r) <= tol && abs(pg - g) <= tol && abs(pb - b) <= tol)
                n++;
        }
    }
    return n;
}

/* Three tight groups: 0 bottom-left, 1 bottom-right, 2 top-left. */
static void three_groups(size_t n, float *xy, int32_t *labels)
{
    static const float cx[3] = {-5, 5, -5}, cy[3] = {-5, -5, 5};
    for (size_t i = 0; i < n; i++) {
        size_t g = i % 3;
        double a = (double)i * 2.399963, rad = 0.6 * sqrt((double)(i / 3) / (double)(n / 3));
        xy[2 * i] = cx[g] + (float)(rad * cos(a));
        xy[2 * i + 1] = cy[g] + (float)(rad * sin(a));
        labels[i] = (int32_t)g;
    }
}

static void test_scatter_png(void **state)
{
    (void)state;
    const char *dir = mood_test_tmpdir("plot-scatter");
    char path[1100];
    float xy[600];
    int32_t labels[300];
    const char *names[3] = {"calm", "energetic", "dark"};
    three_groups(300, xy, labels);
    labels[0] = -1;
    mood_scatter_spec s = {0};
    s.xy = xy;
    s.n = 300;
    s.labels = labels;
    s.k = 3;
    s.group_names = names;
    s.title = "three groups";
    s.x_label = "PC1";
    s.y_label = "PC2";
    s.width = 800;
    s.height = 600;
    snprintf(path, sizeof path, "%s/map.png", dir);
    MOOD_ASSERT_OK(mood_plot_scatter(&s, path));
    assert_true(has_png_signature(path));
    assert_int_equal(dir_entries(dir), 1); /* no temporary file left */

    cairo_surface_t *img = cairo_image_surface_create_from_png(path);
    assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    assert_int_equal(cairo_image_surface_get_width(img), 800);
    assert_int_equal(cairo_image_surface_get_height(img), 600);
    /* Each group's colour is in its own corner of the plot (the legend sits top-right). */
    assert_true(count_colour(img, group_rgb[0], 30, 0, 330, 260, 600) > 50);
    assert_true(count_colour(img, group_rgb[1], 30, 330, 360, 600, 600) > 50);
    assert_true(count_colour(img, group_rgb[2], 30, 0, 0, 260, 300) > 50);
    /* ...and not in another group's corner. */
    assert_int_equal(count_colour(img, group_rgb[0], 30, 0, 0, 260, 300), 0);
    assert_int_equal(count_colour(img, group_rgb[2], 30, 0, 330, 260, 600), 0);
    /* The background is white. */
    assert_true(count_colour(img, 0xFFFFFF, 0, 0, 0, 800, 600) > 800 * 600 / 2);
    cairo_surface_destroy(img);
}

static void test_scatter_svg_text(void **state)
{
    (void)state;
    const char *dir = mood_test_tmpdir("plot-svg");
    char path[1100], *text;
    float xy[600], cen[6] = {-5, -5, 5, -5, -5, 5};
    int32_t labels[300];
    const char *names[3] = {"calm, acoustic", "energetic & <loud>", NULL};
    three_groups(300, xy, labels);
    labels[1] = -1;
    labels[4] = -1;
    mood_scatter_spec s = {0};
    s.xy = xy;
    s.n = 300;
    s.labels = labels;
    s.k = 3;
    s.group_names = names;
    s.centroids_xy = cen;
    s.title = "Mood groups";
    snprintf(path, sizeof path, "%s/map.SVG", dir);
    MOOD_ASSERT_OK(mood_plot_scatter(&s, path));
    MOOD_ASSERT_OK(mood_read_file(path, &text, NULL));
    assert_non_null(strstr(text, "<svg"));
    assert_non_null(strstr(text, "<title>Mood groups</title>"));
    assert_non_null(strstr(text, "calm, acoustic (n=100)"));
    assert_non_null(strstr(text, "energetic &amp; &lt;loud&gt; (n=98)")); /* escaped */
    assert_non_null(strstr(text, "group 2 (n=100)"));
    assert_non_null(strstr(text, "noise (n=2)"));
    assert_non_null(strstr(text, "group centre"));
    assert_non_null(strstr(text, "width=\"1200px\"")); /* default size, in pixels */
    mood_free(text);
    assert_int_equal(dir_entries(dir), 1);

    /* A name too long for the legend is shortened, but its size stays readable. */
    names[2] = "an extremely long group name that keeps going well past any legend box width, "
               "with more words after the comma and still more words after that";
    MOOD_ASSERT_OK(mood_plot_scatter(&s, path));
    MOOD_ASSERT_OK(mood_read_file(path, &text, NULL));
    assert_non_null(strstr(text, "an extremely long group name"));
    assert_non_null(strstr(text, "\xE2\x80\xA6 (n=100)"));
    mood_free(text);
}

static void test_scatter_errors(void **state)
{
    (void)state;
    const char *dir = mood_test_tmpdir("plot-err");
    char path[1100], bad[1100];
    float xy[4] = {0, 0, 1, 1};
    int32_t labels[2] = {0, 1};
    mood_scatter_spec s = {0};
    s.xy = xy;
    s.n = 2;
    s.labels = labels;
    s.k = 2;

    snprintf(bad, sizeof bad, "%s/map.jpg", dir);
    assert_int_equal(mood_plot_scatter(&s, bad), MOOD_EINVAL);
    assert_non_null(strstr(mood_last_error(), bad));
    assert_non_null(strstr(mood_last_error(), ".png or .svg"));

    snprintf(bad, sizeof bad, "%s/no/such/dir/map.png", dir);
    assert_int_equal(mood_plot_scatter(&s, bad), MOOD_EIO);
    assert_non_null(strstr(mood_last_error(), "no/such/dir/map.png"));

    snprintf(path, sizeof path, "%s/map.png", dir);
    assert_int_equal(mood_plot_scatter(NULL, path), MOOD_EINVAL);
    s.n = 0;
    assert_int_equal(mood_plot_scatter(&s, path), MOOD_EINVAL);
    assert_non_null(strstr(mood_last_error(), "n=0"));
    s.n = 2;
    s.xy = NULL;
    assert_int_equal(mood_plot_scatter(&s, path), MOOD_EINVAL);
    assert_non_null(strstr(mood_last_error(), "xy"));
    s.xy = xy;
    labels[1] = 2; /* outside 0..k-1 */
    assert_int_equal(mood_plot_scatter(&s, path), MOOD_EINVAL);
    assert_non_null(strstr(mood_last_error(), "labels[1]=2"));
    labels[1] = 1;
    s.width = -5;
    assert_int_equal(mood_plot_scatter(&s, path), MOOD_EINVAL);
    s.width = 50;
    s.height = 50;
    assert_int_equal(mood_plot_scatter(&s, path), MOOD_EINVAL);
    assert_int_equal(mood_plot_scatter(&s, NULL), MOOD_EINVAL);
    assert_int_equal(dir_entries(dir), 0);

    /* Allocation failures anywhere (atomic file, counts, SVG buffers) leave no file. */
    s.width = s.height = 0;
    snprintf(path, sizeof path, "%s/map.svg", dir);
    for (long fail = 1;; fail++) {
        mood_test_fail_alloc_after(fail);
        mood_status st = mood_plot_scatter(&s, path);
        long used = mood_test_alloc_count();
        mood_test_fail_alloc_after(0);
        if (st == MOOD_OK) {
            assert_true(used < fail);
            break;
        }
        assert_int_equal(st, MOOD_ENOMEM);
        assert_int_equal(dir_entries(dir), 0);
        assert_true(fail < 1000);
    }
    assert_int_equal(dir_entries(dir), 1);
}

/* Overwriting keeps the old file until the new one is complete (rename into place). */
static void test_scatter_replaces_atomically(void **state)
{
    (void)state;
    const char *dir = mood_test_tmpdir("plot-replace");
    char path[1100];
    float xy[4] = {0, 0, 1, 1};
    int32_t labels[2] = {0, 0};
    mood_scatter_spec s = {0};
    s.xy = xy;
    s.n = 2;
    s.labels = labels;
    s.k = 1;
    snprintf(path, sizeof path, "%s/map.png", dir);
    MOOD_ASSERT_OK(mood_atomic_write(path, "old", 3));
    labels[1] = 5;
    assert_int_equal(mood_plot_scatter(&s, path), MOOD_EINVAL);
    char *text;
    MOOD_ASSERT_OK(mood_read_file(path, &text, NULL));
    assert_string_equal(text, "old");
    mood_free(text);
    labels[1] = 0;
    MOOD_ASSERT_OK(mood_plot_scatter(&s, path));
    assert_true(has_png_signature(path));
    assert_int_equal(dir_entries(dir), 1);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void test_scatter_100k(void **state)
{
    (void)state;
    const char *dir = mood_test_tmpdir("plot-100k");
    char path[1100];
    size_t n = 100000;
    float *xy = malloc(2 * n * sizeof *xy);
    int32_t *labels = malloc(n * sizeof *labels);
    assert_non_null(xy);
    assert_non_null(labels);
    mood_test_blobs(7, n, 2, 8, 10.0f, 1.5f, xy, labels);
    mood_scatter_spec s = {0};
    s.xy = xy;
    s.n = n;
    s.labels = labels;
    s.k = 8;
    s.title = "100k points";
    snprintf(path, sizeof path, "%s/big.png", dir);
    double t0 = now_s();
    MOOD_ASSERT_OK(mood_plot_scatter(&s, path));
    double dt = now_s() - t0;
    free(xy);
    free(labels);
    printf("scatter of %zu points: %.3f s\n", n, dt);
    /* The target is < 1 s; the bound is loose because the test machine is shared, and looser
     * still under the sanitizers, which slow every memory access. */
#if defined(__SANITIZE_ADDRESS__)
    assert_true(dt < 30.0);
#else
    assert_true(dt < 4.0);
#endif
    assert_true(has_png_signature(path));
}

static void test_lines(void **state)
{
    (void)state;
    const char *dir = mood_test_tmpdir("plot-lines");
    char path[1100], *text;
    double x[5] = {2, 3, 4, 5, 6}, sil[5] = {0.3, 0.5, NAN, 0.4, 0.35};
    double inertia[5] = {900, 500, 300, 250, 220};
    const double *ys[2] = {sil, inertia};
    const char *names[2] = {"silhouette", "inertia"};
    mood_lines_spec s = {0};
    s.x = x;
    s.n_points = 5;
    s.y = ys;
    s.n_series = 2;
    s.series_names = names;
    s.secondary_axis_from = 1;
    s.mark_x = 3;
    s.mark_label = "chosen k = 3";
    s.mark2_x = 5;
    s.mark2_label = "elbow k = 5";
    s.title = "k selection";
    s.x_label = "k";
    s.y_label = "silhouette";
    s.y2_label = "inertia";
    snprintf(path, sizeof path, "%s/k.png", dir);
    MOOD_ASSERT_OK(mood_plot_lines(&s, path));
    cairo_surface_t *img = cairo_image_surface_create_from_png(path);
    assert_int_equal(cairo_image_surface_get_width(img), 1000);
    assert_int_equal(cairo_image_surface_get_height(img), 600);
    assert_true(count_colour(img, group_rgb[0], 10, 0, 0, 1000, 600) > 100);
    assert_true(count_colour(img, group_rgb[1], 10, 0, 0, 1000, 600) > 100);
    cairo_surface_destroy(img);

    snprintf(path, sizeof path, "%s/k.svg", dir);
    MOOD_ASSERT_OK(mood_plot_lines(&s, path));
    MOOD_ASSERT_OK(mood_read_file(path, &text, NULL));
    assert_non_null(strstr(text, "chosen k = 3"));
    assert_non_null(strstr(text, "inertia (right axis)"));
    assert_non_null(strstr(text, "elbow k = 5"));
    mood_free(text);
    names[1] = "inertia (right)"; /* already says where it is: no second "(right axis)" */
    MOOD_ASSERT_OK(mood_plot_lines(&s, path));
    MOOD_ASSERT_OK(mood_read_file(path, &text, NULL));
    assert_non_null(strstr(text, "inertia (right)\n"));
    assert_null(strstr(text, "right axis"));
    mood_free(text);

    x[2] = NAN;
    assert_int_equal(mood_plot_lines(&s, path), MOOD_EINVAL);
    assert_non_null(strstr(mood_last_error(), "x[2]"));
    x[2] = 4;
    ys[1] = NULL;
    assert_int_equal(mood_plot_lines(&s, path), MOOD_EINVAL);
    s.n_points = 0;
    assert_int_equal(mood_plot_lines(&s, path), MOOD_EINVAL);
    assert_int_equal(dir_entries(dir), 2);
}

static void test_heatmap(void **state)
{
    (void)state;
    const char *dir = mood_test_tmpdir("plot-heat");
    char path[1100], *text;
    double z[6] = {1.5, -1.5, 0.25, -0.5, 0.75, 0};
    const char *rows[2] = {"calm", "loud"}, *cols[3] = {"energy", "acousticness", "tempo"};
    mood_heatmap_spec s = {0};
    s.values = z;
    s.rows = 2;
    s.cols = 3;
    s.row_labels = rows;
    s.col_labels = cols;
    s.title = "z-scores";
    snprintf(path, sizeof path, "%s/z.png", dir);
    MOOD_ASSERT_OK(mood_plot_heatmap(&s, path));
    cairo_surface_t *img = cairo_image_surface_create_from_png(path);
    assert_int_equal(cairo_image_surface_get_width(img), 640); /* natural size for 2×3 */
    assert_int_equal(cairo_image_surface_get_height(img), 420);
    /* ±max map to the ends of the diverging scale (RdBu): a dark red and a dark blue cell. */
    assert_true(count_colour(img, 0xB2182B, 2, 0, 0, 640, 420) > 2000);
    assert_true(count_colour(img, 0x2166AC, 2, 0, 0, 640, 420) > 2000);
    cairo_surface_destroy(img);
    snprintf(path, sizeof path, "%s/z.svg", dir);
    MOOD_ASSERT_OK(mood_plot_heatmap(&s, path));
    MOOD_ASSERT_OK(mood_read_file(path, &text, NULL));
    assert_non_null(strstr(text, "\xE2\x88\x92"
                                 "1.50")); /* values printed with a minus sign */
    assert_non_null(strstr(text, "0.25"));
    assert_non_null(strstr(text, "acousticness"));
    mood_free(text);
    s.rows = 0;
    assert_int_equal(mood_plot_heatmap(&s, path), MOOD_EINVAL);
}

static void test_bars(void **state)
{
    (void)state;
    const char *dir = mood_test_tmpdir("plot-bars");
    char path[1100], *text;
    double v[3] = {1234, 56, 789};
    const char *labels[3] = {"calm", "energetic", "dark"};
    mood_bars_spec s = {0};
    s.values = v;
    s.n = 3;
    s.labels = labels;
    s.title = "sizes";
    s.y_label = "tracks";
    snprintf(path, sizeof path, "%s/b.svg", dir);
    MOOD_ASSERT_OK(mood_plot_bars(&s, path));
    MOOD_ASSERT_OK(mood_read_file(path, &text, NULL));
    assert_non_null(strstr(text, "1,234"));
    assert_non_null(strstr(text, "energetic"));
    mood_free(text);
    snprintf(path, sizeof path, "%s/b.png", dir);
    s.width = 500;
    s.height = 300;
    MOOD_ASSERT_OK(mood_plot_bars(&s, path));
    cairo_surface_t *img = cairo_image_surface_create_from_png(path);
    assert_int_equal(cairo_image_surface_get_width(img), 500);
    assert_true(count_colour(img, group_rgb[0], 0, 0, 0, 500, 300) > 1000);
    cairo_surface_destroy(img);
    s.values = NULL;
    assert_int_equal(mood_plot_bars(&s, path), MOOD_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scatter_png),    cmocka_unit_test(test_scatter_svg_text),
        cmocka_unit_test(test_scatter_errors), cmocka_unit_test(test_scatter_replaces_atomically),
        cmocka_unit_test(test_scatter_100k),   cmocka_unit_test(test_lines),
        cmocka_unit_test(test_heatmap),        cmocka_unit_test(test_bars),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    mood_plot_cleanup(); /* leak checkers then see only our allocations */
    return failed;
}
