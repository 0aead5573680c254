/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: the mat's device core, shared by the firmware and the virtual mat.
 *
 * Portable C (firmware/core): no heap, no libc beyond <string.h>/<stdint.h>.
 * The device answers the host's commands (docs/protocol.md "Host to device"),
 * scans the grid when a frame is due, builds FRAME packets (sparse when the
 * host allows it and it is smaller) and sends STATUS once a second while
 * streaming. Hardware sits behind struct rmat_dev_port, so the same core runs
 * on the STM32 board, in the virtual mat and in host tests with a fake port.
 *
 * Scanning: for each row the core calls select_row() (which drives that row
 * and holds every other row at ground), waits settle_us, then read_col() for
 * each column.
 *
 * Test pattern (SET_MODE 1): instead of scanning, frame seq carries a band of
 * three full rows centred on row (seq / 4) % rows (rows outside the grid
 * omitted), every sensel of the band at 2^(adc_bits-1), all others 0; so the
 * band sweeps the grid one row every four frames, and the whole chain can be
 * checked with nothing on the mat.
 *
 * START's encoding byte: 0 asks for dense frames only; 1 allows sparse, and
 * the device then sends each frame in whichever encoding is smaller.
 */
#ifndef ROLLMAT_DEVICE_H
#define ROLLMAT_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "rollmat/decoder.h"
#include "rollmat/err.h"
#include "rollmat/wire.h"

/* The model the virtual mat (rollmat-sim) reports in INFO, so hosts can
 * tell it from a real mat (e.g. a clock sped up by --speed). */
#define RMAT_SIM_MODEL "rollmat virtual mat"

/* The largest grid this build of the core scans; boards set it smaller to
 * save RAM. The host build (virtual mat) takes the protocol's 90x90. */
#ifndef RMAT_DEV_MAX_SENSELS
#define RMAT_DEV_MAX_SENSELS 8100
#endif
/* Commands are at most 13 bytes raw; anything longer is dropped as too long. */
#define RMAT_DEV_RX_CAP   32
#define RMAT_DEV_PKT_CAP  (RMAT_WIRE_OVERHEAD + RMAT_FRAME_HEAD_BODY + 2 * RMAT_DEV_MAX_SENSELS)
#define RMAT_DEV_WIRE_CAP (RMAT_COBS_MAX_ENCODED(RMAT_DEV_PKT_CAP) + 1)
/* The transmit queue between scanning and the link: whole packets go in or
 * none of their bytes do, so a slow link drops whole frames (counted in
 * frames_dropped) and never tears one. Boards size it to a few frames. */
#ifndef RMAT_DEV_TXQ_CAP
#define RMAT_DEV_TXQ_CAP (4 * RMAT_DEV_WIRE_CAP)
#endif

struct rmat_dev_port {
    void *ctx;
    /* The device clock: microseconds since boot, monotonic. */
    uint64_t (*now_us)(void *ctx);
    /* Called before each scan with the frame's seq and device time (may be
     * NULL): the virtual mat evaluates its physics at t_us here. */
    void (*begin_frame)(void *ctx, uint32_t seq, uint64_t t_us);
    /* Drives row `row` and grounds every other row. */
    void (*select_row)(void *ctx, unsigned row);
    /* Waits us microseconds (row settle); may be NULL when settle_us is 0. */
    void (*delay_us)(void *ctx, uint32_t us);
    /* Reads column `col` of the selected row: raw ADC counts. */
    uint16_t (*read_col)(void *ctx, unsigned col);
    /* Offers len bytes to the link without waiting and returns how many it
     * took (0..len); the core keeps the rest and offers them again at the
     * next rmat_dev_poll(). A UART port copies them into its DMA transmit
     * buffer; the virtual mat sends them on its socket without blocking. */
    size_t (*tx)(void *ctx, const uint8_t *buf, size_t len);
};

struct rmat_dev_config {
    struct rmat_info info; /* what INFO reports; info.rate_hz is the default rate */
    uint32_t settle_us;    /* wait after selecting a row, before reading it */
    /* How far (device us) the scan may fall behind its schedule and still
     * catch up frame by frame; beyond it the schedule restarts from now and
     * the frames in between are never scanned. 0: one second. A host build
     * running faster than real time (the virtual mat at --speed X) allows
     * X times more, since the host's hiccups are in wall time. */
    uint64_t max_lag_us;
};

/* Device state. Lives in caller memory (static on the board); large, as it
 * holds one frame and its packet and wire buffers. */
struct rmat_dev {
    const struct rmat_dev_config *cfg;
    struct rmat_dev_port port;
    struct rmat_decoder rx;
    uint8_t rxbuf[RMAT_DEV_RX_CAP];
    uint8_t streaming;
    uint8_t mode;     /* enum rmat_mode */
    uint8_t encoding; /* what START asked for */
    uint16_t rate_hz;
    uint32_t seq;
    uint32_t frames_sent;
    uint32_t frames_dropped;
    uint32_t rx_errors_seen; /* decoder drops already folded into rx_errors */
    uint32_t rx_errors;
    uint64_t sched_base_us; /* frame sched_base_seq was due at this time */
    uint32_t sched_base_seq;
    uint64_t next_frame_us;
    uint64_t next_status_us;
    uint32_t tx_overflows; /* answers that did not fit the queue (host retries) */
    size_t txq_head;       /* next byte to hand to port.tx */
    size_t txq_len;        /* bytes queued */
    uint8_t txq[RMAT_DEV_TXQ_CAP];
    uint16_t samples[RMAT_DEV_MAX_SENSELS];
    uint8_t pkt[RMAT_DEV_PKT_CAP];
    uint8_t wire[RMAT_DEV_WIRE_CAP];
};

/* Prepares d. cfg and port->ctx must outlive d. Sends nothing: call
 * rmat_dev_send_info() at power-up. */
void rmat_dev_init(struct rmat_dev *d, const struct rmat_dev_config *cfg,
                   const struct rmat_dev_port *port);

/* Queues INFO (power-up announcement). Returns 0, or RMAT_E_SPACE if the
 * transmit queue is full. */
int rmat_dev_send_info(struct rmat_dev *d);

/* Feeds bytes received from the host; handles every complete command
 * (answering with ACK and, where the protocol says, INFO/PONG/STATUS). */
void rmat_dev_rx(struct rmat_dev *d, const uint8_t *buf, size_t len);

/* Does the work that is due: hands queued bytes to the link, scans and
 * queues a frame when one is due, STATUS once a second while streaming.
 * Returns the microseconds until the next due work (at most 1000000; 0 while
 * bytes wait for the link), so a loop can sleep or wait for input that long. */
uint32_t rmat_dev_poll(struct rmat_dev *d);

/* Stops streaming on the device's own account (the virtual mat's scene is
 * over; a board might for a sensor fault) and queues a STATUS with
 * streaming 0, so the host learns at once that the stream ended instead of
 * guessing from silence (docs/protocol.md). Nothing happens when the
 * device is not streaming. Returns 1 if it stopped, else 0. */
int rmat_dev_end_stream(struct rmat_dev *d);

/* Bytes queued for the link and not yet taken by port.tx. */
size_t rmat_dev_tx_pending(const struct rmat_dev *d);

/* Fills d->samples with test-pattern frame seq (see above). Exposed for
 * tests and hosts that check the pattern. */
void rmat_dev_test_pattern(uint16_t *samples, uint8_t rows, uint8_t cols, uint8_t adc_bits,
                           uint32_t seq);

#endif
