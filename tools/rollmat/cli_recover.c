/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat recover: rebuild a recording from its write-ahead journal. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "rollmat/journal.h"

static void usage_recover(FILE *f)
{
    fputs("usage: rollmat recover FILE.h5.journal [-o NEW.h5]\n"
          "       rollmat recover --in-place FILE.h5.journal\n\n"
          "Rebuilds a recording from the journal the recorder keeps beside it until it\n"
          "closes cleanly (after a crash, a power cut or a full disk). The journal and\n"
          "the damaged recording are left as they are; the rebuilt one is written to\n"
          "NEW.h5 (default: FILE.recovered.h5). Nothing is overwritten. The rebuilt file\n"
          "is the same recording (its recording_id and calibration), marked with the\n"
          "journal's name (recovered_from). Damaged records in the middle of the journal\n"
          "are skipped (and counted); everything after them is recovered.\n\n"
          "With --in-place, FILE.h5 itself is completed, as rollmatd does at start for\n"
          "its recordings folder: the file rebuilt from the journal replaces FILE.h5\n"
          "(unless FILE.h5 holds more frames: then it is kept and only marked closed, as\n"
          "`h5clear -s` does), so h5py, h5dump and MATLAB open it; the journal is removed\n"
          "only after that succeeded.\n\n"
          "  -o, --output NEW.h5   where to write the rebuilt recording\n"
          "      --in-place        complete FILE.h5 itself and remove the journal\n\n"
          "Exit status: 0 done, 1 failed, 2 wrong usage.\n\n"
          "Example:\n"
          "  rollmat recover P012_quadriceps_left_20261204-101500.h5.journal\n",
          f);
}

int cli_recover(int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, 0, 'o'},
                                         {"in-place", no_argument, 0, 'I'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    struct rmat_recover_result res;
    struct rmat_errinfo ei;
    const char *out = NULL, *journal;
    char def[4200];
    int opt, rc, in_place = 0;
    struct cli c;

    cli_init(&c, "recover");
    cli_getopt_quiet();
    while ((opt = getopt_long(argc, argv, CLI_GETOPT("o:h"), opts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            out = optarg;
            break;
        case 'I':
            in_place = 1;
            break;
        case 'h':
            usage_recover(stdout);
            return CLI_OK;
        default:
            return cli_bad_option(&c, opt, argv);
        }
    }
    if (optind != argc - 1)
        return cli_usage(&c, optind >= argc ? "need a journal (FILE.h5.journal)"
                                            : "one journal at a time");
    journal = argv[optind];
    if (in_place) {
        struct rmat_complete_result cres;
        if (out)
            return cli_usage(&c, "--in-place and -o do not go together");
        rc = rmat_journal_complete(journal, &cres, &ei);
        if (rc != RMAT_OK)
            return cli_fail_ei(&c, rc, &ei);
        printf("%s\n", cres.path);
        if (cres.replaced)
            fprintf(stderr,
                    "rollmat recover: %s: rebuilt from its journal: %llu frames and %llu events "
                    "(the file left open had %lld frames)%s; the journal removed\n",
                    cres.path, (unsigned long long)cres.rec.frames,
                    (unsigned long long)cres.rec.events, (long long)cres.original_frames,
                    cres.rec.skipped_records ? "; damaged journal records skipped" : "");
        else
            fprintf(stderr,
                    "rollmat recover: %s: kept as written (%lld frames, the journal had %llu) "
                    "and marked closed; the journal removed\n",
                    cres.path, (long long)cres.original_frames,
                    (unsigned long long)cres.rec.frames);
        return CLI_OK;
    }
    if (!out) {
        /* FILE.h5.journal -> FILE.recovered.h5 */
        size_t n = strlen(journal);
        const size_t sl = strlen(RMAT_JOURNAL_SUFFIX);
        if (n > sl && strcmp(journal + n - sl, RMAT_JOURNAL_SUFFIX) == 0)
            n -= sl;
        if (n > 3 && strncmp(journal + n - 3, ".h5", 3) == 0)
            n -= 3;
        snprintf(def, sizeof def, "%.*s.recovered.h5", (int)n, journal);
        out = def;
    }
    if (cli_check_out_file(&c, "-o", out, -1) != 0)
        return CLI_FAIL;
    rc = rmat_journal_recover(journal, out, &res, &ei);
    if (rc != RMAT_OK)
        return cli_fail_ei(&c, rc, &ei);
    printf("%s\n", out);
    fprintf(stderr, "rollmat recover: %s: %llu frames and %llu events recovered%s%s\n", out,
            (unsigned long long)res.frames, (unsigned long long)res.events,
            res.torn_tail ? "; the journal's last record was torn (the crash)" : "",
            res.bad_packets ? "; some packets would not parse" : "");
    if (res.skipped_records)
        fprintf(stderr,
                "rollmat recover: %s: the journal was damaged in places: %llu damaged record(s) "
                "skipped (%llu bytes); everything after them was recovered\n",
                out, (unsigned long long)res.skipped_records,
                (unsigned long long)res.skipped_bytes);
    fprintf(stderr, "rollmat recover: %s: recording_id %s%s; %s\n", out, res.recording_id,
            res.new_id ? " (new: the journal, an older rollmat's, had none)" : " (the original's)",
            res.calibrated         ? "its calibration kept"
            : res.calib_unreadable ? "its calibration could not be read back: in raw counts"
                                   : "no calibration in the journal: in raw counts");
    return CLI_OK;
}
