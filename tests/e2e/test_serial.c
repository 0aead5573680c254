/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Serial ports, for real: libserialport on a pseudo-terminal, through the
 * LD_PRELOAD shim of tests/support/shim/pty_shim.c, which answers only the
 * sysfs lookup and the modem-line ioctls a pty lacks; termios, reads,
 * writes and poll run for real.
 *
 * The mat behind the pty is the virtual mat, `rollmat-sim --pty PATH`; a
 * pty that nobody answers on is made here with posix_openpt().
 *
 * Two groups: the tests here run without the shim (the error a user meets,
 * the port list, `rollmat record` spawned with the shim preloaded); the
 * tests that need libserialport to open a pty in this very process run in a
 * second copy of this program started with the shim preloaded
 * (RMAT_SHIM_CHILD set), which test_serial_in_process_with_shim runs.
 */
#define _GNU_SOURCE

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <link.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "rmat_test.h"
#include "rollmat/reader.h"
#include "rollmat/transport.h"

#ifndef RMAT_PTY_SHIM
#error "RMAT_PTY_SHIM (the path of librmat_pty_shim.so) is set by tests/CMakeLists.txt"
#endif

#define CHILD_ENV    "RMAT_SHIM_CHILD"
#define LIB_PATH_MAX 1024

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* --- LD_PRELOAD --------------------------------------------------------- */

static int find_asan(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    if (info->dlpi_name && strstr(info->dlpi_name, "/libasan.so")) {
        snprintf(data, LIB_PATH_MAX, "%s", info->dlpi_name);
        return 1;
    }
    return 0;
}

/* The LD_PRELOAD value for a program of this build: the shim, behind the
 * ASan runtime this process was linked with, if any (ASan must be first in
 * the list or it refuses to start). Programs of one build share the
 * sanitizer flags, so what holds for this process holds for `rollmat`. */
static void shim_preload(char *buf, size_t cap)
{
    char asan[LIB_PATH_MAX] = "";

    dl_iterate_phdr(find_asan, asan);
    snprintf(buf, cap, "%s%s%s", asan, asan[0] ? ":" : "", RMAT_PTY_SHIM);
}

/* Like rmat_test_spawn(), with LD_PRELOAD set to preload and extra_env
 * ("NAME=value", may be NULL) added. */
static pid_t spawn_env(char *const argv[], const char *out_path, const char *preload,
                       const char *extra_env)
{
    pid_t pid = fork();

    if (pid != 0)
        return pid;
    setenv("LD_PRELOAD", preload, 1);
    if (extra_env)
        putenv((char *)extra_env);
    if (out_path) {
        int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0)
            _exit(126);
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    execv(argv[0], argv);
    _exit(127);
}

static void dump_file(const char *path)
{
    char *text = rmat_test_slurp(path, NULL);
    if (text)
        print_message("--- %s ---\n%s\n", path, text);
    free(text);
}

/* --- ptys ---------------------------------------------------------------- */

/* A new pty that nobody answers on: returns the master (raw, so what a
 * host writes to the slave is not echoed back to it) and writes the slave's
 * name to slave. */
static int open_pty(char *slave, size_t cap)
{
    struct termios tio;
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

    assert_true(m >= 0);
    assert_int_equal(grantpt(m), 0);
    assert_int_equal(unlockpt(m), 0);
    assert_int_equal(ptsname_r(m, slave, cap), 0);
    /* On a pty master, tcsetattr() sets the slave's line discipline. */
    assert_int_equal(tcgetattr(m, &tio), 0);
    cfmakeraw(&tio);
    assert_int_equal(tcsetattr(m, TCSANOW, &tio), 0);
    return m;
}

/* Waits until path is a symbolic link to an existing file. */
static int wait_link(const char *path, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 10) {
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && stat(path, &st) == 0)
            return 0;
        sleep_ms(10);
    }
    return -1;
}

/* Starts the virtual mat behind a pty reached at dir/mat (--pty: a
 * symbolic link to /dev/pts/N). With once it exits when its first host
 * leaves, writing dir/truth/truth.json. Returns its pid; the path goes to
 * link. */
static pid_t start_mat(const char *dir, int once, char *link, size_t cap)
{
    char truth[600], log[600];
    char *argv[] = {(char *)RMAT_SIM_EXE,
                    (char *)"--pty",
                    link,
                    (char *)"--truth-dir",
                    truth,
                    once ? (char *)"--once" : NULL,
                    NULL};
    pid_t pid;

    snprintf(link, cap, "%s/mat", dir);
    snprintf(truth, sizeof truth, "%s/truth", dir);
    snprintf(log, sizeof log, "%s/mat.log", dir);
    pid = rmat_test_spawn(argv, log);
    assert_true(pid > 0);
    if (wait_link(link, 10000) != 0) {
        dump_file(log);
        kill(pid, SIGKILL);
        rmat_test_wait(pid, 5000);
        fail_msg("rollmat-sim made no pty at %s", link);
    }
    return pid;
}

static unsigned long json_uint(const char *json, const char *key)
{
    char pat[64];
    const char *p;

    snprintf(pat, sizeof pat, "\"%s\":", key);
    p = strstr(json, pat);
    assert_non_null(p);
    return strtoul(p + strlen(pat), NULL, 10);
}

/* The processes a test started, stopped by the teardown whether the test
 * passed or failed half way (a failed assertion leaves the test at once). */
struct procs {
    pid_t mat;
    pid_t cli;
};

static int procs_setup(void **state)
{
    struct procs *p = malloc(sizeof *p);
    if (!p)
        return -1;
    p->mat = p->cli = -1;
    *state = p;
    return 0;
}

static void stop(pid_t *pid)
{
    if (*pid > 0) {
        kill(*pid, SIGKILL);
        rmat_test_wait(*pid, 5000);
    }
    *pid = -1;
}

static int procs_teardown(void **state)
{
    struct procs *p = *state;
    stop(&p->cli);
    stop(&p->mat);
    free(p);
    return 0;
}

/* --- without the shim ---------------------------------------------------- */

static int shim_loaded(void)
{
    const char *p = getenv("LD_PRELOAD");
    return p && strstr(p, "rmat_pty_shim") != NULL;
}

static void test_serial_pty_without_shim_says_tcp(void **state)
{
    struct rmat_transport *t = (struct rmat_transport *)1;
    struct rmat_errinfo ei;
    char dir[512], slave[128], link[600];
    int m;
    (void)state;

    if (shim_loaded())
        skip();
    assert_int_equal(rmat_test_tmpdir("serial-noshim", dir, sizeof dir), 0);
    m = open_pty(slave, sizeof slave);
    assert_int_equal(rmat_transport_open(slave, 0, &t, &ei), RMAT_E_NOTFOUND);
    assert_null(t);
    assert_non_null(strstr(ei.msg, "pseudo-terminal"));
    assert_non_null(strstr(ei.msg, "TCP"));
    assert_non_null(strstr(ei.msg, "socat"));
    /* the way users meet it: a stable link to /dev/pts/N */
    snprintf(link, sizeof link, "%s/mat", dir);
    assert_int_equal(symlink(slave, link), 0);
    assert_int_equal(rmat_transport_open(link, 0, &t, &ei), RMAT_E_NOTFOUND);
    assert_non_null(strstr(ei.msg, link));
    assert_non_null(strstr(ei.msg, "TCP"));
    assert_int_equal(rmat_serial_probe(link, 0, 100, NULL, &ei), RMAT_E_NOTFOUND);
    close(m);
}

static void test_serial_list_and_find_without_a_mat(void **state)
{
    struct rmat_serial_port_info *ports;
    const struct rmat_serial_match nothing = {.usb_vid = 0xffff, .usb_pid = 0xfffe};
    struct rmat_errinfo ei;
    char name[64] = "x";
    size_t n = 99, n2 = 99;
    (void)state;

    /* The machine may have no serial port at all (CI); what is listed must
     * be well formed and agree with the count. */
    assert_int_equal(rmat_serial_list(NULL, 0, &n, &ei), RMAT_OK);
    ports = calloc(n + 1, sizeof *ports);
    assert_non_null(ports);
    assert_int_equal(rmat_serial_list(ports, n + 1, &n2, &ei), RMAT_OK);
    assert_int_equal(n2, n);
    for (size_t i = 0; i < n; i++) {
        assert_memory_equal(ports[i].name, "/dev/", 5);
        assert_null(strstr(ports[i].name, "/dev/pts/"));
        assert_true(ports[i].transport == RMAT_SERIAL_NATIVE ||
                    ports[i].transport == RMAT_SERIAL_USB ||
                    ports[i].transport == RMAT_SERIAL_BLUETOOTH);
        if (ports[i].transport != RMAT_SERIAL_USB) {
            assert_int_equal(ports[i].usb_vid, 0);
            assert_string_equal(ports[i].usb_serial, "");
        }
        if (i > 0)
            assert_true(strcmp(ports[i - 1].name, ports[i].name) < 0);
    }
    free(ports);
    assert_int_equal(rmat_serial_list(NULL, 1, &n, &ei), RMAT_E_ARG);

    /* No USB device has VID ffff (reserved), so nothing is probed. */
    assert_int_equal(rmat_serial_find(&nothing, name, sizeof name, NULL, &ei), RMAT_E_NOTFOUND);
    assert_string_equal(name, "");
    assert_non_null(strstr(ei.msg, "ffff:fffe"));
    assert_int_equal(
        rmat_serial_find_by_usb_serial("rmat-test-no-such-serial", name, sizeof name, &ei),
        RMAT_E_NOTFOUND);
    assert_non_null(strstr(ei.msg, "rmat-test-no-such-serial"));
    assert_int_equal(rmat_serial_find_by_usb_serial("", name, sizeof name, &ei), RMAT_E_ARG);
}

/* `rollmat record` over the real serial path: libserialport opens the pty
 * (with the shim), and the file holds every frame the mat sent, seq
 * without gaps. */
static void test_serial_record_through_shim_keeps_every_frame(void **state)
{
    char dir[512], link[600], rec[600], log[600], truth[600], preload[2048];
    char *argv[] = {(char *)RMAT_CLI_EXE,
                    (char *)"record",
                    (char *)"--device",
                    link,
                    (char *)"--duration",
                    (char *)"3",
                    (char *)"-o",
                    rec,
                    NULL};
    struct procs *p = *state;
    struct rmat_reader *r;
    struct rmat_errinfo ei;
    unsigned long sent;
    uint64_t frames;
    uint32_t *seq;
    char *json;
    int status;

    assert_int_equal(rmat_test_tmpdir("serial-record", dir, sizeof dir), 0);
    snprintf(rec, sizeof rec, "%s/rec.h5", dir);
    snprintf(log, sizeof log, "%s/record.log", dir);
    snprintf(truth, sizeof truth, "%s/truth/truth.json", dir);
    shim_preload(preload, sizeof preload);
    p->mat = start_mat(dir, 1, link, sizeof link);
    p->cli = spawn_env(argv, log, preload, NULL);
    assert_true(p->cli > 0);
    status = rmat_test_wait(p->cli, 60000);
    p->cli = -1;
    if (status != 0) {
        dump_file(log);
        fail_msg("rollmat record exited with %d", status);
    }
    /* --once: the mat leaves when the recorder has closed the port */
    status = rmat_test_wait(p->mat, 10000);
    p->mat = -1;
    assert_int_equal(status, 0);
    assert_int_equal(rmat_test_wait_file(truth, 5000), 0);
    json = rmat_test_slurp(truth, NULL);
    assert_non_null(json);
    sent = json_uint(json, "frames_sent");
    free(json);
    assert_true(sent >= 100); /* about 3 s at 100 Hz */

    assert_int_equal(rmat_reader_open(rec, &r, &ei), RMAT_OK);
    frames = rmat_reader_info(r)->frames;
    assert_int_equal(frames, sent);
    seq = calloc((size_t)frames, sizeof *seq);
    assert_non_null(seq);
    assert_int_equal(rmat_reader_read(r, 0, (size_t)frames, NULL, seq, NULL, NULL, &ei), RMAT_OK);
    for (uint64_t i = 0; i < frames; i++)
        assert_int_equal(seq[i], i);
    free(seq);
    rmat_reader_close(r);
}

/* Runs the tests below in a copy of this program with the shim preloaded. */
static void test_serial_in_process_with_shim(void **state)
{
    char self[1024], preload[2048], env[] = CHILD_ENV "=1";
    char *argv[] = {self, NULL};
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    (void)state;

    assert_true(len > 0);
    self[len] = '\0';
    shim_preload(preload, sizeof preload);
    assert_int_equal(rmat_test_wait(spawn_env(argv, NULL, preload, env), 120000), 0);
}

/* --- with the shim (in the child) ---------------------------------------- */

static void test_serial_probe_finds_mat_on_pty(void **state)
{
    struct rmat_transport *t;
    struct rmat_info info;
    struct rmat_errinfo ei;
    struct procs *p = *state;
    char dir[512], link[600];

    assert_int_equal(rmat_test_tmpdir("serial-probe", dir, sizeof dir), 0);
    p->mat = start_mat(dir, 0, link, sizeof link);
    memset(&info, 0, sizeof info);
    assert_int_equal(rmat_serial_probe(link, 0, 0, &info, &ei), RMAT_OK);
    assert_true(info.rows > 0 && info.cols > 0);
    assert_true(info.max_rate_hz >= info.rate_hz);
    /* probed and closed: the port opens again, as rmat_serial_find()'s
     * caller then does */
    assert_int_equal(rmat_transport_open(link, 0, &t, &ei), RMAT_OK);
    assert_string_equal(rmat_transport_name(t), link);
    rmat_transport_close(t);
}

static void test_serial_probe_rejects_silent_pty(void **state)
{
    struct rmat_errinfo ei;
    char slave[128];
    int m = open_pty(slave, sizeof slave);
    int64_t t0, ms;
    (void)state;

    /* Nobody reads the master: GET_INFO goes nowhere, no INFO comes. */
    t0 = mono_ms();
    assert_int_equal(rmat_serial_probe(slave, 0, 300, NULL, &ei), RMAT_E_TIMEOUT);
    ms = mono_ms() - t0;
    assert_true(ms >= 300);
    assert_true(ms < 3000);
    assert_non_null(strstr(ei.msg, slave));
    assert_non_null(strstr(ei.msg, "INFO"));
    close(m);
}

static void test_serial_pty_is_never_listed(void **state)
{
    struct rmat_serial_port_info ports[64];
    struct rmat_errinfo ei;
    char slave[128];
    size_t n;
    int m = open_pty(slave, sizeof slave);
    (void)state;

    /* The shim makes the pty openable by name only: it stays out of lists
     * and out of auto-detection. */
    assert_int_equal(rmat_serial_list(ports, 64, &n, &ei), RMAT_OK);
    for (size_t i = 0; i < n && i < 64; i++)
        assert_string_not_equal(ports[i].name, slave);
    close(m);
}

/* The mat's side of the pty closes (the mat is killed, as a cable pulled):
 * a read waiting with a long timeout returns RMAT_E_CLOSED at once. */
static void test_serial_unplug_is_closed_promptly(void **state)
{
    struct rmat_transport *t;
    struct rmat_errinfo ei;
    char dir[512], link[600];
    struct procs *p = *state;
    uint8_t buf[4096];
    int64_t t0;
    int rc;

    assert_int_equal(rmat_test_tmpdir("serial-unplug", dir, sizeof dir), 0);
    p->mat = start_mat(dir, 0, link, sizeof link);
    assert_int_equal(rmat_serial_probe(link, 0, 2000, NULL, &ei), RMAT_OK);
    assert_int_equal(rmat_transport_open(link, 0, &t, &ei), RMAT_OK);
    kill(p->mat, SIGKILL);
    rc = rmat_test_wait(p->mat, 5000);
    p->mat = -1;
    assert_int_equal(rc, 128 + SIGKILL);
    t0 = mono_ms();
    do
        rc = rmat_transport_read(t, buf, sizeof buf, 10000, &ei);
    while (rc > 0);
    assert_int_equal(rc, RMAT_E_CLOSED);
    assert_true(mono_ms() - t0 < 2000);
    /* and it stays closed */
    assert_int_equal(rmat_transport_read(t, buf, sizeof buf, 10000, &ei), RMAT_E_CLOSED);
    rmat_transport_close(t);
}

int main(void)
{
    const struct CMUnitTest plain[] = {
        cmocka_unit_test(test_serial_pty_without_shim_says_tcp),
        cmocka_unit_test(test_serial_list_and_find_without_a_mat),
        cmocka_unit_test_setup_teardown(test_serial_record_through_shim_keeps_every_frame,
                                        procs_setup, procs_teardown),
        cmocka_unit_test(test_serial_in_process_with_shim),
    };
    const struct CMUnitTest shimmed[] = {
        cmocka_unit_test_setup_teardown(test_serial_probe_finds_mat_on_pty, procs_setup,
                                        procs_teardown),
        cmocka_unit_test(test_serial_probe_rejects_silent_pty),
        cmocka_unit_test(test_serial_pty_is_never_listed),
        cmocka_unit_test_setup_teardown(test_serial_unplug_is_closed_promptly, procs_setup,
                                        procs_teardown),
    };

    signal(SIGPIPE, SIG_IGN);
    if (getenv(CHILD_ENV))
        return cmocka_run_group_tests_name("serial, shim preloaded", shimmed, NULL, NULL);
    return cmocka_run_group_tests_name("serial", plain, NULL, NULL);
}
