/* SPDX-License-Identifier: GPL-3.0-or-later */
/* novel emed .lst (IMPORT.md §4): one page per picture.
 *
 * Latin-1, TABs; pages separated by a line holding a form feed; the file
 * ends with form feeds and no final newline. Each page states the full
 * plate (Matrix: columns x rows), the sensel area, the period, the picture
 * number, and a table: column labels and Force, then rows of row label,
 * values, the row's force in N, then a Force row of column forces and the
 * total. Labels are 1-based positions on the plate: the table is a cropped
 * window. The Force column and row are dropped (N, not kPa) and used as a
 * check that the unprinted unit is kPa: each force = sum(value) x a(cm2)
 * x 0.1 to its decimals; a mismatch names the ratio (--unit overrides).
 *
 * Windows may differ from page to page, so the file is read twice: pass 1
 * finds each measurement's union window (a new measurement starts where
 * Pict-No. goes back to 1), pass 2 places every page in it (cells outside
 * a page's window 0, mask 1). MPP and MVP pages are summary pictures: kept
 * under /vendor, not frames.
 */
#include "import_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EM_MAX_FIELDS (RMAT_IMPORT_MAX_SIDE + 4)
#define EM_MPP        (-1)
#define EM_MVP        (-2)

int imp_is_emed(const char *head)
{
    return strstr(head, "Matrix:") && strstr(head, "Sensor area:") && strstr(head, "Pict-No.:");
}

struct page {
    long line; /* where the page starts */
    long pict; /* >= 1, or EM_MPP / EM_MVP; 0: none */
    long pict_line;
    int plate_cols, plate_rows;
    double area_mm2, period_s, w_mm, h_mm;
    int col_lo, col_hi, row_lo, row_hi; /* 1-based labels; 0 if no table */
    int has_table;
};

struct measurement {
    int col_lo, col_hi, row_lo, row_hi;
    long first_pict, pages;
    struct page first;
    int part;
};

struct em {
    struct imp *im;
    struct imp_lr lr;
    char *f[EM_MAX_FIELDS + 1];
    int eof;
    char *pending; /* text after a form feed at a line start: the next page's first line */
    float *v;      /* pass 2: the page's values, its rows x its columns */
    int unit_override;
    double to_kpa;
    struct imp_str *hdr; /* page 1's text, pass 1 */
};

/* "label: number unit" after a label inside a line. */
static int value_after(const char *line, const char *label, double *v, char *unit, size_t cap)
{
    const char *p = strstr(line, label);
    char num[64];
    int n = 0;
    unit[0] = '\0'; /* also for the messages of a number that is not one */
    if (!p)
        return 0;
    p += strlen(label);
    while (*p == ' ' || *p == '\t')
        p++;
    while (p[n] && p[n] != ' ' && p[n] != '\t' && n < 63)
        n++;
    memcpy(num, p, (size_t)n);
    num[n] = '\0';
    if (imp_num(num, (size_t)n, 0, v) != 0)
        return -1;
    p += n;
    while (*p == ' ' || *p == '\t')
        p++;
    n = 0;
    while (p[n] && p[n] != ' ' && p[n] != '\t' && (size_t)n + 1 < cap) {
        unit[n] = p[n];
        n++;
    }
    unit[n] = '\0';
    return 1;
}

/* Reads one page (to a form feed line or the end). values: pass 2 (fill
 * e->v in the measurement's window and check the forces). Returns 1 with
 * a page, 0 at the end, or an error. */
static int read_page(struct em *e, struct page *pg, int values)
{
    struct imp *im = e->im;
    char *line;
    size_t len;
    int got, ncols = 0, col_label[RMAT_IMPORT_MAX_SIDE], rows_seen = 0, any = 0, dec = 2;
    long header_line = 0;
    double col_sum[RMAT_IMPORT_MAX_SIDE], total = 0;

    memset(pg, 0, sizeof *pg);
    pg->area_mm2 = pg->period_s = pg->w_mm = pg->h_mm = NAN;
    if (e->eof)
        return 0;
    for (;;) {
        if (e->pending) {
            line = e->pending;
            e->pending = NULL;
        } else {
            got = imp_lr_next(&e->lr, &line, &len, im->path, im->ei);
            if (got < 0)
                return got;
            if (got == 0) {
                e->eof = 1;
                break;
            }
            if (line[0] == '\f') {
                /* A page break; text after the form feeds starts the next page. */
                char *rest = line + strspn(line, "\f");
                if (rest[strspn(rest, " \t")] != '\0')
                    e->pending = rest;
                if (any)
                    break;
                continue;
            }
        }
        if (!any) {
            pg->line = e->lr.line;
            any = line[strspn(line, " \t")] != '\0';
        }
        if (!values && e->hdr && !pg->has_table && !header_line) {
            imp_str_add_latin1(e->hdr, line, strlen(line), IMP_MAX_HEADER);
            imp_str_add(e->hdr, "\n");
        }
        if (strstr(line, "Matrix:")) {
            const char *p = strstr(line, "Matrix:") + 7;
            if (sscanf(p, " %dx%d", &pg->plate_cols, &pg->plate_rows) != 2 || pg->plate_cols < 1 ||
                pg->plate_rows < 1 || pg->plate_cols > 4096 || pg->plate_rows > 4096)
                return imp_err(im, e->lr.line, "Matrix: expected COLUMNSxROWS, found \"%.20s\"", p);
        }
        {
            char unit[32];
            double v;
            int r = value_after(line, "Sensor area:", &v, unit, sizeof unit);
            if (r < 0 || (r > 0 && imp_unit_area(unit, &pg->area_mm2) != 0))
                return imp_err(im, e->lr.line,
                               "Sensor area: expected a number and an area unit "
                               "(cm2), found \"%s\"",
                               unit);
            if (r > 0)
                pg->area_mm2 *= v;
            r = value_after(line, "Time/picture:", &v, unit, sizeof unit);
            if (r < 0 || (r > 0 && !imp_eq(unit, "ms") && !imp_eq(unit, "s")))
                return imp_err(im, e->lr.line,
                               "Time/picture: expected a number and ms or s, found "
                               "\"%s\"",
                               unit);
            if (r > 0)
                pg->period_s = imp_eq(unit, "ms") ? v / 1000.0 : v;
            if (strstr(line, "Sensor size:")) {
                double w, h, f;
                char u[32];
                const char *p = strstr(line, "Sensor size:") + 12;
                if (sscanf(p, " %lfx%lf %31s", &w, &h, u) != 3 || imp_unit_length(u, &f) != 0 ||
                    !(w > 0) || !(h > 0))
                    return imp_err(im, e->lr.line,
                                   "Sensor size: expected WxH and a length unit, "
                                   "found \"%.30s\"",
                                   p);
                pg->w_mm = w * f;
                pg->h_mm = h * f;
            }
        }
        if (strstr(line, "Pict-No.:")) {
            char word[32] = "";
            sscanf(strstr(line, "Pict-No.:") + 9, " %31s", word);
            pg->pict_line = e->lr.line;
            if (imp_eq(word, "MPP"))
                pg->pict = EM_MPP;
            else if (imp_eq(word, "MVP"))
                pg->pict = EM_MVP;
            else if (imp_int_str(word, 1, 2000000000L, &pg->pict) != 0)
                return imp_err(im, e->lr.line,
                               "Pict-No.: expected a number, MPP or MVP, found "
                               "\"%s\"",
                               word);
        }
        if (line[0] == '\t' || (line[0] >= '0' && line[0] <= '9') || imp_starts(line, "Force")) {
            int nf = imp_split(line, '\t', e->f, EM_MAX_FIELDS);
            if (nf > EM_MAX_FIELDS)
                return imp_err(im, e->lr.line, "a table line of more than %d fields",
                               EM_MAX_FIELDS);
            while (nf > 1 && e->f[nf - 1][0] == '\0')
                nf--;
            if (!header_line && nf >= 3 && e->f[0][0] == '\0' && imp_eq(e->f[nf - 1], "Force")) {
                long lab;
                int ok = 1;
                for (int i = 1; i < nf - 1; i++)
                    ok &= imp_int_str(e->f[i], 1, 4096, &lab) == 0;
                if (ok) {
                    header_line = e->lr.line;
                    ncols = nf - 2;
                    for (int i = 0; i < ncols; i++) {
                        imp_int_str(e->f[1 + i], 1, 4096, &lab);
                        col_label[i] = (int)lab;
                        col_sum[i] = 0;
                        if (i > 0 && col_label[i] != col_label[i - 1] + 1)
                            return imp_err(im, e->lr.line,
                                           "column labels %d then %d: expected consecutive "
                                           "positions on the plate",
                                           col_label[i - 1], col_label[i]);
                    }
                    if (pg->plate_cols && col_label[ncols - 1] > pg->plate_cols)
                        return imp_err(im, e->lr.line,
                                       "column label %d lies off the plate (Matrix: %d columns)",
                                       col_label[ncols - 1], pg->plate_cols);
                    pg->col_lo = col_label[0];
                    pg->col_hi = col_label[ncols - 1];
                    pg->has_table = 1;
                }
                continue;
            }
            if (header_line && imp_eq(e->f[0], "Force")) {
                /* Column forces and the total: the check of the unit. */
                if (nf != ncols + 2)
                    return imp_err(im, e->lr.line,
                                   "expected %d column forces and the total (the labels, line "
                                   "%ld), found %d",
                                   ncols, header_line, nf - 1);
                for (int i = 0; values && i <= ncols; i++) {
                    double printed, computed = i < ncols ? col_sum[i] : total;
                    const int pd = imp_decimals(e->f[1 + i]);
                    const double tol = 0.5 * pow(10.0, -pd) +
                                       (rows_seen + 1) * (i < ncols ? 1 : ncols) * 0.5 *
                                           pow(10.0, -dec) * pg->area_mm2 / 1000.0 +
                                       1e-9;
                    if (imp_num_str(e->f[1 + i], &printed) != 0)
                        return imp_err(im, e->lr.line, "force %d is \"%.20s\": expected a number",
                                       i + 1, e->f[1 + i]);
                    computed *= pg->area_mm2 / 1000.0;
                    if (!e->unit_override && fabs(printed - computed) > tol)
                        return imp_err(im, e->lr.line,
                                       "the %s force %s N is %.4g times sum(value) x area (%.4g "
                                       "N): the values are not kPa (--unit overrides)",
                                       i < ncols ? "column" : "total", e->f[1 + i],
                                       computed != 0 ? printed / computed : INFINITY, computed);
                }
                continue;
            }
            if (header_line && nf >= 1 && e->f[0][0] >= '0' && e->f[0][0] <= '9') {
                long lab;
                double rs = 0, printed;
                if (imp_int_str(e->f[0], 1, 4096, &lab) != 0)
                    return imp_err(im, e->lr.line, "row label \"%.20s\": expected a position",
                                   e->f[0]);
                if (nf != ncols + 2)
                    return imp_err(im, e->lr.line,
                                   "expected %d values and the row's force (the labels, line "
                                   "%ld), found %d fields",
                                   ncols, header_line, nf - 1);
                if (pg->plate_rows && lab > pg->plate_rows)
                    return imp_err(im, e->lr.line,
                                   "row label %ld lies off the plate (Matrix: %d rows)", lab,
                                   pg->plate_rows);
                if (rows_seen > 0 && lab != pg->row_hi + 1)
                    return imp_err(im, e->lr.line,
                                   "row label %ld after %d: expected consecutive positions", lab,
                                   pg->row_hi);
                if (rows_seen == RMAT_IMPORT_MAX_SIDE)
                    return imp_err(im, e->lr.line, "more than %d rows in a table",
                                   RMAT_IMPORT_MAX_SIDE);
                if (rows_seen == 0)
                    pg->row_lo = (int)lab;
                pg->row_hi = (int)lab;
                for (int i = 0; i < ncols; i++) {
                    double d;
                    const char *c = e->f[1 + i];
                    if (imp_num(c, strlen(c), 0, &d) != 0)
                        return imp_err(im, e->lr.line, "value %d is \"%.40s\": expected a number",
                                       i + 1, c);
                    if (imp_decimals(c) > dec)
                        dec = imp_decimals(c);
                    rs += d;
                    col_sum[i] += d;
                    if (values)
                        e->v[(size_t)rows_seen * (size_t)ncols + (size_t)i] =
                            (float)(d * e->to_kpa);
                }
                total += rs;
                rows_seen++;
                if (imp_num_str(e->f[ncols + 1], &printed) != 0)
                    return imp_err(im, e->lr.line,
                                   "the row's force is \"%.20s\": expected a number",
                                   e->f[ncols + 1]);
                if (values && !e->unit_override) {
                    const double computed = rs * pg->area_mm2 / 1000.0;
                    const int pd = imp_decimals(e->f[ncols + 1]);
                    const double tol = 0.5 * pow(10.0, -pd) +
                                       ncols * 0.5 * pow(10.0, -dec) * pg->area_mm2 / 1000.0 + 1e-9;
                    if (fabs(printed - computed) > tol)
                        return imp_err(im, e->lr.line,
                                       "row %ld's force %s N is %.4g times sum(value) x area "
                                       "(%.4g N): the values are not kPa (--unit overrides)",
                                       lab, e->f[ncols + 1],
                                       computed != 0 ? printed / computed : INFINITY, computed);
                }
                continue;
            }
        }
    }
    if (!any)
        return 0;
    if (!pg->has_table && !pg->pict)
        return read_page(e, pg, values); /* a page of trailing text only */
    if (!pg->pict)
        return imp_err(im, pg->line, "a page without Pict-No.: (its table at line %ld)",
                       header_line);
    if (!pg->has_table || rows_seen == 0)
        return imp_err(im, pg->pict_line, "picture %ld has no table of values", pg->pict);
    if (!pg->plate_cols || isnan(pg->area_mm2) || isnan(pg->period_s))
        return imp_err(im, pg->pict_line, "picture %ld's page lacks %s (a required key)", pg->pict,
                       !pg->plate_cols       ? "Matrix:"
                       : isnan(pg->area_mm2) ? "Sensor area:"
                                             : "Time/picture:");
    return 1;
}

int imp_read_emed(struct imp *im)
{
    struct em e;
    struct imp_str hdr = {0};
    struct imp_attrs at = {0};
    struct measurement ms[IMP_MAX_PARTS];
    struct page pg;
    int nm = 0, rc, got;
    float *grid = NULL;
    const char *endings = "none";
    enum imp_pkind kind = IMP_P_KPA;

    memset(&e, 0, sizeof e);
    memset(ms, 0, sizeof ms);
    e.im = im;
    e.to_kpa = 1.0;
    rc = imp_opt_unit(im, &kind, &e.to_kpa);
    if (rc < 0)
        return rc;
    e.unit_override = rc == 1;
    if (kind != IMP_P_KPA)
        return imp_errc(im, RMAT_E_ARG, 0, "emed values are pressures: --unit must be one");
    /* Pass 1: the measurements and their windows. */
    rc = imp_open(im, &e.lr, 0, 0, 1);
    if (rc != RMAT_OK)
        return rc;
    e.hdr = &hdr;
    while ((got = read_page(&e, &pg, 0)) == 1) {
        struct measurement *m = nm ? &ms[nm - 1] : NULL;
        e.hdr = NULL;
        if (pg.pict > 0 && (!m || (pg.pict == 1 && m->pages > 0 && m->first_pict >= 1))) {
            if (nm == IMP_MAX_PARTS) {
                rc = imp_err(im, pg.pict_line, "more than %d measurements", IMP_MAX_PARTS);
                goto out;
            }
            m = &ms[nm++];
            m->first = pg;
            m->first_pict = pg.pict;
            m->col_lo = pg.col_lo;
            m->col_hi = pg.col_hi;
            m->row_lo = pg.row_lo;
            m->row_hi = pg.row_hi;
        } else if (!m) {
            rc = imp_err(im, pg.pict_line, "a summary picture before any picture");
            goto out;
        }
        if (pg.plate_cols != m->first.plate_cols || pg.plate_rows != m->first.plate_rows ||
            pg.area_mm2 != m->first.area_mm2 || pg.period_s != m->first.period_s) {
            rc = imp_err(im, pg.line,
                         "this page's Matrix, Sensor area or Time/picture differ from picture "
                         "%ld's (line %ld)",
                         m->first.pict, m->first.line);
            goto out;
        }
        m->col_lo = pg.col_lo < m->col_lo ? pg.col_lo : m->col_lo;
        m->col_hi = pg.col_hi > m->col_hi ? pg.col_hi : m->col_hi;
        m->row_lo = pg.row_lo < m->row_lo ? pg.row_lo : m->row_lo;
        m->row_hi = pg.row_hi > m->row_hi ? pg.row_hi : m->row_hi;
        m->pages += pg.pict > 0;
    }
    if (got < 0) {
        rc = got;
        goto out;
    }
    if (nm == 0) {
        rc = e.lr.line == 0 ? imp_err(im, 0, "the file is empty: expected an export, found 0 bytes")
                            : imp_err(im, e.lr.line + 1, "no picture (Pict-No.:) in the file");
        goto out;
    }
    imp_source_done(im, &e.lr);
    endings = imp_lr_endings(&e.lr); /* of the whole file: pass 1 read it */
    imp_lr_close(&e.lr);
    if (hdr.full) {
        rc = imp_err(im, 0, "a header longer than %u bytes", IMP_MAX_HEADER);
        goto out;
    }
    /* Pass 2: every page into its measurement's window. */
    for (int i = 0; i < nm; i++) {
        struct measurement *m = &ms[i];
        const int rows = m->row_hi - m->row_lo + 1, cols = m->col_hi - m->col_lo + 1;
        struct rmat_import_part p;
        uint8_t *mask;
        char name[32];
        if (rows > RMAT_IMPORT_MAX_SIDE || cols > RMAT_IMPORT_MAX_SIDE) {
            rc = imp_err(im, m->first.line, "a window of %d x %d: at most %d a side", rows, cols,
                         RMAT_IMPORT_MAX_SIDE);
            goto out;
        }
        mask = malloc((size_t)rows * (size_t)cols);
        if (!mask) {
            rc = imp_errc(im, RMAT_E_NOMEM, 0, "out of memory");
            goto out;
        }
        memset(mask, 1, (size_t)rows * (size_t)cols);
        memset(&p, 0, sizeof p);
        name[0] = '\0';
        if (nm > 1)
            snprintf(name, sizeof name, "measurement %d", i + 1);
        p.name = name;
        p.layout = RMAT_IMPORT_GRID;
        p.rows = rows;
        p.cols = cols;
        p.pitch_x_mm = m->first.w_mm;
        p.pitch_y_mm = m->first.h_mm;
        if (isnan(p.pitch_x_mm)) {
            /* No Sensor size: a square sensel of the stated area. */
            p.pitch_x_mm = p.pitch_y_mm = sqrt(m->first.area_mm2);
            imp_assume(im, "no Sensor size: square sensels of the Sensor area (%.4g mm)",
                       p.pitch_x_mm);
        }
        p.mask = mask;
        p.to_kpa = e.to_kpa;
        p.unit_in_file = "";
        p.rate_hz = 1.0 / m->first.period_s;
        p.content = "movie";
        p.variant = "";
        p.encoding = "Latin-1";
        p.line_endings = endings;
        imp_attrs_free(&at);
        imp_attr_num(&at, "plate_cols", m->first.plate_cols);
        imp_attr_num(&at, "plate_rows", m->first.plate_rows);
        imp_attr_num(&at, "window_row0", m->row_lo - 1);
        imp_attr_num(&at, "window_col0", m->col_lo - 1);
        imp_attr_num(&at, "sensor_area_mm2", m->first.area_mm2);
        if (i == 0) {
            if (!e.unit_override)
                imp_assume(im, "no unit is printed: the values are kPa, as each printed force = "
                               "sum(value) x area x 0.1 N/(kPa cm2) confirms on every page");
            imp_assume(im, "Sensor size W x H: W is the pitch between columns (x), H between rows "
                           "(y)");
            if (fabs(m->first.w_mm * m->first.h_mm - m->first.area_mm2) > 0.01 * m->first.area_mm2)
                imp_warn(im, "Sensor area %.4g mm2 differs from Sensor size %.4g x %.4g mm",
                         m->first.area_mm2, m->first.w_mm, m->first.h_mm);
        }
        rc = imp_part_begin(im, &p, &at, &hdr);
        free(mask);
        if (rc < 0)
            goto out;
        m->part = rc;
    }
    rc = imp_open(im, &e.lr, 0, 0, 0);
    if (rc != RMAT_OK)
        goto out;
    e.eof = 0;
    e.pending = NULL;
    e.v = malloc(RMAT_IMPORT_MAX_SENSORS * sizeof *e.v);
    grid = malloc(RMAT_IMPORT_MAX_SENSORS * sizeof *grid);
    if (!e.v || !grid) {
        rc = imp_errc(im, RMAT_E_NOMEM, 0, "out of memory");
        goto out;
    }
    {
        int mi = 0;
        while ((got = read_page(&e, &pg, 1)) == 1) {
            const struct measurement *m;
            const int pc = pg.col_hi - pg.col_lo + 1, pr = pg.row_hi - pg.row_lo + 1;
            int cols;
            /* The measurement a page is in: pass 1 found where each starts. */
            while (mi + 1 < nm && pg.line >= ms[mi + 1].first.line)
                mi++;
            m = &ms[mi];
            cols = m->col_hi - m->col_lo + 1;
            memset(grid, 0, (size_t)(m->row_hi - m->row_lo + 1) * (size_t)cols * sizeof *grid);
            for (int r = 0; r < pr; r++)
                for (int c = 0; c < pc; c++)
                    grid[(size_t)(pg.row_lo - m->row_lo + r) * (size_t)cols +
                         (size_t)(pg.col_lo - m->col_lo + c)] =
                        e.v[(size_t)r * (size_t)pc + (size_t)c];
            if (pg.pict > 0)
                rc = imp_frame(im, m->part, pg.pict,
                               llround((double)(pg.pict - m->first_pict) * m->first.period_s * 1e6),
                               grid, pg.line);
            else
                rc = imp_vendor_map(im, m->part, pg.pict == EM_MPP ? "mpp_kpa" : "mvp_kpa", grid,
                                    (size_t)(m->row_hi - m->row_lo + 1) * (size_t)cols);
            if (rc != RMAT_OK)
                goto out;
        }
        if (got < 0) {
            rc = got;
            goto out;
        }
    }
    rc = RMAT_OK;
out:
    imp_lr_close(&e.lr);
    imp_str_free(&hdr);
    imp_attrs_free(&at);
    free(e.v);
    free(grid);
    return rc;
}
