/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Regression inputs from fuzzing the importers (tests/fuzz/fuzz_import.c,
 * tests/fuzz/run-import.sh): each input once crashed or leaked; each must
 * now end with an error or success, every frame finite and the right size,
 * masked cells 0, and no vendor figure without a name (the recording sink
 * checks these). The bytes are the fuzzer's own synthetic inputs. What each
 * found: huge numbers ("1e300") overflowing float (tekscan, pedar, pliance,
 * matrix); a statistic whose label has no letters giving an empty vendor
 * name (xsensor, zebris-raw, auto); an uninitialised unit word printed in
 * an emed message (stack overflow in vsnprintf); a second [Data] section
 * leaking the first's buffers (zebris-apd). */
#include "import_rec.h"

struct regress {
    const char *format; /* "" = detect */
    size_t len;
    const char *bytes;
};

static const struct regress inputs[] = {
    /* auto, found as a crash (9550ba02) */
    {"", 414,
     "\357\273\277File:,\042C:\134\134d,2.XSN\042,,\012,,\012Units:,mmHg,,\012,,\012"
     "FRAME,301,,\012Date, 2024 Jan 02\012Time, 23:59:59.990\012SENSOR,XS-LF S1\012"
     "Rows,2\012Columns,3\012Sensel \255\226\233\213\227\337\327\234m),0.5\012Sens"
     "el Height (cm),0.5\012Contact Area (cm\302\262),0.75\012Est. Load (N)9:59.99"
     "0\012SENSOR,XS-LF S1\012Rows,2\012Columns,3\012Sensel Width (cm),0.5\012,0.5"
     "\012Contact Area (cm\302\262),0.75\012Est. Load (N),0.47\012SENSELS\0120,37."
     "5,75,,\01230,0,0\012GRO\000P,1\012Name,Heel\012Cellsnsel Height (cm),0.5\012"
     "SENSELS\0120,1,2\0123,4,5\012"},
    /* emed, found as a crash (462e226f) */
    {"emed", 58, "mSensor area:l\000 0.25 cmFFFFFFFFFFFFF\011Timl/pi\001\012ure:20.0 me\014"},
    /* matrix, found as a crash (c6ccda96) */
    {"matrix", 10, ",1,,,,1e50"},
    /* pedar, found as a crash (3d4ef208) */
    {"pedar", 395,
     "file j024 e [secs]:  0.020\011time per frame [secs]:  0.01000\011scaniug rat"
     "e [Hz]\077   100\011\012pressure values in  kPa\011\012\012mask definition: "
     "\011\012left insole: 2,2\011\012right ifnsole: 1,2,\011\012\012time[secs]   "
     " \011      1\011      2\011   1 \011        2\011\012     0.01000\011 12.500"
     "\011 40.000\011  51111111111110000000000000000000000000000000000000000000000"
     "00000000000000000000000000000000000000000000000000000004099276460824344797\011"
     "  0.000\011\012 \011\012"},
    /* pliance, found as a crash (134590a1) */
    {"pliance", 835,
     "file name:es [secs]: 0.300 time per frame [secs]: 0.05000 canning rate [Hz]:"
     " 20\012pressure values in kPa\012\012\012elecvrical:\012time[secs]       2  "
     "     3      10      11\012    0.20000   0.000  20.000   0.000  40.000\012   "
     " 0.25000  10.000  20.000   0.000  40.000\012    0.25000  1888888888888888888"
     "88888888888888888888880.000  30.000   375   0.500\012\012\012sensor        2"
     "        3       10       11\012corner[cm]\012x[0]     0.0 000  0. 0.5000\012"
     "y[0]     2.0000   1.0000   2.0000   1.0000\012x[1]     0.0000   0.0000   0.5"
     "000   0.5000\012y[1]     1.0000   0.0000   1.0000   0.0000\012x[2]     0.500"
     "0   0.5000   1.0000   1.0000\012y[2]     1.0000   0.0000   1.0000   0.0000\012"
     "x[3]     0.5000   0.5000   1.0000   1.0000\012y[3]     2.0000   1.0000   2. "
     " 1.0000\012x[c]     0.2500   0.2500   0.7  0.7500\012y[c]     1.2000   0.500"
     "0   1.5000   0.5000\012area     0.5000   0.5000   0.5000   0.5000\012"},
    /* tekscan, found as a crash (bf43eac5) */
    {"tekscan", 297,
     "DATA_TYPE MOVIE\012ROWS 3\012COLS 4\012ROW_SPACING 0.25 centimeters\012COL_S"
     "PACING 3 mm\012SENSEL_AREA)5 mm2\012SECONDS_PER_FRAME 0.01\012COMMENTSPACING"
     " 2 mm\012S\000\000\000\000\000\000\000\000.0,20,B\012END_FRAME 8\012UNITS KP"
     "a \012ASCII_DATA @@\012\012Frame 7\012B,10,20,B\0120,0,30,B\012B,B,0,B\012\012"
     "Fraee 8, 0.01,, 1/2/2024,,,Raw S\001\000\000\000\000\000\001\377B,0,5,B\0120"
     ",10,0,B\012B,B,0,B\012\012@@\012"},
    /* tekscan, found as a crash (c4f59abe) */
    {"tekscan", 324,
     "DATA_TPOEMY VIE\012ROWS 3\012COLS 4\012ROW_SS 3\012COLS 4\012ROW_SPACING 0.2"
     "5 centimeters\012COL_SPACING 4 mm\012SENS\303\263_\011\000\000\000 5 mm2\012"
     "SECONDS_PER_FRAME 0.01\012FRAME 8\012UNITS KPa \012ASCII_DATA @@\012\012Fram"
     "e 7\012B,10,2022222222222222222222222222222222222222222222222222,B\0120,0,30"
     ",B\012B,B,0,B\012\012Frame 8, ,0\260.,1 1/2/2024,,,Raw Sum=,,15\012B,0,5,B\012"
     "0,10,0,B\012B,B,0,B\012\012\377r@@\012"},
    /* xsensor, found as a crash (e81bcaa1) */
    {"xsensor", 264,
     "\357\273\277File:,\042C:\134\134d,2.XSN\042,,\012,,\012Units:,mmHg,,\012,,\012"
     "FRAME,301,,\012Date, 2024 Jan 02\012Time, 23:59:59.990\012SENSOR,XS-LF S1\012"
     "Rows,2\012Columns,3\012Sensel Width (cm),0.5\012Sensel Height (cm),0.5\012Co"
     "ntact Area (cm\302\262),5.75\012Est. Load (N),0.47\012,0.5\012Sensel Height "
     "(cm),0.5\012SENSELS\0120,1,2\0123,4,5\012"},
    /* zebris-apd, found as a leak (5e7645e8) */
    {"zebris-apd", 208,
     "[General]\012DeDate=01/01/202415.04.05\012UnitDistance=mm\012UnitPressure=N/"
     "cm2\012\012[Customer]\012FirstName=E\012\012[Technical]\012SensCountX=3\012S"
     "ensCountY=4\012LDistX=8.0\012LDistY=7.5\012\012[Data]\077-1\0110.5\0112gener"
     "al__ocessuntyistY=7.5\012\012[Data]1\012"},
    /* zebris-raw, found as a crash (528d8fd3) */
    {"zebris-raw", 500,
     "Peat\015\012Creati tendoa\01102/01/2024 15:04:05\015\012Exercises\011{\015\012"
     "1\011Gai00.000\015\012Count\0112\015\012\015\012Time,ms\011\373\373\373\373\373"
     "\373\373\373\373\373\373\373\373\373\373\373\373\373\373\373\373\373\373\373"
     "\373\373\373\373\373\373\373\373\373\373\373\373\373\373\373\373\373\373\373"
     "\373\373\373\373\373\373\373\373\373\373\373\373\373\373\373\373\373\373\373"
     "\373\373\373\373\373\373\373\373\373\373\373\373\373\373\373\373\373\373\373"
     "\373\373\373\373\373\373\373\373\373\373\373\373\373\373\373\373\373l forcm,"
     "N\011r f\207rce,N\015\012\000alibr\011\011\011\011\015\012\015\0120\0110.0\011"
     "4.2\015\01210\0110.0\0110.0\015\012\015\012Platform {\015\012Columns\0113\015"
     "\012Lines\0112\015\012Cell width,mm\0117.5\015\012Cell height,mm\0117.5\015\012"
     "Units\011N/cm^2\015\012Fram\233\337\234\221unt\0112\015\012Frequency\011100."
     "00\015\012\015\012Frame 1 {\015\012Ex\015\012Time, ms\0110.00\015\012Center "
     "of force\011(x2,y1)\015\012\015\012\011x1\011x2\011x3\015\012y1\0110.00\0115"
     ".50\0112.00\015\012y2\0110.00\0110.00\0110.00\015\012}\015\012Frame 2 {\015\012"
     "Time, ms\01110.0a0\015"},
};

static int check_vrow(void *ctx, const struct rmat_import_vendor_row *row)
{
    for (size_t i = 0; i < row->n; i++)
        assert_true(row->fig[i].name && row->fig[i].name[0]);
    return rec_vendor_row(ctx, row);
}

static void test_import_fuzz_regress_inputs(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof inputs / sizeof inputs[0]; k++) {
        struct rec *r = rec_new();
        struct rmat_import_sink s = rec_sink(r);
        struct rmat_import_opts o;
        struct rmat_errinfo ei;
        int rc;
        s.vendor_row = check_vrow;
        rmat_import_opts_init(&o);
        /* As the harness runs them. */
        if (inputs[k].format[0]) {
            o.format = rmat_import_format_by_name(inputs[k].format);
            o.rows = 2;
            o.cols = 3;
            o.pitch_x_mm = 5;
            o.rate_hz = 10;
            o.unit = o.format == RMAT_IMPORT_MATRIX ? "kPa" : NULL;
        }
        rc = rmat_import_run_mem((const uint8_t *)inputs[k].bytes, inputs[k].len, "regress", &o, &s,
                                 &ei);
        assert_true(rc == RMAT_OK || rc < 0);
        assert_true(strlen(ei.msg) < sizeof ei.msg);
        for (int i = 0; i < r->nframes; i++)
            for (size_t j = 0; j < (size_t)r->part[r->frame[i].part].rows *
                                       (size_t)r->part[r->frame[i].part].cols &&
                               j < REC_MAX_CELLS;
                 j++)
                assert_true(isfinite(r->frame[i].v[j]));
        rec_free(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_import_fuzz_regress_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
