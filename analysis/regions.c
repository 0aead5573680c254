/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Named regions (regions.h; docs/metrics.md "Regions"). */
#include "rollmat/regions.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_FILE_BYTES (1u << 20)

static int num(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return end != s && *end == '\0' && errno != ERANGE && isfinite(*v) ? 0 : -1;
}

int rmat_regions_parse(const char *text, const char *origin, struct rmat_region **out,
                       size_t *n_out, struct rmat_errinfo *ei)
{
    struct rmat_region *v = NULL;
    size_t n = 0;
    int line = 0, header = 0, rc = RMAT_OK;
    char buf[1024];

    if (out)
        *out = NULL;
    if (n_out)
        *n_out = 0;
    if (!text || !out || !n_out)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "regions: text and outputs needed");
    if (!origin)
        origin = "regions";
    v = calloc(RMAT_REGIONS_MAX, sizeof *v);
    if (!v)
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", origin);
    while (*text) {
        const char *nl = strchr(text, '\n');
        const size_t len = nl ? (size_t)(nl - text) : strlen(text);
        char *w[6], *save = NULL;
        int nw = 0;

        line++;
        if (len >= sizeof buf) {
            rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0, "%s: line %d: too long", origin, line);
            goto out;
        }
        memcpy(buf, text, len);
        buf[len] = '\0';
        text = nl ? nl + 1 : text + len;
        buf[strcspn(buf, "#")] = '\0';
        for (char *p = strtok_r(buf, " \t\r", &save); p; p = strtok_r(NULL, " \t\r", &save)) {
            if (nw == 6) {
                nw = 7;
                break;
            }
            w[nw++] = p;
        }
        if (nw == 0)
            continue;
        if (!header) {
            if (nw != 2 || strcmp(w[0], "rollmat-regions") != 0 || strcmp(w[1], "1") != 0) {
                rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                      "%s: line %d: not a regions file: the first line must be "
                                      "'rollmat-regions 1'",
                                      origin, line);
                goto out;
            }
            header = 1;
            continue;
        }
        struct rmat_region r;
        if (nw != 5 || num(w[1], &r.x0_mm) || num(w[2], &r.y0_mm) || num(w[3], &r.x1_mm) ||
            num(w[4], &r.y1_mm)) {
            rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                  "%s: line %d: want NAME x0_mm y0_mm x1_mm y1_mm (a word and "
                                  "four finite numbers)",
                                  origin, line);
            goto out;
        }
        if (!(r.x0_mm < r.x1_mm) || !(r.y0_mm < r.y1_mm)) {
            rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                  "%s: line %d: region %s is empty: x0_mm < x1_mm and y0_mm < "
                                  "y1_mm needed",
                                  origin, line, w[0]);
            goto out;
        }
        if (strlen(w[0]) >= sizeof r.name) {
            rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0, "%s: line %d: name longer than 63 bytes",
                                  origin, line);
            goto out;
        }
        for (size_t k = 0; k < n; k++) {
            if (strcmp(v[k].name, w[0]) == 0) {
                rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0, "%s: line %d: region %s given twice",
                                      origin, line, w[0]);
                goto out;
            }
        }
        if (n == RMAT_REGIONS_MAX) {
            rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0, "%s: line %d: more than %d regions", origin,
                                  line, RMAT_REGIONS_MAX);
            goto out;
        }
        memcpy(r.name, w[0], strlen(w[0]) + 1);
        v[n++] = r;
    }
    if (!header) {
        rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                              "%s: empty: the first line must be 'rollmat-regions 1'", origin);
        goto out;
    }
out:
    if (rc != RMAT_OK) {
        free(v);
        return rc;
    }
    *out = v;
    *n_out = n;
    return RMAT_OK;
}

int rmat_regions_load(const char *path, struct rmat_region **out, size_t *n_out,
                      struct rmat_errinfo *ei)
{
    struct stat st;
    char *buf;
    FILE *f;
    size_t got;
    int rc, e;

    if (out)
        *out = NULL;
    if (!path)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "regions: no file");
    if (stat(path, &st) != 0 || !(f = fopen(path, "rb"))) {
        e = errno;
        return rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "%s: cannot read: %s", path,
                                strerror(e));
    }
    if (!S_ISREG(st.st_mode) || st.st_size > (off_t)MAX_FILE_BYTES) {
        fclose(f);
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                "%s: not a regions file (a regular file of at most 1 MiB)", path);
    }
    buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        fclose(f);
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", path);
    }
    got = fread(buf, 1, (size_t)st.st_size, f);
    buf[got] = '\0';
    fclose(f);
    rc = rmat_regions_parse(buf, path, out, n_out, ei);
    free(buf);
    return rc;
}

int rmat_region_of(const struct rmat_region *r, size_t n, double x_mm, double y_mm)
{
    if (!r || isnan(x_mm) || isnan(y_mm))
        return -1;
    for (size_t k = 0; k < n; k++)
        if (x_mm >= r[k].x0_mm && x_mm <= r[k].x1_mm && y_mm >= r[k].y0_mm && y_mm <= r[k].y1_mm)
            return (int)k;
    return -1;
}

void rmat_regions_compute(const struct rmat_region *r, size_t n, const double *t_s,
                          double nominal_dt_s, const struct rmat_frame_metrics *m, size_t frames,
                          struct rmat_hold *holds, size_t n_holds, struct rmat_region_stats *stats)
{
    double contact_s = 0.0;

    for (size_t k = 0; k < n; k++) {
        stats[k].time_s = 0.0;
        stats[k].pti_kpa_s = 0.0;
        stats[k].holds = 0;
    }
    for (size_t f = 0; f < frames; f++) {
        if (m[f].contact_sensels == 0 || isnan(m[f].cop_x_mm))
            continue;
        const double dt = rmat_frame_dt(t_s, f, nominal_dt_s);
        contact_s += dt;
        const int k = rmat_region_of(r, n, m[f].cop_x_mm, m[f].cop_y_mm);
        if (k < 0)
            continue;
        stats[k].time_s += dt;
        stats[k].pti_kpa_s += m[f].mean_kpa * dt;
    }
    for (size_t h = 0; h < n_holds; h++) {
        holds[h].region = rmat_region_of(r, n, holds[h].x_mm, holds[h].y_mm);
        if (holds[h].region >= 0)
            stats[holds[h].region].holds++;
    }
    for (size_t k = 0; k < n; k++) {
        stats[k].pct = contact_s > 0 ? 100.0 * stats[k].time_s / contact_s : NAN;
        stats[k].mean_kpa = stats[k].time_s > 0 ? stats[k].pti_kpa_s / stats[k].time_s : NAN;
    }
}
