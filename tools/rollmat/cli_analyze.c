/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat analyze: the metrics of one recording. */
#include <errno.h>
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
          "peak_map.csv, dwell_map.csv, pti_map.csv, maps.h5, spectrum.csv, summary.json\n"
          "and the figures cop_peak.png, dwell_map.png and pti_map.png (with their\n"
          "gnuplot scripts).\n\n"
          "  -o, --output DIR          output folder (created if missing)\n"
          "      --json                also print summary.json to stdout\n"
          "      --calibration FILE    counts to kPa (docs/calibration.md); default: the\n"
          "                            recording's own, else raw counts (said loudly)\n"
          "      --regions FILE        named rectangles of the mat (docs/metrics.md)\n"
          "      --contact-threshold P contact at p >= P kPa (default 5)\n"
          "      --contact-threshold-counts N  without a calibration: contact at N counts\n"
          "                            or more (default: 5% of the ADC's full scale)\n"
          "      --smooth-s S          smoothing of s over contact (default 0.2 s)\n"
          "      --turn-mm D           pass turning hysteresis (default 15 mm)\n"
          "      --hold-radius-mm R    hold: CoP within R of its mean (default 15 mm)\n"
          "      --hold-min-s S        hold: at least S seconds (default 3)\n"
          "      --crosstalk ROW,COL   correct the mat's crosstalk: ROW % of the rest of\n"
          "                            each row's counts, COL % of each column's (0..10;\n"
          "                            docs/corrections.md); default: the calibration's\n"
          "                            crosstalk_row_pct, crosstalk_col_pct if it has\n"
          "                            them, else none; 'off' (or 0,0): none\n"
          "      --crosstalk auto      estimate the crosstalk from the recording itself\n"
          "                            (its sensels away from the load) and correct it\n"
          "      --no-creep            do not correct the sensors' creep (by default a\n"
          "                            calibration with creep_pct has it corrected)\n"
          "      --no-plot             skip the figures (no gnuplot needed)\n"
          "  -v, --verbose             more messages\n\n"
          "Exit status: 0 done, 1 failed, 2 wrong usage.\n\n"
          "Examples:\n"
          "  rollmat analyze left-quad.h5 -o left-quad/\n"
          "  rollmat analyze left-quad.h5 -o left-quad/ --calibration mat.cal \\\n"
          "      --crosstalk 0.1,0.1\n"
          "  rollmat analyze left-quad.h5 -o left-quad/ --crosstalk auto\n",
          f);
}

/* "ROW,COL" (two numbers 0..10, in %) or "off" (0,0). Returns 0 or -1. */
static int parse_crosstalk(const char *s, double *row_pct, double *col_pct)
{
    char *end;
    double r, c;

    if (strcmp(s, "off") == 0) {
        *row_pct = *col_pct = 0.0;
        return 0;
    }
    r = strtod(s, &end);
    if (end == s || *end != ',')
        return -1;
    s = end + 1;
    c = strtod(s, &end);
    if (end == s || *end != '\0')
        return -1;
    if (!(r >= 0 && r <= 10) || !(c >= 0 && c <= 10))
        return -1;
    *row_pct = r;
    *col_pct = c;
    return 0;
}

/* Copies DIR/summary.json to stdout. */
static int print_summary(const struct cli *c, const char *out_dir)
{
    char path[4200], buf[8192];
    size_t n;
    FILE *f;

    snprintf(path, sizeof path, "%s/summary.json", out_dir);
    f = fopen(path, "r");
    if (!f) {
        cli_fail(c, "cannot read %s: %s", path, strerror(errno));
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
        O_THRESH_COUNTS,
        O_JSON,
        O_CAL,
        O_REGIONS,
        O_SMOOTH,
        O_TURN,
        O_HOLD_R,
        O_HOLD_S,
        O_NOPLOT,
        O_CROSSTALK,
        O_NOCREEP,
    };
    static const struct option opts[] = {
        {"output", required_argument, 0, 'o'},
        {"json", no_argument, 0, O_JSON},
        {"calibration", required_argument, 0, O_CAL},
        {"regions", required_argument, 0, O_REGIONS},
        {"contact-threshold", required_argument, 0, O_THRESH},
        {"contact-threshold-counts", required_argument, 0, O_THRESH_COUNTS},
        {"smooth-s", required_argument, 0, O_SMOOTH},
        {"turn-mm", required_argument, 0, O_TURN},
        {"hold-radius-mm", required_argument, 0, O_HOLD_R},
        {"hold-min-s", required_argument, 0, O_HOLD_S},
        {"no-plot", no_argument, 0, O_NOPLOT},
        {"crosstalk", required_argument, 0, O_CROSSTALK},
        {"no-creep", no_argument, 0, O_NOCREEP},
        {"verbose", no_argument, 0, 'v'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    struct rmat_analysis_params params;
    struct rmat_analysis_result res;
    struct rmat_errinfo ei;
    const char *out_dir = NULL;
    int json = 0, plots = 1, opt, rc;
    struct cli c;

    cli_init(&c, "analyze");
    rmat_analysis_params_init(&params);
    cli_getopt_quiet();
    while ((opt = getopt_long(argc, argv, CLI_GETOPT("o:vh"), opts, NULL)) != -1) {
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
            if (cli_parse_number(&c, "--contact-threshold", optarg, 0, 1e6,
                                 &params.contact_threshold_kpa) != 0)
                return CLI_USAGE;
            break;
        case O_THRESH_COUNTS:
            if (cli_parse_number(&c, "--contact-threshold-counts", optarg, 0, 65535,
                                 &params.contact_threshold_counts) != 0)
                return CLI_USAGE;
            break;
        case O_SMOOTH:
            if (cli_parse_number(&c, "--smooth-s", optarg, 0, 3600, &params.smooth_s) != 0)
                return CLI_USAGE;
            break;
        case O_TURN:
            if (cli_parse_number(&c, "--turn-mm", optarg, 1e-3, 1e5, &params.turn_mm) != 0)
                return CLI_USAGE;
            break;
        case O_HOLD_R:
            if (cli_parse_number(&c, "--hold-radius-mm", optarg, 0, 1e5, &params.hold_radius_mm) !=
                0)
                return CLI_USAGE;
            break;
        case O_HOLD_S:
            if (cli_parse_number(&c, "--hold-min-s", optarg, 0, 1e6, &params.hold_min_s) != 0)
                return CLI_USAGE;
            break;
        case O_NOPLOT:
            plots = 0;
            break;
        case O_CROSSTALK:
            params.crosstalk_auto = strcmp(optarg, "auto") == 0;
            if (params.crosstalk_auto)
                break;
            if (parse_crosstalk(optarg, &params.crosstalk_row_pct, &params.crosstalk_col_pct) != 0)
                return cli_usage(&c,
                                 "--crosstalk wants ROW,COL: two numbers from 0 to 10, in %% "
                                 "of the rest of a row's and a column's counts (e.g. "
                                 "--crosstalk 0.1,0.1), 'auto' or 'off'; got '%s'",
                                 optarg);
            break;
        case O_NOCREEP:
            params.creep = 0;
            break;
        case 'v':
            c.verbose = 1;
            break;
        case 'h':
            usage_analyze(stdout);
            return 0;
        default:
            return cli_bad_option(&c, opt, argv);
        }
    }
    if (optind != argc - 1)
        return cli_usage(&c, optind >= argc ? "need a recording" : "one recording at a time");
    if (!out_dir)
        return cli_usage(&c, "need -o DIR, the folder for the results");
    if (cli_check_out_dir(&c, "-o", out_dir) != 0)
        return CLI_FAIL;
    rc = rmat_analyze(argv[optind], out_dir, &params, &c.log, &res, &ei);
    if (rc != RMAT_OK)
        return cli_fail_ei(&c, rc, &ei);
    /* A sensor list has no grid: no map to draw (the analysis says so). */
    if (res.grid.rows == 0)
        plots = 0;
    /* The numbers are all written; a failed figure fails the command but
     * keeps them. */
    if (plots && (rc = rmat_plot_analysis(out_dir, argv[optind], &res, &ei)) != RMAT_OK)
        return cli_fail_ei(&c, rc, &ei);
    if (json) {
        if (print_summary(&c, out_dir) != 0)
            return CLI_FAIL;
    } else {
        printf("%s/summary.json\n%s/frames.csv\n", out_dir, out_dir);
        if (plots)
            printf("%s/cop_peak.png\n", out_dir);
    }
    fprintf(stderr,
            "rollmat analyze: %s: %llu frames, %.1f s, %llu lost, %zu passes, %zu holds%s\n",
            argv[optind], (unsigned long long)res.frames, res.duration_s,
            (unsigned long long)res.frames_lost, res.passes, res.holds,
            res.calibrated ? "" : " (RAW COUNTS: no calibration)");
    return 0;
}
