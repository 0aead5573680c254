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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sessions_counted_once),
        cmocka_unit_test(test_sessions_trend_needs_a_span),
        cmocka_unit_test(test_sessions_mixed_units_refused),
        cmocka_unit_test(test_sessions_counts_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
