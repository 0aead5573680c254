/* rollmatd as a clinic uses it: recordings started, marked and stopped
 * through `rollmat`, a second recording refused, malformed commands
 * answered with an error and never a crash, a mat that drops off for 3 s
 * and comes back (one file, a reconnect event, the gap counted, frames
 * before and after intact), and a full disk (a file-size limit): the
 * recording stops, stays readable, the error is reported, the daemon lives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <netinet/in.h>
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
#include "rollmat/reader.h"

struct rig {
    char dir[512], sock[600], recdir[600], listen[64];
    char sim_extra[32], sim_val[32]; /* one more option for the mat, if any */
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
    char *argv[] = {(char *)RMAT_SIM_EXE,
                    (char *)"--listen",
                    r->listen,
                    r->sim_extra[0] ? r->sim_extra : NULL,
                    r->sim_extra[0] ? r->sim_val : NULL,
                    NULL};
    pid_t pid = rmat_test_spawn(argv, NULL);
    assert_true(pid > 0);
    return pid;
}

/* Starts rollmatd; with fsize_limit > 0 under that file-size limit. */
static pid_t start_daemon(struct rig *r, long fsize_limit)
{
    char url[80], log[700];
    pid_t pid;

    snprintf(url, sizeof url, "tcp://%s", r->listen);
    snprintf(log, sizeof log, "%s/daemon.log", r->dir);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char *argv[] = {(char *)RMAT_DAEMON_EXE,
                        (char *)"--device",
                        url,
                        (char *)"--socket",
                        r->sock,
                        (char *)"--dir",
                        r->recdir,
                        (char *)"--reconnect-wait",
                        (char *)"20",
                        NULL};
        FILE *f = freopen(log, "w", stderr);
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

    assert_int_equal(rollmat(r, &out, "mark", "tender spot", NULL), 0);
    free(out);
    assert_int_equal(rollmat(r, &out, "mark", "--pain", "6", NULL), 0);
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
    free(wait_status(r, "away=0", 10000));
    sleep_ms(2000);
    assert_int_equal(rollmat(r, &out, "record", "stop", NULL), 0);
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
    assert_true(away >= 3.0 && away < 8.0);
    assert_int_equal(count_events(path, "gap", &gap, NULL, 0), 1);
    /* the gap is counted: about the frames of the time away at 100 Hz */
    assert_true(gap >= 300 && gap <= 800);
    print_message("away %.1f s, gap %.0f frames, %llu frames recorded\n", away, gap,
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_daemon_record_mark_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_daemon_malformed_commands, setup, teardown),
        cmocka_unit_test_setup_teardown(test_daemon_mat_drops_off_and_returns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_daemon_full_disk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_daemon_noisy_link_counted, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
