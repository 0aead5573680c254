/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the fast number formatting (analysis/numfmt.c).
 *
 * The truth is glibc's printf: the formatters promise its digits (numfmt.h),
 * so every case is compared with snprintf, on hand-picked values, on values
 * that sit on or next to a rounding tie, and on a million pseudo-random
 * values over 24 decades.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollmat/numfmt.h"

static void expect_str(const char *what, double v, const char *got, const char *want)
{
    if (strcmp(got, want) != 0) {
        print_error("%s(%.17g): got \"%s\", want \"%s\"\n", what, v, got, want);
        fail();
    }
}

static void expect_fixed(double v, int dec, const char *want)
{
    char buf[RMAT_FMT_BUF];
    size_t n = rmat_fmt_fixed(buf, v, dec);
    expect_str("fixed", v, buf, want);
    assert_int_equal(n, strlen(want));
}

static void expect_sig(double v, int sig, const char *want)
{
    char buf[RMAT_FMT_BUF];
    size_t n = rmat_fmt_sig(buf, v, sig);
    expect_str("sig", v, buf, want);
    assert_int_equal(n, strlen(want));
}

/* printf's "%.*f", with the sign dropped from a result of all zeros
 * ("-0.000" is "0.000" in the outputs) and, if strip, trailing zeros after
 * the point removed. */
static void printf_fixed(char *buf, size_t cap, double v, int dec, int strip)
{
    snprintf(buf, cap, "%.*f", dec, v);
    size_t n = strlen(buf);
    if (strip && strchr(buf, '.')) {
        while (buf[n - 1] == '0')
            buf[--n] = '\0';
        if (buf[n - 1] == '.')
            buf[--n] = '\0';
    }
    if (buf[0] == '-' && strspn(buf + 1, "0.") == n - 1)
        memmove(buf, buf + 1, n);
}

/* A deterministic stream of doubles spread over 1e-9 .. 1e15, both signs. */
static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s;
}

static double random_value(uint64_t *s)
{
    const uint64_t r = lcg(s);
    double v = (double)(r >> 11) / 9007199254740992.0; /* [0, 1) */
    const int decade = (int)(lcg(s) % 24) - 8;
    v *= pow(10.0, decade);
    return (r & 1) ? -v : v;
}

static void test_numfmt_known_values(void **state)
{
    (void)state;
    expect_fixed(0.1234567, 6, "0.123457");
    expect_fixed(12.5, 3, "12.500");
    expect_fixed(2.5, 0, "2");   /* exact tie: half to even, as printf */
    expect_fixed(-1.5, 0, "-2"); /* likewise */
    expect_fixed(0.0, 6, "0.000000");
    expect_fixed(-0.0000001, 6, "0.000000"); /* rounds to zero: no sign */
    expect_fixed(123456.000001, 6, "123456.000001");
    expect_fixed(1e20, 2, "1e+20"); /* beyond 1e15 scaled: %.17g */
    expect_fixed(NAN, 6, "");
    expect_fixed(INFINITY, 6, "inf");
    expect_fixed(-INFINITY, 2, "-inf");

    expect_sig(1234.56, 4, "1235");
    expect_sig(12345.6, 4, "12346"); /* whole, not 1.235e+04 */
    expect_sig(0.00123456, 4, "0.001235");
    expect_sig(2.5, 4, "2.5");
    expect_sig(-3.25, 7, "-3.25");
    expect_sig(9.9999996, 4, "10");
    expect_sig(100.0, 7, "100");
    expect_sig(0.0, 7, "0");
    expect_sig(-0.0, 7, "0");
    expect_sig(17.3205080756887729, 7, "17.32051");
    expect_sig(1e-10, 4, "1e-10"); /* below 1e-9: %g */
    expect_sig(1e16, 4, "1e+16");  /* from 1e15: %g */
    expect_sig(NAN, 7, "");
    expect_sig(INFINITY, 7, "inf");
}

static void test_numfmt_near_ties(void **state)
{
    (void)state;
    char want[64], got[RMAT_FMT_BUF];
    /* k / 2000 is a tie at the third decimal in decimal arithmetic, but
     * its double lies a hair above or below it: printf decides by the
     * exact binary value, and so must the formatter. */
    for (int k = -40000; k <= 40000; k++) {
        const double v = k / 2000.0;
        rmat_fmt_fixed(got, v, 3);
        printf_fixed(want, sizeof want, v, 3, 0);
        expect_str("fixed tie", v, got, want);
    }
    /* k + 0.5 is an exact tie; with 3 significant digits and 4 or 5
     * integer digits it is written whole, rounded half to even. */
    for (int k = 1000; k <= 40000; k++) {
        for (int sign = -1; sign <= 1; sign += 2) {
            const double v = sign * (k + 0.5);
            rmat_fmt_sig(got, v, 3);
            snprintf(want, sizeof want, "%.0f", v);
            expect_str("sig tie", v, got, want);
        }
    }
    /* 0.125, 0.375, ... are exact ties at 2 decimals: half to even. */
    expect_fixed(0.125, 2, "0.12");
    expect_fixed(0.375, 2, "0.38");
    expect_sig(0.125, 2, "0.12");
}

static void test_numfmt_fixed_matches_printf(void **state)
{
    (void)state;
    uint64_t s = 42;
    char want[400], got[RMAT_FMT_BUF];

    for (int k = 0; k < 1000000; k++) {
        const double v = random_value(&s);
        const int dec = (int)(lcg(&s) % 10);
        rmat_fmt_fixed(got, v, dec);
        if (fabs(v) * pow(10.0, dec) >= 1e15)
            snprintf(want, sizeof want, "%.17g", v);
        else
            printf_fixed(want, sizeof want, v, dec, 0);
        expect_str("fixed", v, got, want);
    }
}

static void test_numfmt_sig_matches_printf(void **state)
{
    (void)state;
    uint64_t s = 7;
    char want[400], got[RMAT_FMT_BUF], e[64];

    for (int k = 0; k < 1000000; k++) {
        const double v = random_value(&s);
        const int sig = 1 + (int)(lcg(&s) % 15);
        rmat_fmt_sig(got, v, sig);
        if (fabs(v) < 1e-9 || fabs(v) >= 1e15) {
            snprintf(want, sizeof want, "%.*g", sig, v);
        } else {
            /* the exponent of the leading digit, from printf's %e of the
             * value to 17 digits: sig digits are sig - 1 - exp decimals */
            snprintf(e, sizeof e, "%.16e", fabs(v));
            int dec = sig - 1 - atoi(strchr(e, 'e') + 1);
            printf_fixed(want, sizeof want, v, dec < 0 ? 0 : dec, 1);
        }
        expect_str("sig", v, got, want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numfmt_known_values),
        cmocka_unit_test(test_numfmt_near_ties),
        cmocka_unit_test(test_numfmt_fixed_matches_printf),
        cmocka_unit_test(test_numfmt_sig_matches_printf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
