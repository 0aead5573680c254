/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat import: other systems' exports into rollmat recordings
 * (docs/import.md). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli.h"
#include "rollmat/import.h"

#define MAX_PARTS 16

static void usage_import(FILE *f)
{
    fputs("usage: rollmat import FILE... [-o OUT] [--format NAME] [options]\n"
          "       rollmat import --list-formats\n\n"
          "Turns exports of other pressure-mapping systems (Tekscan, XSENSOR, novel emed,\n"
          "pedar and pliance, Zebris, in-bed maps, plain matrices) into rollmat\n"
          "recordings that every rollmat command reads (docs/import.md). The format is\n"
          "detected from the content. One recording per grid: a file holding both\n"
          "insoles gives OUT-left.h5 and OUT-right.h5. The source is kept in the\n"
          "recording (/source: format, file name, SHA-256, the header verbatim).\n"
          "Nothing is overwritten; on an error no recording is left behind.\n\n"
          "  -o, --output OUT          the recording (default: FILE with .h5); with\n"
          "                            several FILEs, a folder\n"
          "      --format NAME         read as NAME (see --list-formats), no detection\n"
          "      --list-formats        the formats, how each is detected, and those this\n"
          "                            build cannot read\n"
          "      --side left|right     only that insole of a pair\n"
          "      --rows R, --cols C    geometry of an in-bed or matrix file\n"
          "      --pitch-mm X[,Y]      sensel pitch between columns (X) and rows (Y)\n"
          "      --unit WORD           the values' unit (kPa, mmHg, N/cm2, MPa, PSI,\n"
          "                            N-per-sensel, counts)\n"
          "      --rate-hz F           frame rate of an in-bed or matrix file\n"
          "      --layout line|block   matrix: a frame per line, or ROWS lines per frame\n"
          "      --sep C               matrix: the separator (, ; tab space)\n"
          "      --decimal-comma       matrix: \"1,5\" is 1.5\n"
          "      --skip-lines N        matrix: lines skipped before the data\n"
          "      --time-column         matrix line layout: the first value is t in s\n"
          "      --drop-first N, --drop-last N  in-bed: frames cut at either end\n"
          "      --sensor-table FILE   CSV id,area_mm2[,x_mm,y_mm] for sensor lists\n"
          "      --tz ZONE             the export's clock: local (default), UTC, +HH:MM\n"
          "      --redact              blank known personal fields in the header\n"
          "      --subject S, --region R, --mounting tissue|floor  session attributes\n"
          "  -v, --verbose             more messages\n\n"
          "Exit status: 0 done, 1 failed, 2 wrong usage.\n\n"
          "Examples:\n"
          "  rollmat import walk.asf -o walk.h5\n"
          "  rollmat import night.txt --format inbed --pitch-mm 10 --rate-hz 1\n",
          f);
}

static void list_formats(void)
{
    size_t n;
    const struct rmat_import_format_info *fi = rmat_import_formats(&n);

    for (size_t i = 0; i < n; i++) {
        printf("%-10s %s\n", fi[i].name, fi[i].description);
        printf("%-10s extensions: %s; detected: %s\n", "", fi[i].extensions, fi[i].detect);
        if (!fi[i].supported)
            printf("%-10s NOT READ by this build: %s\n", "", fi[i].why_not);
    }
}

static int parse_pitch(const struct cli *c, const char *s, double *x, double *y)
{
    char a[64];
    const char *comma = strchr(s, ',');

    if (!comma)
        return cli_parse_number(c, "--pitch-mm", s, 1e-3, 1e4, x) == 0 ? (*y = *x, 0) : -1;
    snprintf(a, sizeof a, "%.*s", (int)(comma - s), s);
    if (cli_parse_number(c, "--pitch-mm", a, 1e-3, 1e4, x) != 0 ||
        cli_parse_number(c, "--pitch-mm", comma + 1, 1e-3, 1e4, y) != 0)
        return -1;
    return 0;
}

int cli_import(int argc, char **argv)
{
    enum {
        O_FORMAT = 256,
        O_LIST,
        O_SIDE,
        O_ROWS,
        O_COLS,
        O_PITCH,
        O_UNIT,
        O_RATE,
        O_LAYOUT,
        O_SEP,
        O_DECCOMMA,
        O_SKIP,
        O_TIMECOL,
        O_DROPF,
        O_DROPL,
        O_SENSORS,
        O_TZ,
        O_REDACT,
        O_SUBJECT,
        O_REGION,
        O_MOUNTING,
    };
    static const struct option opts[] = {{"output", required_argument, 0, 'o'},
                                         {"format", required_argument, 0, O_FORMAT},
                                         {"list-formats", no_argument, 0, O_LIST},
                                         {"side", required_argument, 0, O_SIDE},
                                         {"rows", required_argument, 0, O_ROWS},
                                         {"cols", required_argument, 0, O_COLS},
                                         {"pitch-mm", required_argument, 0, O_PITCH},
                                         {"unit", required_argument, 0, O_UNIT},
                                         {"rate-hz", required_argument, 0, O_RATE},
                                         {"layout", required_argument, 0, O_LAYOUT},
                                         {"sep", required_argument, 0, O_SEP},
                                         {"decimal-comma", no_argument, 0, O_DECCOMMA},
                                         {"skip-lines", required_argument, 0, O_SKIP},
                                         {"time-column", no_argument, 0, O_TIMECOL},
                                         {"drop-first", required_argument, 0, O_DROPF},
                                         {"drop-last", required_argument, 0, O_DROPL},
                                         {"sensor-table", required_argument, 0, O_SENSORS},
                                         {"tz", required_argument, 0, O_TZ},
                                         {"redact", no_argument, 0, O_REDACT},
                                         {"subject", required_argument, 0, O_SUBJECT},
                                         {"region", required_argument, 0, O_REGION},
                                         {"mounting", required_argument, 0, O_MOUNTING},
                                         {"verbose", no_argument, 0, 'v'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    static const char *const sides[] = {"left", "right", NULL};
    static const char *const layouts[] = {"line", "block", NULL};
    static const char *const mountings[] = {"tissue", "floor", NULL};
    struct rmat_import_opts io;
    struct rmat_import_out out;
    struct rmat_session_meta meta;
    struct rmat_import_written w[MAX_PARTS];
    struct rmat_errinfo ei;
    const char *out_path = NULL;
    struct stat st;
    double d;
    long l;
    int opt, rc, failed = 0;
    struct cli c;

    cli_init(&c, "import");
    memset(&io, 0, sizeof io);
    rmat_import_opts_init(&io);
    rmat_session_meta_init(&meta);
    cli_getopt_quiet();
    while ((opt = getopt_long(argc, argv, CLI_GETOPT("o:vh"), opts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            out_path = optarg;
            break;
        case O_FORMAT:
            io.format = rmat_import_format_by_name(optarg);
            if (io.format == RMAT_IMPORT_AUTO)
                return cli_usage(&c,
                                 "--format %s: unknown format (see `rollmat import "
                                 "--list-formats`)",
                                 optarg);
            break;
        case O_LIST:
            list_formats();
            return CLI_OK;
        case O_SIDE:
            if (cli_one_of(&c, "--side", optarg, sides) != 0)
                return CLI_USAGE;
            io.side = strcmp(optarg, "left") == 0 ? RMAT_IMPORT_SIDE_LEFT : RMAT_IMPORT_SIDE_RIGHT;
            break;
        case O_ROWS:
        case O_COLS:
            if (cli_parse_int(&c, opt == O_ROWS ? "--rows" : "--cols", optarg, 1,
                              RMAT_IMPORT_MAX_SIDE, &l) != 0)
                return CLI_USAGE;
            *(opt == O_ROWS ? &io.rows : &io.cols) = (int)l;
            break;
        case O_PITCH:
            if (parse_pitch(&c, optarg, &io.pitch_x_mm, &io.pitch_y_mm) != 0)
                return CLI_USAGE;
            break;
        case O_UNIT:
            io.unit = optarg;
            break;
        case O_RATE:
            if (cli_parse_number(&c, "--rate-hz", optarg, 1e-3, 1e5, &d) != 0)
                return CLI_USAGE;
            io.rate_hz = d;
            break;
        case O_LAYOUT:
            if (cli_one_of(&c, "--layout", optarg, layouts) != 0)
                return CLI_USAGE;
            io.layout = optarg[1] == 'i' ? RMAT_IMPORT_LAYOUT_LINE : RMAT_IMPORT_LAYOUT_BLOCK;
            break;
        case O_SEP:
            if (strcmp(optarg, "tab") == 0 || strcmp(optarg, "\\t") == 0)
                io.sep = '\t';
            else if (strcmp(optarg, "space") == 0)
                io.sep = ' ';
            else if (strlen(optarg) == 1 && strchr(",; \t", optarg[0]))
                io.sep = optarg[0];
            else
                return cli_usage(&c, "--sep %s: one of , ; tab space", optarg);
            break;
        case O_DECCOMMA:
            io.decimal_comma = 1;
            break;
        case O_SKIP:
            if (cli_parse_int(&c, "--skip-lines", optarg, 0, 1000000, &l) != 0)
                return CLI_USAGE;
            io.skip_lines = (int)l;
            break;
        case O_TIMECOL:
            io.time_column = 1;
            break;
        case O_DROPF:
        case O_DROPL:
            if (cli_parse_int(&c, opt == O_DROPF ? "--drop-first" : "--drop-last", optarg, 0,
                              1000000000L, &l) != 0)
                return CLI_USAGE;
            *(opt == O_DROPF ? &io.drop_first : &io.drop_last) = l;
            break;
        case O_SENSORS:
            io.sensor_table = optarg;
            break;
        case O_TZ:
            io.tz = optarg;
            break;
        case O_REDACT:
            io.redact = 1;
            break;
        case O_SUBJECT:
            if (cli_copy_attr(&c, "--subject", optarg, meta.subject, sizeof meta.subject) != 0)
                return CLI_USAGE;
            break;
        case O_REGION:
            if (cli_copy_attr(&c, "--region", optarg, meta.region, sizeof meta.region) != 0)
                return CLI_USAGE;
            break;
        case O_MOUNTING:
            if (cli_one_of(&c, "--mounting", optarg, mountings) != 0)
                return CLI_USAGE;
            snprintf(meta.mounting, sizeof meta.mounting, "%s", optarg);
            break;
        case 'v':
            c.verbose = 1;
            break;
        case 'h':
            usage_import(stdout);
            return CLI_OK;
        default:
            return cli_bad_option(&c, opt, argv);
        }
    }
    if (optind >= argc)
        return cli_usage(&c, "need an export to import (FILE...)");
    io.log = &c.log;

    memset(&out, 0, sizeof out);
    out.out = out_path;
    out.meta = &meta;
    out.stop = &cli_stop_requested;
    /* Several files: -o is a folder (which must exist); so is an existing
     * folder given for one file. */
    if (out_path && stat(out_path, &st) == 0 && S_ISDIR(st.st_mode))
        out.out_is_dir = 1;
    else if (out_path && argc - optind > 1)
        return cli_usage(&c, "-o %s: with several files, -o is an existing folder", out_path);
    if (out_path && !out.out_is_dir) {
        size_t n = strlen(out_path);
        if (n < 4 || strcmp(out_path + n - 3, ".h5") != 0)
            return cli_usage(&c, "-o %s: a recording's name ends in .h5", out_path);
        if (cli_check_out_file(&c, "-o", out_path, -1) != 0)
            return CLI_FAIL;
    }
    cli_catch_signals();

    for (int i = optind; i < argc; i++) {
        size_t n = 0;
        rc = rmat_import_write(argv[i], &io, &out, w, MAX_PARTS, &n, &ei);
        if (rc == RMAT_E_STOPPED) {
            fprintf(stderr, "rollmat import: stopped; nothing written for %s\n", argv[i]);
            return CLI_FAIL;
        }
        if (rc != RMAT_OK) {
            cli_fail_ei(&c, rc, &ei);
            failed = 1;
            continue;
        }
        for (size_t k = 0; k < n; k++) {
            printf("%s\n", w[k].path);
            fprintf(stderr, "rollmat import: %s: %llu frames of %d x %d %s%s%s\n", w[k].path,
                    (unsigned long long)w[k].frames, w[k].rows, w[k].cols,
                    w[k].layout == RMAT_IMPORT_SENSORS ? "sensors" : "sensels",
                    w[k].counts ? " (raw counts)" : " (kPa)",
                    w[k].side == RMAT_IMPORT_SIDE_LEFT    ? ", left"
                    : w[k].side == RMAT_IMPORT_SIDE_RIGHT ? ", right"
                                                          : "");
        }
    }
    return failed ? CLI_FAIL : CLI_OK;
}
