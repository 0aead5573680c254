/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The virtual mat's links to a host: a TCP port, or a pseudo-terminal
 * behind a stable symlink, the way a USB serial mat appears as
 * /dev/ttyACM0. Both can hang up and come back (fault injection).
 */
#ifndef RMAT_SIMLINK_H
#define RMAT_SIMLINK_H

#include <stddef.h>
#include <sys/types.h>

enum rmat_simlink_kind { RMAT_SIMLINK_TCP, RMAT_SIMLINK_PTY };

struct rmat_simlink {
    enum rmat_simlink_kind kind;
    int fd;  /* the host's end: the accepted socket or the pty master; -1 if none */
    int lfd; /* TCP: the listening socket; -1 while hung up */
    char host[256], port[16];
    char url[300];   /* tcp://HOST:PORT, or the pty's symlink path */
    char path[1024]; /* PTY: the symlink */
    char pts[128];   /* PTY: /dev/pts/N it points to */
    int master;      /* PTY: the master; -1 while hung up */
    int host_there;  /* PTY: a host has the slave open */
};

/* Listens on spec "HOST:PORT" (port 0: any free one); l->url says where.
 * Returns 0, or -1 with a message in err. */
int rmat_simlink_open_tcp(struct rmat_simlink *l, const char *spec, char *err, size_t cap);

/* Makes a pty in raw mode and points the symlink path at its slave
 * (replacing a stale symlink, never another kind of file). Returns 0, or -1
 * with a message in err. */
int rmat_simlink_open_pty(struct rmat_simlink *l, const char *path, char *err, size_t cap);

/* Waits up to timeout_ms for a host: TCP accepts a connection, a pty sees
 * its slave opened. Returns 1 when a host is there (l->fd is its end), 0 if
 * none came, -1 while hung up (nothing to wait on: the caller sleeps). */
int rmat_simlink_wait_host(struct rmat_simlink *l, int timeout_ms);

/* Offers len bytes without waiting: returns how many the link took (0 when
 * it is full), or -1 if the host is gone. */
ssize_t rmat_simlink_write(struct rmat_simlink *l, const void *buf, size_t len);

/* Reads what the host sent without waiting: returns the bytes read, 0 if
 * none, -1 if the host is gone (TCP: closed; pty: slave closed). */
ssize_t rmat_simlink_read(struct rmat_simlink *l, void *buf, size_t cap);

/* Ends the host's session: TCP closes the connection; a pty drops what the
 * host left unread, so the next host starts clean. */
void rmat_simlink_drop_host(struct rmat_simlink *l);

/* Pulls the cable: TCP closes the connection and the listener (connections
 * are refused); a pty closes its master (the host sees a hang-up) and
 * removes the symlink. */
void rmat_simlink_hangup(struct rmat_simlink *l);

/* Plugs it back: TCP listens again on the same port; a pty is made anew
 * under the same symlink. Returns 0, or -1 with err (try again later). */
int rmat_simlink_restore(struct rmat_simlink *l, char *err, size_t cap);

/* Closes everything and removes the symlink if it is still ours. */
void rmat_simlink_close(struct rmat_simlink *l);

#endif
