/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Crash safety, as a user would meet it: a recording read live while it
 * is written, and the recorder killed with SIGKILL at random moments. Every
 * file must open (with SWMR read, as rollmat opens files), hold every frame
 * received more than a second before the kill, with its datasets within one
 * chunk of each other, and `rollmat recover` must rebuild a complete file
 * from the journal: the same recording (its recording_id, and the
 * calibration it was recorded with), marked as recovered. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <hdf5.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rmat_test.h"
#include "rollmat/calib.h"
#include "rollmat/daemon.h"
#include "rollmat/reader.h"

static int64_t realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static pid_t start_sim(const char *dir, int n, char *url, size_t cap)
{
    char url_file[700];
    char *argv[] = {(char *)RMAT_SIM_EXE,
                    (char *)"--listen",
                    (char *)"127.0.0.1:0",
                    (char *)"--url-file",
                    url_file,
                    (char *)"--once",
                    NULL};
    char *text;
    pid_t pid;

    snprintf(url_file, sizeof url_file, "%s/sim%d.url", dir, n);
    pid = rmat_test_spawn(argv, NULL);
    assert_true(pid > 0);
    assert_int_equal(rmat_test_wait_file(url_file, 10000), 0);
    text = rmat_test_slurp(url_file, NULL);
    assert_non_null(text);
    text[strcspn(text, "\n")] = '\0';
    snprintf(url, cap, "%s", text);
    free(text);
    return pid;
}

static pid_t start_recorder(const char *url, const char *rec, const char *duration,
                            const char *calib)
{
    char *argv[12];
    int n = 0;
    pid_t pid;

    argv[n++] = (char *)RMAT_CLI_EXE;
    argv[n++] = (char *)"record";
    argv[n++] = (char *)"-d";
    argv[n++] = (char *)url;
    argv[n++] = (char *)"-o";
    argv[n++] = (char *)rec;
    if (calib) {
        argv[n++] = (char *)"--calibration";
        argv[n++] = (char *)calib;
    }
    if (duration) {
        argv[n++] = (char *)"-t";
        argv[n++] = (char *)duration;
    }
    argv[n] = NULL;
    pid = rmat_test_spawn(argv, NULL);
    assert_true(pid > 0);
    return pid;
}

/* Checks rec: opens, seq is 0..n-1, returns n and the last frame's host
 * time. */
static uint64_t check_prefix(const char *rec, int64_t *last_t_ns)
{
    struct rmat_reader *r = NULL;
    struct rmat_errinfo ei;
    uint32_t *seq;
    int64_t *t;
    uint64_t n;

    if (rmat_reader_open(rec, &r, &ei) != RMAT_OK)
        fail_msg("%s does not open: %s", rec, ei.msg);
    n = rmat_reader_info(r)->frames;
    assert_true(n > 0);
    seq = malloc(n * sizeof *seq);
    t = malloc(n * sizeof *t);
    assert_non_null(seq);
    assert_non_null(t);
    assert_int_equal(rmat_reader_read(r, 0, n, NULL, seq, NULL, t, &ei), RMAT_OK);
    for (uint64_t i = 0; i < n; i++)
        assert_int_equal(seq[i], i);
    *last_t_ns = t[n - 1];
    free(seq);
    free(t);
    rmat_reader_close(r);
    return n;
}

/* The /frames datasets' lengths differ by at most one chunk of raw. */
static void check_lengths(const char *rec)
{
    static const char *const names[] = {"/frames/raw", "/frames/seq", "/frames/t_device_us",
                                        "/frames/t_host_ns"};
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), f, d, sp, dcpl;
    hsize_t dims[3], chunk[3], lo = (hsize_t)-1, hi = 0;

    H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_V110);
    f = H5Fopen(rec, H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, fapl);
    assert_true(f >= 0);
    for (size_t i = 0; i < 4; i++) {
        d = H5Dopen2(f, names[i], H5P_DEFAULT);
        assert_true(d >= 0);
        sp = H5Dget_space(d);
        H5Sget_simple_extent_dims(sp, dims, NULL);
        if (dims[0] < lo)
            lo = dims[0];
        if (dims[0] > hi)
            hi = dims[0];
        if (i == 0) {
            dcpl = H5Dget_create_plist(d);
            assert_true(H5Pget_chunk(dcpl, 3, chunk) == 3);
            H5Pclose(dcpl);
        }
        H5Sclose(sp);
        H5Dclose(d);
    }
    H5Fclose(f);
    H5Pclose(fapl);
    assert_true(hi - lo <= chunk[0]);
}

static void test_crash_live_read_sees_frames_grow(void **state)
{
    char dir[512], url[300], rec[700], journal[800];
    struct rmat_reader *r = NULL;
    struct rmat_errinfo ei;
    uint64_t n1, n2;
    struct stat st;
    pid_t sim, recorder;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("live", dir, sizeof dir), 0);
    sim = start_sim(dir, 0, url, sizeof url);
    snprintf(rec, sizeof rec, "%s/live.h5", dir);
    recorder = start_recorder(url, rec, "5", NULL);
    assert_int_equal(rmat_test_wait_file(rec, 10000), 0);
    sleep_ms(1500);
    /* A second process opens the file while it is being written. */
    if (rmat_reader_open(rec, &r, &ei) != RMAT_OK)
        fail_msg("live open: %s", ei.msg);
    n1 = rmat_reader_info(r)->frames;
    sleep_ms(1500);
    assert_int_equal(rmat_reader_refresh(r, &ei), RMAT_OK);
    n2 = rmat_reader_info(r)->frames;
    rmat_reader_close(r);
    print_message("live: %llu frames, 1.5 s later %llu\n", (unsigned long long)n1,
                  (unsigned long long)n2);
    assert_true(n1 > 0);
    assert_true(n2 >= n1 + 100); /* 1.5 s at 100 Hz, flushed every 0.5 s */
    assert_int_equal(rmat_test_wait(recorder, 30000), 0);
    assert_int_equal(rmat_test_wait(sim, 10000), 0);
    /* A clean close removes the journal. */
    snprintf(journal, sizeof journal, "%s.journal", rec);
    assert_int_equal(stat(journal, &st), -1);
}

/* The rebuilt file is the same recording as the killed one: its id, its
 * calibration (or none), and it says it was rebuilt from the journal. */
static void check_same_recording(const char *rec, const char *recovered, const char *journal,
                                 int calibrated)
{
    struct rmat_reader *a = NULL, *b = NULL;
    struct rmat_errinfo ei;
    struct rmat_calib *ca = NULL, *cb = NULL;
    const char *base = strrchr(journal, '/') + 1;

    assert_int_equal(rmat_reader_open(rec, &a, &ei), RMAT_OK);
    assert_int_equal(rmat_reader_open(recovered, &b, &ei), RMAT_OK);
    assert_int_equal(strlen(rmat_reader_info(a)->recording_id), 36);
    assert_string_equal(rmat_reader_info(b)->recording_id, rmat_reader_info(a)->recording_id);
    assert_string_equal(rmat_reader_info(a)->recovered_from, "");
    assert_string_equal(rmat_reader_info(b)->recovered_from, base);
    assert_int_equal(rmat_reader_calib(a, &ca, &ei), RMAT_OK);
    assert_int_equal(rmat_reader_calib(b, &cb, &ei), RMAT_OK);
    assert_int_equal(ca != NULL, calibrated);
    assert_int_equal(cb != NULL, calibrated);
    if (calibrated) {
        assert_string_equal(cb->name, ca->name);
        assert_int_equal(cb->curve, ca->curve);
        assert_true(cb->a_kpa == ca->a_kpa && cb->b == ca->b);
    }
    rmat_calib_free(ca);
    rmat_calib_free(cb);
    rmat_reader_close(a);
    rmat_reader_close(b);
}

static void test_crash_kill9_ten_times(void **state)
{
    char dir[512], cal[700];
    (void)state;

    rmat_test_source_path(cal, sizeof cal, "firmware/boards/sim/virtual-mat.cal");
    assert_int_equal(rmat_test_tmpdir("kill9", dir, sizeof dir), 0);
    srand(20261121);
    for (int i = 0; i < 10; i++) {
        char url[300], rec[700], journal[800], recovered[800], out[800];
        char *rec_argv[8];
        int64_t kill_ns, last_ns, last_rec_ns;
        uint64_t n, n_rec;
        long wait_ms = 800 + rand() % 2700; /* 0.8 .. 3.5 s after the file appears */
        pid_t sim = start_sim(dir, i, url, sizeof url), recorder;

        snprintf(rec, sizeof rec, "%s/kill%d.h5", dir, i);
        recorder = start_recorder(url, rec, NULL, i % 2 ? NULL : cal);
        assert_int_equal(rmat_test_wait_file(rec, 10000), 0);
        sleep_ms(wait_ms);
        kill_ns = realtime_ns();
        kill(recorder, SIGKILL);
        assert_int_equal(rmat_test_wait(recorder, 10000), 128 + SIGKILL);
        assert_int_equal(rmat_test_wait(sim, 10000), 0);

        n = check_prefix(rec, &last_ns);
        check_lengths(rec);
        /* every frame received more than a second before the kill is there */
        assert_true(last_ns >= kill_ns - 1000000000);

        /* the journal rebuilds a complete recording */
        snprintf(journal, sizeof journal, "%s.journal", rec);
        snprintf(recovered, sizeof recovered, "%s/kill%d.recovered.h5", dir, i);
        snprintf(out, sizeof out, "%s/recover%d.out", dir, i);
        rec_argv[0] = (char *)RMAT_CLI_EXE;
        rec_argv[1] = (char *)"recover";
        rec_argv[2] = journal;
        rec_argv[3] = (char *)"-o";
        rec_argv[4] = recovered;
        rec_argv[5] = NULL;
        assert_int_equal(rmat_test_wait(rmat_test_spawn(rec_argv, out), 60000), 0);
        n_rec = check_prefix(recovered, &last_rec_ns);
        assert_true(n_rec >= n - 1); /* at least what HDF5 kept, give or take the tick */
        assert_true(last_rec_ns >= kill_ns - 1000000000);
        check_same_recording(rec, recovered, journal, i % 2 == 0);
        print_message("kill %d after %ld ms: %llu frames in the file (last %.2f s before the "
                      "kill), %llu recovered\n",
                      i, wait_ms, (unsigned long long)n, (double)(kill_ns - last_ns) * 1e-9,
                      (unsigned long long)n_rec);
    }
}

/* Whether plain readers open rec: HDF5 without SWMR (as h5py, h5dump and
 * MATLAB open files), h5dump -H, and Debian's python3 with h5py (File(rec,
 * "r"), no swmr=True) reading /frames/raw's shape. h5py is left out, with
 * a message, where /usr/bin/python3 has none. */
static void check_plain_readers(const char *dir, const char *rec, uint64_t frames)
{
    char out[700], code[1200], want[64];
    char *dump_argv[] = {(char *)"/usr/bin/h5dump", (char *)"-H", (char *)rec, NULL};
    char *probe_argv[] = {(char *)"/usr/bin/python3", (char *)"-c", (char *)"import h5py", NULL};
    char *py_argv[] = {(char *)"/usr/bin/python3", (char *)"-c", code, NULL};
    hid_t f = H5Fopen(rec, H5F_ACC_RDONLY, H5P_DEFAULT);
    char *text;

    if (f < 0)
        fail_msg("%s does not open without SWMR", rec);
    H5Fclose(f);
    rmat_test_pathf(out, sizeof out, "%s/plain.out", dir);
    if (access(dump_argv[0], X_OK) != 0)
        print_message("no /usr/bin/h5dump (Debian's hdf5-tools): not tried\n");
    else if (rmat_test_run(dump_argv, out, 60000) != 0)
        fail_msg("h5dump -H %s failed", rec);
    if (rmat_test_run(probe_argv, out, 60000) != 0) {
        print_message("no h5py in /usr/bin/python3 (Debian's python3-h5py): not tried\n");
        return;
    }
    snprintf(code, sizeof code,
             "import h5py\nf = h5py.File(%s%s%s, 'r')\nprint(f['frames/raw'].shape[0])\n", "'", rec,
             "'");
    if (rmat_test_run(py_argv, out, 60000) != 0) {
        text = rmat_test_slurp(out, NULL);
        fail_msg("h5py could not open %s: %s", rec, text ? text : "");
    }
    text = rmat_test_slurp(out, NULL);
    assert_non_null(text);
    snprintf(want, sizeof want, "%llu\n", (unsigned long long)frames);
    if (strcmp(text, want) != 0)
        fail_msg("h5py read %s frames, want %s", text, want);
    free(text);
}

/* Issue 13, finding 5: after a crash, plain readers (h5py without
 * swmr=True, h5dump, MATLAB) refused the file ("file is already open for
 * write") until someone ran h5clear -s. `rollmat recover --in-place`
 * completes it from its journal, and rollmatd does so at start for its
 * recordings folder; the journal goes only once the file opens plainly.
 * Before the fix the first check (H5Fopen without SWMR after the kill)
 * already failed, and there was nothing to complete the file. */
static void test_crash_plain_readers_after_recover_and_restart(void **state)
{
    char dir[512], url[300], rec[700], journal[800], out[800], sock[700], log[700];
    char recdir[600];
    int64_t kill_ns, last_ns;
    uint64_t n;
    pid_t sim, recorder, daemon;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("plain", dir, sizeof dir), 0);
    /* rollmat record, killed */
    sim = start_sim(dir, 0, url, sizeof url);
    rmat_test_pathf(rec, sizeof rec, "%s/rec.h5", dir);
    rmat_test_pathf(journal, sizeof journal, "%s.journal", rec);
    recorder = start_recorder(url, rec, NULL, NULL);
    assert_int_equal(rmat_test_wait_file(rec, 10000), 0);
    sleep_ms(1500);
    kill_ns = realtime_ns();
    kill(recorder, SIGKILL);
    assert_int_equal(rmat_test_wait(recorder, 10000), 128 + SIGKILL);
    assert_int_equal(rmat_test_wait(sim, 10000), 0);
    {
        /* the state a crash leaves: plain HDF5 refuses the file */
        hid_t f = H5Fopen(rec, H5F_ACC_RDONLY, H5P_DEFAULT);
        assert_true(f < 0);
    }
    {
        char *argv[] = {(char *)RMAT_CLI_EXE, (char *)"recover", (char *)"--in-place", journal,
                        NULL};
        rmat_test_pathf(out, sizeof out, "%s/recover.out", dir);
        assert_int_equal(rmat_test_run(argv, out, 60000), 0);
    }
    assert_int_equal(access(journal, F_OK), -1);
    n = check_prefix(rec, &last_ns);
    assert_true(last_ns >= kill_ns - 1000000000);
    check_plain_readers(dir, rec, n);
    print_message("rollmat record killed: %llu frames, last %.2f s before the kill, opens "
                  "plainly after recover --in-place\n",
                  (unsigned long long)n, (double)(kill_ns - last_ns) * 1e-9);

    /* rollmatd, killed while recording, and started again */
    rmat_test_pathf(recdir, sizeof recdir, "%s/recs", dir);
    rmat_test_pathf(sock, sizeof sock, "%s/ctl.sock", dir);
    rmat_test_pathf(log, sizeof log, "%s/daemon.log", dir);
    sim = start_sim(dir, 1, url, sizeof url);
    {
        char *argv[] = {(char *)RMAT_DAEMON_EXE,
                        (char *)"--device",
                        url,
                        (char *)"--socket",
                        sock,
                        (char *)"--dir",
                        recdir,
                        NULL};
        char reply[4200];
        struct rmat_errinfo ei;
        daemon = rmat_test_spawn(argv, log);
        assert_true(daemon > 0);
        assert_int_equal(rmat_test_wait_file(sock, 10000), 0);
        for (int t = 0;; t += 200) {
            assert_int_equal(rmat_ctl_request(sock, "status", reply, sizeof reply, 5000, &ei),
                             RMAT_OK);
            if (strstr(reply, "connected=1"))
                break;
            assert_true(t < 15000);
            sleep_ms(200);
        }
        assert_int_equal(
            rmat_ctl_request(sock, "start subject=anonymous", reply, sizeof reply, 5000, &ei),
            RMAT_OK);
        assert_memory_equal(reply, "ok ", 3);
        rmat_test_pathf(rec, sizeof rec, "%s", reply + 3);
    }
    sleep_ms(1500);
    kill_ns = realtime_ns();
    kill(daemon, SIGKILL);
    assert_int_equal(rmat_test_wait(daemon, 10000), 128 + SIGKILL);
    kill(sim, SIGTERM);
    rmat_test_wait(sim, 10000);
    rmat_test_pathf(journal, sizeof journal, "%s.journal", rec);
    assert_int_equal(access(journal, F_OK), 0);
    sim = start_sim(dir, 2, url, sizeof url);
    {
        char *argv[] = {(char *)RMAT_DAEMON_EXE,
                        (char *)"--device",
                        url,
                        (char *)"--socket",
                        sock,
                        (char *)"--dir",
                        recdir,
                        NULL};
        rmat_test_pathf(log, sizeof log, "%s/daemon2.log", dir);
        daemon = rmat_test_spawn(argv, log);
        assert_true(daemon > 0);
        assert_int_equal(rmat_test_wait_text(log, "completed", 1, 20000), 0);
    }
    assert_int_equal(access(journal, F_OK), -1);
    n = check_prefix(rec, &last_ns);
    assert_true(last_ns >= kill_ns - 1000000000);
    check_plain_readers(dir, rec, n);
    print_message("rollmatd killed: %llu frames, last %.2f s before the kill, opens plainly "
                  "after the restart\n",
                  (unsigned long long)n, (double)(kill_ns - last_ns) * 1e-9);
    kill(daemon, SIGTERM);
    assert_int_equal(rmat_test_wait(daemon, 10000), 0);
    kill(sim, SIGTERM);
    rmat_test_wait(sim, 10000);
}

static void test_crash_recover_refuses_garbage(void **state)
{
    char dir[512], path[700], out[700], log[700];
    char *argv[6];
    char *text;
    FILE *f;
    (void)state;
    assert_int_equal(rmat_test_tmpdir("recover", dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/junk.h5.journal", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("this is not a journal", f);
    fclose(f);
    snprintf(out, sizeof out, "%s/junk.recovered.h5", dir);
    snprintf(log, sizeof log, "%s/log", dir);
    argv[0] = (char *)RMAT_CLI_EXE;
    argv[1] = (char *)"recover";
    argv[2] = path;
    argv[3] = NULL;
    assert_int_equal(rmat_test_wait(rmat_test_spawn(argv, log), 30000), 1);
    text = rmat_test_slurp(log, NULL);
    assert_non_null(strstr(text, "is not a rollmat journal"));
    free(text);
    assert_int_equal(access(out, F_OK), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crash_live_read_sees_frames_grow),
        cmocka_unit_test(test_crash_kill9_ten_times),
        cmocka_unit_test(test_crash_recover_refuses_garbage),
        cmocka_unit_test(test_crash_plain_readers_after_recover_and_restart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
