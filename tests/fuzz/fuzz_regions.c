/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The regions file parser (analysis/regions.c): the input as a regions
 * file's text; what parses is looked up at a few points of the mat. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "rollmat/regions.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rmat_region *r = NULL;
    struct rmat_errinfo ei;
    size_t n = 0;
    char *text;

    if (size > 256 * 1024)
        return 0;
    text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (rmat_regions_parse(text, "fuzz.regions", &r, &n, &ei) == RMAT_OK) {
        for (int i = 0; i < 5; i++) {
            int k = rmat_region_of(r, n, i * 50.0 - 10.0, i * 40.0 - 5.0);
            FUZZ_CHECK(k >= -1 && k < (int)n);
        }
        free(r);
    }
    free(text);
    return 0;
}
