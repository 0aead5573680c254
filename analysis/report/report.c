/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PDF reports (report.h): pages drawn by gnuplot's pdfcairo terminal from
 * scripts written here, joined by pdfunite.
 *
 * A text page is one multiplot "plot" of nothing with every line of text
 * a label at a screen position: gnuplot has no flowing text, so lines are
 * wrapped here (by characters, for the proportional sans font at 8 points
 * an A4 line holds about 120) and placed top down.
 */
#include "rollmat/report.h"
#include "rollmat/version.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "figures_int.h"
#include "rollmat/numfmt.h"
#include "rollmat/gnuplot.h"
#include "rollmat/units.h"

/* --- the session report ---------------------------------------------------- */

static int write_summary_table(const struct rmat_session_view *v, const char *dir,
                               struct rmat_errinfo *ei)
{
    char path[RMAT_PATH_BUF];
    FILE *f;
    int rc = rmat_out_open(dir, "report_summary.csv", &f, path, ei);
    if (rc != RMAT_OK)
        return rc;
    fputs("key,label,value,unit,display\n", f);
    for (size_t i = 0; i < rmat_summary_nrows; i++) {
        const struct rmat_summary_row *r = &rmat_summary_rows[i];
        const char *key = rmat_units_name(r->key, v->calibrated);
        const double val = rmat_summary_num(v->summary, v->calibrated, r->key);
        char num[RMAT_FMT_BUF], disp[96];
        const char *unit = rmat_summary_row_unit(r, v->calibrated);
        /* what cannot be known without a calibration is left out */
        if (!rmat_summary_row_shown(r, v->calibrated))
            continue;
        rmat_summary_row_display(r, val, v->calibrated, disp, sizeof disp);
        fprintf(f, "%s,", key);
        rmat_csv_put(f, r->label[0] == ' ' ? r->label + 2 : r->label);
        fputc(',', f);
        if (isfinite(val)) {
            rmat_fmt_sig(num, val, 10);
            fputs(num, f);
        }
        fputc(',', f);
        rmat_csv_put(f, unit);
        fputc(',', f);
        rmat_csv_put(f, disp);
        fputc('\n', f);
    }
    return rmat_out_close(f, path, ei);
}

/* One sentence on a tissue quantity. */
static void tissue_sentence(char *buf, size_t cap, const struct rmat_tissue_line *tl,
                            const char *name, const char *up, const char *down,
                            const char *meaning_up, const char *meaning_down)
{
    char a[RMAT_FMT_BUF], b[RMAT_FMT_BUF], c[RMAT_FMT_BUF];
    const double pc = tl->span_change_pct, lo = tl->span_change_lo, hi = tl->span_change_hi;
    if (!isfinite(pc) || !isfinite(lo) || !isfinite(hi)) {
        snprintf(buf, cap, "%s: too few passes to tell a change.", name);
        return;
    }
    rmat_show(a, fabs(pc), 2);
    rmat_show(b, lo, 2);
    rmat_show(c, hi, 2);
    if (lo > 0)
        snprintf(buf, cap, "%s %s %s%% over the session (95%% CI %s to %s%%)%s.", name, up, a, b, c,
                 meaning_up);
    else if (hi < 0)
        snprintf(buf, cap, "%s %s %s%% over the session (95%% CI %s to %s%%)%s.", name, down, a, b,
                 c, meaning_down);
    else
        snprintf(buf, cap,
                 "%s did not change clearly over the session (%s%s%%, 95%% CI %s to %s%%).", name,
                 pc >= 0 ? "+" : "-", a, b, c);
}

static void page_one(struct rmat_page *p, const struct rmat_session_view *v)
{
    const struct rmat_json *s = v->summary;
    char a[96], b[96], num[RMAT_FMT_BUF], num2[RMAT_FMT_BUF];
    const double diam = rmat_json_num(s, "session.roller_diameter_mm");
    const double mass = rmat_json_num(s, "session.body_mass_kg");
    const char *op = rmat_json_str(s, "session.operator");
    const char *notes = rmat_json_str(s, "session.notes");
    const char *sess = rmat_json_str(s, "session.session");
    static const double cols[] = {0.09, 0.56};

    rmat_page_text(p, 0.08, p->y - 0.01, "',16'", "left", "#000000", "Foam-rolling session report");
    p->y -= 0.045;

    rmat_page_heading(p, "Who, what, when");
    {
        char rows[4][2][200];
        const char *mount =
            !strcmp(v->mounting, "tissue")  ? "between roller and body (pressure on the tissue)"
            : !strcmp(v->mounting, "floor") ? "between roller and floor (load on the roller)"
                                            : "mounting not given";
        if (isfinite(diam))
            snprintf(a, sizeof a, ", %s mm across", rmat_show(num, diam, 3));
        else
            a[0] = '\0';
        snprintf(rows[0][0], sizeof rows[0][0], "Subject: %s%s%s",
                 v->subject[0] ? v->subject : "not given", sess[0] ? ", session " : "", sess);
        snprintf(rows[0][1], sizeof rows[0][1], "Date: %s", v->date[0] ? v->date : "unknown");
        snprintf(rows[1][0], sizeof rows[1][0], "Body region: %s%s%s",
                 v->region[0] ? v->region : "not given",
                 v->side[0] && strcmp(v->side, "none") ? ", " : "",
                 v->side[0] && strcmp(v->side, "none") ? v->side : "");
        snprintf(rows[1][1], sizeof rows[1][1], "Length: %s",
                 rmat_duration_words(b, sizeof b, rmat_json_num(s, "duration_s")));
        snprintf(rows[2][0], sizeof rows[2][0], "Roller: %s%s",
                 v->roller[0] ? v->roller : "not given", a);
        snprintf(rows[2][1], sizeof rows[2][1], "Body mass: %s%s",
                 isfinite(mass) ? rmat_show(num2, mass, 3) : "not given",
                 isfinite(mass) ? " kg" : "");
        rows[3][0][0] = '\0';
        snprintf(rows[3][1], sizeof rows[3][1], "Operator: %s", op[0] ? op : "not given");
        for (int i = 0; i < 4; i++) {
            rmat_page_text(p, 0.08, p->y, "''", "left", "#000000", rows[i][0]);
            rmat_page_text(p, 0.56, p->y, "''", "left", "#000000", rows[i][1]);
            p->y -= RMAT_LINE_H;
        }
        rmat_page_paraf(p, 0.0, "Mat: %s", mount);
    }
    /* An import says where its data came from: the system's export, the
     * file and its SHA-256 (the recording's /source). */
    if (rmat_json_str(v->summary, "source.format")[0]) {
        const char *sha = rmat_json_str(v->summary, "source.sha256");
        rmat_page_paraf(p, 0.0, "Data: imported from a %s export, %s (SHA-256 %.16s...)%s",
                        rmat_json_str(v->summary, "source.format"),
                        rmat_json_str(v->summary, "source.file_name"), sha,
                        rmat_json_num(v->summary, "passes") > 0
                            ? ""
                            : "; no rolling found: no passes, holds or cadence");
    }
    if (!v->calibrated) {
        /* Said plainly, in a box, before any number. */
        const double top = p->y + 0.75 * RMAT_LINE_H;
        p->y -= 0.3 * RMAT_LINE_H;
        rmat_page_text(p, 0.1, p->y - 0.3 * RMAT_LINE_H, "',11'", "left", RMAT_OI_VERMILLION,
                       "Not calibrated: these are raw sensor counts");
        p->y -= 1.5 * RMAT_LINE_H;
        rmat_page_para(
            p, 0.02,
            "This mat had no calibration, so every pressure in this report is the mat's raw "
            "sensor counts, not a physical unit, and cannot be compared with other mats. "
            "Force, its ratio to body weight and tissue stiffness need a calibration and are "
            "left out. Calibrate the mat (docs/calibration.md) for physical units.");
        fprintf(p->f,
                "set object rect from screen 0.08, screen %.4f to screen 0.92, screen %.4f "
                "behind fc rgb '#fdf0e6' fs solid border lc rgb '" RMAT_OI_VERMILLION "'\n",
                p->y + 0.3 * RMAT_LINE_H, top);
        p->y -= 0.4 * RMAT_LINE_H;
    }

    rmat_page_heading(p, "The session in numbers");
    {
        const char *hdr[] = {"what", "value"};
        rmat_page_row(p, cols, hdr, 2, 1);
    }
    for (size_t i = 0; i < rmat_summary_nrows; i++) {
        const struct rmat_summary_row *r = &rmat_summary_rows[i];
        const double val = rmat_summary_num(s, v->calibrated, r->key);
        char disp[96];
        const char *cells[2];
        /* Left out: what needs a calibration when there is none, and the
         * share of body weight without a body mass. */
        if (!rmat_summary_row_shown(r, v->calibrated))
            continue;
        if (!isfinite(val) && (!strcmp(r->key, "mean_force_pct_bw")))
            continue;
        rmat_summary_row_display(r, val, v->calibrated, disp, sizeof disp);
        cells[0] = r->label;
        cells[1] = disp;
        rmat_page_row(p, cols, cells, 2, 0);
    }

    rmat_page_heading(p, "How the tissue responded (over the passes, least-squares lines)");
    {
        char sent[400];
        tissue_sentence(sent, sizeof sent, &v->tissue[2],
                        "Tissue compliance (softness under "
                        "the roller)",
                        "rose", "fell", ": the tissue softened", ": the tissue stiffened");
        rmat_page_para(p, 0.0, sent);
        tissue_sentence(sent, sizeof sent, &v->tissue[1], "Contact width", "grew", "shrank", "",
                        "");
        rmat_page_para(p, 0.0, sent);
        tissue_sentence(sent, sizeof sent, &v->tissue[0], "Mean pressure under the roller", "rose",
                        "fell", "", "");
        rmat_page_para(p, 0.0, sent);
        tissue_sentence(sent, sizeof sent, &v->tissue[3], "Rolling speed", "rose", "fell", "", "");
        rmat_page_para(p, 0.0, sent);
        if (v->holds > 0 && isfinite(v->hold_area_change_pct))
            rmat_page_paraf(
                p, 0.0,
                "During the hold%s the contact area %s %s%% from the first second to the "
                "last (on average; creep under a held load).",
                v->holds == 1 ? "" : "s", v->hold_area_change_pct >= 0 ? "grew" : "shrank",
                rmat_show(num, fabs(v->hold_area_change_pct), 2));
        rmat_page_para(p, 0.0,
                       "Percentages are the fitted line's change from the first pass to the last, "
                       "against its value at the first pass; the 95% CI comes from the slope's.");
        {
            char out[300] = "";
            size_t used = 0;
            static const char *const what[RMAT_TISSUE_Q] = {"mean pressure", "width", "compliance",
                                                            "speed"};
            for (int q = 0; q < RMAT_TISSUE_Q; q++)
                if (v->tissue[q].left_out > 0 && used < sizeof out)
                    used += (size_t)snprintf(out + used, sizeof out - used, "%s%zu for %s",
                                             used ? ", " : "", v->tissue[q].left_out, what[q]);
            rmat_page_paraf(
                p, 0.0,
                "Each line leaves out the passes more than 3 scaled MADs (1.4826 times the "
                "median absolute deviation, at least 1%% of the median) off a Theil-Sen line "
                "through them, so one odd pass cannot drive it%s%s%s.",
                out[0] ? " (left out here: " : "", out, out[0] ? ")" : "");
        }
    }

    rmat_page_heading(p, "Events and notes");
    if (notes[0])
        rmat_page_paraf(p, 0.0, "Notes: %s", notes);
    if (v->n_ev_listed == 0 && !notes[0])
        rmat_page_para(p, 0.0, "No marks, pain ratings or notes were recorded.");
    for (size_t i = 0; i < v->n_ev_listed; i++) {
        const struct rmat_listed_event *e = &v->ev[i];
        char t[48];
        if (!strcmp(e->kind, "start") || !strcmp(e->kind, "stop"))
            continue;
        if (p->y < 0.09) {
            rmat_page_paraf(p, 0.0, "... and %zu more (all in events.csv beside the analysis).",
                            v->n_ev_listed - i);
            break;
        }
        /* numbered as on page 2 */
        snprintf(t, sizeof t, "%s", rmat_duration_words(a, sizeof a, e->t_s < 0 ? 0 : e->t_s));
        if (!strcmp(e->kind, "pain"))
            rmat_page_paraf(p, 0.0, "%zu. at %s: pain rating %s of 10%s%s", i + 1, t,
                            rmat_show(num, e->value, 2), e->text[0] ? ": " : "", e->text);
        else
            rmat_page_paraf(p, 0.0, "%zu. at %s: %s%s%s", i + 1, t, e->kind, e->text[0] ? ": " : "",
                            e->text);
    }
    if (v->n_gaps > 0) {
        const double lost = rmat_json_num(s, "frames_lost");
        rmat_page_paraf(
            p, 0.0,
            "The link lost frames %zu time%s (%s frames in all); the analysis counts time "
            "across the gaps.",
            v->n_gaps, v->n_gaps == 1 ? "" : "s", rmat_show(num, lost, 7));
    }

    /* Footer: what made these numbers. */
    {
        char foot[512];
        snprintf(
            foot, sizeof foot,
            "rollmat %s. Calibration: %s. Contact at %s %s and above; holds: %s s or more "
            "within %s mm. Definitions: docs/metrics.md.",
            RMAT_VERSION,
            rmat_json_str(s, "source.format")[0] && v->calibrated &&
                    !rmat_json_str(s, "calibration.name")[0]
                ? "none needed (imported in kPa)"
            : v->calibrated
                ? (rmat_json_str(s, "calibration.name")[0] ? rmat_json_str(s, "calibration.name")
                                                           : "unnamed")
                : "none (raw counts)",
            rmat_show(num, rmat_summary_num(s, v->calibrated, "parameters.contact_threshold_kpa"),
                      3),
            rmat_units_label("contact_threshold_kpa", v->calibrated),
            rmat_show(num2, rmat_json_num(s, "parameters.hold_min_s"), 3),
            rmat_show(b, rmat_json_num(s, "parameters.hold_radius_mm"), 3));
        rmat_page_text(p, 0.08, 0.045, "smallfont", "left", "#555555", foot);
        rmat_page_text(p, 0.08, 0.03, "smallfont", "left", "#555555",
                       "Tissue lines leave out passes over 3 scaled MADs off a Theil-Sen line "
                       "(docs/reports.md); "
                       "events are numbered as on page 2; dates are local time.");
    }
}

/* The regions' page(s): the dwell map with the regions, and their table. */
static int regions_pages(struct rmat_page *p, const struct rmat_session_view *v, const char *dir,
                         const char *header, int *pages, struct rmat_errinfo *ei)
{
    static const double cols[] = {0.09, 0.26, 0.37, 0.5, 0.58, 0.72};
    char mean_h[64], pti_h[64];
    const char *hdr[] = {"region", "time", "% of contact", "holds", mean_h, pti_h};
    int rc = rmat_page_open(p, dir, ++*pages, header, ei);

    if (rc != RMAT_OK)
        return rc;
    snprintf(mean_h, sizeof mean_h, "mean pressure (%s)",
             rmat_units_label("mean_kpa", v->calibrated));
    snprintf(pti_h, sizeof pti_h, "pressure-time integral (%s)",
             rmat_units_label("pti_kpa_s", v->calibrated));
    rmat_page_text(p, 0.08, 0.945, "titlefont", "left", "#000000", "Where on the mat: the regions");
    rmat_page_flush_text(p);
    rmat_fig_map(p->f, v, RMAT_MAP_DWELL, "Time in contact, with the regions", 0.12, 0.5, 0.76,
                 0.43);
    fputs("reset\n", p->f); /* a figure leaves its settings behind */
    p->y = 0.49;
    rmat_page_heading(p, "The regions in numbers");
    rmat_page_row(p, cols, hdr, 6, 1);
    for (size_t i = 0; i < v->n_regions; i++) {
        const struct rmat_view_region *r = &v->regions[i];
        char t[48], pct[RMAT_FMT_BUF + 2], holds[16], mean[RMAT_FMT_BUF], pti[RMAT_FMT_BUF];
        const char *cells[] = {r->name, t, pct, holds, mean, pti};
        if (p->y < 0.07) {
            rc = rmat_page_close(p, ei);
            if (rc == RMAT_OK)
                rc = rmat_page_open(p, dir, ++*pages, header, ei);
            if (rc != RMAT_OK)
                return rc;
            rmat_page_row(p, cols, hdr, 6, 1);
        }
        rmat_duration_words(t, sizeof t, r->time_s);
        rmat_show(pct, r->pct, 3);
        if (isfinite(r->pct))
            strcat(pct, "%");
        snprintf(holds, sizeof holds, "%d", r->holds);
        rmat_show(mean, r->mean, 3);
        rmat_show(pti, r->pti, 3);
        rmat_page_row(p, cols, cells, 6, 0);
    }
    p->y -= 0.5 * RMAT_LINE_H;
    rmat_page_para(
        p, 0.0,
        "Time: contact time with the centre of pressure in the region; % of all contact time; "
        "holds whose centre lies in it; mean pressure and pressure-time integral of the "
        "frames in it (docs/metrics.md, \"Regions\").");
    return rmat_page_close(p, ei);
}

int rmat_report_session(const char *ana_dir, const char *pdf_path, const struct rmat_log *log,
                        struct rmat_errinfo *ei)
{
    char dir[RMAT_PATH_BUF], pdf[RMAT_PATH_BUF], header[400];
    struct rmat_session_view *v = NULL;
    struct rmat_page p = {NULL, "", 0, 0};
    int rc, pages;

    if (!ana_dir)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "report: no analysis folder");
    rc = rmat_path_join(dir, sizeof dir, ana_dir, "report", ei);
    if (rc == RMAT_OK && !pdf_path) {
        rc = rmat_path_join(pdf, sizeof pdf, ana_dir, "report.pdf", ei);
        pdf_path = pdf;
    }
    if (rc == RMAT_OK)
        rc = rmat_events_if_missing(ana_dir, log, ei);
    if (rc != RMAT_OK)
        return rc;
    v = malloc(sizeof *v);
    if (!v)
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "report: out of memory");
    rc = rmat_session_view_load(v, ana_dir, dir, log, ei);
    if (rc == RMAT_OK)
        rc = write_summary_table(v, dir, ei);
    if (rc != RMAT_OK)
        goto out;
    snprintf(header, sizeof header, "Session report: %s%s", v->title_tail,
             v->calibrated ? "" : " (RAW COUNTS, uncalibrated)");

    v->page_w_in = RMAT_PAGE_W_IN;
    v->page_h_in = RMAT_PAGE_H_IN;
    rc = rmat_page_open(&p, dir, 1, header, ei);
    if (rc != RMAT_OK)
        goto out;
    page_one(&p, v);
    rc = rmat_page_close(&p, ei);
    if (rc != RMAT_OK)
        goto out;

    /* Page 2: where and how hard; over time. */
    rc = rmat_page_open(&p, dir, 2, header, ei);
    if (rc != RMAT_OK)
        goto out;
    rmat_page_text(&p, 0.08, 0.945, "titlefont", "left", "#000000",
                   "Where the roller went and how hard it pressed");
    rmat_page_flush_text(&p);
    rmat_fig_map(p.f, v, RMAT_MAP_PEAK, "Peak pressure", 0.02, 0.56, 0.48, 0.38);
    fputs("reset\n", p.f); /* a figure leaves its settings behind */
    rmat_fig_map(p.f, v, RMAT_MAP_DWELL, "Time in contact", 0.5, 0.56, 0.48, 0.38);
    fputs("reset\n", p.f); /* a figure leaves its settings behind */
    rmat_fig_timeseries(p.f, v, "Over time", 0.03, 0.03, 0.94, 0.53);
    fputs("reset\n", p.f); /* a figure leaves its settings behind */
    rc = rmat_page_close(&p, ei);
    if (rc != RMAT_OK)
        goto out;

    /* Page 3: the tissue response; the load over the mat; the rhythm. */
    rc = rmat_page_open(&p, dir, 3, header, ei);
    if (rc != RMAT_OK)
        goto out;
    rmat_page_text(&p, 0.08, 0.945, "titlefont", "left", "#000000",
                   "How the tissue responded, the load over the mat, the rolling rhythm");
    rmat_page_flush_text(&p);
    rmat_fig_tissue(p.f, v, "", 0.03, 0.39, 0.94, 0.54);
    fputs("reset\n", p.f); /* a figure leaves its settings behind */
    rmat_fig_map(p.f, v, RMAT_MAP_PTI, "Pressure-time integral", 0.02, 0.02, 0.48, 0.36);
    fputs("reset\n", p.f); /* a figure leaves its settings behind */
    rmat_fig_cadence(p.f, v, "Cadence", 0.58, 0.05, 0.4, 0.3);
    fputs("reset\n", p.f); /* a figure leaves its settings behind */
    rc = rmat_page_close(&p, ei);
    if (rc != RMAT_OK)
        goto out;
    pages = 3;
    if (v->n_regions > 0)
        rc = regions_pages(&p, v, dir, header, &pages, ei);
    if (rc == RMAT_OK)
        rc = rmat_pages_pdf(dir, pages, pdf_path, ei);
out:
    if (p.f)
        fclose(p.f);
    rmat_session_view_fini(v);
    free(v);
    return rc;
}

/* --- the progress report -------------------------------------------------- */

/* A number of a session row by its calibrated name: sessions.csv may hold
 * it under its counts name (units.h). */
static double row_num(const struct rmat_session_row *r, const char *name)
{
    int i = rmat_session_num_index(name);
    if (i < 0 && rmat_units_name(name, 0))
        i = rmat_session_num_index(rmat_units_name(name, 0));
    return i >= 0 ? r->num[i] : NAN;
}

/* "rising"/"falling" when the interval excludes zero, "unclear" when it
 * holds zero, "too few" without a line, "too early" when the sessions
 * span too short a time for one. */
static const char *verdict(const struct rmat_trend_group *g, const struct rmat_trend_metric *tm,
                           const char *note)
{
    if (note[0])
        return g->n < RMAT_TREND_MIN_SESSIONS ? "too few" : "too early";
    if (!tm->fit.valid)
        return "too few";
    if (tm->fit.ci95_low > 0)
        return "rising";
    if (tm->fit.ci95_high < 0)
        return "falling";
    return "unclear";
}

/* "2-3" or "2" for a target range. */
static void range_text(char *buf, size_t cap, double lo, double hi)
{
    char a[RMAT_FMT_BUF], b[RMAT_FMT_BUF];
    if (lo == hi)
        snprintf(buf, cap, "%s", rmat_show(a, lo, 3));
    else
        snprintf(buf, cap, "%s-%s", rmat_show(a, lo, 3), rmat_show(b, hi, 3));
}

static const char *met_word(int met)
{
    return met < 0 ? "not judged" : met ? "met" : "not met";
}

/* The adherence section of group g (docs/reports.md, "Adherence"): a row
 * per target with its figures and verdict, then the weeks not met. */
static void adherence_section(struct rmat_page *p, const struct rmat_trend_set *t,
                              const struct rmat_trend_group *g, const char *title)
{
    static const double cols[] = {0.09, 0.31, 0.45, 0.67};
    const struct rmat_adherence_config *c = &t->adh_cfg;
    const struct rmat_adherence *a = &g->adh;
    const char *hdr[] = {"guidance", "target", "figures", "verdict"};
    char what[3][96], target[3][96], fig[3][96], verd[3][64], r[48], x[RMAT_FMT_BUF],
        y[RMAT_FMT_BUF];
    size_t off = 0;

    rmat_page_heading(p, title);
    rmat_page_row(p, cols, hdr, 4, 1);

    range_text(r, sizeof r, c->every_min_days, c->every_max_days);
    snprintf(what[0], sizeof what[0], "roll every %s days", r);
    range_text(r, sizeof r, a->days_min, a->days_max);
    snprintf(target[0], sizeof target[0], "%s days a week", r);
    off = (size_t)snprintf(fig[0], sizeof fig[0], "days by week:");
    for (size_t k = 0; k < a->n_weeks && off < sizeof fig[0]; k++) {
        /* The cell holds some 26 characters: the first weeks, then "...". */
        if (off > 22) {
            snprintf(fig[0] + off, sizeof fig[0] - off, " ...");
            break;
        }
        off += (size_t)snprintf(fig[0] + off, sizeof fig[0] - off, " %zu", a->weeks[k].days);
    }
    snprintf(verd[0], sizeof verd[0], "%s (%zu of %zu weeks)", met_word(a->frequency_met),
             a->weeks_met, a->n_weeks);

    range_text(r, sizeof r, c->rolling_min_s, c->rolling_max_s);
    snprintf(what[1], sizeof what[1], "roll each muscle %s s", r);
    snprintf(target[1], sizeof target[1], "rolling time");
    range_text(r, sizeof r, c->hold_min_s, c->hold_max_s);
    snprintf(what[2], sizeof what[2], "hold a tender spot %s s", r);
    snprintf(target[2], sizeof target[2], "mean hold");
    for (int i = 1; i <= 2; i++) {
        const size_t n = i == 1 ? a->rolling_n : a->hold_n,
                     in = i == 1 ? a->rolling_in : a->hold_in;
        const double lo = i == 1 ? a->rolling_lo_s : a->hold_lo_s;
        const double hi = i == 1 ? a->rolling_hi_s : a->hold_hi_s;
        const int met = i == 1 ? a->rolling_met : a->hold_met;
        if (!n)
            snprintf(fig[i], sizeof fig[i], i == 1 ? "no rolling time" : "no holds");
        else if (n == 1)
            snprintf(fig[i], sizeof fig[i], "%s s", rmat_show(x, lo, 3));
        else
            snprintf(fig[i], sizeof fig[i], "%s to %s s", rmat_show(x, lo, 3), rmat_show(y, hi, 3));
        if (n)
            snprintf(verd[i], sizeof verd[i], "%s (%zu of %zu sessions)", met_word(met), in, n);
        else
            snprintf(verd[i], sizeof verd[i], "%s", met_word(met));
    }
    for (int i = 0; i < 3; i++) {
        const char *cells[] = {what[i], target[i], fig[i], verd[i]};
        rmat_page_row(p, cols, cells, 4, 0);
    }
    /* The weeks that missed, with why: too few or too many days, the gap. */
    if (a->frequency_met == 0) {
        char buf[1200];
        size_t o = (size_t)snprintf(buf, sizeof buf, "Weeks not met:");
        int listed = 0;
        for (size_t k = 0; k < a->n_weeks && o < sizeof buf - 120; k++) {
            const struct rmat_adherence_week *wk = &a->weeks[k];
            if (wk->met)
                continue;
            o += (size_t)snprintf(buf + o, sizeof buf - o, "%s week %zu (%zu session day%s",
                                  listed ? "," : "", k + 1, wk->days, wk->days == 1 ? "" : "s");
            if (isfinite(wk->longest_gap_days))
                o += (size_t)snprintf(buf + o, sizeof buf - o, ", longest gap %.0f days",
                                      wk->longest_gap_days);
            o += (size_t)snprintf(buf + o, sizeof buf - o, ")");
            listed++;
        }
        if (o < sizeof buf - 2)
            snprintf(buf + o, sizeof buf - o, ".");
        p->y -= 0.2 * RMAT_LINE_H;
        rmat_page_para(p, 0.01, buf);
    }
    p->y -= 0.3 * RMAT_LINE_H;
}

/* Where a spot is, from the mat's centre: "40 mm above, 12 mm right". y
 * grows down the mat, as in the maps: a negative dy is above. */
static void spot_where(char *buf, size_t cap, const struct rmat_spot *sp)
{
    const double ax = fabs(sp->dx_mm), ay = fabs(sp->dy_mm);
    if (ay < 0.5 && ax < 0.5)
        snprintf(buf, cap, "at the centre");
    else if (ax < 0.5)
        snprintf(buf, cap, "%.0f mm %s", ay, sp->dy_mm < 0 ? "above" : "below");
    else if (ay < 0.5)
        snprintf(buf, cap, "%.0f mm %s", ax, sp->dx_mm < 0 ? "left" : "right");
    else
        snprintf(buf, cap, "%.0f mm %s, %.0f mm %s", ay, sp->dy_mm < 0 ? "above" : "below", ax,
                 sp->dx_mm < 0 ? "left" : "right");
}

/* A spot's local compliance first to last: "612 -> 745 (+22%)", one
 * session's value, or that the roller never passed over it. */
static void spot_compliance_text(char *buf, size_t cap, const struct rmat_spot *sp)
{
    char a[RMAT_FMT_BUF], b[RMAT_FMT_BUF];
    if (!sp->comp_sessions)
        snprintf(buf, cap, "no passes over this spot");
    else if (sp->comp_sessions == 1)
        snprintf(buf, cap, "%s (1 session)", rmat_show(a, sp->comp_first.value, 3));
    else if (isfinite(sp->comp_fit.change_pct))
        snprintf(buf, cap, "%s -> %s (%+.0f%%)", rmat_show(a, sp->comp_first.value, 3),
                 rmat_show(b, sp->comp_last.value, 3), sp->comp_fit.change_pct);
    else
        snprintf(buf, cap, "%s -> %s", rmat_show(a, sp->comp_first.value, 3),
                 rmat_show(b, sp->comp_last.value, 3));
}

/* The tender spots of group g in a line under its adherence: none, or
 * that the pages after show them. */
static void spots_line(struct rmat_page *p, const struct rmat_trend_group *g)
{
    p->y -= 0.2 * RMAT_LINE_H;
    if (!g->n_spots)
        rmat_page_paraf(p, 0.01, "Tender spots: no holds%s.",
                        g->spot_sessions_unread ? " found (the analyses' holds.csv are missing)"
                                                : "");
    else
        rmat_page_paraf(p, 0.01, "Tender spots: %zu, mapped and followed on the pages after.",
                        g->n_spots);
}

/* The page of group g's tender spots: the map, and a row per spot. */
static int spots_page(struct rmat_page *p, const struct rmat_trend_set *t, size_t gi,
                      const char *title, const char *dir, const char *header, int *pages,
                      struct rmat_errinfo *ei)
{
    static const double cols[] = {0.08, 0.117, 0.342, 0.43, 0.538, 0.752};
    const struct rmat_trend_group *g = &t->g[gi];
    char a[RMAT_FMT_BUF], key[200], chdr[64];
    const char *hdr[] = {"spot",   "where (from the mat's centre)", "pain", "hold time", chdr,
                         "held in"};
    const double map_h = 0.45;
    int rc;

    rmat_trend_group_key(g, key, sizeof key);
    rc = rmat_spots_map_data(t, gi, dir, key, ei);
    if (rc == RMAT_OK)
        rc = rmat_page_open(p, dir, ++*pages, header, ei);
    if (rc != RMAT_OK)
        return rc;
    snprintf(chdr, sizeof chdr, "compliance (%s)",
             rmat_units_label("compliance_mm3_n", g->calibrated));
    {
        char h[260];
        snprintf(h, sizeof h, "Tender spots: %s", title);
        rmat_page_heading(p, h);
    }
    rmat_page_paraf(
        p, 0.0,
        "Every hold of every session, grouped into spots within %s mm (its circle on the map). "
        "Positions are from the mat's centre, as if the mat lay the same way under the same "
        "body part each session: nothing else aligns the sessions. Seen from above, the mat's "
        "first row at the top.",
        rmat_show(a, t->spot_radius_mm, 3));
    rmat_page_flush_text(p);
    rmat_fig_spots(p->f, t, gi, key, RMAT_PAGE_W_IN, RMAT_PAGE_H_IN, 0.08, p->y - map_h, 0.84,
                   map_h);
    fputs("reset\n", p->f);
    p->y -= map_h + 1.0 * RMAT_LINE_H;
    rmat_page_para(p, 0.0,
                   "Filled: the colour of the spot's latest pain rating; beside it, its pain "
                   "first -> last. Hollow grey, dashed: no pain rating at that spot. + marks "
                   "the mat's centre.");
    p->y -= 0.3 * RMAT_LINE_H;
    rmat_page_para(p, 0.0,
                   "Pain: the mean rating given during the spot's holds. Hold time: the spot's "
                   "total in a session. Compliance (higher is softer): under the roller as it "
                   "passed over the spot while rolling, the median of the frames with the "
                   "centre of pressure within the circle, outside holds. Each first -> last "
                   "session with a value.");
    p->y -= 0.3 * RMAT_LINE_H;
    rmat_page_row(p, cols, hdr, 6, 1);
    for (size_t k = 0; k < g->n_spots; k++) {
        /* A page holds some dozens of spots; the rest are in trend.json. */
        if (p->y < 0.08) {
            rmat_page_paraf(p, 0.01, "... and %zu more spots: see trend.json.", g->n_spots - k);
            break;
        }
        const struct rmat_spot *sp = &g->spots[k];
        char num[24], where[96], pain[64], hold[64], comp[96], over[96], b[RMAT_FMT_BUF];
        const char *cells[6];
        snprintf(num, sizeof num, "%zu", k + 1);
        spot_where(where, sizeof where, sp);
        if (!isfinite(sp->pain_first.pain))
            snprintf(pain, sizeof pain, "no rating");
        else if (sp->pain_first.session == sp->pain_last.session)
            snprintf(pain, sizeof pain, "%s", rmat_show(a, sp->pain_first.pain, 2));
        else
            snprintf(pain, sizeof pain, "%s -> %s", rmat_show(a, sp->pain_first.pain, 2),
                     rmat_show(b, sp->pain_last.pain, 2));
        /* whole seconds (two figures) are the holds' resolution to a reader */
        if (sp->sessions == 1)
            snprintf(hold, sizeof hold, "%s s", rmat_show(a, sp->first.hold_s, 2));
        else
            snprintf(hold, sizeof hold, "%s s -> %s s", rmat_show(a, sp->first.hold_s, 2),
                     rmat_show(b, sp->last.hold_s, 2));
        spot_compliance_text(comp, sizeof comp, sp);
        snprintf(over, sizeof over, "%zu session%s, %s weeks", sp->sessions,
                 sp->sessions == 1 ? "" : "s", rmat_show(a, sp->last.week - sp->first.week, 2));
        cells[0] = num;
        cells[1] = where;
        cells[2] = pain;
        cells[3] = hold;
        cells[4] = comp;
        cells[5] = over;
        rmat_page_row(p, cols, cells, 6, 0);
    }
    if (g->spot_frames_unread)
        rmat_page_paraf(p, 0.01,
                        "%zu session%s without frames.csv: no compliance at the spots there.",
                        g->spot_frames_unread, g->spot_frames_unread == 1 ? "" : "s");
    rmat_page_text(p, 0.08, 0.03, "smallfont", "left", "#555555",
                   "rollmat " RMAT_VERSION ". Tender spots: docs/metrics.md, \"Tender spots "
                   "across sessions\"; grouping radius set with --spot-radius-mm.");
    return rmat_page_close(p, ei);
}

int rmat_report_progress(const struct rmat_session_set *s, const char *subject,
                         const struct rmat_adherence_config *adh, const char *ana_root,
                         double spot_radius_mm, const char *work_dir, const char *pdf_path,
                         const struct rmat_log *log, struct rmat_errinfo *ei)
{
    struct rmat_trend_set t;
    struct rmat_page p = {NULL, "", 0, 0};
    char header[300], d0[48], d1[48], num[RMAT_FMT_BUF], path[RMAT_PATH_BUF];
    char(*notes)[300] = NULL;
    size_t sessions = 0;
    double t_first = INFINITY, t_last = -INFINITY;
    int rc, pages = 0;
    FILE *tab = NULL;

    if (!s || !subject || !work_dir || !pdf_path)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "progress report: missing argument");
    rc = rmat_trends_compute(s, subject, &t, log, ei);
    if (rc != RMAT_OK)
        return rc;
    if (adh)
        rc = rmat_trends_adherence(&t, adh, ei);
    if (rc == RMAT_OK && ana_root)
        rc = rmat_trends_spots(&t, ana_root, spot_radius_mm, log, ei);
    if (rc != RMAT_OK) {
        rmat_trends_fini(&t);
        return rc;
    }
    for (size_t i = 0; i < t.n; i++) {
        sessions += t.g[i].n;
        for (size_t k = 0; k < t.g[i].n; k++) {
            const double tu = s->rows[t.g[i].row[k]].t_unix;
            t_first = fmin(t_first, tu);
            t_last = fmax(t_last, tu);
        }
    }
    if (sessions == 0) {
        rmat_trends_fini(&t);
        return rmat_errinfo_set(ei, RMAT_E_NOTFOUND, 0,
                                "no dated sessions of subject '%s' to report on", subject);
    }
    rc = rmat_mkdirs(work_dir, ei);
    if (rc == RMAT_OK)
        rc = rmat_trends_write(&t, work_dir, ei);
    if (rc != RMAT_OK)
        goto out;
    /* Why a group has no trend yet, in the analysis's words. */
    notes = calloc(t.n ? t.n : 1, sizeof *notes);
    if (!notes) {
        rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "progress report: out of memory");
        goto out;
    }
    for (size_t i = 0; i < t.n; i++)
        rmat_trend_note(&t, i, notes[i], sizeof notes[i]);
    rmat_local_time(t_first, d0, sizeof d0);
    rmat_local_time(t_last, d1, sizeof d1);
    snprintf(header, sizeof header, "Progress report: %s, %zu session%s, %s to %s", subject,
             sessions, sessions == 1 ? "" : "s", d0, d1);

    /* Page 1: the trends in words, and the sessions. */
    rc = rmat_page_open(&p, work_dir, ++pages, header, ei);
    if (rc == RMAT_OK)
        rc = rmat_out_open(work_dir, "progress_table.csv", &tab, path, ei);
    if (rc != RMAT_OK)
        goto out;
    fputs("subject,region,side,metric,n,first,last,change_pct,slope_per_week,ci95_low,"
          "ci95_high,verdict\n",
          tab);
    rmat_page_text(&p, 0.08, p.y - 0.01, "',16'", "left", "#000000",
                   "Foam-rolling progress report");
    p.y -= 0.045;
    rmat_page_heading(&p, "Who and when");
    rmat_page_paraf(&p, 0.0, "Subject: %s", subject);
    {
        /* The span in the unit it reads in. */
        const double span_d = (t_last - t_first) / 86400.0;
        rmat_page_paraf(&p, 0.0,
                        "%zu session%s from %s to %s (%s %s), in %zu body region%s and side%s.",
                        sessions, sessions == 1 ? "" : "s", d0, d1,
                        rmat_show(num,
                                  span_d >= 14  ? span_d / 7
                                  : span_d >= 1 ? span_d
                                                : span_d * 24,
                                  2),
                        span_d >= 14  ? "weeks"
                        : span_d >= 1 ? "days"
                                      : "hours",
                        t.n, t.n == 1 ? "" : "s", t.n == 1 ? "" : "s");
    }
    rmat_page_para(
        &p, 0.0,
        "Each trend is a least-squares line through the sessions' values against their dates, "
        "with its 95% confidence interval; a change counts as clear when the interval "
        "excludes zero. A trend needs at least 3 sessions over at least 7 days: before that "
        "the sessions are listed and drawn without a line. Lasting tissue change takes months: "
        "read a few weeks with care. Dates are local time.");
    for (size_t i = 0; i < t.n; i++) {
        const struct rmat_trend_group *g = &t.g[i];
        static const double cols[] = {0.09, 0.44, 0.48, 0.6, 0.67, 0.86};
        char title[200];
        snprintf(title, sizeof title, "%s%s%s: %zu session%s",
                 g->region[0] ? g->region
                              : "region "
                                "not given",
                 g->side[0] && strcmp(g->side, "none") ? ", " : "",
                 g->side[0] && strcmp(g->side, "none") ? g->side : "", g->n, g->n == 1 ? "" : "s");
        if (p.y < 0.2) {
            rc = rmat_page_close(&p, ei);
            if (rc == RMAT_OK)
                rc = rmat_page_open(&p, work_dir, ++pages, header, ei);
            if (rc != RMAT_OK)
                goto out;
        }
        rmat_page_heading(&p, title);
        if (notes[i][0]) {
            char sent[400];
            snprintf(sent, sizeof sent, "%s.", notes[i]);
            sent[0] = (char)(sent[0] >= 'a' && sent[0] <= 'z' ? sent[0] - 'a' + 'A' : sent[0]);
            rmat_page_para(&p, 0.0, sent);
            p.y -= 0.3 * RMAT_LINE_H;
        }
        {
            const char *hdr[] = {"what", "n", "first to last", "change", "per week (95% CI)",
                                 "trend"};
            rmat_page_row(&p, cols, hdr, 6, 1);
        }
        for (int m = 0; m < RMAT_TREND_METRICS; m++) {
            const struct rmat_trend_metric *tm = &g->m[m];
            char nbuf[16], fl[96], ch[32], sl[160], what[160], a[RMAT_FMT_BUF], b[RMAT_FMT_BUF];
            const char *cells[6];
            snprintf(nbuf, sizeof nbuf, "%zu", tm->n);
            snprintf(what, sizeof what, "%s (%s)", rmat_trend_metric_label(m),
                     rmat_trend_metric_unit(&t, g, m));
            if (tm->n >= 2)
                snprintf(fl, sizeof fl, "%s to %s", rmat_show(a, tm->first, 3),
                         rmat_show(b, tm->last, 3));
            else
                snprintf(fl, sizeof fl, "%s", tm->n ? rmat_show(a, tm->first, 3) : "-");
            if (isfinite(tm->change_pct) && fabs(tm->change_pct) < 0.05)
                snprintf(ch, sizeof ch, "0%%"); /* no "-0.0%" */
            else if (isfinite(tm->change_pct))
                snprintf(ch, sizeof ch, fabs(tm->change_pct) >= 10 ? "%+.0f%%" : "%+.1f%%",
                         tm->change_pct);
            else
                snprintf(ch, sizeof ch, "-");
            rmat_trend_slope_text(&t, g, m, notes[i], sl, sizeof sl);
            cells[0] = what;
            cells[1] = nbuf;
            cells[2] = fl;
            cells[3] = ch;
            cells[4] = sl;
            cells[5] = verdict(g, tm, notes[i]);
            rmat_page_row(&p, cols, cells, 6, 0);
            rmat_csv_put(tab, g->subject);
            fputc(',', tab);
            rmat_csv_put(tab, g->region);
            fputc(',', tab);
            rmat_csv_put(tab, g->side);
            fprintf(tab, ",%s,%zu,", rmat_trend_metric_names[m], tm->n);
            {
                const int ok = tm->fit.valid && !notes[i][0];
                const double vals[] = {tm->first,
                                       tm->last,
                                       tm->change_pct,
                                       ok ? tm->fit.slope : NAN,
                                       ok ? tm->fit.ci95_low : NAN,
                                       ok ? tm->fit.ci95_high : NAN};
                for (size_t k = 0; k < sizeof vals / sizeof vals[0]; k++) {
                    if (isfinite(vals[k])) {
                        rmat_fmt_sig(a, vals[k], 10);
                        fputs(a, tab);
                    }
                    fputc(',', tab);
                }
            }
            rmat_csv_put(tab, verdict(g, tm, notes[i]));
            fputc('\n', tab);
        }
    }
    /* The sessions, newest last. */
    if (p.y < 0.25) {
        rc = rmat_page_close(&p, ei);
        if (rc == RMAT_OK)
            rc = rmat_page_open(&p, work_dir, ++pages, header, ei);
        if (rc != RMAT_OK)
            goto out;
    }
    rmat_page_heading(&p, "The sessions");
    {
        /* Every number in its own session's units. */
        static const double cols[] = {0.09, 0.3, 0.45, 0.55, 0.62, 0.74, 0.88};
        const char *hdr[] = {"date (local time)", "region, side", "length", "passes",
                             "mean pressure",     "compliance",   "pain"};
        rmat_page_row(&p, cols, hdr, 7, 1);
        for (size_t i = 0; i < t.n; i++) {
            const struct rmat_trend_group *g = &t.g[i];
            for (size_t k = 0; k < g->n; k++) {
                const struct rmat_session_row *r = &s->rows[g->row[k]];
                const int cal = strcmp(r->units, "counts") != 0;
                char date[48], where[100], len[32], pas[16], kpa[48], comp[48], pain[16];
                char a[RMAT_FMT_BUF];
                const char *cells[7];
                if (p.y < 0.06) {
                    rc = rmat_page_close(&p, ei);
                    if (rc == RMAT_OK)
                        rc = rmat_page_open(&p, work_dir, ++pages, header, ei);
                    if (rc != RMAT_OK)
                        goto out;
                    rmat_page_row(&p, cols, hdr, 7, 1);
                }
                rmat_local_time(r->t_unix, date, sizeof date);
                snprintf(where, sizeof where, "%s%s%s", r->region,
                         r->side[0] && strcmp(r->side, "none") ? ", " : "",
                         r->side[0] && strcmp(r->side, "none") ? r->side : "");
                rmat_duration_words(len, sizeof len, r->num[rmat_session_num_index("duration_s")]);
                rmat_show(pas, r->num[rmat_session_num_index("passes")], 4);
                snprintf(kpa, sizeof kpa, "%s %s", rmat_show(a, row_num(r, "mean_kpa"), 3),
                         rmat_units_label("mean_kpa", cal));
                snprintf(comp, sizeof comp, "%s %s",
                         rmat_show(a, row_num(r, "mean_compliance_mm3_n"), 3),
                         rmat_units_label("mean_compliance_mm3_n", cal));
                rmat_show(pain, r->num[rmat_session_num_index("pain_mean")], 2);
                cells[0] = date;
                cells[1] = where;
                cells[2] = len;
                cells[3] = pas;
                cells[4] = kpa;
                cells[5] = comp;
                cells[6] = pain;
                rmat_page_row(&p, cols, cells, 7, 0);
            }
        }
    }
    rmat_page_text(
        &p, 0.08, 0.03, "smallfont", "left", "#555555",
        "rollmat " RMAT_VERSION ". Trends: docs/metrics.md, \"Trends across "
        "sessions\". Compliance: higher is softer. Pain: the session's mean rating, 0-10.");
    rc = rmat_page_close(&p, ei);
    if (rc != RMAT_OK)
        goto out;

    /* Adherence to the guidance: a page, each group a section. */
    rc = rmat_page_open(&p, work_dir, ++pages, header, ei);
    if (rc != RMAT_OK)
        goto out;
    rmat_page_heading(&p, "Adherence to the guidance");
    {
        char ev[64], ro[64], ho[64];
        range_text(ev, sizeof ev, t.adh_cfg.every_min_days, t.adh_cfg.every_max_days);
        range_text(ro, sizeof ro, t.adh_cfg.rolling_min_s, t.adh_cfg.rolling_max_s);
        range_text(ho, sizeof ho, t.adh_cfg.hold_min_s, t.adh_cfg.hold_max_s);
        rmat_page_paraf(
            &p, 0.0,
            "The guidance: roll every %s days, roll each muscle %s s a session, hold a tender "
            "spot %s s. Weeks count from the day of the first session of that region and side "
            "(week 1: days 0-6); sessions on one day count once; rolling every %s days puts "
            "%d to %d session days in a week. Rolling time is contact outside holds; a hold is "
            "where the roller stayed, and a session's mean hold is its hold time over its "
            "holds. A target is met when every week or session judged meets it; the week of "
            "the last session is judged on the sessions recorded so far.",
            ev, ro, ho, ev, t.n ? t.g[0].adh.days_min : 0, t.n ? t.g[0].adh.days_max : 0);
    }
    for (size_t i = 0; i < t.n; i++) {
        const struct rmat_trend_group *g = &t.g[i];
        char title[200];
        snprintf(title, sizeof title, "%s%s%s: %zu session%s",
                 g->region[0] ? g->region : "region not given",
                 g->side[0] && strcmp(g->side, "none") ? ", " : "",
                 g->side[0] && strcmp(g->side, "none") ? g->side : "", g->n, g->n == 1 ? "" : "s");
        if (p.y < 0.2) {
            rc = rmat_page_close(&p, ei);
            if (rc == RMAT_OK)
                rc = rmat_page_open(&p, work_dir, ++pages, header, ei);
            if (rc != RMAT_OK)
                goto out;
        }
        adherence_section(&p, &t, g, title);
        if (t.spots_done)
            spots_line(&p, g);
        p.y -= 0.3 * RMAT_LINE_H;
    }
    rmat_page_text(&p, 0.08, 0.03, "smallfont", "left", "#555555",
                   "rollmat " RMAT_VERSION ". Adherence: docs/metrics.md, \"Adherence to the "
                   "guidance\"; targets set with --every-days, --rolling-s, --hold-s.");
    rc = rmat_page_close(&p, ei);
    if (rc != RMAT_OK)
        goto out;

    /* A page of tender spots per region and side that has some. */
    for (size_t i = 0; t.spots_done && i < t.n && pages < RMAT_MAX_PAGES; i++) {
        const struct rmat_trend_group *g = &t.g[i];
        char title[200];
        if (!g->n_spots)
            continue;
        snprintf(title, sizeof title, "%s%s%s, %zu session%s",
                 g->region[0] ? g->region : "region not given",
                 g->side[0] && strcmp(g->side, "none") ? ", " : "",
                 g->side[0] && strcmp(g->side, "none") ? g->side : "", g->n, g->n == 1 ? "" : "s");
        rc = spots_page(&p, &t, i, title, work_dir, header, &pages, ei);
        if (rc != RMAT_OK)
            goto out;
    }

    /* A page of charts per region and side. */
    for (size_t i = 0; i < t.n && pages < RMAT_MAX_PAGES; i++) {
        const struct rmat_trend_group *g = &t.g[i];
        char key[200], title[300];
        rc = rmat_trend_group_data(&t, i, work_dir, key, sizeof key, ei);
        if (rc == RMAT_OK)
            rc = rmat_page_open(&p, work_dir, ++pages, header, ei);
        if (rc != RMAT_OK)
            goto out;
        snprintf(title, sizeof title, "%s%s%s: %zu session%s",
                 g->region[0] ? g->region : "region not given",
                 g->side[0] && strcmp(g->side, "none") ? ", " : "",
                 g->side[0] && strcmp(g->side, "none") ? g->side : "", g->n, g->n == 1 ? "" : "s");
        rmat_page_flush_text(&p);
        rmat_fig_trend(p.f, &t, i, key, title, notes[i], 0.03, 0.03, 0.94, 0.92);
        fputs("reset\n", p.f); /* a figure leaves its settings behind */
        rc = rmat_page_close(&p, ei);
        if (rc != RMAT_OK)
            goto out;
    }
    if (tab) {
        rc = rmat_out_close(tab, path, ei);
        tab = NULL;
        if (rc != RMAT_OK)
            goto out;
    }
    rc = rmat_pages_pdf(work_dir, pages, pdf_path, ei);
out:
    if (tab)
        fclose(tab);
    if (p.f)
        fclose(p.f);
    free(notes);
    rmat_trends_fini(&t);
    return rc;
}
