/* rollmatd: the acquisition daemon. A thin main over rmat_daemon_run(),
 * with the live view (live.h, web.h) hung off the daemon's observer: the
 * acquisition thread only copies each frame into the view's ring. */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollmat/daemon.h"
#include "rollmat/live.h"
#include "rollmat/web.h"

/* The observers rollmatd installs, called in turn. */
struct observers {
    struct rmat_live *live;
    struct rmat_web *web;
};

static void obs_connect(void *ctx, const struct rmat_info *info, const struct rmat_calib *calib)
{
    struct observers *o = ctx;
    if (o->live)
        rmat_live_on_connect(o->live, info, calib);
}

static void obs_frame(void *ctx, const struct rmat_frame_hdr *hdr, const uint16_t *samples)
{
    struct observers *o = ctx;
    if (o->live)
        rmat_live_on_frame(o->live, hdr, samples);
}

static void obs_status(void *ctx, char *buf, size_t cap)
{
    struct observers *o = ctx;
    if (o->live && o->web) {
        struct rmat_live_stats ls;
        struct rmat_web_stats ws;
        const size_t n = strlen(buf);
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

static int live_action(void *ctx, const char *name, const char *const *keys,
                       const char *const *values, size_t n, char *reply, size_t cap)
{
    struct observers *o = ctx;
    return rmat_live_action(o->live, name, keys, values, n, reply, cap);
}

static void usage(FILE *f)
{
    fputs("usage: rollmatd --device DEV [options]\n\n"
          "Keeps a mat connected and records sessions on command (rollmat record start,\n"
          "rollmat mark, rollmat record stop, rollmat status).\n\n"
          "  -d, --device DEV        serial port (/dev/ttyACM0) or tcp://HOST:PORT\n"
          "  -D, --dir DIR           recordings folder (default: current folder)\n"
          "  -s, --socket PATH       control socket (default $XDG_RUNTIME_DIR/rollmat/\n"
          "                          rollmatd.sock, or /run/rollmat/rollmatd.sock)\n"
          "      --rate HZ           frame rate (default: the mat's own)\n"
          "      --baud N            serial baud rate (default 3000000)\n"
          "      --dense             ask the mat for dense frames only\n"
          "      --reconnect-wait S  keep a recording open this long for a mat that went\n"
          "                          away (default 60)\n"
          "  -v, --verbose           more messages\n\n"
          "The live view (docs/live.md), in a browser on this machine:\n"
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
          "Example:\n"
          "  rollmatd --device /dev/rollmat0 --dir /var/lib/rollmat/recordings --http 8470\n",
          f);
}

static int number(const char *opt, const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v) || v < lo || v > hi) {
        fprintf(stderr, "rollmatd: %s wants a number from %g to %g, got '%s'\n", opt, lo, hi, s);
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
        O_HTTP,
        O_LISTEN,
        O_TOKEN,
        O_URLFILE,
        O_NOHTTP,
        O_HOLD,
        O_CAD,
        O_ZONE,
        O_SCALE
    };
    static const struct option opts[] = {{"device", required_argument, 0, 'd'},
                                         {"dir", required_argument, 0, 'D'},
                                         {"socket", required_argument, 0, 's'},
                                         {"rate", required_argument, 0, O_RATE},
                                         {"baud", required_argument, 0, O_BAUD},
                                         {"reconnect-wait", required_argument, 0, O_WAIT},
                                         {"dense", no_argument, 0, O_DENSE},
                                         {"verbose", no_argument, 0, 'v'},
                                         {"http", required_argument, 0, O_HTTP},
                                         {"http-listen", required_argument, 0, O_LISTEN},
                                         {"http-token-file", required_argument, 0, O_TOKEN},
                                         {"http-url-file", required_argument, 0, O_URLFILE},
                                         {"no-http", no_argument, 0, O_NOHTTP},
                                         {"hold-band", required_argument, 0, O_HOLD},
                                         {"cadence-band", required_argument, 0, O_CAD},
                                         {"pressure-zone", required_argument, 0, O_ZONE},
                                         {"scale-max", required_argument, 0, O_SCALE},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    struct rmat_daemon_config cfg;
    struct rmat_errinfo ei;
    char sock[512];
    int verbose = 0, opt;
    struct rmat_log log = {log_stderr, &verbose};
    double v;
    struct rmat_live_targets targets;
    struct rmat_live_config lc;
    struct rmat_web_config wc;
    struct rmat_live_hub *hub = NULL;
    struct observers obs = {NULL, NULL};
    struct rmat_daemon_observer observer = {&obs, obs_connect, obs_frame, obs_status};
    char http_addr[64] = "127.0.0.1", token[160] = "", url[300];
    const char *token_file = NULL, *url_file = NULL;
    unsigned http_port = RMAT_WEB_DEFAULT_PORT;
    int http = 1, listen_given = 0, rc = 0;

    rmat_live_targets_init(&targets);
    rmat_daemon_config_init(&cfg);
    rmat_ctl_default_socket(sock, sizeof sock);
    cfg.socket_path = sock;
    cfg.log = &log;
    cfg.stop = &stop_requested;
    while ((opt = getopt_long(argc, argv, "d:D:s:vh", opts, NULL)) != -1) {
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
        case O_DENSE:
            cfg.dense_only = 1;
            break;
        case O_HTTP:
            if (number("--http", optarg, 0, 65535, &v))
                return 2;
            http_port = (unsigned)v;
            break;
        case O_LISTEN:
            if (rmat_web_parse_listen(optarg, http_addr, sizeof http_addr, &http_port, &ei) !=
                RMAT_OK) {
                fprintf(stderr, "rollmatd: --http-listen: %s\n", ei.msg);
                return 2;
            }
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
        case O_CAD:
        case O_ZONE: {
            double *lo = opt == O_HOLD  ? &targets.hold_lo_s
                         : opt == O_CAD ? &targets.cadence_lo_cpm
                                        : &targets.zone_lo_kpa;
            double *hi = opt == O_HOLD  ? &targets.hold_hi_s
                         : opt == O_CAD ? &targets.cadence_hi_cpm
                                        : &targets.zone_hi_kpa;
            if (rmat_live_band_parse(optarg, lo, hi) != 0) {
                fprintf(stderr, "rollmatd: %s wants LO-HI (two numbers, e.g. 30-45), got '%s'\n",
                        opt == O_HOLD  ? "--hold-band"
                        : opt == O_CAD ? "--cadence-band"
                                       : "--pressure-zone",
                        optarg);
                return 2;
            }
            break;
        }
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
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!cfg.device || optind != argc) {
        fprintf(stderr, "rollmatd: need --device and no other arguments (see --help)\n");
        return 2;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN); /* a file-size limit is a full disk: an error, not a death */
    if (http) {
        if (token_file) {
            if (rmat_web_token_load(token_file, token, sizeof token, &ei) != RMAT_OK) {
                fprintf(stderr, "rollmatd: error: %s\n", ei.msg);
                return 2;
            }
        } else if (listen_given && !rmat_web_is_loopback(http_addr) &&
                   rmat_web_token_new(token, sizeof token, &ei) != RMAT_OK) {
            fprintf(stderr, "rollmatd: error: %s\n", ei.msg);
            return 1;
        }
        rmat_live_config_init(&lc);
        lc.targets = &targets;
        lc.ctl_socket = cfg.socket_path;
        lc.log = &log;
        rmat_web_config_init(&wc);
        wc.address = http_addr;
        wc.port = http_port;
        wc.token = token[0] ? token : NULL;
        wc.mode = "live";
        wc.action = live_action;
        wc.ctx = &obs;
        wc.log = &log;
        if (rmat_live_hub_new(&hub) != RMAT_OK ||
            rmat_live_new(&lc, hub, &obs.live, &ei) != RMAT_OK) {
            fprintf(stderr, "rollmatd: error: the live view: %s\n", hub ? ei.msg : "no memory");
            rmat_live_hub_free(hub);
            return 1;
        }
        if (rmat_web_start(&wc, hub, &obs.web, &ei) != RMAT_OK) {
            /* Recording matters more than watching: go on without it. */
            fprintf(stderr, "rollmatd: warning: no live view: %s\n", ei.msg);
            rmat_live_free(obs.live);
            obs.live = NULL;
        } else {
            rmat_web_url(obs.web, 1, url, sizeof url);
            fprintf(stderr, "rollmatd: live view at %s\n", url);
            if (url_file) {
                char tmp[4200];
                FILE *f;
                snprintf(tmp, sizeof tmp, "%s.tmp", url_file);
                f = fopen(tmp, "w");
                if (!f || fputs(url, f) < 0 || fclose(f) != 0 || rename(tmp, url_file) != 0)
                    fprintf(stderr, "rollmatd: warning: cannot write %s\n", url_file);
            }
            cfg.observer = &observer;
        }
    }
    if (rmat_daemon_run(&cfg, &ei) != RMAT_OK) {
        fprintf(stderr, "rollmatd: error: %s\n", ei.msg);
        rc = 1;
    }
    /* The server first: its threads read the hub and call the live view. */
    rmat_web_stop(obs.web);
    rmat_live_free(obs.live);
    rmat_live_hub_free(hub);
    return rc;
}
