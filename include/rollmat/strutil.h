/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: UTF-8 strings cut to fixed-size fields (the recording's
 * attributes and event strings, the wire's text fields) without ever
 * splitting a character. */
#ifndef ROLLMAT_STRUTIL_H
#define ROLLMAT_STRUTIL_H

#define RMAT_HEADER_LAYER RMAT_LAYER_COMMON
#include "rollmat/layer.h"

#include <stddef.h>

/* The length of s cut to at most max bytes, backing off so a multi-byte
 * UTF-8 character is never split. s may be unterminated beyond max + 1. */
size_t rmat_utf8_cut(const char *s, size_t max);

/* Copies at most len bytes of src (stopping at a NUL) into dst of cap >= 1
 * bytes, cut with rmat_utf8_cut() and terminated. src NULL copies "". */
void rmat_utf8_copy(char *dst, size_t cap, const char *src, size_t len);

#endif
