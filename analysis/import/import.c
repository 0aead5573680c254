/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The import run (import.h): the format table, detection by content, and
 * the bookkeeping every reader shares between it and the sink: parts and
 * their provenance, gap events, time order, the file's digest.
 *
 * A reader calls imp_part_begin() once it knows a part's geometry (for
 * Tekscan, after the first frame has shown the B pattern), imp_frame() per
 * frame, and imp_source_done() once it has read every byte; the run then
 * ends the parts. An error anywhere returns at once: parts the sink saw
 * begin without an end are for it to discard.
 */
#include "import_int.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct rmat_import_format_info formats[] = {
    {RMAT_IMPORT_TEKSCAN, "tekscan", "Tekscan ASCII movie (F-Scan .asf, I-Scan .csv)",
     "first line DATA_TYPE MOVIE; ROWS, COLS and ASCII_DATA @@ within 200 lines", "asf csv", 1,
     NULL},
    {RMAT_IMPORT_XSENSOR, "xsensor", "XSENSOR CSV export (standard layout; PRO 7 and wide refused)",
     "CSV whose first 100 records hold Units: and FRAME,<n>, then SENSOR, Rows, Columns, SENSELS",
     "csv", 1, NULL},
    {RMAT_IMPORT_EMED, "emed", "novel emed .lst (pages of pictures, Latin-1)",
     "lines holding Matrix:, Sensor area: and Pict-No.:", "lst", 1, NULL},
    {RMAT_IMPORT_PEDAR, "pedar", "novel pedar .asc (insole sensor lists)",
     "first line file name: ... date/time; sensor type: and mask definition: lines; TABs", "asc", 1,
     NULL},
    {RMAT_IMPORT_PLIANCE, "pliance", "novel pliance .asc (flexible mats)",
     "first line file name: ... date/time; mat type; electrical:; time[secs]; no TABs", "asc", 1,
     NULL},
    {RMAT_IMPORT_APD, "zebris-apd", "Zebris pedcad import file .apd (one peak image)",
     "[General] with Description=pedcad Importfile, and [Data]", "apd", 1, NULL},
    {RMAT_IMPORT_WINFDM, "zebris-raw", "Zebris WinFDM raw ASCII export (.txt)",
     "Exercises<TAB>{, Frequency,Hz and Time,ms near the top", "txt", 1, NULL},
    {RMAT_IMPORT_FOOTSCAN, "footscan", "RSscan footscan .xls (Excel BIFF8)",
     "OLE2 signature D0 CF 11 E0 A1 B1 1A E1", "xls", 0,
     "needs an .xls (BIFF8) reader, which this build does not link (Debian's libfreexl would "
     "provide one); export the data as text instead"},
    {RMAT_IMPORT_INBED, "inbed", "in-bed pressure-map text (PhysioNet style, raw counts)",
     "lines of TAB-separated integers ending in a TAB; 2048 values = 64 x 32 (others: --format "
     "inbed --rows --cols)",
     "txt", 1, NULL},
    {RMAT_IMPORT_MATRIX, "matrix", "plain matrix CSV/TSV (line or block layout)",
     "never detected: --format matrix --rows --cols --pitch-mm --unit --rate-hz", "csv tsv txt", 1,
     NULL},
};

const struct rmat_import_format_info *rmat_import_formats(size_t *n)
{
    if (n)
        *n = sizeof formats / sizeof formats[0];
    return formats;
}

static const struct rmat_import_format_info *info_of(enum rmat_import_format f)
{
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (formats[i].format == f)
            return &formats[i];
    return NULL;
}

enum rmat_import_format rmat_import_format_by_name(const char *name)
{
    for (size_t i = 0; name && i < sizeof formats / sizeof formats[0]; i++)
        if (imp_eq(name, formats[i].name))
            return formats[i].format;
    return RMAT_IMPORT_AUTO;
}

void rmat_import_opts_init(struct rmat_import_opts *o)
{
    memset(o, 0, sizeof *o);
    o->pitch_x_mm = o->pitch_y_mm = NAN;
    o->rate_hz = NAN;
}

/* --- messages ------------------------------------------------------------ */

static int verr(struct imp *im, int code, long line, const char *fmt, va_list ap)
{
    char what[RMAT_ERRINFO_MSG];
    vsnprintf(what, sizeof what, fmt, ap);
    if (line > 0)
        return rmat_errinfo_set(im->ei, code, 0, "%s:%ld: %s", im->path, line, what);
    return rmat_errinfo_set(im->ei, code, 0, "%s: %s", im->path, what);
}

int imp_err(struct imp *im, long line, const char *fmt, ...)
{
    va_list ap;
    int rc;
    va_start(ap, fmt);
    rc = verr(im, RMAT_E_FORMAT, line, fmt, ap);
    va_end(ap);
    return rc;
}

int imp_errc(struct imp *im, int code, long line, const char *fmt, ...)
{
    va_list ap;
    int rc;
    va_start(ap, fmt);
    rc = verr(im, code, line, fmt, ap);
    va_end(ap);
    return rc;
}

static int note(struct imp *im, struct imp_str *to, enum rmat_log_level lvl, const char *fmt,
                va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (im->opts->log)
        rmat_logf(im->opts->log, lvl, "%s: %s", im->path, msg);
    if (to->len)
        imp_str_add(to, "\n");
    return imp_str_add(to, msg) == 0 ? RMAT_OK : RMAT_E_NOMEM;
}

int imp_assume(struct imp *im, const char *fmt, ...)
{
    va_list ap;
    int rc;
    va_start(ap, fmt);
    rc = note(im, &im->assumptions, RMAT_LOG_INFO, fmt, ap);
    va_end(ap);
    return rc;
}

int imp_warn(struct imp *im, const char *fmt, ...)
{
    va_list ap;
    int rc;
    va_start(ap, fmt);
    rc = note(im, &im->warnings, RMAT_LOG_WARN, fmt, ap);
    va_end(ap);
    return rc;
}

int imp_part_warn(struct imp *im, int part, const char *fmt, ...)
{
    va_list ap;
    int rc;
    va_start(ap, fmt);
    rc = note(im, &im->ps[part].warnings, RMAT_LOG_WARN, fmt, ap);
    va_end(ap);
    return rc;
}

/* --- attributes ---------------------------------------------------------- */

static char *dup_str(const char *s)
{
    const size_t n = strlen(s ? s : "") + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s ? s : "", n);
    return d;
}

/* Text for the sink is UTF-8 without NUL: a NUL byte or a byte that does
 * not form valid UTF-8 becomes '?', in place (the length is kept, so a
 * header's header_len stays its strlen). */
static void utf8_clean(char *s, size_t n)
{
    unsigned char *p = (unsigned char *)s;
    for (size_t i = 0; i < n;) {
        const unsigned c = p[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        int ok = len > 0 && i + len <= n && c != 0 && c != 0xc0 && c != 0xc1 && c < 0xf5;
        for (size_t k = 1; ok && k < len; k++)
            ok = (p[i + k] & 0xc0) == 0x80;
        if (!ok) {
            p[i++] = '?';
            continue;
        }
        i += len;
    }
}

static void attr_add(struct imp_attrs *at, const char *key, const char *text, double v)
{
    struct rmat_import_attr *a;
    /* A key given again replaces its value: readers may refine one. */
    for (size_t i = 0; i < at->n; i++)
        if (strcmp(at->a[i].key, key) == 0) {
            char *t = text ? dup_str(text) : NULL;
            if (text && !t)
                return;
            if (t)
                utf8_clean(t, strlen(t));
            free(at->mem[2 * i + 1]);
            at->mem[2 * i + 1] = t;
            at->a[i].text = t;
            at->a[i].num = v;
            return;
        }
    if (at->n == IMP_MAX_ATTRS)
        return;
    a = &at->a[at->n];
    at->mem[2 * at->n] = dup_str(key);
    at->mem[2 * at->n + 1] = text ? dup_str(text) : NULL;
    if (!at->mem[2 * at->n] || (text && !at->mem[2 * at->n + 1])) {
        free(at->mem[2 * at->n]);
        free(at->mem[2 * at->n + 1]);
        return;
    }
    utf8_clean(at->mem[2 * at->n], strlen(at->mem[2 * at->n]));
    if (text)
        utf8_clean(at->mem[2 * at->n + 1], strlen(at->mem[2 * at->n + 1]));
    a->key = at->mem[2 * at->n];
    a->text = at->mem[2 * at->n + 1];
    a->num = v;
    at->n++;
}

void imp_attr_text(struct imp_attrs *at, const char *key, const char *text)
{
    attr_add(at, key, text ? text : "", NAN);
}

void imp_attr_num(struct imp_attrs *at, const char *key, double v)
{
    attr_add(at, key, NULL, v);
}

void imp_attrs_free(struct imp_attrs *at)
{
    for (size_t i = 0; i < 2 * at->n; i++)
        free(at->mem[i]);
    at->n = 0;
}

/* --- parts --------------------------------------------------------------- */

static const void *own(struct imp_partstate *ps, const void *src, size_t n)
{
    void *d;
    if (!src || ps->n_own == (int)(sizeof ps->own / sizeof ps->own[0]))
        return NULL;
    d = malloc(n ? n : 1);
    if (!d)
        return NULL;
    memcpy(d, src, n);
    ps->own[ps->n_own++] = d;
    return d;
}

static const char *own_str(struct imp_partstate *ps, const char *s)
{
    char *d;
    if (!s)
        return "";
    d = (char *)own(ps, s, strlen(s) + 1);
    if (d)
        utf8_clean(d, strlen(d));
    return d;
}

/* The part as the sink sees it now: warnings of the file and of the part,
 * the run's assumptions. tmp holds the joined warnings. */
static void part_view(struct imp *im, struct imp_partstate *ps, struct imp_str *tmp)
{
    imp_str_add(tmp, imp_str_get(&im->warnings));
    if (ps->warnings.len) {
        if (tmp->len)
            imp_str_add(tmp, "\n");
        imp_str_add(tmp, imp_str_get(&ps->warnings));
    }
    ps->part.warnings = imp_str_get(tmp);
    ps->part.assumptions = imp_str_get(&im->assumptions);
    ps->part.attrs = ps->at.a;
    ps->part.n_attrs = ps->at.n;
}

static int sink_rc(struct imp *im, int rc)
{
    if (rc >= 0)
        return RMAT_OK;
    return rmat_errinfo_set(im->ei, rc, 0, "%s: the output stopped the import: %s", im->path,
                            rmat_strerror(rc));
}

/* --pitch-mm for every grid, and /source options: what the user gave. */
static void options(struct imp *im, struct imp_partstate *ps)
{
    const struct rmat_import_opts *o = im->opts;
    struct imp_str t = {0};
    char buf[128];
    if (ps->part.layout == RMAT_IMPORT_GRID && !isnan(o->pitch_x_mm)) {
        ps->part.pitch_x_mm = o->pitch_x_mm;
        ps->part.pitch_y_mm = isnan(o->pitch_y_mm) ? o->pitch_x_mm : o->pitch_y_mm;
        snprintf(buf, sizeof buf, "--pitch-mm %.17g,%.17g ", ps->part.pitch_x_mm,
                 ps->part.pitch_y_mm);
        imp_str_add(&t, buf);
    }
    if (o->rows || o->cols) {
        snprintf(buf, sizeof buf, "--rows %d --cols %d ", o->rows, o->cols);
        imp_str_add(&t, buf);
    }
    if (o->unit) {
        snprintf(buf, sizeof buf, "--unit %.60s ", o->unit);
        imp_str_add(&t, buf);
    }
    if (!isnan(o->rate_hz)) {
        snprintf(buf, sizeof buf, "--rate-hz %.17g ", o->rate_hz);
        imp_str_add(&t, buf);
    }
    if (o->time_column)
        imp_str_add(&t, "--time-column ");
    if (o->drop_first || o->drop_last) {
        snprintf(buf, sizeof buf, "--drop-first %ld --drop-last %ld ", o->drop_first, o->drop_last);
        imp_str_add(&t, buf);
    }
    if (o->sensor_table)
        imp_str_add(&t, "--sensor-table ");
    if (t.len)
        t.s[--t.len] = '\0';
    attr_add(&ps->at, "options", imp_str_get(&t), NAN);
    imp_str_free(&t);
}

int imp_part_begin(struct imp *im, const struct rmat_import_part *p, const struct imp_attrs *at,
                   const struct imp_str *header)
{
    struct imp_partstate *ps;
    const struct rmat_import_format_info *fi = info_of(im->opts->format);
    const size_t n = (size_t)p->rows * (size_t)p->cols;
    struct imp_str tmp = {0};
    int idx, rc = RMAT_OK;

    if (im->n_parts == IMP_MAX_PARTS)
        return imp_err(im, 0, "more than %d recordings in one file", IMP_MAX_PARTS);
    if (p->rows < 1 || p->cols < 1 || n > RMAT_IMPORT_MAX_SENSORS)
        return imp_err(im, 0, "a grid of %d x %d: rows and cols must be 1..%d", p->rows, p->cols,
                       RMAT_IMPORT_MAX_SIDE);
    idx = im->n_parts++;
    ps = &im->ps[idx];
    memset(ps, 0, sizeof *ps);
    ps->part = *p;
    ps->part.index = idx;
    ps->part.format = fi ? fi->name : "";
    ps->part.name = own_str(ps, p->name);
    ps->part.unit_in_file = own_str(ps, p->unit_in_file);
    ps->part.variant = own_str(ps, p->variant);
    ps->part.encoding = own_str(ps, p->encoding ? p->encoding : "ASCII");
    ps->part.line_endings = own_str(ps, p->line_endings ? p->line_endings : "LF");
    ps->part.content = p->content ? p->content : "movie";
    ps->part.model = own_str(ps, p->model);
    ps->part.serial = own_str(ps, p->serial);
    ps->part.firmware_version = own_str(ps, p->firmware_version);
    ps->part.mask = own(ps, p->mask, n);
    if (header && header->len) {
        char *h = (char *)own(ps, header->s, header->len + 1);
        if (h)
            utf8_clean(h, header->len);
        ps->part.header = h;
        ps->part.header_len = header->len;
    } else {
        ps->part.header = "";
        ps->part.header_len = 0;
    }
    if (p->layout == RMAT_IMPORT_SENSORS) {
        ps->part.sensor_id = own(ps, p->sensor_id, n * sizeof *p->sensor_id);
        ps->part.sensor_area_mm2 = own(ps, p->sensor_area_mm2, n * sizeof(double));
        ps->part.sensor_x_mm = own(ps, p->sensor_x_mm, n * sizeof(double));
        ps->part.sensor_y_mm = own(ps, p->sensor_y_mm, n * sizeof(double));
    }
    if (!ps->part.name || !ps->part.unit_in_file || !ps->part.variant || !ps->part.encoding ||
        !ps->part.line_endings || !ps->part.model || !ps->part.serial ||
        !ps->part.firmware_version || !ps->part.mask || !ps->part.header ||
        (p->layout == RMAT_IMPORT_SENSORS && (!ps->part.sensor_id || !ps->part.sensor_area_mm2 ||
                                              !ps->part.sensor_x_mm || !ps->part.sensor_y_mm)))
        return rmat_errinfo_set(im->ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", im->path);
    ps->part.frames = 0;
    ps->part.sha256 = "";
    ps->part.file_size = 0;
    for (size_t i = 0; at && i < at->n; i++)
        attr_add(&ps->at, at->a[i].key, at->a[i].text, at->a[i].num);
    options(im, ps);
    ps->counts = p->counts;
    ps->n = n;
    ps->skip = im->opts->side != RMAT_IMPORT_SIDE_ANY && p->side != im->opts->side;
    if (!ps->skip && im->sink->part_begin) {
        part_view(im, ps, &tmp);
        rc = sink_rc(im, im->sink->part_begin(im->sink->ctx, &ps->part));
        imp_str_free(&tmp);
    }
    if (rc != RMAT_OK)
        return rc;
    ps->open = !ps->skip;
    return idx;
}

void imp_part_set_rate(struct imp *im, int part, double rate_hz)
{
    im->ps[part].part.rate_hz = rate_hz;
}

void imp_part_add_attr_num(struct imp *im, int part, const char *key, double v)
{
    attr_add(&im->ps[part].at, key, NULL, v);
}

int imp_frame(struct imp *im, int part, int64_t seq, int64_t t_us, const float *v, long line)
{
    struct imp_partstate *ps = &im->ps[part];
    struct rmat_import_frame f;

    if (ps->frames > 0) {
        if (t_us < ps->last_t_us)
            return imp_err(im, line,
                           "time goes backwards: %.6f s after %.6f s (the frame at line %ld)",
                           (double)t_us / 1e6, (double)ps->last_t_us / 1e6, ps->last_line);
        if (seq <= ps->last_seq)
            return imp_err(im, line, "frame label %lld after %lld (line %ld): labels must rise",
                           (long long)seq, (long long)ps->last_seq, ps->last_line);
        if (seq > ps->last_seq + 1 && !ps->skip && im->sink->event) {
            struct rmat_import_event ev = {
                part, "gap", ps->frames, t_us, (double)(seq - ps->last_seq - 1), "frames missing"};
            int rc = sink_rc(im, im->sink->event(im->sink->ctx, &ev));
            if (rc != RMAT_OK)
                return rc;
        }
    }
    if (ps->counts) {
        for (size_t i = 0; i < ps->n; i++)
            if (!(v[i] >= 0.0f && v[i] <= 65535.0f && v[i] == (float)(int32_t)v[i]))
                return imp_err(im, line,
                               "value %zu of the frame is %g: raw counts must be whole numbers "
                               "0..65535",
                               i + 1, (double)v[i]);
    }
    ps->last_seq = seq;
    ps->last_t_us = t_us;
    ps->last_line = line;
    f.part = part;
    f.index = ps->frames++;
    f.seq = seq;
    f.t_us = t_us;
    f.values = v;
    f.n = ps->n;
    f.line = line;
    if (ps->skip || !im->sink->frame)
        return RMAT_OK;
    return sink_rc(im, im->sink->frame(im->sink->ctx, &f));
}

int imp_vendor_row(struct imp *im, int part, int64_t frame, double t_s,
                   const struct rmat_import_figure *fig, size_t n)
{
    struct rmat_import_vendor_row r = {part, frame, t_s, fig, n};
    if (im->ps[part].skip || !im->sink->vendor_row || n == 0)
        return RMAT_OK;
    return sink_rc(im, im->sink->vendor_row(im->sink->ctx, &r));
}

int imp_vendor_map(struct imp *im, int part, const char *name, const float *v, size_t n)
{
    if (im->ps[part].skip || !im->sink->vendor_map)
        return RMAT_OK;
    return sink_rc(im, im->sink->vendor_map(im->sink->ctx, part, name, v, n));
}

void imp_source_done(struct imp *im, struct imp_lr *lr)
{
    uint8_t d[RMAT_SHA256_LEN];
    if (!lr->hash)
        return;
    rmat_sha256_final(&lr->sha, d);
    rmat_sha256_hex(d, im->sha_hex);
    im->file_size = lr->bytes;
    lr->hash = 0;
}

int imp_end_all(struct imp *im)
{
    int any = 0;
    for (int i = 0; i < im->n_parts; i++) {
        struct imp_partstate *ps = &im->ps[i];
        struct imp_str tmp = {0};
        int rc = RMAT_OK;
        any |= !ps->skip;
        if (!ps->open)
            continue;
        ps->part.frames = ps->frames;
        ps->part.sha256 = im->sha_hex;
        ps->part.file_size = im->file_size;
        part_view(im, ps, &tmp);
        if (im->sink->part_end)
            rc = sink_rc(im, im->sink->part_end(im->sink->ctx, &ps->part));
        imp_str_free(&tmp);
        ps->open = 0;
        if (rc != RMAT_OK)
            return rc;
    }
    if (im->n_parts > 0 && !any)
        return imp_errc(im, RMAT_E_ARG, 0, "--side %s: the file holds no %s recording",
                        im->opts->side == RMAT_IMPORT_SIDE_LEFT ? "left" : "right",
                        im->opts->side == RMAT_IMPORT_SIDE_LEFT ? "left" : "right");
    return RMAT_OK;
}

int imp_open(struct imp *im, struct imp_lr *lr, uint64_t off, long line0, int hash)
{
    return imp_lr_open(lr, im->path, im->mem, im->mem_len, off, line0, hash, im->ei);
}

int imp_opt_unit(struct imp *im, enum imp_pkind *kind, double *to_kpa)
{
    if (!im->opts->unit)
        return 0;
    if (imp_unit_pressure(im->opts->unit, kind, to_kpa) != 0)
        return imp_errc(im, RMAT_E_ARG, 0,
                        "--unit \"%s\": unknown unit (kPa, mmHg, N/cm2, MPa, PSI, "
                        "N-per-sensel, counts)",
                        im->opts->unit);
    return 1;
}

int imp_newton_to_kpa(struct imp *im, double pitch_x_mm, double pitch_y_mm, double *to_kpa)
{
    const double a = pitch_x_mm * pitch_y_mm;
    if (!(a >= 1e-6 && a <= 1e12))
        return imp_errc(im, RMAT_E_ARG, 0,
                        "force per sensel needs a sensel area of 1e-6..1e12 mm2, the pitch gives "
                        "%g mm2",
                        a);
    *to_kpa = 1000.0 / a;
    return RMAT_OK;
}

/* --- the sensor table ---------------------------------------------------- */

int imp_sensor_table(struct imp *im, const int32_t *ids, size_t n, double *area, double *x,
                     double *y)
{
    struct imp_lr lr;
    struct imp_str fake = {0};
    char *line, *f[8];
    size_t len;
    int rc, got;

    for (size_t i = 0; i < n; i++)
        area[i] = x[i] = y[i] = NAN;
    if (!im->opts->sensor_table)
        return 0;
    rc = imp_lr_open(&lr, im->opts->sensor_table, NULL, 0, 0, 0, 0, im->ei);
    if (rc != RMAT_OK)
        return rc;
    while ((got = imp_lr_next(&lr, &line, &len, im->opts->sensor_table, im->ei)) == 1) {
        double v[4];
        long id;
        int nf = imp_split(line, ',', f, 7);
        if (nf == 1 && f[0][0] == '\0')
            continue;
        if (nf >= 1 && imp_num_str(f[0], &v[0]) != 0 && lr.line == 1)
            continue; /* a header line */
        if (nf != 2 && nf != 4) {
            rc = rmat_errinfo_set(im->ei, RMAT_E_FORMAT, 0,
                                  "%s:%ld: expected id,area_mm2[,x_mm,y_mm], found %d fields",
                                  im->opts->sensor_table, lr.line, nf > 7 ? 8 : nf);
            break;
        }
        if (imp_int_str(f[0], 0, INT32_MAX, &id) != 0 || imp_num_str(f[1], &v[1]) != 0 ||
            !(v[1] > 0) ||
            (nf == 4 && (imp_num_str(f[2], &v[2]) != 0 || imp_num_str(f[3], &v[3]) != 0))) {
            rc = rmat_errinfo_set(im->ei, RMAT_E_FORMAT, 0,
                                  "%s:%ld: expected a whole id, a positive area and numbers, "
                                  "found \"%s\"",
                                  im->opts->sensor_table, lr.line, f[0]);
            break;
        }
        for (size_t i = 0; i < n; i++)
            if (ids[i] == id) {
                area[i] = v[1];
                if (nf == 4) {
                    x[i] = v[2];
                    y[i] = v[3];
                }
            }
    }
    if (got < 0)
        rc = got;
    imp_lr_close(&lr);
    imp_str_free(&fake);
    return rc < 0 ? rc : 1;
}

/* --- detection ----------------------------------------------------------- */

static const char *ext_of(const char *name)
{
    const char *slash = strrchr(name, '/');
    const char *dot = strrchr(slash ? slash : name, '.');
    return dot ? dot + 1 : "";
}

/* Does every line of the head's first few hold only numbers (and
 * separators)? Then it is a matrix the user must describe. */
static int looks_numeric(const char *head)
{
    int lines = 0;
    for (const char *p = head; *p && lines < 5;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        int digits = 0;
        for (size_t i = 0; i < n; i++) {
            const char c = p[i];
            if (c >= '0' && c <= '9')
                digits++;
            else if (!strchr(" \t,;.-+eEB\r", c))
                return 0;
        }
        if (digits)
            lines++;
        if (!nl)
            break;
        p = nl + 1;
    }
    return lines > 0;
}

static int detect_head(const char *head, size_t len, const char *name, struct rmat_errinfo *ei)
{
    const char *ext = ext_of(name), *variant = NULL;
    int inbed_values = 0;

    if (len >= 8 && memcmp(head, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) == 0)
        return rmat_errinfo_set(ei, RMAT_E_UNSUPPORTED, 0,
                                "%s: an Excel (OLE2) file, probably an RSscan footscan .xls: "
                                "not supported in this build (%s)",
                                name, info_of(RMAT_IMPORT_FOOTSCAN)->why_not);
    if (imp_is_tekscan(head))
        return RMAT_IMPORT_TEKSCAN;
    if (imp_is_apd(head))
        return RMAT_IMPORT_APD;
    if (imp_is_winfdm(head))
        return RMAT_IMPORT_WINFDM;
    if (imp_is_emed(head))
        return RMAT_IMPORT_EMED;
    {
        const int pe = imp_is_pedar(head), pl = imp_is_pliance(head);
        if (pe && pl)
            return imp_eq(ext, "asc") && strchr(head, '\t') ? RMAT_IMPORT_PEDAR
                                                            : RMAT_IMPORT_PLIANCE;
        if (pe)
            return RMAT_IMPORT_PEDAR;
        if (pl)
            return RMAT_IMPORT_PLIANCE;
    }
    if (imp_is_xsensor(head, &variant)) {
        if (variant)
            return rmat_errinfo_set(ei, RMAT_E_UNSUPPORTED, 0,
                                    "%s: an XSENSOR \"%s\" export: not supported (only the "
                                    "standard layout, a SENSELS block per sensor per frame, "
                                    "whose records are verified); export that layout from "
                                    "XSENSOR, or use --format matrix",
                                    name, variant);
        return RMAT_IMPORT_XSENSOR;
    }
    if (imp_is_inbed(head, &inbed_values))
        return RMAT_IMPORT_INBED;
    if (inbed_values > 0)
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                "%s: lines of %d TAB-separated integers ending in a TAB, like "
                                "in-bed pressure maps but not 2048 (64 x 32) of them: say "
                                "--format inbed --rows R --cols C --pitch-mm X[,Y] --rate-hz F, "
                                "or --format matrix",
                                name, inbed_values);
    if (looks_numeric(head))
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                "%s: numbers without a header this build recognises: describe "
                                "them with --format matrix --rows R --cols C --pitch-mm X[,Y] "
                                "--unit UNIT (kPa, mmHg, N/cm2, MPa, PSI, N-per-sensel, counts) "
                                "--rate-hz F (or --time-column) [--layout line|block] [--sep "
                                "C] [--decimal-comma] [--skip-lines N]",
                                name);
    return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                            "%s: not an export this build recognises (rollmat import "
                            "--list-formats names them); for plain numbers use --format matrix",
                            name);
}

int rmat_import_detect_mem(const uint8_t *buf, size_t len, const char *name,
                           struct rmat_errinfo *ei)
{
    const size_t n = len < IMP_DETECT_SIZE ? len : IMP_DETECT_SIZE;
    char *head;
    int rc;

    if (!buf && len)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "no data");
    if (n == 0)
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                "%s: the file is empty: expected an export, found 0 bytes", name);
    head = malloc(n + 1);
    if (!head)
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", name);
    memcpy(head, buf, n);
    head[n] = '\0';
    /* A BOM before the first line does not change what the text is. */
    if (n >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0)
        memmove(head, head + 3, n - 2);
    rc = detect_head(head, n, name, ei);
    free(head);
    return rc;
}

int rmat_import_detect(const char *path, struct rmat_errinfo *ei)
{
    uint8_t *buf;
    size_t got = 0;
    int fd, rc;

    if (!path)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "no file named");
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const int e = errno;
        return rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "%s: cannot open: %s", path,
                                strerror(e));
    }
    buf = malloc(IMP_DETECT_SIZE);
    if (!buf) {
        close(fd);
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", path);
    }
    while (got < IMP_DETECT_SIZE) {
        const ssize_t r = read(fd, buf + got, IMP_DETECT_SIZE - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            const int e = errno;
            free(buf);
            close(fd);
            return rmat_errinfo_set(ei, RMAT_E_IO, e, "%s: read failed: %s", path, strerror(e));
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    rc = rmat_import_detect_mem(buf, got, path, ei);
    free(buf);
    return rc;
}

/* --- the run ------------------------------------------------------------- */

static int run(const char *path, const uint8_t *mem, size_t mem_len,
               const struct rmat_import_opts *opts_in, const struct rmat_import_sink *sink_in,
               struct rmat_errinfo *ei)
{
    static const struct rmat_import_sink none = {0};
    struct rmat_import_opts opts;
    struct imp *im;
    int rc;

    rmat_errinfo_clear(ei);
    if (!path)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "no file named");
    if (opts_in)
        opts = *opts_in;
    else
        rmat_import_opts_init(&opts);
    if (opts.format == RMAT_IMPORT_AUTO) {
        rc = mem ? rmat_import_detect_mem(mem, mem_len, path, ei) : rmat_import_detect(path, ei);
        if (rc < 0)
            return rc;
        opts.format = (enum rmat_import_format)rc;
    }
    if (!info_of(opts.format))
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "%s: unknown format", path);
    if (!info_of(opts.format)->supported)
        return rmat_errinfo_set(ei, RMAT_E_UNSUPPORTED, 0,
                                "%s: %s: not supported in this build (%s)", path,
                                info_of(opts.format)->name, info_of(opts.format)->why_not);
    im = calloc(1, sizeof *im);
    if (!im)
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", path);
    im->path = path;
    im->mem = mem;
    im->mem_len = mem_len;
    im->opts = &opts;
    im->sink = sink_in ? sink_in : &none;
    im->ei = ei;
    switch (opts.format) {
    case RMAT_IMPORT_TEKSCAN:
        rc = imp_read_tekscan(im);
        break;
    case RMAT_IMPORT_XSENSOR:
        rc = imp_read_xsensor(im);
        break;
    case RMAT_IMPORT_EMED:
        rc = imp_read_emed(im);
        break;
    case RMAT_IMPORT_PEDAR:
        rc = imp_read_pedar(im);
        break;
    case RMAT_IMPORT_PLIANCE:
        rc = imp_read_pliance(im);
        break;
    case RMAT_IMPORT_APD:
        rc = imp_read_apd(im);
        break;
    case RMAT_IMPORT_WINFDM:
        rc = imp_read_winfdm(im);
        break;
    case RMAT_IMPORT_INBED:
        rc = imp_read_inbed(im);
        break;
    case RMAT_IMPORT_MATRIX:
        rc = imp_read_matrix(im);
        break;
    default:
        rc = rmat_errinfo_set(ei, RMAT_E_UNSUPPORTED, 0, "%s: no reader", path);
        break;
    }
    if (rc >= 0)
        rc = imp_end_all(im);
    for (int i = 0; i < im->n_parts; i++) {
        for (int k = 0; k < im->ps[i].n_own; k++)
            free(im->ps[i].own[k]);
        imp_attrs_free(&im->ps[i].at);
        imp_str_free(&im->ps[i].warnings);
    }
    imp_str_free(&im->assumptions);
    imp_str_free(&im->warnings);
    free(im);
    return rc < 0 ? rc : RMAT_OK;
}

int rmat_import_run(const char *path, const struct rmat_import_opts *opts,
                    const struct rmat_import_sink *sink, struct rmat_errinfo *ei)
{
    return run(path, NULL, 0, opts, sink, ei);
}

int rmat_import_run_mem(const uint8_t *buf, size_t len, const char *name,
                        const struct rmat_import_opts *opts, const struct rmat_import_sink *sink,
                        struct rmat_errinfo *ei)
{
    static const uint8_t empty[1] = {0};
    return run(name ? name : "(memory)", buf ? buf : empty, buf ? len : 0, opts, sink, ei);
}
