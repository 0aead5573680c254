/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The mat's device core: command handling, scanning, frame and STATUS
 * sending. See rollmat/device.h. Portable: no heap, no stdio. */
#include "rollmat/device.h"

#include <string.h>

#include "rollmat/err.h"

#define STATUS_PERIOD_US 1000000u

void rmat_dev_init(struct rmat_dev *d, const struct rmat_dev_config *cfg,
                   const struct rmat_dev_port *port)
{
    memset(d, 0, sizeof *d);
    d->cfg = cfg;
    d->port = *port;
    d->rate_hz = cfg->info.rate_hz;
    d->mode = RMAT_MODE_SENSORS;
    rmat_decoder_init(&d->rx, d->rxbuf, sizeof d->rxbuf, RMAT_WIRE_TO_DEVICE);
}

/* Hands queued bytes to the link until it takes no more or the queue is
 * empty. The queue is a ring; a chunk never crosses its end. */
static void tx_drain(struct rmat_dev *d)
{
    while (d->txq_len > 0) {
        size_t chunk = RMAT_DEV_TXQ_CAP - d->txq_head;
        size_t took;

        if (chunk > d->txq_len)
            chunk = d->txq_len;
        took = d->port.tx(d->port.ctx, d->txq + d->txq_head, chunk);
        if (took > chunk)
            took = chunk; /* a port that claims more than offered took this much */
        d->txq_head = (d->txq_head + took) % RMAT_DEV_TXQ_CAP;
        d->txq_len -= took;
        if (took < chunk)
            return; /* the link is full for now */
    }
    d->txq_head = 0; /* empty: start again at the front, fewer wrapped chunks */
}

/* Queues len wire bytes whole, or not at all. */
static int tx_queue(struct rmat_dev *d, const uint8_t *buf, size_t len)
{
    size_t tail, first;

    if (len > RMAT_DEV_TXQ_CAP - d->txq_len)
        return RMAT_E_SPACE;
    tail = (d->txq_head + d->txq_len) % RMAT_DEV_TXQ_CAP;
    first = RMAT_DEV_TXQ_CAP - tail;
    if (first > len)
        first = len;
    memcpy(d->txq + tail, buf, first);
    memcpy(d->txq, buf + first, len - first);
    d->txq_len += len;
    return RMAT_OK;
}

/* COBS-frames one raw packet from d->pkt and queues it for the link. */
static int send_pkt(struct rmat_dev *d, int len)
{
    int n;

    if (len < 0)
        return len;
    n = rmat_wire_encode(d->pkt, (size_t)len, d->wire, sizeof d->wire);
    if (n < 0)
        return n;
    return tx_queue(d, d->wire, (size_t)n);
}

/* Queues an answer (ACK, INFO, PONG, STATUS); counts the rare one that
 * finds the queue full, which the host sees as a command timeout and
 * retries. */
static void send_answer(struct rmat_dev *d, int len)
{
    if (send_pkt(d, len) != RMAT_OK)
        d->tx_overflows++;
}

size_t rmat_dev_tx_pending(const struct rmat_dev *d)
{
    return d->txq_len;
}

int rmat_dev_send_info(struct rmat_dev *d)
{
    struct rmat_info info = d->cfg->info;

    info.rate_hz = d->rate_hz;
    return send_pkt(d, rmat_wire_build_info(d->pkt, sizeof d->pkt, &info));
}

static void send_ack(struct rmat_dev *d, uint8_t cmd, uint8_t status, uint32_t token)
{
    const struct rmat_ack ack = {.cmd = cmd, .status = status, .token = token};

    send_answer(d, rmat_wire_build_ack(d->pkt, sizeof d->pkt, &ack));
}

static void send_status(struct rmat_dev *d, uint64_t now)
{
    struct rmat_status st;

    /* Malformed packets seen by the decoder count as receive errors. */
    d->rx_errors += rmat_decoder_dropped(&d->rx) - d->rx_errors_seen;
    d->rx_errors_seen = rmat_decoder_dropped(&d->rx);
    st.t_us = now;
    st.frames_sent = d->frames_sent;
    st.frames_dropped = d->frames_dropped;
    st.rx_errors = d->rx_errors;
    st.rate_hz = d->rate_hz;
    st.streaming = d->streaming;
    st.mode = d->mode;
    send_answer(d, rmat_wire_build_status(d->pkt, sizeof d->pkt, &st));
}

int rmat_dev_end_stream(struct rmat_dev *d)
{
    if (!d->streaming)
        return 0;
    d->streaming = 0;
    send_status(d, d->port.now_us(d->port.ctx));
    return 1;
}

static uint8_t start_status(const struct rmat_dev *d, const struct rmat_cmd *cmd)
{
    const struct rmat_info *info = &d->cfg->info;

    if (cmd->rate_hz == 0 || cmd->rate_hz > info->max_rate_hz)
        return RMAT_ACK_BAD_ARG;
    if (cmd->encoding > 7 || !(info->encodings & (1u << cmd->encoding)))
        return RMAT_ACK_UNSUPPORTED;
    return RMAT_ACK_OK;
}

static void handle_cmd(struct rmat_dev *d, const struct rmat_cmd *cmd)
{
    uint64_t now = d->port.now_us(d->port.ctx);
    uint8_t status = RMAT_ACK_OK;

    switch (cmd->type) {
    case RMAT_PKT_GET_INFO:
        send_ack(d, cmd->type, RMAT_ACK_OK, cmd->token);
        if (rmat_dev_send_info(d) != RMAT_OK)
            d->tx_overflows++;
        return;
    case RMAT_PKT_START:
        status = start_status(d, cmd);
        send_ack(d, cmd->type, status, cmd->token);
        if (status != RMAT_ACK_OK)
            return; /* docs/protocol.md: a refused START changes nothing */
        /* START while streaming restarts with the new rate, seq from 0. */
        d->rate_hz = cmd->rate_hz;
        d->encoding = cmd->encoding;
        d->seq = 0;
        d->streaming = 1;
        d->sched_base_us = now;
        d->sched_base_seq = 0;
        d->next_frame_us = now;
        d->next_status_us = now + STATUS_PERIOD_US;
        return;
    case RMAT_PKT_STOP:
        d->streaming = 0;
        send_ack(d, cmd->type, RMAT_ACK_OK, cmd->token);
        return;
    case RMAT_PKT_PING: {
        struct rmat_pong pong = {.token = cmd->token, .t_us = now};
        send_ack(d, cmd->type, RMAT_ACK_OK, cmd->token);
        send_answer(d, rmat_wire_build_pong(d->pkt, sizeof d->pkt, &pong));
        return;
    }
    case RMAT_PKT_SET_MODE:
        if (cmd->mode > RMAT_MODE_TEST_PATTERN)
            status = RMAT_ACK_BAD_ARG;
        else
            d->mode = cmd->mode;
        send_ack(d, cmd->type, status, cmd->token);
        return;
    case RMAT_PKT_GET_STATUS:
        send_ack(d, cmd->type, RMAT_ACK_OK, cmd->token);
        send_status(d, now);
        return;
    default:
        /* rmat_wire_check() already refused other types; count it anyway. */
        d->rx_errors++;
        return;
    }
}

void rmat_dev_rx(struct rmat_dev *d, const uint8_t *buf, size_t len)
{
    while (len > 0) {
        const uint8_t *pkt;
        size_t pkt_len, used = 0;
        struct rmat_cmd cmd;
        int got = rmat_decoder_feed(&d->rx, buf, len, &used, &pkt, &pkt_len);

        buf += used;
        len -= used;
        if (got != 1)
            continue;
        if (rmat_wire_parse_cmd(pkt, pkt_len, &cmd) == RMAT_OK)
            handle_cmd(d, &cmd);
        else
            d->rx_errors++;
    }
    /* Answers go out at once (PONG's time is only as good as its delay). */
    tx_drain(d);
}

void rmat_dev_test_pattern(uint16_t *samples, uint8_t rows, uint8_t cols, uint8_t adc_bits,
                           uint32_t seq)
{
    const unsigned centre = (unsigned)((seq / 4u) % rows);
    const uint16_t level = (uint16_t)(1u << (adc_bits - 1u));

    for (unsigned i = 0; i < rows; i++) {
        const int in_band = (i + 1u >= centre) && (i <= centre + 1u);
        for (unsigned j = 0; j < cols; j++)
            samples[i * cols + j] = in_band ? level : 0;
    }
}

static void scan(struct rmat_dev *d)
{
    const struct rmat_dev_config *cfg = d->cfg;
    const unsigned rows = cfg->info.rows, cols = cfg->info.cols;

    if (d->mode == RMAT_MODE_TEST_PATTERN) {
        rmat_dev_test_pattern(d->samples, cfg->info.rows, cfg->info.cols, cfg->info.adc_bits,
                              d->seq);
        return;
    }
    for (unsigned i = 0; i < rows; i++) {
        d->port.select_row(d->port.ctx, i);
        if (cfg->settle_us && d->port.delay_us)
            d->port.delay_us(d->port.ctx, cfg->settle_us);
        for (unsigned j = 0; j < cols; j++)
            d->samples[i * cols + j] = d->port.read_col(d->port.ctx, j);
    }
}

static void send_frame(struct rmat_dev *d, uint64_t t_us)
{
    struct rmat_frame_hdr hdr = {
        .seq = d->seq,
        .t_us = t_us,
        .rows = d->cfg->info.rows,
        .cols = d->cfg->info.cols,
        .encoding = RMAT_ENC_DENSE,
    };

    if (d->port.begin_frame)
        d->port.begin_frame(d->port.ctx, d->seq, t_us);
    scan(d);
    if (d->encoding == RMAT_ENC_SPARSE &&
        rmat_wire_frame_len(RMAT_ENC_SPARSE, hdr.rows, hdr.cols, d->samples) <
            rmat_wire_frame_len(RMAT_ENC_DENSE, hdr.rows, hdr.cols, d->samples))
        hdr.encoding = RMAT_ENC_SPARSE;
    /* A frame that does not fit the queue whole is dropped whole: the link
     * is slower than the scan rate, and STATUS tells the host so. */
    if (send_pkt(d, rmat_wire_build_frame(d->pkt, sizeof d->pkt, &hdr, d->samples)) == RMAT_OK)
        d->frames_sent++;
    else
        d->frames_dropped++;
    d->seq++;
}

uint32_t rmat_dev_poll(struct rmat_dev *d)
{
    uint64_t now = d->port.now_us(d->port.ctx);
    uint64_t next;

    tx_drain(d);
    if (!d->streaming)
        return d->txq_len ? 0u : 1000000u;
    if (now >= d->next_frame_us) {
        /* A frame's time is when its scan was due: on the board a timer
         * starts scans on time; a host build that was held up catches up
         * frame by frame (poll returns 0 until it has), so seq never skips. */
        send_frame(d, d->next_frame_us);
        /* Due times come from the frame count, not by adding a rounded
         * period, so rates that do not divide 1 s (300 Hz) do not drift. */
        d->next_frame_us =
            d->sched_base_us + (uint64_t)(d->seq - d->sched_base_seq) * 1000000u / d->rate_hz;
        /* Held up for more than a second (a stopped debugger, a suspended
         * simulator): resume from now instead of sending a burst. */
        if (now > d->next_frame_us + (d->cfg->max_lag_us ? d->cfg->max_lag_us : STATUS_PERIOD_US)) {
            d->sched_base_us = now;
            d->sched_base_seq = d->seq;
            d->next_frame_us = now;
        }
    }
    if (now >= d->next_status_us) {
        send_status(d, now);
        d->next_status_us += STATUS_PERIOD_US;
        if (d->next_status_us <= now)
            d->next_status_us = now + STATUS_PERIOD_US;
    }
    tx_drain(d);
    if (d->txq_len)
        return 0;
    next = d->next_frame_us < d->next_status_us ? d->next_frame_us : d->next_status_us;
    now = d->port.now_us(d->port.ctx);
    return next > now ? (uint32_t)(next - now) : 0u;
}
