/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat STM32F405 board: memcpy, memset, memmove, memcmp, memchr. See
 * libc/string.h.
 *
 * Byte loops, plus a word loop in memcpy and memset when both ends are
 * word aligned, which is what the large copies are (the device core's
 * packet and queue buffers). This file must be compiled with
 * -fno-tree-loop-distribute-patterns (CMakeLists.txt): otherwise GCC
 * recognises these very loops as memcpy/memset and compiles them into
 * calls to themselves.
 */
#include <stdint.h>
#include <string.h>

/* A word that may alias any object, so the word loops are not undefined
 * behaviour on byte buffers (GCC's may_alias, as its own headers use). */
typedef uint32_t __attribute__((may_alias)) word_t;

#define WORD sizeof(word_t)

static int aligned(const void *p)
{
    return ((uintptr_t)p & (WORD - 1)) == 0;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;

    if (aligned(d) && aligned(s)) {
        for (; n >= WORD; n -= WORD, d += WORD, s += WORD)
            *(word_t *)(void *)d = *(const word_t *)(const void *)s;
    }
    while (n-- > 0)
        *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;

    /* Forward when the destination starts first (each byte is read
     * before a write can reach it), backward otherwise. */
    if (d < s) {
        for (size_t i = 0; i < n; i++)
            d[i] = s[i];
    } else {
        while (n-- > 0)
            d[n] = s[n];
    }
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;
    const uint8_t b = (uint8_t)c;

    if (aligned(d)) {
        const uint32_t w = 0x01010101u * b;
        for (; n >= WORD; n -= WORD, d += WORD)
            *(word_t *)(void *)d = w;
    }
    while (n-- > 0)
        *d++ = b;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *p = a, *q = b;

    for (size_t i = 0; i < n; i++) {
        if (p[i] != q[i])
            return p[i] < q[i] ? -1 : 1;
    }
    return 0;
}

void *memchr(const void *s, int c, size_t n)
{
    const uint8_t *p = s;
    const uint8_t v = (uint8_t)c;

    for (size_t i = 0; i < n; i++) {
        if (p[i] == v)
            return (void *)(uintptr_t)(p + i);
    }
    return NULL;
}
