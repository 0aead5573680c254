/* The analysis driver (analyze.h): recording in, CSV, JSON and a plot out.
 *
 * One pass over the frames in blocks of at most BLOCK_FRAMES frames (and
 * BLOCK_BYTES of raw counts, for large grids), so memory is O(grid). Per
 * frame: counts to pressures, the per-frame metrics (metrics.h), the peak
 * map, one CSV row. Numbers are written with numfmt.h, not printf, which
 * would cost more than the metrics themselves.
 *
 * Calibration does not exist yet: p is the raw count as a double, and the
 * outputs say "counts". When it lands, it replaces counts_to_p() and sets
 * calibrated; nothing else here changes.
 */
#include "rollmat/analyze.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "rollmat/metrics.h"
#include "rollmat/numfmt.h"
#include "rollmat/plot.h"
#include "rollmat/reader.h"

#define PATH_BUF                      4096
#define BLOCK_FRAMES                  256
#define BLOCK_BYTES                   (128u << 10) /* in L2 while its frames are worked on */
#define DEFAULT_CONTACT_THRESHOLD_KPA 5.0          /* METRICS.md */
#define SIG_DIGITS                    7            /* of every metric in the CSV */
#define T_DECIMALS                    6            /* t_s to the microsecond */

static const char frames_header[] = "t_s,force_n,area_cm2,mean_kpa,peak_kpa,cop_x_mm,cop_y_mm,"
                                    "width_mm,length_mm,compliance_mm3_n\n";

void rmat_analysis_params_init(struct rmat_analysis_params *p)
{
    if (p)
        p->contact_threshold_kpa = DEFAULT_CONTACT_THRESHOLD_KPA;
}

/* --- output files ------------------------------------------------------- */

/* Like mkdir -p: creates every missing component of path. */
static int make_dirs(const char *path, struct rmat_errinfo *ei)
{
    char buf[PATH_BUF];
    struct stat st;
    size_t len = strlen(path);
    int e;

    if (len == 0 || len >= sizeof buf)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "output directory name empty or too long");
    memcpy(buf, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        const char c = buf[i];
        buf[i] = '\0';
        /* EEXIST may be a file in the way: the next mkdir, or the stat
         * below, says so with ENOTDIR. */
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
            e = errno;
            return rmat_errinfo_set(ei, rmat_err_from_errno(e), e,
                                    "cannot create output directory %s: %s: %s", path, buf,
                                    strerror(e));
        }
        buf[i] = c;
    }
    e = stat(path, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
    if (e != 0)
        return rmat_errinfo_set(ei, rmat_err_from_errno(e), e,
                                "cannot create output directory %s: %s", path, strerror(e));
    return RMAT_OK;
}

static int out_path(char *buf, const char *dir, const char *name, struct rmat_errinfo *ei)
{
    int n = snprintf(buf, PATH_BUF, "%s/%s", dir, name);
    if (n < 0 || n >= PATH_BUF)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "output path too long: %s/%s", dir, name);
    return RMAT_OK;
}

static int open_out(const char *path, FILE **f, struct rmat_errinfo *ei)
{
    *f = fopen(path, "w");
    if (!*f) {
        int e = errno;
        return rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "cannot create %s: %s", path,
                                strerror(e));
    }
    /* Cleared here so that after a failed write errno names its cause:
     * successful calls never clear it. */
    errno = 0;
    return RMAT_OK;
}

/* A write to f has failed if its error flag is set; e is errno as it was
 * right after the writes. */
static int write_failed(FILE *f, const char *path, int e, struct rmat_errinfo *ei)
{
    if (!ferror(f))
        return RMAT_OK;
    if (e == 0)
        e = EIO;
    return rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "cannot write %s: %s", path,
                            strerror(e));
}

/* Closes *f (set to NULL) and reports a write that failed before or while
 * fclose flushed the rest (ENOSPC shows up here as often as not). */
static int close_out(FILE **f, const char *path, struct rmat_errinfo *ei)
{
    int rc = write_failed(*f, path, errno, ei);
    int closed = fclose(*f);
    int e = errno;

    *f = NULL;
    if (rc == RMAT_OK && closed != 0)
        rc = rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "cannot write %s: %s", path,
                              strerror(e));
    return rc;
}

/* A JSON string: quote, backslash and control characters escaped; other
 * bytes as they are (paths are taken to be UTF-8). */
static void put_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        const unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* A JSON number: NaN and infinities have no JSON spelling, so null. */
static void put_json_number(FILE *f, double v)
{
    char num[RMAT_FMT_BUF];
    if (!isfinite(v)) {
        fputs("null", f);
        return;
    }
    rmat_fmt_sig(num, v, 15);
    fputs(num, f);
}

static int write_json(const char *path, const char *rec_path, const struct rmat_grid *g,
                      const struct rmat_analysis_params *params,
                      const struct rmat_analysis_result *res, struct rmat_errinfo *ei)
{
    FILE *f;
    int rc = open_out(path, &f, ei);
    if (rc != RMAT_OK)
        return rc;
    fputs("{\n  \"software\": \"rollmat " RMAT_VERSION "\",\n  \"recording\": ", f);
    put_json_string(f, rec_path);
    fprintf(f, ",\n  \"frames\": %llu,\n  \"frames_lost\": %llu,\n  \"duration_s\": ",
            (unsigned long long)res->frames, (unsigned long long)res->frames_lost);
    put_json_number(f, res->duration_s);
    fprintf(f, ",\n  \"units\": \"%s\",\n  \"calibrated\": %s,\n",
            res->calibrated ? "kPa" : "counts", res->calibrated ? "true" : "false");
    fprintf(f, "  \"grid\": {\"rows\": %d, \"cols\": %d, \"pitch_x_mm\": ", g->rows, g->cols);
    put_json_number(f, g->pitch_x_mm);
    fputs(", \"pitch_y_mm\": ", f);
    put_json_number(f, g->pitch_y_mm);
    fputs("},\n  \"peak_kpa\": ", f);
    put_json_number(f, res->peak_kpa);
    fputs(",\n  \"parameters\": {\"contact_threshold_kpa\": ", f);
    put_json_number(f, params->contact_threshold_kpa);
    fputs("}\n}\n", f);
    return close_out(&f, path, ei);
}

/* Rows of cols numbers; nothing at all when there were no frames (a map of
 * nothing seen is not a map of zeros). */
static int write_peak_map(const char *path, const struct rmat_grid *g, const double *peak,
                          uint64_t frames, struct rmat_errinfo *ei)
{
    char num[RMAT_FMT_BUF];
    FILE *f;
    int rc = open_out(path, &f, ei);
    if (rc != RMAT_OK)
        return rc;
    for (int i = 0; frames > 0 && i < g->rows; i++) {
        for (int j = 0; j < g->cols; j++) {
            size_t n = rmat_fmt_sig(num, peak[(size_t)i * (size_t)g->cols + (size_t)j], SIG_DIGITS);
            if (j > 0)
                fputc(',', f);
            fwrite(num, 1, n, f);
        }
        fputc('\n', f);
    }
    return close_out(&f, path, ei);
}

/* One frames.csv row into buf (at least 10 * RMAT_FMT_BUF + 1 bytes). */
static size_t format_row(char *buf, double t_s, const struct rmat_frame_metrics *m)
{
    const double v[9] = {m->force_n,  m->area_cm2, m->mean_kpa,  m->peak_kpa,        m->cop_x_mm,
                         m->cop_y_mm, m->width_mm, m->length_mm, m->compliance_mm3_n};
    size_t n = rmat_fmt_fixed(buf, t_s, T_DECIMALS);
    for (int k = 0; k < 9; k++) {
        buf[n++] = ',';
        n += rmat_fmt_sig(buf + n, v[k], SIG_DIGITS);
    }
    buf[n++] = '\n';
    return n;
}

/* --- the pass over the frames ------------------------------------------- */

static int grid_from_device(const char *rec_path, const struct rmat_device_desc *dev,
                            struct rmat_grid *g, struct rmat_errinfo *ei)
{
    g->rows = dev->rows;
    g->cols = dev->cols;
    g->pitch_x_mm = dev->pitch_x_mm;
    g->pitch_y_mm = dev->pitch_y_mm;
    if (g->rows < 1 || g->cols < 1)
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0, "%s: /device has %d rows and %d cols",
                                rec_path, g->rows, g->cols);
    /* NaN where the attribute is missing (reader.h): metrics in mm need it. */
    if (!(g->pitch_x_mm > 0 && g->pitch_x_mm < INFINITY) ||
        !(g->pitch_y_mm > 0 && g->pitch_y_mm < INFINITY))
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                "%s: /device pitch_x_mm %g, pitch_y_mm %g: positions in mm need "
                                "positive pitches",
                                rec_path, g->pitch_x_mm, g->pitch_y_mm);
    return RMAT_OK;
}

/* Raw counts to p. Without calibration p is the count itself. Eight at a
 * time in a loop of known length, which the compiler turns into vector
 * conversions at -O2 (an open-ended loop stays scalar there). */
static void counts_to_p(const uint16_t *raw, size_t n, double *p)
{
    size_t k = 0;
    for (; k + 8 <= n; k += 8)
        for (size_t l = 0; l < 8; l++)
            p[k + l] = (double)raw[k + l];
    for (; k < n; k++)
        p[k] = (double)raw[k];
}

/* The state of the pass that outlives one block. */
struct pass {
    uint64_t frames;
    uint64_t lost;
    uint64_t restarts;
    uint64_t t0_us;
    uint32_t last_seq;
    double duration_s;
    double peak;
};

static int run_pass(struct rmat_reader *r, const struct rmat_grid *g, double threshold, FILE *csv,
                    const char *csv_path, double *peak_map, const struct rmat_log *log,
                    const char *rec_path, struct pass *ps, struct rmat_errinfo *ei)
{
    const uint64_t total = rmat_reader_info(r)->frames;
    const size_t n = (size_t)g->rows * (size_t)g->cols;
    size_t block = BLOCK_BYTES / (n * sizeof(uint16_t));
    uint16_t *raw = NULL;
    uint32_t *seq = NULL;
    uint64_t *t_us = NULL;
    double *p = NULL;
    char row[10 * RMAT_FMT_BUF + 1];
    struct rmat_frame_metrics m;
    int rc = RMAT_OK;

    if (block > BLOCK_FRAMES)
        block = BLOCK_FRAMES;
    if (block < 1)
        block = 1;
    raw = malloc(block * n * sizeof *raw);
    seq = malloc(block * sizeof *seq);
    t_us = malloc(block * sizeof *t_us);
    p = malloc(n * sizeof *p);
    if (!raw || !seq || !t_us || !p) {
        rc =
            rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM,
                             "%s: out of memory for %zu frames of %zu sensels", rec_path, block, n);
        goto out;
    }

    for (uint64_t first = 0; first < total; first += block) {
        const size_t cnt = total - first < block ? (size_t)(total - first) : block;
        rc = rmat_reader_read(r, first, cnt, raw, seq, t_us, NULL, ei);
        if (rc != RMAT_OK)
            goto out;
        errno = 0;
        for (size_t k = 0; k < cnt; k++) {
            const uint16_t *fr = raw + k * n;
            if (ps->frames == 0) {
                ps->t0_us = t_us[k];
                for (size_t s = 0; s < n; s++)
                    peak_map[s] = (double)fr[s];
            } else if (seq[k] > ps->last_seq) {
                ps->lost += seq[k] - ps->last_seq - 1u;
            } else if (seq[k] < ps->last_seq) {
                ps->restarts++;
                rmat_logf(log, RMAT_LOG_WARN,
                          "%s: frame %llu: seq goes back from %lu to %lu: the device restarted "
                          "(not counted as lost frames)",
                          rec_path, (unsigned long long)(first + k), (unsigned long)ps->last_seq,
                          (unsigned long)seq[k]);
            }
            ps->last_seq = seq[k];
            /* The difference taken in uint64_t and read as signed (GCC
             * converts modulo 2^64), so a clock that steps back gives a
             * negative time, not 5.8e5 years. */
            const double t_s = (double)(int64_t)(t_us[k] - ps->t0_us) / 1e6;
            if (ps->frames == 0 || t_s > ps->duration_s)
                ps->duration_s = t_s;

            counts_to_p(fr, n, p);
            rmat_frame_metrics_compute(g, p, threshold, &m);
            rmat_map_peak_update(g, p, peak_map);
            if (ps->frames == 0 || m.peak_kpa > ps->peak)
                ps->peak = m.peak_kpa;
            fwrite(row, 1, format_row(row, t_s, &m), csv);
            ps->frames++;
        }
        /* Checked per block so a full disk stops the pass early. */
        rc = write_failed(csv, csv_path, errno, ei);
        if (rc != RMAT_OK)
            goto out;
    }
out:
    free(p);
    free(t_us);
    free(seq);
    free(raw);
    return rc;
}

/* "peak pressure and CoP: <file name of the recording> (...)". */
static void plot_title(char *buf, size_t cap, const char *rec_path, int calibrated)
{
    const char *base = strrchr(rec_path, '/');
    base = base && base[1] ? base + 1 : rec_path;
    snprintf(buf, cap, "Peak pressure and centre of pressure: %s%s", base,
             calibrated ? "" : " (raw counts, uncalibrated)");
}

int rmat_analyze(const char *rec_path, const char *out_dir,
                 const struct rmat_analysis_params *params, const struct rmat_log *log,
                 struct rmat_analysis_result *res, struct rmat_errinfo *ei)
{
    struct rmat_analysis_params defaults;
    struct rmat_analysis_result result = {0, 0, 0, 0.0, NAN};
    struct rmat_reader *r = NULL;
    struct rmat_grid g;
    struct pass ps;
    char path[PATH_BUF], title[512];
    double *peak_map = NULL;
    FILE *csv = NULL;
    int rc;

    rmat_errinfo_clear(ei);
    if (res)
        *res = result;
    if (!rec_path || !out_dir)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                                "analyze: recording and output directory needed");
    if (!params) {
        rmat_analysis_params_init(&defaults);
        params = &defaults;
    }
    if (isnan(params->contact_threshold_kpa))
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "analyze: contact threshold is not a number");

    rc = rmat_reader_open(rec_path, &r, ei);
    if (rc != RMAT_OK)
        goto out;
    rc = grid_from_device(rec_path, &rmat_reader_info(r)->dev, &g, ei);
    if (rc != RMAT_OK)
        goto out;
    rc = make_dirs(out_dir, ei);
    if (rc != RMAT_OK)
        goto out;

    /* Said loudly, every time: numbers in counts look like kPa and N in a
     * spreadsheet, and nobody should put them in a report as such. */
    rmat_logf(log, RMAT_LOG_WARN,
              "%s: NO CALIBRATION: every pressure, force and compliance in %s is in RAW ADC "
              "COUNTS, not kPa or N (units \"counts\"); the contact threshold %g is compared "
              "with counts",
              rec_path, out_dir, params->contact_threshold_kpa);

    peak_map = malloc((size_t)g.rows * (size_t)g.cols * sizeof *peak_map);
    if (!peak_map) {
        rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", rec_path);
        goto out;
    }
    rc = out_path(path, out_dir, "frames.csv", ei);
    if (rc == RMAT_OK)
        rc = open_out(path, &csv, ei);
    if (rc != RMAT_OK)
        goto out;
    fputs(frames_header, csv);

    memset(&ps, 0, sizeof ps);
    ps.peak = NAN;
    rc =
        run_pass(r, &g, params->contact_threshold_kpa, csv, path, peak_map, log, rec_path, &ps, ei);
    if (rc != RMAT_OK)
        goto out;
    rc = close_out(&csv, path, ei);
    if (rc != RMAT_OK)
        goto out;

    result.frames = ps.frames;
    result.frames_lost = ps.lost;
    result.calibrated = 0;
    result.duration_s = ps.duration_s;
    result.peak_kpa = ps.peak;
    if (res)
        *res = result;

    rc = out_path(path, out_dir, "peak_map.csv", ei);
    if (rc == RMAT_OK)
        rc = write_peak_map(path, &g, peak_map, ps.frames, ei);
    if (rc == RMAT_OK)
        rc = out_path(path, out_dir, "analysis.json", ei);
    if (rc == RMAT_OK)
        rc = write_json(path, rec_path, &g, params, &result, ei);
    if (rc != RMAT_OK)
        goto out;

    if (ps.frames == 0) {
        /* An old plot beside these files would show another recording. */
        if (out_path(path, out_dir, "cop_peak.png", ei) == RMAT_OK)
            (void)unlink(path);
        rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                              "%s has no frames: nothing to analyse (empty outputs in %s)",
                              rec_path, out_dir);
        goto out;
    }
    rmat_logf(log, RMAT_LOG_INFO, "%s: %llu frames, %.3f s, %llu lost, %llu restarts", rec_path,
              (unsigned long long)ps.frames, ps.duration_s, (unsigned long long)ps.lost,
              (unsigned long long)ps.restarts);

    plot_title(title, sizeof title, rec_path, result.calibrated);
    rc = rmat_plot_cop_peak(out_dir, &g, title, result.calibrated ? "kPa" : "counts", ei);

out:
    if (csv)
        fclose(csv);
    free(peak_map);
    rmat_reader_close(r);
    return rc;
}
