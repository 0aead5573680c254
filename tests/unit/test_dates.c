/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of dates (common/dates.c) as a session's started_utc needs them:
 * a whole ISO-8601 date-time, normalised to UTC with seconds, and
 * everything else refused with a reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "rollmat/dates.h"

static void ok(const char *in, const char *want, double want_t)
{
    char out[32], why[200];
    double t = NAN;

    if (rmat_iso_datetime_utc(in, out, sizeof out, &t, why, sizeof why) != 0)
        fail_msg("'%s' refused: %s", in, why);
    assert_string_equal(out, want);
    assert_true(fabs(t - want_t) < 1e-6);
}

static void bad(const char *in)
{
    char out[32], why[200];

    if (rmat_iso_datetime_utc(in, out, sizeof out, NULL, why, sizeof why) == 0)
        fail_msg("'%s' accepted as %s", in, out);
    assert_non_null(strstr(why, "2026-03-02T09:30:00Z")); /* says what is wanted */
}

static void test_dates_datetime_utc_accepts(void **state)
{
    (void)state;
    ok("2026-03-02T09:30:00Z", "2026-03-02T09:30:00Z", 1772443800.0);
    ok("2026-03-02T09:30Z", "2026-03-02T09:30:00Z", 1772443800.0);
    ok("2026-03-02 09:30:00", "2026-03-02T09:30:00Z", 1772443800.0); /* no zone: UTC */
    ok("2026-03-02T10:30:00+01:00", "2026-03-02T09:30:00Z", 1772443800.0);
    ok("2026-03-02T09:30:00.75Z", "2026-03-02T09:30:00Z", 1772443800.75);
    ok("2024-02-29T23:59:59Z", "2024-02-29T23:59:59Z", 1709251199.0); /* a leap day */
}

static void test_dates_datetime_utc_refuses(void **state)
{
    (void)state;
    bad("yesterday");
    bad("");
    bad("2026-03-02");           /* no time */
    bad("2026-03-02T9:30:00Z");  /* one-digit hour */
    bad("2026-03-02T24:00:00Z"); /* no such hour */
    bad("2026-03-02T09:60:00Z");
    bad("2026-03-02T09:30:61Z");
    bad("2026-02-30T09:30:00Z"); /* no such day */
    bad("2025-02-29T09:30:00Z");
    bad("2026-13-01T09:30:00Z");
    bad("2026-03-02T09:30:00 tomorrow");
    bad("2026-03-02T09:30:00ZZ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dates_datetime_utc_accepts),
        cmocka_unit_test(test_dates_datetime_utc_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
