/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Text helpers shared by the import readers (import_int.h): the line
 * reader, locale-independent numbers, tokenizers, unit words, strings.
 *
 * The line reader is the hot path of every import (DESIGN.md: 50 MB/s of
 * export text on one core): it reads in 1 MiB blocks, finds newlines with
 * memchr, hands lines out in place and allocates nothing per line. The
 * number parser avoids strtod, which is slow and follows LC_NUMERIC (a
 * German locale would read "1.5" as 1): digits are gathered into a 64-bit
 * integer and scaled once by an exact power of ten, which rounds correctly
 * for up to 15 significant digits and exponents within +-22, far beyond
 * what exports print.
 */
#include "import_int.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* --- growing strings ----------------------------------------------------- */

int imp_str_addn(struct imp_str *b, const char *p, size_t n, size_t max)
{
    if (b->len + n > max) {
        b->full = 1;
        n = b->len < max ? max - b->len : 0;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        char *s;
        while (cap < b->len + n + 1)
            cap *= 2;
        s = realloc(b->s, cap);
        if (!s)
            return -1;
        b->s = s;
        b->cap = cap;
    }
    memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = '\0';
    return 0;
}

int imp_str_add(struct imp_str *b, const char *p)
{
    return imp_str_addn(b, p, strlen(p), SIZE_MAX / 2);
}

int imp_str_add_latin1(struct imp_str *b, const char *p, size_t n, size_t max)
{
    /* Latin-1 maps byte c to U+00c: two UTF-8 bytes above 0x7f. Runs of
     * ASCII are copied in one piece. */
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && (unsigned char)p[j] < 0x80)
            j++;
        if (j > i && imp_str_addn(b, p + i, j - i, max) != 0)
            return -1;
        if (j < n) {
            const unsigned char c = (unsigned char)p[j];
            const char u[2] = {(char)(0xc0 | (c >> 6)), (char)(0x80 | (c & 0x3f))};
            if (imp_str_addn(b, u, 2, max) != 0)
                return -1;
            j++;
        }
        i = j;
    }
    return 0;
}

const char *imp_str_get(const struct imp_str *b)
{
    return b->s ? b->s : "";
}

void imp_str_free(struct imp_str *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
    b->full = 0;
}

/* --- the line reader ----------------------------------------------------- */

int imp_lr_open(struct imp_lr *lr, const char *path, const uint8_t *mem, size_t mem_len,
                uint64_t off, long line0, int hash, struct rmat_errinfo *ei)
{
    memset(lr, 0, sizeof *lr);
    lr->fd = -1;
    lr->line = line0;
    lr->consumed = off;
    lr->hash = hash && off == 0;
    if (lr->hash)
        rmat_sha256_init(&lr->sha);
    if (mem) {
        lr->mem = mem;
        lr->mem_len = mem_len;
        lr->mem_pos = off < mem_len ? (size_t)off : mem_len;
    } else {
        lr->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (lr->fd < 0) {
            const int e = errno;
            return rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "%s: cannot open: %s", path,
                                    strerror(e));
        }
        if (off > 0 && lseek(lr->fd, (off_t)off, SEEK_SET) < 0) {
            const int e = errno;
            close(lr->fd);
            lr->fd = -1;
            return rmat_errinfo_set(ei, RMAT_E_IO, e, "%s: cannot seek: %s", path, strerror(e));
        }
    }
    lr->cap = IMP_BUF_INIT;
    /* A small text in memory needs no 1 MiB buffer (the fuzzer runs many). */
    if (mem && mem_len - (size_t)(off < mem_len ? off : mem_len) + 64 < lr->cap)
        lr->cap = mem_len - (size_t)(off < mem_len ? off : mem_len) + 64;
    lr->buf = malloc(lr->cap);
    if (!lr->buf) {
        imp_lr_close(lr);
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", path);
    }
    return RMAT_OK;
}

void imp_lr_close(struct imp_lr *lr)
{
    if (lr->fd >= 0)
        close(lr->fd);
    lr->fd = -1;
    free(lr->buf);
    lr->buf = NULL;
}

/* Moves the unread bytes to the front, grows the buffer if it is full,
 * and reads more. Keeps one byte free after the data for a terminator. */
static int lr_fill(struct imp_lr *lr, const char *path, struct rmat_errinfo *ei)
{
    size_t room;
    ssize_t got;

    if (lr->pos > 0) {
        memmove(lr->buf, lr->buf + lr->pos, lr->len - lr->pos);
        lr->consumed += lr->pos;
        lr->len -= lr->pos;
        lr->pos = 0;
    }
    if (lr->len + 1 >= lr->cap) {
        char *nb;
        if (lr->cap >= IMP_MAX_LINE + 2)
            return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                    "%s:%ld: a line longer than %u bytes: not a text export", path,
                                    lr->line + 1, IMP_MAX_LINE);
        nb = realloc(lr->buf, lr->cap * 2 > IMP_MAX_LINE + 2 ? IMP_MAX_LINE + 2 : lr->cap * 2);
        if (!nb)
            return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", path);
        lr->buf = nb;
        lr->cap = lr->cap * 2 > IMP_MAX_LINE + 2 ? IMP_MAX_LINE + 2 : lr->cap * 2;
    }
    room = lr->cap - lr->len - 1;
    if (lr->mem) {
        const size_t left = lr->mem_len - lr->mem_pos;
        const size_t n = left < room ? left : room;
        memcpy(lr->buf + lr->len, lr->mem + lr->mem_pos, n);
        lr->mem_pos += n;
        got = (ssize_t)n;
    } else {
        do
            got = read(lr->fd, lr->buf + lr->len, room);
        while (got < 0 && errno == EINTR);
        if (got < 0) {
            const int e = errno;
            lr->io_errno = e;
            return rmat_errinfo_set(ei, RMAT_E_IO, e, "%s: read failed: %s", path, strerror(e));
        }
    }
    if (got == 0) {
        lr->eof = 1;
        return RMAT_OK;
    }
    if (lr->hash)
        rmat_sha256_update(&lr->sha, lr->buf + lr->len, (size_t)got);
    if (lr->bytes == 0 && lr->consumed == 0 && lr->len == 0 && got >= 3 &&
        memcmp(lr->buf, "\xef\xbb\xbf", 3) == 0) {
        lr->bom = 1;
        lr->pos = 3;
    }
    lr->bytes += (uint64_t)got;
    lr->len += (size_t)got;
    return RMAT_OK;
}

int imp_lr_next(struct imp_lr *lr, char **line, size_t *len, const char *path,
                struct rmat_errinfo *ei)
{
    char *s, *nl;
    size_t n;

    for (;;) {
        const size_t avail = lr->len - lr->pos;
        s = lr->buf + lr->pos;
        nl = avail ? memchr(s, '\n', avail) : NULL;
        if (nl) {
            n = (size_t)(nl - s);
            lr->pos += n + 1;
            break;
        }
        if (lr->eof) {
            if (avail == 0)
                return 0;
            n = avail;
            lr->pos += n;
            lr->last_unterminated = 1;
            break;
        }
        if (avail > IMP_MAX_LINE)
            return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                    "%s:%ld: a line longer than %u bytes: not a text export", path,
                                    lr->line + 1, IMP_MAX_LINE);
        {
            const int rc = lr_fill(lr, path, ei);
            if (rc != RMAT_OK)
                return rc;
        }
    }
    if (nl) {
        if (n > 0 && s[n - 1] == '\r') {
            n--;
            lr->n_crlf++;
        } else {
            lr->n_lf++;
        }
    } else if (n > 0 && s[n - 1] == '\r') {
        n--;
    }
    s[n] = '\0';
    lr->line++;
    lr->line_off = lr->consumed + (uint64_t)(s - lr->buf);
    *line = s;
    *len = n;
    return 1;
}

const char *imp_lr_endings(const struct imp_lr *lr)
{
    if (lr->n_crlf && lr->n_lf)
        return "mixed";
    if (lr->n_crlf)
        return "CRLF";
    if (lr->n_lf)
        return "LF";
    return "none";
}

/* --- numbers ------------------------------------------------------------- */

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

int imp_num(const char *p, size_t n, int comma, double *v)
{
    const char *e = p + n;
    uint64_t m = 0;
    int scale = 0, digits = 0, neg = 0;
    double d;

    if (p < e && (*p == '-' || *p == '+')) {
        neg = *p == '-';
        p++;
    }
    for (; p < e && (unsigned)(*p - '0') < 10; p++, digits++) {
        if (m < 100000000000000000ull)
            m = m * 10 + (uint64_t)(*p - '0');
        else
            scale++;
    }
    if (p < e && (*p == '.' || (comma && *p == ','))) {
        for (p++; p < e && (unsigned)(*p - '0') < 10; p++, digits++) {
            if (m < 100000000000000000ull) {
                m = m * 10 + (uint64_t)(*p - '0');
                scale--;
            }
        }
    }
    if (digits == 0)
        return -1;
    if (p < e && (*p == 'e' || *p == 'E')) {
        int eneg = 0, ex = 0, ed = 0;
        p++;
        if (p < e && (*p == '-' || *p == '+')) {
            eneg = *p == '-';
            p++;
        }
        for (; p < e && (unsigned)(*p - '0') < 10; p++, ed++)
            if (ex < 10000)
                ex = ex * 10 + (*p - '0');
        if (ed == 0)
            return -1;
        scale += eneg ? -ex : ex;
    }
    if (p != e || scale > 30 || scale < -60)
        return -1;
    d = (double)m;
    if (m != 0 && scale != 0) {
        if (scale > 0 && scale <= 22)
            d *= pow10_exact[scale];
        else if (scale < 0 && scale >= -22)
            d /= pow10_exact[-scale];
        else
            d *= pow(10.0, (double)scale);
    }
    /* No export prints a number beyond 1e15; refusing them keeps every
     * product with a unit factor well inside float's range. */
    if (!isfinite(d) || d > 1e15)
        return -1;
    *v = neg ? -d : d;
    return 0;
}

char *imp_trim(char *s)
{
    size_t n;
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\f')
        s++;
    n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\f'))
        s[--n] = '\0';
    return s;
}

int imp_num_str(const char *s, double *v)
{
    size_t n;
    while (*s == ' ' || *s == '\t')
        s++;
    n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    return imp_num(s, n, 0, v);
}

int imp_int_str(const char *s, long lo, long hi, long *v)
{
    double d;
    if (imp_num_str(s, &d) != 0 || d != floor(d) || d < (double)lo || d > (double)hi)
        return -1;
    *v = (long)d;
    return 0;
}

int imp_decimals(const char *s)
{
    const char *dot = strchr(s, '.');
    int n = 0;
    if (!dot)
        return 0;
    for (dot++; *dot >= '0' && *dot <= '9'; dot++)
        n++;
    return n;
}

int imp_split(char *s, char sep, char **f, int max)
{
    int n = 0;
    for (;;) {
        char *end = strchr(s, sep);
        if (end)
            *end = '\0';
        if (n == max)
            return max + 1;
        f[n++] = imp_trim(s);
        if (!end)
            return n;
        s = end + 1;
    }
}

int imp_split_ws(char *s, char **f, int max)
{
    int n = 0;
    for (char *p = s;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            return n;
        if (n == max)
            return max + 1;
        f[n++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if (*p)
            *p++ = '\0';
    }
}

int imp_csv_split(char *s, char **f, int max)
{
    int n = 0;
    char *r = s;
    for (;;) {
        char *w, *start;
        while (*r == ' ' || *r == '\t')
            r++;
        if (n == max)
            return max + 1;
        start = w = r;
        if (*r == '"') {
            /* Quoted: copy down over the quotes; "" is one quote. */
            r++;
            for (;;) {
                if (*r == '\0')
                    return -1;
                if (*r == '"') {
                    if (r[1] == '"') {
                        *w++ = '"';
                        r += 2;
                        continue;
                    }
                    r++;
                    break;
                }
                *w++ = *r++;
            }
            /* Anything between the closing quote and the comma is kept. */
            while (*r && *r != ',')
                *w++ = *r++;
        } else {
            while (*r && *r != ',')
                *w++ = *r++;
        }
        {
            const int more = *r == ',';
            if (more)
                r++;
            *w = '\0';
            f[n++] = imp_trim(start);
            if (!more)
                return n;
        }
    }
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

int imp_starts(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++)
        if (lower((unsigned char)*s) != lower((unsigned char)*prefix))
            return 0;
    return 1;
}

int imp_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (lower((unsigned char)*a) != lower((unsigned char)*b))
            return 0;
    return *a == *b;
}

void imp_snake(const char *label, int latin1, char *out, size_t cap)
{
    size_t o = 0;
    int under = 1; /* no leading underscore */
    int prev_lower = 0, camel = 0;
    const unsigned char *p = (const unsigned char *)label;

    if (cap == 0)
        return;
    while (*p && o + 3 < cap) {
        const char *rep = NULL;
        unsigned c = *p;
        size_t adv = 1;
        if (!latin1 && c == 0xc3 && p[1]) {
            c = 0xc0u + (p[1] & 0x3fu);
            adv = 2;
        } else if (!latin1 && c == 0xc2 && p[1]) {
            c = p[1];
            adv = 2;
        }
        switch (c) {
        case 0xdf:
            rep = "ss";
            break;
        case 0xe4:
        case 0xc4:
            rep = "ae";
            break;
        case 0xf6:
        case 0xd6:
            rep = "oe";
            break;
        case 0xfc:
        case 0xdc:
            rep = "ue";
            break;
        case 0xb2:
            rep = "2";
            break;
        case 0xb5:
            rep = "u";
            break;
        default:
            break;
        }
        p += adv;
        if (!rep && c < 0x80 &&
            ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
            const int upper = c >= 'A' && c <= 'Z';
            /* CamelCase words: StartSensX -> start_sens_x; a word that
             * starts in lower case (mmHg) stays whole. */
            if (under)
                camel = upper;
            if (upper && prev_lower && camel)
                out[o++] = '_';
            prev_lower = !upper;
            out[o++] = (char)lower((int)c);
            under = 0;
        } else if (rep) {
            for (; *rep && o + 1 < cap; rep++)
                out[o++] = *rep;
            under = 0;
            prev_lower = 1;
        } else if (!under) {
            out[o++] = '_';
            under = 1;
            prev_lower = 0;
        }
    }
    while (o > 0 && out[o - 1] == '_')
        o--;
    out[o] = '\0';
}

/* --- units --------------------------------------------------------------- */

/* Lowercase ASCII, '²' (Latin-1 B2 or UTF-8 C2 B2) and "^2" as '2'. */
static void norm_unit(const char *w, char *out, size_t cap)
{
    size_t o = 0;
    while (*w == ' ' || *w == '\t')
        w++;
    for (const unsigned char *p = (const unsigned char *)w; *p && o + 1 < cap; p++) {
        if (*p == 0xc2 && p[1] == 0xb2) {
            out[o++] = '2';
            p++;
        } else if (*p == 0xb2) {
            out[o++] = '2';
        } else if (*p == '^' && p[1] == '2') {
            out[o++] = '2';
            p++;
        } else {
            out[o++] = (char)lower(*p);
        }
    }
    while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '\t' || out[o - 1] == '\r'))
        o--;
    out[o] = '\0';
}

struct unit_word {
    const char *w;
    double f;
};

static int unit_find(const struct unit_word *t, size_t n, const char *word, double *f)
{
    char u[48];
    norm_unit(word, u, sizeof u);
    for (size_t i = 0; i < n; i++)
        if (strcmp(u, t[i].w) == 0) {
            *f = t[i].f;
            return 0;
        }
    return -1;
}

int imp_unit_pressure(const char *word, enum imp_pkind *kind, double *to_kpa)
{
    static const struct unit_word t[] = {
        {"kpa", 1.0},           {"mmhg", 0.133322368}, {"n/cm2", 10.0}, {"mpa", 1000.0},
        {"psi", 6.894757},      {"raw", NAN},          {"counts", NAN}, {"n", -1.0},
        {"n-per-sensel", -1.0}, {"n per sensel", -1.0}};
    double f;
    if (unit_find(t, sizeof t / sizeof t[0], word, &f) != 0)
        return -1;
    if (isnan(f)) {
        *kind = IMP_P_COUNTS;
        *to_kpa = NAN;
    } else if (f < 0) {
        *kind = IMP_P_NEWTON;
        *to_kpa = NAN; /* 1000 / area, once the area is known */
    } else {
        *kind = IMP_P_KPA;
        *to_kpa = f;
    }
    return 0;
}

int imp_unit_length(const char *word, double *to_mm)
{
    static const struct unit_word t[] = {
        {"mm", 1},           {"millimeters", 1}, {"millimetres", 1}, {"milimeters", 1},
        {"millimeter", 1},   {"millimetre", 1},  {"cm", 10},         {"centimeters", 10},
        {"centimetres", 10}, {"centimeter", 10}, {"centimetre", 10}, {"inches", 25.4},
        {"inch", 25.4},      {"in", 25.4}};
    return unit_find(t, sizeof t / sizeof t[0], word, to_mm);
}

int imp_unit_area(const char *word, double *to_mm2)
{
    static const struct unit_word t[] = {{"mm2", 1}, {"cm2", 100}, {"in2", 645.16}};
    return unit_find(t, sizeof t / sizeof t[0], word, to_mm2);
}

int imp_num_unit(char *s, int kind, double *v_out, char **unit)
{
    char *p = s, *num;
    double v, f;

    while (*p == ' ' || *p == '\t')
        p++;
    num = p;
    while (*p && *p != ' ' && *p != '\t')
        p++;
    if (imp_num(num, (size_t)(p - num), 0, &v) != 0)
        return -1;
    while (*p == ' ' || *p == '\t')
        p++;
    *unit = imp_trim(p);
    if (**unit == '\0')
        return -3;
    if ((kind == 'l' ? imp_unit_length(*unit, &f) : imp_unit_area(*unit, &f)) != 0)
        return -2;
    *v_out = v * f;
    return 0;
}

int64_t imp_days_from_civil(int y, int m, int d)
{
    /* Howard Hinnant's days_from_civil: exact for the proleptic Gregorian
     * calendar. */
    const int64_t yy = (int64_t)y - (m <= 2);
    const int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    const int64_t yoe = yy - era * 400;
    const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}
