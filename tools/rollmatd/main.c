/* rollmatd: the acquisition daemon. A thin main over rmat_daemon_run(). */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rmat_gitrev.h"
#include "rollmat/daemon.h"
#include "rollmat/version.h"

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
          "  -v, --verbose           more messages\n"
          "      --version           print the version and the git commit\n",
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
    enum { O_RATE = 256, O_BAUD, O_WAIT, O_DENSE };
    static const struct option opts[] = {
        {"device", required_argument, 0, 'd'},  {"dir", required_argument, 0, 'D'},
        {"socket", required_argument, 0, 's'},  {"rate", required_argument, 0, O_RATE},
        {"baud", required_argument, 0, O_BAUD}, {"reconnect-wait", required_argument, 0, O_WAIT},
        {"dense", no_argument, 0, O_DENSE},     {"verbose", no_argument, 0, 'v'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
    struct rmat_daemon_config cfg;
    struct rmat_errinfo ei;
    char sock[512];
    int verbose = 0, opt;
    struct rmat_log log = {log_stderr, &verbose};
    double v;

    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("rollmatd %s (git %s)\n", RMAT_VERSION, RMAT_GIT_REV);
        return 0;
    }
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
    if (rmat_daemon_run(&cfg, &ei) != RMAT_OK) {
        fprintf(stderr, "rollmatd: error: %s\n", ei.msg);
        return 1;
    }
    return 0;
}
