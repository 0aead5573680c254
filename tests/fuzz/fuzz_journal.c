/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The journal reader and recovery (acq/journal.c) on a journal held in
 * memory (fmemopen; rmat_journal_recover_stream without an output file
 * parses only), so an input costs no disk. What recovery promises: it
 * returns an error or counts; skipped stretches are reported with their
 * bytes; it never reads past the journal. */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "rollmat/journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rmat_recover_result res;
    struct rmat_errinfo ei;
    FILE *f;
    int rc;

    if (size == 0 || size > 4 * 1024 * 1024)
        return 0;
    f = fmemopen((void *)(uintptr_t)data, size, "rb");
    if (!f)
        return 0;
    rc = rmat_journal_recover_stream(f, "fuzz.h5.journal", NULL, &res, &ei);
    fclose(f);
    if (rc == RMAT_OK) {
        FUZZ_CHECK(res.skipped_bytes <= size);
        FUZZ_CHECK(res.skipped_records <= size);
        /* a frame record is at least head 13 + packet 6 + CRC 4 bytes */
        FUZZ_CHECK(res.frames * 23 <= size);
    }
    return 0;
}
