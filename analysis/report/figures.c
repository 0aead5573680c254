/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Every figure of one analysed session (plots.h).
 *
 * rmat_session_view_load() reads the analysis folder once and writes the
 * data files of all figures; the emitters (rmat_fig_*) then write plot
 * commands that only draw those files, for a standalone figure here or a
 * report page (report.c). Numbers shown in titles and labels come from
 * summary.json, so a figure never disagrees with the summary.
 */
#include "rollmat/figures.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "figures_int.h"
#include "rollmat/numfmt.h"
#include "rollmat/gnuplot.h"
#include "rollmat/pathdec.h"
#include "rollmat/reader.h"
#include "rollmat/tissue.h"
#include "rollmat/units.h"

const char *const rmat_plot_figure_names[RMAT_PLOT_FIGURES] = {
    "map_peak_kpa", "map_pti_kpa_s", "map_dwell_s", "timeseries", "cadence", "tissue",
};

/* The time series is binned to at most this many rows (each bin keeps its
 * mean and its maximum, so a spike stays visible) and the CoP path thinned
 * to what the figure resolves (pathdec.h): an hour at 100 Hz would
 * otherwise put 360,000 points into every SVG and PDF. */
#define TS_MAX_BINS 2000
#define FIT_POINTS  60

/* --- small helpers ------------------------------------------------------- */

static void copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

/* A round number at or above v for an axis's top (1, 2 or 5 times a power
 * of ten, with 10% headroom). */
static double nice_top(double v)
{
    if (!(v > 0) || !isfinite(v))
        return 1;
    v *= 1.1;
    const double p = pow(10.0, floor(log10(v)));
    const double m = v / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

static void put_num(FILE *f, double v)
{
    char buf[RMAT_FMT_BUF];
    if (!isfinite(v)) {
        fputs("NaN", f);
        return;
    }
    rmat_fmt_sig(buf, v, 10);
    fputs(buf, f);
}

/* Copies the file src to dst byte for byte. */
static int copy_file(const char *src, const char *dir, const char *name, struct rmat_errinfo *ei)
{
    char path[RMAT_PATH_BUF], buf[8192];
    FILE *in = fopen(src, "rb"), *out;
    size_t n;
    int rc;

    if (!in) {
        const int e = errno;
        return rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "cannot read %s: %s", src,
                                strerror(e));
    }
    rc = rmat_out_open(dir, name, &out, path, ei);
    if (rc != RMAT_OK) {
        fclose(in);
        return rc;
    }
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        fwrite(buf, 1, n, out);
    fclose(in);
    return rmat_out_close(out, path, ei);
}

/* --- loading the analysis ------------------------------------------------ */

static void make_titles(struct rmat_session_view *v)
{
    const struct rmat_json *s = v->summary;
    const char *started = rmat_json_str(s, "session.started_utc");
    double t = rmat_iso_to_unix(started);
    char side[40] = "";

    if (!isfinite(t))
        t = rmat_iso_to_unix(rmat_json_str(s, "recording_created_utc"));
    rmat_local_time(t, v->date, sizeof v->date);
    copy_str(v->subject, sizeof v->subject, rmat_json_str(s, "session.subject"));
    copy_str(v->region, sizeof v->region, rmat_json_str(s, "session.region"));
    copy_str(v->side, sizeof v->side, rmat_json_str(s, "session.side"));
    copy_str(v->roller, sizeof v->roller, rmat_json_str(s, "session.roller"));
    copy_str(v->mounting, sizeof v->mounting, rmat_json_str(s, "session.mounting"));
    if (v->side[0] && strcmp(v->side, "none") != 0)
        snprintf(side, sizeof side, " (%s)", v->side);
    snprintf(v->title_tail, sizeof v->title_tail, "%s, %s%s, %s",
             v->subject[0] ? v->subject : "subject not given",
             v->region[0] ? v->region : "region not given", side,
             v->date[0] ? v->date : "date unknown");
}

static int write_maps(struct rmat_session_view *v, struct rmat_errinfo *ei)
{
    static const char *const src[] = {"peak_map.csv", "pti_map.csv", "dwell_map.csv"};
    static const char *const dst[] = {"map_peak_kpa.csv", "map_pti_kpa_s.csv", "map_dwell_s.csv"};
    char path[RMAT_PATH_BUF];
    for (int k = 0; k < 3; k++) {
        int rc = rmat_path_join(path, sizeof path, v->ana_dir, src[k], ei);
        if (rc == RMAT_OK)
            rc = copy_file(path, v->plot_dir, dst[k], ei);
        if (rc != RMAT_OK)
            return rc;
    }
    return RMAT_OK;
}

/* One bin of the time series: means, and the least and the most of force
 * and area, drawn as a band behind the mean so a spike or a dip shorter
 * than a bin stays visible (an envelope per pixel column, as it were). */
struct bin {
    size_t n, n_contact;
    double t, force, force_max, force_min, kpa, peak, area, area_min, area_max;
};

static void bin_reset(struct bin *b)
{
    memset(b, 0, sizeof *b);
    b->force_max = b->area_max = -INFINITY;
    b->force_min = b->area_min = INFINITY;
    b->peak = -INFINITY;
}

static void bin_write(FILE *f, const struct bin *b)
{
    if (b->n == 0)
        return;
    put_num(f, b->t / (double)b->n);
    fputc(',', f);
    put_num(f, b->force / (double)b->n);
    fputc(',', f);
    put_num(f, isfinite(b->force_max) ? b->force_max : NAN);
    fputc(',', f);
    put_num(f, b->n_contact ? b->kpa / (double)b->n_contact : NAN);
    fputc(',', f);
    put_num(f, isfinite(b->peak) ? b->peak : NAN);
    fputc(',', f);
    put_num(f, b->area / (double)b->n);
    fputc(',', f);
    put_num(f, isfinite(b->force_min) ? b->force_min : NAN);
    fputc(',', f);
    put_num(f, isfinite(b->area_min) ? b->area_min : NAN);
    fputc(',', f);
    put_num(f, isfinite(b->area_max) ? b->area_max : NAN);
    fputc('\n', f);
}

/* One pass over frames.csv: the binned time series and the thinned CoP
 * path. */
static int read_frames(struct rmat_session_view *v, struct rmat_errinfo *ei)
{
    char path[RMAT_PATH_BUF], ts_path[RMAT_PATH_BUF], cop_path[RMAT_PATH_BUF];
    struct rmat_csv c;
    FILE *ts = NULL, *cop = NULL;
    struct bin b;
    const double frames = rmat_json_num(v->summary, "frames");
    const size_t n_frames = isfinite(frames) && frames > 0 ? (size_t)frames : 1;
    const size_t n_bins = n_frames < TS_MAX_BINS ? n_frames : TS_MAX_BINS;
    const double ex = v->cols * v->pitch_x_mm, ey = v->rows * v->pitch_y_mm;
    struct rmat_path_thin *thin = NULL;
    size_t k = 0, cur_bin = 0;
    int rc;
    int ct, cf, ca, cm, cp, cx, cy;

    memset(&c, 0, sizeof c);
    rc = rmat_path_join(path, sizeof path, v->ana_dir, "frames.csv", ei);
    if (rc == RMAT_OK)
        rc = rmat_csv_open(&c, path, ei);
    if (rc == RMAT_OK)
        rc = rmat_out_open(v->plot_dir, "timeseries.csv", &ts, ts_path, ei);
    if (rc == RMAT_OK)
        rc = rmat_out_open(v->plot_dir, "cop_path.csv", &cop, cop_path, ei);
    if (rc == RMAT_OK)
        rc = rmat_path_thin_new((ex > ey ? ex : ey) / RMAT_PATH_THIN_CELLS, ex, ey, &thin, ei);
    if (rc != RMAT_OK)
        goto out;
    ct = rmat_csv_col(&c, "t_s");
    cf = rmat_csv_col_units(&c, "force_n", v->calibrated);
    ca = rmat_csv_col(&c, "area_cm2");
    cm = rmat_csv_col_units(&c, "mean_kpa", v->calibrated);
    cp = rmat_csv_col_units(&c, "peak_kpa", v->calibrated);
    cx = rmat_csv_col(&c, "cop_x_mm");
    cy = rmat_csv_col(&c, "cop_y_mm");
    if (ct < 0 || cf < 0 || ca < 0 || cm < 0 || cp < 0 || cx < 0 || cy < 0) {
        rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                              "%s: a column is missing (t_s, %s, area_cm2, %s, %s, cop_x_mm, "
                              "cop_y_mm needed)",
                              path, rmat_units_name("force_n", v->calibrated),
                              rmat_units_name("mean_kpa", v->calibrated),
                              rmat_units_name("peak_kpa", v->calibrated));
        goto out;
    }
    /* The columns under the analysis's own names: counts are never
     * written under a physical name (units.h). */
    fprintf(ts, "# t_s,%s,%s_max%s,%s,%s,area_cm2,%s_min%s,area_min_cm2,area_max_cm2\n",
            rmat_units_name("force_n", v->calibrated),
            v->calibrated ? "force" : rmat_units_name("force_n", 0), v->calibrated ? "_n" : "",
            rmat_units_name("mean_kpa", v->calibrated), rmat_units_name("peak_kpa", v->calibrated),
            v->calibrated ? "force" : rmat_units_name("force_n", 0), v->calibrated ? "_n" : "");
    /* The thinned path (pathdec.h): a blank line ends each of its lines. */
    fputs("# x_mm,y_mm\n", cop);
    bin_reset(&b);
    v->ymax_force = v->ymax_kpa = v->ymax_area = 0;
    while ((rc = rmat_csv_next(&c, ei)) == 1) {
        const double t = rmat_csv_num(&c, ct), force = rmat_csv_num(&c, cf);
        const double area = rmat_csv_num(&c, ca), kpa = rmat_csv_num(&c, cm);
        const double peak = rmat_csv_num(&c, cp), x = rmat_csv_num(&c, cx);
        const double y = rmat_csv_num(&c, cy);
        size_t want = k * n_bins / n_frames;
        if (want >= n_bins)
            want = n_bins - 1;
        if (want != cur_bin) {
            bin_write(ts, &b);
            bin_reset(&b);
            cur_bin = want;
        }
        b.n++;
        b.t += t;
        b.force += isfinite(force) ? force : 0;
        b.area += isfinite(area) ? area : 0;
        if (force > b.force_max)
            b.force_max = force;
        if (force < b.force_min)
            b.force_min = force;
        if (area > b.area_max)
            b.area_max = area;
        if (area < b.area_min)
            b.area_min = area;
        if (peak > b.peak)
            b.peak = peak;
        if (isfinite(kpa)) {
            b.kpa += kpa;
            b.n_contact++;
        }
        if (force > v->ymax_force)
            v->ymax_force = force;
        if (peak > v->ymax_kpa)
            v->ymax_kpa = peak;
        if (area > v->ymax_area)
            v->ymax_area = area;

        rmat_path_thin_push(thin, x, y, cop);
        k++;
    }
    if (rc < 0)
        goto out;
    bin_write(ts, &b);
    v->cop_points = rmat_path_thin_end(thin, cop);
    rc = RMAT_OK;
out:
    rmat_path_thin_free(thin);
    rmat_csv_close(&c);
    if (ts) {
        const int r = rmat_out_close(ts, ts_path, ei);
        if (rc == RMAT_OK)
            rc = r;
    }
    if (cop) {
        const int r = rmat_out_close(cop, cop_path, ei);
        if (rc == RMAT_OK)
            rc = r;
    }
    return rc;
}

/* The cadence's power spectrum, as the analysis computed it and wrote it
 * (spectrum.csv of the analysis folder; docs/metrics.md, "Cadence"), up to
 * four times the cadence (its harmonics; at least 1 Hz, at most the band's
 * top), and the analysis's chosen peak with the spectrum's height there.
 * An analysis without spectrum.csv (before rollmat 0.2) or without a
 * spectrum gets a figure that says so. */
static int write_spectrum(struct rmat_session_view *v, struct rmat_errinfo *ei)
{
    const double hi_hz = rmat_json_num(v->summary, "parameters.cadence_band_hi_hz");
    const double peak_hz = rmat_json_num(v->summary, "cadence.peak_hz");
    char in_path[RMAT_PATH_BUF], path[RMAT_PATH_BUF];
    struct rmat_csv c;
    double f_max, prev_f = NAN, prev_p = NAN, peak_h = NAN;
    FILE *f = NULL;
    int rc, cf, cp, rows = 0;

    v->spectrum = 0;
    v->cadence_cpm = rmat_json_num(v->summary, "cadence_cpm");
    f_max = isfinite(peak_hz) ? 4 * peak_hz : 1.0;
    if (f_max < 1.0)
        f_max = 1.0;
    if (isfinite(hi_hz) && f_max > hi_hz)
        f_max = hi_hz;
    v->spec_xmax_cpm = f_max * 60;

    memset(&c, 0, sizeof c);
    rc = rmat_path_join(in_path, sizeof in_path, v->ana_dir, "spectrum.csv", ei);
    if (rc != RMAT_OK || !rmat_exists(in_path))
        return rc;
    rc = rmat_csv_open(&c, in_path, ei);
    if (rc == RMAT_OK)
        rc = rmat_out_open(v->plot_dir, "spectrum.csv", &f, path, ei);
    if (rc != RMAT_OK)
        goto out;
    cf = rmat_csv_col(&c, "f_hz");
    cp = rmat_csv_col(&c, "power_rel");
    if (cf < 0 || cp < 0) {
        rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0, "%s: columns f_hz and power_rel needed",
                              in_path);
        goto out;
    }
    fputs("# f_hz,cpm,power_rel\n", f);
    while ((rc = rmat_csv_next(&c, ei)) == 1) {
        const double fk = rmat_csv_num(&c, cf), pk = rmat_csv_num(&c, cp);
        if (!isfinite(fk) || !isfinite(pk))
            continue;
        /* The peak's height, interpolated between the bins around it. */
        if (isfinite(peak_hz) && fk >= peak_hz && isfinite(prev_f) && prev_f <= peak_hz &&
            !isfinite(peak_h))
            peak_h = fk > prev_f ? prev_p + (peak_hz - prev_f) / (fk - prev_f) * (pk - prev_p) : pk;
        prev_f = fk;
        prev_p = pk;
        if (fk > f_max)
            continue;
        put_num(f, fk);
        fputc(',', f);
        put_num(f, fk * 60);
        fputc(',', f);
        put_num(f, pk);
        fputc('\n', f);
        rows++;
    }
    if (rc < 0)
        goto out;
    rc = rmat_out_close(f, path, ei);
    f = NULL;
    if (rc != RMAT_OK)
        goto out;
    v->spectrum = rows > 1;

    rc = rmat_out_open(v->plot_dir, "cadence_peak.csv", &f, path, ei);
    if (rc != RMAT_OK)
        goto out;
    fputs("# cadence_cpm,peak_hz,power_rel,label\n", f);
    if (v->spectrum && isfinite(v->cadence_cpm) && isfinite(peak_hz)) {
        char num[RMAT_FMT_BUF], label[96];
        snprintf(label, sizeof label, "cadence %s cycles/min", rmat_show(num, v->cadence_cpm, 3));
        put_num(f, v->cadence_cpm);
        fputc(',', f);
        put_num(f, peak_hz);
        fputc(',', f);
        put_num(f, isfinite(peak_h) ? peak_h : 1.0);
        fputc(',', f);
        rmat_csv_put(f, label);
        fputc('\n', f);
    }
    rc = rmat_out_close(f, path, ei);
    f = NULL;
out:
    if (f)
        fclose(f);
    rmat_csv_close(&c);
    return rc;
}

/* passes.csv: the shaded spans (two blocks: direction +1, then -1) and
 * the tissue response's points, lines and bands. */
static int read_passes(struct rmat_session_view *v, struct rmat_errinfo *ei)
{
    static const char *const pass_cols[RMAT_TISSUE_Q] = {"mean_kpa", "mean_width_mm",
                                                         "compliance_mm3_n", "speed_mm_s"};
    static const char *const keys[RMAT_TISSUE_Q] = {"mean_kpa", "width_mm", "compliance_mm3_n",
                                                    "speed_mm_s"};
    static const char *const labels[RMAT_TISSUE_Q] = {
        "Mean pressure under the roller", "Contact width", "Tissue compliance (softness)",
        "Rolling speed"};
    char path[RMAT_PATH_BUF], out_path[RMAT_PATH_BUF];
    struct rmat_csv c;
    double *x = NULL, *y[RMAT_TISSUE_Q] = {NULL}, *t0 = NULL, *t1 = NULL;
    double *xk = NULL, *yk = NULL;
    unsigned char *keep[RMAT_TISSUE_Q] = {NULL};
    const char *names[RMAT_TISSUE_Q];
    int *dir = NULL;
    size_t n = 0, cap = 0;
    FILE *f = NULL;
    int rc, col[RMAT_TISSUE_Q], ci, ct0, ct1, cd;

    memset(&c, 0, sizeof c);
    rc = rmat_path_join(path, sizeof path, v->ana_dir, "passes.csv", ei);
    if (rc == RMAT_OK)
        rc = rmat_csv_open(&c, path, ei);
    if (rc != RMAT_OK)
        goto out;
    ci = rmat_csv_col(&c, "index");
    ct0 = rmat_csv_col(&c, "t_start_s");
    ct1 = rmat_csv_col(&c, "t_end_s");
    cd = rmat_csv_col(&c, "direction");
    for (int q = 0; q < RMAT_TISSUE_Q; q++)
        col[q] = rmat_csv_col_units(&c, pass_cols[q], v->calibrated);
    if (ct0 < 0 || ct1 < 0 || cd < 0) {
        rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                              "%s: t_start_s, t_end_s or direction is missing", path);
        goto out;
    }
    (void)ci;
    while ((rc = rmat_csv_next(&c, ei)) == 1) {
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            void *p;
#define GROW(a)                                                                                    \
    do {                                                                                           \
        p = realloc(a, cap * sizeof *(a));                                                         \
        if (!p)                                                                                    \
            goto nomem;                                                                            \
        a = p;                                                                                     \
    } while (0)
            GROW(x);
            GROW(t0);
            GROW(t1);
            GROW(dir);
            for (int q = 0; q < RMAT_TISSUE_Q; q++)
                GROW(y[q]);
#undef GROW
        }
        t0[n] = rmat_csv_num(&c, ct0);
        t1[n] = rmat_csv_num(&c, ct1);
        dir[n] = rmat_csv_num(&c, cd) < 0 ? -1 : 1;
        x[n] = t0[n] / 60.0;
        for (int q = 0; q < RMAT_TISSUE_Q; q++)
            y[q][n] = rmat_csv_num(&c, col[q]);
        n++;
    }
    if (rc < 0)
        goto out;
    v->passes = n;

    rc = rmat_out_open(v->plot_dir, "passes_spans.csv", &f, out_path, ei);
    if (rc != RMAT_OK)
        goto out;
    /* Two blocks (gnuplot's index 0 and 1): direction +1, then -1. */
    fputs("# index,t_start_s,t_end_s,direction\n", f);
    for (int block = 0; block < 2; block++) {
        const int want = block == 0 ? 1 : -1;
        size_t written = 0;
        for (size_t i = 0; i < n; i++) {
            if (dir[i] != want)
                continue;
            fprintf(f, "%zu,", i + 1);
            put_num(f, t0[i]);
            fputc(',', f);
            put_num(f, t1[i]);
            fprintf(f, ",%d\n", dir[i]);
            written++;
        }
        /* gnuplot needs at least one row in a block to index it. */
        if (!written)
            fputs("0,NaN,NaN,0\n", f);
        v->passes_dir[block] = written;
        if (block == 0)
            fputs("\n\n", f);
    }
    rc = rmat_out_close(f, out_path, ei);
    f = NULL;
    if (rc != RMAT_OK)
        goto out;

    /* Which passes each quantity's line leaves out (figures_int.h,
     * RMAT_OUTLIER_MADS). */
    for (int q = 0; q < RMAT_TISSUE_Q; q++) {
        names[q] = rmat_units_name(keys[q], v->calibrated);
        keep[q] = malloc(n ? n : 1);
        if (!keep[q])
            goto nomem;
        v->tissue[q].left_out = rmat_outliers_mark(x, y[q], n, keep[q]);
    }

    /* The tissue response's points: every pass's values, then the values
     * of the passes left out of each line (NaN for those kept). */
    rc = rmat_out_open(v->plot_dir, "tissue_points.csv", &f, out_path, ei);
    if (rc != RMAT_OK)
        goto out;
    fputs("# pass,t_min", f);
    for (int q = 0; q < RMAT_TISSUE_Q; q++)
        fprintf(f, ",%s", names[q]);
    for (int q = 0; q < RMAT_TISSUE_Q; q++)
        fprintf(f, ",%s_left_out", names[q]);
    fputc('\n', f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%zu,", i + 1);
        put_num(f, x[i]);
        for (int q = 0; q < RMAT_TISSUE_Q; q++) {
            fputc(',', f);
            put_num(f, y[q][i]);
        }
        for (int q = 0; q < RMAT_TISSUE_Q; q++) {
            fputc(',', f);
            put_num(f, keep[q][i] ? NAN : y[q][i]);
        }
        fputc('\n', f);
    }
    rc = rmat_out_close(f, out_path, ei);
    f = NULL;
    if (rc != RMAT_OK)
        goto out;

    /* Lines and bands: least squares against pass start time in minutes,
     * as the summary's tissue response (tissue.h), at least
     * RMAT_TISSUE_MIN_PASSES passes; drawn and put into words over the
     * passes within the outlier bound. */
    xk = malloc((n ? n : 1) * sizeof *xk);
    yk = malloc((n ? n : 1) * sizeof *yk);
    if (!xk || !yk)
        goto nomem;
    v->tissue_x_lo = INFINITY;
    v->tissue_x_hi = -INFINITY;
    for (int q = 0; q < RMAT_TISSUE_Q; q++) {
        struct rmat_tissue_line *tl = &v->tissue[q];
        char key[160];
        double y0, h0;
        size_t nk = 0;
        tl->key = names[q];
        tl->label = labels[q];
        tl->unit = q == 0   ? v->units
                   : q == 1 ? "mm"
                   : q == 2 ? rmat_units_label("compliance_mm3_n", v->calibrated)
                            : "mm/s";
        rmat_trend_fit(x, y[q], n, RMAT_TISSUE_MIN_PASSES, &tl->fit);
        for (size_t i = 0; i < n; i++)
            if (keep[q][i]) {
                xk[nk] = x[i];
                yk[nk++] = y[q][i];
            }
        rmat_trend_fit(xk, yk, nk, RMAT_TISSUE_MIN_PASSES, &tl->robust);
        rmat_line_from_trend(xk, yk, nk, &tl->robust, &tl->line);
        snprintf(key, sizeof key, "tissue.%s.slope_per_min", keys[q]);
        tl->summary_slope = rmat_summary_num(v->summary, v->calibrated, key);
        snprintf(key, sizeof key, "tissue.%s.ci95_low", keys[q]);
        tl->summary_lo = rmat_summary_num(v->summary, v->calibrated, key);
        snprintf(key, sizeof key, "tissue.%s.ci95_high", keys[q]);
        tl->summary_hi = rmat_summary_num(v->summary, v->calibrated, key);
        snprintf(key, sizeof key, "tissue.%s.change_pct", keys[q]);
        tl->summary_change_pct = rmat_summary_num(v->summary, v->calibrated, key);
        tl->span_change_pct = tl->span_change_lo = tl->span_change_hi = NAN;
        if (tl->line.valid) {
            const double span = tl->line.x_hi - tl->line.x_lo;
            rmat_line_eval(&tl->line, tl->robust.slope, tl->line.x_lo, &y0, &h0);
            if (y0 != 0) {
                tl->span_change_pct = 100.0 * tl->robust.slope * span / y0;
                tl->span_change_lo = 100.0 * tl->robust.ci95_low * span / y0;
                tl->span_change_hi = 100.0 * tl->robust.ci95_high * span / y0;
                if (y0 < 0) {
                    const double tmp = tl->span_change_lo;
                    tl->span_change_lo = tl->span_change_hi;
                    tl->span_change_hi = tmp;
                }
            }
            if (tl->line.x_lo < v->tissue_x_lo)
                v->tissue_x_lo = tl->line.x_lo;
            if (tl->line.x_hi > v->tissue_x_hi)
                v->tissue_x_hi = tl->line.x_hi;
        }
    }
    rc = rmat_out_open(v->plot_dir, "tissue_fit.csv", &f, out_path, ei);
    if (rc != RMAT_OK)
        goto out;
    fputs("# t_min", f);
    for (int q = 0; q < RMAT_TISSUE_Q; q++)
        fprintf(f, ",%s_fit,%s_lo,%s_hi", names[q], names[q], names[q]);
    fputc('\n', f);
    if (v->tissue_x_hi > v->tissue_x_lo) {
        for (int i = 0; i < FIT_POINTS; i++) {
            const double xi =
                v->tissue_x_lo + (v->tissue_x_hi - v->tissue_x_lo) * i / (FIT_POINTS - 1);
            put_num(f, xi);
            for (int q = 0; q < RMAT_TISSUE_Q; q++) {
                const struct rmat_tissue_line *tl = &v->tissue[q];
                double yh = NAN, h = NAN;
                if (tl->line.valid && xi >= tl->line.x_lo - 1e-9 && xi <= tl->line.x_hi + 1e-9)
                    rmat_line_eval(&tl->line, tl->robust.slope, xi, &yh, &h);
                fputc(',', f);
                put_num(f, yh);
                fputc(',', f);
                put_num(f, yh - h);
                fputc(',', f);
                put_num(f, yh + h);
            }
            fputc('\n', f);
        }
    }
    rc = rmat_out_close(f, out_path, ei);
    f = NULL;
    if (rc != RMAT_OK)
        goto out;

    rc = rmat_out_open(v->plot_dir, "tissue_lines.csv", &f, out_path, ei);
    if (rc != RMAT_OK)
        goto out;
    fputs("# quantity,unit,n,slope_per_min,ci95_low,ci95_high,r2,change_pct,"
          "summary_slope_per_min,summary_ci95_low,summary_ci95_high,summary_change_pct,"
          "session_change_pct,session_change_lo_pct,session_change_hi_pct,"
          "left_out,robust_n,robust_slope_per_min,robust_ci95_low,robust_ci95_high\n",
          f);
    for (int q = 0; q < RMAT_TISSUE_Q; q++) {
        const struct rmat_tissue_line *tl = &v->tissue[q];
        const double vals[] = {tl->fit.slope,       tl->fit.ci95_low,   tl->fit.ci95_high,
                               tl->fit.r2,          tl->fit.change_pct, tl->summary_slope,
                               tl->summary_lo,      tl->summary_hi,     tl->summary_change_pct,
                               tl->span_change_pct, tl->span_change_lo, tl->span_change_hi};
        const double rvals[] = {tl->robust.slope, tl->robust.ci95_low, tl->robust.ci95_high};
        fprintf(f, "%s,", tl->key);
        rmat_csv_put(f, tl->unit);
        fprintf(f, ",%zu", tl->fit.n);
        for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
            fputc(',', f);
            put_num(f, tl->fit.valid || i >= 5 ? vals[i] : NAN);
        }
        fprintf(f, ",%zu,%zu", tl->left_out, tl->robust.n);
        for (size_t i = 0; i < sizeof rvals / sizeof rvals[0]; i++) {
            fputc(',', f);
            put_num(f, tl->robust.valid ? rvals[i] : NAN);
        }
        fputc('\n', f);
    }
    rc = rmat_out_close(f, out_path, ei);
    f = NULL;
    goto out;
nomem:
    rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", path);
out:
    if (f)
        fclose(f);
    rmat_csv_close(&c);
    free(x);
    free(t0);
    free(t1);
    free(dir);
    free(xk);
    free(yk);
    for (int q = 0; q < RMAT_TISSUE_Q; q++) {
        free(y[q]);
        free(keep[q]);
    }
    return rc;
}

static int read_holds(struct rmat_session_view *v, struct rmat_errinfo *ei)
{
    char path[RMAT_PATH_BUF], xy_path[RMAT_PATH_BUF], sp_path[RMAT_PATH_BUF];
    struct rmat_csv c;
    FILE *xy = NULL, *sp = NULL;
    int rc, ct, cd, cx, cy;

    memset(&c, 0, sizeof c);
    rc = rmat_path_join(path, sizeof path, v->ana_dir, "holds.csv", ei);
    if (rc == RMAT_OK)
        rc = rmat_csv_open(&c, path, ei);
    if (rc == RMAT_OK)
        rc = rmat_out_open(v->plot_dir, "holds_xy.csv", &xy, xy_path, ei);
    if (rc == RMAT_OK)
        rc = rmat_out_open(v->plot_dir, "holds_spans.csv", &sp, sp_path, ei);
    if (rc != RMAT_OK)
        goto out;
    ct = rmat_csv_col(&c, "t_start_s");
    cd = rmat_csv_col(&c, "duration_s");
    cx = rmat_csv_col(&c, "x_mm");
    cy = rmat_csv_col(&c, "y_mm");
    fputs("# index,x_mm,y_mm,radius_mm,duration_s,label\n", xy);
    fputs("# index,t_start_s,t_end_s,duration_s,label\n", sp);
    while ((rc = rmat_csv_next(&c, ei)) == 1) {
        const double t = rmat_csv_num(&c, ct), d = rmat_csv_num(&c, cd);
        char label[64], num[RMAT_FMT_BUF];
        if ((v->holds & (v->holds - 1)) == 0) {
            /* grown at powers of two */
            const size_t cap = v->holds ? 2 * v->holds : 1;
            double *a = realloc(v->hold_t0_s, cap * sizeof *a);
            if (a)
                v->hold_t0_s = a;
            double *b = a ? realloc(v->hold_dur_s, cap * sizeof *b) : NULL;
            if (b)
                v->hold_dur_s = b;
            if (!a || !b) {
                rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", path);
                goto out;
            }
        }
        v->hold_t0_s[v->holds] = t;
        v->hold_dur_s[v->holds] = d;
        v->holds++;
        snprintf(label, sizeof label, "hold %zu: %s s", v->holds, rmat_show(num, d, 2));
        fprintf(xy, "%zu,", v->holds);
        put_num(xy, rmat_csv_num(&c, cx));
        fputc(',', xy);
        put_num(xy, rmat_csv_num(&c, cy));
        fputc(',', xy);
        put_num(xy, v->hold_radius_mm);
        fputc(',', xy);
        put_num(xy, d);
        fputc(',', xy);
        rmat_csv_put(xy, label);
        fputc('\n', xy);
        fprintf(sp, "%zu,", v->holds);
        put_num(sp, t);
        fputc(',', sp);
        put_num(sp, t + d);
        fputc(',', sp);
        put_num(sp, d);
        fputc(',', sp);
        rmat_csv_put(sp, label);
        fputc('\n', sp);
    }
    if (rc < 0)
        goto out;
    if (v->holds == 0) {
        /* gnuplot refuses a file without a data row ("no valid points"
         * stops the plot): a row of NaNs draws nothing. */
        fputs("0,NaN,NaN,NaN,NaN,\n", xy);
        fputs("0,NaN,NaN,NaN,\n", sp);
    }
    rc = RMAT_OK;
out:
    rmat_csv_close(&c);
    if (xy) {
        const int r = rmat_out_close(xy, xy_path, ei);
        if (rc == RMAT_OK)
            rc = r;
    }
    if (sp) {
        const int r = rmat_out_close(sp, sp_path, ei);
        if (rc == RMAT_OK)
            rc = r;
    }
    return rc;
}

/* events.csv (if the analysis folder has one) into three files: marks and
 * notes, pain ratings, and gaps (lost frames, reconnections). */
static int read_events(struct rmat_session_view *v, struct rmat_errinfo *ei)
{
    static const char *const names[3] = {"events_marks.csv", "events_pain.csv", "events_gaps.csv"};
    char path[RMAT_PATH_BUF], out_path[3][RMAT_PATH_BUF];
    struct rmat_csv c;
    FILE *f[3] = {NULL, NULL, NULL};
    size_t count[3] = {0, 0, 0};
    int rc, have;

    memset(&c, 0, sizeof c);
    rc = rmat_path_join(path, sizeof path, v->ana_dir, "events.csv", ei);
    if (rc != RMAT_OK)
        return rc;
    have = rmat_exists(path);
    for (int k = 0; k < 3 && rc == RMAT_OK; k++) {
        rc = rmat_out_open(v->plot_dir, names[k], &f[k], out_path[k], ei);
        if (rc == RMAT_OK)
            fputs("# t_s,value,label\n", f[k]);
    }
    if (rc == RMAT_OK && have)
        rc = rmat_csv_open(&c, path, ei);
    if (rc == RMAT_OK && have) {
        const int ct = rmat_csv_col(&c, "t_s"), ck = rmat_csv_col(&c, "kind");
        const int cv = rmat_csv_col(&c, "value"), cx = rmat_csv_col(&c, "text");
        while ((rc = rmat_csv_next(&c, ei)) == 1) {
            const char *kind = rmat_csv_str(&c, ck), *text = rmat_csv_str(&c, cx);
            const double t = rmat_csv_num(&c, ct), val = rmat_csv_num(&c, cv);
            char label[96], num[RMAT_FMT_BUF];
            int which;
            if (!strcmp(kind, "mark") || !strcmp(kind, "note")) {
                which = 0;
                snprintf(label, sizeof label, "%s%s%.40s", kind, text[0] ? ": " : "", text);
            } else if (!strcmp(kind, "pain")) {
                which = 1;
                snprintf(label, sizeof label, "pain %s", rmat_show(num, val, 2));
            } else if (!strcmp(kind, "gap") || !strcmp(kind, "reconnect") ||
                       !strcmp(kind, "disconnect")) {
                which = 2;
                snprintf(label, sizeof label, "%s", kind);
            } else {
                continue;
            }
            if (v->n_ev_listed < RMAT_MAX_EVENTS_LISTED && which != 2) {
                struct rmat_listed_event *e = &v->ev[v->n_ev_listed++];
                e->t_s = t;
                copy_str(e->kind, sizeof e->kind, kind);
                e->value = val;
                copy_str(e->text, sizeof e->text, text);
            }
            put_num(f[which], t);
            fputc(',', f[which]);
            put_num(f[which], val);
            fputc(',', f[which]);
            rmat_csv_put(f[which], label);
            fputc('\n', f[which]);
            count[which]++;
            v->events++;
        }
        if (rc > 0)
            rc = RMAT_OK;
    }
    /* Time order (events.csv is in the order they were written), stably:
     * the numbers on the figures and in the lists follow it. */
    for (size_t i = 1; i < v->n_ev_listed; i++) {
        const struct rmat_listed_event e = v->ev[i];
        size_t j = i;
        for (; j > 0 && v->ev[j - 1].t_s > e.t_s; j--)
            v->ev[j] = v->ev[j - 1];
        v->ev[j] = e;
    }
    v->n_marks = count[0];
    v->n_pain = count[1];
    v->n_gaps = count[2];
    for (int k = 0; k < 3; k++) {
        if (!f[k])
            continue;
        if (count[k] == 0)
            fputs("NaN,NaN,\n", f[k]);
        const int r = rmat_out_close(f[k], out_path[k], ei);
        if (rc == RMAT_OK)
            rc = r;
    }
    rmat_csv_close(&c);
    return rc;
}

/* The regions' outlines (closed rectangles, a blank line between them)
 * and their names at their top left corners, for the maps. */
static int write_regions(const struct rmat_session_view *v, struct rmat_errinfo *ei)
{
    char path[RMAT_PATH_BUF];
    FILE *f;
    int rc = rmat_out_open(v->plot_dir, "regions_xy.csv", &f, path, ei);
    if (rc != RMAT_OK)
        return rc;
    fputs("# x_mm,y_mm\n", f);
    for (size_t i = 0; i < v->n_regions; i++) {
        const struct rmat_view_region *r = &v->regions[i];
        const double x[5] = {r->x0, r->x1, r->x1, r->x0, r->x0};
        const double y[5] = {r->y0, r->y0, r->y1, r->y1, r->y0};
        for (int k = 0; k < 5; k++) {
            put_num(f, x[k]);
            fputc(',', f);
            put_num(f, y[k]);
            fputc('\n', f);
        }
        fputc('\n', f);
    }
    rc = rmat_out_close(f, path, ei);
    if (rc == RMAT_OK)
        rc = rmat_out_open(v->plot_dir, "regions_names.csv", &f, path, ei);
    if (rc != RMAT_OK)
        return rc;
    fputs("# x_mm,y_mm,name\n", f);
    for (size_t i = 0; i < v->n_regions; i++) {
        put_num(f, v->regions[i].x0);
        fputc(',', f);
        put_num(f, v->regions[i].y0);
        fputc(',', f);
        rmat_csv_put(f, v->regions[i].name);
        fputc('\n', f);
    }
    return rmat_out_close(f, path, ei);
}

/* regions.csv, if the analysis had regions: the rectangles to draw on the
 * maps and the numbers of the report's table. */
static int read_regions(struct rmat_session_view *v, struct rmat_errinfo *ei)
{
    char path[RMAT_PATH_BUF];
    struct rmat_csv c;
    size_t cap = 0;
    int rc, cn, cx0, cy0, cx1, cy1, ct, cp, ch, cm, cpti;

    memset(&c, 0, sizeof c);
    rc = rmat_path_join(path, sizeof path, v->ana_dir, "regions.csv", ei);
    if (rc != RMAT_OK || !rmat_exists(path))
        return rc;
    rc = rmat_csv_open(&c, path, ei);
    if (rc != RMAT_OK)
        return rc;
    cn = rmat_csv_col(&c, "region");
    cx0 = rmat_csv_col(&c, "x0_mm");
    cy0 = rmat_csv_col(&c, "y0_mm");
    cx1 = rmat_csv_col(&c, "x1_mm");
    cy1 = rmat_csv_col(&c, "y1_mm");
    ct = rmat_csv_col(&c, "time_s");
    cp = rmat_csv_col(&c, "pct");
    ch = rmat_csv_col(&c, "holds");
    cm = rmat_csv_col_units(&c, "mean_kpa", v->calibrated);
    cpti = rmat_csv_col_units(&c, "pti_kpa_s", v->calibrated);
    if (cn < 0 || cx0 < 0 || cy0 < 0 || cx1 < 0 || cy1 < 0) {
        rmat_csv_close(&c);
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                "%s: region, x0_mm, y0_mm, x1_mm or y1_mm is missing", path);
    }
    while ((rc = rmat_csv_next(&c, ei)) == 1) {
        struct rmat_view_region *r;
        if (v->n_regions == cap) {
            void *p;
            cap = cap ? 2 * cap : 16;
            p = realloc(v->regions, cap * sizeof *v->regions);
            if (!p) {
                rmat_csv_close(&c);
                return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", path);
            }
            v->regions = p;
        }
        r = &v->regions[v->n_regions++];
        copy_str(r->name, sizeof r->name, rmat_csv_str(&c, cn));
        r->x0 = rmat_csv_num(&c, cx0);
        r->y0 = rmat_csv_num(&c, cy0);
        r->x1 = rmat_csv_num(&c, cx1);
        r->y1 = rmat_csv_num(&c, cy1);
        r->time_s = ct >= 0 ? rmat_csv_num(&c, ct) : NAN;
        r->pct = cp >= 0 ? rmat_csv_num(&c, cp) : NAN;
        r->holds = ch >= 0 && isfinite(rmat_csv_num(&c, ch)) ? (int)rmat_csv_num(&c, ch) : 0;
        r->mean = cm >= 0 ? rmat_csv_num(&c, cm) : NAN;
        r->pti = cpti >= 0 ? rmat_csv_num(&c, cpti) : NAN;
    }
    rmat_csv_close(&c);
    if (rc < 0)
        return rc;
    return write_regions(v, ei);
}

int rmat_session_view_load(struct rmat_session_view *v, const char *ana_dir, const char *plot_dir,
                           const struct rmat_log *log, struct rmat_errinfo *ei)
{
    char path[RMAT_PATH_BUF];
    int rc;

    memset(v, 0, sizeof *v);
    copy_str(v->ana_dir, sizeof v->ana_dir, ana_dir);
    copy_str(v->plot_dir, sizeof v->plot_dir, plot_dir);
    rc = rmat_path_join(path, sizeof path, ana_dir, "summary.json", ei);
    if (rc == RMAT_OK)
        rc = rmat_json_load(path, &v->summary, ei);
    if (rc != RMAT_OK)
        return rc;
    make_titles(v);
    {
        const int cal = rmat_json_bool(v->summary, "calibrated");
        v->calibrated =
            cal == 1 || (cal < 0 && strcmp(rmat_json_str(v->summary, "units"), "counts") != 0);
    }
    copy_str(v->units, sizeof v->units, rmat_units_word(v->calibrated));
    if (!v->calibrated)
        rmat_logf(log, RMAT_LOG_WARN,
                  "%s: the analysis has no calibration: the plots show raw counts, not kPa",
                  ana_dir);
    v->rows = (int)rmat_json_num(v->summary, "device.rows");
    v->cols = (int)rmat_json_num(v->summary, "device.cols");
    v->pitch_x_mm = rmat_json_num(v->summary, "device.pitch_x_mm");
    v->pitch_y_mm = rmat_json_num(v->summary, "device.pitch_y_mm");
    v->duration_s = rmat_json_num(v->summary, "duration_s");
    v->hold_radius_mm = rmat_json_num(v->summary, "parameters.hold_radius_mm");
    v->hold_area_change_pct = rmat_json_num(v->summary, "tissue.hold_area_change_pct");
    if (v->rows < 1 || v->cols < 1 || !(v->pitch_x_mm > 0) || !(v->pitch_y_mm > 0))
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                "%s: device rows, cols or pitch missing from the summary", path);
    if (!(v->duration_s > 0))
        v->duration_s = 1;

    rc = rmat_mkdirs(plot_dir, ei);
    if (rc == RMAT_OK)
        rc = write_maps(v, ei);
    if (rc == RMAT_OK)
        rc = read_frames(v, ei);
    if (rc == RMAT_OK)
        rc = write_spectrum(v, ei);
    if (rc == RMAT_OK)
        rc = read_passes(v, ei);
    if (rc == RMAT_OK)
        rc = read_holds(v, ei);
    if (rc == RMAT_OK)
        rc = read_events(v, ei);
    if (rc == RMAT_OK)
        rc = read_regions(v, ei);
    return rc;
}

void rmat_session_view_fini(struct rmat_session_view *v)
{
    if (!v)
        return;
    rmat_json_free(v->summary);
    v->summary = NULL;
    free(v->regions);
    v->regions = NULL;
    v->n_regions = 0;
    free(v->hold_t0_s);
    free(v->hold_dur_s);
    v->hold_t0_s = v->hold_dur_s = NULL;
}

/* --- emitters ------------------------------------------------------------ */

static void put_label_text(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put_label_text(FILE *f, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    rmat_gp_string(f, buf);
}

/* A row of the figure holding only a centred title. */
static void title_row(FILE *f, const char *title, double x0, double y0, double w, double h)
{
    rmat_gp_reset(f);
    fputs("unset border\nunset tics\nunset key\n", f);
    fprintf(f, "set origin %.4f,%.4f\nset size %.4f,%.4f\n", x0, y0, w, h);
    fputs("set lmargin 0\nset rmargin 0\nset tmargin 0\nset bmargin 0\nset label 1 ", f);
    rmat_gp_string(f, title);
    /* A long title (an uncalibrated session's) in the body font, so it
     * fits the width. */
    fprintf(f, " at graph 0.5, graph 0.5 center font %s\n",
            strlen(title) > 70 ? "''" : "titlefont");
    fputs("plot [0:1][0:1] NaN notitle\n", f);
}

/* The page the emitters draw on, in points (v->page_w_in, page_h_in; A4
 * portrait when not set). */
struct session_page {
    double w_pt, h_pt;
};

static struct session_page page_of(const struct rmat_session_view *v)
{
    struct session_page pg;
    pg.w_pt = 72.0 * (v->page_w_in > 0 ? v->page_w_in : 8.27);
    pg.h_pt = 72.0 * (v->page_h_in > 0 ? v->page_h_in : 11.69);
    return pg;
}

/* A legend laid out here rather than by gnuplot, whose key gives every
 * entry the width of the longest and then falls back to a column: entries
 * side by side, as many rows as the width needs, each a plot of nothing
 * whose key is that one entry. Sizes are the report page's 9-point text
 * (a figure's is 8). */
#define KEY_PT 9.0

struct legend_entry {
    const char *sample; /* "NaN with lines lw 2 lc rgb '#0072B2'" */
    const char *title;
};

static double utf8_chars(const char *s)
{
    double n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

/* An entry's width in points: the sample and its gap (3 characters), the
 * text (0.52 em a character, a little over DejaVu Sans' average) and 1.6
 * em to the next. */
static double legend_entry_pt(const struct legend_entry *e)
{
    return (3.0 + 0.52 * utf8_chars(e->title) + 1.6) * KEY_PT;
}

static int legend_rows(const struct legend_entry *e, size_t n, double w_pt)
{
    int rows = 1;
    double x = 0;
    for (size_t i = 0; i < n; i++) {
        const double ew = legend_entry_pt(&e[i]);
        if (x > 0 && x + ew > w_pt) {
            rows++;
            x = 0;
        }
        x += ew;
    }
    return rows;
}

/* The height in screen fraction of a legend of these entries across w. */
static double legend_height(const struct session_page *pg, const struct legend_entry *e, size_t n,
                            double w)
{
    return (legend_rows(e, n, w * pg->w_pt) * 1.45 * KEY_PT + 4.0) / pg->h_pt;
}

static void legend_flow(FILE *f, const struct session_page *pg, const struct legend_entry *e,
                        size_t n, double x0, double y0, double w, double h)
{
    const double w_pt = w * pg->w_pt;
    const int rows = legend_rows(e, n, w_pt);
    size_t i = 0;

    for (int r = 0; r < rows; r++) {
        /* the entries of this row, then centred */
        size_t j = i;
        double x = 0;
        while (j < n && (j == i || x + legend_entry_pt(&e[j]) <= w_pt)) {
            x += legend_entry_pt(&e[j]);
            j++;
        }
        double at = x0 + (w - (x - 1.6 * KEY_PT) / pg->w_pt) / 2;
        const double y = y0 + h - (r + 0.5) * h / rows;
        for (; i < j; i++) {
            rmat_gp_reset(f);
            fputs("unset border\nunset tics\n", f);
            rmat_gp_panel(f, x0, y0, w, h, 0.0, 0.0, 0.0, 0.0);
            fprintf(f,
                    "set xrange [0:1]\nset yrange [0:1]\n"
                    "set style fill transparent solid 0.3 noborder\n"
                    "set key at screen %.4f, screen %.4f left center reverse Left samplen 2 "
                    "noautotitle\nplot %s title ",
                    at, y, e[i].sample);
            rmat_gp_string(f, e[i].title);
            fputc('\n', f);
            at += legend_entry_pt(&e[i]) / pg->w_pt;
        }
    }
}

void rmat_fig_map(FILE *f, const struct rmat_session_view *v, enum rmat_map_kind k,
                  const char *title, double x0, double y0, double w, double h)
{
    static const char *const files[] = {"map_peak_kpa.csv", "map_pti_kpa_s.csv", "map_dwell_s.csv"};
    char cb[64];

    if (k == RMAT_MAP_PEAK)
        snprintf(cb, sizeof cb, "peak pressure (%s)", rmat_units_label("peak_kpa", v->calibrated));
    else if (k == RMAT_MAP_PTI)
        snprintf(cb, sizeof cb, "pressure-time integral (%s)",
                 rmat_units_label("pti_kpa_s", v->calibrated));
    else
        snprintf(cb, sizeof cb, "time in contact (s)");
    rmat_gp_reset(f);
    rmat_gp_viridis(f);
    fprintf(f, "set origin %.4f,%.4f\nset size %.4f,%.4f\n", x0, y0, w, h);
    fputs("set size ratio -1\n", f);
    if (title && *title) {
        fputs("set title ", f);
        rmat_gp_string(f, title);
        fputs(" font titlefont\n", f);
    }
    fputs("set xlabel 'x (mm)'\nset ylabel 'y (mm)'\nset cblabel ", f);
    rmat_gp_string(f, cb);
    fprintf(f,
            "\nset border 15\nset tics out\nset xtics nomirror\nset ytics nomirror\n"
            "# Row 0 at the top, as the map reads in its CSV file.\n"
            "set xrange [0:%.6g]\nset yrange [%.6g:0]\nset cbrange [0:*]\n"
            "set style textbox opaque fillcolor rgb 'white' noborder\n",
            v->cols * v->pitch_x_mm, v->rows * v->pitch_y_mm);
    /* A map drawn small (a report page) keeps its key inside, in a white
     * box, where below it would wrap into the next figure. */
    fputs(w * h < 0.5 ? "set key inside left bottom opaque box lc rgb '#999999' samplen 1.5 "
                        "font smallfont\n"
                      : "set key outside below horizontal samplen 1.5\n",
          f);
    fprintf(f,
            "plot '%s' matrix using (($1 + 0.5) * %.6g):(($2 + 0.5) * %.6g):3 "
            "with image notitle",
            files[k], v->pitch_x_mm, v->pitch_y_mm);
    /* The regions of the analysis, drawn before the path and the holds so
     * their labels stay on top: a white edge under a dashed black one,
     * which show on dark and light parts of the map alike, each named in
     * its top left corner. */
    if (v->n_regions > 0)
        fputs(", \\\n"
              "  'regions_xy.csv' using 1:2 with lines lw 3 lc rgb 'white' notitle, \\\n"
              "  '' using 1:2 with lines lw 1.2 dt 2 lc rgb '" RMAT_OI_BLACK "' notitle, \\\n"
              "  'regions_names.csv' using 1:2:3 with labels left offset 0.5,-0.8 boxed "
              "font smallfont notitle",
              f);
    if (v->cop_points > 0)
        fputs(", \\\n"
              "  'cop_path.csv' using 1:2 with lines lw 3.5 lc rgb 'white' notitle, \\\n"
              "  '' using 1:2 with lines lw 1.3 lc rgb '" RMAT_OI_BLACK
              "' title 'centre of pressure (CoP)'",
              f);
    if (v->holds > 0) {
        fputs(", \\\n  'holds_xy.csv' using 2:3:4 with circles lw 2.5 lc rgb '" RMAT_OI_ORANGE
              "' fillstyle empty title ",
              f);
        put_label_text(f, "hold (%.0f mm circle)",
                       isfinite(v->hold_radius_mm) ? v->hold_radius_mm : 15.0);
        fputs(", \\\n  '' using ($2 + $4):3:6 with labels left offset 0.6,0 boxed "
              "font smallfont notitle",
              f);
    }
    fputc('\n', f);
}

/* The shading and event lines every time-series panel has, from 0 to Y;
 * ends with ", \" so the panel's own lines follow. No text: what the
 * lines are is said above the panels and in the list below them. */
static void ts_background(FILE *f, const struct rmat_session_view *v)
{
    fputs("plot ", f);
    if (v->passes_dir[0])
        fputs("'passes_spans.csv' index 0 using (($2 + $3) / 2):(Y / 2):2:3:(0):(Y) "
              "with boxxyerror fc rgb '" RMAT_OI_SKYBLUE "' notitle, \\\n  ",
              f);
    if (v->passes_dir[1])
        fputs("'passes_spans.csv' index 1 using (($2 + $3) / 2):(Y / 2):2:3:(0):(Y) "
              "with boxxyerror fc rgb '#a0a0a0' notitle, \\\n  ",
              f);
    if (v->holds)
        /* Opaque, so a pass that spans a hold does not tint it. */
        fputs("'holds_spans.csv' using (($2 + $3) / 2):(Y / 2):2:3:(0):(Y) with boxxyerror "
              "fc rgb '#F5D58E' fs solid 1.0 noborder notitle, \\\n  ",
              f);
    /* Gaps are short ticks along the bottom: a flaky link can lose frames
     * hundreds of times, and full-height lines would hide the data. */
    if (v->n_gaps)
        fputs("'events_gaps.csv' using 1:(0):(0):(Y * 0.07) with vectors nohead lw 1 "
              "lc rgb '" RMAT_OI_VERMILLION "' notitle, \\\n  ",
              f);
    if (v->n_marks)
        fputs("'events_marks.csv' using 1:(0):(0):(Y) with vectors nohead lw 1.5 dt 2 "
              "lc rgb '" RMAT_OI_BLACK "' notitle, \\\n  ",
              f);
    if (v->n_pain)
        fputs("'events_pain.csv' using 1:(0):(0):(Y) with vectors nohead lw 2 "
              "lc rgb '" RMAT_OI_PURPLE "' notitle, \\\n  ",
              f);
}

/* A panel of the time series in (x0, y0, w, h); mb and mt its bottom and
 * top margins as fractions of h (the bottom panel's holds the time
 * axis). */
static void ts_panel(FILE *f, const struct rmat_session_view *v, double x0, double y0, double w,
                     double h, double mb, double mt, double ytop, int bottom, const char *ylabel,
                     const char *series)
{
    rmat_gp_reset(f);
    rmat_gp_panel(f, x0, y0, w, h, 0.09, 0.03, mb, mt);
    fprintf(f, "set xrange [0:%.6g]\nset yrange [0:%.6g]\nY = %.6g\n", v->duration_s, ytop, ytop);
    fputs("set ylabel ", f);
    rmat_gp_string(f, ylabel);
    fputc('\n', f);
    fputs(bottom ? "set xlabel 'time since the first frame (s)'\n" : "set format x ''\n", f);
    fputs("set grid ytics lc rgb '#dddddd'\n"
          "set style fill transparent solid 0.25 noborder\n"
          "set key inside right top opaque samplen 2 font smallfont\n",
          f);
    ts_background(f, v);
    fputs(series, f);
}

/* --- the time series' labels ----------------------------------------------
 *
 * Holds, marks, notes and pain ratings are named in a strip of lanes above
 * the panels, never in the panels: holds by "hold 1: 8.2 s", events by
 * their number in the list under the panels (and on page 1 of a report).
 * Labels are laid out here, in points, so none overlaps another: each goes
 * into the lowest lane where it clears the labels before it; events that
 * find no room share one label ("3-5"); a hold's label shortens to "hold
 * 1", or is left out (its shading stays). Text sizes are those of the
 * report page, the largest the figures use (7 points; a figure's PDF and
 * PNG draw 6.5). */

#define LBL_PT      7.0  /* the small font */
#define LBL_CHAR_EM 0.64 /* a digit's advance in DejaVu Sans: wider than most text */
#define TXT_CHAR_EM 0.56 /* running text, for wrapping the list */
#define LANE_PT     13.0
#define LIST_ROW_PT 10.5
#define STRIP_LANES 3

struct strip_label {
    double x, lo, hi;   /* centre and extent (box included), seconds */
    int lane;           /* 0: next to the panels */
    int hold;           /* 1: a hold's label (first is its index) */
    size_t first, last; /* the events it numbers (indices into v->ev) */
    char text[40];
};

static void event_numbers(char *buf, size_t cap, size_t first, size_t last)
{
    if (first == last)
        snprintf(buf, cap, "%zu", first + 1);
    else
        snprintf(buf, cap, last == first + 1 ? "%zu,%zu" : "%zu-%zu", first + 1, last + 1);
}

static int cmp_label(const void *a, const void *b)
{
    const struct strip_label *x = a, *y = b;
    return x->x < y->x ? -1 : x->x > y->x;
}

/* Lays out the strip's labels for a plot sec_per_pt seconds a point wide
 * over [0, dur]: into out (room for holds + events), their count returned
 * and the lanes used in *lanes. */
static size_t strip_layout(const struct rmat_session_view *v, double dur, double sec_per_pt,
                           struct strip_label *out, int *lanes)
{
    const size_t ne = v->n_ev_listed;
    const double char_s = LBL_CHAR_EM * LBL_PT * sec_per_pt;
    size_t *cl_first = malloc((ne ? ne : 1) * sizeof *cl_first);
    size_t *cl_last = malloc((ne ? ne : 1) * sizeof *cl_last);
    unsigned char *hold_short = calloc(v->holds ? v->holds : 1, 1); /* 0 long, 1 short, 2 none */
    size_t ncl = ne, n = 0;

    *lanes = 0;
    if (!cl_first || !cl_last || !hold_short)
        goto out;
    for (size_t i = 0; i < ne; i++)
        cl_first[i] = cl_last[i] = i;
    for (;;) {
        double right[STRIP_LANES];
        int failed = 0, fail_hold = 0;
        size_t fail_at = 0;

        n = 0;
        for (size_t i = 0; i < v->holds; i++) {
            struct strip_label *l;
            char num[RMAT_FMT_BUF];
            if (hold_short[i] == 2)
                continue;
            l = &out[n++];
            memset(l, 0, sizeof *l);
            l->hold = 1;
            l->first = l->last = i;
            l->x = v->hold_t0_s[i] + v->hold_dur_s[i] / 2;
            if (hold_short[i])
                snprintf(l->text, sizeof l->text, "hold %zu", i + 1);
            else
                snprintf(l->text, sizeof l->text, "hold %zu: %s s", i + 1,
                         rmat_show(num, v->hold_dur_s[i], 2));
        }
        for (size_t k = 0; k < ncl; k++) {
            struct strip_label *l = &out[n++];
            memset(l, 0, sizeof *l);
            l->first = cl_first[k];
            l->last = cl_last[k];
            l->x = (v->ev[l->first].t_s + v->ev[l->last].t_s) / 2;
            event_numbers(l->text, sizeof l->text, l->first, l->last);
        }
        qsort(out, n, sizeof *out, cmp_label);
        for (int k = 0; k < STRIP_LANES; k++)
            right[k] = -INFINITY;
        *lanes = 0;
        for (size_t i = 0; i < n && !failed; i++) {
            struct strip_label *l = &out[i];
            /* the text and one character of box and space */
            const double wd = ((double)strlen(l->text) + 1.0) * char_s;
            double lo = l->x - wd / 2;
            if (lo + wd > dur)
                lo = dur - wd;
            if (lo < 0)
                lo = 0;
            l->lane = -1;
            for (int k = 0; k < STRIP_LANES; k++)
                if (lo >= right[k] + 0.5 * char_s) {
                    l->lane = k;
                    right[k] = lo + wd;
                    break;
                }
            if (l->lane < 0) {
                failed = 1;
                fail_hold = l->hold;
                fail_at = l->first;
                break;
            }
            l->lo = lo;
            l->hi = lo + wd;
            l->x = lo + wd / 2;
            if (l->lane + 1 > *lanes)
                *lanes = l->lane + 1;
        }
        if (!failed)
            break;
        if (fail_hold) {
            hold_short[fail_at]++;
            continue;
        }
        /* The events' label that found no room joins the one before it
         * (or, the first, the one after). */
        {
            size_t k = 0;
            while (k < ncl && cl_first[k] != fail_at)
                k++;
            if (ncl < 2 || k >= ncl) {
                /* one label that fits nowhere: only holds can be in the
                 * way; they give way */
                for (size_t i = 0; i < v->holds; i++)
                    hold_short[i] = 2;
                if (v->holds == 0)
                    break;
                continue;
            }
            if (k == 0)
                k = 1;
            cl_last[k - 1] = cl_last[k];
            memmove(cl_first + k, cl_first + k + 1, (ncl - k - 1) * sizeof *cl_first);
            memmove(cl_last + k, cl_last + k + 1, (ncl - k - 1) * sizeof *cl_last);
            ncl--;
        }
    }
out:
    free(cl_first);
    free(cl_last);
    free(hold_short);
    return n;
}

/* The kind of event i in words: "mark: tender spot", "pain 5.5 of 10". */
static void event_words(char *buf, size_t cap, const struct rmat_listed_event *e)
{
    char num[RMAT_FMT_BUF];
    if (!strcmp(e->kind, "pain"))
        snprintf(buf, cap, "pain %s of 10%s%s", rmat_show(num, e->value, 2), e->text[0] ? ": " : "",
                 e->text);
    else
        snprintf(buf, cap, "%s%s%s", e->kind, e->text[0] ? ": " : "", e->text);
}

/* Splits s into lines of at most width characters (UTF-8 continuation
 * bytes not counted) at spaces; returns the number of lines written into
 * lines (each cap bytes), at most max (the last ends in "..." if cut). */
static int wrap_text(const char *s, int width, char lines[][160], int max)
{
    int n = 0;
    while (*s && n < max) {
        const char *brk = NULL, *c = s;
        int chars = 0;
        while (*c && chars < width) {
            if (*c == ' ')
                brk = c;
            if (((unsigned char)*c & 0xc0) != 0x80)
                chars++;
            c++;
        }
        while (*c && ((unsigned char)*c & 0xc0) == 0x80)
            c++;
        if (!*c || !brk)
            brk = c;
        if (n == max - 1 && *brk) {
            /* the last line that fits: cut, and say so */
            const int keep = (int)(brk - s) > 150 ? 150 : (int)(brk - s);
            snprintf(lines[n++], 160, "%.*s...", keep, s);
            return n;
        }
        snprintf(lines[n++], 160, "%.*s", (int)(brk - s), s);
        s = brk;
        while (*s == ' ')
            s++;
    }
    return n;
}

struct list_line {
    int number; /* 0: a continuation */
    int pain;
    char text[160];
};

/* The events' list as lines of at most width characters, the events'
 * numbers on their first lines. *lines is malloc'd. */
static size_t list_lines(const struct rmat_session_view *v, int width, struct list_line **lines)
{
    struct list_line *l = malloc((v->n_ev_listed * 3 + 1) * sizeof *l);
    size_t n = 0;

    *lines = l;
    if (!l)
        return 0;
    for (size_t i = 0; i < v->n_ev_listed; i++) {
        const struct rmat_listed_event *e = &v->ev[i];
        char what[200], full[260], t[48], w[3][160];
        int k;
        event_words(what, sizeof what, e);
        snprintf(full, sizeof full, "%s  %s",
                 rmat_duration_words(t, sizeof t, e->t_s < 0 ? 0 : e->t_s), what);
        k = wrap_text(full, width, w, 3);
        for (int j = 0; j < k; j++) {
            l[n].number = j == 0 ? (int)i + 1 : 0;
            l[n].pain = !strcmp(e->kind, "pain");
            snprintf(l[n].text, sizeof l[n].text, "%.159s", w[j]);
            n++;
        }
    }
    return n;
}

/* The strip (lanes of labels) over [px0, px1] x [y0, y0 + h] of the
 * screen. */
static void ts_strip(FILE *f, const struct rmat_session_view *v, const struct strip_label *lb,
                     size_t n, int lanes, double px0, double px1, double y0, double h)
{
    rmat_gp_reset(f);
    fputs("unset border\nunset tics\nunset key\n", f);
    fprintf(f,
            "set lmargin at screen %.4f\nset rmargin at screen %.4f\n"
            "set bmargin at screen %.4f\nset tmargin at screen %.4f\n"
            "set xrange [0:%.6g]\nset yrange [0:%d]\n",
            px0, px1, y0, y0 + h, v->duration_s, lanes);
    fputs("set style textbox 1 opaque fillcolor rgb 'white' border lc rgb '#555555' "
          "margins 1.5,1\n"
          "set style textbox 2 opaque fillcolor rgb '#F5D58E' noborder margins 1.5,1\n",
          f);
    /* Each event's line runs up to its label, behind the lower labels'
     * boxes: a stack of numbers on one line is events at one moment. */
    for (size_t i = 0; i < n; i++) {
        if (lb[i].hold)
            continue;
        for (size_t e = lb[i].first; e <= lb[i].last; e++) {
            const int pain = !strcmp(v->ev[e].kind, "pain");
            fprintf(f, "set arrow from %.6g, 0 to %.6g, %.3f nohead back lw %s %s lc rgb '%s'\n",
                    v->ev[e].t_s, v->ev[e].t_s, lb[i].lane + 0.5, pain ? "2" : "1.5",
                    pain ? "" : "dt 2", pain ? RMAT_OI_PURPLE : RMAT_OI_BLACK);
        }
    }
    for (size_t i = 0; i < n; i++) {
        int pain = !lb[i].hold;
        for (size_t e = lb[i].first; !lb[i].hold && e <= lb[i].last; e++)
            pain &= !strcmp(v->ev[e].kind, "pain");
        fprintf(f, "set label %zu ", i + 1);
        rmat_gp_string(f, lb[i].text);
        fprintf(f, " at %.6g, %.3f center front boxed bs %d font smallfont tc rgb '%s'\n", lb[i].x,
                lb[i].lane + 0.5, lb[i].hold ? 2 : 1, pain ? RMAT_OI_PURPLE : RMAT_OI_BLACK);
    }
    fputs("plot NaN notitle\n", f);
}

/* The list of events in columns over [px0, px1] x [y0, y0 + h]: rows of
 * row (screen fraction) height, cols columns, line text as laid out. */
static void ts_list(FILE *f, const struct list_line *l, size_t n, size_t total_events, int cols,
                    int rows, double px0, double px1, double y0, double h, double row,
                    double char_w)
{
    const double colw = (px1 - px0) / cols;
    const size_t room = (size_t)cols * (size_t)rows;
    size_t shown = n <= room ? n : room - 1;
    size_t events_shown = 0;

    /* never end a column on an event's first line when its rest is cut */
    while (n > room && shown > 0 && l[shown].number == 0)
        shown--;
    rmat_gp_reset(f);
    fputs("unset border\nunset tics\nunset key\n", f);
    fprintf(f,
            "set lmargin at screen %.4f\nset rmargin at screen %.4f\n"
            "set bmargin at screen %.4f\nset tmargin at screen %.4f\n",
            px0, px1, y0, y0 + h);
    fputs("set style textbox 1 opaque fillcolor rgb 'white' border lc rgb '#555555' "
          "margins 1.5,1\n",
          f);
    for (size_t i = 0; i < shown; i++) {
        const double x = px0 + (double)(i / (size_t)rows) * colw;
        const double y = y0 + h - ((double)(i % (size_t)rows) + 0.5) * row;
        if (l[i].number) {
            events_shown++;
            fprintf(f,
                    "set label %zu '%d' at screen %.4f, screen %.4f center front boxed bs 1 "
                    "font smallfont tc rgb '%s'\n",
                    1000 + i, l[i].number, x + 1.2 * char_w, y,
                    l[i].pain ? RMAT_OI_PURPLE : RMAT_OI_BLACK);
        }
        fprintf(f, "set label %zu ", 2000 + i);
        rmat_gp_string(f, l[i].text);
        fprintf(f, " at screen %.4f, screen %.4f left font smallfont\n", x + 3.2 * char_w, y);
    }
    if (shown < n) {
        char more[120];
        const size_t i = shown;
        snprintf(more, sizeof more, "+ %zu more (all in events.csv)", total_events - events_shown);
        fprintf(f, "set label 3000 ");
        rmat_gp_string(f, more);
        fprintf(f, " at screen %.4f, screen %.4f left font smallfont tc rgb '#555555'\n",
                px0 + (double)(i / (size_t)rows) * colw + 3.2 * char_w,
                y0 + h - ((double)(i % (size_t)rows) + 0.5) * row);
    }
    fputs("plot [0:1][0:1] NaN notitle\n", f);
}

void rmat_fig_timeseries(FILE *f, const struct rmat_session_view *v, const char *title, double x0,
                         double y0, double w, double h)
{
    static const struct legend_entry key[] = {
        {"NaN with boxes fc rgb '" RMAT_OI_SKYBLUE "'", "pass, one way"},
        {"NaN with boxes fc rgb '#a0a0a0'", "pass, back"},
        {"NaN with boxes fc rgb '#F5D58E' fs solid 1.0", "hold"},
        {"NaN with lines lw 1.5 dt 2 lc rgb '" RMAT_OI_BLACK "'", "mark or note (numbered)"},
        {"NaN with lines lw 2 lc rgb '" RMAT_OI_PURPLE "'", "pain rating, 0-10 (numbered)"},
        {"NaN with lines lw 2 lc rgb '" RMAT_OI_VERMILLION "'",
         "frames lost (ticks at the bottom)"},
    };
    const size_t nkey = sizeof key / sizeof key[0];
    const struct session_page pg = page_of(v);
    const double px0 = x0 + 0.09 * w, px1 = x0 + w - 0.03 * w;
    const double th = title && *title ? 0.06 * h : 0;
    const double kh = legend_height(&pg, key, nkey, w);
    /* In points, whatever the figure's size: the time axis (tick labels
     * and its label) under the bottom panel, and the gaps between panels,
     * so one panel's tick labels never meet the next one's. */
    const double axis_h = 38.0 / pg.h_pt, gap_h = 6.0 / pg.h_pt;
    struct strip_label *lb = malloc((v->holds + v->n_ev_listed + 1) * sizeof *lb);
    struct list_line *ll = NULL;
    size_t nlb = 0, nll = 0;
    int lanes = 0, cols = 1, rows = 0;
    double sh, lh = 0, ph;

    if (lb)
        nlb = strip_layout(v, v->duration_s, v->duration_s / ((px1 - px0) * pg.w_pt), lb, &lanes);
    sh = lanes * LANE_PT / pg.h_pt;
    if (v->n_ev_listed > 0) {
        /* Two columns where each holds 44 characters or more. */
        const double full = 0.95 * w * pg.w_pt, ch = TXT_CHAR_EM * LBL_PT;
        const int two = full / 2 / ch >= 44;
        const int width = (int)(full / (two ? 2 : 1) / ch) - 5;
        const int max_rows = (int)(0.22 * h * pg.h_pt / LIST_ROW_PT);
        cols = two ? 2 : 1;
        nll = list_lines(v, width, &ll);
        rows = (int)((nll + (size_t)cols - 1) / (size_t)cols);
        if (rows > max_rows)
            rows = max_rows > 1 ? max_rows : 1;
        lh = (rows + 0.4) * LIST_ROW_PT / pg.h_pt;
    }
    ph = (h - th - kh - sh - lh - axis_h) / 3.0;

    if (th > 0)
        title_row(f, title, x0, y0 + h - th, w, th);
    legend_flow(f, &pg, key, nkey, x0, y0 + h - th - kh, w, kh);
    if (lanes > 0)
        ts_strip(f, v, lb, nlb, lanes, px0, px1, y0 + lh + axis_h + 3 * ph, sh);
    /* Without calibration the load is a sum of counts, not a force. */
    ts_panel(f, v, x0, y0 + lh + axis_h + 2 * ph, w, ph, gap_h / ph, gap_h / ph,
             nice_top(v->ymax_force), 0, v->calibrated ? "force (N)" : "load (sum of counts)",
             v->calibrated ? "'timeseries.csv' using 1:7:3 with filledcurves fc rgb '" RMAT_OI_BLUE
                             "' fs transparent solid 0.25 noborder notitle, \\\n"
                             "  '' using 1:2 with lines lw 1.5 lc rgb '" RMAT_OI_BLUE
                             "' title 'force'\n"
                           : "'timeseries.csv' using 1:7:3 with filledcurves fc rgb '" RMAT_OI_BLUE
                             "' fs transparent solid 0.25 noborder notitle, \\\n"
                             "  '' using 1:2 with lines lw 1.5 lc rgb '" RMAT_OI_BLUE
                             "' title 'sum of counts'\n");
    {
        char ylab[64];
        snprintf(ylab, sizeof ylab, "pressure (%s)", rmat_units_label("mean_kpa", v->calibrated));
        ts_panel(f, v, x0, y0 + lh + axis_h + ph, w, ph, gap_h / ph, gap_h / ph,
                 nice_top(v->ymax_kpa), 0, ylab,
                 "'timeseries.csv' using 1:5 with lines lw 1.5 lc rgb '" RMAT_OI_VERMILLION
                 "' title 'peak pressure', \\\n"
                 "  '' using 1:4 with lines lw 1.5 lc rgb '" RMAT_OI_BLUE
                 "' title 'mean pressure'\n");
    }
    ts_panel(f, v, x0, y0 + lh, w, ph + axis_h, axis_h / (ph + axis_h), gap_h / (ph + axis_h),
             nice_top(v->ymax_area), 1, "contact area (cm²)",
             "'timeseries.csv' using 1:8:9 with filledcurves fc rgb '" RMAT_OI_GREEN
             "' fs transparent solid 0.25 noborder notitle, \\\n"
             "  '' using 1:6 with lines lw 1.5 lc rgb '" RMAT_OI_GREEN "' title 'contact area'\n");
    if (nll > 0 && rows > 0)
        ts_list(f, ll, nll, v->n_ev_listed, cols, rows, x0 + 0.02 * w, x0 + w - 0.03 * w, y0,
                lh - 0.2 * LIST_ROW_PT / pg.h_pt, LIST_ROW_PT / pg.h_pt,
                TXT_CHAR_EM * LBL_PT / pg.w_pt);
    free(lb);
    free(ll);
}

void rmat_fig_cadence(FILE *f, const struct rmat_session_view *v, const char *title, double x0,
                      double y0, double w, double h)
{
    static const struct legend_entry key[] = {
        {"NaN with lines lw 2 lc rgb '" RMAT_OI_BLUE "'", "spectrum of the rolling position"},
        {"NaN with lines lw 2 dt 2 lc rgb '" RMAT_OI_VERMILLION "'", "cadence: the largest peak"},
    };
    const double lo_cpm = 60 * rmat_json_num(v->summary, "parameters.cadence_band_lo_hz");
    const struct session_page pg = page_of(v);
    /* The legend has a row of its own under the chart, so the cadence's
     * label, next to its peak, can never lie on it. */
    const double kh = v->spectrum && isfinite(v->cadence_cpm) ? legend_height(&pg, key, 2, w) : 0;

    rmat_gp_reset(f);
    rmat_gp_panel(f, x0, y0 + kh, w, h - kh, 0.1, 0.04, 0.18, title && *title ? 0.13 : 0.05);
    if (title && *title) {
        fputs("set title ", f);
        rmat_gp_string(f, title);
        fputs(" font titlefont\n", f);
    }
    fputs("set xlabel 'rolling rate (cycles/min; a cycle is a pass each way)' font smallfont\n"
          "set ylabel 'relative power'\n"
          "unset key\n"
          "set grid xtics lc rgb '#dddddd'\n",
          f);
    /* Headroom over the peak (at 1) for its label. */
    fprintf(f, "set xrange [0:%.6g]\nset yrange [0:1.3]\n", v->spec_xmax_cpm);
    if (isfinite(lo_cpm) && lo_cpm > 0)
        fprintf(f,
                "# Below the cadence band the analysis looks for no peak.\n"
                "set object 1 rect from 0, graph 0 to %.6g, graph 1 behind "
                "fc rgb '#e8e8e8' fs solid noborder\n"
                "set label 2 'outside the band' at %.6g, graph 0.5 center rotate by 90 "
                "font smallfont tc rgb '#707070'\n",
                lo_cpm, lo_cpm / 2);
    if (!v->spectrum) {
        fputs("set label 1 'no spectrum: too little rolling in one contact run' at graph 0.5, "
              "graph 0.5 center\nplot NaN notitle\n",
              f);
        return;
    }
    if (!isfinite(v->cadence_cpm)) {
        fputs("set label 1 'no cadence: fewer than two cycles' at graph 0.5, graph 0.9 "
              "center\nplot 'spectrum.csv' using 2:3 with lines lw 2 lc rgb '" RMAT_OI_BLUE
              "' notitle\n",
              f);
        return;
    }
    /* The label reads away from the nearer side of the chart. */
    fprintf(f,
            "plot 'spectrum.csv' using 2:3 with lines lw 2 lc rgb '" RMAT_OI_BLUE "' notitle, \\\n"
            "  'cadence_peak.csv' using 1:(0):(0):3 with vectors nohead lw 2 dt 2 lc rgb "
            "'" RMAT_OI_VERMILLION "' notitle, \\\n"
            "  '' using 1:3:4 with labels %s offset %s,0.7 tc rgb '" RMAT_OI_VERMILLION
            "' notitle\n",
            v->cadence_cpm > 0.6 * v->spec_xmax_cpm ? "right" : "left",
            v->cadence_cpm > 0.6 * v->spec_xmax_cpm ? "-0.8" : "0.8");
    legend_flow(f, &pg, key, 2, x0, y0, w, kh);
}

/* "+12% over the session (95% CI 8 to 16%)" for the tissue panels. */
static void change_phrase(char *buf, size_t cap, const struct rmat_tissue_line *tl)
{
    char a[RMAT_FMT_BUF], b[RMAT_FMT_BUF], c[RMAT_FMT_BUF];
    if (!isfinite(tl->span_change_pct)) {
        snprintf(buf, cap, "too few passes for a line");
        return;
    }
    snprintf(buf, cap, "%s%s%% over the session (95%% CI %s to %s%%)",
             tl->span_change_pct >= 0 ? "+" : "", rmat_show(a, tl->span_change_pct, 2),
             rmat_show(b, tl->span_change_lo, 2), rmat_show(c, tl->span_change_hi, 2));
}

void rmat_fig_tissue(FILE *f, const struct rmat_session_view *v, const char *title, double x0,
                     double y0, double w, double h)
{
    static const int order[RMAT_TISSUE_Q] = {2, 1, 0, 3}; /* compliance first */
    static const char *const short_names[RMAT_TISSUE_Q] = {"mean pressure", "width", "compliance",
                                                           "speed"};
    static const struct legend_entry key[] = {
        {"NaN with points pt 7 ps 0.7 lc rgb '" RMAT_OI_BLUE "'", "one pass"},
        {"NaN with lines lw 2 lc rgb '" RMAT_OI_VERMILLION "'", "least-squares line"},
        {"NaN with boxes fc rgb '" RMAT_OI_VERMILLION "' fs transparent solid 0.2",
         "95% confidence band of the line"},
        {"NaN with points pt 6 ps 1.1 lw 1.5 lc rgb '" RMAT_OI_VERMILLION "'",
         "left out of the line: over 3 scaled MADs off the Theil-Sen line"},
    };
    const struct session_page pg = page_of(v);
    size_t nkey = 3;
    for (int q = 0; q < RMAT_TISSUE_Q; q++)
        if (v->tissue[q].left_out > 0)
            nkey = 4;
    const double th = title && *title ? 0.06 * h : 0;
    const double kh = legend_height(&pg, key, nkey, w);
    const double pw = w / 2, ph = (h - th - kh) / 2;
    double pad = 0.02 * (v->tissue_x_hi - v->tissue_x_lo);

    if (!(pad > 0))
        pad = 0.1;
    if (th > 0)
        title_row(f, title, x0, y0 + h - th, w, th);
    for (int i = 0; i < RMAT_TISSUE_Q; i++) {
        const int q = order[i];
        const struct rmat_tissue_line *tl = &v->tissue[q];
        const int col = 3 + q; /* tissue_points.csv: pass, t_min, then the quantities */
        const int fcol = 2 + 3 * q;
        char t[400], line2[200], ylab[96];
        const double px = x0 + (i % 2) * pw, py = y0 + kh + (i < 2 ? ph : 0);

        rmat_gp_reset(f);
        rmat_gp_panel(f, px, py, pw, ph, 0.17, 0.04, 0.19, 0.2);
        change_phrase(line2, sizeof line2, tl);
        snprintf(t, sizeof t, "%s\n%s", tl->label, line2);
        snprintf(ylab, sizeof ylab, "%s (%s)", short_names[q], tl->unit);
        fputs("set title ", f);
        rmat_gp_dq(f, t);
        fputs("\nset xlabel 'time (min)'\nset ylabel ", f);
        rmat_gp_string(f, ylab);
        fputs("\nunset key\nset grid lc rgb '#e5e5e5'\n"
              "set offsets 0, 0, graph 0.12, graph 0.12\n",
              f);
        if (isfinite(v->tissue_x_lo) && v->tissue_x_hi >= v->tissue_x_lo)
            fprintf(f, "set xrange [%.6g:%.6g]\n", v->tissue_x_lo - pad, v->tissue_x_hi + pad);
        if (v->passes == 0) {
            /* No pass, no point: an empty plot gnuplot cannot range
             * (an import of walking data: "no rolling found"). */
            fputs("set xrange [0:1]\nset yrange [0:1]\nunset ytics\n"
                  "set label 1 'no passes: no rolling found' at graph 0.5, 0.5 center\n"
                  "plot NaN notitle\n",
                  f);
            continue;
        }
        if (!tl->line.valid) {
            /* the title says why there is no line */
            fprintf(
                f,
                "plot 'tissue_points.csv' using 2:%d with points pt 7 ps 0.5 lc rgb '" RMAT_OI_BLUE
                "' notitle\n",
                col);
            continue;
        }
        fprintf(f,
                "plot 'tissue_fit.csv' using 1:%d:%d with filledcurves fc rgb '" RMAT_OI_VERMILLION
                "' fs transparent solid 0.2 noborder notitle, \\\n"
                "  '' using 1:%d with lines lw 2 lc rgb '" RMAT_OI_VERMILLION "' notitle, \\\n"
                "  'tissue_points.csv' using 2:%d with points pt 7 ps 0.5 lc rgb '" RMAT_OI_BLUE
                "' notitle",
                fcol + 1, fcol + 2, fcol, col);
        if (tl->left_out > 0)
            /* passes left out of the line: ringed */
            fprintf(f,
                    ", \\\n  '' using 2:%d with points pt 6 ps 1.1 lw 1.5 lc rgb "
                    "'" RMAT_OI_VERMILLION "' notitle",
                    col + RMAT_TISSUE_Q);
        fputc('\n', f);
    }
    legend_flow(f, &pg, key, nkey, x0, y0, w, kh);
}

/* --- standalone figures --------------------------------------------------- */

static int write_figure(struct rmat_session_view *v, int which, struct rmat_errinfo *ei)
{
    static const char *const what[RMAT_PLOT_FIGURES] = {
        "the peak pressure of every sensel, with the centre-of-pressure path and the holds",
        "the pressure-time integral of every sensel, with the path and the holds",
        "the time every sensel was in contact, with the path and the holds",
        "force, pressure and contact area over time; passes, holds and events marked",
        "the power spectrum of the rolling position and the cadence chosen from it",
        "the tissue response over the passes: each pass, the fitted line, its 95% band",
    };
    static const char *const heads[RMAT_PLOT_FIGURES] = {
        "Peak pressure", "Pressure-time integral", "Dwell time", "Over time",
        "Cadence",       "Tissue response",
    };
    char name[64], path[RMAT_PATH_BUF], title[400];
    const char *fig = rmat_plot_figure_names[which];
    FILE *f;
    int rc;
    /* Maps: square; time series: tall; the others: 4:3. */
    const double w_in = which <= 2 ? 8.0 : 10.0;
    const double h_in = which <= 2 ? 8.0 : which == 3 ? 8.0 : which == 4 ? 5.5 : 8.0;

    /* The PNG's text is the largest of the three formats: 'sans,11' is
     * 11 points at cairo's 96 dots an inch on a figure of 100 pixels an
     * inch, 10.6 points of the figure's inch against the PDF's 8. Text
     * that fits a page 1.25 times smaller than the figure fits all three. */
    v->page_w_in = w_in / 1.25;
    v->page_h_in = h_in / 1.25;
    snprintf(name, sizeof name, "%s.gp", fig);
    snprintf(title, sizeof title, "%s: %s%s", heads[which], v->title_tail,
             v->calibrated ? "" : " (uncalibrated: raw counts)");
    rc = rmat_out_open(v->plot_dir, name, &f, path, ei);
    if (rc != RMAT_OK)
        return rc;
    rmat_gp_figure_begin(f, fig, what[which], w_in, h_in);
    if (which <= 2)
        rmat_fig_map(f, v, (enum rmat_map_kind)which, title, 0, 0, 1, 1);
    else if (which == 3)
        rmat_fig_timeseries(f, v, title, 0, 0, 1, 1);
    else if (which == 4)
        rmat_fig_cadence(f, v, title, 0, 0, 1, 1);
    else
        rmat_fig_tissue(f, v, title, 0, 0, 1, 1);
    rmat_gp_figure_end(f);
    rc = rmat_out_close(f, path, ei);
    if (rc == RMAT_OK)
        rc = rmat_plot_run(name, v->plot_dir, ei);
    return rc;
}

int rmat_plots_session(const char *ana_dir, const char *plot_dir, const struct rmat_log *log,
                       struct rmat_errinfo *ei)
{
    char dir[RMAT_PATH_BUF];
    struct rmat_session_view *v;
    int rc;

    if (!ana_dir)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "plots: no analysis folder");
    if (!plot_dir) {
        rc = rmat_path_join(dir, sizeof dir, ana_dir, "plots", ei);
        if (rc != RMAT_OK)
            return rc;
        plot_dir = dir;
    }
    rc = rmat_events_if_missing(ana_dir, log, ei);
    if (rc != RMAT_OK)
        return rc;
    v = malloc(sizeof *v);
    if (!v)
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "plots: out of memory");
    rc = rmat_session_view_load(v, ana_dir, plot_dir, log, ei);
    for (int k = 0; rc == RMAT_OK && k < RMAT_PLOT_FIGURES; k++)
        rc = write_figure(v, k, ei);
    rmat_session_view_fini(v);
    free(v);
    return rc;
}
