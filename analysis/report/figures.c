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
#include "rollmat/reader.h"
#include "rollmat/tissue.h"

const char *const rmat_plot_figure_names[RMAT_PLOT_FIGURES] = {
    "map_peak_kpa", "map_pti_kpa_s", "map_dwell_s", "timeseries", "cadence", "tissue",
};

/* The time series is binned to at most this many rows and the CoP path
 * thinned to about this many points: an hour at 100 Hz would otherwise put
 * 360,000 points into every SVG and PDF, far beyond what a page shows. */
#define TS_MAX_BINS    2000
#define COP_MAX_POINTS 4000
#define FIT_POINTS     60

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
    rmat_unix_to_date(t, v->date, sizeof v->date);
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

struct bin {
    size_t n, n_contact;
    double t, force, force_max, kpa, peak, area;
};

static void bin_reset(struct bin *b)
{
    memset(b, 0, sizeof *b);
    b->force_max = -INFINITY;
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
    const size_t cop_step = n_frames / COP_MAX_POINTS + 1;
    size_t k = 0, cur_bin = 0, in_run = 0;
    double last_x = NAN, last_y = NAN;
    int last_written = 1, rc;
    int ct, cf, ca, cm, cp, cx, cy;

    memset(&c, 0, sizeof c);
    rc = rmat_path_join(path, sizeof path, v->ana_dir, "frames.csv", ei);
    if (rc == RMAT_OK)
        rc = rmat_csv_open(&c, path, ei);
    if (rc == RMAT_OK)
        rc = rmat_out_open(v->plot_dir, "timeseries.csv", &ts, ts_path, ei);
    if (rc == RMAT_OK)
        rc = rmat_out_open(v->plot_dir, "cop_path.csv", &cop, cop_path, ei);
    if (rc != RMAT_OK)
        goto out;
    ct = rmat_csv_col(&c, "t_s");
    cf = rmat_csv_col(&c, "force_n");
    ca = rmat_csv_col(&c, "area_cm2");
    cm = rmat_csv_col(&c, "mean_kpa");
    cp = rmat_csv_col(&c, "peak_kpa");
    cx = rmat_csv_col(&c, "cop_x_mm");
    cy = rmat_csv_col(&c, "cop_y_mm");
    if (ct < 0 || cf < 0 || ca < 0 || cm < 0 || cp < 0 || cx < 0 || cy < 0) {
        rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                              "%s: a column is missing (t_s, force_n, area_cm2, mean_kpa, "
                              "peak_kpa, cop_x_mm, cop_y_mm needed)",
                              path);
        goto out;
    }
    fputs("# t_s,force_n,force_max_n,mean_kpa,peak_kpa,area_cm2\n", ts);
    /* A blank line where contact breaks, so the path is not joined. */
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

        if (isfinite(x) && isfinite(y)) {
            if (in_run % cop_step == 0) {
                fprintf(cop, "%.2f,%.2f\n", x, y);
                v->cop_points++;
                last_written = 1;
            } else {
                last_written = 0;
            }
            last_x = x;
            last_y = y;
            in_run++;
        } else if (in_run > 0) {
            /* The run's last point, so the path reaches where it ended. */
            if (!last_written)
                fprintf(cop, "%.2f,%.2f\n", last_x, last_y);
            fputc('\n', cop);
            in_run = 0;
            last_written = 1;
        }
        k++;
    }
    if (rc < 0)
        goto out;
    bin_write(ts, &b);
    if (in_run > 0 && !last_written)
        fprintf(cop, "%.2f,%.2f\n", last_x, last_y);
    rc = RMAT_OK;
out:
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
        col[q] = rmat_csv_col(&c, pass_cols[q]);
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

    /* The tissue response's points. */
    rc = rmat_out_open(v->plot_dir, "tissue_points.csv", &f, out_path, ei);
    if (rc != RMAT_OK)
        goto out;
    fputs("# pass,t_min,mean_kpa,width_mm,compliance_mm3_n,speed_mm_s\n", f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%zu,", i + 1);
        put_num(f, x[i]);
        for (int q = 0; q < RMAT_TISSUE_Q; q++) {
            fputc(',', f);
            put_num(f, y[q][i]);
        }
        fputc('\n', f);
    }
    rc = rmat_out_close(f, out_path, ei);
    f = NULL;
    if (rc != RMAT_OK)
        goto out;

    /* Lines and bands: least squares against pass start time in minutes,
     * as the summary's tissue response (tissue.h), at least
     * RMAT_TISSUE_MIN_PASSES passes. */
    v->tissue_x_lo = INFINITY;
    v->tissue_x_hi = -INFINITY;
    for (int q = 0; q < RMAT_TISSUE_Q; q++) {
        struct rmat_tissue_line *tl = &v->tissue[q];
        char key[96];
        double y0, h0;
        tl->key = keys[q];
        tl->label = labels[q];
        tl->unit = q == 0   ? v->units
                   : q == 1 ? "mm"
                   : q == 2 ? (v->calibrated ? "mm³/N" : "uncalibrated")
                            : "mm/s";
        rmat_trend_fit(x, y[q], n, RMAT_TISSUE_MIN_PASSES, &tl->fit);
        rmat_line_from_trend(x, y[q], n, &tl->fit, &tl->line);
        snprintf(key, sizeof key, "tissue.%s.slope_per_min", keys[q]);
        tl->summary_slope = rmat_json_num(v->summary, key);
        snprintf(key, sizeof key, "tissue.%s.ci95_low", keys[q]);
        tl->summary_lo = rmat_json_num(v->summary, key);
        snprintf(key, sizeof key, "tissue.%s.ci95_high", keys[q]);
        tl->summary_hi = rmat_json_num(v->summary, key);
        snprintf(key, sizeof key, "tissue.%s.change_pct", keys[q]);
        tl->summary_change_pct = rmat_json_num(v->summary, key);
        tl->span_change_pct = tl->span_change_lo = tl->span_change_hi = NAN;
        if (tl->line.valid) {
            const double span = tl->line.x_hi - tl->line.x_lo;
            rmat_line_eval(&tl->line, tl->fit.slope, tl->line.x_lo, &y0, &h0);
            if (y0 != 0) {
                tl->span_change_pct = 100.0 * tl->summary_slope * span / y0;
                tl->span_change_lo = 100.0 * tl->summary_lo * span / y0;
                tl->span_change_hi = 100.0 * tl->summary_hi * span / y0;
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
        fprintf(f, ",%s_fit,%s_lo,%s_hi", keys[q], keys[q], keys[q]);
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
                    rmat_line_eval(&tl->line, tl->fit.slope, xi, &yh, &h);
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
          "session_change_pct,session_change_lo_pct,session_change_hi_pct\n",
          f);
    for (int q = 0; q < RMAT_TISSUE_Q; q++) {
        const struct rmat_tissue_line *tl = &v->tissue[q];
        const double vals[] = {tl->fit.slope,       tl->fit.ci95_low,   tl->fit.ci95_high,
                               tl->fit.r2,          tl->fit.change_pct, tl->summary_slope,
                               tl->summary_lo,      tl->summary_hi,     tl->summary_change_pct,
                               tl->span_change_pct, tl->span_change_lo, tl->span_change_hi};
        fprintf(f, "%s,", tl->key);
        rmat_csv_put(f, tl->unit);
        fprintf(f, ",%zu", tl->fit.n);
        for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
            fputc(',', f);
            put_num(f, tl->fit.valid || i >= 5 ? vals[i] : NAN);
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
    for (int q = 0; q < RMAT_TISSUE_Q; q++)
        free(y[q]);
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
    copy_str(v->units, sizeof v->units, rmat_json_str(v->summary, "units"));
    if (!v->units[0])
        copy_str(v->units, sizeof v->units, "kPa");
    v->calibrated = rmat_json_bool(v->summary, "calibrated") == 1;
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
    return rc;
}

void rmat_session_view_fini(struct rmat_session_view *v)
{
    if (!v)
        return;
    rmat_json_free(v->summary);
    v->summary = NULL;
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

/* A gnuplot double-quoted string, where \n is a line break. */
static void put_gp_dq(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '\n')
            fputs("\\n", f);
        else if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else
            fputc((unsigned char)*s < 0x20 ? ' ' : *s, f);
    }
    fputc('"', f);
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

/* An empty plot whose key is the legend of a figure, in a row of its own. */
static void legend_row_begin(FILE *f, double x0, double y0, double w, double h)
{
    rmat_gp_reset(f);
    fputs("unset border\nunset tics\n", f);
    rmat_gp_panel(f, x0, y0, w, h, 0.0, 0.0, 0.0, 0.0);
    fprintf(f,
            "set xrange [0:1]\nset yrange [0:1]\n"
            "set key at screen %.4f, screen %.4f center center horizontal maxrows 1 "
            "samplen 2.5 width 1\n"
            "set style fill transparent solid 0.3 noborder\n",
            x0 + w / 2, y0 + h / 2);
}

void rmat_fig_map(FILE *f, const struct rmat_session_view *v, enum rmat_map_kind k,
                  const char *title, double x0, double y0, double w, double h)
{
    static const char *const files[] = {"map_peak_kpa.csv", "map_pti_kpa_s.csv", "map_dwell_s.csv"};
    char cb[64];

    if (k == RMAT_MAP_PEAK)
        snprintf(cb, sizeof cb, "peak pressure (%s)", v->units);
    else if (k == RMAT_MAP_PTI)
        snprintf(cb, sizeof cb, "pressure-time integral (%s·s)", v->units);
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
 * ends with ", \" so the panel's own lines follow. */
static void ts_background(FILE *f, const struct rmat_session_view *v, int top)
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
    if (top && v->holds)
        fputs("'holds_spans.csv' using 2:(Y * 0.93):5 with labels left offset 0.4,0 "
              "font smallfont notitle, \\\n  ",
              f);
    if (top && v->n_marks)
        /* below the hold labels (at 0.93), so an event in a hold does not
         * write over it */
        fputs("'events_marks.csv' using 1:(Y * 0.86):3 with labels rotate by 90 right "
              "offset -0.7,0 font smallfont notitle, \\\n  ",
              f);
    if (top && v->n_pain)
        fputs("'events_pain.csv' using 1:(Y * 0.86):3 with labels rotate by 90 right "
              "offset -0.7,0 font smallfont tc rgb '" RMAT_OI_PURPLE "' notitle, \\\n  ",
              f);
}

static void ts_panel(FILE *f, const struct rmat_session_view *v, double x0, double y0, double w,
                     double h, double ytop, int top, int bottom, const char *ylabel,
                     const char *series)
{
    rmat_gp_reset(f);
    rmat_gp_panel(f, x0, y0, w, h, 0.09, 0.03, bottom ? 0.25 : 0.04, 0.04);
    fprintf(f, "set xrange [0:%.6g]\nset yrange [0:%.6g]\nY = %.6g\n", v->duration_s, ytop, ytop);
    fputs("set ylabel ", f);
    rmat_gp_string(f, ylabel);
    fputc('\n', f);
    fputs(bottom ? "set xlabel 'time since the first frame (s)'\n" : "set format x ''\n", f);
    fputs("set grid ytics lc rgb '#dddddd'\n"
          "set style fill transparent solid 0.25 noborder\n"
          "set key inside right top opaque samplen 2 font smallfont\n",
          f);
    ts_background(f, v, top);
    fputs(series, f);
}

void rmat_fig_timeseries(FILE *f, const struct rmat_session_view *v, const char *title, double x0,
                         double y0, double w, double h)
{
    char ylab[64];
    const double th = title && *title ? 0.06 * h : 0;
    const double kh = 0.05 * h;
    const double ph = (h - th - kh) / 3.0;

    if (th > 0)
        title_row(f, title, x0, y0 + h - th, w, th);
    legend_row_begin(f, x0, y0 + h - th - kh, w, kh);
    fputs("plot NaN with boxes fc rgb '" RMAT_OI_SKYBLUE "' title 'pass, one way', \\\n"
          "  NaN with boxes fc rgb '#a0a0a0' title 'pass, back', \\\n"
          "  NaN with boxes fc rgb '#F5D58E' fs solid 1.0 title 'hold', \\\n"
          "  NaN with lines lw 1.5 dt 2 lc rgb '" RMAT_OI_BLACK "' title 'mark or note', \\\n"
          "  NaN with lines lw 2 lc rgb '" RMAT_OI_PURPLE "' title 'pain rating (0-10)', \\\n"
          "  NaN with lines lw 2 lc rgb '" RMAT_OI_VERMILLION
          "' title 'gap (frames lost, ticks at the bottom)'\n",
          f);
    snprintf(ylab, sizeof ylab, "force (%s)", v->calibrated ? "N" : "uncalibrated");
    ts_panel(f, v, x0, y0 + 2 * ph, w, ph, nice_top(v->ymax_force), 1, 0, ylab,
             "'timeseries.csv' using 1:2 with lines lw 1.5 lc rgb '" RMAT_OI_BLUE
             "' title 'force'\n");
    snprintf(ylab, sizeof ylab, "pressure (%s)", v->units);
    ts_panel(f, v, x0, y0 + ph, w, ph, nice_top(v->ymax_kpa), 0, 0, ylab,
             "'timeseries.csv' using 1:5 with lines lw 1.5 lc rgb '" RMAT_OI_VERMILLION
             "' title 'peak pressure', \\\n"
             "  '' using 1:4 with lines lw 1.5 lc rgb '" RMAT_OI_BLUE "' title 'mean pressure'\n");
    ts_panel(f, v, x0, y0, w, ph + 0.0, nice_top(v->ymax_area), 0, 1, "contact area (cm²)",
             "'timeseries.csv' using 1:6 with lines lw 1.5 lc rgb '" RMAT_OI_GREEN
             "' title 'contact area'\n");
}

void rmat_fig_cadence(FILE *f, const struct rmat_session_view *v, const char *title, double x0,
                      double y0, double w, double h)
{
    const double lo_cpm = 60 * rmat_json_num(v->summary, "parameters.cadence_band_lo_hz");

    rmat_gp_reset(f);
    rmat_gp_panel(f, x0, y0, w, h, 0.1, 0.04, 0.16, title && *title ? 0.13 : 0.05);
    if (title && *title) {
        fputs("set title ", f);
        rmat_gp_string(f, title);
        fputs(" font titlefont\n", f);
    }
    fputs("set xlabel 'rolling rate (cycles/min; a cycle is a pass each way)'\n"
          "set ylabel 'relative power'\n"
          "set key inside right top samplen 2\n"
          "set grid xtics lc rgb '#dddddd'\n",
          f);
    fprintf(f, "set xrange [0:%.6g]\nset yrange [0:1.15]\n", v->spec_xmax_cpm);
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
              "' title 'power spectrum of the rolling position'\n",
              f);
        return;
    }
    fputs("plot 'spectrum.csv' using 2:3 with lines lw 2 lc rgb '" RMAT_OI_BLUE
          "' title 'spectrum of the rolling position', \\\n"
          "  'cadence_peak.csv' using 1:(0):(0):3 with vectors nohead lw 2 dt 2 lc rgb "
          "'" RMAT_OI_VERMILLION "' title 'cadence: the largest peak', \\\n"
          "  '' using 1:3:4 with labels left offset 1,0.6 tc rgb '" RMAT_OI_VERMILLION
          "' notitle\n",
          f);
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
    const double th = title && *title ? 0.06 * h : 0;
    const double kh = 0.05 * h;
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
        put_gp_dq(f, t);
        fputs("\nset xlabel 'time (min)'\nset ylabel ", f);
        rmat_gp_string(f, ylab);
        fputs("\nunset key\nset grid lc rgb '#e5e5e5'\n"
              "set offsets 0, 0, graph 0.12, graph 0.12\n",
              f);
        if (isfinite(v->tissue_x_lo) && v->tissue_x_hi >= v->tissue_x_lo)
            fprintf(f, "set xrange [%.6g:%.6g]\n", v->tissue_x_lo - pad, v->tissue_x_hi + pad);
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
                "' notitle\n",
                fcol + 1, fcol + 2, fcol, col);
    }
    legend_row_begin(f, x0, y0, w, kh);
    fputs("plot NaN with points pt 7 ps 0.7 lc rgb '" RMAT_OI_BLUE "' title 'one pass', \\\n"
          "  NaN with lines lw 2 lc rgb '" RMAT_OI_VERMILLION "' title 'least-squares line', \\\n"
          "  NaN with boxes fc rgb '" RMAT_OI_VERMILLION
          "' fs transparent solid 0.2 title '95% confidence band of the line'\n",
          f);
}

/* --- standalone figures --------------------------------------------------- */

static int write_figure(const struct rmat_session_view *v, int which, struct rmat_errinfo *ei)
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
