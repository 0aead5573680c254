/* rollmat analyze: the metrics of one recording. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rollmat/analyze.h"
#include "rollmat/gnuplot.h"

static void usage_analyze(FILE *f)
{
    fputs("usage: rollmat analyze REC.h5 -o DIR [options]\n\n"
          "Analyses a recording (docs/metrics.md) into DIR:\n"
          "frames.csv (per frame), passes.csv, holds.csv, regions.csv (with --regions),\n"
          "peak_map.csv, dwell_map.csv, pti_map.csv, maps.h5, summary.json and the plot\n"
          "cop_peak.png (script cop_peak.gp).\n\n"
          "  -o, --output DIR          output folder (created if missing)\n"
          "      --json                also print summary.json to stdout\n"
          "      --calibration FILE    counts to kPa (docs/calibration.md); default: the\n"
          "                            recording's own, else raw counts (said loudly)\n"
          "      --regions FILE        named rectangles of the mat (docs/metrics.md)\n"
          "      --contact-threshold P contact at p >= P kPa (default 5)\n"
          "      --smooth-s S          smoothing of s over contact (default 0.2 s)\n"
          "      --turn-mm D           pass turning hysteresis (default 15 mm)\n"
          "      --hold-radius-mm R    hold: CoP within R of its mean (default 15 mm)\n"
          "      --hold-min-s S        hold: at least S seconds (default 3)\n"
          "      --no-plot             skip the plot (no gnuplot needed)\n"
          "  -v, --verbose             more messages\n",
          f);
}

/* Copies DIR/summary.json to stdout. */
static int print_summary(const char *out_dir)
{
    char path[4200], buf[8192];
    size_t n;
    FILE *f;

    snprintf(path, sizeof path, "%s/summary.json", out_dir);
    f = fopen(path, "r");
    if (!f) {
        perror(path);
        return -1;
    }
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, stdout);
    fclose(f);
    return 0;
}

int cli_analyze(int argc, char **argv)
{
    enum {
        O_THRESH = 256,
        O_JSON,
        O_CAL,
        O_REGIONS,
        O_SMOOTH,
        O_TURN,
        O_HOLD_R,
        O_HOLD_S,
        O_NOPLOT,
    };
    static const struct option opts[] = {{"output", required_argument, 0, 'o'},
                                         {"json", no_argument, 0, O_JSON},
                                         {"calibration", required_argument, 0, O_CAL},
                                         {"regions", required_argument, 0, O_REGIONS},
                                         {"contact-threshold", required_argument, 0, O_THRESH},
                                         {"smooth-s", required_argument, 0, O_SMOOTH},
                                         {"turn-mm", required_argument, 0, O_TURN},
                                         {"hold-radius-mm", required_argument, 0, O_HOLD_R},
                                         {"hold-min-s", required_argument, 0, O_HOLD_S},
                                         {"no-plot", no_argument, 0, O_NOPLOT},
                                         {"verbose", no_argument, 0, 'v'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    struct rmat_analysis_params params;
    struct rmat_analysis_result res;
    struct rmat_errinfo ei;
    const char *out_dir = NULL;
    int verbose = 0, json = 0, plots = 1, opt, rc;
    struct rmat_log log = {cli_log_stderr, &verbose};

    rmat_analysis_params_init(&params);
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:vh", opts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            out_dir = optarg;
            break;
        case O_JSON:
            json = 1;
            break;
        case O_CAL:
            params.calibration_path = optarg;
            break;
        case O_REGIONS:
            params.regions_path = optarg;
            break;
        case O_THRESH:
            if (cli_parse_number("--contact-threshold", optarg, 0, 1e6,
                                 &params.contact_threshold_kpa) != 0)
                return 2;
            break;
        case O_SMOOTH:
            if (cli_parse_number("--smooth-s", optarg, 0, 3600, &params.smooth_s) != 0)
                return 2;
            break;
        case O_TURN:
            if (cli_parse_number("--turn-mm", optarg, 1e-3, 1e5, &params.turn_mm) != 0)
                return 2;
            break;
        case O_HOLD_R:
            if (cli_parse_number("--hold-radius-mm", optarg, 0, 1e5, &params.hold_radius_mm) != 0)
                return 2;
            break;
        case O_HOLD_S:
            if (cli_parse_number("--hold-min-s", optarg, 0, 1e6, &params.hold_min_s) != 0)
                return 2;
            break;
        case O_NOPLOT:
            plots = 0;
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
    if (plots) {
        rc = rmat_plot_analysis(out_dir, argv[optind], &res, &ei);
        if (rc != RMAT_OK) {
            /* The numbers are all written; only the figures are missing. */
            fprintf(stderr, "rollmat: error: %s\n", ei.msg[0] ? ei.msg : rmat_strerror(rc));
            return 1;
        }
    }
    if (json) {
        if (print_summary(out_dir) != 0)
            return 1;
    } else {
        printf("%s/summary.json\n%s/frames.csv\n", out_dir, out_dir);
        if (plots)
            printf("%s/cop_peak.png\n", out_dir);
    }
    fprintf(stderr, "rollmat: %s: %llu frames, %.1f s, %llu lost, %zu passes, %zu holds%s\n",
            argv[optind], (unsigned long long)res.frames, res.duration_s,
            (unsigned long long)res.frames_lost, res.passes, res.holds,
            res.calibrated ? "" : " (RAW COUNTS: no calibration)");
    return 0;
}
