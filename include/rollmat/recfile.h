/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: the recording file's layout, shared by the writer (recording.h)
 * and the reader (reader.h) so both agree on every name (docs/format.md).
 *
 * One recording (one session on one mat) is one HDF5 file:
 *
 *   /                 attrs format, format_version, created_utc, software,
 *                     recording_id (version 2), recovered_from (optional)
 *   /device           attrs model, serial, firmware_version, protocol_version,
 *                     rows, cols, adc_bits, pitch_x_mm, pitch_y_mm, rate_hz
 *   /session          attrs subject, session, region, side, roller,
 *                     roller_diameter_mm, mounting, body_mass_kg, operator,
 *                     notes, started_utc
 *   /calibration      optional (calib.h)
 *   /frames/raw, seq, t_device_us, t_host_ns     one row per frame
 *   /events/t_host_ns, kind, value, text         one row per event
 *
 * What is here is public and stable: users open recordings with h5py,
 * MATLAB and R. A change of meaning needs a new format_version.
 */
#ifndef ROLLMAT_RECFILE_H
#define ROLLMAT_RECFILE_H

#define RMAT_HEADER_LAYER RMAT_LAYER_COMMON
#include "rollmat/layer.h"

#include <stddef.h>
#include <stdint.h>

#include "rollmat/wire.h"

#define RMAT_FORMAT_NAME "rollmat-recording"
/* The version this build writes and the newest it reads; it reads every
 * version from RMAT_FORMAT_VERSION_MIN on (version 2 added recording_id and
 * recovered_from; a version-1 file reads with both empty). */
#define RMAT_FORMAT_VERSION     2
#define RMAT_FORMAT_VERSION_MIN 1
#define RMAT_RECORDING_ID_LEN   40  /* a UUID's 36 characters, with room */
#define RMAT_RECOVERED_FROM_LEN 256 /* a journal's file name */
#define RMAT_EVENT_KIND_LEN     16  /* fixed string size of /events/kind */
#define RMAT_EVENT_TEXT_LEN     128 /* fixed string size of /events/text */

/* What /device holds. */
struct rmat_device_desc {
    char model[RMAT_MODEL_LEN + 1];
    uint32_t serial;
    char firmware_version[RMAT_FW_VERSION_LEN + 1];
    int protocol_version;
    int rows;
    int cols;
    int adc_bits;
    double pitch_x_mm;
    double pitch_y_mm;
    double rate_hz;
};

/* Fills d from a device's INFO packet and the rate the host asked for. */
void rmat_device_desc_from_info(struct rmat_device_desc *d, const struct rmat_info *info,
                                uint16_t rate_hz);

/* What /session holds. Numbers NaN and strings empty where unknown. */
struct rmat_session_meta {
    char subject[64];
    char session[64];
    char region[64];
    char side[16]; /* left, right, none */
    char roller[64];
    double roller_diameter_mm;
    char mounting[16]; /* tissue or floor */
    double body_mass_kg;
    char operator_name[64]; /* attribute "operator" */
    char notes[256];
    char started_utc[32]; /* ISO-8601 */
};

/* Sets every number to NaN and every string to "". */
void rmat_session_meta_init(struct rmat_session_meta *m);

/* Who a recording is (root attributes of format version 2). One identity
 * per recording, made at creation and kept by `rollmat recover`, so a
 * session is counted once wherever copies and analyses of it lie. */
struct rmat_rec_ident {
    char recording_id[RMAT_RECORDING_ID_LEN];     /* UUID v4 (uuid.h); "" in version 1 */
    char recovered_from[RMAT_RECOVERED_FROM_LEN]; /* the journal's file name when the file
                                                     was rebuilt from it; "" otherwise */
};

#endif
