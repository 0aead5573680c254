/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test support: temporary paths and child processes for the cmocka tests. */
#ifndef RMAT_TEST_H
#define RMAT_TEST_H

#include <stddef.h>
#include <sys/types.h>

/* Makes a fresh empty directory under the build's tests/tmp named after
 * name and the pid, and writes its path to buf. Returns 0 or -1. */
int rmat_test_tmpdir(const char *name, char *buf, size_t cap);

/* Starts argv[0] with argv (NULL-terminated); stdout and stderr go to
 * out_path if not NULL (else inherited). Returns the pid or -1. */
pid_t rmat_test_spawn(char *const argv[], const char *out_path);

/* Waits for pid up to timeout_ms; returns its exit status (0..255), 128+sig
 * if it was killed by a signal, or -1 on timeout (the child is then killed). */
int rmat_test_wait(pid_t pid, int timeout_ms);

/* Reads the whole of a small file into a NUL-terminated heap buffer the
 * caller frees; NULL on error. */
char *rmat_test_slurp(const char *path, size_t *len);

/* Waits until path exists and, if it is a regular file, is non-empty (a
 * socket only has to exist), up to timeout_ms; by event (inotify), not by
 * polling. Returns 0 or -1. */
int rmat_test_wait_file(const char *path, int timeout_ms);

/* How many times text occurs in the file at path (0 if it cannot be read). */
int rmat_test_count_text(const char *path, const char *text);

/* Waits until the file at path (a log being written) holds text at least
 * count times, up to timeout_ms; by event (inotify on its folder), not by
 * polling. Returns 0, or -1 on timeout. */
int rmat_test_wait_text(const char *path, const char *text, int count, int timeout_ms);

/* Spawns argv (output to out_path, as rmat_test_spawn) and waits up to
 * timeout_ms; returns rmat_test_wait()'s status. Fails the test if the
 * program cannot be started. */
int rmat_test_run(char *const argv[], const char *out_path, int timeout_ms);

/* The path of rel inside the source tree (e.g. a shipped scene) into buf. */
void rmat_test_source_path(char *buf, size_t cap, const char *rel);

/* Formats a path (or any short text) into buf, failing the test if it does
 * not fit: the tests' one way to build paths, so a Release build's
 * -Wformat-truncation has nothing to guess about. */
void rmat_test_pathf(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The number after "key": in a small JSON text, NaN for null; fails the
 * test if the key is not there. */
double rmat_test_json_num(const char *json, const char *key);

/* Writes a recording at path of frames frames of a rows x cols mat (10 mm
 * pitch, 12-bit, 100 Hz, 10 ms apart) whose every sensel reads value.
 * Fails the test on any error. */
void rmat_test_write_flat(const char *path, int rows, int cols, int frames, unsigned value);

#endif
