/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The virtual mat's ground truth files. See truth.h. */
#include "truth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "rollmat/err.h"

const char rmat_truth_csv_header[] =
    "seq,t_us,t_s,cop_x_mm,cop_y_mm,contact,force_n,grid_force_n,half_width_mm,width_mm,"
    "length_mm,mean_kpa,peak_kpa,estar_kpa,s_mm,segment,pass,hold,loop,conn";

/* A number for CSV: NaN as "nan", which strtod and scanf read back. */
static void csv_num(FILE *f, double v, const char *fmt)
{
    if (isnan(v))
        fputs(",nan", f);
    else
        fprintf(f, fmt, v);
}

int rmat_truth_csv_row(FILE *f, uint32_t seq, uint64_t t_us, int conn,
                       const struct rmat_vmat_truth *t)
{
    fprintf(f, "%u,%llu,%.6f", seq, (unsigned long long)t_us, t->t_s);
    csv_num(f, t->cop_x_mm, ",%.4f");
    csv_num(f, t->cop_y_mm, ",%.4f");
    fprintf(f, ",%d,%.4f,%.4f", t->contact, t->force_n, t->grid_force_n);
    csv_num(f, t->half_width_mm, ",%.4f");
    csv_num(f, t->width_mm, ",%.4f");
    csv_num(f, t->length_mm, ",%.4f");
    csv_num(f, t->mean_kpa, ",%.4f");
    csv_num(f, t->peak_kpa, ",%.4f");
    csv_num(f, t->estar_kpa, ",%.4f");
    csv_num(f, t->s_mm, ",%.4f");
    fprintf(f, ",%d,%d,%d,%d,%d\n", t->segment, t->pass, t->hold, t->loop, conn);
    return ferror(f) ? RMAT_E_IO : RMAT_OK;
}

int rmat_truth_ids_add(struct rmat_truth_ids *l, int conn, uint32_t seq)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        struct rmat_truth_frame_id *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return RMAT_E_NOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n].conn = conn;
    l->v[l->n].seq = seq;
    l->n++;
    return RMAT_OK;
}

void rmat_truth_ids_fini(struct rmat_truth_ids *l)
{
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

/* A JSON number: NaN and infinities are null. */
static void jnum(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.10g", v);
    else
        fputs("null", f);
}

/* A JSON string of a file name or other plain text: escapes quotes,
 * backslashes and control characters. */
static void jstr(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        const unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void jkey(FILE *f, const char *indent, const char *key, double v, int comma)
{
    fprintf(f, "%s\"%s\": ", indent, key);
    jnum(f, v);
    fputs(comma ? ",\n" : "\n", f);
}

static void jids(FILE *f, const char *key, const struct rmat_truth_ids *l, int comma)
{
    fprintf(f, "    \"%s\": [", key);
    for (size_t i = 0; l && i < l->n; i++)
        fprintf(f, "%s[%d, %u]", i ? ", " : "", l->v[i].conn, l->v[i].seq);
    fprintf(f, "]%s\n", comma ? "," : "");
}

static void jspans(FILE *f, const char *key, int n, const struct rmat_truth_span *v, int comma)
{
    fprintf(f, "    \"%s\": [", key);
    for (int i = 0; i < n; i++) {
        fprintf(f, "%s{\"t_s\": ", i ? ", " : "");
        jnum(f, v[i].t_s);
        fputs(", \"for_s\": ", f);
        jnum(f, v[i].for_s);
        fputc('}', f);
    }
    fprintf(f, "]%s\n", comma ? "," : "");
}

static const char *kind_name(enum rmat_scene_kind k)
{
    switch (k) {
    case RMAT_SEG_ROLL:
        return "roll";
    case RMAT_SEG_HOLD:
        return "hold";
    case RMAT_SEG_MOVE:
        return "move";
    default:
        return "lift";
    }
}

static void write_scene(FILE *f, const struct rmat_scene *sc)
{
    fputs("  \"scene\": {\n    \"name\": ", f);
    jstr(f, sc->name);
    fputs(",\n", f);
    jkey(f, "    ", "duration_s", sc->duration_s, 1);
    fprintf(f, "    \"mat\": {\"rows\": %d, \"cols\": %d, \"pitch_mm\": ", sc->rows, sc->cols);
    jnum(f, sc->pitch_mm);
    fputs(", \"rate_hz\": ", f);
    jnum(f, sc->rate_hz);
    fprintf(f, ", \"adc_bits\": %d},\n", sc->sensor.adc_bits);
    fprintf(f, "    \"roller\": {\"shape\": \"%s\", \"radius_mm\": ",
            sc->shape == RMAT_SIM_BALL ? "ball" : "cylinder");
    jnum(f, sc->radius_mm);
    fputs(", \"length_mm\": ", f);
    jnum(f, sc->length_mm);
    fputs(", \"axis_deg\": ", f);
    jnum(f, sc->axis_deg);
    fputs("},\n    \"tissue\": {\"estar_kpa\": ", f);
    jnum(f, sc->estar_kpa);
    fputs(", \"soften_pct\": ", f);
    jnum(f, sc->soften_pct);
    fprintf(f, ", \"soften\": \"%s\", \"hold_relax_pct\": ",
            sc->soften == RMAT_SOFTEN_EXPONENTIAL ? "exponential" : "linear");
    jnum(f, sc->hold_relax_pct);
    fputs(", \"hold_relax_tau_s\": ", f);
    jnum(f, sc->hold_relax_tau_s);
    fputs("},\n", f);
    jkey(f, "    ", "force_n", sc->force_n, 1);
    fprintf(f, "    \"seed\": %llu,\n", sc->seed);
    jkey(f, "    ", "rolling_axis_deg", sc->rolling_axis_deg, 1);
    fputs("    \"segments\": [\n", f);
    for (int k = 0; k < sc->n_segments; k++) {
        const struct rmat_scene_segment *g = &sc->seg[k];
        fprintf(f, "      {\"kind\": \"%s\", \"line\": %d, \"t_start_s\": ", kind_name(g->kind),
                g->line);
        jnum(f, g->t_start_s);
        fputs(", \"duration_s\": ", f);
        jnum(f, g->duration_s);
        fputs(", \"force_start_n\": ", f);
        jnum(f, g->force0_n);
        fputs(", \"force_end_n\": ", f);
        jnum(f, g->force1_n);
        if (g->kind == RMAT_SEG_ROLL) {
            fputs(", \"cadence_cpm\": ", f);
            jnum(f, g->cadence_cpm);
            fputs(", \"stroke_mm\": ", f);
            jnum(f, g->stroke_mm);
            fputs(", \"centre_x_mm\": ", f);
            jnum(f, g->centre_x_mm);
            fputs(", \"centre_y_mm\": ", f);
            jnum(f, g->centre_y_mm);
            fputs(", \"direction_deg\": ", f);
            jnum(f, g->direction_deg);
            fprintf(f, ", \"profile\": \"%s\"",
                    g->profile == RMAT_PROFILE_CONSTANT ? "constant" : "sinusoidal");
        } else if (g->kind != RMAT_SEG_LIFT) {
            fputs(", \"x_start_mm\": ", f);
            jnum(f, g->x0_mm);
            fputs(", \"y_start_mm\": ", f);
            jnum(f, g->y0_mm);
            fputs(", \"x_end_mm\": ", f);
            jnum(f, g->x1_mm);
            fputs(", \"y_end_mm\": ", f);
            jnum(f, g->y1_mm);
        }
        fprintf(f, "}%s\n", k + 1 < sc->n_segments ? "," : "");
    }
    fputs("    ]\n  },\n", f);
}

static void write_fsr(FILE *f, const struct rmat_scene *sc, const double *gains)
{
    const struct rmat_sim_sensor_model *m = &sc->sensor;
    const int n = sc->rows * sc->cols;

    fputs("  \"fsr\": {\n", f);
    fputs("    \"curve\": \"counts = c_max * x^k / (1 + x^k), x = gain * p / p_ref\",\n", f);
    jkey(f, "    ", "c_max", m->c_max_counts, 1);
    jkey(f, "    ", "p_ref_kpa", m->p_ref_kpa, 1);
    jkey(f, "    ", "k", m->k, 1);
    fprintf(f, "    \"adc_bits\": %d,\n", m->adc_bits);
    jkey(f, "    ", "gain_spread_pct", m->gain_spread_pct, 1);
    jkey(f, "    ", "noise_counts", m->noise_counts, 1);
    jkey(f, "    ", "creep_pct", m->creep_pct, 1);
    jkey(f, "    ", "creep_tau_s", m->creep_tau_s, 1);
    jkey(f, "    ", "creep_recover_tau_s", m->creep_recover_tau_s, 1);
    jkey(f, "    ", "creep_load_kpa", m->creep_load_kpa, 1);
    jkey(f, "    ", "crosstalk_row_pct", m->crosstalk_row_pct, 1);
    jkey(f, "    ", "crosstalk_col_pct", m->crosstalk_col_pct, 1);
    fputs("    \"gains\": [", f);
    for (int k = 0; gains && k < n; k++) {
        fputs(k ? (k % 16 ? ", " : ",\n      ") : "", f);
        fprintf(f, "%.6f", gains[k]);
    }
    fputs("]\n  },\n", f);
}

static void write_motion(FILE *f, const struct rmat_scene *sc)
{
    fputs("  \"passes\": [\n", f);
    for (int i = 0; i < sc->n_passes; i++) {
        const struct rmat_scene_pass *p = &sc->passes[i];
        fprintf(f, "    {\"index\": %d, \"t_start_s\": ", p->index);
        jnum(f, p->t_start_s);
        fputs(", \"t_end_s\": ", f);
        jnum(f, p->t_end_s);
        fprintf(f, ", \"direction\": %d, \"amplitude_mm\": ", p->direction);
        jnum(f, p->amplitude_mm);
        fprintf(f, "}%s\n", i + 1 < sc->n_passes ? "," : "");
    }
    fputs("  ],\n  \"holds\": [\n", f);
    for (int i = 0; i < sc->n_holds; i++) {
        const struct rmat_scene_hold *h = &sc->holds[i];
        fprintf(f, "    {\"index\": %d, \"t_start_s\": ", h->index);
        jnum(f, h->t_start_s);
        fputs(", \"duration_s\": ", f);
        jnum(f, h->duration_s);
        fputs(", \"x_mm\": ", f);
        jnum(f, h->x_mm);
        fputs(", \"y_mm\": ", f);
        jnum(f, h->y_mm);
        fprintf(f, "}%s\n", i + 1 < sc->n_holds ? "," : "");
    }
    fputs("  ],\n  \"estar\": [", f);
    for (int s = 0; s <= (int)floor(sc->duration_s); s++) {
        fprintf(f, "%s{\"t_s\": %d, \"estar_kpa\": ", s ? (s % 4 ? ", " : ",\n    ") : "\n    ", s);
        jnum(f, rmat_scene_estar_kpa(sc, s));
        fputc('}', f);
    }
    fputs("\n  ],\n", f);
}

int rmat_truth_write_json(const char *path, const struct rmat_scene *sc,
                          const struct rmat_vmat_stats *stats, const double *gains,
                          const struct rmat_truth_run *run)
{
    char tmp[4200];
    FILE *f;
    int bad;

    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return RMAT_E_ARG;
    f = fopen(tmp, "w");
    if (!f)
        return RMAT_E_IO;
    /* frames_sent and frames_dropped come first and only once at the top
     * level: the totals over every connection. */
    {
        uint32_t sent = 0, dropped = 0;
        for (int i = 0; run && i < run->n_conns; i++) {
            sent += run->conns[i].frames_sent;
            dropped += run->conns[i].frames_dropped;
        }
        fprintf(f, "{\n  \"frames_sent\": %u,\n  \"frames_dropped\": %u,\n", sent, dropped);
    }
    fprintf(f, "  \"frames_scanned\": %llu,\n", (unsigned long long)stats->frames);
    fprintf(f, "  \"contact_frames\": %llu,\n", (unsigned long long)stats->contact_frames);
    jkey(f, "  ", "mean_force_n", stats->mean_force_n, 1);
    jkey(f, "  ", "mean_grid_force_n", stats->mean_grid_force_n, 1);
    jkey(f, "  ", "mean_kpa", stats->mean_kpa, 1);
    jkey(f, "  ", "mean_half_width_mm", stats->mean_half_width_mm, 1);
    jkey(f, "  ", "mean_width_mm", stats->mean_width_mm, 1);
    write_scene(f, sc);
    write_fsr(f, sc, gains);
    write_motion(f, sc);
    fputs("  \"run\": {\n", f);
    if (run) {
        fputs("    \"link\": ", f);
        jstr(f, run->link ? run->link : "");
        fputs(",\n", f);
        jkey(f, "    ", "speed", run->speed, 1);
        jkey(f, "    ", "clock_ppm", run->clock_ppm, 1);
        fprintf(f, "    \"loop\": %s,\n    \"scene_ended\": %s,\n", run->loop ? "true" : "false",
                run->scene_ended ? "true" : "false");
        fputs("    \"connections\": [", f);
        for (int i = 0; i < run->n_conns; i++) {
            const struct rmat_truth_conn *c = &run->conns[i];
            fprintf(f,
                    "%s{\"conn\": %d, \"sent\": %u, \"dropped\": %u, \"t_open_s\": ", i ? ", " : "",
                    i + 1, c->frames_sent, c->frames_dropped);
            jnum(f, c->t_open_s);
            fputs(", \"t_close_s\": ", f);
            jnum(f, c->t_close_s);
            fputc('}', f);
        }
        fputs("],\n", f);
        jkey(f, "    ", "bit_error_rate", run->bit_error_rate, 1);
        fprintf(f, "    \"fault_seed\": %llu,\n", (unsigned long long)run->fault_seed);
        fprintf(f, "    \"bits_flipped\": %llu,\n", (unsigned long long)run->bits_flipped);
        fprintf(f, "    \"packets_damaged\": %llu,\n", (unsigned long long)run->packets_damaged);
        jids(f, "damaged_frames", run->damaged_frames, 1);
        jids(f, "joined_frames", run->joined_frames, 1);
        jids(f, "dropped_frames", run->dropped_frames, 1);
        jspans(f, "disconnects", run->n_disconnects, run->disconnects, 1);
        jspans(f, "stalls", run->n_stalls, run->stalls, 0);
    }
    fputs("  }\n}\n", f);
    bad = ferror(f);
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        remove(tmp);
        return RMAT_E_IO;
    }
    return RMAT_OK;
}
