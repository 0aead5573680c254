/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Paths, folders and output files whose every write error is caught
 * (files.h). */
#include "rollmat/files.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- files --------------------------------------------------------------- */

int rmat_path_join(char *buf, size_t cap, const char *dir, const char *name,
                   struct rmat_errinfo *ei)
{
    int n = snprintf(buf, cap, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= cap)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "path too long: %s/%s", dir, name);
    return RMAT_OK;
}

int rmat_mkdirs(const char *dir, struct rmat_errinfo *ei)
{
    char buf[RMAT_PATH_BUF];
    struct stat st;
    size_t len = dir ? strlen(dir) : 0;

    if (len == 0 || len >= sizeof buf)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "folder name empty or too long");
    memcpy(buf, dir, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        const char saved = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
            const int e = errno;
            return rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "cannot create folder %s: %s",
                                    buf, strerror(e));
        }
        buf[i] = saved;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return rmat_errinfo_set(ei, RMAT_E_IO, ENOTDIR, "%s is not a folder", dir);
    return RMAT_OK;
}

int rmat_out_open_path(const char *path, FILE **f, struct rmat_errinfo *ei)
{
    struct stat st;

    /* A file of an earlier run is removed, not truncated: ext4 writes out a
     * file truncated to zero and written again when it is closed
     * (auto_da_alloc), and waits for the earlier writeback, which can
     * triple the time of writing a large CSV. Anything but a regular file
     * (a link the user put there) is opened as it is. */
    if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
        (void)unlink(path);
    *f = fopen(path, "w");
    if (!*f) {
        const int e = errno;
        return rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "cannot create %s: %s", path,
                                strerror(e));
    }
    /* Cleared so that after a failed write errno names its cause:
     * successful calls never clear it. */
    errno = 0;
    return RMAT_OK;
}

int rmat_out_open(const char *dir, const char *name, FILE **f, char *path_out,
                  struct rmat_errinfo *ei)
{
    int rc = rmat_path_join(path_out, RMAT_PATH_BUF, dir, name, ei);
    *f = NULL;
    if (rc != RMAT_OK)
        return rc;
    return rmat_out_open_path(path_out, f, ei);
}

int rmat_out_close(FILE *f, const char *path, struct rmat_errinfo *ei)
{
    /* The stream's error flag says a write failed and errno (cleared at
     * open, never cleared by a successful call) says why; fclose flushes
     * the rest, so its failure counts as much. */
    int bad = ferror(f), e = errno;
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (!bad)
        return RMAT_OK;
    if (e == 0)
        e = EIO;
    return rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "cannot write %s: %s", path,
                            strerror(e));
}

int rmat_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}
