/* rollmat record start|stop, rollmat mark, rollmat status: the daemon's
 * client side. Each builds one control line (daemon.h) and prints the
 * reply. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rollmat/daemon.h"

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

/* Sends line; prints "ok ..." replies' rest to stdout, errors to stderr. */
static int request(const char *sock, const char *line)
{
    char reply[RMAT_CTL_LINE_MAX * 2];
    struct rmat_errinfo ei;

    if (rmat_ctl_request(sock, line, reply, sizeof reply, CTL_TIMEOUT_MS, &ei) != RMAT_OK) {
        fprintf(stderr, "rollmat: error: %s\n", ei.msg);
        return 1;
    }
    if (strncmp(reply, "ok", 2) == 0) {
        if (reply[2] == ' ')
            printf("%s\n", reply + 3);
        return 0;
    }
    fprintf(stderr, "rollmat: %s\n", reply);
    return 1;
}

static void usage_start(FILE *f)
{
    fputs(
        "usage: rollmat record start [--subject S] [--region R] [--side left|right|none]\n"
        "         [--session S] [--roller NAME] [--roller-diameter MM] [--mounting tissue|floor]\n"
        "         [--body-mass KG] [--operator NAME] [--notes TEXT] [--socket PATH]\n"
        "       rollmat record stop [--socket PATH]\n\n"
        "Starts or stops a recording on the running rollmatd; start prints the file.\n"
        "(For a recording without the daemon: rollmat record --device DEV -o FILE.h5.)\n",
        f);
}

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
                                         {"socket", required_argument, 0, 's'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    static const char *const keys[128] = {
        ['S'] = "subject",  ['N'] = "session",      ['R'] = "region",
        ['i'] = "side",     ['r'] = "roller",       ['m'] = "roller_diameter_mm",
        ['M'] = "mounting", ['b'] = "body_mass_kg", ['o'] = "operator",
        ['n'] = "notes"};
    char line[RMAT_CTL_LINE_MAX] = "", sock[512], kv[RMAT_CTL_LINE_MAX];
    const char *given = NULL;
    const int is_start = strcmp(argv[0], "start") == 0;
    int opt;

    snprintf(line, sizeof line, "%s", argv[0]);
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (opt == 'h') {
            usage_start(stdout);
            return 0;
        }
        if (opt == 's') {
            given = optarg;
            continue;
        }
        if (opt < 0 || opt >= 128 || !keys[opt] || !is_start) {
            usage_start(stderr);
            return 2;
        }
        snprintf(kv, sizeof kv, "%s=%s", keys[opt], optarg);
        if (rmat_ctl_append_word(line, sizeof line, kv) != RMAT_OK) {
            fprintf(stderr, "rollmat: the session fields are too long\n");
            return 2;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "rollmat record %s: unexpected argument '%s'\n", argv[0], argv[optind]);
        return 2;
    }
    socket_path(given, sock, sizeof sock);
    return request(sock, line);
}

int cli_mark(int argc, char **argv)
{
    static const struct option opts[] = {{"pain", required_argument, 0, 'p'},
                                         {"note", no_argument, 0, 'n'},
                                         {"socket", required_argument, 0, 's'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    char line[RMAT_CTL_LINE_MAX], sock[512];
    const char *given = NULL, *pain = NULL;
    int opt, note = 0;
    double v;

    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (opt) {
        case 'p':
            if (cli_parse_number("--pain", optarg, 0, 10, &v) != 0)
                return 2;
            pain = optarg;
            break;
        case 'n':
            note = 1;
            break;
        case 's':
            given = optarg;
            break;
        case 'h':
            fputs("usage: rollmat mark TEXT | rollmat mark --pain N [TEXT] | "
                  "rollmat mark --note TEXT\n\nAdds a mark, a pain rating (0-10) or a note "
                  "to the running recording.\n",
                  stdout);
            return 0;
        default:
            return 2;
        }
    }
    if (!pain && optind >= argc) {
        fprintf(stderr, "rollmat mark: give a text or --pain N (see --help)\n");
        return 2;
    }
    snprintf(line, sizeof line, "%s", pain ? "pain" : note ? "note" : "mark");
    if (pain)
        rmat_ctl_append_word(line, sizeof line, pain);
    for (int i = optind; i < argc; i++)
        if (rmat_ctl_append_word(line, sizeof line, argv[i]) != RMAT_OK) {
            fprintf(stderr, "rollmat mark: text too long\n");
            return 2;
        }
    socket_path(given, sock, sizeof sock);
    return request(sock, line);
}

int cli_status(int argc, char **argv)
{
    static const struct option opts[] = {
        {"socket", required_argument, 0, 's'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    char sock[512];
    const char *given = NULL;
    int opt;

    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (opt == 's')
            given = optarg;
        else if (opt == 'h') {
            fputs("usage: rollmat status [--socket PATH]\n\nShows the daemon's mat, "
                  "recording, frames, losses and current load.\n",
                  stdout);
            return 0;
        } else
            return 2;
    }
    socket_path(given, sock, sizeof sock);
    return request(sock, "status");
}
