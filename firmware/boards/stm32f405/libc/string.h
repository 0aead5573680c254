/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat STM32F405 board: the <string.h> of this freestanding build.
 *
 * The firmware links no C library (-nostdlib): the device core needs only
 * these five, and GCC itself may emit calls to memcpy, memset, memmove and
 * memcmp for struct copies and clears, whatever -ffreestanding says. This
 * directory comes first on the include path, so the build is the same
 * whether or not a newlib happens to be installed. mem.c defines them.
 */
#ifndef RMAT_F405_STRING_H
#define RMAT_F405_STRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
/* The stream decoder finds the end of a COBS run with it. */
void *memchr(const void *s, int c, size_t n);

#endif
