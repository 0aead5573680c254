/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: sessions side by side, and trends across them
 * (docs/metrics.md, "Trends across sessions"; docs/reports.md).
 *
 * A session row is one analysed session's summary (summary.json as
 * `rollmat analyze` writes it, plus the mean pain rating from its events),
 * as one row of sessions.csv. Rows come from analysis folders found under
 * a folder, or from sessions.csv files (the shards of a batch run).
 *
 * Each session counts once, whatever folders hold its analyses: rows are
 * keyed by the recording's recording_id (a recording and its `rollmat
 * recover`ed copy share it), and where several rows have one, the analysis
 * of the recovered recording wins, else the newest analysis.
 *
 * Trends: for each (subject, region, side), the sessions in date order
 * (the recording's session started_utc) and, for each of mean_kpa,
 * peak_kpa, compliance_mm3_n, hold_s, rolling_s, cadence_cpm and pain, a
 * least-squares line against the session date in weeks (rmat_trend_fit()
 * of tissue.h): n, slope_per_week, its 95% interval (Student t, n - 2
 * degrees of freedom), r2, and change_pct from the first session to the
 * last. A line is fitted only over a span that supports one: at least
 * RMAT_TREND_MIN_SESSIONS sessions over at least RMAT_TREND_MIN_DAYS days;
 * otherwise the values are listed, there is no line, and the group's note
 * says "too early for a trend". Pressures and compliance are in the
 * sessions' own units: a group whose sessions mix counts and kPa is
 * refused, naming them.
 */
#ifndef ROLLMAT_TREND_H
#define ROLLMAT_TREND_H

#define RMAT_HEADER_LAYER RMAT_LAYER_ANALYSIS
#include "rollmat/layer.h"

#include <stddef.h>

#include "rollmat/diag.h"
#include "rollmat/spots.h"
#include "rollmat/tissue.h"

/* The number columns of sessions.csv, after its text columns. */
#define RMAT_SESSION_NNUM 28
extern const char *const rmat_session_num_names[RMAT_SESSION_NNUM];

struct rmat_session_row {
    char id[512];           /* the session folder relative to the folder searched */
    char recording_id[128]; /* the recording's identity (its UUID; for a recording
                              of format version 1, one made from its name and start) */
    int recovered;          /* the analysed recording was rebuilt by `rollmat recover` */
    double analysed_unix;   /* when it was analysed (summary.json's analysed_utc, else
                               the file's time); NaN if unknown */
    char recording[512];    /* summary.json's "recording" (or the batch's relative path) */
    char subject[64], session[64], region[64], side[16], roller[64], mounting[16];
    char started_utc[32];
    char units[16];                /* kPa or counts: the num[] pressures, forces and
                                      compliance are in these (units.h) */
    char calibration[64];          /* its name, "" if none */
    double t_unix;                 /* started_utc in seconds since 1970; NaN if it does not parse */
    double num[RMAT_SESSION_NNUM]; /* NaN where the summary has none */
};

struct rmat_session_set {
    struct rmat_session_row *rows;
    size_t n, cap;
};

/* The index of name among rmat_session_num_names, or -1. */
int rmat_session_num_index(const char *name);

/* Loads the analysis folder ana_dir into *row with the given id: its
 * summary.json, and the mean and count of the pain ratings from its
 * events.csv, else from the recording's events when it is found, else
 * none (NaN, 0). Numbers are rounded to 10 significant digits, as
 * sessions.csv holds them, so rows from either source compare equal.
 * Errors: those of reading summary.json. */
int rmat_session_load(const char *ana_dir, const char *id, struct rmat_session_row *row,
                      struct rmat_errinfo *ei);

/* Appends every analysis folder (a folder with summary.json) under dir,
 * searched recursively (not below an analysis folder, not into hidden
 * folders), in the order of their paths. A folder whose summary does not
 * load is skipped with a warning in log. Returns the number added or an
 * error (RMAT_E_NOTFOUND if dir cannot be read, RMAT_E_NOMEM). */
int rmat_sessions_scan(const char *dir, struct rmat_session_set *set, const struct rmat_log *log,
                       struct rmat_errinfo *ei);

/* Appends the rows of a sessions.csv. Errors: RMAT_E_NOTFOUND, RMAT_E_IO,
 * RMAT_E_FORMAT (no id column), RMAT_E_NOMEM. */
int rmat_sessions_read_csv(const char *path, struct rmat_session_set *set, struct rmat_errinfo *ei);

/* Counts each session once, then sorts by id: of the rows with one
 * recording_id, the analysis of a recovered recording is kept, else the
 * newest analysis, else the first id; the others are left out with a note
 * in log naming both. */
void rmat_sessions_sort(struct rmat_session_set *set, const struct rmat_log *log);

/* Writes sessions.csv: id, recording, subject, session, region, side,
 * roller, mounting, started_utc, date, units, calibration, then the number
 * columns (10 significant digits, empty where none), then recording_id,
 * recovered and the number columns in counts (mean_raw_sum,
 * ...; units.h). A row in counts has its pressures, forces and compliance
 * in the counts columns and leaves the kPa and N ones empty. */
int rmat_sessions_write_csv(const struct rmat_session_set *set, const char *path,
                            struct rmat_errinfo *ei);

/* Frees the rows; the struct may be reused after. */
void rmat_session_set_fini(struct rmat_session_set *set);

/* --- trends --------------------------------------------------------------- */

#define RMAT_TREND_METRICS 7
/* mean_kpa, peak_kpa, compliance_mm3_n, hold_s, rolling_s, cadence_cpm,
 * pain (the session's mean pain rating). */
extern const char *const rmat_trend_metric_names[RMAT_TREND_METRICS];

#define RMAT_TREND_MIN_SESSIONS 3
#define RMAT_TREND_MIN_DAYS     7.0

struct rmat_trend_metric {
    size_t n;              /* sessions with a value */
    struct rmat_trend fit; /* slope per week; valid only with n >= 3 */
    double change_pct;     /* 100 * (last / first - 1) over the sessions with a value;
                              NaN with fewer than 2 or a first of 0 */
    double first, last;
};

/* --- adherence to the guidance (docs/metrics.md, "Adherence") -----------
 *
 * The guidance practitioners give for self-myofascial release: roll every
 * 2-3 days, roll each muscle 1-2 minutes a session, hold a tender spot
 * 30-45 s. Per group (subject, region, side), each is judged met or not
 * met with its figures:
 *
 *  - frequency: the group's sessions by week (week k: UTC calendar days
 *    7k to 7k + 6 after the day of the group's first session; sessions on
 *    one day count once). Rolling every max_days days never puts fewer than
 *    floor(7 / max_days) days in a week, every min_days days never more
 *    than ceil(7 / min_days): with 2-3 days, 2 to 4 days a week. A week
 *    outside that is not met, an empty week too; every week up to the one of
 *    the last session is judged, that one on the sessions recorded so far.
 *  - rolling time: each session's rolling_s within rolling_min_s ..
 *    rolling_max_s (sessions without rolling_s are not judged).
 *  - hold time: each session's mean hold (hold_s / holds) within
 *    hold_min_s .. hold_max_s (sessions without holds are not judged).
 *    Holds are where the roller stayed: the tender spots the subject held.
 *
 * A target is met when every week (session) judged meets it; with none
 * judged it is neither (met = -1). */
struct rmat_adherence_config {
    double every_min_days, every_max_days; /* 2, 3 */
    double rolling_min_s, rolling_max_s;   /* 60, 120 */
    double hold_min_s, hold_max_s;         /* 30, 45 */
};

/* The defaults above. */
void rmat_adherence_config_default(struct rmat_adherence_config *c);

/* RMAT_E_ARG with a message naming the bad pair (a bound not a positive
 * number, or min > max), else RMAT_OK. */
int rmat_adherence_config_check(const struct rmat_adherence_config *c, struct rmat_errinfo *ei);

/* Parses "A-B" or "A" (A = B) into *lo, *hi: positive numbers, A <= B.
 * Returns 0, or -1 if s is not such a range. */
int rmat_adherence_parse_range(const char *s, double *lo, double *hi);

struct rmat_adherence_week {
    size_t days;             /* days with a session in the week */
    double longest_gap_days; /* the longest gap between session days ending in
                                the week (from the previous session day); NaN
                                if none ends in it */
    int met;
};

struct rmat_adherence {
    int days_min, days_max; /* session days a week that meet the frequency */
    size_t n_weeks;
    struct rmat_adherence_week *weeks; /* n_weeks, from week 0 */
    size_t weeks_met;
    int frequency_met;                 /* 1, 0, -1: nothing judged */
    size_t rolling_n, rolling_in;      /* sessions judged, those within */
    double rolling_lo_s, rolling_hi_s; /* the smallest and largest judged */
    int rolling_met;
    size_t hold_n, hold_in; /* sessions with holds, those whose mean is within */
    double hold_lo_s, hold_hi_s;
    int hold_met;
};

/* The figures of session row r: its rolling time (NaN if none) and mean
 * hold (NaN without holds). */
double rmat_adherence_rolling_s(const struct rmat_session_row *r);
double rmat_adherence_mean_hold_s(const struct rmat_session_row *r);

struct rmat_trend_group {
    char subject[64], region[64], side[16];
    size_t n;       /* sessions, in date order */
    size_t *row;    /* their indices into the session set */
    double *week;   /* weeks since the group's first session */
    double t0_unix; /* the first session's date */
    int calibrated; /* its sessions are in kPa (else counts) */
    /* Why there are no lines, for people ("too early for a trend: ..."); ""
     * when the group supports a trend. */
    char note[160];
    struct rmat_trend_metric m[RMAT_TREND_METRICS];
    struct rmat_adherence adh; /* against the set's adh_cfg; weeks owned */
    struct rmat_spot *spots;   /* its tender spots (rmat_trends_spots()); owned */
    size_t n_spots;
    size_t spot_sessions_unread; /* sessions whose holds could not be placed */
    /* The local compliance at spot j in session k, spot_comp[j * n + k]
     * (NaN: no passes over the spot, or frames.csv not read), and the
     * frames it is the median of; owned. */
    double *spot_comp;
    size_t *spot_comp_frames;
    size_t spot_frames_unread; /* sessions whose frames.csv could not be read */
    double mat_w_mm, mat_h_mm; /* the mat's size in its first session with
                                  one (NaN if none), for the spots' map */
};

struct rmat_trend_set {
    const struct rmat_session_set *sessions; /* not owned */
    struct rmat_trend_group *g;
    size_t n;
    struct rmat_adherence_config adh_cfg; /* the targets adherence was judged on */
    int spots_done;                       /* rmat_trends_spots() ran */
    double spot_radius_mm;
};

/* Groups the sessions (only those of subject, if not NULL) by subject,
 * region and side (groups sorted by those), orders each by date and fits
 * the trends where the group's span supports one. Sessions without a date
 * that parses are left out with a warning in log. out keeps a pointer to
 * s. Errors: RMAT_E_FORMAT for a group that mixes sessions in counts and in
 * kPa (naming one of each and how to calibrate), RMAT_E_NOMEM. */
int rmat_trends_compute(const struct rmat_session_set *s, const char *subject,
                        struct rmat_trend_set *out, const struct rmat_log *log,
                        struct rmat_errinfo *ei);

/* Judges every group's adherence again against cfg (rmat_trends_compute()
 * judges it against the defaults) and keeps cfg in t. Errors: those of
 * rmat_adherence_config_check(), RMAT_E_NOMEM. */
int rmat_trends_adherence(struct rmat_trend_set *t, const struct rmat_adherence_config *cfg,
                          struct rmat_errinfo *ei);

/* The tender spots of every group (spots.h): for each of its sessions, the
 * analysis folder root/<id> gives the holds (holds.csv: t_start_s,
 * duration_s, x_mm, y_mm), the mat's centre (summary.json's device rows,
 * cols, pitch_x_mm, pitch_y_mm) and the pain ratings (events.csv: kind
 * pain, t_s, value); a session where one of those is missing adds no
 * holds and is counted in spot_sessions_unread. Grouped within radius_mm.
 * Then the local compliance at each spot (docs/metrics.md, "Tender spots
 * across sessions"): from each session's frames.csv (t_s, cop_x_mm,
 * cop_y_mm, compliance_mm3_n or, in counts, compliance_mm3_per_count), the
 * median compliance of the frames outside the session's holds whose CoP
 * lies within radius_mm of the spot; a session whose frames.csv (or holds)
 * cannot be read gives none there and is counted in spot_frames_unread.
 * Errors: RMAT_E_ARG (radius not positive), RMAT_E_NOMEM. */
int rmat_trends_spots(struct rmat_trend_set *t, const char *root, double radius_mm,
                      const struct rmat_log *log, struct rmat_errinfo *ei);

/* Frees the groups. */
void rmat_trends_fini(struct rmat_trend_set *t);

/* The output name of metric m in group g: rmat_trend_metric_names[m], or
 * its counts name (units.h) in a group in counts. */
const char *rmat_trend_metric_name(const struct rmat_trend_group *g, int m);

/* The value of metric m for session row r. */
double rmat_trend_value(const struct rmat_session_row *r, int m);

/* Writes out_dir/trend.csv (subject, region, side, metric, unit, n,
 * first_date, last_date, first, last, slope_per_week, ci95_low, ci95_high,
 * r2, change_pct, values: the values in date order, ';'-separated, note)
 * and out_dir/trend.json (per group its units, trend_note, its sessions
 * with dates and weeks, and per metric its values, n, slope_per_week,
 * ci95_low, ci95_high, r2, change_pct; null where there is none; and its
 * "adherence": the targets, per week and per session the figures, met or
 * not). A
 * metric's name is its counts name (units.h) in a group in counts. */
int rmat_trends_write(const struct rmat_trend_set *t, const char *out_dir, struct rmat_errinfo *ei);

/* A trend metric's unit: pressures in the sessions' own units ("counts",
 * "mm³/count" when uncalibrated). */
const char *rmat_trend_metric_unit(const struct rmat_trend_set *t, const struct rmat_trend_group *g,
                                   int m);

/* The file-name key of group g into buf (at least 200 bytes). */
void rmat_trend_group_key(const struct rmat_trend_group *g, char *buf, size_t cap);

#endif
