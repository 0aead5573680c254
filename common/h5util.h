/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: HDF5 helpers shared by everything that writes or reads HDF5
 * (the recording layout in recfile.c, the calibration group, the maps).
 * Internal to librollmat, not public API: it speaks in hid_t.
 *
 * Attributes are written as fixed-length (never variable-length) strings
 * sized to their content, little-endian numbers, so every reader, SWMR or
 * not, h5py, MATLAB or R, handles them alike. They are read tolerantly: a
 * missing attribute, or one of a type that cannot be converted, is reported
 * as -1 and leaves the value as the caller initialised it.
 */
#ifndef RMAT_H5UTIL_H
#define RMAT_H5UTIL_H

#define RMAT_HEADER_LAYER RMAT_LAYER_COMMON
#include "rollmat/layer.h"

#include <stddef.h>

#include <hdf5.h>

/* Makes HDF5 quiet and safe before its first use: no automatic printing of
 * its error stack (the library never prints), and no exit handler, which
 * crashes after failed I/O such as a full disk. Call before any other HDF5
 * call; later calls change nothing. */
void rmat_h5_init(void);

/* The description of the innermost HDF5 error (the function that detected
 * it), with that function's name, into buf; "no detail from HDF5" if the
 * stack is empty. Call before any other HDF5 call clears the stack. */
void rmat_h5_last_error(char *buf, size_t cap);

/* --- writing attributes: 0, or -1 if HDF5 failed ------------------------ */

/* A UTF-8 string of at most cap - 1 bytes of value (cut at a character
 * boundary; cap 0: all of it). */
int rmat_h5_put_str(hid_t loc, const char *name, const char *value, size_t cap);
/* A scalar number stored as filetype, given in memory as memtype. */
int rmat_h5_put_num(hid_t loc, const char *name, hid_t filetype, hid_t memtype, const void *value);
int rmat_h5_put_int(hid_t loc, const char *name, int v);
int rmat_h5_put_f64(hid_t loc, const char *name, double v);

/* A fixed-size dataset of rank dims with a "units" string attribute. */
int rmat_h5_put_dataset(hid_t loc, const char *name, hid_t filetype, hid_t memtype, int rank,
                        const hsize_t *dims, const void *data, const char *units);

/* --- reading attributes: 0, or -1 if missing or not convertible --------- */

/* A scalar string attribute, fixed or variable length, into dst (cap
 * bytes, cut at a UTF-8 boundary); dst is "" on -1. */
int rmat_h5_get_str(hid_t loc, const char *name, char *dst, size_t cap);
/* A scalar numeric attribute converted to memtype; value untouched on -1. */
int rmat_h5_get_num(hid_t loc, const char *name, hid_t memtype, void *value);
/* As rmat_h5_get_num(), with 0 and NaN for a missing value. */
void rmat_h5_get_int(hid_t loc, const char *name, int *v);
void rmat_h5_get_f64(hid_t loc, const char *name, double *v);

/* The group at name under loc, or H5I_INVALID_HID if there is none. */
hid_t rmat_h5_open_group(hid_t loc, const char *name);

/* A fixed string type of size bytes, null-padded, UTF-8 (the /events
 * strings); H5I_INVALID_HID on failure. */
hid_t rmat_h5_fixed_string(size_t size);

#endif
