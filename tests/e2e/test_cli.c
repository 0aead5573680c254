/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The programs as a user meets them: wrong arguments, a mat that is not
 * there or does not answer, a recording that must not be overwritten, a
 * recording that does not exist. Each gets a clear message and an exit
 * status, and loses nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rmat_test.h"

static char dir[512];

static int setup(void **state)
{
    (void)state;
    return rmat_test_tmpdir("cli", dir, sizeof dir);
}

/* Runs the program with args; returns its exit status and its output
 * (stdout and stderr) in *out (caller frees). */
static int run(char **out, const char *a0, ...)
{
    char *argv[24], path[700];
    va_list ap;
    int n = 0, rc;

    argv[n++] = (char *)a0;
    va_start(ap, a0);
    for (char *a; (a = va_arg(ap, char *)) != NULL && n < 23;)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    snprintf(path, sizeof path, "%s/out.txt", dir);
    rc = rmat_test_wait(rmat_test_spawn(argv, path), 60000);
    *out = rmat_test_slurp(path, NULL);
    assert_non_null(*out);
    return rc;
}

/* Takes &out, not out: the arguments of a call are evaluated in no fixed
 * order, and out is only set once run() has returned. */
static void expect(int want_rc, const char *want_text, int rc, char **outp)
{
    char *out = *outp;

    if (rc != want_rc || !strstr(out, want_text))
        print_error("exit %d (wanted %d), output:\n%s\n", rc, want_rc, out);
    assert_int_equal(rc, want_rc);
    assert_non_null(strstr(out, want_text));
    free(out);
}

static void test_cli_usage_errors_exit_2(void **state)
{
    char *out;
    (void)state;
    expect(2, "usage: rollmat", run(&out, RMAT_CLI_EXE, NULL), &out);
    expect(2, "unknown command 'bogus'", run(&out, RMAT_CLI_EXE, "bogus", NULL), &out);
    expect(0, "usage: rollmat record", run(&out, RMAT_CLI_EXE, "record", "--help", NULL), &out);
    expect(2, "rollmat record: error: need --device", run(&out, RMAT_CLI_EXE, "record", NULL),
           &out);
    expect(2, "rollmat record: error: need -o FILE.h5",
           run(&out, RMAT_CLI_EXE, "record", "-d", "tcp://127.0.0.1:1", NULL), &out);
    /* An unknown option: one line with a hint to --help, not the whole help. */
    expect(2, "unknown option --bogus (see `rollmat record --help`)",
           run(&out, RMAT_CLI_EXE, "record", "--bogus", NULL), &out);
    expect(2, "option -o needs a value", run(&out, RMAT_CLI_EXE, "analyze", "-o", NULL), &out);
    expect(2, "--duration wants a number",
           run(&out, RMAT_CLI_EXE, "record", "-d", "tcp://127.0.0.1:1", "-o", "x.h5", "--duration",
               "ten", NULL),
           &out);
    expect(2, "--side must be one of left, right, none, got 'up'",
           run(&out, RMAT_CLI_EXE, "record", "--side", "up", NULL), &out);
    expect(2, "--rate wants a number from 1 to 65535",
           run(&out, RMAT_CLI_EXE, "record", "--rate", "0", NULL), &out);
    expect(2, "rollmat analyze: error: need a recording", run(&out, RMAT_CLI_EXE, "analyze", NULL),
           &out);
    expect(0, "rollmat ", run(&out, RMAT_CLI_EXE, "version", NULL), &out);
    expect(2, "grid 0x32", run(&out, RMAT_SIM_EXE, "--rows", "0", NULL), &out);
    expect(2, "is not a number", run(&out, RMAT_SIM_EXE, "--force", "heavy", NULL), &out);
    expect(0, "usage: rollmat-sim", run(&out, RMAT_SIM_EXE, "--help", NULL), &out);
}

static void test_cli_record_nothing_listening(void **state)
{
    char *out, rec[600], url[64];
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct stat st;
    (void)state;
    /* find a free port, then leave it closed */
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    snprintf(url, sizeof url, "tcp://127.0.0.1:%u", ntohs(a.sin_port));
    snprintf(rec, sizeof rec, "%s/never.h5", dir);
    expect(1, "cannot connect",
           run(&out, RMAT_CLI_EXE, "record", "-d", url, "-o", rec, "-t", "1", NULL), &out);
    assert_int_equal(stat(rec, &st), -1); /* no empty file left behind */
}

static void test_cli_record_silent_device_times_out(void **state)
{
    char *out, rec[600], url[64];
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    (void)state;
    /* Something listens and accepts (the kernel completes the connection
     * from the backlog) but never says a word: not a mat. */
    assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(lfd, 4), 0);
    assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &len), 0);
    snprintf(url, sizeof url, "tcp://127.0.0.1:%u", ntohs(a.sin_port));
    snprintf(rec, sizeof rec, "%s/silent.h5", dir);
    expect(1, "no INFO after 3 tries",
           run(&out, RMAT_CLI_EXE, "record", "-d", url, "-o", rec, "-t", "1", NULL), &out);
    close(lfd);
}

static void test_cli_record_never_overwrites(void **state)
{
    char *out, rec[600], url_file[600], *url;
    char *sim_argv[] = {(char *)RMAT_SIM_EXE,
                        (char *)"--listen",
                        (char *)"127.0.0.1:0",
                        (char *)"--url-file",
                        url_file,
                        (char *)"--once",
                        NULL};
    FILE *f;
    pid_t sim;
    (void)state;
    snprintf(rec, sizeof rec, "%s/precious.h5", dir);
    f = fopen(rec, "w");
    assert_non_null(f);
    fputs("a recording someone needs", f);
    fclose(f);
    snprintf(url_file, sizeof url_file, "%s/sim.url", dir);
    sim = rmat_test_spawn(sim_argv, NULL);
    assert_int_equal(rmat_test_wait_file(url_file, 10000), 0);
    url = rmat_test_slurp(url_file, NULL);
    url[strcspn(url, "\n")] = '\0';
    /* Refused before connecting: the mat never hears from this recorder. */
    expect(1, "never overwrites a recording",
           run(&out, RMAT_CLI_EXE, "record", "-d", url, "-o", rec, "-t", "1", NULL), &out);
    free(url);
    kill(sim, SIGTERM);
    assert_int_equal(rmat_test_wait(sim, 10000), 0);
    out = rmat_test_slurp(rec, NULL);
    assert_string_equal(out, "a recording someone needs");
    free(out);
}

static void test_cli_analyze_missing_recording(void **state)
{
    char *out, rec[600], ana[600];
    (void)state;
    snprintf(rec, sizeof rec, "%s/nope.h5", dir);
    snprintf(ana, sizeof ana, "%s/ana", dir);
    expect(1, "nope.h5", run(&out, RMAT_CLI_EXE, "analyze", rec, "-o", ana, NULL), &out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_cli_usage_errors_exit_2, setup),
        cmocka_unit_test_setup(test_cli_record_nothing_listening, setup),
        cmocka_unit_test_setup(test_cli_record_silent_device_times_out, setup),
        cmocka_unit_test_setup(test_cli_record_never_overwrites, setup),
        cmocka_unit_test_setup(test_cli_analyze_missing_recording, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
