/* SPDX-License-Identifier: GPL-3.0-or-later */
/* UTF-8 strings cut to fixed-size fields (strutil.h). */
#include "rollmat/strutil.h"

#include <string.h>

size_t rmat_utf8_cut(const char *s, size_t max)
{
    size_t n = strnlen(s, max + 1);
    if (n <= max)
        return n;
    n = max;
    /* s[n] is the first byte left out: if it continues a character, that
     * character would be split, so drop its leading bytes too. */
    while (n > 0 && ((unsigned char)s[n] & 0xC0u) == 0x80u)
        n--;
    return n;
}

void rmat_utf8_copy(char *dst, size_t cap, const char *src, size_t len)
{
    size_t n;
    if (cap == 0)
        return;
    n = src ? strnlen(src, len) : 0;
    if (n > cap - 1)
        n = rmat_utf8_cut(src, cap - 1);
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
}
