/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Per-frame metrics (docs/metrics.md, "Per frame").
 *
 * Two passes over the frame, the textbook stable way to a covariance:
 *
 *  1. over every sensel: the peak, the contact count, and the p-weighted
 *     sums that give force and centre of pressure;
 *  2. over the rows that have contact only: the p-weighted second moments
 *     about the centre of pressure found in pass 1.
 *
 * A one-pass E[x²] - E[x]² would lose digits to cancellation when a narrow
 * contact lies far from the grid origin (a 2-sensel band at column 89 has a
 * variance of 0.25 beside a squared mean of 8000); about the CoP the sums
 * hold only the spread itself. Pass 2 usually touches a few rows, because a
 * roller's contact is a band, and the frame is still in cache after pass 1.
 *
 * Positions are worked in sensel index units and scaled to mm at the end:
 * x = (j + 0.5) * pitch_x_mm, and the + 0.5 cancels in every central moment.
 */
#include "rollmat/metrics.h"

#include "rollmat/err.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

static void set_empty(struct rmat_frame_metrics *out, double peak)
{
    out->force_n = 0.0;
    out->area_cm2 = 0.0;
    out->mean_kpa = NAN;
    out->peak_kpa = peak;
    out->cop_x_mm = NAN;
    out->cop_y_mm = NAN;
    out->width_mm = NAN;
    out->length_mm = NAN;
    out->compliance_mm3_n = NAN;
    out->contact_sensels = 0;
}

/* Eigenvalues of the symmetric 2x2 matrix [[a, b], [b, c]], a and c >= 0.
 * The larger one is half the trace plus the radius of Mohr's circle, which
 * has no cancellation. The smaller one is taken from the determinant,
 * det / lambda_max, not as half the trace minus the radius: for a long thin
 * contact along an axis (b = 0) the subtraction cancels almost every digit
 * while the product a * c is exact to rounding. Rounding can still leave a
 * slightly negative determinant for a degenerate (line) contact, hence the
 * clamp to zero. */
static void eig2_sym(double a, double b, double c, double *lmin, double *lmax)
{
    /* sqrt of squares, not hypot(): second moments in mm² are nowhere near
     * overflow, and hypot() is a slow call, once a frame. */
    const double h = 0.5 * (a - c);
    double hi = 0.5 * (a + c) + sqrt(h * h + b * b);
    double lo = 0.0;

    if (hi > 0.0) {
        lo = (a * c - b * b) / hi;
        if (lo < 0.0)
            lo = 0.0;
        else if (lo > hi)
            lo = hi;
    }
    *lmin = lo;
    *lmax = hi;
}

/* Sums over one row of the sensels in contact (p >= thr), with weight
 * w = p and offset d = j - c from a column c: n, sum w, sum w * d,
 * sum w * d * d, and the row's largest p (pass 1 only).
 *
 * The rows are summed two sensels to a vector and two vectors at a time
 * (GCC/Clang vector extensions, plain SSE2 on x86-64, NEON on arm64), so the
 * adds run four abreast: one scalar chain of adds is bound by the add's
 * latency, not its throughput, and C forbids the compiler to reassociate
 * floating-point sums into lanes by itself. Measured on a 32x32 frame this
 * is about three times faster than four scalar accumulators. The
 * contact test is a mask, not a branch, so a ragged contact edge costs no
 * mispredictions. The sums differ from a left-to-right sum only by
 * rounding. */
struct row_sums {
    double w, wd, wdd, peak;
    int n;
};

typedef double vd2 __attribute__((vector_size(16)));
typedef int64_t vi2 __attribute__((vector_size(16))); /* a vd2 comparison */

static inline vd2 vd2_load(const double *p)
{
    vd2 v;
    memcpy(&v, p, sizeof v); /* unaligned load */
    return v;
}

static inline vd2 vd2_keep(vd2 v, vi2 mask)
{
    return (vd2)((vi2)v & mask);
}

/* mask ? a : b, lane by lane, in bit operations (no rounding). */
static inline vd2 vd2_pick(vi2 mask, vd2 a, vd2 b)
{
    return (vd2)(((vi2)a & mask) | ((vi2)b & ~mask));
}

static void row_sums_pass1(const double *row, int cols, double thr, struct row_sums *rs)
{
    const vd2 th = {thr, thr}, two = {2.0, 2.0}, four = {4.0, 4.0};
    vd2 w0 = {0, 0}, w1 = {0, 0}, d0 = {0, 0}, d1 = {0, 0}, j0 = {0.0, 1.0};
    vd2 k0 = {row[0], row[0]}, k1 = k0;
    vi2 n = {0, 0};
    int j = 0;

    for (; j + 4 <= cols; j += 4) {
        const vd2 v0 = vd2_load(row + j), v1 = vd2_load(row + j + 2);
        const vi2 in0 = v0 >= th, in1 = v1 >= th; /* all ones where in contact */
        const vi2 up0 = v0 > k0, up1 = v1 > k1;
        const vd2 x0 = vd2_keep(v0, in0), x1 = vd2_keep(v1, in1);
        k0 = vd2_pick(up0, v0, k0);
        k1 = vd2_pick(up1, v1, k1);
        n -= in0 + in1;
        w0 += x0;
        w1 += x1;
        d0 += x0 * j0;
        d1 += x1 * (j0 + two);
        j0 += four;
    }
    w0 += w1;
    d0 += d1;
    double w = w0[0] + w0[1], wd = d0[0] + d0[1];
    double peak = k0[0];
    peak = k0[1] > peak ? k0[1] : peak;
    peak = k1[0] > peak ? k1[0] : peak;
    peak = k1[1] > peak ? k1[1] : peak;
    int cnt = (int)(n[0] + n[1]);
    for (; j < cols; j++) {
        const double v = row[j];
        const double x = v >= thr ? v : 0.0;
        peak = v > peak ? v : peak;
        cnt += v >= thr;
        w += x;
        wd += x * (double)j;
    }
    rs->w = w;
    rs->wd = wd;
    rs->wdd = 0.0;
    rs->peak = peak;
    rs->n = cnt;
}

static void row_sums_pass2(const double *row, int cols, double thr, double c, struct row_sums *rs)
{
    const vd2 th = {thr, thr}, step = {4.0, 4.0};
    vd2 w0 = {0, 0}, w1 = {0, 0}, d0 = {0, 0}, d1 = {0, 0}, q0 = {0, 0}, q1 = {0, 0};
    vd2 o0 = {-c, 1.0 - c}, o1 = {2.0 - c, 3.0 - c};
    int j = 0;

    for (; j + 4 <= cols; j += 4) {
        const vd2 v0 = vd2_load(row + j), v1 = vd2_load(row + j + 2);
        const vd2 x0 = vd2_keep(v0, v0 >= th), x1 = vd2_keep(v1, v1 >= th);
        const vd2 xd0 = x0 * o0, xd1 = x1 * o1;
        w0 += x0;
        w1 += x1;
        d0 += xd0;
        d1 += xd1;
        q0 += xd0 * o0;
        q1 += xd1 * o1;
        o0 += step;
        o1 += step;
    }
    w0 += w1;
    d0 += d1;
    q0 += q1;
    double w = w0[0] + w0[1], wd = d0[0] + d0[1], wdd = q0[0] + q0[1];
    for (; j < cols; j++) {
        const double v = row[j];
        const double x = v >= thr ? v : 0.0;
        const double d = (double)j - c;
        w += x;
        wd += x * d;
        wdd += x * d * d;
    }
    rs->w = w;
    rs->wd = wd;
    rs->wdd = wdd;
    rs->peak = NAN;
    rs->n = 0;
}

/* The metrics from the rows of p listed in rows[0..n_rows) (rows NULL:
 * every row), in increasing order. A row not listed must hold no contact
 * sensel (every p < thr); it is not read,
 * and peak_in (NaN: none) stands for the largest p of all such rows. The
 * sums then equal those over every row exactly: an unmarked row adds
 * nothing to them in the full computation either (its masked terms are
 * zeros), so the same numbers are added in the same order. */
static void metrics_core(const struct rmat_grid *g, const double *p, double thr,
                         const uint16_t *list, int n_list, double peak_in,
                         struct rmat_frame_metrics *out)
{
    const int rows = g->rows, cols = g->cols;
    double peak = peak_in;
    double sw = 0.0;  /* sum of contact pressures */
    double swi = 0.0; /* sum of p * row index */
    double swj = 0.0; /* sum of p * column index */
    long n = 0;
    int first_row = -1, last_row = -1;

    const int nr = list ? n_list : rows;

    /* Pass 1: row by row; a row's sums are weighted by its index here, so
     * the inner loop carries only sum w and sum w * j. A list of the rows
     * to look at, not a mask tested in the loop: which rows a roller
     * covers changes every few frames, and each change of a mask's
     * pattern is a mispredicted branch. */
    for (int r = 0; r < nr; r++) {
        const int i = list ? (int)list[r] : r;
        const double *row = p + (size_t)i * (size_t)cols;
        struct row_sums rs;
        row_sums_pass1(row, cols, thr, &rs);
        peak = rs.peak > peak || isnan(peak) ? rs.peak : peak;
        if (rs.n > 0) {
            if (first_row < 0)
                first_row = i;
            last_row = i;
            n += rs.n;
            sw += rs.w;
            swj += rs.wd;
            swi += rs.w * (double)i;
        }
    }

    if (n == 0) {
        set_empty(out, peak);
        return;
    }

    const double a_mm2 = g->pitch_x_mm * g->pitch_y_mm;
    out->contact_sensels = (int)n;
    out->peak_kpa = peak;
    out->force_n = sw * a_mm2 / 1000.0;
    out->area_cm2 = (double)n * a_mm2 / 100.0;
    /* 1000 * force_n / (area_cm2 * 100) of docs/metrics.md with the sensel area
     * cancelled: the same number with two fewer roundings. */
    out->mean_kpa = sw / (double)n;

    if (!(sw > 0.0)) {
        /* Only reachable with a threshold <= 0: no weights to average by. */
        out->cop_x_mm = out->cop_y_mm = NAN;
        out->width_mm = out->length_mm = out->compliance_mm3_n = NAN;
        return;
    }

    const double ci = swi / sw, cj = swj / sw;

    /* Pass 2: central second moments, rows without contact skipped. */
    double mjj = 0.0, mij = 0.0, mii = 0.0;
    for (int r = 0; r < nr; r++) {
        const int i = list ? (int)list[r] : r;
        if (i < first_row || i > last_row)
            continue;
        const double *row = p + (size_t)i * (size_t)cols;
        const double di = (double)i - ci;
        struct row_sums rs;
        row_sums_pass2(row, cols, thr, cj, &rs);
        mjj += rs.wdd;
        mij += di * rs.wd;
        mii += di * di * rs.w;
    }

    const double px = g->pitch_x_mm, py = g->pitch_y_mm;
    const double sxx = mjj / sw * px * px;
    const double syy = mii / sw * py * py;
    const double sxy = mij / sw * px * py;
    double lmin, lmax;
    eig2_sym(sxx, sxy, syy, &lmin, &lmax);

    /* Rounding noise is not a size. The CoP carries an error of a few ulps
     * of the grid's extent, so a single sensel or a one-row line gets a
     * spread of order (eps * extent)² instead of exactly 0; and lambda_min
     * is known only to a few eps of lambda_max. Spreads under these floors
     * (widths under about 1e-11 mm on a metre-wide mat, or 1e-7 of the
     * length) are set to the 0 they stand for, so a point contact reads
     * width 0 and compliance 0, not 3e-16. */
    const double ext2 = (px * cols) * (px * cols) + (py * rows) * (py * rows);
    const double noise = 64.0 * DBL_EPSILON * DBL_EPSILON * ext2;
    if (lmax <= noise)
        lmax = 0.0;
    if (lmin <= noise + 16.0 * DBL_EPSILON * lmax)
        lmin = 0.0;

    out->cop_x_mm = (cj + 0.5) * px;
    out->cop_y_mm = (ci + 0.5) * py;
    /* sqrt(12 * lambda): a uniform band W wide has variance W² / 12. */
    out->width_mm = sqrt(12.0 * lmin);
    out->length_mm = sqrt(12.0 * lmax);
    out->compliance_mm3_n = out->width_mm * out->width_mm * out->length_mm / out->force_n;
}

void rmat_frame_metrics_compute(const struct rmat_grid *g, const double *p,
                                double contact_threshold, struct rmat_frame_metrics *out)
{
    if (!out)
        return;
    if (!g || !p || g->rows < 1 || g->cols < 1) {
        set_empty(out, NAN);
        out->force_n = NAN;
        out->area_cm2 = NAN;
        return;
    }
    metrics_core(g, p, contact_threshold, NULL, 0, NAN, out);
}

/* --- from raw counts ------------------------------------------------------ */

int rmat_counts_scale_init(struct rmat_counts_scale *sc, const double *kpa, uint16_t max_count,
                           const float *gains, size_t sensels, double contact_threshold)
{
    double gmax = 1.0;

    if (!sc || !kpa || isnan(contact_threshold) || (gains && sensels == 0))
        return RMAT_E_ARG;
    for (uint32_t c = 1; c <= max_count; c++)
        if (!(kpa[c] >= kpa[c - 1]) || !(kpa[c - 1] >= 0))
            return RMAT_E_ARG;
    if (gains) {
        gmax = 0.0;
        for (size_t k = 0; k < sensels; k++) {
            if (!((double)gains[k] >= 0.0) || isinf(gains[k]))
                return RMAT_E_ARG;
            gmax = (double)gains[k] > gmax ? (double)gains[k] : gmax;
        }
    }
    sc->kpa = kpa;
    sc->max_count = max_count;
    sc->gains = gains;
    sc->gain_max = gmax;
    sc->contact_threshold = contact_threshold;
    /* The smallest count that can reach the threshold with the largest
     * gain. If none can, no row is ever live: max_count + 1, held in 32
     * bits. */
    sc->contact_min_counts = (uint32_t)max_count + 1u;
    for (uint32_t c = 0; c <= max_count; c++) {
        if (kpa[c] * gmax >= contact_threshold) {
            sc->contact_min_counts = c;
            break;
        }
    }
    return RMAT_OK;
}

void rmat_counts_to_kpa(const struct rmat_counts_scale *sc, const uint16_t *raw, size_t first,
                        size_t n, double *p)
{
    const double *lut = sc->kpa;
    const uint16_t max_count = sc->max_count;
    const float *gains = sc->gains ? sc->gains + first : NULL;

    raw += first;
    p += first;
    /* The clamp is a min the compiler keeps branch-free; a count above the
     * ADC's range only comes from a damaged file, and must not read past
     * the table. */
    if (gains) {
        for (size_t k = 0; k < n; k++) {
            const uint16_t c = raw[k] > max_count ? max_count : raw[k];
            p[k] = lut[c] * (double)gains[k];
        }
    } else {
        for (size_t k = 0; k < n; k++) {
            const uint16_t c = raw[k] > max_count ? max_count : raw[k];
            p[k] = lut[c];
        }
    }
}

/* Built twice on x86-64, for AVX2 and for the baseline, the CPU picking
 * at load time (an ifunc): AVX2 takes sixteen counts to a vector and has
 * an unsigned 16-bit max, SSE2 eight and emulates it. The scan touches
 * every count of every frame, so this is the loop where that pays. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define RMAT_WIDE_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define RMAT_WIDE_CLONES
#endif

RMAT_WIDE_CLONES
void rmat_counts_scan(const struct rmat_counts_scale *sc, const uint16_t *raw, int rows, int cols,
                      uint16_t *peak_counts, uint8_t *live, struct rmat_counts_scan *out)
{
    const uint32_t cmin = sc->contact_min_counts;
    const size_t nc = (size_t)cols;
    uint16_t nonlive = 0;
    int n_live = 0;

    /* The list holds RMAT_SCAN_MAX_ROWS rows (recordings have at most 255);
     * rows past it are not looked at rather than written past its end. */
    if (rows > RMAT_SCAN_MAX_ROWS)
        rows = RMAT_SCAN_MAX_ROWS;

    for (int i = 0; i < rows; i++) {
        const uint16_t *r = raw + (size_t)i * nc;
        uint16_t m = 0;
        /* Plain loops on 16-bit integers, which GCC turns into eight-lane
         * vector maxima (psubusw + paddw on SSE2): the row's largest count,
         * and the peak map raised. */
        if (peak_counts) {
            uint16_t *pk = peak_counts + (size_t)i * nc;
            for (size_t j = 0; j < nc; j++) {
                const uint16_t c = r[j];
                m = c > m ? c : m;
                pk[j] = c > pk[j] ? c : pk[j];
            }
        } else {
            for (size_t j = 0; j < nc; j++)
                m = r[j] > m ? r[j] : m;
        }
        /* Branch-free bookkeeping (see metrics_core()). */
        const int is_live = (uint32_t)m >= cmin;
        live[i] = (uint8_t)is_live;
        out->live[n_live] = (uint16_t)i;
        n_live += is_live;
        nonlive = !is_live && m > nonlive ? m : nonlive;
    }
    out->nonlive_max = nonlive;
    out->live_rows = n_live;
}

void rmat_frame_metrics_from_counts(const struct rmat_grid *g, const uint16_t *raw,
                                    const struct rmat_counts_scale *sc, const uint8_t *live,
                                    const struct rmat_counts_scan *scan, double *p,
                                    struct rmat_frame_metrics *out)
{
    const size_t cols = (size_t)g->cols;
    const uint16_t top = sc->max_count;
    const int any_nonlive = scan->live_rows < g->rows;
    double peak = NAN;

    for (int r = 0; r < scan->live_rows; r++)
        rmat_counts_to_kpa(sc, raw, (size_t)scan->live[r] * cols, cols, p);
    /* The peak of the rows that cannot have contact. Without gains it is
     * the table at their largest count (the table never falls). With
     * gains, that count with the largest gain bounds it: when the bound
     * cannot beat the live rows' peak (under a roller, always), those rows
     * are not looked at; else they are converted and searched. The live
     * rows' peak is taken again by metrics_core(); a max is exact in any
     * order. */
    if (any_nonlive) {
        const uint16_t c = scan->nonlive_max > top ? top : scan->nonlive_max;
        if (!sc->gains) {
            peak = sc->kpa[c];
        } else {
            double live_peak = NAN;
            for (int r = 0; r < scan->live_rows; r++) {
                const double *row = p + (size_t)scan->live[r] * cols;
                for (size_t j = 0; j < cols; j++)
                    live_peak = isnan(live_peak) || row[j] > live_peak ? row[j] : live_peak;
            }
            if (isnan(live_peak) || sc->kpa[c] * sc->gain_max > live_peak) {
                for (int i = 0; i < g->rows; i++) {
                    if (live[i])
                        continue;
                    const double *row = p + (size_t)i * cols;
                    rmat_counts_to_kpa(sc, raw, (size_t)i * cols, cols, p);
                    for (size_t j = 0; j < cols; j++)
                        peak = isnan(peak) || row[j] > peak ? row[j] : peak;
                }
            }
        }
    }
    metrics_core(g, p, sc->contact_threshold, scan->live, scan->live_rows, peak, out);
}

void rmat_map_peak_update(const struct rmat_grid *g, const double *p, double *peak_kpa)
{
    if (!g || !p || !peak_kpa || g->rows < 1 || g->cols < 1)
        return;
    const size_t n = (size_t)g->rows * (size_t)g->cols;
    size_t k = 0;

    /* Two at a time, as the row sums: the compiler leaves this loop scalar
     * at -O2. */
    for (; k + 2 <= n; k += 2) {
        const vd2 v = vd2_load(p + k), m = vd2_load(peak_kpa + k);
        const vd2 r = vd2_pick(v > m, v, m);
        memcpy(peak_kpa + k, &r, sizeof r);
    }
    for (; k < n; k++)
        peak_kpa[k] = p[k] > peak_kpa[k] ? p[k] : peak_kpa[k];
}

void rmat_span_means(const struct rmat_frame_metrics *m, size_t first, size_t last,
                     struct rmat_span_means *out)
{
    double sum[4] = {0, 0, 0, 0}, peak = NAN;
    size_t n[4] = {0, 0, 0, 0};

    for (size_t k = first; k <= last; k++) {
        const double v[4] = {m[k].force_n, m[k].mean_kpa, m[k].area_cm2, m[k].width_mm};
        for (int i = 0; i < 4; i++)
            if (!isnan(v[i])) {
                sum[i] += v[i];
                n[i]++;
            }
        if (!isnan(m[k].peak_kpa) && !(m[k].peak_kpa <= peak))
            peak = m[k].peak_kpa;
    }
    out->force_n = n[0] ? sum[0] / (double)n[0] : NAN;
    out->mean_kpa = n[1] ? sum[1] / (double)n[1] : NAN;
    out->area_cm2 = n[2] ? sum[2] / (double)n[2] : NAN;
    out->width_mm = n[3] ? sum[3] / (double)n[3] : NAN;
    out->peak_kpa = peak;
}

void rmat_frame_metrics_counts_units(const struct rmat_grid *g, struct rmat_frame_metrics *m)
{
    const double a_mm2 = g->pitch_x_mm * g->pitch_y_mm;
    m->force_n *= 1000.0 / a_mm2;
    m->compliance_mm3_n *= a_mm2 / 1000.0;
}
