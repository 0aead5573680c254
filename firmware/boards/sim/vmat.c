/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The virtual mat: scene -> contact -> sensels -> counts. See vmat.h. */
#include "vmat.h"

#include <math.h>
#include <stdlib.h>

#include "rollmat/err.h"

struct rmat_vmat {
    const struct rmat_scene *sc;
    int loop;
    struct rmat_sim_sensor *sensor;
    double *p_kpa;
    struct rmat_vmat_stats sums; /* sums while running, made means on request */
};

int rmat_vmat_new(const struct rmat_scene *sc, int loop, struct rmat_vmat **out)
{
    struct rmat_vmat *m;
    int rc;

    *out = NULL;
    if (!sc || sc->rows < 1 || sc->cols < 1 || sc->rows * sc->cols > RMAT_SIM_MAX_SENSELS)
        return RMAT_E_ARG;
    m = calloc(1, sizeof *m);
    if (!m)
        return RMAT_E_NOMEM;
    m->sc = sc;
    m->loop = loop;
    m->p_kpa = calloc((size_t)sc->rows * (size_t)sc->cols, sizeof *m->p_kpa);
    if (!m->p_kpa) {
        rmat_vmat_free(m);
        return RMAT_E_NOMEM;
    }
    rc = rmat_sim_sensor_new(&sc->sensor, sc->rows, sc->cols, sc->seed, &m->sensor);
    if (rc != RMAT_OK) {
        rmat_vmat_free(m);
        return rc;
    }
    *out = m;
    return RMAT_OK;
}

void rmat_vmat_free(struct rmat_vmat *m)
{
    if (!m)
        return;
    rmat_sim_sensor_free(m->sensor);
    free(m->p_kpa);
    free(m);
}

void rmat_vmat_frame(struct rmat_vmat *m, double t_s, uint16_t *counts,
                     struct rmat_vmat_truth *truth)
{
    const struct rmat_scene *sc = m->sc;
    struct rmat_scene_state st;
    struct rmat_sim_contact c;
    struct rmat_sim_contact_truth ct;
    struct rmat_vmat_truth t;
    double scene_t = t_s < 0 ? 0 : t_s;
    int loop = 0;

    if (m->loop && sc->duration_s > 0 && scene_t >= sc->duration_s) {
        loop = (int)floor(scene_t / sc->duration_s);
        scene_t -= loop * sc->duration_s;
    }
    rmat_scene_eval(sc, scene_t, &st);
    t.t_s = t_s;
    t.loop = loop;
    t.scene_t_s = scene_t;
    t.contact = st.contact;
    t.estar_kpa = st.estar_kpa;
    t.segment = st.segment;
    t.pass = st.pass;
    t.hold = st.hold;
    if (st.contact) {
        rmat_scene_contact(sc, &st, &c);
        rmat_sim_contact_describe(&c, &ct);
        t.grid_force_n = rmat_sim_pressure(sc->rows, sc->cols, sc->pitch_mm, &c, m->p_kpa);
        /* The Hertz profile is symmetric: its centre of pressure is the
         * contact's centre. */
        t.cop_x_mm = st.x_mm;
        t.cop_y_mm = st.y_mm;
        t.force_n = st.force_n;
        t.half_width_mm = ct.half_width_mm;
        t.width_mm = ct.width_mm;
        t.length_mm = ct.length_mm;
        t.mean_kpa = ct.mean_kpa;
        t.peak_kpa = ct.peak_kpa;
        t.s_mm = st.s_mm;
    } else {
        rmat_sim_pressure(sc->rows, sc->cols, sc->pitch_mm, NULL, m->p_kpa);
        t.cop_x_mm = t.cop_y_mm = t.s_mm = NAN;
        t.force_n = t.grid_force_n = 0;
        t.half_width_mm = t.width_mm = t.length_mm = t.mean_kpa = t.peak_kpa = NAN;
    }
    rmat_sim_sensor_read(m->sensor, m->p_kpa, t_s, counts);

    m->sums.frames++;
    if (t.contact) {
        m->sums.contact_frames++;
        m->sums.mean_force_n += t.force_n;
        m->sums.mean_grid_force_n += t.grid_force_n;
        m->sums.mean_kpa += t.mean_kpa;
        m->sums.mean_half_width_mm += t.half_width_mm;
        m->sums.mean_width_mm += t.width_mm;
    }
    if (truth)
        *truth = t;
}

const double *rmat_vmat_pressure(const struct rmat_vmat *m)
{
    return m->p_kpa;
}

const struct rmat_sim_sensor *rmat_vmat_sensor(const struct rmat_vmat *m)
{
    return m->sensor;
}

void rmat_vmat_stats(const struct rmat_vmat *m, struct rmat_vmat_stats *out)
{
    const double n = (double)m->sums.contact_frames;

    *out = m->sums;
    if (n > 0) {
        out->mean_force_n /= n;
        out->mean_grid_force_n /= n;
        out->mean_kpa /= n;
        out->mean_half_width_mm /= n;
        out->mean_width_mm /= n;
    } else {
        out->mean_force_n = out->mean_grid_force_n = out->mean_kpa = NAN;
        out->mean_half_width_mm = out->mean_width_mm = NAN;
    }
}
