/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of capture (acq/capture.c): the HDF5 recording and its write-ahead
 * journal, written together.
 *
 * The truth is generated here from each frame's and event's index, the
 * packets built with the wire codec as the device session would hand them
 * over. The recording is read back with the reader (analysis/reader.c), and
 * only after capture closed it: HDF5 lets one process hold a file open only
 * once. While the capture is still open its journal is checked through a
 * copy, recovered with rmat_journal_recover() into a recording of its own:
 * what a crash at that moment would leave.
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
#include "rollmat/recording.h"
#include "rollmat/capture.h"
#include "rollmat/journal.h"
#include "rollmat/reader.h"
#include "rollmat/wire.h"

#define ROWS 32
#define COLS 32
#define N    (ROWS * COLS)
/* A dense 32x32 FRAME is 6 + 16 + 2048 bytes, its journal record 17 more. */
#define FRAME_RECORD (13 + 6 + 16 + 2 * N + 4)
#define EVENT_EVERY  25 /* an event after frames 24, 49, ... */

/* --- the truth ------------------------------------------------------------ */

static uint32_t t_seq(uint32_t f)
{
    return 1000 + f;
}

static uint64_t t_tdev(uint32_t f)
{
    return 777000000ull + (uint64_t)f * 10000u;
}

static int64_t t_thost(uint32_t f)
{
    return 1763724367000000000LL + (int64_t)f * 10000037LL;
}

static uint16_t t_sample(uint32_t f, unsigned i)
{
    return (uint16_t)((f * 613u + i * 7u + 3u) & 0x0FFFu);
}

static int64_t t_ev_time(uint32_t e)
{
    return t_thost(e * EVENT_EVERY + EVENT_EVERY - 1) + 1000;
}

static double t_ev_value(uint32_t e)
{
    return e % 2 ? NAN : 0.5 * e;
}

static void t_ev_text(uint32_t e, char *buf, size_t cap)
{
    snprintf(buf, cap, "event %u", (unsigned)e);
}

static void t_device(struct rmat_device_desc *d)
{
    memset(d, 0, sizeof *d);
    snprintf(d->model, sizeof d->model, "fake mat 32x32");
    d->serial = 17;
    snprintf(d->firmware_version, sizeof d->firmware_version, "fw-1.0.0");
    d->protocol_version = 1;
    d->rows = ROWS;
    d->cols = COLS;
    d->adc_bits = 12;
    d->pitch_x_mm = 10.0;
    d->pitch_y_mm = 10.0;
    d->rate_hz = 100.0;
}

/* Events placed after frames 0..nframes-1. */
static uint32_t events_after(uint32_t nframes)
{
    return nframes / EVENT_EVERY;
}

/* --- paths ------------------------------------------------------------------ */

struct paths {
    char dir[512];
    char h5[600];
    char journal[600];
    char copy[600];
    char copy_h5[600];
};

static void make_paths(struct paths *p, const char *name)
{
    /* Not rmat_test_tmpdir(): it runs `rm -rf` in a shell, and a unit test
     * starts no processes. The pid makes the folder this run's. */
    snprintf(p->dir, sizeof p->dir, "%s/%s.%ld", RMAT_TEST_TMP, name, (long)getpid());
    mkdir(RMAT_TEST_TMP, 0755);
    assert_true(mkdir(p->dir, 0755) == 0 || errno == EEXIST);
    snprintf(p->h5, sizeof p->h5, "%s/rec.h5", p->dir);
    snprintf(p->journal, sizeof p->journal, "%s/rec.h5%s", p->dir, RMAT_JOURNAL_SUFFIX);
    snprintf(p->copy, sizeof p->copy, "%s/copy.journal", p->dir);
    snprintf(p->copy_h5, sizeof p->copy_h5, "%s/copy.h5", p->dir);
    unlink(p->h5);
    unlink(p->journal);
    unlink(p->copy);
    unlink(p->copy_h5);
}

static void drop_paths(const struct paths *p)
{
    unlink(p->h5);
    unlink(p->journal);
    unlink(p->copy);
    unlink(p->copy_h5);
    rmdir(p->dir);
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void write_file(const char *path, const void *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* --- writing and checking ------------------------------------------------------ */

/* Records frames [from, to) and the events that follow them, ticking after
 * each frame as the recorder does. */
static void capture_frames(struct rmat_capture *c, uint32_t from, uint32_t to)
{
    static uint16_t s[N];
    static uint8_t pkt[RMAT_WIRE_MAX_PACKET];
    struct rmat_errinfo ei = {0};

    for (uint32_t f = from; f < to; f++) {
        struct rmat_frame_hdr h = {
            .seq = t_seq(f), .t_us = t_tdev(f), .rows = ROWS, .cols = COLS, .encoding = 0};
        int n;

        for (unsigned i = 0; i < N; i++)
            s[i] = t_sample(f, i);
        n = rmat_wire_build_frame(pkt, sizeof pkt, &h, s);
        assert_true(n > 0);
        if (rmat_capture_frame(c, &h, s, pkt, (size_t)n, t_thost(f), &ei) != RMAT_OK)
            fail_msg("frame %u: %s", f, ei.msg);
        if (f % EVENT_EVERY == EVENT_EVERY - 1) {
            uint32_t e = f / EVENT_EVERY;
            char text[64];
            t_ev_text(e, text, sizeof text);
            if (rmat_capture_event(c, t_ev_time(e), "mark", t_ev_value(e), text, &ei) != RMAT_OK)
                fail_msg("event %u: %s", e, ei.msg);
        }
        /* Flushes only when 500 ms of real time have passed: either way
         * the checks below hold. */
        if (rmat_capture_tick(c, &ei) != RMAT_OK)
            fail_msg("tick: %s", ei.msg);
    }
}

/* The recording at path holds exactly frames 0..nframes-1 and events
 * 0..nevents-1 of the truth, and `extra` events more (recovery's note). */
static void check_recording(const char *path, uint32_t nframes, uint32_t nevents, uint32_t extra)
{
    struct rmat_reader *r = NULL;
    struct rmat_errinfo ei = {0};
    const struct rmat_recording_info *info;
    uint16_t *raw = malloc((size_t)nframes * N * sizeof *raw);
    uint32_t *seq = malloc(nframes * sizeof *seq);
    uint64_t *tdev = malloc(nframes * sizeof *tdev);
    int64_t *thost = malloc(nframes * sizeof *thost);
    struct rmat_event *evs = malloc((nevents + extra + 1) * sizeof *evs);

    assert_true(raw && seq && tdev && thost && evs);
    if (rmat_reader_open(path, &r, &ei) != RMAT_OK)
        fail_msg("%s", ei.msg);
    info = rmat_reader_info(r);
    assert_string_equal(info->dev.model, "fake mat 32x32");
    assert_int_equal(info->dev.rows, ROWS);
    assert_int_equal(info->frames, nframes);
    assert_int_equal(info->events, nevents + extra);
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
    assert_int_equal(rmat_reader_events(r, 0, nevents + extra, evs, &ei), RMAT_OK);
    for (uint32_t e = 0; e < nevents; e++) {
        char text[64];
        t_ev_text(e, text, sizeof text);
        assert_int_equal(evs[e].t_host_ns, t_ev_time(e));
        assert_string_equal(evs[e].kind, "mark");
        assert_string_equal(evs[e].text, text);
        if (isnan(t_ev_value(e)))
            assert_true(isnan(evs[e].value));
        else
            assert_true(evs[e].value == t_ev_value(e));
    }
    rmat_reader_close(r);
    free(raw);
    free(seq);
    free(tdev);
    free(thost);
    free(evs);
}

/* --- tests ---------------------------------------------------------------------- */

static void test_capture_records_and_removes_journal(void **state)
{
    struct paths p;
    struct rmat_device_desc dev;
    struct rmat_session_meta meta;
    struct rmat_capture *c = NULL;
    struct rmat_errinfo ei = {0};

    (void)state;
    make_paths(&p, "capture_clean");
    t_device(&dev);
    rmat_session_meta_init(&meta);
    snprintf(meta.subject, sizeof meta.subject, "S001");
    if (rmat_capture_open(p.h5, &dev, &meta, NULL, RMAT_REC_DEFLATE_DEFAULT, &c, &ei) != RMAT_OK)
        fail_msg("%s", ei.msg);
    assert_string_equal(rmat_capture_path(c), p.h5);
    assert_true(exists(p.journal));
    capture_frames(c, 0, 250);
    assert_int_equal(rmat_capture_frames(c), 250);
    if (rmat_capture_close(c, &ei) != RMAT_OK)
        fail_msg("%s", ei.msg);
    /* A clean close: the journal has done its job. */
    assert_false(exists(p.journal));
    check_recording(p.h5, 250, events_after(250), 0);
    drop_paths(&p);
}

static void test_capture_journal_recoverable_while_open(void **state)
{
    struct paths p;
    struct rmat_device_desc dev;
    struct rmat_session_meta meta;
    struct rmat_capture *c = NULL;
    struct rmat_recover_result res;
    struct rmat_errinfo ei = {0};
    char *bytes;
    size_t len;

    (void)state;
    make_paths(&p, "capture_open");
    t_device(&dev);
    rmat_session_meta_init(&meta);
    if (rmat_capture_open(p.h5, &dev, &meta, NULL, RMAT_REC_DEFLATE_DEFAULT, &c, &ei) != RMAT_OK)
        fail_msg("%s", ei.msg);
    capture_frames(c, 0, 100);

    /* What a crash now would leave: the journal as it is on disk. */
    assert_true(exists(p.journal));
    bytes = rmat_test_slurp(p.journal, &len);
    assert_non_null(bytes);
    write_file(p.copy, bytes, len);
    free(bytes);
    if (rmat_journal_recover(p.copy, p.copy_h5, &res, &ei) != RMAT_OK)
        fail_msg("%s", ei.msg);
    print_message("journal of an open capture after 100 frames: %zu bytes, %llu frames and "
                  "%llu events recoverable\n",
                  len, (unsigned long long)res.frames, (unsigned long long)res.events);
    /* The journal writes whole records: a copy taken between calls is not
     * torn, and holds an exact prefix. journal.c buffers at most 64 KiB of
     * records between writes (and a tick syncs them), so at most that much
     * is missing. */
    assert_int_equal(res.torn_tail, 0);
    assert_int_equal(res.bad_packets, 0);
    assert_true(res.frames <= 100);
    assert_true(res.frames >= 100 - (64 * 1024) / FRAME_RECORD);
    assert_true(res.events >= events_after((uint32_t)res.frames - 1));
    assert_true(res.events <= events_after((uint32_t)res.frames));
    check_recording(p.copy_h5, (uint32_t)res.frames, (uint32_t)res.events, 0);

    /* The capture carries on and closes cleanly. */
    capture_frames(c, 100, 130);
    if (rmat_capture_close(c, &ei) != RMAT_OK)
        fail_msg("%s", ei.msg);
    assert_false(exists(p.journal));
    check_recording(p.h5, 130, events_after(130), 0);
    drop_paths(&p);
}

static void test_capture_refuses_existing_files(void **state)
{
    struct paths p;
    struct rmat_device_desc dev;
    struct rmat_session_meta meta;
    struct rmat_capture *c = NULL;
    struct rmat_errinfo ei = {0};
    char *text;
    size_t len;

    (void)state;
    make_paths(&p, "capture_exists");
    t_device(&dev);
    rmat_session_meta_init(&meta);

    /* An existing recording is never overwritten, and no journal appears. */
    write_file(p.h5, "precious", 8);
    assert_int_equal(rmat_capture_open(p.h5, &dev, &meta, NULL, RMAT_REC_DEFLATE_DEFAULT, &c, &ei),
                     RMAT_E_EXISTS);
    assert_null(c);
    assert_false(exists(p.journal));
    text = rmat_test_slurp(p.h5, &len);
    assert_non_null(text);
    assert_memory_equal(text, "precious", 8);
    free(text);
    assert_int_equal(unlink(p.h5), 0);

    /* A stale journal (of a recording that did not close) is kept for
     * `rollmat recover`, and no empty recording is left beside it. */
    write_file(p.journal, "stale", 5);
    assert_int_equal(rmat_capture_open(p.h5, &dev, &meta, NULL, RMAT_REC_DEFLATE_DEFAULT, &c, &ei),
                     RMAT_E_EXISTS);
    assert_null(c);
    assert_non_null(strstr(ei.msg, "rollmat recover"));
    assert_false(exists(p.h5));
    text = rmat_test_slurp(p.journal, &len);
    assert_non_null(text);
    assert_int_equal(len, 5);
    free(text);
    drop_paths(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_capture_records_and_removes_journal),
        cmocka_unit_test(test_capture_journal_recoverable_while_open),
        cmocka_unit_test(test_capture_refuses_existing_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
