/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: dates as ISO-8601 text and as Unix seconds. */
#ifndef ROLLMAT_DATES_H
#define ROLLMAT_DATES_H

#define RMAT_HEADER_LAYER RMAT_LAYER_COMMON
#include "rollmat/layer.h"

#include <stddef.h>
#include <stdio.h>

#include "rollmat/diag.h"

/* Seconds since the Unix epoch of an ISO-8601 date-time ("2026-03-02",
 * "2026-03-02T09:30:00Z", "...T09:30:00.5+01:00"; no zone means UTC). NaN
 * if it does not parse. */
double rmat_iso_to_unix(const char *iso);
/* Checks that iso is a whole ISO-8601 date-time, as a session's
 * started_utc must be: a real calendar date, a time of day (hours 00-23,
 * minutes and seconds 00-59, seconds optional, decimals dropped), and a zone
 * of Z, +HH:MM or -HH:MM (none means UTC). Writes it in UTC as
 * "2026-03-02T09:30:00Z" into out (at least 21 bytes) and its Unix seconds
 * into *t (may be NULL). Returns 0, or -1 with why (may be NULL; cap bytes)
 * saying what is wrong. */
int rmat_iso_datetime_utc(const char *iso, char *out, size_t cap, double *t, char *why,
                          size_t why_cap);

/* "2026-03-02" of t (UTC) into buf (>= 11 bytes); "" for NaN. */
void rmat_unix_to_date(double t, char *buf, size_t cap);

/* Current UTC time as ISO-8601 ("2026-11-21T11:26:07Z") into buf. */
void rmat_utc_now(char *buf, size_t cap);

#endif
