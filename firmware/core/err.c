/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rmat_strerror: portable, so the firmware could name its errors too. */
#include "rollmat/err.h"

const char *rmat_strerror(int err)
{
    switch (err) {
    case RMAT_OK:
        return "ok";
    case RMAT_E_ARG:
        return "invalid argument";
    case RMAT_E_NOMEM:
        return "out of memory";
    case RMAT_E_SPACE:
        return "buffer too small";
    case RMAT_E_IO:
        return "input/output error";
    case RMAT_E_TIMEOUT:
        return "timed out";
    case RMAT_E_CLOSED:
        return "connection closed";
    case RMAT_E_PROTO:
        return "protocol error";
    case RMAT_E_SHORT:
        return "packet too short";
    case RMAT_E_CRC:
        return "CRC mismatch";
    case RMAT_E_VERSION:
        return "unknown protocol version";
    case RMAT_E_TYPE:
        return "unknown packet type";
    case RMAT_E_COBS:
        return "invalid COBS encoding";
    case RMAT_E_TOOLONG:
        return "packet too long";
    case RMAT_E_MALFORMED:
        return "malformed packet";
    case RMAT_E_HDF5:
        return "HDF5 error";
    case RMAT_E_FORMAT:
        return "not a valid rollmat recording";
    case RMAT_E_NEWER:
        return "newer format version than this build reads";
    case RMAT_E_SERIAL:
        return "serial port error";
    case RMAT_E_NOSPC:
        return "no space left on device";
    case RMAT_E_BUSY:
        return "busy";
    case RMAT_E_UNSUPPORTED:
        return "not supported";
    case RMAT_E_NOTFOUND:
        return "not found";
    case RMAT_E_EXISTS:
        return "already exists";
    case RMAT_E_EXEC:
        return "external program failed";
    case RMAT_E_STOPPED:
        return "stopped";
    default:
        return "unknown error";
    }
}
