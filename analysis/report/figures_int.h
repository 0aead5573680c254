/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: internals shared by the plots, reports, trends and batch runs
 * (analysis/plots*.c, report.c, trend.c, batch.c). Not public API: the
 * public headers are include/rollmat/{plots,report,trend,batch}.h.
 *
 * Three kinds of helper:
 *  - reading the CSV files `rollmat analyze` writes, by column name, so a
 *    column added there changes nothing here;
 *  - writing output files with every write error caught (the stream's
 *    error flag and fclose's result), and making folders;
 *  - writing gnuplot scripts: a figure is drawn by an "emitter" that
 *    writes the plot commands for one rectangle of the page (screen
 *    coordinates), so the same code draws a standalone figure (the whole
 *    page, in PNG, SVG and PDF) and a figure on a report page.
 */
#ifndef ROLLMAT_PLOTS_INT_H
#define ROLLMAT_PLOTS_INT_H

#define RMAT_HEADER_LAYER RMAT_LAYER_REPORT
#include "rollmat/layer.h"
#include "rollmat/events.h"

#include <stddef.h>
#include <stdio.h>

#include "rollmat/csv.h"
#include "rollmat/dates.h"
#include "rollmat/diag.h"
#include "rollmat/files.h"
#include "rollmat/json.h"
#include "rollmat/tissue.h"
#include "rollmat/trend.h"

/* --- least squares for the plots ----------------------------------------- */

/* The fitted line of rmat_trend_fit() (slope, ci) through the centroid of
 * the pairs it used, and its 95% confidence band for the mean response at
 * x: yhat(x) = ybar + slope (x - xbar), half width t * se * sqrt(Sxx / n +
 * (x - xbar)^2), se the slope's standard error from the interval. */
struct rmat_line {
    int valid;
    double xbar, ybar, sxx, se, t975;
    double x_lo, x_hi; /* range of the x used */
    size_t n;
};
void rmat_line_from_trend(const double *x, const double *y, size_t n, const struct rmat_trend *t,
                          struct rmat_line *out);
void rmat_line_eval(const struct rmat_line *l, double slope, double x, double *yhat, double *half);

/* --- gnuplot ------------------------------------------------------------- */

/* Okabe-Ito: a palette that stays distinct with the common colour-vision
 * deficiencies (Okabe & Ito 2008). */
#define RMAT_OI_BLACK      "#000000"
#define RMAT_OI_ORANGE     "#E69F00"
#define RMAT_OI_SKYBLUE    "#56B4E9"
#define RMAT_OI_GREEN      "#009E73"
#define RMAT_OI_YELLOW     "#F0E442"
#define RMAT_OI_BLUE       "#0072B2"
#define RMAT_OI_VERMILLION "#D55E00"
#define RMAT_OI_PURPLE     "#CC79A7"

/* s as a gnuplot single-quoted string (quotes doubled; control characters
 * become spaces). */
void rmat_gp_string(FILE *f, const char *s);
/* The viridis palette. */
void rmat_gp_viridis(FILE *f);
/* "reset" and the settings every panel shares (CSV input, UTF-8 text, no
 * enhanced text so units and names print as written). */
void rmat_gp_reset(FILE *f);
/* Places the next panel in the rectangle (x0, y0, w, h) of the screen with
 * fixed margins (in screen fractions of that rectangle, so a panel's frame
 * lines up with its neighbours'). */
void rmat_gp_panel(FILE *f, double x0, double y0, double w, double h, double ml, double mr,
                   double mb, double mt);

/* A standalone figure: the script's header, then a loop drawing the body
 * once per format: name.png (pngcairo), name.svg, name.pdf (pdfcairo), all
 * w_in x h_in inches (the PNG at 100 pixels an inch). The body is written
 * between rmat_gp_figure_begin() and rmat_gp_figure_end(), inside
 * multiplot. */
void rmat_gp_figure_begin(FILE *f, const char *name, const char *what, double w_in, double h_in);
void rmat_gp_figure_end(FILE *f);

/* --- one analysed session, as the plots and the report see it ----------- */

#define RMAT_TISSUE_Q 4 /* mean_kpa, width_mm, compliance_mm3_n, speed_mm_s */

/* Passes further than RMAT_OUTLIER_MADS scaled MADs (1.4826 times the
 * median absolute deviation of the residuals, taken as at least
 * RMAT_OUTLIER_MIN_SCALE of the median's size) from the quantity's
 * Theil-Sen line are left out of that quantity's least-squares line: one
 * pass rolled at six times the speed of the others must not make a flat
 * speed read "+100%", and a quantity that drifts over the session is
 * judged against its drift, not its median. docs/reports.md says so, and
 * the report's footnote. */
#define RMAT_OUTLIER_MADS      3.0
#define RMAT_OUTLIER_MIN_SCALE 0.01

/* Which of the n points (x, y) (NaN: none) lie within the bound above:
 * keep[i] 1 or 0 (0 for NaN too). Fewer than 4 points: all kept. Returns
 * how many are left out (NaN not counted). */
size_t rmat_outliers_mark(const double *x, const double *y, size_t n, unsigned char *keep);

struct rmat_tissue_line {
    const char *key;   /* the summary's key under "tissue" (units.h name) */
    const char *label; /* plain language */
    const char *unit;
    struct rmat_trend fit;    /* of every plotted point (passes.csv) */
    struct rmat_trend robust; /* of the points within the outlier bound */
    struct rmat_line line;    /* the robust fit's line and band (what is drawn) */
    size_t left_out;          /* passes beyond the bound */
    double summary_slope;     /* tissue.<key>.slope_per_min of summary.json */
    double summary_lo, summary_hi, summary_change_pct;
    double span_change_pct; /* 100 * slope * (x_hi - x_lo) / yhat(x_lo) of the robust line: its
                               change over the passes it was fitted to */
    double span_change_lo, span_change_hi; /* the same with the interval's ends */
};

#define RMAT_MAX_EVENTS_LISTED 99

struct rmat_listed_event {
    double t_s;
    char kind[17];
    double value;
    char text[129];
};

/* A named rectangle of regions.csv and the analysis's numbers for it. */
struct rmat_view_region {
    char name[64];
    double x0, y0, x1, y1;         /* mm */
    double time_s, pct, mean, pti; /* mean and pti in the analysis's units */
    int holds;
};

struct rmat_session_view {
    struct rmat_json *summary;
    char ana_dir[RMAT_PATH_BUF];
    char plot_dir[RMAT_PATH_BUF];
    char subject[64], region[64], side[16], date[48], roller[64], mounting[16];
    char title_tail[256]; /* "P012, quadriceps (left), 2026-03-02 10:30 CET" */
    char units[16];       /* "kPa" or "counts" */
    int calibrated;
    /* The size of the page the emitters draw on (inches; set by the caller
     * before emitting, 0: A4 portrait): text is sized in points, so
     * fitting labels into a panel needs the panel's size in points. */
    double page_w_in, page_h_in;
    struct rmat_view_region *regions; /* of regions.csv (malloc'd), n_regions of them */
    size_t n_regions;
    double *hold_t0_s, *hold_dur_s; /* the holds' starts and lengths (malloc'd, holds of them) */
    int rows, cols;
    double pitch_x_mm, pitch_y_mm;
    double duration_s;
    double hold_radius_mm;
    size_t passes, holds, events, cop_points;
    size_t passes_dir[2];                   /* passes one way (+1), back (-1) */
    size_t n_marks, n_pain, n_gaps;         /* rows of events_{marks,pain,gaps}.csv */
    double ymax_force, ymax_kpa, ymax_area; /* of the time series' data */
    int spectrum;                           /* spectrum.csv written */
    double cadence_cpm;                     /* of summary.json (NaN: none) */
    double spec_xmax_cpm;                   /* the spectrum's plotted range */
    struct rmat_tissue_line tissue[RMAT_TISSUE_Q];
    double tissue_x_lo, tissue_x_hi; /* minutes */
    double hold_area_change_pct;
    struct rmat_listed_event ev[RMAT_MAX_EVENTS_LISTED];
    size_t n_ev_listed;
};

/* The summary's number for quantity key (its calibrated name, units.h) in
 * the analysis's own units: the counts name's value when uncalibrated
 * (falling back to key itself for analyses written before units.h), NaN
 * for a quantity an uncalibrated analysis cannot report (force as a share
 * of body weight, stiffness). */
double rmat_summary_num(const struct rmat_json *summary, int calibrated, const char *key);
/* The column of quantity name (its calibrated name) in c: its counts name
 * when uncalibrated, else (older analyses) name itself; -1 if neither. */
int rmat_csv_col_units(const struct rmat_csv *c, const char *name, int calibrated);

/* Reads ana_dir (summary.json, frames.csv, passes.csv, holds.csv, the map
 * CSVs, regions.csv and events.csv if there) and writes the plots' data
 * files into plot_dir (created). v is filled; free with
 * rmat_session_view_fini(). Listed events (v->ev) are in time order and
 * numbered from 1 in that order on every figure and page. */
int rmat_session_view_load(struct rmat_session_view *v, const char *ana_dir, const char *plot_dir,
                           const struct rmat_log *log, struct rmat_errinfo *ei);
void rmat_session_view_fini(struct rmat_session_view *v);

enum rmat_map_kind { RMAT_MAP_PEAK, RMAT_MAP_PTI, RMAT_MAP_DWELL };

/* The emitters: plot commands for one figure inside the rectangle (x0, y0,
 * w, h) of the screen, titled title ("" for none). They assume multiplot
 * and a terminal are set. */
void rmat_fig_map(FILE *f, const struct rmat_session_view *v, enum rmat_map_kind k,
                  const char *title, double x0, double y0, double w, double h);
void rmat_fig_timeseries(FILE *f, const struct rmat_session_view *v, const char *title, double x0,
                         double y0, double w, double h);
void rmat_fig_cadence(FILE *f, const struct rmat_session_view *v, const char *title, double x0,
                      double y0, double w, double h);
void rmat_fig_tissue(FILE *f, const struct rmat_session_view *v, const char *title, double x0,
                     double y0, double w, double h);

/* --- the session summary's rows (the reports and the comparison) --------- */

struct rmat_summary_row {
    const char *key;   /* in summary.json, its calibrated name (units.h) */
    const char *label; /* what a physio reads */
    const char *unit;  /* "" none; "U" units.h's for key; "T" a duration */
    int sig;
    int physical; /* 1: only with a calibration (a force in counts is no force) */
};
extern const struct rmat_summary_row rmat_summary_rows[];
extern const size_t rmat_summary_nrows;
/* The row's unit for an analysis calibrated or not ("s" for a duration). */
const char *rmat_summary_row_unit(const struct rmat_summary_row *r, int calibrated);
/* 0 for a row an analysis without calibration cannot give. */
int rmat_summary_row_shown(const struct rmat_summary_row *r, int calibrated);
/* The value as shown: "2 min 13 s", "4.43 m", "36.2 kPa", "-". */
void rmat_summary_row_display(const struct rmat_summary_row *r, double val, int calibrated,
                              char *buf, size_t cap);

/* --- text pages of the PDF reports (pages.c) ------------------------------ */

#define RMAT_PAGE_W_IN 8.27 /* A4 */
#define RMAT_PAGE_H_IN 11.69
/* Text is 9-point DejaVu Sans (gnuplot's "sans" on Debian): a line of 12
 * points, and about 5.4 points a character in running text (0.6 em), so a
 * line 0.84 of A4 wide (500 points) holds some 90. */
#define RMAT_LINE_H    0.0145
#define RMAT_MAX_PAGES 64

struct rmat_page {
    FILE *f;
    char path[RMAT_PATH_BUF];
    double y; /* the next line's baseline, screen fraction from the bottom */
    int rows; /* table rows drawn, for alternate shading */
};

/* Opens dir/page_<number>.gp (pdfcairo, A4, fonts titlefont and smallfont
 * set) with the running header and the page number; p->y at the top. */
int rmat_page_open(struct rmat_page *p, const char *dir, int number, const char *header,
                   struct rmat_errinfo *ei);
/* Draws the labels set so far (a plot of nothing) and clears them, so
 * figures can follow on the page. */
void rmat_page_flush_text(struct rmat_page *p);
/* Flushes the text, ends the page and closes its script. */
int rmat_page_close(struct rmat_page *p, struct rmat_errinfo *ei);
/* One line of text at (x, y) of the screen. */
void rmat_page_text(struct rmat_page *p, double x, double y, const char *font, const char *align,
                    const char *color, const char *s);
/* A heading with a rule under it, at p->y. */
void rmat_page_heading(struct rmat_page *p, const char *s);
/* A paragraph wrapped at word boundaries, indented by indent (screen
 * fraction), from p->y down. */
void rmat_page_para(struct rmat_page *p, double indent, const char *s);
void rmat_page_paraf(struct rmat_page *p, double indent, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A table row: cells at the given x positions (screen fractions), shaded
 * every other row; bold: a header row. */
void rmat_page_row(struct rmat_page *p, const double *x, const char *const *cells, int n, int bold);
/* Runs gnuplot on dir/page_1.gp .. page_<pages>.gp and joins the pages
 * into pdf_path with pdfunite. */
int rmat_pages_pdf(const char *dir, int pages, const char *pdf_path, struct rmat_errinfo *ei);

/* --- trends (trend.c) ------------------------------------------------------ */

/* Writes plot_dir/trend_<key>.csv (the sessions' values against weeks) and
 * trend_<key>_fit.csv (each metric's line and 95% band) of group gi; key
 * (rmat_trend_group_key()) into key. */
int rmat_trend_group_data(const struct rmat_trend_set *t, size_t gi, const char *plot_dir,
                          char *key, size_t key_cap, struct rmat_errinfo *ei);
/* Why group gi has no trend lines (its note: trend.h, "too early for a
 * trend: ..."), "" when it has them. A group with a note gets no line. */
void rmat_trend_note(const struct rmat_trend_set *t, size_t gi, char *buf, size_t cap);
/* "+42 mm³/N a week (95% CI 35 to 49)", or why there is no line (note:
 * the group's, "" for none). */
void rmat_trend_phrase(const struct rmat_trend_set *t, const struct rmat_trend_group *g, int m,
                       const char *note, char *buf, size_t cap);
/* "+41 (35 to 46)": the slope per week and its interval, or "-". */
void rmat_trend_slope_text(const struct rmat_trend_set *t, const struct rmat_trend_group *g, int m,
                           const char *note, char *buf, size_t cap);
const char *rmat_trend_metric_label(int m);
/* The trend figure of group gi (data files of rmat_trend_group_data()
 * under key): seven panels and a legend; with a note (rmat_trend_note()),
 * the points without lines and the note under the title. Dates in local
 * time; the time axis in weeks, or in days or hours for a short span. */
/* Writes plot_dir/spots_<key>.csv: group gi's tender spots (number,
 * position from the mat's centre, latest pain, whether rated, the pain's
 * "first→last" label), for rmat_fig_spots(). */
int rmat_spots_map_data(const struct rmat_trend_set *t, size_t gi, const char *plot_dir,
                        const char *key, struct rmat_errinfo *ei);
/* The map of group gi's tender spots in the area (x0, y0, w, h) of a page
 * page_w_in x page_h_in inches (screen fractions): a circle of the
 * grouping radius per spot, filled by its latest pain on a 0-10 scale with
 * its key (hollow grey: no rating), numbered as in the table, its pain
 * "first→last" beside it; the mat's outline where known; millimetres equal
 * across and down. */
void rmat_fig_spots(FILE *f, const struct rmat_trend_set *t, size_t gi, const char *key,
                    double page_w_in, double page_h_in, double x0, double y0, double w, double h);
void rmat_fig_trend(FILE *f, const struct rmat_trend_set *t, size_t gi, const char *key,
                    const char *title, const char *note, double x0, double y0, double w, double h);

/* A number with sig significant digits into buf (RMAT_FMT_BUF), "-" for
 * NaN. */
const char *rmat_show(char *buf, double v, int sig);

/* t (seconds since 1970) as local time with its zone, the way every date
 * is shown to people: "2026-04-07 10:00 EDT" (localtime_r and strftime
 * "%Y-%m-%d %H:%M %Z"; the zone is TZ's, else the system's). "" for NaN. */
void rmat_local_time(double t, char *buf, size_t cap);

/* "2 min 13 s", "45 s", "1 h 02 min"; "-" for NaN. */
const char *rmat_duration_words(char *buf, size_t cap, double s);

/* A gnuplot double-quoted string (\n a line break). */
void rmat_gp_dq(FILE *f, const char *s);

#endif
