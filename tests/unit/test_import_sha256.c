/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SHA-256 (analysis/import/sha256.c) against the known answers of FIPS
 * 180-4's examples (NIST CSRC "Examples with intermediate values" and the
 * long-message vector): "abc", the empty string, the 448-bit message and
 * one million 'a', fed in one piece and in awkward pieces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "rollmat/sha256.h"

static void hex_of(const void *msg, size_t n, size_t piece, char out[RMAT_SHA256_HEX])
{
    struct rmat_sha256 s;
    uint8_t d[RMAT_SHA256_LEN];
    const uint8_t *p = msg;
    rmat_sha256_init(&s);
    if (piece == 0)
        piece = n ? n : 1;
    for (size_t i = 0; i < n; i += piece)
        rmat_sha256_update(&s, p + i, n - i < piece ? n - i : piece);
    rmat_sha256_final(&s, d);
    rmat_sha256_hex(d, out);
}

static void test_import_sha256_abc(void **state)
{
    char h[RMAT_SHA256_HEX];
    (void)state;
    hex_of("abc", 3, 0, h);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    hex_of("abc", 3, 1, h);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_import_sha256_empty(void **state)
{
    char h[RMAT_SHA256_HEX];
    (void)state;
    hex_of("", 0, 0, h);
    assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_import_sha256_448_bits(void **state)
{
    /* 56 bytes: the padding needs a second block. */
    static const char m[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    char h[RMAT_SHA256_HEX];
    (void)state;
    assert_int_equal(strlen(m), 56);
    for (size_t piece = 0; piece <= 57; piece += 7) {
        hex_of(m, 56, piece, h);
        assert_string_equal(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    }
}

static void test_import_sha256_million_a(void **state)
{
    static char m[1000000];
    char h[RMAT_SHA256_HEX];
    (void)state;
    memset(m, 'a', sizeof m);
    hex_of(m, sizeof m, 0, h);
    assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    hex_of(m, sizeof m, 1000, h);
    assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    hex_of(m, sizeof m, 63, h);
    assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_import_sha256_abc),
        cmocka_unit_test(test_import_sha256_empty),
        cmocka_unit_test(test_import_sha256_448_bits),
        cmocka_unit_test(test_import_sha256_million_a),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
