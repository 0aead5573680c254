/* Reading calibration recordings: the per-sensel means that `rollmat
 * calibrate` fits curves to and `rollmat equilibrate` turns into gains
 * (calib.h).
 *
 * A calibration recording holds a known load, put on and taken off by
 * hand, so its first and last frames may see less of it. Frames whose
 * total count is at least half the largest total are taken as loaded:
 * steady under a dead weight, and robust to a slow start. */
#include "rollmat/calib.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rollmat/reader.h"

#define BLOCK_FRAMES 256

void rmat_load_stats_fini(struct rmat_load_stats *st)
{
    if (!st)
        return;
    free(st->mean_counts);
    free(st->mean_kpa);
    st->mean_counts = st->mean_kpa = NULL;
}

int rmat_load_stats_read(const char *rec_path, const struct rmat_calib *cal,
                         struct rmat_load_stats *st, struct rmat_errinfo *ei)
{
    struct rmat_reader *r = NULL;
    const struct rmat_recording_info *info;
    uint16_t *raw = NULL;
    double *lut = NULL, *sum_kpa = NULL;
    uint64_t *totals = NULL, *sum_counts = NULL;
    uint64_t best = 0;
    size_t n;
    int rc;

    if (!st)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "rmat_load_stats_read: no output");
    memset(st, 0, sizeof *st);
    if (!rec_path)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "rmat_load_stats_read: no recording");
    rc = rmat_reader_open(rec_path, &r, ei);
    if (rc != RMAT_OK)
        return rc;
    info = rmat_reader_info(r);
    st->frames = info->frames;
    st->rows = info->dev.rows;
    st->cols = info->dev.cols;
    st->adc_bits = info->dev.adc_bits;
    st->pitch_x_mm = info->dev.pitch_x_mm;
    st->pitch_y_mm = info->dev.pitch_y_mm;
    n = (size_t)st->rows * (size_t)st->cols;
    if (info->frames == 0) {
        rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0, "%s has no frames", rec_path);
        goto out;
    }
    if (cal && cal->curve == RMAT_CURVE_NONE)
        cal = NULL;
    raw = malloc(BLOCK_FRAMES * n * sizeof *raw);
    totals = malloc((size_t)info->frames * sizeof *totals);
    sum_counts = calloc(n, sizeof *sum_counts);
    st->mean_counts = calloc(n, sizeof *st->mean_counts);
    if (cal) {
        lut = malloc(65536 * sizeof *lut);
        sum_kpa = calloc(n, sizeof *sum_kpa);
        st->mean_kpa = calloc(n, sizeof *st->mean_kpa);
    }
    if (!raw || !totals || !sum_counts || !st->mean_counts ||
        (cal && (!lut || !sum_kpa || !st->mean_kpa))) {
        rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", rec_path);
        goto out;
    }
    if (cal && rmat_calib_lut(cal, 16, lut) < 0) {
        rc = rmat_errinfo_set(ei, RMAT_E_ARG, 0, "%s: the calibration has no curve", rec_path);
        goto out;
    }
    if (cal) {
        /* The table over all 16 bits, with the curve's full scale that of
         * the recording's ADC where the calibration leaves it open. */
        const int bits = st->adc_bits >= 1 && st->adc_bits <= 16 ? st->adc_bits : 16;
        const double fs = (double)((1u << bits) - 1u);
        for (uint32_t c = 0; c < 65536; c++)
            lut[c] =
                rmat_calib_curve_kpa(cal, (double)(c < (1u << bits) ? c : (1u << bits) - 1u), fs);
    }

    /* Pass 1: each frame's total count. */
    for (uint64_t first = 0; first < info->frames; first += BLOCK_FRAMES) {
        const size_t cnt =
            info->frames - first < BLOCK_FRAMES ? (size_t)(info->frames - first) : BLOCK_FRAMES;
        rc = rmat_reader_read(r, first, cnt, raw, NULL, NULL, NULL, ei);
        if (rc != RMAT_OK)
            goto out;
        for (size_t k = 0; k < cnt; k++) {
            uint64_t tot = 0;
            for (size_t s = 0; s < n; s++)
                tot += raw[k * n + s];
            totals[first + k] = tot;
            if (tot > best)
                best = tot;
        }
    }
    if (best == 0) {
        rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                              "%s: every count is 0: nothing was loaded on the mat", rec_path);
        goto out;
    }
    /* Pass 2: sums over the loaded frames. */
    for (uint64_t first = 0; first < info->frames; first += BLOCK_FRAMES) {
        const size_t cnt =
            info->frames - first < BLOCK_FRAMES ? (size_t)(info->frames - first) : BLOCK_FRAMES;
        rc = rmat_reader_read(r, first, cnt, raw, NULL, NULL, NULL, ei);
        if (rc != RMAT_OK)
            goto out;
        for (size_t k = 0; k < cnt; k++) {
            if (2 * totals[first + k] < best)
                continue;
            st->loaded_frames++;
            for (size_t s = 0; s < n; s++)
                sum_counts[s] += raw[k * n + s];
            if (cal)
                for (size_t s = 0; s < n; s++)
                    sum_kpa[s] += lut[raw[k * n + s]];
        }
    }
    for (size_t s = 0; s < n; s++) {
        st->mean_counts[s] = (double)sum_counts[s] / (double)st->loaded_frames;
        if (cal)
            st->mean_kpa[s] = sum_kpa[s] / (double)st->loaded_frames;
    }
out:
    free(raw);
    free(totals);
    free(sum_counts);
    free(sum_kpa);
    free(lut);
    rmat_reader_close(r);
    if (rc != RMAT_OK)
        rmat_load_stats_fini(st);
    return rc;
}

static int cmp_desc(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

double rmat_load_mean_counts(const struct rmat_load_stats *st, double area_cm2, size_t *n_sensels)
{
    const size_t n = st ? (size_t)st->rows * (size_t)st->cols : 0;
    double *v, sum = 0;
    size_t m;

    if (n_sensels)
        *n_sensels = 0;
    if (!st || !st->mean_counts || n == 0 || !(area_cm2 > 0) || !isfinite(area_cm2) ||
        !(st->pitch_x_mm > 0) || !(st->pitch_y_mm > 0))
        return NAN;
    m = (size_t)llround(area_cm2 * 100.0 / (st->pitch_x_mm * st->pitch_y_mm));
    if (m < 1)
        m = 1;
    if (m > n)
        m = n;
    v = malloc(n * sizeof *v);
    if (!v)
        return NAN;
    memcpy(v, st->mean_counts, n * sizeof *v);
    qsort(v, n, sizeof *v, cmp_desc);
    for (size_t k = 0; k < m; k++)
        sum += v[k];
    free(v);
    if (n_sensels)
        *n_sensels = m;
    return sum / (double)m;
}
