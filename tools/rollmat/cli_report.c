/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat report: a PDF for the patient's file, of one session or of a
 * subject's progress across sessions. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "rollmat/report.h"
#include "rollmat/trend.h"

static void usage_report(FILE *f)
{
    fputs("usage: rollmat report REC.h5|DIR [-o report.pdf] [options]\n"
          "       rollmat report --subject S DIR [-o progress.pdf]\n\n"
          "A PDF report (A4, drawn by gnuplot, pages joined by pdfunite):\n"
          " - of one session: who, what and when; the session summary in plain words\n"
          "   with units; the tissue response in sentences; events and notes; the maps,\n"
          "   the time course, the tissue response chart and the cadence. A recording\n"
          "   is analysed first (into a folder beside it, or --analysis-dir); the\n"
          "   default output is DIR/report.pdf.\n"
          " - with --subject, of that subject's progress across the sessions under DIR\n"
          "   (analysis folders, or a batch's sessions.csv): the trends in words, a\n"
          "   table of the sessions and a page of trend charts per region and side.\n"
          "   Default output: DIR/progress-S.pdf.\n"
          "The page scripts and data files stay in DIR/report/ (DIR/progress-S/).\n\n"
          "  -o, --output FILE.pdf    the report\n"
          "      --subject S          a progress report of subject S\n"
          "      --analysis-dir DIR   analysis folder for a recording\n"
          "      --calibration FILE   counts to kPa for the analysis\n"
          "      --regions FILE       named rectangles of the mat: drawn on the maps, and a\n"
          "                           page with their time, holds and pressure\n"
          "      --force              replace the PDF given with -o if it exists\n"
          "With --subject, the adherence targets (the guidance's, by default):\n"
          "      --every-days A-B     roll every A to B days (default 2-3)\n"
          "      --rolling-s A-B      rolling time per session, s (default 60-120)\n"
          "      --hold-s A-B         mean hold on a tender spot, s (default 30-45)\n"
          "      --spot-radius-mm MM  tender spots: holds within MM of a spot are that spot\n"
          "                           across sessions (default 25)\n"
          "  -v, --verbose            more messages\n\n"
          "Exit status: 0 done, 1 failed, 2 wrong usage.\n\n"
          "Examples:\n"
          "  rollmat report left-quad.h5 --calibration mat.cal --regions thigh.regions\n"
          "  rollmat report --subject P012 clinic/ -o P012-progress.pdf\n"
          "  rollmat report --subject P012 clinic/ --every-days 1-2 --hold-s 20-30\n",
          f);
}

static int progress(const struct cli *c, const char *dir, const char *subject, const char *out,
                    int force, const struct rmat_adherence_config *adh, double radius_mm)
{
    struct rmat_session_set set = {0};
    struct rmat_errinfo ei;
    char work[4200], pdf[4200], path[4200], safe[128];
    int rc;
    size_t i;

    /* The subject's name in file names: letters, digits, '-', '.', '_'. */
    snprintf(safe, sizeof safe, "%s", subject);
    for (i = 0; safe[i]; i++)
        if (!((safe[i] >= 'a' && safe[i] <= 'z') || (safe[i] >= 'A' && safe[i] <= 'Z') ||
              (safe[i] >= '0' && safe[i] <= '9') || strchr("-._", safe[i])))
            safe[i] = '_';
    snprintf(work, sizeof work, "%s/progress-%s", dir, safe);
    snprintf(pdf, sizeof pdf, "%s/progress-%s.pdf", dir, safe);
    if (out)
        snprintf(pdf, sizeof pdf, "%s", out);
    if (cli_check_out_file(c, "-o", pdf, force) != 0)
        return CLI_FAIL;
    rc = rmat_sessions_scan(dir, &set, &c->log, &ei);
    if (rc == 0) {
        snprintf(path, sizeof path, "%s/sessions.csv", dir);
        if (access(path, R_OK) == 0)
            rc = rmat_sessions_read_csv(path, &set, &ei);
    }
    if (rc >= 0) {
        rmat_sessions_sort(&set, &c->log);
        rc = rmat_report_progress(&set, subject, adh, dir, radius_mm, work, pdf, &c->log, &ei);
    }
    rmat_session_set_fini(&set);
    if (rc != RMAT_OK)
        return cli_fail_ei(c, rc, &ei);
    printf("%s\n", pdf);
    return CLI_OK;
}

int cli_report(int argc, char **argv)
{
    enum {
        O_SUBJECT = 256,
        O_ANA,
        O_CAL,
        O_FORCE,
        O_REGIONS,
        O_EVERY,
        O_ROLLING,
        O_HOLD,
        O_RADIUS
    };
    static const struct option opts[] = {{"output", required_argument, 0, 'o'},
                                         {"subject", required_argument, 0, O_SUBJECT},
                                         {"analysis-dir", required_argument, 0, O_ANA},
                                         {"calibration", required_argument, 0, O_CAL},
                                         {"regions", required_argument, 0, O_REGIONS},
                                         {"force", no_argument, 0, O_FORCE},
                                         {"every-days", required_argument, 0, O_EVERY},
                                         {"rolling-s", required_argument, 0, O_ROLLING},
                                         {"hold-s", required_argument, 0, O_HOLD},
                                         {"spot-radius-mm", required_argument, 0, O_RADIUS},
                                         {"verbose", no_argument, 0, 'v'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *out = NULL, *subject = NULL, *ana = NULL, *cal = NULL, *regions = NULL;
    int opt, rc, force = 0, adh_given = 0;
    struct rmat_adherence_config adh;
    double radius_mm = RMAT_SPOT_RADIUS_MM;
    struct cli c;
    struct rmat_errinfo ei;
    char dir[4096], pdf[4200];

    cli_init(&c, "report");
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
        case O_ANA:
            ana = optarg;
            break;
        case O_CAL:
            cal = optarg;
            break;
        case O_FORCE:
            force = 1;
            break;
        case O_REGIONS:
            regions = optarg;
            break;
        case O_EVERY:
            if (cli_parse_range(&c, "--every-days", optarg, &adh.every_min_days,
                                &adh.every_max_days) != 0)
                return CLI_USAGE;
            adh_given = 1;
            break;
        case O_ROLLING:
            if (cli_parse_range(&c, "--rolling-s", optarg, &adh.rolling_min_s,
                                &adh.rolling_max_s) != 0)
                return CLI_USAGE;
            adh_given = 1;
            break;
        case O_RADIUS:
            if (cli_parse_number(&c, "--spot-radius-mm", optarg, 0.1, 1000, &radius_mm) != 0)
                return CLI_USAGE;
            adh_given = 1;
            break;
        case O_HOLD:
            if (cli_parse_range(&c, "--hold-s", optarg, &adh.hold_min_s, &adh.hold_max_s) != 0)
                return CLI_USAGE;
            adh_given = 1;
            break;
        case 'v':
            c.verbose = 1;
            break;
        case 'h':
            usage_report(stdout);
            return CLI_OK;
        default:
            return cli_bad_option(&c, opt, argv);
        }
    }
    if (optind != argc - 1)
        return cli_usage(&c, optind >= argc ? "need a recording or a folder"
                                            : "one recording or folder at a time");
    if (subject) {
        if (regions)
            return cli_usage(&c, "--regions is for a session report, not with --subject");
        return progress(&c, argv[optind], subject, out, force, &adh, radius_mm);
    }
    if (adh_given)
        return cli_usage(
            &c, "--every-days, --rolling-s, --hold-s and --spot-radius-mm are for a progress "
                "report (with --subject)");
    /* The PDF is checked before the analysis: no work is lost to a name
     * that was taken. */
    if (out && cli_check_out_file(&c, "-o", out, force) != 0)
        return CLI_FAIL;
    rc = cli_session_dir(&c, argv[optind], ana, cal, regions, dir, sizeof dir);
    if (rc != 0)
        return rc == -2 ? CLI_USAGE : CLI_FAIL;
    snprintf(pdf, sizeof pdf, "%s/report.pdf", dir);
    if (!out && cli_check_out_file(&c, "-o", pdf, 1) != 0)
        return CLI_FAIL;
    rc = rmat_report_session(dir, out ? out : pdf, &c.log, &ei);
    if (rc != RMAT_OK)
        return cli_fail_ei(&c, rc, &ei);
    printf("%s\n", out ? out : pdf);
    return CLI_OK;
}
