/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internal to analysis/import: the pieces every format's reader shares.
 *
 * - struct imp_lr, a line reader over a file or a memory buffer: a large
 *   buffer, lines handed out in place (NUL-terminated, '\r' before '\n'
 *   stripped), a UTF-8 BOM skipped, physical line numbers, line-ending
 *   statistics, and the SHA-256 of the exact bytes as they pass.
 * - number parsing without the locale ('.' decimals; ',' only when asked).
 * - unit words (IMPORT.md §1).
 * - a growing string (struct imp_str) for headers, warnings, assumptions.
 * - struct imp, one import run: the options, the sink, the error detail,
 *   and the per-part bookkeeping every format needs (gap events, time
 *   order, counts that must be whole numbers).
 */
#ifndef RMAT_IMPORT_INT_H
#define RMAT_IMPORT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "rollmat/import.h"
#include "rollmat/sha256.h"

#define IMP_MAX_LINE    (4u << 20)  /* bytes in one line (a 256 x 256 line-layout frame fits) */
#define IMP_BUF_INIT    (1u << 20)  /* the read buffer; grows to hold the longest line */
#define IMP_MAX_HEADER  (1u << 20)  /* bytes of header text kept for /source */
#define IMP_MAX_PARTS   16          /* recordings in one file */
#define IMP_MAX_ATTRS   64          /* /source values of one part */
#define IMP_DETECT_SIZE (64u << 10) /* bytes read to detect a format */

/* --- growing strings ----------------------------------------------------- */

struct imp_str {
    char *s; /* NUL-terminated, or NULL while empty */
    size_t len, cap;
    int full; /* a bound was hit and text was dropped */
};

/* Appends n bytes (no NUL needed) while the total stays within max;
 * -1 on no memory (the string stays valid). */
int imp_str_addn(struct imp_str *b, const char *p, size_t n, size_t max);
int imp_str_add(struct imp_str *b, const char *p);
/* Appends Latin-1 text as UTF-8. */
int imp_str_add_latin1(struct imp_str *b, const char *p, size_t n, size_t max);
const char *imp_str_get(const struct imp_str *b); /* "" while empty */
void imp_str_free(struct imp_str *b);

/* --- the line reader ----------------------------------------------------- */

struct imp_lr {
    int fd;             /* -1 for a memory source */
    const uint8_t *mem; /* memory source */
    size_t mem_len, mem_pos;
    char *buf;
    size_t cap, pos, len; /* unread bytes are buf[pos..len) */
    int eof;              /* the source is exhausted */
    long line;            /* physical number of the last line returned */
    uint64_t consumed;    /* source bytes before buf[0] */
    uint64_t line_off;    /* source offset of the last line returned */
    int hash;             /* computing the SHA-256 */
    struct rmat_sha256 sha;
    uint64_t bytes; /* bytes read from the source */
    int bom;        /* a UTF-8 BOM was skipped */
    unsigned long n_crlf, n_lf;
    int last_unterminated; /* the last line had no newline */
    int io_errno;
};

/* Opens path at byte offset off, numbering the line there line0 + 1;
 * hash: compute the SHA-256 (from offset 0 only). For a memory source pass
 * mem (path is then only a name). Errors: RMAT_E_NOTFOUND, RMAT_E_IO,
 * RMAT_E_NOMEM, with the message naming path. */
int imp_lr_open(struct imp_lr *lr, const char *path, const uint8_t *mem, size_t mem_len,
                uint64_t off, long line0, int hash, struct rmat_errinfo *ei);
void imp_lr_close(struct imp_lr *lr);

/* The next line: 1 with *line (NUL-terminated, no '\n', one '\r' before
 * it stripped) and *len, 0 at the end, RMAT_E_IO or RMAT_E_FORMAT (a line
 * longer than IMP_MAX_LINE) with ei filled. The line stays valid until the
 * next call. */
int imp_lr_next(struct imp_lr *lr, char **line, size_t *len, const char *path,
                struct rmat_errinfo *ei);

/* "LF", "CRLF", "mixed" or "none" from the counts so far. */
const char *imp_lr_endings(const struct imp_lr *lr);

/* --- numbers ------------------------------------------------------------- */

/* Parses a decimal number filling [p, p+n) exactly (no spaces): optional
 * sign, digits with at most one '.' (or ',' when comma), optional exponent.
 * Independent of the locale. 0 and *v, or -1. NaN, infinities and
 * magnitudes above 1e15 are not numbers here. */
int imp_num(const char *p, size_t n, int comma, double *v);

/* As imp_num on a NUL-terminated string after trimming spaces and TABs. */
int imp_num_str(const char *s, double *v);

/* A whole number in [lo, hi] (trimmed); 0 or -1. */
int imp_int_str(const char *s, long lo, long hi, long *v);

/* Number of digits after the decimal point in the text (for rounding
 * tolerances); 0 for integers. */
int imp_decimals(const char *s);

/* Trims spaces, TABs, '\r' and form feeds at both ends in place. */
char *imp_trim(char *s);

/* Splits s in place at every sep (not in quotes); fields trimmed; at most
 * max (more: returns max + 1). */
int imp_split(char *s, char sep, char **f, int max);

/* Splits on runs of spaces and TABs; at most max (more: max + 1). */
int imp_split_ws(char *s, char **f, int max);

/* A CSV record: fields split at commas with RFC 4180 quotes ("" inside
 * quotes is a quote); the quotes removed in place; fields trimmed.
 * Returns the count, max + 1 for more, -1 for an unclosed quote (the
 * record continues on the next line). */
int imp_csv_split(char *s, char **f, int max);

/* Case-insensitive ASCII comparison of a prefix / whole word. */
int imp_starts(const char *s, const char *prefix);
int imp_eq(const char *a, const char *b);

/* Snake case of a vendor label: "Est. Load (N)" -> "est_load_n",
 * "Contact Area (cm²)" -> "contact_area_cm2", Latin-1 or UTF-8 umlauts
 * transliterated ("Vorfuß" -> "vorfuss"). */
void imp_snake(const char *label, int latin1, char *out, size_t cap);

/* --- units (IMPORT.md §1) ------------------------------------------------ */

enum imp_pkind { IMP_P_KPA, IMP_P_COUNTS, IMP_P_NEWTON };

/* A pressure unit word: *kind and, for pressures, the factor to kPa. 0 or
 * -1 (unknown word). "N", "N-per-sensel": force per sensel (IMP_P_NEWTON). */
int imp_unit_pressure(const char *word, enum imp_pkind *kind, double *to_kpa);
/* A length unit word: factor to mm; 0 or -1. */
int imp_unit_length(const char *word, double *to_mm);
/* An area unit word: factor to mm²; 0 or -1. */
int imp_unit_area(const char *word, double *to_mm2);

/* "12.5 mm" -> 12.5 and the unit word; 0, -1 (no number), -2 (unknown
 * unit, *unit points at it). kind: 'l' length to mm, 'a' area to mm². */
int imp_num_unit(char *s, int kind, double *v_out, char **unit);

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t imp_days_from_civil(int y, int m, int d);

/* --- one import run ------------------------------------------------------ */

struct imp_attrs {
    struct rmat_import_attr a[IMP_MAX_ATTRS];
    char *mem[IMP_MAX_ATTRS * 2];
    size_t n;
};

struct imp_partstate {
    int open;   /* part_begin seen by the sink, part_end not yet */
    int skip;   /* filtered out by --side: nothing reaches the sink */
    int counts; /* values must be whole numbers 0..65535 */
    size_t n;   /* values per frame */
    uint64_t frames;
    int64_t last_seq, last_t_us;
    long last_line;
    struct rmat_import_part part; /* as announced, with copies of its strings and arrays */
    struct imp_attrs at;
    struct imp_str warnings;
    char *own[16]; /* the copies */
    int n_own;
};

struct imp {
    const char *path; /* as given: messages name it */
    const uint8_t *mem;
    size_t mem_len;
    const struct rmat_import_opts *opts;
    const struct rmat_import_sink *sink;
    struct rmat_errinfo *ei;
    struct imp_str assumptions, warnings; /* of the whole file */
    char sha_hex[RMAT_SHA256_HEX];
    uint64_t file_size;
    int n_parts;
    struct imp_partstate ps[IMP_MAX_PARTS];
};

/* A format error at a line (0: none): "path:line: what". Returns
 * RMAT_E_FORMAT (or code for imp_errc). */
int imp_err(struct imp *im, long line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int imp_errc(struct imp *im, int code, long line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* An assumption or a warning: logged once through opts->log and kept for
 * /source (of every part begun after, and of part for imp_part_warn). */
int imp_assume(struct imp *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int imp_warn(struct imp *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int imp_part_warn(struct imp *im, int part, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* /source values of a part being described. */
void imp_attr_text(struct imp_attrs *at, const char *key, const char *text);
void imp_attr_num(struct imp_attrs *at, const char *key, double v);
void imp_attrs_free(struct imp_attrs *at);

/* Announces a part: fills format, encoding defaults, copies what the sink
 * sees at part_end, applies --side and, for a grid, --pitch-mm, and
 * records the options given. Returns the part index (>= 0) or an error.
 * header may be NULL. */
int imp_part_begin(struct imp *im, const struct rmat_import_part *p, const struct imp_attrs *at,
                   const struct imp_str *header);

/* Updates a part's rate (known only at the end for some formats) and adds
 * attributes before part_end. */
void imp_part_set_rate(struct imp *im, int part, double rate_hz);
void imp_part_add_attr_num(struct imp *im, int part, const char *key, double v);

/* One frame: checks time order (an error at line), emits a gap event when
 * the label jumps by more than one, checks counts are whole numbers in
 * 0..65535, then calls the sink. */
int imp_frame(struct imp *im, int part, int64_t seq, int64_t t_us, const float *v, long line);

int imp_vendor_row(struct imp *im, int part, int64_t frame, double t_s,
                   const struct rmat_import_figure *fig, size_t n);
int imp_vendor_map(struct imp *im, int part, const char *name, const float *v, size_t n);

/* Records the digest and size of the source the reader read in full. */
void imp_source_done(struct imp *im, struct imp_lr *lr);

/* part_end for every open part (after imp_source_done). */
int imp_end_all(struct imp *im);

/* Opens a reader on the run's source (file or memory). */
int imp_open(struct imp *im, struct imp_lr *lr, uint64_t off, long line0, int hash);

/* The options' unit override, if any: 1 and the kind/factor (to_kpa for
 * N-per-sensel is filled by the caller from the area), 0 when not given,
 * an error for an unknown word. */
int imp_opt_unit(struct imp *im, enum imp_pkind *kind, double *to_kpa);

/* The factor from N per sensel to kPa, 1000 / (pitch_x pitch_y), for a
 * sensel area within 1e-6..1e12 mm2; else RMAT_E_ARG naming what. */
int imp_newton_to_kpa(struct imp *im, double pitch_x_mm, double pitch_y_mm, double *to_kpa);

/* A sensor table (--sensor-table, CSV id,area_mm2[,x_mm,y_mm]): fills
 * area/x/y (NaN where not listed) for the given ids. 0 when no table. */
int imp_sensor_table(struct imp *im, const int32_t *ids, size_t n, double *area, double *x,
                     double *y);

/* The readers, one per format (IMPORT.md §2-8, 10, 11). */
int imp_read_tekscan(struct imp *im);
int imp_read_xsensor(struct imp *im);
int imp_read_emed(struct imp *im);
int imp_read_pedar(struct imp *im);
int imp_read_pliance(struct imp *im);
int imp_read_apd(struct imp *im);
int imp_read_winfdm(struct imp *im);
int imp_read_inbed(struct imp *im);
int imp_read_matrix(struct imp *im);

/* Detection helpers each format provides: 1 if the first bytes (NUL-
 * terminated copy, at most IMP_DETECT_SIZE) look like the format. */
int imp_is_tekscan(const char *head);
int imp_is_xsensor(const char *head, const char **variant);
int imp_is_emed(const char *head);
int imp_is_pedar(const char *head);
int imp_is_pliance(const char *head);
int imp_is_apd(const char *head);
int imp_is_winfdm(const char *head);
int imp_is_inbed(const char *head, int *values);

#endif
