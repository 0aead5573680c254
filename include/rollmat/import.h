/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: reading other systems' exports (docs/import.md).
 *
 * A pure parsing layer: rmat_import_run() reads one export file and streams
 * what it holds into a sink of callbacks the caller supplies; it writes no
 * HDF5 and never prints. The recording writer (`rollmat import`) is one
 * such sink; the tests use a sink that records.
 *
 * One file may hold several recordings ("parts"): the left and right
 * insoles of a pair, the measurements of an emed list. Each part is
 * announced by part_begin with its geometry, units and provenance, then
 * receives its frames, vendor figures and events, then part_end with what
 * is only known at the end (frame count, rate of XSENSOR, SHA-256). Parts
 * may interleave (XSENSOR lists both insoles in each frame).
 *
 * Units: values reach the sink already converted: kPa for a stated pressure
 * unit (and for force per sensel, through the sensel area), or raw counts
 * left as they are; to_kpa says which factor was applied. Cells without a
 * sensel are 0 in the mask and 0 in every frame.
 *
 * Memory is independent of the number of frames. Formats whose geometry
 * follows the frames (pliance) or whose windows may differ from page to
 * page (emed), and those whose per-frame vendor table precedes the
 * geometry (Zebris WinFDM), are read twice.
 *
 * Errors follow err.h and fill a struct rmat_errinfo whose message names
 * the file, the 1-based physical line, what was expected and what was found
 * ("walk.asf:88: expected 16 values (COLS, line 4), found 15"); a program
 * prefixes "rollmat import: ".
 */
#ifndef ROLLMAT_IMPORT_H
#define ROLLMAT_IMPORT_H

#define RMAT_HEADER_LAYER RMAT_LAYER_IMPORT
#include "rollmat/layer.h"

#include <stddef.h>
#include <stdint.h>

#include "rollmat/diag.h"

#define RMAT_IMPORT_MAX_SIDE 256 /* rows and cols of a grid, at most */
/* A sensor list holds at most this many sensors. */
#define RMAT_IMPORT_MAX_SENSORS (RMAT_IMPORT_MAX_SIDE * RMAT_IMPORT_MAX_SIDE)

enum rmat_import_format {
    RMAT_IMPORT_AUTO = 0, /* detect by content (opts only) */
    RMAT_IMPORT_TEKSCAN,  /* Tekscan ASCII movie (.asf, .csv) */
    RMAT_IMPORT_XSENSOR,  /* XSENSOR CSV */
    RMAT_IMPORT_EMED,     /* novel emed .lst */
    RMAT_IMPORT_PEDAR,    /* novel pedar .asc */
    RMAT_IMPORT_PLIANCE,  /* novel pliance .asc */
    RMAT_IMPORT_APD,      /* Zebris pedcad import file .apd */
    RMAT_IMPORT_WINFDM,   /* Zebris WinFDM raw ASCII .txt */
    RMAT_IMPORT_FOOTSCAN, /* RSscan footscan .xls (not in this build) */
    RMAT_IMPORT_INBED,    /* in-bed pressure-map text */
    RMAT_IMPORT_MATRIX,   /* plain matrix CSV/TSV, never detected */
    RMAT_IMPORT_NFORMATS
};

enum rmat_import_layout {
    RMAT_IMPORT_LAYOUT_AUTO = 0, /* matrix: from the first data line */
    RMAT_IMPORT_LAYOUT_LINE,     /* a frame per line */
    RMAT_IMPORT_LAYOUT_BLOCK,    /* rows lines per frame */
};

enum rmat_import_side {
    RMAT_IMPORT_SIDE_ANY = 0, /* opts: every part; part: not known */
    RMAT_IMPORT_SIDE_LEFT,
    RMAT_IMPORT_SIDE_RIGHT,
};

/* What the user asked for (`rollmat import` options). Zero-initialise, then
 * call rmat_import_opts_init() for the NaN defaults. Nothing here is
 * changed by the import; strings are borrowed for the call. */
struct rmat_import_opts {
    enum rmat_import_format format; /* AUTO: detect */
    int rows, cols;                 /* in-bed, matrix (0: from the file or preset) */
    double pitch_x_mm, pitch_y_mm;  /* overrides the file's; NaN: the file's */
    const char *unit;               /* a unit word (IMPORT.md §1), "N-per-sensel", "counts";
                                       NULL: the file's; for emed it overrides the check */
    double rate_hz;                 /* in-bed, matrix; NaN: the file's */
    enum rmat_import_layout layout; /* matrix */
    char sep;                       /* matrix: ',' ';' '\t' ' '; 0: detect */
    int decimal_comma;              /* matrix: "1,5" is 1.5 */
    int skip_lines;                 /* matrix: lines skipped before anything */
    int time_column;                /* matrix line layout: the first value is t in s */
    long drop_first, drop_last;     /* in-bed (and matrix): frames cut at either end */
    enum rmat_import_side side;     /* ANY, or only that part */
    const char *tz;                 /* for the writer: zone of the export's wall clock
                                       (NULL: local); the parsers do not use it */
    int redact;                     /* blank known personal fields in header text */
    const char *sensor_table;       /* CSV id,area_mm2[,x_mm,y_mm] for sensor lists */
    const struct rmat_log *log;     /* assumptions and warnings, once each; NULL: none */
};

/* Sets every field of o to "not given". */
void rmat_import_opts_init(struct rmat_import_opts *o);

/* A wall-clock time as the export states it (zone unknown: --tz applies). */
struct rmat_import_when {
    int known; /* 0: no date and time in the export */
    int year, month, day, hour, minute;
    double second;
};

/* One /source value: text, or a number when text is NULL. */
struct rmat_import_attr {
    const char *key;
    const char *text;
    double num;
};

enum rmat_import_grid {
    RMAT_IMPORT_GRID = 0, /* rows x cols of a regular lattice */
    RMAT_IMPORT_SENSORS,  /* a list of S sensors, passed as 1 x S */
};

/* A recording inside the file. Every pointer is valid only during the
 * callback; the sink copies what it keeps. */
struct rmat_import_part {
    int index;                  /* 0, 1, ... in the order parts begin */
    const char *name;           /* sensor or part name ("left", "measurement 2"); "" */
    enum rmat_import_side side; /* ANY when not known */
    enum rmat_import_grid layout;
    int rows, cols;                /* sensors: 1 x S */
    double pitch_x_mm, pitch_y_mm; /* between columns, rows; NaN for sensors */
    const uint8_t *mask;           /* rows * cols, 1 = sensel exists */
    /* Sensor lists only (else NULL): S ids, areas and positions; NaN where
     * unknown (positions: x from the left edge, y down from the top). */
    const int32_t *sensor_id;
    const double *sensor_area_mm2, *sensor_x_mm, *sensor_y_mm;
    int counts;               /* 1: values are raw counts; 0: kPa */
    double to_kpa;            /* factor applied to the file's values; NaN for counts */
    const char *unit_in_file; /* the unit word as written ("" if none) */
    double rate_hz;           /* NaN: an image, or (at begin) known only at the end */
    const char *content;      /* "movie" or "peak-image" */
    struct rmat_import_when start;
    const char *format;       /* rmat_import_formats() name */
    const char *variant;      /* e.g. "long frame lines" */
    const char *encoding;     /* "ASCII", "Latin-1", "UTF-8" */
    const char *line_endings; /* "LF", "CRLF", "mixed", "none" */
    const char *header;       /* verbatim, UTF-8, LF (redacted if asked) */
    size_t header_len;
    const struct rmat_import_attr *attrs; /* per-format /source values */
    size_t n_attrs;
    const char *assumptions;                       /* one per line; "" none */
    const char *warnings;                          /* one per line; "" none */
    const char *model, *serial, *firmware_version; /* "" when not stated */
    /* Known at part_end only (0 / "" at part_begin): */
    uint64_t frames;
    const char *sha256; /* of the file's exact bytes, lowercase hex */
    uint64_t file_size;
};

struct rmat_import_frame {
    int part;
    uint64_t index;      /* 0-based position in the part */
    int64_t seq;         /* the export's label, else the position */
    int64_t t_us;        /* from the export's own origin */
    const float *values; /* rows * cols (sensors: S), kPa or counts; mask 0 cells 0 */
    size_t n;            /* rows * cols */
    long line;           /* where the frame starts in the file */
};

/* Figures the vendor computed, never data: /vendor. */
struct rmat_import_figure {
    const char *name; /* snake case with unit: "force_n", "cop_x_mm" (rollmat's frame) */
    double value;     /* NaN: not given */
};

struct rmat_import_vendor_row {
    int part;
    int64_t frame; /* index of the frame it belongs to; -1: none (outside a window) */
    double t_s;    /* the row's own time; NaN if it has none */
    const struct rmat_import_figure *fig;
    size_t n;
};

struct rmat_import_event {
    int part;
    const char *kind; /* "gap" */
    uint64_t frame;   /* index of the frame after the event */
    int64_t t_us;
    double value; /* gap: frames missing */
    const char *text;
};

/* The callbacks; any may be NULL. A callback returning a negative rmat_err
 * stops the import, and rmat_import_run() returns that code. */
struct rmat_import_sink {
    void *ctx;
    int (*part_begin)(void *ctx, const struct rmat_import_part *part);
    int (*frame)(void *ctx, const struct rmat_import_frame *f);
    int (*vendor_row)(void *ctx, const struct rmat_import_vendor_row *row);
    /* A per-map vendor figure (pliance MPP/MVP, emed MPP/MVP pictures):
     * n = rows * cols values in the part's layout, NaN where not given. */
    int (*vendor_map)(void *ctx, int part, const char *name, const float *values, size_t n);
    int (*event)(void *ctx, const struct rmat_import_event *ev);
    int (*part_end)(void *ctx, const struct rmat_import_part *part);
};

struct rmat_import_format_info {
    enum rmat_import_format format;
    const char *name;        /* what --format takes */
    const char *description; /* one line */
    const char *detect;      /* the detection rule, one line */
    const char *extensions;  /* "asf csv" */
    int supported;           /* 0: this build lacks the reader */
    const char *why_not;     /* NULL when supported */
};

/* The table of formats, RMAT_IMPORT_NFORMATS - 1 entries (no AUTO), in
 * enum order; *n gets the count. Static; never NULL. */
const struct rmat_import_format_info *rmat_import_formats(size_t *n);

/* The format named name (case-insensitive), or RMAT_IMPORT_AUTO. */
enum rmat_import_format rmat_import_format_by_name(const char *name);

/* Detects the format of path by its content (the first 64 KiB); the
 * extension breaks ties. Returns the format (> 0), or RMAT_E_FORMAT with a
 * message: for numeric text, one naming `--format matrix` and its options
 * (or `--format inbed`); RMAT_E_UNSUPPORTED for a format this build cannot
 * read (footscan .xls) or a refused variant; RMAT_E_NOTFOUND / RMAT_E_IO
 * for a file that cannot be read. */
int rmat_import_detect(const char *path, struct rmat_errinfo *ei);

/* The same on bytes in memory (for fuzzing and tests); name supplies the
 * extension and the name in messages. */
int rmat_import_detect_mem(const uint8_t *buf, size_t len, const char *name,
                           struct rmat_errinfo *ei);

/* Reads path (format opts->format, or detected) and streams it into sink.
 * Returns RMAT_OK, the first error (RMAT_E_FORMAT for malformed content,
 * RMAT_E_ARG for missing or contradictory options, RMAT_E_UNSUPPORTED,
 * RMAT_E_NOTFOUND, RMAT_E_IO, RMAT_E_NOMEM), or a sink's negative code. On
 * an error the sink has seen part_begin without part_end for every open
 * part: it discards them. opts NULL: defaults. */
int rmat_import_run(const char *path, const struct rmat_import_opts *opts,
                    const struct rmat_import_sink *sink, struct rmat_errinfo *ei);

/* The same on bytes in memory (fuzzing, tests): name is used in messages
 * and for the extension; the bytes must stay valid during the call. */
int rmat_import_run_mem(const uint8_t *buf, size_t len, const char *name,
                        const struct rmat_import_opts *opts, const struct rmat_import_sink *sink,
                        struct rmat_errinfo *ei);

/* --- writing recordings (analysis/import/writer.c) ----------------------
 *
 * The sink `rollmat import` uses: each part becomes an ordinary rollmat
 * recording (docs/format.md, format version 2): /frames/pressure_kpa
 * (float32, kPa) or /frames/raw (uint16 counts), /device/mask, /sensors for
 * sensor lists, /source with the provenance, /vendor with the vendor's own
 * figures, /events with the import note and the gaps. Each recording is
 * written under a temporary name beside its final one and renamed only
 * when the whole file was read without error, so a failure never leaves a
 * half-written file under the final name; nothing is overwritten. Frames
 * are written a chunk at a time: memory does not grow with the frames. */

#include "rollmat/recfile.h"

#define RMAT_IMPORT_PATH_MAX 4096

struct rmat_import_out {
    const char *out;                      /* OUT.h5, or a folder when out_is_dir; NULL:
                                             beside the input, its name with .h5 */
    int out_is_dir;                       /* out is a folder: <folder>/<input name>.h5 */
    const struct rmat_session_meta *meta; /* /session values given; NULL: empty */
    const volatile int *stop;             /* set (by a signal) to stop; NULL: never */
};

/* One recording written. */
struct rmat_import_written {
    char path[RMAT_IMPORT_PATH_MAX];
    enum rmat_import_side side;
    char part[64];
    uint64_t frames;
    int rows, cols;
    int counts; /* 1: /frames/raw; 0: /frames/pressure_kpa */
    enum rmat_import_grid layout;
};

/* The final name of the recording of part k (side, of nparts) for input
 * and out (as rmat_import_out says), into dst. Several parts: OUT-left.h5
 * and OUT-right.h5 when the sides tell them apart, else OUT-1.h5,
 * OUT-2.h5, ... RMAT_E_ARG if it does not fit. */
int rmat_import_out_name(const char *input, const struct rmat_import_out *out, int k, int nparts,
                         enum rmat_import_side side, int sides_distinct, char *dst, size_t cap,
                         struct rmat_errinfo *ei);

/* Imports input into recordings: w[0..*n) (cap entries) say what was
 * written. Errors as rmat_import_run(); RMAT_E_EXISTS when a final name
 * exists (nothing is then left behind); RMAT_E_STOPPED when *stop was set.
 * On any error no file is left under a final name and no temporary file
 * remains. */
int rmat_import_write(const char *input, const struct rmat_import_opts *opts,
                      const struct rmat_import_out *out, struct rmat_import_written *w, size_t cap,
                      size_t *n, struct rmat_errinfo *ei);

/* --- export (analysis/import/export.c) ------------------------------- */

enum rmat_export_format {
    RMAT_EXPORT_CSV = 0, /* frame,t_s,r0c0,...: a row per frame; empty where no sensel */
    RMAT_EXPORT_TEKSCAN, /* IMPORT.md §2's layout (short frame lines, B for no sensel) */
};

/* Writes the frames of the recording rec to out (a new file: RMAT_E_EXISTS
 * if it exists; written under a temporary name and renamed at the end).
 * Counts are written as counts ("UNITS raw"), pressures in kPa with nine
 * significant digits, so `rollmat import` gives the same frames back. */
int rmat_export(const char *rec, enum rmat_export_format fmt, const char *out,
                struct rmat_errinfo *ei);

#endif
