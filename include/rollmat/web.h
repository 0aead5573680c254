/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: the live view's HTTP server (docs/live.md, "The API" and "Security").
 *
 * Serves the page built into the program (web/page/, embedded at build
 * time: no file is ever read because of a request) and a small API over a
 * hub of snapshots (live.h), through libmicrohttpd: one thread per
 * connection, at most max_connections of them, each closed after
 * timeout_s without progress; request headers beyond 16 KiB and bodies
 * beyond 4 KiB are refused.
 *
 *   GET  /, /app.js, /style.css      the page
 *   GET  /api/info                   mode, version, the targets' defaults
 *   GET  /api/snapshot               the latest snapshot (JSON)
 *   GET  /api/stream                 Server-Sent Events: one snapshot per event,
 *                                    always the latest when the socket takes more
 *   GET  /api/timeline               playback: passes, holds, events, gaps
 *   POST /api/ACTION                 start, stop, mark, pain (live);
 *                                    play, pause, seek, speed (playback);
 *                                    a JSON object of string fields
 *
 * Security: by default it listens on loopback only and accepts only a
 * loopback Host (no DNS rebinding). Another address needs a token: every
 * request carries it in the X-Rollmat-Token header or the rollmat_token
 * cookie, which GET /?token=TOKEN sets (then redirects to /). A POST must
 * come from the page itself: its Origin is http://HOST of the request.
 */
#ifndef ROLLMAT_WEB_H
#define ROLLMAT_WEB_H

#define RMAT_HEADER_LAYER RMAT_LAYER_LIVE
#include "rollmat/layer.h"

#include <stddef.h>
#include <stdint.h>

#include "rollmat/diag.h"
#include "rollmat/live.h"

#define RMAT_WEB_DEFAULT_PORT 8470
#define RMAT_WEB_TOKEN_LEN    32 /* hex digits of a generated token */
#define RMAT_WEB_BODY_MAX     4096

struct rmat_web_config {
    const char *address;      /* IPv4 or IPv6 literal; "127.0.0.1" */
    unsigned port;            /* 0: any free one (rmat_web_port() tells) */
    const char *token;        /* required beyond loopback; NULL: none */
    unsigned max_connections; /* 64 */
    unsigned timeout_s;       /* 15 */
    const char *mode;         /* "live" or "playback", for /api/info */
    /* POST /api/NAME: fills reply (JSON text or a message); RMAT_OK when
     * the action was done. */
    int (*action)(void *ctx, const char *name, const char *const *keys, const char *const *values,
                  size_t n, char *reply, size_t cap);
    /* GET /api/NAME beyond the built-in ones ("timeline"): a malloc'd JSON
     * text, or NULL: 404. */
    char *(*get)(void *ctx, const char *name);
    void *ctx;
    const struct rmat_log *log;
};

void rmat_web_config_init(struct rmat_web_config *c);

/* Returns 1 if address is a loopback literal (127.0.0.0/8, ::1). */
int rmat_web_is_loopback(const char *address);

/* Parses "ADDR:PORT" or "[ADDR6]:PORT" into addr (cap bytes) and port.
 * RMAT_E_ARG with a message naming the text. */
int rmat_web_parse_listen(const char *s, char *addr, size_t cap, unsigned *port,
                          struct rmat_errinfo *ei);

/* A fresh token of RMAT_WEB_TOKEN_LEN hex digits from the kernel's random
 * source into buf (at least RMAT_WEB_TOKEN_LEN + 1 bytes). RMAT_E_IO. */
int rmat_web_token_new(char *buf, size_t cap, struct rmat_errinfo *ei);

/* Reads a token from the first line of path: 16 to 128 characters of
 * [A-Za-z0-9._~-]. RMAT_E_NOTFOUND, RMAT_E_IO, RMAT_E_FORMAT (saying what
 * a token must be). */
int rmat_web_token_load(const char *path, char *buf, size_t cap, struct rmat_errinfo *ei);

struct rmat_web;

/* Starts serving hub (kept, not owned; its listener is set to wake the
 * streams). RMAT_E_ARG (a non-loopback address without a token, a bad
 * address), RMAT_E_BUSY (the port is taken), RMAT_E_IO. */
int rmat_web_start(const struct rmat_web_config *cfg, struct rmat_live_hub *hub,
                   struct rmat_web **out, struct rmat_errinfo *ei);

/* The port it listens on. */
unsigned rmat_web_port(const struct rmat_web *w);

/* The page's address, http://ADDRESS:PORT/ (with ?token=TOKEN when
 * with_token and there is one), into buf. */
void rmat_web_url(const struct rmat_web *w, int with_token, char *buf, size_t cap);

struct rmat_web_stats {
    uint64_t connections;      /* open now (at most max_connections) */
    uint64_t requests;         /* answered */
    uint64_t refused;          /* 4xx answers */
    uint64_t streams;          /* /api/stream clients now */
    uint64_t snapshots_sent;   /* to streams */
    uint64_t snapshots_missed; /* snapshots a stream skipped (it was slow) */
};
void rmat_web_stats(struct rmat_web *w, struct rmat_web_stats *out);

/* Stops serving (closes every connection) and frees w; NULL is allowed. */
void rmat_web_stop(struct rmat_web *w);

#endif
