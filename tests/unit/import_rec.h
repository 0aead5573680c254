/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test support for the import tests (tests/unit/test_import_*.c): a sink
 * that records what a reader streams, the per-frame figures the tests check
 * against hand-computed values, and helpers to write export files built in
 * code. Included by each test program (static functions, one copy each).
 *
 * Frame figures, as METRICS.md defines them for a grid: force_n = sum over
 * mask-1 cells of p_kPa * a_mm2 / 1000 with a = pitch_x * pitch_y; contact
 * area = a * number of cells with p > 0; peak = max p; CoP = the
 * pressure-weighted mean of the cell centres ((c + 0.5) pitch_x,
 * (r + 0.5) pitch_y), x from the left edge, y down from the top. Sensor
 * lists use each sensor's area and position when known.
 */
#ifndef RMAT_IMPORT_REC_H
#define RMAT_IMPORT_REC_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rollmat/import.h"

#define REC_MAX_PARTS  4
#define REC_MAX_FRAMES 64
#define REC_MAX_CELLS  4096
#define REC_MAX_ROWS   64
#define REC_MAX_EVENTS 16
#define REC_MAX_MAPS   8

#define UNUSED __attribute__((unused))

struct rec_frame {
    int part;
    uint64_t index;
    int64_t seq, t_us;
    long line;
    double force_n, area_mm2, peak_kpa, cop_x_mm, cop_y_mm;
    float v[REC_MAX_CELLS];
};

struct rec_part {
    int begun, ended;
    int index, rows, cols, counts, layout;
    enum rmat_import_side side;
    double pitch_x_mm, pitch_y_mm, to_kpa, rate_hz, rate_end;
    char name[128], unit[32], variant[64], content[32], format[32], encoding[16], endings[16];
    char model[64], serial[64], firmware[64];
    char header[8192], warnings[4096], assumptions[4096], attrs[8192];
    char sha256[65];
    uint64_t frames, file_size;
    uint8_t mask[REC_MAX_CELLS];
    int32_t id[REC_MAX_CELLS];
    double area[REC_MAX_CELLS], x[REC_MAX_CELLS], y[REC_MAX_CELLS];
    struct rmat_import_when start;
};

struct rec_vrow {
    int part;
    int64_t frame;
    double t_s;
    int n;
    char name[16][40];
    double value[16];
};

struct rec {
    int nparts;
    struct rec_part part[REC_MAX_PARTS];
    int nframes; /* stored (the first REC_MAX_FRAMES) */
    uint64_t total_frames;
    struct rec_frame *frame; /* REC_MAX_FRAMES */
    int nvrows;
    struct rec_vrow vrow[REC_MAX_FRAMES];
    int nevents;
    struct rmat_import_event event[REC_MAX_EVENTS];
    int nmaps;
    char map_name[REC_MAX_MAPS][32];
    float map[REC_MAX_MAPS][256];
    int map_part[REC_MAX_MAPS];
};

static void rec_copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

static void rec_part_copy(struct rec_part *rp, const struct rmat_import_part *p)
{
    const size_t n = (size_t)p->rows * (size_t)p->cols;
    size_t o = 0;
    rp->index = p->index;
    rp->rows = p->rows;
    rp->cols = p->cols;
    rp->counts = p->counts;
    rp->layout = (int)p->layout;
    rp->side = p->side;
    rp->pitch_x_mm = p->pitch_x_mm;
    rp->pitch_y_mm = p->pitch_y_mm;
    rp->to_kpa = p->to_kpa;
    rec_copy(rp->name, sizeof rp->name, p->name);
    rec_copy(rp->unit, sizeof rp->unit, p->unit_in_file);
    rec_copy(rp->variant, sizeof rp->variant, p->variant);
    rec_copy(rp->content, sizeof rp->content, p->content);
    rec_copy(rp->format, sizeof rp->format, p->format);
    rec_copy(rp->encoding, sizeof rp->encoding, p->encoding);
    rec_copy(rp->endings, sizeof rp->endings, p->line_endings);
    rec_copy(rp->model, sizeof rp->model, p->model);
    rec_copy(rp->serial, sizeof rp->serial, p->serial);
    rec_copy(rp->firmware, sizeof rp->firmware, p->firmware_version);
    rec_copy(rp->header, sizeof rp->header, p->header);
    rec_copy(rp->warnings, sizeof rp->warnings, p->warnings);
    rec_copy(rp->assumptions, sizeof rp->assumptions, p->assumptions);
    rp->start = p->start;
    rp->attrs[0] = '\0';
    for (size_t i = 0; i < p->n_attrs && o < sizeof rp->attrs; i++) {
        int w = p->attrs[i].text ? snprintf(rp->attrs + o, sizeof rp->attrs - o, "%s=%s\n",
                                            p->attrs[i].key, p->attrs[i].text)
                                 : snprintf(rp->attrs + o, sizeof rp->attrs - o, "%s=%.10g\n",
                                            p->attrs[i].key, p->attrs[i].num);
        if (w > 0)
            o += (size_t)w;
    }
    assert_true(n <= REC_MAX_CELLS);
    assert_non_null(p->mask);
    memcpy(rp->mask, p->mask, n);
    if (p->layout == RMAT_IMPORT_SENSORS) {
        memcpy(rp->id, p->sensor_id, n * sizeof *rp->id);
        memcpy(rp->area, p->sensor_area_mm2, n * sizeof(double));
        memcpy(rp->x, p->sensor_x_mm, n * sizeof(double));
        memcpy(rp->y, p->sensor_y_mm, n * sizeof(double));
    }
}

static int rec_part_begin(void *ctx, const struct rmat_import_part *p)
{
    struct rec *r = ctx;
    struct rec_part *rp;
    assert_true(p->index < REC_MAX_PARTS);
    rp = &r->part[p->index];
    assert_false(rp->begun);
    rp->begun = 1;
    rec_part_copy(rp, p);
    rp->rate_hz = p->rate_hz;
    if (p->index + 1 > r->nparts)
        r->nparts = p->index + 1;
    return RMAT_OK;
}

static int rec_part_end(void *ctx, const struct rmat_import_part *p)
{
    struct rec *r = ctx;
    struct rec_part *rp = &r->part[p->index];
    assert_true(rp->begun);
    assert_false(rp->ended);
    rp->ended = 1;
    rec_part_copy(rp, p);
    rp->rate_end = p->rate_hz;
    rp->frames = p->frames;
    rp->file_size = p->file_size;
    rec_copy(rp->sha256, sizeof rp->sha256, p->sha256);
    return RMAT_OK;
}

static int rec_frame_cb(void *ctx, const struct rmat_import_frame *f)
{
    struct rec *r = ctx;
    const struct rec_part *rp = &r->part[f->part];
    struct rec_frame *fr;
    double sp = 0, sx = 0, sy = 0;

    assert_true(rp->begun);
    assert_int_equal(f->n, (size_t)rp->rows * (size_t)rp->cols);
    r->total_frames++;
    if (r->nframes == REC_MAX_FRAMES)
        return RMAT_OK;
    fr = &r->frame[r->nframes++];
    fr->part = f->part;
    fr->index = f->index;
    fr->seq = f->seq;
    fr->t_us = f->t_us;
    fr->line = f->line;
    fr->force_n = fr->area_mm2 = fr->peak_kpa = 0;
    memcpy(fr->v, f->values, f->n * sizeof(float));
    for (size_t i = 0; i < f->n; i++) {
        const double p = f->values[i];
        double a, x, y;
        if (!rp->mask[i]) {
            assert_true(p == 0.0); /* masked cells hold 0 */
            continue;
        }
        if (rp->layout == RMAT_IMPORT_SENSORS) {
            a = rp->area[i];
            x = rp->x[i];
            y = rp->y[i];
        } else {
            a = rp->pitch_x_mm * rp->pitch_y_mm;
            x = ((double)(i % (size_t)rp->cols) + 0.5) * rp->pitch_x_mm;
            y = ((double)(i / (size_t)rp->cols) + 0.5) * rp->pitch_y_mm;
        }
        fr->force_n += p * a / 1000.0;
        if (p > 0)
            fr->area_mm2 += a;
        if (p > fr->peak_kpa)
            fr->peak_kpa = p;
        sp += p;
        sx += p * x;
        sy += p * y;
    }
    fr->cop_x_mm = sp > 0 ? sx / sp : NAN;
    fr->cop_y_mm = sp > 0 ? sy / sp : NAN;
    return RMAT_OK;
}

static int rec_vendor_row(void *ctx, const struct rmat_import_vendor_row *row)
{
    struct rec *r = ctx;
    struct rec_vrow *v;
    if (r->nvrows == REC_MAX_FRAMES)
        return RMAT_OK;
    v = &r->vrow[r->nvrows++];
    v->part = row->part;
    v->frame = row->frame;
    v->t_s = row->t_s;
    v->n = row->n < 16 ? (int)row->n : 16;
    for (int i = 0; i < v->n; i++) {
        rec_copy(v->name[i], sizeof v->name[i], row->fig[i].name);
        v->value[i] = row->fig[i].value;
    }
    return RMAT_OK;
}

static int rec_vendor_map(void *ctx, int part, const char *name, const float *values, size_t n)
{
    struct rec *r = ctx;
    if (r->nmaps == REC_MAX_MAPS)
        return RMAT_OK;
    rec_copy(r->map_name[r->nmaps], sizeof r->map_name[0], name);
    memcpy(r->map[r->nmaps], values, (n < 256 ? n : 256) * sizeof(float));
    r->map_part[r->nmaps] = part;
    r->nmaps++;
    return RMAT_OK;
}

static int rec_event(void *ctx, const struct rmat_import_event *ev)
{
    struct rec *r = ctx;
    if (r->nevents < REC_MAX_EVENTS)
        r->event[r->nevents++] = *ev;
    return RMAT_OK;
}

static UNUSED struct rec *rec_new(void)
{
    struct rec *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->frame = calloc(REC_MAX_FRAMES, sizeof *r->frame);
    assert_non_null(r->frame);
    return r;
}

static UNUSED void rec_free(struct rec *r)
{
    if (r)
        free(r->frame);
    free(r);
}

static UNUSED struct rmat_import_sink rec_sink(struct rec *r)
{
    struct rmat_import_sink s = {
        r, rec_part_begin, rec_frame_cb, rec_vendor_row, rec_vendor_map, rec_event, rec_part_end};
    return s;
}

/* Writes n bytes to a fresh file named with suffix (".asf") under /tmp;
 * path receives its name. */
static UNUSED void write_file(char *path, size_t cap, const char *suffix, const void *data,
                              size_t n)
{
    int fd;
    snprintf(path, cap, "/tmp/rmat_imp_XXXXXX%s", suffix);
    fd = mkstemps(path, (int)strlen(suffix));
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    close(fd);
}

/* Imports the text (a file of it, named with suffix) into a new rec;
 * returns the code; ei gets the message. */
static UNUSED int import_text(const char *text, size_t n, const char *suffix,
                              const struct rmat_import_opts *o, struct rec **out,
                              struct rmat_errinfo *ei)
{
    char path[256];
    struct rec *r = rec_new();
    struct rmat_import_sink s = rec_sink(r);
    int rc;
    write_file(path, sizeof path, suffix, text, n);
    rc = rmat_import_run(path, o, &s, ei);
    unlink(path);
    *out = r;
    return rc;
}

/* As import_text, expecting success; fails the test with the message. */
static UNUSED struct rec *import_ok(const char *text, const char *suffix,
                                    const struct rmat_import_opts *o)
{
    struct rmat_errinfo ei;
    struct rec *r = NULL;
    int rc = import_text(text, strlen(text), suffix, o, &r, &ei);
    if (rc != RMAT_OK) {
        print_error("import failed (%d): %s\n", rc, ei.msg);
        fail();
    }
    return r;
}

static UNUSED void expect_in(const char *hay, const char *needle)
{
    if (!strstr(hay, needle)) {
        print_error("\"%s\" not found in \"%s\"\n", needle, hay);
        fail();
    }
}

static UNUSED void close_to(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol)) {
        print_error("got %.10g, want %.10g (tolerance %g)\n", got, want, tol);
        fail();
    }
}

/* Import must fail with code and a message holding ":line: " (line > 0)
 * and each needle (NULL ends the list). */
static UNUSED void import_bad(const char *text, size_t n, const char *suffix,
                              const struct rmat_import_opts *o, int code, long line, ...)
{
    struct rmat_errinfo ei;
    struct rec *r = NULL;
    char at[32];
    va_list ap;
    const char *needle;
    int rc = import_text(text, n, suffix, o, &r, &ei);
    if (rc != code) {
        print_error("want code %d, got %d: %s\n", code, rc, ei.msg);
        fail();
    }
    expect_in(ei.msg, "/tmp/rmat_imp_");
    if (line > 0) {
        snprintf(at, sizeof at, "%s:%ld: ", suffix, line);
        expect_in(ei.msg, at);
    }
    va_start(ap, line);
    while ((needle = va_arg(ap, const char *)) != NULL)
        expect_in(ei.msg, needle);
    va_end(ap);
    rec_free(r);
}

/* The 1-based line of the first occurrence of needle in text. */
static UNUSED long line_of(const char *text, const char *needle)
{
    const char *at = strstr(text, needle);
    long line = 1;
    assert_non_null(at);
    for (const char *p = text; p < at; p++)
        line += *p == '\n';
    return line;
}

/* Appends printf text to a growing heap string (*s, *n). */
static UNUSED void cat(char **s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static UNUSED void cat(char **s, const char *fmt, ...)
{
    char tmp[8192];
    va_list ap;
    size_t old = *s ? strlen(*s) : 0;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof tmp);
    *s = realloc(*s, old + (size_t)n + 1);
    assert_non_null(*s);
    memcpy(*s + old, tmp, (size_t)n + 1);
}

/* A copy of base with the first occurrence of from replaced by to. */
static UNUSED char *subst(const char *base, const char *from, const char *to)
{
    const char *at = strstr(base, from);
    size_t n;
    char *out;
    assert_non_null(at);
    n = strlen(base) - strlen(from) + strlen(to);
    out = malloc(n + 1);
    assert_non_null(out);
    memcpy(out, base, (size_t)(at - base));
    strcpy(out + (at - base), to);
    strcat(out, at + strlen(from));
    return out;
}

/* Replaces every "\n" of text with "\r\n" (a new heap string). */
static UNUSED char *to_crlf(const char *text)
{
    size_t n = 0;
    char *out, *o;
    for (const char *p = text; *p; p++)
        n += *p == '\n' ? 2 : 1;
    out = o = malloc(n + 1);
    assert_non_null(out);
    for (const char *p = text; *p; p++) {
        if (*p == '\n')
            *o++ = '\r';
        *o++ = *p;
    }
    *o = '\0';
    return out;
}

#endif
