/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Every wire packet parser (firmware/core/wire.c), behind a valid CRC: the
 * input is a raw packet's type, version and body; the harness appends the
 * CRC the sender would, so the parsers' field checks are reached rather
 * than all input dying at the CRC. Each parser gets it; a FRAME that
 * rmat_wire_check accepts must parse, into at most RMAT_WIRE_MAX_SENSELS
 * samples. */
#include <string.h>

#include "fuzz.h"
#include "rollmat/bytes.h"
#include "rollmat/crc32.h"
#include "rollmat/err.h"
#include "rollmat/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t pkt[RMAT_WIRE_MAX_PACKET + 8];
    static uint16_t samples[RMAT_WIRE_MAX_SENSELS];
    struct rmat_info info;
    struct rmat_frame_hdr hdr;
    struct rmat_ack ack;
    struct rmat_status st;
    struct rmat_logmsg lg;
    struct rmat_pong pong;
    struct rmat_cmd cmd;
    size_t len;

    if (size > RMAT_WIRE_MAX_PACKET)
        return 0;
    memcpy(pkt, data, size);
    rmat_put_le32(pkt + size, rmat_crc32(pkt, size));
    len = size + 4;
    for (int dir = 0; dir < 2; dir++) {
        const int type = rmat_wire_check(pkt, len, (enum rmat_wire_dir)dir);
        if (type == RMAT_PKT_FRAME) {
            FUZZ_CHECK(rmat_wire_parse_frame(pkt, len, &hdr, samples, RMAT_WIRE_MAX_SENSELS) ==
                       RMAT_OK);
            FUZZ_CHECK((size_t)hdr.rows * hdr.cols <= RMAT_WIRE_MAX_SENSELS);
            FUZZ_CHECK(rmat_wire_parse_frame_checked(pkt, len, &hdr, samples,
                                                     RMAT_WIRE_MAX_SENSELS) == RMAT_OK);
        }
    }
    (void)rmat_wire_parse_info(pkt, len, &info);
    (void)rmat_wire_parse_frame(pkt, len, &hdr, samples, RMAT_WIRE_MAX_SENSELS);
    (void)rmat_wire_parse_frame(pkt, len, &hdr, samples, 16); /* a small buffer: SPACE */
    (void)rmat_wire_parse_ack(pkt, len, &ack);
    (void)rmat_wire_parse_status(pkt, len, &st);
    (void)rmat_wire_parse_log(pkt, len, &lg);
    (void)rmat_wire_parse_pong(pkt, len, &pong);
    (void)rmat_wire_parse_cmd(pkt, len, &cmd);
    /* and as received, with whatever CRC the input ends in */
    (void)rmat_wire_check(data, size, RMAT_WIRE_TO_HOST);
    (void)rmat_wire_parse_cmd(data, size, &cmd);
    return 0;
}
