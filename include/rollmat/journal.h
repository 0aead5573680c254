/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: the write-ahead journal of a recording.
 *
 * HDF5 1.10 cannot promise a readable file after a full disk, an I/O error
 * or a power cut at the wrong moment. So beside every recording FILE.h5 the
 * recorder keeps FILE.h5.journal: an append-only file of the packets it
 * received, each with its host receive time and its own CRC, written before
 * the frame goes to HDF5 and fdatasync'ed at least once a second. From it
 * `rollmat recover` rebuilds a complete recording whatever state the HDF5
 * file is in. After a clean close the journal is removed.
 *
 * Layout (all integers little-endian; docs/format.md):
 *   magic "RMATJNL1" (8 bytes)
 *   records: len u32 (bytes of type..payload), type u8, t_host_ns i64,
 *            payload, crc u32 (CRC-32/ISO-HDLC over len..payload)
 *   type 1 META:   the /device and /session attributes (first record)
 *   type 2 PACKET: one raw wire packet as received (type..crc)
 *   type 3 EVENT:  value f64, kind (u8 length + bytes), text (u16 + bytes)
 *   type 4 IDENT:  recording_id (u16 length + bytes), right after META
 *   type 5 CALIB:  total u32, offset u32, bytes: a piece of the
 *                  calibration's text (calib.h, rmat_calib_to_text()),
 *                  pieces in order after IDENT, each at most as long as a
 *                  PACKET record
 * A reader stops at the first record that is short or fails its CRC: the
 * torn tail of a crash. Types it does not know are skipped, so a journal
 * with IDENT and CALIB still recovers with a rollmat that predates them, and
 * one without them (written before) recovers with a fresh recording_id.
 */
#ifndef ROLLMAT_JOURNAL_H
#define ROLLMAT_JOURNAL_H

#define RMAT_HEADER_LAYER RMAT_LAYER_ACQ
#include "rollmat/layer.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rollmat/diag.h"
#include "rollmat/recording.h"

#define RMAT_JOURNAL_SUFFIX ".journal"

struct rmat_journal;

struct rmat_calib;

/* Creates path (never overwriting: RMAT_E_EXISTS), writes the magic, the
 * META record, the IDENT record (when recording_id is not NULL) and the
 * CALIB records (when calib is not NULL), and syncs them. *out is NULL on
 * error; close with rmat_journal_close(). */
int rmat_journal_create(const char *path, const struct rmat_device_desc *dev,
                        const struct rmat_session_meta *meta, const char *recording_id,
                        const struct rmat_calib *calib, struct rmat_journal **out,
                        struct rmat_errinfo *ei);

/* Appends one received packet (buffered; allocates nothing). */
int rmat_journal_packet(struct rmat_journal *j, int64_t t_host_ns, const uint8_t *pkt, size_t len,
                        struct rmat_errinfo *ei);

/* Appends one event; kind cut to 15 bytes, text to 127. */
int rmat_journal_event(struct rmat_journal *j, int64_t t_host_ns, const char *kind, double value,
                       const char *text, struct rmat_errinfo *ei);

/* Writes what is buffered and fdatasyncs it. Errors: RMAT_E_NOSPC, RMAT_E_IO. */
int rmat_journal_sync(struct rmat_journal *j, struct rmat_errinfo *ei);

/* Syncs, closes and frees j; with remove set, deletes the file too (after a
 * clean close of its recording). NULL is allowed. */
int rmat_journal_close(struct rmat_journal *j, int remove, struct rmat_errinfo *ei);

struct rmat_recover_result {
    uint64_t frames;      /* frames written to the new recording */
    uint64_t events;      /* events written */
    uint64_t bad_packets; /* journal records whose packet would not parse */
    int torn_tail;        /* 1 if the journal ended in a short or damaged record */
    /* Damaged records in the middle of the journal (a flipped bit, a bad
     * sector): recovery skips each, finds the next whole record by its
     * length and CRC, and goes on. One count per damaged stretch (one
     * flipped bit: one record), and the bytes skipped. */
    uint64_t skipped_records;
    uint64_t skipped_bytes;
    char recording_id[RMAT_RECORDING_ID_LEN]; /* the rebuilt recording's */
    int new_id;                               /* 1: the journal had none (an older
                                                 rollmat's): a new one was made */
    int calibrated;       /* 1: the journal's calibration went into /calibration */
    int calib_unreadable; /* 1: the journal had a calibration that did not read */
};

/* Rebuilds a recording at h5_path (which must not exist) from the journal
 * at journal_path: the same recording_id (a journal without one gets a new
 * one and a `note` event saying so), the root attribute recovered_from set
 * to the journal's file name, the journal's calibration as /calibration
 * (one that does not read is left out, with a `note` event). Errors:
 * RMAT_E_NOTFOUND, RMAT_E_FORMAT (not a journal, or no META record),
 * RMAT_E_EXISTS, and the writer's. */
int rmat_journal_recover(const char *journal_path, const char *h5_path,
                         struct rmat_recover_result *res, struct rmat_errinfo *ei);

/* rmat_journal_recover() from an open stream (e.g. fmemopen), with
 * journal_path only naming it in messages and recovered_from. With h5_path
 * NULL it only reads: res counts what a recovery would write, and no file
 * is made (the fuzzer's way in). The stream is left open. */
int rmat_journal_recover_stream(FILE *in, const char *journal_path, const char *h5_path,
                                struct rmat_recover_result *res, struct rmat_errinfo *ei);

/* 1 if a writer holds the journal at path (it keeps an flock on it while
 * recording; a crash releases it), 0 if not, -1 if it cannot be opened. */
int rmat_journal_in_use(const char *path);

struct rmat_complete_result {
    struct rmat_recover_result rec; /* what recovery read from the journal */
    int64_t original_frames;        /* in the file left open; -1: it did not read */
    int replaced;                   /* 1: the file rebuilt from the journal took its place; 0: the
                                       file as it was had more, and only its flags were cleared */
    char path[4096];                /* the recording completed */
};

/* Completes a recording left open by a crash, in place: FILE.h5 from its
 * journal FILE.h5.journal (journal_path). The journal is recovered into
 * FILE.h5.recovering; if that holds at least as many frames as FILE.h5
 * (which may be missing or not open at all), it replaces FILE.h5 (a
 * rename); otherwise FILE.h5 is kept and its status flags cleared (what
 * `h5clear -s` does). Only when FILE.h5 then opens without SWMR (as h5py,
 * h5dump and MATLAB open files) is the journal removed; on any failure it
 * stays. RMAT_E_BUSY if a writer still holds the journal. */
int rmat_journal_complete(const char *journal_path, struct rmat_complete_result *res,
                          struct rmat_errinfo *ei);

#endif
