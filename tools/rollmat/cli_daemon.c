/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat record start|stop, rollmat mark, rollmat status: the daemon's
 * client side. Each builds one control line (daemon.h) and prints the
 * reply. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rollmat/daemon.h"
#include "rollmat/dates.h"

#define CTL_TIMEOUT_MS 10000

static void socket_path(const char *given, char *buf, size_t cap)
{
    const char *env = getenv("ROLLMAT_SOCKET");

    if (given)
        snprintf(buf, cap, "%s", given);
    else if (env && *env)
        snprintf(buf, cap, "%s", env);
    else
        rmat_ctl_default_socket(buf, cap);
}

/* Sends line; *reply gets the reply's text after "ok" on success. An error
 * reply or no daemon is said as the subcommand's error (CLI_FAIL). */
static int request(const struct cli *c, const char *sock, const char *line, char *reply, size_t cap)
{
    struct rmat_errinfo ei;
    char *text;

    int rc = rmat_ctl_request(sock, line, reply, cap, CTL_TIMEOUT_MS, &ei);
    if (rc != RMAT_OK)
        return cli_fail_ei(c, rc, &ei);
    if (strncmp(reply, "ok", 2) == 0 && (reply[2] == ' ' || reply[2] == '\0')) {
        text = reply[2] ? reply + 3 : reply + 2;
        memmove(reply, text, strlen(text) + 1);
        return CLI_OK;
    }
    text = strncmp(reply, "error ", 6) == 0 ? reply + 6 : reply;
    return cli_fail(c, "%s", text);
}

static const char usage_start_text[] =
    "usage: rollmat record start --subject S [--region R] [--side left|right|none]\n"
    "         [--session S] [--roller NAME] [--roller-diameter MM] [--mounting tissue|floor]\n"
    "         [--body-mass KG] [--operator NAME] [--notes TEXT] [--started-utc ISO]\n"
    "         [--socket PATH]\n"
    "       rollmat record stop [--socket PATH]\n\n"
    "Starts or stops a recording on the running rollmatd; start prints the file's\n"
    "name, stop its name, frames and losses. A session needs a subject: give\n"
    "--subject anonymous to record one without.\n\n"
    "  --started-utc ISO   when the session took place, for entering a past\n"
    "                      session (default: now), e.g. 2026-03-02T09:30:00Z\n"
    "  --socket PATH       the daemon's control socket (default: $ROLLMAT_SOCKET,\n"
    "                      else $XDG_RUNTIME_DIR/rollmat/rollmatd.sock or\n"
    "                      /run/rollmat/rollmatd.sock)\n\n"
    "(For a recording without the daemon: rollmat record --device DEV -o FILE.h5.)\n\n"
    "Exit status: 0 done, 1 failed (no daemon, busy, not recording), 2 wrong usage.\n\n"
    "Example:\n"
    "  rollmat record start --subject P012 --region quadriceps --side left \\\n"
    "      --roller foam-firm --roller-diameter 150 --mounting tissue --body-mass 72\n"
    "  rollmat record stop\n";

int cli_daemon_record(int argc, char **argv)
{
    static const struct option opts[] = {{"subject", required_argument, 0, 'S'},
                                         {"session", required_argument, 0, 'N'},
                                         {"region", required_argument, 0, 'R'},
                                         {"side", required_argument, 0, 'i'},
                                         {"roller", required_argument, 0, 'r'},
                                         {"roller-diameter", required_argument, 0, 'm'},
                                         {"mounting", required_argument, 0, 'M'},
                                         {"body-mass", required_argument, 0, 'b'},
                                         {"operator", required_argument, 0, 'o'},
                                         {"notes", required_argument, 0, 'n'},
                                         {"started-utc", required_argument, 0, 'u'},
                                         {"socket", required_argument, 0, 's'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    static const char *const keys[128] = {
        ['S'] = "subject",  ['N'] = "session",      ['R'] = "region",
        ['i'] = "side",     ['r'] = "roller",       ['m'] = "roller_diameter_mm",
        ['M'] = "mounting", ['b'] = "body_mass_kg", ['o'] = "operator",
        ['n'] = "notes",    ['u'] = "started_utc"};
    static const char *const sides[] = {"left", "right", "none", NULL};
    static const char *const mountings[] = {"tissue", "floor", NULL};
    char line[RMAT_CTL_LINE_MAX] = "", sock[512], kv[RMAT_CTL_LINE_MAX];
    char reply[RMAT_CTL_LINE_MAX * 2];
    const char *given = NULL;
    const int is_start = strcmp(argv[0], "start") == 0;
    int opt, have_subject = 0, rc;
    double v;
    struct cli c;

    cli_init(&c, is_start ? "record start" : "record stop");
    cli_getopt_quiet();
    snprintf(line, sizeof line, "%s", argv[0]);
    while ((opt = getopt_long(argc, argv, CLI_GETOPT("h"), opts, NULL)) != -1) {
        if (opt == 'h') {
            fputs(usage_start_text, stdout);
            return CLI_OK;
        }
        if (opt == 's') {
            given = optarg;
            continue;
        }
        if (opt == '?' || opt == ':')
            return cli_bad_option(&c, opt, argv);
        if (opt < 0 || opt >= 128 || !keys[opt] || !is_start)
            return cli_usage(&c, "%s takes no session fields", c.cmd);
        if ((opt == 'i' && cli_one_of(&c, "--side", optarg, sides) != 0) ||
            (opt == 'M' && cli_one_of(&c, "--mounting", optarg, mountings) != 0) ||
            (opt == 'm' && cli_parse_number(&c, "--roller-diameter", optarg, 1, 1000, &v) != 0) ||
            (opt == 'b' && cli_parse_number(&c, "--body-mass", optarg, 1, 500, &v) != 0))
            return CLI_USAGE;
        if (opt == 'u') {
            /* Said here, before the daemon is asked (it checks too). */
            char iso[32], why[200];
            if (rmat_iso_datetime_utc(optarg, iso, sizeof iso, NULL, why, sizeof why) != 0)
                return cli_usage(&c, "--started-utc %s", why);
        }
        if (opt == 'S') {
            if (!optarg[0])
                return cli_usage(&c, "--subject is empty (give --subject anonymous to record "
                                     "without one)");
            have_subject = 1;
        }
        snprintf(kv, sizeof kv, "%s=%s", keys[opt], optarg);
        if (rmat_ctl_append_word(line, sizeof line, kv) != RMAT_OK)
            return cli_usage(&c, "the session fields are longer than the daemon takes (%d bytes)",
                             RMAT_CTL_LINE_MAX);
    }
    if (optind != argc)
        return cli_usage(&c, "unexpected argument '%s'", argv[optind]);
    /* A session filed under nobody cannot be found for a report later. */
    if (is_start && !have_subject)
        return cli_usage(&c, "need --subject (the patient's code), or --subject anonymous for "
                             "a session without one");
    socket_path(given, sock, sizeof sock);
    rc = request(&c, sock, line, reply, sizeof reply);
    if (rc == CLI_OK)
        printf("%s\n", reply);
    return rc;
}

int cli_mark(int argc, char **argv)
{
    static const struct option opts[] = {{"pain", required_argument, 0, 'p'},
                                         {"note", no_argument, 0, 'n'},
                                         {"socket", required_argument, 0, 's'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    char line[RMAT_CTL_LINE_MAX], sock[512], reply[RMAT_CTL_LINE_MAX * 2], num[24];
    const char *given = NULL;
    int opt, note = 0, rc;
    long pain = -1;
    struct cli c;

    cli_init(&c, "mark");
    cli_getopt_quiet();
    while ((opt = getopt_long(argc, argv, CLI_GETOPT("h"), opts, NULL)) != -1) {
        switch (opt) {
        case 'p':
            /* A rating on the 0-10 numeric scale is a whole number. */
            if (cli_parse_int(&c, "--pain", optarg, 0, 10, &pain) != 0)
                return CLI_USAGE;
            break;
        case 'n':
            note = 1;
            break;
        case 's':
            given = optarg;
            break;
        case 'h':
            fputs("usage: rollmat mark TEXT | rollmat mark --pain N [TEXT] | "
                  "rollmat mark --note TEXT\n\n"
                  "Adds a mark, a pain rating (a whole number from 0, no pain, to 10, the\n"
                  "worst imaginable) or a note to the daemon's running recording, and says\n"
                  "what it stored and when.\n\n"
                  "  --socket PATH   the daemon's control socket (see rollmat record start)\n\n"
                  "Exit status: 0 stored, 1 failed (no daemon, not recording), 2 wrong usage.\n\n"
                  "Example:\n"
                  "  rollmat mark \"tender spot, mid thigh\"\n"
                  "  rollmat mark --pain 6\n",
                  stdout);
            return CLI_OK;
        default:
            return cli_bad_option(&c, opt, argv);
        }
    }
    if (pain < 0 && optind >= argc)
        return cli_usage(&c, "give a text, or --pain N");
    if (pain >= 0 && note)
        return cli_usage(&c, "--pain and --note do not go together");
    snprintf(line, sizeof line, "%s", pain >= 0 ? "pain" : note ? "note" : "mark");
    if (pain >= 0) {
        snprintf(num, sizeof num, "%ld", pain);
        rmat_ctl_append_word(line, sizeof line, num);
    }
    for (int i = optind; i < argc; i++)
        if (rmat_ctl_append_word(line, sizeof line, argv[i]) != RMAT_OK)
            return cli_usage(&c, "the text is longer than the daemon takes (%d bytes)",
                             RMAT_CTL_LINE_MAX);
    socket_path(given, sock, sizeof sock);
    rc = request(&c, sock, line, reply, sizeof reply);
    if (rc == CLI_OK)
        printf("%s\n", reply[0] ? reply : "stored");
    return rc;
}

/* The value of key in a reply of key=value words (values may be quoted), or
 * NULL; copied into buf. */
static const char *reply_value(const char *reply, const char *key, char *buf, size_t cap)
{
    const size_t klen = strlen(key);
    const char *p = reply;

    while ((p = strstr(p, key)) != NULL) {
        if ((p == reply || p[-1] == ' ') && p[klen] == '=') {
            const char *v = p + klen + 1;
            size_t n = 0;
            if (*v == '"') {
                v++;
                while (v[n] && v[n] != '"' && n + 1 < cap)
                    n++;
            } else {
                while (v[n] && v[n] != ' ' && n + 1 < cap)
                    n++;
            }
            memcpy(buf, v, n);
            buf[n] = '\0';
            return buf;
        }
        p += klen;
    }
    return NULL;
}

/* The daemon's status as lines a person reads at a glance; --raw keeps
 * the key=value words for scripts. */
static void print_status(const char *reply)
{
    char v[512], w[512];
    const int connected = reply_value(reply, "connected", v, sizeof v) && !strcmp(v, "1");
    const int recording = reply_value(reply, "recording", v, sizeof v) && !strcmp(v, "1");

    printf("mat:        %s", connected ? "connected" : "not connected");
    if (reply_value(reply, "model", v, sizeof v) && v[0])
        printf(", %s", v);
    if (reply_value(reply, "serial", v, sizeof v))
        printf(" (serial %s)", v);
    if (reply_value(reply, "device", v, sizeof v))
        printf(" on %s", v);
    putchar('\n');
    if (!recording) {
        printf("state:      idle (not recording)\n");
    } else {
        double s = reply_value(reply, "duration_s", v, sizeof v) ? atof(v) : 0;
        printf("state:      recording %02d:%02d\n", (int)(s / 60), (int)s % 60);
        if (reply_value(reply, "file", v, sizeof v))
            printf("file:       %s\n", v);
        printf("frames:     %s", reply_value(reply, "frames", v, sizeof v) ? v : "0");
        printf(", lost %s\n", reply_value(reply, "lost", w, sizeof w) ? w : "0");
    }
    if (reply_value(reply, "force_n", v, sizeof v))
        printf("load:       %s N\n", v);
    else if (reply_value(reply, "load_counts", v, sizeof v))
        printf("load:       %s counts (no calibration for this mat)\n", v);
    if (reply_value(reply, "calibration", v, sizeof v))
        printf("calibration: %s\n", !strcmp(v, "none")    ? "none: recordings are in raw counts"
                                    : !strcmp(v, "error") ? "cannot be used (see last error)"
                                                          : v);
    if (reply_value(reply, "last_error", v, sizeof v) && v[0])
        printf("last error: %s\n", v);
}

int cli_status(int argc, char **argv)
{
    static const struct option opts[] = {{"socket", required_argument, 0, 's'},
                                         {"raw", no_argument, 0, 'r'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    char sock[512], reply[RMAT_CTL_LINE_MAX * 2];
    const char *given = NULL;
    int opt, raw = 0, rc;
    struct cli c;

    cli_init(&c, "status");
    cli_getopt_quiet();
    while ((opt = getopt_long(argc, argv, CLI_GETOPT("h"), opts, NULL)) != -1) {
        if (opt == 's') {
            given = optarg;
        } else if (opt == 'r') {
            raw = 1;
        } else if (opt == 'h') {
            fputs("usage: rollmat status [--raw] [--socket PATH]\n\n"
                  "Shows the daemon's mat, whether it records (file, time, frames, losses)\n"
                  "and the load on the mat now (N with a calibration, else counts).\n\n"
                  "  --raw           the daemon's key=value reply as it is, for scripts\n"
                  "  --socket PATH   the daemon's control socket (see rollmat record start)\n\n"
                  "Exit status: 0 done, 1 no daemon, 2 wrong usage.\n\n"
                  "Example:\n"
                  "  rollmat status\n",
                  stdout);
            return CLI_OK;
        } else {
            return cli_bad_option(&c, opt, argv);
        }
    }
    if (optind != argc)
        return cli_usage(&c, "unexpected argument '%s'", argv[optind]);
    socket_path(given, sock, sizeof sock);
    rc = request(&c, sock, "status", reply, sizeof reply);
    if (rc != CLI_OK)
        return rc;
    if (raw)
        printf("%s\n", reply);
    else
        print_status(reply);
    return CLI_OK;
}
