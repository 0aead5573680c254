/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test support: an LD_PRELOAD shim that makes the Nth write to a
 * recording fail, for bench/ioinject.sh (issue 13: I/O errors injected at
 * every call of a short recording).
 *
 * Counted are write, pwrite, pwrite64, fdatasync, fsync, ftruncate and
 * ftruncate64 on a file whose name ends in ".h5", ".journal" or
 * ".recovering" (the recording, its journal, a recovery's output), found
 * through /proc/self/fd; every other call passes untouched.
 *
 *   RMAT_FAIL_N=N       the Nth counted call fails with EIO (0: none)
 *   RMAT_FAIL_MODE=once only that call fails (a transient error);
 *                  always  that call and every later one fail (a disk gone)
 *   RMAT_FAIL_ERRNO=E   the errno to fail with (default EIO; 28 is ENOSPC)
 *   RMAT_FAIL_REPORT=F  at exit, writes "COUNTED FAILED" to F, so a run
 *                       without failures tells how many N there are
 *
 * The counter is process-wide and not atomic: the recorder writes from one
 * thread. Built without sanitizers so it preloads into any program. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static long counted, failed, fail_n = -1;
static int fail_always, fail_errno = EIO;

static void setup(void)
{
    const char *n, *m, *e;

    if (fail_n >= 0)
        return;
    n = getenv("RMAT_FAIL_N");
    m = getenv("RMAT_FAIL_MODE");
    e = getenv("RMAT_FAIL_ERRNO");
    fail_n = n ? atol(n) : 0;
    fail_always = m && strcmp(m, "always") == 0;
    if (e && atoi(e) > 0)
        fail_errno = atoi(e);
}

static int ends_with(const char *s, size_t n, const char *tail)
{
    size_t t = strlen(tail);
    return n >= t && memcmp(s + n - t, tail, t) == 0;
}

/* 1 if this call on fd is to fail (errno set), 0 to pass it on. */
static int inject(int fd)
{
    char link[64], path[4096];
    ssize_t n;

    setup();
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, path, sizeof path - 1);
    if (n <= 0)
        return 0;
    path[n] = '\0';
    if (!ends_with(path, (size_t)n, ".h5") && !ends_with(path, (size_t)n, ".journal") &&
        !ends_with(path, (size_t)n, ".recovering"))
        return 0;
    counted++;
    if (fail_n > 0 && (counted == fail_n || (fail_always && counted > fail_n))) {
        failed++;
        errno = fail_errno;
        return 1;
    }
    return 0;
}

__attribute__((destructor)) static void report(void)
{
    const char *f = getenv("RMAT_FAIL_REPORT");
    int fd;
    char line[64];

    if (!f)
        return;
    fd = open(f, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return;
    snprintf(line, sizeof line, "%ld %ld\n", counted, failed);
    {
        ssize_t (*real_write)(int, const void *, size_t) =
            (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
        if (real_write)
            (void)real_write(fd, line, strlen(line));
    }
    close(fd);
}

#define REAL(name, type) ((type)dlsym(RTLD_NEXT, name))

ssize_t write(int fd, const void *buf, size_t len)
{
    if (inject(fd))
        return -1;
    return REAL("write", ssize_t(*)(int, const void *, size_t))(fd, buf, len);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
    if (inject(fd))
        return -1;
    return REAL("pwrite", ssize_t(*)(int, const void *, size_t, off_t))(fd, buf, len, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off64_t off)
{
    if (inject(fd))
        return -1;
    return REAL("pwrite64", ssize_t(*)(int, const void *, size_t, off64_t))(fd, buf, len, off);
}

int fdatasync(int fd)
{
    if (inject(fd))
        return -1;
    return REAL("fdatasync", int (*)(int))(fd);
}

int fsync(int fd)
{
    if (inject(fd))
        return -1;
    return REAL("fsync", int (*)(int))(fd);
}

int ftruncate(int fd, off_t len)
{
    if (inject(fd))
        return -1;
    return REAL("ftruncate", int (*)(int, off_t))(fd, len);
}

int ftruncate64(int fd, off64_t len)
{
    if (inject(fd))
        return -1;
    return REAL("ftruncate64", int (*)(int, off64_t))(fd, len);
}
