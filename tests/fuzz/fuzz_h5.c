/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The HDF5 recording reader (analysis/reader.c) on a recording held in
 * memory (rmat_reader_open_image: HDF5's core driver), so mutations of a
 * small valid recording (the seed) cost no disk. What opens is read: up
 * to 64 frames, its events; the counts must be within what the file can
 * hold. */
#include <stdlib.h>

#include "fuzz.h"
#include "rollmat/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rmat_reader *r = NULL;
    struct rmat_errinfo ei;
    const struct rmat_recording_info *in;

    if (size < 8 || size > 1024 * 1024)
        return 0;
    if (rmat_reader_open_image(data, size, "fuzz.h5", &r, &ei) != RMAT_OK)
        return 0;
    in = rmat_reader_info(r);
    FUZZ_CHECK(in->dev.rows >= 1 && in->dev.cols >= 1);
    if (in->frames > 0 && (uint64_t)in->dev.rows * (uint64_t)in->dev.cols <= 4096) {
        const size_t n = in->frames < 64 ? (size_t)in->frames : 64;
        const size_t cells = (size_t)in->dev.rows * (size_t)in->dev.cols;
        uint16_t *raw = malloc(n * cells * sizeof *raw);
        uint32_t *seq = malloc(n * sizeof *seq);
        if (raw && seq)
            (void)rmat_reader_read(r, 0, n, raw, seq, NULL, NULL, &ei);
        free(raw);
        free(seq);
    }
    if (in->events > 0) {
        struct rmat_event ev[16];
        const size_t n = in->events < 16 ? (size_t)in->events : 16;
        (void)rmat_reader_events(r, 0, n, ev, &ei);
    }
    rmat_reader_close(r);
    return 0;
}
