/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Byte links: TCP round trips, timeouts, a peer that hangs up, and the
 * errors a user meets first (a typo in the URL, nothing listening, a serial
 * port that is not there). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rmat_test.h"
#include "rollmat/transport.h"

/* A listening socket on a free loopback port; its port in *port. */
static int listen_any(unsigned *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 1), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static void test_transport_rejects_malformed_urls(void **state)
{
    struct rmat_transport *t = (struct rmat_transport *)1;
    struct rmat_errinfo ei;
    (void)state;
    assert_int_equal(rmat_transport_open("tcp://127.0.0.1", 0, &t, &ei), RMAT_E_ARG);
    assert_null(t);
    assert_non_null(strstr(ei.msg, "tcp://HOST:PORT"));
    assert_int_equal(rmat_transport_open("tcp://:5760", 0, &t, &ei), RMAT_E_ARG);
    assert_int_equal(rmat_transport_open("udp://127.0.0.1:5760", 0, &t, &ei), RMAT_E_ARG);
    assert_non_null(strstr(ei.msg, "unknown link"));
    assert_int_equal(rmat_transport_open("", 0, &t, &ei), RMAT_E_ARG);
}

static void test_transport_nothing_listening_is_closed(void **state)
{
    struct rmat_transport *t;
    struct rmat_errinfo ei;
    char url[64];
    unsigned port;
    int fd = listen_any(&port);
    (void)state;
    close(fd); /* the port is now free and nothing listens there */
    snprintf(url, sizeof url, "tcp://127.0.0.1:%u", port);
    assert_int_equal(rmat_transport_open(url, 0, &t, &ei), RMAT_E_CLOSED);
    assert_null(t);
    assert_non_null(strstr(ei.msg, url + 6));
}

static void test_transport_missing_serial_port_is_not_found(void **state)
{
    struct rmat_transport *t;
    struct rmat_errinfo ei;
    char dir[512], path[600];
    FILE *f;
    (void)state;
    assert_int_equal(rmat_transport_open("/dev/ttyNOSUCHPORT9", 0, &t, &ei), RMAT_E_NOTFOUND);
    assert_non_null(strstr(ei.msg, "/dev/ttyNOSUCHPORT9"));
    /* a regular file is not a serial port */
    assert_int_equal(rmat_test_tmpdir("transport", dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/not-a-tty", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(rmat_transport_open(path, 0, &t, &ei), RMAT_E_NOTFOUND);
    assert_non_null(strstr(ei.msg, "not a serial port"));
}

static void test_transport_tcp_round_trip_timeout_and_hangup(void **state)
{
    struct rmat_transport *t;
    struct rmat_errinfo ei;
    uint8_t buf[64];
    char url[64];
    unsigned port;
    int lfd = listen_any(&port), cfd, n;
    (void)state;
    snprintf(url, sizeof url, "tcp://127.0.0.1:%u", port);
    assert_int_equal(rmat_transport_open(url, 0, &t, &ei), RMAT_OK);
    assert_string_equal(rmat_transport_name(t), url);
    cfd = accept(lfd, NULL, NULL);
    assert_true(cfd >= 0);

    /* nothing sent yet: a read times out with 0 bytes */
    assert_int_equal(rmat_transport_read(t, buf, sizeof buf, 50, &ei), 0);

    assert_int_equal(send(cfd, "\x01\x02\x00", 3, 0), 3);
    n = rmat_transport_read(t, buf, sizeof buf, 1000, &ei);
    assert_int_equal(n, 3);
    assert_memory_equal(buf, "\x01\x02\x00", 3);

    assert_int_equal(rmat_transport_write(t, (const uint8_t *)"ping", 4, 1000, &ei), RMAT_OK);
    assert_int_equal(recv(cfd, buf, sizeof buf, 0), 4);
    assert_memory_equal(buf, "ping", 4);

    close(cfd); /* the mat hangs up */
    assert_int_equal(rmat_transport_read(t, buf, sizeof buf, 1000, &ei), RMAT_E_CLOSED);
    assert_non_null(strstr(ei.msg, "closed"));
    rmat_transport_close(t);
    rmat_transport_close(NULL);
    close(lfd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transport_rejects_malformed_urls),
        cmocka_unit_test(test_transport_nothing_listening_is_closed),
        cmocka_unit_test(test_transport_missing_serial_port_is_not_found),
        cmocka_unit_test(test_transport_tcp_round_trip_timeout_and_hangup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
