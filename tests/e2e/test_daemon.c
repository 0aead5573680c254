/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmatd as a clinic uses it: recordings started, marked and stopped
 * through `rollmat`, a second recording refused, malformed commands
 * answered with an error and never a crash, a mat that drops off for 3 s
 * and comes back (one file, a reconnect event, no gap made up for the time
 * away, frames before and after intact), and a full disk (a file-size
 * limit): the recording stops, stays readable, the error is reported, the
 * daemon lives.
 *
 * And issue 10's findings: each mat's calibration found by its serial
 * number and copied into every recording, `status` in newtons; a mat that
 * ends its stream recorded as leaving, tried again with backoff, one log
 * line when it leaves and one when it is back; `mark` says what it stored
 * and when, pain a whole number, a start without a subject refused, a
 * session's date given with started_utc; a recordings folder that is a
 * file, or a socket that cannot be made, refused at start. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "rmat_test.h"
#include "rollmat/calib.h"
#include "rollmat/reader.h"

struct rig {
    char dir[512], sock[600], recdir[600], listen[64], log[700];
    char sim_extra[32], sim_val[32]; /* one more option for the mat, if any */
    const char *sim_more[8];         /* and more, NULL-terminated */
    const char *daemon_more[8];      /* options for rollmatd, NULL-terminated */
    pid_t sim, daemon;
};

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static unsigned free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static pid_t start_sim(struct rig *r)
{
    char *argv[16];
    int n = 0;
    pid_t pid;

    argv[n++] = (char *)RMAT_SIM_EXE;
    argv[n++] = (char *)"--listen";
    argv[n++] = r->listen;
    if (r->sim_extra[0]) {
        argv[n++] = r->sim_extra;
        argv[n++] = r->sim_val;
    }
    for (int i = 0; r->sim_more[i] && n < 15; i++)
        argv[n++] = (char *)r->sim_more[i];
    argv[n] = NULL;
    pid = rmat_test_spawn(argv, NULL);
    assert_true(pid > 0);
    return pid;
}

/* Starts rollmatd; with fsize_limit > 0 under that file-size limit. */
static pid_t start_daemon(struct rig *r, long fsize_limit)
{
    char url[80];
    pid_t pid;

    snprintf(url, sizeof url, "tcp://%s", r->listen);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char *argv[24] = {(char *)RMAT_DAEMON_EXE,
                          (char *)"--device",
                          url,
                          (char *)"--socket",
                          r->sock,
                          (char *)"--dir",
                          r->recdir,
                          (char *)"--reconnect-wait",
                          (char *)"20"};
        int n = 9;
        for (int i = 0; r->daemon_more[i] && n < 23; i++)
            argv[n++] = (char *)r->daemon_more[i];
        argv[n] = NULL;
        FILE *f = freopen(r->log, "w", stderr);
        (void)f;
        if (fsize_limit > 0) {
            struct rlimit rl = {(rlim_t)fsize_limit, (rlim_t)fsize_limit};
            setrlimit(RLIMIT_FSIZE, &rl);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    assert_int_equal(rmat_test_wait_file(r->sock, 10000), 0);
    return pid;
}

/* Runs rollmat with args; returns its exit status, output in *out. */
static int rollmat(struct rig *r, char **out, ...)
{
    char *argv[24], path[700];
    va_list ap;
    int n = 0, rc;

    argv[n++] = (char *)RMAT_CLI_EXE;
    va_start(ap, out);
    for (char *a; (a = va_arg(ap, char *)) != NULL && n < 21;)
        argv[n++] = a;
    va_end(ap);
    argv[n++] = (char *)"--socket";
    argv[n++] = r->sock;
    argv[n] = NULL;
    snprintf(path, sizeof path, "%s/rollmat.out", r->dir);
    rc = rmat_test_wait(rmat_test_spawn(argv, path), 30000);
    *out = rmat_test_slurp(path, NULL);
    assert_non_null(*out);
    return rc;
}

/* Waits until `rollmat status` contains want (up to timeout_ms). */
static char *wait_status(struct rig *r, const char *want, int timeout_ms)
{
    char *out = NULL;
    for (int t = 0; t <= timeout_ms; t += 200) {
        free(out);
        if (rollmat(r, &out, "status", "--raw", NULL) == 0 && strstr(out, want))
            return out;
        sleep_ms(200);
    }
    fail_msg("status never showed '%s'; last:\n%s", want, out ? out : "(none)");
    return NULL;
}

/* One raw control exchange, for what the rollmat command would not send;
 * len 0 means strlen(send_bytes). */
static void raw(struct rig *r, const char *send_bytes, size_t len, const char *want)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    char reply[4096];
    size_t got = 0;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    if (len == 0)
        len = strlen(send_bytes);
    assert_true(strlen(r->sock) < sizeof a.sun_path);
    memcpy(a.sun_path, r->sock, strlen(r->sock) + 1);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(send(fd, send_bytes, len, 0), (ssize_t)len);
    while (got < sizeof reply - 1) {
        ssize_t n = recv(fd, reply + got, 1, 0);
        assert_true(n == 1);
        if (reply[got] == '\n')
            break;
        got++;
    }
    reply[got] = '\0';
    close(fd);
    if (!strstr(reply, want))
        fail_msg("sent '%.60s', wanted '%s', got '%s'", send_bytes, want, reply);
}

static int setup(void **state)
{
    static struct rig r;
    memset(&r, 0, sizeof r);
    if (rmat_test_tmpdir("daemon", r.dir, sizeof r.dir) != 0)
        return -1;
    snprintf(r.sock, sizeof r.sock, "%s/ctl.sock", r.dir);
    snprintf(r.recdir, sizeof r.recdir, "%s/rec", r.dir);
    snprintf(r.log, sizeof r.log, "%s/daemon.log", r.dir);
    snprintf(r.listen, sizeof r.listen, "127.0.0.1:%u", free_port());
    *state = &r;
    return 0;
}

static int teardown(void **state)
{
    struct rig *r = *state;
    if (r->daemon > 0) {
        kill(r->daemon, SIGTERM);
        rmat_test_wait(r->daemon, 10000);
    }
    if (r->sim > 0) {
        kill(r->sim, SIGTERM);
        rmat_test_wait(r->sim, 10000);
    }
    return 0;
}

/* Reads every event of rec; returns how many of kind, and the first's value. */
static int count_events(const char *rec, const char *kind, double *value, char *text, size_t cap)
{
    struct rmat_reader *rd = NULL;
    struct rmat_errinfo ei;
    struct rmat_event *ev;
    uint64_t n;
    int count = 0;

    assert_int_equal(rmat_reader_open(rec, &rd, &ei), RMAT_OK);
    n = rmat_reader_info(rd)->events;
    ev = calloc(n + 1, sizeof *ev);
    assert_non_null(ev);
    if (n)
        assert_int_equal(rmat_reader_events(rd, 0, n, ev, &ei), RMAT_OK);
    for (uint64_t i = 0; i < n; i++)
        if (strcmp(ev[i].kind, kind) == 0) {
            if (count == 0 && value)
                *value = ev[i].value;
            if (count == 0 && text)
                snprintf(text, cap, "%s", ev[i].text);
            count++;
        }
    free(ev);
    rmat_reader_close(rd);
    return count;
}

static void test_daemon_record_mark_stop(void **state)
{
    struct rig *r = *state;
    char *out, path[4096], text[200];
    struct rmat_reader *rd = NULL;
    struct rmat_errinfo ei;
    uint32_t *seq;
    uint64_t n;
    double v = 0;

    r->sim = start_sim(r);
    r->daemon = start_daemon(r, 0);
    free(wait_status(r, "connected=1", 15000));

    assert_int_equal(rollmat(r, &out, "record", "start", "--subject", "P01", "--region",
                             "quadriceps", "--side", "left", "--roller", "foam-firm", "--body-mass",
                             "72", "--notes", "first \"session\" today", NULL),
                     0);
    out[strcspn(out, "\n")] = '\0';
    snprintf(path, sizeof path, "%s", out);
    free(out);
    assert_non_null(strstr(path, "/P01_quadriceps_left_"));

    /* one recording at a time */
    assert_int_equal(rollmat(r, &out, "record", "start", "--subject", "P02", NULL), 1);
    assert_non_null(strstr(out, "busy"));
    free(out);

    /* mark says what it stored and when (time into the recording) */
    assert_int_equal(rollmat(r, &out, "mark", "tender spot", NULL), 0);
    assert_memory_equal(out, "mark at 00:0", 12);
    assert_non_null(strstr(out, " \"tender spot\"\n"));
    free(out);
    assert_int_equal(rollmat(r, &out, "mark", "--pain", "6", NULL), 0);
    assert_memory_equal(out, "pain 6 at 00:0", 14);
    free(out);
    sleep_ms(2000);
    out = wait_status(r, "recording=1", 5000);
    assert_non_null(strstr(out, "frames="));
    free(out);
    assert_int_equal(rollmat(r, &out, "record", "stop", NULL), 0);
    assert_non_null(strstr(out, "frames="));
    free(out);
    assert_int_equal(rollmat(r, &out, "record", "stop", NULL), 1);
    assert_non_null(strstr(out, "not recording"));
    free(out);

    assert_int_equal(rmat_reader_open(path, &rd, &ei), RMAT_OK);
    n = rmat_reader_info(rd)->frames;
    assert_true(n >= 150);
    assert_string_equal(rmat_reader_info(rd)->meta.notes, "first \"session\" today");
    assert_true(fabs(rmat_reader_info(rd)->meta.body_mass_kg - 72) < 1e-9);
    seq = malloc(n * sizeof *seq);
    assert_int_equal(rmat_reader_read(rd, 0, n, NULL, seq, NULL, NULL, &ei), RMAT_OK);
    for (uint64_t i = 0; i < n; i++)
        assert_int_equal(seq[i], i);
    free(seq);
    rmat_reader_close(rd);
    assert_int_equal(count_events(path, "start", NULL, NULL, 0), 1);
    assert_int_equal(count_events(path, "mark", NULL, text, sizeof text), 1);
    assert_string_equal(text, "tender spot");
    assert_int_equal(count_events(path, "pain", &v, NULL, 0), 1);
    assert_true(v == 6);
    assert_int_equal(count_events(path, "stop", NULL, NULL, 0), 1);
    assert_true(count_events(path, "clock_sync", NULL, NULL, 0) >= 2); /* one a second */
    {
        char journal[4200];
        snprintf(journal, sizeof journal, "%s.journal", path);
        assert_int_equal(access(journal, F_OK), -1); /* clean close removed it */
    }
}

static void test_daemon_malformed_commands(void **state)
{
    struct rig *r = *state;
    char big[3000];
    char *out;

    r->sim = start_sim(r);
    r->daemon = start_daemon(r, 0);
    free(wait_status(r, "connected=1", 15000));
    raw(r, "bogus\n", 0, "error unknown command 'bogus'");
    raw(r, "\n", 0, "error empty command");
    raw(r, "mark before start\n", 0, "error not recording");
    raw(r, "start side=up\n", 0, "error side must be left, right or none");
    raw(r, "start subject\n", 0, "is not key=value");
    raw(r, "start colour=red\n", 0, "unknown field 'colour'");
    raw(r, "start body_mass_kg=lots\n", 0, "body_mass_kg wants a number");
    raw(r, "start \"notes=never closed\n", 0, "unterminated quote");
    raw(r, "start notes=\"two words\"\n", 0, "quote the whole word");
    raw(r, "mark \"a \\\"quoted\\\" mark\" x\n", 0, "error not recording");
    raw(r, "stop\n", 0, "error not recording");
    raw(r, "\x01\x02\xff\x00zz\n", 7, "error");
    memset(big, 'x', sizeof big);
    big[sizeof big - 1] = '\n';
    raw(r, big, sizeof big, "error line longer than");
    raw(r, "ping\n", 0, "ok pong");
    /* a session without a subject is refused by the command line */
    assert_int_equal(rollmat(r, &out, "record", "start", NULL), 2);
    assert_non_null(strstr(out, "--subject anonymous"));
    free(out);
    /* a pain rating out of range while recording */
    assert_int_equal(rollmat(r, &out, "record", "start", "--subject", "anonymous", NULL), 0);
    free(out);
    raw(r, "pain 11\n", 0, "error pain wants a rating from 0 to 10");
    raw(r, "pain -1\n", 0, "error pain wants a rating");
    raw(r, "pain\n", 0, "error pain wants a rating");
    assert_int_equal(rollmat(r, &out, "record", "stop", NULL), 0);
    free(out);
    /* still alive and well */
    free(wait_status(r, "connected=1", 2000));
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int ctl_connect(const struct rig *r, int nonblock)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);

    assert_true(fd >= 0);
    memcpy(a.sun_path, r->sock, strlen(r->sock) + 1);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Reads one reply line from fd within timeout_ms; "" at EOF or timeout. */
static void read_line(int fd, char *buf, size_t cap, int timeout_ms)
{
    size_t got = 0;
    const double end = mono_s() + timeout_ms / 1000.0;

    buf[0] = '\0';
    while (got + 1 < cap && mono_s() < end) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        ssize_t n;
        if (poll(&p, 1, 50) <= 0)
            continue;
        n = recv(fd, buf + got, 1, 0);
        if (n <= 0 || buf[got] == '\n')
            break;
        got++;
    }
    buf[got] = '\0';
}

/* Issue 13, finding 6, through real socket clients: a NUL in a line
 * ("ping\0junk" was answered as ping) is refused; numbers are decimal
 * (body_mass_kg=0x10 was 16 kg; inf, nan too); a 100 kB line is answered
 * at once while frames flow (512 bytes per 20 ms pass took 4 s); 200
 * connections in a burst all connect (backlog 8: most failed with
 * EAGAIN); 16 idle clients of other processes do not lock out the next
 * (they held every slot, forever), and an idle connection is closed after
 * --control-idle; one process gets at most 4 connections. */
static void test_daemon_control_socket_limits(void **state)
{
    struct rig *r = *state;
    static const char *const idle_opts[] = {"--control-idle", "2", NULL};
    char *big, reply[256];
    const size_t big_len = 100 * 1024;
    pid_t kids[16];
    int fds[200], failed = 0, fd;
    double t0;

    memcpy(r->daemon_more, idle_opts, sizeof idle_opts);
    r->sim = start_sim(r);
    r->daemon = start_daemon(r, 0);
    free(wait_status(r, "connected=1", 15000));

    raw(r, "ping\0junk\n", 10, "error the line holds a NUL byte");
    raw(r, "ping\n", 0, "ok pong");
    raw(r, "start subject=S1 body_mass_kg=0x10\n", 0, "body_mass_kg wants a number");
    raw(r, "start subject=S1 body_mass_kg=inf\n", 0, "body_mass_kg wants a number");
    raw(r, "start subject=S1 roller_diameter_mm=nan\n", 0, "roller_diameter_mm wants a number");
    raw(r, "start subject=S1 roller_diameter_mm=1e\n", 0, "roller_diameter_mm wants a number");

    /* 100 kB of 'x' and a newline: one reply, within a second. */
    big = malloc(big_len);
    assert_non_null(big);
    memset(big, 'x', big_len);
    big[big_len - 1] = '\n';
    t0 = mono_s();
    raw(r, big, big_len, "error line longer than 1023 bytes");
    if (mono_s() - t0 > 1.0)
        fail_msg("a 100 kB line took %.1f s to be answered", mono_s() - t0);
    free(big);

    /* A burst of 200 connections, none refused by a full backlog. */
    for (int i = 0; i < 200; i++) {
        fds[i] = ctl_connect(r, 1);
        if (fds[i] < 0)
            failed++;
    }
    for (int i = 0; i < 200; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    if (failed)
        fail_msg("%d of 200 connections in a burst failed", failed);

    /* One process: 4 connections; the fifth is told why and closed. */
    for (int i = 0; i < 5; i++)
        fds[i] = ctl_connect(r, 0);
    read_line(fds[4], reply, sizeof reply, 2000);
    if (!strstr(reply, "too many control connections from this process"))
        fail_msg("fifth connection of one process: '%s'", reply);
    for (int i = 0; i < 5; i++)
        close(fds[i]);

    /* 16 other processes, each holding a connection and saying nothing. */
    for (int i = 0; i < 16; i++) {
        kids[i] = fork();
        assert_true(kids[i] >= 0);
        if (kids[i] == 0) {
            int k = ctl_connect(r, 0);
            (void)k;
            sleep(30);
            _exit(0);
        }
    }
    sleep_ms(500);
    raw(r, "ping\n", 0, "ok pong"); /* not locked out */
    /* And an idle connection is closed after 2 s, saying why. */
    fd = ctl_connect(r, 0);
    assert_true(fd >= 0);
    t0 = mono_s();
    read_line(fd, reply, sizeof reply, 6000);
    if (!strstr(reply, "idle"))
        fail_msg("an idle connection was not closed within 6 s: '%s'", reply);
    if (mono_s() - t0 < 1.5)
        fail_msg("an idle connection was closed after %.1f s, before --control-idle 2",
                 mono_s() - t0);
    close(fd);
    for (int i = 0; i < 16; i++) {
        kill(kids[i], SIGKILL);
        rmat_test_wait(kids[i], 5000);
    }
    raw(r, "ping\n", 0, "ok pong");
}

static void test_daemon_mat_drops_off_and_returns(void **state)
{
    struct rig *r = *state;
    char *out, path[4096];
    struct rmat_reader *rd = NULL;
    struct rmat_errinfo ei;
    uint32_t *seq;
    uint64_t n, restarts = 0, i;
    double away = 0, gap = 0;

    r->sim = start_sim(r);
    r->daemon = start_daemon(r, 0);
    free(wait_status(r, "connected=1", 15000));
    assert_int_equal(rollmat(r, &out, "record", "start", "--subject", "drop", NULL), 0);
    out[strcspn(out, "\n")] = '\0';
    snprintf(path, sizeof path, "%s", out);
    free(out);
    sleep_ms(2000);
    /* the link drops: the mat is gone for 3 s, then the same mat returns */
    kill(r->sim, SIGKILL);
    rmat_test_wait(r->sim, 5000);
    free(wait_status(r, "away=1", 5000));
    sleep_ms(3000);
    r->sim = start_sim(r);
    free(wait_status(r, "away=0", 20000));
    sleep_ms(2000);
    assert_int_equal(rollmat(r, &out, "record", "stop", NULL), 0);
    assert_non_null(strstr(out, " lost=0")); /* no frames counted lost for the time away */
    free(out);

    /* one file; frames before and after intact: seq runs 0..a, then 0..b */
    assert_int_equal(rmat_reader_open(path, &rd, &ei), RMAT_OK);
    n = rmat_reader_info(rd)->frames;
    seq = malloc(n * sizeof *seq);
    assert_int_equal(rmat_reader_read(rd, 0, n, NULL, seq, NULL, NULL, &ei), RMAT_OK);
    assert_int_equal(seq[0], 0);
    for (i = 1; i < n; i++) {
        if (seq[i] == 0) {
            restarts++;
            assert_true(i >= 150); /* 2 s before the drop */
            continue;
        }
        assert_int_equal(seq[i], seq[i - 1] + 1);
    }
    assert_int_equal(restarts, 1);
    assert_true(seq[n - 1] >= 150); /* 2 s after */
    free(seq);
    rmat_reader_close(rd);
    assert_int_equal(count_events(path, "disconnect", NULL, NULL, 0), 1);
    assert_int_equal(count_events(path, "reconnect", &away, NULL, 0), 1);
    /* tried again after 1, 3 and 7 s (the wait doubles), so back within 8
     * s of the 3 s away, plus a loaded machine's slack */
    assert_true(away >= 3.0 && away < 12.0);
    /* The time away is said by the reconnect event; how many frames it
     * cost is not known (the mat restarted), so no gap is made up: gap
     * events are seq jumps actually seen, and there were none. */
    assert_int_equal(count_events(path, "gap", &gap, NULL, 0), 0);
    print_message("away %.1f s, no gap made up, %llu frames recorded\n", away,
                  (unsigned long long)n);
}

static void test_daemon_full_disk(void **state)
{
    struct rig *r = *state;
    char *out, path[4096];
    struct rmat_reader *rd = NULL;
    struct rmat_errinfo ei;
    uint32_t *seq;
    uint64_t n;

    r->sim = start_sim(r);
    /* Every file the daemon writes may grow to 3 MiB: the recording (about
     * 200 kB/s dense, less sparse) fills that in seconds. */
    r->daemon = start_daemon(r, 3L << 20);
    free(wait_status(r, "connected=1", 15000));
    assert_int_equal(rollmat(r, &out, "record", "start", "--subject", "full", NULL), 0);
    out[strcspn(out, "\n")] = '\0';
    snprintf(path, sizeof path, "%s", out);
    free(out);
    out = wait_status(r, "recording=0", 60000);
    print_message("after the disk filled: %s", out);
    assert_non_null(strstr(out, "last_error="));
    free(out);
    /* alive, and says so */
    free(wait_status(r, "connected=1", 2000));
    /* the recording opens with every frame it holds in order */
    assert_int_equal(rmat_reader_open(path, &rd, &ei), RMAT_OK);
    n = rmat_reader_info(rd)->frames;
    assert_true(n > 100);
    seq = malloc(n * sizeof *seq);
    assert_int_equal(rmat_reader_read(rd, 0, n, NULL, seq, NULL, NULL, &ei), RMAT_OK);
    for (uint64_t i = 0; i < n; i++)
        assert_int_equal(seq[i], i);
    free(seq);
    rmat_reader_close(rd);
    print_message("%llu frames kept\n", (unsigned long long)n);
}

static void test_daemon_noisy_link_counted(void **state)
{
    struct rig *r = *state;
    char *out, path[4096];
    double v = 0;
    int drops, gaps;

    snprintf(r->sim_extra, sizeof r->sim_extra, "--bit-errors");
    snprintf(r->sim_val, sizeof r->sim_val, "2e-5");
    r->sim = start_sim(r);
    r->daemon = start_daemon(r, 0);
    free(wait_status(r, "connected=1", 15000));
    assert_int_equal(rollmat(r, &out, "record", "start", "--subject", "noisy", NULL), 0);
    out[strcspn(out, "\n")] = '\0';
    snprintf(path, sizeof path, "%s", out);
    free(out);
    sleep_ms(4000);
    out = wait_status(r, "recording=1", 2000);
    assert_null(strstr(out, "link_drops=0 "));
    free(out);
    assert_int_equal(rollmat(r, &out, "record", "stop", NULL), 0);
    free(out);
    /* damaged packets are written down as they happen, and the frames
     * they cost as gaps */
    drops = count_events(path, "link_drop", &v, NULL, 0);
    gaps = count_events(path, "gap", NULL, NULL, 0);
    print_message("noisy link: %d link_drop events, %d gap events\n", drops, gaps);
    assert_true(drops >= 1);
    assert_true(v >= 1);
    assert_true(gaps >= 1);
}

/* --- issue 10 ---------------------------------------------------------------- */

static void copy_file(const char *from, const char *to)
{
    size_t len;
    char *text = rmat_test_slurp(from, &len);
    FILE *f = fopen(to, "w");

    assert_non_null(text);
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    free(text);
}

static void wait_log(struct rig *r, const char *text, int count, int timeout_ms)
{
    if (rmat_test_wait_text(r->log, text, count, timeout_ms) != 0) {
        char *log = rmat_test_slurp(r->log, NULL);
        fail_msg("the log never had %d x '%s'; it has:\n%s", count, text, log ? log : "");
    }
}

/* Finding 3: the daemon finds the mat's calibration by its serial number
 * (DIR/mat-1.cal for the virtual mat), says which in its log, copies it
 * into every recording, and `status` shows the load in newtons. Without
 * one it says so, with where to put one, and shows counts. */
static void test_daemon_calibration_per_mat_and_status_in_newtons(void **state)
{
    struct rig *r = *state;
    char mats[700], cal[800], src[700], path[4096], want[4400], *out;
    struct rmat_reader *rd = NULL;
    struct rmat_errinfo ei;
    struct rmat_calib *c = NULL;
    double force;

    snprintf(mats, sizeof mats, "%s/mats", r->dir);
    assert_int_equal(mkdir(mats, 0755), 0);
    r->daemon_more[0] = "--calibration-dir";
    r->daemon_more[1] = mats;
    r->sim = start_sim(r);
    r->daemon = start_daemon(r, 0);

    /* none yet: said once, with where to put one, and counts in status */
    snprintf(want, sizeof want,
             "warning: NO CALIBRATION for mat serial 1: recordings are in raw counts; put one at "
             "%s/mat-1.cal (rollmat calibrate --mat-dir %s)",
             mats, mats);
    wait_log(r, want, 1, 15000);
    out = wait_status(r, "connected=1", 15000);
    assert_non_null(strstr(out, " calibration=none"));
    assert_null(strstr(out, "force_n="));
    free(out);
    assert_int_equal(rollmat(r, &out, "status", NULL), 0);
    assert_non_null(strstr(out, "counts (no calibration for this mat)"));
    free(out);

    /* the mat's calibration appears (rollmat calibrate --mat-dir would
     * write it): the next recording gets it, no restart needed */
    rmat_test_source_path(src, sizeof src, "firmware/boards/sim/virtual-mat.cal");
    snprintf(cal, sizeof cal, "%s/mat-1.cal", mats);
    copy_file(src, cal);
    assert_int_equal(rollmat(r, &out, "record", "start", "--subject", "P07", NULL), 0);
    out[strcspn(out, "\n")] = '\0';
    snprintf(path, sizeof path, "%s", out);
    free(out);
    snprintf(want, sizeof want, "calibration 'virtual-mat' (divider curve) from %s", cal);
    wait_log(r, want, 1, 5000);
    snprintf(want, sizeof want, "recording %s (id ", path);
    wait_log(r, want, 1, 5000);

    /* status: the force through the calibration, as the analysis counts it
     * (the built-in scene rolls with 250 N) */
    out = wait_status(r, "force_n=", 5000);
    assert_non_null(strstr(out, " calibration=virtual-mat"));
    force = atof(strstr(out, "force_n=") + 8);
    free(out);
    print_message("status: force_n=%.1f N (the scene's roller: 250 N)\n", force);
    assert_true(force > 200 && force < 300);
    assert_int_equal(rollmat(r, &out, "status", NULL), 0);
    assert_non_null(strstr(out, "load:       "));
    assert_non_null(strstr(out, " N\n"));
    assert_null(strstr(out, "counts"));
    free(out);
    sleep_ms(1000);
    assert_int_equal(rollmat(r, &out, "record", "stop", NULL), 0);
    free(out);

    /* the recording carries it, and its identity */
    assert_int_equal(rmat_reader_open(path, &rd, &ei), RMAT_OK);
    assert_int_equal(rmat_reader_info(rd)->format_version, 2);
    assert_true(strlen(rmat_reader_info(rd)->recording_id) == 36);
    assert_int_equal(rmat_reader_calib(rd, &c, &ei), RMAT_OK);
    assert_non_null(c);
    assert_string_equal(c->name, "virtual-mat");
    assert_int_equal(c->curve, RMAT_CURVE_DIVIDER);
    rmat_calib_free(c);
    rmat_reader_close(rd);
}

/* --calibration FILE whose gains are for another grid: an error at
 * connect, in the log and in status, and recordings refused (their
 * numbers would be wrong), the daemon alive. */
static void test_daemon_calibration_of_another_grid(void **state)
{
    struct rig *r = *state;
    char cal[700], *out;
    FILE *f;

    snprintf(cal, sizeof cal, "%s/small.cal", r->dir);
    f = fopen(cal, "w");
    assert_non_null(f);
    fputs("rollmat-calibration 1\nname small\ncurve linear\nkpa_per_count 0.1\ngains 2 2\n"
          "1 1\n1 1\n",
          f);
    assert_int_equal(fclose(f), 0);
    r->daemon_more[0] = "--calibration";
    r->daemon_more[1] = cal;
    r->sim = start_sim(r);
    r->daemon = start_daemon(r, 0);
    wait_log(r, "error: the mat's calibration cannot be used: ", 1, 15000);
    assert_true(rmat_test_count_text(r->log, "2x2") >= 1);
    assert_true(rmat_test_count_text(r->log, "32x32") >= 1);
    out = wait_status(r, "connected=1", 15000);
    assert_non_null(strstr(out, "calibration=error"));
    assert_non_null(strstr(out, "last_error=\"the mat's calibration cannot be used"));
    free(out);
    assert_int_equal(rollmat(r, &out, "record", "start", "--subject", "P08", NULL), 1);
    assert_non_null(strstr(out, "record start: error: the mat's calibration cannot be used"));
    free(out);
    free(wait_status(r, "recording=0", 2000));
}

/* Finding 5: a mat that ends its stream (the scene is over: STATUS
 * streaming=0) is the mat leaving: a disconnect event saying so, no gap
 * made up, tries again after 1, 2, 4, 8, 16 s, then every 30 s, and over
 * the whole run (more than 60 s) one log line for the loss and one for the
 * return, whatever the number of tries. */
static void test_daemon_mat_leaves_one_line_each_backoff(void **state)
{
    struct rig *r = *state;
    char *out, path[4096], text[200];
    double away = 0;
    struct timespec t0, t1;

    r->sim_more[0] = "--duration";
    r->sim_more[1] = "6";
    r->daemon_more[0] = "--verbose"; /* each try, as a debug line, to count them */
    r->daemon_more[1] = "--reconnect-wait";
    r->daemon_more[2] = "300";
    clock_gettime(CLOCK_MONOTONIC, &t0);
    r->sim = start_sim(r);
    r->daemon = start_daemon(r, 0);
    free(wait_status(r, "connected=1", 15000));
    assert_int_equal(rollmat(r, &out, "record", "start", "--subject", "P09", NULL), 0);
    out[strcspn(out, "\n")] = '\0';
    snprintf(path, sizeof path, "%s", out);
    free(out);

    /* the scene ends: one line for the loss */
    wait_log(r, "mat lost: the mat stopped streaming (its STATUS says streaming=0)", 1, 20000);
    /* five tries that find the mat not streaming (1 + 2 + 4 + 8 + 16 s):
     * debug lines, not warnings */
    wait_log(r, "mat still away: ", 5, 60000);
    assert_int_equal(rmat_test_count_text(r->log, "(next try in 2 s)"), 1);
    assert_int_equal(rmat_test_count_text(r->log, "(next try in 16 s)"), 1);
    assert_int_equal(rmat_test_count_text(r->log, "(next try in 30 s)"), 1); /* the cap */
    free(wait_status(r, "away=1", 2000));
    /* a fresh mat on the same port: back at the next try, 30 s on */
    kill(r->sim, SIGTERM);
    assert_int_equal(rmat_test_wait(r->sim, 10000), 0);
    r->sim_more[0] = NULL;
    r->sim = start_sim(r);
    wait_log(r, "mat back after ", 1, 45000);
    free(wait_status(r, "away=0", 5000));
    assert_int_equal(rollmat(r, &out, "record", "stop", NULL), 0);
    assert_non_null(strstr(out, " lost=0"));
    free(out);
    clock_gettime(CLOCK_MONOTONIC, &t1);

    /* the whole run's log: one line each way */
    assert_int_equal(rmat_test_count_text(r->log, "mat lost"), 1);
    assert_int_equal(rmat_test_count_text(r->log, "mat back"), 1);
    assert_int_equal(rmat_test_count_text(r->log, "mat still away"), 5);
    assert_int_equal(rmat_test_count_text(r->log, "connected on"), 1);
    /* the recording: the mat left, and why; back; no gap made up */
    assert_int_equal(count_events(path, "disconnect", NULL, text, sizeof text), 1);
    assert_non_null(strstr(text, "stopped streaming"));
    assert_int_equal(count_events(path, "reconnect", &away, NULL, 0), 1);
    assert_int_equal(count_events(path, "gap", NULL, NULL, 0), 0);
    print_message("a %.0f s run: the mat away %.1f s, 5 tries unanswered, 2 log lines for it\n",
                  (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9, away);
    assert_true(away >= 31.0 && away < 75.0);
}

/* Findings 7 and 2: mark, pain and note say what they stored and when;
 * pain is a whole number; a start needs a subject (subject=anonymous is
 * the explicit way); started_utc dates a session entered later, and names
 * its file, and must be a real date and time. */
static void test_daemon_control_confirms_and_refuses(void **state)
{
    struct rig *r = *state;
    char *out, path[4096];
    struct rmat_reader *rd = NULL;
    struct rmat_errinfo ei;
    double v = 0;

    r->sim = start_sim(r);
    r->daemon = start_daemon(r, 0);
    free(wait_status(r, "connected=1", 15000));
    raw(r, "start region=calf\n", 0,
        "error start needs subject=CODE (the patient's code), or subject=anonymous");
    raw(r, "start subject=\n", 0, "error start needs subject=");
    raw(r, "start subject=P1 started_utc=yesterday\n", 0,
        "error started_utc: 'yesterday' is not a date and time such as 2026-03-02T09:30:00Z");
    raw(r, "start subject=P1 started_utc=2026-02-30T09:30:00Z\n", 0, "error started_utc:");
    raw(r, "start subject=P1 started_utc=2099-01-01T00:00:00Z\n", 0,
        "error started_utc 2099-01-01T00:00:00Z is in the future");
    /* the command line says it before asking the daemon */
    assert_int_equal(rollmat(r, &out, "record", "start", "--subject", "P1", "--started-utc",
                             "last tuesday", NULL),
                     2);
    assert_non_null(strstr(out, "--started-utc 'last tuesday' is not a date and time"));
    free(out);
    free(wait_status(r, "recording=0", 1000));

    /* a past session, its time given in another zone: stored in UTC, the
     * file named after it */
    assert_int_equal(rollmat(r, &out, "record", "start", "--subject", "P1", "--region", "calf",
                             "--started-utc", "2026-03-02T10:30:00+01:00", NULL),
                     0);
    out[strcspn(out, "\n")] = '\0';
    snprintf(path, sizeof path, "%s", out);
    free(out);
    assert_non_null(strstr(path, "/P1_calf_none_20260302-093000.h5"));
    raw(r, "mark \"knot, mid calf\"\n", 0, "ok mark at 00:0");
    raw(r, "mark \"knot, mid calf\"\n", 0, " \"knot, mid calf\"");
    raw(r, "note patient reports cramp\n", 0, " \"patient reports cramp\"");
    raw(r, "pain 6\n", 0, "ok pain 6 at 00:0");
    raw(r, "pain 4 after the second pass\n", 0, "\"after the second pass\"");
    raw(r, "pain 5.5\n", 0, "error pain wants a rating from 0 to 10, a whole number (got '5.5')");
    raw(r, "pain 6.0\n", 0, "a whole number");
    raw(r, "pain 1e1\n", 0, "a whole number");
    assert_int_equal(rollmat(r, &out, "mark", "--pain", "5.5", NULL), 2);
    assert_non_null(strstr(out, "--pain wants a whole number from 0 to 10, got '5.5'"));
    free(out);
    assert_int_equal(rollmat(r, &out, "record", "stop", NULL), 0);
    free(out);

    assert_int_equal(rmat_reader_open(path, &rd, &ei), RMAT_OK);
    assert_string_equal(rmat_reader_info(rd)->meta.started_utc, "2026-03-02T09:30:00Z");
    assert_string_equal(rmat_reader_info(rd)->meta.subject, "P1");
    rmat_reader_close(rd);
    assert_int_equal(count_events(path, "mark", NULL, NULL, 0), 2);
    assert_int_equal(count_events(path, "pain", &v, NULL, 0), 2);
    assert_true(v == 6);
    assert_int_equal(count_events(path, "note", NULL, NULL, 0), 1);

    /* subject=anonymous is the explicit way */
    raw(r, "start subject=anonymous\n", 0, "/anonymous_body_none_");
    raw(r, "stop\n", 0, "ok ");
}

/* Finding 7: what would fail the first recording fails the start, before
 * a patient is on the mat: a recordings folder that is a file, a socket
 * in a folder that does not exist, a socket path that is some other file,
 * a socket a live daemon holds. No mat is needed for any of it. */
static int run_daemon(struct rig *r, const char *recdir, const char *sock, char **out)
{
    char log[700];
    char *argv[] = {(char *)RMAT_DAEMON_EXE,
                    (char *)"--device",
                    (char *)"tcp://127.0.0.1:1",
                    (char *)"--dir",
                    (char *)recdir,
                    (char *)"--socket",
                    (char *)sock,
                    NULL};
    int rc;

    snprintf(log, sizeof log, "%s/start.out", r->dir);
    rc = rmat_test_run(argv, log, 10000);
    *out = rmat_test_slurp(log, NULL);
    assert_non_null(*out);
    return rc;
}

static void test_daemon_start_checks(void **state)
{
    struct rig *r = *state;
    char notes[700], sock[700], *out, *text;
    FILE *f;

    snprintf(notes, sizeof notes, "%s/notes.txt", r->dir);
    f = fopen(notes, "w");
    assert_non_null(f);
    fputs("session notes", f);
    assert_int_equal(fclose(f), 0);

    assert_int_equal(run_daemon(r, notes, r->sock, &out), 1);
    assert_non_null(strstr(out, "rollmatd: error: the recordings folder "));
    assert_non_null(strstr(out, "notes.txt is a file, not a folder"));
    free(out);
    assert_int_equal(access(r->sock, F_OK), -1); /* it never listened */

    snprintf(sock, sizeof sock, "%s/no/such/folder/ctl.sock", r->dir);
    assert_int_equal(run_daemon(r, r->recdir, sock, &out), 1);
    assert_non_null(strstr(out, "the control socket's folder"));
    assert_non_null(strstr(out, "does not exist"));
    free(out);

    assert_int_equal(run_daemon(r, r->recdir, notes, &out), 1);
    assert_non_null(strstr(out, "notes.txt exists and is not a socket"));
    free(out);
    text = rmat_test_slurp(notes, NULL);
    assert_string_equal(text, "session notes"); /* untouched */
    free(text);

    /* a live daemon holds the socket: the second one says so */
    r->daemon = start_daemon(r, 0);
    assert_int_equal(run_daemon(r, r->recdir, r->sock, &out), 1);
    assert_non_null(strstr(out, "another rollmatd already listens on"));
    free(out);
    free(wait_status(r, "recording=0", 2000)); /* the first one is unharmed */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_daemon_record_mark_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_daemon_malformed_commands, setup, teardown),
        cmocka_unit_test_setup_teardown(test_daemon_control_socket_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_daemon_mat_drops_off_and_returns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_daemon_full_disk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_daemon_noisy_link_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_daemon_mat_leaves_one_line_each_backoff, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_daemon_calibration_per_mat_and_status_in_newtons,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_daemon_calibration_of_another_grid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_daemon_control_confirms_and_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_daemon_start_checks, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
