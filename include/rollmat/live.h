/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: the live view's numbers, and their delivery (docs/live.md).
 *
 * Three pieces, each usable alone:
 *
 *  - the model (rmat_live_model_*): frames in, what the page shows out. It
 *    computes every number with the analysis's own functions (metrics.h:
 *    the counts-to-kPa lookup and the per-frame metrics; holds.h: the hold
 *    tracker, the same rule `rollmat analyze` applies; passes.h's
 *    hysteresis for the pass count), so a number shown live is the number
 *    the analysis of the finished recording reports for the same frame.
 *    Single-threaded, no locks.
 *  - the hub (rmat_live_hub_*): the latest snapshot (a JSON text) and a
 *    sequence number, shared between one producer and the HTTP clients.
 *    A client always takes the latest; nothing queues, so a slow client
 *    only misses snapshots.
 *  - the live source (rmat_live_*): what rollmatd's acquisition thread
 *    calls for every frame. It only copies the frame into a ring under a
 *    short lock and returns; a worker thread of its own runs the model at
 *    its own pace (a full ring drops the oldest frames, counted), asks the
 *    daemon's control socket for the link state, and publishes snapshots
 *    publish_hz times a second. The recording never waits for the live view.
 *
 * Playback of a recording (rmat_playback_*) feeds the same model from a
 * file and publishes to a hub the same way.
 */
#ifndef ROLLMAT_LIVE_H
#define ROLLMAT_LIVE_H

#define RMAT_HEADER_LAYER RMAT_LAYER_LIVE
#include "rollmat/layer.h"

#include <stddef.h>
#include <stdint.h>

#include "rollmat/analyze.h"
#include "rollmat/diag.h"
#include "rollmat/metrics.h"
#include "rollmat/recfile.h"

struct rmat_calib;
struct rmat_info;
struct rmat_frame_hdr;

/* What the coaching panel aims at (docs/live.md, "Coaching"). */
struct rmat_live_targets {
    double hold_lo_s, hold_hi_s;           /* the hold band (30, 45) */
    double cadence_lo_cpm, cadence_hi_cpm; /* cycles a minute (15, 40) */
    double zone_lo_kpa, zone_hi_kpa;       /* mean pressure zone; NaN: none */
    double scale_max_kpa;                  /* top of the colour scale (150 kPa) */
};

/* The defaults above. */
void rmat_live_targets_init(struct rmat_live_targets *t);

/* Checks the targets: each band ordered and finite (the zone may be both
 * NaN), the scale positive. RMAT_E_ARG with a message naming the value. */
int rmat_live_targets_check(const struct rmat_live_targets *t, struct rmat_errinfo *ei);

/* Parses a band "LO-HI" (two non-negative numbers, LO <= HI) into lo, hi;
 * returns 0, or -1 if s is not one. */
int rmat_live_band_parse(const char *s, double *lo, double *hi);

/* --- the model ---------------------------------------------------------- */

struct rmat_live_model;

/* The numbers of the last frame, as the page shows them. Times are device
 * seconds since the first frame after rmat_live_model_configure(). */
struct rmat_live_numbers {
    uint64_t frames;   /* frames seen since configure */
    uint64_t seq_lost; /* frames missing from the seq numbers */
    double t_s;        /* of the last frame */
    uint64_t t_us;     /* the device's clock at the last frame */
    struct rmat_frame_metrics m;
    int holding;         /* a hold in progress (the analysis's rule) */
    double hold_start_s; /* its start (t_s scale); NaN if none */
    double hold_s;       /* t_s - hold_start_s; 0 if none */
    size_t holds;        /* holds completed since the session started */
    double last_hold_s;  /* the duration of the last completed hold; NaN: none */
    size_t passes;       /* passes since the session started */
    double cadence_cpm;  /* from the last passes (up to 30 s); NaN: too few */
    double contact_s;    /* time in contact since the session started */
    double session_t0_s; /* when the session started (t_s scale) */
    int calibrated;
};

/* A model with the analysis's parameters p (NULL: the defaults of
 * rmat_analysis_params_init()) and the targets t (NULL: the defaults).
 * RMAT_E_ARG, RMAT_E_NOMEM; *out NULL on error; rmat_live_model_free(). */
int rmat_live_model_new(const struct rmat_analysis_params *p, const struct rmat_live_targets *t,
                        struct rmat_live_model **out, struct rmat_errinfo *ei);

void rmat_live_model_free(struct rmat_live_model *m);

/* A mat: its grid, ADC and rate (dev), its calibration (NULL: counts,
 * said plainly), copied. Resets everything. RMAT_E_FORMAT for a grid the
 * model cannot take (rows or cols outside 1..255, pitches not positive),
 * a calibration without a curve or that does not fit; RMAT_E_NOMEM. */
int rmat_live_model_configure(struct rmat_live_model *m, const struct rmat_device_desc *dev,
                              const struct rmat_calib *cal, struct rmat_errinfo *ei);

/* The next frame: seq, device time t_us and rows * cols dense counts.
 * Ignored before configure. Allocates only when a hold grows the hold
 * tracker's window (doubling). */
void rmat_live_model_frame(struct rmat_live_model *m, uint32_t seq, uint64_t t_us,
                           const uint16_t *raw);

/* Starts the session's counts (passes, holds, contact time) afresh from the
 * next frame; the hold tracker goes on (a hold across the start stays one). */
void rmat_live_model_session_start(struct rmat_live_model *m);

/* The numbers now. */
void rmat_live_model_numbers(const struct rmat_live_model *m, struct rmat_live_numbers *out);

/* A growable text, for snapshots. */
struct rmat_live_text {
    char *s;
    size_t len, cap;
};
void rmat_live_text_fini(struct rmat_live_text *t);
/* Appends printf-style; returns 0 or -1 (no memory; the text is kept). */
int rmat_live_text_printf(struct rmat_live_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Writes the snapshot's model part as JSON members (no braces, starting
 * with a comma-less key) to out, replacing its content: time, units, grid,
 * the map (bytes 0..255 of the colour scale, base64), the contact mask
 * (bits, base64), the metrics, the CoP trail of the last 3 s, the last 30 s
 * of force, peak, mean and area every 0.5 s, and the coaching numbers.
 * docs/live.md lists the keys. Returns 0 or -1 (no memory). */
int rmat_live_model_json(struct rmat_live_model *m, struct rmat_live_text *out);

/* --- the hub ------------------------------------------------------------ */

struct rmat_live_hub;

/* A published snapshot: immutable, reference-counted. */
struct rmat_live_snap {
    unsigned refs; /* the hub's; not for the reader */
    uint64_t seq;  /* 1, 2, ... */
    size_t len;
    char text[]; /* len bytes and a NUL */
};

int rmat_live_hub_new(struct rmat_live_hub **out);
void rmat_live_hub_free(struct rmat_live_hub *h);

/* Publishes a copy of text (len bytes) as the latest snapshot and calls the
 * listener, if any. Returns 0 or -1 (no memory: the previous one stays). */
int rmat_live_hub_publish(struct rmat_live_hub *h, const char *text, size_t len);

/* The latest snapshot with a reference the caller drops with
 * rmat_live_hub_put(); NULL before the first. */
struct rmat_live_snap *rmat_live_hub_get(struct rmat_live_hub *h);
void rmat_live_hub_put(struct rmat_live_hub *h, struct rmat_live_snap *s);

/* The sequence number of the latest snapshot (0: none yet). */
uint64_t rmat_live_hub_seq(struct rmat_live_hub *h);

/* Called (on the producer's thread, after each publish) to wake the
 * clients: the HTTP server installs it. */
void rmat_live_hub_listen(struct rmat_live_hub *h, void (*fn)(void *ctx), void *ctx);

/* --- the live source (rollmatd) ----------------------------------------- */

struct rmat_live_config {
    const struct rmat_analysis_params *params; /* NULL: defaults */
    const struct rmat_live_targets *targets;   /* NULL: defaults */
    const char *ctl_socket;                    /* the daemon's control socket, for status and
                                                  the page's buttons; NULL: none */
    double publish_hz;                         /* snapshots a second (25) */
    size_t ring_bytes; /* the frame ring's size (4 MiB): at least 16 frames */
    const struct rmat_log *log;
};

void rmat_live_config_init(struct rmat_live_config *c);

struct rmat_live;

/* Starts the worker thread. hub (kept, not owned) gets the snapshots.
 * RMAT_E_ARG, RMAT_E_NOMEM, RMAT_E_IO (no thread). */
int rmat_live_new(const struct rmat_live_config *cfg, struct rmat_live_hub *hub,
                  struct rmat_live **out, struct rmat_errinfo *ei);

/* Stops the worker and frees l; NULL is allowed. */
void rmat_live_free(struct rmat_live *l);

/* The acquisition side: never blocks beyond a short lock, keeps no pointer.
 * on_connect copies the mat's description and calibration (NULL: none) for
 * the worker; on_frame copies the frame into the ring (a full ring drops
 * its oldest frame, counted). */
void rmat_live_on_connect(struct rmat_live *l, const struct rmat_info *info,
                          const struct rmat_calib *calib);
void rmat_live_on_frame(struct rmat_live *l, const struct rmat_frame_hdr *hdr,
                        const uint16_t *samples);

/* Counters, for status and the benches. */
struct rmat_live_stats {
    uint64_t frames_in;      /* frames given to on_frame */
    uint64_t frames_dropped; /* frames the worker never saw (ring full) */
    uint64_t frames_done;    /* frames the model computed */
    uint64_t snapshots;      /* published */
    uint64_t connects;       /* on_connect calls */
};
void rmat_live_stats(struct rmat_live *l, struct rmat_live_stats *out);

/* A control action from the page: name is start, stop, mark or pain, args
 * the page's fields as key/value pairs (n of them). Sends the matching
 * command to the daemon (docs/daemon.md) and puts its reply line in reply.
 * Returns RMAT_OK when the daemon answered (the reply may be "error ..."),
 * RMAT_E_ARG for an unknown action or a bad field (reply says which),
 * else rmat_ctl_request()'s error. */
int rmat_live_action(struct rmat_live *l, const char *name, const char *const *keys,
                     const char *const *values, size_t n, char *reply, size_t cap);

/* --- playback (rollmat view) -------------------------------------------- */

struct rmat_playback;

/* Opens the recording path (SWMR: it may still be written), analyses its
 * series for the timeline (the analysis's passes and holds, its events,
 * its gaps) and starts a thread that plays it into hub, paused at 0.
 * RMAT_E_* of rmat_reader_open(), RMAT_E_FORMAT, RMAT_E_NOMEM, RMAT_E_IO. */
int rmat_playback_open(const char *path, const struct rmat_analysis_params *params,
                       const struct rmat_live_targets *targets, struct rmat_live_hub *hub,
                       const struct rmat_log *log, struct rmat_playback **out,
                       struct rmat_errinfo *ei);

void rmat_playback_close(struct rmat_playback *p);

/* The page's playback actions: play, pause, seek (t_s), speed (x, 0.25 to
 * 8). reply gets a short JSON or an error text. RMAT_OK or RMAT_E_ARG. */
int rmat_playback_action(struct rmat_playback *p, const char *name, const char *const *keys,
                         const char *const *values, size_t n, char *reply, size_t cap);

/* The timeline as a JSON text (duration, passes, holds, events, gaps);
 * malloc'd, the caller frees; NULL without memory. */
char *rmat_playback_timeline(struct rmat_playback *p);

/* Blocks until the snapshot for time t_s (after a seek) is published, up to
 * timeout_ms: for tests and the movie. Returns 0 or -1 on timeout. */
int rmat_playback_wait_at(struct rmat_playback *p, double t_s, int timeout_ms);

#endif
