/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test support: a mat in the same process, on virtual time. See fake_mat.h. */
#include "fake_mat.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollmat/bytes.h"
#include "rollmat/cobs.h"
#include "rollmat/device.h"
#include "rollmat/diag.h"

#define REAL_OFFSET_NS (FAKE_MAT_REAL_START_NS - FAKE_MAT_MONO_START_NS)
/* Bytes in flight to the host. A test reads as it goes; 4 MiB is seconds
 * of the largest frames at full rate, so running out is a test's bug. */
#define OUT_CAP  (4u << 20)
#define PKT_CAP  8192 /* packets in flight to the host */
#define IN_CAP   64   /* commands in flight to the device */
#define CMD_WIRE 32   /* a command is at most 13 raw bytes, 15 encoded + 0x00 */
/* Steps a read may take without the clock moving (the device catching up
 * frame by frame returns 0 from poll); far more than any test needs. */
#define MAX_STILL_STEPS 100000

struct out_pkt {
    uint64_t end;       /* absolute offset just past its 0x00 */
    int64_t release_ns; /* when the host can read it (monotonic) */
    uint8_t is_frame;
    uint8_t damaged;
};

struct in_pkt {
    uint8_t bytes[CMD_WIRE];
    size_t len;
    int64_t deliver_ns;
};

struct fake_mat {
    struct fake_mat_config cfg;
    struct rmat_dev_config dcfg;
    struct rmat_transport *t;
    int64_t now_ns; /* virtual CLOCK_MONOTONIC */
    uint32_t scan_seq;
    unsigned scan_row;
    /* device -> host: the packet being assembled from port.tx, its decoded
     * form, and the bytes in flight [out_head, out_tail) at out + (x -
     * out_base). */
    uint8_t wire[RMAT_DEV_WIRE_CAP];
    size_t wire_len;
    uint8_t raw[RMAT_DEV_PKT_CAP];
    uint8_t *out;
    uint64_t out_base, out_head, out_tail;
    struct out_pkt pk[PKT_CAP];
    size_t pk_head, pk_n;
    int64_t last_release_ns;
    /* host -> device */
    uint8_t cmd[CMD_WIRE];
    size_t cmd_len;
    struct in_pkt in[IN_CAP];
    size_t in_head, in_n;
    /* faults */
    int mute;
    unsigned drop_cmds;
    uint32_t drop_seq[FAKE_MAT_MAX_DROPS];
    size_t ndrop;
    double ber;
    uint64_t rng;
    uint32_t pong_nth;
    int64_t pong_delay_ns;
    int close_set;
    uint64_t close_after;
    struct fake_mat_stats st;
    struct rmat_dev dev; /* large: last */
};

/* --- clocks ----------------------------------------------------------------- */

uint64_t fake_mat_device_us(const struct fake_mat *m, int64_t mono_ns)
{
    const double dt =
        (double)(mono_ns > FAKE_MAT_MONO_START_NS ? mono_ns - FAKE_MAT_MONO_START_NS : 0);

    /* dt + dt * ppm: exact for drift 0, where the tests want exact times */
    return m->cfg.boot_us + (uint64_t)floor((dt + dt * m->cfg.drift_ppm * 1e-6) / 1000.0);
}

/* The first monotonic ns at which the device clock reads t_us. */
static int64_t mono_at(const struct fake_mat *m, uint64_t t_us)
{
    int64_t t;

    if (t_us <= m->cfg.boot_us)
        return FAKE_MAT_MONO_START_NS;
    t = FAKE_MAT_MONO_START_NS +
        (int64_t)ceil((double)(t_us - m->cfg.boot_us) * 1000.0 / (1.0 + m->cfg.drift_ppm * 1e-6));
    /* the double division may land a ns either side of the step */
    while (fake_mat_device_us(m, t) < t_us)
        t++;
    while (t > FAKE_MAT_MONO_START_NS && fake_mat_device_us(m, t - 1) >= t_us)
        t--;
    return t;
}

int64_t fake_mat_real_ns_at(const struct fake_mat *m, uint64_t t_device_us)
{
    return mono_at(m, t_device_us) + REAL_OFFSET_NS;
}

double fake_mat_true_offset_ns(const struct fake_mat *m)
{
    return (double)FAKE_MAT_REAL_START_NS -
           (double)m->cfg.boot_us * 1000.0 / (1.0 + m->cfg.drift_ppm * 1e-6);
}

int64_t fake_mat_clock_ns(void *ctx, int monotonic)
{
    const struct fake_mat *m = ctx;

    return monotonic ? m->now_ns : m->now_ns + REAL_OFFSET_NS;
}

/* --- the device's port -------------------------------------------------------- */

uint16_t fake_mat_sample(uint32_t seq, unsigned row, unsigned col)
{
    return (uint16_t)((seq * 263u + row * 31u + col * 7u + 1u) & 0x0FFFu);
}

static uint64_t port_now(void *ctx)
{
    const struct fake_mat *m = ctx;
    return fake_mat_device_us(m, m->now_ns);
}

static void port_begin(void *ctx, uint32_t seq, uint64_t t_us)
{
    (void)t_us;
    ((struct fake_mat *)ctx)->scan_seq = seq;
}

static void port_select(void *ctx, unsigned row)
{
    ((struct fake_mat *)ctx)->scan_row = row;
}

static uint16_t port_read(void *ctx, unsigned col)
{
    const struct fake_mat *m = ctx;
    return fake_mat_sample(m->scan_seq, m->scan_row, col);
}

static uint64_t rng_next(struct fake_mat *m)
{
    /* splitmix64: seeded, portable, the same sequence everywhere */
    uint64_t z = (m->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double rng_unit(struct fake_mat *m)
{
    return (double)(rng_next(m) >> 11) * 0x1.0p-53;
}

static void note_lost(struct fake_mat *m, uint32_t seq)
{
    if (m->st.nlost < FAKE_MAT_MAX_LOST)
        m->st.lost_seq[m->st.nlost++] = seq;
}

static void out_append(struct fake_mat *m, const uint8_t *buf, size_t len)
{
    if (m->out_tail - m->out_base + len > OUT_CAP) {
        /* slide what the host has not read to the front */
        size_t unread = (size_t)(m->out_tail - m->out_head);
        memmove(m->out, m->out + (m->out_head - m->out_base), unread);
        m->out_base = m->out_head;
    }
    if (m->out_tail - m->out_base + len > OUT_CAP || m->pk_n == PKT_CAP) {
        fprintf(stderr, "fake_mat: %zu bytes in flight to a host that does not read\n",
                (size_t)(m->out_tail - m->out_head));
        abort();
    }
    memcpy(m->out + (m->out_tail - m->out_base), buf, len);
    m->out_tail += len;
}

/* One whole packet the device sent (wire bytes, 0x00 included): the link's
 * faults apply here, then it goes in flight to the host. */
static void link_packet(struct fake_mat *m, uint8_t *wire, size_t len)
{
    int n = rmat_cobs_decode(wire, len - 1, m->raw, sizeof m->raw);
    const uint8_t type = n >= 1 ? m->raw[0] : 0;
    const int is_frame = type == RMAT_PKT_FRAME && n >= 6;
    const uint32_t seq = is_frame ? rmat_get_le32(m->raw + RMAT_WIRE_HEAD) : 0;
    int64_t release = m->now_ns + (int64_t)m->cfg.latency_us * 1000;
    uint32_t flipped = 0;
    struct out_pkt *p;

    m->st.packets_sent++;
    if (is_frame) {
        m->st.frames_sent++;
        for (size_t i = 0; i < m->ndrop; i++) {
            if (m->drop_seq[i] == seq) {
                m->drop_seq[i] = m->drop_seq[--m->ndrop];
                m->st.frames_dropped++;
                note_lost(m, seq);
                return;
            }
        }
    }
    if (type == RMAT_PKT_PONG) {
        m->st.pongs_sent++;
        if (m->pong_nth && --m->pong_nth == 0)
            release += m->pong_delay_ns;
    }
    if (m->ber > 0) {
        for (size_t i = 0; i + 1 < len; i++) {
            for (unsigned b = 0; b < 8; b++) {
                uint8_t x = (uint8_t)(wire[i] ^ (1u << b));
                if (rng_unit(m) >= m->ber || x == 0)
                    continue;
                wire[i] = x;
                flipped++;
            }
        }
    }
    if (flipped) {
        m->st.bits_flipped += flipped;
        m->st.packets_damaged++;
        if (is_frame) {
            m->st.frames_damaged++;
            note_lost(m, seq);
        }
    }
    /* A FIFO: nothing overtakes a delayed packet. */
    if (release < m->last_release_ns)
        release = m->last_release_ns;
    m->last_release_ns = release;
    out_append(m, wire, len);
    p = &m->pk[(m->pk_head + m->pk_n++) % PKT_CAP];
    p->end = m->out_tail;
    p->release_ns = release;
    p->is_frame = (uint8_t)is_frame;
    p->damaged = flipped > 0;
}

static size_t port_tx(void *ctx, const uint8_t *buf, size_t len)
{
    struct fake_mat *m = ctx;

    for (size_t i = 0; i < len; i++) {
        if (m->wire_len == sizeof m->wire) {
            fprintf(stderr, "fake_mat: the device sent a packet longer than it can\n");
            abort();
        }
        m->wire[m->wire_len++] = buf[i];
        if (buf[i] == 0) {
            link_packet(m, m->wire, m->wire_len);
            m->wire_len = 0;
        }
    }
    return len;
}

/* --- the link -------------------------------------------------------------------- */

static int link_closed(const struct fake_mat *m)
{
    return m->close_set && m->st.bytes_read >= m->close_after;
}

/* Delivers the commands due by now and lets the device do its due work.
 * Returns when (monotonic ns) the device has work next; INT64_MAX when
 * muted. */
static int64_t run_due(struct fake_mat *m)
{
    uint32_t wait_us;

    while (m->in_n > 0 && m->in[m->in_head].deliver_ns <= m->now_ns) {
        const struct in_pkt *p = &m->in[m->in_head];
        rmat_dev_rx(&m->dev, p->bytes, p->len);
        m->in_head = (m->in_head + 1) % IN_CAP;
        m->in_n--;
    }
    if (m->mute)
        return INT64_MAX;
    wait_us = rmat_dev_poll(&m->dev);
    return mono_at(m, fake_mat_device_us(m, m->now_ns) + wait_us);
}

/* Hands the host what has arrived by now, up to cap (and the close). */
static size_t take(struct fake_mat *m, uint8_t *buf, size_t cap)
{
    uint64_t avail = m->out_head;
    size_t n;

    for (size_t i = 0; i < m->pk_n; i++) {
        const struct out_pkt *p = &m->pk[(m->pk_head + i) % PKT_CAP];
        if (p->release_ns > m->now_ns)
            break;
        avail = p->end;
    }
    if (m->close_set && avail > m->close_after)
        avail = m->close_after > m->out_head ? m->close_after : m->out_head;
    n = (size_t)(avail - m->out_head);
    if (n > cap)
        n = cap;
    memcpy(buf, m->out + (m->out_head - m->out_base), n);
    m->out_head += n;
    m->st.bytes_read += n;
    while (m->pk_n > 0 && m->pk[m->pk_head].end <= m->out_head) {
        const struct out_pkt *p = &m->pk[m->pk_head];
        if (p->is_frame && !p->damaged)
            m->st.frames_read++;
        m->pk_head = (m->pk_head + 1) % PKT_CAP;
        m->pk_n--;
    }
    return n;
}

static int closed_err(const struct fake_mat *m, struct rmat_errinfo *ei)
{
    return rmat_errinfo_set(ei, RMAT_E_CLOSED, 0, "fake mat: the link closed after %llu bytes",
                            (unsigned long long)m->close_after);
}

static int link_read(void *ctx, uint8_t *buf, size_t cap, int timeout_ms, struct rmat_errinfo *ei)
{
    struct fake_mat *m = ctx;
    const int64_t deadline = m->now_ns + (int64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000;

    for (int still = 0; still < MAX_STILL_STEPS; still++) {
        int64_t next = deadline, work;
        size_t n;

        if (link_closed(m))
            return closed_err(m, ei);
        work = run_due(m);
        n = take(m, buf, cap);
        if (n > 0)
            return (int)n;
        if (link_closed(m))
            return closed_err(m, ei);
        if (work < next)
            next = work;
        if (m->in_n > 0 && m->in[m->in_head].deliver_ns < next)
            next = m->in[m->in_head].deliver_ns;
        for (size_t i = 0; i < m->pk_n; i++) {
            const struct out_pkt *p = &m->pk[(m->pk_head + i) % PKT_CAP];
            if (p->release_ns > m->now_ns) {
                if (p->release_ns < next)
                    next = p->release_ns;
                break;
            }
        }
        if (next > m->now_ns) {
            m->now_ns = next;
            still = 0;
        } else if (m->now_ns >= deadline) {
            return 0;
        }
    }
    fprintf(stderr, "fake_mat: the device keeps asking to run at the same instant\n");
    abort();
}

static int link_write(void *ctx, const uint8_t *buf, size_t len, int timeout_ms,
                      struct rmat_errinfo *ei)
{
    struct fake_mat *m = ctx;

    (void)timeout_ms;
    if (link_closed(m))
        return closed_err(m, ei);
    for (size_t i = 0; i < len; i++) {
        uint8_t raw[CMD_WIRE];
        int n;

        if (m->cmd_len == sizeof m->cmd)
            m->cmd_len = 0; /* longer than any command: the device would drop it too */
        m->cmd[m->cmd_len++] = buf[i];
        if (buf[i] != 0)
            continue;
        n = rmat_cobs_decode(m->cmd, m->cmd_len - 1, raw, sizeof raw);
        m->st.commands++;
        if (n >= 1 && raw[0] >= 0x80 && raw[0] < 0x88)
            m->st.commands_by_type[raw[0] - 0x80]++;
        if (m->mute || m->drop_cmds > 0) {
            if (m->drop_cmds > 0)
                m->drop_cmds--;
            m->st.commands_dropped++;
        } else if (m->in_n == IN_CAP) {
            fprintf(stderr, "fake_mat: more than %d commands in flight\n", IN_CAP);
            abort();
        } else {
            struct in_pkt *p = &m->in[(m->in_head + m->in_n++) % IN_CAP];
            memcpy(p->bytes, m->cmd, m->cmd_len);
            p->len = m->cmd_len;
            p->deliver_ns = m->now_ns + (int64_t)m->cfg.latency_us * 1000;
        }
        m->cmd_len = 0;
    }
    /* With no latency the device answers within the write. */
    run_due(m);
    return RMAT_OK;
}

static const struct rmat_transport_ops link_ops = {
    .read = link_read,
    .write = link_write,
    .close = NULL,
};

/* --- the mat -------------------------------------------------------------------- */

int fake_mat_new(const struct fake_mat_config *cfg, struct fake_mat **out)
{
    struct fake_mat *m;
    struct rmat_dev_port port = {
        .now_us = port_now,
        .begin_frame = port_begin,
        .select_row = port_select,
        .delay_us = NULL,
        .read_col = port_read,
        .tx = port_tx,
    };
    int rc;

    *out = NULL;
    if (cfg->info.rows == 0 || cfg->info.cols == 0 ||
        (unsigned)cfg->info.rows * cfg->info.cols > RMAT_DEV_MAX_SENSELS)
        return RMAT_E_ARG;
    m = calloc(1, sizeof *m);
    if (!m)
        return RMAT_E_NOMEM;
    m->out = malloc(OUT_CAP);
    if (!m->out) {
        free(m);
        return RMAT_E_NOMEM;
    }
    m->cfg = *cfg;
    m->dcfg.info = cfg->info;
    m->now_ns = FAKE_MAT_MONO_START_NS;
    port.ctx = m;
    rmat_dev_init(&m->dev, &m->dcfg, &port);
    rc = rmat_transport_custom(&link_ops, m, "fake-mat", &m->t, NULL);
    if (rc != RMAT_OK) {
        free(m->out);
        free(m);
        return rc;
    }
    *out = m;
    return RMAT_OK;
}

void fake_mat_free(struct fake_mat *m)
{
    if (!m)
        return;
    rmat_transport_close(m->t);
    free(m->out);
    free(m);
}

struct rmat_transport *fake_mat_transport(struct fake_mat *m)
{
    return m->t;
}

const struct fake_mat_stats *fake_mat_stats(const struct fake_mat *m)
{
    return &m->st;
}

const struct rmat_dev *fake_mat_device(const struct fake_mat *m)
{
    return &m->dev;
}

void fake_mat_end_stream(struct fake_mat *m)
{
    rmat_dev_end_stream(&m->dev);
}

void fake_mat_mute(struct fake_mat *m, int on)
{
    m->mute = on;
}

void fake_mat_drop_commands(struct fake_mat *m, unsigned n)
{
    m->drop_cmds = n;
}

int fake_mat_drop_frame(struct fake_mat *m, uint32_t seq)
{
    if (m->ndrop == FAKE_MAT_MAX_DROPS)
        return RMAT_E_SPACE;
    m->drop_seq[m->ndrop++] = seq;
    return RMAT_OK;
}

void fake_mat_bit_errors(struct fake_mat *m, double per_bit, uint64_t seed)
{
    m->ber = per_bit;
    m->rng = seed;
}

void fake_mat_delay_pong(struct fake_mat *m, uint32_t nth, uint32_t delay_us)
{
    m->pong_nth = nth;
    m->pong_delay_ns = (int64_t)delay_us * 1000;
}

void fake_mat_close_after(struct fake_mat *m, uint64_t bytes)
{
    m->close_set = 1;
    m->close_after = bytes;
}
