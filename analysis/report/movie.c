/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The movie of a recording (movie.h).
 *
 * Pressures and force are the analysis's (the calibration's lookup table,
 * rmat_frame_metrics_from_counts()); the picture for movie time k / fps is
 * the last recorded frame at or before from_s + k * speed / fps. All maps go
 * into one data file (one block per picture) and gnuplot draws them in a
 * loop, so the whole movie is one gnuplot run.
 */
#include "rollmat/movie.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rollmat/analyze.h"
#include "rollmat/calib.h"
#include "rollmat/err.h"
#include "rollmat/files.h"
#include "rollmat/gnuplot.h"
#include "rollmat/metrics.h"
#include "rollmat/reader.h"

#define MAX_PICTURES 20000

void rmat_movie_opts_init(struct rmat_movie_opts *o)
{
    o->from_s = 0;
    o->to_s = NAN;
    o->fps = 10;
    o->speed = 1;
    o->scale_max_kpa = 150;
    o->calibration_path = NULL;
}

static int ends_with(const char *s, const char *suffix)
{
    const size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static void remove_tree(const char *dir)
{
    char cmd_path[4400];
    static const char *const files[] = {"maps.dat",  "force.dat",  "movie.gp",
                                        "movie.log", "ffmpeg.log", NULL};
    for (int i = 0; files[i]; i++) {
        snprintf(cmd_path, sizeof cmd_path, "%s/%s", dir, files[i]);
        unlink(cmd_path);
    }
    for (int k = 0; k < MAX_PICTURES; k++) {
        snprintf(cmd_path, sizeof cmd_path, "%s/f%05d.png", dir, k);
        if (unlink(cmd_path) != 0)
            break;
    }
    rmdir(dir);
}

/* Frame k in kPa into p: read as kPa from a recording of pressures (fv
 * not NULL), else as counts through the scale. */
static int frame_kpa(struct rmat_reader *r, size_t k, float *fv, uint16_t *raw,
                     const struct rmat_counts_scale *sc, size_t n, double *p,
                     struct rmat_errinfo *ei)
{
    int rc;
    if (fv) {
        rc = rmat_reader_read_kpa(r, k, 1, fv, NULL, NULL, NULL, ei);
        for (size_t i = 0; rc == RMAT_OK && i < n; i++)
            p[i] = (double)fv[i];
        return rc;
    }
    rc = rmat_reader_read(r, k, 1, raw, NULL, NULL, NULL, ei);
    if (rc == RMAT_OK)
        rmat_counts_to_kpa(sc, raw, 0, n, p);
    return rc;
}

int rmat_movie_write(const char *rec_path, const char *out_path, const struct rmat_movie_opts *o,
                     const struct rmat_log *log, struct rmat_errinfo *ei)
{
    struct rmat_reader *r = NULL;
    struct rmat_calib *cal = NULL;
    struct rmat_analysis_params params;
    struct rmat_counts_scale sc;
    struct rmat_grid g;
    double *lut = NULL, *p = NULL, *t_s = NULL, *force = NULL;
    uint16_t *raw = NULL;
    float *fv = NULL; /* a frame of a recording in kPa (an import) */
    uint64_t *t_us = NULL;
    uint8_t *live = NULL;
    char dir[4200], path[4300];
    FILE *fm = NULL, *ff = NULL, *gp = NULL;
    int rc, gif, made_dir = 0, lut_n;
    size_t n, frames;
    struct stat st;

    gif = ends_with(out_path, ".gif");
    if (!gif && !ends_with(out_path, ".mp4"))
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "%s: the movie must end in .gif or .mp4",
                                out_path);
    if (stat(out_path, &st) == 0)
        return rmat_errinfo_set(ei, RMAT_E_EXISTS, 0, "%s exists: remove it or choose another name",
                                out_path);
    if (!(o->fps > 0 && o->fps <= 60) || !(o->speed > 0 && o->speed <= 100) || !(o->from_s >= 0) ||
        (!isnan(o->to_s) && !(o->to_s > o->from_s)))
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                                "the span %g-%g s, %g pictures a second at %gx is not usable "
                                "(from >= 0, to > from, fps 0-60)",
                                o->from_s, o->to_s, o->fps, o->speed);
    rc = rmat_reader_open(rec_path, &r, ei);
    if (rc != RMAT_OK)
        return rc;
    rc = o->calibration_path ? rmat_calib_load(o->calibration_path, &cal, ei)
                             : rmat_reader_calib(r, &cal, ei);
    if (rc != RMAT_OK)
        goto out;
    const struct rmat_recording_info *info = rmat_reader_info(r);
    /* A recording of pressures (an import) is drawn in kPa as it is. */
    const int kpa_in = info->pressure;
    const int in_kpa = cal != NULL || kpa_in;
    g.rows = info->dev.rows;
    g.cols = info->dev.cols;
    g.pitch_x_mm = info->dev.pitch_x_mm > 0 ? info->dev.pitch_x_mm : 10;
    g.pitch_y_mm = info->dev.pitch_y_mm > 0 ? info->dev.pitch_y_mm : 10;
    frames = (size_t)info->frames;
    if (g.rows < 1 || g.cols < 1 || frames == 0) {
        rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0, "%s: no frames or no grid to draw", rec_path);
        goto out;
    }
    n = (size_t)g.rows * (size_t)g.cols;
    {
        const int bits =
            info->dev.adc_bits >= 1 && info->dev.adc_bits <= 16 ? info->dev.adc_bits : 16;
        lut = malloc(((size_t)1 << bits) * sizeof *lut);
        raw = malloc(n * sizeof *raw);
        p = malloc(n * sizeof *p);
        live = malloc((size_t)g.rows);
        t_s = malloc(frames * sizeof *t_s);
        t_us = malloc(frames * sizeof *t_us);
        force = malloc(frames * sizeof *force);
        fv = kpa_in ? malloc(n * sizeof *fv) : NULL;
        if (!lut || !raw || !p || !live || !t_s || !t_us || !force || (kpa_in && !fv)) {
            rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", rec_path);
            goto out;
        }
        lut_n = rmat_calib_lut(cal, bits, lut);
    }
    rmat_analysis_params_init(&params);
    rc = rmat_counts_scale_init(
        &sc, lut, (uint16_t)(lut_n - 1), cal ? cal->gains : NULL, n,
        rmat_analysis_contact_threshold(&params, cal != NULL, (unsigned)(lut_n - 1)));
    if (rc != RMAT_OK) {
        rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0, "%s: the calibration is not usable", rec_path);
        goto out;
    }
    rc = rmat_reader_read(r, 0, frames, NULL, NULL, t_us, NULL, ei);
    if (rc != RMAT_OK)
        goto out;
    for (size_t k = 0; k < frames; k++)
        t_s[k] = (double)(int64_t)(t_us[k] - t_us[0]) / 1e6;
    const double to = isnan(o->to_s) || o->to_s > t_s[frames - 1] ? t_s[frames - 1] : o->to_s;
    if (!(to > o->from_s)) {
        rc = rmat_errinfo_set(ei, RMAT_E_ARG, 0, "%s lasts %.1f s: --from %g is beyond it",
                              rec_path, t_s[frames - 1], o->from_s);
        goto out;
    }
    const size_t pictures = (size_t)floor((to - o->from_s) / o->speed * o->fps) + 1;
    if (pictures > MAX_PICTURES) {
        rc = rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                              "%zu pictures is too long a movie (at most %d): a shorter span, "
                              "fewer --fps or more --speed",
                              pictures, MAX_PICTURES);
        goto out;
    }
    snprintf(dir, sizeof dir, "%s.parts", out_path);
    if (mkdir(dir, 0700) != 0) {
        rc = rmat_errinfo_set(ei, RMAT_E_IO, errno, "cannot make the working folder %s", dir);
        goto out;
    }
    made_dir = 1;
    snprintf(path, sizeof path, "%s/maps.dat", dir);
    fm = fopen(path, "w");
    snprintf(path, sizeof path, "%s/force.dat", dir);
    ff = fopen(path, "w");
    if (!fm || !ff) {
        rc = rmat_errinfo_set(ei, RMAT_E_IO, errno, "cannot write in %s", dir);
        goto out;
    }
    /* The force of every frame of the span (the trace), and the maps of
     * the pictures' frames. */
    double fmax = 0;
    size_t k = 0;
    for (size_t pic = 0; pic < pictures; pic++) {
        const double t = o->from_s + (double)pic * o->speed / o->fps;
        while (k + 1 < frames && t_s[k + 1] <= t)
            k++;
        rc = frame_kpa(r, k, fv, raw, &sc, n, p, ei);
        if (rc != RMAT_OK)
            goto out;
        for (int i = 0; i < g.rows; i++) {
            for (int j = 0; j < g.cols; j++)
                fprintf(fm, "%s%.3g", j ? " " : "", p[(size_t)i * (size_t)g.cols + (size_t)j]);
            fputc('\n', fm);
        }
        fputs("\n\n", fm);
    }
    for (size_t f = 0; f < frames; f++) {
        if (t_s[f] < o->from_s || t_s[f] > to)
            continue;
        struct rmat_frame_metrics m;
        struct rmat_counts_scan scan;
        if (kpa_in) {
            rc = frame_kpa(r, f, fv, raw, &sc, n, p, ei);
            if (rc != RMAT_OK)
                goto out;
            rmat_frame_metrics_compute(&g, p, params.contact_threshold_kpa, &m);
        } else {
            rc = rmat_reader_read(r, f, 1, raw, NULL, NULL, NULL, ei);
            if (rc != RMAT_OK)
                goto out;
            rmat_counts_scan(&sc, raw, g.rows, g.cols, NULL, live, &scan);
            rmat_frame_metrics_from_counts(&g, raw, &sc, live, &scan, p, &m);
            if (!cal)
                rmat_frame_metrics_counts_units(&g, &m);
        }
        force[f] = m.force_n;
        fmax = m.force_n > fmax ? m.force_n : fmax;
        fprintf(ff, "%.4f %.4g\n", t_s[f], m.force_n);
    }
    if (fclose(fm) != 0 || fclose(ff) != 0) {
        fm = ff = NULL;
        rc = rmat_errinfo_set(ei, RMAT_E_IO, errno, "cannot write in %s", dir);
        goto out;
    }
    fm = ff = NULL;
    snprintf(path, sizeof path, "%s/movie.gp", dir);
    gp = fopen(path, "w");
    if (!gp) {
        rc = rmat_errinfo_set(ei, RMAT_E_IO, errno, "cannot write %s", path);
        goto out;
    }
    {
        const double top = in_kpa ? o->scale_max_kpa : (double)(lut_n - 1);
        const char *units = in_kpa ? "kPa" : "raw counts (no calibration)";
        const double w_mm = g.cols * g.pitch_x_mm, h_mm = g.rows * g.pitch_y_mm;
        char abs_out[4200];
        if (out_path[0] == '/')
            snprintf(abs_out, sizeof abs_out, "%s", out_path);
        else if (getcwd(abs_out, sizeof abs_out))
            snprintf(abs_out + strlen(abs_out), sizeof abs_out - strlen(abs_out), "/%s", out_path);
        if (gif)
            fprintf(gp,
                    "set terminal gif animate delay %d size 900,500 font 'DejaVu Sans,11'\n"
                    "set output '%s'\n",
                    (int)lround(100.0 / o->fps), abs_out);
        else
            fprintf(gp, "set terminal pngcairo size 900,500 font 'DejaVu Sans,11'\n");
        /* The live view's colour scale: the same colour is the same
         * pressure in every picture. */
        fprintf(gp,
                "set palette defined (0 '#080c28', 0.15 '#1e3cc8', 0.35 '#00bedc', 0.55 "
                "'#3cd250', 0.75 '#fadc28', 0.92 '#f0281e', 1 '#ffffff')\n"
                "set cbrange [0:%g]\nset cblabel '%s'\n"
                "N = %zu\nfrom = %g\nstep = %g\nfmax = %g\n"
                "do for [k=0:N-1] {\n",
                top, units, pictures, o->from_s, o->speed / o->fps, fmax > 0 ? fmax * 1.1 : 1);
        if (!gif)
            fprintf(gp, "  set output sprintf('f%%05d.png', k)\n");
        fprintf(gp,
                "  set multiplot\n"
                "  set origin 0,0\n  set size 0.45,1\n"
                "  unset arrow\n  set xrange [0:%g]\n  set yrange [%g:0]\n  set size ratio -1\n"
                "  set xlabel 'x (mm)'\n  set ylabel 'y (mm)'\n  set colorbox\n"
                "  set title sprintf('t = %%.1f s', from + k * step)\n"
                "  plot 'maps.dat' index k matrix using (($1 + 0.5) * %g):(($2 + 0.5) * %g):3 "
                "with image notitle\n"
                "  set origin 0.47,0.1\n  set size 0.53,0.8\n  set size noratio\n"
                "  set xrange [from:%g]\n  set yrange [0:fmax]\n  unset colorbox\n"
                "  set xlabel 't (s)'\n  set ylabel '%s'\n  set title 'force'\n"
                "  set arrow 1 from first (from + k * step), graph 0 to first (from + k * step), "
                "graph 1 nohead lc rgb 'red' lw 2\n"
                "  plot 'force.dat' using 1:2 with lines lc rgb '#1e3cc8' lw 1.5 notitle\n"
                "  unset multiplot\n"
                "}\n",
                w_mm, h_mm, g.pitch_x_mm, g.pitch_y_mm, to,
                in_kpa ? "force (N)" : "force (counts, sum)");
        if (gif)
            fputs("set output\n", gp);
    }
    if (fclose(gp) != 0) {
        gp = NULL;
        rc = rmat_errinfo_set(ei, RMAT_E_IO, errno, "cannot write the script in %s", dir);
        goto out;
    }
    gp = NULL;
    rmat_logf(log, RMAT_LOG_INFO, "%s: drawing %zu pictures (%.1f-%.1f s)", out_path, pictures,
              o->from_s, to);
    rc = rmat_plot_run("movie.gp", dir, ei);
    if (rc != RMAT_OK)
        goto out;
    if (!gif) {
        char fps[32], abs_out[4200], logp[4300];
        snprintf(fps, sizeof fps, "%g", o->fps);
        if (out_path[0] == '/')
            snprintf(abs_out, sizeof abs_out, "%s", out_path);
        else if (getcwd(abs_out, sizeof abs_out))
            snprintf(abs_out + strlen(abs_out), sizeof abs_out - strlen(abs_out), "/%s", out_path);
        snprintf(logp, sizeof logp, "%s/ffmpeg.log", dir);
        /* yuv420p and even sizes: what every player takes. -n: never
         * overwrite (checked above too). */
        char *argv[] = {(char *)"ffmpeg",
                        (char *)"-nostdin",
                        (char *)"-n",
                        (char *)"-loglevel",
                        (char *)"error",
                        (char *)"-framerate",
                        fps,
                        (char *)"-i",
                        (char *)"f%05d.png",
                        (char *)"-c:v",
                        (char *)"libx264",
                        (char *)"-pix_fmt",
                        (char *)"yuv420p",
                        abs_out,
                        NULL};
        rc =
            rmat_run_program(argv, dir, logp, "apt-get install ffmpeg", "joining the pictures", ei);
        if (rc != RMAT_OK)
            goto out;
    }
out:
    if (fm)
        fclose(fm);
    if (ff)
        fclose(ff);
    if (gp)
        fclose(gp);
    if (made_dir)
        remove_tree(dir);
    free(lut);
    free(raw);
    free(p);
    free(live);
    free(t_s);
    free(t_us);
    free(force);
    free(fv);
    rmat_calib_free(cal);
    rmat_reader_close(r);
    return rc;
}
