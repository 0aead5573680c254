/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: JSON, read and written through jansson (Debian's libjansson).
 *
 * The figures, reports, trends and batch runs read what `rollmat analyze`
 * wrote (summary.json) rather than its internals, so they keep working as
 * the analysis grows keys. The reader parses a whole document (RFC 8259,
 * strict: invalid UTF-8, lone surrogates, NUL in strings and trailing
 * text are refused) into a tree; lookups take dotted paths
 * ("tissue.width_mm.slope_per_min"). The writer builds a document member by
 * member and writes it indented, with null for a number that is not
 * finite.
 */
#ifndef ROLLMAT_JSON_H
#define ROLLMAT_JSON_H

#define RMAT_HEADER_LAYER RMAT_LAYER_COMMON
#include "rollmat/layer.h"

#include <stddef.h>
#include <stdio.h>

#include "rollmat/diag.h"

/* Nesting deeper than this is refused by the reader. */
#define RMAT_JSON_MAX_DEPTH 64

enum rmat_json_type {
    RMAT_JSON_NULL,
    RMAT_JSON_BOOL,
    RMAT_JSON_NUM,
    RMAT_JSON_STR,
    RMAT_JSON_ARR,
    RMAT_JSON_OBJ,
};

/* A value of a parsed document (opaque; a jansson json_t). */
struct rmat_json;

/* Parses len bytes of text. *out gets the tree (free with rmat_json_free())
 * or NULL on error. Errors: RMAT_E_FORMAT with "what" (e.g. the file's
 * name), the line, the column and what is wrong; RMAT_E_NOMEM. */
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
/* The boolean at path: 1 true, 0 false, -1 missing or not a boolean. */
int rmat_json_bool(const struct rmat_json *j, const char *path);

/* What j is (RMAT_JSON_NULL for NULL). */
enum rmat_json_type rmat_json_type(const struct rmat_json *j);
/* The number of elements of an array or members of an object; 0 else. */
size_t rmat_json_len(const struct rmat_json *j);
/* Element i of an array; NULL if j is no array or i is beyond it. */
const struct rmat_json *rmat_json_item(const struct rmat_json *j, size_t i);

/* --- writing ------------------------------------------------------------- */

#define RMAT_JSON_WRITER_DEPTH 16

/* A JSON document written to a stdio stream the caller opened: members are
 * added in order, the whole is written by rmat_jw_end() (2-space
 * indentation, numbers with 10 significant digits, integers without a
 * decimal point). A string that is not UTF-8 has its invalid bytes
 * replaced by U+FFFD. rmat_jw_end() says whether it all went out. */
struct rmat_json_writer {
    FILE *f;
    void *stack[RMAT_JSON_WRITER_DEPTH]; /* open objects and arrays (json_t) */
    int depth;
    int failed; /* out of memory on the way */
};

/* Starts the document, an object. */
void rmat_jw_begin(struct rmat_json_writer *w, FILE *f);
/* Closes every open level and writes the document and a newline. 0, or
 * -1 with errno set (ENOMEM, or the stream's error). */
int rmat_jw_end(struct rmat_json_writer *w);
/* rmat_jw_end(), then closes the stream (a file of rmat_out_open(), named
 * path) with rmat_out_close(): RMAT_OK, RMAT_E_NOMEM, or its errors. */
int rmat_jw_finish(struct rmat_json_writer *w, const char *path, struct rmat_errinfo *ei);
/* Opens an object (array 0) or array as member key (NULL inside an
 * array). one_line is kept for callers and ignored. Deeper than
 * RMAT_JSON_WRITER_DEPTH - 1 levels is ignored (a programming error). */
void rmat_jw_open(struct rmat_json_writer *w, const char *key, int array, int one_line);
/* Closes the innermost open object or array. */
void rmat_jw_close(struct rmat_json_writer *w);
/* Members (key NULL inside an array). A number is null if not finite. */
void rmat_jw_num(struct rmat_json_writer *w, const char *key, double v);
void rmat_jw_str(struct rmat_json_writer *w, const char *key, const char *s);
void rmat_jw_bool(struct rmat_json_writer *w, const char *key, int v);
void rmat_jw_null(struct rmat_json_writer *w, const char *key);

#endif
