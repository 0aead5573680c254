/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Every wire packet parser (firmware/core/wire.c), behind a valid CRC: the
 * input is a raw packet's type, version and body; the harness appends the
 * CRC the sender would, so the parsers' field checks are reached rather
 * than all input dying at the CRC. Each parser gets it; a FRAME that
 * rmat_wire_check accepts must parse (or, for a sparse frame of a grid
 * larger than RMAT_WIRE_MAX_SENSELS, say RMAT_E_SPACE). */
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
            /* rows and cols are in the header: bytes 14 and 15 of the raw
             * packet (type, version, seq u32, t_us u64, rows, cols). A
             * sparse frame may describe a grid larger than the densest
             * packet could carry; wire.h: RMAT_E_SPACE then, else it
             * parses (the first fuzz run found the harness's own promise
             * too strong here). */
            const size_t cells = (size_t)pkt[14] * pkt[15];
            const int want = cells <= RMAT_WIRE_MAX_SENSELS ? RMAT_OK : RMAT_E_SPACE;
            FUZZ_CHECK(rmat_wire_parse_frame(pkt, len, &hdr, samples, RMAT_WIRE_MAX_SENSELS) ==
                       want);
            FUZZ_CHECK(rmat_wire_parse_frame_checked(pkt, len, &hdr, samples,
                                                     RMAT_WIRE_MAX_SENSELS) == want);
            if (want == RMAT_OK)
                FUZZ_CHECK(hdr.rows == pkt[14] && hdr.cols == pkt[15]);
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
