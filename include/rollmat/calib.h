/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: calibration, from raw ADC counts to kPa (docs/calibration.md;
 * docs/format.md, /calibration; docs/metrics.md, "Geometry and pressure").
 *
 * A calibration is a count-to-kPa curve shared by every sensel, and
 * optionally per-sensel equilibration gains: p_ij = gain_ij * curve(c_ij).
 * The curves:
 *
 *   linear   p = kpa_per_count * (c - zero_counts), 0 below zero_counts
 *   power    p = a_kpa * (c / c_max_counts)^b
 *   divider  p = a_kpa * (c / (c_max_counts - c))^b    (an FSR in a voltage
 *            divider read by an ADC whose full scale is c_max_counts)
 *   table    p interpolated linearly between `point COUNTS KPA` pairs
 *
 * Calibrations live in a small text file (format below and in
 * docs/calibration.md) and are copied into a recording's /calibration group
 * when one is given at record time. The analysis turns a calibration into a
 * lookup table of one pressure per count value (rmat_calib_lut()), so the
 * frame loop costs one load and one multiply per sensel whatever the curve.
 *
 * The text format, version 1. One keyword per line, then its values; `#`
 * starts a comment; keywords carry their unit:
 *
 *   rollmat-calibration 1     first line: what the file is, format version
 *   name virtual-mat          free text to the end of the line (<= 63 bytes)
 *   curve divider             linear | power | divider | table
 *   a_kpa 40                  power, divider: kPa
 *   b 0.8                     power, divider: exponent, no unit
 *   c_max_counts 4095         power, divider: counts; absent = full scale
 *                             of the recording's ADC, 2^adc_bits - 1
 *   kpa_per_count 0.025       linear: kPa per count
 *   zero_counts 0             linear: counts at zero pressure (default 0)
 *   point 410 5.0             table: counts kPa; counts strictly rising,
 *                             kPa never falling (at least one point)
 *   gains 32 32               rows cols, then `rows` lines of `cols` gains
 *   gains_file mat.gains      or: the gains of another file of this format
 *                             (relative to this one), e.g. from
 *                             `rollmat equilibrate`
 *   crosstalk_row_pct 0.1     the sensor's corrections (sensorfix.h), each
 *   crosstalk_col_pct 0.1     optional: a passive matrix's crosstalk, % of
 *                             the rest of the row's / column's counts
 *                             (0..10; both or neither);
 *   creep_pct 4               FSR creep under a held load: % the counts
 *   creep_tau_s 20            rise by (0..50), the time constant of the rise
 *   creep_recover_tau_s 10    (s) and of the recovery without load (s;
 *   creep_load_kpa 2          default creep_tau_s), loaded from this
 *                             pressure (kPa; default 2). creep_pct and
 *                             creep_tau_s come together.
 *
 * Saturation and the ends of the curves: a divider count at or above
 * c_max_counts reads as c_max_counts - 0.5 (the largest count that rounds
 * below full scale); a table count below the first point is interpolated
 * towards (0 counts, 0 kPa) and one above the last point reads the last
 * point's kPa. No curve gives a negative pressure.
 */
#ifndef ROLLMAT_CALIB_H
#define ROLLMAT_CALIB_H

#define RMAT_HEADER_LAYER RMAT_LAYER_COMMON
#include "rollmat/layer.h"

#include <stddef.h>
#include <stdint.h>

#include "rollmat/diag.h"

#define RMAT_CALIB_FORMAT     "rollmat-calibration"
#define RMAT_CALIB_VERSION    1
#define RMAT_CALIB_NAME_LEN   64  /* name, with its terminator */
#define RMAT_CALIB_MAX_POINTS 256 /* of a table */
/* How deep gains_file may nest (a file naming a file naming ...): a
 * chain deeper than this is refused, as is any cycle. */
#define RMAT_CALIB_MAX_GAINS_DEPTH 8

enum rmat_curve {
    RMAT_CURVE_NONE = 0, /* a file of gains only */
    RMAT_CURVE_LINEAR = 1,
    RMAT_CURVE_POWER = 2,
    RMAT_CURVE_DIVIDER = 3,
    RMAT_CURVE_TABLE = 4,
};

/* A calibration. Parameters a curve does not use are NaN. */
struct rmat_calib {
    char name[RMAT_CALIB_NAME_LEN];
    enum rmat_curve curve;
    double kpa_per_count; /* linear */
    double zero_counts;   /* linear */
    double a_kpa;         /* power, divider */
    double b;             /* power, divider */
    double c_max_counts;  /* power, divider; NaN: the ADC's full scale */
    size_t n_points;      /* table */
    double point_counts[RMAT_CALIB_MAX_POINTS];
    double point_kpa[RMAT_CALIB_MAX_POINTS];
    int gain_rows, gain_cols; /* 0 when there are no gains */
    float *gains;             /* gain_rows * gain_cols, row-major, owned; NULL: all 1 */
    /* The sensor's corrections (docs/calibration.md, sensorfix.h); NaN when
     * the file does not give them: no correction. */
    double crosstalk_row_pct, crosstalk_col_pct; /* 0..10, both or neither */
    double creep_pct;                            /* 0..50, with creep_tau_s */
    double creep_tau_s;                          /* > 0, at most 3600 */
    double creep_recover_tau_s;                  /* > 0, at most 3600 */
    double creep_load_kpa;                       /* > 0 */
};

/* Range limits of the correction keys, checked by the parser and the
 * reader of /calibration. */
#define RMAT_CALIB_CROSSTALK_MAX_PCT 10.0
#define RMAT_CALIB_CREEP_MAX_PCT     50.0
#define RMAT_CALIB_CREEP_MAX_TAU_S   3600.0
/* creep_load_kpa when the file gives creep without it. */
#define RMAT_CALIB_CREEP_LOAD_KPA 2.0

/* Whether c carries crosstalk coefficients, and creep parameters. */
int rmat_calib_has_crosstalk(const struct rmat_calib *c);
int rmat_calib_has_creep(const struct rmat_calib *c);

/* Checks c's correction keys as the parser does (ranges, partners; what
 * names c in the message) and fills the creep's defaults
 * (creep_recover_tau_s = creep_tau_s, creep_load_kpa
 * RMAT_CALIB_CREEP_LOAD_KPA). For calibrations not parsed from text
 * (/calibration, a fit). RMAT_E_FORMAT. */
int rmat_calib_check_corrections(struct rmat_calib *c, const char *what, struct rmat_errinfo *ei);

/* The name of a curve ("linear", ...; "none"). Never NULL. */
const char *rmat_curve_name(enum rmat_curve c);

/* Parses a curve name; returns the curve or RMAT_CURVE_NONE if unknown. */
enum rmat_curve rmat_curve_parse(const char *name);

/* A new empty calibration: no curve, every parameter NaN, no gains.
 * NULL when out of memory. Free with rmat_calib_free(). */
struct rmat_calib *rmat_calib_new(void);

/* Frees c and its gains; NULL is allowed. */
void rmat_calib_free(struct rmat_calib *c);

/* Parses calibration text (the format above). origin names the text in
 * messages ("mat.cal") and is the directory base for gains_file (NULL: the
 * current directory). Every error names origin, the line and what is wrong:
 * RMAT_E_FORMAT for an unknown keyword, a missing or extra value, a value
 * that is not a finite number (NaN, inf), a parameter out of range
 * (a_kpa, kpa_per_count, c_max_counts <= 0; b <= 0), a table that is not
 * monotone, gains that are missing, extra, negative or not numbers, a
 * curve lacking a parameter it needs, a correction key out of its range
 * or given without its partner (crosstalk_row_pct without
 * crosstalk_col_pct, creep_pct without creep_tau_s); RMAT_E_NEWER for a newer format
 * version; the errors of reading a gains_file. A text without a curve is
 * accepted (a gains file): rmat_calib_check() tells. *out is NULL on error;
 * free with rmat_calib_free(). */
int rmat_calib_parse(const char *text, const char *origin, struct rmat_calib **out,
                     struct rmat_errinfo *ei);

/* Reads and parses the file at path (at most 16 MiB). Errors: those of
 * rmat_calib_parse(), and RMAT_E_NOTFOUND, RMAT_E_IO (errno detail) for a
 * file that cannot be read. */
int rmat_calib_load(const char *path, struct rmat_calib **out, struct rmat_errinfo *ei);

/* Checks that c can convert the counts of a mat of rows x cols sensels: it
 * has a curve with its parameters, its gains (if any) are rows x cols, and
 * c_max_counts (if given) lies above 1. what names c in the message.
 * RMAT_E_FORMAT or RMAT_E_ARG. */
int rmat_calib_check(const struct rmat_calib *c, int rows, int cols, const char *what,
                     struct rmat_errinfo *ei);

/* Writes c as text (the format above, gains inline) to path, replacing it.
 * Numbers are written with 17 significant digits, so they read back
 * exactly. Errors: RMAT_E_ARG, RMAT_E_IO / RMAT_E_NOSPC and the errno
 * codes, naming path. */
int rmat_calib_save(const struct rmat_calib *c, const char *path, struct rmat_errinfo *ei);

/* c as text (the format above, gains inline, numbers that read back
 * exactly) in a new buffer *text of *len bytes (NUL-terminated; len may be
 * NULL) that the caller frees with free(). The journal of a recording keeps
 * its calibration this way. RMAT_E_ARG, RMAT_E_NOMEM; *text is NULL on
 * error. */
int rmat_calib_to_text(const struct rmat_calib *c, char **text, size_t *len,
                       struct rmat_errinfo *ei);

/* The curve's pressure in kPa at `counts` (a real number: fitting uses
 * means), for an ADC whose full scale is full_scale_counts (used where
 * c_max_counts is NaN). NaN if c has no curve. Never negative. */
double rmat_calib_curve_kpa(const struct rmat_calib *c, double counts, double full_scale_counts);

/* Fills lut[0 .. 2^adc_bits - 1] with the curve's kPa at each count
 * (adc_bits 1..16; 0 or larger than 16 is taken as 16). With c NULL, the
 * table is the identity: lut[k] = k, raw counts as they are. Returns the
 * table's length, or RMAT_E_ARG if c has no curve. */
int rmat_calib_lut(const struct rmat_calib *c, int adc_bits, double *lut);

/* Sets c's gains to a copy of gains (rows x cols); replaces earlier ones.
 * RMAT_E_ARG, RMAT_E_NOMEM. */
int rmat_calib_set_gains(struct rmat_calib *c, int rows, int cols, const float *gains);

/* --- a mat's own calibration ------------------------------------------- */

/* Each mat has its calibration in a folder of them, found by the serial
 * number its INFO reports: DIR/mat-SERIAL.cal (serial in decimal). The
 * daemon and the recorder copy it into every recording of that mat. They
 * look in RMAT_CALIB_DEFAULT_DIR unless told otherwise. */
#define RMAT_CALIB_DEFAULT_DIR "/var/lib/rollmat/mats"

/* DIR/mat-SERIAL.cal into buf; RMAT_E_ARG if it does not fit. */
int rmat_calib_mat_path(const char *dir, uint32_t serial, char *buf, size_t cap);

/* Loads DIR/mat-SERIAL.cal into *out. *out is NULL and the return RMAT_OK
 * when there is no such file (a mat without a calibration); a file that is
 * there but does not parse is an error (rmat_calib_load()'s). */
int rmat_calib_load_for_mat(const char *dir, uint32_t serial, struct rmat_calib **out,
                            struct rmat_errinfo *ei);

/* The calibration the recordings of a mat get, found when it connects
 * (serial number and grid from its INFO): the file `file` when given (one
 * calibration for whatever mat), else DIR/mat-SERIAL.cal when dir is given,
 * else none. *out is a new calibration (free with rmat_calib_free()) or
 * NULL for none; desc (cap bytes, may be NULL) gets one line for the log:
 *   calibration 'NAME' (CURVE curve[, equilibrated]) from PATH
 *   NO CALIBRATION for mat serial N: recordings are in raw counts; put one
 *     at DIR/mat-N.cal (rollmat calibrate --mat-dir DIR)
 * (NAME is the file's `name`, else its file name without .cal). Errors,
 * naming the file: rmat_calib_load()'s (a file that does not parse, a
 * given file that is missing) and rmat_calib_check()'s (no curve, gains
 * for another grid than rows x cols). */
int rmat_calib_find_for_mat(const char *file, const char *dir, uint32_t serial, int rows, int cols,
                            struct rmat_calib **out, char *desc, size_t cap,
                            struct rmat_errinfo *ei);

/* --- in recordings (/calibration) --------------------------------------- */

/* Writes c into the HDF5 file or group loc (an hid_t; int64_t since HDF5
 * 1.10) as the group /calibration: attributes format, version, name, curve
 * and the curve's parameters (each with its unit in its name; NaN where
 * unused), datasets table_counts and table_kpa (float64 [n], table only)
 * and gains (float32 [rows][cols], only with gains), each with a "units"
 * attribute. For a recording this runs before SWMR writing starts. path
 * names the file in messages. RMAT_E_HDF5 on failure. */
int rmat_calib_h5_write(const struct rmat_calib *c, int64_t loc, const char *path,
                        struct rmat_errinfo *ei);

/* Reads /calibration of the open HDF5 file loc. *out is NULL and the
 * return RMAT_OK when the group is absent. A group that is there but
 * malformed (no curve, bad parameters, gains of the wrong shape) gives
 * RMAT_E_FORMAT naming path. Free *out with rmat_calib_free(). */
int rmat_calib_h5_read(int64_t loc, const char *path, struct rmat_calib **out,
                       struct rmat_errinfo *ei);

#endif
