/* Helpers of the figures, reports and batch runs (figures_int.h): running
 * a program, the fitted line's confidence band, and the common parts of
 * gnuplot scripts. */
#include "figures_int.h"
#include "rollmat/version.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rollmat/numfmt.h"

/* --- the fitted line's band ---------------------------------------------- */

void rmat_line_from_trend(const double *x, const double *y, size_t n, const struct rmat_trend *t,
                          struct rmat_line *out)
{
    double sx = 0, sy = 0, sxx = 0;
    size_t m = 0;

    memset(out, 0, sizeof *out);
    out->x_lo = INFINITY;
    out->x_hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i]))
            continue;
        sx += x[i];
        sy += y[i];
        m++;
        if (x[i] < out->x_lo)
            out->x_lo = x[i];
        if (x[i] > out->x_hi)
            out->x_hi = x[i];
    }
    out->n = m;
    if (!t->valid || m < 3)
        return;
    out->xbar = sx / (double)m;
    out->ybar = sy / (double)m;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]) && isfinite(y[i]))
            sxx += (x[i] - out->xbar) * (x[i] - out->xbar);
    out->sxx = sxx;
    out->t975 = rmat_student_t_quantile(0.975, (double)(m - 2));
    /* The interval is slope +/- t * se: its half width gives se back. */
    out->se = (t->ci95_high - t->ci95_low) / (2.0 * out->t975);
    out->valid = sxx > 0 && isfinite(out->se);
}

void rmat_line_eval(const struct rmat_line *l, double slope, double x, double *yhat, double *half)
{
    const double dx = x - l->xbar;
    *yhat = l->ybar + slope * dx;
    *half = l->t975 * l->se * sqrt(l->sxx / (double)l->n + dx * dx);
}

/* --- gnuplot ------------------------------------------------------------- */

void rmat_gp_string(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; s && *s; s++) {
        const unsigned char c = (unsigned char)*s;
        if (c == '\'')
            fputs("''", f);
        else
            fputc(c < 0x20 || c == 0x7f ? ' ' : c, f);
    }
    fputc('\'', f);
}

void rmat_gp_viridis(FILE *f)
{
    /* viridis at nine stops: perceptually uniform, monotonic in lightness
     * (it reads in grey too), distinct with colour-vision deficiencies. */
    fputs("set palette defined (0 '#440154', 1 '#472c7a', 2 '#3b518b', 3 '#2c718e', \\\n"
          "  4 '#21908d', 5 '#27ad81', 6 '#5cc863', 7 '#aadc32', 8 '#fde725')\n",
          f);
}

void rmat_gp_reset(FILE *f)
{
    fputs("reset\n"
          "set datafile separator comma\n"
          "set datafile missing 'NaN'\n"
          "set tics out nomirror\n"
          "set border 3\n",
          f);
}

void rmat_gp_panel(FILE *f, double x0, double y0, double w, double h, double ml, double mr,
                   double mb, double mt)
{
    /* Margins at fixed screen positions: panels stacked in a column share
     * their left and right edges whatever their tick labels' widths. */
    fprintf(f,
            "set lmargin at screen %.4f\nset rmargin at screen %.4f\n"
            "set bmargin at screen %.4f\nset tmargin at screen %.4f\n",
            x0 + ml * w, x0 + w - mr * w, y0 + mb * h, y0 + h - mt * h);
}

void rmat_gp_figure_begin(FILE *f, const char *name, const char *what, double w_in, double h_in)
{
    fprintf(f,
            "# %s.gp: %s\n"
            "# Written by rollmat " RMAT_VERSION ". The numbers are all in the data\n"
            "# files beside it; this script only draws them. Restyle freely and re-run\n"
            "# in this folder: gnuplot %s.gp (writes %s.png, %s.svg and %s.pdf).\n\n"
            "set encoding utf8\n"
            "array term[3]\narray out[3]\n",
            name, what, name, name, name, name);
    /* One size in inches for all three, the PNG at 100 pixels an inch, so
     * the three look alike: cairo's PNG takes a point as a pixel, so 11
     * there is 8 points at 100 pixels an inch. pdfcairo draws fonts at 4/3
     * of their size (fontscale 0.75 makes them points) and thin lines. The emitters name
     * their fonts through titlefont and smallfont, set per format. */
    fprintf(f,
            "term[1] = \"pngcairo size %d,%d noenhanced font 'sans,11'\"\n"
            "term[2] = \"svg size %d,%d dynamic noenhanced font 'sans,11'\"\n"
            "term[3] = \"pdfcairo size %.2fin,%.2fin noenhanced font 'sans,8' fontscale 0.75 "
            "linewidth 1.4\"\n"
            "out[1] = '%s.png'\nout[2] = '%s.svg'\nout[3] = '%s.pdf'\n"
            "array tf[3] = [',14', ',14', ',10']\n"
            "array sf[3] = [',9', ',9', ',6.5']\n\n"
            "do for [i = 1:3] {\n"
            "eval('set terminal ' . term[i])\n"
            "set output out[i]\n"
            "titlefont = tf[i]\n"
            "smallfont = sf[i]\n"
            "set multiplot\n",
            (int)(w_in * 100), (int)(h_in * 100), (int)(w_in * 100), (int)(h_in * 100), w_in, h_in,
            name, name, name);
}

void rmat_gp_figure_end(FILE *f)
{
    fputs("unset multiplot\nset output\n}\n", f);
}

const char *rmat_show(char *buf, double v, int sig)
{
    if (!isfinite(v)) {
        snprintf(buf, RMAT_FMT_BUF, "-");
        return buf;
    }
    rmat_fmt_sig(buf, v, sig);
    return buf;
}
