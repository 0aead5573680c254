/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: the acquisition daemon (rollmatd) and its control protocol.
 *
 * One daemon per mat. It keeps the mat connected, streams frames
 * continuously so `status` can show the current load, and records sessions
 * on command: each recording is an HDF5 file with its write-ahead journal
 * (capture.h), named SUBJECT_REGION_SIDE_YYYYMMDD-HHMMSS.h5 (the session's
 * started_utc) under the recordings folder and never overwritten. Each
 * recording gets the mat's calibration (calib.h, rmat_calib_find_for_mat():
 * --calibration FILE, else DIR/mat-SERIAL.cal), found when the mat connects
 * and again at each start.
 *
 * The mat comes and goes. It is present while frames flow; it leaves when
 * the link closes, when its STATUS says it stopped streaming, or when it
 * sends nothing for 2 s and then does not answer GET_STATUS. The daemon
 * then tries it again after 1 s, doubling the wait up to 30 s, and logs one
 * line when the mat leaves and one when it is back, not one per try. A mat
 * that leaves during a recording leaves the file open with a `disconnect`
 * event saying why: when it comes back (same serial number) within
 * reconnect_wait_s the recording resumes in the same file with a
 * `reconnect` event (value: seconds away); no `gap` is invented for the
 * time away (gap events are seq jumps actually seen); otherwise the
 * recording is closed. A full disk or a write error stops the recording,
 * keeps what was written readable, and is reported; the daemon goes on.
 *
 * Control: a Unix-domain stream socket (mode 0660), one command per line,
 * one reply line per command, "ok ..." or "error ...". Words are separated
 * by spaces; a value with spaces is put in double quotes (\" and \\ inside).
 *   start subject=S [session=S] [region=R] [side=left|right|none]
 *         [roller=NAME] [roller_diameter_mm=MM] [mounting=tissue|floor]
 *         [body_mass_kg=KG] [operator=NAME] [notes=TEXT] [started_utc=ISO]
 *                      -> ok PATH   (subject=anonymous for a session without
 *                         one; started_utc an ISO-8601 date-time, default now)
 *   stop               -> ok PATH frames=N lost=N
 *   mark TEXT          -> ok mark at MM:SS "TEXT"
 *   pain N [TEXT]      -> ok pain N at MM:SS ["TEXT"]  (N a whole number 0-10)
 *   note TEXT          -> ok note at MM:SS "TEXT"
 *                         (MM:SS: time since the recording started)
 *   status             -> ok key=value ... (device, connected, model, serial,
 *                         rows, cols, rate_hz, recording, file, duration_s,
 *                         frames, lost, away, load_counts, link_drops,
 *                         mat_dropped, calibration, what the observer adds
 *                         (rollmatd: force_n), last_error)
 *   ping               -> ok pong
 *
 * Limits, so no client can stall the daemon or lock others out: a line
 * is at most RMAT_CTL_LINE_MAX - 1 bytes (a longer one is read to its end
 * at full speed and answered "error line longer than ..."); a NUL byte in
 * a line is an error; numbers are decimal (no hex, inf or nan); at most
 * RMAT_CTL_MAX_CLIENTS connections at once and RMAT_CTL_PER_PEER from one
 * process; a connection that sends nothing for ctl_idle_s seconds is
 * closed, and when all slots are taken the longest idle one is closed to
 * make room for a new client.
 */
#ifndef ROLLMAT_DAEMON_H
#define ROLLMAT_DAEMON_H

#define RMAT_HEADER_LAYER RMAT_LAYER_ACQ
#include "rollmat/layer.h"

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "rollmat/diag.h"

#define RMAT_CTL_LINE_MAX    1024
#define RMAT_CTL_MAX_CLIENTS 16
#define RMAT_CTL_PER_PEER    4  /* connections from one process */
#define RMAT_CTL_IDLE_S      30 /* ctl_idle_s's default */

struct rmat_info;
struct rmat_frame_hdr;
struct rmat_calib;

/* What the program running the daemon watches: the mat and its frames as
 * they come (rollmatd computes the force in N for `status` through it; a
 * live view hangs off the same hook). Every callback is called on the
 * acquisition thread, between frames: it must not block, and must not keep
 * the pointers it is given beyond the call. Any callback may be NULL. */
struct rmat_daemon_observer {
    void *ctx;
    /* The mat connected (INFO), or its calibration was found again (at each
     * start): calib is what its recordings get, NULL for none. */
    void (*on_connect)(void *ctx, const struct rmat_info *info, const struct rmat_calib *calib);
    /* Every frame received, recorded or not: rows * cols dense counts. */
    void (*on_frame)(void *ctx, const struct rmat_frame_hdr *hdr, const uint16_t *samples);
    /* While the mat is connected: appends " key=value" words to the status
     * reply (buf, cap bytes left, NUL-terminated). */
    void (*status)(void *ctx, char *buf, size_t cap);
};

struct rmat_daemon_config {
    const char *device;         /* serial port or tcp://HOST:PORT */
    unsigned baud;              /* serial only; 0 = default */
    uint16_t rate_hz;           /* 0 = the mat's default */
    int dense_only;             /* 1: ask for dense frames even where sparse is smaller */
    const char *socket_path;    /* control socket */
    const char *recordings_dir; /* where recordings go (created if missing) */
    double reconnect_wait_s;    /* keep a recording open this long for the mat to return */
    const char *calib_file;     /* one calibration for whatever mat (NULL: calib_dir's) */
    const char *calib_dir;      /* DIR/mat-SERIAL.cal; default RMAT_CALIB_DEFAULT_DIR;
                                   NULL: none */
    int deflate;                /* the frames' storage (recording.h); init: the default */
    double ctl_idle_s;          /* close a control connection silent this long */
    const struct rmat_daemon_observer *observer; /* may be NULL */
    const volatile sig_atomic_t *stop;           /* set by SIGTERM/SIGINT */
    const struct rmat_log *log;
};

void rmat_daemon_config_init(struct rmat_daemon_config *c);

/* The default control socket: $XDG_RUNTIME_DIR/rollmat/rollmatd.sock, else
 * /run/rollmat/rollmatd.sock. Writes it to buf. */
void rmat_ctl_default_socket(char *buf, size_t cap);

/* Runs the daemon until *cfg->stop; closes any recording cleanly first.
 * Before anything it checks the recordings folder (it exists or can be
 * made, is a folder, and a file can be created and removed in it) and the
 * control socket (its folder exists and is writable, no live daemon on it,
 * and nothing but a stale socket at its path). Returns RMAT_OK, or the
 * error that kept it from starting, saying what to fix. */
int rmat_daemon_run(const struct rmat_daemon_config *cfg, struct rmat_errinfo *ei);

/* Client side: sends one command line to the daemon at socket_path and
 * puts its reply line (without the newline) in reply. Returns RMAT_OK when a
 * reply came (which may itself be "error ..."), RMAT_E_NOTFOUND when no
 * daemon listens there, RMAT_E_TIMEOUT after timeout_ms. */
int rmat_ctl_request(const char *socket_path, const char *line, char *reply, size_t cap,
                     int timeout_ms, struct rmat_errinfo *ei);

/* Appends word to buf (of cap bytes, NUL-terminated) as one word of the
 * control protocol, quoting it if it needs quotes. RMAT_E_SPACE if it does
 * not fit. */
int rmat_ctl_append_word(char *buf, size_t cap, const char *word);

/* For the fuzzer only: feeds bytes to the control protocol of a daemon with
 * no mat and no socket (see daemon.c). */
int rmat_ctl_fuzz_bytes(const char *bytes, size_t n);

#endif
