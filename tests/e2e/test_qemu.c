/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The real firmware image on an emulated board: rollmat-stm32f405.elf, the
 * device core cross-compiled with the STM32F405 board's startup, clocks,
 * TIM2 microsecond clock, GPIO, ADC and USART1, runs under qemu-system-arm -M
 * netduinoplus2, whose first serial port (USART1) is a TCP server here.
 *
 * The first test speaks the wire protocol directly: the power-up INFO and
 * GET_INFO's fields against board_config.h, every command's ACK status
 * (refused STARTs and SET_MODEs included), PONG and the device clock's
 * rate, sparse and dense test-pattern streams checked sensel by sensel, a
 * sensor-mode stream through the ADC path, STOP, STATUS and a garbage
 * packet counted in rx_errors. The second records three seconds of the
 * test pattern with `rollmat record` and checks every frame of the file
 * against rmat_dev_test_pattern(): that is the whole chain from the
 * firmware's queue through QEMU's USART, TCP, the recorder and HDF5.
 *
 * QEMU's USART costs a host system call per byte, so dense frames at
 * 100 Hz take most of a host core and fall behind on a loaded machine
 * (they arrive late, never lost); the recording therefore lets the board
 * pick sparse frames, as `rollmat record` does by default, and the dense
 * path is checked over a short stream.
 *
 * Skips (saying what to install) without qemu-system-arm or the image. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "board_config.h"
#include "rmat_test.h"
#include "rollmat/decoder.h"
#include "rollmat/device.h"
#include "rollmat/reader.h"
#include "rollmat/transport.h"
#include "rollmat/wire.h"

#define ROWS      RMAT_BOARD_ROWS
#define COLS      RMAT_BOARD_COLS
#define SENSELS   (ROWS * COLS)
#define RATE_HZ   RMAT_BOARD_MAX_RATE_HZ
#define PERIOD_US (1000000u / RATE_HZ)

struct link;

struct qemu {
    const char *skip_why; /* non-NULL: nothing was started, tests skip */
    struct link *link;    /* the first test's connection, closed in teardown too */
    char qemu_exe[1024];
    char dir[512];
    char log[700];
    pid_t pid;
    int port;
};

/* --- QEMU ---------------------------------------------------------------- */

static int find_in_path(const char *name, char *out, size_t cap)
{
    const char *path = getenv("PATH");
    char buf[4096];
    char *save = NULL;

    if (!path)
        return -1;
    snprintf(buf, sizeof buf, "%s", path);
    for (char *dir = strtok_r(buf, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        snprintf(out, cap, "%s/%s", dir, name);
        if (access(out, X_OK) == 0)
            return 0;
    }
    return -1;
}

/* A port nobody listens on now. QEMU binds it a moment later; if another
 * process took it in between, QEMU exits and start_qemu tries another. */
static int free_port(void)
{
    struct sockaddr_in a = {0};
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

    if (fd < 0)
        return -1;
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

/* Starts QEMU; it dies with this process (PR_SET_PDEATHSIG), so even a
 * test killed by ctest's timeout leaves no emulator behind. */
static pid_t spawn_qemu(struct qemu *q)
{
    char serial[128];
    char *argv[16];
    int i = 0;
    pid_t pid;
    const pid_t parent = getpid();

    /* server=on: QEMU listens; wait=on: the guest does not start before
     * the first client connects, so the power-up INFO reaches it. */
    snprintf(serial, sizeof serial, "tcp:127.0.0.1:%d,server=on,wait=on", q->port);
    argv[i++] = q->qemu_exe;
    argv[i++] = (char *)"-M";
    argv[i++] = (char *)"netduinoplus2";
    argv[i++] = (char *)"-nographic";
    argv[i++] = (char *)"-monitor";
    argv[i++] = (char *)"none";
    argv[i++] = (char *)"-serial";
    argv[i++] = serial;
    argv[i++] = (char *)"-kernel";
    argv[i++] = (char *)RMAT_FW_ELF;
    argv[i] = NULL;

    pid = fork();
    if (pid != 0)
        return pid;
    /* If the test died between fork and prctl, nobody would kill QEMU. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
        _exit(125);
    {
        int in = open("/dev/null", O_RDONLY);
        int out = open(q->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (in < 0 || out < 0)
            _exit(126);
        dup2(in, 0);
        dup2(out, 1);
        dup2(out, 2);
    }
    execv(argv[0], argv);
    _exit(127);
}

static void print_log(const struct qemu *q)
{
    char *text = rmat_test_slurp(q->log, NULL);

    print_message("QEMU's output (%s):\n%s\n", q->log, text ? text : "(none)");
    free(text);
}

static int alive(pid_t pid)
{
    int status;
    return waitpid(pid, &status, WNOHANG) == 0;
}

static int group_setup(void **state)
{
    static struct qemu q;
    struct stat st;

    memset(&q, 0, sizeof q);
    q.pid = -1;
    *state = &q;
    if (RMAT_FW_ELF[0] == '\0' || stat(RMAT_FW_ELF, &st) != 0) {
        q.skip_why = "the firmware image was not built (RMAT_FIRMWARE=OFF, or no cross-compiler: "
                     "apt-get install gcc-arm-none-eabi, as scripts/setup does, then re-run cmake)";
        return 0;
    }
    if (find_in_path("qemu-system-arm", q.qemu_exe, sizeof q.qemu_exe) != 0) {
        q.skip_why = "qemu-system-arm is not installed: apt-get install qemu-system-arm "
                     "(scripts/setup does)";
        return 0;
    }
    if (rmat_test_tmpdir("qemu", q.dir, sizeof q.dir) != 0)
        return -1;
    snprintf(q.log, sizeof q.log, "%s/qemu.log", q.dir);
    return 0;
}

static void link_close(struct qemu *q);

static int group_teardown(void **state)
{
    struct qemu *q = *state;

    link_close(q);
    if (q->pid > 0) {
        kill(q->pid, SIGTERM);
        if (rmat_test_wait(q->pid, 5000) < 0)
            print_message("QEMU did not exit on SIGTERM; killed\n");
        q->pid = -1;
    }
    return 0;
}

/* Starts QEMU if it is not running and connects to its serial port. */
static struct rmat_transport *connect_board(struct qemu *q)
{
    char url[64];
    struct rmat_transport *t = NULL;
    struct rmat_errinfo ei;

    for (int attempt = 0; attempt < 3 && !t; attempt++) {
        if (q->pid <= 0) {
            q->port = free_port();
            assert_true(q->port > 0);
            q->pid = spawn_qemu(q);
            assert_true(q->pid > 0);
        }
        snprintf(url, sizeof url, "tcp://127.0.0.1:%d", q->port);
        /* QEMU listens within a second or so; 10 s for a loaded machine. */
        for (int waited = 0; waited < 10000 && alive(q->pid); waited += 50) {
            if (rmat_transport_open(url, 0, &t, &ei) == RMAT_OK)
                break;
            t = NULL;
            usleep(50 * 1000);
        }
        if (!t && !alive(q->pid)) {
            print_message("QEMU exited (port %d taken?); retrying\n", q->port);
            print_log(q);
            q->pid = -1;
        }
    }
    if (!t)
        print_log(q);
    assert_non_null(t);
    return t;
}

/* --- the link, packet by packet ---------------------------------------------- */

struct link {
    struct rmat_transport *t;
    struct rmat_decoder dec;
    uint8_t decbuf[RMAT_WIRE_MAX_PACKET];
    uint8_t in[8192];
    size_t in_pos, in_len;
    uint32_t frames_skipped; /* frames passed over while waiting for something else */
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Closes the first test's connection, if it is still open (it is after a
 * failed assertion), so QEMU serves the next client. */
static void link_close(struct qemu *q)
{
    if (q->link) {
        rmat_transport_close(q->link->t);
        free(q->link);
        q->link = NULL;
    }
}

/* The next good packet within timeout_ms: its type (and *pkt, *len), or 0. */
static int next_pkt(struct link *l, int timeout_ms, const uint8_t **pkt, size_t *len)
{
    const int64_t until = now_ms() + timeout_ms;

    for (;;) {
        struct rmat_errinfo ei;
        int n;

        while (l->in_pos < l->in_len) {
            size_t used = 0;
            int got = rmat_decoder_feed(&l->dec, l->in + l->in_pos, l->in_len - l->in_pos, &used,
                                        pkt, len);
            l->in_pos += used;
            if (got == 1)
                return (*pkt)[0];
        }
        if (now_ms() >= until)
            return 0;
        n = rmat_transport_read(l->t, l->in, sizeof l->in, (int)(until - now_ms()), &ei);
        assert_true(n >= 0);
        l->in_pos = 0;
        l->in_len = (size_t)n;
    }
}

/* The next packet of type want (others are passed over, frames counted). */
static void expect_pkt(struct link *l, int want, int timeout_ms, const uint8_t **pkt, size_t *len)
{
    const int64_t until = now_ms() + timeout_ms;

    for (;;) {
        const int left = (int)(until - now_ms());
        const int type = next_pkt(l, left > 0 ? left : 0, pkt, len);
        if (type == want)
            return;
        if (type == 0)
            fail_msg("no %s from the board within %d ms", rmat_pkt_name((uint8_t)want), timeout_ms);
        if (type == RMAT_PKT_FRAME)
            l->frames_skipped++;
    }
}

static void send_cmd(struct link *l, const struct rmat_cmd *cmd)
{
    uint8_t raw[64], wire[80];
    struct rmat_errinfo ei;
    int n = rmat_wire_build_cmd(raw, sizeof raw, cmd);

    assert_true(n > 0);
    n = rmat_wire_encode(raw, (size_t)n, wire, sizeof wire);
    assert_true(n > 0);
    assert_int_equal(rmat_transport_write(l->t, wire, (size_t)n, 2000, &ei), RMAT_OK);
}

/* Sends cmd and returns the status of its ACK (matched by token). */
static int command(struct link *l, uint8_t type, uint32_t token, uint16_t rate_hz, uint8_t encoding,
                   uint8_t mode)
{
    const struct rmat_cmd cmd = {
        .type = type, .token = token, .rate_hz = rate_hz, .encoding = encoding, .mode = mode};
    const uint8_t *pkt;
    size_t len;
    struct rmat_ack ack;

    send_cmd(l, &cmd);
    for (;;) {
        expect_pkt(l, RMAT_PKT_ACK, 3000, &pkt, &len);
        assert_int_equal(rmat_wire_parse_ack(pkt, len, &ack), RMAT_OK);
        if (ack.token == token)
            break;
    }
    assert_int_equal(ack.cmd, type);
    return ack.status;
}

static void check_info(const uint8_t *pkt, size_t len)
{
    struct rmat_info info;

    assert_int_equal(rmat_wire_parse_info(pkt, len, &info), RMAT_OK);
    assert_int_equal(info.rows, ROWS);
    assert_int_equal(info.cols, COLS);
    assert_int_equal(info.adc_bits, RMAT_BOARD_ADC_BITS);
    assert_int_equal(info.encodings, (1u << RMAT_ENC_DENSE) | (1u << RMAT_ENC_SPARSE));
    assert_int_equal(info.pitch_x_um, RMAT_BOARD_PITCH_UM);
    assert_int_equal(info.pitch_y_um, RMAT_BOARD_PITCH_UM);
    assert_int_equal(info.max_rate_hz, RMAT_BOARD_MAX_RATE_HZ);
    assert_int_equal(info.rate_hz, RMAT_BOARD_DEFAULT_RATE_HZ);
    assert_int_equal(info.serial, RMAT_BOARD_SERIAL);
    assert_string_equal(info.fw_version, RMAT_BOARD_FW_VERSION);
    assert_string_equal(info.model, RMAT_BOARD_MODEL);
}

static uint64_t ping(struct link *l, uint32_t token)
{
    const uint8_t *pkt;
    size_t len;
    struct rmat_pong pong;

    assert_int_equal(command(l, RMAT_PKT_PING, token, 0, 0, 0), RMAT_ACK_OK);
    expect_pkt(l, RMAT_PKT_PONG, 3000, &pkt, &len);
    assert_int_equal(rmat_wire_parse_pong(pkt, len, &pong), RMAT_OK);
    assert_int_equal(pong.token, token);
    return pong.t_us;
}

static void get_status(struct link *l, uint32_t token, struct rmat_status *st)
{
    const uint8_t *pkt;
    size_t len;

    assert_int_equal(command(l, RMAT_PKT_GET_STATUS, token, 0, 0, 0), RMAT_ACK_OK);
    expect_pkt(l, RMAT_PKT_STATUS, 3000, &pkt, &len);
    assert_int_equal(rmat_wire_parse_status(pkt, len, st), RMAT_OK);
}

/* Receives n frames, the first with seq 0: consecutive seq, device times
 * one period apart, grid and encoding as expected. Test-pattern frames
 * (pattern != 0) must equal the pattern sensel by sensel; sensor frames
 * must be 12-bit counts. */
static void check_frames(struct link *l, unsigned n, uint8_t want_encoding, int pattern)
{
    uint16_t *got = malloc(SENSELS * sizeof *got), *want = malloc(SENSELS * sizeof *want);
    uint64_t t_prev = 0;
    unsigned resyncs = 0;

    assert_non_null(got);
    assert_non_null(want);
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *pkt;
        size_t len;
        struct rmat_frame_hdr hdr;

        expect_pkt(l, RMAT_PKT_FRAME, 3000, &pkt, &len);
        assert_int_equal(rmat_wire_parse_frame(pkt, len, &hdr, got, SENSELS), RMAT_OK);
        assert_int_equal(hdr.seq, i);
        assert_int_equal(hdr.rows, ROWS);
        assert_int_equal(hdr.cols, COLS);
        assert_int_equal(hdr.encoding, want_encoding);
        /* Due times come from the frame count (device.c): one period
         * apart, unless the guest was held up for over a second and the
         * core resumed from then. */
        if (i > 0 && hdr.t_us != t_prev + PERIOD_US) {
            assert_true(hdr.t_us > t_prev + PERIOD_US);
            resyncs++;
        }
        t_prev = hdr.t_us;
        if (pattern) {
            rmat_dev_test_pattern(want, ROWS, COLS, RMAT_BOARD_ADC_BITS, hdr.seq);
            assert_memory_equal(got, want, SENSELS * sizeof *got);
        } else {
            for (unsigned k = 0; k < SENSELS; k++)
                assert_true(got[k] < (1u << RMAT_BOARD_ADC_BITS));
        }
    }
    assert_true(resyncs <= 1);
    free(got);
    free(want);
}

/* --- tests ------------------------------------------------------------------- */

static void test_qemu_commands_and_streams(void **state)
{
    struct qemu *q = *state;
    struct link *l;
    const uint8_t *pkt;
    size_t len;
    struct rmat_status st;
    uint64_t t1, t2;
    int64_t host1, host2;
    const uint8_t garbage[] = {0x05, 0x81, 0x01, 0x77, 0x42, 0x00}; /* bad CRC */
    struct rmat_errinfo ei;

    if (q->skip_why) {
        print_message("skipped: %s\n", q->skip_why);
        skip();
    }
    l = q->link = calloc(1, sizeof *l);
    assert_non_null(l);
    rmat_decoder_init(&l->dec, l->decbuf, sizeof l->decbuf, RMAT_WIRE_TO_HOST);
    l->t = connect_board(q);

    /* Power-up: INFO first, unasked. */
    assert_int_equal(next_pkt(l, 5000, &pkt, &len), RMAT_PKT_INFO);
    check_info(pkt, len);

    assert_int_equal(command(l, RMAT_PKT_GET_INFO, 1, 0, 0, 0), RMAT_ACK_OK);
    expect_pkt(l, RMAT_PKT_INFO, 3000, &pkt, &len);
    check_info(pkt, len);

    /* PONG, and the device clock runs at real time (QEMU's virtual clock
     * follows the host's): TIM2's prescaler is right for the clock QEMU
     * counts it with. Over 1 s, 5% leaves room for the two PINGs'
     * latencies on a loaded machine (0.1..0.8% measured). */
    host1 = now_ms();
    t1 = ping(l, 0xC0FFEE01u);
    usleep(1000 * 1000);
    host2 = now_ms();
    t2 = ping(l, 0xC0FFEE02u);
    assert_true(t2 > t1);
    print_message("device clock: %.3f s over %.3f s of host time\n", (double)(t2 - t1) * 1e-6,
                  (double)(host2 - host1) * 1e-3);
    assert_true((double)(t2 - t1) >= 0.95e3 * (double)(host2 - host1) &&
                (double)(t2 - t1) <= 1.05e3 * (double)(host2 - host1));

    /* Refusals change nothing. */
    assert_int_equal(command(l, RMAT_PKT_START, 2, RATE_HZ + 1, 0, 0), RMAT_ACK_BAD_ARG);
    assert_int_equal(command(l, RMAT_PKT_START, 3, 0, 0, 0), RMAT_ACK_BAD_ARG);
    assert_int_equal(command(l, RMAT_PKT_START, 4, RATE_HZ, 2, 0), RMAT_ACK_UNSUPPORTED);
    assert_int_equal(command(l, RMAT_PKT_SET_MODE, 5, 0, 0, 2), RMAT_ACK_BAD_ARG);
    assert_int_equal(next_pkt(l, 200, &pkt, &len), 0); /* and nothing streams */

    /* Test pattern, sparse allowed: a three-row band is far smaller
     * sparse, so every frame must come sparse and expand to the pattern. */
    assert_int_equal(command(l, RMAT_PKT_SET_MODE, 6, 0, 0, RMAT_MODE_TEST_PATTERN), RMAT_ACK_OK);
    assert_int_equal(command(l, RMAT_PKT_START, 7, RATE_HZ, RMAT_ENC_SPARSE, 0), RMAT_ACK_OK);
    check_frames(l, 60, RMAT_ENC_SPARSE, 1);

    /* Dense only, restarted while streaming: seq from 0 again after the
     * ACK, and full 2080-byte packets through the link. */
    assert_int_equal(command(l, RMAT_PKT_START, 20, RATE_HZ, RMAT_ENC_DENSE, 0), RMAT_ACK_OK);
    check_frames(l, 30, RMAT_ENC_DENSE, 1);

    /* Sensors: the scan path (row decoders, column multiplexer, ADC with
     * its bounded waits) runs for every frame. */
    assert_int_equal(command(l, RMAT_PKT_SET_MODE, 8, 0, 0, RMAT_MODE_SENSORS), RMAT_ACK_OK);
    assert_int_equal(command(l, RMAT_PKT_START, 9, RATE_HZ, RMAT_ENC_DENSE, 0), RMAT_ACK_OK);
    check_frames(l, 30, RMAT_ENC_DENSE, 0);

    /* STOP: frames queued before it come before its ACK, none after. */
    assert_int_equal(command(l, RMAT_PKT_STOP, 10, 0, 0, 0), RMAT_ACK_OK);
    for (int type; (type = next_pkt(l, 300, &pkt, &len)) != 0;)
        assert_int_not_equal(type, RMAT_PKT_FRAME);

    /* A damaged packet is dropped and counted, and the link goes on. */
    assert_int_equal(rmat_transport_write(l->t, garbage, sizeof garbage, 2000, &ei), RMAT_OK);
    get_status(l, 11, &st);
    assert_int_equal(st.streaming, 0);
    assert_int_equal(st.mode, RMAT_MODE_SENSORS);
    assert_int_equal(st.rate_hz, RATE_HZ);
    assert_int_equal(st.frames_dropped, 0);
    assert_int_equal(st.rx_errors, 1);
    assert_true(st.frames_sent >= 120);
    assert_true(st.t_us > t2);

    link_close(q);
}

static void test_qemu_record_test_pattern(void **state)
{
    struct qemu *q = *state;
    struct rmat_transport *t;
    char url[64], rec[700], out[700];
    char *argv[16];
    struct rmat_reader *r = NULL;
    struct rmat_errinfo ei;
    const struct rmat_recording_info *info;
    uint16_t *raw, *want;
    uint32_t *seq;
    uint64_t *t_us, n;
    unsigned resyncs = 0;
    int rc;

    if (q->skip_why) {
        print_message("skipped: %s\n", q->skip_why);
        skip();
    }
    /* QEMU serves one client at a time and then listens again: the first
     * test's connection must be gone. Boots QEMU if that test did not. */
    link_close(q);
    if (q->pid <= 0) {
        t = connect_board(q);
        rmat_transport_close(t);
    }

    snprintf(url, sizeof url, "tcp://127.0.0.1:%d", q->port);
    snprintf(rec, sizeof rec, "%s/pattern.h5", q->dir);
    snprintf(out, sizeof out, "%s/record.out", q->dir);
    unlink(rec);
    argv[0] = (char *)RMAT_CLI_EXE;
    argv[1] = (char *)"record";
    argv[2] = (char *)"--device";
    argv[3] = url;
    argv[4] = (char *)"--duration";
    argv[5] = (char *)"3";
    argv[6] = (char *)"-o";
    argv[7] = rec;
    argv[8] = (char *)"--test-pattern";
    argv[9] = NULL;
    rc = rmat_test_wait(rmat_test_spawn(argv, out), 30000);
    if (rc != 0) {
        char *text = rmat_test_slurp(out, NULL);
        print_message("rollmat record exited %d:\n%s\n", rc, text ? text : "");
        free(text);
        print_log(q);
    }
    assert_int_equal(rc, 0);

    assert_int_equal(rmat_reader_open(rec, &r, &ei), RMAT_OK);
    info = rmat_reader_info(r);
    assert_int_equal(info->dev.rows, ROWS);
    assert_int_equal(info->dev.cols, COLS);
    assert_int_equal(info->dev.adc_bits, RMAT_BOARD_ADC_BITS);
    assert_int_equal(info->dev.serial, RMAT_BOARD_SERIAL);
    assert_string_equal(info->dev.model, RMAT_BOARD_MODEL);
    assert_string_equal(info->dev.firmware_version, RMAT_BOARD_FW_VERSION);
    assert_true(fabs(info->dev.pitch_x_mm - RMAT_BOARD_PITCH_UM / 1000.0) < 1e-9);
    n = info->frames;
    print_message("%llu frames in 3 s at %d Hz\n", (unsigned long long)n, RATE_HZ);
    /* 300 at 100 Hz; room for a slow, sanitized, shared machine. */
    assert_true(n >= 150 && n <= 450);

    raw = malloc(n * SENSELS * sizeof *raw);
    want = malloc(SENSELS * sizeof *want);
    seq = malloc(n * sizeof *seq);
    t_us = malloc(n * sizeof *t_us);
    assert_true(raw && want && seq && t_us);
    assert_int_equal(rmat_reader_read(r, 0, n, raw, seq, t_us, NULL, &ei), RMAT_OK);
    for (uint64_t i = 0; i < n; i++) {
        assert_int_equal(seq[i], i); /* no gaps: nothing lost on the way */
        /* One period apart, but for a resync after a hold-up of over 1 s. */
        if (i > 0 && t_us[i] != t_us[i - 1] + PERIOD_US) {
            assert_true(t_us[i] > t_us[i - 1] + PERIOD_US);
            resyncs++;
        }
        rmat_dev_test_pattern(want, ROWS, COLS, RMAT_BOARD_ADC_BITS, seq[i]);
        assert_memory_equal(raw + i * SENSELS, want, SENSELS * sizeof *want);
    }
    assert_true(resyncs <= 1);
    free(raw);
    free(want);
    free(seq);
    free(t_us);
    rmat_reader_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qemu_commands_and_streams),
        cmocka_unit_test(test_qemu_record_test_pattern),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
