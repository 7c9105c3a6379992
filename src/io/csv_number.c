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
#include "csv_internal.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
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

int mood__csv_is_missing_token(const char *p, size_t len)
{
    /* The spellings pandas and spreadsheets write for "no value", compared case-insensitively. */
    static const char *const tokens[] = {"na",   "n/a",  "nan",  "-nan",
                                         "null", "none", "#n/a", "<na>"};
    char low[5];
    while (len && is_space(*p)) {
        p++;
        len--;
    }
    while (len && is_space(p[len - 1]))
        len--;
    if (len == 0)
        return 1;
    if (len > 4)
        return 0;
    for (size_t i = 0; i < len; i++)
        low[i] = (char)tolower((unsigned char)p[i]);
    low[len] = '\0';
    for (size_t t = 0; t < sizeof tokens / sizeof tokens[0]; t++)
        if (strcmp(low, tokens[t]) == 0)
            return 1;
    return 0;
}

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

    while (len && is_space(*p)) {
        p++;
        len--;
    }
    while (len && is_space(p[len - 1]))
        len--;
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
        *out = (float)(neg ? -d : d);
        if (isinf(*out))
            return CSV_CELL_RANGE;
        return CSV_CELL_NUMBER;
    }
    return classify_slow(p, len, out);
}
