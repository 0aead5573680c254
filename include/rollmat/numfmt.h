/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: fast decimal formatting of numbers for the CSV outputs.
 *
 * An hour of frames is 360,000 rows of ten numbers; printf("%g") spends
 * about 0.3 us on each, more than all the metrics of a frame together.
 * These formatters scale the number to an integer and write its digits,
 * several times faster, and write exactly the digits printf writes for the
 * format named below (where the fast path cannot be sure of the last digit,
 * near a rounding tie, they ask printf).
 *
 * Both write a NUL-terminated string into buf, which holds at least
 * RMAT_FMT_BUF bytes, and return its length. NaN is written as the empty
 * string (the outputs' CSV convention for "no value"), infinities as "inf"
 * and "-inf", and a value that rounds to zero without its sign ("0", never
 * "-0"). No locale: the decimal point is always '.'. Allocates nothing.
 */
#ifndef ROLLMAT_NUMFMT_H
#define ROLLMAT_NUMFMT_H

#define RMAT_HEADER_LAYER RMAT_LAYER_COMMON
#include "rollmat/layer.h"

#include <stddef.h>

/* Enough for any output of the functions below. */
#define RMAT_FMT_BUF 48

/* v with exactly `decimals` digits after the point (0 to 9; clamped), as
 * printf("%.*f", decimals, v): 0.1234567 with 6 decimals is "0.123457".
 * A value too large for that (|v| * 10^decimals >= 1e15) is written as
 * printf("%.17g") does. */
size_t rmat_fmt_fixed(char *buf, double v, int decimals);

/* v rounded to `sig` significant digits (1 to 15; clamped), in plain
 * notation with the trailing zeros after the point removed: with 4 digits,
 * 1234.56 is "1235", 0.00123456 is "0.001235", 2.5 is "2.5". A number with
 * more integer digits than `sig` is written whole, rounded to an integer
 * (12345.6 is "12346", where printf("%.4g") writes "1.235e+04"). That is,
 * printf("%.*f", sig - 1 - e, v) with e the decimal exponent of v's leading
 * digit (e = 3 for 1234.56, -3 for 0.00123456; a value a hair below a
 * negative power of ten may count as on it and get one digit fewer), at
 * least 0 decimals, trailing zeros stripped. Magnitudes from 1e-9 up to
 * 1e15 are written so; outside that range, as printf("%.*g", sig, v). */
size_t rmat_fmt_sig(char *buf, double v, int sig);

#endif
