/* SPDX-License-Identifier: GPL-3.0-or-later */
/* In-bed pressure-map text, PhysioNet style (IMPORT.md §10).
 *
 * No header: each line is a frame of TAB-separated integers ending with a
 * TAB (the trailing TAB is not one more value). 2048 values are the preset
 * 64 rows x 32 columns, row-major; other sizes need --rows and --cols.
 * Raw counts; no unit, pitch or rate in the file, so --pitch-mm and
 * --rate-hz are required. The data set documents saturated first and last
 * frames: they are kept unless --drop-first / --drop-last cut them, and
 * --drop-last needs the line count first (a counting pass).
 */
#include "import_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INBED_ROWS 64
#define INBED_COLS 32

/* The number of values on the first line if every line of the head (up
 * to 3) is TAB-separated integers ending in a TAB; else 0. */
static int tab_ints(const char *head)
{
    int first = 0, lines = 0;
    for (const char *p = head; *p && lines < 3;) {
        const char *nl = strchr(p, '\n');
        const char *e = nl ? nl : p + strlen(p);
        int n = 0, digits = 0;
        if (e > p && e[-1] == '\r')
            e--;
        if (e == p)
            break;
        if (e[-1] != '\t')
            return 0;
        for (const char *q = p; q < e; q++) {
            if (*q == '\t') {
                if (!digits)
                    return 0;
                n++;
                digits = 0;
            } else if (*q >= '0' && *q <= '9') {
                digits++;
            } else if (!(*q == '-' && digits == 0)) {
                return 0;
            }
        }
        /* The first line's count decides; a later line that differs is
         * the reader's to report, with its line number. */
        if (lines == 0)
            first = n;
        lines++;
        if (!nl)
            break;
        p = nl + 1;
    }
    return first;
}

int imp_is_inbed(const char *head, int *values)
{
    *values = tab_ints(head);
    return *values == INBED_ROWS * INBED_COLS;
}

int imp_read_inbed(struct imp *im)
{
    const struct rmat_import_opts *o = im->opts;
    struct imp_lr lr;
    struct rmat_import_part p;
    struct imp_attrs at = {0};
    char *line;
    size_t len;
    int rows = o->rows ? o->rows : INBED_ROWS, cols = o->cols ? o->cols : INBED_COLS;
    long total = -1, idx = 0;
    float *v = NULL;
    uint8_t *mask = NULL;
    int got, rc, part = -1;
    double period;

    if ((o->rows != 0) != (o->cols != 0) || rows < 1 || cols < 1 || rows > RMAT_IMPORT_MAX_SIDE ||
        cols > RMAT_IMPORT_MAX_SIDE)
        return imp_errc(im, RMAT_E_ARG, 0, "--rows and --cols go together, each 1..%d",
                        RMAT_IMPORT_MAX_SIDE);
    if (isnan(o->pitch_x_mm) || !(o->pitch_x_mm > 0))
        return imp_errc(im, RMAT_E_ARG, 0,
                        "in-bed maps state no sensel size: --pitch-mm X[,Y] is required");
    if (isnan(o->rate_hz) || !(o->rate_hz > 0))
        return imp_errc(im, RMAT_E_ARG, 0, "in-bed maps state no rate: --rate-hz is required");
    if (o->drop_first < 0 || o->drop_last < 0)
        return imp_errc(im, RMAT_E_ARG, 0, "--drop-first and --drop-last count frames (>= 0)");
    period = 1.0 / o->rate_hz;
    if (o->drop_last > 0) {
        /* A counting pass: the frames to keep end drop_last before the last. */
        rc = imp_open(im, &lr, 0, 0, 1);
        if (rc != RMAT_OK)
            return rc;
        total = 0;
        while ((got = imp_lr_next(&lr, &line, &len, im->path, im->ei)) == 1)
            if (len > 0)
                total++;
        imp_source_done(im, &lr);
        imp_lr_close(&lr);
        if (got < 0)
            return got;
    }
    rc = imp_open(im, &lr, 0, 0, total < 0);
    if (rc != RMAT_OK)
        return rc;
    v = malloc((size_t)rows * (size_t)cols * sizeof *v);
    mask = malloc((size_t)rows * (size_t)cols);
    if (!v || !mask) {
        rc = imp_errc(im, RMAT_E_NOMEM, 0, "out of memory");
        goto out;
    }
    memset(mask, 1, (size_t)rows * (size_t)cols);
    while ((got = imp_lr_next(&lr, &line, &len, im->path, im->ei)) == 1) {
        const char *s = line, *e = line + len;
        size_t n = 0;
        if (len == 0) {
            continue; /* a blank line, e.g. at the end of a copy */
        }
        while (s < e) {
            const char *t = memchr(s, '\t', (size_t)(e - s));
            const char *fe = t ? t : e;
            double d;
            if (!t && fe == s)
                break;
            if (n == (size_t)rows * (size_t)cols) {
                rc = imp_err(im, lr.line, "expected %d values (%d x %d%s), found more", rows * cols,
                             rows, cols, o->rows ? ", --rows x --cols" : ", the 64 x 32 preset");
                goto out;
            }
            if (imp_num(s, (size_t)(fe - s), 0, &d) != 0) {
                rc = imp_err(im, lr.line, "value %zu is \"%.*s\": expected a whole number", n + 1,
                             (int)(fe - s > 40 ? 40 : fe - s), s);
                goto out;
            }
            v[n++] = (float)d;
            if (!t)
                break;
            s = t + 1;
        }
        if (n != (size_t)rows * (size_t)cols) {
            rc = imp_err(im, lr.line, "expected %d values (%d x %d%s), found %zu", rows * cols,
                         rows, cols, o->rows ? ", --rows x --cols" : ", the 64 x 32 preset", n);
            goto out;
        }
        if (idx >= o->drop_first && (total < 0 || idx < total - o->drop_last)) {
            if (part < 0) {
                memset(&p, 0, sizeof p);
                p.name = "";
                p.layout = RMAT_IMPORT_GRID;
                p.rows = rows;
                p.cols = cols;
                p.pitch_x_mm = o->pitch_x_mm;
                p.pitch_y_mm = isnan(o->pitch_y_mm) ? o->pitch_x_mm : o->pitch_y_mm;
                p.mask = mask;
                p.counts = 1;
                p.to_kpa = NAN;
                p.unit_in_file = "";
                p.rate_hz = o->rate_hz;
                p.content = "movie";
                p.variant = o->rows ? "rows and cols given" : "64 x 32 preset";
                p.encoding = "ASCII";
                p.line_endings = imp_lr_endings(&lr);
                imp_attr_num(&at, "drop_first", (double)o->drop_first);
                imp_attr_num(&at, "drop_last", (double)o->drop_last);
                imp_assume(im, "values are raw counts, row-major %d x %d; line 1 is frame 0", rows,
                           cols);
                rc = imp_part_begin(im, &p, &at, NULL);
                if (rc < 0)
                    goto out;
                part = rc;
            }
            rc = imp_frame(im, part, idx, llround((double)idx * period * 1e6), v, lr.line);
            if (rc != RMAT_OK)
                goto out;
        }
        idx++;
    }
    if (got < 0) {
        rc = got;
        goto out;
    }
    if (idx == 0) {
        rc = imp_err(im, 0, "the file is empty: expected an export, found 0 bytes");
        goto out;
    }
    if (part < 0) {
        rc =
            imp_errc(im, RMAT_E_ARG, 0, "--drop-first %ld --drop-last %ld leave none of %ld frames",
                     o->drop_first, o->drop_last, idx);
        goto out;
    }
    imp_source_done(im, &lr);
    rc = RMAT_OK;
out:
    imp_lr_close(&lr);
    imp_attrs_free(&at);
    free(v);
    free(mask);
    return rc;
}
