/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The virtual mat's scene parser (firmware/boards/sim/scene.c): the input
 * as a scene file's text; a scene that parses is evaluated at a few
 * times (the physics must not divide by zero or leave NaN behind). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "scene.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rmat_scene *sc = NULL;
    char err[256], *text;

    if (size > 64 * 1024)
        return 0;
    text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (rmat_scene_parse(text, "fuzz.scene", &sc, err, sizeof err) == 0 && sc) {
        struct rmat_scene_state st;
        for (int i = 0; i < 8; i++)
            rmat_scene_eval(sc, i * 0.37, &st);
        rmat_scene_free(sc);
    }
    free(text);
    return 0;
}
