/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Dates: ISO-8601 text to and from Unix seconds (dates.h). */
#include "rollmat/dates.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* --- dates --------------------------------------------------------------- */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil), so no time zone or locale enters. */
static long days_from_civil(long y, long m, long d)
{
    y -= m <= 2;
    const long era = (y >= 0 ? y : y - 399) / 400;
    const long yoe = y - era * 400;
    const long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

double rmat_iso_to_unix(const char *iso)
{
    int y, mo, d, h = 0, mi = 0, n = 0;
    double s = 0;
    const char *p;

    if (!iso || sscanf(iso, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || mo < 1 || mo > 12 || d < 1 ||
        d > 31)
        return NAN;
    p = iso + n;
    if (*p == 'T' || *p == ' ') {
        int k = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &k) != 2)
            return NAN;
        p += 1 + k;
        if (*p == ':') {
            char *end;
            s = strtod(p + 1, &end);
            if (end == p + 1)
                return NAN;
            p = end;
        }
    }
    double t = (double)days_from_civil(y, mo, d) * 86400.0 + h * 3600.0 + mi * 60.0 + s;
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh = 0, om = 0;
        const int sign = *p == '-' ? -1 : 1;
        if (sscanf(p + 1, "%2d:%2d", &oh, &om) < 1)
            return NAN;
        t -= sign * (oh * 3600.0 + om * 60.0);
        p += strlen(p);
    }
    return *p == '\0' ? t : NAN;
}

static int digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

int rmat_iso_datetime_utc(const char *iso, char *out, size_t cap, double *t, char *why,
                          size_t why_cap)
{
    int y, mo, d, h, mi, n = 0;
    double unix_s;
    char date[16], back[16] = "";
    time_t whole;
    struct tm tm;

    if (why && why_cap)
        why[0] = '\0';
    if (!iso || sscanf(iso, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10 ||
        (iso[10] != 'T' && iso[10] != ' ') || sscanf(iso + 11, "%2d:%2d", &h, &mi) != 2 ||
        iso[13] != ':' || !digits(iso + 11, 2) || !digits(iso + 14, 2) || h < 0 || h > 23 ||
        mi < 0 || mi > 59 ||
        (iso[16] == ':' &&
         !(iso[17] >= '0' && iso[17] <= '5' && iso[18] >= '0' && iso[18] <= '9'))) {
        if (why)
            snprintf(why, why_cap, "'%s' is not a date and time such as 2026-03-02T09:30:00Z",
                     iso ? iso : "");
        return -1;
    }
    unix_s = rmat_iso_to_unix(iso);
    /* 2026-02-30 would count on into March: the date must read back. */
    snprintf(date, sizeof date, "%.10s", iso);
    if (isfinite(unix_s)) {
        double local = (double)days_from_civil(y, mo, d) * 86400.0;
        rmat_unix_to_date(local, back, sizeof back);
    }
    if (!isfinite(unix_s) || strcmp(date, back) != 0) {
        if (why)
            snprintf(why, why_cap,
                     "'%s' is not a date and time such as 2026-03-02T09:30:00Z (no such day, or "
                     "a zone other than Z or +HH:MM)",
                     iso);
        return -1;
    }
    whole = (time_t)floor(unix_s);
    if (!gmtime_r(&whole, &tm) || strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        if (why)
            snprintf(why, why_cap, "'%s' is out of range", iso);
        return -1;
    }
    if (t)
        *t = unix_s;
    return 0;
}

void rmat_unix_to_date(double t, char *buf, size_t cap)
{
    if (!isfinite(t)) {
        snprintf(buf, cap, "%s", "");
        return;
    }
    /* civil_from_days, the inverse of the above. */
    long z = (long)floor(t / 86400.0) + 719468;
    const long era = (z >= 0 ? z : z - 146096) / 146097;
    const long doe = z - era * 146097;
    const long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const long mp = (5 * doy + 2) / 153;
    const long d = doy - (153 * mp + 2) / 5 + 1;
    const long m = mp < 10 ? mp + 3 : mp - 9;
    const long y = yoe + era * 400 + (m <= 2);
    snprintf(buf, cap, "%04ld-%02ld-%02ld", y, m, d);
}

void rmat_utc_now(char *buf, size_t cap)
{
    struct timespec ts;
    struct tm tm;
    time_t t;

    if (!buf || cap == 0)
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    t = ts.tv_sec;
    if (!gmtime_r(&t, &tm) || strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        buf[0] = '\0';
}
