/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What every harness in tests/fuzz shares: libFuzzer's entry point, and a
 * check that aborts (so libFuzzer and the replay both report it) when a
 * promise of the code under test is broken. Truth comes from the
 * promises in the headers (a decoded packet passes rmat_wire_check, a COBS
 * round trip gives the input back), not from the code's own results. */
#ifndef RMAT_FUZZ_H
#define RMAT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: broken promise: %s\n", __FILE__, __LINE__, #cond);             \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#endif
