/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: error detail and logging for the host library.
 *
 * The library never prints. A function that can fail for reasons a user must
 * act on takes a `struct rmat_errinfo *` (NULL allowed) and fills it with the
 * code and a message that names the file, the value and what to do. Progress
 * and warnings go through a `struct rmat_log` the program installs in the
 * configuration it passes; a NULL log, or a NULL fn, discards them.
 */
#ifndef ROLLMAT_DIAG_H
#define ROLLMAT_DIAG_H

#define RMAT_HEADER_LAYER RMAT_LAYER_COMMON
#include "rollmat/layer.h"

#include "rollmat/err.h"

#define RMAT_ERRINFO_MSG 512

struct rmat_errinfo {
    int code;      /* an enum rmat_err value */
    int sys_errno; /* errno at the failure, 0 if none */
    char msg[RMAT_ERRINFO_MSG];
};

/* Fills ei (if not NULL) and returns code, so `return rmat_errinfo_set(...)`
 * reads as one statement. The message is printf-formatted. */
int rmat_errinfo_set(struct rmat_errinfo *ei, int code, int sys_errno, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Clears ei (if not NULL) to RMAT_OK and an empty message. */
void rmat_errinfo_clear(struct rmat_errinfo *ei);

/* Maps an errno value to the closest rmat_err code (ENOSPC -> RMAT_E_NOSPC,
 * ENOENT -> RMAT_E_NOTFOUND, EEXIST -> RMAT_E_EXISTS, ...; RMAT_E_IO else). */
int rmat_err_from_errno(int e);

enum rmat_log_level {
    RMAT_LOG_ERROR = 0,
    RMAT_LOG_WARN = 1,
    RMAT_LOG_INFO = 2,
    RMAT_LOG_DEBUG = 3,
};

struct rmat_log {
    /* Called with a complete message without a trailing newline. */
    void (*fn)(void *ctx, enum rmat_log_level level, const char *msg);
    void *ctx;
};

/* Formats and passes one message to log->fn; does nothing if log or fn is
 * NULL. */
void rmat_logf(const struct rmat_log *log, enum rmat_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
