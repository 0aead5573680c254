/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The JSON reader and writer (json.h) the plots, reports and trends use to
 * read summary.json: known documents, escapes, paths, malformed input, and
 * a writer's output read back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollmat/json.h"

static struct rmat_json *parse(const char *text)
{
    struct rmat_json *j = NULL;
    struct rmat_errinfo ei;
    assert_int_equal(rmat_json_parse(text, strlen(text), "test", &j, &ei), RMAT_OK);
    assert_non_null(j);
    return j;
}

static void test_json_paths_and_types(void **state)
{
    (void)state;
    struct rmat_json *j = parse("{\"a\": 1.5, \"b\": {\"c\": -2e3, \"d\": null, \"e\": true},\n"
                                " \"s\": \"x\", \"arr\": [1, 2, 3], \"empty\": {}}");
    assert_true(rmat_json_num(j, "a") == 1.5);
    assert_true(rmat_json_num(j, "b.c") == -2000.0);
    assert_true(isnan(rmat_json_num(j, "b.d")));  /* null */
    assert_true(isnan(rmat_json_num(j, "b.e")));  /* a bool is no number */
    assert_true(isnan(rmat_json_num(j, "b.zz"))); /* missing */
    assert_true(isnan(rmat_json_num(j, "a.b")));  /* through a number */
    assert_true(isnan(rmat_json_num(j, "s")));    /* a string */
    assert_string_equal(rmat_json_str(j, "s"), "x");
    assert_string_equal(rmat_json_str(j, "a"), "");
    const struct rmat_json *arr = rmat_json_at(j, "arr");
    assert_non_null(arr);
    assert_int_equal(rmat_json_type(arr), RMAT_JSON_ARR);
    assert_int_equal(rmat_json_len(arr), 3);
    assert_true(rmat_json_num(rmat_json_item(arr, 2), "") == 3.0);
    assert_null(rmat_json_item(arr, 3));
    assert_int_equal(rmat_json_type(rmat_json_at(j, "b.e")), RMAT_JSON_BOOL);
    assert_int_equal(rmat_json_bool(j, "b.e"), 1);
    assert_int_equal(rmat_json_bool(j, "a"), -1);
    assert_int_equal(rmat_json_len(rmat_json_at(j, "empty")), 0);
    assert_ptr_equal(rmat_json_at(j, ""), j);
    rmat_json_free(j);
}

static void test_json_string_escapes(void **state)
{
    (void)state;
    /* \u00e9 is é (C3 A9), \ud83d\ude00 one code point in four bytes.
     * (A lone surrogate is refused: test_json_malformed_refused.) */
    struct rmat_json *j =
        parse("{\"s\": \"q\\\"b\\\\s\\/n\\nt\\t\\u00e9\\ud83d\\ude00x\", \"k\\u0041\": 1}");
    assert_string_equal(rmat_json_str(j, "s"), "q\"b\\s/n\nt\t\xc3\xa9\xf0\x9f\x98\x80x");
    assert_true(rmat_json_num(j, "kA") == 1.0);
    rmat_json_free(j);
}

static void test_json_malformed_refused(void **state)
{
    static const char *const bad[] = {
        "",
        "{",
        "{\"a\" 1}",
        "{\"a\": }",
        "[1, 2",
        "{\"a\": 1,}",
        "{\"a\": tru}",
        "\"unterminated",
        "{} extra",
        "{\"a\": \"\\x\"}",
        "{a: 1}",
        "[01x]",
        "{\"a\": \"\x01\"}",
        "{\"a\": \"\\ud800x\"}", /* a lone surrogate: no character at all */
        "{\"a\": \"\xff\"}",     /* not UTF-8 */
        "{\"a\": \"\\u0000\"}",  /* NUL would cut the string short */
    };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct rmat_json *j = (struct rmat_json *)1;
        struct rmat_errinfo ei;
        const int rc = rmat_json_parse(bad[i], strlen(bad[i]), "bad.json", &j, &ei);
        if (rc != RMAT_E_FORMAT)
            print_error("accepted: %s\n", bad[i]);
        assert_int_equal(rc, RMAT_E_FORMAT);
        assert_null(j);
        assert_non_null(strstr(ei.msg, "bad.json: line 1"));
    }
    /* Nesting beyond 64 levels is refused, not a stack overflow. */
    {
        char deep[200];
        struct rmat_json *j;
        struct rmat_errinfo ei;
        memset(deep, '[', 100);
        deep[100] = '\0';
        assert_int_equal(rmat_json_parse(deep, 100, "deep", &j, &ei), RMAT_E_FORMAT);
    }
    /* The line of the error is counted. */
    {
        struct rmat_json *j;
        struct rmat_errinfo ei;
        const char *t = "{\n\"a\": 1,\n\"b\": @\n}";
        assert_int_equal(rmat_json_parse(t, strlen(t), "f", &j, &ei), RMAT_E_FORMAT);
        assert_non_null(strstr(ei.msg, "f: line 3"));
    }
}

static void test_json_writer_round_trip(void **state)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct rmat_json_writer w;
    (void)state;
    assert_non_null(f);
    rmat_jw_begin(&w, f);
    rmat_jw_str(&w, "name", "a \"quoted\"\nline");
    rmat_jw_num(&w, "x", 0.1);
    rmat_jw_num(&w, "nan", NAN);
    rmat_jw_str(&w, "latin1", "caf\xe9"); /* not UTF-8: the byte becomes U+FFFD */
    rmat_jw_open(&w, "list", 1, 1);
    rmat_jw_num(&w, NULL, 1);
    rmat_jw_num(&w, NULL, 2.5);
    rmat_jw_close(&w);
    rmat_jw_open(&w, "obj", 0, 0);
    rmat_jw_null(&w, "z");
    assert_int_equal(rmat_jw_end(&w), 0); /* closes obj */
    fclose(f);
    /* Integers without a decimal point; one value per line. */
    assert_non_null(strstr(buf, "\"list\": [\n    1,\n    2.5\n  ]"));
    assert_non_null(strstr(buf, "\"nan\": null"));
    struct rmat_json *j = parse(buf);
    assert_string_equal(rmat_json_str(j, "name"), "a \"quoted\"\nline");
    assert_true(rmat_json_num(j, "x") == 0.1);
    assert_true(isnan(rmat_json_num(j, "nan")));
    assert_string_equal(rmat_json_str(j, "latin1"), "caf\xef\xbf\xbd");
    assert_int_equal(rmat_json_len(rmat_json_at(j, "list")), 2);
    assert_true(rmat_json_num(rmat_json_item(rmat_json_at(j, "list"), 1), "") == 2.5);
    assert_int_equal(rmat_json_type(rmat_json_at(j, "obj.z")), RMAT_JSON_NULL);
    rmat_json_free(j);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_paths_and_types),
        cmocka_unit_test(test_json_string_escapes),
        cmocka_unit_test(test_json_malformed_refused),
        cmocka_unit_test(test_json_writer_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
