/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: the library's layers, and the check that data flows forward.
 *
 * librollmat is built as one static library per layer, each linking only
 * the layers below it (docs/architecture.md):
 *
 *   core      firmware/core     wire codec, device core (also on the mat)
 *   common    common/           errors, files, JSON, dates, HDF5 helpers,
 *                               the recording's layout, calibration files
 *   acq       acq/              transports, device session, journal,
 *                               recording writer, recorder, daemon
 *   analysis  analysis/         reader, metrics, passes, holds, ..., trends
 *   report    analysis/report/  gnuplot figures, PDF reports, batch runs
 *   import    analysis/import/  other systems' exports in, recordings out
 *   live      web/              the live view and playback in the browser:
 *                               the model, the HTTP server, the page
 *   tools     tools/            the programs
 *
 * acq and analysis are siblings on common: the analysis reads recordings,
 * never devices. live sits on both: the daemon's frames in, the
 * analysis's functions over them. A call against the flow fails to link (each layer is
 * linked alone with all of its objects, see CMakeLists.txt); an include
 * against it fails to compile here, before it can become a call.
 *
 * Every header of a layer above core declares its layer, then includes this
 * file:
 *
 *     #define RMAT_HEADER_LAYER RMAT_LAYER_ANALYSIS
 *     #include "rollmat/layer.h"
 *
 * The library's build defines RMAT_LAYER_ALLOWED, the set of layers the
 * code being compiled may use; programs and tests outside the library do
 * not, and see no check.
 */
#ifndef ROLLMAT_LAYER_H
#define ROLLMAT_LAYER_H

#define RMAT_LAYER_CORE     1
#define RMAT_LAYER_COMMON   2
#define RMAT_LAYER_ACQ      4
#define RMAT_LAYER_ANALYSIS 8
#define RMAT_LAYER_REPORT   16
#define RMAT_LAYER_IMPORT   32
#define RMAT_LAYER_TOOLS    64
#define RMAT_LAYER_LIVE     128

#endif

/* Outside the include guard: every header that includes this file is
 * checked. */
#if defined(RMAT_LAYER_ALLOWED) && defined(RMAT_HEADER_LAYER)
#if !(RMAT_LAYER_ALLOWED & RMAT_HEADER_LAYER)
#error                                                                                             \
    "rollmat: this code includes a header of a layer it must not use (the header that includes layer.h just above); data flows forward only: see include/rollmat/layer.h and docs/architecture.md"
#endif
#endif
#undef RMAT_HEADER_LAYER
