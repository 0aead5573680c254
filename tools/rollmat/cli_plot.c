/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat plot: every figure of a session, from a recording or an
 * analysis folder. Also the helper `plot` and `report` share: turn the
 * argument into an analysis folder, analysing the recording if need be. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "rollmat/analyze.h"
#include "rollmat/events.h"
#include "rollmat/figures.h"

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int cli_session_dir(const struct cli *c, const char *arg, const char *out_dir,
                    const char *calibration, const char *regions, char *dir, size_t cap)
{
    struct rmat_analysis_params params;
    struct rmat_errinfo ei;
    char probe[4200];
    size_t len = strlen(arg);
    int rc;

    if (is_dir(arg)) {
        snprintf(probe, sizeof probe, "%s/summary.json", arg);
        if (access(probe, R_OK) != 0) {
            cli_fail(c,
                     "%s has no summary.json: give a recording (.h5) or a folder `rollmat "
                     "analyze` wrote",
                     arg);
            return -1;
        }
        if ((size_t)snprintf(dir, cap, "%s", out_dir ? out_dir : arg) >= cap)
            return -1;
        if (out_dir && strcmp(out_dir, arg) != 0) {
            cli_usage(c, "-o is for a recording; %s is already analysed", arg);
            return -2;
        }
        if (regions) {
            cli_usage(c,
                      "--regions is for a recording; %s is already analysed (`rollmat analyze "
                      "REC.h5 --regions %s -o %s` analyses it again with them)",
                      arg, regions, arg);
            return -2;
        }
        return 0;
    }
    if (regions && access(regions, R_OK) != 0) {
        cli_fail(c, "--regions %s: cannot read it (%s)", regions, strerror(errno));
        return -1;
    }
    /* A recording: analyse it into -o, else into a folder beside it named
     * after it (session.h5 -> session/). */
    if (out_dir)
        rc = snprintf(dir, cap, "%s", out_dir);
    else if (len > 3 && strcmp(arg + len - 3, ".h5") == 0)
        rc = snprintf(dir, cap, "%.*s", (int)(len - 3), arg);
    else
        rc = snprintf(dir, cap, "%s.analysis", arg);
    if (rc < 0 || (size_t)rc >= cap) {
        cli_fail(c, "path too long: %s", arg);
        return -1;
    }
    if (access(arg, F_OK) != 0) {
        cli_fail(c, "%s: no such recording or analysis folder", arg);
        return -1;
    }
    if (cli_check_out_dir(c, "-o", dir) != 0)
        return -1;
    rmat_analysis_params_init(&params);
    params.calibration_path = calibration;
    params.regions_path = regions;

    rc = rmat_analyze(arg, dir, &params, &c->log, NULL, &ei);
    if (rc == RMAT_OK)
        rc = rmat_events_export(arg, dir, &ei);
    if (rc != RMAT_OK) {
        cli_fail_ei(c, rc, &ei);
        return -1;
    }
    return 0;
}

static void usage_plot(FILE *f)
{
    fputs("usage: rollmat plot REC.h5|DIR [-o DIR] [options]\n\n"
          "Draws every figure of a session as PNG, SVG and PDF, with the gnuplot\n"
          "script and data files of each beside it, in DIR/plots/:\n"
          "  map_peak_kpa, map_pti_kpa_s, map_dwell_s  heat maps with the CoP path and holds\n"
          "  timeseries   force, pressure and contact area; passes, holds, events\n"
          "  cadence      the rolling position's spectrum and the cadence\n"
          "  tissue       the tissue response over the passes with fitted lines\n\n"
          "DIR is a folder `rollmat analyze` wrote; a recording is analysed first, into\n"
          "-o DIR or a folder beside it named after it (session.h5 -> session/).\n\n"
          "  -o, --output DIR          analysis folder for a recording\n"
          "      --calibration FILE    counts to kPa for the analysis (docs/calibration.md)\n"
          "      --regions FILE        named rectangles of the mat, drawn on the maps and\n"
          "                            analysed into DIR/regions.csv (docs/metrics.md)\n"
          "      --plots-dir DIR       where the figures go (default DIR/plots)\n"
          "  -v, --verbose             more messages\n\n"
          "Exit status: 0 done, 1 failed, 2 wrong usage.\n\n"
          "Example:\n"
          "  rollmat plot left-quad.h5 --calibration mat.cal --regions thigh.regions\n",
          f);
}

int cli_plot(int argc, char **argv)
{
    enum { O_CAL = 256, O_PLOTS, O_REGIONS };
    static const struct option opts[] = {{"output", required_argument, 0, 'o'},
                                         {"calibration", required_argument, 0, O_CAL},
                                         {"regions", required_argument, 0, O_REGIONS},
                                         {"plots-dir", required_argument, 0, O_PLOTS},
                                         {"verbose", no_argument, 0, 'v'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *out_dir = NULL, *cal = NULL, *plots_dir = NULL, *regions = NULL;
    int opt, rc;
    struct cli c;
    struct rmat_errinfo ei;
    char dir[4096], pdir[4200];

    cli_init(&c, "plot");
    cli_getopt_quiet();
    while ((opt = getopt_long(argc, argv, CLI_GETOPT("o:vh"), opts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            out_dir = optarg;
            break;
        case O_CAL:
            cal = optarg;
            break;
        case O_PLOTS:
            plots_dir = optarg;
            break;
        case O_REGIONS:
            regions = optarg;
            break;
        case 'v':
            c.verbose = 1;
            break;
        case 'h':
            usage_plot(stdout);
            return 0;
        default:
            return cli_bad_option(&c, opt, argv);
        }
    }
    if (optind != argc - 1)
        return cli_usage(&c, optind >= argc ? "need a recording or an analysis folder"
                                            : "one recording or analysis folder at a time");
    if (plots_dir && cli_check_out_dir(&c, "--plots-dir", plots_dir) != 0)
        return CLI_FAIL;
    rc = cli_session_dir(&c, argv[optind], out_dir, cal, regions, dir, sizeof dir);
    if (rc != 0)
        return rc == -2 ? CLI_USAGE : CLI_FAIL;
    snprintf(pdir, sizeof pdir, "%s/plots", dir);
    if (!plots_dir)
        plots_dir = pdir;
    rc = rmat_plots_session(dir, plots_dir, &c.log, &ei);
    if (rc != RMAT_OK)
        return cli_fail_ei(&c, rc, &ei);
    for (int k = 0; k < RMAT_PLOT_FIGURES; k++)
        printf("%s/%s.png\n", plots_dir, rmat_plot_figure_names[k]);
    return CLI_OK;
}
