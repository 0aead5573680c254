/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The virtual mat's links: TCP and pty. See link.h. */
#define _GNU_SOURCE /* posix_openpt, ptsname_r */
#include "link.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

static int tcp_listen(struct rmat_simlink *l, char *err, size_t cap)
{
    struct addrinfo hints = {0}, *ai = NULL;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    int fd, one = 1, rc;

    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    rc = getaddrinfo(l->host, l->port, &hints, &ai);
    if (rc != 0) {
        snprintf(err, cap, "cannot resolve '%s:%s': %s", l->host, l->port, gai_strerror(rc));
        return -1;
    }
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 4) < 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
        snprintf(err, cap, "cannot listen on %s:%s: %s", l->host, l->port, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    /* Port 0 became a real port: listen there again after a hang-up. */
    snprintf(l->port, sizeof l->port, "%u", ntohs(((struct sockaddr_in *)&ss)->sin_port));
    snprintf(l->url, sizeof l->url, "tcp://%s:%s", l->host, l->port);
    l->lfd = fd;
    return 0;
}

int rmat_simlink_open_tcp(struct rmat_simlink *l, const char *spec, char *err, size_t cap)
{
    const char *colon = strrchr(spec, ':');

    memset(l, 0, sizeof *l);
    l->kind = RMAT_SIMLINK_TCP;
    l->fd = l->lfd = l->master = -1;
    if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof l->host || colon[1] == '\0' ||
        strlen(colon + 1) >= sizeof l->port) {
        snprintf(err, cap, "--listen wants HOST:PORT, got '%s'", spec);
        return -1;
    }
    memcpy(l->host, spec, (size_t)(colon - spec));
    l->host[colon - spec] = '\0';
    snprintf(l->port, sizeof l->port, "%s", colon + 1);
    return tcp_listen(l, err, cap);
}

/* Makes the pty and its symlink. */
static int pty_make(struct rmat_simlink *l, char *err, size_t cap)
{
    char tmp[1100];
    struct termios tio;
    int m, s;

    m = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0 || ptsname_r(m, l->pts, sizeof l->pts)) {
        snprintf(err, cap, "cannot make a pseudo-terminal: %s", strerror(errno));
        if (m >= 0)
            close(m);
        return -1;
    }
    /* Raw both ways: no echo of the frames back to us, no newline
     * translation, every byte as it is. The settings live with the pty, so
     * the host's open finds them; opening and closing the slave here also
     * puts the master in the hung-up state that tells "no host yet". */
    s = open(l->pts, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0 || tcgetattr(s, &tio) != 0) {
        snprintf(err, cap, "cannot open %s: %s", l->pts, strerror(errno));
        if (s >= 0)
            close(s);
        close(m);
        return -1;
    }
    cfmakeraw(&tio);
    tcsetattr(s, TCSANOW, &tio);
    close(s);
    /* A new symlink beside the old name, renamed over it: never a moment
     * without the path once it exists, never a half-made one. */
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", l->path, (long)getpid());
    unlink(tmp);
    if (symlink(l->pts, tmp) != 0 || rename(tmp, l->path) != 0) {
        snprintf(err, cap, "cannot make the symlink %s -> %s: %s", l->path, l->pts,
                 strerror(errno));
        unlink(tmp);
        close(m);
        return -1;
    }
    l->master = m;
    l->host_there = 0;
    return 0;
}

int rmat_simlink_open_pty(struct rmat_simlink *l, const char *path, char *err, size_t cap)
{
    struct stat st;

    memset(l, 0, sizeof *l);
    l->kind = RMAT_SIMLINK_PTY;
    l->fd = l->lfd = l->master = -1;
    if (strlen(path) >= sizeof l->path - 32) {
        snprintf(err, cap, "--pty path too long: %s", path);
        return -1;
    }
    if (lstat(path, &st) == 0 && !S_ISLNK(st.st_mode)) {
        snprintf(err, cap, "--pty %s exists and is not a symlink: not replacing it", path);
        return -1;
    }
    snprintf(l->path, sizeof l->path, "%s", path);
    snprintf(l->url, sizeof l->url, "%s", path);
    return pty_make(l, err, cap);
}

int rmat_simlink_wait_host(struct rmat_simlink *l, int timeout_ms)
{
    struct pollfd pfd;

    if (l->kind == RMAT_SIMLINK_TCP) {
        int one = 1;
        if (l->lfd < 0)
            return -1;
        pfd.fd = l->lfd;
        pfd.events = POLLIN;
        if (poll(&pfd, 1, timeout_ms) <= 0)
            return 0;
        l->fd = accept4(l->lfd, NULL, NULL, SOCK_CLOEXEC);
        if (l->fd < 0)
            return 0;
        setsockopt(l->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        {
            /* A host may read in batches (rollmatd every 20 ms: 20 frames
             * of 8 kB at 64x64 and 1000 Hz); a real mat's USB or serial
             * driver buffers as much. Without room here the mat's queue
             * fills and it falls behind its own clock. */
            int sndbuf = 1 << 20;
            setsockopt(l->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
        }
        return 1;
    }
    if (l->master < 0)
        return -1;
    /* The master reports POLLHUP while no one has the slave open. */
    pfd.fd = l->master;
    pfd.events = POLLIN;
    if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLHUP)) {
        poll(NULL, 0, timeout_ms);
        return 0;
    }
    l->fd = l->master;
    l->host_there = 1;
    return 1;
}

ssize_t rmat_simlink_write(struct rmat_simlink *l, const void *buf, size_t len)
{
    ssize_t n;

    if (l->fd < 0)
        return -1;
    if (l->kind == RMAT_SIMLINK_TCP)
        n = send(l->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    else
        n = write(l->fd, buf, len);
    if (n >= 0)
        return n;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return 0;
    return -1;
}

ssize_t rmat_simlink_read(struct rmat_simlink *l, void *buf, size_t cap)
{
    ssize_t n;

    if (l->fd < 0)
        return -1;
    if (l->kind == RMAT_SIMLINK_TCP) {
        n = recv(l->fd, buf, cap, MSG_DONTWAIT);
        if (n == 0)
            return -1;
    } else {
        struct pollfd pfd = {.fd = l->fd, .events = POLLIN};
        /* EIO, or POLLHUP with nothing left to read: the slave was closed. */
        if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLHUP) && !(pfd.revents & POLLIN))
            return -1;
        n = read(l->fd, buf, cap);
        if (n == 0)
            return -1;
    }
    if (n > 0)
        return n;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return 0;
    return -1;
}

void rmat_simlink_drop_host(struct rmat_simlink *l)
{
    if (l->kind == RMAT_SIMLINK_TCP) {
        if (l->fd >= 0)
            close(l->fd);
        l->fd = -1;
        return;
    }
    l->fd = -1;
    l->host_there = 0;
    if (l->master >= 0) {
        /* What the last host left unread would greet the next one. */
        int s = open(l->pts, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        if (s >= 0) {
            tcflush(s, TCIOFLUSH);
            close(s);
        }
    }
}

static void remove_symlink_if_ours(const struct rmat_simlink *l)
{
    char target[128];
    ssize_t n = readlink(l->path, target, sizeof target - 1);

    if (n < 0)
        return;
    target[n] = '\0';
    if (strcmp(target, l->pts) == 0)
        unlink(l->path);
}

void rmat_simlink_hangup(struct rmat_simlink *l)
{
    if (l->kind == RMAT_SIMLINK_TCP) {
        rmat_simlink_drop_host(l);
        if (l->lfd >= 0)
            close(l->lfd);
        l->lfd = -1;
        return;
    }
    remove_symlink_if_ours(l);
    if (l->master >= 0)
        close(l->master);
    l->master = l->fd = -1;
    l->host_there = 0;
}

int rmat_simlink_restore(struct rmat_simlink *l, char *err, size_t cap)
{
    if (l->kind == RMAT_SIMLINK_TCP)
        return l->lfd >= 0 ? 0 : tcp_listen(l, err, cap);
    return l->master >= 0 ? 0 : pty_make(l, err, cap);
}

void rmat_simlink_close(struct rmat_simlink *l)
{
    rmat_simlink_hangup(l);
}
