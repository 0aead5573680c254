/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tekscan ASCII movie, F-Scan .asf and I-Scan .csv (IMPORT.md §2).
 *
 * A KEY value header, ASCII_DATA @@, then per frame a frame line, ROWS
 * lines of COLS comma-separated cells and a blank line, until @@. The B
 * cells (no sensel) fix the mask with the first frame and must stay where
 * they are. Frame lines come short (`Frame 12`) or long, from I-Scan, with
 * the elapsed time and a Raw Sum that must equal the sum of the frame's
 * numeric cells.
 *
 * The cell loop is the importer's hot path: one pass over the line, cells
 * split at commas in place, numbers through imp_num(), no allocation.
 */
#include "import_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Keys the header may hold: the comment text after COMMENTS: runs until a
 * line whose first word is one of them. */
static const char *const known_keys[] = {"DATA_TYPE",
                                         "VERSION",
                                         "MAP_VERSION",
                                         "HW_TYPE",
                                         "VersaPogoFsx",
                                         "MAP_INDEX",
                                         "SUBMAP",
                                         "HARDWARE",
                                         "FILENAME",
                                         "SENSOR_TYPE",
                                         "ROWS",
                                         "COLS",
                                         "ROW_SPACING",
                                         "COL_SPACING",
                                         "SENSEL_AREA",
                                         "SECONDS_PER_FRAME",
                                         "MICRO_SECOND",
                                         "TIME",
                                         "NOISE_THRESHOLD",
                                         "SATURATION_PRESSURE",
                                         "CALIBRATION_INFO",
                                         "SENSITIVITY",
                                         "COMMENTS",
                                         "START_FRAME",
                                         "END_FRAME",
                                         "UNITS",
                                         "MIRROR_ROW",
                                         "MIRROR_COL",
                                         "ASCII_DATA",
                                         "SCALE_FACTOR",
                                         "EXPONENT"};

static int key_known(const char *k)
{
    if (imp_starts(k, "CALIBRATION_POINT_") || imp_starts(k, "CALIBRATION_MODE_"))
        return 1;
    for (size_t i = 0; i < sizeof known_keys / sizeof known_keys[0]; i++)
        if (imp_eq(k, known_keys[i]))
            return 1;
    return 0;
}

int imp_is_tekscan(const char *head)
{
    /* The rule is a first line DATA_TYPE with ROWS, COLS and ASCII_DATA @@
     * within 200 lines; the first line alone decides here, so that a file
     * lacking one of the others gets the reader's message naming it. */
    const char *p = head;
    while (*p == ' ' || *p == '\t')
        p++;
    return imp_starts(p, "DATA_TYPE ") || imp_starts(p, "DATA_TYPE\t");
}

/* The first word of a header line: letters, digits, '_', maybe ':'. */
static size_t key_len(const char *s)
{
    size_t n = 0;
    while ((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z') ||
           (s[n] >= '0' && s[n] <= '9') || s[n] == '_')
        n++;
    return n;
}

struct tek {
    struct imp *im;
    struct imp_lr lr;
    int rows, cols;
    long rows_line, cols_line, start_line, end_line, units_line;
    double pitch_x, pitch_y, area, period;
    long start_frame, end_frame;
    int have_start, have_end;
    enum imp_pkind kind;
    double to_kpa;
    float *v;
    uint8_t *mask;
    int part;
    long first_line; /* of the first frame: its B pattern is the mask */
};

/* One row of cells into v[0..cols) and, for the first frame, its mask.
 * Trailing empty fields are fine; B is no sensel; anything else must be a
 * number. *sum gets the sum of the numeric cells. */
static int parse_row(struct tek *t, char *s, size_t len, int first, int r, double *sum)
{
    const char *end = s + len;
    float *v = t->v + (size_t)r * (size_t)t->cols;
    uint8_t *m = t->mask + (size_t)r * (size_t)t->cols;
    int c = 0;
    double rs = 0;

    for (const char *p = s;; c++) {
        const char *q = memchr(p, ',', (size_t)(end - p));
        const char *fe = q ? q : end, *fs = p;
        while (fs < fe && (*fs == ' ' || *fs == '\t'))
            fs++;
        while (fe > fs && (fe[-1] == ' ' || fe[-1] == '\t'))
            fe--;
        if (c >= t->cols) {
            if (fe > fs) {
                /* Say how many values the line has: up to its last non-empty field. */
                int n = c + 1, k = c + 1;
                for (const char *x = q ? q + 1 : end; q && x <= end; k++) {
                    const char *y = memchr(x, ',', (size_t)(end - x));
                    const char *ye = y ? y : end;
                    while (x < ye && (*x == ' ' || *x == '\t'))
                        x++;
                    if (x < ye)
                        n = k + 1;
                    if (!y)
                        break;
                    x = y + 1;
                }
                return imp_err(t->im, t->lr.line, "expected %d values (COLS, line %ld), found %d",
                               t->cols, t->cols_line, n);
            }
        } else if (fe - fs == 1 && (*fs == 'B' || *fs == 'b')) {
            if (first)
                m[c] = 0;
            else if (m[c])
                return imp_err(t->im, t->lr.line,
                               "cell %d is B (no sensel) but held a number in the first frame "
                               "(line %ld): the B pattern must not change",
                               c + 1, t->first_line);
            v[c] = 0.0f;
        } else {
            double d;
            if (imp_num(fs, (size_t)(fe - fs), 0, &d) != 0) {
                if (fe == fs && !q)
                    return imp_err(t->im, t->lr.line,
                                   "expected %d values (COLS, line %ld), found %d", t->cols,
                                   t->cols_line, c);
                return imp_err(t->im, t->lr.line, "value %d is \"%.*s\": expected a number or B",
                               c + 1, (int)(fe - fs > 40 ? 40 : fe - fs), fs);
            }
            if (first)
                m[c] = 1;
            else if (!m[c])
                return imp_err(t->im, t->lr.line,
                               "cell %d holds a number but was B (no sensel) in the first frame "
                               "(line %ld): the B pattern must not change",
                               c + 1, t->first_line);
            rs += d;
            v[c] = (float)(d * t->to_kpa);
        }
        if (!q) {
            if (c + 1 < t->cols)
                return imp_err(t->im, t->lr.line, "expected %d values (COLS, line %ld), found %d",
                               t->cols, t->cols_line, c + 1);
            break;
        }
        p = q + 1;
    }
    *sum += rs;
    return RMAT_OK;
}

struct frame_line {
    long label;
    int has_time, has_sum;
    double t_s, sum;
    int sum_decimals;
};

/* `Frame 12` or `Frame 12, 0.5,, <time>,,,Raw Sum=,,<sum>`. */
static int parse_frame_line(struct tek *t, char *s, struct frame_line *fl)
{
    char *f[32];
    int n = imp_split(s, ',', f, 31);
    long label;

    memset(fl, 0, sizeof *fl);
    if (n > 31)
        return imp_err(t->im, t->lr.line, "a frame line of more than 31 fields");
    if (!imp_starts(f[0], "Frame") || imp_int_str(f[0] + 5, -1000000000L, 1000000000L, &label))
        return imp_err(t->im, t->lr.line, "expected a frame line \"Frame N\", found \"%.40s\"",
                       f[0]);
    fl->label = label;
    if (n >= 2 && f[1][0]) {
        if (imp_num_str(f[1], &fl->t_s) != 0 || fl->t_s < 0 || fl->t_s > 1e9)
            return imp_err(t->im, t->lr.line,
                           "the frame line's elapsed time is \"%.40s\": expected seconds", f[1]);
        fl->has_time = 1;
    }
    for (int i = 2; i < n; i++) {
        const size_t len = strlen(f[i]);
        if (len == 0 || f[i][len - 1] != '=')
            continue;
        /* A field ending in '=' names the next non-empty one. */
        for (int j = i + 1; j < n; j++) {
            if (!f[j][0])
                continue;
            if (imp_starts(f[i], "Raw Sum")) {
                if (imp_num_str(f[j], &fl->sum) != 0)
                    return imp_err(t->im, t->lr.line, "Raw Sum is \"%.40s\": expected a number",
                                   f[j]);
                fl->has_sum = 1;
                fl->sum_decimals = imp_decimals(f[j]);
            }
            i = j;
            break;
        }
    }
    return RMAT_OK;
}

static int read_header(struct tek *t, struct imp_str *hdr, struct imp_attrs *at)
{
    struct imp *im = t->im;
    char *line;
    size_t len;
    int got, comments = 0, have_units = 0, rc;
    long rs_line = 0, cs_line = 0;

    t->pitch_x = t->pitch_y = t->area = t->period = NAN;
    for (;;) {
        char *key, *val, save;
        size_t kl;
        got = imp_lr_next(&t->lr, &line, &len, im->path, im->ei);
        if (got < 0)
            return got;
        if (got == 0) {
            if (t->lr.line == 0)
                return imp_err(im, 0, "the file is empty: expected an export, found 0 bytes");
            return imp_err(im, t->lr.line + 1,
                           "expected ASCII_DATA @@ before the frames, found the end of the file");
        }
        imp_str_add_latin1(hdr, line, len, IMP_MAX_HEADER);
        imp_str_addn(hdr, "\n", 1, IMP_MAX_HEADER);
        if (hdr->full)
            return imp_err(im, t->lr.line, "a header longer than %u bytes", IMP_MAX_HEADER);
        key = line;
        while (*key == ' ' || *key == '\t')
            key++;
        if (*key == '\0')
            continue;
        kl = key_len(key);
        save = key[kl];
        key[kl] = '\0';
        if (comments && !key_known(key)) {
            key[kl] = save;
            continue; /* comment text, however it looks */
        }
        comments = 0;
        if (kl == 0 || !key_known(key)) {
            key[kl] = save;
            imp_warn(im, "line %ld: unknown header line \"%.60s\" kept in the header only",
                     t->lr.line, line);
            continue;
        }
        val = key + kl + (save != '\0');
        if (save == ':')
            val += *val == ' ';
        val = imp_trim(val);
        if (t->lr.line == 1 && !imp_eq(key, "DATA_TYPE"))
            return imp_err(im, 1, "expected DATA_TYPE MOVIE, found %s", key);
        if (imp_eq(key, "DATA_TYPE")) {
            if (!imp_eq(val, "MOVIE"))
                return imp_errc(im, RMAT_E_UNSUPPORTED, t->lr.line,
                                "DATA_TYPE %s: only MOVIE exports are read", val);
        } else if (imp_eq(key, "COMMENTS")) {
            comments = 1;
        } else if (imp_eq(key, "ROWS") || imp_eq(key, "COLS")) {
            long n;
            const int is_rows = imp_eq(key, "ROWS");
            if (imp_int_str(val, 1, RMAT_IMPORT_MAX_SIDE, &n) != 0)
                return imp_err(im, t->lr.line, "%s: expected a whole number 1..%d, found \"%.40s\"",
                               key, RMAT_IMPORT_MAX_SIDE, val);
            *(is_rows ? &t->rows : &t->cols) = (int)n;
            *(is_rows ? &t->rows_line : &t->cols_line) = t->lr.line;
        } else if (imp_eq(key, "ROW_SPACING") || imp_eq(key, "COL_SPACING") ||
                   imp_eq(key, "SENSEL_AREA")) {
            const int area = imp_eq(key, "SENSEL_AREA");
            double v;
            char *unit;
            rc = imp_num_unit(val, area ? 'a' : 'l', &v, &unit);
            if (rc == -1 || !(rc != 0 || v > 0))
                return imp_err(im, t->lr.line,
                               "%s: expected a positive number and a unit, found "
                               "\"%.40s\"",
                               key, val);
            if (rc == -3)
                return imp_err(im, t->lr.line, "%s: the number has no unit word", key);
            if (rc == -2)
                return imp_err(im, t->lr.line, "%s: unknown %s unit \"%.40s\"", key,
                               area ? "area" : "length", unit);
            if (area)
                t->area = v;
            else if (imp_eq(key, "ROW_SPACING"))
                t->pitch_y = v, rs_line = t->lr.line;
            else
                t->pitch_x = v, cs_line = t->lr.line;
        } else if (imp_eq(key, "SECONDS_PER_FRAME")) {
            if (imp_num_str(val, &t->period) != 0 || !(t->period > 0) || t->period > 1e6)
                return imp_err(im, t->lr.line,
                               "SECONDS_PER_FRAME: expected a positive number, found \"%.40s\"",
                               val);
        } else if (imp_eq(key, "START_FRAME") || imp_eq(key, "END_FRAME")) {
            const int is_start = imp_eq(key, "START_FRAME");
            long n;
            if (imp_int_str(val, -1000000000L, 1000000000L, &n) != 0)
                return imp_err(im, t->lr.line, "%s: expected a whole number, found \"%.40s\"", key,
                               val);
            *(is_start ? &t->start_frame : &t->end_frame) = n;
            *(is_start ? &t->have_start : &t->have_end) = 1;
            *(is_start ? &t->start_line : &t->end_line) = t->lr.line;
        } else if (imp_eq(key, "UNITS")) {
            if (imp_unit_pressure(val, &t->kind, &t->to_kpa) != 0 || t->kind == IMP_P_NEWTON)
                return imp_err(im, t->lr.line, "UNITS: unknown pressure unit \"%.40s\"", val);
            have_units = 1;
            t->units_line = t->lr.line;
        } else if (imp_eq(key, "MIRROR_ROW") || imp_eq(key, "MIRROR_COL")) {
            if (strcmp(val, "0") != 0)
                imp_warn(im,
                         "%s %s: the export says it is mirrored; rows and columns are kept "
                         "as written",
                         key, val);
        } else if (imp_eq(key, "SCALE_FACTOR") || imp_eq(key, "EXPONENT")) {
            imp_warn(im, "%s %s is kept but not applied to the values", key, val);
        } else if (imp_eq(key, "ASCII_DATA")) {
            break;
        }
        if (!imp_eq(key, "COMMENTS") && !imp_eq(key, "ASCII_DATA")) {
            char lk[64];
            imp_snake(key, 1, lk, sizeof lk);
            {
                struct imp_str u = {0};
                imp_str_add_latin1(&u, val, strlen(val), 4096);
                imp_attr_text(at, lk, imp_str_get(&u));
                imp_str_free(&u);
            }
        }
    }
    if (!t->rows)
        return imp_err(im, t->lr.line, "the header lacks ROWS (a required key)");
    if (!t->cols)
        return imp_err(im, t->lr.line, "the header lacks COLS (a required key)");
    if (isnan(t->pitch_y))
        return imp_err(im, t->lr.line, "the header lacks ROW_SPACING (a required key)");
    if (isnan(t->pitch_x))
        return imp_err(im, t->lr.line, "the header lacks COL_SPACING (a required key)");
    if (!have_units)
        return imp_err(im, t->lr.line, "the header lacks UNITS (a required key)");
    if (!isnan(im->opts->pitch_x_mm)) {
        t->pitch_x = im->opts->pitch_x_mm;
        t->pitch_y = isnan(im->opts->pitch_y_mm) ? t->pitch_x : im->opts->pitch_y_mm;
    }
    rc = imp_opt_unit(im, &t->kind, &t->to_kpa);
    if (rc < 0)
        return rc;
    if (t->kind == IMP_P_NEWTON) {
        rc = imp_newton_to_kpa(im, t->pitch_x, t->pitch_y, &t->to_kpa);
        if (rc != RMAT_OK)
            return rc;
    }
    if (t->kind == IMP_P_COUNTS)
        t->to_kpa = 1.0; /* values pass unchanged */
    if (!isnan(t->area) && fabs(t->area - t->pitch_x * t->pitch_y) > 0.01 * t->area)
        imp_warn(im,
                 "SENSEL_AREA %.6g mm2 differs from ROW_SPACING x COL_SPACING = %.6g mm2 "
                 "(lines %ld, %ld); pressures are used as given",
                 t->area, t->pitch_x * t->pitch_y, rs_line, cs_line);
    imp_assume(im,
               "COL_SPACING (line %ld) is the pitch between columns (x), ROW_SPACING "
               "(line %ld) between rows (y); row 0 is the first data line",
               cs_line, rs_line);
    return RMAT_OK;
}

int imp_read_tekscan(struct imp *im)
{
    struct tek t;
    struct imp_str hdr = {0};
    struct imp_attrs at = {0};
    struct frame_line fl, first_fl;
    char *line;
    size_t len;
    long frame_line = 0, nframes = 0, tail_line = 0;
    double t_first = 0, t_last = 0;
    int got, rc, ended = 0;

    memset(&t, 0, sizeof t);
    t.im = im;
    memset(&first_fl, 0, sizeof first_fl);
    rc = imp_open(im, &t.lr, 0, 0, 1);
    if (rc != RMAT_OK)
        return rc;
    rc = read_header(&t, &hdr, &at);
    if (rc != RMAT_OK)
        goto out;
    t.v = calloc((size_t)t.rows * (size_t)t.cols, sizeof *t.v);
    t.mask = calloc((size_t)t.rows * (size_t)t.cols, 1);
    if (!t.v || !t.mask) {
        rc = imp_errc(im, RMAT_E_NOMEM, 0, "out of memory");
        goto out;
    }
    t.part = -1;
    for (;;) {
        double sum = 0;
        got = imp_lr_next(&t.lr, &line, &len, im->path, im->ei);
        if (got < 0) {
            rc = got;
            goto out;
        }
        if (got == 0)
            break;
        {
            const char *s = line;
            while (*s == ' ' || *s == '\t')
                s++;
            if (*s == '\0')
                continue;
            if (s[0] == '@' && s[1] == '@') {
                ended = 1;
                tail_line = t.lr.line;
                break;
            }
        }
        frame_line = t.lr.line;
        rc = parse_frame_line(&t, line, &fl);
        if (rc != RMAT_OK)
            goto out;
        if (nframes == 0) {
            first_fl = fl;
            t.first_line = frame_line;
        } else if (fl.has_time != first_fl.has_time) {
            rc = imp_err(im, frame_line,
                         "frame %ld's line %s an elapsed time, the first's "
                         "(line %ld) %s",
                         fl.label, fl.has_time ? "has" : "lacks", t.first_line,
                         first_fl.has_time ? "has one" : "does not");
            goto out;
        }
        for (int r = 0; r < t.rows; r++) {
            got = imp_lr_next(&t.lr, &line, &len, im->path, im->ei);
            if (got < 0) {
                rc = got;
                goto out;
            }
            if (got == 0 || line[strspn(line, " \t")] == '\0' || imp_starts(line, "Frame") ||
                (line[0] == '@' && line[1] == '@')) {
                rc = imp_err(im, got == 0 ? t.lr.line + 1 : t.lr.line,
                             "frame %ld ends after %d of %d rows (ROWS, line %ld): %s", fl.label, r,
                             t.rows, t.rows_line,
                             got == 0                    ? "end of file, truncated?"
                             : line[0] == '@'            ? "found @@"
                             : imp_starts(line, "Frame") ? "found the next frame line"
                                                         : "found a blank line");
                goto out;
            }
            rc = parse_row(&t, line, len, nframes == 0, r, &sum);
            if (rc != RMAT_OK)
                goto out;
        }
        if (fl.has_sum) {
            const double tol = 0.5 * pow(10.0, -fl.sum_decimals) + 1e-9 * fabs(sum);
            if (fabs(sum - fl.sum) > tol) {
                rc = imp_err(im, frame_line,
                             "Raw Sum=%.*f but frame %ld's cells add up to %.*f (lines %ld-%ld)",
                             fl.sum_decimals, fl.sum, fl.label, fl.sum_decimals, sum,
                             frame_line + 1, frame_line + t.rows);
                goto out;
            }
        }
        if (nframes == 0) {
            struct rmat_import_part p;
            if (!fl.has_time && isnan(t.period)) {
                rc = imp_err(im, frame_line,
                             "the header lacks SECONDS_PER_FRAME, required when frame lines carry "
                             "no times");
                goto out;
            }
            memset(&p, 0, sizeof p);
            p.name = "";
            p.layout = RMAT_IMPORT_GRID;
            p.rows = t.rows;
            p.cols = t.cols;
            p.pitch_x_mm = t.pitch_x;
            p.pitch_y_mm = t.pitch_y;
            p.mask = t.mask;
            p.counts = t.kind == IMP_P_COUNTS;
            p.to_kpa = p.counts ? NAN : t.to_kpa;
            p.unit_in_file = "";
            for (size_t i = 0; i < at.n; i++)
                if (strcmp(at.a[i].key, "units") == 0)
                    p.unit_in_file = at.a[i].text;
            p.rate_hz = isnan(t.period) ? NAN : 1.0 / t.period;
            p.content = "movie";
            p.variant = fl.has_time ? "long frame lines (I-Scan)" : "short frame lines";
            p.encoding = "Latin-1";
            p.line_endings = imp_lr_endings(&t.lr);
            p.header = NULL;
            for (size_t i = 0; i < at.n; i++) {
                if (strcmp(at.a[i].key, "hw_type") == 0 || strcmp(at.a[i].key, "sensor_type") == 0)
                    p.model = at.a[i].text;
                if (strcmp(at.a[i].key, "hardware") == 0) {
                    const char *h = at.a[i].text;
                    const size_t hl = strlen(h);
                    p.serial = h;
                    if (hl > 2 && h[hl - 2] == '-' && (h[hl - 1] == '1' || h[hl - 1] == '2'))
                        imp_attr_num(&at, "pair_member", h[hl - 1] - '0');
                }
                if (strcmp(at.a[i].key, "version") == 0)
                    p.firmware_version = at.a[i].text;
            }
            rc = imp_part_begin(im, &p, &at, &hdr);
            if (rc < 0)
                goto out;
            t.part = rc;
            t_first = fl.t_s;
        }
        {
            const int64_t t_us = fl.has_time ? (int64_t)llround(fl.t_s * 1e6)
                                             : (int64_t)llround((double)nframes * t.period * 1e6);
            rc = imp_frame(im, t.part, fl.label, t_us, t.v, frame_line);
            if (rc != RMAT_OK)
                goto out;
        }
        t_last = fl.t_s;
        nframes++;
    }
    /* After @@ only blank lines may follow; read on for the digest. */
    while (ended && (got = imp_lr_next(&t.lr, &line, &len, im->path, im->ei)) == 1) {
        if (line[strspn(line, " \t")] != '\0') {
            rc = imp_err(im, t.lr.line, "text after the @@ that ends the data (line %ld)",
                         tail_line);
            goto out;
        }
    }
    if (ended && got < 0) {
        rc = got;
        goto out;
    }
    if (nframes == 0) {
        rc = imp_err(im, t.lr.line + 1, "no frames after ASCII_DATA @@");
        goto out;
    }
    if (!ended)
        imp_warn(im, "no @@ line ends the data: the file may be truncated after frame %ld",
                 nframes);
    if (t.have_start && t.have_end && t.end_frame - t.start_frame + 1 != nframes) {
        rc = imp_err(im, 0, "START_FRAME..END_FRAME (lines %ld-%ld) announce %ld frames, found %ld",
                     t.start_line, t.end_line, t.end_frame - t.start_frame + 1, nframes);
        goto out;
    }
    if (first_fl.has_time && isnan(t.period))
        imp_part_set_rate(
            im, t.part,
            nframes > 1 && t_last > t_first ? (double)(nframes - 1) / (t_last - t_first) : NAN);
    imp_source_done(im, &t.lr);
    rc = RMAT_OK;
out:
    imp_lr_close(&t.lr);
    imp_str_free(&hdr);
    imp_attrs_free(&at);
    free(t.v);
    free(t.mask);
    return rc;
}
