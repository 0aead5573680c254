/* rollmat-sim: the virtual mat. The device core of firmware/core, with the
 * physics of sim.c behind its port, served over TCP on loopback. */
#define _GNU_SOURCE /* ppoll */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rollmat/device.h"
#include "sim.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

struct simctx {
    struct rmat_sim_config scene;
    double speed;
    struct timespec t0;
    int fd;           /* the connected host, -1 if none */
    int broken;       /* a write to the host failed */
    FILE *truth_csv;  /* per-frame truth, or NULL */
    uint16_t *counts; /* the frame the physics computed in begin_frame */
    unsigned row;
    struct rmat_sim_truth last;
};

static uint64_t sim_now_us(void *ctx)
{
    struct simctx *s = ctx;
    struct timespec now;
    double dt;

    clock_gettime(CLOCK_MONOTONIC, &now);
    dt = (double)(now.tv_sec - s->t0.tv_sec) + (double)(now.tv_nsec - s->t0.tv_nsec) * 1e-9;
    return (uint64_t)(dt * s->speed * 1e6);
}

static void sim_begin_frame(void *ctx, uint32_t seq, uint64_t t_us)
{
    struct simctx *s = ctx;

    rmat_sim_frame(&s->scene, (double)t_us * 1e-6, s->counts, &s->last);
    if (s->truth_csv)
        fprintf(s->truth_csv, "%u,%llu,%.6f,%.4f,%.4f,%.3f,%.4f,%.4f\n", seq,
                (unsigned long long)t_us, s->last.t_s, s->last.cop_x_mm, s->last.cop_y_mm,
                s->last.force_n, s->last.half_width_mm, s->last.mean_kpa);
}

static void sim_select_row(void *ctx, unsigned row)
{
    ((struct simctx *)ctx)->row = row;
}

static uint16_t sim_read_col(void *ctx, unsigned col)
{
    const struct simctx *s = ctx;
    return s->counts[s->row * (unsigned)s->scene.cols + col];
}

/* The link: whatever the socket takes now, without waiting; the device
 * core queues the rest. A failed send means the host is gone. */
static size_t sim_tx(void *ctx, const uint8_t *buf, size_t len)
{
    struct simctx *s = ctx;
    ssize_t n;

    if (s->fd < 0 || s->broken)
        return 0;
    n = send(s->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0)
        return (size_t)n;
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        s->broken = 1;
    return 0;
}

static void usage(FILE *f)
{
    fputs("usage: rollmat-sim [options]\n"
          "The virtual mat: answers the rollmat wire protocol over TCP and streams frames\n"
          "of a foam roller rolling back and forth (Hertz line contact).\n\n"
          "  --listen HOST:PORT   where to listen (default 127.0.0.1:5760; port 0 = any free)\n"
          "  --url-file FILE      write tcp://HOST:PORT there once listening\n"
          "  --rows N, --cols N   grid size (default 32x32, at most 8100 sensels)\n"
          "  --pitch MM           sensel pitch (default 12.7)\n"
          "  --rate HZ            default frame rate reported in INFO (default 100)\n"
          "  --max-rate HZ        highest rate accepted by START (default 1000)\n"
          "  --serial N           serial number in INFO (default 1)\n"
          "  --force N            roller load in newtons (default 250)\n"
          "  --period S           one back-and-forth cycle in seconds (default 4)\n"
          "  --speed X            device time runs X times real time (default 1)\n"
          "  --truth-dir DIR      write truth_frames.csv and truth.json there\n"
          "  --once               exit when the first host disconnects\n"
          "  -h, --help           this help\n",
          f);
}

static int listen_on(const char *spec, char *url, size_t url_cap)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    struct addrinfo hints = {0}, *ai = NULL;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    int fd = -1, one = 1, rc;

    if (!colon || (size_t)(colon - spec) >= sizeof host) {
        fprintf(stderr, "rollmat-sim: --listen wants HOST:PORT, got '%s'\n", spec);
        return -1;
    }
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    rc = getaddrinfo(host, colon + 1, &hints, &ai);
    if (rc != 0) {
        fprintf(stderr, "rollmat-sim: cannot resolve '%s': %s\n", spec, gai_strerror(rc));
        return -1;
    }
    fd = socket(ai->ai_family, ai->ai_socktype, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 1) < 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
        fprintf(stderr, "rollmat-sim: cannot listen on %s: %s\n", spec, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    snprintf(url, url_cap, "tcp://%s:%u", host, ntohs(((struct sockaddr_in *)&ss)->sin_port));
    return fd;
}

static int write_url_file(const char *path, const char *url)
{
    char tmp[4096];
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

static void write_truth_json(const char *dir, const struct simctx *s, const struct rmat_dev *d,
                             double rate_hz)
{
    char path[4096];
    FILE *f;
    const struct rmat_sim_config *c = &s->scene;

    snprintf(path, sizeof path, "%s/truth.json", dir);
    f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "rollmat-sim: cannot write %s: %s\n", path, strerror(errno));
        return;
    }
    fprintf(f,
            "{\n  \"frames_sent\": %u,\n  \"frames_dropped\": %u,\n  \"rows\": %d,\n"
            "  \"cols\": %d,\n  \"pitch_mm\": %.4f,\n  \"rate_hz\": %.3f,\n  \"force_n\": %.3f,\n"
            "  \"radius_mm\": %.3f,\n  \"length_mm\": %.3f,\n  \"estar_kpa\": %.3f,\n"
            "  \"half_width_mm\": %.4f,\n  \"mean_kpa\": %.4f,\n  \"x_centre_mm\": %.4f,\n"
            "  \"y_mid_mm\": %.4f,\n  \"amplitude_mm\": %.4f,\n  \"period_s\": %.4f,\n"
            "  \"counts_per_kpa\": %.4f\n}\n",
            d->frames_sent, d->frames_dropped, c->rows, c->cols, c->pitch_mm, rate_hz, c->force_n,
            c->radius_mm, c->length_mm, c->estar_kpa, s->last.half_width_mm, s->last.mean_kpa,
            c->x_centre_mm, c->y_mid_mm, c->amplitude_mm, c->period_s, c->counts_per_kpa);
    fclose(f);
}

/* Serves one connected host until it goes away or a stop is requested. */
static void serve(struct simctx *s, struct rmat_dev *d)
{
    uint8_t buf[4096];

    rmat_dev_send_info(d); /* what a mat does at power-up */
    while (!stop_requested && !s->broken) {
        uint32_t wait_us = rmat_dev_poll(d);
        struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
        struct timespec ts;

        /* Bytes wait for the link: wake when the socket can take more. */
        if (rmat_dev_tx_pending(d) > 0) {
            pfd.events |= POLLOUT;
            wait_us = 50000;
        }
        int r;

        if (s->broken)
            break;
        if (wait_us > 50000)
            wait_us = 50000; /* look at the stop flag now and then */
        ts.tv_sec = 0;
        ts.tv_nsec = (long)(wait_us / s->speed) * 1000L;
        r = ppoll(&pfd, 1, &ts, NULL);
        if (r < 0 && errno != EINTR)
            break;
        if (r > 0 && (pfd.revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t n = recv(s->fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
                break; /* the host went away */
            if (n > 0)
                rmat_dev_rx(d, buf, (size_t)n);
        }
    }
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"listen", required_argument, 0, 'l'},
                                         {"url-file", required_argument, 0, 'u'},
                                         {"rows", required_argument, 0, 'r'},
                                         {"cols", required_argument, 0, 'c'},
                                         {"pitch", required_argument, 0, 'p'},
                                         {"rate", required_argument, 0, 'R'},
                                         {"max-rate", required_argument, 0, 'M'},
                                         {"serial", required_argument, 0, 's'},
                                         {"force", required_argument, 0, 'F'},
                                         {"period", required_argument, 0, 'P'},
                                         {"speed", required_argument, 0, 'x'},
                                         {"truth-dir", required_argument, 0, 't'},
                                         {"once", no_argument, 0, 'o'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *listen_spec = "127.0.0.1:5760", *url_file = NULL, *truth_dir = NULL;
    static struct rmat_dev dev; /* large: one frame and its buffers */
    static uint16_t counts[RMAT_DEV_MAX_SENSELS];
    struct rmat_dev_config cfg;
    struct simctx s;
    struct rmat_dev_port port;
    char url[300], why[200];
    long rate = 100, max_rate = 1000, serial = 1;
    int once = 0, lfd, opt;

    memset(&s, 0, sizeof s);
    rmat_sim_config_default(&s.scene);
    s.speed = 1.0;
    s.fd = -1;
    s.counts = counts;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        char *end = NULL;
        double v = optarg ? strtod(optarg, &end) : 0;
        if (optarg && strchr("rcpRMsFPx", opt) && (end == optarg || *end != '\0' || !isfinite(v))) {
            fprintf(stderr, "rollmat-sim: '%s' is not a number (see --help)\n", optarg);
            return 2;
        }
        switch (opt) {
        case 'l':
            listen_spec = optarg;
            break;
        case 'u':
            url_file = optarg;
            break;
        case 'r':
            s.scene.rows = (int)v;
            break;
        case 'c':
            s.scene.cols = (int)v;
            break;
        case 'p':
            s.scene.pitch_mm = v;
            break;
        case 'R':
            rate = (long)v;
            break;
        case 'M':
            max_rate = (long)v;
            break;
        case 's':
            serial = (long)v;
            break;
        case 'F':
            s.scene.force_n = v;
            break;
        case 'P':
            s.scene.period_s = v;
            break;
        case 'x':
            s.speed = v;
            break;
        case 't':
            truth_dir = optarg;
            break;
        case 'o':
            once = 1;
            break;
        case 'h':
            usage(stdout);
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
    /* Keep the stroke on the grid whatever its size: centre the roller and
     * scale the stroke to the grid unless the defaults fit. */
    s.scene.x_centre_mm = 0.5 * s.scene.cols * s.scene.pitch_mm;
    s.scene.y_mid_mm = 0.5 * s.scene.rows * s.scene.pitch_mm;
    if (s.scene.length_mm > s.scene.cols * s.scene.pitch_mm)
        s.scene.length_mm = s.scene.cols * s.scene.pitch_mm;
    if (s.scene.amplitude_mm > 0.3 * s.scene.rows * s.scene.pitch_mm)
        s.scene.amplitude_mm = 0.3 * s.scene.rows * s.scene.pitch_mm;
    if (rmat_sim_config_check(&s.scene, why, (int)sizeof why) != 0) {
        fprintf(stderr, "rollmat-sim: %s\n", why);
        return 2;
    }
    if (rate < 1 || rate > 65535 || max_rate < rate || max_rate > 65535 || serial < 0 ||
        serial > 0xFFFFFFFFL || !(s.speed > 0)) {
        fprintf(stderr, "rollmat-sim: need 1 <= --rate <= --max-rate <= 65535, --serial >= 0 and"
                        " --speed > 0\n");
        return 2;
    }

    memset(&cfg, 0, sizeof cfg);
    cfg.info.rows = (uint8_t)s.scene.rows;
    cfg.info.cols = (uint8_t)s.scene.cols;
    cfg.info.adc_bits = (uint8_t)s.scene.adc_bits;
    cfg.info.encodings = (1u << RMAT_ENC_DENSE) | (1u << RMAT_ENC_SPARSE);
    cfg.info.pitch_x_um = (uint16_t)lround(s.scene.pitch_mm * 1000);
    cfg.info.pitch_y_um = cfg.info.pitch_x_um;
    cfg.info.max_rate_hz = (uint16_t)max_rate;
    cfg.info.rate_hz = (uint16_t)rate;
    cfg.info.serial = (uint32_t)serial;
    snprintf(cfg.info.fw_version, sizeof cfg.info.fw_version, "sim-0.1.0");
    snprintf(cfg.info.model, sizeof cfg.info.model, "rollmat virtual mat");

    port = (struct rmat_dev_port){.ctx = &s,
                                  .now_us = sim_now_us,
                                  .begin_frame = sim_begin_frame,
                                  .select_row = sim_select_row,
                                  .read_col = sim_read_col,
                                  .tx = sim_tx};

    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    if (truth_dir) {
        char path[4096];
        mkdir(truth_dir, 0755);
        snprintf(path, sizeof path, "%s/truth_frames.csv", truth_dir);
        s.truth_csv = fopen(path, "w");
        if (!s.truth_csv) {
            fprintf(stderr, "rollmat-sim: cannot write %s: %s\n", path, strerror(errno));
            return 1;
        }
        fputs("seq,t_us,t_s,cop_x_mm,cop_y_mm,force_n,half_width_mm,mean_kpa\n", s.truth_csv);
    }
    lfd = listen_on(listen_spec, url, sizeof url);
    if (lfd < 0)
        return 1;
    fprintf(stderr, "rollmat-sim: %dx%d mat listening on %s\n", s.scene.rows, s.scene.cols, url);
    if (url_file && write_url_file(url_file, url) != 0)
        return 1;

    clock_gettime(CLOCK_MONOTONIC, &s.t0);
    rmat_dev_init(&dev, &cfg, &port);
    while (!stop_requested) {
        struct pollfd pfd = {.fd = lfd, .events = POLLIN};
        int one = 1;
        if (poll(&pfd, 1, 200) <= 0)
            continue;
        s.fd = accept(lfd, NULL, NULL);
        if (s.fd < 0)
            continue;
        setsockopt(s.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        s.broken = 0;
        fprintf(stderr, "rollmat-sim: host connected\n");
        rmat_dev_init(&dev, &cfg, &port); /* each connection meets a freshly powered mat */
        serve(&s, &dev);
        close(s.fd);
        s.fd = -1;
        fprintf(stderr, "rollmat-sim: host gone; %u frames sent, %u dropped\n", dev.frames_sent,
                dev.frames_dropped);
        if (s.truth_csv)
            fflush(s.truth_csv);
        if (truth_dir)
            write_truth_json(truth_dir, &s, &dev, dev.rate_hz);
        if (once)
            break;
    }
    close(lfd);
    if (s.truth_csv)
        fclose(s.truth_csv);
    return 0;
}
