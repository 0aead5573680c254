/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: the command. A thin main over librollmat: each subcommand
 * (tools/rollmat/cli_<name>.c) parses its arguments, installs a logger that
 * prints to stderr, and calls the library. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "rmat_gitrev.h"
#include "rollmat/version.h"

static void usage(FILE *f)
{
    fputs("usage: rollmat COMMAND [options]\n\n"
          "Records and analyses pressure-mat sessions of foam rolling.\n\n"
          "commands:\n"
          "  record    record a session from a mat into an HDF5 file (or, as\n"
          "            `record start|stop`, on the daemon)\n"
          "  analyze   the metrics of a recording: CSV, JSON, maps and a plot\n"
          "  calibrate fit a count-to-kPa curve to recordings of known loads\n"
          "  equilibrate  per-sensel gains from a recording under a uniform load\n"
          "  plot      every figure of a session (PNG, SVG, PDF)\n"
          "  report    a PDF report of a session, or of a subject's progress\n"
          "  compare   two sessions side by side (before/after, left/right) as a PDF\n"
          "  trend     trends across sessions (per subject, region and side)\n"
          "  batch     analyse every recording under a folder, in parallel\n"
          "  import    recordings from other systems' exports (Tekscan, XSENSOR, ...)\n"
          "  export    a recording's frames out as CSV or Tekscan ASCII\n"
          "  recover   rebuild a recording from its journal after a crash\n"
          "  view      play a recording in the browser (timeline, coaching panel)\n"
          "  movie     a GIF or MP4 of a recording's map and force trace\n"
          "  mark      add a mark, pain rating or note to the daemon's recording\n"
          "  status    what the daemon (rollmatd) is doing\n"
          "  version   print the version and the git commit\n\n"
          "`rollmat COMMAND --help` describes each command, with an example.\n"
          "Every command exits with 0 when it did its work, 1 when it failed (the\n"
          "message says why and what to do), 2 when it was used wrongly.\n\n"
          "Example:\n"
          "  rollmat analyze left-quad.h5 -o left-quad/\n",
          f);
}

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
    {"record", cli_record},       {"analyze", cli_analyze},
    {"analyse", cli_analyze},     {"recover", cli_recover},
    {"mark", cli_mark},           {"status", cli_status},
    {"calibrate", cli_calibrate}, {"equilibrate", cli_equilibrate},
    {"plot", cli_plot},           {"report", cli_report},
    {"compare", cli_compare},     {"trend", cli_trend},
    {"batch", cli_batch},         {"view", cli_view},
    {"movie", cli_movie},         {"import", cli_import},
    {"export", cli_export},
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("rollmat %s (git %s)\n", RMAT_VERSION, RMAT_GIT_REV);
        return 0;
    }
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "rollmat: error: unknown command '%s' (see `rollmat --help`)\n", argv[1]);
    return CLI_USAGE;
}
