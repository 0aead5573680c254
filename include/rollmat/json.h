/* rollmat: a small JSON reader and writer for the analysis outputs.
 *
 * The plots, reports, trends and batch runs read what `rollmat analyze`
 * wrote (summary.json) rather than its internals, so they keep working as
 * the analysis grows keys. The reader parses a whole document (RFC 8259;
 * numbers as double, strings UTF-8 with \u escapes decoded, surrogate
 * pairs joined) into a tree; lookups take dotted paths
 * ("tissue.width_mm.slope_per_min"). The writer writes indented objects
 * with null for a number that is not finite.
 */
#ifndef ROLLMAT_JSON_H
#define ROLLMAT_JSON_H

#include <stddef.h>
#include <stdio.h>

#include "rollmat/diag.h"

enum rmat_json_type {
    RMAT_JSON_NULL,
    RMAT_JSON_BOOL,
    RMAT_JSON_NUM,
    RMAT_JSON_STR,
    RMAT_JSON_ARR,
    RMAT_JSON_OBJ,
};

struct rmat_json {
    enum rmat_json_type type;
    double num;             /* RMAT_JSON_NUM; 1 or 0 for RMAT_JSON_BOOL */
    char *str;              /* RMAT_JSON_STR: NUL-terminated (an embedded \u0000 ends it) */
    char *key;              /* the member's name inside an object, else NULL */
    struct rmat_json *kids; /* members or elements, in document order */
    struct rmat_json *next; /* the next sibling */
    size_t n;               /* number of kids */
};

/* Parses len bytes of text. *out gets the tree (free with rmat_json_free())
 * or NULL on error. Nesting deeper than 64 levels is refused. Errors:
 * RMAT_E_FORMAT with "what" (e.g. the file's name), the line and what was
 * expected; RMAT_E_NOMEM. */
int rmat_json_parse(const char *text, size_t len, const char *what, struct rmat_json **out,
                    struct rmat_errinfo *ei);

/* Reads and parses the file at path (as rmat_json_parse()); RMAT_E_NOTFOUND
 * or RMAT_E_IO if it cannot be read. */
int rmat_json_load(const char *path, struct rmat_json **out, struct rmat_errinfo *ei);

/* Frees a tree; NULL is allowed. */
void rmat_json_free(struct rmat_json *j);

/* The value at a dotted path of object keys under j ("a.b.c"; "" is j
 * itself); NULL if any step is missing or not an object. */
const struct rmat_json *rmat_json_at(const struct rmat_json *j, const char *path);

/* The number at path; NaN if missing, null or not a number. */
double rmat_json_num(const struct rmat_json *j, const char *path);

/* The string at path; "" if missing or not a string. Valid while the tree
 * lives. */
const char *rmat_json_str(const struct rmat_json *j, const char *path);

/* --- writing ------------------------------------------------------------- */

#define RMAT_JSON_MAX_DEPTH 16

/* An indented JSON writer onto a stdio stream the caller opened. Errors
 * are the stream's (ferror). */
struct rmat_json_writer {
    FILE *f;
    int depth;
    int first[RMAT_JSON_MAX_DEPTH];   /* nothing written yet at this level */
    char closer[RMAT_JSON_MAX_DEPTH]; /* '}' or ']' of each open level */
    int one_line_from;                /* levels at or below this go on one line; 0: none */
};

/* Starts the document: writes "{". */
void rmat_jw_begin(struct rmat_json_writer *w, FILE *f);
/* Ends it: closes every open level and writes "}\n". */
void rmat_jw_end(struct rmat_json_writer *w);
/* Opens an object or array as member key (NULL inside an array). With
 * one_line set, it and everything in it is written on one line. Deeper
 * than RMAT_JSON_MAX_DEPTH - 1 levels is ignored (a programming error). */
void rmat_jw_open(struct rmat_json_writer *w, const char *key, int array, int one_line);
/* Closes the innermost open object or array. */
void rmat_jw_close(struct rmat_json_writer *w);
/* Members (key NULL inside an array). A number is written with 10
 * significant digits, null if not finite. */
void rmat_jw_num(struct rmat_json_writer *w, const char *key, double v);
void rmat_jw_str(struct rmat_json_writer *w, const char *key, const char *s);
void rmat_jw_null(struct rmat_json_writer *w, const char *key);

/* Writes s as a JSON string (quotes, escapes) to f. */
void rmat_json_put_string(FILE *f, const char *s);

#endif
