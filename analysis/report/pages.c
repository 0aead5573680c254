/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Text pages of the PDF reports (figures_int.h): a page is a gnuplot
 * script for pdfcairo, A4, whose text is labels at screen positions
 * (gnuplot has no flowing text, so lines are wrapped here and placed top
 * down) and whose figures are the emitters' plots; pdfunite joins the
 * pages. Shared by the session and progress reports (report.c) and the
 * comparison (compare.c).
 */
#include "figures_int.h"
#include "rollmat/version.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rollmat/gnuplot.h"

/* Text is 9-point DejaVu Sans (gnuplot's "sans" on Debian): about 5.4
 * points a character in running text (0.6 em), so a line 0.84 of A4 wide
 * (500 points) holds some 90. */
#define WRAP_CHARS 88

int rmat_page_open(struct rmat_page *p, const char *dir, int number, const char *header,
                   struct rmat_errinfo *ei)
{
    char name[32];
    int rc;

    snprintf(name, sizeof name, "page_%d.gp", number);
    rc = rmat_out_open(dir, name, &p->f, p->path, ei);
    if (rc != RMAT_OK)
        return rc;
    fprintf(p->f,
            "# page_%d.gp: page %d of a rollmat report. Written by rollmat " RMAT_VERSION ".\n"
            "# Re-run in this folder: gnuplot page_%d.gp (writes page_%d.pdf).\n"
            "# (pdfcairo draws fonts at 4/3 of their size: fontscale 0.75 makes them\n"
            "# true points.)\n\n"
            "set encoding utf8\n"
            "set terminal pdfcairo size %.2fin,%.2fin noenhanced font 'sans,9' "
            "fontscale 0.75 linewidth 1.2\n"
            "set output 'page_%d.pdf'\n"
            "titlefont = ',12'\nsmallfont = ',7'\n"
            "set multiplot\n",
            number, number, number, number, RMAT_PAGE_W_IN, RMAT_PAGE_H_IN, number);
    p->y = 0.955;
    p->rows = 0;
    /* The running header: who and when, on every page. */
    fputs("set label ", p->f);
    rmat_gp_string(p->f, header);
    fputs(" at screen 0.08, screen 0.975 left font smallfont tc rgb '#555555'\n", p->f);
    fprintf(p->f,
            "set label 'page %d' at screen 0.92, screen 0.975 right font smallfont "
            "tc rgb '#555555'\n",
            number);
    fputs("set arrow from screen 0.08, screen 0.968 to screen 0.92, screen 0.968 nohead lw 0.5 "
          "lc rgb '#999999'\n",
          p->f);
    return RMAT_OK;
}

/* Draws the labels set so far (a plot of nothing) and clears them, so
 * figures can follow on the page. */
void rmat_page_flush_text(struct rmat_page *p)
{
    fputs("unset border\nunset tics\nunset key\n"
          "set lmargin at screen 0\nset rmargin at screen 1\n"
          "set bmargin at screen 0\nset tmargin at screen 1\n"
          "plot [0:1][0:1] NaN notitle\n"
          "unset label\nunset arrow\nunset object\n",
          p->f);
}

int rmat_page_close(struct rmat_page *p, struct rmat_errinfo *ei)
{
    rmat_page_flush_text(p);
    fputs("unset multiplot\nset output\n", p->f);
    const int rc = rmat_out_close(p->f, p->path, ei);
    p->f = NULL;
    return rc;
}

/* One line of text at the left margin (x as a screen fraction). */
void rmat_page_text(struct rmat_page *p, double x, double y, const char *font, const char *align,
                    const char *color, const char *s)
{
    fputs("set label ", p->f);
    rmat_gp_string(p->f, s);
    fprintf(p->f, " at screen %.4f, screen %.4f %s font %s tc rgb '%s'\n", x, y, align, font,
            color);
}

void rmat_page_heading(struct rmat_page *p, const char *s)
{
    p->y -= 0.6 * RMAT_LINE_H;
    rmat_page_text(p, 0.08, p->y, "titlefont", "left", "#000000", s);
    p->y -= 0.45 * RMAT_LINE_H;
    fprintf(p->f,
            "set arrow from screen 0.08, screen %.4f to screen 0.92, screen %.4f nohead lw 0.5 "
            "lc rgb '" RMAT_OI_BLUE "'\n",
            p->y, p->y);
    p->y -= 1.2 * RMAT_LINE_H;
    p->rows = 0;
}

/* A paragraph, wrapped at word boundaries (UTF-8 continuation bytes do not
 * count as characters), indented by indent screen fractions. */
void rmat_page_para(struct rmat_page *p, double indent, const char *s)
{
    const int width = WRAP_CHARS - (int)(indent * WRAP_CHARS / 0.84);
    char line[512];
    while (*s) {
        const char *brk = NULL, *c = s;
        int chars = 0;
        while (*c && chars < width) {
            if (*c == ' ')
                brk = c;
            if (((unsigned char)*c & 0xc0) != 0x80)
                chars++;
            c++;
        }
        if (!*c)
            brk = c;
        else if (!brk)
            brk = c;
        const size_t len =
            (size_t)(brk - s) < sizeof line - 1 ? (size_t)(brk - s) : sizeof line - 1;
        memcpy(line, s, len);
        line[len] = '\0';
        rmat_page_text(p, 0.08 + indent, p->y, "''", "left", "#000000", line);
        p->y -= RMAT_LINE_H;
        s = brk;
        while (*s == ' ')
            s++;
    }
}

void rmat_page_paraf(struct rmat_page *p, double indent, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    rmat_page_para(p, indent, buf);
}

/* A table row: cells at the given x positions (screen fractions), shaded
 * every other row. */
void rmat_page_row(struct rmat_page *p, const double *x, const char *const *cells, int n, int bold)
{
    if (p->rows % 2 == 1)
        fprintf(p->f,
                "set object rect from screen 0.08, screen %.4f to screen 0.92, screen %.4f "
                "behind fc rgb '#eef3f8' fs solid noborder\n",
                p->y - 0.35 * RMAT_LINE_H, p->y + 0.75 * RMAT_LINE_H);
    for (int i = 0; i < n; i++)
        rmat_page_text(p, x[i], p->y, bold ? "smallfont" : "''", "left",
                       bold ? "#333333" : "#000000", cells[i]);
    p->y -= 1.08 * RMAT_LINE_H;
    p->rows++;
}

/* Runs gnuplot on every page and joins them. */
int rmat_pages_pdf(const char *dir, int pages, const char *pdf_path, struct rmat_errinfo *ei)
{
    char *argv[RMAT_MAX_PAGES + 3];
    char names[RMAT_MAX_PAGES][RMAT_PATH_BUF];
    char log_path[RMAT_PATH_BUF];
    int rc = RMAT_OK;

    for (int k = 1; k <= pages && rc == RMAT_OK; k++) {
        char gp[32];
        snprintf(gp, sizeof gp, "page_%d.gp", k);
        rc = rmat_plot_run(gp, dir, ei);
    }
    if (rc != RMAT_OK)
        return rc;
    argv[0] = (char *)"pdfunite";
    for (int k = 1; k <= pages; k++) {
        snprintf(names[k - 1], sizeof names[k - 1], "%s/page_%d.pdf", dir, k);
        argv[k] = names[k - 1];
    }
    argv[pages + 1] = (char *)pdf_path;
    argv[pages + 2] = NULL;
    rc = rmat_path_join(log_path, sizeof log_path, dir, "pdfunite.log", ei);
    if (rc == RMAT_OK)
        rc = rmat_run_program(argv, NULL, log_path, "apt-get install poppler-utils",
                              "joining the pages", ei);
    return rc;
}
