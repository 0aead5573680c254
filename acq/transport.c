/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Byte links to a mat: TCP and serial (libserialport). See transport.h. */
#include "rollmat/transport.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <libserialport.h>

#include "rollmat/decoder.h"

#define CONNECT_TIMEOUT_MS 5000

/* Linux Unix98 pty slaves (/dev/pts/N) have these majors
 * (Documentation/admin-guide/devices.txt); used only to explain an error. */
#define PTY_SLAVE_MAJOR_FIRST 136u
#define PTY_SLAVE_MAJOR_LAST  143u

/* rmat_serial_find() looks at this many ports at most; a lab machine has a
 * handful. */
#define FIND_MAX_PORTS 64

struct rmat_transport {
    int fd;               /* what poll() watches: the socket or the tty */
    struct sp_port *port; /* NULL for TCP */
    char name[300];
    /* A link of the caller's (rmat_transport_custom()): ops not NULL. */
    const struct rmat_transport_ops *ops;
    void *ctx;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int tcp_open(struct rmat_transport *t, const char *hostport, struct rmat_errinfo *ei)
{
    char host[256];
    const char *colon = strrchr(hostport, ':');
    struct addrinfo hints = {0}, *ai = NULL, *a;
    int rc, err = 0, one = 1;

    if (!colon || colon == hostport || (size_t)(colon - hostport) >= sizeof host ||
        colon[1] == '\0')
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                                "'tcp://%s' is not tcp://HOST:PORT (e.g. tcp://127.0.0.1:5760)",
                                hostport);
    memcpy(host, hostport, (size_t)(colon - hostport));
    host[colon - hostport] = '\0';
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(host, colon + 1, &hints, &ai);
    if (rc != 0)
        return rmat_errinfo_set(ei, RMAT_E_NOTFOUND, 0, "cannot resolve tcp://%s: %s", hostport,
                                gai_strerror(rc));
    for (a = ai; a; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, 0);
        struct pollfd pfd;
        socklen_t len = sizeof err;

        if (fd < 0) {
            err = errno;
            continue;
        }
        {
            /* Room for a burst of frames while the reader batches its reads
             * (rollmatd reads every 20 ms: 160 kB at 64x64 and 1000 Hz). Set
             * before connect(): the window scale is agreed in the handshake. */
            int rcvbuf = 1 << 20;
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
        }
        /* Connect without blocking so an unreachable bridge times out in
         * CONNECT_TIMEOUT_MS instead of the kernel's minutes. */
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        if (connect(fd, a->ai_addr, a->ai_addrlen) < 0 && errno != EINPROGRESS) {
            err = errno;
            close(fd);
            continue;
        }
        pfd.fd = fd;
        pfd.events = POLLOUT;
        if (poll(&pfd, 1, CONNECT_TIMEOUT_MS) != 1) {
            err = ETIMEDOUT;
            close(fd);
            continue;
        }
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) {
            close(fd);
            continue;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        t->fd = fd;
        freeaddrinfo(ai);
        return RMAT_OK;
    }
    freeaddrinfo(ai);
    return rmat_errinfo_set(ei, err == ETIMEDOUT ? RMAT_E_TIMEOUT : RMAT_E_CLOSED, err,
                            "cannot connect to tcp://%s: %s (is the mat or bridge on and "
                            "listening there?)",
                            hostport, strerror(err));
}

static int sp_fail(struct rmat_errinfo *ei, const char *what, const char *name, enum sp_return r)
{
    char *msg = sp_last_error_message();
    int code = r == SP_ERR_MEM ? RMAT_E_NOMEM : RMAT_E_SERIAL;
    int e = r == SP_ERR_FAIL ? sp_last_error_code() : 0;

    rmat_errinfo_set(ei, code, e, "serial port %s: %s failed: %s", name, what,
                     r == SP_ERR_FAIL && msg ? msg : "libserialport error");
    sp_free_error_message(msg);
    return code;
}

static int is_pty(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISCHR(st.st_mode) &&
           major(st.st_rdev) >= PTY_SLAVE_MAJOR_FIRST && major(st.st_rdev) <= PTY_SLAVE_MAJOR_LAST;
}

/* sp_open() failed: say what the user can do about the usual causes. */
static int open_fail(struct rmat_errinfo *ei, const char *name, enum sp_return r)
{
    int e = r == SP_ERR_FAIL ? sp_last_error_code() : 0;

    if (e == EACCES)
        return rmat_errinfo_set(ei, RMAT_E_SERIAL, e,
                                "serial port %s: permission denied (add your user to the "
                                "'dialout' group: sudo adduser $USER dialout, then log in again)",
                                name);
    if (e == EBUSY)
        return rmat_errinfo_set(ei, RMAT_E_BUSY, e,
                                "serial port %s is in use by another program (a rollmat daemon or "
                                "recorder? `fuser %s` names it)",
                                name, name);
    if (e == ENOENT || e == ENODEV || e == ENXIO)
        return rmat_errinfo_set(ei, RMAT_E_NOTFOUND, e,
                                "serial port %s: %s (was the mat unplugged?)", name, strerror(e));
    return sp_fail(ei, "open", name, r);
}

static int serial_open(struct rmat_transport *t, const char *name, unsigned baud,
                       struct rmat_errinfo *ei)
{
    char real[PATH_MAX], dev[PATH_MAX];
    enum sp_return r;

    /* A bare "ttyACM0" means /dev/ttyACM0: that is how ports are spoken of. */
    if (!strchr(name, '/') && snprintf(dev, sizeof dev, "/dev/%s", name) < (int)sizeof dev)
        name = dev;
    /* libserialport 0.1.1 finds a port through /sys/class/tty/<name>, so a
     * /dev/serial/by-id/ link must be resolved to its /dev/ttyXXX first. */
    if (!realpath(name, real))
        return rmat_errinfo_set(ei, RMAT_E_NOTFOUND, errno,
                                "serial port %s: %s (is the mat plugged in? `ls /dev/serial/by-id` "
                                "lists USB ports; a TCP bridge is tcp://HOST:PORT)",
                                name, strerror(errno));
    r = sp_get_port_by_name(real, &t->port);
    if (r != SP_OK) {
        t->port = NULL;
        /* libserialport 0.1.1 looks the port up in /sys/class/tty, where a
         * pty has no entry, and reads its modem lines, which a pty lacks. */
        if (is_pty(real))
            return rmat_errinfo_set(
                ei, RMAT_E_NOTFOUND, 0,
                "%s is a pseudo-terminal (%s), which libserialport 0.1.1 cannot open as a serial "
                "port; serve it over TCP instead: socat TCP-LISTEN:5760,reuseaddr FILE:%s,raw "
                "and use tcp://127.0.0.1:5760",
                name, real, real);
        return rmat_errinfo_set(ei, RMAT_E_NOTFOUND, 0,
                                "%s is not a serial port libserialport knows (a pseudo-terminal "
                                "is reached through a TCP bridge such as socat or ser2net)",
                                name);
    }
    r = sp_open(t->port, SP_MODE_READ_WRITE);
    if (r != SP_OK)
        return open_fail(ei, name, r);
    if ((r = sp_get_port_handle(t->port, &t->fd)) != SP_OK)
        return sp_fail(ei, "getting the descriptor", name, r);
    /* Claim the port: while we hold it, no other program (a second rollmat
     * probing for mats) can open it and take the mat's bytes. Root is not
     * stopped by it. Not across exec: a spawned gnuplot must not hold the
     * port after we close it. */
    if (ioctl(t->fd, TIOCEXCL) != 0)
        return rmat_errinfo_set(ei, RMAT_E_SERIAL, errno, "serial port %s: TIOCEXCL: %s", name,
                                strerror(errno));
    fcntl(t->fd, F_SETFD, fcntl(t->fd, F_GETFD) | FD_CLOEXEC);
    if ((r = sp_set_baudrate(t->port, (int)baud)) != SP_OK)
        return sp_fail(ei, "setting the baud rate", name, r);
    if ((r = sp_set_bits(t->port, 8)) != SP_OK ||
        (r = sp_set_parity(t->port, SP_PARITY_NONE)) != SP_OK ||
        (r = sp_set_stopbits(t->port, 1)) != SP_OK ||
        (r = sp_set_flowcontrol(t->port, SP_FLOWCONTROL_NONE)) != SP_OK)
        return sp_fail(ei, "setting 8N1 without flow control", name, r);
    /* Many USB CDC firmwares send only while DTR is set. */
    if ((r = sp_set_dtr(t->port, SP_DTR_ON)) != SP_OK)
        return sp_fail(ei, "setting DTR", name, r);
    return RMAT_OK;
}

int rmat_transport_open(const char *url, unsigned baud, struct rmat_transport **out,
                        struct rmat_errinfo *ei)
{
    struct rmat_transport *t;
    int rc;

    *out = NULL;
    if (!url || !*url)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                                "no device given (a serial port or "
                                "tcp://HOST:PORT)");
    t = calloc(1, sizeof *t);
    if (!t)
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "out of memory");
    t->fd = -1;
    snprintf(t->name, sizeof t->name, "%s", url);
    if (strncmp(url, "tcp://", 6) == 0) {
        rc = tcp_open(t, url + 6, ei);
    } else if (strcmp(url, "auto") == 0) {
        const struct rmat_serial_match m = {.baud = baud};
        rc = rmat_serial_find(&m, t->name, sizeof t->name, NULL, ei);
        if (rc == RMAT_OK)
            rc = serial_open(t, t->name, baud ? baud : RMAT_DEFAULT_BAUD, ei);
    } else if (strstr(url, "://")) {
        rc =
            rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                             "'%s': unknown link (use a serial port name or tcp://HOST:PORT)", url);
    } else {
        rc = serial_open(t, url, baud ? baud : RMAT_DEFAULT_BAUD, ei);
    }
    if (rc != RMAT_OK) {
        rmat_transport_close(t);
        return rc;
    }
    *out = t;
    return RMAT_OK;
}

/* errno values of a tty whose device went away: EIO once the other side
 * of a pty closed or a USB device was unplugged, ENODEV/ENXIO after that. */
static int gone_errno(int e)
{
    return e == EIO || e == ENODEV || e == ENXIO;
}

int rmat_transport_custom(const struct rmat_transport_ops *ops, void *ctx, const char *name,
                          struct rmat_transport **out, struct rmat_errinfo *ei)
{
    struct rmat_transport *t;

    if (out)
        *out = NULL;
    if (!ops || !ops->read || !ops->write || !out)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "custom link: read and write needed");
    t = calloc(1, sizeof *t);
    if (!t)
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "custom link: out of memory");
    t->fd = -1;
    t->ops = ops;
    t->ctx = ctx;
    snprintf(t->name, sizeof t->name, "%s", name ? name : "custom");
    *out = t;
    return RMAT_OK;
}

int rmat_transport_read(struct rmat_transport *t, uint8_t *buf, size_t cap, int timeout_ms,
                        struct rmat_errinfo *ei)
{
    if (t->ops)
        return t->ops->read(t->ctx, buf, cap, timeout_ms, ei);

    struct pollfd pfd = {.fd = t->fd, .events = POLLIN};
    int r = poll(&pfd, 1, timeout_ms);

    if (r < 0)
        return errno == EINTR ? 0
                              : rmat_errinfo_set(ei, RMAT_E_IO, errno, "%s: poll: %s", t->name,
                                                 strerror(errno));
    if (r == 0)
        return 0;
    if (pfd.revents & POLLIN) {
        if (t->port) {
            int n = (int)sp_nonblocking_read(t->port, buf, cap);
            if (n > 0)
                return n;
            if (n < 0 && !(pfd.revents & (POLLHUP | POLLERR)) && !gone_errno(sp_last_error_code()))
                return sp_fail(ei, "read", t->name, (enum sp_return)n);
            /* libserialport sets VMIN = VTIME = 0, so a read with nothing
             * to read gives 0, not EAGAIN: only with POLLHUP is 0 the end. */
            if (n == 0 && !(pfd.revents & (POLLHUP | POLLERR)))
                return 0;
        } else {
            ssize_t n = recv(t->fd, buf, cap, 0);
            if (n > 0)
                return (int)n;
            if (n == 0)
                return rmat_errinfo_set(ei, RMAT_E_CLOSED, 0, "%s: connection closed by the mat",
                                        t->name);
            if (errno == EINTR || errno == EAGAIN)
                return 0;
            return rmat_errinfo_set(ei, rmat_err_from_errno(errno), errno, "%s: %s", t->name,
                                    strerror(errno));
        }
    }
    /* POLLHUP/POLLERR without data: on unplug a tty reports POLLHUP. */
    return rmat_errinfo_set(ei, RMAT_E_CLOSED, 0, "%s: link closed (cable pulled?)", t->name);
}

int rmat_transport_write(struct rmat_transport *t, const uint8_t *buf, size_t len, int timeout_ms,
                         struct rmat_errinfo *ei)
{
    if (t->ops)
        return t->ops->write(t->ctx, buf, len, timeout_ms, ei);

    const int64_t deadline = now_ms() + timeout_ms;

    while (len > 0) {
        struct pollfd pfd = {.fd = t->fd, .events = POLLOUT};
        int64_t left = deadline - now_ms();
        ssize_t n;

        if (left <= 0)
            return rmat_errinfo_set(ei, RMAT_E_TIMEOUT, 0, "%s: write timed out", t->name);
        if (poll(&pfd, 1, (int)left) <= 0)
            continue;
        if (pfd.revents & (POLLHUP | POLLERR))
            return rmat_errinfo_set(ei, RMAT_E_CLOSED, 0, "%s: link closed", t->name);
        if (t->port) {
            n = sp_nonblocking_write(t->port, buf, len);
            if (n < 0 && gone_errno(sp_last_error_code()))
                return rmat_errinfo_set(ei, RMAT_E_CLOSED, sp_last_error_code(),
                                        "%s: device went away (cable pulled?)", t->name);
            if (n < 0)
                return sp_fail(ei, "write", t->name, (enum sp_return)n);
        } else {
            n = send(t->fd, buf, len, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR || errno == EAGAIN)
                    continue;
                return rmat_errinfo_set(ei, rmat_err_from_errno(errno), errno, "%s: %s", t->name,
                                        strerror(errno));
            }
        }
        buf += n;
        len -= (size_t)n;
    }
    return RMAT_OK;
}

const char *rmat_transport_name(const struct rmat_transport *t)
{
    return t->name;
}

void rmat_transport_close(struct rmat_transport *t)
{
    if (!t)
        return;
    if (t->ops) {
        if (t->ops->close)
            t->ops->close(t->ctx);
    } else if (t->port) {
        sp_close(t->port);
        sp_free_port(t->port);
    } else if (t->fd >= 0) {
        close(t->fd);
    }
    free(t);
}

/* --- serial ports: listing, probing, finding ----------------------------- */

static void copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

static void port_info(struct rmat_serial_port_info *pi, const struct sp_port *p)
{
    int vid = 0, pid = 0;

    memset(pi, 0, sizeof *pi);
    copy_str(pi->name, sizeof pi->name, sp_get_port_name(p));
    copy_str(pi->description, sizeof pi->description, sp_get_port_description(p));
    switch (sp_get_port_transport(p)) {
    case SP_TRANSPORT_USB:
        pi->transport = RMAT_SERIAL_USB;
        if (sp_get_port_usb_vid_pid(p, &vid, &pid) == SP_OK) {
            pi->usb_vid = (uint16_t)vid;
            pi->usb_pid = (uint16_t)pid;
        }
        copy_str(pi->usb_serial, sizeof pi->usb_serial, sp_get_port_usb_serial(p));
        copy_str(pi->usb_manufacturer, sizeof pi->usb_manufacturer,
                 sp_get_port_usb_manufacturer(p));
        copy_str(pi->usb_product, sizeof pi->usb_product, sp_get_port_usb_product(p));
        break;
    case SP_TRANSPORT_BLUETOOTH:
        pi->transport = RMAT_SERIAL_BLUETOOTH;
        break;
    default:
        pi->transport = RMAT_SERIAL_NATIVE;
        break;
    }
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct rmat_serial_port_info *)a)->name,
                  ((const struct rmat_serial_port_info *)b)->name);
}

int rmat_serial_list(struct rmat_serial_port_info *out, size_t cap, size_t *n,
                     struct rmat_errinfo *ei)
{
    struct sp_port **ports = NULL;
    enum sp_return r;
    size_t k;

    if (!n || (!out && cap > 0))
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "rmat_serial_list: NULL argument");
    *n = 0;
    r = sp_list_ports(&ports);
    if (r != SP_OK)
        return sp_fail(ei, "listing ports", "(any)", r);
    for (k = 0; ports[k]; k++)
        if (k < cap)
            port_info(&out[k], ports[k]);
    sp_free_port_list(ports);
    if (out && k > 0 && cap > 0)
        qsort(out, k < cap ? k : cap, sizeof *out, by_name);
    *n = k;
    return RMAT_OK;
}

/* Sends one GET_INFO. The token is arbitrary: the probe waits for INFO, not
 * for the ACK. */
static int send_get_info(struct rmat_transport *t, int timeout_ms, struct rmat_errinfo *ei)
{
    const struct rmat_cmd cmd = {.type = RMAT_PKT_GET_INFO, .token = 0x626f7270u /* "prob" */};
    uint8_t pkt[RMAT_WIRE_OVERHEAD + RMAT_CMD_TOKEN_BODY];
    uint8_t wire[RMAT_COBS_MAX_ENCODED(sizeof pkt) + 1];
    int len = rmat_wire_build_cmd(pkt, sizeof pkt, &cmd);

    if (len < 0)
        return rmat_errinfo_set(ei, len, 0, "building GET_INFO failed");
    len = rmat_wire_encode(pkt, (size_t)len, wire, sizeof wire);
    if (len < 0)
        return rmat_errinfo_set(ei, len, 0, "encoding GET_INFO failed");
    return rmat_transport_write(t, wire, (size_t)len, timeout_ms, ei);
}

int rmat_serial_probe(const char *name, unsigned baud, int timeout_ms, struct rmat_info *info,
                      struct rmat_errinfo *ei)
{
    struct rmat_transport *t = NULL;
    struct rmat_decoder dec;
    uint8_t *dbuf = NULL, in[512];
    int64_t start, deadline;
    int rc, resent = 0;

    if (!name || !*name)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "no serial port to probe");
    if (timeout_ms <= 0)
        timeout_ms = RMAT_SERIAL_PROBE_MS;
    /* Packets of a mat left streaming can be as long as the protocol
     * allows; they pass through the decoder on the way to INFO. */
    dbuf = malloc(RMAT_WIRE_MAX_PACKET);
    if (!dbuf)
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "out of memory");
    rmat_decoder_init(&dec, dbuf, RMAT_WIRE_MAX_PACKET, RMAT_WIRE_TO_HOST);
    rc = rmat_transport_open(name, baud, &t, ei);
    if (rc != RMAT_OK)
        goto out;
    start = now_ms();
    deadline = start + timeout_ms;
    rc = send_get_info(t, timeout_ms, ei);
    while (rc == RMAT_OK) {
        int64_t now = now_ms(), left = deadline - now;
        size_t off = 0;
        int n;

        if (left <= 0) {
            rc = rmat_errinfo_set(ei, RMAT_E_TIMEOUT, 0,
                                  "%s: no INFO within %d ms of GET_INFO (not a rollmat mat, not "
                                  "powered, or not at %u baud?)",
                                  name, timeout_ms, baud ? baud : RMAT_DEFAULT_BAUD);
            break;
        }
        /* A mat that had half a packet from an earlier host in its
         * decoder drops our first GET_INFO with it; ask once more. */
        if (!resent && now - start >= timeout_ms / 2) {
            resent = 1;
            rc = send_get_info(t, (int)left, ei);
            continue;
        }
        if (!resent)
            left = start + timeout_ms / 2 - now;
        n = rmat_transport_read(t, in, sizeof in, left > 0 ? (int)left : 0, ei);
        if (n < 0) {
            rc = n;
            break;
        }
        while (off < (size_t)n) {
            const uint8_t *pkt;
            size_t used, plen;
            if (rmat_decoder_feed(&dec, in + off, (size_t)n - off, &used, &pkt, &plen) != 1)
                break;
            off += used;
            if (pkt[0] != RMAT_PKT_INFO)
                continue;
            if (info)
                rc = rmat_wire_parse_info(pkt, plen, info);
            if (rc != RMAT_OK)
                rc = rmat_errinfo_set(ei, rc, 0, "%s: malformed INFO", name);
            goto out;
        }
    }
out:
    rmat_transport_close(t);
    free(dbuf);
    return rc;
}

static int copy_name(char *name_out, size_t cap, const char *name, struct rmat_errinfo *ei)
{
    size_t len = strlen(name);

    if (len >= cap)
        return rmat_errinfo_set(ei, RMAT_E_SPACE, 0, "port name %s does not fit %zu bytes", name,
                                cap);
    memcpy(name_out, name, len + 1);
    return RMAT_OK;
}

static int fits(const struct rmat_serial_match *m, const struct rmat_serial_port_info *p)
{
    return p->transport == RMAT_SERIAL_USB && (!m->usb_vid || m->usb_vid == p->usb_vid) &&
           (!m->usb_pid || m->usb_pid == p->usb_pid) &&
           (!m->usb_serial || !*m->usb_serial || strcmp(m->usb_serial, p->usb_serial) == 0);
}

/* "VID:PID 0483:5740, USB serial ABC" for messages; "" for any. */
static void describe_match(const struct rmat_serial_match *m, char *buf, size_t cap)
{
    size_t len = 0;

    buf[0] = '\0';
    if (m->usb_vid || m->usb_pid)
        len += (size_t)snprintf(buf, cap, " with VID:PID %04x:%04x", m->usb_vid, m->usb_pid);
    if (m->usb_serial && *m->usb_serial && len < cap)
        snprintf(buf + len, cap - len, "%s USB serial number %s", len ? " and" : " with",
                 m->usb_serial);
}

int rmat_serial_find(const struct rmat_serial_match *m, char *name_out, size_t cap,
                     struct rmat_info *info, struct rmat_errinfo *ei)
{
    static const struct rmat_serial_match any = {0};
    struct rmat_serial_port_info *ports = NULL;
    struct rmat_errinfo pe;
    char tried[256] = "", what[200];
    size_t n = 0, i, candidates = 0;
    int rc;

    if (!name_out || cap == 0)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "rmat_serial_find: no room for the name");
    name_out[0] = '\0';
    if (!m)
        m = &any;
    describe_match(m, what, sizeof what);
    ports = calloc(FIND_MAX_PORTS, sizeof *ports);
    if (!ports)
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "out of memory");
    rc = rmat_serial_list(ports, FIND_MAX_PORTS, &n, ei);
    if (rc != RMAT_OK)
        goto out;
    if (n > FIND_MAX_PORTS)
        n = FIND_MAX_PORTS;
    rmat_errinfo_clear(&pe);
    for (i = 0; i < n; i++) {
        size_t len = strlen(tried);
        if (!fits(m, &ports[i]))
            continue;
        candidates++;
        if (len < sizeof tried)
            snprintf(tried + len, sizeof tried - len, "%s%s", len ? ", " : "", ports[i].name);
        rc = rmat_serial_probe(ports[i].name, m->baud, m->probe_timeout_ms, info, &pe);
        if (rc == RMAT_OK) {
            rc = copy_name(name_out, cap, ports[i].name, ei);
            goto out;
        }
    }
    if (candidates == 0)
        rc = rmat_errinfo_set(ei, RMAT_E_NOTFOUND, 0,
                              "no USB serial port%s is plugged in (is the mat connected? "
                              "`ls /dev/serial/by-id` lists USB ports; a mat on a native UART "
                              "or a TCP bridge must be named)",
                              what);
    else if (candidates == 1)
        rc =
            rmat_errinfo_set(ei, RMAT_E_NOTFOUND, pe.sys_errno,
                             "no rollmat mat found on the one USB serial port%s: %s", what, pe.msg);
    else
        rc = rmat_errinfo_set(ei, RMAT_E_NOTFOUND, 0,
                              "none of the %zu USB serial ports%s answered GET_INFO (tried %s; "
                              "last: %s)",
                              candidates, what, tried, pe.msg);
out:
    free(ports);
    return rc;
}

int rmat_serial_find_by_usb_serial(const char *usb_serial, char *name_out, size_t cap,
                                   struct rmat_errinfo *ei)
{
    struct rmat_serial_port_info *ports = NULL;
    size_t n = 0, i;
    int rc;

    if (!name_out || cap == 0)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                                "rmat_serial_find_by_usb_serial: no room for the name");
    name_out[0] = '\0';
    if (!usb_serial || !*usb_serial)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "no USB serial number to look for");
    ports = calloc(FIND_MAX_PORTS, sizeof *ports);
    if (!ports)
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "out of memory");
    rc = rmat_serial_list(ports, FIND_MAX_PORTS, &n, ei);
    if (rc != RMAT_OK)
        goto out;
    if (n > FIND_MAX_PORTS)
        n = FIND_MAX_PORTS;
    for (i = 0; i < n; i++) {
        if (ports[i].transport == RMAT_SERIAL_USB && strcmp(ports[i].usb_serial, usb_serial) == 0) {
            rc = copy_name(name_out, cap, ports[i].name, ei);
            goto out;
        }
    }
    rc = rmat_errinfo_set(ei, RMAT_E_NOTFOUND, 0,
                          "no USB serial port with serial number %s is plugged in now", usb_serial);
out:
    free(ports);
    return rc;
}
