/* SPDX-License-Identifier: GPL-3.0-or-later */
/* JSON through jansson (json.h). jansson parses strictly (RFC 8259, UTF-8
 * checked) and writes escapes right; this file adds dotted-path lookups,
 * errors in the library's convention, a depth limit, and numbers as the
 * analysis outputs want them (null for NaN, integers without ".0"). */
#include "rollmat/json.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "rollmat/files.h"

#define J(x)  ((json_t *)(x))
#define CJ(x) ((const json_t *)(x))

/* The depth of the deepest container in j (1 for a scalar), counted up to
 * limit + 1 at most. jansson's own limit is 2048 levels; the library's
 * documents are a few levels deep, so more is malformed input. */
static int depth_of(const json_t *j, int limit)
{
    int deepest = 0;
    if (limit < 0)
        return 1;
    if (json_is_array(j)) {
        for (size_t i = 0; i < json_array_size(j) && deepest <= limit; i++) {
            const int d = depth_of(json_array_get(j, i), limit - 1);
            if (d > deepest)
                deepest = d;
        }
    } else if (json_is_object(j)) {
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)j, key, v)
        {
            const int d = depth_of(v, limit - 1);
            if (d > deepest)
                deepest = d;
            if (deepest > limit)
                break;
        }
    }
    return deepest + 1;
}

static int parsed(json_t *root, const json_error_t *err, const char *what, struct rmat_json **out,
                  struct rmat_errinfo *ei)
{
    if (!root)
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0, "%s: line %d, column %d: %s", what,
                                err->line > 0 ? err->line : 1, err->column > 0 ? err->column : 1,
                                err->text);
    if (depth_of(root, RMAT_JSON_MAX_DEPTH) > RMAT_JSON_MAX_DEPTH) {
        json_decref(root);
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0, "%s: nested deeper than %d levels", what,
                                RMAT_JSON_MAX_DEPTH);
    }
    *out = (struct rmat_json *)root;
    return RMAT_OK;
}

int rmat_json_parse(const char *text, size_t len, const char *what, struct rmat_json **out,
                    struct rmat_errinfo *ei)
{
    json_error_t err;

    if (out)
        *out = NULL;
    if (!text || !out)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "JSON: no text");
    return parsed(json_loadb(text, len, JSON_DECODE_ANY, &err), &err, what ? what : "JSON", out,
                  ei);
}

int rmat_json_load(const char *path, struct rmat_json **out, struct rmat_errinfo *ei)
{
    json_error_t err;
    FILE *f;
    json_t *root;

    if (out)
        *out = NULL;
    if (!path || !out)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "JSON: no file");
    f = fopen(path, "rb");
    if (!f) {
        const int e = errno;
        return rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "cannot read %s: %s", path,
                                strerror(e));
    }
    root = json_loadf(f, JSON_DECODE_ANY, &err);
    fclose(f);
    return parsed(root, &err, path, out, ei);
}

void rmat_json_free(struct rmat_json *j)
{
    json_decref(J(j));
}

const struct rmat_json *rmat_json_at(const struct rmat_json *j, const char *path)
{
    const json_t *v = CJ(j);
    char key[256];

    if (!v || !path)
        return NULL;
    while (*path) {
        const char *dot = strchr(path, '.');
        const size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof key || !json_is_object(v))
            return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        v = json_object_get(v, key);
        if (!v)
            return NULL;
        path += n + (dot ? 1 : 0);
    }
    return (const struct rmat_json *)v;
}

double rmat_json_num(const struct rmat_json *j, const char *path)
{
    const json_t *v = CJ(rmat_json_at(j, path));
    return json_is_number(v) ? json_number_value(v) : NAN;
}

const char *rmat_json_str(const struct rmat_json *j, const char *path)
{
    const json_t *v = CJ(rmat_json_at(j, path));
    return json_is_string(v) ? json_string_value(v) : "";
}

int rmat_json_bool(const struct rmat_json *j, const char *path)
{
    const json_t *v = CJ(rmat_json_at(j, path));
    return json_is_boolean(v) ? json_is_true(v) : -1;
}

enum rmat_json_type rmat_json_type(const struct rmat_json *j)
{
    switch (json_typeof(CJ(j)) * (j != NULL)) {
    case JSON_TRUE:
    case JSON_FALSE:
        return RMAT_JSON_BOOL;
    case JSON_INTEGER:
    case JSON_REAL:
        return RMAT_JSON_NUM;
    case JSON_STRING:
        return RMAT_JSON_STR;
    case JSON_ARRAY:
        return RMAT_JSON_ARR;
    case JSON_OBJECT:
        return j ? RMAT_JSON_OBJ : RMAT_JSON_NULL;
    default:
        return RMAT_JSON_NULL;
    }
}

size_t rmat_json_len(const struct rmat_json *j)
{
    if (json_is_array(CJ(j)))
        return json_array_size(CJ(j));
    if (json_is_object(CJ(j)))
        return json_object_size(CJ(j));
    return 0;
}

const struct rmat_json *rmat_json_item(const struct rmat_json *j, size_t i)
{
    return (const struct rmat_json *)json_array_get(CJ(j), i);
}

/* --- writing ------------------------------------------------------------- */

/* Adds v (a new reference, NULL: out of memory) to the innermost level. */
static void add(struct rmat_json_writer *w, const char *key, json_t *v)
{
    json_t *top = w->depth > 0 ? J(w->stack[w->depth - 1]) : NULL;
    int rc = -1;

    if (!v || !top) {
        json_decref(v);
        w->failed = 1;
        return;
    }
    if (json_is_array(top))
        rc = json_array_append_new(top, v);
    else if (key)
        rc = json_object_set_new(top, key, v);
    else
        json_decref(v);
    if (rc != 0)
        w->failed = 1;
}

void rmat_jw_begin(struct rmat_json_writer *w, FILE *f)
{
    memset(w, 0, sizeof *w);
    w->f = f;
    w->stack[0] = json_object();
    w->depth = 1;
    w->failed = w->stack[0] == NULL;
}

void rmat_jw_open(struct rmat_json_writer *w, const char *key, int array, int one_line)
{
    json_t *v;
    (void)one_line;
    if (w->depth < 1 || w->depth >= RMAT_JSON_WRITER_DEPTH)
        return;
    v = array ? json_array() : json_object();
    add(w, key, json_incref(v));
    if (v)
        w->stack[w->depth++] = v;
    json_decref(v); /* the parent holds it */
}

void rmat_jw_close(struct rmat_json_writer *w)
{
    if (w->depth > 1)
        w->depth--;
}

int rmat_jw_end(struct rmat_json_writer *w)
{
    json_t *root = J(w->stack[0]);
    int rc = -1;

    if (!w->failed && root &&
        json_dumpf(root, w->f, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) == 0 &&
        fputc('\n', w->f) != EOF)
        rc = 0;
    else if (w->failed)
        errno = ENOMEM;
    json_decref(root);
    memset(w->stack, 0, sizeof w->stack);
    w->depth = 0;
    return rc;
}

int rmat_jw_finish(struct rmat_json_writer *w, const char *path, struct rmat_errinfo *ei)
{
    FILE *f = w->f;
    if (rmat_jw_end(w) != 0 && errno == ENOMEM) {
        fclose(f);
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", path);
    }
    return rmat_out_close(f, path, ei);
}

void rmat_jw_num(struct rmat_json_writer *w, const char *key, double v)
{
    /* 2^53: below it a double holds every integer exactly. */
    if (!isfinite(v))
        add(w, key, json_null());
    else if (v == floor(v) && fabs(v) < 9007199254740992.0)
        add(w, key, json_integer((json_int_t)v));
    else
        add(w, key, json_real(v));
}

/* The length of the valid UTF-8 sequence at s (1 to 4), 0 if invalid
 * (overlong forms, surrogates and code points past U+10FFFF included). */
static size_t utf8_seq(const unsigned char *s)
{
    const unsigned c = s[0];
    size_t n;
    unsigned cp;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, cp = c & 0x07;
    else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0u) != 0x80u)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return n;
}

void rmat_jw_str(struct rmat_json_writer *w, const char *key, const char *s)
{
    json_t *v;
    char *clean;
    size_t len, k = 0;

    s = s ? s : "";
    v = json_string(s);
    if (v) {
        add(w, key, v);
        return;
    }
    /* Not UTF-8 (a name typed in Latin-1, say): each invalid byte becomes
     * U+FFFD rather than losing the whole document. */
    len = strlen(s);
    clean = malloc(3 * len + 1);
    if (!clean) {
        w->failed = 1;
        return;
    }
    for (size_t i = 0; i < len;) {
        const size_t n = utf8_seq((const unsigned char *)s + i);
        if (n == 0) {
            memcpy(clean + k, "\xEF\xBF\xBD", 3);
            k += 3;
            i++;
        } else {
            memcpy(clean + k, s + i, n);
            k += n;
            i += n;
        }
    }
    clean[k] = '\0';
    add(w, key, json_string(clean));
    free(clean);
}

void rmat_jw_bool(struct rmat_json_writer *w, const char *key, int v)
{
    add(w, key, json_boolean(v));
}

void rmat_jw_null(struct rmat_json_writer *w, const char *key)
{
    add(w, key, json_null());
}
