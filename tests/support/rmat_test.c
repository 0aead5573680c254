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
#include <unistd.h>

#include "rollmat/recording.h"

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

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

int rmat_test_wait(pid_t pid, int timeout_ms)
{
    int status;
    for (int waited = 0;; waited += 10) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR)
            return -1;
        if (waited >= timeout_ms) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        sleep_ms(10);
    }
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

int rmat_test_wait_file(const char *path, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 10) {
        struct stat st;
        if (stat(path, &st) == 0 && st.st_size > 0)
            return 0;
        sleep_ms(10);
    }
    return -1;
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
