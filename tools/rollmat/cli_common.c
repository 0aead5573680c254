/* rollmat command: helpers shared by the subcommands. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void cli_log_stderr(void *ctx, enum rmat_log_level level, const char *msg)
{
    static const char *const names[] = {"error", "warning", "info", "debug"};
    const int verbose = ctx ? *(const int *)ctx : 0;

    if (level == RMAT_LOG_DEBUG && !verbose)
        return;
    fprintf(stderr, "rollmat: %s%s%s\n", level <= RMAT_LOG_WARN ? names[level] : "",
            level <= RMAT_LOG_WARN ? ": " : "", msg);
}

int cli_parse_number(const char *opt, const char *s, double lo, double hi, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (end == s || *end != '\0' || errno || !isfinite(v) || v < lo || v > hi) {
        fprintf(stderr, "rollmat: %s wants a number from %g to %g, got '%s'\n", opt, lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_copy_attr(const char *opt, const char *s, char *dst, size_t cap)
{
    if (strlen(s) >= cap) {
        fprintf(stderr, "rollmat: %s is longer than %zu bytes\n", opt, cap - 1);
        return -1;
    }
    memcpy(dst, s, strlen(s) + 1);
    return 0;
}

int cli_one_of(const char *opt, const char *s, const char *const *allowed)
{
    for (const char *const *a = allowed; *a; a++)
        if (strcmp(s, *a) == 0)
            return 0;
    fprintf(stderr, "rollmat: %s must be one of:", opt);
    for (const char *const *a = allowed; *a; a++)
        fprintf(stderr, " %s", *a);
    fprintf(stderr, " (got '%s')\n", s);
    return -1;
}
