/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmatd: the acquisition daemon and its control protocol. See daemon.h. */
/* struct ucred (SO_PEERCRED: which process a control connection is). */
#define _GNU_SOURCE
#include "rollmat/daemon.h"
#include "rollmat/dates.h"
#include "rollmat/strutil.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "rollmat/calib.h"
#include "rollmat/capture.h"
#include "rollmat/devsession.h"
#include "rollmat/recording.h"
#include "rollmat/journal.h"
#include "rollmat/transport.h"

#define MAX_CLIENTS    RMAT_CTL_MAX_CLIENTS
#define PUMP_WAIT_MS   20
#define PING_EVERY_MS  1000 /* a daemon's recordings last minutes: plenty for the fit */
#define SILENCE_MS     2000
#define CMD_TIMEOUT_MS 2000
#define MAX_WORDS      32
/* A mat that is away is tried again after RETRY_FIRST_MS, then after twice
 * as long each time, up to RETRY_MAX_MS: quick to catch a cable pushed back
 * in, and no busier than a try every half minute for a mat switched off for
 * the night. A serial port that reappears is tried at once. */
#define RETRY_FIRST_MS 1000
#define RETRY_MAX_MS   30000
/* GET_STATUS for a mat gone quiet: tries of PROBE_WAIT_MS. */
#define PROBE_WAIT_MS 1000
#define PROBE_TRIES   2
/* A started_utc later than now by more than this is a typing mistake. */
#define FUTURE_SLACK_S 300.0

/* Where the mat is. Present: frames flow. Away: it was present and left;
 * never: not present since the daemon started. One log line per change. */
enum mat_state { MAT_NEVER, MAT_PRESENT, MAT_AWAY };

struct client {
    int fd;
    size_t len;
    int overlong;    /* the line in progress is too long: discard to its end */
    int nul;         /* the line in progress holds a NUL byte */
    pid_t pid;       /* the peer process (SO_PEERCRED), 0 if unknown */
    int64_t last_ms; /* when it last sent anything (or connected) */
    char buf[RMAT_CTL_LINE_MAX];
};

struct daemon {
    const struct rmat_daemon_config *cfg;
    int lfd;
    struct client clients[MAX_CLIENTS];
    /* the link */
    char port[4096];                      /* what to open: --device, or where the mat came back */
    char usb_serial[RMAT_SERIAL_STR_LEN]; /* the mat's USB serial number, once seen */
    struct rmat_transport *t;
    struct rmat_devsess *s;
    struct rmat_info info;
    int have_info;
    uint16_t rate_hz;
    int64_t last_try_ms, last_data_ms, last_ping_ms;
    enum mat_state state;
    int64_t lost_ms;      /* when the mat left (state away) */
    int64_t retry_ms;     /* wait before the next try */
    int said_unreachable; /* the first failed try of state never is logged */
    int port_seen;        /* a serial port path existed at the last look */
    int mat_stopped;      /* a STATUS said streaming 0 after START's ACK */
    double load_counts;   /* sum of the last frame's counts */
    /* the mat's calibration (found at connect and at each start) */
    struct rmat_calib *calib; /* NULL: none */
    int calib_bad;            /* there is one but it cannot be used: starts refused */
    char calib_desc[RMAT_ERRINFO_MSG];
    char calib_label[RMAT_CALIB_NAME_LEN + 16];
    uint32_t dev_dropped_seen; /* the mat's frames_dropped already reported */
    uint32_t link_drops_seen;  /* the decoder's drops already reported */
    /* the recording */
    struct rmat_capture *cap;
    int armed; /* the mat acknowledged the recording's START: frames are its own */
    int64_t rec_started_ms;
    uint64_t rec_lost;
    uint32_t rec_serial;
    int64_t away_since_ms; /* the mat left during the recording; 0 if here */
    int64_t away_since_ns;
    char last_error[RMAT_ERRINFO_MSG];
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void rmat_daemon_config_init(struct rmat_daemon_config *c)
{
    memset(c, 0, sizeof *c);
    c->recordings_dir = ".";
    c->reconnect_wait_s = 60;
    c->calib_dir = RMAT_CALIB_DEFAULT_DIR;
    c->deflate = RMAT_REC_DEFLATE_DEFAULT;
    c->ctl_idle_s = RMAT_CTL_IDLE_S;
}

void rmat_ctl_default_socket(char *buf, size_t cap)
{
    const char *xdg = getenv("XDG_RUNTIME_DIR");

    if (xdg && *xdg)
        snprintf(buf, cap, "%s/rollmat/rollmatd.sock", xdg);
    else
        snprintf(buf, cap, "/run/rollmat/rollmatd.sock");
}

/* --- words of the control protocol -------------------------------------- */

int rmat_ctl_append_word(char *buf, size_t cap, const char *word)
{
    size_t n = strlen(buf);
    int quote = *word == '\0';

    for (const char *p = word; *p; p++)
        if (*p == ' ' || *p == '"' || *p == '\\' || *p == '\t')
            quote = 1;
    if (n && n + 1 < cap)
        buf[n++] = ' ';
    if (quote && n < cap)
        buf[n++] = '"';
    for (const char *p = word; *p && n + 2 < cap; p++) {
        if (*p == '\n' || *p == '\r')
            continue; /* one command is one line */
        if (quote && (*p == '"' || *p == '\\'))
            buf[n++] = '\\';
        buf[n++] = *p;
    }
    if (quote && n < cap)
        buf[n++] = '"';
    if (n >= cap) {
        buf[cap - 1] = '\0';
        return RMAT_E_SPACE;
    }
    buf[n] = '\0';
    return RMAT_OK;
}

/* Splits line in place into words; returns their number, -1 for an
 * unterminated quote, -2 for a quote inside an unquoted word. */
static int split_words(char *line, char **words, int max)
{
    int n = 0;
    char *r = line, *w;

    for (;;) {
        while (*r == ' ' || *r == '\t')
            r++;
        if (!*r)
            return n;
        if (n == max)
            return n;
        words[n++] = w = r;
        if (*r == '"') {
            w = words[n - 1] = ++r;
            char *out = w;
            while (*r && *r != '"') {
                if (*r == '\\' && r[1])
                    r++;
                *out++ = *r++;
            }
            if (*r != '"')
                return -1;
            r++;
            *out = '\0';
            if (*r && *r != ' ' && *r != '\t')
                return -1;
            if (*r)
                r++;
            continue;
        }
        while (*r && *r != ' ' && *r != '\t') {
            if (*r == '"')
                return -2; /* a quote inside a word: the whole word goes in quotes */
            r++;
        }
        if (*r)
            *r++ = '\0';
    }
}

/* --- the link ------------------------------------------------------------ */

static void link_close(struct daemon *d)
{
    rmat_devsess_free(d->s);
    rmat_transport_close(d->t);
    d->s = NULL;
    d->t = NULL;
}

static int on_frame(void *ctx, const struct rmat_frame_hdr *hdr, const uint16_t *samples,
                    const uint8_t *pkt, size_t pkt_len, int64_t t_host_ns);
static void on_gap(void *ctx, uint32_t expected, uint32_t got, int64_t t_host_ns);
static void on_clock(void *ctx, uint64_t t_device_us, int64_t t_host_ns, int64_t rtt_ns);
static void on_status(void *ctx, const struct rmat_status *st, int64_t t_host_ns);

static int send_start(struct daemon *d, struct rmat_errinfo *ei)
{
    struct rmat_cmd cmd = {.type = RMAT_PKT_START};

    cmd.rate_hz = d->rate_hz;
    cmd.encoding = (!d->cfg->dense_only && (d->info.encodings & (1u << RMAT_ENC_SPARSE)))
                       ? RMAT_ENC_SPARSE
                       : RMAT_ENC_DENSE;
    rmat_devsess_expect_restart(d->s);
    return rmat_devsess_command_tries(d->s, &cmd, CMD_TIMEOUT_MS, 3, ei);
}

static void rec_event(struct daemon *d, int64_t t_ns, const char *kind, double value,
                      const char *text);
static void rec_close(struct daemon *d, const char *why);

/* A USB mat that is unplugged and plugged back may come back under another
 * name (ttyACM0 -> ttyACM1); its USB serial number stays. Remember it at the
 * first connection... */
static void remember_usb(struct daemon *d)
{
    struct rmat_serial_port_info ports[32];
    char real[4096];
    size_t n = 0;

    if (d->usb_serial[0] || strncmp(d->port, "tcp://", 6) == 0 || !realpath(d->port, real))
        return;
    if (rmat_serial_list(ports, 32, &n, NULL) != RMAT_OK)
        return;
    for (size_t i = 0; i < n && i < 32; i++)
        if (strcmp(ports[i].name, real) == 0 && ports[i].usb_serial[0])
            snprintf(d->usb_serial, sizeof d->usb_serial, "%s", ports[i].usb_serial);
}

/* ...and while it is away, look for that serial number under any name (a
 * sysfs read, no port opened), once per reconnect attempt. */
static void refind_usb(struct daemon *d)
{
    char name[4096];

    if (!d->usb_serial[0] ||
        rmat_serial_find_by_usb_serial(d->usb_serial, name, sizeof name, NULL) != RMAT_OK)
        return;
    if (strcmp(name, d->port) != 0) {
        rmat_logf(d->cfg->log, RMAT_LOG_INFO, "mat (USB serial %s) found again as %s",
                  d->usb_serial, name);
        snprintf(d->port, sizeof d->port, "%s", name);
        d->last_try_ms = 0; /* try it now */
    }
}

static void set_error(struct daemon *d, const char *msg);

/* Finds the mat's calibration again (at connect and at each start, so a
 * file written meanwhile with `rollmat calibrate --mat-dir` is taken) and
 * logs it when it changed: which calibration, none, or why it cannot be
 * used (then recordings are refused: their numbers would be in the wrong
 * units). The observer hears of it either way. */
static void calib_resolve(struct daemon *d)
{
    const struct rmat_daemon_config *cfg = d->cfg;
    struct rmat_calib *c = NULL;
    struct rmat_errinfo ei;
    char desc[RMAT_ERRINFO_MSG];
    int rc, changed;

    rc = rmat_calib_find_for_mat(cfg->calib_file, cfg->calib_dir, d->info.serial, d->info.rows,
                                 d->info.cols, &c, desc, sizeof desc, &ei);
    if (rc != RMAT_OK)
        snprintf(desc, sizeof desc, "the mat's calibration cannot be used: %.440s", ei.msg);
    changed = strcmp(desc, d->calib_desc) != 0;
    rmat_calib_free(d->calib);
    d->calib = c;
    d->calib_bad = rc != RMAT_OK;
    snprintf(d->calib_desc, sizeof d->calib_desc, "%s", desc);
    if (c && c->name[0])
        snprintf(d->calib_label, sizeof d->calib_label, "%s", c->name);
    else
        snprintf(d->calib_label, sizeof d->calib_label, "%s",
                 c              ? "unnamed"
                 : d->calib_bad ? "error"
                                : "none");
    if (changed) {
        if (d->calib_bad)
            set_error(d, desc);
        else
            rmat_logf(cfg->log, c ? RMAT_LOG_INFO : RMAT_LOG_WARN, "%s", desc);
    }
    if (cfg->observer && cfg->observer->on_connect)
        cfg->observer->on_connect(cfg->observer->ctx, &d->info, d->calib);
}

static void backoff(struct daemon *d)
{
    d->retry_ms = d->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : d->retry_ms * 2;
}

/* A try that did not bring the mat back: a debug line, and a longer wait.
 * Only the first failure after the daemon started is worth a warning (a
 * mat not plugged in, a wrong --device): a mat that left said so already. */
static void try_failed(struct daemon *d, const char *why)
{
    if (d->state == MAT_NEVER && !d->said_unreachable) {
        d->said_unreachable = 1;
        rmat_logf(d->cfg->log, RMAT_LOG_WARN,
                  "mat not reachable on %s: %s; trying again in %d s, then less often (up to "
                  "every %d s)",
                  d->cfg->device, why, RETRY_FIRST_MS / 1000, RETRY_MAX_MS / 1000);
    } else {
        rmat_logf(d->cfg->log, RMAT_LOG_DEBUG, "mat still away: %s (next try in %lld s)", why,
                  (long long)(d->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : d->retry_ms * 2) /
                      1000);
    }
    backoff(d);
}

static void link_try(struct daemon *d)
{
    const struct rmat_daemon_config *cfg = d->cfg;
    struct rmat_devsess_handler h = {.ctx = d,
                                     .on_frame = on_frame,
                                     .on_gap = on_gap,
                                     .on_clock = on_clock,
                                     .on_status = on_status};
    struct rmat_errinfo ei;
    struct rmat_info info;
    struct rmat_cmd mode = {.type = RMAT_PKT_SET_MODE, .mode = RMAT_MODE_SENSORS};

    d->last_try_ms = mono_ms();
    if (rmat_transport_open(d->port, cfg->baud, &d->t, &ei) != RMAT_OK ||
        rmat_devsess_new(d->t, &h, cfg->log, &d->s, &ei) != RMAT_OK ||
        rmat_devsess_handshake(d->s, &info, &ei) != RMAT_OK ||
        rmat_devsess_command_tries(d->s, &mode, CMD_TIMEOUT_MS, 3, &ei) != RMAT_OK) {
        link_close(d);
        try_failed(d, ei.msg);
        refind_usb(d);
        return;
    }
    remember_usb(d);
    if (d->cap && info.serial != d->rec_serial) {
        /* Another mat: the recording cannot go on in the same file. */
        rec_close(d, "a different mat came back; recording closed");
    }
    if (d->have_info && (info.rows != d->info.rows || info.cols != d->info.cols) && d->cap)
        rec_close(d, "the mat came back with another grid; recording closed");
    d->info = info;
    d->have_info = 1;
    d->dev_dropped_seen = 0;
    d->link_drops_seen = 0;
    d->mat_stopped = 0;
    d->rate_hz = cfg->rate_hz ? cfg->rate_hz : info.rate_hz;
    d->armed = 0;
    calib_resolve(d);
    if (send_start(d, &ei) != RMAT_OK) {
        char why[RMAT_ERRINFO_MSG + 32];
        snprintf(why, sizeof why, "START refused: %s", ei.msg);
        link_close(d);
        try_failed(d, why);
        return;
    }
    d->armed = 1;
    d->last_data_ms = mono_ms();
    /* Present once frames flow (mat_present()): a mat that answers but
     * does not stream (its scene is over) is still away. */
}

/* The first frame since the link came up: the mat is here. */
static void mat_present(struct daemon *d)
{
    const struct rmat_daemon_config *cfg = d->cfg;

    if (d->state == MAT_NEVER)
        rmat_logf(cfg->log, RMAT_LOG_INFO, "mat '%s' serial %u connected on %s: %ux%u at %u Hz",
                  d->info.model, d->info.serial, cfg->device, d->info.rows, d->info.cols,
                  d->rate_hz);
    else
        rmat_logf(cfg->log, RMAT_LOG_INFO, "mat back after %.1f s: '%s' serial %u on %s",
                  (double)(mono_ms() - d->lost_ms) / 1000.0, d->info.model, d->info.serial,
                  cfg->device);
    d->state = MAT_PRESENT;
    d->retry_ms = RETRY_FIRST_MS;
    d->said_unreachable = 0;
    if (d->cap && d->away_since_ms) {
        /* The time away is said as such; how many frames it cost is not
         * known (the mat restarted its stream), so no gap is made up. */
        const double away_s = (double)(mono_ms() - d->away_since_ms) / 1000.0;
        char text[96];
        snprintf(text, sizeof text, "mat back after %.1f s away", away_s);
        rec_event(d, rmat_host_time_ns(), "reconnect", away_s, text);
        d->away_since_ms = 0;
    }
}

static void link_lost(struct daemon *d, const char *why)
{
    link_close(d);
    d->mat_stopped = 0;
    d->last_try_ms = mono_ms();
    if (d->state != MAT_PRESENT) {
        /* A try that connected but did not stream. */
        try_failed(d, why);
        return;
    }
    d->state = MAT_AWAY;
    d->lost_ms = mono_ms();
    d->retry_ms = RETRY_FIRST_MS;
    rmat_logf(d->cfg->log, RMAT_LOG_WARN,
              "%s: mat lost: %s; trying again in %d s, then less often (up to every %d s)",
              d->cfg->device, why, RETRY_FIRST_MS / 1000, RETRY_MAX_MS / 1000);
    if (d->cap && !d->away_since_ms) {
        d->away_since_ms = mono_ms();
        d->away_since_ns = rmat_host_time_ns();
        rec_event(d, d->away_since_ns, "disconnect", NAN, why);
        rmat_capture_tick(d->cap, NULL);
    }
}

/* The mat has sent nothing for SILENCE_MS: ask it whether it is there. */
static void link_probe(struct daemon *d)
{
    struct rmat_status st;
    struct rmat_errinfo ei;
    const int rc = rmat_devsess_get_status(d->s, &st, PROBE_WAIT_MS, PROBE_TRIES, &ei);

    if (rc == RMAT_OK && st.streaming && !d->mat_stopped) {
        /* It says it streams: a stall it does not know of. Wait on. */
        d->last_data_ms = mono_ms();
        return;
    }
    if (rc == RMAT_OK)
        link_lost(d, "the mat stopped streaming (its STATUS says streaming=0)");
    else if (rc == RMAT_E_CLOSED)
        link_lost(d, ei.msg);
    else
        link_lost(d, "no frames for 2 s and no answer to GET_STATUS (switched off, or the link "
                     "stalled)");
}

/* A serial port that comes back (the mat plugged in again) is tried at
 * once rather than at the end of the wait. */
static void port_watch(struct daemon *d)
{
    struct stat st;
    int seen;

    if (strncmp(d->port, "tcp://", 6) == 0)
        return;
    seen = stat(d->port, &st) == 0;
    if (seen && !d->port_seen)
        d->last_try_ms = 0;
    d->port_seen = seen;
}

/* --- the recording ------------------------------------------------------- */

static void set_error(struct daemon *d, const char *msg)
{
    snprintf(d->last_error, sizeof d->last_error, "%s", msg);
    rmat_logf(d->cfg->log, RMAT_LOG_ERROR, "%s", msg);
}

static void rec_close(struct daemon *d, const char *why)
{
    struct rmat_errinfo ei;
    struct rmat_clock_fit fit;

    if (!d->cap)
        return;
    if (d->s && rmat_devsess_clock_fit(d->s, &fit) == RMAT_OK) {
        char text[RMAT_ERRINFO_MSG];
        rmat_clock_fit_text(&fit, text, sizeof text);
        rmat_capture_event(d->cap, rmat_host_time_ns(), "clock_fit", fit.drift_ppm, text, NULL);
        if (!rmat_clock_fit_describe(&fit, d->info.model, text, sizeof text))
            rmat_logf(d->cfg->log, RMAT_LOG_WARN, "%s: %s", rmat_capture_path(d->cap), text);
    }
    rmat_capture_event(d->cap, rmat_host_time_ns(), "stop", NAN, why, NULL);
    rmat_logf(d->cfg->log, RMAT_LOG_INFO, "%s: %llu frames; %s", rmat_capture_path(d->cap),
              (unsigned long long)rmat_capture_frames(d->cap), why);
    if (rmat_capture_close(d->cap, &ei) != RMAT_OK)
        set_error(d, ei.msg);
    d->cap = NULL;
    d->away_since_ms = 0;
}

/* A write failed (full disk, I/O error): stop recording, keep the file. */
static void rec_failed(struct daemon *d, const struct rmat_errinfo *ei)
{
    set_error(d, ei->msg);
    rec_close(d, ei->code == RMAT_E_NOSPC ? "disk full: recording stopped"
                                          : "write error: recording stopped");
}

static void rec_event(struct daemon *d, int64_t t_ns, const char *kind, double value,
                      const char *text)
{
    struct rmat_errinfo ei;

    if (d->cap && rmat_capture_event(d->cap, t_ns, kind, value, text, &ei) != RMAT_OK)
        rec_failed(d, &ei);
}

static int on_frame(void *ctx, const struct rmat_frame_hdr *hdr, const uint16_t *samples,
                    const uint8_t *pkt, size_t pkt_len, int64_t t_host_ns)
{
    struct daemon *d = ctx;
    const size_t n = (size_t)hdr->rows * hdr->cols;
    uint64_t sum = 0;
    struct rmat_errinfo ei;

    for (size_t i = 0; i < n; i++)
        sum += samples[i];
    d->load_counts = (double)sum;
    d->last_data_ms = mono_ms();
    if (d->state != MAT_PRESENT && d->armed)
        mat_present(d);
    if (d->cfg->observer && d->cfg->observer->on_frame)
        d->cfg->observer->on_frame(d->cfg->observer->ctx, hdr, samples);
    /* Frames still in flight from before the recording's START (its ACK
     * not yet seen) belong to the idle stream, not to the file. */
    if (d->cap && d->armed &&
        rmat_capture_frame(d->cap, hdr, samples, pkt, pkt_len, t_host_ns, &ei) != 0)
        rec_failed(d, &ei);
    return 0;
}

static void on_gap(void *ctx, uint32_t expected, uint32_t got, int64_t t_host_ns)
{
    struct daemon *d = ctx;
    char text[96];

    if (!d->cap)
        return;
    snprintf(text, sizeof text, "seq %u..%u lost on the link", expected, got - 1);
    d->rec_lost += got - expected;
    rec_event(d, t_host_ns, "gap", (double)(got - expected), text);
}

/* The mat's own loss (its buffer was full: the link is too slow for the
 * rate) goes into the recording as it is reported, once a second. */
static void on_status(void *ctx, const struct rmat_status *st, int64_t t_host_ns)
{
    struct daemon *d = ctx;
    char text[96];

    /* The mat ended its stream itself (the loop then treats it as gone;
     * a STATUS before START's ACK speaks of the stream before). */
    if (d->armed && !st->streaming)
        d->mat_stopped = 1;
    if (st->frames_dropped > d->dev_dropped_seen && d->cap && d->armed) {
        const uint32_t n = st->frames_dropped - d->dev_dropped_seen;
        snprintf(text, sizeof text, "%u frames dropped by the mat (link slower than %u Hz)", n,
                 d->rate_hz);
        rec_event(d, t_host_ns, "device_drop", n, text);
    }
    d->dev_dropped_seen = st->frames_dropped;
}

/* Damaged packets the decoder dropped since the last look, as one event. */
static void note_link_drops(struct daemon *d)
{
    const struct rmat_devsess_stats *st;
    uint32_t now;
    char text[160];

    if (!d->s || !d->cap)
        return;
    st = rmat_devsess_stats(d->s);
    now = rmat_decoder_dropped(&st->decoder);
    if (now > d->link_drops_seen) {
        snprintf(text, sizeof text,
                 "%u damaged packets dropped (crc %u, cobs %u, short %u, too long %u, other %u "
                 "in all)",
                 now - d->link_drops_seen, st->decoder.drops[RMAT_DROP_CRC],
                 st->decoder.drops[RMAT_DROP_COBS], st->decoder.drops[RMAT_DROP_SHORT],
                 st->decoder.drops[RMAT_DROP_TOOLONG],
                 st->decoder.drops[RMAT_DROP_VERSION] + st->decoder.drops[RMAT_DROP_TYPE] +
                     st->decoder.drops[RMAT_DROP_MALFORMED]);
        rec_event(d, rmat_host_time_ns(), "link_drop", now - d->link_drops_seen, text);
    }
    d->link_drops_seen = now;
}

static void on_clock(void *ctx, uint64_t t_device_us, int64_t t_host_ns, int64_t rtt_ns)
{
    struct daemon *d = ctx;
    char text[48];

    snprintf(text, sizeof text, "rtt_us=%lld", (long long)(rtt_ns / 1000));
    rec_event(d, t_host_ns, "clock_sync", (double)t_device_us, text);
}

/* Builds DIR/SUBJECT_REGION_SIDE_YYYYMMDD-HHMMSS[-N].h5, the time being the
 * session's started_utc (rmat_iso_datetime_utc()'s form, or now), that
 * exists neither as a recording nor as a journal. */
static int rec_name(const struct daemon *d, const struct rmat_session_meta *m, char *path,
                    size_t cap)
{
    char stem[256], part[3][64], stamp[32];
    const char *src[3] = {m->subject, m->region, m->side};
    const char *u = m->started_utc; /* YYYY-MM-DDTHH:MM:SSZ */

    for (int k = 0; k < 3; k++) {
        size_t j = 0;
        for (const char *p = src[k]; *p && j + 1 < sizeof part[k]; p++)
            part[k][j++] = (isalnum((unsigned char)*p) || *p == '-') ? *p : '-';
        part[k][j] = '\0';
        if (!j)
            snprintf(part[k], sizeof part[k], "%s", k == 0 ? "anon" : k == 1 ? "body" : "none");
    }
    if (strlen(u) < 19)
        return RMAT_E_ARG;
    snprintf(stamp, sizeof stamp, "%.4s%.2s%.2s-%.2s%.2s%.2s", u, u + 5, u + 8, u + 11, u + 14,
             u + 17);
    snprintf(stem, sizeof stem, "%s_%s_%s_%s", part[0], part[1], part[2], stamp);
    for (int n = 1; n < 1000; n++) {
        char journal[4200];
        struct stat st;
        if (n == 1)
            snprintf(path, cap, "%s/%s.h5", d->cfg->recordings_dir, stem);
        else
            snprintf(path, cap, "%s/%s-%d.h5", d->cfg->recordings_dir, stem, n);
        snprintf(journal, sizeof journal, "%s.journal", path);
        if (stat(path, &st) != 0 && stat(journal, &st) != 0)
            return RMAT_OK;
    }
    return RMAT_E_EXISTS;
}

/* --- commands -------------------------------------------------------------- */

/* A number as people write it: [+-]digits[.digits][e[+-]digits], nothing
 * else. strtod alone also takes hex ("0x10" was 16 kg), "inf", "nan" and
 * leading spaces, none of which a person typing a body mass means. */
static int decimal_number(const char *v)
{
    const char *p = v;
    size_t n;

    if (*p == '+' || *p == '-')
        p++;
    n = strspn(p, "0123456789");
    p += n;
    if (*p == '.') {
        size_t m = strspn(p + 1, "0123456789");
        p += 1 + m;
        n += m;
    }
    if (n == 0)
        return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (strspn(p, "0123456789") == 0)
            return 0;
        p += strspn(p, "0123456789");
    }
    return *p == '\0';
}

static int set_meta(struct rmat_session_meta *m, const char *key, const char *v, char *err,
                    size_t cap)
{
    struct {
        const char *key;
        char *dst;
        size_t size;
    } strs[] = {{"subject", m->subject, sizeof m->subject},
                {"session", m->session, sizeof m->session},
                {"region", m->region, sizeof m->region},
                {"side", m->side, sizeof m->side},
                {"roller", m->roller, sizeof m->roller},
                {"mounting", m->mounting, sizeof m->mounting},
                {"operator", m->operator_name, sizeof m->operator_name},
                {"notes", m->notes, sizeof m->notes}};
    char *end, why[200];
    double x, t;

    if (!strcmp(key, "started_utc")) {
        /* For a session entered after the fact: a real date and time, not
         * one to come. The file is named after it. */
        if (rmat_iso_datetime_utc(v, m->started_utc, sizeof m->started_utc, &t, why, sizeof why) !=
            0) {
            snprintf(err, cap, "started_utc: %s", why);
            return -1;
        }
        if (t > (double)time(NULL) + FUTURE_SLACK_S) {
            snprintf(err, cap, "started_utc %s is in the future", m->started_utc);
            return -1;
        }
        return 0;
    }
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        if (strcmp(key, strs[i].key) != 0)
            continue;
        if (strlen(v) >= strs[i].size) {
            snprintf(err, cap, "%s is longer than %zu bytes", key, strs[i].size - 1);
            return -1;
        }
        if (!strcmp(key, "side") && strcmp(v, "left") && strcmp(v, "right") && strcmp(v, "none")) {
            snprintf(err, cap, "side must be left, right or none (got '%s')", v);
            return -1;
        }
        if (!strcmp(key, "mounting") && strcmp(v, "tissue") && strcmp(v, "floor")) {
            snprintf(err, cap, "mounting must be tissue or floor (got '%s')", v);
            return -1;
        }
        memcpy(strs[i].dst, v, strlen(v) + 1);
        return 0;
    }
    if (strcmp(key, "roller_diameter_mm") && strcmp(key, "body_mass_kg")) {
        snprintf(err, cap,
                 "unknown field '%s' (subject, session, region, side, roller, "
                 "roller_diameter_mm, mounting, body_mass_kg, operator, notes, started_utc)",
                 key);
        return -1;
    }
    errno = 0;
    x = strtod(v, &end);
    if (!decimal_number(v) || end == v || *end || errno || !isfinite(x) || x <= 0 || x > 1000) {
        snprintf(err, cap, "%s wants a number from 0 to 1000, got '%s'", key, v);
        return -1;
    }
    if (!strcmp(key, "roller_diameter_mm"))
        m->roller_diameter_mm = x;
    else
        m->body_mass_kg = x;
    return 0;
}

static void cmd_start(struct daemon *d, char **w, int n, char *reply, size_t cap)
{
    struct rmat_session_meta meta;
    struct rmat_device_desc dev;
    struct rmat_errinfo ei;
    char path[4096], err[256];

    if (d->cap) {
        snprintf(reply, cap, "error busy: already recording %s (stop it first)",
                 rmat_capture_path(d->cap));
        return;
    }
    if (!d->s || d->state != MAT_PRESENT) {
        snprintf(reply, cap, "error no mat connected on %s (is it plugged in and on?)",
                 d->cfg->device);
        return;
    }
    rmat_session_meta_init(&meta);
    for (int i = 1; i < n; i++) {
        char *eq = strchr(w[i], '=');
        if (!eq) {
            snprintf(reply, cap, "error '%s' is not key=value", w[i]);
            return;
        }
        *eq = '\0';
        if (set_meta(&meta, w[i], eq + 1, err, sizeof err) != 0) {
            snprintf(reply, cap, "error %s", err);
            return;
        }
    }
    /* A session filed under nobody cannot be found for a report later. */
    if (!meta.subject[0]) {
        snprintf(reply, cap,
                 "error start needs subject=CODE (the patient's code), or subject=anonymous for "
                 "a session without one");
        return;
    }
    calib_resolve(d);
    if (d->calib_bad) {
        snprintf(reply, cap, "error %.1900s (fix it and start again)", d->calib_desc);
        return;
    }
    if (!meta.started_utc[0])
        rmat_utc_now(meta.started_utc, sizeof meta.started_utc);
    if (rec_name(d, &meta, path, sizeof path) != RMAT_OK) {
        snprintf(reply, cap, "error no free file name in %s", d->cfg->recordings_dir);
        return;
    }
    rmat_device_desc_from_info(&dev, &d->info, d->rate_hz);
    if (rmat_capture_open(path, &dev, &meta, d->calib, d->cfg->deflate, &d->cap, &ei) != RMAT_OK) {
        set_error(d, ei.msg);
        snprintf(reply, cap, "error %s", ei.msg);
        return;
    }
    d->rec_started_ms = mono_ms();
    d->rec_lost = 0;
    d->link_drops_seen = rmat_decoder_dropped(&rmat_devsess_stats(d->s)->decoder);
    d->rec_serial = d->info.serial;
    d->last_error[0] = '\0';
    rec_event(d, rmat_host_time_ns(), "start", NAN, "recording started");
    /* START again so the file's seq begins at 0. */
    d->armed = 0;
    if (send_start(d, &ei) != RMAT_OK) {
        snprintf(reply, cap, "error the mat refused START: %s", ei.msg);
        rec_close(d, "the mat refused START");
        return;
    }
    d->armed = 1;
    rmat_logf(d->cfg->log, d->calib ? RMAT_LOG_INFO : RMAT_LOG_WARN, "recording %s (id %s): %s",
              path, rmat_capture_recording_id(d->cap), d->calib_desc);
    snprintf(reply, cap, "ok %.1900s", path);
}

static void cmd_stop(struct daemon *d, char *reply, size_t cap)
{
    char path[4096];
    uint64_t frames, lost;

    if (!d->cap) {
        snprintf(reply, cap, "error not recording");
        return;
    }
    snprintf(path, sizeof path, "%s", rmat_capture_path(d->cap));
    frames = rmat_capture_frames(d->cap);
    lost = d->rec_lost;
    rec_close(d, "recording stopped");
    if (d->last_error[0])
        snprintf(reply, cap, "error %s", d->last_error);
    else
        snprintf(reply, cap, "ok %.1900s frames=%llu lost=%llu", path, (unsigned long long)frames,
                 (unsigned long long)lost);
}

/* The rest of the words, joined by spaces, as event text. */
static void join(char **w, int from, int n, char *out, size_t cap)
{
    out[0] = '\0';
    for (int i = from; i < n; i++) {
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s%s", len ? " " : "", w[i]);
    }
}

static void cmd_event(struct daemon *d, const char *kind, char **w, int n, char *reply, size_t cap)
{
    char text[RMAT_CTL_LINE_MAX], q[RMAT_CTL_LINE_MAX + 8] = "", num[8] = "";
    double value = NAN;
    int from = 1;
    int64_t at_s;

    if (!d->cap) {
        snprintf(reply, cap, "error not recording: start a recording first");
        return;
    }
    if (!strcmp(kind, "pain")) {
        /* A rating on the 0-10 numeric scale is a whole number. */
        const char *r = n >= 2 ? w[1] : "";
        size_t len = strlen(r);
        if (len == 0 || len > 2 || strspn(r, "0123456789") != len || atoi(r) > 10) {
            snprintf(reply, cap, "error pain wants a rating from 0 to 10, a whole number%s%.40s%s",
                     len ? " (got '" : "", r, len ? "')" : "");
            return;
        }
        value = atoi(r);
        snprintf(num, sizeof num, " %d", atoi(r));
        from = 2;
    } else if (n < 2) {
        snprintf(reply, cap, "error %s wants a text", kind);
        return;
    }
    join(w, from, n, text, sizeof text);
    at_s = (mono_ms() - d->rec_started_ms) / 1000;
    rec_event(d, rmat_host_time_ns(), kind, value, text);
    if (!d->cap) {
        snprintf(reply, cap, "error %s", d->last_error);
        return;
    }
    /* Say what was stored and when, so the physio sees it went in. The
     * text is quoted as the protocol quotes (and cut as the file cuts). */
    if (text[0]) {
        char stored[RMAT_EVENT_TEXT_LEN];
        rmat_utf8_copy(stored, sizeof stored, text, strlen(text));
        q[0] = '"';
        {
            size_t k = 1;
            for (const char *p = stored; *p && k + 3 < sizeof q; p++) {
                if (*p == '"' || *p == '\\')
                    q[k++] = '\\';
                q[k++] = *p;
            }
            q[k++] = '"';
            q[k] = '\0';
        }
    }
    snprintf(reply, cap, "ok %s%s at %02lld:%02lld%s%s", kind, num, (long long)(at_s / 60),
             (long long)(at_s % 60), q[0] ? " " : "", q);
}

static void cmd_status(const struct daemon *d, char *reply, size_t cap)
{
    const struct rmat_devsess_stats *st = d->s ? rmat_devsess_stats(d->s) : NULL;
    char q[RMAT_ERRINFO_MSG + 64] = "";
    int n;

    n = snprintf(reply, cap,
                 "ok device=%s connected=%d model=\"%s\" serial=%u rows=%u cols=%u rate_hz=%u "
                 "recording=%d",
                 d->cfg->device, d->s != NULL, d->have_info ? d->info.model : "",
                 d->have_info ? d->info.serial : 0, d->info.rows, d->info.cols, d->rate_hz,
                 d->cap != NULL);
    if (d->cap && n > 0 && (size_t)n < cap)
        n += snprintf(reply + n, cap - (size_t)n,
                      " file=%s duration_s=%.1f frames=%llu lost=%llu away=%d",
                      rmat_capture_path(d->cap), (double)(mono_ms() - d->rec_started_ms) / 1000.0,
                      (unsigned long long)rmat_capture_frames(d->cap),
                      (unsigned long long)d->rec_lost, d->away_since_ms != 0);
    if (st && n > 0 && (size_t)n < cap)
        n += snprintf(reply + n, cap - (size_t)n, " load_counts=%.0f link_drops=%u mat_dropped=%u",
                      d->load_counts, rmat_decoder_dropped(&st->decoder), d->dev_dropped_seen);
    if (d->have_info && n > 0 && (size_t)n < cap) {
        char label[sizeof d->calib_label + 8] = "";
        rmat_ctl_append_word(label, sizeof label, d->calib_label);
        n += snprintf(reply + n, cap - (size_t)n, " calibration=%s", label);
    }
    /* What the program adds (rollmatd: the force in N through the
     * calibration), while there is a mat to speak of. */
    if (st && d->state == MAT_PRESENT && d->cfg->observer && d->cfg->observer->status && n > 0 &&
        (size_t)n < cap) {
        d->cfg->observer->status(d->cfg->observer->ctx, reply + n, cap - (size_t)n);
        n = (int)strlen(reply);
    }
    if (d->last_error[0] && n > 0 && (size_t)n < cap) {
        rmat_ctl_append_word(q, sizeof q, d->last_error);
        snprintf(reply + n, cap - (size_t)n, " last_error=%s", q);
    }
}

static void handle_line(struct daemon *d, char *line, char *reply, size_t cap)
{
    char *w[MAX_WORDS];
    int n = split_words(line, w, MAX_WORDS);

    if (n == -2) {
        snprintf(reply, cap,
                 "error a quote inside a word: quote the whole word, e.g. "
                 "\"notes=two words\"");
        return;
    }
    if (n < 0) {
        snprintf(reply, cap, "error unterminated quote");
        return;
    }
    if (n == 0) {
        snprintf(reply, cap, "error empty command (start, stop, mark, pain, note, status, ping)");
        return;
    }
    if (!strcmp(w[0], "start"))
        cmd_start(d, w, n, reply, cap);
    else if (!strcmp(w[0], "stop"))
        cmd_stop(d, reply, cap);
    else if (!strcmp(w[0], "mark") || !strcmp(w[0], "pain") || !strcmp(w[0], "note"))
        cmd_event(d, w[0], w, n, reply, cap);
    else if (!strcmp(w[0], "status"))
        cmd_status(d, reply, cap);
    else if (!strcmp(w[0], "ping"))
        snprintf(reply, cap, "ok pong");
    else
        snprintf(reply, cap,
                 "error unknown command '%.40s' (start, stop, mark, pain, note, status, ping)",
                 w[0]);
}

/* --- the control socket ------------------------------------------------- */

/* The recordings folder: made if missing (its parent must exist), a
 * folder, and one where a file can be created and removed. */
static int check_recordings_dir(const char *dir, struct rmat_errinfo *ei)
{
    char probe[4200];
    struct stat st;
    int fd;

    if (stat(dir, &st) != 0) {
        if (errno != ENOENT || mkdir(dir, 0775) != 0)
            return rmat_errinfo_set(ei, rmat_err_from_errno(errno), errno,
                                    "cannot make the recordings folder %s: %s", dir,
                                    strerror(errno));
    } else if (!S_ISDIR(st.st_mode)) {
        return rmat_errinfo_set(ei, RMAT_E_EXISTS, ENOTDIR,
                                "the recordings folder %s is a file, not a folder: give --dir a "
                                "folder",
                                dir);
    }
    snprintf(probe, sizeof probe, "%s/.rollmatd-write-test.%ld", dir, (long)getpid());
    fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return rmat_errinfo_set(ei, rmat_err_from_errno(errno), errno,
                                "cannot write in the recordings folder %s: %s", dir,
                                strerror(errno));
    close(fd);
    unlink(probe);
    return RMAT_OK;
}

static int ctl_listen(struct daemon *d, struct rmat_errinfo *ei)
{
    const char *path = d->cfg->socket_path;
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    char dir[sizeof a.sun_path];
    char *slash;
    int fd;

    if (strlen(path) >= sizeof a.sun_path)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "socket path %s is too long", path);
    memcpy(a.sun_path, path, strlen(path) + 1);
    snprintf(dir, sizeof dir, "%s", path);
    slash = strrchr(dir, '/');
    if (slash == dir)
        snprintf(dir, sizeof dir, "/");
    else if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    /* The default folder ($XDG_RUNTIME_DIR/rollmat) is made, in a parent
     * that exists; a folder given with --socket must exist. */
    {
        char def[sizeof a.sun_path + 64];
        rmat_ctl_default_socket(def, sizeof def);
        if (strcmp(def, path) == 0 && slash && slash != dir)
            mkdir(dir, 0770);
    }
    {
        struct stat st;
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
            return rmat_errinfo_set(ei, RMAT_E_NOTFOUND, errno,
                                    "the control socket's folder %s does not exist: make it, or "
                                    "give --socket a path in a folder that does",
                                    dir);
        if (access(dir, W_OK | X_OK) != 0)
            return rmat_errinfo_set(ei, RMAT_E_IO, errno,
                                    "cannot make the control socket in %s: %s (give --socket a "
                                    "path in a folder you may write)",
                                    dir, strerror(errno));
        if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
            return rmat_errinfo_set(ei, RMAT_E_EXISTS, 0,
                                    "%s exists and is not a socket: not replacing it (give "
                                    "--socket another path)",
                                    path);
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return rmat_errinfo_set(ei, RMAT_E_IO, errno, "socket: %s", strerror(errno));
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
        close(fd);
        return rmat_errinfo_set(ei, RMAT_E_BUSY, 0,
                                "another rollmatd already listens on %s (one daemon per mat; "
                                "give this one --socket)",
                                path);
    }
    /* The socket is bound under a temporary name and renamed into place
     * once it listens: a client that sees the path (a test, a script
     * waiting for the daemon, systemd) can connect at once, instead of
     * finding a bound socket not yet listening (ECONNREFUSED). A path too
     * long for the temporary name is bound in place. */
    {
        struct sockaddr_un t = {.sun_family = AF_UNIX};
        const int n = snprintf(t.sun_path, sizeof t.sun_path, "%s.%ld.new", path, (long)getpid());
        const int staged = n > 0 && (size_t)n < sizeof t.sun_path;
        const struct sockaddr_un *at = staged ? &t : &a;
        if (staged)
            unlink(t.sun_path);
        else
            unlink(path); /* a stale socket of a daemon that died */
        if (bind(fd, (const struct sockaddr *)at, sizeof *at) != 0 ||
            chmod(at->sun_path, 0660) != 0 || listen(fd, SOMAXCONN) != 0 ||
            (staged && rename(t.sun_path, path) != 0)) {
            int e = errno;
            close(fd);
            if (staged)
                unlink(t.sun_path);
            return rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "cannot listen on %s: %s", path,
                                    strerror(e));
        }
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    d->lfd = fd;
    return RMAT_OK;
}

static void ctl_send(int fd, const char *reply)
{
    size_t len = strlen(reply);
    char buf[RMAT_CTL_LINE_MAX * 2];

    memcpy(buf, reply, len < sizeof buf - 1 ? len : sizeof buf - 2);
    if (len > sizeof buf - 2)
        len = sizeof buf - 2;
    buf[len++] = '\n';
    /* A client that does not read its replies loses them, not the daemon. */
    if (send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno != EAGAIN)
        return;
}

/* Reading a client: everything that has arrived, not a fixed 512 bytes per
 * pass of the loop (which sleeps 20 ms while frames flow: a 100 kB line
 * took 4 s), but at most CTL_READ_MAX per pass, so a client streaming
 * garbage cannot keep the loop from the mat. */
#define CTL_READ_MAX (256 * 1024)

static void ctl_drop(struct client *c)
{
    close(c->fd);
    c->fd = -1;
}

/* Takes n bytes a client sent: each line ending in them is answered (to
 * c->fd; a reply to a closed or absent fd is lost, not an error). */
static void ctl_take(struct daemon *d, struct client *c, const char *bytes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char ch = bytes[i];
        if (ch == '\n') {
            char reply[RMAT_CTL_LINE_MAX * 2];
            if (c->overlong) {
                snprintf(reply, sizeof reply, "error line longer than %d bytes",
                         RMAT_CTL_LINE_MAX - 1);
            } else if (c->nul) {
                /* A NUL used to end the line where it stood: "ping\0junk"
                 * was taken as "ping". A line with one is not text. */
                snprintf(reply, sizeof reply, "error the line holds a NUL byte");
            } else {
                c->buf[c->len] = '\0';
                if (c->len && c->buf[c->len - 1] == '\r')
                    c->buf[c->len - 1] = '\0';
                handle_line(d, c->buf, reply, sizeof reply);
            }
            if (c->fd >= 0)
                ctl_send(c->fd, reply);
            c->len = 0;
            c->overlong = 0;
            c->nul = 0;
        } else if (c->len + 1 >= sizeof c->buf) {
            c->overlong = 1;
        } else if (!c->overlong) {
            if (ch == '\0')
                c->nul = 1;
            c->buf[c->len++] = ch;
        }
    }
}

static void ctl_read(struct daemon *d, struct client *c)
{
    char tmp[16384];
    size_t total = 0;

    while (c->fd >= 0 && total < CTL_READ_MAX) {
        ssize_t n = recv(c->fd, tmp, sizeof tmp, MSG_DONTWAIT);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n <= 0) {
            ctl_drop(c);
            return;
        }
        total += (size_t)n;
        c->last_ms = mono_ms();
        ctl_take(d, c, tmp, (size_t)n);
    }
}

/* The control protocol without a socket, for the fuzzer
 * (tests/fuzz/fuzz_ctl.c): the bytes go through a connection of a daemon
 * with no mat, as they would arrive; and each line's key=value words go
 * through the session fields' parser, which `start` reaches only with a
 * mat. Returns the number of lines answered. */
int rmat_ctl_fuzz_bytes(const char *bytes, size_t n)
{
    static struct rmat_daemon_config cfg;
    static struct daemon d;
    static struct client c;
    int lines = 0;

    rmat_daemon_config_init(&cfg);
    cfg.device = "tcp://127.0.0.1:1";
    cfg.socket_path = "/nonexistent/rollmatd.sock";
    cfg.recordings_dir = "/nonexistent";
    memset(&d, 0, sizeof d);
    d.cfg = &cfg;
    d.lfd = -1;
    for (int i = 0; i < MAX_CLIENTS; i++)
        d.clients[i].fd = -1;
    memset(&c, 0, sizeof c);
    c.fd = -1;
    ctl_take(&d, &c, bytes, n);
    for (size_t i = 0; i < n; i++)
        lines += bytes[i] == '\n';
    {
        char line[RMAT_CTL_LINE_MAX], *w[MAX_WORDS], err[256];
        const size_t len = n < sizeof line - 1 ? n : sizeof line - 1;
        struct rmat_session_meta m;
        int nw;

        memcpy(line, bytes, len);
        line[len] = '\0';
        line[strcspn(line, "\n")] = '\0';
        nw = split_words(line, w, MAX_WORDS);
        rmat_session_meta_init(&m);
        for (int i = 1; i < nw; i++) {
            char *eq = strchr(w[i], '=');
            if (eq) {
                *eq = '\0';
                (void)set_meta(&m, w[i], eq + 1, err, sizeof err);
            }
        }
    }
    return lines;
}

static pid_t peer_pid(int fd)
{
#ifdef SO_PEERCRED
    struct ucred cr;
    socklen_t len = sizeof cr;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0)
        return cr.pid;
#else
    (void)fd;
#endif
    return 0;
}

/* Takes a new connection into a free slot. A process may hold at most
 * RMAT_CTL_PER_PEER of them; when every slot is taken, the longest idle
 * connection makes room (it has said nothing for longest), so idle
 * connections cannot lock the others out, the next `rollmat ctl` gets in. */
static void ctl_accept(struct daemon *d, int fd)
{
    const pid_t pid = peer_pid(fd);
    int slot = -1, idlest = -1, mine = 0;

    for (int i = 0; i < MAX_CLIENTS; i++) {
        struct client *c = &d->clients[i];
        if (c->fd < 0) {
            if (slot < 0)
                slot = i;
            continue;
        }
        if (pid && c->pid == pid)
            mine++;
        if (idlest < 0 || c->last_ms < d->clients[idlest].last_ms)
            idlest = i;
    }
    if (mine >= RMAT_CTL_PER_PEER) {
        ctl_send(fd, "error too many control connections from this process");
        close(fd);
        return;
    }
    if (slot < 0) {
        ctl_send(d->clients[idlest].fd, "error closed to make room for another client (idle)");
        ctl_drop(&d->clients[idlest]);
        slot = idlest;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    d->clients[slot].fd = fd;
    d->clients[slot].len = 0;
    d->clients[slot].overlong = 0;
    d->clients[slot].nul = 0;
    d->clients[slot].pid = pid;
    d->clients[slot].last_ms = mono_ms();
}

static void ctl_poll(struct daemon *d)
{
    struct pollfd pfd[MAX_CLIENTS + 1];
    int idx[MAX_CLIENTS + 1], n = 0;
    const int64_t now = mono_ms();
    const int64_t idle_ms = (int64_t)(d->cfg->ctl_idle_s * 1000.0);

    /* Connections silent for ctl_idle_s are closed (16 idle ones used to
     * hold every slot for good). */
    for (int i = 0; i < MAX_CLIENTS; i++) {
        struct client *c = &d->clients[i];
        if (c->fd >= 0 && idle_ms > 0 && now - c->last_ms > idle_ms) {
            ctl_send(c->fd, "error idle for too long: closing the connection");
            ctl_drop(c);
        }
    }
    pfd[n].fd = d->lfd;
    pfd[n].events = POLLIN;
    idx[n++] = -1;
    for (int i = 0; i < MAX_CLIENTS; i++) {
        if (d->clients[i].fd >= 0) {
            pfd[n].fd = d->clients[i].fd;
            pfd[n].events = POLLIN;
            idx[n++] = i;
        }
    }
    /* Without a mat there is no link to wait on: wait here instead. */
    if (poll(pfd, (nfds_t)n, d->s ? 0 : 100) <= 0)
        return;
    for (int k = 1; k < n; k++)
        if (pfd[k].revents)
            ctl_read(d, &d->clients[idx[k]]);
    /* A burst of connections is taken in one pass (the backlog holds them
     * meanwhile), up to one round of slots. */
    if (pfd[0].revents & POLLIN) {
        for (int k = 0; k < MAX_CLIENTS * 4; k++) {
            int fd = accept(d->lfd, NULL, NULL);
            if (fd < 0)
                break;
            ctl_accept(d, fd);
        }
    }
}

/* --- the loop ------------------------------------------------------------- */

/* After a read that brought frames, let more arrive before the next one:
 * waking per frame costs more than handling it (at 100 Hz most of the
 * daemon's time went to context switches). 20 ms is two frames at 100 Hz
 * and 20 at 1000 Hz (160 kB of 64x64 dense frames: the TCP link asks for a
 * 1 MiB receive buffer; a 3 Mbaud UART brings 6 kB). Recording needs no
 * lower latency, and commands are answered within it. */
static void coalesce(void)
{
    const struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

/* Recordings a crash left open (of this daemon, killed, or of a power
 * cut): each FILE.h5.journal in the recordings folder that no recorder
 * holds is completed in place (rmat_journal_complete), so the file opens
 * in h5py, h5dump and MATLAB and holds what the journal kept. One log line
 * each; a failure keeps the journal and the daemon starts anyway. */
static void complete_left_open(struct daemon *d)
{
    const char *dir = d->cfg->recordings_dir;
    const size_t sl = strlen(RMAT_JOURNAL_SUFFIX);
    DIR *dh = opendir(dir);
    struct dirent *e;

    if (!dh)
        return;
    while ((e = readdir(dh)) != NULL) {
        const size_t n = strlen(e->d_name);
        struct rmat_complete_result res;
        struct rmat_errinfo cei;
        char path[4096];
        int pn;

        if (n <= sl + 3 || strcmp(e->d_name + n - sl, RMAT_JOURNAL_SUFFIX) != 0 ||
            strncmp(e->d_name + n - sl - 3, ".h5", 3) != 0)
            continue;
        pn = snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (pn < 0 || (size_t)pn >= sizeof path)
            continue;
        if (rmat_journal_complete(path, &res, &cei) != RMAT_OK) {
            if (cei.code != RMAT_E_BUSY)
                rmat_logf(d->cfg->log, RMAT_LOG_WARN,
                          "a recording left open by a crash could not be completed: %s "
                          "(its journal is kept: `rollmat recover %s`)",
                          cei.msg, path);
            continue;
        }
        rmat_logf(
            d->cfg->log, RMAT_LOG_INFO,
            "completed %s, left open by a crash: %llu frames %s; its journal removed", res.path,
            (unsigned long long)(res.replaced ? res.rec.frames : (uint64_t)res.original_frames),
            res.replaced ? "rebuilt from its journal" : "as written (flags cleared)");
    }
    closedir(dh);
}

int rmat_daemon_run(const struct rmat_daemon_config *cfg, struct rmat_errinfo *ei)
{
    struct daemon *d = calloc(1, sizeof *d);
    int rc;

    if (!d)
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "out of memory");
    d->cfg = cfg;
    d->lfd = -1;
    snprintf(d->port, sizeof d->port, "%s", cfg->device);
    for (int i = 0; i < MAX_CLIENTS; i++)
        d->clients[i].fd = -1;
    d->retry_ms = RETRY_FIRST_MS;
    /* Whatever would fail the first recording fails the start, before a
     * patient is on the mat. */
    rc = check_recordings_dir(cfg->recordings_dir, ei);
    if (rc != RMAT_OK) {
        free(d);
        return rc;
    }
    rc = ctl_listen(d, ei);
    if (rc != RMAT_OK) {
        free(d);
        return rc;
    }
    complete_left_open(d);
    rmat_logf(cfg->log, RMAT_LOG_INFO, "listening on %s; recordings go to %s", cfg->socket_path,
              cfg->recordings_dir);
    if (cfg->calib_file)
        rmat_logf(cfg->log, RMAT_LOG_INFO, "calibration for whatever mat connects: %s",
                  cfg->calib_file);
    else if (cfg->calib_dir)
        rmat_logf(cfg->log, RMAT_LOG_INFO, "calibrations of the mats: %s/mat-SERIAL.cal",
                  cfg->calib_dir);
    else
        rmat_logf(cfg->log, RMAT_LOG_WARN, "no calibration: recordings are in raw counts");

    while (!(cfg->stop && *cfg->stop)) {
        const int64_t now = mono_ms();
        struct rmat_errinfo lei;

        if (!d->s) {
            port_watch(d);
            if (now - d->last_try_ms >= d->retry_ms)
                link_try(d);
        }
        if (d->s) {
            int got = rmat_devsess_pump(d->s, PUMP_WAIT_MS, &lei);
            /* Drain what has arrived (a read takes at most 64 kB) before
             * sleeping, or the sleep would cap the rate the link can bring. */
            for (int more = got; more > 0 && d->s;) {
                more = rmat_devsess_pump(d->s, 0, &lei);
                if (more < 0)
                    got = more;
            }
            if (got < 0)
                link_lost(d, lei.msg);
            else if (d->mat_stopped)
                link_lost(d, "the mat stopped streaming (its STATUS says streaming=0)");
            else if (got > 0)
                coalesce();
            else if (mono_ms() - d->last_data_ms > SILENCE_MS)
                link_probe(d);
        }
        if (d->s && mono_ms() - d->last_ping_ms >= PING_EVERY_MS) {
            d->last_ping_ms = mono_ms();
            if (rmat_devsess_ping(d->s, &lei) != RMAT_OK)
                link_lost(d, lei.msg);
        }
        note_link_drops(d);
        if (d->cap && rmat_capture_tick(d->cap, &lei) != RMAT_OK)
            rec_failed(d, &lei);
        if (d->cap && d->away_since_ms &&
            mono_ms() - d->away_since_ms > (int64_t)(cfg->reconnect_wait_s * 1000))
            rec_close(d, "the mat did not come back; recording closed");
        ctl_poll(d);
    }

    rec_close(d, "rollmatd stopped");
    if (d->s) {
        struct rmat_cmd stop = {.type = RMAT_PKT_STOP};
        rmat_devsess_command_tries(d->s, &stop, 500, 3, NULL);
    }
    link_close(d);
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (d->clients[i].fd >= 0)
            close(d->clients[i].fd);
    close(d->lfd);
    unlink(cfg->socket_path);
    rmat_calib_free(d->calib);
    free(d);
    return RMAT_OK;
}

/* --- client ------------------------------------------------------------------ */

int rmat_ctl_request(const char *socket_path, const char *line, char *reply, size_t cap,
                     int timeout_ms, struct rmat_errinfo *ei)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    size_t got = 0, len = strlen(line);
    int fd, rc = RMAT_OK;
    char buf[RMAT_CTL_LINE_MAX + 1];

    if (strlen(socket_path) >= sizeof a.sun_path)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "socket path %s is too long", socket_path);
    if (len + 1 >= sizeof buf)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "command longer than %d bytes",
                                RMAT_CTL_LINE_MAX - 1);
    memcpy(a.sun_path, socket_path, strlen(socket_path) + 1);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return rmat_errinfo_set(ei, RMAT_E_IO, errno, "socket: %s", strerror(errno));
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        rc = rmat_errinfo_set(ei, RMAT_E_NOTFOUND, errno,
                              "no rollmatd at %s (%s): start it (systemctl start rollmatd, or "
                              "rollmatd --device DEV) or give --socket",
                              socket_path, strerror(errno));
        goto out;
    }
    memcpy(buf, line, len);
    buf[len] = '\n';
    if (send(fd, buf, len + 1, MSG_NOSIGNAL) != (ssize_t)(len + 1)) {
        rc = rmat_errinfo_set(ei, RMAT_E_IO, errno, "%s: %s", socket_path, strerror(errno));
        goto out;
    }
    while (got + 1 < cap) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        ssize_t n;
        if (poll(&pfd, 1, timeout_ms) <= 0) {
            rc = rmat_errinfo_set(ei, RMAT_E_TIMEOUT, 0, "rollmatd at %s did not answer",
                                  socket_path);
            goto out;
        }
        n = recv(fd, reply + got, 1, 0);
        if (n <= 0) {
            rc = rmat_errinfo_set(ei, RMAT_E_CLOSED, errno, "rollmatd at %s hung up", socket_path);
            goto out;
        }
        if (reply[got] == '\n')
            break;
        got++;
    }
    reply[got] = '\0';
out:
    close(fd);
    return rc;
}
