/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The JSON parser (common/json.c): the input as a JSON text; a tree that
 * parses is walked through its public getters. */
#include "fuzz.h"
#include "rollmat/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rmat_json *j = NULL;
    struct rmat_errinfo ei;

    if (size > 256 * 1024)
        return 0;
    if (rmat_json_parse((const char *)data, size, "fuzz.json", &j, &ei) == RMAT_OK) {
        FUZZ_CHECK(j != NULL);
        (void)rmat_json_len(j);
        rmat_json_free(j);
    }
    return 0;
}
