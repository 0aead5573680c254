/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: the host side of one device link (the device session).
 *
 * Sends commands and waits for their ACKs (matched by token), performs the
 * handshake (GET_INFO -> ACK + INFO), decodes the stream and hands every
 * good FRAME, STATUS and LOG to the caller's handler, and keeps the link's
 * loss accounting: gaps in `seq` (frames lost on the link), the decoder's
 * drops by reason, and the device's own frames_dropped from STATUS.
 *
 * Frames keep flowing while a command waits for its ACK; they go to the
 * handler as usual, so nothing is lost around START and STOP.
 */
#ifndef ROLLMAT_SESSION_H
#define ROLLMAT_SESSION_H

#define RMAT_HEADER_LAYER RMAT_LAYER_ACQ
#include "rollmat/layer.h"

#include <stdint.h>

#include "rollmat/decoder.h"
#include "rollmat/diag.h"
#include "rollmat/transport.h"
#include "rollmat/wire.h"

struct rmat_devsess_handler {
    void *ctx;
    /* A good frame: its header, rows*cols dense samples, the raw packet as
     * received (all valid during the call), and the host's receive time
     * (CLOCK_REALTIME, ns). A negative return stops the pump and is
     * returned by it. NULL: frames ignored. */
    int (*on_frame)(void *ctx, const struct rmat_frame_hdr *hdr, const uint16_t *samples,
                    const uint8_t *pkt, size_t pkt_len, int64_t t_host_ns);
    /* seq jumped from `expected` to `got`: got - expected frames were lost
     * on the link. May be NULL. */
    void (*on_gap)(void *ctx, uint32_t expected, uint32_t got, int64_t t_host_ns);
    void (*on_status)(void *ctx, const struct rmat_status *st, int64_t t_host_ns);
    void (*on_log)(void *ctx, const struct rmat_logmsg *m);
    /* A PONG came back: the device clock t_device_us was read at about
     * t_host_ns (the middle of the round trip, CLOCK_REALTIME), within
     * rtt_ns / 2. May be NULL. */
    void (*on_clock)(void *ctx, uint64_t t_device_us, int64_t t_host_ns, int64_t rtt_ns);
    /* The host's clocks, for tests that run the session on virtual time:
     * CLOCK_REALTIME (monotonic 0) or CLOCK_MONOTONIC (monotonic 1), in ns.
     * Every clock the session reads comes from here: the receive times
     * handed to the callbacks, the PING round trips of the clock fit, the
     * deadlines of commands and of the handshake, and the first token.
     * The transport's own waits are its business (a virtual link advances
     * this clock when it waits). NULL: the system's. */
    int64_t (*clock_ns)(void *ctx, int monotonic);
};

/* The device-to-host clock mapping fitted from PING round trips:
 * t_host_ns = offset_ns + t_device_us * 1000 / (1 + drift_ppm * 1e-6),
 * drift_ppm > 0 when the device clock runs fast against the host's. */
struct rmat_clock_fit {
    uint32_t n;        /* round trips used */
    int64_t offset_ns; /* host time (ns since the epoch) at device time 0 */
    double drift_ppm;  /* (device seconds per host second - 1) * 1e6 */
    double rms_us;     /* scatter of the round trips about the fit */
};

struct rmat_devsess_stats {
    uint64_t frames;      /* good frames handed over */
    uint64_t frames_lost; /* sum of seq gaps */
    uint32_t gaps;        /* number of seq gaps */
    uint32_t wrong_grid;  /* frames whose rows/cols differ from INFO's (dropped) */
    struct rmat_status last_status;
    int have_status;
    struct rmat_decoder decoder; /* drops by reason: decoder.drops[] */
};

struct rmat_devsess;

/* Starts a session over t, which must outlive it (the session does not own
 * it). h and log are copied; either may be NULL. *out is NULL on error. */
int rmat_devsess_new(struct rmat_transport *t, const struct rmat_devsess_handler *h,
                     const struct rmat_log *log, struct rmat_devsess **out,
                     struct rmat_errinfo *ei);

/* GET_INFO, up to 3 tries of 1 s each; fills *info. RMAT_E_TIMEOUT with a
 * message saying what to check when the device never answers. */
int rmat_devsess_handshake(struct rmat_devsess *s, struct rmat_info *info, struct rmat_errinfo *ei);

/* Sends cmd (its token is chosen here) and waits up to timeout_ms for the
 * ACK, pumping frames meanwhile. ACK status maps to RMAT_OK,
 * RMAT_E_ARG (bad argument), RMAT_E_UNSUPPORTED, RMAT_E_BUSY. */
int rmat_devsess_command(struct rmat_devsess *s, const struct rmat_cmd *cmd, int timeout_ms,
                         struct rmat_errinfo *ei);

/* rmat_devsess_command, tried up to `tries` times while the answer times
 * out: on a noisy link a command or its ACK can be lost like any packet.
 * For commands that may be repeated (SET_MODE, START, STOP, GET_STATUS). */
int rmat_devsess_command_tries(struct rmat_devsess *s, const struct rmat_cmd *cmd, int timeout_ms,
                               int tries, struct rmat_errinfo *ei);

/* Reads what the link has, waiting up to timeout_ms, and dispatches every
 * complete packet. Returns the number of frames dispatched (>= 0) or an
 * error (RMAT_E_CLOSED when the link went away, or the handler's). */
int rmat_devsess_pump(struct rmat_devsess *s, int timeout_ms, struct rmat_errinfo *ei);

/* Sends a PING without waiting; its PONG is matched when the pump meets it
 * and feeds the clock fit. Call about once a second, or more often for a
 * quicker fit. */
int rmat_devsess_ping(struct rmat_devsess *s, struct rmat_errinfo *ei);

/* Least-squares fit of the PONGs so far (those whose round trip was within
 * twice the shortest one plus 200 us, so a delayed answer cannot skew it
 * while the scheduling jitter of a fast link is tolerated). RMAT_E_ARG
 * with fewer than 3 usable round trips. */
int rmat_devsess_clock_fit(const struct rmat_devsess *s, struct rmat_clock_fit *fit);

/* GET_STATUS, up to `tries` times of timeout_ms each, and the STATUS that
 * follows its ACK into *st: is a mat that went quiet still there, and
 * does it say it streams? RMAT_E_TIMEOUT when it never answers,
 * RMAT_E_CLOSED when the link went away. */
int rmat_devsess_get_status(struct rmat_devsess *s, struct rmat_status *st, int timeout_ms,
                            int tries, struct rmat_errinfo *ei);

/* Expect the next frame to be seq 0 (call before START, which resets seq). */
void rmat_devsess_expect_restart(struct rmat_devsess *s);

const struct rmat_devsess_stats *rmat_devsess_stats(const struct rmat_devsess *s);

/* Frees s; NULL is allowed. Does not close the transport. */
void rmat_devsess_free(struct rmat_devsess *s);

/* A fitted drift beyond this is no crystal's (docs/metrics.md): a sped-up
 * virtual mat, or firmware with a wrong clock. The analysis applies drifts
 * within it and reports the rest without applying them. */
#define RMAT_CLOCK_MAX_DRIFT_PPM 1000.0

/* The text of a recording's clock_fit event (docs/format.md, /events):
 * "offset_ns=N drift_ppm=X n=N rms_us=X", drift with 3 decimals, rms with
 * 1. Its value is drift_ppm. */
void rmat_clock_fit_text(const struct rmat_clock_fit *fit, char *buf, size_t cap);

/* One line for people about a fit of the clock of a mat of this model
 * (INFO's): "drift +12.3 ppm from 40 round trips (rms 35 us)" within
 * RMAT_CLOCK_MAX_DRIFT_PPM; beyond it "the mat's clock runs 7.00 times as
 * fast as this computer's: " and, for the virtual mat (RMAT_SIM_MODEL), "a
 * virtual mat sped up (--speed 7)?", for any other "not a drift, so not
 * applied: check the mat's firmware". Returns 1 for a drift within the
 * bound, 0 beyond it. */
int rmat_clock_fit_describe(const struct rmat_clock_fit *fit, const char *model, char *buf,
                            size_t cap);

/* CLOCK_REALTIME in ns since the Unix epoch. */
int64_t rmat_host_time_ns(void);

#endif
