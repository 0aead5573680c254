/* rollmat: HDF5 helpers shared by the recording writer (acq/recording.c)
 * and reader (analysis/reader.c). Internal to librollmat, not public API. */
#ifndef RMAT_H5UTIL_H
#define RMAT_H5UTIL_H

#include <stddef.h>

/* Makes HDF5 quiet and safe before its first use: no automatic printing of
 * its error stack (the library never prints), and no exit handler, which
 * crashes after failed I/O such as a full disk. Call before any other HDF5
 * call; later calls change nothing. */
void rmat_h5_init(void);

/* The description of the innermost HDF5 error (the function that detected
 * it), with that function's name, into buf; "no detail from HDF5" if the
 * stack is empty. Call before any other HDF5 call clears the stack. */
void rmat_h5_last_error(char *buf, size_t cap);

#endif
