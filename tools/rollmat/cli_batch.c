/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat batch: analyse every recording under a folder, in parallel
 * processes, with a progress bar on a terminal; and merge shards. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "rollmat/batch.h"

static void usage_batch(FILE *f)
{
    fputs("usage: rollmat batch DIR -o OUT [options]\n"
          "       rollmat batch --merge OUT1 OUT2 ... -o OUT\n\n"
          "Analyses every recording (*.h5) under DIR, recursively, each in its own\n"
          "process, into OUT/<its path without .h5>/; skips those whose outputs are up\n"
          "to date (newer than the recording, same parameters); a recording that fails\n"
          "is reported by name and the rest go on. Then OUT/sessions.csv (one row per\n"
          "session) and the trends (OUT/trend.csv, trend.json, OUT/trends/).\n"
          "\n"
          "  -o, --output OUT          output folder (created)\n"
          "  -j, --jobs N              processes at a time (default: the core count)\n"
          "      --shard K/N           only the K-th of N shares (by a hash of the path);\n"
          "                            join the shards' outputs with --merge\n"
          "      --merge               the arguments are shard outputs to join into -o\n"
          "      --force               analyse even what is up to date\n"
          "      --plots               also every figure of every session (slower)\n"
          "      --no-trend-plots      no trend figures (no gnuplot needed)\n"
          "      --calibration FILE    counts to kPa (default: each recording's own)\n"
          "      --regions FILE        named regions of the mat\n"
          "      --contact-threshold P --contact-threshold-counts N --smooth-s S\n"
          "      --turn-mm D --hold-radius-mm R\n"
          "      --hold-min-s S        analysis parameters, as for `rollmat analyze`\n"
          "  -q, --quiet               no progress\n"
          "  -v, --verbose             more messages\n\n"
          "Exit status: 0 done, 1 a recording failed (named above), 2 wrong usage.\n\n"
          "Example:\n"
          "  rollmat batch clinic/ -o clinic-analysis/ -j 2\n",
          f);
}

struct ui {
    int tty, quiet, drawn;
};

static void clock_text(char *buf, size_t cap, double s)
{
    if (!isfinite(s) || s < 0)
        snprintf(buf, cap, "--:--");
    else if (s < 3600)
        snprintf(buf, cap, "%d:%02d", (int)s / 60, (int)s % 60);
    else
        snprintf(buf, cap, "%d:%02d:%02d", (int)s / 3600, (int)s / 60 % 60, (int)s % 60);
}

/* On a terminal: one line redrawn in place, failures above it. Else: a
 * plain line per recording, for logs. */
static void on_progress(void *ctx, const struct rmat_batch_progress *p)
{
    struct ui *ui = ctx;
    const size_t done = p->analysed + p->skipped + p->failed;
    char left[32], el[32];

    /* A failure is said by name whatever else is shown. */
    if (p->what == RMAT_BATCH_FAILED) {
        if (ui->tty && ui->drawn)
            fputs("\r\033[K", stderr);
        fprintf(stderr, "rollmat batch: [%zu/%zu] FAILED %s: %s\n", done, p->total, p->name,
                p->message);
    }
    if (ui->quiet)
        return;
    if (!ui->tty) {
        if (p->what == RMAT_BATCH_STARTED)
            fprintf(stderr, "rollmat batch: %zu recordings\n", p->total);
        else if (p->what == RMAT_BATCH_ANALYSED)
            fprintf(stderr, "rollmat batch: [%zu/%zu] analysed %s (%.1f s)\n", done, p->total,
                    p->name, p->seconds);
        else if (p->what == RMAT_BATCH_SKIPPED)
            fprintf(stderr, "rollmat batch: [%zu/%zu] up to date %s\n", done, p->total, p->name);
        return;
    }
    if (p->what == RMAT_BATCH_FINISHED) {
        if (ui->drawn)
            fputc('\n', stderr);
        return;
    }
    {
        /* rate over what was analysed (skips cost nothing), time left at
         * that rate for what remains */
        const double rate = p->elapsed_s > 0 ? (double)(p->analysed + p->failed) / p->elapsed_s : 0;
        const size_t remaining = p->total - done;
        const int width = 30;
        const int fill = p->total ? (int)((double)width * (double)done / (double)p->total) : width;
        char bar[64];
        for (int i = 0; i < width; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[width] = '\0';
        clock_text(left, sizeof left, rate > 0 ? (double)remaining / rate : NAN);
        clock_text(el, sizeof el, p->elapsed_s);
        fprintf(stderr, "\r\033[K[%s] %zu/%zu  %.1f/s  %s elapsed  %s left", bar, done, p->total,
                rate, el, remaining ? left : "0:00");
        if (p->failed)
            fprintf(stderr, "  %zu failed", p->failed);
        fflush(stderr);
        ui->drawn = 1;
    }
}

static int parse_shard(const char *s, int *k, int *n)
{
    char *end;
    long a = strtol(s, &end, 10), b;
    if (end == s || *end != '/')
        return -1;
    b = strtol(end + 1, &end, 10);
    if (*end != '\0' || b < 1 || b > 100000 || a < 1 || a > b)
        return -1;
    *k = (int)a;
    *n = (int)b;
    return 0;
}

int cli_batch(int argc, char **argv)
{
    enum {
        O_SHARD = 256,
        O_MERGE,
        O_FORCE,
        O_PLOTS,
        O_NOTREND,
        O_CAL,
        O_REGIONS,
        O_THRESH,
        O_THRESH_COUNTS,
        O_SMOOTH,
        O_TURN,
        O_HOLD_R,
        O_HOLD_S,
    };
    static const struct option opts[] = {
        {"output", required_argument, 0, 'o'},
        {"jobs", required_argument, 0, 'j'},
        {"shard", required_argument, 0, O_SHARD},
        {"merge", no_argument, 0, O_MERGE},
        {"force", no_argument, 0, O_FORCE},
        {"plots", no_argument, 0, O_PLOTS},
        {"no-trend-plots", no_argument, 0, O_NOTREND},
        {"calibration", required_argument, 0, O_CAL},
        {"regions", required_argument, 0, O_REGIONS},
        {"contact-threshold", required_argument, 0, O_THRESH},
        {"contact-threshold-counts", required_argument, 0, O_THRESH_COUNTS},
        {"smooth-s", required_argument, 0, O_SMOOTH},
        {"turn-mm", required_argument, 0, O_TURN},
        {"hold-radius-mm", required_argument, 0, O_HOLD_R},
        {"hold-min-s", required_argument, 0, O_HOLD_S},
        {"quiet", no_argument, 0, 'q'},
        {"verbose", no_argument, 0, 'v'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    struct rmat_batch_config cfg;
    struct rmat_batch_result res;
    struct rmat_analysis_params params;
    struct rmat_errinfo ei;
    struct ui ui = {isatty(2), 0, 0};
    int merge = 0, opt, rc;
    struct cli c;
    double v;

    cli_init(&c, "batch");
    cli_getopt_quiet();
    rmat_batch_config_init(&cfg);
    rmat_analysis_params_init(&params);
    while ((opt = getopt_long(argc, argv, CLI_GETOPT("o:j:qvh"), opts, NULL)) != -1) {
        int bad = 0;
        switch (opt) {
        case 'o':
            cfg.out_dir = optarg;
            break;
        case 'j':
            bad = cli_parse_number(&c, "--jobs", optarg, 1, 4096, &v);
            cfg.jobs = (int)v;
            break;
        case O_SHARD:
            if (parse_shard(optarg, &cfg.shard_k, &cfg.shard_n) != 0)
                return cli_usage(&c, "--shard wants K/N with 1 <= K <= N, got '%s'", optarg);
            break;
        case O_MERGE:
            merge = 1;
            break;
        case O_FORCE:
            cfg.force = 1;
            break;
        case O_PLOTS:
            cfg.plots = 1;
            break;
        case O_NOTREND:
            cfg.trend_plots = 0;
            break;
        case O_CAL:
            params.calibration_path = optarg;
            break;
        case O_REGIONS:
            params.regions_path = optarg;
            break;
        case O_THRESH:
            bad = cli_parse_number(&c, "--contact-threshold", optarg, 0, 1e6,
                                   &params.contact_threshold_kpa);
            break;
        case O_THRESH_COUNTS:
            bad = cli_parse_number(&c, "--contact-threshold-counts", optarg, 0, 65535,
                                   &params.contact_threshold_counts);
            break;
        case O_SMOOTH:
            bad = cli_parse_number(&c, "--smooth-s", optarg, 0, 3600, &params.smooth_s);
            break;
        case O_TURN:
            bad = cli_parse_number(&c, "--turn-mm", optarg, 1e-3, 1e5, &params.turn_mm);
            break;
        case O_HOLD_R:
            bad = cli_parse_number(&c, "--hold-radius-mm", optarg, 0, 1e5, &params.hold_radius_mm);
            break;
        case O_HOLD_S:
            bad = cli_parse_number(&c, "--hold-min-s", optarg, 0, 1e6, &params.hold_min_s);
            break;
        case 'q':
            ui.quiet = 1;
            break;
        case 'v':
            c.verbose = 1;
            break;
        case 'h':
            usage_batch(stdout);
            return 0;
        default:
            return cli_bad_option(&c, opt, argv);
        }
        if (bad)
            return CLI_USAGE;
    }
    if (!cfg.out_dir)
        return cli_usage(&c, "need -o OUT, the folder for the results");
    if (cli_check_out_dir(&c, "-o", cfg.out_dir) != 0)
        return CLI_FAIL;
    if (merge) {
        if (optind >= argc)
            return cli_usage(&c, "--merge needs the shards' output folders");
        rc = rmat_batch_merge((const char *const *)(argv + optind), (size_t)(argc - optind),
                              cfg.out_dir, cfg.trend_plots, &c.log, &ei);
        if (rc != RMAT_OK)
            return cli_fail_ei(&c, rc, &ei);
        printf("%s/sessions.csv\n%s/trend.csv\n", cfg.out_dir, cfg.out_dir);
        return CLI_OK;
    }
    if (optind != argc - 1)
        return cli_usage(&c, optind >= argc ? "need a folder of recordings"
                                            : "one folder of recordings at a time");
    cfg.in_dir = argv[optind];
    cfg.params = &params;
    cfg.progress = on_progress;
    cfg.progress_ctx = &ui;
    cfg.log = &c.log;
    cfg.stop = &cli_stop_requested;
    cli_catch_signals();
    rc = rmat_batch_run(&cfg, &res, &ei);
    if (rc != RMAT_OK) {
        if (ui.tty && ui.drawn)
            fputc('\n', stderr);
        return cli_fail_ei(&c, rc, &ei);
    }
    fprintf(stderr, "rollmat batch: %zu recordings: %zu analysed, %zu up to date, %zu failed%s\n",
            res.total, res.analysed, res.skipped, res.failed,
            res.stopped ? " (stopped before the end)" : "");
    printf("%s/sessions.csv\n%s/trend.csv\n", cfg.out_dir, cfg.out_dir);
    return res.failed || res.stopped ? CLI_FAIL : CLI_OK;
}
