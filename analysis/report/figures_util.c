/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers of the figures, reports and batch runs (figures_int.h): running
 * a program, the fitted line's confidence band, and the common parts of
 * gnuplot scripts. */
#include "figures_int.h"
#include "rollmat/version.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rollmat/numfmt.h"
#include "rollmat/units.h"

/* --- the fitted line's band ---------------------------------------------- */

void rmat_line_from_trend(const double *x, const double *y, size_t n, const struct rmat_trend *t,
                          struct rmat_line *out)
{
    double sx = 0, sy = 0, sxx = 0;
    size_t m = 0;

    memset(out, 0, sizeof *out);
    out->x_lo = INFINITY;
    out->x_hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i]))
            continue;
        sx += x[i];
        sy += y[i];
        m++;
        if (x[i] < out->x_lo)
            out->x_lo = x[i];
        if (x[i] > out->x_hi)
            out->x_hi = x[i];
    }
    out->n = m;
    if (!t->valid || m < 3)
        return;
    out->xbar = sx / (double)m;
    out->ybar = sy / (double)m;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]) && isfinite(y[i]))
            sxx += (x[i] - out->xbar) * (x[i] - out->xbar);
    out->sxx = sxx;
    out->t975 = rmat_student_t_quantile(0.975, (double)(m - 2));
    /* The interval is slope +/- t * se: its half width gives se back. */
    out->se = (t->ci95_high - t->ci95_low) / (2.0 * out->t975);
    out->valid = sxx > 0 && isfinite(out->se);
}

void rmat_line_eval(const struct rmat_line *l, double slope, double x, double *yhat, double *half)
{
    const double dx = x - l->xbar;
    *yhat = l->ybar + slope * dx;
    *half = l->t975 * l->se * sqrt(l->sxx / (double)l->n + dx * dx);
}

/* --- gnuplot ------------------------------------------------------------- */

void rmat_gp_string(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; s && *s; s++) {
        const unsigned char c = (unsigned char)*s;
        if (c == '\'')
            fputs("''", f);
        else
            fputc(c < 0x20 || c == 0x7f ? ' ' : c, f);
    }
    fputc('\'', f);
}

void rmat_gp_viridis(FILE *f)
{
    /* viridis at nine stops: perceptually uniform, monotonic in lightness
     * (it reads in grey too), distinct with colour-vision deficiencies. */
    fputs("set palette defined (0 '#440154', 1 '#472c7a', 2 '#3b518b', 3 '#2c718e', \\\n"
          "  4 '#21908d', 5 '#27ad81', 6 '#5cc863', 7 '#aadc32', 8 '#fde725')\n",
          f);
}

void rmat_gp_reset(FILE *f)
{
    fputs("reset\n"
          "set datafile separator comma\n"
          "set datafile missing 'NaN'\n"
          "set tics out nomirror\n"
          "set border 3\n",
          f);
}

void rmat_gp_panel(FILE *f, double x0, double y0, double w, double h, double ml, double mr,
                   double mb, double mt)
{
    /* Margins at fixed screen positions: panels stacked in a column share
     * their left and right edges whatever their tick labels' widths. */
    fprintf(f,
            "set lmargin at screen %.4f\nset rmargin at screen %.4f\n"
            "set bmargin at screen %.4f\nset tmargin at screen %.4f\n",
            x0 + ml * w, x0 + w - mr * w, y0 + mb * h, y0 + h - mt * h);
}

void rmat_gp_figure_begin(FILE *f, const char *name, const char *what, double w_in, double h_in)
{
    fprintf(f,
            "# %s.gp: %s\n"
            "# Written by rollmat " RMAT_VERSION ". The numbers are all in the data\n"
            "# files beside it; this script only draws them. Restyle freely and re-run\n"
            "# in this folder: gnuplot %s.gp (writes %s.png, %s.svg and %s.pdf).\n\n"
            "set encoding utf8\n"
            "array term[3]\narray out[3]\n",
            name, what, name, name, name, name);
    /* One size in inches for all three, the PNG at 100 pixels an inch, so
     * the three look alike. cairo's PNG draws a font at 96 dots an inch:
     * 11 there is 14.7 pixels, 10.6 points of the figure's inch, a little
     * larger than the PDF's 8 (figures.c lays text out for the larger).
     * pdfcairo draws fonts at 4/3 of their size (fontscale 0.75 makes them
     * points) and thin lines. The emitters name their fonts through
     * titlefont and smallfont, set per format. */
    fprintf(f,
            "term[1] = \"pngcairo size %d,%d noenhanced font 'sans,11'\"\n"
            "term[2] = \"svg size %d,%d dynamic noenhanced font 'sans,11'\"\n"
            "term[3] = \"pdfcairo size %.2fin,%.2fin noenhanced font 'sans,8' fontscale 0.75 "
            "linewidth 1.4\"\n"
            "out[1] = '%s.png'\nout[2] = '%s.svg'\nout[3] = '%s.pdf'\n"
            "array tf[3] = [',14', ',14', ',10']\n"
            "array sf[3] = [',9', ',9', ',6.5']\n\n"
            "do for [i = 1:3] {\n"
            "eval('set terminal ' . term[i])\n"
            "set output out[i]\n"
            "titlefont = tf[i]\n"
            "smallfont = sf[i]\n"
            "set multiplot\n",
            (int)(w_in * 100), (int)(h_in * 100), (int)(w_in * 100), (int)(h_in * 100), w_in, h_in,
            name, name, name);
}

void rmat_gp_figure_end(FILE *f)
{
    fputs("unset multiplot\nset output\n}\n", f);
}

const char *rmat_show(char *buf, double v, int sig)
{
    if (!isfinite(v)) {
        snprintf(buf, RMAT_FMT_BUF, "-");
        return buf;
    }
    rmat_fmt_sig(buf, v, sig);
    return buf;
}

void rmat_local_time(double t, char *buf, size_t cap)
{
    struct tm tm;
    time_t tt;

    if (cap == 0)
        return;
    buf[0] = '\0';
    if (!isfinite(t) || t < -1e15 || t > 1e15)
        return;
    tt = (time_t)floor(t);
    /* localtime_r need not read TZ itself (POSIX): tzset does. */
    tzset();
    if (!localtime_r(&tt, &tm) || strftime(buf, cap, "%Y-%m-%d %H:%M %Z", &tm) == 0)
        buf[0] = '\0';
}

void rmat_gp_dq(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        if (*s == '\n')
            fputs("\\n", f);
        else if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else
            fputc((unsigned char)*s < 0x20 ? ' ' : *s, f);
    }
    fputc('"', f);
}

/* --- units ------------------------------------------------------------------ */

double rmat_summary_num(const struct rmat_json *summary, int calibrated, const char *key)
{
    /* units.h knows quantities, not the paths around them: the quantity
     * of "tissue.compliance_mm3_n.slope_per_min" is its second part. */
    const char *dot = strchr(key, '.');
    const char *q = dot ? dot + 1 : key;
    const char *tail = strchr(q, '.');
    char qbuf[96], path[192];
    const char *name;

    snprintf(qbuf, sizeof qbuf, "%.*s", (int)(tail ? (size_t)(tail - q) : strlen(q)), q);
    name = rmat_units_name(qbuf, calibrated);
    if (!name)
        return NAN;
    snprintf(path, sizeof path, "%.*s%s%s", (int)(dot ? dot - key + 1 : 0), key, name,
             tail ? tail : "");
    if (rmat_json_at(summary, path))
        return rmat_json_num(summary, path);
    /* An analysis written before units.h: counts under the calibrated
     * name. */
    return rmat_json_num(summary, key);
}

int rmat_csv_col_units(const struct rmat_csv *c, const char *name, int calibrated)
{
    const char *u = rmat_units_name(name, calibrated);
    const int col = u ? rmat_csv_col(c, u) : -1;
    return col >= 0 ? col : rmat_csv_col(c, name);
}

/* --- outliers --------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median_sorted(const double *v, size_t n)
{
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The Theil-Sen slope of the m points (x, y): the median of the slopes
 * between pairs of points. Up to 2000 points every pair; beyond, the
 * pairs (i, i + m/2) only (a median of m/2 slopes, still robust to a
 * quarter of the points, and linear in memory). NaN if no pair has two
 * x. */
static double theil_sen(const double *x, const double *y, size_t m)
{
    const size_t pairs = m <= 2000 ? m * (m - 1) / 2 : m / 2;
    double *s = malloc((pairs ? pairs : 1) * sizeof *s), b;
    size_t k = 0;

    if (!s)
        return NAN;
    if (m <= 2000) {
        for (size_t i = 0; i < m; i++)
            for (size_t j = i + 1; j < m; j++)
                if (x[j] != x[i])
                    s[k++] = (y[j] - y[i]) / (x[j] - x[i]);
    } else {
        for (size_t i = 0; i + m / 2 < m; i++)
            if (x[i + m / 2] != x[i])
                s[k++] = (y[i + m / 2] - y[i]) / (x[i + m / 2] - x[i]);
    }
    if (k == 0) {
        free(s);
        return NAN;
    }
    qsort(s, k, sizeof *s, cmp_double);
    b = median_sorted(s, k);
    free(s);
    return b;
}

size_t rmat_outliers_mark(const double *x, const double *y, size_t n, unsigned char *keep)
{
    double *xs = malloc((n ? n : 1) * sizeof *xs), *ys = malloc((n ? n : 1) * sizeof *ys);
    double *r = malloc((n ? n : 1) * sizeof *r);
    size_t m = 0, out = 0;
    double slope, icpt, med_y, mad, scale;

    for (size_t i = 0; i < n; i++)
        keep[i] = isfinite(x[i]) && isfinite(y[i]) ? 1 : 0;
    if (!xs || !ys || !r)
        goto done; /* out of memory: keep everything, as a plain fit would */
    for (size_t i = 0; i < n; i++)
        if (keep[i]) {
            xs[m] = x[i];
            ys[m++] = y[i];
        }
    if (m < 4)
        goto done;
    /* The line the passes are judged against: Theil-Sen, which one pass
     * far off cannot tilt; its intercept the median of y - slope x. */
    slope = theil_sen(xs, ys, m);
    if (!isfinite(slope))
        slope = 0;
    for (size_t i = 0; i < m; i++)
        r[i] = ys[i] - slope * xs[i];
    qsort(r, m, sizeof *r, cmp_double);
    icpt = median_sorted(r, m);
    memcpy(r, ys, m * sizeof *r);
    qsort(r, m, sizeof *r, cmp_double);
    med_y = median_sorted(r, m);
    for (size_t i = 0; i < m; i++)
        r[i] = fabs(ys[i] - icpt - slope * xs[i]);
    qsort(r, m, sizeof *r, cmp_double);
    mad = median_sorted(r, m);
    /* 1.4826 MAD estimates a normal sample's standard deviation. The
     * floor keeps a quantity that hardly varies (a steady speed, read to
     * a tenth of a per cent) from calling every pass an outlier. */
    scale = fmax(1.4826 * mad, RMAT_OUTLIER_MIN_SCALE * fabs(med_y));
    for (size_t i = 0; i < n; i++)
        if (keep[i] && fabs(y[i] - icpt - slope * x[i]) > RMAT_OUTLIER_MADS * scale) {
            keep[i] = 0;
            out++;
        }
done:
    free(xs);
    free(ys);
    free(r);
    return out;
}

const char *rmat_duration_words(char *buf, size_t cap, double s)
{
    if (!isfinite(s)) {
        snprintf(buf, cap, "-");
    } else if (s < 60) {
        snprintf(buf, cap, "%.0f s", s);
    } else if (s < 3600) {
        const long t = lround(s);
        snprintf(buf, cap, "%ld min %02ld s", t / 60, t % 60);
    } else {
        const long t = lround(s / 60);
        snprintf(buf, cap, "%ld h %02ld min", t / 60, t % 60);
    }
    return buf;
}

/* --- the session summary's rows ------------------------------------------- */

const struct rmat_summary_row rmat_summary_rows[] = {
    {"duration_s", "Session length", "T", 0, 0},
    {"contact_s", "Roller on the body", "T", 0, 0},
    {"rolling_s", "  of which rolling", "T", 0, 0},
    {"hold_s", "  of which holding on a spot", "T", 0, 0},
    {"passes", "Passes (strokes one way)", "", 4, 0},
    {"holds", "Holds (staying on one spot)", "", 3, 0},
    {"cadence_cpm", "Rolling rate", "cycles/min", 3, 0},
    {"mean_speed_mm_s", "Rolling speed, mean", "mm/s", 3, 0},
    {"path_mm", "Distance rolled", "mm", 3, 0},
    {"mean_force_n", "Force through the roller, mean", "U", 3, 1},
    {"peak_force_n", "Force through the roller, highest", "U", 3, 1},
    {"mean_force_pct_bw", "Mean force as a share of body weight", "%", 3, 1},
    {"mean_kpa", "Pressure under the roller, mean", "U", 3, 0},
    {"peak_kpa", "Pressure, highest at any point", "U", 3, 0},
    {"mean_area_cm2", "Contact area, mean", "cm²", 3, 0},
    {"mean_width_mm", "Contact width, mean", "mm", 3, 0},
    {"mean_compliance_mm3_n", "Tissue compliance, mean (higher: softer)", "U", 3, 0},
    {"coverage_cm2", "Area of the mat touched", "cm²", 3, 0},
    {"frames", "Frames recorded", "", 7, 0},
    {"frames_lost", "Frames lost on the link", "", 7, 0},
};
const size_t rmat_summary_nrows = sizeof rmat_summary_rows / sizeof rmat_summary_rows[0];

const char *rmat_summary_row_unit(const struct rmat_summary_row *r, int calibrated)
{
    if (r->unit[0] == 'U')
        return rmat_units_label(r->key, calibrated);
    return r->unit[0] == 'T' ? "s" : r->unit;
}

int rmat_summary_row_shown(const struct rmat_summary_row *r, int calibrated)
{
    return rmat_units_name(r->key, calibrated) && !(r->physical && !calibrated);
}

void rmat_summary_row_display(const struct rmat_summary_row *r, double val, int calibrated,
                              char *buf, size_t cap)
{
    const char *unit = rmat_summary_row_unit(r, calibrated);
    char num[RMAT_FMT_BUF];
    if (r->unit[0] == 'T')
        rmat_duration_words(buf, cap, val);
    else if (!strcmp(r->key, "path_mm") && isfinite(val))
        snprintf(buf, cap, "%s m", rmat_show(num, val / 1000, 3));
    else
        snprintf(buf, cap, "%s%s%s", rmat_show(num, val, r->sig),
                 unit[0] && isfinite(val) ? " " : "", isfinite(val) ? unit : "");
}
