/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Two sessions side by side (compare.h): their summaries with the changes,
 * and their maps on one colour scale with the difference.
 *
 * Everything is read from the two analysis folders; every number on the
 * pages is in the data files written beside the page scripts, so a page
 * can be restyled and drawn again.
 */
#include "rollmat/compare.h"
#include "rollmat/version.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "figures_int.h"
#include "rollmat/numfmt.h"
#include "rollmat/units.h"

/* Pitches that differ by less than this (mm) are the same mat's: a
 * pitch written to 7 digits reads back a hair off. */
#define PITCH_TOL_MM 1e-6

/* A diverging palette for B - A (ColorBrewer RdBu's ends around white):
 * blue where B is lower, red where higher; the two stay apart with the
 * common colour-vision deficiencies, and white is "no change". */
#define DIFF_LOW  "#2166AC"
#define DIFF_MID  "#F7F7F7"
#define DIFF_HIGH "#B2182B"

struct side {
    const char *dir, *label;
    struct rmat_json *summary;
    int calibrated;
    int rows, cols;
    double pitch_x_mm, pitch_y_mm;
    double *peak, *dwell; /* rows * cols, row 0 first */
    char date[48], where[160];
};

static void side_fini(struct side *s)
{
    rmat_json_free(s->summary);
    free(s->peak);
    free(s->dwell);
}

/* A map CSV of the analysis: rows lines of cols numbers. */
static int read_map(const struct side *s, const char *name, double **out, struct rmat_errinfo *ei)
{
    char path[RMAT_PATH_BUF], line[65536];
    const size_t n = (size_t)s->rows * (size_t)s->cols;
    double *m;
    FILE *f;
    int rc = rmat_path_join(path, sizeof path, s->dir, name, ei);

    *out = NULL;
    if (rc != RMAT_OK)
        return rc;
    f = fopen(path, "r");
    if (!f) {
        const int e = errno;
        return rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "cannot read %s: %s", path,
                                strerror(e));
    }
    m = malloc(n * sizeof *m);
    if (!m) {
        fclose(f);
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", path);
    }
    for (int i = 0; i < s->rows; i++) {
        const char *p = line;
        int j = 0;
        if (!fgets(line, sizeof line, f)) {
            rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0, "%s: %d rows, the mat has %d", path, i,
                                  s->rows);
            goto fail;
        }
        for (; j < s->cols; j++) {
            char *end;
            const double v = strtod(p, &end);
            if (end == p)
                break;
            m[(size_t)i * (size_t)s->cols + (size_t)j] = v;
            p = end;
            while (*p == ',' || *p == ' ')
                p++;
        }
        if (j != s->cols || (*p && *p != '\n' && *p != '\r')) {
            rc =
                rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                 "%s: row %d does not have the mat's %d columns", path, i, s->cols);
            goto fail;
        }
    }
    fclose(f);
    *out = m;
    return RMAT_OK;
fail:
    fclose(f);
    free(m);
    return rc;
}

static int load_side(struct side *s, const char *dir, const char *label, struct rmat_errinfo *ei)
{
    char path[RMAT_PATH_BUF];
    const char *side;
    int rc, cal;

    memset(s, 0, sizeof *s);
    s->dir = dir;
    s->label = label;
    rc = rmat_path_join(path, sizeof path, dir, "summary.json", ei);
    if (rc == RMAT_OK)
        rc = rmat_json_load(path, &s->summary, ei);
    if (rc != RMAT_OK)
        return rc;
    /* As the figures read it (figures.c): "calibrated", else "units". */
    cal = rmat_json_bool(s->summary, "calibrated");
    s->calibrated =
        cal == 1 || (cal < 0 && strcmp(rmat_json_str(s->summary, "units"), "counts") != 0);
    s->rows = (int)rmat_json_num(s->summary, "device.rows");
    s->cols = (int)rmat_json_num(s->summary, "device.cols");
    s->pitch_x_mm = rmat_json_num(s->summary, "device.pitch_x_mm");
    s->pitch_y_mm = rmat_json_num(s->summary, "device.pitch_y_mm");
    if (s->rows < 1 || s->cols < 1 || !(s->pitch_x_mm > 0) || !(s->pitch_y_mm > 0))
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                "%s: device rows, cols or pitch missing from the summary", path);
    {
        double t = rmat_iso_to_unix(rmat_json_str(s->summary, "session.started_utc"));
        if (!isfinite(t))
            t = rmat_iso_to_unix(rmat_json_str(s->summary, "recording_created_utc"));
        rmat_local_time(t, s->date, sizeof s->date);
    }
    side = rmat_json_str(s->summary, "session.side");
    snprintf(
        s->where, sizeof s->where, "%s%s%s",
        rmat_json_str(s->summary, "session.region")[0] ? rmat_json_str(s->summary, "session.region")
                                                       : "region not given",
        side[0] && strcmp(side, "none") ? ", " : "", side[0] && strcmp(side, "none") ? side : "");
    return RMAT_OK;
}

/* "32 x 32 sensels, 12.7 x 12.7 mm apart" */
static void grid_words(char *buf, size_t cap, const struct side *s)
{
    char a[RMAT_FMT_BUF], b[RMAT_FMT_BUF];
    snprintf(buf, cap, "%d x %d sensels %s x %s mm apart", s->rows, s->cols,
             rmat_show(a, s->pitch_x_mm, 6), rmat_show(b, s->pitch_y_mm, 6));
}

/* Only like with like: the same units and the same mat geometry. */
static int check_comparable(const struct side *a, const struct side *b, struct rmat_errinfo *ei)
{
    if (a->calibrated != b->calibrated) {
        const struct side *raw = a->calibrated ? b : a, *kpa = a->calibrated ? a : b;
        return rmat_errinfo_set(
            ei, RMAT_E_FORMAT, 0,
            "%s (%s) is in raw sensor counts and %s (%s) in kPa: counts cannot be compared "
            "with kPa; analyse both with the mat's calibration (--calibration FILE, "
            "docs/calibration.md)",
            raw->dir, raw->label, kpa->dir, kpa->label);
    }
    if (a->rows != b->rows || a->cols != b->cols ||
        fabs(a->pitch_x_mm - b->pitch_x_mm) > PITCH_TOL_MM ||
        fabs(a->pitch_y_mm - b->pitch_y_mm) > PITCH_TOL_MM) {
        char ga[96], gb[96];
        grid_words(ga, sizeof ga, a);
        grid_words(gb, sizeof gb, b);
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                "%s (%s) was recorded on a mat of %s, %s (%s) on one of %s: their "
                                "maps do not line up sensel by sensel, so rollmat does not "
                                "compare them; compare sessions recorded on mats of one kind",
                                a->dir, a->label, ga, b->dir, b->label, gb);
    }
    return RMAT_OK;
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

static int write_map(const char *dir, const char *name, const double *m, int rows, int cols,
                     struct rmat_errinfo *ei)
{
    char path[RMAT_PATH_BUF];
    FILE *f;
    int rc = rmat_out_open(dir, name, &f, path, ei);
    if (rc != RMAT_OK)
        return rc;
    for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
            if (j)
                fputc(',', f);
            put_num(f, m[(size_t)i * (size_t)cols + (size_t)j]);
        }
        fputc('\n', f);
    }
    return rmat_out_close(f, path, ei);
}

/* The six maps, and the largest value of each kind over A and B (the
 * shared colour scale) and the largest |B - A|. */
static int write_maps(const struct side *a, const struct side *b, const char *dir, double top[2],
                      double diff_top[2], struct rmat_errinfo *ei)
{
    const size_t n = (size_t)a->rows * (size_t)a->cols;
    double *d = malloc(n * sizeof *d);
    int rc = RMAT_OK;

    if (!d)
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "compare: out of memory");
    for (int k = 0; k < 2 && rc == RMAT_OK; k++) {
        const double *ma = k == 0 ? a->peak : a->dwell, *mb = k == 0 ? b->peak : b->dwell;
        const char *kind = k == 0 ? "peak" : "dwell";
        char name[64];
        top[k] = 0;
        diff_top[k] = 0;
        for (size_t i = 0; i < n; i++) {
            d[i] = mb[i] - ma[i];
            if (isfinite(ma[i]) && ma[i] > top[k])
                top[k] = ma[i];
            if (isfinite(mb[i]) && mb[i] > top[k])
                top[k] = mb[i];
            if (isfinite(d[i]) && fabs(d[i]) > diff_top[k])
                diff_top[k] = fabs(d[i]);
        }
        snprintf(name, sizeof name, "map_%s_a.csv", kind);
        rc = write_map(dir, name, ma, a->rows, a->cols, ei);
        snprintf(name, sizeof name, "map_%s_b.csv", kind);
        if (rc == RMAT_OK)
            rc = write_map(dir, name, mb, a->rows, a->cols, ei);
        snprintf(name, sizeof name, "map_%s_diff.csv", kind);
        if (rc == RMAT_OK)
            rc = write_map(dir, name, d, a->rows, a->cols, ei);
    }
    free(d);
    return rc;
}

/* --- page 1: the summaries ------------------------------------------------ */

struct change {
    const struct rmat_summary_row *r;
    double a, b, diff, pct;
};

/* The rows both sessions can give, with B - A and its per cent of A. */
static size_t summary_changes(const struct side *a, const struct side *b, struct change *out)
{
    size_t n = 0;
    for (size_t i = 0; i < rmat_summary_nrows; i++) {
        const struct rmat_summary_row *r = &rmat_summary_rows[i];
        struct change *c = &out[n];
        if (!rmat_summary_row_shown(r, a->calibrated))
            continue;
        c->r = r;
        c->a = rmat_summary_num(a->summary, a->calibrated, r->key);
        c->b = rmat_summary_num(b->summary, b->calibrated, r->key);
        /* a share of body weight only where both have a body mass */
        if (!strcmp(r->key, "mean_force_pct_bw") && !isfinite(c->a) && !isfinite(c->b))
            continue;
        c->diff = c->b - c->a;
        c->pct = isfinite(c->diff) && c->a != 0 ? 100.0 * c->diff / fabs(c->a) : NAN;
        n++;
    }
    return n;
}

static int write_summary_csv(const struct change *c, size_t n, int calibrated, const char *dir,
                             struct rmat_errinfo *ei)
{
    char path[RMAT_PATH_BUF];
    FILE *f;
    int rc = rmat_out_open(dir, "compare_summary.csv", &f, path, ei);
    if (rc != RMAT_OK)
        return rc;
    fputs("key,label,unit,a,b,change,change_pct\n", f);
    for (size_t i = 0; i < n; i++) {
        const double v[] = {c[i].a, c[i].b, c[i].diff, c[i].pct};
        fprintf(f, "%s,", rmat_units_name(c[i].r->key, calibrated));
        rmat_csv_put(f, c[i].r->label[0] == ' ' ? c[i].r->label + 2 : c[i].r->label);
        fputc(',', f);
        rmat_csv_put(f, rmat_summary_row_unit(c[i].r, calibrated));
        for (int k = 0; k < 4; k++) {
            char num[RMAT_FMT_BUF];
            fputc(',', f);
            if (isfinite(v[k])) {
                rmat_fmt_sig(num, v[k], 10);
                fputs(num, f);
            }
        }
        fputc('\n', f);
    }
    return rmat_out_close(f, path, ei);
}

/* d rounded to the last digit the values a and b are shown with (sig
 * significant digits of the larger): a change of 0.00002 cycles/min
 * between two rates shown as 19.8 is no change. */
static double on_values_scale(double d, double a, double b, int sig)
{
    const double scale = fmax(fabs(a), fabs(b));
    int dec;
    double p, r;
    if (!isfinite(d) || !(scale > 0) || !isfinite(scale))
        return d;
    dec = sig - 1 - (int)floor(log10(scale));
    if (dec > 9)
        dec = 9;
    if (dec < -9)
        dec = -9;
    p = pow(10.0, dec);
    r = round(d * p) / p;
    return r == 0 ? 0 : r; /* no "-0" */
}

/* "+50 kPa", "-1 min 05 s", "0 s", "-". */
static void change_words(char *buf, size_t cap, const struct change *c, int calibrated)
{
    char num[RMAT_FMT_BUF], t[48];
    const char *unit = rmat_summary_row_unit(c->r, calibrated);
    if (!isfinite(c->diff)) {
        snprintf(buf, cap, "-");
    } else if (c->r->unit[0] == 'T') {
        /* to the second, as the durations are shown */
        const double d = round(c->diff);
        snprintf(buf, cap, "%s%s",
                 d > 0   ? "+"
                 : d < 0 ? "-"
                         : "",
                 rmat_duration_words(t, sizeof t, fabs(d)));
    } else if (!strcmp(c->r->key, "path_mm")) {
        const double d = on_values_scale(c->diff / 1000, c->a / 1000, c->b / 1000, 3);
        snprintf(buf, cap, "%s%s m", d > 0 ? "+" : "", rmat_show(num, d, 3));
    } else {
        const double d = on_values_scale(c->diff, c->a, c->b, c->r->sig);
        snprintf(buf, cap, "%s%s%s%s", d > 0 ? "+" : "", rmat_show(num, d, c->r->sig),
                 unit[0] ? " " : "", unit);
    }
}

static void page_summaries(struct rmat_page *p, const struct side *a, const struct side *b,
                           const struct change *c, size_t n)
{
    static const double cols[] = {0.09, 0.45, 0.59, 0.73, 0.85};
    const struct side *sd[2] = {a, b};
    char la[80], lb[80];

    rmat_page_text(p, 0.08, p->y - 0.01, "',16'", "left", "#000000",
                   "Two foam-rolling sessions compared");
    p->y -= 0.045;
    rmat_page_heading(p, "Which sessions");
    for (int k = 0; k < 2; k++) {
        const struct side *s = sd[k];
        const char *subj = rmat_json_str(s->summary, "session.subject");
        const char *cal = rmat_json_str(s->summary, "calibration.name");
        char len[48];
        rmat_page_paraf(p, 0.0, "%s: %s", k == 0 ? "A" : "B", s->label);
        rmat_page_paraf(
            p, 0.03, "%s, %s, %s; %s long; %s", subj[0] ? subj : "subject not given", s->where,
            s->date[0] ? s->date : "date unknown",
            rmat_duration_words(len, sizeof len, rmat_json_num(s->summary, "duration_s")),
            s->calibrated ? (cal[0] ? cal : "calibrated") : "not calibrated: raw sensor counts");
        rmat_page_paraf(p, 0.03, "analysis: %s", s->dir);
    }
    if (!a->calibrated) {
        p->y -= 0.3 * RMAT_LINE_H;
        rmat_page_para(p, 0.0,
                       "Neither session is calibrated: pressures are the mat's raw sensor counts, "
                       "and force, its ratio to body weight and tissue stiffness are left out. "
                       "Counts compare between sessions of the same mat only.");
    }
    rmat_page_heading(p, "The sessions in numbers");
    snprintf(la, sizeof la, "A: %s", a->label);
    snprintf(lb, sizeof lb, "B: %s", b->label);
    {
        const char *hdr[] = {"what", la, lb, "change, B - A", "% of A"};
        rmat_page_row(p, cols, hdr, 5, 1);
    }
    for (size_t i = 0; i < n; i++) {
        char va[96], vb[96], ch[96], pc[48];
        const char *cells[] = {c[i].r->label, va, vb, ch, pc};
        rmat_summary_row_display(c[i].r, c[i].a, a->calibrated, va, sizeof va);
        rmat_summary_row_display(c[i].r, c[i].b, a->calibrated, vb, sizeof vb);
        change_words(ch, sizeof ch, &c[i], a->calibrated);
        if (isfinite(c[i].pct))
            snprintf(pc, sizeof pc, fabs(c[i].pct) >= 10 ? "%+.0f%%" : "%+.1f%%", c[i].pct);
        else
            snprintf(pc, sizeof pc, "-");
        rmat_page_row(p, cols, cells, 5, 0);
    }
    p->y -= 0.5 * RMAT_LINE_H;
    rmat_page_para(p, 0.0,
                   "Changes are B less A, and in per cent of A. The maps on the next pages show A "
                   "and B on one colour scale, and their difference B - A: red where B is "
                   "higher, blue where it is lower, white where they agree.");
    rmat_page_text(p, 0.08, 0.03, "smallfont", "left", "#555555",
                   "rollmat " RMAT_VERSION ". Definitions: docs/metrics.md; the comparison: "
                   "docs/reports.md, \"rollmat compare\". Dates are local time.");
}

/* --- pages 2 and 3: the maps ---------------------------------------------- */

/* One map of the comparison in (x0, y0, w, h): file drawn over the mat in
 * mm, on the colour range [lo, hi] (diverging: the difference palette). */
static void cmp_map(FILE *f, const struct side *s, const char *file, const char *title,
                    const char *cblabel, double lo, double hi, int diverging, double x0, double y0,
                    double w, double h)
{
    rmat_gp_reset(f);
    if (diverging)
        fputs("set palette defined (-1 '" DIFF_LOW "', 0 '" DIFF_MID "', 1 '" DIFF_HIGH "')\n", f);
    else
        rmat_gp_viridis(f);
    fprintf(f, "set origin %.4f,%.4f\nset size %.4f,%.4f\nset size ratio -1\n", x0, y0, w, h);
    fputs("set title ", f);
    rmat_gp_string(f, title);
    fputs(" font titlefont\nset xlabel 'x (mm)'\nset ylabel 'y (mm)'\nset cblabel ", f);
    rmat_gp_string(f, cblabel);
    fprintf(f,
            "\nset border 15\nset tics out\nset xtics nomirror\nset ytics nomirror\nunset key\n"
            "# Row 0 at the top, as the map reads in its CSV file.\n"
            "set xrange [0:%.6g]\nset yrange [%.6g:0]\nset cbrange [%.6g:%.6g]\n",
            s->cols * s->pitch_x_mm, s->rows * s->pitch_y_mm, lo, hi);
    fprintf(f,
            "plot '%s' matrix using (($1 + 0.5) * %.6g):(($2 + 0.5) * %.6g):3 with image "
            "notitle\n",
            file, s->pitch_x_mm, s->pitch_y_mm);
    fputs("reset\n", f); /* a figure leaves its settings behind */
}

static int page_maps(struct rmat_page *p, const struct side *a, const struct side *b, int k,
                     double top, double diff_top)
{
    const char *kind = k == 0 ? "peak" : "dwell";
    char fa[32], fb[32], fd[32], ta[160], tb[160], td[200], cb[96], cbd[120];
    const char *what = k == 0 ? "Peak pressure" : "Time in contact";
    const char *unit = k == 0 ? rmat_units_label("peak_kpa", a->calibrated) : "s";
    /* A range that is not empty, so gnuplot draws a flat map. */
    const double hi = top > 0 ? top : 1, dhi = diff_top > 0 ? diff_top : 1;

    snprintf(fa, sizeof fa, "map_%s_a.csv", kind);
    snprintf(fb, sizeof fb, "map_%s_b.csv", kind);
    snprintf(fd, sizeof fd, "map_%s_diff.csv", kind);
    snprintf(ta, sizeof ta, "A: %s", a->label);
    snprintf(tb, sizeof tb, "B: %s", b->label);
    snprintf(td, sizeof td, "Difference B - A (%s less %s)", b->label, a->label);
    snprintf(cb, sizeof cb, "%s (%s)", k == 0 ? "peak pressure" : "time in contact", unit);
    snprintf(cbd, sizeof cbd, "B - A, %s (%s)", k == 0 ? "peak pressure" : "time in contact", unit);
    rmat_page_text(p, 0.08, 0.945, "titlefont", "left", "#000000", what);
    rmat_page_text(p, 0.08, 0.925, "''", "left", "#333333",
                   "A and B on one colour scale; below, their difference: red where B is "
                   "higher, blue where lower.");
    rmat_page_flush_text(p);
    cmp_map(p->f, a, fa, ta, cb, 0, hi, 0, 0.01, 0.5, 0.48, 0.4);
    cmp_map(p->f, a, fb, tb, cb, 0, hi, 0, 0.51, 0.5, 0.48, 0.4);
    cmp_map(p->f, a, fd, td, cbd, -dhi, dhi, 1, 0.17, 0.04, 0.66, 0.44);
    return RMAT_OK;
}

int rmat_compare_sessions(const char *ana_a, const char *ana_b, const char *label_a,
                          const char *label_b, const char *work_dir, const char *pdf_path,
                          const struct rmat_log *log, struct rmat_errinfo *ei)
{
    struct side a, b;
    struct rmat_page p = {NULL, "", 0, 0};
    struct change rows[64];
    double top[2], diff_top[2];
    char header[400];
    size_t n;
    int rc;

    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    if (!ana_a || !ana_b || !work_dir || !pdf_path)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "compare: missing argument");
    rc = load_side(&a, ana_a, label_a ? label_a : "A", ei);
    if (rc == RMAT_OK)
        rc = load_side(&b, ana_b, label_b ? label_b : "B", ei);
    if (rc == RMAT_OK)
        rc = check_comparable(&a, &b, ei);
    if (rc == RMAT_OK)
        rc = read_map(&a, "peak_map.csv", &a.peak, ei);
    if (rc == RMAT_OK)
        rc = read_map(&a, "dwell_map.csv", &a.dwell, ei);
    if (rc == RMAT_OK)
        rc = read_map(&b, "peak_map.csv", &b.peak, ei);
    if (rc == RMAT_OK)
        rc = read_map(&b, "dwell_map.csv", &b.dwell, ei);
    if (rc != RMAT_OK)
        goto out;
    if (strcmp(rmat_json_str(a.summary, "session.subject"),
               rmat_json_str(b.summary, "session.subject")) != 0 ||
        strcmp(a.where, b.where) != 0)
        rmat_logf(log, RMAT_LOG_WARN,
                  "%s and %s are of different subjects or body regions (%s, %s; %s, %s): "
                  "compared as asked",
                  ana_a, ana_b, rmat_json_str(a.summary, "session.subject"), a.where,
                  rmat_json_str(b.summary, "session.subject"), b.where);

    rc = rmat_mkdirs(work_dir, ei);
    if (rc == RMAT_OK)
        rc = write_maps(&a, &b, work_dir, top, diff_top, ei);
    n = summary_changes(&a, &b, rows);
    if (rc == RMAT_OK)
        rc = write_summary_csv(rows, n, a.calibrated, work_dir, ei);
    if (rc != RMAT_OK)
        goto out;
    snprintf(header, sizeof header, "Sessions compared: A %s (%s), B %s (%s)%s", a.label,
             a.date[0] ? a.date : "date unknown", b.label, b.date[0] ? b.date : "date unknown",
             a.calibrated ? "" : " (RAW COUNTS, uncalibrated)");
    rc = rmat_page_open(&p, work_dir, 1, header, ei);
    if (rc != RMAT_OK)
        goto out;
    page_summaries(&p, &a, &b, rows, n);
    rc = rmat_page_close(&p, ei);
    for (int k = 0; k < 2 && rc == RMAT_OK; k++) {
        rc = rmat_page_open(&p, work_dir, 2 + k, header, ei);
        if (rc == RMAT_OK)
            rc = page_maps(&p, &a, &b, k, top[k], diff_top[k]);
        if (rc == RMAT_OK)
            rc = rmat_page_close(&p, ei);
    }
    if (rc == RMAT_OK)
        rc = rmat_pages_pdf(work_dir, 3, pdf_path, ei);
out:
    if (p.f)
        fclose(p.f);
    side_fini(&a);
    side_fini(&b);
    return rc;
}
