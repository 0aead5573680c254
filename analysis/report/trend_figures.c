/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The trend figure and the words that describe a trend (figures_int.h,
 * trend.h): what the trend analysis (analysis/trend.c) computed, drawn. */
#include "rollmat/trend.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "figures_int.h"
#include "rollmat/figures.h"
#include "rollmat/gnuplot.h"
#include "rollmat/numfmt.h"

/* A number for gnuplot's data files: 10 significant digits (as many as
 * sessions.csv has), NaN where there is none. */
static void put_num_or_nan(FILE *f, double v)
{
    char buf[RMAT_FMT_BUF];
    if (isfinite(v)) {
        rmat_fmt_sig(buf, v, 10);
        fputs(buf, f);
    } else {
        fputs("NaN", f);
    }
}

/* --- the trend figure ------------------------------------------------------ */

static const char *const metric_labels[RMAT_TREND_METRICS] = {
    "Mean pressure under the roller", "Peak pressure", "Tissue compliance (softness)",
    "Time holding on spots",          "Time rolling",  "Rolling rate (cadence)",
    "Pain rating (session mean)",
};

static const char *const metric_short[RMAT_TREND_METRICS] = {
    "mean pressure", "peak pressure", "compliance", "holding", "rolling", "cadence", "pain",
};

int rmat_trend_group_data(const struct rmat_trend_set *t, size_t gi, const char *plot_dir,
                          char *key, size_t key_cap, struct rmat_errinfo *ei)
{
    const struct rmat_trend_group *g = &t->g[gi];
    char name[300], path[RMAT_PATH_BUF];
    FILE *f;
    double lo = INFINITY, hi = -INFINITY;
    int rc;

    rmat_trend_group_key(g, key, key_cap);
    snprintf(name, sizeof name, "trend_%s.csv", key);
    rc = rmat_out_open(plot_dir, name, &f, path, ei);
    if (rc != RMAT_OK)
        return rc;
    fputs("# id,date,week", f);
    for (int m = 0; m < RMAT_TREND_METRICS; m++)
        fprintf(f, ",%s", rmat_trend_metric_names[m]);
    fputc('\n', f);
    for (size_t k = 0; k < g->n; k++) {
        const struct rmat_session_row *r = &t->sessions->rows[g->row[k]];
        char date[16];
        rmat_unix_to_date(r->t_unix, date, sizeof date);
        rmat_csv_put(f, r->id);
        fprintf(f, ",%s,", date);
        put_num_or_nan(f, g->week[k]);
        for (int m = 0; m < RMAT_TREND_METRICS; m++) {
            fputc(',', f);
            put_num_or_nan(f, rmat_trend_value(r, m));
        }
        fputc('\n', f);
        if (g->week[k] < lo)
            lo = g->week[k];
        if (g->week[k] > hi)
            hi = g->week[k];
    }
    rc = rmat_out_close(f, path, ei);
    if (rc != RMAT_OK)
        return rc;

    /* The fitted lines and their 95% bands, sampled for drawing. */
    snprintf(name, sizeof name, "trend_%s_fit.csv", key);
    rc = rmat_out_open(plot_dir, name, &f, path, ei);
    if (rc != RMAT_OK)
        return rc;
    fputs("# week", f);
    for (int m = 0; m < RMAT_TREND_METRICS; m++)
        fprintf(f, ",%s_fit,%s_lo,%s_hi", rmat_trend_metric_names[m], rmat_trend_metric_names[m],
                rmat_trend_metric_names[m]);
    fputc('\n', f);
    if (hi > lo) {
        struct rmat_line lines[RMAT_TREND_METRICS];
        double *ys = malloc(g->n * sizeof *ys);
        if (!ys) {
            fclose(f);
            return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "trends: out of memory");
        }
        for (int m = 0; m < RMAT_TREND_METRICS; m++) {
            for (size_t k = 0; k < g->n; k++)
                ys[k] = rmat_trend_value(&t->sessions->rows[g->row[k]], m);
            rmat_line_from_trend(g->week, ys, g->n, &g->m[m].fit, &lines[m]);
        }
        free(ys);
        for (int i = 0; i <= 50; i++) {
            const double x = lo + (hi - lo) * i / 50.0;
            put_num_or_nan(f, x);
            for (int m = 0; m < RMAT_TREND_METRICS; m++) {
                double yh = NAN, h = NAN;
                if (lines[m].valid)
                    rmat_line_eval(&lines[m], g->m[m].fit.slope, x, &yh, &h);
                fputc(',', f);
                put_num_or_nan(f, yh);
                fputc(',', f);
                put_num_or_nan(f, yh - h);
                fputc(',', f);
                put_num_or_nan(f, yh + h);
            }
            fputc('\n', f);
        }
    }
    return rmat_out_close(f, path, ei);
}

/* v with the decimals that values of the size scale get at three
 * significant digits (900 -> 0, 38 -> 1, 1.5 -> 2), so a slope reads on the
 * values' own scale; no "-0". */
static void fmt_on_scale(char *buf, size_t cap, double v, double scale, int plus)
{
    int dec = 2;
    if (isfinite(scale) && scale > 0)
        dec = 2 - (int)floor(log10(scale));
    if (dec < 0)
        dec = 0;
    if (dec > 6)
        dec = 6;
    const double p = pow(10.0, dec);
    double r = round(v * p) / p;
    if (r == 0)
        r = 0; /* -0.0 prints as 0 */
    snprintf(buf, cap, plus && r > 0 ? "+%.*f" : "%.*f", dec, r);
}

/* The largest |value| of metric m in group g. */
static double metric_scale(const struct rmat_trend_set *t, const struct rmat_trend_group *g, int m)
{
    double s = 0;
    for (size_t k = 0; k < g->n; k++) {
        const double v = fabs(rmat_trend_value(&t->sessions->rows[g->row[k]], m));
        if (isfinite(v) && v > s)
            s = v;
    }
    return s;
}

void rmat_trend_note(const struct rmat_trend_set *t, size_t gi, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", gi < t->n ? t->g[gi].note : "");
}

/* "+41 mm³/N a week (95% CI 35 to 46)" or why there is none. */
void rmat_trend_phrase(const struct rmat_trend_set *t, const struct rmat_trend_group *g, int m,
                       const char *note, char *buf, size_t cap)
{
    const struct rmat_trend_metric *tm = &g->m[m];
    const double scale = metric_scale(t, g, m);
    char a[48], b[48], c[48];
    if (tm->n == 0) {
        snprintf(buf, cap, "no values");
        return;
    }
    if (note && note[0]) {
        snprintf(buf, cap, "too early for a trend");
        return;
    }
    if (!tm->fit.valid) {
        snprintf(buf, cap, "%zu session%s with a value: too few for a trend", tm->n,
                 tm->n == 1 ? "" : "s");
        return;
    }
    fmt_on_scale(a, sizeof a, tm->fit.slope, scale, 1);
    fmt_on_scale(b, sizeof b, tm->fit.ci95_low, scale, 0);
    fmt_on_scale(c, sizeof c, tm->fit.ci95_high, scale, 0);
    /* a rating's slope is in points of its 0-10 scale */
    snprintf(buf, cap, "%s %s a week (95%% CI %s to %s)", a,
             strcmp(rmat_trend_metric_unit(t, g, m), "0-10") ? rmat_trend_metric_unit(t, g, m)
                                                             : "points",
             b, c);
}

void rmat_trend_slope_text(const struct rmat_trend_set *t, const struct rmat_trend_group *g, int m,
                           const char *note, char *buf, size_t cap)
{
    const struct rmat_trend_metric *tm = &g->m[m];
    const double scale = metric_scale(t, g, m);
    char a[48], b[48], c[48];
    if (!tm->fit.valid || (note && note[0])) {
        snprintf(buf, cap, "-");
        return;
    }
    fmt_on_scale(a, sizeof a, tm->fit.slope, scale, 1);
    fmt_on_scale(b, sizeof b, tm->fit.ci95_low, scale, 0);
    fmt_on_scale(c, sizeof c, tm->fit.ci95_high, scale, 0);
    snprintf(buf, cap, "%s (%s to %s)", a, b, c);
}

const char *rmat_trend_metric_label(int m)
{
    return m >= 0 && m < RMAT_TREND_METRICS ? metric_labels[m] : "";
}

void rmat_fig_trend(FILE *f, const struct rmat_trend_set *t, size_t gi, const char *key,
                    const char *title, const char *note, double x0, double y0, double w, double h)
{
    const struct rmat_trend_group *g = &t->g[gi];
    const int has_note = note && note[0];
    const double th = (title && *title ? 0.05 * h : 0) + (has_note ? 0.03 * h : 0);
    const double ph = (h - th) / 4, pw = w / 2;
    const double span_w = g->n ? g->week[g->n - 1] - g->week[0] : 0;
    /* The time axis in a unit the span reads in: sessions an hour apart
     * on an axis of weeks read "1e-05 weeks". */
    const double days = 7 * span_w;
    const double per_week = days >= 14 ? 1 : days >= 1 ? 7 : 168;
    const char *unit = days >= 14 ? "weeks" : days >= 1 ? "days" : "hours";
    const double span = span_w * per_week;
    const double pad = span > 0 ? 0.05 * span : 0.5;
    const double x_lo = (g->n ? g->week[0] * per_week : 0) - pad;
    const double x_hi = (g->n ? g->week[g->n - 1] * per_week : 0) + pad;
    char d0[48];

    rmat_local_time(g->t0_unix, d0, sizeof d0);
    if (th > 0) {
        rmat_gp_reset(f);
        fputs("unset border\nunset tics\nunset key\n", f);
        fprintf(f, "set origin %.4f,%.4f\nset size %.4f,%.4f\n", x0, y0 + h - th, w, th);
        fputs("set lmargin 0\nset rmargin 0\nset tmargin 0\nset bmargin 0\n", f);
        if (title && *title) {
            fputs("set label 1 ", f);
            rmat_gp_string(f, title);
            fprintf(f, " at graph 0.5, graph %s center font titlefont\n", has_note ? "0.7" : "0.5");
        }
        if (has_note) {
            /* why there is no line, where the eye starts */
            fputs("set label 2 ", f);
            rmat_gp_string(f, note);
            fputs(" at graph 0.5, graph 0.2 center tc rgb '" RMAT_OI_VERMILLION "'\n", f);
        }
        fputs("plot [0:1][0:1] NaN notitle\n", f);
    }
    for (int m = 0; m < RMAT_TREND_METRICS; m++) {
        const int row = m / 2, col = m % 2;
        const double px = x0 + col * pw, py = y0 + h - th - (row + 1) * ph;
        const int line = g->m[m].fit.valid && !has_note;
        char phrase[160], ylab[96], xlab[96];
        rmat_gp_reset(f);
        rmat_gp_panel(f, px, py, pw, ph, 0.17, 0.04, 0.22, 0.24);
        rmat_trend_phrase(t, g, m, note, phrase, sizeof phrase);
        fputs("set title ", f);
        {
            /* label and phrase on two lines (a double-quoted string) */
            char tt[300];
            snprintf(tt, sizeof tt, "%s\n%s", metric_labels[m], phrase);
            rmat_gp_dq(f, tt);
        }
        snprintf(ylab, sizeof ylab, "%s (%s)", metric_short[m], rmat_trend_metric_unit(t, g, m));
        snprintf(xlab, sizeof xlab, "%s since %s", unit, d0);
        fputs(" font smallfont\nset ylabel ", f);
        rmat_gp_string(f, ylab);
        fputs("\nset xlabel ", f);
        rmat_gp_string(f, xlab);
        fprintf(f, "\nunset key\nset grid lc rgb '#e5e5e5'\nset xrange [%.6g:%.6g]\n\n", x_lo,
                x_hi);
        if (m == 6) {
            fputs("set yrange [0:10]\n", f);
        } else {
            /* At least +/-10% of the values' size: a trend of a hundredth
             * of a percent must not fill the panel as if it mattered. */
            double lo = INFINITY, hi = -INFINITY;
            struct rmat_line ln;
            double *ys = malloc((g->n ? g->n : 1) * sizeof *ys);
            if (ys) {
                for (size_t k = 0; k < g->n; k++) {
                    ys[k] = rmat_trend_value(&t->sessions->rows[g->row[k]], m);
                    if (isfinite(ys[k])) {
                        lo = fmin(lo, ys[k]);
                        hi = fmax(hi, ys[k]);
                    }
                }
                rmat_line_from_trend(g->week, ys, g->n, &g->m[m].fit, &ln);
                for (size_t k = 0; line && ln.valid && k < g->n; k++) {
                    double yh, hw;
                    rmat_line_eval(&ln, g->m[m].fit.slope, g->week[k], &yh, &hw);
                    lo = fmin(lo, yh - hw);
                    hi = fmax(hi, yh + hw);
                }
                free(ys);
            }
            if (isfinite(lo) && isfinite(hi)) {
                const double mid = (lo + hi) / 2, size = fmax(fabs(mid), 1e-9);
                double half = fmax((hi - lo) / 2 * 1.15, 0.1 * size);
                if (half < 1e-6)
                    half = 1; /* all zero */
                const int nonneg = lo >= 0;
                lo = mid - half;
                hi = mid + half;
                if (nonneg && lo < 0)
                    lo = 0; /* values that cannot be negative */
                fprintf(f, "set yrange [%.6g:%.6g]\n", lo, hi);
            }
        }
        if (g->m[m].n == 0) {
            fputs("set label 1 'no values' at graph 0.5, graph 0.5 center\n"
                  "set yrange [0:1]\nplot NaN notitle\n",
                  f);
            continue;
        }
        if (line)
            fprintf(f,
                    "plot 'trend_%s_fit.csv' using ($1 * %g):%d:%d with filledcurves fc rgb "
                    "'" RMAT_OI_VERMILLION "' fs transparent solid 0.2 noborder notitle, \\\n"
                    "  '' using ($1 * %g):%d with lines lw 2 lc rgb '" RMAT_OI_VERMILLION
                    "' notitle, \\\n  ",
                    key, per_week, 3 + 3 * m, 4 + 3 * m, per_week, 2 + 3 * m);
        else
            fputs("plot ", f);
        /* Without a trend, the points alone: a line joining them would
         * read as one. */
        fprintf(f,
                "'trend_%s.csv' using ($3 * %g):%d with %s pt 7 ps 0.9 lc rgb '" RMAT_OI_BLUE
                "' notitle\n",
                key, per_week, 4 + m, line ? "linespoints lw 1 dt 3" : "points");
    }
    /* The eighth cell: what the marks mean. */
    rmat_gp_reset(f);
    fputs("unset border\nunset tics\n", f);
    rmat_gp_panel(f, x0 + pw, y0 + h - th - 4 * ph, pw, ph, 0.1, 0.05, 0.1, 0.1);
    /* Text left-aligned after its sample (Left reverse): right-aligned,
     * gnuplot left the key out of a cell this narrow. */
    fputs("set xrange [0:1]\nset yrange [0:1]\n"
          "set style fill transparent solid 0.2 noborder\n"
          "set key inside left top vertical Left reverse samplen 2.5 spacing 1.3\n"
          "set label 1 'A line needs 3 or more sessions over 7 days or more.' at graph 0.02, "
          "graph 0.3 left font smallfont tc rgb '#555555'\n"
          "plot NaN with points pt 7 ps 0.9 lc rgb '" RMAT_OI_BLUE "' title 'one session', \\\n"
          "  NaN with lines lw 2 lc rgb '" RMAT_OI_VERMILLION "' title 'least-squares line', \\\n"
          "  NaN with boxes fc rgb '" RMAT_OI_VERMILLION
          "' title '95% confidence band of the line'\n",
          f);
}

int rmat_trends_plot(const struct rmat_trend_set *t, const char *plot_dir, struct rmat_errinfo *ei)
{
    int rc = rmat_mkdirs(plot_dir, ei);
    for (size_t i = 0; rc == RMAT_OK && i < t->n; i++) {
        const struct rmat_trend_group *g = &t->g[i];
        char key[200], name[260], fig[220], path[RMAT_PATH_BUF], title[300], side[40] = "";
        char note[300];
        FILE *f;
        rc = rmat_trend_group_data(t, i, plot_dir, key, sizeof key, ei);
        if (rc != RMAT_OK)
            break;
        snprintf(fig, sizeof fig, "trend_%s", key);
        snprintf(name, sizeof name, "%s.gp", fig);
        if (g->side[0] && strcmp(g->side, "none") != 0)
            snprintf(side, sizeof side, " (%s)", g->side);
        snprintf(title, sizeof title, "Trends across sessions: %s, %s%s, %zu session%s",
                 g->subject[0] ? g->subject : "subject not given",
                 g->region[0] ? g->region : "region not given", side, g->n, g->n == 1 ? "" : "s");
        rc = rmat_out_open(plot_dir, name, &f, path, ei);
        if (rc != RMAT_OK)
            break;
        rmat_gp_figure_begin(f, fig,
                             "the session values of one subject, region and side "
                             "against the date, with least-squares lines",
                             10.0, 11.0);
        /* (trend.json is not at hand here: the note follows the same
         * rule.) */
        rmat_trend_note(t, i, note, sizeof note);
        rmat_fig_trend(f, t, i, key, title, note, 0, 0, 1, 1);
        rmat_gp_figure_end(f);
        rc = rmat_out_close(f, path, ei);
        if (rc == RMAT_OK)
            rc = rmat_plot_run(name, plot_dir, ei);
    }
    return rc;
}

/* --- the tender spots' map ------------------------------------------------- */

/* "7→3", "3" (one session with a rating) or "" (none): a spot's pain from
 * its first rated session to its last. */
static void pain_trend_label(char *buf, size_t cap, const struct rmat_spot *s)
{
    char a[RMAT_FMT_BUF], b[RMAT_FMT_BUF];
    if (!isfinite(s->pain_first.pain))
        snprintf(buf, cap, "%s", "");
    else if (s->pain_first.session == s->pain_last.session)
        snprintf(buf, cap, "%s", rmat_show(a, s->pain_first.pain, 2));
    else
        snprintf(buf, cap, "%s\xe2\x86\x92%s", rmat_show(a, s->pain_first.pain, 2),
                 rmat_show(b, s->pain_last.pain, 2));
}

int rmat_spots_map_data(const struct rmat_trend_set *t, size_t gi, const char *plot_dir,
                        const char *key, struct rmat_errinfo *ei)
{
    const struct rmat_trend_group *g = &t->g[gi];
    char name[300], path[RMAT_PATH_BUF];
    FILE *f;
    int rc;

    snprintf(name, sizeof name, "spots_%s.csv", key);
    rc = rmat_out_open(plot_dir, name, &f, path, ei);
    if (rc != RMAT_OK)
        return rc;
    fputs("# spot,dx_mm,dy_mm,pain_last,rated,pain_label\n", f);
    for (size_t k = 0; k < g->n_spots; k++) {
        const struct rmat_spot *s = &g->spots[k];
        char label[64];
        pain_trend_label(label, sizeof label, s);
        fprintf(f, "%zu,", k + 1);
        put_num_or_nan(f, s->dx_mm);
        fputc(',', f);
        put_num_or_nan(f, s->dy_mm);
        fputc(',', f);
        put_num_or_nan(f, s->pain_last.pain);
        fprintf(f, ",%d,", isfinite(s->pain_last.pain) ? 1 : 0);
        rmat_csv_put(f, label);
        fputc('\n', f);
    }
    return rmat_out_close(f, path, ei);
}

void rmat_fig_spots(FILE *f, const struct rmat_trend_set *t, size_t gi, const char *key,
                    double page_w_in, double page_h_in, double x0, double y0, double w, double h)
{
    const struct rmat_trend_group *g = &t->g[gi];
    const double r = t->spot_radius_mm;
    const int outline = isfinite(g->mat_w_mm) && isfinite(g->mat_h_mm);
    double xl = INFINITY, xh = -INFINITY, yl = INFINITY, yh = -INFINITY;
    /* Room for the axes' labels (left, bottom) and the colour key (right),
     * in screen fractions of the area given. */
    const double ml = 0.11, mr = 0.2, mb = 0.1, mt = 0.04;

    /* The mat's outline if known, and every spot with its circle and its
     * trend label (to the right of the circle) inside the ranges. */
    if (outline) {
        xl = -g->mat_w_mm / 2;
        xh = g->mat_w_mm / 2;
        yl = -g->mat_h_mm / 2;
        yh = g->mat_h_mm / 2;
    }
    for (size_t k = 0; k < g->n_spots; k++) {
        xl = fmin(xl, g->spots[k].dx_mm - r);
        xh = fmax(xh, g->spots[k].dx_mm + 2.5 * r);
        yl = fmin(yl, g->spots[k].dy_mm - r);
        yh = fmax(yh, g->spots[k].dy_mm + r);
    }
    if (!(xh > xl) || !(yh > yl)) {
        xl = yl = -100;
        xh = yh = 100;
    }
    {
        const double pad = 0.04 * fmax(xh - xl, yh - yl);
        xl -= pad;
        xh += pad;
        yl -= pad;
        yh += pad;
    }
    /* One millimetre the same length across and down (the circles round):
     * the plot area is the largest of the data's shape that fits. */
    double aw = (1 - ml - mr) * w * page_w_in, ah = (1 - mb - mt) * h * page_h_in;
    const double scale = fmin(aw / (xh - xl), ah / (yh - yl));
    aw = scale * (xh - xl) / page_w_in;
    ah = scale * (yh - yl) / page_h_in;
    const double left = x0 + ml * w, bottom = y0 + h - mt * h - ah;

    rmat_gp_reset(f);
    fprintf(f,
            "set lmargin at screen %.4f\nset rmargin at screen %.4f\n"
            "set bmargin at screen %.4f\nset tmargin at screen %.4f\n",
            left, left + aw, bottom, bottom + ah);
    fputs("set border 15\nunset key\nset grid lc rgb '#eeeeee'\n", f);
    /* y grows down the mat, as in the maps: drawn downwards, "above" up */
    fprintf(f, "set xrange [%.6g:%.6g]\nset yrange [%.6g:%.6g]\n", xl, xh, yh, yl);
    fputs("set xlabel 'across the mat from its centre (mm): right is +'\n"
          "set ylabel 'down the mat from its centre (mm): below is +'\n",
          f);
    if (outline) {
        char a[RMAT_FMT_BUF], b[RMAT_FMT_BUF], lab[128];
        fprintf(f,
                "set object 1 rect from %.6g,%.6g to %.6g,%.6g fs empty border lc rgb '#777777' "
                "dt 2 lw 1 back\n",
                -g->mat_w_mm / 2, -g->mat_h_mm / 2, g->mat_w_mm / 2, g->mat_h_mm / 2);
        snprintf(lab, sizeof lab, "the mat's edge (%s x %s mm)", rmat_show(a, g->mat_w_mm, 3),
                 rmat_show(b, g->mat_h_mm, 3));
        fputs("set label 1 ", f);
        rmat_gp_string(f, lab);
        fprintf(f, " at %.6g,%.6g left offset 0.5,-0.8 font smallfont tc rgb '#777777'\n",
                -g->mat_w_mm / 2, -g->mat_h_mm / 2);
    }
    /* the centre, which the positions are measured from */
    fputs("set label 2 '+' at 0,0 center tc rgb '#777777'\n", f);
    /* Pain from pale (0) to dark red (10): light enough at 10 for the
     * spot's black number to read on it. */
    fputs("set palette defined (0 '#ffffcc', 3 '#fed976', 6 '#fd8d3c', 8 '#f03b20', "
          "10 '#d7301f')\n"
          "set cbrange [0:10]\nset cbtics 0,2,10\n"
          "set cblabel 'latest pain rating at the spot (0-10)'\n",
          f);
    fprintf(f,
            "set colorbox vertical user origin screen %.4f, screen %.4f size screen %.4f, "
            "screen %.4f\n",
            left + aw + 0.03 * w, bottom, 0.025 * w, ah);
    fprintf(f,
            "plot 'spots_%s.csv' using 2:($5 > 0 ? $3 : NaN):(%.6g):4 with circles "
            "fs solid 0.9 border lc rgb '#333333' lc palette notitle, \\\n"
            "  '' using 2:($5 > 0 ? NaN : $3):(%.6g) with circles fs empty lc rgb '#888888' "
            "dt 2 lw 1.5 notitle, \\\n"
            "  '' using 2:3:(sprintf('%%d', $1)) with labels center font titlefont notitle, \\\n"
            "  '' using ($2 + %.6g):3:6 with labels left offset 0.6,0 tc rgb '#000000' notitle\n",
            key, r, r, r);
}
