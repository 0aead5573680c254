/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A recording being written, crash-safe. See capture.h. */
#include "rollmat/capture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>

#include "rollmat/journal.h"

struct rmat_capture {
    struct rmat_rec *rec;
    struct rmat_journal *journal;
    char path[4096];
    char journal_path[4096 + sizeof RMAT_JOURNAL_SUFFIX];
    int64_t last_tick_ms;
    long long last_size; /* the larger file's size at the last tick */
    int failed;          /* a write failed: keep the journal */
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

/* A file-size limit (ulimit -f, a quota-like RLIMIT_FSIZE) is a full disk
 * for one file, and HDF5 fails just as badly at it: stop while the larger
 * of the two files has room for at least four more ticks of growth. */
static int check_fsize_limit(struct rmat_capture *c, struct rmat_errinfo *ei)
{
    struct rlimit rl;
    long long size, growth, margin;

    if (getrlimit(RLIMIT_FSIZE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return RMAT_OK;
    size = file_size(c->path);
    if (file_size(c->journal_path) > size)
        size = file_size(c->journal_path);
    growth = size > c->last_size ? size - c->last_size : 0;
    c->last_size = size;
    margin = (1LL << 20) + 4 * growth;
    if (size + margin > (long long)rl.rlim_cur)
        return rmat_errinfo_set(ei, RMAT_E_NOSPC, EFBIG,
                                "%s: the file-size limit (%llu MiB) is nearly reached: recording "
                                "stopped before it; raise the limit (ulimit -f) and start a new "
                                "recording",
                                c->path, (unsigned long long)rl.rlim_cur >> 20);
    return RMAT_OK;
}

static int check_space(struct rmat_capture *c, struct rmat_errinfo *ei)
{
    struct statvfs sv;
    unsigned long long avail;

    if (check_fsize_limit(c, ei) != RMAT_OK)
        return RMAT_E_NOSPC;
    if (statvfs(c->path, &sv) != 0)
        return RMAT_OK; /* cannot tell; the writes themselves will say */
    avail = (unsigned long long)sv.f_bavail * sv.f_frsize;
    if (avail < RMAT_CAPTURE_MIN_FREE_BYTES)
        return rmat_errinfo_set(ei, RMAT_E_NOSPC, ENOSPC,
                                "%s: only %llu MiB left on its disk: recording stopped before the "
                                "disk fills; free space and start a new recording",
                                c->path, avail >> 20);
    return RMAT_OK;
}

int rmat_capture_open(const char *path, const struct rmat_device_desc *dev,
                      const struct rmat_session_meta *meta, const struct rmat_calib *calib,
                      int deflate, struct rmat_capture **out, struct rmat_errinfo *ei)
{
    struct rmat_rec_opts o;
    struct rmat_capture *c = calloc(1, sizeof *c);
    int rc;

    *out = NULL;
    if (!c)
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "out of memory");
    snprintf(c->path, sizeof c->path, "%s", path);
    snprintf(c->journal_path, sizeof c->journal_path, "%s%s", path, RMAT_JOURNAL_SUFFIX);
    /* HDF5 first: it refuses an existing recording with the clearer
     * message; the journal then refuses a stale journal of the same name. */
    rmat_rec_opts_init(&o);
    o.calib = calib;
    o.deflate = deflate;
    rc = rmat_rec_create_opts(path, dev, meta, &o, &c->rec, ei);
    if (rc == RMAT_OK)
        rc = check_space(c, ei);
    /* The journal carries the recording's own id, so a rebuilt file is the
     * same recording. */
    if (rc == RMAT_OK)
        rc = rmat_journal_create(c->journal_path, dev, meta, rmat_rec_recording_id(c->rec), calib,
                                 &c->journal, ei);
    if (rc != RMAT_OK) {
        int created = c->rec != NULL;
        rmat_rec_close(c->rec, NULL);
        if (created)
            remove(path); /* nothing was recorded yet: leave no empty file */
        free(c);
        return rc;
    }
    c->last_tick_ms = mono_ms();
    *out = c;
    return RMAT_OK;
}

int rmat_capture_frame(struct rmat_capture *c, const struct rmat_frame_hdr *hdr,
                       const uint16_t *samples, const uint8_t *pkt, size_t pkt_len,
                       int64_t t_host_ns, struct rmat_errinfo *ei)
{
    int rc = rmat_journal_packet(c->journal, t_host_ns, pkt, pkt_len, ei);

    if (rc == RMAT_OK)
        rc = rmat_rec_append(c->rec, hdr->seq, hdr->t_us, t_host_ns, samples, ei);
    if (rc != RMAT_OK)
        c->failed = 1;
    return rc;
}

int rmat_capture_event(struct rmat_capture *c, int64_t t_host_ns, const char *kind, double value,
                       const char *text, struct rmat_errinfo *ei)
{
    int rc = rmat_journal_event(c->journal, t_host_ns, kind, value, text, ei);

    if (rc == RMAT_OK)
        rc = rmat_rec_event(c->rec, t_host_ns, kind, value, text, ei);
    if (rc != RMAT_OK)
        c->failed = 1;
    return rc;
}

int rmat_capture_tick(struct rmat_capture *c, struct rmat_errinfo *ei)
{
    const int64_t now = mono_ms();
    int rc;

    if (now - c->last_tick_ms < RMAT_CAPTURE_TICK_MS)
        return RMAT_OK;
    c->last_tick_ms = now;
    rc = rmat_journal_sync(c->journal, ei);
    if (rc == RMAT_OK)
        rc = rmat_rec_flush(c->rec, ei);
    if (rc == RMAT_OK)
        rc = check_space(c, ei);
    if (rc != RMAT_OK && rc != RMAT_E_NOSPC)
        c->failed = 1;
    return rc;
}

uint64_t rmat_capture_frames(const struct rmat_capture *c)
{
    return rmat_rec_frames(c->rec);
}

const char *rmat_capture_path(const struct rmat_capture *c)
{
    return c->path;
}

const char *rmat_capture_recording_id(const struct rmat_capture *c)
{
    return rmat_rec_recording_id(c->rec);
}

int rmat_capture_close(struct rmat_capture *c, struct rmat_errinfo *ei)
{
    struct rmat_errinfo jei;
    int rc, jrc;

    if (!c)
        return RMAT_OK;
    /* The journal is synced before HDF5 closes, so whatever HDF5 does, the
     * journal holds every frame. */
    jrc = rmat_journal_sync(c->journal, &jei);
    rc = rmat_rec_close(c->rec, ei);
    if (rc == RMAT_OK && jrc != RMAT_OK) {
        rc = jrc;
        if (ei)
            *ei = jei;
    }
    if (rc == RMAT_OK && !c->failed) {
        rmat_journal_close(c->journal, 1, NULL);
    } else {
        rmat_journal_close(c->journal, 0, NULL);
        if (ei && rc != RMAT_OK) {
            size_t n = strlen(ei->msg);
            snprintf(ei->msg + n, sizeof ei->msg - n,
                     "; every frame is kept in %s: `rollmat recover %s` rebuilds the recording",
                     c->journal_path, c->journal_path);
        }
        if (rc == RMAT_OK)
            rc = rmat_errinfo_set(ei, RMAT_E_IO, 0,
                                  "%s: a write failed during the recording; every frame is kept "
                                  "in %s: `rollmat recover %s` rebuilds the recording",
                                  c->path, c->journal_path, c->journal_path);
    }
    free(c);
    return rc;
}
