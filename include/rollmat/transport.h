/* rollmat: byte links to a mat.
 *
 * One interface over the links a mat is reached by: a serial port through
 * libserialport (USB CDC-ACM or a UART bridge), or TCP (tcp://host:port) for
 * serial device servers, Wi-Fi bridges and the virtual mat. Reads wait with
 * poll() on the link's descriptor, so a pulled cable (POLLHUP, read of 0)
 * is seen at once as RMAT_E_CLOSED rather than as a silent timeout.
 */
#ifndef ROLLMAT_TRANSPORT_H
#define ROLLMAT_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "rollmat/diag.h"

#define RMAT_DEFAULT_BAUD 3000000u

struct rmat_transport;

/* Opens the link named by url: "tcp://HOST:PORT", or a serial port name
 * ("/dev/ttyACM0", "/dev/serial/by-id/..." is resolved to its device
 * first) opened at baud 8N1 with no flow control and DTR set (many USB CDC
 * firmwares send only while DTR is set). *out is NULL on error; close with
 * rmat_transport_close(). Errors: RMAT_E_ARG (malformed url), RMAT_E_NOTFOUND
 * (no such port or host), RMAT_E_CLOSED (connection refused), RMAT_E_SERIAL,
 * RMAT_E_IO; ei says which and what to try. */
int rmat_transport_open(const char *url, unsigned baud, struct rmat_transport **out,
                        struct rmat_errinfo *ei);

/* Reads up to cap bytes, waiting at most timeout_ms for the first. Returns
 * the number read (0 when the wait ran out), RMAT_E_CLOSED when the peer
 * closed or the device went away, RMAT_E_IO otherwise. */
int rmat_transport_read(struct rmat_transport *t, uint8_t *buf, size_t cap, int timeout_ms,
                        struct rmat_errinfo *ei);

/* Writes all len bytes, waiting at most timeout_ms in all. RMAT_OK, or
 * RMAT_E_TIMEOUT, RMAT_E_CLOSED, RMAT_E_IO. */
int rmat_transport_write(struct rmat_transport *t, const uint8_t *buf, size_t len, int timeout_ms,
                         struct rmat_errinfo *ei);

/* The link's name as opened (for messages and the recording). */
const char *rmat_transport_name(const struct rmat_transport *t);

/* Closes and frees t; NULL is allowed. */
void rmat_transport_close(struct rmat_transport *t);

#endif
