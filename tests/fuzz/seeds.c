/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The fuzzers' seed corpora, made in code (nothing foreign is checked in):
 * `fuzz_seeds OUTDIR` writes OUTDIR/<harness>/seed-NN for every harness of
 * tests/fuzz. Packets come from the wire builders, the journal from the
 * journal writer, the recording from the recording writer, texts are
 * written out here; each is a valid input, so the fuzzer starts past the
 * first checks. The replay test runs every seed through its harness. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rollmat/calib.h"
#include "rollmat/journal.h"
#include "rollmat/recording.h"
#include "rollmat/wire.h"
#include "scene.h"

static char out_dir[3000];

static void die(const char *what)
{
    fprintf(stderr, "fuzz_seeds: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void seed(const char *harness, int n, const void *p, size_t len)
{
    char path[3200];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", out_dir, harness);
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        die(path);
    snprintf(path, sizeof path, "%s/%s/seed-%02d", out_dir, harness, n);
    f = fopen(path, "wb");
    if (!f || fwrite(p, 1, len, f) != len || fclose(f) != 0)
        die(path);
}

static void seed_text(const char *harness, int n, const char *text)
{
    seed(harness, n, text, strlen(text));
}

/* Moves a file another writer made into the corpus. */
static void seed_file(const char *harness, int n, const char *path)
{
    FILE *f = fopen(path, "rb");
    long len = 0;
    char *buf;

    if (!f || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
        die(path);
    buf = malloc((size_t)len + 1);
    if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len)
        die(path);
    fclose(f);
    seed(harness, n, buf, (size_t)len);
    free(buf);
    unlink(path);
}

/* A 6x5 frame: a pressure blob, two sensels in three zero (so sparse is
 * smaller). */
static int frame_pkt(uint8_t *pkt, size_t cap, uint32_t seq, uint8_t enc)
{
    uint16_t s[30];
    struct rmat_frame_hdr h = {
        .seq = seq, .t_us = 1000000u + seq * 10000u, .rows = 6, .cols = 5, .encoding = enc};
    for (unsigned i = 0; i < 30; i++)
        s[i] = (seq + i) % 3 ? 0 : (uint16_t)((seq * 977u + i * 131u) & 0x0FFFu);
    return rmat_wire_build_frame(pkt, cap, &h, s);
}

/* Every device-to-host packet once, raw (with CRC). */
static int host_packets(uint8_t pkts[8][1024], int lens[8])
{
    struct rmat_info info = {.rows = 6,
                             .cols = 5,
                             .adc_bits = 12,
                             .encodings = 3,
                             .pitch_x_um = 12700,
                             .pitch_y_um = 10160,
                             .max_rate_hz = 1000,
                             .rate_hz = 100,
                             .serial = 1234};
    struct rmat_ack ack = {.cmd = RMAT_PKT_START, .status = RMAT_ACK_OK, .token = 7};
    struct rmat_status st = {.t_us = 5000000, .frames_sent = 500, .rate_hz = 100, .streaming = 1};
    struct rmat_pong pong = {.token = 9, .t_us = 123456};
    int n = 0;

    snprintf(info.fw_version, sizeof info.fw_version, "seed-1.0");
    snprintf(info.model, sizeof info.model, "seed mat 6x5");
    lens[n] = rmat_wire_build_info(pkts[n], 1024, &info), n++;
    lens[n] = frame_pkt(pkts[n], 1024, 0, RMAT_ENC_DENSE), n++;
    lens[n] = frame_pkt(pkts[n], 1024, 1, RMAT_ENC_SPARSE), n++;
    lens[n] = rmat_wire_build_ack(pkts[n], 1024, &ack), n++;
    lens[n] = rmat_wire_build_status(pkts[n], 1024, &st), n++;
    lens[n] = rmat_wire_build_log(pkts[n], 1024, 2, "seed log line", 13), n++;
    lens[n] = rmat_wire_build_pong(pkts[n], 1024, &pong), n++;
    for (int i = 0; i < n; i++)
        if (lens[i] <= 0)
            die("building a packet");
    return n;
}

static int cmd_packets(uint8_t pkts[8][1024], int lens[8])
{
    static const uint8_t types[] = {RMAT_PKT_GET_INFO, RMAT_PKT_START,    RMAT_PKT_STOP,
                                    RMAT_PKT_PING,     RMAT_PKT_SET_MODE, RMAT_PKT_GET_STATUS};
    for (int i = 0; i < 6; i++) {
        struct rmat_cmd c = {.type = types[i],
                             .token = (uint32_t)i + 1,
                             .rate_hz = 100,
                             .encoding = RMAT_ENC_SPARSE,
                             .mode = RMAT_MODE_TEST_PATTERN};
        lens[i] = rmat_wire_build_cmd(pkts[i], 1024, &c);
        if (lens[i] <= 0)
            die("building a command");
    }
    return 6;
}

static void wire_seeds(void)
{
    static uint8_t pkts[8][1024], stream[16384];
    int lens[8], n = host_packets(pkts, lens), k = 0;
    size_t at;

    /* wire: raw packets without their CRC (the harness appends it) */
    for (int i = 0; i < n; i++)
        seed("wire", k++, pkts[i], (size_t)lens[i] - 4);
    n = cmd_packets(pkts, lens);
    for (int i = 0; i < n; i++)
        seed("wire", k++, pkts[i], (size_t)lens[i] - 4);

    /* decoder: direction byte, then the packets COBS-encoded, with a
     * damaged one and garbage between */
    for (int dir = 0; dir < 2; dir++) {
        n = dir ? cmd_packets(pkts, lens) : host_packets(pkts, lens);
        at = 0;
        stream[at++] = (uint8_t)dir;
        for (int i = 0; i < n; i++) {
            int w = rmat_wire_encode(pkts[i], (size_t)lens[i], stream + at, sizeof stream - at);
            if (w <= 0)
                die("encoding");
            at += (size_t)w;
            if (i == 2) {
                memcpy(stream + at, "\x05garb\x00", 6);
                at += 6;
            }
        }
        seed("decoder", dir, stream, at);
    }

    /* cobs: plain bytes, zeros, a run past 254 */
    {
        uint8_t b[600];
        seed("cobs", 0, "\x11\x22\x00\x33", 4);
        seed("cobs", 1, "\x00\x00\x00", 3);
        for (int i = 0; i < 600; i++)
            b[i] = (uint8_t)(1 + i % 200);
        seed("cobs", 2, b, sizeof b);
        n = host_packets(pkts, lens);
        seed("cobs", 3, pkts[1], (size_t)lens[1]);
    }
}

static void device(struct rmat_device_desc *d)
{
    memset(d, 0, sizeof *d);
    snprintf(d->model, sizeof d->model, "seed mat 6x5");
    d->serial = 1234;
    snprintf(d->firmware_version, sizeof d->firmware_version, "seed-1.0");
    d->protocol_version = 1;
    d->rows = 6;
    d->cols = 5;
    d->adc_bits = 12;
    d->pitch_x_mm = 12.7;
    d->pitch_y_mm = 10.16;
    d->rate_hz = 100;
}

static const char calib_text[] = "rollmat-calibration 1\nname seed\ncurve divider\na_kpa 50\n"
                                 "b 0.77\nc_max_counts 4095\ngains 6 5\n"
                                 "1 1 1 1 1\n1 1.1 1 1 1\n1 1 1 1 1\n1 1 1 0.9 1\n1 1 1 1 1\n"
                                 "1 1 1 1 1\n";

static void journal_seeds(void)
{
    char path[3200];
    struct rmat_device_desc dev;
    struct rmat_session_meta meta;
    struct rmat_journal *j = NULL;
    struct rmat_calib *c = NULL;
    struct rmat_errinfo ei;
    uint8_t pkt[1024];

    device(&dev);
    rmat_session_meta_init(&meta);
    snprintf(meta.subject, sizeof meta.subject, "S1");
    snprintf(meta.region, sizeof meta.region, "calf");
    meta.body_mass_kg = 72.5;
    if (rmat_calib_parse(calib_text, "seed.cal", &c, &ei) != RMAT_OK) {
        fprintf(stderr, "fuzz_seeds: %s\n", ei.msg);
        exit(1);
    }
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s/seed-%d.h5.journal", out_dir, k);
        unlink(path);
        if (rmat_journal_create(path, &dev, &meta,
                                k ? "0c5e1f9a-7d2b-4e3c-9a81-5f6e7d8c9b0a" : NULL, k ? c : NULL, &j,
                                &ei) != RMAT_OK) {
            fprintf(stderr, "fuzz_seeds: %s\n", ei.msg);
            exit(1);
        }
        for (uint32_t f = 0; f < 12; f++) {
            int n = frame_pkt(pkt, sizeof pkt, f, f % 2 ? RMAT_ENC_SPARSE : RMAT_ENC_DENSE);
            rmat_journal_packet(j, 1763724367000000000LL + f * 10000000LL, pkt, (size_t)n, &ei);
            if (f == 5)
                rmat_journal_event(j, 1763724367050000000LL, "pain", 6, "left calf", &ei);
        }
        rmat_journal_close(j, 0, &ei);
        seed_file("journal", k, path);
    }
    rmat_calib_free(c);
}

static void recording_seed(void)
{
    char path[3200];
    struct rmat_device_desc dev;
    struct rmat_session_meta meta;
    struct rmat_rec *rec = NULL;
    struct rmat_errinfo ei;
    uint16_t s[30];

    device(&dev);
    rmat_session_meta_init(&meta);
    snprintf(meta.subject, sizeof meta.subject, "S1");
    snprintf(path, sizeof path, "%s/seed.h5", out_dir);
    unlink(path);
    if (rmat_rec_create(path, &dev, &meta, &rec, &ei) != RMAT_OK) {
        fprintf(stderr, "fuzz_seeds: %s\n", ei.msg);
        exit(1);
    }
    for (uint32_t f = 0; f < 20; f++) {
        for (unsigned i = 0; i < 30; i++)
            s[i] = (uint16_t)((f * 31u + i * 7u) & 0x0FFFu);
        rmat_rec_append(rec, f, 1000000u + f * 10000u, 1763724367000000000LL + f * 10000000LL, s,
                        &ei);
    }
    rmat_rec_event(rec, 1763724367100000000LL, "mark", 0, "seed mark", &ei);
    if (rmat_rec_close(rec, &ei) != RMAT_OK) {
        fprintf(stderr, "fuzz_seeds: %s\n", ei.msg);
        exit(1);
    }
    seed_file("h5", 0, path);
}

static void text_seeds(void)
{
    char scene[8192];

    seed_text("calib", 0, calib_text);
    seed_text("calib", 1,
              "rollmat-calibration 1\ncurve linear\nkpa_per_count 0.05\n"
              "zero_counts 12\n");
    seed_text("calib", 2,
              "rollmat-calibration 1\ncurve table\npoint 0 0\npoint 100 5\n"
              "point 1000 80\npoint 4095 400\n");
    seed_text("calib", 3,
              "rollmat-calibration 1\ncurve power\na 0.01\nb 1.2\n"
              "gains_file other.gains\n");
    seed_text("calib", 4,
              "rollmat-calibration 1\ncurve divider\na_kpa 50\nb 0.77\n"
              "crosstalk_row_pct 0.1\ncrosstalk_col_pct 0.2\ncreep_pct 4\ncreep_tau_s 20\n"
              "creep_recover_tau_s 10\ncreep_load_kpa 2\n");
    seed_text("regions", 0,
              "rollmat-regions 1\n# name x0 y0 x1 y1\n"
              "proximal 0 0 406.4 135   # upper third\n\nmid\t0\t135\t406.4\t270\n");
    if (rmat_scene_default_text(scene, sizeof scene, 32, 32, 12.7, 100, 300, 2.0, 10.0) < 0) {
        fprintf(stderr, "fuzz_seeds: no default scene\n");
        exit(1);
    }
    seed_text("scene", 0, scene);
    seed_text("ctl", 0, "ping\n");
    seed_text("ctl", 1,
              "status\nstart subject=S1 session=w1 region=calf side=left "
              "roller=foam roller_diameter_mm=150 mounting=floor body_mass_kg=72.5 "
              "operator=A notes=\"two words\" started_utc=2026-03-02T09:30:00Z\n");
    seed_text("ctl", 2, "mark \"a \\\"quoted\\\" mark\"\npain 6 \"left calf\"\nnote x\nstop\n");
    seed_text("json", 0,
              "{\"a\": [1, 2.5e3, -0.25, true, false, null], \"b\": {\"c\": "
              "\"\\u00e9\\n\"}, \"d\": []}");
    seed_text("json", 1, "[{\"t\": 0.01, \"x\": 12.7}, {\"t\": 0.02, \"x\": 13.9}]");
    seed_text("import", 0, "Frame 3\nB,1.5,2,\n0,0.5,,\n\nFrame 4\nB,0,0\n1,0,B\n");
    seed_text("import", 1, "0,1.5,0,2,3.5,0\n0,2.0,0.5,1,3,0\n");
    seed_text("import", 2, "0\t0\t12\t0\t5\t0\t\n3\t0\t40\t7\t0\t0\t\n");
    seed_text("import", 3,
              "DATA_TYPE MOVIE\nROWS 3\nCOLS 4\nROW_SPACING 0.25 centimeters\n"
              "COL_SPACING 2 mm\nSECONDS_PER_FRAME 0.01\nSTART_FRAME 7\n"
              "END_FRAME 8\nUNITS KPa \nASCII_DATA @@\n\nFrame 7\nB,10,20,B\n"
              "0,0,30,B\nB,B,0,B\n\nFrame 8\nB,0,5,B\n0,10,0,B\nB,B,0,B\n\n@@\n");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fuzz_seeds OUTDIR\n");
        return 2;
    }
    snprintf(out_dir, sizeof out_dir, "%s", argv[1]);
    if (mkdir(out_dir, 0755) != 0 && errno != EEXIST)
        die(out_dir);
    wire_seeds();
    journal_seeds();
    recording_seed();
    text_seeds();
    printf("fuzz_seeds: corpora in %s\n", out_dir);
    return 0;
}
