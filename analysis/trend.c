/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Sessions side by side and trends across them (trend.h). */
#include "rollmat/trend.h"
#include "rollmat/events.h"
#include "rollmat/version.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "rollmat/csv.h"
#include "rollmat/dates.h"
#include "rollmat/files.h"
#include "rollmat/json.h"
#include "rollmat/numfmt.h"
#include "rollmat/passes.h"
#include "rollmat/reader.h"
#include "rollmat/units.h"

/* sessions.csv's number columns, and where summary.json keeps each (""
 * for the ones made here: the pain ratings), in the same order. Appending
 * is fine; renaming or reordering changes every sessions.csv users have. */
const char *const rmat_session_num_names[RMAT_SESSION_NNUM] = {
    "duration_s",
    "contact_s",
    "rolling_s",
    "hold_s",
    "passes",
    "holds",
    "cadence_cpm",
    "mean_speed_mm_s",
    "path_mm",
    "mean_force_n",
    "peak_force_n",
    "mean_force_pct_bw",
    "peak_force_pct_bw",
    "mean_kpa",
    "peak_kpa",
    "mean_area_cm2",
    "coverage_cm2",
    "mean_width_mm",
    "mean_compliance_mm3_n",
    "frames",
    "frames_lost",
    "roller_diameter_mm",
    "body_mass_kg",
    "tissue_compliance_change_pct",
    "tissue_width_change_pct",
    "hold_area_change_pct",
    "pain_mean",
    "pain_n",
};

static const char *const num_json[RMAT_SESSION_NNUM] = {
    "duration_s",
    "contact_s",
    "rolling_s",
    "hold_s",
    "passes",
    "holds",
    "cadence_cpm",
    "mean_speed_mm_s",
    "path_mm",
    "mean_force_n",
    "peak_force_n",
    "mean_force_pct_bw",
    "peak_force_pct_bw",
    "mean_kpa",
    "peak_kpa",
    "mean_area_cm2",
    "coverage_cm2",
    "mean_width_mm",
    "mean_compliance_mm3_n",
    "frames",
    "frames_lost",
    "session.roller_diameter_mm",
    "session.body_mass_kg",
    "tissue.compliance_mm3_n.change_pct",
    "tissue.width_mm.change_pct",
    "tissue.hold_area_change_pct",
    "",
    "",
};

const char *const rmat_trend_metric_names[RMAT_TREND_METRICS] = {
    "mean_kpa", "peak_kpa", "compliance_mm3_n", "hold_s", "rolling_s", "cadence_cpm", "pain",
};

/* Each trend metric's column in the session row. */
static const char *const metric_cols[RMAT_TREND_METRICS] = {
    "mean_kpa",    "peak_kpa",  "mean_compliance_mm3_n", "hold_s", "rolling_s",
    "cadence_cpm", "pain_mean",
};

#define SIG_DIGITS 10 /* sessions.csv's numbers: as many as summary.json's */

int rmat_session_num_index(const char *name)
{
    for (int i = 0; i < RMAT_SESSION_NNUM; i++)
        if (strcmp(rmat_session_num_names[i], name) == 0)
            return i;
    return -1;
}

/* v as sessions.csv writes it and reads it back: every row then holds
 * exactly the doubles a merge of shards would read. */
static double round_trip(double v)
{
    char buf[RMAT_FMT_BUF];
    if (!isfinite(v))
        return NAN;
    rmat_fmt_sig(buf, v, SIG_DIGITS);
    return strtod(buf, NULL);
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

/* A dotted summary.json path with each part under its name for the units
 * ("tissue.compliance_mm3_n.change_pct" -> "tissue.compliance_mm3_per_count
 * .change_pct" in counts). -1 if a part has no counts name or it is too
 * long. */
static int units_path(const char *path, int calibrated, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    while (*path) {
        char part[96];
        const char *dot = strchr(path, '.');
        const size_t len = dot ? (size_t)(dot - path) : strlen(path);
        if (len >= sizeof part)
            return -1;
        memcpy(part, path, len);
        part[len] = '\0';
        const char *name = rmat_units_name(part, calibrated);
        if (!name)
            return -1;
        const int k = snprintf(buf + n, cap - n, "%s%s", n ? "." : "", name);
        if (k < 0 || (size_t)k >= cap - n)
            return -1;
        n += (size_t)k;
        path += len + (dot ? 1 : 0);
    }
    return 0;
}

/* The identity of a session whose recording has no recording_id (format
 * version 1): who, where and when, and its file name less the ".recovered"
 * that `rollmat recover` adds, so a recording and its recovered copy still
 * count once. */
static void legacy_id(struct rmat_session_row *row)
{
    const char *base = strrchr(row->recording, '/');
    char name[48];
    char *dot;

    base = base ? base + 1 : row->recording;
    snprintf(name, sizeof name, "%.47s", base);
    if ((dot = strstr(name, ".recovered.h5")) != NULL || (dot = strstr(name, ".h5")) != NULL)
        *dot = '\0';
    snprintf(row->recording_id, sizeof row->recording_id, "v1:%.24s:%.16s:%.6s:%.21s:%s",
             row->subject, row->region, row->side, row->started_utc, name);
}

/* The pain ratings of a session: events.csv, else the recording. */
static void load_pain(const char *ana_dir, const struct rmat_json *summary, double *mean,
                      double *count)
{
    char path[RMAT_PATH_BUF], rec[RMAT_PATH_BUF];
    struct rmat_csv c;
    double sum = 0;
    size_t n = 0;

    *mean = NAN;
    *count = 0;
    if (rmat_path_join(path, sizeof path, ana_dir, "events.csv", NULL) == RMAT_OK &&
        rmat_csv_open(&c, path, NULL) == RMAT_OK) {
        const int ck = rmat_csv_col(&c, "kind"), cv = rmat_csv_col(&c, "value");
        while (rmat_csv_next(&c, NULL) == 1) {
            const double v = rmat_csv_num(&c, cv);
            if (strcmp(rmat_csv_str(&c, ck), "pain") == 0 && isfinite(v)) {
                sum += v;
                n++;
            }
        }
        rmat_csv_close(&c);
    } else {
        struct rmat_reader *r = NULL;
        rmat_csv_close(&c);
        if (rmat_session_recording(ana_dir, summary, rec, sizeof rec) != 0 ||
            rmat_reader_open(rec, &r, NULL) != RMAT_OK)
            return;
        const uint64_t m = rmat_reader_info(r)->events;
        for (uint64_t i = 0; i < m; i++) {
            struct rmat_event e;
            if (rmat_reader_events(r, i, 1, &e, NULL) != RMAT_OK)
                break;
            if (strcmp(e.kind, "pain") == 0 && isfinite(e.value)) {
                sum += e.value;
                n++;
            }
        }
        rmat_reader_close(r);
    }
    *count = (double)n;
    if (n)
        *mean = round_trip(sum / (double)n);
}

int rmat_session_load(const char *ana_dir, const char *id, struct rmat_session_row *row,
                      struct rmat_errinfo *ei)
{
    char path[RMAT_PATH_BUF];
    struct rmat_json *j = NULL;
    int rc;

    memset(row, 0, sizeof *row);
    rc = rmat_path_join(path, sizeof path, ana_dir, "summary.json", ei);
    if (rc == RMAT_OK)
        rc = rmat_json_load(path, &j, ei);
    if (rc != RMAT_OK)
        return rc;
    if (rmat_json_type(j) != RMAT_JSON_OBJ) {
        rmat_json_free(j);
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0, "%s is not a JSON object", path);
    }
    copy_str(row->id, sizeof row->id, id);
    copy_str(row->recording, sizeof row->recording, rmat_json_str(j, "recording"));
    copy_str(row->subject, sizeof row->subject, rmat_json_str(j, "session.subject"));
    copy_str(row->session, sizeof row->session, rmat_json_str(j, "session.session"));
    copy_str(row->region, sizeof row->region, rmat_json_str(j, "session.region"));
    copy_str(row->side, sizeof row->side, rmat_json_str(j, "session.side"));
    copy_str(row->roller, sizeof row->roller, rmat_json_str(j, "session.roller"));
    copy_str(row->mounting, sizeof row->mounting, rmat_json_str(j, "session.mounting"));
    copy_str(row->started_utc, sizeof row->started_utc, rmat_json_str(j, "session.started_utc"));
    copy_str(row->units, sizeof row->units, rmat_json_str(j, "units"));
    copy_str(row->calibration, sizeof row->calibration, rmat_json_str(j, "calibration.name"));
    row->t_unix = rmat_iso_to_unix(row->started_utc);
    {
        /* An analysis in counts keeps its pressures under counts names. */
        const int calibrated = strcmp(row->units, "counts") != 0;
        for (int i = 0; i < RMAT_SESSION_NNUM; i++) {
            char key[128];
            row->num[i] = NAN;
            if (num_json[i][0] && units_path(num_json[i], calibrated, key, sizeof key) == 0)
                row->num[i] = round_trip(rmat_json_num(j, key));
        }
    }
    copy_str(row->recording_id, sizeof row->recording_id, rmat_json_str(j, "recording_id"));
    row->recovered = rmat_json_bool(j, "recovered") == 1;
    row->analysed_unix = rmat_iso_to_unix(rmat_json_str(j, "analysed_utc"));
    if (!isfinite(row->analysed_unix)) {
        struct stat st;
        if (stat(path, &st) == 0)
            row->analysed_unix = (double)st.st_mtime;
    }
    if (!row->recording_id[0])
        legacy_id(row);
    load_pain(ana_dir, j, &row->num[rmat_session_num_index("pain_mean")],
              &row->num[rmat_session_num_index("pain_n")]);
    rmat_json_free(j);
    return RMAT_OK;
}

static struct rmat_session_row *set_push(struct rmat_session_set *set)
{
    if (set->n == set->cap) {
        const size_t ncap = set->cap ? 2 * set->cap : 32;
        struct rmat_session_row *nr = realloc(set->rows, ncap * sizeof *nr);
        if (!nr)
            return NULL;
        set->rows = nr;
        set->cap = ncap;
    }
    return &set->rows[set->n];
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* rel: the path below the root ("" for the root itself). */
static int scan_dir(const char *root, const char *rel, struct rmat_session_set *set,
                    const struct rmat_log *log, struct rmat_errinfo *ei, int depth)
{
    char dir[RMAT_PATH_BUF], path[RMAT_PATH_BUF];
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    DIR *d;
    int rc = RMAT_OK, added = 0;

    if (depth > 32)
        return 0;
    if ((size_t)snprintf(dir, sizeof dir, "%s%s%s", root, rel[0] ? "/" : "", rel) >= sizeof dir)
        return 0;
    if (rmat_path_join(path, sizeof path, dir, "summary.json", NULL) == RMAT_OK &&
        rmat_exists(path)) {
        struct rmat_errinfo e2;
        struct rmat_session_row *row = set_push(set);
        if (!row)
            return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "sessions: out of memory");
        if (rmat_session_load(dir, rel[0] ? rel : ".", row, &e2) != RMAT_OK) {
            rmat_logf(log, RMAT_LOG_WARN, "skipping %s: %s", dir, e2.msg);
            return 0;
        }
        set->n++;
        return 1;
    }
    d = opendir(dir);
    if (!d) {
        const int e = errno;
        if (depth == 0)
            return rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "cannot read folder %s: %s", dir,
                                    strerror(e));
        return 0;
    }
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        if (de->d_name[0] == '.')
            continue;
        if (rmat_path_join(path, sizeof path, dir, de->d_name, NULL) != RMAT_OK ||
            stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
            continue;
        if (n == cap) {
            char **nn = realloc(names, (cap ? 2 * cap : 16) * sizeof *nn);
            if (!nn) {
                rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "sessions: out of memory");
                break;
            }
            names = nn;
            cap = cap ? 2 * cap : 16;
        }
        names[n] = strdup(de->d_name);
        if (!names[n]) {
            rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "sessions: out of memory");
            break;
        }
        n++;
    }
    closedir(d);
    if (rc == RMAT_OK && n > 1)
        qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n && rc == RMAT_OK; i++) {
        char sub[RMAT_PATH_BUF];
        if ((size_t)snprintf(sub, sizeof sub, "%s%s%s", rel, rel[0] ? "/" : "", names[i]) >=
            sizeof sub)
            continue;
        const int r = scan_dir(root, sub, set, log, ei, depth + 1);
        if (r < 0)
            rc = r;
        else
            added += r;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc < 0 ? rc : added;
}

int rmat_sessions_scan(const char *dir, struct rmat_session_set *set, const struct rmat_log *log,
                       struct rmat_errinfo *ei)
{
    if (!dir || !set)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "sessions: no folder");
    return scan_dir(dir, "", set, log, ei, 0);
}

static const char *const text_cols[] = {"id",          "recording", "subject", "session",
                                        "region",      "side",      "roller",  "mounting",
                                        "started_utc", "date",      "units",   "calibration"};
#define N_TEXT_COLS (sizeof text_cols / sizeof text_cols[0])

/* Appended after the number columns (appending changes no file users
 * have): the session's identity, and the numbers that have a counts name
 * (units.h) once more under it, for the rows in counts. */
static const char *const tail_text_cols[] = {"recording_id", "recovered"};
#define N_TAIL_TEXT (sizeof tail_text_cols / sizeof tail_text_cols[0])

/* Whether number column i has a different name in counts. */
static int has_counts_name(int i)
{
    const char *c = rmat_units_name(rmat_session_num_names[i], 0);
    return c && strcmp(c, rmat_session_num_names[i]) != 0;
}

static int row_in_counts(const struct rmat_session_row *r)
{
    return strcmp(r->units, "counts") == 0;
}

int rmat_sessions_read_csv(const char *path, struct rmat_session_set *set, struct rmat_errinfo *ei)
{
    struct rmat_csv c;
    int tc[N_TEXT_COLS], nc[RMAT_SESSION_NNUM], cc[RMAT_SESSION_NNUM], xc[N_TAIL_TEXT], rc;

    rc = rmat_csv_open(&c, path, ei);
    if (rc != RMAT_OK) {
        rmat_csv_close(&c);
        return rc;
    }
    for (size_t i = 0; i < N_TEXT_COLS; i++)
        tc[i] = rmat_csv_col(&c, text_cols[i]);
    for (int i = 0; i < RMAT_SESSION_NNUM; i++) {
        const char *cname = rmat_units_name(rmat_session_num_names[i], 0);
        nc[i] = rmat_csv_col(&c, rmat_session_num_names[i]);
        cc[i] = has_counts_name(i) ? rmat_csv_col(&c, cname) : -1;
    }
    for (size_t i = 0; i < N_TAIL_TEXT; i++)
        xc[i] = rmat_csv_col(&c, tail_text_cols[i]);
    if (tc[0] < 0) {
        rmat_csv_close(&c);
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0, "%s: no id column: not a sessions.csv", path);
    }
    while ((rc = rmat_csv_next(&c, ei)) == 1) {
        struct rmat_session_row *row = set_push(set);
        if (!row) {
            rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", path);
            break;
        }
        memset(row, 0, sizeof *row);
        copy_str(row->id, sizeof row->id, rmat_csv_str(&c, tc[0]));
        copy_str(row->recording, sizeof row->recording, rmat_csv_str(&c, tc[1]));
        copy_str(row->subject, sizeof row->subject, rmat_csv_str(&c, tc[2]));
        copy_str(row->session, sizeof row->session, rmat_csv_str(&c, tc[3]));
        copy_str(row->region, sizeof row->region, rmat_csv_str(&c, tc[4]));
        copy_str(row->side, sizeof row->side, rmat_csv_str(&c, tc[5]));
        copy_str(row->roller, sizeof row->roller, rmat_csv_str(&c, tc[6]));
        copy_str(row->mounting, sizeof row->mounting, rmat_csv_str(&c, tc[7]));
        copy_str(row->started_utc, sizeof row->started_utc, rmat_csv_str(&c, tc[8]));
        copy_str(row->units, sizeof row->units, rmat_csv_str(&c, tc[10]));
        copy_str(row->calibration, sizeof row->calibration, rmat_csv_str(&c, tc[11]));
        row->t_unix = rmat_iso_to_unix(row->started_utc);
        /* A row in counts has its pressures in the counts columns (a
         * sessions.csv of an older rollmat: in the kPa ones). */
        for (int i = 0; i < RMAT_SESSION_NNUM; i++)
            row->num[i] = row_in_counts(row) && cc[i] >= 0 && isfinite(rmat_csv_num(&c, cc[i]))
                              ? rmat_csv_num(&c, cc[i])
                              : rmat_csv_num(&c, nc[i]);
        copy_str(row->recording_id, sizeof row->recording_id, rmat_csv_str(&c, xc[0]));
        row->recovered = strcmp(rmat_csv_str(&c, xc[1]), "1") == 0;
        /* Not in sessions.csv: the shards of one batch analyse at their own
         * times, and their merge must equal one run byte for byte. */
        row->analysed_unix = NAN;
        if (!row->recording_id[0])
            legacy_id(row);
        set->n++;
    }
    rmat_csv_close(&c);
    return rc < 0 ? rc : RMAT_OK;
}

static int cmp_row(const void *a, const void *b)
{
    return strcmp(((const struct rmat_session_row *)a)->id,
                  ((const struct rmat_session_row *)b)->id);
}

/* By identity, then the row to keep first: recovered before not, newer
 * analysis before older, then by id. */
static int cmp_identity(const void *a, const void *b)
{
    const struct rmat_session_row *p = a, *q = b;
    int c = strcmp(p->recording_id, q->recording_id);
    if (c)
        return c;
    if (p->recovered != q->recovered)
        return q->recovered - p->recovered;
    const double tp = isfinite(p->analysed_unix) ? p->analysed_unix : -INFINITY;
    const double tq = isfinite(q->analysed_unix) ? q->analysed_unix : -INFINITY;
    if (tp != tq)
        return tp > tq ? -1 : 1;
    return strcmp(p->id, q->id);
}

void rmat_sessions_sort(struct rmat_session_set *set, const struct rmat_log *log)
{
    size_t w = 0;
    if (set->n < 2)
        return;
    qsort(set->rows, set->n, sizeof *set->rows, cmp_identity);
    for (size_t i = 0; i < set->n; i++) {
        if (w > 0 && strcmp(set->rows[w - 1].recording_id, set->rows[i].recording_id) == 0) {
            const struct rmat_session_row *kept = &set->rows[w - 1], *r = &set->rows[i];
            rmat_logf(log, RMAT_LOG_INFO,
                      "session %s (%s) counted once: %s is another analysis of it, %s", kept->id,
                      kept->recording, r->id,
                      kept->recovered && !r->recovered ? "of the crashed original"
                      : strcmp(kept->id, r->id) == 0   ? "listed twice"
                                                       : "older");
            continue;
        }
        if (w != i)
            set->rows[w] = set->rows[i];
        w++;
    }
    set->n = w;
    qsort(set->rows, set->n, sizeof *set->rows, cmp_row);
}

int rmat_sessions_write_csv(const struct rmat_session_set *set, const char *path,
                            struct rmat_errinfo *ei)
{
    FILE *f;
    int rc = rmat_out_open_path(path, &f, ei);
    if (rc != RMAT_OK)
        return rc;
    for (size_t i = 0; i < N_TEXT_COLS; i++)
        fprintf(f, "%s%s", i ? "," : "", text_cols[i]);
    for (int i = 0; i < RMAT_SESSION_NNUM; i++)
        fprintf(f, ",%s", rmat_session_num_names[i]);
    for (size_t i = 0; i < N_TAIL_TEXT; i++)
        fprintf(f, ",%s", tail_text_cols[i]);
    for (int i = 0; i < RMAT_SESSION_NNUM; i++)
        if (has_counts_name(i))
            fprintf(f, ",%s", rmat_units_name(rmat_session_num_names[i], 0));
    fputc('\n', f);
    for (size_t k = 0; k < set->n; k++) {
        const struct rmat_session_row *r = &set->rows[k];
        const char *texts[N_TEXT_COLS];
        char date[16];
        rmat_unix_to_date(r->t_unix, date, sizeof date);
        texts[0] = r->id;
        texts[1] = r->recording;
        texts[2] = r->subject;
        texts[3] = r->session;
        texts[4] = r->region;
        texts[5] = r->side;
        texts[6] = r->roller;
        texts[7] = r->mounting;
        texts[8] = r->started_utc;
        texts[9] = date;
        texts[10] = r->units;
        texts[11] = r->calibration;
        for (size_t i = 0; i < N_TEXT_COLS; i++) {
            if (i)
                fputc(',', f);
            rmat_csv_put(f, texts[i]);
        }
        /* The kPa and N columns stay empty for a row in counts. */
        for (int i = 0; i < RMAT_SESSION_NNUM; i++) {
            char buf[RMAT_FMT_BUF];
            buf[0] = '\0';
            if (isfinite(r->num[i]) && !(row_in_counts(r) && has_counts_name(i)))
                rmat_fmt_sig(buf, r->num[i], SIG_DIGITS);
            fprintf(f, ",%s", buf);
        }
        fputc(',', f);
        rmat_csv_put(f, r->recording_id);
        fprintf(f, ",%d", r->recovered);
        for (int i = 0; i < RMAT_SESSION_NNUM; i++) {
            char buf[RMAT_FMT_BUF];
            if (!has_counts_name(i))
                continue;
            buf[0] = '\0';
            if (isfinite(r->num[i]) && row_in_counts(r))
                rmat_fmt_sig(buf, r->num[i], SIG_DIGITS);
            fprintf(f, ",%s", buf);
        }
        fputc('\n', f);
    }
    return rmat_out_close(f, path, ei);
}

void rmat_session_set_fini(struct rmat_session_set *set)
{
    free(set->rows);
    memset(set, 0, sizeof *set);
}

/* --- trends --------------------------------------------------------------- */

double rmat_trend_value(const struct rmat_session_row *r, int m)
{
    const int i = m >= 0 && m < RMAT_TREND_METRICS ? rmat_session_num_index(metric_cols[m]) : -1;
    return i >= 0 ? r->num[i] : NAN;
}

struct sort_ctx {
    const struct rmat_session_set *s;
    size_t row;
};

static int cmp_group_member(const void *a, const void *b)
{
    const struct sort_ctx *x = a, *y = b;
    const struct rmat_session_row *p = &x->s->rows[x->row], *q = &y->s->rows[y->row];
    int c = strcmp(p->subject, q->subject);
    if (!c)
        c = strcmp(p->region, q->region);
    if (!c)
        c = strcmp(p->side, q->side);
    if (!c)
        c = (p->t_unix > q->t_unix) - (p->t_unix < q->t_unix);
    if (!c)
        c = strcmp(p->id, q->id);
    return c;
}

static int same_group(const struct rmat_session_row *p, const struct rmat_session_row *q)
{
    return !strcmp(p->subject, q->subject) && !strcmp(p->region, q->region) &&
           !strcmp(p->side, q->side);
}

static int fit_group(const struct rmat_session_set *s, struct rmat_trend_group *g)
{
    double *ys = malloc(g->n * sizeof *ys);
    const double span_days = g->n ? 7.0 * g->week[g->n - 1] : 0.0;
    /* A slope per week needs weeks to stand on: three sessions minutes
     * apart give "+706258 kPa per week". So a line only over at least
     * RMAT_TREND_MIN_SESSIONS sessions spanning RMAT_TREND_MIN_DAYS days. */
    const int supported = g->n >= RMAT_TREND_MIN_SESSIONS && span_days >= RMAT_TREND_MIN_DAYS;

    if (!ys)
        return -1;
    g->note[0] = '\0';
    if (!supported) {
        /* The span in the unit it reads in: "over 40 minutes", not "0 days". */
        const double v = span_days >= 1        ? span_days
                         : span_days * 24 >= 1 ? span_days * 24
                                               : span_days * 1440;
        const char *u = span_days >= 1 ? "day" : span_days * 24 >= 1 ? "hour" : "minute";
        snprintf(g->note, sizeof g->note,
                 "too early for a trend: %zu session%s over %.0f %s%s (a trend needs at least %d "
                 "sessions over at least %.0f days)",
                 g->n, g->n == 1 ? "" : "s", floor(v), u, floor(v) == 1 ? "" : "s",
                 RMAT_TREND_MIN_SESSIONS, RMAT_TREND_MIN_DAYS);
    }
    for (int m = 0; m < RMAT_TREND_METRICS; m++) {
        struct rmat_trend_metric *tm = &g->m[m];
        size_t k_first = g->n, k_last = g->n;
        memset(tm, 0, sizeof *tm);
        tm->change_pct = tm->first = tm->last = NAN;
        for (size_t k = 0; k < g->n; k++) {
            ys[k] = rmat_trend_value(&s->rows[g->row[k]], m);
            if (isfinite(ys[k])) {
                tm->n++;
                if (k_first == g->n)
                    k_first = k;
                k_last = k;
            }
        }
        rmat_trend_fit(g->week, ys, g->n, RMAT_TREND_MIN_SESSIONS, &tm->fit);
        if (!supported)
            tm->fit.valid = 0;
        if (tm->n >= 1) {
            tm->first = ys[k_first];
            tm->last = ys[k_last];
        }
        /* docs/metrics.md: the change from the first session to the last (not
         * the tissue response's thirds). */
        if (tm->n >= 2 && tm->first != 0)
            tm->change_pct = 100.0 * (tm->last / tm->first - 1.0);
    }
    free(ys);
    return 0;
}

/* --- adherence to the guidance ------------------------------------------- */

void rmat_adherence_config_default(struct rmat_adherence_config *c)
{
    c->every_min_days = 2.0;
    c->every_max_days = 3.0;
    c->rolling_min_s = 60.0;
    c->rolling_max_s = 120.0;
    c->hold_min_s = 30.0;
    c->hold_max_s = 45.0;
}

int rmat_adherence_config_check(const struct rmat_adherence_config *c, struct rmat_errinfo *ei)
{
    const struct {
        const char *what;
        double lo, hi;
    } pairs[] = {
        {"days between sessions", c->every_min_days, c->every_max_days},
        {"rolling time per session (s)", c->rolling_min_s, c->rolling_max_s},
        {"hold time (s)", c->hold_min_s, c->hold_max_s},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (!(isfinite(pairs[i].lo) && isfinite(pairs[i].hi) && pairs[i].lo > 0 &&
              pairs[i].lo <= pairs[i].hi))
            return rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                                    "adherence target for %s: %g to %g is not a range of "
                                    "positive numbers (low first)",
                                    pairs[i].what, pairs[i].lo, pairs[i].hi);
    return RMAT_OK;
}

int rmat_adherence_parse_range(const char *s, double *lo, double *hi)
{
    char *end;
    double a, b;

    /* Decimal only: strtod would also take "0x10", "inf" and "nan". */
    if (!s || !*s || strspn(s, "0123456789.-") != strlen(s))
        return -1;
    a = strtod(s, &end);
    if (end == s)
        return -1;
    if (*end == '-') {
        const char *q = end + 1;
        b = strtod(q, &end);
        if (end == q)
            return -1;
    } else {
        b = a;
    }
    if (*end || !isfinite(a) || !isfinite(b) || a <= 0 || a > b)
        return -1;
    *lo = a;
    *hi = b;
    return 0;
}

double rmat_adherence_rolling_s(const struct rmat_session_row *r)
{
    return r->num[rmat_session_num_index("rolling_s")];
}

double rmat_adherence_mean_hold_s(const struct rmat_session_row *r)
{
    const double n = r->num[rmat_session_num_index("holds")];
    const double s = r->num[rmat_session_num_index("hold_s")];
    return isfinite(n) && n >= 1 && isfinite(s) ? s / n : NAN;
}

/* The UTC calendar day of a time (days since 1970-01-01). */
static long utc_day(double t_unix)
{
    return (long)floor(t_unix / 86400.0);
}

/* Judges values v[0..n) against lo..hi: counts, the extremes, met. */
static void judge(const double *v, size_t n, double lo, double hi, size_t *judged, size_t *in,
                  double *vmin, double *vmax, int *met)
{
    *judged = *in = 0;
    *vmin = INFINITY;
    *vmax = -INFINITY;
    for (size_t k = 0; k < n; k++) {
        if (!isfinite(v[k]))
            continue;
        (*judged)++;
        if (v[k] >= lo && v[k] <= hi)
            (*in)++;
        *vmin = fmin(*vmin, v[k]);
        *vmax = fmax(*vmax, v[k]);
    }
    if (!*judged)
        *vmin = *vmax = NAN;
    *met = *judged ? *in == *judged : -1;
}

static int group_adherence(const struct rmat_session_set *s, const struct rmat_adherence_config *c,
                           struct rmat_trend_group *g)
{
    struct rmat_adherence *a = &g->adh;
    double *v;
    long day0, prev = -1;

    free(a->weeks);
    memset(a, 0, sizeof *a);
    /* Every max_days days puts at least floor(7 / max_days) session days in
     * any 7 consecutive days, every min_days days at most ceil(7 /
     * min_days); the small epsilon keeps 7 / 3.5 = 2 from rounding to 1. */
    a->days_min = (int)floor(7.0 / c->every_max_days + 1e-9);
    a->days_max = (int)ceil(7.0 / c->every_min_days - 1e-9);
    a->frequency_met = -1;
    if (!g->n)
        return 0;
    day0 = utc_day(s->rows[g->row[0]].t_unix);
    a->n_weeks = (size_t)((utc_day(s->rows[g->row[g->n - 1]].t_unix) - day0) / 7) + 1;
    a->weeks = calloc(a->n_weeks, sizeof *a->weeks);
    v = malloc(g->n * sizeof *v);
    if (!a->weeks || !v) {
        free(v);
        return -1;
    }
    for (size_t w = 0; w < a->n_weeks; w++)
        a->weeks[w].longest_gap_days = NAN;
    /* Rows are in date order: a day not seen before is a new session day. */
    for (size_t k = 0; k < g->n; k++) {
        const long d = utc_day(s->rows[g->row[k]].t_unix) - day0;
        struct rmat_adherence_week *wk = &a->weeks[d / 7];
        if (d == prev)
            continue;
        wk->days++;
        if (prev >= 0 && !(wk->longest_gap_days >= (double)(d - prev)))
            wk->longest_gap_days = (double)(d - prev);
        prev = d;
    }
    for (size_t w = 0; w < a->n_weeks; w++) {
        struct rmat_adherence_week *wk = &a->weeks[w];
        wk->met = wk->days >= (size_t)a->days_min && wk->days <= (size_t)a->days_max;
        a->weeks_met += (size_t)wk->met;
    }
    a->frequency_met = a->weeks_met == a->n_weeks;

    for (size_t k = 0; k < g->n; k++)
        v[k] = rmat_adherence_rolling_s(&s->rows[g->row[k]]);
    judge(v, g->n, c->rolling_min_s, c->rolling_max_s, &a->rolling_n, &a->rolling_in,
          &a->rolling_lo_s, &a->rolling_hi_s, &a->rolling_met);
    for (size_t k = 0; k < g->n; k++)
        v[k] = rmat_adherence_mean_hold_s(&s->rows[g->row[k]]);
    judge(v, g->n, c->hold_min_s, c->hold_max_s, &a->hold_n, &a->hold_in, &a->hold_lo_s,
          &a->hold_hi_s, &a->hold_met);
    free(v);
    return 0;
}

int rmat_trends_adherence(struct rmat_trend_set *t, const struct rmat_adherence_config *cfg,
                          struct rmat_errinfo *ei)
{
    const int rc = rmat_adherence_config_check(cfg, ei);
    if (rc != RMAT_OK)
        return rc;
    t->adh_cfg = *cfg;
    for (size_t i = 0; i < t->n; i++)
        if (group_adherence(t->sessions, cfg, &t->g[i]) != 0)
            return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "adherence: out of memory");
    return RMAT_OK;
}

/* --- tender spots across sessions ---------------------------------------- */

/* The mat's size (w_mm, h_mm) from the summary.json of analysis folder dir:
 * 0, or -1 if it does not say. The sensel centres span (j + 0.5) * pitch:
 * the mat's centre is half its size (docs/metrics.md, "Where things are"). */
static int mat_size(const char *dir, double *w_mm, double *h_mm)
{
    char path[RMAT_PATH_BUF];
    struct rmat_json *js = NULL;

    if (rmat_path_join(path, sizeof path, dir, "summary.json", NULL) != RMAT_OK ||
        rmat_json_load(path, &js, NULL) != RMAT_OK)
        return -1;
    *w_mm = rmat_json_num(js, "device.cols") * rmat_json_num(js, "device.pitch_x_mm");
    *h_mm = rmat_json_num(js, "device.rows") * rmat_json_num(js, "device.pitch_y_mm");
    rmat_json_free(js);
    return isfinite(*w_mm) && isfinite(*h_mm) && *w_mm > 0 && *h_mm > 0 ? 0 : -1;
}

/* Appends the holds of session k of a group (analysis folder dir) to *h,
 * relative to the mat's centre, with the ratings given during each. 0, 1
 * if the session's holds cannot be placed, -1 out of memory. */
static int session_holds(const char *dir, size_t k, double week, struct rmat_spot_hold **h,
                         size_t *n, size_t *cap)
{
    char path[RMAT_PATH_BUF];
    struct rmat_csv c;
    double cx, cy, *pt = NULL, *pv = NULL;
    size_t np = 0, pcap = 0;
    int rc = 1;

    if (mat_size(dir, &cx, &cy) != 0)
        return 1;
    cx /= 2.0;
    cy /= 2.0;
    /* The ratings: t_s and value of each pain event. */
    if (rmat_path_join(path, sizeof path, dir, "events.csv", NULL) == RMAT_OK &&
        rmat_csv_open(&c, path, NULL) == RMAT_OK) {
        const int ck = rmat_csv_col(&c, "kind"), ct = rmat_csv_col(&c, "t_s"),
                  cv = rmat_csv_col(&c, "value");
        while (rmat_csv_next(&c, NULL) == 1) {
            if (strcmp(rmat_csv_str(&c, ck), "pain") != 0 || !isfinite(rmat_csv_num(&c, cv)))
                continue;
            if (np == pcap) {
                const size_t nc = pcap ? 2 * pcap : 16;
                double *a = realloc(pt, nc * sizeof *a), *b;
                if (a)
                    pt = a;
                b = a ? realloc(pv, nc * sizeof *b) : NULL;
                if (!b) {
                    rmat_csv_close(&c);
                    rc = -1;
                    goto out;
                }
                pv = b;
                pcap = nc;
            }
            pt[np] = rmat_csv_num(&c, ct);
            pv[np++] = rmat_csv_num(&c, cv);
        }
    }
    rmat_csv_close(&c);
    if (rmat_path_join(path, sizeof path, dir, "holds.csv", NULL) != RMAT_OK ||
        rmat_csv_open(&c, path, NULL) != RMAT_OK) {
        rmat_csv_close(&c);
        goto out;
    }
    {
        const int c0 = rmat_csv_col(&c, "t_start_s"), cd = rmat_csv_col(&c, "duration_s"),
                  cxx = rmat_csv_col(&c, "x_mm"), cyy = rmat_csv_col(&c, "y_mm");
        rc = 0;
        while (rmat_csv_next(&c, NULL) == 1) {
            struct rmat_spot_hold *e;
            const double t0 = rmat_csv_num(&c, c0), d = rmat_csv_num(&c, cd);
            double sum = 0, cnt = 0;
            if (*n == *cap) {
                const size_t nc = *cap ? 2 * *cap : 32;
                struct rmat_spot_hold *a = realloc(*h, nc * sizeof *a);
                if (!a) {
                    rc = -1;
                    break;
                }
                *h = a;
                *cap = nc;
            }
            for (size_t i = 0; i < np; i++)
                if (pt[i] >= t0 && pt[i] <= t0 + d) {
                    sum += pv[i];
                    cnt++;
                }
            e = &(*h)[(*n)++];
            e->session = k;
            e->week = week;
            e->dx_mm = rmat_csv_num(&c, cxx) - cx;
            e->dy_mm = rmat_csv_num(&c, cyy) - cy;
            e->duration_s = d;
            e->pain = cnt > 0 ? sum / cnt : NAN;
        }
    }
    rmat_csv_close(&c);
out:
    free(pt);
    free(pv);
    return rc;
}

/* The holds' time spans [t_start_s, t_start_s + duration_s] of the session
 * in analysis folder dir, into *span (pairs, malloc'd, grown as needed;
 * *n pairs). 0, 1 if there is no holds.csv, -1 out of memory. */
static int hold_spans(const char *dir, double **span, size_t *n, size_t *cap)
{
    char path[RMAT_PATH_BUF];
    struct rmat_csv c;
    int rc = 0;

    *n = 0;
    if (rmat_path_join(path, sizeof path, dir, "holds.csv", NULL) != RMAT_OK ||
        rmat_csv_open(&c, path, NULL) != RMAT_OK) {
        rmat_csv_close(&c);
        return 1;
    }
    {
        const int c0 = rmat_csv_col(&c, "t_start_s"), cd = rmat_csv_col(&c, "duration_s");
        while (rmat_csv_next(&c, NULL) == 1) {
            const double t0 = rmat_csv_num(&c, c0), d = rmat_csv_num(&c, cd);
            if (!isfinite(t0) || !isfinite(d))
                continue;
            if (*n == *cap) {
                const size_t nc = *cap ? 2 * *cap : 16;
                double *a = realloc(*span, 2 * nc * sizeof *a);
                if (!a) {
                    rc = -1;
                    break;
                }
                *span = a;
                *cap = nc;
            }
            (*span)[2 * *n] = t0;
            (*span)[2 * *n + 1] = t0 + d;
            (*n)++;
        }
    }
    rmat_csv_close(&c);
    return rc;
}

/* Per spot, the compliance values of the session being read. */
struct comp_buf {
    double *v;
    size_t n, cap;
};

/* The local compliance at the spots of group g in its session k (analysis
 * folder dir): the median compliance of the frames outside holds whose CoP
 * lies within radius_mm of each spot (docs/metrics.md, "Tender spots across
 * sessions"), into g->spot_comp[j * g->n + k]. Holds are the session's own
 * (holds.csv): a roller held on the spot presses on tissue creeping under
 * it, which is not the tissue the roller passes over. A frame whose
 * compliance is empty (no contact) or not positive (a single loaded sensel
 * reads 0) says nothing about the tissue and is left out. 0, 1 if the
 * session's frames cannot be read, -1 out of memory. */
static int session_compliance(struct rmat_trend_group *g, size_t k, const char *dir,
                              double radius_mm, struct comp_buf *buf, double **span,
                              size_t *span_cap)
{
    char path[RMAT_PATH_BUF];
    struct rmat_csv c;
    double w, h;
    size_t ns = 0, hi = 0;
    int rc = 0;

    if (mat_size(dir, &w, &h) != 0 || hold_spans(dir, span, &ns, span_cap) != 0)
        return 1;
    if (rmat_path_join(path, sizeof path, dir, "frames.csv", NULL) != RMAT_OK ||
        rmat_csv_open(&c, path, NULL) != RMAT_OK) {
        rmat_csv_close(&c);
        return 1;
    }
    {
        const int ct = rmat_csv_col(&c, "t_s"), cx = rmat_csv_col(&c, "cop_x_mm"),
                  cy = rmat_csv_col(&c, "cop_y_mm"),
                  cc = rmat_csv_col(&c, g->calibrated ? "compliance_mm3_n"
                                                      : "compliance_mm3_per_count");
        if (ct < 0 || cx < 0 || cy < 0 || cc < 0) {
            rmat_csv_close(&c);
            return 1;
        }
        for (size_t j = 0; j < g->n_spots; j++)
            buf[j].n = 0;
        while (rc == 0 && rmat_csv_next(&c, NULL) == 1) {
            const double t = rmat_csv_num(&c, ct), comp = rmat_csv_num(&c, cc);
            double dx, dy;
            if (!isfinite(t) || !(comp > 0))
                continue;
            /* Frames come in time order, holds too: skip the holds ended. */
            while (hi < ns && (*span)[2 * hi + 1] < t)
                hi++;
            if (hi < ns && t >= (*span)[2 * hi])
                continue; /* in a hold */
            dx = rmat_csv_num(&c, cx) - w / 2.0;
            dy = rmat_csv_num(&c, cy) - h / 2.0;
            if (!isfinite(dx) || !isfinite(dy))
                continue;
            for (size_t j = 0; j < g->n_spots; j++) {
                struct comp_buf *b = &buf[j];
                if (hypot(dx - g->spots[j].dx_mm, dy - g->spots[j].dy_mm) > radius_mm)
                    continue;
                if (b->n == b->cap) {
                    const size_t nc = b->cap ? 2 * b->cap : 256;
                    double *a = realloc(b->v, nc * sizeof *a);
                    if (!a) {
                        rc = -1;
                        break;
                    }
                    b->v = a;
                    b->cap = nc;
                }
                b->v[b->n++] = comp;
            }
        }
    }
    rmat_csv_close(&c);
    for (size_t j = 0; rc == 0 && j < g->n_spots; j++) {
        g->spot_comp[j * g->n + k] = buf[j].n ? rmat_median(buf[j].v, buf[j].n) : NAN;
        g->spot_comp_frames[j * g->n + k] = buf[j].n;
    }
    return rc;
}

/* Follows the local compliance of each spot of g over its sessions: first
 * and last session with passes over it, and a line against the weeks
 * where the group supports a trend (as the session metrics' lines). */
static void follow_compliance(struct rmat_trend_group *g)
{
    for (size_t j = 0; j < g->n_spots; j++) {
        struct rmat_spot *s = &g->spots[j];
        const double *v = &g->spot_comp[j * g->n];
        s->comp_sessions = 0;
        for (size_t k = 0; k < g->n; k++) {
            struct rmat_spot_compliance sc;
            if (!isfinite(v[k]))
                continue;
            sc.session = k;
            sc.week = g->week[k];
            sc.value = v[k];
            sc.frames = g->spot_comp_frames[j * g->n + k];
            if (s->comp_sessions++ == 0)
                s->comp_first = sc;
            s->comp_last = sc;
        }
        rmat_trend_fit(g->week, v, g->n, RMAT_TREND_MIN_SESSIONS, &s->comp_fit);
        /* the span the group's lines need, over this spot's own sessions */
        if (g->note[0] || s->comp_sessions < RMAT_TREND_MIN_SESSIONS ||
            7.0 * (s->comp_last.week - s->comp_first.week) < RMAT_TREND_MIN_DAYS)
            s->comp_fit.valid = 0;
        if (!s->comp_fit.valid)
            s->comp_fit.slope = s->comp_fit.ci95_low = s->comp_fit.ci95_high = NAN;
        /* first to last, as the session metrics' change (not thirds) */
        s->comp_fit.change_pct =
            s->comp_sessions >= 2 ? 100.0 * (s->comp_last.value / s->comp_first.value - 1.0) : NAN;
    }
}

/* The local compliance at every spot of g in each of its sessions, and
 * the mat's size for the map. 0, -1 out of memory. */
static int spots_compliance(const struct rmat_trend_set *t, struct rmat_trend_group *g,
                            const char *root, double radius_mm, const struct rmat_log *log)
{
    struct comp_buf *buf = NULL;
    double *span = NULL;
    size_t span_cap = 0;
    int rc = 0;

    free(g->spot_comp);
    free(g->spot_comp_frames);
    g->spot_comp = NULL;
    g->spot_comp_frames = NULL;
    g->spot_frames_unread = 0;
    g->mat_w_mm = g->mat_h_mm = NAN;
    for (size_t k = 0; k < g->n && !isfinite(g->mat_w_mm); k++) {
        char dir[RMAT_PATH_BUF];
        double w, h;
        if (rmat_path_join(dir, sizeof dir, root, t->sessions->rows[g->row[k]].id, NULL) ==
                RMAT_OK &&
            mat_size(dir, &w, &h) == 0) {
            g->mat_w_mm = w;
            g->mat_h_mm = h;
        }
    }
    if (!g->n_spots)
        return 0;
    g->spot_comp = malloc(g->n_spots * g->n * sizeof *g->spot_comp);
    g->spot_comp_frames = calloc(g->n_spots * g->n, sizeof *g->spot_comp_frames);
    buf = calloc(g->n_spots, sizeof *buf);
    if (!g->spot_comp || !g->spot_comp_frames || !buf) {
        rc = -1;
        goto out;
    }
    for (size_t i = 0; i < g->n_spots * g->n; i++)
        g->spot_comp[i] = NAN;
    for (size_t k = 0; k < g->n && rc == 0; k++) {
        char dir[RMAT_PATH_BUF];
        int r = 1;
        if (rmat_path_join(dir, sizeof dir, root, t->sessions->rows[g->row[k]].id, NULL) == RMAT_OK)
            r = session_compliance(g, k, dir, radius_mm, buf, &span, &span_cap);
        if (r < 0)
            rc = -1;
        else if (r > 0) {
            g->spot_frames_unread++;
            rmat_logf(log, RMAT_LOG_INFO,
                      "tender spots: %s has no frames.csv with compliance (or no holds.csv, or "
                      "no mat size in summary.json): no local compliance at the spots there",
                      dir);
        }
    }
    if (rc == 0)
        follow_compliance(g);
out:
    for (size_t j = 0; buf && j < g->n_spots; j++)
        free(buf[j].v);
    free(buf);
    free(span);
    return rc;
}

int rmat_trends_spots(struct rmat_trend_set *t, const char *root, double radius_mm,
                      const struct rmat_log *log, struct rmat_errinfo *ei)
{
    struct rmat_spot_hold *h = NULL;
    size_t cap = 0;

    if (!t || !root || !(radius_mm > 0) || !isfinite(radius_mm))
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                                "tender spots: the radius must be a positive number of mm");
    t->spot_radius_mm = radius_mm;
    t->spots_done = 1;
    for (size_t i = 0; i < t->n; i++) {
        struct rmat_trend_group *g = &t->g[i];
        size_t n = 0;
        free(g->spots);
        g->spots = NULL;
        g->n_spots = g->spot_sessions_unread = 0;
        for (size_t k = 0; k < g->n; k++) {
            char dir[RMAT_PATH_BUF];
            int rc;
            if (rmat_path_join(dir, sizeof dir, root, t->sessions->rows[g->row[k]].id, NULL) !=
                RMAT_OK) {
                g->spot_sessions_unread++;
                continue;
            }
            rc = session_holds(dir, k, g->week[k], &h, &n, &cap);
            if (rc < 0) {
                free(h);
                return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "tender spots: out of memory");
            }
            if (rc > 0) {
                g->spot_sessions_unread++;
                rmat_logf(log, RMAT_LOG_INFO,
                          "tender spots: %s has no holds.csv, or no mat size in summary.json: "
                          "its holds are on no spot",
                          dir);
            }
        }
        if (rmat_spots_group(h, n, radius_mm, &g->spots, &g->n_spots, NULL) != RMAT_OK) {
            free(h);
            return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "tender spots: out of memory");
        }
        if (spots_compliance(t, g, root, radius_mm, log) != 0) {
            free(h);
            return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "tender spots: out of memory");
        }
    }
    free(h);
    return RMAT_OK;
}

int rmat_trends_compute(const struct rmat_session_set *s, const char *subject,
                        struct rmat_trend_set *out, const struct rmat_log *log,
                        struct rmat_errinfo *ei)
{
    struct sort_ctx *order = NULL;
    size_t n = 0;

    memset(out, 0, sizeof *out);
    out->sessions = s;
    rmat_adherence_config_default(&out->adh_cfg);
    if (!s->n)
        return RMAT_OK;
    order = malloc(s->n * sizeof *order);
    if (!order)
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "trends: out of memory");
    for (size_t i = 0; i < s->n; i++) {
        const struct rmat_session_row *r = &s->rows[i];
        if (subject && strcmp(r->subject, subject) != 0)
            continue;
        if (!isfinite(r->t_unix)) {
            rmat_logf(log, RMAT_LOG_WARN,
                      "session %s: started_utc '%s' is not an ISO-8601 date: left out of the "
                      "trends",
                      r->id, r->started_utc);
            continue;
        }
        order[n].s = s;
        order[n].row = i;
        n++;
    }
    qsort(order, n, sizeof *order, cmp_group_member);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        struct rmat_trend_group *g, *ng;
        while (j < n && same_group(&s->rows[order[i].row], &s->rows[order[j].row]))
            j++;
        ng = realloc(out->g, (out->n + 1) * sizeof *ng);
        if (!ng)
            goto nomem;
        out->g = ng;
        g = &out->g[out->n];
        memset(g, 0, sizeof *g);
        out->n++;
        g->n = j - i;
        g->row = malloc(g->n * sizeof *g->row);
        g->week = malloc(g->n * sizeof *g->week);
        if (!g->row || !g->week)
            goto nomem;
        copy_str(g->subject, sizeof g->subject, s->rows[order[i].row].subject);
        copy_str(g->region, sizeof g->region, s->rows[order[i].row].region);
        copy_str(g->side, sizeof g->side, s->rows[order[i].row].side);
        g->t0_unix = s->rows[order[i].row].t_unix;
        g->calibrated = !row_in_counts(&s->rows[order[i].row]);
        for (size_t k = i + 1; k < j; k++) {
            const struct rmat_session_row *a = &s->rows[order[i].row], *b = &s->rows[order[k].row];
            if (row_in_counts(a) != row_in_counts(b)) {
                const struct rmat_session_row *kpa = row_in_counts(a) ? b : a;
                const struct rmat_session_row *cnt = row_in_counts(a) ? a : b;
                free(order);
                rmat_trends_fini(out);
                return rmat_errinfo_set(
                    ei, RMAT_E_FORMAT, 0,
                    "%s, %s, %s: sessions in kPa (%s) and in raw counts (%s) cannot go in one "
                    "trend: analyse the uncalibrated ones with the mat's calibration "
                    "(--calibration FILE), or leave them out",
                    a->subject[0] ? a->subject : "(no subject)", a->region, a->side, kpa->recording,
                    cnt->recording);
            }
        }
        for (size_t k = 0; k < g->n; k++) {
            g->row[k] = order[i + k].row;
            g->week[k] = (s->rows[g->row[k]].t_unix - g->t0_unix) / (7.0 * 86400.0);
        }
        if (fit_group(s, g) != 0 || group_adherence(s, &out->adh_cfg, g) != 0)
            goto nomem;
        i = j;
    }
    free(order);
    return RMAT_OK;
nomem:
    free(order);
    rmat_trends_fini(out);
    return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "trends: out of memory");
}

void rmat_trends_fini(struct rmat_trend_set *t)
{
    for (size_t i = 0; t->g && i < t->n; i++) {
        free(t->g[i].row);
        free(t->g[i].week);
        free(t->g[i].adh.weeks);
        free(t->g[i].spots);
        free(t->g[i].spot_comp);
        free(t->g[i].spot_comp_frames);
    }
    free(t->g);
    t->g = NULL;
    t->n = 0;
}

const char *rmat_trend_metric_name(const struct rmat_trend_group *g, int m)
{
    const char *name = m >= 0 && m < RMAT_TREND_METRICS ? rmat_trend_metric_names[m] : "";
    const char *c = rmat_units_name(name, g->calibrated);
    return c ? c : name;
}

/* A metric's unit; pressures in the sessions' own units (counts when
 * uncalibrated). */
const char *rmat_trend_metric_unit(const struct rmat_trend_set *t, const struct rmat_trend_group *g,
                                   int m)
{
    static const char *const units[RMAT_TREND_METRICS] = {
        "kPa", "kPa", "mm³/N", "s", "s", "cycles/min", "0-10",
    };
    (void)t;
    if (m <= 2 && !g->calibrated)
        return m == 2 ? "mm³/count" : "counts";
    return units[m];
}

static void put_num(FILE *f, double v)
{
    char buf[RMAT_FMT_BUF];
    if (isfinite(v)) {
        rmat_fmt_sig(buf, v, SIG_DIGITS);
        fputs(buf, f);
    }
}

static void put_met(struct rmat_json_writer *w, const char *key, int met)
{
    if (met < 0)
        rmat_jw_null(w, key);
    else
        rmat_jw_bool(w, key, met);
}

static void put_range(struct rmat_json_writer *w, const char *key, double lo, double hi)
{
    rmat_jw_open(w, key, 1, 1);
    rmat_jw_num(w, NULL, lo);
    rmat_jw_num(w, NULL, hi);
    rmat_jw_close(w);
}

/* trend.json's "adherence" of group g (docs/metrics.md, "Adherence"). */
static void write_adherence(struct rmat_json_writer *w, const struct rmat_trend_set *t,
                            const struct rmat_trend_group *g)
{
    const struct rmat_adherence_config *c = &t->adh_cfg;
    const struct rmat_adherence *a = &g->adh;

    rmat_jw_open(w, "adherence", 0, 0);
    rmat_jw_open(w, "targets", 0, 0);
    put_range(w, "every_days", c->every_min_days, c->every_max_days);
    put_range(w, "session_days_per_week", a->days_min, a->days_max);
    put_range(w, "rolling_s", c->rolling_min_s, c->rolling_max_s);
    put_range(w, "hold_s", c->hold_min_s, c->hold_max_s);
    rmat_jw_close(w);

    rmat_jw_open(w, "frequency", 0, 0);
    put_met(w, "met", a->frequency_met);
    rmat_jw_num(w, "weeks", (double)a->n_weeks);
    rmat_jw_num(w, "weeks_met", (double)a->weeks_met);
    rmat_jw_open(w, "by_week", 1, 0);
    for (size_t k = 0; k < a->n_weeks; k++) {
        const struct rmat_adherence_week *wk = &a->weeks[k];
        rmat_jw_open(w, NULL, 0, 1);
        rmat_jw_num(w, "week", (double)(k + 1));
        rmat_jw_num(w, "first_day", (double)(7 * k));
        rmat_jw_num(w, "last_day", (double)(7 * k + 6));
        rmat_jw_num(w, "session_days", (double)wk->days);
        rmat_jw_num(w, "longest_gap_days", wk->longest_gap_days);
        rmat_jw_bool(w, "met", wk->met);
        rmat_jw_close(w);
    }
    rmat_jw_close(w);
    rmat_jw_close(w);

    for (int which = 0; which < 2; which++) {
        const double lo = which ? c->hold_min_s : c->rolling_min_s;
        const double hi = which ? c->hold_max_s : c->rolling_max_s;
        rmat_jw_open(w, which ? "hold" : "rolling", 0, 0);
        put_met(w, "met", which ? a->hold_met : a->rolling_met);
        rmat_jw_num(w, "sessions_judged", (double)(which ? a->hold_n : a->rolling_n));
        rmat_jw_num(w, "sessions_met", (double)(which ? a->hold_in : a->rolling_in));
        rmat_jw_open(w, which ? "mean_hold_s" : "rolling_s", 1, 1);
        for (size_t k = 0; k < g->n; k++) {
            const struct rmat_session_row *r = &t->sessions->rows[g->row[k]];
            rmat_jw_num(w, NULL,
                        which ? rmat_adherence_mean_hold_s(r) : rmat_adherence_rolling_s(r));
        }
        rmat_jw_close(w);
        rmat_jw_open(w, "met_by_session", 1, 1);
        for (size_t k = 0; k < g->n; k++) {
            const struct rmat_session_row *r = &t->sessions->rows[g->row[k]];
            const double v = which ? rmat_adherence_mean_hold_s(r) : rmat_adherence_rolling_s(r);
            put_met(w, NULL, isfinite(v) ? v >= lo && v <= hi : -1);
        }
        rmat_jw_close(w);
        rmat_jw_close(w);
    }
    rmat_jw_close(w);
}

/* A spot's local compliance in trend.json, under its name in the group's
 * units: first and last session with passes over it, the line, and the
 * median and its frames per session (null: no passes over the spot). */
static void write_spot_compliance(struct rmat_json_writer *w, const struct rmat_trend_group *g,
                                  size_t j)
{
    const struct rmat_spot *s = &g->spots[j];
    rmat_jw_open(w, g->calibrated ? "compliance_mm3_n" : "compliance_mm3_per_count", 0, 0);
    rmat_jw_num(w, "sessions", (double)s->comp_sessions);
    if (!s->comp_sessions)
        rmat_jw_str(w, "note", "no passes over this spot");
    rmat_jw_num(w, "first", s->comp_sessions ? s->comp_first.value : NAN);
    rmat_jw_num(w, "last", s->comp_sessions ? s->comp_last.value : NAN);
    rmat_jw_num(w, "first_week", s->comp_sessions ? s->comp_first.week : NAN);
    rmat_jw_num(w, "last_week", s->comp_sessions ? s->comp_last.week : NAN);
    rmat_jw_num(w, "change_pct", s->comp_fit.change_pct);
    rmat_jw_num(w, "slope_per_week", s->comp_fit.slope);
    rmat_jw_num(w, "ci95_low", s->comp_fit.ci95_low);
    rmat_jw_num(w, "ci95_high", s->comp_fit.ci95_high);
    rmat_jw_open(w, "by_session", 1, 1);
    for (size_t k = 0; k < g->n; k++)
        rmat_jw_num(w, NULL, g->spot_comp ? g->spot_comp[j * g->n + k] : NAN);
    rmat_jw_close(w);
    rmat_jw_open(w, "frames_by_session", 1, 1);
    for (size_t k = 0; k < g->n; k++)
        rmat_jw_num(w, NULL, g->spot_comp_frames ? (double)g->spot_comp_frames[j * g->n + k] : 0);
    rmat_jw_close(w);
    rmat_jw_close(w);
}

/* trend.json's "tender_spots" of group g (docs/metrics.md, "Tender spots
 * across sessions"). */
static void write_spots(struct rmat_json_writer *w, const struct rmat_trend_set *t,
                        const struct rmat_trend_group *g)
{
    rmat_jw_open(w, "tender_spots", 0, 0);
    rmat_jw_num(w, "radius_mm", t->spot_radius_mm);
    rmat_jw_str(w, "position",
                "mean CoP of the spot's holds minus the mat's centre, mm: dx_mm "
                "along x (columns), dy_mm along y (rows; negative: above)");
    rmat_jw_num(w, "sessions_unread", (double)g->spot_sessions_unread);
    rmat_jw_num(w, "frames_unread", (double)g->spot_frames_unread);
    rmat_jw_str(w, "compliance",
                "local compliance: median of the frames' compliance while rolling (outside "
                "holds) with the CoP within radius_mm of the spot, per session");
    rmat_jw_open(w, "spots", 1, 0);
    for (size_t k = 0; k < g->n_spots; k++) {
        const struct rmat_spot *s = &g->spots[k];
        rmat_jw_open(w, NULL, 0, 1);
        rmat_jw_num(w, "spot", (double)(k + 1));
        rmat_jw_num(w, "dx_mm", s->dx_mm);
        rmat_jw_num(w, "dy_mm", s->dy_mm);
        rmat_jw_num(w, "holds", (double)s->holds);
        rmat_jw_num(w, "sessions", (double)s->sessions);
        rmat_jw_num(w, "first_week", s->first.week);
        rmat_jw_num(w, "last_week", s->last.week);
        rmat_jw_num(w, "hold_s_first", s->first.hold_s);
        rmat_jw_num(w, "hold_s_last", s->last.hold_s);
        rmat_jw_num(w, "pain_first", s->pain_first.pain);
        rmat_jw_num(w, "pain_last", s->pain_last.pain);
        rmat_jw_num(w, "pain_first_week", isfinite(s->pain_first.pain) ? s->pain_first.week : NAN);
        rmat_jw_num(w, "pain_last_week", isfinite(s->pain_last.pain) ? s->pain_last.week : NAN);
        write_spot_compliance(w, g, k);
        rmat_jw_close(w);
    }
    rmat_jw_close(w);
    rmat_jw_close(w);
}

int rmat_trends_write(const struct rmat_trend_set *t, const char *out_dir, struct rmat_errinfo *ei)
{
    char path[RMAT_PATH_BUF];
    FILE *f;
    int rc = rmat_mkdirs(out_dir, ei);

    if (rc == RMAT_OK)
        rc = rmat_out_open(out_dir, "trend.csv", &f, path, ei);
    if (rc != RMAT_OK)
        return rc;
    fputs("subject,region,side,metric,unit,n,first_date,last_date,first,last,slope_per_week,"
          "ci95_low,ci95_high,r2,change_pct,values,note\n",
          f);
    for (size_t i = 0; i < t->n; i++) {
        const struct rmat_trend_group *g = &t->g[i];
        char d0[16], d1[16];
        rmat_unix_to_date(g->t0_unix, d0, sizeof d0);
        rmat_unix_to_date(t->sessions->rows[g->row[g->n - 1]].t_unix, d1, sizeof d1);
        for (int m = 0; m < RMAT_TREND_METRICS; m++) {
            const struct rmat_trend_metric *tm = &g->m[m];
            const int ok = tm->fit.valid;
            rmat_csv_put(f, g->subject);
            fputc(',', f);
            rmat_csv_put(f, g->region);
            fputc(',', f);
            rmat_csv_put(f, g->side);
            fprintf(f, ",%s,", rmat_trend_metric_name(g, m));
            rmat_csv_put(f, rmat_trend_metric_unit(t, g, m));
            fprintf(f, ",%zu,%s,%s,", tm->n, d0, d1);
            put_num(f, tm->first);
            fputc(',', f);
            put_num(f, tm->last);
            fputc(',', f);
            put_num(f, ok ? tm->fit.slope : NAN);
            fputc(',', f);
            put_num(f, ok ? tm->fit.ci95_low : NAN);
            fputc(',', f);
            put_num(f, ok ? tm->fit.ci95_high : NAN);
            fputc(',', f);
            put_num(f, ok ? tm->fit.r2 : NAN);
            fputc(',', f);
            put_num(f, tm->change_pct);
            fputc(',', f);
            for (size_t k = 0, w = 0; k < g->n; k++) {
                const double v = rmat_trend_value(&t->sessions->rows[g->row[k]], m);
                if (!isfinite(v))
                    continue;
                if (w++)
                    fputc(';', f);
                put_num(f, v);
            }
            fputc(',', f);
            rmat_csv_put(f, g->note);
            fputc('\n', f);
        }
    }
    rc = rmat_out_close(f, path, ei);
    if (rc != RMAT_OK)
        return rc;

    rc = rmat_out_open(out_dir, "trend.json", &f, path, ei);
    if (rc != RMAT_OK)
        return rc;
    {
        struct rmat_json_writer w;
        rmat_jw_begin(&w, f);
        rmat_jw_str(&w, "software", "rollmat " RMAT_VERSION);
        rmat_jw_str(&w, "x", "weeks since the group's first session (started_utc)");
        rmat_jw_num(&w, "min_sessions", RMAT_TREND_MIN_SESSIONS);
        rmat_jw_num(&w, "min_days", RMAT_TREND_MIN_DAYS);
        rmat_jw_open(&w, "groups", 1, 0);
        for (size_t i = 0; i < t->n; i++) {
            const struct rmat_trend_group *g = &t->g[i];
            rmat_jw_open(&w, NULL, 0, 0);
            rmat_jw_str(&w, "subject", g->subject);
            rmat_jw_str(&w, "region", g->region);
            rmat_jw_str(&w, "side", g->side);
            rmat_jw_str(&w, "units", g->calibrated ? "kPa" : "counts");
            rmat_jw_str(&w, "trend_note", g->note);
            rmat_jw_num(&w, "sessions_n", (double)g->n);
            rmat_jw_open(&w, "sessions", 1, 0);
            for (size_t k = 0; k < g->n; k++) {
                const struct rmat_session_row *r = &t->sessions->rows[g->row[k]];
                rmat_jw_open(&w, NULL, 0, 1);
                rmat_jw_str(&w, "id", r->id);
                rmat_jw_str(&w, "recording_id", r->recording_id);
                rmat_jw_str(&w, "started_utc", r->started_utc);
                rmat_jw_num(&w, "week", g->week[k]);
                rmat_jw_close(&w);
            }
            rmat_jw_close(&w);
            rmat_jw_open(&w, "metrics", 0, 0);
            for (int m = 0; m < RMAT_TREND_METRICS; m++) {
                const struct rmat_trend_metric *tm = &g->m[m];
                const int ok = tm->fit.valid;
                rmat_jw_open(&w, rmat_trend_metric_name(g, m), 0, 1);
                rmat_jw_str(&w, "unit", rmat_trend_metric_unit(t, g, m));
                rmat_jw_open(&w, "values", 1, 1);
                for (size_t k = 0; k < g->n; k++)
                    rmat_jw_num(&w, NULL, rmat_trend_value(&t->sessions->rows[g->row[k]], m));
                rmat_jw_close(&w);
                rmat_jw_num(&w, "n", (double)tm->n);
                rmat_jw_num(&w, "slope_per_week", ok ? tm->fit.slope : NAN);
                rmat_jw_num(&w, "ci95_low", ok ? tm->fit.ci95_low : NAN);
                rmat_jw_num(&w, "ci95_high", ok ? tm->fit.ci95_high : NAN);
                rmat_jw_num(&w, "r2", ok ? tm->fit.r2 : NAN);
                rmat_jw_num(&w, "change_pct", tm->change_pct);
                rmat_jw_close(&w);
            }
            rmat_jw_close(&w);
            write_adherence(&w, t, g);
            if (t->spots_done)
                write_spots(&w, t, g);
            rmat_jw_close(&w);
        }
        rmat_jw_close(&w);
        return rmat_jw_finish(&w, path, ei);
    }
}

void rmat_trend_group_key(const struct rmat_trend_group *g, char *buf, size_t cap)
{
    size_t n;
    snprintf(buf, cap, "%.60s_%.60s_%.15s", g->subject[0] ? g->subject : "nobody",
             g->region[0] ? g->region : "region", g->side[0] ? g->side : "none");
    n = strlen(buf);
    for (size_t i = 0; i < n; i++) {
        const char c = buf[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_'))
            buf[i] = '_';
    }
}
