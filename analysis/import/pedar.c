/* SPDX-License-Identifier: GPL-3.0-or-later */
/* novel pedar .asc: insoles as sensor lists (IMPORT.md §5).
 *
 * TAB-separated lines, each ending with a TAB, fields padded with spaces.
 * The column header holds 1..n, then 1..n again, then the empty field of
 * the trailing TAB; each data line is a time, n left values and n right
 * values in kPa. Columns are taken by position, never by the numbers in
 * the header (which repeat), and the trailing TAB is not a sensor.
 *
 * There is no geometry: two sensor-list parts (left, right), ids 1..n,
 * the mask from the mask definition; areas and positions only from
 * --sensor-table. Times start at one period, not 0, and are kept so.
 */
#include "import_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PEDAR_MAX_FIELDS (2 * 1024 + 4)

int imp_is_pedar(const char *head)
{
    const char *nl = strchr(head, '\n');
    const size_t n = nl ? (size_t)(nl - head) : strlen(head);
    char first[512];
    snprintf(first, sizeof first, "%.*s", (int)(n < 511 ? n : 511), head);
    return imp_starts(first, "file name:") && strstr(first, "date/time") &&
           strstr(head, "sensor type:") && strstr(head, "mask definition:") && strchr(head, '\t');
}

/* Text after "label" in a field: "total time [secs]:  0.020" -> "0.020". */
static const char *after(const char *field, const char *label)
{
    return imp_starts(field, label) ? field + strlen(label) : NULL;
}

/* "1,2," -> mask bits for ids 1..n. */
static int mask_list(struct imp *im, long line, const char *list, uint8_t *mask, int n)
{
    char tmp[8192], *f[2048];
    int k;
    snprintf(tmp, sizeof tmp, "%s", list);
    k = imp_split(tmp, ',', f, 2047);
    if (k > 2047)
        return imp_err(im, line, "a mask definition of more than 2047 sensors");
    for (int i = 0; i < k; i++) {
        long id;
        if (f[i][0] == '\0')
            continue; /* the right list ends with a comma */
        if (imp_int_str(f[i], 1, n, &id) != 0)
            return imp_err(im, line, "mask definition: \"%.20s\" is not a sensor id 1..%d", f[i],
                           n);
        mask[id - 1] = 1;
    }
    return RMAT_OK;
}

int imp_read_pedar(struct imp *im)
{
    struct imp_lr lr;
    struct imp_str hdr = {0};
    struct imp_attrs at = {0};
    char **f = malloc(PEDAR_MAX_FIELDS * sizeof *f);
    char *line, unit[48] = "", left_list[8192] = "", right_list[8192] = "", stype[128] = "";
    size_t len;
    int got, rc, n = 0, part[2] = {-1, -1}, have_mask = 0;
    long cols_line = 0, left_line = 0, right_line = 0, nframes = 0, masked_nonzero = 0;
    double period = NAN, total = NAN, to_kpa = 1;
    enum imp_pkind kind = IMP_P_KPA;
    struct rmat_import_when when = {0};
    float *v = NULL;
    uint8_t *mask = NULL;
    int32_t *ids = NULL;
    double *area = NULL, *sx = NULL, *sy = NULL;

    if (!f)
        return imp_errc(im, RMAT_E_NOMEM, 0, "out of memory");
    rc = imp_open(im, &lr, 0, 0, 1);
    if (rc != RMAT_OK) {
        free(f);
        return rc;
    }
    /* The header, to the column header line. */
    for (;;) {
        int nf;
        got = imp_lr_next(&lr, &line, &len, im->path, im->ei);
        if (got < 0) {
            rc = got;
            goto out;
        }
        if (got == 0) {
            rc = lr.line == 0
                     ? imp_err(im, 0, "the file is empty: expected an export, found 0 bytes")
                     : imp_err(im, lr.line + 1,
                               "expected the column header time[secs], found the end "
                               "of the file");
            goto out;
        }
        imp_str_add_latin1(&hdr, line, len, IMP_MAX_HEADER);
        imp_str_add(&hdr, "\n");
        if (hdr.full) {
            rc = imp_err(im, lr.line, "a header longer than %u bytes", IMP_MAX_HEADER);
            goto out;
        }
        nf = imp_split(line, '\t', f, PEDAR_MAX_FIELDS - 1);
        if (nf > PEDAR_MAX_FIELDS - 1) {
            rc = imp_err(im, lr.line, "more than %d fields", PEDAR_MAX_FIELDS - 1);
            goto out;
        }
        if (imp_starts(f[0], "time[secs]")) {
            while (nf > 1 && f[nf - 1][0] == '\0')
                nf--; /* the trailing TAB */
            if (nf < 3 || (nf - 1) % 2 != 0) {
                rc = imp_err(im, lr.line,
                             "the column header holds %d sensor columns: expected 1..n for the "
                             "left insole, then 1..n for the right",
                             nf - 1);
                goto out;
            }
            n = (nf - 1) / 2;
            for (int i = 0; i < 2 * n; i++) {
                long id;
                if (imp_int_str(f[1 + i], 1, n, &id) != 0 || id != i % n + 1) {
                    rc = imp_err(im, lr.line,
                                 "column %d of the header is \"%.20s\": expected %d (1..%d for "
                                 "the left insole, then 1..%d for the right)",
                                 i + 2, f[1 + i], i % n + 1, n, n);
                    goto out;
                }
            }
            cols_line = lr.line;
            break;
        }
        for (int i = 0; i < nf; i++) {
            const char *val;
            if ((val = after(f[i], "date/time"))) {
                int d, mo, y, h, mi;
                if (sscanf(val, " %d.%d.%d %d.%d", &d, &mo, &y, &h, &mi) == 5 && mo >= 1 &&
                    mo <= 12 && d >= 1 && d <= 31) {
                    when.known = 1;
                    when.year = y < 100 ? 2000 + y : y;
                    when.month = mo;
                    when.day = d;
                    when.hour = h;
                    when.minute = mi;
                }
                imp_attr_text(&at, "date_time", imp_trim((char *)val));
            } else if ((val = after(f[i], "file name:"))) {
                imp_attr_text(&at, "original_file_name", imp_trim((char *)val));
            } else if ((val = after(f[i], "sensor type:"))) {
                snprintf(stype, sizeof stype, "%s", imp_trim((char *)val));
                imp_attr_text(&at, "sensor_type", stype);
            } else if ((val = after(f[i], "total time [secs]:"))) {
                if (imp_num_str(val, &total) != 0) {
                    rc = imp_err(im, lr.line, "total time: expected seconds, found \"%.20s\"", val);
                    goto out;
                }
            } else if ((val = after(f[i], "time per frame [secs]:"))) {
                if (imp_num_str(val, &period) != 0 || !(period > 0)) {
                    rc = imp_err(im, lr.line, "time per frame: expected seconds, found \"%.20s\"",
                                 val);
                    goto out;
                }
            } else if ((val = after(f[i], "scanning rate [Hz]:"))) {
                imp_attr_text(&at, "scanning_rate_hz_as_printed", imp_trim((char *)val));
            } else if ((val = after(f[i], "pressure values in"))) {
                snprintf(unit, sizeof unit, "%s", imp_trim((char *)val));
                if (imp_unit_pressure(unit, &kind, &to_kpa) != 0 || kind == IMP_P_NEWTON) {
                    rc = imp_err(im, lr.line, "pressure values in: unknown pressure unit \"%s\"",
                                 unit);
                    goto out;
                }
            } else if ((val = after(f[i], "mask definition:"))) {
                have_mask = 1;
            } else if ((val = after(f[i], "left insole:"))) {
                snprintf(left_list, sizeof left_list, "%s", val);
                left_line = lr.line;
            } else if ((val = after(f[i], "right insole:"))) {
                snprintf(right_list, sizeof right_list, "%s", val);
                right_line = lr.line;
            }
        }
    }
    if (isnan(period)) {
        rc = imp_err(im, cols_line, "the header lacks time per frame [secs] (a required key)");
        goto out;
    }
    if (!unit[0]) {
        rc = imp_err(im, cols_line, "the header lacks pressure values in (a required key)");
        goto out;
    }
    rc = imp_opt_unit(im, &kind, &to_kpa);
    if (rc < 0)
        goto out;
    if (kind == IMP_P_COUNTS)
        to_kpa = 1;
    if (kind == IMP_P_NEWTON) {
        rc = imp_errc(im, RMAT_E_ARG, 0, "--unit N-per-sensel: pedar values are pressures");
        goto out;
    }
    v = malloc((size_t)n * sizeof *v);
    mask = calloc(2 * (size_t)n, 1);
    ids = malloc((size_t)n * sizeof *ids);
    area = malloc((size_t)n * sizeof *area);
    sx = malloc((size_t)n * sizeof *sx);
    sy = malloc((size_t)n * sizeof *sy);
    if (!v || !mask || !ids || !area || !sx || !sy) {
        rc = imp_errc(im, RMAT_E_NOMEM, 0, "out of memory");
        goto out;
    }
    if (have_mask && left_line && right_line) {
        rc = mask_list(im, left_line, left_list, mask, n);
        if (rc == RMAT_OK)
            rc = mask_list(im, right_line, right_list, mask + n, n);
        if (rc != RMAT_OK)
            goto out;
    } else {
        memset(mask, 1, 2 * (size_t)n);
        imp_warn(im, "no mask definition for both insoles: every sensor is taken as in use");
    }
    for (int i = 0; i < n; i++)
        ids[i] = i + 1;
    rc = imp_sensor_table(im, ids, (size_t)n, area, sx, sy);
    if (rc < 0)
        goto out;
    if (rc == 0)
        imp_assume(im, "no --sensor-table: sensor areas and positions unknown (force, area and "
                       "CoP unavailable)");
    else
        imp_assume(im, "areas and positions from the sensor table %s, for both insoles",
                   im->opts->sensor_table);
    for (int s = 0; s < 2; s++) {
        struct rmat_import_part p;
        char serial[64] = "";
        memset(&p, 0, sizeof p);
        p.name = s ? "right" : "left";
        p.side = s ? RMAT_IMPORT_SIDE_RIGHT : RMAT_IMPORT_SIDE_LEFT;
        p.layout = RMAT_IMPORT_SENSORS;
        p.rows = 1;
        p.cols = n;
        p.pitch_x_mm = p.pitch_y_mm = NAN;
        p.mask = mask + (size_t)s * (size_t)n;
        p.sensor_id = ids;
        p.sensor_area_mm2 = area;
        p.sensor_x_mm = sx;
        p.sensor_y_mm = sy;
        p.counts = kind == IMP_P_COUNTS;
        p.to_kpa = p.counts ? NAN : to_kpa;
        p.unit_in_file = unit;
        p.rate_hz = 1.0 / period;
        p.content = "movie";
        p.variant = "";
        p.encoding = "Latin-1";
        p.line_endings = imp_lr_endings(&lr);
        p.start = when;
        {
            /* sensor type: size code, left serial, right serial, product,
             * calibration date, dash-separated. */
            char tmp[128], *parts[8];
            int k;
            snprintf(tmp, sizeof tmp, "%s", stype);
            k = imp_split(tmp, '-', parts, 7);
            if (k >= 3)
                snprintf(serial, sizeof serial, "%s", parts[1 + s]);
            if (k >= 1 && parts[0][0])
                imp_attr_text(&at, "insole_size_code", (char[2]){parts[0][0], 0});
        }
        p.serial = serial;
        p.model = "pedar";
        rc = imp_part_begin(im, &p, &at, &hdr);
        if (rc < 0)
            goto out;
        part[s] = rc;
    }
    /* The frames. */
    while ((got = imp_lr_next(&lr, &line, &len, im->path, im->ei)) == 1) {
        int nf;
        double t;
        if (line[strspn(line, " \t")] == '\0')
            continue;
        nf = imp_split(line, '\t', f, PEDAR_MAX_FIELDS - 1);
        while (nf > 1 && f[nf - 1][0] == '\0')
            nf--;
        if (nf != 1 + 2 * n) {
            rc = imp_err(im, lr.line,
                         "expected a time and %d values (%d left, %d right: the column header, "
                         "line %ld), found %d values",
                         2 * n, n, n, cols_line, nf > PEDAR_MAX_FIELDS - 1 ? nf : nf - 1);
            goto out;
        }
        if (imp_num(f[0], strlen(f[0]), 0, &t) != 0 || t < 0 || t > 1e9) {
            rc = imp_err(im, lr.line, "the time is \"%.40s\": expected seconds", f[0]);
            goto out;
        }
        for (int s = 0; s < 2; s++) {
            for (int i = 0; i < n; i++) {
                const char *c = f[1 + s * n + i];
                double d;
                if (imp_num(c, strlen(c), 0, &d) != 0) {
                    rc = imp_err(im, lr.line, "value %d is \"%.40s\": expected a number",
                                 s * n + i + 1, c);
                    goto out;
                }
                if (!mask[(size_t)s * (size_t)n + (size_t)i]) {
                    masked_nonzero += d != 0;
                    d = 0;
                }
                v[i] = (float)(d * to_kpa);
            }
            rc = imp_frame(im, part[s], nframes, llround(t * 1e6), v, lr.line);
            if (rc != RMAT_OK)
                goto out;
        }
        nframes++;
    }
    if (got < 0) {
        rc = got;
        goto out;
    }
    if (nframes == 0) {
        rc = imp_err(im, lr.line + 1, "no frames after the column header (line %ld)", cols_line);
        goto out;
    }
    if (masked_nonzero)
        imp_warn(im, "%ld values of sensors outside the mask definition were not 0; stored as 0",
                 masked_nonzero);
    if (!isnan(total) && fabs((double)nframes * period - total) > period / 2)
        imp_warn(im, "%ld frames x %.6g s = %.6g s, the header's total time says %.6g s", nframes,
                 period, (double)nframes * period, total);
    imp_source_done(im, &lr);
    rc = RMAT_OK;
out:
    imp_lr_close(&lr);
    imp_str_free(&hdr);
    imp_attrs_free(&at);
    free(f);
    free(v);
    free(mask);
    free(ids);
    free(area);
    free(sx);
    free(sy);
    return rc;
}
