/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Packets of the mat wire protocol, version 1 (docs/protocol.md).
 *
 * Every byte is placed with the little-endian helpers of bytes.h at a named
 * offset; no struct is ever laid over wire bytes. The offsets below are the
 * protocol: changing one is a new protocol version.
 *
 * A raw packet is type | version | body | crc. The offsets are relative to
 * the start of the body (packet offset RMAT_WIRE_HEAD).
 */
#include "rollmat/wire.h"

#include <string.h>

#include "rollmat/bytes.h"
#include "rollmat/crc32.h"
#include "rollmat/err.h"

/* INFO body */
enum {
    INFO_ROWS = 0,
    INFO_COLS = 1,
    INFO_ADC_BITS = 2,
    INFO_ENCODINGS = 3,
    INFO_PITCH_X_UM = 4,
    INFO_PITCH_Y_UM = 6,
    INFO_MAX_RATE_HZ = 8,
    INFO_RATE_HZ = 10,
    INFO_SERIAL = 12,
    INFO_FW_VERSION = 16,
    INFO_MODEL = 32, /* INFO_FW_VERSION + RMAT_FW_VERSION_LEN */
};

/* FRAME body; samples start at RMAT_FRAME_HEAD_BODY. */
enum {
    FRAME_SEQ = 0,
    FRAME_T_US = 4,
    FRAME_ROWS = 12,
    FRAME_COLS = 13,
    FRAME_ENCODING = 14,
    FRAME_RESERVED = 15,
};

/* ACK body */
enum { ACK_CMD = 0, ACK_STATUS = 1, ACK_TOKEN = 2 };

/* STATUS body */
enum {
    STATUS_T_US = 0,
    STATUS_FRAMES_SENT = 8,
    STATUS_FRAMES_DROPPED = 12,
    STATUS_RX_ERRORS = 16,
    STATUS_RATE_HZ = 20,
    STATUS_STREAMING = 22,
    STATUS_MODE = 23,
};

/* LOG body */
enum { LOG_LEVEL = 0, LOG_TEXT = 1 };

/* PONG body */
enum { PONG_TOKEN = 0, PONG_T_US = 4 };

/* Command bodies: the token first, then the arguments of START / SET_MODE. */
enum { CMD_TOKEN = 0, START_RATE_HZ = 4, START_ENCODING = 6, SET_MODE_MODE = 4 };

/* Sparse samples: count u16, then (index u16, value u16) pairs. */
#define SPARSE_HEAD 2
#define SPARSE_PAIR 4

_Static_assert(INFO_MODEL + RMAT_MODEL_LEN == RMAT_INFO_BODY, "INFO layout");
_Static_assert(STATUS_MODE + 1 == RMAT_STATUS_BODY, "STATUS layout");
_Static_assert(PONG_T_US + 8 == RMAT_PONG_BODY, "PONG layout");
_Static_assert(START_ENCODING + 1 == RMAT_START_BODY, "START layout");
_Static_assert(SET_MODE_MODE + 1 == RMAT_SET_MODE_BODY, "SET_MODE layout");

/* --- helpers ------------------------------------------------------------- */

static int is_cmd_type(uint8_t type)
{
    return type >= RMAT_PKT_GET_INFO && type <= RMAT_PKT_GET_STATUS;
}

static int is_dev_type(uint8_t type)
{
    return type >= RMAT_PKT_INFO && type <= RMAT_PKT_PONG;
}

/* Body bytes every packet of this type has at least; FRAME and LOG need
 * more checks (their full length depends on their contents). */
static size_t min_body(uint8_t type)
{
    switch (type) {
    case RMAT_PKT_INFO:
        return RMAT_INFO_BODY;
    case RMAT_PKT_FRAME:
        return RMAT_FRAME_HEAD_BODY;
    case RMAT_PKT_ACK:
        return RMAT_ACK_BODY;
    case RMAT_PKT_STATUS:
        return RMAT_STATUS_BODY;
    case RMAT_PKT_LOG:
        return 1;
    case RMAT_PKT_PONG:
        return RMAT_PONG_BODY;
    case RMAT_PKT_START:
        return RMAT_START_BODY;
    case RMAT_PKT_SET_MODE:
        return RMAT_SET_MODE_BODY;
    default:
        return RMAT_CMD_TOKEN_BODY; /* GET_INFO, STOP, PING, GET_STATUS */
    }
}

/* Writes type and version, checks room for body_len, and returns the body
 * pointer through *body; the caller fills the body, then calls finish(). */
static int start_packet(uint8_t *pkt, size_t cap, uint8_t type, size_t body_len, uint8_t **body)
{
    if (pkt == NULL)
        return RMAT_E_ARG;
    size_t total = body_len + RMAT_WIRE_OVERHEAD;
    if (total > RMAT_WIRE_MAX_PACKET || total > cap)
        return RMAT_E_SPACE;
    pkt[0] = type;
    pkt[1] = RMAT_WIRE_VERSION;
    *body = pkt + RMAT_WIRE_HEAD;
    return RMAT_OK;
}

/* Appends the CRC behind body_len body bytes and returns the packet length. */
static int finish_packet(uint8_t *pkt, size_t body_len)
{
    size_t n = RMAT_WIRE_HEAD + body_len;
    rmat_put_le32(pkt + n, rmat_crc32(pkt, n));
    return (int)(n + 4);
}

/* Copies a NUL-terminated string into a fixed field: at most n bytes, the
 * rest padded with 0x00 (a string of exactly n bytes has no terminator on
 * the wire). */
static void put_str(uint8_t *dst, const char *src, size_t n)
{
    size_t i = 0;
    for (; i < n && src[i] != '\0'; i++)
        dst[i] = (uint8_t)src[i];
    for (; i < n; i++)
        dst[i] = 0;
}

/* Copies a fixed field of n bytes into dst (n + 1 bytes), up to its first
 * 0x00, and zero-fills the rest, so dst is always terminated and nothing
 * after a terminator on the wire leaks into the string. */
static void get_str(char *dst, const uint8_t *src, size_t n)
{
    size_t i = 0;
    for (; i < n && src[i] != 0; i++)
        dst[i] = (char)src[i];
    for (; i <= n; i++)
        dst[i] = '\0';
}

static size_t count_nonzero(const uint16_t *samples, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (samples[i] != 0)
            k++;
    }
    return k;
}

/* Bytes of the samples part of a FRAME body (after its 16-byte head). */
static size_t frame_samples_len(uint8_t encoding, size_t n, size_t nonzero)
{
    if (encoding == RMAT_ENC_DENSE)
        return 2 * n;
    return SPARSE_HEAD + SPARSE_PAIR * nonzero;
}

/* Checks that the packet is good and of the wanted type. */
static int check_as(const uint8_t *pkt, size_t len, enum rmat_wire_dir dir, uint8_t want)
{
    int rc = rmat_wire_check(pkt, len, dir);
    if (rc < 0)
        return rc;
    return rc == want ? RMAT_OK : RMAT_E_TYPE;
}

/* --- building ------------------------------------------------------------- */

int rmat_wire_build_info(uint8_t *pkt, size_t cap, const struct rmat_info *info)
{
    if (info == NULL)
        return RMAT_E_ARG;
    uint8_t *b;
    int rc = start_packet(pkt, cap, RMAT_PKT_INFO, RMAT_INFO_BODY, &b);
    if (rc < 0)
        return rc;
    b[INFO_ROWS] = info->rows;
    b[INFO_COLS] = info->cols;
    b[INFO_ADC_BITS] = info->adc_bits;
    b[INFO_ENCODINGS] = info->encodings;
    rmat_put_le16(b + INFO_PITCH_X_UM, info->pitch_x_um);
    rmat_put_le16(b + INFO_PITCH_Y_UM, info->pitch_y_um);
    rmat_put_le16(b + INFO_MAX_RATE_HZ, info->max_rate_hz);
    rmat_put_le16(b + INFO_RATE_HZ, info->rate_hz);
    rmat_put_le32(b + INFO_SERIAL, info->serial);
    put_str(b + INFO_FW_VERSION, info->fw_version, RMAT_FW_VERSION_LEN);
    put_str(b + INFO_MODEL, info->model, RMAT_MODEL_LEN);
    return finish_packet(pkt, RMAT_INFO_BODY);
}

size_t rmat_wire_frame_len(uint8_t encoding, uint8_t rows, uint8_t cols, const uint16_t *samples)
{
    size_t n = (size_t)rows * cols;
    if (encoding == RMAT_ENC_DENSE)
        return RMAT_WIRE_OVERHEAD + RMAT_FRAME_HEAD_BODY + frame_samples_len(encoding, n, 0);
    if (encoding != RMAT_ENC_SPARSE || (samples == NULL && n > 0))
        return 0;
    return RMAT_WIRE_OVERHEAD + RMAT_FRAME_HEAD_BODY +
           frame_samples_len(encoding, n, count_nonzero(samples, n));
}

int rmat_wire_build_frame(uint8_t *pkt, size_t cap, const struct rmat_frame_hdr *hdr,
                          const uint16_t *samples)
{
    if (hdr == NULL || samples == NULL || hdr->rows == 0 || hdr->cols == 0)
        return RMAT_E_ARG;
    if (hdr->encoding != RMAT_ENC_DENSE && hdr->encoding != RMAT_ENC_SPARSE)
        return RMAT_E_ARG;
    /* At most 255 x 255 = 65025 sensels, so every index and the sparse count
     * fit their u16 fields. */
    size_t n = (size_t)hdr->rows * hdr->cols;
    size_t nonzero = hdr->encoding == RMAT_ENC_SPARSE ? count_nonzero(samples, n) : 0;
    size_t body_len = RMAT_FRAME_HEAD_BODY + frame_samples_len(hdr->encoding, n, nonzero);
    uint8_t *b;
    int rc = start_packet(pkt, cap, RMAT_PKT_FRAME, body_len, &b);
    if (rc < 0)
        return rc;
    rmat_put_le32(b + FRAME_SEQ, hdr->seq);
    rmat_put_le64(b + FRAME_T_US, hdr->t_us);
    b[FRAME_ROWS] = hdr->rows;
    b[FRAME_COLS] = hdr->cols;
    b[FRAME_ENCODING] = hdr->encoding;
    b[FRAME_RESERVED] = 0;
    uint8_t *s = b + RMAT_FRAME_HEAD_BODY;
    if (hdr->encoding == RMAT_ENC_DENSE) {
        for (size_t i = 0; i < n; i++)
            rmat_put_le16(s + 2 * i, samples[i]);
    } else {
        rmat_put_le16(s, (uint16_t)nonzero);
        uint8_t *p = s + SPARSE_HEAD;
        for (size_t i = 0; i < n; i++) {
            if (samples[i] == 0)
                continue;
            rmat_put_le16(p, (uint16_t)i);
            rmat_put_le16(p + 2, samples[i]);
            p += SPARSE_PAIR;
        }
    }
    return finish_packet(pkt, body_len);
}

int rmat_wire_build_ack(uint8_t *pkt, size_t cap, const struct rmat_ack *ack)
{
    if (ack == NULL)
        return RMAT_E_ARG;
    uint8_t *b;
    int rc = start_packet(pkt, cap, RMAT_PKT_ACK, RMAT_ACK_BODY, &b);
    if (rc < 0)
        return rc;
    b[ACK_CMD] = ack->cmd;
    b[ACK_STATUS] = ack->status;
    rmat_put_le32(b + ACK_TOKEN, ack->token);
    return finish_packet(pkt, RMAT_ACK_BODY);
}

int rmat_wire_build_status(uint8_t *pkt, size_t cap, const struct rmat_status *st)
{
    if (st == NULL)
        return RMAT_E_ARG;
    uint8_t *b;
    int rc = start_packet(pkt, cap, RMAT_PKT_STATUS, RMAT_STATUS_BODY, &b);
    if (rc < 0)
        return rc;
    rmat_put_le64(b + STATUS_T_US, st->t_us);
    rmat_put_le32(b + STATUS_FRAMES_SENT, st->frames_sent);
    rmat_put_le32(b + STATUS_FRAMES_DROPPED, st->frames_dropped);
    rmat_put_le32(b + STATUS_RX_ERRORS, st->rx_errors);
    rmat_put_le16(b + STATUS_RATE_HZ, st->rate_hz);
    b[STATUS_STREAMING] = st->streaming;
    b[STATUS_MODE] = st->mode;
    return finish_packet(pkt, RMAT_STATUS_BODY);
}

int rmat_wire_build_log(uint8_t *pkt, size_t cap, uint8_t level, const char *text, size_t len)
{
    if ((text == NULL && len > 0) || len > RMAT_LOG_TEXT_MAX)
        return RMAT_E_ARG;
    size_t body_len = LOG_TEXT + len;
    uint8_t *b;
    int rc = start_packet(pkt, cap, RMAT_PKT_LOG, body_len, &b);
    if (rc < 0)
        return rc;
    b[LOG_LEVEL] = level;
    if (len > 0)
        memcpy(b + LOG_TEXT, text, len);
    return finish_packet(pkt, body_len);
}

int rmat_wire_build_pong(uint8_t *pkt, size_t cap, const struct rmat_pong *pong)
{
    if (pong == NULL)
        return RMAT_E_ARG;
    uint8_t *b;
    int rc = start_packet(pkt, cap, RMAT_PKT_PONG, RMAT_PONG_BODY, &b);
    if (rc < 0)
        return rc;
    rmat_put_le32(b + PONG_TOKEN, pong->token);
    rmat_put_le64(b + PONG_T_US, pong->t_us);
    return finish_packet(pkt, RMAT_PONG_BODY);
}

int rmat_wire_build_cmd(uint8_t *pkt, size_t cap, const struct rmat_cmd *cmd)
{
    if (cmd == NULL || !is_cmd_type(cmd->type))
        return RMAT_E_ARG;
    size_t body_len = min_body(cmd->type);
    uint8_t *b;
    int rc = start_packet(pkt, cap, cmd->type, body_len, &b);
    if (rc < 0)
        return rc;
    rmat_put_le32(b + CMD_TOKEN, cmd->token);
    if (cmd->type == RMAT_PKT_START) {
        rmat_put_le16(b + START_RATE_HZ, cmd->rate_hz);
        b[START_ENCODING] = cmd->encoding;
    } else if (cmd->type == RMAT_PKT_SET_MODE) {
        b[SET_MODE_MODE] = cmd->mode;
    }
    return finish_packet(pkt, body_len);
}

/* --- checking ------------------------------------------------------------- */

/* The FRAME-specific part of rmat_wire_check: body is at least the 16-byte
 * head. Zero rows or cols and unknown encodings are MALFORMED before any
 * length is judged, because the length they announce means nothing. The
 * reserved byte is not checked: senders write 0, receivers ignore it, so a
 * later version may use it. */
static int check_frame(const uint8_t *b, size_t body_len)
{
    uint8_t rows = b[FRAME_ROWS];
    uint8_t cols = b[FRAME_COLS];
    uint8_t enc = b[FRAME_ENCODING];
    if (rows == 0 || cols == 0)
        return RMAT_E_MALFORMED;
    if (enc != RMAT_ENC_DENSE && enc != RMAT_ENC_SPARSE)
        return RMAT_E_MALFORMED;
    size_t n = (size_t)rows * cols;
    size_t have = body_len - RMAT_FRAME_HEAD_BODY;
    const uint8_t *s = b + RMAT_FRAME_HEAD_BODY;
    if (enc == RMAT_ENC_DENSE)
        return have < 2 * n ? RMAT_E_SHORT : RMAT_OK;

    if (have < SPARSE_HEAD)
        return RMAT_E_SHORT;
    size_t count = rmat_get_le16(s);
    if (have < SPARSE_HEAD + SPARSE_PAIR * count)
        return RMAT_E_SHORT;
    /* Strictly increasing and inside the grid: so every sensel is listed at
     * most once and count can never exceed rows * cols. */
    const uint8_t *p = s + SPARSE_HEAD;
    size_t next = 0; /* smallest index allowed for the next pair */
    for (size_t k = 0; k < count; k++, p += SPARSE_PAIR) {
        size_t index = rmat_get_le16(p);
        if (index < next || index >= n)
            return RMAT_E_MALFORMED;
        next = index + 1;
    }
    return RMAT_OK;
}

int rmat_wire_check(const uint8_t *pkt, size_t len, enum rmat_wire_dir dir)
{
    if (len < RMAT_WIRE_OVERHEAD)
        return RMAT_E_SHORT;
    if (len > RMAT_WIRE_MAX_PACKET)
        return RMAT_E_TOOLONG;
    if (pkt == NULL)
        return RMAT_E_ARG;
    size_t n = len - 4;
    if (rmat_crc32(pkt, n) != rmat_get_le32(pkt + n))
        return RMAT_E_CRC;
    if (pkt[1] != RMAT_WIRE_VERSION)
        return RMAT_E_VERSION;
    uint8_t type = pkt[0];
    /* A direction outside the enum accepts no type at all. */
    int ours = (dir == RMAT_WIRE_TO_HOST && is_dev_type(type)) ||
               (dir == RMAT_WIRE_TO_DEVICE && is_cmd_type(type));
    if (!ours)
        return RMAT_E_TYPE;
    size_t body_len = len - RMAT_WIRE_OVERHEAD;
    if (body_len < min_body(type))
        return RMAT_E_SHORT;
    const uint8_t *b = pkt + RMAT_WIRE_HEAD;
    if (type == RMAT_PKT_FRAME) {
        int rc = check_frame(b, body_len);
        if (rc < 0)
            return rc;
    } else if (type == RMAT_PKT_LOG && body_len > LOG_TEXT + RMAT_LOG_TEXT_MAX) {
        /* The text is the rest of the body, so a longer LOG body is not an
         * appended field but a text over its limit. */
        return RMAT_E_MALFORMED;
    }
    return type;
}

/* --- parsing -------------------------------------------------------------- */

int rmat_wire_parse_info(const uint8_t *pkt, size_t len, struct rmat_info *out)
{
    if (out == NULL)
        return RMAT_E_ARG;
    int rc = check_as(pkt, len, RMAT_WIRE_TO_HOST, RMAT_PKT_INFO);
    if (rc < 0)
        return rc;
    const uint8_t *b = pkt + RMAT_WIRE_HEAD;
    out->rows = b[INFO_ROWS];
    out->cols = b[INFO_COLS];
    out->adc_bits = b[INFO_ADC_BITS];
    out->encodings = b[INFO_ENCODINGS];
    out->pitch_x_um = rmat_get_le16(b + INFO_PITCH_X_UM);
    out->pitch_y_um = rmat_get_le16(b + INFO_PITCH_Y_UM);
    out->max_rate_hz = rmat_get_le16(b + INFO_MAX_RATE_HZ);
    out->rate_hz = rmat_get_le16(b + INFO_RATE_HZ);
    out->serial = rmat_get_le32(b + INFO_SERIAL);
    get_str(out->fw_version, b + INFO_FW_VERSION, RMAT_FW_VERSION_LEN);
    get_str(out->model, b + INFO_MODEL, RMAT_MODEL_LEN);
    return RMAT_OK;
}

/* Reads a FRAME that rmat_wire_check() has accepted: every length and
 * sparse index in it is proven, so nothing here can read or write out of
 * bounds beyond the cap check. */
static int read_frame(const uint8_t *pkt, struct rmat_frame_hdr *hdr, uint16_t *samples, size_t cap)
{
    const uint8_t *b = pkt + RMAT_WIRE_HEAD;
    hdr->seq = rmat_get_le32(b + FRAME_SEQ);
    hdr->t_us = rmat_get_le64(b + FRAME_T_US);
    hdr->rows = b[FRAME_ROWS];
    hdr->cols = b[FRAME_COLS];
    hdr->encoding = b[FRAME_ENCODING];
    size_t n = (size_t)hdr->rows * hdr->cols;
    if (n > cap)
        return RMAT_E_SPACE;
    const uint8_t *s = b + RMAT_FRAME_HEAD_BODY;
    if (hdr->encoding == RMAT_ENC_DENSE) {
        for (size_t i = 0; i < n; i++)
            samples[i] = rmat_get_le16(s + 2 * i);
        return RMAT_OK;
    }
    /* Sparse: rmat_wire_check has proven every index inside the grid. */
    memset(samples, 0, n * sizeof *samples);
    size_t count = rmat_get_le16(s);
    const uint8_t *p = s + SPARSE_HEAD;
    for (size_t k = 0; k < count; k++, p += SPARSE_PAIR)
        samples[rmat_get_le16(p)] = rmat_get_le16(p + 2);
    return RMAT_OK;
}

int rmat_wire_parse_frame(const uint8_t *pkt, size_t len, struct rmat_frame_hdr *hdr,
                          uint16_t *samples, size_t cap)
{
    if (hdr == NULL || (samples == NULL && cap > 0))
        return RMAT_E_ARG;
    int rc = check_as(pkt, len, RMAT_WIRE_TO_HOST, RMAT_PKT_FRAME);
    if (rc < 0)
        return rc;
    return read_frame(pkt, hdr, samples, cap);
}

int rmat_wire_parse_frame_checked(const uint8_t *pkt, size_t len, struct rmat_frame_hdr *hdr,
                                  uint16_t *samples, size_t cap)
{
    if (pkt == NULL || hdr == NULL || (samples == NULL && cap > 0) ||
        len < RMAT_WIRE_OVERHEAD + RMAT_FRAME_HEAD_BODY || pkt[0] != RMAT_PKT_FRAME)
        return RMAT_E_ARG;
    return read_frame(pkt, hdr, samples, cap);
}

int rmat_wire_parse_ack(const uint8_t *pkt, size_t len, struct rmat_ack *out)
{
    if (out == NULL)
        return RMAT_E_ARG;
    int rc = check_as(pkt, len, RMAT_WIRE_TO_HOST, RMAT_PKT_ACK);
    if (rc < 0)
        return rc;
    const uint8_t *b = pkt + RMAT_WIRE_HEAD;
    out->cmd = b[ACK_CMD];
    out->status = b[ACK_STATUS];
    out->token = rmat_get_le32(b + ACK_TOKEN);
    return RMAT_OK;
}

int rmat_wire_parse_status(const uint8_t *pkt, size_t len, struct rmat_status *out)
{
    if (out == NULL)
        return RMAT_E_ARG;
    int rc = check_as(pkt, len, RMAT_WIRE_TO_HOST, RMAT_PKT_STATUS);
    if (rc < 0)
        return rc;
    const uint8_t *b = pkt + RMAT_WIRE_HEAD;
    out->t_us = rmat_get_le64(b + STATUS_T_US);
    out->frames_sent = rmat_get_le32(b + STATUS_FRAMES_SENT);
    out->frames_dropped = rmat_get_le32(b + STATUS_FRAMES_DROPPED);
    out->rx_errors = rmat_get_le32(b + STATUS_RX_ERRORS);
    out->rate_hz = rmat_get_le16(b + STATUS_RATE_HZ);
    out->streaming = b[STATUS_STREAMING];
    out->mode = b[STATUS_MODE];
    return RMAT_OK;
}

int rmat_wire_parse_log(const uint8_t *pkt, size_t len, struct rmat_logmsg *out)
{
    if (out == NULL)
        return RMAT_E_ARG;
    int rc = check_as(pkt, len, RMAT_WIRE_TO_HOST, RMAT_PKT_LOG);
    if (rc < 0)
        return rc;
    const uint8_t *b = pkt + RMAT_WIRE_HEAD;
    /* rmat_wire_check bounds the text to RMAT_LOG_TEXT_MAX bytes. */
    size_t text_len = len - RMAT_WIRE_OVERHEAD - LOG_TEXT;
    out->level = b[LOG_LEVEL];
    out->len = (uint16_t)text_len;
    memcpy(out->text, b + LOG_TEXT, text_len);
    out->text[text_len] = '\0';
    return RMAT_OK;
}

int rmat_wire_parse_pong(const uint8_t *pkt, size_t len, struct rmat_pong *out)
{
    if (out == NULL)
        return RMAT_E_ARG;
    int rc = check_as(pkt, len, RMAT_WIRE_TO_HOST, RMAT_PKT_PONG);
    if (rc < 0)
        return rc;
    const uint8_t *b = pkt + RMAT_WIRE_HEAD;
    out->token = rmat_get_le32(b + PONG_TOKEN);
    out->t_us = rmat_get_le64(b + PONG_T_US);
    return RMAT_OK;
}

int rmat_wire_parse_cmd(const uint8_t *pkt, size_t len, struct rmat_cmd *out)
{
    if (out == NULL)
        return RMAT_E_ARG;
    int rc = rmat_wire_check(pkt, len, RMAT_WIRE_TO_DEVICE);
    if (rc < 0)
        return rc;
    const uint8_t *b = pkt + RMAT_WIRE_HEAD;
    out->type = (uint8_t)rc;
    out->token = rmat_get_le32(b + CMD_TOKEN);
    out->rate_hz = 0;
    out->encoding = 0;
    out->mode = 0;
    if (out->type == RMAT_PKT_START) {
        out->rate_hz = rmat_get_le16(b + START_RATE_HZ);
        out->encoding = b[START_ENCODING];
    } else if (out->type == RMAT_PKT_SET_MODE) {
        out->mode = b[SET_MODE_MODE];
    }
    return RMAT_OK;
}

/* --- framing -------------------------------------------------------------- */

int rmat_wire_encode(const uint8_t *pkt, size_t len, uint8_t *out, size_t cap)
{
    if (out == NULL && cap > 0)
        return RMAT_E_ARG;
    /* Leave one byte of cap for the delimiter. */
    if (cap < 1)
        return RMAT_E_SPACE;
    int n = rmat_cobs_encode(pkt, len, out, cap - 1);
    if (n < 0)
        return n;
    out[n] = 0;
    return n + 1;
}

const char *rmat_pkt_name(uint8_t type)
{
    switch (type) {
    case RMAT_PKT_INFO:
        return "INFO";
    case RMAT_PKT_FRAME:
        return "FRAME";
    case RMAT_PKT_ACK:
        return "ACK";
    case RMAT_PKT_STATUS:
        return "STATUS";
    case RMAT_PKT_LOG:
        return "LOG";
    case RMAT_PKT_PONG:
        return "PONG";
    case RMAT_PKT_GET_INFO:
        return "GET_INFO";
    case RMAT_PKT_START:
        return "START";
    case RMAT_PKT_STOP:
        return "STOP";
    case RMAT_PKT_PING:
        return "PING";
    case RMAT_PKT_SET_MODE:
        return "SET_MODE";
    case RMAT_PKT_GET_STATUS:
        return "GET_STATUS";
    default:
        return "?";
    }
}
