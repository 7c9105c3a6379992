/*
 * Classifying one CSV cell: missing, number, or text.
 *
 * This is the reader's hot loop (a 1M-row × 20-column table has 20 million cells), so plain
 * decimals take a fast path instead of strtod. The fast path is Clinger's: when the decimal
 * mantissa m has at most 19 digits, m <= 2^53 and the power of ten 10^e has |e| <= 22, both m and
 * 10^e are exact doubles, so one IEEE multiplication or division gives the correctly rounded
 * double, which is what glibc's strtod returns too. Everything else (more digits, large
 * exponents, "inf", odd spellings) goes to strtod itself, so the result is always exactly
 * (float)strtod(cell). Hand-written because no Debian library offers a length-bounded, non-NUL
 * terminated, locale-independent decimal parser (strtod needs a terminated copy and honours
 * LC_NUMERIC, which matters only on the rare slow path).
 *
 * W. D. Clinger, "How to read floating point numbers accurately", PLDI 1990.
 */
#define _POSIX_C_SOURCE 200809L
#include "csv_internal.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Drop the white space at both ends of the @p len bytes at @p p. */
static inline void trim(const char **p, size_t *len)
{
    while (*len && is_space(**p)) {
        (*p)++;
        (*len)--;
    }
    while (*len && is_space((*p)[*len - 1]))
        (*len)--;
}

int mood__csv_is_missing_token(const char *p, size_t len)
{
    /* The spellings pandas and spreadsheets write for "no value", compared case-insensitively. */
    static const char *const tokens[] = {"na",   "n/a",  "nan",  "-nan",
                                         "null", "none", "#n/a", "<na>"};
    char low[5];
    trim(&p, &len);
    if (len == 0)
        return 1;
    if (len > 4)
        return 0;
    /* Most short cells are numbers: reject them before any string comparison. */
    switch (*p) {
    case 'n':
    case 'N':
    case '-':
    case '#':
    case '<':
        break;
    default:
        return 0;
    }
    for (size_t i = 0; i < len; i++)
        low[i] = (char)tolower((unsigned char)p[i]);
    low[len] = '\0';
    for (size_t t = 0; t < sizeof tokens / sizeof tokens[0]; t++)
        if (strcmp(low, tokens[t]) == 0)
            return 1;
    return 0;
}

/* Round a correctly rounded double to float; beyond FLT_MAX is out of range. */
static csv_cell_kind finish(double d, float *out)
{
    *out = (float)d;
    return isinf(*out) ? CSV_CELL_RANGE : CSV_CELL_NUMBER;
}

/*
 * pandas writes float64 columns with up to 17 significant digits, which miss Clinger's path
 * (m > 2^53). On x86 the 80-bit long double has a 64-bit significand, so every mantissa of up
 * to 19 digits and every 10^e with e <= 27 (5^27 < 2^64) is exact, and one multiplication or
 * division is correctly rounded to 64 bits: the result x is within half a unit (of the 64-bit
 * significand) of the true value. Rounding x to double gives strtod's answer unless a double
 * rounding boundary (low 11 bits 0x400 out of 64) lies within that half unit; those rare cases
 * (x's low 11 bits in 0x3FF..0x401) go to strtod.
 */
#if defined(__x86_64__) && LDBL_MANT_DIG == 64
#define MOOD_CSV_X87 1
static const long double pow10_ext[28] = {1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,
                                          1e7L,  1e8L,  1e9L,  1e10L, 1e11L, 1e12L, 1e13L,
                                          1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L,
                                          1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};

/*
 * Whether long double arithmetic really carries 64 bits here: emulators (valgrind) run x87 code
 * in double precision, where the argument above fails. Checked once; the race between threads
 * is benign (all store the same value) but made well-defined with a relaxed atomic.
 */
static int extended_ok(void)
{
    static _Atomic int state; /* 0 unknown, 1 yes, 2 no */
    int s = atomic_load_explicit(&state, memory_order_relaxed);
    if (s == 0) {
        volatile uint64_t m = UINT64_MAX;
        long double a = (long double)m, b = (long double)(m - 1);
        s = (a - b == 1.0L) ? 1 : 2;
        atomic_store_explicit(&state, s, memory_order_relaxed);
    }
    return s == 1;
}

static int extended_path(uint64_t mant, int exp10, double *out)
{
    long double x = (long double)mant;
    uint64_t bits;
    if (!extended_ok())
        return 0;
    x = exp10 < 0 ? x / pow10_ext[-exp10] : x * pow10_ext[exp10];
    memcpy(&bits, &x, sizeof bits); /* x86 extended: the first 8 bytes are the significand */
    bits &= 0x7ff;
    if (bits >= 0x3ff && bits <= 0x401)
        return 0;
    *out = (double)x;
    return 1;
}
#else
#define MOOD_CSV_X87 0
#endif

/* The general case: strtod on a terminated copy, accepting only a full, non-hex parse. */
static csv_cell_kind classify_slow(const char *p, size_t len, float *out)
{
    char buf[256];
    char *endp;
    double d;
    /* No number needs more than a few dozen characters; longer cells are text. */
    if (len >= sizeof buf)
        return CSV_CELL_TEXT;
    for (size_t i = 0; i < len; i++)
        if (p[i] == 'x' || p[i] == 'X' || p[i] == '\0')
            return CSV_CELL_TEXT;
    memcpy(buf, p, len);
    buf[len] = '\0';
    errno = 0;
    d = strtod(buf, &endp);
    if (endp != buf + len || endp == buf || isnan(d))
        return CSV_CELL_TEXT;
    if (isinf(d))
        return errno == ERANGE ? CSV_CELL_RANGE : CSV_CELL_INFINITE;
    *out = (float)d;
    if (isinf(*out))
        return CSV_CELL_RANGE;
    return CSV_CELL_NUMBER;
}

csv_cell_kind mood__csv_classify(const char *p, size_t len, float *out)
{
    uint64_t mant = 0;
    int ndig = 0, exp10 = 0, any_digit = 0, truncated = 0, neg = 0;
    size_t i = 0;

    trim(&p, &len);
    if (len == 0)
        return CSV_CELL_MISSING;
    if (len <= 4 && mood__csv_is_missing_token(p, len))
        return CSV_CELL_MISSING;

    /* Fast path: [+-] digits [. digits] [(e|E) [+-] digits], nothing else. */
    if (p[i] == '+' || p[i] == '-')
        neg = p[i++] == '-';
    for (; i < len && p[i] >= '0' && p[i] <= '9'; i++) {
        unsigned dgt = (unsigned)(p[i] - '0');
        any_digit = 1;
        if (mant == 0 && dgt == 0)
            continue; /* leading zeros carry no information */
        if (ndig < 19) {
            mant = mant * 10 + dgt;
            ndig++;
        } else {
            exp10++;
            truncated = 1;
        }
    }
    if (i < len && p[i] == '.') {
        for (i++; i < len && p[i] >= '0' && p[i] <= '9'; i++) {
            unsigned dgt = (unsigned)(p[i] - '0');
            any_digit = 1;
            if (mant == 0 && dgt == 0) {
                exp10--;
                continue;
            }
            if (ndig < 19) {
                mant = mant * 10 + dgt;
                ndig++;
                exp10--;
            } else {
                truncated = 1;
            }
        }
    }
    if (!any_digit)
        return classify_slow(p, len, out);
    if (i < len && (p[i] == 'e' || p[i] == 'E')) {
        int eneg = 0, e = 0, edig = 0;
        i++;
        if (i < len && (p[i] == '+' || p[i] == '-'))
            eneg = p[i++] == '-';
        for (; i < len && p[i] >= '0' && p[i] <= '9'; i++, edig++)
            if (e < 100000)
                e = e * 10 + (p[i] - '0');
        if (!edig)
            return classify_slow(p, len, out);
        exp10 += eneg ? -e : e;
    }
    if (i != len || truncated)
        return classify_slow(p, len, out);
    if (mant == 0) {
        *out = neg ? -0.0f : 0.0f;
        return CSV_CELL_NUMBER;
    }
    if (mant <= (UINT64_C(1) << 53) && exp10 >= -22 && exp10 <= 22) {
        double d = (double)mant;
        d = exp10 < 0 ? d / pow10_exact[-exp10] : d * pow10_exact[exp10];
        return finish(neg ? -d : d, out);
    }
#if MOOD_CSV_X87
    if (exp10 >= -27 && exp10 <= 27) {
        double d;
        if (extended_path(mant, exp10, &d))
            return finish(neg ? -d : d, out);
    }
#endif
    return classify_slow(p, len, out);
}

/*
 * The "C" locale for the calling thread while a CSV is read or written: a program that called
 * setlocale() for a decimal comma must still read and write "0.5" (strtod and snprintf follow
 * LC_NUMERIC). uselocale() is per thread, so other threads are unaffected.
 */
static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

void *mood__csv_c_locale_push(void)
{
    pthread_once(&c_locale_once, c_locale_init);
    return c_locale ? (void *)uselocale(c_locale) : NULL;
}

void mood__csv_c_locale_pop(void *saved)
{
    if (saved)
        uselocale((locale_t)saved);
}
