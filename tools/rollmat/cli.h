/* rollmat command: helpers shared by the subcommands (program code, not
 * library: it prints). Each subcommand lives in analysis/cli_<name>.c. */
#ifndef RMAT_CLI_H
#define RMAT_CLI_H

#include <signal.h>
#include <stddef.h>

#include "rollmat/diag.h"

/* Set by SIGINT/SIGTERM once cli_catch_signals() ran. */
extern volatile sig_atomic_t cli_stop_requested;

void cli_catch_signals(void);

/* A logger printing "rollmat: warning: ..." to stderr; ctx points to an int
 * that enables debug messages when non-zero. */
void cli_log_stderr(void *ctx, enum rmat_log_level level, const char *msg);

/* Parses a number in [lo, hi] for option opt; prints why and returns -1
 * if it is not one. */
int cli_parse_number(const char *opt, const char *s, double lo, double hi, double *out);

/* Copies s into dst (cap bytes) or prints that it is too long and returns -1. */
int cli_copy_attr(const char *opt, const char *s, char *dst, size_t cap);

/* Returns 0 if s is one of the NULL-terminated allowed values, else prints
 * them and returns -1. */
int cli_one_of(const char *opt, const char *s, const char *const *allowed);

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

/* For plot and report: the analysis folder of arg into dir. A folder with
 * summary.json is used as it is; a recording is analysed (with the
 * calibration file, NULL: its own) into out_dir, else a folder beside it
 * named after it, and its events written to events.csv. Prints why and
 * returns -1 on failure. */
struct rmat_log;
int cli_session_dir(const char *arg, const char *out_dir, const char *calibration,
                    const struct rmat_log *log, char *dir, size_t cap);

#endif
