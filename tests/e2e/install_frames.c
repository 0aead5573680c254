/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A program outside rollmat's build, as a user of librollmat writes one:
 * tests/e2e/install.sh compiles it with `pkg-config --cflags --libs
 * rollmat` against an installed tree. Prints a recording's frame count. */
#include <inttypes.h>
#include <stdio.h>

#include "rollmat/reader.h"

int main(int argc, char **argv)
{
    struct rmat_reader *r = NULL;
    struct rmat_errinfo ei;

    if (argc != 2) {
        fprintf(stderr, "usage: install_frames REC.h5\n");
        return 2;
    }
    if (rmat_reader_open(argv[1], &r, &ei) != RMAT_OK) {
        fprintf(stderr, "install_frames: %s\n", ei.msg);
        return 1;
    }
    printf("%" PRIu64 "\n", rmat_reader_info(r)->frames);
    rmat_reader_close(r);
    return 0;
}
