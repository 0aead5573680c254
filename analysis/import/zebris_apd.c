/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Zebris pedcad import file, .apd (IMPORT.md §7): one peak image per step.
 *
 * INI sections; [Data] holds SensCountX lines of SensCountY TAB-separated
 * values. The lines run along X (the plate's length, the walking
 * direction) and stay rows, so pitch_y_mm = LDistX and pitch_x_mm =
 * LDistY; nothing is transposed. -1 marks a cell with nothing recorded
 * (unloaded, outside the footprint): it is stored as 0 with mask 1, never
 * as -1. The image is the per-cell maximum over one step: one frame,
 * rate NaN, content "peak-image".
 */
#include "import_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int imp_is_apd(const char *head)
{
    return strstr(head, "[General]") && strstr(head, "Description=pedcad Importfile") &&
           strstr(head, "[Data]");
}

/* Personal keys of [Customer] (and anything in that section), blanked with
 * --redact. */
static int personal(const char *section, const char *key)
{
    (void)key;
    return imp_eq(section, "Customer");
}

struct apd_key {
    const char *name;
    long line;
    char value[128];
};

enum { K_UNIT_D, K_UNIT_P, K_COUNT_X, K_COUNT_Y, K_LDIST_X, K_LDIST_Y, K_DATE, K_TIME, K_N };

int imp_read_apd(struct imp *im)
{
    struct imp_lr lr;
    struct imp_str hdr = {0};
    struct imp_attrs at = {0};
    struct apd_key k[K_N] = {{"UnitDistance", 0, ""}, {"UnitPressure", 0, ""},
                             {"SensCountX", 0, ""},   {"SensCountY", 0, ""},
                             {"LDistX", 0, ""},       {"LDistY", 0, ""},
                             {"Date", 0, ""},         {"Time", 0, ""}};
    char section[64] = "", *line;
    size_t len;
    int got, rc, in_data = 0;
    long rows = 0, cols = 0, r = 0, data_line = 0;
    double to_mm = 1, to_kpa = 1, ldx = 0, ldy = 0;
    enum imp_pkind kind = IMP_P_KPA;
    float *v = NULL;
    uint8_t *mask = NULL;

    rc = imp_open(im, &lr, 0, 0, 1);
    if (rc != RMAT_OK)
        return rc;
    while ((got = imp_lr_next(&lr, &line, &len, im->path, im->ei)) == 1) {
        const size_t mark = hdr.len; /* to take the line back out of the header */
        char *s;
        if (!in_data) {
            imp_str_add_latin1(&hdr, line, len, IMP_MAX_HEADER);
            imp_str_add(&hdr, "\n");
        }
        s = imp_trim(line);
        if (in_data) {
            char *f[RMAT_IMPORT_MAX_SIDE + 2];
            int n;
            if (*s == '\0')
                continue;
            if (*s == '[') {
                in_data = 0; /* a section after [Data] */
            } else {
                if (r == rows) {
                    rc = imp_err(im, lr.line,
                                 "more than %ld data lines (SensCountX, line %ld): found \"%.30s\"",
                                 rows, k[K_COUNT_X].line, s);
                    goto out;
                }
                n = imp_split(s, '\t', f, RMAT_IMPORT_MAX_SIDE + 1);
                while (n > 0 && f[n - 1][0] == '\0')
                    n--; /* a trailing TAB */
                if (n != cols) {
                    rc =
                        imp_err(im, lr.line, "expected %ld values (SensCountY, line %ld), found %d",
                                cols, k[K_COUNT_Y].line, n);
                    goto out;
                }
                for (int c = 0; c < n; c++) {
                    double d;
                    if (imp_num(f[c], strlen(f[c]), 0, &d) != 0 || (d < 0 && d != -1)) {
                        rc = imp_err(im, lr.line,
                                     "value %d is \"%.40s\": expected a number >= 0 or -1", c + 1,
                                     f[c]);
                        goto out;
                    }
                    v[r * cols + c] = d == -1 ? 0.0f : (float)(d * to_kpa);
                }
                r++;
                continue;
            }
        }
        if (*s == '[') {
            char *e = strchr(s, ']');
            if (!e) {
                rc =
                    imp_err(im, lr.line, "expected a section name in brackets, found \"%.40s\"", s);
                goto out;
            }
            *e = '\0';
            snprintf(section, sizeof section, "%s", s + 1);
            if (imp_eq(section, "Data")) {
                /* Everything needed to read the values is known now. */
                long n;
                double dd;
                if (data_line) {
                    rc = imp_err(im, lr.line, "a second [Data] section (the first at line %ld)",
                                 data_line);
                    goto out;
                }
                for (int i = 0; i < K_N; i++)
                    if (i != K_DATE && i != K_TIME && !k[i].line) {
                        rc = imp_err(im, lr.line, "[Data] before %s (a required key)", k[i].name);
                        goto out;
                    }
                if (imp_unit_length(k[K_UNIT_D].value, &to_mm) != 0) {
                    rc = imp_err(im, k[K_UNIT_D].line, "UnitDistance: unknown length unit \"%s\"",
                                 k[K_UNIT_D].value);
                    goto out;
                }
                if (imp_unit_pressure(k[K_UNIT_P].value, &kind, &to_kpa) != 0 ||
                    kind == IMP_P_NEWTON) {
                    rc = imp_err(im, k[K_UNIT_P].line, "UnitPressure: unknown pressure unit \"%s\"",
                                 k[K_UNIT_P].value);
                    goto out;
                }
                rc = imp_opt_unit(im, &kind, &to_kpa);
                if (rc < 0)
                    goto out;
                if (kind != IMP_P_KPA) {
                    rc = imp_errc(im, RMAT_E_ARG, 0, "a peak image needs a pressure unit");
                    goto out;
                }
                for (int i = K_COUNT_X; i <= K_COUNT_Y; i++) {
                    if (imp_int_str(k[i].value, 1, RMAT_IMPORT_MAX_SIDE, &n) != 0) {
                        rc = imp_err(im, k[i].line,
                                     "%s: expected a whole number 1..%d, found "
                                     "\"%s\"",
                                     k[i].name, RMAT_IMPORT_MAX_SIDE, k[i].value);
                        goto out;
                    }
                    *(i == K_COUNT_X ? &rows : &cols) = n;
                }
                for (int i = K_LDIST_X; i <= K_LDIST_Y; i++) {
                    if (imp_num_str(k[i].value, &dd) != 0 || !(dd > 0)) {
                        rc = imp_err(im, k[i].line, "%s: expected a positive number, found \"%s\"",
                                     k[i].name, k[i].value);
                        goto out;
                    }
                    *(i == K_LDIST_X ? &ldx : &ldy) = dd * to_mm;
                }
                v = calloc((size_t)(rows * cols), sizeof *v);
                mask = malloc((size_t)(rows * cols));
                if (!v || !mask) {
                    rc = imp_errc(im, RMAT_E_NOMEM, 0, "out of memory");
                    goto out;
                }
                memset(mask, 1, (size_t)(rows * cols));
                in_data = 1;
                data_line = lr.line;
                hdr.len = mark; /* [Data] is not header */
                if (hdr.s)
                    hdr.s[hdr.len] = '\0';
                continue;
            }
            continue;
        }
        {
            char *eq = strchr(s, '=');
            if (*s && eq) {
                char key[64];
                *eq = '\0';
                snprintf(key, sizeof key, "%s", imp_trim(s));
                for (int i = 0; i < K_N; i++)
                    if (imp_eq(key, k[i].name) && (i < K_DATE || imp_eq(section, "General"))) {
                        snprintf(k[i].value, sizeof k[i].value, "%s", imp_trim(eq + 1));
                        k[i].line = lr.line;
                    }
                if (im->opts->redact && personal(section, key)) {
                    /* The header keeps the key, blank. */
                    hdr.len = mark;
                    imp_str_add_latin1(&hdr, line, (size_t)(eq - line), IMP_MAX_HEADER);
                    imp_str_add(&hdr, "=\n");
                } else if (!personal(section, key)) {
                    /* /source gets e.g. technical_start_sens_x. */
                    struct imp_str u = {0};
                    const char *val = imp_trim(eq + 1);
                    char full[140];
                    imp_snake(section, 1, full, 64);
                    strcat(full, "_");
                    imp_snake(key, 1, full + strlen(full), 64);
                    imp_str_add_latin1(&u, val, strlen(val), 1024);
                    imp_attr_text(&at, full, imp_str_get(&u));
                    imp_str_free(&u);
                }
            }
        }
    }
    if (got < 0) {
        rc = got;
        goto out;
    }
    if (hdr.full) {
        rc = imp_err(im, 0, "a header longer than %u bytes", IMP_MAX_HEADER);
        goto out;
    }
    if (lr.line == 0) {
        rc = imp_err(im, 0, "the file is empty: expected an export, found 0 bytes");
        goto out;
    }
    if (!data_line) {
        rc = imp_err(im, lr.line + 1, "expected a [Data] section, found the end of the file");
        goto out;
    }
    if (r < rows) {
        rc = imp_err(im, lr.line + 1,
                     "the image ends after %ld of %ld lines (SensCountX, line %ld): end of file, "
                     "truncated?",
                     r, rows, k[K_COUNT_X].line);
        goto out;
    }
    {
        struct rmat_import_part p;
        int d = 0, mo = 0, y = 0, h = 0, mi = 0, se = 0;
        memset(&p, 0, sizeof p);
        p.name = "";
        p.layout = RMAT_IMPORT_GRID;
        p.rows = (int)rows;
        p.cols = (int)cols;
        /* Lines run along X and are rows: rows are LDistX apart. */
        p.pitch_y_mm = ldx;
        p.pitch_x_mm = ldy;
        p.mask = mask;
        p.counts = 0;
        p.to_kpa = to_kpa;
        p.unit_in_file = k[K_UNIT_P].value;
        p.rate_hz = NAN;
        p.content = "peak-image";
        p.variant = "";
        p.encoding = "Latin-1";
        p.line_endings = imp_lr_endings(&lr);
        if (sscanf(k[K_DATE].value, "%d/%d/%d", &d, &mo, &y) == 3 &&
            sscanf(k[K_TIME].value, "%d.%d.%d", &h, &mi, &se) == 3 && mo >= 1 && mo <= 12 &&
            d >= 1 && d <= 31) {
            p.start.known = 1;
            p.start.year = y;
            p.start.month = mo;
            p.start.day = d;
            p.start.hour = h;
            p.start.minute = mi;
            p.start.second = se;
        }
        imp_attr_text(&at, "content", "peak-image");
        imp_assume(im,
                   "lines of [Data] run along X (LDistX, line %ld) and are kept as rows: "
                   "pitch_y_mm = LDistX, pitch_x_mm = LDistY; -1 cells are stored as 0",
                   k[K_LDIST_X].line);
        imp_assume(im, "the image is the per-cell maximum over one step: its force and area are "
                       "those of a maximum image, not of an instant");
        rc = imp_part_begin(im, &p, &at, &hdr);
        if (rc < 0)
            goto out;
        rc = imp_frame(im, rc, 0, 0, v, data_line + 1);
        if (rc != RMAT_OK)
            goto out;
    }
    imp_source_done(im, &lr);
    rc = RMAT_OK;
out:
    imp_lr_close(&lr);
    imp_str_free(&hdr);
    imp_attrs_free(&at);
    free(v);
    free(mask);
    return rc;
}
