/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: the one error convention.
 *
 * Every function of librollmat that can fail returns an int: 0 (RMAT_OK) on
 * success, a negative enum rmat_err value on failure, or, where its comment
 * says so, a non-negative count. Errors of libserialport, HDF5 and errno are
 * mapped to these codes where they occur; the OS detail goes into a
 * struct rmat_errinfo (diag.h) where the function takes one.
 *
 * This header is portable (firmware/core includes it): no libc beyond
 * <stdint.h>.
 */
#ifndef ROLLMAT_ERR_H
#define ROLLMAT_ERR_H

enum rmat_err {
    RMAT_OK = 0,
    RMAT_E_ARG = -1,          /* an argument is out of range or NULL */
    RMAT_E_NOMEM = -2,        /* out of memory */
    RMAT_E_SPACE = -3,        /* the caller's output buffer is too small */
    RMAT_E_IO = -4,           /* read/write failed (OS detail in errinfo) */
    RMAT_E_TIMEOUT = -5,      /* no answer in time */
    RMAT_E_CLOSED = -6,       /* the peer closed the link or the cable was pulled */
    RMAT_E_PROTO = -7,        /* the peer broke the protocol (unexpected reply, NAK) */
    RMAT_E_SHORT = -8,        /* packet empty or shorter than its type needs */
    RMAT_E_CRC = -9,          /* packet CRC mismatch */
    RMAT_E_VERSION = -10,     /* unknown protocol version */
    RMAT_E_TYPE = -11,        /* unknown packet type */
    RMAT_E_COBS = -12,        /* invalid COBS encoding */
    RMAT_E_TOOLONG = -13,     /* packet longer than the limit */
    RMAT_E_MALFORMED = -14,   /* fields inconsistent (bad encoding, sparse order) */
    RMAT_E_HDF5 = -15,        /* the HDF5 library failed */
    RMAT_E_FORMAT = -16,      /* not a rollmat recording, or a malformed one */
    RMAT_E_NEWER = -17,       /* a newer format or protocol version than we read */
    RMAT_E_SERIAL = -18,      /* libserialport failed */
    RMAT_E_NOSPC = -19,       /* no space left on the device */
    RMAT_E_BUSY = -20,        /* already doing that (e.g. a recording is running) */
    RMAT_E_UNSUPPORTED = -21, /* the device or build lacks the feature */
    RMAT_E_NOTFOUND = -22,    /* no such file, port or device */
    RMAT_E_EXISTS = -23,      /* refusing to overwrite an existing file */
    RMAT_E_EXEC = -24,        /* an external program (gnuplot) failed */
    RMAT_E_STOPPED = -25,     /* interrupted by a stop request (not an error to report) */
};

/* A static English description of an rmat_err code; never NULL. */
const char *rmat_strerror(int err);

#endif
