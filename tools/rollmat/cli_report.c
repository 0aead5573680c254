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
          "  -v, --verbose            more messages\n",
          f);
}

static int progress(const char *dir, const char *subject, const char *out,
                    const struct rmat_log *log)
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
    rc = rmat_sessions_scan(dir, &set, log, &ei);
    if (rc == 0) {
        snprintf(path, sizeof path, "%s/sessions.csv", dir);
        if (access(path, R_OK) == 0)
            rc = rmat_sessions_read_csv(path, &set, &ei);
    }
    if (rc >= 0) {
        rmat_sessions_sort(&set, log);
        rc = rmat_report_progress(&set, subject, work, pdf, log, &ei);
    }
    rmat_session_set_fini(&set);
    if (rc != RMAT_OK) {
        fprintf(stderr, "rollmat: error: %s\n", ei.msg[0] ? ei.msg : rmat_strerror(rc));
        return 1;
    }
    printf("%s\n", pdf);
    return 0;
}

int cli_report(int argc, char **argv)
{
    enum { O_SUBJECT = 256, O_ANA, O_CAL };
    static const struct option opts[] = {{"output", required_argument, 0, 'o'},
                                         {"subject", required_argument, 0, O_SUBJECT},
                                         {"analysis-dir", required_argument, 0, O_ANA},
                                         {"calibration", required_argument, 0, O_CAL},
                                         {"verbose", no_argument, 0, 'v'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *out = NULL, *subject = NULL, *ana = NULL, *cal = NULL;
    int verbose = 0, opt, rc;
    struct rmat_log log = {cli_log_stderr, &verbose};
    struct rmat_errinfo ei;
    char dir[4096], pdf[4200];

    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:vh", opts, NULL)) != -1) {
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
        case 'v':
            verbose = 1;
            break;
        case 'h':
            usage_report(stdout);
            return 0;
        default:
            usage_report(stderr);
            return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "rollmat report: need one recording or folder (see --help)\n");
        return 2;
    }
    if (subject)
        return progress(argv[optind], subject, out, &log);
    if (cli_session_dir(argv[optind], ana, cal, &log, dir, sizeof dir) != 0)
        return 1;
    snprintf(pdf, sizeof pdf, "%s/report.pdf", dir);
    rc = rmat_report_session(dir, out ? out : pdf, &log, &ei);
    if (rc != RMAT_OK) {
        fprintf(stderr, "rollmat: error: %s\n", ei.msg[0] ? ei.msg : rmat_strerror(rc));
        return 1;
    }
    printf("%s\n", out ? out : pdf);
    return 0;
}
