/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: packets of the mat wire protocol, version 1.
 *
 * Implements the wire protocol, version 1 (docs/protocol.md). A raw
 * packet is `type u8 | version u8 (= 1) | body | crc u32 LE`, the CRC being
 * CRC-32/ISO-HDLC over type, version and body. On the wire each raw packet is
 * COBS-encoded and followed by 0x00 (rmat_wire_encode()).
 *
 * Builders write one complete raw packet (CRC included) into the caller's
 * buffer and return its length, or RMAT_E_SPACE if it does not fit, or
 * RMAT_E_ARG for an argument the wire cannot carry. Parsers take one raw
 * packet, check its type, CRC and length themselves, and return RMAT_OK or the
 * negative code of what is wrong; on error their outputs are undefined.
 *
 * Portable (firmware/core): the firmware and every host program share these
 * bytes, so they cannot disagree about the wire. Every field offset below
 * is fixed by the protocol version and cannot change without a new version.
 */
#ifndef ROLLMAT_WIRE_H
#define ROLLMAT_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "rollmat/cobs.h"

#define RMAT_WIRE_VERSION 1
/* Largest decoded (raw) packet, type to CRC included. */
#define RMAT_WIRE_MAX_PACKET 16384
/* Largest packet on the wire: COBS overhead plus the 0x00 delimiter. */
#define RMAT_WIRE_MAX_ENCODED (RMAT_COBS_MAX_ENCODED(RMAT_WIRE_MAX_PACKET) + 1)
/* type + version in front, CRC behind. */
#define RMAT_WIRE_HEAD     2
#define RMAT_WIRE_OVERHEAD 6

/* Body lengths of the fixed-size packets. */
#define RMAT_INFO_BODY       56
#define RMAT_FRAME_HEAD_BODY 16 /* FRAME body before the samples */
#define RMAT_ACK_BODY        6
#define RMAT_STATUS_BODY     24
#define RMAT_LOG_TEXT_MAX    200
#define RMAT_PONG_BODY       12
#define RMAT_CMD_TOKEN_BODY  4 /* every command body starts with token u32 */
#define RMAT_START_BODY      7
#define RMAT_SET_MODE_BODY   5

#define RMAT_FW_VERSION_LEN 16
#define RMAT_MODEL_LEN      24

/* The largest dense frame that fits one packet (docs/protocol.md: 90x90). */
#define RMAT_WIRE_MAX_SENSELS                                                                      \
    ((RMAT_WIRE_MAX_PACKET - RMAT_WIRE_OVERHEAD - RMAT_FRAME_HEAD_BODY) / 2)

enum rmat_pkt_type {
    /* device to host */
    RMAT_PKT_INFO = 0x01,
    RMAT_PKT_FRAME = 0x02,
    RMAT_PKT_ACK = 0x03,
    RMAT_PKT_STATUS = 0x04,
    RMAT_PKT_LOG = 0x05,
    RMAT_PKT_PONG = 0x06,
    /* host to device */
    RMAT_PKT_GET_INFO = 0x81,
    RMAT_PKT_START = 0x82,
    RMAT_PKT_STOP = 0x83,
    RMAT_PKT_PING = 0x84,
    RMAT_PKT_SET_MODE = 0x85,
    RMAT_PKT_GET_STATUS = 0x86,
};

/* Which packet types a receiver accepts: a device accepts commands, a host
 * accepts the device's packets. Any other type is dropped as unknown. */
enum rmat_wire_dir {
    RMAT_WIRE_TO_HOST = 0,
    RMAT_WIRE_TO_DEVICE = 1,
};

enum rmat_encoding {
    RMAT_ENC_DENSE = 0,
    RMAT_ENC_SPARSE = 1,
};

enum rmat_ack_status {
    RMAT_ACK_OK = 0,
    RMAT_ACK_BAD_ARG = 1,
    RMAT_ACK_UNSUPPORTED = 2,
    RMAT_ACK_BUSY = 3,
};

enum rmat_mode {
    RMAT_MODE_SENSORS = 0,
    RMAT_MODE_TEST_PATTERN = 1,
};

/* INFO. Strings are NUL-terminated here (one byte longer than on the wire);
 * on the wire they are fixed-size, padded with 0x00, not necessarily
 * terminated. */
struct rmat_info {
    uint8_t rows;
    uint8_t cols;
    uint8_t adc_bits;
    uint8_t encodings; /* bit n set = encoding n supported */
    uint16_t pitch_x_um;
    uint16_t pitch_y_um;
    uint16_t max_rate_hz;
    uint16_t rate_hz;
    uint32_t serial;
    char fw_version[RMAT_FW_VERSION_LEN + 1];
    char model[RMAT_MODEL_LEN + 1];
};

/* FRAME header; the samples travel separately as a dense row-major array. */
struct rmat_frame_hdr {
    uint32_t seq;
    uint64_t t_us;
    uint8_t rows;
    uint8_t cols;
    uint8_t encoding; /* enum rmat_encoding */
};

struct rmat_ack {
    uint8_t cmd; /* the command's type */
    uint8_t status;
    uint32_t token;
};

struct rmat_status {
    uint64_t t_us;
    uint32_t frames_sent;
    uint32_t frames_dropped;
    uint32_t rx_errors;
    uint16_t rate_hz;
    uint8_t streaming;
    uint8_t mode;
};

struct rmat_logmsg {
    uint8_t level; /* 0 error, 1 warning, 2 info, 3 debug */
    uint16_t len;  /* text bytes, at most RMAT_LOG_TEXT_MAX */
    char text[RMAT_LOG_TEXT_MAX + 1];
};

struct rmat_pong {
    uint32_t token;
    uint64_t t_us;
};

/* Any host-to-device command: type and token always; rate_hz and encoding
 * for START, mode for SET_MODE, zero otherwise. */
struct rmat_cmd {
    uint8_t type;
    uint32_t token;
    uint16_t rate_hz;
    uint8_t encoding;
    uint8_t mode;
};

/* --- building raw packets -------------------------------------------- */

int rmat_wire_build_info(uint8_t *pkt, size_t cap, const struct rmat_info *info);

/* Builds a FRAME from a dense row-major array of hdr->rows * hdr->cols
 * samples, in the encoding hdr->encoding (sparse lists the non-zero ones).
 * RMAT_E_ARG for zero rows or cols or an unknown encoding; RMAT_E_SPACE if
 * the packet would not fit cap (or RMAT_WIRE_MAX_PACKET). */
int rmat_wire_build_frame(uint8_t *pkt, size_t cap, const struct rmat_frame_hdr *hdr,
                          const uint16_t *samples);

/* Raw packet length of a FRAME of these samples in this encoding, so a
 * device can pick the smaller one; 0 for an unknown encoding. samples may be
 * NULL for the dense length (it does not depend on them); the sparse length
 * of NULL samples is 0. */
size_t rmat_wire_frame_len(uint8_t encoding, uint8_t rows, uint8_t cols, const uint16_t *samples);

int rmat_wire_build_ack(uint8_t *pkt, size_t cap, const struct rmat_ack *ack);
int rmat_wire_build_status(uint8_t *pkt, size_t cap, const struct rmat_status *st);
/* text: len bytes, len <= RMAT_LOG_TEXT_MAX (else RMAT_E_ARG). */
int rmat_wire_build_log(uint8_t *pkt, size_t cap, uint8_t level, const char *text, size_t len);
int rmat_wire_build_pong(uint8_t *pkt, size_t cap, const struct rmat_pong *pong);
/* Builds the command cmd->type with its body (RMAT_E_ARG for a type that is
 * not a command). */
int rmat_wire_build_cmd(uint8_t *pkt, size_t cap, const struct rmat_cmd *cmd);

/* --- checking and parsing raw packets ---------------------------------- */

/* Checks one decoded raw packet as a receiver in direction dir must, in this
 * order: empty or under RMAT_WIRE_OVERHEAD -> RMAT_E_SHORT; over
 * RMAT_WIRE_MAX_PACKET -> RMAT_E_TOOLONG; CRC -> RMAT_E_CRC; version ->
 * RMAT_E_VERSION; type not of dir -> RMAT_E_TYPE; body shorter than the
 * type needs (for FRAME: the samples its rows, cols, encoding and count
 * announce) -> RMAT_E_SHORT; a FRAME with zero rows or cols, an unknown
 * encoding, sparse indices not strictly increasing or out of the grid ->
 * RMAT_E_MALFORMED. Returns the packet type (> 0) if it is good. Longer
 * bodies than needed are accepted (later versions may append fields). */
int rmat_wire_check(const uint8_t *pkt, size_t len, enum rmat_wire_dir dir);

int rmat_wire_parse_info(const uint8_t *pkt, size_t len, struct rmat_info *out);

/* Parses a FRAME into hdr and a dense row-major array of hdr->rows *
 * hdr->cols samples (sparse frames are expanded, unlisted sensels 0).
 * RMAT_E_SPACE if that is more than cap samples. */
int rmat_wire_parse_frame(const uint8_t *pkt, size_t len, struct rmat_frame_hdr *hdr,
                          uint16_t *samples, size_t cap);

/* rmat_wire_parse_frame for a packet that rmat_wire_check() (or the stream
 * decoder, which runs it) has already accepted as a FRAME: skips checking
 * it again, a second CRC pass over every frame. Passing anything else is a
 * caller's bug; only the type and minimum length are re-checked
 * (RMAT_E_ARG). */
int rmat_wire_parse_frame_checked(const uint8_t *pkt, size_t len, struct rmat_frame_hdr *hdr,
                                  uint16_t *samples, size_t cap);

int rmat_wire_parse_ack(const uint8_t *pkt, size_t len, struct rmat_ack *out);
int rmat_wire_parse_status(const uint8_t *pkt, size_t len, struct rmat_status *out);
int rmat_wire_parse_log(const uint8_t *pkt, size_t len, struct rmat_logmsg *out);
int rmat_wire_parse_pong(const uint8_t *pkt, size_t len, struct rmat_pong *out);
/* Parses any of the six commands. */
int rmat_wire_parse_cmd(const uint8_t *pkt, size_t len, struct rmat_cmd *out);

/* --- wire framing ------------------------------------------------------- */

/* COBS-encodes one raw packet and appends the 0x00 delimiter. Returns the
 * number of wire bytes, or RMAT_E_SPACE. */
int rmat_wire_encode(const uint8_t *pkt, size_t len, uint8_t *out, size_t cap);

/* A short name for a packet type ("INFO", "START", ...), "?" if unknown. */
const char *rmat_pkt_name(uint8_t type);

#endif
