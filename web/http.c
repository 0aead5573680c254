/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The live view's HTTP server (web.h) over libmicrohttpd.
 *
 * One thread per connection (MHD_USE_THREAD_PER_CONNECTION): a stream's
 * content callback may then wait for the next snapshot on a condition
 * variable, and a client that stops reading blocks only its own thread,
 * which libmicrohttpd closes after timeout_s without progress. The
 * producer never waits for any of them: publishing swaps the hub's latest
 * snapshot and broadcasts; each stream, when its socket takes more, sends
 * whatever is latest then and counts the ones it skipped.
 *
 * Nothing here reads a file: paths are looked up in the table of the
 * built-in assets and the API routes, exactly (libmicrohttpd has already
 * percent-decoded them, so /%2e%2e/ is "/../" and matches nothing).
 */
#include "rollmat/web.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rollmat/err.h"
#include "rollmat/json.h"
#include "rollmat/version.h"
#include "web_assets.h"

#define HEADER_MEMORY    (16 * 1024)
#define STREAM_KEEPALIVE 2 /* s: a comment on a quiet stream finds dead peers */
#define THREAD_STACK     (256 * 1024)
#define SEND_BUFFER      (64 * 1024) /* per connection: what a stalled client can hold */
#define TOKEN_MIN        16
#define TOKEN_MAX        128
#define COOKIE_NAME      "rollmat_token"
#define TOKEN_HEADER     "X-Rollmat-Token"

struct rmat_web {
    struct rmat_web_config cfg;
    char token[TOKEN_MAX + 1];
    char address[64];
    int have_token;
    int loopback;
    unsigned port;
    int fd;
    struct MHD_Daemon *d;
    struct rmat_live_hub *hub;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* broadcast at every snapshot */
    int stopping;
    struct rmat_web_stats st;
};

enum { REQ_OTHER, REQ_POST };

struct req {
    int kind;
    size_t len;
    int too_big;
    char body[RMAT_WEB_BODY_MAX + 1];
};

struct stream {
    struct rmat_web *w;
    struct rmat_live_snap *snap; /* being sent */
    uint64_t last_seq;
    size_t off; /* into "data: " TEXT "\n\n" */
    int keepalive;
};

void rmat_web_config_init(struct rmat_web_config *c)
{
    memset(c, 0, sizeof *c);
    c->address = "127.0.0.1";
    c->port = RMAT_WEB_DEFAULT_PORT;
    c->max_connections = 64;
    c->timeout_s = 15;
    c->mode = "live";
}

int rmat_web_is_loopback(const char *address)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, address, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, address, &a6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&a6);
    return 0;
}

int rmat_web_parse_listen(const char *s, char *addr, size_t cap, unsigned *port,
                          struct rmat_errinfo *ei)
{
    const char *colon, *a = s;
    size_t alen;
    char *end;
    long p;

    if (*s == '[') {
        const char *rb = strchr(s, ']');
        if (!rb || rb[1] != ':')
            goto bad;
        a = s + 1;
        alen = (size_t)(rb - a);
        colon = rb + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            goto bad;
        alen = (size_t)(colon - s);
    }
    if (alen == 0 || alen >= cap)
        goto bad;
    memcpy(addr, a, alen);
    addr[alen] = 0;
    {
        unsigned char tmp[16];
        if (inet_pton(AF_INET, addr, tmp) != 1 && inet_pton(AF_INET6, addr, tmp) != 1)
            goto bad;
    }
    errno = 0;
    p = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || *end || errno || p < 0 || p > 65535)
        goto bad;
    *port = (unsigned)p;
    return RMAT_OK;
bad:
    return rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                            "'%s' is not ADDRESS:PORT (an IP address and a port from 0 to "
                            "65535, e.g. 192.0.2.10:8470 or [::1]:8470)",
                            s);
}

int rmat_web_token_new(char *buf, size_t cap, struct rmat_errinfo *ei)
{
    unsigned char r[RMAT_WEB_TOKEN_LEN / 2];
    if (cap < RMAT_WEB_TOKEN_LEN + 1)
        return RMAT_E_SPACE;
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
        return rmat_errinfo_set(ei, RMAT_E_IO, errno, "no random bytes for the token");
    for (size_t i = 0; i < sizeof r; i++)
        snprintf(buf + 2 * i, 3, "%02x", r[i]);
    return RMAT_OK;
}

int rmat_web_token_load(const char *path, char *buf, size_t cap, struct rmat_errinfo *ei)
{
    FILE *f = fopen(path, "r");
    char line[TOKEN_MAX + 3];
    size_t n;

    if (!f)
        return rmat_errinfo_set(ei, errno == ENOENT ? RMAT_E_NOTFOUND : RMAT_E_IO, errno,
                                "%s: cannot read the token file", path);
    if (!fgets(line, sizeof line, f))
        line[0] = 0;
    fclose(f);
    n = strcspn(line, "\r\n");
    line[n] = 0;
    if (n < TOKEN_MIN || n > TOKEN_MAX ||
        strspn(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-") != n)
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                "%s: the first line must be the token: %d to %d characters of "
                                "letters, digits and . _ ~ - (e.g. from `openssl rand -hex 16`)",
                                path, TOKEN_MIN, TOKEN_MAX);
    if (n + 1 > cap)
        return RMAT_E_SPACE;
    memcpy(buf, line, n + 1);
    return RMAT_OK;
}

/* Compares without an early exit, so the time taken does not tell how much
 * of a guess was right. */
static int token_equal(const char *a, const char *b)
{
    const size_t la = strlen(a), lb = strlen(b);
    unsigned char d = la != lb;
    for (size_t i = 0; i < la; i++)
        d |= (unsigned char)(a[i] ^ b[i < lb ? i : 0]);
    return d == 0;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    const struct rmat_web *w = cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\n")] = 0;
    rmat_logf(w->cfg.log, RMAT_LOG_DEBUG, "http: %s", msg);
}

static void wake(void *ctx)
{
    struct rmat_web *w = ctx;
    pthread_mutex_lock(&w->mu);
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static void count(struct rmat_web *w, unsigned status)
{
    pthread_mutex_lock(&w->mu);
    w->st.requests++;
    if (status >= 400)
        w->st.refused++;
    pthread_mutex_unlock(&w->mu);
}

static void common_headers(struct MHD_Response *r)
{
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; connect-src 'self'; "
                            "frame-ancestors 'none'; form-action 'none'");
}

static enum MHD_Result reply(struct rmat_web *w, struct MHD_Connection *c, unsigned status,
                             const char *type, const void *data, size_t len, int copy)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, (void *)data, copy ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret;
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    common_headers(r);
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, "Allow", "GET, HEAD, POST");
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    count(w, status);
    return ret;
}

static enum MHD_Result error(struct rmat_web *w, struct MHD_Connection *c, unsigned status,
                             const char *msg)
{
    char buf[512];
    int n = snprintf(buf, sizeof buf, "{\"ok\":false,\"error\":\"%s\"}\n", msg);
    return reply(w, c, status, "application/json", buf, (size_t)n, 1);
}

/* The Host a loopback server accepts: its own port on a loopback name. */
static int host_ok(const struct rmat_web *w, const char *host)
{
    static const char *const names[] = {"127.0.0.1", "localhost", "[::1]"};
    char want[64];
    if (!w->loopback)
        return 1; /* the token guards it */
    if (!host)
        return 0;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(want, sizeof want, "%s:%u", names[i], w->port);
        if (strcmp(host, want) == 0)
            return 1;
    }
    return 0;
}

static const char *cookie_token(struct MHD_Connection *c)
{
    return MHD_lookup_connection_value(c, MHD_COOKIE_KIND, COOKIE_NAME);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    static const char pre[] = "data: ", post[] = "\n\n", ka[] = ": keepalive\n\n";
    struct stream *s = cls;
    struct rmat_web *w = s->w;
    (void)pos;

    if (s->keepalive) {
        s->keepalive = 0;
        const size_t n = sizeof ka - 1 < max ? sizeof ka - 1 : max;
        memcpy(buf, ka, n);
        return (ssize_t)n;
    }
    if (!s->snap) {
        /* Wait for a snapshot newer than the last sent: whatever is latest
         * when this socket can take more. */
        struct timespec ts;
        pthread_mutex_lock(&w->mu);
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += STREAM_KEEPALIVE;
        while (!w->stopping && rmat_live_hub_seq(w->hub) <= s->last_seq)
            if (pthread_cond_timedwait(&w->cv, &w->mu, &ts) == ETIMEDOUT)
                break;
        const int stopping = w->stopping;
        pthread_mutex_unlock(&w->mu);
        if (stopping)
            return MHD_CONTENT_READER_END_OF_STREAM;
        s->snap = rmat_live_hub_get(w->hub);
        if (!s->snap || s->snap->seq <= s->last_seq) {
            rmat_live_hub_put(w->hub, s->snap);
            s->snap = NULL;
            const size_t n = sizeof ka - 1 < max ? sizeof ka - 1 : max;
            memcpy(buf, ka, n);
            return (ssize_t)n;
        }
        pthread_mutex_lock(&w->mu);
        if (s->last_seq)
            w->st.snapshots_missed += s->snap->seq - s->last_seq - 1;
        w->st.snapshots_sent++;
        pthread_mutex_unlock(&w->mu);
        s->last_seq = s->snap->seq;
        s->off = 0;
    }
    /* Copy from the virtual "data: " TEXT "\n\n". */
    size_t n = 0;
    const size_t lp = sizeof pre - 1, lt = s->snap->len, total = lp + lt + sizeof post - 1;
    while (n < max && s->off < total) {
        const char *src;
        size_t avail;
        if (s->off < lp) {
            src = pre + s->off;
            avail = lp - s->off;
        } else if (s->off < lp + lt) {
            src = s->snap->text + (s->off - lp);
            avail = lp + lt - s->off;
        } else {
            src = post + (s->off - lp - lt);
            avail = total - s->off;
        }
        if (avail > max - n)
            avail = max - n;
        memcpy(buf + n, src, avail);
        n += avail;
        s->off += avail;
    }
    if (s->off == total) {
        rmat_live_hub_put(w->hub, s->snap);
        s->snap = NULL;
    }
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    struct stream *s = cls;
    const uint64_t seq = rmat_live_hub_seq(s->w->hub);
    pthread_mutex_lock(&s->w->mu);
    s->w->st.streams--;
    /* What a client that stalled or left never got is missed too. */
    if (s->last_seq && seq > s->last_seq)
        s->w->st.snapshots_missed += seq - s->last_seq;
    pthread_mutex_unlock(&s->w->mu);
    rmat_live_hub_put(s->w->hub, s->snap);
    free(s);
}

static enum MHD_Result serve_stream(struct rmat_web *w, struct MHD_Connection *c)
{
    struct stream *s = calloc(1, sizeof *s);
    struct MHD_Response *r;
    enum MHD_Result ret;
    if (!s)
        return MHD_NO;
    s->w = w;
    r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, stream_read, s, stream_free);
    if (!r) {
        free(s);
        return MHD_NO;
    }
    pthread_mutex_lock(&w->mu);
    w->st.streams++;
    pthread_mutex_unlock(&w->mu);
    MHD_add_response_header(r, "Content-Type", "text/event-stream");
    common_headers(r);
    ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    count(w, 200);
    return ret;
}

static enum MHD_Result serve_post(struct rmat_web *w, struct MHD_Connection *c, const char *name,
                                  struct req *q)
{
    static const char *const known[] = {"subject", "region",   "side",  "roller",
                                        "session", "operator", "notes", "text",
                                        "n",       "t",        "x"};
    const char *keys[sizeof known / sizeof *known], *values[sizeof known / sizeof *known];
    char nums[sizeof known / sizeof *known][32];
    char out[1200], body[1400];
    struct rmat_json *j = NULL;
    size_t n = 0;
    int rc, len;

    if (!w->cfg.action)
        return error(w, c, MHD_HTTP_NOT_FOUND, "no such action");
    if (q->len > 0 && rmat_json_parse(q->body, q->len, "request", &j, NULL) != RMAT_OK)
        return error(w, c, MHD_HTTP_BAD_REQUEST, "the body is not JSON");
    if (j && rmat_json_type(j) != RMAT_JSON_OBJ) {
        rmat_json_free(j);
        return error(w, c, MHD_HTTP_BAD_REQUEST, "the body is not a JSON object");
    }
    for (size_t k = 0; j && k < sizeof known / sizeof *known; k++) {
        const struct rmat_json *v = rmat_json_at(j, known[k]);
        if (!v)
            continue;
        if (rmat_json_type(v) == RMAT_JSON_STR) {
            values[n] = rmat_json_str(j, known[k]);
        } else if (rmat_json_type(v) == RMAT_JSON_NUM) {
            snprintf(nums[n], sizeof nums[n], "%.17g", rmat_json_num(j, known[k]));
            values[n] = nums[n];
        } else {
            continue;
        }
        keys[n++] = known[k];
    }
    rc = w->cfg.action(w->cfg.ctx, name, keys, values, n, out, sizeof out);
    rmat_json_free(j);
    /* The daemon's own "error ..." reply is a refused action too. */
    const int ok = rc == RMAT_OK && strncmp(out, "error", 5) != 0;
    struct rmat_live_text t = {0};
    rmat_live_text_printf(&t, "{\"ok\":%s,\"reply\":\"", ok ? "true" : "false");
    for (const char *p = out; *p; p++) {
        const unsigned char ch = (unsigned char)*p;
        if (ch == '"' || ch == '\\')
            rmat_live_text_printf(&t, "\\%c", ch);
        else if (ch < 0x20)
            rmat_live_text_printf(&t, "\\u%04x", ch);
        else
            rmat_live_text_printf(&t, "%c", ch);
    }
    rmat_live_text_printf(&t, "\"}\n");
    len = snprintf(body, sizeof body, "%s", t.s ? t.s : "{}");
    rmat_live_text_fini(&t);
    return reply(w, c,
                 ok                 ? MHD_HTTP_OK
                 : rc == RMAT_E_ARG ? MHD_HTTP_BAD_REQUEST
                                    : MHD_HTTP_CONFLICT,
                 "application/json", body, (size_t)(len < (int)sizeof body ? len : 0), 1);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    struct rmat_web *w = cls;
    struct req *q = *con_cls;
    const int is_get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    const int is_post = strcmp(method, "POST") == 0;
    (void)version;

    if (!q) {
        q = calloc(1, sizeof *q);
        if (!q)
            return MHD_NO;
        q->kind = is_post ? REQ_POST : REQ_OTHER;
        *con_cls = q;
        if (is_post)
            return MHD_YES; /* the body comes next */
    }
    if (is_post && *upload_size > 0) {
        if (q->len + *upload_size > RMAT_WEB_BODY_MAX)
            q->too_big = 1;
        else
            memcpy(q->body + q->len, upload, *upload_size);
        if (!q->too_big)
            q->len += *upload_size;
        *upload_size = 0;
        return MHD_YES;
    }
    q->body[q->len] = 0;

    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
    if (!host_ok(w, host))
        return error(w, c, MHD_HTTP_MISDIRECTED_REQUEST,
                     "this server answers to 127.0.0.1, localhost or [::1] at its port only");
    if (w->have_token) {
        const char *given = MHD_lookup_connection_value(c, MHD_HEADER_KIND, TOKEN_HEADER);
        if (!given)
            given = cookie_token(c);
        if (!given && is_get && strcmp(url, "/") == 0) {
            const char *qt = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
            if (qt && token_equal(qt, w->token)) {
                /* The first visit: the token becomes a cookie, the address
                 * bar loses it. */
                char cookie[TOKEN_MAX + 64];
                struct MHD_Response *r =
                    MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
                enum MHD_Result ret;
                if (!r)
                    return MHD_NO;
                snprintf(cookie, sizeof cookie, "%s=%s; HttpOnly; SameSite=Strict; Path=/",
                         COOKIE_NAME, w->token);
                MHD_add_response_header(r, "Set-Cookie", cookie);
                MHD_add_response_header(r, "Location", "/");
                common_headers(r);
                ret = MHD_queue_response(c, MHD_HTTP_SEE_OTHER, r);
                MHD_destroy_response(r);
                count(w, 303);
                return ret;
            }
        }
        if (!given || !token_equal(given, w->token))
            return error(w, c, MHD_HTTP_FORBIDDEN,
                         "a token is needed: open the address rollmatd printed "
                         "(http://HOST:PORT/?token=...)");
    }
    if (q->too_big)
        return error(w, c, MHD_HTTP_CONTENT_TOO_LARGE, "the request body is over 4096 bytes");
    if (!is_get && !is_post)
        return error(w, c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET or POST only");

    if (is_post) {
        if (strncmp(url, "/api/", 5) != 0 || !url[5] || strchr(url + 5, '/'))
            return error(w, c, MHD_HTTP_NOT_FOUND, "no such action");
        /* Same origin: the page's own fetch carries Origin http://HOST. */
        const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
        char want[300];
        snprintf(want, sizeof want, "http://%s", host ? host : "");
        if (!origin || !host || strcmp(origin, want) != 0)
            return error(w, c, MHD_HTTP_FORBIDDEN,
                         "actions come from the page itself (Origin must be this server)");
        return serve_post(w, c, url + 5, q);
    }

    const struct rmat_web_asset *a =
        rmat_web_asset_find(strcmp(url, "/") == 0 ? "/index.html" : url);
    if (a)
        return reply(w, c, MHD_HTTP_OK, a->type, a->data, a->len, 0);
    if (strcmp(url, "/api/stream") == 0)
        return serve_stream(w, c);
    if (strcmp(url, "/api/snapshot") == 0) {
        struct rmat_live_snap *s = rmat_live_hub_get(w->hub);
        enum MHD_Result ret;
        if (!s)
            return reply(w, c, MHD_HTTP_OK, "application/json", "{\"configured\":false}", 20, 0);
        ret = reply(w, c, MHD_HTTP_OK, "application/json", s->text, s->len, 1);
        rmat_live_hub_put(w->hub, s);
        return ret;
    }
    if (strcmp(url, "/api/info") == 0) {
        char buf[256];
        int n = snprintf(buf, sizeof buf,
                         "{\"mode\":\"%s\",\"version\":\"%s\",\"token_required\":%s}\n",
                         w->cfg.mode, RMAT_VERSION, w->have_token ? "true" : "false");
        return reply(w, c, MHD_HTTP_OK, "application/json", buf, (size_t)n, 1);
    }
    if (strncmp(url, "/api/", 5) == 0 && w->cfg.get && !strchr(url + 5, '/')) {
        char *j = w->cfg.get(w->cfg.ctx, url + 5);
        if (j) {
            enum MHD_Result ret = reply(w, c, MHD_HTTP_OK, "application/json", j, strlen(j), 1);
            free(j);
            return ret;
        }
    }
    if (strncmp(url, "/api/", 5) == 0 && w->cfg.action && url[5] && !strchr(url + 5, '/'))
        return error(w, c, MHD_HTTP_METHOD_NOT_ALLOWED, "actions are POST only");
    return error(w, c, MHD_HTTP_NOT_FOUND, "no such page");
}

/* libmicrohttpd's own unescaping, except that a path with an encoded NUL
 * stays undecoded (so it matches nothing): "/index.html%00.js" must not
 * become "/index.html". */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    if (strstr(s, "%00"))
        return strlen(s);
    return MHD_http_unescape(s);
}

/* A connection's kernel send buffer is kept small: a client that stops
 * reading holds at most this much, and its stream stalls (and is timed
 * out) in seconds instead of swallowing megabytes first. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct rmat_web *w = cls;
    (void)socket_context;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        const int sz = SEND_BUFFER;
        if (ci)
            setsockopt(ci->connect_fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    }
    pthread_mutex_lock(&w->mu);
    if (toe == MHD_CONNECTION_NOTIFY_STARTED)
        w->st.connections++;
    else if (w->st.connections > 0)
        w->st.connections--;
    pthread_mutex_unlock(&w->mu);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    free(*con_cls);
    *con_cls = NULL;
}

int rmat_web_start(const struct rmat_web_config *cfg, struct rmat_live_hub *hub,
                   struct rmat_web **out, struct rmat_errinfo *ei)
{
    struct rmat_web *w;
    struct sockaddr_storage ss;
    socklen_t sl;
    int v6 = 0, one = 1;

    *out = NULL;
    memset(&ss, 0, sizeof ss);
    if (inet_pton(AF_INET, cfg->address, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
        ((struct sockaddr_in *)&ss)->sin_family = AF_INET;
        ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)cfg->port);
        sl = sizeof(struct sockaddr_in);
    } else if (inet_pton(AF_INET6, cfg->address, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
        ((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
        ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)cfg->port);
        sl = sizeof(struct sockaddr_in6);
        v6 = 1;
    } else {
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "'%s' is not an IP address to listen on",
                                cfg->address);
    }
    if (!rmat_web_is_loopback(cfg->address) && !(cfg->token && *cfg->token))
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                                "listening on %s (beyond this machine) needs a token: rollmatd "
                                "makes one, or give --http-token-file FILE",
                                cfg->address);
    if (cfg->token && strlen(cfg->token) > TOKEN_MAX)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "the token is over %d characters", TOKEN_MAX);
    w = calloc(1, sizeof *w);
    if (!w)
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "out of memory for the web server");
    w->cfg = *cfg;
    snprintf(w->address, sizeof w->address, "%s", cfg->address);
    w->cfg.address = w->address;
    w->hub = hub;
    w->loopback = rmat_web_is_loopback(cfg->address);
    if (cfg->token && *cfg->token) {
        snprintf(w->token, sizeof w->token, "%s", cfg->token);
        w->have_token = 1;
    }
    w->cfg.token = NULL;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->fd = -1;
    w->fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (w->fd < 0) {
        const int e = errno;
        rmat_web_stop(w);
        return rmat_errinfo_set(ei, RMAT_E_IO, e, "cannot make a socket for the web server");
    }
    setsockopt(w->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(w->fd, (struct sockaddr *)&ss, sl) != 0 || listen(w->fd, 64) != 0) {
        const int e = errno;
        rmat_web_stop(w);
        return rmat_errinfo_set(ei, e == EADDRINUSE ? RMAT_E_BUSY : RMAT_E_IO, e,
                                "cannot listen on %s port %u: %s%s", cfg->address, cfg->port,
                                strerror(e),
                                e == EADDRINUSE ? " (another program has it: give another "
                                                  "port with --http PORT)"
                                                : "");
    }
    sl = sizeof ss;
    getsockname(w->fd, (struct sockaddr *)&ss, &sl);
    w->port =
        ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port : ((struct sockaddr_in *)&ss)->sin_port);
    rmat_live_hub_listen(hub, wake, w);
    w->d = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
            (v6 ? MHD_USE_IPv6 : 0),
        0, NULL, NULL, handle, w, MHD_OPTION_LISTEN_SOCKET, w->fd, MHD_OPTION_CONNECTION_LIMIT,
        cfg->max_connections, MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HEADER_MEMORY,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, w->loopback ? 0u : 16u, MHD_OPTION_THREAD_STACK_SIZE,
        (size_t)THREAD_STACK, MHD_OPTION_NOTIFY_COMPLETED, completed, w,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape, w, MHD_OPTION_NOTIFY_CONNECTION, on_connection, w,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, w, MHD_OPTION_END);
    if (!w->d) {
        rmat_web_stop(w);
        return rmat_errinfo_set(ei, RMAT_E_IO, 0, "the web server (libmicrohttpd) did not start");
    }
    w->fd = -1; /* libmicrohttpd's now: it closes it when it stops */
    *out = w;
    return RMAT_OK;
}

unsigned rmat_web_port(const struct rmat_web *w)
{
    return w->port;
}

void rmat_web_url(const struct rmat_web *w, int with_token, char *buf, size_t cap)
{
    const int v6 = strchr(w->cfg.address, ':') != NULL;
    snprintf(buf, cap, "http://%s%s%s:%u/%s%s", v6 ? "[" : "", w->cfg.address, v6 ? "]" : "",
             w->port, with_token && w->have_token ? "?token=" : "",
             with_token && w->have_token ? w->token : "");
}

void rmat_web_stats(struct rmat_web *w, struct rmat_web_stats *out)
{
    pthread_mutex_lock(&w->mu);
    *out = w->st;
    pthread_mutex_unlock(&w->mu);
}

void rmat_web_stop(struct rmat_web *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    if (w->d)
        MHD_stop_daemon(w->d);
    if (w->hub)
        rmat_live_hub_listen(w->hub, NULL, NULL);
    if (w->fd >= 0)
        close(w->fd);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}
