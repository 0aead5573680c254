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
/* "2026-03-02" of t (UTC) into buf (>= 11 bytes); "" for NaN. */
void rmat_unix_to_date(double t, char *buf, size_t cap);

/* Current UTC time as ISO-8601 ("2026-11-21T11:26:07Z") into buf. */
void rmat_utc_now(char *buf, size_t cap);

#endif
