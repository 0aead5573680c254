/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The page's files, built into the program (web/embed.cmake turns each
 * file of web/page/ into a C array at build time). Internal to web/. */
#ifndef RMAT_WEB_ASSETS_H
#define RMAT_WEB_ASSETS_H

#include <stddef.h>

struct rmat_web_asset {
    const char *path; /* "/index.html" */
    const char *type; /* its Content-Type */
    const unsigned char *data;
    size_t len;
};

/* The asset served at path exactly, or NULL. */
const struct rmat_web_asset *rmat_web_asset_find(const char *path);

#endif
