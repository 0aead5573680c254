/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The session summary (summary.h; docs/metrics.md "Session summary").
 *
 * Means are plain means over contact frames: frames come at the device's
 * steady rate, so a frame is a fixed slice of time, and a plain mean is the
 * time-weighted one up to lost frames.
 */
#include "rollmat/summary.h"

#include <math.h>

void rmat_summary_compute(const double *t_s, double nominal_dt_s,
                          const struct rmat_frame_metrics *m, const double *sx, const double *sy,
                          size_t n, const struct rmat_pass *passes, size_t n_passes,
                          const struct rmat_hold *holds, size_t n_holds, double body_mass_kg,
                          struct rmat_summary *out)
{
    double contact_s = 0, hold_s = 0, path = 0;
    double force = 0, kpa = 0, area = 0, width = 0, length = 0, cmpl = 0;
    double peak_force = NAN, peak_kpa = NAN, speed = 0;
    size_t nc = 0, nk = 0, nw = 0, nl = 0, ncp = 0, ns = 0, h = 0;

    for (size_t k = 0; k < n; k++) {
        const struct rmat_frame_metrics *f = &m[k];
        const double dt = rmat_frame_dt(t_s, k, nominal_dt_s);
        if (!isnan(f->peak_kpa) && !(f->peak_kpa <= peak_kpa))
            peak_kpa = f->peak_kpa;
        /* Holds are in frame order and do not overlap. */
        while (h < n_holds && holds[h].last < k)
            h++;
        if (f->contact_sensels == 0)
            continue;
        contact_s += dt;
        if (h < n_holds && holds[h].first <= k)
            hold_s += dt;
        force += f->force_n;
        nc++;
        if (!(f->force_n <= peak_force))
            peak_force = f->force_n;
        area += f->area_cm2;
        if (!isnan(f->mean_kpa)) {
            kpa += f->mean_kpa;
            nk++;
        }
        if (!isnan(f->width_mm)) {
            width += f->width_mm;
            nw++;
        }
        if (!isnan(f->length_mm)) {
            length += f->length_mm;
            nl++;
        }
        if (!isnan(f->compliance_mm3_n)) {
            cmpl += f->compliance_mm3_n;
            ncp++;
        }
        if (k > 0 && !isnan(sx[k]) && !isnan(sx[k - 1]) && !isnan(sy[k]) && !isnan(sy[k - 1])) {
            const double dx = sx[k] - sx[k - 1], dy = sy[k] - sy[k - 1];
            path += sqrt(dx * dx + dy * dy); /* millimetres: no overflow to fear */
        }
    }
    for (size_t k = 0; k < n_passes; k++) {
        if (!isnan(passes[k].speed_mm_s)) {
            speed += passes[k].speed_mm_s;
            ns++;
        }
    }
    out->duration_s = n > 0 ? t_s[n - 1] : NAN;
    for (size_t k = 0; k < n; k++)
        if (t_s[k] > out->duration_s)
            out->duration_s = t_s[k];
    out->contact_s = contact_s;
    out->hold_s = hold_s;
    out->rolling_s = contact_s - hold_s;
    out->passes = n_passes;
    out->holds = n_holds;
    out->mean_speed_mm_s = ns ? speed / (double)ns : NAN;
    out->path_mm = path;
    out->mean_force_n = nc ? force / (double)nc : NAN;
    out->peak_force_n = peak_force;
    out->mean_kpa = nk ? kpa / (double)nk : NAN;
    out->peak_kpa = peak_kpa;
    out->mean_area_cm2 = nc ? area / (double)nc : NAN;
    out->mean_width_mm = nw ? width / (double)nw : NAN;
    out->mean_length_mm = nl ? length / (double)nl : NAN;
    out->mean_compliance_mm3_n = ncp ? cmpl / (double)ncp : NAN;
    {
        const double bw_n = body_mass_kg * RMAT_GRAVITY_M_S2;
        const int known = body_mass_kg > 0 && isfinite(body_mass_kg);
        out->mean_force_pct_bw = known ? 100.0 * out->mean_force_n / bw_n : NAN;
        out->peak_force_pct_bw = known ? 100.0 * out->peak_force_n / bw_n : NAN;
    }
}
