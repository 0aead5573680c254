/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the packets of the wire protocol (firmware/core/wire.c).
 *
 * The byte-exact vectors are laid out field by field from
 * docs/protocol.md; their CRC bytes were computed at authoring time
 * with Python, e.g. for ACK:
 *   python3 -c "import zlib; print(hex(zlib.crc32(bytes.fromhex('0301 8200 efbeadde'))))"
 * and are written here little-endian. Packets built by hand for the error
 * cases are sealed with rmat_crc32, which test_crc32 checks against
 * known answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rollmat/bytes.h"
#include "rollmat/crc32.h"
#include "rollmat/decoder.h"
#include "rollmat/err.h"
#include "rollmat/wire.h"

/* --- hand-written vectors ------------------------------------------------ */

/* INFO: 32x32, 12-bit ADC, encodings dense and sparse, pitch 10.000 mm by
 * 12.500 mm, max 1000 Hz, 100 Hz now, serial 0x12345678, "1.2.3",
 * "rollmat-sim 32x32". CRC 0x48570e40. */
static const uint8_t info_pkt[] = {
    0x01, 0x01,                                 /* type INFO, version 1 */
    0x20, 0x20, 0x0c, 0x03,                     /* rows 32, cols 32, adc_bits 12, encodings */
    0x10, 0x27,                                 /* pitch_x_um 10000 */
    0xd4, 0x30,                                 /* pitch_y_um 12500 */
    0xe8, 0x03,                                 /* max_rate_hz 1000 */
    0x64, 0x00,                                 /* rate_hz 100 */
    0x78, 0x56, 0x34, 0x12,                     /* serial 0x12345678 */
    '1',  '.',  '2',  '.',  '3', 0,   0,   0,   /* fw_version[16] */
    0,    0,    0,    0,    0,   0,   0,   0,   /*  */
    'r',  'o',  'l',  'l',  'm', 'a', 't', '-', /* model[24] */
    's',  'i',  'm',  ' ',  '3', '2', 'x', '3', /*  */
    '2',  0,    0,    0,    0,   0,   0,   0,   /*  */
    0x40, 0x0e, 0x57, 0x48,                     /* crc 0x48570e40 */
};

/* FRAME, dense 2x2: seq 7, t_us 1234567890123 = 0x0000011f71fb04cb, samples
 * row-major 1, 4095, 0, 512. CRC 0xf3b1d8ae. */
static const uint8_t frame_dense_pkt[] = {
    0x02, 0x01,                                     /* type FRAME, version 1 */
    0x07, 0x00, 0x00, 0x00,                         /* seq 7 */
    0xcb, 0x04, 0xfb, 0x71, 0x1f, 0x01, 0x00, 0x00, /* t_us */
    0x02, 0x02, 0x00, 0x00,                         /* rows 2, cols 2, dense, reserved */
    0x01, 0x00, 0xff, 0x0f,                         /* (0,0) = 1, (0,1) = 4095 */
    0x00, 0x00, 0x00, 0x02,                         /* (1,0) = 0, (1,1) = 512 */
    0xae, 0xd8, 0xb1, 0xf3,                         /* crc */
};

/* The same packet COBS-encoded with its delimiter, group by group. */
static const uint8_t frame_dense_wire[] = {
    0x04, 0x02, 0x01, 0x07,       /* 02 01 07 + 00 */
    0x01,                         /* 00 */
    0x01,                         /* 00 */
    0x07, 0xcb, 0x04, 0xfb, 0x71, /* cb 04 fb 71 1f 01 + 00 */
    0x1f, 0x01,                   /*  */
    0x01,                         /* 00 */
    0x03, 0x02, 0x02,             /* 02 02 + 00 */
    0x01,                         /* 00 (reserved) */
    0x02, 0x01,                   /* 01 + 00 */
    0x03, 0xff, 0x0f,             /* ff 0f + 00 */
    0x01,                         /* 00 */
    0x01,                         /* 00 */
    0x06, 0x02, 0xae, 0xd8, 0xb1, /* last group: 02 ae d8 b1 f3 */
    0xf3,                         /*  */
    0x00,                         /* delimiter */
};

/* FRAME, sparse 3x4: seq 65536, t_us 5000000 = 0x4c4b40; sensels
 * index 1 = (0,1) = 300, index 6 = (1,2) = 4095, index 11 = (2,3) = 1.
 * CRC 0x2982ba51. */
static const uint8_t frame_sparse_pkt[] = {
    0x02, 0x01,                                     /* type FRAME, version 1 */
    0x00, 0x00, 0x01, 0x00,                         /* seq 65536 */
    0x40, 0x4b, 0x4c, 0x00, 0x00, 0x00, 0x00, 0x00, /* t_us */
    0x03, 0x04, 0x01, 0x00,                         /* rows 3, cols 4, sparse, reserved */
    0x03, 0x00,                                     /* count 3 */
    0x01, 0x00, 0x2c, 0x01,                         /* index 1, 300 */
    0x06, 0x00, 0xff, 0x0f,                         /* index 6, 4095 */
    0x0b, 0x00, 0x01, 0x00,                         /* index 11, 1 */
    0x51, 0xba, 0x82, 0x29,                         /* crc */
};
static const uint16_t frame_sparse_dense[12] = {0, 300, 0, 0, 0, 0, 4095, 0, 0, 0, 0, 1};

/* ACK of START (0x82), status ok, token 0xdeadbeef. CRC 0x25bcd9ee. */
static const uint8_t ack_pkt[] = {
    0x03, 0x01, 0x82, 0x00, 0xef, 0xbe, 0xad, 0xde, 0xee, 0xd9, 0xbc, 0x25,
};

/* STATUS: t_us 60000000 = 0x3938700, sent 6000, dropped 2, rx_errors 1,
 * 100 Hz, streaming, sensors mode. CRC 0x7469da59. */
static const uint8_t status_pkt[] = {
    0x04, 0x01,                                     /* type STATUS, version 1 */
    0x00, 0x87, 0x93, 0x03, 0x00, 0x00, 0x00, 0x00, /* t_us */
    0x70, 0x17, 0x00, 0x00,                         /* frames_sent 6000 */
    0x02, 0x00, 0x00, 0x00,                         /* frames_dropped 2 */
    0x01, 0x00, 0x00, 0x00,                         /* rx_errors 1 */
    0x64, 0x00, 0x01, 0x00,                         /* rate_hz 100, streaming 1, mode 0 */
    0x59, 0xda, 0x69, 0x74,                         /* crc */
};

/* LOG, level info, "hello". CRC 0x364f2a29. */
static const uint8_t log_pkt[] = {
    0x05, 0x01, 0x02, 'h', 'e', 'l', 'l', 'o', 0x29, 0x2a, 0x4f, 0x36,
};

/* PONG: token 42, t_us 1000000 = 0xf4240. CRC 0x0db6cc05. */
static const uint8_t pong_pkt[] = {
    0x06, 0x01, 0x2a, 0x00, 0x00, 0x00, 0x40, 0x42, 0x0f,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0xcc, 0xb6, 0x0d,
};

/* Commands. */
/* GET_INFO token 0. CRC 0x594e4f6e. */
static const uint8_t get_info_pkt[] = {0x81, 0x01, 0x00, 0x00, 0x00, 0x00, 0x6e, 0x4f, 0x4e, 0x59};
/* Its wire form: 03 81 01 | 01 | 01 | 01 | 05 6e 4f 4e 59 | 00. */
static const uint8_t get_info_wire[] = {0x03, 0x81, 0x01, 0x01, 0x01, 0x01,
                                        0x05, 0x6e, 0x4f, 0x4e, 0x59, 0x00};
/* START token 1, 100 Hz, sparse. CRC 0xfcae6427. */
static const uint8_t start_pkt[] = {0x82, 0x01, 0x01, 0x00, 0x00, 0x00, 0x64,
                                    0x00, 0x01, 0x27, 0x64, 0xae, 0xfc};
/* STOP token 2. CRC 0xbe8f26ee. */
static const uint8_t stop_pkt[] = {0x83, 0x01, 0x02, 0x00, 0x00, 0x00, 0xee, 0x26, 0x8f, 0xbe};
/* PING token 3. CRC 0x1b367133. */
static const uint8_t ping_pkt[] = {0x84, 0x01, 0x03, 0x00, 0x00, 0x00, 0x33, 0x71, 0x36, 0x1b};
/* SET_MODE token 4, test pattern. CRC 0x0e995fd8. */
static const uint8_t set_mode_pkt[] = {0x85, 0x01, 0x04, 0x00, 0x00, 0x00,
                                       0x01, 0xd8, 0x5f, 0x99, 0x0e};
/* GET_STATUS token 5. CRC 0x73958fe4. */
static const uint8_t get_status_pkt[] = {0x86, 0x01, 0x05, 0x00, 0x00,
                                         0x00, 0xe4, 0x8f, 0x95, 0x73};

/* --- helpers --------------------------------------------------------------- */

/* Writes a correct CRC behind the first len - 4 bytes of pkt. */
static void seal(uint8_t *pkt, size_t len)
{
    rmat_put_le32(pkt + len - 4, rmat_crc32(pkt, len - 4));
}

static struct rmat_info sample_info(void)
{
    struct rmat_info info;
    memset(&info, 0, sizeof info);
    info.rows = 32;
    info.cols = 32;
    info.adc_bits = 12;
    info.encodings = 0x03;
    info.pitch_x_um = 10000;
    info.pitch_y_um = 12500;
    info.max_rate_hz = 1000;
    info.rate_hz = 100;
    info.serial = 0x12345678u;
    strcpy(info.fw_version, "1.2.3");
    strcpy(info.model, "rollmat-sim 32x32");
    return info;
}

/* --- building: byte-exact -------------------------------------------------- */

static void test_wire_build_info_bytes(void **state)
{
    (void)state;
    struct rmat_info info = sample_info();
    uint8_t pkt[128];
    memset(pkt, 0xAA, sizeof pkt);
    assert_int_equal(rmat_wire_build_info(pkt, sizeof pkt, &info), (int)sizeof info_pkt);
    assert_memory_equal(pkt, info_pkt, sizeof info_pkt);
    assert_int_equal(sizeof info_pkt, RMAT_INFO_BODY + RMAT_WIRE_OVERHEAD);
}

static void test_wire_build_frame_dense_bytes(void **state)
{
    (void)state;
    const struct rmat_frame_hdr hdr = {
        .seq = 7, .t_us = 1234567890123u, .rows = 2, .cols = 2, .encoding = RMAT_ENC_DENSE};
    const uint16_t samples[4] = {1, 4095, 0, 512};
    uint8_t pkt[64];
    assert_int_equal(rmat_wire_build_frame(pkt, sizeof pkt, &hdr, samples),
                     (int)sizeof frame_dense_pkt);
    assert_memory_equal(pkt, frame_dense_pkt, sizeof frame_dense_pkt);

    uint8_t wire[64];
    assert_int_equal(rmat_wire_encode(pkt, sizeof frame_dense_pkt, wire, sizeof wire),
                     (int)sizeof frame_dense_wire);
    assert_memory_equal(wire, frame_dense_wire, sizeof frame_dense_wire);
}

static void test_wire_build_frame_sparse_bytes(void **state)
{
    (void)state;
    const struct rmat_frame_hdr hdr = {
        .seq = 65536, .t_us = 5000000, .rows = 3, .cols = 4, .encoding = RMAT_ENC_SPARSE};
    uint8_t pkt[64];
    assert_int_equal(rmat_wire_build_frame(pkt, sizeof pkt, &hdr, frame_sparse_dense),
                     (int)sizeof frame_sparse_pkt);
    assert_memory_equal(pkt, frame_sparse_pkt, sizeof frame_sparse_pkt);
}

static void test_wire_build_small_packets_bytes(void **state)
{
    (void)state;
    uint8_t pkt[64];

    const struct rmat_ack ack = {
        .cmd = RMAT_PKT_START, .status = RMAT_ACK_OK, .token = 0xDEADBEEFu};
    assert_int_equal(rmat_wire_build_ack(pkt, sizeof pkt, &ack), (int)sizeof ack_pkt);
    assert_memory_equal(pkt, ack_pkt, sizeof ack_pkt);

    const struct rmat_status st = {.t_us = 60000000,
                                   .frames_sent = 6000,
                                   .frames_dropped = 2,
                                   .rx_errors = 1,
                                   .rate_hz = 100,
                                   .streaming = 1,
                                   .mode = RMAT_MODE_SENSORS};
    assert_int_equal(rmat_wire_build_status(pkt, sizeof pkt, &st), (int)sizeof status_pkt);
    assert_memory_equal(pkt, status_pkt, sizeof status_pkt);

    assert_int_equal(rmat_wire_build_log(pkt, sizeof pkt, 2, "hello", 5), (int)sizeof log_pkt);
    assert_memory_equal(pkt, log_pkt, sizeof log_pkt);

    const struct rmat_pong pong = {.token = 42, .t_us = 1000000};
    assert_int_equal(rmat_wire_build_pong(pkt, sizeof pkt, &pong), (int)sizeof pong_pkt);
    assert_memory_equal(pkt, pong_pkt, sizeof pong_pkt);
}

static void test_wire_build_commands_bytes(void **state)
{
    (void)state;
    const struct {
        struct rmat_cmd cmd;
        const uint8_t *want;
        size_t want_len;
    } cases[] = {
        {{.type = RMAT_PKT_GET_INFO, .token = 0}, get_info_pkt, sizeof get_info_pkt},
        {{.type = RMAT_PKT_START, .token = 1, .rate_hz = 100, .encoding = RMAT_ENC_SPARSE},
         start_pkt,
         sizeof start_pkt},
        {{.type = RMAT_PKT_STOP, .token = 2}, stop_pkt, sizeof stop_pkt},
        {{.type = RMAT_PKT_PING, .token = 3}, ping_pkt, sizeof ping_pkt},
        {{.type = RMAT_PKT_SET_MODE, .token = 4, .mode = RMAT_MODE_TEST_PATTERN},
         set_mode_pkt,
         sizeof set_mode_pkt},
        {{.type = RMAT_PKT_GET_STATUS, .token = 5}, get_status_pkt, sizeof get_status_pkt},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t pkt[32];
        print_message("command %s\n", rmat_pkt_name(cases[i].cmd.type));
        assert_int_equal(rmat_wire_build_cmd(pkt, sizeof pkt, &cases[i].cmd),
                         (int)cases[i].want_len);
        assert_memory_equal(pkt, cases[i].want, cases[i].want_len);
    }
    /* Arguments of other commands are not sent: a STOP with a rate set is
     * still the 4-byte-body STOP. */
    const struct rmat_cmd stop = {.type = RMAT_PKT_STOP, .token = 2, .rate_hz = 9, .mode = 1};
    uint8_t pkt[32];
    assert_int_equal(rmat_wire_build_cmd(pkt, sizeof pkt, &stop), (int)sizeof stop_pkt);
    assert_memory_equal(pkt, stop_pkt, sizeof stop_pkt);

    uint8_t wire[32];
    assert_int_equal(rmat_wire_encode(get_info_pkt, sizeof get_info_pkt, wire, sizeof wire),
                     (int)sizeof get_info_wire);
    assert_memory_equal(wire, get_info_wire, sizeof get_info_wire);
}

static void test_wire_build_strings_pad_and_truncate(void **state)
{
    (void)state;
    struct rmat_info info = sample_info();
    /* 16 characters fill fw_version with no terminator on the wire. */
    strcpy(info.fw_version, "0123456789abcdef");
    strcpy(info.model, "");
    uint8_t pkt[128];
    assert_int_equal(rmat_wire_build_info(pkt, sizeof pkt, &info), 62);
    assert_memory_equal(pkt + 2 + 16, "0123456789abcdef", 16);
    for (size_t i = 0; i < RMAT_MODEL_LEN; i++)
        assert_int_equal(pkt[2 + 32 + i], 0);

    struct rmat_info back;
    memset(&back, 0x5A, sizeof back);
    assert_int_equal(rmat_wire_parse_info(pkt, 62, &back), RMAT_OK);
    assert_string_equal(back.fw_version, "0123456789abcdef");
    assert_string_equal(back.model, "");

    /* A struct string without a terminator is cut at the field size. */
    memset(info.fw_version, 'z', sizeof info.fw_version);
    memset(info.model, 'y', sizeof info.model);
    assert_int_equal(rmat_wire_build_info(pkt, sizeof pkt, &info), 62);
    for (size_t i = 0; i < RMAT_FW_VERSION_LEN; i++)
        assert_int_equal(pkt[2 + 16 + i], 'z');
    for (size_t i = 0; i < RMAT_MODEL_LEN; i++)
        assert_int_equal(pkt[2 + 32 + i], 'y');
    /* The CRC follows the model directly: the 17th 'z' went nowhere. */
    assert_int_equal(rmat_get_le32(pkt + 58), rmat_crc32(pkt, 58));

    /* Bytes after a 0x00 inside a field are not part of the string, and
     * do not survive into the parsed struct. */
    memcpy(pkt + 2 + 32, "abc\0xyz", 7);
    seal(pkt, 62);
    memset(&back, 0x5A, sizeof back);
    assert_int_equal(rmat_wire_parse_info(pkt, 62, &back), RMAT_OK);
    assert_string_equal(back.model, "abc");
    for (size_t i = 3; i <= RMAT_MODEL_LEN; i++)
        assert_int_equal(back.model[i], 0);
}

/* --- building: errors -------------------------------------------------------- */

static void test_wire_build_space_errors(void **state)
{
    (void)state;
    uint8_t pkt[128];
    struct rmat_info info = sample_info();
    assert_int_equal(rmat_wire_build_info(pkt, 61, &info), RMAT_E_SPACE);
    assert_int_equal(rmat_wire_build_info(pkt, 62, &info), 62);
    const struct rmat_ack ack = {.cmd = 0x81, .status = 0, .token = 1};
    assert_int_equal(rmat_wire_build_ack(pkt, 11, &ack), RMAT_E_SPACE);
    assert_int_equal(rmat_wire_build_ack(pkt, 0, &ack), RMAT_E_SPACE);
    const struct rmat_status st = {0};
    assert_int_equal(rmat_wire_build_status(pkt, 29, &st), RMAT_E_SPACE);
    assert_int_equal(rmat_wire_build_log(pkt, 11, 2, "hello", 5), RMAT_E_SPACE);
    const struct rmat_pong pong = {0};
    assert_int_equal(rmat_wire_build_pong(pkt, 17, &pong), RMAT_E_SPACE);
    const struct rmat_cmd start = {.type = RMAT_PKT_START, .token = 1, .rate_hz = 100};
    assert_int_equal(rmat_wire_build_cmd(pkt, 12, &start), RMAT_E_SPACE);
    assert_int_equal(rmat_wire_build_cmd(pkt, 13, &start), 13);

    const struct rmat_frame_hdr hdr = {.rows = 2, .cols = 2, .encoding = RMAT_ENC_DENSE};
    const uint16_t samples[4] = {1, 2, 3, 4};
    assert_int_equal(rmat_wire_build_frame(pkt, 29, &hdr, samples), RMAT_E_SPACE);
    assert_int_equal(rmat_wire_build_frame(pkt, 30, &hdr, samples), 30);

    uint8_t wire[16];
    /* GET_INFO needs 12 wire bytes: 11 of COBS and the delimiter. */
    assert_int_equal(rmat_wire_encode(get_info_pkt, sizeof get_info_pkt, wire, 11), RMAT_E_SPACE);
    assert_int_equal(rmat_wire_encode(get_info_pkt, sizeof get_info_pkt, wire, 0), RMAT_E_SPACE);
    assert_int_equal(rmat_wire_encode(get_info_pkt, sizeof get_info_pkt, wire, 12), 12);
}

static void test_wire_build_argument_errors(void **state)
{
    (void)state;
    uint8_t pkt[64];
    const uint16_t samples[4] = {1, 2, 3, 4};
    struct rmat_frame_hdr hdr = {.rows = 0, .cols = 2, .encoding = RMAT_ENC_DENSE};
    assert_int_equal(rmat_wire_build_frame(pkt, sizeof pkt, &hdr, samples), RMAT_E_ARG);
    hdr.rows = 2;
    hdr.cols = 0;
    assert_int_equal(rmat_wire_build_frame(pkt, sizeof pkt, &hdr, samples), RMAT_E_ARG);
    hdr.cols = 2;
    hdr.encoding = 2;
    assert_int_equal(rmat_wire_build_frame(pkt, sizeof pkt, &hdr, samples), RMAT_E_ARG);
    hdr.encoding = RMAT_ENC_DENSE;
    assert_int_equal(rmat_wire_build_frame(pkt, sizeof pkt, &hdr, NULL), RMAT_E_ARG);
    assert_int_equal(rmat_wire_build_frame(pkt, sizeof pkt, NULL, samples), RMAT_E_ARG);
    assert_int_equal(rmat_wire_build_frame(NULL, sizeof pkt, &hdr, samples), RMAT_E_ARG);

    char text[RMAT_LOG_TEXT_MAX + 1];
    memset(text, 'x', sizeof text);
    uint8_t big[300];
    assert_int_equal(rmat_wire_build_log(big, sizeof big, 1, text, RMAT_LOG_TEXT_MAX + 1),
                     RMAT_E_ARG);
    assert_int_equal(rmat_wire_build_log(big, sizeof big, 1, text, RMAT_LOG_TEXT_MAX),
                     RMAT_WIRE_OVERHEAD + 1 + RMAT_LOG_TEXT_MAX);
    assert_int_equal(rmat_wire_build_log(big, sizeof big, 1, NULL, 3), RMAT_E_ARG);
    /* An empty text is a valid LOG of one body byte. */
    assert_int_equal(rmat_wire_build_log(big, sizeof big, 1, NULL, 0), RMAT_WIRE_OVERHEAD + 1);

    struct rmat_cmd cmd = {.type = RMAT_PKT_INFO, .token = 1};
    assert_int_equal(rmat_wire_build_cmd(pkt, sizeof pkt, &cmd), RMAT_E_ARG);
    cmd.type = 0x80;
    assert_int_equal(rmat_wire_build_cmd(pkt, sizeof pkt, &cmd), RMAT_E_ARG);
    cmd.type = 0x87;
    assert_int_equal(rmat_wire_build_cmd(pkt, sizeof pkt, &cmd), RMAT_E_ARG);
    assert_int_equal(rmat_wire_build_cmd(pkt, sizeof pkt, NULL), RMAT_E_ARG);
    assert_int_equal(rmat_wire_build_info(pkt, sizeof pkt, NULL), RMAT_E_ARG);
    assert_int_equal(rmat_wire_build_ack(pkt, sizeof pkt, NULL), RMAT_E_ARG);
    assert_int_equal(rmat_wire_build_status(pkt, sizeof pkt, NULL), RMAT_E_ARG);
    assert_int_equal(rmat_wire_build_pong(pkt, sizeof pkt, NULL), RMAT_E_ARG);
}

static void test_wire_build_frame_size_limit(void **state)
{
    (void)state;
    /* 90x90 dense: 16 + 2*8100 + 6 = 16222 bytes fits; 91x91 dense needs
     * 16 + 2*8281 + 6 = 16584 > 16384 and is refused even with room. */
    static uint16_t samples[91 * 91];
    static uint8_t pkt[20000];
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
        samples[i] = (uint16_t)(i % 4096);
    struct rmat_frame_hdr hdr = {.rows = 90, .cols = 90, .encoding = RMAT_ENC_DENSE};
    assert_int_equal(rmat_wire_build_frame(pkt, sizeof pkt, &hdr, samples), 16222);
    hdr.rows = 91;
    hdr.cols = 91;
    assert_int_equal(rmat_wire_build_frame(pkt, sizeof pkt, &hdr, samples), RMAT_E_SPACE);
    /* The same grid mostly unloaded fits as sparse: 100 non-zero sensels
     * -> 16 + 2 + 4*100 + 6 = 424 bytes. */
    memset(samples, 0, sizeof samples);
    for (size_t i = 0; i < 100; i++)
        samples[i * 82] = (uint16_t)(i + 1);
    hdr.encoding = RMAT_ENC_SPARSE;
    assert_int_equal(rmat_wire_build_frame(pkt, sizeof pkt, &hdr, samples), 424);
    assert_int_equal(RMAT_WIRE_MAX_SENSELS, 8181);
}

static void test_wire_frame_len_chooses_encoding(void **state)
{
    (void)state;
    static uint16_t samples[32 * 32];
    /* All unloaded: dense 6 + 16 + 2048 = 2070, sparse 6 + 16 + 2 = 24. */
    memset(samples, 0, sizeof samples);
    assert_int_equal(rmat_wire_frame_len(RMAT_ENC_DENSE, 32, 32, samples), 2070);
    assert_int_equal(rmat_wire_frame_len(RMAT_ENC_SPARSE, 32, 32, samples), 24);
    /* A roller band of 130 loaded sensels: sparse 24 + 4*130 = 544. */
    for (size_t i = 0; i < 130; i++)
        samples[320 + i] = 100;
    assert_int_equal(rmat_wire_frame_len(RMAT_ENC_SPARSE, 32, 32, samples), 544);
    /* Break-even: with 511 loaded sparse is 24 + 2044 = 2068 < 2070; with
     * 512 it is 2072 > 2070 and dense is the smaller. */
    for (size_t i = 0; i < 511; i++)
        samples[i] = 1;
    assert_int_equal(rmat_wire_frame_len(RMAT_ENC_SPARSE, 32, 32, samples), 2068);
    samples[511] = 1;
    assert_int_equal(rmat_wire_frame_len(RMAT_ENC_SPARSE, 32, 32, samples), 2072);
    /* Dense does not look at the samples; unknown encodings are 0. */
    assert_int_equal(rmat_wire_frame_len(RMAT_ENC_DENSE, 2, 3, NULL), 6 + 16 + 12);
    assert_int_equal(rmat_wire_frame_len(2, 32, 32, samples), 0);
    assert_int_equal(rmat_wire_frame_len(RMAT_ENC_SPARSE, 32, 32, NULL), 0);

    /* The length it predicts is the length the builder writes. */
    static uint8_t pkt[4096];
    const struct rmat_frame_hdr hdr = {.rows = 32, .cols = 32, .encoding = RMAT_ENC_SPARSE};
    assert_int_equal(rmat_wire_build_frame(pkt, sizeof pkt, &hdr, samples), 2072);
}

/* --- parsing ---------------------------------------------------------------- */

static void test_wire_parse_vectors(void **state)
{
    (void)state;
    struct rmat_info info;
    assert_int_equal(rmat_wire_parse_info(info_pkt, sizeof info_pkt, &info), RMAT_OK);
    assert_int_equal(info.rows, 32);
    assert_int_equal(info.cols, 32);
    assert_int_equal(info.adc_bits, 12);
    assert_int_equal(info.encodings, 3);
    assert_int_equal(info.pitch_x_um, 10000);
    assert_int_equal(info.pitch_y_um, 12500);
    assert_int_equal(info.max_rate_hz, 1000);
    assert_int_equal(info.rate_hz, 100);
    assert_int_equal(info.serial, 0x12345678u);
    assert_string_equal(info.fw_version, "1.2.3");
    assert_string_equal(info.model, "rollmat-sim 32x32");

    struct rmat_frame_hdr hdr;
    uint16_t s[12];
    assert_int_equal(rmat_wire_parse_frame(frame_dense_pkt, sizeof frame_dense_pkt, &hdr, s, 12),
                     RMAT_OK);
    assert_int_equal(hdr.seq, 7);
    assert_int_equal(hdr.t_us, 1234567890123u);
    assert_int_equal(hdr.rows, 2);
    assert_int_equal(hdr.cols, 2);
    assert_int_equal(hdr.encoding, RMAT_ENC_DENSE);
    const uint16_t dense_want[4] = {1, 4095, 0, 512};
    assert_memory_equal(s, dense_want, sizeof dense_want);

    /* Sparse expands into the dense array, unlisted sensels 0. */
    for (size_t i = 0; i < 12; i++)
        s[i] = 0xBEEF;
    assert_int_equal(rmat_wire_parse_frame(frame_sparse_pkt, sizeof frame_sparse_pkt, &hdr, s, 12),
                     RMAT_OK);
    assert_int_equal(hdr.seq, 65536);
    assert_int_equal(hdr.t_us, 5000000);
    assert_int_equal(hdr.rows, 3);
    assert_int_equal(hdr.cols, 4);
    assert_int_equal(hdr.encoding, RMAT_ENC_SPARSE);
    assert_memory_equal(s, frame_sparse_dense, sizeof frame_sparse_dense);
    /* 12 sensels do not fit 11. */
    assert_int_equal(rmat_wire_parse_frame(frame_sparse_pkt, sizeof frame_sparse_pkt, &hdr, s, 11),
                     RMAT_E_SPACE);

    struct rmat_ack ack;
    assert_int_equal(rmat_wire_parse_ack(ack_pkt, sizeof ack_pkt, &ack), RMAT_OK);
    assert_int_equal(ack.cmd, RMAT_PKT_START);
    assert_int_equal(ack.status, RMAT_ACK_OK);
    assert_int_equal(ack.token, 0xDEADBEEFu);

    struct rmat_status st;
    assert_int_equal(rmat_wire_parse_status(status_pkt, sizeof status_pkt, &st), RMAT_OK);
    assert_int_equal(st.t_us, 60000000);
    assert_int_equal(st.frames_sent, 6000);
    assert_int_equal(st.frames_dropped, 2);
    assert_int_equal(st.rx_errors, 1);
    assert_int_equal(st.rate_hz, 100);
    assert_int_equal(st.streaming, 1);
    assert_int_equal(st.mode, 0);

    struct rmat_logmsg lm;
    assert_int_equal(rmat_wire_parse_log(log_pkt, sizeof log_pkt, &lm), RMAT_OK);
    assert_int_equal(lm.level, 2);
    assert_int_equal(lm.len, 5);
    assert_string_equal(lm.text, "hello");

    struct rmat_pong pong;
    assert_int_equal(rmat_wire_parse_pong(pong_pkt, sizeof pong_pkt, &pong), RMAT_OK);
    assert_int_equal(pong.token, 42);
    assert_int_equal(pong.t_us, 1000000);

    struct rmat_cmd cmd;
    assert_int_equal(rmat_wire_parse_cmd(start_pkt, sizeof start_pkt, &cmd), RMAT_OK);
    assert_int_equal(cmd.type, RMAT_PKT_START);
    assert_int_equal(cmd.token, 1);
    assert_int_equal(cmd.rate_hz, 100);
    assert_int_equal(cmd.encoding, RMAT_ENC_SPARSE);
    assert_int_equal(cmd.mode, 0);
    assert_int_equal(rmat_wire_parse_cmd(set_mode_pkt, sizeof set_mode_pkt, &cmd), RMAT_OK);
    assert_int_equal(cmd.type, RMAT_PKT_SET_MODE);
    assert_int_equal(cmd.token, 4);
    assert_int_equal(cmd.mode, RMAT_MODE_TEST_PATTERN);
    assert_int_equal(cmd.rate_hz, 0);
    assert_int_equal(rmat_wire_parse_cmd(get_info_pkt, sizeof get_info_pkt, &cmd), RMAT_OK);
    assert_int_equal(cmd.type, RMAT_PKT_GET_INFO);
    assert_int_equal(cmd.token, 0);
    assert_int_equal(rmat_wire_parse_cmd(get_status_pkt, sizeof get_status_pkt, &cmd), RMAT_OK);
    assert_int_equal(cmd.type, RMAT_PKT_GET_STATUS);
    assert_int_equal(cmd.token, 5);
}

static void test_wire_parse_wrong_type(void **state)
{
    (void)state;
    struct rmat_ack ack;
    struct rmat_info info;
    struct rmat_cmd cmd;
    struct rmat_pong pong;
    /* A good packet of another type is refused by each parser. */
    assert_int_equal(rmat_wire_parse_ack(pong_pkt, sizeof pong_pkt, &ack), RMAT_E_TYPE);
    assert_int_equal(rmat_wire_parse_info(ack_pkt, sizeof ack_pkt, &info), RMAT_E_TYPE);
    assert_int_equal(rmat_wire_parse_pong(ack_pkt, sizeof ack_pkt, &pong), RMAT_E_TYPE);
    /* A command is not a device packet and a device packet not a command. */
    assert_int_equal(rmat_wire_parse_ack(start_pkt, sizeof start_pkt, &ack), RMAT_E_TYPE);
    assert_int_equal(rmat_wire_parse_cmd(ack_pkt, sizeof ack_pkt, &cmd), RMAT_E_TYPE);
    assert_int_equal(rmat_wire_parse_ack(ack_pkt, sizeof ack_pkt, NULL), RMAT_E_ARG);
}

/* --- checking ---------------------------------------------------------------- */

static void test_wire_check_accepts_vectors(void **state)
{
    (void)state;
    const struct {
        const uint8_t *p;
        size_t len;
        enum rmat_wire_dir dir;
        int type;
    } good[] = {
        {info_pkt, sizeof info_pkt, RMAT_WIRE_TO_HOST, RMAT_PKT_INFO},
        {frame_dense_pkt, sizeof frame_dense_pkt, RMAT_WIRE_TO_HOST, RMAT_PKT_FRAME},
        {frame_sparse_pkt, sizeof frame_sparse_pkt, RMAT_WIRE_TO_HOST, RMAT_PKT_FRAME},
        {ack_pkt, sizeof ack_pkt, RMAT_WIRE_TO_HOST, RMAT_PKT_ACK},
        {status_pkt, sizeof status_pkt, RMAT_WIRE_TO_HOST, RMAT_PKT_STATUS},
        {log_pkt, sizeof log_pkt, RMAT_WIRE_TO_HOST, RMAT_PKT_LOG},
        {pong_pkt, sizeof pong_pkt, RMAT_WIRE_TO_HOST, RMAT_PKT_PONG},
        {get_info_pkt, sizeof get_info_pkt, RMAT_WIRE_TO_DEVICE, RMAT_PKT_GET_INFO},
        {start_pkt, sizeof start_pkt, RMAT_WIRE_TO_DEVICE, RMAT_PKT_START},
        {stop_pkt, sizeof stop_pkt, RMAT_WIRE_TO_DEVICE, RMAT_PKT_STOP},
        {ping_pkt, sizeof ping_pkt, RMAT_WIRE_TO_DEVICE, RMAT_PKT_PING},
        {set_mode_pkt, sizeof set_mode_pkt, RMAT_WIRE_TO_DEVICE, RMAT_PKT_SET_MODE},
        {get_status_pkt, sizeof get_status_pkt, RMAT_WIRE_TO_DEVICE, RMAT_PKT_GET_STATUS},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(rmat_wire_check(good[i].p, good[i].len, good[i].dir), good[i].type);
        /* The other direction drops it as an unknown type. */
        enum rmat_wire_dir other =
            good[i].dir == RMAT_WIRE_TO_HOST ? RMAT_WIRE_TO_DEVICE : RMAT_WIRE_TO_HOST;
        assert_int_equal(rmat_wire_check(good[i].p, good[i].len, other), RMAT_E_TYPE);
        /* One byte short of the packet breaks the CRC (and the length). */
        assert_int_not_equal(rmat_wire_check(good[i].p, good[i].len - 1, good[i].dir),
                             good[i].type);
    }
}

static void test_wire_check_order_of_errors(void **state)
{
    (void)state;
    uint8_t p[64] = {0};
    /* Under 6 bytes is short, whatever the bytes. */
    assert_int_equal(rmat_wire_check(p, 0, RMAT_WIRE_TO_HOST), RMAT_E_SHORT);
    assert_int_equal(rmat_wire_check(NULL, 0, RMAT_WIRE_TO_HOST), RMAT_E_SHORT);
    memcpy(p, ack_pkt, sizeof ack_pkt);
    assert_int_equal(rmat_wire_check(p, 5, RMAT_WIRE_TO_HOST), RMAT_E_SHORT);

    /* Over the limit is too long before the CRC is looked at. */
    static uint8_t big[RMAT_WIRE_MAX_PACKET + 1];
    memset(big, 0x11, sizeof big);
    assert_int_equal(rmat_wire_check(big, sizeof big, RMAT_WIRE_TO_HOST), RMAT_E_TOOLONG);

    /* Bad CRC before a bad version and type: type 7F, version 09, and the
     * ACK's CRC, which no longer matches. */
    memcpy(p, ack_pkt, sizeof ack_pkt);
    p[0] = 0x7F;
    p[1] = 0x09;
    assert_int_equal(rmat_wire_check(p, sizeof ack_pkt, RMAT_WIRE_TO_HOST), RMAT_E_CRC);
    /* Sealed: version before type. */
    seal(p, sizeof ack_pkt);
    assert_int_equal(rmat_wire_check(p, sizeof ack_pkt, RMAT_WIRE_TO_HOST), RMAT_E_VERSION);
    p[1] = 0x00;
    seal(p, sizeof ack_pkt);
    assert_int_equal(rmat_wire_check(p, sizeof ack_pkt, RMAT_WIRE_TO_HOST), RMAT_E_VERSION);
    /* Version 1, unknown types either side of the known ranges. */
    const uint8_t unknown[] = {0x00, 0x07, 0x80, 0x87, 0xFF};
    for (size_t i = 0; i < sizeof unknown; i++) {
        p[0] = unknown[i];
        p[1] = 0x01;
        seal(p, sizeof ack_pkt);
        assert_int_equal(rmat_wire_check(p, sizeof ack_pkt, RMAT_WIRE_TO_HOST), RMAT_E_TYPE);
        assert_int_equal(rmat_wire_check(p, sizeof ack_pkt, RMAT_WIRE_TO_DEVICE), RMAT_E_TYPE);
    }
    /* Known type, a direction outside the enum: no type is accepted. */
    assert_int_equal(rmat_wire_check(ack_pkt, sizeof ack_pkt, (enum rmat_wire_dir)7), RMAT_E_TYPE);
    /* Type before length: a 6-byte packet of unknown type is TYPE, of a
     * known type SHORT. */
    p[0] = 0x07;
    p[1] = 0x01;
    seal(p, 6);
    assert_int_equal(rmat_wire_check(p, 6, RMAT_WIRE_TO_HOST), RMAT_E_TYPE);
    p[0] = RMAT_PKT_ACK;
    seal(p, 6);
    assert_int_equal(rmat_wire_check(p, 6, RMAT_WIRE_TO_HOST), RMAT_E_SHORT);
}

static void test_wire_check_minimum_body_lengths(void **state)
{
    (void)state;
    const struct {
        uint8_t type;
        size_t min_body;
        enum rmat_wire_dir dir;
    } mins[] = {
        {RMAT_PKT_INFO, 56, RMAT_WIRE_TO_HOST},        {RMAT_PKT_ACK, 6, RMAT_WIRE_TO_HOST},
        {RMAT_PKT_STATUS, 24, RMAT_WIRE_TO_HOST},      {RMAT_PKT_LOG, 1, RMAT_WIRE_TO_HOST},
        {RMAT_PKT_PONG, 12, RMAT_WIRE_TO_HOST},        {RMAT_PKT_GET_INFO, 4, RMAT_WIRE_TO_DEVICE},
        {RMAT_PKT_START, 7, RMAT_WIRE_TO_DEVICE},      {RMAT_PKT_STOP, 4, RMAT_WIRE_TO_DEVICE},
        {RMAT_PKT_PING, 4, RMAT_WIRE_TO_DEVICE},       {RMAT_PKT_SET_MODE, 5, RMAT_WIRE_TO_DEVICE},
        {RMAT_PKT_GET_STATUS, 4, RMAT_WIRE_TO_DEVICE},
    };
    uint8_t p[128];
    for (size_t i = 0; i < sizeof mins / sizeof mins[0]; i++) {
        print_message("type %s\n", rmat_pkt_name(mins[i].type));
        memset(p, 0x01, sizeof p);
        p[0] = mins[i].type;
        p[1] = RMAT_WIRE_VERSION;
        size_t len = mins[i].min_body + RMAT_WIRE_OVERHEAD;
        seal(p, len - 1);
        assert_int_equal(rmat_wire_check(p, len - 1, mins[i].dir), RMAT_E_SHORT);
        seal(p, len);
        assert_int_equal(rmat_wire_check(p, len, mins[i].dir), mins[i].type);
        /* Longer bodies are accepted: later versions may append fields. */
        seal(p, len + 9);
        assert_int_equal(rmat_wire_check(p, len + 9, mins[i].dir), mins[i].type);
    }
    /* A FRAME needs its 16-byte head before anything else is judged. */
    memset(p, 0x01, sizeof p);
    p[0] = RMAT_PKT_FRAME;
    seal(p, RMAT_WIRE_OVERHEAD + 15);
    assert_int_equal(rmat_wire_check(p, RMAT_WIRE_OVERHEAD + 15, RMAT_WIRE_TO_HOST), RMAT_E_SHORT);
}

static void test_wire_check_longer_body_parses(void **state)
{
    (void)state;
    /* An ACK with two bytes appended by a later version still parses to
     * the same fields. */
    uint8_t p[32];
    memcpy(p, ack_pkt, 8);
    p[8] = 0x55;
    p[9] = 0x66;
    seal(p, 14);
    struct rmat_ack ack;
    assert_int_equal(rmat_wire_parse_ack(p, 14, &ack), RMAT_OK);
    assert_int_equal(ack.cmd, 0x82);
    assert_int_equal(ack.token, 0xDEADBEEFu);
}

static void test_wire_check_log_text_limit(void **state)
{
    (void)state;
    /* A LOG body is level + text, the text at most 200 bytes: 201 is
     * malformed, not an appended field. */
    uint8_t p[256];
    memset(p, 'a', sizeof p);
    p[0] = RMAT_PKT_LOG;
    p[1] = RMAT_WIRE_VERSION;
    p[2] = 3;
    size_t ok_len = RMAT_WIRE_OVERHEAD + 1 + 200;
    seal(p, ok_len);
    assert_int_equal(rmat_wire_check(p, ok_len, RMAT_WIRE_TO_HOST), RMAT_PKT_LOG);
    struct rmat_logmsg lm;
    assert_int_equal(rmat_wire_parse_log(p, ok_len, &lm), RMAT_OK);
    assert_int_equal(lm.len, 200);
    assert_int_equal(lm.text[199], 'a');
    assert_int_equal(lm.text[200], '\0');
    seal(p, ok_len + 1);
    assert_int_equal(rmat_wire_check(p, ok_len + 1, RMAT_WIRE_TO_HOST), RMAT_E_MALFORMED);
    assert_int_equal(rmat_wire_parse_log(p, ok_len + 1, &lm), RMAT_E_MALFORMED);
}

static void test_wire_check_frame_fields(void **state)
{
    (void)state;
    uint8_t p[64];
    /* Dense: one sample byte short is SHORT, the head saying more sensels
     * than sent is SHORT, extra bytes are fine. */
    memcpy(p, frame_dense_pkt, 26);
    seal(p, 29);
    assert_int_equal(rmat_wire_check(p, 29, RMAT_WIRE_TO_HOST), RMAT_E_SHORT);
    memcpy(p, frame_dense_pkt, sizeof frame_dense_pkt);
    p[2 + 13] = 3; /* cols 3: 6 sensels announced, 4 sent */
    seal(p, sizeof frame_dense_pkt);
    assert_int_equal(rmat_wire_check(p, sizeof frame_dense_pkt, RMAT_WIRE_TO_HOST), RMAT_E_SHORT);

    /* Zero rows or cols, unknown encodings: MALFORMED. */
    memcpy(p, frame_dense_pkt, sizeof frame_dense_pkt);
    p[2 + 12] = 0;
    seal(p, sizeof frame_dense_pkt);
    assert_int_equal(rmat_wire_check(p, sizeof frame_dense_pkt, RMAT_WIRE_TO_HOST),
                     RMAT_E_MALFORMED);
    memcpy(p, frame_dense_pkt, sizeof frame_dense_pkt);
    p[2 + 13] = 0;
    seal(p, sizeof frame_dense_pkt);
    assert_int_equal(rmat_wire_check(p, sizeof frame_dense_pkt, RMAT_WIRE_TO_HOST),
                     RMAT_E_MALFORMED);
    memcpy(p, frame_dense_pkt, sizeof frame_dense_pkt);
    p[2 + 14] = 2;
    seal(p, sizeof frame_dense_pkt);
    assert_int_equal(rmat_wire_check(p, sizeof frame_dense_pkt, RMAT_WIRE_TO_HOST),
                     RMAT_E_MALFORMED);
    /* The reserved byte is ignored by receivers. */
    memcpy(p, frame_dense_pkt, sizeof frame_dense_pkt);
    p[2 + 15] = 0x80;
    seal(p, sizeof frame_dense_pkt);
    assert_int_equal(rmat_wire_check(p, sizeof frame_dense_pkt, RMAT_WIRE_TO_HOST), RMAT_PKT_FRAME);

    /* Sparse (3x4, pairs at body offsets 18, 22, 26 = packet 20, 24, 28). */
    const size_t n = sizeof frame_sparse_pkt;
    /* count 4 with three pairs sent: SHORT */
    memcpy(p, frame_sparse_pkt, n);
    p[18] = 4;
    seal(p, n);
    assert_int_equal(rmat_wire_check(p, n, RMAT_WIRE_TO_HOST), RMAT_E_SHORT);
    /* one byte where the 2-byte count belongs: SHORT */
    memcpy(p, frame_sparse_pkt, 18);
    seal(p, 18 + 1 + 4);
    assert_int_equal(rmat_wire_check(p, 23, RMAT_WIRE_TO_HOST), RMAT_E_SHORT);
    /* indices 1, 6, 6: not strictly increasing */
    memcpy(p, frame_sparse_pkt, n);
    p[28] = 6;
    seal(p, n);
    assert_int_equal(rmat_wire_check(p, n, RMAT_WIRE_TO_HOST), RMAT_E_MALFORMED);
    /* indices 6, 1, 11: decreasing */
    memcpy(p, frame_sparse_pkt, n);
    p[20] = 6;
    p[24] = 1;
    seal(p, n);
    assert_int_equal(rmat_wire_check(p, n, RMAT_WIRE_TO_HOST), RMAT_E_MALFORMED);
    /* index 12 in a 12-sensel grid: out of the grid */
    memcpy(p, frame_sparse_pkt, n);
    p[28] = 12;
    seal(p, n);
    assert_int_equal(rmat_wire_check(p, n, RMAT_WIRE_TO_HOST), RMAT_E_MALFORMED);
    /* count 0 is a valid all-zero frame */
    memcpy(p, frame_sparse_pkt, 18);
    p[18] = 0;
    p[19] = 0;
    seal(p, 24);
    assert_int_equal(rmat_wire_check(p, 24, RMAT_WIRE_TO_HOST), RMAT_PKT_FRAME);
    struct rmat_frame_hdr hdr;
    uint16_t s[12];
    memset(s, 0xFF, sizeof s);
    assert_int_equal(rmat_wire_parse_frame(p, 24, &hdr, s, 12), RMAT_OK);
    for (size_t i = 0; i < 12; i++)
        assert_int_equal(s[i], 0);
}

/* --- round trips ------------------------------------------------------------- */

/* Encodes pkt for the wire, runs it through a decoder of direction dir and
 * checks the same raw bytes come out. */
static void through_the_wire(const uint8_t *pkt, size_t len, enum rmat_wire_dir dir,
                             uint8_t *decoded)
{
    static uint8_t wire[RMAT_WIRE_MAX_ENCODED];
    static uint8_t buf[RMAT_WIRE_MAX_PACKET];
    int n = rmat_wire_encode(pkt, len, wire, sizeof wire);
    assert_true(n > 0);
    assert_null(memchr(wire, 0, (size_t)n - 1));
    assert_int_equal(wire[n - 1], 0);
    struct rmat_decoder d;
    rmat_decoder_init(&d, buf, sizeof buf, dir);
    size_t used = 0;
    const uint8_t *out = NULL;
    size_t out_len = 0;
    assert_int_equal(rmat_decoder_feed(&d, wire, (size_t)n, &used, &out, &out_len), 1);
    assert_int_equal(used, (size_t)n);
    assert_int_equal(out_len, len);
    assert_memory_equal(out, pkt, len);
    assert_int_equal(rmat_decoder_dropped(&d), 0);
    memcpy(decoded, out, out_len);
}

static void test_wire_round_trip_device_packets(void **state)
{
    (void)state;
    static uint8_t pkt[RMAT_WIRE_MAX_PACKET];
    static uint8_t got[RMAT_WIRE_MAX_PACKET];
    int n;

    struct rmat_info info = sample_info();
    info.serial = 0xFEDCBA98u;
    strcpy(info.model, "a model name of 24 bytes");
    n = rmat_wire_build_info(pkt, sizeof pkt, &info);
    assert_int_equal(n, 62);
    through_the_wire(pkt, (size_t)n, RMAT_WIRE_TO_HOST, got);
    struct rmat_info info2;
    assert_int_equal(rmat_wire_parse_info(got, (size_t)n, &info2), RMAT_OK);
    assert_int_equal(info2.rows, info.rows);
    assert_int_equal(info2.cols, info.cols);
    assert_int_equal(info2.adc_bits, info.adc_bits);
    assert_int_equal(info2.encodings, info.encodings);
    assert_int_equal(info2.pitch_x_um, info.pitch_x_um);
    assert_int_equal(info2.pitch_y_um, info.pitch_y_um);
    assert_int_equal(info2.max_rate_hz, info.max_rate_hz);
    assert_int_equal(info2.rate_hz, info.rate_hz);
    assert_int_equal(info2.serial, info.serial);
    assert_string_equal(info2.fw_version, info.fw_version);
    assert_string_equal(info2.model, "a model name of 24 bytes");

    /* Frames: a 16x8 grid in both encodings, with zeros mixed in so COBS
     * has work to do. */
    static uint16_t samples[128];
    static uint16_t back[128];
    for (size_t i = 0; i < 128; i++)
        samples[i] = (i % 3 == 0) ? 0 : (uint16_t)(i * 37 % 4096);
    for (uint8_t enc = 0; enc < 2; enc++) {
        const struct rmat_frame_hdr hdr = {.seq = 0xFFFFFFF0u + enc,
                                           .t_us = 0x0123456789ABCDEFu,
                                           .rows = 16,
                                           .cols = 8,
                                           .encoding = enc};
        n = rmat_wire_build_frame(pkt, sizeof pkt, &hdr, samples);
        assert_int_equal(n, (int)rmat_wire_frame_len(enc, 16, 8, samples));
        through_the_wire(pkt, (size_t)n, RMAT_WIRE_TO_HOST, got);
        struct rmat_frame_hdr h2;
        memset(back, 0xAB, sizeof back);
        assert_int_equal(rmat_wire_parse_frame(got, (size_t)n, &h2, back, 128), RMAT_OK);
        assert_int_equal(h2.seq, hdr.seq);
        assert_int_equal(h2.t_us, hdr.t_us);
        assert_int_equal(h2.rows, 16);
        assert_int_equal(h2.cols, 8);
        assert_int_equal(h2.encoding, enc);
        assert_memory_equal(back, samples, sizeof samples);
    }

    const struct rmat_ack ack = {.cmd = RMAT_PKT_PING, .status = RMAT_ACK_BUSY, .token = 0};
    n = rmat_wire_build_ack(pkt, sizeof pkt, &ack);
    through_the_wire(pkt, (size_t)n, RMAT_WIRE_TO_HOST, got);
    struct rmat_ack ack2;
    assert_int_equal(rmat_wire_parse_ack(got, (size_t)n, &ack2), RMAT_OK);
    assert_int_equal(ack2.cmd, RMAT_PKT_PING);
    assert_int_equal(ack2.status, RMAT_ACK_BUSY);
    assert_int_equal(ack2.token, 0);

    const struct rmat_status st = {.t_us = UINT64_MAX,
                                   .frames_sent = UINT32_MAX,
                                   .frames_dropped = 0,
                                   .rx_errors = 77,
                                   .rate_hz = 65535,
                                   .streaming = 0,
                                   .mode = RMAT_MODE_TEST_PATTERN};
    n = rmat_wire_build_status(pkt, sizeof pkt, &st);
    through_the_wire(pkt, (size_t)n, RMAT_WIRE_TO_HOST, got);
    struct rmat_status st2;
    assert_int_equal(rmat_wire_parse_status(got, (size_t)n, &st2), RMAT_OK);
    assert_int_equal(st2.t_us, UINT64_MAX);
    assert_int_equal(st2.frames_sent, UINT32_MAX);
    assert_int_equal(st2.frames_dropped, 0);
    assert_int_equal(st2.rx_errors, 77);
    assert_int_equal(st2.rate_hz, 65535);
    assert_int_equal(st2.streaming, 0);
    assert_int_equal(st2.mode, RMAT_MODE_TEST_PATTERN);

    const char text[] = "sensel (3,4) stuck at 4095";
    n = rmat_wire_build_log(pkt, sizeof pkt, 1, text, sizeof text - 1);
    through_the_wire(pkt, (size_t)n, RMAT_WIRE_TO_HOST, got);
    struct rmat_logmsg lm;
    assert_int_equal(rmat_wire_parse_log(got, (size_t)n, &lm), RMAT_OK);
    assert_int_equal(lm.level, 1);
    assert_int_equal(lm.len, sizeof text - 1);
    assert_string_equal(lm.text, text);

    const struct rmat_pong pong = {.token = 0x80000001u, .t_us = 987654321987u};
    n = rmat_wire_build_pong(pkt, sizeof pkt, &pong);
    through_the_wire(pkt, (size_t)n, RMAT_WIRE_TO_HOST, got);
    struct rmat_pong pong2;
    assert_int_equal(rmat_wire_parse_pong(got, (size_t)n, &pong2), RMAT_OK);
    assert_int_equal(pong2.token, 0x80000001u);
    assert_int_equal(pong2.t_us, 987654321987u);
}

static void test_wire_round_trip_commands(void **state)
{
    (void)state;
    const struct rmat_cmd cmds[] = {
        {.type = RMAT_PKT_GET_INFO, .token = 11},
        {.type = RMAT_PKT_START, .token = 12, .rate_hz = 1000, .encoding = RMAT_ENC_DENSE},
        {.type = RMAT_PKT_STOP, .token = 13},
        {.type = RMAT_PKT_PING, .token = 0xFFFFFFFFu},
        {.type = RMAT_PKT_SET_MODE, .token = 15, .mode = RMAT_MODE_TEST_PATTERN},
        {.type = RMAT_PKT_GET_STATUS, .token = 16},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        uint8_t pkt[32];
        uint8_t got[32];
        int n = rmat_wire_build_cmd(pkt, sizeof pkt, &cmds[i]);
        assert_true(n >= 10);
        through_the_wire(pkt, (size_t)n, RMAT_WIRE_TO_DEVICE, got);
        struct rmat_cmd c;
        memset(&c, 0x77, sizeof c);
        assert_int_equal(rmat_wire_parse_cmd(got, (size_t)n, &c), RMAT_OK);
        assert_int_equal(c.type, cmds[i].type);
        assert_int_equal(c.token, cmds[i].token);
        assert_int_equal(c.rate_hz, cmds[i].rate_hz);
        assert_int_equal(c.encoding, cmds[i].encoding);
        assert_int_equal(c.mode, cmds[i].mode);
    }
}

static void test_wire_packet_names(void **state)
{
    (void)state;
    assert_string_equal(rmat_pkt_name(0x01), "INFO");
    assert_string_equal(rmat_pkt_name(0x02), "FRAME");
    assert_string_equal(rmat_pkt_name(0x03), "ACK");
    assert_string_equal(rmat_pkt_name(0x04), "STATUS");
    assert_string_equal(rmat_pkt_name(0x05), "LOG");
    assert_string_equal(rmat_pkt_name(0x06), "PONG");
    assert_string_equal(rmat_pkt_name(0x81), "GET_INFO");
    assert_string_equal(rmat_pkt_name(0x82), "START");
    assert_string_equal(rmat_pkt_name(0x83), "STOP");
    assert_string_equal(rmat_pkt_name(0x84), "PING");
    assert_string_equal(rmat_pkt_name(0x85), "SET_MODE");
    assert_string_equal(rmat_pkt_name(0x86), "GET_STATUS");
    assert_string_equal(rmat_pkt_name(0x00), "?");
    assert_string_equal(rmat_pkt_name(0x07), "?");
    assert_string_equal(rmat_pkt_name(0x87), "?");
}

/* The checked-frame parser gives what the full parser gives on a packet the
 * check accepted, and refuses what is plainly not a frame. */
static void test_wire_parse_frame_checked_matches(void **state)
{
    /* a 2x3 sparse frame: sensel 4 (row 1, col 1) = 0x0123, all else 0 */
    const uint16_t in[6] = {0, 0, 0, 0, 0x0123, 0};
    const struct rmat_frame_hdr h = {.seq = 7, .t_us = 99, .rows = 2, .cols = 3, .encoding = 1};
    struct rmat_frame_hdr a, b;
    uint16_t sa[6], sb[6];
    uint8_t pkt[64];
    int n;
    (void)state;
    n = rmat_wire_build_frame(pkt, sizeof pkt, &h, in);
    assert_true(n > 0);
    assert_int_equal(rmat_wire_check(pkt, (size_t)n, RMAT_WIRE_TO_HOST), RMAT_PKT_FRAME);
    assert_int_equal(rmat_wire_parse_frame(pkt, (size_t)n, &a, sa, 6), RMAT_OK);
    assert_int_equal(rmat_wire_parse_frame_checked(pkt, (size_t)n, &b, sb, 6), RMAT_OK);
    assert_int_equal(b.seq, 7);
    assert_int_equal(b.t_us, 99);
    assert_int_equal(b.encoding, 1);
    assert_memory_equal(sa, sb, sizeof sa);
    assert_int_equal(sb[4], 0x0123);
    assert_int_equal(rmat_wire_parse_frame_checked(pkt, (size_t)n, &b, sb, 5), RMAT_E_SPACE);
    assert_int_equal(rmat_wire_parse_frame_checked(pkt, 10, &b, sb, 6), RMAT_E_ARG);
    pkt[0] = RMAT_PKT_ACK;
    assert_int_equal(rmat_wire_parse_frame_checked(pkt, (size_t)n, &b, sb, 6), RMAT_E_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wire_build_info_bytes),
        cmocka_unit_test(test_wire_build_frame_dense_bytes),
        cmocka_unit_test(test_wire_build_frame_sparse_bytes),
        cmocka_unit_test(test_wire_build_small_packets_bytes),
        cmocka_unit_test(test_wire_build_commands_bytes),
        cmocka_unit_test(test_wire_build_strings_pad_and_truncate),
        cmocka_unit_test(test_wire_build_space_errors),
        cmocka_unit_test(test_wire_build_argument_errors),
        cmocka_unit_test(test_wire_build_frame_size_limit),
        cmocka_unit_test(test_wire_frame_len_chooses_encoding),
        cmocka_unit_test(test_wire_parse_vectors),
        cmocka_unit_test(test_wire_parse_wrong_type),
        cmocka_unit_test(test_wire_check_accepts_vectors),
        cmocka_unit_test(test_wire_check_order_of_errors),
        cmocka_unit_test(test_wire_check_minimum_body_lengths),
        cmocka_unit_test(test_wire_check_longer_body_parses),
        cmocka_unit_test(test_wire_check_log_text_limit),
        cmocka_unit_test(test_wire_check_frame_fields),
        cmocka_unit_test(test_wire_round_trip_device_packets),
        cmocka_unit_test(test_wire_round_trip_commands),
        cmocka_unit_test(test_wire_packet_names),
        cmocka_unit_test(test_wire_parse_frame_checked_matches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
