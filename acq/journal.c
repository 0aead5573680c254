/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The write-ahead journal of a recording. See journal.h. */
#include "rollmat/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rollmat/bytes.h"
#include "rollmat/calib.h"
#include "rollmat/crc32.h"
#include "rollmat/devsession.h"
#include "rollmat/recording.h"
#include "rollmat/strutil.h"
#include "rollmat/uuid.h"
#include "rollmat/wire.h"

#define MAGIC      "RMATJNL1"
#define MAGIC_LEN  8
#define REC_HEAD   13 /* len u32, type u8, t_host_ns i64 */
#define REC_META   1
#define REC_PACKET 2
#define REC_EVENT  3
#define REC_IDENT  4
#define REC_CALIB  5
/* A CALIB record's text: no longer than a PACKET record, so any reader
 * that takes packets takes it (total u32 and offset u32 come first). */
#define CALIB_PIECE (RMAT_WIRE_MAX_PACKET - 8)
/* Records are buffered here between syncs: 64 KiB is ~30 dense 32x32
 * frames, so a write() per few hundred ms at 100 Hz, and the buffer never
 * holds more than the second that docs/format.md allows to be lost. */
#define BUF_CAP    (64 * 1024)
#define MAX_RECORD (REC_HEAD + RMAT_WIRE_MAX_PACKET + 4)

struct rmat_journal {
    int fd;
    char path[4096];
    size_t len;
    uint8_t buf[BUF_CAP];
};

static int io_fail(const char *path, const char *what, struct rmat_errinfo *ei)
{
    int e = errno;
    int code = rmat_err_from_errno(e);

    if (code == RMAT_E_NOSPC)
        return rmat_errinfo_set(ei, code, e,
                                "%s: disk full while %s the journal: free space and run "
                                "`rollmat recover %s`",
                                path, what, path);
    return rmat_errinfo_set(ei, code == RMAT_E_ARG ? RMAT_E_IO : code, e, "%s: %s the journal: %s",
                            path, what, strerror(e));
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int drain(struct rmat_journal *j, struct rmat_errinfo *ei)
{
    if (j->len > 0 && write_all(j->fd, j->buf, j->len) != 0)
        return io_fail(j->path, "writing", ei);
    j->len = 0;
    return RMAT_OK;
}

/* Starts a record of payload_len bytes in the buffer; returns where the
 * payload goes, or NULL after an error. */
static uint8_t *rec_begin(struct rmat_journal *j, uint8_t type, int64_t t_ns, size_t payload_len,
                          struct rmat_errinfo *ei)
{
    const size_t total = REC_HEAD + payload_len + 4;
    uint8_t *p;

    if (total > BUF_CAP) {
        rmat_errinfo_set(ei, RMAT_E_ARG, 0, "%s: record of %zu bytes is too large", j->path, total);
        return NULL;
    }
    if (BUF_CAP - j->len < total && drain(j, ei) != RMAT_OK)
        return NULL;
    p = j->buf + j->len;
    rmat_put_le32(p, (uint32_t)(1 + 8 + payload_len));
    p[4] = type;
    rmat_put_le64(p + 5, (uint64_t)t_ns);
    return p + REC_HEAD;
}

static void rec_end(struct rmat_journal *j, size_t payload_len)
{
    uint8_t *start = j->buf + j->len;
    const size_t body = REC_HEAD + payload_len;

    rmat_put_le32(start + body, rmat_crc32(start, body));
    j->len += body + 4;
}

/* --- META: strings as u16 length + bytes, numbers as f64 bits ---------- */

struct cursor {
    uint8_t *p;
    size_t len, cap;
    int bad;
};

static void put_str(struct cursor *c, const char *s)
{
    size_t n = strlen(s);
    if (n > 0xFFFF || c->len + 2 + n > c->cap) {
        c->bad = 1;
        return;
    }
    rmat_put_le16(c->p + c->len, (uint16_t)n);
    memcpy(c->p + c->len + 2, s, n);
    c->len += 2 + n;
}

static void put_f64(struct cursor *c, double v)
{
    uint64_t bits;
    if (c->len + 8 > c->cap) {
        c->bad = 1;
        return;
    }
    memcpy(&bits, &v, sizeof bits);
    rmat_put_le64(c->p + c->len, bits);
    c->len += 8;
}

static void get_str(struct cursor *c, char *dst, size_t cap)
{
    size_t n;
    if (c->len + 2 > c->cap) {
        c->bad = 1;
        return;
    }
    n = rmat_get_le16(c->p + c->len);
    if (c->len + 2 + n > c->cap || n >= cap) {
        c->bad = 1;
        return;
    }
    memcpy(dst, c->p + c->len + 2, n);
    dst[n] = '\0';
    c->len += 2 + n;
}

static double get_f64(struct cursor *c)
{
    uint64_t bits;
    double v;
    if (c->len + 8 > c->cap) {
        c->bad = 1;
        return NAN;
    }
    bits = rmat_get_le64(c->p + c->len);
    memcpy(&v, &bits, sizeof v);
    c->len += 8;
    return v;
}

/* A number that becomes an integer field: in [lo, hi], or the record is
 * bad. Converting a double outside the integer's range (or NaN) is
 * undefined behaviour in C, and a damaged or hostile journal can hold
 * any bits; 0 stands in for it. */
static double get_f64_in(struct cursor *c, double lo, double hi)
{
    const double v = get_f64(c);

    if (!(v >= lo && v <= hi)) {
        c->bad = 1;
        return 0.0;
    }
    return v;
}

/* The order of fields here is the META record's layout: it must stay the
 * same in put_meta and get_meta, and cannot change without a new magic. */
static void put_meta(struct cursor *c, const struct rmat_device_desc *d,
                     const struct rmat_session_meta *m)
{
    put_str(c, d->model);
    put_f64(c, d->serial);
    put_str(c, d->firmware_version);
    put_f64(c, d->protocol_version);
    put_f64(c, d->rows);
    put_f64(c, d->cols);
    put_f64(c, d->adc_bits);
    put_f64(c, d->pitch_x_mm);
    put_f64(c, d->pitch_y_mm);
    put_f64(c, d->rate_hz);
    put_str(c, m->subject);
    put_str(c, m->session);
    put_str(c, m->region);
    put_str(c, m->side);
    put_str(c, m->roller);
    put_f64(c, m->roller_diameter_mm);
    put_str(c, m->mounting);
    put_f64(c, m->body_mass_kg);
    put_str(c, m->operator_name);
    put_str(c, m->notes);
    put_str(c, m->started_utc);
}

static void get_meta(struct cursor *c, struct rmat_device_desc *d, struct rmat_session_meta *m)
{
    memset(d, 0, sizeof *d);
    rmat_session_meta_init(m);
    get_str(c, d->model, sizeof d->model);
    d->serial = (uint32_t)get_f64_in(c, 0.0, 4294967295.0);
    get_str(c, d->firmware_version, sizeof d->firmware_version);
    d->protocol_version = (int)get_f64_in(c, 0.0, 65535.0);
    d->rows = (int)get_f64_in(c, 0.0, RMAT_WIRE_MAX_SENSELS);
    d->cols = (int)get_f64_in(c, 0.0, RMAT_WIRE_MAX_SENSELS);
    d->adc_bits = (int)get_f64_in(c, 0.0, 64.0);
    d->pitch_x_mm = get_f64(c);
    d->pitch_y_mm = get_f64(c);
    d->rate_hz = get_f64(c);
    get_str(c, m->subject, sizeof m->subject);
    get_str(c, m->session, sizeof m->session);
    get_str(c, m->region, sizeof m->region);
    get_str(c, m->side, sizeof m->side);
    get_str(c, m->roller, sizeof m->roller);
    m->roller_diameter_mm = get_f64(c);
    get_str(c, m->mounting, sizeof m->mounting);
    m->body_mass_kg = get_f64(c);
    get_str(c, m->operator_name, sizeof m->operator_name);
    get_str(c, m->notes, sizeof m->notes);
    get_str(c, m->started_utc, sizeof m->started_utc);
}

/* The IDENT record: the recording's id, u16 length + bytes. */
static int put_ident(struct rmat_journal *j, const char *recording_id, struct rmat_errinfo *ei)
{
    const size_t n = strlen(recording_id);
    uint8_t *p;

    if (n >= RMAT_RECORDING_ID_LEN)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "%s: recording_id too long", j->path);
    p = rec_begin(j, REC_IDENT, 0, 2 + n, ei);
    if (!p)
        return ei ? ei->code : RMAT_E_IO;
    rmat_put_le16(p, (uint16_t)n);
    memcpy(p + 2, recording_id, n);
    rec_end(j, 2 + n);
    return RMAT_OK;
}

/* The CALIB records: the calibration's text in pieces of at most
 * CALIB_PIECE bytes, each saying the whole length and where it goes, so
 * recovery can tell a complete text from one cut by a crash. */
static int put_calib(struct rmat_journal *j, const struct rmat_calib *calib,
                     struct rmat_errinfo *ei)
{
    char *text = NULL;
    size_t len = 0, off = 0;
    int rc = rmat_calib_to_text(calib, &text, &len, ei);

    if (rc != RMAT_OK)
        return rc;
    if (len > UINT32_MAX) {
        free(text);
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "%s: calibration too large", j->path);
    }
    do {
        const size_t n = len - off < CALIB_PIECE ? len - off : CALIB_PIECE;
        uint8_t *p = rec_begin(j, REC_CALIB, 0, 8 + n, ei);
        if (!p) {
            free(text);
            return ei ? ei->code : RMAT_E_IO;
        }
        rmat_put_le32(p, (uint32_t)len);
        rmat_put_le32(p + 4, (uint32_t)off);
        memcpy(p + 8, text + off, n);
        rec_end(j, 8 + n);
        off += n;
    } while (off < len);
    free(text);
    return RMAT_OK;
}

int rmat_journal_create(const char *path, const struct rmat_device_desc *dev,
                        const struct rmat_session_meta *meta, const char *recording_id,
                        const struct rmat_calib *calib, struct rmat_journal **out,
                        struct rmat_errinfo *ei)
{
    struct rmat_journal *j;
    uint8_t meta_buf[1024];
    struct cursor c = {meta_buf, 0, sizeof meta_buf, 0};
    uint8_t *p;
    int rc;

    *out = NULL;
    j = calloc(1, sizeof *j);
    if (!j)
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "out of memory");
    snprintf(j->path, sizeof j->path, "%s", path);
    j->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (j->fd < 0) {
        rc = errno == EEXIST ? rmat_errinfo_set(ei, RMAT_E_EXISTS, EEXIST,
                                                "%s exists: a journal of an earlier recording "
                                                "that did not close; run `rollmat recover %s`",
                                                path, path)
                             : io_fail(path, "creating", ei);
        free(j);
        return rc;
    }
    /* Held while the recording runs (and released by the kernel when the
     * process dies, however): how rmat_journal_in_use() tells a journal
     * being written from one a crash left. Where flock is not supported
     * the journal is simply unlocked. */
    (void)flock(j->fd, LOCK_EX | LOCK_NB);
    put_meta(&c, dev, meta);
    memcpy(j->buf, MAGIC, MAGIC_LEN);
    j->len = MAGIC_LEN;
    p = c.bad ? NULL : rec_begin(j, REC_META, 0, c.len, ei);
    if (!p) {
        rc = c.bad ? rmat_errinfo_set(ei, RMAT_E_ARG, 0, "session attributes too long")
                   : (ei ? ei->code : RMAT_E_IO);
        rmat_journal_close(j, 1, NULL);
        return rc;
    }
    memcpy(p, meta_buf, c.len);
    rec_end(j, c.len);
    rc = recording_id ? put_ident(j, recording_id, ei) : RMAT_OK;
    if (rc == RMAT_OK && calib)
        rc = put_calib(j, calib, ei);
    if (rc == RMAT_OK)
        rc = rmat_journal_sync(j, ei);
    if (rc != RMAT_OK) {
        rmat_journal_close(j, 1, NULL);
        return rc;
    }
    *out = j;
    return RMAT_OK;
}

int rmat_journal_packet(struct rmat_journal *j, int64_t t_host_ns, const uint8_t *pkt, size_t len,
                        struct rmat_errinfo *ei)
{
    uint8_t *p = rec_begin(j, REC_PACKET, t_host_ns, len, ei);

    if (!p)
        return ei ? ei->code : RMAT_E_IO;
    memcpy(p, pkt, len);
    rec_end(j, len);
    return RMAT_OK;
}

int rmat_journal_event(struct rmat_journal *j, int64_t t_host_ns, const char *kind, double value,
                       const char *text, struct rmat_errinfo *ei)
{
    size_t kl = strlen(kind), tl = text ? strlen(text) : 0;
    uint8_t *p;

    if (kl > RMAT_EVENT_KIND_LEN - 1)
        kl = RMAT_EVENT_KIND_LEN - 1;
    if (tl > RMAT_EVENT_TEXT_LEN - 1)
        tl = RMAT_EVENT_TEXT_LEN - 1;
    p = rec_begin(j, REC_EVENT, t_host_ns, 8 + 1 + kl + 2 + tl, ei);
    if (!p)
        return ei ? ei->code : RMAT_E_IO;
    {
        uint64_t bits;
        memcpy(&bits, &value, sizeof bits);
        rmat_put_le64(p, bits);
    }
    p[8] = (uint8_t)kl;
    memcpy(p + 9, kind, kl);
    rmat_put_le16(p + 9 + kl, (uint16_t)tl);
    if (tl)
        memcpy(p + 11 + kl, text, tl);
    rec_end(j, 8 + 1 + kl + 2 + tl);
    return RMAT_OK;
}

int rmat_journal_sync(struct rmat_journal *j, struct rmat_errinfo *ei)
{
    int rc = drain(j, ei);

    if (rc != RMAT_OK)
        return rc;
    /* The point of the journal: what is here survives a power cut. */
    if (fdatasync(j->fd) != 0)
        return io_fail(j->path, "syncing", ei);
    return RMAT_OK;
}

int rmat_journal_close(struct rmat_journal *j, int remove, struct rmat_errinfo *ei)
{
    int rc = RMAT_OK;

    if (!j)
        return RMAT_OK;
    if (!remove)
        rc = rmat_journal_sync(j, ei);
    if (close(j->fd) != 0 && rc == RMAT_OK)
        rc = io_fail(j->path, "closing", ei);
    if (remove && unlink(j->path) != 0 && rc == RMAT_OK)
        rc = io_fail(j->path, "removing", ei);
    free(j);
    return rc;
}

/* --- recovery ----------------------------------------------------------- */

struct jreader {
    FILE *f;
    uint8_t *rec; /* MAX_RECORD bytes */
    long size;    /* of the journal, for resynchronising */
};

/* Reads the next record: 1 with type, time and payload set; 0 at a clean
 * end; -1 at a torn or damaged tail. */
static int next_record(struct jreader *r, uint8_t *type, int64_t *t_ns, uint8_t **payload,
                       size_t *payload_len)
{
    size_t got = fread(r->rec, 1, 4, r->f), len;

    if (got == 0)
        return 0;
    if (got < 4)
        return -1;
    len = rmat_get_le32(r->rec);
    if (len < 9 || 4 + len + 4 > MAX_RECORD)
        return -1;
    if (fread(r->rec + 4, 1, len + 4, r->f) != len + 4)
        return -1;
    if (rmat_get_le32(r->rec + 4 + len) != rmat_crc32(r->rec, 4 + len))
        return -1;
    *type = r->rec[4];
    *t_ns = (int64_t)rmat_get_le64(r->rec + 5);
    *payload = r->rec + REC_HEAD;
    *payload_len = len - 9;
    return 1;
}

/* Finds the next whole record after a damaged one that starts at `from`:
 * tries every later offset for a length that fits, a known type and a CRC
 * that matches (a false match of the CRC-32 is 1 in 4e9 per candidate, and
 * a packet inside has its own CRC besides). Leaves the file there and
 * returns the offset, or -1 when there is none before the end (the damage
 * runs to the end: a torn tail). A bad record in the middle used to end
 * recovery there, losing everything after one flipped bit. */
static long resync(struct jreader *r, long from)
{
    uint8_t type, *payload;
    size_t len;
    int64_t t_ns;

    if (from < 0 || r->size < 0)
        return -1;
    for (long at = from + 1; at + REC_HEAD + 4 <= r->size; at++) {
        uint8_t head[5];
        uint32_t n;

        if (fseek(r->f, at, SEEK_SET) != 0 || fread(head, 1, 5, r->f) != 5)
            return -1;
        n = rmat_get_le32(head);
        /* Most offsets fail here, without reading a body. */
        if (n < 9 || 4 + (size_t)n + 4 > MAX_RECORD || (long)(4 + n + 4) > r->size - at ||
            head[4] < REC_META || head[4] > REC_CALIB)
            continue;
        if (fseek(r->f, at, SEEK_SET) != 0)
            return -1;
        if (next_record(r, &type, &t_ns, &payload, &len) == 1) {
            if (fseek(r->f, at, SEEK_SET) != 0)
                return -1;
            return at;
        }
    }
    return -1;
}

/* What a journal holds between META and its first packet: IDENT and CALIB
 * (none in a journal of an older rollmat). */
struct preamble {
    char recording_id[RMAT_RECORDING_ID_LEN];
    char *calib_text; /* calib_len + 1 bytes */
    size_t calib_len, calib_got;
    int calib_bad; /* pieces out of order, of another length, or torn */
};

/* The largest calibration text taken back (rmat_calib_load()'s limit). */
#define CALIB_TEXT_MAX (16u * 1024 * 1024)

static void preamble_calib(struct preamble *pre, const uint8_t *payload, size_t len)
{
    uint32_t total, off;
    size_t n;

    if (len < 8) {
        pre->calib_bad = 1;
        return;
    }
    total = rmat_get_le32(payload);
    off = rmat_get_le32(payload + 4);
    n = len - 8;
    if (!pre->calib_text && !pre->calib_bad) {
        if (total > CALIB_TEXT_MAX || !(pre->calib_text = malloc((size_t)total + 1))) {
            pre->calib_bad = 1;
            return;
        }
        pre->calib_len = total;
    }
    if (pre->calib_bad || total != pre->calib_len || off != pre->calib_got ||
        n > pre->calib_len - pre->calib_got) {
        pre->calib_bad = 1;
        return;
    }
    memcpy(pre->calib_text + off, payload + 8, n);
    pre->calib_got += n;
}

/* Reads the IDENT and CALIB records that follow META and leaves the file
 * at the first record that is neither (or at a torn one), for the loop
 * over packets and events to take from there. */
static void read_preamble(struct jreader *r, struct preamble *pre)
{
    for (;;) {
        const long pos = ftell(r->f);
        uint8_t type, *payload;
        size_t len;
        int64_t t_ns;
        const int more = next_record(r, &type, &t_ns, &payload, &len);

        if (more != 1 || (type != REC_IDENT && type != REC_CALIB)) {
            if (pos < 0 || fseek(r->f, pos, SEEK_SET) != 0)
                pre->calib_bad = 1;
            return;
        }
        if (type == REC_IDENT) {
            const size_t n = len >= 2 ? rmat_get_le16(payload) : 0;
            if (len >= 2 && 2 + n <= len && n < sizeof pre->recording_id) {
                memcpy(pre->recording_id, payload + 2, n);
                pre->recording_id[n] = '\0';
            }
        } else {
            preamble_calib(pre, payload, len);
        }
    }
}

/* The journal's calibration, when whole and good for the mat; NULL (with
 * *unreadable set if there was one) otherwise. */
static struct rmat_calib *preamble_take_calib(struct preamble *pre, const char *journal_path,
                                              const struct rmat_device_desc *dev, int *unreadable,
                                              char *why, size_t cap)
{
    struct rmat_calib *c = NULL;
    struct rmat_errinfo cei;

    *unreadable = 0;
    if (!pre->calib_text && !pre->calib_bad)
        return NULL;
    if (pre->calib_bad || pre->calib_got != pre->calib_len) {
        *unreadable = 1;
        snprintf(why, cap, "its calibration was cut short");
        return NULL;
    }
    pre->calib_text[pre->calib_len] = '\0';
    if (rmat_calib_parse(pre->calib_text, journal_path, &c, &cei) != RMAT_OK ||
        rmat_calib_check(c, dev->rows, dev->cols, journal_path, &cei) != RMAT_OK) {
        rmat_calib_free(c);
        *unreadable = 1;
        snprintf(why, cap, "%s", cei.msg);
        return NULL;
    }
    return c;
}

int rmat_journal_recover(const char *journal_path, const char *h5_path,
                         struct rmat_recover_result *res, struct rmat_errinfo *ei)
{
    FILE *f = fopen(journal_path, "rb");
    int rc;

    if (!f) {
        memset(res, 0, sizeof *res);
        return rmat_errinfo_set(ei, rmat_err_from_errno(errno), errno, "%s: %s", journal_path,
                                strerror(errno));
    }
    rc = rmat_journal_recover_stream(f, journal_path, h5_path, res, ei);
    fclose(f);
    return rc;
}

int rmat_journal_recover_stream(FILE *in, const char *journal_path, const char *h5_path,
                                struct rmat_recover_result *res, struct rmat_errinfo *ei)
{
    struct jreader r = {0};
    struct rmat_rec *rec = NULL;
    struct rmat_device_desc dev;
    struct rmat_session_meta meta;
    struct preamble pre;
    struct rmat_rec_ident ident;
    struct rmat_calib *calib = NULL;
    uint16_t *samples = NULL;
    char magic[MAGIC_LEN], calib_why[RMAT_ERRINFO_MSG];
    uint8_t type, *payload;
    size_t payload_len;
    int64_t t_ns = 0, last_t_ns = 0;
    int rc = RMAT_OK, more;

    memset(res, 0, sizeof *res);
    memset(&pre, 0, sizeof pre);
    r.f = in;
    r.size = fseek(in, 0, SEEK_END) == 0 ? ftell(in) : -1;
    if (fseek(in, 0, SEEK_SET) != 0)
        return rmat_errinfo_set(ei, RMAT_E_IO, errno, "%s: cannot read from its start",
                                journal_path);
    r.rec = malloc(MAX_RECORD);
    samples = malloc(RMAT_WIRE_MAX_SENSELS * sizeof *samples);
    if (!r.rec || !samples) {
        rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "out of memory");
        goto out;
    }
    if (fread(magic, 1, MAGIC_LEN, r.f) != MAGIC_LEN || memcmp(magic, MAGIC, MAGIC_LEN) != 0) {
        rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0, "%s is not a rollmat journal", journal_path);
        goto out;
    }
    if (next_record(&r, &type, &t_ns, &payload, &payload_len) != 1 || type != REC_META) {
        rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                              "%s: the journal has no session record; nothing to recover",
                              journal_path);
        goto out;
    }
    {
        struct cursor c = {payload, 0, payload_len, 0};
        get_meta(&c, &dev, &meta);
        /* rows and cols are each at most RMAT_WIRE_MAX_SENSELS here
         * (get_f64_in), so the product is taken in 64 bits: 65536 x 65536
         * wrapped to 0 in an int and passed. */
        if (c.bad || dev.rows < 1 || dev.cols < 1 ||
            (int64_t)dev.rows * dev.cols > RMAT_WIRE_MAX_SENSELS) {
            rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0, "%s: damaged session record", journal_path);
            goto out;
        }
    }
    /* The same recording as the journal's, marked as rebuilt from it. */
    read_preamble(&r, &pre);
    memset(&ident, 0, sizeof ident);
    if (rmat_uuid_valid(pre.recording_id))
        memcpy(ident.recording_id, pre.recording_id, sizeof ident.recording_id);
    else
        res->new_id = 1;
    {
        const char *base = strrchr(journal_path, '/');
        rmat_utf8_copy(ident.recovered_from, sizeof ident.recovered_from,
                       base ? base + 1 : journal_path, strlen(base ? base + 1 : journal_path));
    }
    calib = preamble_take_calib(&pre, journal_path, &dev, &res->calib_unreadable, calib_why,
                                sizeof calib_why);
    res->calibrated = calib != NULL;
    if (h5_path) {
        rc = rmat_rec_create_ident(h5_path, &dev, &meta, calib, &ident, &rec, ei);
        if (rc != RMAT_OK)
            goto out;
        snprintf(res->recording_id, sizeof res->recording_id, "%s", rmat_rec_recording_id(rec));
    }
    for (;;) {
        const long pos = ftell(r.f);

        more = next_record(&r, &type, &t_ns, &payload, &payload_len);
        if (more < 0) {
            const long next = resync(&r, pos);
            if (next < 0)
                break; /* torn (or damaged) to the end */
            res->skipped_records++;
            res->skipped_bytes += (uint64_t)(next - pos);
            continue;
        }
        if (more == 0)
            break;
        if (t_ns)
            last_t_ns = t_ns;
        if (type == REC_PACKET) {
            struct rmat_frame_hdr hdr;
            if (payload_len < 1 || payload[0] != RMAT_PKT_FRAME ||
                rmat_wire_parse_frame(payload, payload_len, &hdr, samples, RMAT_WIRE_MAX_SENSELS) !=
                    RMAT_OK ||
                hdr.rows != dev.rows || hdr.cols != dev.cols) {
                res->bad_packets++;
                continue;
            }
            rc = rec ? rmat_rec_append(rec, hdr.seq, hdr.t_us, t_ns, samples, ei) : RMAT_OK;
            if (rc != RMAT_OK)
                goto out;
            res->frames++;
        } else if (type == REC_EVENT && payload_len >= 11) {
            char kind[RMAT_EVENT_KIND_LEN + 1], text[RMAT_EVENT_TEXT_LEN + 1];
            uint64_t bits = rmat_get_le64(payload);
            size_t kl = payload[8], tl;
            double value;
            memcpy(&value, &bits, sizeof value);
            if (9 + kl + 2 > payload_len || kl >= sizeof kind)
                continue;
            memcpy(kind, payload + 9, kl);
            kind[kl] = '\0';
            tl = rmat_get_le16(payload + 9 + kl);
            if (11 + kl + tl > payload_len || tl >= sizeof text)
                continue;
            memcpy(text, payload + 11 + kl, tl);
            text[tl] = '\0';
            rc = rec ? rmat_rec_event(rec, t_ns, kind, value, text, ei) : RMAT_OK;
            if (rc != RMAT_OK)
                goto out;
            res->events++;
        }
    }
    res->torn_tail = more < 0;
    if (!rec)
        goto out; /* parsing only: no notes to write */
    if (res->torn_tail) {
        char text[96];
        snprintf(text, sizeof text, "recovered from the journal; its last record was torn");
        rmat_rec_event(rec, t_ns, "note", NAN, text, NULL);
    }
    /* Notes at the end of what was recorded, like the torn tail's. */
    if (!last_t_ns)
        last_t_ns = rmat_host_time_ns();
    if (res->skipped_records) {
        char text[RMAT_EVENT_TEXT_LEN];
        snprintf(text, sizeof text,
                 "recovered from the journal; %llu damaged record(s) skipped (%llu bytes)",
                 (unsigned long long)res->skipped_records, (unsigned long long)res->skipped_bytes);
        rmat_rec_event(rec, last_t_ns, "note", NAN, text, NULL);
    }
    if (res->new_id)
        rmat_rec_event(rec, last_t_ns, "note", NAN,
                       "recovered from a journal without a recording_id (an older rollmat's): "
                       "this recording got a new one",
                       NULL);
    if (res->calib_unreadable) {
        char text[RMAT_EVENT_TEXT_LEN];
        /* The event keeps 127 bytes of it; the writer cuts the rest. */
        snprintf(text, sizeof text, "recovered without /calibration: %.90s", calib_why);
        rmat_rec_event(rec, last_t_ns, "note", NAN, text, NULL);
    }

out:
    if (rec) {
        int crc = rmat_rec_close(rec, rc == RMAT_OK ? ei : NULL);
        if (rc == RMAT_OK)
            rc = crc;
    }
    rmat_calib_free(calib);
    free(pre.calib_text);
    free(samples);
    free(r.rec);
    return rc;
}

/* --- completing a recording left open by a crash --------------------------- */

int rmat_journal_in_use(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), busy = 0;

    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0)
        busy = errno == EWOULDBLOCK;
    close(fd);
    return busy;
}

/* Makes a rename in dir durable. */
static void sync_dir_of(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    int fd;

    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

static int sync_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

int rmat_journal_complete(const char *journal_path, struct rmat_complete_result *res,
                          struct rmat_errinfo *ei)
{
    const size_t sl = strlen(RMAT_JOURNAL_SUFFIX), n = strlen(journal_path);
    char tmp[4096 + 16];
    struct stat st;
    int rc, have_original;

    memset(res, 0, sizeof *res);
    res->original_frames = -1;
    if (n <= sl || strcmp(journal_path + n - sl, RMAT_JOURNAL_SUFFIX) != 0 ||
        n - sl >= sizeof res->path)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "%s: not a journal's name (FILE.h5%s)",
                                journal_path, RMAT_JOURNAL_SUFFIX);
    snprintf(res->path, sizeof res->path, "%.*s", (int)(n - sl), journal_path);
    snprintf(tmp, sizeof tmp, "%s.recovering", res->path);
    switch (rmat_journal_in_use(journal_path)) {
    case 1:
        return rmat_errinfo_set(ei, RMAT_E_BUSY, 0,
                                "%s: still being written (a recorder holds its journal)",
                                res->path);
    case -1:
        return rmat_errinfo_set(ei, rmat_err_from_errno(errno), errno, "%s: %s", journal_path,
                                strerror(errno));
    default:
        break;
    }
    have_original = stat(res->path, &st) == 0;
    if (have_original)
        res->original_frames = rmat_rec_count_frames(res->path);
    /* A .recovering file is what an earlier try left when it stopped
     * (itself killed): made again from the journal. */
    unlink(tmp);
    rc = rmat_journal_recover(journal_path, tmp, &res->rec, ei);
    if (rc != RMAT_OK) {
        unlink(tmp);
        /* The journal did not give a file: at least let plain readers
         * open what there is; the journal stays for another try. */
        if (have_original && res->original_frames >= 0)
            (void)rmat_rec_clear_open_flags(res->path, NULL);
        return rc;
    }
    if (res->original_frames < 0 || (int64_t)res->rec.frames >= res->original_frames) {
        if (sync_file(tmp) != 0 || rename(tmp, res->path) != 0) {
            int e = errno;
            unlink(tmp);
            return rmat_errinfo_set(ei, rmat_err_from_errno(e), e,
                                    "%s: cannot put the recovered file in place: %s", res->path,
                                    strerror(e));
        }
        sync_dir_of(res->path);
        res->replaced = 1;
    } else {
        unlink(tmp);
        rc = rmat_rec_clear_open_flags(res->path, ei);
        if (rc != RMAT_OK)
            return rc;
    }
    if (!rmat_rec_opens_plainly(res->path))
        return rmat_errinfo_set(ei, RMAT_E_HDF5, 0,
                                "%s: completed, but it still does not open without SWMR; its "
                                "journal %s is kept",
                                res->path, journal_path);
    if (unlink(journal_path) != 0) {
        int e = errno;
        return rmat_errinfo_set(ei, rmat_err_from_errno(e), e,
                                "%s: completed, but its journal could not be removed: %s",
                                res->path, strerror(e));
    }
    sync_dir_of(journal_path);
    return RMAT_OK;
}
