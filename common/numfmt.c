/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fast decimal formatting (numfmt.h).
 *
 * The number is scaled by a power of ten to the integer of its digits,
 * rounded to the nearest integer, and the integer's digits are written with
 * the point put back in. Every scaled value stays below 10^15 < 2^53, so
 * the rounded double is an exact integer and converts to uint64_t without
 * loss. The multiplication by the power of ten is the one inexact step;
 * where it could have moved the value across a rounding tie (near_tie(),
 * exact ties included), printf, which expands the binary value exactly and
 * rounds half to even, writes the digits instead. So the output is always
 * printf's.
 */
#include "rollmat/numfmt.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Powers of ten exact in a double (10^22 is the largest). */
static const double pow10_tab[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

#define POW10_MAX 22
/* Scaled values stay below this, so they are exact integers after rounding
 * (2^53 is about 9.007e15) and their ulp, at most 1/8, keeps near_tie()
 * meaningful. */
#define SCALED_LIMIT 1e15

/* Writes NaN and the infinities; returns 1 if v was one of them. */
static int put_special(char *buf, double v, size_t *len)
{
    if (isnan(v)) {
        buf[0] = '\0';
        *len = 0;
        return 1;
    }
    if (isinf(v)) {
        const char *s = v < 0 ? "-inf" : "inf";
        *len = strlen(s);
        memcpy(buf, s, *len + 1);
        return 1;
    }
    return 0;
}

/* Writes the integer s with a point before its last `dec` digits (leading
 * zeros added as needed: s = 5, dec = 3 is "0.005"), minus first if neg and
 * s is not zero. With strip, trailing zeros after the point go, and the
 * point too if nothing follows it. */
static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930"
    "31323334353637383940414243444546474849505152535455565758596061"
    "62636465666768697071727374757677787980818283848586878889909192"
    "93949596979899";

/* The digits of x with a point before the last `frac`, written backwards
 * ending at e; returns the first character. Two digits per step from a
 * table of "00".."99": the divisions by 100 become multiplies. One body
 * for 32 and for 64 bits: 32-bit multiplies are the cheaper, and every
 * 7-digit field of the CSV fits them. */
#define DIGITS_BACKWARDS(T, x, frac, e)                                                            \
    do {                                                                                           \
        for (; (frac) >= 2; (frac) -= 2) {                                                         \
            const unsigned d_ = (unsigned)((x) % 100u);                                            \
            (x) /= 100u;                                                                           \
            (e) -= 2;                                                                              \
            memcpy((e), digit_pairs + 2 * d_, 2);                                                  \
        }                                                                                          \
        if ((frac) == 1) {                                                                         \
            *--(e) = (char)('0' + (int)((x) % 10u));                                               \
            (x) /= 10u;                                                                            \
        }                                                                                          \
        if (dec > 0)                                                                               \
            *--(e) = '.';                                                                          \
        while ((x) >= 100u) {                                                                      \
            const unsigned d_ = (unsigned)((x) % 100u);                                            \
            (x) /= 100u;                                                                           \
            (e) -= 2;                                                                              \
            memcpy((e), digit_pairs + 2 * d_, 2);                                                  \
        }                                                                                          \
        if ((x) >= 10u) {                                                                          \
            (e) -= 2;                                                                              \
            memcpy((e), digit_pairs + 2 * (unsigned)(x), 2);                                       \
        } else {                                                                                   \
            *--(e) = (char)('0' + (int)(x));                                                       \
        }                                                                                          \
    } while (0)

static size_t put_scaled(char *buf, int neg, uint64_t s, int dec, int strip)
{
    char tmp[RMAT_FMT_BUF];
    char *const end = tmp + sizeof tmp;
    char *q = end;
    uint64_t x = s;
    int frac = dec;
    size_t n;

    if (strip) {
        while (frac >= 2 && x % 100 == 0) {
            x /= 100;
            frac -= 2;
        }
        if (frac > 0 && x % 10 == 0) {
            x /= 10;
            frac--;
        }
        dec = frac;
    }
    if (x >> 32) {
        DIGITS_BACKWARDS(uint64_t, x, frac, q);
    } else {
        uint32_t y = (uint32_t)x;
        DIGITS_BACKWARDS(uint32_t, y, frac, q);
    }
    if (neg && s != 0)
        *--q = '-';
    n = (size_t)(end - q);
    memcpy(buf, q, n);
    buf[n] = '\0';
    return n;
}

/* True when the exact a * 10^dec may lie on the other side of a tie than
 * the computed scaled: the multiplication rounds by at most half an ulp of
 * scaled, and 4 ulps of margin leave no doubt outside. About one value in
 * 10^11 of a 7-digit output falls here; printf then decides. */
static int near_tie(double scaled)
{
    return fabs(scaled - floor(scaled) - 0.5) <= scaled * 0x1p-50;
}

/* printf's "%.*f" into buf, trailing zeros after the point removed if
 * strip, and "-0..." written without its sign. */
static size_t put_printf_fixed(char *buf, double v, int dec, int strip)
{
    int r = snprintf(buf, RMAT_FMT_BUF, "%.*f", dec, v);
    size_t n = r < 0 ? 0 : (size_t)r < RMAT_FMT_BUF ? (size_t)r : RMAT_FMT_BUF - 1;

    buf[n] = '\0';
    if (strip && memchr(buf, '.', n)) {
        while (n > 0 && buf[n - 1] == '0')
            n--;
        if (n > 0 && buf[n - 1] == '.')
            n--;
        buf[n] = '\0';
    }
    if (buf[0] == '-' && strspn(buf + 1, "0.") == n - 1) {
        memmove(buf, buf + 1, n);
        n--;
    }
    return n;
}

static size_t put_printf(char *buf, const char *fmt, int prec, double v)
{
    int n = snprintf(buf, RMAT_FMT_BUF, fmt, prec, v);
    if (n < 0) {
        buf[0] = '\0';
        return 0;
    }
    return (size_t)n < RMAT_FMT_BUF ? (size_t)n : RMAT_FMT_BUF - 1;
}

size_t rmat_fmt_fixed(char *buf, double v, int decimals)
{
    size_t len;
    if (put_special(buf, v, &len))
        return len;
    if (decimals < 0)
        decimals = 0;
    if (decimals > 9)
        decimals = 9;

    const double scaled = fabs(v) * pow10_tab[decimals];
    if (!(scaled < SCALED_LIMIT))
        return put_printf(buf, "%.*g", 17, v);
    if (near_tie(scaled))
        return put_printf_fixed(buf, v, decimals, 0);
    return put_scaled(buf, v < 0, (uint64_t)rint(scaled), decimals, 0);
}

size_t rmat_fmt_sig(char *buf, double v, int sig)
{
    size_t len;
    if (put_special(buf, v, &len))
        return len;
    if (sig < 1)
        sig = 1;
    if (sig > 15)
        sig = 15;

    const double a = fabs(v);
    if (a == 0.0)
        return put_scaled(buf, 0, 0, 0, 1);
    if (a < 1e-9 || a >= SCALED_LIMIT)
        return put_printf(buf, "%.*g", sig, v);

    /* e: the decimal exponent of the leading digit, 10^e <= a < 10^(e+1).
     * Below 1 the test multiplies, which can round a value a hair under a
     * power of ten up onto it; the result then has one digit fewer, never a
     * wrong digit. */
    int e = 0;
    if (a >= 1.0) {
        while (a >= pow10_tab[e + 1])
            e++;
    } else {
        e = -1;
        while (a * pow10_tab[-e] < 1.0)
            e--;
    }
    int dec = sig - 1 - e;
    if (dec < 0)
        dec = 0; /* more integer digits than sig: written whole */
    if (dec > POW10_MAX)
        return put_printf_fixed(buf, v, dec, 1); /* 14+ digits below 1e-8 */
    /* a * 10^dec < 10^sig <= 10^15, or a < 10^15 when dec is 0. */
    const double scaled = a * pow10_tab[dec];
    if (near_tie(scaled))
        return put_printf_fixed(buf, v, dec, 1);
    return put_scaled(buf, v < 0, (uint64_t)rint(scaled), dec, 1);
}
