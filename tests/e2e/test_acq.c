/* Acquisition against the virtual mat's faults: bit errors on the link
 * (every damaged frame dropped and counted, none stored, the recording goes
 * on) and a mat clock running 200 ppm fast (the fitted drift within 20 ppm).
 * The truth is the mat's own record of what it damaged and of its clock,
 * never what the recorder concluded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rmat_test.h"
#include "rollmat/reader.h"

static pid_t start_sim(const char *dir, char *url, size_t cap, const char *opt1, const char *val1,
                       const char *opt2, const char *val2)
{
    char url_file[700], truth[700];
    char *argv[16];
    char *text;
    int n = 0;
    pid_t pid;

    snprintf(url_file, sizeof url_file, "%s/sim.url", dir);
    snprintf(truth, sizeof truth, "%s/truth", dir);
    argv[n++] = (char *)RMAT_SIM_EXE;
    argv[n++] = (char *)"--listen";
    argv[n++] = (char *)"127.0.0.1:0";
    argv[n++] = (char *)"--url-file";
    argv[n++] = url_file;
    argv[n++] = (char *)"--truth-dir";
    argv[n++] = truth;
    argv[n++] = (char *)"--once";
    argv[n++] = (char *)opt1;
    argv[n++] = (char *)val1;
    if (opt2) {
        argv[n++] = (char *)opt2;
        argv[n++] = (char *)val2;
    }
    argv[n] = NULL;
    pid = rmat_test_spawn(argv, NULL);
    assert_true(pid > 0);
    assert_int_equal(rmat_test_wait_file(url_file, 10000), 0);
    text = rmat_test_slurp(url_file, NULL);
    text[strcspn(text, "\n")] = '\0';
    snprintf(url, cap, "%s", text);
    free(text);
    return pid;
}

static int record(const char *dir, const char *url, const char *seconds, const char *rec)
{
    char out[700];
    char *argv[] = {(char *)RMAT_CLI_EXE, (char *)"record", (char *)"-d", (char *)url, (char *)"-t",
                    (char *)seconds,      (char *)"-o",     (char *)rec,  NULL};
    snprintf(out, sizeof out, "%s/record.out", dir);
    return rmat_test_wait(rmat_test_spawn(argv, out), 120000);
}

/* The seqs of connection 1 listed under key in truth.json's "run". */
static size_t truth_ids(const char *json, const char *key, uint32_t *ids, size_t cap)
{
    char pat[64];
    const char *p;
    size_t n = 0;

    snprintf(pat, sizeof pat, "\"%s\": [", key);
    p = strstr(json, pat);
    assert_non_null(p);
    p += strlen(pat);
    while (*p == '[') {
        int conn;
        unsigned seq;
        assert_int_equal(sscanf(p, "[%d, %u]", &conn, &seq), 2);
        if (conn == 1 && n < cap)
            ids[n++] = seq;
        p = strchr(p, ']') + 1;
        if (*p == ',')
            p += 2;
    }
    return n;
}

static double json_number(const char *json, const char *key)
{
    char pat[64];
    const char *p;
    snprintf(pat, sizeof pat, "\"%s\":", key);
    p = strstr(json, pat);
    assert_non_null(p);
    return strtod(p + strlen(pat), NULL);
}

static void test_acq_bit_errors_dropped_counted_never_stored(void **state)
{
    static uint32_t damaged[100000], stored[100000];
    char dir[512], url[300], rec[700], path[700];
    char *json;
    size_t nd, nj;
    struct rmat_reader *r = NULL;
    struct rmat_errinfo ei;
    struct rmat_event *ev;
    uint64_t n, nev;
    double gaps = 0;
    unsigned missing = 0, in_range_damaged = 0;
    pid_t sim;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("biterr", dir, sizeof dir), 0);
    sim = start_sim(dir, url, sizeof url, "--bit-errors", "1e-4", "--fault-seed", "11");
    snprintf(rec, sizeof rec, "%s/noisy.h5", dir);
    /* the recording goes on through the noise */
    assert_int_equal(record(dir, url, "6", rec), 0);
    assert_int_equal(rmat_test_wait(sim, 20000), 0);

    snprintf(path, sizeof path, "%s/truth/truth.json", dir);
    json = rmat_test_slurp(path, NULL);
    assert_non_null(json);
    nd = truth_ids(json, "damaged_frames", damaged, 50000);
    nj = truth_ids(json, "joined_frames", damaged + nd, 50000);
    assert_true(json_number(json, "bits_flipped") > 0);
    free(json);

    assert_int_equal(rmat_reader_open(rec, &r, &ei), RMAT_OK);
    n = rmat_reader_info(r)->frames;
    /* The mat's noise floor makes its frames dense (2070 bytes, 16560
     * bits): at 1e-4 about 4 in 5 are hit, so ~100 of 600 come through. */
    assert_true(n > 40 && n < 100000);
    assert_int_equal(rmat_reader_read(r, 0, n, NULL, stored, NULL, NULL, &ei), RMAT_OK);
    /* No damaged frame is stored: CRC-32 caught every one. */
    for (uint64_t i = 0; i < n; i++)
        for (size_t k = 0; k < nd + nj; k++)
            assert_true(stored[i] != damaged[k]);
    /* Every frame missing between the first and last stored is counted as
     * lost (a gap event), and every one of them was damaged by the link: no
     * good frame is lost with a bad one, so the decoder resynchronised
     * within the damaged frame. */
    for (uint64_t i = 1; i < n; i++) {
        assert_true(stored[i] > stored[i - 1]);
        for (uint32_t s = stored[i - 1] + 1; s < stored[i]; s++) {
            int found = 0;
            for (size_t k = 0; k < nd + nj; k++)
                found |= damaged[k] == s;
            assert_true(found);
            missing++;
        }
    }
    for (size_t k = 0; k < nd + nj; k++)
        in_range_damaged += damaged[k] > stored[0] && damaged[k] < stored[n - 1];
    assert_int_equal(missing, in_range_damaged);
    nev = rmat_reader_info(r)->events;
    ev = calloc(nev, sizeof *ev);
    assert_int_equal(rmat_reader_events(r, 0, nev, ev, &ei), RMAT_OK);
    for (uint64_t i = 0; i < nev; i++)
        if (strcmp(ev[i].kind, "gap") == 0)
            gaps += ev[i].value;
    free(ev);
    rmat_reader_close(r);
    assert_true(missing > 0);
    assert_true(gaps == missing);
    print_message("bit errors 1e-4: %llu frames stored, %u lost and counted in gap events, "
                  "%zu damaged + %zu joined by the mat's own count\n",
                  (unsigned long long)n, missing, nd, nj);
}

static void test_acq_clock_drift_200ppm(void **state)
{
    char dir[512], url[300], rec[700];
    struct rmat_reader *r = NULL;
    struct rmat_errinfo ei;
    struct rmat_event *ev;
    uint64_t nev;
    double drift = NAN;
    int fits = 0, syncs = 0;
    pid_t sim;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("clock", dir, sizeof dir), 0);
    sim = start_sim(dir, url, sizeof url, "--clock-ppm", "200", NULL, NULL);
    snprintf(rec, sizeof rec, "%s/clock.h5", dir);
    assert_int_equal(record(dir, url, "15", rec), 0);
    assert_int_equal(rmat_test_wait(sim, 20000), 0);
    assert_int_equal(rmat_reader_open(rec, &r, &ei), RMAT_OK);
    nev = rmat_reader_info(r)->events;
    ev = calloc(nev, sizeof *ev);
    assert_int_equal(rmat_reader_events(r, 0, nev, ev, &ei), RMAT_OK);
    for (uint64_t i = 0; i < nev; i++) {
        if (strcmp(ev[i].kind, "clock_fit") == 0) {
            drift = ev[i].value;
            fits++;
        }
        syncs += strcmp(ev[i].kind, "clock_sync") == 0;
    }
    free(ev);
    rmat_reader_close(r);
    print_message("mat clock 200 ppm fast: fitted %+.1f ppm from %d round trips\n", drift, syncs);
    assert_int_equal(fits, 1);
    assert_true(syncs >= 40);
    assert_true(fabs(drift - 200.0) <= 20.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_acq_bit_errors_dropped_counted_never_stored),
        cmocka_unit_test(test_acq_clock_drift_200ppm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
