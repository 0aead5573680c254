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
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libserialport.h>

#define CONNECT_TIMEOUT_MS 5000

struct rmat_transport {
    int fd;               /* what poll() watches: the socket or the tty */
    struct sp_port *port; /* NULL for TCP */
    char name[300];
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

static int serial_open(struct rmat_transport *t, const char *name, unsigned baud,
                       struct rmat_errinfo *ei)
{
    char real[PATH_MAX];
    enum sp_return r;

    /* libserialport 0.1.1 finds a port through /sys/class/tty/<name>, so a
     * /dev/serial/by-id/ link must be resolved to its /dev/ttyXXX first. */
    if (!realpath(name, real))
        return rmat_errinfo_set(ei, RMAT_E_NOTFOUND, errno,
                                "serial port %s: %s (is the mat plugged in? `rollmat ports` "
                                "lists the ports; a TCP bridge is tcp://HOST:PORT)",
                                name, strerror(errno));
    r = sp_get_port_by_name(real, &t->port);
    if (r != SP_OK) {
        t->port = NULL;
        return rmat_errinfo_set(ei, RMAT_E_NOTFOUND, 0,
                                "%s is not a serial port libserialport knows (a pseudo-terminal "
                                "is reached through a TCP bridge such as socat or ser2net)",
                                name);
    }
    r = sp_open(t->port, SP_MODE_READ_WRITE);
    if (r != SP_OK)
        return sp_fail(ei, "open", name, r);
    if ((r = sp_set_baudrate(t->port, (int)baud)) != SP_OK)
        return sp_fail(ei, "setting the baud rate", name, r);
    if ((r = sp_set_bits(t->port, 8)) != SP_OK || (r = sp_set_parity(t->port, SP_PARITY_NONE)) ||
        (r = sp_set_stopbits(t->port, 1)) != SP_OK ||
        (r = sp_set_flowcontrol(t->port, SP_FLOWCONTROL_NONE)) != SP_OK)
        return sp_fail(ei, "setting 8N1 without flow control", name, r);
    /* Many USB CDC firmwares send only while DTR is set. */
    if ((r = sp_set_dtr(t->port, SP_DTR_ON)) != SP_OK)
        return sp_fail(ei, "setting DTR", name, r);
    if ((r = sp_get_port_handle(t->port, &t->fd)) != SP_OK)
        return sp_fail(ei, "getting the descriptor", name, r);
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
    if (strncmp(url, "tcp://", 6) == 0)
        rc = tcp_open(t, url + 6, ei);
    else if (strstr(url, "://"))
        rc =
            rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                             "'%s': unknown link (use a serial port name or tcp://HOST:PORT)", url);
    else
        rc = serial_open(t, url, baud ? baud : RMAT_DEFAULT_BAUD, ei);
    if (rc != RMAT_OK) {
        rmat_transport_close(t);
        return rc;
    }
    *out = t;
    return RMAT_OK;
}

int rmat_transport_read(struct rmat_transport *t, uint8_t *buf, size_t cap, int timeout_ms,
                        struct rmat_errinfo *ei)
{
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
            if (n == 0 && !(pfd.revents & (POLLHUP | POLLERR)))
                return rmat_errinfo_set(ei, RMAT_E_CLOSED, 0, "%s: device went away", t->name);
            if (n < 0)
                return sp_fail(ei, "read", t->name, (enum sp_return)n);
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
    if (t->port) {
        sp_close(t->port);
        sp_free_port(t->port);
    } else if (t->fd >= 0) {
        close(t->fd);
    }
    free(t);
}
