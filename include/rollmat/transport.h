/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: byte links to a mat.
 *
 * One interface over the links a mat is reached by: a serial port through
 * libserialport (USB CDC-ACM or a UART bridge), or TCP (tcp://host:port) for
 * serial device servers, Wi-Fi bridges and the virtual mat. Reads wait with
 * poll() on the link's descriptor, so a pulled cable (POLLHUP, read of 0)
 * is seen at once as RMAT_E_CLOSED rather than as a silent timeout.
 *
 * Serial ports can also be listed, and a mat found among them: by asking
 * each candidate USB port for its INFO (rmat_serial_find()), or, when a mat
 * that was unplugged comes back under another name (ttyACM0 -> ttyACM1), by
 * its USB serial number (rmat_serial_find_by_usb_serial()). libserialport
 * has no hot-plug events, so a caller waiting for a mat polls the latter
 * about once a second.
 */
#ifndef ROLLMAT_TRANSPORT_H
#define ROLLMAT_TRANSPORT_H

#define RMAT_HEADER_LAYER RMAT_LAYER_ACQ
#include "rollmat/layer.h"

#include <stddef.h>
#include <stdint.h>

#include "rollmat/diag.h"
#include "rollmat/wire.h"

#define RMAT_DEFAULT_BAUD 3000000u

struct rmat_transport;

/* Opens the link named by url: "tcp://HOST:PORT"; a serial port name
 * ("/dev/ttyACM0", or "ttyACM0" for it; a "/dev/serial/by-id/..." link is
 * resolved to its device first); or "auto", the first USB serial port that
 * answers GET_INFO (rmat_serial_find() with no constraints), after which
 * rmat_transport_name() gives that port's name. A serial port is opened at
 * baud 8N1 with no flow control and DTR set (many USB CDC firmwares send only
 * while DTR is set), and claimed exclusively (TIOCEXCL), so a second program
 * probing ports cannot open it and steal the mat's bytes. *out is NULL on
 * error; close with rmat_transport_close(). Errors: RMAT_E_ARG (malformed
 * url), RMAT_E_NOTFOUND (no such port or host; also a pseudo-terminal, which
 * libserialport 0.1.1 cannot open: the message says how to serve it over
 * TCP), RMAT_E_BUSY (the port is in use), RMAT_E_CLOSED (connection refused),
 * RMAT_E_SERIAL, RMAT_E_IO; ei says which and what to try. */
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

/* A link the caller implements: a test's mat in the same process, or a
 * bridge rollmat does not know. read and write have the meaning and
 * return values of rmat_transport_read() and rmat_transport_write();
 * close (may be NULL) is called once by rmat_transport_close(). */
struct rmat_transport_ops {
    int (*read)(void *ctx, uint8_t *buf, size_t cap, int timeout_ms, struct rmat_errinfo *ei);
    int (*write)(void *ctx, const uint8_t *buf, size_t len, int timeout_ms,
                 struct rmat_errinfo *ei);
    void (*close)(void *ctx);
};

/* Makes a transport over ops and ctx (both must outlive it), named name in
 * messages. *out is NULL on error (RMAT_E_ARG, RMAT_E_NOMEM); close with
 * rmat_transport_close(). */
int rmat_transport_custom(const struct rmat_transport_ops *ops, void *ctx, const char *name,
                          struct rmat_transport **out, struct rmat_errinfo *ei);

/* The link's name as opened (for messages and the recording). */
const char *rmat_transport_name(const struct rmat_transport *t);

/* Closes and frees t; NULL is allowed. */
void rmat_transport_close(struct rmat_transport *t);

/* --- serial ports ------------------------------------------------------ */

/* How long rmat_serial_probe() waits for INFO by default. A mat answers
 * GET_INFO within a few ms; 500 ms also covers a USB device that has just
 * enumerated, and keeps a scan of several ports short. */
#define RMAT_SERIAL_PROBE_MS 500

/* Field size of the strings in struct rmat_serial_port_info, NUL included;
 * longer values are cut. */
#define RMAT_SERIAL_STR_LEN 128

enum rmat_serial_transport {
    RMAT_SERIAL_NATIVE = 0, /* an on-board UART, or a port libserialport cannot place */
    RMAT_SERIAL_USB = 1,    /* USB CDC-ACM or a USB-serial bridge */
    RMAT_SERIAL_BLUETOOTH = 2,
};

/* One serial port as libserialport describes it. Strings are "" when
 * libserialport does not know them (USB fields of non-USB ports). */
struct rmat_serial_port_info {
    char name[RMAT_SERIAL_STR_LEN];        /* "/dev/ttyACM0": what to open */
    char description[RMAT_SERIAL_STR_LEN]; /* the USB product, else the name */
    enum rmat_serial_transport transport;
    uint16_t usb_vid; /* 0 when not USB or unknown */
    uint16_t usb_pid;
    char usb_serial[RMAT_SERIAL_STR_LEN]; /* the USB serial number string */
    char usb_manufacturer[RMAT_SERIAL_STR_LEN];
    char usb_product[RMAT_SERIAL_STR_LEN];
};

/* Lists the serial ports present now (sp_list_ports). Writes up to cap
 * entries to out (caller's memory; out may be NULL when cap is 0), sorted by
 * name, and sets *n to the number of ports present, which may be more than
 * cap: call again with a larger array to see them all. An empty list is
 * RMAT_OK with *n = 0. Pseudo-terminals are never listed. Errors:
 * RMAT_E_ARG, RMAT_E_SERIAL (libserialport could not read /sys/class/tty),
 * RMAT_E_NOMEM; *n is 0 then. */
int rmat_serial_list(struct rmat_serial_port_info *out, size_t cap, size_t *n,
                     struct rmat_errinfo *ei);

/* Asks the device on the serial port name whether it is a rollmat mat:
 * opens it (as rmat_transport_open() does, at baud, 0 = RMAT_DEFAULT_BAUD),
 * sends GET_INFO, sends it once more half way through if nothing came, and
 * waits up to timeout_ms in all (<= 0: RMAT_SERIAL_PROBE_MS) for an INFO,
 * which it parses into *info (may be NULL). Closes the port again. Other
 * packets (ACK, FRAMEs of a mat left streaming) and noise are skipped.
 * RMAT_OK, RMAT_E_TIMEOUT (no INFO: not a mat, not powered, another baud
 * rate), RMAT_E_CLOSED (it went away), or rmat_transport_open()'s errors. */
int rmat_serial_probe(const char *name, unsigned baud, int timeout_ms, struct rmat_info *info,
                      struct rmat_errinfo *ei);

/* What rmat_serial_find() considers. A zeroed struct (or NULL) takes any
 * USB serial port, at the default baud and probe time. */
struct rmat_serial_match {
    uint16_t usb_vid;       /* 0: any */
    uint16_t usb_pid;       /* 0: any */
    const char *usb_serial; /* NULL or "": any; else the exact USB serial number */
    unsigned baud;          /* 0: RMAT_DEFAULT_BAUD */
    int probe_timeout_ms;   /* <= 0: RMAT_SERIAL_PROBE_MS */
};

/* Finds a mat: the USB serial ports that fit m, in name order, each probed
 * with rmat_serial_probe(); the first that answers wins. Its name goes to
 * name_out (cap bytes, NUL-terminated) and its INFO to *info (may be NULL).
 * Probing writes a GET_INFO packet (a dozen bytes) to every candidate, so
 * restrict m to the mat's VID:PID where other USB serial devices are
 * plugged in; ports in use by another program are skipped (TIOCEXCL).
 * Native UARTs are not probed (name them explicitly). Errors:
 * RMAT_E_NOTFOUND (no candidate, or none answered: the message says which
 * were tried), RMAT_E_SPACE (name longer than cap), rmat_serial_list()'s.
 * name_out is "" on error. */
int rmat_serial_find(const struct rmat_serial_match *m, char *name_out, size_t cap,
                     struct rmat_info *info, struct rmat_errinfo *ei);

/* Looks once, without opening anything, for the USB serial port whose USB
 * serial number is usb_serial, and writes its name to name_out. This is how
 * a mat that was unplugged is found again under whatever name it comes back
 * with; libserialport has no hot-plug events, so a caller waiting for it
 * calls this about once a second (it reads sysfs only: cheap). RMAT_OK,
 * RMAT_E_NOTFOUND (not there now), RMAT_E_ARG (empty usb_serial),
 * RMAT_E_SPACE, or rmat_serial_list()'s errors. name_out is "" on error. */
int rmat_serial_find_by_usb_serial(const char *usb_serial, char *name_out, size_t cap,
                                   struct rmat_errinfo *ei);

#endif
