/*
 * Window placement and frame selection of sampled long-file analysis (sample.c): one window
 * per equal part of the file at a seeded position, the same windows for the same seed, none
 * for a file not longer than the windows, frames dropped before a window and the window closed
 * once its length is decoded or a frame lies past its end.
 */
#include "audio_internal.h"
#include "test_util.h"

#include <math.h>
#include <string.h>

static an_sample plan(size_t n, double win_s, uint64_t seed, double file_s)
{
    an_sample sm;
    memset(&sm, 0, sizeof sm);
    sm.n = n;
    sm.win_s = win_s;
    sm.seed = seed;
    mood__sample_plan(&sm, file_s);
    return sm;
}

static void test_placement(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed < 200; seed++) {
        an_sample sm = plan(3, 60, seed, 1200);
        assert_int_equal(sm.active, 1);
        for (size_t k = 0; k < 3; k++) {
            /* inside its third, whole, 60 s long */
            assert_true(sm.w[k].start_s >= 400.0 * (double)k - 1e-9);
            assert_true(sm.w[k].end_s <= 400.0 * (double)(k + 1) + 1e-9);
            assert_true(fabs(sm.w[k].end_s - sm.w[k].start_s - 60) < 1e-9);
        }
        an_sample again = plan(3, 60, seed, 1200);
        assert_memory_equal(sm.w, again.w, sizeof sm.w);
    }
    an_sample a = plan(3, 60, 1, 1200), b = plan(3, 60, 2, 1200);
    assert_true(a.w[0].start_s != b.w[0].start_s); /* the seed moves the windows */
}

static void test_short_file_not_sampled(void **state)
{
    (void)state;
    assert_int_equal(plan(3, 60, 1, 180).active, 0);
    assert_int_equal(plan(3, 60, 1, 0).active, 0); /* duration unknown: decoded whole */
    assert_int_equal(plan(0, 60, 1, 1200).active, 0);
    assert_int_equal(plan(MOOD_AUDIO_MAX_WINDOWS + 1, 5, 1, 1e5).active, 0);
    assert_int_equal(plan(3, 60, 1, 181).active, 1);
}

static void test_take(void **state)
{
    (void)state;
    an_sample sm = plan(2, 10, 7, 100);
    double s0 = sm.w[0].start_s, s1 = sm.w[1].start_s;
    /* a frame before the window (a backward seek lands early) is dropped */
    assert_int_equal(mood__sample_take(&sm, s0 - 1.0, 0.5), 0);
    /* frames inside are pushed until 10 s are decoded; the last closes the window */
    for (int i = 0; i < 9; i++)
        assert_int_equal(mood__sample_take(&sm, s0 + i, 1.0), 1);
    assert_int_equal(mood__sample_take(&sm, s0 + 9, 1.0), 2);
    assert_int_equal(sm.cur, 1);
    assert_int_equal(sm.need_seek, 1);
    sm.need_seek = 0;
    /* a frame past the second window's end closes it without pushing */
    assert_int_equal(mood__sample_take(&sm, s1 + 2, 1.0), 1);
    assert_int_equal(mood__sample_take(&sm, s1 + 11, 1.0), 3);
    assert_int_equal(sm.done, 1);
    assert_int_equal(mood__sample_take(&sm, s1 + 12, 1.0), 3);
    /* frames without timestamps count from the seek point */
    an_sample nt = plan(1, 10, 7, 100);
    for (int i = 0; i < 4; i++)
        assert_int_equal(mood__sample_take(&nt, -1, 2.0), 1);
    assert_int_equal(mood__sample_take(&nt, -1, 2.0), 2);
    assert_int_equal(nt.done, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_placement),
        cmocka_unit_test(test_short_file_not_sampled),
        cmocka_unit_test(test_take),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
