/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test support: a mat in the same process, on virtual time.
 *
 * A fake_mat owns a struct rmat_dev (firmware/core/device.c: the very core
 * the firmware and the virtual mat run) and serves it as a transport made
 * with rmat_transport_custom(), so the device session under test talks to
 * the real device code through a link the test controls. Nothing waits: the
 * fake keeps a virtual clock, and a read that finds no bytes advances it to
 * whatever comes first of the device's next due work (rmat_dev_poll()'s
 * answer), the next byte in flight, and the read's timeout. Give the session
 * fake_mat_clock_ns() as its clock hook and the whole exchange runs on that
 * clock: a 3 s handshake timeout takes 3 virtual seconds and no real time.
 *
 * The model:
 *   - virtual CLOCK_MONOTONIC starts at FAKE_MAT_MONO_START_NS, and
 *     CLOCK_REALTIME is it plus a fixed offset (FAKE_MAT_REAL_START_NS at
 *     the start);
 *   - the device clock reads boot_us plus the virtual time since the start
 *     scaled by (1 + drift_ppm * 1e-6), in whole microseconds (rounded
 *     down), as a crystal running fast by drift_ppm would;
 *   - the link is a FIFO each way with latency_us of one-way delay: bytes
 *     the host writes reach the device latency_us later, and a packet the
 *     device sends can be read latency_us after it sent it;
 *   - in SET_MODE 0 (sensors) each sensel reads fake_mat_sample(); SET_MODE
 *     1 gives the core's own test pattern (rmat_dev_test_pattern());
 *   - the mat does not announce INFO at power-up: it speaks when asked.
 *
 * Faults, each counted in struct fake_mat_stats, which is the tests' truth
 * (what the link really did), to compare with what the session counted.
 *
 * Memory: fake_mat_new() allocates; fake_mat_free() frees the mat and its
 * transport. Single-threaded, like the session.
 */
#ifndef FAKE_MAT_H
#define FAKE_MAT_H

#include <stddef.h>
#include <stdint.h>

#include "rollmat/transport.h"
#include "rollmat/wire.h"

/* Not a whole millisecond, so a session that rounds its deadlines to
 * milliseconds is seen doing so. */
#define FAKE_MAT_MONO_START_NS 1000000123456LL
/* 2025-11-21T11:26:07.5Z */
#define FAKE_MAT_REAL_START_NS 1763724367500000000LL
/* Frames the stats remember by seq (dropped or damaged on the link). */
#define FAKE_MAT_MAX_LOST 4096
/* Frames that can be chosen for dropping at once. */
#define FAKE_MAT_MAX_DROPS 64

struct fake_mat_config {
    struct rmat_info info; /* what INFO reports; info.rate_hz is the default rate */
    double drift_ppm;      /* the device clock runs fast by this much (negative: slow) */
    uint64_t boot_us;      /* the device clock at the virtual start */
    uint32_t latency_us;   /* one-way delay of the link */
};

struct fake_mat_stats {
    uint64_t bytes_read;          /* bytes the host has read */
    uint32_t commands;            /* command packets the host wrote */
    uint32_t commands_by_type[8]; /* by type - 0x80: [1] GET_INFO ... [6] GET_STATUS */
    uint32_t commands_dropped;    /* of them, never delivered (mute, drop_commands) */
    uint32_t packets_sent;        /* packets the device sent */
    uint32_t frames_sent;         /* of them FRAMEs */
    uint32_t frames_dropped;      /* FRAMEs the link dropped whole (fake_mat_drop_frame) */
    uint32_t packets_damaged;     /* packets the link flipped at least one bit of */
    uint32_t frames_damaged;      /* of them FRAMEs */
    uint32_t bits_flipped;
    uint32_t frames_read; /* undamaged FRAMEs the host has read to their last byte */
    uint32_t pongs_sent;  /* PONGs the device sent */
    uint32_t nlost;       /* entries of lost_seq (FAKE_MAT_MAX_LOST at most) */
    uint32_t lost_seq[FAKE_MAT_MAX_LOST]; /* seq of each frame dropped or damaged, in order */
};

struct fake_mat;

/* Makes a mat of cfg (copied) and its transport, at the virtual start.
 * Returns 0, or RMAT_E_NOMEM / RMAT_E_ARG (a grid of zero rows or cols, or
 * one larger than the core's RMAT_DEV_MAX_SENSELS); *out is NULL then. */
int fake_mat_new(const struct fake_mat_config *cfg, struct fake_mat **out);

/* Frees m and closes its transport; NULL is allowed. */
void fake_mat_free(struct fake_mat *m);

/* The link to the mat, owned by m (do not close it). */
struct rmat_transport *fake_mat_transport(struct fake_mat *m);

/* The host's clocks on m's virtual time: CLOCK_REALTIME (monotonic 0) or
 * CLOCK_MONOTONIC (monotonic 1), in ns. m is a struct fake_mat *; the
 * signature is the session handler's clock_ns, for tests that pass the mat
 * as the handler's ctx. */
int64_t fake_mat_clock_ns(void *m, int monotonic);

/* The device clock (us) at virtual monotonic time mono_ns. */
uint64_t fake_mat_device_us(const struct fake_mat *m, int64_t mono_ns);

/* The first virtual host time (CLOCK_REALTIME, ns) at which the device
 * clock reads t_device_us. */
int64_t fake_mat_real_ns_at(const struct fake_mat *m, uint64_t t_device_us);

/* The device clock at the host's CLOCK_REALTIME epoch: offset_ns of
 * struct rmat_clock_fit, exactly (no whole-us rounding), in ns. */
double fake_mat_true_offset_ns(const struct fake_mat *m);

const struct fake_mat_stats *fake_mat_stats(const struct fake_mat *m);

/* The device core inside m (its counters, mode, seq), read-only. */
const struct rmat_dev *fake_mat_device(const struct fake_mat *m);

/* What sensel (row, col) of frame seq reads in sensors mode: a 12-bit
 * count that differs between neighbouring frames, rows and columns, so a
 * frame out of order or a transposed grid shows. */
uint16_t fake_mat_sample(uint32_t seq, unsigned row, unsigned col);

/* --- faults --------------------------------------------------------------- */

/* on: the mat never answers (what the host writes is counted and lost, and
 * the device does not run). */
void fake_mat_mute(struct fake_mat *m, int on);

/* The next n command packets the host writes are lost on the link. */
void fake_mat_drop_commands(struct fake_mat *m, unsigned n);

/* The next FRAME of this seq is lost on the link, whole (counted in
 * frames_dropped and lost_seq). RMAT_E_SPACE beyond FAKE_MAT_MAX_DROPS. */
int fake_mat_drop_frame(struct fake_mat *m, uint32_t seq);

/* From now on every bit the device sends is flipped with probability
 * per_bit (0 stops it), drawn from a PRNG seeded with seed. The 0x00
 * delimiters are spared and no flip makes a 0x00 byte: both would change
 * where packets end, so one damaged packet would not be one damaged packet
 * for the receiver; as it is, each damaged packet is exactly one packet the
 * receiver must drop. */
void fake_mat_bit_errors(struct fake_mat *m, double per_bit, uint64_t seed);

/* The nth PONG from now on (1: the next) reaches the host delay_us late,
 * and, the link being a FIFO, everything the device sends after it too. */
void fake_mat_delay_pong(struct fake_mat *m, uint32_t nth, uint32_t delay_us);

/* The mat ends its stream on its own, as the virtual mat does when its
 * scene is over: rmat_dev_end_stream(), a STATUS of streaming 0. */
void fake_mat_end_stream(struct fake_mat *m);

/* The link closes once the host has read `bytes` bytes in all (counting
 * from the start): reads return what is left up to that count, then
 * RMAT_E_CLOSED, as do writes. */
void fake_mat_close_after(struct fake_mat *m, uint64_t bytes);

#endif
