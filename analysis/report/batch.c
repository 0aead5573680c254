/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Analysing many recordings in child processes (batch.h).
 *
 * One child per recording, forked from this process: a crash, a leak or an
 * HDF5 error in one recording cannot take the others with it, and a child
 * needs no executable path. Each child reports through a pipe (a message
 * shorter than PIPE_BUF is written atomically, so a full pipe never blocks
 * its exit) and its exit status. The parent only forks, waits and reads;
 * it holds no HDF5 file open across a fork.
 */
#include "rollmat/batch.h"
#include "rollmat/version.h"
#include "rollmat/events.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "figures_int.h"
#include "rollmat/figures.h"
#include "rollmat/trend.h"

#define STAMP_NAME "batch.stamp"

void rmat_batch_config_init(struct rmat_batch_config *c)
{
    memset(c, 0, sizeof *c);
    c->trend_plots = 1;
}

unsigned long long rmat_batch_hash(const char *s)
{
    unsigned long long h = 14695981039346656037ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* --- finding the recordings ------------------------------------------------ */

struct list {
    char **rel; /* paths under the folder */
    size_t n, cap;
};

static void list_free(struct list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->rel[i]);
    free(l->rel);
    memset(l, 0, sizeof *l);
}

static int list_add(struct list *l, const char *s)
{
    if (l->n == l->cap) {
        const size_t ncap = l->cap ? 2 * l->cap : 64;
        char **nr = realloc(l->rel, ncap * sizeof *nr);
        if (!nr)
            return -1;
        l->rel = nr;
        l->cap = ncap;
    }
    l->rel[l->n] = strdup(s);
    if (!l->rel[l->n])
        return -1;
    l->n++;
    return 0;
}

static int ends_with(const char *s, const char *suffix)
{
    const size_t a = strlen(s), b = strlen(suffix);
    return a > b && strcmp(s + a - b, suffix) == 0;
}

static int find(const char *root, const char *rel, const struct stat *out_st, struct list *l,
                int depth, struct rmat_errinfo *ei)
{
    char dir[RMAT_PATH_BUF], path[RMAT_PATH_BUF];
    struct dirent *de;
    struct stat st;
    DIR *d;
    int rc = RMAT_OK;

    if (depth > 64)
        return RMAT_OK;
    if ((size_t)snprintf(dir, sizeof dir, "%s%s%s", root, rel[0] ? "/" : "", rel) >= sizeof dir)
        return RMAT_OK;
    /* An analysis folder: its maps.h5 is an output. */
    if (depth > 0 && rmat_path_join(path, sizeof path, dir, "summary.json", NULL) == RMAT_OK &&
        rmat_exists(path))
        return RMAT_OK;
    /* The output folder, wherever it is: by device and inode. */
    if (depth > 0 && out_st && stat(dir, &st) == 0 && st.st_dev == out_st->st_dev &&
        st.st_ino == out_st->st_ino)
        return RMAT_OK;
    d = opendir(dir);
    if (!d) {
        const int e = errno;
        if (depth == 0)
            return rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "cannot read folder %s: %s", dir,
                                    strerror(e));
        return RMAT_OK;
    }
    while (rc == RMAT_OK && (de = readdir(d)) != NULL) {
        char sub[RMAT_PATH_BUF];
        if (de->d_name[0] == '.')
            continue;
        if ((size_t)snprintf(sub, sizeof sub, "%s%s%s", rel, rel[0] ? "/" : "", de->d_name) >=
                sizeof sub ||
            rmat_path_join(path, sizeof path, dir, de->d_name, NULL) != RMAT_OK ||
            stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            rc = find(root, sub, out_st, l, depth + 1, ei);
        else if (S_ISREG(st.st_mode) && ends_with(de->d_name, ".h5") && list_add(l, sub) != 0)
            rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "batch: out of memory");
    }
    closedir(d);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* --- one recording --------------------------------------------------------- */

/* "a/b.h5" -> "a/b": the session's folder under OUT and its id. */
static void session_id(const char *rel, char *buf, size_t cap)
{
    size_t len = strlen(rel);
    if (ends_with(rel, ".h5"))
        len -= 3;
    snprintf(buf, cap, "%.*s", (int)len, rel);
}

static void file_stamp_part(FILE *f, const char *what, const char *path)
{
    struct stat st;
    if (!path || !path[0]) {
        fprintf(f, "%s none\n", what);
        return;
    }
    if (stat(path, &st) == 0)
        fprintf(f, "%s %s size %lld mtime %lld.%09ld\n", what, path, (long long)st.st_size,
                (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    else
        fprintf(f, "%s %s missing\n", what, path);
}

/* What batch.stamp holds: the recording's identity and every parameter.
 * Returns a heap string (free()) or NULL. */
static char *stamp_text(const struct rmat_batch_config *cfg, const struct rmat_analysis_params *p,
                        const char *rec)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    fputs("rollmat " RMAT_VERSION "\n", f);
    file_stamp_part(f, "recording", rec);
    fprintf(f,
            "contact_threshold_kpa %.17g\nsmooth_s %.17g\nturn_mm %.17g\n"
            "hold_radius_mm %.17g\nhold_min_s %.17g\nplots %d\n",
            p->contact_threshold_kpa, p->smooth_s, p->turn_mm, p->hold_radius_mm, p->hold_min_s,
            cfg->plots);
    file_stamp_part(f, "calibration", p->calibration_path);
    file_stamp_part(f, "regions", p->regions_path);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static int up_to_date(const char *out, const char *rec, const char *want)
{
    char path[RMAT_PATH_BUF];
    struct stat rs, ss;
    char *have;
    size_t len;
    int same;

    if (rmat_path_join(path, sizeof path, out, "summary.json", NULL) != RMAT_OK ||
        stat(path, &ss) != 0 || stat(rec, &rs) != 0)
        return 0;
    if (ss.st_mtim.tv_sec < rs.st_mtim.tv_sec ||
        (ss.st_mtim.tv_sec == rs.st_mtim.tv_sec && ss.st_mtim.tv_nsec < rs.st_mtim.tv_nsec))
        return 0;
    if (rmat_path_join(path, sizeof path, out, STAMP_NAME, NULL) != RMAT_OK)
        return 0;
    have = NULL;
    {
        FILE *f = fopen(path, "r");
        if (!f)
            return 0;
        have = malloc(8192);
        len = have ? fread(have, 1, 8191, f) : 0;
        fclose(f);
        if (!have)
            return 0;
        have[len] = '\0';
    }
    same = strcmp(have, want) == 0;
    free(have);
    return same;
}

/* A log for the child: its messages into OUT/<session>/analyze.log. */
static void log_to_file(void *ctx, enum rmat_log_level level, const char *msg)
{
    static const char *const names[] = {"error", "warning", "info", "debug"};
    FILE *f = ctx;
    if (f && level <= RMAT_LOG_INFO)
        fprintf(f, "%s: %s\n", names[level], msg);
}

/* The child's work; never returns. */
static void child(const struct rmat_batch_config *cfg, const struct rmat_analysis_params *p,
                  const char *rec, const char *out, const char *stamp, int fd)
{
    struct rmat_errinfo ei;
    char path[RMAT_PATH_BUF];
    FILE *logf = NULL;
    struct rmat_log log = {log_to_file, NULL};
    int rc;

    rmat_errinfo_clear(&ei);
    rc = rmat_mkdirs(out, &ei);
    /* No stamp while the outputs are being replaced: a run that dies now
     * is redone next time. */
    if (rc == RMAT_OK && rmat_path_join(path, sizeof path, out, STAMP_NAME, &ei) == RMAT_OK)
        unlink(path);
    if (rc == RMAT_OK && rmat_path_join(path, sizeof path, out, "analyze.log", &ei) == RMAT_OK) {
        logf = fopen(path, "w");
        log.ctx = logf;
    }
    if (rc == RMAT_OK)
        rc = rmat_analyze(rec, out, p, &log, NULL, &ei);
    if (rc == RMAT_OK)
        rc = rmat_events_export(rec, out, &ei);
    if (rc == RMAT_OK && cfg->plots)
        rc = rmat_plots_session(out, NULL, &log, &ei);
    if (rc == RMAT_OK) {
        FILE *f;
        rc = rmat_out_open(out, STAMP_NAME, &f, path, &ei);
        if (rc == RMAT_OK) {
            fputs(stamp, f);
            rc = rmat_out_close(f, path, &ei);
        }
    }
    if (logf)
        fclose(logf);
    if (rc != RMAT_OK) {
        const char *m = ei.msg[0] ? ei.msg : rmat_strerror(rc);
        const size_t len = strlen(m);
        /* At most PIPE_BUF bytes go in one piece; the message is shorter. */
        if (write(fd, m, len < 4000 ? len : 4000) < 0) {
            /* the exit status still says it failed */
        }
    }
    close(fd);
    _exit(rc == RMAT_OK ? 0 : 1);
}

struct job {
    pid_t pid;
    int fd;
    size_t index;
    double t0;
};

/* --- the run --------------------------------------------------------------- */

static void report(const struct rmat_batch_config *cfg, struct rmat_batch_progress *pr,
                   enum rmat_batch_what what, const char *name, const char *msg, double secs,
                   double t_start)
{
    if (!cfg->progress)
        return;
    pr->what = what;
    pr->name = name;
    pr->message = msg;
    pr->seconds = secs;
    pr->elapsed_s = now_s() - t_start;
    cfg->progress(cfg->progress_ctx, pr);
}

/* Said in the run's own log, not only in each recording's analyze.log:
 * numbers in counts must not pass for kPa and N in a clinic's report.
 * Returns how many sessions are in counts. */
static size_t warn_uncalibrated(const struct rmat_session_set *set, const struct rmat_log *log)
{
    char names[600] = "";
    size_t n = 0, used = 0;

    for (size_t i = 0; i < set->n; i++) {
        if (strcmp(set->rows[i].units, "counts") != 0)
            continue;
        if (n < 5 && used < sizeof names) {
            const int k = snprintf(names + used, sizeof names - used, "%s%s", n ? ", " : "",
                                   set->rows[i].recording);
            used += k > 0 ? (size_t)k : 0;
        }
        n++;
    }
    if (n > 0)
        rmat_logf(log, RMAT_LOG_WARN,
                  "NO CALIBRATION: %zu of %zu sessions are in raw counts, not kPa or N (units "
                  "\"counts\" in sessions.csv): %s%s; give --calibration FILE, or store each "
                  "mat's calibration in its recordings (docs/calibration.md)",
                  n, set->n, names, n > 5 ? ", ..." : "");
    return n;
}

/* sessions.csv and the trends of the recordings in l marked ok. */
static int finish(const struct rmat_batch_config *cfg, const struct list *l, const char *ok,
                  size_t *uncalibrated, struct rmat_errinfo *ei)
{
    struct rmat_session_set set = {0};
    struct rmat_trend_set tr = {0};
    char path[RMAT_PATH_BUF];
    int rc = RMAT_OK;

    for (size_t i = 0; i < l->n && rc == RMAT_OK; i++) {
        char id[RMAT_PATH_BUF], dir[RMAT_PATH_BUF];
        struct rmat_errinfo e2;
        if (!ok[i])
            continue;
        session_id(l->rel[i], id, sizeof id);
        if ((size_t)snprintf(dir, sizeof dir, "%s/%s", cfg->out_dir, id) >= sizeof dir)
            continue;
        if (set.n == set.cap) {
            const size_t ncap = set.cap ? 2 * set.cap : 64;
            struct rmat_session_row *nr = realloc(set.rows, ncap * sizeof *nr);
            if (!nr) {
                rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "batch: out of memory");
                break;
            }
            set.rows = nr;
            set.cap = ncap;
        }
        if (rmat_session_load(dir, id, &set.rows[set.n], &e2) != RMAT_OK) {
            rmat_logf(cfg->log, RMAT_LOG_WARN, "%s: left out of sessions.csv: %s", l->rel[i],
                      e2.msg);
            continue;
        }
        /* The path under the input folder: the same in every shard and on
         * every machine. */
        snprintf(set.rows[set.n].recording, sizeof set.rows[set.n].recording, "%s", l->rel[i]);
        set.n++;
    }
    if (rc == RMAT_OK) {
        rmat_sessions_sort(&set, cfg->log);
        *uncalibrated = warn_uncalibrated(&set, cfg->log);
        rc = rmat_path_join(path, sizeof path, cfg->out_dir, "sessions.csv", ei);
    }
    if (rc == RMAT_OK)
        rc = rmat_sessions_write_csv(&set, path, ei);
    if (rc == RMAT_OK)
        rc = rmat_trends_compute(&set, NULL, &tr, cfg->log, ei);
    if (rc == RMAT_OK)
        rc = rmat_trends_write(&tr, cfg->out_dir, ei);
    if (rc == RMAT_OK && cfg->trend_plots && tr.n > 0 &&
        rmat_path_join(path, sizeof path, cfg->out_dir, "trends", ei) == RMAT_OK) {
        struct rmat_errinfo e2;
        /* Figures are a convenience: without gnuplot the numbers stand. */
        if (rmat_trends_plot(&tr, path, &e2) != RMAT_OK)
            rmat_logf(cfg->log, RMAT_LOG_WARN, "trend figures not drawn: %s", e2.msg);
    }
    rmat_trends_fini(&tr);
    rmat_session_set_fini(&set);
    return rc;
}

int rmat_batch_run(const struct rmat_batch_config *cfg, struct rmat_batch_result *res,
                   struct rmat_errinfo *ei)
{
    struct rmat_analysis_params params;
    struct rmat_batch_progress pr;
    struct list all = {0}, l = {0};
    struct job *jobs = NULL;
    struct stat out_st;
    char *ok = NULL;
    size_t next = 0, running = 0;
    const double t_start = now_s();
    int rc, n_jobs;

    memset(res, 0, sizeof *res);
    memset(&pr, 0, sizeof pr);
    if (!cfg || !cfg->in_dir || !cfg->out_dir)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "batch: input and output folders needed");
    if (cfg->shard_n > 1 && (cfg->shard_k < 1 || cfg->shard_k > cfg->shard_n))
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "batch: shard %d/%d: K must be 1 to %d",
                                cfg->shard_k, cfg->shard_n, cfg->shard_n);
    if (cfg->params)
        params = *cfg->params;
    else
        rmat_analysis_params_init(&params);

    n_jobs = cfg->jobs > 0 ? cfg->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (n_jobs < 1)
        n_jobs = 1;

    rc = rmat_mkdirs(cfg->out_dir, ei);
    if (rc != RMAT_OK)
        return rc;
    if (stat(cfg->out_dir, &out_st) != 0)
        return rmat_errinfo_set(ei, RMAT_E_IO, errno, "cannot stat %s", cfg->out_dir);
    rc = find(cfg->in_dir, "", &out_st, &all, 0, ei);
    if (rc != RMAT_OK)
        goto out;
    if (all.n > 1)
        qsort(all.rel, all.n, sizeof *all.rel, cmp_str);
    for (size_t i = 0; i < all.n; i++) {
        if (cfg->shard_n > 1 && rmat_batch_hash(all.rel[i]) % (unsigned long long)cfg->shard_n !=
                                    (unsigned long long)(cfg->shard_k - 1))
            continue;
        if (list_add(&l, all.rel[i]) != 0) {
            rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "batch: out of memory");
            goto out;
        }
    }
    res->total = l.n;
    pr.total = l.n;
    ok = calloc(l.n ? l.n : 1, 1);
    jobs = calloc((size_t)n_jobs, sizeof *jobs);
    if (!ok || !jobs) {
        rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "batch: out of memory");
        goto out;
    }
    report(cfg, &pr, RMAT_BATCH_STARTED, NULL, NULL, 0, t_start);

    while (next < l.n || running > 0) {
        /* Start as many as there are free slots. */
        while (next < l.n && running < (size_t)n_jobs && !(cfg->stop && *cfg->stop)) {
            char rec[RMAT_PATH_BUF], id[RMAT_PATH_BUF], out[RMAT_PATH_BUF];
            char *stamp;
            int pfd[2];
            const size_t i = next++;
            session_id(l.rel[i], id, sizeof id);
            if ((size_t)snprintf(rec, sizeof rec, "%s/%s", cfg->in_dir, l.rel[i]) >= sizeof rec ||
                (size_t)snprintf(out, sizeof out, "%s/%s", cfg->out_dir, id) >= sizeof out) {
                res->failed++;
                pr.failed = res->failed;
                report(cfg, &pr, RMAT_BATCH_FAILED, l.rel[i], "path too long", 0, t_start);
                continue;
            }
            stamp = stamp_text(cfg, &params, rec);
            if (!stamp) {
                rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "batch: out of memory");
                goto out;
            }
            if (!cfg->force && up_to_date(out, rec, stamp)) {
                free(stamp);
                ok[i] = 1;
                res->skipped++;
                pr.skipped = res->skipped;
                report(cfg, &pr, RMAT_BATCH_SKIPPED, l.rel[i], NULL, 0, t_start);
                continue;
            }
            if (pipe(pfd) != 0) {
                const int e = errno;
                free(stamp);
                rc =
                    rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "batch: pipe: %s", strerror(e));
                goto out;
            }
            fflush(NULL); /* nothing buffered is written twice */
            const pid_t pid = fork();
            if (pid == 0) {
                close(pfd[0]);
                child(cfg, &params, rec, out, stamp, pfd[1]);
            }
            free(stamp);
            close(pfd[1]);
            if (pid < 0) {
                const int e = errno;
                close(pfd[0]);
                rc =
                    rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "batch: fork: %s", strerror(e));
                goto out;
            }
            for (int k = 0; k < n_jobs; k++) {
                if (jobs[k].pid == 0) {
                    jobs[k].pid = pid;
                    jobs[k].fd = pfd[0];
                    jobs[k].index = i;
                    jobs[k].t0 = now_s();
                    break;
                }
            }
            running++;
            pr.running = running;
        }
        if (running == 0)
            break;

        /* Wait for any child; then read what it said. */
        int status = 0;
        pid_t pid;
        do
            pid = waitpid(-1, &status, 0);
        while (pid < 0 && errno == EINTR);
        if (pid < 0)
            break;
        for (int k = 0; k < n_jobs; k++) {
            char msg[4096], why[4200];
            ssize_t got;
            size_t len = 0;
            if (jobs[k].pid != pid)
                continue;
            while (len < sizeof msg - 1 &&
                   (got = read(jobs[k].fd, msg + len, sizeof msg - 1 - len)) != 0) {
                if (got < 0) {
                    if (errno == EINTR)
                        continue;
                    break;
                }
                len += (size_t)got;
            }
            msg[len] = '\0';
            close(jobs[k].fd);
            running--;
            pr.running = running;
            const size_t i = jobs[k].index;
            const double secs = now_s() - jobs[k].t0;
            jobs[k].pid = 0;
            if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
                ok[i] = 1;
                res->analysed++;
                pr.analysed = res->analysed;
                report(cfg, &pr, RMAT_BATCH_ANALYSED, l.rel[i], NULL, secs, t_start);
            } else {
                if (WIFSIGNALED(status))
                    snprintf(why, sizeof why, "the analysis died of signal %d%s%s",
                             WTERMSIG(status), len ? ": " : "", msg);
                else
                    snprintf(why, sizeof why, "%s", len ? msg : "the analysis failed");
                res->failed++;
                pr.failed = res->failed;
                report(cfg, &pr, RMAT_BATCH_FAILED, l.rel[i], why, secs, t_start);
            }
            break;
        }
        if (cfg->stop && *cfg->stop && next < l.n)
            res->stopped = 1;
    }
    if (cfg->stop && *cfg->stop && next < l.n)
        res->stopped = 1;

    rc = finish(cfg, &l, ok, &res->uncalibrated, ei);
    if (rc == RMAT_OK)
        report(cfg, &pr, RMAT_BATCH_FINISHED, NULL, NULL, 0, t_start);
out:
    /* After an error mid-run, children still running are waited for (they
     * write only their own folders). */
    for (int k = 0; jobs && k < n_jobs; k++) {
        if (jobs[k].pid > 0) {
            int st;
            while (waitpid(jobs[k].pid, &st, 0) < 0 && errno == EINTR) {
            }
            close(jobs[k].fd);
        }
    }
    free(jobs);
    free(ok);
    list_free(&all);
    list_free(&l);
    return rc;
}

int rmat_batch_merge(const char *const *shard_dirs, size_t n, const char *out_dir, int trend_plots,
                     const struct rmat_log *log, struct rmat_errinfo *ei)
{
    struct rmat_session_set set = {0};
    struct rmat_trend_set tr = {0};
    char path[RMAT_PATH_BUF];
    int rc = RMAT_OK;

    if (!shard_dirs || !out_dir || n == 0)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "merge: shard folders and output needed");
    for (size_t i = 0; i < n && rc == RMAT_OK; i++) {
        rc = rmat_path_join(path, sizeof path, shard_dirs[i], "sessions.csv", ei);
        if (rc == RMAT_OK)
            rc = rmat_sessions_read_csv(path, &set, ei);
    }
    if (rc == RMAT_OK) {
        rmat_sessions_sort(&set, log);
        (void)warn_uncalibrated(&set, log);
        rc = rmat_mkdirs(out_dir, ei);
    }
    if (rc == RMAT_OK)
        rc = rmat_path_join(path, sizeof path, out_dir, "sessions.csv", ei);
    if (rc == RMAT_OK)
        rc = rmat_sessions_write_csv(&set, path, ei);
    if (rc == RMAT_OK)
        rc = rmat_trends_compute(&set, NULL, &tr, log, ei);
    if (rc == RMAT_OK)
        rc = rmat_trends_write(&tr, out_dir, ei);
    if (rc == RMAT_OK && trend_plots && tr.n > 0 &&
        rmat_path_join(path, sizeof path, out_dir, "trends", ei) == RMAT_OK) {
        struct rmat_errinfo e2;
        if (rmat_trends_plot(&tr, path, &e2) != RMAT_OK)
            rmat_logf(log, RMAT_LOG_WARN, "trend figures not drawn: %s", e2.msg);
    }
    rmat_trends_fini(&tr);
    rmat_session_set_fini(&set);
    return rc;
}
