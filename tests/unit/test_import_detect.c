/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Detection and the format table (analysis/import/import.c; IMPORT.md §1,
 * §9, §11): each format's head recognised by content; ties broken by the
 * extension; numeric text pointing at --format matrix with its options;
 * the RSscan .xls named as unsupported with the reason; a sink's error
 * stops the import; a missing file. */
#include "import_rec.h"

static int detect(const char *text, const char *name, struct rmat_errinfo *ei)
{
    return rmat_import_detect_mem((const uint8_t *)text, strlen(text), name, ei);
}

static void test_import_detect_each_format(void **state)
{
    struct rmat_errinfo ei;
    char *inbed = NULL;
    (void)state;
    assert_int_equal(detect("DATA_TYPE MOVIE\nROWS 3\nCOLS 4\nASCII_DATA @@\n", "a.csv", &ei),
                     RMAT_IMPORT_TEKSCAN);
    assert_int_equal(detect("\xef\xbb\xbf"
                            "File:,x,,\n,,\nUnits:,mmHg\nFRAME,1\nDate, 2024 Jan 02\nSENSOR,a\n"
                            "Rows,1\nColumns,1\nSENSELS\n",
                            "a.csv", &ei),
                     RMAT_IMPORT_XSENSOR);
    assert_int_equal(detect("\tFile: x \tMatrix: 6x5 \n\tSensor area: 0.25 cm\xb2\n\tPict-No.: 1\n",
                            "a.lst", &ei),
                     RMAT_IMPORT_EMED);
    assert_int_equal(detect("file name:  a.sol\tdate/time  02.01.24 15.04\t\nsensor type:  q\t\n"
                            "mask definition: \t\n",
                            "a.asc", &ei),
                     RMAT_IMPORT_PEDAR);
    assert_int_equal(detect("file name: a.mat date/time 02.01.24 15.04\nmat type x\nelectrical:\n"
                            "time[secs]  2\n",
                            "a.asc", &ei),
                     RMAT_IMPORT_PLIANCE);
    assert_int_equal(detect("[General]\nDescription=pedcad Importfile\n[Data]\n", "a.apd", &ei),
                     RMAT_IMPORT_APD);
    assert_int_equal(
        detect("Exercises\t{\r\n}\r\nFrequency,Hz\t100\r\nTime,ms\tl force,N\r\n", "a.txt", &ei),
        RMAT_IMPORT_WINFDM);
    for (int i = 0; i < 2048; i++)
        cat(&inbed, "%d\t", i % 7);
    cat(&inbed, "\r\n");
    assert_int_equal(detect(inbed, "a.txt", &ei), RMAT_IMPORT_INBED);
    free(inbed);
}

static void test_import_detect_numbers_name_matrix(void **state)
{
    struct rmat_errinfo ei;
    (void)state;
    assert_int_equal(detect("0.00,0,1.5,0,2,3.5,0\n0.05,0,2.0,0.5,1,3,0\n", "m.csv", &ei),
                     RMAT_E_FORMAT);
    expect_in(ei.msg, "m.csv: numbers without a header");
    expect_in(ei.msg, "--format matrix --rows R --cols C --pitch-mm X[,Y] --unit UNIT");
    expect_in(ei.msg, "--rate-hz F (or --time-column) [--layout line|block]");
    /* TAB integers ending in a TAB, but not 2048 of them: in-bed named. */
    assert_int_equal(detect("0\t0\t12\t0\t5\t0\t\n3\t0\t40\t7\t0\t0\t\n", "b.txt", &ei),
                     RMAT_E_FORMAT);
    expect_in(ei.msg, "6 TAB-separated integers");
    expect_in(ei.msg, "--format inbed --rows R --cols C");
    assert_int_equal(detect("hello world\n", "c.txt", &ei), RMAT_E_FORMAT);
    expect_in(ei.msg, "not an export this build recognises");
    assert_int_equal(rmat_import_detect_mem((const uint8_t *)"", 0, "e.csv", &ei), RMAT_E_FORMAT);
    expect_in(ei.msg, "e.csv: the file is empty");
}

static void test_import_detect_xls_unsupported(void **state)
{
    static const uint8_t ole[16] = {0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1};
    struct rmat_errinfo ei;
    size_t n;
    const struct rmat_import_format_info *fi = rmat_import_formats(&n);
    int seen = 0;
    (void)state;
    assert_int_equal(rmat_import_detect_mem(ole, sizeof ole, "f.xls", &ei), RMAT_E_UNSUPPORTED);
    expect_in(ei.msg, "RSscan footscan .xls: not supported in this build");
    expect_in(ei.msg, ".xls (BIFF8) reader");
    assert_int_equal(n, RMAT_IMPORT_NFORMATS - 1);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(fi[i].format, (int)i + 1);
        assert_non_null(fi[i].name);
        assert_non_null(fi[i].description);
        assert_non_null(fi[i].detect);
        assert_true(fi[i].supported == (fi[i].why_not == NULL));
        if (fi[i].format == RMAT_IMPORT_FOOTSCAN) {
            assert_false(fi[i].supported);
            expect_in(fi[i].why_not, "libfreexl");
            seen = 1;
        }
    }
    assert_true(seen);
    assert_int_equal(rmat_import_format_by_name("TEKSCAN"), RMAT_IMPORT_TEKSCAN);
    assert_int_equal(rmat_import_format_by_name("zebris-apd"), RMAT_IMPORT_APD);
    assert_int_equal(rmat_import_format_by_name("nope"), RMAT_IMPORT_AUTO);
    {
        struct rmat_import_opts o;
        rmat_import_opts_init(&o);
        o.format = RMAT_IMPORT_FOOTSCAN;
        assert_int_equal(rmat_import_run_mem(ole, sizeof ole, "f.xls", &o, NULL, &ei),
                         RMAT_E_UNSUPPORTED);
        expect_in(ei.msg, "footscan: not supported in this build");
    }
}

static int stop_at_frame(void *ctx, const struct rmat_import_frame *f)
{
    (void)ctx;
    return f->index == 1 ? RMAT_E_NOSPC : RMAT_OK;
}

static void test_import_detect_sink_stops_and_missing_file(void **state)
{
    static const char tek[] =
        "DATA_TYPE MOVIE\nROWS 1\nCOLS 2\nROW_SPACING 1 mm\n"
        "COL_SPACING 1 mm\nSECONDS_PER_FRAME 0.1\nUNITS kPa\nASCII_DATA @@\n\n"
        "Frame 1\n1,2\n\nFrame 2\n3,4\n\nFrame 3\n5,6\n\n@@\n";
    struct rmat_import_sink sink = {0};
    struct rmat_errinfo ei;
    (void)state;
    sink.frame = stop_at_frame;
    assert_int_equal(
        rmat_import_run_mem((const uint8_t *)tek, strlen(tek), "t.asf", NULL, &sink, &ei),
        RMAT_E_NOSPC);
    expect_in(ei.msg, "t.asf: the output stopped the import");
    assert_int_equal(rmat_import_run("/nonexistent/x.asf", NULL, NULL, &ei), RMAT_E_NOTFOUND);
    expect_in(ei.msg, "/nonexistent/x.asf: cannot open");
    /* No sink at all: parsing still checks everything. */
    assert_int_equal(
        rmat_import_run_mem((const uint8_t *)tek, strlen(tek), "t.asf", NULL, NULL, &ei), RMAT_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_import_detect_each_format),
        cmocka_unit_test(test_import_detect_numbers_name_matrix),
        cmocka_unit_test(test_import_detect_xls_unsupported),
        cmocka_unit_test(test_import_detect_sink_stops_and_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
