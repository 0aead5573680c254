/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of COBS (firmware/core/cobs.c).
 *
 * The vectors are worked out by hand from the definition: a group is a code
 * byte c followed by c - 1 non-zero bytes and stands for them plus a 0x00,
 * except the last group (no 0x00) and a full group c = 0xFF (254 bytes, no
 * 0x00). rollmat's encoder never appends an empty group after a full last
 * group.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rollmat/cobs.h"
#include "rollmat/err.h"

struct vec {
    const char *what;
    const uint8_t *in;
    size_t in_len;
    const uint8_t *enc;
    size_t enc_len;
};

static uint32_t lcg_next(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state >> 8;
}

static void check_vec(const struct vec *v)
{
    uint8_t out[600];
    int n = rmat_cobs_encode(v->in, v->in_len, out, sizeof out);
    assert_int_equal(n, (int)v->enc_len);
    assert_memory_equal(out, v->enc, v->enc_len);
    /* The exact capacity is enough. */
    n = rmat_cobs_encode(v->in, v->in_len, out, v->enc_len);
    assert_int_equal(n, (int)v->enc_len);

    uint8_t back[600];
    n = rmat_cobs_decode(v->enc, v->enc_len, back, sizeof back);
    assert_int_equal(n, (int)v->in_len);
    if (v->in_len > 0)
        assert_memory_equal(back, v->in, v->in_len);
    n = rmat_cobs_decode(v->enc, v->enc_len, back, v->in_len);
    assert_int_equal(n, (int)v->in_len);
}

static void test_cobs_short_vectors(void **state)
{
    (void)state;
    /* empty: one last group with no data -> 01 */
    static const uint8_t e0_enc[] = {0x01};
    /* 00: a group with no data standing for the 0x00, then an empty last
     * group -> 01 01 */
    static const uint8_t z1[] = {0x00};
    static const uint8_t z1_enc[] = {0x01, 0x01};
    /* 00 00: two such groups and the empty last one -> 01 01 01 */
    static const uint8_t z2[] = {0x00, 0x00};
    static const uint8_t z2_enc[] = {0x01, 0x01, 0x01};
    /* 11 22 00 33: group [11 22]+00 -> 03 11 22; last group [33] -> 02 33 */
    static const uint8_t a[] = {0x11, 0x22, 0x00, 0x33};
    static const uint8_t a_enc[] = {0x03, 0x11, 0x22, 0x02, 0x33};
    /* 11 00 00 00: 02 11, 01, 01, then the empty last group 01 */
    static const uint8_t b[] = {0x11, 0x00, 0x00, 0x00};
    static const uint8_t b_enc[] = {0x02, 0x11, 0x01, 0x01, 0x01};
    /* 11 22 33 44: one last group of four -> 05 11 22 33 44 */
    static const uint8_t c[] = {0x11, 0x22, 0x33, 0x44};
    static const uint8_t c_enc[] = {0x05, 0x11, 0x22, 0x33, 0x44};
    /* 00 11 00: 01, 02 11, then the empty last group 01 */
    static const uint8_t d[] = {0x00, 0x11, 0x00};
    static const uint8_t d_enc[] = {0x01, 0x02, 0x11, 0x01};
    const struct vec vecs[] = {
        {"empty", NULL, 0, e0_enc, sizeof e0_enc},
        {"00", z1, sizeof z1, z1_enc, sizeof z1_enc},
        {"00 00", z2, sizeof z2, z2_enc, sizeof z2_enc},
        {"11 22 00 33", a, sizeof a, a_enc, sizeof a_enc},
        {"11 00 00 00", b, sizeof b, b_enc, sizeof b_enc},
        {"11 22 33 44", c, sizeof c, c_enc, sizeof c_enc},
        {"00 11 00", d, sizeof d, d_enc, sizeof d_enc},
    };
    for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++) {
        print_message("vector %s\n", vecs[i].what);
        check_vec(&vecs[i]);
    }
}

static void test_cobs_run_of_254(void **state)
{
    (void)state;
    /* 01..FE: exactly one full group, FF + the 254 bytes, and nothing after
     * it (255 bytes; the bound n + n/254 + 1 allows 256). */
    uint8_t in[254];
    uint8_t enc[255];
    for (size_t i = 0; i < 254; i++)
        in[i] = (uint8_t)(i + 1);
    enc[0] = 0xFF;
    memcpy(enc + 1, in, 254);
    const struct vec v = {"01..FE", in, sizeof in, enc, sizeof enc};
    check_vec(&v);
    assert_true(sizeof enc <= RMAT_COBS_MAX_ENCODED(sizeof in));

    /* 01..FE 00: the full group, then 01 for the 0x00 and the empty last
     * group 01. */
    uint8_t in2[255];
    uint8_t enc2[257];
    memcpy(in2, in, 254);
    in2[254] = 0x00;
    memcpy(enc2, enc, 255);
    enc2[255] = 0x01;
    enc2[256] = 0x01;
    const struct vec v2 = {"01..FE 00", in2, sizeof in2, enc2, sizeof enc2};
    check_vec(&v2);
    assert_true(sizeof enc2 <= RMAT_COBS_MAX_ENCODED(sizeof in2));
}

static void test_cobs_run_of_255(void **state)
{
    (void)state;
    /* 01..FF: a full group FF 01..FE, then the last group 02 FF. */
    uint8_t in[255];
    uint8_t enc[257];
    for (size_t i = 0; i < 255; i++)
        in[i] = (uint8_t)(i + 1);
    enc[0] = 0xFF;
    memcpy(enc + 1, in, 254);
    enc[255] = 0x02;
    enc[256] = 0xFF;
    const struct vec v = {"01..FF", in, sizeof in, enc, sizeof enc};
    check_vec(&v);
    assert_true(sizeof enc <= RMAT_COBS_MAX_ENCODED(sizeof in));

    /* 508 bytes of 0x42: two full groups, nothing after them. */
    uint8_t in2[508];
    uint8_t enc2[510];
    memset(in2, 0x42, sizeof in2);
    memset(enc2, 0x42, sizeof enc2);
    enc2[0] = 0xFF;
    enc2[255] = 0xFF;
    const struct vec v2 = {"508 x 42", in2, sizeof in2, enc2, sizeof enc2};
    check_vec(&v2);
}

static void test_cobs_decode_accepts_trailing_empty_group(void **state)
{
    (void)state;
    /* Other encoders close a full last group with an empty group 01; it
     * decodes to the same 254 bytes. */
    uint8_t enc[256];
    enc[0] = 0xFF;
    for (size_t i = 0; i < 254; i++)
        enc[1 + i] = (uint8_t)(i + 1);
    enc[255] = 0x01;
    uint8_t out[300];
    assert_int_equal(rmat_cobs_decode(enc, sizeof enc, out, sizeof out), 254);
    for (size_t i = 0; i < 254; i++)
        assert_int_equal(out[i], i + 1);
}

static void test_cobs_decode_errors(void **state)
{
    (void)state;
    uint8_t out[64];
    /* empty input: not even the empty packet's 01 */
    const uint8_t one[] = {0x01};
    assert_int_equal(rmat_cobs_decode(one, 0, out, sizeof out), RMAT_E_COBS);
    /* a 0x00 as a code byte */
    const uint8_t zcode[] = {0x00};
    assert_int_equal(rmat_cobs_decode(zcode, sizeof zcode, out, sizeof out), RMAT_E_COBS);
    const uint8_t zcode2[] = {0x02, 0x11, 0x00, 0x22};
    assert_int_equal(rmat_cobs_decode(zcode2, sizeof zcode2, out, sizeof out), RMAT_E_COBS);
    /* a 0x00 inside a group's data */
    const uint8_t zdata[] = {0x04, 0x11, 0x00, 0x22};
    assert_int_equal(rmat_cobs_decode(zdata, sizeof zdata, out, sizeof out), RMAT_E_COBS);
    /* a code pointing past the end: 04 announces three bytes, two follow */
    const uint8_t past[] = {0x04, 0x11, 0x22};
    assert_int_equal(rmat_cobs_decode(past, sizeof past, out, sizeof out), RMAT_E_COBS);
    /* the same in a later group */
    const uint8_t past2[] = {0x02, 0x11, 0x03, 0x22};
    assert_int_equal(rmat_cobs_decode(past2, sizeof past2, out, sizeof out), RMAT_E_COBS);
    /* a full group cut short */
    uint8_t full[200];
    memset(full, 0x55, sizeof full);
    full[0] = 0xFF;
    assert_int_equal(rmat_cobs_decode(full, sizeof full, out, sizeof out), RMAT_E_COBS);
}

static void test_cobs_space_errors(void **state)
{
    (void)state;
    const uint8_t in[] = {0x11, 0x22, 0x00, 0x33}; /* encodes to 5 bytes */
    const uint8_t enc[] = {0x03, 0x11, 0x22, 0x02, 0x33};
    uint8_t out[8];
    for (size_t cap = 0; cap < sizeof enc; cap++) {
        memset(out, 0xEE, sizeof out);
        assert_int_equal(rmat_cobs_encode(in, sizeof in, out, cap), RMAT_E_SPACE);
        /* Nothing is written past cap. */
        for (size_t i = cap; i < sizeof out; i++)
            assert_int_equal(out[i], 0xEE);
    }
    for (size_t cap = 0; cap < sizeof in; cap++) {
        memset(out, 0xEE, sizeof out);
        assert_int_equal(rmat_cobs_decode(enc, sizeof enc, out, cap), RMAT_E_SPACE);
        for (size_t i = cap; i < sizeof out; i++)
            assert_int_equal(out[i], 0xEE);
    }
    /* Even the empty packet needs one byte. */
    assert_int_equal(rmat_cobs_encode(in, 0, out, 0), RMAT_E_SPACE);
}

static void test_cobs_null_arguments(void **state)
{
    (void)state;
    uint8_t out[8];
    const uint8_t in[] = {0x11};
    assert_int_equal(rmat_cobs_encode(NULL, 1, out, sizeof out), RMAT_E_ARG);
    assert_int_equal(rmat_cobs_encode(in, 1, NULL, 8), RMAT_E_ARG);
    assert_int_equal(rmat_cobs_decode(NULL, 1, out, sizeof out), RMAT_E_ARG);
    assert_int_equal(rmat_cobs_decode(in, 1, NULL, 8), RMAT_E_ARG);
    /* The empty packet needs no input pointer. */
    assert_int_equal(rmat_cobs_encode(NULL, 0, out, sizeof out), 1);
    assert_int_equal(out[0], 0x01);
}

static void test_cobs_random_round_trips_within_bound(void **state)
{
    (void)state;
    static uint8_t in[2000];
    static uint8_t enc[2100];
    static uint8_t back[2000];
    uint32_t seed = 4242u;
    for (int round = 0; round < 300; round++) {
        size_t len = lcg_next(&seed) % sizeof in;
        /* Vary the share of zeros from none (longest encodings) to most. */
        uint32_t zero_per_256 = (uint32_t)(round % 5) * 60u;
        for (size_t i = 0; i < len; i++) {
            uint32_t r = lcg_next(&seed);
            in[i] = (r & 0xFFu) < zero_per_256 ? 0 : (uint8_t)(1u + (r >> 8) % 255u);
        }
        int n = rmat_cobs_encode(in, len, enc, sizeof enc);
        assert_true(n >= 1);
        assert_true((size_t)n <= RMAT_COBS_MAX_ENCODED(len));
        assert_null(memchr(enc, 0, (size_t)n));
        int m = rmat_cobs_decode(enc, (size_t)n, back, sizeof back);
        assert_int_equal(m, (int)len);
        if (len > 0)
            assert_memory_equal(back, in, len);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cobs_short_vectors),
        cmocka_unit_test(test_cobs_run_of_254),
        cmocka_unit_test(test_cobs_run_of_255),
        cmocka_unit_test(test_cobs_decode_accepts_trailing_empty_group),
        cmocka_unit_test(test_cobs_decode_errors),
        cmocka_unit_test(test_cobs_space_errors),
        cmocka_unit_test(test_cobs_null_arguments),
        cmocka_unit_test(test_cobs_random_round_trips_within_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
