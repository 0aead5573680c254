/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the recording id generator (common/uuid.c): the text form
 * (8-4-4-4-12 lowercase hex), the version and variant bits of a v4 UUID
 * from known bytes, the validity check, and that ids drawn from the
 * kernel's random source differ. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "rollmat/uuid.h"

static void test_uuid_format_known_bytes(void **state)
{
    /* RFC 9562's layout over fixed bytes: the version nibble (byte 6)
     * becomes 4 and the variant (byte 8) 10xx, nothing else changes. */
    static const uint8_t zero[16] = {0};
    static const uint8_t ones[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    static const uint8_t seq[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                    0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
    char out[RMAT_UUID_STR_LEN];

    (void)state;
    rmat_uuid_v4_format(zero, out);
    assert_string_equal(out, "00000000-0000-4000-8000-000000000000");
    rmat_uuid_v4_format(ones, out);
    assert_string_equal(out, "ffffffff-ffff-4fff-bfff-ffffffffffff");
    rmat_uuid_v4_format(seq, out);
    assert_string_equal(out, "00112233-4455-4677-8899-aabbccddeeff");
    assert_int_equal(strlen(out), RMAT_UUID_STR_LEN - 1);
}

static void test_uuid_valid(void **state)
{
    (void)state;
    assert_true(rmat_uuid_valid("00112233-4455-4677-8899-aabbccddeeff"));
    assert_true(rmat_uuid_valid("0C5E1F9A-7D2B-4E3C-9A81-5F6E7D8C9B0A")); /* either case */
    assert_false(rmat_uuid_valid(NULL));
    assert_false(rmat_uuid_valid(""));
    assert_false(rmat_uuid_valid("00112233-4455-4677-8899-aabbccddeef"));   /* short */
    assert_false(rmat_uuid_valid("00112233-4455-4677-8899-aabbccddeeff0")); /* long */
    assert_false(rmat_uuid_valid("00112233x4455-4677-8899-aabbccddeeff"));  /* separator */
    assert_false(rmat_uuid_valid("0011223g-4455-4677-8899-aabbccddeeff"));  /* not hex */
    assert_false(rmat_uuid_valid("001122334455-4677-8899-aabbccddeeff--")); /* groups */
}

static void test_uuid_v4_random_and_distinct(void **state)
{
    enum { N = 200 };
    static char ids[N][RMAT_UUID_STR_LEN];
    struct rmat_errinfo ei;

    (void)state;
    for (int i = 0; i < N; i++) {
        assert_int_equal(rmat_uuid_v4(ids[i], &ei), RMAT_OK);
        assert_true(rmat_uuid_valid(ids[i]));
        assert_int_equal(ids[i][14], '4');
        assert_non_null(strchr("89ab", ids[i][19]));
        for (const char *p = ids[i]; *p; p++)
            assert_true(*p == '-' || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'));
        for (int k = 0; k < i; k++)
            assert_string_not_equal(ids[i], ids[k]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uuid_format_known_bytes),
        cmocka_unit_test(test_uuid_valid),
        cmocka_unit_test(test_uuid_v4_random_and_distinct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
