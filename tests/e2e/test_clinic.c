/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A clinic's weeks, end to end (issue 10's acceptance): rollmatd keeps the
 * virtual mat and finds the mat's calibration by its serial number; two
 * patients come on six dates over five weeks (sessions entered with
 * --started-utc), rolling tissue whose stiffness the virtual mat changes
 * week by week (P_SOFT softens, P_FLAT does not), with marks and pain
 * ratings during sessions; one session is cut by kill -9 of the daemon and
 * recovered from its journal; a third patient comes three times in one
 * morning; an uncalibrated control is recorded with `rollmat record` from a
 * mat without a calibration. Then `report` of some sessions (its analyses
 * lie beside the recordings), `batch` into another folder, and `trend` and
 * `report --subject` over the folder holding both.
 *
 * Truth from outside the code: the scenes' stiffness (a cylinder of radius
 * R in a Hertz line contact has compliance 12 R / (pi E*)), the sessions
 * the test made (each counted exactly once), the dates it gave. */
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rmat_test.h"
#include "rollmat/daemon.h"
#include "rollmat/reader.h"

#define WEEKS 6
#define SPEED "15"

struct clinic {
    char root[512], mats[600], recdir[600], sock[600], listen[64], out[600];
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

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* Runs rollmat with args (NULL-terminated) talking to the clinic's
 * daemon; returns the exit status, the output in *out (caller frees). */
static int rollmat(struct clinic *c, char **out, ...)
{
    char *argv[32], path[700];
    va_list ap;
    int n = 0, rc;

    argv[n++] = (char *)RMAT_CLI_EXE;
    va_start(ap, out);
    for (char *a; (a = va_arg(ap, char *)) != NULL && n < 29;)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    rmat_test_pathf(path, sizeof path, "%s/rollmat.out", c->root);
    rc = rmat_test_wait(rmat_test_spawn(argv, path), 240000);
    *out = rmat_test_slurp(path, NULL);
    assert_non_null(*out);
    if (rc != 0)
        print_message("rollmat %s: exit %d:\n%s\n", argv[1], rc, *out);
    return rc;
}

/* The daemon's status (its control socket, as `rollmat status --raw`
 * asks it), until it holds want: the daemon has no event to wait on from
 * outside, so it is polled, 50 times a second. */
static char *wait_status(struct clinic *c, const char *want, int timeout_ms)
{
    char reply[RMAT_CTL_LINE_MAX * 2] = "";
    struct rmat_errinfo ei;
    for (int t = 0; t <= timeout_ms; t += 20) {
        if (rmat_ctl_request(c->sock, "status", reply, sizeof reply, 5000, &ei) == RMAT_OK &&
            strstr(reply, want))
            return strdup(reply);
        sleep_ms(20);
    }
    fail_msg("status never showed '%s'; last:\n%s", want, reply);
    return NULL;
}

/* The frames of the running recording, from the daemon's status. */
static long status_frames(struct clinic *c)
{
    char *out = wait_status(c, "recording=1", 10000);
    const char *p = strstr(out, " frames=");
    long v = p ? atol(p + 8) : -1;
    free(out);
    return v;
}

static void wait_frames(struct clinic *c, long n)
{
    for (int i = 0; i < 3000 && status_frames(c) < n; i++)
        sleep_ms(10);
}

static void start_daemon(struct clinic *c)
{
    char url[80];
    char log[700];
    rmat_test_pathf(url, sizeof url, "tcp://%s", c->listen);
    rmat_test_pathf(log, sizeof log, "%s/daemon.log", c->root);
    c->daemon = fork();
    assert_true(c->daemon >= 0);
    if (c->daemon == 0) {
        char *argv[] = {(char *)RMAT_DAEMON_EXE,
                        (char *)"--device",
                        url,
                        (char *)"--socket",
                        c->sock,
                        (char *)"--dir",
                        c->recdir,
                        (char *)"--calibration-dir",
                        c->mats,
                        NULL};
        FILE *f = freopen(log, "a", stderr);
        (void)f;
        execv(argv[0], argv);
        _exit(127);
    }
    assert_int_equal(rmat_test_wait_file(c->sock, 10000), 0);
}

/* A short session's scene: 16 passes of 200 mm at 30 cycles a minute, a
 * 6 s hold, 8 more passes; tissue of stiffness estar_kpa that does not
 * soften within the session. Repeated (--loop): the daemon streams from
 * the moment it connects, the recording takes a stretch of it. */
static void start_sim(struct clinic *c, double estar_kpa, int seed, const char *serial)
{
    char scene[700], text[1024];
    rmat_test_pathf(scene, sizeof scene, "%s/scene-%d.scene", c->root, seed);
    rmat_test_pathf(text, sizeof text,
                    "mat rows=32 cols=32 pitch_mm=12.7 rate_hz=100 adc_bits=12\n"
                    "roller cylinder radius_mm=75 length_mm=150 axis_deg=0\n"
                    "tissue estar_kpa=%g soften_pct=0\n"
                    "force force_n=260\n"
                    "seed %d\n"
                    "roll passes=16 cadence_cpm=30 stroke_mm=200 force_n=250..270\n"
                    "hold duration_s=6 force_n=280\n"
                    "roll passes=8 cadence_cpm=30 stroke_mm=200 first=-\n",
                    estar_kpa, seed);
    write_file(scene, text);
    char *argv[] = {(char *)RMAT_SIM_EXE,
                    (char *)"--listen",
                    c->listen,
                    (char *)"--scene",
                    scene,
                    (char *)"--loop",
                    (char *)"--speed",
                    (char *)SPEED,
                    (char *)"--serial",
                    (char *)serial,
                    NULL};
    char out[700];
    rmat_test_pathf(out, sizeof out, "%s/sim-%d.out", c->root, seed);
    c->sim = rmat_test_spawn(argv, out);
    assert_true(c->sim > 0);
}

static void stop_sim(struct clinic *c)
{
    kill(c->sim, SIGTERM);
    assert_true(rmat_test_wait(c->sim, 20000) >= 0);
    c->sim = 0;
}

/* One session on the daemon: start (dated), a mark and a pain rating half
 * way, stop after about 20 s of scene time. Returns the recording's path
 * (caller frees) unless kill_daemon, where the daemon is killed with -9
 * half way instead and NULL is returned. */
static char *daemon_session(struct clinic *c, const char *subject, const char *date, int pain,
                            int kill_daemon, char *path_out, size_t cap)
{
    char *out, painbuf[8];
    free(wait_status(c, "connected=1", 20000));
    assert_int_equal(rollmat(c, &out, "record", "start", "--subject", subject, "--region", "calf",
                             "--side", "right", "--roller", "foam-firm", "--roller-diameter", "150",
                             "--mounting", "tissue", "--body-mass", "72", "--started-utc", date,
                             "--socket", c->sock, NULL),
                     0);
    out[strcspn(out, "\n")] = '\0';
    rmat_test_pathf(path_out, cap, "%s", out);
    free(out);
    wait_frames(c, 1000);
    if (kill_daemon) {
        kill(c->daemon, SIGKILL);
        assert_int_equal(rmat_test_wait(c->daemon, 10000), 128 + SIGKILL);
        return NULL;
    }
    assert_int_equal(rollmat(c, &out, "mark", "tender spot, mid calf", "--socket", c->sock, NULL),
                     0);
    assert_non_null(strstr(out, "mark at"));
    free(out);
    rmat_test_pathf(painbuf, sizeof painbuf, "%d", pain);
    assert_int_equal(rollmat(c, &out, "mark", "--pain", painbuf, "--socket", c->sock, NULL), 0);
    free(out);
    wait_frames(c, 2000);
    assert_int_equal(rollmat(c, &out, "record", "stop", "--socket", c->sock, NULL), 0);
    free(out);
    return strdup(path_out);
}

/* The number of lines of path holding needle. */
static int count_lines(const char *path, const char *needle)
{
    char *s = rmat_test_slurp(path, NULL);
    int n = 0;
    assert_non_null(s);
    for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n"))
        n += strstr(line, needle) != NULL;
    free(s);
    return n;
}

/* pdftotext of pdf, as a heap string. */
static char *pdf_text(const char *pdf, const char *root)
{
    char txt[900];
    rmat_test_pathf(txt, sizeof txt, "%s/pdf.txt", root);
    char *argv[] = {(char *)"/usr/bin/pdftotext", (char *)"-layout", (char *)pdf, txt, NULL};
    assert_int_equal(rmat_test_run(argv, NULL, 60000), 0);
    char *s = rmat_test_slurp(txt, NULL);
    assert_non_null(s);
    return s;
}

/* A number followed by a unit in N or kPa ("254 N", "43.1 kPa"). */
static int has_number_in(const char *text, const char *unit)
{
    const size_t ul = strlen(unit);
    for (const char *p = strstr(text, unit); p; p = strstr(p + 1, unit)) {
        const char *q = p;
        if (p[ul] && (p[ul] >= 'A' && p[ul] <= 'z') && p[ul] != '/')
            continue; /* "Note" is no newton */
        while (q > text && q[-1] == ' ')
            q--;
        if (q > text && q[-1] >= '0' && q[-1] <= '9')
            return 1;
    }
    return 0;
}

static void test_clinic_weeks(void **state)
{
    /* P_SOFT: E* falling week by week; P_FLAT: E* 400 kPa every week. */
    static const double estar_soft[WEEKS] = {420, 400, 380, 360, 340, 320};
    static const char *const soft_dates[WEEKS] = {"2026-01-05T09:00:00Z", "2026-01-12T09:30:00Z",
                                                  "2026-01-19T09:00:00Z", "2026-01-26T10:00:00Z",
                                                  "2026-02-02T09:00:00Z", "2026-02-09T09:15:00Z"};
    static const char *const flat_dates[WEEKS] = {"2026-01-06T14:00:00Z", "2026-01-13T14:00:00Z",
                                                  "2026-01-20T14:00:00Z", "2026-01-27T14:00:00Z",
                                                  "2026-02-03T14:00:00Z", "2026-02-10T14:00:00Z"};
    static const char *const same_day[3] = {"2026-02-11T08:00:00Z", "2026-02-11T08:20:00Z",
                                            "2026-02-11T08:40:00Z"};
    struct clinic cl, *c = &cl;
    char path[2000], crashed[900], recovered[900], report_dir[900], *out;
    char rec_soft0[900];
    (void)state;
    /* (paths: 2000 bytes hold any under the 512-byte test folder) */

    memset(c, 0, sizeof *c);
    assert_int_equal(rmat_test_tmpdir("clinic", c->root, sizeof c->root), 0);
    rmat_test_pathf(c->mats, sizeof c->mats, "%s/mats", c->root);
    rmat_test_pathf(c->recdir, sizeof c->recdir, "%s/clinic", c->root);
    rmat_test_pathf(c->sock, sizeof c->sock, "%s/rollmatd.sock", c->root);
    rmat_test_pathf(c->listen, sizeof c->listen, "127.0.0.1:%u", free_port());
    assert_int_equal(mkdir(c->mats, 0755), 0);
    assert_int_equal(mkdir(c->recdir, 0755), 0);

    /* The mat's own calibration, as `rollmat calibrate --mat-dir` leaves
     * it: the virtual mat's, for its serial number 1. */
    {
        char src[700], *text;
        rmat_test_source_path(src, sizeof src, "firmware/boards/sim/virtual-mat.cal");
        text = rmat_test_slurp(src, NULL);
        assert_non_null(text);
        rmat_test_pathf(path, sizeof path, "%s/mat-1.cal", c->mats);
        write_file(path, text);
        free(text);
    }

    start_sim(c, estar_soft[0], 100, "1");
    start_daemon(c);
    for (int w = 0; w < WEEKS; w++) {
        char rec[900];
        char *p;
        if (w > 0) {
            stop_sim(c);
            start_sim(c, estar_soft[w], 100 + w, "1");
        }
        p = daemon_session(c, "P_SOFT", soft_dates[w], 7 - w, 0, rec, sizeof rec);
        if (w == 0)
            rmat_test_pathf(rec_soft0, sizeof rec_soft0, "%s", p);
        free(p);
        stop_sim(c);
        start_sim(c, 400.0, 200 + w, "1");
        /* Week 3 of P_FLAT: the daemon is killed half way. */
        p = daemon_session(c, "P_FLAT", flat_dates[w], 4, w == 3, rec, sizeof rec);
        if (w == 3) {
            rmat_test_pathf(crashed, sizeof crashed, "%s", rec);
            start_daemon(c);
        }
        free(p);
    }
    for (int k = 0; k < 3; k++) {
        char rec[900];
        free(daemon_session(c, "P_SAME", same_day[k], 5, 0, rec, sizeof rec));
    }
    stop_sim(c);
    kill(c->daemon, SIGTERM);
    assert_int_equal(rmat_test_wait(c->daemon, 20000), 0);

    /* The crashed session: its journal beside it; recovered. */
    rmat_test_pathf(path, sizeof path, "%s.journal", crashed);
    if (access(path, R_OK) == 0) {
        assert_int_equal(rollmat(c, &out, "recover", path, NULL), 0);
        /* stdout's line is the file written; stderr's say what was done */
        for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
            if (strncmp(line, "rollmat ", 8) != 0)
                rmat_test_pathf(recovered, sizeof recovered, "%s", line);
        free(out);
    } else {
        /* rollmatd completed it from its journal when it started again. */
        recovered[0] = '\0';
    }

    /* The control: a mat without a calibration (serial 2), recorded in the
     * foreground; analysed in raw counts. */
    {
        char url[80], rec[900];
        rmat_test_pathf(url, sizeof url, "tcp://%s", c->listen);
        start_sim(c, 400.0, 300, "2");
        rmat_test_pathf(rec, sizeof rec, "%s/control.h5", c->recdir);
        sleep_ms(100);
        assert_int_equal(rollmat(c, &out, "record", "--device", url, "--duration", "2", "-o", rec,
                                 "--subject", "CONTROL", "--region", "calf", "--side", "right",
                                 "--calibration-dir", c->mats, "--started-utc",
                                 "2026-01-07T10:00:00Z", NULL),
                         0);
        free(out);
        stop_sim(c);
    }

    /* Reports of three sessions: their analyses lie beside the recordings
     * (clinic/NAME/), and one of the control. */
    assert_int_equal(rollmat(c, &out, "report", rec_soft0, NULL), 0);
    free(out);
    assert_int_equal(rollmat(c, &out, "report", crashed, NULL), 0);
    free(out);
    rmat_test_pathf(path, sizeof path, "%s/control.h5", c->recdir);
    assert_int_equal(rollmat(c, &out, "report", path, NULL), 0);
    free(out);
    if (recovered[0]) {
        assert_int_equal(rollmat(c, &out, "report", recovered, NULL), 0);
        free(out);
    }

    /* Batch into another folder of the same root. */
    rmat_test_pathf(c->out, sizeof c->out, "%s/analysis", c->root);
    assert_int_equal(rollmat(c, &out, "batch", c->recdir, "-o", c->out, "-j", "2", NULL), 0);
    free(out);

    /* Every session counted once: 6 + 6 + 3 + 1, whatever holds its
     * analyses (report's beside the recording, batch's; the crashed file
     * and its recovered copy). */
    rmat_test_pathf(path, sizeof path, "%s/sessions.csv", c->out);
    {
        int rows = count_lines(path, ",") - 1;
        print_message("batch: %d sessions\n", rows);
        assert_int_equal(rows, 16);
        assert_int_equal(count_lines(path, ",P_SOFT,"), WEEKS);
        assert_int_equal(count_lines(path, ",P_FLAT,"), WEEKS);
        assert_int_equal(count_lines(path, ",P_SAME,"), 3);
        /* Every patient session in kPa (the mat's calibration was copied
         * into each recording); only the control in counts. */
        assert_int_equal(count_lines(path, ",kPa,"), 15);
        assert_int_equal(count_lines(path, ",counts,"), 1);
        assert_int_equal(count_lines(path, ",CONTROL,"), 1);
    }

    /* trend over the whole root: the report's analyses and the batch's of
     * the same recordings, each session once. */
    {
        char trend_out[900];
        rmat_test_pathf(trend_out, sizeof trend_out, "%s/trends-all", c->root);
        assert_int_equal(rollmat(c, &out, "trend", c->root, "-o", trend_out, NULL), 0);
        assert_non_null(strstr(out, "16 sessions"));
        free(out);
        rmat_test_pathf(path, sizeof path, "%s/trend.csv", trend_out);

        /* The fitted weekly trend of compliance against the programme:
         * 12 R / (pi E*) week by week, least squares over the dates. The
         * tolerance, 25%: sensels sample the contact, which reads its
         * width about 5% narrow (docs/metrics.md) and the force a little
         * high, and six short sessions leave a few per cent of scatter. */
        double x[WEEKS], y[WEEKS], xm = 0, ym = 0, sxx = 0, sxy = 0;
        for (int w = 0; w < WEEKS; w++) {
            struct tm tm;
            memset(&tm, 0, sizeof tm);
            assert_int_equal(sscanf(soft_dates[w], "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon,
                                    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec),
                             6);
            tm.tm_year -= 1900;
            tm.tm_mon -= 1;
            x[w] = (double)timegm(&tm) / (7 * 86400.0);
            y[w] = 12.0 * 75.0 / (M_PI * estar_soft[w] / 1000.0);
            xm += x[w] / WEEKS;
            ym += y[w] / WEEKS;
        }
        for (int w = 0; w < WEEKS; w++) {
            sxx += (x[w] - xm) * (x[w] - xm);
            sxy += (x[w] - xm) * (y[w] - ym);
        }
        const double truth = sxy / sxx;
        char *csv = rmat_test_slurp(path, NULL), *line;
        double soft = NAN, flat_lo = NAN, flat_hi = NAN;
        int too_early = 0;
        for (line = strtok(csv, "\n"); line; line = strtok(NULL, "\n")) {
            char *f[17];
            int k = 0;
            f[k++] = line;
            for (char *p = line; k < 17 && (p = strchr(p, ',')) != NULL;) {
                *p++ = '\0';
                f[k++] = p;
            }
            if (k < 17)
                continue;
            if (!strcmp(f[0], "P_SOFT") && !strcmp(f[3], "compliance_mm3_n"))
                soft = atof(f[10]);
            if (!strcmp(f[0], "P_FLAT") && !strcmp(f[3], "compliance_mm3_n")) {
                flat_lo = atof(f[11]);
                flat_hi = atof(f[12]);
            }
            if (!strcmp(f[0], "P_SAME") && !strcmp(f[3], "mean_kpa")) {
                too_early = strstr(f[16], "too early for a trend") != NULL;
                assert_string_equal(f[10], ""); /* no slope */
            }
        }
        free(csv);
        print_message("P_SOFT compliance %+.2f mm3/N a week, programmed %+.2f; P_FLAT 95%% CI "
                      "[%.2f, %.2f]\n",
                      soft, truth, flat_lo, flat_hi);
        assert_true(fabs(soft / truth - 1.0) < 0.25);
        assert_true(flat_lo < 0 && flat_hi > 0);
        assert_true(too_early);
    }

    /* Progress reports over the whole root, and every PDF read back. */
    rmat_test_pathf(report_dir, sizeof report_dir, "%s/P_SOFT-progress.pdf", c->root);
    assert_int_equal(
        rollmat(c, &out, "report", "--subject", "P_SOFT", c->root, "-o", report_dir, NULL), 0);
    free(out);
    rmat_test_pathf(path, sizeof path, "%s/P_SAME-progress.pdf", c->root);
    assert_int_equal(rollmat(c, &out, "report", "--subject", "P_SAME", c->root, "-o", path, NULL),
                     0);
    free(out);
    {
        char *t = pdf_text(report_dir, c->root);
        assert_null(strstr(t, "shared/"));
        assert_non_null(strstr(t, "6 sessions"));
        free(t);
        t = pdf_text(path, c->root);
        assert_non_null(strstr(t, "too early"));
        assert_null(strstr(t, "shared/"));
        free(t);
    }
    /* The session reports: kPa and N for the calibrated, none for the
     * control. */
    {
        char pdf[1000];
        char *base = strrchr(rec_soft0, '/');
        rmat_test_pathf(pdf, sizeof pdf, "%s/%.*s/report.pdf", c->recdir,
                        (int)(strlen(base + 1) - 3), base + 1);
        char *t = pdf_text(pdf, c->root);
        assert_null(strstr(t, "shared/"));
        assert_true(has_number_in(t, "kPa"));
        free(t);
        rmat_test_pathf(pdf, sizeof pdf, "%s/control/report.pdf", c->recdir);
        t = pdf_text(pdf, c->root);
        assert_null(strstr(t, "shared/"));
        assert_false(has_number_in(t, "kPa"));
        assert_false(has_number_in(t, " N"));
        free(t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clinic_weeks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
