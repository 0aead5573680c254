/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: a one-shot recording in the foreground (`rollmat record`).
 *
 * Connects to a mat, handshakes, finds the mat's calibration (calib.h,
 * rmat_calib_find_for_mat()), creates the recording with it (before START,
 * so no frame can arrive with nowhere to go), streams until the duration has
 * passed, a stop is requested or the mat ends the stream, sends STOP and
 * keeps every frame that arrives before its ACK, and closes the file. Start
 * and stop are written as events, each seq gap as a `gap` event with its
 * length in frames, each PING round trip as a `clock_sync` event (value:
 * device time in us, at the host time of the middle of the round trip) and
 * the fitted clock at the end as `clock_fit` (value: drift in ppm; text:
 * rmat_clock_fit_text()).
 *
 * The mat ends the stream when it says so (a STATUS with streaming 0), when
 * it closes the link (EOF: switched off, unplugged), or when it has sent
 * nothing for 2 s and then does not answer GET_STATUS. Without a duration
 * each is the end of the recording (RMAT_OK, res->end says which); with a
 * duration the first is too, the other two cut the recording short and are
 * errors (every frame received is kept).
 */
#ifndef ROLLMAT_RECORD_H
#define ROLLMAT_RECORD_H

#define RMAT_HEADER_LAYER RMAT_LAYER_ACQ
#include "rollmat/layer.h"

#include <signal.h>
#include <stdint.h>

#include "rollmat/diag.h"
#include "rollmat/recording.h"
#include "rollmat/devsession.h"

struct rmat_record_config {
    const char *device;   /* serial port or tcp://HOST:PORT */
    unsigned baud;        /* serial only; 0 = RMAT_DEFAULT_BAUD */
    const char *out_path; /* the .h5 file; must not exist */
    double duration_s;    /* > 0: stop after this long; <= 0: until *stop */
    uint16_t rate_hz;     /* 0: the device's default (INFO rate_hz) */
    int dense_only;       /* 1: ask for dense frames; 0: allow sparse */
    int test_pattern;     /* 1: SET_MODE test pattern before START */
    /* The calibration copied into the recording: calib_file for whatever
     * mat, else the mat's own DIR/mat-SERIAL.cal in calib_dir; NULL both:
     * none (calib.h, rmat_calib_find_for_mat()). */
    const char *calib_file;
    const char *calib_dir;
    int deflate; /* the frames' storage (recording.h); init: RMAT_REC_DEFLATE_DEFAULT */
    struct rmat_session_meta meta;
    const volatile sig_atomic_t *stop; /* set by a signal handler; may be NULL */
    const struct rmat_log *log;
};

void rmat_record_config_init(struct rmat_record_config *c);

/* Why a recording ended. */
enum rmat_record_end {
    RMAT_RECORD_END_NONE = 0,    /* it did not start, or failed */
    RMAT_RECORD_END_DURATION,    /* the duration passed */
    RMAT_RECORD_END_STOP,        /* *cfg->stop was set (Ctrl-C) */
    RMAT_RECORD_END_MAT_STOPPED, /* the mat's STATUS said streaming 0 */
    RMAT_RECORD_END_LINK_CLOSED, /* the mat closed the link (EOF) */
    RMAT_RECORD_END_SILENT,      /* no frames for 2 s, no answer to GET_STATUS */
};

struct rmat_record_result {
    struct rmat_info info;
    enum rmat_record_end end;
    char end_text[RMAT_ERRINFO_MSG]; /* one line saying why, for people */
    char recording_id[RMAT_RECORDING_ID_LEN];
    char calibration[RMAT_ERRINFO_MSG]; /* which calibration the recording got, or
                                           NO CALIBRATION ... (calib.h) */
    int calibrated;
    uint64_t frames;             /* frames written to the file */
    uint64_t frames_lost;        /* seq gaps on the link */
    uint32_t link_drops;         /* packets the decoder dropped */
    uint32_t device_dropped;     /* the device's frames_dropped at the end */
    double duration_s;           /* device time from first to last frame */
    struct rmat_clock_fit clock; /* n = 0 if too few round trips */
};

/* Runs the recording. On an error after the file was created, the file is
 * closed with every frame received so far and the error returned. */
int rmat_record_run(const struct rmat_record_config *cfg, struct rmat_record_result *res,
                    struct rmat_errinfo *ei);

#endif
