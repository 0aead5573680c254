/* rollmat: the command. A thin main over librollmat: it parses arguments,
 * installs a logger that prints to stderr, and calls the library. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollmat/analyze.h"
#include "rollmat/record.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void log_stderr(void *ctx, enum rmat_log_level level, const char *msg)
{
    static const char *const names[] = {"error", "warning", "info", "debug"};
    const int verbose = ctx ? *(const int *)ctx : 0;

    if (level == RMAT_LOG_DEBUG && !verbose)
        return;
    fprintf(stderr, "rollmat: %s%s%s\n", level <= RMAT_LOG_WARN ? names[level] : "",
            level <= RMAT_LOG_WARN ? ": " : "", msg);
}

static void usage(FILE *f)
{
    fputs("usage: rollmat COMMAND [options]\n\n"
          "Records and analyses pressure-mat sessions of foam rolling.\n\n"
          "commands:\n"
          "  record    record a session from a mat into an HDF5 file\n"
          "  analyze   compute per-frame metrics of a recording, write CSV and a plot\n"
          "  version   print the version\n\n"
          "`rollmat COMMAND --help` describes each command.\n",
          f);
}

static void usage_record(FILE *f)
{
    fputs("usage: rollmat record --device DEV -o FILE.h5 [options]\n\n"
          "Records frames from a mat until --duration has passed or Ctrl-C.\n\n"
          "  -d, --device DEV        serial port (/dev/ttyACM0) or tcp://HOST:PORT\n"
          "  -o, --output FILE.h5    the recording to write (never overwritten)\n"
          "  -t, --duration S        seconds to record (default: until Ctrl-C)\n"
          "      --rate HZ           frame rate (default: the mat's own)\n"
          "      --baud N            serial baud rate (default 3000000)\n"
          "      --dense             ask for dense frames only\n"
          "      --test-pattern      record the mat's test pattern, not its sensors\n"
          "      --subject S --session S --region R --side left|right|none\n"
          "      --roller NAME --roller-diameter MM --mounting tissue|floor\n"
          "      --body-mass KG --operator NAME --notes TEXT\n"
          "                          session attributes stored in the file\n"
          "  -v, --verbose           more messages\n",
          f);
}

static void usage_analyze(FILE *f)
{
    fputs("usage: rollmat analyze REC.h5 -o DIR [options]\n\n"
          "Computes the per-frame metrics of a recording into DIR/frames.csv, the\n"
          "peak-pressure map into DIR/peak_map.csv, and plots the centre-of-pressure\n"
          "path over it (DIR/cop_peak.png, script DIR/cop_peak.gp).\n\n"
          "  -o, --output DIR        output folder (created if missing)\n"
          "      --contact-threshold P  contact threshold in kPa (default 5)\n"
          "  -v, --verbose           more messages\n",
          f);
}

static int parse_number(const char *opt, const char *s, double lo, double hi, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (end == s || *end != '\0' || errno || !isfinite(v) || v < lo || v > hi) {
        fprintf(stderr, "rollmat: %s wants a number from %g to %g, got '%s'\n", opt, lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

static int copy_attr(const char *opt, const char *s, char *dst, size_t cap)
{
    if (strlen(s) >= cap) {
        fprintf(stderr, "rollmat: %s is longer than %zu bytes\n", opt, cap - 1);
        return -1;
    }
    memcpy(dst, s, strlen(s) + 1);
    return 0;
}

static int one_of(const char *opt, const char *s, const char *const *allowed)
{
    for (const char *const *a = allowed; *a; a++)
        if (strcmp(s, *a) == 0)
            return 0;
    fprintf(stderr, "rollmat: %s must be one of:", opt);
    for (const char *const *a = allowed; *a; a++)
        fprintf(stderr, " %s", *a);
    fprintf(stderr, " (got '%s')\n", s);
    return -1;
}

static int cmd_record(int argc, char **argv)
{
    enum {
        O_RATE = 256,
        O_BAUD,
        O_DENSE,
        O_TEST,
        O_SUBJECT,
        O_SESSION,
        O_REGION,
        O_SIDE,
        O_ROLLER,
        O_DIAM,
        O_MOUNT,
        O_MASS,
        O_OPER,
        O_NOTES
    };
    static const struct option opts[] = {{"device", required_argument, 0, 'd'},
                                         {"port", required_argument, 0, 'd'},
                                         {"output", required_argument, 0, 'o'},
                                         {"duration", required_argument, 0, 't'},
                                         {"rate", required_argument, 0, O_RATE},
                                         {"baud", required_argument, 0, O_BAUD},
                                         {"dense", no_argument, 0, O_DENSE},
                                         {"test-pattern", no_argument, 0, O_TEST},
                                         {"subject", required_argument, 0, O_SUBJECT},
                                         {"session", required_argument, 0, O_SESSION},
                                         {"region", required_argument, 0, O_REGION},
                                         {"side", required_argument, 0, O_SIDE},
                                         {"roller", required_argument, 0, O_ROLLER},
                                         {"roller-diameter", required_argument, 0, O_DIAM},
                                         {"mounting", required_argument, 0, O_MOUNT},
                                         {"body-mass", required_argument, 0, O_MASS},
                                         {"operator", required_argument, 0, O_OPER},
                                         {"notes", required_argument, 0, O_NOTES},
                                         {"verbose", no_argument, 0, 'v'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    static const char *const sides[] = {"left", "right", "none", NULL};
    static const char *const mountings[] = {"tissue", "floor", NULL};
    struct rmat_record_config cfg;
    struct rmat_record_result res;
    struct rmat_errinfo ei;
    int verbose = 0, opt, rc;
    struct rmat_log log = {log_stderr, &verbose};
    double v;

    rmat_record_config_init(&cfg);
    cfg.stop = &stop_requested;
    cfg.log = &log;
    while ((opt = getopt_long(argc, argv, "d:o:t:vh", opts, NULL)) != -1) {
        int bad = 0;
        switch (opt) {
        case 'd':
            cfg.device = optarg;
            break;
        case 'o':
            cfg.out_path = optarg;
            break;
        case 't':
            bad = parse_number("--duration", optarg, 0.001, 1e7, &cfg.duration_s);
            break;
        case O_RATE:
            bad = parse_number("--rate", optarg, 1, 65535, &v);
            cfg.rate_hz = (uint16_t)v;
            break;
        case O_BAUD:
            bad = parse_number("--baud", optarg, 300, 1e8, &v);
            cfg.baud = (unsigned)v;
            break;
        case O_DENSE:
            cfg.dense_only = 1;
            break;
        case O_TEST:
            cfg.test_pattern = 1;
            break;
        case O_SUBJECT:
            bad = copy_attr("--subject", optarg, cfg.meta.subject, sizeof cfg.meta.subject);
            break;
        case O_SESSION:
            bad = copy_attr("--session", optarg, cfg.meta.session, sizeof cfg.meta.session);
            break;
        case O_REGION:
            bad = copy_attr("--region", optarg, cfg.meta.region, sizeof cfg.meta.region);
            break;
        case O_SIDE:
            bad = one_of("--side", optarg, sides) ||
                  copy_attr("--side", optarg, cfg.meta.side, sizeof cfg.meta.side);
            break;
        case O_ROLLER:
            bad = copy_attr("--roller", optarg, cfg.meta.roller, sizeof cfg.meta.roller);
            break;
        case O_DIAM:
            bad = parse_number("--roller-diameter", optarg, 1, 1000, &cfg.meta.roller_diameter_mm);
            break;
        case O_MOUNT:
            bad = one_of("--mounting", optarg, mountings) ||
                  copy_attr("--mounting", optarg, cfg.meta.mounting, sizeof cfg.meta.mounting);
            break;
        case O_MASS:
            bad = parse_number("--body-mass", optarg, 1, 500, &cfg.meta.body_mass_kg);
            break;
        case O_OPER:
            bad = copy_attr("--operator", optarg, cfg.meta.operator_name,
                            sizeof cfg.meta.operator_name);
            break;
        case O_NOTES:
            bad = copy_attr("--notes", optarg, cfg.meta.notes, sizeof cfg.meta.notes);
            break;
        case 'v':
            verbose = 1;
            break;
        case 'h':
            usage_record(stdout);
            return 0;
        default:
            usage_record(stderr);
            return 2;
        }
        if (bad)
            return 2;
    }
    if (optind != argc) {
        fprintf(stderr, "rollmat record: unexpected argument '%s' (see --help)\n", argv[optind]);
        return 2;
    }
    if (!cfg.device || !cfg.out_path) {
        fprintf(stderr, "rollmat record: need --device and -o (see --help)\n");
        return 2;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    rc = rmat_record_run(&cfg, &res, &ei);
    if (res.frames > 0 || rc == RMAT_OK)
        fprintf(stderr,
                "rollmat: %s: %llu frames, %.1f s; %llu lost on the link, %u bad packets "
                "dropped, %u dropped by the mat\n",
                cfg.out_path, (unsigned long long)res.frames, res.duration_s,
                (unsigned long long)res.frames_lost, res.link_drops, res.device_dropped);
    if (rc != RMAT_OK) {
        fprintf(stderr, "rollmat: error: %s\n", ei.msg[0] ? ei.msg : rmat_strerror(rc));
        return 1;
    }
    return 0;
}

static int cmd_analyze(int argc, char **argv)
{
    enum { O_THRESH = 256 };
    static const struct option opts[] = {{"output", required_argument, 0, 'o'},
                                         {"contact-threshold", required_argument, 0, O_THRESH},
                                         {"verbose", no_argument, 0, 'v'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    struct rmat_analysis_params params;
    struct rmat_analysis_result res;
    struct rmat_errinfo ei;
    const char *out_dir = NULL;
    int verbose = 0, opt, rc;
    struct rmat_log log = {log_stderr, &verbose};

    rmat_analysis_params_init(&params);
    while ((opt = getopt_long(argc, argv, "o:vh", opts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            out_dir = optarg;
            break;
        case O_THRESH:
            if (parse_number("--contact-threshold", optarg, 0, 1e6,
                             &params.contact_threshold_kpa) != 0)
                return 2;
            break;
        case 'v':
            verbose = 1;
            break;
        case 'h':
            usage_analyze(stdout);
            return 0;
        default:
            usage_analyze(stderr);
            return 2;
        }
    }
    if (optind != argc - 1 || !out_dir) {
        fprintf(stderr, "rollmat analyze: need one recording and -o DIR (see --help)\n");
        return 2;
    }
    rc = rmat_analyze(argv[optind], out_dir, &params, &log, &res, &ei);
    if (rc != RMAT_OK) {
        fprintf(stderr, "rollmat: error: %s\n", ei.msg[0] ? ei.msg : rmat_strerror(rc));
        return 1;
    }
    printf("%s/frames.csv\n%s/cop_peak.png\n", out_dir, out_dir);
    fprintf(stderr, "rollmat: %s: %llu frames, %.1f s, %llu lost\n", argv[optind],
            (unsigned long long)res.frames, res.duration_s, (unsigned long long)res.frames_lost);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "record") == 0)
        return cmd_record(argc - 1, argv + 1);
    if (strcmp(argv[1], "analyze") == 0 || strcmp(argv[1], "analyse") == 0)
        return cmd_analyze(argc - 1, argv + 1);
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("rollmat %s\n", RMAT_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "rollmat: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
