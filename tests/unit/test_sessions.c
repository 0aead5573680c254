/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Sessions counted once and trends over real time (trend.h), on session
 * sets built in memory: which row of a session analysed twice is kept, the
 * rule that a trend needs three sessions over seven days, and the refusal
 * to put counts and kPa in one trend. The truth is in the comments: the
 * rows are made here, so what must be kept is known. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollmat/trend.h"

/* A row of subject P, quadriceps, left, in kPa, dated day days after
 * 2026-03-02 09:00 UTC, with mean_kpa v. */
static struct rmat_session_row row(const char *id, const char *rid, double day, double v)
{
    struct rmat_session_row r;
    memset(&r, 0, sizeof r);
    snprintf(r.id, sizeof r.id, "%s", id);
    snprintf(r.recording, sizeof r.recording, "%s.h5", id);
    snprintf(r.recording_id, sizeof r.recording_id, "%s", rid);
    snprintf(r.subject, sizeof r.subject, "P");
    snprintf(r.region, sizeof r.region, "quadriceps");
    snprintf(r.side, sizeof r.side, "left");
    snprintf(r.units, sizeof r.units, "kPa");
    r.t_unix = 1772442000.0 + day * 86400.0; /* 2026-03-02T09:00:00Z */
    r.analysed_unix = NAN;
    for (int i = 0; i < RMAT_SESSION_NNUM; i++)
        r.num[i] = NAN;
    r.num[rmat_session_num_index("mean_kpa")] = v;
    return r;
}

static void push(struct rmat_session_set *s, struct rmat_session_row r)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 8;
        s->rows = realloc(s->rows, s->cap * sizeof *s->rows);
        assert_non_null(s->rows);
    }
    s->rows[s->n++] = r;
}

/* One recording analysed three times (by `report` beside it, by `batch`,
 * and once more later): counted once, the newest analysis kept. Its
 * recovered copy, analysed before the others, wins over all of them. */
static void test_sessions_counted_once(void **state)
{
    struct rmat_session_set s = {0};
    struct rmat_session_row r;
    (void)state;

    r = row("clinic/a", "uuid-1", 0, 40);
    r.analysed_unix = 100;
    push(&s, r);
    r = row("batch/a", "uuid-1", 0, 41);
    r.analysed_unix = 300;
    push(&s, r);
    r = row("clinic/b", "uuid-2", 3, 50);
    r.analysed_unix = 200;
    push(&s, r);
    r = row("old/a", "uuid-1", 0, 42);
    r.analysed_unix = 50;
    push(&s, r);
    rmat_sessions_sort(&s, NULL);
    assert_int_equal(s.n, 2);
    /* sorted by id: batch/a (the newest of uuid-1), clinic/b */
    assert_string_equal(s.rows[0].id, "batch/a");
    assert_string_equal(s.rows[1].id, "clinic/b");

    r = row("crash/a.recovered", "uuid-1", 0, 43);
    r.recovered = 1;
    r.analysed_unix = 10;
    push(&s, r);
    rmat_sessions_sort(&s, NULL);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.rows[0].id, "clinic/b");
    assert_string_equal(s.rows[1].id, "crash/a.recovered");
    rmat_session_set_fini(&s);
}

/* Three sessions minutes apart: no slope per week (it would be absurd),
 * the values listed and the note says why. The same three spread over 14
 * days: a line, and with values 40, 45, 50 on days 0, 7, 14 the slope is
 * exactly 5 kPa a week. */
static void test_sessions_trend_needs_a_span(void **state)
{
    struct rmat_session_set s = {0};
    struct rmat_trend_set t;
    struct rmat_errinfo ei;
    const int m_kpa = 0; /* mean_kpa */
    (void)state;

    push(&s, row("a", "u1", 0.0, 40));
    push(&s, row("b", "u2", 0.01, 45));
    push(&s, row("c", "u3", 0.02, 50));
    assert_int_equal(rmat_trends_compute(&s, NULL, &t, NULL, &ei), RMAT_OK);
    assert_int_equal(t.n, 1);
    assert_false(t.g[0].m[m_kpa].fit.valid);
    assert_non_null(strstr(t.g[0].note, "too early for a trend: 3 sessions over 28 minutes"));
    assert_int_equal(t.g[0].m[m_kpa].n, 3);
    rmat_trends_fini(&t);

    s.rows[1].t_unix += 7 * 86400.0;
    s.rows[2].t_unix += 14 * 86400.0;
    assert_int_equal(rmat_trends_compute(&s, NULL, &t, NULL, &ei), RMAT_OK);
    assert_true(t.g[0].m[m_kpa].fit.valid);
    assert_string_equal(t.g[0].note, "");
    assert_true(fabs(t.g[0].m[m_kpa].fit.slope - 5.0) < 0.01);
    rmat_trends_fini(&t);

    /* Two sessions a month apart: still too early (fewer than three). */
    s.n = 2;
    assert_int_equal(rmat_trends_compute(&s, NULL, &t, NULL, &ei), RMAT_OK);
    assert_false(t.g[0].m[m_kpa].fit.valid);
    assert_non_null(strstr(t.g[0].note, "2 sessions"));
    rmat_trends_fini(&t);
    rmat_session_set_fini(&s);
}

/* A session in raw counts among sessions in kPa: the trend is refused and
 * the message names one of each. */
static void test_sessions_mixed_units_refused(void **state)
{
    struct rmat_session_set s = {0};
    struct rmat_trend_set t;
    struct rmat_errinfo ei;
    struct rmat_session_row r;
    (void)state;

    push(&s, row("a", "u1", 0, 40));
    r = row("b", "u2", 7, 900);
    snprintf(r.units, sizeof r.units, "counts");
    push(&s, r);
    push(&s, row("c", "u3", 14, 50));
    assert_int_equal(rmat_trends_compute(&s, NULL, &t, NULL, &ei), RMAT_E_FORMAT);
    assert_non_null(strstr(ei.msg, "cannot go in one trend"));
    assert_non_null(strstr(ei.msg, "a.h5"));
    assert_non_null(strstr(ei.msg, "b.h5"));
    assert_int_equal(t.n, 0);
    rmat_session_set_fini(&s);
}

/* A group in counts: its pressure metric is named and labelled in counts
 * (units.h), never kPa. */
static void test_sessions_counts_names(void **state)
{
    struct rmat_session_set s = {0};
    struct rmat_trend_set t;
    struct rmat_errinfo ei;
    (void)state;

    for (int k = 0; k < 3; k++) {
        struct rmat_session_row r = row(k == 0   ? "a"
                                        : k == 1 ? "b"
                                                 : "c",
                                        k == 0   ? "u1"
                                        : k == 1 ? "u2"
                                                 : "u3",
                                        7.0 * k, 900 + k);
        snprintf(r.units, sizeof r.units, "counts");
        push(&s, r);
    }
    assert_int_equal(rmat_trends_compute(&s, NULL, &t, NULL, &ei), RMAT_OK);
    assert_string_equal(rmat_trend_metric_name(&t.g[0], 0), "mean_counts");
    assert_string_equal(rmat_trend_metric_unit(&t, &t.g[0], 0), "counts");
    assert_string_equal(rmat_trend_metric_name(&t.g[0], 2), "compliance_mm3_per_count");
    assert_string_equal(rmat_trend_metric_name(&t.g[0], 3), "hold_s");
    rmat_trends_fini(&t);
    rmat_session_set_fini(&s);
}

/* A row of the adherence schedule: rolling time rolling_s, holds holds
 * lasting hold_s in all (NaN: none given). */
static struct rmat_session_row adh_row(const char *id, double day, double rolling_s, double holds,
                                       double hold_s)
{
    struct rmat_session_row r = row(id, id, day, 40);
    r.num[rmat_session_num_index("rolling_s")] = rolling_s;
    r.num[rmat_session_num_index("holds")] = holds;
    r.num[rmat_session_num_index("hold_s")] = hold_s;
    return r;
}

/* Adherence on a programmed schedule, figures worked out by hand.
 *
 * Sessions on days 0, 2, 5, 9 and 16 (09:00 UTC), against the defaults
 * (every 2-3 days: 2 to 4 session days a week; 60-120 s rolling; 30-45 s
 * mean hold):
 *   week 1 (days 0-6): days 0, 2, 5 -> 3 days, gaps 2 and 3 -> met
 *   week 2 (days 7-13): day 9 -> 1 day, gap 4 -> not met
 *   week 3 (days 14-20): day 16 -> 1 day, gap 7 -> not met
 *   frequency: 1 of 3 weeks, not met.
 *   rolling 90, 45, 120, 130, 60 s -> 90, 120, 60 within: 3 of 5, not met,
 *   45 to 130 s.
 *   holds 2 in 70 s (35), none (not judged), 3 in 90 s (30), 1 in 50 s
 *   (50), 4 in 160 s (40) -> 3 of 4 within, not met, 30 to 50 s.
 * The same with every 3-7 days (1 to 3 days a week) and 45-130 s rolling:
 * every week and every session met. */
static void test_sessions_adherence_schedule(void **state)
{
    struct rmat_session_set s = {0};
    struct rmat_trend_set t;
    struct rmat_errinfo ei;
    struct rmat_adherence_config c;
    const struct rmat_adherence *a;
    (void)state;

    push(&s, adh_row("a", 0, 90, 2, 70));
    push(&s, adh_row("b", 2, 45, 0, 0));
    push(&s, adh_row("c", 5, 120, 3, 90));
    push(&s, adh_row("d", 9, 130, 1, 50));
    push(&s, adh_row("e", 16, 60, 4, 160));
    assert_int_equal(rmat_trends_compute(&s, NULL, &t, NULL, &ei), RMAT_OK);
    assert_int_equal(t.n, 1);
    a = &t.g[0].adh;
    assert_int_equal(a->days_min, 2);
    assert_int_equal(a->days_max, 4);
    assert_int_equal(a->n_weeks, 3);
    assert_int_equal(a->weeks[0].days, 3);
    assert_true(a->weeks[0].longest_gap_days == 3.0);
    assert_true(a->weeks[0].met);
    assert_int_equal(a->weeks[1].days, 1);
    assert_true(a->weeks[1].longest_gap_days == 4.0);
    assert_false(a->weeks[1].met);
    assert_int_equal(a->weeks[2].days, 1);
    assert_true(a->weeks[2].longest_gap_days == 7.0);
    assert_false(a->weeks[2].met);
    assert_int_equal(a->weeks_met, 1);
    assert_int_equal(a->frequency_met, 0);
    assert_int_equal(a->rolling_n, 5);
    assert_int_equal(a->rolling_in, 3);
    assert_int_equal(a->rolling_met, 0);
    assert_true(a->rolling_lo_s == 45.0 && a->rolling_hi_s == 130.0);
    assert_int_equal(a->hold_n, 4);
    assert_int_equal(a->hold_in, 3);
    assert_int_equal(a->hold_met, 0);
    assert_true(a->hold_lo_s == 30.0 && a->hold_hi_s == 50.0);

    rmat_adherence_config_default(&c);
    c.every_min_days = 3;
    c.every_max_days = 7;
    c.rolling_min_s = 45;
    c.rolling_max_s = 130;
    assert_int_equal(rmat_trends_adherence(&t, &c, &ei), RMAT_OK);
    a = &t.g[0].adh;
    assert_int_equal(a->days_min, 1);
    assert_int_equal(a->days_max, 3);
    assert_int_equal(a->weeks_met, 3);
    assert_int_equal(a->frequency_met, 1);
    assert_int_equal(a->rolling_in, 5);
    assert_int_equal(a->rolling_met, 1);
    assert_int_equal(a->hold_met, 0); /* 30-45 s still */

    /* A target upside down is refused, naming it. */
    c.hold_min_s = 50;
    assert_int_equal(rmat_trends_adherence(&t, &c, &ei), RMAT_E_ARG);
    assert_non_null(strstr(ei.msg, "hold time"));
    rmat_trends_fini(&t);
    rmat_session_set_fini(&s);
}

/* Two sessions on one day count as one session day; a week without any
 * is not met (0 days); a group with no holds and no rolling time is not
 * judged on them (met -1). Days 0, 0 (18:00), 3, 15:
 *   week 1: days 0, 3 -> 2 days, met; week 2: none -> 0, not met;
 *   week 3: day 15 -> 1 day, gap 12, not met. */
static void test_sessions_adherence_same_day_and_empty_week(void **state)
{
    struct rmat_session_set s = {0};
    struct rmat_trend_set t;
    struct rmat_errinfo ei;
    const struct rmat_adherence *a;
    (void)state;

    push(&s, adh_row("a", 0, NAN, NAN, NAN));
    push(&s, adh_row("b", 0.375, NAN, 0, 0));
    push(&s, adh_row("c", 3, NAN, NAN, NAN));
    push(&s, adh_row("d", 15, NAN, NAN, NAN));
    assert_int_equal(rmat_trends_compute(&s, NULL, &t, NULL, &ei), RMAT_OK);
    a = &t.g[0].adh;
    assert_int_equal(a->n_weeks, 3);
    assert_int_equal(a->weeks[0].days, 2);
    assert_true(a->weeks[0].met);
    assert_int_equal(a->weeks[1].days, 0);
    assert_true(isnan(a->weeks[1].longest_gap_days));
    assert_false(a->weeks[1].met);
    assert_int_equal(a->weeks[2].days, 1);
    assert_true(a->weeks[2].longest_gap_days == 12.0);
    assert_int_equal(a->frequency_met, 0);
    assert_int_equal(a->rolling_n, 0);
    assert_int_equal(a->rolling_met, -1);
    assert_int_equal(a->hold_n, 0);
    assert_int_equal(a->hold_met, -1);
    rmat_trends_fini(&t);
    rmat_session_set_fini(&s);
}

/* The targets' ranges as the options take them. */
static void test_sessions_adherence_parse_range(void **state)
{
    double lo = 0, hi = 0;
    (void)state;

    assert_int_equal(rmat_adherence_parse_range("2-3", &lo, &hi), 0);
    assert_true(lo == 2 && hi == 3);
    assert_int_equal(rmat_adherence_parse_range("1.5-2.5", &lo, &hi), 0);
    assert_true(lo == 1.5 && hi == 2.5);
    assert_int_equal(rmat_adherence_parse_range("40", &lo, &hi), 0);
    assert_true(lo == 40 && hi == 40);
    assert_int_equal(rmat_adherence_parse_range("3-2", &lo, &hi), -1);
    assert_int_equal(rmat_adherence_parse_range("0-3", &lo, &hi), -1);
    assert_int_equal(rmat_adherence_parse_range("-2", &lo, &hi), -1);
    assert_int_equal(rmat_adherence_parse_range("2-", &lo, &hi), -1);
    assert_int_equal(rmat_adherence_parse_range("0x2-0x3", &lo, &hi), -1);
    assert_int_equal(rmat_adherence_parse_range("nan", &lo, &hi), -1);
    assert_int_equal(rmat_adherence_parse_range("", &lo, &hi), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sessions_counted_once),
        cmocka_unit_test(test_sessions_trend_needs_a_span),
        cmocka_unit_test(test_sessions_mixed_units_refused),
        cmocka_unit_test(test_sessions_counts_names),
        cmocka_unit_test(test_sessions_adherence_schedule),
        cmocka_unit_test(test_sessions_adherence_same_day_and_empty_week),
        cmocka_unit_test(test_sessions_adherence_parse_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
