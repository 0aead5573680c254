/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Plots through gnuplot (plot.h): write a script, run gnuplot on it.
 *
 * gnuplot runs as a child process (fork + execvp) in the plot's directory,
 * its stdin on /dev/null and its stdout and stderr in a log file, so the
 * library prints nothing and a failure can quote gnuplot's own message.
 * Whether the child got as far as exec is reported through a close-on-exec
 * pipe: a successful exec closes it unwritten, a failed chdir or exec
 * writes its stage and errno into it. That tells "gnuplot not found"
 * (install it) apart from "gnuplot failed" (read its message).
 */
#include "rollmat/gnuplot.h"
#include "rollmat/version.h"

#include "rollmat/files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

enum child_stage {
    STAGE_CHDIR = 1,
    STAGE_EXEC = 2,
};

/* The log's name: the script's file name with ".gp" replaced by ".log"
 * (any other name gets ".log" appended), in workdir. */
static int log_path_for(const char *script_path, const char *workdir, char *buf, size_t cap)
{
    const char *base = strrchr(script_path, '/');
    base = base ? base + 1 : script_path;
    size_t len = strlen(base);
    if (len > 3 && strcmp(base + len - 3, ".gp") == 0)
        len -= 3;
    int n = snprintf(buf, cap, "%s/%.*s.log", workdir, (int)len, base);
    return n >= 0 && (size_t)n < cap ? 0 : -1;
}

/* Never returns. Only async-signal-safe calls between fork and exec. */
static void run_child(char *const argv[], const char *workdir, int null_fd, int log_fd,
                      int report_fd)
{
    int rep[2];

    if (dup2(null_fd, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0 ||
        (workdir && chdir(workdir) != 0)) {
        rep[0] = STAGE_CHDIR;
    } else {
        execvp(argv[0], argv);
        rep[0] = STAGE_EXEC;
    }
    rep[1] = errno;
    if (write(report_fd, rep, sizeof rep) < 0) {
        /* nothing left to tell anyone: the exit status still says 127 */
    }
    _exit(127);
}

/* The log's most telling line: the last `"script" line N: ...` that is not
 * a warning (gnuplot stops at its first error, after any warnings), else
 * the last non-empty line, else "(no output)". */
static void quote_log(const char *log_path, char *out, size_t cap)
{
    char line[RMAT_ERRINFO_MSG];
    int have_error = 0;
    FILE *f = fopen(log_path, "r");

    snprintf(out, cap, "(no output)");
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0')
            continue;
        int is_error = line[0] == '"' && strstr(line, "\" line ") && !strstr(line, ": warning:");
        if (is_error || !have_error) {
            snprintf(out, cap, "%s", line);
            have_error = have_error || is_error;
        }
    }
    fclose(f);
}

int rmat_run_program(char *const argv[], const char *workdir, const char *log_path,
                     const char *install_hint, const char *what, struct rmat_errinfo *ei)
{
    char quote[RMAT_ERRINFO_MSG];
    int null_fd = -1, log_fd = -1, pfd[2] = {-1, -1};
    int rep[2] = {0, 0};
    int status = 0, rc = RMAT_OK, e;
    struct stat st;
    ssize_t got;
    pid_t pid;

    if (!argv || !argv[0] || !*argv[0] || !log_path)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "no program to run");
    what = what ? what : "";
    if (workdir) {
        e = stat(workdir, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
        if (e != 0)
            return rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "%s: folder %s: %s", argv[0],
                                    workdir, strerror(e));
    }
    log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log_fd < 0) {
        e = errno;
        rc = rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "cannot create %s: %s", log_path,
                              strerror(e));
        goto out;
    }
    /* A close-on-exec pipe tells "not found" (the child writes its stage
     * and errno) from "ran and failed" (a successful exec closes it
     * unwritten). */
    null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd < 0 || pipe(pfd) != 0 || fcntl(pfd[0], F_SETFD, FD_CLOEXEC) != 0 ||
        fcntl(pfd[1], F_SETFD, FD_CLOEXEC) != 0) {
        e = errno;
        rc = rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "cannot start %s: %s", argv[0],
                              strerror(e));
        goto out;
    }
    pid = fork();
    if (pid < 0) {
        e = errno;
        rc = rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "cannot start %s: fork: %s", argv[0],
                              strerror(e));
        goto out;
    }
    if (pid == 0)
        run_child(argv, workdir, null_fd, log_fd, pfd[1]);

    close(pfd[1]);
    pfd[1] = -1;
    do
        got = read(pfd[0], rep, sizeof rep);
    while (got < 0 && errno == EINTR);
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            e = errno;
            rc = rmat_errinfo_set(ei, RMAT_E_EXEC, e, "waiting for %s: %s", argv[0], strerror(e));
            goto out;
        }
    }

    if (got == (ssize_t)sizeof rep) {
        if (rep[0] == STAGE_EXEC && (rep[1] == ENOENT || rep[1] == ENOTDIR))
            rc = rmat_errinfo_set(ei, RMAT_E_NOTFOUND, rep[1], "%s not found: %s", argv[0],
                                  install_hint ? install_hint : "is it installed?");
        else if (rep[0] == STAGE_EXEC)
            rc = rmat_errinfo_set(ei, RMAT_E_EXEC, rep[1], "cannot run %s: %s", argv[0],
                                  strerror(rep[1]));
        else
            rc =
                rmat_errinfo_set(ei, rmat_err_from_errno(rep[1]), rep[1], "cannot run %s in %s: %s",
                                 argv[0], workdir ? workdir : ".", strerror(rep[1]));
        goto out;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        goto out;

    quote_log(log_path, quote, sizeof quote);
    if (WIFSIGNALED(status))
        rc = rmat_errinfo_set(ei, RMAT_E_EXEC, 0, "%s killed by signal %d%s%s: %s (output in %s)",
                              argv[0], WTERMSIG(status), *what ? " " : "", what, quote, log_path);
    else
        rc = rmat_errinfo_set(ei, RMAT_E_EXEC, 0, "%s failed (exit %d)%s%s: %s (output in %s)",
                              argv[0], WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                              *what ? " " : "", what, quote, log_path);

out:
    if (log_fd >= 0) {
        /* An empty log says nothing; one with the program's warnings is
         * kept. */
        if (fstat(log_fd, &st) == 0 && st.st_size == 0)
            unlink(log_path);
        close(log_fd);
    }
    if (null_fd >= 0)
        close(null_fd);
    if (pfd[0] >= 0)
        close(pfd[0]);
    if (pfd[1] >= 0)
        close(pfd[1]);
    return rc;
}

int rmat_plot_run(const char *script_path, const char *workdir, struct rmat_errinfo *ei)
{
    return rmat_plot_run_with(RMAT_GNUPLOT, script_path, workdir, ei);
}

int rmat_plot_run_with(const char *gnuplot, const char *script_path, const char *workdir,
                       struct rmat_errinfo *ei)
{
    char log_path[RMAT_PATH_BUF], what[2 * RMAT_PATH_BUF];
    char *argv[3];

    if (!gnuplot || !script_path || !workdir || !*gnuplot || !*script_path || !*workdir)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "plot: gnuplot, script or directory missing");
    if (log_path_for(script_path, workdir, log_path, sizeof log_path) != 0)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "plot: path too long: %s/%s", workdir,
                                script_path);
    snprintf(what, sizeof what, "running %s in %s", script_path, workdir);
    argv[0] = (char *)gnuplot; /* execvp's argv is not const-qualified */
    argv[1] = (char *)script_path;
    argv[2] = NULL;
    return rmat_run_program(argv, workdir, log_path, "apt-get install gnuplot-nox", what, ei);
}

/* A gnuplot single-quoted string: nothing is special inside but the quote,
 * which is doubled. Control characters (a newline would end the command)
 * become spaces. */
static void put_gp_string(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        const unsigned char c = (unsigned char)*s;
        if (c == '\'')
            fputs("''", f);
        else if (c < 0x20 || c == 0x7f)
            fputc(' ', f);
        else
            fputc(c, f);
    }
    fputc('\'', f);
}

/* The viridis colour map at nine stops: perceptually uniform, monotonic in
 * lightness (it reads in grey too), and distinguishable with the common
 * colour-vision deficiencies. */
static const char viridis_palette[] =
    "set palette defined (0 '#440154', 1 '#472c7a', 2 '#3b518b', 3 '#2c718e', 4 '#21908d', \\\n"
    "                     5 '#27ad81', 6 '#5cc863', 7 '#aadc32', 8 '#fde725')\n";

static void write_cop_peak_script(FILE *f, const struct rmat_grid *g, const char *title,
                                  const char *units, int thinned)
{
    fputs("# cop_peak.gp: the peak pressure of every sensel, with the path of the\n"
          "# centre of pressure over it. Written by rollmat " RMAT_VERSION ".\n"
          "# Restyle freely and re-run in this directory: gnuplot cop_peak.gp\n"
          "# Reads peak_map.csv (one line per sensel row, row 0 first) and the CoP\n"
          "# path: cop_path.csv (thinned to what the figure shows: blank lines end a\n"
          "# line), or in analyses without it frames.csv (one row per frame; cop_x_mm,\n"
          "# cop_y_mm empty where there was no contact).\n"
          "# Row 0 is at the top: y grows downwards, as the map reads in the CSV.\n\n",
          f);
    fprintf(f, "rows = %d\ncols = %d\npitch_x_mm = %.9g\npitch_y_mm = %.9g\n\n", g->rows, g->cols,
            g->pitch_x_mm, g->pitch_y_mm);
    fputs("set terminal pngcairo size 1000,900 noenhanced font 'sans,11'\n"
          "set output 'cop_peak.png'\n"
          "set datafile separator comma\n"
          "set title ",
          f);
    put_gp_string(f, title);
    fputs("\nset xlabel 'x (mm)'\nset ylabel 'y (mm)'\nset cblabel 'peak pressure (", f);
    for (const char *u = units; *u; u++) {
        /* the label is single-quoted: units get the same escaping */
        if (*u == '\'')
            fputs("''", f);
        else
            fputc((unsigned char)*u < 0x20 ? ' ' : *u, f);
    }
    fputs(")'\n"
          "set size ratio -1\n"
          "set xrange [0:cols * pitch_x_mm]\n"
          "set yrange [rows * pitch_y_mm:0]\n"
          "set cbrange [0:*]\n"
          "set tics out\n"
          "set xtics nomirror\n"
          "set ytics nomirror\n"
          "# the key below the x label, clear of it\n"
          "set bmargin 6\n"
          "set key at screen 0.5, screen 0.02 center bottom horizontal\n",
          f);
    fputs(viridis_palette, f);
    fputs("# An empty field (no contact) gives NaN, which breaks the path instead of\n"
          "# joining the points on either side of the gap.\n"
          "cop(name) = strcol(name) eq '' ? NaN : column(name)\n",
          f);
    if (g->rows >= 2 && g->cols >= 2) {
        fputs("plot 'peak_map.csv' matrix using (($1 + 0.5) * pitch_x_mm):(($2 + 0.5) * "
              "pitch_y_mm):3 \\\n"
              "       with image notitle, \\\n",
              f);
    } else {
        /* gnuplot draws no image narrower than 2x2: one box per sensel. */
        fputs("plot 'peak_map.csv' matrix using (($1 + 0.5) * pitch_x_mm):(($2 + 0.5) * "
              "pitch_y_mm):\\\n"
              "       (pitch_x_mm / 2):(pitch_y_mm / 2):3 \\\n"
              "       with boxxyerror fillcolor palette fillstyle solid noborder notitle, \\\n",
              f);
    }
    if (thinned)
        fputs("     'cop_path.csv' using 1:2 \\\n"
              "       with lines linewidth 5 linecolor rgb 'white' notitle, \\\n"
              "     '' using 1:2 with lines linewidth 2 linecolor rgb 'black' \\\n"
              "       title 'centre of pressure'\n",
              f);
    else
        fputs("     'frames.csv' using (cop('cop_x_mm')):(cop('cop_y_mm')) \\\n"
              "       with lines linewidth 5 linecolor rgb 'white' notitle, \\\n"
              "     '' using (cop('cop_x_mm')):(cop('cop_y_mm')) \\\n"
              "       with lines linewidth 2 linecolor rgb 'black' title 'centre of pressure'\n",
              f);
}

/* Escaped as put_gp_string() without the quotes, for text inside a
 * single-quoted string the script assembles. */
static void put_gp_inner(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\'')
            fputs("''", f);
        else
            fputc((unsigned char)*s < 0x20 ? ' ' : *s, f);
    }
}

static void write_map_script(FILE *f, const struct rmat_grid *g, const char *name,
                             const char *title, const char *cblabel)
{
    fprintf(f,
            "# %s.gp: a per-sensel map as a heat map. Written by rollmat " RMAT_VERSION ".\n"
            "# Restyle freely and re-run in this directory: gnuplot %s.gp\n"
            "# Reads %s.csv (one line per sensel row, row 0 first); row 0 is at the top.\n\n",
            name, name, name);
    fprintf(f, "rows = %d\ncols = %d\npitch_x_mm = %.9g\npitch_y_mm = %.9g\n\n", g->rows, g->cols,
            g->pitch_x_mm, g->pitch_y_mm);
    fprintf(f,
            "set terminal pngcairo size 1000,900 noenhanced font 'sans,11'\n"
            "set output '%s.png'\n"
            "set datafile separator comma\n"
            "set title ",
            name);
    put_gp_string(f, title);
    fputs("\nset xlabel 'x (mm)'\nset ylabel 'y (mm)'\nset cblabel '", f);
    put_gp_inner(f, cblabel);
    fputs("'\n"
          "set size ratio -1\n"
          "set xrange [0:cols * pitch_x_mm]\n"
          "set yrange [rows * pitch_y_mm:0]\n"
          "set cbrange [0:*]\n"
          "set tics out\n"
          "set xtics nomirror\n"
          "set ytics nomirror\n",
          f);
    fputs(viridis_palette, f);
    if (g->rows >= 2 && g->cols >= 2)
        fprintf(f,
                "plot '%s.csv' matrix using (($1 + 0.5) * pitch_x_mm):(($2 + 0.5) * "
                "pitch_y_mm):3 \\\n       with image notitle\n",
                name);
    else
        fprintf(f,
                "plot '%s.csv' matrix using (($1 + 0.5) * pitch_x_mm):(($2 + 0.5) * "
                "pitch_y_mm):\\\n       (pitch_x_mm / 2):(pitch_y_mm / 2):3 \\\n"
                "       with boxxyerror fillcolor palette fillstyle solid noborder notitle\n",
                name);
}

int rmat_plot_map(const char *out_dir, const struct rmat_grid *g, const char *name,
                  const char *title, const char *cblabel, struct rmat_errinfo *ei)
{
    char path[RMAT_PATH_BUF], script[256];
    FILE *f = NULL;
    int rc, n;

    if (!out_dir || !name || !*name || strchr(name, '/') || strchr(name, '\'') || !g ||
        g->rows < 1 || g->cols < 1 || !(g->pitch_x_mm > 0) || !(g->pitch_y_mm > 0))
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "map plot: no directory, bad name or bad grid");
    n = snprintf(script, sizeof script, "%s.gp", name);
    if (n < 0 || (size_t)n >= sizeof script)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "map plot: name too long: %s", name);
    rc = rmat_out_open(out_dir, script, &f, path, ei);
    if (rc != RMAT_OK)
        return rc;
    write_map_script(f, g, name, title ? title : "", cblabel ? cblabel : "");
    rc = rmat_out_close(f, path, ei);
    if (rc != RMAT_OK)
        return rc;
    return rmat_plot_run(script, out_dir, ei);
}

int rmat_plot_cop_peak(const char *out_dir, const struct rmat_grid *g, const char *title,
                       const char *units, struct rmat_errinfo *ei)
{
    char path[RMAT_PATH_BUF], thin[RMAT_PATH_BUF];
    FILE *f = NULL;
    int rc;

    if (!out_dir || !g || g->rows < 1 || g->cols < 1 || !(g->pitch_x_mm > 0) ||
        !(g->pitch_y_mm > 0))
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "cop_peak plot: no directory or bad grid");
    rc = rmat_out_open(out_dir, "cop_peak.gp", &f, path, ei);
    if (rc != RMAT_OK)
        return rc;
    /* An analysis by an older rollmat has no cop_path.csv: frames.csv then. */
    rc = rmat_path_join(thin, sizeof thin, out_dir, "cop_path.csv", ei);
    write_cop_peak_script(f, g, title ? title : "", units ? units : "",
                          rc == RMAT_OK && access(thin, R_OK) == 0);
    rc = rmat_out_close(f, path, ei);
    if (rc != RMAT_OK)
        return rc;
    return rmat_plot_run("cop_peak.gp", out_dir, ei);
}

int rmat_plot_analysis(const char *out_dir, const char *rec_path,
                       const struct rmat_analysis_result *res, struct rmat_errinfo *ei)
{
    const char *base = strrchr(rec_path, '/');
    const char *units = res->calibrated ? "kPa" : "counts";
    char title[512], label[64];
    int rc;

    base = base && base[1] ? base + 1 : rec_path;
    snprintf(title, sizeof title, "Peak pressure and centre of pressure: %s%s", base,
             res->calibrated ? "" : " (raw counts, uncalibrated)");
    rc = rmat_plot_cop_peak(out_dir, &res->grid, title, units, ei);
    /* The other two maps of docs/metrics.md, as heat maps of their own. */
    if (rc == RMAT_OK) {
        snprintf(title, sizeof title, "Dwell time: %s", base);
        rc = rmat_plot_map(out_dir, &res->grid, "dwell_map", title, "time in contact (s)", ei);
    }
    if (rc == RMAT_OK) {
        snprintf(title, sizeof title, "Pressure-time integral: %s%s", base,
                 res->calibrated ? "" : " (raw counts, uncalibrated)");
        snprintf(label, sizeof label, "pressure-time integral (%s s)", units);
        rc = rmat_plot_map(out_dir, &res->grid, "pti_map", title, label, ei);
    }
    return rc;
}
