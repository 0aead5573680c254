/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The calibration parser (common/calib.c): the input as a calibration
 * file's text. Its origin is in a folder that does not exist, so a
 * gains_file line is followed and fails to load rather than reading files
 * of the machine. A calibration with a curve that parses must check
 * against its own gains' grid and give a lookup table without NaN, and its
 * correction keys (crosstalk, creep) must be in range. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "rollmat/calib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static double lut[1 << 16];
    struct rmat_calib *c = NULL;
    struct rmat_errinfo ei;
    char *text;

    if (size > 256 * 1024)
        return 0;
    text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (rmat_calib_parse(text, "/nonexistent/fuzz.cal", &c, &ei) == RMAT_OK) {
        FUZZ_CHECK(c != NULL);
        /* A file of gains alone (no curve) parses: it is what gains_file
         * names; only a whole calibration must pass the check. */
        if (c->gains && c->curve != RMAT_CURVE_NONE)
            FUZZ_CHECK(rmat_calib_check(c, c->gain_rows, c->gain_cols, "fuzz", &ei) == RMAT_OK);
        if (c->curve != RMAT_CURVE_NONE) {
            int n = rmat_calib_lut(c, 12, lut);
            FUZZ_CHECK(n == 4096);
            for (int k = 0; k < n; k++)
                FUZZ_CHECK(!isnan(lut[k]));
        }
        /* Correction keys that parsed are in range, with their partners
         * (what rmat_calib_check_corrections() holds /calibration to). */
        FUZZ_CHECK(rmat_calib_check_corrections(c, "fuzz", &ei) == RMAT_OK);
        {
            char *out = NULL;
            size_t len = 0;
            if (rmat_calib_to_text(c, &out, &len, &ei) == RMAT_OK)
                free(out);
        }
        rmat_calib_free(c);
    }
    free(text);
    return 0;
}
