/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat command: helpers shared by the subcommands (program code, not
 * library: it prints). Each subcommand lives in tools/rollmat/cli_<name>.c.
 *
 * One convention for every subcommand:
 *  - every error is one line "rollmat SUBCOMMAND: error: ..." on stderr;
 *  - exit status 0 on success, 1 when the work failed, 2 for a usage
 *    mistake (a wrong option or value, a missing argument), which also says
 *    where to look ("see `rollmat SUBCOMMAND --help`");
 *  - outputs are checked before any work or connection: a file is never
 *    overwritten unless --force, a folder where a file is wanted (or the
 *    reverse) is named as such;
 *  - warnings and progress from the library print as
 *    "rollmat SUBCOMMAND: warning: ...".
 */
#ifndef RMAT_CLI_H
#define RMAT_CLI_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "rollmat/diag.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* What every subcommand carries: its name for messages, the verbosity and
 * the logger it gives the library. */
struct cli {
    const char *cmd; /* "record", "record start", ... */
    int verbose;
    struct rmat_log log;
};

/* Sets c up for subcommand cmd (a string that outlives c). */
void cli_init(struct cli *c, const char *cmd);

/* Set by SIGINT/SIGTERM once cli_catch_signals() ran. */
extern volatile sig_atomic_t cli_stop_requested;

void cli_catch_signals(void);

/* Prints "rollmat CMD: error: <message>" and returns CLI_FAIL. */
int cli_fail(const struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The library's error: its message, or what rc means. Returns CLI_FAIL. */
int cli_fail_ei(const struct cli *c, int rc, const struct rmat_errinfo *ei);
/* A usage mistake: the message and where to look; returns CLI_USAGE. */
int cli_usage(const struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The optstring prefix and setting every subcommand gives getopt_long: it
 * prints nothing itself, and a missing value is told from an unknown
 * option. Call before the getopt loop. (An optstring in GNU's in-order
 * mode puts its '-' first: "-:o:h".) */
#define CLI_GETOPT(s) (":" s)
void cli_getopt_quiet(void);
/* After getopt_long returned '?' or ':': says which option is unknown or
 * lacks its value, in one line with a hint to --help. Returns CLI_USAGE. */
int cli_bad_option(const struct cli *c, int ret, char **argv);

/* Parses a number in [lo, hi] for option opt (decimal only: no hex, no
 * NaN); says why and returns -1 if it is not one. */
int cli_parse_number(const struct cli *c, const char *opt, const char *s, double lo, double hi,
                     double *out);
/* The same for a whole number. */
int cli_parse_int(const struct cli *c, const char *opt, const char *s, long lo, long hi, long *out);

/* Parses a range "A-B" (or "A": A to A) of positive numbers, A <= B, for
 * option opt (rmat_adherence_parse_range()); says why and returns -1 if it
 * is not one. */
int cli_parse_range(const struct cli *c, const char *opt, const char *s, double *lo, double *hi);

/* Copies s into dst (cap bytes) or says it is too long and returns -1. */
int cli_copy_attr(const struct cli *c, const char *opt, const char *s, char *dst, size_t cap);

/* Returns 0 if s is one of the NULL-terminated allowed values, else says
 * which are and returns -1. */
int cli_one_of(const struct cli *c, const char *opt, const char *s, const char *const *allowed);

/* Before any work: path (given with option opt) can be written as a new
 * file: it is not a folder, it does not exist (unless force is 1; -1 for a
 * file that is never replaced, such as a recording), and the folder it
 * goes in exists. Says what is wrong and returns -1. */
int cli_check_out_file(const struct cli *c, const char *opt, const char *path, int force);
/* Before any work: path can be the output folder (it may exist; it must
 * not be a file). Says what is wrong and returns -1. */
int cli_check_out_dir(const struct cli *c, const char *opt, const char *path);

/* The subcommands: argc/argv start at the subcommand's name. */
int cli_record(int argc, char **argv);
int cli_analyze(int argc, char **argv);
int cli_recover(int argc, char **argv);
int cli_daemon_record(int argc, char **argv); /* record start|stop */
int cli_mark(int argc, char **argv);
int cli_status(int argc, char **argv);
int cli_calibrate(int argc, char **argv);
int cli_equilibrate(int argc, char **argv);
int cli_plot(int argc, char **argv);
int cli_report(int argc, char **argv);
int cli_trend(int argc, char **argv);
int cli_batch(int argc, char **argv);
int cli_view(int argc, char **argv);
int cli_movie(int argc, char **argv);
int cli_import(int argc, char **argv);
int cli_export(int argc, char **argv);

/* For plot, report and compare: the analysis folder of arg into dir. A
 * folder with summary.json is used as it is (regions must then be NULL: a
 * usage mistake otherwise); a recording is analysed (with the calibration
 * file, NULL: its own, and the regions file, NULL: none) into out_dir,
 * else a folder beside it named after it, and its events written to
 * events.csv. Prints why and returns -1 on failure, -2 on a usage
 * mistake. */
int cli_session_dir(const struct cli *c, const char *arg, const char *out_dir,
                    const char *calibration, const char *regions, char *dir, size_t cap);
int cli_compare(int argc, char **argv);

#endif
