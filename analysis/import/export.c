/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A recording's frames back out as text (import.h, rmat_export): CSV for
 * spreadsheets, or the Tekscan ASCII movie layout (IMPORT.md §2, short
 * frame lines, `B` where the mask has no sensel) that `rollmat import`
 * reads back into the same frames.
 *
 * Values are written with %.9g: nine significant digits give a float32
 * back exactly, so a round trip export -> import is bit for bit. Frames
 * are read and written a block at a time (memory independent of the
 * recording's length), into a temporary file renamed at the end, never
 * over an existing file.
 */
#include "rollmat/import.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rollmat/reader.h"

#define EXPORT_BLOCK 256

struct exp {
    struct rmat_reader *r;
    const struct rmat_recording_info *info;
    FILE *f;
    size_t n;
    float *kpa;
    uint16_t *raw;
    uint32_t *seq;
    uint64_t *t_us;
};

static void put_value(FILE *f, const struct exp *e, size_t frame, size_t k)
{
    if (e->kpa)
        fprintf(f, "%.9g", (double)e->kpa[frame * e->n + k]);
    else
        fprintf(f, "%u", (unsigned)e->raw[frame * e->n + k]);
}

static int cell_exists(const struct exp *e, size_t k)
{
    return !e->info->mask || e->info->mask[k];
}

/* Tekscan: one period from the frame times (the mean step), as
 * SECONDS_PER_FRAME; the rate when there is a single frame. */
static double period_s(const struct rmat_recording_info *info, uint64_t t_first, uint64_t t_last)
{
    if (info->frames > 1 && t_last > t_first)
        return (double)(t_last - t_first) / 1e6 / (double)(info->frames - 1);
    if (info->dev.rate_hz > 0 && isfinite(info->dev.rate_hz))
        return 1.0 / info->dev.rate_hz;
    return 1.0;
}

static int read_block(struct exp *e, uint64_t first, size_t cnt, struct rmat_errinfo *ei)
{
    if (e->kpa)
        return rmat_reader_read_kpa(e->r, first, cnt, e->kpa, e->seq, e->t_us, NULL, ei);
    return rmat_reader_read(e->r, first, cnt, e->raw, e->seq, e->t_us, NULL, ei);
}

static int write_all(struct exp *e, enum rmat_export_format fmt, struct rmat_errinfo *ei)
{
    const struct rmat_recording_info *info = e->info;
    const int rows = info->dev.rows, cols = info->dev.cols;
    uint64_t t_first = 0, t_last = 0;
    uint32_t seq0 = 0;
    int consecutive = 1, rc;

    /* The Tekscan header needs the period and the labels first: a pass
     * over the times (small) before the frames. */
    for (uint64_t first = 0; first < info->frames; first += EXPORT_BLOCK) {
        const size_t cnt =
            info->frames - first < EXPORT_BLOCK ? (size_t)(info->frames - first) : EXPORT_BLOCK;
        rc = rmat_reader_read_kpa(e->r, first, cnt, NULL, e->seq, e->t_us, NULL, ei);
        if (rc != RMAT_OK)
            return rc;
        if (first == 0) {
            t_first = e->t_us[0];
            seq0 = e->seq[0];
        }
        for (size_t k = 0; k < cnt; k++)
            if (e->seq[k] != seq0 + (uint32_t)(first + k))
                consecutive = 0;
        t_last = e->t_us[cnt - 1];
    }
    if (fmt == RMAT_EXPORT_TEKSCAN) {
        const double px = info->dev.pitch_x_mm, py = info->dev.pitch_y_mm;
        const uint32_t start = consecutive ? seq0 : 1;
        fprintf(e->f, "DATA_TYPE MOVIE\n");
        fprintf(e->f, "ROWS %d\nCOLS %d\n", rows, cols);
        fprintf(e->f, "ROW_SPACING %.9g mm\nCOL_SPACING %.9g mm\n", py, px);
        fprintf(e->f, "SENSEL_AREA %.9g mm2\n", px * py);
        fprintf(e->f, "SECONDS_PER_FRAME %.9g\n", period_s(info, t_first, t_last));
        fprintf(e->f, "COMMENTS:\nexported by rollmat from a recording%s%s\n",
                info->source_format[0] ? " imported from " : "", info->source_file);
        fprintf(e->f, "START_FRAME %lu\nEND_FRAME %lu\n", (unsigned long)start,
                (unsigned long)(start + (info->frames ? info->frames - 1 : 0)));
        fprintf(e->f, "UNITS %s\nASCII_DATA @@\n\n", e->kpa ? "KPa" : "raw");
    } else {
        fprintf(e->f, "frame,t_s");
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                fprintf(e->f, ",r%dc%d", i, j);
        fprintf(e->f, "\n");
    }
    for (uint64_t first = 0; first < info->frames; first += EXPORT_BLOCK) {
        const size_t cnt =
            info->frames - first < EXPORT_BLOCK ? (size_t)(info->frames - first) : EXPORT_BLOCK;
        rc = read_block(e, first, cnt, ei);
        if (rc != RMAT_OK)
            return rc;
        for (size_t k = 0; k < cnt; k++) {
            if (fmt == RMAT_EXPORT_TEKSCAN) {
                fprintf(e->f, "Frame %lu\n",
                        (unsigned long)(consecutive ? e->seq[k] : (uint32_t)(first + k + 1)));
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < cols; j++) {
                        const size_t c = (size_t)i * (size_t)cols + (size_t)j;
                        if (j)
                            fputc(',', e->f);
                        if (cell_exists(e, c))
                            put_value(e->f, e, k, c);
                        else
                            fputc('B', e->f);
                    }
                    fputc('\n', e->f);
                }
                fputc('\n', e->f);
            } else {
                fprintf(e->f, "%lu,%.6f", (unsigned long)e->seq[k],
                        (double)(int64_t)(e->t_us[k] - t_first) / 1e6);
                for (size_t c = 0; c < e->n; c++) {
                    fputc(',', e->f);
                    if (cell_exists(e, c))
                        put_value(e->f, e, k, c);
                }
                fputc('\n', e->f);
            }
        }
    }
    if (fmt == RMAT_EXPORT_TEKSCAN)
        fprintf(e->f, "@@\n");
    return RMAT_OK;
}

int rmat_export(const char *rec, enum rmat_export_format fmt, const char *out,
                struct rmat_errinfo *ei)
{
    struct exp e;
    char tmp[RMAT_IMPORT_PATH_MAX];
    int rc, fd, k;

    memset(&e, 0, sizeof e);
    if (!rec || !out)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "export: a recording and an output needed");
    if (access(out, F_OK) == 0)
        return rmat_errinfo_set(ei, RMAT_E_EXISTS, EEXIST,
                                "%s: already exists; rollmat never overwrites: choose another "
                                "name with -o",
                                out);
    rc = rmat_reader_open(rec, &e.r, ei);
    if (rc != RMAT_OK)
        return rc;
    e.info = rmat_reader_info(e.r);
    if (e.info->sensors && fmt == RMAT_EXPORT_TEKSCAN) {
        rc = rmat_errinfo_set(ei, RMAT_E_UNSUPPORTED, 0,
                              "%s: a sensor list, not a grid: the Tekscan layout needs a grid "
                              "(use --format csv)",
                              rec);
        goto out;
    }
    e.n = (size_t)e.info->dev.rows * (size_t)e.info->dev.cols;
    if (e.info->pressure)
        e.kpa = malloc(EXPORT_BLOCK * e.n * sizeof *e.kpa);
    else
        e.raw = malloc(EXPORT_BLOCK * e.n * sizeof *e.raw);
    e.seq = malloc(EXPORT_BLOCK * sizeof *e.seq);
    e.t_us = malloc(EXPORT_BLOCK * sizeof *e.t_us);
    if ((!e.kpa && !e.raw) || !e.seq || !e.t_us) {
        rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", rec);
        goto out;
    }
    {
        const char *slash = strrchr(out, '/');
        const int dir_len = slash ? (int)(slash - out + 1) : 0;
        k = snprintf(tmp, sizeof tmp, "%.*s.%s.export-%ld.tmp", dir_len, out,
                     slash ? slash + 1 : out, (long)getpid());
        if (k < 0 || (size_t)k >= sizeof tmp) {
            rc = rmat_errinfo_set(ei, RMAT_E_ARG, 0, "%s: name too long", out);
            goto out;
        }
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 || !(e.f = fdopen(fd, "w"))) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        rc = rmat_errinfo_set(ei, rmat_err_from_errno(err), err, "%s: cannot create: %s", tmp,
                              strerror(err));
        goto out;
    }
    rc = write_all(&e, fmt, ei);
    if (fclose(e.f) != 0 && rc == RMAT_OK) {
        int err = errno;
        rc = rmat_errinfo_set(ei, rmat_err_from_errno(err), err, "%s: writing failed: %s", out,
                              strerror(err));
    }
    e.f = NULL;
    if (rc == RMAT_OK && link(tmp, out) != 0) {
        int err = errno;
        rc = rmat_errinfo_set(ei, rmat_err_from_errno(err), err, "%s: %s", out, strerror(err));
    }
    (void)unlink(tmp);
out:
    free(e.kpa);
    free(e.raw);
    free(e.seq);
    free(e.t_us);
    rmat_reader_close(e.r);
    return rc;
}
