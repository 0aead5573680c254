/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat compare: two sessions side by side, before and after or left and
 * right, as a PDF with its data files. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "rollmat/compare.h"

static void usage_compare(FILE *f)
{
    fputs("usage: rollmat compare A.h5|DIR B.h5|DIR [-o compare.pdf] [options]\n\n"
          "Compares two sessions, before and after or left and right, in a PDF (A4,\n"
          "drawn by gnuplot, pages joined by pdfunite):\n"
          " 1. the two sessions' summaries side by side, with the change from A to B\n"
          "    (B - A, and in per cent of A);\n"
          " 2. the peak-pressure maps of A and B on one colour scale, and their\n"
          "    difference B - A;\n"
          " 3. the dwell-time maps likewise.\n"
          "A recording is analysed first, into a folder beside it named after it\n"
          "(session.h5 -> session/); a folder `rollmat analyze` wrote is used as it is.\n"
          "The page scripts and data files (compare_summary.csv, the maps) stay in a\n"
          "folder named after the PDF (compare.pdf -> compare/).\n\n"
          "Only like with like: a session in raw counts is not compared with one in\n"
          "kPa, nor a session on a mat of other rows, columns or pitch.\n\n"
          "  -o, --output FILE.pdf     the comparison (default compare.pdf)\n"
          "      --labels A,B          what to call the two (default \"A,B\"), e.g.\n"
          "                            \"before,after\" or \"left,right\"\n"
          "      --calibration FILE    counts to kPa for the analyses (docs/calibration.md)\n"
          "      --force               replace the PDF if it exists\n"
          "  -v, --verbose             more messages\n\n"
          "Exit status: 0 done, 1 failed, 2 wrong usage.\n\n"
          "Example:\n"
          "  rollmat compare week1/left-quad.h5 week6/left-quad.h5 --labels \"before,after\" \\\n"
          "      --calibration mat.cal -o left-quad-before-after.pdf\n",
          f);
}

int cli_compare(int argc, char **argv)
{
    enum { O_LABELS = 256, O_CAL, O_FORCE };
    static const struct option opts[] = {{"output", required_argument, 0, 'o'},
                                         {"labels", required_argument, 0, O_LABELS},
                                         {"calibration", required_argument, 0, O_CAL},
                                         {"force", no_argument, 0, O_FORCE},
                                         {"verbose", no_argument, 0, 'v'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *out = "compare.pdf", *labels = NULL, *cal = NULL;
    char la[64] = "A", lb[64] = "B", work[4200], dir_a[4096], dir_b[4096];
    int opt, rc, force = 0;
    size_t len;
    struct cli c;
    struct rmat_errinfo ei;

    cli_init(&c, "compare");
    cli_getopt_quiet();
    while ((opt = getopt_long(argc, argv, CLI_GETOPT("o:vh"), opts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            out = optarg;
            break;
        case O_LABELS:
            labels = optarg;
            break;
        case O_CAL:
            cal = optarg;
            break;
        case O_FORCE:
            force = 1;
            break;
        case 'v':
            c.verbose = 1;
            break;
        case 'h':
            usage_compare(stdout);
            return CLI_OK;
        default:
            return cli_bad_option(&c, opt, argv);
        }
    }
    if (argc - optind != 2)
        return cli_usage(&c, argc - optind < 2 ? "need two sessions: A and B (recordings or "
                                                 "analysis folders)"
                                               : "two sessions at a time: A and B");
    if (labels) {
        const char *comma = strchr(labels, ',');
        if (!comma || strchr(comma + 1, ',') || comma == labels || !comma[1])
            return cli_usage(&c,
                             "--labels %s: give two names with a comma between, e.g. "
                             "--labels \"before,after\"",
                             labels);
        if ((size_t)(comma - labels) >= sizeof la || strlen(comma + 1) >= sizeof lb)
            return cli_usage(&c, "--labels %s: each name at most %zu characters", labels,
                             sizeof la - 1);
        snprintf(la, sizeof la, "%.*s", (int)(comma - labels), labels);
        snprintf(lb, sizeof lb, "%s", comma + 1);
    }
    /* The outputs before any work: the PDF, and its folder of pages
     * (compare.pdf -> compare/). */
    len = strlen(out);
    if (len > 4 && strcmp(out + len - 4, ".pdf") == 0)
        snprintf(work, sizeof work, "%.*s", (int)(len - 4), out);
    else
        snprintf(work, sizeof work, "%s.pages", out);
    if (cli_check_out_file(&c, "-o", out, force) != 0 ||
        cli_check_out_dir(&c, "-o (its folder of pages)", work) != 0)
        return CLI_FAIL;

    rc = cli_session_dir(&c, argv[optind], NULL, cal, NULL, dir_a, sizeof dir_a);
    if (rc == 0)
        rc = cli_session_dir(&c, argv[optind + 1], NULL, cal, NULL, dir_b, sizeof dir_b);
    if (rc != 0)
        return rc == -2 ? CLI_USAGE : CLI_FAIL;
    rc = rmat_compare_sessions(dir_a, dir_b, la, lb, work, out, &c.log, &ei);
    if (rc != RMAT_OK)
        return cli_fail_ei(&c, rc, &ei);
    printf("%s\n", out);
    return CLI_OK;
}
