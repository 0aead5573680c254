/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat record: a one-shot recording in the foreground. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "rollmat/calib.h"
#include "rollmat/dates.h"
#include "rollmat/recorder.h"
#include "rollmat/recording.h"

static void usage_record(FILE *f)
{
    fputs("usage: rollmat record --device DEV -o FILE.h5 [options]\n\n"
          "Records frames from a mat until --duration has passed, Ctrl-C, or the mat ends\n"
          "the stream (it says it stopped, closes the link, or goes silent and no longer\n"
          "answers): without --duration that end is a success. The mat's calibration is\n"
          "copied into the recording.\n\n"
          "  -d, --device DEV        serial port (/dev/ttyACM0) or tcp://HOST:PORT\n"
          "  -o, --output FILE.h5    the recording to write (never overwritten)\n"
          "  -t, --duration S        seconds to record (default: until Ctrl-C)\n"
          "      --rate HZ           frame rate (default: the mat's own)\n"
          "      --baud N            serial baud rate (default 3000000)\n"
          "      --dense             ask for dense frames only\n"
          "      --test-pattern      record the mat's test pattern, not its sensors\n"
          "      --calibration FILE  copy this calibration into the recording, whatever the\n"
          "                          mat (a grid its gains do not fit is an error)\n"
          "      --calibration-dir DIR\n"
          "                          the mats' own calibrations, DIR/mat-SERIAL.cal by the\n"
          "                          mat's serial number (default " RMAT_CALIB_DEFAULT_DIR ";\n"
          "                          rollmat calibrate --mat-dir DIR writes them)\n"
          "      --compression C     how the frames are stored: deflate (the default,\n"
          "                          level 1, about 5x smaller), deflate:N (N 1-9), none\n"
          "      --subject S --session S --region R --side left|right|none\n"
          "      --roller NAME --roller-diameter MM --mounting tissue|floor\n"
          "      --body-mass KG --operator NAME --notes TEXT\n"
          "                          session attributes stored in the file\n"
          "      --started-utc ISO   the session's date and time (default: now), e.g. for\n"
          "                          a session entered later: 2026-03-02T09:30:00Z\n"
          "  -v, --verbose           more messages\n\n"
          "Exit status: 0 done (the duration passed, Ctrl-C, or without --duration the mat\n"
          "ended the stream), 1 failed (with --duration: the link closed or went silent\n"
          "first), 2 wrong usage.\n\n"
          "Example:\n"
          "  rollmat record --device tcp://127.0.0.1:5760 --duration 60 -o left-quad.h5 \\\n"
          "      --subject P012 --region quadriceps --side left --roller foam-firm\n",
          f);
}

int cli_record(int argc, char **argv)
{
    enum {
        O_RATE = 256,
        O_BAUD,
        O_DENSE,
        O_TEST,
        O_SUBJECT,
        O_SESSION,
        O_REGION,
        O_SIDE,
        O_ROLLER,
        O_DIAM,
        O_MOUNT,
        O_MASS,
        O_OPER,
        O_NOTES,
        O_STARTED,
        O_CALIB,
        O_CALIB_DIR,
        O_COMPRESSION
    };
    static const struct option opts[] = {{"device", required_argument, 0, 'd'},
                                         {"port", required_argument, 0, 'd'},
                                         {"output", required_argument, 0, 'o'},
                                         {"duration", required_argument, 0, 't'},
                                         {"rate", required_argument, 0, O_RATE},
                                         {"baud", required_argument, 0, O_BAUD},
                                         {"dense", no_argument, 0, O_DENSE},
                                         {"test-pattern", no_argument, 0, O_TEST},
                                         {"subject", required_argument, 0, O_SUBJECT},
                                         {"session", required_argument, 0, O_SESSION},
                                         {"region", required_argument, 0, O_REGION},
                                         {"side", required_argument, 0, O_SIDE},
                                         {"roller", required_argument, 0, O_ROLLER},
                                         {"roller-diameter", required_argument, 0, O_DIAM},
                                         {"mounting", required_argument, 0, O_MOUNT},
                                         {"body-mass", required_argument, 0, O_MASS},
                                         {"operator", required_argument, 0, O_OPER},
                                         {"notes", required_argument, 0, O_NOTES},
                                         {"started-utc", required_argument, 0, O_STARTED},
                                         {"calibration", required_argument, 0, O_CALIB},
                                         {"calibration-dir", required_argument, 0, O_CALIB_DIR},
                                         {"compression", required_argument, 0, O_COMPRESSION},
                                         {"verbose", no_argument, 0, 'v'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    static const char *const sides[] = {"left", "right", "none", NULL};
    static const char *const mountings[] = {"tissue", "floor", NULL};
    struct rmat_record_config cfg;
    struct rmat_record_result res;
    struct rmat_errinfo ei;
    const char *calib_dir = NULL;
    char why[256], line[RMAT_ERRINFO_MSG];
    int opt, rc;
    struct cli c;
    double v;

    if (argc > 1 && (strcmp(argv[1], "start") == 0 || strcmp(argv[1], "stop") == 0))
        return cli_daemon_record(argc - 1, argv + 1);

    cli_init(&c, "record");
    cli_getopt_quiet();
    rmat_record_config_init(&cfg);
    cfg.stop = &cli_stop_requested;
    cfg.log = &c.log;
    while ((opt = getopt_long(argc, argv, CLI_GETOPT("d:o:t:vh"), opts, NULL)) != -1) {
        int bad = 0;
        switch (opt) {
        case 'd':
            cfg.device = optarg;
            break;
        case 'o':
            cfg.out_path = optarg;
            break;
        case 't':
            bad = cli_parse_number(&c, "--duration", optarg, 0.001, 1e7, &cfg.duration_s);
            break;
        case O_RATE:
            bad = cli_parse_number(&c, "--rate", optarg, 1, 65535, &v);
            cfg.rate_hz = (uint16_t)v;
            break;
        case O_BAUD:
            bad = cli_parse_number(&c, "--baud", optarg, 300, 1e8, &v);
            cfg.baud = (unsigned)v;
            break;
        case O_DENSE:
            cfg.dense_only = 1;
            break;
        case O_TEST:
            cfg.test_pattern = 1;
            break;
        case O_SUBJECT:
            bad = cli_copy_attr(&c, "--subject", optarg, cfg.meta.subject, sizeof cfg.meta.subject);
            break;
        case O_SESSION:
            bad = cli_copy_attr(&c, "--session", optarg, cfg.meta.session, sizeof cfg.meta.session);
            break;
        case O_REGION:
            bad = cli_copy_attr(&c, "--region", optarg, cfg.meta.region, sizeof cfg.meta.region);
            break;
        case O_SIDE:
            bad = cli_one_of(&c, "--side", optarg, sides) ||
                  cli_copy_attr(&c, "--side", optarg, cfg.meta.side, sizeof cfg.meta.side);
            break;
        case O_ROLLER:
            bad = cli_copy_attr(&c, "--roller", optarg, cfg.meta.roller, sizeof cfg.meta.roller);
            break;
        case O_DIAM:
            bad = cli_parse_number(&c, "--roller-diameter", optarg, 1, 1000,
                                   &cfg.meta.roller_diameter_mm);
            break;
        case O_MOUNT:
            bad = cli_one_of(&c, "--mounting", optarg, mountings) ||
                  cli_copy_attr(&c, "--mounting", optarg, cfg.meta.mounting,
                                sizeof cfg.meta.mounting);
            break;
        case O_MASS:
            bad = cli_parse_number(&c, "--body-mass", optarg, 1, 500, &cfg.meta.body_mass_kg);
            break;
        case O_OPER:
            bad = cli_copy_attr(&c, "--operator", optarg, cfg.meta.operator_name,
                                sizeof cfg.meta.operator_name);
            break;
        case O_NOTES:
            bad = cli_copy_attr(&c, "--notes", optarg, cfg.meta.notes, sizeof cfg.meta.notes);
            break;
        case O_STARTED:
            /* The recorder keeps a started_utc that is already set. */
            if (rmat_iso_datetime_utc(optarg, cfg.meta.started_utc, sizeof cfg.meta.started_utc,
                                      NULL, why, sizeof why) != 0)
                return cli_usage(&c, "--started-utc %s", why);
            break;
        case O_CALIB:
            cfg.calib_file = optarg;
            break;
        case O_CALIB_DIR:
            calib_dir = optarg;
            break;
        case O_COMPRESSION:
            if (rmat_rec_compression_parse(optarg, &cfg.deflate, &ei) != RMAT_OK)
                return cli_usage(&c, "--compression: %s", ei.msg);
            break;
        case 'v':
            c.verbose = 1;
            break;
        case 'h':
            usage_record(stdout);
            return 0;
        default:
            return cli_bad_option(&c, opt, argv);
        }
        if (bad)
            return CLI_USAGE;
    }
    if (optind != argc)
        return cli_usage(&c, "unexpected argument '%s'", argv[optind]);
    if (!cfg.device)
        return cli_usage(&c, "need --device, the mat's serial port or tcp://HOST:PORT");
    if (!cfg.out_path)
        return cli_usage(&c, "need -o FILE.h5, the recording to write");
    if (cfg.calib_file && calib_dir)
        return cli_usage(&c, "--calibration and --calibration-dir do not go together: one file "
                             "for whatever mat, or each mat's own");
    /* Before connecting: a mat held elsewhere must not hide a bad name. */
    if (cli_check_out_file(&c, "-o", cfg.out_path, -1) != 0)
        return CLI_FAIL;
    if (cfg.calib_file) {
        /* A file that does not parse is said now, not after connecting. */
        struct rmat_calib *cal = NULL;
        if (rmat_calib_load(cfg.calib_file, &cal, &ei) != RMAT_OK)
            return cli_fail_ei(&c, RMAT_E_FORMAT, &ei);
        rmat_calib_free(cal);
    } else {
        struct stat st;
        if (calib_dir && (stat(calib_dir, &st) != 0 || !S_ISDIR(st.st_mode)))
            return cli_fail(&c, "--calibration-dir %s: no such folder", calib_dir);
        cfg.calib_dir = calib_dir ? calib_dir : RMAT_CALIB_DEFAULT_DIR;
    }
    cli_catch_signals();
    rc = rmat_record_run(&cfg, &res, &ei);
    if (res.frames > 0 || rc == RMAT_OK)
        fprintf(stderr,
                "rollmat record: %s: %llu frames, %.1f s; %llu lost on the link, %u bad packets "
                "dropped, %u dropped by the mat\n",
                cfg.out_path, (unsigned long long)res.frames, res.duration_s,
                (unsigned long long)res.frames_lost, res.link_drops, res.device_dropped);
    if (res.clock.n > 0) {
        const int drift = rmat_clock_fit_describe(&res.clock, res.info.model, line, sizeof line);
        fprintf(stderr, "rollmat record: %s%s\n", drift ? "mat clock: " : "", line);
    }
    if (rc != RMAT_OK)
        return cli_fail_ei(&c, rc, &ei);
    /* The mat ended it: one line saying how. */
    if (res.end == RMAT_RECORD_END_MAT_STOPPED || res.end == RMAT_RECORD_END_LINK_CLOSED ||
        res.end == RMAT_RECORD_END_SILENT)
        fprintf(stderr, "rollmat record: recording ended: %s\n", res.end_text);
    return 0;
}
