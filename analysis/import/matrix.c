/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Plain matrix CSV/TSV (IMPORT.md §11): numbers the user describes.
 *
 * Never chosen by detection: --rows, --cols, --pitch-mm, --unit and
 * --rate-hz (or --time-column) are required. Layouts: `line`, a frame per
 * line (rows x cols values row-major, maybe after a time in s); `block`,
 * rows lines of cols values per frame, frames separated by blank lines or
 * a text line (`Frame 3`: its integer is the label). The separator is
 * detected from the first data line (TAB, then ';', then ',', else
 * spaces) unless --sep names it; a decimal comma only with
 * --decimal-comma. Trailing separators are ignored; `B` or an empty cell
 * is no sensel, the same in every frame. Text lines before the first data
 * line are the header.
 */
#include "import_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mx {
    struct imp *im;
    int rows, cols, tc, comma, layout;
    char sep;
    double to_kpa, period;
    int counts;
    float *v;
    uint8_t *mask;
    long first_line; /* of the first frame: its B pattern is the mask */
    long nframes;
    int part;
};

/* Splits a data line. Trailing separators are ignored, yet an empty cell
 * is "no sensel": the fields are taken up to want when the ones after it
 * are all empty. Returns the field count (more than max: too many). */
static int split_line(const struct mx *m, char *s, char **f, int max, int want)
{
    int n = m->sep == ' ' ? imp_split_ws(s, f, max) : imp_split(s, m->sep, f, max);
    if (n > max)
        return n;
    if (want > 0 && n > want) {
        int k = want;
        while (k < n && f[k][0] == '\0')
            k++;
        if (k == n)
            return want;
    }
    while (n > 0 && f[n - 1][0] == '\0' && n != want)
        n--;
    return n;
}

/* Is the line data: every field a number, B or empty? */
static int is_data(const struct mx *m, const char *line)
{
    char tmp[4096], *f[1024];
    int n;
    snprintf(tmp, sizeof tmp, "%s", line);
    n = split_line(m, tmp, f, 1023, 0);
    if (n <= 0)
        return 0;
    for (int i = 0; i < n && i < 1023; i++) {
        double d;
        if (f[i][0] && !imp_eq(f[i], "B") && imp_num(f[i], strlen(f[i]), m->comma, &d) != 0)
            return 0;
    }
    return 1;
}

/* Fields f[0..n) into values at row r (block) or the whole frame (line). */
static int put(struct mx *m, char **f, int n, size_t at, long line)
{
    for (int i = 0; i < n; i++) {
        const size_t k = at + (size_t)i;
        if (f[i][0] == '\0' || imp_eq(f[i], "B")) {
            if (m->nframes == 0)
                m->mask[k] = 0;
            else if (m->mask[k])
                return imp_err(m->im, line,
                               "cell %zu is no sensel (B or empty) but held a number in the first "
                               "frame (line %ld): the pattern must not change",
                               k + 1, m->first_line);
            m->v[k] = 0;
        } else {
            double d;
            if (imp_num(f[i], strlen(f[i]), m->comma, &d) != 0)
                return imp_err(m->im, line, "value %d is \"%.40s\": expected a number, B or empty",
                               i + 1, f[i]);
            if (m->nframes == 0)
                m->mask[k] = 1;
            else if (!m->mask[k])
                return imp_err(m->im, line,
                               "cell %zu holds a number but was no sensel in the first frame "
                               "(line %ld): the pattern must not change",
                               k + 1, m->first_line);
            m->v[k] = (float)(d * m->to_kpa);
        }
    }
    return RMAT_OK;
}

static int emit(struct mx *m, long label, double t_s, long line, const struct imp_str *hdr,
                const struct imp_lr *lr)
{
    struct imp *im = m->im;
    if (m->nframes == 0) {
        struct rmat_import_part p;
        struct imp_attrs at = {0};
        int rc;
        memset(&p, 0, sizeof p);
        p.name = "";
        p.layout = RMAT_IMPORT_GRID;
        p.rows = m->rows;
        p.cols = m->cols;
        p.pitch_x_mm = im->opts->pitch_x_mm;
        p.pitch_y_mm = isnan(im->opts->pitch_y_mm) ? p.pitch_x_mm : im->opts->pitch_y_mm;
        p.mask = m->mask;
        p.counts = m->counts;
        p.to_kpa = m->counts ? NAN : m->to_kpa;
        p.unit_in_file = im->opts->unit;
        p.rate_hz = m->tc ? NAN : 1.0 / m->period;
        p.content = "movie";
        p.variant = m->layout == RMAT_IMPORT_LAYOUT_LINE ? "line" : "block";
        p.encoding = "ASCII";
        p.line_endings = imp_lr_endings(lr);
        imp_attr_text(&at, "separator",
                      m->sep == '\t'  ? "TAB"
                      : m->sep == ' ' ? "spaces"
                      : m->sep == ';' ? ";"
                                      : ",");
        imp_attr_num(&at, "decimal_comma", m->comma);
        imp_assume(im,
                   "the geometry, unit and timing are the options given: %d x %d, pitch %g x "
                   "%g mm, %s",
                   m->rows, m->cols, p.pitch_x_mm, p.pitch_y_mm, im->opts->unit);
        rc = imp_part_begin(im, &p, &at, hdr);
        imp_attrs_free(&at);
        if (rc < 0)
            return rc;
        m->part = rc;
        m->first_line = line;
    }
    {
        const int64_t t_us =
            m->tc ? llround(t_s * 1e6) : llround((double)m->nframes * m->period * 1e6);
        int rc = imp_frame(im, m->part, label, t_us, m->v, line);
        m->nframes++;
        return rc;
    }
}

int imp_read_matrix(struct imp *im)
{
    const struct rmat_import_opts *o = im->opts;
    struct mx m;
    struct imp_lr lr;
    struct imp_str hdr = {0};
    enum imp_pkind kind;
    char *line, **f = NULL;
    size_t len;
    int got, rc, started = 0, r = 0, max;
    long block_line = 0, label = -1, pending_label = -1;

    memset(&m, 0, sizeof m);
    m.im = im;
    if (o->rows < 1 || o->cols < 1 || o->rows > RMAT_IMPORT_MAX_SIDE ||
        o->cols > RMAT_IMPORT_MAX_SIDE)
        return imp_errc(im, RMAT_E_ARG, 0, "--format matrix needs --rows and --cols (1..%d)",
                        RMAT_IMPORT_MAX_SIDE);
    if (isnan(o->pitch_x_mm) || !(o->pitch_x_mm > 0) ||
        (!isnan(o->pitch_y_mm) && !(o->pitch_y_mm > 0)))
        return imp_errc(im, RMAT_E_ARG, 0, "--format matrix needs --pitch-mm X[,Y] (> 0)");
    if (!o->unit)
        return imp_errc(im, RMAT_E_ARG, 0,
                        "--format matrix needs --unit (kPa, mmHg, N/cm2, MPa, PSI, N-per-sensel, "
                        "counts)");
    if (o->time_column && !isnan(o->rate_hz))
        return imp_errc(im, RMAT_E_ARG, 0, "--time-column and --rate-hz exclude each other");
    if (!o->time_column && (isnan(o->rate_hz) || !(o->rate_hz > 0)))
        return imp_errc(im, RMAT_E_ARG, 0, "--format matrix needs --rate-hz (or --time-column)");
    if (o->time_column && o->layout == RMAT_IMPORT_LAYOUT_BLOCK)
        return imp_errc(im, RMAT_E_ARG, 0, "--time-column needs --layout line");
    if (o->sep && !strchr(",;\t ", o->sep))
        return imp_errc(im, RMAT_E_ARG, 0, "--sep: one of , ; TAB or space");
    if (o->decimal_comma && o->sep == ',')
        return imp_errc(im, RMAT_E_ARG, 0, "--decimal-comma with --sep ,: ambiguous");
    rc = imp_opt_unit(im, &kind, &m.to_kpa);
    if (rc < 0)
        return rc;
    m.rows = o->rows;
    m.cols = o->cols;
    m.tc = o->time_column;
    m.comma = o->decimal_comma;
    m.sep = o->sep;
    m.layout = o->layout;
    m.period = m.tc ? NAN : 1.0 / o->rate_hz;
    m.counts = kind == IMP_P_COUNTS;
    if (m.counts)
        m.to_kpa = 1;
    if (kind == IMP_P_NEWTON) {
        rc = imp_newton_to_kpa(im, o->pitch_x_mm,
                               isnan(o->pitch_y_mm) ? o->pitch_x_mm : o->pitch_y_mm, &m.to_kpa);
        if (rc != RMAT_OK)
            return rc;
    }
    max = m.rows * m.cols + 2;
    f = malloc((size_t)(max + 1) * sizeof *f);
    m.v = calloc((size_t)m.rows * (size_t)m.cols, sizeof *m.v);
    m.mask = calloc((size_t)m.rows * (size_t)m.cols, 1);
    if (!f || !m.v || !m.mask) {
        rc = imp_errc(im, RMAT_E_NOMEM, 0, "out of memory");
        goto out;
    }
    rc = imp_open(im, &lr, 0, 0, 1);
    if (rc != RMAT_OK)
        goto out;
    while ((got = imp_lr_next(&lr, &line, &len, im->path, im->ei)) == 1) {
        int n;
        const int blank = line[strspn(line, " \t;,")] == '\0';
        if (lr.line <= o->skip_lines)
            continue;
        if (!started) {
            if (blank) {
                continue;
            }
            if (!m.sep) {
                /* The separator of the first line that looks like data. */
                m.sep = strchr(line, '\t')                ? '\t'
                        : strchr(line, ';')               ? ';'
                        : (strchr(line, ',') && !m.comma) ? ','
                                                          : ' ';
            }
            if (!is_data(&m, line)) {
                long l;
                const char *sp = strrchr(line, ' ');
                if (m.layout != RMAT_IMPORT_LAYOUT_LINE && sp &&
                    imp_int_str(sp, 0, 2000000000L, &l) == 0)
                    pending_label = l; /* "Frame 3" */
                imp_str_add_latin1(&hdr, line, len, IMP_MAX_HEADER);
                imp_str_add(&hdr, "\n");
                if (!o->sep)
                    m.sep = 0;
                continue;
            }
            started = 1;
            if (m.layout == RMAT_IMPORT_LAYOUT_AUTO) {
                char tmp[64];
                char *copy = malloc(len + 1);
                if (!copy) {
                    rc = imp_errc(im, RMAT_E_NOMEM, 0, "out of memory");
                    goto out_lr;
                }
                memcpy(copy, line, len + 1);
                n = split_line(&m, copy, f, max, 0);
                free(copy);
                if (n == m.rows * m.cols + m.tc)
                    m.layout = RMAT_IMPORT_LAYOUT_LINE;
                else if (n == m.cols && !m.tc)
                    m.layout = RMAT_IMPORT_LAYOUT_BLOCK;
                else {
                    snprintf(tmp, sizeof tmp, "%d", n > max ? max : n);
                    rc = imp_err(im, lr.line,
                                 "the first data line holds %s values: expected %d (--layout "
                                 "line: rows x cols%s) or %d (--layout block: cols)",
                                 tmp, m.rows * m.cols + m.tc, m.tc ? " + the time" : "", m.cols);
                    goto out_lr;
                }
            }
        }
        if (m.layout == RMAT_IMPORT_LAYOUT_LINE) {
            double t = 0;
            if (blank)
                continue;
            n = split_line(&m, line, f, max, m.rows * m.cols + m.tc);
            if (n != m.rows * m.cols + m.tc) {
                rc = imp_err(im, lr.line, "expected %d values (--rows %d x --cols %d%s), found %d",
                             m.rows * m.cols + m.tc, m.rows, m.cols, m.tc ? " + the time" : "",
                             n > max ? max : n);
                goto out_lr;
            }
            if (m.tc && imp_num(f[0], strlen(f[0]), m.comma, &t) != 0) {
                rc = imp_err(im, lr.line, "the time is \"%.40s\": expected seconds", f[0]);
                goto out_lr;
            }
            rc = put(&m, f + m.tc, m.rows * m.cols, 0, lr.line);
            if (rc == RMAT_OK)
                rc = emit(&m, m.nframes, t, lr.line, &hdr, &lr);
            if (rc != RMAT_OK)
                goto out_lr;
            continue;
        }
        /* Block layout. */
        if (blank || !is_data(&m, line)) {
            if (r > 0) {
                rc = imp_err(im, lr.line, "frame ends after %d of %d rows (--rows): found %s", r,
                             m.rows, blank ? "a blank line" : "a text line");
                goto out_lr;
            }
            if (!blank) {
                const char *sp = strrchr(line, ' ');
                long l;
                if (sp && imp_int_str(sp, 0, 2000000000L, &l) == 0)
                    pending_label = l;
            }
            continue;
        }
        n = split_line(&m, line, f, max, m.cols);
        if (n != m.cols) {
            rc = imp_err(im, lr.line, "expected %d values (--cols), found %d", m.cols,
                         n > max ? max : n);
            goto out_lr;
        }
        if (r == 0)
            block_line = lr.line;
        rc = put(&m, f, n, (size_t)r * (size_t)m.cols, lr.line);
        if (rc != RMAT_OK)
            goto out_lr;
        if (++r == m.rows) {
            label = pending_label >= 0 ? pending_label : m.nframes;
            pending_label = -1;
            rc = emit(&m, label, 0, block_line, &hdr, &lr);
            if (rc != RMAT_OK)
                goto out_lr;
            r = 0;
        }
    }
    if (got < 0) {
        rc = got;
        goto out_lr;
    }
    if (r > 0) {
        rc = imp_err(im, lr.line + 1,
                     "frame ends after %d of %d rows (--rows): end of file, "
                     "truncated?",
                     r, m.rows);
        goto out_lr;
    }
    if (m.nframes == 0) {
        rc = lr.line == 0 ? imp_err(im, 0, "the file is empty: expected an export, found 0 bytes")
                          : imp_err(im, lr.line + 1, "no data lines (numbers) in the file");
        goto out_lr;
    }
    imp_source_done(im, &lr);
    rc = RMAT_OK;
out_lr:
    imp_lr_close(&lr);
out:
    imp_str_free(&hdr);
    free(f);
    free(m.v);
    free(m.mask);
    return rc;
}
