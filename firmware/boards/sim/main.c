/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat-sim: the virtual mat. The device core of firmware/core, with the
 * physics of a scene (vmat.h) behind its port, served over TCP or a
 * pseudo-terminal, with ground truth written beside it and faults injected
 * on request. docs/simulator.md is the user's guide. */
#define _GNU_SOURCE /* ppoll */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "link.h"
#include "rmat_gitrev.h"
#include "rollmat/device.h"
#include "rollmat/version.h"
#include "rollmat/wire.h"
#include "scene.h"
#include "truth.h"
#include "vmat.h"

/* The built-in scene lasts this long (device time), and repeats unless
 * given a --duration. */
#define DEFAULT_SCENE_S 600.0
/* Look at the stop flag, the faults and the host at least this often. */
#define MAX_WAIT_US 50000L

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* The options, as given. */
struct options {
    const char *listen, *url_file, *pty, *scene, *truth_dir;
    double rows, cols, pitch_mm, force_n, period_s, duration_s;
    double rate_hz, max_rate_hz, serial;
    double speed, clock_ppm;
    double bit_errors;
    double fault_seed;
    double disconnect_at_s, disconnect_for_s, stall_at_s, stall_for_s;
    int loop, once;
    int duration_given;
    int built_in_only; /* --rows/--cols/--pitch/--force/--period/--duration given */
};

struct sim {
    const struct options *o;
    const struct rmat_scene *sc;
    struct rmat_vmat *vm;
    struct rmat_dev dev;
    struct rmat_simlink link;
    struct timespec t0;
    double clock_scale; /* device us per real us: speed * (1 + ppm) */
    double rate_scale;  /* device time per true time: 1 + ppm */
    /* the scene's clock starts at the first frame scanned */
    int started, ended;
    uint64_t origin_us;
    /* the host */
    int connected, broken;
    int heard; /* the host has sent something */
    int conn;  /* connections so far; conns[conn - 1] is the current one */
    struct rmat_truth_conn *conns;
    int conns_cap;
    uint32_t dropped_seen;
    /* the frame the physics made in begin_frame */
    uint16_t *counts;
    unsigned row;
    FILE *truth_csv;
    char truth_json[4200];
    double *gains;
    /* faults */
    struct rmat_sim_rng frng;
    double next_flip_bits; /* bits to send unharmed before the next flip */
    uint8_t *txcopy;
    uint64_t bits_flipped, packets_damaged;
    uint8_t pkt_head[16]; /* the start of the packet on its way, COBS-encoded */
    size_t pkt_len;
    int pkt_damaged, prev_delim_damaged;
    struct rmat_truth_ids damaged, joined, dropped;
    int disc_state; /* 0 to come, 1 hung up, 2 done */
    int stall_seen;
    struct rmat_truth_span disc_span, stall_span;
};

/* --- clocks ---------------------------------------------------------------- */

static double real_us(const struct sim *s)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return ((double)(now.tv_sec - s->t0.tv_sec) * 1e6 +
            (double)(now.tv_nsec - s->t0.tv_nsec) * 1e-3);
}

static uint64_t sim_now_us(void *ctx)
{
    const struct sim *s = ctx;
    return (uint64_t)(real_us(s) * s->clock_scale);
}

/* True scene time of device time t_us: the device clock runs clock_ppm
 * fast, the scene (the person rolling) keeps true time. */
static double scene_s(const struct sim *s, uint64_t t_us)
{
    if (!s->started)
        return -INFINITY;
    return ((double)t_us - (double)s->origin_us) * 1e-6 / s->rate_scale;
}

static double scene_now_s(const struct sim *s)
{
    return scene_s(s, sim_now_us((void *)s));
}

/* --- the device port -------------------------------------------------------- */

static void sim_begin_frame(void *ctx, uint32_t seq, uint64_t t_us)
{
    struct sim *s = ctx;
    struct rmat_vmat_truth t;

    if (!s->started) {
        s->started = 1;
        s->origin_us = t_us;
        if (s->conn > 0)
            s->conns[s->conn - 1].t_open_s = 0.0;
    }
    rmat_vmat_frame(s->vm, scene_s(s, t_us), s->counts, &t);
    if (s->truth_csv)
        rmat_truth_csv_row(s->truth_csv, seq, t_us, s->conn, &t);
}

static void sim_select_row(void *ctx, unsigned row)
{
    ((struct sim *)ctx)->row = row;
}

static uint16_t sim_read_col(void *ctx, unsigned col)
{
    const struct sim *s = ctx;
    return s->counts[s->row * (unsigned)s->sc->cols + col];
}

static int stalled(const struct sim *s)
{
    const double t = scene_now_s(s);
    return s->o->stall_for_s > 0 && t >= s->o->stall_at_s &&
           t < s->o->stall_at_s + s->o->stall_for_s;
}

/* Geometric gap to the next flipped bit: memoryless, so it may be drawn
 * afresh whenever bytes offered were not sent. */
static double flip_gap(struct sim *s)
{
    return floor(log(rmat_sim_rng_uniform(&s->frng)) / log1p(-s->o->bit_errors));
}

/* The seq of a FRAME packet from the first bytes of its COBS encoding, or
 * -1 if it is another packet. */
static long frame_seq(const uint8_t *enc, size_t len)
{
    uint8_t out[6];
    size_t i = 0, o = 0;

    while (i < len && o < sizeof out) {
        const uint8_t code = enc[i++];
        for (unsigned k = 1; k < code && o < sizeof out && i < len; k++)
            out[o++] = enc[i++];
        if (code < 0xFF && o < sizeof out)
            out[o++] = 0;
    }
    if (o < sizeof out || out[0] != RMAT_PKT_FRAME)
        return -1;
    return (long)((uint32_t)out[2] | (uint32_t)out[3] << 8 | (uint32_t)out[4] << 16 |
                  (uint32_t)out[5] << 24);
}

/* Follows the packets in the bytes really sent, to name the frames whose
 * bytes were damaged (sent differs from orig). */
static void track_damage(struct sim *s, const uint8_t *orig, const uint8_t *sent, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const int hit = orig[i] != sent[i];
        if (hit)
            s->bits_flipped += (uint64_t)__builtin_popcount((unsigned)(orig[i] ^ sent[i]));
        if (orig[i] != 0) {
            if (s->pkt_len < sizeof s->pkt_head)
                s->pkt_head[s->pkt_len] = orig[i];
            s->pkt_len++;
            s->pkt_damaged |= hit;
            continue;
        }
        /* The packet's closing 0x00. */
        {
            const long seq = frame_seq(
                s->pkt_head, s->pkt_len < sizeof s->pkt_head ? s->pkt_len : sizeof s->pkt_head);
            s->pkt_damaged |= hit;
            if (s->pkt_damaged) {
                s->packets_damaged++;
                if (seq >= 0)
                    rmat_truth_ids_add(&s->damaged, s->conn, (uint32_t)seq);
            } else if (s->prev_delim_damaged && seq >= 0) {
                /* The 0x00 before it was hit: the host's decoder saw one long
                 * packet of both, and drops it. */
                rmat_truth_ids_add(&s->joined, s->conn, (uint32_t)seq);
            }
            s->prev_delim_damaged = hit;
            s->pkt_len = 0;
            s->pkt_damaged = 0;
        }
    }
}

/* The link: whatever it takes now, without waiting; the device core queues
 * the rest. Bit errors are applied here, on the way out. */
static size_t sim_tx(void *ctx, const uint8_t *buf, size_t len)
{
    struct sim *s = ctx;
    const uint8_t *out = buf;
    ssize_t n;

    if (!s->connected || s->broken || stalled(s))
        return 0;
    if (s->o->bit_errors > 0) {
        double bit = s->next_flip_bits;
        memcpy(s->txcopy, buf, len);
        while (bit < (double)len * 8) {
            const size_t at = (size_t)bit;
            s->txcopy[at / 8] ^= (uint8_t)(1u << (at % 8));
            bit += 1 + flip_gap(s);
        }
        s->next_flip_bits = bit - (double)len * 8;
        out = s->txcopy;
    }
    n = rmat_simlink_write(&s->link, out, len);
    if (n < 0) {
        s->broken = 1;
        return 0;
    }
    if (s->o->bit_errors > 0) {
        track_damage(s, buf, out, (size_t)n);
        if ((size_t)n < len)
            s->next_flip_bits = flip_gap(s);
    }
    return (size_t)n;
}

/* --- truth ---------------------------------------------------------------- */

static void write_truth(struct sim *s)
{
    struct rmat_vmat_stats st;
    struct rmat_truth_run run = {0};
    int rc;

    if (!s->o->truth_dir)
        return;
    if (s->truth_csv)
        fflush(s->truth_csv);
    rmat_vmat_stats(s->vm, &st);
    run.link = s->link.kind == RMAT_SIMLINK_PTY ? "pty" : "tcp";
    run.speed = s->o->speed;
    run.clock_ppm = s->o->clock_ppm;
    run.loop = s->o->loop;
    run.scene_ended = s->ended;
    run.n_conns = s->conn;
    run.conns = s->conns;
    run.bit_error_rate = s->o->bit_errors;
    run.fault_seed = (uint64_t)s->o->fault_seed;
    run.bits_flipped = s->bits_flipped;
    run.packets_damaged = s->packets_damaged;
    run.damaged_frames = &s->damaged;
    run.joined_frames = &s->joined;
    run.dropped_frames = &s->dropped;
    run.n_disconnects = s->disc_state > 0;
    run.disconnects = &s->disc_span;
    run.n_stalls = s->stall_seen;
    run.stalls = &s->stall_span;
    rc = rmat_truth_write_json(s->truth_json, s->sc, &st, s->gains, &run);
    if (rc != 0)
        fprintf(stderr, "rollmat-sim: cannot write %s: %s\n", s->truth_json, strerror(errno));
}

/* --- serving ---------------------------------------------------------------- */

static int host_arrived(struct sim *s, const struct rmat_dev_config *cfg,
                        const struct rmat_dev_port *port)
{
    if (s->conn == s->conns_cap) {
        int cap = s->conns_cap ? 2 * s->conns_cap : 8;
        struct rmat_truth_conn *v = realloc(s->conns, (size_t)cap * sizeof *v);
        if (!v)
            return -1;
        s->conns = v;
        s->conns_cap = cap;
    }
    s->conns[s->conn].frames_sent = s->conns[s->conn].frames_dropped = 0;
    s->conns[s->conn].t_open_s = s->started ? scene_now_s(s) : NAN;
    s->conns[s->conn].t_close_s = NAN;
    s->conn++;
    s->connected = 1;
    s->broken = 0;
    s->heard = 0;
    s->dropped_seen = 0;
    s->pkt_len = 0;
    s->pkt_damaged = s->prev_delim_damaged = 0;
    /* Each host meets a freshly powered mat, which announces itself. */
    rmat_dev_init(&s->dev, cfg, port);
    rmat_dev_send_info(&s->dev);
    fprintf(stderr, "rollmat-sim: host connected (%s)\n", s->link.url);
    return 0;
}

static void host_left(struct sim *s, const char *why)
{
    struct rmat_truth_conn *c = &s->conns[s->conn - 1];

    c->frames_sent = s->dev.frames_sent;
    c->frames_dropped = s->dev.frames_dropped;
    c->t_close_s = s->started ? scene_now_s(s) : NAN;
    s->connected = 0;
    fprintf(stderr, "rollmat-sim: %s; %u frames sent, %u dropped\n", why, s->dev.frames_sent,
            s->dev.frames_dropped);
    write_truth(s);
}

/* Faults that act on the link as a whole: the disconnect. Returns 1 while
 * the link is down. */
static int link_faults(struct sim *s)
{
    const struct options *o = s->o;
    const double t = scene_now_s(s);
    char err[300];

    if (o->disconnect_for_s <= 0 || s->disc_state == 2)
        return 0;
    if (s->disc_state == 0) {
        if (!(t >= o->disconnect_at_s))
            return 0;
        s->disc_state = 1;
        s->disc_span.t_s = t;
        s->disc_span.for_s = o->disconnect_for_s;
        fprintf(stderr, "rollmat-sim: fault: link down at %.3f s for %.3f s\n", t,
                o->disconnect_for_s);
        if (s->connected) {
            rmat_simlink_hangup(&s->link);
            host_left(s, "link pulled");
        } else {
            rmat_simlink_hangup(&s->link);
        }
        return 1;
    }
    if (t < s->disc_span.t_s + o->disconnect_for_s)
        return 1;
    if (rmat_simlink_restore(&s->link, err, sizeof err) != 0) {
        fprintf(stderr, "rollmat-sim: %s (retrying)\n", err);
        return 1;
    }
    s->disc_state = 2;
    fprintf(stderr, "rollmat-sim: fault over: link back at %.3f s (%s)\n", t, s->link.url);
    return 0;
}

/* Serves the connected host one step: device work, then waits for input,
 * room to send or the next due frame. Returns 0, or -1 when the host left. */
static int serve_step(struct sim *s)
{
    uint8_t buf[4096];
    struct pollfd pfd = {.fd = s->link.fd, .events = POLLIN};
    struct timespec ts;
    uint32_t wait_us;
    double wait_real_us;
    const double frame_real_us =
        1e6 / (s->dev.rate_hz ? s->dev.rate_hz : s->sc->rate_hz) / s->clock_scale;

    /* When the scene is over the mat stops scanning on its own and says so
     * with a STATUS of streaming 0 (docs/protocol.md), so the host ends
     * its recording at once rather than guessing from silence. A new START
     * is acknowledged and ends the same way. */
    if (s->started && !s->o->loop && s->dev.streaming &&
        (s->ended || scene_s(s, s->dev.next_frame_us) >= s->sc->duration_s)) {
        if (!s->ended)
            fprintf(stderr,
                    "rollmat-sim: the scene is over (%.3f s): no more frames (STATUS "
                    "streaming=0 sent)\n",
                    s->sc->duration_s);
        s->ended = 1;
        rmat_dev_end_stream(&s->dev);
    }
    wait_us = rmat_dev_poll(&s->dev);
    if (s->dev.frames_dropped != s->dropped_seen) {
        /* rmat_dev_poll scans at most one frame: the one just before seq. */
        s->dropped_seen = s->dev.frames_dropped;
        rmat_truth_ids_add(&s->dropped, s->conn, s->dev.seq - 1);
    }
    if (s->broken)
        return -1;
    wait_real_us = wait_us / s->clock_scale;
    if (rmat_dev_tx_pending(&s->dev) > 0) {
        if (stalled(s)) {
            /* Nothing leaves; scan on, so frames pile up and drop. */
            wait_real_us = frame_real_us;
            if (!s->stall_seen) {
                s->stall_seen = 1;
                s->stall_span.t_s = scene_now_s(s);
                s->stall_span.for_s = s->o->stall_for_s;
                fprintf(stderr, "rollmat-sim: fault: link stalled at %.3f s for %.3f s\n",
                        s->stall_span.t_s, s->o->stall_for_s);
            }
        } else {
            pfd.events |= POLLOUT;
            wait_real_us = MAX_WAIT_US;
        }
    }
    if (wait_real_us > MAX_WAIT_US)
        wait_real_us = MAX_WAIT_US;
    ts.tv_sec = 0;
    ts.tv_nsec = (long)(wait_real_us * 1000.0);
    if (ppoll(&pfd, 1, &ts, NULL) < 0 && errno != EINTR)
        return -1;
    if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
        const ssize_t n = rmat_simlink_read(&s->link, buf, sizeof buf);
        if (n < 0)
            return -1;
        if (n > 0) {
            s->heard = 1;
            rmat_dev_rx(&s->dev, buf, (size_t)n);
        }
    }
    return s->broken ? -1 : 0;
}

static void serve(struct sim *s, const struct rmat_dev_config *cfg,
                  const struct rmat_dev_port *port)
{
    while (!stop_requested) {
        int r;
        if (link_faults(s)) {
            poll(NULL, 0, 10);
            continue;
        }
        if (!s->connected) {
            r = rmat_simlink_wait_host(&s->link, 50);
            if (r < 0)
                poll(NULL, 0, 50);
            if (r <= 0)
                continue;
            if (host_arrived(s, cfg, port) != 0) {
                fprintf(stderr, "rollmat-sim: out of memory\n");
                return;
            }
        }
        if (serve_step(s) == 0)
            continue;
        host_left(s, "host gone");
        rmat_simlink_drop_host(&s->link);
        /* A host that never said a word (a port scanner, a probe of the
         * pty by someone else) does not end a --once session. */
        if (s->o->once && s->heard)
            return;
    }
    if (s->connected)
        host_left(s, "stopped");
}

/* --- options ----------------------------------------------------------------- */

static void usage(FILE *f)
{
    fputs("usage: rollmat-sim [options]\n"
          "The virtual mat: a physical model of a foam roller on an FSR mat, answering the\n"
          "rollmat wire protocol over TCP or a pseudo-terminal, with ground truth beside it.\n"
          "\n"
          "Link:\n"
          "  --listen HOST:PORT    TCP (default 127.0.0.1:5760; port 0 = any free port)\n"
          "  --pty PATH            a pseudo-terminal instead, with PATH a symlink to it\n"
          "                        (removed at exit); record with --device PATH\n"
          "  --url-file FILE       write the device to record from (tcp://HOST:PORT or PATH)\n"
          "  --once                exit when the first host disconnects\n"
          "\n"
          "Scene (device time is scene time; the scene starts at the first frame):\n"
          "  --scene FILE          what the roller does (docs/simulator.md); without it the\n"
          "                        built-in scene: a roller rolling back and forth\n"
          "  --loop                repeat the scene; else frames stop when it ends\n"
          "  --speed X             run X times faster than real time (default 1)\n"
          "  --rate HZ             default frame rate in INFO (default: the scene's, 100)\n"
          "  --max-rate HZ         highest rate START accepts (default 1000)\n"
          "  --serial N            serial number in INFO (default 1)\n"
          "Built-in scene only:\n"
          "  --rows N, --cols N    grid size (default 32x32, at most 8100 sensels)\n"
          "  --pitch MM            sensel pitch (default 12.7)\n"
          "  --force N             roller load in newtons (default 250)\n"
          "  --period S            one back-and-forth cycle in seconds (default 4)\n"
          "  --duration S          make it last S seconds and end (default: 600 s, repeated)\n"
          "\n"
          "Ground truth:\n"
          "  --truth-dir DIR       write DIR/truth_frames.csv (a row per frame) and\n"
          "                        DIR/truth.json (at each disconnect and at exit)\n"
          "\n"
          "Faults (times T in seconds of scene time):\n"
          "  --bit-errors RATE     flip each bit sent with probability RATE\n"
          "  --fault-seed N        seed of the bit errors (default 1)\n"
          "  --disconnect-at T --disconnect-for D\n"
          "                        pull the link at T for D s: TCP closes the connection and\n"
          "                        refuses new ones; a pty hangs up and its symlink goes away\n"
          "  --stall-at T --stall-for D\n"
          "                        send nothing from T for D s; frames scanned meanwhile are\n"
          "                        dropped by the device's queue\n"
          "  --clock-ppm P         the device clock runs P ppm fast (negative: slow)\n"
          "  -h, --help            this help\n"
          "  --version             print the version and the git commit\n",
          f);
}

static int parse_options(int argc, char **argv, struct options *o)
{
    enum {
        O_LISTEN = 256,
        O_URL,
        O_PTY,
        O_ONCE,
        O_SCENE,
        O_LOOP,
        O_SPEED,
        O_RATE,
        O_MAXRATE,
        O_SERIAL,
        O_ROWS,
        O_COLS,
        O_PITCH,
        O_FORCE,
        O_PERIOD,
        O_DURATION,
        O_TRUTH,
        O_BITERR,
        O_FSEED,
        O_DISC_AT,
        O_DISC_FOR,
        O_STALL_AT,
        O_STALL_FOR,
        O_PPM
    };
    static const struct option opts[] = {{"listen", required_argument, 0, O_LISTEN},
                                         {"url-file", required_argument, 0, O_URL},
                                         {"pty", required_argument, 0, O_PTY},
                                         {"once", no_argument, 0, O_ONCE},
                                         {"scene", required_argument, 0, O_SCENE},
                                         {"loop", no_argument, 0, O_LOOP},
                                         {"speed", required_argument, 0, O_SPEED},
                                         {"rate", required_argument, 0, O_RATE},
                                         {"max-rate", required_argument, 0, O_MAXRATE},
                                         {"serial", required_argument, 0, O_SERIAL},
                                         {"rows", required_argument, 0, O_ROWS},
                                         {"cols", required_argument, 0, O_COLS},
                                         {"pitch", required_argument, 0, O_PITCH},
                                         {"force", required_argument, 0, O_FORCE},
                                         {"period", required_argument, 0, O_PERIOD},
                                         {"duration", required_argument, 0, O_DURATION},
                                         {"truth-dir", required_argument, 0, O_TRUTH},
                                         {"bit-errors", required_argument, 0, O_BITERR},
                                         {"fault-seed", required_argument, 0, O_FSEED},
                                         {"disconnect-at", required_argument, 0, O_DISC_AT},
                                         {"disconnect-for", required_argument, 0, O_DISC_FOR},
                                         {"stall-at", required_argument, 0, O_STALL_AT},
                                         {"stall-for", required_argument, 0, O_STALL_FOR},
                                         {"clock-ppm", required_argument, 0, O_PPM},
                                         {"help", no_argument, 0, 'h'},
                                         {"version", no_argument, 0, 'V'},
                                         {0, 0, 0, 0}};
    int opt;

    memset(o, 0, sizeof *o);
    o->listen = "127.0.0.1:5760";
    o->rows = o->cols = 32;
    o->pitch_mm = 12.7;
    o->force_n = 250;
    o->period_s = 4;
    o->duration_s = DEFAULT_SCENE_S;
    o->rate_hz = 0; /* the scene's */
    o->max_rate_hz = 1000;
    o->serial = 1;
    o->speed = 1;
    o->fault_seed = 1;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        double v = 0;
        if (opt >= O_SPEED && opt != O_TRUTH) {
            char *end = NULL;
            v = strtod(optarg, &end);
            if (end == optarg || *end != '\0' || !isfinite(v)) {
                fprintf(stderr, "rollmat-sim: --%s '%s' is not a number (see --help)\n",
                        opts[opt - O_LISTEN].name, optarg);
                return 2;
            }
        }
        switch (opt) {
        case O_LISTEN:
            o->listen = optarg;
            break;
        case O_URL:
            o->url_file = optarg;
            break;
        case O_PTY:
            o->pty = optarg;
            break;
        case O_ONCE:
            o->once = 1;
            break;
        case O_SCENE:
            o->scene = optarg;
            break;
        case O_LOOP:
            o->loop = 1;
            break;
        case O_TRUTH:
            o->truth_dir = optarg;
            break;
        case O_SPEED:
            o->speed = v;
            break;
        case O_RATE:
            o->rate_hz = v;
            break;
        case O_MAXRATE:
            o->max_rate_hz = v;
            break;
        case O_SERIAL:
            o->serial = v;
            break;
        case O_ROWS:
            o->rows = v;
            o->built_in_only = 1;
            break;
        case O_COLS:
            o->cols = v;
            o->built_in_only = 1;
            break;
        case O_PITCH:
            o->pitch_mm = v;
            o->built_in_only = 1;
            break;
        case O_FORCE:
            o->force_n = v;
            o->built_in_only = 1;
            break;
        case O_PERIOD:
            o->period_s = v;
            o->built_in_only = 1;
            break;
        case O_DURATION:
            o->duration_s = v;
            o->built_in_only = o->duration_given = 1;
            break;
        case O_BITERR:
            o->bit_errors = v;
            break;
        case O_FSEED:
            o->fault_seed = v;
            break;
        case O_DISC_AT:
            o->disconnect_at_s = v;
            break;
        case O_DISC_FOR:
            o->disconnect_for_s = v;
            break;
        case O_STALL_AT:
            o->stall_at_s = v;
            break;
        case O_STALL_FOR:
            o->stall_for_s = v;
            break;
        case O_PPM:
            o->clock_ppm = v;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("rollmat-sim %s (git %s)\n", RMAT_VERSION, RMAT_GIT_REV);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "rollmat-sim: unexpected argument '%s' (see --help)\n", argv[optind]);
        return 2;
    }
    /* The built-in scene is a whole number of cycles that ends where it
     * began: it repeats seamlessly, like the endless mat of old, unless
     * given a --duration. */
    if (!o->scene && !o->duration_given)
        o->loop = 1;
    if (o->scene && o->built_in_only) {
        fprintf(stderr, "rollmat-sim: --rows, --cols, --pitch, --force, --period and --duration "
                        "shape the built-in scene; with --scene, edit the scene file\n");
        return 2;
    }
    if (!(o->speed > 0) || o->speed > 1000 || !(o->period_s > 0) || !(o->duration_s > 0) ||
        o->bit_errors < 0 || o->bit_errors >= 0.5 || o->disconnect_for_s < 0 ||
        o->stall_for_s < 0 || o->disconnect_at_s < 0 || o->stall_at_s < 0 ||
        fabs(o->clock_ppm) > 100000 || o->fault_seed < 0 || o->serial < 0 ||
        o->serial > 4294967295.0) {
        fprintf(stderr, "rollmat-sim: need 0 < --speed <= 1000, --period and --duration > 0, "
                        "0 <= --bit-errors < 0.5, fault times >= 0, |--clock-ppm| <= 100000, "
                        "0 <= --serial < 2^32\n");
        return 2;
    }
    return -1;
}

/* The scene: the file's, or the built-in one shaped by the options. */
static struct rmat_scene *load_scene(const struct options *o)
{
    struct rmat_scene *sc = NULL;
    char err[600];
    int rc;

    if (o->scene) {
        rc = rmat_scene_load(o->scene, &sc, err, sizeof err);
    } else {
        char text[2048];
        if (o->rows != floor(o->rows) || o->cols != floor(o->cols) || o->rows < 1 || o->cols < 1 ||
            o->rows > 255 || o->cols > 255 || o->rows * o->cols > RMAT_DEV_MAX_SENSELS) {
            fprintf(stderr, "rollmat-sim: grid %gx%g: rows and cols 1..255, at most %d sensels\n",
                    o->rows, o->cols, RMAT_DEV_MAX_SENSELS);
            return NULL;
        }
        /* Repeated, it must end where it began: a whole number of cycles. */
        double duration_s = o->duration_s;
        if (!o->duration_given)
            duration_s = o->period_s * fmax(1.0, floor(DEFAULT_SCENE_S / o->period_s + 0.5));
        rmat_scene_default_text(text, sizeof text, (int)o->rows, (int)o->cols, o->pitch_mm,
                                o->rate_hz > 0 ? o->rate_hz : 100, o->force_n, o->period_s,
                                duration_s);
        rc = rmat_scene_parse(text, "<built-in scene>", &sc, err, sizeof err);
    }
    if (rc != 0) {
        fprintf(stderr, "rollmat-sim: %s\n", err);
        return NULL;
    }
    return sc;
}

static int write_url_file(const char *path, const char *url)
{
    char tmp[4200];
    FILE *f;

    /* Written to a temporary name and renamed, so a reader never sees half. */
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    f = fopen(tmp, "w");
    if (!f || fprintf(f, "%s\n", url) < 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "rollmat-sim: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static struct sim s; /* large: the device core holds a frame and its buffers */
    static uint16_t counts[RMAT_DEV_MAX_SENSELS];
    static uint8_t txcopy[RMAT_DEV_TXQ_CAP];
    struct options o;
    struct rmat_scene *sc = NULL;
    struct rmat_dev_config cfg;
    struct rmat_dev_port port;
    char err[600];
    double rate;
    int rc = 1;

    rc = parse_options(argc, argv, &o);
    if (rc >= 0)
        return rc;
    rc = 1;
    sc = load_scene(&o);
    if (!sc)
        return 2;
    rate = o.rate_hz > 0 ? o.rate_hz : sc->rate_hz;
    if (rate != floor(rate) || rate < 1 || rate > o.max_rate_hz || o.max_rate_hz > 65535 ||
        o.max_rate_hz != floor(o.max_rate_hz)) {
        fprintf(stderr, "rollmat-sim: need 1 <= rate (%g) <= --max-rate (%g) <= 65535\n", rate,
                o.max_rate_hz);
        rmat_scene_free(sc);
        return 2;
    }

    s.o = &o;
    s.sc = sc;
    s.counts = counts;
    s.txcopy = txcopy;
    s.clock_scale = o.speed * (1.0 + o.clock_ppm * 1e-6);
    s.rate_scale = 1.0 + o.clock_ppm * 1e-6;
    s.link.fd = s.link.lfd = s.link.master = -1;
    rmat_sim_rng_seed(&s.frng, (uint64_t)o.fault_seed);
    if (o.bit_errors > 0)
        s.next_flip_bits = flip_gap(&s);
    if (rmat_vmat_new(sc, o.loop, &s.vm) != 0) {
        fprintf(stderr, "rollmat-sim: out of memory\n");
        goto out;
    }
    s.gains = calloc((size_t)(sc->rows * sc->cols), sizeof *s.gains);
    if (!s.gains)
        goto out;
    for (int k = 0; k < sc->rows * sc->cols; k++)
        s.gains[k] = rmat_sim_sensor_gain(rmat_vmat_sensor(s.vm), k);

    memset(&cfg, 0, sizeof cfg);
    cfg.info.rows = (uint8_t)sc->rows;
    cfg.info.cols = (uint8_t)sc->cols;
    cfg.info.adc_bits = (uint8_t)sc->sensor.adc_bits;
    cfg.info.encodings = (1u << RMAT_ENC_DENSE) | (1u << RMAT_ENC_SPARSE);
    cfg.info.pitch_x_um = (uint16_t)lround(sc->pitch_mm * 1000);
    cfg.info.pitch_y_um = cfg.info.pitch_x_um;
    cfg.info.max_rate_hz = (uint16_t)o.max_rate_hz;
    cfg.info.rate_hz = (uint16_t)rate;
    /* Catch up after up to two seconds of wall time held up (a loaded test
     * machine), whatever the speed-up, rather than skip scene time. */
    cfg.max_lag_us = (uint64_t)(2e6 * s.clock_scale);
    cfg.info.serial = (uint32_t)o.serial;
    snprintf(cfg.info.fw_version, sizeof cfg.info.fw_version, "sim-0.2.0");
    snprintf(cfg.info.model, sizeof cfg.info.model, "%s", RMAT_SIM_MODEL);
    port = (struct rmat_dev_port){.ctx = &s,
                                  .now_us = sim_now_us,
                                  .begin_frame = sim_begin_frame,
                                  .select_row = sim_select_row,
                                  .read_col = sim_read_col,
                                  .tx = sim_tx};

    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    if (o.truth_dir) {
        char path[4200];
        if (mkdir(o.truth_dir, 0755) != 0 && errno != EEXIST) {
            fprintf(stderr, "rollmat-sim: cannot make %s: %s\n", o.truth_dir, strerror(errno));
            goto out;
        }
        snprintf(path, sizeof path, "%s/truth_frames.csv", o.truth_dir);
        snprintf(s.truth_json, sizeof s.truth_json, "%s/truth.json", o.truth_dir);
        s.truth_csv = fopen(path, "w");
        if (!s.truth_csv) {
            fprintf(stderr, "rollmat-sim: cannot write %s: %s\n", path, strerror(errno));
            goto out;
        }
        fprintf(s.truth_csv, "%s\n", rmat_truth_csv_header);
    }
    if (o.pty ? rmat_simlink_open_pty(&s.link, o.pty, err, sizeof err)
              : rmat_simlink_open_tcp(&s.link, o.listen, err, sizeof err)) {
        fprintf(stderr, "rollmat-sim: %s\n", err);
        goto out;
    }
    fprintf(stderr, "rollmat-sim: %dx%d mat, scene %s (%.1f s), on %s\n", sc->rows, sc->cols,
            sc->name, sc->duration_s, s.link.url);
    if (o.url_file && write_url_file(o.url_file, s.link.url) != 0)
        goto out;

    clock_gettime(CLOCK_MONOTONIC, &s.t0);
    serve(&s, &cfg, &port);
    write_truth(&s);
    rc = 0;
out:
    rmat_simlink_close(&s.link);
    if (s.truth_csv)
        fclose(s.truth_csv);
    rmat_truth_ids_fini(&s.damaged);
    rmat_truth_ids_fini(&s.joined);
    rmat_truth_ids_fini(&s.dropped);
    free(s.conns);
    free(s.gains);
    rmat_vmat_free(s.vm);
    rmat_scene_free(sc);
    return rc;
}
