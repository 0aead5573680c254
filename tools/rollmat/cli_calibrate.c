/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat calibrate: fit a count-to-kPa curve to recordings of known loads
 * on a known area (docs/calibration.md). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rollmat/calib.h"
#include "rollmat/calibrate.h"

/* Standard gravity: a calibration weight's mass to its force. */
#define STANDARD_GRAVITY_M_S2 9.80665
#define MAX_POINTS            64

static void usage_calibrate(FILE *f)
{
    fputs("usage: rollmat calibrate --curve CURVE --area-cm2 A --load L REC.h5\n"
          "                         [--load L REC.h5 ...] -o OUT.cal|--mat-dir DIR [options]\n"
          "       rollmat calibrate --creep REC.h5 --calibration MAT.cal -o OUT.cal\n"
          "                         [--creep-load-kpa P] [--force]\n\n"
          "Fits a count-to-kPa curve to recordings of known loads resting on a known\n"
          "area of the mat (a weight on a flat plate), one recording per load, and\n"
          "writes a calibration file (docs/calibration.md). Each --load and --area-cm2\n"
          "applies to the recordings after it. Reports each point's fit error.\n\n"
          "  --curve CURVE          linear, power, divider or table\n"
          "  --load L               the load: a mass (5kg, 500g) or a force (49N)\n"
          "  --area-cm2 A           the loaded area in cm² (the plate's)\n"
          "  -o, --output FILE      the calibration to write (not overwritten unless\n"
          "                         --force)\n"
          "  --c-max-counts N       power and divider full scale (default: the ADC's,\n"
          "                         2^adc_bits - 1)\n"
          "  --name NAME            the calibration's name (default: OUT's file name)\n"
          "  --gains FILE           copy per-sensel gains from FILE (rollmat equilibrate)\n"
          "  --mat-dir DIR          write the mat's own calibration there instead of -o:\n"
          "                         DIR/mat-SERIAL.cal, which rollmatd --calibration-dir\n"
          "                         and rollmat record --calibration-dir find by the\n"
          "                         mat's serial number\n"
          "  --force                replace OUT if it exists\n\n"
          "Creep (docs/calibration.md): --creep REC.h5 fits how the mat's counts rise\n"
          "under a load held still, c0 (1 + E (1 - exp(-t / tau))), from a recording of\n"
          "a weight left on the mat for a minute or more; a second hold after a lift\n"
          "(10 s off, 30 s on) gives the recovery's time constant too. OUT is the\n"
          "calibration MAT.cal with creep_pct, creep_tau_s, creep_recover_tau_s and\n"
          "creep_load_kpa added, which rollmat analyze then corrects.\n"
          "  --creep REC.h5         the recording of the held load\n"
          "  --calibration MAT.cal  the calibration to add the creep to\n"
          "  --creep-load-kpa P     a sensel creeps from P kPa (default 2; not fitted)\n\n"
          "Exit status: 0 done, 1 failed, 2 wrong usage.\n\n"
          "Examples:\n"
          "  rollmat calibrate --curve power --area-cm2 100 --load 5kg w5.h5 --load 10kg \\\n"
          "      w10.h5 --load 20kg w20.h5 -o mat.cal\n"
          "  rollmat calibrate --creep held-weight.h5 --calibration mat.cal -o mat-creep.cal\n",
          f);
}

/* "5kg", "500g", "49N", "49.03 N": the force in N, or -1. */
static int parse_load(const char *s, double *newtons)
{
    char *end;
    double v = strtod(s, &end);
    while (*end == ' ')
        end++;
    if (end == s || !isfinite(v) || !(v > 0))
        return -1;
    if (strcmp(end, "kg") == 0)
        *newtons = v * STANDARD_GRAVITY_M_S2;
    else if (strcmp(end, "g") == 0)
        *newtons = v / 1000.0 * STANDARD_GRAVITY_M_S2;
    else if (strcmp(end, "N") == 0)
        *newtons = v;
    else
        return -1;
    return 0;
}

/* rollmat calibrate --creep: the creep fitted from rec, added to the
 * calibration at base, written to out. */
static int calibrate_creep(struct cli *c, const char *rec, const char *base, const char *out,
                           double load_kpa, int force)
{
    struct rmat_creep_fit fit;
    struct rmat_calib *cal = NULL;
    struct rmat_errinfo ei;
    int rc = CLI_FAIL;

    if (!base)
        return cli_usage(c, "--creep needs --calibration MAT.cal: the calibration the creep is "
                            "added to (its curve tells the analysis which sensels are loaded)");
    if (!out)
        return cli_usage(c, "--creep needs -o OUT.cal, the calibration to write");
    if (cli_check_out_file(c, "-o", out, force) != 0)
        return CLI_FAIL;
    if (rmat_calib_load(base, &cal, &ei) != RMAT_OK)
        return cli_fail_ei(c, RMAT_E_FORMAT, &ei);
    if (rmat_creep_fit_recording(rec, &fit, &ei) != RMAT_OK) {
        cli_fail_ei(c, RMAT_E_FORMAT, &ei);
        goto out;
    }
    if (!(fit.creep_pct <= RMAT_CALIB_CREEP_MAX_PCT) ||
        !(fit.tau_s <= RMAT_CALIB_CREEP_MAX_TAU_S)) {
        cli_fail(c,
                 "%s: the fit says %.3g %% with tau %.3g s, beyond what a calibration holds "
                 "(%g %%, %g s): not FSR creep; was the load steady?",
                 rec, fit.creep_pct, fit.tau_s, RMAT_CALIB_CREEP_MAX_PCT,
                 RMAT_CALIB_CREEP_MAX_TAU_S);
        goto out;
    }
    cal->creep_pct = fit.creep_pct;
    cal->creep_tau_s = fit.tau_s;
    cal->creep_load_kpa = load_kpa;
    if (isnan(fit.recover_tau_s) || !(fit.recover_tau_s <= RMAT_CALIB_CREEP_MAX_TAU_S)) {
        cal->creep_recover_tau_s = fit.tau_s;
        fprintf(stderr,
                "rollmat calibrate: %s: %s: creep_recover_tau_s set to creep_tau_s (an "
                "assumption; record a second hold after a lift of about 10 s to fit it)\n",
                rec,
                fit.gap_s > 0 ? "the second hold does not show the recovery"
                              : "no second hold after a lift");
    } else {
        cal->creep_recover_tau_s = fit.recover_tau_s;
    }
    if (rmat_calib_save(cal, out, &ei) != RMAT_OK) {
        cli_fail_ei(c, RMAT_E_IO, &ei);
        goto out;
    }
    printf("# creep: creep_pct %.4g, creep_tau_s %.4g, creep_recover_tau_s %.4g%s, "
           "creep_load_kpa %g\n",
           cal->creep_pct, cal->creep_tau_s, cal->creep_recover_tau_s,
           isnan(fit.recover_tau_s) ? " (assumed)" : "", cal->creep_load_kpa);
    printf("recording,sensels,frames,hold_start_s,hold_s,c0_counts,rms_pct,gap_s,hold2_s,"
           "residual_pct\n");
    printf("%s,%zu,%llu,%.3f,%.3f,%.2f,%.4f,%.3f,%.3f,%.4f\n", rec, fit.sensels,
           (unsigned long long)fit.frames, fit.hold_start_s, fit.hold_s, fit.c0_counts, fit.rms_pct,
           fit.gap_s, fit.hold2_s, fit.residual_pct);
    fprintf(stderr, "rollmat calibrate: wrote %s\n", out);
    rc = CLI_OK;
out:
    rmat_calib_free(cal);
    return rc;
}

struct point_src {
    const char *rec;
    double load_n, area_cm2, counts;
    size_t sensels;
    uint64_t frames;
};

int cli_calibrate(int argc, char **argv)
{
    enum {
        O_CURVE = 256,
        O_LOAD,
        O_AREA,
        O_CMAX,
        O_NAME,
        O_GAINS,
        O_FORCE,
        O_MATDIR,
        O_CREEP,
        O_CALIB,
        O_CREEP_LOAD,
    };
    static const struct option opts[] = {{"curve", required_argument, 0, O_CURVE},
                                         {"load", required_argument, 0, O_LOAD},
                                         {"area-cm2", required_argument, 0, O_AREA},
                                         {"output", required_argument, 0, 'o'},
                                         {"c-max-counts", required_argument, 0, O_CMAX},
                                         {"name", required_argument, 0, O_NAME},
                                         {"gains", required_argument, 0, O_GAINS},
                                         {"force", no_argument, 0, O_FORCE},
                                         {"mat-dir", required_argument, 0, O_MATDIR},
                                         {"creep", required_argument, 0, O_CREEP},
                                         {"calibration", required_argument, 0, O_CALIB},
                                         {"creep-load-kpa", required_argument, 0, O_CREEP_LOAD},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    struct point_src src[MAX_POINTS];
    struct rmat_calib_point pts[MAX_POINTS];
    double fit[MAX_POINTS];
    enum rmat_curve curve = RMAT_CURVE_NONE;
    double load_n = NAN, area = NAN, c_max = NAN;
    const char *out = NULL, *name = NULL, *gains_path = NULL;
    struct rmat_calib *cal = NULL, *gcal = NULL;
    struct rmat_errinfo ei;
    int n = 0, force = 0, opt, rc = CLI_FAIL, adc_bits = 0, rows = 0, cols = 0;
    uint32_t serial = 0;
    const char *mat_dir = NULL, *creep_rec = NULL, *base_cal = NULL;
    double creep_load_kpa = RMAT_CALIB_CREEP_LOAD_KPA;
    char mat_path[4096];
    struct cli c;

    cli_init(&c, "calibrate");
    cli_getopt_quiet();
    /* A leading '-': recordings come back in order as option 1, so each
     * takes the --load and --area-cm2 given before it. glibc sees the '-'
     * only as the very first character, so it comes before CLI_GETOPT()'s
     * ':' (":-o:h" would move the recordings to the end). */
    while ((opt = getopt_long(argc, argv, "-:o:h", opts, NULL)) != -1) {
        switch (opt) {
        case 1:
            if (n == MAX_POINTS)
                return cli_usage(&c, "at most %d recordings", MAX_POINTS);
            if (isnan(load_n) || isnan(area))
                return cli_usage(&c, "%s: give --load and --area-cm2 before the recording", optarg);
            src[n].rec = optarg;
            src[n].load_n = load_n;
            src[n].area_cm2 = area;
            n++;
            break;
        case O_CURVE:
            curve = rmat_curve_parse(optarg);
            if (curve == RMAT_CURVE_NONE)
                return cli_usage(&c, "--curve must be linear, power, divider or table (got '%s')",
                                 optarg);
            break;
        case O_LOAD:
            if (parse_load(optarg, &load_n) != 0)
                return cli_usage(&c,
                                 "--load wants a positive mass or force with its unit: 5kg, "
                                 "500g or 49N (got '%s')",
                                 optarg);
            break;
        case O_AREA:
            if (cli_parse_number(&c, "--area-cm2", optarg, 1e-6, 1e6, &area) != 0)
                return CLI_USAGE;
            break;
        case O_CMAX:
            if (cli_parse_number(&c, "--c-max-counts", optarg, 1.5, 1e9, &c_max) != 0)
                return CLI_USAGE;
            break;
        case 'o':
            out = optarg;
            break;
        case O_NAME:
            name = optarg;
            break;
        case O_GAINS:
            gains_path = optarg;
            break;
        case O_FORCE:
            force = 1;
            break;
        case O_MATDIR:
            mat_dir = optarg;
            break;
        case O_CREEP:
            creep_rec = optarg;
            break;
        case O_CALIB:
            base_cal = optarg;
            break;
        case O_CREEP_LOAD:
            if (cli_parse_number(&c, "--creep-load-kpa", optarg, 1e-6, 1e4, &creep_load_kpa) != 0)
                return CLI_USAGE;
            break;
        case 'h':
            usage_calibrate(stdout);
            return 0;
        default:
            return cli_bad_option(&c, opt, argv);
        }
    }
    if (optind != argc)
        return cli_usage(&c, "unexpected argument '%s'", argv[optind]);
    if (creep_rec) {
        if (n > 0 || curve != RMAT_CURVE_NONE || mat_dir)
            return cli_usage(&c, "--creep fits the creep alone: no --curve, --load recordings "
                                 "or --mat-dir with it");
        return calibrate_creep(&c, creep_rec, base_cal, out, creep_load_kpa, force);
    }
    if (base_cal)
        return cli_usage(&c, "--calibration goes with --creep (a curve is fitted from --load "
                             "recordings)");
    if (curve == RMAT_CURVE_NONE)
        return cli_usage(&c, "need --curve");
    if (n == 0)
        return cli_usage(&c, "need at least one --load with its recording");
    if (!out == !mat_dir)
        return cli_usage(&c, "need -o FILE, or --mat-dir DIR for the mat's own calibration "
                             "(one of them)");
    if (out && cli_check_out_file(&c, "-o", out, force) != 0)
        return CLI_FAIL;
    if (mat_dir && cli_check_out_dir(&c, "--mat-dir", mat_dir) != 0)
        return CLI_FAIL;
    if (gains_path && (rc = rmat_calib_load(gains_path, &gcal, &ei)) != RMAT_OK)
        return cli_fail_ei(&c, rc, &ei);
    rc = CLI_FAIL;

    for (int k = 0; k < n; k++) {
        struct rmat_load_stats st;
        if (rmat_load_stats_read(src[k].rec, NULL, &st, &ei) != RMAT_OK) {
            cli_fail_ei(&c, RMAT_E_IO, &ei);
            goto out;
        }
        if (k == 0) {
            adc_bits = st.adc_bits;
            rows = st.rows;
            cols = st.cols;
            serial = st.serial;
        } else if (st.rows != rows || st.cols != cols || st.serial != serial) {
            cli_fail(&c,
                     "%s is a %dx%d mat with serial %u, %s a %dx%d one with serial %u: "
                     "calibrate one mat at a time",
                     src[k].rec, st.rows, st.cols, st.serial, src[0].rec, rows, cols, serial);
            rmat_load_stats_fini(&st);
            goto out;
        }
        src[k].counts = rmat_load_mean_counts(&st, src[k].area_cm2, &src[k].sensels);
        src[k].frames = st.loaded_frames;
        rmat_load_stats_fini(&st);
        if (isnan(src[k].counts)) {
            cli_fail(&c, "%s: no sensel area (pitch) to place %g cm² on", src[k].rec,
                     src[k].area_cm2);
            goto out;
        }
        pts[k].counts = src[k].counts;
        /* N over cm²: N / (A * 1e-4 m²) Pa = 10 N / A kPa. */
        pts[k].kpa = 10.0 * src[k].load_n / src[k].area_cm2;
    }
    if (isnan(c_max))
        c_max = (double)((1u << (adc_bits >= 1 && adc_bits <= 16 ? adc_bits : 12)) - 1u);
    if (rmat_calib_fit(curve, pts, (size_t)n, c_max, &cal, fit, &ei) != RMAT_OK) {
        cli_fail_ei(&c, RMAT_E_ARG, &ei);
        goto out;
    }
    if (mat_dir) {
        /* The mat's own calibration, which rollmatd and rollmat record find
         * by the mat's serial number. */
        if (rmat_calib_mat_path(mat_dir, serial, mat_path, sizeof mat_path) != RMAT_OK) {
            cli_fail(&c, "--mat-dir %s: path too long", mat_dir);
            goto out;
        }
        if (cli_check_out_file(&c, "--mat-dir", mat_path, force) != 0)
            goto out;
        out = mat_path;
    }
    if (!name) {
        name = strrchr(out, '/');
        name = name ? name + 1 : out;
    }
    snprintf(cal->name, sizeof cal->name, "%.*s", (int)sizeof cal->name - 1, name);
    if (gcal && gcal->gains) {
        if (gcal->gain_rows != rows || gcal->gain_cols != cols) {
            cli_fail(&c, "%s: gains for a %dx%d mat, the recordings are %dx%d", gains_path,
                     gcal->gain_rows, gcal->gain_cols, rows, cols);
            goto out;
        }
        if (rmat_calib_set_gains(cal, rows, cols, gcal->gains) != RMAT_OK) {
            cli_fail(&c, "out of memory");
            goto out;
        }
    }
    if (rmat_calib_save(cal, out, &ei) != RMAT_OK) {
        cli_fail_ei(&c, RMAT_E_IO, &ei);
        goto out;
    }
    printf("# %s curve", rmat_curve_name(curve));
    if (curve == RMAT_CURVE_LINEAR)
        printf(": kpa_per_count %.6g, zero_counts %.6g\n", cal->kpa_per_count, cal->zero_counts);
    else if (curve == RMAT_CURVE_TABLE)
        printf(": %zu points\n", cal->n_points);
    else
        printf(": a_kpa %.6g, b %.6g, c_max_counts %.6g\n", cal->a_kpa, cal->b, cal->c_max_counts);
    printf("recording,load_n,area_cm2,sensels,frames,mean_counts,true_kpa,fit_kpa,error_pct\n");
    for (int k = 0; k < n; k++)
        printf("%s,%.4f,%.4g,%zu,%llu,%.2f,%.4f,%.4f,%+.2f\n", src[k].rec, src[k].load_n,
               src[k].area_cm2, src[k].sensels, (unsigned long long)src[k].frames, pts[k].counts,
               pts[k].kpa, fit[k], 100.0 * (fit[k] / pts[k].kpa - 1.0));
    fprintf(stderr, "rollmat calibrate: wrote %s\n", out);
    rc = CLI_OK;
out:
    rmat_calib_free(cal);
    rmat_calib_free(gcal);
    return rc;
}
