/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat equilibrate: per-sensel gains from a recording under a uniform
 * load (docs/calibration.md). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rollmat/calib.h"
#include "rollmat/calibrate.h"

static void usage_equilibrate(FILE *f)
{
    fputs("usage: rollmat equilibrate REC.h5 -o OUT [options]\n\n"
          "Per-sensel equilibration gains from a recording of the whole mat under a\n"
          "uniform load (an air bladder, or a flat weight covering the mat): each\n"
          "sensel's gain brings its mean reading to the mean of all sensels. With a\n"
          "calibration the readings are compared in kPa through its curve, and OUT is\n"
          "that calibration with the new gains; without one, in counts, and OUT holds\n"
          "the gains only, for a calibration's 'gains_file' line.\n\n"
          "  -o, --output FILE       where to write (not overwritten unless --force)\n"
          "      --calibration FILE  compare in kPa through this curve\n"
          "      --dead-below F      a sensel under F times the median reading is dead\n"
          "                          (or outside the load) and keeps gain 1 (default 0.1)\n"
          "      --name NAME         the name written into OUT\n"
          "      --force             replace OUT if it exists\n\n"
          "Exit status: 0 done, 1 failed, 2 wrong usage.\n\n"
          "Example:\n"
          "  rollmat equilibrate bladder.h5 --calibration mat.cal -o mat-equilibrated.cal\n",
          f);
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int cli_equilibrate(int argc, char **argv)
{
    enum { O_CAL = 256, O_DEAD, O_NAME, O_FORCE };
    static const struct option opts[] = {{"output", required_argument, 0, 'o'},
                                         {"calibration", required_argument, 0, O_CAL},
                                         {"dead-below", required_argument, 0, O_DEAD},
                                         {"name", required_argument, 0, O_NAME},
                                         {"force", no_argument, 0, O_FORCE},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *out = NULL, *cal_path = NULL, *name = NULL;
    double dead_frac = 0.1;
    struct rmat_calib *cal = NULL;
    struct rmat_load_stats st;
    struct rmat_errinfo ei;
    float *gains = NULL;
    double *sorted = NULL;
    int opt, force = 0, rc = CLI_FAIL;
    struct cli c;

    cli_init(&c, "equilibrate");
    cli_getopt_quiet();
    memset(&st, 0, sizeof st);
    while ((opt = getopt_long(argc, argv, CLI_GETOPT("o:h"), opts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            out = optarg;
            break;
        case O_CAL:
            cal_path = optarg;
            break;
        case O_DEAD:
            if (cli_parse_number(&c, "--dead-below", optarg, 0, 1, &dead_frac) != 0)
                return CLI_USAGE;
            break;
        case O_NAME:
            name = optarg;
            break;
        case O_FORCE:
            force = 1;
            break;
        case 'h':
            usage_equilibrate(stdout);
            return 0;
        default:
            return cli_bad_option(&c, opt, argv);
        }
    }
    if (optind != argc - 1)
        return cli_usage(&c, optind >= argc ? "need a recording" : "one recording at a time");
    if (!out)
        return cli_usage(&c, "need -o FILE, where to write the gains");
    if (cli_check_out_file(&c, "-o", out, force) != 0)
        return CLI_FAIL;
    if (cal_path) {
        if ((rc = rmat_calib_load(cal_path, &cal, &ei)) != RMAT_OK)
            return cli_fail_ei(&c, rc, &ei);
        rc = CLI_FAIL;
        if (cal->curve == RMAT_CURVE_NONE) {
            cli_fail(&c, "%s has no curve to compare in kPa with", cal_path);
            goto out;
        }
    } else {
        cal = rmat_calib_new();
        if (!cal)
            goto out;
    }
    if (rmat_load_stats_read(argv[optind], cal_path ? cal : NULL, &st, &ei) != RMAT_OK) {
        cli_fail_ei(&c, RMAT_E_IO, &ei);
        goto out;
    }
    {
        const size_t n = (size_t)st.rows * (size_t)st.cols;
        const double *mean = cal_path ? st.mean_kpa : st.mean_counts;
        gains = malloc(n * sizeof *gains);
        sorted = malloc(n * sizeof *sorted);
        if (!gains || !sorted)
            goto out;
        memcpy(sorted, mean, n * sizeof *sorted);
        qsort(sorted, n, sizeof *sorted, cmp_double);
        const double median = n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
        const int dead = rmat_calib_gains_from_means(mean, n, dead_frac * median, gains);
        if (dead < 0 || !(median > 0)) {
            cli_fail(&c, "%s: most sensels read nothing: is the whole mat under the load?",
                     argv[optind]);
            goto out;
        }
        if (rmat_calib_set_gains(cal, st.rows, st.cols, gains) != RMAT_OK)
            goto out;
        if (name)
            snprintf(cal->name, sizeof cal->name, "%s", name);
        if (rmat_calib_save(cal, out, &ei) != RMAT_OK) {
            cli_fail_ei(&c, RMAT_E_IO, &ei);
            goto out;
        }
        float gmin = INFINITY, gmax = 0;
        for (size_t k = 0; k < n; k++) {
            gmin = gains[k] < gmin ? gains[k] : gmin;
            gmax = gains[k] > gmax ? gains[k] : gmax;
        }
        printf("%s: %dx%d sensels, %llu of %llu frames under the load, median %.4g %s; gains "
               "%.4g to %.4g; %d dead or unloaded (gain 1)\n",
               out, st.rows, st.cols, (unsigned long long)st.loaded_frames,
               (unsigned long long)st.frames, median, cal_path ? "kPa" : "counts", (double)gmin,
               (double)gmax, dead);
    }
    rc = CLI_OK;
out:
    if (rc != CLI_OK && !gains)
        cli_fail(&c, "out of memory");
    free(gains);
    free(sorted);
    rmat_load_stats_fini(&st);
    rmat_calib_free(cal);
    return rc;
}
