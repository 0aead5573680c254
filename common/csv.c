/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CSV files read by column name and fields written safely (csv.h). */
#include "rollmat/csv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* --- CSV ----------------------------------------------------------------- */

/* Reads one line (any length) into c->line; 0 at EOF, 1, or -errno. The
 * trailing newline (and a CR before it) is removed. */
static int read_line(struct rmat_csv *c)
{
    size_t len = 0;
    for (;;) {
        if (c->cap - len < 2) {
            size_t ncap = c->cap ? 2 * c->cap : 1024;
            char *nl = realloc(c->line, ncap);
            if (!nl)
                return -ENOMEM;
            c->line = nl;
            c->cap = ncap;
        }
        if (!fgets(c->line + len, (int)(c->cap - len), c->f)) {
            if (ferror(c->f))
                return -(errno ? errno : EIO);
            if (len == 0)
                return 0;
            break;
        }
        len += strlen(c->line + len);
        if (len > 0 && c->line[len - 1] == '\n')
            break;
    }
    while (len > 0 && (c->line[len - 1] == '\n' || c->line[len - 1] == '\r'))
        c->line[--len] = '\0';
    return 1;
}

/* Splits s in place into fields; unquotes. Returns the count or -ENOMEM. */
static long split(char *s, char ***fields, size_t *cap)
{
    size_t n = 0;
    char *r = s, *w;
    for (;;) {
        if (n == *cap) {
            size_t ncap = *cap ? 2 * *cap : 32;
            char **nf = realloc(*fields, ncap * sizeof *nf);
            if (!nf)
                return -ENOMEM;
            *fields = nf;
            *cap = ncap;
        }
        w = r;
        (*fields)[n++] = w;
        if (*r == '"') {
            r++;
            while (*r) {
                if (*r == '"' && r[1] == '"') {
                    *w++ = '"';
                    r += 2;
                } else if (*r == '"') {
                    r++;
                    break;
                } else {
                    *w++ = *r++;
                }
            }
            while (*r && *r != ',')
                r++;
        } else {
            while (*r && *r != ',')
                *w++ = *r++;
        }
        if (*r == ',') {
            *w = '\0';
            r++;
            continue;
        }
        *w = '\0';
        break;
    }
    return (long)n;
}

int rmat_csv_open(struct rmat_csv *c, const char *path, struct rmat_errinfo *ei)
{
    long n;
    int r, e;
    size_t hcap = 0;

    memset(c, 0, sizeof *c);
    snprintf(c->path, sizeof c->path, "%s", path ? path : "");
    c->f = path ? fopen(path, "r") : NULL;
    if (!c->f) {
        e = path ? errno : EINVAL;
        return rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "cannot read %s: %s", c->path,
                                strerror(e));
    }
    r = read_line(c);
    if (r < 0)
        return rmat_errinfo_set(ei, rmat_err_from_errno(-r), -r, "cannot read %s: %s", c->path,
                                strerror(-r));
    if (r == 0)
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0, "%s is empty (no header line)", c->path);
    /* The plots' own data files start "# names" so gnuplot skips the line. */
    c->header = strdup(c->line[0] == '#' ? c->line + 1 + (c->line[1] == ' ') : c->line);
    if (!c->header)
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", c->path);
    n = split(c->header, &c->names, &hcap);
    if (n < 0)
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", c->path);
    c->ncols = (size_t)n;
    return RMAT_OK;
}

int rmat_csv_col(const struct rmat_csv *c, const char *name)
{
    for (size_t i = 0; i < c->ncols; i++)
        if (strcmp(c->names[i], name) == 0)
            return (int)i;
    return -1;
}

int rmat_csv_next(struct rmat_csv *c, struct rmat_errinfo *ei)
{
    for (;;) {
        int r = read_line(c);
        long n;
        if (r < 0)
            return rmat_errinfo_set(ei, rmat_err_from_errno(-r), -r, "cannot read %s: %s", c->path,
                                    strerror(-r));
        if (r == 0)
            return 0;
        if (c->line[0] == '\0')
            continue;
        n = split(c->line, &c->field, &c->field_cap);
        if (n < 0)
            return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", c->path);
        c->nfield = (size_t)n;
        c->row++;
        return 1;
    }
}

double rmat_csv_num(const struct rmat_csv *c, int col)
{
    const char *s = rmat_csv_str(c, col);
    char *end;
    double v;
    if (!*s)
        return NAN;
    v = strtod(s, &end);
    return end == s ? NAN : v;
}

const char *rmat_csv_str(const struct rmat_csv *c, int col)
{
    if (col < 0 || (size_t)col >= c->nfield)
        return "";
    return c->field[col];
}

void rmat_csv_close(struct rmat_csv *c)
{
    if (c->f)
        fclose(c->f);
    free(c->line);
    free(c->header);
    free(c->names);
    free(c->field);
    memset(c, 0, sizeof *c);
}

void rmat_csv_put(FILE *f, const char *s)
{
    const size_t len = s ? strlen(s) : 0;
    const int quote = len > 0 && (strpbrk(s, ",\"") != NULL || s[0] == ' ' || s[len - 1] == ' ');
    if (quote)
        fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        const unsigned char ch = (unsigned char)s[i];
        if (ch == '"')
            fputs("\"\"", f);
        else
            fputc(ch < 0x20 || ch == 0x7f ? ' ' : ch, f);
    }
    if (quote)
        fputc('"', f);
}
