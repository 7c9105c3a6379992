/*
 * Known answers for the recommenders: Camelot and tempo rules, text normalisation, track
 * resolution, exact kNN (BLAS against the plain loop), HNSW recall and incremental persistence,
 * DJ picks with their reasons, song paths, alchemy's subtract effect and the fingerprint.
 */
#include "test_util.h"

#include "core/cpu.h"

#include <moodscope/ann.h>
#include <moodscope/fileio.h>
#include <moodscope/recommend.h>
#include <moodscope/rng.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_camelot(void **state)
{
    (void)state;
    int num;
    assert_int_equal(mood_camelot(0, 1, &num), 'B'); /* C major */
    assert_int_equal(num, 8);
    assert_int_equal(mood_camelot(9, 0, &num), 'A'); /* A minor */
    assert_int_equal(num, 8);
    assert_int_equal(mood_camelot(7, 1, &num), 'B'); /* G major */
    assert_int_equal(num, 9);
    mood_camelot(4, 0, &num); /* E minor */
    assert_int_equal(num, 9);
    mood_camelot(11, 1, &num); /* B major */
    assert_int_equal(num, 1);
    assert_true(mood_camelot_compatible(8, 'A', 9, 'A'));
    assert_true(mood_camelot_compatible(8, 'A', 8, 'B'));
    assert_true(mood_camelot_compatible(12, 'A', 1, 'A'));
    assert_false(mood_camelot_compatible(8, 'A', 10, 'A'));
    assert_false(mood_camelot_compatible(8, 'A', 9, 'B'));
}

static void test_tempo_rules(void **state)
{
    (void)state;
    float ch;
    assert_int_equal(mood_tempo_compatible(120.0f, 125.0f, 0.06f, 1, &ch), 1);
    MOOD_ASSERT_NEAR(ch, 125.0 / 120.0 - 1.0, 1e-5, 1e-6);
    assert_int_equal(mood_tempo_compatible(120.0f, 130.0f, 0.06f, 1, &ch), 0);
    assert_int_equal(mood_tempo_compatible(120.0f, 61.0f, 0.06f, 1, &ch), -2);
    assert_int_equal(mood_tempo_compatible(120.0f, 236.0f, 0.06f, 1, &ch), 2);
    assert_int_equal(mood_tempo_compatible(120.0f, 236.0f, 0.06f, 0, &ch), 0);
    assert_int_equal(mood_tempo_compatible(NAN, 120.0f, 0.06f, 1, &ch), 0);
}

static void test_normalize(void **state)
{
    (void)state;
    char b[256];
    mood_text_normalize("Crazy in Love (feat. Jay-Z)", b, sizeof b);
    assert_string_equal(b, "crazy in love");
    mood_text_normalize("Haven - remastered version 2009", b, sizeof b);
    assert_string_equal(b, "haven");
    mood_text_normalize("Don't Stop Me Now - Live at Wembley", b, sizeof b);
    assert_string_equal(b, "dont stop me now");
    mood_text_normalize("Beyoncé & Friends", b, sizeof b);
    assert_string_equal(b, "beyonce and friends");
    mood_text_normalize("Hey Jude [2015 Remaster]", b, sizeof b);
    assert_string_equal(b, "hey jude");
    mood_text_normalize("Song ft. Someone", b, sizeof b);
    assert_string_equal(b, "song");
    mood_text_normalize("Mix-Up (Remix)", b, sizeof b);
    assert_string_equal(b, "mix up remix");
}

/*
 * A small library on a line: track i has energy = valence = i/(n-1), so distances grow with
 * the index gap. Tempo and key are chosen per track in the tests that need them.
 */
static mood_table *line_table(size_t n, const float *tempo, const float *key, const float *mode,
                              const char *const *artists)
{
    mood_table *t;
    float *e = malloc(n * sizeof *e), *v = malloc(n * sizeof *v), *dn = malloc(n * sizeof *dn);
    char **ids = malloc(n * sizeof *ids), **titles = malloc(n * sizeof *titles);
    char **art = malloc(n * sizeof *art);
    MOOD_ASSERT_OK(mood_table_create(n, &t));
    for (size_t i = 0; i < n; i++) {
        e[i] = (float)i / (float)(n - 1);
        v[i] = e[i];
        dn[i] = 0.5f + 0.01f * (float)(i % 3); /* varies a little so it is a usable feature */
        ids[i] = malloc(16);
        titles[i] = malloc(32);
        art[i] = malloc(32);
        snprintf(ids[i], 16, "t%02zu", i);
        snprintf(titles[i], 32, "Song %zu", i);
        snprintf(art[i], 32, "%s", artists ? artists[i] : "");
        if (!artists)
            snprintf(art[i], 32, "Artist %zu", i);
    }
    MOOD_ASSERT_OK(mood_table_add_str(t, "track_id", (const char *const *)ids));
    MOOD_ASSERT_OK(mood_table_add_str(t, "title", (const char *const *)titles));
    MOOD_ASSERT_OK(mood_table_add_str(t, "artist", (const char *const *)art));
    MOOD_ASSERT_OK(mood_table_add_num(t, "energy", e));
    MOOD_ASSERT_OK(mood_table_add_num(t, "valence", v));
    if (tempo)
        MOOD_ASSERT_OK(mood_table_add_num(t, "tempo", tempo));
    if (key)
        MOOD_ASSERT_OK(mood_table_add_num(t, "key", key));
    if (mode)
        MOOD_ASSERT_OK(mood_table_add_num(t, "mode", mode));
    for (size_t i = 0; i < n; i++) {
        free(ids[i]);
        free(titles[i]);
        free(art[i]);
    }
    free(e);
    free(v);
    free(dn);
    free(ids);
    free(titles);
    free(art);
    return t;
}

static void build(mood_table *t, mood_space **s, mood_index **ix)
{
    mood_space_options so;
    mood_space_options_default(&so);
    so.features = "energy,valence";
    MOOD_ASSERT_OK(mood_space_create(t, &so, s));
    MOOD_ASSERT_OK(mood_index_build(*s, NULL, NULL, NULL, ix));
}

static void test_similar_and_resolve(void **state)
{
    (void)state;
    mood_table *t = line_table(20, NULL, NULL, NULL, NULL);
    mood_space *s;
    mood_index *ix;
    mood_hit hits[4];
    size_t found, row;
    build(t, &s, &ix);
    assert_int_equal(mood_space_metric(s), MOOD_METRIC_EUCLIDEAN);
    MOOD_ASSERT_OK(mood_space_resolve(s, "t05", &row));
    assert_int_equal(row, 5);
    MOOD_ASSERT_OK(mood_space_resolve(s, "artist 7 - SONG 7", &row));
    assert_int_equal(row, 7);
    MOOD_ASSERT_OK(mood_space_resolve(s, "Artist 7 - Song 7 (2011 Remaster)", &row));
    assert_int_equal(row, 7);
    MOOD_ASSERT_OK(mood_space_resolve(s, "Artist 12 - Sogn 12", &row)); /* typo */
    assert_int_equal(row, 12);
    assert_int_equal(mood_space_resolve(s, "Nobody - Nothing Like This At All", &row),
                     MOOD_ENOTFOUND);
    MOOD_ASSERT_OK(mood_similar(s, ix, 5, 4, hits, &found));
    assert_int_equal(found, 4);
    /* nearest on the line: 4 and 6 (tie, lower row first), then 3 and 7 */
    assert_int_equal(hits[0].row + hits[1].row, 10); /* 4 and 6, in either order */
    assert_true(hits[0].row == 4 || hits[0].row == 6);
    assert_int_equal(hits[2].row + hits[3].row, 10); /* then 3 and 7 */
    assert_true(hits[2].row == 3 || hits[2].row == 7);
    MOOD_ASSERT_NEAR(hits[0].distance, hits[1].distance, 1e-4, 1e-5);
    mood_index_destroy(ix);
    mood_space_destroy(s);
    mood_table_destroy(t);
}

static void test_resolve_ambiguous(void **state)
{
    (void)state;
    const char *artists[6] = {"Adele", "Lionel Richie", "C", "D", "E", "F"};
    mood_table *t = line_table(6, NULL, NULL, NULL, artists);
    mood_space *s;
    mood_index *ix;
    size_t row;
    size_t jt;
    MOOD_ASSERT_OK(mood_table_find(t, "title", &jt));
    MOOD_ASSERT_OK(mood_table_set_str(t, jt, 0, "Hello"));
    MOOD_ASSERT_OK(mood_table_set_str(t, jt, 1, "Hello"));
    build(t, &s, &ix);
    assert_int_equal(mood_space_resolve(s, "hello", &row), MOOD_EINVAL);
    assert_non_null(strstr(mood_last_error(), "ambiguous"));
    assert_non_null(strstr(mood_last_error(), "t00: Adele - Hello"));
    assert_non_null(strstr(mood_last_error(), "t01: Lionel Richie - Hello"));
    MOOD_ASSERT_OK(mood_space_resolve(s, "Lionel Richie - Hello", &row));
    assert_int_equal(row, 1);
    mood_index_destroy(ix);
    mood_space_destroy(s);
    mood_table_destroy(t);
}

static void test_knn_blas_matches_plain(void **state)
{
    (void)state;
    size_t n = 3000, d = 12, nq = 40, k = 7;
    float *x = malloc(n * d * sizeof *x), *q = malloc(nq * d * sizeof *q);
    size_t *r1 = malloc(nq * k * sizeof *r1), *r2 = malloc(nq * k * sizeof *r2);
    float *d1 = malloc(nq * k * sizeof *d1), *d2 = malloc(nq * k * sizeof *d2);
    mood_test_blobs(7, n, d, 5, 4.0f, 1.0f, x, NULL);
    mood_test_blobs(8, nq, d, 5, 4.0f, 1.0f, q, NULL);
    MOOD_ASSERT_OK(mood_knn_exact(x, n, d, MOOD_METRIC_EUCLIDEAN, q, nq, k, 0, r1, d1));
    MOOD_ASSERT_OK(mood_knn_exact(x, n, d, MOOD_METRIC_EUCLIDEAN, q, nq, k, 1, r2, d2));
    for (size_t i = 0; i < nq * k; i++) {
        MOOD_ASSERT_NEAR(d1[i], d2[i], 1e-3, 1e-3);
    }
    /* the brute-force oracle for query 0 */
    {
        float best = INFINITY;
        size_t arg = 0;
        for (size_t i = 0; i < n; i++) {
            double acc = 0.0;
            for (size_t j = 0; j < d; j++)
                acc +=
                    ((double)q[j] - (double)x[i * d + j]) * ((double)q[j] - (double)x[i * d + j]);
            if ((float)sqrt(acc) < best) {
                best = (float)sqrt(acc);
                arg = i;
            }
        }
        assert_int_equal(r2[0], arg);
        MOOD_ASSERT_NEAR(d2[0], best, 1e-5, 1e-5);
    }
    assert_int_equal(mood_knn_exact(x, n, 0, MOOD_METRIC_EUCLIDEAN, q, nq, k, 0, r1, d1),
                     MOOD_EINVAL);
    free(x);
    free(q);
    free(r1);
    free(r2);
    free(d1);
    free(d2);
}

/* Random table of n tracks with d sim_* columns (a cosine space). */
static mood_table *sim_table(size_t n, size_t d, uint64_t seed)
{
    mood_table *t;
    mood_rng r;
    float *col = malloc(n * sizeof *col), *x = malloc(n * d * sizeof *x);
    char **ids = malloc(n * sizeof *ids);
    mood_rng_seed(&r, seed);
    MOOD_ASSERT_OK(mood_table_create(n, &t));
    for (size_t i = 0; i < n; i++) {
        ids[i] = malloc(24);
        snprintf(ids[i], 24, "id%zu", i);
    }
    MOOD_ASSERT_OK(mood_table_add_str(t, "track_id", (const char *const *)ids));
    /* row by row, so that a longer table starts with the same tracks */
    for (size_t i = 0; i < n * d; i++)
        x[i] = (float)mood_rng_normal(&r);
    for (size_t j = 0; j < d; j++) {
        char name[16];
        for (size_t i = 0; i < n; i++)
            col[i] = x[i * d + j];
        snprintf(name, sizeof name, "sim_%02zu", j);
        MOOD_ASSERT_OK(mood_table_add_num(t, name, col));
    }
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
    free(col);
    free(x);
    return t;
}

static void test_hnsw_recall_and_persistence(void **state)
{
    (void)state;
    size_t n = 4000, d = 16, nq = 100, k = 10, hits = 0;
    char path[1024];
    mood_table *t = sim_table(n, d, 3), *t2;
    mood_space *s, *s2;
    mood_index *exact, *approx;
    mood_index_options o;
    size_t er[10], ar[10], ef, af;
    float edist[10], adist[10];
    snprintf(path, sizeof path, "%s/lib.hnsw", mood_test_tmpdir("rec-hnsw"));
    MOOD_ASSERT_OK(mood_space_create(t, NULL, &s));
    assert_int_equal(mood_space_metric(s), MOOD_METRIC_COSINE);
    mood_index_options_default(&o);
    o.force = 1;
    MOOD_ASSERT_OK(mood_index_build(s, &o, NULL, NULL, &exact));
    o.force = 2;
    o.hnsw_path = path;
    MOOD_ASSERT_OK(mood_index_build(s, &o, NULL, NULL, &approx));
    assert_true(mood_index_is_approximate(approx));
    assert_int_equal(mood_index_added(approx), n);
    for (size_t qi = 0; qi < nq; qi++) {
        const float *q = mood_space_vectors(s) + qi * 37 * d;
        MOOD_ASSERT_OK(mood_index_search(exact, q, k, er, edist, &ef));
        MOOD_ASSERT_OK(mood_index_search(approx, q, k, ar, adist, &af));
        assert_int_equal(ef, k);
        for (size_t a = 0; a < af; a++)
            for (size_t e = 0; e < ef; e++)
                hits += ar[a] == er[e];
        MOOD_ASSERT_NEAR(adist[0], edist[0], 1e-4, 1e-4);
    }
    assert_true((double)hits / (double)(nq * k) >= 0.95);
    mood_index_destroy(approx);
    /* reopened unchanged: nothing to add */
    MOOD_ASSERT_OK(mood_index_build(s, &o, NULL, NULL, &approx));
    assert_int_equal(mood_index_added(approx), 0);
    mood_index_destroy(approx);
    /* the same library plus 300 new tracks: only those are added, and they are found */
    {
        mood_table *extra = sim_table(n + 300, d, 3);
        size_t jid;
        MOOD_ASSERT_OK(mood_table_find(extra, "track_id", &jid));
        for (size_t i = n; i < n + 300; i++) {
            char id[24];
            snprintf(id, sizeof id, "new%zu", i);
            MOOD_ASSERT_OK(mood_table_set_str(extra, jid, i, id));
        }
        t2 = extra;
    }
    MOOD_ASSERT_OK(mood_space_create(t2, NULL, &s2));
    MOOD_ASSERT_OK(mood_index_build(s2, &o, NULL, NULL, &approx));
    assert_int_equal(mood_index_added(approx), 300);
    MOOD_ASSERT_OK(
        mood_index_search(approx, mood_space_vectors(s2) + (n + 17) * d, 1, ar, adist, &af));
    assert_int_equal(af, 1);
    assert_int_equal(ar[0], n + 17);
    mood_index_destroy(approx);
    mood_index_destroy(exact);
    mood_space_destroy(s);
    mood_space_destroy(s2);
    mood_table_destroy(t);
    mood_table_destroy(t2);
}

/* The HNSW index on the portable kernels (the one SIMD dispatch forced down, mood__simd_force)
 * answers like the AVX2+FMA one. */
static void test_hnsw_baseline_build(void **state)
{
    (void)state;
    size_t n = 2000, d = 24, k = 10, hits[2] = {0, 0};
    float *x = malloc(n * d * sizeof *x);
    mood_test_blobs(5, n, d, 20, 3.0f, 1.0f, x, NULL);
    for (int variant = 0; variant < 2; variant++) {
        mood_hnsw *h;
        if (variant == 1)
            mood__simd_force(MOOD_SIMD_PORTABLE);
        MOOD_ASSERT_OK(mood_hnsw_create(d, MOOD_METRIC_EUCLIDEAN, n, NULL, &h));
        MOOD_ASSERT_OK(mood_hnsw_add(h, x, n, NULL, 1, NULL, NULL));
        assert_int_equal(mood_hnsw_size(h), n);
        for (size_t qi = 0; qi < 50; qi++) {
            const float *q = x + qi * 31 * d;
            uint64_t lab[10];
            float dist[10], ed[10];
            size_t er[10], found;
            MOOD_ASSERT_OK(mood_hnsw_search(h, q, k, lab, dist, &found));
            MOOD_ASSERT_OK(mood_knn_exact(x, n, d, MOOD_METRIC_EUCLIDEAN, q, 1, k, 1, er, ed));
            assert_int_equal(lab[0], qi * 31);
            MOOD_ASSERT_NEAR(dist[0], 0.0, 0.0, 1e-3);
            for (size_t a = 0; a < found; a++)
                for (size_t b = 0; b < k; b++)
                    hits[variant] += lab[a] == er[b];
        }
        mood_hnsw_destroy(h);
    }
    mood__simd_force(-1);
    assert_true(hits[0] >= 475 && hits[1] >= 475); /* recall@10 >= 0.95 either way */
    free(x);
}

static void test_dj_rules(void **state)
{
    (void)state;
    /* 12 tracks on the line; seed 0 at 120 BPM in C major (8B). */
    float tempo[12] = {120, 140, 121, 60.5f, 119, 122, 126, 120, 118, 241, 123, 120};
    float key[12] = {0, 0, 7, 9, 2, 5, 0, 0, 0, 0, 4, 0};
    float mode[12] = {1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 1};
    const char *artists[12] = {"Seed", "A", "B", "C", "D", "E", "F", "G", "G", "H", "I", "Seed"};
    mood_table *t = line_table(12, tempo, key, mode, artists);
    mood_space *s;
    mood_index *ix;
    mood_hit hits[12];
    size_t found;
    mood_dj_options o;
    build(t, &s, &ix);
    mood_dj_options_default(&o);
    MOOD_ASSERT_OK(mood_dj_next(s, ix, 0, &o, 12, hits, &found));
    /* 1: 140 BPM out; 2: G major 9B ok; 3: A minor 8A, half time ok; 4: D major 10B clash;
     * 5: F major 7B ok; 6: 126 = +5% ok; 7: ok; 8: same artist as 7 -> dropped;
     * 9: 241 double ok; 10: E minor 9A vs 8B clash; 11: the seed's artist. */
    assert_int_equal(found, 6);
    size_t want[6] = {2, 3, 5, 6, 7, 9};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(hits[i].row, want[i]);
    assert_non_null(strstr(hits[1].reasons, "half time"));
    assert_non_null(strstr(hits[1].reasons, "8B->8A (relative key)"));
    assert_non_null(strstr(hits[0].reasons, "8B->9B (adjacent on the wheel)"));
    assert_non_null(strstr(hits[5].reasons, "double time"));
    /* energy must go up: every pick lies further along the line, so all pass; down: none */
    o.energy = MOOD_ENERGY_DOWN;
    MOOD_ASSERT_OK(mood_dj_next(s, ix, 0, &o, 12, hits, &found));
    assert_int_equal(found, 0);
    o.energy = MOOD_ENERGY_UP;
    MOOD_ASSERT_OK(mood_dj_next(s, ix, 0, &o, 3, hits, &found));
    assert_int_equal(found, 3);
    assert_non_null(strstr(hits[0].reasons, "(up)"));
    mood_index_destroy(ix);
    mood_space_destroy(s);
    mood_table_destroy(t);
}

static void test_path(void **state)
{
    (void)state;
    mood_table *t = line_table(41, NULL, NULL, NULL, NULL);
    mood_space *s;
    mood_index *ix;
    mood_hit hits[41];
    mood_path_info info;
    build(t, &s, &ix);
    MOOD_ASSERT_OK(mood_song_path(s, ix, 0, 40, 11, hits, &info));
    assert_int_equal(info.requested, 11);
    assert_int_equal(info.found, 11);
    assert_int_equal(hits[0].row, 0);
    assert_int_equal(hits[10].row, 40);
    for (size_t i = 1; i < info.found; i++) {
        assert_true(hits[i].score > hits[i - 1].score); /* monotone progress */
        assert_int_equal(hits[i].row, 4 * i);           /* even steps on the line */
    }
    /* more steps than tracks between: sized down to the local grain, no repeats */
    MOOD_ASSERT_OK(mood_song_path(s, ix, 0, 5, 25, hits, &info));
    assert_true(info.requested <= 6);
    assert_int_equal(hits[0].row, 0);
    assert_int_equal(hits[info.found - 1].row, 5);
    for (size_t i = 1; i < info.found; i++)
        assert_true(hits[i].row > hits[i - 1].row);
    assert_int_equal(mood_song_path(s, ix, 3, 3, 5, hits, &info), MOOD_EINVAL);
    mood_index_destroy(ix);
    mood_space_destroy(s);
    mood_table_destroy(t);
}

static void test_path_sparse(void **state)
{
    (void)state;
    /* two clusters with nothing between: the path cannot fill its middle steps */
    mood_table *t = line_table(40, NULL, NULL, NULL, NULL);
    size_t je, jv;
    mood_space *s;
    mood_index *ix;
    mood_hit hits[20];
    mood_path_info info;
    MOOD_ASSERT_OK(mood_table_find(t, "energy", &je));
    MOOD_ASSERT_OK(mood_table_find(t, "valence", &jv));
    for (size_t i = 0; i < 40; i++) {
        float v = i < 20 ? 0.01f * (float)i : 10.0f + 0.01f * (float)i;
        mood_table_num(t, je)[i] = v;
        mood_table_num(t, jv)[i] = v;
    }
    build(t, &s, &ix);
    MOOD_ASSERT_OK(mood_song_path(s, ix, 0, 39, 10, hits, &info));
    assert_int_equal(info.requested, 10);
    assert_true(info.found < info.requested);
    assert_int_equal(hits[0].row, 0);
    assert_int_equal(hits[info.found - 1].row, 39);
    mood_index_destroy(ix);
    mood_space_destroy(s);
    mood_table_destroy(t);
}

static void test_alchemy(void **state)
{
    (void)state;
    mood_table *t = sim_table(600, 8, 11);
    mood_space *s;
    mood_index *ix;
    mood_hit plain[10], minus[10], hot1[10], hot2[10], hot3[10];
    size_t f1, f2, f3, add[2] = {1, 2}, sub[1] = {3};
    mood_alchemy_options o;
    double d_plain = 0.0, d_minus = 0.0;
    MOOD_ASSERT_OK(mood_space_create(t, NULL, &s));
    MOOD_ASSERT_OK(mood_index_build(s, NULL, NULL, NULL, &ix));
    mood_alchemy_options_default(&o);
    MOOD_ASSERT_OK(mood_alchemy(s, ix, add, 2, NULL, 0, &o, 10, plain, &f1));
    MOOD_ASSERT_OK(mood_alchemy(s, ix, add, 2, sub, 1, &o, 10, minus, &f2));
    assert_int_equal(f1, 10);
    assert_int_equal(f2, 10);
    for (size_t i = 0; i < 10; i++) {
        assert_true(plain[i].row != 1 && plain[i].row != 2);
        assert_true(minus[i].row != 3);
        d_plain += (double)mood_space_distance(s, plain[i].row, 3);
        d_minus += (double)mood_space_distance(s, minus[i].row, 3);
        /* every pick is nearer the add centroid than the subtract one */
        assert_true(strstr(minus[i].reasons, "d(subtract)") != NULL);
    }
    assert_true(d_minus > d_plain); /* subtracting pushes results away from track 3 */
    /* temperature 0 is deterministic; sampling is reproducible for a seed and differs */
    MOOD_ASSERT_OK(mood_alchemy(s, ix, add, 2, sub, 1, &o, 10, hot1, &f3));
    for (size_t i = 0; i < 10; i++)
        assert_int_equal(hot1[i].row, minus[i].row);
    o.temperature = 2.0f;
    MOOD_ASSERT_OK(mood_alchemy(s, ix, add, 2, sub, 1, &o, 10, hot1, &f3));
    MOOD_ASSERT_OK(mood_alchemy(s, ix, add, 2, sub, 1, &o, 10, hot2, &f3));
    o.seed = 7;
    MOOD_ASSERT_OK(mood_alchemy(s, ix, add, 2, sub, 1, &o, 10, hot3, &f3));
    int same12 = 1, same13 = 1;
    for (size_t i = 0; i < 10; i++) {
        same12 &= hot1[i].row == hot2[i].row;
        same13 &= hot1[i].row == hot3[i].row;
    }
    assert_true(same12);
    assert_false(same13);
    assert_int_equal(mood_alchemy(s, ix, add, 0, sub, 1, &o, 10, hot1, &f3), MOOD_EINVAL);
    mood_index_destroy(ix);
    mood_space_destroy(s);
    mood_table_destroy(t);
}

static void test_fingerprint(void **state)
{
    (void)state;
    mood_table *t = line_table(30, NULL, NULL, NULL, NULL);
    mood_space *s;
    mood_index *ix;
    mood_hit hits[5], top[3];
    size_t found, top_found;
    mood_fingerprint_info info;
    /* old plays of tracks 0 and 1, recent plays of 20 and 22: the recent ones dominate */
    mood_play pl[7] = {{"Artist 0", "Song 0", 1.0e9},
                       {"Artist 0", "Song 0", 1.0e9 + 60},
                       {"Artist 1", "Song 1", 1.0e9},
                       {"Artist 20", "Song 20 - Live", 1.0e9 + 365 * 86400.0},
                       {"ARTIST 22", "Song 22", 1.0e9 + 365 * 86400.0},
                       {"Artist 20", "Song 20", 1.0e9 + 365 * 86400.0},
                       {"Unknown", "Nothing", 1.0e9}};
    mood_plays plays = {7, pl, NULL};
    build(t, &s, &ix);
    MOOD_ASSERT_OK(
        mood_fingerprint(s, ix, &plays, 3, 30.0f, 5, hits, &found, top, &top_found, &info));
    assert_int_equal(info.plays, 7);
    assert_int_equal(info.matched_plays, 6);
    assert_int_equal(top_found, 3);
    assert_int_equal(top[0].row, 20);
    assert_int_equal(top[1].row, 22);
    MOOD_ASSERT_NEAR(top[0].score, 2.0, 1e-4, 1e-4);
    assert_int_equal(found, 5);
    assert_int_equal(hits[0].row, 21); /* between the favourites, and not one of them */
    for (size_t i = 0; i < found; i++)
        assert_true(hits[i].row != 20 && hits[i].row != 22 && hits[i].row != 0);
    mood_index_destroy(ix);
    mood_space_destroy(s);
    mood_table_destroy(t);
}

static void test_space_errors(void **state)
{
    (void)state;
    mood_table *t;
    mood_space *s;
    mood_space_options so;
    MOOD_ASSERT_OK(mood_table_create(0, &t));
    assert_int_equal(mood_space_create(t, NULL, &s), MOOD_EINVAL);
    assert_null(s);
    mood_table_destroy(t);
    t = line_table(5, NULL, NULL, NULL, NULL);
    mood_space_options_default(&so);
    so.features = "energy,nonexistent";
    assert_int_equal(mood_space_create(t, &so, &s), MOOD_ENOTFOUND);
    assert_non_null(strstr(mood_last_error(), "nonexistent"));
    mood_table_destroy(t);
    mood_metric m;
    assert_int_equal(mood_metric_parse("manhattan", &m), MOOD_EINVAL);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    mood_table *t = line_table(20, NULL, NULL, NULL, NULL);
    mood_space_options so;
    mood_space_options_default(&so);
    so.features = "energy,valence";
    /* every allocation of space creation failing in turn gives ENOMEM and no leak or crash */
    for (long k = 1; k < 400; k++) {
        mood_space *s = NULL;
        mood_test_fail_alloc_after(k);
        mood_status st = mood_space_create(t, &so, &s);
        mood_test_fail_alloc_after(0);
        if (st == MOOD_OK) {
            mood_space_destroy(s);
            break;
        }
        assert_int_equal(st, MOOD_ENOMEM);
        assert_null(s);
    }
    mood_table_destroy(t);
}

static void test_plays_and_hits_io(void **state)
{
    (void)state;
    const char *dir = mood_test_tmpdir("rec-plays");
    char path[1024], out[1024];
    mood_plays p;
    FILE *fp;
    snprintf(path, sizeof path, "%s/plays.csv", dir);
    fp = fopen(path, "w");
    fputs("artistName,trackName,endTime\nA,B,2024-01-02 03:04\nC,D,1700000000\n", fp);
    fclose(fp);
    MOOD_ASSERT_OK(mood_plays_read_csv(path, &p));
    assert_int_equal(p.n, 2);
    assert_string_equal(p.plays[0].artist, "A");
    assert_string_equal(p.plays[1].title, "D");
    MOOD_ASSERT_NEAR(p.plays[0].played_at, 1704164640.0, 0.0, 0.5); /* UTC */
    MOOD_ASSERT_NEAR(p.plays[1].played_at, 1700000000.0, 0.0, 0.5);
    mood_plays_free(&p);
    fp = fopen(path, "w");
    fputs("artist,title\nA,B\n", fp);
    fclose(fp);
    assert_int_equal(mood_plays_read_csv(path, &p), MOOD_EFORMAT);
    assert_non_null(strstr(mood_last_error(), "played_at"));
    /* a catalog without plays */
    snprintf(path, sizeof path, "%s/empty.db", dir);
    fp = fopen(path, "w");
    fclose(fp);
    assert_int_equal(mood_plays_read_catalog(path, &p), MOOD_ENOTFOUND);
    /* hits as CSV (quoted) and JSON */
    {
        const char *artists[3] = {"X, Y", "Z", "W"};
        mood_table *t = line_table(3, NULL, NULL, NULL, artists);
        mood_space *s;
        mood_index *ix;
        mood_hit h[2];
        size_t found;
        char *text;
        build(t, &s, &ix);
        MOOD_ASSERT_OK(mood_similar(s, ix, 1, 2, h, &found));
        snprintf(out, sizeof out, "%s/hits.csv", dir);
        fp = fopen(out, "w");
        MOOD_ASSERT_OK(mood_hits_write(fp, s, h, found, "csv"));
        fclose(fp);
        MOOD_ASSERT_OK(mood_read_file(out, &text, NULL));
        assert_non_null(strstr(text, "rank,id,artist,title,distance,score,reasons\n"));
        assert_non_null(strstr(text, ",t00,\"X, Y\",Song 0,"));
        mood_free(text);
        fp = fopen(out, "w");
        MOOD_ASSERT_OK(mood_hits_write(fp, s, h, found, "json"));
        fclose(fp);
        MOOD_ASSERT_OK(mood_read_file(out, &text, NULL));
        assert_non_null(strstr(text, "\"artist\": \"X, Y\""));
        mood_free(text);
        fp = fopen(out, "w");
        assert_int_equal(mood_hits_write(fp, s, h, found, "xml"), MOOD_EINVAL);
        fclose(fp);
        mood_index_destroy(ix);
        mood_space_destroy(s);
        mood_table_destroy(t);
    }
}

static void test_search_alloc_failures(void **state)
{
    (void)state;
    mood_table *t = line_table(30, NULL, NULL, NULL, NULL);
    mood_space *s;
    mood_index *ix;
    mood_hit hits[30];
    mood_path_info info;
    size_t found, add[1] = {3}, sub[1] = {20};
    build(t, &s, &ix);
    for (long k = 1; k < 40; k++) {
        mood_status a, b, c;
        mood_test_fail_alloc_after(k);
        a = mood_similar(s, ix, 5, 5, hits, &found);
        mood_test_fail_alloc_after(k);
        b = mood_song_path(s, ix, 0, 29, 8, hits, &info);
        mood_test_fail_alloc_after(k);
        c = mood_alchemy(s, ix, add, 1, sub, 1, NULL, 5, hits, &found);
        mood_test_fail_alloc_after(0);
        assert_true(a == MOOD_OK || a == MOOD_ENOMEM);
        assert_true(b == MOOD_OK || b == MOOD_ENOMEM);
        assert_true(c == MOOD_OK || c == MOOD_ENOMEM);
    }
    mood_index_destroy(ix);
    mood_space_destroy(s);
    mood_table_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_camelot),
        cmocka_unit_test(test_tempo_rules),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_similar_and_resolve),
        cmocka_unit_test(test_resolve_ambiguous),
        cmocka_unit_test(test_knn_blas_matches_plain),
        cmocka_unit_test(test_hnsw_recall_and_persistence),
        cmocka_unit_test(test_hnsw_baseline_build),
        cmocka_unit_test(test_dj_rules),
        cmocka_unit_test(test_path),
        cmocka_unit_test(test_path_sparse),
        cmocka_unit_test(test_alchemy),
        cmocka_unit_test(test_fingerprint),
        cmocka_unit_test(test_space_errors),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_plays_and_hits_io),
        cmocka_unit_test(test_search_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
