/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the CRC-32/ISO-HDLC of the wire protocol (firmware/core/crc32.c).
 *
 * Known answers come from outside the code under test: the catalogue check
 * value of CRC-32/ISO-HDLC, and values computed with Python's zlib.crc32 at
 * authoring time (the command is in each comment). A bitwise implementation
 * written here from the polynomial checks the table over random data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rollmat/crc32.h"

/* Bit by bit from the definition: reflected polynomial 0xEDB88320, init
 * 0xFFFFFFFF, final xor 0xFFFFFFFF. Independent of the table in crc32.c. */
static uint32_t crc_bitwise(const uint8_t *buf, size_t len)
{
    uint32_t reg = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++) {
        reg ^= buf[i];
        for (int bit = 0; bit < 8; bit++)
            reg = (reg & 1u) ? (reg >> 1) ^ 0xEDB88320u : reg >> 1;
    }
    return reg ^ 0xFFFFFFFFu;
}

/* A fixed-seed generator so every run sees the same "random" bytes. */
static uint32_t lcg_next(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state >> 8;
}

static void test_crc32_check_value(void **state)
{
    (void)state;
    /* The catalogue check value of CRC-32/ISO-HDLC. */
    const uint8_t msg[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
    assert_int_equal(rmat_crc32(msg, sizeof msg), 0xCBF43926u);
    assert_int_equal(rmat_crc32_update(0, msg, sizeof msg), 0xCBF43926u);
}

static void test_crc32_empty_is_zero(void **state)
{
    (void)state;
    const uint8_t none[1] = {0};
    assert_int_equal(rmat_crc32(none, 0), 0u);
    assert_int_equal(rmat_crc32(NULL, 0), 0u);
    /* Feeding nothing leaves a running CRC as it is. */
    assert_int_equal(rmat_crc32_update(0xCBF43926u, none, 0), 0xCBF43926u);
}

static void test_crc32_second_known_answers(void **state)
{
    (void)state;
    /* python3 -c "import zlib; print(hex(zlib.crc32(
     *     b'The quick brown fox jumps over the lazy dog')))" -> 0x414fa339 */
    const char *fox = "The quick brown fox jumps over the lazy dog";
    assert_int_equal(rmat_crc32((const uint8_t *)fox, strlen(fox)), 0x414FA339u);

    /* python3 -c "import zlib; print(hex(zlib.crc32(bytes(range(256)))))"
     * -> 0x29058c73: every byte value once, so every table entry is used. */
    uint8_t all[256];
    for (size_t i = 0; i < sizeof all; i++)
        all[i] = (uint8_t)i;
    assert_int_equal(rmat_crc32(all, sizeof all), 0x29058C73u);

    /* python3 -c "import zlib; print(hex(zlib.crc32(bytes(32))))" -> 0x190a55ad */
    const uint8_t zeros[32] = {0};
    assert_int_equal(rmat_crc32(zeros, sizeof zeros), 0x190A55ADu);

    /* python3 -c "import zlib; print(hex(zlib.crc32(b'\xff' * 32)))" -> 0xff6cab0b */
    uint8_t ones[32];
    memset(ones, 0xFF, sizeof ones);
    assert_int_equal(rmat_crc32(ones, sizeof ones), 0xFF6CAB0Bu);
}

static void test_crc32_chaining_equals_one_shot(void **state)
{
    (void)state;
    const char *fox = "The quick brown fox jumps over the lazy dog";
    const uint8_t *msg = (const uint8_t *)fox;
    size_t len = strlen(fox);
    /* Every split point, and a three-way split, give the one-shot value. */
    for (size_t cut = 0; cut <= len; cut++) {
        uint32_t crc = rmat_crc32_update(0, msg, cut);
        crc = rmat_crc32_update(crc, msg + cut, len - cut);
        assert_int_equal(crc, 0x414FA339u);
    }
    uint32_t crc = rmat_crc32_update(0, msg, 4);
    crc = rmat_crc32_update(crc, msg + 4, 15);
    crc = rmat_crc32_update(crc, msg + 19, len - 19);
    assert_int_equal(crc, 0x414FA339u);
}

static void test_crc32_matches_bitwise_reference(void **state)
{
    (void)state;
    uint8_t buf[1500];
    uint32_t seed = 12345u;
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)lcg_next(&seed);
    /* Lengths 0..64 one by one, then some long ones. */
    for (size_t len = 0; len <= 64; len++)
        assert_int_equal(rmat_crc32(buf, len), crc_bitwise(buf, len));
    const size_t longs[] = {255, 256, 257, 1023, 1500};
    for (size_t k = 0; k < sizeof longs / sizeof longs[0]; k++)
        assert_int_equal(rmat_crc32(buf, longs[k]), crc_bitwise(buf, longs[k]));
}

static void test_crc32_detects_every_single_bit_flip(void **state)
{
    (void)state;
    /* A CRC-32 catches every 1-bit error; the decoder's noise target rests
     * on it. */
    uint8_t buf[64];
    uint32_t seed = 777u;
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)lcg_next(&seed);
    uint32_t good = rmat_crc32(buf, sizeof buf);
    for (size_t bit = 0; bit < 8 * sizeof buf; bit++) {
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_not_equal(rmat_crc32(buf, sizeof buf), good);
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    assert_int_equal(rmat_crc32(buf, sizeof buf), good);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32_check_value),
        cmocka_unit_test(test_crc32_empty_is_zero),
        cmocka_unit_test(test_crc32_second_known_answers),
        cmocka_unit_test(test_crc32_chaining_equals_one_shot),
        cmocka_unit_test(test_crc32_matches_bitwise_reference),
        cmocka_unit_test(test_crc32_detects_every_single_bit_flip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
