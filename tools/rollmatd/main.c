/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmatd: the acquisition daemon. A thin main over rmat_daemon_run(),
 * and the observer that gives `status` the force on the mat in newtons:
 * the daemon (acq) may not compute metrics, the program may, with the
 * analysis's own per-frame functions (metrics.h), so `status` and a
 * report agree on what a newton is; and the live view in the browser
 * (live.h, web.h), chained after it on the same observer. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rmat_gitrev.h"
#include "rollmat/analyze.h"
#include "rollmat/calib.h"
#include "rollmat/daemon.h"
#include "rollmat/live.h"
#include "rollmat/recording.h"
#include "rollmat/metrics.h"
#include "rollmat/version.h"
#include "rollmat/web.h"
#include "rollmat/wire.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void log_stderr(void *ctx, enum rmat_log_level level, const char *msg)
{
    static const char *const names[] = {"error: ", "warning: ", "", ""};
    if (level == RMAT_LOG_DEBUG && !*(const int *)ctx)
        return;
    fprintf(stderr, "rollmatd: %s%s\n", names[level], msg);
}

/* --- the force on the mat, for status ----------------------------------- */

/* The latest frame and what turns its counts into kPa. on_frame only
 * copies the frame (a memcpy between reads); the metrics are computed when
 * status asks, on that frame. */
struct live_force {
    int calibrated;
    struct rmat_grid grid;
    size_t sensels;
    double *lut;  /* kPa per count, 2^adc_bits entries */
    float *gains; /* a copy: the daemon's calibration may be replaced */
    struct rmat_counts_scale sc;
    uint16_t *frame;
    double *p;
    uint8_t live[RMAT_SCAN_MAX_ROWS];
    int have_frame;
};

static void live_force_reset(struct live_force *lf)
{
    free(lf->lut);
    free(lf->gains);
    free(lf->frame);
    free(lf->p);
    memset(lf, 0, sizeof *lf);
}

static void live_on_connect(void *ctx, const struct rmat_info *info, const struct rmat_calib *calib)
{
    struct live_force *lf = ctx;
    struct rmat_analysis_params params;
    const int bits = info->adc_bits >= 1 && info->adc_bits <= 16 ? info->adc_bits : 16;
    int n;

    live_force_reset(lf);
    if (!calib)
        return; /* no newtons without one: status says load_counts */
    lf->grid = (struct rmat_grid){info->rows, info->cols, info->pitch_x_um / 1000.0,
                                  info->pitch_y_um / 1000.0};
    lf->sensels = (size_t)info->rows * info->cols;
    lf->lut = malloc(((size_t)1 << bits) * sizeof *lf->lut);
    lf->frame = malloc(lf->sensels * sizeof *lf->frame);
    lf->p = malloc(lf->sensels * sizeof *lf->p);
    if (calib->gains) {
        lf->gains = malloc(lf->sensels * sizeof *lf->gains);
        if (lf->gains)
            memcpy(lf->gains, calib->gains, lf->sensels * sizeof *lf->gains);
    }
    if (!lf->lut || !lf->frame || !lf->p || (calib->gains && !lf->gains) || info->rows < 1 ||
        info->cols < 1 || lf->grid.pitch_x_mm <= 0 || lf->grid.pitch_y_mm <= 0) {
        live_force_reset(lf);
        return;
    }
    /* Contact as the analysis counts it: its default threshold. */
    rmat_analysis_params_init(&params);
    n = rmat_calib_lut(calib, bits, lf->lut);
    if (n < 1 || rmat_counts_scale_init(&lf->sc, lf->lut, (uint16_t)(n - 1), lf->gains, lf->sensels,
                                        params.contact_threshold_kpa) != RMAT_OK) {
        live_force_reset(lf);
        return;
    }
    lf->calibrated = 1;
}

static void live_on_frame(void *ctx, const struct rmat_frame_hdr *hdr, const uint16_t *samples)
{
    struct live_force *lf = ctx;

    if (!lf->calibrated || hdr->rows != lf->grid.rows || hdr->cols != lf->grid.cols)
        return;
    memcpy(lf->frame, samples, lf->sensels * sizeof *samples);
    lf->have_frame = 1;
}

static void live_status(void *ctx, char *buf, size_t cap)
{
    struct live_force *lf = ctx;
    struct rmat_counts_scan scan;
    struct rmat_frame_metrics m;

    if (!lf->calibrated || !lf->have_frame || cap == 0)
        return;
    rmat_counts_scan(&lf->sc, lf->frame, lf->grid.rows, lf->grid.cols, NULL, lf->live, &scan);
    rmat_frame_metrics_from_counts(&lf->grid, lf->frame, &lf->sc, lf->live, &scan, lf->p, &m);
    snprintf(buf, cap, " force_n=%.1f", m.force_n);
}

/* --- the live view, chained after the force ---------------------------- */

/* rollmatd's observers, called in turn: the force for status, then the
 * live view (live.h), whose acquisition side only copies the frame into
 * its ring. */
struct observers {
    struct live_force *force;
    struct rmat_live *live;
    struct rmat_web *web;
};

static void obs_connect(void *ctx, const struct rmat_info *info, const struct rmat_calib *calib)
{
    struct observers *o = ctx;
    live_on_connect(o->force, info, calib);
    if (o->live)
        rmat_live_on_connect(o->live, info, calib);
}

static void obs_frame(void *ctx, const struct rmat_frame_hdr *hdr, const uint16_t *samples)
{
    struct observers *o = ctx;
    live_on_frame(o->force, hdr, samples);
    if (o->live)
        rmat_live_on_frame(o->live, hdr, samples);
}

static void obs_status(void *ctx, char *buf, size_t cap)
{
    struct observers *o = ctx;
    live_status(o->force, buf, cap);
    if (o->live && o->web) {
        struct rmat_live_stats ls;
        struct rmat_web_stats ws;
        const size_t n = strlen(buf);
        if (n + 1 >= cap)
            return;
        rmat_live_stats(o->live, &ls);
        rmat_web_stats(o->web, &ws);
        snprintf(buf + n, cap - n,
                 " live_port=%u live_connections=%llu live_streams=%llu live_dropped=%llu "
                 "live_missed=%llu",
                 rmat_web_port(o->web), (unsigned long long)ws.connections,
                 (unsigned long long)ws.streams, (unsigned long long)ls.frames_dropped,
                 (unsigned long long)ws.snapshots_missed);
    }
}

static int live_action(void *ctx, const char *name, const char *const *keys,
                       const char *const *values, size_t n, char *reply, size_t cap)
{
    struct observers *o = ctx;
    return rmat_live_action(o->live, name, keys, values, n, reply, cap);
}

/* Starts the live view and its server (rollmatd goes on without them if
 * the port is taken: recording matters more than watching). Returns 0, or
 * 1 for an error that stops rollmatd (a bad token file). */
static int live_start(struct observers *o, struct rmat_live_hub **hub,
                      const struct rmat_live_targets *targets, const char *socket_path,
                      const char *addr, unsigned port, int listen_given, const char *token_file,
                      const char *url_file, const struct rmat_log *log)
{
    struct rmat_live_config lc;
    struct rmat_web_config wc;
    struct rmat_errinfo ei;
    char token[160] = "", url[300];

    if (token_file) {
        if (rmat_web_token_load(token_file, token, sizeof token, &ei) != RMAT_OK) {
            fprintf(stderr, "rollmatd: error: --http-token-file %s\n", ei.msg);
            return 1;
        }
    } else if (listen_given && !rmat_web_is_loopback(addr) &&
               rmat_web_token_new(token, sizeof token, &ei) != RMAT_OK) {
        fprintf(stderr, "rollmatd: error: %s\n", ei.msg);
        return 1;
    }
    rmat_live_config_init(&lc);
    lc.targets = targets;
    lc.ctl_socket = socket_path;
    lc.log = log;
    if (rmat_live_hub_new(hub) != RMAT_OK || rmat_live_new(&lc, *hub, &o->live, &ei) != RMAT_OK) {
        fprintf(stderr, "rollmatd: warning: no live view: %s\n", *hub ? ei.msg : "no memory");
        return 0;
    }
    rmat_web_config_init(&wc);
    wc.address = addr;
    wc.port = port;
    wc.token = token[0] ? token : NULL;
    wc.mode = "live";
    wc.action = live_action;
    wc.ctx = o;
    wc.log = log;
    if (rmat_web_start(&wc, *hub, &o->web, &ei) != RMAT_OK) {
        fprintf(stderr, "rollmatd: warning: no live view: %s\n", ei.msg);
        rmat_live_free(o->live);
        o->live = NULL;
        return 0;
    }
    rmat_web_url(o->web, 1, url, sizeof url);
    fprintf(stderr, "rollmatd: live view at %s\n", url);
    if (url_file) {
        char tmp[4200];
        FILE *f;
        snprintf(tmp, sizeof tmp, "%s.tmp", url_file);
        f = fopen(tmp, "w");
        if (!f) {
            fprintf(stderr, "rollmatd: warning: cannot write %s\n", url_file);
            return 0;
        }
        fputs(url, f);
        if (fclose(f) != 0 || rename(tmp, url_file) != 0)
            fprintf(stderr, "rollmatd: warning: cannot write %s\n", url_file);
    }
    return 0;
}

/* --- options ------------------------------------------------------------- */

static void usage(FILE *f)
{
    fputs("usage: rollmatd --device DEV [options]\n\n"
          "Keeps a mat connected and records sessions on command (rollmat record start,\n"
          "rollmat mark, rollmat record stop, rollmat status). Each recording gets the\n"
          "mat's calibration, found by its serial number when it connects.\n\n"
          "  -d, --device DEV        serial port (/dev/ttyACM0) or tcp://HOST:PORT\n"
          "  -D, --dir DIR           recordings folder (default: current folder); made if\n"
          "                          missing, and checked to be writable at start\n"
          "  -s, --socket PATH       control socket (default $XDG_RUNTIME_DIR/rollmat/\n"
          "                          rollmatd.sock, or /run/rollmat/rollmatd.sock)\n"
          "      --calibration-dir DIR\n"
          "                          the mats' calibrations, DIR/mat-SERIAL.cal (default\n"
          "                          " RMAT_CALIB_DEFAULT_DIR "; rollmat calibrate --mat-dir DIR)\n"
          "      --calibration FILE  one calibration for whatever mat connects (its gains\n"
          "                          must fit the mat's grid: said at connect otherwise)\n"
          "      --compression C     how the frames are stored: deflate (the default,\n"
          "                          level 1, about 5x smaller), deflate:N (N 1-9), none\n"
          "      --rate HZ           frame rate (default: the mat's own)\n"
          "      --baud N            serial baud rate (default 3000000)\n"
          "      --dense             ask the mat for dense frames only\n"
          "      --reconnect-wait S  keep a recording open this long for a mat that went\n"
          "                          away (default 60)\n"
          "      --control-idle S    close a control connection silent this long\n"
          "                          (default 30; 0: never)\n"
          "  -v, --verbose           more messages (each try to reach a mat that is away)\n"
          "      --version           print the version and the git commit\n\n"
          "The live view (docs/live.md), in a browser:\n"
          "      --http PORT         its port on 127.0.0.1 (default 8470; 0: any free one)\n"
          "      --http-listen A:P   listen on address A, port P (beyond this machine: a\n"
          "                          token is made and printed, or --http-token-file)\n"
          "      --http-token-file F the token: the first line of F\n"
          "      --http-url-file F   write the page's address to F once serving\n"
          "      --no-http           no live view\n"
          "      --hold-band LO-HI   the hold target, seconds (default 30-45)\n"
          "      --cadence-band LO-HI  cycles a minute (default 15-40)\n"
          "      --pressure-zone LO-HI mean pressure target in kPa (default: none)\n"
          "      --scale-max KPA     top of the colour scale (default 150)\n\n"
          "Exit status: 0 stopped (SIGTERM, SIGINT), 1 could not start (the recordings\n"
          "folder, the socket, the calibration), 2 wrong usage.\n\n"
          "Example:\n"
          "  rollmatd --device /dev/serial/by-id/usb-rollmat_mat_1234-if00 \\\n"
          "      --dir /var/lib/rollmat/recordings --calibration-dir /var/lib/rollmat/mats\n"
          "  then open http://127.0.0.1:8470/ on the same machine\n",
          f);
}

/* A usage mistake: one line, where to look, exit status 2. */
static int bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad_usage(const char *fmt, ...)
{
    va_list ap;

    fputs("rollmatd: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (see `rollmatd --help`)\n", stderr);
    return 2;
}

static int number(const char *opt, const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v) || v < lo || v > hi) {
        fprintf(stderr,
                "rollmatd: error: %s wants a number from %g to %g, got '%s' (see `rollmatd "
                "--help`)\n",
                opt, lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    enum {
        O_RATE = 256,
        O_BAUD,
        O_WAIT,
        O_DENSE,
        O_CALIB,
        O_CALIB_DIR,
        O_COMPRESSION,
        O_HTTP,
        O_LISTEN,
        O_TOKEN,
        O_URLFILE,
        O_NOHTTP,
        O_HOLD,
        O_CAD,
        O_ZONE,
        O_SCALE,
        O_IDLE
    };
    static const struct option opts[] = {{"device", required_argument, 0, 'd'},
                                         {"dir", required_argument, 0, 'D'},
                                         {"socket", required_argument, 0, 's'},
                                         {"rate", required_argument, 0, O_RATE},
                                         {"baud", required_argument, 0, O_BAUD},
                                         {"reconnect-wait", required_argument, 0, O_WAIT},
                                         {"control-idle", required_argument, 0, O_IDLE},
                                         {"dense", no_argument, 0, O_DENSE},
                                         {"calibration", required_argument, 0, O_CALIB},
                                         {"calibration-dir", required_argument, 0, O_CALIB_DIR},
                                         {"compression", required_argument, 0, O_COMPRESSION},
                                         {"http", required_argument, 0, O_HTTP},
                                         {"http-listen", required_argument, 0, O_LISTEN},
                                         {"http-token-file", required_argument, 0, O_TOKEN},
                                         {"http-url-file", required_argument, 0, O_URLFILE},
                                         {"no-http", no_argument, 0, O_NOHTTP},
                                         {"hold-band", required_argument, 0, O_HOLD},
                                         {"cadence-band", required_argument, 0, O_CAD},
                                         {"pressure-zone", required_argument, 0, O_ZONE},
                                         {"scale-max", required_argument, 0, O_SCALE},
                                         {"verbose", no_argument, 0, 'v'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    static struct live_force live;
    struct observers obs = {&live, NULL, NULL};
    const struct rmat_daemon_observer observer = {
        .ctx = &obs, .on_connect = obs_connect, .on_frame = obs_frame, .status = obs_status};
    struct rmat_live_targets targets;
    struct rmat_live_hub *hub = NULL;
    char http_addr[64] = "127.0.0.1";
    const char *token_file = NULL, *url_file = NULL;
    unsigned http_port = RMAT_WEB_DEFAULT_PORT;
    int http = 1, listen_given = 0;
    struct rmat_daemon_config cfg;
    struct rmat_errinfo ei;
    char sock[512];
    const char *calib_dir = NULL;
    int verbose = 0, opt, rc;
    struct rmat_log log = {log_stderr, &verbose};
    double v;

    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("rollmatd %s (git %s)\n", RMAT_VERSION, RMAT_GIT_REV);
        return 0;
    }
    rmat_live_targets_init(&targets);
    rmat_daemon_config_init(&cfg);
    rmat_ctl_default_socket(sock, sizeof sock);
    cfg.socket_path = sock;
    cfg.log = &log;
    cfg.stop = &stop_requested;
    cfg.observer = &observer;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":d:D:s:vh", opts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            cfg.device = optarg;
            break;
        case 'D':
            cfg.recordings_dir = optarg;
            break;
        case 's':
            cfg.socket_path = optarg;
            break;
        case O_RATE:
            if (number("--rate", optarg, 1, 65535, &v))
                return 2;
            cfg.rate_hz = (uint16_t)v;
            break;
        case O_BAUD:
            if (number("--baud", optarg, 300, 1e8, &v))
                return 2;
            cfg.baud = (unsigned)v;
            break;
        case O_WAIT:
            if (number("--reconnect-wait", optarg, 0, 86400, &cfg.reconnect_wait_s))
                return 2;
            break;
        case O_IDLE:
            if (number("--control-idle", optarg, 0, 86400, &cfg.ctl_idle_s))
                return 2;
            break;
        case O_DENSE:
            cfg.dense_only = 1;
            break;
        case O_CALIB:
            cfg.calib_file = optarg;
            break;
        case O_CALIB_DIR:
            calib_dir = optarg;
            break;
        case O_COMPRESSION:
            if (rmat_rec_compression_parse(optarg, &cfg.deflate, &ei) != RMAT_OK)
                return bad_usage("--compression: %s", ei.msg);
            break;
        case O_HTTP:
            if (number("--http", optarg, 0, 65535, &v))
                return 2;
            http_port = (unsigned)v;
            break;
        case O_LISTEN:
            if (rmat_web_parse_listen(optarg, http_addr, sizeof http_addr, &http_port, &ei) !=
                RMAT_OK)
                return bad_usage("--http-listen: %s", ei.msg);
            listen_given = 1;
            break;
        case O_TOKEN:
            token_file = optarg;
            break;
        case O_URLFILE:
            url_file = optarg;
            break;
        case O_NOHTTP:
            http = 0;
            break;
        case O_HOLD:
            if (rmat_live_band_parse(optarg, &targets.hold_lo_s, &targets.hold_hi_s) != 0)
                return bad_usage("--hold-band wants LO-HI in seconds (e.g. 30-45), got '%s'",
                                 optarg);
            break;
        case O_CAD:
            if (rmat_live_band_parse(optarg, &targets.cadence_lo_cpm, &targets.cadence_hi_cpm) != 0)
                return bad_usage("--cadence-band wants LO-HI in cycles a minute (e.g. 15-40), "
                                 "got '%s'",
                                 optarg);
            break;
        case O_ZONE:
            if (rmat_live_band_parse(optarg, &targets.zone_lo_kpa, &targets.zone_hi_kpa) != 0)
                return bad_usage("--pressure-zone wants LO-HI in kPa (e.g. 20-40), got '%s'",
                                 optarg);
            break;
        case O_SCALE:
            if (number("--scale-max", optarg, 1, 100000, &targets.scale_max_kpa))
                return 2;
            break;
        case 'v':
            verbose = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case ':':
            return bad_usage("option %s needs a value", argv[optind - 1]);
        default:
            return bad_usage("unknown option %s", argv[optind - 1]);
        }
    }
    if (optind != argc)
        return bad_usage("unexpected argument '%s'", argv[optind]);
    if (!cfg.device)
        return bad_usage("need --device, the mat's serial port or tcp://HOST:PORT");
    if (cfg.calib_file && calib_dir)
        return bad_usage("--calibration and --calibration-dir do not go together: one file for "
                         "whatever mat, or each mat's own");
    /* Whatever can be checked before a mat connects is checked now: a
     * calibration that does not parse, a folder that is not there. */
    if (cfg.calib_file) {
        struct rmat_calib *c = NULL;
        if (rmat_calib_load(cfg.calib_file, &c, &ei) != RMAT_OK) {
            fprintf(stderr, "rollmatd: error: --calibration %s\n", ei.msg);
            return 1;
        }
        rmat_calib_free(c);
        cfg.calib_dir = NULL;
    } else if (calib_dir) {
        struct stat st;
        if (stat(calib_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
            fprintf(stderr,
                    "rollmatd: error: --calibration-dir %s: %s (make it, and put each mat's "
                    "calibration there with rollmat calibrate --mat-dir %s)\n",
                    calib_dir, errno == ENOENT ? "no such folder" : "not a folder", calib_dir);
            return 1;
        }
        cfg.calib_dir = calib_dir;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN); /* a file-size limit is a full disk: an error, not a death */
    if (http && live_start(&obs, &hub, &targets, cfg.socket_path, http_addr, http_port,
                           listen_given, token_file, url_file, &log) != 0)
        return 1;
    rc = rmat_daemon_run(&cfg, &ei);
    /* The server first: its threads read the hub and call the live view. */
    rmat_web_stop(obs.web);
    rmat_live_free(obs.live);
    rmat_live_hub_free(hub);
    live_force_reset(&live);
    if (rc != RMAT_OK) {
        fprintf(stderr, "rollmatd: error: %s\n", ei.msg);
        return 1;
    }
    return 0;
}
