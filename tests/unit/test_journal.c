/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the journal (acq/journal.c): the bytes it writes, and the
 * recording rmat_journal_recover() rebuilds from it, whole or torn.
 *
 * The truth is generated here from each frame's and event's index (t_seq(),
 * t_sample(), t_event(), ...); the packets are built with the wire codec, as
 * the device session would receive them; what recovery wrote is read back
 * with the reader (analysis/reader.c), not with the journal's own code. The
 * layout of the records is pinned against byte vectors written out by hand
 * from journal.h (and, for META, from the field order journal.c fixes), the
 * CRC computed by a bitwise CRC-32/ISO-HDLC written here and checked
 * against the standard check value of "123456789".
 *
 * The identity (IDENT) and calibration (CALIB) records that follow META
 * are pinned the same way; recovery keeps the id, marks the file as rebuilt
 * (recovered_from) and writes the calibration back as /calibration; a
 * journal without them (an older rollmat's) still recovers, with a new id
 * and a note saying so.
 *
 * A flipped bit inside a record in the middle costs that record only:
 * recovery skips it and finds the next (test_journal_recover_skips_
 * damaged_record).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rmat_test.h"
#include "rollmat/calib.h"
#include "rollmat/journal.h"
#include "rollmat/reader.h"
#include "rollmat/uuid.h"
#include "rollmat/wire.h"

#define ROWS 6
#define COLS 5
#define N    (ROWS * COLS)
/* The recording_id the journals of the tests carry. */
#define T_ID "0c5e1f9a-7d2b-4e3c-9a81-5f6e7d8c9b0a"
/* An IDENT record of T_ID: head 13, u16 length, 36 bytes, CRC. */
#define IDENT_BYTES (13 + 2 + 36 + 4)

/* --- the truth ------------------------------------------------------------ */

static uint32_t t_seq(uint32_t f)
{
    return f < 40 ? f : f + 7; /* seven frames lost on the link after frame 39 */
}

static uint64_t t_tdev(uint32_t f)
{
    return 9000000000ull + (uint64_t)f * 9999u;
}

static int64_t t_thost(uint32_t f)
{
    return 1763724367000000000LL + (int64_t)f * 10000123LL;
}

/* Two sensels in three are 0, so the sparse frames are sparse. */
static uint16_t t_sample(uint32_t f, unsigned i)
{
    return (f + i) % 3 ? 0 : (uint16_t)((f * 977u + i * 131u + 1u) & 0x0FFFu);
}

static uint8_t t_encoding(uint32_t f)
{
    return f % 3 == 2 ? RMAT_ENC_SPARSE : RMAT_ENC_DENSE;
}

struct t_event {
    int64_t t_host_ns;
    char kind[32];
    double value;
    char text[160];
};

/* Event e: a few kinds, NaN values, a missing text, and a kind and a text
 * longer than the journal keeps (15 and 127 bytes). */
static void t_event(uint32_t e, struct t_event *ev)
{
    static const char *const kinds[] = {"pain", "mark", "a-very-long-kind-name", "note"};

    memset(ev, 0, sizeof *ev);
    ev->t_host_ns = 1763724367000000000LL + (int64_t)e * 777000001LL + 5;
    snprintf(ev->kind, sizeof ev->kind, "%s", kinds[e % 4]);
    ev->value = e % 3 == 1 ? NAN : (double)e * 0.25 - 1.0;
    if (e % 4 == 3)
        memset(ev->text, 'x', 150);
    else if (e % 4 != 1)
        snprintf(ev->text, sizeof ev->text, "event %u, %s", (unsigned)e, e % 2 ? "odd" : "even");
}

static int build_frame(uint32_t f, uint8_t *pkt, size_t cap)
{
    uint16_t s[N];
    struct rmat_frame_hdr h = {
        .seq = t_seq(f), .t_us = t_tdev(f), .rows = ROWS, .cols = COLS, .encoding = t_encoding(f)};

    for (unsigned i = 0; i < N; i++)
        s[i] = t_sample(f, i);
    return rmat_wire_build_frame(pkt, cap, &h, s);
}

static void t_device(struct rmat_device_desc *d)
{
    memset(d, 0, sizeof *d);
    snprintf(d->model, sizeof d->model, "fake mat 6x5");
    d->serial = 3000000001u;
    snprintf(d->firmware_version, sizeof d->firmware_version, "fw-9.8.7");
    d->protocol_version = 1;
    d->rows = ROWS;
    d->cols = COLS;
    d->adc_bits = 12;
    d->pitch_x_mm = 12.7;
    d->pitch_y_mm = 10.16;
    d->rate_hz = 100.0;
}

static void t_meta(struct rmat_session_meta *m)
{
    rmat_session_meta_init(m);
    snprintf(m->subject, sizeof m->subject, "S042");
    snprintf(m->session, sizeof m->session, "week1-b");
    snprintf(m->region, sizeof m->region, "calf");
    snprintf(m->side, sizeof m->side, "right");
    snprintf(m->roller, sizeof m->roller, "foam-soft");
    m->roller_diameter_mm = 120.0;
    snprintf(m->mounting, sizeof m->mounting, "floor");
    m->body_mass_kg = 71.5;
    snprintf(m->operator_name, sizeof m->operator_name, "Zoë");
    snprintf(m->started_utc, sizeof m->started_utc, "2025-11-21T11:26:07Z");
}

/* --- an independent CRC-32 and byte writers ---------------------------------- */

/* CRC-32/ISO-HDLC (zlib's crc32()), bit by bit. */
static uint32_t ref_crc32(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;

    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int b = 0; b < 8; b++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return ~c;
}

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

struct bytes {
    uint8_t b[4096];
    size_t n;
};

static void put_u8(struct bytes *v, uint8_t x)
{
    assert_true(v->n < sizeof v->b);
    v->b[v->n++] = x;
}

static void put_le(struct bytes *v, uint64_t x, int size)
{
    for (int i = 0; i < size; i++)
        put_u8(v, (uint8_t)(x >> (8 * i)));
}

static void put_raw(struct bytes *v, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put_u8(v, ((const uint8_t *)p)[i]);
}

static void put_str16(struct bytes *v, const char *s)
{
    put_le(v, strlen(s), 2);
    put_raw(v, s, strlen(s));
}

static void put_f64(struct bytes *v, double d)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    put_le(v, bits, 8);
}

/* One record as journal.h lays it out: len u32 (type..payload), type u8,
 * t_host_ns i64, payload, crc u32 over len..payload. */
static void put_record(struct bytes *v, uint8_t type, int64_t t_ns, const struct bytes *payload)
{
    const size_t start = v->n;

    put_le(v, 1 + 8 + payload->n, 4);
    put_u8(v, type);
    put_le(v, (uint64_t)t_ns, 8);
    put_raw(v, payload->b, payload->n);
    put_le(v, ref_crc32(v->b + start, v->n - start), 4);
}

/* --- files ------------------------------------------------------------------ */

struct paths {
    char dir[512];
    char journal[600];
    char h5[600];
    char other[600];
};

static void make_paths(struct paths *p, const char *name)
{
    /* Not rmat_test_tmpdir(): it runs `rm -rf` in a shell, and a unit test
     * starts no processes. The pid makes the folder this run's. */
    snprintf(p->dir, sizeof p->dir, "%s/%s.%ld", RMAT_TEST_TMP, name, (long)getpid());
    mkdir(RMAT_TEST_TMP, 0755);
    assert_true(mkdir(p->dir, 0755) == 0 || errno == EEXIST);
    snprintf(p->journal, sizeof p->journal, "%s/rec.h5.journal", p->dir);
    snprintf(p->h5, sizeof p->h5, "%s/rec.h5", p->dir);
    snprintf(p->other, sizeof p->other, "%s/other", p->dir);
    unlink(p->journal);
    unlink(p->h5);
    unlink(p->other);
}

static void drop_paths(const struct paths *p)
{
    unlink(p->journal);
    unlink(p->h5);
    unlink(p->other);
    rmdir(p->dir);
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static long long file_size(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return (long long)st.st_size;
}

static void write_file(const char *path, const void *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* --- writing a planned journal ------------------------------------------------ */

/* Frames 0..nframes-1 with event e after frame f when f % every == every - 2.
 * Records the end offset of every record (META first) in ends[], its kind
 * in is_event[]; returns the number of records. */
#define MAX_RECORDS 1024

struct plan {
    uint32_t nframes, every;
    const char *id; /* the journal's IDENT, or NULL for none (an older rollmat's) */
    size_t nrec;
    long long meta_end; /* where META ends; ends[0] is where IDENT does */
    long long ends[MAX_RECORDS];
    uint8_t is_event[MAX_RECORDS];
};

static void write_journal(const char *path, struct plan *pl)
{
    struct rmat_device_desc dev;
    struct rmat_session_meta meta;
    struct rmat_journal *j;
    struct rmat_errinfo ei = {0};
    uint8_t pkt[512];
    uint32_t e = 0;
    long long at;

    t_device(&dev);
    t_meta(&meta);
    assert_int_equal(rmat_journal_create(path, &dev, &meta, pl->id, NULL, &j, &ei), RMAT_OK);
    /* create syncs the magic, META and IDENT: the file ends where they do */
    at = file_size(path);
    pl->meta_end = pl->id ? at - IDENT_BYTES : at;
    pl->nrec = 0;
    pl->ends[pl->nrec] = at;
    pl->is_event[pl->nrec++] = 0;
    for (uint32_t f = 0; f < pl->nframes; f++) {
        int n = build_frame(f, pkt, sizeof pkt);
        assert_true(n > 0);
        assert_int_equal(rmat_journal_packet(j, t_thost(f), pkt, (size_t)n, &ei), RMAT_OK);
        at += 13 + n + 4;
        assert_true(pl->nrec < MAX_RECORDS);
        pl->ends[pl->nrec] = at;
        pl->is_event[pl->nrec++] = 0;
        if (pl->every && f % pl->every == pl->every - 2) {
            struct t_event ev;
            size_t kl, tl;
            t_event(e++, &ev);
            assert_int_equal(rmat_journal_event(j, ev.t_host_ns, ev.kind, ev.value,
                                                ev.text[0] ? ev.text : NULL, &ei),
                             RMAT_OK);
            kl = strlen(ev.kind) > 15 ? 15 : strlen(ev.kind);
            tl = strlen(ev.text) > 127 ? 127 : strlen(ev.text);
            at += 13 + (long long)(8 + 1 + kl + 2 + tl) + 4;
            assert_true(pl->nrec < MAX_RECORDS);
            pl->ends[pl->nrec] = at;
            pl->is_event[pl->nrec++] = 1;
        }
    }
    assert_int_equal(rmat_journal_close(j, 0, &ei), RMAT_OK);
    /* the records are as long as journal.h says, and nothing else is there */
    assert_int_equal(file_size(path), at);
}

/* Reads the recording at path and checks that it holds exactly frames
 * 0..nframes-1 and events 0..nevents-1 of the truth, plus the "note" that
 * recovery adds after a torn tail and the one it adds when the journal had
 * no recording_id (new_id); that it is marked as recovered from path's
 * journal, and that its id is T_ID, or a new UUID with new_id. */
static void check_recording(const char *path, uint32_t nframes, uint32_t nevents, int torn,
                            int new_id, const char *journal)
{
    struct rmat_reader *r = NULL;
    struct rmat_errinfo ei = {0};
    const struct rmat_recording_info *info;
    uint16_t *raw = NULL;
    uint32_t *seq = NULL;
    uint64_t *tdev = NULL;
    int64_t *thost = NULL;
    struct rmat_event *evs = NULL;
    const size_t nf = nframes ? nframes : 1, ne = nevents + 2;
    const char *base = strrchr(journal, '/') ? strrchr(journal, '/') + 1 : journal;

    if (rmat_reader_open(path, &r, &ei) != RMAT_OK)
        fail_msg("%s", ei.msg);
    info = rmat_reader_info(r);
    assert_int_equal(info->format_version, 2);
    assert_int_equal(info->frames, nframes);
    assert_int_equal(info->events, nevents + (torn ? 1 : 0) + (new_id ? 1 : 0));
    assert_string_equal(info->recovered_from, base);
    if (new_id) {
        assert_true(rmat_uuid_valid(info->recording_id));
        assert_string_not_equal(info->recording_id, T_ID);
    } else {
        assert_string_equal(info->recording_id, T_ID);
    }
    raw = malloc(nf * N * sizeof *raw);
    seq = malloc(nf * sizeof *seq);
    tdev = malloc(nf * sizeof *tdev);
    thost = malloc(nf * sizeof *thost);
    evs = malloc(ne * sizeof *evs);
    assert_true(raw && seq && tdev && thost && evs);
    if (nframes)
        assert_int_equal(rmat_reader_read(r, 0, nframes, raw, seq, tdev, thost, &ei), RMAT_OK);
    for (uint32_t f = 0; f < nframes; f++) {
        assert_int_equal(seq[f], t_seq(f));
        assert_int_equal(tdev[f], t_tdev(f));
        assert_int_equal(thost[f], t_thost(f));
        for (unsigned i = 0; i < N; i++)
            if (raw[(size_t)f * N + i] != t_sample(f, i))
                fail_msg("frame %u sensel %u: %u, wrote %u", f, i, raw[(size_t)f * N + i],
                         t_sample(f, i));
    }
    if (info->events)
        assert_int_equal(rmat_reader_events(r, 0, (size_t)info->events, evs, &ei), RMAT_OK);
    for (uint32_t e = 0; e < nevents; e++) {
        struct t_event ev;
        t_event(e, &ev);
        ev.kind[15] = '\0'; /* what the journal keeps */
        ev.text[127] = '\0';
        assert_int_equal(evs[e].t_host_ns, ev.t_host_ns);
        assert_string_equal(evs[e].kind, ev.kind);
        assert_string_equal(evs[e].text, ev.text);
        if (isnan(ev.value))
            assert_true(isnan(evs[e].value));
        else
            assert_true(evs[e].value == ev.value);
    }
    if (torn)
        assert_string_equal(evs[nevents].kind, "note");
    if (new_id) {
        assert_string_equal(evs[nevents + (torn ? 1 : 0)].kind, "note");
        assert_non_null(strstr(evs[nevents + (torn ? 1 : 0)].text, "without a recording_id"));
    }
    free(raw);
    free(seq);
    free(tdev);
    free(thost);
    free(evs);
    rmat_reader_close(r);
}

/* --- tests ------------------------------------------------------------------------ */

static void test_journal_crc_reference(void **state)
{
    (void)state;
    /* The check value of CRC-32/ISO-HDLC: the test's CRC is the standard one. */
    assert_int_equal(ref_crc32((const uint8_t *)"123456789", 9), 0xCBF43926u);
}

static void test_journal_record_layout(void **state)
{
    static const uint8_t pkt[10] = {0x02, 0x01, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x00, 0x11};
    /* A PACKET record written out by hand: len 19 = type + t_host_ns + 10. */
    static const uint8_t packet_head[13] = {0x13, 0x00, 0x00, 0x00, 0x02, 0xEF, 0xCD,
                                            0xAB, 0x89, 0x67, 0x45, 0x23, 0x01};
    /* An EVENT record: len 33, type 3, t_host_ns, value 1.5 (f64 LE), kind
     * "pain" (u8 length), text "left knee" (u16 length). */
    static const uint8_t event_rec[33 + 4] = {
        0x21, 0x00, 0x00, 0x00, 0x03, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF8, 0x3F, 0x04, 'p',  'a',  'i',  'n',
        0x09, 0x00, 'l',  'e',  'f',  't',  ' ',  'k',  'n',  'e',  'e'};
    struct paths p;
    struct rmat_device_desc dev;
    struct rmat_session_meta meta;
    struct rmat_journal *j;
    struct rmat_errinfo ei = {0};
    struct bytes want = {0}, meta_payload = {0};
    uint8_t *got;
    size_t len, at;

    (void)state;
    make_paths(&p, "journal_layout");
    t_device(&dev);
    t_meta(&meta);
    assert_int_equal(rmat_journal_create(p.journal, &dev, &meta, NULL, NULL, &j, &ei), RMAT_OK);
    assert_int_equal(rmat_journal_packet(j, 0x0123456789ABCDEFLL, pkt, sizeof pkt, &ei), RMAT_OK);
    assert_int_equal(rmat_journal_event(j, 0x1122334455667788LL, "pain", 1.5, "left knee", &ei),
                     RMAT_OK);
    assert_int_equal(rmat_journal_close(j, 0, &ei), RMAT_OK);
    got = (uint8_t *)rmat_test_slurp(p.journal, &len);
    assert_non_null(got);

    /* The magic, then META at t 0: the /device and /session attributes in
     * journal.c's order (put_meta), strings as u16 length + bytes, numbers
     * as f64. It cannot change without a new magic: journals written by one
     * version are recovered by the next. */
    put_raw(&want, "RMATJNL1", 8);
    put_str16(&meta_payload, "fake mat 6x5");
    put_f64(&meta_payload, 3000000001.0);
    put_str16(&meta_payload, "fw-9.8.7");
    put_f64(&meta_payload, 1);
    put_f64(&meta_payload, ROWS);
    put_f64(&meta_payload, COLS);
    put_f64(&meta_payload, 12);
    put_f64(&meta_payload, 12.7);
    put_f64(&meta_payload, 10.16);
    put_f64(&meta_payload, 100.0);
    put_str16(&meta_payload, "S042");
    put_str16(&meta_payload, "week1-b");
    put_str16(&meta_payload, "calf");
    put_str16(&meta_payload, "right");
    put_str16(&meta_payload, "foam-soft");
    put_f64(&meta_payload, 120.0);
    put_str16(&meta_payload, "floor");
    put_f64(&meta_payload, 71.5);
    put_str16(&meta_payload, "Zo\xc3\xab");
    put_str16(&meta_payload, "");
    put_str16(&meta_payload, "2025-11-21T11:26:07Z");
    put_record(&want, 1, 0, &meta_payload);
    assert_true(len >= want.n);
    assert_memory_equal(got, want.b, want.n);
    at = want.n;

    /* The PACKET and EVENT records, against the hand-written bytes and a
     * CRC computed here. */
    assert_int_equal(len, at + sizeof packet_head + sizeof pkt + 4 + sizeof event_rec + 4);
    assert_memory_equal(got + at, packet_head, sizeof packet_head);
    assert_memory_equal(got + at + sizeof packet_head, pkt, sizeof pkt);
    {
        uint32_t crc = ref_crc32(got + at, sizeof packet_head + sizeof pkt);
        assert_int_equal(get_le32(got + at + sizeof packet_head + sizeof pkt), crc);
    }
    at += sizeof packet_head + sizeof pkt + 4;
    assert_memory_equal(got + at, event_rec, sizeof event_rec);
    {
        uint32_t crc = ref_crc32(event_rec, sizeof event_rec);
        assert_int_equal(get_le32(got + at + sizeof event_rec), crc);
    }
    free(got);
    drop_paths(&p);
}

static void test_journal_recover_roundtrip(void **state)
{
    struct paths p;
    struct plan pl = {.nframes = 300, .every = 37, .id = T_ID};
    struct rmat_recover_result res;
    struct rmat_errinfo ei = {0};
    struct rmat_reader *r = NULL;
    struct rmat_device_desc dev;
    struct rmat_session_meta meta;
    const struct rmat_recording_info *info;
    uint32_t nevents = 0;

    (void)state;
    make_paths(&p, "journal_roundtrip");
    write_journal(p.journal, &pl);
    for (size_t i = 0; i < pl.nrec; i++)
        nevents += pl.is_event[i];
    assert_int_equal(nevents, 8);

    if (rmat_journal_recover(p.journal, p.h5, &res, &ei) != RMAT_OK)
        fail_msg("%s", ei.msg);
    assert_int_equal(res.frames, 300);
    assert_int_equal(res.events, nevents);
    assert_int_equal(res.bad_packets, 0);
    assert_int_equal(res.torn_tail, 0);
    assert_string_equal(res.recording_id, T_ID);
    assert_int_equal(res.new_id, 0);
    check_recording(p.h5, 300, nevents, 0, 0, p.journal);

    /* The META record carried /device and /session. */
    t_device(&dev);
    t_meta(&meta);
    assert_int_equal(rmat_reader_open(p.h5, &r, &ei), RMAT_OK);
    info = rmat_reader_info(r);
    assert_string_equal(info->dev.model, dev.model);
    assert_int_equal(info->dev.serial, dev.serial);
    assert_string_equal(info->dev.firmware_version, dev.firmware_version);
    assert_int_equal(info->dev.rows, ROWS);
    assert_int_equal(info->dev.cols, COLS);
    assert_int_equal(info->dev.adc_bits, 12);
    assert_true(info->dev.pitch_x_mm == 12.7);
    assert_true(info->dev.rate_hz == 100.0);
    assert_string_equal(info->meta.subject, meta.subject);
    assert_string_equal(info->meta.operator_name, meta.operator_name);
    assert_true(info->meta.body_mass_kg == 71.5);
    assert_string_equal(info->meta.started_utc, meta.started_utc);
    rmat_reader_close(r);
    drop_paths(&p);
}

static void test_journal_recover_skips_bad_packet(void **state)
{
    struct paths p;
    struct rmat_device_desc dev;
    struct rmat_session_meta meta;
    struct rmat_journal *j;
    struct rmat_recover_result res;
    struct rmat_errinfo ei = {0};
    uint8_t pkt[512];

    (void)state;
    make_paths(&p, "journal_badpkt");
    t_device(&dev);
    t_meta(&meta);
    assert_int_equal(rmat_journal_create(p.journal, &dev, &meta, NULL, NULL, &j, &ei), RMAT_OK);
    for (uint32_t f = 0; f < 3; f++) {
        int n = build_frame(f, pkt, sizeof pkt);
        assert_true(n > 0);
        /* frame 1 arrives with its own CRC wrong (its record is intact) */
        if (f == 1)
            pkt[n - 1] ^= 0x01;
        assert_int_equal(rmat_journal_packet(j, t_thost(f), pkt, (size_t)n, &ei), RMAT_OK);
    }
    assert_int_equal(rmat_journal_close(j, 0, &ei), RMAT_OK);
    assert_int_equal(rmat_journal_recover(p.journal, p.h5, &res, &ei), RMAT_OK);
    assert_int_equal(res.frames, 2);
    assert_int_equal(res.bad_packets, 1);
    assert_int_equal(res.torn_tail, 0);
    {
        struct rmat_reader *r = NULL;
        uint32_t seq[2];
        assert_int_equal(rmat_reader_open(p.h5, &r, &ei), RMAT_OK);
        assert_int_equal(rmat_reader_info(r)->frames, 2);
        assert_int_equal(rmat_reader_read(r, 0, 2, NULL, seq, NULL, NULL, &ei), RMAT_OK);
        assert_int_equal(seq[0], t_seq(0));
        assert_int_equal(seq[1], t_seq(2));
        rmat_reader_close(r);
    }
    drop_paths(&p);
}

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Recovers the journal cut to `cut` bytes and checks the result is the
 * exact prefix of whole records in it. */
static void check_cut(const struct paths *p, const struct plan *pl, const uint8_t *full,
                      long long cut)
{
    struct rmat_recover_result res;
    struct rmat_errinfo ei = {0};
    uint32_t frames = 0, events = 0;
    int boundary = 0, rc;

    write_file(p->other, full, (size_t)cut);
    rc = rmat_journal_recover(p->other, p->h5, &res, &ei);
    if (cut < pl->meta_end) {
        /* the magic or META is torn: nothing to recover, nothing written */
        if (rc != RMAT_E_FORMAT)
            fail_msg("cut at %lld: %d (%s), want RMAT_E_FORMAT", cut, rc, ei.msg);
        assert_false(exists(p->h5));
        return;
    }
    if (rc != RMAT_OK)
        fail_msg("cut at %lld: %s", cut, ei.msg);
    if (cut < pl->ends[0]) {
        /* IDENT is torn or missing: an empty recording with a new id */
        if (res.frames || res.events || res.torn_tail != (cut != pl->meta_end) || !res.new_id)
            fail_msg("cut at %lld in IDENT: %llu frames, %llu events, torn %d, new id %d", cut,
                     (unsigned long long)res.frames, (unsigned long long)res.events, res.torn_tail,
                     res.new_id);
        check_recording(p->h5, 0, 0, cut != pl->meta_end, 1, p->other);
        assert_int_equal(unlink(p->h5), 0);
        return;
    }
    for (size_t i = 0; i < pl->nrec; i++) {
        if (pl->ends[i] == cut)
            boundary = 1;
        if (i == 0 || pl->ends[i] > cut)
            continue;
        if (pl->is_event[i])
            events++;
        else
            frames++;
    }
    if (res.frames != frames || res.events != events || res.torn_tail != !boundary)
        fail_msg("cut at %lld: %llu frames, %llu events, torn %d; want %u, %u, %d", cut,
                 (unsigned long long)res.frames, (unsigned long long)res.events, res.torn_tail,
                 frames, events, !boundary);
    check_recording(p->h5, frames, events, !boundary, 0, p->other);
    assert_int_equal(unlink(p->h5), 0);
}

static void test_journal_recover_torn_tail(void **state)
{
    struct paths p;
    struct plan pl = {.nframes = 60, .every = 10, .id = T_ID};
    uint8_t *full;
    size_t len;
    long long tail_from;
    uint64_t rng = 0x70A17A11ull;
    unsigned checked = 0;

    (void)state;
    make_paths(&p, "journal_torn");
    write_journal(p.journal, &pl);
    full = (uint8_t *)rmat_test_slurp(p.journal, &len);
    assert_non_null(full);
    assert_true(pl.nrec >= 4);
    assert_true(pl.is_event[pl.nrec - 2]); /* the last three: frame, event, frame */

    /* Every length from the start of the last three records to the whole
     * file: each byte of a record's header, payload and CRC torn off. */
    tail_from = pl.ends[pl.nrec - 4];
    for (long long cut = tail_from; cut <= (long long)len; cut++, checked++)
        check_cut(&p, &pl, full, cut);
    /* Elsewhere a seeded sample, and the edges of the magic, META and
     * every byte of IDENT. */
    check_cut(&p, &pl, full, 0);
    check_cut(&p, &pl, full, 7);
    check_cut(&p, &pl, full, 8);
    check_cut(&p, &pl, full, pl.meta_end - 1);
    checked += 4;
    for (long long cut = pl.meta_end; cut <= pl.ends[0]; cut++, checked++)
        check_cut(&p, &pl, full, cut);
    for (int i = 0; i < 60; i++, checked++)
        check_cut(&p, &pl, full, (long long)(rng_next(&rng) % (uint64_t)tail_from));
    print_message("%u cuts of a %zu-byte journal recovered to their exact prefix\n", checked, len);
    free(full);
    drop_paths(&p);
}

/* A journal of the magic and one META record written out by hand, with
 * the device numbers given (serial, rows, cols); the rest as in
 * test_journal_record_layout. */
static void put_meta_journal(struct bytes *v, double serial, double rows, double cols)
{
    struct bytes m = {.n = 0};

    put_raw(v, "RMATJNL1", 8);
    put_str16(&m, "fake mat 6x5");
    put_f64(&m, serial);
    put_str16(&m, "fw-9.8.7");
    put_f64(&m, 1);
    put_f64(&m, rows);
    put_f64(&m, cols);
    put_f64(&m, 12);
    put_f64(&m, 12.7);
    put_f64(&m, 10.16);
    put_f64(&m, 100.0);
    for (int i = 0; i < 5; i++)
        put_str16(&m, "");
    put_f64(&m, 120.0);
    put_str16(&m, "floor");
    put_f64(&m, 71.5);
    for (int i = 0; i < 3; i++)
        put_str16(&m, "");
    put_record(v, 1, 0, &m);
}

/* Issue 13, finding 3: a META record whose numbers do not fit the
 * integers they become was undefined behaviour (a double out of an int's
 * range converted; rows * cols overflowing an int: 65536 x 65536 wrapped
 * to 0 and passed the size check). Each such journal is now "damaged
 * session record", and nothing is written. The inputs are built here by
 * hand: 1e300 rows, NaN cols, a serial of 1e20 (past u32), and 65536 x
 * 65536. UBSan with float-cast-overflow (RMAT_SANITIZE) is what reported
 * the first three before the fix; the fourth was accepted. */
static void test_journal_meta_numbers_out_of_range(void **state)
{
    static const double cases[][3] = {
        {1.0, 1e300, 5.0},       {1.0, 6.0, NAN},  {1e20, 6.0, 5.0},
        {1.0, 65536.0, 65536.0}, {1.0, -1.0, 5.0}, {1.0, 6.0, 1e-300},
    };
    struct paths p;

    (void)state;
    make_paths(&p, "journal_meta_range");
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        struct bytes v = {.n = 0};
        struct rmat_recover_result res;
        struct rmat_errinfo ei = {0};

        put_meta_journal(&v, cases[k][0], cases[k][1], cases[k][2]);
        write_file(p.journal, v.b, v.n);
        if (rmat_journal_recover(p.journal, p.h5, &res, &ei) != RMAT_E_FORMAT)
            fail_msg("case %zu: recovered (%s)", k, ei.msg);
        assert_non_null(strstr(ei.msg, "damaged session record"));
        assert_false(exists(p.h5));
    }
    /* The same journal with sane numbers (6x5, serial 3000000001)
     * recovers: the check is not refusing everything. */
    {
        struct bytes v = {.n = 0};
        struct rmat_recover_result res;
        struct rmat_errinfo ei = {0};
        put_meta_journal(&v, 3000000001.0, 6.0, 5.0);
        write_file(p.journal, v.b, v.n);
        assert_int_equal(rmat_journal_recover(p.journal, p.h5, &res, &ei), RMAT_OK);
        assert_int_equal(res.frames, 0);
    }
    drop_paths(&p);
}

/* Issue 13, finding 4: one flipped bit in a record in the middle of the
 * journal ended recovery there (at 10% / 50% / 90% of a journal: 10% /
 * 50% / 90% of its frames recovered). Recovery now skips the damaged
 * record, finds the next by its length and CRC, and goes on: every frame
 * but the damaged one comes back, exact, and the skip is counted and
 * noted. The bit is flipped in the record's length field, in its payload
 * and in its CRC. */
static void test_journal_recover_skips_damaged_record(void **state)
{
    struct paths p;
    struct plan pl = {.nframes = 60, .every = 0, .id = T_ID};
    uint8_t *full;
    size_t len;
    static const int percent[] = {10, 50, 90};

    (void)state;
    make_paths(&p, "journal_flip");
    write_journal(p.journal, &pl);
    full = (uint8_t *)rmat_test_slurp(p.journal, &len);
    assert_non_null(full);
    for (size_t k = 0; k < 3; k++) {
        /* the frame record holding the byte at percent[k] of the file */
        const long long target = (long long)len * percent[k] / 100;
        size_t i = 1;
        while (pl.ends[i] <= target)
            i++;
        for (int where = 0; where < 3; where++) {
            const long long start = pl.ends[i - 1], end = pl.ends[i];
            const long long at = where == 0 ? start + 1 : where == 1 ? (start + end) / 2 : end - 2;
            const uint32_t lost = (uint32_t)(i - 1); /* record i is frame i-1 */
            struct rmat_recover_result res;
            struct rmat_errinfo ei = {0};
            struct rmat_reader *r = NULL;
            uint32_t seq[60];
            uint8_t *bad = malloc(len);

            assert_non_null(bad);
            memcpy(bad, full, len);
            bad[at] ^= 0x10;
            write_file(p.other, bad, len);
            free(bad);
            if (rmat_journal_recover(p.other, p.h5, &res, &ei) != RMAT_OK)
                fail_msg("%d%%, flip at %lld: %s", percent[k], at, ei.msg);
            if (res.frames != 59 || res.skipped_records != 1 || res.torn_tail ||
                res.skipped_bytes != (uint64_t)(end - start))
                fail_msg("%d%%, flip at %lld: %llu frames, %llu skipped (%llu bytes), torn %d; "
                         "want 59, 1 (%lld bytes), 0",
                         percent[k], at, (unsigned long long)res.frames,
                         (unsigned long long)res.skipped_records,
                         (unsigned long long)res.skipped_bytes, res.torn_tail, end - start);
            assert_int_equal(rmat_reader_open(p.h5, &r, &ei), RMAT_OK);
            assert_int_equal(rmat_reader_info(r)->frames, 59);
            assert_int_equal(rmat_reader_read(r, 0, 59, NULL, seq, NULL, NULL, &ei), RMAT_OK);
            for (uint32_t f = 0, g = 0; f < 60; f++) {
                if (f == lost)
                    continue;
                assert_int_equal(seq[g++], t_seq(f));
            }
            rmat_reader_close(r);
            assert_int_equal(unlink(p.h5), 0);
        }
    }
    free(full);
    drop_paths(&p);
}

static void test_journal_create_refuses_to_overwrite(void **state)
{
    struct paths p;
    struct rmat_device_desc dev;
    struct rmat_session_meta meta;
    static char sentinel;
    /* anything but NULL, to see create set it to NULL */
    struct rmat_journal *j = NULL, *j2 = (struct rmat_journal *)(void *)&sentinel;
    struct rmat_errinfo ei = {0};
    char *text;
    size_t len;

    (void)state;
    make_paths(&p, "journal_exists");
    t_device(&dev);
    t_meta(&meta);
    write_file(p.journal, "precious", 8);
    assert_int_equal(rmat_journal_create(p.journal, &dev, &meta, NULL, NULL, &j2, &ei),
                     RMAT_E_EXISTS);
    assert_null(j2);
    assert_int_equal(ei.code, RMAT_E_EXISTS);
    assert_non_null(strstr(ei.msg, "rollmat recover"));
    text = rmat_test_slurp(p.journal, &len);
    assert_non_null(text);
    assert_int_equal(len, 8);
    assert_memory_equal(text, "precious", 8);
    free(text);

    /* A journal open now is refused too. */
    assert_int_equal(unlink(p.journal), 0);
    assert_int_equal(rmat_journal_create(p.journal, &dev, &meta, NULL, NULL, &j, &ei), RMAT_OK);
    assert_int_equal(rmat_journal_create(p.journal, &dev, &meta, NULL, NULL, &j2, &ei),
                     RMAT_E_EXISTS);
    assert_int_equal(rmat_journal_close(j, 1, &ei), RMAT_OK);
    assert_false(exists(p.journal)); /* close with remove deletes it */
    drop_paths(&p);
}

static void test_journal_recover_refuses_existing_output(void **state)
{
    struct paths p;
    struct plan pl = {.nframes = 5, .every = 0, .id = T_ID};
    struct rmat_recover_result res;
    struct rmat_errinfo ei = {0};
    char *text;
    size_t len;

    (void)state;
    make_paths(&p, "journal_recover_exists");
    write_journal(p.journal, &pl);
    write_file(p.h5, "precious", 8);
    assert_int_equal(rmat_journal_recover(p.journal, p.h5, &res, &ei), RMAT_E_EXISTS);
    text = rmat_test_slurp(p.h5, &len);
    assert_non_null(text);
    assert_int_equal(len, 8);
    assert_memory_equal(text, "precious", 8);
    free(text);

    /* No journal, or not a journal: said so, and no recording made. */
    assert_int_equal(unlink(p.h5), 0);
    assert_int_equal(rmat_journal_recover(p.other, p.h5, &res, &ei), RMAT_E_NOTFOUND);
    assert_false(exists(p.h5));
    write_file(p.other, "RMATJNL0 not a journal", 22);
    assert_int_equal(rmat_journal_recover(p.other, p.h5, &res, &ei), RMAT_E_FORMAT);
    assert_false(exists(p.h5));
    drop_paths(&p);
}

/* A calibration for the 6x5 mat of the tests, with gains. */
static struct rmat_calib *t_calib(void)
{
    struct rmat_calib *c = NULL;
    struct rmat_errinfo ei = {0};
    char text[2048];
    size_t n;

    n = (size_t)snprintf(text, sizeof text,
                         "rollmat-calibration 1\nname mat-3000000001\ncurve divider\na_kpa "
                         "49.957300000000004\nb 0.768664\nc_max_counts 4095\ngains %d %d\n",
                         ROWS, COLS);
    for (int i = 0; i < ROWS; i++)
        for (int k = 0; k < COLS; k++)
            n += (size_t)snprintf(text + n, sizeof text - n, "%.9g%s",
                                  0.75 + 0.01 * (i * COLS + k) + 1e-7, k + 1 < COLS ? " " : "\n");
    if (rmat_calib_parse(text, "t_calib", &c, &ei) != RMAT_OK)
        fail_msg("%s", ei.msg);
    return c;
}

static int same_num(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

static void check_same_calib(const struct rmat_calib *a, const struct rmat_calib *b)
{
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a->name, b->name);
    assert_int_equal(a->curve, b->curve);
    assert_true(same_num(a->a_kpa, b->a_kpa) && same_num(a->b, b->b) &&
                same_num(a->c_max_counts, b->c_max_counts) &&
                same_num(a->kpa_per_count, b->kpa_per_count) &&
                same_num(a->zero_counts, b->zero_counts));
    assert_int_equal(a->gain_rows, b->gain_rows);
    assert_int_equal(a->gain_cols, b->gain_cols);
    assert_non_null(a->gains);
    assert_non_null(b->gains);
    /* gains are float32, written with 9 digits: exact */
    assert_memory_equal(a->gains, b->gains, (size_t)a->gain_rows * (size_t)a->gain_cols * 4);
}

static void test_journal_ident_and_calib_layout(void **state)
{
    struct paths p;
    struct rmat_device_desc dev;
    struct rmat_session_meta meta;
    struct rmat_journal *j;
    struct rmat_errinfo ei = {0};
    struct rmat_calib *cal = t_calib();
    struct bytes want = {0}, ident = {0}, piece = {0};
    char *text = NULL;
    size_t text_len = 0, len, meta_end;
    uint8_t *got;

    (void)state;
    make_paths(&p, "journal_ident_layout");
    t_device(&dev);
    t_meta(&meta);
    /* META alone, to know where it ends */
    assert_int_equal(rmat_journal_create(p.journal, &dev, &meta, NULL, NULL, &j, &ei), RMAT_OK);
    assert_int_equal(rmat_journal_close(j, 0, &ei), RMAT_OK);
    meta_end = (size_t)file_size(p.journal);
    assert_int_equal(unlink(p.journal), 0);

    assert_int_equal(rmat_journal_create(p.journal, &dev, &meta, T_ID, cal, &j, &ei), RMAT_OK);
    assert_int_equal(rmat_journal_close(j, 0, &ei), RMAT_OK);
    got = (uint8_t *)rmat_test_slurp(p.journal, &len);
    assert_non_null(got);

    /* IDENT at t 0: type 4, the id as u16 length + bytes */
    put_str16(&ident, T_ID);
    put_record(&want, 4, 0, &ident);
    assert_int_equal(want.n, IDENT_BYTES);
    /* CALIB at t 0: type 5, total u32, offset u32, the calibration's text
     * (one piece: it is short) */
    assert_int_equal(rmat_calib_to_text(cal, &text, &text_len, &ei), RMAT_OK);
    assert_true(text_len > 100 && text_len < 2000);
    put_le(&piece, text_len, 4);
    put_le(&piece, 0, 4);
    put_raw(&piece, text, text_len);
    put_record(&want, 5, 0, &piece);
    assert_int_equal(len, meta_end + want.n);
    assert_memory_equal(got + meta_end, want.b, want.n);
    free(text);
    free(got);
    rmat_calib_free(cal);
    drop_paths(&p);
}

static void test_journal_recover_keeps_id_and_calibration(void **state)
{
    struct paths p;
    struct rmat_device_desc dev;
    struct rmat_session_meta meta;
    struct rmat_journal *j;
    struct rmat_recover_result res;
    struct rmat_errinfo ei = {0};
    struct rmat_calib *cal = t_calib(), *back = NULL;
    struct rmat_reader *r = NULL;
    uint8_t pkt[512];

    (void)state;
    make_paths(&p, "journal_keeps_id");
    t_device(&dev);
    t_meta(&meta);
    assert_int_equal(rmat_journal_create(p.journal, &dev, &meta, T_ID, cal, &j, &ei), RMAT_OK);
    for (uint32_t f = 0; f < 20; f++) {
        int n = build_frame(f, pkt, sizeof pkt);
        assert_int_equal(rmat_journal_packet(j, t_thost(f), pkt, (size_t)n, &ei), RMAT_OK);
    }
    assert_int_equal(rmat_journal_close(j, 0, &ei), RMAT_OK);
    if (rmat_journal_recover(p.journal, p.h5, &res, &ei) != RMAT_OK)
        fail_msg("%s", ei.msg);
    assert_int_equal(res.frames, 20);
    assert_string_equal(res.recording_id, T_ID);
    assert_int_equal(res.new_id, 0);
    assert_int_equal(res.calibrated, 1);
    assert_int_equal(res.calib_unreadable, 0);
    check_recording(p.h5, 20, 0, 0, 0, p.journal);
    assert_int_equal(rmat_reader_open(p.h5, &r, &ei), RMAT_OK);
    assert_int_equal(rmat_reader_calib(r, &back, &ei), RMAT_OK);
    check_same_calib(cal, back);
    rmat_calib_free(back);
    rmat_reader_close(r);
    rmat_calib_free(cal);
    drop_paths(&p);
}

/* A journal of an older rollmat (no IDENT, no CALIB) still recovers: a new
 * id, a note saying so, no /calibration. */
static void test_journal_recover_old_journal_new_id(void **state)
{
    struct paths p;
    struct plan pl = {.nframes = 30, .every = 0, .id = NULL};
    struct rmat_recover_result res;
    struct rmat_errinfo ei = {0};
    struct rmat_reader *r = NULL;
    struct rmat_calib *back = NULL;

    (void)state;
    make_paths(&p, "journal_old");
    write_journal(p.journal, &pl);
    if (rmat_journal_recover(p.journal, p.h5, &res, &ei) != RMAT_OK)
        fail_msg("%s", ei.msg);
    assert_int_equal(res.frames, 30);
    assert_int_equal(res.new_id, 1);
    assert_int_equal(res.calibrated, 0);
    assert_true(rmat_uuid_valid(res.recording_id));
    check_recording(p.h5, 30, 0, 0, 1, p.journal);
    assert_int_equal(rmat_reader_open(p.h5, &r, &ei), RMAT_OK);
    assert_string_equal(rmat_reader_info(r)->recording_id, res.recording_id);
    assert_int_equal(rmat_reader_calib(r, &back, &ei), RMAT_OK);
    assert_null(back);
    rmat_reader_close(r);
    drop_paths(&p);
}

/* The gains of a 90x90 mat make a text of over 16 KiB: it goes in pieces,
 * each no longer than a packet's record, and comes back whole. */
static void test_journal_calib_in_pieces(void **state)
{
    struct paths p;
    struct rmat_device_desc dev;
    struct rmat_session_meta meta;
    struct rmat_journal *j;
    struct rmat_recover_result res;
    struct rmat_errinfo ei = {0};
    struct rmat_calib *cal = rmat_calib_new(), *back = NULL;
    struct rmat_reader *r = NULL;
    float *g = malloc(90 * 90 * sizeof *g);
    char *text = NULL;
    size_t text_len = 0, len, pieces = 0, at;
    uint8_t *got;

    (void)state;
    assert_non_null(cal);
    assert_non_null(g);
    cal->curve = RMAT_CURVE_LINEAR;
    cal->kpa_per_count = 0.025;
    cal->zero_counts = 3;
    snprintf(cal->name, sizeof cal->name, "big mat");
    for (int k = 0; k < 90 * 90; k++)
        g[k] = 0.5f + (float)k / 8100.0f + 1e-6f * (float)(k % 7);
    assert_int_equal(rmat_calib_set_gains(cal, 90, 90, g), RMAT_OK);
    make_paths(&p, "journal_pieces");
    t_device(&dev);
    dev.rows = dev.cols = 90;
    t_meta(&meta);
    assert_int_equal(rmat_journal_create(p.journal, &dev, &meta, T_ID, cal, &j, &ei), RMAT_OK);
    assert_int_equal(rmat_journal_close(j, 0, &ei), RMAT_OK);
    assert_int_equal(rmat_calib_to_text(cal, &text, &text_len, &ei), RMAT_OK);
    assert_true(text_len > 2 * RMAT_WIRE_MAX_PACKET);

    /* walk the records after IDENT: CALIB pieces in order, none longer
     * than a PACKET record may be */
    got = (uint8_t *)rmat_test_slurp(p.journal, &len);
    assert_non_null(got);
    at = 8;
    while (at < len) {
        const uint32_t rl = get_le32(got + at);
        assert_true(4 + rl + 4 <= 13 + RMAT_WIRE_MAX_PACKET + 4);
        if (got[at + 4] == 5) {
            assert_int_equal(get_le32(got + at + 13), text_len);
            assert_int_equal(get_le32(got + at + 17), pieces * (RMAT_WIRE_MAX_PACKET - 8));
            pieces++;
        }
        at += 4 + rl + 4;
    }
    assert_int_equal(at, len);
    assert_int_equal(pieces, (text_len + RMAT_WIRE_MAX_PACKET - 9) / (RMAT_WIRE_MAX_PACKET - 8));
    assert_true(pieces >= 3);

    if (rmat_journal_recover(p.journal, p.h5, &res, &ei) != RMAT_OK)
        fail_msg("%s", ei.msg);
    assert_int_equal(res.calibrated, 1);
    assert_int_equal(rmat_reader_open(p.h5, &r, &ei), RMAT_OK);
    assert_int_equal(rmat_reader_calib(r, &back, &ei), RMAT_OK);
    check_same_calib(cal, back);
    assert_true(back->kpa_per_count == 0.025 && back->zero_counts == 3);
    rmat_calib_free(back);
    rmat_reader_close(r);

    /* The last piece torn off by a crash: the recording is rebuilt without
     * /calibration, and a note says why. */
    assert_int_equal(unlink(p.h5), 0);
    {
        /* the journal ends with the last CALIB piece: cut into it */
        write_file(p.other, got, len - 10);
        assert_int_equal(rmat_journal_recover(p.other, p.h5, &res, &ei), RMAT_OK);
        assert_int_equal(res.calibrated, 0);
        assert_int_equal(res.calib_unreadable, 1);
        assert_int_equal(rmat_reader_open(p.h5, &r, &ei), RMAT_OK);
        assert_int_equal(rmat_reader_calib(r, &back, &ei), RMAT_OK);
        assert_null(back);
        rmat_reader_close(r);
    }
    free(got);
    free(text);
    free(g);
    rmat_calib_free(cal);
    drop_paths(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_journal_crc_reference),
        cmocka_unit_test(test_journal_record_layout),
        cmocka_unit_test(test_journal_ident_and_calib_layout),
        cmocka_unit_test(test_journal_recover_keeps_id_and_calibration),
        cmocka_unit_test(test_journal_recover_old_journal_new_id),
        cmocka_unit_test(test_journal_calib_in_pieces),
        cmocka_unit_test(test_journal_recover_roundtrip),
        cmocka_unit_test(test_journal_recover_skips_bad_packet),
        cmocka_unit_test(test_journal_recover_torn_tail),
        cmocka_unit_test(test_journal_recover_skips_damaged_record),
        cmocka_unit_test(test_journal_meta_numbers_out_of_range),
        cmocka_unit_test(test_journal_create_refuses_to_overwrite),
        cmocka_unit_test(test_journal_recover_refuses_existing_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
