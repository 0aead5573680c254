/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Error detail and logging helpers of the host library. */
#include "rollmat/diag.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int rmat_errinfo_set(struct rmat_errinfo *ei, int code, int sys_errno, const char *fmt, ...)
{
    if (ei) {
        va_list ap;
        ei->code = code;
        ei->sys_errno = sys_errno;
        va_start(ap, fmt);
        vsnprintf(ei->msg, sizeof ei->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

void rmat_errinfo_clear(struct rmat_errinfo *ei)
{
    if (ei) {
        ei->code = RMAT_OK;
        ei->sys_errno = 0;
        ei->msg[0] = '\0';
    }
}

int rmat_err_from_errno(int e)
{
    switch (e) {
    case 0:
        return RMAT_OK;
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
        return RMAT_E_NOSPC;
    case ENOENT:
    case ENODEV:
    case ENXIO:
        return RMAT_E_NOTFOUND;
    case EEXIST:
        return RMAT_E_EXISTS;
    case ENOMEM:
        return RMAT_E_NOMEM;
    case EINVAL:
        return RMAT_E_ARG;
    case ETIMEDOUT:
    case EAGAIN:
        return RMAT_E_TIMEOUT;
    case EPIPE:
    case ECONNRESET:
    case ECONNREFUSED:
    case ENOTCONN:
    case EHOSTUNREACH:
        return RMAT_E_CLOSED;
    case EBUSY:
        return RMAT_E_BUSY;
    default:
        return RMAT_E_IO;
    }
}

void rmat_logf(const struct rmat_log *log, enum rmat_log_level level, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    if (!log || !log->fn)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    log->fn(log->ctx, level, msg);
}
