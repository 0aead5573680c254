/* SPDX-License-Identifier: GPL-3.0-or-later */
/* novel pliance .asc: flexible mats (IMPORT.md §6).
 *
 * Space-aligned columns (no TABs). A pressure table (time + sensor ids,
 * MPP and MVP lines after the frames), then a force table with CoP for the
 * whole measurement (the pressure table may cover only a window), then a
 * geometry table of the same sensors: corners, centres, areas. The grid
 * comes from the geometry, which follows the frames, so the file is read
 * twice: pass 1 finds the tables and reads the geometry; pass 2 streams
 * the pressure table while a second reader walks the force table beside
 * it, matching rows by time (a merge: memory stays independent of the
 * frame count).
 *
 * Geometry (origin bottom-left, y up, cm): distinct centre x ascending are
 * columns, distinct centre y descending are rows (row 0 on top); pitch_x =
 * x[2] - x[0], pitch_y = y[0] - y[1] (not square in the mat seen). Lattice
 * points without a sensor are mask 0. Centres off the lattice, unequal
 * areas or two sensors on one point: a sensor list with positions.
 *
 * The force table's CoP is turned 180 degrees: x_table = W - x_geo,
 * y_table = H - y_geo (W, H the largest corner x, y). In rollmat's frame (x
 * from the left edge, y down from the top) cop_x_mm = 10 (W - x_table -
 * x_min) and cop_y_mm = 10 y_table; it goes to /vendor only.
 */
#include "import_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PL_MAX_FIELDS 8200 /* a line's tokens: 8192 sensors and the label */

int imp_is_pliance(const char *head)
{
    const char *nl = strchr(head, '\n');
    const size_t n = nl ? (size_t)(nl - head) : strlen(head);
    char first[512];
    snprintf(first, sizeof first, "%.*s", (int)(n < 511 ? n : 511), head);
    return imp_starts(first, "file name:") && strstr(first, "date/time") &&
           strstr(head, "\nmat type") && strstr(head, "electrical:") &&
           strstr(head, "time[secs]") && !strchr(head, '\t');
}

enum { G_X0, G_Y0, G_X1, G_Y1, G_X2, G_Y2, G_X3, G_Y3, G_XC, G_YC, G_AREA, G_N };
static const char *const geo_names[G_N] = {"x[0]", "y[0]", "x[1]", "y[1]", "x[2]", "y[2]",
                                           "x[3]", "y[3]", "x[c]", "y[c]", "area"};

struct pl {
    struct imp *im;
    char **f;
    int S;              /* sensors */
    int32_t *ids;       /* S */
    double *g[G_N];     /* S each */
    long geo_line[G_N]; /* where each row was */
    uint64_t p_off, f_off;
    long p_line, f_line, s_line;
    long frames;
    double period, to_kpa;
    enum imp_pkind kind;
    char unit[48], mat[64];
    struct rmat_import_when when;
    /* the grid */
    int grid, rows, cols, id_rule_holds;
    const char *endings;
    int *cell; /* S: cell index, or the sensor index in a list */
    double px_cm, py_cm, x_min, W, H;
};

/* Pass 1: header, the tables' places, the geometry. */
static int pass1(struct pl *pl, struct imp_str *hdr, struct imp_attrs *at)
{
    struct imp *im = pl->im;
    struct imp_lr lr;
    char *line;
    size_t len;
    int got, rc = RMAT_OK, state = 0; /* 0 header, 1 pressure, 2 between, 3 force, 4 geometry */

    rc = imp_open(im, &lr, 0, 0, 1);
    if (rc != RMAT_OK)
        return rc;
    pl->period = NAN;
    while ((got = imp_lr_next(&lr, &line, &len, im->path, im->ei)) == 1) {
        const uint64_t off = lr.line_off;
        int nf;
        if (state == 0) {
            imp_str_add_latin1(hdr, line, len, IMP_MAX_HEADER);
            imp_str_add(hdr, "\n");
        }
        nf = imp_split_ws(line, pl->f, PL_MAX_FIELDS);
        if (nf > PL_MAX_FIELDS) {
            rc = imp_err(im, lr.line, "more than %d columns", PL_MAX_FIELDS);
            goto out;
        }
        if (nf == 0) {
            if (state == 1)
                state = 2;
            if (state == 4)
                state = 2;
            continue;
        }
        if (imp_eq(pl->f[0], "time[secs]") && nf >= 2 && imp_eq(pl->f[1], "force[N]")) {
            if (state < 1) {
                rc = imp_err(im, lr.line, "a force table before any pressure table");
                goto out;
            }
            pl->f_off = off;
            pl->f_line = lr.line;
            state = 3;
            continue;
        }
        if (imp_eq(pl->f[0], "time[secs]")) {
            if (state != 0) {
                rc = imp_err(im, lr.line, "a second pressure table (the first at line %ld)",
                             pl->p_line);
                goto out;
            }
            if (hdr->full) {
                rc = imp_err(im, lr.line, "a header longer than %u bytes", IMP_MAX_HEADER);
                goto out;
            }
            pl->S = nf - 1;
            if (pl->S < 1) {
                rc = imp_err(im, lr.line, "time[secs] without sensor ids");
                goto out;
            }
            pl->ids = malloc((size_t)pl->S * sizeof *pl->ids);
            for (int k = 0; k < G_N; k++)
                pl->g[k] = malloc((size_t)pl->S * sizeof(double));
            pl->cell = malloc((size_t)pl->S * sizeof *pl->cell);
            for (int k = 0; k < G_N; k++)
                if (!pl->g[k]) {
                    rc = imp_errc(im, RMAT_E_NOMEM, 0, "out of memory");
                    goto out;
                }
            if (!pl->ids || !pl->cell) {
                rc = imp_errc(im, RMAT_E_NOMEM, 0, "out of memory");
                goto out;
            }
            for (int i = 0; i < pl->S; i++) {
                long id;
                if (imp_int_str(pl->f[1 + i], 0, INT32_MAX, &id) != 0) {
                    rc = imp_err(im, lr.line,
                                 "column %d of time[secs] is \"%.20s\": expected a "
                                 "sensor id",
                                 i + 2, pl->f[1 + i]);
                    goto out;
                }
                pl->ids[i] = (int32_t)id;
                for (int k = 0; k < G_N; k++)
                    pl->g[k][i] = NAN;
            }
            pl->p_off = off;
            pl->p_line = lr.line;
            state = 1;
            continue;
        }
        if (state == 0) {
            /* Header keys (the values follow their labels on one line). */
            for (int i = 0; i < nf; i++) {
                if (imp_eq(pl->f[i], "frame") && i + 2 < nf && imp_eq(pl->f[i + 1], "[secs]:")) {
                    if (imp_num_str(pl->f[i + 2], &pl->period) != 0 || !(pl->period > 0)) {
                        rc = imp_err(im, lr.line,
                                     "time per frame: expected seconds, found "
                                     "\"%.20s\"",
                                     pl->f[i + 2]);
                        goto out;
                    }
                }
                if (imp_eq(pl->f[i], "date/time") && i + 2 < nf) {
                    int d, mo, y, h, mi;
                    if (sscanf(pl->f[i + 1], "%d.%d.%d", &d, &mo, &y) == 3 &&
                        sscanf(pl->f[i + 2], "%d.%d", &h, &mi) == 2 && mo >= 1 && mo <= 12 &&
                        d >= 1 && d <= 31) {
                        pl->when.known = 1;
                        pl->when.year = y < 100 ? 2000 + y : y;
                        pl->when.month = mo;
                        pl->when.day = d;
                        pl->when.hour = h;
                        pl->when.minute = mi;
                    }
                }
            }
            if (nf >= 3 && imp_eq(pl->f[0], "mat") && imp_eq(pl->f[1], "type")) {
                snprintf(pl->mat, sizeof pl->mat, "%s", pl->f[2]);
                imp_attr_text(at, "mat_type", pl->mat);
            }
            if (nf >= 4 && imp_eq(pl->f[0], "pressure") && imp_eq(pl->f[2], "in")) {
                snprintf(pl->unit, sizeof pl->unit, "%s", pl->f[3]);
                if (imp_unit_pressure(pl->unit, &pl->kind, &pl->to_kpa) != 0 ||
                    pl->kind == IMP_P_NEWTON) {
                    rc = imp_err(im, lr.line, "pressure values in: unknown pressure unit \"%s\"",
                                 pl->unit);
                    goto out;
                }
            }
            continue;
        }
        if (state == 1) {
            pl->frames += !(imp_eq(pl->f[0], "MPP") || imp_eq(pl->f[0], "MVP"));
            continue;
        }
        if (imp_eq(pl->f[0], "sensor")) {
            if (nf - 1 != pl->S) {
                rc = imp_err(im, lr.line,
                             "the geometry table lists %d sensors, the pressure table (line %ld) "
                             "%d",
                             nf - 1, pl->p_line, pl->S);
                goto out;
            }
            for (int i = 0; i < pl->S; i++) {
                long id;
                if (imp_int_str(pl->f[1 + i], 0, INT32_MAX, &id) != 0 || id != pl->ids[i]) {
                    rc = imp_err(im, lr.line,
                                 "sensor %d of the geometry table is \"%.20s\", of the pressure "
                                 "table (line %ld) %d: the order must be the same",
                                 i + 1, pl->f[1 + i], pl->p_line, (int)pl->ids[i]);
                    goto out;
                }
            }
            pl->s_line = lr.line;
            state = 4;
            continue;
        }
        if (state == 4) {
            int k = -1;
            for (int j = 0; j < G_N; j++)
                if (imp_eq(pl->f[0], geo_names[j]))
                    k = j;
            if (k < 0 || nf == 1)
                continue; /* a caption such as corner[cm] */
            if (nf - 1 != pl->S) {
                rc = imp_err(im, lr.line, "expected %d values (the sensor line %ld), found %d",
                             pl->S, pl->s_line, nf - 1);
                goto out;
            }
            for (int i = 0; i < pl->S; i++)
                if (imp_num_str(pl->f[1 + i], &pl->g[k][i]) != 0) {
                    rc = imp_err(im, lr.line, "value %d of %s is \"%.20s\": expected a number",
                                 i + 1, geo_names[k], pl->f[1 + i]);
                    goto out;
                }
            pl->geo_line[k] = lr.line;
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
    if (!pl->p_line) {
        rc = imp_err(im, lr.line + 1,
                     "expected a pressure table (time[secs] and sensor ids), "
                     "found the end of the file");
        goto out;
    }
    if (!pl->s_line) {
        rc = imp_err(im, lr.line + 1,
                     "expected the geometry table (sensor and ids), found the "
                     "end of the file");
        goto out;
    }
    for (int k = 0; k < G_N; k++)
        if (!pl->geo_line[k]) {
            rc = imp_err(im, lr.line + 1, "the geometry table (line %ld) lacks its %s row",
                         pl->s_line, geo_names[k]);
            goto out;
        }
    if (isnan(pl->period)) {
        rc = imp_err(im, pl->p_line, "the header lacks time per frame [secs] (a required key)");
        goto out;
    }
    if (!pl->unit[0]) {
        rc = imp_err(im, pl->p_line, "the header lacks pressure values in (a required key)");
        goto out;
    }
    imp_source_done(im, &lr);
    pl->endings = imp_lr_endings(&lr); /* of the whole file */
out:
    imp_lr_close(&lr);
    return rc;
}

/* The grid from the geometry, or a sensor list. */
static int lattice(struct pl *pl)
{
    struct imp *im = pl->im;
    double xc_min = INFINITY, yc_max = -INFINITY, a0 = pl->g[G_AREA][0];
    const char *why = NULL;
    uint8_t *used = NULL;

    pl->px_cm = pl->g[G_X2][0] - pl->g[G_X0][0];
    pl->py_cm = pl->g[G_Y0][0] - pl->g[G_Y1][0];
    pl->x_min = INFINITY;
    pl->W = pl->H = -INFINITY;
    for (int i = 0; i < pl->S; i++) {
        for (int k = G_X0; k <= G_Y3; k += 2) {
            pl->x_min = fmin(pl->x_min, pl->g[k][i]);
            pl->W = fmax(pl->W, pl->g[k][i]);
            pl->H = fmax(pl->H, pl->g[k + 1][i]);
        }
        xc_min = fmin(xc_min, pl->g[G_XC][i]);
        yc_max = fmax(yc_max, pl->g[G_YC][i]);
        if (!why && fabs(pl->g[G_AREA][i] - a0) > 0.01 * fabs(a0))
            why = "unequal sensor areas";
        if (!why && (fabs((pl->g[G_X2][i] - pl->g[G_X0][i]) - pl->px_cm) > pl->px_cm / 4 ||
                     fabs((pl->g[G_Y0][i] - pl->g[G_Y1][i]) - pl->py_cm) > pl->py_cm / 4))
            why = "unequal sensor sizes";
    }
    if (!(pl->px_cm > 0) || !(pl->py_cm > 0) || !(a0 > 0))
        return imp_err(im, pl->geo_line[G_X0],
                       "the first sensor's corners give a pitch of %g x %g cm and its area %g "
                       "cm2: expected positive sizes",
                       pl->px_cm, pl->py_cm, a0);
    pl->rows = pl->cols = 0;
    for (int i = 0; i < pl->S && !why; i++) {
        const double cx = (pl->g[G_XC][i] - xc_min) / pl->px_cm;
        const double ry = (yc_max - pl->g[G_YC][i]) / pl->py_cm;
        const long c = lround(cx), r = lround(ry);
        if (fabs(cx - (double)c) > 0.25 || fabs(ry - (double)r) > 0.25)
            why = "a centre off the lattice";
        else if (c >= RMAT_IMPORT_MAX_SIDE || r >= RMAT_IMPORT_MAX_SIDE)
            why = "a lattice larger than 256 x 256";
        else {
            pl->cols = c + 1 > pl->cols ? (int)c + 1 : pl->cols;
            pl->rows = r + 1 > pl->rows ? (int)r + 1 : pl->rows;
            pl->cell[i] = (int)(r * 65536 + c); /* packed until cols is known */
        }
    }
    if (!why) {
        used = calloc((size_t)pl->rows * (size_t)pl->cols, 1);
        if (!used)
            return imp_errc(im, RMAT_E_NOMEM, 0, "out of memory");
        for (int i = 0; i < pl->S; i++) {
            const int r = pl->cell[i] / 65536, c = pl->cell[i] % 65536;
            pl->cell[i] = r * pl->cols + c;
            if (used[pl->cell[i]]++) {
                why = "two sensors on one lattice point";
                break;
            }
        }
        free(used);
    }
    if (!why) {
        /* The ids of the mat seen follow col = (id - 1) div 32, row =
         * (id - 1) mod 32 - 3: a cross-check, recorded, never used. */
        int holds = 1;
        long dr0 = 0, dc0 = 0;
        for (int i = 0; i < pl->S; i++) {
            const long r = pl->cell[i] / pl->cols, c = pl->cell[i] % pl->cols;
            const long dr = r - ((long)(pl->ids[i] - 1) % 32 - 3);
            const long dc = c - (long)(pl->ids[i] - 1) / 32;
            if (i == 0) {
                dr0 = dr;
                dc0 = dc;
            }
            holds &= dr == dr0 && dc == dc0;
        }
        pl->id_rule_holds = holds;
    }
    if (why) {
        pl->grid = 0;
        pl->rows = 1;
        pl->cols = pl->S;
        for (int i = 0; i < pl->S; i++)
            pl->cell[i] = i;
        imp_warn(im,
                 "the geometry table (line %ld) is not a regular grid (%s): a sensor list "
                 "with positions",
                 pl->s_line, why);
    } else {
        pl->grid = 1;
    }
    return RMAT_OK;
}

/* The next force-table row: 1 with time (us), force, x, y (NaN for '-'). */
static int next_force(struct pl *pl, struct imp_lr *lr, int *done, int64_t *t_us, double *fv)
{
    char *line, *f[8];
    size_t len;
    int got;
    while (!*done && (got = imp_lr_next(lr, &line, &len, pl->im->path, pl->im->ei)) == 1) {
        int nf = imp_split_ws(line, f, 7);
        double t;
        if (nf == 0) {
            if (lr->line > pl->f_line + 1)
                break; /* a blank after rows ends the table */
            continue;
        }
        if (imp_eq(f[0], "sensor"))
            break;
        if (nf != 4 || imp_num_str(f[0], &t) != 0 || imp_num_str(f[1], &fv[0]) != 0)
            return imp_err(pl->im, lr->line,
                           "expected a force-table row: time, force[N], x[cm], y[cm], found "
                           "\"%.40s\"",
                           f[0]);
        for (int k = 0; k < 2; k++)
            if (strcmp(f[2 + k], "-") == 0)
                fv[1 + k] = NAN;
            else if (imp_num_str(f[2 + k], &fv[1 + k]) != 0)
                return imp_err(pl->im, lr->line, "%s is \"%.20s\": expected a number or -",
                               k ? "y[cm]" : "x[cm]", f[2 + k]);
        *t_us = llround(t * 1e6);
        return 1;
    }
    if (!*done && got < 0)
        return got;
    *done = 1;
    return 0;
}

static int emit_force(struct pl *pl, int part, int64_t frame, int64_t t_us, const double *fv)
{
    struct rmat_import_figure fig[3] = {
        {"force_n", fv[0]},
        {"cop_x_mm", isnan(fv[1]) ? NAN : 10.0 * (pl->W - fv[1] - pl->x_min)},
        {"cop_y_mm", isnan(fv[2]) ? NAN : 10.0 * fv[2]}};
    return imp_vendor_row(pl->im, part, frame, (double)t_us / 1e6, fig, 3);
}

int imp_read_pliance(struct imp *im)
{
    struct pl pl;
    struct imp_str hdr = {0};
    struct imp_attrs at = {0};
    struct imp_lr lp, lf;
    int lp_open = 0, lf_open = 0, force_done = 1, have_force = 0, rc, got, part;
    int64_t ft_us = 0;
    double fv[3] = {0}, max_diff = 0, max_diff_t = 0, max_cop = 0, max_cop_t = 0;
    long nframes = 0;
    char *line;
    size_t len;
    float *v = NULL, *map = NULL;
    uint8_t *mask = NULL;
    double *sa = NULL, *sx = NULL, *sy = NULL;

    memset(&pl, 0, sizeof pl);
    pl.im = im;
    pl.f = malloc((PL_MAX_FIELDS + 1) * sizeof *pl.f);
    if (!pl.f)
        return imp_errc(im, RMAT_E_NOMEM, 0, "out of memory");
    rc = pass1(&pl, &hdr, &at);
    if (rc != RMAT_OK)
        goto out;
    rc = lattice(&pl);
    if (rc != RMAT_OK)
        goto out;
    rc = imp_opt_unit(im, &pl.kind, &pl.to_kpa);
    if (rc < 0)
        goto out;
    if (pl.kind != IMP_P_KPA) {
        rc = imp_errc(im, RMAT_E_ARG, 0, "pliance values are pressures: --unit must be one");
        goto out;
    }
    {
        const size_t n = (size_t)pl.rows * (size_t)pl.cols;
        struct rmat_import_part p;
        v = calloc(n, sizeof *v);
        map = malloc(n * sizeof *map);
        mask = calloc(n, 1);
        sa = malloc((size_t)pl.S * sizeof *sa);
        sx = malloc((size_t)pl.S * sizeof *sx);
        sy = malloc((size_t)pl.S * sizeof *sy);
        if (!v || !map || !mask || !sa || !sx || !sy) {
            rc = imp_errc(im, RMAT_E_NOMEM, 0, "out of memory");
            goto out;
        }
        for (int i = 0; i < pl.S; i++) {
            mask[pl.cell[i]] = 1;
            sa[i] = 100.0 * pl.g[G_AREA][i];
            sx[i] = 10.0 * (pl.g[G_XC][i] - pl.x_min);
            sy[i] = 10.0 * (pl.H - pl.g[G_YC][i]);
        }
        memset(&p, 0, sizeof p);
        p.name = "";
        p.layout = pl.grid ? RMAT_IMPORT_GRID : RMAT_IMPORT_SENSORS;
        p.rows = pl.rows;
        p.cols = pl.cols;
        p.pitch_x_mm = pl.grid ? 10.0 * pl.px_cm : NAN;
        p.pitch_y_mm = pl.grid ? 10.0 * pl.py_cm : NAN;
        p.mask = mask;
        if (!pl.grid) {
            p.sensor_id = pl.ids;
            p.sensor_area_mm2 = sa;
            p.sensor_x_mm = sx;
            p.sensor_y_mm = sy;
        }
        p.to_kpa = pl.to_kpa;
        p.unit_in_file = pl.unit;
        p.rate_hz = 1.0 / pl.period;
        p.content = "movie";
        p.variant = pl.grid ? "grid from the geometry table" : "sensor list with positions";
        p.encoding = "ASCII";
        p.line_endings = pl.endings;
        p.model = pl.mat;
        p.start = pl.when;
        imp_attr_num(&at, "sensors", pl.S);
        if (pl.grid)
            imp_attr_num(&at, "id_rule_holds", pl.id_rule_holds);
        imp_attr_num(&at, "pressure_table_line", (double)pl.p_line);
        imp_attr_num(&at, "geometry_table_line", (double)pl.s_line);
        imp_assume(im,
                   "grid from the geometry table's centres (line %ld): columns by x[c] "
                   "ascending, rows by y[c] descending (row 0 on top); pitch x = x[2] - x[0], "
                   "y = y[0] - y[1]; the period from the header (its Hz is rounded)",
                   pl.s_line);
        imp_assume(im,
                   "the force table's CoP is turned 180 degrees: /vendor cop_x_mm = 10 (W - x "
                   "- x_min), cop_y_mm = 10 y, W = %.4g cm, x_min = %.4g cm",
                   pl.W, pl.x_min);
        rc = imp_part_begin(im, &p, &at, &hdr);
        if (rc < 0)
            goto out;
        part = rc;
    }
    /* Pass 2: the pressure table, with the force table beside it. */
    rc = imp_open(im, &lp, pl.p_off, pl.p_line - 1, 0);
    if (rc != RMAT_OK)
        goto out;
    lp_open = 1;
    got = imp_lr_next(&lp, &line, &len, im->path, im->ei); /* the time[secs] line */
    if (got < 0) {
        rc = got;
        goto out;
    }
    if (pl.f_line) {
        rc = imp_open(im, &lf, pl.f_off, pl.f_line - 1, 0);
        if (rc != RMAT_OK)
            goto out;
        lf_open = 1;
        got = imp_lr_next(&lf, &line, &len, im->path, im->ei);
        if (got < 0) {
            rc = got;
            goto out;
        }
        force_done = 0;
        have_force = 1;
        rc = next_force(&pl, &lf, &force_done, &ft_us, fv);
        if (rc < 0)
            goto out;
    } else {
        imp_warn(im, "no force table: no vendor force or CoP to compare");
    }
    while ((got = imp_lr_next(&lp, &line, &len, im->path, im->ei)) == 1) {
        int nf = imp_split_ws(line, pl.f, PL_MAX_FIELDS);
        const int is_map = nf > 0 && (imp_eq(pl.f[0], "MPP") || imp_eq(pl.f[0], "MVP"));
        double t = 0, force = 0, wx = 0, wy = 0;
        if (nf == 0)
            break;
        if (nf != pl.S + 1) {
            rc = imp_err(im, lp.line, "expected %d values (the ids of line %ld), found %d", pl.S,
                         pl.p_line, nf > PL_MAX_FIELDS ? nf : nf - 1);
            goto out;
        }
        if (!is_map && (imp_num_str(pl.f[0], &t) != 0 || t < 0 || t > 1e9)) {
            rc = imp_err(im, lp.line, "the time is \"%.40s\": expected seconds, MPP or MVP",
                         pl.f[0]);
            goto out;
        }
        for (int i = 0; i < pl.S; i++) {
            double d;
            const char *c = pl.f[1 + i];
            if (imp_num(c, strlen(c), 0, &d) != 0) {
                rc = imp_err(im, lp.line, "value %d is \"%.40s\": expected a number", i + 1, c);
                goto out;
            }
            d *= pl.to_kpa;
            (is_map ? map : v)[pl.cell[i]] = (float)d;
            force += d * 100.0 * pl.g[G_AREA][i] / 1000.0;
            wx += d * sa[i] * sx[i];
            wy += d * sa[i] * sy[i];
        }
        if (is_map) {
            char name[16];
            for (int i = 0; i < pl.rows * pl.cols; i++)
                if (!mask[i])
                    map[i] = NAN;
            snprintf(name, sizeof name, "%s_kpa", imp_eq(pl.f[0], "MPP") ? "mpp" : "mvp");
            rc = imp_vendor_map(im, part, name, map, (size_t)pl.rows * (size_t)pl.cols);
            if (rc != RMAT_OK)
                goto out;
            continue;
        }
        {
            const int64_t t_us = llround(t * 1e6);
            rc = imp_frame(im, part, nframes, t_us, v, lp.line);
            if (rc != RMAT_OK)
                goto out;
            /* Force rows before this frame lie outside the window. */
            while (!force_done && ft_us < t_us) {
                rc = emit_force(&pl, part, -1, ft_us, fv);
                if (rc == RMAT_OK)
                    rc = next_force(&pl, &lf, &force_done, &ft_us, fv);
                if (rc < 0)
                    goto out;
            }
            if (!force_done && ft_us == t_us) {
                /* Vendor force is printed to 3 decimals, pressures too. */
                const double tol = 0.0005 + 0.0005 * 100.0 * pl.g[G_AREA][0] / 1000.0 * pl.S;
                const double diff = fabs(force - fv[0]);
                if (diff > tol && diff > max_diff) {
                    max_diff = diff;
                    max_diff_t = t;
                }
                /* CoP: the table prints cm to 3 decimals (0.005 mm); the
                 * pressures' own rounding adds a little. */
                if (force > 0 && !isnan(fv[1]) && !isnan(fv[2])) {
                    const double w = force * 1000.0;
                    const double dx = fabs(wx / w - 10.0 * (pl.W - fv[1] - pl.x_min));
                    const double dy = fabs(wy / w - 10.0 * fv[2]);
                    const double d = dx > dy ? dx : dy;
                    if (d > 0.02 && d > max_cop) {
                        max_cop = d;
                        max_cop_t = t;
                    }
                }
                rc = emit_force(&pl, part, nframes, ft_us, fv);
                if (rc == RMAT_OK)
                    rc = next_force(&pl, &lf, &force_done, &ft_us, fv);
                if (rc < 0)
                    goto out;
            }
        }
        nframes++;
    }
    if (got < 0) {
        rc = got;
        goto out;
    }
    while (!force_done) {
        rc = emit_force(&pl, part, -1, ft_us, fv);
        if (rc == RMAT_OK)
            rc = next_force(&pl, &lf, &force_done, &ft_us, fv);
        if (rc < 0)
            goto out;
    }
    if (nframes == 0) {
        rc = imp_err(im, pl.p_line + 1, "the pressure table (line %ld) holds no frames", pl.p_line);
        goto out;
    }
    if (have_force && max_cop > 0)
        imp_warn(im,
                 "the force table's CoP disagrees with the pressures' by up to %.4g mm (at "
                 "%.5f s)",
                 max_cop, max_cop_t);
    if (have_force && max_diff > 0)
        imp_warn(im, "the force table disagrees with sum(p x area): by up to %.4g N (at %.5f s)",
                 max_diff, max_diff_t);
    rc = RMAT_OK;
out:
    if (lp_open)
        imp_lr_close(&lp);
    if (lf_open)
        imp_lr_close(&lf);
    imp_str_free(&hdr);
    imp_attrs_free(&at);
    free(pl.f);
    free(pl.ids);
    for (int k = 0; k < G_N; k++)
        free(pl.g[k]);
    free(pl.cell);
    free(v);
    free(map);
    free(mask);
    free(sa);
    free(sx);
    free(sy);
    return rc;
}
