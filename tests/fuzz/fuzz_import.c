/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer harness for the importers (analysis/import; STYLE.md 17: every
 * parser is fuzzed). The input is an export file held in memory; the
 * format is detected, or forced with RMAT_FUZZ_FORMAT=<name> (rollmat
 * import --format names) so that each reader is reached past detection.
 * A sink checks what the readers promise: values finite, cells without a
 * sensel 0, every frame of its part's size; ASan and UBSan check the rest.
 *
 * Built as fuzz_import by an RMAT_FUZZ build (tests/fuzz/CMakeLists.txt);
 * tests/fuzz/run-import.sh builds and runs it per format, with seeds made
 * from IMPORT.md's examples; bench/fuzz runs it with format detection:
 *   RMAT_FUZZ_FORMAT=tekscan build/fuzz/tests/fuzz/fuzz_import \
 *     -max_total_time=120 CORPUS
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rollmat/import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PARTS 16

struct check {
    size_t n[MAX_PARTS];
    const uint8_t *mask[MAX_PARTS];
    uint8_t mask_copy[MAX_PARTS][64];
};

static int begin(void *ctx, const struct rmat_import_part *p)
{
    struct check *c = ctx;
    const size_t n = (size_t)p->rows * (size_t)p->cols;
    if (p->index < 0 || p->index >= MAX_PARTS || p->rows < 1 || p->cols < 1 ||
        p->rows > RMAT_IMPORT_MAX_SIDE || p->cols > RMAT_IMPORT_MAX_SIDE || !p->mask ||
        strlen(p->header) != p->header_len)
        abort();
    c->n[p->index] = n;
    for (size_t i = 0; i < n && i < 64; i++)
        c->mask_copy[p->index][i] = p->mask[i];
    return 0;
}

static int frame(void *ctx, const struct rmat_import_frame *f)
{
    struct check *c = ctx;
    if (f->part < 0 || f->part >= MAX_PARTS || f->n != c->n[f->part])
        abort();
    for (size_t i = 0; i < f->n; i++) {
        if (!isfinite(f->values[i]))
            abort();
        if (i < 64 && !c->mask_copy[f->part][i] && f->values[i] != 0.0f)
            abort();
    }
    return 0;
}

static int vrow(void *ctx, const struct rmat_import_vendor_row *r)
{
    (void)ctx;
    for (size_t i = 0; i < r->n; i++)
        if (!r->fig[i].name || !r->fig[i].name[0])
            abort();
    return 0;
}

static int vmap(void *ctx, int part, const char *name, const float *v, size_t n)
{
    struct check *c = ctx;
    if (part < 0 || part >= MAX_PARTS || n != c->n[part] || !name)
        abort();
    for (size_t i = 0; i < n; i++)
        if (isinf(v[i]))
            abort();
    return 0;
}

static int end(void *ctx, const struct rmat_import_part *p)
{
    (void)ctx;
    if (strlen(p->sha256) != 64 && p->sha256[0])
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct check c;
    struct rmat_import_sink sink = {&c, begin, frame, vrow, vmap, NULL, end};
    struct rmat_import_opts o;
    struct rmat_errinfo ei;
    const char *fmt = getenv("RMAT_FUZZ_FORMAT");

    memset(&c, 0, sizeof c);
    rmat_import_opts_init(&o);
    if (fmt) {
        o.format = rmat_import_format_by_name(fmt);
        /* What in-bed and matrix need from the command line. */
        o.rows = 2;
        o.cols = 3;
        o.pitch_x_mm = 5;
        o.rate_hz = 10;
        o.unit = o.format == RMAT_IMPORT_MATRIX ? "kPa" : NULL;
    }
    rmat_import_run_mem(data, size, "fuzz", &o, &sink, &ei);
    if (strlen(ei.msg) >= sizeof ei.msg)
        abort();
    return 0;
}
