/*
 * OpenBLAS's thread count is process-wide: fits running at once (server jobs) enter and leave
 * the single-threaded BLAS section in any order, and the count must be 1 while any of them is
 * inside and the original once the last has left (src/cluster/dist.c).
 */
#include "test_util.h"

#include "kmeans_internal.h"

#ifdef MOOD_WITH_BLAS
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

static void test_interleaved_sections(void **state)
{
    (void)state;
    openblas_set_num_threads(2);
    int orig = openblas_get_num_threads();
    if (orig < 2) {
        skip(); /* a single-threaded OpenBLAS build cannot show the difference */
        return;
    }
    int a = mood__blas_threads_single(); /* job A enters */
    assert_int_equal(openblas_get_num_threads(), 1);
    int b = mood__blas_threads_single(); /* job B enters while A runs */
    assert_int_equal(openblas_get_num_threads(), 1);
    mood__blas_threads_restore(a); /* A leaves first: B still needs 1 thread */
    assert_int_equal(openblas_get_num_threads(), 1);
    mood__blas_threads_restore(b); /* the last one leaves: the original is back */
    assert_int_equal(openblas_get_num_threads(), orig);
    /* Nested in one thread (seeding inside a fit) behaves the same. */
    a = mood__blas_threads_single();
    b = mood__blas_threads_single();
    mood__blas_threads_restore(b);
    assert_int_equal(openblas_get_num_threads(), 1);
    mood__blas_threads_restore(a);
    assert_int_equal(openblas_get_num_threads(), orig);
}
#else
static void test_interleaved_sections(void **state)
{
    (void)state;
    skip();
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_interleaved_sections)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
