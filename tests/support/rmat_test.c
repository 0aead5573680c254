/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test support: temporary paths and child processes. */
#include "rmat_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rollmat/recording.h"

static int rm_tree(const char *path)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    return system(cmd);
}

int rmat_test_tmpdir(const char *name, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%s/%s.%ld", RMAT_TEST_TMP, name, (long)getpid());
    if (n < 0 || (size_t)n >= cap)
        return -1;
    rm_tree(buf);
    mkdir(RMAT_TEST_TMP, 0755);
    return mkdir(buf, 0755) == 0 ? 0 : -1;
}

pid_t rmat_test_spawn(char *const argv[], const char *out_path)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
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
    return pid;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits by event: a pidfd becomes readable when its process exits (Linux
 * 5.3), so the wait ends the moment the child does. */
int rmat_test_wait(pid_t pid, int timeout_ms)
{
    const int64_t deadline = mono_ms() + timeout_ms;
    int status, fd = (int)syscall(SYS_pidfd_open, pid, 0);

    if (fd < 0)
        return -1;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        const int64_t left = deadline - mono_ms();
        const int r = poll(&p, 1, left > 0 ? (int)left : 0);
        if (r > 0)
            break;
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            close(fd);
            return -1;
        }
        close(fd);
        return -1;
    }
    close(fd);
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

char *rmat_test_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;
    if (!f)
        return NULL;
    for (;;) {
        if (cap - n < 4096) {
            char *nb = realloc(buf, cap * 2 + 4096);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
            cap = cap * 2 + 4096;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        if (got == 0)
            break;
        n += got;
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

/* A regular file with something in it, or anything else (a socket) that
 * exists. */
static int file_ready(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && (!S_ISREG(st.st_mode) || st.st_size > 0);
}

/* Waits by event: inotify on the file's folder reports every file closed
 * after writing, or moved in, there. */
int rmat_test_wait_file(const char *path, int timeout_ms)
{
    const int64_t deadline = mono_ms() + timeout_ms;
    char dir[4096];
    const char *slash = strrchr(path, '/');
    int fd, rc = -1;

    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (fd < 0 ||
        inotify_add_watch(fd, dir, IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MODIFY) < 0) {
        if (fd >= 0)
            close(fd);
        return file_ready(path) ? 0 : -1;
    }
    for (;;) {
        /* Checked after the watch is set, so a file written in between is
         * not missed. */
        if (file_ready(path)) {
            rc = 0;
            break;
        }
        const int64_t left = deadline - mono_ms();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || (poll(&p, 1, (int)left) < 0 && errno != EINTR))
            break;
        char buf[4096];
        while (read(fd, buf, sizeof buf) > 0) {
        }
    }
    close(fd);
    return rc;
}

int rmat_test_count_text(const char *path, const char *text)
{
    char *buf = rmat_test_slurp(path, NULL);
    int n = 0;

    if (!buf || !*text) {
        free(buf);
        return 0;
    }
    for (const char *p = buf; (p = strstr(p, text)) != NULL; p += strlen(text))
        n++;
    free(buf);
    return n;
}

int rmat_test_wait_text(const char *path, const char *text, int count, int timeout_ms)
{
    const int64_t deadline = mono_ms() + timeout_ms;
    char dir[4096];
    const char *slash = strrchr(path, '/');
    int fd, rc = -1;

    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (fd < 0 || inotify_add_watch(fd, dir, IN_CREATE | IN_CLOSE_WRITE | IN_MODIFY) < 0) {
        if (fd >= 0)
            close(fd);
        return rmat_test_count_text(path, text) >= count ? 0 : -1;
    }
    for (;;) {
        /* Looked at after the watch is set, so a line written in between
         * is not missed. */
        if (rmat_test_count_text(path, text) >= count) {
            rc = 0;
            break;
        }
        const int64_t left = deadline - mono_ms();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || (poll(&p, 1, (int)left) < 0 && errno != EINTR))
            break;
        char buf[4096];
        while (read(fd, buf, sizeof buf) > 0) {
        }
    }
    close(fd);
    return rc;
}

int rmat_test_run(char *const argv[], const char *out_path, int timeout_ms)
{
    pid_t pid = rmat_test_spawn(argv, out_path);
    assert_true(pid > 0);
    return rmat_test_wait(pid, timeout_ms);
}

void rmat_test_source_path(char *buf, size_t cap, const char *rel)
{
    int n = snprintf(buf, cap, "%s/%s", RMAT_SOURCE_DIR, rel);
    assert_true(n > 0 && (size_t)n < cap);
}

void rmat_test_pathf(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < cap);
}

double rmat_test_json_num(const char *json, const char *key)
{
    char pat[96];
    const char *p;

    snprintf(pat, sizeof pat, "\"%s\":", key);
    p = strstr(json, pat);
    if (!p) {
        print_error("no %s in the JSON\n", pat);
        fail();
    }
    p += strlen(pat);
    while (*p == ' ')
        p++;
    return strncmp(p, "null", 4) == 0 ? NAN : strtod(p, NULL);
}

void rmat_test_write_flat(const char *path, int rows, int cols, int frames, unsigned value)
{
    struct rmat_device_desc dev;
    struct rmat_rec *rec = NULL;
    struct rmat_errinfo ei;
    uint16_t *raw = malloc((size_t)rows * (size_t)cols * sizeof *raw);

    assert_non_null(raw);
    for (int k = 0; k < rows * cols; k++)
        raw[k] = (uint16_t)value;
    memset(&dev, 0, sizeof dev);
    dev.rows = rows;
    dev.cols = cols;
    dev.adc_bits = 12;
    dev.pitch_x_mm = dev.pitch_y_mm = 10.0;
    dev.rate_hz = 100.0;
    assert_int_equal(rmat_rec_create(path, &dev, NULL, &rec, &ei), RMAT_OK);
    for (int f = 0; f < frames; f++)
        assert_int_equal(rmat_rec_append(rec, (uint32_t)f, (uint64_t)f * 10000u, 0, raw, &ei),
                         RMAT_OK);
    assert_int_equal(rmat_rec_close(rec, &ei), RMAT_OK);
    free(raw);
}
