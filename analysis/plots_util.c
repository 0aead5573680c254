/* Helpers of the plots, reports, trends and batch runs (plots_int.h):
 * CSV reading, checked file writing, running a program, dates, the fitted
 * line's confidence band, and the common parts of gnuplot scripts. */
#include "plots_int.h"

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

/* --- CSV ----------------------------------------------------------------- */

/* Reads one line (any length) into c->line; 0 at EOF, 1, or -errno. The
 * trailing newline (and a CR before it) is removed. */
static int read_line(struct rmat_csv *c)
{
    size_t len = 0;
    for (;;) {
        if (c->cap - len < 2) {
            size_t ncap = c->cap ? 2 * c->cap : 1024;
            char *nl = realloc(c->line, ncap);
            if (!nl)
                return -ENOMEM;
            c->line = nl;
            c->cap = ncap;
        }
        if (!fgets(c->line + len, (int)(c->cap - len), c->f)) {
            if (ferror(c->f))
                return -(errno ? errno : EIO);
            if (len == 0)
                return 0;
            break;
        }
        len += strlen(c->line + len);
        if (len > 0 && c->line[len - 1] == '\n')
            break;
    }
    while (len > 0 && (c->line[len - 1] == '\n' || c->line[len - 1] == '\r'))
        c->line[--len] = '\0';
    return 1;
}

/* Splits s in place into fields; unquotes. Returns the count or -ENOMEM. */
static long split(char *s, char ***fields, size_t *cap)
{
    size_t n = 0;
    char *r = s, *w;
    for (;;) {
        if (n == *cap) {
            size_t ncap = *cap ? 2 * *cap : 32;
            char **nf = realloc(*fields, ncap * sizeof *nf);
            if (!nf)
                return -ENOMEM;
            *fields = nf;
            *cap = ncap;
        }
        w = r;
        (*fields)[n++] = w;
        if (*r == '"') {
            r++;
            while (*r) {
                if (*r == '"' && r[1] == '"') {
                    *w++ = '"';
                    r += 2;
                } else if (*r == '"') {
                    r++;
                    break;
                } else {
                    *w++ = *r++;
                }
            }
            while (*r && *r != ',')
                r++;
        } else {
            while (*r && *r != ',')
                *w++ = *r++;
        }
        if (*r == ',') {
            *w = '\0';
            r++;
            continue;
        }
        *w = '\0';
        break;
    }
    return (long)n;
}

int rmat_csv_open(struct rmat_csv *c, const char *path, struct rmat_errinfo *ei)
{
    long n;
    int r, e;
    size_t hcap = 0;

    memset(c, 0, sizeof *c);
    snprintf(c->path, sizeof c->path, "%s", path ? path : "");
    c->f = path ? fopen(path, "r") : NULL;
    if (!c->f) {
        e = path ? errno : EINVAL;
        return rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "cannot read %s: %s", c->path,
                                strerror(e));
    }
    r = read_line(c);
    if (r < 0)
        return rmat_errinfo_set(ei, rmat_err_from_errno(-r), -r, "cannot read %s: %s", c->path,
                                strerror(-r));
    if (r == 0)
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0, "%s is empty (no header line)", c->path);
    /* The plots' own data files start "# names" so gnuplot skips the line. */
    c->header = strdup(c->line[0] == '#' ? c->line + 1 + (c->line[1] == ' ') : c->line);
    if (!c->header)
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", c->path);
    n = split(c->header, &c->names, &hcap);
    if (n < 0)
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", c->path);
    c->ncols = (size_t)n;
    return RMAT_OK;
}

int rmat_csv_col(const struct rmat_csv *c, const char *name)
{
    for (size_t i = 0; i < c->ncols; i++)
        if (strcmp(c->names[i], name) == 0)
            return (int)i;
    return -1;
}

int rmat_csv_next(struct rmat_csv *c, struct rmat_errinfo *ei)
{
    for (;;) {
        int r = read_line(c);
        long n;
        if (r < 0)
            return rmat_errinfo_set(ei, rmat_err_from_errno(-r), -r, "cannot read %s: %s", c->path,
                                    strerror(-r));
        if (r == 0)
            return 0;
        if (c->line[0] == '\0')
            continue;
        n = split(c->line, &c->field, &c->field_cap);
        if (n < 0)
            return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", c->path);
        c->nfield = (size_t)n;
        c->row++;
        return 1;
    }
}

double rmat_csv_num(const struct rmat_csv *c, int col)
{
    const char *s = rmat_csv_str(c, col);
    char *end;
    double v;
    if (!*s)
        return NAN;
    v = strtod(s, &end);
    return end == s ? NAN : v;
}

const char *rmat_csv_str(const struct rmat_csv *c, int col)
{
    if (col < 0 || (size_t)col >= c->nfield)
        return "";
    return c->field[col];
}

void rmat_csv_close(struct rmat_csv *c)
{
    if (c->f)
        fclose(c->f);
    free(c->line);
    free(c->header);
    free(c->names);
    free(c->field);
    memset(c, 0, sizeof *c);
}

void rmat_csv_put(FILE *f, const char *s)
{
    const size_t len = s ? strlen(s) : 0;
    const int quote = len > 0 && (strpbrk(s, ",\"") != NULL || s[0] == ' ' || s[len - 1] == ' ');
    if (quote)
        fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        const unsigned char ch = (unsigned char)s[i];
        if (ch == '"')
            fputs("\"\"", f);
        else
            fputc(ch < 0x20 || ch == 0x7f ? ' ' : ch, f);
    }
    if (quote)
        fputc('"', f);
}

/* --- files --------------------------------------------------------------- */

int rmat_path_join(char *buf, size_t cap, const char *dir, const char *name,
                   struct rmat_errinfo *ei)
{
    int n = snprintf(buf, cap, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= cap)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "path too long: %s/%s", dir, name);
    return RMAT_OK;
}

int rmat_mkdirs(const char *dir, struct rmat_errinfo *ei)
{
    char buf[RMAT_PATH_BUF];
    struct stat st;
    size_t len = dir ? strlen(dir) : 0;

    if (len == 0 || len >= sizeof buf)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "folder name empty or too long");
    memcpy(buf, dir, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        const char saved = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
            const int e = errno;
            return rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "cannot create folder %s: %s",
                                    buf, strerror(e));
        }
        buf[i] = saved;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return rmat_errinfo_set(ei, RMAT_E_IO, ENOTDIR, "%s is not a folder", dir);
    return RMAT_OK;
}

int rmat_out_open(const char *dir, const char *name, FILE **f, char *path_out,
                  struct rmat_errinfo *ei)
{
    int rc = rmat_path_join(path_out, RMAT_PATH_BUF, dir, name, ei);
    *f = NULL;
    if (rc != RMAT_OK)
        return rc;
    *f = fopen(path_out, "w");
    if (!*f) {
        const int e = errno;
        return rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "cannot create %s: %s", path_out,
                                strerror(e));
    }
    errno = 0;
    return RMAT_OK;
}

int rmat_out_close(FILE *f, const char *path, struct rmat_errinfo *ei)
{
    /* The stream's error flag says a write failed and errno (cleared at
     * open, never cleared by a successful call) says why; fclose flushes
     * the rest, so its failure counts as much. */
    int bad = ferror(f), e = errno;
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (!bad)
        return RMAT_OK;
    if (e == 0)
        e = EIO;
    return rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "cannot write %s: %s", path,
                            strerror(e));
}

int rmat_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The log's last non-empty line. */
static void last_line(const char *path, char *out, size_t cap)
{
    char line[256];
    FILE *f = fopen(path, "r");
    snprintf(out, cap, "(no output)");
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0])
            snprintf(out, cap, "%.255s", line);
    }
    fclose(f);
}

int rmat_run_program(char *const argv[], const char *log_path, const char *install_hint,
                     struct rmat_errinfo *ei)
{
    int log_fd, null_fd, pfd[2], rep[2] = {0, 0}, status = 0, rc = RMAT_OK;
    ssize_t got;
    struct stat st;
    char quote[300];
    pid_t pid;

    log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log_fd < 0) {
        const int e = errno;
        return rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "cannot create %s: %s", log_path,
                                strerror(e));
    }
    null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd < 0 || pipe(pfd) != 0) {
        const int e = errno;
        if (null_fd >= 0)
            close(null_fd);
        close(log_fd);
        return rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "cannot start %s: %s", argv[0],
                                strerror(e));
    }
    /* A close-on-exec pipe tells "not found" (the child writes errno) from
     * "ran and failed" (a successful exec closes it unwritten). */
    fcntl(pfd[0], F_SETFD, FD_CLOEXEC);
    fcntl(pfd[1], F_SETFD, FD_CLOEXEC);
    pid = fork();
    if (pid == 0) {
        dup2(null_fd, 0);
        dup2(log_fd, 1);
        dup2(log_fd, 2);
        execvp(argv[0], argv);
        rep[0] = 1;
        rep[1] = errno;
        if (write(pfd[1], rep, sizeof rep) < 0) {
            /* the exit status says it all the same */
        }
        _exit(127);
    }
    close(pfd[1]);
    if (pid < 0) {
        const int e = errno;
        rc = rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "cannot start %s: %s", argv[0],
                              strerror(e));
        goto out;
    }
    do
        got = read(pfd[0], rep, sizeof rep);
    while (got < 0 && errno == EINTR);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (got == (ssize_t)sizeof rep) {
        rc = rep[1] == ENOENT ? rmat_errinfo_set(ei, RMAT_E_NOTFOUND, rep[1], "%s not found: %s",
                                                 argv[0], install_hint)
                              : rmat_errinfo_set(ei, RMAT_E_EXEC, rep[1], "cannot run %s: %s",
                                                 argv[0], strerror(rep[1]));
        goto out;
    }
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        last_line(log_path, quote, sizeof quote);
        rc = rmat_errinfo_set(ei, RMAT_E_EXEC, 0, "%s failed (status %d): %s (output in %s)",
                              argv[0], WIFEXITED(status) ? WEXITSTATUS(status) : -1, quote,
                              log_path);
    }
out:
    close(pfd[0]);
    close(null_fd);
    if (fstat(log_fd, &st) == 0 && st.st_size == 0)
        unlink(log_path);
    close(log_fd);
    return rc;
}

/* --- dates --------------------------------------------------------------- */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil), so no time zone or locale enters. */
static long days_from_civil(long y, long m, long d)
{
    y -= m <= 2;
    const long era = (y >= 0 ? y : y - 399) / 400;
    const long yoe = y - era * 400;
    const long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

double rmat_iso_to_unix(const char *iso)
{
    int y, mo, d, h = 0, mi = 0, n = 0;
    double s = 0;
    const char *p;

    if (!iso || sscanf(iso, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || mo < 1 || mo > 12 || d < 1 ||
        d > 31)
        return NAN;
    p = iso + n;
    if (*p == 'T' || *p == ' ') {
        int k = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &k) != 2)
            return NAN;
        p += 1 + k;
        if (*p == ':') {
            char *end;
            s = strtod(p + 1, &end);
            if (end == p + 1)
                return NAN;
            p = end;
        }
    }
    double t = (double)days_from_civil(y, mo, d) * 86400.0 + h * 3600.0 + mi * 60.0 + s;
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh = 0, om = 0;
        const int sign = *p == '-' ? -1 : 1;
        if (sscanf(p + 1, "%2d:%2d", &oh, &om) < 1)
            return NAN;
        t -= sign * (oh * 3600.0 + om * 60.0);
        p += strlen(p);
    }
    return *p == '\0' ? t : NAN;
}

void rmat_unix_to_date(double t, char *buf, size_t cap)
{
    if (!isfinite(t)) {
        snprintf(buf, cap, "%s", "");
        return;
    }
    /* civil_from_days, the inverse of the above. */
    long z = (long)floor(t / 86400.0) + 719468;
    const long era = (z >= 0 ? z : z - 146096) / 146097;
    const long doe = z - era * 146097;
    const long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const long mp = (5 * doy + 2) / 153;
    const long d = doy - (153 * mp + 2) / 5 + 1;
    const long m = mp < 10 ? mp + 3 : mp - 9;
    const long y = yoe + era * 400 + (m <= 2);
    snprintf(buf, cap, "%04ld-%02ld-%02ld", y, m, d);
}

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
