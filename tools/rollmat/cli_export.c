/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat export: a recording's frames out as CSV or Tekscan ASCII
 * (docs/import.md). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "rollmat/import.h"

static void usage_export(FILE *f)
{
    fputs("usage: rollmat export REC.h5 --format csv|tekscan [-o FILE]\n\n"
          "Writes a recording's frames as text for spreadsheets and other tools:\n"
          "  csv      a row per frame: frame, t_s, then every sensel (r0c0, r0c1, ...);\n"
          "           empty where the sensor has no sensel\n"
          "  tekscan  the Tekscan ASCII movie layout (B where there is no sensel), which\n"
          "           `rollmat import` reads back into the same frames\n"
          "Values are kPa for a recording in kPa (an import), raw counts otherwise.\n"
          "Nothing is overwritten.\n\n"
          "      --format NAME   csv or tekscan (required)\n"
          "  -o, --output FILE   the file (default: REC with .csv or .asf)\n\n"
          "Exit status: 0 done, 1 failed, 2 wrong usage.\n\n"
          "Example:\n"
          "  rollmat export walk.h5 --format tekscan -o walk-again.asf\n",
          f);
}

int cli_export(int argc, char **argv)
{
    enum { O_FORMAT = 256 };
    static const struct option opts[] = {{"output", required_argument, 0, 'o'},
                                         {"format", required_argument, 0, O_FORMAT},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    static const char *const formats[] = {"csv", "tekscan", NULL};
    const char *out = NULL, *fmt = NULL, *rec;
    char def[4200];
    struct rmat_errinfo ei;
    int opt, rc;
    struct cli c;

    cli_init(&c, "export");
    cli_getopt_quiet();
    while ((opt = getopt_long(argc, argv, CLI_GETOPT("o:h"), opts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            out = optarg;
            break;
        case O_FORMAT:
            if (cli_one_of(&c, "--format", optarg, formats) != 0)
                return CLI_USAGE;
            fmt = optarg;
            break;
        case 'h':
            usage_export(stdout);
            return CLI_OK;
        default:
            return cli_bad_option(&c, opt, argv);
        }
    }
    if (optind != argc - 1)
        return cli_usage(&c,
                         optind >= argc ? "need a recording (REC.h5)" : "one recording at a time");
    if (!fmt)
        return cli_usage(&c, "--format csv or --format tekscan is required");
    rec = argv[optind];
    if (!out) {
        size_t n = strlen(rec);
        if (n > 3 && strcmp(rec + n - 3, ".h5") == 0)
            n -= 3;
        snprintf(def, sizeof def, "%.*s.%s", (int)n, rec, fmt[0] == 'c' ? "csv" : "asf");
        out = def;
    }
    if (cli_check_out_file(&c, "-o", out, 0) != 0)
        return CLI_FAIL;
    rc = rmat_export(rec, fmt[0] == 'c' ? RMAT_EXPORT_CSV : RMAT_EXPORT_TEKSCAN, out, &ei);
    if (rc != RMAT_OK)
        return cli_fail_ei(&c, rc, &ei);
    printf("%s\n", out);
    return CLI_OK;
}
