/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test support: an LD_PRELOAD shim that lets libserialport 0.1.1 open a
 * pseudo-terminal, so tests run the real serial path against a virtual mat.
 *
 * libserialport 0.1.1 (Debian 12) fails on a pty in exactly two places, and
 * the shim answers those two and nothing else, for pty slaves only
 * (/dev/pts/N, character devices of the Unix98 pty slave majors 136..143):
 *
 *  1. The port lookup. sp_get_port_by_name("/dev/pts/N") calls
 *     get_port_details(), which does lstat("/sys/class/tty/pts/N") (through
 *     glibc's __lxstat, the library predates glibc 2.33), then readlink() of
 *     that path if it is a link, else of ".../device", and gives up when
 *     either fails. A pty has no /sys/class/tty entry, so the shim answers
 *     lstat with "a symbolic link" and readlink with a sysfs path of a
 *     platform (native) port. The path contains none of "usb", "bluetooth"
 *     or "virtual", which libserialport looks for: the pty is then a native
 *     port named "pts/N". Seen with strace; sp_list_ports() readdir()s
 *     /sys/class/tty, so ptys stay out of port lists, as they should.
 *  2. The modem lines. sp_open() reads them with ioctl(TIOCMGET) and
 *     sp_set_dtr()/sp_set_rts() set them with TIOCMBIS/TIOCMBIC; the pty
 *     driver has no modem lines and says ENOTTY. The shim calls the real
 *     ioctl first and only when it fails with ENOTTY or EINVAL on a pty
 *     slave does TIOCMGET report DTR, RTS, CTS, DSR and CD up, and TIOCMSET,
 *     TIOCMBIS and TIOCMBIC succeed without doing anything.
 *
 * Everything else (termios through tcsetattr, reads, writes, poll, close)
 * reaches the kernel unchanged, through dlsym(RTLD_NEXT, ...).
 *
 * Use: LD_PRELOAD=/path/librmat_pty_shim.so program ...
 * Under AddressSanitizer the ASan runtime must come first in LD_PRELOAD
 * (ASan refuses to start otherwise):
 *   LD_PRELOAD="$(gcc -print-file-name=libasan.so):/path/librmat_pty_shim.so"
 * ASan's own interceptors of ioctl, readlink and __lxstat then call on into
 * the shim, which calls on into libc. tests/test_serial.c finds the runtime
 * its own process was linked with (dl_iterate_phdr) and builds that list.
 * The shim itself is built without sanitizers, so it loads into any program.
 *
 * Not a model for library code: it has no rmat_ prefix because it must
 * carry libc's names, and it looks the next symbol up on every call rather
 * than cache it, so it keeps no state at all.
 */
#undef _FORTIFY_SOURCE /* readlink must not be a fortify inline here */
#define _GNU_SOURCE

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <termios.h>
#include <unistd.h>

/* The sysfs directory libserialport 0.1.1 resolves a port name under. */
#define SYSFS_TTY "/sys/class/tty/"
/* Linux Unix98 pty slaves (Documentation/admin-guide/devices.txt). */
#define PTY_SLAVE_MAJOR_FIRST 136u
#define PTY_SLAVE_MAJOR_LAST  143u

/* The symbols the shim exports: libc's names and signatures. __lxstat is
 * what binaries built against glibc < 2.33 call for lstat(); glibc 2.36
 * still provides it, but no longer declares it. */
int __lxstat(int ver, const char *path, struct stat *st);
int lstat(const char *path, struct stat *st);
ssize_t readlink(const char *path, char *buf, size_t len);
int ioctl(int fd, unsigned long request, ...);

static int is_pty_slave(const struct stat *st)
{
    return S_ISCHR(st->st_mode) && major(st->st_rdev) >= PTY_SLAVE_MAJOR_FIRST &&
           major(st->st_rdev) <= PTY_SLAVE_MAJOR_LAST;
}

/* If path is /sys/class/tty/pts/N or /sys/class/tty/pts/N/device and
 * /dev/pts/N is a pty slave, writes N to *n and returns 1. */
static int sysfs_pty(const char *path, unsigned long *n)
{
    const char *p;
    char *end, dev[64];
    struct stat st;

    if (strncmp(path, SYSFS_TTY "pts/", sizeof SYSFS_TTY "pts/" - 1) != 0)
        return 0;
    p = path + sizeof SYSFS_TTY "pts/" - 1;
    if (*p < '0' || *p > '9')
        return 0;
    *n = strtoul(p, &end, 10);
    if (*end != '\0' && strcmp(end, "/device") != 0)
        return 0;
    snprintf(dev, sizeof dev, "/dev/pts/%lu", *n);
    return stat(dev, &st) == 0 && is_pty_slave(&st);
}

static void fake_link_stat(struct stat *st)
{
    memset(st, 0, sizeof *st);
    st->st_mode = S_IFLNK | 0777;
    st->st_nlink = 1;
}

int __lxstat(int ver, const char *path, struct stat *st)
{
    int (*next)(int, const char *, struct stat *);
    unsigned long n;

    if (sysfs_pty(path, &n)) {
        fake_link_stat(st);
        return 0;
    }
    *(void **)&next = dlsym(RTLD_NEXT, "__lxstat");
    if (!next) {
        errno = ENOSYS;
        return -1;
    }
    return next(ver, path, st);
}

int lstat(const char *path, struct stat *st)
{
    int (*next)(const char *, struct stat *);
    unsigned long n;

    if (sysfs_pty(path, &n)) {
        fake_link_stat(st);
        return 0;
    }
    *(void **)&next = dlsym(RTLD_NEXT, "lstat");
    if (!next) {
        errno = ENOSYS;
        return -1;
    }
    return next(path, st);
}

ssize_t readlink(const char *path, char *buf, size_t len)
{
    ssize_t (*next)(const char *, char *, size_t);
    unsigned long n;

    if (sysfs_pty(path, &n)) {
        /* Shaped like a native port's link (serial8250 gives
         * ../../devices/platform/serial8250/tty/ttyS0). Like readlink(2):
         * no NUL, silently cut at len. */
        char target[96];
        int k =
            snprintf(target, sizeof target, "../../devices/platform/rmat-pty-shim/tty/pts/%lu", n);
        size_t m = (size_t)k < len ? (size_t)k : len;
        memcpy(buf, target, m);
        return (ssize_t)m;
    }
    *(void **)&next = dlsym(RTLD_NEXT, "readlink");
    if (!next) {
        errno = ENOSYS;
        return -1;
    }
    return next(path, buf, len);
}

int ioctl(int fd, unsigned long request, ...)
{
    int (*next)(int, unsigned long, ...);
    int saved = errno, err, r;
    struct stat st;
    void *arg;
    va_list ap;

    /* Every ioctl passes at most one pointer-sized argument; libc's own
     * wrapper reads it the same way. */
    va_start(ap, request);
    arg = va_arg(ap, void *);
    va_end(ap);
    *(void **)&next = dlsym(RTLD_NEXT, "ioctl");
    if (!next) {
        errno = ENOSYS;
        return -1;
    }
    r = next(fd, request, arg);
    err = errno;
    if (r != -1 || (err != ENOTTY && err != EINVAL))
        return r;
    if (request != TIOCMGET && request != TIOCMSET && request != TIOCMBIS && request != TIOCMBIC)
        return r;
    if (fstat(fd, &st) != 0 || !is_pty_slave(&st)) {
        errno = err;
        return r;
    }
    if (request == TIOCMGET) {
        if (!arg) {
            errno = EFAULT;
            return -1;
        }
        *(int *)arg = TIOCM_DTR | TIOCM_RTS | TIOCM_CTS | TIOCM_DSR | TIOCM_CD;
    }
    errno = saved;
    return 0;
}
