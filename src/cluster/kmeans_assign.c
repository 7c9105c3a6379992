/*
 * Fused distance + argmin for small d and k (d ≤ 64, k ≤ 256): the Lloyd assignment step
 * without sgemm. For a block of rows, every ‖c‖² − 2x·c is computed with register-blocked
 * FMAs (4 rows × 16 centres, eight accumulators) from the centres transposed, scaled by −2 and
 * padded to a multiple of 16 once per iteration (mood__km_centres_set); the rows are read in
 * place (no packing) and each row's best and second-best value stay in registers (no distance
 * block written and re-read, no separate argmin pass). The time no longer depends on which
 * kernel OpenBLAS picks for the CPU. AVX2+FMA is chosen at run time by the one SIMD dispatch
 * (mood__simd(), core/cpu.h); an AVX-512 form (4 × 32 tiles) exists but runs only on request (see
 * fused_isa_env). MOOD_KMEANS_FUSED=0 turns the kernel off (sgemm again), =512 picks the AVX-512
 * form.
 *
 * Results do not depend on the instruction set or the tiling: each value is one FMA chain
 * over l = 0..d−1 starting from 0 (then + ‖c‖²), lane by lane, and the minimum is exact
 * (lowest index on ties). The portable loop (fmaf, the same chain) gives bit-identical labels
 * and distances, and mood__km_dots_block_t / mood__argmin_cols (used by the MPI engine and
 * k-means|| seeding) compute the same chain when the centres are set up fused, so every path
 * that shares a km_centres agrees to the bit.
 */
#include "kmeans_internal.h"

#include "../core/cpu.h"
#include "../core/internal.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) && defined(__x86_64__) && !defined(MOOD_NO_CLONES)
#include <immintrin.h>
#define HAVE_FUSED_AVX2 1
#endif

#ifdef HAVE_FUSED_AVX2
/* The CPU and MOOD_KMEANS_FUSED are read once (pthread_once): fits run in server threads. */
static int fused_ok, fused_isa = 1;
static pthread_once_t fused_once = PTHREAD_ONCE_INIT;

static void fused_detect(void)
{
    const char *e = getenv("MOOD_KMEANS_FUSED");
    fused_ok = mood__simd_cpu() >= MOOD_SIMD_AVX2 && !(e && e[0] == '0');
    fused_isa = e && strcmp(e, "512") == 0 && mood__simd_cpu() >= MOOD_SIMD_AVX512 ? 2 : 1;
}
#endif

int mood__km_fused_cpu(void)
{
#ifdef HAVE_FUSED_AVX2
    pthread_once(&fused_once, fused_detect);
    return fused_ok;
#else
    return 0;
#endif
}

size_t mood__km_fused_kp(size_t k)
{
    return (k + 15) / 16 * 16;
}

void mood__km_fused_pack(const float *c, size_t k, size_t d, float *ctp, float *cnp,
                         const float *cnorm)
{
    const size_t kp = mood__km_fused_kp(k);
    for (size_t l = 0; l < d; l++) {
        float *row = ctp + l * kp;
        for (size_t j = 0; j < k; j++)
            row[j] = -2.0f * c[j * d + l];
        for (size_t j = k; j < kp; j++)
            row[j] = 0.0f;
    }
    for (size_t j = 0; j < k; j++)
        cnp[j] = cnorm[j];
    for (size_t j = k; j < kp; j++)
        cnp[j] = INFINITY; /* padding never wins, and an INFINITY second best is harmless */
}

/* Row i of the block: x + ROW(i)·d, its norm xn[ROW(i)] (idx: rows taken in place, not gathered).
 */
#define ROW(i) (idx ? idx[(i)] : (i))

/* Portable form of the same chains (fmaf): the reference and the path without AVX2/FMA. */
static void fused_scalar(const size_t *restrict idx, const float *restrict ctp,
                         const float *restrict cnp, size_t k, size_t d, const float *restrict x,
                         const float *restrict xn, size_t b, int32_t *restrict lab,
                         float *restrict b1, float *restrict b2, float *restrict Dt)
{
    const size_t kp = mood__km_fused_kp(k);
    for (size_t i = 0; i < b; i++) {
        const float *xi = x + ROW(i) * d;
        size_t best = 0;
        float m1 = INFINITY, m2 = INFINITY;
        for (size_t j = 0; j < k; j++) {
            float acc = 0.0f;
            for (size_t l = 0; l < d; l++)
                acc = fmaf(xi[l], ctp[l * kp + j], acc);
            if (Dt) {
                Dt[j * b + i] = acc;
                continue;
            }
            mood__min2_step(acc + cnp[j], j, &m1, &m2, &best);
        }
        if (Dt)
            continue;
        lab[i] = (int32_t)best;
        float v1 = m1 + xn[ROW(i)], v2 = m2 + xn[ROW(i)];
        b1[i] = v1 > 0.0f ? v1 : 0.0f;
        if (b2)
            b2[i] = v2 > 0.0f ? v2 : 0.0f;
    }
}

#ifdef HAVE_FUSED_AVX2
#define MOOD_AVX2FMA __attribute__((target("avx2,fma")))

/* NOLINTBEGIN(bugprone-macro-parentheses): the arguments of these SIMD step macros are plain
 * variable names, assigned in place (lvalues), or row counts spliced into identifiers. */
/* Lane-wise running minimum, its index and the second smallest (exact, first index on ties). */
#define MIN2_STEP(v, jv, m1, m2, mi)                                                               \
    do {                                                                                           \
        __m256 lt_ = _mm256_cmp_ps(v, m1, _CMP_LT_OQ);                                             \
        m2 = _mm256_min_ps(m2, _mm256_max_ps(v, m1));                                              \
        m1 = _mm256_blendv_ps(m1, v, lt_);                                                         \
        mi = _mm256_blendv_epi8(mi, jv, _mm256_castps_si256(lt_));                                 \
    } while (0)

/*
 * Merge the eight lanes into one row's result without branches: the smallest value, the lowest
 * index holding it (indices differ between lanes), and as second best the smallest of the
 * other lanes' minima and the winning lane's own second (the same rule as argmin2_avx2).
 */
MOOD_AVX2FMA static inline __m256 hmin8(__m256 v)
{
    v = _mm256_min_ps(v, _mm256_permute2f128_ps(v, v, 1));
    v = _mm256_min_ps(v, _mm256_permute_ps(v, _MM_SHUFFLE(1, 0, 3, 2)));
    return _mm256_min_ps(v, _mm256_permute_ps(v, _MM_SHUFFLE(2, 3, 0, 1)));
}

MOOD_AVX2FMA static inline __m256i hmin8i(__m256i v)
{
    v = _mm256_min_epi32(v, _mm256_permute2x128_si256(v, v, 1));
    v = _mm256_min_epi32(v, _mm256_shuffle_epi32(v, _MM_SHUFFLE(1, 0, 3, 2)));
    return _mm256_min_epi32(v, _mm256_shuffle_epi32(v, _MM_SHUFFLE(2, 3, 0, 1)));
}

MOOD_AVX2FMA static inline void merge_lanes(__m256 m1, __m256 m2, __m256i mi, float xn,
                                            int32_t *lab, float *b1, float *b2)
{
    __m256 mn = hmin8(m1);
    __m256i cand = _mm256_blendv_epi8(_mm256_set1_epi32(INT32_MAX), mi,
                                      _mm256_castps_si256(_mm256_cmp_ps(m1, mn, _CMP_EQ_OQ)));
    __m256i best = hmin8i(cand);
    __m256 win = _mm256_castsi256_ps(_mm256_cmpeq_epi32(mi, best));
    __m256 sec = hmin8(_mm256_blendv_ps(m1, m2, win));
    *lab = _mm256_cvtsi256_si32(best);
    float v1 = _mm256_cvtss_f32(mn) + xn, v2 = _mm256_cvtss_f32(sec) + xn;
    *b1 = v1 > 0.0f ? v1 : 0.0f;
    if (b2)
        *b2 = v2 > 0.0f ? v2 : 0.0f;
}

/*
 * R rows (1..4) against all centres. Dt != NULL: store the −2x·c values (transposed block,
 * row j = centre j, b columns) instead of the argmin; used by mood__km_dots_block_t.
 */
#define FUSED_ROWS(R)                                                                              \
    MOOD_AVX2FMA static void fused_rows##R(                                                        \
        const float *restrict ctp, const float *restrict cnp, size_t k, size_t kp, size_t d,       \
        const float *restrict x, const float *restrict xn, const size_t *restrict idx, size_t i0,  \
        size_t b, int32_t *restrict lab, float *restrict b1, float *restrict b2,                   \
        float *restrict Dt)                                                                        \
    {                                                                                              \
        const float *xr[4];                                                                        \
        for (int r = 0; r < 4; r++)                                                                \
            xr[r] = x + ROW(i0 + (r < R ? (size_t)r : 0)) * d;                                     \
        __m256 m1[R], m2[R];                                                                       \
        __m256i mi[R];                                                                             \
        for (int r = 0; r < R; r++) {                                                              \
            m1[r] = m2[r] = _mm256_set1_ps(INFINITY);                                              \
            mi[r] = _mm256_setzero_si256();                                                        \
        }                                                                                          \
        __m256i jv0 = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);                                   \
        const __m256i eight = _mm256_set1_epi32(8);                                                \
        for (size_t j0 = 0; j0 < kp; j0 += 16) {                                                   \
            __m256 a00 = _mm256_setzero_ps(), a01 = a00, a10 = a00, a11 = a00, a20 = a00,          \
                   a21 = a00, a30 = a00, a31 = a00;                                                \
            const float *cp = ctp + j0;                                                            \
            for (size_t l = 0; l < d; l++, cp += kp) {                                             \
                __m256 c0 = _mm256_loadu_ps(cp), c1 = _mm256_loadu_ps(cp + 8);                     \
                __m256 xb = _mm256_broadcast_ss(xr[0] + l);                                        \
                a00 = _mm256_fmadd_ps(xb, c0, a00);                                                \
                a01 = _mm256_fmadd_ps(xb, c1, a01);                                                \
                if (R > 1) {                                                                       \
                    xb = _mm256_broadcast_ss(xr[1] + l);                                           \
                    a10 = _mm256_fmadd_ps(xb, c0, a10);                                            \
                    a11 = _mm256_fmadd_ps(xb, c1, a11);                                            \
                }                                                                                  \
                if (R > 2) {                                                                       \
                    xb = _mm256_broadcast_ss(xr[2] + l);                                           \
                    a20 = _mm256_fmadd_ps(xb, c0, a20);                                            \
                    a21 = _mm256_fmadd_ps(xb, c1, a21);                                            \
                }                                                                                  \
                if (R > 3) {                                                                       \
                    xb = _mm256_broadcast_ss(xr[3] + l);                                           \
                    a30 = _mm256_fmadd_ps(xb, c0, a30);                                            \
                    a31 = _mm256_fmadd_ps(xb, c1, a31);                                            \
                }                                                                                  \
            }                                                                                      \
            __m256 acc[4][2] = {{a00, a01}, {a10, a11}, {a20, a21}, {a30, a31}};                   \
            if (Dt) {                                                                              \
                float t[4][16];                                                                    \
                for (int r = 0; r < R; r++) {                                                      \
                    _mm256_storeu_ps(t[r], acc[r][0]);                                             \
                    _mm256_storeu_ps(t[r] + 8, acc[r][1]);                                         \
                }                                                                                  \
                for (size_t u = 0; u < 16 && j0 + u < k; u++) {                                    \
                    float *o = Dt + (j0 + u) * b + i0;                                             \
                    if (R == 4)                                                                    \
                        _mm_storeu_ps(o, _mm_setr_ps(t[0][u], t[1][u], t[2][u], t[3][u]));         \
                    else                                                                           \
                        for (int r = 0; r < R; r++)                                                \
                            o[r] = t[r][u];                                                        \
                }                                                                                  \
                continue;                                                                          \
            }                                                                                      \
            __m256 cn0 = _mm256_loadu_ps(cnp + j0), cn1 = _mm256_loadu_ps(cnp + j0 + 8);           \
            __m256i jv1 = _mm256_add_epi32(jv0, eight);                                            \
            for (int r = 0; r < R; r++) {                                                          \
                __m256 v0 = _mm256_add_ps(acc[r][0], cn0), v1 = _mm256_add_ps(acc[r][1], cn1);     \
                MIN2_STEP(v0, jv0, m1[r], m2[r], mi[r]);                                           \
                MIN2_STEP(v1, jv1, m1[r], m2[r], mi[r]);                                           \
            }                                                                                      \
            jv0 = _mm256_add_epi32(jv1, eight);                                                    \
        }                                                                                          \
        if (Dt)                                                                                    \
            return;                                                                                \
        for (int r = 0; r < R; r++)                                                                \
            merge_lanes(m1[r], m2[r], mi[r], xn[ROW(i0 + r)], lab + i0 + r, b1 + i0 + r,           \
                        b2 ? b2 + i0 + r : NULL);                                                  \
    }

FUSED_ROWS(4)
FUSED_ROWS(1)

static void fused_avx2(const size_t *restrict idx, const float *restrict ctp,
                       const float *restrict cnp, size_t k, size_t d, const float *restrict x,
                       const float *restrict xn, size_t b, int32_t *restrict lab,
                       float *restrict b1, float *restrict b2, float *restrict Dt)
{
    const size_t kp = mood__km_fused_kp(k);
    size_t i = 0;
    for (; i + 4 <= b; i += 4)
        fused_rows4(ctp, cnp, k, kp, d, x, xn, idx, i, b, lab, b1, b2, Dt);
    for (; i < b; i++)
        fused_rows1(ctp, cnp, k, kp, d, x, xn, idx, i, b, lab, b1, b2, Dt);
}

/*
 * AVX-512 form: 4 rows × 32 centres (eight zmm accumulators), half the instructions of the
 * AVX2 tile for the same lanes; the same per-lane operations, so the same bits.
 */
#define MOOD_AVX512 __attribute__((target("avx512f,avx2,fma")))

MOOD_AVX512 static inline void merge_lanes16(__m512 m1, __m512 m2, __m512i mi, float xn,
                                             int32_t *lab, float *b1, float *b2)
{
    float mn = _mm512_reduce_min_ps(m1);
    __mmask16 eq = _mm512_cmp_ps_mask(m1, _mm512_set1_ps(mn), _CMP_EQ_OQ);
    int best = _mm512_mask_reduce_min_epi32(eq, mi);
    __mmask16 win = _mm512_cmpeq_epi32_mask(mi, _mm512_set1_epi32(best));
    float sec = _mm512_reduce_min_ps(_mm512_mask_blend_ps(win, m1, m2));
    *lab = best;
    float v1 = mn + xn, v2 = sec + xn;
    *b1 = v1 > 0.0f ? v1 : 0.0f;
    if (b2)
        *b2 = v2 > 0.0f ? v2 : 0.0f;
}

#define MIN2_STEP16(v, jv, m1, m2, mi)                                                             \
    do {                                                                                           \
        __mmask16 lt_ = _mm512_cmp_ps_mask(v, m1, _CMP_LT_OQ);                                     \
        m2 = _mm512_min_ps(m2, _mm512_max_ps(v, m1));                                              \
        m1 = _mm512_mask_blend_ps(lt_, m1, v);                                                     \
        mi = _mm512_mask_blend_epi32(lt_, mi, jv);                                                 \
    } while (0)

#define FUSED512_ROWS(R)                                                                           \
    MOOD_AVX512 static void fused512_rows##R(                                                      \
        const float *restrict ctp, const float *restrict cnp, size_t k, size_t kp, size_t d,       \
        const float *restrict x, const float *restrict xn, const size_t *restrict idx, size_t i0,  \
        size_t b, int32_t *restrict lab, float *restrict b1, float *restrict b2,                   \
        float *restrict Dt)                                                                        \
    {                                                                                              \
        const float *xr[4];                                                                        \
        for (int r = 0; r < 4; r++)                                                                \
            xr[r] = x + ROW(i0 + (r < R ? (size_t)r : 0)) * d;                                     \
        __m512 m1[R], m2[R];                                                                       \
        __m512i mi[R];                                                                             \
        for (int r = 0; r < R; r++) {                                                              \
            m1[r] = m2[r] = _mm512_set1_ps(INFINITY);                                              \
            mi[r] = _mm512_setzero_si512();                                                        \
        }                                                                                          \
        __m512i jv0 = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);     \
        const __m512i sixteen = _mm512_set1_epi32(16);                                             \
        for (size_t j0 = 0; j0 < kp; j0 += 32) {                                                   \
            /* a last tile of 16: the upper half reads nothing and scores +INFINITY */             \
            const __mmask16 hm = j0 + 32 <= kp ? (__mmask16)0xFFFF : (__mmask16)0;                 \
            __m512 a00 = _mm512_setzero_ps(), a01 = a00, a10 = a00, a11 = a00, a20 = a00,          \
                   a21 = a00, a30 = a00, a31 = a00;                                                \
            const float *cp = ctp + j0;                                                            \
            for (size_t l = 0; l < d; l++, cp += kp) {                                             \
                __m512 c0 = _mm512_loadu_ps(cp), c1 = _mm512_maskz_loadu_ps(hm, cp + 16);          \
                __m512 xb = _mm512_set1_ps(xr[0][l]);                                              \
                a00 = _mm512_fmadd_ps(xb, c0, a00);                                                \
                a01 = _mm512_fmadd_ps(xb, c1, a01);                                                \
                if (R > 1) {                                                                       \
                    xb = _mm512_set1_ps(xr[1][l]);                                                 \
                    a10 = _mm512_fmadd_ps(xb, c0, a10);                                            \
                    a11 = _mm512_fmadd_ps(xb, c1, a11);                                            \
                }                                                                                  \
                if (R > 2) {                                                                       \
                    xb = _mm512_set1_ps(xr[2][l]);                                                 \
                    a20 = _mm512_fmadd_ps(xb, c0, a20);                                            \
                    a21 = _mm512_fmadd_ps(xb, c1, a21);                                            \
                }                                                                                  \
                if (R > 3) {                                                                       \
                    xb = _mm512_set1_ps(xr[3][l]);                                                 \
                    a30 = _mm512_fmadd_ps(xb, c0, a30);                                            \
                    a31 = _mm512_fmadd_ps(xb, c1, a31);                                            \
                }                                                                                  \
            }                                                                                      \
            __m512 acc[4][2] = {{a00, a01}, {a10, a11}, {a20, a21}, {a30, a31}};                   \
            if (Dt) {                                                                              \
                float t[4][32];                                                                    \
                for (int r = 0; r < R; r++) {                                                      \
                    _mm512_storeu_ps(t[r], acc[r][0]);                                             \
                    _mm512_storeu_ps(t[r] + 16, acc[r][1]);                                        \
                }                                                                                  \
                for (size_t u = 0; u < 32 && j0 + u < k; u++) {                                    \
                    float *o = Dt + (j0 + u) * b + i0;                                             \
                    if (R == 4)                                                                    \
                        _mm_storeu_ps(o, _mm_setr_ps(t[0][u], t[1][u], t[2][u], t[3][u]));         \
                    else                                                                           \
                        for (int r = 0; r < R; r++)                                                \
                            o[r] = t[r][u];                                                        \
                }                                                                                  \
                continue;                                                                          \
            }                                                                                      \
            __m512 cn0 = _mm512_loadu_ps(cnp + j0),                                                \
                   cn1 = _mm512_mask_loadu_ps(_mm512_set1_ps(INFINITY), hm, cnp + j0 + 16);        \
            __m512i jv1 = _mm512_add_epi32(jv0, sixteen);                                          \
            for (int r = 0; r < R; r++) {                                                          \
                __m512 v0 = _mm512_add_ps(acc[r][0], cn0), v1 = _mm512_add_ps(acc[r][1], cn1);     \
                MIN2_STEP16(v0, jv0, m1[r], m2[r], mi[r]);                                         \
                MIN2_STEP16(v1, jv1, m1[r], m2[r], mi[r]);                                         \
            }                                                                                      \
            jv0 = _mm512_add_epi32(jv1, sixteen);                                                  \
        }                                                                                          \
        if (Dt)                                                                                    \
            return;                                                                                \
        for (int r = 0; r < R; r++)                                                                \
            merge_lanes16(m1[r], m2[r], mi[r], xn[ROW(i0 + r)], lab + i0 + r, b1 + i0 + r,         \
                          b2 ? b2 + i0 + r : NULL);                                                \
    }
/* NOLINTEND(bugprone-macro-parentheses) */

FUSED512_ROWS(4)
FUSED512_ROWS(1)

static void fused_avx512(const size_t *restrict idx, const float *restrict ctp,
                         const float *restrict cnp, size_t k, size_t d, const float *restrict x,
                         const float *restrict xn, size_t b, int32_t *restrict lab,
                         float *restrict b1, float *restrict b2, float *restrict Dt)
{
    const size_t kp = mood__km_fused_kp(k);
    size_t i = 0;
    for (; i + 4 <= b; i += 4)
        fused512_rows4(ctp, cnp, k, kp, d, x, xn, idx, i, b, lab, b1, b2, Dt);
    for (; i < b; i++)
        fused512_rows1(ctp, cnp, k, kp, d, x, xn, idx, i, b, lab, b1, b2, Dt);
}

/*
 * 1: AVX2 (the default), 2: AVX-512. On this machine's CPU (AMD EPYC, AVX-512 executed as two
 * 256-bit halves) the AVX-512 tiles measured slower in the fit (1M × 32, k = 64: 3.8 s
 * against 3.5 s CPU), so they run only when asked for with MOOD_KMEANS_FUSED=512.
 */
static int fused_isa_env(void)
{
    pthread_once(&fused_once, fused_detect);
    return fused_isa;
}
#endif

static int fused_forced = -1; /* tests: -1 automatic, 0 portable, 1 AVX2, 2 AVX-512 */

int mood__km_fused_force(int isa)
{
    int old = fused_forced;
    fused_forced = isa;
    return old;
}

static void fused_run(const km_centres *cs, const float *x, const float *xn, const size_t *idx,
                      size_t b, int32_t *lab, float *b1, float *b2, float *Dt)
{
#ifdef HAVE_FUSED_AVX2
    /* The one dispatch (core/cpu.h) bounds the form: forcing it portable runs fused_scalar. */
    int isa = fused_forced >= 0 ? fused_forced : fused_isa_env();
    if (isa > (int)mood__simd())
        isa = (int)mood__simd();
    if (isa > 0 && mood__km_fused_cpu()) {
        if (isa == 2)
            fused_avx512(idx, cs->ctp, cs->cnp, cs->k, cs->d, x, xn, b, lab, b1, b2, Dt);
        else
            fused_avx2(idx, cs->ctp, cs->cnp, cs->k, cs->d, x, xn, b, lab, b1, b2, Dt);
        return;
    }
#endif
    fused_scalar(idx, cs->ctp, cs->cnp, cs->k, cs->d, x, xn, b, lab, b1, b2, Dt);
}

void mood__km_fused_dots_t(const km_centres *cs, const float *x, size_t b, float *Dt)
{
    fused_run(cs, x, NULL, NULL, b, NULL, NULL, NULL, Dt);
}

void mood__km_assign_block(const km_centres *cs, const float *x, const float *xn, size_t b,
                           float *xt, float *D, int32_t *lab, float *b1, float *b2)
{
    if (cs->fused) {
        fused_run(cs, x, xn, NULL, b, lab, b1, b2, NULL);
        return;
    }
    mood__km_dots_block_t(cs, x, b, xt, D);
    mood__argmin_cols(D, cs->cnorm, cs->k, b, xn, lab, b1, b2);
}

void mood__km_assign_rows(const km_centres *cs, const float *x, const float *xnorm,
                          const size_t *idx, size_t m, int32_t *lab, float *b1, float *b2)
{
    fused_run(cs, x, xnorm, idx, m, lab, b1, b2, NULL);
}
