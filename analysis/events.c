/* SPDX-License-Identifier: GPL-3.0-or-later */
/* An analysis's events, from its recording (events.h): marks, pain
 * ratings, gaps and notes placed on the analysis's time axis. */
#include "rollmat/events.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollmat/csv.h"
#include "rollmat/files.h"
#include "rollmat/numfmt.h"
#include "rollmat/reader.h"

int rmat_events_if_missing(const char *ana_dir, const struct rmat_log *log, struct rmat_errinfo *ei)
{
    char path[RMAT_PATH_BUF], rec[RMAT_PATH_BUF];
    struct rmat_json *summary = NULL;
    struct rmat_errinfo e2;
    int rc = rmat_path_join(path, sizeof path, ana_dir, "events.csv", ei);

    if (rc != RMAT_OK || rmat_exists(path))
        return rc;
    rc = rmat_path_join(path, sizeof path, ana_dir, "summary.json", ei);
    if (rc == RMAT_OK)
        rc = rmat_json_load(path, &summary, ei);
    if (rc != RMAT_OK)
        return rc;
    if (rmat_session_recording(ana_dir, summary, rec, sizeof rec) != 0)
        rmat_logf(log, RMAT_LOG_WARN,
                  "%s: no events.csv and the recording (%s) is not found: no events shown", ana_dir,
                  rmat_json_str(summary, "recording"));
    else if (rmat_events_export(rec, ana_dir, &e2) != RMAT_OK)
        rmat_logf(log, RMAT_LOG_WARN, "%s: no events shown: %s", ana_dir, e2.msg);
    rmat_json_free(summary);
    return RMAT_OK;
}

int rmat_session_recording(const char *ana_dir, const struct rmat_json *summary, char *buf,
                           size_t cap)
{
    const char *rec = rmat_json_str(summary, "recording");
    const char *base = strrchr(rec, '/');
    char dir[RMAT_PATH_BUF], parent[RMAT_PATH_BUF];
    size_t len;
    char *slash;
    int n;

    base = base ? base + 1 : rec;
    if (rec[0] && rmat_exists(rec) && (size_t)snprintf(buf, cap, "%s", rec) < cap)
        return 0;
    snprintf(dir, sizeof dir, "%s", ana_dir);
    len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        dir[--len] = '\0';
    snprintf(parent, sizeof parent, "%s", dir);
    slash = strrchr(parent, '/');
    if (slash)
        slash[1] = '\0';
    else
        parent[0] = '\0';
    if (base[0]) {
        n = snprintf(buf, cap, "%s%s", parent, base);
        if (n > 0 && (size_t)n < cap && rmat_exists(buf))
            return 0;
        n = snprintf(buf, cap, "%s/%s", dir, base);
        if (n > 0 && (size_t)n < cap && rmat_exists(buf))
            return 0;
    }
    n = snprintf(buf, cap, "%s.h5", dir);
    if (n > 0 && (size_t)n < cap && rmat_exists(buf))
        return 0;
    return -1;
}

/* --- events from the recording ------------------------------------------- */

static int cmp_event(const void *a, const void *b)
{
    const struct rmat_event *x = a, *y = b;
    return (x->t_host_ns > y->t_host_ns) - (x->t_host_ns < y->t_host_ns);
}

#define EV_BLOCK 65536

int rmat_events_export(const char *rec_path, const char *ana_dir, struct rmat_errinfo *ei)
{
    struct rmat_reader *r = NULL;
    const struct rmat_recording_info *info;
    struct rmat_event *ev = NULL;
    int64_t *host = NULL;
    uint64_t *dev = NULL;
    double *t_ev = NULL;
    char path[RMAT_PATH_BUF];
    FILE *f = NULL;
    size_t n_ev, next = 0;
    int rc;

    if (!rec_path || !ana_dir)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "events: recording or folder missing");
    rc = rmat_reader_open(rec_path, &r, ei);
    if (rc != RMAT_OK)
        return rc;
    info = rmat_reader_info(r);
    n_ev = (size_t)info->events;
    ev = calloc(n_ev ? n_ev : 1, sizeof *ev);
    t_ev = calloc(n_ev ? n_ev : 1, sizeof *t_ev);
    host = malloc(EV_BLOCK * sizeof *host);
    dev = malloc(EV_BLOCK * sizeof *dev);
    if (!ev || !t_ev || !host || !dev) {
        rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory for events", rec_path);
        goto out;
    }
    if (n_ev) {
        rc = rmat_reader_events(r, 0, n_ev, ev, ei);
        if (rc != RMAT_OK)
            goto out;
    }
    /* Stable order by host time, so one pass over the frames places all. */
    qsort(ev, n_ev, sizeof *ev, cmp_event);
    for (size_t i = 0; i < n_ev; i++)
        t_ev[i] = NAN;

    /* Each event's host time falls between two frames' host times; its
     * device time is interpolated between theirs. So a simulator running
     * faster than real time, or a drifting clock, still places it on the
     * analysis's time axis. Before the first frame or after the last, the
     * host clock's seconds are added to the end frame's time. */
    {
        int64_t h_prev = 0, h0 = 0;
        uint64_t d_prev = 0, d0 = 0;
        int have_prev = 0;
        for (uint64_t first = 0; first < info->frames && next < n_ev; first += EV_BLOCK) {
            const size_t count =
                (size_t)(info->frames - first < EV_BLOCK ? info->frames - first : EV_BLOCK);
            rc = rmat_reader_read(r, first, count, NULL, NULL, dev, host, ei);
            if (rc != RMAT_OK)
                goto out;
            if (!have_prev) {
                h0 = host[0];
                d0 = dev[0];
            }
            for (size_t k = 0; k < count && next < n_ev; k++) {
                while (next < n_ev && ev[next].t_host_ns <= host[k]) {
                    const double dd = (double)(int64_t)(dev[k] - d0) * 1e-6;
                    if (!have_prev || host[k] == h_prev) {
                        t_ev[next] = dd + (double)(ev[next].t_host_ns - host[k]) * 1e-9;
                    } else {
                        const double a =
                            (double)(ev[next].t_host_ns - h_prev) / (double)(host[k] - h_prev);
                        const double dp = (double)(int64_t)(d_prev - d0) * 1e-6;
                        t_ev[next] = dp + a * (dd - dp);
                    }
                    next++;
                }
                h_prev = host[k];
                d_prev = dev[k];
                have_prev = 1;
            }
        }
        for (; next < n_ev; next++)
            t_ev[next] = have_prev
                             ? (double)(int64_t)(d_prev - d0) * 1e-6 +
                                   (double)(ev[next].t_host_ns - h_prev) * 1e-9
                             : (double)(ev[next].t_host_ns - (n_ev ? ev[0].t_host_ns : 0)) * 1e-9;
        (void)h0;
    }

    rc = rmat_mkdirs(ana_dir, ei);
    if (rc == RMAT_OK)
        rc = rmat_out_open(ana_dir, "events.csv", &f, path, ei);
    if (rc != RMAT_OK)
        goto out;
    fputs("t_s,t_host_ns,kind,value,text\n", f);
    for (size_t i = 0; i < n_ev; i++) {
        char num[RMAT_FMT_BUF];
        /* The daemon's clock round trips (four a second) are timing data,
         * not events a reader looks for. */
        if (!strcmp(ev[i].kind, "clock_sync"))
            continue;
        rmat_fmt_fixed(num, t_ev[i], 3);
        fprintf(f, "%s,%lld,", num, (long long)ev[i].t_host_ns);
        rmat_csv_put(f, ev[i].kind);
        fputc(',', f);
        if (isfinite(ev[i].value)) {
            rmat_fmt_sig(num, ev[i].value, 10);
            fputs(num, f);
        }
        fputc(',', f);
        rmat_csv_put(f, ev[i].text);
        fputc('\n', f);
    }
    rc = rmat_out_close(f, path, ei);
    f = NULL;
out:
    if (f)
        fclose(f);
    rmat_reader_close(r);
    free(ev);
    free(t_ev);
    free(host);
    free(dev);
    return rc;
}
