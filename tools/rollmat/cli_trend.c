/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat trend: trends across sessions (docs/metrics.md). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "rollmat/figures.h"
#include "rollmat/trend.h"

static void usage_trend(FILE *f)
{
    fputs("usage: rollmat trend DIR [-o OUT] [options]\n\n"
          "Trends across sessions, per subject, region and side (docs/metrics.md):\n"
          "for mean_kpa, peak_kpa, compliance_mm3_n, hold_s, rolling_s, cadence_cpm and the\n"
          "mean pain rating, the least-squares slope per week against the session date\n"
          "with its 95% interval, r2, and the change from the first session to the last.\n"
          "With fewer than 3 sessions the values are listed, without a slope.\n"
          "Adherence to the guidance, per subject, region and side: session days a week\n"
          "against rolling every 2-3 days, rolling time per session against 1-2 minutes,\n"
          "mean hold against 30-45 s; met or not met with the figures (in trend.json).\n"
          "Tender spots: the holds of all sessions grouped by where they are on the mat,\n"
          "each with its pain and hold time from the first session to the last.\n\n"
          "DIR holds analysis folders (found recursively: each with summary.json), or a\n"
          "sessions.csv of `rollmat batch`. Writes OUT/trend.csv, OUT/trend.json,\n"
          "OUT/sessions.csv and a figure per subject, region and side in OUT/trends/.\n\n"
          "  -o, --output OUT         where to write (default DIR)\n"
          "      --subject S          only this subject's sessions\n"
          "      --no-plot            no figures (no gnuplot needed)\n"
          "      --every-days A-B     adherence: roll every A to B days (default 2-3)\n"
          "      --rolling-s A-B      adherence: rolling time per session, s (default 60-120)\n"
          "      --hold-s A-B         adherence: mean hold on a tender spot, s (default 30-45)\n"
          "      --spot-radius-mm MM  tender spots: holds within MM of a spot are that spot\n"
          "                           across sessions (default 25)\n"
          "  -v, --verbose            more messages\n\n"
          "Exit status: 0 done, 1 failed, 2 wrong usage.\n\n"
          "Examples:\n"
          "  rollmat trend clinic/ --subject P012\n"
          "  rollmat trend clinic/ --subject P012 --every-days 1-2 --hold-s 20-30\n",
          f);
}

int cli_trend(int argc, char **argv)
{
    enum { O_SUBJECT = 256, O_NOPLOT, O_EVERY, O_ROLLING, O_HOLD, O_RADIUS };
    static const struct option opts[] = {{"output", required_argument, 0, 'o'},
                                         {"subject", required_argument, 0, O_SUBJECT},
                                         {"no-plot", no_argument, 0, O_NOPLOT},
                                         {"every-days", required_argument, 0, O_EVERY},
                                         {"rolling-s", required_argument, 0, O_ROLLING},
                                         {"hold-s", required_argument, 0, O_HOLD},
                                         {"spot-radius-mm", required_argument, 0, O_RADIUS},
                                         {"verbose", no_argument, 0, 'v'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    struct rmat_adherence_config adh;
    double radius_mm = RMAT_SPOT_RADIUS_MM;
    const char *out = NULL, *subject = NULL;
    int plots = 1, opt, rc;
    struct cli c;
    struct rmat_session_set set = {0};
    struct rmat_trend_set tr = {0};
    struct rmat_errinfo ei;
    char path[4200];

    cli_init(&c, "trend");
    rmat_adherence_config_default(&adh);
    cli_getopt_quiet();
    while ((opt = getopt_long(argc, argv, CLI_GETOPT("o:vh"), opts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            out = optarg;
            break;
        case O_SUBJECT:
            subject = optarg;
            break;
        case O_NOPLOT:
            plots = 0;
            break;
        case O_EVERY:
            if (cli_parse_range(&c, "--every-days", optarg, &adh.every_min_days,
                                &adh.every_max_days) != 0)
                return CLI_USAGE;
            break;
        case O_ROLLING:
            if (cli_parse_range(&c, "--rolling-s", optarg, &adh.rolling_min_s,
                                &adh.rolling_max_s) != 0)
                return CLI_USAGE;
            break;
        case O_RADIUS:
            if (cli_parse_number(&c, "--spot-radius-mm", optarg, 0.1, 1000, &radius_mm) != 0)
                return CLI_USAGE;
            break;
        case O_HOLD:
            if (cli_parse_range(&c, "--hold-s", optarg, &adh.hold_min_s, &adh.hold_max_s) != 0)
                return CLI_USAGE;
            break;
        case 'v':
            c.verbose = 1;
            break;
        case 'h':
            usage_trend(stdout);
            return CLI_OK;
        default:
            return cli_bad_option(&c, opt, argv);
        }
    }
    if (optind != argc - 1)
        return cli_usage(&c, optind >= argc ? "need a folder of analyses" : "one folder at a time");
    if (!out)
        out = argv[optind];
    if (cli_check_out_dir(&c, "-o", out) != 0)
        return CLI_FAIL;
    rc = rmat_sessions_scan(argv[optind], &set, &c.log, &ei);
    if (rc == 0) {
        /* No analysis folders: a merged batch output has sessions.csv. */
        snprintf(path, sizeof path, "%s/sessions.csv", argv[optind]);
        if (access(path, R_OK) == 0)
            rc = rmat_sessions_read_csv(path, &set, &ei);
    }
    if (rc < 0)
        goto fail;
    if (set.n == 0) {
        cli_fail(&c,
                 "no analysed sessions under %s (folders with summary.json, or a "
                 "sessions.csv)",
                 argv[optind]);
        rmat_session_set_fini(&set);
        return CLI_FAIL;
    }
    rmat_sessions_sort(&set, &c.log);
    rc = rmat_trends_compute(&set, subject, &tr, &c.log, &ei);
    if (rc == RMAT_OK)
        rc = rmat_trends_adherence(&tr, &adh, &ei);
    if (rc == RMAT_OK)
        rc = rmat_trends_spots(&tr, argv[optind], radius_mm, &c.log, &ei);
    if (rc == RMAT_OK)
        rc = rmat_trends_write(&tr, out, &ei);
    snprintf(path, sizeof path, "%s/sessions.csv", out);
    if (rc == RMAT_OK)
        rc = rmat_sessions_write_csv(&set, path, &ei);
    snprintf(path, sizeof path, "%s/trends", out);
    if (rc == RMAT_OK && plots)
        rc = rmat_trends_plot(&tr, path, &ei);
    if (rc != RMAT_OK)
        goto fail;
    printf("%s/trend.csv\n%s/trend.json\n", out, out);
    fprintf(stderr, "rollmat trend: %zu sessions, %zu subject/region/side groups\n", set.n, tr.n);
    rmat_trends_fini(&tr);
    rmat_session_set_fini(&set);
    return CLI_OK;
fail:
    cli_fail_ei(&c, rc, &ei);
    rmat_trends_fini(&tr);
    rmat_session_set_fini(&set);
    return CLI_FAIL;
}
