/* A small JSON reader and writer (json.h).
 *
 * The reader is a recursive-descent parser over the whole text, building
 * one heap node per value. summary.json is a few kB, so simplicity wins
 * over an arena. Depth is bounded so a hostile file cannot exhaust the
 * stack.
 */
#include "rollmat/json.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARSE_DEPTH 64

struct parser {
    const char *start; /* for line numbers in messages */
    const char *s, *end;
    const char *what;
    int depth;
    struct rmat_errinfo *ei;
    int rc;
};

static int line_of(const struct parser *p)
{
    int line = 1;
    for (const char *c = p->start; c < p->s && c < p->end; c++)
        line += *c == '\n';
    return line;
}

static void skip_ws(struct parser *p)
{
    while (p->s < p->end && (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r'))
        p->s++;
}

static struct rmat_json *new_node(struct parser *p, enum rmat_json_type t)
{
    struct rmat_json *j = calloc(1, sizeof *j);
    if (!j) {
        p->rc = rmat_errinfo_set(p->ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", p->what);
        return NULL;
    }
    j->type = t;
    return j;
}

static void put_utf8(char *out, size_t *len, uint32_t cp)
{
    if (cp < 0x80) {
        out[(*len)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*len)++] = (char)(0xc0 | (cp >> 6));
        out[(*len)++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out[(*len)++] = (char)(0xe0 | (cp >> 12));
        out[(*len)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*len)++] = (char)(0x80 | (cp & 0x3f));
    } else {
        out[(*len)++] = (char)(0xf0 | (cp >> 18));
        out[(*len)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[(*len)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*len)++] = (char)(0x80 | (cp & 0x3f));
    }
}

static int hex4(const char *s, const char *end, uint32_t *out)
{
    uint32_t v = 0;
    if (end - s < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        const char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (uint32_t)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static int fail(struct parser *p, const char *expected)
{
    if (p->rc == RMAT_OK)
        p->rc = rmat_errinfo_set(p->ei, RMAT_E_FORMAT, 0, "%s: line %d: %s", p->what, line_of(p),
                                 expected);
    return p->rc;
}

/* Parses a string at p->s (on the opening quote) into a new heap string.
 * Escapes never make the text longer, so the raw length bounds it. */
static char *parse_string(struct parser *p)
{
    const char *s = p->s + 1;
    const char *q = s;
    size_t len = 0;
    char *out;

    while (q < p->end && *q != '"') {
        if (*q == '\\')
            q++;
        q++;
    }
    if (q >= p->end) {
        fail(p, "unterminated string");
        return NULL;
    }
    out = malloc((size_t)(q - s) + 4);
    if (!out) {
        p->rc = rmat_errinfo_set(p->ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", p->what);
        return NULL;
    }
    while (s < q) {
        char c = *s++;
        if ((unsigned char)c < 0x20) {
            free(out);
            p->s = s - 1;
            fail(p, "control character in a string");
            return NULL;
        }
        if (c != '\\') {
            out[len++] = c;
            continue;
        }
        c = *s++;
        switch (c) {
        case '"':
        case '\\':
        case '/':
            out[len++] = c;
            break;
        case 'b':
            out[len++] = '\b';
            break;
        case 'f':
            out[len++] = '\f';
            break;
        case 'n':
            out[len++] = '\n';
            break;
        case 'r':
            out[len++] = '\r';
            break;
        case 't':
            out[len++] = '\t';
            break;
        case 'u': {
            uint32_t cp, lo;
            if (hex4(s, q, &cp) != 0)
                goto bad;
            s += 4;
            /* A high surrogate followed by a low one is one code point;
             * a lone surrogate becomes U+FFFD. */
            if (cp >= 0xd800 && cp < 0xdc00 && q - s >= 6 && s[0] == '\\' && s[1] == 'u' &&
                hex4(s + 2, q, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                s += 6;
            } else if (cp >= 0xd800 && cp < 0xe000) {
                cp = 0xfffd;
            }
            /* \uXXXX is 6 bytes and at most 3 of UTF-8; a pair is 12 and 4. */
            put_utf8(out, &len, cp);
            break;
        }
        default:
            goto bad;
        }
    }
    out[len] = '\0';
    p->s = q + 1;
    return out;
bad:
    free(out);
    p->s = s - 1;
    fail(p, "bad escape in a string");
    return NULL;
}

static struct rmat_json *parse_value(struct parser *p);

static struct rmat_json *parse_container(struct parser *p, int is_obj)
{
    struct rmat_json *j = new_node(p, is_obj ? RMAT_JSON_OBJ : RMAT_JSON_ARR);
    struct rmat_json **tail;
    const char close = is_obj ? '}' : ']';

    if (!j)
        return NULL;
    if (++p->depth > MAX_PARSE_DEPTH) {
        fail(p, "nested too deeply");
        goto err;
    }
    tail = &j->kids;
    p->s++;
    skip_ws(p);
    if (p->s < p->end && *p->s == close) {
        p->s++;
        p->depth--;
        return j;
    }
    for (;;) {
        char *key = NULL;
        struct rmat_json *kid;
        skip_ws(p);
        if (is_obj) {
            if (p->s >= p->end || *p->s != '"') {
                fail(p, "expected a member name in quotes");
                goto err;
            }
            key = parse_string(p);
            if (!key)
                goto err;
            skip_ws(p);
            if (p->s >= p->end || *p->s != ':') {
                free(key);
                fail(p, "expected ':' after a member name");
                goto err;
            }
            p->s++;
        }
        kid = parse_value(p);
        if (!kid) {
            free(key);
            goto err;
        }
        kid->key = key;
        *tail = kid;
        tail = &kid->next;
        j->n++;
        skip_ws(p);
        if (p->s < p->end && *p->s == ',') {
            p->s++;
            continue;
        }
        if (p->s < p->end && *p->s == close) {
            p->s++;
            break;
        }
        fail(p, is_obj ? "expected ',' or '}'" : "expected ',' or ']'");
        goto err;
    }
    p->depth--;
    return j;
err:
    rmat_json_free(j);
    return NULL;
}

static struct rmat_json *parse_value(struct parser *p)
{
    struct rmat_json *j;

    skip_ws(p);
    if (p->s >= p->end) {
        fail(p, "unexpected end of the text");
        return NULL;
    }
    switch (*p->s) {
    case '{':
        return parse_container(p, 1);
    case '[':
        return parse_container(p, 0);
    case '"': {
        char *s = parse_string(p);
        if (!s)
            return NULL;
        j = new_node(p, RMAT_JSON_STR);
        if (!j) {
            free(s);
            return NULL;
        }
        j->str = s;
        return j;
    }
    default:
        break;
    }
    if (p->end - p->s >= 4 && strncmp(p->s, "null", 4) == 0) {
        p->s += 4;
        return new_node(p, RMAT_JSON_NULL);
    }
    if (p->end - p->s >= 4 && strncmp(p->s, "true", 4) == 0) {
        p->s += 4;
        j = new_node(p, RMAT_JSON_BOOL);
        if (j)
            j->num = 1;
        return j;
    }
    if (p->end - p->s >= 5 && strncmp(p->s, "false", 5) == 0) {
        p->s += 5;
        return new_node(p, RMAT_JSON_BOOL);
    }
    if (*p->s == '-' || (*p->s >= '0' && *p->s <= '9')) {
        /* strtod needs a terminated string: copy the number's characters. */
        char buf[64];
        size_t k = 0;
        char *endp;
        while (p->s + k < p->end && k < sizeof buf - 1 && strchr("+-0123456789.eE", p->s[k]))
            k++;
        memcpy(buf, p->s, k);
        buf[k] = '\0';
        j = new_node(p, RMAT_JSON_NUM);
        if (!j)
            return NULL;
        j->num = strtod(buf, &endp);
        if (endp == buf) {
            rmat_json_free(j);
            fail(p, "bad number");
            return NULL;
        }
        p->s += endp - buf;
        return j;
    }
    fail(p, "expected a value");
    return NULL;
}

int rmat_json_parse(const char *text, size_t len, const char *what, struct rmat_json **out,
                    struct rmat_errinfo *ei)
{
    struct parser p = {text, text, text + len, what ? what : "JSON", 0, ei, RMAT_OK};
    struct rmat_json *j;

    if (!out)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "json: no output");
    *out = NULL;
    if (!text)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "json: no text");
    j = parse_value(&p);
    if (!j)
        return p.rc != RMAT_OK ? p.rc : RMAT_E_FORMAT;
    skip_ws(&p);
    if (p.s != p.end) {
        rmat_json_free(j);
        fail(&p, "text after the end of the document");
        return p.rc;
    }
    *out = j;
    return RMAT_OK;
}

int rmat_json_load(const char *path, struct rmat_json **out, struct rmat_errinfo *ei)
{
    FILE *f;
    char *buf = NULL;
    size_t len = 0, cap = 0, got;
    int rc, e;

    if (out)
        *out = NULL;
    if (!path || !out)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "json: no path");
    f = fopen(path, "rb");
    if (!f) {
        e = errno;
        return rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "cannot read %s: %s", path,
                                strerror(e));
    }
    do {
        if (cap - len < 4096) {
            char *nb = realloc(buf, cap ? 2 * cap : 8192);
            if (!nb) {
                free(buf);
                fclose(f);
                return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", path);
            }
            buf = nb;
            cap = cap ? 2 * cap : 8192;
        }
        got = fread(buf + len, 1, cap - len, f);
        len += got;
    } while (got > 0);
    e = ferror(f) ? (errno ? errno : EIO) : 0;
    fclose(f);
    if (e) {
        free(buf);
        return rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "cannot read %s: %s", path,
                                strerror(e));
    }
    rc = rmat_json_parse(buf, len, path, out, ei);
    free(buf);
    return rc;
}

void rmat_json_free(struct rmat_json *j)
{
    while (j) {
        struct rmat_json *next = j->next;
        rmat_json_free(j->kids);
        free(j->str);
        free(j->key);
        free(j);
        j = next;
    }
}

const struct rmat_json *rmat_json_at(const struct rmat_json *j, const char *path)
{
    if (!j || !path)
        return NULL;
    while (*path) {
        const char *dot = strchr(path, '.');
        const size_t len = dot ? (size_t)(dot - path) : strlen(path);
        const struct rmat_json *k;
        if (j->type != RMAT_JSON_OBJ)
            return NULL;
        for (k = j->kids; k; k = k->next)
            if (strlen(k->key) == len && strncmp(k->key, path, len) == 0)
                break;
        if (!k)
            return NULL;
        j = k;
        path += len + (dot ? 1 : 0);
    }
    return j;
}

double rmat_json_num(const struct rmat_json *j, const char *path)
{
    const struct rmat_json *v = rmat_json_at(j, path);
    return v && v->type == RMAT_JSON_NUM ? v->num : NAN;
}

const char *rmat_json_str(const struct rmat_json *j, const char *path)
{
    const struct rmat_json *v = rmat_json_at(j, path);
    return v && v->type == RMAT_JSON_STR ? v->str : "";
}

/* --- writing ------------------------------------------------------------- */

void rmat_json_put_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        const unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static int one_line(const struct rmat_json_writer *w)
{
    return w->one_line_from > 0 && w->depth >= w->one_line_from;
}

/* The separator and indentation before a new member, then its key. */
static void member(struct rmat_json_writer *w, const char *key)
{
    if (one_line(w)) {
        if (!w->first[w->depth])
            fputs(", ", w->f);
    } else {
        fputs(w->first[w->depth] ? "\n" : ",\n", w->f);
        for (int i = 0; i < w->depth; i++)
            fputs("  ", w->f);
    }
    w->first[w->depth] = 0;
    if (key) {
        rmat_json_put_string(w->f, key);
        fputs(": ", w->f);
    }
}

void rmat_jw_begin(struct rmat_json_writer *w, FILE *f)
{
    memset(w, 0, sizeof *w);
    w->f = f;
    w->depth = 1;
    w->first[1] = 1;
    w->closer[1] = '}';
    fputc('{', f);
}

void rmat_jw_open(struct rmat_json_writer *w, const char *key, int array, int one)
{
    if (w->depth + 1 >= RMAT_JSON_MAX_DEPTH)
        return;
    member(w, key);
    fputc(array ? '[' : '{', w->f);
    w->depth++;
    w->first[w->depth] = 1;
    w->closer[w->depth] = array ? ']' : '}';
    if (one && w->one_line_from == 0)
        w->one_line_from = w->depth;
}

void rmat_jw_close(struct rmat_json_writer *w)
{
    if (w->depth <= 1)
        return;
    if (!one_line(w) && !w->first[w->depth]) {
        fputc('\n', w->f);
        for (int i = 0; i < w->depth - 1; i++)
            fputs("  ", w->f);
    }
    fputc(w->closer[w->depth], w->f);
    if (w->one_line_from == w->depth)
        w->one_line_from = 0;
    w->depth--;
}

void rmat_jw_end(struct rmat_json_writer *w)
{
    while (w->depth > 1)
        rmat_jw_close(w);
    fputs(w->first[1] ? "}\n" : "\n}\n", w->f);
}

void rmat_jw_num(struct rmat_json_writer *w, const char *key, double v)
{
    member(w, key);
    if (isfinite(v))
        fprintf(w->f, "%.10g", v);
    else
        fputs("null", w->f);
}

void rmat_jw_str(struct rmat_json_writer *w, const char *key, const char *s)
{
    member(w, key);
    rmat_json_put_string(w->f, s ? s : "");
}

void rmat_jw_null(struct rmat_json_writer *w, const char *key)
{
    member(w, key);
    fputs("null", w->f);
}
