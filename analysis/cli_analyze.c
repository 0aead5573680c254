/* rollmat analyze: the metrics of one recording. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "rollmat/analyze.h"

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

int cli_analyze(int argc, char **argv)
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
    struct rmat_log log = {cli_log_stderr, &verbose};

    rmat_analysis_params_init(&params);
    while ((opt = getopt_long(argc, argv, "o:vh", opts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            out_dir = optarg;
            break;
        case O_THRESH:
            if (cli_parse_number("--contact-threshold", optarg, 0, 1e6,
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
