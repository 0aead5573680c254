/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The live view end to end (docs/live.md), against the virtual mat:
 *
 *  - live numbers are the analysis's: a recording's frames fed to the live
 *    model give, frame for frame, the force and CoP of the analysis's
 *    frames.csv and the hold starts of its holds.csv;
 *  - the recording never waits for a browser: a client that asks for the
 *    stream and then reads nothing for 30 s (the duration is what is
 *    tested: it sleeps) leaves a recording with every frame, seq without a
 *    gap;
 *  - security: malformed and oversized requests, missing and wrong tokens,
 *    path traversal, GET for actions, cross-origin POSTs, a foreign Host,
 *    and 100 slow clients sending a byte a second: the answers are refusals,
 *    the limits hold, and the daemon goes on (frames flow, status answers,
 *    the page is served again afterwards).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rmat_test.h"
#include "rollmat/analyze.h"
#include "rollmat/calib.h"
#include "rollmat/daemon.h"
#include "rollmat/live.h"
#include "rollmat/reader.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- live numbers are the analysis's ------------------------------------ */

struct frames_csv {
    size_t n;
    double *t, *force, *x, *y;
};

static double field(const char *s)
{
    return *s == ',' || *s == '\n' || !*s ? NAN : strtod(s, NULL);
}

/* frames.csv: t_s, force (force_n or raw_sum), ..., cop_x_mm, cop_y_mm. */
static void read_frames_csv(const char *path, struct frames_csv *fc)
{
    char *text = rmat_test_slurp(path, NULL);
    char *line;
    size_t cap = 1024;
    assert_non_null(text);
    fc->n = 0;
    fc->t = malloc(cap * sizeof(double));
    fc->force = malloc(cap * sizeof(double));
    fc->x = malloc(cap * sizeof(double));
    fc->y = malloc(cap * sizeof(double));
    line = strchr(text, '\n') + 1; /* the header */
    while (line && *line) {
        const char *c[7];
        const char *p = line;
        for (int i = 0; i < 7; i++) {
            c[i] = p;
            p = strchr(p, ',') + 1;
        }
        if (fc->n == cap) {
            cap *= 2;
            fc->t = realloc(fc->t, cap * sizeof(double));
            fc->force = realloc(fc->force, cap * sizeof(double));
            fc->x = realloc(fc->x, cap * sizeof(double));
            fc->y = realloc(fc->y, cap * sizeof(double));
        }
        fc->t[fc->n] = field(c[0]);
        fc->force[fc->n] = field(c[1]);
        fc->x[fc->n] = field(c[5]);
        fc->y[fc->n] = field(c[6]);
        fc->n++;
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    free(text);
}

/* A small file's first line, without its newline; the caller frees. */
static char *slurp_line(const char *path)
{
    char *s = rmat_test_slurp(path, NULL);
    assert_non_null(s);
    s[strcspn(s, "\r\n")] = 0;
    return s;
}

static void same(const char *what, size_t k, double live, double ana)
{
    /* frames.csv keeps 7 significant digits. */
    if (isnan(ana) && isnan(live))
        return;
    if (!(fabs(live - ana) <= 1e-6 * fabs(ana) + 1e-9)) {
        print_error("frame %zu: %s live %.9g, analysis %.9g\n", k, what, live, ana);
        fail();
    }
}

static void test_live_numbers_are_the_analysis(void **state)
{
    char dir[512], url_file[700], rec[700], ana[700], path[800], sim_log[700], scene[700];
    struct rmat_reader *r = NULL;
    struct rmat_calib *cal = NULL;
    struct rmat_live_model *m = NULL;
    struct frames_csv fc;
    struct rmat_errinfo ei;
    double starts[64];
    size_t n_starts = 0;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("live_numbers", dir, sizeof dir), 0);
    snprintf(url_file, sizeof url_file, "%s/sim.url", dir);
    snprintf(rec, sizeof rec, "%s/calf.h5", dir);
    snprintf(ana, sizeof ana, "%s/ana", dir);
    snprintf(sim_log, sizeof sim_log, "%s/sim.log", dir);
    rmat_test_source_path(scene, sizeof scene, "firmware/boards/sim/scenes/calf.scene");
    /* The calf scene (four holds of 3.5-8 s between rolling) at 10x. */
    char *sim_argv[] = {(char *)RMAT_SIM_EXE,
                        (char *)"--scene",
                        scene,
                        (char *)"--speed",
                        (char *)"10",
                        (char *)"--listen",
                        (char *)"127.0.0.1:0",
                        (char *)"--url-file",
                        url_file,
                        (char *)"--once",
                        NULL};
    pid_t sim = rmat_test_spawn(sim_argv, sim_log);
    assert_true(sim > 0);
    assert_int_equal(rmat_test_wait_file(url_file, 10000), 0);
    char *url = slurp_line(url_file);
    char *rec_argv[] = {
        (char *)RMAT_CLI_EXE, (char *)"record", (char *)"--device", url, (char *)"-o", rec, NULL};
    snprintf(path, sizeof path, "%s/record.log", dir);
    /* It ends when the scene does ("no frames for 2000 ms"). */
    const int rec_rc = rmat_test_run(rec_argv, path, 120000);
    free(url);
    const int sim_rc = rmat_test_wait(sim, 30000);
    print_message("record exit %d, sim exit %d\n", rec_rc, sim_rc);
    assert_true(sim_rc >= 0);
    assert_int_equal(rmat_analyze(rec, ana, NULL, NULL, NULL, &ei), RMAT_OK);
    snprintf(path, sizeof path, "%s/frames.csv", ana);
    read_frames_csv(path, &fc);

    /* The same frames through the live model, one at a time. */
    assert_int_equal(rmat_reader_open(rec, &r, &ei), RMAT_OK);
    assert_int_equal(rmat_reader_calib(r, &cal, &ei), RMAT_OK);
    const struct rmat_recording_info *info = rmat_reader_info(r);
    assert_int_equal(info->frames, fc.n);
    assert_int_equal(rmat_live_model_new(NULL, NULL, &m, &ei), RMAT_OK);
    assert_int_equal(rmat_live_model_configure(m, &info->dev, cal, &ei), RMAT_OK);
    const size_t n = (size_t)info->dev.rows * (size_t)info->dev.cols;
    uint16_t *raw = malloc(n * sizeof *raw);
    int was_holding = 0;
    for (uint64_t k = 0; k < info->frames; k++) {
        uint32_t seq;
        uint64_t t_us;
        struct rmat_live_numbers v;
        assert_int_equal(rmat_reader_read(r, k, 1, raw, &seq, &t_us, NULL, &ei), RMAT_OK);
        rmat_live_model_frame(m, seq, t_us, raw);
        rmat_live_model_numbers(m, &v);
        same("t_s", (size_t)k, v.t_s, fc.t[k]);
        same("force", (size_t)k, v.m.contact_sensels ? v.m.force_n : NAN, fc.force[k]);
        same("cop_x", (size_t)k, v.m.cop_x_mm, fc.x[k]);
        same("cop_y", (size_t)k, v.m.cop_y_mm, fc.y[k]);
        if (v.holding && !was_holding && n_starts < 64)
            starts[n_starts++] = v.hold_start_s;
        was_holding = v.holding;
    }
    /* The hold starts shown live are the analysis's holds. */
    snprintf(path, sizeof path, "%s/holds.csv", ana);
    char *holds = rmat_test_slurp(path, NULL);
    assert_non_null(holds);
    size_t n_holds = 0;
    for (char *line = strchr(holds, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        const char *c = strchr(line + 1, ',') + 1; /* index, t_start_s */
        assert_true(n_holds < n_starts);
        const double t = strtod(c, NULL);
        if (fabs(starts[n_holds] - t) > 1e-6) {
            print_error("hold %zu: live start %.6f, analysis %.6f\n", n_holds, starts[n_holds], t);
            fail();
        }
        n_holds++;
    }
    print_message("%zu frames: force, CoP equal to frames.csv; %zu hold starts equal to "
                  "holds.csv\n",
                  fc.n, n_holds);
    assert_int_equal(n_holds, 4); /* the scene's four trigger points */
    assert_int_equal(n_starts, n_holds);
    free(holds);

    /* The movie of a hold: a GIF (gnuplot's animation), an MP4 (ffmpeg);
     * never over an existing file; only .gif or .mp4. */
    {
        char gif[800], mp4[800], log[800];
        snprintf(gif, sizeof gif, "%s/hold.gif", dir);
        snprintf(mp4, sizeof mp4, "%s/hold.mp4", dir);
        snprintf(log, sizeof log, "%s/movie.log", dir);
        char *g_argv[] = {(char *)RMAT_CLI_EXE,
                          (char *)"movie",
                          rec,
                          (char *)"--from",
                          (char *)"44",
                          (char *)"--to",
                          (char *)"46",
                          (char *)"-o",
                          gif,
                          NULL};
        assert_int_equal(rmat_test_run(g_argv, log, 120000), 0);
        char *bytes = rmat_test_slurp(gif, NULL);
        assert_non_null(bytes);
        assert_memory_equal(bytes, "GIF89a", 6);
        free(bytes);
        assert_int_equal(rmat_test_run(g_argv, log, 120000), 2); /* exists */
        char *m_argv[] = {(char *)RMAT_CLI_EXE,
                          (char *)"movie",
                          rec,
                          (char *)"--from",
                          (char *)"44",
                          (char *)"--to",
                          (char *)"46",
                          (char *)"-o",
                          mp4,
                          NULL};
        assert_int_equal(rmat_test_run(m_argv, log, 120000), 0);
        bytes = rmat_test_slurp(mp4, NULL);
        assert_non_null(bytes);
        assert_memory_equal(bytes + 4, "ftyp", 4);
        free(bytes);
        char *b_argv[] = {(char *)RMAT_CLI_EXE, (char *)"movie", rec,
                          (char *)"-o",         (char *)"x.avi", NULL};
        assert_int_equal(rmat_test_run(b_argv, log, 120000), 2);
    }
    free(raw);
    free(fc.t);
    free(fc.force);
    free(fc.x);
    free(fc.y);
    rmat_live_model_free(m);
    rmat_calib_free(cal);
    rmat_reader_close(r);
}

/* --- rollmatd with the live view ---------------------------------------- */

struct rig {
    char dir[512], sock[600], recdir[600], url_file[600], sim_url[600], token_file[600];
    pid_t sim, daemon;
    unsigned port;
};

static void wait_connected(const struct rig *g);

/* The rig of the test running, so that a failed test's teardown ends its
 * processes too. */
static struct rig *running;

static int teardown_rig(void **state)
{
    (void)state;
    if (running) {
        if (running->daemon > 0) {
            kill(running->daemon, SIGKILL);
            rmat_test_wait(running->daemon, 10000);
        }
        if (running->sim > 0) {
            kill(running->sim, SIGKILL);
            rmat_test_wait(running->sim, 10000);
        }
        running = NULL;
    }
    return 0;
}

static void rig_start(struct rig *g, const char *name, const char *token)
{
    char log[700], url[256];
    g->sim = g->daemon = -1;
    running = g;
    assert_int_equal(rmat_test_tmpdir(name, g->dir, sizeof g->dir), 0);
    snprintf(g->sock, sizeof g->sock, "%s/d.sock", g->dir);
    snprintf(g->recdir, sizeof g->recdir, "%s/rec", g->dir);
    snprintf(g->url_file, sizeof g->url_file, "%s/http.url", g->dir);
    snprintf(g->sim_url, sizeof g->sim_url, "%s/sim.url", g->dir);
    snprintf(g->token_file, sizeof g->token_file, "%s/token", g->dir);
    mkdir(g->recdir, 0755);
    /* The built-in scene, repeating, at 100 Hz in real time. */
    char *sim_argv[] = {(char *)RMAT_SIM_EXE, (char *)"--listen", (char *)"127.0.0.1:0",
                        (char *)"--url-file", g->sim_url,         NULL};
    snprintf(log, sizeof log, "%s/sim.log", g->dir);
    g->sim = rmat_test_spawn(sim_argv, log);
    assert_true(g->sim > 0);
    assert_int_equal(rmat_test_wait_file(g->sim_url, 10000), 0);
    char *dev = slurp_line(g->sim_url);
    if (token) {
        FILE *f = fopen(g->token_file, "w");
        fprintf(f, "%s\n", token);
        fclose(f);
    }
    char *d_argv[] = {(char *)RMAT_DAEMON_EXE,
                      (char *)"--device",
                      dev,
                      (char *)"--socket",
                      g->sock,
                      (char *)"--dir",
                      g->recdir,
                      (char *)"--http",
                      (char *)"0",
                      (char *)"--http-url-file",
                      g->url_file,
                      token ? (char *)"--http-token-file" : NULL,
                      g->token_file,
                      NULL};
    snprintf(log, sizeof log, "%s/daemon.log", g->dir);
    g->daemon = rmat_test_spawn(d_argv, log);
    assert_true(g->daemon > 0);
    free(dev);
    assert_int_equal(rmat_test_wait_file(g->url_file, 10000), 0);
    assert_int_equal(rmat_test_wait_file(g->sock, 10000), 0);
    char *u = slurp_line(g->url_file);
    snprintf(url, sizeof url, "%s", u);
    free(u);
    g->port = (unsigned)atoi(strrchr(url, ':') + 1);
    assert_true(g->port > 0);
    wait_connected(g);
}

static void rig_stop(struct rig *g)
{
    kill(g->daemon, SIGTERM);
    assert_int_equal(rmat_test_wait(g->daemon, 30000), 0);
    g->daemon = -1;
    kill(g->sim, SIGTERM);
    rmat_test_wait(g->sim, 10000);
    g->sim = -1;
    running = NULL;
}

static void ctl(const struct rig *g, const char *line, char *reply, size_t cap)
{
    struct rmat_errinfo ei;
    assert_int_equal(rmat_ctl_request(g->sock, line, reply, cap, 5000, &ei), RMAT_OK);
}

/* Waits for the mat: status says connected=1 (each answer is an event;
 * 10 s at most). */
static void wait_connected(const struct rig *g)
{
    char reply[RMAT_CTL_LINE_MAX];
    const double t0 = now_s();
    do {
        ctl(g, "status", reply, sizeof reply);
        if (strstr(reply, " connected=1"))
            return;
    } while (now_s() - t0 < 10);
    fail_msg("the mat never connected: %s", reply);
}

/* The value of key=... in a status reply, as a number; NaN if absent. */
static double status_num(const char *reply, const char *key)
{
    char k[64];
    snprintf(k, sizeof k, " %s=", key);
    const char *p = strstr(reply, k);
    return p ? strtod(p + strlen(k), NULL) : NAN;
}

static int tcp_connect(unsigned port)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Sends req (len bytes) on a fresh connection and reads the answer until
 * the server closes (5 s at most); returns the status code, 0 for none.
 * The answer's head goes to head (may be NULL). */
static int http(unsigned port, const char *req, size_t len, char *head, size_t cap)
{
    char buf[8192];
    size_t got = 0;
    int fd = tcp_connect(port);
    struct timeval tv = {5, 0};
    assert_true(fd >= 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    for (size_t off = 0; off < len;) {
        const ssize_t w = send(fd, req + off, len - off, MSG_NOSIGNAL);
        if (w <= 0)
            break; /* the server may refuse before reading it all */
        off += (size_t)w;
    }
    for (;;) {
        const ssize_t n = recv(fd, buf + got, sizeof buf - 1 - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
        if (got == sizeof buf - 1)
            break;
    }
    close(fd);
    buf[got] = 0;
    if (head)
        snprintf(head, cap, "%s", buf);
    return strncmp(buf, "HTTP/1.", 7) == 0 ? atoi(buf + 9) : 0;
}

static int get(const struct rig *g, const char *path, const char *extra)
{
    static char req[24576];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n%sConnection: close\r\n\r\n", path,
                     g->port, extra ? extra : "");
    assert_true(n > 0 && (size_t)n < sizeof req);
    return http(g->port, req, (size_t)n, NULL, 0);
}

static int post(const struct rig *g, const char *path, const char *extra, const char *body)
{
    static char req[16384];
    int n = snprintf(req, sizeof req,
                     "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n%sContent-Type: "
                     "application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
                     path, g->port, extra ? extra : "", strlen(body), body);
    assert_true(n > 0 && (size_t)n < sizeof req);
    return http(g->port, req, (size_t)n, NULL, 0);
}

static void test_live_stalled_client_loses_no_frame(void **state)
{
    struct rig g;
    char reply[RMAT_CTL_LINE_MAX], req[256], file[RMAT_CTL_LINE_MAX];
    struct rmat_reader *r = NULL;
    struct rmat_errinfo ei;
    (void)state;

    rig_start(&g, "live_stall", NULL);
    /* A client that asks for the stream, with the smallest receive buffer,
     * and never reads. */
    int fd = tcp_connect(g.port);
    int small = 1024;
    assert_true(fd >= 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    int n =
        snprintf(req, sizeof req, "GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n\r\n", g.port);
    assert_int_equal(send(fd, req, (size_t)n, 0), n);
    ctl(&g, "start subject=stall region=calf", reply, sizeof reply);
    assert_memory_equal(reply, "ok ", 3);
    snprintf(file, sizeof file, "%s", reply + 3);
    /* The stall itself: 30 s during which this client reads nothing (the
     * duration is the thing tested). Status answers meanwhile. */
    const double t0 = now_s();
    double worst_status = 0;
    while (now_s() - t0 < 30) {
        struct timespec ts = {1, 0};
        nanosleep(&ts, NULL);
        const double a = now_s();
        ctl(&g, "status", reply, sizeof reply);
        worst_status = fmax(worst_status, now_s() - a);
    }
    ctl(&g, "status", reply, sizeof reply);
    print_message("after 30 s of a stalled client: %s\n", reply);
    const double dropped = status_num(reply, "live_dropped");
    /* The client missed updates (counted), or was closed for stalling. */
    assert_true(status_num(reply, "live_missed") > 0 || status_num(reply, "live_streams") == 0);
    ctl(&g, "stop", reply, sizeof reply);
    print_message("stop: %s; slowest status answer %.3f s\n", reply, worst_status);
    assert_non_null(strstr(reply, " lost=0"));
    close(fd);
    rig_stop(&g);

    /* Every frame: seq without a gap from the first to the last. */
    assert_int_equal(rmat_reader_open(file, &r, &ei), RMAT_OK);
    const uint64_t frames = rmat_reader_info(r)->frames;
    uint32_t *seq = malloc(frames * sizeof *seq);
    assert_int_equal(rmat_reader_read(r, 0, (size_t)frames, NULL, seq, NULL, NULL, &ei), RMAT_OK);
    uint64_t gaps = 0;
    for (uint64_t k = 1; k < frames; k++)
        gaps += seq[k] != seq[k - 1] + 1u;
    print_message("recording: %llu frames, seq %u..%u, %llu gaps; the live view skipped %.0f\n",
                  (unsigned long long)frames, seq[0], seq[frames - 1], (unsigned long long)gaps,
                  dropped);
    assert_true(frames >= 2900); /* 30 s at 100 Hz */
    assert_int_equal(gaps, 0);
    assert_int_equal(frames, (uint64_t)(seq[frames - 1] - seq[0]) + 1u);
    free(seq);
    rmat_reader_close(r);
}

#define TOKEN "s3cret-token-for-the-test-0123456789"

static void test_live_security(void **state)
{
    struct rig g;
    char reply[RMAT_CTL_LINE_MAX], head[8192], big[20000];
    const char *tok = "X-Rollmat-Token: " TOKEN "\r\n";
    const char *same = "X-Rollmat-Token: " TOKEN "\r\nOrigin: http://127.0.0.1:";
    char same_origin[256];
    (void)state;

    rig_start(&g, "live_security", TOKEN);
    snprintf(same_origin, sizeof same_origin, "%s%u\r\n", same, g.port);

    /* Tokens: none, wrong, right; the first visit's cookie. */
    assert_int_equal(get(&g, "/", NULL), 403);
    assert_int_equal(get(&g, "/api/snapshot", "X-Rollmat-Token: wrong\r\n"), 403);
    assert_int_equal(get(&g, "/", "Cookie: rollmat_token=" TOKEN "x\r\n"), 403);
    assert_int_equal(get(&g, "/?token=nope", NULL), 403);
    assert_int_equal(get(&g, "/", tok), 200);
    {
        char req[512];
        int n = snprintf(req, sizeof req,
                         "GET /?token=" TOKEN " HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: "
                         "close\r\n\r\n",
                         g.port);
        assert_int_equal(http(g.port, req, (size_t)n, head, sizeof head), 303);
        assert_non_null(strstr(head, "rollmat_token=" TOKEN "; HttpOnly; SameSite=Strict"));
    }
    assert_int_equal(get(&g, "/app.js", "Cookie: rollmat_token=" TOKEN "\r\n"), 200);

    /* Only the built-in assets: traversal and file paths find nothing. */
    static const char *const paths[] = {"/../../etc/passwd",
                                        "/%2e%2e/%2e%2e/etc/passwd",
                                        "/..%2f..%2fetc%2fpasswd",
                                        "/etc/passwd",
                                        "//etc/passwd",
                                        "/web/page/app.js",
                                        "/page/app.js",
                                        "/app.js/../index.html",
                                        "/api/../index.html",
                                        "/index.html%00.js",
                                        "/%252e%252e/etc/passwd",
                                        "/api/stream/../../x"};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        const int st = get(&g, paths[i], tok);
        if (st != 404 && st != 400) {
            print_error("%s answered %d\n", paths[i], st);
            fail();
        }
    }
    /* Absolute URIs and a foreign Host (DNS rebinding). */
    assert_int_equal(get(&g, "http://evil.example/etc/passwd", tok), 404);
    {
        char req[512];
        int n = snprintf(req, sizeof req,
                         "GET / HTTP/1.1\r\nHost: evil.example:%u\r\n%sConnection: close\r\n\r\n",
                         g.port, tok);
        assert_int_equal(http(g.port, req, (size_t)n, NULL, 0), 421);
    }
    /* Actions are POST only, from the page's own origin. */
    assert_int_equal(get(&g, "/api/mark", tok), 405);
    assert_int_equal(post(&g, "/api/mark", tok, "{\"text\":\"x\"}"), 403); /* no Origin */
    {
        char h[256];
        snprintf(h, sizeof h, "%sOrigin: http://evil.example\r\n", tok);
        assert_int_equal(post(&g, "/api/mark", h, "{\"text\":\"x\"}"), 403);
        snprintf(h, sizeof h, "Origin: http://127.0.0.1:%u\r\n", g.port);
        assert_int_equal(post(&g, "/api/mark", h, "{\"text\":\"x\"}"), 403); /* no token */
    }
    {
        char req[256];
        int n = snprintf(req, sizeof req,
                         "PUT /api/mark HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n%sConnection: "
                         "close\r\n\r\n",
                         g.port, tok);
        assert_int_equal(http(g.port, req, (size_t)n, NULL, 0), 405);
        n = snprintf(req, sizeof req,
                     "DELETE /index.html HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n%sConnection: "
                     "close\r\n\r\n",
                     g.port, tok);
        assert_int_equal(http(g.port, req, (size_t)n, NULL, 0), 405);
    }
    /* Bad bodies and values: refused, never acted on. */
    assert_int_equal(post(&g, "/api/mark", same_origin, "{not json"), 400);
    assert_int_equal(post(&g, "/api/mark", same_origin, "[1,2]"), 400);
    assert_int_equal(post(&g, "/api/pain", same_origin, "{\"n\":\"11\"}"), 400);
    assert_int_equal(post(&g, "/api/pain", same_origin, "{\"n\":\"-1\"}"), 400);
    assert_int_equal(post(&g, "/api/pain", same_origin, "{\"n\":\"5.5\"}"), 400);
    assert_int_equal(post(&g, "/api/nosuch", same_origin, "{}"), 400);
    assert_int_equal(post(&g, "/api/start", same_origin, "{\"region\":\"calf\"}"), 400);
    /* Not recording: the daemon's own refusal comes back. */
    assert_int_equal(post(&g, "/api/mark", same_origin, "{\"text\":\"x\"}"), 409);
    /* Oversized: a body over 4 KiB, headers over 16 KiB. */
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    {
        char body[6000];
        snprintf(body, sizeof body, "{\"text\":\"%.5000s\"}", big);
        assert_int_equal(post(&g, "/api/mark", same_origin, body), 413);
        char h[20100];
        snprintf(h, sizeof h, "%sX-Big: %.19000s\r\n", tok, big);
        const int st = get(&g, "/", h);
        assert_true(st == 431 || st == 413 || st == 400 || st == 0);
    }
    /* Malformed request lines and garbage. */
    static const char *const junk[] = {"\r\n\r\n",
                                       "GET\r\n\r\n",
                                       "GET / HTTP/9.9\r\n\r\n",
                                       "GARBAGE GARBAGE GARBAGE\r\n\r\n",
                                       "GET / HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n",
                                       "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"};
    for (size_t i = 0; i < sizeof junk / sizeof *junk; i++) {
        const int st = http(g.port, junk[i], strlen(junk[i]), NULL, 0);
        assert_true(st == 0 || (st >= 400 && st < 600));
    }

    /* 100 slow clients, a byte a second each (bounded: 8 s). */
    enum { SLOW = 100 };
    int fds[SLOW], refused = 0;
    ctl(&g, "status", reply, sizeof reply);
    const double frames0 = status_num(reply, "load_counts");
    (void)frames0;
    ctl(&g, "start subject=slow region=calf", reply, sizeof reply);
    assert_memory_equal(reply, "ok ", 3);
    for (int i = 0; i < SLOW; i++)
        fds[i] = tcp_connect(g.port);
    double worst = 0, most = 0;
    for (int s = 0; s < 8; s++) {
        for (int i = 0; i < SLOW; i++)
            if (fds[i] >= 0 && send(fds[i], &"GET / HT"[s], 1, MSG_NOSIGNAL) != 1) {
                close(fds[i]);
                fds[i] = -1;
                refused++;
            }
        const double a = now_s();
        ctl(&g, "status", reply, sizeof reply);
        worst = fmax(worst, now_s() - a);
        most = fmax(most, status_num(reply, "live_connections"));
        struct timespec ts = {1, 0};
        nanosleep(&ts, NULL);
    }
    /* The limit: at most 64 served at once; the others wait in the
     * listening queue or are closed. */
    ctl(&g, "status", reply, sizeof reply);
    print_message("slow clients: at most %.0f of %d served at once (limit 64), %d closed by the "
                  "server; slowest status answer %.3f s; %s\n",
                  most, SLOW, refused, worst, reply);
    assert_true(most >= 32 && most <= 64);
    assert_true(worst < 1.0);
    for (int i = 0; i < SLOW; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    ctl(&g, "stop", reply, sizeof reply);
    print_message("stop: %s\n", reply);
    assert_non_null(strstr(reply, " lost=0"));
    /* frames=N: 8 s at 100 Hz went on. */
    assert_true(status_num(reply, "frames") >= 700);
    /* And the page is served again. */
    for (int t = 0; t < 100 && get(&g, "/", tok) != 200; t++) {
        struct timespec ts = {0, 100000000L};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(get(&g, "/", tok), 200);
    rig_stop(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_live_numbers_are_the_analysis),
        cmocka_unit_test_teardown(test_live_security, teardown_rig),
        cmocka_unit_test_teardown(test_live_stalled_client_loses_no_frame, teardown_rig),
    };
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
