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
          "                         [--load L REC.h5 ...] -o OUT.cal [options]\n\n"
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
          "  --force                replace OUT if it exists\n",
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

struct point_src {
    const char *rec;
    double load_n, area_cm2, counts;
    size_t sensels;
    uint64_t frames;
};

int cli_calibrate(int argc, char **argv)
{
    enum { O_CURVE = 256, O_LOAD, O_AREA, O_CMAX, O_NAME, O_GAINS, O_FORCE };
    static const struct option opts[] = {{"curve", required_argument, 0, O_CURVE},
                                         {"load", required_argument, 0, O_LOAD},
                                         {"area-cm2", required_argument, 0, O_AREA},
                                         {"output", required_argument, 0, 'o'},
                                         {"c-max-counts", required_argument, 0, O_CMAX},
                                         {"name", required_argument, 0, O_NAME},
                                         {"gains", required_argument, 0, O_GAINS},
                                         {"force", no_argument, 0, O_FORCE},
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
    int n = 0, force = 0, opt, rc = 1, adc_bits = 0, rows = 0, cols = 0;
    FILE *probe;

    optind = 1;
    /* A leading '-': recordings come back in order as option 1, so each
     * takes the --load and --area-cm2 given before it. */
    while ((opt = getopt_long(argc, argv, "-o:h", opts, NULL)) != -1) {
        switch (opt) {
        case 1:
            if (n == MAX_POINTS) {
                fprintf(stderr, "rollmat calibrate: at most %d recordings\n", MAX_POINTS);
                return 2;
            }
            if (isnan(load_n) || isnan(area)) {
                fprintf(stderr,
                        "rollmat calibrate: %s: give --load and --area-cm2 before the "
                        "recording\n",
                        optarg);
                return 2;
            }
            src[n].rec = optarg;
            src[n].load_n = load_n;
            src[n].area_cm2 = area;
            n++;
            break;
        case O_CURVE:
            curve = rmat_curve_parse(optarg);
            if (curve == RMAT_CURVE_NONE) {
                fprintf(stderr,
                        "rollmat calibrate: --curve must be linear, power, divider or table "
                        "(got '%s')\n",
                        optarg);
                return 2;
            }
            break;
        case O_LOAD:
            if (parse_load(optarg, &load_n) != 0) {
                fprintf(stderr,
                        "rollmat calibrate: --load wants a positive mass or force with its "
                        "unit: 5kg, 500g or 49N (got '%s')\n",
                        optarg);
                return 2;
            }
            break;
        case O_AREA:
            if (cli_parse_number("--area-cm2", optarg, 1e-6, 1e6, &area) != 0)
                return 2;
            break;
        case O_CMAX:
            if (cli_parse_number("--c-max-counts", optarg, 1.5, 1e9, &c_max) != 0)
                return 2;
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
        case 'h':
            usage_calibrate(stdout);
            return 0;
        default:
            usage_calibrate(stderr);
            return 2;
        }
    }
    if (curve == RMAT_CURVE_NONE || n == 0 || !out) {
        fprintf(stderr, "rollmat calibrate: need --curve, at least one --load with its "
                        "recording, and -o FILE (see --help)\n");
        return 2;
    }
    if (!force && (probe = fopen(out, "r")) != NULL) {
        fclose(probe);
        fprintf(stderr, "rollmat calibrate: %s exists; use --force to replace it\n", out);
        return 1;
    }
    if (gains_path && rmat_calib_load(gains_path, &gcal, &ei) != RMAT_OK) {
        fprintf(stderr, "rollmat: error: %s\n", ei.msg);
        return 1;
    }

    for (int k = 0; k < n; k++) {
        struct rmat_load_stats st;
        if (rmat_load_stats_read(src[k].rec, NULL, &st, &ei) != RMAT_OK) {
            fprintf(stderr, "rollmat: error: %s\n", ei.msg);
            goto out;
        }
        if (k == 0) {
            adc_bits = st.adc_bits;
            rows = st.rows;
            cols = st.cols;
        } else if (st.rows != rows || st.cols != cols) {
            fprintf(stderr, "rollmat: error: %s is a %dx%d mat, %s a %dx%d one\n", src[k].rec,
                    st.rows, st.cols, src[0].rec, rows, cols);
            rmat_load_stats_fini(&st);
            goto out;
        }
        src[k].counts = rmat_load_mean_counts(&st, src[k].area_cm2, &src[k].sensels);
        src[k].frames = st.loaded_frames;
        rmat_load_stats_fini(&st);
        if (isnan(src[k].counts)) {
            fprintf(stderr, "rollmat: error: %s: no sensel area (pitch) to place %g cm² on\n",
                    src[k].rec, src[k].area_cm2);
            goto out;
        }
        pts[k].counts = src[k].counts;
        /* N over cm²: N / (A * 1e-4 m²) Pa = 10 N / A kPa. */
        pts[k].kpa = 10.0 * src[k].load_n / src[k].area_cm2;
    }
    if (isnan(c_max))
        c_max = (double)((1u << (adc_bits >= 1 && adc_bits <= 16 ? adc_bits : 12)) - 1u);
    if (rmat_calib_fit(curve, pts, (size_t)n, c_max, &cal, fit, &ei) != RMAT_OK) {
        fprintf(stderr, "rollmat: error: %s\n", ei.msg);
        goto out;
    }
    if (!name) {
        name = strrchr(out, '/');
        name = name ? name + 1 : out;
    }
    snprintf(cal->name, sizeof cal->name, "%s", name);
    if (gcal && gcal->gains) {
        if (gcal->gain_rows != rows || gcal->gain_cols != cols) {
            fprintf(stderr, "rollmat: error: %s: gains for a %dx%d mat, the recordings are %dx%d\n",
                    gains_path, gcal->gain_rows, gcal->gain_cols, rows, cols);
            goto out;
        }
        if (rmat_calib_set_gains(cal, rows, cols, gcal->gains) != RMAT_OK) {
            fprintf(stderr, "rollmat: error: out of memory\n");
            goto out;
        }
    }
    if (rmat_calib_save(cal, out, &ei) != RMAT_OK) {
        fprintf(stderr, "rollmat: error: %s\n", ei.msg);
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
    fprintf(stderr, "rollmat: wrote %s\n", out);
    rc = 0;
out:
    rmat_calib_free(cal);
    rmat_calib_free(gcal);
    return rc;
}
