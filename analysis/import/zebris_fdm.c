/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Zebris WinFDM raw ASCII export, .txt (IMPORT.md §8).
 *
 * Latin-1, CRLF, TABs, German or English labels. A header (personal data
 * among it), a per-frame force table (Time,ms and <label>,<unit> columns:
 * per-foot attributions, 0 where no foot was assigned, never a total),
 * then `Platform {` (never closed) with the geometry, then the frames,
 * each `Frame <k> {` ... `}` with its time, a centre of force cell and a
 * full-plate matrix (x1..xC columns, y1..yL lines; no outline: mask 1).
 * `Frame count` also starts with "Frame ": frames are `Frame <n> {` only.
 *
 * The force table precedes the geometry, so the file is read twice: pass
 * 1 finds the table, the platform and the first frame; pass 2 streams the
 * frames while a second reader walks the table beside them, line k with
 * frame k, into /vendor.
 *
 * Cell sizes are printed rounded (to 1-2 decimals): the sensel area that
 * the per-foot forces imply is recorded and compared.
 */
#include "import_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FDM_MAX_COLS 64 /* force-table columns */

int imp_is_winfdm(const char *head)
{
    return strstr(head, "Exercises\t{") && strstr(head, "Frequency,Hz") && strstr(head, "Time,ms");
}

static int personal(const char *key)
{
    return imp_eq(key, "Person") || imp_eq(key, "Born") || imp_eq(key, "Sex") ||
           imp_eq(key, "Code") || imp_eq(key, "Name") || imp_eq(key, "Geburtsdatum");
}

struct fdm {
    struct imp *im;
    uint64_t table_off, frames_off;
    long table_line, table_rows, platform_line, frames_line, count, count_line;
    long frame_count, frame_count_line, frames;
    int ncol; /* force-table columns after Time */
    char label[FDM_MAX_COLS][64];
    int foot[FDM_MAX_COLS]; /* a per-foot total (left or right force) */
    int cols, rows;
    long cols_line, rows_line;
    double w_mm, h_mm, freq, to_kpa;
    char unit[32], app[32];
    struct rmat_import_when when;
    const char *endings;
};

/* "l force,N" / "Li Kraft,N" / "r force,N" / "Re Kraft,N": a foot's total. */
static int foot_total(const char *label)
{
    static const char *const t[] = {"l force,",  "r force,",    "li kraft,",
                                    "re kraft,", "left force,", "right force,"};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (imp_starts(label, t[i]))
            return 1;
    return 0;
}

static int pass1(struct fdm *z, struct imp_str *hdr, struct imp_attrs *at)
{
    struct imp *im = z->im;
    struct imp_lr lr;
    char *line, *f[FDM_MAX_COLS + 2];
    size_t len;
    int got, rc = RMAT_OK, state = 0; /* 0 header, 1 table, 2 between, 3 platform, 4 frames */

    rc = imp_open(im, &lr, 0, 0, 1);
    if (rc != RMAT_OK)
        return rc;
    z->w_mm = z->h_mm = z->freq = NAN;
    z->count = z->frame_count = -1;
    while ((got = imp_lr_next(&lr, &line, &len, im->path, im->ei)) == 1) {
        const uint64_t off = lr.line_off;
        int nf;
        if (state == 4) {
            if (imp_starts(line, "Frame ") && line[len ? len - 1 : 0] == '{')
                z->frames++;
            continue;
        }
        if (state == 1) {
            if (line[strspn(line, " \t")] == '\0') {
                if (z->table_rows > 0)
                    state = 2;
                continue;
            }
            if (imp_starts(line, "Calibr"))
                goto keep;
            z->table_rows++;
            continue;
        }
        if (imp_starts(line, "Frame ") && len > 0 &&
            imp_trim(line)[strlen(imp_trim(line)) - 1] == '{') {
            if (!z->platform_line) {
                rc = imp_err(im, lr.line, "a frame before Platform {");
                goto out;
            }
            z->frames_off = off;
            z->frames_line = lr.line;
            z->frames = 1;
            state = 4;
            continue;
        }
    keep:
        /* Header text: redacted keys keep their label. */
        {
            const char *tab = strchr(line, '\t');
            char key[64];
            snprintf(key, sizeof key, "%.*s", (int)(tab ? tab - line : (long)len), line);
            if (im->opts->redact && personal(imp_trim(key))) {
                imp_str_add_latin1(hdr, line, tab ? (size_t)(tab - line) : len, IMP_MAX_HEADER);
                imp_str_add(hdr, tab ? "\t\n" : "\n");
            } else {
                imp_str_add_latin1(hdr, line, len, IMP_MAX_HEADER);
                imp_str_add(hdr, "\n");
            }
        }
        if (state == 1)
            continue;
        nf = imp_split(line, '\t', f, FDM_MAX_COLS + 1);
        if (nf > FDM_MAX_COLS + 1) {
            rc = imp_err(im, lr.line, "more than %d columns", FDM_MAX_COLS + 1);
            goto out;
        }
        while (nf > 1 && f[nf - 1][0] == '\0')
            nf--;
        if (imp_eq(f[0], "Time,ms") && state == 0) {
            z->ncol = nf - 1;
            for (int i = 0; i < z->ncol; i++) {
                snprintf(z->label[i], sizeof z->label[i], "%s", f[1 + i]);
                z->foot[i] = foot_total(f[1 + i]);
            }
            z->table_off = off;
            z->table_line = lr.line;
            state = 1;
            continue;
        }
        if (imp_starts(f[0], "Platform") && strchr(f[0], '{')) {
            z->platform_line = lr.line;
            state = 3;
            continue;
        }
        if (nf < 2)
            continue;
        if (state == 3) {
            long n;
            double d;
            if (imp_eq(f[0], "Columns") || imp_eq(f[0], "Lines")) {
                const int c = imp_eq(f[0], "Columns");
                if (imp_int_str(f[1], 1, RMAT_IMPORT_MAX_SIDE, &n) != 0) {
                    rc = imp_err(im, lr.line, "%s: expected a whole number 1..%d, found \"%.20s\"",
                                 f[0], RMAT_IMPORT_MAX_SIDE, f[1]);
                    goto out;
                }
                *(c ? &z->cols : &z->rows) = (int)n;
                *(c ? &z->cols_line : &z->rows_line) = lr.line;
            } else if (imp_starts(f[0], "Cell width,") || imp_starts(f[0], "Cell height,")) {
                const int w = imp_starts(f[0], "Cell width,");
                double to_mm;
                if (imp_unit_length(strchr(f[0], ',') + 1, &to_mm) != 0) {
                    rc = imp_err(im, lr.line, "%s: unknown length unit \"%s\"", f[0],
                                 strchr(f[0], ',') + 1);
                    goto out;
                }
                if (imp_num_str(f[1], &d) != 0 || !(d > 0)) {
                    rc = imp_err(im, lr.line, "%s: expected a positive number, found \"%.20s\"",
                                 f[0], f[1]);
                    goto out;
                }
                *(w ? &z->w_mm : &z->h_mm) = d * to_mm;
            } else if (imp_eq(f[0], "Units")) {
                enum imp_pkind kind;
                snprintf(z->unit, sizeof z->unit, "%s", f[1]);
                if (imp_unit_pressure(f[1], &kind, &z->to_kpa) != 0 || kind != IMP_P_KPA) {
                    rc = imp_err(im, lr.line, "Units: unknown pressure unit \"%.20s\"", f[1]);
                    goto out;
                }
            } else if (imp_eq(f[0], "Frame count")) {
                if (imp_int_str(f[1], 0, 2000000000L, &z->frame_count) != 0) {
                    rc = imp_err(im, lr.line, "Frame count: expected a whole number");
                    goto out;
                }
                z->frame_count_line = lr.line;
            } else if (imp_eq(f[0], "Frequency")) {
                if (imp_num_str(f[1], &z->freq) != 0 || !(z->freq > 0)) {
                    rc = imp_err(im, lr.line, "Frequency: expected a positive number");
                    goto out;
                }
            }
            continue;
        }
        /* The header proper. */
        if (imp_eq(f[0], "Count")) {
            if (imp_int_str(f[1], 0, 2000000000L, &z->count) != 0) {
                rc = imp_err(im, lr.line, "Count: expected a whole number");
                goto out;
            }
            z->count_line = lr.line;
        } else if (imp_eq(f[0], "Frequency,Hz")) {
            if (imp_num_str(f[1], &z->freq) != 0 || !(z->freq > 0)) {
                rc = imp_err(im, lr.line, "Frequency,Hz: expected a positive number");
                goto out;
            }
        } else if (imp_eq(f[0], "Creation date")) {
            int d, mo, y, h, mi, s;
            if (sscanf(f[1], "%d/%d/%d %d:%d:%d", &d, &mo, &y, &h, &mi, &s) == 6 && mo >= 1 &&
                mo <= 12 && d >= 1 && d <= 31) {
                z->when.known = 1;
                z->when.year = y;
                z->when.month = mo;
                z->when.day = d;
                z->when.hour = h;
                z->when.minute = mi;
                z->when.second = s;
            }
        } else if (imp_eq(f[0], "Application")) {
            snprintf(z->app, sizeof z->app, "%s", f[1]);
            imp_attr_text(at, "application", f[1]);
        } else if (!personal(f[0]) && state == 0 && f[0][0] && nf == 2) {
            char key[64];
            struct imp_str u = {0};
            imp_snake(f[0], 1, key, sizeof key);
            imp_str_add_latin1(&u, f[1], strlen(f[1]), 1024);
            if (key[0] && !imp_eq(key, "calibr"))
                imp_attr_text(at, key, imp_str_get(&u));
            imp_str_free(&u);
        }
    }
    if (got < 0) {
        rc = got;
        goto out;
    }
    if (lr.line == 0) {
        rc = imp_err(im, 0, "the file is empty: expected an export, found 0 bytes");
        goto out;
    }
    if (!z->platform_line || !z->frames_line) {
        rc = imp_err(im, lr.line + 1, "expected %s, found the end of the file",
                     !z->platform_line ? "Platform {" : "Frame 1 {");
        goto out;
    }
    if (!z->cols || !z->rows || isnan(z->w_mm) || isnan(z->h_mm) || !z->unit[0]) {
        rc = imp_err(im, z->frames_line, "Platform { (line %ld) lacks %s (a required key)",
                     z->platform_line,
                     !z->cols         ? "Columns"
                     : !z->rows       ? "Lines"
                     : isnan(z->w_mm) ? "Cell width"
                     : isnan(z->h_mm) ? "Cell height"
                                      : "Units");
        goto out;
    }
    if (isnan(z->freq)) {
        rc = imp_err(im, z->frames_line, "no Frequency in the header or Platform (a required key)");
        goto out;
    }
    if (z->count >= 0 && z->count != z->frames) {
        rc = imp_err(im, 0, "Count (line %ld) says %ld frames, the file holds %ld", z->count_line,
                     z->count, z->frames);
        goto out;
    }
    if (z->frame_count >= 0 && z->frame_count != z->frames) {
        rc = imp_err(im, 0, "Frame count (line %ld) says %ld frames, the file holds %ld",
                     z->frame_count_line, z->frame_count, z->frames);
        goto out;
    }
    if (z->table_line && z->table_rows != z->frames) {
        rc = imp_err(im, 0, "the force table (line %ld) has %ld lines, the file %ld frames",
                     z->table_line, z->table_rows, z->frames);
        goto out;
    }
    imp_source_done(im, &lr);
    z->endings = imp_lr_endings(&lr); /* of the whole file */
out:
    imp_lr_close(&lr);
    return rc;
}

/* The next force-table data line into fig (t_s and the columns). */
static int next_table_row(struct fdm *z, struct imp_lr *lr, double *t_s, double *val)
{
    char *line, *f[FDM_MAX_COLS + 2];
    size_t len;
    int got;
    while ((got = imp_lr_next(lr, &line, &len, z->im->path, z->im->ei)) == 1) {
        int nf;
        double t;
        if (line[strspn(line, " \t")] == '\0' || imp_starts(line, "Calibr"))
            continue;
        nf = imp_split(line, '\t', f, FDM_MAX_COLS + 1);
        while (nf > 1 && f[nf - 1][0] == '\0')
            nf--;
        if (nf != z->ncol + 1 || imp_num_str(f[0], &t) != 0)
            return imp_err(z->im, lr->line,
                           "expected a time and %d values (the columns of line %ld), found %d "
                           "fields",
                           z->ncol, z->table_line, nf);
        *t_s = t / 1000.0;
        for (int i = 0; i < z->ncol; i++)
            if (imp_eq(f[1 + i], "NaN"))
                val[i] = NAN;
            else if (imp_num_str(f[1 + i], &val[i]) != 0)
                return imp_err(z->im, lr->line, "value %d is \"%.20s\": expected a number or NaN",
                               i + 1, f[1 + i]);
        return 1;
    }
    return got < 0 ? got : imp_err(z->im, lr->line + 1, "the force table ends early");
}

int imp_read_winfdm(struct imp *im)
{
    struct fdm z;
    struct imp_str hdr = {0};
    struct imp_attrs at = {0};
    struct imp_lr lf, lt;
    int lf_open = 0, lt_open = 0, rc, got, part, in_frame = 0, have_cols = 0, rows_seen = 0;
    char *line, names[FDM_MAX_COLS + 2][72];
    size_t len;
    float *v = NULL;
    uint8_t *mask = NULL;
    long k = 0, label = 0, frame_line = 0;
    double t_ms = NAN, cof_x = NAN, cof_y = NAN, best_foot = 0, implied = NAN;
    struct rmat_import_figure fig[FDM_MAX_COLS + 2];

    memset(&z, 0, sizeof z);
    z.im = im;
    rc = pass1(&z, &hdr, &at);
    if (rc != RMAT_OK)
        goto out;
    {
        struct rmat_import_part p;
        const size_t n = (size_t)z.rows * (size_t)z.cols;
        v = calloc(n, sizeof *v);
        mask = malloc(n);
        if (!v || !mask) {
            rc = imp_errc(im, RMAT_E_NOMEM, 0, "out of memory");
            goto out;
        }
        memset(mask, 1, n);
        memset(&p, 0, sizeof p);
        p.name = "";
        p.layout = RMAT_IMPORT_GRID;
        p.rows = z.rows;
        p.cols = z.cols;
        p.pitch_x_mm = z.w_mm;
        p.pitch_y_mm = z.h_mm;
        p.mask = mask;
        p.to_kpa = z.to_kpa;
        p.unit_in_file = z.unit;
        p.rate_hz = z.freq;
        p.content = "movie";
        p.variant = z.app;
        p.encoding = "Latin-1";
        p.line_endings = z.endings;
        p.start = z.when;
        p.model = z.app;
        imp_assume(im, "rows are the y lines, columns the x columns, as in the file (never "
                       "transposed; the long axis is x on a treadmill, y on a platform)");
        imp_assume(im, "the force table's per-foot forces are attributions (0 where no foot was "
                       "assigned): kept under /vendor, never a total");
        rc = imp_part_begin(im, &p, &at, &hdr);
        if (rc < 0)
            goto out;
        part = rc;
    }
    for (int i = 0; i < z.ncol; i++) {
        imp_snake(z.label[i], 1, names[i], sizeof names[i]);
        if (!names[i][0])
            snprintf(names[i], sizeof names[i], "column_%d", i + 2);
        fig[i].name = names[i];
    }
    snprintf(names[z.ncol], sizeof names[0], "cop_x_mm");
    snprintf(names[z.ncol + 1], sizeof names[0], "cop_y_mm");
    fig[z.ncol].name = names[z.ncol];
    fig[z.ncol + 1].name = names[z.ncol + 1];
    rc = imp_open(im, &lf, z.frames_off, z.frames_line - 1, 0);
    if (rc != RMAT_OK)
        goto out;
    lf_open = 1;
    if (z.table_line) {
        rc = imp_open(im, &lt, z.table_off, z.table_line - 1, 0);
        if (rc != RMAT_OK)
            goto out;
        lt_open = 1;
        got = imp_lr_next(&lt, &line, &len, im->path, im->ei); /* Time,ms */
        if (got < 0) {
            rc = got;
            goto out;
        }
    }
    while ((got = imp_lr_next(&lf, &line, &len, im->path, im->ei)) == 1) {
        char *s = imp_trim(line), *f[RMAT_IMPORT_MAX_SIDE + 2];
        if (!in_frame) {
            if (*s == '\0')
                continue;
            if (!imp_starts(s, "Frame ") || s[strlen(s) - 1] != '{' ||
                (s[strlen(s) - 1] = '\0', imp_int_str(s + 6, 0, 2000000000L, &label)) != 0) {
                rc = imp_err(im, lf.line, "expected Frame <n> {, found \"%.40s\"", s);
                goto out;
            }
            in_frame = 1;
            frame_line = lf.line;
            have_cols = rows_seen = 0;
            t_ms = cof_x = cof_y = NAN;
            continue;
        }
        if (strcmp(s, "}") == 0) {
            double sum = 0, t_s = NAN, foot = 0;
            if (rows_seen != z.rows) {
                rc = imp_err(im, lf.line, "frame %ld ends after %d of %d lines (Lines, line %ld)",
                             label, rows_seen, z.rows, z.rows_line);
                goto out;
            }
            if (isnan(t_ms)) {
                rc = imp_err(im, frame_line, "frame %ld has no Time, ms line", label);
                goto out;
            }
            rc = imp_frame(im, part, label, llround(t_ms * 1000.0), v, frame_line);
            if (rc != RMAT_OK)
                goto out;
            for (size_t i = 0; i < (size_t)z.rows * (size_t)z.cols; i++)
                sum += v[i];
            fig[z.ncol].value = isnan(cof_x) ? NAN : (cof_x - 0.5) * z.w_mm;
            fig[z.ncol + 1].value = isnan(cof_y) ? NAN : (cof_y - 0.5) * z.h_mm;
            if (lt_open) {
                double val[FDM_MAX_COLS];
                rc = next_table_row(&z, &lt, &t_s, val);
                if (rc < 0)
                    goto out;
                for (int i = 0; i < z.ncol; i++) {
                    fig[i].value = val[i];
                    if (z.foot[i] && !isnan(val[i]))
                        foot += val[i];
                }
            }
            if (foot > best_foot && sum > 0) {
                best_foot = foot;
                implied = 1000.0 * foot / sum;
            }
            rc = imp_vendor_row(im, part, k, isnan(t_s) ? t_ms / 1000.0 : t_s,
                                lt_open ? fig : fig + z.ncol, lt_open ? (size_t)z.ncol + 2 : 2);
            if (rc != RMAT_OK)
                goto out;
            k++;
            in_frame = 0;
            memset(v, 0, (size_t)z.rows * (size_t)z.cols * sizeof *v);
            continue;
        }
        if (imp_starts(s, "Time, ms") || imp_starts(s, "Time,ms")) {
            if (imp_num_str(strchr(s, '\t') ? strchr(s, '\t') : "", &t_ms) != 0) {
                rc = imp_err(im, lf.line, "Time, ms: expected a number");
                goto out;
            }
            continue;
        }
        if (imp_starts(s, "Center of force") || imp_starts(s, "Kraftmittelpunkt")) {
            const char *p = strchr(s, '(');
            int cx, cy;
            if (p && sscanf(p, "(x%d,y%d)", &cx, &cy) == 2) {
                cof_x = cx;
                cof_y = cy;
            }
            continue;
        }
        if (line[0] == '\t' || (s[0] == 'x' && s[1] == '1')) {
            int nf = imp_split(s, '\t', f, RMAT_IMPORT_MAX_SIDE + 1);
            while (nf > 1 && f[nf - 1][0] == '\0')
                nf--;
            if (nf != z.cols) {
                rc = imp_err(im, lf.line,
                             "expected %d column labels x1..x%d (Columns, line %ld), "
                             "found %d",
                             z.cols, z.cols, z.cols_line, nf);
                goto out;
            }
            have_cols = 1;
            continue;
        }
        if (s[0] == 'y' && s[1] >= '0' && s[1] <= '9') {
            int nf = imp_split(s, '\t', f, RMAT_IMPORT_MAX_SIDE + 1);
            long j;
            while (nf > 1 && f[nf - 1][0] == '\0')
                nf--;
            if (!have_cols || imp_int_str(f[0] + 1, 1, z.rows, &j) != 0 || j != rows_seen + 1) {
                rc = imp_err(im, lf.line, "expected line y%d of frame %ld, found \"%.20s\"",
                             rows_seen + 1, label, f[0]);
                goto out;
            }
            if (nf - 1 != z.cols) {
                rc = imp_err(im, lf.line, "expected %d values (Columns, line %ld), found %d",
                             z.cols, z.cols_line, nf - 1);
                goto out;
            }
            for (int c = 0; c < z.cols; c++) {
                double d;
                if (imp_num(f[1 + c], strlen(f[1 + c]), 0, &d) != 0) {
                    rc = imp_err(im, lf.line, "value %d is \"%.40s\": expected a number", c + 1,
                                 f[1 + c]);
                    goto out;
                }
                v[(size_t)rows_seen * (size_t)z.cols + (size_t)c] = (float)(d * z.to_kpa);
            }
            rows_seen++;
            continue;
        }
        /* The exercise name and blank lines. */
    }
    if (got < 0) {
        rc = got;
        goto out;
    }
    if (in_frame) {
        rc = imp_err(im, lf.line + 1, "frame %ld (line %ld) is not closed: end of file, truncated?",
                     label, frame_line);
        goto out;
    }
    if (!isnan(implied)) {
        imp_part_add_attr_num(im, part, "implied_sensel_area_mm2", implied);
        if (fabs(implied - z.w_mm * z.h_mm) > 0.02 * z.w_mm * z.h_mm)
            imp_part_warn(im, part,
                          "the per-foot forces imply %.4g mm2 per sensel, Cell width x height "
                          "%.4g mm2 (printed rounded): --pitch-mm sets the pitch",
                          implied, z.w_mm * z.h_mm);
    }
    rc = RMAT_OK;
out:
    if (lf_open)
        imp_lr_close(&lf);
    if (lt_open)
        imp_lr_close(&lt);
    imp_str_free(&hdr);
    imp_attrs_free(&at);
    free(v);
    free(mask);
    return rc;
}
