/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Calibration: the text format, the curves, the lookup table, fitting and
 * equilibration gains (calib.h; docs/calibration.md).
 *
 * The parser reads line by line and keeps the line number for every
 * message: a calibration file is written by hand or by `rollmat calibrate`
 * and edited by hand, and "line 12: ..." is what lets a user fix it.
 * Numbers are read with strtod in the C locale's format; NaN and the
 * infinities are refused wherever they appear, since a NaN gain or slope
 * would silently turn every pressure into NaN.
 */
#include "rollmat/calib.h"

#include "rollmat/files.h"

#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_FILE_BYTES (16u << 20)
#define MAX_GAIN_DIM   255 /* the wire's largest grid side */
#define PATH_BUF       4096

static const char *const curve_names[] = {"none", "linear", "power", "divider", "table"};

const char *rmat_curve_name(enum rmat_curve c)
{
    if ((int)c < 0 || (size_t)c >= sizeof curve_names / sizeof curve_names[0])
        return "none";
    return curve_names[c];
}

enum rmat_curve rmat_curve_parse(const char *name)
{
    for (size_t i = 1; name && i < sizeof curve_names / sizeof curve_names[0]; i++)
        if (strcmp(name, curve_names[i]) == 0)
            return (enum rmat_curve)i;
    return RMAT_CURVE_NONE;
}

struct rmat_calib *rmat_calib_new(void)
{
    struct rmat_calib *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->curve = RMAT_CURVE_NONE;
    c->kpa_per_count = c->zero_counts = NAN;
    c->a_kpa = c->b = c->c_max_counts = NAN;
    c->crosstalk_row_pct = c->crosstalk_col_pct = NAN;
    c->creep_pct = c->creep_tau_s = c->creep_recover_tau_s = c->creep_load_kpa = NAN;
    return c;
}

int rmat_calib_has_crosstalk(const struct rmat_calib *c)
{
    return c && !isnan(c->crosstalk_row_pct) && !isnan(c->crosstalk_col_pct);
}

int rmat_calib_has_creep(const struct rmat_calib *c)
{
    return c && !isnan(c->creep_pct) && !isnan(c->creep_tau_s);
}

void rmat_calib_free(struct rmat_calib *c)
{
    if (!c)
        return;
    free(c->gains);
    free(c);
}

int rmat_calib_set_gains(struct rmat_calib *c, int rows, int cols, const float *gains)
{
    float *g;
    size_t n;

    if (!c || !gains || rows < 1 || cols < 1 || rows > MAX_GAIN_DIM || cols > MAX_GAIN_DIM)
        return RMAT_E_ARG;
    n = (size_t)rows * (size_t)cols;
    g = malloc(n * sizeof *g);
    if (!g)
        return RMAT_E_NOMEM;
    memcpy(g, gains, n * sizeof *g);
    free(c->gains);
    c->gains = g;
    c->gain_rows = rows;
    c->gain_cols = cols;
    return RMAT_OK;
}

/* --- the curves ---------------------------------------------------------- */

static double full_scale(const struct rmat_calib *c, double adc_full_scale)
{
    return isnan(c->c_max_counts) ? adc_full_scale : c->c_max_counts;
}

double rmat_calib_curve_kpa(const struct rmat_calib *c, double counts, double full_scale_counts)
{
    double p = NAN;

    if (!c || isnan(counts))
        return NAN;
    if (counts < 0)
        counts = 0;
    switch (c->curve) {
    case RMAT_CURVE_LINEAR:
        p = c->kpa_per_count * (counts - (isnan(c->zero_counts) ? 0.0 : c->zero_counts));
        break;
    case RMAT_CURVE_POWER:
        p = c->a_kpa * pow(counts / full_scale(c, full_scale_counts), c->b);
        break;
    case RMAT_CURVE_DIVIDER: {
        const double cm = full_scale(c, full_scale_counts);
        /* At full scale the divider's resistance ratio is infinite; the
         * largest count that still rounds below it stands in. */
        if (counts > cm - 0.5)
            counts = cm - 0.5;
        p = c->a_kpa * pow(counts / (cm - counts), c->b);
        break;
    }
    case RMAT_CURVE_TABLE: {
        const size_t n = c->n_points;
        double c0 = 0.0, p0 = 0.0;
        size_t k = 0;
        if (n == 0)
            return NAN;
        if (counts >= c->point_counts[n - 1])
            return c->point_kpa[n - 1];
        while (k < n && c->point_counts[k] <= counts)
            k++;
        /* point_counts[k] > counts; interpolate from the point before it,
         * or from (0, 0) before the first point. */
        if (k > 0) {
            c0 = c->point_counts[k - 1];
            p0 = c->point_kpa[k - 1];
        } else if (c->point_counts[0] <= 0.0) {
            return c->point_kpa[0];
        }
        p = p0 + (c->point_kpa[k] - p0) * (counts - c0) / (c->point_counts[k] - c0);
        break;
    }
    case RMAT_CURVE_NONE:
    default:
        return NAN;
    }
    return p > 0 ? p : 0.0;
}

int rmat_calib_lut(const struct rmat_calib *c, int adc_bits, double *lut)
{
    const int bits = adc_bits >= 1 && adc_bits <= 16 ? adc_bits : 16;
    const int n = 1 << bits;
    const double fs = (double)(n - 1);

    if (!lut || (c && c->curve == RMAT_CURVE_NONE))
        return RMAT_E_ARG;
    for (int k = 0; k < n; k++)
        lut[k] = c ? rmat_calib_curve_kpa(c, (double)k, fs) : (double)k;
    return n;
}

/* --- parsing ------------------------------------------------------------- */

struct parser {
    const char *origin;
    const char *base_dir; /* for gains_file; "" = current directory */
    int line;
    struct rmat_errinfo *ei;
    /* The chain of gains_file includes that led here, so a file naming
     * itself (or any cycle) is an error rather than a recursion until the
     * stack overflows: each file's device and inode, compared rather than
     * its name, since names differ by path ("a.cal", "./a.cal"). */
    const struct parser *up; /* NULL at the top */
    int depth;               /* 0 at the top */
    int have_id;             /* dev and ino are set (origin is a file) */
    dev_t dev;
    ino_t ino;
};

static int perr(const struct parser *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int perr(const struct parser *ps, const char *fmt, ...)
{
    char what[RMAT_ERRINFO_MSG];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return rmat_errinfo_set(ps->ei, RMAT_E_FORMAT, 0, "%s: line %d: %s", ps->origin, ps->line,
                            what);
}

/* Splits s into whitespace-separated words in place; at most max. Returns
 * the count, or max + 1 if there were more. */
static int split_words(char *s, char **w, int max)
{
    int n = 0;
    for (char *p = s;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r')
            p++;
        if (*p == '\0')
            return n;
        if (n == max)
            return max + 1;
        w[n++] = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\r')
            p++;
        if (*p)
            *p++ = '\0';
    }
}

/* A finite number filling the whole word. */
static int parse_num(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return end != s && *end == '\0' && errno != ERANGE && isfinite(*v) ? 0 : -1;
}

static int need_num(const struct parser *ps, const char *key, const char *s, double *v)
{
    if (parse_num(s, v) != 0)
        return perr(ps, "%s wants a finite number, got '%s'", key, s);
    return RMAT_OK;
}

static int set_param(const struct parser *ps, const char *key, char **w, int nw, double *dst,
                     int positive)
{
    int rc;

    if (nw != 2)
        return perr(ps, "%s wants one value%s", key, nw < 2 ? "" : " (extra words after it)");
    if (!isnan(*dst))
        return perr(ps, "%s given twice", key);
    rc = need_num(ps, key, w[1], dst);
    if (rc != RMAT_OK)
        return rc;
    if (positive && !(*dst > 0)) {
        *dst = NAN;
        return perr(ps, "%s must be positive, got %s", key, w[1]);
    }
    return RMAT_OK;
}

/* A correction key: one finite number in [lo, hi] (lo excluded when
 * lo_open), each key once. */
static int set_range(const struct parser *ps, const char *key, char **w, int nw, double *dst,
                     double lo, int lo_open, double hi, const char *unit)
{
    int rc = set_param(ps, key, w, nw, dst, 0);

    if (rc != RMAT_OK)
        return rc;
    if ((lo_open ? !(*dst > lo) : !(*dst >= lo)) || !(*dst <= hi)) {
        *dst = NAN;
        return perr(ps, "%s %s is out of range: it wants %s %g to %g%s", key, w[1],
                    lo_open ? "more than" : "from", lo, hi, unit);
    }
    return RMAT_OK;
}

/* Cuts the next line off *text into buf (NUL-terminated, comment
 * removed). Returns 0 at the end of the text, -1 for a line too long. */
static int next_line(const char **text, char *buf, size_t cap)
{
    const char *s = *text, *nl;
    size_t len;

    if (*s == '\0')
        return 0;
    nl = strchr(s, '\n');
    len = nl ? (size_t)(nl - s) : strlen(s);
    *text = nl ? nl + 1 : s + len;
    if (len >= cap)
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    buf[strcspn(buf, "#")] = '\0';
    return 1;
}

static int load_text(const char *path, char **out, struct rmat_errinfo *ei);

static int parse_into(struct rmat_calib *c, const char *text, struct parser *ps);

/* gains_file NAME: the gains of another calibration file, relative to the
 * directory of the one being parsed. */
static int include_gains(struct rmat_calib *c, const struct parser *ps, const char *name)
{
    char path[PATH_BUF];
    char *text = NULL;
    struct rmat_calib *g = NULL;
    struct parser sub;
    struct stat st;
    int n, rc;

    if (name[0] == '/' || ps->base_dir[0] == '\0')
        n = snprintf(path, sizeof path, "%s", name);
    else
        n = snprintf(path, sizeof path, "%s/%s", ps->base_dir, name);
    if (n < 0 || (size_t)n >= sizeof path)
        return perr(ps, "gains_file path too long: %s", name);
    if (ps->depth + 1 > RMAT_CALIB_MAX_GAINS_DEPTH)
        return perr(ps, "gains_file %s: files nest too deep (more than %d gains_file levels)", name,
                    RMAT_CALIB_MAX_GAINS_DEPTH);
    if (stat(path, &st) == 0) {
        for (const struct parser *p = ps; p; p = p->up)
            if (p->have_id && p->dev == st.st_dev && p->ino == st.st_ino)
                return perr(ps, "gains_file %s: a cycle (it leads back to %s)", name, p->origin);
    }
    rc = load_text(path, &text, ps->ei);
    if (rc != RMAT_OK) {
        char msg[RMAT_ERRINFO_MSG];
        snprintf(msg, sizeof msg, "%s", ps->ei ? ps->ei->msg : "");
        return rmat_errinfo_set(ps->ei, rc, ps->ei ? ps->ei->sys_errno : 0,
                                "%s: line %d: gains_file: %s", ps->origin, ps->line, msg);
    }
    g = rmat_calib_new();
    if (!g) {
        free(text);
        return rmat_errinfo_set(ps->ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", ps->origin);
    }
    sub = *ps;
    sub.origin = path;
    sub.line = 0;
    sub.up = ps;
    sub.depth = ps->depth + 1;
    sub.have_id = 0;
    if (stat(path, &st) == 0) {
        sub.have_id = 1;
        sub.dev = st.st_dev;
        sub.ino = st.st_ino;
    }
    rc = parse_into(g, text, &sub);
    free(text);
    if (rc == RMAT_OK && !g->gains)
        rc = perr(ps, "gains_file %s holds no gains", path);
    if (rc == RMAT_OK) {
        free(c->gains);
        c->gains = g->gains;
        c->gain_rows = g->gain_rows;
        c->gain_cols = g->gain_cols;
        g->gains = NULL;
    }
    rmat_calib_free(g);
    return rc;
}

/* gains ROWS COLS followed by ROWS lines of COLS numbers. */
static int read_gains(struct rmat_calib *c, struct parser *ps, const char **text, char **w, int nw,
                      char *line, size_t cap)
{
    double rows_d, cols_d;
    int rows, cols;
    float *g;

    if (nw != 3 || parse_num(w[1], &rows_d) != 0 || parse_num(w[2], &cols_d) != 0 ||
        rows_d != floor(rows_d) || cols_d != floor(cols_d) || rows_d < 1 || cols_d < 1 ||
        rows_d > MAX_GAIN_DIM || cols_d > MAX_GAIN_DIM)
        return perr(ps, "gains wants ROWS COLS (whole numbers 1..255), then ROWS lines of COLS "
                        "gains");
    if (c->gains)
        return perr(ps, "gains given twice");
    rows = (int)rows_d;
    cols = (int)cols_d;
    g = malloc((size_t)rows * (size_t)cols * sizeof *g);
    if (!g)
        return rmat_errinfo_set(ps->ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", ps->origin);
    for (int i = 0; i < rows;) {
        char *words[MAX_GAIN_DIM + 1];
        int got = next_line(text, line, cap), n;
        ps->line++;
        if (got == 0) {
            free(g);
            return perr(ps, "the text ends inside the gains: %d rows expected", rows);
        }
        if (got < 0) {
            free(g);
            return perr(ps, "line too long");
        }
        n = split_words(line, words, MAX_GAIN_DIM);
        if (n == 0)
            continue; /* blank or comment */
        if (n != cols) {
            char want[32], have[32];
            free(g);
            snprintf(want, sizeof want, "%d", cols);
            snprintf(have, sizeof have, "%d", n > MAX_GAIN_DIM ? MAX_GAIN_DIM + 1 : n);
            return perr(ps, "a gains row wants %s numbers, got %s", want, have);
        }
        for (int j = 0; j < cols; j++) {
            double v;
            if (parse_num(words[j], &v) != 0 || v < 0 || v > 1e6) {
                free(g);
                return perr(ps, "gain '%s' is not a number from 0 to 1e6", words[j]);
            }
            g[(size_t)i * (size_t)cols + (size_t)j] = (float)v;
        }
        i++;
    }
    c->gains = g;
    c->gain_rows = rows;
    c->gain_cols = cols;
    return RMAT_OK;
}

static int add_point(struct rmat_calib *c, const struct parser *ps, char **w, int nw)
{
    double counts, kpa;
    char prev[80];

    if (nw != 3)
        return perr(ps, "point wants COUNTS KPA");
    if (parse_num(w[1], &counts) != 0 || parse_num(w[2], &kpa) != 0)
        return perr(ps, "point %s %s: not two finite numbers", w[1], w[2]);
    if (counts < 0 || kpa < 0)
        return perr(ps, "point %s %s: counts and kPa cannot be negative", w[1], w[2]);
    if (c->n_points == RMAT_CALIB_MAX_POINTS)
        return perr(ps, "more than 256 points");
    if (c->n_points > 0) {
        const double pc = c->point_counts[c->n_points - 1], pk = c->point_kpa[c->n_points - 1];
        snprintf(prev, sizeof prev, "%.17g %.17g", pc, pk);
        if (!(counts > pc))
            return perr(ps,
                        "the table is not monotone: counts must rise from point to point "
                        "(this point's %s after the previous point %s)",
                        w[1], prev);
        if (kpa < pk)
            return perr(ps,
                        "the table is not monotone: kPa falls (this point's %s after the "
                        "previous point %s)",
                        w[2], prev);
    }
    c->point_counts[c->n_points] = counts;
    c->point_kpa[c->n_points] = kpa;
    c->n_points++;
    return RMAT_OK;
}

static int parse_into(struct rmat_calib *c, const char *text, struct parser *ps)
{
    char line[8192];
    char *w[8];
    int seen_header = 0, rc = RMAT_OK, got;

    while ((got = next_line(&text, line, sizeof line)) != 0) {
        ps->line++;
        if (got < 0)
            return perr(ps, "line too long (more than 8191 bytes)");
        /* name keeps its spaces: take it before splitting. */
        {
            char *p = line;
            while (*p == ' ' || *p == '\t')
                p++;
            if (strncmp(p, "name", 4) == 0 && (p[4] == ' ' || p[4] == '\t')) {
                char *v = p + 5, *e;
                while (*v == ' ' || *v == '\t')
                    v++;
                e = v + strlen(v);
                while (e > v && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
                    e--;
                *e = '\0';
                if (!seen_header)
                    return perr(ps, "the first line must be '" RMAT_CALIB_FORMAT " 1'");
                if (strlen(v) >= sizeof c->name)
                    return perr(ps, "name longer than 63 bytes");
                memcpy(c->name, v, strlen(v) + 1);
                continue;
            }
        }
        const int nw = split_words(line, w, 7);
        if (nw == 0)
            continue;
        if (!seen_header) {
            double v;
            if (strcmp(w[0], RMAT_CALIB_FORMAT) != 0)
                return perr(ps,
                            "not a rollmat calibration: the first line must be '" RMAT_CALIB_FORMAT
                            " 1', not '%s'",
                            w[0]);
            if (nw != 2 || parse_num(w[1], &v) != 0 || v != floor(v) || v < 1)
                return perr(ps, "'" RMAT_CALIB_FORMAT "' wants a version number");
            if (v > RMAT_CALIB_VERSION)
                return rmat_errinfo_set(ps->ei, RMAT_E_NEWER, 0,
                                        "%s: line %d: a calibration of format version %.0f; "
                                        "this build reads %d: upgrade rollmat",
                                        ps->origin, ps->line, v, RMAT_CALIB_VERSION);
            seen_header = 1;
            continue;
        }
        if (strcmp(w[0], "curve") == 0) {
            if (nw != 2)
                return perr(ps, "curve wants one of linear, power, divider, table");
            if (c->curve != RMAT_CURVE_NONE)
                return perr(ps, "curve given twice");
            c->curve = rmat_curve_parse(w[1]);
            if (c->curve == RMAT_CURVE_NONE)
                return perr(ps, "unknown curve '%s': linear, power, divider or table", w[1]);
        } else if (strcmp(w[0], "a_kpa") == 0) {
            rc = set_param(ps, w[0], w, nw, &c->a_kpa, 1);
        } else if (strcmp(w[0], "b") == 0) {
            rc = set_param(ps, w[0], w, nw, &c->b, 1);
        } else if (strcmp(w[0], "c_max_counts") == 0) {
            rc = set_param(ps, w[0], w, nw, &c->c_max_counts, 1);
        } else if (strcmp(w[0], "kpa_per_count") == 0) {
            rc = set_param(ps, w[0], w, nw, &c->kpa_per_count, 1);
        } else if (strcmp(w[0], "zero_counts") == 0) {
            rc = set_param(ps, w[0], w, nw, &c->zero_counts, 0);
        } else if (strcmp(w[0], "crosstalk_row_pct") == 0) {
            rc = set_range(ps, w[0], w, nw, &c->crosstalk_row_pct, 0, 0,
                           RMAT_CALIB_CROSSTALK_MAX_PCT, " %");
        } else if (strcmp(w[0], "crosstalk_col_pct") == 0) {
            rc = set_range(ps, w[0], w, nw, &c->crosstalk_col_pct, 0, 0,
                           RMAT_CALIB_CROSSTALK_MAX_PCT, " %");
        } else if (strcmp(w[0], "creep_pct") == 0) {
            rc = set_range(ps, w[0], w, nw, &c->creep_pct, 0, 0, RMAT_CALIB_CREEP_MAX_PCT, " %");
        } else if (strcmp(w[0], "creep_tau_s") == 0) {
            rc =
                set_range(ps, w[0], w, nw, &c->creep_tau_s, 0, 1, RMAT_CALIB_CREEP_MAX_TAU_S, " s");
        } else if (strcmp(w[0], "creep_recover_tau_s") == 0) {
            rc = set_range(ps, w[0], w, nw, &c->creep_recover_tau_s, 0, 1,
                           RMAT_CALIB_CREEP_MAX_TAU_S, " s");
        } else if (strcmp(w[0], "creep_load_kpa") == 0) {
            rc = set_range(ps, w[0], w, nw, &c->creep_load_kpa, 0, 1, 1e4, " kPa");
        } else if (strcmp(w[0], "point") == 0) {
            rc = add_point(c, ps, w, nw);
        } else if (strcmp(w[0], "gains") == 0) {
            rc = read_gains(c, ps, &text, w, nw, line, sizeof line);
        } else if (strcmp(w[0], "gains_file") == 0) {
            if (nw != 2)
                return perr(ps, "gains_file wants one file name (no spaces)");
            if (c->gains)
                return perr(ps, "gains given twice");
            rc = include_gains(c, ps, w[1]);
        } else {
            return perr(ps,
                        "unknown keyword '%s' (known: name, curve, a_kpa, b, c_max_counts, "
                        "kpa_per_count, zero_counts, point, gains, gains_file, "
                        "crosstalk_row_pct, crosstalk_col_pct, creep_pct, creep_tau_s, "
                        "creep_recover_tau_s, creep_load_kpa)",
                        w[0]);
        }
        if (rc != RMAT_OK)
            return rc;
    }
    if (!seen_header)
        return rmat_errinfo_set(ps->ei, RMAT_E_FORMAT, 0,
                                "%s: empty: not a rollmat calibration (the first line must be "
                                "'" RMAT_CALIB_FORMAT " 1')",
                                ps->origin);
    return RMAT_OK;
}

/* What each curve needs, and nothing it cannot use. */
static int check_curve(const struct rmat_calib *c, const char *what, struct rmat_errinfo *ei)
{
    switch (c->curve) {
    case RMAT_CURVE_NONE:
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                "%s: no curve: a calibration needs a 'curve' line (linear, "
                                "power, divider or table)",
                                what);
    case RMAT_CURVE_LINEAR:
        if (isnan(c->kpa_per_count))
            return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                    "%s: the linear curve needs kpa_per_count", what);
        break;
    case RMAT_CURVE_POWER:
    case RMAT_CURVE_DIVIDER:
        if (isnan(c->a_kpa) || isnan(c->b))
            return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0, "%s: the %s curve needs a_kpa and b",
                                    what, rmat_curve_name(c->curve));
        break;
    case RMAT_CURVE_TABLE:
        if (c->n_points == 0)
            return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                    "%s: the table curve needs at least one 'point COUNTS KPA'",
                                    what);
        break;
    }
    if (c->curve != RMAT_CURVE_TABLE && c->n_points > 0)
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                "%s: 'point' lines belong to a table curve, not %s", what,
                                rmat_curve_name(c->curve));
    /* Here rather than only in rmat_calib_check: a file with it parsed,
     * and then every recording refused it (found by fuzz_calib). */
    if ((c->curve == RMAT_CURVE_POWER || c->curve == RMAT_CURVE_DIVIDER) &&
        !isnan(c->c_max_counts) && !(c->c_max_counts > 1.0))
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0, "%s: c_max_counts %g must exceed 1", what,
                                c->c_max_counts);
    return RMAT_OK;
}

/* The correction keys come in pairs: half a crosstalk, or a creep without
 * its time constant, is a file someone forgot to finish, not a correction
 * to guess at. The creep's optional keys get their defaults here, so what
 * is saved again says what was applied. */
static int check_corrections(struct rmat_calib *c, const char *what, struct rmat_errinfo *ei)
{
    if (isnan(c->crosstalk_row_pct) != isnan(c->crosstalk_col_pct))
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                "%s: crosstalk_row_pct and crosstalk_col_pct come together: "
                                "give both (0 for a direction without crosstalk)",
                                what);
    if (isnan(c->creep_pct) != isnan(c->creep_tau_s))
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                "%s: creep_pct and creep_tau_s come together: give both "
                                "(rollmat calibrate --creep fits them)",
                                what);
    if (isnan(c->creep_pct) && (!isnan(c->creep_recover_tau_s) || !isnan(c->creep_load_kpa)))
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                "%s: creep_recover_tau_s and creep_load_kpa need creep_pct and "
                                "creep_tau_s",
                                what);
    if (!isnan(c->creep_pct)) {
        if (isnan(c->creep_recover_tau_s))
            c->creep_recover_tau_s = c->creep_tau_s;
        if (isnan(c->creep_load_kpa))
            c->creep_load_kpa = RMAT_CALIB_CREEP_LOAD_KPA;
    }
    return RMAT_OK;
}

int rmat_calib_check_corrections(struct rmat_calib *c, const char *what, struct rmat_errinfo *ei)
{
    const double v[6] = {c->crosstalk_row_pct, c->crosstalk_col_pct,   c->creep_pct,
                         c->creep_tau_s,       c->creep_recover_tau_s, c->creep_load_kpa};
    for (int k = 0; k < 6; k++)
        if (isinf(v[k]))
            return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0, "%s: an infinite correction parameter",
                                    what);
    if ((!isnan(v[0]) && !(v[0] >= 0 && v[0] <= RMAT_CALIB_CROSSTALK_MAX_PCT)) ||
        (!isnan(v[1]) && !(v[1] >= 0 && v[1] <= RMAT_CALIB_CROSSTALK_MAX_PCT)) ||
        (!isnan(v[2]) && !(v[2] >= 0 && v[2] <= RMAT_CALIB_CREEP_MAX_PCT)) ||
        (!isnan(v[3]) && !(v[3] > 0 && v[3] <= RMAT_CALIB_CREEP_MAX_TAU_S)) ||
        (!isnan(v[4]) && !(v[4] > 0 && v[4] <= RMAT_CALIB_CREEP_MAX_TAU_S)) ||
        (!isnan(v[5]) && !(v[5] > 0 && v[5] <= 1e4)))
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                "%s: a correction parameter out of range (crosstalk 0..10 %%, "
                                "creep 0..50 %%, time constants 0..3600 s, load 0..1e4 kPa)",
                                what);
    return check_corrections(c, what, ei);
}

int rmat_calib_parse(const char *text, const char *origin, struct rmat_calib **out,
                     struct rmat_errinfo *ei)
{
    struct rmat_calib *c;
    struct parser ps;
    char base[PATH_BUF] = "";
    int rc;

    if (out)
        *out = NULL;
    if (!text || !out)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "rmat_calib_parse: text and out needed");
    if (!origin)
        origin = "calibration";
    {
        const char *slash = strrchr(origin, '/');
        if (slash && (size_t)(slash - origin) < sizeof base) {
            memcpy(base, origin, (size_t)(slash - origin));
            base[slash - origin] = '\0';
            if (base[0] == '\0')
                snprintf(base, sizeof base, "/");
        }
    }
    c = rmat_calib_new();
    if (!c)
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", origin);
    ps.origin = origin;
    ps.base_dir = base;
    ps.line = 0;
    ps.ei = ei;
    ps.up = NULL;
    ps.depth = 0;
    ps.have_id = 0;
    {
        /* origin is a file's path when the text came from one (not
         * necessarily: "calibration", a journal's name); then the file
         * is the first link of the include chain. */
        struct stat st;
        if (stat(origin, &st) == 0 && S_ISREG(st.st_mode)) {
            ps.have_id = 1;
            ps.dev = st.st_dev;
            ps.ino = st.st_ino;
        }
    }
    rc = parse_into(c, text, &ps);
    if (rc == RMAT_OK)
        rc = check_corrections(c, origin, ei);
    if (rc == RMAT_OK && c->curve != RMAT_CURVE_NONE)
        rc = check_curve(c, origin, ei);
    if (rc != RMAT_OK) {
        rmat_calib_free(c);
        return rc;
    }
    *out = c;
    return RMAT_OK;
}

static int load_text(const char *path, char **out, struct rmat_errinfo *ei)
{
    struct stat st;
    FILE *f = NULL;
    char *buf = NULL;
    size_t got;
    int e, rc = RMAT_OK;

    *out = NULL;
    if (stat(path, &st) != 0) {
        e = errno;
        return rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "%s: cannot read: %s", path,
                                strerror(e));
    }
    if (S_ISDIR(st.st_mode))
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0, "%s: is a directory, not a calibration",
                                path);
    if ((unsigned long long)st.st_size > MAX_FILE_BYTES)
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                "%s: %lld bytes: too large for a calibration (16 MiB at most)",
                                path, (long long)st.st_size);
    f = fopen(path, "rb");
    if (!f) {
        e = errno;
        return rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "%s: cannot read: %s", path,
                                strerror(e));
    }
    buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", path);
        goto out;
    }
    errno = 0;
    got = fread(buf, 1, (size_t)st.st_size, f);
    if (ferror(f)) {
        e = errno ? errno : EIO;
        rc = rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "%s: cannot read: %s", path,
                              strerror(e));
        goto out;
    }
    buf[got] = '\0';
    if (memchr(buf, '\0', got))
        rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                              "%s: a binary file (NUL bytes), not a calibration text", path);
out:
    if (f)
        fclose(f);
    if (rc != RMAT_OK)
        free(buf);
    else
        *out = buf;
    return rc;
}

int rmat_calib_load(const char *path, struct rmat_calib **out, struct rmat_errinfo *ei)
{
    char *text = NULL;
    int rc;

    if (out)
        *out = NULL;
    if (!path || !out)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "rmat_calib_load: path and out needed");
    rc = load_text(path, &text, ei);
    if (rc != RMAT_OK)
        return rc;
    rc = rmat_calib_parse(text, path, out, ei);
    free(text);
    return rc;
}

int rmat_calib_check(const struct rmat_calib *c, int rows, int cols, const char *what,
                     struct rmat_errinfo *ei)
{
    int rc;

    if (!what)
        what = "calibration";
    if (!c)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "%s: no calibration", what);
    rc = check_curve(c, what, ei);
    if (rc != RMAT_OK)
        return rc;
    if (c->gains && (c->gain_rows != rows || c->gain_cols != cols))
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                "%s: gains for a %dx%d mat, but the recording's mat is %dx%d: "
                                "equilibrate this mat (rollmat equilibrate)",
                                what, c->gain_rows, c->gain_cols, rows, cols);
    return RMAT_OK;
}

/* --- writing ------------------------------------------------------------- */

static void put_num(FILE *f, const char *key, double v, const char *comment)
{
    if (isnan(v))
        return;
    fprintf(f, "%s %.17g", key, v);
    if (comment)
        fprintf(f, "    # %s", comment);
    fputc('\n', f);
}

/* The text of c (the format at the top of calib.h, gains inline) to f. */
static void write_text(FILE *f, const struct rmat_calib *c)
{
    fprintf(f, RMAT_CALIB_FORMAT " %d\n", RMAT_CALIB_VERSION);
    fputs("# rollmat calibration: raw counts to kPa (docs/calibration.md)\n", f);
    if (c->name[0])
        fprintf(f, "name %s\n", c->name);
    if (c->curve != RMAT_CURVE_NONE)
        fprintf(f, "curve %s\n", rmat_curve_name(c->curve));
    switch (c->curve) {
    case RMAT_CURVE_LINEAR:
        fputs("# p = kpa_per_count * (c - zero_counts)\n", f);
        put_num(f, "kpa_per_count", c->kpa_per_count, NULL);
        put_num(f, "zero_counts", c->zero_counts, NULL);
        break;
    case RMAT_CURVE_POWER:
        fputs("# p = a_kpa * (c / c_max_counts)^b\n", f);
        break;
    case RMAT_CURVE_DIVIDER:
        fputs("# p = a_kpa * (c / (c_max_counts - c))^b\n", f);
        break;
    case RMAT_CURVE_TABLE:
        fputs("# point COUNTS KPA, linear between points\n", f);
        for (size_t k = 0; k < c->n_points; k++)
            fprintf(f, "point %.17g %.17g\n", c->point_counts[k], c->point_kpa[k]);
        break;
    case RMAT_CURVE_NONE:
    default:
        break;
    }
    if (c->curve == RMAT_CURVE_POWER || c->curve == RMAT_CURVE_DIVIDER) {
        put_num(f, "a_kpa", c->a_kpa, NULL);
        put_num(f, "b", c->b, NULL);
        put_num(f, "c_max_counts", c->c_max_counts, NULL);
    }
    if (rmat_calib_has_crosstalk(c)) {
        fputs("# crosstalk of the passive matrix, % of the rest of the row's / column's counts\n",
              f);
        put_num(f, "crosstalk_row_pct", c->crosstalk_row_pct, NULL);
        put_num(f, "crosstalk_col_pct", c->crosstalk_col_pct, NULL);
    }
    if (rmat_calib_has_creep(c)) {
        fputs("# FSR creep: counts rise by creep_pct % with creep_tau_s under load\n", f);
        put_num(f, "creep_pct", c->creep_pct, NULL);
        put_num(f, "creep_tau_s", c->creep_tau_s, NULL);
        put_num(f, "creep_recover_tau_s", c->creep_recover_tau_s, NULL);
        put_num(f, "creep_load_kpa", c->creep_load_kpa, NULL);
    }
    if (c->gains) {
        fprintf(f, "# per-sensel gains, row 0 first: p = gain * curve(counts)\ngains %d %d\n",
                c->gain_rows, c->gain_cols);
        for (int i = 0; i < c->gain_rows; i++) {
            for (int j = 0; j < c->gain_cols; j++)
                fprintf(f, "%s%.9g", j ? " " : "",
                        (double)c->gains[(size_t)i * (size_t)c->gain_cols + (size_t)j]);
            fputc('\n', f);
        }
    }
}

int rmat_calib_save(const struct rmat_calib *c, const char *path, struct rmat_errinfo *ei)
{
    FILE *f;
    int rc;

    if (!c || !path)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "rmat_calib_save: calibration and path needed");
    rc = rmat_out_open_path(path, &f, ei);
    if (rc != RMAT_OK)
        return rc;
    write_text(f, c);
    return rmat_out_close(f, path, ei);
}

int rmat_calib_to_text(const struct rmat_calib *c, char **text, size_t *len,
                       struct rmat_errinfo *ei)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f;

    *text = NULL;
    if (len)
        *len = 0;
    if (!c)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "rmat_calib_to_text: no calibration");
    f = open_memstream(&buf, &n);
    if (!f)
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, errno, "out of memory");
    write_text(f, c);
    if (fclose(f) != 0 || !buf) {
        free(buf);
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "out of memory");
    }
    *text = buf;
    if (len)
        *len = n;
    return RMAT_OK;
}

int rmat_calib_mat_path(const char *dir, uint32_t serial, char *buf, size_t cap)
{
    const int n = snprintf(buf, cap, "%s/mat-%lu.cal", dir ? dir : ".", (unsigned long)serial);
    return n > 0 && (size_t)n < cap ? RMAT_OK : RMAT_E_ARG;
}

int rmat_calib_load_for_mat(const char *dir, uint32_t serial, struct rmat_calib **out,
                            struct rmat_errinfo *ei)
{
    char path[4096];
    struct stat st;

    *out = NULL;
    if (rmat_calib_mat_path(dir, serial, path, sizeof path) != RMAT_OK)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "%s: calibration folder name too long", dir);
    if (stat(path, &st) != 0 && errno == ENOENT)
        return RMAT_OK;
    return rmat_calib_load(path, out, ei);
}

/* The name a calibration goes by in messages: its own, else its file's. */
static void calib_label(const struct rmat_calib *c, const char *path, char *buf, size_t cap)
{
    const char *base = strrchr(path, '/');
    size_t n;

    if (c->name[0]) {
        snprintf(buf, cap, "%s", c->name);
        return;
    }
    base = base ? base + 1 : path;
    n = strlen(base);
    if (n > 4 && strcmp(base + n - 4, ".cal") == 0)
        n -= 4;
    snprintf(buf, cap, "%.*s", (int)n, base);
}

int rmat_calib_find_for_mat(const char *file, const char *dir, uint32_t serial, int rows, int cols,
                            struct rmat_calib **out, char *desc, size_t cap,
                            struct rmat_errinfo *ei)
{
    char path[4096], label[RMAT_CALIB_NAME_LEN + 64];
    struct rmat_calib *c = NULL;
    int rc;

    *out = NULL;
    if (desc && cap)
        desc[0] = '\0';
    if (file) {
        snprintf(path, sizeof path, "%s", file);
        rc = rmat_calib_load(file, &c, ei);
    } else if (dir) {
        if (rmat_calib_mat_path(dir, serial, path, sizeof path) != RMAT_OK)
            return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "%s: calibration folder name too long", dir);
        rc = rmat_calib_load_for_mat(dir, serial, &c, ei);
    } else {
        if (desc)
            snprintf(desc, cap,
                     "NO CALIBRATION for mat serial %lu: recordings are in raw counts; give "
                     "--calibration FILE or --calibration-dir DIR",
                     (unsigned long)serial);
        return RMAT_OK;
    }
    if (rc != RMAT_OK)
        return rc;
    if (!c) {
        if (desc)
            snprintf(desc, cap,
                     "NO CALIBRATION for mat serial %lu: recordings are in raw counts; put one "
                     "at %s (rollmat calibrate --mat-dir %s)",
                     (unsigned long)serial, path, dir);
        return RMAT_OK;
    }
    /* A gains file, or gains of another mat, cannot convert this mat's
     * counts: an error now, not a recording that cannot be created. */
    {
        char what[4200];
        snprintf(what, sizeof what, "%s (for mat serial %lu, %dx%d)", path, (unsigned long)serial,
                 rows, cols);
        rc = rmat_calib_check(c, rows, cols, what, ei);
    }
    if (rc != RMAT_OK) {
        rmat_calib_free(c);
        return rc;
    }
    if (desc) {
        calib_label(c, path, label, sizeof label);
        snprintf(desc, cap, "calibration '%s' (%s curve%s) from %s", label,
                 rmat_curve_name(c->curve), c->gains ? ", equilibrated" : "", path);
    }
    *out = c;
    return RMAT_OK;
}
