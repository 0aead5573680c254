/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Cadence by FFTW (cadence.h; docs/metrics.md "Cadence"). */
#include "rollmat/cadence.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include <fftw3.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

struct rmat_cadence {
    size_t max_samples;
    size_t fft_n; /* transform length: >= 2 * max_samples, small prime factors */
    double *in;   /* fft_n, fftw_malloc'd (aligned for SIMD) */
    fftw_complex *out;
    fftw_plan plan;
    double *power;  /* fft_n / 2 + 1: the last transform's power spectrum */
    size_t n_power; /* 0: the last computation transformed nothing */
    double df_hz;   /* its bin width */
};

/* The smallest 2^a 3^b 5^c 7^d at or above n: FFTW is fastest on such
 * lengths, and the zero-padding it adds only interpolates the spectrum. */
static size_t good_size(size_t n)
{
    for (size_t m = n;; m++) {
        size_t r = m;
        while (r % 2 == 0)
            r /= 2;
        while (r % 3 == 0)
            r /= 3;
        while (r % 5 == 0)
            r /= 5;
        while (r % 7 == 0)
            r /= 7;
        if (r == 1)
            return m;
    }
}

/* The longest contact run of ss by duration; 0 if there is none. */
static int longest_run(const double *t_s, const double *ss, size_t n, size_t *first, size_t *last)
{
    double best = -1.0;
    size_t k = 0;

    while (k < n) {
        if (isnan(ss[k])) {
            k++;
            continue;
        }
        size_t b = k;
        while (b + 1 < n && !isnan(ss[b + 1]))
            b++;
        if (t_s[b] - t_s[k] > best) {
            best = t_s[b] - t_s[k];
            *first = k;
            *last = b;
        }
        k = b + 1;
    }
    return best >= 0.0;
}

static size_t samples_of(double t0, double t1, double rate_hz)
{
    const double span = t1 - t0;
    if (!(span >= 0) || !(rate_hz > 0))
        return 0;
    /* The grid t0 + k / rate_hz up to t1, both ends included; the small
     * tolerance keeps a sample that lands on t1 up to rounding. */
    return (size_t)floor(span * rate_hz + 1e-9) + 1;
}

size_t rmat_cadence_samples(const double *t_s, const double *ss, size_t n, double rate_hz)
{
    size_t a = 0, b = 0;
    if (!t_s || !ss || !longest_run(t_s, ss, n, &a, &b))
        return 0;
    return samples_of(t_s[a], t_s[b], rate_hz);
}

int rmat_cadence_new(size_t max_samples, struct rmat_cadence **out, struct rmat_errinfo *ei)
{
    struct rmat_cadence *c;

    if (out)
        *out = NULL;
    if (!out || max_samples < 1 || max_samples > ((size_t)1 << 40))
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "cadence: no series to plan for");
    c = calloc(1, sizeof *c);
    if (!c)
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "cadence: out of memory");
    c->max_samples = max_samples;
    c->fft_n = good_size(2 * max_samples < 64 ? 64 : 2 * max_samples);
    c->in = fftw_malloc(c->fft_n * sizeof *c->in);
    c->out = fftw_malloc((c->fft_n / 2 + 1) * sizeof *c->out);
    c->power = malloc((c->fft_n / 2 + 1) * sizeof *c->power);
    if (c->in && c->out && c->power)
        c->plan = fftw_plan_dft_r2c_1d((int)c->fft_n, c->in, c->out, FFTW_ESTIMATE);
    if (!c->in || !c->out || !c->power || !c->plan) {
        const size_t fft_n = c->fft_n;
        rmat_cadence_free(c);
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM,
                                "cadence: out of memory for an FFT of %zu points", fft_n);
    }
    *out = c;
    return RMAT_OK;
}

void rmat_cadence_free(struct rmat_cadence *c)
{
    if (!c)
        return;
    if (c->plan)
        fftw_destroy_plan(c->plan);
    fftw_free(c->in);
    fftw_free(c->out);
    free(c->power);
    free(c);
}

static double power_at(const struct rmat_cadence *c, size_t j)
{
    return c->power[j];
}

const double *rmat_cadence_spectrum(const struct rmat_cadence *c, size_t *n, double *df_hz)
{
    *n = c && c->n_power ? c->n_power : 0;
    *df_hz = *n ? c->df_hz : NAN;
    return *n ? c->power : NULL;
}

int rmat_cadence_compute(struct rmat_cadence *c, const double *t_s, const double *ss, size_t n,
                         double rate_hz, struct rmat_cadence_result *res)
{
    size_t a = 0, b = 0, m, src;
    double mean = 0.0;

    if (!res)
        return RMAT_E_ARG;
    res->cadence_cpm = res->peak_hz = res->cycles = NAN;
    res->run_first = res->run_last = 0;
    res->samples = 0;
    if (!c || !t_s || !ss || !(rate_hz > 0) || isinf(rate_hz))
        return RMAT_E_ARG;
    c->n_power = 0;
    if (!longest_run(t_s, ss, n, &a, &b))
        return RMAT_OK;
    res->run_first = a;
    res->run_last = b;
    m = samples_of(t_s[a], t_s[b], rate_hz);
    if (m > c->max_samples)
        return RMAT_E_ARG;
    res->samples = m;
    if (m < 3)
        return RMAT_OK;

    /* Resample: linear interpolation between the frames around each grid
     * time; frames are in time order within the run. */
    src = a;
    for (size_t k = 0; k < m; k++) {
        const double t = t_s[a] + (double)k / rate_hz;
        while (src + 1 < b && t_s[src + 1] <= t)
            src++;
        double v;
        if (src + 1 > b || t <= t_s[src]) {
            v = ss[src];
        } else {
            const double t0 = t_s[src], t1 = t_s[src + 1];
            v = t1 > t0 ? ss[src] + (ss[src + 1] - ss[src]) * (t - t0) / (t1 - t0) : ss[src + 1];
        }
        c->in[k] = v;
        mean += v;
    }
    mean /= (double)m;
    for (size_t k = 0; k < m; k++) {
        const double w = 0.5 * (1.0 - cos(2.0 * M_PI * (double)k / (double)(m - 1)));
        c->in[k] = (c->in[k] - mean) * w;
    }
    for (size_t k = m; k < c->fft_n; k++)
        c->in[k] = 0.0;
    fftw_execute(c->plan);
    const double df = rate_hz / (double)c->fft_n;
    const size_t half = c->fft_n / 2;
    for (size_t j = 0; j <= half; j++)
        c->power[j] = c->out[j][0] * c->out[j][0] + c->out[j][1] * c->out[j][1];
    c->n_power = half + 1;
    c->df_hz = df;

    /* The largest local maximum of the power between the band's edges. */
    size_t lo = (size_t)ceil(RMAT_CADENCE_F_LO_HZ / df),
           hi = (size_t)floor(RMAT_CADENCE_F_HI_HZ / df);
    size_t best = 0;
    double best_p = -1.0;
    if (lo < 1)
        lo = 1;
    if (hi > half - 1)
        hi = half - 1;
    for (size_t j = lo; j <= hi && hi >= lo; j++) {
        const double p = power_at(c, j);
        if (p > best_p && p >= power_at(c, j - 1) && p >= power_at(c, j + 1)) {
            best_p = p;
            best = j;
        }
    }
    if (best == 0 || !(best_p > 0))
        return RMAT_OK;
    {
        const double l = log(power_at(c, best - 1) + 1e-300), m0 = log(best_p),
                     r = log(power_at(c, best + 1) + 1e-300);
        const double den = l - 2.0 * m0 + r;
        double delta = den < 0 ? 0.5 * (l - r) / den : 0.0;
        if (delta > 0.5)
            delta = 0.5;
        else if (delta < -0.5)
            delta = -0.5;
        res->peak_hz = ((double)best + delta) * df;
    }
    res->cycles = res->peak_hz * (double)m / rate_hz;
    if (res->cycles >= RMAT_CADENCE_MIN_CYCLES)
        res->cadence_cpm = res->peak_hz * 60.0;
    return RMAT_OK;
}
