/* SPDX-License-Identifier: GPL-3.0-or-later */
/* XSENSOR CSV, the standard layout (IMPORT.md §3).
 *
 * UTF-8 with a BOM, every record padded with empty fields and followed by
 * an empty record, fields maybe quoted (the path holds commas). Per frame:
 * FRAME,<absolute number>, Date, Time, then per sensor (two insoles) its
 * geometry, statistics and SENSELS with Rows records of Columns values;
 * then GROUP blocks whose SENSELS are regions flattened 20 per record,
 * skipped (after checking their Cells count).
 *
 * Each sensor is a part, begun at its first SENSELS. There is no rate in
 * the file: times come from Date + Time (the date carries midnight), and
 * the rate is (N - 1) / (t_last - t_first), set at the end, since steps
 * jitter by a millisecond. There is no outline marker: the mask is all 1.
 *
 * The "PRO 7" and "wide" variants are known only from third-party readers
 * and are refused by name at detection rather than read by guesswork.
 */
#include "import_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XS_MAX_FIELDS  512 /* a record's fields: 256 values and padding */
#define XS_MAX_SENSORS 4
#define XS_MAX_STATS   32
#define XS_MAX_RECORD  (64u << 10) /* a quoted record spanning lines */

/* Is a line only commas and blanks (an empty or padding record)? */
static int blank_record(const char *s)
{
    for (; *s; s++)
        if (*s != ',' && *s != ' ' && *s != '\t')
            return 0;
    return 1;
}

/* The first two fields of a line (a copy; quotes handled), for detection. */
static int head_fields(const char *line, size_t n, char *a, char *b, size_t cap)
{
    char tmp[512], *f[64];
    int nf;
    if (n >= sizeof tmp)
        n = sizeof tmp - 1;
    memcpy(tmp, line, n);
    tmp[n] = '\0';
    nf = imp_csv_split(tmp, f, 63);
    if (nf < 1)
        return 0;
    snprintf(a, cap, "%s", f[0]);
    snprintf(b, cap, "%s", nf > 1 ? f[1] : "");
    return nf > 63 ? 63 : nf;
}

int imp_is_xsensor(const char *head, const char **variant)
{
    int units = 0, frame = 0, sensor = 0, rows = 0, cols = 0, sensels = 0, records = 0;
    int wide_frame = 0, wide_insole = 0, wide_cells = 0, pro7 = 0;
    *variant = NULL;
    for (const char *p = head; *p && records < 100;) {
        const char *nl = strchr(p, '\n');
        const size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char a[128], b[128];
        int nf = head_fields(p, n, a, b, sizeof a);
        if (nf > 0 && !(a[0] == '\0' && b[0] == '\0')) {
            char tmp[512], *f[64];
            size_t m = n < sizeof tmp - 1 ? n : sizeof tmp - 1;
            int k;
            long v;
            records++;
            units |= imp_eq(a, "Units:");
            if (imp_eq(a, "FRAME") && imp_int_str(b, 0, 2000000000L, &v) == 0)
                frame = 1;
            sensor |= frame && imp_eq(a, "SENSOR");
            rows |= frame && imp_eq(a, "Rows");
            cols |= frame && imp_eq(a, "Columns");
            sensels |= frame && imp_eq(a, "SENSELS");
            /* PRO 7: "Key: value" inside one field. */
            pro7 |= imp_starts(a, "Units: ") && a[7] != '\0';
            memcpy(tmp, p, m);
            tmp[m] = '\0';
            k = imp_csv_split(tmp, f, 63);
            for (int i = 0; i < k && i < 63; i++) {
                wide_frame |= imp_eq(f[i], "Frame");
                wide_insole |= imp_eq(f[i], "Insole");
                wide_cells |= imp_starts(f[i], "S_") && f[i][2] >= '0' && f[i][2] <= '9';
            }
        }
        if (!nl)
            break;
        p = nl + 1;
    }
    if (wide_frame && wide_insole && wide_cells) {
        *variant = "wide";
        return 1;
    }
    if (pro7) {
        *variant = "PRO 7";
        return 1;
    }
    /* Units: is part of the rule, but a file lacking it is still XSENSOR:
     * the reader then names what is missing. */
    (void)units;
    return frame && sensor && rows && cols && sensels;
}

static const char *const months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* "2024 Jan 02" */
static int parse_date(const char *s, int *y, int *m, int *d)
{
    char mon[8];
    int n = 0;
    if (sscanf(s, "%d %7s %d%n", y, mon, d, &n) != 3 || s[n] != '\0' || *y < 1900 || *y > 9999 ||
        *d < 1 || *d > 31)
        return -1;
    for (int i = 0; i < 12; i++)
        if (imp_eq(mon, months[i])) {
            *m = i + 1;
            return 0;
        }
    return -1;
}

/* "23:59:59.990" -> seconds of the day */
static int parse_time(const char *s, double *sec)
{
    int h, mi, n = 0;
    double se;
    if (sscanf(s, "%d:%d:%n", &h, &mi, &n) != 2 || n == 0 || h < 0 || h > 23 || mi < 0 || mi > 59)
        return -1;
    if (imp_num(s + n, strlen(s + n), 0, &se) != 0 || se < 0 || se >= 61)
        return -1;
    *sec = h * 3600.0 + mi * 60.0 + se;
    return 0;
}

struct xs_sensor {
    char name[128];
    int rows, cols;
    double w_mm, h_mm;
    int part;
    double w_half_mm, h_half_mm; /* half the printing step of width, height */
    /* implied sensel area: from the frame with the most loaded cells */
    double implied_mm2, implied_tol;
    long implied_cells;
    uint64_t frames;
    int64_t t_first, t_last;
};

struct xs {
    struct imp *im;
    struct imp_lr lr;
    struct imp_str rec, work; /* a quoted record joined over lines, a copy to split */
    char *f[XS_MAX_FIELDS + 1];
    int nf;
    long rec_line;
    enum imp_pkind kind;
    double to_kpa;
    char unit[48];
    int have_units;
    struct imp_str pre; /* header text before the first sensor block */
    struct xs_sensor s[XS_MAX_SENSORS];
    int nsensors; /* of the first frame */
    float *v;
    struct imp_attrs at;
};

/* The next non-empty record (trailing empty fields dropped): 1, 0 at the
 * end, or an error. hdr: append its lines to this header text. */
static int next_record(struct xs *x, struct imp_str *hdr)
{
    char *line;
    size_t len;
    int got;
    for (;;) {
        got = imp_lr_next(&x->lr, &line, &len, x->im->path, x->im->ei);
        if (got <= 0)
            return got;
        if (hdr) {
            imp_str_addn(hdr, line, len, IMP_MAX_HEADER);
            imp_str_addn(hdr, "\n", 1, IMP_MAX_HEADER);
        }
        if (blank_record(line))
            continue;
        x->rec_line = x->lr.line;
        if (!memchr(line, '"', len)) {
            x->nf = imp_csv_split(line, x->f, XS_MAX_FIELDS);
        } else {
            /* Quotes: split a copy, so that a quoted field running over the
             * line end can be joined with the next line and split again. */
            x->rec.len = 0;
            imp_str_addn(&x->rec, line, len, XS_MAX_RECORD);
            for (;;) {
                x->work.len = 0;
                if (imp_str_addn(&x->work, x->rec.s, x->rec.len, XS_MAX_RECORD) != 0)
                    return imp_errc(x->im, RMAT_E_NOMEM, 0, "out of memory");
                x->nf = imp_csv_split(x->work.s, x->f, XS_MAX_FIELDS);
                if (x->nf >= 0)
                    break;
                got = imp_lr_next(&x->lr, &line, &len, x->im->path, x->im->ei);
                if (got < 0)
                    return got;
                if (got == 0 || x->rec.full)
                    return imp_err(x->im, x->rec_line,
                                   "a quoted field is never closed (the record runs to %s)",
                                   got == 0 ? "the end of the file" : "64 KiB");
                if (hdr) {
                    imp_str_addn(hdr, line, len, IMP_MAX_HEADER);
                    imp_str_addn(hdr, "\n", 1, IMP_MAX_HEADER);
                }
                imp_str_addn(&x->rec, "\n", 1, XS_MAX_RECORD);
                imp_str_addn(&x->rec, line, len, XS_MAX_RECORD);
            }
        }
        if (x->nf > XS_MAX_FIELDS)
            return imp_err(x->im, x->rec_line, "a record of more than %d fields", XS_MAX_FIELDS);
        while (x->nf > 1 && x->f[x->nf - 1][0] == '\0')
            x->nf--;
        return 1;
    }
}

static const char *field(const struct xs *x, int i)
{
    return i < x->nf ? x->f[i] : "";
}

/* The unit in a label's parentheses: "Sensel Width (cm)" -> length to mm. */
static int label_length(struct xs *x, const char *label, double *to_mm)
{
    const char *o = strchr(label, '('), *c = o ? strchr(o, ')') : NULL;
    char u[32];
    if (!o || !c || (size_t)(c - o - 1) >= sizeof u)
        return imp_err(x->im, x->rec_line, "%s: expected a unit in parentheses, e.g. (cm)", label);
    memcpy(u, o + 1, (size_t)(c - o - 1));
    u[c - o - 1] = '\0';
    if (imp_unit_length(u, to_mm) != 0)
        return imp_err(x->im, x->rec_line, "%s: unknown length unit \"%s\"", label, u);
    return RMAT_OK;
}

/* Rows records of Columns values into x->v. */
static int read_sensels(struct xs *x, const struct xs_sensor *s, long rows_line, long cols_line,
                        long *nonzero)
{
    *nonzero = 0;
    for (int r = 0; r < s->rows; r++) {
        int got = next_record(x, NULL);
        if (got < 0)
            return got;
        if (got == 0)
            return imp_err(x->im, x->lr.line + 1,
                           "sensor %s ends after %d of %d rows (Rows, line %ld): end of file, "
                           "truncated?",
                           s->name, r, s->rows, rows_line);
        if (x->nf != s->cols)
            return imp_err(x->im, x->rec_line, "expected %d values (Columns, line %ld), found %d",
                           s->cols, cols_line, x->nf);
        for (int c = 0; c < s->cols; c++) {
            double d;
            const char *f = x->f[c];
            if (imp_num(f, strlen(f), 0, &d) != 0)
                return imp_err(x->im, x->rec_line, "value %d is \"%.40s\": expected a number",
                               c + 1, f);
            if (d != 0)
                (*nonzero)++;
            x->v[(size_t)r * (size_t)s->cols + (size_t)c] = (float)(d * x->to_kpa);
        }
    }
    return RMAT_OK;
}

/* A GROUP's SENSELS: Cells values flattened 20 per record; checked and
 * skipped. */
static int skip_group(struct xs *x, long cells, long cells_line)
{
    long seen = 0;
    while (seen < cells) {
        int got = next_record(x, NULL);
        if (got < 0)
            return got;
        if (got == 0)
            return imp_err(x->im, x->lr.line + 1,
                           "a GROUP ends after %ld of %ld values (Cells, line %ld): end of file",
                           seen, cells, cells_line);
        for (int i = 0; i < x->nf; i++) {
            double d;
            if (imp_num(x->f[i], strlen(x->f[i]), 0, &d) != 0)
                return imp_err(x->im, x->rec_line,
                               "a GROUP ends after %ld of %ld values (Cells, line %ld): found "
                               "\"%.40s\"",
                               seen, cells, cells_line, x->f[i]);
        }
        seen += x->nf;
    }
    if (seen != cells)
        return imp_err(x->im, x->rec_line, "a GROUP holds %ld values, its Cells (line %ld) say %ld",
                       seen, cells_line, cells);
    return RMAT_OK;
}

static int begin_part(struct xs *x, struct xs_sensor *s, const struct imp_str *blk,
                      const struct rmat_import_when *when)
{
    struct imp *im = x->im;
    struct rmat_import_part p;
    struct imp_str hdr = {0};
    uint8_t *mask = malloc((size_t)s->rows * (size_t)s->cols);
    int rc;

    if (!mask)
        return imp_errc(im, RMAT_E_NOMEM, 0, "out of memory");
    memset(mask, 1, (size_t)s->rows * (size_t)s->cols);
    imp_str_addn(&hdr, imp_str_get(&x->pre), x->pre.len, IMP_MAX_HEADER);
    imp_str_addn(&hdr, imp_str_get(blk), blk->len, IMP_MAX_HEADER);
    memset(&p, 0, sizeof p);
    p.name = s->name;
    p.side = strstr(s->name, "-LF")   ? RMAT_IMPORT_SIDE_LEFT
             : strstr(s->name, "-RF") ? RMAT_IMPORT_SIDE_RIGHT
                                      : RMAT_IMPORT_SIDE_ANY;
    p.layout = RMAT_IMPORT_GRID;
    p.rows = s->rows;
    p.cols = s->cols;
    p.pitch_x_mm = s->w_mm;
    p.pitch_y_mm = s->h_mm;
    p.mask = mask;
    p.counts = x->kind == IMP_P_COUNTS;
    p.to_kpa = p.counts ? NAN : x->to_kpa;
    p.unit_in_file = x->unit;
    p.rate_hz = NAN; /* set at the end */
    p.content = "movie";
    p.variant = "standard";
    p.encoding = "UTF-8";
    p.line_endings = imp_lr_endings(&x->lr);
    p.start = *when;
    {
        /* The serial is the name's last word ("XS-DEMO-LF S0001"). */
        const char *sp = strrchr(s->name, ' ');
        p.serial = sp ? sp + 1 : "";
    }
    rc = imp_part_begin(im, &p, &x->at, &hdr);
    free(mask);
    imp_str_free(&hdr);
    return rc;
}

int imp_read_xsensor(struct imp *im)
{
    struct xs *x = calloc(1, sizeof *x);
    struct imp_str blk = {0}, last = {0};
    struct rmat_import_when when = {0};
    struct rmat_import_figure fig[XS_MAX_STATS];
    char fig_names[XS_MAX_STATS][64];
    long frame_no = -1, frame_line = 0, first_frame_line = 0, frame_sensors = 0;
    long nframes = 0;
    int64_t day0 = 0;
    double t_rel_s = NAN;
    int date_ok = 0, time_ok = 0, got, rc = RMAT_OK, y = 0, mo = 0, d = 0;
    double sec = 0;

    if (!x)
        return imp_errc(im, RMAT_E_NOMEM, 0, "out of memory");
    x->im = im;
    x->v = malloc(RMAT_IMPORT_MAX_SENSORS * sizeof *x->v);
    if (!x->v) {
        free(x);
        return imp_errc(im, RMAT_E_NOMEM, 0, "out of memory");
    }
    rc = imp_open(im, &x->lr, 0, 0, 1);
    if (rc != RMAT_OK)
        goto out;
    /* The preamble: File:, Units:, Threshold: and anything else before
     * the first FRAME. */
    for (;;) {
        got = next_record(x, &x->pre);
        if (got < 0) {
            rc = got;
            goto out;
        }
        if (got == 0) {
            rc = x->lr.line == 0
                     ? imp_err(im, 0, "the file is empty: expected an export, found 0 bytes")
                     : imp_err(im, x->lr.line + 1,
                               "expected FRAME,<n> records, found the end of the "
                               "file");
            goto out;
        }
        if (x->pre.full) {
            rc = imp_err(im, x->rec_line, "a header longer than %u bytes", IMP_MAX_HEADER);
            goto out;
        }
        if (imp_eq(field(x, 0), "FRAME"))
            break;
        if (imp_eq(field(x, 0), "Units:")) {
            snprintf(x->unit, sizeof x->unit, "%s", field(x, 1));
            if (imp_unit_pressure(x->unit, &x->kind, &x->to_kpa) != 0 || x->kind == IMP_P_NEWTON) {
                rc = imp_err(im, x->rec_line, "Units: unknown pressure unit \"%s\"", x->unit);
                goto out;
            }
            x->have_units = 1;
        } else {
            char key[64];
            imp_snake(field(x, 0), 0, key, sizeof key);
            if (key[0])
                imp_attr_text(&x->at, key, field(x, 1));
        }
    }
    if (!x->have_units) {
        rc = imp_err(im, x->rec_line, "no Units: record before the first FRAME (a required key)");
        goto out;
    }
    rc = imp_opt_unit(im, &x->kind, &x->to_kpa);
    if (rc < 0)
        goto out;
    if (x->kind == IMP_P_COUNTS)
        x->to_kpa = 1.0;
    if (x->kind == IMP_P_NEWTON) {
        rc = imp_errc(im, RMAT_E_ARG, 0, "--unit N-per-sensel is not meaningful for XSENSOR");
        goto out;
    }
    /* Frames. x->f holds the FRAME record on entry. */
    for (;;) {
        const int is_frame = imp_eq(field(x, 0), "FRAME");
        if (is_frame) {
            long n;
            if (nframes > 0 && frame_sensors != x->nsensors) {
                rc = imp_err(im, frame_line,
                             "frame %ld lists %ld sensors, the first frame (line %ld) %d: a "
                             "sensor is missing",
                             frame_no, frame_sensors, first_frame_line, x->nsensors);
                goto out;
            }
            if (imp_int_str(field(x, 1), 0, 2000000000L, &n) != 0) {
                rc = imp_err(im, x->rec_line, "FRAME: expected a frame number, found \"%.40s\"",
                             field(x, 1));
                goto out;
            }
            frame_no = n;
            frame_line = x->rec_line;
            if (nframes == 0)
                first_frame_line = frame_line;
            frame_sensors = 0;
            date_ok = time_ok = 0;
            nframes++;
        } else if (imp_eq(field(x, 0), "Date")) {
            if (parse_date(field(x, 1), &y, &mo, &d) != 0) {
                rc = imp_err(im, x->rec_line, "Date: expected yyyy Mon dd, found \"%.40s\"",
                             field(x, 1));
                goto out;
            }
            date_ok = 1;
        } else if (imp_eq(field(x, 0), "Time")) {
            if (parse_time(field(x, 1), &sec) != 0) {
                rc = imp_err(im, x->rec_line, "Time: expected hh:mm:ss.mmm, found \"%.40s\"",
                             field(x, 1));
                goto out;
            }
            time_ok = 1;
        } else if (imp_eq(field(x, 0), "SENSOR")) {
            /* A sensor block up to its SENSELS, then the values. */
            struct xs_sensor cur;
            long rows_line = 0, cols_line = 0, nonzero = 0;
            int nfig = 0, si = (int)frame_sensors;
            double contact_cm2 = NAN;
            int contact_dec = 0;
            memset(&cur, 0, sizeof cur);
            cur.w_mm = cur.h_mm = NAN;
            snprintf(cur.name, sizeof cur.name, "%s", field(x, 1));
            if (!date_ok || !time_ok) {
                rc = imp_err(im, x->rec_line,
                             "frame %ld (line %ld) has no %s before its first "
                             "SENSOR",
                             frame_no, frame_line, date_ok ? "Time" : "Date");
                goto out;
            }
            if (nframes == 1) {
                /* The sensor's header text starts with its SENSOR record. */
                blk.len = 0;
                imp_str_addn(&blk, imp_str_get(&last), last.len, IMP_MAX_HEADER);
            }
            /* Header text of this block (first frame only). */
            for (;;) {
                got = next_record(x, nframes == 1 ? &blk : NULL);
                if (got < 0) {
                    rc = got;
                    goto out;
                }
                if (got == 0) {
                    rc = imp_err(im, x->lr.line + 1,
                                 "sensor %s ends before its SENSELS: end of file, truncated?",
                                 cur.name);
                    goto out;
                }
                if (imp_eq(field(x, 0), "SENSELS"))
                    break;
                if (imp_eq(field(x, 0), "Rows") || imp_eq(field(x, 0), "Columns")) {
                    long n;
                    const int is_rows = imp_eq(field(x, 0), "Rows");
                    if (imp_int_str(field(x, 1), 1, RMAT_IMPORT_MAX_SIDE, &n) != 0) {
                        rc = imp_err(im, x->rec_line,
                                     "%s: expected a whole number 1..%d, found \"%.40s\"",
                                     field(x, 0), RMAT_IMPORT_MAX_SIDE, field(x, 1));
                        goto out;
                    }
                    *(is_rows ? &cur.rows : &cur.cols) = (int)n;
                    *(is_rows ? &rows_line : &cols_line) = x->rec_line;
                } else if (imp_starts(field(x, 0), "Sensel Width") ||
                           imp_starts(field(x, 0), "Sensel Height")) {
                    const int w = imp_starts(field(x, 0), "Sensel Width");
                    double f, v;
                    rc = label_length(x, field(x, 0), &f);
                    if (rc != RMAT_OK)
                        goto out;
                    if (imp_num_str(field(x, 1), &v) != 0 || !(v > 0)) {
                        rc = imp_err(im, x->rec_line,
                                     "%s: expected a positive number, found "
                                     "\"%.40s\"",
                                     field(x, 0), field(x, 1));
                        goto out;
                    }
                    *(w ? &cur.w_mm : &cur.h_mm) = v * f;
                    {
                        /* Sizes are rounded to 0.01 cm (IMPORT.md), or to
                         * what the text prints if coarser. */
                        const int dec = imp_decimals(field(x, 1));
                        *(w ? &cur.w_half_mm : &cur.h_half_mm) =
                            0.5 * pow(10.0, -(dec > 2 ? dec : 2)) * f;
                    }
                } else if (nfig < XS_MAX_STATS) {
                    double v;
                    imp_snake(field(x, 0), 0, fig_names[nfig], sizeof fig_names[0]);
                    /* A label of no letters or digits names nothing. */
                    if (imp_num_str(field(x, 1), &v) == 0 && fig_names[nfig][0]) {
                        fig[nfig].name = fig_names[nfig];
                        fig[nfig].value = v;
                        nfig++;
                        if (imp_starts(field(x, 0), "Contact Area")) {
                            contact_cm2 = v;
                            contact_dec = imp_decimals(field(x, 1));
                        }
                    }
                }
            }
            if (!cur.rows || !cur.cols || isnan(cur.w_mm) || isnan(cur.h_mm)) {
                rc = imp_err(im, x->rec_line, "sensor %s lacks %s before SENSELS (a required key)",
                             cur.name,
                             !cur.rows         ? "Rows"
                             : !cur.cols       ? "Columns"
                             : isnan(cur.w_mm) ? "Sensel Width"
                                               : "Sensel Height");
                goto out;
            }
            if (nframes == 1) {
                if (si == XS_MAX_SENSORS) {
                    rc =
                        imp_err(im, x->rec_line, "more than %d sensors in a frame", XS_MAX_SENSORS);
                    goto out;
                }
                x->s[si] = cur;
                x->nsensors = si + 1;
                day0 = imp_days_from_civil(y, mo, d);
                when.known = 1;
                when.year = y;
                when.month = mo;
                when.day = d;
                when.hour = (int)(sec / 3600);
                when.minute = (int)(fmod(sec, 3600) / 60);
                when.second = fmod(sec, 60);
                rc = begin_part(x, &x->s[si], &blk, &when);
                if (rc < 0)
                    goto out;
                x->s[si].part = rc;
            } else if (si >= x->nsensors || strcmp(cur.name, x->s[si].name) != 0 ||
                       cur.rows != x->s[si].rows || cur.cols != x->s[si].cols) {
                rc = imp_err(im, x->rec_line,
                             "sensor %d of frame %ld is %s, %d x %d; the first frame (line %ld) "
                             "lists %s: every frame must list the same sensors",
                             si + 1, frame_no, cur.name, cur.rows, cur.cols, first_frame_line,
                             si < x->nsensors ? x->s[si].name : "fewer sensors");
                goto out;
            }
            rc = read_sensels(x, &x->s[si], rows_line, cols_line, &nonzero);
            if (rc != RMAT_OK)
                goto out;
            {
                struct xs_sensor *s = &x->s[si];
                const int64_t t_abs =
                    (imp_days_from_civil(y, mo, d) - day0) * 86400000000LL + llround(sec * 1e6);
                const int64_t t0 =
                    llround(((double)when.hour * 3600 + when.minute * 60 + when.second) * 1e6);
                const int64_t t_us = t_abs - t0;
                t_rel_s = (double)t_us / 1e6;
                rc = imp_frame(im, s->part, frame_no, t_us, x->v, frame_line);
                if (rc != RMAT_OK)
                    goto out;
                rc = imp_vendor_row(im, s->part, (int64_t)s->frames, t_rel_s, fig, (size_t)nfig);
                if (rc != RMAT_OK)
                    goto out;
                if (s->frames == 0)
                    s->t_first = t_us;
                s->t_last = t_us;
                s->frames++;
                if (!isnan(contact_cm2) && nonzero > s->implied_cells) {
                    s->implied_cells = nonzero;
                    s->implied_mm2 = contact_cm2 * 100.0 / (double)nonzero;
                    s->implied_tol = 0.5 * pow(10.0, -contact_dec) * 100.0 / (double)nonzero;
                }
            }
            frame_sensors++;
        } else if (imp_eq(field(x, 0), "GROUP")) {
            long cells = -1, cells_line = 0;
            for (;;) {
                got = next_record(x, NULL);
                if (got < 0) {
                    rc = got;
                    goto out;
                }
                if (got == 0) {
                    rc = imp_err(im, x->lr.line + 1,
                                 "a GROUP ends before its SENSELS: end of "
                                 "file, truncated?");
                    goto out;
                }
                if (imp_eq(field(x, 0), "Cells")) {
                    if (imp_int_str(field(x, 1), 0, RMAT_IMPORT_MAX_SENSORS, &cells) != 0) {
                        rc = imp_err(im, x->rec_line,
                                     "Cells: expected a whole number, found "
                                     "\"%.40s\"",
                                     field(x, 1));
                        goto out;
                    }
                    cells_line = x->rec_line;
                }
                if (imp_eq(field(x, 0), "SENSELS"))
                    break;
            }
            if (cells < 0) {
                rc = imp_err(im, x->rec_line, "a GROUP's SENSELS without Cells before it");
                goto out;
            }
            rc = skip_group(x, cells, cells_line);
            if (rc != RMAT_OK)
                goto out;
        }
        /* Anything else (a GROUP's statistics, records of later versions)
         * is not data. */
        last.len = 0;
        got = next_record(x, nframes == 1 ? &last : NULL);
        if (got < 0) {
            rc = got;
            goto out;
        }
        if (got == 0)
            break;
        /* The first frame's records before its first SENSOR (Date, Time)
         * belong to every sensor's header. */
        if (nframes == 1 && frame_sensors == 0 && !imp_eq(field(x, 0), "SENSOR"))
            imp_str_addn(&x->pre, imp_str_get(&last), last.len, IMP_MAX_HEADER);
    }
    if (frame_sensors != x->nsensors) {
        rc = imp_err(im, frame_line,
                     "frame %ld lists %ld sensors, the first frame (line %ld) %d: a sensor is "
                     "missing",
                     frame_no, frame_sensors, first_frame_line, x->nsensors);
        goto out;
    }
    for (int i = 0; i < x->nsensors; i++) {
        struct xs_sensor *s = &x->s[i];
        const double span = (double)(s->t_last - s->t_first) / 1e6;
        imp_part_set_rate(im, s->part,
                          s->frames > 1 && span > 0 ? (double)(s->frames - 1) / span : NAN);
        if (s->implied_cells > 0) {
            /* Width and height are printed to 0.01 cm: the product may be
             * off by that rounding, and the contact area by its own. */
            const double wr = s->w_half_mm, hr = s->h_half_mm;
            const double lo = (s->w_mm - wr) * (s->h_mm - hr) - s->implied_tol;
            const double hi = (s->w_mm + wr) * (s->h_mm + hr) + s->implied_tol;
            imp_part_add_attr_num(im, s->part, "implied_sensel_area_mm2", s->implied_mm2);
            if (s->implied_mm2 < lo || s->implied_mm2 > hi)
                imp_part_warn(im, s->part,
                              "%s: Contact Area / loaded cells implies %.4g mm2 per sensel, the "
                              "Sensel Width x Height %.4g mm2: forces will differ from Est. Load; "
                              "--pitch-mm sets the pitch",
                              s->name, s->implied_mm2, s->w_mm * s->h_mm);
        }
    }
    imp_source_done(im, &x->lr);
    rc = RMAT_OK;
out:
    imp_lr_close(&x->lr);
    imp_str_free(&x->rec);
    imp_str_free(&x->work);
    imp_str_free(&x->pre);
    imp_str_free(&blk);
    imp_str_free(&last);
    imp_attrs_free(&x->at);
    free(x->v);
    free(x);
    return rc;
}
