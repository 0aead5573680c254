/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat command: helpers shared by the subcommands (cli.h). */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rollmat/trend.h"

/* The one mutable global STYLE.md allows: the stop flag a signal sets. */
volatile sig_atomic_t cli_stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    cli_stop_requested = 1;
}

void cli_catch_signals(void)
{
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
}

static void log_stderr(void *ctx, enum rmat_log_level level, const char *msg)
{
    static const char *const names[] = {"error", "warning", "info", "debug"};
    const struct cli *c = ctx;

    if (level == RMAT_LOG_DEBUG && !c->verbose)
        return;
    fprintf(stderr, "rollmat %s: %s%s%s\n", c->cmd, level <= RMAT_LOG_WARN ? names[level] : "",
            level <= RMAT_LOG_WARN ? ": " : "", msg);
}

void cli_init(struct cli *c, const char *cmd)
{
    c->cmd = cmd;
    c->verbose = 0;
    c->log.fn = log_stderr;
    c->log.ctx = c;
}

static void vsay(const struct cli *c, const char *fmt, va_list ap)
{
    fprintf(stderr, "rollmat %s: error: ", c->cmd);
    vfprintf(stderr, fmt, ap);
}

int cli_fail(const struct cli *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(c, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_FAIL;
}

int cli_fail_ei(const struct cli *c, int rc, const struct rmat_errinfo *ei)
{
    return cli_fail(c, "%s", ei && ei->msg[0] ? ei->msg : rmat_strerror(rc));
}

int cli_usage(const struct cli *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(c, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see `rollmat %s --help`)\n", c->cmd);
    return CLI_USAGE;
}

void cli_getopt_quiet(void)
{
    opterr = 0;
}

int cli_bad_option(const struct cli *c, int ret, char **argv)
{
    /* getopt_long leaves the offending word at argv[optind - 1]; for a
     * short option optopt holds its letter. */
    const char *word = optind > 0 ? argv[optind - 1] : "?";
    char shortopt[3] = {'-', (char)optopt, '\0'};
    const char *name = optopt && word[0] == '-' && word[1] != '-' ? shortopt : word;

    if (ret == ':')
        return cli_usage(c, "option %s needs a value", name);
    return cli_usage(c, "unknown option %s", name);
}

int cli_parse_range(const struct cli *c, const char *opt, const char *s, double *lo, double *hi)
{
    if (rmat_adherence_parse_range(s, lo, hi) != 0) {
        cli_usage(c, "%s wants a range of positive numbers, low first, such as 2-3, got '%s'", opt,
                  s);
        return -1;
    }
    return 0;
}

int cli_parse_number(const struct cli *c, const char *opt, const char *s, double lo, double hi,
                     double *out)
{
    char *end;
    double v;
    const char *p = s;

    /* Decimal only: strtod would also take "0x10", "inf" and "nan". */
    if (*p == '+' || *p == '-')
        p++;
    if (!((*p >= '0' && *p <= '9') || *p == '.') || strpbrk(s, "xXpP") != NULL) {
        cli_usage(c, "%s wants a number from %g to %g, got '%s'", opt, lo, hi, s);
        return -1;
    }
    errno = 0;
    v = strtod(s, &end);
    if (end == s || *end != '\0' || errno || !isfinite(v) || v < lo || v > hi) {
        cli_usage(c, "%s wants a number from %g to %g, got '%s'", opt, lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_parse_int(const struct cli *c, const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end;
    long v;
    const char *p = s;

    if (*p == '+' || *p == '-')
        p++;
    if (!(*p >= '0' && *p <= '9')) {
        cli_usage(c, "%s wants a whole number from %ld to %ld, got '%s'", opt, lo, hi, s);
        return -1;
    }
    errno = 0;
    v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno || v < lo || v > hi) {
        cli_usage(c, "%s wants a whole number from %ld to %ld, got '%s'", opt, lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_copy_attr(const struct cli *c, const char *opt, const char *s, char *dst, size_t cap)
{
    if (strlen(s) >= cap) {
        cli_usage(c, "%s is longer than %zu bytes", opt, cap - 1);
        return -1;
    }
    memcpy(dst, s, strlen(s) + 1);
    return 0;
}

int cli_one_of(const struct cli *c, const char *opt, const char *s, const char *const *allowed)
{
    char list[256] = "";
    size_t n = 0;

    for (const char *const *a = allowed; *a; a++)
        if (strcmp(s, *a) == 0)
            return 0;
    for (const char *const *a = allowed; *a && n < sizeof list; a++) {
        int k = snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "", *a);
        if (k < 0)
            break;
        n += (size_t)k;
    }
    cli_usage(c, "%s must be one of %s, got '%s'", opt, list, s);
    return -1;
}

int cli_check_out_file(const struct cli *c, const char *opt, const char *path, int force)
{
    struct stat st;
    char dir[PATH_MAX];
    const char *slash;

    if (!path || !*path) {
        cli_usage(c, "%s needs a file name", opt);
        return -1;
    }
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            cli_fail(c, "%s %s is a folder; give the name of a file to write", opt, path);
            return -1;
        }
        if (force < 0) {
            cli_fail(c, "%s exists; rollmat never overwrites a recording: choose another name",
                     path);
            return -1;
        }
        if (!force) {
            cli_fail(c,
                     "%s exists; rollmat does not overwrite it: choose another name, or pass "
                     "--force to replace it",
                     path);
            return -1;
        }
    }
    slash = strrchr(path, '/');
    if (slash && slash != path) {
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
            cli_fail(c, "%s: the folder %s does not exist; create it first", path, dir);
            return -1;
        }
    }
    return 0;
}

int cli_check_out_dir(const struct cli *c, const char *opt, const char *path)
{
    struct stat st;

    if (!path || !*path) {
        cli_usage(c, "%s needs a folder name", opt);
        return -1;
    }
    if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode)) {
        cli_fail(c, "%s %s is a file, not a folder; give a folder to write into", opt, path);
        return -1;
    }
    return 0;
}
