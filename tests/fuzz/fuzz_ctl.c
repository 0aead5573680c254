/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmatd's control protocol (acq/daemon.c): the input as the bytes a
 * client sends, through a connection of a daemon without a mat or socket
 * (rmat_ctl_fuzz_bytes), and its first line's key=value words through the
 * session fields' parser. */
#include "fuzz.h"
#include "rollmat/daemon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0;
    (void)rmat_ctl_fuzz_bytes((const char *)data, size);
    return 0;
}
