/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat movie: a GIF or MP4 of a stretch of a recording (docs/live.md). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "rollmat/movie.h"

static void usage_movie(FILE *f)
{
    fputs("usage: rollmat movie REC.h5 -o CLIP.gif|CLIP.mp4 [--from T] [--to T] [options]\n\n"
          "Renders the pressure map and the force trace of a recording, from T to T\n"
          "seconds after its first frame, as an animated GIF (gnuplot) or an MP4\n"
          "(gnuplot pictures joined by ffmpeg). Never overwrites a file.\n\n"
          "  -o, --output FILE         the movie: .gif or .mp4\n"
          "      --from T              start, seconds (default 0)\n"
          "      --to T                end, seconds (default: the end)\n"
          "      --fps N               pictures a second (default 10)\n"
          "      --speed X             recording seconds per movie second (default 1)\n"
          "      --scale-max KPA       top of the colour scale (default 150)\n"
          "      --calibration FILE    counts to kPa instead of the recording's own\n"
          "  -v, --verbose             more messages\n\n"
          "Exit status: 0 done, 1 failed, 2 wrong usage.\n\n"
          "Example:\n"
          "  rollmat movie left-quad.h5 --from 60 --to 90 -o hold.gif\n",
          f);
}

int cli_movie(int argc, char **argv)
{
    enum { O_FROM = 256, O_TO, O_FPS, O_SPEED, O_SCALE, O_CAL };
    static const struct option opts[] = {{"output", required_argument, 0, 'o'},
                                         {"from", required_argument, 0, O_FROM},
                                         {"to", required_argument, 0, O_TO},
                                         {"fps", required_argument, 0, O_FPS},
                                         {"speed", required_argument, 0, O_SPEED},
                                         {"scale-max", required_argument, 0, O_SCALE},
                                         {"calibration", required_argument, 0, O_CAL},
                                         {"verbose", no_argument, 0, 'v'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    struct cli c;
    struct rmat_movie_opts o;
    struct rmat_errinfo ei;
    const char *out = NULL;
    int opt;

    cli_init(&c, "movie");
    rmat_movie_opts_init(&o);
    cli_getopt_quiet();
    while ((opt = getopt_long(argc, argv, CLI_GETOPT("o:vh"), opts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            out = optarg;
            break;
        case O_FROM:
            if (cli_parse_number(&c, "--from", optarg, 0, 1e7, &o.from_s) != 0)
                return CLI_USAGE;
            break;
        case O_TO:
            if (cli_parse_number(&c, "--to", optarg, 0, 1e7, &o.to_s) != 0)
                return CLI_USAGE;
            break;
        case O_FPS:
            if (cli_parse_number(&c, "--fps", optarg, 1, 60, &o.fps) != 0)
                return CLI_USAGE;
            break;
        case O_SPEED:
            if (cli_parse_number(&c, "--speed", optarg, 0.1, 100, &o.speed) != 0)
                return CLI_USAGE;
            break;
        case O_SCALE:
            if (cli_parse_number(&c, "--scale-max", optarg, 1, 100000, &o.scale_max_kpa) != 0)
                return CLI_USAGE;
            break;
        case O_CAL:
            o.calibration_path = optarg;
            break;
        case 'v':
            c.verbose = 1;
            break;
        case 'h':
            usage_movie(stdout);
            return CLI_OK;
        default:
            return cli_bad_option(&c, opt, argv);
        }
    }
    if (optind + 1 != argc)
        return cli_usage(&c, optind >= argc ? "give the recording" : "give one recording only");
    if (!out)
        return cli_usage(&c, "give the movie's file with -o CLIP.gif or -o CLIP.mp4");
    {
        const size_t l = strlen(out);
        if (!(l > 4 && (strcmp(out + l - 4, ".gif") == 0 || strcmp(out + l - 4, ".mp4") == 0)))
            return cli_usage(&c, "-o %s: the movie's name must end in .gif or .mp4", out);
    }
    if (!isnan(o.to_s) && !(o.to_s > o.from_s))
        return cli_usage(&c, "--to %g must be after --from %g", o.to_s, o.from_s);
    if (cli_check_out_file(&c, "-o", out, -1) != 0)
        return CLI_USAGE;
    if (rmat_movie_write(argv[optind], out, &o, &c.log, &ei) != RMAT_OK)
        return cli_fail_ei(&c, RMAT_E_EXEC, &ei);
    printf("%s\n", out);
    return CLI_OK;
}
