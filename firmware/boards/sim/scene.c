/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Scenes of the virtual mat: the parser, the motion and its ground truth.
 * See scene.h; docs/simulator.md is the user's reference of the format. */
#include "scene.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollmat/err.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define MAX_TOKENS 32
#define MAX_LINE   4096
/* A roll, hold or move may pick the roller up this far from where it is:
 * scene files give positions to a tenth of a millimetre or so. */
#define POS_TOL_MM 1.0
/* The contact is checked against the grid's edges every CHECK_STEP_S. */
#define CHECK_STEP_S 0.005
/* A phase within this many half-cycles of a turning point is at it: no
 * stroke of a few nanometres is made of rounding. */
#define TURN_EPS 1e-9

struct parser {
    const char *name;
    char *err;
    size_t err_cap;
    int line;
};

static int fail(struct parser *ps, int line, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!ps->err || ps->err_cap == 0)
        return RMAT_E_FORMAT;
    if (line > 0)
        n = snprintf(ps->err, ps->err_cap, "%s:%d: ", ps->name, line);
    else
        n = snprintf(ps->err, ps->err_cap, "%s: ", ps->name);
    if (n < 0 || (size_t)n >= ps->err_cap)
        return RMAT_E_FORMAT;
    va_start(ap, fmt);
    vsnprintf(ps->err + n, ps->err_cap - (size_t)n, fmt, ap);
    va_end(ap);
    return RMAT_E_FORMAT;
}

/* One directive split into words: the keyword, positional words and
 * key=value pairs. Points into the line buffer. */
struct directive {
    int line;
    const char *keyword;
    int n_pos;
    const char *pos[MAX_TOKENS];
    int n_kv;
    const char *key[MAX_TOKENS];
    const char *val[MAX_TOKENS];
};

static int split(struct parser *ps, char *s, struct directive *d)
{
    char *tok = strtok(s, " \t\r");

    d->keyword = tok;
    d->n_pos = d->n_kv = 0;
    while ((tok = strtok(NULL, " \t\r")) != NULL) {
        char *eq = strchr(tok, '=');
        if (d->n_pos + d->n_kv >= MAX_TOKENS)
            return fail(ps, d->line, "%s: more than %d words", d->keyword, MAX_TOKENS);
        if (!eq) {
            d->pos[d->n_pos++] = tok;
            continue;
        }
        if (eq == tok || eq[1] == '\0')
            return fail(ps, d->line, "%s: '%s' is not key=value", d->keyword, tok);
        *eq = '\0';
        for (int i = 0; i < d->n_kv; i++)
            if (strcmp(d->key[i], tok) == 0)
                return fail(ps, d->line, "%s: %s given twice", d->keyword, tok);
        d->key[d->n_kv] = tok;
        d->val[d->n_kv++] = eq + 1;
    }
    return RMAT_OK;
}

/* Every key of d must be in allowed (NULL-terminated). */
static int check_keys(struct parser *ps, const struct directive *d, const char *const *allowed)
{
    for (int i = 0; i < d->n_kv; i++) {
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            ok |= strcmp(*a, d->key[i]) == 0;
        if (!ok) {
            char list[512] = "";
            size_t n = 0;
            for (const char *const *a = allowed; *a; a++) {
                int w = snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "", *a);
                if (w < 0 || (size_t)w >= sizeof list - n)
                    break;
                n += (size_t)w;
            }
            return fail(ps, d->line, "%s: unknown key '%s' (%s takes: %s)", d->keyword, d->key[i],
                        d->keyword, list);
        }
    }
    return RMAT_OK;
}

static const char *find(const struct directive *d, const char *key)
{
    for (int i = 0; i < d->n_kv; i++)
        if (strcmp(d->key[i], key) == 0)
            return d->val[i];
    return NULL;
}

static int parse_double(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return end != s && *end == '\0' && errno == 0 && isfinite(*v);
}

/* Reads key as a number in [lo, hi] (open at lo when lo_open) into *v,
 * which keeps its value when the key is absent; *given says whether it was
 * there. Returns 0 or the error. */
static int get_num(struct parser *ps, const struct directive *d, const char *key, double lo,
                   int lo_open, double hi, double *v, int *given)
{
    const char *s = find(d, key);
    double x;

    if (given)
        *given = s != NULL;
    if (!s)
        return RMAT_OK;
    if (!parse_double(s, &x))
        return fail(ps, d->line, "%s: %s=%s is not a number", d->keyword, key, s);
    if ((lo_open ? !(x > lo) : !(x >= lo)) || !(x <= hi))
        return fail(ps, d->line, "%s: %s=%s is out of range (%s %g .. %g)", d->keyword, key, s,
                    lo_open ? "more than" : "from", lo, hi);
    *v = x;
    return RMAT_OK;
}

static int need(struct parser *ps, const struct directive *d, const char *key)
{
    if (find(d, key))
        return RMAT_OK;
    return fail(ps, d->line, "%s: %s is missing", d->keyword, key);
}

static int no_positional(struct parser *ps, const struct directive *d)
{
    if (d->n_pos == 0)
        return RMAT_OK;
    return fail(ps, d->line, "%s: unexpected word '%s' (want key=value)", d->keyword, d->pos[0]);
}

/* What a segment line said, before it is resolved against the others. */
struct raw_segment {
    enum rmat_scene_kind kind;
    int line;
    double duration_s;
    int have_force;
    double force0_n, force1_n;
    double cadence_cpm, stroke_mm;
    int have_centre_x, have_centre_y, have_direction, have_x, have_y;
    double centre_x_mm, centre_y_mm, direction_deg, x_mm, y_mm;
    enum rmat_scene_profile profile;
    int first;  /* 0 auto, +1, -1 */
    int passes; /* roll: run this many strokes instead of duration_s; 0: duration_s */
};

struct raw_scene {
    int line_mat, line_roller, line_sensor, line_tissue, line_force, line_seed;
    int have_c_max;
    int n;
    struct raw_segment seg[RMAT_SCENE_MAX_SEGMENTS];
};

static int parse_force(struct parser *ps, const struct directive *d, struct raw_segment *r)
{
    const char *s = find(d, "force_n");
    const char *dots;
    char a[64];

    r->have_force = s != NULL;
    if (!s)
        return RMAT_OK;
    dots = strstr(s, "..");
    if (dots && (size_t)(dots - s) < sizeof a) {
        memcpy(a, s, (size_t)(dots - s));
        a[dots - s] = '\0';
        if (!parse_double(a, &r->force0_n) || !parse_double(dots + 2, &r->force1_n))
            return fail(ps, d->line, "%s: force_n=%s is not a number or a ramp A..B", d->keyword,
                        s);
    } else if (!parse_double(s, &r->force0_n)) {
        return fail(ps, d->line, "%s: force_n=%s is not a number or a ramp A..B", d->keyword, s);
    } else {
        r->force1_n = r->force0_n;
    }
    if (!(r->force0_n > 0) || !(r->force1_n > 0) || r->force0_n > 5000 || r->force1_n > 5000)
        return fail(ps, d->line, "%s: force_n=%s is out of range (more than 0 .. 5000 N)",
                    d->keyword, s);
    return RMAT_OK;
}

static int parse_segment(struct parser *ps, const struct directive *d, struct raw_scene *raw)
{
    static const char *const roll_keys[] = {
        "duration_s", "cadence_cpm", "stroke_mm", "centre_x_mm", "centre_y_mm", "direction_deg",
        "profile",    "first",       "force_n",   "passes",      NULL};
    static const char *const hold_keys[] = {"duration_s", "x_mm", "y_mm", "force_n", NULL};
    static const char *const move_keys[] = {"duration_s", "x_mm", "y_mm", "force_n", NULL};
    static const char *const lift_keys[] = {"duration_s", NULL};
    struct raw_segment *r;
    int rc;

    if (raw->n >= RMAT_SCENE_MAX_SEGMENTS)
        return fail(ps, d->line, "more than %d segments", RMAT_SCENE_MAX_SEGMENTS);
    r = &raw->seg[raw->n];
    memset(r, 0, sizeof *r);
    r->line = d->line;
    if ((rc = no_positional(ps, d)) != RMAT_OK)
        return rc;
    if (strcmp(d->keyword, "roll") == 0) {
        const char *prof = find(d, "profile"), *first = find(d, "first");
        double passes = 0;
        int have_passes = 0;
        r->kind = RMAT_SEG_ROLL;
        if ((rc = check_keys(ps, d, roll_keys)) ||
            (rc = get_num(ps, d, "passes", 1, 0, 100000, &passes, &have_passes)))
            return rc;
        if (have_passes == !!find(d, "duration_s"))
            return fail(ps, d->line, "roll: give duration_s or passes, not %s",
                        have_passes ? "both" : "neither");
        if (passes != floor(passes))
            return fail(ps, d->line, "roll: passes=%g is not a whole number", passes);
        r->passes = (int)passes;
        if ((rc = need(ps, d, "cadence_cpm")) || (rc = need(ps, d, "stroke_mm")) ||
            (rc = get_num(ps, d, "cadence_cpm", 0, 1, 200, &r->cadence_cpm, NULL)) ||
            (rc = get_num(ps, d, "stroke_mm", 0, 1, 2000, &r->stroke_mm, NULL)) ||
            (rc =
                 get_num(ps, d, "centre_x_mm", -1e6, 0, 1e6, &r->centre_x_mm, &r->have_centre_x)) ||
            (rc =
                 get_num(ps, d, "centre_y_mm", -1e6, 0, 1e6, &r->centre_y_mm, &r->have_centre_y)) ||
            (rc = get_num(ps, d, "direction_deg", -360, 0, 360, &r->direction_deg,
                          &r->have_direction)))
            return rc;
        r->profile = RMAT_PROFILE_SINUSOIDAL;
        if (prof && strcmp(prof, "constant") == 0)
            r->profile = RMAT_PROFILE_CONSTANT;
        else if (prof && strcmp(prof, "sinusoidal") != 0)
            return fail(ps, d->line, "roll: profile=%s: want sinusoidal or constant", prof);
        if (!first || strcmp(first, "auto") == 0)
            r->first = 0;
        else if (strcmp(first, "+") == 0)
            r->first = 1;
        else if (strcmp(first, "-") == 0)
            r->first = -1;
        else
            return fail(ps, d->line, "roll: first=%s: want auto, + or -", first);
    } else if (strcmp(d->keyword, "hold") == 0) {
        r->kind = RMAT_SEG_HOLD;
        if ((rc = check_keys(ps, d, hold_keys)) || (rc = need(ps, d, "duration_s")) ||
            (rc = get_num(ps, d, "x_mm", -1e6, 0, 1e6, &r->x_mm, &r->have_x)) ||
            (rc = get_num(ps, d, "y_mm", -1e6, 0, 1e6, &r->y_mm, &r->have_y)))
            return rc;
        if (r->have_x != r->have_y)
            return fail(ps, d->line, "hold: give both x_mm and y_mm, or neither");
    } else if (strcmp(d->keyword, "move") == 0) {
        r->kind = RMAT_SEG_MOVE;
        if ((rc = check_keys(ps, d, move_keys)) || (rc = need(ps, d, "duration_s")) ||
            (rc = need(ps, d, "x_mm")) || (rc = need(ps, d, "y_mm")) ||
            (rc = get_num(ps, d, "x_mm", -1e6, 0, 1e6, &r->x_mm, &r->have_x)) ||
            (rc = get_num(ps, d, "y_mm", -1e6, 0, 1e6, &r->y_mm, &r->have_y)))
            return rc;
    } else {
        r->kind = RMAT_SEG_LIFT;
        if ((rc = check_keys(ps, d, lift_keys)) || (rc = need(ps, d, "duration_s")))
            return rc;
    }
    if (r->kind != RMAT_SEG_ROLL && (rc = need(ps, d, "duration_s")))
        return rc;
    if ((rc = get_num(ps, d, "duration_s", 0, 1, 86400, &r->duration_s, NULL)) ||
        (rc = parse_force(ps, d, r)))
        return rc;
    raw->n++;
    return RMAT_OK;
}

static int once(struct parser *ps, const struct directive *d, int *seen_line)
{
    if (*seen_line)
        return fail(ps, d->line, "%s given twice (first at line %d)", d->keyword, *seen_line);
    *seen_line = d->line;
    return RMAT_OK;
}

static int parse_directive(struct parser *ps, const struct directive *d, struct rmat_scene *sc,
                           struct raw_scene *raw)
{
    static const char *const mat_keys[] = {"rows", "cols", "pitch_mm", "rate_hz", "adc_bits", NULL};
    static const char *const cyl_keys[] = {"radius_mm", "length_mm", "axis_deg", NULL};
    static const char *const ball_keys[] = {"radius_mm", NULL};
    static const char *const sensor_keys[] = {
        "c_max_counts",      "p_ref_kpa",           "k",
        "gain_spread_pct",   "noise_counts",        "creep_pct",
        "creep_tau_s",       "creep_recover_tau_s", "creep_load_kpa",
        "crosstalk_row_pct", "crosstalk_col_pct",   NULL};
    static const char *const tissue_keys[] = {"estar_kpa",      "soften_pct",       "soften",
                                              "hold_relax_pct", "hold_relax_tau_s", NULL};
    static const char *const force_keys[] = {"force_n", NULL};
    static const char *const none[] = {NULL};
    const char *kw = d->keyword;
    int rc;

    if (strcmp(kw, "roll") == 0 || strcmp(kw, "hold") == 0 || strcmp(kw, "move") == 0 ||
        strcmp(kw, "lift") == 0)
        return parse_segment(ps, d, raw);
    if (strcmp(kw, "mat") == 0) {
        double rows = sc->rows, cols = sc->cols, bits = sc->sensor.adc_bits;
        if ((rc = once(ps, d, &raw->line_mat)) || (rc = no_positional(ps, d)) ||
            (rc = check_keys(ps, d, mat_keys)) ||
            (rc = get_num(ps, d, "rows", -1e9, 0, 1e9, &rows, NULL)) ||
            (rc = get_num(ps, d, "cols", -1e9, 0, 1e9, &cols, NULL)) ||
            (rc = get_num(ps, d, "pitch_mm", 0, 1, 1000, &sc->pitch_mm, NULL)) ||
            (rc = get_num(ps, d, "rate_hz", 1, 0, 65535, &sc->rate_hz, NULL)) ||
            (rc = get_num(ps, d, "adc_bits", 8, 0, 16, &bits, NULL)))
            return rc;
        if (rows != floor(rows) || cols != floor(cols) || rows < 1 || cols < 1 || rows > 255 ||
            cols > 255 || rows * cols > RMAT_SIM_MAX_SENSELS)
            return fail(ps, d->line, "grid %gx%g: rows and cols 1..255, at most %d sensels", rows,
                        cols, RMAT_SIM_MAX_SENSELS);
        if (bits != floor(bits) || sc->rate_hz != floor(sc->rate_hz))
            return fail(ps, d->line, "mat: adc_bits and rate_hz are whole numbers");
        sc->rows = (int)rows;
        sc->cols = (int)cols;
        sc->sensor.adc_bits = (int)bits;
        return RMAT_OK;
    }
    if (strcmp(kw, "roller") == 0) {
        if ((rc = once(ps, d, &raw->line_roller)))
            return rc;
        if (d->n_pos != 1 || (strcmp(d->pos[0], "cylinder") != 0 && strcmp(d->pos[0], "ball")))
            return fail(ps, d->line, "roller: say 'roller cylinder ...' or 'roller ball ...'");
        sc->shape = strcmp(d->pos[0], "ball") == 0 ? RMAT_SIM_BALL : RMAT_SIM_CYLINDER;
        if ((rc = check_keys(ps, d, sc->shape == RMAT_SIM_BALL ? ball_keys : cyl_keys)) ||
            (rc = need(ps, d, "radius_mm")) ||
            (rc = get_num(ps, d, "radius_mm", 0, 1, 1000, &sc->radius_mm, NULL)) ||
            (rc = get_num(ps, d, "length_mm", 0, 1, 2000, &sc->length_mm, NULL)) ||
            (rc = get_num(ps, d, "axis_deg", -360, 0, 360, &sc->axis_deg, NULL)))
            return rc;
        if (sc->shape == RMAT_SIM_CYLINDER && (rc = need(ps, d, "length_mm")))
            return rc;
        return RMAT_OK;
    }
    if (strcmp(kw, "sensor") == 0) {
        struct rmat_sim_sensor_model *m = &sc->sensor;
        if ((rc = once(ps, d, &raw->line_sensor)) || (rc = no_positional(ps, d)) ||
            (rc = check_keys(ps, d, sensor_keys)) ||
            (rc = get_num(ps, d, "c_max_counts", 0, 1, 1e6, &m->c_max_counts, &raw->have_c_max)) ||
            (rc = get_num(ps, d, "p_ref_kpa", 0, 1, 1e5, &m->p_ref_kpa, NULL)) ||
            (rc = get_num(ps, d, "k", 0.1, 0, 10, &m->k, NULL)) ||
            (rc = get_num(ps, d, "gain_spread_pct", 0, 0, 50, &m->gain_spread_pct, NULL)) ||
            (rc = get_num(ps, d, "noise_counts", 0, 0, 1000, &m->noise_counts, NULL)) ||
            (rc = get_num(ps, d, "creep_pct", 0, 0, 100, &m->creep_pct, NULL)) ||
            (rc = get_num(ps, d, "creep_tau_s", 0, 1, 1e5, &m->creep_tau_s, NULL)) ||
            (rc =
                 get_num(ps, d, "creep_recover_tau_s", 0, 1, 1e5, &m->creep_recover_tau_s, NULL)) ||
            (rc = get_num(ps, d, "creep_load_kpa", 0, 1, 1e5, &m->creep_load_kpa, NULL)) ||
            (rc = get_num(ps, d, "crosstalk_row_pct", 0, 0, 10, &m->crosstalk_row_pct, NULL)) ||
            (rc = get_num(ps, d, "crosstalk_col_pct", 0, 0, 10, &m->crosstalk_col_pct, NULL)))
            return rc;
        return RMAT_OK;
    }
    if (strcmp(kw, "tissue") == 0) {
        const char *soft = find(d, "soften");
        if ((rc = once(ps, d, &raw->line_tissue)) || (rc = no_positional(ps, d)) ||
            (rc = check_keys(ps, d, tissue_keys)) || (rc = need(ps, d, "estar_kpa")) ||
            (rc = get_num(ps, d, "estar_kpa", 0, 1, 1e6, &sc->estar_kpa, NULL)) ||
            (rc = get_num(ps, d, "soften_pct", 0, 0, 90, &sc->soften_pct, NULL)) ||
            (rc = get_num(ps, d, "hold_relax_pct", 0, 0, 90, &sc->hold_relax_pct, NULL)) ||
            (rc = get_num(ps, d, "hold_relax_tau_s", 0, 1, 1e5, &sc->hold_relax_tau_s, NULL)))
            return rc;
        if (!soft || strcmp(soft, "linear") == 0)
            sc->soften = RMAT_SOFTEN_LINEAR;
        else if (strcmp(soft, "exponential") == 0)
            sc->soften = RMAT_SOFTEN_EXPONENTIAL;
        else
            return fail(ps, d->line, "tissue: soften=%s: want linear or exponential", soft);
        return RMAT_OK;
    }
    if (strcmp(kw, "force") == 0) {
        if ((rc = once(ps, d, &raw->line_force)) || (rc = no_positional(ps, d)) ||
            (rc = check_keys(ps, d, force_keys)) || (rc = need(ps, d, "force_n")) ||
            (rc = get_num(ps, d, "force_n", 0, 1, 5000, &sc->force_n, NULL)))
            return rc;
        return RMAT_OK;
    }
    if (strcmp(kw, "seed") == 0) {
        char *end;
        unsigned long long v;
        if ((rc = once(ps, d, &raw->line_seed)) || (rc = check_keys(ps, d, none)))
            return rc;
        if (d->n_pos != 1)
            return fail(ps, d->line, "seed: say 'seed N' (a whole number)");
        errno = 0;
        v = strtoull(d->pos[0], &end, 10);
        if (end == d->pos[0] || *end != '\0' || errno != 0 || d->pos[0][0] == '-')
            return fail(ps, d->line, "seed: '%s' is not a whole number", d->pos[0]);
        sc->seed = v;
        return RMAT_OK;
    }
    return fail(ps, d->line,
                "unknown directive '%s' (want mat, roller, sensor, tissue, force, seed, roll, "
                "hold, move or lift)",
                kw);
}

/* --- the motion ----------------------------------------------------------- */

static double deg2rad(double deg)
{
    return deg * M_PI / 180.0;
}

/* Position along a roll's line at phase phi: -S/2 at phase 0, +S/2 at pi. */
static double roll_s(const struct rmat_scene_segment *g, double phi)
{
    const double half = g->stroke_mm / 2;
    double psi;
    if (g->profile == RMAT_PROFILE_SINUSOIDAL)
        return -half * cos(phi);
    psi = fmod(phi, 2 * M_PI);
    if (psi < 0)
        psi += 2 * M_PI;
    return psi <= M_PI ? -half + g->stroke_mm * psi / M_PI
                       : half - g->stroke_mm * (psi - M_PI) / M_PI;
}

/* The phase at which a roll is at s and moving in direction dir (+1, -1). */
static double roll_phase(const struct rmat_scene_segment *g, double s, int dir)
{
    const double half = g->stroke_mm / 2;
    double u = s / half, psi;
    if (u < -1)
        u = -1;
    if (u > 1)
        u = 1;
    psi = g->profile == RMAT_PROFILE_SINUSOIDAL ? acos(-u) : M_PI * (u + 1) / 2;
    return dir > 0 ? psi : 2 * M_PI - psi;
}

static double omega(const struct rmat_scene_segment *g)
{
    return 2 * M_PI * g->cadence_cpm / 60.0;
}

/* Where segment g has the roller tau seconds after it began. */
static void seg_position(const struct rmat_scene_segment *g, double tau, double *x, double *y)
{
    switch (g->kind) {
    case RMAT_SEG_ROLL: {
        const double s = roll_s(g, g->phase0_rad + omega(g) * tau);
        const double th = deg2rad(g->direction_deg);
        *x = g->centre_x_mm + s * cos(th);
        *y = g->centre_y_mm + s * sin(th);
        return;
    }
    case RMAT_SEG_MOVE: {
        const double f = 0.5 * (1 - cos(M_PI * tau / g->duration_s));
        *x = g->x0_mm + (g->x1_mm - g->x0_mm) * f;
        *y = g->y0_mm + (g->y1_mm - g->y0_mm) * f;
        return;
    }
    default:
        *x = g->x0_mm;
        *y = g->y0_mm;
        return;
    }
}

double rmat_scene_estar_kpa(const struct rmat_scene *sc, double t_s)
{
    double f = sc->duration_s > 0 ? t_s / sc->duration_s : 0.0;
    if (f < 0)
        f = 0;
    if (f > 1)
        f = 1;
    if (sc->soften == RMAT_SOFTEN_EXPONENTIAL)
        return sc->estar_kpa * pow(1.0 - sc->soften_pct / 100.0, f);
    return sc->estar_kpa * (1.0 - sc->soften_pct / 100.0 * f);
}

static int find_segment(const struct rmat_scene *sc, double t_s)
{
    int lo = 0, hi = sc->n_segments - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (sc->seg[mid].t_start_s <= t_s)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* The state of segment k at tau seconds into it (t_s on the scene's clock). */
static void seg_state(const struct rmat_scene *sc, int k, double tau, double t_s,
                      struct rmat_scene_state *st)
{
    const struct rmat_scene_segment *g = &sc->seg[k];
    const double ax = deg2rad(sc->rolling_axis_deg);

    if (tau > g->duration_s)
        tau = g->duration_s;
    if (tau < 0)
        tau = 0;
    memset(st, 0, sizeof *st);
    st->segment = k;
    st->pass = st->hold = -1;
    st->estar_kpa = rmat_scene_estar_kpa(sc, t_s);
    if (g->kind == RMAT_SEG_LIFT) {
        st->x_mm = st->y_mm = st->s_mm = NAN;
        return;
    }
    st->contact = 1;
    seg_position(g, tau, &st->x_mm, &st->y_mm);
    st->force_n = g->force0_n + (g->force1_n - g->force0_n) * tau / g->duration_s;
    /* The tissue under a held roller creeps: its E* relaxes towards
     * (1 - hold_relax_pct/100) of the session's, and springs back when the
     * roller moves on. */
    if (g->kind == RMAT_SEG_HOLD)
        st->estar_kpa *=
            1.0 - sc->hold_relax_pct / 100.0 * (1.0 - exp(-tau / sc->hold_relax_tau_s));
    st->s_mm = (st->x_mm - sc->cols * sc->pitch_mm / 2) * cos(ax) +
               (st->y_mm - sc->rows * sc->pitch_mm / 2) * sin(ax);
}

void rmat_scene_eval(const struct rmat_scene *sc, double t_s, struct rmat_scene_state *st)
{
    const int k = find_segment(sc, t_s);
    int lo = 0, hi = sc->n_passes - 1;

    seg_state(sc, k, t_s - sc->seg[k].t_start_s, t_s, st);
    if (!st->contact)
        return;
    for (int i = 0; i < sc->n_holds; i++)
        if (t_s >= sc->holds[i].t_start_s &&
            t_s < sc->holds[i].t_start_s + sc->holds[i].duration_s) {
            st->hold = i;
            break;
        }
    while (lo <= hi) {
        const int mid = (lo + hi) / 2;
        if (t_s < sc->passes[mid].t_start_s)
            hi = mid - 1;
        else if (t_s >= sc->passes[mid].t_end_s)
            lo = mid + 1;
        else {
            st->pass = mid;
            break;
        }
    }
}

void rmat_scene_contact(const struct rmat_scene *sc, const struct rmat_scene_state *st,
                        struct rmat_sim_contact *c)
{
    c->shape = sc->shape;
    c->x_mm = st->x_mm;
    c->y_mm = st->y_mm;
    c->axis_deg = sc->axis_deg;
    c->force_n = st->force_n;
    c->estar_kpa = st->estar_kpa;
    c->radius_mm = sc->radius_mm;
    c->length_mm = sc->length_mm;
}

/* --- resolving the segments -------------------------------------------- */

static int resolve(struct parser *ps, struct rmat_scene *sc, const struct raw_scene *raw)
{
    const double cx = sc->cols * sc->pitch_mm / 2, cy = sc->rows * sc->pitch_mm / 2;
    int have_pos = 0, have_axis = 0;
    double px = 0, py = 0, t = 0;

    if (raw->n == 0)
        return fail(ps, 0, "no segments: a scene needs at least one roll, hold, move or lift");
    sc->rolling_axis_deg = sc->axis_deg + 90.0;
    for (int k = 0; k < raw->n; k++) {
        const struct raw_segment *r = &raw->seg[k];
        struct rmat_scene_segment *g = &sc->seg[k];

        memset(g, 0, sizeof *g);
        g->kind = r->kind;
        g->line = r->line;
        g->t_start_s = t;
        g->duration_s = r->duration_s;
        g->force0_n = r->have_force ? r->force0_n : sc->force_n;
        g->force1_n = r->have_force ? r->force1_n : sc->force_n;
        switch (r->kind) {
        case RMAT_SEG_ROLL: {
            double th, ux, uy, s0, off;
            int dir;
            g->cadence_cpm = r->cadence_cpm;
            g->stroke_mm = r->stroke_mm;
            g->profile = r->profile;
            g->centre_x_mm = r->have_centre_x ? r->centre_x_mm : cx;
            g->centre_y_mm = r->have_centre_y ? r->centre_y_mm : cy;
            g->direction_deg = r->have_direction ? r->direction_deg : sc->axis_deg + 90.0;
            th = deg2rad(g->direction_deg);
            ux = cos(th);
            uy = sin(th);
            if (!have_axis) {
                sc->rolling_axis_deg = g->direction_deg;
                have_axis = 1;
            }
            if (have_pos) {
                s0 = (px - g->centre_x_mm) * ux + (py - g->centre_y_mm) * uy;
                off = fabs(-(px - g->centre_x_mm) * uy + (py - g->centre_y_mm) * ux);
                if (off > POS_TOL_MM || fabs(s0) > g->stroke_mm / 2 + POS_TOL_MM)
                    return fail(ps, r->line,
                                "roll: the roller is at (%.1f, %.1f) mm, %s this stroke; put a "
                                "lift or a move before it, or change its centre",
                                px, py,
                                off > POS_TOL_MM ? "off the line of" : "beyond the ends of");
                dir = r->first ? r->first : (s0 <= 0 ? 1 : -1);
                g->phase0_rad = roll_phase(g, s0, dir);
            } else {
                g->phase0_rad = r->first < 0 ? M_PI : 0.0;
            }
            if (r->passes > 0) {
                /* Up to the passes-th turning point after the start. */
                const double end = (floor(g->phase0_rad / M_PI + TURN_EPS) + r->passes) * M_PI;
                g->duration_s = (end - g->phase0_rad) / omega(g);
            }
            break;
        }
        case RMAT_SEG_HOLD:
            if (r->have_x) {
                if (have_pos && hypot(r->x_mm - px, r->y_mm - py) > POS_TOL_MM)
                    return fail(ps, r->line,
                                "hold: the roller is at (%.1f, %.1f) mm, not at (%.1f, %.1f); "
                                "put a move or a lift before the hold",
                                px, py, r->x_mm, r->y_mm);
                px = r->x_mm;
                py = r->y_mm;
            } else if (!have_pos) {
                return fail(ps, r->line,
                            "hold: the roller is not on the mat (start or after a lift): give "
                            "x_mm and y_mm");
            }
            g->x0_mm = g->x1_mm = px;
            g->y0_mm = g->y1_mm = py;
            break;
        case RMAT_SEG_MOVE:
            if (!have_pos)
                return fail(ps, r->line,
                            "move: the roller is not on the mat (start or after a lift); a hold "
                            "or roll puts it down");
            g->x0_mm = px;
            g->y0_mm = py;
            g->x1_mm = r->x_mm;
            g->y1_mm = r->y_mm;
            if (!have_axis && hypot(g->x1_mm - px, g->y1_mm - py) > 0) {
                sc->rolling_axis_deg = atan2(g->y1_mm - py, g->x1_mm - px) * 180.0 / M_PI;
                have_axis = 1;
            }
            break;
        case RMAT_SEG_LIFT:
            g->force0_n = g->force1_n = 0;
            break;
        }
        if (r->kind == RMAT_SEG_LIFT) {
            have_pos = 0;
        } else {
            seg_position(g, g->duration_s, &px, &py);
            have_pos = 1;
        }
        t += g->duration_s;
    }
    sc->n_segments = raw->n;
    sc->duration_s = t;
    return RMAT_OK;
}

/* --- the ground truth of the motion: passes and holds ------------------- */

struct stroke_list {
    struct rmat_scene_pass *v;
    int n, cap;
    /* the last stroke's travel, to join strokes that continue one another */
    double last_dx, last_dy, last_x1, last_y1;
    int chain; /* 1 while the last stroke ended where the next may go on */
};

static int add_stroke(struct stroke_list *l, const struct rmat_scene *sc, double t0, double t1,
                      double x0, double y0, double x1, double y1)
{
    const double dx = x1 - x0, dy = y1 - y0, len = hypot(dx, dy);
    const double ax = deg2rad(sc->rolling_axis_deg);
    struct rmat_scene_pass *p;

    if (len < 1e-6 || t1 <= t0)
        return RMAT_OK; /* a stroke of no length: a segment began at a turning point */
    if (l->chain && l->n > 0 && hypot(x0 - l->last_x1, y0 - l->last_y1) < 1e-6 &&
        (dx * l->last_dx + dy * l->last_dy) / (len * hypot(l->last_dx, l->last_dy)) > 0.999) {
        /* The same stroke, going on in the next segment. */
        p = &l->v[l->n - 1];
        p->t_end_s = t1;
        l->last_dx += dx;
        l->last_dy += dy;
        p->amplitude_mm = hypot(l->last_dx, l->last_dy);
        l->last_x1 = x1;
        l->last_y1 = y1;
        return RMAT_OK;
    }
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 64;
        struct rmat_scene_pass *v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v)
            return RMAT_E_NOMEM;
        l->v = v;
        l->cap = cap;
    }
    p = &l->v[l->n];
    p->index = l->n;
    p->t_start_s = t0;
    p->t_end_s = t1;
    p->direction = dx * cos(ax) + dy * sin(ax) >= 0 ? 1 : -1;
    p->amplitude_mm = len;
    l->n++;
    l->last_dx = dx;
    l->last_dy = dy;
    l->last_x1 = x1;
    l->last_y1 = y1;
    l->chain = 1;
    return RMAT_OK;
}

static int make_truth(struct rmat_scene *sc)
{
    struct stroke_list l = {0};
    int n_holds = 0, rc;

    for (int k = 0; k < sc->n_segments; k++) {
        const struct rmat_scene_segment *g = &sc->seg[k];
        double x0, y0, x1, y1;

        if (g->kind == RMAT_SEG_HOLD) {
            n_holds++;
            l.chain = 0;
            continue;
        }
        if (g->kind == RMAT_SEG_LIFT) {
            l.chain = 0;
            continue;
        }
        if (g->kind == RMAT_SEG_MOVE) {
            rc = add_stroke(&l, sc, g->t_start_s, g->t_start_s + g->duration_s, g->x0_mm, g->y0_mm,
                            g->x1_mm, g->y1_mm);
            if (rc)
                goto fail;
            continue;
        }
        /* A roll: strokes between the turning points, at phases k pi. */
        {
            const double w = omega(g), t_end = g->t_start_s + g->duration_s;
            double t0 = g->t_start_s, tau;
            double kpi = (floor(g->phase0_rad / M_PI + TURN_EPS) + 1) * M_PI;
            seg_position(g, 0, &x0, &y0);
            for (;;) {
                tau = (kpi - g->phase0_rad) / w;
                if (g->t_start_s + tau >= t_end - 1e-9)
                    break;
                seg_position(g, tau, &x1, &y1);
                rc = add_stroke(&l, sc, t0, g->t_start_s + tau, x0, y0, x1, y1);
                if (rc)
                    goto fail;
                /* A turning point: the next stroke goes back. */
                l.chain = 0;
                t0 = g->t_start_s + tau;
                x0 = x1;
                y0 = y1;
                kpi += M_PI;
            }
            seg_position(g, g->duration_s, &x1, &y1);
            rc = add_stroke(&l, sc, t0, t_end, x0, y0, x1, y1);
            if (rc)
                goto fail;
        }
    }
    sc->passes = l.v;
    sc->n_passes = l.n;
    sc->holds = n_holds ? calloc((size_t)n_holds, sizeof *sc->holds) : NULL;
    if (n_holds && !sc->holds)
        return RMAT_E_NOMEM;
    for (int k = 0; k < sc->n_segments; k++) {
        const struct rmat_scene_segment *g = &sc->seg[k];
        struct rmat_scene_hold *h;
        if (g->kind != RMAT_SEG_HOLD)
            continue;
        h = &sc->holds[sc->n_holds];
        h->index = sc->n_holds++;
        h->t_start_s = g->t_start_s;
        h->duration_s = g->duration_s;
        h->x_mm = g->x0_mm;
        h->y_mm = g->y0_mm;
    }
    return RMAT_OK;
fail:
    free(l.v);
    return rc;
}

/* The contact must stay on the grid: the analysis sees only the grid, and
 * the truth's force is the roller's. */
static int check_on_grid(struct parser *ps, const struct rmat_scene *sc)
{
    const double w = sc->cols * sc->pitch_mm, h = sc->rows * sc->pitch_mm;

    if (sc->shape == RMAT_SIM_CYLINDER) {
        const double th = deg2rad(sc->axis_deg);
        const double ex = fabs(cos(th)) * sc->length_mm / 2, ey = fabs(sin(th)) * sc->length_mm / 2;
        if (2 * ex > w + 1e-9 || 2 * ey > h + 1e-9)
            return fail(ps, 0,
                        "a %.0f mm roller at %.0f degrees does not fit the %.0f x %.0f mm mat",
                        sc->length_mm, sc->axis_deg, w, h);
    }
    for (int k = 0; k < sc->n_segments; k++) {
        const struct rmat_scene_segment *g = &sc->seg[k];
        const int n = g->kind == RMAT_SEG_LIFT ? 0 : (int)ceil(g->duration_s / CHECK_STEP_S);
        for (int i = 0; i <= n && n > 0; i++) {
            const double t = g->t_start_s + g->duration_s * i / n;
            struct rmat_scene_state st;
            struct rmat_sim_contact c;
            double ex, ey;
            seg_state(sc, k, t - g->t_start_s, t, &st);
            rmat_scene_contact(sc, &st, &c);
            rmat_sim_contact_extent(&c, &ex, &ey);
            if (c.x_mm - ex < -1e-9 || c.x_mm + ex > w + 1e-9 || c.y_mm - ey < -1e-9 ||
                c.y_mm + ey > h + 1e-9)
                return fail(ps, g->line,
                            "the contact leaves the %.1f x %.1f mm mat at t = %.2f s (x %.1f .. "
                            "%.1f mm, y %.1f .. %.1f mm)",
                            w, h, t, c.x_mm - ex, c.x_mm + ex, c.y_mm - ey, c.y_mm + ey);
        }
    }
    return RMAT_OK;
}

static void scene_defaults(struct rmat_scene *sc)
{
    sc->rows = 32;
    sc->cols = 32;
    sc->pitch_mm = 12.7;
    sc->rate_hz = 100;
    sc->shape = RMAT_SIM_CYLINDER;
    sc->radius_mm = 75;
    sc->length_mm = 150;
    sc->axis_deg = 0;
    rmat_sim_sensor_model_default(&sc->sensor, 12);
    sc->seed = 1;
    sc->estar_kpa = 400;
    sc->soften_pct = 0;
    sc->soften = RMAT_SOFTEN_LINEAR;
    sc->hold_relax_pct = 0;
    sc->hold_relax_tau_s = 15;
    sc->force_n = 250;
}

int rmat_scene_parse(const char *text, const char *name, struct rmat_scene **out, char *err,
                     size_t err_cap)
{
    struct parser ps = {.name = name ? name : "<scene>", .err = err, .err_cap = err_cap};
    struct rmat_scene *sc = NULL;
    struct raw_scene *raw = NULL;
    char *buf = NULL;
    const char *p = text;
    int line = 0, rc = RMAT_OK;

    *out = NULL;
    if (err && err_cap)
        err[0] = '\0';
    sc = calloc(1, sizeof *sc);
    raw = calloc(1, sizeof *raw);
    buf = malloc(MAX_LINE);
    if (!sc || !raw || !buf) {
        rc = RMAT_E_NOMEM;
        goto out;
    }
    snprintf(sc->name, sizeof sc->name, "%s", ps.name);
    scene_defaults(sc);

    while (*p) {
        /* One logical line: physical lines joined where one ends in '\'. */
        size_t n = 0;
        int first_line = line + 1;
        struct directive d;
        char *hash;
        for (;;) {
            const char *eol = strchr(p, '\n');
            size_t len = eol ? (size_t)(eol - p) : strlen(p);
            line++;
            if (n + len + 2 > MAX_LINE) {
                rc = fail(&ps, line, "line longer than %d characters", MAX_LINE - 2);
                goto out;
            }
            memcpy(buf + n, p, len);
            n += len;
            buf[n] = '\0';
            p = eol ? eol + 1 : p + len;
            hash = strchr(buf, '#');
            if (hash)
                *hash = '\0', n = (size_t)(hash - buf);
            while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\t' || buf[n - 1] == '\r'))
                buf[--n] = '\0';
            if (n > 0 && buf[n - 1] == '\\' && eol) {
                buf[--n] = ' ';
                n++;
                continue;
            }
            break;
        }
        d.line = first_line;
        rc = split(&ps, buf, &d);
        if (rc)
            goto out;
        if (!d.keyword)
            continue; /* blank or a comment */
        rc = parse_directive(&ps, &d, sc, raw);
        if (rc)
            goto out;
    }
    if (!raw->have_c_max)
        sc->sensor.c_max_counts = (double)((1u << sc->sensor.adc_bits) - 1u);
    if (sc->shape == RMAT_SIM_BALL)
        sc->length_mm = 0;
    if ((rc = resolve(&ps, sc, raw)) != RMAT_OK)
        goto out;
    if ((rc = make_truth(sc)) != RMAT_OK)
        goto out;
    if ((rc = check_on_grid(&ps, sc)) != RMAT_OK)
        goto out;
    *out = sc;
    sc = NULL;
out:
    if (rc == RMAT_E_NOMEM && err && err_cap)
        snprintf(err, err_cap, "%s: out of memory", ps.name);
    rmat_scene_free(sc);
    free(raw);
    free(buf);
    return rc;
}

int rmat_scene_load(const char *path, struct rmat_scene **out, char *err, size_t err_cap)
{
    FILE *f;
    char *text = NULL;
    size_t n = 0, cap = 0;
    int rc;

    *out = NULL;
    f = fopen(path, "rb");
    if (!f) {
        const int e = errno;
        if (err && err_cap)
            snprintf(err, err_cap, "%s: cannot read the scene: %s", path, strerror(e));
        return e == ENOENT ? RMAT_E_NOTFOUND : RMAT_E_IO;
    }
    for (;;) {
        size_t got;
        if (cap - n < 4096) {
            char *t;
            if (cap > (1u << 24)) {
                fclose(f);
                free(text);
                if (err && err_cap)
                    snprintf(err, err_cap, "%s: larger than 16 MiB: not a scene", path);
                return RMAT_E_FORMAT;
            }
            t = realloc(text, cap * 2 + 4096);
            if (!t) {
                fclose(f);
                free(text);
                return RMAT_E_NOMEM;
            }
            text = t;
            cap = cap * 2 + 4096;
        }
        got = fread(text + n, 1, cap - n - 1, f);
        if (got == 0)
            break;
        n += got;
    }
    if (ferror(f)) {
        fclose(f);
        free(text);
        if (err && err_cap)
            snprintf(err, err_cap, "%s: read error", path);
        return RMAT_E_IO;
    }
    fclose(f);
    text[n] = '\0';
    if (strlen(text) != n) {
        free(text);
        if (err && err_cap)
            snprintf(err, err_cap, "%s: holds a NUL byte: not a scene", path);
        return RMAT_E_FORMAT;
    }
    rc = rmat_scene_parse(text, path, out, err, err_cap);
    free(text);
    return rc;
}

int rmat_scene_default_text(char *buf, size_t cap, int rows, int cols, double pitch_mm,
                            double rate_hz, double force_n, double period_s, double duration_s)
{
    /* The roller of the defaults, cut to the mat's width, rolling across its
     * middle; the stroke is 240 mm or 60% of the mat, whichever is less. */
    double length = 150.0, stroke = 240.0;
    if (cols > 0 && length > cols * pitch_mm)
        length = cols * pitch_mm;
    if (rows > 0 && stroke > 0.6 * rows * pitch_mm)
        stroke = 0.6 * rows * pitch_mm;
    if (!(stroke > 0))
        stroke = 1;
    if (!(length > 0))
        length = 1;
    return snprintf(buf, cap,
                    "# The built-in scene: a foam roller rolling back and forth over the\n"
                    "# middle of the mat, constant force and tissue, the full sensor model.\n"
                    "mat rows=%d cols=%d pitch_mm=%.17g rate_hz=%.17g adc_bits=12\n"
                    "roller cylinder radius_mm=75 length_mm=%.17g axis_deg=0\n"
                    "tissue estar_kpa=400\n"
                    "force force_n=%.17g\n"
                    "seed 1\n"
                    "roll duration_s=%.17g cadence_cpm=%.17g stroke_mm=%.17g\n",
                    rows, cols, pitch_mm, rate_hz, length, force_n, duration_s,
                    period_s > 0 ? 60.0 / period_s : 0.0, stroke);
}

void rmat_scene_free(struct rmat_scene *sc)
{
    if (!sc)
        return;
    free(sc->passes);
    free(sc->holds);
    free(sc);
}
