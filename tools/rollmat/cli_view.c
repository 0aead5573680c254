/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat view: plays a recording in the browser (docs/live.md). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "rollmat/live.h"
#include "rollmat/web.h"

static void usage_view(FILE *f)
{
    fputs("usage: rollmat view REC.h5 [options]\n\n"
          "Serves the live view's page over a recording (also one still being\n"
          "written): play, pause, speed 0.25x-8x, scrub, and a timeline of its passes,\n"
          "holds, marks, pain ratings and gaps. Open the address it prints; Ctrl-C\n"
          "stops it.\n\n"
          "      --http PORT           port on 127.0.0.1 (default 8470; 0: any free one)\n"
          "      --http-listen A:P     listen on address A port P instead (beyond this\n"
          "                            machine: a token is made and printed)\n"
          "      --http-token-file F   the token, from the first line of F\n"
          "      --url-file FILE       write the page's address to FILE once serving\n"
          "      --calibration FILE    counts to kPa instead of the recording's own\n"
          "      --hold-band LO-HI     the hold target, seconds (default 30-45)\n"
          "      --cadence-band LO-HI  cycles a minute (default 15-40)\n"
          "      --pressure-zone LO-HI mean pressure target, kPa (default: none)\n"
          "      --scale-max KPA       top of the colour scale (default 150)\n"
          "  -v, --verbose             more messages\n\n"
          "Exit status: 0 stopped, 1 failed, 2 wrong usage.\n\n"
          "Example:\n"
          "  rollmat view left-quad.h5 --http 8471\n",
          f);
}

/* Writes text to path through a temporary file, so a reader never sees
 * half of it. */
static int write_atomic(const char *path, const char *text)
{
    char tmp[4200];
    FILE *f;
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    f = fopen(tmp, "w");
    if (!f)
        return -1;
    fputs(text, f);
    if (fclose(f) != 0)
        return -1;
    return rename(tmp, path);
}

static int action(void *ctx, const char *name, const char *const *keys, const char *const *values,
                  size_t n, char *reply, size_t cap)
{
    return rmat_playback_action(ctx, name, keys, values, n, reply, cap);
}

static char *get(void *ctx, const char *name)
{
    return strcmp(name, "timeline") == 0 ? rmat_playback_timeline(ctx) : NULL;
}

int cli_view(int argc, char **argv)
{
    enum { O_HTTP = 256, O_LISTEN, O_TOKEN, O_URL, O_CAL, O_HOLD, O_CAD, O_ZONE, O_SCALE };
    static const struct option opts[] = {{"http", required_argument, 0, O_HTTP},
                                         {"http-listen", required_argument, 0, O_LISTEN},
                                         {"http-token-file", required_argument, 0, O_TOKEN},
                                         {"url-file", required_argument, 0, O_URL},
                                         {"calibration", required_argument, 0, O_CAL},
                                         {"hold-band", required_argument, 0, O_HOLD},
                                         {"cadence-band", required_argument, 0, O_CAD},
                                         {"pressure-zone", required_argument, 0, O_ZONE},
                                         {"scale-max", required_argument, 0, O_SCALE},
                                         {"verbose", no_argument, 0, 'v'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    struct cli c;
    struct rmat_analysis_params params;
    struct rmat_live_targets targets;
    struct rmat_web_config wc;
    struct rmat_live_hub *hub = NULL;
    struct rmat_playback *pb = NULL;
    struct rmat_web *web = NULL;
    struct rmat_errinfo ei;
    char addr[64] = "127.0.0.1", token[160] = "", url[300];
    const char *url_file = NULL, *token_file = NULL;
    unsigned port = RMAT_WEB_DEFAULT_PORT;
    int opt, rc = CLI_FAIL, listen_given = 0;
    long l;
    double v;

    cli_init(&c, "view");
    rmat_analysis_params_init(&params);
    rmat_live_targets_init(&targets);
    cli_getopt_quiet();
    while ((opt = getopt_long(argc, argv, CLI_GETOPT("vh"), opts, NULL)) != -1) {
        switch (opt) {
        case O_HTTP:
            if (cli_parse_int(&c, "--http", optarg, 0, 65535, &l) != 0)
                return CLI_USAGE;
            port = (unsigned)l;
            break;
        case O_LISTEN:
            if (rmat_web_parse_listen(optarg, addr, sizeof addr, &port, &ei) != RMAT_OK)
                return cli_usage(&c, "--http-listen: %s", ei.msg);
            listen_given = 1;
            break;
        case O_TOKEN:
            token_file = optarg;
            break;
        case O_URL:
            url_file = optarg;
            break;
        case O_CAL:
            params.calibration_path = optarg;
            break;
        case O_HOLD:
            if (rmat_live_band_parse(optarg, &targets.hold_lo_s, &targets.hold_hi_s) != 0)
                return cli_usage(&c, "--hold-band wants LO-HI in seconds (e.g. 30-45), got '%s'",
                                 optarg);
            break;
        case O_CAD:
            if (rmat_live_band_parse(optarg, &targets.cadence_lo_cpm, &targets.cadence_hi_cpm) != 0)
                return cli_usage(&c,
                                 "--cadence-band wants LO-HI in cycles a minute (e.g. 15-40), "
                                 "got '%s'",
                                 optarg);
            break;
        case O_ZONE:
            if (rmat_live_band_parse(optarg, &targets.zone_lo_kpa, &targets.zone_hi_kpa) != 0)
                return cli_usage(&c, "--pressure-zone wants LO-HI in kPa (e.g. 20-40), got '%s'",
                                 optarg);
            break;
        case O_SCALE:
            if (cli_parse_number(&c, "--scale-max", optarg, 1, 100000, &v) != 0)
                return CLI_USAGE;
            targets.scale_max_kpa = v;
            break;
        case 'v':
            c.verbose = 1;
            break;
        case 'h':
            usage_view(stdout);
            return CLI_OK;
        default:
            return cli_bad_option(&c, opt, argv);
        }
    }
    if (optind + 1 != argc)
        return cli_usage(&c,
                         optind >= argc ? "give the recording to play" : "give one recording only");
    if (url_file && cli_check_out_file(&c, "--url-file", url_file, 1) != 0)
        return CLI_USAGE;
    if (token_file) {
        if (rmat_web_token_load(token_file, token, sizeof token, &ei) != RMAT_OK)
            return cli_fail_ei(&c, RMAT_E_ARG, &ei);
    } else if (listen_given && !rmat_web_is_loopback(addr)) {
        if (rmat_web_token_new(token, sizeof token, &ei) != RMAT_OK)
            return cli_fail_ei(&c, RMAT_E_IO, &ei);
    }
    if (rmat_live_hub_new(&hub) != RMAT_OK)
        return cli_fail(&c, "out of memory");
    if (rmat_playback_open(argv[optind], &params, &targets, hub, &c.log, &pb, &ei) != RMAT_OK) {
        rc = cli_fail_ei(&c, RMAT_E_FORMAT, &ei);
        goto out;
    }
    rmat_web_config_init(&wc);
    wc.address = addr;
    wc.port = port;
    wc.token = token[0] ? token : NULL;
    wc.mode = "playback";
    wc.action = action;
    wc.get = get;
    wc.ctx = pb;
    wc.log = &c.log;
    if (rmat_web_start(&wc, hub, &web, &ei) != RMAT_OK) {
        rc = cli_fail_ei(&c, RMAT_E_IO, &ei);
        goto out;
    }
    rmat_web_url(web, 1, url, sizeof url);
    printf("rollmat view: playing %s at %s (Ctrl-C stops)\n", argv[optind], url);
    fflush(stdout);
    if (url_file && write_atomic(url_file, url) != 0) {
        rc = cli_fail(&c, "cannot write %s: check the folder exists and is writable", url_file);
        goto out;
    }
    cli_catch_signals();
    while (!cli_stop_requested) {
        struct timespec ts = {0, 100000000L};
        nanosleep(&ts, NULL);
    }
    rc = CLI_OK;
out:
    rmat_web_stop(web);
    rmat_playback_close(pb);
    rmat_live_hub_free(hub);
    return rc;
}
