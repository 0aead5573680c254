/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the reader (analysis/reader.c) against recordings with damaged
 * HDF5 metadata (issue 13, finding 2). A program of its own because HDF5
 * 1.10.8 leaks memory on the error paths of damaged files: its ctest
 * entry runs with a LeakSanitizer suppression of libhdf5's own
 * allocations (tests/support/lsan-hdf5.supp), which the other reader
 * tests, where a leak would be rollmat's, do not get.
 *
 * The files are written by rollmat's writer and then damaged here: bytes
 * xor-ed at seeded offsets in the first 11 kB (where the superblock, the
 * root group's object header with its attributes, and the datasets'
 * headers are), and, for the message naming the journal, the superblock's
 * checksum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rmat_test.h"
#include "rollmat/reader.h"
#include "rollmat/recording.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void write_bytes(const char *path, const unsigned char *p, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* A 16x12 recording of 300 frames, as the writer makes it. */
static void write_recording(const char *path)
{
    struct rmat_device_desc d;
    struct rmat_rec *rec = NULL;
    struct rmat_errinfo ei;
    uint16_t raw[16 * 12];

    memset(&d, 0, sizeof d);
    snprintf(d.model, sizeof d.model, "writer-mat");
    d.serial = 17;
    snprintf(d.firmware_version, sizeof d.firmware_version, "2.0");
    d.protocol_version = 1;
    d.rows = 16;
    d.cols = 12;
    d.adc_bits = 12;
    d.pitch_x_mm = 10.0;
    d.pitch_y_mm = 10.0;
    d.rate_hz = 100.0;
    assert_int_equal(rmat_rec_create(path, &d, NULL, &rec, &ei), RMAT_OK);
    for (uint32_t f = 0; f < 300; f++) {
        for (int i = 0; i < 16 * 12; i++)
            raw[i] = (uint16_t)((f * 7u + (unsigned)i * 13u) & 0x0FFFu);
        assert_int_equal(rmat_rec_append(rec, f, 1000000ull + f * 10000ull,
                                         1763724367000000000LL + (int64_t)f * 10000000LL, raw, &ei),
                         RMAT_OK);
    }
    assert_int_equal(rmat_rec_close(rec, &ei), RMAT_OK);
}

/* A recording with damaged HDF5 metadata made the SWMR reader retry with
 * doubling sleeps for minutes; then the message blamed a missing
 * attribute ("without the root attribute 'format'"). Each of 40 damaged
 * files (three bytes xor-ed at seeded offsets) must now open or fail
 * within 2 s, a failure never with that message. An alarm ends the test
 * if the reader sleeps: before the fix, this test was killed by it (run
 * with the reader's READ_ATTEMPTS line removed). */
static void test_reader_damaged_metadata_fails_fast(void **state)
{
    char dir[512], path[600], bad[600];
    unsigned char *orig;
    size_t len;
    uint64_t rng = 0x5EEDF11Bull;
    int failed = 0, said_damaged = 0;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("reader_damaged", dir, sizeof dir), 0);
    rmat_test_pathf(path, sizeof path, "%s/good.h5", dir);
    rmat_test_pathf(bad, sizeof bad, "%s/bad.h5", dir);
    write_recording(path);
    orig = (unsigned char *)rmat_test_slurp(path, &len);
    assert_non_null(orig);
    assert_true(len > 11000);
    alarm(240);
    for (int k = 0; k < 40; k++) {
        unsigned char *m = malloc(len);
        struct rmat_reader *r = NULL;
        struct rmat_errinfo ei;
        double t0;

        assert_non_null(m);
        memcpy(m, orig, len);
        for (int b = 0; b < 3; b++) {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            /* past the 8-byte signature, which H5Fis_hdf5 checks */
            m[8 + (rng >> 33) % 10992] ^= (unsigned char)(1 + (rng >> 20) % 255);
        }
        write_bytes(bad, m, len);
        free(m);
        t0 = now_s();
        if (rmat_reader_open(bad, &r, &ei) == RMAT_OK) {
            rmat_reader_close(r);
        } else {
            failed++;
            if (strstr(ei.msg, "without the root attribute"))
                fail_msg("file %d: a damaged file blamed on an attribute: %s", k, ei.msg);
            if (strstr(ei.msg, "damaged"))
                said_damaged++;
        }
        if (now_s() - t0 > 2.0)
            fail_msg("file %d took %.1f s to open or fail", k, now_s() - t0);
    }
    alarm(0);
    print_message("40 damaged files: %d refused (%d as damaged), %d opened\n", failed, said_damaged,
                  40 - failed);
    assert_true(said_damaged > 0);
    free(orig);
}

/* With the recording's journal beside it, the message names `rollmat
 * recover` and the journal; without, it says the file is damaged and
 * names recover as the way if a journal exists. The damage: the
 * superblock's checksum (bytes 44..47 of the version 3 superblock at
 * offset 0: signature 8, version and sizes 4, four addresses of 8, so
 * the checksum follows at 8 + 4 + 32 = 44), so the file cannot open. */
static void test_reader_damaged_names_journal(void **state)
{
    char dir[512], path[600], journal[700];
    unsigned char *orig;
    size_t len;
    struct rmat_reader *r = NULL;
    struct rmat_errinfo ei;
    FILE *f;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("reader_damaged_jnl", dir, sizeof dir), 0);
    rmat_test_pathf(path, sizeof path, "%s/rec.h5", dir);
    write_recording(path);
    orig = (unsigned char *)rmat_test_slurp(path, &len);
    assert_non_null(orig);
    assert_int_equal(orig[8], 3); /* superblock version 3 */
    orig[45] ^= 0xFF;
    write_bytes(path, orig, len);
    free(orig);
    assert_int_equal(rmat_reader_open(path, &r, &ei), RMAT_E_FORMAT);
    assert_null(r);
    if (!strstr(ei.msg, "damaged") || !strstr(ei.msg, "rollmat recover"))
        fail_msg("%s", ei.msg);
    rmat_test_pathf(journal, sizeof journal, "%s.journal", path);
    f = fopen(journal, "wb");
    assert_non_null(f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(rmat_reader_open(path, &r, &ei), RMAT_E_FORMAT);
    if (!strstr(ei.msg, "damaged") || !strstr(ei.msg, "rollmat recover") ||
        !strstr(ei.msg, journal))
        fail_msg("%s", ei.msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_damaged_metadata_fails_fast),
        cmocka_unit_test(test_reader_damaged_names_journal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
